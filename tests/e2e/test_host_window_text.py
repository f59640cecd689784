"""The customer's window title reaches X as correct UTF-8 ("elfdesk — remote support", not "elfdesk â"):
elfdesk-host sets its locale from the environment, so SDL can convert the title. Needs Xvfb and xprop."""
import re
import shutil
import subprocess
import unittest

from elfdesk_e2e import Host, Xvfb, wait_until


@unittest.skipUnless(shutil.which("Xvfb") and shutil.which("xprop") and shutil.which("xwininfo"),
                     "needs Xvfb, xprop and xwininfo")
class WindowTitleTest(unittest.TestCase):
    def test_title_is_utf8(self):
        x = self.enterContext(Xvfb(800, 600))
        env = x.env(LC_ALL="C.UTF-8")
        host = Host("--fake-screen", "--consent", "ask", "--ui", "window", env=env)
        self.addCleanup(host.stop)

        def window():
            tree = x.run("xwininfo", "-root", "-tree", check=False).stdout
            m = re.search(r"(0x[0-9a-f]+) \"elfdesk", tree)
            return m.group(1) if m else None

        wid = wait_until(window)
        self.assertTrue(wid, host.stderr())
        props = subprocess.run(["xprop", "-id", wid, "WM_NAME", "_NET_WM_NAME"], env=env, capture_output=True,
                               text=True, encoding="utf-8", timeout=10).stdout
        self.assertIn('_NET_WM_NAME(UTF8_STRING) = "elfdesk \u2014 remote support"', props)
        self.assertNotIn("\u00e2", props)  # the mojibake of the dash


if __name__ == "__main__":
    unittest.main()
