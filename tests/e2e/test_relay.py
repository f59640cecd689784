"""Sessions through the real elfdesk-relay on loopback, real TLS both layers: the customer's host registers
(listening on no port) and the engineer types only the code for view, diag and screenshot; wrong secrets
count against the code and rotate it (new id) after 5; an unknown id is exit 11 with its message; a relay
killed mid-session ends the engineer with exit 10, the host reports it and shows a fresh code once the
relay is back; a relay that terminates the inner TLS makes authentication fail on both sides; the relay
can come from ELFDESK_RELAY or the config file."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from elfdesk_e2e import (CLIENT_BIN, EXIT_AUTH, EXIT_NETWORK, EXIT_OK, Xvfb, elfdesk, find_window, make_test_picture,
                         hide_cursor, paint_root, psnr, wait_until)
from mitm_proxy import RelayMitmProxy
from relay_e2e import (NO_SESSION, RELAY_BIN, Pki, Redirector, Relay, RelayHost, engineer, free_port,
                       listening_tcp_ports, screenshot, wrong_secret)

HOST_ARGS = ("--consent", "accept", "--ui", "none", "--backoff", "0")


@unittest.skipUnless(os.path.exists(RELAY_BIN), "elfdesk-relay is not built (relay/ is not merged)")
class RelayTestCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-relay-test-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.pki = Pki(self.dir)
        self.relay = self.start_relay()

    def start_relay(self, port=None):
        relay = Relay(self.pki, port=port)
        self.addCleanup(relay.stop)
        return relay

    def host(self, *args, **kwargs):
        host = RelayHost(self.relay.address, self.pki.ca, *HOST_ARGS, *args, **kwargs)
        self.addCleanup(host.stop)
        return host

    def shot(self, code, *extra, **kwargs):
        return screenshot(code, self.relay.address, self.pki.ca, *extra, **kwargs)

    def assert_shot(self, result):
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertTrue(result.png, "no PNG written")


class RelayFlowTest(RelayTestCase):
    def test_view_diag_and_screenshot_with_the_code_only(self):
        with Xvfb(800, 600) as a, Xvfb(1280, 800) as b:
            hide_cursor(a.display)
            picture = make_test_picture(os.path.join(self.dir, "picture.png"), 800, 600, "relay")
            paint_root(a.display, picture)
            host = self.host(display=a.display)
            self.assertRegex(host.code(), r"^\d{3}-\d{3}-\d{3}-\d{3}$")
            self.assertIn("registered with the relay", host.stdout())
            first = host.code()
            # The screenshot, taken through the relay, is the customer's screen.
            out = os.path.join(self.dir, "shot.png")
            result = engineer("screenshot", first, self.relay.address, self.pki.ca, "--out", out,
                              "--wait-still", "300")
            self.assertEqual(result.returncode, EXIT_OK, result.stderr)
            self.assertGreater(psnr(picture, out), 30)
            # Each session used up its code: the next one is a new id and a new secret.
            second = host.wait_for_code(other_than=first)
            self.assertIsNotNone(second)
            self.assertNotEqual(second[:7], first[:7])
            diag = engineer("diag", second, self.relay.address, self.pki.ca, "--probe", "system", "--json")
            self.assertIn(diag.returncode, (0, 1, 2, 3), diag.stderr)
            self.assertEqual(json.loads(diag.stdout)["reports"][0]["probe"], "system")
            # The viewer through the relay: a window, and a session the customer's audit log records.
            view_code = host.wait_for_code(other_than=second)
            viewer = subprocess.Popen([CLIENT_BIN, "view", view_code, "--relay", self.relay.address, "--relay-ca",
                                       self.pki.ca], env=b.env(), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                self.assertIsNotNone(find_window(b.display, "^elfdesk", timeout=20))
                self.assertTrue(wait_until(lambda: len(host.events("session_start")) == 3, 20), host.audit())
            finally:
                viewer.terminate()
                try:
                    _, err = viewer.communicate(timeout=15)
                except subprocess.TimeoutExpired:
                    viewer.kill()
                    _, err = viewer.communicate()
                    self.fail("the viewer did not end on SIGTERM: " + err)
            starts = host.events("session_start")
            self.assertTrue(all(e["peer"].startswith("relay ") for e in starts), starts)

    def test_host_listens_on_no_port_and_takes_one_join_after_another(self):
        host = self.host("--fake-screen")
        self.assertEqual(listening_tcp_ports(host.proc.pid), [])
        self.assertNotRegex(host.stdout(), r"listening on [\d.\[\]:]+:\d+")
        first = host.code()
        self.assert_shot(self.shot(first))
        second = host.wait_for_code(other_than=first)
        self.assertIsNotNone(second)
        self.assertNotEqual(first[:7], second[:7], "a new code must come with a new relay id")
        self.assert_shot(self.shot(second))
        self.assertEqual(listening_tcp_ports(host.proc.pid), [])

    def test_wrong_secret_counts_and_five_rotate_to_a_new_id(self):
        host = self.host("--fake-screen")
        code = host.code()
        for attempt in range(5):
            result = self.shot(wrong_secret(code))
            self.assertEqual(result.returncode, EXIT_AUTH, f"attempt {attempt}: {result.stderr}")
        fresh = host.wait_for_code(other_than=code)
        self.assertIsNotNone(fresh, host.stdout())
        self.assertNotEqual(fresh[:7], code[:7])
        self.assertEqual(len(host.events("authentication", result="failed")), 5)
        # The old code's id is gone with its registration: the relay knows no such session now.
        old = self.shot(code)
        self.assertEqual(old.returncode, EXIT_AUTH, old.stderr)
        self.assertIn(NO_SESSION, old.stderr)
        self.assert_shot(self.shot(fresh))

    def test_unknown_id_is_exit_11_with_the_message(self):
        host = self.host("--fake-screen")
        unknown = ("999-999" if not host.code().startswith("999-999") else "888-888") + "-123-456"
        result = self.shot(unknown)
        self.assertEqual(result.returncode, EXIT_AUTH, result.stderr)
        self.assertIn(NO_SESSION, result.stderr)
        self.assertEqual(host.events("authentication"), [])  # never reached the host

    def test_relay_killed_mid_session_both_sides_report_and_the_host_re_registers(self):
        host = self.host("--fake-screen")
        code = host.code()
        # The fake screen moves all the time: a screenshot that waits for 60 s of stillness lasts.
        session = subprocess.Popen([CLIENT_BIN, "screenshot", code, "--relay", self.relay.address, "--relay-ca",
                                    self.pki.ca, "--out", os.path.join(self.dir, "x.png"), "--wait-still", "60000"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: session.poll() is None and session.kill())
        self.assertTrue(wait_until(lambda: host.events("session_start"), 20), host.audit())
        port = self.relay.port
        killed_at = time.time()
        self.relay.kill()
        _, err = session.communicate(timeout=30)
        self.assertEqual(session.returncode, EXIT_NETWORK, err)
        self.assertLess(time.time() - killed_at, 15)
        self.assertTrue(wait_until(lambda: host.events("relay_lost"), 15), host.audit())
        self.assertTrue(wait_until(lambda: "no connection to the relay" in host.stdout(), 5), host.stdout())
        self.assertIsNone(host.code(), "the dead code must not stay in the code file")
        self.assertIsNone(host.proc.poll(), "the host must keep running without its relay")
        self.relay = self.start_relay(port=port)
        fresh = host.wait_for_code(other_than=code, timeout=40)
        self.assertIsNotNone(fresh, host.stdout())
        self.assert_shot(self.shot(fresh))


class RelayTrustTest(RelayTestCase):
    def test_tls_terminating_relay_makes_authentication_fail_on_both_sides(self):
        host = self.host("--fake-screen")
        with RelayMitmProxy("127.0.0.1", self.relay.port, self.pki.cert, self.pki.key) as proxy:
            result = screenshot(host.code(), proxy.address, self.pki.ca)
        self.assertEqual(result.returncode, EXIT_AUTH, result.stderr)
        self.assertEqual(proxy.spliced, 1, proxy.errors)
        self.assertGreater(proxy.plaintext_bytes, 65)  # Hello and SPAKE2 really went through it, decrypted
        self.assertTrue(wait_until(lambda: host.events("authentication", result="failed"), 10), host.audit())
        self.assertEqual(host.events("session_start"), [])

    def test_a_relay_certificate_from_another_ca_is_refused_with_exit_10(self):
        other = Pki(tempfile.mkdtemp(dir=self.dir))
        host = self.host("--fake-screen")
        result = screenshot(host.code(), self.relay.address, other.ca)
        self.assertEqual(result.returncode, EXIT_NETWORK, result.stderr)
        self.assertIn("certificate", result.stderr)
        # The host does not register at a relay it cannot verify either, and says so.
        untrusting = RelayHost(self.relay.address, other.ca, *HOST_ARGS, "--fake-screen", wait=False)
        self.addCleanup(untrusting.stop)
        self.assertTrue(wait_until(lambda: "no connection to the relay" in untrusting.stdout(), 15))
        self.assertIn("certificate", untrusting.stdout())
        self.assertIsNone(untrusting.code())

    def test_relay_from_the_environment_and_from_the_config_file(self):
        env = dict(os.environ, ELFDESK_RELAY=self.relay.address, ELFDESK_RELAY_CA=self.pki.ca)
        host = RelayHost(None, None, *HOST_ARGS, "--fake-screen", env=env)
        self.addCleanup(host.stop)
        config_home = os.path.join(self.dir, "xdg")
        os.makedirs(os.path.join(config_home, "elfdesk"))
        with open(os.path.join(config_home, "elfdesk", "elfdesk.conf"), "w") as f:
            f.write(f'relay = "{self.relay.address}"\nrelay_ca = "{self.pki.ca}"\n')
        clean = {k: v for k, v in os.environ.items() if not k.startswith("ELFDESK_RELAY")}
        result = screenshot(host.code(), None, None, env=dict(clean, XDG_CONFIG_HOME=config_home))
        self.assert_shot(result)


class RedirectTest(RelayTestCase):
    def test_the_engineer_follows_one_redirect_and_no_second(self):
        host = self.host("--fake-screen")
        with Redirector(self.pki, self.relay.address) as node:
            self.assert_shot(screenshot(host.code(), node.address, self.pki.ca))
            self.assertEqual(node.joins, 1)
            with Redirector(self.pki, node.address) as first:
                result = screenshot(host.wait_for_code(other_than=None), first.address, self.pki.ca)
            self.assertEqual(result.returncode, EXIT_NETWORK, result.stderr)
            self.assertIn("redirected us twice", result.stderr)


class RelayUsageTest(unittest.TestCase):
    def test_a_code_without_a_relay_is_a_usage_error(self):
        clean = {k: v for k, v in os.environ.items() if not k.startswith("ELFDESK_RELAY")}
        with tempfile.TemporaryDirectory() as empty:
            env = dict(clean, XDG_CONFIG_HOME=empty, ELFDESK_SYSTEM_CONFIG=os.path.join(empty, "none"))
            result = elfdesk("screenshot", "123-456-789-012", "--out", "x.png", env=env)
            self.assertEqual(result.returncode, 2, result.stderr)
            self.assertIn("no relay configured", result.stderr)
            short = elfdesk("diag", "123-456-789-01", "--relay", "127.0.0.1:9", env=env)
            self.assertEqual(short.returncode, 2, short.stderr)
            self.assertIn("12 digits", short.stderr)

    def test_an_unreachable_relay_is_exit_10_at_once(self):
        clean = {k: v for k, v in os.environ.items() if not k.startswith("ELFDESK_RELAY")}
        start = time.time()
        result = elfdesk("diag", "123-456-789-012", "--relay", f"127.0.0.1:{free_port()}", env=clean)
        self.assertEqual(result.returncode, EXIT_NETWORK, result.stderr)
        self.assertIn("relay", result.stderr)
        self.assertLess(time.time() - start, 10)

    def test_every_remote_command_takes_the_relay_on_its_command_line(self):
        clean = {k: v for k, v in os.environ.items() if not k.startswith("ELFDESK_RELAY")}
        relay = ["--relay", f"127.0.0.1:{free_port()}"]
        for command in (["fix", "123-456-789-012", "--remedy", "empty_trash"],
                        ["files", "push", "123-456-789-012", "/etc/hostname"],
                        ["files", "pull", "123-456-789-012", "/etc/hostname", "--out", os.devnull],
                        ["bundle", "123-456-789-012", "--out", os.devnull]):
            with self.subTest(command=command[0]):
                result = elfdesk(*command, *relay, env=clean)
                self.assertEqual(result.returncode, EXIT_NETWORK, result.stderr)  # dialled the relay: not usage
                self.assertIn("relay", result.stderr)

    def test_help_names_the_relay(self):
        for command in ("view", "diag", "screenshot", "fix", "bundle"):
            self.assertIn("--relay", elfdesk(command, "--help").stdout)
        self.assertIn("--relay", elfdesk("files", "--help").stdout)
        self.assertIn("view CODE", elfdesk("--help").stdout)


if __name__ == "__main__":
    unittest.main()
