/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "hs-report.h"
#include "hs-snapshot.h"

/* A file is drawn this many points wide: a page of a ticket or a report,
 * with room for the table's eight figures beside a long router name.  Its
 * PNG has two pixels a point, sharp on a high-density screen and when
 * printed. */
#define FILE_WIDTH 1000.0
#define FILE_SCALE 2.0

/* Sizes in points; text is laid out at 72 dots an inch, so that a point
 * of type is a unit of the drawing. */
#define MARGIN 28.0
#define TITLE_SIZE 18.0
#define HEADING_SIZE 12.5
#define BODY_SIZE 10.5
#define SMALL_SIZE 9.0
#define CHART_HEIGHT 250.0
#define SECTION_GAP 20.0
#define ROW_PADDING 4.0
#define CELL_GAP 10.0

/* The narrowest host column; below it, the figures' columns shrink. */
#define MIN_HOST_WIDTH 160.0

typedef enum
{
  COLUMN_HOP,
  COLUMN_HOST,
  COLUMN_LOSS,
  COLUMN_SENT,
  COLUMN_LAST,
  COLUMN_AVERAGE,
  COLUMN_BEST,
  COLUMN_WORST,
  COLUMN_DEVIATION,
  COLUMN_JITTER,
  N_COLUMNS
} Column;

/* The width of each column but the host's, which takes the rest. */
static const double column_widths[N_COLUMNS] = {
  [COLUMN_HOP] = 34,
  [COLUMN_HOST] = 0,
  [COLUMN_LOSS] = 58,
  [COLUMN_SENT] = 52,
  [COLUMN_LAST] = 58,
  [COLUMN_AVERAGE] = 58,
  [COLUMN_BEST] = 58,
  [COLUMN_WORST] = 58,
  [COLUMN_DEVIATION] = 58,
  [COLUMN_JITTER] = 58,
};

/* A line of text as drawn, for the SVG file's text layer. */
typedef struct
{
  char *text;
  double x;
  double baseline;
  double width;
  double size;
  gboolean bold;
} TextLine;

typedef struct
{
  cairo_t *cr;
  gboolean drawing;            /* FALSE: measure only, paint nothing */
  const HsSnapshotContent *content;
  const HsRenderStyle *style;
  double width;
  PangoContext *context;
  PangoLayout *layout;
  PangoFontDescription *title_font;
  PangoFontDescription *heading_font;
  PangoFontDescription *body_font;
  PangoFontDescription *bold_font;
  PangoFontDescription *small_font;
  char *chart_font;
  GArray *lines;               /* TextLine, or NULL when not wanted */

  /* The columns' left edges and widths, for this width. */
  double column_x[N_COLUMNS];
  double column_w[N_COLUMNS];

  /* The stretch of time the snapshot speaks of. */
  gint64 from_us;
  gint64 to_us;
} Snapshot;

static void
text_line_clear (gpointer data)
{
  TextLine *line = data;

  g_free (line->text);
}

static void
set_color (cairo_t *cr,
           const HsRenderColor *color,
           double alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue,
                         color->alpha * alpha);
}

static PangoFontDescription *
make_font (const char *family,
           double size,
           PangoWeight weight)
{
  PangoFontDescription *font = pango_font_description_new ();

  pango_font_description_set_family (font, family);
  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_font_description_set_weight (font, weight);
  return font;
}

/* Keeps the lines of the layout just drawn at (X, Y), for the SVG file:
 * cairo draws SVG text as shapes, which no one can search or copy. */
static void
record_lines (Snapshot *self,
              double x,
              double y,
              const PangoFontDescription *font)
{
  PangoLayoutIter *iter = NULL;
  const char *text = pango_layout_get_text (self->layout);

  g_assert (self->lines != NULL);

  iter = pango_layout_get_iter (self->layout);
  do
    {
      PangoLayoutLine *line = pango_layout_iter_get_line_readonly (iter);
      PangoRectangle logical;
      TextLine entry = { 0 };

      if (line->length == 0)
        continue;
      pango_layout_iter_get_line_extents (iter, NULL, &logical);
      entry.text = g_strndup (text + line->start_index, line->length);
      g_strchomp (entry.text);
      entry.x = x + (double) logical.x / PANGO_SCALE;
      entry.baseline = y + (double) pango_layout_iter_get_baseline (iter)
                           / PANGO_SCALE;
      entry.width = (double) logical.width / PANGO_SCALE;
      entry.size = (double) pango_font_description_get_size (font)
                   / PANGO_SCALE;
      entry.bold = pango_font_description_get_weight (font)
                   >= PANGO_WEIGHT_BOLD;
      g_array_append_val (self->lines, entry);
    }
  while (pango_layout_iter_next_line (iter));
  pango_layout_iter_free (iter);
}

/* Lays TEXT out in FONT, wrapped at WIDTH (none when WIDTH is not above
 * 0) and aligned in it; draws it with its top left at (X, Y) when
 * drawing.  Returns its height. */
static double
put_text (Snapshot *self,
          const char *text,
          const PangoFontDescription *font,
          double x,
          double y,
          double width,
          PangoAlignment alignment,
          const HsRenderColor *color,
          double alpha)
{
  int text_w = 0;
  int text_h = 0;

  g_assert (self != NULL);
  g_assert (text != NULL);

  pango_layout_set_font_description (self->layout, font);
  pango_layout_set_width (self->layout,
                          width > 0 ? (int) (width * PANGO_SCALE) : -1);
  pango_layout_set_wrap (self->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (self->layout, alignment);
  pango_layout_set_text (self->layout, text, -1);
  pango_layout_get_size (self->layout, &text_w, &text_h);

  if (self->drawing)
    {
      cairo_move_to (self->cr, x, y);
      set_color (self->cr, color, alpha);
      pango_cairo_show_layout (self->cr, self->layout);
      if (self->lines != NULL)
        record_lines (self, x, y, font);
    }

  return (double) text_h / PANGO_SCALE;
}

/* The height of TEXT in FONT, wrapped at WIDTH, without drawing it. */
static double
measure_text (Snapshot *self,
              const char *text,
              const PangoFontDescription *font,
              double width)
{
  gboolean drawing = self->drawing;
  double height = 0;

  self->drawing = FALSE;
  height = put_text (self, text, font, 0, 0, width, PANGO_ALIGN_LEFT, NULL,
                     0.0);
  self->drawing = drawing;

  return height;
}

static double
text_width (Snapshot *self,
            const char *text,
            const PangoFontDescription *font)
{
  int text_w = 0;
  int text_h = 0;

  pango_layout_set_font_description (self->layout, font);
  pango_layout_set_width (self->layout, -1);
  pango_layout_set_text (self->layout, text, -1);
  pango_layout_get_size (self->layout, &text_w, &text_h);
  return (double) text_w / PANGO_SCALE;
}

static void
fill_rectangle (Snapshot *self,
                double x,
                double y,
                double width,
                double height,
                const HsRenderColor *color,
                double alpha)
{
  if (!self->drawing)
    return;
  cairo_rectangle (self->cr, x, y, width, height);
  set_color (self->cr, color, alpha);
  cairo_fill (self->cr);
}

static char *
format_utc (gint64 time_us,
            const char *format)
{
  g_autoptr(GDateTime) epoch = g_date_time_new_from_unix_utc (0);
  g_autoptr(GDateTime) time = g_date_time_add (epoch, time_us);

  return time ? g_date_time_format (time, format) : g_strdup ("?");
}

static char *
format_duration (gint64 span_us)
{
  gint64 seconds = span_us / G_USEC_PER_SEC;

  if (seconds < 1)
    /* TRANSLATORS: a duration under a second. */
    return g_strdup (_("under a second"));
  if (seconds < 60)
    /* TRANSLATORS: a duration in seconds, "45 s". */
    return g_strdup_printf (_("%d s"), (int) seconds);
  if (seconds < 3600)
    /* TRANSLATORS: a duration in minutes and seconds, "12 min 5 s". */
    return g_strdup_printf (_("%d min %d s"), (int) (seconds / 60),
                            (int) (seconds % 60));

  /* TRANSLATORS: a duration in hours and minutes, "3 h 20 min". */
  return g_strdup_printf (_("%d h %d min"), (int) (seconds / 3600),
                          (int) (seconds / 60 % 60));
}

/* "2026-01-01 12:00:00 – 12:10:00 UTC", the date written once when both
 * ends fall on the same day. */
static char *
format_span (gint64 from_us,
             gint64 to_us)
{
  g_autofree char *from_day = format_utc (from_us, "%Y-%m-%d");
  g_autofree char *to_day = format_utc (to_us, "%Y-%m-%d");
  g_autofree char *from = format_utc (from_us, "%Y-%m-%d %H:%M:%S");
  g_autofree char *to = NULL;

  to = format_utc (to_us, g_strcmp0 (from_day, to_day) == 0
                            ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S");

  /* TRANSLATORS: a stretch of time, "2026-01-01 12:00:00 – 12:10:00 UTC". */
  return g_strdup_printf (_("%s – %s UTC"), from, to);
}

static guint
get_n_hops (const HsTraceData *data)
{
  return MIN (data->n_hops,
              g_list_model_get_n_items (G_LIST_MODEL (data->hops)));
}

static HsHop *
get_hop (const HsTraceData *data,
         guint index)
{
  g_autoptr(HsHop) hop = g_list_model_get_item (G_LIST_MODEL (data->hops),
                                                index);

  /* The store holds its own reference for as long as DATA lives. */
  return hop;
}

/* The first and last send times of the probes of the hops listed; FALSE
 * when there are none. */
static gboolean
get_probe_extent (const HsTraceData *data,
                  gint64 *first_us,
                  gint64 *last_us)
{
  gboolean any = FALSE;

  *first_us = G_MAXINT64;
  *last_us = G_MININT64;
  for (guint i = 0; i < get_n_hops (data); i++)
    {
      HsHistory *history = hs_hop_get_history (get_hop (data, i));
      guint length = hs_history_get_length (history);

      if (length == 0)
        continue;
      *first_us = MIN (*first_us, hs_history_get (history, 0)->sent_us);
      *last_us = MAX (*last_us, hs_history_get (history, length - 1)->sent_us);
      any = TRUE;
    }

  return any;
}

/* The stretch of time the snapshot speaks of: the trace from its first
 * round until it was taken, or the range it was cut to, within those. */
static void
choose_time_span (Snapshot *self)
{
  const HsTraceData *data = self->content->data;
  gint64 first_us = 0;
  gint64 last_us = 0;
  gboolean any = get_probe_extent (data, &first_us, &last_us);
  gint64 from_us = data->started_us;
  gint64 to_us = data->finished_us;

  if (from_us <= 0)
    from_us = any ? first_us : 0;
  if (to_us <= 0 || (any && to_us <= last_us))
    to_us = any ? last_us + 1 : from_us;

  if (data->range_from_us != 0 || data->range_to_us != 0)
    {
      from_us = MAX (from_us, data->range_from_us);
      to_us = MIN (to_us, data->range_to_us);
    }
  if (to_us <= from_us)
    to_us = from_us + G_USEC_PER_SEC;

  self->from_us = from_us;
  self->to_us = to_us;
}

static const char *
describe_route (HsHelperRoute route)
{
  switch (route)
    {
    case HS_HELPER_ROUTE_CAPABILITY:
      return _("Probing with the helper’s network capability");
    case HS_HELPER_ROUTE_ROOT:
      return _("Probing as root");
    case HS_HELPER_ROUTE_PKEXEC:
      return _("Probing as authorised by an administrator");
    case HS_HELPER_ROUTE_SETUID:
      return _("Probing with the setuid root helper");
    case HS_HELPER_ROUTE_UNPRIVILEGED:
      return _("Probing without privilege (ICMP datagram sockets)");
    case HS_HELPER_ROUTE_UNKNOWN:
    default:
      /* TRANSLATORS: how the helper ran, when that is not known. */
      return _("Not known");
    }
}

static char *
describe_protocol (const HsTraceOptions *options)
{
  const char *name = options->protocol == HS_PROTOCOL_UDP   ? "UDP"
                     : options->protocol == HS_PROTOCOL_TCP ? "TCP"
                                                            : "ICMP";

  if (options->protocol == HS_PROTOCOL_ICMP || options->port == 0)
    return g_strdup (name);

  /* TRANSLATORS: a protocol and the port its probes go to, "TCP, port
   * 443". */
  return g_strdup_printf (_("%s, port %u"), name, options->port);
}

static char *
describe_probes (Snapshot *self)
{
  const HsTraceData *data = self->content->data;
  gboolean whole = data->range_from_us == 0 && data->range_to_us == 0;
  guint sent = 0;
  g_autofree char *probes = NULL;

  for (guint i = 0; i < get_n_hops (data); i++)
    sent += hs_hop_get_stats (get_hop (data, i))->sent;

  /* TRANSLATORS: the probes a snapshot's figures rest on. */
  probes = g_strdup_printf (ngettext ("%u probe sent", "%u probes sent",
                                      sent), sent);
  if (!whole || data->rounds == 0)
    return g_steal_pointer (&probes);

  /* TRANSLATORS: the probes sent, and the rounds they were sent in,
   * "1200 probes sent, in 100 rounds". */
  return g_strdup_printf (ngettext ("%s, in %u round", "%s, in %u rounds",
                                    data->rounds), probes, data->rounds);
}

static char *
describe_time_span (Snapshot *self)
{
  g_autofree char *span = NULL;
  g_autofree char *duration = NULL;

  if (self->from_us <= 0)
    /* TRANSLATORS: the time range of a trace that sent no probe. */
    return g_strdup (_("No probes yet"));

  span = format_span (self->from_us, self->to_us);
  duration = format_duration (self->to_us - self->from_us);

  /* TRANSLATORS: a stretch of time and how long it lasted. */
  return g_strdup_printf (_("%s (%s)"), span, duration);
}

/* The line under the time range of a snapshot cut to a selected range,
 * NULL for the whole trace. */
static char *
describe_range (Snapshot *self)
{
  const HsTraceData *data = self->content->data;
  g_autofree char *whole_span = NULL;

  if (data->range_from_us == 0 && data->range_to_us == 0)
    return NULL;
  if (data->started_us <= 0 || data->finished_us <= data->started_us)
    /* TRANSLATORS: under the time range of a snapshot of a time range
     * that the user selected on the chart. */
    return g_strdup (_("Only the selected range of the trace"));

  whole_span = format_span (data->started_us, data->finished_us);

  /* TRANSLATORS: under the time range of a snapshot of a time range that
   * the user selected on the chart, with the whole trace's. */
  return g_strdup_printf (_("Only the selected range of the trace, which "
                            "ran %s"), whole_span);
}

typedef struct
{
  const char *label;
  const char *value;
  gboolean bold;
} Fact;

/* One column of "label  value" lines from Y on; returns where it ends. */
static double
draw_fact_column (Snapshot *self,
                  double x,
                  double y,
                  double width,
                  double label_w,
                  const Fact *facts,
                  guint n_facts)
{
  for (guint i = 0; i < n_facts; i++)
    {
      if (facts[i].value == NULL)
        continue;
      put_text (self, facts[i].label, self->body_font, x, y,
                label_w - CELL_GAP, PANGO_ALIGN_LEFT,
                &self->style->foreground, 0.6);
      y += put_text (self, facts[i].value,
                     facts[i].bold ? self->bold_font : self->body_font,
                     x + label_w, y, width - label_w, PANGO_ALIGN_LEFT,
                     &self->style->foreground, 1.0);
      y += 3;
    }

  return y;
}

/* Two columns of facts: what was traced, and when and how. */
static double
draw_facts (Snapshot *self,
            double y)
{
  const HsTraceData *data = self->content->data;
  g_autofree char *protocol = describe_protocol (&data->options);
  g_autofree char *probes = describe_probes (self);
  g_autofree char *span = describe_time_span (self);
  g_autofree char *range = describe_range (self);
  g_autofree char *taken =
    format_utc (data->finished_us > 0 ? data->finished_us
                                      : g_get_real_time (),
                "%Y-%m-%d %H:%M:%S UTC");
  const Fact left[] = {
    { _("Target"), data->options.target ? data->options.target : "", FALSE },
    /* TRANSLATORS: the address the target's name resolved to. */
    { _("Address"), data->address ? data->address : _("Not resolved"),
      FALSE },
    { _("Protocol"), protocol, FALSE },
    { _("Probes"), probes, FALSE },
  };
  const Fact right[] = {
    { _("Time range"), span, FALSE },
    { "", range, TRUE },
    /* TRANSLATORS: how the probing helper ran. */
    { _("Helper"), describe_route (data->route), FALSE },
    /* TRANSLATORS: the host name of the machine that probed. */
    { _("Host"), data->local_name ? data->local_name : "", FALSE },
    /* TRANSLATORS: when the snapshot's data was taken. */
    { _("Taken"), taken, FALSE },
  };
  double content_w = self->width - 2 * MARGIN;
  double half_w = floor ((content_w - 2 * CELL_GAP) / 2);
  double label_w = 0;
  double left_end = 0;
  double right_end = 0;

  /* One width for every label, so that the values line up. */
  for (guint i = 0; i < G_N_ELEMENTS (left); i++)
    label_w = MAX (label_w, text_width (self, left[i].label,
                                        self->body_font));
  for (guint i = 0; i < G_N_ELEMENTS (right); i++)
    label_w = MAX (label_w, text_width (self, right[i].label,
                                        self->body_font));
  label_w = MIN (ceil (label_w) + CELL_GAP, half_w / 3);

  left_end = draw_fact_column (self, MARGIN, y, half_w, label_w, left,
                               G_N_ELEMENTS (left));
  right_end = draw_fact_column (self, MARGIN + half_w + 2 * CELL_GAP, y,
                                half_w, label_w, right,
                                G_N_ELEMENTS (right));

  return MAX (left_end, right_end);
}

static double
draw_header (Snapshot *self,
             double y)
{
  const HsTraceData *data = self->content->data;
  g_autofree char *title = NULL;
  g_autofree char *version = NULL;
  double content_w = self->width - 2 * MARGIN;
  double version_w = 0;
  double title_h = 0;

  /* TRANSLATORS: the title of a snapshot, with the target as given. */
  title = g_strdup_printf (_("Trace to %s"),
                           data->options.target ? data->options.target : "");
  /* TRANSLATORS: the program and its version that took the snapshot. */
  version = g_strdup_printf (_("Hopscope %s"),
                             data->version ? data->version
                                           : HOPSCOPE_VERSION);

  version_w = ceil (text_width (self, version, self->body_font));
  title_h = put_text (self, title, self->title_font, MARGIN, y,
                      content_w - version_w - 2 * CELL_GAP, PANGO_ALIGN_LEFT,
                      &self->style->foreground, 1.0);
  put_text (self, version, self->body_font,
            self->width - MARGIN - version_w, y + 4, version_w + 1,
            PANGO_ALIGN_RIGHT, &self->style->foreground, 0.6);
  y += title_h + 10;

  y = draw_facts (self, y);
  y += 8;
  fill_rectangle (self, MARGIN, y, content_w, 1, &self->style->foreground,
                  0.25);

  return y + 1;
}

static double
draw_section_title (Snapshot *self,
                    double y,
                    const char *title,
                    const char *note)
{
  double h = put_text (self, title, self->heading_font, MARGIN, y, -1,
                       PANGO_ALIGN_LEFT, &self->style->foreground, 1.0);

  if (note != NULL)
    {
      double note_w = ceil (text_width (self, note, self->small_font)) + 1;
      double note_h = measure_text (self, note, self->small_font, -1);

      /* The note stands at the right edge, at the title's foot. */
      put_text (self, note, self->small_font,
                self->width - MARGIN - note_w, y + h - note_h - 1, note_w,
                PANGO_ALIGN_RIGHT, &self->style->foreground, 0.6);
    }

  return y + h + 6;
}

static const char *
get_column_title (Column c)
{
  switch (c)
    {
    case COLUMN_HOP:
      /* TRANSLATORS: the titles of the snapshot's hop table, short as
       * mtr's; round-trip times are in milliseconds. */
      return C_("column", "Hop");
    case COLUMN_HOST:
      return C_("column", "Host");
    case COLUMN_LOSS:
      return C_("column", "Loss %");
    case COLUMN_SENT:
      return C_("column", "Sent");
    case COLUMN_LAST:
      return C_("column", "Last");
    case COLUMN_AVERAGE:
      return C_("column", "Avg");
    case COLUMN_BEST:
      return C_("column", "Best");
    case COLUMN_WORST:
      return C_("column", "Worst");
    case COLUMN_DEVIATION:
      return C_("column", "StDev");
    case COLUMN_JITTER:
      return C_("column", "Jitter");
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

static void
layout_columns (Snapshot *self)
{
  double content_w = self->width - 2 * MARGIN;
  double fixed = 0;
  double factor = 1.0;
  double x = MARGIN;

  for (Column c = 0; c < N_COLUMNS; c++)
    fixed += column_widths[c];
  if (content_w - fixed < MIN_HOST_WIDTH)
    factor = MAX (0.3, (content_w - MIN_HOST_WIDTH) / fixed);

  /* A narrow drawing shrinks the figures' columns, but never below their
   * titles or the widest figure: those must not wrap. */
  for (Column c = 0; c < N_COLUMNS; c++)
    {
      double least = 0;

      if (c == COLUMN_HOST)
        continue;
      least = MAX (text_width (self, get_column_title (c), self->bold_font),
                   text_width (self, "100.0", self->body_font));
      self->column_w[c] = MAX (column_widths[c] * factor,
                               ceil (least) + CELL_GAP + 2);
      content_w -= self->column_w[c];
    }
  self->column_w[COLUMN_HOST] = MAX (content_w, MIN_HOST_WIDTH / 2);

  for (Column c = 0; c < N_COLUMNS; c++)
    {
      self->column_x[c] = x;
      x += self->column_w[c];
    }
}

/* Puts TEXT in column C of a row at Y: figures to the right, the host and
 * hop to the left, a gap before the next column. */
static double
put_cell (Snapshot *self,
          Column c,
          double y,
          const char *text,
          const PangoFontDescription *font,
          double alpha,
          const HsRenderColor *color)
{
  gboolean left = c == COLUMN_HOST;
  double x = self->column_x[c] + (left ? CELL_GAP : 0);
  double w = self->column_w[c] - CELL_GAP;

  return put_text (self, text, font, x, y, w,
                   left ? PANGO_ALIGN_LEFT : PANGO_ALIGN_RIGHT,
                   color ? color : &self->style->foreground, alpha);
}

static double
draw_table_titles (Snapshot *self,
                   double y)
{
  double h = 0;

  for (Column c = 0; c < N_COLUMNS; c++)
    h = MAX (h, put_cell (self, c, y + ROW_PADDING, get_column_title (c),
                          self->bold_font, 0.8, NULL));
  y += h + 2 * ROW_PADDING;
  fill_rectangle (self, MARGIN, y, self->width - 2 * MARGIN, 1,
                  &self->style->foreground, 0.45);

  return y + 1;
}

static char *
describe_responder (HsHop *hop,
                    guint index)
{
  const HsResponder *responder = hs_hop_get_responder (hop, index);
  g_autofree char *address = g_inet_address_to_string (responder->address);
  g_autofree char *host = NULL;

  /* A hidden responder has the unspecified address: its label says all. */
  if (responder->name != NULL
      && g_inet_address_get_is_any (responder->address))
    host = g_strdup (responder->name);
  else if (responder->name != NULL)
    host = g_strdup_printf ("%s (%s)", responder->name, address);
  else
    host = g_steal_pointer (&address);

  if (hs_hop_get_n_responders (hop) < 2)
    return g_steal_pointer (&host);

  /* TRANSLATORS: one of several routers that answered at a hop, and its
   * share of the hop's answers, "192.0.2.1 · 60%". */
  return g_strdup_printf (_("%s · %.0f%%"), host,
                          hs_hop_get_responder_share (hop, index));
}

static char *
format_ms (double us)
{
  return g_strdup_printf ("%.1f", us / 1000.0);
}

static double
draw_hop_row (Snapshot *self,
              double y,
              HsHop *hop,
              guint index)
{
  const HsHopStats *stats = hs_hop_get_stats (hop);
  g_autoptr(GString) hosts = g_string_new (NULL);
  g_auto(GStrv) figures = g_new0 (char *, N_COLUMNS + 1);
  gboolean answered = stats->answered > 0;
  const PangoFontDescription *host_font = self->body_font;
  double loss = hs_hop_stats_get_loss_percent (stats);
  double alpha = answered ? 1.0 : 0.45;
  double host_alpha = alpha;
  double row_h = 0;
  double top = y + ROW_PADDING;

  /* Every router that answered at a load-balanced hop, most answers
   * first as the main one is, each on its own line. */
  if (answered && hs_hop_get_n_responders (hop) > 0)
    {
      const HsResponder *main_responder = hs_hop_get_main_responder (hop);

      for (guint r = 0; r < hs_hop_get_n_responders (hop); r++)
        if (hs_hop_get_responder (hop, r) == main_responder)
          {
            g_autofree char *text = describe_responder (hop, r);

            g_string_append (hosts, text);
          }
      for (guint r = 0; r < hs_hop_get_n_responders (hop); r++)
        if (hs_hop_get_responder (hop, r) != main_responder)
          {
            g_autofree char *text = describe_responder (hop, r);

            g_string_append_printf (hosts, "\n%s", text);
          }
    }
  else if (answered)
    /* TRANSLATORS: a hop whose answers named no address. */
    g_string_append (hosts, _("Answered, no address given"));
  else
    /* TRANSLATORS: a hop where no probe was ever answered. */
    g_string_append (hosts, _("No answer"));
  if (hs_hop_is_target (hop))
    host_font = self->bold_font;
  /* A hidden router reads as set aside on purpose, not as a name. */
  if (answered && hs_hop_get_n_responders (hop) > 0
      && g_inet_address_get_is_any (hs_hop_get_main_responder (hop)->address))
    host_alpha = 0.6;

  figures[COLUMN_HOP] = g_strdup_printf ("%u", hs_hop_get_ttl (hop));
  figures[COLUMN_LOSS] = g_strdup_printf ("%.1f", loss);
  figures[COLUMN_SENT] = g_strdup_printf ("%u", stats->sent);
  if (answered)
    {
      figures[COLUMN_LAST] = format_ms (stats->last_us);
      figures[COLUMN_AVERAGE] = format_ms (hs_hop_stats_get_mean_us (stats));
      figures[COLUMN_BEST] = format_ms (stats->best_us);
      figures[COLUMN_WORST] = format_ms (stats->worst_us);
      figures[COLUMN_DEVIATION] =
        format_ms (hs_hop_stats_get_deviation_us (stats));
      figures[COLUMN_JITTER] = format_ms (stats->jitter_mean_us);
    }
  /* Every entry is set, so that the vector ends only at N_COLUMNS. */
  for (Column c = 0; c < N_COLUMNS; c++)
    if (figures[c] == NULL)
      /* TRANSLATORS: a figure that has no value: the hop never answered. */
      figures[c] = g_strdup (c == COLUMN_HOST ? "" : _("–"));

  /* The row's height is the host cell's, which may wrap or list several
   * routers; measured first so that the row's shading goes under it. */
  row_h = measure_text (self, hosts->str, host_font,
                        self->column_w[COLUMN_HOST] - CELL_GAP)
          + 2 * ROW_PADDING;

  if (index % 2 == 1)
    fill_rectangle (self, MARGIN, y, self->width - 2 * MARGIN, row_h,
                    &self->style->foreground, 0.045);

  put_cell (self, COLUMN_HOST, top, hosts->str, host_font, host_alpha,
            NULL);
  for (Column c = 0; c < N_COLUMNS; c++)
    {
      const HsRenderColor *color = NULL;

      if (c == COLUMN_HOST)
        continue;
      if (c == COLUMN_LOSS && answered && loss > 0)
        color = &self->style->loss;
      put_cell (self, c, top, figures[c], self->body_font, alpha, color);
    }

  return y + row_h;
}

static double
draw_table (Snapshot *self,
            double y)
{
  const HsTraceData *data = self->content->data;
  guint n_hops = get_n_hops (data);

  /* TRANSLATORS: the title of the hop table, and the unit of its times. */
  y = draw_section_title (self, y, _("Hops"),
                          _("Round-trip times in milliseconds"));
  y = draw_table_titles (self, y);

  if (n_hops == 0)
    {
      y += ROW_PADDING;
      y += put_text (self, _("No hop has been probed yet."), self->body_font,
                     self->column_x[COLUMN_HOST] + CELL_GAP, y, -1,
                     PANGO_ALIGN_LEFT, &self->style->foreground, 0.6);
      return y + ROW_PADDING;
    }

  for (guint i = 0; i < n_hops; i++)
    y = draw_hop_row (self, y, get_hop (data, i), i);
  fill_rectangle (self, MARGIN, y, self->width - 2 * MARGIN, 1,
                  &self->style->foreground, 0.25);

  return y + 1;
}

static double
draw_chart (Snapshot *self,
            double y)
{
  const HsTraceData *data = self->content->data;
  HsChartSeries series[2];
  HsRenderStyle chart_style = *self->style;
  g_autofree char *target_label = NULL;
  g_autofree char *zone_note = NULL;
  g_autoptr(GDateTime) start = NULL;
  HsHop *target = NULL;
  HsHop *charted = NULL;
  guint n_hops = get_n_hops (data);
  guint n_series = 0;

  /* The target's hop, or the last one listed while it never answered. */
  for (guint i = 0; i < n_hops && target == NULL; i++)
    if (hs_hop_is_target (get_hop (data, i)))
      target = get_hop (data, i);
  if (target != NULL)
    /* TRANSLATORS: the target's line in the latency chart. */
    target_label = g_strdup_printf (_("Target (hop %u)"),
                                    hs_hop_get_ttl (target));
  else if (n_hops > 0)
    target = get_hop (data, n_hops - 1);

  for (guint i = 0; i < n_hops; i++)
    if (hs_hop_get_ttl (get_hop (data, i)) == self->content->chart_ttl
        && get_hop (data, i) != target)
      charted = get_hop (data, i);

  /* The chart's axis shows this computer's time of day, which is not
   * always the header's UTC. */
  start = g_date_time_new_from_unix_local (self->from_us / G_USEC_PER_SEC);
  if (start != NULL && g_date_time_get_utc_offset (start) != 0)
    {
      g_autofree char *offset = g_date_time_format (start, "%:z");

      /* TRANSLATORS: a note by the latency chart: its times of day are in
       * this computer's time zone, "UTC+01:00". */
      zone_note = g_strdup_printf (_("Times of day in UTC%s"), offset);
    }
  else
    zone_note = g_strdup (_("Times of day in UTC"));

  if (target != NULL)
    series[n_series++] = (HsChartSeries) {
      target, target_label, self->style->palette[0]
    };
  if (charted != NULL)
    series[n_series++] = (HsChartSeries) {
      charted, NULL, self->style->palette[1]
    };

  /* TRANSLATORS: the title of the latency chart. */
  y = draw_section_title (self, y, _("Latency over time"), zone_note);

  if (self->drawing)
    {
      chart_style.font = self->chart_font;
      cairo_save (self->cr);
      cairo_translate (self->cr, MARGIN, y);
      hs_chart_draw (self->cr, self->width - 2 * MARGIN, CHART_HEIGHT,
                     series, n_series, self->from_us, self->to_us,
                     &chart_style, NULL);
      cairo_restore (self->cr);
    }

  return y + CHART_HEIGHT;
}

/* The colour of a finding's mark: red for loss and silence, orange for a
 * change to look at, green for what is not a fault. */
static const HsRenderColor *
finding_color (Snapshot *self,
               const HsFinding *finding)
{
  switch (finding->kind)
    {
    case HS_FINDING_LOSS_ON_PATH:
    case HS_FINDING_TARGET_SILENT:
      return &self->style->loss;
    case HS_FINDING_LATENCY_STEP:
    case HS_FINDING_PATH_CHANGED:
      return &self->style->palette[1];
    case HS_FINDING_RATE_LIMITED:
    case HS_FINDING_SILENT_HOP:
    case HS_FINDING_HEALTHY:
    default:
      return &self->style->palette[2];
    }
}

static double
draw_findings (Snapshot *self,
               double y)
{
  GPtrArray *findings = self->content->findings;
  double text_x = MARGIN + 18;
  double text_w = self->width - MARGIN - text_x;

  /* TRANSLATORS: the title of the snapshot's plain-language summary. */
  y = draw_section_title (self, y, _("Diagnosis"), NULL);

  for (guint i = 0; i < findings->len; i++)
    {
      const HsFinding *finding = g_ptr_array_index (findings, i);
      double h = 0;

      h = put_text (self, finding->sentence ? finding->sentence : "",
                    self->body_font, text_x, y, text_w, PANGO_ALIGN_LEFT,
                    &self->style->foreground, 1.0);
      if (self->drawing)
        {
          double line_h = measure_text (self, "0", self->body_font, -1);

          cairo_new_path (self->cr);
          cairo_arc (self->cr, MARGIN + 6, y + line_h / 2, 4, 0, 2 * G_PI);
          set_color (self->cr, finding_color (self, finding), 1.0);
          cairo_fill (self->cr);
        }
      y += h + 6;
    }

  return y;
}

/* Lays the snapshot out, and draws it when SELF is drawing.  Returns its
 * height. */
static double
lay_out (Snapshot *self)
{
  double y = MARGIN;

  layout_columns (self);
  choose_time_span (self);

  y = draw_header (self, y);
  y = draw_table (self, y + SECTION_GAP);
  y = draw_chart (self, y + SECTION_GAP);
  if (self->content->findings != NULL && self->content->findings->len > 0)
    y = draw_findings (self, y + SECTION_GAP);

  return ceil (y + MARGIN);
}

static void
snapshot_init (Snapshot *self,
               cairo_t *cr,
               gboolean drawing,
               const HsSnapshotContent *content,
               const HsRenderStyle *style,
               double width)
{
  g_autoptr(PangoFontDescription) base = NULL;
  cairo_font_options_t *options = NULL;
  const char *family = NULL;

  g_assert (cr != NULL);

  memset (self, 0, sizeof *self);
  self->cr = cr;
  self->drawing = drawing;
  self->content = content;
  self->style = style;
  self->width = width;

  /* Metrics not hinted to the pixel grid, and a point a unit: the same
   * layout on the screen, in a PNG at any scale, in SVG and in PDF, and
   * when measured beforehand. */
  self->context = pango_cairo_create_context (cr);
  pango_cairo_context_set_resolution (self->context, 72.0);
  options = cairo_font_options_create ();
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (self->context, options);
  cairo_font_options_destroy (options);
  self->layout = pango_layout_new (self->context);

  base = pango_font_description_from_string (style->font ? style->font
                                                         : "Sans");
  family = pango_font_description_get_family (base);
  if (family == NULL)
    family = "Sans";
  self->title_font = make_font (family, TITLE_SIZE, PANGO_WEIGHT_BOLD);
  self->heading_font = make_font (family, HEADING_SIZE, PANGO_WEIGHT_BOLD);
  self->body_font = make_font (family, BODY_SIZE, PANGO_WEIGHT_NORMAL);
  self->bold_font = make_font (family, BODY_SIZE, PANGO_WEIGHT_BOLD);
  self->small_font = make_font (family, SMALL_SIZE, PANGO_WEIGHT_NORMAL);

  /* The chart lays its text out at 96 dots an inch: 8 of its points are
   * about 10.7 of the snapshot's, its body text. */
  self->chart_font = g_strdup_printf ("%s 8", family);
}

static void
snapshot_clear (Snapshot *self)
{
  g_clear_object (&self->layout);
  g_clear_object (&self->context);
  g_clear_pointer (&self->title_font, pango_font_description_free);
  g_clear_pointer (&self->heading_font, pango_font_description_free);
  g_clear_pointer (&self->body_font, pango_font_description_free);
  g_clear_pointer (&self->bold_font, pango_font_description_free);
  g_clear_pointer (&self->small_font, pango_font_description_free);
  g_clear_pointer (&self->chart_font, g_free);
}

gboolean
hs_snapshot_format_from_path (const char *path,
                              HsSnapshotFormat *format,
                              GError **error)
{
  const char *dot = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (format != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dot = strrchr (path, '.');
  if (dot != NULL && strchr (dot, '/') == NULL)
    {
      if (g_ascii_strcasecmp (dot, ".png") == 0)
        *format = HS_SNAPSHOT_FORMAT_PNG;
      else if (g_ascii_strcasecmp (dot, ".svg") == 0)
        *format = HS_SNAPSHOT_FORMAT_SVG;
      else if (g_ascii_strcasecmp (dot, ".pdf") == 0)
        *format = HS_SNAPSHOT_FORMAT_PDF;
      else
        dot = NULL;
      if (dot != NULL)
        return TRUE;
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("Cannot tell the format of the snapshot “%s”: end its name "
                 "with .png, .svg or .pdf."), path);
  return FALSE;
}

double
hs_snapshot_get_height (const HsSnapshotContent *content,
                        const HsRenderStyle *style,
                        double width)
{
  cairo_surface_t *surface = NULL;
  cairo_t *cr = NULL;
  Snapshot snapshot;
  double height = 0;

  g_return_val_if_fail (content != NULL, 0);
  g_return_val_if_fail (content->data != NULL, 0);
  g_return_val_if_fail (style != NULL, 0);
  g_return_val_if_fail (width > 0, 0);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (surface);
  snapshot_init (&snapshot, cr, FALSE, content, style, width);
  height = lay_out (&snapshot);
  snapshot_clear (&snapshot);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  return height;
}

/* Draws CONTENT, keeping each line of text drawn in LINES when given. */
static void
draw_content (cairo_t *cr,
              const HsSnapshotContent *content,
              const HsRenderStyle *style,
              double width,
              double height,
              GArray *lines)
{
  Snapshot snapshot;

  g_assert (cr != NULL);

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  set_color (cr, &style->background, 1.0);
  cairo_fill (cr);

  snapshot_init (&snapshot, cr, TRUE, content, style, width);
  snapshot.lines = lines;
  lay_out (&snapshot);
  snapshot_clear (&snapshot);
  cairo_restore (cr);
}

void
hs_snapshot_draw (cairo_t *cr,
                  const HsSnapshotContent *content,
                  const HsRenderStyle *style,
                  double width)
{
  double height = 0;

  g_return_if_fail (cr != NULL);
  g_return_if_fail (content != NULL);
  g_return_if_fail (content->data != NULL);
  g_return_if_fail (style != NULL);
  g_return_if_fail (width > 0);

  height = hs_snapshot_get_height (content, style, width);
  draw_content (cr, content, style, width, height, NULL);
}

cairo_surface_t *
hs_snapshot_render_image (const HsSnapshotContent *content,
                          const HsRenderStyle *style,
                          double width,
                          double scale)
{
  cairo_surface_t *surface = NULL;
  cairo_t *cr = NULL;
  double height = 0;

  g_return_val_if_fail (content != NULL, NULL);
  g_return_val_if_fail (content->data != NULL, NULL);
  g_return_val_if_fail (style != NULL, NULL);
  g_return_val_if_fail (width > 0, NULL);
  g_return_val_if_fail (scale > 0, NULL);

  height = hs_snapshot_get_height (content, style, width);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                        (int) ceil (width * scale),
                                        (int) ceil (height * scale));
  cr = cairo_create (surface);
  cairo_scale (cr, scale, scale);
  draw_content (cr, content, style, width, height, NULL);
  cairo_destroy (cr);

  return surface;
}

static cairo_status_t
append_bytes (void *closure,
              const unsigned char *data,
              unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static char *
make_title (const HsSnapshotContent *content)
{
  const char *target = content->data->options.target;

  /* TRANSLATORS: the title a snapshot file carries, with the target. */
  return g_strdup_printf (_("Hopscope: trace to %s"), target ? target : "");
}

/* Inserts a title and an invisible copy of every line of text, over the
 * drawn one, into the SVG cairo wrote: cairo draws text as shapes, and a
 * person reading a ticket searches the addresses and copies them. */
static GByteArray *
add_svg_text (GByteArray *svg,
              GArray *lines,
              const char *title)
{
  g_autoptr(GString) result = g_string_sized_new (svg->len + 4096);
  g_autofree char *escaped_title = g_markup_escape_text (title, -1);
  g_autofree char *text = NULL;
  const char *open = NULL;
  const char *open_end = NULL;
  const char *close = NULL;
  gsize length = 0;

  g_assert (svg != NULL);
  g_assert (lines != NULL);

  text = g_strndup ((const char *) svg->data, svg->len);
  open = strstr (text, "<svg");
  open_end = open ? strchr (open, '>') : NULL;
  close = g_strrstr (text, "</svg>");
  if (open_end == NULL || close == NULL || close < open_end)
    {
      g_warning ("The SVG that cairo wrote has no root element");
      return g_byte_array_ref (svg);
    }

  g_string_append_len (result, text, open_end + 1 - text);
  g_string_append_printf (result, "\n<title>%s</title>", escaped_title);
  g_string_append_len (result, open_end + 1, close - (open_end + 1));

  g_string_append (result, "<g id=\"text\" fill=\"#000000\" "
                           "fill-opacity=\"0\" stroke=\"none\" "
                           "font-family=\"sans-serif\">\n");
  for (guint i = 0; i < lines->len; i++)
    {
      const TextLine *line = &g_array_index (lines, TextLine, i);
      g_autofree char *escaped = g_markup_escape_text (line->text, -1);
      char x[G_ASCII_DTOSTR_BUF_SIZE];
      char y[G_ASCII_DTOSTR_BUF_SIZE];
      char size[G_ASCII_DTOSTR_BUF_SIZE];
      char width[G_ASCII_DTOSTR_BUF_SIZE];

      if (line->width <= 0 || *line->text == '\0')
        continue;
      g_ascii_formatd (x, sizeof x, "%.2f", line->x);
      g_ascii_formatd (y, sizeof y, "%.2f", line->baseline);
      g_ascii_formatd (size, sizeof size, "%.2f", line->size);
      g_ascii_formatd (width, sizeof width, "%.2f", line->width);
      g_string_append_printf (result,
                              "<text x=\"%s\" y=\"%s\" font-size=\"%s\"%s "
                              "textLength=\"%s\" "
                              "lengthAdjust=\"spacingAndGlyphs\" "
                              "xml:space=\"preserve\">%s</text>\n",
                              x, y, size,
                              line->bold ? " font-weight=\"bold\"" : "",
                              width, escaped);
    }
  g_string_append (result, "</g>\n");
  g_string_append (result, close);

  length = result->len;
  return g_byte_array_new_take ((guint8 *) g_string_free (g_steal_pointer
                                                            (&result),
                                                          FALSE),
                                length);
}

/* The file's bytes in FORMAT, in memory, so that a failed write leaves no
 * half file behind and its error names the file. */
static GByteArray *
render_file (const HsSnapshotContent *content,
             HsSnapshotFormat format,
             GError **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GArray) lines = NULL;
  g_autofree char *title = make_title (content);
  g_autofree char *creator = NULL;
  HsRenderStyle style;
  cairo_surface_t *surface = NULL;
  cairo_status_t status = CAIRO_STATUS_SUCCESS;
  double height = 0;

  g_assert (content != NULL);

  hs_render_style_init_default (&style, FALSE);
  height = hs_snapshot_get_height (content, &style, FILE_WIDTH);
  creator = g_strdup_printf ("Hopscope %s", HOPSCOPE_VERSION);

  switch (format)
    {
    case HS_SNAPSHOT_FORMAT_PNG:
      surface = hs_snapshot_render_image (content, &style, FILE_WIDTH,
                                          FILE_SCALE);
      status = cairo_surface_write_to_png_stream (surface, append_bytes,
                                                  bytes);
      break;

    /* TODO: a snapshot taller than the largest PDF page (14,400 points)
     * should go on to a second page. */
    case HS_SNAPSHOT_FORMAT_SVG:
    case HS_SNAPSHOT_FORMAT_PDF:
      {
        cairo_t *cr = NULL;

        if (format == HS_SNAPSHOT_FORMAT_SVG)
          {
            surface = cairo_svg_surface_create_for_stream (append_bytes,
                                                           bytes, FILE_WIDTH,
                                                           height);
            lines = g_array_new (FALSE, TRUE, sizeof (TextLine));
            g_array_set_clear_func (lines, text_line_clear);
          }
        else
          {
            surface = cairo_pdf_surface_create_for_stream (append_bytes,
                                                           bytes, FILE_WIDTH,
                                                           height);
            cairo_pdf_surface_set_metadata (surface,
                                            CAIRO_PDF_METADATA_TITLE, title);
            cairo_pdf_surface_set_metadata (surface,
                                            CAIRO_PDF_METADATA_CREATOR,
                                            creator);
          }
        cr = cairo_create (surface);
        draw_content (cr, content, &style, FILE_WIDTH, height, lines);
        status = cairo_status (cr);
        cairo_destroy (cr);
        cairo_surface_finish (surface);
        if (status == CAIRO_STATUS_SUCCESS)
          status = cairo_surface_status (surface);
        break;
      }

    default:
      g_assert_not_reached ();
    }
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Could not draw the snapshot: %s. Try another format."),
                   cairo_status_to_string (status));
      return NULL;
    }

  if (lines != NULL)
    return add_svg_text (bytes, lines, title);

  return g_steal_pointer (&bytes);
}

gboolean
hs_snapshot_write (const HsSnapshotContent *content,
                   HsSnapshotFormat format,
                   const char *path,
                   GError **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *folder = NULL;

  g_return_val_if_fail (content != NULL, FALSE);
  g_return_val_if_fail (content->data != NULL, FALSE);
  g_return_val_if_fail (format <= HS_SNAPSHOT_FORMAT_PDF, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(bytes = render_file (content, format, error)))
    return FALSE;

  folder = g_path_get_dirname (path);
  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("Could not save the snapshot “%s”: the folder “%s” does "
                     "not exist. Choose another folder, or create it "
                     "first."), path, folder);
      return FALSE;
    }

  if (!g_file_set_contents (path, (const char *) bytes->data, bytes->len,
                            &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("Could not save the snapshot “%s”: %s. Check that "
                     "the folder may be written to and that the disk has "
                     "room, or choose another place."), path,
                   local_error->message);
      return FALSE;
    }

  return TRUE;
}
