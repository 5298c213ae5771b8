/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "hs-probe-client.h"

G_BEGIN_DECLS

/* The three report formats, each shaped like the mtr output of the same
 * name so that scripts written for mtr read it, with Hopscope's jitter
 * figures (and, in JSON, its responders and timing) added. */
typedef enum
{
  HS_REPORT_FORMAT_TEXT,       /* mtr --report */
  HS_REPORT_FORMAT_JSON,       /* mtr --json */
  HS_REPORT_FORMAT_CSV,        /* mtr --csv */
} HsReportFormat;

/* What a report says about the trace as a whole.  Pointers are borrowed. */
typedef struct
{
  const char *local_name;      /* this machine's host name, "HOST:" */
  const char *target;          /* the target as the user gave it */
  HsProtocol protocol;
  guint size;                  /* probe size in bytes as asked for */
  guint count;                 /* the rounds asked for */
  gint64 started_us;           /* g_get_real_time () at the start */
  gint64 finished_us;          /* and when the last round was in */
  HsHelperRoute route;
  gboolean wide;               /* text: full names, never cut */
} HsReportInfo;

/* The hops of HOPS (a model of HsHop ordered by time-to-live) that a report
 * lists: up to N_VISIBLE, and, when the target never answered, no further
 * than one hop past the last hop that did, as mtr does. */
guint  hs_report_get_n_hops  (GListModel *hops,
                              guint n_visible);

/* Writes the first N_HOPS hops of HOPS as a report in FORMAT.  Returns the
 * whole text, ending with a newline. */
char  *hs_report_write       (HsReportFormat format,
                              const HsReportInfo *info,
                              GListModel *hops,
                              guint n_hops);

const char *hs_report_protocol_to_string (HsProtocol protocol);
const char *hs_report_route_to_string    (HsHelperRoute route);

G_END_DECLS
