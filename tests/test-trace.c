/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* The trace engine against a simulated path.  This program runs inside the
 * namespace of a hopscope-pathsim that tests/integration/test-core-trace.py
 * built; the driver passes the path's truth in HS_TRACE_TRUTH, a JSON
 * object:
 *
 *   { "target": "198.51.100.10", "target_ttl": 5, "target_delay_ms": 10,
 *     "hops": [ { "ttl": 1, "address": "203.0.113.1", "delay_ms": 1,
 *                 "names": ["203.0.113.1", ...], "silent": false,
 *                 "loss": 0, "name": "hop1.example" }, ... ] }
 *
 * and, for the tests that report figures, HS_TRACE_REPORT names a file to
 * write the hops' statistics to, which the driver compares with the
 * simulator's own record of every probe. */

#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hs-name-cache.h"
#include "hs-trace.h"

#define HOP_MEAN_TOLERANCE_US 500

static JsonObject *truth;

static JsonObject *
get_truth_hop (guint ttl)
{
  JsonArray *hops = json_object_get_array_member (truth, "hops");

  for (guint i = 0; i < json_array_get_length (hops); i++)
    {
      JsonObject *hop = json_array_get_object_element (hops, i);

      if (json_object_get_int_member (hop, "ttl") == ttl)
        return hop;
    }

  return NULL;
}

static guint
get_target_ttl (void)
{
  return json_object_get_int_member (truth, "target_ttl");
}

static HsTrace *
new_trace (guint count,
           guint interval_ms,
           guint timeout_seconds)
{
  HsTraceOptions options;
  HsTrace *trace = NULL;

  hs_trace_options_init (&options);
  options.target = g_strdup (json_object_get_string_member (truth, "target"));
  options.count = count;
  options.interval_ms = interval_ms;
  options.timeout_seconds = timeout_seconds;
  options.max_ttl = 12;
  options.resolve_names = FALSE;
  trace = hs_trace_new (&options, NULL);
  hs_trace_options_clear (&options);

  return trace;
}

typedef gboolean (*Condition) (HsTrace *trace,
                               gpointer user_data);

static gboolean
on_wait_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

/* Runs the main loop until CONDITION holds or TIMEOUT_MS pass. */
static gboolean
wait_for (HsTrace *trace,
          Condition condition,
          gpointer user_data,
          guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint source_id = g_timeout_add (timeout_ms, on_wait_timeout, &timed_out);

  while (!condition (trace, user_data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (source_id);

  return condition (trace, user_data);
}

static gboolean
is_in_state (HsTrace *trace,
             gpointer user_data)
{
  return (int) hs_trace_get_state (trace) == GPOINTER_TO_INT (user_data);
}

static gboolean
is_done (HsTrace *trace,
         gpointer user_data)
{
  return hs_trace_get_state (trace) == HS_TRACE_STATE_FINISHED
         || hs_trace_get_state (trace) == HS_TRACE_STATE_FAILED;
}

static gboolean
has_rounds (HsTrace *trace,
            gpointer user_data)
{
  return hs_trace_get_rounds (trace) >= GPOINTER_TO_UINT (user_data)
         || hs_trace_get_state (trace) == HS_TRACE_STATE_FAILED;
}

static gboolean
never (HsTrace *trace,
       gpointer user_data)
{
  return FALSE;
}

static void
sleep_in_loop (HsTrace *trace,
               guint ms)
{
  wait_for (trace, never, NULL, ms);
}

static HsHop *
get_hop (HsTrace *trace,
         guint ttl)
{
  GListModel *hops = hs_trace_get_hops (trace);
  g_autoptr(HsHop) hop = NULL;

  g_assert_cmpuint (ttl, >=, 1);
  g_assert_cmpuint (ttl, <=, g_list_model_get_n_items (hops));
  hop = g_list_model_get_item (hops, ttl - 1);
  g_assert_cmpuint (hs_hop_get_ttl (hop), ==, ttl);

  /* The model holds its own reference. */
  return hop;
}

static char *
get_main_address (HsHop *hop)
{
  const HsResponder *responder = hs_hop_get_main_responder (hop);

  if (responder == NULL)
    return NULL;

  return g_inet_address_to_string (responder->address);
}

/* Whether ADDRESS is one of the ECMP routers of a hop of the truth. */
static gboolean
is_router_of (JsonObject *truth_hop,
              const char *address)
{
  JsonArray *routers = json_object_get_array_member (truth_hop, "routers");

  for (guint i = 0; address != NULL && i < json_array_get_length (routers);
       i++)
    if (g_str_equal (address, json_array_get_string_element (routers, i)))
      return TRUE;

  return FALSE;
}

/* The hops end at the target, and each shows what the path says. */
static void
assert_path (HsTrace *trace)
{
  guint target_ttl = get_target_ttl ();
  GListModel *hops = hs_trace_get_hops (trace);

  g_assert_cmpuint (g_list_model_get_n_items (hops), ==, target_ttl);
  g_assert_cmpuint (hs_trace_get_n_visible_hops (trace), ==, target_ttl);

  for (guint ttl = 1; ttl <= target_ttl; ttl++)
    {
      HsHop *hop = get_hop (trace, ttl);
      JsonObject *truth_hop = get_truth_hop (ttl);
      g_autofree char *address = get_main_address (hop);

      g_assert_cmpint (hs_hop_is_target (hop), ==, ttl == target_ttl);
      if (truth_hop == NULL)
        {
          g_assert_cmpstr (address, ==,
                           json_object_get_string_member (truth, "target"));
          continue;
        }
      if (json_object_get_boolean_member (truth_hop, "silent"))
        g_assert_null (address);
      else if (json_object_has_member (truth_hop, "routers"))
        g_assert_true (is_router_of (truth_hop, address));
      else
        g_assert_cmpstr (address, ==,
                         json_object_get_string_member (truth_hop,
                                                        "address"));
    }
}

static double
get_truth_delay_us (guint ttl)
{
  JsonObject *truth_hop = get_truth_hop (ttl);

  if (truth_hop == NULL)
    return json_object_get_double_member (truth, "target_delay_ms") * 1000;

  return json_object_get_double_member (truth_hop, "delay_ms") * 1000;
}

/* Writes every hop's figures for the driver to compare with the
 * simulator's record. */
static void
write_report (HsTrace *trace)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *hops = hs_trace_get_hops (trace);
  const char *path = g_getenv ("HS_TRACE_REPORT");

  if (path == NULL)
    return;

  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (hops); i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);
      const HsHopStats *stats = hs_hop_get_stats (hop);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "ttl");
      json_builder_add_int_value (builder, hs_hop_get_ttl (hop));
      json_builder_set_member_name (builder, "sent");
      json_builder_add_int_value (builder, stats->sent);
      json_builder_set_member_name (builder, "answered");
      json_builder_add_int_value (builder, stats->answered);
      json_builder_set_member_name (builder, "lost");
      json_builder_add_int_value (builder, stats->lost);
      json_builder_set_member_name (builder, "mean_us");
      json_builder_add_double_value (builder,
                                     hs_hop_stats_get_mean_us (stats));
      json_builder_set_member_name (builder, "responders");
      json_builder_begin_object (builder);
      for (guint j = 0; j < hs_hop_get_n_responders (hop); j++)
        {
          const HsResponder *responder = hs_hop_get_responder (hop, j);
          g_autofree char *address =
            g_inet_address_to_string (responder->address);

          json_builder_set_member_name (builder, address);
          json_builder_add_int_value (builder, responder->answers);
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  g_assert_true (json_generator_to_file (generator, path, &error));
  g_assert_no_error (error);
}

static void
on_count (HsTrace *trace,
          gpointer user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
on_round_finished_count (HsTrace *trace,
                         guint round,
                         gpointer user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
on_hop_changed_note (HsTrace *trace,
                     HsHop *hop,
                     gpointer user_data)
{
  g_assert_true (HS_IS_HOP (hop));
  g_hash_table_add (user_data, hop);
}

static void
test_rounds (void)
{
  g_autoptr(HsTrace) trace = new_trace (5, 100, 2);
  guint target_ttl = get_target_ttl ();
  g_autoptr(GHashTable) changed = g_hash_table_new (NULL, NULL);
  guint n_round_signals = 0;
  guint n_finished = 0;

  g_signal_connect (trace, "round-finished",
                    G_CALLBACK (on_round_finished_count), &n_round_signals);
  g_signal_connect (trace, "finished", G_CALLBACK (on_count), &n_finished);
  g_signal_connect (trace, "hop-changed", G_CALLBACK (on_hop_changed_note),
                    changed);

  hs_trace_start (trace);
  g_assert_true (wait_for (trace, is_done, NULL, 5000));
  g_assert_cmpuint (n_round_signals, ==, 5);
  g_assert_cmpuint (n_finished, ==, 1);

  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_FINISHED);
  g_assert_null (hs_trace_get_error (trace));
  g_assert_cmpuint (hs_trace_get_rounds (trace), ==, 5);
  assert_path (trace);

  for (guint ttl = 1; ttl <= target_ttl; ttl++)
    {
      HsHop *hop = get_hop (trace, ttl);
      const HsHopStats *stats = hs_hop_get_stats (hop);
      double mean_us = hs_hop_stats_get_mean_us (stats);
      double truth_us = get_truth_delay_us (ttl);

      g_test_message ("hop %u: sent %u, answered %u, mean %.0f us, "
                      "truth %.0f us", ttl, stats->sent, stats->answered,
                      mean_us, truth_us);
      g_assert_cmpuint (stats->sent, ==, 5);
      g_assert_cmpuint (stats->answered, ==, 5);
      g_assert_cmpuint (stats->lost, ==, 0);
      g_assert_cmpfloat_with_epsilon (mean_us, truth_us,
                                      HOP_MEAN_TOLERANCE_US);
      g_assert_true (g_hash_table_contains (changed, hop));
    }

  write_report (trace);
}

static gboolean all_hops_sent_at_least (HsTrace *trace,
                                        gpointer user_data);

static void
on_finished_note_time (HsTrace *trace,
                       gpointer user_data)
{
  gint64 *finished_us = user_data;

  *finished_us = g_get_real_time ();
}

static void
test_one_round_time (void)
{
  g_autoptr(HsTrace) trace = new_trace (1, 1000, 2);
  double target_us = json_object_get_double_member (truth,
                                                    "target_delay_ms") * 1000;
  double limit_us = 1.2 * target_us + 50000;
  gint64 finished_us = 0;
  gint64 took_us = 0;

  g_signal_connect (trace, "finished", G_CALLBACK (on_finished_note_time),
                    &finished_us);
  hs_trace_start (trace);
  g_assert_true (wait_for (trace, is_done, NULL, 5000));
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_FINISHED);
  g_assert_cmpint (hs_trace_get_start_time (trace), >, 0);

  took_us = finished_us - hs_trace_get_start_time (trace);
  g_printerr ("# one round came in %.2f ms after the first probe "
              "(target %.2f ms, limit %.2f ms)\n",
              took_us / 1000.0, target_us / 1000.0, limit_us / 1000.0);
  g_assert_cmpint (took_us, <=, limit_us);
  assert_path (trace);

  /* A finished trace started again runs count more rounds. */
  hs_trace_start (trace);
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_RUNNING);
  g_assert_true (wait_for (trace, is_done, NULL, 5000));
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_FINISHED);
  g_assert_cmpuint (hs_trace_get_rounds (trace), ==, 2);
  g_assert_true (all_hops_sent_at_least (trace, GUINT_TO_POINTER (2)));
  g_assert_false (all_hops_sent_at_least (trace, GUINT_TO_POINTER (3)));
}

static gboolean
all_hops_sent_at_least (HsTrace *trace,
                        gpointer user_data)
{
  GListModel *hops = hs_trace_get_hops (trace);
  guint n = g_list_model_get_n_items (hops);

  if (n == 0)
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);

      if (hs_hop_get_stats (hop)->sent < GPOINTER_TO_UINT (user_data))
        return FALSE;
    }

  return TRUE;
}

static guint
get_total_sent (HsTrace *trace)
{
  GListModel *hops = hs_trace_get_hops (trace);
  guint total = 0;

  for (guint i = 0; i < g_list_model_get_n_items (hops); i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);

      total += hs_hop_get_stats (hop)->sent;
    }

  return total;
}

static void
test_pause (void)
{
  g_autoptr(HsTrace) trace = new_trace (0, 50, 2);
  guint rounds = 0;
  guint sent = 0;

  hs_trace_start (trace);
  g_assert_true (wait_for (trace, has_rounds, GUINT_TO_POINTER (3), 5000));
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_RUNNING);
  g_assert_cmpfloat (hs_trace_get_probe_rate (trace), >, 0.0);

  hs_trace_pause (trace);
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_PAUSED);

  /* The probes out still come in; after that nothing moves. */
  sleep_in_loop (trace, 200);
  rounds = hs_trace_get_rounds (trace);
  sent = get_total_sent (trace);
  sleep_in_loop (trace, 400);
  g_assert_cmpuint (hs_trace_get_rounds (trace), ==, rounds);
  g_assert_cmpuint (get_total_sent (trace), ==, sent);
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_PAUSED);

  hs_trace_start (trace);
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_RUNNING);
  g_assert_true (wait_for (trace, has_rounds, GUINT_TO_POINTER (rounds + 3),
                           5000));
  g_assert_cmpuint (get_total_sent (trace), >, sent);
  assert_path (trace);
}

static void
test_reset (void)
{
  g_autoptr(HsTrace) trace = new_trace (0, 50, 2);

  hs_trace_start (trace);
  g_assert_true (wait_for (trace, has_rounds, GUINT_TO_POINTER (2), 5000));
  g_assert_cmpuint (g_list_model_get_n_items (hs_trace_get_hops (trace)),
                    >, 0);

  hs_trace_reset (trace);
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_IDLE);
  g_assert_cmpuint (g_list_model_get_n_items (hs_trace_get_hops (trace)),
                    ==, 0);
  g_assert_cmpuint (hs_trace_get_rounds (trace), ==, 0);
  g_assert_cmpuint (hs_trace_get_n_visible_hops (trace), ==, 0);

  /* Nothing comes back from the probes that were out. */
  sleep_in_loop (trace, 300);
  g_assert_cmpuint (g_list_model_get_n_items (hs_trace_get_hops (trace)),
                    ==, 0);
  g_assert_cmpuint (hs_trace_get_rounds (trace), ==, 0);

  /* And it starts from scratch. */
  hs_trace_start (trace);
  g_assert_true (wait_for (trace, has_rounds, GUINT_TO_POINTER (2), 5000));
  g_assert_true (all_hops_sent_at_least (trace, GUINT_TO_POINTER (2)));
  assert_path (trace);
}

static void
test_unknown_host (void)
{
  g_autoptr(HsTrace) trace = NULL;
  HsTraceOptions options;
  const GError *error = NULL;
  gint64 started_us = g_get_monotonic_time ();

  hs_trace_options_init (&options);
  options.target = g_strdup ("no-such-host.hs-c3.invalid");
  trace = hs_trace_new (&options, NULL);
  hs_trace_options_clear (&options);

  hs_trace_start (trace);
  g_assert_true (wait_for (trace, is_in_state,
                           GINT_TO_POINTER (HS_TRACE_STATE_FAILED), 3000));
  g_printerr ("# the unknown name failed in %.1f ms\n",
              (g_get_monotonic_time () - started_us) / 1000.0);

  error = hs_trace_get_error (trace);
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==,
                   "Hopscope could not find the address of "
                   "\"no-such-host.hs-c3.invalid\". Check the name, or "
                   "enter an address.");
  g_assert_cmpuint (g_list_model_get_n_items (hs_trace_get_hops (trace)),
                    ==, 0);
}

/* The name the hosts file gives the main responder at TTL, or NULL. */
static const char *
get_truth_name (guint ttl)
{
  JsonObject *truth_hop = get_truth_hop (ttl);

  if (truth_hop == NULL)
    return json_object_get_string_member (truth, "target_name");
  if (json_object_has_member (truth_hop, "name"))
    return json_object_get_string_member (truth_hop, "name");
  return NULL;
}

static gboolean
has_all_names (HsTrace *trace,
               gpointer user_data)
{
  GListModel *hops = hs_trace_get_hops (trace);

  for (guint i = 0; i < g_list_model_get_n_items (hops); i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);
      const HsResponder *responder = hs_hop_get_main_responder (hop);

      if (responder != NULL && responder->name == NULL
          && get_truth_name (hs_hop_get_ttl (hop)) != NULL)
        return FALSE;
    }

  return g_list_model_get_n_items (hops) > 0;
}

static void
test_names (void)
{
  g_autoptr(HsTrace) trace = NULL;
  HsTraceOptions options;
  gint64 started_us = g_get_monotonic_time ();
  guint target_ttl = get_target_ttl ();

  hs_trace_options_init (&options);
  options.target = g_strdup (json_object_get_string_member (truth,
                                                            "target"));
  options.count = 1;
  options.max_ttl = 12;
  trace = hs_trace_new (&options, NULL);
  hs_trace_options_clear (&options);

  hs_trace_start (trace);
  g_assert_true (wait_for (trace, is_done, NULL, 5000));
  g_assert_true (wait_for (trace, has_all_names, NULL, 3000));
  g_printerr ("# every name in %.1f ms\n",
              (g_get_monotonic_time () - started_us) / 1000.0);

  /* Names from the hosts file; no name for the others, whose lookups
   * failed: the views show their address. */
  for (guint ttl = 1; ttl <= target_ttl; ttl++)
    {
      HsHop *hop = get_hop (trace, ttl);
      const HsResponder *responder = hs_hop_get_main_responder (hop);
      g_autofree char *address = get_main_address (hop);

      g_assert_nonnull (responder);
      g_test_message ("hop %u: %s is %s", ttl, address, responder->name);
      g_assert_cmpstr (responder->name, ==, get_truth_name (ttl));
    }
}

/* The helper, as a child of this process. */
static GPid
find_helper (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *entry = NULL;
  GPid parent = getpid ();

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", entry, "stat", NULL);
      g_autofree char *stat = NULL;
      const char *after_name = NULL;
      int ppid = 0;
      char state = 0;

      if (!g_ascii_isdigit (entry[0])
          || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      if (strstr (stat, "(hopscope-probe)") == NULL
          || (after_name = strrchr (stat, ')')) == NULL)
        continue;
      if (sscanf (after_name + 1, " %c %d", &state, &ppid) == 2
          && ppid == parent)
        return atoi (entry);
    }

  return 0;
}

static void
test_helper_killed (void)
{
  g_autoptr(HsTrace) trace = new_trace (0, 50, 2);
  g_autoptr(GArray) sent_before = g_array_new (FALSE, FALSE, sizeof (guint));
  guint target_ttl = get_target_ttl ();
  const GError *error = NULL;
  GPid helper = 0;

  hs_trace_start (trace);
  g_assert_true (wait_for (trace, has_rounds, GUINT_TO_POINTER (4), 5000));
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_RUNNING);

  helper = find_helper ();
  g_assert_cmpint (helper, >, 0);
  g_assert_cmpint (kill (helper, SIGKILL), ==, 0);

  g_assert_true (wait_for (trace, is_in_state,
                           GINT_TO_POINTER (HS_TRACE_STATE_FAILED), 3000));
  error = hs_trace_get_error (trace);
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, !=, "");
  g_printerr ("# after SIGKILL: %s\n", error->message);

  /* The data stays. */
  g_assert_cmpuint (g_list_model_get_n_items (hs_trace_get_hops (trace)),
                    ==, target_ttl);
  for (guint ttl = 1; ttl <= target_ttl; ttl++)
    {
      guint sent = hs_hop_get_stats (get_hop (trace, ttl))->sent;

      g_assert_cmpuint (sent, >=, 4);
      g_array_append_val (sent_before, sent);
    }

  /* Nothing moves while it is failed. */
  sleep_in_loop (trace, 200);
  for (guint ttl = 1; ttl <= target_ttl; ttl++)
    g_assert_cmpuint (hs_hop_get_stats (get_hop (trace, ttl))->sent, ==,
                      g_array_index (sent_before, guint, ttl - 1));

  /* Starting again starts a new helper and goes on from there. */
  hs_trace_start (trace);
  g_assert_true (wait_for (trace, is_in_state,
                           GINT_TO_POINTER (HS_TRACE_STATE_RUNNING), 3000));
  g_assert_null (hs_trace_get_error (trace));
  g_assert_cmpint (find_helper (), !=, helper);
  g_assert_true (wait_for (trace, has_rounds,
                           GUINT_TO_POINTER (hs_trace_get_rounds (trace) + 3),
                           5000));
  for (guint ttl = 1; ttl <= target_ttl; ttl++)
    {
      const HsHopStats *stats = hs_hop_get_stats (get_hop (trace, ttl));

      g_assert_cmpuint (stats->sent, >=,
                        g_array_index (sent_before, guint, ttl - 1) + 3);
      g_assert_cmpuint (stats->answered, >=,
                        g_array_index (sent_before, guint, ttl - 1));
    }
  assert_path (trace);
}

static void
test_loss (void)
{
  g_autoptr(HsTrace) trace = new_trace (40, 20, 1);
  guint target_ttl = get_target_ttl ();

  hs_trace_start (trace);
  g_assert_true (wait_for (trace, is_done, NULL, 10000));
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_FINISHED);
  g_assert_cmpuint (hs_trace_get_rounds (trace), ==, 40);
  assert_path (trace);

  for (guint ttl = 1; ttl <= target_ttl; ttl++)
    {
      const HsHopStats *stats = hs_hop_get_stats (get_hop (trace, ttl));
      JsonObject *truth_hop = get_truth_hop (ttl);
      double loss = hs_hop_stats_get_loss_percent (stats);
      double truth_loss = 0;

      if (truth_hop == NULL)
        truth_loss = json_object_get_double_member (truth, "target_loss");
      else if (json_object_get_boolean_member (truth_hop, "silent"))
        truth_loss = 100;
      else
        truth_loss = json_object_get_double_member (truth_hop, "loss");

      g_printerr ("# hop %u: sent %u, answered %u, lost %u, loss %.1f %% "
                  "(truth %.0f %%)\n", ttl, stats->sent, stats->answered,
                  stats->lost, loss, truth_loss);
      g_assert_cmpuint (stats->answered + stats->lost, ==, stats->sent);

      /* Forty probes: a wide band, about three standard deviations. */
      if (truth_loss == 0 || truth_loss == 100)
        g_assert_cmpfloat (loss, ==, truth_loss);
      else
        g_assert_cmpfloat_with_epsilon (loss, truth_loss, 25);
    }

  write_report (trace);
}

static void
test_ecmp (void)
{
  g_autoptr(HsTrace) trace = NULL;
  HsTraceOptions options;
  JsonObject *truth_hop = NULL;
  JsonArray *routers = NULL;
  HsHop *hop = NULL;
  guint ttl = json_object_get_int_member (truth, "ecmp_ttl");

  hs_trace_options_init (&options);
  options.target = g_strdup (json_object_get_string_member (truth,
                                                            "target"));
  options.protocol = HS_PROTOCOL_UDP;
  options.count = 40;
  options.interval_ms = 20;
  options.max_ttl = 12;
  options.resolve_names = FALSE;
  trace = hs_trace_new (&options, NULL);
  hs_trace_options_clear (&options);

  hs_trace_start (trace);
  g_assert_true (wait_for (trace, is_done, NULL, 10000));
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_FINISHED);
  assert_path (trace);

  /* Every router of the hop answers its share of the flows. */
  hop = get_hop (trace, ttl);
  truth_hop = get_truth_hop (ttl);
  routers = json_object_get_array_member (truth_hop, "routers");
  g_assert_cmpuint (hs_hop_get_n_responders (hop), ==,
                    json_array_get_length (routers));
  for (guint i = 0; i < hs_hop_get_n_responders (hop); i++)
    {
      const HsResponder *responder = hs_hop_get_responder (hop, i);
      g_autofree char *address = g_inet_address_to_string (responder->address);
      double share = 100.0 * responder->answers
                     / hs_hop_get_stats (hop)->answered;

      g_printerr ("# hop %u: %s answered %u (%.0f %%)\n", ttl, address,
                  responder->answers, share);
      g_assert_true (is_router_of (truth_hop, address));
      g_assert_cmpfloat (share, >=, 15);
    }

  write_report (trace);
}

static gboolean
has_new_responder (HsTrace *trace,
                   gpointer user_data)
{
  guint ttl = json_object_get_int_member (truth, "change_ttl");
  const char *address = json_object_get_string_member (truth, "change_to");
  GListModel *hops = hs_trace_get_hops (trace);
  g_autoptr(HsHop) hop = NULL;

  if (g_list_model_get_n_items (hops) < ttl)
    return FALSE;

  hop = g_list_model_get_item (hops, ttl - 1);
  for (guint i = 0; i < hs_hop_get_n_responders (hop); i++)
    {
      g_autofree char *text =
        g_inet_address_to_string (hs_hop_get_responder (hop, i)->address);

      if (g_str_equal (text, address))
        return TRUE;
    }

  return FALSE;
}

static void
test_route_change (void)
{
  g_autoptr(HsTrace) trace = new_trace (0, 100, 1);
  guint ttl = json_object_get_int_member (truth, "change_ttl");
  HsHop *hop = NULL;
  double expected = 0;
  double rate = 0;

  hs_trace_start (trace);
  g_assert_true (wait_for (trace, has_rounds, GUINT_TO_POINTER (3), 3000));
  g_assert_false (has_new_responder (trace, NULL));

  g_assert_true (wait_for (trace, has_new_responder, NULL, 8000));
  hop = get_hop (trace, ttl);
  g_assert_cmpuint (hs_hop_get_n_responders (hop), ==, 2);

  /* The new router answers every probe from then on. */
  g_assert_true (wait_for (trace, has_rounds,
                           GUINT_TO_POINTER (hs_trace_get_rounds (trace) + 10),
                           5000));
  hop = get_hop (trace, ttl);
  g_assert_cmpuint (hs_hop_get_responder (hop, 1)->answers, >=, 10);
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_RUNNING);

  /* A probe for each hop every 100 ms, and the first round's few more. */
  rate = hs_trace_get_probe_rate (trace);
  expected = get_target_ttl () * 10.0;
  g_printerr ("# probe rate %.1f a second (expected about %.0f)\n", rate,
              expected);
  g_assert_cmpfloat (rate, >=, 0.8 * expected);
  g_assert_cmpfloat (rate, <=, 1.3 * expected);
}

static void
test_grace (void)
{
  g_autoptr(HsTrace) trace = new_trace (1, 1000, 2);
  double target_us = json_object_get_double_member (truth,
                                                    "target_delay_ms") * 1000;
  double limit_us = target_us + MAX (3 * target_us, 50000) + 15000;
  guint slow_ttl = json_object_get_int_member (truth, "slow_ttl");
  guint silent_ttl = json_object_get_int_member (truth, "silent_ttl");
  const HsHopStats *stats = NULL;
  gint64 finished_us = 0;
  gint64 took_us = 0;
  double slow_ms = 0;

  g_signal_connect (trace, "finished", G_CALLBACK (on_finished_note_time),
                    &finished_us);
  hs_trace_start (trace);
  g_assert_true (wait_for (trace, is_done, NULL, 5000));
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_FINISHED);

  /* The target answered, so the silent and the slow hop were given a
   * grace after its reply, not the helper's two seconds. */
  took_us = finished_us - hs_trace_get_start_time (trace);
  g_printerr ("# the round with a silent hop came in %.2f ms after the "
              "first probe (limit %.2f ms)\n", took_us / 1000.0,
              limit_us / 1000.0);
  g_assert_cmpint (took_us, <=, limit_us);
  assert_path (trace);

  stats = hs_hop_get_stats (get_hop (trace, silent_ttl));
  g_assert_cmpuint (stats->sent, ==, 1);
  g_assert_cmpuint (stats->lost, ==, 1);

  /* The slow hop's reply comes after the grace: it is ignored. */
  slow_ms = json_object_get_double_member (get_truth_hop (slow_ttl),
                                          "delay_ms");
  sleep_in_loop (trace, (guint) (2 * slow_ms));
  stats = hs_hop_get_stats (get_hop (trace, slow_ttl));
  g_assert_cmpuint (stats->sent, ==, 1);
  g_assert_cmpuint (stats->answered, ==, 0);
  g_assert_cmpuint (stats->lost, ==, 1);
  g_assert_cmpuint (hs_hop_get_n_responders (get_hop (trace, slow_ttl)),
                    ==, 0);
}

static void
on_state_changed_note (HsTrace *trace,
                       gpointer user_data)
{
  GArray *states = user_data;
  HsTraceState state = hs_trace_get_state (trace);

  g_array_append_val (states, state);
}

/* A name from the hosts file, in the family asked for. */
static void
test_resolve_family (void)
{
  static const struct
  {
    HsAddressFamily family;
    const char *member;
  } cases[] = {
    { HS_ADDRESS_FAMILY_IPV4, "target" },
    { HS_ADDRESS_FAMILY_IPV6, "target6" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HsTrace) trace = NULL;
      g_autoptr(GArray) states = g_array_new (FALSE, FALSE,
                                              sizeof (HsTraceState));
      g_autofree char *address = NULL;
      HsTraceOptions options;
      static const HsTraceState expected[] = {
        HS_TRACE_STATE_RESOLVING, HS_TRACE_STATE_STARTING,
        HS_TRACE_STATE_RUNNING, HS_TRACE_STATE_FINISHED,
      };

      hs_trace_options_init (&options);
      options.target = g_strdup (json_object_get_string_member (
                                   truth, "target_name"));
      options.family = cases[i].family;
      options.count = 1;
      options.max_ttl = 12;
      options.resolve_names = FALSE;
      trace = hs_trace_new (&options, NULL);
      hs_trace_options_clear (&options);

      g_signal_connect (trace, "state-changed",
                        G_CALLBACK (on_state_changed_note), states);
      hs_trace_start (trace);
      g_assert_true (wait_for (trace, is_done, NULL, 5000));
      g_assert_cmpint (hs_trace_get_state (trace), ==,
                       HS_TRACE_STATE_FINISHED);

      address = g_inet_address_to_string (hs_trace_get_address (trace));
      g_assert_cmpstr (address, ==,
                       json_object_get_string_member (truth,
                                                      cases[i].member));
      g_assert_cmpuint (states->len, ==, G_N_ELEMENTS (expected));
      for (guint j = 0; j < G_N_ELEMENTS (expected); j++)
        g_assert_cmpint (g_array_index (states, HsTraceState, j), ==,
                         expected[j]);
      g_assert_cmpuint (hs_trace_get_n_visible_hops (trace), ==,
                        get_target_ttl ());
    }
}

static void
test_ipv6 (void)
{
  g_autoptr(HsTrace) trace = NULL;
  HsTraceOptions options;
  guint target_ttl = get_target_ttl ();

  hs_trace_options_init (&options);
  options.target = g_strdup (json_object_get_string_member (truth,
                                                            "target6"));
  options.count = 3;
  options.interval_ms = 50;
  options.max_ttl = 12;
  options.resolve_names = FALSE;
  trace = hs_trace_new (&options, NULL);
  hs_trace_options_clear (&options);

  hs_trace_start (trace);
  g_assert_true (wait_for (trace, is_done, NULL, 5000));
  g_assert_cmpint (hs_trace_get_state (trace), ==, HS_TRACE_STATE_FINISHED);
  g_assert_cmpuint (g_list_model_get_n_items (hs_trace_get_hops (trace)),
                    ==, target_ttl);

  for (guint ttl = 1; ttl <= target_ttl; ttl++)
    {
      HsHop *hop = get_hop (trace, ttl);
      JsonObject *truth_hop = get_truth_hop (ttl);
      g_autofree char *address = get_main_address (hop);
      const HsHopStats *stats = hs_hop_get_stats (hop);

      g_assert_cmpstr (address, ==,
                       truth_hop != NULL
                       ? json_object_get_string_member (truth_hop,
                                                        "address6")
                       : json_object_get_string_member (truth, "target6"));
      g_assert_cmpuint (stats->sent, ==, 3);
      g_assert_cmpuint (stats->answered, ==, 3);
      g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_mean_us (stats),
                                      get_truth_delay_us (ttl),
                                      HOP_MEAN_TOLERANCE_US);
      g_assert_cmpint (hs_hop_is_target (hop), ==, ttl == target_ttl);
    }
}

static void
on_name_resolved_count (HsNameCache *names,
                        GInetAddress *address,
                        const char *name,
                        gpointer user_data)
{
  GHashTable *seen = user_data;
  g_autofree char *text = g_inet_address_to_string (address);

  g_assert_false (g_hash_table_contains (seen, text));
  g_hash_table_insert (seen, g_steal_pointer (&text), g_strdup (name));
}

static gboolean
on_name_wait_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

/* Many lookups at once: queued, each asked for once, none blocking, and
 * an address without a name kept as itself. */
static void
test_name_cache (void)
{
  g_autoptr(HsNameCache) names = hs_name_cache_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash,
                                                      g_str_equal,
                                                      g_free, g_free);
  g_autoptr(GInetAddress) named = g_inet_address_new_from_string (
    "203.0.113.1");
  gint64 started_us = g_get_monotonic_time ();
  gboolean timed_out = FALSE;
  guint timeout_id = 0;
  const guint n = 20;

  g_signal_connect (names, "resolved", G_CALLBACK (on_name_resolved_count),
                    seen);

  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < n; i++)
      {
        g_autofree char *text = g_strdup_printf ("203.0.113.%u", 100 + i);
        g_autoptr(GInetAddress) address =
          g_inet_address_new_from_string (text);

        g_assert_null (hs_name_cache_lookup (names, address));
      }
  g_assert_null (hs_name_cache_lookup (names, named));
  g_assert_cmpuint (hs_name_cache_get_n_pending (names), ==, n + 1);
  g_assert_cmpint (g_get_monotonic_time () - started_us, <, 50000);

  timeout_id = g_timeout_add (5000, on_name_wait_timeout, &timed_out);
  while (g_hash_table_size (seen) < n + 1 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);
  g_printerr ("# %u reverse lookups in %.1f ms\n", n + 1,
              (g_get_monotonic_time () - started_us) / 1000.0);

  g_assert_cmpuint (hs_name_cache_get_n_pending (names), ==, 0);
  g_assert_cmpstr (hs_name_cache_lookup (names, named), ==,
                   json_object_get_string_member (get_truth_hop (1),
                                                  "name"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("203.0.113.%u", 100 + i);
      g_autoptr(GInetAddress) address =
        g_inet_address_new_from_string (text);

      g_assert_cmpstr (g_hash_table_lookup (seen, text), ==, text);
      g_assert_cmpstr (hs_name_cache_lookup (names, address), ==, text);
    }
}

int
main (int argc,
      char *argv[])
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const char *text = g_getenv ("HS_TRACE_TRUTH");

  g_test_init (&argc, &argv, NULL);

  if (text == NULL)
    {
      g_printerr ("HS_TRACE_TRUTH must describe the simulated path; "
                  "run this through tests/integration/test-core-trace.py\n");
      return 2;
    }
  if (!json_parser_load_from_data (parser, text, -1, &error))
    g_error ("HS_TRACE_TRUTH: %s", error->message);
  truth = json_node_get_object (json_parser_get_root (parser));

  g_test_add_func ("/Hopscope/Trace/rounds", test_rounds);
  g_test_add_func ("/Hopscope/Trace/one-round-time", test_one_round_time);
  g_test_add_func ("/Hopscope/Trace/pause", test_pause);
  g_test_add_func ("/Hopscope/Trace/reset", test_reset);
  g_test_add_func ("/Hopscope/Trace/unknown-host", test_unknown_host);
  g_test_add_func ("/Hopscope/Trace/names", test_names);
  g_test_add_func ("/Hopscope/Trace/helper-killed", test_helper_killed);
  g_test_add_func ("/Hopscope/Trace/loss", test_loss);
  g_test_add_func ("/Hopscope/Trace/ecmp", test_ecmp);
  g_test_add_func ("/Hopscope/Trace/route-change", test_route_change);
  g_test_add_func ("/Hopscope/Trace/grace", test_grace);
  g_test_add_func ("/Hopscope/Trace/resolve-family", test_resolve_family);
  g_test_add_func ("/Hopscope/Trace/ipv6", test_ipv6);
  g_test_add_func ("/Hopscope/NameCache/lookups", test_name_cache);

  return g_test_run ();
}
