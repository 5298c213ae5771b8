#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""`hopscope --report` on the simulated path, as a script would run it.

Inside the path simulator's namespace, with no display, hopscope must print
a text, JSON, CSV and Markdown report listing the right hop at every
time-to-live, with the loss the simulator really applied (read from its
record of every probe) and averages within half a millisecond of the delays
it applied.  A script written for mtr's JSON must read hopscope's, and its
keys must have the types mtr 0.95 gives them (checked against mtr run on the
same path); the diagnosis follows mtr's table in text and Markdown and is in
the JSON's "hopscope" object.  A recording made with --record and read back
with --open gives the very same report, without probing; a damaged one gets
a message and exit status 1; one cut to a time range says so in every
format.  --snapshot writes valid PNG, SVG and PDF files.  --hide-private,
--hide-own and --hide-first leave the hidden addresses out of every output.
An unknown host, a bad option and a helper that cannot start must end with
the right exit status and a message.

Runs as root.  It creates the namespace hs-report-sim and a temporary
hs-report-* folder, and removes them at the end, even on failure.
"""

import csv
import datetime
import io
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402

PREFIX = "hs-report"
HOPSCOPE = os.environ["HOPSCOPE"]
MTR = "/usr/bin/mtr"

TARGET = "198.51.100.10"
# (address, delay in ms, more settings); None for a silent hop.  The first
# hop has a private address, as a home router does, for --hide-private.
PRIVATE_HOP = "10.20.30.1"
HOPS = [
    (PRIVATE_HOP, 1.5, ""),
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

# The kinds of finding the JSON report may carry, and a finding's members.
KINDS = {"loss-on-path", "rate-limited", "latency-step", "silent-hop",
         "target-silent", "path-changed", "healthy"}
FINDING_KEYS = {"kind", "hop", "loss_percent", "before_ms", "after_ms",
                "changed", "sentence"}

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


def table_rows(text):
    """The rows of an mtr-style text report: the lines after the header,
    up to the blank line before the diagnosis."""
    lines = text.splitlines()[2:]
    return lines[:lines.index("")] if "" in lines else lines


def diagnosis_lines(text):
    """The sentences under the text report's "Diagnosis:" heading."""
    lines = text.splitlines()
    if "Diagnosis:" not in lines:
        return []
    return lines[lines.index("Diagnosis:") + 1:]


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
        for line in table_rows(out):
            fields = line.split()
            self.assertEqual(len(fields), 11, line)
            self.assertRegex(fields[0], r"^\d+\.\|--$")
            # mtr's layout drops the "%" of a 100.0 loss.
            hops.append((int(fields[0].split(".")[0]), fields[1],
                         float(fields[2].rstrip("%")), int(fields[3]),
                         float(fields[5])))
        self.check_figures(hops, records, 3)

        # The diagnosis follows the table, one sentence a line.
        sentences = diagnosis_lines(out)
        self.assertGreater(len(sentences), 0, out)
        for sentence in sentences:
            self.assertRegex(sentence, r"^  - \S.*\.$")

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
        self.check_findings(report)

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
        self.assertEqual(table_rows(out)[-1].split()[1], TARGET)

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
        rows = [line.split() for line in table_rows(out)]
        self.assertEqual([row[1] for row in rows], HOSTS)
        for row in rows:
            self.assertTrue(1 <= int(row[3]) < 100, row)

    def check_findings(self, report):
        """The diagnosis in the JSON report: in Hopscope's own object, each
        finding with all its members, of their types."""
        own = report["hopscope"]
        self.assertIsNone(own["range"])
        findings = own["findings"]
        self.assertIsInstance(findings, list)
        self.assertGreater(len(findings), 0)
        for finding in findings:
            self.assertEqual(set(finding), FINDING_KEYS)
            self.assertIn(finding["kind"], KINDS)
            if finding["hop"] is not None:
                self.assertIsInstance(finding["hop"], int)
                self.assertTrue(1 <= finding["hop"] <= len(HOSTS), finding)
            for key in ("loss_percent", "before_ms", "after_ms"):
                self.assertIsInstance(finding[key], (float, type(None)))
            if finding["changed"] is not None:
                self.assertRegex(finding["changed"], r"^\d{4}-\d\d-\d\dT.*Z$")
            self.assertIsInstance(finding["sentence"], str)
            self.assertGreater(len(finding["sentence"]), 0)

    def test_markdown(self):
        code, out, err, _, records = run_hopscope(
            ["--report", "--markdown", "-c", "3", "-i", "0.2", "-n", TARGET])

        self.assertEqual(code, 0, err)
        self.assertEqual(err, "")
        lines = out.splitlines()
        self.assertEqual(lines[0], f"## Path to {TARGET}")
        facts = [line for line in lines if line.startswith("- **")]
        self.assertEqual([fact.split(":**")[0][4:] for fact in facts],
                         ["Resolved address", "Protocol", "Time",
                          "Probes sent", "Helper", "Host", "Hopscope"])
        self.assertIn(f"- **Resolved address:** {TARGET}", facts)
        self.assertIn("- **Protocol:** ICMP, 64-byte probes", facts)
        self.assertIn(f"- **Probes sent:** {3 * len(HOSTS)} in 3 rounds",
                      facts)
        self.assertIn("- **Helper:** as root", facts)
        self.assertRegex(facts[2], r"^- \*\*Time:\*\* \d{4}-\d\d-\d\d "
                                   r"\d\d:\d\d:\d\d to .*\d\d:\d\d:\d\d UTC$")

        # A GitHub-flavoured table, its columns lined up in the text too.
        table = [line for line in lines if line.startswith("|")]
        self.assertEqual(len(table), 2 + len(HOSTS))
        self.assertEqual([cell.strip() for cell in table[0].split("|")[1:-1]],
                         ["Hop", "Host", "Loss%", "Snt", "Last", "Avg",
                          "Best", "Wrst", "StDev", "Javg", "Jmax"])
        self.assertRegex(table[1], r"^\| -+: \| :-+ \|( -+: \|){9}$")
        for line in table:
            self.assertEqual(len(line), len(table[0]), line)
            self.assertEqual([i for i, c in enumerate(line) if c == "|"],
                             [i for i, c in enumerate(table[0]) if c == "|"])
        hops = []
        for line in table[2:]:
            cells = [cell.strip() for cell in line.split("|")[1:-1]]
            hops.append((int(cells[0]), cells[1], float(cells[2].rstrip("%")),
                         int(cells[3]), float(cells[5])))
        self.check_figures(hops, records, 3)

        # Then the diagnosis, a list of sentences.
        diagnosis = lines[lines.index("### Diagnosis"):]
        self.assertEqual(diagnosis[1], "")
        self.assertGreater(len(diagnosis), 2)
        for line in diagnosis[2:]:
            self.assertRegex(line, r"^- \S")

    def temporary_path(self, name):
        """A file in the test's folder, removed after the test."""
        path = os.path.join(files, name)
        self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))
        return path

    def test_record_open(self):
        """A recording read back with --open gives the report the live run
        printed, to the byte, and sends no probe.  Nothing differs: the
        report is written from the very data that is recorded, and the
        reader rebuilds it exactly.  Only the text report's start is in
        local time, so a recording opened under another time zone says
        the same instant in that zone's terms."""
        for format_args in ([], ["--json"], ["--markdown"]):
            with self.subTest(format=format_args):
                path = self.temporary_path("trace.hopscope")
                # With names: the target's from the hosts file.
                code, live, err, _, records = run_hopscope(
                    ["--report", *format_args, "-c", "3", "-i", "0.2",
                     "--record", path, TARGET_NAME])
                self.assertEqual(code, 0, err)
                self.assertGreater(len(records), 0)
                with open(path, "rb") as recording:
                    self.assertEqual(recording.read(2), b"\x1f\x8b")

                code, opened, err, _, records = run_hopscope(
                    ["--report", *format_args, "--open", path])
                self.assertEqual(code, 0, err)
                self.assertEqual(err, "")
                self.assertEqual(records, [])
                self.assertEqual(opened, live)

                # The other formats come from the same recording too.
                code, csv_text, err, _, _ = run_hopscope(
                    ["--report", "--csv", "--open", path])
                self.assertEqual(code, 0, err)
                self.assertEqual(len(csv_text.splitlines()), 1 + len(HOSTS))

    def test_open_damaged(self):
        """A recording that cannot be read: exit status 1, nothing on
        standard output, and a message that names the file, says what is
        wrong and what to do, on two lines."""
        good = self.temporary_path("good.hopscope")
        code, _, err, _, _ = run_hopscope(
            ["--report", "-c", "2", "-i", "0.2", "-n", "--record", good,
             TARGET])
        self.assertEqual(code, 0, err)
        with open(good, "rb") as recording:
            compressed = recording.read()
        text = subprocess.run(["zcat", good], capture_output=True,
                              check=True).stdout

        cut = self.temporary_path("cut.hopscope")
        with open(cut, "wb") as recording:
            recording.write(compressed[:len(compressed) // 2])
        changed = self.temporary_path("changed.json")
        with open(changed, "wb") as recording:
            recording.write(text.replace(b'"rounds"', b'"roundz"', 1))
        other = self.temporary_path("other.hopscope")
        with open(other, "w") as recording:
            recording.write("Start: 2026-12-03T17:30:06+0000\n")
        missing = os.path.join(files, "missing.hopscope")

        for path in (cut, changed, other, missing, files):
            with self.subTest(path=os.path.basename(path)):
                code, out, err, _, records = run_hopscope(
                    ["--report", "--open", path])
                self.assertEqual(code, 1, out + err)
                self.assertEqual(out, "")
                self.assertEqual(records, [])
                self.assertTrue(err.startswith("hopscope: "), err)
                self.assertIn(path, err)
                self.assertEqual(len(err.splitlines()), 2, err)

    def test_snapshot(self):
        """--snapshot writes a valid file of each format, and the report
        is printed as well."""
        for extension in ("png", "svg", "pdf", "PNG"):
            with self.subTest(extension=extension):
                path = self.temporary_path("snapshot." + extension)
                code, out, err, _, _ = run_hopscope(
                    ["--report", "-c", "2", "-i", "0.2", "-n", "--snapshot",
                     path, TARGET])
                self.assertEqual(code, 0, err)
                self.assertEqual(table_rows(out)[-1].split()[1], TARGET)
                with open(path, "rb") as snapshot:
                    contents = snapshot.read()
                if extension.lower() == "png":
                    self.assertEqual(contents[:8], b"\x89PNG\r\n\x1a\n")
                elif extension == "svg":
                    root = xml.etree.ElementTree.fromstring(contents)
                    self.assertEqual(root.tag,
                                     "{http://www.w3.org/2000/svg}svg")
                else:
                    self.assertEqual(contents[:5], b"%PDF-")
                    self.assertIn(b"%%EOF", contents[-32:])

        # A folder that does not exist: the report is printed, the failure
        # said and in the exit status.
        code, out, err, _, _ = run_hopscope(
            ["--report", "-c", "1", "-n", "--snapshot",
             os.path.join(files, "nowhere", "snapshot.png"), TARGET])
        self.assertEqual(code, 1, out + err)
        self.assertEqual(table_rows(out)[-1].split()[1], TARGET)
        self.assertTrue(err.startswith("hopscope: "), err)

    def test_privacy(self):
        """What a privacy option hides is in no output: not the report of
        any format, not the snapshot; what it does not hide still shows.
        The recording keeps everything, so that --open can hide it
        again."""
        path = self.temporary_path("private.hopscope")
        snapshot = self.temporary_path("private.svg")
        code, out, err, _, _ = run_hopscope(
            ["--report", "--json", "-c", "2", "-i", "0.2", "-n",
             "--hide-private", "--record", path, "--snapshot", snapshot,
             TARGET])
        self.assertEqual(code, 0, err)
        self.assertNotIn(PRIVATE_HOP, out)
        hubs = json.loads(out)["report"]["hubs"]
        self.assertEqual(hubs[0]["host"], "hidden")
        self.assertEqual(hubs[2]["host"], "203.0.113.3")
        self.assertEqual(hubs[-1]["host"], TARGET)
        with open(snapshot, "rb") as picture:
            self.assertNotIn(PRIVATE_HOP.encode(), picture.read())

        # The recording keeps the hop: opened plain, it shows.
        code, out, err, _, _ = run_hopscope(["--report", "--open", path])
        self.assertEqual(code, 0, err)
        self.assertEqual(table_rows(out)[0].split()[1], PRIVATE_HOP)

        for args, hidden, shown in (
                (["--hide-private"], [PRIVATE_HOP], ["203.0.113.3"]),
                (["--hide-first", "3"], [PRIVATE_HOP, "203.0.113.3"],
                 ["203.0.113.4", TARGET]),
                (["--hide-own"], [socket.gethostname()], [PRIVATE_HOP])):
            for format_args in ([], ["--json"], ["--csv"], ["--markdown"]):
                with self.subTest(args=args, format=format_args):
                    code, out, err, _, _ = run_hopscope(
                        ["--report", *format_args, "--open", path, *args])
                    self.assertEqual(code, 0, err)
                    for text in hidden:
                        self.assertNotIn(text, out)
                    for text in shown:
                        self.assertIn(text, out)

    def test_range(self):
        """A recording of a time range: every format says so, and JSON
        gives the range."""
        good = self.temporary_path("whole.hopscope")
        code, _, err, _, _ = run_hopscope(
            ["--report", "-c", "2", "-i", "0.2", "-n", "--record", good,
             TARGET])
        self.assertEqual(code, 0, err)
        recording = json.loads(subprocess.run(
            ["zcat", good], capture_output=True, check=True).stdout)
        self.assertIsNone(recording["range"])

        # A range around every probe: the figures stay, the report says
        # which times it covers.
        start = recording["started"] // 1000000 * 1000000
        end = recording["finished"] // 1000000 * 1000000 + 2000000
        recording["range"] = {"from": start, "to": end}
        cut = self.temporary_path("range.json")
        with open(cut, "w") as file:
            json.dump(recording, file)
        utc = datetime.timezone.utc
        times = [datetime.datetime.fromtimestamp(us // 1000000, utc)
                 for us in (start, end)]
        statement = (f"Between {times[0]:%H:%M:%S} and {times[1]:%H:%M:%S} "
                     "UTC only")
        if times[0].date() != times[1].date():
            statement = (f"Between {times[0]:%Y-%m-%d %H:%M:%S} and "
                         f"{times[1]:%Y-%m-%d %H:%M:%S} UTC only")

        code, out, err, _, _ = run_hopscope(["--report", "--open", cut])
        self.assertEqual(code, 0, err)
        self.assertEqual(table_rows(out)[-1].split()[1], TARGET)
        self.assertIn("\n" + statement + "\n", out)

        code, out, err, _, _ = run_hopscope(
            ["--report", "--markdown", "--open", cut])
        self.assertEqual(code, 0, err)
        self.assertIn(f"- **Range:** {statement}\n", out)

        code, out, err, _, _ = run_hopscope(
            ["--report", "--json", "--open", cut])
        self.assertEqual(code, 0, err)
        own = json.loads(out)["hopscope"]
        self.assertEqual(own["range"],
                         {"from": f"{times[0]:%Y-%m-%dT%H:%M:%SZ}",
                          "to": f"{times[1]:%Y-%m-%dT%H:%M:%SZ}"})

        code, out, err, _, _ = run_hopscope(
            ["--report", "--csv", "--open", cut])
        self.assertEqual(code, 0, err)
        rows = list(csv.reader(io.StringIO(out)))[1:]
        self.assertEqual(len(rows), len(HOSTS))
        for row in rows:
            self.assertEqual(int(row[1]), start // 1000000)

    def test_bad_options(self):
        for args in (["--report"],
                     ["--report", "-c", "0", TARGET],
                     ["--report", "-c", "many", TARGET],
                     ["--report", "--tcp", "--udp", TARGET],
                     ["--report", "-4", "-6", TARGET],
                     ["--report", "-f", "9", "-m", "3", TARGET],
                     ["--report", "--json", "--csv", TARGET],
                     ["--report", "--json", "--markdown", TARGET],
                     ["--report", "--no-such-option", TARGET],
                     ["--report", TARGET, "198.51.100.11"],
                     ["--report", "--snapshot", "trace.gif", TARGET],
                     ["--report", "--snapshot", "trace", TARGET],
                     ["--report", "--hide-first", "-1", TARGET],
                     ["--report", "--hide-first", "256", TARGET],
                     ["--report", "--open", "trace.hopscope", TARGET],
                     ["--report", "--open", "trace.hopscope", "-c", "5"],
                     ["--report", "--open", "trace.hopscope", "-n"]):
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
