#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The diagnosis on simulated paths whose truth is known.

For each scenario of the path simulator (loss on the path from a hop, a
router limiting its answers, a latency step, a silent hop, a target that
never answers, a route change during the run, load balancing, a clean
path), the test builds the path, runs `hopscope --report --json` inside the
simulator's namespace and checks the findings (in the object "hopscope"
beside mtr's "report"): the right kind at the right hop with figures close
to the configured ones, and no other finding.

Runs as root, in about a minute.  It creates the namespace
hs-diagnosis-sim and temporary hs-diagnosis-* folders (one path at a time),
and removes them at the end, even on failure.
"""

import datetime
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402

# Not "hs-diag": cleanup_stale removes /tmp/PREFIX-*, and /tmp/hs-diag-build
# may be a build folder.
PREFIX = "hs-diagnosis"
HOPSCOPE = os.environ["HOPSCOPE"]

TARGET = "198.51.100.10"
# Rounds and their interval: 60 rounds give the diagnosis enough probes at
# every hop (it judges loss over 10 at least) in six seconds.
ROUNDS = 60
INTERVAL = "0.1"

# The hop delays of a plain path, in milliseconds, and the target's.
DELAYS = [1.0, 2.0, 3.0, 4.0, 5.0]
TARGET_DELAY = 6.0

KINDS = {"loss-on-path", "rate-limited", "latency-step", "silent-hop",
         "target-silent", "path-changed", "healthy"}


def config(hops=None, target="", more=""):
    """A path of len(DELAYS) hops, hop K at 203.0.113.K.  HOPS maps a hop
    number to (delay or None for the default, more settings)."""
    hops = hops or {}
    lines = [f"target {TARGET} 2001:db8:2::10 delay {TARGET_DELAY} {target}"]
    for k, delay in enumerate(DELAYS, 1):
        delay_here, settings = hops.get(k, (None, ""))
        lines.append(f"hop {k} 203.0.113.{k} 2001:db8:3::{k} "
                     f"delay {delay_here or delay} {settings}")
    return "\n".join(lines) + "\n" + more


def parse_time(text):
    return datetime.datetime.fromisoformat(
        text.replace("Z", "+00:00")).timestamp()


def setUpModule():
    hsnet.require_root()
    hsnet.cleanup_stale(PREFIX)


class Diagnosis(unittest.TestCase):

    def diagnose(self, config_text, extra=()):
        """Runs hopscope on a fresh path made of CONFIG_TEXT.  Returns the
        findings, the time the simulator started and the report."""
        with hsnet.PathSimulator(PREFIX, config_text) as sim:
            env = {key: value for key, value in os.environ.items()
                   if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
            env["LC_ALL"] = "C"
            argv = [HOPSCOPE, "--report", "-c", str(ROUNDS), "-i", INTERVAL,
                    "--json", "-n", *extra, TARGET]
            result = sim.run(argv, capture_output=True, text=True, env=env,
                             timeout=60)
            started = sim.start_time
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        findings = report["hopscope"]["findings"]
        self.assertIsInstance(findings, list, result.stdout)
        for finding in findings:
            print(f"  {finding['kind']} at hop {finding['hop']}: "
                  f"{finding['sentence']}", file=sys.stderr)
            self.check_shape(finding)
        return findings, started, report

    def check_shape(self, finding):
        self.assertEqual(set(finding), {"kind", "hop", "loss_percent",
                                        "before_ms", "after_ms", "changed",
                                        "sentence"})
        self.assertIn(finding["kind"], KINDS)
        self.assertTrue(finding["sentence"])
        if finding["hop"] is not None:
            self.assertIsInstance(finding["hop"], int)
        if finding["kind"] not in ("loss-on-path", "rate-limited"):
            self.assertIsNone(finding["loss_percent"])
        if finding["kind"] != "latency-step":
            self.assertIsNone(finding["before_ms"])
            self.assertIsNone(finding["after_ms"])
        if finding["kind"] != "path-changed":
            self.assertIsNone(finding["changed"])

    def assert_kinds(self, findings, expected):
        """The findings are exactly EXPECTED, a list of (kind, hop), in
        that order."""
        self.assertEqual([(f["kind"], f["hop"]) for f in findings], expected,
                         json.dumps(findings, indent=1))

    def test_clean(self):
        findings, _, _ = self.diagnose(config())
        self.assert_kinds(findings, [("healthy", None)])
        self.assertIn("No problem found", findings[0]["sentence"])

    def test_ecmp(self):
        # Two routers behind a load balancer at hop 2, for the whole run;
        # UDP probes spread over both, as their ports differ.
        findings, _, report = self.diagnose(
            config({2: (None, "ecmp 203.0.113.22 2001:db8:3::22")}),
            extra=["-u"])
        # Both routers answered, taking turns all along.
        responders = report["report"]["hubs"][1]["responders"]
        self.assertEqual({r["address"] for r in responders},
                         {"203.0.113.2", "203.0.113.22"})
        self.assert_kinds(findings, [("healthy", None)])

    def test_loss_on_path(self):
        # A quarter of the answers of hop 3, every hop after it and the
        # target is lost.
        lossy = {k: (None, "loss 25") for k in range(3, len(DELAYS) + 1)}
        findings, _, report = self.diagnose(config(lossy, target="loss 25"))
        self.assert_kinds(findings, [("loss-on-path", 3)])
        target_loss = report["report"]["hubs"][-1]["Loss%"]
        self.assertAlmostEqual(findings[0]["loss_percent"], target_loss,
                               places=2)
        self.assertGreater(findings[0]["loss_percent"], 10)
        self.assertLess(findings[0]["loss_percent"], 45)
        self.assertIn("hop 3 (203.0.113.3)", findings[0]["sentence"])

    def test_rate_limited(self):
        # Three answers a second at hop 2, against ten probes a second.
        findings, _, _ = self.diagnose(config({2: (None, "rate-limit 3")}))
        self.assert_kinds(findings, [("rate-limited", 2)])
        self.assertGreater(findings[0]["loss_percent"], 50)
        self.assertLess(findings[0]["loss_percent"], 85)
        self.assertIn("hop 2 (203.0.113.2)", findings[0]["sentence"])

    def test_rate_limited_and_loss(self):
        # Both at once: the limit at hop 2, loss on the path from hop 4.
        hops = {k: (None, "loss 25") for k in range(4, len(DELAYS) + 1)}
        hops[2] = (None, "rate-limit 3")
        findings, _, _ = self.diagnose(config(hops, target="loss 25"))
        self.assert_kinds(findings, [("loss-on-path", 4),
                                     ("rate-limited", 2)])

    def test_latency_step(self):
        # 27 ms more from hop 3 on.
        step = {3: (30.0, ""), 4: (31.0, ""), 5: (32.0, "")}
        findings, _, _ = self.diagnose(config(step).replace(
            f"delay {TARGET_DELAY}", "delay 33"))
        self.assert_kinds(findings, [("latency-step", 3)])
        self.assertAlmostEqual(findings[0]["before_ms"], 2.0, delta=0.5)
        self.assertAlmostEqual(findings[0]["after_ms"], 30.0, delta=0.5)

    def test_silent_hop(self):
        findings, _, _ = self.diagnose(config({2: (None, "silent")}))
        self.assert_kinds(findings, [("silent-hop", 2)])

    def test_target_silent(self):
        findings, _, _ = self.diagnose(config(target="silent"),
                                       extra=["-m", "8"])
        self.assert_kinds(findings, [("target-silent", None)])
        self.assertIn(f"hop {len(DELAYS)} (203.0.113.{len(DELAYS)})",
                      findings[0]["sentence"])

    def test_route_change(self):
        # Hop 3's router is replaced three seconds after the simulator
        # starts, half way through the run.
        findings, started, _ = self.diagnose(config(
            more="at 3 hop 3 route 203.0.113.33 2001:db8:3::33\n"))
        self.assert_kinds(findings, [("path-changed", 3)])
        changed = parse_time(findings[0]["changed"])
        self.assertAlmostEqual(changed, started + 3.0, delta=1.0)
        self.assertIn("203.0.113.3 answered", findings[0]["sentence"])
        self.assertIn("203.0.113.33 ever since", findings[0]["sentence"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
