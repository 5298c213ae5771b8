/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses of `hopscope --report`. */
#define HS_CLI_EXIT_OK 0
#define HS_CLI_EXIT_FAILED 1        /* the trace failed: a host, the helper;
                                     * or a recording could not be read, or
                                     * a recording or snapshot written */
#define HS_CLI_EXIT_USAGE 2         /* the command line is wrong */
#define HS_CLI_EXIT_INTERRUPTED 130 /* stopped by SIGINT or SIGTERM */

/* TRUE when ARGV asks for a report on standard output rather than the
 * window: -r/--report, one of the report formats -w/--report-wide,
 * -j/--json, -C/--csv or --markdown, alone or in a group of short options
 * ("-rn"), or --snapshot, which draws without a display. */
gboolean hs_cli_wants_report (int argc,
                              char **argv);

/* Runs `hopscope --report [OPTION...] TARGET`: traces TARGET for the rounds
 * asked for, with a plain main loop and no display, and prints the report
 * once the last round is in, with the recording (--record) and the
 * snapshot (--snapshot) asked for; or, with --open FILE and no target,
 * does the same from a recording.  Returns the exit status. */
int      hs_cli_run_report   (int argc,
                              char **argv);

G_END_DECLS
