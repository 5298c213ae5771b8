#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The core library's probe client, driving the real helper.

Builds a simulated path and runs the C test tests/test-probe-client.c
inside its namespace, telling it through the environment what the path
is: one run on a four-hop path where every hop answers (one with MPLS
labels), for the client's start, probes, replies out of order, a helper
killed or missing or writing garbage; the start and the path again as the
user nobody, whose helper has no privilege; one run on a path with a
silent hop, for no-reply after the timeout.  The simulator's record must
then show the probes the C test sent.

Runs as root, in under ten seconds.  It creates the namespace
hs-c2-client-sim and temporary hs-c2-client-* folders, and removes them at
the end, even on failure.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402

PREFIX = "hs-c2-client"
TEST_PROGRAM = os.environ["HOPSCOPE_TEST_PROBE_CLIENT"]

TARGET = ("198.51.100.10", "2001:db8:2::10")

# Round-trip times in milliseconds, with fractions so that a measurement
# that ignores them shows.
FULL_HOP_DELAYS = [1.5, 3.25, 4.75, 6.5]
FULL_TARGET_DELAY = 8.25
FULL_MPLS_TTL = 3
FULL_MPLS = "16005/0/1/1"
FULL_MPLS_REPLY = "16005,0,1,1"

SILENT_HOP_DELAYS = [2.0, 3.0, 4.0]
SILENT_TARGET_DELAY = 5.0
SILENT_TTL = 2

# The user the unprivileged client runs as; it exists on every Debian
# system, so the test creates no user of its own.
NOBODY = 65534

# The C test sends at least this many ICMP probes along the full path.
FULL_MIN_PROBES = 200


def path_config(hop_delays, target_delay, extra):
    lines = [f"target {TARGET[0]} {TARGET[1]} delay {target_delay}"]
    for k, delay in enumerate(hop_delays, 1):
        lines.append(f"hop {k} 203.0.113.{k} 2001:db8:3::{k} delay {delay}"
                     + extra.get(k, ""))
    return "\n".join(lines) + "\n"


class CoreClientTest(unittest.TestCase):
    def setUp(self):
        hsnet.require_root()
        hsnet.cleanup_stale(PREFIX)
        # The C test removes its folder of fake helpers, unless it fails
        # half way.
        self.addCleanup(hsnet.cleanup_stale, PREFIX)

    def copy_for_user(self):
        """Copies the C test and the helper into a folder every user can
        reach: the build folder may sit below one only root can enter (a
        CI clone in a private temporary folder, say).  Returns the copies'
        paths."""
        folder = tempfile.mkdtemp(prefix=PREFIX + "-")
        os.chmod(folder, 0o755)
        copies = []
        for program in (TEST_PROGRAM, os.environ["HOPSCOPE_PROBE"]):
            copy = os.path.join(folder, os.path.basename(program))
            shutil.copy(program, copy)
            os.chmod(copy, 0o755)
            copies.append(copy)
        return copies

    def run_c_test(self, sim, env, user=None):
        full_env = dict(os.environ)
        full_env.update(env)
        full_env["HOPSCOPE_TEST_TARGET"] = TARGET[0]
        # The C test's own temporary folders carry the prefix too.
        full_env["TMPDIR"] = "/tmp"
        argv = [TEST_PROGRAM, "--verbose"]
        if user is not None:
            test_program, helper = self.copy_for_user()
            full_env["HOPSCOPE_PROBE"] = helper
            argv = ["setpriv", f"--reuid={user}", f"--regid={user}",
                    "--clear-groups", test_program, "--verbose"]
        result = sim.run(argv, env=full_env,
                         capture_output=True, text=True, timeout=90)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        self.assertEqual(result.returncode, 0,
                         "test-probe-client failed; see its output above")
        return result

    def test_full_path(self):
        config = path_config(FULL_HOP_DELAYS, FULL_TARGET_DELAY,
                             {FULL_MPLS_TTL: f" mpls {FULL_MPLS}"})
        delays = ",".join(str(d) for d in FULL_HOP_DELAYS
                          + [FULL_TARGET_DELAY])
        with hsnet.PathSimulator(PREFIX, config) as sim:
            self.run_c_test(sim, {
                "HOPSCOPE_TEST_PATH": "full",
                "HOPSCOPE_TEST_DELAYS": delays,
                "HOPSCOPE_TEST_MPLS": f"{FULL_MPLS_TTL}={FULL_MPLS_REPLY}",
            })
            records = sim.records()

        icmp = [r for r in records
                if r["protocol"] == "icmp" and r["dst"] == TARGET[0]]
        self.assertGreaterEqual(len(icmp), FULL_MIN_PROBES)
        ttls = {r["ttl"] for r in icmp}
        self.assertTrue(set(range(1, len(FULL_HOP_DELAYS) + 2)) <= ttls,
                        f"probes seen at time-to-live {sorted(ttls)}")
        self.assertTrue(all(r["src"] == hsnet.SIM_CLIENT_V4 for r in icmp))

    def test_unprivileged(self):
        config = path_config(FULL_HOP_DELAYS, FULL_TARGET_DELAY, {})
        delays = ",".join(str(d) for d in FULL_HOP_DELAYS
                          + [FULL_TARGET_DELAY])
        with hsnet.PathSimulator(PREFIX, config) as sim:
            # Let nobody open ICMP datagram sockets in the namespace.
            sim.run(["sysctl", "-q", "-w",
                     f"net.ipv4.ping_group_range=0 {NOBODY}"], check=True)
            self.run_c_test(sim, {
                "HOPSCOPE_TEST_PATH": "full",
                "HOPSCOPE_TEST_ROUTE": "unprivileged",
                "HOPSCOPE_TEST_DELAYS": delays,
            }, user=NOBODY)

    def test_silent_hop(self):
        config = path_config(SILENT_HOP_DELAYS, SILENT_TARGET_DELAY,
                             {SILENT_TTL: " silent"})
        delays = ",".join(str(d) for d in SILENT_HOP_DELAYS
                          + [SILENT_TARGET_DELAY])
        with hsnet.PathSimulator(PREFIX, config) as sim:
            self.run_c_test(sim, {
                "HOPSCOPE_TEST_PATH": "silent",
                "HOPSCOPE_TEST_DELAYS": delays,
                "HOPSCOPE_TEST_SILENT_TTL": str(SILENT_TTL),
            })
            records = sim.records()

        silent = [r for r in records
                  if r["ttl"] == SILENT_TTL and r["action"] == "silent"]
        self.assertEqual(len(silent), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
