#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pkexec route end to end, against a real polkitd on a real system
D-Bus.

The test builds Hopscope from the source tree and installs it into a prefix
of its own (/tmp/hs-pk-XXXX/usr, with the helper given no privilege), since
the pkexec route runs exactly the installed helper, a path fixed at build
time.  It starts the system bus and polkitd when they are not running,
creates the user hs-pk-user, copies the installed polkit action into
polkit's actions folder and writes a JavaScript rule that answers YES, then
NO, for that action and that user.  Everything probes inside the path
simulator's namespace.

First without the application: the user runs `pkexec <helper>`, which
answers check-support and a probe along the simulated path and shows in
/proc/PID/status that it kept nothing (the user's uid and gid in every
field, no groups, no capability, no-new-privs, a seccomp filter); with the
refusing rule pkexec exits with 127 and the helper never runs.

Then the window, all as the test user (Xvfb, the session bus, the installed
hopscope): a trace of the simulated target takes the pkexec route, fills
every hop's row, and its helper has dropped to the user.  With the refusing
rule, the helper killed and the trace started again, the window says that
the authorisation was refused, and keeps the rows it had; allowed again, it
goes on from them with a new helper.  Screenshots go to gui-screenshots/ in
the build folder.

Runs as root, in about 20 seconds, half of them the build.  It
creates the user hs-pk-user, the namespace hs-pk-sim, the rule
/etc/polkit-1/rules.d/10-hs-pk.rules, the action copy
/usr/share/polkit-1/actions/hs-pk-*.policy and /tmp/hs-pk-* folders, and
removes them and the daemons it started at the end, even on failure, as
well as those a killed earlier run left behind.
"""

import glob
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402
import hspolkit  # noqa: E402
from hsgui import Desktop, Hopscope, wait_for  # noqa: E402

PREFIX = "hs-pk"
USER = "hs-pk-user"
ACTION = "io.github.hopscope.Hopscope.probe"
SOURCE_ROOT = os.environ["HOPSCOPE_SOURCE_ROOT"]
PKEXEC = "/usr/bin/pkexec"

TARGET = "198.51.100.10"
HOPS = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
SIM_CONFIG = f"""\
target {TARGET} 2001:db8:2::10 delay 8
hop 1 {HOPS[0]} 2001:db8:3::1 delay 1
hop 2 {HOPS[1]} 2001:db8:3::2 delay 2
hop 3 {HOPS[2]} 2001:db8:3::3 delay 4
"""

ZERO_CAPS = "0000000000000000"
PROBE_TIMEOUT = 5

# Set up once for the whole module by setUpModule.
folder = None
install = {}
sim = None
user = None
rule = None


def run_logged(argv, what, **kw):
    result = subprocess.run(argv, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}):\n"
                           f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result


def build_and_install():
    """Builds Hopscope without its tests and installs it into FOLDER/usr.
    The install goes through a staging folder first, so that nothing it
    might put outside the prefix lands on the system."""
    build = os.path.join(folder, "build")
    prefix = os.path.join(folder, "usr")
    stage = os.path.join(folder, "stage")
    started = time.monotonic()

    run_logged(["meson", "setup", build, SOURCE_ROOT, f"--prefix={prefix}",
                "-Dtests=false", "-Dhelper_install=none"], "meson setup")
    run_logged(["ninja", "-C", build], "the build")
    run_logged(["meson", "install", "-C", build, "--no-rebuild",
                "--destdir", stage], "meson install")
    os.rename(stage + prefix, prefix)
    print(f"\nbuilt and installed in {time.monotonic() - started:.1f} s",
          file=sys.stderr)

    policies = glob.glob(os.path.join(stage, "**", "*.policy"),
                         recursive=True)
    policies += glob.glob(os.path.join(prefix, "share", "polkit-1",
                                       "actions", "*.policy"))
    if len(policies) != 1:
        raise AssertionError(f"the install holds no single polkit action: "
                             f"{policies}")
    install["policy"] = policies[0]
    install["hopscope"] = os.path.join(prefix, "bin", "hopscope")
    install["helper"] = os.path.join(prefix, "libexec", "hopscope-probe")
    install["schema_dir"] = os.path.join(build, "data")
    for path in (install["hopscope"], install["helper"],
                 os.path.join(install["schema_dir"], "gschemas.compiled")):
        if not os.path.isfile(path):
            raise AssertionError(f"the install has no {path}")


def enter(manager):
    """Enters MANAGER for the whole module; it is left at the end."""
    manager.__enter__()
    unittest.addModuleCleanup(manager.__exit__, None, None, None)
    return manager


def setUpModule():
    global folder, sim, user, rule

    hsnet.require_root()
    for program in (PKEXEC, hspolkit.POLKITD, "dbus-daemon", "pkcheck",
                    "pkaction", "Xvfb", "gdbus", "import", "setpriv"):
        if shutil.which(program) is None:
            raise AssertionError(f"the polkit test needs {program}")
    hsnet.cleanup_stale(PREFIX)
    hspolkit.cleanup_stale(PREFIX, USER)
    os.umask(0o022)

    folder = enter(hspolkit.Folder(PREFIX)).path
    build_and_install()

    # On SIGTERM (meson's timeout) hspolkit undoes its part, then hsnet's
    # handler, chained behind it, removes the network and ends the process.
    sim = enter(hsnet.PathSimulator(PREFIX, SIM_CONFIG))
    enter(hspolkit.SystemBus(PREFIX))
    enter(hspolkit.Polkitd(PREFIX))
    user = enter(hspolkit.TestUser(USER))
    enter(hspolkit.Policy(PREFIX, install["policy"], ACTION))
    rule = enter(hspolkit.Rule(PREFIX, ACTION, USER, "YES"))


def read_status(pid):
    status = {}
    with open(f"/proc/{pid}/status") as lines:
        for line in lines:
            name, _, value = line.partition(":")
            status[name] = value.strip()
    return status


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append(int(entry))
    return found


def exe_of(pid):
    try:
        return os.path.realpath(f"/proc/{pid}/exe")
    except OSError:
        return None


class DroppedChecks:
    """The check of a live helper that both test classes make."""

    def assert_dropped(self, pid):
        """The helper PID runs as the test user and kept nothing."""
        self.assertEqual(exe_of(pid), os.path.realpath(install["helper"]))
        status = read_status(pid)
        self.assertEqual(status["Uid"].split(), [str(user.uid)] * 4, "Uid")
        self.assertEqual(status["Gid"].split(), [str(user.gid)] * 4, "Gid")
        self.assertEqual(status["Groups"], "", "Groups")
        for name in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
            self.assertEqual(status[name], ZERO_CAPS, name)
        self.assertEqual(status["NoNewPrivs"], "1", "NoNewPrivs")
        self.assertEqual(status["Seccomp"], "2", "Seccomp")


def pkexec_argv():
    """pkexec of the installed helper, started by a shell of the test user
    that stays its parent: pkexec asks polkit about its parent."""
    return sim.exec_argv(user.as_user(
        ["/bin/sh", "-c", '"$@"; exit $?', "sh", PKEXEC, install["helper"]]))


def pkexec_env():
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
            "SHELL": "/bin/sh"}


class A_HelperThroughPkexec(DroppedChecks, unittest.TestCase):
    """pkexec and the helper, without the application."""

    def test_1_allowed(self):
        rule.set("YES")
        session = hsnet.ProbeSession(pkexec_argv(), env=pkexec_env())
        self.addCleanup(session.close)

        token = session.request("check-support", feature="version")
        reply = session.reply(token, timeout=15)
        self.assertEqual(reply["word"], "feature-support", reply["line"])
        self.assertTrue(reply["args"].get("support"), reply["line"])

        token = session.request("send-probe", ip_4=TARGET,
                                timeout=PROBE_TIMEOUT)
        reply = session.reply(token, timeout=PROBE_TIMEOUT + 5)
        self.assertEqual(reply["word"], "reply", reply["line"])
        self.assertEqual(reply["args"].get("ip-4"), TARGET, reply["line"])
        self.assertIn("round-trip-time", reply["args"], reply["line"])

        helper = os.path.realpath(install["helper"])
        pids = [pid for pid in children(session.process.pid)
                if exe_of(pid) == helper]
        self.assertEqual(len(pids), 1, "one helper, a child of the shell")
        self.assert_dropped(pids[0])
        self.assertEqual(session.close(), 0)

    def test_2_refused(self):
        rule.set("NO")
        self.addCleanup(rule.set, "YES")
        probes_before = len(sim.records())

        result = subprocess.run(
            pkexec_argv(), env=pkexec_env(), text=True, capture_output=True,
            input=f"1 check-support feature version\n"
                  f"2 send-probe ip-4 {TARGET} timeout 1\n",
            timeout=30)
        self.assertEqual(result.returncode, 127, result.stderr)
        self.assertIn("Not authorized", result.stderr)
        # The helper never ran: nothing answered and nothing was probed.
        self.assertEqual(result.stdout, "")
        time.sleep(0.5)
        self.assertEqual(len(sim.records()), probes_before)


def sent_counts(dump):
    return [int(row["sent"]) for row in dump["rows"]]


def every_hop(rounds):
    def check(dump):
        rows = dump["rows"]
        return (dump["state"] == "running"
                and len(rows) == len(HOPS) + 1
                and rows[-1]["target"]
                and all(row["answered"] for row in rows)
                and all(int(row["sent"]) >= rounds for row in rows))
    return check


class B_Window(DroppedChecks, unittest.TestCase):
    """The installed application, as the test user, on the pkexec route.
    The steps run in the order of their names, on one window."""

    refused = None

    @classmethod
    def setUpClass(cls):
        rule.set("YES")
        desktop_folder = hspolkit.Folder(PREFIX, mode=0o700)
        desktop_folder.__enter__()
        cls.addClassCleanup(desktop_folder.close)
        cls.directory = desktop_folder.path
        os.chown(cls.directory, user.uid, user.gid)

        cls.desktop = Desktop(cls.directory, helper=install["helper"],
                              schema_dir=install["schema_dir"],
                              user=user.entry)
        cls.addClassCleanup(cls.desktop.close)
        cls.desktop.start()
        cls.app = Hopscope(sim, cls.desktop, cls.directory,
                           program=install["hopscope"])
        cls.app.launch(TARGET)
        cls.addClassCleanup(cls._stop_app)

    @classmethod
    def _stop_app(cls):
        process = cls.app.process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def test_1_trace(self):
        dump = self.app.wait_dump("three rounds of every hop",
                                  every_hop(3), timeout=30)
        print(f"\nroute {dump.get('route')!r}, authorization "
              f"{dump.get('authorization')!r}, status "
              f"{dump.get('status')!r}", file=sys.stderr)
        self.assertEqual(dump["route"], "pkexec")
        self.assertEqual(dump["authorization"], "allowed")
        self.assertIsNone(dump["info_bar"])
        self.assertGreaterEqual(dump["rounds"], 3)
        hosts = [row["host"].splitlines()[0] for row in dump["rows"]]
        self.assertEqual(hosts, HOPS + [TARGET])

        pids = wait_for("the helper", self.app.helper_pids)
        self.assertEqual(len(pids), 1, pids)
        self.assert_dropped(pids[0])

        time.sleep(0.5)
        print("screenshot: "
              + self.desktop.screenshot("hopscope-polkit-allowed.png"),
              file=sys.stderr)

    def test_2_refused(self):
        rule.set("NO")
        pids = wait_for("the helper", self.app.helper_pids)
        before = self.app.dump()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        self.app.wait_dump("the trace to stop",
                           lambda d: d["state"] == "failed")

        self.app.activate("start")
        dump = self.app.wait_dump(
            "the refusal", lambda d: (d["state"] == "failed"
                                      and d["info_bar"]
                                      and "refused" in d["info_bar"]))
        print(f"\ninfo bar after the refusal: {dump['info_bar']!r}, "
              f"route {dump.get('route')!r}, authorization "
              f"{dump.get('authorization')!r}", file=sys.stderr)
        self.assertIn("administrator", dump["info_bar"])
        self.assertEqual(dump["authorization"], "refused")
        self.assertEqual(self.app.helper_pids(), [])

        # Nothing collected before is lost.
        self.assertEqual([row["host"] for row in dump["rows"]],
                         [row["host"] for row in before["rows"]])
        for now, then in zip(sent_counts(dump), sent_counts(before)):
            self.assertGreaterEqual(now, then)
        self.assertGreaterEqual(dump["rounds"], before["rounds"])
        type(self).refused = dump

        time.sleep(0.5)
        print("screenshot: "
              + self.desktop.screenshot("hopscope-polkit-refused.png"),
              file=sys.stderr)

    def test_3_allowed_again(self):
        # Starting again asks pkexec again: allowed now, the trace goes on
        # from the figures it kept.
        self.assertIsNotNone(self.refused, "the refusal step failed")
        rule.set("YES")
        before = self.refused
        self.app.activate("start")
        dump = self.app.wait_dump("probing again", lambda d: (
            d["state"] == "running" and d["info_bar"] is None
            and all(now >= then + 2 for now, then
                    in zip(sent_counts(d), sent_counts(before)))))
        self.assertEqual(dump["route"], "pkexec")
        pids = wait_for("the new helper", self.app.helper_pids)
        self.assertEqual(len(pids), 1, pids)
        self.assert_dropped(pids[0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
