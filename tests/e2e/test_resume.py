"""Resume instead of end (issue 13): a view session whose link drops comes back without a new code or a
new consent. The host and the viewer run in two network namespaces joined by a veth pair (root; CI runs as
root) and the cable is "pulled" with `ip link set down`; the customer's display A and the engineer's display
B are private Xvfbs. Keys typed with xdotool into the viewer on B are read back from an xterm on A. The
stolen-proof and relay tests need no root: a proxy first relays the engineer's bytes untouched, then
freezes them (a silent link); for the theft it then terminates TLS itself, so the engineer's resume proof
reaches the host on another TLS connection than the one it was made for; in front of elfdesk-relay it
relays the re-join untouched.

The resume window and the dead-peer limit are shortened with the hidden test settings ELFDESK_RESUME_WINDOW_MS
and ELFDESK_DEAD_PEER_MS (both sides read them); the 10 s test keeps the real 60 s window."""
import json
import os
import re
import selectors
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from elfdesk_e2e import (CONSENT_BUTTONS, CLIENT_BIN, HOST_BIN, Host, Xvfb, elfdesk, find_window, held_on, hide_cursor,
                         shows_exactly, wait_until, wait_viewer_connected, window_name, x_run)
from mitm_proxy import MitmProxy
from relay_e2e import RELAY_BIN, Pki, Relay, RelayHost

HOST_W, HOST_H = 1280, 720
NET = "10.72.{}".format(os.getpid() % 200 + 20)  # one /24 per test process
HOST_IP, VIEWER_IP = NET + ".1", NET + ".2"


def sh(*cmd):
    subprocess.run(list(cmd), check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)


class VethLink:
    """Two network namespaces (host side, viewer side) joined by one veth pair; `down()`/`up()` pull and
    plug the cable on the viewer's side. Small and self-contained until bench/net's NetLab can replace it."""

    def __init__(self, tag):
        self.host_ns, self.viewer_ns = f"ed-rh-{tag}", f"ed-rv-{tag}"
        for ns in (self.host_ns, self.viewer_ns):
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", self.host_ns, "link", "add", "h0", "type", "veth", "peer", "name", "v0", "netns", self.viewer_ns)
        sh("ip", "-n", self.host_ns, "addr", "add", HOST_IP + "/24", "dev", "h0")
        sh("ip", "-n", self.viewer_ns, "addr", "add", VIEWER_IP + "/24", "dev", "v0")
        sh("ip", "-n", self.host_ns, "link", "set", "h0", "up")
        self.up()

    def down(self):
        sh("ip", "-n", self.viewer_ns, "link", "set", "v0", "down")

    def up(self):
        sh("ip", "-n", self.viewer_ns, "link", "set", "v0", "up")

    def remove(self):
        for ns in (self.host_ns, self.viewer_ns):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


class Proc:
    """A program started inside a network namespace with its own stdout/stderr files."""

    def __init__(self, ns, cmd, env, directory, name):
        self.out_path, self.err_path = (os.path.join(directory, f"{name}.{x}") for x in ("out", "err"))
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            # `ip netns exec` execs the command after setns: the pid is the program's own.
            self.proc = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], env=env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err, cwd=directory)

    def stdout(self):
        with open(self.out_path) as f:
            return f.read()

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def read_audit(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


@unittest.skipUnless(os.geteuid() == 0, "network namespaces need root (CI runs as root)")
@unittest.skipUnless(shutil.which("ip") and shutil.which("xterm") and shutil.which("xinput"),
                     "needs iproute2, xterm and xinput")
class LinkDropTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-resume-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.link = VethLink(str(os.getpid() % 100000))
        self.addCleanup(self.link.remove)
        self.addCleanup(self.link.up)  # never leave the cable out for the next step
        self.a = Xvfb(HOST_W, HOST_H).__enter__()
        self.addCleanup(self.a.__exit__, None, None, None)
        self.b = Xvfb(1440, 900).__enter__()
        self.addCleanup(self.b.__exit__, None, None, None)
        hide_cursor(self.a.display)
        x_run(self.a.display, "xsetroot", "-solid", "#6090c0")

    def path(self, name):
        return os.path.join(self.dir, name)

    def start(self, window_ms=None, dead_peer_ms=3000, reverse=False, ui="none"):
        """Host in its namespace, viewer in the other; reverse: the viewer listens and the host dials it."""
        env = dict(os.environ, ELFDESK_DEAD_PEER_MS=str(dead_peer_ms))
        if window_ms:
            env["ELFDESK_RESUME_WINDOW_MS"] = str(window_ms)
        self.code_file, self.audit_file = self.path("code.txt"), self.path("audit.jsonl")
        where = ["--connect", VIEWER_IP + ":7600"] if reverse else ["--listen", HOST_IP + ":0"]
        self.host = Proc(self.link.host_ns, [HOST_BIN, *where, "--code-file", self.code_file,
                                             "--audit-log", self.audit_file, "--consent", "accept", "--ui", ui,
                                             "--display", self.a.display], env, self.dir, "host")
        self.addCleanup(self.host.stop)
        if reverse:
            self.assertTrue(wait_until(lambda: os.path.exists(self.code_file), timeout=15), self.host.stderr())
            target = ["--listen", VIEWER_IP + ":7600"]
        else:
            port = wait_until(lambda: (m := re.search(r"listening on [\d.]+:(\d+)", self.host.stdout())) and
                              os.path.exists(self.code_file) and m.group(1), timeout=15)
            self.assertTrue(port, self.host.stdout() + self.host.stderr())
            target = [f"{HOST_IP}:{port}"]
        with open(self.code_file) as f:
            self.code = f.read().strip()
        self.socket = self.path("viewer.sock")
        self.viewer = Proc(self.link.viewer_ns, [CLIENT_BIN, "view", *target, "--code", self.code,
                                                 "--scale", "1:1", "--control-socket", self.socket],
                           dict(env, DISPLAY=self.b.display), self.dir, "viewer")
        self.addCleanup(self.viewer.stop)
        self.window = find_window(self.b.display, "^elfdesk", timeout=20)
        self.assertIsNotNone(self.window, self.viewer.stderr())
        connected = wait_until(lambda: "connected" in (window_name(self.b.display, self.window) or ""), timeout=30)
        self.assertTrue(connected, self.viewer.stderr() + self.host.stderr())
        x_run(self.b.display, "xdotool", "windowmove", "--sync", self.window, "0", "0", "windowsize", "--sync",
              self.window, "1400", "820")

    def start_terminal(self):
        """An xterm on A (keyboard focus) whose shell writes every typed byte to a file."""
        out = self.path("typed.txt")
        open(out, "w").close()
        term = subprocess.Popen(["xterm", "-u8", "-geometry", "60x8+0+0", "-e", "sh", "-c",
                                 f"stty -icanon -echo; exec cat > {out}"],
                                env=dict(os.environ, DISPLAY=self.a.display, LANG="C.UTF-8", LC_ALL="C.UTF-8"),
                                stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(term.wait)
        self.addCleanup(term.kill)
        window = find_window(self.a.display, "^XTerm$", timeout=20, by="class")
        self.assertIsNotNone(window)
        x_run(self.a.display, "xdotool", "windowfocus", "--sync", window)
        return out

    def typed(self, path):
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def exact_picture(self, grabbed_at=None):
        return shows_exactly(self.a.display, self.b.display, self.window, HOST_W, HOST_H, self.dir, grabbed_at)

    def events(self, name):
        return [e for e in read_audit(self.audit_file) if e["event"] == name]

    def test_link_down_10_s_resumes_the_same_session(self):
        self.start(dead_peer_ms=3000)  # the real 60 s window
        out = self.start_terminal()
        self.assertTrue(wait_until(self.exact_picture, timeout=30, interval=0.3), "the viewer never showed A exactly")
        x_run(self.b.display, "xdotool", "windowfocus", "--sync", self.window)
        x_run(self.b.display, "xdotool", "type", "--delay", "25", "before")
        self.assertTrue(wait_until(lambda: self.typed(out) == "before", timeout=20), self.typed(out))
        x_run(self.b.display, "xdotool", "keydown", "Shift_L")
        self.assertTrue(wait_until(lambda: "key[50]" in held_on(self.a.display), timeout=20), "Shift never went down")
        pid = self.viewer.proc.pid

        self.link.down()
        cut = time.monotonic()
        released = wait_until(lambda: not held_on(self.a.display), timeout=10)
        self.assertTrue(released, f"held keys stayed down on the host: {held_on(self.a.display)}")
        released_after = time.monotonic() - cut
        noticed = wait_until(lambda: "trying to reconnect" in self.viewer.stderr(), timeout=10)
        self.assertTrue(noticed, self.viewer.stderr())
        self.assertIn("no answer from the host for 3 s", self.viewer.stderr())
        x_run(self.b.display, "xdotool", "keyup", "Shift_L")
        x_run(self.b.display, "xdotool", "type", "--delay", "25", "GAP")  # typed during the gap: never replayed
        time.sleep(max(0.0, 10 - (time.monotonic() - cut)))
        self.link.up()

        resumed = wait_until(lambda: self.events("session_resumed"), timeout=20)
        self.assertTrue(resumed, self.host.stdout() + self.host.stderr() + self.viewer.stderr())
        seen = time.monotonic()
        # From the audit to the grab that showed the picture exact: under ASan with another test running,
        # two grabs, a crop and a comparison took long enough to push the finish past 2 s (2.09) when the
        # picture itself had been exact sooner.
        grabbed_at = []
        self.assertTrue(wait_until(lambda: self.exact_picture(grabbed_at), timeout=10, interval=0.1),
                        "the picture never became exact")
        exact_after = grabbed_at[-1] - seen
        print(f"\nresume: keys released {released_after:.1f} s after the cut; {resumed[0]['text']}; "
              f"picture exact {exact_after:.2f} s after the resume was audited")
        self.assertLessEqual(exact_after, 2.0)
        self.assertRegex(resumed[0]["text"], r"^resumed after \d+(\.\d)? s$")
        self.assertGreaterEqual(resumed[0]["after_s"], 3.0)
        self.assertLess(resumed[0]["after_s"], 15.0)

        x_run(self.b.display, "xdotool", "windowfocus", "--sync", self.window)
        x_run(self.b.display, "xdotool", "type", "--delay", "25", " after")
        self.assertTrue(wait_until(lambda: len(self.typed(out)) >= len("before after"), timeout=20), self.typed(out))
        time.sleep(0.5)  # anything extra (a replayed "GAP") would have arrived by now
        self.assertEqual(self.typed(out), "before after")
        self.assertIsNone(self.viewer.proc.poll(), self.viewer.stderr())
        self.assertEqual(self.viewer.proc.pid, pid)
        chat = elfdesk("chat", "--session", self.socket, "back after the drop")
        self.assertEqual(chat.returncode, 0, chat.stderr)
        with open(self.code_file) as f:
            self.assertEqual(f.read().strip(), self.code, "a new code was issued")
        self.assertEqual(len(self.events("code_issued")), 1)
        self.assertEqual(len(self.events("session_start")), 1, "the session started again")
        self.assertEqual(len([e for e in self.events("authentication") if e.get("result") == "ok"]), 1)
        self.assertIn("reconnected", self.viewer.stderr())
        # What the customer's side said (terminal; the window gets the same line as activity).
        self.assertIn("reconnecting: no answer from the engineer for 3 s: the network may be down; trying to "
                      "reconnect (up to 60 s)", self.host.stdout())
        self.assertIn("session resumed", self.host.stdout())

    def test_link_down_past_the_window_ends_with_a_reason_on_both_sides(self):
        # 5 s window, 2 s dead-peer limit: 9 s down is past both (as 70 s is past the real 60 s).
        self.start(window_ms=5000, dead_peer_ms=2000)
        self.link.down()
        ended = wait_until(lambda: self.viewer.proc.poll() is not None, timeout=30)
        self.link.up()
        self.assertTrue(ended, self.viewer.stderr())
        self.assertEqual(self.viewer.proc.returncode, 10, self.viewer.stderr())
        self.assertIn("could not reconnect to the host within 5 s", self.viewer.stderr())
        end = wait_until(lambda: self.events("session_end"), timeout=15)
        self.assertTrue(end, self.host.stdout())
        self.assertIn("the engineer did not come back within 5 s (no answer from the engineer for 2 s: the network "
                      "may be down)", end[0]["reason"])
        self.assertTrue(self.events("connection_lost"))
        self.assertFalse(self.events("session_resumed"))
        self.assertTrue(wait_until(lambda: "session ended" in self.host.stdout(), timeout=10), self.host.stdout())


    def test_after_the_customer_ended_the_session_in_the_gap_nothing_resumes(self):
        self.start(dead_peer_ms=2000, ui="window")
        bar = find_window(self.a.display, "elfdesk", timeout=20)
        self.assertIsNotNone(bar, self.host.stderr())
        self.link.down()
        self.assertTrue(wait_until(lambda: "reconnecting:" in self.host.stdout(), timeout=10), self.host.stdout())
        out = x_run(self.a.display, "xdotool", "getwindowgeometry", bar).stdout
        ox, oy = (int(v) for v in re.search(r"Position:\s*(-?\d+),(-?\d+)", out).groups())
        x, y, w, h = CONSENT_BUTTONS["end_session"]
        x_run(self.a.display, "xdotool", "mousemove", str(ox + x + w // 2), str(oy + y + h // 2), "click", "1")
        end = wait_until(lambda: self.events("session_end"), timeout=10)
        self.assertTrue(end, self.host.stdout())
        self.assertEqual(end[0]["reason"], "ended by the customer")
        self.link.up()
        self.assertTrue(wait_until(lambda: self.viewer.proc.poll() is not None, timeout=30), self.viewer.stderr())
        self.assertEqual(self.viewer.proc.returncode, 10, self.viewer.stderr())
        self.assertIn("the host did not resume the session: the session has ended", self.viewer.stderr())
        self.assertFalse(self.events("session_resumed"))
        refused = [e for e in self.events("connection_refused") if "has ended" in e.get("reason", "")]
        self.assertTrue(refused, read_audit(self.audit_file))

    def test_reverse_mode_resumes_too(self):
        # The engineer listens, the host dials: after the drop the host dials again and the engineer listens again.
        self.start(dead_peer_ms=2000, window_ms=20000, reverse=True)
        pid = self.viewer.proc.pid
        self.assertTrue(wait_until(self.exact_picture, timeout=30, interval=0.3), "the viewer never showed A exactly")
        self.link.down()
        self.assertTrue(wait_until(lambda: "trying to reconnect" in self.viewer.stderr(), timeout=10),
                        self.viewer.stderr())
        time.sleep(4)
        self.link.up()
        resumed = wait_until(lambda: self.events("session_resumed"), timeout=20)
        self.assertTrue(resumed, self.host.stdout() + self.host.stderr() + self.viewer.stderr())
        self.assertTrue(wait_until(self.exact_picture, timeout=10, interval=0.2), "the picture never became exact")
        self.assertEqual(self.viewer.proc.pid, pid)
        self.assertIsNone(self.viewer.proc.poll(), self.viewer.stderr())
        self.assertEqual(len(self.events("session_start")), 1)
        with open(self.code_file) as f:
            self.assertEqual(f.read().strip(), self.code)
        outgoing = [e for e in self.events("connection") if e.get("direction") == "outgoing"]
        self.assertGreaterEqual(len(outgoing), 2, "the host did not dial again")


class FreezingProxy(MitmProxy):
    """MitmProxy whose connections can be frozen (bytes stop flowing both ways, nothing is closed: a link
    that went silent) and whose later connections terminate TLS (set `mode` to "tls")."""

    def __init__(self, *args, **kw):
        super().__init__(*args, mode="tls", **kw)
        self.mode = "tcp"
        self.frozen = threading.Event()

    def _relay(self, engineer, host):
        if self.frozen.is_set():
            return super()._relay(engineer, host)
        # The first connection: relay until frozen, then hold both sockets open, silent, until the end.
        sel = selectors.DefaultSelector()
        for s in (engineer, host):
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while not self._stop.is_set() and not self.frozen.is_set():
            for key, _ in sel.select(0.1):
                src = key.fileobj
                if not self._pump(src, host if src is engineer else engineer, src is engineer):
                    return
        self._stop.wait()


class StolenProofTest(unittest.TestCase):
    def test_a_resume_proof_replayed_on_another_connection_fails_and_is_audited(self):
        env = dict(os.environ, ELFDESK_DEAD_PEER_MS="2000", ELFDESK_RESUME_WINDOW_MS="8000")
        with Xvfb() as x, Host("--consent", "accept", "--ui", "none", display=x.display, env=env) as host, \
                FreezingProxy("127.0.0.1", host.port) as proxy:
            directory = tempfile.mkdtemp(prefix="elfdesk-stolen-")
            self.addCleanup(shutil.rmtree, directory, True)
            err_path = os.path.join(directory, "viewer.err")
            with open(err_path, "w") as err:
                viewer = subprocess.Popen([CLIENT_BIN, "view", proxy.address, "--code", host.code()],
                                          env=dict(env, DISPLAY=x.display), stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=err, cwd=directory)
            self.addCleanup(viewer.wait)
            self.addCleanup(viewer.kill)
            started = wait_until(lambda: [e for e in host.audit() if e["event"] == "session_start"], timeout=30)
            self.assertTrue(started, host.stderr())
            # Frozen before the viewer read the host's answer, it would still be opening: nothing to resume.
            self.assertIsNotNone(wait_viewer_connected(x.display), "the viewer never said connected")
            proxy.mode = "tls"   # from now on the man in the middle terminates TLS itself
            proxy.frozen.set()   # and the engineer's link goes silent
            ended = wait_until(lambda: viewer.poll() is not None, timeout=30)
            with open(err_path) as f:
                viewer_err = f.read()
            self.assertTrue(ended, viewer_err)
            self.assertEqual(viewer.returncode, 10, viewer_err)
            self.assertIn("the resume proof did not verify", viewer_err)
            failed = [e for e in host.audit() if e["event"] == "resume" and e.get("result") == "failed"]
            self.assertTrue(failed, host.audit())
            self.assertIn("did not verify", failed[0]["reason"])
            self.assertEqual(failed[0]["failures"], 1)
            self.assertFalse([e for e in host.audit() if e["event"] == "session_resumed"])
            end = wait_until(lambda: [e for e in host.audit() if e["event"] == "session_end"], timeout=20)
            self.assertTrue(end)
            self.assertIn("did not come back", end[0]["reason"])


@unittest.skipUnless(os.path.exists(RELAY_BIN), "elfdesk-relay is not built")
class RelayResumeTest(unittest.TestCase):
    def test_through_the_relay_the_engineer_re_joins_the_same_id(self):
        """The engineer's path to the relay goes silent (a proxy in front of the relay freezes it): the viewer
        joins the same relay id again and the host, still registered under it, resumes the session."""
        directory = tempfile.mkdtemp(prefix="elfdesk-relay-resume-")
        self.addCleanup(shutil.rmtree, directory, True)
        pki = Pki(directory)
        relay = Relay(pki)
        self.addCleanup(relay.stop)
        env = dict(os.environ, ELFDESK_DEAD_PEER_MS="2000")
        with Xvfb() as a, Xvfb() as b, FreezingProxy("127.0.0.1", relay.port) as proxy:
            host = RelayHost(relay.address, pki.ca, "--consent", "accept", "--ui", "none", "--backoff", "0",
                             display=a.display, env=env)
            self.addCleanup(host.stop)
            code = host.code()
            err_path = os.path.join(directory, "viewer.err")
            with open(err_path, "w") as err:
                viewer = subprocess.Popen([CLIENT_BIN, "view", code, "--relay", proxy.address, "--relay-ca", pki.ca],
                                          env=dict(env, DISPLAY=b.display), stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=err, cwd=directory)
            self.addCleanup(viewer.wait)
            self.addCleanup(viewer.kill)
            self.assertTrue(wait_until(lambda: host.events("session_start"), timeout=30), host.stdout())
            self.assertIsNotNone(wait_viewer_connected(b.display), "the viewer never said connected")
            proxy.frozen.set()  # later connections are relayed untouched (TCP): only this path went silent
            resumed = wait_until(lambda: host.events("session_resumed"), timeout=30)

            def viewer_said():
                with open(err_path) as f:
                    return f.read()
            # The host audits the resume before its ResumeResult reaches the viewer, which says so after.
            wait_until(lambda: "reconnected" in viewer_said(), timeout=10)
            viewer_err = viewer_said()
            self.assertTrue(resumed, host.stdout() + viewer_err)
            self.assertTrue(resumed[0]["peer"].startswith("relay "), resumed)
            self.assertIsNone(viewer.poll(), viewer_err)
            self.assertIn("reconnected", viewer_err)
            self.assertEqual(host.code(), code, "the code (and with it the relay id) must not change")
            self.assertEqual(len(host.events("session_start")), 1)
            self.assertEqual(proxy.connections, 2)


if __name__ == "__main__":
    unittest.main()
