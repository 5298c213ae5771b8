#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpus of fuzz-probe-decode into corpus/decode/.

The seeds are the packets the helper meets: echo replies and ICMP errors
quoting each kind of probe, with and without their IPv4 header, and RFC 4884
MPLS extensions in both layouts.  Run it again after changing it; the files
it writes are kept in the tree so the fuzzers need no Python.
"""

import ipaddress
import os
import struct

US_4, TARGET_4, ROUTER_4 = "192.0.2.10", "203.0.113.7", "198.51.100.1"
US_6, TARGET_6 = "2001:db8::10", "2001:db8:7::7"
ICMP, TCP, UDP, ICMPV6, SCTP = 1, 6, 17, 58, 132


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip4(protocol, ttl, source, destination, payload):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x4242,
                         0, ttl, protocol, 0,
                         ipaddress.IPv4Address(source).packed,
                         ipaddress.IPv4Address(destination).packed)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def ip6(next_header, source, destination, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), next_header,
                       1, ipaddress.IPv6Address(source).packed,
                       ipaddress.IPv6Address(destination).packed) + payload


def transport(protocol):
    if protocol == UDP:
        return struct.pack("!HHHH", 33000, 33434, 36, 0xBEEF) + b"\xa5" * 28
    if protocol == TCP:
        return struct.pack("!HHIIBBHHH", 33000, 80, 0x11223344, 0, 0x50, 2,
                           64240, 0, 0)
    if protocol == SCTP:
        return struct.pack("!HHII", 33000, 33434, 0xCAFEF00D, 0) + b"\0" * 16
    echo_type = 8 if protocol == ICMP else 128
    return struct.pack("!BBHHH", echo_type, 0, 0, 0x1234, 7) + b"\xa5" * 28


def probe4(protocol):
    return ip4(protocol, 1, US_4, TARGET_4, transport(protocol))


def probe6(protocol):
    return ip6(protocol, US_6, TARGET_6, transport(protocol))


def mpls_extension(labels, good=True):
    entries = b"".join(struct.pack("!I", label << 12 | tc << 9 | s << 8 | ttl)
                       for label, tc, s, ttl in labels)
    objects = struct.pack("!HBB", 4 + len(entries), 1, 1) + entries
    total = checksum(struct.pack("!BBH", 0x20, 0, 0) + objects)
    if not good:
        total ^= 0x0101
    return struct.pack("!BBH", 0x20, 0, total) + objects


LABELS = [(0x12345, 3, 0, 254), (16, 0, 1, 1)]


def icmp(kind, code, rest, body):
    return struct.pack("!BBH", kind, code, 0) + rest + body


def with_extensions(quote, unit, layout, good=True):
    """Returns (bytes 4-7 length fields, body) for an RFC 4884 layout."""
    padded = quote + b"\0" * (128 - len(quote))
    body = padded + mpls_extension(LABELS, good)
    length = 128 // unit if layout == "rfc4884" else 0
    return length, body


def main():
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "corpus", "decode")
    os.makedirs(folder, exist_ok=True)
    seeds = {}

    echo = icmp(0, 0, struct.pack("!HH", 0x1234, 7), b"\xa5" * 36)
    seeds["icmp4-echo-reply-raw"] = ip4(ICMP, 61, TARGET_4, US_4, echo)
    seeds["icmp4-echo-reply"] = echo
    for name, protocol in (("udp", UDP), ("tcp", TCP), ("icmp", ICMP),
                           ("sctp", SCTP)):
        error = icmp(11, 0, b"\0" * 4, probe4(protocol))
        seeds["icmp4-time-exceeded-" + name + "-raw"] = ip4(
            ICMP, 62, ROUTER_4, US_4, error)
        seeds["icmp4-time-exceeded-" + name] = error
    seeds["icmp4-frag-needed"] = ip4(ICMP, 62, ROUTER_4, US_4, icmp(
        3, 4, struct.pack("!HH", 0, 1400), probe4(UDP)))
    seeds["icmp4-port-unreachable"] = icmp(3, 3, b"\0" * 4, probe4(UDP))
    for layout in ("rfc4884", "compatible"):
        length, body = with_extensions(probe4(UDP), 4, layout)
        seeds["icmp4-mpls-" + layout + "-raw"] = ip4(
            ICMP, 62, ROUTER_4, US_4,
            icmp(11, 0, struct.pack("!BBH", 0, length, 0), body))
    length, body = with_extensions(probe4(TCP), 4, "rfc4884", good=False)
    seeds["icmp4-mpls-bad-checksum"] = icmp(
        11, 0, struct.pack("!BBH", 0, length, 0), body)

    seeds["icmp6-echo-reply"] = icmp(129, 0, struct.pack("!HH", 0x1234, 7),
                                     b"\xa5" * 36)
    for name, protocol in (("udp", UDP), ("tcp", TCP), ("icmp", ICMPV6),
                           ("sctp", SCTP)):
        seeds["icmp6-time-exceeded-" + name] = icmp(3, 0, b"\0" * 4,
                                                    probe6(protocol))
    seeds["icmp6-packet-too-big"] = icmp(2, 0, struct.pack("!I", 1280),
                                         probe6(UDP))
    seeds["icmp6-unreachable"] = icmp(1, 4, b"\0" * 4, probe6(UDP))
    for layout in ("rfc4884", "compatible"):
        length, body = with_extensions(probe6(UDP), 8, layout)
        seeds["icmp6-mpls-" + layout] = icmp(
            3, 0, struct.pack("!BBH", length, 0, 0), body)

    seeds["mpls-extension"] = mpls_extension(LABELS)
    seeds["quote-ip4-udp"] = probe4(UDP)
    seeds["quote-ip6-tcp"] = probe6(TCP)

    for name, data in sorted(seeds.items()):
        with open(os.path.join(folder, name), "wb") as seed:
            seed.write(data)
    print("wrote %d seeds to %s" % (len(seeds), folder))


if __name__ == "__main__":
    main()
