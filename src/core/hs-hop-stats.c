/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>

#include "hs-hop-stats.h"

/* The weight RFC 1889 gives each new jitter in its interarrival estimate. */
#define INTERARRIVAL_GAIN_DIVISOR 16.0

/**
 * hs_hop_stats_init:
 * @self: the statistics to set
 *
 * Sets every figure to its value before the first probe.
 */
void
hs_hop_stats_init (HsHopStats *self)
{
  g_return_if_fail (self != NULL);

  *self = (HsHopStats) {
    .last_us = -1,
    .best_us = -1,
    .worst_us = -1,
  };
}

/**
 * hs_hop_stats_add_sent:
 * @self: the statistics of a hop
 *
 * Counts a probe that has just left; its fate comes later through
 * hs_hop_stats_add_answer() or hs_hop_stats_add_lost().
 */
void
hs_hop_stats_add_sent (HsHopStats *self)
{
  g_return_if_fail (self != NULL);

  self->sent++;
}

/**
 * hs_hop_stats_add_answer:
 * @self: the statistics of a hop
 * @round_trip_us: the probe's round-trip time, in microseconds
 *
 * Counts an answered probe and folds its round-trip time into every figure.
 */
void
hs_hop_stats_add_answer (HsHopStats *self,
                         gint64 round_trip_us)
{
  double x = 0.0;
  double previous_mean = 0.0;
  gint64 jitter = 0;

  g_return_if_fail (self != NULL);
  g_return_if_fail (round_trip_us >= 0);

  x = (double) round_trip_us;

  /* The jitter compares with the previous answer, whatever was lost in
   * between; the first answer has nothing to compare with. */
  if (self->answered > 0)
    {
      jitter = ABS (round_trip_us - self->last_us);
      self->jitter_count++;
    }
  self->jitter_last_us = jitter;
  self->last_us = round_trip_us;

  if (self->answered == 0 || round_trip_us < self->best_us)
    self->best_us = round_trip_us;
  if (self->answered == 0 || round_trip_us > self->worst_us)
    self->worst_us = round_trip_us;
  if (jitter > self->jitter_worst_us)
    self->jitter_worst_us = jitter;

  self->answered++;

  /* Welford's update keeps the mean and the sum of squares exact enough
   * over a day of samples, where a plain sum of squares would not. */
  previous_mean = self->mean_us;
  self->mean_us += (x - previous_mean) / self->answered;
  self->m2 += (x - previous_mean) * (x - self->mean_us);

  self->jitter_mean_us +=
    ((double) jitter - self->jitter_mean_us) / self->answered;
  self->jitter_interarrival_us +=
    (double) jitter
    - self->jitter_interarrival_us / INTERARRIVAL_GAIN_DIVISOR;

  /* Below the clock's resolution a time reads 0 us; its logarithm would
   * drag the geometric mean to 0 for the rest of the trace. */
  self->log_sum += log (MAX (x, 1.0));
}

/**
 * hs_hop_stats_add_lost:
 * @self: the statistics of a hop
 *
 * Counts a probe whose timeout passed without a reply.
 */
void
hs_hop_stats_add_lost (HsHopStats *self)
{
  g_return_if_fail (self != NULL);

  self->lost++;
}

/**
 * hs_hop_stats_get_in_flight:
 * @self: the statistics of a hop
 *
 * Returns: the probes sent whose fate is not known yet
 */
guint
hs_hop_stats_get_in_flight (const HsHopStats *self)
{
  guint known = 0;

  g_return_val_if_fail (self != NULL, 0);

  known = self->answered + self->lost;

  return self->sent > known ? self->sent - known : 0;
}

/**
 * hs_hop_stats_get_loss_percent:
 * @self: the statistics of a hop
 *
 * Returns: the percent of the probes with a known fate that were lost,
 *   0 while no probe has one
 */
double
hs_hop_stats_get_loss_percent (const HsHopStats *self)
{
  guint known = 0;

  g_return_val_if_fail (self != NULL, 0.0);

  known = self->answered + self->lost;
  if (known == 0)
    return 0.0;

  return 100.0 * self->lost / known;
}

/**
 * hs_hop_stats_get_mean_us:
 * @self: the statistics of a hop
 *
 * Returns: the mean round-trip time in microseconds, 0 while none
 */
double
hs_hop_stats_get_mean_us (const HsHopStats *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  return self->answered > 0 ? self->mean_us : 0.0;
}

/**
 * hs_hop_stats_get_deviation_us:
 * @self: the statistics of a hop
 *
 * Returns: the sample standard deviation of the round-trip times in
 *   microseconds, 0 while fewer than two probes were answered
 */
double
hs_hop_stats_get_deviation_us (const HsHopStats *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  if (self->answered < 2)
    return 0.0;

  /* Rounding can leave a hair below 0 when every sample is equal. */
  return sqrt (MAX (self->m2, 0.0) / (self->answered - 1));
}

/**
 * hs_hop_stats_get_geometric_mean_us:
 * @self: the statistics of a hop
 *
 * Returns: the geometric mean of the round-trip times in microseconds,
 *   0 while none
 */
double
hs_hop_stats_get_geometric_mean_us (const HsHopStats *self)
{
  g_return_val_if_fail (self != NULL, 0.0);

  if (self->answered == 0)
    return 0.0;

  return exp (self->log_sum / self->answered);
}
