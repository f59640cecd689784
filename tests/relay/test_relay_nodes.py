"""Two elfdesk-relay nodes sharing a real redis-server (started on a temporary port, removed after): ids are
claimed in Redis under elfdesk:relay:id:<id> with the node's --advertise address; an engineer on the wrong node
is redirected and the session works after following it; a closed control connection deletes the key; a killed
node's ids expire with their lease and registrations go on at the other node. A session's id (Bind) is given
back to its host's Reclaim by a node restarted on the same address at once (the key in Redis names it), and
by another node that took the address over once the dead node's lease has run out ("try again" before)."""
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

    def node_at(self, name, port, advertise, *args):
        relay = rp.Relay(self.pki, self.dir, "--directory", self.redis.url, "--advertise", advertise, *args,
                         name=name, port=port)
        self.addCleanup(relay.stop)
        return relay

    def bound_then_killed(self, relay, key):
        control, relay_id = rp.register(relay, self.pki)
        self.addCleanup(control.close)
        control.send(rp.bind_msg(key))
        self.assertTrue(rp.wait_until(lambda: [e for e in relay.events() if e["event"] == "bind"], 5))
        relay.stop(kill=True)
        return relay_id

    def reclaim(self, relay, relay_id, key):
        peer = rp.Peer(relay, self.pki)
        self.addCleanup(peer.close)
        peer.send(rp.reclaim_msg(relay_id, key))
        return peer.message()

    def test_a_restarted_node_gives_a_session_its_id_back_at_once(self):
        port = rp.free_port()
        advertise = f"127.0.0.1:{port}"
        key = os.urandom(32)
        relay_id = self.bound_then_killed(self.node_at("r1a", port, advertise), key)
        self.assertEqual(self.redis.cli("GET", self.key(relay_id)), advertise, "the dead node's key is still there")
        restarted = self.node_at("r1b", port, advertise)
        self.assertEqual(self.reclaim(restarted, relay_id, key), (rp.REGISTERED, (relay_id, 600)))
        self.assertEqual(self.redis.cli("GET", self.key(relay_id)), advertise)

    def test_another_node_on_the_address_gives_the_id_back_once_the_dead_nodes_lease_ran_out(self):
        port = rp.free_port()
        key = os.urandom(32)
        lease = ("--limit", "directory_lease_s=3")
        relay_id = self.bound_then_killed(self.node_at("t1a", port, f"127.0.0.1:{port}", *lease), key)
        other = self.node_at("t1b", port, f"localhost:{port}", *lease)
        kind, fields = self.reclaim(other, relay_id, key)
        self.assertEqual((kind, fields[0]), (rp.REFUSED, rp.CAPACITY), "the dead node's lease holds: try again")
        self.assertIn("try again", fields[1])
        answer = rp.wait_until(lambda: (a := self.reclaim(other, relay_id, key))[0] == rp.REGISTERED and a, 10,
                               step=0.5)
        self.assertEqual(answer, (rp.REGISTERED, (relay_id, 600)))
        self.assertEqual(self.redis.cli("GET", self.key(relay_id)), f"localhost:{port}")
        # A stranger is refused there too now.
        self.assertEqual(self.reclaim(other, relay_id, os.urandom(32))[1][0], rp.NOT_YOURS)

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
