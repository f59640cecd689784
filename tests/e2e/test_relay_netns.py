"""Outbound only, as customers and engineers really sit: the customer's host in a network namespace behind a
masquerading router namespace, the engineer behind another one, the relay in a third namespace ("the
internet"). Neither private network is reachable from outside, so a direct connection between the two fails
both ways, and a session with the code alone works through the relay. The namespaces are made and removed
here (needs root: CI runs as root)."""
import os
import shutil
import subprocess
import tempfile
import unittest

from elfdesk_e2e import wait_until
from relay_e2e import RELAY_BIN, Pki, Relay, RelayHost, screenshot

CUSTOMER_NET, ENGINEER_NET = "10.71.1", "10.71.2"         # private, behind the routers
CUSTOMER_WAN, ENGINEER_WAN = "198.18.71", "198.18.72"     # the routers' links to the relay
RELAY_PORT = 7500


def sh(*cmd):
    subprocess.run(list(cmd), check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)


def in_ns(ns, *cmd):
    sh("ip", "netns", "exec", ns, *cmd)


def connects(ns, host, port, timeout=2):
    code = f"import socket; socket.create_connection(('{host}', {port}), timeout={timeout}).close()"
    return subprocess.run(["ip", "netns", "exec", ns, "python3", "-c", code], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=30).returncode == 0


@unittest.skipUnless(os.geteuid() == 0, "network namespaces need root (CI runs as root)")
@unittest.skipUnless(shutil.which("ip") and shutil.which("iptables"), "needs iproute2 and iptables")
@unittest.skipUnless(os.path.exists(RELAY_BIN), "elfdesk-relay is not built (relay/ is not merged)")
class OutboundOnlyTest(unittest.TestCase):
    def setUp(self):
        tag = str(os.getpid() % 100000)
        self.ns = {role: f"ed-{role}-{tag}" for role in ("cust", "rta", "eng", "rtb", "relay")}
        for name in self.ns.values():
            sh("ip", "netns", "add", name)
            self.addCleanup(subprocess.run, ["ip", "netns", "del", name], stderr=subprocess.DEVNULL)
            in_ns(name, "ip", "link", "set", "lo", "up")
        n = self.ns
        self.link(n["cust"], "c0", f"{CUSTOMER_NET}.2", n["rta"], "a0", f"{CUSTOMER_NET}.1")
        self.link(n["rta"], "a1", f"{CUSTOMER_WAN}.1", n["relay"], "r1", f"{CUSTOMER_WAN}.2")
        self.link(n["eng"], "e0", f"{ENGINEER_NET}.2", n["rtb"], "b0", f"{ENGINEER_NET}.1")
        self.link(n["rtb"], "b1", f"{ENGINEER_WAN}.1", n["relay"], "r2", f"{ENGINEER_WAN}.2")
        in_ns(n["cust"], "ip", "route", "add", "default", "via", f"{CUSTOMER_NET}.1")
        in_ns(n["eng"], "ip", "route", "add", "default", "via", f"{ENGINEER_NET}.1")
        # Home routers: forward out, masquerade, and let nothing new in from outside.
        for router, wan in ((n["rta"], "a1"), (n["rtb"], "b1")):
            in_ns(router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            in_ns(router, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", wan, "-j", "MASQUERADE")
            in_ns(router, "iptables", "-A", "FORWARD", "-i", wan, "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP")
        self.dir = tempfile.mkdtemp(prefix="elfdesk-netns-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        # One certificate for both addresses the relay is known by.
        self.pki = Pki(self.dir, ips=(f"{CUSTOMER_WAN}.2", f"{ENGINEER_WAN}.2"), names=())

    def link(self, ns_a, if_a, ip_a, ns_b, if_b, ip_b):
        sh("ip", "-n", ns_a, "link", "add", if_a, "type", "veth", "peer", "name", if_b, "netns", ns_b)
        in_ns(ns_a, "ip", "addr", "add", f"{ip_a}/24", "dev", if_a)
        in_ns(ns_b, "ip", "addr", "add", f"{ip_b}/24", "dev", if_b)
        in_ns(ns_a, "ip", "link", "set", if_a, "up")
        in_ns(ns_b, "ip", "link", "set", if_b, "up")

    def test_customer_and_engineer_meet_only_through_the_relay(self):
        n = self.ns
        # A listener on each private network: neither side can reach the other's directly.
        listeners = []
        for ns, ip in ((n["cust"], f"{CUSTOMER_NET}.2"), (n["eng"], f"{ENGINEER_NET}.2")):
            code = f"import socket,time; s=socket.socket(); s.bind(('{ip}', 7417)); s.listen(); time.sleep(60)"
            listeners.append(subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c", code]))
        for proc in listeners:
            self.addCleanup(proc.wait)
            self.addCleanup(proc.kill)
        for ns, ip in ((n["cust"], f"{CUSTOMER_NET}.2"), (n["eng"], f"{ENGINEER_NET}.2")):  # each reaches its own
            self.assertTrue(wait_until(lambda: connects(ns, ip, 7417), 10), f"the listener in {ns} must work")
        self.assertFalse(connects(n["eng"], f"{CUSTOMER_NET}.2", 7417), "engineer -> customer must fail")
        self.assertFalse(connects(n["cust"], f"{ENGINEER_NET}.2", 7417), "customer -> engineer must fail")
        self.assertFalse(connects(n["eng"], f"{CUSTOMER_WAN}.1", 7417), "nothing is forwarded into the customer")
        # Both reach the relay (outbound, masqueraded); the session runs through it with the code alone.
        relay = Relay(self.pki, port=RELAY_PORT, host="0.0.0.0", netns=n["relay"])
        self.addCleanup(relay.stop)
        host = RelayHost(f"{CUSTOMER_WAN}.2:{RELAY_PORT}", self.pki.ca, "--fake-screen", "--consent", "accept",
                         "--ui", "none", netns=n["cust"])
        self.addCleanup(host.stop)
        result = screenshot(host.code(), f"{ENGINEER_WAN}.2:{RELAY_PORT}", self.pki.ca, netns=n["eng"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.png)
        starts = host.events("session_start")
        self.assertEqual(len(starts), 1, host.audit())


if __name__ == "__main__":
    unittest.main()
