"""The packages as a user gets them: scripts/package.sh builds them from this build tree (lintian without
errors), `dpkg -i` installs them, the installed binaries run from PATH (a session between them on Xvfb),
every man page renders, the launcher validates, completion completes, and purging leaves nothing behind."""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ["ELFDESK_SOURCE_DIR"]
BUILD = os.environ["ELFDESK_BINARY_DIR"]
sys.path.insert(0, os.path.join(SOURCE, "tests", "e2e"))
from elfdesk_e2e import Xvfb, wait_until  # noqa: E402

PACKAGES = ["elfdesk", "elfdesk-host", "elfdesk-common"]
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def run(*cmd, check=True, env=None, timeout=300):
    out = subprocess.run(list(cmd), capture_output=True, text=True, env=env, timeout=timeout)
    if check and out.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
    return out


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("dpkg") and shutil.which("cpack"),
                     "installs packages: needs root, dpkg and cpack")
class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        run("dpkg", "--purge", *PACKAGES, "elfdesk-relay", check=False)  # a leftover from an interrupted run
        built = run(os.path.join(SOURCE, "scripts", "package.sh"), BUILD, timeout=900)
        cls.lintian = built.stdout + built.stderr
        cls.debs = sorted(glob.glob(os.path.join(BUILD, "deb", "*.deb")))
        cls.names = [run("dpkg-deb", "-f", deb, "Package").stdout.strip() for deb in cls.debs]
        cls.files = {}
        for deb, name in zip(cls.debs, cls.names):
            listing = run("dpkg-deb", "-c", deb).stdout.splitlines()
            cls.files[name] = [line.split()[-1].lstrip(".") for line in listing if not line.startswith("d")]
        run("dpkg", "-i", *cls.debs)
        cls.env = dict(os.environ, PATH=SYSTEM_PATH)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "names", None):
            run("dpkg", "--purge", *cls.names, check=False)

    def test_0_every_package_is_built_and_lintian_finds_no_errors(self):
        for name in PACKAGES + (["elfdesk-relay"] if os.path.exists(os.path.join(BUILD, "relay")) else []):
            self.assertIn(name, self.names)
        self.assertIn("lintian found no errors", self.lintian)

    def test_installed_binaries_run_from_path_with_version(self):
        for binary in ("elfdesk", "elfdesk-host") + (("elfdesk-relay",) if "elfdesk-relay" in self.names else ()):
            where = shutil.which(binary, path=SYSTEM_PATH)
            self.assertTrue(where and where.startswith("/usr/"), f"{binary} not installed: {where}")
            out = run(binary, "--version", env=self.env)
            self.assertRegex(out.stdout, rf"^{binary} \d+\.\d+\.\d+\n$")

    def test_a_session_between_the_installed_binaries(self):
        with Xvfb(800, 600) as x, tempfile.TemporaryDirectory() as tmp:
            code_file = os.path.join(tmp, "code")
            host = subprocess.Popen(["elfdesk-host", "--listen", "127.0.0.1:0", "--consent", "accept", "--ui", "none",
                                     "--code-file", code_file, "--audit-log", os.path.join(tmp, "audit.jsonl")],
                                    env=x.env(PATH=SYSTEM_PATH), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True)
            try:
                line = ""
                while "listening on" not in line:
                    line = host.stdout.readline()
                    self.assertTrue(line, "elfdesk-host exited before listening")
                address = line.split("listening on")[1].strip()
                self.assertTrue(wait_until(lambda: os.path.exists(code_file) and os.path.getsize(code_file) > 0))
                png = os.path.join(tmp, "shot.png")
                run("elfdesk", "screenshot", address, "--code-file", code_file, "--out", png, env=self.env)
                with open(png, "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
            finally:
                host.kill()
                host.wait()
                host.stdout.close()

    def test_man_pages_render(self):
        pages = [f for files in self.files.values() for f in files if "/share/man/" in f]
        self.assertGreaterEqual(len(pages), 2, pages)
        for page in pages:
            out = run("man", "-l", page, env=dict(self.env, MANWIDTH="80"))
            self.assertIn("NAME", out.stdout, page)
            self.assertIn("EXIT STATUS", out.stdout, page)
            self.assertNotIn("@VERSION@", out.stdout, page)

    def test_launcher_validates_and_starts_the_host_with_its_window(self):
        desktop = "/usr/share/applications/elfdesk-host.desktop"
        run("desktop-file-validate", desktop)
        with open(desktop) as f:
            entry = f.read()
        self.assertIn("Terminal=false", entry)
        self.assertTrue(os.path.exists("/usr/share/icons/hicolor/scalable/apps/elfdesk-host.svg"))
        command = shlex.split(re.search(r"^Exec=(.*)$", entry, re.M).group(1))
        with Xvfb(1024, 768) as x, tempfile.TemporaryDirectory() as home:
            launched = subprocess.Popen(command, env=x.env(PATH=SYSTEM_PATH, HOME=home), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
            try:
                def customer_window():
                    tree = x.run("xwininfo", "-root", "-tree", check=False).stdout
                    return re.search(r'"elfdesk \u2014 remote support"', tree)
                self.assertTrue(wait_until(customer_window, timeout=20), "the launcher showed no window")
                self.assertIsNone(launched.poll())
            finally:
                launched.kill()
                launched.wait()

    def test_the_watcher_user_unit_is_shipped_not_enabled_and_runs(self):
        unit = "/usr/lib/systemd/user/elfdesk-watch.service"
        self.assertTrue(os.path.isfile(unit), "elfdesk-host ships no user unit for the watcher")
        self.assertFalse(glob.glob("/etc/systemd/user/*/elfdesk-watch.service"), "enabled for every user")
        with open(unit) as f:
            text = f.read()
        self.assertIn("WantedBy=graphical-session.target", text)
        command = shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M).group(1))
        self.assertEqual(command[:2], ["/usr/bin/elfdesk-host", "--watch"])
        with tempfile.TemporaryDirectory() as runtime:  # a user manager's runtime dir, for verify only
            os.chmod(runtime, 0o700)
            verified = run("systemd-analyze", "verify", "--user", unit, check=False,
                           env=dict(self.env, XDG_RUNTIME_DIR=runtime))
        self.assertNotIn("elfdesk-watch.service:", verified.stderr, verified.stderr)
        with tempfile.TemporaryDirectory() as state:
            once = run(*command, "--once", "--no-notify", "--state-dir", state, check=False, env=self.env)
            self.assertIn(once.returncode, (0, 1, 2, 3), once.stderr)
            with open(os.path.join(state, "watch-history.jsonl")) as f:
                self.assertTrue(f.readline().startswith("{"))

    def test_bash_completion_offers_commands_options_and_probe_names(self):
        def complete(line):
            script = ("source /usr/share/bash-completion/bash_completion; "
                      "source /usr/share/bash-completion/completions/elfdesk; "
                      f"COMP_LINE='{line}'; COMP_WORDS=({line}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); "
                      "[[ '" + line + "' == *' ' ]] && COMP_CWORD=${#COMP_WORDS[@]}; "
                      "COMP_POINT=${#COMP_LINE}; _elfdesk; printf '%s\\n' \"${COMPREPLY[@]}\"")
            return run("bash", "-c", script, env=self.env).stdout.split()
        self.assertIn("view", complete("elfdesk vi"))
        self.assertIn("--view-only", complete("elfdesk view --vi"))
        self.assertIn("disk", complete("elfdesk diag --probe di"))

    def test_purge_leaves_nothing_behind(self):
        installed = {name: run("dpkg", "-L", name).stdout.split() for name in self.names}
        run("dpkg", "--purge", *self.names)
        for name, paths in installed.items():
            left = [p for p in paths if os.path.isfile(p) or os.path.islink(p)]
            self.assertEqual(left, [], f"{name} left files behind")
        self.assertFalse(os.path.exists("/etc/elfdesk"))
        run("dpkg", "-i", *self.debs)  # the other tests may run after this one


if __name__ == "__main__":
    unittest.main()
