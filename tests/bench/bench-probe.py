#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hopscope's probe helper against Debian's mtr-packet, side by side.

Both programs are driven through the same protocol by the same driver code,
in one run, alternating A B A B over several rounds, and the medians over
the rounds are compared:

1. throughput on a five-hop namespace chain with 100 probes in flight, each
   reply triggering the next probe;
2. CPU time of the prober process alone per 10,000 probes, in the same runs;
3. round-trip-time accuracy: on the chain, the median with one probe in
   flight against the median under load; on the TUN path simulator, the
   error of each reported round-trip time against the delay the simulator
   applied to that very probe.

The figures are printed and written as JSON; a missed goal does not fail the
benchmark, since it is a measurement, but a run that cannot complete does.
Everything runs as root inside namespaces this script makes, named
"hs-bench...", and every probe goes to an address inside them.
"""

import argparse
import json
import math
import os
import platform
import re
import selectors
import subprocess
import sys
import tempfile
import time

SOURCE_ROOT = os.environ.get(
    'HOPSCOPE_SOURCE_ROOT',
    os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'lib'))

import hsnet  # noqa: E402  (the path above must be set first)

PREFIX = 'hs-bench'

# The goals this benchmark reports against.
GOAL_THROUGHPUT_RATIO = 1.2
GOAL_CPU_RATIO = 0.8
GOAL_RTT_LOAD_DRIFT_US = 50

# The simulated path: four hops and a target, each (IPv4, IPv6, delay in
# milliseconds).  The addresses are the ones the simulator's TUN device
# routes.
SIM_HOPS = [
    ('203.0.113.1', '2001:db8:3::1', 1.0),
    ('203.0.113.2', '2001:db8:3::2', 2.5),
    ('203.0.113.3', '2001:db8:3::3', 4.0),
    ('203.0.113.4', '2001:db8:3::4', 6.5),
]
SIM_TARGET = ('198.51.100.10', '2001:db8:2::10', 10.0)

# How long a prober may stay silent, beyond the probe timeout, while probes
# are still unanswered, before the run is declared stuck.
STALL_GRACE_S = 3.0


def parse_simulator_statistics(text):
    """The simulator's own lateness in sending its answers, from the line
    it writes when it ends; None for a figure the line does not hold."""
    figures = {'text': text.strip()}
    for name, pattern in (('lateness_mean_us', r'lateness mean ([0-9.]+)'),
                          ('lateness_p99_us', r'p99 < ([0-9.]+)'),
                          ('lateness_max_us', r'max ([0-9.]+)')):
        match = re.search(pattern, text)
        figures[name] = float(match.group(1)) if match else None
    return figures


class RunError(Exception):
    """A run that could not complete: the benchmark exits non-zero."""


def percentile(sorted_values, fraction):
    """The nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    index = math.ceil(fraction * len(sorted_values)) - 1
    return sorted_values[max(0, min(len(sorted_values) - 1, index))]


def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def summarise(values):
    values = sorted(values)
    if not values:
        return {'count': 0}
    return {
        'count': len(values),
        'min': values[0],
        'median': percentile(values, 0.5),
        'p95': percentile(values, 0.95),
        'p99': percentile(values, 0.99),
        'max': values[-1],
        'mean': sum(values) / len(values),
    }


def read_cpu(pid):
    """The CPU a process has used so far: (nanoseconds on a CPU, user ticks,
    system ticks).  schedstat is exact to the nanosecond; stat gives the
    user/system split in clock ticks."""
    with open('/proc/%d/schedstat' % pid) as f:
        cpu_ns = int(f.read().split()[0])
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return cpu_ns, int(fields[11]), int(fields[12])


class Workload:
    """The probes of a run: request templates used in turn, each with the
    reply it must get (kind and responder).  Every template is a complete
    request line with "%d" in place of the token."""

    def __init__(self, name, probes):
        self.name = name
        self.templates = []
        self.expected = []
        self.ttls = []
        for family, target, ttl, timeout, kind, responder in probes:
            self.templates.append(
                ('%%d send-probe %s %s ttl %d timeout %d\n'
                 % (family, target, ttl, timeout)).encode())
            self.expected.append((kind.encode(), responder.encode()))
            self.ttls.append(ttl)


class Prober:
    """One prober process (ours or mtr-packet) started in the client
    namespace, with non-blocking pipes both ways."""

    def __init__(self, label, argv):
        self.label = label
        self.stderr = tempfile.TemporaryFile(prefix=PREFIX + '-stderr-')
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE,
                                        stderr=self.stderr, bufsize=0)
        self.pid = self.process.pid
        self.write_fd = self.process.stdin.fileno()
        self.read_fd = self.process.stdout.fileno()
        os.set_blocking(self.write_fd, False)
        os.set_blocking(self.read_fd, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.read_fd, selectors.EVENT_READ)
        self.next_token = 1
        self.partial = b''
        self.rusage = None
        self.exit_status = None

    def stderr_text(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors='replace').strip()

    def fail(self, message):
        detail = self.stderr_text()
        if detail:
            message += '; its standard error said: ' + detail[-500:]
        raise RunError('%s: %s' % (self.label, message))

    def read_lines(self, timeout):
        """The complete reply lines available within timeout seconds, [] when
        none came, or None at end of file."""
        if not self.selector.select(timeout):
            return []
        try:
            data = os.read(self.read_fd, 1 << 16)
        except BlockingIOError:
            return []
        if not data:
            return None
        lines = (self.partial + data).split(b'\n')
        self.partial = lines.pop()
        return lines

    def ask(self, request, timeout=5.0):
        """Send one request outside any measurement and return its reply."""
        token = self.next_token
        self.next_token += 1
        os.set_blocking(self.write_fd, True)
        os.write(self.write_fd, b'%d %s\n' % (token, request.encode()))
        os.set_blocking(self.write_fd, False)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.read_lines(deadline - time.monotonic())
            if lines is None:
                self.fail('closed its output')
            for line in lines:
                words = line.decode().split()
                if words and words[0] == str(token):
                    return words[1:]
        self.fail('no answer to "%s"' % request)

    def drive(self, workload, in_flight, count, duration, probe_timeout,
              by_token=None):
        """Keep in_flight probes outstanding, each reply triggering the next
        probe, until count probes were sent or duration seconds passed, then
        wait for every outstanding reply.  Returns the counts, the round-trip
        times per template and the driver's own CPU time.  When by_token is
        a dict, it also gets token: (template, round-trip time) for every
        answered probe.

        This loop is the driver whose cost must stay well below the probers':
        requests are pre-formatted, replies are matched by token in a dict, and
        all the requests a batch of replies triggers go out in one write."""
        templates = workload.templates
        expected = workload.expected
        template_count = len(templates)
        pending = {}
        outgoing = bytearray()
        rtts = [[] for _ in templates]
        counts = {'sent': 0, 'answered': 0, 'no-reply': 0,
                  'wrong-responder': 0, 'errors': {}}
        token = self.next_token
        sent = 0
        last_output = time.monotonic()

        cpu_start = time.thread_time()
        wall_start = time.monotonic()
        deadline = wall_start + duration
        wall_end = wall_start
        issue = min(in_flight, count)

        while True:
            if issue:
                for _ in range(issue):
                    index = sent % template_count
                    outgoing += templates[index] % token
                    pending[token] = index
                    token += 1
                    sent += 1
                issue = 0
            if outgoing:
                try:
                    written = os.write(self.write_fd, outgoing)
                    del outgoing[:written]
                except BlockingIOError:
                    pass
                except BrokenPipeError:
                    self.fail('closed its input with %d probes unanswered'
                              % len(pending))
            if not pending:
                break

            lines = self.read_lines(0.5)
            now = time.monotonic()
            if lines is None:
                self.fail('closed its output with %d probes unanswered'
                          % len(pending))
            if not lines:
                if now - last_output > probe_timeout + STALL_GRACE_S:
                    self.fail('stopped answering with %d probes unanswered'
                              % len(pending))
                continue
            last_output = now
            wall_end = now

            for line in lines:
                words = line.split(b' ')
                try:
                    index = pending.pop(int(words[0]))
                except (KeyError, ValueError):
                    self.fail('answered an unknown token: %r' % line)
                kind = words[1] if len(words) > 1 else b''
                want_kind, want_responder = expected[index]
                if kind == want_kind:
                    if len(words) < 4 or words[3] != want_responder:
                        counts['wrong-responder'] += 1
                        continue
                    counts['answered'] += 1
                    try:
                        rtt_at = words.index(b'round-trip-time', 2)
                        rtt = int(words[rtt_at + 1])
                    except (ValueError, IndexError):
                        self.fail('sent a reply without a round-trip time: '
                                  '%r' % line)
                    rtts[index].append(rtt)
                    if by_token is not None:
                        by_token[int(words[0])] = (index, rtt)
                elif kind == b'reply' or kind == b'ttl-expired':
                    counts['wrong-responder'] += 1
                elif kind == b'no-reply':
                    counts['no-reply'] += 1
                else:
                    name = kind.decode(errors='replace')
                    counts['errors'][name] = counts['errors'].get(name, 0) + 1

            if sent < count and now < deadline:
                issue = min(in_flight - len(pending), count - sent)

        cpu_used = time.thread_time() - cpu_start
        first_token = self.next_token
        self.next_token = token
        counts['sent'] = sent
        counts['lost'] = sent - counts['answered']
        return {
            'counts': counts,
            'first_token': first_token,
            'elapsed_s': wall_end - wall_start,
            'rtts': rtts,
            'driver_cpu_s': cpu_used,
        }

    def close(self):
        """Close the prober's input, which ends it, and collect its resource
        usage with wait4."""
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        deadline = time.monotonic() + 5
        while True:
            pid, status, rusage = os.wait4(self.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.process.kill()
                pid, status, rusage = os.wait4(self.pid, 0)
                break
            time.sleep(0.01)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        self.exit_status = self.process.returncode
        self.rusage = rusage
        self.process.stdout.close()
        self.selector.close()
        return self.exit_status


class Bench:
    def __init__(self, options):
        self.options = options
        self.programs = [
            ('hopscope-probe', os.path.realpath(options.probe)),
            ('mtr-packet', os.path.realpath(options.mtr_packet)),
        ]
        self.runs = []
        self.versions = {}
        self.driver_ceiling = None

    def log(self, message):
        print(message, flush=True)

    # Starting, warming up and measuring one prober.

    def warm_up(self, prober, workload):
        """A few probes through every template: they must all be answered,
        which proves that the path and the prober work before anything is
        measured."""
        result = prober.drive(workload, in_flight=len(workload.templates),
                              count=4 * len(workload.templates), duration=10,
                              probe_timeout=self.options.timeout)
        counts = result['counts']
        if counts['lost']:
            prober.fail('%d of %d warm-up probes (%s) were not answered: %s'
                        % (counts['lost'], counts['sent'], workload.name,
                           json.dumps(counts)))

    def check_identity(self, prober, path):
        """The CPU figures come from /proc of the process on the pipes: make
        sure it is the prober itself, not a wrapper that forked it."""
        try:
            exe = os.readlink('/proc/%d/exe' % prober.pid)
        except OSError as error:
            prober.fail('cannot read its /proc entry: %s' % error)
        if os.path.realpath(exe) != path:
            prober.fail('the process on the pipes is %s, not the prober; '
                        'its CPU time cannot be measured' % exe)

    def measure(self, label, path, exec_argv, workload, in_flight, count,
                section, round_number, on_start=None, by_token=None):
        """One run: a fresh prober, a warm-up, then the measured probes.  The
        prober's CPU time is read from /proc around the measured probes
        only, so that its start-up and warm-up do not count."""
        prober = Prober(label, exec_argv([path]))
        try:
            self.warm_up(prober, workload)
            self.check_identity(prober, path)
            if on_start is not None:
                on_start()
            cpu_before = read_cpu(prober.pid)
            result = prober.drive(workload, in_flight, count,
                                  self.options.duration, self.options.timeout,
                                  by_token=by_token)
            cpu_after = read_cpu(prober.pid)
        finally:
            status = prober.close()
        if status != 0:
            prober.fail('exited with status %d' % status)

        counts = result['counts']
        elapsed = result['elapsed_s']
        cpu_ns = cpu_after[0] - cpu_before[0]
        ticks = os.sysconf('SC_CLK_TCK')
        rtt_by_ttl = {}
        for index, values in enumerate(result['rtts']):
            rtt_by_ttl.setdefault(workload.ttls[index], []).extend(values)
        run = {
            'section': section,
            'workload': workload.name,
            'program': label,
            'round': round_number,
            'in_flight': in_flight,
            'counts': counts,
            'lossless': counts['lost'] == 0,
            'elapsed_s': elapsed,
            'probes_per_s': (counts['answered'] / elapsed
                             if elapsed > 0 else None),
            'prober_cpu_s': cpu_ns / 1e9,
            'prober_user_s': (cpu_after[1] - cpu_before[1]) / ticks,
            'prober_system_s': (cpu_after[2] - cpu_before[2]) / ticks,
            'prober_cpu_ms_per_10k': (cpu_ns / 1e6 / counts['sent'] * 10000
                                      if counts['sent'] else None),
            'prober_lifetime_rusage': {
                'user_s': prober.rusage.ru_utime,
                'system_s': prober.rusage.ru_stime,
            },
            'driver_cpu_s': result['driver_cpu_s'],
            'driver_us_per_probe': (result['driver_cpu_s'] * 1e6
                                    / counts['sent']
                                    if counts['sent'] else None),
            'driver_busy': (result['driver_cpu_s'] / elapsed
                            if elapsed > 0 else None),
            'prober_busy': cpu_ns / 1e9 / elapsed if elapsed > 0 else None,
            'rtt_us': {str(ttl): summarise(values)
                       for ttl, values in sorted(rtt_by_ttl.items())},
        }
        run['rtt_us']['all'] = summarise(
            [v for values in result['rtts'] for v in values])
        self.runs.append(run)
        return run, result

    def describe(self, run):
        counts = run['counts']
        extra = ''
        if 'rtt_error_us' in run:
            extra = ('  |error| median %s p95 %s us, simulator late by '
                     '%s us on average' % (
                         run['rtt_error_us'].get('median'),
                         run['rtt_error_us'].get('p95'),
                         run['simulator'].get('lateness_mean_us')))
        if counts['lost']:
            extra += '  LOSSES: %d no-reply, %d wrong responder, errors %s' % (
                counts['no-reply'], counts['wrong-responder'],
                json.dumps(counts['errors']))
        self.log('  round %d %-14s %-10s %-12s %6d probes %5.2f s %6.0f/s  '
                 'cpu %5.1f ms/10k  rtt median %s us%s'
                 % (run['round'], run['program'], run['section'],
                    run['workload'], counts['sent'], run['elapsed_s'],
                    run['probes_per_s'] or 0,
                    run['prober_cpu_ms_per_10k'] or 0,
                    run['rtt_us']['all'].get('median'), extra))

    def calibrate_driver(self):
        """The driver's own ceiling: the same loop against cat, which echoes
        every request at once, so nothing but the driver and two pipes
        limits the rate.  The echoed request reads as an answer whose
        responder is the address in it; no packet is sent."""
        workload = Workload('driver-ceiling', [])
        workload.templates = [
            b'%d send-probe ip-4 192.0.2.1 round-trip-time 0\n']
        workload.expected = [(b'send-probe', b'192.0.2.1')]
        workload.ttls = [0]
        prober = Prober('cat', ['cat'])
        try:
            result = prober.drive(workload, self.options.in_flight,
                                  10 ** 7, 1.0, self.options.timeout)
        finally:
            prober.close()
        counts = result['counts']
        if counts['lost']:
            raise RunError('the driver lost probes against cat: %s'
                           % json.dumps(counts))
        self.driver_ceiling = {
            'probes_per_s': counts['answered'] / result['elapsed_s'],
            'driver_us_per_probe': (result['driver_cpu_s'] * 1e6
                                    / counts['sent']),
        }
        self.log('Driver ceiling: %.0f probes/s with %d in flight against '
                 'cat, %.1f us of driver CPU a probe'
                 % (self.driver_ceiling['probes_per_s'],
                    self.options.in_flight,
                    self.driver_ceiling['driver_us_per_probe']))

    # The namespace chain.

    def chain_workloads(self, net):
        timeout = self.options.timeout
        last = len(net.hops_v4) + 1
        target = [('ip-4', net.target_v4, 64, timeout, 'reply',
                   net.target_v4)]
        mixed_v4 = []
        mixed_v6 = []
        for ttl in range(1, last + 1):
            if ttl < last:
                mixed_v4.append(('ip-4', net.target_v4, ttl, timeout,
                                 'ttl-expired', net.hops_v4[ttl - 1]))
                mixed_v6.append(('ip-6', net.target_v6, ttl, timeout,
                                 'ttl-expired', net.hops_v6[ttl - 1]))
            else:
                mixed_v4.append(('ip-4', net.target_v4, ttl, timeout,
                                 'reply', net.target_v4))
                mixed_v6.append(('ip-6', net.target_v6, ttl, timeout,
                                 'reply', net.target_v6))
        return (Workload('v4-target', target),
                Workload('v4-ttl-1-%d' % last, mixed_v4),
                Workload('v6-ttl-1-%d' % last, mixed_v6))

    def lift_icmp_limits(self, net):
        """The chain turns off the per-destination ICMP rate limits, but the
        kernel's global limit (icmp_msgs_per_sec, 1000 a second) would
        still cap the time-exceeded messages of each router far below the
        rates measured here: lift it in every namespace of this chain."""
        for ns in net.nodes:
            result = net.run(['sysctl', '-q', '-w',
                              'net.ipv4.icmp_msgs_per_sec=10000000',
                              'net.ipv4.icmp_msgs_burst=10000000'],
                             ns=ns, capture_output=True, text=True)
            if result.returncode != 0:
                raise RunError('cannot lift the ICMP rate limit in %s: %s'
                               % (ns, result.stderr.strip()))

    def prepare_path(self, exec_argv, workloads):
        """A fresh chain may drop the first probes while neighbours are
        discovered: probe every hop with mtr-packet until each answers."""
        path = self.programs[1][1]
        deadline = time.monotonic() + 20
        while True:
            prober = Prober('path check', exec_argv([path]))
            lost = None
            try:
                for workload in workloads:
                    result = prober.drive(workload, len(workload.templates),
                                          len(workload.templates), 5, 1)
                    if result['counts']['lost']:
                        lost = '%s: %s' % (workload.name,
                                           json.dumps(result['counts']))
                        break
            finally:
                prober.close()
            if lost is None:
                return
            if time.monotonic() > deadline:
                raise RunError('the namespace chain does not answer every '
                               'hop: %s' % lost)
            time.sleep(0.5)

    def run_chain(self):
        options = self.options
        self.log('Namespace chain: 4 routers and a target, %d rounds'
                 % options.rounds)
        with hsnet.NamespaceChain(PREFIX, routers=4) as net:
            def exec_argv(argv):
                return net.exec_argv(net.client_ns, argv)

            self.lift_icmp_limits(net)
            workloads = self.chain_workloads(net)
            self.prepare_path(exec_argv, workloads)
            for label, path in self.programs:
                prober = Prober(label, exec_argv([path]))
                try:
                    words = prober.ask('check-support feature version')
                    self.versions[label] = words[-1] if words else None
                finally:
                    prober.close()

            # A then B in every round, so that the programs alternate run
            # by run and a drift of the machine touches both alike.
            for round_number in range(1, options.rounds + 1):
                for label, path in self.programs:
                    run, _ = self.measure(label, path, exec_argv,
                                          workloads[0], in_flight=1,
                                          count=options.idle_count,
                                          section='chain-idle',
                                          round_number=round_number)
                    self.describe(run)
                    for workload in workloads:
                        run, _ = self.measure(label, path, exec_argv,
                                              workload,
                                              in_flight=options.in_flight,
                                              count=options.count,
                                              section='chain-load',
                                              round_number=round_number)
                        self.describe(run)

    # The path simulator.

    def simulator_errors(self, records, result, by_token, workload, target):
        """The error of every reported round-trip time against the delay the
        simulator applied to that very probe.  The simulator records the
        probes in the order it reads them, which for one time-to-live is the
        order the prober sent them, which is the order of the tokens: so the
        n-th probe of a time-to-live is matched with the n-th record of
        that time-to-live."""
        records_by_ttl = {}
        for record in records:
            if (record['family'] == 4 and record['protocol'] == 'icmp'
                    and record['dst'] == target):
                records_by_ttl.setdefault(record['ttl'], []).append(record)

        first = result['first_token']
        sent = result['counts']['sent']
        template_count = len(workload.templates)
        errors = []
        for index, ttl in enumerate(workload.ttls):
            tokens = range(first + index, first + sent, template_count)
            seen = records_by_ttl.get(ttl, [])
            if len(seen) != len(tokens):
                raise RunError('the simulator read %d probes with TTL %d, '
                               'the prober was asked for %d'
                               % (len(seen), ttl, len(tokens)))
            for token, record in zip(tokens, seen):
                if token in by_token and record['action'] == 'answered':
                    errors.append(by_token[token][1] - record['delay_us'])
        return errors

    def run_simulator(self):
        options = self.options
        config = ['target %s %s delay %g' % SIM_TARGET]
        probes = []
        for number, (v4, v6, delay) in enumerate(SIM_HOPS, start=1):
            config.append('hop %d %s %s delay %g' % (number, v4, v6, delay))
            probes.append(('ip-4', SIM_TARGET[0], number, options.timeout,
                           'ttl-expired', v4))
        probes.append(('ip-4', SIM_TARGET[0], len(SIM_HOPS) + 1,
                       options.timeout, 'reply', SIM_TARGET[0]))
        workload = Workload('sim-ttl-1-%d' % len(probes), probes)
        self.log('Path simulator: %d hops and a target %g ms away, %d rounds'
                 % (len(SIM_HOPS), SIM_TARGET[2], options.rounds))

        # A fresh simulator for every run, so that its own lateness (which
        # it reports when it ends) belongs to that run alone.
        for round_number in range(1, options.rounds + 1):
            for label, path in self.programs:
                for section, in_flight, count in (
                        ('sim-idle', 1, options.sim_idle_count),
                        ('sim-load', options.in_flight,
                         options.sim_load_count)):
                    self.simulator_run(label, path, config, workload, section,
                                       in_flight, count, round_number)

    def simulator_run(self, label, path, config, workload, section,
                      in_flight, count, round_number):
        first_record = 0
        by_token = {}

        with hsnet.PathSimulator(PREFIX, '\n'.join(config) + '\n') as sim:
            def on_start():
                nonlocal first_record
                first_record = len(sim.records())

            run, result = self.measure(label, path, sim.exec_argv, workload,
                                       in_flight=in_flight, count=count,
                                       section=section,
                                       round_number=round_number,
                                       on_start=on_start, by_token=by_token)
            records = sim.records()[first_record:]
        errors = self.simulator_errors(records, result, by_token, workload,
                                       SIM_TARGET[0])
        run['rtt_error_us'] = summarise([abs(error) for error in errors])
        run['rtt_signed_error_us'] = summarise(errors)
        run['simulator'] = parse_simulator_statistics(sim.statistics)
        self.describe(run)

    # Figures.

    def values_of(self, section, workload, program, key):
        """One figure of every round's run of a kind, in round order."""
        values = []
        for run in self.runs:
            if (run['section'] == section and run['program'] == program
                    and (workload is None or run['workload'] == workload)):
                value = key(run)
                if value is not None:
                    values.append(value)
        return values

    def summary(self):
        ours, theirs = self.programs[0][0], self.programs[1][0]
        rows = []

        def row(name, unit, section, workload, key, goal=None, lower=False,
                compare=True):
            ours_values = self.values_of(section, workload, ours, key)
            theirs_values = self.values_of(section, workload, theirs, key)
            a = median(ours_values)
            b = median(theirs_values)
            ratio = a / b if compare and a is not None and b else None
            met = None
            if goal is not None and ratio is not None:
                met = ratio <= goal if lower else ratio >= goal
            rows.append({'name': name, 'unit': unit, 'ours': a,
                         'mtr_packet': b, 'ratio': ratio,
                         'goal': (('<= %g' if lower else '>= %g') % goal
                                  if goal is not None else None),
                         'met': met,
                         'ours_rounds': ours_values,
                         'mtr_packet_rounds': theirs_values})
            return a, b

        def rtt_median(run):
            return run['rtt_us']['all'].get('median')

        chain = list(dict.fromkeys(run['workload'] for run in self.runs
                                   if run['section'] == 'chain-load'))
        for workload in chain:
            row('throughput, %s' % workload, 'probes/s', 'chain-load',
                workload, lambda r: r['probes_per_s'], GOAL_THROUGHPUT_RATIO)
        for workload in chain:
            row('CPU per 10k probes, %s' % workload, 'ms', 'chain-load',
                workload, lambda r: r['prober_cpu_ms_per_10k'],
                GOAL_CPU_RATIO, lower=True)

        if chain:
            idle = row('RTT median, chain idle (1 in flight)', 'us',
                       'chain-idle', None, rtt_median)
            load = row('RTT median, chain load (%d in flight)'
                       % self.options.in_flight, 'us', 'chain-load',
                       chain[0], rtt_median)
            drift = [None, None]
            for i in (0, 1):
                if load[i] is not None and idle[i] is not None:
                    drift[i] = load[i] - idle[i]
            rows.append({'name': 'RTT median, chain load - idle', 'unit': 'us',
                         'ours': drift[0], 'mtr_packet': drift[1],
                         'ratio': None,
                         'goal': 'ours <= %d' % GOAL_RTT_LOAD_DRIFT_US,
                         'met': (drift[0] is not None
                                 and abs(drift[0]) <= GOAL_RTT_LOAD_DRIFT_US)})

        for section, name in (('sim-idle', 'idle (1 in flight)'),
                              ('sim-load', 'load (%d in flight)'
                               % self.options.in_flight)):
            if not any(run['section'] == section for run in self.runs):
                continue
            row('|RTT error| median, sim %s' % name, 'us', section, None,
                lambda r: r['rtt_error_us'].get('median'))
            row('|RTT error| p95, sim %s' % name, 'us', section, None,
                lambda r: r['rtt_error_us'].get('p95'))
            row('  simulator\'s own lateness, mean', 'us', section, None,
                lambda r: r['simulator'].get('lateness_mean_us'),
                compare=False)

        lossy = {}
        for run in self.runs:
            if not run['lossless']:
                key = '%s %s %s' % (run['program'], run['section'],
                                    run['workload'])
                lossy[key] = lossy.get(key, 0) + 1
        load_runs = [run for run in self.runs
                     if run['section'] == 'chain-load']
        return {
            'rows': rows,
            'lossy_runs': lossy,
            'driver_us_per_probe_median': median(
                [run['driver_us_per_probe'] for run in load_runs]),
            'driver_busy_max': max([run['driver_busy'] for run in load_runs],
                                   default=None),
            'driver_ceiling': self.driver_ceiling,
        }

    def print_table(self, summary):
        self.log('')
        self.log('hopscope-probe %s against mtr-packet %s, medians of %d '
                 'rounds; ratio is hopscope / mtr-packet'
                 % (self.versions.get('hopscope-probe'),
                    self.versions.get('mtr-packet'), self.options.rounds))
        line = '%-50s %10s %10s %6s  %-11s %s'
        header = line % ('figure', 'hopscope', 'mtr-packet', 'ratio', 'goal',
                         '')
        self.log(header)
        self.log('-' * len(header))

        def number(value):
            if value is None:
                return '-'
            if abs(value) >= 1000:
                return '%.0f' % value
            return '%.1f' % value

        for row in summary['rows']:
            verdict = ''
            if row['met'] is not None:
                verdict = 'met' if row['met'] else 'MISSED'
            self.log(line % (
                '%s (%s)' % (row['name'], row['unit']), number(row['ours']),
                number(row['mtr_packet']),
                '%.2f' % row['ratio'] if row['ratio'] is not None else '-',
                row['goal'] or '', verdict))
        self.log('')
        if summary['lossy_runs']:
            self.log('Runs that lost probes (their throughput is not a '
                     'lossless rate): %s'
                     % ', '.join('%s: %d' % item
                                 for item in summary['lossy_runs'].items()))
        else:
            self.log('Every probe of every run was answered.')
        driver_us = summary['driver_us_per_probe_median']
        if driver_us:
            self.log('Driver under load: %.1f us of CPU a probe, busy %.0f %% '
                     'of the time at most; its ceiling against cat is %.0f '
                     'probes/s'
                     % (driver_us, 100 * summary['driver_busy_max'],
                        self.driver_ceiling['probes_per_s']))


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--probe', default=os.environ.get('HOPSCOPE_PROBE'),
                        help='the helper (default: $HOPSCOPE_PROBE)')
    parser.add_argument('--mtr-packet', default='/usr/bin/mtr-packet')
    parser.add_argument('--pathsim',
                        default=os.environ.get('HOPSCOPE_PATHSIM'),
                        help='the path simulator (default: $HOPSCOPE_PATHSIM)')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--count', type=int, default=100000,
                        help='probes a throughput run sends at most')
    parser.add_argument('--duration', type=float, default=5.0,
                        help='seconds a run sends probes at most')
    parser.add_argument('--in-flight', type=int, default=100)
    parser.add_argument('--timeout', type=int, default=1,
                        help='probe timeout in seconds')
    parser.add_argument('--idle-count', type=int, default=2000)
    parser.add_argument('--sim-idle-count', type=int, default=200)
    parser.add_argument('--sim-load-count', type=int, default=10000)
    parser.add_argument('--no-simulator', action='store_true')
    parser.add_argument('--json', help='where to write the results')
    options = parser.parse_args()
    if options.json is None:
        build_root = os.environ.get('HOPSCOPE_BUILD_ROOT', '.')
        options.json = os.path.join(build_root, 'tests', 'bench',
                                    'bench-probe.json')
    return options


def main():
    options = parse_arguments()
    if os.geteuid() != 0:
        print('bench-probe: must run as root, to make namespaces and to probe '
              'without the helper\'s rate limit', file=sys.stderr)
        return 1
    programs = [('helper', options.probe),
                ('mtr-packet', options.mtr_packet)]
    if not options.no_simulator:
        programs.append(('path simulator', options.pathsim))
    for name, path in programs:
        if not path or not os.access(path, os.X_OK):
            print('bench-probe: the %s is missing: %r' % (name, path),
                  file=sys.stderr)
            return 1
    if options.pathsim:
        os.environ['HOPSCOPE_PATHSIM'] = os.path.abspath(options.pathsim)

    bench = Bench(options)
    started = time.monotonic()
    load_before = os.getloadavg()
    failure = None
    try:
        bench.calibrate_driver()
        bench.run_chain()
        if not options.no_simulator:
            bench.run_simulator()
    except (RunError, RuntimeError, OSError) as error:
        failure = str(error)

    summary = bench.summary()
    if not failure:
        bench.print_table(summary)
    results = {
        'programs': {label: {'path': path,
                             'version': bench.versions.get(label)}
                     for label, path in bench.programs},
        'machine': {'kernel': platform.release(), 'cpus': os.cpu_count(),
                    'load_average_before': load_before,
                    'load_average_after': os.getloadavg()},
        'options': vars(options),
        'goals': {'throughput_ratio': '>= %g' % GOAL_THROUGHPUT_RATIO,
                  'cpu_ratio': '<= %g' % GOAL_CPU_RATIO,
                  'rtt_load_drift_us': '<= %d' % GOAL_RTT_LOAD_DRIFT_US},
        'summary': summary,
        'runs': bench.runs,
        'complete': failure is None,
        'failure': failure,
        'wall_s': time.monotonic() - started,
    }
    os.makedirs(os.path.dirname(os.path.abspath(options.json)), exist_ok=True)
    with open(options.json, 'w') as f:
        json.dump(results, f, indent=1)
    bench.log('Results: %s (%.0f s)' % (options.json, results['wall_s']))

    if failure:
        print('bench-probe: a run could not complete: %s' % failure,
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
