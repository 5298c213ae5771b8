/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The running statistics of one hop.  Every figure is the one mtr shows in
 * its columns of the same name, computed the same way, but in exact
 * (floating point) arithmetic where mtr rounds to whole microseconds.  For
 * the N answers of a hop, with round-trip times x1 ... xN in the order the
 * answers arrived:
 *
 * - Snt  (sent): probes sent, those still in flight included.
 * - Rcv  (answered): probes that got a reply of any kind.
 * - lost: probes whose timeout passed without a reply.
 * - Loss%: 100 * lost / (answered + lost), that is over the probes whose
 *   fate is known; probes in flight count neither way, and it is 0 while no
 *   probe has a known fate.  mtr counts every unanswered probe but the most
 *   recent one as lost; this waits for each probe's own timeout, so a burst
 *   of probes in flight does not read as loss.
 * - Last (last_us): xN, -1 until the first answer.
 * - Best, Wrst (best_us, worst_us): the smallest and largest xi.
 * - Avg: the arithmetic mean of the xi (Welford's running mean).
 * - StDev: the sample standard deviation, sqrt (sum ((xi - Avg)^2) / (N - 1)),
 *   kept with Welford's method (m2 is the running sum of squares); 0 while
 *   N < 2.
 * - Gmean: the geometric mean, exp (sum (ln xi) / N).  A round-trip time of
 *   0 us (below the clock's resolution) counts as 1 us, so that one such
 *   sample does not pin the mean at 0 for good.
 * - Jttr (jitter_last_us): the jitter of the last answer, |xN - x(N-1)|: the
 *   change from the previous answered probe, however many probes were lost
 *   between them.  The first answer has jitter 0.
 * - Javg (jitter_mean_us): the mean jitter over all N answers, the first one
 *   counting as 0: sum (|xi - x(i-1)|, i = 2 ... N) / N.  This is mtr's
 *   figure; it reads a little low on short runs.
 * - Jmax (jitter_worst_us): the largest jitter.
 * - Jint (jitter_interarrival_us): the interarrival jitter in the form of
 *   RFC 1889 appendix A.8 as mtr keeps it, J1 = 0 and
 *   Ji = J(i-1) + |xi - x(i-1)| - J(i-1) / 16.  This is an exponential
 *   smoothing of the jitter scaled by 16: on a path whose jitter stays at d
 *   it tends to 16 * d.  Divide by 16 for RFC 3550's J.
 * - jitter_count: the jitters measured so far, N - 1 (0 while N < 2).
 *
 * Probes are counted once each: the trace engine calls add_sent when a probe
 * leaves and then exactly one of add_answer or add_lost. */
typedef struct
{
  guint sent;            /* probes sent, those still in flight included */
  guint answered;        /* probes with a reply of any kind */
  guint lost;            /* probes that timed out */
  gint64 last_us;        /* -1 until the first answer */
  gint64 best_us;        /* -1 until the first answer */
  gint64 worst_us;       /* -1 until the first answer */
  double mean_us;        /* 0 until the first answer */
  double m2;             /* Welford's sum of squared differences */
  double log_sum;        /* sum of ln (round-trip time in us) */
  gint64 jitter_last_us;
  double jitter_mean_us;
  gint64 jitter_worst_us;
  double jitter_interarrival_us;
  guint jitter_count;
} HsHopStats;

/* Sets every figure to "nothing seen yet". */
void    hs_hop_stats_init                (HsHopStats *self);
void    hs_hop_stats_add_sent            (HsHopStats *self);
/* ROUND_TRIP_US must not be negative. */
void    hs_hop_stats_add_answer          (HsHopStats *self,
                                          gint64 round_trip_us);
void    hs_hop_stats_add_lost            (HsHopStats *self);
/* Probes sent whose fate is not known yet. */
guint   hs_hop_stats_get_in_flight       (const HsHopStats *self);
/* Percent of the probes with a known fate that were lost; 0 when none. */
double  hs_hop_stats_get_loss_percent    (const HsHopStats *self);
/* The next three are 0 while no probe was answered. */
double  hs_hop_stats_get_mean_us         (const HsHopStats *self);
double  hs_hop_stats_get_deviation_us    (const HsHopStats *self);
double  hs_hop_stats_get_geometric_mean_us (const HsHopStats *self);

G_END_DECLS
