"""Two elfdesk-relay nodes sharing a real redis-server (started on a temporary port, removed after): ids are
claimed in Redis under elfdesk:relay:id:<id> with the node's --advertise address; an engineer on the wrong node
is redirected and the session works after following it; a closed control connection deletes the key; a killed
node's ids expire with their lease and registrations go on at the other node."""
import hashlib
import os
import shutil
import tempfile
import time
import unittest

import relay_peer as rp


class RelayNodes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="elfdesk-relay-nodes-")
        cls.pki = rp.Pki(cls.dir)
        cls.redis = rp.RedisServer()

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def node(self, name, *args):
        # The advertised address is the node's own listening address: Relay picks the port first.
        port = rp.free_port()
        relay = rp.Relay(self.pki, self.dir, "--directory", self.redis.url, "--advertise", f"127.0.0.1:{port}",
                         *args, name=name, port=port)
        self.addCleanup(relay.stop)
        return relay

    def key(self, relay_id):
        return f"elfdesk:relay:id:{relay_id}"

    def test_engineer_on_the_other_node_is_redirected_and_the_session_works(self):
        node1, node2 = self.node("n1a"), self.node("n2a")
        control, relay_id = rp.register(node1, self.pki)
        self.addCleanup(control.close)
        self.assertEqual(self.redis.cli("GET", self.key(relay_id)), node1.address)
        ttl = int(self.redis.cli("TTL", self.key(relay_id)))
        self.assertTrue(0 < ttl <= 30, ttl)

        engineer = rp.Peer(node2, self.pki)
        engineer.send(rp.join_msg(relay_id))
        (node,) = engineer.expect(rp.REDIRECT)
        self.assertEqual(node, node1.address)
        self.assertTrue(engineer.closed())
        engineer.close()

        host_port = int(node.rsplit(":", 1)[1])
        engineer = rp.Peer(node1, self.pki, port=host_port)
        self.addCleanup(engineer.close)
        engineer.send(rp.join_msg(relay_id))
        (ticket,) = control.expect(rp.INCOMING)
        data = rp.Peer(node1, self.pki)
        self.addCleanup(data.close)
        data.send(rp.accept_msg(ticket))
        data.expect(rp.SPLICED)
        engineer.expect(rp.SPLICED)
        down, up = os.urandom(1 << 20), os.urandom(256 << 10)
        at_engineer, at_host = rp.exchange(data, down, engineer, up)
        self.assertEqual(hashlib.sha256(at_engineer).digest(), hashlib.sha256(down).digest())
        self.assertEqual(hashlib.sha256(at_host).digest(), hashlib.sha256(up).digest())

        # An id nobody holds is refused on either node, not redirected.
        stranger = rp.Peer(node2, self.pki)
        self.addCleanup(stranger.close)
        stranger.send(rp.join_msg("%06d" % ((int(relay_id) + 1) % 1000000)))
        self.assertEqual(stranger.expect(rp.REFUSED)[0], rp.NO_SUCH_SESSION)

    def test_closing_the_control_connection_deletes_the_key(self):
        node1 = self.node("n1b")
        control, relay_id = rp.register(node1, self.pki)
        self.assertEqual(self.redis.cli("EXISTS", self.key(relay_id)), "1")
        control.close()
        self.assertTrue(rp.wait_until(lambda: self.redis.cli("EXISTS", self.key(relay_id)) == "0", 5))

    def test_a_killed_node_loses_its_ids_within_the_lease_and_the_other_node_registers(self):
        node1 = self.node("n1d", "--limit", "directory_lease_s=2")
        node2 = self.node("n2d", "--limit", "directory_lease_s=2")
        control, relay_id = rp.register(node1, self.pki)
        self.addCleanup(control.close)
        # A live node renews its lease: the key outlives several leases.
        time.sleep(2.5)
        self.assertEqual(self.redis.cli("GET", self.key(relay_id)), node1.address)
        node1.stop(kill=True)
        self.assertTrue(control.closed())
        self.assertTrue(rp.wait_until(lambda: self.redis.cli("EXISTS", self.key(relay_id)) == "0", 5))
        engineer = rp.Peer(node2, self.pki)
        self.addCleanup(engineer.close)
        engineer.send(rp.join_msg(relay_id))
        self.assertEqual(engineer.expect(rp.REFUSED)[0], rp.NO_SUCH_SESSION)
        control2, relay_id2 = rp.register(node2, self.pki)
        self.addCleanup(control2.close)
        self.assertEqual(self.redis.cli("GET", self.key(relay_id2)), node2.address)

    def test_a_stopped_node_gives_its_ids_back(self):
        node1 = self.node("n1e")
        control, relay_id = rp.register(node1, self.pki)
        self.addCleanup(control.close)
        self.assertEqual(node1.stop(), 0)  # SIGTERM: exit 0
        self.assertTrue(rp.wait_until(lambda: self.redis.cli("EXISTS", self.key(relay_id)) == "0", 5))


if __name__ == "__main__":
    unittest.main()
