#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The window's evidence for support tickets, in the real window under
Xvfb, tracing the simulated path: snapshots, reports, recordings, a time
range and the diagnosis.

Like test-gui.py, it starts its own X server and session bus, runs
`hopscope 198.51.100.10` inside the path simulator's namespace, drives the
window over D-Bus and reads it through win.dump-table.  The window's test
actions (there only when HOPSCOPE_TEST_DUMP is set) do what the dialogs do,
without the dialogs: win.test-save-snapshot and win.test-save-report take a
path and the privacy choices, win.test-save-recording and
win.test-open-recording a path, win.test-select-range two real times.

It checks PNG, SVG and PDF snapshots (valid files; the PDF's text, read by
pdftotext, shows a hop's address, and hides it when asked), the four report
formats (with the diagnosis' findings in JSON, and privacy applied), the
menu's "Copy Report" and "Copy Snapshot" (read back from the clipboard by
win.test-read-clipboard), a recording saved and opened in a new window
(the same rows, read-only, its banner), `hopscope --open FILE`, a damaged
recording (a message, no window), a time range set by the test action and
by a drag across the chart (fewer probes in every row, the bar, the range
in the JSON report, Escape), the diagnosis panel, and the snapshot dialog
driven from the keyboard: hide the first hop, Save, type a name in the
file chooser.  Screenshots of the snapshot dialog,
the diagnosis, a selected range and a recording window, in the light and
the dark theme, go to gui-screenshots/ under the build folder.

Runs as root.  It creates the namespace PREFIX-sim and temporary PREFIX-*
folders (PREFIX is hs-evidence, or $HOPSCOPE_TEST_PREFIX) and removes them at
the end, even on failure.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["HOPSCOPE_SOURCE_ROOT"],
                                "tests", "lib"))
import hsnet  # noqa: E402
from hsgui import Desktop, Hopscope, XInput, wait_for  # noqa: E402

PREFIX = os.environ.get("HOPSCOPE_TEST_PREFIX", "hs-evidence")

TARGET = "198.51.100.10"
HOPS = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4",
        "203.0.113.5"]
LOSSY_TTL = 4
SIM_CONFIG = f"""\
target {TARGET} 2001:db8:2::10 delay 16 jitter 1
hop 1 {HOPS[0]} 2001:db8:3::1 delay 1.2 jitter 0.4
hop 2 {HOPS[1]} 2001:db8:3::2 delay 3 jitter 0.5
hop 3 {HOPS[2]} 2001:db8:3::3 delay 6 jitter 1
hop 4 {HOPS[3]} 2001:db8:3::4 delay 9 jitter 1 loss 50
hop 5 {HOPS[4]} 2001:db8:3::5 delay 14 jitter 1
"""


def sent_counts(dump):
    return [int(row["sent"]) for row in dump["rows"]]


def has_rounds(count):
    def check(dump):
        rows = dump["rows"]
        return (len(rows) == len(HOPS) + 1 and rows[-1]["target"]
                and all(int(row["sent"]) >= count for row in rows))
    return check


def privacy(path, hide_private=False, hide_own=False, hide_first=0):
    """The parameter of win.test-save-snapshot and win.test-save-report."""
    return (f'<("{path}", {str(hide_private).lower()}, '
            f'{str(hide_own).lower()}, uint32 {hide_first})>')


def pdf_text(path):
    return subprocess.run(["pdftotext", path, "-"], capture_output=True,
                          text=True, check=True).stdout


def setUpModule():
    hsnet.require_root()
    hsnet.cleanup_stale(PREFIX)
    for program in ("Xvfb", "dbus-daemon", "gdbus", "gapplication",
                    "import", "pdftotext"):
        if shutil.which(program) is None:
            raise AssertionError(f"the GUI test needs {program}")


class Window:
    """A desktop, the simulated path and one hopscope tracing it, for a
    test class; THEME is a GTK_THEME."""

    @staticmethod
    def start(test_class, theme=None):
        test_class.directory = tempfile.mkdtemp(prefix=PREFIX + "-")
        test_class.addClassCleanup(shutil.rmtree, test_class.directory, True)
        test_class.desktop = Desktop(test_class.directory)
        test_class.addClassCleanup(test_class.desktop.close)
        test_class.desktop.start()
        test_class.sim = hsnet.PathSimulator(PREFIX, SIM_CONFIG)
        test_class.sim.__enter__()
        test_class.addClassCleanup(test_class.sim.close)
        test_class.app = Hopscope(test_class.sim, test_class.desktop,
                                  test_class.directory, theme=theme)
        test_class.app.launch(TARGET)

        def stop():
            process = test_class.app.process
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        test_class.addClassCleanup(stop)

    @staticmethod
    def drag(desktop, start, end):
        """Presses the first button at START, moves to END in steps and
        lets go there, as a hand would."""
        pointer = XInput(desktop.display)
        try:
            pointer.move(*start)
            pointer.xtst.XTestFakeButtonEvent(pointer.display, 1, True, 0)
            for step in range(1, 6):
                pointer.move(start[0] + (end[0] - start[0]) * step // 5,
                             start[1] + (end[1] - start[1]) * step // 5)
            pointer.xtst.XTestFakeButtonEvent(pointer.display, 1, False, 0)
            pointer.x11.XFlush(pointer.display)
            time.sleep(0.3)
        finally:
            pointer.close()

    KEYS = {"/": "slash", ".": "period", "-": "minus", "_": "underscore"}

    @staticmethod
    def type(desktop, text):
        """Types TEXT, letters, digits and / . - _ only, key by key."""
        keyboard = XInput(desktop.display)
        try:
            for char in text:
                if char == "_" or char.isupper():
                    keyboard.keys("Shift_L", "minus" if char == "_"
                                  else char.lower())
                else:
                    keyboard.keys(Window.KEYS.get(char, char))
        finally:
            keyboard.close()

    @staticmethod
    def press(desktop, *keys):
        keyboard = XInput(desktop.display)
        try:
            keyboard.keys(*keys)
        finally:
            keyboard.close()


class EvidenceTest(unittest.TestCase):
    """The steps run in the order of their names, on one window."""

    @classmethod
    def setUpClass(cls):
        Window.start(cls)

    def path(self, name):
        return os.path.join(self.directory, name)

    def test_01_diagnosis(self):
        # The diagnosis judges loss from ten probes a hop on.
        dump = self.app.wait_dump("twelve rounds and a diagnosis", lambda d: (
            has_rounds(12)(d) and d["findings"]), timeout=30)
        self.assertFalse(dump["read_only"])
        self.assertIsNone(dump["range"])
        kinds = [finding["kind"] for finding in dump["findings"]]
        print(f"\nfindings: {dump['findings']!r}", file=sys.stderr)
        # Hop 4 loses half its answers and the hops after it none: that
        # router limits its answers, which is no fault.
        self.assertIn("rate-limited", kinds)
        self.assertNotIn("loss-on-path", kinds)
        finding = dump["findings"][kinds.index("rate-limited")]
        self.assertEqual(finding["hop"], LOSSY_TTL)
        self.assertEqual(finding["icon"], "dialog-information-symbolic")
        self.assertTrue(finding["sentence"])
        self.app.activate("select-hop", "<uint32 3>")
        self.app.wait_dump("hop 3 selected",
                           lambda d: d["selected_ttl"] == 3)
        time.sleep(0.5)
        self.desktop.screenshot("hopscope-diagnosis.png")

    def test_02_snapshots(self):
        magic = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml",
                 "pdf": b"%PDF-"}
        for extension, start in magic.items():
            path = self.path(f"snapshot.{extension}")
            self.assertEqual(
                self.app.activate("test-save-snapshot",
                                  privacy(path)).returncode, 0)
            dump = self.app.wait_dump(f"the {extension} snapshot saved",
                                      lambda d: d["message"] and path
                                      in d["message"])
            self.assertIn("Saved the snapshot", dump["message"])
            with open(path, "rb") as snapshot:
                data = snapshot.read()
            self.assertTrue(data.startswith(start), data[:16])
            self.assertGreater(len(data), 2000)
        with open(self.path("snapshot.svg")) as svg:
            self.assertIn("<svg", svg.read())
        identify = subprocess.run(["identify", self.path("snapshot.png")],
                                  capture_output=True, text=True, check=True)
        self.assertIn("PNG", identify.stdout)

        # The PDF says what the window shows; privacy hides the first hop.
        text = pdf_text(self.path("snapshot.pdf"))
        self.assertIn(TARGET, text)
        self.assertIn(HOPS[0], text)
        self.assertIn(HOPS[2], text)
        hidden = self.path("hidden.pdf")
        self.app.activate("test-save-snapshot", privacy(hidden, hide_first=1))
        self.app.wait_dump("the hidden snapshot", lambda d: d["message"]
                           and hidden in d["message"])
        text = pdf_text(hidden)
        self.assertNotIn(HOPS[0], text)
        self.assertIn(HOPS[2], text)

        # A name with no known extension says what to do.
        self.app.activate("test-save-snapshot",
                          privacy(self.path("snapshot.gif")))
        dump = self.app.wait_dump("the refusal", lambda d: d["message"]
                                  and "not saved" in d["message"])
        self.assertFalse(os.path.exists(self.path("snapshot.gif")))

    def test_03_reports(self):
        for extension in ("txt", "md", "csv", "json"):
            path = self.path(f"report.{extension}")
            self.app.activate("test-save-report", privacy(path))
            dump = self.app.wait_dump(f"the {extension} report", lambda d: (
                d["message"] and path in d["message"]))
            self.assertIn("Saved the report", dump["message"])
            with open(path) as report:
                text = report.read()
            self.assertIn(HOPS[2], text, extension)
        with open(self.path("report.md")) as report:
            self.assertIn("|", report.read())
        with open(self.path("report.csv")) as report:
            self.assertGreaterEqual(len(report.read().splitlines()),
                                    len(HOPS) + 2)
        with open(self.path("report.json")) as report:
            hopscope = json.load(report)["hopscope"]
        kinds = [finding["kind"] for finding in hopscope["findings"]]
        self.assertIn("rate-limited", kinds)
        self.assertIsNone(hopscope["range"])

        # With the first two hops hidden, their addresses are nowhere.
        path = self.path("hidden.json")
        self.app.activate("test-save-report", privacy(path, hide_first=2))
        self.app.wait_dump("the hidden report", lambda d: d["message"]
                           and path in d["message"])
        with open(path) as report:
            text = report.read()
        self.assertNotIn(HOPS[0], text)
        self.assertNotIn(HOPS[1], text)
        self.assertIn(HOPS[2], text)

    def clipboard(self):
        """What the clipboard holds, as the window reads it."""
        if os.path.exists(self.app.dump_path):
            os.unlink(self.app.dump_path)
        self.assertEqual(
            self.app.activate("test-read-clipboard").returncode, 0)
        with open(self.app.dump_path) as dump:
            return json.load(dump)

    def test_03a_copy(self):
        # The menu's copies, with the privacy choices of the settings (none
        # here): the report as Markdown text, the snapshot as an image.
        self.assertEqual(self.app.activate("copy-report",
                                           '<"markdown">').returncode, 0)
        dump = self.app.wait_dump("the report copied", lambda d: (
            d["message"] and "clipboard" in d["message"]))
        copied = self.clipboard()
        self.assertIsNone(copied["image"])
        self.assertIn("|", copied["text"])
        self.assertIn(HOPS[2], copied["text"])
        self.assertIn(dump["findings"][0]["sentence"].split(".")[0],
                      copied["text"])

        self.app.activate("copy-report", '<"json">')
        time.sleep(0.5)
        self.assertIn("findings", json.loads(self.clipboard()["text"])
                      ["hopscope"])

        self.app.activate("copy-snapshot")
        time.sleep(0.5)
        width, height = self.clipboard()["image"]
        self.assertEqual(width, 960)
        self.assertGreater(height, 300)

    def test_04_range(self):
        whole = self.app.wait_dump("twelve rounds", has_rounds(12),
                                   timeout=30)
        start_us = whole["start_time_us"]
        self.assertGreater(start_us, 0)
        # Rounds go once a second: three seconds hold about three.
        from_us = start_us + 2_000_000
        to_us = start_us + 5_000_000
        self.assertEqual(self.app.activate(
            "test-select-range",
            f"<(int64 {from_us}, int64 {to_us})>").returncode, 0)
        dump = self.app.wait_dump("the range", lambda d: d["range"])
        self.assertEqual(dump["range"]["from_us"], from_us)
        self.assertEqual(dump["range"]["to_us"], to_us)
        self.assertIn("Showing", dump["range"]["bar"])
        self.assertIn("only", dump["range"]["bar"])
        self.assertEqual(len(dump["rows"]), len(HOPS) + 1)
        for row in dump["rows"]:
            self.assertGreaterEqual(int(row["sent"]), 2, row)
            self.assertLessEqual(int(row["sent"]), 4, row)
        self.assertTrue(dump["findings"])
        time.sleep(0.5)
        self.desktop.screenshot("hopscope-range.png")

        # The reports speak of the range alone, and say so.
        path = self.path("range.json")
        self.app.activate("test-save-report", privacy(path))
        self.app.wait_dump("the range's report", lambda d: d["message"]
                           and path in d["message"])
        with open(path) as report:
            hopscope = json.load(report)["hopscope"]
        self.assertIsNotNone(hopscope["range"])
        path = self.path("range.pdf")
        self.app.activate("test-save-snapshot", privacy(path))
        self.app.wait_dump("the range's snapshot", lambda d: d["message"]
                           and path in d["message"])
        self.assertTrue(os.path.getsize(path) > 2000)

        # Escape shows everything again.
        Window.press(self.desktop, "Escape")
        dump = self.app.wait_dump("the whole trace again",
                                  lambda d: d["range"] is None)
        self.assertGreater(min(sent_counts(dump)), 5)

        # A drag across the chart selects a range too.
        x, y, width = dump["chart"]
        Window.drag(self.desktop, (x + width // 20, y), (x + width // 5, y))
        dump = self.app.wait_dump("the dragged range", lambda d: d["range"])
        self.assertGreaterEqual(dump["range"]["from_us"], start_us)
        self.assertLess(dump["range"]["from_us"], dump["range"]["to_us"])
        self.assertLess(dump["range"]["to_us"], time.time() * 1e6)
        self.assertLess(max(sent_counts(dump)), max(sent_counts(whole)))
        self.app.activate("show-all")
        self.app.wait_dump("the whole trace", lambda d: d["range"] is None)

    def test_05_recording(self):
        self.app.activate("pause")
        self.app.wait_dump("paused", lambda d: d["state"] == "paused")
        time.sleep(2.5)
        live = self.app.dump()
        path = self.path("trace.hopscope")
        self.app.activate("test-save-recording", f'<"{path}">')
        self.app.wait_dump("the recording saved", lambda d: d["message"]
                           and path in d["message"])
        self.assertTrue(os.path.getsize(path) > 0)

        self.app.activate("test-open-recording", f'<"{path}">')
        dump = self.app.wait_dump("the recording's window", lambda d: (
            len(d["rows"]) == len(live["rows"])), window=2)
        self.assertTrue(dump["read_only"])
        self.assertEqual(dump["entry"], TARGET)
        self.assertIn(f"Recording of {TARGET}", dump["recording_banner"])
        self.assertIn("read-only", dump["recording_banner"])
        for name in ("entry", "protocol", "family", "start", "pause",
                     "reset"):
            self.assertFalse(dump["sensitive"][name], name)
        for recorded, shown in zip(live["rows"], dump["rows"]):
            for column in ("hop", "host", "sent", "loss", "avg"):
                self.assertEqual(recorded[column], shown[column], column)
        self.assertTrue(dump["findings"])
        self.app.activate("select-hop", "<uint32 4>", window=2)
        time.sleep(0.8)
        self.desktop.screenshot("hopscope-recording.png")

        # Starting a recording does nothing.
        self.app.activate("start", window=2)
        self.assertEqual(self.app.dump(window=2)["rows"], dump["rows"])

        # From the command line, as a file manager would open it.
        second = self.app.launch("--open", path)
        self.assertEqual(second.wait(10), 0)
        dump = self.app.wait_dump("the second recording window",
                                  lambda d: d["read_only"], window=3)
        self.assertEqual(len(dump["rows"]), len(live["rows"]))

    def test_06_damaged_recording(self):
        path = self.path("damaged.hopscope")
        with open(self.path("trace.hopscope"), "rb") as recording:
            data = recording.read()
        with open(path, "wb") as damaged:
            damaged.write(data[:len(data) // 2] + b"\x00garbage{{{\n")
        before = self.app.dump()
        self.app.activate("test-open-recording", f'<"{path}">')
        dump = self.app.wait_dump("the message", lambda d: (
            d["message"] and "Could not open" in d["message"]))
        print(f"\ndamaged recording: {dump['message']!r}", file=sys.stderr)
        self.assertIn("Could not open the recording", dump["message"])
        self.assertIn("Nothing was changed", dump["message"])
        self.assertIsNone(self.app.dump(window=4))
        self.assertEqual(dump["rows"], before["rows"])

        # So does a file that is no recording at all, on the command line.
        other = self.path("other.hopscope")
        with open(other, "w") as text:
            text.write("hello\n")
        launch = self.app.launch("--open", other)
        self.assertNotEqual(launch.wait(10), 0)
        self.assertIsNone(self.app.dump(window=4))

    def test_07_snapshot_dialog(self):
        # As a person would: open the dialog, hide the first hop, look at
        # the preview, press Save, type a name in the file chooser.
        self.app.activate("select-hop", "<uint32 4>")
        self.app.activate("save-snapshot")
        time.sleep(1.5)
        self.desktop.screenshot("hopscope-snapshot-dialog.png")
        Window.press(self.desktop, "Alt_L", "f")
        Window.press(self.desktop, "Control_L", "a")
        Window.type(self.desktop, "1")
        Window.press(self.desktop, "Tab")
        time.sleep(0.5)
        self.desktop.screenshot("hopscope-snapshot-dialog-hidden.png")
        Window.press(self.desktop, "Alt_L", "s")
        time.sleep(1.5)
        path = self.path("from-dialog.pdf")
        Window.press(self.desktop, "Control_L", "a")
        Window.type(self.desktop, path)
        Window.press(self.desktop, "Return")
        wait_for("the snapshot from the dialog",
                 lambda: os.path.exists(path) and os.path.getsize(path) > 0)
        time.sleep(0.5)
        text = pdf_text(path)
        self.assertIn(HOPS[2], text)
        self.assertNotIn(HOPS[0], text)

    def test_07a_dialog_cancelled(self):
        # Escape closes the dialog and saves nothing.
        before = set(os.listdir(self.directory))
        self.app.activate("save-snapshot")
        time.sleep(1.0)
        Window.press(self.desktop, "Escape")
        time.sleep(0.5)
        self.assertEqual(set(os.listdir(self.directory)), before)

    def test_08_quit(self):
        self.assertEqual(self.app.quit(), 0)
        log = self.app.log()
        self.assertNotIn("CRITICAL", log)
        self.assertNotIn("WARNING", log)


class DarkEvidenceTest(unittest.TestCase):
    """The same views in Adwaita's dark variant, for their screenshots."""

    @classmethod
    def setUpClass(cls):
        Window.start(cls, theme="Adwaita:dark")

    def test_dark(self):
        dump = self.app.wait_dump("eight rounds", has_rounds(8), timeout=30)
        self.app.activate("select-hop", "<uint32 4>")
        start_us = dump["start_time_us"]
        self.app.activate("test-select-range",
                          f"<(int64 {start_us + 2_000_000}, "
                          f"int64 {start_us + 6_000_000})>")
        self.app.wait_dump("the range", lambda d: d["range"])
        time.sleep(0.8)
        self.desktop.screenshot("hopscope-range-dark.png")

        self.app.activate("save-snapshot")
        time.sleep(1.5)
        self.desktop.screenshot("hopscope-snapshot-dialog-dark.png")
        Window.press(self.desktop, "Escape")

        path = os.path.join(self.directory, "dark.hopscope")
        self.app.activate("test-save-recording", f'<"{path}">')
        self.app.wait_dump("the recording saved", lambda d: d["message"]
                           and path in d["message"])
        self.app.activate("test-open-recording", f'<"{path}">')
        self.app.wait_dump("the recording's window",
                           lambda d: d["read_only"], window=2)
        time.sleep(0.8)
        self.desktop.screenshot("hopscope-recording-dark.png")
        self.assertEqual(self.app.quit(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
