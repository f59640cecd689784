"""`elfdesk view --record FILE.webm`: the customer is told the session is recorded (in the question and the
session text) and their audit log says so; the file is a WebM of VP8 that ffprobe reads, as long as the
session, whose last picture is what the host's screen showed (PSNR >= 35 dB against the host's own
screenshot). Real binaries on two Xvfb displays."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from elfdesk_e2e import Host, Viewer, Xvfb, find_window, psnr, wait_until, window_name


@unittest.skipUnless(all(shutil.which(t) for t in ("ffprobe", "ffmpeg", "import", "compare", "xsetroot")),
                     "needs ffmpeg and ImageMagick")
class RecordTest(unittest.TestCase):
    def test_a_recorded_session_matches_the_customer_screen(self):
        tmp = self.enterContext(tempfile.TemporaryDirectory())
        customer = self.enterContext(Xvfb(640, 480))
        engineer = self.enterContext(Xvfb(1024, 768))
        customer.run("xsetroot", "-solid", "#2060a0")
        host = Host("--consent", "accept", "--ui", "terminal", display=customer.display)
        self.addCleanup(host.stop)
        recording = os.path.join(tmp, "session.webm")
        viewer = Viewer(host, engineer.display, "--record", recording)
        self.addCleanup(viewer.stop)
        window = find_window(engineer.display, "^elfdesk$", by="classname")
        self.assertTrue(window, viewer.stderr())
        self.assertTrue(wait_until(lambda: "connected" in (window_name(engineer.display, window) or "")),
                        viewer.stderr() + host.stdout())
        started = time.monotonic()
        for colour in ("#a04020", "#30a050"):  # two changes while recording
            time.sleep(0.7)
            customer.run("xsetroot", "-solid", colour)
        time.sleep(1.0)  # the last change reaches the viewer
        viewer.proc.terminate()  # as closing the window: SDL turns SIGTERM into a quit
        self.assertEqual(viewer.proc.wait(20), 0, viewer.stderr())
        lasted = time.monotonic() - started
        self.assertIn("recorded", viewer.stderr())

        self.assertIn("record the session as a video", host.stdout())
        consent = [r for r in host.audit() if r.get("event") == "consent"]
        self.assertTrue(consent and consent[-1]["recording"] is True, consent)

        probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                "stream=codec_name,width,height:format=duration", "-of", "default=nw=1", recording],
                               capture_output=True, text=True, check=True).stdout
        self.assertIn("codec_name=vp8", probe)
        self.assertIn("width=640", probe)
        duration = float(probe.split("duration=")[1].split()[0])
        self.assertGreater(duration, lasted - 1.0, probe)
        last = os.path.join(tmp, "last.png")
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", recording, "-update", "1", "-y", last],
                       check=True)
        screen = os.path.join(tmp, "screen.png")
        customer.run("import", "-window", "root", screen)
        self.assertGreaterEqual(psnr(last, screen), 35.0)

    def test_a_session_without_pictures_leaves_no_file(self):
        """Declined before any picture (the customer never answers): no empty WebM, a line saying why."""
        tmp = self.enterContext(tempfile.TemporaryDirectory())
        customer = self.enterContext(Xvfb(640, 480))
        engineer = self.enterContext(Xvfb(1024, 768))
        host = Host("--consent", "ask", "--ui", "terminal", "--consent-timeout", "1", display=customer.display)
        self.addCleanup(host.stop)
        recording = os.path.join(tmp, "never.webm")
        viewer = Viewer(host, engineer.display, "--record", recording)
        self.addCleanup(viewer.stop)
        self.assertEqual(viewer.proc.wait(30), 12, viewer.stderr())  # declined: its exit code, unchanged
        self.assertFalse(os.path.exists(recording), os.listdir(tmp))
        self.assertRegex(viewer.stderr(), r"nothing recorded, .*never\.webm not written")


if __name__ == "__main__":
    unittest.main()
