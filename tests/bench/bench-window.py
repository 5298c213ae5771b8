#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the hopscope window costs while it traces, over ten minutes.

The real program runs under an X server (Xvfb) and a D-Bus session bus of
the benchmark's own, inside a simulated path of 30 hops (29 routers 2 ms
apart and the target at 60 ms), probing every hop ten times a second (the
interval is set to 0.1 s through a keyfile settings backend of the
benchmark's own).  Once every hop has answered and ten rounds are done, it
samples every 10 s, for --duration seconds (600 by default):

- the processor time of the whole hopscope process, every thread (utime +
  stime of /proc/PID/stat), as a share of one core over the wall time;
- the same for the helper (hopscope-probe, its child), and for Xvfb, which
  draws in software what the window asks (for information: no goal);
- hopscope's peak resident memory (VmHWM of /proc/PID/status) and its
  resident memory (VmRSS).

It prints a line a minute, then a table against the goals: the window at
most 3% of one core, at most 100 MB resident.  A missed goal does not fail
it, since it is a measurement; it exits non-zero only when the run cannot
complete (a program that will not start or exits, a trace that stops).  The
figures and every sample go to the --json file.  With --perf FILE it then
records 20 s of hopscope's call graphs with `perf record -g`, still tracing,
for `perf report -i FILE --stdio`.

Runs as root; it builds the namespace PREFIX-sim and temporary folders
PREFIX-* (PREFIX is hs-bench-window, or $HOPSCOPE_TEST_PREFIX), and removes
them at the end.  Every probe goes to
a documentation address inside that namespace.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

SOURCE_ROOT = os.environ.get(
    "HOPSCOPE_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SOURCE_ROOT, "tests", "lib"))

import hsgui  # noqa: E402  (the path above must be set first)
import hsnet  # noqa: E402

PREFIX = os.environ.get("HOPSCOPE_TEST_PREFIX", "hs-bench-window")

TARGET = "198.51.100.10"
ROUTERS = 29
HOP_SPACING_MS = 2.0
TARGET_DELAY_MS = 60.0
INTERVAL_S = 0.1
CONFIG = "".join(
    [f"target {TARGET} 2001:db8:2::10 delay {TARGET_DELAY_MS} jitter 2\n"]
    + [f"hop {k} 203.0.113.{k} 2001:db8:3::{k:x} "
       f"delay {HOP_SPACING_MS * k} jitter 1\n"
       for k in range(1, ROUTERS + 1)])
HOPS = ROUTERS + 1

GOAL_CPU_PERCENT = 3.0
GOAL_RSS_MB = 100.0

# A round every 0.1 s is 10 a second; below this the run did not probe at
# the rate it is meant to measure, which the table says.
MIN_ROUNDS_PER_SECOND = 9.0

TICKS = os.sysconf("SC_CLK_TCK")


class RunError(Exception):
    pass


def cpu_seconds(pid):
    """The processor time PID has used, every thread, in seconds; None once
    it is gone."""
    try:
        return hsgui.process_cpu(pid) / TICKS
    except (OSError, ValueError, IndexError):
        return None


def memory_kb(pid):
    """VmHWM and VmRSS of PID, in kB."""
    figures = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                figures[name] = int(value.split()[0])
    return figures["VmHWM"], figures["VmRSS"]


class HelperClock:
    """The processor time of every helper the program ran while watched:
    a helper started again counts from its start, one that ended keeps
    its last figure."""

    def __init__(self, app):
        self.app = app
        self.first = {}
        self.last = {}

    def sample(self):
        pids = self.app.helper_pids()
        # The helpers of the first sample count from now; one seen for the
        # first time later was started during the run: all its time counts.
        watching = bool(self.first)
        for pid in pids:
            seconds = cpu_seconds(pid)
            if seconds is None:
                continue
            self.first.setdefault(pid, 0.0 if watching else seconds)
            self.last[pid] = seconds
        return pids

    def seconds(self):
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hopscope", default=os.environ.get("HOPSCOPE"),
                        help="the program (default: $HOPSCOPE)")
    parser.add_argument("--probe", default=os.environ.get("HOPSCOPE_PROBE"),
                        help="the helper (default: $HOPSCOPE_PROBE)")
    parser.add_argument("--pathsim",
                        default=os.environ.get("HOPSCOPE_PATHSIM"),
                        help="the path simulator "
                        "(default: $HOPSCOPE_PATHSIM)")
    parser.add_argument("--schema-dir",
                        default=os.environ.get("GSETTINGS_SCHEMA_DIR"),
                        help="the compiled settings schema "
                        "(default: $GSETTINGS_SCHEMA_DIR)")
    parser.add_argument("--duration", type=float, default=600.0,
                        help="seconds measured (default: 600)")
    parser.add_argument("--sample", type=float, default=10.0,
                        help="seconds between samples (default: 10)")
    parser.add_argument("--print-every", type=float, default=60.0,
                        help="seconds between printed lines (default: 60)")
    parser.add_argument("--json", help="where to write the figures")
    parser.add_argument("--perf", metavar="FILE",
                        help="after the measurement, record hopscope's "
                        "call graphs with `perf record -g` into FILE, "
                        "for `perf report -i FILE`")
    parser.add_argument("--perf-seconds", type=float, default=20.0,
                        help="how long --perf records (default: 20)")
    options = parser.parse_args()
    for name in ("hopscope", "probe", "pathsim", "schema_dir"):
        if not getattr(options, name):
            parser.error(f"--{name.replace('_', '-')} is needed "
                         "(or its environment variable)")
    if options.duration <= 0 or options.sample <= 0:
        parser.error("--duration and --sample must be positive")
    return options


def start_application(directory, desktop, sim, options):
    # The memory backend cannot be written from outside: a keyfile of the
    # benchmark's own sets the interval.
    settings = os.path.join(directory, "config", "glib-2.0", "settings")
    os.makedirs(settings)
    with open(os.path.join(settings, "keyfile"), "w") as keyfile:
        keyfile.write("[io/github/hopscope/Hopscope]\n"
                      f"interval={INTERVAL_S}\n")
    app = hsgui.Hopscope(sim, desktop, directory, program=options.hopscope)
    app.env.update({"GSETTINGS_BACKEND": "keyfile",
                    "XDG_CONFIG_HOME": os.path.join(directory, "config")})
    app.launch(TARGET)
    return app


def wait_for_every_hop(app):
    try:
        return app.wait_dump("every hop and ten rounds", lambda d: (
            d["state"] == "running" and len(d["rows"]) == HOPS
            and d["rows"][-1]["target"] and d["rounds"] >= 10), timeout=60)
    except AssertionError as error:
        raise RunError(str(error)) from None


def measure(app, desktop, options):
    """Samples until --duration has passed; returns the samples."""
    pid = app.process.pid
    helpers = HelperClock(app)
    if not helpers.sample():
        raise RunError("hopscope runs no helper")
    xvfb_pid = desktop.xvfb.pid

    start = time.monotonic()
    start_cpu = cpu_seconds(pid)
    start_xvfb = cpu_seconds(xvfb_pid)
    samples = []
    next_print = options.print_every
    recent = f"last {options.print_every:.0f}s"
    print(f"{'time':>6} {'hopscope':>9} {recent:>9} {'helper':>7} "
          f"{'Xvfb':>6} {'RSS MB':>7} {'peak MB':>8}", flush=True)
    step = 1
    while True:
        wake = start + min(step * options.sample, options.duration)
        time.sleep(max(0.0, wake - time.monotonic()))
        if app.process.poll() is not None:
            raise RunError(f"hopscope exited with {app.process.returncode} "
                           f"after {time.monotonic() - start:.0f} s:\n"
                           + app.log())
        elapsed = time.monotonic() - start
        cpu = cpu_seconds(pid)
        hwm_kb, rss_kb = memory_kb(pid)
        if not helpers.sample():
            raise RunError(f"hopscope's helper is gone after {elapsed:.0f} s:"
                           "\n" + app.log())
        xvfb = cpu_seconds(xvfb_pid)
        if cpu is None or xvfb is None:
            raise RunError("hopscope or Xvfb vanished")
        samples.append({
            "seconds": elapsed,
            "hopscope_cpu_s": cpu - start_cpu,
            "helper_cpu_s": helpers.seconds(),
            "xvfb_cpu_s": xvfb - start_xvfb,
            "vm_hwm_kb": hwm_kb,
            "vm_rss_kb": rss_kb,
        })

        if elapsed + 0.5 >= next_print or elapsed >= options.duration:
            print_line(samples, options)
            next_print += options.print_every
        if elapsed >= options.duration - 0.01:
            return samples
        step += 1


def print_line(samples, options):
    last = samples[-1]
    # The share of the last minute, from the sample a minute before.
    earlier = {"seconds": 0.0, "hopscope_cpu_s": 0.0}
    for sample in samples[:-1]:
        if sample["seconds"] <= last["seconds"] - options.print_every + 0.5:
            earlier = sample
    window = last["seconds"] - earlier["seconds"]
    recent = (last["hopscope_cpu_s"] - earlier["hopscope_cpu_s"]) / window
    print(f"{last['seconds']:5.0f}s "
          f"{100 * last['hopscope_cpu_s'] / last['seconds']:8.2f}% "
          f"{100 * recent:8.2f}% "
          f"{100 * last['helper_cpu_s'] / last['seconds']:6.2f}% "
          f"{100 * last['xvfb_cpu_s'] / last['seconds']:5.2f}% "
          f"{last['vm_rss_kb'] / 1024:7.1f} {last['vm_hwm_kb'] / 1024:8.1f}",
          flush=True)


def record_profile(app, options):
    """Records hopscope's call graphs while it goes on tracing, after the
    measurement so that perf's own cost is not in the figures."""
    print(f"recording {options.perf_seconds:.0f} s of call graphs into "
          f"{options.perf}", flush=True)
    result = subprocess.run(
        ["perf", "record", "-g", "-p", str(app.process.pid),
         "-o", options.perf, "--", "sleep", f"{options.perf_seconds}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RunError(f"perf record failed: {result.stderr}")


def summarize(samples, rounds, options):
    last = samples[-1]
    seconds = last["seconds"]
    first_rss = samples[0]["vm_rss_kb"]
    summary = {
        "seconds": seconds,
        "hopscope_cpu_percent": 100 * last["hopscope_cpu_s"] / seconds,
        "helper_cpu_percent": 100 * last["helper_cpu_s"] / seconds,
        "xvfb_cpu_percent": 100 * last["xvfb_cpu_s"] / seconds,
        "vm_hwm_mb": last["vm_hwm_kb"] / 1024,
        "vm_rss_mb": last["vm_rss_kb"] / 1024,
        "vm_rss_first_sample_mb": first_rss / 1024,
        "rss_growth_mb_per_hour": (
            (last["vm_rss_kb"] - first_rss) / 1024 * 3600
            / max(seconds - samples[0]["seconds"], 1.0)),
        "rounds": rounds,
        "rounds_per_second": rounds / seconds,
        "probes_per_second": rounds * HOPS / seconds,
    }
    summary["cpu_goal_met"] = (summary["hopscope_cpu_percent"]
                               <= GOAL_CPU_PERCENT)
    # Resident at the end and at its peak: both must stay under the goal.
    summary["rss_goal_met"] = (summary["vm_hwm_mb"] <= GOAL_RSS_MB
                               and summary["vm_rss_mb"] <= GOAL_RSS_MB)
    summary["rate_as_meant"] = (summary["rounds_per_second"]
                                >= MIN_ROUNDS_PER_SECOND)
    return summary


def print_table(summary):
    def met(flag):
        return "met" if flag else "MISSED"

    print()
    print(f"hopscope tracing {HOPS} hops every {INTERVAL_S} s for "
          f"{summary['seconds']:.0f} s: {summary['rounds']} rounds, "
          f"{summary['rounds_per_second']:.2f} rounds/s, "
          f"{summary['probes_per_second']:.0f} probes/s")
    if not summary["rate_as_meant"]:
        print(f"  note: fewer than {MIN_ROUNDS_PER_SECOND:.0f} rounds a "
              "second; the figures are for a lighter load than meant")
    rows = [
        ("hopscope CPU, % of one core",
         f"{summary['hopscope_cpu_percent']:.2f}",
         f"<= {GOAL_CPU_PERCENT:.0f}", met(summary["cpu_goal_met"])),
        ("helper CPU, % of one core",
         f"{summary['helper_cpu_percent']:.2f}", "", ""),
        ("Xvfb CPU (drawing), % of one core",
         f"{summary['xvfb_cpu_percent']:.2f}", "", ""),
        ("hopscope peak resident (VmHWM), MB",
         f"{summary['vm_hwm_mb']:.1f}",
         f"<= {GOAL_RSS_MB:.0f}", met(summary["rss_goal_met"])),
        ("hopscope resident at the end (VmRSS), MB",
         f"{summary['vm_rss_mb']:.1f}",
         f"<= {GOAL_RSS_MB:.0f}", met(summary["rss_goal_met"])),
        ("resident growth after the first sample, MB/h",
         f"{summary['rss_growth_mb_per_hour']:.1f}", "", ""),
    ]
    width = max(len(row[0]) for row in rows)
    print(f"  {'figure':{width}} {'value':>9}  {'goal':7} ")
    for name, value, goal, verdict in rows:
        print(f"  {name:{width}} {value:>9}  {goal:7} {verdict}".rstrip())
    print(f"  goal \"window at most {GOAL_CPU_PERCENT:.0f}% of one core\": "
          + met(summary["cpu_goal_met"]))
    print(f"  goal \"at most {GOAL_RSS_MB:.0f} MB resident\": "
          + met(summary["rss_goal_met"]))


def run(options, directory):
    desktop = hsgui.Desktop(directory, helper=options.probe,
                            schema_dir=options.schema_dir)
    app = None
    try:
        try:
            desktop.start()
        except RuntimeError as error:
            raise RunError(str(error)) from None
        with hsnet.PathSimulator(PREFIX, CONFIG) as sim:
            try:
                app = start_application(directory, desktop, sim, options)
                wait_for_every_hop(app)
                before = app.dump()
                if before is None:
                    raise RunError("the window does not answer its test "
                                   "hook:\n" + app.log())
                samples = measure(app, desktop, options)
                after = app.dump()
                if options.perf:
                    record_profile(app, options)
                if after is None or after["state"] != "running":
                    raise RunError("the trace did not run to the end: "
                                   f"{after!r}\n" + app.log())
                rounds = after["rounds"] - before["rounds"]
                summary = summarize(samples, rounds, options)
                code = app.quit()
                if code != 0:
                    raise RunError(f"hopscope exited with {code} on quit:\n"
                                   + app.log())
                return samples, summary
            finally:
                if app is not None and app.process.poll() is None:
                    app.process.kill()
                    app.process.wait()
    finally:
        desktop.close()


def main():
    options = parse_arguments()
    if os.geteuid() != 0:
        print("bench-window: needs root to build the simulated path",
              file=sys.stderr)
        return 1
    for program in ("Xvfb", "dbus-daemon", "gdbus", "gapplication"):
        if shutil.which(program) is None:
            print(f"bench-window: needs {program}", file=sys.stderr)
            return 1

    os.environ["HOPSCOPE_PATHSIM"] = options.pathsim
    hsnet.cleanup_stale(PREFIX)
    directory = tempfile.mkdtemp(prefix=PREFIX + "-")
    result = {"complete": False, "failure": None,
              "options": {"duration_s": options.duration,
                          "sample_s": options.sample},
              "path": {"hops": HOPS, "hop_spacing_ms": HOP_SPACING_MS,
                       "target_delay_ms": TARGET_DELAY_MS,
                       "interval_s": INTERVAL_S},
              "goals": {"hopscope_cpu_percent_max": GOAL_CPU_PERCENT,
                        "resident_mb_max": GOAL_RSS_MB},
              "machine": {"cpus": os.cpu_count(),
                          "kernel": platform.release(),
                          "load_before": os.getloadavg()}}
    try:
        samples, summary = run(options, directory)
        result.update(complete=True, summary=summary, samples=samples)
        print_table(summary)
        code = 0
    except (RunError, AssertionError, subprocess.CalledProcessError,
            OSError) as error:
        print(f"bench-window: {error}", file=sys.stderr)
        result["failure"] = str(error)
        code = 1
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    result["machine"]["load_after"] = os.getloadavg()

    if options.json:
        with open(options.json, "w") as output:
            json.dump(result, output, indent=2)
            output.write("\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
