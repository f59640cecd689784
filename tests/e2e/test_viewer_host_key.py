"""The viewer remembers its view per machine, not per route or code: through the real relay a session set to
1:1 is ended, a second session with a NEW code to the same host comes back in 1:1 (checked by pixels and
in the state file, keyed by the host key of the host's SessionInfo: HMAC-SHA256 of its machine-id, never
the id); the window title says user@machine once the host said; a host with another machine-id
(ELFDESK_MACHINE_ID_FILE) through the same relay shares nothing. In reverse mode (view --listen, the host
dials) a second host process with a new code on the same machine gets its view back too."""
import hashlib
import hmac
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import unittest

from elfdesk_e2e import (CLIENT_BIN, HOST_BIN, Xvfb, _Program, find_window, grab_window, hide_cursor, make_test_picture,
                         paint_root, png_crop, psnr, wait_until, x_run)
from relay_e2e import RELAY_BIN, Pki, Relay, RelayHost, free_port

HOST_W, HOST_H = 1280, 720
HOST_ARGS = ("--consent", "accept", "--ui", "none", "--backoff", "0")


def host_key(machine_id):
    """host/core/session_info.cpp: HMAC-SHA256(key "elfdesk host key v1", machine-id), 16 bytes in hex."""
    return hmac.new(b"elfdesk host key v1", machine_id.encode(), hashlib.sha256).hexdigest()[:32]


class RelayViewer(_Program):
    """`elfdesk view CODE --relay ... --relay-ca ...` on an X display."""

    def __init__(self, code, relay, ca, display, env):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-viewer-")
        self.stderr_path = os.path.join(self.dir, "viewer.err")
        with open(self.stderr_path, "w") as stderr:
            self.proc = subprocess.Popen([CLIENT_BIN, "view", code, "--relay", relay, "--relay-ca", ca],
                                         env=dict(env, DISPLAY=display), cwd=self.dir, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=stderr)


class ListeningViewer(_Program):
    """`elfdesk view --listen 127.0.0.1:PORT --code CODE` (reverse mode: the host dials in) on an X display."""

    def __init__(self, code, port, display, env):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-viewer-")
        self.stderr_path = os.path.join(self.dir, "viewer.err")
        with open(self.stderr_path, "w") as stderr:
            self.proc = subprocess.Popen([CLIENT_BIN, "view", "--listen", f"127.0.0.1:{port}", "--code", code],
                                         env=dict(env, DISPLAY=display), cwd=self.dir, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=stderr)


@unittest.skipUnless(shutil.which("Xvfb") and shutil.which("xdotool") and os.path.exists(RELAY_BIN),
                     "needs Xvfb, xdotool and elfdesk-relay")
class ViewerHostKeyTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-host-key-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.state_file = os.path.join(self.dir, "state", "elfdesk", "viewer.json")
        self.pki = Pki(self.dir)
        self.relay = Relay(self.pki)
        self.addCleanup(self.relay.stop)
        self.a = self.enterContext(Xvfb(HOST_W, HOST_H))
        hide_cursor(self.a.display)
        paint_root(self.a.display, make_test_picture(os.path.join(self.dir, "picture.png"), HOST_W, HOST_H, "key"))
        self.host_shot = grab_window(self.a.display, os.path.join(self.dir, "host.png"))
        self.who = "%s@%s" % (pwd.getpwuid(os.getuid()).pw_name, socket.gethostname())

    def host(self, machine_id):
        path = os.path.join(self.dir, "machine-id-" + machine_id)
        with open(path, "w") as f:
            f.write(machine_id + "\n")
        host = RelayHost(self.relay.address, self.pki.ca, *HOST_ARGS, display=self.a.display,
                         env=dict(os.environ, ELFDESK_MACHINE_ID_FILE=path))
        self.addCleanup(host.stop)
        return host

    def reverse_host(self, machine_id, port):
        """elfdesk-host --connect: it dials the engineer listening on `port`; one session, then it exits."""
        path = os.path.join(self.dir, "machine-id-" + machine_id)
        with open(path, "w") as f:
            f.write(machine_id + "\n")
        code_file = os.path.join(self.dir, "code-%d.txt" % len(os.listdir(self.dir)))
        proc = subprocess.Popen([HOST_BIN, "--fake-screen", "--connect", f"127.0.0.1:{port}", *HOST_ARGS,
                                 "--code-file", code_file, "--audit-log", os.path.join(self.dir, "audit.jsonl")],
                                env=dict(os.environ, ELFDESK_MACHINE_ID_FILE=path), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait()))
        def code():
            if not os.path.exists(code_file):
                return None
            with open(code_file) as f:
                return f.read().strip()
        self.assertTrue(wait_until(code))
        return code()

    def view(self, b, code, listen=None):
        """A viewer through the relay (or listening on port `listen`), its window at 0,0 and 640x400, once the
        host's SessionInfo named it."""
        env = dict(os.environ, XDG_STATE_HOME=os.path.join(self.dir, "state"), ELFDESK_LOG="info")
        viewer = (ListeningViewer(code, listen, b.display, env) if listen else
                  RelayViewer(code, self.relay.address, self.pki.ca, b.display, env))
        self.addCleanup(viewer.stop)
        window = find_window(b.display, "^elfdesk", timeout=20)
        self.assertIsNotNone(window, "no viewer window: " + viewer.stderr())
        x_run(b.display, "xdotool", "windowmove", "--sync", window, "0", "0", "windowsize", "--sync", window,
              "640", "400")
        x_run(b.display, "xdotool", "mousemove", "300", "200")  # away from the edges, which pan a 1:1 view
        title = lambda: x_run(b.display, "xdotool", "getwindowname", window, check=False).stdout
        # The title shows user@machine only after the mailbox task that also settled the remembered view.
        self.assertTrue(wait_until(lambda: self.who in title() and "connected" in title(), timeout=20),
                        title() + viewer.stderr())
        return viewer, window

    def remembered(self):
        if not os.path.exists(self.state_file):
            return []
        with open(self.state_file) as f:
            return json.load(f)["hosts"]

    def one_to_one(self, b, window):
        x_run(b.display, "xdotool", "windowfocus", "--sync", window, "key", "--clearmodifiers", "ctrl+alt+1")

    def test_the_view_follows_the_machine_through_the_relay_not_the_code(self):
        b = self.enterContext(Xvfb(1024, 768))
        host = self.host("machine-one")
        first = host.code()
        viewer, window = self.view(b, first)
        self.assertNotIn("as last time", viewer.stderr())
        self.one_to_one(b, window)
        self.assertTrue(wait_until(lambda: self.remembered(), timeout=10), viewer.stderr())
        self.assertEqual(self.remembered(), [{"host": "key " + host_key("machine-one"), "scale": "1:1",
                                              "fullscreen": False}])
        with open(self.state_file) as f:
            self.assertNotIn("machine-one", f.read())  # the machine-id never reaches the engineer
        viewer.stop()

        # A new code (a new relay id and secret) to the same machine: the view comes back.
        second = host.wait_for_code(other_than=first)
        self.assertIsNotNone(second)
        self.assertNotEqual(first[:7], second[:7])
        viewer, window = self.view(b, second)
        self.assertIn("as last time: 1:1", viewer.stderr())
        shot = os.path.join(self.dir, "again.png")
        view = lambda: png_crop(grab_window(b.display, shot, window), os.path.join(self.dir, "again-body.png"),
                                0, 40, 600, 360)
        expected = png_crop(self.host_shot, os.path.join(self.dir, "again-host.png"), 0, 40, 600, 360)
        self.assertTrue(wait_until(lambda: psnr(expected, view()) >= 32, timeout=20),
                        "not 1:1 in the second session: %.1f dB" % psnr(expected, view()))
        viewer.stop()
        host.stop()

        # Another machine through the same relay: nothing remembered applies, and its own view is its own.
        other = self.host("machine-two")
        viewer, window = self.view(b, other.code())
        self.assertNotIn("as last time", viewer.stderr())  # looked up (title) and not found: fit, the default
        self.one_to_one(b, window)
        self.assertTrue(wait_until(lambda: len(self.remembered()) == 2, timeout=10), self.remembered())
        self.assertEqual(self.remembered()[1]["host"], "key " + host_key("machine-two"))

    def test_reverse_mode_a_new_host_process_of_the_same_machine_gets_its_view_back(self):
        b = self.enterContext(Xvfb(1024, 768))
        port = free_port()
        viewer, window = self.view(b, self.reverse_host("machine-three", port), listen=port)
        self.one_to_one(b, window)
        self.assertTrue(wait_until(lambda: self.remembered(), timeout=10), viewer.stderr())
        self.assertEqual(self.remembered()[0]["host"], "key " + host_key("machine-three"))
        viewer.stop()
        port = free_port()
        viewer, window = self.view(b, self.reverse_host("machine-three", port), listen=port)
        self.assertIn("as last time: 1:1", viewer.stderr())
        self.assertEqual(len(self.remembered()), 1)


if __name__ == "__main__":
    unittest.main()
