/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>

#include <glib/gi18n.h>

#include "hs-chart-view.h"

/* A drag shorter than this many pixels is a click, and selects nothing. */
#define MIN_DRAG_PIXELS 4

enum
{
  SIGNAL_RANGE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The spans offered, in seconds; the second is the default. */
static const struct
{
  const char *id;
  const char *label;
  double seconds;
} spans[] = {
  { "60", N_("Last minute"), 60 },
  { "300", N_("Last 5 minutes"), 300 },
  { "900", N_("Last 15 minutes"), 900 },
  { "3600", N_("Last hour"), 3600 },
  { "21600", N_("Last 6 hours"), 21600 },
};

struct _HsChartView
{
  GtkBox parent_instance;

  GtkWidget *drawing_area;
  GtkWidget *scrollbar;
  GtkWidget *span_combo;
  GtkWidget *title_label;
  GtkAdjustment *adjustment;
  HsTrace *trace;
  HsHop *hop;
  double span_seconds;
  /* Whether the range moves on with time; scrolling back stops it until
   * the scrollbar is brought to its end again. */
  gboolean following;
  gboolean updating;
  /* The end of a trace that no longer grows (a recording), 0 for now. */
  gint64 end_us;

  /* The selected time range, both 0 for none; and the drag that makes
   * one, from DRAG_X to the pointer. */
  gint64 range_from_us;
  gint64 range_to_us;
  gboolean dragging;
  double drag_x;
  double pointer_x;

  /* Where the last draw put the plot: the pointer's place is read against
   * what the person saw. */
  HsChartPlot plot;
};

G_DEFINE_TYPE (HsChartView, hs_chart_view, GTK_TYPE_BOX)

static void
copy_color (HsRenderColor *to,
            const GdkRGBA *from)
{
  to->red = from->red;
  to->green = from->green;
  to->blue = from->blue;
  to->alpha = from->alpha;
}

void
hs_render_style_init_for_widget (HsRenderStyle *style,
                                 GtkWidget *widget)
{
  GtkStyleContext *context = NULL;
  GdkRGBA foreground;
  double luminance = 0;

  g_return_if_fail (style != NULL);
  g_return_if_fail (GTK_IS_WIDGET (widget));

  /* GTK 3 themes say nothing of being dark; light text means a dark one. */
  context = gtk_widget_get_style_context (widget);
  gtk_style_context_get_color (context, gtk_style_context_get_state (context),
                               &foreground);
  luminance = 0.2126 * foreground.red + 0.7152 * foreground.green
              + 0.0722 * foreground.blue;

  hs_render_style_init_default (style, luminance > 0.5);
  copy_color (&style->foreground, &foreground);
}

/* The last hop shown once it is the target, which answered; else NULL.
 * The trace's list of hops keeps the reference. */
static HsHop *
find_target_hop (HsChartView *self)
{
  g_autoptr(HsHop) last = NULL;
  GListModel *hops = NULL;
  guint n_visible = 0;

  g_assert (HS_IS_CHART_VIEW (self));

  if (self->trace == NULL)
    return NULL;

  hops = hs_trace_get_hops (self->trace);
  n_visible = MIN (hs_trace_get_n_visible_hops (self->trace),
                   g_list_model_get_n_items (hops));
  if (n_visible == 0)
    return NULL;

  last = g_list_model_get_item (hops, n_visible - 1);
  return hs_hop_is_target (last) ? last : NULL;
}

static gint64
get_now (HsChartView *self)
{
  g_assert (HS_IS_CHART_VIEW (self));

  return self->end_us > 0 ? self->end_us : g_get_real_time ();
}

/* The range drawn, in microseconds of real time. */
static void
get_range (HsChartView *self,
           gint64 *from_us,
           gint64 *to_us)
{
  gint64 start_us = 0;
  gint64 now_us = 0;
  gint64 span_us = 0;

  g_assert (HS_IS_CHART_VIEW (self));

  if (self->trace != NULL)
    start_us = hs_trace_get_start_time (self->trace);
  if (start_us <= 0)
    start_us = get_now (self)
               - (gint64) (self->span_seconds * G_USEC_PER_SEC);

  /* A trace younger than the span fills the chart from its start to now
   * (a minute at the least), rather than crowding into the left edge of an
   * empty span; once it is older, the span scrolls. */
  now_us = get_now (self);
  span_us = (gint64) (self->span_seconds * G_USEC_PER_SEC);
  if (now_us - start_us < span_us)
    {
      *from_us = start_us;
      *to_us = MAX (now_us, start_us + MIN (span_us, 60 * G_USEC_PER_SEC));
      /* A trace that no longer grows fills the chart: it has no future to
       * leave room for. */
      if (self->end_us > 0)
        *to_us = MAX (now_us, start_us + G_USEC_PER_SEC);
      return;
    }

  *from_us = start_us + (gint64) (gtk_adjustment_get_value (self->adjustment)
                                  * G_USEC_PER_SEC);
  *to_us = *from_us + span_us;
}

static gint64
time_at (HsChartView *self,
         double x)
{
  gint64 from_us = 0;
  gint64 to_us = 0;
  double share = 0;

  g_assert (HS_IS_CHART_VIEW (self));

  get_range (self, &from_us, &to_us);
  share = CLAMP ((x - self->plot.x) / MAX (self->plot.width, 1.0), 0.0, 1.0);
  return from_us + (gint64) (share * (double) (to_us - from_us));
}

static double
x_at (HsChartView *self,
      gint64 time_us,
      gint64 from_us,
      gint64 to_us)
{
  double share = 0;

  g_assert (HS_IS_CHART_VIEW (self));

  share = (double) (time_us - from_us) / (double) MAX (to_us - from_us, 1);
  return self->plot.x + CLAMP (share, -0.01, 1.01) * self->plot.width;
}

/* The selected range, or the one being dragged, shaded over the plot. */
static void
draw_selection (HsChartView *self,
                cairo_t *cr,
                gint64 from_us,
                gint64 to_us,
                const HsRenderStyle *style)
{
  double height = gtk_widget_get_allocated_height (self->drawing_area);
  double left = 0;
  double right = 0;

  g_assert (HS_IS_CHART_VIEW (self));

  if (self->dragging)
    {
      left = MIN (self->drag_x, self->pointer_x);
      right = MAX (self->drag_x, self->pointer_x);
    }
  else if (self->range_to_us > self->range_from_us)
    {
      left = x_at (self, self->range_from_us, from_us, to_us);
      right = x_at (self, self->range_to_us, from_us, to_us);
    }
  if (right - left < 1)
    return;

  cairo_save (cr);
  cairo_rectangle (cr, floor (left), 0, ceil (right - left), height);
  cairo_set_source_rgba (cr, style->palette[0].red, style->palette[0].green,
                         style->palette[0].blue, style->dark ? 0.22 : 0.15);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, style->palette[0].red, style->palette[0].green,
                         style->palette[0].blue, 0.8);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static gboolean
on_drawing_area_button_press (GtkWidget *widget,
                              GdkEventButton *event,
                              gpointer user_data)
{
  HsChartView *self = HS_CHART_VIEW (user_data);

  if (event->button != GDK_BUTTON_PRIMARY || event->type != GDK_BUTTON_PRESS
      || self->trace == NULL)
    return GDK_EVENT_PROPAGATE;

  self->dragging = TRUE;
  self->drag_x = event->x;
  self->pointer_x = event->x;
  return GDK_EVENT_STOP;
}

static gboolean
on_drawing_area_motion_notify (GtkWidget *widget,
                               GdkEventMotion *event,
                               gpointer user_data)
{
  HsChartView *self = HS_CHART_VIEW (user_data);

  if (!self->dragging)
    return GDK_EVENT_PROPAGATE;

  self->pointer_x = event->x;
  gtk_widget_queue_draw (widget);
  return GDK_EVENT_STOP;
}

static gboolean
on_drawing_area_button_release (GtkWidget *widget,
                                GdkEventButton *event,
                                gpointer user_data)
{
  HsChartView *self = HS_CHART_VIEW (user_data);
  double left = 0;
  double right = 0;

  if (event->button != GDK_BUTTON_PRIMARY || !self->dragging)
    return GDK_EVENT_PROPAGATE;

  self->dragging = FALSE;
  left = MIN (self->drag_x, event->x);
  right = MAX (self->drag_x, event->x);
  if (right - left < MIN_DRAG_PIXELS)
    {
      gtk_widget_queue_draw (widget);
      return GDK_EVENT_STOP;
    }

  hs_chart_view_set_range (self, time_at (self, left), time_at (self, right));
  return GDK_EVENT_STOP;
}

static gboolean
on_drawing_area_draw (GtkWidget *widget,
                      cairo_t *cr,
                      gpointer user_data)
{
  HsChartView *self = HS_CHART_VIEW (user_data);
  HsChartSeries series[2];
  HsRenderStyle style;
  HsHop *target = find_target_hop (self);
  g_autofree char *hop_label = NULL;
  g_autofree char *target_label = NULL;
  guint n_series = 0;
  gint64 from_us = 0;
  gint64 to_us = 0;

  hs_render_style_init_for_widget (&style, widget);
  get_range (self, &from_us, &to_us);

  if (self->hop != NULL && self->hop != target)
    {
      hop_label = g_strdup_printf (_("Hop %u"), hs_hop_get_ttl (self->hop));
      series[n_series].hop = self->hop;
      series[n_series].label = hop_label;
      series[n_series].color = style.palette[0];
      n_series++;
    }
  if (target != NULL)
    {
      target_label = g_strdup_printf (_("Target (hop %u)"),
                                      hs_hop_get_ttl (target));
      series[n_series].hop = target;
      series[n_series].label = target_label;
      series[n_series].color = style.palette[1];
      n_series++;
    }

  hs_chart_draw (cr, gtk_widget_get_allocated_width (widget),
                 gtk_widget_get_allocated_height (widget), series, n_series,
                 from_us, to_us, &style, &self->plot);
  draw_selection (self, cr, from_us, to_us, &style);
  return GDK_EVENT_STOP;
}

static void
update_adjustment (HsChartView *self)
{
  double elapsed = 0;
  double upper = 0;

  g_assert (HS_IS_CHART_VIEW (self));

  if (self->trace != NULL && hs_trace_get_start_time (self->trace) > 0)
    elapsed = (get_now (self) - hs_trace_get_start_time (self->trace))
              / (double) G_USEC_PER_SEC;

  /* The scrollbar runs over the whole trace; a trace younger than the span
   * is drawn from its start, with room on the right to grow into. */
  upper = MAX (elapsed, self->span_seconds);
  self->updating = TRUE;
  gtk_adjustment_configure (self->adjustment,
                            self->following
                            ? upper - self->span_seconds
                            : MIN (gtk_adjustment_get_value (self->adjustment),
                                   upper - self->span_seconds),
                            0, upper, self->span_seconds / 10,
                            self->span_seconds, self->span_seconds);
  self->updating = FALSE;
}

static void
on_adjustment_value_changed (GtkAdjustment *adjustment,
                             gpointer user_data)
{
  HsChartView *self = HS_CHART_VIEW (user_data);
  double end = 0;

  if (self->updating)
    return;

  end = gtk_adjustment_get_upper (adjustment)
        - gtk_adjustment_get_page_size (adjustment);
  self->following = gtk_adjustment_get_value (adjustment) >= end - 0.5;
  gtk_widget_queue_draw (self->drawing_area);
}

static void
on_span_combo_changed (GtkComboBox *combo,
                       gpointer user_data)
{
  HsChartView *self = HS_CHART_VIEW (user_data);
  int active = gtk_combo_box_get_active (combo);

  if (active < 0)
    return;

  self->span_seconds = spans[active].seconds;
  self->following = TRUE;
  hs_chart_view_refresh (self);
}

static void
hs_chart_view_dispose (GObject *object)
{
  HsChartView *self = HS_CHART_VIEW (object);

  g_clear_object (&self->trace);
  g_clear_object (&self->hop);

  G_OBJECT_CLASS (hs_chart_view_parent_class)->dispose (object);
}

static void
hs_chart_view_class_init (HsChartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_chart_view_dispose;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "hschartview");

  signals[SIGNAL_RANGE_CHANGED] =
    g_signal_new ("range-changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hs_chart_view_init (HsChartView *self)
{
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self),
                                  GTK_ORIENTATION_VERTICAL);
  self->span_seconds = spans[1].seconds;
  self->following = TRUE;

  self->title_label = gtk_label_new (_("Round-trip time of the target"));
  gtk_label_set_xalign (GTK_LABEL (self->title_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->title_label), PANGO_ELLIPSIZE_END);
  gtk_style_context_add_class (gtk_widget_get_style_context (self->title_label),
                               "dim-label");
  gtk_box_pack_start (GTK_BOX (header), self->title_label, TRUE, TRUE, 0);

  self->span_combo = gtk_combo_box_text_new ();
  for (guint i = 0; i < G_N_ELEMENTS (spans); i++)
    gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (self->span_combo),
                               spans[i].id, _(spans[i].label));
  gtk_combo_box_set_active (GTK_COMBO_BOX (self->span_combo), 1);
  gtk_widget_set_tooltip_text (self->span_combo, _("How much time the chart "
                                                   "shows at once"));
  g_signal_connect (self->span_combo, "changed",
                    G_CALLBACK (on_span_combo_changed), self);
  gtk_box_pack_end (GTK_BOX (header), self->span_combo, FALSE, FALSE, 0);
  gtk_widget_set_margin_start (header, 8);
  gtk_widget_set_margin_end (header, 8);
  gtk_widget_set_margin_top (header, 6);
  gtk_widget_set_margin_bottom (header, 2);
  gtk_box_pack_start (GTK_BOX (self), header, FALSE, FALSE, 0);

  self->drawing_area = gtk_drawing_area_new ();
  gtk_widget_set_size_request (self->drawing_area, -1, 180);
  gtk_widget_set_vexpand (self->drawing_area, TRUE);
  gtk_widget_add_events (self->drawing_area, GDK_BUTTON_PRESS_MASK
                                             | GDK_BUTTON_RELEASE_MASK
                                             | GDK_BUTTON1_MOTION_MASK);
  gtk_widget_set_tooltip_text (self->drawing_area,
                               _("Drag across the chart to show a time range "
                                 "alone; Escape shows all again"));
  g_signal_connect (self->drawing_area, "draw",
                    G_CALLBACK (on_drawing_area_draw), self);
  g_signal_connect (self->drawing_area, "button-press-event",
                    G_CALLBACK (on_drawing_area_button_press), self);
  g_signal_connect (self->drawing_area, "motion-notify-event",
                    G_CALLBACK (on_drawing_area_motion_notify), self);
  g_signal_connect (self->drawing_area, "button-release-event",
                    G_CALLBACK (on_drawing_area_button_release), self);
  gtk_box_pack_start (GTK_BOX (self), self->drawing_area, TRUE, TRUE, 0);

  self->adjustment = gtk_adjustment_new (0, 0, self->span_seconds, 30,
                                         self->span_seconds,
                                         self->span_seconds);
  g_signal_connect (self->adjustment, "value-changed",
                    G_CALLBACK (on_adjustment_value_changed), self);
  self->scrollbar = gtk_scrollbar_new (GTK_ORIENTATION_HORIZONTAL,
                                       self->adjustment);
  gtk_widget_set_tooltip_text (self->scrollbar, _("Scroll back through the "
                                                  "whole trace"));
  gtk_box_pack_start (GTK_BOX (self), self->scrollbar, FALSE, FALSE, 0);

  gtk_widget_show_all (GTK_WIDGET (self));
}

GtkWidget *
hs_chart_view_new (void)
{
  return g_object_new (HS_TYPE_CHART_VIEW, NULL);
}

void
hs_chart_view_set_trace (HsChartView *self,
                         HsTrace *trace)
{
  g_return_if_fail (HS_IS_CHART_VIEW (self));
  g_return_if_fail (trace == NULL || HS_IS_TRACE (trace));

  g_set_object (&self->trace, trace);
  self->following = TRUE;
  self->end_us = 0;
  self->dragging = FALSE;
  hs_chart_view_set_range (self, 0, 0);
  hs_chart_view_set_hop (self, NULL);
  hs_chart_view_refresh (self);
}

void
hs_chart_view_set_hop (HsChartView *self,
                       HsHop *hop)
{
  g_autofree char *title = NULL;

  g_return_if_fail (HS_IS_CHART_VIEW (self));
  g_return_if_fail (hop == NULL || HS_IS_HOP (hop));

  g_set_object (&self->hop, hop);

  if (hop != NULL && !hs_hop_is_target (hop))
    title = g_strdup_printf (_("Round-trip time of hop %u and of the target"),
                             hs_hop_get_ttl (hop));
  else
    title = g_strdup (_("Round-trip time of the target"));
  gtk_label_set_text (GTK_LABEL (self->title_label), title);

  gtk_widget_queue_draw (self->drawing_area);
}

void
hs_chart_view_refresh (HsChartView *self)
{
  g_return_if_fail (HS_IS_CHART_VIEW (self));

  update_adjustment (self);
  gtk_widget_queue_draw (self->drawing_area);
}

void
hs_chart_view_set_end_time (HsChartView *self,
                            gint64 end_us)
{
  g_return_if_fail (HS_IS_CHART_VIEW (self));

  self->end_us = MAX (end_us, 0);
  self->following = TRUE;
  hs_chart_view_refresh (self);
}

void
hs_chart_view_set_range (HsChartView *self,
                         gint64 from_us,
                         gint64 to_us)
{
  g_return_if_fail (HS_IS_CHART_VIEW (self));

  if (to_us <= from_us)
    from_us = to_us = 0;
  if (from_us == self->range_from_us && to_us == self->range_to_us)
    return;

  self->range_from_us = from_us;
  self->range_to_us = to_us;
  gtk_widget_queue_draw (self->drawing_area);
  g_signal_emit (self, signals[SIGNAL_RANGE_CHANGED], 0);
}

gboolean
hs_chart_view_get_range (HsChartView *self,
                         gint64 *from_us,
                         gint64 *to_us)
{
  g_return_val_if_fail (HS_IS_CHART_VIEW (self), FALSE);

  if (from_us != NULL)
    *from_us = self->range_from_us;
  if (to_us != NULL)
    *to_us = self->range_to_us;
  return self->range_to_us > self->range_from_us;
}

gboolean
hs_chart_view_get_plot_position (HsChartView *self,
                                 int *root_x,
                                 int *root_y,
                                 int *width)
{
  GtkWidget *toplevel = NULL;
  int x = 0;
  int y = 0;

  g_return_val_if_fail (HS_IS_CHART_VIEW (self), FALSE);
  g_return_val_if_fail (root_x != NULL && root_y != NULL, FALSE);
  g_return_val_if_fail (width != NULL, FALSE);

  if (!gtk_widget_is_drawable (self->drawing_area) || self->plot.width <= 0)
    return FALSE;

  toplevel = gtk_widget_get_toplevel (self->drawing_area);
  if (!gtk_widget_translate_coordinates
        (self->drawing_area, toplevel, (int) ceil (self->plot.x),
         (int) (self->plot.y + self->plot.height / 2), &x, &y))
    return FALSE;

  gdk_window_get_origin (gtk_widget_get_window (toplevel), root_x, root_y);
  *root_x += x;
  *root_y += y;
  *width = (int) self->plot.width;
  return TRUE;
}
