"""A view session through the emulated mobile link of bench/net (3 Mbit/s down, 1 up, 120 ms RTT, shallow
queue; issue 13): the host in one network namespace, the viewer in another, a router namespace between them
with the packet delay line and the tbf bottlenecks. Built from the benchmark's own parts (bench/run.py's
desktop, systems and video workload, the bench probe's glass-to-glass measurement), so the test and the
benchmark measure the same thing. Needs root (CI runs as root) and the built delay line and bench probe."""
import argparse
import os
import sys
import time
import unittest

from elfdesk_e2e import BINARY_DIR, wait_until, x_run

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "bench"))
sys.path.insert(0, os.path.join(SOURCE, "bench", "net"))
import netlab  # noqa: E402
import run as bench_run  # noqa: E402  (bench/run.py)

WIDTH, HEIGHT = 1280, 720
TEXT = "typed through a 120 ms mobile link: The quick brown fox 0123456789 !@#$%"
# CI's load on top of the bound (one-way delay + 60 ms); the benchmark holds the real figures.
LOOSE_SLACK_MS = 200
SHARP_WITHIN_S = 2.0  # issue 13: sharp (>= 45 dB luma, bench/run.py's SHARP_DB) within 2 s after motion stops

PROBE = os.path.join(BINARY_DIR, "bench", "probe", "elfdesk_bench_probe")
MISSING = netlab.available() or (None if netlab.find_delay_line(BINARY_DIR) else "elfdesk_delay_line is not built") \
    or (None if os.path.exists(PROBE) else "elfdesk_bench_probe is not built")


@unittest.skipIf(MISSING, MISSING or "")
class MobileLinkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = netlab.NetLab("mobile", binary_dir=BINARY_DIR).open()
        cls.bench = bench_run.Bench(argparse.Namespace(build=BINARY_DIR, drag_method="move"))
        cls.bench.lab = cls.lab
        try:
            cls.a, cls.b = bench_run.start_desktop(cls.bench, WIDTH, HEIGHT)
            cls.system = bench_run.ElfdeskSystem()
            cls.system.start(cls.bench, cls.a, cls.b, WIDTH, HEIGHT)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.bench.procs.stop_all()
        cls.lab.close()

    def viewer_log(self):
        with open(os.path.join(self.bench.tmp, "view.err"), errors="replace") as f:
            return f.read()[-2000:]

    def test_1_the_picture_arrives(self):
        # The viewer shows A's desktop: PSNR of B's picture against A (the probe, pointer box left out).
        geo = bench_run.pointer_box(WIDTH)
        db = wait_until(lambda: (d := self.bench.probe("psnr", a=self.a, b=self.b, **geo)["psnr_luma_db"]) >= 40 and d,
                        timeout=30, interval=0.3)
        took = time.monotonic() - self.system.viewer_started
        print(f"\nmobile link: first sharp 1280x720 picture {took:.1f} s after the viewer started (under CI load; "
              f"PSNR {db} dB)", flush=True)
        self.assertIsNotNone(db, "the viewer never showed the host's desktop through the mobile link\n"
                             + self.viewer_log())

    def test_2_typing_arrives_exactly(self):
        out = os.path.join(self.bench.tmp, "typed.txt")
        open(out, "w").close()
        self.bench.procs.start(["xterm", "-T", "net-typing", "-geometry", "60x8+0+0", "-e", "sh", "-c",
                                f"stty -icanon -echo; exec cat > {out}"], env=bench_run.xenv(self.a))
        term = self.bench.window_id(self.a, "^net-typing$")
        self.bench.xdotool(self.a, "windowactivate", "--sync", term)
        wid = self.bench.window_id(self.b, "^elfdesk$", by="--classname")
        self.bench.xdotool(self.b, "windowfocus", "--sync", wid)
        x_run(self.b, "xdotool", "type", "--delay", "40", TEXT)
        def typed():
            with open(out, errors="replace") as f:
                return f.read()
        wait_until(lambda: len(typed()) >= len(TEXT), timeout=20)
        time.sleep(0.5)  # a doubled key would arrive within an RTT or two
        self.assertEqual(typed(), TEXT)

    def test_3_video_glass_to_glass_within_a_loose_bound(self):
        row = bench_run.measure_workload(self.bench, self.system, bench_run.VideoRegion, self.a, self.b, WIDTH,
                                         HEIGHT, seconds=8)
        lat = row["latency"]
        bound = self.lab.profile.one_way_ms + 60
        print(f"\nmobile link, video 640x360 at {WIDTH}x{HEIGHT}: glass-to-glass p50 {lat['median_ms']:.0f} ms, "
              f"p95 {lat['p95_ms']:.0f} ms, n {lat['n']} (lost {lat['timeouts']}); issue bound {bound:.0f} ms "
              f"({'met' if lat['p95_ms'] <= bound else 'missed'}), loose bound {bound + LOOSE_SLACK_MS:.0f} ms; "
              f"{row['kbps_down']:.0f} kbit/s on the link, {row['updates_per_s']:.1f} updates/s, bottleneck queue "
              f"{row.get('queue')}, sharp {row.get('sharp_s')} s after the video stopped "
              f"({row.get('psnr_last')} dB at the end, {row.get('psnr_3s')} dB 3 s after)", flush=True)
        self.assertGreaterEqual(lat["n"], 5, "too few glass-to-glass samples: the stream stalls")
        self.assertEqual(lat["timeouts"], 0, "a marker change took more than 3 s to show")
        self.assertLessEqual(lat["p95_ms"], bound + LOOSE_SLACK_MS)
        # Strictly, as the issue states it. It was loosened (>= 43 dB) while two things held the picture at
        # 44.8-45.1 dB: the viewer's menu button (now outside the compared area, bench/run.py pointer_box) and
        # top-offs that libvpx coded at q 10-31 after 150 frames of motion (host/encode/vp8_encoder.cpp).
        self.assertIsNotNone(row.get("sharp_s"), f"the picture was not sharp within 8 s after the video stopped: "
                             f"{row.get('psnr_last')} dB at the end, differing {row.get('differing_3s')}")
        self.assertLessEqual(row["sharp_s"], SHARP_WITHIN_S)
        self.assertGreaterEqual(row.get("psnr_3s") or 0.0, bench_run.SHARP_DB, "sharp, then not sharp again")


if __name__ == "__main__":
    unittest.main()
