#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later

"""How long a one-round report takes: `hopscope --report` against mtr's.

On a simulated path of ten hops (nine routers and the target) with 100 ms
round trip to the target, `hopscope --report -c 1 -n` and `mtr --report -c 1
-n` run in the same namespace, alternating A B A B over the rounds.  Each
run is timed from the start of the program to its exit, inside the
namespace, so that entering it is not counted.  The medians, their ratio and
the goal are printed, and written as JSON.

The goal: hopscope's report is out within 1.2 round trips to the target plus
50 ms (program start and the helper's start included).  A missed goal does
not fail the benchmark, since it is a measurement; a run that fails, or a
report that does not list the path as built, does.  Everything runs as root
inside the namespace hs-bench-report-sim, removed at the end, and every probe
goes to an address inside it.
"""

import argparse
import json
import os
import statistics
import sys

SOURCE_ROOT = os.environ.get(
    'HOPSCOPE_SOURCE_ROOT',
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'lib'))

import hsnet  # noqa: E402  (the path above must be set first)

PREFIX = 'hs-bench-report'

TARGET = '198.51.100.10'
TARGET_DELAY_MS = 100.0
# Nine routers, 5 ms further each, then the target: ten hops.
HOPS = [(f'203.0.113.{k}', 5.0 * k) for k in range(1, 10)]
CONFIG = ''.join(
    [f'target {TARGET} 2001:db8:2::10 delay {TARGET_DELAY_MS}\n']
    + [f'hop {k} {address} 2001:db8:3::{k} delay {delay}\n'
       for k, (address, delay) in enumerate(HOPS, 1)])
EXPECTED_HOSTS = [address for address, _ in HOPS] + [TARGET]

GOAL_ROUND_TRIPS = 1.2
GOAL_EXTRA_MS = 50.0

# Runs the program given in its arguments and prints, as JSON, how long it
# took and what it wrote; it runs inside the namespace so that only the
# program itself is timed.
TIMER = r"""
import json, subprocess, sys, time
started = time.monotonic()
result = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL,
                        capture_output=True, text=True)
elapsed = time.monotonic() - started
print(json.dumps({"seconds": elapsed, "code": result.returncode,
                  "stdout": result.stdout, "stderr": result.stderr}))
"""


class RunError(Exception):
    pass


def report_hosts(text):
    """The host of each row of an mtr-style text report."""
    hosts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) > 2 and fields[0].endswith('.|--'):
            hosts.append(fields[1])
    return hosts


def timed_run(sim, name, argv, env):
    result = sim.run([sys.executable, '-c', TIMER, *argv],
                     capture_output=True, text=True, env=env, timeout=120)
    if result.returncode != 0:
        raise RunError(f'the timer around {name} failed: {result.stderr}')
    run = json.loads(result.stdout)
    if run['code'] != 0:
        raise RunError(f'{name} exited with {run["code"]}: {run["stderr"]}')
    hosts = report_hosts(run['stdout'])
    if hosts != EXPECTED_HOSTS:
        raise RunError(f'{name} reported the hops {hosts}, not '
                       f'{EXPECTED_HOSTS}:\n{run["stdout"]}')
    return run['seconds'] * 1000.0


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hopscope', default=os.environ.get('HOPSCOPE'),
                        help='the hopscope program (default: $HOPSCOPE)')
    parser.add_argument('--probe', default=os.environ.get('HOPSCOPE_PROBE'),
                        help='the helper (default: $HOPSCOPE_PROBE)')
    parser.add_argument('--mtr', default='/usr/bin/mtr')
    parser.add_argument('--pathsim',
                        default=os.environ.get('HOPSCOPE_PATHSIM'),
                        help='the path simulator (default: $HOPSCOPE_PATHSIM)')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--json', help='where to write the results')
    options = parser.parse_args()
    for name in ('hopscope', 'probe', 'pathsim'):
        if not getattr(options, name):
            parser.error(f'--{name} is needed (or its environment variable)')
    return options


def main():
    options = parse_arguments()
    if os.geteuid() != 0:
        print('bench-first-round: needs root to build the simulated path',
              file=sys.stderr)
        return 1

    os.environ['HOPSCOPE_PATHSIM'] = options.pathsim
    env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL': 'C',
           'HOPSCOPE_PROBE': options.probe}
    programs = {
        'hopscope': [options.hopscope, '--report', '-c', '1', '-n', TARGET],
        'mtr': [options.mtr, '--report', '-c', '1', '-n', TARGET],
    }
    times = {name: [] for name in programs}

    hsnet.cleanup_stale(PREFIX)
    try:
        with hsnet.PathSimulator(PREFIX, CONFIG) as sim:
            for round_number in range(1, options.rounds + 1):
                for name, argv in programs.items():
                    milliseconds = timed_run(sim, name, argv, env)
                    times[name].append(milliseconds)
                    print(f'round {round_number}: {name:8} '
                          f'{milliseconds:8.1f} ms', flush=True)
    except RunError as error:
        print(f'bench-first-round: {error}', file=sys.stderr)
        return 1

    medians = {name: statistics.median(values)
               for name, values in times.items()}
    ratio = medians['hopscope'] / medians['mtr']
    goal_ms = GOAL_ROUND_TRIPS * TARGET_DELAY_MS + GOAL_EXTRA_MS
    met = medians['hopscope'] <= goal_ms

    print()
    print(f'One-round report on {len(EXPECTED_HOSTS)} hops, '
          f'{TARGET_DELAY_MS:.0f} ms to the target, median of '
          f'{options.rounds} runs each:')
    print(f'  hopscope --report -c 1 -n  {medians["hopscope"]:8.1f} ms')
    print(f'  mtr --report -c 1 -n       {medians["mtr"]:8.1f} ms')
    print(f'  ratio hopscope / mtr       {ratio:8.3f}')
    print(f'  goal: hopscope within {GOAL_ROUND_TRIPS} round trips + '
          f'{GOAL_EXTRA_MS:.0f} ms = {goal_ms:.0f} ms: '
          + ('met' if met else 'missed'))

    if options.json:
        with open(options.json, 'w') as output:
            json.dump({'hops': len(EXPECTED_HOSTS),
                       'target_delay_ms': TARGET_DELAY_MS,
                       'runs_ms': times, 'median_ms': medians,
                       'ratio': ratio, 'goal_ms': goal_ms, 'goal_met': met},
                      output, indent=2)
            output.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
