"""Reclaim and Bind on one elfdesk-relay node (in-memory directory), real TLS on loopback: a host whose id
carries a session (Bind) gets that id back after losing its control connection, by showing the key whose
SHA-256 it bound; nobody else gets a held or bound id; a bound id outlives the ttl; a restarted node (which
forgot everything) gives a free id to the first Reclaim; Reclaim is rate-limited like Register."""
import os
import time
import unittest

import relay_peer as rp


class RelayReclaim(rp.RelayFixture, unittest.TestCase):
    prefix = "elfdesk-relay-reclaim-"

    def reclaim(self, relay, relay_id, key, **kw):
        p = self.peer(relay, **kw)
        p.send(rp.reclaim_msg(relay_id, key))
        return p, p.message()

    def bound(self, relay, key):
        control, relay_id = self.register(relay)
        control.send(rp.bind_msg(key))
        self.assertTrue(rp.wait_until(lambda: [e for e in relay.events() if e["event"] == "bind"], 5), relay.events())
        return control, relay_id

    def test_the_key_holder_takes_a_bound_id_over_and_strangers_are_refused(self):
        relay = self.relay()
        key = os.urandom(32)
        control, relay_id = self.bound(relay, key)
        _, answer = self.reclaim(relay, relay_id, os.urandom(32))
        self.assertEqual(answer[0], rp.REFUSED)
        self.assertEqual(answer[1][0], rp.NOT_YOURS, answer)
        self.assertFalse(control.closed(timeout=0.5), "a refused stranger must not cost the host its id")
        # The host's old control connection may still look alive to the relay (its network dropped): the
        # key's holder takes the id over and the old connection is closed.
        new_control, answer = self.reclaim(relay, relay_id, key)
        self.assertEqual(answer, (rp.REGISTERED, (relay_id, 600)))
        self.assertTrue(control.closed(), "the replaced control connection must be closed")
        # Joins reach the new control connection.
        engineer, data = rp.join_pair(relay, self.pki, new_control, relay_id)
        engineer.close()
        data.close()

    def test_a_bound_id_is_kept_for_its_host_after_the_control_connection_ends(self):
        relay = self.relay()
        key = os.urandom(32)
        control, relay_id = self.bound(relay, key)
        control.close()
        self.assertTrue(rp.wait_until(lambda: [e for e in relay.events() if e["event"] == "unregister"], 5))
        _, answer = self.reclaim(relay, relay_id, os.urandom(32))
        self.assertEqual(answer[1][0], rp.NOT_YOURS, "a bound id must stay reserved for its key")
        engineer = self.peer(relay)
        engineer.send(rp.join_msg(relay_id))
        self.assertEqual(engineer.expect(rp.REFUSED)[0], rp.NO_SUCH_SESSION, "no host holds it meanwhile")
        _, answer = self.reclaim(relay, relay_id, key)
        self.assertEqual(answer, (rp.REGISTERED, (relay_id, 600)))

    def test_a_held_unbound_id_cannot_be_reclaimed(self):
        relay = self.relay()
        control, relay_id = self.register(relay)
        _, answer = self.reclaim(relay, relay_id, os.urandom(32))
        self.assertEqual(answer[1][0], rp.NOT_YOURS)
        self.assertFalse(control.closed(timeout=0.5))

    def test_a_restarted_node_gives_a_free_id_to_the_first_reclaim_and_then_only_to_its_key(self):
        relay = self.relay()
        key = os.urandom(32)
        control, relay_id = self.bound(relay, key)
        port = relay.port
        relay.stop(kill=True)
        self.assertTrue(control.closed())
        restarted = self.relay(port=port)
        _, answer = self.reclaim(restarted, relay_id, key)
        self.assertEqual(answer, (rp.REGISTERED, (relay_id, 600)))
        events = [e for e in restarted.events() if e["event"] == "reclaim"]
        self.assertEqual(len(events), 1, restarted.events())
        # The reclaim bound the id to its key at once.
        _, answer = self.reclaim(restarted, relay_id, os.urandom(32))
        self.assertEqual(answer[1][0], rp.NOT_YOURS)

    def test_a_bound_id_outlives_the_ttl_and_an_unbound_one_does_not(self):
        relay = self.relay("--ttl", "10", "--limit", "ping_every_ms=500")
        bound_control, bound_id = self.bound(relay, os.urandom(32))
        plain, plain_id = self.register(relay)
        self.assertTrue(plain.closed(timeout=15), "the unbound id must end with its ttl")
        time.sleep(1)
        expired = [e for e in relay.events() if e["event"] in ("expired", "unregister")]
        self.assertEqual(len(expired), 2, expired)  # the unbound id's expiry and its unregister only
        self.assertEqual(len({e["id"] for e in expired}), 1, "the bound id must outlive the ttl")
        engineer, data = rp.join_pair(relay, self.pki, bound_control, bound_id)
        engineer.close()
        data.close()

    def test_reclaim_is_rate_limited_like_register(self):
        relay = self.relay("--limit", "registration_burst=2", "--limit", "registration_every_ms=60000")
        for _ in range(2):
            _, answer = self.reclaim(relay, "%06d" % (int.from_bytes(os.urandom(3), "big") % 1000000), os.urandom(32))
            self.assertEqual(answer[0], rp.REGISTERED)
        _, answer = self.reclaim(relay, "123456", os.urandom(32))
        self.assertEqual(answer[1][0], rp.RATE_LIMITED)

    def test_a_bind_with_another_verifier_ends_the_registration(self):
        relay = self.relay()
        control, _ = self.bound(relay, os.urandom(32))
        control.send(rp.bind_msg(os.urandom(32)))
        self.assertTrue(control.closed())


if __name__ == "__main__":
    unittest.main()
