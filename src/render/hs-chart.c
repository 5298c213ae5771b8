/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "hs-chart.h"

/* Past this many pixel columns a drawing is wider than any screen, and more
 * columns would only cost memory. */
#define MAX_COLUMNS 32768

/* A label's distance from the axis or line it names, in pixels. */
#define LABEL_GAP 6

/* The height of one series' row of loss ticks under the plot. */
#define LOSS_ROW_HEIGHT 7
#define LOSS_ROW_GAP 2

/* Labels need room, so no plot has more time ticks than this; the bound
 * also keeps a range near the ends of time from looping for long. */
#define MAX_TIME_TICKS 1000

typedef struct
{
  cairo_t *cr;
  const HsRenderStyle *style;
  PangoLayout *layout;
  double width;
  double height;
  int line_height;
  gboolean decorated;

  /* The plot area, whole pixels so that rectangles land on the grid. */
  double plot_x;
  double plot_y;
  double plot_w;
  double plot_h;

  gint64 from_us;
  gint64 to_us;
  double scale_us;
  double step_us;
} Chart;

typedef struct
{
  const HsChartSeries *series;
  HsRenderColumn *columns;
  HsRenderTotals totals;
} SeriesData;

static const HsRenderColor light_palette[HS_RENDER_N_PALETTE] = {
  { 0.110, 0.443, 0.847, 1.0 }, /* blue */
  { 0.902, 0.380, 0.000, 1.0 }, /* orange */
  { 0.149, 0.635, 0.412, 1.0 }, /* green */
  { 0.569, 0.255, 0.675, 1.0 }, /* purple */
};

static const HsRenderColor dark_palette[HS_RENDER_N_PALETTE] = {
  { 0.384, 0.627, 0.918, 1.0 },
  { 1.000, 0.639, 0.282, 1.0 },
  { 0.341, 0.890, 0.537, 1.0 },
  { 0.753, 0.380, 0.796, 1.0 },
};

void
hs_render_style_init_default (HsRenderStyle *style,
                              gboolean dark)
{
  g_return_if_fail (style != NULL);

  if (dark)
    {
      style->foreground = (HsRenderColor) { 0.871, 0.867, 0.855, 1.0 };
      style->background = (HsRenderColor) { 0.141, 0.141, 0.141, 1.0 };
      style->grid = (HsRenderColor) { 1.0, 1.0, 1.0, 0.12 };
      style->loss = (HsRenderColor) { 0.965, 0.380, 0.318, 1.0 };
      memcpy (style->palette, dark_palette, sizeof dark_palette);
    }
  else
    {
      style->foreground = (HsRenderColor) { 0.180, 0.204, 0.212, 1.0 };
      style->background = (HsRenderColor) { 1.0, 1.0, 1.0, 1.0 };
      style->grid = (HsRenderColor) { 0.0, 0.0, 0.0, 0.10 };
      style->loss = (HsRenderColor) { 0.878, 0.106, 0.141, 1.0 };
      memcpy (style->palette, light_palette, sizeof light_palette);
    }

  style->font = "Sans 9";
  style->dark = dark;
  style->scale_max_us = 0;
}

void
hs_render_bucket_history (HsHistory *history,
                          gint64 from_us,
                          gint64 to_us,
                          HsRenderColumn *columns,
                          guint n_columns,
                          HsRenderTotals *totals)
{
  HsRenderTotals sums = { 0, };
  double columns_per_us;
  guint length;

  g_return_if_fail (history != NULL);
  g_return_if_fail (columns != NULL || n_columns == 0);

  for (guint i = 0; i < n_columns; i++)
    columns[i] = (HsRenderColumn) { G_MAXINT32, 0, 0.0, 0, 0 };

  /* The range's length is taken in doubles: the two ends may be far enough
   * apart that their difference overflows a gint64. */
  if (n_columns > 0 && to_us > from_us)
    {
      columns_per_us = n_columns / ((double) to_us - (double) from_us);
      length = hs_history_get_length (history);

      for (guint i = hs_history_find (history, from_us); i < length; i++)
        {
          const HsProbeRecord *record = hs_history_get (history, i);
          HsRenderColumn *column;
          double offset;

          if (record->sent_us >= to_us)
            break;
          if (record->sent_us < from_us)
            continue;

          offset = ((double) record->sent_us - (double) from_us)
                   * columns_per_us;
          column = &columns[MIN ((guint) offset, n_columns - 1)];
          sums.records++;

          if (record->round_trip_us < 0)
            {
              column->lost++;
              sums.lost++;
              continue;
            }

          column->min_us = MIN (column->min_us, record->round_trip_us);
          column->max_us = MAX (column->max_us, record->round_trip_us);
          column->sum_us += record->round_trip_us;
          column->answered++;
          sums.answered++;
          sums.sum_us += record->round_trip_us;
          sums.worst_us = MAX (sums.worst_us, record->round_trip_us);
        }
    }

  if (totals != NULL)
    *totals = sums;
}

/* Folds FINE's columns into the fewer columns of COARSE, each fine column
 * into exactly one coarse column. */
static void
merge_columns (const HsRenderColumn *fine,
               guint n_fine,
               HsRenderColumn *coarse,
               guint n_coarse)
{
  g_assert (n_coarse > 0);
  g_assert (n_fine >= n_coarse);

  for (guint j = 0; j < n_coarse; j++)
    {
      guint start = (guint) ((guint64) j * n_fine / n_coarse);
      guint end = (guint) ((guint64) (j + 1) * n_fine / n_coarse);
      HsRenderColumn merged = { G_MAXINT32, 0, 0.0, 0, 0 };

      for (guint i = start; i < end; i++)
        {
          merged.lost += fine[i].lost;
          if (fine[i].answered == 0)
            continue;
          merged.min_us = MIN (merged.min_us, fine[i].min_us);
          merged.max_us = MAX (merged.max_us, fine[i].max_us);
          merged.sum_us += fine[i].sum_us;
          merged.answered += fine[i].answered;
        }

      coarse[j] = merged;
    }
}

static void
set_color (cairo_t *cr,
           const HsRenderColor *color,
           double alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue,
                         color->alpha * alpha);
}

/* Prints a round-trip time with as many decimals as its size deserves. */
static char *
format_round_trip (double us)
{
  double ms = us / 1000.0;
  int decimals = ms >= 100.0 ? 0 : ms >= 10.0 ? 1 : ms >= 1.0 ? 2 : 3;

  /* TRANSLATORS: a round-trip time in milliseconds, "12.5 ms". */
  return g_strdup_printf (_("%.*f ms"), decimals, ms);
}

static void
text_size (Chart *chart,
           const char *text,
           int *width,
           int *height)
{
  pango_layout_set_text (chart->layout, text, -1);
  pango_layout_get_pixel_size (chart->layout, width, height);
}

/* Draws TEXT with its left edge at X (or its right edge, or its centre, for
 * an XALIGN of 1 or 0.5) and its middle at Y. */
static void
show_text (Chart *chart,
           const char *text,
           double x,
           double y,
           double xalign,
           const HsRenderColor *color,
           double alpha)
{
  int width;
  int height;

  text_size (chart, text, &width, &height);
  cairo_move_to (chart->cr, round (x - width * xalign),
                 round (y - height / 2.0));
  set_color (chart->cr, color, alpha);
  pango_cairo_show_layout (chart->cr, chart->layout);
}

/* The round number of 1, 2 or 5 times a power of ten nearest above RAW,
 * in microseconds, never below one. */
static double
nice_step (double raw)
{
  double power;
  double fraction;

  if (!(raw > 1.0))
    return 1.0;

  power = pow (10.0, floor (log10 (raw)));
  fraction = raw / power;
  if (fraction <= 1.0)
    return power;
  if (fraction <= 2.0)
    return 2.0 * power;
  if (fraction <= 5.0)
    return 5.0 * power;
  return 10.0 * power;
}

static void
choose_scale (Chart *chart,
              gint32 worst_us)
{
  double ticks = MAX (1.0, floor (chart->plot_h / (chart->line_height * 2.5)));

  if (chart->style->scale_max_us > 0)
    {
      chart->scale_us = chart->style->scale_max_us;
      chart->step_us = nice_step (chart->scale_us / ticks);
      return;
    }

  /* Room above the worst answer keeps the line off the top edge; with no
   * answer at all the scale still needs a height. */
  if (worst_us <= 0)
    worst_us = 10000;
  chart->step_us = nice_step (worst_us * 1.05 / ticks);
  chart->scale_us = ceil (worst_us * 1.05 / chart->step_us) * chart->step_us;
}

static double
y_for (Chart *chart,
       double us)
{
  double y = chart->plot_y + chart->plot_h
             - us / chart->scale_us * chart->plot_h;

  return CLAMP (y, chart->plot_y, chart->plot_y + chart->plot_h);
}

static char *
format_tick (Chart *chart,
             double us)
{
  int decimals = chart->step_us >= 1000.0  ? 0
                 : chart->step_us >= 100.0 ? 1
                 : chart->step_us >= 10.0  ? 2
                                           : 3;

  return g_strdup_printf ("%.*f", decimals, us / 1000.0);
}

static int
y_label_width (Chart *chart)
{
  g_autofree char *top = format_tick (chart, chart->scale_us);
  int width;
  int height;

  text_size (chart, top, &width, &height);
  return width;
}

static void
draw_y_axis (Chart *chart)
{
  cairo_t *cr = chart->cr;
  guint n_ticks = (guint) floor (chart->scale_us / chart->step_us + 1e-9);

  for (guint i = 0; i <= n_ticks; i++)
    {
      double us = i * chart->step_us;
      double y = round (y_for (chart, us)) + 0.5;

      if (i > 0)
        {
          cairo_move_to (cr, chart->plot_x, y);
          cairo_line_to (cr, chart->plot_x + chart->plot_w, y);
        }
    }
  set_color (cr, &chart->style->grid, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  if (!chart->decorated)
    return;

  for (guint i = 0; i <= n_ticks; i++)
    {
      double us = i * chart->step_us;
      g_autofree char *text = format_tick (chart, us);
      double y = y_for (chart, us);

      /* The label of 0 sits on the axis, clear of the loss rows under it. */
      y = MIN (y, chart->plot_y + chart->plot_h - chart->line_height / 2.0);
      show_text (chart, text, chart->plot_x - LABEL_GAP, y, 1.0,
                 &chart->style->foreground, 0.75);
    }

  /* TRANSLATORS: the unit of the latency axis, milliseconds. */
  show_text (chart, _("ms"), chart->plot_x - LABEL_GAP,
             chart->line_height / 2.0 + 4, 1.0, &chart->style->foreground,
             0.75);
}

static double
x_for_time (Chart *chart,
            double time_us)
{
  double span_us = (double) chart->to_us - (double) chart->from_us;

  return chart->plot_x
         + (time_us - (double) chart->from_us) / span_us * chart->plot_w;
}

/* The time between two labelled ticks of the time axis: the shortest
 * round step that leaves each label room. */
static double
choose_time_step (Chart *chart,
                  double min_pixels)
{
  static const double steps_s[] = {
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
    3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600,
  };
  double span_us = (double) chart->to_us - (double) chart->from_us;
  double pixels_per_us = chart->plot_w / span_us;
  double step_us = 0;

  for (guint i = 0; i < G_N_ELEMENTS (steps_s); i++)
    {
      step_us = steps_s[i] * G_USEC_PER_SEC;
      if (step_us * pixels_per_us >= min_pixels)
        return step_us;
    }

  /* Ranges of weeks go on in whole days. */
  while (step_us * pixels_per_us < min_pixels)
    step_us *= 2;
  return step_us;
}

static void
draw_time_axis (Chart *chart,
                double labels_y)
{
  cairo_t *cr = chart->cr;
  g_autoptr(GDateTime) start = NULL;
  const char *format;
  double step_us;
  double offset_us = 0;
  double first_us;
  int label_width;
  int label_height;

  /* A label must fit between its neighbours with a gap, so the widest
   * label there can be sets the step. */
  text_size (chart, "00:00:00", &label_width, &label_height);
  step_us = choose_time_step (chart, label_width + 3 * LABEL_GAP);
  format = step_us < 60.0 * G_USEC_PER_SEC ? "%H:%M:%S" : "%H:%M";

  /* Ticks fall on round local times, so count them from local midnight. */
  start = g_date_time_new_from_unix_local (chart->from_us / G_USEC_PER_SEC);
  if (start != NULL)
    offset_us = g_date_time_get_utc_offset (start);
  first_us = ceil (((double) chart->from_us + offset_us) / step_us) * step_us
             - offset_us;

  for (guint i = 0; i < MAX_TIME_TICKS; i++)
    {
      double t = first_us + i * step_us;
      double x = x_for_time (chart, t);

      if (t >= chart->to_us)
        break;
      x = round (x) + 0.5;
      cairo_move_to (cr, x, chart->plot_y);
      cairo_line_to (cr, x, chart->plot_y + chart->plot_h);
    }
  set_color (cr, &chart->style->grid, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  if (!chart->decorated)
    return;

  for (guint i = 0; i < MAX_TIME_TICKS; i++)
    {
      g_autoptr(GDateTime) time = NULL;
      g_autofree char *text = NULL;
      double t = first_us + i * step_us;
      double x = x_for_time (chart, t);

      if (t >= chart->to_us)
        break;

      /* A label cut by the edge of the drawing reads as a different time. */
      if (x - label_width / 2.0 < 0 || x + label_width / 2.0 > chart->width)
        continue;
      time = g_date_time_new_from_unix_local ((gint64) (t / G_USEC_PER_SEC));
      if (time == NULL)
        continue;

      /* Past midnight, hours repeat: the tick of midnight names the day. */
      if (step_us >= 3600.0 * G_USEC_PER_SEC
          && g_date_time_get_hour (time) == 0
          && g_date_time_get_minute (time) == 0)
        /* TRANSLATORS: a day on the time axis, as g_date_time_format()
         * takes it: "3 Dec". */
        text = g_date_time_format (time, _("%-d %b"));
      else
        text = g_date_time_format (time, format);
      show_text (chart, text, x, labels_y, 0.5, &chart->style->foreground,
                 0.75);
    }
}

static void
draw_frame (Chart *chart)
{
  cairo_t *cr = chart->cr;
  double bottom = chart->plot_y + chart->plot_h + 0.5;
  double left = chart->plot_x - 0.5;

  cairo_move_to (cr, left, chart->plot_y);
  cairo_line_to (cr, left, bottom);
  cairo_line_to (cr, chart->plot_x + chart->plot_w, bottom);
  set_color (cr, &chart->style->foreground, 0.45);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
}

static double
column_left (Chart *chart,
             guint index,
             guint n_columns)
{
  return chart->plot_x + floor ((double) index * chart->plot_w / n_columns);
}

/* The spread from best to worst of each column, faint, under the line of
 * the means.  Whole-pixel rectangles keep this cheap for cairo. */
static void
draw_series_spread (Chart *chart,
                    SeriesData *data,
                    guint n_columns)
{
  cairo_t *cr = chart->cr;

  for (guint i = 0; i < n_columns; i++)
    {
      const HsRenderColumn *column = &data->columns[i];
      double x0;
      double x1;
      double top;
      double bottom;

      if (column->answered < 2)
        continue;

      top = round (y_for (chart, column->max_us));
      bottom = round (y_for (chart, column->min_us));
      if (bottom - top < 2)
        continue;

      x0 = column_left (chart, i, n_columns);
      x1 = MAX (x0 + 1, column_left (chart, i + 1, n_columns));
      cairo_rectangle (cr, x0, top, x1 - x0, bottom - top);
    }

  set_color (cr, &data->series->color, 0.25);
  cairo_fill (cr);
}

/* The line of the means when most columns hold probes: each column a
 * whole-pixel bar, two pixels thick, from the line's height at the column
 * before to its height here.  Between two points with empty columns
 * between them the line's height is interpolated, as a stroke would draw
 * it.  At this density it looks like a stroked line, and cairo fills such
 * bars many times faster than it strokes a path of a segment a column. */
static void
add_dense_line (Chart *chart,
                SeriesData *data,
                guint n_columns)
{
  cairo_t *cr = chart->cr;
  gboolean connected = FALSE;
  double previous_y = 0;
  guint previous = 0;

  for (guint i = 0; i < n_columns; i++)
    {
      const HsRenderColumn *column = &data->columns[i];
      double y;

      if (column->answered == 0)
        {
          if (column->lost > 0)
            connected = FALSE;
          continue;
        }

      y = y_for (chart, column->sum_us / column->answered);
      if (!connected)
        {
          previous = i;
          previous_y = y;
        }

      for (guint k = connected ? previous + 1 : i; k <= i; k++)
        {
          double x0 = column_left (chart, k, n_columns);
          double x1 = MAX (x0 + 1, column_left (chart, k + 1, n_columns));
          double from_y = round (y);
          double to_y = round (y);

          if (k > previous)
            {
              double slope = (y - previous_y) / (i - previous);

              from_y = round (previous_y + slope * (k - 1.0 - previous));
              to_y = round (previous_y + slope * (k - previous));
            }
          cairo_rectangle (cr, x0, MIN (from_y, to_y) - 1, x1 - x0,
                           fabs (to_y - from_y) + 2);
        }

      previous = i;
      previous_y = y;
      connected = TRUE;
    }
}

static void
draw_series_line (Chart *chart,
                  SeriesData *data,
                  guint n_columns)
{
  cairo_t *cr = chart->cr;
  double column_w = chart->plot_w / n_columns;
  gboolean pen_down = FALSE;
  guint points = 0;

  for (guint i = 0; i < n_columns; i++)
    points += data->columns[i].answered > 0;

  set_color (cr, &data->series->color, 1.0);
  if (points * 4 > n_columns)
    {
      add_dense_line (chart, data, n_columns);
      cairo_fill (cr);
      return;
    }

  /* A column where every probe was lost breaks the line: joining across it
   * would draw answers that never came. */
  for (guint i = 0; i < n_columns; i++)
    {
      const HsRenderColumn *column = &data->columns[i];
      double x = chart->plot_x + (i + 0.5) * column_w;
      double y;

      if (column->answered == 0)
        {
          if (column->lost > 0)
            pen_down = FALSE;
          continue;
        }

      y = y_for (chart, column->sum_us / column->answered);
      if (pen_down)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen_down = TRUE;
    }

  cairo_set_line_width (cr, 2.0);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);

  /* Few probes make a line whose corners hide where the probes are. */
  if (points == 0 || points * 6 > chart->plot_w)
    return;

  for (guint i = 0; i < n_columns; i++)
    {
      const HsRenderColumn *column = &data->columns[i];
      double x = chart->plot_x + (i + 0.5) * column_w;

      if (column->answered == 0)
        continue;
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y_for (chart, column->sum_us / column->answered),
                 2.5, 0, 2 * G_PI);
    }
  cairo_fill (cr);
}

static void
draw_series_mean (Chart *chart,
                  SeriesData *data)
{
  cairo_t *cr = chart->cr;
  static const double dashes[] = { 5.0, 4.0 };
  double y;

  if (data->totals.answered == 0)
    return;

  y = round (y_for (chart, data->totals.sum_us / data->totals.answered)) + 0.5;
  cairo_move_to (cr, chart->plot_x, y);
  cairo_line_to (cr, chart->plot_x + chart->plot_w, y);
  set_color (cr, &data->series->color, 0.8);
  cairo_set_line_width (cr, 1.0);
  cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
}

/* Red ticks in the series' own row under the plot, as tall as the share of
 * the column's probes that were lost. */
static void
draw_series_loss (Chart *chart,
                  SeriesData *data,
                  guint n_columns,
                  double row_y,
                  double row_h)
{
  cairo_t *cr = chart->cr;
  double row_bottom = row_y + row_h;

  if (chart->decorated)
    {
      cairo_rectangle (cr, chart->plot_x - LABEL_GAP - 8, row_y, 8, row_h);
      set_color (cr, &data->series->color, 1.0);
      cairo_fill (cr);

      cairo_rectangle (cr, chart->plot_x, row_bottom - 1, chart->plot_w, 1);
      set_color (cr, &chart->style->grid, 1.0);
      cairo_fill (cr);
    }

  for (guint i = 0; i < n_columns; i++)
    {
      const HsRenderColumn *column = &data->columns[i];
      double share;
      double tick_h;
      double x0;
      double x1;

      if (column->lost == 0)
        continue;

      share = (double) column->lost / (column->lost + column->answered);
      tick_h = MAX (2.0, ceil (row_h * share));
      x0 = column_left (chart, i, n_columns);
      x1 = MAX (x0 + 2, column_left (chart, i + 1, n_columns));
      cairo_rectangle (cr, x0, row_bottom - tick_h, x1 - x0, tick_h);
    }

  set_color (cr, &chart->style->loss, 1.0);
  cairo_fill (cr);
}

static char *
series_label (const HsChartSeries *series)
{
  if (series->label != NULL)
    return g_strdup (series->label);

  /* TRANSLATORS: a hop with no better name, by its time-to-live. */
  return g_strdup_printf (_("Hop %u"), hs_hop_get_ttl (series->hop));
}

/* A legend entry with the series' mean and loss in the range. */
static char *
legend_entry (const SeriesData *data)
{
  const HsRenderTotals *totals = &data->totals;
  g_autofree char *label = series_label (data->series);
  double loss = totals->records ? 100.0 * totals->lost / totals->records
                                : 0.0;

  if (totals->answered > 0)
    {
      g_autofree char *mean = format_round_trip (totals->sum_us
                                                 / totals->answered);

      /* TRANSLATORS: a legend entry: the series, its mean round-trip time
       * and its loss, "Target: mean 12.5 ms, 1.0% lost". */
      return g_strdup_printf (_("%s: mean %s, %.1f%% lost"), label, mean,
                              loss);
    }

  /* TRANSLATORS: a legend entry for a series that got no answer. */
  return g_strdup_printf (_("%s: no answer, %.1f%% lost"), label, loss);
}

#define LEGEND_SWATCH 16

static void
draw_legend (Chart *chart,
             SeriesData *data,
             guint n_series)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (g_free);
  double x = chart->plot_x;
  double y = round (chart->line_height / 2.0 + 4);
  double needed = 0;

  /* Where the full entries do not fit on the line, the names alone do:
   * the figures are in the hop table too. */
  for (guint i = 0; i < n_series; i++)
    {
      int text_w;
      int text_h;

      g_ptr_array_add (entries, legend_entry (&data[i]));
      text_size (chart, g_ptr_array_index (entries, i), &text_w, &text_h);
      needed += LEGEND_SWATCH + LABEL_GAP + text_w + 3 * LABEL_GAP;
    }
  if (x + needed > chart->width)
    for (guint i = 0; i < n_series; i++)
      {
        g_free (g_ptr_array_index (entries, i));
        g_ptr_array_index (entries, i) = series_label (data[i].series);
      }

  for (guint i = 0; i < n_series && x < chart->width; i++)
    {
      const char *text = g_ptr_array_index (entries, i);
      int text_w;
      int text_h;

      cairo_move_to (chart->cr, x, y + 0.5);
      cairo_line_to (chart->cr, x + LEGEND_SWATCH, y + 0.5);
      set_color (chart->cr, &data[i].series->color, 1.0);
      cairo_set_line_width (chart->cr, 2.0);
      cairo_stroke (chart->cr);

      show_text (chart, text, x + LEGEND_SWATCH + LABEL_GAP, y, 0.0,
                 &chart->style->foreground, 1.0);
      text_size (chart, text, &text_w, &text_h);
      x += LEGEND_SWATCH + LABEL_GAP + text_w + 3 * LABEL_GAP;
    }
}

static void
draw_message (Chart *chart,
              const char *message)
{
  if (!chart->decorated)
    return;
  show_text (chart, message, chart->width / 2.0, chart->height / 2.0, 0.5,
             &chart->style->foreground, 0.6);
}

void
hs_chart_draw (cairo_t *cr,
               double width,
               double height,
               const HsChartSeries *series,
               guint n_series,
               gint64 from_us,
               gint64 to_us,
               const HsRenderStyle *style,
               HsChartPlot *plot)
{
  g_autoptr(PangoFontDescription) font = NULL;
  g_autofree SeriesData *data = NULL;
  g_autofree HsRenderColumn *fine = NULL;
  g_autofree HsRenderColumn *coarse = NULL;
  Chart chart = { 0, };
  guint n_fine;
  guint n_columns;
  guint records = 0;
  gboolean any_history = FALSE;
  gint32 worst_us = 0;
  int text_w;
  double loss_rows_h;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (series != NULL || n_series == 0);
  g_return_if_fail (style != NULL);

  for (guint i = 0; i < n_series; i++)
    g_return_if_fail (HS_IS_HOP (series[i].hop));

  if (plot != NULL)
    *plot = (HsChartPlot) { 0, };
  if (!(width >= 1.0 && height >= 1.0))
    return;

  chart.cr = cr;
  chart.style = style;
  chart.width = width;
  chart.height = height;
  chart.from_us = from_us;
  chart.to_us = to_us;

  cairo_save (cr);
  cairo_new_path (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_clip (cr);
  set_color (cr, &style->background, 1.0);
  cairo_paint (cr);

  chart.layout = pango_cairo_create_layout (cr);
  font = pango_font_description_from_string (style->font ? style->font
                                                         : "Sans 9");
  pango_layout_set_font_description (chart.layout, font);
  text_size (&chart, "0", &text_w, &chart.line_height);

  /* The vertical layout comes first: the scale's ticks depend on the
   * plot's height, and the labels of the scale set the left margin. */
  loss_rows_h = n_series * (LOSS_ROW_HEIGHT + LOSS_ROW_GAP);
  chart.decorated = width >= 160
                    && height >= loss_rows_h + 5 * chart.line_height;
  if (chart.decorated)
    {
      chart.plot_y = chart.line_height + 10;
      chart.plot_h = height - chart.plot_y - LOSS_ROW_GAP - loss_rows_h
                     - chart.line_height - 6;
      chart.plot_h = MAX (1.0, floor (chart.plot_h));
    }
  else
    {
      chart.plot_y = 0;
      chart.plot_h = MAX (1.0, floor (height - MIN (loss_rows_h,
                                                     height / 3.0)));
    }

  /* Every series is walked once, into as many columns as the drawing is
   * wide; the plot's columns, fewer, are folded from those. */
  n_fine = (guint) CLAMP (ceil (width), 1, MAX_COLUMNS);
  data = g_new0 (SeriesData, MAX (n_series, 1));
  fine = g_new (HsRenderColumn, (gsize) n_fine * MAX (n_series, 1));
  for (guint i = 0; i < n_series; i++)
    {
      HsHistory *history = hs_hop_get_history (series[i].hop);

      data[i].series = &series[i];
      hs_render_bucket_history (history, from_us, to_us,
                                fine + (gsize) i * n_fine, n_fine,
                                &data[i].totals);
      records += data[i].totals.records;
      worst_us = MAX (worst_us, data[i].totals.worst_us);
      any_history |= hs_history_get_length (history) > 0;
    }

  if (records == 0)
    {
      chart.plot_x = 0;
      chart.plot_w = width;
      draw_message (&chart, any_history ? _("No probes in this time range")
                                        : _("No probes yet"));
      g_object_unref (chart.layout);
      cairo_restore (cr);
      return;
    }

  choose_scale (&chart, worst_us);
  if (chart.decorated)
    {
      chart.plot_x = MAX (y_label_width (&chart), text_w * 2)
                     + 2 * LABEL_GAP;
      chart.plot_w = width - chart.plot_x - 2 * LABEL_GAP;
    }
  else
    {
      chart.plot_x = 0;
      chart.plot_w = width;
    }
  chart.plot_w = MAX (1.0, floor (chart.plot_w));
  n_columns = (guint) CLAMP (chart.plot_w, 1, n_fine);

  coarse = g_new (HsRenderColumn, (gsize) n_columns * MAX (n_series, 1));
  for (guint i = 0; i < n_series; i++)
    {
      data[i].columns = coarse + (gsize) i * n_columns;
      merge_columns (fine + (gsize) i * n_fine, n_fine, data[i].columns,
                     n_columns);
    }

  draw_y_axis (&chart);
  if (to_us > from_us)
    draw_time_axis (&chart, height - chart.line_height / 2.0 - 3);

  /* The axes go under the series: a line at 0 ms lies on the time axis. */
  if (chart.decorated)
    draw_frame (&chart);

  cairo_save (cr);
  cairo_rectangle (cr, chart.plot_x, chart.plot_y - 2, chart.plot_w,
                   chart.plot_h + 4);
  cairo_clip (cr);
  for (guint i = 0; i < n_series; i++)
    draw_series_spread (&chart, &data[i], n_columns);
  for (guint i = 0; i < n_series; i++)
    {
      draw_series_mean (&chart, &data[i]);
      draw_series_line (&chart, &data[i], n_columns);
    }
  cairo_restore (cr);

  for (guint i = 0; i < n_series; i++)
    {
      double row_y = chart.plot_y + chart.plot_h + LOSS_ROW_GAP + 1
                     + i * (LOSS_ROW_HEIGHT + LOSS_ROW_GAP);

      draw_series_loss (&chart, &data[i], n_columns, row_y,
                        LOSS_ROW_HEIGHT);
    }

  if (chart.decorated)
    draw_legend (&chart, data, n_series);

  if (plot != NULL)
    *plot = (HsChartPlot) { chart.plot_x, chart.plot_y, chart.plot_w,
                            chart.plot_h };
  g_object_unref (chart.layout);
  cairo_restore (cr);
}
