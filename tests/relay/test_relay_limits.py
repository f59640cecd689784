"""Abuse limits of the real elfdesk-relay, from several loopback source addresses (127.0.0.2, .3, ...):
registration and join rates per address, joins per id, the session and registration caps, connections per
address, and the deadlines that cut silent, idle and half-open connections."""
import socket
import time
import unittest

import relay_peer as rp


class RelayLimits(rp.RelayFixture, unittest.TestCase):
    prefix = "elfdesk-relay-limits-"

    def relay(self, *limits, args=(), metrics=False):
        """A relay with `limits` ("name=value", each given as --limit) and further arguments `args`."""
        extra = [a for limit in limits for a in ("--limit", limit)]
        return super().relay(*extra, *args, metrics=metrics)

    def refusal(self, relay, data, source):
        p = self.peer(relay, source)
        p.send(data)
        kind, fields = p.message()
        self.assertEqual(kind, rp.REFUSED, fields)
        return fields[0]

    def test_registrations_are_rate_limited_per_address(self):
        relay = self.relay("registration_burst=3", "registration_every_ms=60000", metrics=True)
        for _ in range(3):
            self.register(relay, "127.0.0.2")
        self.assertEqual(self.refusal(relay, rp.register_msg(), "127.0.0.2"), rp.RATE_LIMITED)
        self.register(relay, "127.0.0.3")  # another address is not affected
        self.assertIn('elfdesk_relay_refusals_total{reason="rate_limited"} 1', relay.metrics())

    def test_joins_are_rate_limited_per_address(self):
        relay = self.relay("join_burst=3", "join_every_ms=60000")
        for i in range(3):
            self.assertEqual(self.refusal(relay, rp.join_msg("%06d" % i), "127.0.0.4"), rp.NO_SUCH_SESSION)
        self.assertEqual(self.refusal(relay, rp.join_msg("000009"), "127.0.0.4"), rp.RATE_LIMITED)
        self.assertEqual(self.refusal(relay, rp.join_msg("000009"), "127.0.0.5"), rp.NO_SUCH_SESSION)

    def test_join_attempts_per_id_are_capped_whatever_the_address(self):
        relay = self.relay("joins_per_id=2", "accept_ms=200")
        control, relay_id = self.register(relay, "127.0.0.6")
        for source in ("127.0.0.7", "127.0.0.8"):
            engineer = self.peer(relay, source)
            engineer.send(rp.join_msg(relay_id))
            control.expect(rp.INCOMING)
            self.assertEqual(engineer.expect(rp.REFUSED)[0], rp.HOST_GONE)  # the host never accepted
        self.assertEqual(self.refusal(relay, rp.join_msg(relay_id), "127.0.0.9"), rp.TOO_MANY_JOINS)

    def test_the_session_cap_refuses_with_capacity(self):
        relay = self.relay(args=("--max-sessions", "1"))
        control, relay_id = self.register(relay, "127.0.0.10")
        engineer, host = rp.join_pair(relay, self.pki, control, relay_id, source="127.0.0.11")
        self.addCleanup(engineer.close)
        self.addCleanup(host.close)
        second = self.peer(relay, "127.0.0.12")
        second.send(rp.join_msg(relay_id))
        reason, text = second.expect(rp.REFUSED)
        self.assertEqual(reason, rp.CAPACITY)
        self.assertIn("as many sessions as it can", text)
        # The session in progress is unaffected.
        engineer.send(b"still here")
        self.assertEqual(host.recv_exact(10), b"still here")

    def test_the_registration_cap_refuses_with_capacity(self):
        relay = self.relay("max_registrations=2")
        self.register(relay, "127.0.0.13")
        self.register(relay, "127.0.0.14")
        self.assertEqual(self.refusal(relay, rp.register_msg(), "127.0.0.15"), rp.CAPACITY)

    def test_connections_per_address_are_capped_before_tls(self):
        relay = self.relay("connections_per_address=2")
        self.peer(relay, "127.0.0.16")
        self.peer(relay, "127.0.0.16")
        with self.assertRaises((ConnectionError, rp.ssl.SSLError, OSError)):
            rp.Peer(relay, self.pki, "127.0.0.16").close()
        self.peer(relay, "127.0.0.17")

    def test_a_silent_tcp_connection_is_cut_at_the_handshake_deadline(self):
        relay = self.relay("tls_handshake_ms=300")
        raw = socket.socket()
        self.addCleanup(raw.close)
        raw.bind(("127.0.0.18", 0))
        raw.connect(("127.0.0.1", relay.port))
        raw.settimeout(5)
        start = time.monotonic()
        self.assertEqual(raw.recv(100), b"")
        self.assertLess(time.monotonic() - start, 3)

    def test_no_first_message_is_cut_at_its_deadline(self):
        relay = self.relay("first_message_ms=300")
        p = self.peer(relay, "127.0.0.19")
        start = time.monotonic()
        self.assertTrue(p.closed(timeout=5))
        self.assertLess(time.monotonic() - start, 3)

    def test_a_silent_control_connection_is_cut_and_its_id_forgotten(self):
        relay = self.relay("control_idle_ms=400", "ping_every_ms=100")
        control, relay_id = self.register(relay, "127.0.0.20")
        start = time.monotonic()
        self.assertTrue(control.closed(timeout=5))  # it read the Pings but never answered
        self.assertLess(time.monotonic() - start, 3)
        self.assertTrue(rp.wait_until(lambda: self.refusal(relay, rp.join_msg(relay_id), "127.0.0.21")
                                      == rp.NO_SUCH_SESSION, 3, step=0.1))

    def test_an_answering_control_connection_stays(self):
        relay = self.relay("control_idle_ms=400", "ping_every_ms=100")
        control, relay_id = self.register(relay, "127.0.0.22")
        end = time.monotonic() + 1.2
        while time.monotonic() < end:
            self.assertEqual(control.message()[0], rp.PING)
            control.send(rp.frame(bytes([rp.PONG])))
        engineer = self.peer(relay, "127.0.0.23")
        engineer.send(rp.join_msg(relay_id))
        self.assertEqual(control.expect(rp.INCOMING)[0].__len__(), 32)

    def test_half_open_and_idle_pairs_are_cut(self):
        relay = self.relay("half_open_ms=300", "splice_idle_ms=600")
        control, relay_id = self.register(relay, "127.0.0.24")
        engineer, host = rp.join_pair(relay, self.pki, control, relay_id, source="127.0.0.25")
        self.addCleanup(engineer.close)
        self.addCleanup(host.close)
        engineer.sock.shutdown(socket.SHUT_WR)  # the engineer's side ends; the host's never does
        start = time.monotonic()
        self.assertTrue(host.closed(timeout=5))
        self.assertTrue(engineer.closed(timeout=5))
        self.assertLess(time.monotonic() - start, 3)
        # A pair where nobody sends anything: cut after splice_idle.
        engineer, host = rp.join_pair(relay, self.pki, control, relay_id, source="127.0.0.26")
        self.addCleanup(engineer.close)
        self.addCleanup(host.close)
        start = time.monotonic()
        self.assertTrue(engineer.closed(timeout=5))
        self.assertGreater(time.monotonic() - start, 0.4)
        self.assertLess(time.monotonic() - start, 3)
        ends = [e["end"] for e in relay.events() if e["event"] == "session_end"]
        self.assertTrue(rp.wait_until(lambda: sorted(e["end"] for e in relay.events() if e["event"] == "session_end")
                                      == ["half_open", "idle"], 3), ends)


if __name__ == "__main__":
    unittest.main()
