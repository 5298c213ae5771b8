/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "hs-hop.h"
#include "hs-probe-client.h"
#include "hs-probe-service.h"

G_BEGIN_DECLS

typedef enum
{
  HS_ADDRESS_FAMILY_ANY,
  HS_ADDRESS_FAMILY_IPV4,
  HS_ADDRESS_FAMILY_IPV6,
} HsAddressFamily;

/* What to trace and how; every field has a default from
 * hs_trace_options_init(). */
typedef struct
{
  char *target;                /* a name or an address */
  HsAddressFamily family;      /* default any */
  HsProtocol protocol;         /* default ICMP */
  guint port;                  /* UDP and TCP; 0: the helper's default */
  guint first_ttl;             /* default 1 */
  guint max_ttl;               /* default 30 */
  guint size;                  /* total packet length, 0: the smallest */
  guint interval_ms;           /* between rounds, default 1000 */
  guint timeout_seconds;       /* default 2 */
  guint count;                 /* rounds, 0: until stopped */
  gboolean resolve_names;      /* default TRUE */
} HsTraceOptions;

void hs_trace_options_init  (HsTraceOptions *options);
void hs_trace_options_clear (HsTraceOptions *options);
void hs_trace_options_copy  (const HsTraceOptions *from,
                             HsTraceOptions *to);

typedef enum
{
  HS_TRACE_STATE_IDLE,         /* never started, or reset */
  HS_TRACE_STATE_RESOLVING,    /* looking up the target's address */
  HS_TRACE_STATE_STARTING,     /* starting the helper */
  HS_TRACE_STATE_RUNNING,
  HS_TRACE_STATE_PAUSED,
  HS_TRACE_STATE_FINISHED,     /* the rounds asked for are all in */
  HS_TRACE_STATE_FAILED,       /* see hs_trace_get_error(); data is kept */
} HsTraceState;

/* Defined in hs-trace-data.h. */
typedef struct _HsTraceData HsTraceData;

#define HS_TYPE_TRACE (hs_trace_get_type ())

G_DECLARE_FINAL_TYPE (HsTrace, hs_trace, HS, TRACE, GObject)

/* HELPER_ARGV: how to start the helper; NULL picks the installed one (or
 * $HOPSCOPE_PROBE when set). */
HsTrace              *hs_trace_new              (const HsTraceOptions *options,
                                                 const char * const *helper_argv);
/* A finished trace that shows DATA (hs-trace-data.h) and never probes. */
HsTrace              *hs_trace_new_from_data    (const HsTraceData *data);
gboolean              hs_trace_is_read_only     (HsTrace *self);
const HsTraceOptions *hs_trace_get_options      (HsTrace *self);
/* Resolves the target, starts the helper and probes.  Also continues a
 * paused trace, a finished one (for count more rounds), or one whose
 * helper died (a new helper; the data is kept). */
void                  hs_trace_start            (HsTrace *self);
void                  hs_trace_pause            (HsTrace *self);
/* Forgets every hop and statistic; the trace is idle again. */
void                  hs_trace_reset            (HsTrace *self);
HsTraceState          hs_trace_get_state        (HsTrace *self);
/* Why the trace failed, in words for the user, when FAILED; or, when it
 * went back to IDLE or PAUSED because the pkexec dialog was dismissed, a
 * G_IO_ERROR_CANCELLED that says so.  NULL otherwise. */
const GError         *hs_trace_get_error        (HsTrace *self);
GInetAddress         *hs_trace_get_address      (HsTrace *self);
/* The hops, HsHop objects ordered by time-to-live, first_ttl first. */
GListModel           *hs_trace_get_hops         (HsTrace *self);
/* Hops up to and including the target, once it answered; else all. */
guint                 hs_trace_get_n_visible_hops (HsTrace *self);
/* Rounds that are in: every probe of theirs has a fate. */
guint                 hs_trace_get_rounds       (HsTrace *self);
HsHelperRoute         hs_trace_get_route        (HsTrace *self);
/* Shares SERVICE's helper (see hs-probe-service.h) instead of starting
 * one of the trace's own; before the trace first starts. */
void                  hs_trace_set_probe_service (HsTrace *self,
                                                  HsProbeService *service);
/* Probes sent a second over the last five seconds. */
double                hs_trace_get_probe_rate   (HsTrace *self);
/* When the first probe left (g_get_real_time()), 0 before. */
gint64                hs_trace_get_start_time   (HsTrace *self);

/* Rounds: the first probes every time-to-live from first_ttl to max_ttl
 * at once; the next start every interval_ms on a fixed schedule.  Once
 * the target answered at a time-to-live, the hops above it leave the model
 * and are not probed again.  A round is in when every probe has a fate:
 * after the target's reply, the probes still out wait three times its
 * round-trip time (50 ms at least), then count as lost; without one, the
 * helper's timeout applies.
 *
 * Signals:
 *   "hop-changed" (HsHop *hop): a hop's figures or responders changed.
 *   "round-finished" (guint round): every probe of that round is in.
 *   "state-changed": see hs_trace_get_state().
 *   "finished": the rounds asked for are all in. */

G_END_DECLS
