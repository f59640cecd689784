"""bench/net's emulated links do what the benchmark and the network tests rely on: the RTT and the rate of a
profile, a bottleneck that drops when its queue overflows, link_down / link_up that loses nothing of a TCP
connection that outlives the gap, and cleanup that leaves no namespace behind, also after an exception.
Needs root (CI runs as root) and the built delay line."""
import os
import socket
import subprocess
import sys
import threading
import time
import unittest

from elfdesk_e2e import BINARY_DIR

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "net"))
import netlab  # noqa: E402

MISSING = netlab.available() or (None if netlab.find_delay_line(BINARY_DIR) else "elfdesk_delay_line is not built")


def namespaces():
    return subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE, text=True).stdout


def pair(lab):
    """A connected TCP pair: (host side, viewer side)."""
    listener = lab.socket("host")
    listener.bind((lab.host_ip, 0))
    listener.listen(1)
    viewer = lab.socket("viewer")
    viewer.connect((lab.host_ip, listener.getsockname()[1]))
    host = listener.accept()[0]
    listener.close()
    return host, viewer


@unittest.skipIf(MISSING, MISSING or "")
class NetLabTest(unittest.TestCase):
    def test_mobile_profile_rtt_rate_and_a_dropping_bottleneck(self):
        with netlab.NetLab("mobile", binary_dir=BINARY_DIR) as lab:
            measured = netlab.check(lab, seconds=3.0)
            print(f"\nmobile link measured: {measured}", flush=True)
            self.assertGreaterEqual(measured["rtt_ms"], 118)  # the delay line's 2 x 60 ms cannot be skipped
            self.assertLess(measured["rtt_ms"], 400)          # loose: CI's load adds scheduling delay
            # The bottleneck's own counter: a link of 3000/1000 kbit/s (below only if CI starves the sender).
            self.assertGreater(measured["down_kbit"], 3000 * 0.8)
            self.assertLess(measured["down_kbit"], 3000 * 1.05)
            self.assertGreater(measured["up_kbit"], 1000 * 0.8)
            self.assertLess(measured["up_kbit"], 1000 * 1.05)
            # What TCP got through it, slow start included; never more than the link carried.
            self.assertGreater(measured["down_goodput_kbit"], 3000 * 0.6)
            self.assertLess(measured["down_goodput_kbit"], measured["down_kbit"])
            self.assertGreater(measured["up_goodput_kbit"], 1000 * 0.6)
            self.assertLess(measured["up_goodput_kbit"], measured["up_kbit"])
            self.assertGreater(lab.queue()["drops"], 0, "a bulk transfer must overflow the shallow queue")

    def test_link_down_holds_the_data_and_up_delivers_it(self):
        with netlab.NetLab("home", binary_dir=BINARY_DIR) as lab:
            host, viewer = pair(lab)
            viewer.settimeout(0.5)
            host.sendall(b"before")
            self.assertEqual(viewer.recv(100), b"before")
            lab.link_down()
            host.sendall(b"during")
            with self.assertRaises(socket.timeout):  # nothing passes while the cable is out
                viewer.recv(100)
            time.sleep(2.0)
            lab.link_up()
            viewer.settimeout(15)  # TCP retransmits on its own backoff (here within ~3 s)
            self.assertEqual(viewer.recv(100), b"during")
            viewer.sendall(b"reply")
            host.settimeout(5)
            self.assertEqual(host.recv(100), b"reply")
            host.close()
            viewer.close()

    def test_cleanup_after_an_exception_and_of_a_killed_owner(self):
        lab = netlab.NetLab("poor", binary_dir=BINARY_DIR)
        with self.assertRaises(RuntimeError):
            with lab:
                self.assertIn(lab.ns["router"], namespaces())
                sleeper = lab.popen("viewer", ["sleep", "600"])
                raise RuntimeError("a failing test")
        self.assertIsNotNone(sleeper.poll(), "a process started in the lab outlived it")
        for name in lab.ns.values():
            self.assertNotIn(name, namespaces())
        # Namespaces of a process that died without cleaning up (a CTest timeout) go with the next NetLab.
        owner = subprocess.Popen(["sleep", "600"])
        stale = f"{netlab.PREFIX}{owner.pid}x1-router"
        subprocess.run(["ip", "netns", "add", stale], check=True)
        owner.kill()
        owner.wait()
        with netlab.NetLab("lan", binary_dir=BINARY_DIR):
            self.assertNotIn(stale, namespaces())

    def test_delay_line_keeps_order_and_loses_nothing_below_the_rate(self):
        with netlab.NetLab("lan", binary_dir=BINARY_DIR) as lab:
            host, viewer = pair(lab)
            payload = bytes(range(256)) * 4096 * 8  # 8 MiB, checked byte for byte
            received = bytearray()

            def drain():
                while len(received) < len(payload):
                    data = viewer.recv(1 << 20)
                    if not data:
                        return
                    received.extend(data)

            t = threading.Thread(target=drain)
            t.start()
            host.sendall(payload)
            t.join(60)
            self.assertEqual(bytes(received), payload)
            host.close()
            viewer.close()


if __name__ == "__main__":
    unittest.main()
