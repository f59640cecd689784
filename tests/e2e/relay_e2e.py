"""Helpers for the relay tests: a private PKI (a CA and the relay's certificate, made with `openssl`), the
real elfdesk-relay, elfdesk-host in relay mode, and the host's listening sockets from /proc. Standard
library only."""
import os
import re
import socket
import subprocess
import tempfile
import time

from elfdesk_e2e import BINARY_DIR, CLIENT_BIN, HOST_BIN, _Program, elfdesk, wait_until

RELAY_BIN = os.path.join(BINARY_DIR, "relay", "elfdesk-relay")
NO_SESSION = "no support session with this code: expired, already used, or mistyped?"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=30)


class Pki:
    """A throwaway CA and a relay certificate signed by it for `ips` and `names` (P-256, one day)."""

    def __init__(self, directory, ips=("127.0.0.1",), names=("localhost",)):
        self.dir = directory
        self.ca, self.ca_key = os.path.join(directory, "ca.pem"), os.path.join(directory, "ca.key")
        self.cert, self.key = os.path.join(directory, "relay.pem"), os.path.join(directory, "relay.key")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                self.ca_key, "-out", self.ca, "-days", "1", "-subj", "/CN=elfdesk test CA", cwd=directory)
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", self.key,
                "-out", "relay.csr", "-subj", "/CN=elfdesk test relay", cwd=directory)
        san = ",".join([f"IP:{ip}" for ip in ips] + [f"DNS:{n}" for n in names])
        with open(os.path.join(directory, "ext.cnf"), "w") as f:
            f.write(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        openssl("x509", "-req", "-in", "relay.csr", "-CA", self.ca, "-CAkey", self.ca_key, "-CAcreateserial",
                "-out", self.cert, "-days", "1", "-extfile", "ext.cnf", cwd=directory)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def can_connect(host, port, netns=None):
    if netns:  # from inside the namespace the relay runs in
        code = f"import socket; socket.create_connection(('{host}', {port}), timeout=1).close()"
        return subprocess.run(["ip", "netns", "exec", netns, "python3", "-c", code], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


class Relay(_Program):
    """A running elfdesk-relay (single node, in-memory directory) on host:port, with `pki`'s certificate."""

    def __init__(self, pki, port=None, host="127.0.0.1", netns=None, args=()):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-relay-")
        self.host, self.port = host, port or free_port()
        self.stderr_path = os.path.join(self.dir, "relay.err")
        cmd = [RELAY_BIN, "--listen", f"{host}:{self.port}", "--cert", pki.cert, "--key", pki.key, *args]
        if netns:
            cmd = ["ip", "netns", "exec", netns, *cmd]
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        if not wait_until(lambda: self.proc.poll() is not None or can_connect(probe_host, self.port, netns), 15) \
                or self.proc.poll() is not None:
            text = self.stderr()
            self.stop()
            raise RuntimeError("elfdesk-relay did not start:\n" + text)

    @property
    def address(self):
        return f"{self.host}:{self.port}"

    def kill(self):
        self.proc.kill()
        self.proc.wait()


class RelayHost(_Program):
    """elfdesk-host registered at a relay (no --listen): its code comes from the code file."""

    def __init__(self, relay_address, ca, *args, display=None, netns=None, env=None, wait=True):
        self.dir = tempfile.mkdtemp(prefix="elfdesk-e2e-")
        self.code_file = os.path.join(self.dir, "code.txt")
        self.audit_file = os.path.join(self.dir, "audit.jsonl")
        cmd = [HOST_BIN, "--code-file", self.code_file, "--audit-log", self.audit_file]
        if relay_address:
            cmd += ["--relay", relay_address]
        if ca:
            cmd += ["--relay-ca", ca]
        cmd += list(args)
        if display:
            cmd += ["--display", display]
        if netns:
            cmd = ["ip", "netns", "exec", netns, *cmd]
        self.stdout_path = os.path.join(self.dir, "host.out")
        self.stderr_path = os.path.join(self.dir, "host.err")
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         env=env or dict(os.environ))
        if wait and not self.wait_for_code():
            text = self.stdout() + self.stderr()
            self.stop()  # the caller never gets the object to stop it
            raise RuntimeError("elfdesk-host showed no code:\n" + text)

    def code(self):
        try:
            with open(self.code_file) as f:
                return f.read().strip() or None
        except FileNotFoundError:
            return None

    def wait_for_code(self, other_than=None, timeout=15):
        """The code file's code once it exists and differs from `other_than`; None after `timeout`."""
        return wait_until(lambda: self.proc.poll() is None and (c := self.code()) and c != other_than and c,
                          timeout)

    def stdout(self):
        with open(self.stdout_path) as f:
            return f.read()

    def audit(self):
        import json
        if not os.path.exists(self.audit_file):
            return []
        with open(self.audit_file) as f:
            return [json.loads(line) for line in f if line.strip()]

    def events(self, name, **fields):
        return [e for e in self.audit() if e["event"] == name and all(e.get(k) == v for k, v in fields.items())]


def listening_tcp_ports(pid):
    """TCP ports (v4 and v6) in LISTEN state among the sockets process `pid` holds."""
    inodes = set()
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            m = re.match(r"socket:\[(\d+)\]", os.readlink(os.path.join(fd_dir, fd)))
        except OSError:
            continue
        if m:
            inodes.add(m.group(1))
    ports = []
    for table in (f"/proc/{pid}/net/tcp", f"/proc/{pid}/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A = TCP_LISTEN
                    ports.append(int(fields[1].split(":")[1], 16))
    return ports


def engineer(command, code, relay_address, ca, *extra, netns=None, timeout=60, env=None):
    """`elfdesk COMMAND CODE --relay ... --relay-ca ...` to completion (in `netns` if given)."""
    cmd = [CLIENT_BIN, command, code]
    if relay_address:
        cmd += ["--relay", relay_address]
    if ca:
        cmd += ["--relay-ca", ca]
    cmd += list(extra)
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    return subprocess.run(cmd, timeout=timeout, env=env or dict(os.environ), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)


def screenshot(code, relay_address, ca, *extra, netns=None, timeout=60, env=None):
    """A relayed screenshot; result.png says whether a PNG was written."""
    out = tempfile.mktemp(prefix="elfdesk-shot-", suffix=".png")
    try:
        result = engineer("screenshot", code, relay_address, ca, "--out", out, *extra, netns=netns, timeout=timeout,
                          env=env)
        result.png = False
        if os.path.exists(out):
            with open(out, "rb") as f:
                result.png = f.read(8) == b"\x89PNG\r\n\x1a\n"
        return result
    finally:
        if os.path.exists(out):
            os.unlink(out)


def wrong_secret(code):
    """The same id with the secret's last digit changed."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def elapsed(start):
    return time.time() - start


class Redirector:
    """A relay node that holds no ids: it answers every Join with Redirect{target} (a "host:port" string,
    u16 length + bytes as protocol/byte_writer writes strings), serving `pki`'s certificate. Counts joins."""

    def __init__(self, pki, target):
        import ssl
        import threading
        self.target = target
        self.joins = 0
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        self.ctx.load_cert_chain(pki.cert, pki.key)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)
        self.listener.close()

    def _loop(self):
        import ssl
        while not self._stop.is_set():
            try:
                raw, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                raw.settimeout(10)
                with self.ctx.wrap_socket(raw, server_side=True) as s:
                    head = s.recv(2)
                    if len(head) == 2:
                        s.recv((head[0] << 8) | head[1])
                        self.joins += 1
                        node = self.target.encode()
                        body = bytes([8]) + len(node).to_bytes(2, "big") + node
                        s.sendall(len(body).to_bytes(2, "big") + body)
            except (OSError, ssl.SSLError):
                pass
