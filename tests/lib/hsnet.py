# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later

"""The two test networks of Hopscope's integration tests.

Both are built by the tests themselves, as root, on this machine only, from
documentation address ranges.  Nothing here ever sends a packet to an address
outside the namespaces it made: every prober runs inside one of them.

NamespaceChain: real kernel routers
-----------------------------------
A chain of network namespaces joined by veth pairs::

    NAME-c ── NAME-r1 ── NAME-r2 ── ... ── NAME-rN ── NAME-t
    client     router 1                   router N    target
          link 0     link 1            link N-1   link N

Link i joins node i and node i + 1 (node 0 is the client, node N + 1 the
target).  In every namespace the interface towards the client is "hs-c" and
the one towards the target is "hs-t".  Addresses of link i:

- IPv4: 203.0.113.(4i)/30, the client side .(4i + 1), the target side
  .(4i + 2).  So at most 63 routers fit in 203.0.113.0/24.
- IPv6: 2001:db8:X::/64 with X = 100 + i written in hexadecimal (link 0 is
  2001:db8:100::/64, link 10 is 2001:db8:10a::/64), the client side ::1, the
  target side ::2.

Router k answers at TTL k from its client-side address, 203.0.113.(4k - 2)
and 2001:db8:X::2 of link k - 1 (hops_v4, hops_v6); the target is the target
side of link N.  The client and the target have default routes towards their
neighbour; each router has one route per link it is not on, towards the side
of the chain that link is on.  Routers forward IPv4 and IPv6; duplicate
address detection is off so addresses work at once; the kernel's ICMP rate
limits are off so every probe gets its answer; reverse path filtering is off.

Loss and silence use an nftables table in the router's namespace named after
the chain ("hs-chain" gives "inet hs_chain"):

- set_loss(k, percent) drops that share of the packets arriving at router k
  from the client side, before routing (numgen random mod 100 < percent).
  The probes that would expire at router k are lost as well as those it
  would forward, so loss starts at hop k and persists to the target; answers
  travelling back are not touched.
- silence(k) drops the ICMP and ICMPv6 time-exceeded and
  destination-unreachable messages router k sends itself.

PathSimulator: a simulated path on a TUN device
-----------------------------------------------
Namespace NAME-sim holds the TUN device "hssim0" served by hopscope-pathsim
(tests/sim/README.md describes its configuration).  The device has the client
addresses 192.0.2.1/32 and 2001:db8:1::1/128 and the routes to
198.51.100.0/24, 203.0.113.0/24, 2001:db8:2::/64 and 2001:db8:3::/64, so the
probers run in NAME-sim and probe the simulated addresses.

Clean-up
--------
Every namespace, nftables table, process and temporary file an object made is
removed by close() (and so when its "with" block ends, even on an exception),
at interpreter exit and on SIGTERM.  cleanup_stale(prefix) removes what a
crashed earlier run left behind.
"""

import atexit
import glob
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SIM_DEVICE = "hssim0"
SIM_CLIENT_V4 = "192.0.2.1"
SIM_CLIENT_V6 = "2001:db8:1::1"
SIM_ROUTES_V4 = ("198.51.100.0/24", "203.0.113.0/24")
SIM_ROUTES_V6 = ("2001:db8:2::/64", "2001:db8:3::/64")

_live = []
_live_lock = threading.Lock()
_handlers_installed = False


def _cleanup_all():
    with _live_lock:
        objects = list(reversed(_live))
    for obj in objects:
        try:
            obj.close()
        except Exception as error:  # Clean-up goes on with the others.
            print(f"hsnet: clean-up of {obj!r} failed: {error}",
                  file=sys.stderr)


def _on_sigterm(signum, frame):
    # unittest reports an exception raised here as a test error and runs on,
    # so once the networks are gone the process leaves at once.
    _cleanup_all()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(128 + signum)


def _register(obj):
    global _handlers_installed

    with _live_lock:
        _live.append(obj)
        if not _handlers_installed:
            atexit.register(_cleanup_all)
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, _on_sigterm)
            _handlers_installed = True


def _unregister(obj):
    with _live_lock:
        if obj in _live:
            _live.remove(obj)


def _ip(*args, input=None, check=True):
    return subprocess.run(["ip", *args], input=input, text=True,
                          capture_output=True, check=check)


def _checked(result, what):
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}): "
                           f"{result.stderr.strip()}")
    return result


def _batch(ns, commands):
    """Runs many ip commands in one namespace with one process."""
    _checked(_ip("-n", ns, "-batch", "-", input="\n".join(commands) + "\n",
                 check=False), f"ip -n {ns} -batch")


def _sysctl(ns, settings):
    argv = ["ip", "netns", "exec", ns, "sysctl", "-q", "-w"]
    argv += [f"{key}={value}" for key, value in settings.items()]
    _checked(subprocess.run(argv, text=True, capture_output=True),
             f"sysctl in {ns}")


def _netns_list():
    result = _ip("netns", "list", check=False)
    return [line.split()[0] for line in result.stdout.splitlines()
            if line.strip()]


def _kill_netns_processes(ns):
    result = _ip("netns", "pids", ns, check=False)
    pids = [int(pid) for pid in result.stdout.split() if pid.isdigit()]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in pids:
        # Wait a moment for each so that the namespace is really free.
        for _ in range(100):
            if not os.path.exists(f"/proc/{pid}"):
                break
            time.sleep(0.01)


def _delete_netns(ns):
    _kill_netns_processes(ns)
    _ip("netns", "del", ns, check=False)


def _stop_process(process, timeout=3.0):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass


def _nft_table_name(name):
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def cleanup_stale(prefix):
    """Removes the namespaces and temporary folders whose names start with
    prefix, left behind by an earlier run that was killed."""
    if not prefix.startswith("hs-"):
        raise ValueError("test networks are named hs-...; refusing "
                         f"to remove {prefix}*")
    for ns in _netns_list():
        if ns.startswith(prefix):
            _delete_netns(ns)
    for path in glob.glob(os.path.join(tempfile.gettempdir(), prefix + "-*")):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)


def require_root():
    """Skips the test when not run as root: the networks need it."""
    if os.geteuid() != 0:
        raise unittest.SkipTest("building network namespaces needs root")


def exec_argv(ns, argv):
    return ["ip", "netns", "exec", ns, *argv]


# A ping run inside a namespace: ICMP and ICMPv6 echo requests over raw
# sockets until every address has answered once, so that no ping program is
# needed.
_PING_SCRIPT = r"""
import os, select, socket, struct, sys, time

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff

deadline = time.monotonic() + float(sys.argv[1])
pending = set(sys.argv[2:])
ident = os.getpid() & 0xffff
v4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
v6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
seq = 0
while pending and time.monotonic() < deadline:
    seq += 1
    for address in pending:
        if ":" in address:
            v6.sendto(struct.pack("!BBHHH", 128, 0, 0, ident, seq),
                      (address, 0))
        else:
            header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            header = struct.pack("!BBHHH", 8, 0, checksum(header), ident, seq)
            v4.sendto(header, (address, 0))
    until = time.monotonic() + 0.1
    while pending and time.monotonic() < until:
        ready, _, _ = select.select([v4, v6], [], [], until - time.monotonic())
        for sock in ready:
            data, source = sock.recvfrom(2048)
            if sock is v4:
                data = data[(data[0] & 15) * 4:]
                answered = data[0] == 0
            else:
                answered = data[0] == 129
            if answered and struct.unpack("!H", data[4:6])[0] == ident:
                pending.discard(source[0])
if pending:
    print("no answer from " + " ".join(sorted(pending)))
    sys.exit(1)
"""


class _Network:
    """A test network that builds itself on entry and is removed on exit,
    and also when building it fails half way."""

    def __enter__(self):
        self._closed = False
        _register(self)
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class NamespaceChain(_Network):
    """A chain of namespaces: client, routers 1..N, target (see the module
    documentation for the addresses).  Use it as a context manager."""

    def __init__(self, name, routers=4):
        if not 1 <= routers <= 62:
            raise ValueError("a chain has 1 to 62 routers")
        self.name = name
        self.n_routers = routers
        self.client_ns = f"{name}-c"
        self.target_ns = f"{name}-t"
        self.routers = [f"{name}-r{k}" for k in range(1, routers + 1)]
        self.nodes = [self.client_ns, *self.routers, self.target_ns]
        self.table = _nft_table_name(name)
        self.hops_v4 = [self._v4(k - 1, 2) for k in range(1, routers + 1)]
        self.hops_v6 = [self._v6(k - 1, 2) for k in range(1, routers + 1)]
        self.target_v4 = self._v4(routers, 2)
        self.target_v6 = self._v6(routers, 2)
        self._processes = []
        self._tables = set()
        self._created = []
        self._closed = True

    @staticmethod
    def _v4(link, side):
        return f"203.0.113.{4 * link + side}"

    @staticmethod
    def _v6(link, side):
        return f"2001:db8:{0x100 + link:x}::{side}"

    def __repr__(self):
        return f"NamespaceChain({self.name!r})"

    def _build(self):
        last = self.n_routers + 1

        for ns in self.nodes:
            if ns in _netns_list():
                _delete_netns(ns)
            _checked(_ip("netns", "add", ns, check=False), f"netns add {ns}")
            self._created.append(ns)

        # Settings that new interfaces copy must be in place before the veth
        # pairs appear.
        for index, ns in enumerate(self.nodes):
            settings = {
                "net.ipv6.conf.all.accept_dad": 0,
                "net.ipv6.conf.default.accept_dad": 0,
                "net.ipv6.conf.default.router_solicitations": 0,
                "net.ipv4.conf.all.rp_filter": 0,
                "net.ipv4.conf.default.rp_filter": 0,
                "net.ipv4.icmp_ratelimit": 0,
                "net.ipv6.icmp.ratelimit": 0,
                "net.ipv4.icmp_msgs_burst": 10000,
            }
            if 0 < index < last:
                settings["net.ipv4.ip_forward"] = 1
                settings["net.ipv6.conf.all.forwarding"] = 1
            _sysctl(ns, settings)

        for link in range(last):
            _checked(_ip("link", "add", "hs-t", "netns", self.nodes[link],
                         "type", "veth", "peer", "name", "hs-c", "netns",
                         self.nodes[link + 1], check=False),
                     f"veth for link {link}")

        for index, ns in enumerate(self.nodes):
            commands = ["link set lo up"]
            if index > 0:
                commands += self._interface_commands("hs-c", index - 1, 2)
            if index < last:
                commands += self._interface_commands("hs-t", index, 1)
            commands += self._route_commands(index)
            _batch(ns, commands)

        self._wait_for_target()

    def _interface_commands(self, device, link, side):
        return [
            f"link set {device} up",
            f"addr add {self._v4(link, side)}/30 dev {device}",
            f"addr add {self._v6(link, side)}/64 dev {device} nodad",
        ]

    def _route_commands(self, index):
        last = self.n_routers + 1
        commands = []

        if index == 0:
            return [f"route add default via {self._v4(0, 2)}",
                    f"route add default via {self._v6(0, 2)}"]
        if index == last:
            return [f"route add default via {self._v4(last - 1, 1)}",
                    f"route add default via {self._v6(last - 1, 1)}"]

        # Router index sits on links index - 1 and index.
        for link in range(last):
            if link < index - 1:
                v4_via, v6_via = self._v4(index - 1, 1), self._v6(index - 1, 1)
            elif link > index:
                v4_via, v6_via = self._v4(index, 2), self._v6(index, 2)
            else:
                continue
            commands.append(f"route add {self._v4(link, 0)}/30 via {v4_via}")
            commands.append(f"route add {self._v6(link, '')}/64 via {v6_via}")
        return commands

    def _wait_for_target(self, timeout=10.0):
        result = self.run([sys.executable, "-c", _PING_SCRIPT, str(timeout),
                           self.target_v4, self.target_v6],
                          text=True, capture_output=True)
        if result.returncode != 0:
            raise RuntimeError(f"the target of {self.name} does not answer: "
                               f"{result.stdout.strip()} "
                               f"{result.stderr.strip()}")

    def _router_ns(self, router_index):
        if not 1 <= router_index <= self.n_routers:
            raise ValueError(f"no router {router_index} in {self.name}")
        return self.routers[router_index - 1]

    def _nft(self, ns, script):
        _checked(subprocess.run(exec_argv(ns, ["nft", "-f", "-"]),
                                input=script, text=True, capture_output=True),
                 f"nft in {ns}")

    def _ensure_table(self, ns):
        if ns not in self._tables:
            self._nft(ns, f"add table inet {self.table}\n")
            self._tables.add(ns)

    def set_loss(self, router_index, percent):
        """Router k drops percent % of what reaches it from the client
        side: loss from hop k to the target."""
        ns = self._router_ns(router_index)
        percent = int(percent)
        if not 0 <= percent <= 100:
            raise ValueError("loss is a percentage")
        self.clear_loss(router_index)
        if percent == 0:
            return
        # numgen only counts to 99, so all-lost is a plain drop.
        match = f"numgen random mod 100 < {percent} " if percent < 100 else ""
        self._ensure_table(ns)
        self._nft(ns, f"""
table inet {self.table} {{
    chain loss {{
        type filter hook prerouting priority -150; policy accept;
        iifname "hs-c" {match}drop
    }}
}}
""")

    def clear_loss(self, router_index):
        self._delete_chain(self._router_ns(router_index), "loss")

    def silence(self, router_index):
        """Router k sends no ICMP time exceeded or unreachable any more."""
        ns = self._router_ns(router_index)
        self.unsilence(router_index)
        self._ensure_table(ns)
        self._nft(ns, f"""
table inet {self.table} {{
    chain silence {{
        type filter hook output priority 0; policy accept;
        icmp type {{ time-exceeded, destination-unreachable }} drop
        icmpv6 type {{ time-exceeded, destination-unreachable }} drop
    }}
}}
""")

    def unsilence(self, router_index):
        self._delete_chain(self._router_ns(router_index), "silence")

    def _delete_chain(self, ns, chain):
        if ns in self._tables:
            subprocess.run(exec_argv(ns, ["nft", "delete", "chain", "inet",
                                          self.table, chain]),
                           capture_output=True)

    def exec_argv(self, ns, argv):
        return exec_argv(ns, argv)

    def run(self, argv, ns=None, **kw):
        return subprocess.run(exec_argv(ns or self.client_ns, argv), **kw)

    def popen(self, argv, ns=None, **kw):
        process = subprocess.Popen(exec_argv(ns or self.client_ns, argv), **kw)
        self._processes.append(process)
        return process

    def tcp_listener(self, port, v6=False):
        """Listens on a TCP port of the target until the chain is closed."""
        family = "AF_INET6" if v6 else "AF_INET"
        script = (
            "import socket, sys\n"
            f"s = socket.socket(socket.{family}, socket.SOCK_STREAM)\n"
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + ("s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)\n"
               if v6 else "")
            + f"s.bind(('', {int(port)}))\n"
            "s.listen(64)\n"
            "print('listening', flush=True)\n"
            "while True:\n"
            "    s.accept()[0].close()\n")
        process = self.popen([sys.executable, "-c", script],
                             ns=self.target_ns, stdout=subprocess.PIPE,
                             text=True)
        ready, _, _ = select.select([process.stdout], [], [], 5.0)
        if not ready or process.stdout.readline().strip() != "listening":
            raise RuntimeError(f"the listener on port {port} did not start")
        return process

    def close(self):
        if self._closed:
            return
        self._closed = True
        for process in self._processes:
            _stop_process(process)
        self._processes = []
        for ns in self._tables:
            subprocess.run(exec_argv(ns, ["nft", "delete", "table", "inet",
                                          self.table]), capture_output=True)
        self._tables = set()
        for ns in self._created:
            _delete_netns(ns)
        self._created = []
        _unregister(self)


class PathSimulator(_Network):
    """hopscope-pathsim on the TUN device of namespace NAME-sim.  Use it as a
    context manager.  With realtime (the default) the simulator runs with a
    real-time priority, so that a busy machine does not delay its answers."""

    def __init__(self, name, config_text, seed=1, realtime=True):
        self.name = name
        self.realtime = realtime
        self.ns = f"{name}-sim"
        self.config_text = config_text
        self.seed = seed
        self.start_time = None
        self.statistics = ""
        self.process = None
        self._processes = []
        self._directory = None
        self._stderr = None
        self._created_ns = False
        self._closed = True

    def __repr__(self):
        return f"PathSimulator({self.name!r})"

    @property
    def record_path(self):
        return os.path.join(self._directory, "record.jsonl")

    def _build(self):
        program = os.environ.get("HOPSCOPE_PATHSIM")
        if not program or not os.access(program, os.X_OK):
            raise RuntimeError("HOPSCOPE_PATHSIM must name the "
                               "hopscope-pathsim program")

        self._directory = tempfile.mkdtemp(prefix=self.name + "-")
        config_path = os.path.join(self._directory, "path.conf")
        with open(config_path, "w") as config:
            config.write(self.config_text)

        if self.ns in _netns_list():
            _delete_netns(self.ns)
        _checked(_ip("netns", "add", self.ns, check=False),
                 f"netns add {self.ns}")
        self._created_ns = True
        _sysctl(self.ns, {
            "net.ipv6.conf.all.accept_dad": 0,
            "net.ipv6.conf.default.accept_dad": 0,
            "net.ipv6.conf.default.router_solicitations": 0,
            "net.ipv4.conf.all.rp_filter": 0,
            "net.ipv4.conf.default.rp_filter": 0,
        })

        self._stderr = open(os.path.join(self._directory, "stderr"), "w+")
        self.process = subprocess.Popen(
            exec_argv(self.ns, [program, "--tun", SIM_DEVICE,
                                "--config", config_path,
                                "--record", self.record_path,
                                "--seed", str(self.seed)]
                            + (["--realtime"] if self.realtime else [])),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._stderr, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 5.0)
        line = self.process.stdout.readline() if ready else ""
        if line != "ready\n":
            self.process.kill()
            self.process.wait()
            self._stderr.seek(0)
            raise RuntimeError("hopscope-pathsim did not start: "
                               + self._stderr.read().strip())
        self.start_time = time.time()

        commands = [
            "link set lo up",
            f"addr add {SIM_CLIENT_V4}/32 dev {SIM_DEVICE}",
            f"addr add {SIM_CLIENT_V6}/128 dev {SIM_DEVICE} nodad",
            f"link set {SIM_DEVICE} up",
        ]
        commands += [f"route add {prefix} dev {SIM_DEVICE} src {SIM_CLIENT_V4}"
                     for prefix in SIM_ROUTES_V4]
        commands += [f"route add {prefix} dev {SIM_DEVICE} src {SIM_CLIENT_V6}"
                     for prefix in SIM_ROUTES_V6]
        _batch(self.ns, commands)

    def exec_argv(self, argv):
        return exec_argv(self.ns, argv)

    def run(self, argv, **kw):
        return subprocess.run(self.exec_argv(argv), **kw)

    def popen(self, argv, **kw):
        process = subprocess.Popen(self.exec_argv(argv), **kw)
        self._processes.append(process)
        return process

    def records(self):
        """The probes the simulator has read so far, one dict each."""
        records = []
        with open(self.record_path) as record:
            for line in record:
                # The simulator may be writing the last line right now.
                if line.endswith("\n"):
                    records.append(json.loads(line))
        return records

    def stderr_text(self):
        if self._stderr is None or self._stderr.closed:
            return self.statistics
        self._stderr.flush()
        with open(self._stderr.name) as stderr:
            return stderr.read()

    def close(self):
        if self._closed:
            return
        self._closed = True
        for process in self._processes:
            _stop_process(process)
        self._processes = []
        if self.process is not None:
            _stop_process(self.process)
            self.statistics = self.stderr_text()
        if self._created_ns:
            _delete_netns(self.ns)
            self._created_ns = False
        if self._stderr is not None:
            self._stderr.close()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
        _unregister(self)


class ProbeSession:
    """Drives a prober that speaks mtr-packet's protocol over pipes."""

    def __init__(self, argv, env=None):
        self.argv = list(argv)
        self.process = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env,
                                        text=True, bufsize=1)
        self._next_token = 1
        self._replies = {}
        self._condition = threading.Condition()
        self._eof = False
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        _register(self)

    def __repr__(self):
        return f"ProbeSession({self.argv!r})"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @staticmethod
    def parse(line):
        """Splits a reply line into token, word and arguments."""
        words = line.split()
        reply = {"token": None, "word": None, "args": {}, "line": line}
        if words and words[0].isdigit():
            reply["token"] = int(words[0])
        if len(words) > 1:
            reply["word"] = words[1]
        pairs = words[2:]
        for i in range(0, len(pairs) - 1, 2):
            reply["args"][pairs[i]] = pairs[i + 1]
        return reply

    def _read(self):
        for line in self.process.stdout:
            reply = self.parse(line.rstrip("\n"))
            with self._condition:
                self._replies.setdefault(reply["token"], []).append(reply)
                self._condition.notify_all()
        with self._condition:
            self._eof = True
            self._condition.notify_all()

    def send(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def request(self, command, **args):
        """Sends a request; argument names use "_" for "-" (ip_4 is ip-4).
        Returns the token."""
        token = self._next_token
        self._next_token += 1
        words = [str(token), command]
        for name, value in args.items():
            words += [name.replace("_", "-"), str(value)]
        self.send(" ".join(words))
        return token

    def reply(self, token, timeout=5.0):
        """Waits for the reply to token; replies to other tokens wait in a
        buffer for their own call."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while not self._replies.get(token):
                remaining = deadline - time.monotonic()
                if self._eof or remaining <= 0:
                    raise TimeoutError(
                        f"no reply to token {token} from {self.argv[-1]}"
                        + (" (it exited)" if self._eof else ""))
                self._condition.wait(remaining)
            return self._replies[token].pop(0)

    def probe(self, **args):
        """send-probe and wait for its reply."""
        timeout = float(args.get("timeout", 10)) + 5.0
        return self.reply(self.request("send-probe", **args), timeout)

    def close(self):
        """Closes standard input, waits for the exit and returns its code."""
        if self._closed:
            return self.process.returncode
        self._closed = True
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(5.0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(1.0)
        self.process.stdout.close()
        _unregister(self)
        return self.process.returncode
