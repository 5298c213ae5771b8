#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe protocol of hopscope-probe, request by request.

Every command, argument and reply of the protocol that mtr-packet(8)
describes, and Hopscope's own check-support features, are exercised on the
running helper.  The helper runs in namespaces of its own: the simulated
path's namespace, where it probes the simulated hops (whose records show
what arrived), and a bare namespace with no route out, for the errors a
send can meet.  A table of malformed and invalid lines checks that each
gets its own reply and that the helper answers the next good request
afterwards.

Runs as root.  It creates the namespaces hs-proto-sim and hs-proto-bare
and a temporary hs-proto-* folder, and removes them at the end, even on
failure.  The unprivileged cases run the helper as the existing user
nobody.
"""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402

PREFIX = "hs-proto"
HELPER = os.environ["HOPSCOPE_PROBE"]
SOURCE_ROOT = os.environ["HOPSCOPE_SOURCE_ROOT"]

# The simulated path: a target that answers after 300 ms, so that a probe
# to it is still in flight when the helper's input ends, a hop that
# answers, a silent hop and a hop behind it.
TARGET_V4 = "198.51.100.10"
TARGET_V6 = "2001:db8:2::10"
HOPS_V4 = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
HOPS_V6 = ["2001:db8:3::1", "2001:db8:3::2", "2001:db8:3::3"]
SILENT_TTL = 2
TARGET_DELAY_US = 300000
HOP_DELAY_US = 2000
OPEN_PORT = 80
CLOSED_PORT = 81
SIM_CONFIG = f"""\
target {TARGET_V4} {TARGET_V6} delay {TARGET_DELAY_US / 1000}
hop 1 {HOPS_V4[0]} {HOPS_V6[0]} delay {HOP_DELAY_US / 1000}
hop 2 {HOPS_V4[1]} {HOPS_V6[1]} delay {HOP_DELAY_US / 1000} silent
hop 3 {HOPS_V4[2]} {HOPS_V6[2]} delay {HOP_DELAY_US / 1000}
tcp-open {OPEN_PORT}
"""

# The namespace with nothing but its loopback device and routes that refuse
# two networks, for the errors of a send that cannot leave.
BARE_NS = f"{PREFIX}-bare"
UNREACHABLE_V4 = "198.51.100.0/24"
UNREACHABLE_V6 = "2001:db8:2::/64"
PROHIBITED_V4 = "203.0.113.0/24"
PROHIBITED_V6 = "2001:db8:3::/64"

# The reply words for sends that fail: the helper reports ENETUNREACH and
# EHOSTUNREACH apart, and EPERM and EACCES alike.
NO_ROUTE_NETWORK = "no-route-network"
NO_ROUTE_HOST = "no-route-host"
PERMISSION_DENIED = "permission-denied"

# The user the unprivileged cases run as: it exists on every Debian system,
# so the test creates no user of its own.
NOBODY = 65534

# The in-flight bound of mtr-packet, which the helper keeps.
MAX_IN_FLIGHT = 1024

# How long a reply may take beyond what the path itself takes.
MARGIN = 5.0

sim = None
counters = None

# What the output counters count.  Each names the destination, so that no
# other test's probes land in it.
TOS = 40            # DSCP 10 (AF11), ECN 0
MARK = 7
PATTERN = 0xab
PATTERN_WORD = f"0x{PATTERN:02x}{PATTERN:02x}{PATTERN:02x}{PATTERN:02x}"
COUNTED_RULES = {
    "tos-4": f"ip daddr {TARGET_V4} ip dscp 10 ip ecn not-ect",
    "tos-6": f"ip6 daddr {TARGET_V6} ip6 dscp 10 ip6 ecn not-ect",
    "mark-4": f"ip daddr {TARGET_V4} meta mark {MARK}",
    "mark-6": f"ip6 daddr {TARGET_V6} meta mark {MARK}",
    # The first four bytes after the eight of the ICMP or UDP header.
    "pattern-icmp-4": f"ip daddr {TARGET_V4} meta l4proto icmp "
                      f"@th,64,32 {PATTERN_WORD}",
    "pattern-udp-6": f"ip6 daddr {TARGET_V6} meta l4proto udp "
                     f"@th,64,32 {PATTERN_WORD}",
    "device-4": f"ip daddr {TARGET_V4} oifname \"{hsnet.SIM_DEVICE}\"",
    "device-6": f"ip6 daddr {TARGET_V6} oifname \"{hsnet.SIM_DEVICE}\"",
}


def project_version():
    """The version in the project() call of the top meson.build."""
    with open(os.path.join(SOURCE_ROOT, "meson.build")) as build:
        text = build.read()
    match = re.search(r"project\s*\((.*?)\)", text, re.S)
    version = re.search(r"version\s*:\s*'([^']*)'", match.group(1))
    return version.group(1)


def run_checked(argv, input=None):
    result = subprocess.run(argv, input=input, text=True,
                            capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: "
                           f"{result.stderr.strip()}")
    return result


def remove_bare_namespace():
    """Stops what still runs in the bare namespace, then removes it."""
    pids = subprocess.run(["ip", "netns", "pids", BARE_NS],
                          capture_output=True, text=True).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    subprocess.run(["ip", "netns", "del", BARE_NS], capture_output=True)


def remove_on_sigterm(cleanup):
    """Runs cleanup also when the test is stopped with SIGTERM, as meson
    does on a timeout, before hsnet's own handler removes its networks and
    ends the process."""
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum, frame):
        cleanup()
        if callable(previous):
            previous(signum, frame)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


class OutputCounters:
    """nftables counters on the simulator namespace's output hook: the
    fields of a probe that the simulator does not record (type of service,
    mark, payload) are counted on their way out."""

    TABLE = "hs_proto"

    def __init__(self, ns):
        self.ns = ns
        self._nft(f"add table inet {self.TABLE}\n"
                  f"add chain inet {self.TABLE} out {{ type filter hook "
                  "output priority 0; policy accept; }\n")

    def _nft(self, script):
        run_checked(hsnet.exec_argv(self.ns, ["nft", "-f", "-"]), script)

    def add(self, name, match):
        self._nft(f"add rule inet {self.TABLE} out {match} counter "
                  f"comment \"{name}\"\n")

    def packets(self, name):
        result = run_checked(hsnet.exec_argv(
            self.ns, ["nft", "-j", "list", "chain", "inet", self.TABLE,
                      "out"]))
        for item in json.loads(result.stdout)["nftables"]:
            rule = item.get("rule")
            if rule and rule.get("comment") == name:
                for expression in rule["expr"]:
                    if "counter" in expression:
                        return expression["counter"]["packets"]
        raise KeyError(name)

    def close(self):
        subprocess.run(hsnet.exec_argv(self.ns, ["nft", "delete", "table",
                                                 "inet", self.TABLE]),
                       capture_output=True)


def start_counters():
    global counters

    counters = OutputCounters(sim.ns)
    unittest.addModuleCleanup(counters.close)
    for name, match in COUNTED_RULES.items():
        counters.add(name, match)


def setUpModule():
    global sim

    hsnet.require_root()
    hsnet.cleanup_stale(PREFIX)

    unittest.addModuleCleanup(remove_bare_namespace)
    run_checked(["ip", "netns", "add", BARE_NS])
    run_checked(["ip", "-n", BARE_NS, "-batch", "-"], input="\n".join([
        "link set lo up",
        f"route add unreachable {UNREACHABLE_V4}",
        f"route add unreachable {UNREACHABLE_V6}",
        f"route add prohibit {PROHIBITED_V4}",
        f"route add prohibit {PROHIBITED_V6}",
    ]) + "\n")

    sim = hsnet.PathSimulator(PREFIX, SIM_CONFIG)
    unittest.addModuleCleanup(sim.close)
    sim.__enter__()
    remove_on_sigterm(remove_bare_namespace)

    # Let nobody open ICMP datagram sockets, in this namespace only, so that
    # the helper has its unprivileged route there.
    sim.run(["sysctl", "-q", "-w",
             f"net.ipv4.ping_group_range=0 {NOBODY}"], check=True)

    start_counters()


def helper_argv(ns=None, unprivileged=False):
    argv = [HELPER]
    if unprivileged:
        argv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                "--clear-groups", *argv]
    return hsnet.exec_argv(ns or sim.ns, argv)


class LineSession:
    """The helper on raw pipes: bytes in, every reply line out in the order
    the helper wrote them.  ProbeSession sorts replies by token, which
    hides a stray or a missing reply; the tests of the line protocol need
    the stream as it is."""

    def __init__(self, argv):
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE)
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.process.stdout:
            self.lines.put(raw.decode("ascii", "backslashreplace"))
        self.lines.put(None)

    def write(self, data):
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def next_line(self, timeout=MARGIN):
        """The next reply line, without its newline; fails the test when
        none comes in time or the output ends."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no reply line within {timeout} s")
        if line is None:
            self.lines.put(None)
            raise AssertionError("the helper's output ended (exit code "
                                 f"{self.process.poll()})")
        if not line.endswith("\n"):
            raise AssertionError(f"reply without a newline: {line!r}")
        return line[:-1]

    def lines_until(self, prefix, limit=8, timeout=MARGIN):
        """Reads lines up to the first that starts with prefix; returns the
        lines before it and that line."""
        before = []
        while len(before) <= limit:
            line = self.next_line(timeout)
            if line.startswith(prefix):
                return before, line
            before.append(line)
        raise AssertionError(f"no line starting {prefix!r} after {before}")

    def close_input(self):
        self.process.stdin.close()

    def wait(self, timeout=MARGIN):
        return self.process.wait(timeout)

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
            try:
                self.process.wait(MARGIN)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        return self.process.returncode


class SessionTestCase(unittest.TestCase):
    """Starts one helper for each test, in the simulator's namespace."""

    unprivileged = False

    def setUp(self):
        self.session = hsnet.ProbeSession(
            helper_argv(unprivileged=self.unprivileged))
        self.addCleanup(self.close_session)

    def close_session(self):
        code = self.session.close()
        self.assertEqual(code, 0, "the helper's exit code")

    def feature(self, name):
        token = self.session.request("check-support", feature=name)
        reply = self.session.reply(token, MARGIN)
        self.assertEqual(reply["word"], "feature-support", reply["line"])
        self.assertEqual(list(reply["args"]), ["support"], reply["line"])
        self.assertEqual(len(reply["line"].split()), 4, reply["line"])
        return reply["args"]["support"]

    def probe(self, **args):
        reply = self.session.probe(**args)
        self.assertIsNotNone(reply["word"], reply["line"])
        return reply

    def new_records(self, since):
        return sim.records()[since:]

    def assert_nothing_sent(self, since):
        """No probe reached the simulator since the since-th record.  A
        probe the helper sent would be read from the TUN device within
        microseconds; the pause makes sure."""
        time.sleep(0.05)
        self.assertEqual(self.new_records(since), [],
                         "a refused probe went out")

    def assert_answer(self, reply, word, address, least_us=0):
        """reply is WORD ip-4|ip-6 ADDRESS round-trip-time N, N >= least."""
        family = "ip-6" if ":" in address else "ip-4"
        self.assertEqual(reply["word"], word, reply["line"])
        self.assertEqual(reply["args"].get(family), address, reply["line"])
        self.assertIn("round-trip-time", reply["args"], reply["line"])
        rtt = reply["args"]["round-trip-time"]
        self.assertRegex(rtt, r"^[0-9]+$", reply["line"])
        self.assertGreaterEqual(int(rtt), least_us, reply["line"])
        self.assertLess(int(rtt), least_us + MARGIN * 1e6, reply["line"])
        words = reply["line"].split()
        self.assertEqual(words[0], str(reply["token"]), reply["line"])
        self.assertEqual(len(words) % 2, 0, reply["line"])


class CheckSupportTest(SessionTestCase):
    """check-support, as root: raw sockets, no rate limit."""

    def test_version_is_the_project_version(self):
        self.assertEqual(self.feature("version"), project_version())

    def test_supported_features(self):
        for name in ("send-probe", "ip-4", "ip-6", "icmp", "udp", "tcp"):
            with self.subTest(feature=name):
                self.assertEqual(self.feature(name), "ok")

    def test_unknown_features(self):
        for name in ("teleport", "ip-5", "send-probes", "x" * 32):
            with self.subTest(feature=name):
                self.assertEqual(self.feature(name), "no")

    def test_socket_kind_is_raw_for_root(self):
        self.assertEqual(self.feature("socket-kind"), "raw")

    def test_probe_rate_is_unlimited_for_root(self):
        self.assertEqual(self.feature("probe-rate"), "unlimited")

    def test_reply_repeats_the_token(self):
        for token in (0, 7, 2147483647):
            with self.subTest(token=token):
                self.session.send(f"{token} check-support feature udp")
                reply = self.session.reply(token, MARGIN)
                self.assertEqual(reply["line"],
                                 f"{token} feature-support support ok")


class UnprivilegedTest(SessionTestCase):
    """The helper started by nobody, without any capability: datagram
    sockets, a rate limit, and no right to mark packets."""

    unprivileged = True

    def test_socket_kind_is_datagram(self):
        self.assertEqual(self.feature("socket-kind"), "datagram")

    def test_probe_rate_is_a_number(self):
        rate = self.feature("probe-rate")
        self.assertRegex(rate, r"^[1-9][0-9]*$")

    def test_features_without_privilege(self):
        self.assertEqual(self.feature("version"), project_version())
        for name in ("send-probe", "ip-4", "ip-6", "icmp", "udp"):
            with self.subTest(feature=name):
                self.assertEqual(self.feature(name), "ok")

    def test_probes_without_privilege(self):
        cases = [
            (dict(ip_4=TARGET_V4, ttl=1), "ttl-expired", HOPS_V4[0]),
            (dict(ip_6=TARGET_V6, ttl=1), "ttl-expired", HOPS_V6[0]),
            (dict(ip_4=TARGET_V4, ttl=3, protocol="udp"), "ttl-expired",
             HOPS_V4[2]),
            (dict(ip_6=TARGET_V6, ttl=3, protocol="udp"), "ttl-expired",
             HOPS_V6[2]),
            (dict(ip_4=TARGET_V4), "reply", TARGET_V4),
            (dict(ip_6=TARGET_V6, protocol="udp"), "reply", TARGET_V6),
        ]
        for args, word, address in cases:
            with self.subTest(**args):
                least = TARGET_DELAY_US if word == "reply" else HOP_DELAY_US
                self.assert_answer(self.probe(**args), word, address, least)

    def test_tcp_is_refused_as_check_support_says(self):
        """Without raw sockets nothing sees a target's SYN-ACK or reset, so
        the helper offers no TCP."""
        self.assertEqual(self.feature("tcp"), "no")
        for target in (dict(ip_4=TARGET_V4), dict(ip_6=TARGET_V6)):
            with self.subTest(**target):
                since = len(sim.records())
                reply = self.probe(protocol="tcp", port=OPEN_PORT, ttl=1,
                                   timeout=1, **target)
                self.assertEqual(reply["line"],
                                 f"{reply['token']} {PERMISSION_DENIED}")
                self.assert_nothing_sent(since)

    def test_mark_is_permission_denied(self):
        for target in (dict(ip_4=TARGET_V4), dict(ip_6=TARGET_V6)):
            with self.subTest(**target):
                since = len(sim.records())
                reply = self.probe(mark=MARK, ttl=1, timeout=1, **target)
                self.assertEqual(reply["line"],
                                 f"{reply['token']} {PERMISSION_DENIED}")
                self.assert_nothing_sent(since)


class SendProbeArgumentsTest(SessionTestCase):
    """Each argument of send-probe, as root, checked in what reached the
    simulated path."""

    def probe_recorded(self, **args):
        """Sends one probe and returns its reply and the one record the
        simulator made of it."""
        since = len(sim.records())
        reply = self.probe(**args)
        records = self.new_records(since)
        self.assertEqual(len(records), 1,
                         f"records of {args}: {records}")
        return reply, records[0]

    def test_ip_4(self):
        reply, record = self.probe_recorded(ip_4=TARGET_V4)
        self.assert_answer(reply, "reply", TARGET_V4, TARGET_DELAY_US)
        self.assertEqual((record["family"], record["dst"], record["src"]),
                         (4, TARGET_V4, hsnet.SIM_CLIENT_V4))
        self.assertEqual((record["protocol"], record["ttl"]), ("icmp", 255))

    def test_ip_6(self):
        reply, record = self.probe_recorded(ip_6=TARGET_V6)
        self.assert_answer(reply, "reply", TARGET_V6, TARGET_DELAY_US)
        self.assertEqual((record["family"], record["dst"], record["src"]),
                         (6, TARGET_V6, hsnet.SIM_CLIENT_V6))
        self.assertEqual((record["protocol"], record["ttl"]), ("icmp", 255))

    def test_local_ip(self):
        cases = [
            (dict(ip_4=TARGET_V4, local_ip_4=hsnet.SIM_CLIENT_V4),
             hsnet.SIM_CLIENT_V4),
            (dict(ip_6=TARGET_V6, local_ip_6=hsnet.SIM_CLIENT_V6),
             hsnet.SIM_CLIENT_V6),
            # The unspecified address, which the mtr front-end sends when
            # the user chose none, leaves the choice to the kernel.
            (dict(ip_4=TARGET_V4, local_ip_4="0.0.0.0"),
             hsnet.SIM_CLIENT_V4),
            (dict(ip_6=TARGET_V6, local_ip_6="::"), hsnet.SIM_CLIENT_V6),
        ]
        for args, source in cases:
            for protocol in ("icmp", "udp", "tcp"):
                with self.subTest(protocol=protocol, **args):
                    reply, record = self.probe_recorded(
                        ttl=1, protocol=protocol, **args)
                    self.assert_answer(reply, "ttl-expired",
                                       HOPS_V4[0] if "ip_4" in args
                                       else HOPS_V6[0], HOP_DELAY_US)
                    self.assertEqual(record["src"], source)

    def test_local_ip_not_on_this_host(self):
        for args in (dict(ip_4=TARGET_V4, local_ip_4="192.0.2.200"),
                     dict(ip_6=TARGET_V6, local_ip_6="2001:db8:1::200")):
            for protocol in ("icmp", "udp", "tcp"):
                with self.subTest(protocol=protocol, **args):
                    since = len(sim.records())
                    reply = self.probe(protocol=protocol, ttl=1, **args)
                    self.assertEqual(reply["line"], f"{reply['token']} "
                                     "address-not-available")
                    self.assert_nothing_sent(since)

    def test_protocols_reach_the_target(self):
        for family, target in ((4, TARGET_V4), (6, TARGET_V6)):
            for protocol in ("icmp", "udp", "tcp"):
                with self.subTest(family=family, protocol=protocol):
                    args = {f"ip_{family}": target, "protocol": protocol}
                    if protocol == "tcp":
                        args["port"] = OPEN_PORT
                    reply, record = self.probe_recorded(**args)
                    self.assert_answer(reply, "reply", target,
                                       TARGET_DELAY_US)
                    self.assertEqual(record["protocol"], protocol)
                    self.assertEqual(record["hop"], "target")

    def test_protocols_at_each_hop(self):
        for family, hops in ((4, HOPS_V4), (6, HOPS_V6)):
            target = TARGET_V4 if family == 4 else TARGET_V6
            for protocol in ("icmp", "udp", "tcp"):
                for ttl in (1, 3):
                    with self.subTest(family=family, protocol=protocol,
                                      ttl=ttl):
                        reply, record = self.probe_recorded(
                            protocol=protocol, ttl=ttl,
                            **{f"ip_{family}": target})
                        self.assert_answer(reply, "ttl-expired",
                                           hops[ttl - 1], HOP_DELAY_US)
                        self.assertEqual((record["ttl"], record["hop"]),
                                         (ttl, ttl))
                        self.assertEqual(record["protocol"], protocol)

    def test_port(self):
        for family, target in ((4, TARGET_V4), (6, TARGET_V6)):
            for protocol, port, word in (("udp", 33500, "ttl-expired"),
                                         ("tcp", 8443, "ttl-expired"),
                                         ("tcp", OPEN_PORT, "reply"),
                                         ("tcp", CLOSED_PORT, "reply")):
                with self.subTest(family=family, protocol=protocol,
                                  port=port):
                    args = {f"ip_{family}": target, "protocol": protocol,
                            "port": port}
                    if word == "ttl-expired":
                        args["ttl"] = 1
                    reply, record = self.probe_recorded(**args)
                    self.assertEqual(reply["word"], word, reply["line"])
                    self.assertEqual(record["dport"], port)

    def test_udp_default_port_is_a_port(self):
        reply, record = self.probe_recorded(ip_4=TARGET_V4, protocol="udp",
                                            ttl=1)
        self.assert_answer(reply, "ttl-expired", HOPS_V4[0], HOP_DELAY_US)
        self.assertTrue(1 <= record["dport"] <= 65535, record)

    def test_local_port(self):
        for family, target, hop in ((4, TARGET_V4, HOPS_V4[0]),
                                    (6, TARGET_V6, HOPS_V6[0])):
            for port in (40001, 65535, 1024):
                with self.subTest(family=family, local_port=port):
                    reply, record = self.probe_recorded(
                        protocol="udp", local_port=port, ttl=1,
                        **{f"ip_{family}": target})
                    self.assert_answer(reply, "ttl-expired", hop,
                                       HOP_DELAY_US)
                    self.assertEqual(record["sport"], port)

    def test_local_port_probes_stay_apart(self):
        """Several UDP probes from one local port in flight at once each
        get their own answer, from their own hop."""
        tokens = {}
        for ttl in (1, 3, 1, 3):
            token = self.session.request("send-probe", ip_4=TARGET_V4,
                                         protocol="udp", local_port=40002,
                                         ttl=ttl)
            tokens[token] = ttl
        for token, ttl in tokens.items():
            reply = self.session.reply(token, MARGIN)
            self.assert_answer(reply, "ttl-expired", HOPS_V4[ttl - 1],
                               HOP_DELAY_US)

    def test_ttl(self):
        for family, target, hops in ((4, TARGET_V4, HOPS_V4),
                                     (6, TARGET_V6, HOPS_V6)):
            for ttl in (1, 3, 4, 64, 255):
                with self.subTest(family=family, ttl=ttl):
                    reply, record = self.probe_recorded(
                        ttl=ttl, **{f"ip_{family}": target})
                    self.assertEqual(record["ttl"], ttl)
                    if ttl <= len(hops):
                        self.assert_answer(reply, "ttl-expired",
                                           hops[ttl - 1], HOP_DELAY_US)
                    else:
                        self.assert_answer(reply, "reply", target,
                                           TARGET_DELAY_US)

    def test_size(self):
        for family, target, hop in ((4, TARGET_V4, HOPS_V4[0]),
                                    (6, TARGET_V6, HOPS_V6[0])):
            for protocol in ("icmp", "udp"):
                for size in (100, 200, 1000, 1500):
                    with self.subTest(family=family, protocol=protocol,
                                      size=size):
                        reply, record = self.probe_recorded(
                            protocol=protocol, size=size, ttl=1,
                            **{f"ip_{family}": target})
                        self.assert_answer(reply, "ttl-expired", hop,
                                           HOP_DELAY_US)
                        self.assertEqual(record["size"], size)

    def test_size_zero_is_the_smallest_probe(self):
        for family, target in ((4, TARGET_V4), (6, TARGET_V6)):
            with self.subTest(family=family):
                reply, record = self.probe_recorded(
                    size=0, ttl=1, **{f"ip_{family}": target})
                self.assertEqual(reply["word"], "ttl-expired")
                header = 20 if family == 4 else 40
                self.assertGreaterEqual(record["size"], header + 8)
                self.assertLessEqual(record["size"], 64)

    def test_bit_pattern(self):
        for name, args in (("pattern-icmp-4", dict(ip_4=TARGET_V4)),
                           ("pattern-udp-6", dict(ip_6=TARGET_V6,
                                                  protocol="udp"))):
            with self.subTest(counter=name):
                before = counters.packets(name)
                reply = self.probe(bit_pattern=PATTERN, size=200, ttl=1,
                                   **args)
                self.assertEqual(reply["word"], "ttl-expired",
                                 reply["line"])
                self.assertEqual(counters.packets(name), before + 1,
                                 "the payload does not start with the "
                                 "pattern")
                # Without the argument the payload is something else.
                reply = self.probe(size=200, ttl=1, **args)
                self.assertEqual(counters.packets(name), before + 1)

    def test_tos(self):
        cases = [("tos-4", dict(ip_4=TARGET_V4)),
                 ("tos-6", dict(ip_6=TARGET_V6))]
        for name, args in cases:
            for protocol in ("icmp", "udp", "tcp"):
                with self.subTest(counter=name, protocol=protocol):
                    before = counters.packets(name)
                    reply = self.probe(tos=TOS, ttl=1, protocol=protocol,
                                       **args)
                    self.assertEqual(reply["word"], "ttl-expired",
                                     reply["line"])
                    self.assertEqual(counters.packets(name), before + 1)
                    self.probe(tos=0, ttl=1, protocol=protocol, **args)
                    self.assertEqual(counters.packets(name), before + 1)

    def test_mark_is_refused(self):
        """Marking a packet takes CAP_NET_ADMIN, which the helper gives up
        with every other capability before it reads a request, even when
        root starts it.  check-support says so, and a probe with a mark
        is refused without a packet going out."""
        self.assertEqual(self.feature("mark"), "no")
        cases = [("mark-4", dict(ip_4=TARGET_V4)),
                 ("mark-6", dict(ip_6=TARGET_V6))]
        for name, args in cases:
            for protocol in ("icmp", "udp", "tcp"):
                with self.subTest(counter=name, protocol=protocol):
                    before = counters.packets(name)
                    since = len(sim.records())
                    reply = self.probe(mark=MARK, ttl=1, protocol=protocol,
                                       **args)
                    self.assertEqual(reply["line"],
                                     f"{reply['token']} {PERMISSION_DENIED}")
                    self.assertEqual(counters.packets(name), before)
                    self.assert_nothing_sent(since)

    def test_ports_with_icmp_are_ignored(self):
        """The mtr front-end sends its port options whatever the protocol:
        an ICMP probe takes them, checked, and sends plain ICMP."""
        for family, target, hop in ((4, TARGET_V4, HOPS_V4[0]),
                                    (6, TARGET_V6, HOPS_V6[0])):
            with self.subTest(family=family):
                reply, record = self.probe_recorded(
                    protocol="icmp", port=80, local_port=40000, ttl=1,
                    **{f"ip_{family}": target})
                self.assert_answer(reply, "ttl-expired", hop, HOP_DELAY_US)
                self.assertEqual(record["protocol"], "icmp")
                self.assertIsNone(record["sport"])

    def test_local_device(self):
        cases = [("device-4", dict(ip_4=TARGET_V4), HOPS_V4[0]),
                 ("device-6", dict(ip_6=TARGET_V6), HOPS_V6[0])]
        for name, args, hop in cases:
            for protocol in ("icmp", "udp", "tcp"):
                with self.subTest(counter=name, protocol=protocol):
                    before = counters.packets(name)
                    reply = self.probe(local_device=hsnet.SIM_DEVICE, ttl=1,
                                       protocol=protocol, **args)
                    self.assert_answer(reply, "ttl-expired", hop,
                                       HOP_DELAY_US)
                    self.assertEqual(counters.packets(name), before + 1)

    def test_local_device_that_does_not_exist(self):
        """The protocol names no word for it; the probe is refused with an
        error, and nothing goes out."""
        for args in (dict(ip_4=TARGET_V4), dict(ip_6=TARGET_V6)):
            with self.subTest(**args):
                since = len(sim.records())
                reply = self.probe(local_device=f"{PREFIX}-none", ttl=1,
                                   **args)
                self.assertIn(reply["word"], ("invalid-argument",
                                              "unexpected-error"),
                              reply["line"])
                self.assert_nothing_sent(since)

    def test_sctp_as_check_support_says(self):
        support = self.feature("sctp")
        self.assertIn(support, ("ok", "no"))
        reply = self.probe(ip_4=TARGET_V4, protocol="sctp", port=80, ttl=1)
        if support == "no":
            self.assertEqual(reply["line"],
                             f"{reply['token']} invalid-argument")
        else:
            self.assert_answer(reply, "ttl-expired", HOPS_V4[0],
                               HOP_DELAY_US)


class TimedLineSession(LineSession):
    """A LineSession that notes when each line arrived."""

    def _read(self):
        for raw in self.process.stdout:
            self.lines.put((time.monotonic(),
                            raw.decode("ascii", "backslashreplace")))
        self.lines.put(None)

    def timed_line(self, timeout=MARGIN):
        try:
            item = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no reply line within {timeout} s")
        if item is None:
            raise AssertionError("the helper's output ended")
        return item[0], item[1].rstrip("\n")


class RepliesTest(unittest.TestCase):
    """Each reply word, and when it comes."""

    def session(self, ns=None, timed=False):
        kind = TimedLineSession if timed else LineSession
        session = kind(helper_argv(ns))
        self.addCleanup(session.close)
        return session

    def test_no_reply_honours_the_timeout(self):
        session = self.session(timed=True)
        cases = {}
        token = 1
        for timeout in (1, 2):
            for family, target in ((4, TARGET_V4), (6, TARGET_V6)):
                for protocol in ("icmp", "udp", "tcp"):
                    cases[token] = timeout
                    session.write(
                        f"{token} send-probe ip-{family} {target} "
                        f"protocol {protocol} ttl {SILENT_TTL} "
                        f"timeout {timeout}\n".encode())
                    token += 1
        sent = time.monotonic()

        seen = {}
        while len(seen) < len(cases):
            arrived, line = session.timed_line(timeout=4.0)
            words = line.split()
            token = int(words[0])
            self.assertNotIn(token, seen, line)
            self.assertEqual(words[1:], ["no-reply"], line)
            seen[token] = arrived - sent
        for token, timeout in cases.items():
            with self.subTest(token=token, timeout=timeout):
                self.assertGreaterEqual(seen[token], timeout - 0.05)
                self.assertLess(seen[token], timeout + 0.5)

    def test_default_timeout_is_ten_seconds(self):
        session = self.session(timed=True)
        session.write(f"1 send-probe ip-4 {TARGET_V4} ttl {SILENT_TTL}\n"
                      f"2 send-probe ip-6 {TARGET_V6} ttl {SILENT_TTL}\n"
                      .encode())
        sent = time.monotonic()
        for _ in range(2):
            arrived, line = session.timed_line(timeout=12.0)
            self.assertRegex(line, r"^[12] no-reply$")
            self.assertGreaterEqual(arrived - sent, 9.95)
            self.assertLess(arrived - sent, 10.5)

    def test_answers_out_of_order(self):
        """A slow answer does not hold up a fast one sent after it."""
        session = self.session()
        session.write(f"1 send-probe ip-4 {TARGET_V4}\n"
                      f"2 send-probe ip-4 {TARGET_V4} ttl 1\n"
                      f"3 send-probe ip-6 {TARGET_V6}\n"
                      f"4 send-probe ip-6 {TARGET_V6} ttl 3\n".encode())
        lines = [session.next_line() for _ in range(4)]
        tokens = [int(line.split()[0]) for line in lines]
        self.assertEqual(sorted(tokens[:2]), [2, 4], lines)
        self.assertEqual(sorted(tokens[2:]), [1, 3], lines)

    def test_many_tokens_in_flight(self):
        """Two hundred probes at once, each answered once under its own
        token by the hop its time-to-live reaches."""
        session = self.session()
        expected = {}
        batch = []
        for token in range(1, 201):
            family = 4 if token % 2 else 6
            ttl = (1, 3, 4)[token % 3]
            target = TARGET_V4 if family == 4 else TARGET_V6
            protocol = ("icmp", "udp", "tcp")[token % 5 % 3]
            batch.append(f"{token} send-probe ip-{family} {target} "
                         f"protocol {protocol} ttl {ttl} timeout 3")
            hops = HOPS_V4 if family == 4 else HOPS_V6
            expected[token] = (("ttl-expired", hops[ttl - 1]) if ttl <= 3
                               else ("reply", target))
        session.write(("\n".join(batch) + "\n").encode())

        seen = {}
        for _ in expected:
            words = session.next_line().split()
            token = int(words[0])
            self.assertNotIn(token, seen)
            seen[token] = (words[1], words[3] if len(words) > 3 else None)
        self.assertEqual(seen, expected)

    def test_probes_exhausted(self):
        """More probes than the in-flight bound: the ones over it are
        refused at once, the others stay in flight until their timeout,
        and then there is room again."""
        session = self.session()
        extra = 50
        total = MAX_IN_FLIGHT + extra
        lines = [f"{token} send-probe ip-4 {TARGET_V4} ttl {SILENT_TTL} "
                 "timeout 3" for token in range(1, total + 1)]
        session.write(("\n".join(lines) + "\n").encode())

        refused = []
        for _ in range(extra):
            words = session.next_line(timeout=2.5).split()
            self.assertEqual(words[1:], ["probes-exhausted"], words)
            refused.append(int(words[0]))
        self.assertEqual(refused, list(range(MAX_IN_FLIGHT + 1, total + 1)))

        # Still full: one more is refused too.
        session.write(f"{total + 1} send-probe ip-4 {TARGET_V4} ttl 1\n"
                      .encode())
        self.assertEqual(session.next_line(timeout=2.5),
                         f"{total + 1} probes-exhausted")

        expired = set()
        for _ in range(MAX_IN_FLIGHT):
            words = session.next_line(timeout=MARGIN).split()
            self.assertEqual(words[1:], ["no-reply"], words)
            expired.add(int(words[0]))
        self.assertEqual(expired, set(range(1, MAX_IN_FLIGHT + 1)))

        session.write(f"{total + 2} send-probe ip-4 {TARGET_V4} ttl 1\n"
                      .encode())
        words = session.next_line().split()
        self.assertEqual(words[:4], [str(total + 2), "ttl-expired", "ip-4",
                                     HOPS_V4[0]])

    def test_unreachable_hop_is_reported(self):
        """An address behind the last hop that nobody holds: the last hop
        says the host is unreachable."""
        session = self.session()
        session.write(b"1 send-probe ip-4 198.51.100.99 timeout 2\n"
                      b"2 send-probe ip-6 2001:db8:2::99 timeout 2\n")
        for token, family, hop in ((1, "ip-4", HOPS_V4[-1]),
                                   (2, "ip-6", HOPS_V6[-1])):
            words = session.lines_until(f"{token} ")[1].split()
            self.assertEqual(words[1:4], [NO_ROUTE_HOST, family, hop])
            self.assertEqual(words[4], "round-trip-time")

    def test_send_errors(self):
        """Probes that cannot leave a namespace without routes."""
        session = self.session(ns=BARE_NS)
        cases = [
            # No route at all.
            ("send-probe ip-4 192.0.2.77", NO_ROUTE_NETWORK),
            ("send-probe ip-6 2001:db8:77::1", NO_ROUTE_NETWORK),
            ("send-probe ip-4 192.0.2.77 protocol udp", NO_ROUTE_NETWORK),
            ("send-probe ip-6 2001:db8:77::1 protocol udp",
             NO_ROUTE_NETWORK),
            ("send-probe ip-4 192.0.2.77 protocol tcp port 80",
             NO_ROUTE_NETWORK),
            ("send-probe ip-6 2001:db8:77::1 protocol tcp port 80",
             NO_ROUTE_NETWORK),
            # A route that says the host cannot be reached.
            (f"send-probe ip-4 {TARGET_V4}", NO_ROUTE_HOST),
            (f"send-probe ip-6 {TARGET_V6}", NO_ROUTE_HOST),
            (f"send-probe ip-4 {TARGET_V4} protocol udp", NO_ROUTE_HOST),
            (f"send-probe ip-6 {TARGET_V6} protocol udp", NO_ROUTE_HOST),
            (f"send-probe ip-4 {TARGET_V4} protocol tcp port 80",
             NO_ROUTE_HOST),
            (f"send-probe ip-6 {TARGET_V6} protocol tcp port 80",
             NO_ROUTE_HOST),
            # A route that forbids it.
            (f"send-probe ip-4 {HOPS_V4[0]}", PERMISSION_DENIED),
            (f"send-probe ip-6 {HOPS_V6[0]}", PERMISSION_DENIED),
            (f"send-probe ip-4 {HOPS_V4[0]} protocol udp", PERMISSION_DENIED),
            (f"send-probe ip-6 {HOPS_V6[0]} protocol udp", PERMISSION_DENIED),
        ]
        for token, (request, word) in enumerate(cases, 1):
            with self.subTest(request=request):
                session.write(f"{token} {request} timeout 1\n".encode())
                before, line = session.lines_until(f"{token} ")
                self.assertEqual(before, [])
                self.assertEqual(line, f"{token} {word}")

    @unittest.skip("the kernel reports ENETDOWN to a sender only when a "
                   "device goes down between the route lookup and the "
                   "transmission; no namespace set-up provokes it at will")
    def test_network_down(self):
        pass

    def test_unknown_command(self):
        session = self.session()
        session.write(b"5 frobnicate\n6 send-probe-now ip-4 127.0.0.1\n")
        self.assertEqual(session.next_line(), "5 unknown-command")
        self.assertEqual(session.next_line(), "6 unknown-command")

    def test_loopback(self):
        """The loopback addresses of the helper's own namespace answer."""
        session = self.session()
        session.write(b"1 send-probe ip-4 127.0.0.1\n"
                      b"2 send-probe ip-6 ::1\n"
                      b"3 send-probe ip-4 127.0.0.1 protocol udp\n"
                      b"4 send-probe ip-6 ::1 protocol udp\n"
                      b"5 send-probe ip-4 127.0.0.1 protocol tcp port 9\n"
                      b"6 send-probe ip-6 ::1 protocol tcp port 9\n")
        replies = sorted(session.next_line() for _ in range(6))
        for token, line in enumerate(replies, 1):
            address = "127.0.0.1" if token % 2 else "::1"
            family = "ip-4" if token % 2 else "ip-6"
            self.assertRegex(line, rf"^{token} reply {family} "
                                   rf"{re.escape(address)} "
                                   r"round-trip-time [0-9]+$")


def good_follow_up(token):
    return (f"{token} check-support feature version\n".encode(),
            f"{token} feature-support support {project_version()}")


PARSE_ERROR = "0 command-parse-error"
OVERFLOW = "0 command-buffer-overflow"

# Lines that are not requests at all, or not well-formed ones, and the one
# reply each must get.  "T" stands for the line's own token.
MALFORMED_LINES = [
    # Not "TOKEN COMMAND [NAME VALUE]...".
    (b"", PARSE_ERROR),
    (b"   \t ", PARSE_ERROR),
    (b"\r", PARSE_ERROR),
    (b"101", PARSE_ERROR),
    (b"check-support feature version", PARSE_ERROR),
    (b"x check-support feature version", PARSE_ERROR),
    (b"-102 check-support feature version", PARSE_ERROR),
    (b"+102 check-support feature version", PARSE_ERROR),
    (b"102x check-support feature version", PARSE_ERROR),
    (b"0x66 check-support feature version", PARSE_ERROR),
    (b"1.5 check-support feature version", PARSE_ERROR),
    (b"2147483648 check-support feature version", PARSE_ERROR),
    (b"99999999999999999999999999 check-support feature version",
     PARSE_ERROR),
    (b"103 send-probe ip-4", PARSE_ERROR),
    (b"104 check-support feature", PARSE_ERROR),
    (b"105 send-probe ip-4 127.0.0.1 ttl", PARSE_ERROR),
    (b"106 frobnicate now", PARSE_ERROR),
    # Bytes that have no place in a request.
    (b"107 check-support\x01 feature version", PARSE_ERROR),
    (b"108 check-support feature version\x00", PARSE_ERROR),
    (b"109 check-support feature \x1b[2Jversion", PARSE_ERROR),
    (b"110 check-support feature v\xc3\xa9rsion", PARSE_ERROR),
    (b"111 check-support feature version\x7f", PARSE_ERROR),
    (b"112\x0bcheck-support feature version", PARSE_ERROR),
    (b"113 send-probe ip-4 127.0.0.1\x00 ttl 1", PARSE_ERROR),
    (b"114 check-support feature version\r\r", PARSE_ERROR),
    # Well-formed, but no command this helper knows.
    (b"115 frobnicate", "T unknown-command"),
    (b"116 SEND-PROBE ip-4 127.0.0.1", "T unknown-command"),
    (b"117 send_probe ip-4 127.0.0.1", "T unknown-command"),
    (b"118 check-supports feature version", "T unknown-command"),
    # check-support with arguments it does not take.
    (b"119 check-support x y", "T invalid-argument"),
    (b"120 check-support feature version extra 1", "T invalid-argument"),
    (b"121 check-support feat version", "T invalid-argument"),
    (b"122 check-support feature " + b"x" * 33, "T invalid-argument"),
    # send-probe without a target, or a target it cannot probe.
    (b"123 send-probe ttl 5", "T invalid-argument"),
    (b"124 send-probe ip-4 127.0.0", "T invalid-argument"),
    (b"125 send-probe ip-4 127.0.0.256", "T invalid-argument"),
    (b"126 send-probe ip-4 127.0.0.1x", "T invalid-argument"),
    (b"127 send-probe ip-4 ::1", "T invalid-argument"),
    (b"128 send-probe ip-6 127.0.0.1", "T invalid-argument"),
    (b"129 send-probe ip-6 fe80::1%lo", "T invalid-argument"),
    (b"130 send-probe ip-6 2001:db8:::1", "T invalid-argument"),
    (b"131 send-probe ip-4 localhost", "T invalid-argument"),
    (b"132 send-probe ip-4 255.255.255.255", "T invalid-argument"),
    (b"133 send-probe ip-4 224.0.0.1", "T invalid-argument"),
    (b"134 send-probe ip-4 239.255.255.250", "T invalid-argument"),
    (b"135 send-probe ip-6 ff02::1", "T invalid-argument"),
    (b"136 send-probe ip-4 0.0.0.0", "T invalid-argument"),
    (b"137 send-probe ip-6 ::", "T invalid-argument"),
    (b"138 send-probe ip-6 ::ffff:127.0.0.1", "T invalid-argument"),
    (b"139 send-probe ip-4 127.0.0.1 ip-6 ::1", "T invalid-argument"),
    # Repeated, unknown and misspelt arguments.
    (b"140 send-probe ip-4 127.0.0.1 ip-4 127.0.0.1", "T invalid-argument"),
    (b"141 send-probe ip-4 127.0.0.1 ttl 5 ttl 5", "T invalid-argument"),
    (b"142 send-probe ip-4 127.0.0.1 protocol udp port 33434 port 33435",
     "T invalid-argument"),
    (b"143 send-probe ip-4 127.0.0.1 colour blue", "T invalid-argument"),
    (b"144 send-probe ip-4 127.0.0.1 TTL 5", "T invalid-argument"),
    (b"145 send-probe ip-4 127.0.0.1 feature version", "T invalid-argument"),
    # Protocols and ports.
    (b"146 send-probe ip-4 127.0.0.1 protocol ICMP", "T invalid-argument"),
    (b"147 send-probe ip-4 127.0.0.1 protocol raw", "T invalid-argument"),
    (b"148 send-probe ip-4 127.0.0.1 port 80 protocol udp port 81",
     "T invalid-argument"),
    (b"149 send-probe ip-4 127.0.0.1 protocol icmp local-port 1000",
     "T invalid-argument"),
    (b"150 send-probe ip-4 127.0.0.1 protocol udp port 0",
     "T invalid-argument"),
    (b"151 send-probe ip-4 127.0.0.1 protocol udp port 65536",
     "T invalid-argument"),
    (b"152 send-probe ip-4 127.0.0.1 protocol udp port -1",
     "T invalid-argument"),
    (b"153 send-probe ip-4 127.0.0.1 protocol tcp port 80x",
     "T invalid-argument"),
    (b"154 send-probe ip-4 127.0.0.1 protocol udp local-port 1023",
     "T invalid-argument"),
    (b"155 send-probe ip-4 127.0.0.1 protocol udp local-port 80",
     "T invalid-argument"),
    (b"156 send-probe ip-4 127.0.0.1 protocol udp local-port 65536",
     "T invalid-argument"),
    # Numbers out of range or badly written.
    (b"157 send-probe ip-4 127.0.0.1 ttl 0", "T invalid-argument"),
    (b"158 send-probe ip-4 127.0.0.1 ttl 256", "T invalid-argument"),
    (b"159 send-probe ip-4 127.0.0.1 ttl -1", "T invalid-argument"),
    (b"160 send-probe ip-4 127.0.0.1 ttl 1e2", "T invalid-argument"),
    (b"161 send-probe ip-4 127.0.0.1 ttl 0x10", "T invalid-argument"),
    (b"162 send-probe ip-4 127.0.0.1 ttl +5", "T invalid-argument"),
    (b"163 send-probe ip-4 127.0.0.1 ttl 99999999999999999999999",
     "T invalid-argument"),
    (b"164 send-probe ip-4 127.0.0.1 timeout 3601", "T invalid-argument"),
    (b"165 send-probe ip-4 127.0.0.1 timeout 1.5", "T invalid-argument"),
    (b"166 send-probe ip-4 127.0.0.1 timeout 10s", "T invalid-argument"),
    (b"167 send-probe ip-4 127.0.0.1 size 65536", "T invalid-argument"),
    (b"168 send-probe ip-4 127.0.0.1 size -64", "T invalid-argument"),
    (b"169 send-probe ip-4 127.0.0.1 bit-pattern 256", "T invalid-argument"),
    (b"170 send-probe ip-4 127.0.0.1 tos 256", "T invalid-argument"),
    (b"171 send-probe ip-4 127.0.0.1 mark 4294967296", "T invalid-argument"),
    (b"172 send-probe ip-4 127.0.0.1 mark abc", "T invalid-argument"),
    # Local addresses and devices.
    (b"173 send-probe ip-4 127.0.0.1 local-device abcdefghijklmnop",
     "T invalid-argument"),
    (b"174 send-probe ip-4 127.0.0.1 local-device lo/0",
     "T invalid-argument"),
    (b"175 send-probe ip-6 ::1 local-ip-4 127.0.0.1", "T invalid-argument"),
    (b"176 send-probe ip-4 127.0.0.1 local-ip-6 ::1", "T invalid-argument"),
    (b"177 send-probe ip-4 127.0.0.1 local-ip-4 1.2.3",
     "T invalid-argument"),
    (b"178 send-probe ip-4 127.0.0.1 local-ip-4 224.0.0.1",
     "T invalid-argument"),
    (b"179 send-probe ip-6 ::1 local-ip-6 ff02::1", "T invalid-argument"),
]

# Lines written in unusual ways that are still good requests.
ODD_GOOD_LINES = [
    (b"201\tcheck-support\tfeature\tversion", "201"),
    (b"202 check-support feature version\r", "202"),
    (b"  203   check-support  feature \t version  ", "203"),
    (b"0 check-support feature version", "0"),
    (b"00204 check-support feature version", "204"),
    (b"2147483647 check-support feature version", "2147483647"),
]


class LineProtocolTest(unittest.TestCase):
    """Malformed and invalid lines, long lines and lines in pieces, on one
    helper that must keep answering."""

    def setUp(self):
        self.session = LineSession(helper_argv())
        self.addCleanup(self.close_session)
        self.follow_up = 1000

    def close_session(self):
        self.assertEqual(self.session.close(), 0, "the helper's exit code")

    def assert_still_answers(self, data, expected):
        """Writes data, then a good request, and checks that the lines
        before the good request's reply are exactly expected."""
        self.follow_up += 1
        request, answer = good_follow_up(self.follow_up)
        self.session.write(data + request)
        before, line = self.session.lines_until(f"{self.follow_up} ")
        self.assertEqual(before, expected)
        self.assertEqual(line, answer)

    def test_at_least_forty_bad_lines(self):
        self.assertGreaterEqual(len(MALFORMED_LINES), 40)

    def test_malformed_lines(self):
        for line, reply in MALFORMED_LINES:
            token = line.split(b" ")[0].decode("ascii", "replace")
            expected = reply.replace("T ", token + " ", 1)
            with self.subTest(line=line):
                self.assert_still_answers(line + b"\n", [expected])

    def test_odd_but_good_lines(self):
        version = project_version()
        for line, token in ODD_GOOD_LINES:
            with self.subTest(line=line):
                self.assert_still_answers(
                    line + b"\n",
                    [f"{token} feature-support support {version}"])

    def test_invalid_probes_send_nothing(self):
        """The bad lines again, aimed at the simulated target: not one of
        them may reach it."""
        since = len(sim.records())
        for line, _ in MALFORMED_LINES:
            line = line.replace(b"127.0.0.1", TARGET_V4.encode())
            self.session.write(line.replace(b"::1", TARGET_V6.encode())
                               + b"\n")
        request, answer = good_follow_up(999)
        self.session.write(request)
        before, line = self.session.lines_until(
            "999 ", limit=len(MALFORMED_LINES))
        self.assertEqual(line, answer)
        self.assertEqual(len(before), len(MALFORMED_LINES))
        time.sleep(0.1)
        self.assertEqual(sim.records()[since:], [])

    def test_longest_line(self):
        """A line of 4095 bytes, newline not counted, is a request."""
        request = b"7 check-support feature version"
        line = request + b" " * (4095 - len(request))
        self.assert_still_answers(
            line + b"\n", [f"7 feature-support support {project_version()}"])

        line = b"8 " + b"y" * 4093
        self.assertEqual(len(line), 4095)
        self.assert_still_answers(line + b"\n", ["8 unknown-command"])

    def test_overflow(self):
        """A line of 4096 bytes or more is answered once, however long."""
        for length in (4096, 4097, 8192, 100000):
            with self.subTest(length=length):
                line = b"9 " + b"z" * (length - 2)
                self.assert_still_answers(line + b"\n", [OVERFLOW])

    def test_overflow_then_good_line_in_one_write(self):
        line = b"9 check-support feature version" + b" " * 4096
        request, answer = good_follow_up(10)
        self.session.write(line + b"\n" + request)
        before, reply = self.session.lines_until("10 ")
        self.assertEqual(before, [OVERFLOW])
        self.assertEqual(reply, answer)

    def test_lines_in_pieces(self):
        """A request written a few bytes at a time is one request."""
        request, answer = good_follow_up(11)
        for i in range(0, len(request), 3):
            self.session.write(request[i:i + 3])
            time.sleep(0.02)
        self.assertEqual(self.session.next_line(), answer)

    def test_many_lines_in_one_write(self):
        data = b"".join(good_follow_up(token)[0] for token in range(20, 420))
        self.session.write(data)
        for token in range(20, 420):
            self.assertEqual(self.session.next_line(),
                             good_follow_up(token)[1])


class EndOfInputTest(unittest.TestCase):
    """When its input ends, the helper answers what is in flight, then
    exits with status 0."""

    def run_to_end(self, data):
        session = TimedLineSession(helper_argv())
        self.addCleanup(session.close)
        started = time.monotonic()
        session.write(data)
        session.close_input()
        lines = []
        while True:
            item = session.lines.get(timeout=15)
            if item is None:
                break
            lines.append((item[0] - started, item[1].rstrip("\n")))
        code = session.wait(MARGIN)
        return code, time.monotonic() - started, lines

    def test_probe_in_flight_is_answered(self):
        code, elapsed, lines = self.run_to_end(
            f"1 send-probe ip-4 {TARGET_V4}\n".encode())
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0][1], rf"^1 reply ip-4 {TARGET_V4} "
                                      r"round-trip-time [0-9]+$")
        self.assertGreaterEqual(lines[0][0], TARGET_DELAY_US / 1e6 - 0.01)
        self.assertGreaterEqual(elapsed, lines[0][0])
        self.assertEqual(code, 0)

    def test_every_kind_in_flight_is_answered(self):
        code, elapsed, lines = self.run_to_end(
            f"1 send-probe ip-6 {TARGET_V6} protocol udp\n"
            f"2 send-probe ip-4 {TARGET_V4} ttl {SILENT_TTL} timeout 1\n"
            f"3 send-probe ip-4 {TARGET_V4} protocol tcp port {OPEN_PORT}\n"
            f"4 send-probe ip-6 {TARGET_V6} ttl 1\n"
            "5 check-support feature version\n".encode())
        words = sorted(line.split()[:2] for _, line in lines)
        self.assertEqual(words, [["1", "reply"], ["2", "no-reply"],
                                 ["3", "reply"], ["4", "ttl-expired"],
                                 ["5", "feature-support"]])
        self.assertGreaterEqual(elapsed, 1.0)
        self.assertLess(elapsed, 1.0 + MARGIN)
        self.assertEqual(code, 0)

    def test_idle_helper_exits_at_once(self):
        code, elapsed, lines = self.run_to_end(b"")
        self.assertEqual((code, lines), (0, []))
        self.assertLess(elapsed, 2.0)

    def test_last_line_without_newline(self):
        """A last request without its newline is a request all the
        same."""
        code, elapsed, lines = self.run_to_end(
            f"1 send-probe ip-6 {TARGET_V6} ttl 1\n"
            f"2 send-probe ip-4 {TARGET_V4} ttl 1".encode())
        self.assertEqual(sorted(line.split()[:4] for _, line in lines),
                         [["1", "ttl-expired", "ip-6", HOPS_V6[0]],
                          ["2", "ttl-expired", "ip-4", HOPS_V4[0]]])
        self.assertEqual(code, 0)

    def test_input_from_a_file(self):
        """Standard input may be a regular file, which poll() and epoll
        cannot watch: every request in it is answered, then the helper
        exits."""
        with tempfile.TemporaryDirectory(prefix=f"{PREFIX}-") as folder:
            path = os.path.join(folder, "requests")
            with open(path, "w") as requests:
                requests.write(f"1 send-probe ip-4 {TARGET_V4}\n"
                               f"2 send-probe ip-6 {TARGET_V6} ttl 3\n"
                               "3 check-support feature udp\n"
                               "4 nonsense\n")
            with open(path) as requests:
                result = subprocess.run(helper_argv(), stdin=requests,
                                        capture_output=True, text=True,
                                        timeout=MARGIN)
        self.assertEqual(result.returncode, 0, result.stderr)
        replies = sorted(result.stdout.splitlines())
        self.assertEqual(len(replies), 4, replies)
        self.assertRegex(replies[0], rf"^1 reply ip-4 {TARGET_V4} "
                                     r"round-trip-time [0-9]+$")
        self.assertRegex(replies[1], rf"^2 ttl-expired ip-6 "
                                     rf"{re.escape(HOPS_V6[2])} "
                                     r"round-trip-time [0-9]+$")
        self.assertEqual(replies[2:], ["3 feature-support support ok",
                                       "4 unknown-command"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
