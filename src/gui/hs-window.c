/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hs-authorization.h"
#include "hs-chart-view.h"
#include "hs-diagnosis-view.h"
#include "hs-export.h"
#include "hs-file-chooser.h"
#include "hs-helper-route.h"
#include "hs-hop-table.h"
#include "hs-recording.h"
#include "hs-report.h"
#include "hs-snapshot-dialog.h"
#include "hs-window.h"

/* The table and the chart are redrawn at most this often, however fast
 * the hops change.  Measuring and drawing thirty rows of text and graphs is
 * most of what the window costs, and figures that change faster than once
 * a second cannot be read anyway (mtr refreshes as often). */
#define REFRESH_INTERVAL_MS 1000

#define MAX_RECENT_TARGETS 12

/* A selected range that ends this long before now (beyond the probes'
 * timeout) holds no probe still in flight: its figures are final, and the
 * table keeps them rather than cutting them again every second. */
#define RANGE_SETTLE_SECONDS 2

/* The report formats of win.copy-report, by nick. */
static const struct
{
  const char *nick;
  HsReportFormat format;
} report_formats[] = {
  { "text", HS_REPORT_FORMAT_TEXT },
  { "markdown", HS_REPORT_FORMAT_MARKDOWN },
  { "csv", HS_REPORT_FORMAT_CSV },
  { "json", HS_REPORT_FORMAT_JSON },
};

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
  GtkInfoBar *recording_bar;
  GtkLabel *recording_label;
  GtkInfoBar *message_bar;
  GtkLabel *message_label;
  GtkWidget *range_bar;
  GtkLabel *range_label;
  HsDiagnosisView *diagnosis_view;

  GSettings *settings;
  GtkListStore *recent_store;
  HsTrace *trace;
  guint refresh_id;
  gint64 last_refresh_us;
  gboolean maximized;

  /* The recording this window shows read-only, NULL for a live trace. */
  HsTraceData *recording;
  /* The selected time range, both 0 for none, and the read-only trace of
   * its data that the table shows. */
  gint64 range_from_us;
  gint64 range_to_us;
  HsTrace *range_trace;

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

  if (self->recording != NULL
      || (self->trace != NULL
          && hs_trace_get_state (self->trace) == HS_TRACE_STATE_RUNNING))
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
  if (self->recording != NULL)
    state = HS_TRACE_STATE_FINISHED;
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
      status = g_strdup (self->recording != NULL
                         ? _("A recording: nothing is probed. Open the menu "
                             "to save a snapshot or a report of it.")
                         : _("Finished: every round asked for is in."));
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

  set_action_enabled (self, "start",
                      target[0] != '\0' && self->recording == NULL);
  set_action_enabled (self, "pause",
                      self->recording == NULL
                      && (state == HS_TRACE_STATE_RUNNING
                          || state == HS_TRACE_STATE_RESOLVING
                          || state == HS_TRACE_STATE_STARTING));
  set_action_enabled (self, "reset",
                      self->trace != NULL && state != HS_TRACE_STATE_IDLE
                      && self->recording == NULL);

  /* What is shared needs something measured. */
  set_action_enabled (self, "save-snapshot", self->trace != NULL);
  set_action_enabled (self, "copy-snapshot", self->trace != NULL);
  set_action_enabled (self, "save-report", self->trace != NULL);
  set_action_enabled (self, "copy-report", self->trace != NULL);
  set_action_enabled (self, "save-recording", self->trace != NULL);
  set_action_enabled (self, "show-all", self->range_to_us != 0);
}

static void
show_message (HsWindow *self,
              GtkMessageType type,
              const char *message)
{
  g_assert (HS_IS_WINDOW (self));

  gtk_label_set_text (self->message_label, message);
  gtk_info_bar_set_message_type (self->message_bar, type);
  gtk_widget_show (GTK_WIDGET (self->message_bar));
}

/* What the window shows, for what reads it at once and keeps nothing. */
static HsTraceData *
borrow_data (HsWindow *self)
{
  g_assert (HS_IS_WINDOW (self));
  g_assert (self->trace != NULL);

  return hs_trace_data_new_sharing (self->trace, self->recording);
}

static guint
selected_ttl (HsWindow *self)
{
  HsHop *hop = hs_hop_table_get_selected_hop (self->hop_table);

  g_assert (HS_IS_WINDOW (self));

  return hop != NULL ? hs_hop_get_ttl (hop) : 0;
}

/* The table shows TRACE, the live one or the range's, keeping the row
 * selected. */
static void
show_in_table (HsWindow *self,
               HsTrace *trace)
{
  guint ttl = selected_ttl (self);

  g_assert (HS_IS_WINDOW (self));

  hs_hop_table_set_trace (self->hop_table, trace);
  if (ttl != 0)
    hs_hop_table_select_ttl (self->hop_table, ttl);
}

/* Whether the figures of the range are final: no probe sent within it
 * can still be in flight, and the trace measures no more inside it. */
static gboolean
range_is_settled (HsWindow *self)
{
  gint64 settle_us = 0;

  g_assert (HS_IS_WINDOW (self));

  if (self->recording != NULL)
    return TRUE;

  settle_us = (hs_trace_get_options (self->trace)->timeout_seconds
               + RANGE_SETTLE_SECONDS) * G_USEC_PER_SEC;
  return g_get_real_time () > self->range_to_us + settle_us;
}

/* The table, the diagnosis and the range bar speak of the range alone
 * while one is selected: the table is given a read-only trace of the cut
 * data, made again at each refresh until the range's figures are final.
 * (Teaching the table an HsTraceData would have been the other way; a
 * read-only trace keeps one table that reads one kind of thing.) */
static void
update_evidence (HsWindow *self)
{
  g_autoptr(HsTraceData) whole = NULL;
  g_autoptr(HsTraceData) cut = NULL;
  g_autoptr(GPtrArray) findings = NULL;

  g_assert (HS_IS_WINDOW (self));

  if (self->trace == NULL)
    {
      hs_diagnosis_view_set_findings (self->diagnosis_view, NULL);
      return;
    }

  whole = borrow_data (self);
  if (self->range_to_us == 0)
    {
      findings = hs_diagnose (whole);
      hs_diagnosis_view_set_findings (self->diagnosis_view, findings);
      return;
    }

  cut = hs_trace_data_cut (whole, self->range_from_us, self->range_to_us);
  if (self->range_trace == NULL || !range_is_settled (self))
    {
      g_autoptr(HsTrace) trace = hs_trace_new_from_data (cut);

      g_set_object (&self->range_trace, trace);
      show_in_table (self, trace);
    }
  findings = hs_diagnose (cut);
  hs_diagnosis_view_set_findings (self->diagnosis_view, findings);
}

/* Where the recording ends, or 0 for a live trace. */
static gint64
recording_end_time (HsWindow *self)
{
  const HsTraceData *data = self->recording;

  g_assert (HS_IS_WINDOW (self));

  if (data == NULL)
    return 0;
  return MAX (data->finished_us, data->started_us);
}

/* The rows' graphs end where the data shown ends: at the end of a range
 * that is past, of a recording, or now. */
static void
update_graph_end (HsWindow *self)
{
  gint64 end_us = recording_end_time (self);

  g_assert (HS_IS_WINDOW (self));

  if (self->range_to_us != 0 && self->range_to_us <= g_get_real_time ())
    end_us = self->range_to_us;
  hs_hop_table_set_end_time (self->hop_table, end_us);
}

static void
set_range (HsWindow *self,
           gint64 from_us,
           gint64 to_us)
{
  g_autofree char *range = NULL;
  g_autofree char *text = NULL;

  g_assert (HS_IS_WINDOW (self));

  if (to_us <= from_us || self->trace == NULL)
    from_us = to_us = 0;
  if (from_us == self->range_from_us && to_us == self->range_to_us)
    return;

  self->range_from_us = from_us;
  self->range_to_us = to_us;
  g_clear_object (&self->range_trace);
  if (to_us == 0)
    show_in_table (self, self->trace);

  if (to_us != 0)
    {
      range = hs_export_format_range (from_us, to_us);
      /* TRANSLATORS: %s is a time range, "12:03:10–12:05:40". */
      text = g_strdup_printf (_("Showing %s only: the table, the diagnosis "
                                "and every snapshot and report speak of "
                                "this time alone."), range);
      gtk_label_set_text (self->range_label, text);
    }
  gtk_widget_set_visible (self->range_bar, to_us != 0);
  update_graph_end (self);
  update_actions (self);
  update_evidence (self);
}

static void
refresh_now (HsWindow *self)
{
  g_assert (HS_IS_WINDOW (self));

  update_evidence (self);
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
  self->range_from_us = 0;
  self->range_to_us = 0;
  g_clear_object (&self->range_trace);
  gtk_widget_hide (self->range_bar);
  update_graph_end (self);

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
  update_evidence (self);
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
  hs_chart_view_set_range (self->chart_view, 0, 0);
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

/* The hop charted beside the target, in the snapshot as in the window:
 * the selected one, unless it is the target itself. */
static guint
chart_ttl (HsWindow *self)
{
  HsHop *hop = hs_hop_table_get_selected_hop (self->hop_table);

  g_assert (HS_IS_WINDOW (self));

  return hop != NULL && !hs_hop_is_target (hop) ? hs_hop_get_ttl (hop) : 0;
}

/* What is shared: the trace, cut to the range, with PRIVACY applied
 * (NULL: as the settings say). */
static HsTraceData *
collect (HsWindow *self,
         const HsPrivacy *privacy)
{
  g_autoptr(HsTraceData) whole = NULL;
  HsPrivacy chosen;

  g_assert (HS_IS_WINDOW (self));
  g_assert (self->trace != NULL);

  if (privacy == NULL)
    {
      hs_export_read_privacy (self->settings, &chosen);
      privacy = &chosen;
    }
  whole = borrow_data (self);
  return hs_export_collect (whole, self->range_from_us, self->range_to_us,
                            privacy);
}

static void
save_snapshot (HsWindow *self,
               const char *path,
               const HsPrivacy *privacy)
{
  g_autoptr(HsTraceData) data = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  g_assert (HS_IS_WINDOW (self));

  data = collect (self, privacy);
  if (!hs_export_save_snapshot (data, chart_ttl (self), path, &error))
    {
      message = g_strdup_printf (_("The snapshot was not saved: %s"),
                                 error->message);
      show_message (self, GTK_MESSAGE_ERROR, message);
      return;
    }

  message = g_strdup_printf (_("Saved the snapshot to %s."), path);
  show_message (self, GTK_MESSAGE_INFO, message);
}

static void
save_report (HsWindow *self,
             const char *path,
             const HsPrivacy *privacy)
{
  g_autoptr(HsTraceData) data = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  g_assert (HS_IS_WINDOW (self));

  data = collect (self, privacy);
  if (!hs_export_save_report (data, path, &error))
    {
      message = g_strdup_printf (_("The report was not saved: %s"),
                                 error->message);
      show_message (self, GTK_MESSAGE_ERROR, message);
      return;
    }

  message = g_strdup_printf (_("Saved the report to %s."), path);
  show_message (self, GTK_MESSAGE_INFO, message);
}

static void
save_recording (HsWindow *self,
                const char *path)
{
  g_autoptr(HsTraceData) whole = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  g_assert (HS_IS_WINDOW (self));

  whole = borrow_data (self);
  if (!hs_export_save_recording (whole, path, &error))
    {
      message = g_strdup_printf (_("The recording was not saved: %s"),
                                 error->message);
      show_message (self, GTK_MESSAGE_ERROR, message);
      return;
    }

  message = g_strdup_printf (_("Saved the whole trace to %s. Open it with "
                               "“Open Recording…” in Hopscope."), path);
  show_message (self, GTK_MESSAGE_INFO, message);
}

static void
open_recording (HsWindow *self,
                const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  GtkApplication *application = NULL;
  HsWindow *window = NULL;

  g_assert (HS_IS_WINDOW (self));

  application = gtk_window_get_application (GTK_WINDOW (self));
  window = hs_window_new_for_recording (HS_APPLICATION (application), path,
                                        &error);
  if (window == NULL)
    {
      /* The reader's message names the file and says what is wrong. */
      message = g_strdup_printf (_("Could not open the recording. %s\n"
                                   "Nothing was changed: no window opened "
                                   "and no file was written."),
                                 error->message);
      show_message (self, GTK_MESSAGE_ERROR, message);
      return;
    }

  gtk_window_present (GTK_WINDOW (window));
}

/* Where the file choosers of the menu's actions answer.  The window may
 * have been closed since it asked: then nothing is left to save. */
static void
on_report_path_chosen (GObject *owner,
                       const char *path)
{
  HsWindow *self = HS_WINDOW (owner);

  if (self->trace != NULL)
    save_report (self, path, NULL);
}

static void
on_recording_path_chosen (GObject *owner,
                          const char *path)
{
  HsWindow *self = HS_WINDOW (owner);

  if (self->trace != NULL)
    save_recording (self, path);
}

static void
on_open_path_chosen (GObject *owner,
                     const char *path)
{
  HsWindow *self = HS_WINDOW (owner);

  if (gtk_window_get_application (GTK_WINDOW (self)) != NULL)
    open_recording (self, path);
}

static void
on_save_snapshot_activate (GSimpleAction *action,
                           GVariant *parameter,
                           gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  g_autoptr(HsTraceData) whole = NULL;
  HsSnapshotDialog *dialog = NULL;

  if (self->trace == NULL)
    return;

  whole = borrow_data (self);
  dialog = hs_snapshot_dialog_new (GTK_WINDOW (self), self->settings, whole,
                                   self->range_from_us, self->range_to_us,
                                   chart_ttl (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_copy_snapshot_activate (GSimpleAction *action,
                           GVariant *parameter,
                           gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  g_autoptr(HsTraceData) data = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  GtkClipboard *clipboard = NULL;

  if (self->trace == NULL)
    return;

  data = collect (self, NULL);
  pixbuf = hs_export_snapshot_pixbuf (data, chart_ttl (self));
  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self),
                                        GDK_SELECTION_CLIPBOARD);
  gtk_clipboard_set_image (clipboard, pixbuf);
  show_message (self, GTK_MESSAGE_INFO,
                _("The snapshot is on the clipboard, with the privacy "
                  "choices of “Save Snapshot…”."));
}

static void
on_copy_report_activate (GSimpleAction *action,
                         GVariant *parameter,
                         gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  g_autoptr(HsTraceData) data = NULL;
  g_autofree char *text = NULL;
  const char *nick = g_variant_get_string (parameter, NULL);
  GtkClipboard *clipboard = NULL;
  HsReportFormat format = HS_REPORT_FORMAT_TEXT;

  if (self->trace == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (report_formats); i++)
    if (g_strcmp0 (nick, report_formats[i].nick) == 0)
      format = report_formats[i].format;

  data = collect (self, NULL);
  text = hs_export_write_report (format, data);
  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self),
                                        GDK_SELECTION_CLIPBOARD);
  gtk_clipboard_set_text (clipboard, text, -1);
  show_message (self, GTK_MESSAGE_INFO,
                _("The report is on the clipboard, with the privacy "
                  "choices of “Save Snapshot…”."));
}

static void
on_save_report_activate (GSimpleAction *action,
                         GVariant *parameter,
                         gpointer user_data)
{
  static const HsFileKind kinds[] = {
    { N_("Text, aligned like mtr’s report"), "*.txt" },
    { N_("Markdown, for ticket systems"), "*.md" },
    { N_("CSV, for spreadsheets"), "*.csv" },
    { N_("JSON, for scripts"), "*.json" },
  };
  HsWindow *self = HS_WINDOW (user_data);
  g_autofree char *name = NULL;

  if (self->trace == NULL)
    return;

  name = hs_export_suggest_name (hs_trace_get_options (self->trace)->target,
                                 ".txt");
  hs_file_chooser_run (GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                       _("Save Report"), _("_Save"), name, kinds,
                       G_N_ELEMENTS (kinds), on_report_path_chosen,
                       G_OBJECT (self));
}

static void
on_save_recording_activate (GSimpleAction *action,
                            GVariant *parameter,
                            gpointer user_data)
{
  static const HsFileKind kinds[] = {
    { N_("Hopscope recording"), "*.hopscope" },
  };
  HsWindow *self = HS_WINDOW (user_data);
  g_autofree char *name = NULL;

  if (self->trace == NULL)
    return;

  name = hs_export_suggest_name (hs_trace_get_options (self->trace)->target,
                                 ".hopscope");
  hs_file_chooser_run (GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                       _("Save Recording"), _("_Save"), name, kinds,
                       G_N_ELEMENTS (kinds), on_recording_path_chosen,
                       G_OBJECT (self));
}

static void
on_open_recording_activate (GSimpleAction *action,
                            GVariant *parameter,
                            gpointer user_data)
{
  static const HsFileKind kinds[] = {
    { N_("Hopscope recording"), "*.hopscope" },
    { N_("Any file"), "*" },
  };

  hs_file_chooser_run (GTK_WINDOW (user_data), GTK_FILE_CHOOSER_ACTION_OPEN,
                       _("Open Recording"), _("_Open"), NULL, kinds,
                       G_N_ELEMENTS (kinds), on_open_path_chosen,
                       G_OBJECT (user_data));
}

static void
on_show_all_activate (GSimpleAction *action,
                      GVariant *parameter,
                      gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);

  hs_chart_view_set_range (self->chart_view, 0, 0);
}

static void
read_test_privacy (GVariant *parameter,
                   const char **path,
                   HsPrivacy *privacy)
{
  g_variant_get (parameter, "(&sbbu)", path, &privacy->hide_private,
                 &privacy->hide_own, &privacy->hide_first_hops);
}

/* Test hooks, like dump-table: what the dialogs do, without them. */
static void
on_test_select_range_activate (GSimpleAction *action,
                               GVariant *parameter,
                               gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  gint64 from_us = 0;
  gint64 to_us = 0;

  g_variant_get (parameter, "(xx)", &from_us, &to_us);
  hs_chart_view_set_range (self->chart_view, from_us, to_us);
}

static void
on_test_save_snapshot_activate (GSimpleAction *action,
                                GVariant *parameter,
                                gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  const char *path = NULL;
  HsPrivacy privacy = { 0 };

  read_test_privacy (parameter, &path, &privacy);
  if (self->trace != NULL)
    save_snapshot (self, path, &privacy);
}

static void
on_test_save_report_activate (GSimpleAction *action,
                              GVariant *parameter,
                              gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  const char *path = NULL;
  HsPrivacy privacy = { 0 };

  read_test_privacy (parameter, &path, &privacy);
  if (self->trace != NULL)
    save_report (self, path, &privacy);
}

static void
on_test_save_recording_activate (GSimpleAction *action,
                                 GVariant *parameter,
                                 gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);

  if (self->trace != NULL)
    save_recording (self, g_variant_get_string (parameter, NULL));
}

static void
on_test_open_recording_activate (GSimpleAction *action,
                                 GVariant *parameter,
                                 gpointer user_data)
{
  open_recording (HS_WINDOW (user_data),
                  g_variant_get_string (parameter, NULL));
}

/* A test hook: what the clipboard holds, as JSON in the file of
 * HOPSCOPE_TEST_DUMP, {"text": TEXT or null, "image": [WIDTH, HEIGHT] or
 * null}.  The window owns the clipboard after a copy, so GTK answers from
 * within the process. */
static void
on_test_read_clipboard_activate (GSimpleAction *action,
                                 GVariant *parameter,
                                 gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GdkPixbuf) image = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;
  GtkClipboard *clipboard = NULL;
  const char *path = g_getenv ("HOPSCOPE_TEST_DUMP");

  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self),
                                        GDK_SELECTION_CLIPBOARD);
  if (gtk_clipboard_wait_is_image_available (clipboard))
    image = gtk_clipboard_wait_for_image (clipboard);
  else
    text = gtk_clipboard_wait_for_text (clipboard);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "image");
  if (image != NULL)
    {
      json_builder_begin_array (builder);
      json_builder_add_int_value (builder, gdk_pixbuf_get_width (image));
      json_builder_add_int_value (builder, gdk_pixbuf_get_height (image));
      json_builder_end_array (builder);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, NULL);
  if (!g_file_set_contents (path, json, -1, &error))
    g_warning ("Could not write the clipboard to %s: %s", path,
               error->message);
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
  int chart_x = 0;
  int chart_y = 0;
  int chart_width = 0;

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
  json_builder_set_member_name (builder, "findings");
  json_builder_add_value (builder,
                          hs_diagnosis_view_dump (self->diagnosis_view));
  json_builder_set_member_name (builder, "range");
  if (self->range_to_us != 0)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "from_us");
      json_builder_add_int_value (builder, self->range_from_us);
      json_builder_set_member_name (builder, "to_us");
      json_builder_add_int_value (builder, self->range_to_us);
      json_builder_set_member_name (builder, "bar");
      json_builder_add_string_value (builder, gtk_widget_get_visible
                                     (self->range_bar)
                                     ? gtk_label_get_text (self->range_label)
                                     : NULL);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "chart");
  if (hs_chart_view_get_plot_position (self->chart_view, &chart_x, &chart_y,
                                       &chart_width))
    {
      json_builder_begin_array (builder);
      json_builder_add_int_value (builder, chart_x);
      json_builder_add_int_value (builder, chart_y);
      json_builder_add_int_value (builder, chart_width);
      json_builder_end_array (builder);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "start_time_us");
  json_builder_add_int_value (builder, self->trace
                              ? hs_trace_get_start_time (self->trace) : 0);
  json_builder_set_member_name (builder, "read_only");
  json_builder_add_boolean_value (builder, self->recording != NULL);
  json_builder_set_member_name (builder, "recording_banner");
  if (gtk_widget_get_visible (GTK_WIDGET (self->recording_bar)))
    json_builder_add_string_value (builder,
                                   gtk_label_get_text (self->recording_label));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "message");
  if (gtk_widget_get_visible (GTK_WIDGET (self->message_bar)))
    json_builder_add_string_value (builder,
                                   gtk_label_get_text (self->message_label));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "sensitive");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "entry");
  json_builder_add_boolean_value (builder, gtk_widget_get_sensitive
                                  (GTK_WIDGET (self->target_entry)));
  json_builder_set_member_name (builder, "protocol");
  json_builder_add_boolean_value (builder, gtk_widget_get_sensitive
                                  (GTK_WIDGET (self->protocol_combo)));
  json_builder_set_member_name (builder, "family");
  json_builder_add_boolean_value (builder, gtk_widget_get_sensitive
                                  (GTK_WIDGET (self->family_combo)));
  for (guint i = 0; i < 3; i++)
    {
      static const char * const names[] = { "start", "pause", "reset" };

      json_builder_set_member_name (builder, names[i]);
      json_builder_add_boolean_value
        (builder, g_action_group_get_action_enabled (G_ACTION_GROUP (self),
                                                     names[i]));
    }
  json_builder_end_object (builder);
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
  { "save-snapshot", on_save_snapshot_activate },
  { "copy-snapshot", on_copy_snapshot_activate },
  { "save-report", on_save_report_activate },
  { "copy-report", on_copy_report_activate, "s" },
  { "save-recording", on_save_recording_activate },
  { "open-recording", on_open_recording_activate },
  { "show-all", on_show_all_activate },
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
  HsHop *selected = hs_hop_table_get_selected_hop (table);
  g_autoptr(HsHop) live = NULL;
  GListModel *hops = NULL;

  /* The table may show the range's copies of the hops; the chart draws
   * the live hop of the same time-to-live, over the whole trace. */
  if (selected != NULL && self->range_trace != NULL && self->trace != NULL)
    {
      hops = hs_trace_get_hops (self->trace);
      for (guint i = 0; i < g_list_model_get_n_items (hops) && !live; i++)
        {
          g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);

          if (hs_hop_get_ttl (hop) == hs_hop_get_ttl (selected))
            live = g_steal_pointer (&hop);
        }
      selected = live;
    }

  hs_chart_view_set_hop (self->chart_view, selected);
}

static void
on_chart_view_range_changed (HsChartView *chart_view,
                             gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  gint64 from_us = 0;
  gint64 to_us = 0;

  hs_chart_view_get_range (chart_view, &from_us, &to_us);
  set_range (self, from_us, to_us);
}

static void
on_message_bar_response (GtkInfoBar *info_bar,
                         int response,
                         gpointer user_data)
{
  gtk_widget_hide (GTK_WIDGET (info_bar));
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
  g_clear_object (&self->range_trace);
  g_clear_pointer (&self->recording, hs_trace_data_free);
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
  g_type_ensure (HS_TYPE_DIAGNOSIS_VIEW);

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
  gtk_widget_class_bind_template_child (widget_class, HsWindow,
                                        recording_bar);
  gtk_widget_class_bind_template_child (widget_class, HsWindow,
                                        recording_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, message_bar);
  gtk_widget_class_bind_template_child (widget_class, HsWindow,
                                        message_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, range_bar);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, range_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow,
                                        diagnosis_view);
  gtk_widget_class_bind_template_callback (widget_class,
                                           on_target_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class,
                                           on_target_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_info_bar_response);
  gtk_widget_class_bind_template_callback (widget_class,
                                           on_hop_table_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class,
                                           on_chart_view_range_changed);
  gtk_widget_class_bind_template_callback (widget_class,
                                           on_message_bar_response);
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
        { "test-select-range", on_test_select_range_activate, "(xx)" },
        { "test-save-snapshot", on_test_save_snapshot_activate, "(sbbu)" },
        { "test-save-report", on_test_save_report_activate, "(sbbu)" },
        { "test-save-recording", on_test_save_recording_activate, "s" },
        { "test-open-recording", on_test_open_recording_activate, "s" },
        { "test-read-clipboard", on_test_read_clipboard_activate },
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

static const char *
family_nick (HsAddressFamily family)
{
  switch (family)
    {
    case HS_ADDRESS_FAMILY_IPV4:
      return "ipv4";

    case HS_ADDRESS_FAMILY_IPV6:
      return "ipv6";

    case HS_ADDRESS_FAMILY_ANY:
    default:
      return "any";
    }
}

/* The window shows DATA read-only: nothing starts, and the settings of
 * the trace are the recording's, not the user's. */
static void
show_recording (HsWindow *self,
                HsTraceData *data)
{
  g_autoptr(HsTrace) trace = NULL;
  g_autoptr(GDateTime) made = NULL;
  g_autofree char *when = NULL;
  g_autofree char *banner = NULL;
  g_autofree char *subtitle = NULL;
  static const char * const protocols[] = { "icmp", "udp", "tcp" };
  gint64 made_us = 0;

  g_assert (HS_IS_WINDOW (self));
  g_assert (self->recording == NULL);

  self->recording = data;
  trace = hs_trace_new_from_data (data);

  g_settings_unbind (self->protocol_combo, "active-id");
  g_settings_unbind (self->family_combo, "active-id");
  if ((guint) data->options.protocol < G_N_ELEMENTS (protocols))
    gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->protocol_combo),
                                 protocols[data->options.protocol]);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->family_combo),
                               family_nick (data->options.family));
  gtk_entry_set_text (self->target_entry, data->options.target
                                          ? data->options.target : "");
  gtk_widget_set_sensitive (GTK_WIDGET (self->target_entry), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->protocol_combo), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->family_combo), FALSE);

  set_trace (self, trace);
  made_us = data->started_us > 0 ? data->started_us : data->finished_us;
  hs_chart_view_set_end_time (self->chart_view, recording_end_time (self));
  update_graph_end (self);

  made = g_date_time_new_from_unix_local (made_us / G_USEC_PER_SEC);
  when = made ? g_date_time_format (made, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
  /* TRANSLATORS: "Recording of TARGET made on HOST at TIME — read-only". */
  banner = g_strdup_printf (_("Recording of %s made on %s at %s — "
                              "read-only"),
                            data->options.target ? data->options.target : "?",
                            data->local_name ? data->local_name : "?", when);
  gtk_label_set_text (self->recording_label, banner);
  gtk_widget_show (GTK_WIDGET (self->recording_bar));
  subtitle = g_strdup_printf (_("Recording of %s"), data->options.target
                                                    ? data->options.target
                                                    : "?");
  gtk_header_bar_set_subtitle (self->header_bar, subtitle);

  update_actions (self);
  update_lock (self);
  refresh_now (self);
}

HsWindow *
hs_window_new_for_recording (HsApplication *application,
                             const char *path,
                             GError **error)
{
  g_autoptr(HsTraceData) data = NULL;
  HsWindow *self = NULL;

  g_return_val_if_fail (HS_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(data = hs_recording_load (path, error)))
    return NULL;

  self = hs_window_new (application);
  show_recording (self, g_steal_pointer (&data));
  return self;
}
