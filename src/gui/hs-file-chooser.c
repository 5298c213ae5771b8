/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib/gi18n.h>

#include "hs-file-chooser.h"

typedef struct
{
  HsPathChosenFunc func;
  GObject *owner;
} Request;

static void
request_free (Request *request)
{
  g_clear_object (&request->owner);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

/* PATH with the extension of the filter chosen, unless it ends with the
 * extension of one of the filters already. */
static char *
complete_name (GtkFileChooser *chooser,
               const char *path)
{
  g_autoptr(GSList) filters = NULL;
  g_autofree char *lower = g_ascii_strdown (path, -1);
  GtkFileFilter *chosen = gtk_file_chooser_get_filter (chooser);
  const char *pattern = NULL;

  g_assert (GTK_IS_FILE_CHOOSER (chooser));

  if (chosen != NULL)
    pattern = g_object_get_data (G_OBJECT (chosen), "hs-pattern");
  if (pattern == NULL || !g_str_has_prefix (pattern, "*."))
    return g_strdup (path);

  filters = gtk_file_chooser_list_filters (chooser);
  for (GSList *l = filters; l != NULL; l = l->next)
    {
      const char *other = g_object_get_data (l->data, "hs-pattern");

      if (other != NULL && g_str_has_prefix (other, "*.")
          && g_str_has_suffix (lower, other + 1))
        return g_strdup (path);
    }

  return g_strconcat (path, pattern + 1, NULL);
}

static void
on_chooser_response (GtkNativeDialog *native,
                     int response,
                     gpointer user_data)
{
  g_autoptr(Request) request = user_data;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *completed = NULL;
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (native);

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (chooser);
  if (file != NULL)
    path = g_file_get_path (file);

  if (path != NULL)
    {
      if (gtk_file_chooser_get_action (chooser)
          == GTK_FILE_CHOOSER_ACTION_SAVE)
        completed = complete_name (chooser, path);
      request->func (request->owner, completed ? completed : path);
    }

  g_object_unref (native);
}

void
hs_file_chooser_run (GtkWindow *parent,
                     GtkFileChooserAction action,
                     const char *title,
                     const char *accept_label,
                     const char *suggested_name,
                     const HsFileKind *kinds,
                     guint n_kinds,
                     HsPathChosenFunc func,
                     GObject *owner)
{
  GtkFileChooserNative *native = NULL;
  Request *request = NULL;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (title != NULL);
  g_return_if_fail (kinds != NULL || n_kinds == 0);
  g_return_if_fail (func != NULL);
  g_return_if_fail (G_IS_OBJECT (owner));

  native = gtk_file_chooser_native_new (title, parent, action, accept_label,
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (native),
                                                  TRUE);
  for (guint i = 0; i < n_kinds; i++)
    {
      GtkFileFilter *filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _(kinds[i].name));
      gtk_file_filter_add_pattern (filter, kinds[i].pattern);
      g_object_set_data (G_OBJECT (filter), "hs-pattern",
                         (gpointer) kinds[i].pattern);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
    }
  if (suggested_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native),
                                       suggested_name);

  request = g_new0 (Request, 1);
  request->func = func;
  request->owner = g_object_ref (owner);
  g_signal_connect (native, "response", G_CALLBACK (on_chooser_response),
                    request);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}
