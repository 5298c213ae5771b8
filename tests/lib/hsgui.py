# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers of the tests that run the hopscope window: a desktop of the
test's own (Xvfb and a D-Bus session bus), key presses through XTEST, and
the program itself inside a test network, driven over that bus.

test-gui.py and bench-window.py share them.  The programs come from the
environment the meson test gives (HOPSCOPE, HOPSCOPE_PROBE,
GSETTINGS_SCHEMA_DIR, HOPSCOPE_BUILD_ROOT for the screenshots); Desktop and
Hopscope also take them as arguments.

Given a user (a pwd entry), Desktop runs the X server, the session bus and
every program it starts for the test as that user, for the tests that need
a desktop of an unprivileged person (test-polkit.py); its folder must then
be one the user can write in.
"""

import ctypes
import json
import os
import pwd
import select
import subprocess
import sys
import time

HOPSCOPE = os.environ.get("HOPSCOPE")
HELPER = os.environ.get("HOPSCOPE_PROBE")
SCHEMA_DIR = os.environ.get("GSETTINGS_SCHEMA_DIR")
SCREENSHOTS = os.path.join(os.environ.get("HOPSCOPE_BUILD_ROOT", "."),
                           "gui-screenshots")

APP_ID = "io.github.hopscope.Hopscope"
APP_PATH = "/io/github/hopscope/Hopscope"

WAIT = 20.0


def wait_for(what, predicate, timeout=WAIT, interval=0.2):
    """Polls PREDICATE until it returns something true, which is returned;
    fails the test with WHAT after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


class Desktop:
    """An X server and a D-Bus session bus of the test's own.  HELPER and
    SCHEMA_DIR go into the environment of the programs run on it.  With
    USER (a pwd entry or a name), they all run as that user."""

    def __init__(self, directory, helper=None, schema_dir=None, user=None):
        self.directory = directory
        self.helper = helper or HELPER
        self.schema_dir = schema_dir or SCHEMA_DIR
        if isinstance(user, str):
            user = pwd.getpwnam(user)
        self.user = user
        self.runtime_dir = None
        self.xvfb = None
        self.bus = None
        self.display = None
        self.bus_address = None
        self._displayfd = None

    def command(self, argv):
        """ARGV as it runs on this desktop: as its user, when it has one
        (setpriv execs ARGV, so the child's pid is ARGV's)."""
        if self.user is None:
            return list(argv)
        return ["setpriv", "--reuid", str(self.user.pw_uid), "--regid",
                str(self.user.pw_gid), "--init-groups", "--", *argv]

    def start(self):
        if self.user is not None:
            # GLib wants a private runtime folder of the user's own.
            self.runtime_dir = os.path.join(self.directory, "runtime")
            os.makedirs(self.runtime_dir, mode=0o700, exist_ok=True)
            os.chown(self.runtime_dir, self.user.pw_uid, self.user.pw_gid)
            # Xvfb run by the user would create the folder of the X
            # sockets as the user's own; every X server shares it, so it
            # must be root's, as on any system.
            if not os.path.isdir("/tmp/.X11-unix"):
                os.mkdir("/tmp/.X11-unix")
                os.chmod("/tmp/.X11-unix", 0o1777)

        read_end, write_end = os.pipe()
        with open(os.path.join(self.directory, "xvfb.log"), "w") as log:
            self.xvfb = subprocess.Popen(
                self.command(
                    ["Xvfb", "-displayfd", str(write_end), "-screen", "0",
                     "1280x800x24", "-nolisten", "tcp", "-noreset"]),
                pass_fds=[write_end], stdout=subprocess.DEVNULL, stderr=log)
        os.close(write_end)
        # Xvfb writes the number and its newline apart: the pipe stays open
        # until the server ends, lest the second write fail and stop it.
        self._displayfd = read_end
        number = b""
        deadline = time.monotonic() + 10
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read_end], [], [], 0.5)
            if ready:
                data = os.read(read_end, 64)
                if not data:
                    break
                number += data
        number = number.decode().strip()
        if not number.isdigit():
            raise RuntimeError("Xvfb did not start: " + self.xvfb_log())
        self.display = f":{number}"
        wait_for("the X server to take connections", self._x_ready,
                 timeout=10)

        socket_path = os.path.join(self.directory, "bus")
        self.bus = subprocess.Popen(
            self.command(
                ["dbus-daemon", "--session", "--nofork", "--nosyslog",
                 f"--address=unix:path={socket_path}", "--print-address"]),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready, _, _ = select.select([self.bus.stdout], [], [], 10)
        self.bus_address = self.bus.stdout.readline().strip() if ready else ""
        if not self.bus_address:
            raise RuntimeError("dbus-daemon did not start")

    def xvfb_log(self):
        with open(os.path.join(self.directory, "xvfb.log")) as log:
            return log.read()

    def _x_ready(self):
        if self.xvfb.poll() is not None:
            raise RuntimeError(f"Xvfb exited with {self.xvfb.returncode}: "
                               + self.xvfb_log())
        try:
            XInput(self.display).close()
        except RuntimeError:
            return False
        return True

    def environment(self, **more):
        env = dict(os.environ)
        env.update({
            "DISPLAY": self.display,
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
            "GSETTINGS_BACKEND": "memory",
            "GSETTINGS_SCHEMA_DIR": self.schema_dir,
            "HOPSCOPE_PROBE": self.helper,
            # The accessibility bus would be one more daemon to clean up.
            "NO_AT_BRIDGE": "1",
            "LANG": "C.UTF-8",
        })
        env.pop("GTK_THEME", None)
        # The tests read the window's English; a translated runner would
        # otherwise see its own language.
        for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            env.pop(name, None)
        if self.user is not None:
            for name in [name for name in env if name.startswith("XDG_")]:
                del env[name]
            env.update({
                "HOME": self.directory,
                "USER": self.user.pw_name,
                "LOGNAME": self.user.pw_name,
                # pkexec refuses a shell that /etc/shells does not list.
                "SHELL": "/bin/sh",
                "XDG_RUNTIME_DIR": self.runtime_dir,
            })
        env.update(more)
        return env

    def screenshot(self, name):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        path = os.path.join(SCREENSHOTS, name)
        subprocess.run(["import", "-display", self.display, "-window",
                        "root", path], check=True, capture_output=True)
        return path

    def close(self):
        for process in (self.bus, self.xvfb):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.bus is not None and self.bus.stdout is not None:
            self.bus.stdout.close()
        if self._displayfd is not None:
            os.close(self._displayfd)
            self._displayfd = None


class XInput:
    """Keys and clicks sent to the X server through its XTEST extension,
    as a person at the keyboard would: with ctypes, so that no other
    program is needed."""

    def __init__(self, display):
        self.x11 = ctypes.CDLL("libX11.so.6")
        self.xtst = ctypes.CDLL("libXtst.so.6")
        self.x11.XOpenDisplay.restype = ctypes.c_void_p
        self.x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x11.XStringToKeysym.restype = ctypes.c_ulong
        self.x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self.x11.XKeysymToKeycode.restype = ctypes.c_ubyte
        self.x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p,
                                              ctypes.c_ulong]
        self.x11.XFlush.argtypes = [ctypes.c_void_p]
        self.x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.xtst.XTestFakeKeyEvent.argtypes = [
            ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        self.xtst.XTestFakeButtonEvent.argtypes = [
            ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        self.xtst.XTestFakeMotionEvent.argtypes = [
            ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
            ctypes.c_ulong]
        self.display = self.x11.XOpenDisplay(display.encode())
        if not self.display:
            raise RuntimeError(f"cannot open display {display}")

    def _keycode(self, name):
        keysym = self.x11.XStringToKeysym(name.encode())
        keycode = self.x11.XKeysymToKeycode(self.display, keysym)
        if keycode == 0:
            raise RuntimeError(f"no key for {name}")
        return keycode

    def keys(self, *names):
        """Presses NAMES in order (modifiers first), then releases them."""
        codes = [self._keycode(name) for name in names]
        for code in codes:
            self.xtst.XTestFakeKeyEvent(self.display, code, True, 0)
        for code in reversed(codes):
            self.xtst.XTestFakeKeyEvent(self.display, code, False, 0)
        self.x11.XFlush(self.display)
        time.sleep(0.2)

    def click(self, x, y, button=1):
        self.xtst.XTestFakeMotionEvent(self.display, -1, x, y, 0)
        self.xtst.XTestFakeButtonEvent(self.display, button, True, 0)
        self.xtst.XTestFakeButtonEvent(self.display, button, False, 0)
        self.x11.XFlush(self.display)
        time.sleep(0.3)

    def move(self, x, y):
        self.xtst.XTestFakeMotionEvent(self.display, -1, x, y, 0)
        self.x11.XFlush(self.display)
        time.sleep(0.1)

    def close(self):
        self.x11.XCloseDisplay(self.display)


class Hopscope:
    """One hopscope process inside the simulator's namespace, driven over
    the test's session bus.  PROGRAM is hopscope ($HOPSCOPE unless
    given)."""

    def __init__(self, sim, desktop, directory, theme=None, program=None):
        self.sim = sim
        self.desktop = desktop
        self.program = program or HOPSCOPE
        self.dump_path = os.path.join(directory, "dump.json")
        self.log_path = os.path.join(directory, "hopscope.log")
        more = {"HOPSCOPE_TEST_DUMP": self.dump_path}
        if theme:
            more["GTK_THEME"] = theme
        self.env = desktop.environment(**more)
        self.process = None

    def launch(self, *args):
        """Runs hopscope ARGS; the first launch is the primary instance."""
        log = open(self.log_path, "a")
        process = self.sim.popen(self.desktop.command([self.program, *args]),
                                 env=self.env, stdout=log, stderr=log)
        log.close()
        if self.process is None:
            self.process = process
        return process

    def activate(self, action, parameter=None, window=1):
        argv = ["gdbus", "call", "--session", "--dest", APP_ID,
                "--object-path", f"{APP_PATH}/window/{window}",
                "--method", "org.gtk.Actions.Activate", action,
                f"[{parameter}]" if parameter is not None else "[]", "{}"]
        return subprocess.run(self.desktop.command(argv), env=self.env,
                              capture_output=True, text=True, timeout=10)

    def app_action(self, action):
        return subprocess.run(
            self.desktop.command(["gapplication", "action", APP_ID, action]),
            env=self.env, capture_output=True, text=True, timeout=10)

    def dump(self, window=1):
        """What window WINDOW shows, or None while it cannot say."""
        if os.path.exists(self.dump_path):
            os.unlink(self.dump_path)
        result = self.activate("dump-table", window=window)
        if result.returncode != 0 or not os.path.exists(self.dump_path):
            return None
        with open(self.dump_path) as dump:
            return json.load(dump)

    def wait_dump(self, what, predicate, window=1, timeout=WAIT):
        def check():
            if self.process.poll() is not None:
                raise AssertionError("hopscope exited with status "
                                     f"{self.process.returncode}:\n"
                                     + self.log())
            dump = self.dump(window)
            return dump if dump is not None and predicate(dump) else None
        try:
            return wait_for(what, check, timeout=timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}\nhopscope's output:\n"
                                 + self.log()) from None

    def helper_pids(self):
        """The helpers this hopscope started: its children running the
        helper."""
        pids = []
        helper = os.path.realpath(self.desktop.helper)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
                exe = os.path.realpath(f"/proc/{entry}/exe")
            except (OSError, ValueError, IndexError):
                continue
            if ppid == self.process.pid and exe == helper:
                pids.append(int(entry))
        return pids

    def log(self):
        with open(self.log_path) as log:
            return log.read()

    def quit(self):
        result = self.app_action("quit")
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("hopscope did not quit on app.quit: "
                                 + result.stderr)
        if self.process.returncode != 0:
            print(f"\nhopscope's output:\n{self.log()}", file=sys.stderr)
        return self.process.returncode



def is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True



def process_cpu(pid):
    """User and system time of PID, in clock ticks."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
