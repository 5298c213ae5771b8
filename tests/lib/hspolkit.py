# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real polkit for the tests of the pkexec route: the system D-Bus,
polkitd, a test user, a JavaScript rule about that user and the action's
policy file, each a context manager that undoes what it did when its "with"
block ends, also when the block fails, at interpreter exit and on SIGTERM.

SystemBus: dbus-daemon --system on /run/dbus/system_bus_socket, with the
  distribution's configuration, unless a bus already answers there (then it
  is used and left running).
Polkitd: polkitd on that bus, unless org.freedesktop.PolicyKit1 already has
  an owner; ready once the name is owned.
TestUser: a system user made with useradd and removed with userdel, with
  every process of its own killed first.
Rule: a rules file in /etc/polkit-1/rules.d/ that answers YES or NO for one
  action and one user; set() changes the answer and returns once polkitd
  answers from the new file.
Folder: a temporary folder, removed with what it holds.
Policy: a copy of an action's policy file in polkit's actions folder under
  a name of the test's own; a file there that declares the same action is
  moved aside and put back at the end.

The processes started here (the daemons and the rules' witnesses) are
written down in /run/PREFIX-daemons, so that cleanup_stale(PREFIX) can stop
those a killed earlier run left behind, and remove its user, rule, policy
copy and moved-aside files.
"""

import atexit
import glob
import json
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SYSTEM_BUS_SOCKET = "/run/dbus/system_bus_socket"
RULES_DIR = "/etc/polkit-1/rules.d"
ACTIONS_DIR = "/usr/share/polkit-1/actions"
POLKITD = "/usr/lib/polkit-1/polkitd"
POLKIT_NAME = "org.freedesktop.PolicyKit1"
EXEC_PATH_KEY = "org.freedesktop.policykit.exec.path"

WAIT = 20.0

_live = []
_live_lock = threading.Lock()
_atexit_installed = False


def wait_for(what, predicate, timeout=WAIT, interval=0.1):
    """Polls PREDICATE until it returns something true, which is
    returned; raises with WHAT after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def _close_all():
    with _live_lock:
        objects = list(reversed(_live))
    for obj in objects:
        try:
            obj.close()
        except Exception as error:  # The others are still cleaned up.
            print(f"hspolkit: clean-up of {obj!r} failed: {error}",
                  file=sys.stderr)


def _on_sigterm(signum, frame):
    _close_all()
    chained = _on_sigterm.chained
    if callable(chained):
        chained(signum, frame)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(128 + signum)


_on_sigterm.chained = None


def install_sigterm():
    """Makes SIGTERM (meson's timeout) clean up what this module made, then
    call the handler that was there before (hsnet's, which removes the
    networks and ends the process).  Call it again after a module that
    installs its own handler did so."""
    if threading.current_thread() is not threading.main_thread():
        return
    current = signal.getsignal(signal.SIGTERM)
    if current is _on_sigterm:
        return
    _on_sigterm.chained = current
    signal.signal(signal.SIGTERM, _on_sigterm)


def _register(obj):
    global _atexit_installed

    with _live_lock:
        _live.append(obj)
        if not _atexit_installed:
            atexit.register(_close_all)
            _atexit_installed = True
    install_sigterm()


def _unregister(obj):
    with _live_lock:
        if obj in _live:
            _live.remove(obj)


class _Managed:
    """Set up on entry, undone by close() on exit and on failure."""

    _closed = True

    def __enter__(self):
        self._closed = False
        _register(self)
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            self._close()
        finally:
            _unregister(self)


# The daemons (and rule witnesses) a run started, so that the next run can
# stop them when this one was killed before it could.

class Folder(_Managed):
    """A temporary folder named PREFIX-XXXXXXXX, with MODE, removed with
    everything in it."""

    def __init__(self, prefix, mode=0o755):
        self.prefix = prefix
        self.mode = mode
        self.path = None

    def __repr__(self):
        return f"Folder({self.path!r})"

    def _open(self):
        self.path = tempfile.mkdtemp(prefix=self.prefix + "-")
        os.chmod(self.path, self.mode)

    def _close(self):
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)


def _state_path(prefix):
    return f"/run/{prefix}-daemons"


def _start_time(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _still_running(pid, start):
    """Whether PID is still the process that started at START, and not a
    zombie: a daemon whose parent was killed may never be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z" and int(fields[19]) == start


def _note_daemon(prefix, pid):
    path = _state_path(prefix)
    entries = []
    if os.path.exists(path):
        with open(path) as state:
            entries = json.load(state)
    entries.append({"pid": pid, "start": _start_time(pid)})
    with open(path, "w") as state:
        json.dump(entries, state)


def _forget_daemon(prefix, pid):
    path = _state_path(prefix)
    if not os.path.exists(path):
        return
    with open(path) as state:
        entries = [entry for entry in json.load(state)
                   if entry["pid"] != pid]
    if entries:
        with open(path, "w") as state:
            json.dump(entries, state)
    else:
        os.unlink(path)


def _stop(process, timeout=5.0):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _kill_user_processes(uid):
    """Kills every process whose real or effective user is UID: only the
    test's own user is ever given here.  Zombies are left alone: they hold
    nothing, and one whose parent was killed may never be reaped."""
    def owned():
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/status") as status:
                    fields = dict(line.split(":", 1) for line in status
                                  if ":" in line)
                ids = [int(v) for v in fields["Uid"].split()[:2]]
            except (OSError, ValueError, KeyError):
                continue
            if uid in ids and not fields["State"].strip().startswith("Z"):
                pids.append(int(entry))
        return pids

    for _ in range(50):
        pids = owned()
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


def cleanup_stale(prefix, user=None):
    """Removes what a killed earlier run with PREFIX left behind: the
    daemons it started, its rule, its policy copy (putting back what it
    moved aside) and USER."""
    if not prefix.startswith("hs-"):
        raise ValueError(f"refusing to clean up {prefix}*")

    path = _state_path(prefix)
    if os.path.exists(path):
        with open(path) as state:
            entries = json.load(state)
        # The newest first: polkitd before the bus it is on.
        for entry in reversed(entries):
            pid, start = entry["pid"], entry["start"]
            if start is None or not _still_running(pid, start):
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            wait_for(f"the stale daemon {pid} to end",
                     lambda: not _still_running(pid, start), 5)
        os.unlink(path)

    for rule in glob.glob(os.path.join(RULES_DIR, f"*-{prefix}.rules*")):
        os.unlink(rule)
    for copy in glob.glob(os.path.join(ACTIONS_DIR, f"{prefix}-*.policy")):
        os.unlink(copy)
    suffix = f".{prefix}-aside"
    for aside in glob.glob(os.path.join(ACTIONS_DIR, "*" + suffix)):
        original = aside[:-len(suffix)]
        if os.path.exists(original):
            os.unlink(aside)
        else:
            os.rename(aside, original)

    if user is not None:
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            return
        _kill_user_processes(entry.pw_uid)
        subprocess.run(["userdel", "--force", user], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _bus_answers(path=SYSTEM_BUS_SOCKET):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        return True
    except OSError:
        return False
    finally:
        sock.close()


def name_has_owner(name):
    result = subprocess.run(
        ["gdbus", "call", "--system", "--dest", "org.freedesktop.DBus",
         "--object-path", "/org/freedesktop/DBus",
         "--method", "org.freedesktop.DBus.NameHasOwner", name],
        capture_output=True, text=True, timeout=10)
    return result.returncode == 0 and result.stdout.strip() == "(true,)"


class SystemBus(_Managed):
    """The system bus at its fixed path: the one running, or our own."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.process = None
        self.started = False

    def __repr__(self):
        return f"SystemBus(started={self.started})"

    def _open(self):
        if _bus_answers():
            return
        # A socket nobody listens on is what a killed bus leaves.
        if os.path.exists(SYSTEM_BUS_SOCKET):
            os.unlink(SYSTEM_BUS_SOCKET)
        os.makedirs(os.path.dirname(SYSTEM_BUS_SOCKET), exist_ok=True)
        self.process = subprocess.Popen(
            ["dbus-daemon", "--system", "--nofork", "--nopidfile",
             "--nosyslog", "--print-address"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True)
        self.started = True
        _note_daemon(self.prefix, self.process.pid)
        ready, _, _ = select.select([self.process.stdout], [], [], 10)
        address = self.process.stdout.readline().strip() if ready else ""
        if SYSTEM_BUS_SOCKET not in address:
            raise RuntimeError("the system bus did not start: "
                               f"{address!r}")
        wait_for("the system bus", _bus_answers, timeout=10)

    def _close(self):
        if self.process is None:
            return
        _stop(self.process)
        self.process.stdout.close()
        _forget_daemon(self.prefix, self.process.pid)
        if os.path.exists(SYSTEM_BUS_SOCKET) and not _bus_answers():
            os.unlink(SYSTEM_BUS_SOCKET)


class Polkitd(_Managed):
    """polkitd on the system bus: the one running, or our own."""

    def __init__(self, prefix, program=POLKITD):
        self.prefix = prefix
        self.program = program
        self.process = None
        self.started = False

    def __repr__(self):
        return f"Polkitd(started={self.started})"

    def _open(self):
        if name_has_owner(POLKIT_NAME):
            return
        self.process = subprocess.Popen(
            [self.program, "--no-debug"], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.started = True
        _note_daemon(self.prefix, self.process.pid)

        def owned():
            if self.process.poll() is not None:
                raise RuntimeError("polkitd exited with status "
                                   f"{self.process.returncode}")
            return name_has_owner(POLKIT_NAME)
        wait_for(f"{POLKIT_NAME} on the system bus", owned, timeout=10)

    def _close(self):
        if self.process is None:
            return
        _stop(self.process)
        _forget_daemon(self.prefix, self.process.pid)


class TestUser(_Managed):
    """A system user without a home or a login shell."""

    def __init__(self, name):
        self.name = name
        self.entry = None

    def __repr__(self):
        return f"TestUser({self.name!r})"

    @property
    def uid(self):
        return self.entry.pw_uid

    @property
    def gid(self):
        return self.entry.pw_gid

    def _open(self):
        subprocess.run(["useradd", "--system", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", self.name],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
        self.entry = pwd.getpwnam(self.name)

    def as_user(self, argv):
        """ARGV run as the user with the user's own groups; setpriv execs
        ARGV, so the child's pid is ARGV's."""
        return ["setpriv", "--reuid", str(self.uid), "--regid",
                str(self.gid), "--init-groups", "--"] + list(argv)

    def _close(self):
        if self.entry is None:
            return
        _kill_user_processes(self.uid)
        subprocess.run(["userdel", "--force", self.name], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


_RULE = """\
// Written by a Hopscope test, which removes it when it ends.
polkit.addRule(function(action, subject) {{
    if (action.id != "{action}")
        return polkit.Result.NOT_HANDLED;
    // The test asks about this process to learn that polkitd has read
    // this version of the file.
    if (subject.pid == {witness})
        return polkit.Result.AUTH_ADMIN;
    if (subject.user == "{user}")
        return polkit.Result.{result};
    return polkit.Result.NOT_HANDLED;
}});
"""


class Rule(_Managed):
    """/etc/polkit-1/rules.d/10-PREFIX.rules: RESULT ("YES" or "NO") for
    ACTION asked by USER.  Every version of the file also answers
    AUTH_ADMIN for one process of its own (a witness), so that the test
    knows when polkitd has read it: pkcheck then exits with 2."""

    def __init__(self, prefix, action, user, result):
        self.prefix = prefix
        self.path = os.path.join(RULES_DIR, f"10-{prefix}.rules")
        self.action = action
        self.user = user
        self.result = result
        self.witness = None

    def __repr__(self):
        return f"Rule({self.path!r}, {self.user!r}, {self.result})"

    def _open(self):
        self.set(self.result)

    def set(self, result, user=None):
        """Writes the rule anew and waits until polkitd answers from it."""
        if result not in ("YES", "NO"):
            raise ValueError("a rule says YES or NO")
        self.result = result
        self.user = user or self.user
        self._stop_witness()
        self.witness = subprocess.Popen(
            ["setpriv", "--reuid", "nobody", "--regid", "nogroup",
             "--clear-groups", "--", "sleep", "600"],
            stdin=subprocess.DEVNULL)
        _note_daemon(self.prefix, self.witness.pid)

        # polkitd notices a new file and reloads every rule; it must never
        # see half a file.
        text = _RULE.format(action=self.action, witness=self.witness.pid,
                            user=self.user, result=result)
        partial = self.path + ".new"
        with open(partial, "w") as rule:
            rule.write(text)
        os.chmod(partial, 0o644)
        os.rename(partial, self.path)

        def read_by_polkitd():
            check = subprocess.run(
                ["pkcheck", "--action-id", self.action, "--process",
                 str(self.witness.pid)],
                capture_output=True, text=True, timeout=10)
            return check.returncode == 2
        wait_for(f"polkitd to read {self.path}", read_by_polkitd)

    def _stop_witness(self):
        if self.witness is not None:
            _stop(self.witness)
            _forget_daemon(self.prefix, self.witness.pid)
            self.witness = None

    def _close(self):
        self._stop_witness()
        if os.path.exists(self.path):
            os.unlink(self.path)


def _declares(path, action):
    with open(path, errors="replace") as policy:
        return f'id="{action}"' in policy.read()


class Policy(_Managed):
    """SOURCE copied to polkit's actions folder as PREFIX-NAME.policy.
    A file there that declares ACTION already is renamed to
    NAME.PREFIX-aside for as long as the copy is there."""

    def __init__(self, prefix, source, action):
        self.prefix = prefix
        self.source = source
        self.action = action
        self.path = os.path.join(ACTIONS_DIR,
                                 f"{prefix}-{os.path.basename(source)}")
        self.aside = []

    def __repr__(self):
        return f"Policy({self.path!r})"

    def exec_path(self):
        """The program the installed action names, as polkitd reads it,
        or None while polkitd does not know the action."""
        result = subprocess.run(
            ["pkaction", "--verbose", "--action-id", self.action],
            capture_output=True, text=True, timeout=10)
        if result.returncode != 0:
            return None
        # Lines read "annotation:  KEY -> VALUE".
        for line in result.stdout.splitlines():
            name, _, value = line.partition("->")
            if name.split() and name.split()[-1] == EXEC_PATH_KEY:
                return value.strip()
        return ""

    def _open(self):
        for other in glob.glob(os.path.join(ACTIONS_DIR, "*.policy")):
            if _declares(other, self.action):
                aside = f"{other}.{self.prefix}-aside"
                os.rename(other, aside)
                self.aside.append((aside, other))

        with open(self.source) as source:
            text = source.read()
        with open(self.path + ".new", "w") as copy:
            copy.write(text)
        os.chmod(self.path + ".new", 0o644)
        os.rename(self.path + ".new", self.path)

        # polkitd reloads the actions when the folder changes; until then
        # pkexec would find another program's action, or none.
        wanted = None
        for line in text.splitlines():
            if EXEC_PATH_KEY in line:
                wanted = line.split(">", 1)[1].split("<", 1)[0].strip()
        wait_for(f"polkitd to read {self.path}",
                 lambda: self.exec_path() == wanted)

    def _close(self):
        if os.path.exists(self.path):
            os.unlink(self.path)
        for aside, original in self.aside:
            if os.path.exists(aside):
                os.rename(aside, original)
        self.aside = []
