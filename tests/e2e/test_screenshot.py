"""`elfdesk screenshot` against a real host on Xvfb: the saved PNG shows what is on the host's screen (PSNR
against the host's own screen grab), and a wrong code fails with exit code 11."""
import os
import shutil
import tempfile
import unittest

from elfdesk_e2e import (EXIT_AUTH, Host, Xvfb, elfdesk, grab_window, make_test_picture, paint_root, png_size,
                         psnr, wait_until)

# Text, lines and shapes after the quiet period: the host has sent its quality top-off by then.
MIN_PSNR_STILL = 35.0
# The very first frame (a keyframe sized for speed) may be softer, but must show the same picture.
MIN_PSNR_FIRST = 25.0


class ScreenshotTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="elfdesk-shot-")
        cls.xvfb = Xvfb(1280, 720).__enter__()
        picture = make_test_picture(os.path.join(cls.dir, "picture.png"), 1280, 720, "screenshot")
        paint_root(cls.xvfb.display, picture)
        cls.host = Host("--consent", "accept", "--ui", "none", display=cls.xvfb.display)

    @classmethod
    def tearDownClass(cls):
        cls.host.stop()
        cls.xvfb.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def fresh_code(self, used=None):
        """The host's current code; after a session, the new one it issued when that session ended."""
        return wait_until(lambda: (c := self.host.code()) and c != used and c, timeout=10)

    def screenshot(self, out, *extra, code=None):
        return elfdesk("screenshot", self.host.address, "--code", code or self.fresh_code(), "--out", out, *extra,
                       timeout=60)

    def test_saved_picture_matches_the_host_screen(self):
        reference = grab_window(self.xvfb.display, os.path.join(self.dir, "host.png"))
        code = self.fresh_code()
        out = os.path.join(self.dir, "still.png")
        result = self.screenshot(out, "--wait-still", "1000", code=code)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(png_size(out), (1280, 720))
        still = psnr(reference, out)
        print(f"\nscreenshot --wait-still 1000: PSNR {still:.2f} dB against the host screen")
        self.assertGreaterEqual(still, MIN_PSNR_STILL)

        first_out = os.path.join(self.dir, "first.png")
        result = self.screenshot(first_out, code=self.fresh_code(used=code))
        self.assertEqual(result.returncode, 0, result.stderr)
        first = psnr(reference, first_out)
        print(f"screenshot (first frame): PSNR {first:.2f} dB against the host screen")
        self.assertGreaterEqual(first, MIN_PSNR_FIRST)

    def test_wrong_code_is_refused_with_exit_code_11(self):
        code = self.fresh_code()
        digits = [c for c in code if c.isdigit()]
        digits[-1] = str((int(digits[-1]) + 1) % 10)  # same format, one digit off
        wrong = "-".join("".join(digits[i:i + 3]) for i in range(0, len(digits), 3))
        out = os.path.join(self.dir, "refused.png")
        result = self.screenshot(out, code=wrong)
        self.assertEqual(result.returncode, EXIT_AUTH, result.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(self.host.code(), code)  # one wrong attempt does not burn the customer's code


if __name__ == "__main__":
    unittest.main()
