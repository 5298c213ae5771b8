#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Debian's mtr front-end drives hopscope-probe as it drives mtr-packet.

Over a chain of network namespaces, mtr reports the path twice, once with
MTR_PACKET naming our helper and once with its own /usr/bin/mtr-packet,
for ICMP and UDP over IPv4 and IPv6.  Both reports must list the same hop
addresses in the same order and reach the target, and our helper must not
lose a hop that mtr-packet saw.

Runs as root.  It creates hs-compat-* namespaces and removes them at the
end, even on failure.
"""

import json
import os
import pwd
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402

PREFIX = "hs-compat"
HELPER = os.environ["HOPSCOPE_PROBE"]
MTR = "/usr/bin/mtr"
MTR_PACKET = "/usr/bin/mtr-packet"
ROUTERS = 4
CYCLES = 3

net = None


def setUpModule():
    global net

    hsnet.require_root()
    hsnet.cleanup_stale(PREFIX)
    net = hsnet.NamespaceChain(PREFIX, routers=ROUTERS)
    net.__enter__()
    unittest.addModuleCleanup(net.__exit__, None, None, None)


def children_of(pid):
    """The pids whose parent is PID."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stat:
                # The command name may hold spaces; fields follow its ")".
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(entry))
    return children


def watch_children(process):
    """Polls until PROCESS exits; returns, for each program its children
    ran, the last /proc status seen of it."""
    seen = {}
    while process.poll() is None:
        for child in children_of(process.pid):
            try:
                program = os.path.realpath("/proc/%d/exe" % child)
                with open("/proc/%d/status" % child) as status:
                    seen[program] = status.read()
            except OSError:
                continue
        time.sleep(0.01)
    return seen


def run_mtr(packet_program, family, protocol):
    """Runs an mtr report in the client namespace.  Returns its exit code,
    its output, its parsed JSON report (None when it is not JSON), and the
    programs mtr ran as children with their last /proc status."""
    # mtr's front-end execs MTR_PACKET itself, with no way to pass it a
    # privilege, so mtr runs as root here.  Our helper then opens its raw
    # sockets as root and drops to nobody before it reads a command, which
    # still works because the sockets are already open.  Running as root
    # also lets mtr use an interval under a second, which keeps this short.
    target = net.target_v4 if family == 4 else net.target_v6
    argv = [MTR, "--json", "--no-dns", "--report-cycles", str(CYCLES),
            "--interval", "0.2", "--gracetime", "1",
            "--max-ttl", str(ROUTERS + 4), "-%d" % family]
    if protocol == "udp":
        argv.append("--udp")
    argv.append(target)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
           "MTR_PACKET": packet_program}

    with tempfile.TemporaryFile("w+") as stdout, \
            tempfile.TemporaryFile("w+") as stderr:
        # ip netns exec execs mtr, so the child's pid is mtr's.
        process = net.popen(argv, env=env, stdin=subprocess.DEVNULL,
                            stdout=stdout, stderr=stderr, text=True)
        deadline = threading.Timer(60, process.kill)
        deadline.start()
        try:
            programs = watch_children(process)
        finally:
            deadline.cancel()
        stdout.seek(0)
        stderr.seek(0)
        output, errors = stdout.read(), stderr.read()
    try:
        report = json.loads(output)
    except ValueError:
        report = None
    return process.returncode, output + errors, report, programs


def hubs(report):
    """The hops of a report as (address, loss percent) pairs."""
    return [(hub["host"], float(hub["Loss%"]))
            for hub in report["report"]["hubs"]]


class MtrFrontEnd(unittest.TestCase):

    def compare(self, family, protocol):
        target = net.target_v4 if family == 4 else net.target_v6
        expected = (net.hops_v4 if family == 4 else net.hops_v6) + [target]

        code, output, their_report, programs = run_mtr(MTR_PACKET, family,
                                                       protocol)

        # mtr-packet's report checks the test network itself.
        self.assertEqual(code, 0, output)
        self.assertIsNotNone(their_report, output)
        their_hubs = hubs(their_report)
        self.assertEqual([host for host, _ in their_hubs], expected,
                         "mtr-packet does not see the chain as built")

        code, output, our_report, programs = run_mtr(HELPER, family,
                                                     protocol)

        # mtr quietly falls back to its own mtr-packet when it cannot
        # execute MTR_PACKET, so the test makes sure ours is what ran.
        self.assertTrue(os.path.realpath(HELPER) in programs
                        and os.path.realpath(MTR_PACKET) not in programs,
                        "mtr did not run our helper; its children ran %s"
                        % ", ".join(sorted(programs)))
        self.assertEqual(code, 0, "mtr with our helper failed: " + output)
        self.assertIsNotNone(our_report,
                             "mtr with our helper wrote no JSON report: "
                             + output)

        # Started by root without PKEXEC_UID, the helper probed as nobody
        # and without any capability.
        status = dict(line.split(":", 1) for line in
                      programs[os.path.realpath(HELPER)].splitlines()
                      if ":" in line)
        nobody = pwd.getpwnam("nobody").pw_uid
        self.assertEqual(status["Uid"].split(), [str(nobody)] * 4,
                         "the helper under mtr is not nobody")
        self.assertEqual(int(status["CapEff"], 16), 0,
                         "the helper under mtr kept capabilities")

        our_hubs = hubs(our_report)
        self.assertEqual([host for host, _ in our_hubs],
                         [host for host, _ in their_hubs],
                         "the hops differ from mtr-packet's")
        self.assertEqual(our_hubs[-1][0], target, "the target is not reached")
        for hop, ((host, our_loss), (_, their_loss)) in enumerate(
                zip(our_hubs, their_hubs), start=1):
            if their_loss < 100.0:
                self.assertLess(our_loss, 100.0,
                                "hop %d (%s) lost every probe with our "
                                "helper, %.1f%% with mtr-packet"
                                % (hop, host, their_loss))

    def test_icmp_ipv4(self):
        self.compare(4, "icmp")

    def test_icmp_ipv6(self):
        self.compare(6, "icmp")

    def test_udp_ipv4(self):
        self.compare(4, "udp")

    def test_udp_ipv6(self):
        self.compare(6, "udp")


if __name__ == "__main__":
    unittest.main(verbosity=2)
