/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib/gi18n.h>

#include "hs-application.h"
#include "hs-gui-resources.h"
#include "hs-preferences-dialog.h"
#include "hs-window.h"

struct _HsApplication
{
  GtkApplication parent_instance;

  GSettings *settings;
  HsProbeService *probe_service;
};

/* The helper's replies are read in bursts at most this often.  The helper
 * times each probe, so no figure changes; a reply is only seen up to this
 * much later, which nobody can tell in a window that refreshes once a
 * second, and the application wakes a few times a round rather than once
 * for every reply. */
#define READ_DELAY_MS 50

G_DEFINE_TYPE (HsApplication, hs_application, GTK_TYPE_APPLICATION)

static const struct
{
  const char *action;
  const char *accels[3];
} shortcuts[] = {
  { "app.quit", { "<Primary>q", NULL } },
  { "app.preferences", { "<Primary>comma", NULL } },
  { "app.shortcuts", { "<Primary>question", "<Primary>F1", NULL } },
  { "app.new-window", { "<Primary>n", NULL } },
  { "win.focus-target", { "<Primary>l", NULL } },
  { "win.start", { "<Primary>Return", "<Primary>KP_Enter", NULL } },
  { "win.pause", { "<Primary>space", NULL } },
  { "win.reset", { "<Primary>r", NULL } },
  { "win.close", { "<Primary>w", NULL } },
  { "win.save-snapshot", { "<Primary>s", NULL } },
  { "win.open-recording", { "<Primary>o", NULL } },
  { "win.show-all", { "Escape", NULL } },
};

static HsWindow *
new_window (HsApplication *self)
{
  HsWindow *window = hs_window_new (self);

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
on_quit_activate (GSimpleAction *action,
                  GVariant *parameter,
                  gpointer user_data)
{
  HsApplication *self = HS_APPLICATION (user_data);
  GList *windows = NULL;

  /* Destroying the windows first lets each stop its trace and its helper
   * before the main loop ends. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))))
    gtk_widget_destroy (GTK_WIDGET (windows->data));
  g_application_quit (G_APPLICATION (self));
}

static void
on_new_window_activate (GSimpleAction *action,
                        GVariant *parameter,
                        gpointer user_data)
{
  new_window (HS_APPLICATION (user_data));
}

static void
on_preferences_activate (GSimpleAction *action,
                         GVariant *parameter,
                         gpointer user_data)
{
  HsApplication *self = HS_APPLICATION (user_data);
  GtkApplication *application = GTK_APPLICATION (self);
  GtkWindow *parent = gtk_application_get_active_window (application);
  HsPreferencesDialog *dialog = NULL;

  dialog = hs_preferences_dialog_new (parent, self->settings);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_shortcuts_activate (GSimpleAction *action,
                       GVariant *parameter,
                       gpointer user_data)
{
  HsApplication *self = HS_APPLICATION (user_data);
  g_autoptr(GtkBuilder) builder = NULL;
  GtkApplication *application = GTK_APPLICATION (self);
  GtkWindow *parent = gtk_application_get_active_window (application);
  GtkWindow *window = NULL;

  builder = gtk_builder_new_from_resource
    ("/io/github/hopscope/Hopscope/hs-shortcuts-window.ui");
  window = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));
  gtk_window_set_transient_for (window, parent);
  gtk_window_present (window);
}

static void
on_about_activate (GSimpleAction *action,
                   GVariant *parameter,
                   gpointer user_data)
{
  HsApplication *self = HS_APPLICATION (user_data);
  GtkApplication *application = GTK_APPLICATION (self);
  GtkWindow *parent = gtk_application_get_active_window (application);
  const char *authors[] = { _("The Hopscope authors"), NULL };

  gtk_show_about_dialog (parent,
                         "program-name", _("Hopscope"),
                         "version", HOPSCOPE_VERSION,
                         "comments", _("Every hop between this computer and "
                                       "a target, live: loss, latency and "
                                       "jitter of each router on the way."),
                         "copyright", _("Copyright 2026 The Hopscope authors"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         "logo-icon-name", HS_APPLICATION_ID,
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", on_quit_activate },
  { "new-window", on_new_window_activate },
  { "preferences", on_preferences_activate },
  { "shortcuts", on_shortcuts_activate },
  { "about", on_about_activate },
};

static void
hs_application_startup (GApplication *application)
{
  HsApplication *self = HS_APPLICATION (application);
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  g_autoptr(GtkCssProvider) evidence_css = gtk_css_provider_new ();

  G_APPLICATION_CLASS (hs_application_parent_class)->startup (application);

  self->settings = g_settings_new (HS_APPLICATION_ID);

  /* One helper serves every window, so that an administrator who let
   * pkexec start it is asked once for the whole session. */
  self->probe_service = hs_probe_service_new (NULL);
  hs_probe_service_set_read_delay (self->probe_service, READ_DELAY_MS);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           shortcuts[i].action,
                                           shortcuts[i].accels);

  gtk_css_provider_load_from_resource
    (css, "/io/github/hopscope/Hopscope/hs-style.css");
  gtk_style_context_add_provider_for_screen
    (gdk_screen_get_default (), GTK_STYLE_PROVIDER (css),
     GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_css_provider_load_from_resource
    (evidence_css, "/io/github/hopscope/Hopscope/hs-evidence.css");
  gtk_style_context_add_provider_for_screen
    (gdk_screen_get_default (), GTK_STYLE_PROVIDER (evidence_css),
     GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_window_set_default_icon_name (HS_APPLICATION_ID);
}

static void
hs_application_activate (GApplication *application)
{
  GtkWindow *window = NULL;

  /* Activation without a command line (from D-Bus, say) shows the window
   * there is, or a first one. */
  window = gtk_application_get_active_window (GTK_APPLICATION (application));
  if (window != NULL)
    gtk_window_present (window);
  else
    new_window (HS_APPLICATION (application));
}

static int
hs_application_command_line (GApplication *application,
                             GApplicationCommandLine *command_line)
{
  HsApplication *self = HS_APPLICATION (application);
  GVariantDict *options = NULL;
  g_autofree const char **targets = NULL;
  g_autofree const char **recordings = NULL;
  int status = EXIT_SUCCESS;

  options = g_application_command_line_get_options_dict (command_line);
  g_variant_dict_lookup (options, G_OPTION_REMAINING, "^a&s", &targets);
  g_variant_dict_lookup (options, "open", "^a&ay", &recordings);

  /* Each recording opens in a window of its own, read-only; a file that
   * cannot be read says why on the terminal that asked, and the others
   * still open. */
  for (guint i = 0; recordings != NULL && recordings[i] != NULL; i++)
    {
      g_autoptr(GFile) file = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      HsWindow *window = NULL;

      file = g_application_command_line_create_file_for_arg (command_line,
                                                             recordings[i]);
      path = g_file_get_path (file);
      window = hs_window_new_for_recording (self, path, &error);
      if (window == NULL)
        {
          g_application_command_line_printerr
            (command_line, _("hopscope: could not open the recording %s: "
                             "%s\n"), path, error->message);
          status = EXIT_FAILURE;
          continue;
        }
      gtk_window_present (GTK_WINDOW (window));
    }
  if (recordings != NULL && (targets == NULL || targets[0] == NULL))
    return status;

  /* A launch without a target shows a window: the one there is when
   * another launch opened it, else a new one.  Each target gets a window of
   * its own and is traced at once. */
  if (targets == NULL || targets[0] == NULL)
    {
      if (g_application_command_line_get_is_remote (command_line))
        hs_application_activate (application);
      else
        new_window (self);
      return EXIT_SUCCESS;
    }

  for (guint i = 0; targets[i] != NULL; i++)
    {
      HsWindow *window = new_window (self);

      hs_window_trace_target (window, targets[i]);
    }
  return status;
}

static int
hs_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("hopscope %s\n", HOPSCOPE_VERSION);
      return EXIT_SUCCESS;
    }
  return -1;
}

static void
hs_application_dispose (GObject *object)
{
  HsApplication *self = HS_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->probe_service);

  G_OBJECT_CLASS (hs_application_parent_class)->dispose (object);
}

static void
hs_application_class_init (HsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = hs_application_dispose;
  application_class->startup = hs_application_startup;
  application_class->activate = hs_application_activate;
  application_class->command_line = hs_application_command_line;
  application_class->handle_local_options = hs_application_handle_local_options;
}

static void
hs_application_init (HsApplication *self)
{
  static const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Print the version and exit"), NULL },
    { "open", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL,
      N_("Open the recording FILE read-only, in a window of its own"),
      N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
      NULL, N_("[TARGET…]") },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary
    (G_APPLICATION (self), _("Shows, live, every hop between this computer "
                             "and each TARGET, a name or an address."));
}

HsApplication *
hs_application_new (void)
{
  return g_object_new (HS_TYPE_APPLICATION,
                       "application-id", HS_APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       NULL);
}

GSettings *
hs_application_get_settings (HsApplication *self)
{
  g_return_val_if_fail (HS_IS_APPLICATION (self), NULL);

  return self->settings;
}

HsProbeService *
hs_application_get_probe_service (HsApplication *self)
{
  g_return_val_if_fail (HS_IS_APPLICATION (self), NULL);

  return self->probe_service;
}

int
hs_application_run (int argc,
                    char **argv)
{
  g_autoptr(HsApplication) application = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();

  /* Without its schema GSettings would abort; say instead how to fix it. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, HS_APPLICATION_ID, TRUE);
  if (schema == NULL)
    {
      g_printerr (_("hopscope: the settings schema %s is not installed. "
                    "Install Hopscope with “meson install”, or run it from "
                    "the build folder with GSETTINGS_SCHEMA_DIR set to the "
                    "folder “data” in it.\n"), HS_APPLICATION_ID);
      return EXIT_FAILURE;
    }

  hs_gui_register_resource ();
  g_set_application_name (_("Hopscope"));
  application = hs_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
