"""A man in the middle for the security tests: listens on loopback, and for every engineer that connects
opens its own connection to the real host and relays every byte between the two. In "tls" mode it
terminates TLS 1.3 on both sides (its own self-signed certificate made with `openssl req`, no
verification of the host's) and relays the plaintext, which is what an attacker on the path could do
against a client that does not verify certificates. In "tcp" mode it only relays the encrypted bytes
(a plain relay: the TLS session stays end to end). Standard library only; one thread per connection."""
import os
import selectors
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading


def make_self_signed_certificate(directory):
    """(cert.pem, key.pem) for CN=mitm, a fresh P-256 key made by `openssl req`."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=mitm"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    return cert, key


class MitmProxy:
    def __init__(self, target_host, target_port, mode="tls"):
        assert mode in ("tls", "tcp")
        self.target = (target_host, target_port)
        self.mode = mode
        self.dir = tempfile.mkdtemp(prefix="elfdesk-mitm-")
        self.to_host_bytes = 0      # plaintext (tls mode) or ciphertext (tcp mode) relayed engineer -> host
        self.to_engineer_bytes = 0  # and host -> engineer
        self.connections = 0
        self.errors = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = []
        if mode == "tls":
            cert, key = make_self_signed_certificate(self.dir)
            self.server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.server_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            self.server_ctx.load_cert_chain(cert, key)
            self.client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            self.client_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            self.client_ctx.check_hostname = False
            self.client_ctx.verify_mode = ssl.CERT_NONE
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def __enter__(self):
        self._spawn(self._accept_loop)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._threads:
            t.join(10)
        self.listener.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _spawn(self, target, *args):
        t = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(t)
        t.start()

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                engineer, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            self._spawn(self._serve, engineer)

    def _serve(self, engineer):
        host = None
        try:
            engineer.settimeout(10)
            host = socket.create_connection(self.target, timeout=10)
            if self.mode == "tls":
                engineer = self.server_ctx.wrap_socket(engineer, server_side=True)
                host = self.client_ctx.wrap_socket(host)
            self._relay(engineer, host)
        except (OSError, ssl.SSLError) as e:
            self.errors.append(repr(e))
        finally:
            for s in (engineer, host):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass

    def _relay(self, engineer, host):
        sel = selectors.DefaultSelector()
        for s in (engineer, host):
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while not self._stop.is_set():
            for key, _ in sel.select(0.2):
                src = key.fileobj
                dst = host if src is engineer else engineer
                if not self._pump(src, dst, src is engineer):
                    return

    def _pump(self, src, dst, towards_host):
        """Moves what `src` has to `dst`; False when either side has ended."""
        while True:
            try:
                data = src.recv(65536)
            except (ssl.SSLWantReadError, BlockingIOError):
                return True
            except (OSError, ssl.SSLError):
                return False
            if not data:
                return False
            with self._lock:
                if towards_host:
                    self.to_host_bytes += len(data)
                else:
                    self.to_engineer_bytes += len(data)
            try:
                dst.settimeout(5)
                dst.sendall(data)
                dst.setblocking(False)
            except (OSError, ssl.SSLError):
                return False
            if not (isinstance(src, ssl.SSLSocket) and src.pending()):
                return True


class RelayMitmProxy:
    """A compromised relay node, for the relay tests: it serves the relay's own certificate (so the engineer's
    check of the outer TLS passes), forwards the rendezvous (Join, then the real relay's answers) to the real
    relay, and once `Spliced` has passed it terminates the inner, end-to-end TLS towards both sides (its own
    self-signed certificate to the engineer, no verification of the host's) and relays the plaintext, as a
    relay operator could. SPAKE2's channel binding must make both sides fail. One thread per engineer."""

    SPLICED, REFUSED, REDIRECT = 6, 7, 8

    def __init__(self, relay_host, relay_port, relay_cert, relay_key):
        self.target = (relay_host, relay_port)
        self.dir = tempfile.mkdtemp(prefix="elfdesk-relay-mitm-")
        self.outer_server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.outer_server.minimum_version = ssl.TLSVersion.TLSv1_3
        self.outer_server.load_cert_chain(relay_cert, relay_key)
        self.outer_client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.outer_client.check_hostname = False
        self.outer_client.verify_mode = ssl.CERT_NONE
        cert, key = make_self_signed_certificate(self.dir)
        self.inner_server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.inner_server.minimum_version = ssl.TLSVersion.TLSv1_3
        self.inner_server.load_cert_chain(cert, key)
        self.inner_client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.inner_client.minimum_version = ssl.TLSVersion.TLSv1_3
        self.inner_client.check_hostname = False
        self.inner_client.verify_mode = ssl.CERT_NONE
        self.spliced = 0          # joins that reached Spliced through us
        self.plaintext_bytes = 0  # inner plaintext relayed, both ways
        self.errors = []
        self._stop = threading.Event()
        self._threads = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def __enter__(self):
        self._spawn(self._accept_loop)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._threads:
            t.join(10)
        self.listener.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _spawn(self, target, *args):
        t = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(t)
        t.start()

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._spawn(self._serve, sock)

    @staticmethod
    def _read_exact(sock, n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed during the rendezvous")
            data += chunk
        return data

    def _read_frame(self, sock):
        head = self._read_exact(sock, 2)
        return head + self._read_exact(sock, (head[0] << 8) | head[1])

    def _serve(self, raw):
        engineer = relay = None
        try:
            raw.settimeout(10)
            engineer = self.outer_server.wrap_socket(raw, server_side=True)
            relay = self.outer_client.wrap_socket(socket.create_connection(self.target, timeout=10))
            relay.sendall(self._read_frame(engineer))  # Join
            while True:
                frame = self._read_frame(relay)
                engineer.sendall(frame)
                if frame[2] in (self.REFUSED, self.REDIRECT):
                    return
                if frame[2] == self.SPLICED:
                    break
            self.spliced += 1
            self._terminate_inner(engineer, relay)
        except (OSError, ssl.SSLError, ConnectionError) as e:
            self.errors.append(repr(e))
        finally:
            for s in (engineer, relay, raw):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass

    def _terminate_inner(self, engineer, relay):
        """Two inner TLS sessions over the outer streams (memory BIOs), plaintext copied between them."""
        sides = {}
        for sock, ctx, server in ((engineer, self.inner_server, True), (relay, self.inner_client, False)):
            incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
            sides[sock] = {"obj": ctx.wrap_bio(incoming, outgoing, server_side=server), "in": incoming,
                           "out": outgoing, "done": False, "plain": b""}
        other = {engineer: relay, relay: engineer}
        sel = selectors.DefaultSelector()
        for s in (engineer, relay):
            sel.register(s, selectors.EVENT_READ)
        while not self._stop.is_set():
            for sock, side in sides.items():
                self._advance(side, sides[other[sock]])
                pending = side["out"].read()
                if pending:
                    sock.sendall(pending)
            ready = [key.fileobj for key, _ in sel.select(0.2)]
            for sock in ready:
                while True:
                    data = sock.recv(65536)
                    if not data:
                        return
                    sides[sock]["in"].write(data)
                    if not sock.pending():
                        break

    def _advance(self, side, peer):
        """Handshake, then read plaintext and hand it to the peer side, then write what is queued for us."""
        obj = side["obj"]
        try:
            if not side["done"]:
                obj.do_handshake()
                side["done"] = True
            while True:
                data = obj.read(65536)
                if not data:
                    raise ConnectionError("inner TLS closed")
                peer["plain"] += data
                self.plaintext_bytes += len(data)
        except ssl.SSLWantReadError:
            pass
        if side["done"] and side["plain"]:
            obj.write(side["plain"])
            side["plain"] = b""
