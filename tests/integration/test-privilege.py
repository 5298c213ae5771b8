#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every route by which hopscope-probe gets its privilege, checked on the
live process.

For each route the helper runs in the client namespace of a chain of
network namespaces, answers one probe, and then its /proc/PID/status must
show that it kept nothing: the test user's uid and gid in every field, no
supplementary groups, every capability set empty, no-new-privs set and a
seccomp filter installed.

The routes: a file capability, setuid root, pkexec's way (root with
PKEXEC_UID) and no privilege at all (ICMP datagram sockets and UDP with
IP_RECVERR, allowed by the namespace's net.ipv4.ping_group_range).

Runs as root.  It creates the user hs-priv-user, copies of the helper in a
private hs-priv-* folder and hs-priv-* namespaces, and removes them all at
the end, even on failure.
"""

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402

PREFIX = "hs-priv"
USER = "hs-priv-user"
HELPER = os.environ["HOPSCOPE_PROBE"]

# How long a probe may take inside the namespaces, in seconds.  The chain
# answers in well under a millisecond; the margin is for a loaded machine.
PROBE_TIMEOUT = 5
REPLY_WAIT = PROBE_TIMEOUT + 5

ZERO_CAPS = "0000000000000000"

# Set up once for the whole module by setUpModule.
net = None
user = None
folder = None
copies = {}


def run_checked(argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def remove_user(force=False):
    """Removes the test user, also one left over by a crashed run."""
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return
    subprocess.run(["userdel"] + (["--force"] if force else []) + [USER],
                   check=True, stdout=subprocess.DEVNULL)


def create_user():
    """Creates the test user, reusing one a crashed run left behind."""
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        pass
    run_checked(["useradd", "--system", "--no-create-home",
                 "--shell", "/usr/sbin/nologin", USER])
    return pwd.getpwnam(USER)


def suid_capable_folder():
    """Returns a temporary folder's parent on which setuid and file
    capabilities take effect: a nosuid mount would quietly turn routes 1
    and 2 into route 4."""
    for parent in (tempfile.gettempdir(), "/var/tmp"):
        if not os.statvfs(parent).f_flag & os.ST_NOSUID:
            return parent
    raise RuntimeError("no temporary folder without nosuid for the copies")


def make_copy(name, mode):
    """Copies the helper into the private folder, owned by root."""
    path = os.path.join(folder, name)
    shutil.copyfile(HELPER, path)
    os.chown(path, 0, 0)
    os.chmod(path, mode)
    return path


def setUpModule():
    global net, user, folder

    hsnet.require_root()
    hsnet.cleanup_stale(PREFIX)

    # Everything below is undone by module cleanups, which also run when a
    # later step of the set-up fails.
    user = create_user()
    unittest.addModuleCleanup(remove_user)

    # The copies live in a folder the test user can reach: the build tree
    # may sit under a private 0700 folder, as CI's clone does, so the test
    # user never runs the build-tree binary itself.
    folder = tempfile.mkdtemp(prefix="hs-priv-", dir=suid_capable_folder())
    unittest.addModuleCleanup(shutil.rmtree, folder, True)
    os.chmod(folder, 0o755)

    copies["capability"] = make_copy("hopscope-probe-cap", 0o755)
    run_checked(["setcap", "cap_net_raw+ep", copies["capability"]])
    copies["setuid"] = make_copy("hopscope-probe-suid", 0o4755)
    copies["plain"] = make_copy("hopscope-probe-plain", 0o755)

    net = hsnet.NamespaceChain(PREFIX, routers=4)
    net.__enter__()
    unittest.addModuleCleanup(net.__exit__, None, None, None)
    chain_sigterm()

    # Only the test user's group may open ICMP datagram sockets in the
    # client namespace.  The sysctl belongs to the network namespace and
    # also governs ICMPv6 datagram sockets.
    net.run(["sysctl", "-q", "-w", "net.ipv4.ping_group_range=%d %d"
             % (user.pw_gid, user.pw_gid)], ns=net.client_ns, check=True)


def chain_sigterm():
    """On SIGTERM (meson's timeout) hsnet removes the namespaces and ends
    the process at once, before the module cleanups; the user and the
    folder go first."""
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum, frame):
        shutil.rmtree(folder, ignore_errors=True)
        try:
            remove_user(force=True)
        except subprocess.CalledProcessError:
            pass
        if callable(previous):
            previous(signum, frame)
        else:
            os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)


def as_user(argv):
    """Wraps ARGV so that it runs as the test user, without supplementary
    groups; setpriv execs ARGV, so the child's pid is ARGV's."""
    return ["setpriv", "--reuid", str(user.pw_uid), "--regid",
            str(user.pw_gid), "--clear-groups", "--"] + argv


def helper_env(**extra):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
    env.update(extra)
    return env


def read_status(pid):
    status = {}
    with open("/proc/%d/status" % pid) as lines:
        for line in lines:
            name, _, value = line.partition(":")
            status[name] = value.strip()
    return status


class Route(unittest.TestCase):
    """Starts the helper by one route and checks what it kept."""

    def start(self, argv, env):
        session = hsnet.ProbeSession(net.exec_argv(net.client_ns, argv),
                                     env=env)
        self.addCleanup(session.close)
        return session

    def probe_and_reply(self, session, **args):
        token = session.request("send-probe", **args)
        return session.reply(token, timeout=REPLY_WAIT)

    def support(self, session, feature):
        token = session.request("check-support", feature=feature)
        reply = session.reply(token, timeout=REPLY_WAIT)
        self.assertEqual(reply["word"], "feature-support", reply["line"])
        return reply["args"].get("support")

    def check_dropped(self, session, executable, uid, gid):
        """Checks the live helper's credentials after its first reply."""
        pid = session.process.pid
        self.assertEqual(os.path.realpath("/proc/%d/exe" % pid),
                         os.path.realpath(executable),
                         "pid %d is not the helper" % pid)
        status = read_status(pid)
        self.assertEqual(status["Uid"].split(), [str(uid)] * 4, "Uid")
        self.assertEqual(status["Gid"].split(), [str(gid)] * 4, "Gid")
        self.assertEqual(status["Groups"], "", "Groups")
        for name in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
            self.assertEqual(status[name], ZERO_CAPS, name)
        self.assertEqual(status["NoNewPrivs"], "1", "NoNewPrivs")
        self.assertEqual(status["Seccomp"], "2", "Seccomp")

    def run_route(self, argv, env, executable, uid, gid, socket_kind):
        """One probe to the target, then the checks on the process."""
        session = self.start(argv, env)
        reply = self.probe_and_reply(session, **{
            "ip-4": net.target_v4, "timeout": PROBE_TIMEOUT})
        self.assertEqual(reply["word"], "reply", reply["line"])
        self.assertEqual(reply["args"].get("ip-4"), net.target_v4,
                         reply["line"])
        self.check_dropped(session, executable, uid, gid)

        # The route really was the one meant: with a privilege the helper
        # holds raw sockets, without one datagram sockets.
        self.assertEqual(self.support(session, "socket-kind"), socket_kind)
        return session

    def test_1_file_capability(self):
        self.run_route(as_user([copies["capability"]]), helper_env(),
                       copies["capability"], user.pw_uid, user.pw_gid,
                       "raw")

    def test_2_setuid_root(self):
        self.run_route(as_user([copies["setuid"]]), helper_env(),
                       copies["setuid"], user.pw_uid, user.pw_gid, "raw")

    def test_2_setuid_root_ignores_pkexec_uid(self):
        # A user who sets PKEXEC_UID=0 must not talk a setuid helper into
        # staying root: only a caller whose real uid is root may name the
        # user to become.
        self.run_route(as_user([copies["setuid"]]),
                       helper_env(PKEXEC_UID="0"), copies["setuid"],
                       user.pw_uid, user.pw_gid, "raw")

    def test_3_pkexec_uid(self):
        self.run_route([HELPER], helper_env(PKEXEC_UID=str(user.pw_uid)),
                       HELPER, user.pw_uid, user.pw_gid, "raw")

    def test_3_root_without_pkexec_uid_drops_to_nobody(self):
        nobody = pwd.getpwnam("nobody")
        self.run_route([HELPER], helper_env(), HELPER, nobody.pw_uid,
                       nobody.pw_gid, "raw")

    def test_4_no_privilege(self):
        session = self.run_route(as_user([copies["plain"]]), helper_env(),
                                 copies["plain"], user.pw_uid, user.pw_gid,
                                 "datagram")

        # Every hop of the chain answers datagram probes too, ICMP and
        # UDP, over IPv4 and IPv6.
        routers = len(net.hops_v4)
        for family, hops, target in (("ip-4", net.hops_v4, net.target_v4),
                                     ("ip-6", net.hops_v6, net.target_v6)):
            for protocol in ("icmp", "udp"):
                tokens = {}
                for ttl in range(1, routers + 2):
                    tokens[ttl] = session.request(
                        "send-probe", **{family: target, "ttl": ttl,
                                         "protocol": protocol,
                                         "timeout": PROBE_TIMEOUT})
                for ttl, token in tokens.items():
                    reply = session.reply(token, timeout=REPLY_WAIT)
                    with self.subTest(family=family, protocol=protocol,
                                      ttl=ttl):
                        if ttl <= routers:
                            self.assertEqual(reply["word"], "ttl-expired",
                                             reply["line"])
                            self.assertEqual(reply["args"].get(family),
                                             hops[ttl - 1], reply["line"])
                        else:
                            self.assertEqual(reply["word"], "reply",
                                             reply["line"])
                            self.assertEqual(reply["args"].get(family),
                                             target, reply["line"])
                        self.assertRegex(
                            reply["args"].get("round-trip-time", ""),
                            r"^[0-9]+$", reply["line"])


class PkexecUidRefused(unittest.TestCase):
    """PKEXEC_UID that names nobody real is an error, not a guess."""

    def check_refused(self, value):
        argv = net.exec_argv(net.client_ns, [HELPER])
        result = subprocess.run(
            argv, env=helper_env(PKEXEC_UID=value),
            input="1 check-support feature version\n"
                  "2 send-probe ip-4 %s timeout 1\n" % net.target_v4,
            capture_output=True, text=True, timeout=30)
        self.assertNotEqual(result.returncode, 0,
                            "PKEXEC_UID=%r was accepted" % value)
        self.assertEqual(result.stdout, "",
                         "PKEXEC_UID=%r: the helper answered" % value)
        self.assertNotEqual(result.stderr.strip(), "",
                            "PKEXEC_UID=%r: no message on stderr" % value)

    def test_uid_that_does_not_exist(self):
        uid = 54321
        while True:
            try:
                pwd.getpwuid(uid)
                uid += 1
            except KeyError:
                break
        self.check_refused(str(uid))

    def test_uid_that_is_not_a_number(self):
        self.check_refused("12abc")

    def test_uid_that_means_no_change(self):
        # To setresuid() (uid_t) -1 means "leave it": read as a uid, either
        # spelling would keep the helper root.
        for value in ("4294967295", "-1"):
            with self.subTest(value=value):
                self.check_refused(value)


class ProbeRate(unittest.TestCase):
    """Callers other than root get a minimum spacing between probes."""

    def rate(self, argv, env):
        session = hsnet.ProbeSession(net.exec_argv(net.client_ns, argv),
                                     env=env)
        self.addCleanup(session.close)
        token = session.request("check-support", feature="probe-rate")
        reply = session.reply(token, timeout=REPLY_WAIT)
        self.assertEqual(reply["word"], "feature-support", reply["line"])
        return reply["args"].get("support", "")

    def test_user_is_limited(self):
        for route, argv, env in (
                ("capability", as_user([copies["capability"]]), {}),
                ("setuid", as_user([copies["setuid"]]), {}),
                ("pkexec", [HELPER], {"PKEXEC_UID": str(user.pw_uid)}),
                ("none", as_user([copies["plain"]]), {})):
            with self.subTest(route=route):
                self.assertRegex(self.rate(argv, helper_env(**env)),
                                 r"^[0-9]+(\.[0-9]+)?$")

    def test_root_is_unlimited(self):
        self.assertEqual(self.rate([HELPER], helper_env()), "unlimited")


if __name__ == "__main__":
    unittest.main(verbosity=2)
