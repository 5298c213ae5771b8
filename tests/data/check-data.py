#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks of the files Hopscope installs for the desktop, one kind a call:

  check-data.py desktop FILE        desktop-file-validate, silent
  check-data.py metainfo FILE       appstreamcli validate --no-net
  check-data.py schemas FOLDER      glib-compile-schemas --strict --dry-run
  check-data.py policy FILE HELPER  xmllint, then the action's contents
  check-data.py po FOLDER           msgfmt --check on every language in
                                    FOLDER/LINGUAS
  check-data.py man FILE...         groff and man with every warning on

Each fails (exit status 1) with what is wrong when a tool reports an error
or a warning, or when the file says something Hopscope does not mean.
A tool that is missing is a failure too, never a skip.
"""

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

ACTION_ID = "io.github.hopscope.Hopscope.probe"
EXEC_PATH = "org.freedesktop.policykit.exec.path"
ALLOW_GUI = "org.freedesktop.policykit.exec.allow_gui"
DEFAULTS = {
    "allow_any": "no",
    "allow_inactive": "no",
    "allow_active": "auth_admin_keep",
}

# Pedantic hints of appstreamcli that are accepted, each with its reason.
# Any other hint, and every info, warning and error, fails the check.
ACCEPTED_PEDANTIC = {
    # The component id is the GtkApplication id and the desktop file's
    # name, which D-Bus and GNOME spell with capitals (as
    # org.gnome.Nautilus does); changing its case would split the
    # application from its settings and its launcher.
    "cid-contains-uppercase-letter",
}

# The width man pages are checked at: that of a usual terminal.
MAN_WIDTH = "80"


class CheckFailed(Exception):
    pass


def run(argv, env=None, output=True):
    """Runs ARGV and returns its exit status and everything it printed;
    without OUTPUT, what it printed on standard error only."""
    if shutil.which(argv[0]) is None:
        raise CheckFailed(f"{argv[0]} is not installed: the check needs it "
                          "(see .ci/packages)")
    result = subprocess.run(
        argv, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if output else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if output else subprocess.PIPE,
        text=True, env=env)
    return result.returncode, result.stdout if output else result.stderr


def check_desktop(path):
    # desktop-file-validate exits 0 on warnings and hints: any line it
    # prints is a failure here.
    status, output = run(["desktop-file-validate", path])
    if status != 0 or output.strip():
        raise CheckFailed(f"desktop-file-validate {path} (status "
                          f"{status}):\n{output}")

    with open(path, encoding="utf-8") as file:
        text = file.read()
    entry = dict(re.findall(r"^([A-Za-z]+)=(.*)$", text, re.MULTILINE))
    expected = {
        "Name": "Hopscope",
        "Exec": "hopscope",
        "Icon": "io.github.hopscope.Hopscope",
        "StartupNotify": "true",
    }
    for key, value in expected.items():
        if entry.get(key) != value:
            raise CheckFailed(f"{path}: {key} is {entry.get(key)!r}, "
                              f"not {value!r}")
    # D-Bus activation needs a service file, which is not installed.
    if "DBusActivatable" in entry:
        raise CheckFailed(f"{path}: DBusActivatable is set, but no D-Bus "
                          "service file is installed")


def check_metainfo(path):
    status, output = run(["appstreamcli", "validate", "--no-net",
                          "--pedantic", path])
    problems = []
    for line in output.splitlines():
        match = re.match(r"^([EWIP]): [^:]*:(?:\d+:)? ([a-z0-9-]+)", line)
        if match is None:
            continue
        severity, tag = match.groups()
        if severity == "P" and tag in ACCEPTED_PEDANTIC:
            continue
        problems.append(line)
    if status != 0 or problems:
        raise CheckFailed(f"appstreamcli validate {path} (status "
                          f"{status}):\n{output}")

    root = ElementTree.parse(path).getroot()
    if root.findtext("id") != "io.github.hopscope.Hopscope":
        raise CheckFailed(f"{path}: the id is {root.findtext('id')!r}")
    if root.findtext("launchable") != "io.github.hopscope.Hopscope.desktop":
        raise CheckFailed(f"{path}: the launchable is not the desktop file")
    images = [image.text for image in root.iter("image")]
    if len(images) < 1:
        raise CheckFailed(f"{path}: no screenshot")
    # Each screenshot's address names a PNG that is in the source tree.
    source = os.environ.get("HOPSCOPE_SOURCE_ROOT")
    for image in images:
        prefix = ("https://raw.githubusercontent.com/hopscope/hopscope/"
                  "main/")
        if not image.startswith(prefix) or not image.endswith(".png"):
            raise CheckFailed(f"{path}: screenshot {image} is not a PNG of "
                              "the repository")
        if source and not os.path.isfile(os.path.join(
                source, image[len(prefix):])):
            raise CheckFailed(f"{path}: screenshot {image} is not in the "
                              "source tree")


def check_schemas(folder):
    status, output = run(["glib-compile-schemas", "--strict", "--dry-run",
                          folder])
    if status != 0 or output.strip():
        raise CheckFailed(f"glib-compile-schemas {folder} (status "
                          f"{status}):\n{output}")


def check_policy(path, helper):
    status, output = run(["xmllint", "--noout", "--nonet", path])
    if status != 0 or output.strip():
        raise CheckFailed(f"xmllint {path} (status {status}):\n{output}")

    root = ElementTree.parse(path).getroot()
    if root.tag != "policyconfig":
        raise CheckFailed(f"{path}: the root is <{root.tag}>, not "
                          "<policyconfig>")
    actions = root.findall("action")
    if [action.get("id") for action in actions] != [ACTION_ID]:
        raise CheckFailed(f"{path}: the actions are "
                          f"{[action.get('id') for action in actions]}, "
                          f"not [{ACTION_ID!r}]")
    action = actions[0]

    for element in ("description", "message"):
        if not (action.findtext(element) or "").strip():
            raise CheckFailed(f"{path}: the action has no <{element}>")

    defaults = action.find("defaults")
    if defaults is None:
        raise CheckFailed(f"{path}: the action has no <defaults>")
    found = {child.tag: (child.text or "").strip() for child in defaults}
    if found != DEFAULTS:
        raise CheckFailed(f"{path}: the defaults are {found}, not "
                          f"{DEFAULTS}")

    annotations = {}
    for annotate in action.findall("annotate"):
        key = annotate.get("key")
        if key in annotations:
            raise CheckFailed(f"{path}: annotation {key} is given twice")
        annotations[key] = (annotate.text or "").strip()
    if ALLOW_GUI in annotations:
        raise CheckFailed(f"{path}: the action has {ALLOW_GUI}, but the "
                          "helper has no window")
    if annotations.get(EXEC_PATH) != helper:
        raise CheckFailed(f"{path}: {EXEC_PATH} is "
                          f"{annotations.get(EXEC_PATH)!r}, not the "
                          f"installed helper {helper!r}")


def languages(folder):
    """The languages listed in FOLDER/LINGUAS, comments left out."""
    names = []
    with open(os.path.join(folder, "LINGUAS"), encoding="utf-8") as file:
        for line in file:
            names.extend(line.split("#", 1)[0].split())
    return names


def check_po(folder):
    listed = languages(folder)
    present = sorted(name[:-3] for name in os.listdir(folder)
                     if name.endswith(".po"))

    # A translation that LINGUAS does not list is never built or installed.
    unlisted = [name for name in present if name not in listed]
    if unlisted:
        raise CheckFailed(f"{folder}: {', '.join(unlisted)} not listed in "
                          "LINGUAS")
    for name in listed:
        po = os.path.join(folder, name + ".po")
        if not os.path.isfile(po):
            raise CheckFailed(f"LINGUAS lists {name}, but {po} is missing")
        status, output = run(["msgfmt", "--check", "--output-file=/dev/null",
                              po])
        if status != 0:
            raise CheckFailed(f"msgfmt --check {po} (status {status}):\n"
                              f"{output}")
    print(f"checked {len(listed)} languages: {' '.join(listed)}")


def check_man(paths):
    env = dict(os.environ, MANWIDTH=MAN_WIDTH, LC_ALL="C.UTF-8",
               MAN_DISABLE_SECCOMP="1", MANPAGER="cat", PAGER="cat")
    for path in paths:
        for argv in (["groff", "-man", "-ww", "-z", "-Tutf8", path],
                     ["man", "--warnings=all", "-E", "UTF-8", "-l", path]):
            # man writes the page itself to standard output: what counts
            # is what groff says on standard error.
            status, errors = run(argv, env, output=False)
            if status != 0 or errors.strip():
                raise CheckFailed(f"{' '.join(argv)} (status {status}):\n"
                                  f"{errors}")

        with open(path, encoding="utf-8") as file:
            text = file.read()
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS",
                        "SEE ALSO"):
            if f'.SH {section}\n' not in text:
                raise CheckFailed(f"{path}: no {section} section")


def main(argv):
    checks = {
        "desktop": (check_desktop, 1),
        "metainfo": (check_metainfo, 1),
        "schemas": (check_schemas, 1),
        "policy": (check_policy, 2),
        "po": (check_po, 1),
    }
    if len(argv) >= 3 and argv[1] == "man":
        check, arguments = check_man, [argv[2:]]
    elif len(argv) >= 2 and argv[1] in checks \
            and len(argv) == 2 + checks[argv[1]][1]:
        check, arguments = checks[argv[1]][0], argv[2:]
    else:
        print(__doc__, file=sys.stderr)
        return 2

    try:
        check(*arguments)
    except CheckFailed as error:
        print(f"FAIL: {error}", file=sys.stderr)
        return 1
    print(f"ok: {argv[1]} {' '.join(argv[2:])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
