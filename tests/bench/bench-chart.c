/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* The latency chart on a full day of history: two hops of 86,400 probes,
 * drawn again and again at 1200x300, the size of the window's graph.  It
 * prints the time a draw takes; a missed goal is printed, not failed. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <pango/pangocairo.h>

#include "hs-chart.h"
#include "hs-sparkline.h"

#define SECOND_US G_GINT64_CONSTANT (1000000)
#define N_RECORDS (24 * 60 * 60)
#define WIDTH 1200
#define HEIGHT 300
#define GOAL_MS 8.0
#define SPARK_WIDTH 120
#define SPARK_HEIGHT 24

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* A day of probes a second apart: a base latency with jitter, slow waves,
 * spikes, and one probe in a hundred lost. */
static void
fill_hop (HsHop *hop,
          GRand *rand,
          gint64 start_us,
          gint64 base_us)
{
  for (guint i = 0; i < N_RECORDS; i++)
    {
      gint64 sent_us = start_us + i * SECOND_US;
      gint64 round_trip_us = base_us + g_rand_int_range (rand, 0, 4000)
                             + (gint64) (3000 * (1 + sin (i / 900.0)));

      if (g_rand_int_range (rand, 0, 100) == 0)
        {
          hs_hop_record_lost (hop, sent_us);
          continue;
        }
      if (g_rand_int_range (rand, 0, 500) == 0)
        round_trip_us += g_rand_int_range (rand, 20000, 200000);
      hs_hop_record_answer (hop, sent_us, round_trip_us, NULL, NULL, FALSE);
    }
}

/* Fontconfig's caches live as long as the process (see test-chart.c). */
const char *__lsan_default_suppressions (void);

const char *
__lsan_default_suppressions (void)
{
  return "leak:libfontconfig.so\n";
}

int
main (int argc,
      char *argv[])
{
  g_autoptr(HsHop) hop = hs_hop_new (7);
  g_autoptr(HsHop) target = hs_hop_new (12);
  g_autoptr(GRand) rand = g_rand_new_with_seed (2026);
  g_autofree double *times_ms = NULL;
  g_autofree double *spark_ms = NULL;
  HsRenderStyle style;
  HsChartSeries series[2];
  cairo_surface_t *surface;
  cairo_t *cr;
  gint64 start_us = g_get_real_time () - N_RECORDS * SECOND_US;
  guint n_draws = 200;
  double median_ms;
  double p95_ms;

  if (argc > 1)
    n_draws = (guint) CLAMP (g_ascii_strtoull (argv[1], NULL, 10), 1, 100000);

  fill_hop (hop, rand, start_us, 12000);
  fill_hop (target, rand, start_us, 31000);
  g_assert (hs_history_get_length (hs_hop_get_history (target)) == N_RECORDS);

  hs_render_style_init_default (&style, FALSE);
  series[0] = (HsChartSeries) { hop, "Hop 7", style.palette[0] };
  series[1] = (HsChartSeries) { target, "Target", style.palette[1] };

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  cr = cairo_create (surface);

  /* The first draw loads the fonts; a window pays that once, not a frame. */
  hs_chart_draw (cr, WIDTH, HEIGHT, series, 2, start_us,
                 start_us + N_RECORDS * SECOND_US, &style, NULL);

  times_ms = g_new (double, n_draws);
  for (guint i = 0; i < n_draws; i++)
    {
      gint64 begin_us = g_get_monotonic_time ();

      hs_chart_draw (cr, WIDTH, HEIGHT, series, 2, start_us,
                     start_us + N_RECORDS * SECOND_US, &style, NULL);
      cairo_surface_flush (surface);
      times_ms[i] = (g_get_monotonic_time () - begin_us) / 1000.0;
    }
  g_assert (cairo_status (cr) == CAIRO_STATUS_SUCCESS);

  if (argc > 2)
    cairo_surface_write_to_png (surface, argv[2]);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  /* A hop table's sparkline over the same day, for scale: every row of
   * the table draws one. */
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, SPARK_WIDTH,
                                        SPARK_HEIGHT);
  cr = cairo_create (surface);
  spark_ms = g_new (double, n_draws);
  for (guint i = 0; i < n_draws; i++)
    {
      gint64 begin_us = g_get_monotonic_time ();

      hs_sparkline_draw (cr, SPARK_WIDTH, SPARK_HEIGHT, target, start_us,
                         start_us + N_RECORDS * SECOND_US, &style);
      cairo_surface_flush (surface);
      spark_ms[i] = (g_get_monotonic_time () - begin_us) / 1000.0;
    }
  g_assert (cairo_status (cr) == CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  pango_cairo_font_map_set_default (NULL);
  cairo_debug_reset_static_data ();

  qsort (times_ms, n_draws, sizeof *times_ms, compare_doubles);
  median_ms = times_ms[n_draws / 2];
  p95_ms = times_ms[MIN (n_draws - 1, (guint) ceil (n_draws * 0.95) - 1)];

  printf ("chart: 2 series x %d records, %dx%d, %u draws\n", N_RECORDS,
          WIDTH, HEIGHT, n_draws);
  printf ("  median %.2f ms, p95 %.2f ms, best %.2f ms, worst %.2f ms\n",
          median_ms, p95_ms, times_ms[0], times_ms[n_draws - 1]);
  printf ("  goal < %.0f ms (median and p95): %s\n", GOAL_MS,
          median_ms < GOAL_MS && p95_ms < GOAL_MS ? "met" : "missed");

  qsort (spark_ms, n_draws, sizeof *spark_ms, compare_doubles);
  printf ("sparkline: 1 hop x %d records, %dx%d: median %.2f ms, "
          "p95 %.2f ms\n", N_RECORDS, SPARK_WIDTH, SPARK_HEIGHT,
          spark_ms[n_draws / 2],
          spark_ms[MIN (n_draws - 1, (guint) ceil (n_draws * 0.95) - 1)]);

  return EXIT_SUCCESS;
}
