#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""hopscope-probe sending real packets along the two test networks.

On a chain of network namespaces (real kernel routers) and on the simulated
path (a TUN device answering as each hop would), over IPv4 and IPv6 with
ICMP, UDP and TCP, the helper must name the right address at every
time-to-live and the target's reply, report silence as no-reply when the
timeout says, decode MPLS labels exactly, measure round trips to within
half a millisecond of the simulated delays, see loss where the chain drops
packets, see every router of an ECMP hop across flows, and report the MTU
of a link that a probe is too big for.

The chain is probed twice: by the helper as root (raw sockets) and by the
helper started by the existing user nobody (datagram sockets).

Runs as root, in under two minutes.  It creates the namespaces
hs-probing-c, hs-probing-r1..4, hs-probing-t and hs-probing-sim and a
temporary hs-probing-* folder, and removes them at the end, even on
failure.
"""

import os
import statistics
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402

PREFIX = "hs-probing"
HELPER = os.environ["HOPSCOPE_PROBE"]

PROTOCOLS = ("icmp", "udp", "tcp")
FAMILIES = (4, 6)

# How long a reply may take beyond what the path itself takes.
MARGIN = 5.0

# The simulated path.  Delays are round-trip times in milliseconds, chosen
# with fractions so that a measurement that ignores them shows.
SIM_TARGET = ("198.51.100.20", "2001:db8:2::20", 12.25)
SIM_HOPS = [
    # (IPv4, IPv6, delay, more settings)
    ("203.0.113.1", "2001:db8:3::1", 1.5, ""),
    ("203.0.113.2", "2001:db8:3::2", 3.25, "mpls 16005/0/1/1"),
    ("203.0.113.3", "2001:db8:3::3", 4.0, "silent"),
    ("203.0.113.4", "2001:db8:3::4", 6.5,
     "ecmp 203.0.113.41 2001:db8:3::41 ecmp 203.0.113.42 2001:db8:3::42"),
    ("203.0.113.5", "2001:db8:3::5", 8.75,
     "mpls 24001/5/0/254,16/0/1/253"),
    ("203.0.113.6", "2001:db8:3::6", 10.0, "mtu 1400"),
]
SIM_SILENT_TTL = 3
SIM_ECMP_TTL = 4
SIM_ECMP_ROUTERS = {
    4: {"203.0.113.4", "203.0.113.41", "203.0.113.42"},
    6: {"2001:db8:3::4", "2001:db8:3::41", "2001:db8:3::42"},
}
# The labels as the configuration gives them, and as a reply must write
# them: label, traffic class, bottom of stack, time-to-live.
SIM_MPLS = {
    2: "16005,0,1,1",
    5: "24001,5,0,254,16,0,1,253",
}
SIM_MTU_TTL = 6
SIM_MTU = 1400
SIM_OPEN_PORT = 80
SIM_CLOSED_PORT = 81
SIM_CONFIG = "".join(
    [f"target {SIM_TARGET[0]} {SIM_TARGET[1]} delay {SIM_TARGET[2]}\n"]
    + [f"hop {k} {v4} {v6} delay {delay} {more}\n"
       for k, (v4, v6, delay, more) in enumerate(SIM_HOPS, 1)]
    + [f"tcp-open {SIM_OPEN_PORT}\n"])

# A destination of its own for the MTU test, so that what the kernel learns
# about the path's MTU from it touches no other test's target.
SIM_MTU_DESTINATION = {4: "198.51.100.21", 6: "2001:db8:2::21"}

CHAIN_ROUTERS = 4
# Addresses no router of the chain has a route to.
CHAIN_NOWHERE = {4: "192.0.2.99", 6: "2001:db8:99::1"}
CHAIN_OPEN_PORT = 8080
CHAIN_CLOSED_PORT = 8081
CHAIN_LOSSY_ROUTER = 2
CHAIN_LOSS_PERCENT = 50
LOSS_PROBES = 100

# The user the unprivileged helper runs as; it exists on every Debian
# system, so the test creates no user of its own.
NOBODY = 65534


def target_args(family, address):
    return {f"ip_{family}": address}


def rtt_of(reply):
    return int(reply["args"]["round-trip-time"])


def setUpModule():
    hsnet.require_root()
    hsnet.cleanup_stale(PREFIX)


chain = None


def shared_chain():
    """The chain, built once for the classes that use it."""
    global chain

    if chain is None:
        net = hsnet.NamespaceChain(PREFIX, routers=CHAIN_ROUTERS)
        unittest.addModuleCleanup(net.close)
        net.__enter__()
        net.tcp_listener(CHAIN_OPEN_PORT)
        net.tcp_listener(CHAIN_OPEN_PORT, v6=True)
        # Let nobody open ICMP datagram sockets in the client namespace.
        net.run(["sysctl", "-q", "-w",
                 f"net.ipv4.ping_group_range=0 {NOBODY}"], check=True)
        chain = net
    return chain


class ProbingTestCase(unittest.TestCase):
    """One helper a test, in the namespace the class's network gives."""

    def helper_argv(self):
        raise NotImplementedError

    def setUp(self):
        self.session = hsnet.ProbeSession(self.helper_argv())
        self.addCleanup(self.close_session)

    def close_session(self):
        self.assertEqual(self.session.close(), 0, "the helper's exit code")

    def probe_all(self, requests):
        """Sends every request at once and returns their replies in the
        same order."""
        tokens = [self.session.request("send-probe", **args)
                  for args in requests]
        wait = max(float(args.get("timeout", 10)) for args in requests)
        return [self.session.reply(token, wait + MARGIN) for token in tokens]

    def assert_answer(self, reply, word, address):
        family = "ip-6" if ":" in address else "ip-4"
        self.assertEqual(reply["word"], word, reply["line"])
        self.assertEqual(reply["args"].get(family), address, reply["line"])
        self.assertRegex(reply["args"].get("round-trip-time", ""),
                         r"^[0-9]+$", reply["line"])


class ChainTest(ProbingTestCase):
    """The chain of namespaces: client, four kernel routers, target."""

    net = None
    unprivileged = False
    protocols = PROTOCOLS

    @classmethod
    def setUpClass(cls):
        cls.net = shared_chain()

    def helper_argv(self):
        argv = [HELPER]
        if self.unprivileged:
            argv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                    "--clear-groups", *argv]
        return self.net.exec_argv(self.net.client_ns, argv)

    def path(self, family):
        if family == 4:
            return self.net.hops_v4, self.net.target_v4
        return self.net.hops_v6, self.net.target_v6

    def test_every_time_to_live(self):
        for family in FAMILIES:
            hops, target = self.path(family)
            for protocol in self.protocols:
                with self.subTest(family=family, protocol=protocol):
                    ttls = list(range(1, CHAIN_ROUTERS + 3)) + [64]
                    requests = [dict(target_args(family, target), ttl=ttl,
                                     protocol=protocol, timeout=2)
                                for ttl in ttls]
                    if protocol == "tcp":
                        for request in requests:
                            request["port"] = CHAIN_OPEN_PORT
                    for ttl, reply in zip(ttls, self.probe_all(requests)):
                        if ttl <= CHAIN_ROUTERS:
                            self.assert_answer(reply, "ttl-expired",
                                               hops[ttl - 1])
                        else:
                            self.assert_answer(reply, "reply", target)
                        # Nothing on the chain is slow.
                        self.assertLess(rtt_of(reply), 200000,
                                        reply["line"])

    def test_tcp_ports(self):
        """An open port answers with SYN-ACK, a closed one with a reset:
        either way the probe reached the target."""
        for family in FAMILIES:
            _, target = self.path(family)
            for port in (CHAIN_OPEN_PORT, CHAIN_CLOSED_PORT):
                with self.subTest(family=family, port=port):
                    reply = self.session.probe(protocol="tcp", port=port,
                                               timeout=2,
                                               **target_args(family, target))
                    self.assert_answer(reply, "reply", target)

    def test_router_without_a_route(self):
        """The first router has no route to the address: it says the
        network is unreachable."""
        for family in FAMILIES:
            hops, _ = self.path(family)
            for protocol in self.protocols:
                with self.subTest(family=family, protocol=protocol):
                    args = dict(target_args(family, CHAIN_NOWHERE[family]),
                                protocol=protocol, timeout=2)
                    if protocol == "tcp":
                        args["port"] = CHAIN_OPEN_PORT
                    reply = self.session.probe(**args)
                    self.assert_answer(reply, "no-route-network", hops[0])

    def test_silent_router(self):
        """Router 2 sends no ICMP errors: no-reply at its time-to-live,
        after the timeout asked for, and answers on either side of it."""
        self.net.silence(2)
        self.addCleanup(self.net.unsilence, 2)
        for family in FAMILIES:
            hops, target = self.path(family)
            for protocol in self.protocols:
                with self.subTest(family=family, protocol=protocol):
                    requests = [dict(target_args(family, target), ttl=ttl,
                                     protocol=protocol, timeout=1)
                                for ttl in (1, 2, 3)]
                    if protocol == "tcp":
                        for request in requests:
                            request["port"] = CHAIN_OPEN_PORT
                    started = time.monotonic()
                    replies = self.probe_all(requests)
                    elapsed = time.monotonic() - started
                    self.assert_answer(replies[0], "ttl-expired", hops[0])
                    self.assertEqual(replies[1]["line"],
                                     f"{replies[1]['token']} no-reply")
                    self.assert_answer(replies[2], "ttl-expired", hops[2])
                    self.assertGreaterEqual(elapsed, 0.95)
                    self.assertLess(elapsed, 1.5)

    def test_loss_from_router_two(self):
        """Router 2 drops half of what reaches it: hop 1 answers every
        probe, hop 2 and everything behind it about half."""
        self.net.set_loss(CHAIN_LOSSY_ROUTER, CHAIN_LOSS_PERCENT)
        self.addCleanup(self.net.clear_loss, CHAIN_LOSSY_ROUTER)
        for family in FAMILIES:
            hops, target = self.path(family)
            ttls = list(range(1, CHAIN_ROUTERS + 2))
            requests = [dict(target_args(family, target), ttl=ttl, timeout=1)
                        for ttl in ttls for _ in range(LOSS_PROBES)]
            replies = self.probe_all(requests)
            for index, ttl in enumerate(ttls):
                answers = replies[index * LOSS_PROBES:
                                  (index + 1) * LOSS_PROBES]
                lost = sum(reply["word"] == "no-reply" for reply in answers)
                expected = hops[ttl - 1] if ttl <= CHAIN_ROUTERS else target
                with self.subTest(family=family, ttl=ttl, lost=lost):
                    for reply in answers:
                        if reply["word"] != "no-reply":
                            self.assert_answer(
                                reply, "ttl-expired" if ttl <= CHAIN_ROUTERS
                                else "reply", expected)
                    if ttl < CHAIN_LOSSY_ROUTER:
                        self.assertEqual(lost, 0)
                    else:
                        # Fifty of a hundred, give or take five standard
                        # deviations.
                        self.assertGreaterEqual(lost, 25)
                        self.assertLessEqual(lost, 75)


class UnprivilegedChainTest(ChainTest):
    """The same chain, the helper started by nobody without any
    capability: ICMP datagram sockets and UDP with IP_RECVERR.  TCP probes
    need the raw sockets that see the target's answer, so the helper
    offers none."""

    unprivileged = True
    protocols = ("icmp", "udp")

    def setUp(self):
        super().setUp()
        self.assertEqual(self.feature("socket-kind"), "datagram")

    def feature(self, name):
        token = self.session.request("check-support", feature=name)
        return self.session.reply(token, MARGIN)["args"].get("support")

    def test_tcp_ports(self):
        self.assertEqual(self.feature("tcp"), "no")
        for family in FAMILIES:
            _, target = self.path(family)
            with self.subTest(family=family):
                reply = self.session.probe(protocol="tcp",
                                           port=CHAIN_OPEN_PORT, timeout=2,
                                           **target_args(family, target))
                self.assertEqual(reply["line"],
                                 f"{reply['token']} permission-denied")


class SimulatorTest(ProbingTestCase):
    """The simulated path: delays, silence, MPLS, ECMP and a small MTU."""

    sim = None

    @classmethod
    def setUpClass(cls):
        cls.sim = hsnet.PathSimulator(PREFIX, SIM_CONFIG)
        cls.addClassCleanup(cls.sim.close)
        cls.sim.__enter__()

    def helper_argv(self):
        return self.sim.exec_argv([HELPER])

    @staticmethod
    def expected(family, ttl):
        """The word, address and delay in ms of the answer at ttl, or None
        for the silent hop."""
        address = 0 if family == 4 else 1
        if ttl == SIM_SILENT_TTL:
            return None
        if ttl <= len(SIM_HOPS):
            hop = SIM_HOPS[ttl - 1]
            return "ttl-expired", hop[address], hop[2]
        return "reply", SIM_TARGET[address], SIM_TARGET[2]

    def test_every_time_to_live(self):
        for family in FAMILIES:
            target = SIM_TARGET[0 if family == 4 else 1]
            for protocol in PROTOCOLS:
                with self.subTest(family=family, protocol=protocol):
                    ttls = list(range(1, len(SIM_HOPS) + 3)) + [255]
                    requests = [dict(target_args(family, target), ttl=ttl,
                                     protocol=protocol, timeout=1)
                                for ttl in ttls]
                    if protocol == "tcp":
                        for request in requests:
                            request["port"] = SIM_OPEN_PORT
                    for ttl, reply in zip(ttls, self.probe_all(requests)):
                        expected = self.expected(family, ttl)
                        if expected is None:
                            self.assertEqual(reply["line"],
                                             f"{reply['token']} no-reply")
                        elif ttl == SIM_ECMP_TTL:
                            self.assertEqual(reply["word"], expected[0])
                            address = reply["args"].get(f"ip-{family}")
                            self.assertIn(address, SIM_ECMP_ROUTERS[family])
                        else:
                            self.assert_answer(reply, *expected[:2])

    def test_tcp_ports(self):
        for family in FAMILIES:
            target = SIM_TARGET[0 if family == 4 else 1]
            for port in (SIM_OPEN_PORT, SIM_CLOSED_PORT):
                with self.subTest(family=family, port=port):
                    reply = self.session.probe(protocol="tcp", port=port,
                                               timeout=2,
                                               **target_args(family, target))
                    self.assert_answer(reply, "reply", target)

    def test_round_trip_times(self):
        """Probes one at a time, so that the simulator's records line up
        with the replies: the median round trip of each hop lies within
        0.5 ms of its delay, and no probe comes back sooner than the
        simulator held its answer."""
        rounds = 5
        for family in FAMILIES:
            target = SIM_TARGET[0 if family == 4 else 1]
            for protocol in PROTOCOLS:
                ttls = [ttl for ttl in range(1, len(SIM_HOPS) + 2)
                        if ttl != SIM_SILENT_TTL]
                since = len(self.sim.records())
                replies = []
                for _ in range(rounds):
                    for ttl in ttls:
                        args = dict(target_args(family, target), ttl=ttl,
                                    protocol=protocol, timeout=2)
                        if protocol == "tcp":
                            args["port"] = SIM_OPEN_PORT
                        replies.append((ttl, self.session.probe(**args)))
                records = self.sim.records()[since:]
                self.assertEqual(len(records), len(replies))

                by_ttl = {}
                for (ttl, reply), record in zip(replies, records):
                    word, _, delay = self.expected(family, ttl)
                    self.assertEqual(reply["word"], word, reply["line"])
                    self.assertEqual(record["ttl"], ttl)
                    rtt = rtt_of(reply)
                    # The answer cannot come sooner than the simulator
                    # sent it; the clocks may differ by a few µs.
                    self.assertGreaterEqual(rtt, record["delay_us"] - 20,
                                            reply["line"])
                    self.assertEqual(record["delay_us"], delay * 1000)
                    by_ttl.setdefault(ttl, []).append(rtt - delay * 1000)
                for ttl, errors in by_ttl.items():
                    with self.subTest(family=family, protocol=protocol,
                                      ttl=ttl, errors_us=errors):
                        self.assertLess(abs(statistics.median(errors)), 500)

    def test_silent_hop_honours_timeout(self):
        for timeout in (1, 2):
            for family in FAMILIES:
                target = SIM_TARGET[0 if family == 4 else 1]
                with self.subTest(family=family, timeout=timeout):
                    started = time.monotonic()
                    reply = self.session.probe(ttl=SIM_SILENT_TTL,
                                               timeout=timeout,
                                               **target_args(family, target))
                    elapsed = time.monotonic() - started
                    self.assertEqual(reply["line"],
                                     f"{reply['token']} no-reply")
                    self.assertGreaterEqual(elapsed, timeout - 0.05)
                    self.assertLess(elapsed, timeout + 0.5)

    def test_mpls_labels(self):
        for family in FAMILIES:
            target = SIM_TARGET[0 if family == 4 else 1]
            for protocol in PROTOCOLS:
                for ttl, labels in SIM_MPLS.items():
                    with self.subTest(family=family, protocol=protocol,
                                      ttl=ttl):
                        args = dict(target_args(family, target), ttl=ttl,
                                    protocol=protocol, timeout=2)
                        if protocol == "tcp":
                            args["port"] = SIM_OPEN_PORT
                        reply = self.session.probe(**args)
                        word, address, _ = self.expected(family, ttl)
                        self.assert_answer(reply, word, address)
                        self.assertEqual(reply["args"].get("mpls"), labels,
                                         reply["line"])
                # A hop without labels reports none.
                reply = self.session.probe(ttl=1, timeout=2,
                                           **target_args(family, target))
                self.assertNotIn("mpls", reply["args"], reply["line"])

    def test_ecmp(self):
        """UDP flows that differ in their source port meet every router of
        the ECMP hop, and each flow always meets the same one."""
        flows = range(40000, 40032)
        for family in FAMILIES:
            target = SIM_TARGET[0 if family == 4 else 1]
            with self.subTest(family=family):
                since = len(self.sim.records())
                requests = [dict(target_args(family, target), ttl=SIM_ECMP_TTL,
                                 protocol="udp", port=33434, local_port=port,
                                 timeout=2)
                            for port in flows for _ in range(2)]
                replies = self.probe_all(requests)
                seen = {}
                for request, reply in zip(requests, replies):
                    self.assertEqual(reply["word"], "ttl-expired",
                                     reply["line"])
                    address = reply["args"][f"ip-{family}"]
                    seen.setdefault(request["local_port"], set()).add(address)
                for port, addresses in seen.items():
                    self.assertEqual(len(addresses), 1,
                                     f"flow {port} met {addresses}")
                responders = set().union(*seen.values())
                self.assertEqual(responders, SIM_ECMP_ROUTERS[family])

                # The simulator agrees on who answered each flow.
                records = self.sim.records()[since:]
                self.assertEqual(len(records), len(requests))
                for record in records:
                    self.assertEqual(seen[record["sport"]],
                                     {record["responder"]})

    def test_packet_too_big(self):
        """A probe bigger than the MTU of the sixth hop's link is stopped
        there, every time it is sent; one of the MTU's size passes."""
        for family in FAMILIES:
            destination = SIM_MTU_DESTINATION[family]
            hop = SIM_HOPS[SIM_MTU_TTL - 1][0 if family == 4 else 1]
            for protocol in ("icmp", "udp"):
                with self.subTest(family=family, protocol=protocol):
                    for attempt in range(3):
                        reply = self.session.probe(
                            size=SIM_MTU + 50, ttl=SIM_MTU_TTL,
                            protocol=protocol, timeout=2,
                            **target_args(family, destination))
                        self.assert_answer(reply, "packet-too-big", hop)
                        self.assertEqual(reply["args"].get("mtu"),
                                         str(SIM_MTU), reply["line"])

                    # Before the small link, the big probe expires as any
                    # other.
                    reply = self.session.probe(
                        size=SIM_MTU + 50, ttl=SIM_MTU_TTL - 1,
                        protocol=protocol, timeout=2,
                        **target_args(family, destination))
                    self.assert_answer(reply, "ttl-expired",
                                       SIM_HOPS[SIM_MTU_TTL - 2]
                                       [0 if family == 4 else 1])

                    # A probe of the MTU's size fits.
                    reply = self.session.probe(
                        size=SIM_MTU, ttl=SIM_MTU_TTL, protocol=protocol,
                        timeout=2, **target_args(family, destination))
                    self.assert_answer(reply, "ttl-expired", hop)


if __name__ == "__main__":
    unittest.main(verbosity=2)
