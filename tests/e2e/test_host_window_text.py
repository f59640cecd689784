"""Window titles reach X as correct UTF-8 ("elfdesk — remote support", not "elfdesk â") in every locale: both
programs write _NET_WM_NAME and WM_NAME themselves (common/sdl/window_title.hpp says why they keep the C
locale). Needs Xvfb and xprop."""
import re
import shutil
import subprocess
import unittest

from elfdesk_e2e import Host, Viewer, Xvfb, find_window, wait_until


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

    def test_viewer_title_is_utf8_in_the_c_locale_too(self):
        for locale in ("C.UTF-8", "C"):
            with self.subTest(locale=locale):
                host_x = self.enterContext(Xvfb(640, 480))
                viewer_x = self.enterContext(Xvfb(800, 600))
                host = Host("--fake-screen", "--consent", "accept", "--ui", "none", display=host_x.display)
                self.addCleanup(host.stop)
                viewer = Viewer(host, viewer_x.display, env=viewer_x.env(LC_ALL=locale))
                self.addCleanup(viewer.stop)
                window = find_window(viewer_x.display, "^elfdesk$", by="classname")
                self.assertTrue(window, viewer.stderr())

                def title():
                    return subprocess.run(["xprop", "-id", window, "_NET_WM_NAME"], env=viewer_x.env(),
                                          capture_output=True, text=True, encoding="utf-8", timeout=10).stdout
                shown = wait_until(lambda: "\u2014 connected" in title())
                self.assertTrue(shown, title() + viewer.stderr())
                self.assertIn('_NET_WM_NAME(UTF8_STRING) = "elfdesk \u2014 ', title())


if __name__ == "__main__":
    unittest.main()
