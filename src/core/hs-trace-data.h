/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "hs-hop.h"
#include "hs-probe-client.h"
#include "hs-trace.h"

G_BEGIN_DECLS

/* Everything a report, a snapshot or a recording says about one trace,
 * detached from it: its settings and circumstances, and a copy of its
 * hops.  Made from a live trace, read from a recording, or cut to a time
 * range; whoever holds it reads it, nobody changes it. */
struct _HsTraceData
{
  HsTraceOptions options;      /* as the trace was asked for */
  char *address;               /* the target's address, NULL if never found */
  HsHelperRoute route;         /* how the helper probed */
  char *local_name;            /* the host name of the machine that probed */
  char *version;               /* the Hopscope that measured */
  gint64 started_us;           /* real time of the first round, 0 if none */
  gint64 finished_us;          /* real time the data was taken */
  guint rounds;                /* rounds started */
  GListStore *hops;            /* HsHop by time-to-live from first_ttl */
  guint n_hops;                /* the hops a report lists (see
                                * hs_report_get_n_hops()) */
  /* The time range the hops were cut to; both 0 for the whole trace. */
  gint64 range_from_us;
  gint64 range_to_us;
};

/* A copy of TRACE as it is now. */
HsTraceData *hs_trace_data_new_from_trace (HsTrace *trace);
/* What TRACE measured, holding the trace's own hops rather than copies:
 * for what reads it at once and keeps nothing.  CIRCUMSTANCES, when TRACE
 * shows a recording, give the options, host, version and times in place
 * of the trace's and this machine's. */
HsTraceData *hs_trace_data_new_sharing    (HsTrace *trace,
                                           const HsTraceData *circumstances);
/* An empty HsTraceData for a reader to fill: options initialised, an
 * empty hops store. */
HsTraceData *hs_trace_data_new            (void);
/* A copy of DATA with only the probes sent at or after FROM_US and before
 * TO_US; the range is kept, so that every view and export says it. */
HsTraceData *hs_trace_data_cut            (const HsTraceData *data,
                                           gint64 from_us,
                                           gint64 to_us);
void         hs_trace_data_free           (HsTraceData *data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HsTraceData, hs_trace_data_free)

G_END_DECLS
