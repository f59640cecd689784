"""Stands in for journald's native socket in a test's mount namespace: binds a datagram socket at argv[1]
and appends each datagram, prefixed with its 4-byte little-endian length, to argv[2]."""
import socket
import sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
with open(sys.argv[2], "ab") as out:
    while True:
        data = sock.recv(1 << 20)
        out.write(len(data).to_bytes(4, "little") + data)
        out.flush()
