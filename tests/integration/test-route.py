#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""How hopscope chooses to run its helper, on the running system.

`hopscope --report --json` runs inside a simulated path, as root and as
the user nobody, with copies of the helper that carry the cap_net_raw file
capability, the setuid bit or nothing, and with the namespace's
net.ipv4.ping_group_range letting nobody's group open ICMP datagram
sockets or not.  The report's helper_route must name the least
privileged route open: unprivileged datagram sockets (ICMP only), the
capability, setuid root, root, and else pkexec, whose refusal (no polkit
daemon answers here, or none allows it) must end the run with a message
that says what to ask an administrator for.

Runs as root, in about half a minute.  It creates the namespace
hs-route-sim and temporary hs-route-* folders, and removes them at the
end, even on failure.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402

PREFIX = "hs-route"
TARGET = "198.51.100.10"
CONFIG = (f"target {TARGET} 2001:db8:2::10 delay 3\n"
          "hop 1 203.0.113.1 2001:db8:3::1 delay 1\n"
          "hop 2 203.0.113.2 2001:db8:3::2 delay 2\n")

# The user the unprivileged runs are made as, and its group; both exist on
# every Debian system.
NOBODY = 65534


class RouteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        hsnet.require_root()
        hsnet.cleanup_stale(PREFIX)
        cls.folder = tempfile.mkdtemp(prefix=PREFIX + "-")
        os.chmod(cls.folder, 0o755)
        cls.hopscope = cls.copy(os.environ["HOPSCOPE"], "hopscope")
        cls.plain = cls.copy(os.environ["HOPSCOPE_PROBE"], "plain-probe")
        cls.capability = cls.copy(os.environ["HOPSCOPE_PROBE"], "cap-probe")
        subprocess.run(["setcap", "cap_net_raw+ep", cls.capability],
                       check=True)
        cls.setuid = cls.copy(os.environ["HOPSCOPE_PROBE"], "setuid-probe")
        os.chown(cls.setuid, 0, 0)
        os.chmod(cls.setuid, 0o4755)
        cls.sim = hsnet.PathSimulator(PREFIX, CONFIG)
        cls.sim.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.sim.__exit__(None, None, None)
        shutil.rmtree(cls.folder, ignore_errors=True)
        hsnet.cleanup_stale(PREFIX)

    @classmethod
    def copy(cls, program, name):
        path = os.path.join(cls.folder, name)
        shutil.copy(program, path)
        os.chmod(path, 0o755)
        return path

    def setUp(self):
        self.set_ping_range("1 0")

    def set_ping_range(self, groups):
        self.sim.run(["sysctl", "-q", "-w",
                      f"net.ipv4.ping_group_range={groups}"], check=True)

    def report(self, helper, user=None, protocol_args=()):
        """Runs one round's JSON report; returns (exit status, report or
        None, standard error)."""
        argv = [self.hopscope, "--report", "-c", "1", "--json", "-n",
                *protocol_args, TARGET]
        if user is not None:
            argv = ["setpriv", f"--reuid={user}", f"--regid={user}",
                    "--clear-groups", *argv]
        env = dict(os.environ, HOPSCOPE_PROBE=helper, LANG="C.UTF-8",
                   SHELL="/bin/sh")
        result = self.sim.run(argv, env=env, capture_output=True, text=True,
                              timeout=60)
        report = json.loads(result.stdout) if result.returncode == 0 else None
        return result.returncode, report, result.stderr

    def assert_route(self, route, helper, user=None, protocol_args=()):
        status, report, errors = self.report(helper, user, protocol_args)
        self.assertEqual(status, 0, errors)
        self.assertEqual(report["hopscope"]["helper_route"], route)
        # The route really probed: the target answered.
        hubs = report["report"]["hubs"]
        self.assertEqual(hubs[-1]["host"], TARGET)
        self.assertEqual(hubs[-1]["Loss%"], 0.0)

    def test_root(self):
        self.assert_route("root", self.plain)

    def test_capability(self):
        self.assert_route("capability", self.capability, user=NOBODY)

    def test_setuid(self):
        self.assert_route("setuid", self.setuid, user=NOBODY)

    def test_datagram(self):
        self.set_ping_range(f"{NOBODY} {NOBODY}")
        self.assert_route("unprivileged", self.plain, user=NOBODY)

    def test_datagram_before_capability(self):
        # The helper could have raw sockets, but ICMP needs none here: it
        # is started so that the kernel does not raise its capability.
        self.set_ping_range(f"{NOBODY} {NOBODY}")
        self.assert_route("unprivileged", self.capability, user=NOBODY)

    def test_datagram_not_for_udp(self):
        self.set_ping_range(f"{NOBODY} {NOBODY}")
        self.assert_route("capability", self.capability, user=NOBODY,
                          protocol_args=["-u"])

    def test_root_before_pkexec(self):
        # A range that leaves out root's group changes nothing for root.
        self.set_ping_range(f"{NOBODY} {NOBODY}")
        self.assert_route("root", self.plain, protocol_args=["-u"])

    def test_pkexec_refused(self):
        # Nothing else is open to nobody: pkexec is asked, and with no
        # polkit rule for nobody (or no polkit daemon at all) it refuses.
        status, report, errors = self.report(self.plain, user=NOBODY)
        self.assertNotEqual(status, 0)
        self.assertIsNone(report)
        self.assertIn("Authorisation to probe was refused", errors)
        self.assertIn("setcap cap_net_raw+ep", errors)
        self.assertIn("io.github.hopscope.Hopscope.probe", errors)


if __name__ == "__main__":
    unittest.main(verbosity=2)
