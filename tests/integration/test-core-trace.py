#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The trace engine (HsTrace) on simulated paths.

Each test builds a path with hopscope-pathsim, runs one test of the C
program test-trace inside the simulator's namespace with the path's truth
in HS_TRACE_TRUTH, and where the program reports its figures, compares them
with the simulator's record of every probe it read: probes sent per hop,
answers, mean round-trip times, the spacing of the rounds, and that no
probe went above the target after the first round.

Name lookups inside the namespace read a hosts file and a resolver
configuration of this test's own (/etc/netns/NS/, which `ip netns exec`
mounts over /etc): two hops have names there, the others have none, and
the resolver points at the namespace's loopback, where nothing answers, so
no query ever leaves the machine.

Runs as root, in about a minute.  It creates the namespaces
hs-c3-trace-*-sim, the folders /etc/netns/hs-c3-trace-*-sim and temporary
hs-c3-trace-* folders, and removes them at the end, even on failure.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402

PREFIX = "hs-c3-trace"
TEST_TRACE = os.environ.get("HOPSCOPE_TEST_TRACE")
NETNS_ETC = "/etc/netns"

# How far a hop's mean round-trip time may be from the simulator's delays.
MEAN_TOLERANCE_US = 500
# How far a round may start from its place in the schedule.
INTERVAL_TOLERANCE_S = 0.010

TARGET = ("198.51.100.10", "2001:db8:2::10")
TARGET_NAME = "target.hs-c3.test"


def hop_line(k, delay, more=""):
    return (f"hop {k} 203.0.113.{k} 2001:db8:3::{k} delay {delay} "
            f"{more}\n")


def truth_hop(k, delay, **more):
    hop = {"ttl": k, "address": f"203.0.113.{k}",
           "address6": f"2001:db8:3::{k}", "delay_ms": delay,
           "silent": False, "loss": 0.0}
    hop.update(more)
    return hop


# The five-hop path: four routers and the target.
BASIC_DELAYS = [1, 2, 4, 6]
BASIC_TARGET_DELAY = 10
BASIC_NAMES = {"203.0.113.1": "hop1.hs-c3.test",
               "203.0.113.2": "hop2.hs-c3.test",
               TARGET[0]: TARGET_NAME, TARGET[1]: TARGET_NAME}
BASIC_CONFIG = (
    f"target {TARGET[0]} {TARGET[1]} delay {BASIC_TARGET_DELAY}\n"
    + "".join(hop_line(k, d) for k, d in enumerate(BASIC_DELAYS, 1)))
BASIC_TRUTH = {
    "target": TARGET[0],
    "target6": TARGET[1],
    "target_name": TARGET_NAME,
    "target_ttl": len(BASIC_DELAYS) + 1,
    "target_delay_ms": BASIC_TARGET_DELAY,
    "target_loss": 0.0,
    "hops": [truth_hop(k, d, **({"name": BASIC_NAMES[f"203.0.113.{k}"]}
                                if f"203.0.113.{k}" in BASIC_NAMES else {}))
             for k, d in enumerate(BASIC_DELAYS, 1)],
}

# A silent hop, and loss from hop 3 on.
LOSS_PERCENT = 50
LOSSY_CONFIG = (
    f"target {TARGET[0]} {TARGET[1]} delay 10 loss {LOSS_PERCENT}\n"
    + hop_line(1, 1) + hop_line(2, 2, "silent")
    + hop_line(3, 4, f"loss {LOSS_PERCENT}")
    + hop_line(4, 6, f"loss {LOSS_PERCENT}"))
LOSSY_TRUTH = {
    "target": TARGET[0],
    "target_ttl": 5,
    "target_delay_ms": 10,
    "target_loss": float(LOSS_PERCENT),
    "hops": [truth_hop(1, 1), truth_hop(2, 2, silent=True),
             truth_hop(3, 4, loss=float(LOSS_PERCENT)),
             truth_hop(4, 6, loss=float(LOSS_PERCENT))],
}

# Two routers behind a load balancer at hop 2.
ECMP_CONFIG = (
    f"target {TARGET[0]} {TARGET[1]} delay 8\n"
    + hop_line(1, 1)
    + hop_line(2, 2, "ecmp 203.0.113.22 2001:db8:3::22")
    + hop_line(3, 4))
ECMP_TRUTH = {
    "target": TARGET[0],
    "target_ttl": 4,
    "target_delay_ms": 8,
    "ecmp_ttl": 2,
    "hops": [truth_hop(1, 1),
             truth_hop(2, 2, routers=["203.0.113.2", "203.0.113.22"]),
             truth_hop(3, 4)],
}

# Below the target, a silent hop and one that answers only long after the
# target does: the round is in once both had a grace after the target's
# reply.  (The slow hop is silent as far as the trace can tell.)
SLOW_DELAY = 150
SLOW_CONFIG = (
    f"target {TARGET[0]} {TARGET[1]} delay 8\n"
    + hop_line(1, 1) + hop_line(2, 2, "silent")
    + hop_line(3, SLOW_DELAY))
SLOW_TRUTH = {
    "target": TARGET[0],
    "target_ttl": 4,
    "target_delay_ms": 8,
    "silent_ttl": 2,
    "slow_ttl": 3,
    "hops": [truth_hop(1, 1), truth_hop(2, 2, silent=True),
             truth_hop(3, SLOW_DELAY, silent=True)],
}

# Hop 3 moves to another router a few seconds in.
CHANGE_AT_S = 2.5
CHANGE_CONFIG = (
    BASIC_CONFIG
    + f"at {CHANGE_AT_S} hop 3 route 203.0.113.33 2001:db8:3::33\n")
CHANGE_TRUTH = dict(BASIC_TRUTH, change_ttl=3, change_to="203.0.113.33")


def setUpModule():
    hsnet.require_root()
    if not TEST_TRACE or not os.access(TEST_TRACE, os.X_OK):
        raise RuntimeError("HOPSCOPE_TEST_TRACE must name the test-trace "
                           "program")
    hsnet.cleanup_stale(PREFIX)
    for path in os.listdir(NETNS_ETC) if os.path.isdir(NETNS_ETC) else []:
        if path.startswith(PREFIX):
            shutil.rmtree(os.path.join(NETNS_ETC, path), ignore_errors=True)


class SimulatedPathTestCase(unittest.TestCase):
    """One simulated path for the class; every test runs test-trace on it."""

    NAME = None
    CONFIG = None
    TRUTH = None
    HOSTS = {}

    @classmethod
    def setUpClass(cls):
        cls.sim = hsnet.PathSimulator(f"{PREFIX}-{cls.NAME}", cls.CONFIG)
        cls.addClassCleanup(cls.sim.close)
        cls.sim.__enter__()

        # The namespace's own hosts file and resolver configuration.
        cls.etc = os.path.join(NETNS_ETC, cls.sim.ns)
        cls.created_netns_etc = not os.path.isdir(NETNS_ETC)
        os.makedirs(cls.etc, exist_ok=True)
        cls.addClassCleanup(cls.remove_etc)
        with open(os.path.join(cls.etc, "hosts"), "w") as hosts:
            hosts.write("127.0.0.1 localhost\n::1 localhost\n")
            for address, name in cls.HOSTS.items():
                hosts.write(f"{address} {name}\n")
        with open(os.path.join(cls.etc, "resolv.conf"), "w") as resolv:
            resolv.write("nameserver 127.0.0.1\noptions timeout:1 "
                         "attempts:1\n")

        cls.directory = tempfile.mkdtemp(prefix=f"{PREFIX}-")
        cls.addClassCleanup(shutil.rmtree, cls.directory, True)

    @classmethod
    def remove_etc(cls):
        shutil.rmtree(cls.etc, ignore_errors=True)
        if cls.created_netns_etc:
            try:
                os.rmdir(NETNS_ETC)
            except OSError:
                pass

    def run_c_test(self, path, timeout=60):
        """Runs one test of test-trace in the simulator's namespace.
        Returns the hops' report, when the test wrote one, and the
        simulator's records of the probes it read meanwhile."""
        report_path = os.path.join(self.directory,
                                   path.strip("/").replace("/", "-"))
        env = dict(os.environ, HS_TRACE_TRUTH=json.dumps(self.TRUTH),
                   HS_TRACE_REPORT=report_path)
        n_before = len(self.sim.records())

        result = self.sim.run([TEST_TRACE, "-p", path, "--verbose"],
                              env=env, text=True, capture_output=True,
                              timeout=timeout)
        sys.stderr.write(result.stdout + result.stderr)
        self.assertEqual(result.returncode, 0,
                         f"{path} failed:\n{result.stdout}{result.stderr}")
        self.assertIn(f"ok 1 {path}", result.stdout)

        records = self.sim.records()[n_before:]
        report = None
        if os.path.exists(report_path):
            with open(report_path) as stream:
                report = json.load(stream)
            os.unlink(report_path)
        return report, records

    def compare_with_records(self, report, records, rounds,
                             settled_target=True):
        """The trace's figures against the simulator's record."""
        target_ttl = self.TRUTH["target_ttl"]
        self.assertEqual([hop["ttl"] for hop in report],
                         list(range(1, target_ttl + 1)))

        for hop in report:
            mine = [r for r in records if r["ttl"] == hop["ttl"]]
            answered = [r for r in mine if r["action"] == "answered"]
            self.assertEqual(hop["sent"], len(mine),
                             f"probes sent at TTL {hop['ttl']}")
            self.assertEqual(hop["sent"], rounds)
            self.assertEqual(hop["answered"], len(answered),
                             f"answers at TTL {hop['ttl']}")
            responders = {}
            for r in answered:
                responders[r["responder"]] = responders.get(
                    r["responder"], 0) + 1
            self.assertEqual(hop["responders"], responders,
                             f"responders at TTL {hop['ttl']}")
            if answered:
                truth_us = statistics.mean(r["delay_us"] for r in answered)
                print(f"# TTL {hop['ttl']}: sent {hop['sent']}, answered "
                      f"{hop['answered']}, mean {hop['mean_us']:.0f} us, "
                      f"simulated {truth_us:.0f} us", file=sys.stderr)
                self.assertLess(abs(hop["mean_us"] - truth_us),
                                MEAN_TOLERANCE_US)

        # After the first round, nothing above the target was probed.  (On
        # a lossy path the first round may miss the target's answer at its
        # own TTL and find it one higher for a while.)
        if not settled_target:
            return
        above = [r for r in records if r["ttl"] > target_ttl]
        first_round_end = min(r["t"] for r in records) + 0.005
        self.assertTrue(all(r["t"] < first_round_end for r in above),
                        "probes above the target after the first round")


class BasicPathTest(SimulatedPathTestCase):
    NAME = "basic"
    CONFIG = BASIC_CONFIG
    TRUTH = BASIC_TRUTH
    HOSTS = BASIC_NAMES

    def test_rounds(self):
        report, records = self.run_c_test("/Hopscope/Trace/rounds")
        self.compare_with_records(report, records, rounds=5)

        # One round every 100 ms, on schedule from the first.
        starts = sorted(r["t"] for r in records if r["ttl"] == 1)
        self.assertEqual(len(starts), 5)
        drift = max(abs(start - starts[0] - 0.1 * i)
                    for i, start in enumerate(starts))
        print(f"# rounds at most {drift * 1000:.2f} ms off their schedule",
              file=sys.stderr)
        for i, start in enumerate(starts):
            self.assertLess(abs(start - starts[0] - 0.1 * i),
                            INTERVAL_TOLERANCE_S,
                            f"round {i + 1} started at {start - starts[0]}")

    def test_one_round_time(self):
        self.run_c_test("/Hopscope/Trace/one-round-time")

    def test_pause(self):
        self.run_c_test("/Hopscope/Trace/pause")

    def test_reset(self):
        self.run_c_test("/Hopscope/Trace/reset")

    def test_unknown_host(self):
        self.run_c_test("/Hopscope/Trace/unknown-host")

    def test_names(self):
        self.run_c_test("/Hopscope/Trace/names")

    def test_helper_killed(self):
        self.run_c_test("/Hopscope/Trace/helper-killed")

    def test_resolve_family(self):
        self.run_c_test("/Hopscope/Trace/resolve-family")

    def test_ipv6(self):
        self.run_c_test("/Hopscope/Trace/ipv6")

    def test_name_cache(self):
        self.run_c_test("/Hopscope/NameCache/lookups")


class SlowHopTest(SimulatedPathTestCase):
    NAME = "slow"
    CONFIG = SLOW_CONFIG
    TRUTH = SLOW_TRUTH

    def test_grace(self):
        report, records = self.run_c_test("/Hopscope/Trace/grace")
        # The simulator did answer the slow hop's probe, after the trace
        # had counted it lost.
        slow = [r for r in records if r["ttl"] == SLOW_TRUTH["slow_ttl"]]
        self.assertEqual([r["action"] for r in slow], ["answered"])


class LossyPathTest(SimulatedPathTestCase):
    NAME = "lossy"
    CONFIG = LOSSY_CONFIG
    TRUTH = LOSSY_TRUTH

    def test_loss(self):
        report, records = self.run_c_test("/Hopscope/Trace/loss")
        self.compare_with_records(report, records, rounds=40,
                                  settled_target=False)


class EcmpPathTest(SimulatedPathTestCase):
    NAME = "ecmp"
    CONFIG = ECMP_CONFIG
    TRUTH = ECMP_TRUTH

    def test_ecmp(self):
        report, records = self.run_c_test("/Hopscope/Trace/ecmp")
        self.compare_with_records(report, records, rounds=40)


class RouteChangeTest(SimulatedPathTestCase):
    NAME = "change"
    CONFIG = CHANGE_CONFIG
    TRUTH = CHANGE_TRUTH

    def test_route_change(self):
        report, records = self.run_c_test("/Hopscope/Trace/route-change")
        moved = [r for r in records
                 if r["ttl"] == 3 and r["responder"] == "203.0.113.33"]
        self.assertTrue(moved)
        self.assertGreaterEqual(min(r["t"] for r in moved), CHANGE_AT_S)


if __name__ == "__main__":
    unittest.main(verbosity=2)
