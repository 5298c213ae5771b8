/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>

#include <glib/gi18n.h>

#include "hs-export.h"
#include "hs-file-chooser.h"
#include "hs-snapshot-dialog.h"
#include "hs-snapshot.h"

/* The preview shows the snapshot at this share of its size, so that the
 * whole width fits beside the choices. */
#define PREVIEW_SCALE 0.75

enum
{
  RESPONSE_COPY = 1,
};

/* By HsSnapshotFormat, the order of the setting "snapshot-format". */
static const struct
{
  const char *extension;
  const char *pattern;
  const char *name;
} formats[] = {
  { ".png", "*.png", N_("PNG image") },
  { ".svg", "*.svg", N_("SVG drawing") },
  { ".pdf", "*.pdf", N_("PDF document") },
};

struct _HsSnapshotDialog
{
  GtkDialog parent_instance;

  GtkToggleButton *hide_private_check;
  GtkToggleButton *hide_own_check;
  GtkSpinButton *hide_first_spin;
  GtkWidget *preview_area;
  GtkLabel *message_label;

  GSettings *settings;
  HsTraceData *whole;
  gint64 from_us;
  gint64 to_us;
  guint chart_ttl;
  HsTraceData *data;
  GPtrArray *findings;
};

G_DEFINE_TYPE (HsSnapshotDialog, hs_snapshot_dialog, GTK_TYPE_DIALOG)

static void
show_message (HsSnapshotDialog *self,
              const char *message)
{
  g_assert (HS_IS_SNAPSHOT_DIALOG (self));

  gtk_label_set_text (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
fill_content (HsSnapshotDialog *self,
              HsSnapshotContent *content)
{
  g_assert (HS_IS_SNAPSHOT_DIALOG (self));

  content->data = self->data;
  content->findings = self->findings;
  content->chart_ttl = self->chart_ttl;
}

/* The data is taken again with every change of the choices, so that the
 * preview is what the file will hold. */
static void
update_preview (HsSnapshotDialog *self)
{
  HsSnapshotContent content = { 0 };
  HsRenderStyle style;
  HsPrivacy privacy;
  double height = 0;

  g_assert (HS_IS_SNAPSHOT_DIALOG (self));

  hs_export_read_privacy (self->settings, &privacy);
  g_clear_pointer (&self->data, hs_trace_data_free);
  g_clear_pointer (&self->findings, g_ptr_array_unref);
  self->data = hs_export_collect (self->whole, self->from_us, self->to_us,
                                  &privacy);
  self->findings = hs_diagnose (self->data);

  fill_content (self, &content);
  hs_render_style_init_default (&style, FALSE);
  height = hs_snapshot_get_height (&content, &style,
                                   HS_EXPORT_SNAPSHOT_WIDTH);
  gtk_widget_set_size_request (self->preview_area,
                               (int) (HS_EXPORT_SNAPSHOT_WIDTH
                                      * PREVIEW_SCALE),
                               (int) ceil (height * PREVIEW_SCALE));
  gtk_widget_queue_draw (self->preview_area);
}

static gboolean
on_preview_area_draw (GtkWidget *widget,
                      cairo_t *cr,
                      gpointer user_data)
{
  HsSnapshotDialog *self = HS_SNAPSHOT_DIALOG (user_data);
  HsSnapshotContent content = { 0 };
  HsRenderStyle style;

  if (self->data == NULL)
    return GDK_EVENT_PROPAGATE;

  /* The light style, the one of the file, whatever the window's theme. */
  fill_content (self, &content);
  hs_render_style_init_default (&style, FALSE);
  cairo_scale (cr, PREVIEW_SCALE, PREVIEW_SCALE);
  hs_snapshot_draw (cr, &content, &style, HS_EXPORT_SNAPSHOT_WIDTH);
  return GDK_EVENT_STOP;
}

static void
on_settings_changed (GSettings *settings,
                     const char *key,
                     gpointer user_data)
{
  HsSnapshotDialog *self = HS_SNAPSHOT_DIALOG (user_data);

  if (g_str_has_prefix (key, "hide-"))
    update_preview (self);
}

static void
on_path_chosen (GObject *owner,
                const char *path)
{
  HsSnapshotDialog *self = HS_SNAPSHOT_DIALOG (owner);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  HsSnapshotFormat format = HS_SNAPSHOT_FORMAT_PNG;

  /* The dialog may have been closed meanwhile. */
  if (self->data == NULL)
    return;

  if (!hs_snapshot_format_from_path (path, &format, &error)
      || !hs_export_save_snapshot (self->data, self->chart_ttl, path, &error))
    {
      message = g_strdup_printf (_("The snapshot was not saved: %s"),
                                 error->message);
      show_message (self, message);
      return;
    }

  g_settings_set_enum (self->settings, "snapshot-format", format);
  gtk_widget_destroy (GTK_WIDGET (self));
}

/* The file chooser offers the format saved last first. */
static void
choose_file (HsSnapshotDialog *self)
{
  g_autofree char *name = NULL;
  HsFileKind kinds[G_N_ELEMENTS (formats)];
  guint last = 0;
  guint n_kinds = 0;

  g_assert (HS_IS_SNAPSHOT_DIALOG (self));

  last = MIN ((guint) g_settings_get_enum (self->settings, "snapshot-format"),
              G_N_ELEMENTS (formats) - 1);
  kinds[n_kinds].name = formats[last].name;
  kinds[n_kinds++].pattern = formats[last].pattern;
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (i != last)
      {
        kinds[n_kinds].name = formats[i].name;
        kinds[n_kinds++].pattern = formats[i].pattern;
      }

  name = hs_export_suggest_name (self->data->options.target,
                                 formats[last].extension);
  hs_file_chooser_run (GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                       _("Save Snapshot"), _("_Save"), name, kinds, n_kinds,
                       on_path_chosen, G_OBJECT (self));
}

static void
hs_snapshot_dialog_response (GtkDialog *dialog,
                             int response)
{
  HsSnapshotDialog *self = HS_SNAPSHOT_DIALOG (dialog);

  switch (response)
    {
    case GTK_RESPONSE_ACCEPT:
      choose_file (self);
      break;

    case RESPONSE_COPY:
      {
        g_autoptr(GdkPixbuf) pixbuf = NULL;
        GtkClipboard *clipboard = NULL;

        pixbuf = hs_export_snapshot_pixbuf (self->data, self->chart_ttl);
        clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self),
                                              GDK_SELECTION_CLIPBOARD);
        gtk_clipboard_set_image (clipboard, pixbuf);
        gtk_widget_destroy (GTK_WIDGET (self));
      }
      break;

    default:
      gtk_widget_destroy (GTK_WIDGET (self));
      break;
    }
}

static void
hs_snapshot_dialog_dispose (GObject *object)
{
  HsSnapshotDialog *self = HS_SNAPSHOT_DIALOG (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->whole, hs_trace_data_free);
  g_clear_pointer (&self->data, hs_trace_data_free);
  g_clear_pointer (&self->findings, g_ptr_array_unref);

  G_OBJECT_CLASS (hs_snapshot_dialog_parent_class)->dispose (object);
}

static void
hs_snapshot_dialog_class_init (HsSnapshotDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkDialogClass *dialog_class = GTK_DIALOG_CLASS (klass);

  object_class->dispose = hs_snapshot_dialog_dispose;
  dialog_class->response = hs_snapshot_dialog_response;

  gtk_widget_class_set_template_from_resource
    (widget_class, "/io/github/hopscope/Hopscope/hs-snapshot-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HsSnapshotDialog,
                                        hide_private_check);
  gtk_widget_class_bind_template_child (widget_class, HsSnapshotDialog,
                                        hide_own_check);
  gtk_widget_class_bind_template_child (widget_class, HsSnapshotDialog,
                                        hide_first_spin);
  gtk_widget_class_bind_template_child (widget_class, HsSnapshotDialog,
                                        preview_area);
  gtk_widget_class_bind_template_child (widget_class, HsSnapshotDialog,
                                        message_label);
  gtk_widget_class_bind_template_callback (widget_class, on_preview_area_draw);
}

static void
hs_snapshot_dialog_init (HsSnapshotDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

HsSnapshotDialog *
hs_snapshot_dialog_new (GtkWindow *parent,
                        GSettings *settings,
                        const HsTraceData *whole,
                        gint64 from_us,
                        gint64 to_us,
                        guint chart_ttl)
{
  HsSnapshotDialog *self = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (whole != NULL, NULL);

  self = g_object_new (HS_TYPE_SNAPSHOT_DIALOG, "transient-for", parent,
                       "use-header-bar", TRUE, NULL);
  self->settings = g_object_ref (settings);
  self->whole = hs_export_copy_data (whole);
  self->from_us = from_us;
  self->to_us = to_us;
  self->chart_ttl = chart_ttl;

  g_settings_bind (settings, "hide-private", self->hide_private_check,
                   "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "hide-own", self->hide_own_check, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "hide-first-hops", self->hide_first_spin,
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect (settings, "changed", G_CALLBACK (on_settings_changed),
                    self);
  update_preview (self);

  return self;
}
