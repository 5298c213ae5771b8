#!/bin/sh
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs each built fuzz target (the helper's parsers, the recording reader)
# for SECONDS seconds over a copy of its seed corpus, and fails if any of
# them crashes.  It builds nothing: set up a build with
#   CC=clang meson setup BUILD -Dfuzzing=true && ninja -C BUILD
#
# Usage: run-fuzzers.sh [SECONDS] [BUILD]
#   SECONDS  how long each target runs (default 60)
#   BUILD    the build folder (default: $MESON_BUILD_ROOT, else ./_build)
#
# A crashing input is kept in BUILD/tests/fuzz/crashes/ and its name is
# printed; the working copies of the corpora are removed either way.

set -u

seconds=${1:-60}
build=${2:-${MESON_BUILD_ROOT:-_build}}
here=$(cd "$(dirname "$0")" && pwd)

case $seconds in
    ''|*[!0-9]*)
        echo "run-fuzzers.sh: SECONDS must be a number, not '$seconds'" >&2
        exit 2
        ;;
esac

fuzz_build=$build/tests/fuzz
if [ ! -d "$fuzz_build" ]; then
    echo "run-fuzzers.sh: no $fuzz_build; set up with -Dfuzzing=true" >&2
    exit 2
fi
fuzz_build=$(cd "$fuzz_build" && pwd)

crashes=$fuzz_build/crashes
work=$(mktemp -d "$fuzz_build/work.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$crashes"

status=0
ran=0
for name in command decode recording; do
    case $name in
        recording) target=$fuzz_build/fuzz-$name ;;
        *) target=$fuzz_build/fuzz-probe-$name ;;
    esac
    if [ ! -x "$target" ]; then
        echo "run-fuzzers.sh: $target is not built" >&2
        status=1
        continue
    fi

    # libFuzzer adds what it finds to the first corpus folder: a copy
    # keeps the seed corpus in the source tree as it is.
    corpus=$work/$name
    mkdir -p "$corpus"
    cp "$here/corpus/$name/"* "$corpus/"

    # Requests may run past the line limit and packets up to an Ethernet
    # frame, whatever the seeds' sizes; recordings get room for a few hops
    # of probes.
    case $name in
        command) max_len=10000 ;;
        recording) max_len=16384 ;;
        *) max_len=1500 ;;
    esac

    set -- -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/$name-"
    if [ -f "$here/$name.dict" ]; then
        set -- "$@" -dict="$here/$name.dict"
    fi

    echo "== $(basename "$target") for ${seconds}s"
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$target" "$@" "$corpus" >"$work/$name.log" 2>&1
    result=$?
    ran=$((ran + 1))

    grep -E '^(stat::|Done|INFO: seed corpus)' "$work/$name.log"
    if [ "$result" -ne 0 ]; then
        echo "$(basename "$target") FAILED with status $result:" >&2
        tail -n 60 "$work/$name.log" >&2
        ls -l "$crashes" >&2
        status=1
    else
        echo "$(basename "$target"): no crash"
    fi
done

if [ "$ran" -eq 0 ]; then
    echo "run-fuzzers.sh: no fuzz target ran" >&2
    exit 1
fi
exit "$status"
