/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "hs-diagnosis.h"
#include "hs-probe-client.h"
#include "hs-trace-data.h"

G_BEGIN_DECLS

/* The report formats.  The first three are shaped like the mtr output of
 * the same name so that scripts written for mtr read them, with
 * Hopscope's jitter figures (and, in JSON, its responders, timing and
 * diagnosis) added; Markdown is for people and ticket systems. */
typedef enum
{
  HS_REPORT_FORMAT_TEXT,       /* mtr --report */
  HS_REPORT_FORMAT_JSON,       /* mtr --json */
  HS_REPORT_FORMAT_CSV,        /* mtr --csv */
  HS_REPORT_FORMAT_MARKDOWN,   /* GitHub-flavoured Markdown */
} HsReportFormat;

/* The hops of HOPS (a model of HsHop ordered by time-to-live) that a report
 * lists: up to N_VISIBLE, and, when the target never answered, no further
 * than one hop past the last hop that did, as mtr does. */
guint  hs_report_get_n_hops  (GListModel *hops,
                              guint n_visible);

/* Writes the first DATA->n_hops hops of DATA as a report in FORMAT, with
 * FINDINGS (HsFinding, most important first, as hs_diagnose() gives them)
 * after the table; NULL for none.  WIDE: text reports print names in full
 * rather than cut to mtr's column.  When DATA is cut to a time range, the
 * report says so.  Returns the whole text, ending with a newline.
 *
 * CSV carries neither the findings nor a range statement, because scripts
 * parse its rows; its Start_Time column is the start of the range when
 * there is one.  JSON puts both in the top-level "hopscope" object:
 * "findings", an array of {kind, hop, loss_percent, before_ms, after_ms,
 * changed, sentence} (null for NULL FINDINGS), and "range", {from, to} or
 * null for the whole trace. */
char  *hs_report_write_data  (HsReportFormat format,
                              const HsTraceData *data,
                              GPtrArray *findings,
                              gboolean wide);

/* The sentence that says a report or a view covers a time range alone:
 * "Between 12:03:10 and 12:05:40 UTC only" (translated), with the dates
 * too when the range spans midnight. */
char  *hs_report_describe_range (gint64 from_us,
                                 gint64 to_us);

const char *hs_report_protocol_to_string (HsProtocol protocol);
const char *hs_report_route_to_string    (HsHelperRoute route);

G_END_DECLS
