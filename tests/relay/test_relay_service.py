"""One elfdesk-relay node (in-memory directory) with real TLS on loopback: registration, joins, the splice
(both ways, exact, bounded under backpressure), refusals, the id forgotten with its control connection,
memory per session, metrics and the event log."""
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import relay_peer as rp

# Set by tests/relay/CMakeLists.txt in the ASan build.
SANITIZED = os.environ.get("ELFDESK_SANITIZED") == "1"



class RelayService(rp.RelayFixture, unittest.TestCase):
    def test_register_gets_a_six_digit_id_and_the_ttl(self):
        relay = self.relay("--ttl", "120")
        ids = set()
        for _ in range(5):
            control, relay_id = self.register(relay)
            self.assertRegex(relay_id, r"^[0-9]{6}$")
            ids.add(relay_id)
        self.assertEqual(len(ids), 5)
        control = self.peer(relay)
        control.send(rp.register_msg())
        self.assertEqual(control.expect(rp.REGISTERED)[1], 120)

    def test_unknown_id_is_refused_with_no_such_session(self):
        relay = self.relay()
        control, relay_id = self.register(relay)
        other = "%06d" % ((int(relay_id) + 1) % 1000000)
        engineer = self.peer(relay)
        engineer.send(rp.join_msg(other))
        reason, text = engineer.expect(rp.REFUSED)
        self.assertEqual(reason, rp.NO_SUCH_SESSION)
        self.assertIn("no support session with this code", text)
        self.assertTrue(engineer.closed())

    def test_join_incoming_accept_spliced_and_large_transfers_both_ways(self):
        relay = self.relay(metrics=True)
        control, relay_id = self.register(relay)
        engineer, host = rp.join_pair(relay, self.pki, control, relay_id)
        self.addCleanup(engineer.close)
        self.addCleanup(host.close)
        down, up = os.urandom(6 << 20), os.urandom(3 << 20)
        at_engineer, at_host = rp.exchange(host, down, engineer, up)
        self.assertEqual(hashlib.sha256(at_engineer).digest(), hashlib.sha256(down).digest())
        self.assertEqual(hashlib.sha256(at_host).digest(), hashlib.sha256(up).digest())
        metrics = relay.metrics()
        self.assertIn('elfdesk_relay_bytes_total{direction="host_to_engineer"} %d' % len(down), metrics)
        self.assertIn('elfdesk_relay_bytes_total{direction="engineer_to_host"} %d' % len(up), metrics)
        self.assertIn("elfdesk_relay_sessions_active 1", metrics)
        # One end closes: the other sees the end, and the session is logged without ids in clear.
        engineer.close()
        self.assertTrue(host.closed())
        host.close()
        rp.wait_until(lambda: any(e["event"] == "session_end" for e in relay.events()), 5)
        events = relay.events()
        end = [e for e in events if e["event"] == "session_end"][0]
        self.assertEqual(end["bytes_to_engineer"], len(down))
        self.assertEqual(end["bytes_to_host"], len(up))
        with open(relay.log_path) as f:
            self.assertNotIn(relay_id, f.read())

    def test_a_side_that_never_reads_holds_back_the_other_and_memory_stays_bounded(self):
        relay = self.relay()
        control, relay_id = self.register(relay)
        engineer, host = rp.join_pair(relay, self.pki, control, relay_id)
        self.addCleanup(engineer.close)
        self.addCleanup(host.close)
        rss_before = relay.rss_kib()
        data = os.urandom(64 << 20)
        host.sock.setblocking(False)
        sent, last_progress = 0, time.monotonic()
        while time.monotonic() - last_progress < 1.0 and sent < len(data):
            try:
                n = host.sock.send(data[sent:sent + 65536])
                sent += n
                last_progress = time.monotonic()
            except (rp.ssl.SSLWantWriteError, rp.ssl.SSLWantReadError):
                time.sleep(0.01)
        host.sock.setblocking(True)
        growth = relay.rss_kib() - rss_before
        print(f"\nbackpressure: the host got {sent >> 10} KiB in before the relay stopped reading; relay RSS grew "
              f"{growth} KiB")
        # Kernel socket buffers on loopback (tcp_rmem up to 32 MiB here) hold a few MiB; the relay itself
        # must hold no more than its splice buffer: its RSS may not grow with what the host pushes.
        self.assertLess(sent, 32 << 20, "the relay kept reading from the host although the engineer reads nothing")
        if not SANITIZED:  # RSS under ASan is its shadow memory and quarantine
            self.assertLess(growth, 2048)
        # Nothing was lost: the engineer now reads exactly what was sent.
        got = engineer.recv_exact(sent)
        self.assertEqual(hashlib.sha256(got).digest(), hashlib.sha256(data[:sent]).digest())

    @unittest.skipIf(SANITIZED, "RSS under AddressSanitizer measures its shadow memory and quarantine, not the relay")
    def test_memory_per_spliced_session_and_per_registration(self):
        relay = self.relay("--limit", "registration_burst=1000", "--limit", "join_burst=1000")
        time.sleep(0.2)
        base = relay.rss_kib()
        controls = [rp.register(relay, self.pki, source=f"127.0.1.{i % 200 + 1}") for i in range(200)]
        for c, _ in controls:
            self.addCleanup(c.close)
        per_registration = (relay.rss_kib() - base) / len(controls)
        base = relay.rss_kib()
        pairs = []
        for c, relay_id in controls[:100]:
            engineer, host = rp.join_pair(relay, self.pki, c, relay_id)
            self.addCleanup(engineer.close)
            self.addCleanup(host.close)
            engineer.send(b"x" * 1000)
            host.recv_exact(1000)
            host.send(b"y" * 30000)
            engineer.recv_exact(30000)
            pairs.append((engineer, host))
        per_session = (relay.rss_kib() - base) / len(pairs)
        print(f"\nmemory: {per_registration:.1f} KiB per idle registration, {per_session:.1f} KiB per spliced session")
        self.assertLess(per_registration, 32)
        self.assertLessEqual(per_session, 64)

    def test_control_connection_closed_forgets_the_id(self):
        relay = self.relay()
        control, relay_id = rp.register(relay, self.pki)
        control.close()

        def refused_no_such_session():
            engineer = rp.Peer(relay, self.pki)
            try:
                engineer.send(rp.join_msg(relay_id))
                kind, fields = engineer.message()
                return kind == rp.REFUSED and fields[0] == rp.NO_SUCH_SESSION
            finally:
                engineer.close()
        self.assertTrue(rp.wait_until(refused_no_such_session, 5, step=0.1))
        self.assertTrue(rp.wait_until(lambda: any(e["event"] == "unregister" for e in relay.events()), 5))

    def test_ping_is_answered_and_the_relay_pings(self):
        relay = self.relay("--limit", "ping_every_ms=200")
        control, _ = self.register(relay)
        self.assertEqual(control.message()[0], rp.PING)
        control.send(rp.frame(bytes([rp.PING])))
        kinds = {control.message()[0], control.message()[0]}  # our Pong may come after the relay's next Ping
        self.assertIn(rp.PONG, kinds)

    def test_bad_requests_are_refused(self):
        relay = self.relay()
        cases = [(rp.frame(bytes([rp.PING])), rp.BAD_REQUEST), (rp.register_msg(version=9), rp.VERSION),
                 (rp.join_msg("123456", version=2), rp.VERSION), (rp.accept_msg(b"\x01" * 32), rp.TICKET_UNKNOWN),
                 (rp.frame(bytes([rp.JOIN, 0, 1]) + b"12a456"), rp.BAD_REQUEST), (b"\x00\x00", rp.BAD_REQUEST)]
        for data, reason in cases:
            p = self.peer(relay)
            p.send(data)
            self.assertEqual(p.expect(rp.REFUSED)[0], reason, data)

    def test_a_host_that_does_not_accept_gives_host_gone(self):
        relay = self.relay("--limit", "accept_ms=300")
        control, relay_id = self.register(relay)
        engineer = self.peer(relay)
        engineer.send(rp.join_msg(relay_id))
        control.expect(rp.INCOMING)
        self.assertEqual(engineer.expect(rp.REFUSED)[0], rp.HOST_GONE)

    def test_a_host_that_leaves_while_an_engineer_waits_gives_host_gone_at_once(self):
        relay = self.relay()
        control, relay_id = rp.register(relay, self.pki)
        engineer = self.peer(relay)
        engineer.send(rp.join_msg(relay_id))
        control.expect(rp.INCOMING)
        start = time.monotonic()
        control.close()
        self.assertEqual(engineer.expect(rp.REFUSED)[0], rp.HOST_GONE)
        self.assertLess(time.monotonic() - start, 3)

    def test_metrics_are_prometheus_text(self):
        relay = self.relay(metrics=True)
        control, relay_id = self.register(relay)
        engineer = self.peer(relay)
        engineer.send(rp.join_msg("%06d" % ((int(relay_id) + 1) % 1000000)))
        engineer.expect(rp.REFUSED)
        text = relay.metrics()
        for line in text.splitlines():
            self.assertRegex(line, r'^(# (HELP|TYPE) \w+ .+|\w+(\{\w+="\w+"\})? \d+)$')
        self.assertIn("elfdesk_relay_registrations_active 1", text)
        self.assertIn('elfdesk_relay_refusals_total{reason="no_such_session"} 1', text)
        self.assertIn("# TYPE elfdesk_relay_sessions_total counter", text)


class RelayCommandLine(unittest.TestCase):
    def run_relay(self, *args):
        return subprocess.run([rp.RELAY_BIN, *args], capture_output=True, text=True, timeout=20)

    def test_version_help_and_exit_codes(self):
        version = self.run_relay("--version")
        self.assertEqual(version.returncode, 0)
        self.assertRegex(version.stdout, r"^elfdesk-relay \d+\.\d+\.\d+\n$")
        help_text = self.run_relay("--help")
        self.assertEqual(help_text.returncode, 0)
        for word in ("--listen", "--directory", "--advertise", "--metrics", "--ttl", "--max-sessions", "--log",
                     "joins_per_id"):
            self.assertIn(word, help_text.stdout)
        self.assertEqual(self.run_relay("--listen", "127.0.0.1:1").returncode, 2)
        self.assertEqual(self.run_relay("--bogus").returncode, 2)
        self.assertEqual(self.run_relay("--listen", "127.0.0.1:0", "--cert", "/nonexistent", "--key", "/nonexistent")
                         .returncode, 2)

    def test_cannot_listen_or_reach_redis_exits_10(self):
        d = tempfile.mkdtemp(prefix="elfdesk-relay-cli-")
        self.addCleanup(shutil.rmtree, d, True)
        pki = rp.Pki(d)
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            taken = self.run_relay("--listen", f"127.0.0.1:{port}", "--cert", pki.cert, "--key", pki.key)
        self.assertEqual(taken.returncode, 10, taken.stderr)
        self.assertIn("cannot listen", taken.stderr)
        no_redis = self.run_relay("--listen", "127.0.0.1:0", "--cert", pki.cert, "--key", pki.key, "--directory",
                                  f"redis://127.0.0.1:{rp.free_port()}", "--advertise", "127.0.0.1:1")
        self.assertEqual(no_redis.returncode, 10, no_redis.stderr)
        self.assertIn("redis", no_redis.stderr)


if __name__ == "__main__":
    unittest.main()
