#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later

"""The namespace chain, traced with mtr-packet.

Real kernel routers must answer at the right TTL over IPv4 and IPv6, the loss
and silence set with nftables must do what they say, the TCP listener must
listen, and every namespace and process must be gone afterwards, even when
the test body raises or the test is sent SIGTERM.
"""

import collections
import os
import signal
import subprocess
import sys
import textwrap
import time
import unittest

TESTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, TESTS_DIR)
from lib import hsnet  # noqa: E402

PREFIX = "hs-chain"
MTR_PACKET = "/usr/bin/mtr-packet"
ROUTERS = 4


def namespaces(prefix):
    return [ns for ns in hsnet._netns_list() if ns.startswith(prefix)]


class NetChainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        hsnet.require_root()
        hsnet.cleanup_stale(PREFIX)
        cls.chain = hsnet.NamespaceChain(PREFIX, routers=ROUTERS)
        cls.chain.__enter__()
        cls.addClassCleanup(cls.chain.close)
        cls.session = hsnet.ProbeSession(
            cls.chain.exec_argv(cls.chain.client_ns, [MTR_PACKET]))
        cls.addClassCleanup(cls.session.close)

    def target(self, family):
        return self.chain.target_v4 if family == 4 else self.chain.target_v6

    def hop(self, family, k):
        hops = self.chain.hops_v4 if family == 4 else self.chain.hops_v6
        return hops[k - 1]

    def trace(self, family, ttls, count=1, **args):
        """Probes every TTL count times, all at once; returns the replies
        by TTL."""
        tokens = [(ttl, self.session.request(
                       "send-probe", **{f"ip_{family}": self.target(family)},
                       ttl=ttl, timeout=1, **args))
                  for ttl in ttls for _ in range(count)]
        replies = collections.defaultdict(list)
        for ttl, token in tokens:
            replies[ttl].append(self.session.reply(token, 10.0))
        return replies

    def assert_answers(self, family, replies, ttl):
        for reply in replies:
            if ttl <= ROUTERS:
                self.assertEqual(reply["word"], "ttl-expired", reply["line"])
                self.assertEqual(reply["args"].get(f"ip-{family}"),
                                 self.hop(family, ttl), reply["line"])
            else:
                self.assertEqual(reply["word"], "reply", reply["line"])
                self.assertEqual(reply["args"].get(f"ip-{family}"),
                                 self.target(family), reply["line"])

    def test_route(self):
        """Each router answers at its TTL; the target beyond."""
        for family in (4, 6):
            for args in ({}, {"protocol": "udp", "port": 33434},
                         {"protocol": "tcp", "port": 7}):
                with self.subTest(family=family, **args):
                    replies = self.trace(family, range(1, ROUTERS + 3),
                                         **args)
                    for ttl, answers in replies.items():
                        self.assert_answers(family, answers, ttl)

    def test_loss(self):
        """Loss set at router k starts at hop k and lasts to the target."""
        self.chain.set_loss(2, 100)
        try:
            for family in (4, 6):
                replies = self.trace(family, range(1, ROUTERS + 2))
                self.assert_answers(family, replies[1], 1)
                for ttl in range(2, ROUTERS + 2):
                    self.assertEqual([r["word"] for r in replies[ttl]],
                                     ["no-reply"], f"ttl {ttl}")
        finally:
            self.chain.clear_loss(2)

        replies = self.trace(4, range(1, ROUTERS + 2))
        for ttl, answers in replies.items():
            self.assert_answers(4, answers, ttl)

        # Half the probes through router 3 are lost, none before it.
        self.chain.set_loss(3, 50)
        try:
            replies = self.trace(4, (2, ROUTERS + 1), count=60)
        finally:
            self.chain.clear_loss(3)
        self.assert_answers(4, replies[2], 2)
        lost = sum(1 for r in replies[ROUTERS + 1] if r["word"] == "no-reply")
        # Binomial, n = 60, p = 0.5: within four standard deviations.
        self.assertGreaterEqual(lost, 15, f"{lost} of 60 lost")
        self.assertLessEqual(lost, 45, f"{lost} of 60 lost")

    def test_silence(self):
        """A silenced router sends no time exceeded; the others do."""
        self.chain.silence(3)
        try:
            for family in (4, 6):
                replies = self.trace(family, range(1, ROUTERS + 2),
                                     protocol="udp", port=33434)
                for ttl, answers in replies.items():
                    if ttl == 3:
                        self.assertEqual([r["word"] for r in answers],
                                         ["no-reply"])
                    else:
                        self.assert_answers(family, answers, ttl)
        finally:
            self.chain.unsilence(3)
        replies = self.trace(6, (3,))
        self.assert_answers(6, replies[3], 3)

    def test_tcp_listener(self):
        """A connection from the client reaches the listener; without it
        the target refuses."""
        connect = textwrap.dedent("""\
            import socket, sys
            try:
                socket.create_connection((sys.argv[1], 8080), timeout=3)
                print("connected")
            except ConnectionRefusedError:
                print("refused")
            """)
        for family, v6 in ((4, False), (6, True)):
            argv = [sys.executable, "-c", connect, self.target(family)]
            result = self.chain.run(argv, capture_output=True, text=True)
            self.assertEqual(result.stdout.strip(), "refused", result.stderr)
            listener = self.chain.tcp_listener(8080, v6=v6)
            result = self.chain.run(argv, capture_output=True, text=True)
            self.assertEqual(result.stdout.strip(), "connected",
                             result.stderr)
            self.assertIsNone(listener.poll())

    def test_cleanup(self):
        """Namespaces, tables and processes go, even after an exception or
        on SIGTERM."""
        name = PREFIX + "-x"
        with self.assertRaises(ZeroDivisionError):
            with hsnet.NamespaceChain(name, routers=1) as chain:
                chain.set_loss(1, 10)
                chain.silence(1)
                process = chain.popen(["sleep", "60"])
                self.assertEqual(len(namespaces(name)), 3)
                1 / 0
        self.assertEqual(namespaces(name), [])
        self.assertIsNotNone(process.poll())

        script = textwrap.dedent(f"""\
            import sys, time
            sys.path.insert(0, {TESTS_DIR!r})
            from lib import hsnet
            chain = hsnet.NamespaceChain({name!r}, routers=1).__enter__()
            chain.popen(["sleep", "60"])
            print("built", flush=True)
            time.sleep(60)
            """)
        child = subprocess.Popen([sys.executable, "-c", script],
                                 stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(child.stdout.readline().strip(), "built")
            self.assertEqual(len(namespaces(name)), 3)
            child.send_signal(signal.SIGTERM)
            self.assertEqual(child.wait(10), 128 + signal.SIGTERM)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stdout.close()
        self.assertEqual(namespaces(name), [])

        if os.environ.get("HOPSCOPE_PATHSIM"):
            with self.assertRaises(ZeroDivisionError):
                with hsnet.PathSimulator(name, "target 198.51.100.10 "
                                         "2001:db8:2::10 delay 1\n") as sim:
                    directory = os.path.dirname(sim.record_path)
                    self.assertEqual(namespaces(name), [name + "-sim"])
                    1 / 0
            self.assertEqual(namespaces(name), [])
            self.assertFalse(os.path.exists(directory))
            self.assertIsNotNone(sim.process.poll())


if __name__ == "__main__":
    unittest.main(verbosity=2)
