#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""`hopscope --report` on the simulated path, as a script would run it.

Inside the path simulator's namespace, with no display, hopscope must print
a text, JSON and CSV report listing the right hop at every time-to-live,
with the loss the simulator really applied (read from its record of every
probe) and averages within half a millisecond of the delays it applied.  A
script written for mtr's JSON must read hopscope's, and its keys must have
the types mtr 0.95 gives them (checked against mtr run on the same path).
An unknown host, a bad option and a helper that cannot start must end with
the right exit status and a message.

Runs as root.  It creates the namespace hs-report-sim and a temporary
hs-report-* folder, and removes them at the end, even on failure.
"""

import csv
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402

PREFIX = "hs-report"
HOPSCOPE = os.environ["HOPSCOPE"]
MTR = "/usr/bin/mtr"

TARGET = "198.51.100.10"
# (address, delay in ms, more settings); None for a silent hop.
HOPS = [
    ("203.0.113.1", 1.5, ""),
    (None, 3.0, "silent"),
    ("203.0.113.3", 5.25, "mpls 16001/0/1/255"),
    ("203.0.113.4", 7.0, "loss 40"),
    ("203.0.113.5", 9.5, ""),
]
TARGET_DELAY = 20.0
# The hop with loss: in a short run it may lose every probe and show "???".
LOSSY_TTL = 4
HOSTS = [address or "???" for address, _, _ in HOPS] + [TARGET]
CONFIG = "".join(
    [f"target {TARGET} 2001:db8:2::10 delay {TARGET_DELAY}\n"]
    + [f"hop {k} {address or f'203.0.113.{k}'} 2001:db8:3::{k} "
       f"delay {delay} {more}\n"
       for k, (address, delay, more) in enumerate(HOPS, 1)])

# How far an average may be from the delays the simulator applied: the
# prober's own wake-up, and the text report's one decimal.
AVERAGE_MARGIN_MS = 0.5

# A name the test's own /etc/hosts gives the target.
TARGET_NAME = "hs-report-target.test"

sim = None
files = None


def setUpModule():
    global sim, files

    hsnet.require_root()
    hsnet.cleanup_stale(PREFIX)
    files = tempfile.mkdtemp(prefix=PREFIX + "-")
    unittest.addModuleCleanup(shutil.rmtree, files, ignore_errors=True)
    sim = hsnet.PathSimulator(PREFIX, CONFIG)
    sim.__enter__()
    unittest.addModuleCleanup(sim.__exit__, None, None, None)

    # Name lookups read these instead of the machine's files, in a mount
    # namespace of their own: the target has a name, and the only name
    # server is one nobody runs, so a lookup fails at once and no query
    # ever leaves the machine.
    with open(os.path.join(files, "hosts"), "w") as hosts:
        hosts.write(f"127.0.0.1 localhost\n{TARGET} {TARGET_NAME}\n")
    with open(os.path.join(files, "resolv.conf"), "w") as resolv:
        resolv.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")


def clean_env(**more):
    """The environment of a run: no display of any kind."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["LC_ALL"] = "C"
    env.update(more)
    return env


def hopscope_argv(args):
    """hopscope with our hosts and resolver files, in a mount namespace of
    its own.  unshare and sh exec, so hopscope keeps the process."""
    script = ('mount --bind "$1" /etc/hosts && '
              'mount --bind "$2" /etc/resolv.conf && '
              'shift 2 && exec "$@"')
    return ["unshare", "--mount", "sh", "-c", script, "sh",
            os.path.join(files, "hosts"), os.path.join(files, "resolv.conf"),
            HOPSCOPE, *args]


def run_hopscope(args, env=None, timeout=60):
    """Runs hopscope in the simulator's namespace.  Returns (exit code,
    stdout, stderr, seconds, the simulator's records of the probes it
    sent)."""
    argv = hopscope_argv(args)
    before = len(sim.records())
    started = time.monotonic()
    result = sim.run(argv, capture_output=True, text=True,
                     env=env or clean_env(), timeout=timeout)
    seconds = time.monotonic() - started
    # The last answers may still be on their way into the record file.
    time.sleep(0.05)
    return (result.returncode, result.stdout, result.stderr, seconds,
            sim.records()[before:])


def truth(records):
    """Per time-to-live of the path, what the simulator did: (probes,
    percent lost, mean delay in ms of those answered)."""
    by_ttl = {}
    for record in records:
        if record["dst"] != TARGET or record["ttl"] > len(HOSTS):
            continue
        by_ttl.setdefault(record["ttl"], []).append(record)
    figures = {}
    for ttl, probes in by_ttl.items():
        answered = [r["delay_us"] / 1000.0 for r in probes
                    if r["action"] == "answered"]
        lost = len(probes) - len(answered)
        figures[ttl] = (len(probes), 100.0 * lost / len(probes),
                        statistics.mean(answered) if answered else 0.0)
    return figures


class Report(unittest.TestCase):

    def check_figures(self, hops, records, count):
        """HOPS: (ttl, host, loss percent, sent, average ms) per row."""
        figures = truth(records)

        # A hop the simulator never let answer shows as "???".
        self.assertEqual([host for _, host, _, _, _ in hops],
                         [host if figures[ttl][1] < 100.0 else "???"
                          for ttl, host in enumerate(HOSTS, 1)])
        self.assertEqual([ttl for ttl, _, _, _, _ in hops],
                         list(range(1, len(HOSTS) + 1)))
        for ttl, host, loss, sent, average in hops:
            probes, true_loss, true_average = figures[ttl]
            self.assertEqual(sent, count, f"probes sent at hop {ttl}")
            self.assertEqual(probes, count,
                             f"probes the simulator saw at hop {ttl}")
            self.assertAlmostEqual(loss, true_loss, delta=0.06,
                                   msg=f"loss at hop {ttl}")
            if host != "???" and true_loss < 100.0:
                self.assertAlmostEqual(average, true_average,
                                       delta=AVERAGE_MARGIN_MS,
                                       msg=f"average at hop {ttl}")

    def test_text(self):
        code, out, err, seconds, records = run_hopscope(
            ["--report", "-c", "3", "-n", TARGET])

        self.assertEqual(code, 0, err)
        self.assertEqual(err, "")
        lines = out.splitlines()
        self.assertRegex(lines[0],
                         r"^Start: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$")
        self.assertRegex(lines[1], r"^HOST: \S+ +Loss% +Snt +Last +Avg +Best"
                                   r" +Wrst +StDev +Javg +Jmax$")
        hops = []
        for line in lines[2:]:
            fields = line.split()
            self.assertEqual(len(fields), 11, line)
            self.assertRegex(fields[0], r"^\d+\.\|--$")
            # mtr's layout drops the "%" of a 100.0 loss.
            hops.append((int(fields[0].split(".")[0]), fields[1],
                         float(fields[2].rstrip("%")), int(fields[3]),
                         float(fields[5])))
        self.check_figures(hops, records, 3)

        # It prints once the trace is done: three rounds a second apart and
        # the silent hop's timeout at most, no grace period after.
        self.assertLess(seconds, 2 + 2 + 1.5)

    def test_json(self):
        code, out, err, seconds, records = run_hopscope(
            ["--report", "--json", "-c", "3", "-i", "0.2", "-n", TARGET])

        self.assertEqual(code, 0, err)
        report = json.loads(out)

        # What a script written for mtr's JSON reads.
        mtr_view = [(hub["host"], float(hub["Loss%"]))
                    for hub in report["report"]["hubs"]]
        self.assertEqual(len(mtr_view), len(HOSTS))
        self.assertEqual(mtr_view[-1], (TARGET, 0.0))
        for (host, loss), expected in zip(mtr_view, HOSTS):
            self.assertIn(host, (expected, "???"))
            self.assertTrue(host != "???" or loss == 100.0, mtr_view)
        self.assertEqual(report["report"]["mtr"]["dst"], TARGET)
        self.assertEqual(report["report"]["mtr"]["tests"], 3)

        hubs = report["report"]["hubs"]
        self.check_figures([(hub["count"], hub["host"], hub["Loss%"],
                             hub["Snt"], hub["Avg"]) for hub in hubs],
                           records, 3)
        for hub in hubs:
            if hub["host"] == "???":
                self.assertEqual(hub["responders"], [])
                self.assertEqual(hub["Loss%"], 100.0)
                continue
            self.assertLessEqual(hub["Best"], hub["Avg"])
            self.assertLessEqual(hub["Avg"], hub["Wrst"])
            self.assertEqual([r["address"] for r in hub["responders"]],
                             [hub["host"]])
            self.assertAlmostEqual(hub["responders"][0]["share"], 100.0)
            self.assertGreater(hub["geomean"], 0.0)
            self.assertEqual(set(hub["jitter"]),
                             {"last", "mean", "worst", "interarrival"})
        self.assertEqual(hubs[2]["responders"][0]["mpls"], "16001,0,1,255")
        self.assertIsNone(hubs[0]["responders"][0]["mpls"])

        own = report["hopscope"]
        self.assertEqual(own["protocol"], "icmp")
        self.assertEqual(own["helper_route"], "root")
        self.assertRegex(own["started"], r"^\d{4}-\d\d-\d\dT.*Z$")
        self.assertLessEqual(own["started"], own["finished"])

    def test_json_keys_as_mtr(self):
        """mtr's own report of the same path has the same keys, of the same
        types, in both its "mtr" object and its hubs."""
        code, out, err, _, _ = run_hopscope(
            ["--json", "-c", "2", "-i", "0.2", "-n", TARGET])
        self.assertEqual(code, 0, err)
        ours = json.loads(out)["report"]

        result = sim.run([MTR, "--json", "-n", "-c", "2", "-i", "0.2",
                          "--gracetime", "1", TARGET],
                         capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                              "LC_ALL": "C"})
        self.assertEqual(result.returncode, 0, result.stderr)
        theirs = json.loads(result.stdout)["report"]

        def types(obj):
            return {key: type(value).__name__ for key, value in obj.items()}

        self.assertEqual(types(ours["mtr"]), types(theirs["mtr"]))
        self.assertEqual(list(ours["mtr"]), list(theirs["mtr"]))
        self.assertEqual(len(ours["hubs"]), len(theirs["hubs"]))
        for ttl, (our_hub, their_hub) in enumerate(
                zip(ours["hubs"], theirs["hubs"]), 1):
            if ttl != LOSSY_TTL:
                self.assertEqual(our_hub["host"], their_hub["host"])
        for our_hub, their_hub in zip(ours["hubs"], theirs["hubs"]):
            self.assertEqual(list(our_hub)[:len(their_hub)], list(their_hub))
            self.assertEqual({key: kind for key, kind in
                              types(our_hub).items() if key in their_hub},
                             types(their_hub))

    def test_csv(self):
        code, out, err, _, records = run_hopscope(
            ["-r", "--csv", "-c", "3", "-i", "0.2", "-n", TARGET])

        self.assertEqual(code, 0, err)
        rows = list(csv.reader(io.StringIO(out)))
        self.assertEqual(rows[0], ["Mtr_Version", "Start_Time", "Status",
                                   "Host", "Hop", "Ip", "Loss%", "Snt", " ",
                                   "Last", "Avg", "Best", "Wrst", "StDev",
                                   "Javg", "Jmax", ""])
        hops = []
        for row in rows[1:]:
            self.assertEqual(len(row), 16, row)
            self.assertRegex(row[0], r"^HOPSCOPE\.\d+\.\d+")
            self.assertEqual(row[2:4], ["OK", TARGET])
            self.assertAlmostEqual(int(row[1]), time.time(), delta=60)
            hops.append((int(row[4]), row[5], float(row[6]), int(row[7]),
                         float(row[10])))
            # The blank column holds the probes lost.
            self.assertEqual(int(row[8]),
                             round(float(row[6]) * int(row[7]) / 100.0))
        self.check_figures(hops, records, 3)

    def test_names(self):
        """Without -n the target is found by its name; a name with no
        address ends the run at once with the resolver's message."""
        code, out, err, seconds, _ = run_hopscope(
            ["-r", "-j", "-c", "1", TARGET_NAME])
        self.assertEqual(code, 0, err)
        report = json.loads(out)
        self.assertEqual(report["report"]["mtr"]["dst"], TARGET_NAME)
        # The reverse lookups: the target's from the hosts file, the
        # routers' failing, so that their addresses show.
        hubs = report["report"]["hubs"]
        hosts = [hub["host"] for hub in hubs]
        del hosts[LOSSY_TTL - 1]
        expected = HOSTS[:-1] + [TARGET_NAME]
        del expected[LOSSY_TTL - 1]
        self.assertEqual(hosts, expected)
        self.assertEqual(hubs[-1]["responders"][0]["address"], TARGET)
        self.assertEqual(hubs[-1]["responders"][0]["name"], TARGET_NAME)
        self.assertIsNone(hubs[0]["responders"][0]["name"])
        self.assertLess(seconds, 10)

        code, out, err, seconds, records = run_hopscope(
            ["--report", "-c", "1", "nowhere.invalid"])
        self.assertEqual(code, 1, out + err)
        self.assertEqual(out, "")
        self.assertIn("nowhere.invalid", err)
        self.assertTrue(err.startswith("hopscope: "), err)
        self.assertEqual(records, [])
        self.assertLess(seconds, 10)

    def test_no_display(self):
        """A display that does not exist changes nothing: GTK is never
        started for a report."""
        code, out, err, _, _ = run_hopscope(
            ["-rn", "-c", "1", TARGET],
            env=clean_env(DISPLAY=":97", WAYLAND_DISPLAY="hs-report-none"))
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines()[-1].split()[1], TARGET)

    def test_interrupted(self):
        """Stopped by SIGINT, it prints what it has and says so with its
        exit status."""
        process = sim.popen(hopscope_argv(["-r", "-n", "-c", "100", "-i",
                                           "0.1", TARGET]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=clean_env(), text=True)
        time.sleep(1.5)
        self.assertIsNone(process.poll(), "hopscope ended by itself")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)

        self.assertEqual(process.returncode, 130, err)
        rows = [line.split() for line in out.splitlines()[2:]]
        self.assertEqual([row[1] for row in rows], HOSTS)
        for row in rows:
            self.assertTrue(1 <= int(row[3]) < 100, row)

    def test_bad_options(self):
        for args in (["--report"],
                     ["--report", "-c", "0", TARGET],
                     ["--report", "-c", "many", TARGET],
                     ["--report", "--tcp", "--udp", TARGET],
                     ["--report", "-4", "-6", TARGET],
                     ["--report", "-f", "9", "-m", "3", TARGET],
                     ["--report", "--json", "--csv", TARGET],
                     ["--report", "--no-such-option", TARGET],
                     ["--report", TARGET, "198.51.100.11"]):
            with self.subTest(args=args):
                code, out, err, _, records = run_hopscope(args)
                self.assertEqual(code, 2, out + err)
                self.assertEqual(out, "")
                self.assertTrue(err.startswith("hopscope: "), err)
                self.assertIn("--help", err)
                self.assertEqual(records, [])

    def test_helper_fails(self):
        code, out, err, _, _ = run_hopscope(
            ["--report", "-c", "1", "-n", TARGET],
            env=clean_env(HOPSCOPE_PROBE="/nonexistent/hopscope-probe"))
        self.assertEqual(code, 1, out + err)
        self.assertEqual(out, "")
        self.assertIn("/nonexistent/hopscope-probe", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
