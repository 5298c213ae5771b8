/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "hs-chart.h"
#include "hs-trace.h"

G_BEGIN_DECLS

#define HS_TYPE_CHART_VIEW (hs_chart_view_get_type ())

G_DECLARE_FINAL_TYPE (HsChartView, hs_chart_view, HS, CHART_VIEW, GtkBox)

/* The latency chart of the selected hop and the target, with a scrollbar
 * that goes back through the whole history of the trace. */
GtkWidget *hs_chart_view_new      (void);
void       hs_chart_view_set_trace (HsChartView *self,
                                    HsTrace *trace);
/* HOP: the hop drawn beside the target, NULL for the target alone. */
void       hs_chart_view_set_hop   (HsChartView *self,
                                    HsHop *hop);
/* The end of the time axis for a trace that no longer grows, such as a
 * recording; 0: now. */
void       hs_chart_view_set_end_time (HsChartView *self,
                                       gint64 end_us);
/* The time range selected by a drag across the chart, shaded; FROM_US and
 * TO_US both 0 clear it.  Signal "range-changed" when it changes. */
void       hs_chart_view_set_range (HsChartView *self,
                                    gint64 from_us,
                                    gint64 to_us);
/* FALSE when no range is selected (both set to 0). */
gboolean   hs_chart_view_get_range (HsChartView *self,
                                    gint64 *from_us,
                                    gint64 *to_us);
/* Where the plot starts on the screen, halfway down, and how wide it is,
 * for tests that drag across it; FALSE when it is not shown. */
gboolean   hs_chart_view_get_plot_position (HsChartView *self,
                                            int *root_x,
                                            int *root_y,
                                            int *width);
/* Moves the time range on when it follows the present, and redraws. */
void       hs_chart_view_refresh   (HsChartView *self);

/* Fills STYLE with colours that suit WIDGET's theme, light or dark. */
void       hs_render_style_init_for_widget (HsRenderStyle *style,
                                            GtkWidget *widget);

G_END_DECLS
