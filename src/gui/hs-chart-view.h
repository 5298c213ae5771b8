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
/* Moves the time range on when it follows the present, and redraws. */
void       hs_chart_view_refresh   (HsChartView *self);

/* Fills STYLE with colours that suit WIDGET's theme, light or dark. */
void       hs_render_style_init_for_widget (HsRenderStyle *style,
                                            GtkWidget *widget);

G_END_DECLS
