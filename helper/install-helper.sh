#!/bin/sh
# Gives the installed hopscope-probe the privilege chosen with the meson
# option helper_install.  Run by meson install; honours DESTDIR.
#
# Packagers who build as a normal user, or whose package format records file
# capabilities itself, see the command to run in the message below.
set -eu

mode=$1
helper="${DESTDIR:-}$2"

case "$mode" in
  capability)
    if setcap cap_net_raw+ep "$helper" 2>/dev/null; then
      echo "hopscope-probe: gave $helper the cap_net_raw file capability"
    else
      echo "hopscope-probe: could not set the capability on $helper." >&2
      echo "  A packager must run, as root, on the installed file:" >&2
      echo "    setcap cap_net_raw+ep $2" >&2
    fi
    ;;
  setuid)
    if chown root:root "$helper" 2>/dev/null && chmod 4755 "$helper"; then
      echo "hopscope-probe: made $helper setuid root"
    else
      echo "hopscope-probe: could not make $helper setuid root." >&2
      echo "  A packager must run, as root, on the installed file:" >&2
      echo "    chown root:root $2 && chmod 4755 $2" >&2
    fi
    ;;
  none)
    ;;
  *)
    echo "install-helper.sh: unknown mode '$mode'" >&2
    exit 1
    ;;
esac
