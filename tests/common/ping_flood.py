#!/usr/bin/env python3
"""Pre-authentication Ping flood against elfdesk-host (issue 11), for the numbers in docs/security.md.

Opens N TLS 1.3 connections to the host, sends Ping frames as fast as the host takes them and never reads
a byte, for D seconds, while sampling the host's resident memory. Prints the peak RSS in MB.
Usage: ping_flood.py HOST_PID PORT [N=8] [SECONDS=8]
"""
import socket, ssl, struct, sys, threading, time


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def flood(port, stop, sent):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    raw = socket.create_connection(("127.0.0.1", port))
    tls = ctx.wrap_socket(raw)
    tls.settimeout(0.5)
    ping = b"".join(struct.pack(">HHIQQ", 19, 0, 16, i, 0) for i in range(1000))
    while not stop.is_set():
        try:
            tls.sendall(ping)
            sent[0] += 1000
        except (socket.timeout, ssl.SSLError, OSError):
            if stop.is_set():
                break
            time.sleep(0.01)
            try:  # the host cut us off: that is the clean failure we want
                tls.getpeername()
            except OSError:
                break


def main():
    pid, port = int(sys.argv[1]), int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 8
    stop, sent = threading.Event(), [0]
    before = rss_mb(pid)
    threads = [threading.Thread(target=flood, args=(port, stop, sent), daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    peak, end = before, time.time() + seconds
    while time.time() < end:
        peak = max(peak, rss_mb(pid))
        time.sleep(0.05)
    stop.set()
    print(f"connections={n} seconds={seconds} pings_sent={sent[0]} rss_before_mb={before:.1f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
