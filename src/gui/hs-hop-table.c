/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <string.h>

#include <glib/gi18n.h>

#include "hs-chart-view.h"
#include "hs-hop-table.h"
#include "hs-sparkline.h"

/* How much time a row's small graph covers. */
#define SPARKLINE_SPAN_US (G_USEC_PER_SEC * 120)

enum
{
  COL_HOP,
  COL_TTL,
  COL_HOST_MARKUP,
  COL_HOST_TEXT,
  COL_LOSS,
  COL_SENT,
  COL_LAST,
  COL_AVG,
  COL_BEST,
  COL_WORST,
  COL_STDEV,
  COL_JITTER,
  COL_ANSWERED,
  N_COLUMNS
};

/* The columns a person sees, by the identifier the hidden-columns setting
 * stores.  MODEL_COLUMN is -1 for the graph, which draws from the hop. */
static const struct
{
  const char *id;
  const char *title;
  int model_column;
  gboolean numeric;
  gboolean hideable;
} columns[] = {
  { "hop", N_("Hop"), COL_TTL, TRUE, FALSE },
  { "host", N_("Host"), COL_HOST_MARKUP, FALSE, FALSE },
  { "loss", N_("Loss %"), COL_LOSS, TRUE, TRUE },
  { "sent", N_("Sent"), COL_SENT, TRUE, TRUE },
  { "last", N_("Last"), COL_LAST, TRUE, TRUE },
  { "avg", N_("Avg"), COL_AVG, TRUE, TRUE },
  { "best", N_("Best"), COL_BEST, TRUE, TRUE },
  { "worst", N_("Worst"), COL_WORST, TRUE, TRUE },
  { "stdev", N_("StDev"), COL_STDEV, TRUE, TRUE },
  { "jitter", N_("Jitter"), COL_JITTER, TRUE, TRUE },
  { "graph", N_("Graph"), -1, FALSE, TRUE },
};

/* A cell renderer that draws a hop's recent round-trip times with
 * hs_sparkline_draw(). */
#define HS_TYPE_SPARKLINE_RENDERER (hs_sparkline_renderer_get_type ())
G_DECLARE_FINAL_TYPE (HsSparklineRenderer, hs_sparkline_renderer,
                      HS, SPARKLINE_RENDERER, GtkCellRenderer)

struct _HsSparklineRenderer
{
  GtkCellRenderer parent_instance;

  HsHop *hop;
  /* The right edge of the graph, 0 for now: see
   * hs_hop_table_set_end_time(). */
  gint64 end_us;
};

enum
{
  PROP_RENDERER_0,
  PROP_RENDERER_HOP,
};

G_DEFINE_TYPE (HsSparklineRenderer, hs_sparkline_renderer,
               GTK_TYPE_CELL_RENDERER)

struct _HsHopTable
{
  GtkScrolledWindow parent_instance;

  GtkTreeView *tree_view;
  GtkListStore *store;
  GtkTreeViewColumn *view_columns[G_N_ELEMENTS (columns)];
  GtkWidget *columns_menu;
  GtkWidget *column_items[G_N_ELEMENTS (columns)];
  HsTrace *trace;
  GSettings *settings;
  HsSparklineRenderer *sparkline;
};

enum
{
  SIGNAL_SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (HsHopTable, hs_hop_table, GTK_TYPE_SCROLLED_WINDOW)

static void
hs_sparkline_renderer_render (GtkCellRenderer *cell,
                              cairo_t *cr,
                              GtkWidget *widget,
                              const GdkRectangle *background_area,
                              const GdkRectangle *cell_area,
                              GtkCellRendererState flags)
{
  HsSparklineRenderer *self = HS_SPARKLINE_RENDERER (cell);
  HsHistory *history = NULL;
  HsRenderStyle style;
  gint64 now = self->end_us != 0 ? self->end_us : g_get_real_time ();
  gint64 from_us = now - SPARKLINE_SPAN_US;
  int xpad = 0;
  int ypad = 0;

  if (self->hop == NULL)
    return;

  /* A young trace fills the graph from its first probe on, rather than
   * squeezing into the right edge of the span. */
  history = hs_hop_get_history (self->hop);
  if (hs_history_get_length (history) > 0)
    from_us = MAX (from_us, hs_history_get (history, 0)->sent_us);
  if (from_us >= now)
    return;

  gtk_cell_renderer_get_padding (cell, &xpad, &ypad);
  hs_render_style_init_for_widget (&style, widget);

  /* On a selected row the bars take the selection's text colour, since
   * the theme's blue would vanish into the blue of the selection. */
  if (flags & GTK_CELL_RENDERER_SELECTED)
    {
      GtkStyleContext *context = gtk_widget_get_style_context (widget);
      GdkRGBA selected;

      gtk_style_context_save (context);
      gtk_style_context_set_state (context, GTK_STATE_FLAG_SELECTED
                                   | GTK_STATE_FLAG_FOCUSED);
      gtk_style_context_get_color (context,
                                   gtk_style_context_get_state (context),
                                   &selected);
      gtk_style_context_restore (context);
      style.palette[0].red = selected.red;
      style.palette[0].green = selected.green;
      style.palette[0].blue = selected.blue;
      style.palette[0].alpha = selected.alpha;
    }

  cairo_save (cr);
  cairo_translate (cr, cell_area->x + xpad, cell_area->y + ypad);
  hs_sparkline_draw (cr, cell_area->width - 2 * xpad,
                     cell_area->height - 2 * ypad, self->hop,
                     from_us, now, &style);
  cairo_restore (cr);
}

static void
hs_sparkline_renderer_get_preferred_width (GtkCellRenderer *cell,
                                           GtkWidget *widget,
                                           int *minimum,
                                           int *natural)
{
  *minimum = 80;
  *natural = 160;
}

static void
hs_sparkline_renderer_get_preferred_height (GtkCellRenderer *cell,
                                            GtkWidget *widget,
                                            int *minimum,
                                            int *natural)
{
  *minimum = 18;
  *natural = 22;
}

static void
hs_sparkline_renderer_set_property (GObject *object,
                                    guint prop_id,
                                    const GValue *value,
                                    GParamSpec *pspec)
{
  HsSparklineRenderer *self = HS_SPARKLINE_RENDERER (object);

  switch (prop_id)
    {
    case PROP_RENDERER_HOP:
      g_set_object (&self->hop, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_sparkline_renderer_get_property (GObject *object,
                                    guint prop_id,
                                    GValue *value,
                                    GParamSpec *pspec)
{
  HsSparklineRenderer *self = HS_SPARKLINE_RENDERER (object);

  switch (prop_id)
    {
    case PROP_RENDERER_HOP:
      g_value_set_object (value, self->hop);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_sparkline_renderer_dispose (GObject *object)
{
  HsSparklineRenderer *self = HS_SPARKLINE_RENDERER (object);

  g_clear_object (&self->hop);

  G_OBJECT_CLASS (hs_sparkline_renderer_parent_class)->dispose (object);
}

static void
hs_sparkline_renderer_class_init (HsSparklineRendererClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkCellRendererClass *cell_class = GTK_CELL_RENDERER_CLASS (klass);

  object_class->set_property = hs_sparkline_renderer_set_property;
  object_class->get_property = hs_sparkline_renderer_get_property;
  object_class->dispose = hs_sparkline_renderer_dispose;
  cell_class->render = hs_sparkline_renderer_render;
  cell_class->get_preferred_width = hs_sparkline_renderer_get_preferred_width;
  cell_class->get_preferred_height = hs_sparkline_renderer_get_preferred_height;

  g_object_class_install_property
    (object_class, PROP_RENDERER_HOP,
     g_param_spec_object ("hop", NULL, NULL, HS_TYPE_HOP,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
hs_sparkline_renderer_init (HsSparklineRenderer *self)
{
  gtk_cell_renderer_set_padding (GTK_CELL_RENDERER (self), 4, 3);
}

static char *
format_ms (gint64 us)
{
  return g_strdup_printf ("%.1f", us / 1000.0);
}

static int
compare_responders (gconstpointer a,
                    gconstpointer b)
{
  const HsResponder *first = *(const HsResponder * const *) a;
  const HsResponder *second = *(const HsResponder * const *) b;

  return (first->answers < second->answers)
         - (first->answers > second->answers);
}

/* The MPLS label stack "L,TC,S,TTL,..." as its labels alone. */
static char *
format_mpls_labels (const char *mpls)
{
  g_auto(GStrv) fields = g_strsplit (mpls, ",", -1);
  g_autoptr(GString) labels = g_string_new (NULL);

  for (guint i = 0; fields[i] != NULL; i += 4)
    {
      if (labels->len > 0)
        g_string_append (labels, ", ");
      g_string_append (labels, fields[i]);
      if (fields[i + 1] == NULL || fields[i + 2] == NULL
          || fields[i + 3] == NULL)
        break;
    }
  return g_string_free (g_steal_pointer (&labels), FALSE);
}

/* The responders of HOP, the most frequent first, one per line: as markup
 * for the table and as plain text for the dump. */
static void
format_host (HsHop *hop,
             char **markup,
             char **text)
{
  g_autoptr(GPtrArray) responders = g_ptr_array_new ();
  g_autoptr(GString) markup_lines = g_string_new (NULL);
  g_autoptr(GString) text_lines = g_string_new (NULL);

  for (guint i = 0; i < hs_hop_get_n_responders (hop); i++)
    g_ptr_array_add (responders, (gpointer) hs_hop_get_responder (hop, i));
  g_ptr_array_sort (responders, compare_responders);

  for (guint i = 0; i < responders->len; i++)
    {
      const HsResponder *responder = responders->pdata[i];
      g_autofree char *address = g_inet_address_to_string (responder->address);
      g_autofree char *line = NULL;

      if (i > 0)
        {
          g_string_append_c (markup_lines, '\n');
          g_string_append_c (text_lines, '\n');
        }

      if (responder->name != NULL && g_strcmp0 (responder->name, address) != 0)
        {
          line = g_markup_printf_escaped ("%s <span alpha=\"65%%\">%s</span>",
                                          responder->name, address);
          g_string_append_printf (text_lines, "%s (%s)", responder->name,
                                  address);
        }
      else
        {
          line = g_markup_escape_text (address, -1);
          g_string_append (text_lines, address);
        }
      g_string_append (markup_lines, line);

      if (responder->mpls != NULL && responder->mpls[0] != '\0')
        {
          g_autofree char *labels = format_mpls_labels (responder->mpls);
          g_autofree char *mpls_text = g_strdup_printf (_("MPLS %s"), labels);
          g_autofree char *mpls = g_markup_printf_escaped
            (" <small><span alpha=\"65%%\">%s</span></small>", mpls_text);

          g_string_append (markup_lines, mpls);
          g_string_append_printf (text_lines, " [%s]", mpls_text);
        }
    }

  *markup = g_string_free (g_steal_pointer (&markup_lines), FALSE);
  *text = g_string_free (g_steal_pointer (&text_lines), FALSE);
}

static void
update_row (HsHopTable *self,
            GtkTreeIter *iter,
            HsHop *hop)
{
  const HsHopStats *stats = hs_hop_get_stats (hop);
  g_autofree char *ttl = g_strdup_printf ("%u", hs_hop_get_ttl (hop));
  g_autofree char *markup = NULL;
  g_autofree char *text = NULL;
  g_autofree char *loss = NULL;
  g_autofree char *sent = g_strdup_printf ("%u", stats->sent);
  g_autofree char *last = NULL;
  g_autofree char *avg = NULL;
  g_autofree char *best = NULL;
  g_autofree char *worst = NULL;
  g_autofree char *stdev = NULL;
  g_autofree char *jitter = NULL;
  gboolean answered = stats->answered > 0;
  const char *none = "—";

  g_assert (HS_IS_HOP_TABLE (self));

  /* A hop that never answered is common (a router that sends no ICMP), so
   * it reads as a grey note, not as an error. */
  if (answered)
    format_host (hop, &markup, &text);
  else if (stats->lost > 0)
    {
      markup = g_strdup (_("No answer"));
      text = g_strdup (markup);
    }
  else
    {
      markup = g_strdup (_("Waiting for an answer…"));
      text = g_strdup (markup);
    }

  if (stats->answered + stats->lost > 0)
    loss = g_strdup_printf ("%.1f", hs_hop_stats_get_loss_percent (stats));

  if (answered)
    {
      last = format_ms (stats->last_us);
      avg = format_ms (hs_hop_stats_get_mean_us (stats));
      best = format_ms (stats->best_us);
      worst = format_ms (stats->worst_us);
      stdev = format_ms (hs_hop_stats_get_deviation_us (stats));
      if (stats->jitter_count > 0)
        jitter = format_ms (stats->jitter_mean_us);
    }

  gtk_list_store_set (self->store, iter,
                      COL_HOP, hop,
                      COL_TTL, ttl,
                      COL_HOST_MARKUP, markup,
                      COL_HOST_TEXT, text,
                      COL_LOSS, loss ? loss : none,
                      COL_SENT, sent,
                      COL_LAST, last ? last : none,
                      COL_AVG, avg ? avg : none,
                      COL_BEST, best ? best : none,
                      COL_WORST, worst ? worst : none,
                      COL_STDEV, stdev ? stdev : none,
                      COL_JITTER, jitter ? jitter : none,
                      COL_ANSWERED, answered,
                      -1);
}

void
hs_hop_table_set_end_time (HsHopTable *self,
                           gint64 end_us)
{
  g_return_if_fail (HS_IS_HOP_TABLE (self));

  if (self->sparkline->end_us == end_us)
    return;

  self->sparkline->end_us = end_us;
  gtk_widget_queue_draw (GTK_WIDGET (self->tree_view));
}

void
hs_hop_table_refresh (HsHopTable *self)
{
  GtkTreeModel *model = NULL;
  GListModel *hops = NULL;
  GtkTreeIter iter;
  guint n_hops = 0;
  guint n_rows = 0;
  gboolean valid = FALSE;

  g_return_if_fail (HS_IS_HOP_TABLE (self));

  model = GTK_TREE_MODEL (self->store);
  if (self->trace != NULL)
    {
      hops = hs_trace_get_hops (self->trace);
      n_hops = MIN (hs_trace_get_n_visible_hops (self->trace),
                    g_list_model_get_n_items (hops));
    }

  /* Rows are updated in place rather than rebuilt, so that the selection
   * and the scroll position stay where the person left them. */
  valid = gtk_tree_model_get_iter_first (model, &iter);
  for (guint i = 0; i < n_hops; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);

      if (!valid)
        gtk_list_store_append (self->store, &iter);
      update_row (self, &iter, hop);
      valid = gtk_tree_model_iter_next (model, &iter);
      n_rows++;
    }

  while (valid)
    valid = gtk_list_store_remove (self->store, &iter);

  /* The graphs move with time even when no figure changed. */
  if (n_rows > 0)
    gtk_widget_queue_draw (GTK_WIDGET (self->tree_view));
}

static void
apply_hidden_columns (HsHopTable *self)
{
  g_auto(GStrv) hidden = NULL;

  g_assert (HS_IS_HOP_TABLE (self));

  if (self->settings == NULL)
    return;

  hidden = g_settings_get_strv (self->settings, "hidden-columns");
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      gboolean hide = columns[i].hideable
                      && g_strv_contains ((const char * const *) hidden,
                                          columns[i].id);

      gtk_tree_view_column_set_visible (self->view_columns[i], !hide);
    }
}

static void
on_settings_changed (GSettings *settings,
                     const char *key,
                     gpointer user_data)
{
  apply_hidden_columns (HS_HOP_TABLE (user_data));
}

static void
on_column_item_toggled (GtkCheckMenuItem *item,
                        gpointer user_data)
{
  HsHopTable *self = HS_HOP_TABLE (user_data);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) hidden = NULL;

  if (self->settings == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      GtkCheckMenuItem *column_item = NULL;

      if (self->column_items[i] == NULL)
        continue;
      column_item = GTK_CHECK_MENU_ITEM (self->column_items[i]);
      if (!gtk_check_menu_item_get_active (column_item))
        g_strv_builder_add (builder, columns[i].id);
    }

  hidden = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "hidden-columns",
                       (const char * const *) hidden);
}

/* A menu of check items, one for each column that may be hidden.  It is
 * made once and kept: a menu destroyed as it closes would take its items
 * with it before they are activated. */
static GtkWidget *
create_columns_menu (HsHopTable *self)
{
  GtkWidget *menu = gtk_menu_new ();

  g_assert (HS_IS_HOP_TABLE (self));

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      if (!columns[i].hideable)
        continue;
      self->column_items[i] = gtk_check_menu_item_new_with_label
        (_(columns[i].title));
      g_signal_connect (self->column_items[i], "toggled",
                        G_CALLBACK (on_column_item_toggled), self);
      gtk_menu_shell_append (GTK_MENU_SHELL (menu), self->column_items[i]);
    }

  gtk_widget_show_all (menu);
  return menu;
}

static gboolean
on_column_button_press_event (GtkWidget *button,
                              GdkEvent *event,
                              gpointer user_data)
{
  HsHopTable *self = HS_HOP_TABLE (user_data);

  if (!gdk_event_triggers_context_menu (event))
    return GDK_EVENT_PROPAGATE;

  if (self->columns_menu == NULL)
    {
      self->columns_menu = create_columns_menu (self);
      gtk_menu_attach_to_widget (GTK_MENU (self->columns_menu),
                                 GTK_WIDGET (self), NULL);
    }

  /* The items show the columns as they are now, which another window may
   * have changed through the shared setting. */
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      if (self->column_items[i] == NULL)
        continue;
      g_signal_handlers_block_by_func (self->column_items[i],
                                       on_column_item_toggled, self);
      gtk_check_menu_item_set_active
        (GTK_CHECK_MENU_ITEM (self->column_items[i]),
         gtk_tree_view_column_get_visible (self->view_columns[i]));
      g_signal_handlers_unblock_by_func (self->column_items[i],
                                         on_column_item_toggled, self);
    }

  gtk_menu_popup_at_pointer (GTK_MENU (self->columns_menu), event);
  return GDK_EVENT_STOP;
}

static void
on_selection_changed (GtkTreeSelection *selection,
                      gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_SELECTION_CHANGED], 0);
}


/* A figure cell has one size whatever it shows: the widest figure the table
 * writes, in one line.  A cell with a fixed size is not measured again when
 * its row changes, and measuring the rows' text every refresh was most of
 * what the window cost while tracing. */
static void
set_figure_size (HsHopTable *self,
                 GtkCellRenderer *cell,
                 PangoAttrList *numbers)
{
  g_autoptr(PangoLayout) layout = NULL;
  int width = 0;
  int height = 0;
  int xpad = 0;
  int ypad = 0;

  g_assert (HS_IS_HOP_TABLE (self));

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self->tree_view),
                                           "00000.0");
  pango_layout_set_attributes (layout, numbers);
  pango_layout_get_pixel_size (layout, &width, &height);
  gtk_cell_renderer_get_padding (cell, &xpad, &ypad);
  gtk_cell_renderer_set_fixed_size (cell, width + 2 * xpad,
                                    height + 2 * ypad);
}

static void
add_columns (HsHopTable *self)
{
  g_autoptr(PangoAttrList) numbers = pango_attr_list_new ();

  g_assert (HS_IS_HOP_TABLE (self));

  /* Figures line up by their digits when every digit is as wide. */
  pango_attr_list_insert (numbers, pango_attr_font_features_new ("tnum=1"));

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      GtkTreeViewColumn *column = gtk_tree_view_column_new ();
      GtkCellRenderer *cell = NULL;
      GtkWidget *button = NULL;

      gtk_tree_view_column_set_title (column, _(columns[i].title));
      gtk_tree_view_column_set_clickable (column, TRUE);
      gtk_tree_view_column_set_resizable (column, TRUE);

      if (columns[i].model_column < 0)
        {
          cell = g_object_new (HS_TYPE_SPARKLINE_RENDERER, NULL);
          self->sparkline = HS_SPARKLINE_RENDERER (cell);
          gtk_tree_view_column_pack_start (column, cell, TRUE);
          gtk_tree_view_column_add_attribute (column, cell, "hop", COL_HOP);
          gtk_tree_view_column_set_expand (column, TRUE);
          gtk_tree_view_column_set_min_width (column, 120);
        }
      else
        {
          gboolean markup = columns[i].model_column == COL_HOST_MARKUP;

          cell = gtk_cell_renderer_text_new ();
          gtk_tree_view_column_pack_start (column, cell, TRUE);
          gtk_tree_view_column_add_attribute (column, cell,
                                              markup ? "markup" : "text",
                                              columns[i].model_column);
          gtk_tree_view_column_add_attribute (column, cell, "sensitive",
                                              COL_ANSWERED);
          if (columns[i].numeric)
            {
              g_object_set (cell, "xalign", 1.0, "attributes", numbers, NULL);
              set_figure_size (self, cell, numbers);
              gtk_tree_view_column_set_alignment (column, 1.0);
              gtk_tree_view_column_set_min_width (column, 58);
            }
          else
            gtk_tree_view_column_set_min_width (column, 260);
        }

      gtk_tree_view_append_column (self->tree_view, column);
      self->view_columns[i] = column;

      button = gtk_tree_view_column_get_button (column);
      gtk_widget_set_tooltip_text (button, _("Right-click to choose the "
                                             "columns shown"));
      g_signal_connect (button, "button-press-event",
                        G_CALLBACK (on_column_button_press_event), self);
    }
}

static void
hs_hop_table_dispose (GObject *object)
{
  HsHopTable *self = HS_HOP_TABLE (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->trace);
  g_clear_object (&self->store);
  if (self->columns_menu != NULL)
    {
      gtk_widget_destroy (self->columns_menu);
      self->columns_menu = NULL;
      memset (self->column_items, 0, sizeof self->column_items);
    }

  G_OBJECT_CLASS (hs_hop_table_parent_class)->dispose (object);
}

static void
hs_hop_table_class_init (HsHopTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_hop_table_dispose;

  signals[SIGNAL_SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hs_hop_table_init (HsHopTable *self)
{
  GtkTreeSelection *selection = NULL;

  self->store = gtk_list_store_new (N_COLUMNS,
                                    HS_TYPE_HOP,
                                    G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                                    G_TYPE_STRING, G_TYPE_STRING,
                                    G_TYPE_BOOLEAN);

  self->tree_view = GTK_TREE_VIEW (gtk_tree_view_new ());
  gtk_tree_view_set_model (self->tree_view, GTK_TREE_MODEL (self->store));
  gtk_tree_view_set_enable_search (self->tree_view, FALSE);
  gtk_tree_view_set_grid_lines (self->tree_view,
                                GTK_TREE_VIEW_GRID_LINES_HORIZONTAL);
  gtk_style_context_add_class
    (gtk_widget_get_style_context (GTK_WIDGET (self->tree_view)),
     "hs-hop-table");
  add_columns (self);

  selection = gtk_tree_view_get_selection (self->tree_view);
  gtk_tree_selection_set_mode (selection, GTK_SELECTION_BROWSE);
  g_signal_connect (selection, "changed", G_CALLBACK (on_selection_changed),
                    self);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self),
                                  GTK_POLICY_AUTOMATIC, GTK_POLICY_AUTOMATIC);
  gtk_container_add (GTK_CONTAINER (self), GTK_WIDGET (self->tree_view));
  gtk_widget_show (GTK_WIDGET (self->tree_view));
}

GtkWidget *
hs_hop_table_new (void)
{
  return g_object_new (HS_TYPE_HOP_TABLE, NULL);
}

void
hs_hop_table_set_trace (HsHopTable *self,
                        HsTrace *trace)
{
  g_return_if_fail (HS_IS_HOP_TABLE (self));
  g_return_if_fail (trace == NULL || HS_IS_TRACE (trace));

  if (!g_set_object (&self->trace, trace))
    return;

  gtk_list_store_clear (self->store);
  hs_hop_table_refresh (self);
}

void
hs_hop_table_set_settings (HsHopTable *self,
                           GSettings *settings)
{
  g_return_if_fail (HS_IS_HOP_TABLE (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  g_signal_connect (settings, "changed::hidden-columns",
                    G_CALLBACK (on_settings_changed), self);
  apply_hidden_columns (self);
}

HsHop *
hs_hop_table_get_selected_hop (HsHopTable *self)
{
  g_autoptr(HsHop) hop = NULL;
  GtkTreeSelection *selection = NULL;
  GtkTreeModel *model = NULL;
  GtkTreeIter iter;

  g_return_val_if_fail (HS_IS_HOP_TABLE (self), NULL);

  selection = gtk_tree_view_get_selection (self->tree_view);
  if (!gtk_tree_selection_get_selected (selection, &model, &iter))
    return NULL;

  /* The store keeps its own reference for as long as the row lives. */
  gtk_tree_model_get (model, &iter, COL_HOP, &hop, -1);
  return hop;
}

gboolean
hs_hop_table_select_ttl (HsHopTable *self,
                         guint ttl)
{
  GtkTreeModel *model = NULL;
  GtkTreeIter iter;
  gboolean valid = FALSE;

  g_return_val_if_fail (HS_IS_HOP_TABLE (self), FALSE);

  model = GTK_TREE_MODEL (self->store);
  for (valid = gtk_tree_model_get_iter_first (model, &iter); valid;
       valid = gtk_tree_model_iter_next (model, &iter))
    {
      g_autoptr(HsHop) hop = NULL;

      gtk_tree_model_get (model, &iter, COL_HOP, &hop, -1);
      if (hs_hop_get_ttl (hop) == ttl)
        {
          g_autoptr(GtkTreePath) path = gtk_tree_model_get_path (model, &iter);

          gtk_tree_view_set_cursor (self->tree_view, path, NULL, FALSE);
          return TRUE;
        }
    }
  return FALSE;
}

GStrv
hs_hop_table_dup_visible_columns (HsHopTable *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (HS_IS_HOP_TABLE (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    if (gtk_tree_view_column_get_visible (self->view_columns[i]))
      g_strv_builder_add (builder, columns[i].id);

  return g_strv_builder_end (builder);
}

gboolean
hs_hop_table_get_header_position (HsHopTable *self,
                                  const char *id,
                                  int *root_x,
                                  int *root_y)
{
  GtkWidget *toplevel = NULL;
  GtkWidget *button = NULL;
  GtkAllocation allocation;
  int x = 0;
  int y = 0;

  g_return_val_if_fail (HS_IS_HOP_TABLE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      if (g_strcmp0 (columns[i].id, id) != 0)
        continue;

      button = gtk_tree_view_column_get_button (self->view_columns[i]);
      if (!gtk_widget_is_drawable (button))
        return FALSE;

      gtk_widget_get_allocation (button, &allocation);
      if (!gtk_widget_translate_coordinates (button, toplevel,
                                             allocation.width / 2,
                                             allocation.height / 2, &x, &y))
        return FALSE;

      gdk_window_get_origin (gtk_widget_get_window (toplevel), root_x, root_y);
      *root_x += x;
      *root_y += y;
      return TRUE;
    }
  return FALSE;
}

JsonNode *
hs_hop_table_dump (HsHopTable *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GtkTreeModel *model = NULL;
  GtkTreeIter iter;
  gboolean valid = FALSE;

  g_return_val_if_fail (HS_IS_HOP_TABLE (self), NULL);

  model = GTK_TREE_MODEL (self->store);
  json_builder_begin_array (builder);
  for (valid = gtk_tree_model_get_iter_first (model, &iter); valid;
       valid = gtk_tree_model_iter_next (model, &iter))
    {
      g_autoptr(HsHop) hop = NULL;
      gboolean answered = FALSE;

      gtk_tree_model_get (model, &iter, COL_HOP, &hop, COL_ANSWERED, &answered,
                          -1);
      json_builder_begin_object (builder);
      for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
        {
          g_autofree char *value = NULL;
          int model_column = columns[i].model_column;

          if (model_column < 0)
            continue;
          if (model_column == COL_HOST_MARKUP)
            model_column = COL_HOST_TEXT;
          gtk_tree_model_get (model, &iter, model_column, &value, -1);
          json_builder_set_member_name (builder, columns[i].id);
          json_builder_add_string_value (builder, value);
        }
      json_builder_set_member_name (builder, "answered");
      json_builder_add_boolean_value (builder, answered);
      json_builder_set_member_name (builder, "target");
      json_builder_add_boolean_value (builder, hs_hop_is_target (hop));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  return json_builder_get_root (builder);
}
