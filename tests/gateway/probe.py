#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Send one TCP SYN with a chosen TSval and report the answer (test gateway).

Usage: probe.py --dst A [--port N] [--tsval HEX] [--layout linux|odd|nopnop]
                [--bad-csum] [--timeout S]

--tsval is the four TSval bytes as they go on the wire, in hex ("4E535047").
The SYN goes out through a raw IPPROTO_TCP socket (the kernel writes the IP
header, the TCP header and checksum are ours); the same socket sees the
answer.  Prints one JSON object:
  {"answered": true, "flags": "SA", "tsecr": "4D535047", "tsval_sent": ...}
and exits 0 when a SYN-ACK came back, 1 when none did before the timeout,
64 on a usage error.  Run it inside a test namespace: it sends to --dst only.
"""
import argparse
import json
import random
import socket
import struct
import sys
import time

TCP_SYN, TCP_RST, TCP_ACK = 0x02, 0x04, 0x10

# Options before and after the timestamps option, per layout: (head, tail).
# linux: MSS, SACK_PERM, TS, NOP, WS  (TSval at TCP offset 28, as Linux sends)
# odd:   MSS, NOP, TS, NOP            (TSval at TCP offset 27: odd)
# nopnop: NOP, NOP, TS                (TSval at TCP offset 24)
LAYOUTS = {
    "linux": (b"\x02\x04\x05\xb4" + b"\x04\x02", b"\x01" + b"\x03\x03\x07"),
    "odd": (b"\x02\x04\x05\xb4" + b"\x01", b"\x01"),
    "nopnop": (b"\x01\x01", b""),
}


def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def source_addr_for(dst):
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect((dst, 9))
        return probe.getsockname()[0]
    finally:
        probe.close()


def build_syn(src, dst, sport, dport, tsval, layout, bad_csum):
    head, tail = LAYOUTS[layout]
    options = head + b"\x08\x0a" + tsval + b"\x00\x00\x00\x00" + tail
    if len(options) % 4:
        raise ValueError("layout %s: options not a multiple of 4" % layout)
    doff = (20 + len(options)) // 4
    seq = random.getrandbits(32)
    header = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, doff << 4, TCP_SYN,
                         64240, 0, 0) + options
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, socket.IPPROTO_TCP, len(header))
    csum = checksum(pseudo + header)
    if bad_csum:
        csum ^= 0x5A5A
    return header[:16] + struct.pack("!H", csum) + header[18:]


def parse_tsecr(tcp):
    """TSecr bytes of a TCP header's timestamps option, or None."""
    doff = (tcp[12] >> 4) * 4
    opts, i = tcp[20:doff], 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        if kind == 8 and opts[i + 1] == 10 and i + 10 <= len(opts):
            return opts[i + 6:i + 10]
        i += opts[i + 1]
    return None


def flag_names(flags):
    return "".join(n for bit, n in ((TCP_SYN, "S"), (TCP_ACK, "A"), (TCP_RST, "R"))
                   if flags & bit)


def wait_answer(sock, dst, sport, dport, deadline):
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            pkt, addr = sock.recvfrom(65535)
        except socket.timeout:
            return None
        if addr[0] != dst:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        tcp = pkt[ihl:]
        if len(tcp) < 20:
            continue
        src_port, dst_port = struct.unpack("!HH", tcp[:4])
        if src_port == dport and dst_port == sport:
            return tcp


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=10086)
    ap.add_argument("--tsval", default="4E535047")
    ap.add_argument("--layout", choices=sorted(LAYOUTS), default="linux")
    ap.add_argument("--bad-csum", action="store_true")
    ap.add_argument("--timeout", type=float, default=2.0)
    try:
        args = ap.parse_args()
        tsval = bytes.fromhex(args.tsval)
        if len(tsval) != 4:
            raise ValueError("--tsval: want 4 bytes of hex")
        socket.inet_aton(args.dst)
    except (ValueError, OSError) as e:
        print("probe.py: %s" % e, file=sys.stderr)
        return 64
    except SystemExit as e:
        return 64 if e.code else 0

    src = source_addr_for(args.dst)
    sport = random.randint(32768, 60999)
    syn = build_syn(src, args.dst, sport, args.port, tsval, args.layout, args.bad_csum)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    try:
        sock.sendto(syn, (args.dst, 0))
        tcp = wait_answer(sock, args.dst, sport, args.port,
                          time.monotonic() + args.timeout)
    finally:
        sock.close()
    result = {"answered": False, "tsval_sent": tsval.hex().upper(), "sport": sport}
    if tcp is not None:
        tsecr = parse_tsecr(tcp)
        result.update(flags=flag_names(tcp[13]),
                      tsecr=tsecr.hex().upper() if tsecr is not None else None)
        result["answered"] = tcp[13] & (TCP_SYN | TCP_ACK) == TCP_SYN | TCP_ACK
    print(json.dumps(result))
    return 0 if result["answered"] else 1


if __name__ == "__main__":
    sys.exit(main())
