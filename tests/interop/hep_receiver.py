#!/usr/bin/env python3
"""A HEP3 capture server for the interop tests: receives COUNT datagrams on
127.0.0.1:PORT (for at most 30 s), decodes each (header, chunks) into one
JSON line in OUT.jsonl, and writes the datagrams as they arrived to OUT.pcap
(Ethernet/IPv4/UDP to PORT), so that other tools can read them too.

usage: hep_receiver.py PORT COUNT OUT   (prints "ready" once bound)
"""
import json
import socket
import struct
import sys
import time

port, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))
sock.settimeout(1.0)
print("ready", flush=True)


def decode(packet):
    if packet[:4] != b"HEP3":
        return {"error": "no HEP3 header"}
    total = struct.unpack("!H", packet[4:6])[0]
    if total != len(packet):
        return {"error": "length %d of a %d-octet packet" % (total, len(packet))}
    chunks, at = {}, 6
    while at < len(packet):
        vendor, kind, length = struct.unpack("!HHH", packet[at:at + 6])
        if vendor != 0 or length < 6 or at + length > len(packet):
            return {"error": "bad chunk at %d" % at}
        chunks[kind] = packet[at + 6:at + length]
        at += length
    value = {}
    for kind, data in chunks.items():
        if kind in (1, 2, 11):
            value[kind] = data[0]
        elif kind in (7, 8):
            value[kind] = struct.unpack("!H", data)[0]
        elif kind in (9, 10, 12):
            value[kind] = struct.unpack("!I", data)[0]
        elif kind in (3, 4):
            value[kind] = socket.inet_ntop(socket.AF_INET, data)
        elif kind in (5, 6):
            value[kind] = socket.inet_ntop(socket.AF_INET6, data)
        else:
            value[kind] = data.decode("utf-8", "replace")
    return {"chunks": value}


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(payload, sport, dport):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    src = dst = socket.inet_aton("127.0.0.1")
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\0" * 12 + b"\x08\x00" + ip + udp


deadline = time.time() + 30
received = 0
with open(out + ".jsonl", "w") as lines, open(out + ".pcap", "wb") as pcap:
    pcap.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    while received < count and time.time() < deadline:
        try:
            packet, source = sock.recvfrom(70000)
        except socket.timeout:
            continue
        now = time.time()
        data = frame(packet, source[1], port)
        pcap.write(struct.pack("<IIII", int(now), int(now % 1 * 1e6), len(data), len(data)))
        pcap.write(data)
        lines.write(json.dumps(decode(packet)) + "\n")
        lines.flush()
        received += 1
sys.exit(0 if received == count else 1)
