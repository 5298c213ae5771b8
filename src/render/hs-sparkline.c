/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>

#include "hs-sparkline.h"

/* Past this many pixel columns a sparkline is wider than any screen. */
#define MAX_COLUMNS 32768

static void
set_color (cairo_t *cr,
           const HsRenderColor *color,
           double alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue,
                         color->alpha * alpha);
}

static double
column_left (double width,
             guint index,
             guint n_columns)
{
  return floor ((double) index * width / n_columns);
}

/* The left edge of the next column after INDEX that holds a probe, or the
 * right edge of the drawing: no mark may reach past it. */
static double
next_left (const HsRenderColumn *columns,
           guint index,
           guint n_columns,
           double width)
{
  guint next;

  for (next = index + 1; next < n_columns; next++)
    if (columns[next].answered > 0 || columns[next].lost > 0)
      break;
  return column_left (width, next, n_columns);
}

/* Adds a bar for each column with answers, from the bottom up to the mean
 * or (for MAXIMUM) the worst answer of the column.  BAR_W widens a bar
 * when probes are fewer than pixels, up to the next bar. */
static void
add_bars (cairo_t *cr,
          const HsRenderColumn *columns,
          guint n_columns,
          double width,
          double bar_w,
          double plot_top,
          double plot_h,
          double scale_us,
          gboolean maximum)
{
  double bottom = plot_top + plot_h;

  g_assert (scale_us > 0);

  for (guint i = 0; i < n_columns; i++)
    {
      const HsRenderColumn *column = &columns[i];
      double value;
      double bar_h;
      double x0;
      double x1;

      if (column->answered == 0)
        continue;

      value = maximum ? column->max_us : column->sum_us / column->answered;
      bar_h = MAX (1.0, round (MIN (value / scale_us, 1.0) * plot_h));

      x0 = column_left (width, i, n_columns);
      x1 = MIN (x0 + bar_w, next_left (columns, i, n_columns, width));
      x1 = MAX (x1, x0 + 1);
      cairo_rectangle (cr, x0, bottom - bar_h, x1 - x0, bar_h);
    }
}

void
hs_sparkline_draw (cairo_t *cr,
                   double width,
                   double height,
                   HsHop *hop,
                   gint64 from_us,
                   gint64 to_us,
                   const HsRenderStyle *style)
{
  g_autofree HsRenderColumn *columns = NULL;
  HsRenderTotals totals;
  HsHistory *history;
  guint n_columns;
  double loss_h;
  double slot_w;
  double bar_w;
  double scale_us;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (HS_IS_HOP (hop));
  g_return_if_fail (style != NULL);

  if (!(width >= 1.0 && height >= 1.0))
    return;

  history = hs_hop_get_history (hop);
  n_columns = (guint) CLAMP (floor (width), 1, MAX_COLUMNS);
  columns = g_new (HsRenderColumn, n_columns);
  hs_render_bucket_history (history, from_us, to_us, columns, n_columns,
                            &totals);
  if (totals.records == 0)
    return;

  /* The top fifth is kept for the loss marks, so that a lost probe never
   * hides behind a tall bar. */
  loss_h = MAX (1.0, round (height / 5.0));
  scale_us = style->scale_max_us > 0 ? (double) style->scale_max_us
                                     : MAX (1.0, totals.worst_us);

  /* When probes are fewer than pixels, each probe's bar takes its share of
   * the width, less a pixel of gap once bars are wide enough to show it.
   * Loss marks keep no gap, so that a run of lost probes reads as one. */
  slot_w = MAX (1.0, floor (width / totals.records));
  bar_w = slot_w >= 3 ? slot_w - 1 : slot_w;

  cairo_save (cr);
  cairo_new_path (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_clip (cr);

  if (height > loss_h)
    {
      /* A column of several probes shows its worst faint behind its mean;
       * a column of one probe shows the same height twice, as one bar. */
      add_bars (cr, columns, n_columns, width, bar_w, loss_h,
                height - loss_h, scale_us, TRUE);
      set_color (cr, &style->palette[0], 0.35);
      cairo_fill (cr);

      add_bars (cr, columns, n_columns, width, bar_w, loss_h,
                height - loss_h, scale_us, FALSE);
      set_color (cr, &style->palette[0], 1.0);
      cairo_fill (cr);
    }

  for (guint i = 0; i < n_columns; i++)
    {
      double x0;
      double x1;

      if (columns[i].lost == 0)
        continue;
      x0 = column_left (width, i, n_columns);
      x1 = MIN (x0 + slot_w, next_left (columns, i, n_columns, width));
      x1 = MAX (x1, x0 + 2);
      cairo_rectangle (cr, x0, 0, x1 - x0, loss_h);
    }
  set_color (cr, &style->loss, 1.0);
  cairo_fill (cr);

  cairo_restore (cr);
}
