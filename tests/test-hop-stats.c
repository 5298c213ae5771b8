/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib.h>
#include <math.h>

#include "hs-hop-stats.h"

/* The figures below are worked out by hand in the comments; the tolerance
 * only absorbs the rounding of the last digits of a double. */
#define EPSILON 1e-6

static void
test_empty (void)
{
  HsHopStats stats;

  hs_hop_stats_init (&stats);

  g_assert_cmpuint (stats.sent, ==, 0);
  g_assert_cmpuint (stats.answered, ==, 0);
  g_assert_cmpuint (stats.lost, ==, 0);
  g_assert_cmpint (stats.last_us, ==, -1);
  g_assert_cmpint (stats.best_us, ==, -1);
  g_assert_cmpint (stats.worst_us, ==, -1);
  g_assert_cmpuint (hs_hop_stats_get_in_flight (&stats), ==, 0);
  g_assert_cmpfloat (hs_hop_stats_get_loss_percent (&stats), ==, 0.0);
  g_assert_cmpfloat (hs_hop_stats_get_mean_us (&stats), ==, 0.0);
  g_assert_cmpfloat (hs_hop_stats_get_deviation_us (&stats), ==, 0.0);
  g_assert_cmpfloat (hs_hop_stats_get_geometric_mean_us (&stats), ==, 0.0);
  g_assert_cmpint (stats.jitter_last_us, ==, 0);
  g_assert_cmpuint (stats.jitter_count, ==, 0);
}

/* Four probes: 10 ms, lost, 20 ms, 30 ms. */
static void
test_loss (void)
{
  HsHopStats stats;

  hs_hop_stats_init (&stats);
  for (guint i = 0; i < 4; i++)
    hs_hop_stats_add_sent (&stats);
  hs_hop_stats_add_answer (&stats, 10000);
  hs_hop_stats_add_lost (&stats);
  hs_hop_stats_add_answer (&stats, 20000);
  hs_hop_stats_add_answer (&stats, 30000);

  /* One lost of four with a known fate: 25 %. */
  g_assert_cmpuint (stats.sent, ==, 4);
  g_assert_cmpuint (stats.answered, ==, 3);
  g_assert_cmpuint (stats.lost, ==, 1);
  g_assert_cmpuint (hs_hop_stats_get_in_flight (&stats), ==, 0);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_loss_percent (&stats),
                                  25.0, EPSILON);

  /* Last 30 ms, best 10 ms, worst 30 ms, mean (10 + 20 + 30) / 3 = 20 ms. */
  g_assert_cmpint (stats.last_us, ==, 30000);
  g_assert_cmpint (stats.best_us, ==, 10000);
  g_assert_cmpint (stats.worst_us, ==, 30000);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_mean_us (&stats),
                                  20000.0, EPSILON);

  /* Deviations from the mean: -10, 0, +10 ms; squares 100 + 0 + 100 =
   * 200 ms^2; divided by N - 1 = 2: 100 ms^2; root: 10 ms. */
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_deviation_us (&stats),
                                  10000.0, EPSILON);

  /* Geometric mean: cube root of 10 * 20 * 30 = 6000 ms^3, that is
   * 10 * cbrt (6) = 18.171205928321... ms. */
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_geometric_mean_us (&stats),
                                  18171.205928321, EPSILON);

  /* Jitters: 0 (first answer), |20 - 10| = 10 ms across the loss,
   * |30 - 20| = 10 ms.  Last 10 ms, worst 10 ms, mean over the three answers
   * (0 + 10 + 10) / 3 = 6.666... ms, two jitters measured. */
  g_assert_cmpint (stats.jitter_last_us, ==, 10000);
  g_assert_cmpint (stats.jitter_worst_us, ==, 10000);
  g_assert_cmpfloat_with_epsilon (stats.jitter_mean_us, 20000.0 / 3, EPSILON);
  g_assert_cmpuint (stats.jitter_count, ==, 2);

  /* Interarrival: J1 = 0; J2 = 0 + 10 - 0 / 16 = 10 ms;
   * J3 = 10 + 10 - 10 / 16 = 19.375 ms. */
  g_assert_cmpfloat_with_epsilon (stats.jitter_interarrival_us, 19375.0,
                                  EPSILON);
}

/* Four answers whose jitters differ: 10, 30, 15, 15 ms. */
static void
test_jitter (void)
{
  HsHopStats stats;

  hs_hop_stats_init (&stats);
  hs_hop_stats_add_answer (&stats, 10000);
  hs_hop_stats_add_answer (&stats, 30000);
  hs_hop_stats_add_answer (&stats, 15000);
  hs_hop_stats_add_answer (&stats, 15000);

  /* Jitters 0, 20, 15, 0 ms: the last is 0, the worst 20, the mean
   * (0 + 20 + 15 + 0) / 4 = 8.75 ms. */
  g_assert_cmpint (stats.jitter_last_us, ==, 0);
  g_assert_cmpint (stats.jitter_worst_us, ==, 20000);
  g_assert_cmpfloat_with_epsilon (stats.jitter_mean_us, 8750.0, EPSILON);
  g_assert_cmpuint (stats.jitter_count, ==, 3);

  /* J1 = 0; J2 = 0 + 20 = 20 ms; J3 = 20 + 15 - 20 / 16 = 33.75 ms;
   * J4 = 33.75 + 0 - 33.75 / 16 = 33.75 - 2.109375 = 31.640625 ms. */
  g_assert_cmpfloat_with_epsilon (stats.jitter_interarrival_us, 31640.625,
                                  EPSILON);

  /* Mean 17.5 ms; deviations -7.5, 12.5, -2.5, -2.5 ms; squares 56.25 +
   * 156.25 + 6.25 + 6.25 = 225 ms^2; / 3 = 75 ms^2; root 8.660254037844 ms.
   * Geometric mean: fourth root of 10 * 30 * 15 * 15 = 67500 ms^4,
   * 16.118548977353 ms. */
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_mean_us (&stats),
                                  17500.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_deviation_us (&stats),
                                  8660.254037844, EPSILON);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_geometric_mean_us (&stats),
                                  16118.548977353, EPSILON);
  g_assert_cmpint (stats.best_us, ==, 10000);
  g_assert_cmpint (stats.worst_us, ==, 30000);
}

/* 10 ms, three losses, 14 ms: the jitter spans the run of losses. */
static void
test_loss_run (void)
{
  HsHopStats stats;

  hs_hop_stats_init (&stats);
  for (guint i = 0; i < 5; i++)
    hs_hop_stats_add_sent (&stats);
  hs_hop_stats_add_answer (&stats, 10000);
  for (guint i = 0; i < 3; i++)
    hs_hop_stats_add_lost (&stats);

  /* Three lost of four known: 75 %, the last answer still 10 ms. */
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_loss_percent (&stats),
                                  75.0, EPSILON);
  g_assert_cmpint (stats.last_us, ==, 10000);
  g_assert_cmpuint (hs_hop_stats_get_in_flight (&stats), ==, 1);

  /* Three lost of five: 60 %; jitter |14 - 10| = 4 ms. */
  hs_hop_stats_add_answer (&stats, 14000);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_loss_percent (&stats),
                                  60.0, EPSILON);
  g_assert_cmpint (stats.jitter_last_us, ==, 4000);
  g_assert_cmpint (stats.jitter_worst_us, ==, 4000);
  g_assert_cmpfloat_with_epsilon (stats.jitter_mean_us, 2000.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (stats.jitter_interarrival_us, 4000.0,
                                  EPSILON);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_mean_us (&stats),
                                  12000.0, EPSILON);
}

/* Two losses, then the first answer, 12 ms. */
static void
test_first_answer_after_losses (void)
{
  HsHopStats stats;

  hs_hop_stats_init (&stats);
  for (guint i = 0; i < 3; i++)
    hs_hop_stats_add_sent (&stats);
  hs_hop_stats_add_lost (&stats);
  hs_hop_stats_add_lost (&stats);

  /* Everything lost so far: 100 %, and still no round-trip time. */
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_loss_percent (&stats),
                                  100.0, EPSILON);
  g_assert_cmpint (stats.last_us, ==, -1);
  g_assert_cmpfloat (hs_hop_stats_get_mean_us (&stats), ==, 0.0);

  /* The first answer has nothing to compare with: every jitter is 0, and
   * every time figure is 12 ms.  Two lost of three: 66.666... %. */
  hs_hop_stats_add_answer (&stats, 12000);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_loss_percent (&stats),
                                  200.0 / 3, EPSILON);
  g_assert_cmpint (stats.last_us, ==, 12000);
  g_assert_cmpint (stats.best_us, ==, 12000);
  g_assert_cmpint (stats.worst_us, ==, 12000);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_mean_us (&stats),
                                  12000.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_geometric_mean_us (&stats),
                                  12000.0, EPSILON);
  g_assert_cmpint (stats.jitter_last_us, ==, 0);
  g_assert_cmpint (stats.jitter_worst_us, ==, 0);
  g_assert_cmpfloat (stats.jitter_mean_us, ==, 0.0);
  g_assert_cmpfloat (stats.jitter_interarrival_us, ==, 0.0);
  g_assert_cmpuint (stats.jitter_count, ==, 0);
}

/* One answer: no spread to measure. */
static void
test_single_sample (void)
{
  HsHopStats stats;

  hs_hop_stats_init (&stats);
  hs_hop_stats_add_sent (&stats);
  hs_hop_stats_add_answer (&stats, 7321);

  g_assert_cmpfloat (hs_hop_stats_get_loss_percent (&stats), ==, 0.0);
  g_assert_cmpfloat (hs_hop_stats_get_deviation_us (&stats), ==, 0.0);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_mean_us (&stats),
                                  7321.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_geometric_mean_us (&stats),
                                  7321.0, EPSILON);
}

/* Probes in flight count neither as answered nor as lost. */
static void
test_in_flight (void)
{
  HsHopStats stats;

  hs_hop_stats_init (&stats);
  for (guint i = 0; i < 3; i++)
    hs_hop_stats_add_sent (&stats);
  hs_hop_stats_add_answer (&stats, 5000);

  g_assert_cmpuint (hs_hop_stats_get_in_flight (&stats), ==, 2);
  g_assert_cmpfloat (hs_hop_stats_get_loss_percent (&stats), ==, 0.0);
}

/* A time below the clock's resolution reads 0 us and counts as 1 us in the
 * geometric mean: sqrt (1 * 100) = 10 us, where a true 0 would pin it at 0
 * for good.  The arithmetic figures take it as it is. */
static void
test_zero_round_trip (void)
{
  HsHopStats stats;

  hs_hop_stats_init (&stats);
  hs_hop_stats_add_answer (&stats, 0);
  hs_hop_stats_add_answer (&stats, 100);

  g_assert_cmpint (stats.best_us, ==, 0);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_mean_us (&stats),
                                  50.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_geometric_mean_us (&stats),
                                  10.0, EPSILON);
  g_assert_cmpint (stats.jitter_last_us, ==, 100);
}

/* A day of answers at a steady 20 ms with a 1 us wobble: the running sums
 * must not drift.  The times alternate 19999 and 20001 us, so the mean is
 * 20000 us and every deviation is 1 us: the sample deviation is
 * sqrt (N / (N - 1)).  Each jitter is 2 us, so the interarrival estimate
 * settles at 16 * 2 = 32 us. */
static void
test_long_run (void)
{
  HsHopStats stats;
  const guint n = 86400;

  hs_hop_stats_init (&stats);
  for (guint i = 0; i < n; i++)
    hs_hop_stats_add_answer (&stats, i % 2 == 0 ? 19999 : 20001);

  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_mean_us (&stats),
                                  20000.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_deviation_us (&stats),
                                  sqrt ((double) n / (n - 1)), EPSILON);
  g_assert_cmpfloat_with_epsilon (stats.jitter_interarrival_us, 32.0,
                                  EPSILON);
  g_assert_cmpfloat_with_epsilon (stats.jitter_mean_us,
                                  2.0 * (n - 1) / n, EPSILON);
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Hopscope/HopStats/empty", test_empty);
  g_test_add_func ("/Hopscope/HopStats/loss", test_loss);
  g_test_add_func ("/Hopscope/HopStats/jitter", test_jitter);
  g_test_add_func ("/Hopscope/HopStats/loss-run", test_loss_run);
  g_test_add_func ("/Hopscope/HopStats/first-answer-after-losses",
                   test_first_answer_after_losses);
  g_test_add_func ("/Hopscope/HopStats/single-sample", test_single_sample);
  g_test_add_func ("/Hopscope/HopStats/in-flight", test_in_flight);
  g_test_add_func ("/Hopscope/HopStats/zero-round-trip",
                   test_zero_round_trip);
  g_test_add_func ("/Hopscope/HopStats/long-run", test_long_run);

  return g_test_run ();
}
