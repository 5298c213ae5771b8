/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>

#include <pango/pangocairo.h>

#include "hs-chart.h"
#include "hs-sparkline.h"

/* 2026-01-01 12:00:00 UTC: a fixed start keeps every drawing the same. */
#define SECOND_US G_GINT64_CONSTANT (1000000)
#define BASE_US (G_GINT64_CONSTANT (1767268800) * SECOND_US)

typedef struct
{
  guint8 red;
  guint8 green;
  guint8 blue;
} Pixel;

static HsHop *
make_hop (guint ttl)
{
  return hs_hop_new (ttl);
}

static void
add_answers (HsHop *hop,
             gint64 start_us,
             guint count,
             gint64 interval_us,
             gint64 round_trip_us)
{
  for (guint i = 0; i < count; i++)
    hs_hop_record_answer (hop, start_us + i * interval_us, round_trip_us,
                          NULL, NULL, FALSE);
}

static cairo_surface_t *
new_surface (int width,
             int height)
{
  cairo_surface_t *surface =
    cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);

  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  return surface;
}

/* Writes the drawing beside the test program, for a person to look at. */
static void
save_png (cairo_surface_t *surface,
          const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);

  cairo_surface_flush (surface);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==,
                   CAIRO_STATUS_SUCCESS);
  g_test_message ("Drawing written to %s", path);
}

static Pixel
get_pixel (cairo_surface_t *surface,
           int x,
           int y)
{
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  guint32 value;

  g_assert (x >= 0 && x < cairo_image_surface_get_width (surface));
  g_assert (y >= 0 && y < cairo_image_surface_get_height (surface));

  cairo_surface_flush (surface);
  value = *(guint32 *) (data + y * stride + x * 4);
  return (Pixel) { (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff };
}

static gboolean
is_red (Pixel pixel)
{
  return pixel.red > 180 && pixel.green < 130 && pixel.blue < 130;
}

static gboolean
is_near (Pixel pixel,
         const HsRenderColor *color,
         int tolerance)
{
  return abs (pixel.red - (int) round (color->red * 255)) <= tolerance
         && abs (pixel.green - (int) round (color->green * 255)) <= tolerance
         && abs (pixel.blue - (int) round (color->blue * 255)) <= tolerance;
}

static double
luminance (Pixel pixel)
{
  return (0.2126 * pixel.red + 0.7152 * pixel.green + 0.0722 * pixel.blue)
         / 255.0;
}

static cairo_surface_t *
draw_chart (int width,
            int height,
            const HsChartSeries *series,
            guint n_series,
            gint64 from_us,
            gint64 to_us,
            const HsRenderStyle *style)
{
  cairo_surface_t *surface = new_surface (width, height);
  cairo_t *cr = cairo_create (surface);

  hs_chart_draw (cr, width, height, series, n_series, from_us, to_us, style,
                 NULL);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  return surface;
}

/* The mean row, over the column X, of the pixels in COLOR; -1 when none. */
static double
find_color_row (cairo_surface_t *surface,
                int x,
                const HsRenderColor *color)
{
  int height = cairo_image_surface_get_height (surface);
  double sum = 0;
  guint count = 0;

  for (int y = 0; y < height; y++)
    if (is_near (get_pixel (surface, x, y), color, 40))
      {
        sum += y;
        count++;
      }

  return count ? sum / count : -1;
}

static void
test_bucket (void)
{
  g_autoptr(HsHop) hop = make_hop (3);
  HsRenderColumn columns[4];
  HsRenderTotals totals;

  /* Eight probes a second apart; the range [2 s, 6 s) holds four, one a
   * column, the second of them lost. */
  add_answers (hop, BASE_US, 2, SECOND_US, 1000);
  hs_hop_record_answer (hop, BASE_US + 2 * SECOND_US, 5000, NULL, NULL,
                        FALSE);
  hs_hop_record_lost (hop, BASE_US + 3 * SECOND_US);
  hs_hop_record_answer (hop, BASE_US + 4 * SECOND_US, 7000, NULL, NULL,
                        FALSE);
  hs_hop_record_answer (hop, BASE_US + 5 * SECOND_US, 3000, NULL, NULL,
                        FALSE);
  add_answers (hop, BASE_US + 6 * SECOND_US, 2, SECOND_US, 90000);

  hs_render_bucket_history (hs_hop_get_history (hop),
                            BASE_US + 2 * SECOND_US,
                            BASE_US + 6 * SECOND_US, columns, 4,
                            &totals);
  g_assert_cmpuint (totals.records, ==, 4);
  g_assert_cmpuint (totals.answered, ==, 3);
  g_assert_cmpuint (totals.lost, ==, 1);
  g_assert_cmpint (totals.worst_us, ==, 7000);
  g_assert_cmpfloat (totals.sum_us, ==, 15000);

  g_assert_cmpuint (columns[0].answered, ==, 1);
  g_assert_cmpint (columns[0].max_us, ==, 5000);
  g_assert_cmpuint (columns[1].answered, ==, 0);
  g_assert_cmpuint (columns[1].lost, ==, 1);
  g_assert_cmpint (columns[2].min_us, ==, 7000);
  g_assert_cmpint (columns[3].max_us, ==, 3000);

  /* Two columns for the same range: two probes each, best and worst kept. */
  hs_render_bucket_history (hs_hop_get_history (hop),
                            BASE_US + 2 * SECOND_US,
                            BASE_US + 6 * SECOND_US, columns, 2,
                            &totals);
  g_assert_cmpuint (columns[0].answered, ==, 1);
  g_assert_cmpuint (columns[0].lost, ==, 1);
  g_assert_cmpint (columns[1].min_us, ==, 3000);
  g_assert_cmpint (columns[1].max_us, ==, 7000);
  g_assert_cmpfloat (columns[1].sum_us, ==, 10000);

  /* An empty or reversed range holds nothing. */
  hs_render_bucket_history (hs_hop_get_history (hop), BASE_US, BASE_US,
                            columns, 4, &totals);
  g_assert_cmpuint (totals.records, ==, 0);
  hs_render_bucket_history (hs_hop_get_history (hop), BASE_US + 1, BASE_US,
                            columns, 4, &totals);
  g_assert_cmpuint (totals.records, ==, 0);
}

static void
test_loss_band (void)
{
  g_autoptr(HsHop) clean = make_hop (4);
  g_autoptr(HsHop) lossy = make_hop (4);
  HsRenderStyle style;
  HsChartSeries series = { NULL, "Hop 4", { 0, 0, 0, 1 } };
  cairo_surface_t *surface;
  int width = 600;
  int height = 300;
  guint red_low = 0;
  guint red_high = 0;
  int red_left = width;
  int red_right = -1;

  hs_render_style_init_default (&style, FALSE);
  series.color = style.palette[0];

  /* A minute of probes at 10 ms, one of them lost half-way. */
  add_answers (clean, BASE_US, 60, SECOND_US, 10000);
  add_answers (lossy, BASE_US, 30, SECOND_US, 10000);
  hs_hop_record_lost (lossy, BASE_US + 30 * SECOND_US);
  add_answers (lossy, BASE_US + 31 * SECOND_US, 29, SECOND_US,
               10000);

  series.hop = clean;
  surface = draw_chart (width, height, &series, 1, BASE_US,
                        BASE_US + 60 * SECOND_US, &style);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      g_assert_false (is_red (get_pixel (surface, x, y)));
  cairo_surface_destroy (surface);

  series.hop = lossy;
  surface = draw_chart (width, height, &series, 1, BASE_US,
                        BASE_US + 60 * SECOND_US, &style);
  save_png (surface, "chart-loss.png");
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (is_red (get_pixel (surface, x, y)))
        {
          if (y > height * 0.75)
            red_low++;
          else
            red_high++;
          red_left = MIN (red_left, x);
          red_right = MAX (red_right, x);
        }
  cairo_surface_destroy (surface);

  /* The mark lies in the band under the plot, half-way along the time. */
  g_assert_cmpuint (red_low, >, 4);
  g_assert_cmpuint (red_high, ==, 0);
  g_assert_cmpint (red_left, >, width * 0.4);
  g_assert_cmpint (red_right, <, width * 0.6);
  g_assert_cmpint (red_right - red_left, <, 20);
}

static void
test_scale (void)
{
  HsRenderStyle style;
  double rows[3];
  const gint64 values_us[3] = { 0, 50000, 100000 };
  int width = 500;
  int height = 300;

  hs_render_style_init_default (&style, FALSE);
  style.scale_max_us = 100000;

  /* The same fixed scale gives the same plot, so the rows of 0, 50 and
   * 100 ms drawn one at a time must be evenly spaced. */
  for (guint i = 0; i < G_N_ELEMENTS (values_us); i++)
    {
      g_autoptr(HsHop) hop = make_hop (5);
      HsChartSeries series = { hop, "Target", style.palette[0] };
      cairo_surface_t *surface;

      add_answers (hop, BASE_US, 60, SECOND_US, values_us[i]);
      surface = draw_chart (width, height, &series, 1, BASE_US,
                            BASE_US + 60 * SECOND_US, &style);
      if (values_us[i] == 50000)
        save_png (surface, "chart-scale.png");
      if (g_test_verbose ())
        {
          g_autofree char *name = g_strdup_printf ("chart-scale-%u.png", i);

          save_png (surface, name);
        }
      rows[i] = find_color_row (surface, width / 2, &style.palette[0]);
      cairo_surface_destroy (surface);
      g_assert_cmpfloat (rows[i], >=, 0);
    }

  g_test_message ("Rows of 0, 50, 100 ms: %.1f %.1f %.1f", rows[0], rows[1],
                  rows[2]);
  g_assert_cmpfloat (rows[0] - rows[2], >, height / 2.0);
  g_assert_cmpfloat (fabs (rows[1] - (rows[0] + rows[2]) / 2), <=, 1.0);

  /* 100 ms is the top of the plot, under the legend; 0 is its bottom,
   * over the loss band and the time labels. */
  g_assert_cmpfloat (rows[2], <, height * 0.2);
  g_assert_cmpfloat (rows[0], >, height * 0.75);

  /* Probes that outnumber the pixels are drawn another way, column by
   * column; 50 ms must still land on the same row. */
  {
    g_autoptr(HsHop) hop = make_hop (5);
    HsChartSeries series = { hop, "Target", style.palette[0] };
    cairo_surface_t *surface;
    double dense_row;

    add_answers (hop, BASE_US, 6000, SECOND_US / 100, 50000);
    surface = draw_chart (width, height, &series, 1, BASE_US,
                          BASE_US + 60 * SECOND_US, &style);
    dense_row = find_color_row (surface, width / 2, &style.palette[0]);
    cairo_surface_destroy (surface);
    g_assert_cmpfloat (fabs (dense_row - rows[1]), <=, 1.0);
  }
}

static void
test_all_lost (void)
{
  g_autoptr(HsHop) hop = make_hop (12);
  HsRenderStyle style;
  HsChartSeries series = { hop, "Hop 12", { 0, 0, 0, 1 } };
  cairo_surface_t *surface;
  int width = 400;
  int height = 200;
  guint red = 0;

  hs_render_style_init_default (&style, FALSE);
  series.color = style.palette[0];
  for (guint i = 0; i < 30; i++)
    hs_hop_record_lost (hop, BASE_US + i * SECOND_US);

  /* A hop that never answers has no line, only loss all along the band. */
  surface = draw_chart (width, height, &series, 1, BASE_US,
                        BASE_US + 30 * SECOND_US, &style);
  save_png (surface, "chart-all-lost.png");
  for (int y = height * 3 / 4; y < height; y++)
    for (int x = width / 4; x < width * 3 / 4; x++)
      red += is_red (get_pixel (surface, x, y));
  g_assert_cmpuint (red, >=, 100);
  for (int y = 0; y < height * 3 / 4; y++)
    g_assert_false (is_near (get_pixel (surface, width / 2, y),
                             &style.palette[0], 40));
  cairo_surface_destroy (surface);
}

/* The plot's rectangle, as the drawing tells it, holds every pixel of the
 * series, and the first probe lies on its left edge: a window maps the
 * pointer to a time with it.  A drawing with nothing to plot has none. */
static void
test_plot (void)
{
  g_autoptr(HsHop) hop = make_hop (3);
  g_autoptr(HsHop) silent = make_hop (3);
  HsRenderStyle style;
  HsChartSeries series = { hop, "Hop 3", { 0, 0, 0, 1 } };
  HsChartPlot plot = { -1, -1, -1, -1 };
  cairo_surface_t *surface = NULL;
  cairo_t *cr = NULL;
  int width = 600;
  int height = 300;
  int left = width;
  int right = -1;

  hs_render_style_init_default (&style, FALSE);
  series.color = style.palette[0];
  add_answers (hop, BASE_US, 61, SECOND_US, 10000);

  surface = new_surface (width, height);
  cr = cairo_create (surface);
  hs_chart_draw (cr, width, height, &series, 1, BASE_US,
                 BASE_US + 60 * SECOND_US, &style, &plot);
  cairo_destroy (cr);

  g_assert_cmpfloat (plot.x, >, 10);
  g_assert_cmpfloat (plot.x, <, 100);
  g_assert_cmpfloat (plot.width, >, width / 2.0);
  g_assert_cmpfloat (plot.x + plot.width, <=, width);
  g_assert_cmpfloat (plot.y, >, 0);
  g_assert_cmpfloat (plot.y + plot.height, <, height);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (is_near (get_pixel (surface, x, y), &style.palette[0], 40)
          && y > plot.y && y < plot.y + plot.height)
        {
          left = MIN (left, x);
          right = MAX (right, x);
        }
  g_assert_cmpint (left, >=, (int) plot.x - 3);
  g_assert_cmpint (left, <=, (int) plot.x + 3);
  g_assert_cmpint (right, <=, (int) (plot.x + plot.width) + 3);
  g_assert_cmpint (right, >=, (int) (plot.x + plot.width) - 3);
  cairo_surface_destroy (surface);

  series.hop = silent;
  surface = new_surface (width, height);
  cr = cairo_create (surface);
  hs_chart_draw (cr, width, height, &series, 1, BASE_US,
                 BASE_US + 60 * SECOND_US, &style, &plot);
  cairo_destroy (cr);
  g_assert_cmpfloat (plot.width, ==, 0);
  cairo_surface_destroy (surface);
}

static void
test_empty (void)
{
  g_autoptr(HsHop) hop = make_hop (1);
  HsRenderStyle style;
  HsChartSeries series = { hop, "Hop 1", { 0, 0, 0, 1 } };
  int width = 400;
  int height = 200;

  hs_render_style_init_default (&style, FALSE);
  series.color = style.palette[0];

  /* No probes at all, a hop with none yet, and probes outside the range:
   * each draws its message in the middle. */
  for (guint round = 0; round < 3; round++)
    {
      cairo_surface_t *surface;
      guint ink = 0;

      if (round == 2)
        add_answers (hop, BASE_US - 120 * SECOND_US, 10, SECOND_US,
                     3000);
      surface = draw_chart (width, height, &series, round == 0 ? 0 : 1,
                            BASE_US, BASE_US + 60 * SECOND_US, &style);
      if (round == 1)
        save_png (surface, "chart-empty.png");

      for (int y = height / 2 - 8; y < height / 2 + 8; y++)
        for (int x = width / 2 - 60; x < width / 2 + 60; x++)
          if (!is_near (get_pixel (surface, x, y), &style.background, 30))
            ink++;
      g_assert_cmpuint (ink, >, 40);

      /* The message stands alone: the corners stay background. */
      g_assert_true (is_near (get_pixel (surface, 5, 5), &style.background,
                              0));
      g_assert_true (is_near (get_pixel (surface, width - 5, height - 5),
                              &style.background, 0));
      cairo_surface_destroy (surface);
    }
}

static void
test_dark (void)
{
  g_autoptr(HsHop) hop = make_hop (2);
  g_autoptr(HsHop) target = make_hop (3);
  HsRenderStyle light;
  HsRenderStyle dark;
  HsChartSeries series[2] = {
    { hop, "Hop 2", { 0, 0, 0, 1 } },
    { target, "Target", { 0, 0, 0, 1 } },
  };
  cairo_surface_t *surface;

  hs_render_style_init_default (&light, FALSE);
  hs_render_style_init_default (&dark, TRUE);
  g_assert_true (dark.dark);
  g_assert_false (light.dark);
  series[0].color = dark.palette[0];
  series[1].color = dark.palette[1];

  for (guint i = 0; i < 600; i++)
    {
      gint64 sent_us = BASE_US + i * SECOND_US;

      if (i % 97 == 13)
        hs_hop_record_lost (target, sent_us);
      else
        hs_hop_record_answer (target, sent_us,
                              20000 + (i % 17) * 700 + (i % 5) * 300, NULL,
                              NULL, TRUE);
      hs_hop_record_answer (hop, sent_us, 8000 + (i % 11) * 400, NULL, NULL,
                            FALSE);
    }

  surface = draw_chart (800, 300, series, 2, BASE_US,
                        BASE_US + 600 * SECOND_US, &dark);
  save_png (surface, "chart-dark.png");
  g_assert_cmpfloat (luminance (get_pixel (surface, 2, 2)), <, 0.25);
  g_assert_cmpfloat (luminance (get_pixel (surface, 797, 150)), <, 0.25);
  cairo_surface_destroy (surface);

  series[0].color = light.palette[0];
  series[1].color = light.palette[1];
  surface = draw_chart (800, 300, series, 2, BASE_US,
                        BASE_US + 600 * SECOND_US, &light);
  save_png (surface, "chart-light.png");
  g_assert_cmpfloat (luminance (get_pixel (surface, 2, 2)), >, 0.9);
  cairo_surface_destroy (surface);
}

static cairo_surface_t *
draw_sparkline (int width,
                int height,
                HsHop *hop,
                gint64 from_us,
                gint64 to_us,
                const HsRenderStyle *style)
{
  cairo_surface_t *surface = new_surface (width, height);
  cairo_t *cr = cairo_create (surface);

  /* The sparkline paints no background of its own. */
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  hs_sparkline_draw (cr, width, height, hop, from_us, to_us, style);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  return surface;
}

static void
test_sparkline_lost (void)
{
  g_autoptr(HsHop) hop = make_hop (6);
  HsRenderStyle style;
  cairo_surface_t *surface;
  int width = 100;
  int height = 20;

  hs_render_style_init_default (&style, FALSE);
  for (guint i = 0; i < 20; i++)
    hs_hop_record_lost (hop, BASE_US + i * SECOND_US);

  surface = draw_sparkline (width, height, hop, BASE_US,
                            BASE_US + 20 * SECOND_US, &style);
  save_png (surface, "sparkline-lost.png");

  /* Red all along the top, nothing but the row's white under it. */
  for (int x = 0; x < width; x++)
    {
      g_assert_true (is_red (get_pixel (surface, x, 0)));
      g_assert_true (is_red (get_pixel (surface, x, 2)));
      for (int y = height / 2; y < height; y++)
        g_assert_cmpfloat (luminance (get_pixel (surface, x, y)), >, 0.99);
    }
  cairo_surface_destroy (surface);
}

static void
test_sparkline_bars (void)
{
  g_autoptr(HsHop) hop = make_hop (7);
  HsRenderStyle style;
  cairo_surface_t *surface;
  int width = 100;
  int height = 20;
  int tallest = height;
  int lowest = 0;

  hs_render_style_init_default (&style, FALSE);

  /* Ten probes over 100 pixels: one bar each, the fifth the worst. */
  for (guint i = 0; i < 10; i++)
    hs_hop_record_answer (hop, BASE_US + i * SECOND_US,
                          i == 4 ? 40000 : 10000, NULL, NULL, FALSE);

  surface = draw_sparkline (width, height, hop, BASE_US,
                            BASE_US + 10 * SECOND_US, &style);
  save_png (surface, "sparkline-bars.png");

  /* The worst probe's bar reaches the top of the graph (under the loss
   * band, a fifth of the height); the others a quarter of that. */
  for (int y = 0; y < height; y++)
    if (is_near (get_pixel (surface, 45, y), &style.palette[0], 10))
      {
        tallest = y;
        break;
      }
  for (int y = 0; y < height; y++)
    if (is_near (get_pixel (surface, 15, y), &style.palette[0], 10))
      {
        lowest = y;
        break;
      }
  g_assert_cmpint (tallest, ==, 4);
  g_assert_cmpint (lowest, ==, height - 4);
  g_assert_false (is_red (get_pixel (surface, 45, 0)));
  cairo_surface_destroy (surface);

  /* A fixed scale of twice the worst halves the tallest bar. */
  style.scale_max_us = 80000;
  surface = draw_sparkline (width, height, hop, BASE_US,
                            BASE_US + 10 * SECOND_US, &style);
  for (int y = 0; y < height; y++)
    if (is_near (get_pixel (surface, 45, y), &style.palette[0], 10))
      {
        tallest = y;
        break;
      }
  g_assert_cmpint (tallest, ==, 4 + 8);
  cairo_surface_destroy (surface);
}

static void
test_sparkline_buckets (void)
{
  g_autoptr(HsHop) hop = make_hop (8);
  HsRenderStyle style;
  cairo_surface_t *surface;
  cairo_surface_t *large;
  cairo_t *cr;
  int width = 120;
  int height = 24;

  hs_render_style_init_default (&style, FALSE);

  /* An hour of probes in 120 pixels: 30 a column, with a burst of loss
   * in the middle and a spike late. */
  for (guint i = 0; i < 3600; i++)
    {
      gint64 sent_us = BASE_US + i * SECOND_US;

      if (i >= 1800 && i < 1830)
        hs_hop_record_lost (hop, sent_us);
      else
        hs_hop_record_answer (hop, sent_us,
                              i == 3000 ? 60000 : 12000 + (i % 9) * 1000,
                              NULL, NULL, FALSE);
    }

  surface = draw_sparkline (width, height, hop, BASE_US,
                            BASE_US + 3600 * SECOND_US, &style);
  /* The lost probes fill column 60; a loss mark is two pixels wide at
   * least, so that one lost probe among many stays visible. */
  for (int x = 0; x < width; x++)
    {
      g_assert_cmpint (is_red (get_pixel (surface, x, 1)), ==,
                       x == 60 || x == 61);
      if (x != 60)
        g_assert_true (is_near (get_pixel (surface, x, height - 1),
                                &style.palette[0], 10));
    }

  /* A copy four times larger, for a person to look at. */
  large = new_surface (width * 4, height * 4);
  cr = cairo_create (large);
  cairo_scale (cr, 4, 4);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_destroy (cr);
  save_png (large, "sparkline-buckets.png");
  cairo_surface_destroy (large);
  cairo_surface_destroy (surface);
}

/* Drawings of every size down to a pixel, of extreme values and of ranges
 * near the ends of time, must neither crash nor leave cairo in error. */
static void
test_extremes (void)
{
  g_autoptr(HsHop) hop = make_hop (9);
  g_autoptr(HsHop) empty = make_hop (10);
  HsRenderStyle style;
  HsChartSeries series[2] = {
    { hop, NULL, { 1, 0, 0, 1 } },
    { empty, "Empty", { 0, 0, 1, 1 } },
  };
  const int sizes[][2] = {
    { 1, 1 }, { 2, 2 }, { 1, 300 }, { 300, 1 }, { 10, 10 }, { 159, 80 },
    { 160, 80 }, { 161, 200 }, { 4000, 40 }, { 40, 4000 },
  };
  const gint64 ranges[][2] = {
    { BASE_US, BASE_US + 10 * SECOND_US },
    { BASE_US, BASE_US },
    { BASE_US + 10, BASE_US },
    { G_MININT64, G_MAXINT64 },
    { G_MAXINT64 - 1000, G_MAXINT64 },
    { G_MININT64, G_MININT64 + 1 },
    { 0, 1 },
    { BASE_US, BASE_US + G_GINT64_CONSTANT (86400) * 365 * SECOND_US },
  };
  const gint64 scales_us[] = { 0, 1, G_MAXINT64 };

  hs_render_style_init_default (&style, FALSE);
  hs_hop_record_answer (hop, G_MININT64, 0, NULL, NULL, FALSE);
  hs_hop_record_answer (hop, BASE_US, G_MAXINT64, NULL, NULL, FALSE);
  hs_hop_record_answer (hop, BASE_US + 1, G_MAXINT32, NULL, NULL, FALSE);
  hs_hop_record_lost (hop, BASE_US + 2);
  hs_hop_record_answer (hop, BASE_US + 3, 0, NULL, NULL, FALSE);
  hs_hop_record_answer (hop, G_MAXINT64 - 1, 1, NULL, NULL, FALSE);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint r = 0; r < G_N_ELEMENTS (ranges); r++)
      for (guint k = 0; k < G_N_ELEMENTS (scales_us); k++)
        {
          cairo_surface_t *surface;

          style.scale_max_us = scales_us[k];
          surface = draw_chart (sizes[s][0], sizes[s][1], series, 2,
                                ranges[r][0], ranges[r][1], &style);
          cairo_surface_destroy (surface);
          surface = draw_sparkline (sizes[s][0], sizes[s][1], hop,
                                    ranges[r][0], ranges[r][1], &style);
          cairo_surface_destroy (surface);
        }

  /* A size of zero or below, or not a number, draws nothing. */
  {
    cairo_surface_t *surface = new_surface (4, 4);
    cairo_t *cr = cairo_create (surface);

    hs_chart_draw (cr, 0, 0, series, 2, BASE_US, BASE_US + 1, &style,
                   NULL);
    hs_chart_draw (cr, -5, 10, series, 2, BASE_US, BASE_US + 1, &style,
                   NULL);
    hs_chart_draw (cr, NAN, NAN, series, 2, BASE_US, BASE_US + 1, &style,
                   NULL);
    hs_sparkline_draw (cr, 0, 0, hop, BASE_US, BASE_US + 1, &style);
    hs_sparkline_draw (cr, NAN, 10, hop, BASE_US, BASE_US + 1, &style);
    g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
    cairo_destroy (cr);
    cairo_surface_destroy (surface);
  }
}

/* A picture of a realistic trace, for a person to judge: a hop and the
 * target over ten minutes, with jitter, a loss burst and spikes. */
static void
test_picture (void)
{
  g_autoptr(HsHop) hop = make_hop (6);
  g_autoptr(HsHop) target = make_hop (11);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  HsRenderStyle style;
  HsChartSeries series[2] = {
    { hop, "Hop 6 (203.0.113.6)", { 0, 0, 0, 1 } },
    { target, "Target (198.51.100.10)", { 0, 0, 0, 1 } },
  };
  cairo_surface_t *surface;

  hs_render_style_init_default (&style, FALSE);
  series[0].color = style.palette[0];
  series[1].color = style.palette[1];

  for (guint i = 0; i < 3600; i++)
    {
      gint64 sent_us = BASE_US + i * SECOND_US;
      gint64 hop_us = 14000 + g_rand_int_range (rand, 0, 3000);
      gint64 target_us = 31000 + g_rand_int_range (rand, 0, 6000);

      if (i % 400 == 399)
        target_us += 40000;
      if (i >= 2000 && i < 2040)
        hs_hop_record_lost (hop, sent_us);
      else
        hs_hop_record_answer (hop, sent_us, hop_us, NULL, NULL, FALSE);
      if (g_rand_int_range (rand, 0, 100) == 0)
        hs_hop_record_lost (target, sent_us);
      else
        hs_hop_record_answer (target, sent_us, target_us, NULL, NULL, TRUE);
    }

  surface = draw_chart (1200, 300, series, 2, BASE_US,
                        BASE_US + 3600 * SECOND_US, &style);
  save_png (surface, "chart-hour.png");
  cairo_surface_destroy (surface);

  surface = draw_chart (600, 240, series, 2, BASE_US + 1800 * SECOND_US,
                        BASE_US + 1900 * SECOND_US, &style);
  save_png (surface, "chart-minutes.png");
  cairo_surface_destroy (surface);
}

/* Fontconfig keeps its configuration and font caches for the life of the
 * process, and frees them only in FcFini(), which Pango never calls; the
 * leak checker of sanitizer builds is told to leave those alone.  What
 * this program's own drawing keeps is still checked: the font map and
 * cairo's caches are dropped before the end. */
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
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Hopscope/Chart/bucket", test_bucket);
  g_test_add_func ("/Hopscope/Chart/loss-band", test_loss_band);
  g_test_add_func ("/Hopscope/Chart/scale", test_scale);
  g_test_add_func ("/Hopscope/Chart/empty", test_empty);
  g_test_add_func ("/Hopscope/Chart/plot", test_plot);
  g_test_add_func ("/Hopscope/Chart/all-lost", test_all_lost);
  g_test_add_func ("/Hopscope/Chart/dark", test_dark);
  g_test_add_func ("/Hopscope/Chart/extremes", test_extremes);
  g_test_add_func ("/Hopscope/Chart/picture", test_picture);
  g_test_add_func ("/Hopscope/Sparkline/lost", test_sparkline_lost);
  g_test_add_func ("/Hopscope/Sparkline/bars", test_sparkline_bars);
  g_test_add_func ("/Hopscope/Sparkline/buckets", test_sparkline_buckets);

  status = g_test_run ();

  pango_cairo_font_map_set_default (NULL);
  cairo_debug_reset_static_data ();
  return status;
}
