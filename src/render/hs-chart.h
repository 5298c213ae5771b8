/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <cairo.h>
#include <glib.h>

#include "hs-hop.h"

G_BEGIN_DECLS

/* A colour with the same fields, in the same order, as GdkRGBA, so that the
 * window can copy a theme colour into it field by field. */
typedef struct
{
  double red;
  double green;
  double blue;
  double alpha;
} HsRenderColor;

#define HS_RENDER_N_PALETTE 4

/* How the drawing looks.  The window fills it from its theme; the command
 * line takes hs_render_style_init_default().  FONT is borrowed: it must
 * outlive every draw call that is given the style. */
typedef struct
{
  HsRenderColor foreground;   /* text, axes */
  HsRenderColor background;
  HsRenderColor grid;
  HsRenderColor loss;         /* lost probes */
  HsRenderColor palette[HS_RENDER_N_PALETTE]; /* series; the sparkline
                                               * draws in palette[0] */
  const char *font;           /* a Pango font description, "Sans 9" */
  gboolean dark;
  gint64 scale_max_us;        /* the top of the latency scale; 0 fits the
                               * worst round-trip time in range */
} HsRenderStyle;

/* One line of the latency chart: a hop's round-trip times over time.
 * HOP and LABEL are borrowed for the draw call. */
typedef struct
{
  HsHop *hop;
  const char *label;
  HsRenderColor color;
} HsChartSeries;

/* What the probes sent within one pixel column of a drawing came to. */
typedef struct
{
  gint32 min_us;      /* the best answer, meaningless when answered is 0 */
  gint32 max_us;
  double sum_us;
  guint answered;
  guint lost;
} HsRenderColumn;

/* Where hs_chart_draw() put the plot, the area inside the axes, in the
 * drawing's coordinates; WIDTH is 0 when it drew a message instead. */
typedef struct
{
  double x;
  double y;
  double width;
  double height;
} HsChartPlot;

/* Totals of one bucketing pass over a time range. */
typedef struct
{
  guint records;      /* records in range, answered or lost */
  guint answered;
  guint lost;
  gint32 worst_us;    /* 0 when nothing answered */
  double sum_us;
} HsRenderTotals;

/* Fills STYLE with Hopscope's own light or dark colours and font. */
void      hs_render_style_init_default  (HsRenderStyle *style,
                                         gboolean dark);

/* Sorts the records of HISTORY sent in [FROM_US, TO_US) into N_COLUMNS
 * equal slices of time, walking each record once from the start of the
 * range.  COLUMNS must hold N_COLUMNS entries; they are overwritten. */
void      hs_render_bucket_history      (HsHistory *history,
                                         gint64 from_us,
                                         gint64 to_us,
                                         HsRenderColumn *columns,
                                         guint n_columns,
                                         HsRenderTotals *totals);

/* Draws the latency chart of N_SERIES hops over [FROM_US, TO_US) into the
 * rectangle (0, 0, WIDTH, HEIGHT) of CR: round-trip time against time of
 * day, the best to worst spread and the mean of each pixel column, each
 * series' mean as a dashed line, its lost probes as red ticks under the
 * plot, and a legend.  With nothing to draw it says so in the middle.
 * PLOT, when not NULL, is told where the plot lies, so that a window can
 * map the pointer to a time. */
void      hs_chart_draw                 (cairo_t *cr,
                                         double width,
                                         double height,
                                         const HsChartSeries *series,
                                         guint n_series,
                                         gint64 from_us,
                                         gint64 to_us,
                                         const HsRenderStyle *style,
                                         HsChartPlot *plot);

G_END_DECLS
