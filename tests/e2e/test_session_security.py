"""The secure session end to end: one-time codes (separators, wrong, rotation, expiry, single use), busy,
consent denial and timeout, a TLS-terminating man in the middle, TLS 1.2 and silent/garbage peers, the
handshake cap, reverse mode, and the customer ending a session. Real binaries, real TLS on loopback;
every test checks exit codes, the host's audit log (JSON lines) and that the host keeps running."""
import json
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import unittest

from elfdesk_e2e import (CLIENT_BIN, EXIT_AUTH, EXIT_BUSY, EXIT_DECLINED, EXIT_OK, HOST_BIN, Host, elfdesk,
                         wait_until)
from mitm_proxy import MitmProxy

# `diag` exits 0-3 with the worst finding of the probes (machine-dependent) and 10-14 for session
# failures; `screenshot` exits 0 whenever the session worked, so it is the success check.
PROBE = "system"


def wrong_code(code):
    """The same code with its last digit changed (a near miss, not a random string)."""
    last = code[-1]
    return code[:-1] + ("0" if last != "0" else "1")


def diag(address, code, *extra, timeout=60):
    return elfdesk("diag", address, "--code", code, "--probe", PROBE, "--json", *extra, timeout=timeout)


def screenshot(address, code, timeout=60):
    out = tempfile.mktemp(prefix="elfdesk-shot-", suffix=".png")
    try:
        result = elfdesk("screenshot", address, "--code", code, "--out", out, timeout=timeout)
        result.png = os.path.exists(out) and open(out, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
        return result
    finally:
        if os.path.exists(out):
            os.unlink(out)




def events(host, name, **fields):
    return [e for e in host.audit() if e["event"] == name and all(e.get(k) == v for k, v in fields.items())]


def wait_for_event(host, name, count=1, timeout=10, **fields):
    return wait_until(lambda: len(events(host, name, **fields)) >= count, timeout)


def start_screenshot(address, code, out_dir):
    """A live session that lasts: the fake screen moves all the time, so it is never still for 60 s."""
    return subprocess.Popen([CLIENT_BIN, "screenshot", address, "--code", code, "--out",
                             os.path.join(out_dir, "shot.png"), "--wait-still", "60000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc, timeout=15):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, out, err


def closed_by_peer(sock, timeout):
    """Seconds until the peer closed `sock` (EOF or reset), or None if it stayed open for `timeout`."""
    start = time.time()
    sock.settimeout(0.2)
    while time.time() - start < timeout:
        try:
            if sock.recv(4096) == b"":
                return time.time() - start
        except socket.timeout:
            continue
        except OSError:
            return time.time() - start
    return None


class SecurityTestCase(unittest.TestCase):
    def host(self, *args, **kwargs):
        host = Host("--fake-screen", *args, **kwargs)
        self.addCleanup(host.stop)
        return host

    def assert_ok(self, result):
        self.assertEqual(result.returncode, EXIT_OK, result.stderr)
        self.assertTrue(result.png, "no PNG written")

    def assert_diag_report(self, result):
        """A diag session that worked: exit 0-3 (worst finding) and a JSON report of the probe."""
        self.assertIn(result.returncode, (0, 1, 2, 3), result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual(report["exit_code"], result.returncode)
        self.assertEqual(len(report["reports"]), 1)

    def assert_auth_failed(self, result):
        self.assertEqual(result.returncode, EXIT_AUTH, result.stderr)
        self.assertIn("wrong or expired code", result.stderr)

    def assert_host_up(self, host):
        self.assertIsNone(host.proc.poll(), host.stderr())


class CodeTest(SecurityTestCase):
    def test_right_code_with_and_without_separators(self):
        host = self.host("--consent", "accept", "--ui", "none")
        formatted = host.code()
        self.assertRegex(formatted, r"^\d{3}-\d{3}-\d{3}-\d{3}$")
        self.assertEqual(os.stat(host.code_file).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(host.audit_file).st_mode & 0o777, 0o600)
        self.assert_diag_report(diag(host.address, formatted))
        # Single use: the next session needs the next code, typed here as bare digits, then with spaces.
        self.assertTrue(wait_until(lambda: host.code() != formatted))
        self.assert_ok(screenshot(host.address, host.code().replace("-", "")))
        self.assertTrue(wait_until(lambda: len(events(host, "code_issued")) == 3))
        self.assert_ok(screenshot(host.address, host.code().replace("-", " ")))
        oks = events(host, "authentication", result="ok")
        self.assertEqual(len(oks), 3)
        self.assertTrue(all(e["peer"].startswith("127.0.0.1:") for e in oks))
        self.assertTrue(wait_for_event(host, "session_end", count=3))
        self.assertEqual(len(events(host, "consent", decision="allowed")), 3)
        self.assert_host_up(host)
        # The code itself never reaches the audit log.
        with open(host.audit_file) as f:
            log = f.read()
        for digits in (formatted, formatted.replace("-", "")):
            self.assertNotIn(digits, log)

    def test_wrong_code_fails_and_right_code_still_works(self):
        host = self.host("--consent", "accept", "--ui", "none")
        code = host.code()
        result = diag(host.address, wrong_code(code))
        self.assert_auth_failed(result)
        failed = events(host, "authentication", result="failed")
        self.assertEqual(len(failed), 1, host.audit())
        self.assertTrue(failed[0]["peer"].startswith("127.0.0.1:"))
        self.assertEqual(failed[0]["failures_on_code"], 1)
        self.assertEqual(events(host, "session_start"), [])
        self.assert_host_up(host)
        self.assertEqual(host.code(), code)  # one wrong guess does not retire the code
        self.assert_ok(screenshot(host.address, code))

    def test_five_wrong_codes_rotate_the_code(self):
        # --backoff 0: five guesses in a row from one address (by default it would wait 2, 4, 8, 16 s).
        host = self.host("--consent", "accept", "--ui", "none", "--backoff", "0")
        code = host.code()
        for attempt in range(1, 6):
            self.assert_auth_failed(diag(host.address, wrong_code(code)))
            if attempt < 5:
                self.assertEqual(host.code(), code, f"rotated after {attempt} attempts")
        self.assertTrue(wait_until(lambda: host.code() != code))
        rotated = events(host, "code_issued", reason="too many wrong attempts")
        self.assertEqual(len(rotated), 1, host.audit())
        self.assertEqual([e["failures_on_code"] for e in events(host, "authentication", result="failed")],
                         [1, 2, 3, 4, 0])
        self.assert_auth_failed(diag(host.address, code))  # the right code, but retired
        self.assert_host_up(host)
        self.assert_ok(screenshot(host.address, host.code()))

    def test_expired_code_fails_and_new_one_works(self):
        host = self.host("--consent", "accept", "--ui", "none", "--code-ttl", "5")
        code = host.code()
        self.assertTrue(wait_until(lambda: host.code() != code, timeout=10), "the code did not expire")
        self.assertEqual(len(events(host, "code_issued", reason="the previous code expired")), 1)
        self.assertEqual(events(host, "code_issued")[0]["valid_for_s"], 5)
        self.assert_auth_failed(diag(host.address, code))
        self.assert_ok(screenshot(host.address, host.code()))

    def test_code_is_single_use(self):
        host = self.host("--consent", "accept", "--ui", "none")
        code = host.code()
        self.assert_ok(screenshot(host.address, code))
        self.assertTrue(wait_until(lambda: host.code() != code))
        self.assertTrue(wait_for_event(host, "code_issued", reason="the session ended"))
        self.assert_auth_failed(diag(host.address, code))
        self.assert_host_up(host)


class LocalFilesTest(SecurityTestCase):
    def test_code_file_and_audit_log_are_private_without_touching_shared_directories(self):
        shared = self.enterContext(_TempDir())
        os.chmod(shared, 0o755)  # stands for a directory others use, like /tmp
        code_file = os.path.join(shared, "code.txt")
        os.symlink(os.path.join(shared, "victim"), code_file + ".tmp")  # planted by another local user
        audit = os.path.join(shared, "state", "audit.jsonl")
        proc = subprocess.Popen([HOST_BIN, "--fake-screen", "--listen", "127.0.0.1:0", "--consent", "accept",
                                 "--ui", "none", "--code-file", code_file, "--audit-log", audit],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            self.assertTrue(wait_until(lambda: os.path.exists(audit) and os.path.getsize(audit) > 0))
            time.sleep(0.3)
            self.assertEqual(os.stat(shared).st_mode & 0o777, 0o755)
            self.assertEqual(os.stat(os.path.dirname(audit)).st_mode & 0o777, 0o700)
            self.assertEqual(os.stat(audit).st_mode & 0o777, 0o600)
            self.assertFalse(os.path.exists(os.path.join(shared, "victim")), "followed the planted symlink")
            self.assertIsNone(proc.poll())  # no code file this time, but the host runs (code on its terminal)
        finally:
            proc.terminate()
            proc.wait(10)


class BusyAndEndTest(SecurityTestCase):
    def test_second_engineer_is_busy_and_session_outlives_handshake_deadline(self):
        host = self.host("--consent", "accept", "--ui", "none", "--handshake-timeout", "2")
        first = start_screenshot(host.address, host.code(), host.dir)
        try:
            self.assertTrue(wait_for_event(host, "session_start"), first.stderr)
            result = diag(host.address, host.code())
            self.assertEqual(result.returncode, EXIT_BUSY, result.stderr)
            self.assertIn("busy", result.stderr)
            self.assertTrue(wait_for_event(host, "connection_refused", reason="busy"))
            # The handshake deadline (2 s) covers only the time before authentication, not the session.
            time.sleep(2.5)
            self.assertIsNone(first.poll(), "the live session was cut off")
            self.assertEqual(events(host, "session_end"), [])
        finally:
            first.kill()
            finish(first)
        self.assertTrue(wait_for_event(host, "code_issued", reason="the session ended"))
        self.assert_host_up(host)
        self.assert_ok(screenshot(host.address, host.code()))

    def test_customer_ends_the_session_with_sigint(self):
        host = self.host("--consent", "accept", "--ui", "none")
        session = start_screenshot(host.address, host.code(), host.dir)
        try:
            self.assertTrue(wait_for_event(host, "session_start"))
            time.sleep(0.5)  # let some video flow so the byte counts mean something
            host.proc.send_signal(signal.SIGINT)
            code, _, err = finish(session)
        finally:
            session.kill()
        self.assertNotEqual(code, EXIT_OK)
        self.assertIn("ended by the customer", err)
        self.assertEqual(host.proc.wait(10), 0)
        ended = events(host, "session_end")
        self.assertEqual(len(ended), 1)
        self.assertIn("ended by the customer", ended[0]["reason"])
        self.assertGreater(ended[0]["duration_s"], 0.4)
        self.assertGreater(ended[0]["bytes_sent"], 1000)
        self.assertGreater(ended[0]["bytes_received"], 0)
        self.assertEqual(len(events(host, "host_stop")), 1)


class ConsentTest(SecurityTestCase):
    def terminal_host(self, *args):
        return self.host("--consent", "ask", "--ui", "terminal", *args, stdin=subprocess.PIPE)

    def test_customer_denies_in_the_terminal(self):
        host = self.terminal_host()
        engineer = subprocess.Popen([CLIENT_BIN, "diag", host.address, "--code", host.code(), "--probe", PROBE],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertTrue(host.wait_for_output(r"Allow\? \[y/N\]"), host.stdout())
            host.proc.stdin.write(b"n\n")
            host.proc.stdin.flush()
            code, _, err = finish(engineer)
        finally:
            engineer.kill()
        self.assertEqual(code, EXIT_DECLINED, err)
        self.assertIn("declined by the customer", err)
        self.assertTrue(wait_for_event(host, "consent", decision="denied", how="asked the customer"))
        self.assertEqual(events(host, "session_start"), [])
        self.assert_host_up(host)

    def test_no_answer_times_out(self):
        host = self.terminal_host("--consent-timeout", "2")
        started = time.time()
        result = diag(host.address, host.code())
        self.assertEqual(result.returncode, EXIT_DECLINED, result.stderr)
        self.assertIn("did not answer in time", result.stderr)
        self.assertGreater(time.time() - started, 1.5)
        self.assertTrue(wait_for_event(host, "consent", decision="timed_out", how="no answer in time"))
        self.assertEqual(events(host, "session_start"), [])
        self.assert_host_up(host)

    def test_customer_allows_in_the_terminal(self):
        host = self.terminal_host()
        engineer = subprocess.Popen([CLIENT_BIN, "diag", host.address, "--code", host.code(), "--probe", PROBE],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertTrue(host.wait_for_output(r"Allow\? \[y/N\]"), host.stdout())
            host.proc.stdin.write(b"y\n")
            host.proc.stdin.flush()
            code, _, err = finish(engineer)
        finally:
            engineer.kill()
        self.assertIn(code, (0, 1, 2, 3), err)  # the probe ran: its worst finding
        self.assertTrue(wait_for_event(host, "consent", decision="allowed", how="asked the customer"))


class ManInTheMiddleTest(SecurityTestCase):
    def test_tls_terminating_relay_fails_even_with_the_right_code(self):
        host = self.host("--consent", "accept", "--ui", "none")
        code = host.code()
        with MitmProxy("127.0.0.1", host.port, mode="tls") as proxy:
            result = diag(proxy.address, code)
        self.assert_auth_failed(result)
        # The proxy really relayed the plaintext both ways (Hello, SPAKE2 shares, confirmations).
        self.assertEqual(proxy.connections, 1)
        self.assertGreater(proxy.to_host_bytes, 65)
        self.assertGreater(proxy.to_engineer_bytes, 65)
        failed = wait_for_event(host, "authentication", result="failed") and events(host, "authentication")
        self.assertEqual([e["result"] for e in failed], ["failed"], host.audit())
        self.assertEqual(events(host, "session_start"), [])
        self.assert_host_up(host)
        # Nothing was learnt or spoilt: the same code still works end to end.
        self.assert_ok(screenshot(host.address, code))

    def test_plain_tcp_relay_is_harmless(self):
        # Control: a relay that does not terminate TLS leaves the channel end to end, so it just works.
        host = self.host("--consent", "accept", "--ui", "none")
        with MitmProxy("127.0.0.1", host.port, mode="tcp") as proxy:
            self.assert_ok(screenshot(proxy.address, host.code()))
        self.assertGreater(proxy.to_engineer_bytes, 0)


class TransportTest(SecurityTestCase):
    def test_tls12_is_refused(self):
        host = self.host("--consent", "accept", "--ui", "none")
        old = subprocess.run(["openssl", "s_client", "-tls1_2", "-connect", host.address],
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
        self.assertNotEqual(old.returncode, 0)
        self.assertIn("Cipher is (NONE)", old.stdout)  # no TLS 1.2 session was established
        self.assertIn("alert protocol version", old.stderr)
        self.assertTrue(wait_for_event(host, "tls", result="failed"))
        self.assertIn("unsupported protocol", events(host, "tls")[0]["reason"])
        # The same client speaking TLS 1.3 gets through the TLS layer: the refusal is about the version.
        # s_client prints what the host sends after the handshake: its binary Hello (the capability byte 0xBF
        # since kResume is not valid UTF-8), hence the replacement characters.
        new = subprocess.run(["openssl", "s_client", "-tls1_3", "-connect", host.address],
                             stdin=subprocess.DEVNULL, capture_output=True, encoding="utf-8", errors="replace",
                             timeout=20)
        self.assertRegex(new.stdout, r"New, TLSv1\.3, Cipher is TLS_")
        self.assert_host_up(host)
        self.assert_ok(screenshot(host.address, host.code()))

    def test_silent_and_garbage_peers_are_cut_off_without_blocking_an_engineer(self):
        host = self.host("--consent", "accept", "--ui", "none", "--handshake-timeout", "2", "--max-pending", "4")
        silent = socket.create_connection(("127.0.0.1", host.port), source_address=("127.0.0.2", 0))
        garbage = socket.create_connection(("127.0.0.1", host.port), source_address=("127.0.0.3", 0))
        try:
            garbage.sendall(b"GET / HTTP/1.0\r\n\r\n" + os.urandom(64))
            # A real engineer authenticates while both are connected.
            self.assert_ok(screenshot(host.address, host.code()))
            self.assertIsNotNone(closed_by_peer(garbage, 3), "garbage peer still connected")
            waited = closed_by_peer(silent, 5)
            self.assertIsNotNone(waited, "silent peer still connected after the deadline")
        finally:
            silent.close()
            garbage.close()
        self.assertTrue(wait_for_event(host, "tls", count=2, result="failed"))
        self.assertTrue(any("deadline" in e["reason"] for e in events(host, "tls")), host.audit())
        self.assert_host_up(host)

    def test_a_stranger_cannot_make_the_host_buffer_a_video_frame_before_authenticating(self):
        host = self.host("--consent", "accept", "--ui", "none")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # elfdesk authenticates with the code, not certificates
        with context.wrap_socket(socket.create_connection(("127.0.0.1", host.port))) as stranger:
            # A VideoFrame header announcing 8 MiB - 64 KiB (within a video frame's cap), then nothing: refused
            # on the header alone, before authentication.
            stranger.sendall(struct.pack(">HHI", 7, 0, (8 << 20) - (64 << 10)))
            self.assertIsNotNone(closed_by_peer(stranger, 3), "the host waited for the payload")
        self.assertTrue(wait_for_event(host, "hello", result="failed"))
        self.assertIn("claims 8323072 payload bytes, limit 262144", events(host, "hello")[0]["reason"])
        self.assert_host_up(host)
        self.assert_ok(screenshot(host.address, host.code()))

    def test_more_silent_peers_than_the_cap_do_not_lock_out_an_engineer(self):
        host = self.host("--consent", "accept", "--ui", "none", "--handshake-timeout", "2", "--max-pending", "3")
        opened = time.time()
        # From five addresses, so the global cap is what refuses (one address holds at most 2 slots).
        socks = [socket.create_connection(("127.0.0.1", host.port), source_address=(f"127.0.0.{2 + i}", 0))
                 for i in range(5)]
        try:
            # Beyond the cap, connections are refused at once and audited.
            self.assertTrue(wait_for_event(host, "connection_refused", count=2,
                                           reason="too many unauthenticated connections"))
            # The three admitted ones are cut off when the deadline expires ...
            for s in socks:
                self.assertIsNotNone(closed_by_peer(s, 6))
            self.assertLess(time.time() - opened, 6)
            # ... and then a real engineer gets in.
            self.assert_ok(screenshot(host.address, host.code()))
        finally:
            for s in socks:
                s.close()
        self.assertEqual(len(events(host, "connection_refused")), 2)
        self.assert_host_up(host)


class ReverseModeTest(SecurityTestCase):
    @staticmethod
    def free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def reverse_host(self, port):
        """elfdesk-host --connect: it dials (and redials) the engineer; Host() waits for a listener line."""
        out_dir = self.enterContext(_TempDir())
        code_file = os.path.join(out_dir, "code.txt")
        audit = os.path.join(out_dir, "audit.jsonl")
        proc = subprocess.Popen([HOST_BIN, "--fake-screen", "--connect", f"127.0.0.1:{port}", "--consent", "accept",
                                 "--ui", "none", "--code-file", code_file, "--audit-log", audit],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait()))
        self.assertTrue(wait_until(lambda: os.path.exists(code_file)))
        with open(code_file) as f:
            return proc, f.read().strip(), audit

    def run_reverse(self, right_code):
        # The customer starts first and reads out the code; the engineer then listens where the host dials.
        port = self.free_port()
        proc, code, audit_path = self.reverse_host(port)
        engineer = elfdesk("diag", "--listen", f"127.0.0.1:{port}", "--code",
                           code if right_code else wrong_code(code), "--probe", PROBE, "--json")
        self.assertIn(f"listening on port {port}", engineer.stderr)
        self.assertEqual(proc.wait(15), 0)
        with open(audit_path) as f:
            audit = [json.loads(line) for line in f]
        return engineer, audit

    def test_reverse_mode_authenticates(self):
        engineer, audit = self.run_reverse(True)
        self.assert_diag_report(engineer)
        names = [e["event"] for e in audit]
        self.assertIn("session_end", names)
        conn = [e for e in audit if e["event"] == "connection"]
        self.assertEqual(conn[0]["direction"], "outgoing")
        self.assertEqual([e["result"] for e in audit if e["event"] == "authentication"], ["ok"])

    def test_reverse_mode_wrong_code(self):
        engineer, audit = self.run_reverse(False)
        self.assertEqual(engineer.returncode, EXIT_AUTH, engineer.stderr)
        self.assertIn("wrong or expired code", engineer.stderr)
        self.assertEqual([e["result"] for e in audit if e["event"] == "authentication"], ["failed"])
        self.assertNotIn("session_start", [e["event"] for e in audit])


class _TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="elfdesk-rev-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
