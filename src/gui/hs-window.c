/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hs-authorization.h"
#include "hs-chart-view.h"
#include "hs-helper-route.h"
#include "hs-hop-table.h"
#include "hs-report.h"
#include "hs-window.h"

/* The table and the chart are redrawn at most this often, however fast
 * the hops change.  Measuring and drawing thirty rows of text and graphs is
 * most of what the window costs, and figures that change faster than once
 * a second cannot be read anyway (mtr refreshes as often). */
#define REFRESH_INTERVAL_MS 1000

#define MAX_RECENT_TARGETS 12

struct _HsWindow
{
  GtkApplicationWindow parent_instance;

  GtkHeaderBar *header_bar;
  GtkEntry *target_entry;
  GtkEntryCompletion *target_completion;
  GtkComboBoxText *protocol_combo;
  GtkComboBoxText *family_combo;
  GtkInfoBar *info_bar;
  GtkLabel *info_label;
  GtkStack *stack;
  HsHopTable *hop_table;
  HsChartView *chart_view;
  GtkLabel *status_label;
  GtkLabel *rounds_label;
  GtkWidget *lock_box;
  GtkImage *lock_image;
  GtkLabel *lock_label;

  GSettings *settings;
  GtkListStore *recent_store;
  HsTrace *trace;
  guint refresh_id;
  gint64 last_refresh_us;
  gboolean maximized;

  /* What polkit said, before anybody was asked, of starting the helper
   * through pkexec. */
  HsAuthorization authorization;
  gboolean authorization_checking;
  gboolean authorization_stale;
};

G_DEFINE_TYPE (HsWindow, hs_window, GTK_TYPE_APPLICATION_WINDOW)

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
      return _("Probing");
    }
}

static const char *
state_nick (HsTraceState state)
{
  static const char * const nicks[] = {
    "idle", "resolving", "starting", "running", "paused", "finished",
    "failed",
  };

  return (guint) state < G_N_ELEMENTS (nicks) ? nicks[state] : "unknown";
}

static void
read_options (HsWindow *self,
              HsTraceOptions *options)
{
  const char *text = gtk_entry_get_text (self->target_entry);
  g_autofree char *target = g_strstrip (g_strdup (text));

  g_assert (HS_IS_WINDOW (self));

  hs_trace_options_init (options);
  g_free (options->target);
  options->target = g_steal_pointer (&target);
  options->protocol = g_settings_get_enum (self->settings, "protocol");
  options->family = g_settings_get_enum (self->settings, "family");
  options->interval_ms = (guint) (g_settings_get_double (self->settings,
                                                         "interval") * 1000);
  options->size = g_settings_get_uint (self->settings, "packet-size");
  options->first_ttl = g_settings_get_uint (self->settings, "first-ttl");
  options->max_ttl = MAX (options->first_ttl,
                          g_settings_get_uint (self->settings, "max-ttl"));
  options->port = g_settings_get_uint (self->settings, "port");
  options->timeout_seconds = g_settings_get_uint (self->settings, "timeout");
  options->resolve_names = g_settings_get_boolean (self->settings,
                                                   "resolve-names");
}

static gboolean
options_equal (const HsTraceOptions *a,
               const HsTraceOptions *b)
{
  return g_strcmp0 (a->target, b->target) == 0
         && a->family == b->family
         && a->protocol == b->protocol
         && a->port == b->port
         && a->first_ttl == b->first_ttl
         && a->max_ttl == b->max_ttl
         && a->size == b->size
         && a->interval_ms == b->interval_ms
         && a->timeout_seconds == b->timeout_seconds
         && a->count == b->count
         && a->resolve_names == b->resolve_names;
}

static void
set_action_enabled (HsWindow *self,
                    const char *name,
                    gboolean enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static HsProbeService *
probe_service (HsWindow *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  return hs_application_get_probe_service (HS_APPLICATION (application));
}

/* The route the next start of a trace would take: the running helper's,
 * or the one hs_helper_route_choose() picks for the chosen protocol. */
static HsHelperRoute
next_route (HsWindow *self)
{
  g_autoptr(HsHelperRouteChoice) choice = NULL;
  const char *helper = hs_helper_route_default_helper ();
  HsProtocol protocol = g_settings_get_enum (self->settings, "protocol");
  HsHelperRouteFacts facts;

  g_assert (HS_IS_WINDOW (self));

  if (self->trace != NULL
      && hs_trace_get_state (self->trace) == HS_TRACE_STATE_RUNNING)
    return hs_trace_get_route (self->trace);

  hs_helper_route_facts_read (&facts, helper);
  choice = hs_helper_route_choose (&facts, protocol, helper, NULL);
  return choice != NULL ? choice->route : HS_HELPER_ROUTE_UNKNOWN;
}

/* Like a locked panel in GNOME's settings: when probing goes through
 * pkexec, the status line says beforehand whether an administrator will
 * be asked, so that a password dialog never comes as a surprise. */
static void
update_lock (HsWindow *self)
{
  const char *icon = "changes-prevent-symbolic";
  const char *text = NULL;
  const char *tooltip = NULL;

  g_assert (HS_IS_WINDOW (self));

  if (self->trace != NULL
      && hs_trace_get_state (self->trace) == HS_TRACE_STATE_RUNNING)
    {
      gtk_widget_hide (self->lock_box);
      return;
    }

  if (next_route (self) != HS_HELPER_ROUTE_PKEXEC)
    {
      gtk_widget_hide (self->lock_box);
      return;
    }

  switch (self->authorization)
    {
    case HS_AUTHORIZATION_ALLOWED:
      icon = "changes-allow-symbolic";
      text = _("Probing is allowed");
      tooltip = _("polkit allows Hopscope to probe without asking.");
      break;

    case HS_AUTHORIZATION_NEEDED:
      text = _("Starting asks for an administrator");
      tooltip = _("Probing needs an administrator’s permission: a "
                  "password dialog opens when you start a trace, once for "
                  "this session.");
      break;

    case HS_AUTHORIZATION_REFUSED:
      text = _("Probing is not allowed");
      tooltip = _("polkit does not allow you to probe. Ask an "
                  "administrator to give the probe helper its network "
                  "capability, or to allow the action "
                  "io.github.hopscope.Hopscope.probe for you.");
      break;

    case HS_AUTHORIZATION_UNKNOWN:
    default:
      text = _("Probing may ask for an administrator");
      tooltip = _("Hopscope could not ask polkit whether probing needs an "
                  "administrator’s permission.");
      break;
    }

  gtk_image_set_from_icon_name (self->lock_image, icon, GTK_ICON_SIZE_MENU);
  gtk_label_set_text (self->lock_label, text);
  gtk_widget_set_tooltip_text (self->lock_box, tooltip);
  gtk_widget_show (self->lock_box);
}

static void check_authorization (HsWindow *self);

static void
on_authorization_checked (GObject *source,
                          GAsyncResult *result,
                          gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HsWindow) self = NULL;
  GWeakRef *window_ref = user_data;
  HsAuthorization authorization = HS_AUTHORIZATION_UNKNOWN;

  authorization = hs_authorization_check_finish (result, &error);
  if (error != NULL)
    g_debug ("Cannot ask polkit about probing: %s", error->message);

  self = g_weak_ref_get (window_ref);
  g_weak_ref_clear (window_ref);
  g_free (window_ref);
  if (self == NULL)
    return;

  self->authorization_checking = FALSE;
  self->authorization = authorization;
  update_lock (self);

  if (self->authorization_stale)
    check_authorization (self);
}

/* Asks polkit again: a rule may have changed, or an administrator may
 * have authenticated for this session since.  A question is never
 * cancelled (polkit warns of a cancellation that comes after its
 * answer); one asked while another is out waits for it. */
static void
check_authorization (HsWindow *self)
{
  GWeakRef *window_ref = NULL;

  g_assert (HS_IS_WINDOW (self));

  if (self->authorization_checking)
    {
      self->authorization_stale = TRUE;
      return;
    }

  self->authorization_checking = TRUE;
  self->authorization_stale = FALSE;
  window_ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (window_ref, self);
  hs_authorization_check_async (NULL, on_authorization_checked, window_ref);
}

static void
update_status (HsWindow *self)
{
  g_autofree char *status = NULL;
  g_autofree char *rounds = NULL;
  HsTraceState state = HS_TRACE_STATE_IDLE;
  const HsTraceOptions *options = NULL;

  g_assert (HS_IS_WINDOW (self));

  if (self->trace == NULL)
    {
      gtk_label_set_text (self->status_label,
                          _("Type a target and press Start to trace it."));
      gtk_label_set_text (self->rounds_label, "");
      return;
    }

  state = hs_trace_get_state (self->trace);
  options = hs_trace_get_options (self->trace);
  switch (state)
    {
    case HS_TRACE_STATE_RESOLVING:
      status = g_strdup_printf (_("Looking up the address of %s…"),
                                options->target);
      break;

    case HS_TRACE_STATE_STARTING:
      status = g_strdup (_("Starting the probe helper…"));
      break;

    case HS_TRACE_STATE_RUNNING:
      {
        double rate = hs_trace_get_probe_rate (self->trace);
        const char *route = describe_route (hs_trace_get_route (self->trace));

        if (rate > 0)
          status = g_strdup_printf (_("%s · %.1f probes a second"), route,
                                    rate);
        else
          status = g_strdup (route);
      }
      break;

    case HS_TRACE_STATE_PAUSED:
      status = g_strdup (_("Paused: press Start to go on."));
      break;

    case HS_TRACE_STATE_FINISHED:
      status = g_strdup (_("Finished: every round asked for is in."));
      break;

    case HS_TRACE_STATE_FAILED:
      status = g_strdup (_("Stopped: see the message above."));
      break;

    case HS_TRACE_STATE_IDLE:
    default:
      status = g_strdup (_("Ready: press Start to trace."));
      break;
    }
  gtk_label_set_text (self->status_label, status);

  rounds = g_strdup_printf (g_dngettext (NULL, "%u round", "%u rounds",
                                         hs_trace_get_rounds (self->trace)),
                            hs_trace_get_rounds (self->trace));
  gtk_label_set_text (self->rounds_label, rounds);
}

static void
update_info_bar (HsWindow *self)
{
  const GError *error = NULL;
  g_autofree char *markup = NULL;

  g_assert (HS_IS_WINDOW (self));

  if (self->trace != NULL)
    error = hs_trace_get_error (self->trace);

  if (error == NULL)
    {
      gtk_widget_hide (GTK_WIDGET (self->info_bar));
      return;
    }

  /* A dismissed authentication is no failure: the trace waits, and the
   * message says why it does not run. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      markup = g_markup_printf_escaped ("%s", error->message);
      gtk_label_set_markup (self->info_label, markup);
      gtk_info_bar_set_message_type (self->info_bar, GTK_MESSAGE_INFO);
      gtk_widget_show (GTK_WIDGET (self->info_bar));
      return;
    }

  /* The core's message says what happened and what to do about it; the
   * window adds that nothing measured is lost. */
  markup = g_markup_printf_escaped ("<b>%s</b> %s\n%s",
                                    _("Tracing stopped."), error->message,
                                    _("The figures measured so far are "
                                      "kept."));
  gtk_label_set_markup (self->info_label, markup);
  gtk_info_bar_set_message_type (self->info_bar, GTK_MESSAGE_ERROR);
  gtk_widget_show (GTK_WIDGET (self->info_bar));
}

static void
update_actions (HsWindow *self)
{
  HsTraceState state = HS_TRACE_STATE_IDLE;
  const char *text = gtk_entry_get_text (self->target_entry);
  g_autofree char *target = g_strstrip (g_strdup (text));

  g_assert (HS_IS_WINDOW (self));

  if (self->trace != NULL)
    state = hs_trace_get_state (self->trace);

  set_action_enabled (self, "start", target[0] != '\0');
  set_action_enabled (self, "pause",
                      state == HS_TRACE_STATE_RUNNING
                      || state == HS_TRACE_STATE_RESOLVING
                      || state == HS_TRACE_STATE_STARTING);
  set_action_enabled (self, "reset",
                      self->trace != NULL && state != HS_TRACE_STATE_IDLE);
}

static void
refresh_now (HsWindow *self)
{
  g_assert (HS_IS_WINDOW (self));

  hs_hop_table_refresh (self->hop_table);
  hs_chart_view_refresh (self->chart_view);
  update_status (self);
}

static gboolean
on_refresh_timeout (gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);

  self->refresh_id = 0;
  self->last_refresh_us = g_get_monotonic_time ();
  refresh_now (self);
  return G_SOURCE_REMOVE;
}

/* Many changes within one interval come to one refresh.  The first change
 * after a quiet interval shows at once, so the path appears within a round
 * trip of the start; the changes that follow wait for the interval. */
static void
schedule_refresh (HsWindow *self)
{
  gint64 due_us = 0;
  gint64 now_us = g_get_monotonic_time ();

  g_assert (HS_IS_WINDOW (self));

  if (self->refresh_id != 0)
    return;

  due_us = self->last_refresh_us + REFRESH_INTERVAL_MS * 1000;
  self->refresh_id = g_timeout_add (due_us > now_us
                                      ? (guint) ((due_us - now_us) / 1000)
                                      : 0,
                                    on_refresh_timeout, self);
}

static void
on_trace_hop_changed (HsTrace *trace,
                      HsHop *hop,
                      gpointer user_data)
{
  schedule_refresh (HS_WINDOW (user_data));
}

static void
on_trace_round_finished (HsTrace *trace,
                         guint round,
                         gpointer user_data)
{
  schedule_refresh (HS_WINDOW (user_data));
}

static void
on_trace_state_changed (HsTrace *trace,
                        gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);

  update_actions (self);
  update_info_bar (self);
  update_status (self);
  schedule_refresh (self);

  /* Whether an administrator must be asked changes as helpers start and
   * end. */
  if (hs_trace_get_state (trace) != HS_TRACE_STATE_STARTING)
    check_authorization (self);
  update_lock (self);
}

static void
set_trace (HsWindow *self,
           HsTrace *trace)
{
  g_assert (HS_IS_WINDOW (self));

  if (self->trace != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->trace, self);
      hs_trace_pause (self->trace);
    }
  g_set_object (&self->trace, trace);

  if (trace != NULL)
    {
      g_signal_connect (trace, "hop-changed",
                        G_CALLBACK (on_trace_hop_changed), self);
      g_signal_connect (trace, "round-finished",
                        G_CALLBACK (on_trace_round_finished), self);
      g_signal_connect (trace, "state-changed",
                        G_CALLBACK (on_trace_state_changed), self);
      gtk_header_bar_set_subtitle (self->header_bar,
                                   hs_trace_get_options (trace)->target);
    }

  hs_hop_table_set_trace (self->hop_table, trace);
  hs_chart_view_set_trace (self->chart_view, trace);
  gtk_stack_set_visible_child_name (self->stack,
                                    trace != NULL ? "trace" : "empty");
  update_actions (self);
  update_info_bar (self);
  update_status (self);
}

static void
remember_target (HsWindow *self,
                 const char *target)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-targets");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;
  guint n = 1;

  g_assert (HS_IS_WINDOW (self));

  g_strv_builder_add (builder, target);
  for (guint i = 0; recent[i] != NULL && n < MAX_RECENT_TARGETS; i++)
    if (g_strcmp0 (recent[i], target) != 0)
      {
        g_strv_builder_add (builder, recent[i]);
        n++;
      }

  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-targets",
                       (const char * const *) updated);
}

static void
on_start_activate (GSimpleAction *action,
                   GVariant *parameter,
                   gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  g_autoptr(HsTrace) trace = NULL;
  HsTraceOptions options;

  read_options (self, &options);
  if (options.target[0] == '\0')
    {
      hs_trace_options_clear (&options);
      gtk_widget_grab_focus (GTK_WIDGET (self->target_entry));
      return;
    }

  /* The same target with the same settings goes on where it stopped; any
   * change makes a new trace, since figures of two kinds must not mix. */
  if (self->trace != NULL
      && options_equal (&options, hs_trace_get_options (self->trace)))
    {
      HsTraceState state = hs_trace_get_state (self->trace);

      hs_trace_options_clear (&options);
      if (state != HS_TRACE_STATE_RUNNING
          && state != HS_TRACE_STATE_RESOLVING
          && state != HS_TRACE_STATE_STARTING)
        hs_trace_start (self->trace);
      return;
    }

  trace = hs_trace_new (&options, NULL);
  hs_trace_set_probe_service (trace, probe_service (self));
  remember_target (self, options.target);
  hs_trace_options_clear (&options);

  set_trace (self, trace);
  hs_trace_start (trace);
}

static void
on_pause_activate (GSimpleAction *action,
                   GVariant *parameter,
                   gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);

  if (self->trace != NULL)
    hs_trace_pause (self->trace);
}

static void
on_reset_activate (GSimpleAction *action,
                   GVariant *parameter,
                   gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);

  if (self->trace == NULL)
    return;

  hs_trace_reset (self->trace);
  refresh_now (self);
}

static void
on_set_target_activate (GSimpleAction *action,
                        GVariant *parameter,
                        gpointer user_data)
{
  hs_window_trace_target (HS_WINDOW (user_data),
                          g_variant_get_string (parameter, NULL));
}

static void
on_focus_target_activate (GSimpleAction *action,
                          GVariant *parameter,
                          gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);

  gtk_widget_grab_focus (GTK_WIDGET (self->target_entry));
}

static void
on_close_activate (GSimpleAction *action,
                   GVariant *parameter,
                   gpointer user_data)
{
  gtk_window_close (GTK_WINDOW (user_data));
}

static void
on_select_hop_activate (GSimpleAction *action,
                        GVariant *parameter,
                        gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);

  refresh_now (self);
  hs_hop_table_select_ttl (self->hop_table, g_variant_get_uint32 (parameter));
}

/* A test hook: the GUI test reads what the window shows through this
 * action, which exists only when HOPSCOPE_TEST_DUMP names the file to write
 * (see tests/integration/test-gui.py). */
static void
on_dump_table_activate (GSimpleAction *action,
                        GVariant *parameter,
                        gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_auto(GStrv) visible_columns = NULL;
  HsHop *selected = NULL;
  const char *path = g_getenv ("HOPSCOPE_TEST_DUMP");

  refresh_now (self);
  visible_columns = hs_hop_table_dup_visible_columns (self->hop_table);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "entry");
  json_builder_add_string_value (builder,
                                 gtk_entry_get_text (self->target_entry));
  json_builder_set_member_name (builder, "target");
  json_builder_add_string_value (builder, self->trace
                                 ? hs_trace_get_options (self->trace)->target
                                 : NULL);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, self->trace
                                 ? state_nick (hs_trace_get_state (self->trace))
                                 : "none");
  json_builder_set_member_name (builder, "rounds");
  json_builder_add_int_value (builder, self->trace
                              ? hs_trace_get_rounds (self->trace) : 0);
  json_builder_set_member_name (builder, "route");
  json_builder_add_string_value (builder, hs_report_route_to_string
                                 (self->trace ? hs_trace_get_route (self->trace)
                                              : HS_HELPER_ROUTE_UNKNOWN));
  json_builder_set_member_name (builder, "next_route");
  json_builder_add_string_value (builder,
                                 hs_report_route_to_string (next_route (self)));
  json_builder_set_member_name (builder, "authorization");
  json_builder_add_string_value (builder, hs_authorization_to_string
                                 (self->authorization));
  json_builder_set_member_name (builder, "lock");
  if (gtk_widget_get_visible (self->lock_box))
    json_builder_add_string_value (builder,
                                   gtk_label_get_text (self->lock_label));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder,
                                 gtk_label_get_text (self->status_label));
  json_builder_set_member_name (builder, "info_bar");
  if (gtk_widget_get_visible (GTK_WIDGET (self->info_bar)))
    json_builder_add_string_value (builder,
                                   gtk_label_get_text (self->info_label));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "selected_ttl");
  selected = hs_hop_table_get_selected_hop (self->hop_table);
  json_builder_add_int_value (builder,
                              selected ? hs_hop_get_ttl (selected) : 0);
  json_builder_set_member_name (builder, "columns");
  json_builder_begin_array (builder);
  for (guint i = 0; visible_columns[i] != NULL; i++)
    json_builder_add_string_value (builder, visible_columns[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "headers");
  json_builder_begin_object (builder);
  for (guint i = 0; visible_columns[i] != NULL; i++)
    {
      int x = 0;
      int y = 0;

      if (!hs_hop_table_get_header_position (self->hop_table,
                                             visible_columns[i], &x, &y))
        continue;
      json_builder_set_member_name (builder, visible_columns[i]);
      json_builder_begin_array (builder);
      json_builder_add_int_value (builder, x);
      json_builder_add_int_value (builder, y);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "rows");
  json_builder_add_value (builder, hs_hop_table_dump (self->hop_table));
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json = json_generator_to_data (generator, NULL);
  if (!g_file_set_contents (path, json, -1, &error))
    g_warning ("Could not write the table to %s: %s", path, error->message);
}

static const GActionEntry window_actions[] = {
  { "start", on_start_activate },
  { "pause", on_pause_activate },
  { "reset", on_reset_activate },
  { "set-target", on_set_target_activate, "s" },
  { "focus-target", on_focus_target_activate },
  { "close", on_close_activate },
  { "select-hop", on_select_hop_activate, "u" },
};

static void
on_target_entry_activate (GtkEntry *entry,
                          gpointer user_data)
{
  g_action_group_activate_action (G_ACTION_GROUP (user_data), "start", NULL);
}

static void
on_target_entry_changed (GtkEditable *editable,
                         gpointer user_data)
{
  update_actions (HS_WINDOW (user_data));
}

static void
on_info_bar_response (GtkInfoBar *info_bar,
                      int response,
                      gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);

  gtk_widget_hide (GTK_WIDGET (info_bar));
  if (response == 1 && self->trace != NULL)
    hs_trace_start (self->trace);
}

static void
on_hop_table_selection_changed (HsHopTable *table,
                                gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);

  hs_chart_view_set_hop (self->chart_view,
                         hs_hop_table_get_selected_hop (table));
}

static void
on_recent_targets_changed (GSettings *settings,
                           const char *key,
                           gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  g_auto(GStrv) recent = g_settings_get_strv (settings, "recent-targets");

  gtk_list_store_clear (self->recent_store);
  for (guint i = 0; recent[i] != NULL; i++)
    gtk_list_store_insert_with_values (self->recent_store, NULL, -1,
                                       0, recent[i], -1);
}

static gboolean
hs_window_window_state_event (GtkWidget *widget,
                              GdkEventWindowState *event)
{
  HsWindow *self = HS_WINDOW (widget);

  self->maximized = (event->new_window_state & GDK_WINDOW_STATE_MAXIMIZED) != 0;

  return GTK_WIDGET_CLASS (hs_window_parent_class)->window_state_event (widget,
                                                                        event);
}

/* The size of the last window closed is the size of the next one. */
static void
save_window_size (HsWindow *self)
{
  int width = 0;
  int height = 0;

  g_assert (HS_IS_WINDOW (self));

  if (self->settings == NULL || !gtk_widget_get_realized (GTK_WIDGET (self)))
    return;

  g_settings_set_boolean (self->settings, "window-maximized", self->maximized);
  if (!self->maximized)
    {
      gtk_window_get_size (GTK_WINDOW (self), &width, &height);
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
}

static void
hs_window_unrealize (GtkWidget *widget)
{
  save_window_size (HS_WINDOW (widget));

  GTK_WIDGET_CLASS (hs_window_parent_class)->unrealize (widget);
}

/* The window's application is set only once it is constructed, so its
 * settings are read here, from hs_window_new(). */
static void
setup_settings (HsWindow *self,
                HsApplication *application)
{
  g_assert (HS_IS_WINDOW (self));

  self->settings = g_object_ref (hs_application_get_settings (application));

  gtk_window_set_default_size
    (GTK_WINDOW (self), g_settings_get_int (self->settings, "window-width"),
     g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_settings_bind (self->settings, "protocol", self->protocol_combo,
                   "active-id", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "family", self->family_combo,
                   "active-id", G_SETTINGS_BIND_DEFAULT);
  hs_hop_table_set_settings (self->hop_table, self->settings);

  g_signal_connect (self->settings, "changed::recent-targets",
                    G_CALLBACK (on_recent_targets_changed), self);
  on_recent_targets_changed (self->settings, "recent-targets", self);

  set_trace (self, NULL);
}

static void
hs_window_dispose (GObject *object)
{
  HsWindow *self = HS_WINDOW (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->trace != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->trace, self);
      hs_trace_pause (self->trace);
    }
  g_clear_object (&self->trace);
  save_window_size (self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->recent_store);

  G_OBJECT_CLASS (hs_window_parent_class)->dispose (object);
}

static void
hs_window_class_init (HsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hs_window_dispose;
  widget_class->window_state_event = hs_window_window_state_event;
  widget_class->unrealize = hs_window_unrealize;

  g_type_ensure (HS_TYPE_HOP_TABLE);
  g_type_ensure (HS_TYPE_CHART_VIEW);

  gtk_widget_class_set_template_from_resource
    (widget_class, "/io/github/hopscope/Hopscope/hs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HsWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, target_entry);
  gtk_widget_class_bind_template_child (widget_class, HsWindow,
                                        target_completion);
  gtk_widget_class_bind_template_child (widget_class, HsWindow,
                                        protocol_combo);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, family_combo);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, info_bar);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, info_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, hop_table);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, chart_view);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, rounds_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, lock_box);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, lock_image);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, lock_label);
  gtk_widget_class_bind_template_callback (widget_class,
                                           on_target_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class,
                                           on_target_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_info_bar_response);
  gtk_widget_class_bind_template_callback (widget_class,
                                           on_hop_table_selection_changed);
}

static void
hs_window_init (HsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->recent_store = gtk_list_store_new (1, G_TYPE_STRING);
  gtk_entry_completion_set_model (self->target_completion,
                                  GTK_TREE_MODEL (self->recent_store));

  g_action_map_add_action_entries (G_ACTION_MAP (self), window_actions,
                                   G_N_ELEMENTS (window_actions), self);
  if (g_getenv ("HOPSCOPE_TEST_DUMP") != NULL
      && g_getenv ("HOPSCOPE_TEST_DUMP")[0] != '\0')
    {
      static const GActionEntry test_actions[] = {
        { "dump-table", on_dump_table_activate },
      };

      g_action_map_add_action_entries (G_ACTION_MAP (self), test_actions,
                                       G_N_ELEMENTS (test_actions), self);
    }
}

HsWindow *
hs_window_new (HsApplication *application)
{
  HsWindow *self = NULL;

  g_return_val_if_fail (HS_IS_APPLICATION (application), NULL);

  self = g_object_new (HS_TYPE_WINDOW, "application", application, NULL);
  setup_settings (self, application);
  check_authorization (self);
  return self;
}

void
hs_window_trace_target (HsWindow *self,
                        const char *target)
{
  g_return_if_fail (HS_IS_WINDOW (self));
  g_return_if_fail (target != NULL);

  gtk_entry_set_text (self->target_entry, target);
  g_action_group_activate_action (G_ACTION_GROUP (self), "start", NULL);
}
