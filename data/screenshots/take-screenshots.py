#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Takes the screenshots of the AppStream metainfo from the real window.

  sudo data/screenshots/take-screenshots.py [BUILD_FOLDER]

BUILD_FOLDER (default: _build) is a built Hopscope with its tests.  The
script runs hopscope under an X server of its own (Xvfb, 1280x800) tracing
a simulated path of ten hops inside a network namespace of its own (the
path simulator of tests/sim/): a hop that does not answer, an MPLS hop, a
hop with two routers, loss that starts at one hop and carries on to the
target.  After about 30 rounds it saves the whole screen, once in
Adwaita's light style and once in its dark one, as hopscope-light.png and
hopscope-dark.png beside this script, with their metadata stripped.

It needs root for the namespace, like the GUI tests, and leaves nothing
behind: the namespace hs-inst-shot-sim and its temporary folders
/tmp/hs-inst-shot-* are removed at the end, even on failure.  No packet
leaves the namespace.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
PREFIX = "hs-inst-shot"

TARGET = "198.51.100.10"
# Ten routers and the target: hop 3 sends no ICMP, hop 5 carries an MPLS
# label, hop 6 has two routers behind a load balancer, and loss starts at
# hop 8 and carries on, as where a congested link begins.
SIM_CONFIG = f"""\
target {TARGET} 2001:db8:2::10 delay 31 jitter 3 loss 12
hop 1 203.0.113.1 2001:db8:3::1 delay 0.8 jitter 0.3
hop 2 203.0.113.2 2001:db8:3::2 delay 2.5 jitter 0.6
hop 3 203.0.113.3 2001:db8:3::3 delay 4 silent
hop 4 203.0.113.4 2001:db8:3::4 delay 6 jitter 1
hop 5 203.0.113.5 2001:db8:3::5 delay 9 jitter 1 mpls 24012/0/1/254
hop 6 203.0.113.6 2001:db8:3::6 delay 11 jitter 2 ecmp 203.0.113.61 2001:db8:3::61
hop 7 203.0.113.7 2001:db8:3::7 delay 14 jitter 1.5
hop 8 203.0.113.8 2001:db8:3::8 delay 22 jitter 4 loss 10
hop 9 203.0.113.9 2001:db8:3::9 delay 26 jitter 3 loss 11
hop 10 203.0.113.10 2001:db8:3::10 delay 29 jitter 3 loss 12
at 14 hop 7 delay 19 jitter 6
at 22 hop 7 delay 14 jitter 1.5
"""
N_ROWS = 11
ROUNDS = 30
SCREEN = (1280, 800)


def configure(build):
    """Points the test kit at the programs of BUILD, as meson test does."""
    programs = {
        "HOPSCOPE": os.path.join(build, "src", "hopscope"),
        "HOPSCOPE_PROBE": os.path.join(build, "helper", "hopscope-probe"),
        "HOPSCOPE_PATHSIM": os.path.join(build, "tests", "sim",
                                         "hopscope-pathsim"),
    }
    for name, path in programs.items():
        if not os.access(path, os.X_OK):
            sys.exit(f"take-screenshots: {path} is missing: build {build} "
                     "with its tests first (ninja -C BUILD)")
        os.environ[name] = path
    os.environ["GSETTINGS_SCHEMA_DIR"] = os.path.join(build, "data")
    os.environ["HOPSCOPE_SOURCE_ROOT"] = SOURCE
    sys.path.insert(0, os.path.join(SOURCE, "tests", "lib"))


def settings_file(directory):
    """A settings file that opens the window at the size of the screen, so
    the screenshot shows the window and nothing around it.  The window
    comes out 10 pixels wider and 60 taller than the size it is given: the
    header bar and the frame that GTK draws itself, with no window manager,
    are not counted in it."""
    config = os.path.join(directory, "config")
    folder = os.path.join(config, "glib-2.0", "settings")
    os.makedirs(folder)
    with open(os.path.join(folder, "keyfile"), "w") as keyfile:
        keyfile.write("[io/github/hopscope/Hopscope]\n"
                      f"window-width={SCREEN[0] - 10}\n"
                      f"window-height={SCREEN[1] - 60}\n")
    return config


def take(hsnet, hsgui, theme, name):
    directory = tempfile.mkdtemp(prefix=PREFIX + "-")
    desktop = hsgui.Desktop(directory)
    sim = None
    app = None
    try:
        desktop.start()
        sim = hsnet.PathSimulator(PREFIX, SIM_CONFIG)
        sim.__enter__()
        app = hsgui.Hopscope(sim, desktop, directory, theme=theme)
        app.env.update({"GSETTINGS_BACKEND": "keyfile",
                        "XDG_CONFIG_HOME": settings_file(directory)})
        app.launch(TARGET)

        app.wait_dump(f"{ROUNDS} rounds", lambda dump: (
            len(dump["rows"]) == N_ROWS
            and all(int(row["sent"]) >= ROUNDS for row in dump["rows"])),
            timeout=ROUNDS + 30)
        # The chart shows the hop where the loss starts, with the target.
        app.activate("select-hop", "<uint32 8>")
        app.wait_dump("hop 8 selected", lambda d: d["selected_ttl"] == 8)
        time.sleep(1.5)

        path = os.path.join(HERE, name)
        subprocess.run(["import", "-display", desktop.display, "-window",
                        "root", path], check=True, capture_output=True)
        subprocess.run(["convert", path, "-strip", path], check=True,
                       capture_output=True)
        print(f"take-screenshots: wrote {path} "
              f"({os.path.getsize(path) // 1024} KiB)")
        app.quit()
    finally:
        if app is not None and app.process is not None \
                and app.process.poll() is None:
            app.process.kill()
            app.process.wait()
        if sim is not None:
            sim.close()
        desktop.close()
        shutil.rmtree(directory, ignore_errors=True)


def main(argv):
    build = os.path.abspath(argv[1] if len(argv) > 1
                            else os.path.join(SOURCE, "_build"))
    if os.geteuid() != 0:
        sys.exit("take-screenshots: run it as root: the simulated path "
                 "lives in a network namespace")
    for program in ("Xvfb", "dbus-daemon", "gdbus", "import", "convert"):
        if shutil.which(program) is None:
            sys.exit(f"take-screenshots: {program} is needed")
    configure(build)

    import hsnet
    import hsgui

    take(hsnet, hsgui, None, "hopscope-light.png")
    take(hsnet, hsgui, "Adwaita:dark", "hopscope-dark.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
