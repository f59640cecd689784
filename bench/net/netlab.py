#!/usr/bin/env python3
"""Emulated network links for the benchmark and the tests (issue 13): three network namespaces, host -- router
-- viewer, joined by veth pairs. In the router every packet passes a userspace delay line (elfdesk_delay_line
on a TUN device: the one-way delay, since these kernels have no netem) and then a tbf qdisc on the egress
towards its destination (the link rate and the bottleneck queue, dropping when the queue overflows).
Runs as root. Standard library only. See bench/net/README.md for the topology and why it is built this way.

    with NetLab("mobile", binary_dir="build/release") as lab:
        lab.popen("host", ["elfdesk-host", "--listen", f"{lab.host_ip}:0", ...])
        lab.run_in("viewer", ["elfdesk", "view", ...])
        lab.link_down(); ...; lab.link_up()

Command line: netlab.py check PROFILE (measures RTT and rate), up PROFILE (holds until Ctrl-C), cleanup.
"""
import argparse
import atexit
import ctypes
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PREFIX = "edn"  # every namespace a NetLab makes is edn<pid>x<n>-<role>; cleanup_stale() knows them by it
HOST_NET, VIEWER_NET = "10.77.1", "10.77.2"
ROUTE_TABLE = 77


@dataclasses.dataclass(frozen=True)
class Profile:
    """A link. rtt_ms is what the delay line adds, half in each direction; the measured RTT is this plus
    ~0.1-0.3 ms of forwarding, plus the serialisation of a packet at the link rate, plus any queue."""
    name: str
    down_kbit: int       # host -> viewer (the screen stream)
    up_kbit: int         # viewer -> host (input, acknowledgements)
    rtt_ms: float
    queue_ms: float      # the bottleneck queue (tbf limit) in ms at the link's rate, per direction

    @property
    def one_way_ms(self):
        return self.rtt_ms / 2

    def queue_bytes(self, kbit):
        return max(4 * 1514, int(kbit * 1000 / 8 * self.queue_ms / 1000))

    @staticmethod
    def burst_bytes(kbit):
        # The token bucket: one ms of the rate, at least two full packets (tbf needs >= one MTU).
        return max(2 * 1514, int(kbit * 1000 / 8 / 1000))


PROFILES = {p.name: p for p in (
    Profile("lan", 1_000_000, 1_000_000, 1.0, 2.0),      # 0.5 ms one way; a switch's small buffer
    Profile("home", 20_000, 5_000, 40.0, 100.0),         # DSL/cable: a deep (bufferbloated) modem queue
    Profile("mobile", 3_000, 1_000, 120.0, 40.0),        # tethering: shallow queue, drops early
    Profile("poor", 1_000, 1_000, 300.0, 200.0),         # a bad hotel / satellite-ish link
    Profile("far", 20_000, 5_000, 120.0, 100.0),         # home's rates over mobile's RTT (a VPN across an
                                                         # ocean): tells the RTT's effects from the rate's
)}

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def sh(*cmd, check=True):
    out = subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {out.stderr.strip()}")
    return out.stdout


def available():
    """None when NetLab can run here, else why not (for skipping tests with a clear reason)."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun for the delay line"
    try:
        name = f"{PREFIX}{os.getpid()}probe"
        sh("ip", "netns", "add", name)
        sh("ip", "netns", "del", name)
        sh("tc", "qdisc", "help", check=False)
    except (RuntimeError, FileNotFoundError, subprocess.TimeoutExpired) as e:
        return f"cannot create network namespaces: {e}"
    return None


def find_delay_line(binary_dir=None):
    dirs = [binary_dir, os.environ.get("ELFDESK_BINARY_DIR"), os.path.join(ROOT, "build", "release")]
    for d in dirs:
        if d:
            path = os.path.join(os.path.abspath(d), "bench", "net", "elfdesk_delay_line")
            if os.path.exists(path):
                return path
    return None


def cleanup_stale():
    """Removes namespaces left by NetLabs whose process is gone (killed by a CTest timeout, say)."""
    for line in sh("ip", "netns", "list", check=False).splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(PREFIX) or "x" not in name:
            continue
        pid = name[len(PREFIX):].split("x", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # still running: its own NetLab removes it
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        sh("ip", "netns", "del", name, check=False)


class NetLab:
    """host -- router -- viewer. host_ip / viewer_ip are the two ends; the viewer's access link (router side)
    is the one link_down() takes down. Everything made here is removed by close(), also after exceptions,
    and at interpreter exit."""
    _count = 0

    def __init__(self, profile, binary_dir=None, delay_line=None):
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.delay_line_bin = delay_line or find_delay_line(binary_dir)
        if not self.delay_line_bin:
            raise RuntimeError("elfdesk_delay_line is not built (target elfdesk_delay_line, bench/net)")
        NetLab._count += 1
        tag = f"{PREFIX}{os.getpid()}x{NetLab._count}"
        self.ns = {role: f"{tag}-{role}" for role in ("host", "router", "viewer")}
        self.host_ip, self.viewer_ip = f"{HOST_NET}.1", f"{VIEWER_NET}.1"
        self.procs = []
        self.delay = None
        self.closed = True

    # ------------------------------------------------------------------------------------ life cycle
    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def open(self):
        cleanup_stale()
        self.closed = False
        atexit.register(self.close)
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        if self.closed:
            return
        self.closed = True
        for p in reversed(self.procs + ([self.delay] if self.delay else [])):
            stop_process(p)
        self.procs = []
        if self.delay is not None:  # its exit line: forwarded / dropped packets, the most held at once
            self.delay_stats = self.delay.stdout.read().strip()
            self.delay.stdout.close()
            self.delay.stderr.close()
            self.delay = None
        for name in self.ns.values():
            sh("ip", "netns", "del", name, check=False)
        try:
            atexit.unregister(self.close)
        except Exception:
            pass

    def _build(self):
        n, p = self.ns, self.profile
        for name in n.values():
            sh("ip", "netns", "add", name)
            sh("ip", "-n", name, "link", "set", "lo", "up")
        self._veth(n["host"], "h0", f"{HOST_NET}.1", n["router"], "rh", f"{HOST_NET}.2")
        self._veth(n["viewer"], "v0", f"{VIEWER_NET}.1", n["router"], "rv", f"{VIEWER_NET}.2")
        sh("ip", "-n", n["host"], "route", "add", "default", "via", f"{HOST_NET}.2")
        sh("ip", "-n", n["viewer"], "route", "add", "default", "via", f"{VIEWER_NET}.2")
        r = n["router"]
        for key in ("net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"):
            self.run_in("router", ["sysctl", "-qw", key], check=True)
        # The delay line owns the TUN device dl0; wait until it exists.
        self.delay = subprocess.Popen(["ip", "netns", "exec", r, self.delay_line_bin, "--tun", "dl0",
                                       "--delay-us", str(int(p.one_way_ms * 1000))],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      start_new_session=True)
        if self.delay.stdout.readline().strip() != "ready":
            raise RuntimeError(f"elfdesk_delay_line did not start: {self.delay.stderr.read().strip()}")
        sh("ip", "-n", r, "link", "set", "dl0", "mtu", "1500", "up")
        self.run_in("router", ["sysctl", "-qw", "net.ipv4.conf.dl0.rp_filter=0"], check=True)
        # Whatever arrives from either end goes into the delay line first; what comes out of it is routed
        # by destination (main table) to the egress tbf of the link towards that end.
        for dev in ("rh", "rv"):
            sh("ip", "-n", r, "rule", "add", "iif", dev, "lookup", str(ROUTE_TABLE), "pref", "100")
        sh("ip", "-n", r, "route", "add", "default", "dev", "dl0", "table", str(ROUTE_TABLE))
        # With a link down its connected route is gone: these make the router drop silently, as a pulled
        # cable does, instead of answering "unreachable".
        for net in (HOST_NET, VIEWER_NET):
            sh("ip", "-n", r, "route", "add", "blackhole", f"{net}.0/24", "metric", "100")
        self._shape("rv", p.down_kbit)
        self._shape("rh", p.up_kbit)

    def _veth(self, ns_a, if_a, ip_a, ns_b, if_b, ip_b):
        sh("ip", "-n", ns_a, "link", "add", if_a, "type", "veth", "peer", "name", if_b, "netns", ns_b)
        for ns, dev, ip in ((ns_a, if_a, ip_a), (ns_b, if_b, ip_b)):
            sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")

    def _shape(self, dev, kbit):
        p = self.profile
        sh("tc", "-n", self.ns["router"], "qdisc", "replace", "dev", dev, "root", "tbf", "rate", f"{kbit}kbit",
           "burst", str(p.burst_bytes(kbit)), "limit", str(p.queue_bytes(kbit)))

    # ------------------------------------------------------------------------------------ running things
    def cmd(self, role, argv):
        return ["ip", "netns", "exec", self.ns[role], *argv]

    def run_in(self, role, argv, check=False, timeout=60, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        return subprocess.run(self.cmd(role, argv), check=check, timeout=timeout, **kw)

    def popen(self, role, argv, **kw):
        """A process in the namespace (its own session), stopped by close() if still running."""
        p = subprocess.Popen(self.cmd(role, argv), start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def in_ns(self, role, fn):
        """Runs fn() on a thread that joined the namespace (setns is per thread); returns its result. Sockets
        made there stay in that namespace whichever thread uses them later."""
        result = {}

        def body():
            try:
                with open(f"/var/run/netns/{self.ns[role]}") as f:
                    if _libc.setns(f.fileno(), CLONE_NEWNET) != 0:
                        raise OSError(ctypes.get_errno(), "setns")
                result["value"] = fn()
            except BaseException as e:  # handed to the caller
                result["error"] = e

        t = threading.Thread(target=body)
        t.start()
        t.join()
        if "error" in result:
            raise result["error"]
        return result["value"]

    def socket(self, role, *args):
        return self.in_ns(role, lambda: socket.socket(*args))

    # ------------------------------------------------------------------------------------ the link
    def link_down(self):
        """The viewer's cable pulled: its access link is down; nothing passes either way, silently."""
        sh("ip", "-n", self.ns["router"], "link", "set", "rv", "down")

    def link_up(self):
        sh("ip", "-n", self.ns["router"], "link", "set", "rv", "up")
        self._shape("rv", self.profile.down_kbit)

    def counters(self):
        """Bytes that crossed the links so far: (down, up) = delivered to the viewer / to the host, IP packets
        with their headers and retransmissions (what the link carried)."""
        return self._tx_bytes("rv"), self._tx_bytes("rh")

    def _tx_bytes(self, dev):
        info = json.loads(sh("ip", "-n", self.ns["router"], "-s", "-j", "link", "show", "dev", dev))
        return info[0]["stats64"]["tx"]["bytes"]

    def queue(self, dev="rv"):
        """The bottleneck queue now: dict(backlog bytes, drops so far, sent bytes)."""
        info = json.loads(sh("tc", "-n", self.ns["router"], "-s", "-j", "qdisc", "show", "dev", dev))
        q = next(x for x in info if x.get("kind") == "tbf")
        return dict(backlog=q.get("backlog", 0), drops=q.get("drops", 0), sent=q.get("bytes", 0))


class QueueWatch:
    """Samples the downstream bottleneck queue every interval on a thread: how deep it stands, and drops."""

    def __init__(self, lab, interval=0.1):
        self.lab, self.interval = lab, interval
        self.samples = []
        self.stop_flag = threading.Event()
        self.first = lab.queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop_flag.wait(self.interval):
            try:
                self.samples.append(self.lab.queue()["backlog"])
            except (RuntimeError, ValueError, StopIteration, subprocess.TimeoutExpired):
                return

    def stop(self):
        self.stop_flag.set()
        self.thread.join()
        last = self.lab.queue()
        s = sorted(self.samples) or [0]
        kbit = self.lab.profile.down_kbit
        ms = lambda b: b * 8 / kbit  # bytes in the queue -> ms to drain at the link rate
        return dict(queue_p50_ms=ms(s[len(s) // 2]), queue_max_ms=ms(s[-1]), drops=last["drops"] - self.first["drops"])


def stop_process(p, sig=signal.SIGTERM):
    if p.poll() is None:
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


# ---------------------------------------------------------------------------------------- command line
def check(lab, seconds=3.0):
    """Measures the emulated link: TCP handshake RTT, and during a bulk transfer each way the rate the
    bottleneck sent at (its own byte counter: IP packets with headers) and the TCP goodput the receiver got.
    Goodput over a window of a few RTTs is noisy: a drop holds everything behind it at the receiver until
    the retransmission comes an RTT later, and then it all arrives at once."""
    listener = lab.socket("host")
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((lab.host_ip, 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    rtts = []
    for _ in range(5):
        c = lab.socket("viewer")
        t0 = time.monotonic()
        c.connect((lab.host_ip, port))
        rtts.append((time.monotonic() - t0) * 1000)
        listener.accept()[0].close()
        c.close()
    result = dict(profile=lab.profile.name, rtt_ms=sorted(rtts)[2])
    for direction, dev in (("down", "rv"), ("up", "rh")):
        c = lab.socket("viewer")
        c.connect((lab.host_ip, port))
        s = listener.accept()[0]
        sender, receiver = (s, c) if direction == "down" else (c, s)
        received = [0]
        receiver.settimeout(0.2)
        t0 = time.monotonic()

        def drain():
            while time.monotonic() - t0 < seconds:
                try:
                    received[0] += len(receiver.recv(1 << 20))
                except socket.timeout:
                    pass

        t = threading.Thread(target=drain)
        t.start()
        chunk = b"x" * 65536
        link_start = None
        while time.monotonic() - t0 < seconds:
            sender.send(chunk)
            if link_start is None and time.monotonic() - t0 > seconds / 3:  # past slow start
                link_start = (time.monotonic(), lab.queue(dev)["sent"])
        link_rate = (lab.queue(dev)["sent"] - link_start[1]) * 8 / 1000 / (time.monotonic() - link_start[0])
        t.join()
        receiver.close()  # before the sender: what is still queued is dropped, not drained at the link rate
        sender.close()
        result[f"{direction}_kbit"] = round(link_rate)
        result[f"{direction}_goodput_kbit"] = round(received[0] * 8 / 1000 / seconds)
    listener.close()
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=["check", "up", "cleanup"])
    p.add_argument("profile", nargs="?", default="mobile", choices=sorted(PROFILES))
    p.add_argument("--build", help="build directory holding bench/net/elfdesk_delay_line")
    args = p.parse_args()
    if args.action == "cleanup":
        cleanup_stale()
        return 0
    with NetLab(args.profile, binary_dir=args.build) as lab:
        if args.action == "check":
            print(json.dumps(dict(check(lab), profile_def=dataclasses.asdict(lab.profile), queue=lab.queue())))
        else:
            print(f"namespaces {lab.ns}; host {lab.host_ip}, viewer {lab.viewer_ip}; Ctrl-C removes them", flush=True)
            try:
                signal.pause()
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
