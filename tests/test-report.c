/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "hs-diagnosis.h"
#include "hs-hop.h"
#include "hs-report.h"
#include "hs-trace-data.h"

/* 2026-12-03 17:30:06 UTC, and twelve seconds later. */
#define STARTED_US G_GINT64_CONSTANT (1796319006000000)
#define FINISHED_US G_GINT64_CONSTANT (1796319018000000)

/* Four hops of five probes each, with round-trip times picked so that every
 * figure is known by hand and none sits on a rounding boundary:
 *   1: 203.0.113.1 answers all, 1.0 1.2 1.1 1.0 1.5 ms;
 *   2: nobody answers;
 *   3: 203.0.113.3 and 203.0.113.33 share it (ECMP), 5.0 5.4 5.3 ms, a
 *      probe lost, then 5.07 ms;
 *   4: the target, 20.0 20.4 20.2 20.0 20.6 ms. */
static const gint64 hop1_us[] = { 1000, 1200, 1100, 1000, 1500 };
static const gint64 hop4_us[] = { 20000, 20400, 20200, 20000, 20600 };

static void
record (HsHop *hop,
        gint64 *clock_us,
        gint64 round_trip_us,
        const char *address,
        const char *mpls,
        gboolean is_target)
{
  g_autoptr(GInetAddress) responder = NULL;
  gint64 sent_us = *clock_us;

  *clock_us += G_USEC_PER_SEC;
  hs_hop_record_sent (hop);
  if (address == NULL)
    {
      hs_hop_record_lost (hop, sent_us);
      return;
    }

  responder = g_inet_address_new_from_string (address);
  hs_hop_record_answer (hop, sent_us, round_trip_us, responder, mpls,
                        is_target);
}

static GListModel *
make_hops (void)
{
  g_autoptr(GListStore) store = g_list_store_new (HS_TYPE_HOP);
  g_autoptr(HsHop) hop1 = hs_hop_new (1);
  g_autoptr(HsHop) hop2 = hs_hop_new (2);
  g_autoptr(HsHop) hop3 = hs_hop_new (3);
  g_autoptr(HsHop) hop4 = hs_hop_new (4);
  gint64 clock_us = STARTED_US;

  for (guint i = 0; i < G_N_ELEMENTS (hop1_us); i++)
    record (hop1, &clock_us, hop1_us[i], "203.0.113.1", NULL, FALSE);
  for (guint i = 0; i < 5; i++)
    record (hop2, &clock_us, 0, NULL, NULL, FALSE);
  record (hop3, &clock_us, 5000, "203.0.113.3", "16001,0,1,255", FALSE);
  record (hop3, &clock_us, 5400, "203.0.113.33", NULL, FALSE);
  record (hop3, &clock_us, 5300, "203.0.113.3", "16001,0,1,255", FALSE);
  record (hop3, &clock_us, 0, NULL, NULL, FALSE);
  record (hop3, &clock_us, 5070, "203.0.113.3", "16001,0,1,255", FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (hop4_us); i++)
    record (hop4, &clock_us, hop4_us[i], "198.51.100.10", NULL, TRUE);

  g_list_store_append (store, hop1);
  g_list_store_append (store, hop2);
  g_list_store_append (store, hop3);
  g_list_store_append (store, hop4);

  return G_LIST_MODEL (g_steal_pointer (&store));
}

/* The four hops above as a trace's data, as a live trace or a recording
 * gives it. */
static HsTraceData *
make_data (void)
{
  g_autoptr(HsTraceData) data = hs_trace_data_new ();
  g_autoptr(GListModel) hops = make_hops ();

  g_free (data->options.target);
  data->options.target = g_strdup ("198.51.100.10");
  data->options.protocol = HS_PROTOCOL_ICMP;
  data->options.size = 64;
  data->options.count = 5;
  data->address = g_strdup ("198.51.100.10");
  data->route = HS_HELPER_ROUTE_ROOT;
  data->local_name = g_strdup ("probe-host");
  data->version = g_strdup (HOPSCOPE_VERSION);
  data->started_us = STARTED_US;
  data->finished_us = FINISHED_US;
  data->rounds = 5;
  for (guint i = 0; i < g_list_model_get_n_items (hops); i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);

      g_list_store_append (data->hops, hop);
    }
  data->n_hops = 4;

  return g_steal_pointer (&data);
}

static void
test_report_n_hops (void)
{
  g_autoptr(GListModel) hops = make_hops ();
  g_autoptr(GListStore) unreached = g_list_store_new (HS_TYPE_HOP);
  gint64 clock_us = STARTED_US;

  /* Cut at the target, whatever the caller allows beyond it. */
  g_assert_cmpuint (hs_report_get_n_hops (hops, 30), ==, 4);
  g_assert_cmpuint (hs_report_get_n_hops (hops, 3), ==, 3);

  /* Without the target, one silent hop past the last that answered. */
  for (guint ttl = 1; ttl <= 8; ttl++)
    {
      g_autoptr(HsHop) hop = hs_hop_new (ttl);

      if (ttl == 1 || ttl == 3)
        record (hop, &clock_us, 1000 * ttl, "203.0.113.9", NULL, FALSE);
      else
        record (hop, &clock_us, 0, NULL, NULL, FALSE);
      g_list_store_append (unreached, hop);
    }
  g_assert_cmpuint (hs_report_get_n_hops (G_LIST_MODEL (unreached), 8), ==,
                    4);
  g_assert_cmpuint (hs_report_get_n_hops (G_LIST_MODEL (unreached), 2), ==,
                    2);

  /* Nobody answered at all: one "???" row says so. */
  g_list_store_remove (unreached, 2);
  g_list_store_remove (unreached, 0);
  g_assert_cmpuint (hs_report_get_n_hops (G_LIST_MODEL (unreached), 6), ==,
                    1);
}

/* The expected lines were worked out by hand with mtr's layout (columns at
 * fixed offsets, "%" of 100.0 overwritten by the next column) and compared
 * with the output of mtr 0.95 --report on the same kind of path. */
static void
test_report_text (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_auto(GStrv) lines = NULL;
  g_autofree char *text = NULL;

  text = hs_report_write_data (HS_REPORT_FORMAT_TEXT, data, NULL, FALSE);
  g_assert_true (g_str_has_suffix (text, "\n"));
  lines = g_strsplit (text, "\n", -1);

  g_assert_cmpuint (g_strv_length (lines), ==, 8);
  g_assert_true (g_str_has_prefix (lines[0], "Start: 2026-12-03T"));
  g_assert_true (g_regex_match_simple ("^Start: \\d{4}-\\d\\d-\\d\\dT"
                                       "\\d\\d:\\d\\d:\\d\\d[+-]\\d{4}$",
                                       lines[0], 0, 0));
  g_assert_cmpstr (lines[1], ==,
                   "HOST: probe-host                  Loss%   Snt   Last"
                   "   Avg  Best  Wrst StDev Javg Jmax");
  g_assert_cmpstr (lines[2], ==,
                   "  1.|-- 203.0.113.1                0.0%     5    1.5"
                   "   1.2   1.0   1.5   0.2  0.2  0.5");
  g_assert_cmpstr (lines[3], ==,
                   "  2.|-- ???                       100.0     5    0.0"
                   "   0.0   0.0   0.0   0.0  0.0  0.0");
  g_assert_cmpstr (lines[4], ==,
                   "  3.|-- 203.0.113.3               20.0%     5    5.1"
                   "   5.2   5.0   5.4   0.2  0.2  0.4");
  g_assert_cmpstr (lines[5], ==, "    |  `|-- 203.0.113.33");
  g_assert_cmpstr (lines[6], ==,
                   "  4.|-- 198.51.100.10              0.0%     5   20.6"
                   "  20.2  20.0  20.6   0.3  0.3  0.6");
  g_assert_cmpstr (lines[7], ==, "");
}

static void
test_report_text_wide (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(HsHop) hop1 = g_list_model_get_item (G_LIST_MODEL (data->hops),
                                                 0);
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *narrow = NULL;
  g_autofree char *wide = NULL;
  g_auto(GStrv) narrow_lines = NULL;
  g_auto(GStrv) wide_lines = NULL;

  address = g_inet_address_new_from_string ("203.0.113.1");
  hs_hop_set_responder_name (hop1, address,
                             "a-very-long-router-name.example.net");

  narrow = hs_report_write_data (HS_REPORT_FORMAT_TEXT, data, NULL, FALSE);
  narrow_lines = g_strsplit (narrow, "\n", -1);
  g_assert_cmpstr (narrow_lines[2], ==,
                   "  1.|-- a-very-long-router-name.e  0.0%     5    1.5"
                   "   1.2   1.0   1.5   0.2  0.2  0.5");

  /* Wide: the host column fits the longest name, and the header lines
   * up with the rows. */
  wide = hs_report_write_data (HS_REPORT_FORMAT_TEXT, data, NULL, TRUE);
  wide_lines = g_strsplit (wide, "\n", -1);
  g_assert_cmpuint (g_strv_length (wide_lines), ==, 8);
  g_assert_cmpstr (wide_lines[1], ==,
                   "HOST: probe-host                            Loss%   Snt"
                   "   Last   Avg  Best  Wrst StDev Javg Jmax");
  g_assert_cmpstr (wide_lines[2], ==,
                   "  1.|-- a-very-long-router-name.example.net  0.0%     5"
                   "    1.5   1.2   1.0   1.5   0.2  0.2  0.5");
  g_assert_cmpstr (wide_lines[3], ==,
                   "  2.|-- ???                                 100.0     5"
                   "    0.0   0.0   0.0   0.0   0.0  0.0  0.0");
  g_assert_cmpstr (wide_lines[5], ==, "    |  `|-- 203.0.113.33");
  g_assert_cmpuint (strlen (wide_lines[1]), ==, strlen (wide_lines[2]));
  g_assert_cmpuint (strlen (wide_lines[6]), ==, strlen (wide_lines[2]));
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  g_assert_true (json_object_has_member (object, name));
  g_assert_cmpint (JSON_NODE_TYPE (json_object_get_member (object, name)), ==,
                   JSON_NODE_OBJECT);

  return json_object_get_object_member (object, name);
}

static void
assert_int_member (JsonObject *object,
                   const char *name,
                   gint64 expected)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (node), ==, expected);
}

static void
assert_double_member (JsonObject *object,
                      const char *name,
                      double expected)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat_with_epsilon (json_node_get_double (node), expected,
                                  0.0005);
}

static void
assert_string_member (JsonObject *object,
                      const char *name,
                      const char *expected)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  if (expected == NULL)
    {
      g_assert_true (JSON_NODE_HOLDS_NULL (node));
      return;
    }
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_STRING);
  g_assert_cmpstr (json_node_get_string (node), ==, expected);
}

static double
geometric_mean_ms (const gint64 *us,
                   guint n)
{
  double log_sum = 0.0;

  for (guint i = 0; i < n; i++)
    log_sum += log ((double) us[i]);

  return exp (log_sum / n) / 1000.0;
}

static void
test_report_json (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) started = NULL;
  g_autofree char *text = NULL;
  JsonObject *root = NULL;
  JsonObject *report = NULL;
  JsonObject *mtr = NULL;
  JsonObject *hopscope = NULL;
  JsonArray *hubs = NULL;
  JsonObject *hub = NULL;
  JsonArray *responders = NULL;
  JsonObject *responder = NULL;
  JsonObject *jitter = NULL;

  text = hs_report_write_data (HS_REPORT_FORMAT_JSON, data, NULL, FALSE);
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);

  /* Numbers are written with the digits they need, no more. */
  g_assert_nonnull (strstr (text, "\"Avg\": 1.16,\n"));
  g_assert_nonnull (strstr (text, "\"Loss%\": 0.0,\n"));
  g_assert_nonnull (strstr (text, "\"Wrst\": 5.4,\n"));
  g_assert_nonnull (strstr (text, "\"Loss%\": 100.0,\n"));
  g_assert_nonnull (strstr (text, "\"share\": 100.0,\n"));
  g_assert_null (strstr (text, "e+"));
  g_assert_null (strstr (text, "99999"));

  root = json_node_get_object (json_parser_get_root (parser));
  report = object_member (root, "report");

  mtr = object_member (report, "mtr");
  assert_string_member (mtr, "src", "probe-host");
  assert_string_member (mtr, "dst", "198.51.100.10");
  assert_int_member (mtr, "tos", 0);
  assert_int_member (mtr, "tests", 5);
  assert_string_member (mtr, "psize", "64");
  assert_string_member (mtr, "bitpattern", "0x00");

  hubs = json_object_get_array_member (report, "hubs");
  g_assert_cmpuint (json_array_get_length (hubs), ==, 4);

  hub = json_array_get_object_element (hubs, 0);
  assert_int_member (hub, "count", 1);
  assert_string_member (hub, "host", "203.0.113.1");
  assert_double_member (hub, "Loss%", 0.0);
  assert_int_member (hub, "Snt", 5);
  assert_double_member (hub, "Last", 1.5);
  assert_double_member (hub, "Avg", 1.16);
  assert_double_member (hub, "Best", 1.0);
  assert_double_member (hub, "Wrst", 1.5);
  assert_double_member (hub, "StDev", 0.207);
  assert_double_member (hub, "geomean",
                        geometric_mean_ms (hop1_us, G_N_ELEMENTS (hop1_us)));
  jitter = object_member (hub, "jitter");
  assert_double_member (jitter, "last", 0.5);
  assert_double_member (jitter, "mean", 0.18);
  assert_double_member (jitter, "worst", 0.5);
  /* RFC 1889's running sum as mtr keeps it: 0, 200, 287.5, 369.53125,
   * 846.435546875 us. */
  assert_double_member (jitter, "interarrival", 0.846);
  responders = json_object_get_array_member (hub, "responders");
  g_assert_cmpuint (json_array_get_length (responders), ==, 1);
  responder = json_array_get_object_element (responders, 0);
  assert_string_member (responder, "address", "203.0.113.1");
  assert_string_member (responder, "name", NULL);
  assert_int_member (responder, "answers", 5);
  assert_double_member (responder, "share", 100.0);
  assert_string_member (responder, "mpls", NULL);

  hub = json_array_get_object_element (hubs, 1);
  assert_int_member (hub, "count", 2);
  assert_string_member (hub, "host", "???");
  assert_double_member (hub, "Loss%", 100.0);
  assert_int_member (hub, "Snt", 5);
  assert_double_member (hub, "Last", 0.0);
  assert_double_member (hub, "Avg", 0.0);
  assert_double_member (hub, "Best", 0.0);
  assert_double_member (hub, "Wrst", 0.0);
  assert_double_member (hub, "StDev", 0.0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      hub, "responders")), ==, 0);

  hub = json_array_get_object_element (hubs, 2);
  assert_string_member (hub, "host", "203.0.113.3");
  assert_double_member (hub, "Loss%", 20.0);
  assert_double_member (hub, "Last", 5.07);
  assert_double_member (hub, "Avg", 5.1925);
  assert_double_member (hub, "StDev", 0.189);
  responders = json_object_get_array_member (hub, "responders");
  g_assert_cmpuint (json_array_get_length (responders), ==, 2);
  responder = json_array_get_object_element (responders, 0);
  assert_string_member (responder, "address", "203.0.113.3");
  assert_int_member (responder, "answers", 3);
  assert_double_member (responder, "share", 75.0);
  assert_string_member (responder, "mpls", "16001,0,1,255");
  responder = json_array_get_object_element (responders, 1);
  assert_string_member (responder, "address", "203.0.113.33");
  assert_int_member (responder, "answers", 1);
  assert_double_member (responder, "share", 25.0);
  assert_string_member (responder, "mpls", NULL);

  hub = json_array_get_object_element (hubs, 3);
  assert_int_member (hub, "count", 4);
  assert_string_member (hub, "host", "198.51.100.10");
  /* Never named: no reverse name is known. */
  responder = json_array_get_object_element (
    json_object_get_array_member (hub, "responders"), 0);
  assert_string_member (responder, "address", "198.51.100.10");
  assert_string_member (responder, "name", NULL);
  assert_double_member (hub, "Avg", 20.24);
  assert_double_member (hub, "StDev", 0.261);
  assert_double_member (hub, "geomean",
                        geometric_mean_ms (hop4_us, G_N_ELEMENTS (hop4_us)));
  jitter = object_member (hub, "jitter");
  assert_double_member (jitter, "mean", 0.28);
  assert_double_member (jitter, "worst", 0.6);

  hopscope = object_member (root, "hopscope");
  assert_string_member (hopscope, "version", HOPSCOPE_VERSION);
  assert_string_member (hopscope, "protocol", "icmp");
  assert_string_member (hopscope, "helper_route", "root");
  started = g_date_time_new_from_iso8601 (
    json_object_get_string_member (hopscope, "started"), NULL);
  g_assert_nonnull (started);
  g_assert_cmpint (g_date_time_to_unix (started), ==,
                   STARTED_US / G_USEC_PER_SEC);
  g_assert_true (g_str_has_suffix (
    json_object_get_string_member (hopscope, "finished"), "17:30:18Z"));
}

static void
test_report_csv (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autofree char *text = NULL;
  g_autofree char *version = NULL;
  g_auto(GStrv) lines = NULL;
  const char *expected[][16] = {
    { NULL, "1796319006", "OK", "198.51.100.10", "1", "203.0.113.1",
      "0.00", "5", "0", "1.50", "1.16", "1.00", "1.50", "0.21", "0.18",
      "0.50" },
    { NULL, "1796319006", "OK", "198.51.100.10", "2", "???",
      "100.00", "5", "5", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00",
      "0.00" },
    { NULL, "1796319006", "OK", "198.51.100.10", "3", "203.0.113.3",
      "20.00", "5", "1", "5.07", "5.19", "5.00", "5.40", "0.19", "0.18",
      "0.40" },
    { NULL, "1796319006", "OK", "198.51.100.10", "4", "198.51.100.10",
      "0.00", "5", "0", "20.60", "20.24", "20.00", "20.60", "0.26", "0.28",
      "0.60" },
  };

  text = hs_report_write_data (HS_REPORT_FORMAT_CSV, data, NULL, FALSE);
  lines = g_strsplit (text, "\n", -1);
  version = g_strdup_printf ("HOPSCOPE.%s", HOPSCOPE_VERSION);

  g_assert_cmpuint (g_strv_length (lines), ==, 6);
  g_assert_cmpstr (lines[0], ==,
                   "Mtr_Version,Start_Time,Status,Host,Hop,Ip,Loss%,Snt, ,"
                   "Last,Avg,Best,Wrst,StDev,Javg,Jmax,");
  for (guint row = 0; row < G_N_ELEMENTS (expected); row++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[row + 1], ",", -1);

      g_assert_cmpuint (g_strv_length (fields), ==, 16);
      g_assert_cmpstr (fields[0], ==, version);
      for (guint column = 1; column < 16; column++)
        g_assert_cmpstr (fields[column], ==, expected[row][column]);
    }
  g_assert_cmpstr (lines[5], ==, "");
}

static HsFinding *
make_finding (HsFindingKind kind,
              guint ttl,
              double loss_percent,
              double before_ms,
              double after_ms,
              gint64 changed_us,
              const char *sentence)
{
  HsFinding *finding = g_new0 (HsFinding, 1);

  finding->kind = kind;
  finding->ttl = ttl;
  finding->loss_percent = loss_percent;
  finding->before_ms = before_ms;
  finding->after_ms = after_ms;
  finding->changed_us = changed_us;
  finding->sentence = g_strdup (sentence);

  return finding;
}

/* Findings as the diagnosis gives them, one with each kind of figure. */
static GPtrArray *
make_findings (void)
{
  GPtrArray *findings = NULL;

  findings = g_ptr_array_new_with_free_func ((GDestroyNotify) hs_finding_free);
  g_ptr_array_add (findings,
                   make_finding (HS_FINDING_LATENCY_STEP, 4, -1, 5.1925,
                                 20.24, 0,
                                 "Round-trip time steps up at hop 4."));
  g_ptr_array_add (findings,
                   make_finding (HS_FINDING_RATE_LIMITED, 3, 20.0, -1, -1, 0,
                                 "Hop 3 limits its *answers*: not a fault."));
  g_ptr_array_add (findings,
                   make_finding (HS_FINDING_PATH_CHANGED, 3, -1, -1, -1,
                                 STARTED_US + 7 * G_USEC_PER_SEC,
                                 "The router at hop 3 changed."));
  g_ptr_array_add (findings,
                   make_finding (HS_FINDING_HEALTHY, 0, -1, -1, -1, 0,
                                 "Nothing else to say."));

  return findings;
}

/* 17:30:08 to 17:30:12 UTC, on the day of STARTED_US. */
static void
set_range (HsTraceData *data)
{
  data->range_from_us = STARTED_US + 2 * G_USEC_PER_SEC;
  data->range_to_us = STARTED_US + 6 * G_USEC_PER_SEC;
}

static JsonObject *
parse_hopscope_object (JsonParser *parser,
                       const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonObject *root = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));

  return object_member (root, "hopscope");
}

static void
assert_null_member (JsonObject *object,
                    const char *name)
{
  g_assert_true (json_object_has_member (object, name));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object,
                                                               name)));
}

static void
test_report_json_findings (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(GPtrArray) findings = make_findings ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) bare_parser = json_parser_new ();
  g_autofree char *text = NULL;
  g_autofree char *bare = NULL;
  JsonObject *hopscope = NULL;
  JsonArray *array = NULL;
  JsonObject *finding = NULL;

  text = hs_report_write_data (HS_REPORT_FORMAT_JSON, data, findings, FALSE);
  hopscope = parse_hopscope_object (parser, text);

  /* The whole trace: no range. */
  assert_null_member (hopscope, "range");

  array = json_object_get_array_member (hopscope, "findings");
  g_assert_nonnull (array);
  g_assert_cmpuint (json_array_get_length (array), ==, 4);

  /* In the diagnosis's order, each figure a number or null. */
  finding = json_array_get_object_element (array, 0);
  g_assert_cmpuint (json_object_get_size (finding), ==, 7);
  assert_string_member (finding, "kind", "latency-step");
  assert_int_member (finding, "hop", 4);
  assert_null_member (finding, "loss_percent");
  assert_double_member (finding, "before_ms", 5.193);
  assert_double_member (finding, "after_ms", 20.24);
  assert_null_member (finding, "changed");
  assert_string_member (finding, "sentence",
                        "Round-trip time steps up at hop 4.");

  finding = json_array_get_object_element (array, 1);
  assert_string_member (finding, "kind", "rate-limited");
  assert_int_member (finding, "hop", 3);
  assert_double_member (finding, "loss_percent", 20.0);
  assert_null_member (finding, "before_ms");
  assert_null_member (finding, "after_ms");
  /* Markup is for Markdown alone; JSON keeps the sentence as it is. */
  assert_string_member (finding, "sentence",
                        "Hop 3 limits its *answers*: not a fault.");

  finding = json_array_get_object_element (array, 2);
  assert_string_member (finding, "kind", "path-changed");
  assert_string_member (finding, "changed", "2026-12-03T17:30:13Z");

  finding = json_array_get_object_element (array, 3);
  assert_string_member (finding, "kind", "healthy");
  assert_null_member (finding, "hop");

  /* Not judged at all is not the same as judged healthy. */
  bare = hs_report_write_data (HS_REPORT_FORMAT_JSON, data, NULL, FALSE);
  hopscope = parse_hopscope_object (bare_parser, bare);
  assert_null_member (hopscope, "findings");
}

static void
test_report_json_range (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  JsonObject *hopscope = NULL;
  JsonObject *range = NULL;

  set_range (data);
  text = hs_report_write_data (HS_REPORT_FORMAT_JSON, data, NULL, FALSE);
  hopscope = parse_hopscope_object (parser, text);

  range = object_member (hopscope, "range");
  g_assert_cmpuint (json_object_get_size (range), ==, 2);
  assert_string_member (range, "from", "2026-12-03T17:30:08Z");
  assert_string_member (range, "to", "2026-12-03T17:30:12Z");
  /* The trace's own times stay what they were. */
  g_assert_true (g_str_has_suffix (
    json_object_get_string_member (hopscope, "finished"), "17:30:18Z"));
}

static void
test_report_text_findings (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(GPtrArray) findings = make_findings ();
  g_autofree char *plain = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  plain = hs_report_write_data (HS_REPORT_FORMAT_TEXT, data, NULL, FALSE);
  set_range (data);
  text = hs_report_write_data (HS_REPORT_FORMAT_TEXT, data, findings, FALSE);

  /* mtr's lines first, as they were, then the range and the diagnosis. */
  g_assert_true (g_str_has_prefix (text, plain));
  lines = g_strsplit (text + strlen (plain), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 9);
  g_assert_cmpstr (lines[0], ==, "");
  g_assert_cmpstr (lines[1], ==, "Between 17:30:08 and 17:30:12 UTC only");
  g_assert_cmpstr (lines[2], ==, "");
  g_assert_cmpstr (lines[3], ==, "Diagnosis:");
  g_assert_cmpstr (lines[4], ==, "  - Round-trip time steps up at hop 4.");
  g_assert_cmpstr (lines[5], ==,
                   "  - Hop 3 limits its *answers*: not a fault.");
  g_assert_cmpstr (lines[6], ==, "  - The router at hop 3 changed.");
  g_assert_cmpstr (lines[7], ==, "  - Nothing else to say.");
  g_assert_cmpstr (lines[8], ==, "");
}

static void
test_report_csv_findings (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(GPtrArray) findings = make_findings ();
  g_autofree char *plain = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  /* Neither the findings nor the range add a line: scripts read every
   * line as a hop. */
  plain = hs_report_write_data (HS_REPORT_FORMAT_CSV, data, NULL, FALSE);
  text = hs_report_write_data (HS_REPORT_FORMAT_CSV, data, findings, FALSE);
  g_assert_cmpstr (text, ==, plain);

  set_range (data);
  g_free (text);
  text = hs_report_write_data (HS_REPORT_FORMAT_CSV, data, findings, FALSE);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 6);
  for (guint row = 1; row <= 4; row++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[row], ",", -1);

      g_assert_cmpstr (fields[1], ==, "1796319008");
    }
}

static void
test_report_describe_range (void)
{
  g_autofree char *same_day = NULL;
  g_autofree char *midnight = NULL;

  same_day = hs_report_describe_range (STARTED_US,
                                       STARTED_US + 150 * G_USEC_PER_SEC);
  g_assert_cmpstr (same_day, ==, "Between 17:30:06 and 17:32:36 UTC only");

  /* 2026-12-03 23:59:50 to 2026-12-04 00:00:10: both days said. */
  midnight = hs_report_describe_range (
    G_GINT64_CONSTANT (1796342390000000),
    G_GINT64_CONSTANT (1796342410000000));
  g_assert_cmpstr (midnight, ==,
                   "Between 2026-12-03 23:59:50 and 2026-12-04 00:00:10 "
                   "UTC only");
}

/* The offsets, in characters, of the cell borders of a table line: every
 * "|" that no backslash escapes. */
static char *
cell_borders (const char *line)
{
  GString *borders = g_string_new (NULL);
  glong offset = 0;
  gunichar previous = 0;

  for (const char *p = line; *p != '\0'; p = g_utf8_next_char (p), offset++)
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '|' && previous != '\\')
        g_string_append_printf (borders, "%ld,", offset);
      previous = c == '\\' && previous == '\\' ? 0 : c;
    }

  return g_string_free (borders, FALSE);
}

static void
test_report_markdown (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(GPtrArray) findings = make_findings ();
  g_autofree char *text = NULL;
  g_autofree char *bare = NULL;
  const char *expected =
    "## Path to 198.51.100.10\n"
    "\n"
    "- **Resolved address:** 198.51.100.10\n"
    "- **Protocol:** ICMP, 64-byte probes\n"
    "- **Time:** 2026-12-03 17:30:06 to 17:30:18 UTC\n"
    "- **Range:** Between 17:30:08 and 17:30:12 UTC only\n"
    "- **Probes sent:** 20\n"
    "- **Helper:** as root\n"
    "- **Host:** probe-host\n"
    "- **Hopscope:** " HOPSCOPE_VERSION "\n"
    "\n"
    "|  Hop | Host           |  Loss% |  Snt | Last |  Avg | Best | Wrst "
    "| StDev | Javg | Jmax |\n"
    "| ---: | :------------- | -----: | ---: | ---: | ---: | ---: | ---: "
    "| ----: | ---: | ---: |\n"
    "|    1 | 203.0.113.1    |   0.0% |    5 |  1.5 |  1.2 |  1.0 |  1.5 "
    "|   0.2 |  0.2 |  0.5 |\n"
    "|    2 | ???            | 100.0% |    5 |  0.0 |  0.0 |  0.0 |  0.0 "
    "|   0.0 |  0.0 |  0.0 |\n"
    "|    3 | 203.0.113.3    |  20.0% |    5 |  5.1 |  5.2 |  5.0 |  5.4 "
    "|   0.2 |  0.2 |  0.4 |\n"
    "|      | ↳ 203.0.113.33 |        |      |      |      |      |      "
    "|       |      |      |\n"
    "|    4 | 198.51.100.10  |   0.0% |    5 | 20.6 | 20.2 | 20.0 | 20.6 "
    "|   0.3 |  0.3 |  0.6 |\n"
    "\n"
    "### Diagnosis\n"
    "\n"
    "- Round-trip time steps up at hop 4.\n"
    "- Hop 3 limits its \\*answers\\*: not a fault.\n"
    "- The router at hop 3 changed.\n"
    "- Nothing else to say.\n";

  set_range (data);
  text = hs_report_write_data (HS_REPORT_FORMAT_MARKDOWN, data, findings,
                               FALSE);
  g_assert_cmpstr (text, ==, expected);

  /* No findings, no diagnosis heading; the whole trace, no range. */
  data->range_from_us = data->range_to_us = 0;
  bare = hs_report_write_data (HS_REPORT_FORMAT_MARKDOWN, data, NULL, FALSE);
  g_assert_null (strstr (bare, "Diagnosis"));
  g_assert_null (strstr (bare, "Range"));
  g_assert_nonnull (strstr (bare, "- **Probes sent:** 20 in 5 rounds\n"));
  g_assert_nonnull (strstr (bare, "|    4 | 198.51.100.10  |"));
}

static void
test_report_markdown_escaping (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(HsHop) hop1 = g_list_model_get_item (G_LIST_MODEL (data->hops),
                                                 0);
  g_autoptr(HsHop) hop4 = g_list_model_get_item (G_LIST_MODEL (data->hops),
                                                 3);
  g_autoptr(GInetAddress) address1 = NULL;
  g_autoptr(GInetAddress) address4 = NULL;
  g_autofree char *text = NULL;
  g_autofree char *borders = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_table_lines = 0;
  glong width = -1;

  /* A reverse name is whatever the router's owner wrote into it. */
  address1 = g_inet_address_new_from_string ("203.0.113.1");
  hs_hop_set_responder_name (hop1, address1,
                             "a|b*c_d`e[f](g)<h>~i&j#k!l\\m");
  address4 = g_inet_address_new_from_string ("198.51.100.10");
  hs_hop_set_responder_name (hop4, address4, "two\nlines|");
  g_free (data->options.target);
  data->options.target = g_strdup ("<b>target</b>");

  text = hs_report_write_data (HS_REPORT_FORMAT_MARKDOWN, data, NULL, FALSE);
  g_assert_true (g_str_has_prefix (text,
                                   "## Path to \\<b\\>target\\</b\\>\n"));
  g_assert_nonnull (strstr (text, "| a\\|b\\*c\\_d\\`e\\[f\\](g)\\<h\\>"
                                  "\\~i\\&j\\#k\\!l\\\\m |"));
  g_assert_nonnull (strstr (text, "| two lines\\|"));

  /* Every line of the table is as long as the others, with its borders in
   * the same places, so that it reads as a table unrendered too. */
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line_borders = NULL;

      if (lines[i][0] != '|')
        continue;

      n_table_lines++;
      line_borders = cell_borders (lines[i]);
      if (borders == NULL)
        {
          borders = g_steal_pointer (&line_borders);
          width = g_utf8_strlen (lines[i], -1);
          continue;
        }
      g_assert_cmpstr (line_borders, ==, borders);
      g_assert_cmpint (g_utf8_strlen (lines[i], -1), ==, width);
    }
  g_assert_cmpuint (n_table_lines, ==, 7);
  /* The host column holds the 42 characters of the escaped name. */
  g_assert_cmpstr (borders, ==, "0,7,51,60,67,74,81,88,95,103,110,117,");
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Hopscope/Report/n-hops", test_report_n_hops);
  g_test_add_func ("/Hopscope/Report/text", test_report_text);
  g_test_add_func ("/Hopscope/Report/text-wide", test_report_text_wide);
  g_test_add_func ("/Hopscope/Report/json", test_report_json);
  g_test_add_func ("/Hopscope/Report/csv", test_report_csv);
  g_test_add_func ("/Hopscope/Report/json-findings",
                   test_report_json_findings);
  g_test_add_func ("/Hopscope/Report/json-range", test_report_json_range);
  g_test_add_func ("/Hopscope/Report/text-findings",
                   test_report_text_findings);
  g_test_add_func ("/Hopscope/Report/csv-findings", test_report_csv_findings);
  g_test_add_func ("/Hopscope/Report/describe-range",
                   test_report_describe_range);
  g_test_add_func ("/Hopscope/Report/markdown", test_report_markdown);
  g_test_add_func ("/Hopscope/Report/markdown-escaping",
                   test_report_markdown_escaping);

  return g_test_run ();
}
