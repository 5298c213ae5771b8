/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <string.h>

#include <glib/gstdio.h>

#include "hs-hop.h"
#include "hs-recording.h"
#include "hs-trace-data.h"

/* 2026-12-03 17:30:06 UTC, and a minute later. */
#define STARTED_US G_GINT64_CONSTANT (1796319006000000)
#define FINISHED_US G_GINT64_CONSTANT (1796319066000000)

static void
record (HsHop *hop,
        gint64 sent_us,
        gint64 round_trip_us,
        const char *address,
        const char *mpls,
        gboolean is_target)
{
  g_autoptr(GInetAddress) responder = NULL;

  hs_hop_record_sent (hop);
  if (round_trip_us < 0)
    {
      hs_hop_record_lost (hop, sent_us);
      return;
    }

  if (address != NULL)
    responder = g_inet_address_new_from_string (address);
  hs_hop_record_answer (hop, sent_us, round_trip_us, responder, mpls,
                        is_target);
}

/* Three hops, ten rounds a second apart, cut to rounds 2 to 8:
 *   1: two routers sharing the hop (ECMP), one with a name and an MPLS
 *      label stack, the other with neither; every third probe lost;
 *   2: silent, every probe lost;
 *   3: the target, with its name. */
static HsTraceData *
make_data (void)
{
  g_autoptr(HsTraceData) data = hs_trace_data_new ();
  g_autoptr(HsHop) hop1 = hs_hop_new (4);
  g_autoptr(HsHop) hop2 = hs_hop_new (5);
  g_autoptr(HsHop) hop3 = hs_hop_new (6);
  g_autoptr(GInetAddress) router = NULL;
  g_autoptr(GInetAddress) target = NULL;

  data->options.target = g_strdup ("www.example.test");
  data->options.protocol = HS_PROTOCOL_UDP;
  data->options.family = HS_ADDRESS_FAMILY_IPV4;
  data->options.port = 33434;
  data->options.first_ttl = 4;
  data->options.max_ttl = 20;
  data->options.size = 120;
  data->options.interval_ms = 1000;
  data->options.timeout_seconds = 3;
  data->options.count = 10;
  data->options.resolve_names = TRUE;
  data->address = g_strdup ("192.0.2.80");
  data->route = HS_HELPER_ROUTE_PKEXEC;
  data->local_name = g_strdup ("desk.example.test");
  data->version = g_strdup ("0.1.0");
  data->started_us = STARTED_US;
  data->finished_us = FINISHED_US;
  data->rounds = 10;
  data->range_from_us = STARTED_US + 2 * G_USEC_PER_SEC;
  data->range_to_us = STARTED_US + 9 * G_USEC_PER_SEC;
  data->n_hops = 3;

  for (guint i = 2; i < 9; i++)
    {
      gint64 sent_us = STARTED_US + i * G_USEC_PER_SEC;

      if (i % 3 == 0)
        record (hop1, sent_us + 10, -1, NULL, NULL, FALSE);
      else if (i % 2 == 0)
        record (hop1, sent_us + 10, 1000 + 37 * i, "203.0.113.1",
                "16001,0,1,1", FALSE);
      else
        record (hop1, sent_us + 10, 1500 + 11 * i, "203.0.113.11", NULL,
                FALSE);

      record (hop2, sent_us + 20, -1, NULL, NULL, FALSE);
      record (hop3, sent_us + 30, 20000 + 101 * i, "192.0.2.80", NULL, TRUE);
    }

  router = g_inet_address_new_from_string ("203.0.113.1");
  hs_hop_set_responder_name (hop1, router, "core-1.isp.example.test");
  target = g_inet_address_new_from_string ("192.0.2.80");
  hs_hop_set_responder_name (hop3, target, "www.example.test");

  g_list_store_append (data->hops, hop1);
  g_list_store_append (data->hops, hop2);
  g_list_store_append (data->hops, hop3);

  return g_steal_pointer (&data);
}

static void
assert_hops_equal (HsHop *a,
                   HsHop *b)
{
  const HsHopStats *stats_a = hs_hop_get_stats (a);
  const HsHopStats *stats_b = hs_hop_get_stats (b);
  HsHistory *history_a = hs_hop_get_history (a);
  HsHistory *history_b = hs_hop_get_history (b);

  g_assert_cmpuint (hs_hop_get_ttl (a), ==, hs_hop_get_ttl (b));
  g_assert_cmpint (hs_hop_is_target (a), ==, hs_hop_is_target (b));

  /* The figures come from the same sums in the same order, so they are
   * equal to the last bit. */
  g_assert_cmpmem (stats_a, sizeof *stats_a, stats_b, sizeof *stats_b);

  g_assert_cmpuint (hs_hop_get_n_responders (a), ==,
                    hs_hop_get_n_responders (b));
  for (guint i = 0; i < hs_hop_get_n_responders (a); i++)
    {
      const HsResponder *ra = hs_hop_get_responder (a, i);
      const HsResponder *rb = hs_hop_get_responder (b, i);

      g_assert_true (g_inet_address_equal (ra->address, rb->address));
      g_assert_cmpstr (ra->name, ==, rb->name);
      g_assert_cmpstr (ra->mpls, ==, rb->mpls);
      g_assert_cmpuint (ra->answers, ==, rb->answers);
    }

  g_assert_cmpuint (hs_history_get_length (history_a), ==,
                    hs_history_get_length (history_b));
  for (guint i = 0; i < hs_history_get_length (history_a); i++)
    g_assert_cmpmem (hs_history_get (history_a, i), sizeof (HsProbeRecord),
                     hs_history_get (history_b, i), sizeof (HsProbeRecord));
}

static void
assert_data_equal (const HsTraceData *a,
                   const HsTraceData *b)
{
  guint n_hops = g_list_model_get_n_items (G_LIST_MODEL (a->hops));

  g_assert_cmpstr (a->options.target, ==, b->options.target);
  g_assert_cmpint (a->options.family, ==, b->options.family);
  g_assert_cmpint (a->options.protocol, ==, b->options.protocol);
  g_assert_cmpuint (a->options.port, ==, b->options.port);
  g_assert_cmpuint (a->options.first_ttl, ==, b->options.first_ttl);
  g_assert_cmpuint (a->options.max_ttl, ==, b->options.max_ttl);
  g_assert_cmpuint (a->options.size, ==, b->options.size);
  g_assert_cmpuint (a->options.interval_ms, ==, b->options.interval_ms);
  g_assert_cmpuint (a->options.timeout_seconds, ==,
                    b->options.timeout_seconds);
  g_assert_cmpuint (a->options.count, ==, b->options.count);
  g_assert_cmpint (a->options.resolve_names, ==, b->options.resolve_names);
  g_assert_cmpstr (a->address, ==, b->address);
  g_assert_cmpint (a->route, ==, b->route);
  g_assert_cmpstr (a->local_name, ==, b->local_name);
  g_assert_cmpstr (a->version, ==, b->version);
  g_assert_cmpint (a->started_us, ==, b->started_us);
  g_assert_cmpint (a->finished_us, ==, b->finished_us);
  g_assert_cmpuint (a->rounds, ==, b->rounds);
  g_assert_cmpuint (a->n_hops, ==, b->n_hops);
  g_assert_cmpint (a->range_from_us, ==, b->range_from_us);
  g_assert_cmpint (a->range_to_us, ==, b->range_to_us);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (b->hops)), ==,
                    n_hops);
  for (guint i = 0; i < n_hops; i++)
    {
      g_autoptr(HsHop) hop_a = g_list_model_get_item (G_LIST_MODEL (a->hops),
                                                      i);
      g_autoptr(HsHop) hop_b = g_list_model_get_item (G_LIST_MODEL (b->hops),
                                                      i);

      assert_hops_equal (hop_a, hop_b);
    }
}

static HsTraceData *
parse_bytes (GBytes *bytes,
             GError **error)
{
  return hs_recording_parse (g_bytes_get_data (bytes, NULL),
                             g_bytes_get_size (bytes), error);
}

static void
test_round_trip (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(HsTraceData) read = NULL;
  g_autoptr(GBytes) text = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HsHop) hop1 = NULL;

  text = hs_recording_serialize (data);
  read = parse_bytes (text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (read);
  assert_data_equal (data, read);

  /* The hand-made data does cover what the test claims. */
  hop1 = g_list_model_get_item (G_LIST_MODEL (read->hops), 0);
  g_assert_cmpuint (hs_hop_get_n_responders (hop1), ==, 2);
  g_assert_cmpuint (hs_hop_get_stats (hop1)->lost, ==, 2);
  g_assert_cmpstr (hs_hop_get_responder (hop1, 0)->mpls, ==, "16001,0,1,1");

  /* What is read writes the very same text again. */
  again = hs_recording_serialize (read);
  g_assert_true (g_bytes_equal (text, again));
}

/* A whole trace (no range, no address, nothing yet) comes back as it was. */
static void
test_round_trip_empty (void)
{
  g_autoptr(HsTraceData) data = hs_trace_data_new ();
  g_autoptr(HsTraceData) read = NULL;
  g_autoptr(GBytes) text = NULL;
  g_autoptr(GError) error = NULL;

  text = hs_recording_serialize (data);
  read = parse_bytes (text, &error);
  g_assert_no_error (error);
  assert_data_equal (data, read);
  g_assert_null (read->options.target);
  g_assert_null (read->address);
}

/* Text a recording cannot hold (a name with a control character, from a
 * hostile reverse lookup; a target name longer than any) is written as
 * null, and the rest of the recording reads. */
static void
test_unwritable_text (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(HsTraceData) read = NULL;
  g_autoptr(GBytes) text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HsHop) hop1 = NULL;
  g_autoptr(HsHop) read_hop1 = NULL;
  g_autoptr(GInetAddress) router = NULL;

  hop1 = g_list_model_get_item (G_LIST_MODEL (data->hops), 0);
  router = g_inet_address_new_from_string ("203.0.113.1");
  hs_hop_set_responder_name (hop1, router, "core-1\x1b[2J.example.test");
  g_free (data->options.target);
  data->options.target = g_strnfill (2000, 'a');

  text = hs_recording_serialize (data);
  read = parse_bytes (text, &error);
  g_assert_no_error (error);
  g_assert_null (read->options.target);
  read_hop1 = g_list_model_get_item (G_LIST_MODEL (read->hops), 0);
  g_assert_null (hs_hop_get_responder (read_hop1, 0)->name);
  g_assert_cmpstr (hs_hop_get_responder (read_hop1, 0)->mpls, ==,
                   "16001,0,1,1");
  g_assert_cmpstr (read->local_name, ==, data->local_name);
}

/* Cutting a recording gives what cutting the original gives. */
static void
test_round_trip_cut (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(HsTraceData) cut = NULL;
  g_autoptr(HsTraceData) read = NULL;
  g_autoptr(HsTraceData) read_cut = NULL;
  g_autoptr(GBytes) text = NULL;
  g_autoptr(GError) error = NULL;
  gint64 from_us = STARTED_US + 4 * G_USEC_PER_SEC;
  gint64 to_us = STARTED_US + 7 * G_USEC_PER_SEC;

  cut = hs_trace_data_cut (data, from_us, to_us);
  text = hs_recording_serialize (data);
  read = parse_bytes (text, &error);
  g_assert_no_error (error);
  read_cut = hs_trace_data_cut (read, from_us, to_us);
  assert_data_equal (cut, read_cut);
}

/* Saves DATA to PATH, reads the file's bytes and loads it back, then
 * removes the file: whatever the outcome, so that a failing test leaves
 * nothing behind. */
static HsTraceData *
save_and_load (const HsTraceData *data,
               const char *path,
               GBytes **contents,
               GError **error)
{
  g_autoptr(HsTraceData) read = NULL;
  g_autofree char *bytes = NULL;
  gsize length = 0;

  if (hs_recording_save (data, path, error)
      && g_file_get_contents (path, &bytes, &length, error))
    {
      *contents = g_bytes_new_take (g_steal_pointer (&bytes), length);
      read = hs_recording_load (path, error);
    }
  g_unlink (path);

  return g_steal_pointer (&read);
}

static void
test_save_load (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(HsTraceData) from_compressed = NULL;
  g_autoptr(HsTraceData) from_plain = NULL;
  g_autoptr(GBytes) compressed = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) compressed_error = NULL;
  g_autoptr(GError) plain_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *compressed_path = NULL;
  g_autofree char *plain_path = NULL;
  const guint8 *bytes = NULL;
  int removed = 0;

  folder = g_dir_make_tmp ("hs-rec-test-XXXXXX", &error);
  g_assert_no_error (error);
  compressed_path = g_build_filename (folder, "trace.hopscope", NULL);
  plain_path = g_build_filename (folder, "trace.json", NULL);
  from_compressed = save_and_load (data, compressed_path, &compressed,
                                   &compressed_error);
  from_plain = save_and_load (data, plain_path, &plain, &plain_error);
  removed = g_rmdir (folder);

  g_assert_no_error (compressed_error);
  g_assert_no_error (plain_error);
  g_assert_cmpint (removed, ==, 0);

  /* One is gzip, the other the JSON text; the reader takes both. */
  bytes = g_bytes_get_data (compressed, NULL);
  g_assert_cmpuint (g_bytes_get_size (compressed), >, 2);
  g_assert_cmphex (bytes[0], ==, 0x1f);
  g_assert_cmphex (bytes[1], ==, 0x8b);
  bytes = g_bytes_get_data (plain, NULL);
  g_assert_cmpint (bytes[0], ==, '{');

  assert_data_equal (data, from_compressed);
  assert_data_equal (data, from_plain);
}

static void
test_load_missing (void)
{
  g_autoptr(HsTraceData) read = NULL;
  g_autoptr(GError) error = NULL;

  read = hs_recording_load ("/nonexistent/hs-rec/trace.hopscope", &error);
  g_assert_null (read);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "trace.hopscope"));
}

/* Every prefix of a recording, plain or compressed, is an error; none
 * crashes. */
static void
test_truncated (void)
{
  g_autoptr(HsTraceData) data = make_data ();
  g_autoptr(GBytes) text = hs_recording_serialize (data);
  g_autoptr(GBytes) compressed = NULL;
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GInputStream) memory = NULL;
  g_autoptr(GInputStream) converter = NULL;
  g_autoptr(GOutputStream) out = NULL;
  GOutputStreamSpliceFlags flags = G_OUTPUT_STREAM_SPLICE_NONE;
  const char *plain = NULL;
  gsize plain_length = 0;
  gsize end = 0;

  plain = g_bytes_get_data (text, &plain_length);
  /* The last byte is the new line after the closing brace: without it the
   * text is still whole. */
  g_assert_cmpint (plain[plain_length - 1], ==, '\n');
  end = plain_length - 1;
  for (gsize length = 0; length < end; length++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HsTraceData) read = hs_recording_parse (plain, length,
                                                        &error);

      g_assert_null (read);
      g_assert_nonnull (error);
      g_assert_true (error->domain == HS_RECORDING_ERROR);
      g_assert_cmpstr (error->message, !=, "");

      /* Once the format's name is in, the rest is a damaged recording. */
      if (g_strstr_len (plain, length, "\"hopscope-recording\"") != NULL)
        g_assert_error (error, HS_RECORDING_ERROR,
                        HS_RECORDING_ERROR_DAMAGED);
    }

  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  memory = g_memory_input_stream_new_from_bytes (text);
  converter = g_converter_input_stream_new (memory,
                                            G_CONVERTER (compressor));
  out = g_memory_output_stream_new_resizable ();
  flags = G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE
          | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET;
  g_assert_cmpint (g_output_stream_splice (out, converter, flags, NULL, NULL),
                   >, 0);
  compressed = g_memory_output_stream_steal_as_bytes (
    G_MEMORY_OUTPUT_STREAM (out));

  for (gsize length = 0; length < g_bytes_get_size (compressed); length++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(HsTraceData) read =
        hs_recording_parse (g_bytes_get_data (compressed, NULL), length,
                            &error);

      g_assert_null (read);
      g_assert_nonnull (error);
      g_assert_true (error->domain == HS_RECORDING_ERROR);
    }

  /* And the whole of it reads. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(HsTraceData) read = parse_bytes (compressed, &error);

    g_assert_no_error (error);
    assert_data_equal (data, read);
  }
}

/* A small valid recording; each case of the table below changes one
 * thing in it. */
static const char base_document[] =
  "{\"format\":\"hopscope-recording\",\"version\":\"1.0\","
  "\"hopscope\":\"0.1.0\",\"host\":\"desk\","
  "\"target\":{\"name\":\"example.test\",\"address\":\"192.0.2.10\"},"
  "\"settings\":{\"protocol\":\"icmp\",\"family\":\"any\",\"port\":0,"
  "\"first_ttl\":1,\"max_ttl\":30,\"size\":0,\"interval_ms\":1000,"
  "\"timeout_seconds\":2,\"count\":10,\"resolve_names\":true},"
  "\"route\":\"pkexec\",\"started\":1700000000000000,"
  "\"finished\":1700000010000000,\"rounds\":3,\"range\":null,\"n_hops\":2,"
  "\"hops\":["
  "{\"ttl\":1,\"responders\":[{\"address\":\"198.51.100.1\","
  "\"name\":\"r1.example\",\"mpls\":\"100,0,1,1\"}],"
  "\"probes\":\"1700000000000000,1000,1,0 1000000,-1,0,0 1000000,2000,1,0\"},"
  "{\"ttl\":2,\"responders\":[{\"address\":\"192.0.2.10\",\"name\":null,"
  "\"mpls\":null}],\"probes\":\"1700000000000100,5000,1,1\"}]}";

typedef struct
{
  const char *name;
  const char *find;      /* NULL: the document is REPLACE itself */
  const char *replace;
  gint code;             /* -1: no error */
  const char *message;   /* a part of the error's message */
} Case;

static const Case cases[] = {
  { "base", "", "", -1, NULL },
  { "empty", NULL, "", HS_RECORDING_ERROR_NOT_A_RECORDING, "empty" },
  { "white-space", NULL, " \n\t ", HS_RECORDING_ERROR_NOT_A_RECORDING,
    "empty" },
  { "not-json", NULL, "hello, world", HS_RECORDING_ERROR_NOT_A_RECORDING,
    "not a Hopscope recording" },
  { "array", NULL, "[]", HS_RECORDING_ERROR_NOT_A_RECORDING,
    "not a Hopscope recording" },
  { "other-format", "\"hopscope-recording\"", "\"hopscope-settings\"",
    HS_RECORDING_ERROR_NOT_A_RECORDING, "not a Hopscope recording" },
  { "format-number", "\"hopscope-recording\"", "1",
    HS_RECORDING_ERROR_NOT_A_RECORDING, "not a Hopscope recording" },
  { "trailing-garbage", "}]}", "}]} x", HS_RECORDING_ERROR_DAMAGED,
    "not valid JSON" },
  { "version-2", "\"1.0\"", "\"2.0\"", HS_RECORDING_ERROR_VERSION,
    "newer Hopscope" },
  { "version-number", "\"1.0\"", "1", HS_RECORDING_ERROR_DAMAGED,
    "“version” must be a string" },
  { "version-malformed", "\"1.0\"", "\"1.0.1\"", HS_RECORDING_ERROR_DAMAGED,
    "MAJOR.MINOR" },
  { "version-0", "\"1.0\"", "\"0.9\"", HS_RECORDING_ERROR_DAMAGED,
    "MAJOR.MINOR" },
  { "unknown-member", "\"rounds\":3", "\"rounds\":3,\"colour\":\"red\"",
    HS_RECORDING_ERROR_DAMAGED, "recording: unknown member “colour”" },
  { "unknown-member-newer-minor", "\"1.0\",", "\"1.7\",\"colour\":\"red\",",
    -1, NULL },
  { "unknown-hop-member", "\"ttl\":2,", "\"ttl\":2,\"x\":1,",
    HS_RECORDING_ERROR_DAMAGED, "hop 2: unknown member “x”" },
  { "missing-member", "\"rounds\":3,", "", HS_RECORDING_ERROR_DAMAGED,
    "the member “rounds” is missing" },
  { "duplicate-member", "\"rounds\":3", "\"rounds\":3,\"rounds\":4",
    HS_RECORDING_ERROR_DAMAGED, "“rounds” is given twice" },
  { "escaped-member-name", "\"rounds\"", "\"round\\u0073\"",
    HS_RECORDING_ERROR_DAMAGED, "member name" },
  { "wrong-type-port", "\"port\":0", "\"port\":\"0\"",
    HS_RECORDING_ERROR_DAMAGED, "settings: “port” must be a whole number" },
  { "fraction", "\"port\":0", "\"port\":1e3", HS_RECORDING_ERROR_DAMAGED,
    "“port” must be a whole number" },
  { "wrong-type-settings", "\"settings\":{", "\"settings\":[{",
    HS_RECORDING_ERROR_DAMAGED, "not valid JSON" },
  { "settings-array", "\"route\"", "\"x\":[],\"route\"",
    HS_RECORDING_ERROR_DAMAGED, "unknown member “x”" },
  { "huge-number", "\"rounds\":3", "\"rounds\":99999999999999999999",
    HS_RECORDING_ERROR_DAMAGED, "out of range" },
  { "wrapping-number", "\"rounds\":3", "\"rounds\":18446744073709551617",
    HS_RECORDING_ERROR_DAMAGED, "out of range" },
  { "rounds-too-many", "\"rounds\":3", "\"rounds\":4294967296",
    HS_RECORDING_ERROR_DAMAGED, "“rounds” is 4294967296" },
  { "leading-zero", "\"rounds\":3", "\"rounds\":03",
    HS_RECORDING_ERROR_DAMAGED, "starts with a zero" },
  { "negative-ttl", "\"ttl\":2", "\"ttl\":-1", HS_RECORDING_ERROR_DAMAGED,
    "hop 2: “ttl” is -1" },
  { "first-ttl-0", "\"first_ttl\":1", "\"first_ttl\":0",
    HS_RECORDING_ERROR_DAMAGED, "“first_ttl” is 0" },
  { "max-below-first", "\"max_ttl\":30", "\"max_ttl\":0",
    HS_RECORDING_ERROR_DAMAGED, "“max_ttl” is 0" },
  { "ttl-256", "\"max_ttl\":30", "\"max_ttl\":256",
    HS_RECORDING_ERROR_DAMAGED, "“max_ttl” is 256" },
  { "duplicate-hop", "\"ttl\":2", "\"ttl\":1", HS_RECORDING_ERROR_DAMAGED,
    "hop 2: its time-to-live is 1" },
  { "hop-beyond-max", "\"max_ttl\":30", "\"max_ttl\":1",
    HS_RECORDING_ERROR_DAMAGED, "hop 2: its time-to-live is 2" },
  { "hop-not-object", "{\"ttl\":2,", "7,{\"ttl\":2,",
    HS_RECORDING_ERROR_DAMAGED, "hop 2: must be an object" },
  { "n-hops-too-many", "\"n_hops\":2", "\"n_hops\":3",
    HS_RECORDING_ERROR_DAMAGED, "“n_hops” is 3" },
  { "responder-out-of-range", "1000000,2000,1,0", "1000000,2000,7,0",
    HS_RECORDING_ERROR_DAMAGED,
    "hop 1, probe 3: the responder index 7 names no responder" },
  { "responder-unused", "\"mpls\":null}]", "\"mpls\":null},"
    "{\"address\":\"192.0.2.11\",\"name\":null,\"mpls\":null}]",
    HS_RECORDING_ERROR_DAMAGED, "hop 2, responder 2: no probe names it" },
  { "responder-order", "\"probes\":\"1700000000000100,5000,1,1\"",
    "\"probes\":\"1700000000000100,5000,2,1\"",
    HS_RECORDING_ERROR_DAMAGED, "names no responder" },
  { "responder-twice", "\"mpls\":null}]", "\"mpls\":null},"
    "{\"address\":\"192.0.2.10\",\"name\":null,\"mpls\":null}]",
    HS_RECORDING_ERROR_DAMAGED, "hop 2, responder 2: the address "
    "192.0.2.10 is listed twice" },
  { "responder-bad-address", "198.51.100.1", "198.51.100.300",
    HS_RECORDING_ERROR_DAMAGED, "hop 1, responder 1: the address "
    "“198.51.100.300” is not an IP address" },
  { "responder-not-object", "[{\"address\":\"198", "[1,{\"address\":\"198",
    HS_RECORDING_ERROR_DAMAGED, "hop 1, responder 1: must be an object" },
  { "target-bad-address", "\"192.0.2.10\"}", "\"www.example.test\"}",
    HS_RECORDING_ERROR_DAMAGED, "target: the address" },
  { "bad-mpls", "100,0,1,1", "100,0,1", HS_RECORDING_ERROR_DAMAGED,
    "not an MPLS label stack" },
  { "mpls-label-too-big", "100,0,1,1", "1048576,0,1,1",
    HS_RECORDING_ERROR_DAMAGED, "not an MPLS label stack" },
  { "bad-protocol", "\"icmp\"", "\"sctp\"", HS_RECORDING_ERROR_DAMAGED,
    "settings: “protocol” is “sctp”, not one of icmp, udp, tcp" },
  { "bad-route", "\"pkexec\"", "\"sudo\"", HS_RECORDING_ERROR_DAMAGED,
    "“route” is “sudo”" },
  { "boolean-as-number", "\"resolve_names\":true", "\"resolve_names\":1",
    HS_RECORDING_ERROR_DAMAGED, "must be true or false" },
  { "empty-string", "\"desk\"", "\"\"", HS_RECORDING_ERROR_DAMAGED,
    "“host” must be 1 to" },
  { "control-character", "\"desk\"", "\"de\\tsk\"",
    HS_RECORDING_ERROR_DAMAGED, "“host” holds a control character" },
  { "nul-character", "\"desk\"", "\"de\\u0000sk\"",
    HS_RECORDING_ERROR_DAMAGED, "NUL character" },
  { "nul-byte", "\"desk\"", "\"de\0sk\"", HS_RECORDING_ERROR_DAMAGED,
    "NUL byte" },
  { "not-utf8", "\"desk\"", "\"de\xff\xfesk\"", HS_RECORDING_ERROR_DAMAGED,
    "UTF-8" },
  { "lost-with-responder", "1000000,-1,0,0", "1000000,-1,1,0",
    HS_RECORDING_ERROR_DAMAGED,
    "hop 1, probe 2: a lost probe names a responder" },
  { "unknown-flags", "5000,1,1\"", "5000,1,4\"", HS_RECORDING_ERROR_DAMAGED,
    "hop 2, probe 1: unknown flags 4" },
  { "round-trip-too-big", "1000000,2000,1,0", "1000000,2147483648,1,0",
    HS_RECORDING_ERROR_DAMAGED, "hop 1, probe 3: the round-trip time" },
  { "round-trip-negative", "1000000,2000,1,0", "1000000,-2,1,0",
    HS_RECORDING_ERROR_DAMAGED, "hop 1, probe 3: the round-trip time" },
  { "send-time-backwards", "1000000,-1,0,0", "-1000000,-1,0,0",
    HS_RECORDING_ERROR_DAMAGED, "hop 1, probe 2: expected four whole" },
  { "send-time-overflow", "1000000,-1,0,0", "999999999999999999,-1,0,0",
    HS_RECORDING_ERROR_DAMAGED, "hop 1, probe 2: the send time" },
  { "probe-leading-zero", "1000000,2000", "01000000,2000",
    HS_RECORDING_ERROR_DAMAGED, "hop 1, probe 3: expected four whole" },
  { "probe-three-fields", "1000000,2000,1,0", "1000000,2000,1",
    HS_RECORDING_ERROR_DAMAGED, "hop 1, probe 3: expected four whole" },
  { "probe-five-fields", "1000000,2000,1,0", "1000000,2000,1,0,0",
    HS_RECORDING_ERROR_DAMAGED, "hop 1, probe 4: probes must be separated" },
  { "probe-two-spaces", " 1000000,2000", "  1000000,2000",
    HS_RECORDING_ERROR_DAMAGED, "hop 1, probe 3: expected four whole" },
  { "probe-trailing-space", "2000,1,0\"", "2000,1,0 \"",
    HS_RECORDING_ERROR_DAMAGED, "hop 1, probe 4: expected four whole" },
  { "probes-array", "\"probes\":\"1700000000000100,5000,1,1\"",
    "\"probes\":[1700000000000100,5000,1,1]", HS_RECORDING_ERROR_DAMAGED,
    "hop 2: “probes” must be a string" },
  { "range-outside", "\"range\":null",
    "\"range\":{\"from\":1700000000000000,\"to\":1700000000000001}",
    HS_RECORDING_ERROR_DAMAGED,
    "hop 1, probe 2: sent outside the recording's time range" },
  { "range-inside", "\"range\":null",
    "\"range\":{\"from\":1700000000000000,\"to\":1700000002000001}", -1,
    NULL },
  { "range-backwards", "\"range\":null",
    "\"range\":{\"from\":1700000000000000,\"to\":1700000000000000}",
    HS_RECORDING_ERROR_DAMAGED, "range: “to” is" },
  { "range-array", "\"range\":null", "\"range\":[]",
    HS_RECORDING_ERROR_DAMAGED, "“range” must be an object or null" },
  { "started-negative", "\"started\":1700000000000000", "\"started\":-5",
    HS_RECORDING_ERROR_DAMAGED, "“started” is -5" },
  { "deep-in-recording", "\"rounds\":3",
    "\"rounds\":3,\"x\":[[[[[[[[[[1]]]]]]]]]]", HS_RECORDING_ERROR_DAMAGED,
    "too deeply nested" },
};

static char *
replace_once (const char *text,
              gsize *length,
              const Case *test_case)
{
  const char *at = NULL;
  GString *out = NULL;

  if (test_case->find == NULL)
    {
      *length = strlen (test_case->replace);
      return g_strdup (test_case->replace);
    }

  at = strstr (text, test_case->find);
  g_assert_nonnull (at);
  out = g_string_new_len (text, at - text);

  /* The NUL byte case holds a NUL: its length is the array's. */
  if (g_str_equal (test_case->name, "nul-byte"))
    g_string_append_len (out, "\"de\0sk\"", 7);
  else
    g_string_append (out, test_case->replace);
  g_string_append (out, at + strlen (test_case->find));

  *length = out->len;
  return g_string_free (out, FALSE);
}

static void
test_hostile (gconstpointer user_data)
{
  const Case *test_case = user_data;
  g_autofree char *text = NULL;
  g_autoptr(HsTraceData) read = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  text = replace_once (base_document, &length, test_case);
  read = hs_recording_parse (text, length, &error);

  if (test_case->code < 0)
    {
      g_assert_no_error (error);
      g_assert_nonnull (read);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (read->hops)),
                        ==, 2);
      return;
    }

  g_assert_null (read);
  g_assert_error (error, HS_RECORDING_ERROR, test_case->code);
  if (strstr (error->message, test_case->message) == NULL)
    g_error ("“%s” is not in “%s”", test_case->message, error->message);
}

/* 100 MB of opening brackets: refused at the ninth, before the parser
 * recurses into them. */
static void
test_nested (void)
{
  gsize length = 100 * 1024 * 1024;
  g_autofree char *text = g_malloc (length);
  g_autoptr(HsTraceData) read = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start_us = g_get_monotonic_time ();

  memset (text, '[', length);
  read = hs_recording_parse (text, length, &error);
  g_assert_null (read);
  g_assert_error (error, HS_RECORDING_ERROR,
                  HS_RECORDING_ERROR_NOT_A_RECORDING);
  g_assert_nonnull (strstr (error->message, "too deeply nested"));
  g_assert_cmpint (g_get_monotonic_time () - start_us, <, G_USEC_PER_SEC);
}

/* A recording with a million and one numbers in an unknown member. */
static void
test_too_many_values (void)
{
  g_autoptr(GString) text = NULL;
  g_autoptr(HsTraceData) read = NULL;
  g_autoptr(GError) error = NULL;

  text = g_string_new ("{\"format\":\"hopscope-recording\",\"x\":[0");
  for (guint i = 0; i < 1000000; i++)
    g_string_append (text, ",0");
  g_string_append (text, "]}");

  read = hs_recording_parse (text->str, text->len, &error);
  g_assert_null (read);
  g_assert_error (error, HS_RECORDING_ERROR, HS_RECORDING_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "more values"));
}

/* One probe more than a hop's history holds. */
static void
test_too_many_probes (void)
{
  g_autoptr(GString) text = NULL;
  g_autoptr(HsTraceData) read = NULL;
  g_autoptr(GError) error = NULL;
  const char *probes = strstr (base_document, "1700000000000100,5000,1,1");

  g_assert_nonnull (probes);
  text = g_string_new_len (base_document, probes - base_document);
  g_string_append (text, "1700000000000100,5000,1,1");
  for (guint i = 0; i < HS_HISTORY_DEFAULT_CAPACITY; i++)
    g_string_append (text, " 1000000,-1,0,0");
  g_string_append (text, probes + strlen ("1700000000000100,5000,1,1"));

  read = hs_recording_parse (text->str, text->len, &error);
  g_assert_null (read);
  g_assert_error (error, HS_RECORDING_ERROR, HS_RECORDING_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "hop 2: more than 86400 probes"));
}

static GBytes *
gzip (const char *text,
      gsize length,
      gsize repeat)
{
  g_autoptr(GZlibCompressor) compressor =
    g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 buffer[65536];

  for (gsize i = 0; i <= repeat; i++)
    {
      gsize done = 0;
      gboolean last = i == repeat;

      do
        {
          gsize read = 0;
          gsize written = 0;
          GConverterResult result =
            g_converter_convert (G_CONVERTER (compressor),
                                 last ? NULL : text + done,
                                 last ? 0 : length - done,
                                 buffer, sizeof buffer,
                                 last ? G_CONVERTER_INPUT_AT_END
                                      : G_CONVERTER_NO_FLAGS,
                                 &read, &written, NULL);

          g_assert_cmpint (result, !=, G_CONVERTER_ERROR);
          g_byte_array_append (out, buffer, written);
          done += read;
          if (last && result == G_CONVERTER_FINISHED)
            break;
        }
      while (last || done < length);
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* A few hundred kilobytes that inflate to more than the size limit: the
 * reader stops once the limit is passed. */
static void
test_gzip_bomb (void)
{
  g_autofree char *spaces = g_malloc (1024 * 1024);
  g_autoptr(GBytes) bomb = NULL;
  g_autoptr(HsTraceData) read = NULL;
  g_autoptr(GError) error = NULL;

  memset (spaces, ' ', 1024 * 1024);
  bomb = gzip (spaces, 1024 * 1024, 600);
  g_assert_cmpuint (g_bytes_get_size (bomb), <, 8 * 1024 * 1024);

  read = parse_bytes (bomb, &error);
  g_assert_null (read);
  g_assert_error (error, HS_RECORDING_ERROR, HS_RECORDING_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "more than 512 MB"));
}

static void
test_gzip_damaged (void)
{
  g_autoptr(GBytes) good = gzip (base_document, strlen (base_document), 1);
  g_autoptr(GByteArray) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HsTraceData) read = NULL;
  static const guint8 junk[] = { 0x1f, 0x8b, 'j', 'u', 'n', 'k' };

  read = hs_recording_parse ((const char *) junk, sizeof junk, &error);
  g_assert_null (read);
  g_assert_error (error, HS_RECORDING_ERROR, HS_RECORDING_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "compressed data"));
  g_clear_error (&error);

  /* Data after the compressed stream is refused, not ignored. */
  bytes = g_byte_array_new ();
  g_byte_array_append (bytes, g_bytes_get_data (good, NULL),
                       g_bytes_get_size (good));
  g_byte_array_append (bytes, (const guint8 *) "x", 1);
  read = hs_recording_parse ((const char *) bytes->data, bytes->len, &error);
  g_assert_null (read);
  g_assert_error (error, HS_RECORDING_ERROR, HS_RECORDING_ERROR_DAMAGED);
  g_assert_nonnull (strstr (error->message, "more data after"));
  g_clear_error (&error);

  /* A bit flipped in the middle fails the check sum or the stream. */
  bytes->data[bytes->len / 2] ^= 0x10;
  g_byte_array_set_size (bytes, bytes->len - 1);
  read = hs_recording_parse ((const char *) bytes->data, bytes->len, &error);
  g_assert_null (read);
  g_assert_error (error, HS_RECORDING_ERROR, HS_RECORDING_ERROR_DAMAGED);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Hopscope/Recording/round-trip", test_round_trip);
  g_test_add_func ("/Hopscope/Recording/round-trip-empty",
                   test_round_trip_empty);
  g_test_add_func ("/Hopscope/Recording/round-trip-cut", test_round_trip_cut);
  g_test_add_func ("/Hopscope/Recording/unwritable-text",
                   test_unwritable_text);
  g_test_add_func ("/Hopscope/Recording/save-load", test_save_load);
  g_test_add_func ("/Hopscope/Recording/load-missing", test_load_missing);
  g_test_add_func ("/Hopscope/Recording/truncated", test_truncated);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/Hopscope/Recording/hostile/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_hostile);
    }
  g_test_add_func ("/Hopscope/Recording/nested", test_nested);
  g_test_add_func ("/Hopscope/Recording/too-many-values",
                   test_too_many_values);
  g_test_add_func ("/Hopscope/Recording/too-many-probes",
                   test_too_many_probes);
  g_test_add_func ("/Hopscope/Recording/gzip-bomb", test_gzip_bomb);
  g_test_add_func ("/Hopscope/Recording/gzip-damaged", test_gzip_damaged);

  return g_test_run ();
}
