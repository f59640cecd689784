"""The watcher end to end (issue 16): `elfdesk-host --watch` with a short interval in a private mount
namespace whose tmpfs the test fills step by step; a private session bus (dbus-daemon) with a small
notification server (notification_server.py) in place of the desktop's. The fill-time prediction, one
notification per change with the advice, "Get help" starting elfdesk-host on Xvfb (its code appears),
quiet hours, the history's bound, and `elfdesk history` over a real session."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import elfdesk_e2e
from elfdesk_e2e import CLIENT_BIN, HOST_BIN, Host, Xvfb, elfdesk, wait_until

MIB = 1 << 20
TMPFS_MIB = 64
STEP_MIB, STEP_S = 1, 0.5  # the fill: 2 MiB/s, full 32 s after the start
HISTORY_BOUND = 24576
# Debian's python3-dbus and python3-gi are for the system interpreter (python3 on PATH may be another).
DBUS_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def needs_root_and_dbus(test):
    if os.geteuid() != 0 or not shutil.which("unshare"):
        test.skipTest("needs root and unshare(1) to mount a tmpfs in a private mount namespace")
    if not shutil.which("dbus-daemon") or not shutil.which("dbus-send"):
        test.skipTest("needs dbus-daemon and dbus-send")
    if subprocess.run([DBUS_PYTHON, "-c", "import dbus, gi"], capture_output=True).returncode != 0:
        test.skipTest(f"needs python3-dbus and python3-gi for {DBUS_PYTHON}")


class SessionBus:
    """A private session bus with the test notification server on it."""

    def __init__(self, work):
        self.daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                                       stdout=subprocess.PIPE, text=True)
        self.address = self.daemon.stdout.readline().strip()
        self.log = os.path.join(work, "notifications.jsonl")
        self.server = subprocess.Popen([DBUS_PYTHON, os.path.join(os.path.dirname(__file__), "notification_server.py"),
                                        self.log], stdout=subprocess.PIPE, text=True,
                                       env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address))
        assert self.server.stdout.readline().strip() == "ready"

    def notifications(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def click(self, nid, key="get-help"):
        subprocess.run(["dbus-send", "--session", "--type=method_call", "--dest=org.freedesktop.Notifications",
                        "/org/freedesktop/Notifications", "org.elfdesk.Test.Invoke", f"uint32:{nid}", f"string:{key}"],
                       check=True, env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address), timeout=10)

    def stop(self):
        for p in (self.server, self.daemon):
            p.terminate()
            p.wait(5)
            p.stdout.close()


class Watcher:
    """`elfdesk-host --watch` in its own mount namespace with a tmpfs on `mount_point`."""

    def __init__(self, work, mount_point, env, *args, tmpfs_mib=TMPFS_MIB, prefill_kib=0, before=""):
        self.out_path = os.path.join(work, f"watch-{time.monotonic_ns()}.out")
        fill = (f"dd if=/dev/zero of=\"$0/prefill\" bs=1024 count={prefill_kib} 2>/dev/null && " if prefill_kib else "")
        script = f"mount -t tmpfs -o size={tmpfs_mib}m elfdesk-watch \"$0\" && {fill}{before}exec \"$@\""
        with open(self.out_path, "w") as out:
            self.proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script, mount_point,
                                          HOST_BIN, "--watch", *args], stdout=out, stderr=subprocess.STDOUT, env=env)
        self.mount_point = mount_point

    def path(self, name):
        """A file on the watcher's tmpfs, reached through its mount namespace."""
        return f"/proc/{self.proc.pid}/root{self.mount_point}/{name}"

    def output(self):
        with open(self.out_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def write_config(path, **watch):
    lines = ["[watch]"]
    for key, value in watch.items():
        lines.append(f"{key} = {json.dumps(value)}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def read_history(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def fill_findings(run, mount):
    return [f for f in run["findings"] if f["check"] == f"fill:{mount}"]


class FillingDisk(unittest.TestCase):
    def setUp(self):
        needs_root_and_dbus(self)
        self.work = tempfile.mkdtemp(prefix="elfdesk-watch-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.bus = SessionBus(self.work)
        self.addCleanup(self.bus.stop)
        self.mount = os.path.join(self.work, "data")
        os.mkdir(self.mount)
        self.state = os.path.join(self.work, "state")
        self.config_home = os.path.join(self.work, "config")
        os.makedirs(os.path.join(self.config_home, "elfdesk"))
        self.config = os.path.join(self.config_home, "elfdesk", "elfdesk.conf")
        self.env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.bus.address, XDG_STATE_HOME=self.state,
                        XDG_CONFIG_HOME=self.config_home, ELFDESK_SYSTEM_CONFIG=os.path.join(self.work, "none.conf"))
        self.history = os.path.join(self.state, "elfdesk", "watch-history.jsonl")

    def ours(self, text="will be full"):
        return [n for n in self.bus.notifications() if self.mount in n["body"] and text in n["body"]]

    def test_fill_trend_notifications_get_help_bound_and_history_over_a_session(self):
        xvfb = Xvfb()
        xvfb.__enter__()
        self.addCleanup(xvfb.__exit__, None, None, None)
        code_file = os.path.join(self.work, "help-code.txt")
        # Warning when full within 60 s, critical within 12 s: the fill passes both.
        write_config(self.config, skip="display,network", fill_warning_hours=60 / 3600, fill_critical_hours=12 / 3600,
                     history_max_bytes=HISTORY_BOUND,
                     help_command=[HOST_BIN, "--listen", "127.0.0.1:0", "--code-file", code_file, "--ui", "window",
                                   "--fake-screen", "--audit-log", "-", "--once"])
        watcher = Watcher(self.work, self.mount, dict(self.env, DISPLAY=xvfb.display), "--interval", "1")
        self.addCleanup(watcher.stop)
        self.assertTrue(wait_until(lambda: os.path.exists(watcher.path("")), 15), watcher.output())
        start = time.time()
        full_at = start + TMPFS_MIB / STEP_MIB * STEP_S
        step = 0
        while not self.ours() or self.ours()[-1]["urgency"] != 2:
            target = start + step * STEP_S
            time.sleep(max(0, target - time.time()))
            with open(watcher.path(f"f{step}"), "wb") as f:
                f.write(b"\0" * STEP_MIB * MIB)
            step += 1
            self.assertLess(step * STEP_MIB, TMPFS_MIB * 0.85, f"no critical notification:\n{self.bus.notifications()}\n"
                                                               f"{watcher.output()}")
        # Prediction: every run that saw the trend while the fill went on, within 30% of the real time left.
        runs = [r for r in read_history(self.history) if fill_findings(r, self.mount)]
        self.assertTrue(runs, watcher.output())
        for run in runs:
            predicted = fill_findings(run, self.mount)[0]["value"]["seconds_until_full"]
            actual = full_at - run["epoch_seconds"]
            self.assertLess(abs(predicted - actual), 0.3 * actual, (run, actual))
            self.assertRegex(fill_findings(run, self.mount)[0]["reason"],
                             rf"^{re.escape(self.mount)} will be full in (about \d+ (second|minute)s?|less than a minute)")
        # One warning with the advice, no repeat while it stayed a warning, then one critical.
        notes = self.ours()
        self.assertEqual([n["urgency"] for n in notes], [1, 2], notes)
        self.assertIn(f"Something keeps writing to {self.mount}", notes[0]["body"])
        self.assertEqual(notes[0]["actions"], ["get-help", "Get help"])
        warnings = sum(1 for r in runs if fill_findings(r, self.mount)[0]["severity"] == "warning")
        self.assertGreaterEqual(warnings, 2, "the warning held over several runs (so dedup was exercised)")
        # "Get help": the watcher starts elfdesk-host, whose window shows a code on the Xvfb display.
        self.bus.click(notes[-1]["id"])
        self.assertTrue(wait_until(lambda: os.path.exists(code_file) and os.path.getsize(code_file) > 0, 20),
                        watcher.output())
        with open(code_file) as f:
            self.assertRegex(f.read().strip(), r"^\d{3}-\d{3}-\d{3}-\d{3}$")
        started = re.search(r"Get help: started \S+ \(pid (\d+)\)", watcher.output())
        self.assertTrue(started, watcher.output())
        self.addCleanup(lambda pid=int(started.group(1)): os.kill(pid, signal.SIGTERM) if os.path.exists(f"/proc/{pid}") else None)
        self.assertTrue(elfdesk_e2e.find_window(xvfb.display, "elfdesk . remote support", timeout=20))
        # The history stays within its bound after many runs.
        self.assertLessEqual(os.path.getsize(self.history), HISTORY_BOUND)
        # An engineer sees the runs in a session (the host reads the same state dir).
        with Host("--fake-screen", "--consent", "accept", "--ui", "none", env=self.env) as host:
            result = elfdesk("history", host.address, "--code-file", host.code_file, "--quiet", "--json")
            self.assertEqual(result.returncode, 0, result.stderr)
            doc = json.loads(result.stdout)
            self.assertEqual(doc["probe"], "history")
            seen = [r for r in doc["data"]["runs"] if fill_findings(r, self.mount)]
            self.assertTrue(seen, doc)
            self.assertTrue(all("samples" not in r for r in doc["data"]["runs"]))
        with Host("--fake-screen", "--consent", "accept", "--ui", "none", env=self.env) as host:
            text = elfdesk("history", host.address, "--code-file", host.code_file, "--quiet", "--runs", "5")
            self.assertEqual(text.returncode, 0, text.stderr)
            self.assertRegex(text.stdout, rf"watch fill:{re.escape(self.mount)}: {re.escape(self.mount)} will be full")

    def test_quiet_hours_hold_notifications_back(self):
        now = time.localtime()
        minute = now.tm_hour * 60 + now.tm_min
        hhmm = lambda m: f"{(m // 60) % 24:02d}:{m % 60:02d}"
        quiet = f"{hhmm(minute - 60 + 1440)}-{hhmm(minute + 60)}"
        write_config(self.config, skip="display,network,processes,cpu", quiet_hours=quiet, history_max_bytes=8192)
        # 4 MiB tmpfs, 3.9 MiB used: the disk space check is critical on every run.
        for i in range(6):  # and the small bound holds over repeated runs
            w = Watcher(self.work, self.mount, self.env, "--once", tmpfs_mib=4, prefill_kib=4000)
            self.assertIn(w.proc.wait(60), (0, 1, 2, 3), w.output())
            self.assertLessEqual(os.path.getsize(self.history), 8192)
        self.assertEqual(self.ours("% free"), [], "quiet hours let a notification through")
        self.assertTrue(any(f["check"] == f"space:{self.mount}" for f in read_history(self.history)[-1]["findings"]))
        write_config(self.config, skip="display,network,processes,cpu", history_max_bytes=8192)
        w = Watcher(self.work, self.mount, self.env, "--once", tmpfs_mib=4, prefill_kib=4000)
        w.proc.wait(60)
        told = self.ours("% free")
        self.assertEqual(len(told), 1, (told, w.output()))
        self.assertEqual(told[0]["urgency"], 2)
        self.assertIn("Free space on", told[0]["body"])

    def test_report_to_sends_only_the_findings_to_a_file_and_the_journal(self):
        write_config(self.config, skip="display,network,processes,cpu")
        report = os.path.join(self.work, "report.jsonl")
        w = Watcher(self.work, self.mount, self.env, "--once", "--no-notify", "--report-to", report, tmpfs_mib=4,
                    prefill_kib=4000)
        w.proc.wait(60)
        with open(report) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(len(lines), 1, w.output())
        self.assertEqual(set(lines[0]), {"time", "epoch_seconds", "worst", "findings"})
        ours = [f for f in lines[0]["findings"] if f["check"] == f"space:{self.mount}"]
        self.assertEqual(ours[0]["severity"], "critical")
        self.assertIn("Free space on", ours[0]["advice"])
        # The journal: a stand-in for journald's native socket in the watcher's mount namespace (the test
        # machine runs no journald), receiving what sd_journal_send sends.
        sink_out, sink_pid = os.path.join(self.work, "journal.bin"), os.path.join(self.work, "sink.pid")
        sink = os.path.join(os.path.dirname(__file__), "journal_sink.py")
        before = (f"mount -t tmpfs elfdesk-run /run && mkdir -p /run/systemd/journal && "
                  f"{{ {DBUS_PYTHON} {sink} /run/systemd/journal/socket {sink_out} & echo $! > {sink_pid}; }} && "
                  f"while [ ! -S /run/systemd/journal/socket ]; do sleep 0.05; done && ")
        w = Watcher(self.work, self.mount, self.env, "--once", "--no-notify", "--report-to", "journal", tmpfs_mib=4,
                    prefill_kib=4000, before=before)
        w.proc.wait(60)
        with open(sink_pid) as f:
            self.addCleanup(os.kill, int(f.read()), signal.SIGTERM)
        entries = read_journal_entries(sink_out)
        ours = [e for e in entries if e.get("ELFDESK_CHECK") == f"space:{self.mount}"]
        self.assertEqual(len(ours), 1, (entries, w.output()))
        self.assertEqual(ours[0]["ELFDESK_SEVERITY"], "critical")
        self.assertEqual(ours[0]["PRIORITY"], "2")
        self.assertIn("Free space on", ours[0]["ELFDESK_ADVICE"])
        summary = [e for e in entries if "ELFDESK_WORST" in e]
        self.assertEqual(len(summary), 1)
        self.assertEqual(summary[0]["ELFDESK_WORST"], "critical")
        findings = json.loads(summary[0]["ELFDESK_FINDINGS"])
        self.assertIn(f"space:{self.mount}", [f["check"] for f in findings])
        for f in findings:
            self.assertLessEqual(set(f), {"probe", "check", "severity", "reason", "value", "advice"}, f)
        allowed = {"MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "ELFDESK_PROBE",
                   "ELFDESK_CHECK", "ELFDESK_SEVERITY", "ELFDESK_REASON", "ELFDESK_ADVICE", "ELFDESK_WORST",
                   "ELFDESK_FINDINGS"}
        for entry in entries:
            self.assertLessEqual(set(entry), allowed, entry)


def read_journal_entries(path):
    """The datagrams journal_sink.py stored (4-byte length + payload), parsed as journald's native protocol."""
    entries = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos + 4 <= len(data):
        size = int.from_bytes(data[pos:pos + 4], "little")
        payload, pos = data[pos + 4:pos + 4 + size], pos + 4 + size
        entry, i = {}, 0
        while i < len(payload):
            nl = payload.index(b"\n", i)
            line = payload[i:nl]
            if b"=" in line:
                key, value = line.split(b"=", 1)
                i = nl + 1
            else:  # KEY\n, 64-bit length, value, \n
                key = line
                length = int.from_bytes(payload[nl + 1:nl + 9], "little")
                value = payload[nl + 9:nl + 9 + length]
                i = nl + 9 + length + 1
            entry[key.decode()] = value.decode()
        entries.append(entry)
    return entries


if __name__ == "__main__":
    unittest.main()
