"""Smoke test of the relay load generator (CTest bench_relay_smoke; not timed, not a benchmark).

Keeps bench/relay from rotting: a few pairs through the real elfdesk-relay, direct, and idle
registrations, each checked for exact delivery by the generator itself (exit 0 only if every pair was set
up and every message arrived intact and in order). Needs ELFDESK_BINARY_DIR (the build directory).
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the runner's process and certificate helpers)

BUILD = os.environ.get("ELFDESK_BINARY_DIR", os.path.join(run.ROOT, "build", "release"))
RELAY = os.path.join(BUILD, "relay", "elfdesk-relay")
LOAD = os.path.join(BUILD, "bench", "relay", "elfdesk_relay_load")


class RelayLoadSmoke(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="relaybench-smoke-")
        self.cert, self.key, _ = run.make_certificate(self.tmp.name)
        self.log = open(os.path.join(self.tmp.name, "relay.log"), "w")
        self.procs = []

    def tearDown(self):
        for proc in self.procs:
            run.stop(proc)
        self.log.close()
        self.tmp.cleanup()

    def relay(self, *extra):
        port = run.free_port()
        proc = run.start([RELAY, "--listen", f"127.0.0.1:{port}", "--cert", self.cert, "--key", self.key, *extra],
                         self.log)
        self.procs.append(proc)
        run.wait_listening(port, proc)
        return port, proc

    def generate(self, *args):
        done = subprocess.run([LOAD, *args], capture_output=True, text=True, timeout=120)
        return done.returncode, json.loads(done.stdout), done.stderr

    def assert_streamed_exactly(self, code, result, stderr, pairs):
        self.assertEqual(code, 0, stderr)
        self.assertTrue(result["ok"])
        self.assertEqual(result["established"], pairs)
        for direction in ("down", "up"):
            self.assertGreater(result[direction]["received"], pairs, direction)  # several messages per pair
            self.assertEqual(result[direction]["received"], result[direction]["sent"], direction)
            self.assertGreater(result[direction]["samples"], 0, direction)
        self.assertEqual(result["lost_messages"], 0)
        self.assertEqual(result["corrupt_streams"], 0)

    def test_pairs_through_the_relay_arrive_exactly(self):
        port, proc = self.relay()
        code, result, stderr = self.generate("--mode", "relay", "--target", f"127.0.0.1:{port}", "--pairs", "20",
                                             "--seconds", "2", "--warmup", "0.5", "--sources", "10",
                                             "--watch-pid", str(proc.pid))
        self.assert_streamed_exactly(code, result, stderr, 20)
        self.assertGreater(result["relay_cores"], 0)
        self.assertGreater(result["samples"]["window_end"]["rss_kib"], 0)
        # About 20 pairs x (30 x 1250 + 20 x 32) bytes/s went through the relay in the window.
        self.assertAlmostEqual(result["gbit_s"] * 1e9 / 8, 20 * (30 * 1250 + 20 * 32), delta=20 * 30 * 1250 * 0.3)

    def test_direct_pairs_arrive_exactly(self):
        target = f"127.0.0.1:{run.free_port()}"
        code, result, stderr = self.generate("--mode", "splice", "--target", target, "--listen", target, "--cert",
                                             self.cert, "--key", self.key, "--pairs", "20", "--seconds", "2",
                                             "--warmup", "0.5")
        self.assert_streamed_exactly(code, result, stderr, 20)

    def test_idle_registrations_are_held(self):
        port, proc = self.relay()
        code, result, stderr = self.generate("--mode", "idle", "--target", f"127.0.0.1:{port}", "--pairs", "50",
                                             "--seconds", "1", "--sources", "10", "--watch-pid", str(proc.pid))
        self.assertEqual(code, 0, stderr)
        self.assertEqual(result["established"], 50)
        self.assertEqual(result["control_lost"], 0)
        self.assertGreater(result["samples"]["held"]["rss_kib"], 0)

    def test_a_relay_that_is_gone_fails_the_run(self):
        port, proc = self.relay()
        run.stop(proc)
        code, result, _ = self.generate("--mode", "relay", "--target", f"127.0.0.1:{port}", "--pairs", "3",
                                        "--seconds", "1", "--warmup", "0")
        self.assertEqual(code, 1)
        self.assertFalse(result["ok"])
        self.assertEqual(result["established"], 0)
        self.assertIn("connect", result["first_setup_error"])


if __name__ == "__main__":
    unittest.main()
