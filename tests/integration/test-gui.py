#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The real hopscope window, under Xvfb, tracing the simulated path.

The test starts its own X server (Xvfb, 1280x800, on a display it picks
free) and its own D-Bus session bus on a socket in a temporary folder, then
runs `hopscope 198.51.100.10` inside the path simulator's namespace with the
helper from the build folder.  It drives the window through its actions
over that bus (org.gtk.Actions on the window's object path, and
`gapplication action` for the application's), and reads what the window
shows through the test hook action win.dump-table, which exists only when
HOPSCOPE_TEST_DUMP names a file and writes the table's rows, the status line
and the info bar there as JSON.

It checks the rows of every hop (addresses, MPLS labels, the silent hop as
"No answer", the lossy hop's loss), pause, continue, reset, the keyboard
shortcuts (sent as key presses through XTEST), hiding a column from the
header's menu, the info bar after the helper is killed with SIGKILL (the
figures kept), starting again, a change of target, a second launch opening
a new window in the running instance, app.new-window, closing a window and
quitting with every helper gone.  A load test probes 29 routers and the
target 10 times a second and bounds the processor time the program uses,
which the window's coalesced refresh keeps low.  Screenshots of the window in
the light and the dark theme, with the helper killed, with the column menu
open and with 30 hops are saved under the build folder (gui-screenshots/)
for a person to look at.

Runs as root, in about a minute.  It creates the namespace PREFIX-sim (one
at a time) and temporary PREFIX-* folders (PREFIX is hs-gui, or
$HOPSCOPE_TEST_PREFIX) and removes them at the end, even on failure.
"""

import os
import shutil
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402
# The desktop, the keyboard and the program's driver, shared with
# tests/bench/bench-window.py; they read the programs from the environment.
from hsgui import (Desktop, Hopscope, XInput,  # noqa: E402
                   is_zombie, process_cpu, wait_for)

PREFIX = os.environ.get("HOPSCOPE_TEST_PREFIX", "hs-gui")

TARGET = "198.51.100.10"
OTHER_TARGET = "198.51.100.20"
HOPS = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4",
        "203.0.113.5", "203.0.113.6"]
SILENT_TTL = 2
LOSSY_TTL = 5
LOSS_PERCENT = 40
MPLS_TTL = 3
SIM_CONFIG = f"""\
target {TARGET} 2001:db8:2::10 delay 24 jitter 4
hop 1 {HOPS[0]} 2001:db8:3::1 delay 1.2 jitter 0.4
hop 2 {HOPS[1]} 2001:db8:3::2 delay 3 silent
hop 3 {HOPS[2]} 2001:db8:3::3 delay 6 jitter 1 mpls 16001/0/1/255
hop 4 {HOPS[3]} 2001:db8:3::4 delay 9 jitter 2 ecmp 203.0.113.41 2001:db8:3::41
hop 5 {HOPS[4]} 2001:db8:3::5 delay 14 jitter 3 loss {LOSS_PERCENT}
hop 6 {HOPS[5]} 2001:db8:3::6 delay 18 jitter 2
at 8 hop 6 delay 40 jitter 10
"""

def row_of(dump, ttl):
    for row in dump["rows"]:
        if row["hop"] == str(ttl):
            return row
    return None


def has_rounds(count):
    """The table shows every hop and the target, each sent COUNT probes."""
    def check(dump):
        rows = dump["rows"]
        return (dump["state"] == "running"
                and len(rows) == len(HOPS) + 1
                and rows[-1]["target"]
                and all(int(row["sent"]) >= count for row in rows))
    return check


    return [int(row["sent"]) for row in dump["rows"]]


def sent_counts(dump):
    return [int(row["sent"]) for row in dump["rows"]]




def setUpModule():
    hsnet.require_root()
    hsnet.cleanup_stale(PREFIX)
    for program in ("Xvfb", "dbus-daemon", "gdbus", "gapplication",
                    "import"):
        if shutil.which(program) is None:
            raise AssertionError(f"the GUI test needs {program}")


class GuiTest(unittest.TestCase):
    """The steps run in the order of their names, on one window."""

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix=PREFIX + "-")
        cls.addClassCleanup(shutil.rmtree, cls.directory, True)
        cls.desktop = Desktop(cls.directory)
        cls.addClassCleanup(cls.desktop.close)
        cls.desktop.start()
        cls.sim = hsnet.PathSimulator(PREFIX, SIM_CONFIG)
        cls.sim.__enter__()
        cls.addClassCleanup(cls.sim.close)
        cls.app = Hopscope(cls.sim, cls.desktop, cls.directory)
        cls.app.launch(TARGET)
        cls.addClassCleanup(cls._stop_app)

    @classmethod
    def _stop_app(cls):
        process = cls.app.process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def test_01_rows(self):
        dump = self.app.wait_dump("five rounds of every hop", has_rounds(5))
        self.assertEqual(dump["target"], TARGET)
        self.assertEqual(dump["entry"], TARGET)
        self.assertIsNone(dump["info_bar"])
        self.assertIn("Probing as root", dump["status"])
        # Root needs no administrator: no lock shows in the status line.
        self.assertEqual(dump["route"], "root")
        self.assertIsNone(dump["lock"])

        rows = dump["rows"]
        self.assertEqual([row["hop"] for row in rows],
                         [str(k) for k in range(1, len(HOPS) + 2)])
        for ttl, address in enumerate(HOPS, 1):
            row = rows[ttl - 1]
            if ttl == SILENT_TTL:
                self.assertEqual(row["host"], "No answer", row)
                self.assertFalse(row["answered"])
                self.assertEqual(row["loss"], "100.0")
                self.assertEqual(row["avg"], "—")
                continue
            self.assertTrue(row["answered"], row)
            self.assertIn(address, row["host"].splitlines()[0]
                          if ttl != 4 else row["host"])
            self.assertNotEqual(row["avg"], "—")
        self.assertIn("MPLS 16001", row_of(dump, MPLS_TTL)["host"])
        self.assertEqual(rows[-1]["host"].splitlines()[0], TARGET)

        # Hop 1 is 1.2 ms away, with up to 0.4 ms of jitter.
        best = float(row_of(dump, 1)["best"])
        self.assertGreaterEqual(best, 1.0)
        self.assertLess(best, 4.0)

    def test_02_loss_and_screenshot(self):
        dump = self.app.wait_dump("twelve rounds", has_rounds(12),
                                  timeout=30)
        loss = float(row_of(dump, LOSSY_TTL)["loss"])
        self.assertGreater(loss, 5.0)
        self.assertLess(loss, 90.0)
        self.assertEqual(float(row_of(dump, 1)["loss"]), 0.0)

        self.app.activate("select-hop", "<uint32 6>")
        dump = self.app.wait_dump("hop 6 selected",
                                  lambda d: d["selected_ttl"] == 6)
        time.sleep(0.5)
        self.desktop.screenshot("hopscope-light.png")

    def test_03_pause_and_continue(self):
        self.assertEqual(self.app.activate("pause").returncode, 0)
        first = self.app.wait_dump("the pause",
                                   lambda d: d["state"] == "paused")
        # Probes of the round in flight may still come in.
        time.sleep(3)
        second = self.app.dump()
        time.sleep(2.5)
        third = self.app.dump()
        self.assertEqual(third["state"], "paused")
        self.assertEqual(sent_counts(second), sent_counts(third))
        self.assertIn("Paused", third["status"])

        self.app.activate("start")
        self.app.wait_dump("probing again", lambda d: (
            d["state"] == "running"
            and sum(sent_counts(d)) > sum(sent_counts(third))))
        self.assertGreaterEqual(sum(sent_counts(third)),
                                sum(sent_counts(first)))

    def test_04_reset(self):
        self.app.activate("reset")
        dump = self.app.wait_dump("the reset", lambda d: d["state"] == "idle")
        self.assertTrue(all(count == 0 for count in sent_counts(dump)),
                        dump["rows"])
        self.app.activate("start")
        self.app.wait_dump("rounds after the reset", has_rounds(2))

    def test_04a_keyboard(self):
        keyboard = XInput(self.desktop.display)
        self.addCleanup(keyboard.close)
        # With no window manager, the keyboard goes where the pointer is.
        keyboard.move(600, 300)

        keyboard.keys("Control_L", "space")
        self.app.wait_dump("Ctrl+Space to pause",
                           lambda d: d["state"] == "paused")
        keyboard.keys("Control_L", "Return")
        self.app.wait_dump("Ctrl+Enter to go on",
                           lambda d: d["state"] == "running")
        keyboard.keys("Control_L", "r")
        self.app.wait_dump("Ctrl+R to reset", lambda d: d["state"] == "idle")
        keyboard.keys("Control_L", "Return")
        self.app.wait_dump("Ctrl+Enter to start",
                           lambda d: d["state"] == "running")

    def test_04b_columns(self):
        dump = self.app.wait_dump("the headers",
                                  lambda d: "hop" in d["headers"])
        self.assertIn("stdev", dump["columns"])
        x, y = dump["headers"]["hop"]
        pointer = XInput(self.desktop.display)
        self.addCleanup(pointer.close)

        # A right click on a header offers the columns that may be hidden,
        # in the table's order: StDev is the seventh.
        pointer.click(x, y, button=3)
        self.desktop.screenshot("hopscope-columns-menu.png")
        for _ in range(7):
            pointer.keys("Down")
        pointer.keys("Return")
        dump = self.app.wait_dump("StDev hidden",
                                  lambda d: "stdev" not in d["columns"])
        self.assertEqual(dump["columns"], ["hop", "host", "loss", "sent",
                                           "last", "avg", "best", "worst",
                                           "jitter", "graph"])

        pointer.click(x, y, button=3)
        for _ in range(7):
            pointer.keys("Down")
        pointer.keys("Return")
        self.app.wait_dump("StDev shown again",
                           lambda d: "stdev" in d["columns"])

    def test_05_helper_killed(self):
        pids = wait_for("the helper", self.app.helper_pids)
        before = self.app.dump()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        dump = self.app.wait_dump("the info bar",
                                  lambda d: d["info_bar"] is not None)
        self.assertEqual(dump["state"], "failed")
        self.assertIn("Tracing stopped.", dump["info_bar"])
        self.assertIn("kept", dump["info_bar"])
        print(f"\ninfo bar after SIGKILL: {dump['info_bar']!r}",
              file=sys.stderr)
        # The figures measured before are all still there.
        self.assertEqual(len(dump["rows"]), len(before["rows"]))
        self.assertGreaterEqual(sum(sent_counts(dump)),
                                sum(sent_counts(before)))
        time.sleep(0.3)
        self.desktop.screenshot("hopscope-helper-killed.png")

        self.app.activate("start")
        dump = self.app.wait_dump("a new helper", lambda d: (
            d["state"] == "running" and d["info_bar"] is None
            and sum(sent_counts(d)) > sum(sent_counts(before)) + 7))
        self.assertTrue(self.app.helper_pids())

    def test_06_change_target(self):
        helpers = self.app.helper_pids()
        self.app.activate("set-target", f'<"{OTHER_TARGET}">')
        dump = self.app.wait_dump("the new target", lambda d: (
            d["target"] == OTHER_TARGET and len(d["rows"]) >= len(HOPS)
            and all(int(row["sent"]) >= 2 for row in d["rows"])))
        self.assertEqual(dump["entry"], OTHER_TARGET)
        self.assertEqual(row_of(dump, 1)["host"], HOPS[0])
        # Nobody is at that address: hop 6 says the host is unreachable,
        # and the target never answers.
        self.assertFalse(any(row["target"] for row in dump["rows"]))
        # The new trace kept the helper that ran: through pkexec, nobody
        # would be asked again.
        self.assertEqual(self.app.helper_pids(), helpers)
        self.assertEqual(len(helpers), 1)

    def test_07_second_launch(self):
        second = self.app.launch(TARGET)
        self.assertEqual(second.wait(10), 0)
        dump = self.app.wait_dump("the second window",
                                  lambda d: d["target"] == TARGET
                                  and len(d["rows"]) > 0, window=2)
        self.assertEqual(dump["entry"], TARGET)
        first = self.app.dump(window=1)
        self.assertEqual(first["target"], OTHER_TARGET)

        # app.new-window opens an empty third window.
        self.assertEqual(self.app.app_action("new-window").returncode, 0)
        dump = self.app.wait_dump("the third window",
                                  lambda d: d["state"] == "none", window=3)
        self.assertEqual(dump["rows"], [])

    def test_07a_close_window(self):
        # Ctrl+W closes the window on top, the third, with the pointer on it.
        keyboard = XInput(self.desktop.display)
        self.addCleanup(keyboard.close)
        keyboard.move(600, 300)
        keyboard.keys("Control_L", "w")
        wait_for("the third window to close",
                 lambda: self.app.dump(window=3) is None)
        self.assertIsNotNone(self.app.dump(window=1))

    def test_08_quit(self):
        # Both windows trace through the application's one helper, so
        # that pkexec would ask an administrator once for the session.
        helpers = self.app.helper_pids()
        self.assertEqual(len(helpers), 1, "one helper for every window")
        self.assertEqual(self.app.quit(), 0)
        # The application stopped its helper on the way out.
        wait_for("the helpers to end", lambda: not any(
            os.path.exists(f"/proc/{pid}") and not is_zombie(pid)
            for pid in helpers), timeout=5)
        log = self.app.log()
        self.assertNotIn("CRITICAL", log)
        self.assertNotIn("WARNING", log)


class DarkThemeTest(unittest.TestCase):
    """The same window in Adwaita's dark variant, for its screenshot."""

    def test_dark(self):
        directory = tempfile.mkdtemp(prefix=PREFIX + "-")
        self.addCleanup(shutil.rmtree, directory, True)
        desktop = Desktop(directory)
        self.addCleanup(desktop.close)
        desktop.start()
        sim = hsnet.PathSimulator(PREFIX, SIM_CONFIG)
        sim.__enter__()
        self.addCleanup(sim.close)
        app = Hopscope(sim, desktop, directory, theme="Adwaita:dark")
        app.launch(TARGET)
        self.addCleanup(lambda: app.process.poll() is None
                        and (app.process.kill(), app.process.wait()))

        app.wait_dump("twelve rounds", has_rounds(12), timeout=30)
        app.activate("select-hop", "<uint32 5>")
        app.wait_dump("hop 5 selected", lambda d: d["selected_ttl"] == 5)
        time.sleep(0.5)
        desktop.screenshot("hopscope-dark.png")
        self.assertEqual(app.quit(), 0)


class LoadTest(unittest.TestCase):
    """30 hops (29 routers and the target) probed 10 times a second: the
    window refreshes at most 10 times a second however many hops change, so
    it stays cheap."""

    HOPS = 29
    SECONDS = 10
    # The share of one processor the whole program may use, drawing
    # included (Xvfb draws in software, which the figure does not count).
    MAX_CPU = 0.35

    def test_load(self):
        directory = tempfile.mkdtemp(prefix=PREFIX + "-")
        self.addCleanup(shutil.rmtree, directory, True)
        desktop = Desktop(directory)
        self.addCleanup(desktop.close)
        desktop.start()
        config = "".join(
            [f"target {TARGET} 2001:db8:2::10 delay 60 jitter 2\n"]
            + [f"hop {k} 203.0.113.{k} 2001:db8:3::{k:x} delay {k * 2} "
               f"jitter 1\n" for k in range(1, self.HOPS + 1)])
        sim = hsnet.PathSimulator(PREFIX, config)
        sim.__enter__()
        self.addCleanup(sim.close)

        # A settings file of the test's own sets the interval: the memory
        # backend cannot be written from outside.
        settings = os.path.join(directory, "config", "glib-2.0", "settings")
        os.makedirs(settings)
        with open(os.path.join(settings, "keyfile"), "w") as keyfile:
            keyfile.write("[io/github/hopscope/Hopscope]\n"
                          "interval=0.1\n"
                          "hidden-columns=['stdev', 'best']\n")
        app = Hopscope(sim, desktop, directory)
        app.env.update({"GSETTINGS_BACKEND": "keyfile",
                        "XDG_CONFIG_HOME": os.path.join(directory, "config")})
        app.launch(TARGET)
        self.addCleanup(lambda: app.process.poll() is None
                        and (app.process.kill(), app.process.wait()))

        dump = app.wait_dump("every hop", lambda d: (
            len(d["rows"]) == self.HOPS + 1 and d["rows"][-1]["target"]
            and d["rounds"] >= 10))
        self.assertEqual(dump["columns"], ["hop", "host", "loss", "sent",
                                           "last", "avg", "worst", "jitter",
                                           "graph"])
        ticks = os.sysconf("SC_CLK_TCK")
        start_cpu = process_cpu(app.process.pid) / ticks
        start = time.monotonic()
        start_dump = app.dump()
        time.sleep(self.SECONDS)
        cpu = process_cpu(app.process.pid) / ticks - start_cpu
        elapsed = time.monotonic() - start
        dump = app.dump()
        desktop.screenshot("hopscope-30-hops.png")

        rounds = dump["rounds"] - start_dump["rounds"]
        print(f"\n{self.HOPS + 1} rows, {rounds} rounds in {elapsed:.1f} s "
              f"({rounds * (self.HOPS + 1) / elapsed:.0f} probes a second): "
              f"hopscope used {cpu:.2f} s of processor time "
              f"({100 * cpu / elapsed:.0f}%)", file=sys.stderr)
        self.assertGreater(rounds / elapsed, 5, "the rounds did not come "
                           "10 times a second")
        self.assertLess(cpu / elapsed, self.MAX_CPU)
        self.assertEqual(app.quit(), 0)

        # The target went to the recent targets, which the target entry
        # offers while typing.
        with open(os.path.join(settings, "keyfile")) as keyfile:
            saved = keyfile.read()
        self.assertIn(f"recent-targets=['{TARGET}']", saved)


if __name__ == "__main__":
    unittest.main(verbosity=2)
