/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "hs-trace-data.h"

G_BEGIN_DECLS

/* What the diagnosis can say of a path; the rules and thresholds behind
 * each kind are in docs/diagnosis.md.  The nicks (hs_finding_kind_to_string)
 * are the "kind" of the JSON report's findings and never change. */
typedef enum
{
  HS_FINDING_LOSS_ON_PATH,     /* "loss-on-path": loss from hop TTL on, that
                                * persists to the target (or to the last
                                * hop that answers, when the target never
                                * does) */
  HS_FINDING_RATE_LIMITED,     /* "rate-limited": loss at hop TTL that the
                                * hops after it do not share: that router
                                * limits its ICMP answers, not a fault */
  HS_FINDING_LATENCY_STEP,     /* "latency-step": the round-trip time steps
                                * up at hop TTL and stays up after it */
  HS_FINDING_SILENT_HOP,       /* "silent-hop": hop TTL never answers, the
                                * hops after it do: not a fault */
  HS_FINDING_TARGET_SILENT,    /* "target-silent": the target never
                                * answered; TTL 0 */
  HS_FINDING_PATH_CHANGED,     /* "path-changed": the router at hop TTL
                                * changed at CHANGED_US and the old one
                                * never answered again (load balancing,
                                * whose routers answer all along, is no
                                * change) */
  HS_FINDING_HEALTHY,          /* "healthy": none of the above, or too few
                                * probes to tell (the sentence says
                                * which); TTL 0 */
} HsFindingKind;

/* One finding, with the figures it rests on.  Figures that do not apply to
 * a kind are -1 (and 0 for CHANGED_US). */
typedef struct
{
  HsFindingKind kind;
  guint ttl;                   /* the hop it is about; 0 for the path */
  double loss_percent;         /* LOSS_ON_PATH: the loss at the end of the
                                * path (the target's, or the last
                                * answering hop's); RATE_LIMITED: that
                                * hop's loss */
  double before_ms;            /* LATENCY_STEP: mean round trip of the hop
                                * before the step */
  double after_ms;             /* and of the hop at the step */
  gint64 changed_us;           /* PATH_CHANGED: real time of the change,
                                * the send time of the new router's first
                                * answer */
  char *sentence;              /* plain language for people, translated */
} HsFinding;

/* Judges the first DATA->n_hops hops of DATA.  Returns HsFinding pointers
 * (freed with the array), most important first; never empty: a path with
 * nothing to say gets one HS_FINDING_HEALTHY. */
GPtrArray  *hs_diagnose                (const HsTraceData *data);
const char *hs_finding_kind_to_string  (HsFindingKind kind);
void        hs_finding_free            (HsFinding *finding);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HsFinding, hs_finding_free)

G_END_DECLS
