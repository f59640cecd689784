"""Test-side peers of the real elfdesk-relay: a throwaway PKI (openssl), the relay process, a redis-server
on a temporary port, and a TLS client speaking protocol/relay_wire.hpp (u16 length, u8 type, fields).
Standard library only."""
import os
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import urllib.request

BINARY_DIR = os.environ.get("ELFDESK_BINARY_DIR", os.path.join(os.path.dirname(__file__), "../../build/release"))
RELAY_BIN = os.path.join(BINARY_DIR, "relay", "elfdesk-relay")

REGISTER, REGISTERED, JOIN, INCOMING, ACCEPT, SPLICED, REFUSED, REDIRECT, PING, PONG, BIND, RECLAIM = range(1, 13)
(NO_SUCH_SESSION, RATE_LIMITED, CAPACITY, TOO_MANY_JOINS, BAD_REQUEST, VERSION, TICKET_UNKNOWN, HOST_GONE,
 NOT_YOURS) = range(1, 10)


def wait_until(predicate, timeout, step=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Pki:
    """A CA and a relay certificate for 127.0.0.1 / localhost (P-256, one day)."""

    def __init__(self, directory):
        def openssl(*args):
            subprocess.run(["openssl", *args], cwd=directory, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
        self.ca, self.cert, self.key = (os.path.join(directory, n) for n in ("ca.pem", "relay.pem", "relay.key"))
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "1", "-subj", "/CN=elfdesk relay test CA")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "relay.key",
                "-out", "relay.csr", "-subj", "/CN=elfdesk relay test")
        with open(os.path.join(directory, "ext.cnf"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        openssl("x509", "-req", "-in", "relay.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "relay.pem", "-days", "1", "-extfile", "ext.cnf")
        self._context = None

    def context(self):
        """A client context that verifies the relay against this CA (made once: loading it is slow)."""
        if self._context is None:
            self._context = ssl.create_default_context(cafile=self.ca)
            self._context.minimum_version = ssl.TLSVersion.TLSv1_3
        return self._context


class Relay:
    """A running elfdesk-relay on 127.0.0.1:<free port>."""

    def __init__(self, pki, directory, *args, name="relay", metrics=False, port=None):
        self.port = port or free_port()
        self.metrics_port = free_port() if metrics else None
        self.log_path = os.path.join(directory, name + ".jsonl")
        self.err_path = os.path.join(directory, name + ".err")
        cmd = [RELAY_BIN, "--listen", f"127.0.0.1:{self.port}", "--cert", pki.cert, "--key", pki.key,
               "--log", self.log_path, *args]
        if metrics:
            cmd += ["--metrics", f"127.0.0.1:{self.metrics_port}"]
        with open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        if not wait_until(lambda: self.proc.poll() is not None or self._accepts(), 10) or self.proc.poll() is not None:
            raise RuntimeError("elfdesk-relay did not start:\n" + self.stderr())

    def _accepts(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def events(self):
        import json
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as r:
            return r.read().decode()

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self, kill=False):
        if self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
        return self.proc.wait(timeout=10)


class RedisServer:
    """redis-server on a temporary port, no persistence; removed with its directory by stop()."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-relay-redis-")
        self.port = free_port()
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if not wait_until(lambda: self.cli("PING") == "PONG", 10):
            self.stop()
            raise RuntimeError("redis-server did not start")

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=10)
        return r.stdout.strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def frame(body):
    return struct.pack(">H", len(body)) + body


def register_msg(version=1):
    return frame(struct.pack(">BH", REGISTER, version))


def join_msg(relay_id, version=1):
    return frame(struct.pack(">BH", JOIN, version) + relay_id.encode())


def bind_msg(key):
    """Bind carries SHA-256 of the key that a later Reclaim shows."""
    import hashlib
    return frame(bytes([BIND]) + hashlib.sha256(key).digest())


def reclaim_msg(relay_id, key, version=1):
    return frame(struct.pack(">BH", RECLAIM, version) + relay_id.encode() + key)


def accept_msg(ticket):
    return frame(bytes([ACCEPT]) + ticket)


class Peer:
    """One TLS connection to the relay, verifying its certificate, from `source` (a loopback address)."""

    def __init__(self, relay, pki, source="127.0.0.1", port=None, timeout=10):
        ctx = pki.context()
        raw = socket.socket()
        raw.settimeout(timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as the real endpoints: no Nagle delay
        raw.bind((source, 0))
        raw.connect(("127.0.0.1", port or relay.port))
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")

    def send(self, data):
        self.sock.sendall(data)

    def recv_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise EOFError("relay closed the connection")
            out += chunk
        return out

    def message(self):
        """(type, fields) of the next message: REGISTERED (id, ttl), INCOMING/ACCEPT (ticket),
        REFUSED (reason, text), REDIRECT (node), others ()."""
        (length,) = struct.unpack(">H", self.recv_exact(2))
        body = self.recv_exact(length)
        kind = body[0]
        if kind == REGISTERED:
            return kind, (body[1:7].decode(), struct.unpack(">I", body[7:11])[0])
        if kind == INCOMING:
            return kind, (body[1:],)
        if kind == REFUSED:
            (n,) = struct.unpack(">H", body[2:4])
            return kind, (body[1], body[4:4 + n].decode())
        if kind == REDIRECT:
            (n,) = struct.unpack(">H", body[1:3])
            return kind, (body[3:3 + n].decode(),)
        return kind, ()

    def expect(self, kind):
        got = self.message()
        while got[0] == PING and kind != PING:  # the relay's keep-alive on control connections
            got = self.message()
        assert got[0] == kind, f"expected message {kind}, got {got}"
        return got[1]

    def closed(self, timeout=5):
        """True once the relay has ended this connection (EOF or reset)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except (ConnectionError, ssl.SSLError, EOFError):
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def register(relay, pki, source="127.0.0.1"):
    """A control connection and its id."""
    control = Peer(relay, pki, source)
    control.send(register_msg())
    relay_id, _ttl = control.expect(REGISTERED)
    return control, relay_id


class RelayFixture:
    """A unittest.TestCase mixin: one PKI in a temporary directory per class (class attribute `prefix` names
    it), and relays, peers and control connections that each test stops or closes when it ends."""
    prefix = "elfdesk-relay-test-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix=cls.prefix)
        cls.pki = Pki(cls.dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)
        super().tearDownClass()

    def relay(self, *args, **kw):
        relay = Relay(self.pki, self.dir, *args, name=f"relay{time.monotonic_ns()}", **kw)
        self.addCleanup(relay.stop)
        return relay

    def peer(self, relay, source="127.0.0.1", **kw):
        p = Peer(relay, self.pki, source, **kw)
        self.addCleanup(p.close)
        return p

    def register(self, relay, source="127.0.0.1"):
        """A control connection (closed after the test) and its id."""
        control, relay_id = register(relay, self.pki, source)
        self.addCleanup(control.close)
        return control, relay_id


def join_pair(relay, pki, control, relay_id, source="127.0.0.1"):
    """Engineer joins, host accepts on a data connection: both spliced. Returns (engineer, host_data)."""
    engineer = Peer(relay, pki, source)
    engineer.send(join_msg(relay_id))
    (ticket,) = control.expect(INCOMING)
    data = Peer(relay, pki)
    data.send(accept_msg(ticket))
    data.expect(SPLICED)
    engineer.expect(SPLICED)
    return engineer, data


def exchange(a, a_out, b, b_out, timeout=60):
    """Sends a_out from peer a to b and b_out from b to a at the same time (one thread, non-blocking
    TLS), returning (what b received, what a received)."""
    import select
    got = {a: bytearray(), b: bytearray()}
    out = {a: memoryview(a_out), b: memoryview(b_out)}
    want = {a: len(b_out), b: len(a_out)}
    for p in (a, b):
        p.sock.setblocking(False)
    end = time.monotonic() + timeout
    try:
        while any(len(got[p]) < want[p] for p in (a, b)) or any(len(out[p]) for p in (a, b)):
            if time.monotonic() > end:
                raise TimeoutError(f"exchange stalled: sent {len(a_out) - len(out[a])}/{len(b_out) - len(out[b])}, "
                                   f"received {len(got[b])}/{len(got[a])}")
            writers = [p.sock for p in (a, b) if len(out[p])]
            readable, writable, _ = select.select([a.sock, b.sock], writers, [], 0.5)
            for p in (a, b):
                if p.sock in readable or p.sock.pending():
                    try:
                        chunk = p.sock.recv(65536)
                        if not chunk:
                            raise EOFError("peer closed during the exchange")
                        got[p] += chunk
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                        pass
                if p.sock in writable and len(out[p]):
                    try:
                        n = p.sock.send(out[p][:65536])
                        out[p] = out[p][n:]
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                        pass
    finally:
        for p in (a, b):
            p.sock.setblocking(True)
            p.sock.settimeout(10)
    return bytes(got[b]), bytes(got[a])
