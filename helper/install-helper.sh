#!/bin/sh
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
# Gives the installed hopscope-probe the privilege chosen with the meson
# option helper_install.  Run by meson install; honours DESTDIR.
#
# Packagers who build as a normal user, or whose package format records file
# capabilities itself, see the command to run in the message below.
set -eu

mode=$1
helper="${DESTDIR:-}$2"

# Meson from 0.57 up to 1.2 (Debian 12 has 1.0) keeps what an install
# script prints to itself when the script succeeds, and a packager must see
# these lines.  So they go to meson's own output when that is a terminal or
# a pipe and not already ours (newer meson lets the script print there
# itself).  A regular file is left alone: writing to it through a second
# opening would overwrite what meson writes next.
say ()
{
  fd=$1
  shift
  parent="/proc/$PPID/fd/$fd"
  if { [ -p "$parent" ] || [ -c "$parent" ] || [ -S "$parent" ]; } \
     && [ -w "$parent" ] \
     && [ "$(stat -L -c %d:%i "$parent" 2>/dev/null)" \
          != "$(stat -L -c %d:%i "/proc/$$/fd/$fd" 2>/dev/null)" ]; then
    printf '%s\n' "$@" >>"$parent"
  elif [ "$fd" = 1 ]; then
    printf '%s\n' "$@"
  else
    printf '%s\n' "$@" >&2
  fi
}

# A file in a DESTDIR is not yet where it will run: the package must carry
# the privilege over, which not every package format does.
say_staged ()
{
  if [ -n "${DESTDIR:-}" ]; then
    say 1 "  That is the staged file in DESTDIR: a package built from it" \
          "  must keep this, or run as root on the installed file: $1"
  fi
}

case "$mode" in
  capability)
    if setcap cap_net_raw+ep "$helper" 2>/dev/null; then
      say 1 "hopscope-probe: gave $helper the cap_net_raw file capability."
      say_staged "setcap cap_net_raw+ep $2"
    else
      say 2 "hopscope-probe: could not set the capability on $helper." \
            "  A packager must run, as root, on the installed file:" \
            "    setcap cap_net_raw+ep $2"
    fi
    ;;
  setuid)
    if chown root:root "$helper" 2>/dev/null \
       && chmod 4755 "$helper" 2>/dev/null; then
      say 1 "hopscope-probe: made $helper setuid root."
      say_staged "chown root:root $2 && chmod 4755 $2"
    else
      say 2 "hopscope-probe: could not make $helper setuid root." \
            "  A packager must run, as root, on the installed file:" \
            "    chown root:root $2 && chmod 4755 $2"
    fi
    ;;
  none)
    say 1 "hopscope-probe: installed with no privilege (helper_install=none)." \
          "  It probes with ICMP datagram sockets where the system allows" \
          "  them, or through pkexec; to give it its capability, run as root:" \
          "    setcap cap_net_raw+ep $2"
    ;;
  *)
    echo "install-helper.sh: unknown mode '$mode'" >&2
    exit 1
    ;;
esac
