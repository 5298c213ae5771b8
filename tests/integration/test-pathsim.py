#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later

"""Self-test of hopscope-pathsim, the simulated path.

A prober traces a six-hop simulated path with a hop of each kind (silent,
MPLS, ECMP, lossy, rate-limited, small MTU) and every reply is checked twice:
against the configuration and against the probe record the simulator kept.
A second path changes over time (a delay step, a route change, a hop going
silent, loss starting).  Last, hand-made packets go through the TUN device
and their answers are checked byte by byte: checksums, quotes, the RFC 4884
extension and its MPLS labels, TCP flags, and the delay on the wire.

The prober is hopscope-probe ($HOPSCOPE_PROBE) when it works, otherwise
mtr-packet, which speaks the same protocol; PROBER=hopscope or
PROBER=mtr-packet chooses one.  Both the simulator and the prober run with a
real-time priority so that the round-trip times measure the simulator and
not how busy the machine is.
"""

import collections
import json
import os
import select
import socket
import statistics
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from lib import hsnet  # noqa: E402

PREFIX = "hs-pathsim"
MTR_PACKET = "/usr/bin/mtr-packet"

CLIENT = {4: hsnet.SIM_CLIENT_V4, 6: hsnet.SIM_CLIENT_V6}
TARGET = {4: "198.51.100.10", 6: "2001:db8:2::10"}
# Addresses behind the last hop where nobody lives.  A probe that meets the
# MTU hop teaches the kernel a smaller path MTU for its destination, so each
# kind of big probe has an address of its own.
ELSEWHERE = {4: "198.51.100.77", 6: "2001:db8:2::77"}


def elsewhere(family, n):
    return f"198.51.100.{80 + n}" if family == 4 else f"2001:db8:2::{80 + n:x}"

HOPS = {k: {4: f"203.0.113.{k}", 6: f"2001:db8:3::{k}"} for k in range(1, 7)}
ECMP = {4: {"203.0.113.4", "203.0.113.41", "203.0.113.42"},
        6: {"2001:db8:3::4", "2001:db8:3::41", "2001:db8:3::42"}}
N_HOPS = 6
SILENT_HOP = 2
MPLS_HOP = 3
MTU_HOP = 3
ECMP_HOP = 4
LOSS_HOP = 5
RATE_HOP = 6
MTU = 1280
LOSS_PERCENT = 30
RATE = 4
LABELS = [(16001, 0, 0, 255), (24005, 5, 1, 254)]
MPLS_ARGUMENT = ",".join(str(v) for label in LABELS for v in label)
DELAY_US = {1: 1500, 2: 3000, 3: 5000, 4: 7000, 5: 9000, 6: 11000,
            "target": 20000}
TARGET_JITTER_US = 500
OPEN_PORT = 80
CLOSED_PORT = 81

MPLS_SETTING = "mpls " + ",".join("/".join(str(v) for v in label)
                                   for label in LABELS)
ECMP_SETTING = ("ecmp 203.0.113.41 2001:db8:3::41 "
                "ecmp 203.0.113.42 2001:db8:3::42")

CONFIG = f"""\
# The self-test path: one hop of each kind.
target {TARGET[4]} {TARGET[6]} delay 20 jitter 0.5
hop 1 {HOPS[1][4]} {HOPS[1][6]} delay 1.5
hop 2 {HOPS[2][4]} {HOPS[2][6]} delay 3 silent
hop 3 {HOPS[3][4]} {HOPS[3][6]} delay 5 {MPLS_SETTING} mtu {MTU}
hop 4 {HOPS[4][4]} {HOPS[4][6]} delay 7 {ECMP_SETTING}
hop 5 {HOPS[5][4]} {HOPS[5][6]} delay 9 loss {LOSS_PERCENT}
hop 6 {HOPS[6][4]} {HOPS[6][6]} delay 11 rate-limit {RATE}
tcp-open {OPEN_PORT}
"""

# The same path, changing 1.5 s after the start.
CHANGE_AT = 1.5
ANSWERING_AGAIN_AT = 3.0
NEW_HOP3 = {4: "203.0.113.33", 6: "2001:db8:3::33"}
TIMELINE_CONFIG = CONFIG + f"""\
at {CHANGE_AT} hop 1 delay 4
at {CHANGE_AT} hop 3 route {NEW_HOP3[4]} {NEW_HOP3[6]}
at {CHANGE_AT} hop 4 silent
at {CHANGE_AT} hop 6 loss 100
at {ANSWERING_AGAIN_AT} hop 4 answering
"""

# How far a round-trip time seen by the prober, or the delay on the wire
# (from the probe leaving the kernel into the TUN device to its answer coming
# back, both stamped by the kernel), may be from the delay the simulator
# applied: never earlier (bar clock rounding), within 0.5 ms for 95 % of the
# answers and within 10 ms for all.  Typical figures are tens of
# microseconds.  The allowance is for the milliseconds the simulator can lose
# when the kernel does not preempt (this one runs with "preempt=none") or a
# virtual machine loses its CPU to the host: no priority prevents either.
# The median catches a delay that is wrong every time.
# A measurement that fails the late bounds is taken once more: a wrong delay
# fails twice, a hiccup of the machine does not repeat on cue.
TIMING_EARLY_US = 50
TIMING_TOLERANCE_US = 500
TIMING_OUTLIER_US = 10000
TIMING_SHARE_WITHIN = 0.95
RTT_MEDIAN_US = 250
WIRE_MEDIAN_US = 100


class TimingError(AssertionError):
    """Answers later than the bounds allow."""


def family_of(args):
    return 4 if "ip_4" in args else 6


def destination_of(args):
    return args.get("ip_4") or args.get("ip_6")


def reply_address(reply, family):
    return reply["args"].get(f"ip-{family}")


def is_retransmission(record, earlier):
    """True for a TCP SYN the kernel sent again: same flow and TTL."""
    if record["protocol"] != "tcp":
        return False
    key = (record["family"], record["src"], record["sport"], record["dst"],
           record["dport"], record["ttl"])
    if key in earlier:
        return True
    earlier.add(key)
    return False


def open_session(sim, prober_argv):
    return hsnet.ProbeSession(sim.exec_argv(["chrt", "-f", "5",
                                             *prober_argv]))


def check_prober(sim, path):
    """Returns None when the prober answers check-support and traces the
    simulated target, else the reason it does not."""
    if not path or not os.access(path, os.X_OK):
        return f"{path!r} is not an executable"
    session = open_session(sim, [path])
    try:
        reply = session.reply(session.request("check-support",
                                              feature="version"), 3.0)
        if reply["word"] != "feature-support":
            return f"check-support answered {reply['line']!r}"
        reply = session.probe(ip_4=TARGET[4], ttl=N_HOPS + 3, timeout=2)
        if reply["word"] != "reply":
            return f"a probe of the target answered {reply['line']!r}"
        return None
    except (TimeoutError, OSError) as error:
        return str(error)
    finally:
        session.close()


_prober_choice = None


def choose_prober(sim):
    """The prober to use, chosen once a run."""
    global _prober_choice
    if _prober_choice is None:
        _prober_choice = find_prober(sim)
    return _prober_choice


def find_prober(sim):
    wanted = os.environ.get("PROBER", "")
    helper = os.environ.get("HOPSCOPE_PROBE")

    if wanted not in ("", "hopscope", "mtr-packet"):
        raise RuntimeError(f"PROBER={wanted}: expected hopscope or "
                           "mtr-packet")
    if wanted in ("", "hopscope"):
        problem = check_prober(sim, helper)
        if problem is None:
            return "hopscope", [helper]
        if wanted == "hopscope":
            raise RuntimeError(f"PROBER=hopscope, but {problem}")
        print(f"pathsim: hopscope-probe does not work yet ({problem}); "
              "using mtr-packet", file=sys.stderr)
    problem = check_prober(sim, MTR_PACKET)
    if problem is not None:
        raise RuntimeError(f"mtr-packet does not work: {problem}")
    return "mtr-packet", [MTR_PACKET]


class ProberTestCase(unittest.TestCase):
    """Runs probes in batches and checks them against the records."""

    def run_batch(self, requests):
        """Sends every request at once and waits for every reply.  Returns
        the (request, reply) pairs and the records of these probes, TCP
        retransmissions apart."""
        mark = len(self.sim.records())
        tokens = [(args, self.session.request("send-probe", **args))
                  for args in requests]
        results = [(args, self.session.reply(
                        token, float(args.get("timeout", 10)) + 5.0))
                   for args, token in tokens]

        # A record is written when the probe is read, before its answer
        # leaves, so every record of the batch exists by now.
        return results, self.records_since(mark)

    def records_since(self, mark):
        """The records after the first mark ones, without the SYNs the
        kernel sent again (kept in self.retransmissions)."""
        records = self.sim.records()
        earlier = set()
        for record in records[:mark]:
            is_retransmission(record, earlier)
        fresh = []
        self.retransmissions = []
        for record in records[mark:]:
            if is_retransmission(record, earlier):
                self.retransmissions.append(record)
            else:
                fresh.append(record)
        return fresh

    def pair(self, results, records):
        """Pairs each request with its record: within a batch no two probes
        share family, protocol, TTL, destination and port."""
        def request_key(args):
            protocol = args.get("protocol", "icmp")
            port = int(args["port"]) if protocol != "icmp" else None
            return (family_of(args), protocol, int(args["ttl"]),
                    destination_of(args), port)

        def record_key(record):
            return (record["family"], record["protocol"], record["ttl"],
                    record["dst"], record["dport"])

        by_key = collections.defaultdict(list)
        for record in records:
            by_key[record_key(record)].append(record)
        keys = [request_key(args) for args, _ in results]
        self.assertEqual(len(keys), len(set(keys)), "ambiguous batch")
        self.assertEqual(sorted(by_key, key=repr), sorted(keys, key=repr),
                         "the simulator read other probes than were sent")

        pairs = []
        for args, reply in results:
            matching = by_key[request_key(args)]
            self.assertEqual(len(matching), 1,
                             f"{len(matching)} records of probe {args}")
            pairs.append((args, reply, matching[0]))
        return pairs

    def check_record_fields(self, args, record):
        family = family_of(args)
        self.assertEqual(record["family"], family)
        self.assertEqual(record["src"], CLIENT[family])
        self.assertEqual(record["dst"], destination_of(args))
        self.assertEqual(record["ttl"], int(args["ttl"]))
        if "size" in args:
            self.assertEqual(record["size"], int(args["size"]))
        if record["protocol"] == "icmp":
            self.assertIsNone(record["sport"])
            self.assertIsInstance(record["icmp_id"], int)
            self.assertIsInstance(record["icmp_seq"], int)
        else:
            self.assertEqual(record["dport"], int(args["port"]))
            self.assertIsInstance(record["sport"], int)
            self.assertIsNone(record["icmp_id"])

    def check_reply_matches_record(self, args, reply, record, rtt_errors):
        """What the prober saw must be what the simulator did."""
        family = family_of(args)
        context = f"probe {args}: {reply['line']!r} vs record {record}"

        if (record["action"] == "answered" and record["protocol"] == "tcp"
                and record["hop"] != "target" and reply["word"] == "no-route"):
            # The kernel passes the time exceeded to the prober's TCP socket
            # too, as "host unreachable"; mtr-packet reports whichever it
            # notices first.  The wire test checks these answers instead.
            self.assertIn(reply_address(reply, family),
                          (None, record["responder"]), context)
        elif record["action"] == "answered":
            expected = "reply" if record["hop"] == "target" else "ttl-expired"
            self.assertEqual(reply["word"], expected, context)
            self.assertEqual(reply_address(reply, family),
                             record["responder"], context)
            rtt = int(reply["args"]["round-trip-time"])
            rtt_errors.append((rtt - record["delay_us"], context))
        elif record["protocol"] == "tcp" and reply["word"] != "no-reply":
            # The kernel sent the unanswered SYN again a second later, just
            # before the prober gave up, and that one was answered.
            again = [r for r in getattr(self, "retransmissions", [])
                     if (r["family"], r["sport"], r["dport"], r["ttl"])
                     == (family, record["sport"], record["dport"],
                         record["ttl"]) and r["action"] == "answered"]
            self.assertTrue(again, context)
            self.assertEqual(reply_address(reply, family),
                             again[0]["responder"], context)
        else:
            self.assertIsNone(record["responder"], context)
            self.assertEqual(record["delay_us"], 0, context)
            self.assertEqual(reply["word"], "no-reply", context)

    def check_timing(self, what, timing_errors, median_us):
        """timing_errors: (measured minus applied delay in µs, context)."""
        errors = sorted(error for error, _ in timing_errors)
        self.assertTrue(errors, f"no {what} to check")
        print(f"pathsim: {what} minus the delay applied, {len(errors)} "
              f"answers: min {errors[0]:.1f} us, median "
              f"{statistics.median(errors):.1f} us, max {errors[-1]:.1f} us",
              file=sys.stderr)
        for error, context in timing_errors:
            self.assertGreaterEqual(error, -TIMING_EARLY_US,
                                    f"answer came early: {context}")
        for error, context in timing_errors:
            if error > TIMING_OUTLIER_US:
                raise TimingError(f"answer came {error} us late: {context}")
        within = sum(1 for error in errors if error <= TIMING_TOLERANCE_US)
        if within < TIMING_SHARE_WITHIN * len(errors):
            raise TimingError(f"only {within} of {len(errors)} are within "
                              f"{TIMING_TOLERANCE_US} us of the delay: "
                              f"{errors}")
        if statistics.median(errors) > median_us:
            raise TimingError(f"the median is over {median_us} us: {errors}")

    def retrying_timing(self, measure):
        """Runs measure(), once more if only its timing failed."""
        try:
            measure()
        except TimingError as error:
            print(f"pathsim: measuring again after: {error}",
                  file=sys.stderr)
            measure()

    def check_rtt_errors(self, rtt_errors):
        self.check_timing("round-trip time", rtt_errors, RTT_MEDIAN_US)


class PathSimTest(ProberTestCase):
    @classmethod
    def setUpClass(cls):
        hsnet.require_root()
        hsnet.cleanup_stale(PREFIX)
        cls.sim = hsnet.PathSimulator(PREFIX, CONFIG, seed=7)
        cls.sim.__enter__()
        cls.addClassCleanup(cls.report_statistics)
        cls.addClassCleanup(cls.sim.close)
        cls.prober, prober_argv = choose_prober(cls.sim)
        print(f"pathsim: prober {cls.prober} ({prober_argv[0]})",
              file=sys.stderr)
        cls.session = open_session(cls.sim, prober_argv)
        cls.addClassCleanup(cls.session.close)

    @classmethod
    def report_statistics(cls):
        print(cls.sim.statistics.strip(), file=sys.stderr)

    def refill_rate_limit(self):
        # The bucket of the rate-limited hop holds one second of answers.
        time.sleep(1.1)

    def test_responders(self):
        """Every TTL of every protocol and family: the right responder, a
        silent hop's no-reply, MPLS labels, the round-trip times, and the
        records agreeing with all of it."""
        self.retrying_timing(self.trace_responders)

    def trace_responders(self):
        variants = [("icmp", None), ("udp", 33434), ("tcp", OPEN_PORT),
                    ("tcp", CLOSED_PORT)]
        rtt_errors = []
        icmp_ecmp_routers = collections.defaultdict(set)
        target_delays = []

        # Two rounds, so that the rate-limited hop sees four probes at a
        # time, which its burst allows.
        self.refill_rate_limit()
        for round_variants in (variants[:2], variants[2:]):
            requests = []
            for family in (4, 6):
                for protocol, port in round_variants:
                    for ttl in range(1, N_HOPS + 3):
                        args = {f"ip_{family}": TARGET[family], "ttl": ttl,
                                "timeout": 1}
                        if protocol != "icmp":
                            args.update(protocol=protocol, port=port)
                        requests.append(args)
            results, records = self.run_batch(requests)

            for args, reply, record in self.pair(results, records):
                family = family_of(args)
                ttl = int(args["ttl"])
                hop = ttl if ttl <= N_HOPS else "target"
                context = f"probe {args}: {reply['line']!r}, {record}"

                self.check_record_fields(args, record)
                self.check_reply_matches_record(args, reply, record,
                                                rtt_errors)
                self.assertEqual(record["hop"], hop, context)
                # mtr-packet may report a TCP probe's time exceeded as
                # no-route, without an address (see above).
                told = reply["word"] != "no-route"

                if hop == SILENT_HOP:
                    self.assertEqual(record["action"], "silent", context)
                elif hop == LOSS_HOP:
                    self.assertIn(record["action"], ("answered", "lost"),
                                  context)
                else:
                    self.assertEqual(record["action"], "answered", context)

                if record["action"] != "answered":
                    continue
                responder = reply_address(reply, family)
                if hop != "target":
                    self.assertEqual(record["delay_us"], DELAY_US[hop],
                                     context)
                if not told:
                    continue
                if hop == "target":
                    self.assertEqual(responder, TARGET[family], context)
                    self.assertGreaterEqual(record["delay_us"],
                                            DELAY_US["target"], context)
                    self.assertLess(record["delay_us"], DELAY_US["target"]
                                    + TARGET_JITTER_US, context)
                    target_delays.append(record["delay_us"])
                    continue
                if hop == ECMP_HOP:
                    self.assertIn(responder, ECMP[family], context)
                    if args.get("protocol", "icmp") == "icmp":
                        icmp_ecmp_routers[family].add(responder)
                else:
                    self.assertEqual(responder, HOPS[hop][family], context)
                if hop == MPLS_HOP:
                    self.assertEqual(reply["args"].get("mpls"),
                                     MPLS_ARGUMENT, context)
                else:
                    self.assertNotIn("mpls", reply["args"], context)

        # Jitter of 0.5 ms spreads the target's delays over that range.
        self.assertGreaterEqual(len(set(target_delays)),
                                len(target_delays) // 2, target_delays)
        self.assertGreater(max(target_delays) - min(target_delays),
                           TARGET_JITTER_US // 4, target_delays)

        # Every ICMP probe of one prober carries the same echo id: one flow.
        for family, routers in icmp_ecmp_routers.items():
            self.assertEqual(len(routers), 1,
                             f"ICMP flow met several routers: {routers}")
        self.check_rtt_errors(rtt_errors)

    def test_ecmp(self):
        """UDP flows spread over the routers of the ECMP hop; one flow
        always meets the same router.

        A flow is fixed with local-port, over IPv4 only: mtr-packet then
        hides its sequence number in the UDP checksum, which the kernel
        overwrites for IPv6, so it cannot match those replies.  IPv6 flows
        differ by destination port instead, and the wire test checks their
        stability with hand-made packets."""
        v4 = [{"ip_4": TARGET[4], "ttl": ECMP_HOP, "protocol": "udp",
               "port": 33434, "local_port": 41000 + i, "timeout": 1}
              for i in range(12)]
        v6 = [{"ip_6": TARGET[6], "ttl": ECMP_HOP, "protocol": "udp",
               "port": 33434 + i, "timeout": 1} for i in range(12)]
        seen = []

        for _ in range(2):
            results, records = self.run_batch(v4 + v6)
            self.assertEqual(len(records), len(v4) + len(v6))
            by_flow = {(r["family"], r["sport"] if r["family"] == 4
                        else r["dport"]): r for r in records}
            routers = {}
            for args, reply in results:
                family = family_of(args)
                flow = (family, int(args["local_port"] if family == 4
                                    else args["port"]))
                record = by_flow[flow]
                context = f"probe {args}: {reply['line']!r}, {record}"
                self.assertEqual(reply["word"], "ttl-expired", context)
                self.assertEqual(record["action"], "answered", context)
                responder = reply_address(reply, family)
                self.assertEqual(responder, record["responder"], context)
                self.assertIn(responder, ECMP[family], context)
                routers[flow] = responder
            seen.append(routers)

        for family in (4, 6):
            used = {router for (f, _), router in seen[0].items()
                    if f == family}
            self.assertGreaterEqual(len(used), 2,
                                    f"12 flows all met {used}")
        self.assertEqual({k: v for k, v in seen[0].items() if k[0] == 4},
                         {k: v for k, v in seen[1].items() if k[0] == 4},
                         "an IPv4 flow changed router")

    def test_loss(self):
        """About 30 % of the answers of the lossy hop are lost, exactly
        those the records say."""
        answered = lost = 0
        for chunk in range(2):
            requests = [{"ip_4": TARGET[4], "ttl": LOSS_HOP, "timeout": 1}
                        for _ in range(50)]
            results, records = self.run_batch(requests)
            self.assertEqual(len(records), len(requests))
            actions = collections.Counter(r["action"] for r in records)
            words = collections.Counter(reply["word"] for _, reply in results)
            self.assertLessEqual(set(actions), {"answered", "lost"})
            self.assertEqual(words["ttl-expired"], actions["answered"])
            self.assertEqual(words["no-reply"], actions["lost"])
            for _, reply in results:
                if reply["word"] == "ttl-expired":
                    self.assertEqual(reply_address(reply, 4),
                                     HOPS[LOSS_HOP][4])
            answered += actions["answered"]
            lost += actions["lost"]

        # Binomial, n = 100, p = 0.3: more than 3 standard deviations out
        # means the loss is not what was configured.
        self.assertGreaterEqual(lost, 16, f"{lost} of 100 lost")
        self.assertLessEqual(lost, 44, f"{lost} of 100 lost")

    def test_rate_limit(self):
        """A burst to the rate-limited hop: the bucket's worth of answers,
        the rest dropped; a second later it answers again."""
        self.refill_rate_limit()
        requests = [{"ip_4": TARGET[4], "ttl": RATE_HOP, "timeout": 1}
                    for _ in range(12)]
        results, records = self.run_batch(requests)
        self.assertEqual(len(records), len(requests))
        actions = collections.Counter(r["action"] for r in records)
        words = collections.Counter(reply["word"] for _, reply in results)
        span = records[-1]["t"] - records[0]["t"]

        self.assertGreaterEqual(actions["answered"], RATE)
        self.assertLessEqual(actions["answered"], RATE + RATE * span + 1)
        self.assertEqual(actions["answered"] + actions["rate-limited"],
                         len(requests))
        self.assertEqual(words["ttl-expired"], actions["answered"])
        self.assertEqual(words["no-reply"], actions["rate-limited"])

        self.refill_rate_limit()
        requests = [{"ip_6": TARGET[6], "ttl": RATE_HOP, "timeout": 1}
                    for _ in range(RATE)]
        results, records = self.run_batch(requests)
        self.assertEqual([r["action"] for r in records], ["answered"] * RATE)
        self.assertEqual([reply["word"] for _, reply in results],
                         ["ttl-expired"] * RATE)
        self.refill_rate_limit()

    def test_mtu(self):
        """Big probes: answered normally before the small link, stopped by
        the MTU hop (IPv6 always, IPv4 only with DF) after it."""
        requests = [
            {"ip_6": ELSEWHERE[6], "ttl": N_HOPS + 2, "size": 1400,
             "timeout": 1},
            {"ip_4": ELSEWHERE[4], "ttl": N_HOPS + 2, "size": 1400,
             "timeout": 1},
            # Not to the same addresses: once the kernel has seen the
            # answers above it would fragment these.
            {"ip_6": TARGET[6], "ttl": 1, "size": 1400, "timeout": 1},
            {"ip_4": TARGET[4], "ttl": 1, "size": 1400, "timeout": 1},
        ]
        results, records = self.run_batch(requests)
        rtt_errors = []

        for args, reply, record in self.pair(results, records):
            family = family_of(args)
            context = f"probe {args}: {reply['line']!r}, {record}"
            self.check_record_fields(args, record)

            if int(args["ttl"]) == 1:
                self.assertEqual(record["hop"], 1, context)
                self.check_reply_matches_record(args, reply, record,
                                                rtt_errors)
                continue

            # Which prober sets DF on IPv4 is its own business; the record
            # says what the simulator saw and the reply must agree.
            if record["action"] == "too-big":
                self.assertEqual(record["hop"], MTU_HOP, context)
                expected_from = HOPS[MTU_HOP][family]
            else:
                self.assertEqual(family, 4, "IPv6 always meets the MTU")
                self.assertEqual(record["hop"], N_HOPS, context)
                self.assertEqual(record["action"], "answered", context)
                expected_from = HOPS[N_HOPS][family]
            self.assertEqual(record["responder"], expected_from, context)
            self.assertNotIn(reply["word"], ("reply", "ttl-expired"), context)
            if reply_address(reply, family) is not None:
                self.assertEqual(reply_address(reply, family), expected_from,
                                 context)

    def test_wire_format(self):
        """Hand-made probes through the TUN device; the answers checked byte
        by byte, and their delay measured by the kernel's timestamps."""
        self.retrying_timing(self.send_wire_probes)

    def send_wire_probes(self):
        specs = wire_specs()
        mark = len(self.sim.records())
        result = self.sim.run([sys.executable, os.path.abspath(__file__),
                               "--wire"],
                              input=json.dumps([{"family": s["family"],
                                                 "dst": s["dst"],
                                                 "packet": s["packet"].hex()}
                                                for s in specs]),
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        observations = json.loads(result.stdout)
        records = self.records_since(mark)
        self.assertEqual(len(records), len(specs),
                         "one record for each hand-made probe")

        wire_errors = []
        flows = collections.defaultdict(set)
        for spec, observation, record in zip(specs, observations, records):
            with self.subTest(spec["name"]):
                probe = spec["packet"]
                self.check_wire_record(spec, record)
                self.assertIsNotNone(observation["answer"], "no answer")
                answer = parse_ip(bytes.fromhex(observation["answer"]))
                self.assertTrue(answer["header_ok"], answer)
                self.assertEqual(answer["dst"], CLIENT[spec["family"]])
                self.assertEqual(answer["src"], record["responder"])
                if spec["from"] is not None:
                    self.assertEqual(answer["src"], spec["from"])
                else:
                    self.assertIn(answer["src"], ECMP[spec["family"]])
                    flows[spec["name"]].add(answer["src"])
                spec["check"](self, answer, probe)
                self.assertIsNotNone(observation["wire_us"],
                                     "the probe was not seen leaving")
                wire_errors.append((observation["wire_us"]
                                    - record["delay_us"], spec["name"]))

        for name, routers in flows.items():
            self.assertEqual(len(routers), 1, f"{name} met {routers}")
        self.assertGreaterEqual(
            len(set().union(*flows.values())), 2,
            f"eight flows all met the same router: {dict(flows)}")

        self.check_timing("wire delay", wire_errors, WIRE_MEDIAN_US)

    def check_wire_record(self, spec, record):
        probe = parse_ip(spec["packet"])
        l4 = probe["l4"]
        self.assertEqual(record["family"], spec["family"])
        self.assertEqual(record["src"], CLIENT[spec["family"]])
        self.assertEqual(record["dst"], spec["dst"])
        self.assertEqual(record["ttl"], probe["ttl"])
        self.assertEqual(record["size"], len(spec["packet"]))
        self.assertEqual(record["hop"], spec["hop"])
        self.assertEqual(record["action"], spec["action"])
        if probe["protocol"] in (1, 58):
            self.assertEqual(record["protocol"], "icmp")
            self.assertEqual((record["icmp_id"], record["icmp_seq"]),
                             struct.unpack("!HH", l4[4:8]))
            self.assertIsNone(record["sport"])
        else:
            self.assertEqual(record["protocol"],
                             "udp" if probe["protocol"] == 17 else "tcp")
            self.assertEqual((record["sport"], record["dport"]),
                             struct.unpack("!HH", l4[0:4]))
            self.assertIsNone(record["icmp_id"])


class PathTimelineTest(ProberTestCase):
    """A path that changes while it is traced."""

    @classmethod
    def setUpClass(cls):
        hsnet.require_root()
        hsnet.cleanup_stale(PREFIX)
        if _prober_choice is None:
            # Choosing may take seconds when the helper fails; the path
            # below changes too soon for that.
            with hsnet.PathSimulator(PREFIX + "-choose", CONFIG) as sim:
                choose_prober(sim)

    def test_changes_over_time(self):
        self.retrying_timing(self.run_timeline)

    def run_timeline(self):
        with hsnet.PathSimulator(PREFIX + "-time", TIMELINE_CONFIG) as sim:
            self.sim = sim
            prober, prober_argv = choose_prober(sim)
            with open_session(sim, prober_argv) as session:
                self.session = session
                self.trace_timeline()

    def probes(self, ttls):
        return [{f"ip_{family}": TARGET[family], "ttl": ttl, "timeout": 1}
                for family in (4, 6) for ttl in ttls]

    def trace_timeline(self):
        ttls = (1, 3, 4, 6)
        rtt_errors = []

        def outcome(pairs):
            return {(family_of(args), int(args["ttl"])): (reply, record)
                    for args, reply, record in pairs}

        def check(pairs):
            for args, reply, record in pairs:
                self.check_record_fields(args, record)
                self.check_reply_matches_record(args, reply, record,
                                                rtt_errors)

        before = self.pair(*self.run_batch(self.probes(ttls)))
        for _, _, record in before:
            self.assertLess(record["t"], CHANGE_AT,
                            "too slow to trace the path before it changes")
        check(before)
        for (family, ttl), (reply, record) in outcome(before).items():
            self.assertEqual(record["action"], "answered", record)
            if ttl == 1:
                self.assertEqual(record["delay_us"], DELAY_US[1])
            if ttl == 3:
                self.assertEqual(record["responder"], HOPS[3][family])

        self.sleep_until(CHANGE_AT + 0.1)
        after = self.pair(*self.run_batch(self.probes(ttls)))
        check(after)
        for (family, ttl), (reply, record) in outcome(after).items():
            context = f"{reply['line']!r}, {record}"
            if ttl == 1:
                self.assertEqual(record["action"], "answered", context)
                self.assertEqual(record["delay_us"], 4000, context)
            elif ttl == 3:
                self.assertEqual(record["action"], "answered", context)
                self.assertEqual(record["responder"], NEW_HOP3[family],
                                 context)
                self.assertEqual(reply["args"].get("mpls"), MPLS_ARGUMENT)
            elif ttl == 4:
                self.assertEqual(record["action"], "silent", context)
            elif ttl == 6:
                self.assertEqual(record["action"], "lost", context)

        self.sleep_until(ANSWERING_AGAIN_AT + 0.1)
        again = self.pair(*self.run_batch(self.probes((4,))))
        check(again)
        for _, reply, record in again:
            self.assertEqual(record["action"], "answered", record)
            self.assertIn(record["responder"], ECMP[record["family"]])

        self.check_rtt_errors(rtt_errors)

    def sleep_until(self, seconds_after_start):
        remaining = self.sim.start_time + seconds_after_start - time.time()
        if remaining > 0:
            time.sleep(remaining)


# Hand-made packets.

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def address_bytes(family, address):
    return socket.inet_pton(socket.AF_INET if family == 4 else socket.AF_INET6,
                            address)


def pseudo_header(family, src, dst, protocol, length):
    addresses = address_bytes(family, src) + address_bytes(family, dst)
    if family == 4:
        return addresses + struct.pack("!BBH", 0, protocol, length)
    return addresses + struct.pack("!I3xB", length, protocol)


def ip_packet(family, dst, ttl, protocol, payload, df=False):
    src = CLIENT[family]
    if family == 4:
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload),
                             0x4242, 0x4000 if df else 0, ttl, protocol, 0,
                             address_bytes(4, src), address_bytes(4, dst))
        header = (header[:10] + struct.pack("!H", checksum(header))
                  + header[12:])
        return header + payload
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), protocol, ttl,
                       address_bytes(6, src), address_bytes(6, dst)) + payload


def filler(length):
    return bytes((i * 7 + 3) & 0xff for i in range(length))


def udp_probe(family, dst, ttl, size, sport=40001, dport=33434, df=False):
    data = filler(size - (20 if family == 4 else 40) - 8)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    sum_ = checksum(pseudo_header(family, CLIENT[family], dst, 17, len(udp))
                    + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", sum_) + udp[8:]
    return ip_packet(family, dst, ttl, 17, udp, df)


def echo_probe(family, dst, ttl, size, ident=0x1234, seq=7, df=False):
    data = filler(size - (20 if family == 4 else 40) - 8)
    message = struct.pack("!BBHHH", 8 if family == 4 else 128, 0, 0, ident,
                          seq) + data
    if family == 4:
        sum_ = checksum(message)
    else:
        sum_ = checksum(pseudo_header(6, CLIENT[6], dst, 58, len(message))
                        + message)
    message = message[:2] + struct.pack("!H", sum_) + message[4:]
    return ip_packet(family, dst, ttl, 1 if family == 4 else 58, message, df)


def syn_probe(family, dst, ttl, dport, sport=40100, seq=1000):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02,
                      64240, 0, 0)
    sum_ = checksum(pseudo_header(family, CLIENT[family], dst, 6, len(tcp))
                    + tcp)
    tcp = tcp[:16] + struct.pack("!H", sum_) + tcp[18:]
    return ip_packet(family, dst, ttl, 6, tcp)


def parse_ip(data):
    """The fields of an IPv4 or IPv6 packet, with its header and transport
    checksums checked."""
    family = data[0] >> 4
    if family == 4:
        header_length = (data[0] & 15) * 4
        total = struct.unpack("!H", data[2:4])[0]
        packet = {"family": 4, "ttl": data[8], "protocol": data[9],
                  "src": socket.inet_ntop(socket.AF_INET, data[12:16]),
                  "dst": socket.inet_ntop(socket.AF_INET, data[16:20]),
                  "l4": data[header_length:total],
                  "header_ok": (checksum(data[:header_length]) == 0
                                and total == len(data))}
    else:
        packet = {"family": 6, "ttl": data[7], "protocol": data[6],
                  "src": socket.inet_ntop(socket.AF_INET6, data[8:24]),
                  "dst": socket.inet_ntop(socket.AF_INET6, data[24:40]),
                  "l4": data[40:],
                  "header_ok": (struct.unpack("!H", data[4:6])[0]
                                == len(data) - 40)}
    l4 = packet["l4"]
    if packet["protocol"] == 1:
        packet["l4_ok"] = checksum(l4) == 0
    else:
        packet["l4_ok"] = checksum(pseudo_header(
            family, packet["src"], packet["dst"], packet["protocol"],
            len(l4)) + l4) == 0
    return packet


def expect_icmp_error(type_, code, quote_length, labels=None, rest=None):
    """A checker for an ICMP or ICMPv6 error quoting the probe."""
    def check(test, answer, probe):
        icmp = answer["l4"]
        test.assertTrue(answer["l4_ok"], "transport checksum")
        test.assertEqual(answer["protocol"], 1 if answer["family"] == 4
                         else 58)
        test.assertEqual((icmp[0], icmp[1]), (type_, code))
        if rest is not None:
            test.assertEqual(struct.unpack("!I", icmp[4:8])[0], rest)
        quote = icmp[8:8 + quote_length]
        test.assertEqual(quote[:len(probe)], probe[:quote_length])
        test.assertEqual(quote[len(probe):], bytes(max(0, quote_length
                                                       - len(probe))))
        if labels is None:
            test.assertEqual(len(icmp), 8 + quote_length)
            test.assertEqual(icmp[4 if answer["family"] == 6 else 5], 0,
                             "no RFC 4884 length without an extension")
            return

        # RFC 4884: the length of the quote in 32-bit (ICMP) or 64-bit
        # (ICMPv6) words, then the extension: version 2 and a checksum, and
        # an RFC 4950 MPLS label stack object, class 1, c-type 1.
        if answer["family"] == 4:
            test.assertEqual(icmp[5], quote_length // 4)
        else:
            test.assertEqual(icmp[4], quote_length // 8)
        extension = icmp[8 + quote_length:]
        test.assertEqual(extension[0], 0x20)
        test.assertEqual(checksum(extension), 0, "extension checksum")
        length, class_num, c_type = struct.unpack("!HBB", extension[4:8])
        test.assertEqual((class_num, c_type), (1, 1))
        test.assertEqual(length, 4 + 4 * len(labels))
        test.assertEqual(len(extension), 4 + length)
        decoded = []
        for i in range(len(labels)):
            entry = struct.unpack("!I", extension[8 + 4 * i:12 + 4 * i])[0]
            decoded.append((entry >> 12, (entry >> 9) & 7, (entry >> 8) & 1,
                            entry & 0xff))
        test.assertEqual(decoded, labels)
    return check


def expect_echo_reply(test, answer, probe):
    request = parse_ip(probe)["l4"]
    reply = answer["l4"]
    test.assertTrue(answer["l4_ok"], "transport checksum")
    test.assertEqual(reply[0], 0 if answer["family"] == 4 else 129)
    test.assertEqual(reply[1], 0)
    test.assertEqual(reply[4:], request[4:], "id, sequence and payload")


def expect_tcp(flags):
    def check(test, answer, probe):
        syn = parse_ip(probe)["l4"]
        tcp = answer["l4"]
        test.assertTrue(answer["l4_ok"], "transport checksum")
        test.assertEqual(answer["protocol"], 6)
        sport, dport, seq, ack = struct.unpack("!HHII", syn[:12])
        test.assertEqual(struct.unpack("!HH", tcp[:4]), (dport, sport))
        test.assertEqual(struct.unpack("!I", tcp[8:12])[0], seq + 1)
        test.assertEqual(tcp[13], flags)
    return check


def wire_specs():
    """The hand-made probes, what must answer each and how."""
    t4, t6 = TARGET[4], TARGET[6]
    beyond = N_HOPS + 3
    v6_quote = 1280 - 48
    answered, too_big = "answered", "too-big"
    specs = [
        ("v4 udp at the MPLS hop", 4, t4, udp_probe(4, t4, MPLS_HOP, 100),
         MPLS_HOP, answered, expect_icmp_error(11, 0, 128, LABELS)),
        ("v4 echo at hop 1, long", 4, t4, echo_probe(4, t4, 1, 200),
         1, answered, expect_icmp_error(11, 0, 128)),
        ("v4 DF too big", 4, elsewhere(4, 1),
         udp_probe(4, elsewhere(4, 1), beyond, 1400, df=True),
         MTU_HOP, too_big, expect_icmp_error(3, 4, 128, rest=MTU)),
        ("v4 big without DF passes", 4, elsewhere(4, 2),
         udp_probe(4, elsewhere(4, 2), beyond, 1400),
         N_HOPS, answered, expect_icmp_error(3, 1, 128)),
        ("v4 DF big before the MTU hop", 4, elsewhere(4, 3),
         udp_probe(4, elsewhere(4, 3), 1, 1400, df=True), 1, answered,
         expect_icmp_error(11, 0, 128)),
        ("v4 echo to the target", 4, t4, echo_probe(4, t4, beyond, 84,
                                                     df=True),
         "target", answered, expect_echo_reply),
        ("v4 udp to the target", 4, t4, udp_probe(4, t4, beyond, 60),
         "target", answered, expect_icmp_error(3, 3, 60)),
        ("v4 SYN, open port", 4, t4, syn_probe(4, t4, beyond, OPEN_PORT),
         "target", answered, expect_tcp(0x12)),
        ("v4 SYN, closed port", 4, t4, syn_probe(4, t4, beyond, CLOSED_PORT),
         "target", answered, expect_tcp(0x14)),
        ("v4 SYN at hop 1", 4, t4, syn_probe(4, t4, 1, OPEN_PORT, sport=40200),
         1, answered, expect_icmp_error(11, 0, 40)),
        ("v6 udp at the MPLS hop", 6, t6, udp_probe(6, t6, MPLS_HOP, 100),
         MPLS_HOP, answered, expect_icmp_error(3, 0, 128, LABELS)),
        ("v6 udp at hop 1, long", 6, t6, udp_probe(6, t6, 1, 1400),
         1, answered, expect_icmp_error(3, 0, v6_quote)),
        ("v6 too big", 6, elsewhere(6, 1),
         udp_probe(6, elsewhere(6, 1), beyond, 1400),
         MTU_HOP, too_big, expect_icmp_error(2, 0, v6_quote, rest=MTU)),
        ("v6 elsewhere", 6, elsewhere(6, 2),
         udp_probe(6, elsewhere(6, 2), beyond, 100),
         N_HOPS, answered, expect_icmp_error(1, 3, 100)),
        ("v6 echo to the target", 6, t6, echo_probe(6, t6, beyond, 104),
         "target", answered, expect_echo_reply),
        ("v6 udp to the target", 6, t6, udp_probe(6, t6, beyond, 80),
         "target", answered, expect_icmp_error(1, 4, 80)),
        ("v6 SYN, open port", 6, t6, syn_probe(6, t6, beyond, OPEN_PORT),
         "target", answered, expect_tcp(0x12)),
        ("v6 SYN, closed port", 6, t6, syn_probe(6, t6, beyond, CLOSED_PORT),
         "target", answered, expect_tcp(0x14)),
        ("v6 SYN at the MPLS hop", 6, t6,
         syn_probe(6, t6, MPLS_HOP, OPEN_PORT, sport=40200),
         MPLS_HOP, answered, expect_icmp_error(3, 0, 128, LABELS)),
    ]
    # ECMP: eight IPv6 flows, each sent twice.
    for i in range(16):
        specs.append((f"v6 ECMP flow {i % 8}", 6, t6,
                      udp_probe(6, t6, ECMP_HOP, 80, sport=42000 + i % 8),
                      ECMP_HOP, answered, expect_icmp_error(3, 0, 80)))

    result = []
    for name, family, dst, packet, hop, action, check in specs:
        if hop == "target":
            responder = TARGET[family]
        elif hop == ECMP_HOP:
            responder = None
        else:
            responder = HOPS[hop][family]
        result.append({"name": name, "family": family, "dst": dst,
                       "packet": packet, "hop": hop, "from": responder,
                       "action": action, "check": check})
    return result


def wire_child():
    """Runs inside the simulator's namespace: sends each packet given on
    standard input and captures its answer on the TUN device, with the
    kernel's timestamps of both."""
    so_timestampns = getattr(socket, "SO_TIMESTAMPNS", 35)
    packet_outgoing = 4
    specs = json.load(sys.stdin)
    capture = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                            socket.htons(0x0003))
    capture.bind((hsnet.SIM_DEVICE, 0))
    capture.setsockopt(socket.SOL_SOCKET, so_timestampns, 1)
    capture.setblocking(False)
    # The kernel turns packet timestamps on a moment later, from a work
    # queue; a packet caught before that is stamped when it is read.
    time.sleep(0.1)
    senders = {4: socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                socket.IPPROTO_RAW),
               6: socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                                socket.IPPROTO_RAW)}

    def receive():
        data, ancillary, _, address = capture.recvmsg(
            65536, socket.CMSG_SPACE(16))
        stamp = None
        for level, kind, value in ancillary:
            if level == socket.SOL_SOCKET and kind == so_timestampns:
                seconds, nanoseconds = struct.unpack("qq", value[:16])
                stamp = seconds + nanoseconds / 1e9
        return data, stamp, address[2]

    observations = []
    for spec in specs:
        packet = bytes.fromhex(spec["packet"])
        while select.select([capture], [], [], 0)[0]:
            receive()
        senders[spec["family"]].sendto(packet, (spec["dst"], 0))
        sent = answer = answered = None
        deadline = time.monotonic() + 0.5
        while answer is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([capture], [], [],
                                                   remaining)[0]:
                break
            data, stamp, kind = receive()
            if kind == packet_outgoing:
                # The probe itself, not the reset the kernel sends after a
                # SYN-ACK, which has the same length.
                if sent is None and data == packet:
                    sent = stamp
            else:
                answer, answered = data, stamp
        observations.append({
            "answer": answer.hex() if answer is not None else None,
            "wire_us": ((answered - sent) * 1e6
                        if sent is not None and answered is not None
                        else None)})
    json.dump(observations, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1:] == ["--wire"]:
        wire_child()
        sys.exit(0)
    unittest.main(verbosity=2)
