/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "hs-history.h"
#include "hs-hop-stats.h"

G_BEGIN_DECLS

/* A router (or the target) seen answering at a hop.  Several at one hop
 * are normal: load balancing sends different probes different ways. */
typedef struct
{
  GInetAddress *address;
  char *name;             /* reverse DNS name, NULL until resolved or none */
  guint answers;
  char *mpls;             /* the MPLS label stack of its last answer,
                           * "L,TC,S,TTL[,...]", NULL when that had none */
} HsResponder;

#define HS_TYPE_HOP (hs_hop_get_type ())

/* One time-to-live of a trace: its statistics, the history of its probes
 * and the routers that answered there.
 *
 * Signals:
 *   "changed" (no arguments): emitted once by every call of record_*,
 *   set_responder_name and reset, after the hop took the change in. */
G_DECLARE_FINAL_TYPE (HsHop, hs_hop, HS, HOP, GObject)

HsHop              *hs_hop_new                 (guint ttl);
guint               hs_hop_get_ttl             (HsHop *self);
const HsHopStats   *hs_hop_get_stats           (HsHop *self);
HsHistory          *hs_hop_get_history         (HsHop *self);
/* The responders in the order they were first seen; index 0 of the
 * history's responder field means "none", so record N names entry N - 1. */
guint               hs_hop_get_n_responders    (HsHop *self);
const HsResponder  *hs_hop_get_responder       (HsHop *self,
                                                guint index);
/* The responder that answered most often, NULL while none has; of two
 * with as many answers, the one seen first. */
const HsResponder  *hs_hop_get_main_responder  (HsHop *self);
/* Percent of this hop's answers (those naming a responder) that the
 * responder at INDEX gave; 0 while there is none. */
double              hs_hop_get_responder_share (HsHop *self,
                                                guint index);
/* TRUE once the target itself answered at this hop. */
gboolean            hs_hop_is_target           (HsHop *self);

/* What the trace engine records; each emits HsHop::changed.  A probe is
 * recorded as sent when it leaves, then once more when its fate is known,
 * by record_answer or record_lost with the same SENT_US.  RESPONDER may be
 * NULL for a reply that names no address; MPLS is the reply's label stack
 * or NULL. */
void                hs_hop_record_sent         (HsHop *self);
void                hs_hop_record_answer       (HsHop *self,
                                                gint64 sent_us,
                                                gint64 round_trip_us,
                                                GInetAddress *responder,
                                                const char *mpls,
                                                gboolean is_target);
void                hs_hop_record_lost         (HsHop *self,
                                                gint64 sent_us);
/* Names the responder at ADDRESS (NAME NULL: it has none); does nothing
 * but emit HsHop::changed when no responder has that address. */
void                hs_hop_set_responder_name  (HsHop *self,
                                                GInetAddress *address,
                                                const char *name);
/* A new hop with only the probes HOP sent at or after FROM_US and before
 * TO_US (0 and G_MAXINT64 take them all), its statistics, responders and
 * their shares recomputed from them, its names and MPLS labels kept.  Each
 * probe is counted as it is in the history: in send order, with no probe
 * in flight, so jitter may differ from the live figure by the order of
 * arrival. */
HsHop              *hs_hop_copy_range          (HsHop *self,
                                                gint64 from_us,
                                                gint64 to_us);
/* Hides the responder at INDEX before the hop is shared: its address
 * becomes the unspecified address of its family and its name LABEL; its
 * answers, share and history stay.  For a copy that records nothing more
 * (see hs-privacy.h); emits HsHop::changed. */
void                hs_hop_hide_responder      (HsHop *self,
                                                guint index,
                                                const char *label);
/* Forgets every probe and responder; the time-to-live stays. */
void                hs_hop_reset               (HsHop *self);

G_END_DECLS
