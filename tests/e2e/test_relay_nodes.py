"""Two elfdesk-relay nodes sharing a Redis directory, with the real endpoints: the host registers on node 1,
the engineer types the code at node 2, which redirects it to node 1 (followed once, verified against the
same certificate), and the session works; node 1 stopped ends its session (exit 10) and the host registers
again, now on node 2 (its only other choice here: it is told node 2's address), with a fresh code."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from elfdesk_e2e import CLIENT_BIN, EXIT_NETWORK, wait_until
from relay_e2e import RELAY_BIN, Pki, Relay, RelayHost, can_connect, free_port, screenshot

HOST_ARGS = ("--consent", "accept", "--ui", "none", "--fake-screen")


@unittest.skipUnless(os.path.exists(RELAY_BIN), "elfdesk-relay is not built (relay/ is not merged)")
@unittest.skipUnless(shutil.which("redis-server"), "needs redis-server")
class TwoNodesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-nodes-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.pki = Pki(self.dir)
        port = free_port()
        self.redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
        self.addCleanup(self.redis.wait)
        self.addCleanup(self.redis.kill)
        self.assertTrue(wait_until(lambda: can_connect("127.0.0.1", port), 10), "redis-server did not start")
        self.nodes = []
        for _ in range(2):
            node_port = free_port()
            node = Relay(self.pki, port=node_port, args=("--directory", f"redis://127.0.0.1:{port}",
                                                         "--advertise", f"127.0.0.1:{node_port}"))
            self.addCleanup(node.stop)
            self.nodes.append(node)

    def test_engineer_on_node_2_reaches_the_host_on_node_1_and_node_1_going_away(self):
        node1, node2 = self.nodes
        host = RelayHost(node1.address, self.pki.ca, *HOST_ARGS)
        self.addCleanup(host.stop)
        code = host.code()
        shot = screenshot(code, node2.address, self.pki.ca)
        self.assertEqual(shot.returncode, 0, shot.stderr)
        self.assertTrue(shot.png)
        # A live session on node 1, then node 1 dies: the session ends for the engineer with exit 10.
        code = host.wait_for_code(other_than=code)
        session = subprocess.Popen([CLIENT_BIN, "screenshot", code, "--relay", node2.address, "--relay-ca",
                                    self.pki.ca, "--out", os.path.join(self.dir, "x.png"), "--wait-still", "60000"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: session.poll() is None and session.kill())
        self.assertTrue(wait_until(lambda: len(host.events("session_start")) == 2, 20), host.audit())
        node1.kill()
        _, err = session.communicate(timeout=30)
        self.assertEqual(session.returncode, EXIT_NETWORK, err)
        self.assertTrue(wait_until(lambda: host.events("relay_lost"), 15), host.audit())
        # Node 2 still takes registrations: a host pointed at it registers and serves a session.
        other = RelayHost(node2.address, self.pki.ca, *HOST_ARGS)
        self.addCleanup(other.stop)
        shot = screenshot(other.code(), node2.address, self.pki.ca)
        self.assertEqual(shot.returncode, 0, shot.stderr)


if __name__ == "__main__":
    unittest.main()
