/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* HsProbeClient driving the real helper along a simulated path, and fake
 * helpers that die, never start or write garbage.
 *
 * It runs inside the namespace of a hopscope-pathsim that
 * tests/integration/test-core-client.py builds, which says what the path
 * is through the environment:
 *   HOPSCOPE_PROBE            the helper
 *   HOPSCOPE_TEST_PATH        "full" (every hop answers) or "silent"
 *   HOPSCOPE_TEST_TARGET      the target's IPv4 address
 *   HOPSCOPE_TEST_DELAYS      round-trip times in milliseconds of hops 1..N
 *                             then of the target, comma-separated; hop K
 *                             answers from 203.0.113.K
 *   HOPSCOPE_TEST_MPLS        "K=STACK": the label stack hop K adds
 *   HOPSCOPE_TEST_SILENT_TTL  the silent hop of the "silent" path
 *   HOPSCOPE_TEST_ROUTE       "root", or "unprivileged" when the test runs
 *                             as a user without privilege, whose helper
 *                             falls back to datagram sockets: then only
 *                             the start and the path are tested */

#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hs-probe-client.h"

/* A round trip may be this much longer than the simulated delay: the
 * simulator answers within tens of microseconds of it. */
#define RTT_MARGIN_US 1000

/* Far longer than the path's slowest reply. */
#define READ_DELAY_MS 200

#define MANY_PROBES 200

typedef struct
{
  char *helper;
  char *target_text;
  GInetAddress *target;
  GArray *delays_us;          /* gint64: hops 1..N, then the target */
  guint mpls_ttl;
  char *mpls;
  guint silent_ttl;
  gboolean unprivileged;
  char *scratch;              /* a folder for fake helpers */
} PathInfo;

static PathInfo path;

typedef struct
{
  guint remaining;
  gboolean done;
} Countdown;

/* One probe's reply, copied out of the callback. */
typedef struct
{
  guint index;
  guint ttl;
  gboolean answered;
  guint calls;
  HsProbeOutcome outcome;
  char *word;
  char *responder;
  gint64 round_trip_us;
  char *mpls;
  guint mtu;
  gint64 answered_at;
  GArray *order;              /* indexes in the order replies came */
  Countdown *countdown;       /* counted down by each reply */
} ProbeResult;

static void
probe_result_clear (ProbeResult *result)
{
  g_clear_pointer (&result->word, g_free);
  g_clear_pointer (&result->responder, g_free);
  g_clear_pointer (&result->mpls, g_free);
}

static void
on_probe_reply (const HsProbeReply *reply,
                gpointer user_data)
{
  ProbeResult *result = user_data;

  result->calls++;
  result->answered = TRUE;
  result->outcome = reply->outcome;
  g_free (result->word);
  result->word = g_strdup (reply->word);
  g_free (result->responder);
  result->responder = reply->responder
                      ? g_inet_address_to_string (reply->responder) : NULL;
  result->round_trip_us = reply->round_trip_us;
  g_free (result->mpls);
  result->mpls = g_strdup (reply->mpls);
  result->mtu = reply->mtu;
  result->answered_at = g_get_monotonic_time ();
  if (result->order != NULL)
    g_array_append_val (result->order, result->index);

  if (result->countdown != NULL)
    {
      g_assert_cmpuint (result->countdown->remaining, >, 0);
      if (--result->countdown->remaining == 0)
        result->countdown->done = TRUE;
    }
}

static gboolean
on_timeout_set_flag (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *DONE or the time is up; FALSE on time-out. */
static gboolean
run_until (gboolean *done,
           guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add (timeout_ms, on_timeout_set_flag, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (source);

  return *done;
}

/* Runs the main loop for a while, whatever happens. */
static void
run_for (guint ms)
{
  gboolean never = FALSE;

  run_until (&never, ms);
}

/* Waits until the process PID is gone and reaped. */
static gboolean
wait_for_exit (GPid pid,
               guint timeout_ms)
{
  for (guint waited = 0; waited < timeout_ms && kill (pid, 0) == 0;
       waited += 50)
    run_for (50);

  return kill (pid, 0) == -1;
}

typedef struct
{
  gboolean done;
  gboolean ok;
  GError *error;
} StartResult;

static void
on_client_started (GObject *object,
                   GAsyncResult *result,
                   gpointer user_data)
{
  StartResult *start = user_data;

  start->ok = hs_probe_client_start_finish (HS_PROBE_CLIENT (object), result,
                                            &start->error);
  start->done = TRUE;
}

static gboolean
start_client (HsProbeClient *client,
              GError **error)
{
  StartResult start = { 0 };

  hs_probe_client_start_async (client, NULL, on_client_started, &start);
  g_assert_true (run_until (&start.done, 10000));
  if (start.error != NULL)
    g_propagate_error (error, start.error);

  return start.ok;
}

static HsProbeClient *
start_helper (void)
{
  const char *argv[] = { path.helper, NULL };
  g_autoptr(HsProbeClient) client = NULL;
  g_autoptr(GError) error = NULL;

  client = hs_probe_client_new (argv, HS_HELPER_ROUTE_UNKNOWN);
  start_client (client, &error);
  g_assert_no_error (error);
  g_assert_true (hs_probe_client_is_running (client));

  return g_steal_pointer (&client);
}

static HsProbeClient *
start_fake_helper (const char *name,
                   const char *script)
{
  g_autofree char *file = g_build_filename (path.scratch, name, NULL);
  const char *argv[] = { file, NULL };
  g_autoptr(HsProbeClient) client = NULL;
  g_autoptr(GError) error = NULL;

  g_file_set_contents (file, script, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (file, 0755), ==, 0);

  client = hs_probe_client_new (argv, HS_HELPER_ROUTE_UNKNOWN);
  start_client (client, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&client);
}

static guint
send_icmp (HsProbeClient *client,
           guint ttl,
           guint timeout_seconds,
           ProbeResult *result)
{
  HsProbeRequest request = {
    .target = path.target,
    .protocol = HS_PROTOCOL_ICMP,
    .ttl = ttl,
    .timeout_seconds = timeout_seconds,
  };

  result->ttl = ttl;
  return hs_probe_client_send_probe (client, &request, on_probe_reply, result);
}

static guint
n_hops (void)
{
  return path.delays_us->len - 1;
}

static char *
hop_address (guint ttl)
{
  return g_strdup_printf ("203.0.113.%u", ttl);
}

/* Checks a reply from the path to a probe with time-to-live TTL. */
static void
assert_path_reply (const ProbeResult *result,
                   guint ttl,
                   gboolean check_round_trip)
{
  g_autofree char *hop = hop_address (ttl);
  gint64 delay_us = g_array_index (path.delays_us, gint64,
                                   MIN (ttl, n_hops () + 1) - 1);

  g_assert_true (result->answered);
  g_assert_cmpuint (result->calls, ==, 1);

  if (ttl <= n_hops ())
    {
      g_assert_cmpint (result->outcome, ==, HS_PROBE_OUTCOME_TTL_EXPIRED);
      g_assert_cmpstr (result->word, ==, "ttl-expired");
      g_assert_cmpstr (result->responder, ==, hop);
    }
  else
    {
      g_assert_cmpint (result->outcome, ==, HS_PROBE_OUTCOME_REPLY);
      g_assert_cmpstr (result->word, ==, "reply");
      g_assert_cmpstr (result->responder, ==, path.target_text);
    }

  if (check_round_trip)
    {
      g_assert_cmpint (result->round_trip_us, >=, delay_us);
      g_assert_cmpint (result->round_trip_us, <=, delay_us + RTT_MARGIN_US);
    }
}

static void
test_start (void)
{
  g_autoptr(HsProbeClient) client = start_helper ();

  g_assert_cmpstr (hs_probe_client_get_version (client), ==,
                   HOPSCOPE_VERSION);
  g_assert_true (hs_probe_client_supports (client, HS_PROTOCOL_ICMP));

  /* Root is what the route says first; without privilege, the helper's
   * datagram sockets say it, and the helper limits the probe rate. */
  if (path.unprivileged)
    {
      g_assert_cmpint (hs_probe_client_get_route (client), ==,
                       HS_HELPER_ROUTE_UNPRIVILEGED);
      g_assert_cmpuint (hs_probe_client_get_probe_rate (client), >, 0);
    }
  else
    {
      g_assert_cmpint (hs_probe_client_get_route (client), ==,
                       HS_HELPER_ROUTE_ROOT);
      g_assert_cmpuint (hs_probe_client_get_probe_rate (client), ==, 0);
      g_assert_true (hs_probe_client_supports (client, HS_PROTOCOL_UDP));
      g_assert_true (hs_probe_client_supports (client, HS_PROTOCOL_TCP));
    }
  g_test_message ("route %d, %u probes a second",
                  hs_probe_client_get_route (client),
                  hs_probe_client_get_probe_rate (client));

  hs_probe_client_stop (client);
  g_assert_false (hs_probe_client_is_running (client));
}

/* Sends each probe of RESULTS with its own time-to-live and runs the loop
 * until every one is answered. */
static void
probe_and_wait (HsProbeClient *client,
                ProbeResult *results,
                guint n_results,
                guint timeout_seconds)
{
  Countdown countdown = { n_results, FALSE };

  for (guint i = 0; i < n_results; i++)
    {
      HsProbeRequest request = {
        .target = path.target,
        .protocol = HS_PROTOCOL_ICMP,
        .ttl = results[i].ttl,
        .timeout_seconds = timeout_seconds,
      };
      guint token = 0;

      results[i].countdown = &countdown;
      token = hs_probe_client_send_probe (client, &request, on_probe_reply,
                                          &results[i]);
      g_assert_cmpuint (token, >, 0);
    }

  g_assert_true (run_until (&countdown.done,
                            (timeout_seconds + 5) * 1000));
  for (guint i = 0; i < n_results; i++)
    results[i].countdown = NULL;
}

static void
test_path (void)
{
  g_autoptr(HsProbeClient) client = start_helper ();
  guint n_results = n_hops () + 1;
  g_autofree ProbeResult *results = g_new0 (ProbeResult, n_results);

  for (guint i = 0; i < n_results; i++)
    results[i].ttl = i + 1;

  probe_and_wait (client, results, n_results, 2);

  for (guint i = 0; i < n_results; i++)
    {
      g_test_message ("ttl %u: %s from %s in %" G_GINT64_FORMAT " us",
                      results[i].ttl, results[i].word, results[i].responder,
                      results[i].round_trip_us);
      assert_path_reply (&results[i], results[i].ttl, TRUE);
      probe_result_clear (&results[i]);
    }
}

static void
test_mpls (void)
{
  g_autoptr(HsProbeClient) client = start_helper ();
  ProbeResult results[2] = { { .ttl = path.mpls_ttl },
                             { .ttl = path.mpls_ttl - 1 } };

  g_assert_cmpuint (path.mpls_ttl, >, 1);

  probe_and_wait (client, results, G_N_ELEMENTS (results), 2);

  assert_path_reply (&results[0], path.mpls_ttl, FALSE);
  g_assert_cmpstr (results[0].mpls, ==, path.mpls);
  assert_path_reply (&results[1], path.mpls_ttl - 1, FALSE);
  g_assert_null (results[1].mpls);

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    probe_result_clear (&results[i]);
}

/* Many probes at once, the slowest first: their replies come in another
 * order than they were sent, and each must still reach its own callback. */
static void
test_many_in_flight (void)
{
  g_autoptr(HsProbeClient) client = start_helper ();
  g_autofree ProbeResult *results = g_new0 (ProbeResult, MANY_PROBES);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n_ttls = n_hops () + 1;
  guint inversions = 0;

  for (guint i = 0; i < MANY_PROBES; i++)
    {
      results[i].index = i;
      results[i].ttl = n_ttls - i % n_ttls;
      results[i].order = order;
    }

  probe_and_wait (client, results, MANY_PROBES, 3);

  g_assert_cmpuint (order->len, ==, MANY_PROBES);
  for (guint i = 1; i < order->len; i++)
    if (g_array_index (order, guint, i) < g_array_index (order, guint, i - 1))
      inversions++;
  g_test_message ("%u of %u replies came before one sent earlier",
                  inversions, MANY_PROBES);
  g_assert_cmpuint (inversions, >, 0);

  for (guint i = 0; i < MANY_PROBES; i++)
    {
      assert_path_reply (&results[i], results[i].ttl, FALSE);
      probe_result_clear (&results[i]);
    }
}

/* With a read delay, replies that come while it runs are read together
 * when it ends, each still with the round-trip time the helper measured. */
static void
test_read_delay (void)
{
  g_autoptr(HsProbeClient) client = start_helper ();
  guint n_results = n_hops () + 1;
  g_autofree ProbeResult *results = g_new0 (ProbeResult, n_results);
  gint64 sent_at = 0;

  /* The replies to the start's questions began a delay; it ends first. */
  hs_probe_client_set_read_delay (client, READ_DELAY_MS);
  run_for (READ_DELAY_MS * 2);

  /* The first hop's reply is read at once and begins a delay; the others,
   * sent right after it, answer within it. */
  results[0].ttl = 1;
  probe_and_wait (client, results, 1, 2);
  assert_path_reply (&results[0], 1, TRUE);

  for (guint i = 1; i < n_results; i++)
    results[i].ttl = i + 1;
  sent_at = g_get_monotonic_time ();
  probe_and_wait (client, results + 1, n_results - 1, 2);

  for (guint i = 1; i < n_results; i++)
    {
      gint64 waited_us = results[i].answered_at - sent_at;

      g_test_message ("ttl %u: read after %" G_GINT64_FORMAT " us, round "
                      "trip %" G_GINT64_FORMAT " us", results[i].ttl,
                      waited_us, results[i].round_trip_us);
      assert_path_reply (&results[i], results[i].ttl, TRUE);
      g_assert_cmpint (waited_us, >=, READ_DELAY_MS * 1000 * 3 / 4);
      g_assert_cmpint (results[i].answered_at - results[1].answered_at, <,
                       5000);
    }

  for (guint i = 0; i < n_results; i++)
    probe_result_clear (&results[i]);
}

typedef struct
{
  guint count;
  char *message;
  gint code;
  gboolean running;
} ExitedResult;

static void
on_client_exited (HsProbeClient *client,
                  const GError *reason,
                  gpointer user_data)
{
  ExitedResult *exited = user_data;

  exited->count++;
  g_free (exited->message);
  exited->message = g_strdup (reason->message);
  exited->code = reason->code;
  exited->running = hs_probe_client_is_running (client);
}

/* The helper's process, as GSubprocess identifies it. */
static GPid
helper_pid (HsProbeClient *client)
{
  const char *identifier = hs_probe_client_get_identifier (client);

  g_assert_nonnull (identifier);
  return (GPid) g_ascii_strtoll (identifier, NULL, 10);
}

static void
test_killed (void)
{
  g_autoptr(HsProbeClient) client = start_helper ();
  ProbeResult results[5] = { 0 };
  ExitedResult exited = { 0 };
  guint seen_before_kill = 0;
  GPid pid = 0;

  g_signal_connect (client, "exited", G_CALLBACK (on_client_exited),
                    &exited);

  /* Probes to the target, whose answers take the longest, are in flight
   * when the helper dies. */
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    g_assert_cmpuint (send_icmp (client, n_hops () + 1, 5, &results[i]), >,
                      0);
  run_for (1);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    seen_before_kill += results[i].calls;

  pid = helper_pid (client);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);

  g_assert_true (run_until ((gboolean *) &exited.count, 5000));
  g_assert_cmpuint (exited.count, ==, 1);
  g_assert_cmpstr (exited.message, ==,
                   "The probe helper stopped unexpectedly (killed by signal "
                   "9). Press Start to continue tracing.");
  g_assert_false (exited.running);
  g_assert_false (hs_probe_client_is_running (client));
  g_assert_null (hs_probe_client_get_identifier (client));

  /* Nothing more comes: no callback, no second signal, no new probe. */
  run_for (500);
  g_assert_cmpuint (exited.count, ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_assert_cmpuint (results[i].calls, ==, 0);
      probe_result_clear (&results[i]);
    }
  g_assert_cmpuint (seen_before_kill, ==, 0);
  g_assert_cmpuint (send_icmp (client, 1, 1, &results[0]), ==, 0);

  /* The same client starts again. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (start_client (client, &error));
    g_assert_no_error (error);
    probe_and_wait (client, results, 1, 1);
    assert_path_reply (&results[0], results[0].ttl, FALSE);
    probe_result_clear (&results[0]);
  }

  g_free (exited.message);
}

static void
test_missing_helper (void)
{
  const char *argv[] = { "/nonexistent/hs-c2/hopscope-probe", NULL };
  g_autoptr(HsProbeClient) client = NULL;
  g_autoptr(GError) error = NULL;

  client = hs_probe_client_new (argv, HS_HELPER_ROUTE_UNKNOWN);
  g_assert_false (start_client (client, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message,
                                   "The probe helper hopscope-probe could "
                                   "not be started: "));
  g_assert_true (g_str_has_suffix (error->message,
                                   "Check that Hopscope is installed "
                                   "completely."));
  g_assert_false (hs_probe_client_is_running (client));
}

/* A helper that says on standard error why it cannot work, and leaves. */
static void
test_helper_exits_at_once (void)
{
  g_autofree char *file = g_build_filename (path.scratch, "hopscope-probe",
                                            NULL);
  const char *argv[] = { file, NULL };
  g_autoptr(HsProbeClient) client = NULL;
  g_autoptr(GError) error = NULL;

  g_file_set_contents (file,
                       "#!/bin/sh\n"
                       "echo 'hopscope-probe: cannot open a raw socket' >&2\n"
                       "exit 1\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (file, 0755), ==, 0);

  client = hs_probe_client_new (argv, HS_HELPER_ROUTE_UNKNOWN);
  g_assert_false (start_client (client, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "The probe helper hopscope-probe could not be started: "
                   "it stopped at once (exit status 1: hopscope-probe: "
                   "cannot open a raw socket). Check that Hopscope is "
                   "installed completely.");
}

/* A stand-in for pkexec that leaves with STATUS, as the real one does
 * when the dialog is dismissed (126) or polkit says no (127). */
static GError *
start_fake_pkexec (int status)
{
  g_autofree char *folder = g_build_filename (path.scratch, "pkexec-bin",
                                              NULL);
  g_autofree char *file = g_build_filename (folder, "pkexec", NULL);
  g_autofree char *script = g_strdup_printf
    ("#!/bin/sh\necho 'Error executing command as another user: Not "
     "authorized' >&2\nexit %d\n", status);
  const char *argv[] = { file, "/usr/libexec/hopscope-probe", NULL };
  g_autoptr(HsProbeClient) client = NULL;
  GError *error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_file_set_contents (file, script, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (file, 0755), ==, 0);

  client = hs_probe_client_new (argv, HS_HELPER_ROUTE_PKEXEC);
  g_assert_false (start_client (client, &error));
  g_assert_false (hs_probe_client_is_running (client));
  g_test_message ("pkexec %d: %s", status, error->message);

  return error;
}

static void
test_pkexec_dismissed (void)
{
  g_autoptr(GError) error = start_fake_pkexec (126);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_str_has_prefix (error->message,
                                   "Probing needs authorisation"));
}

static void
test_pkexec_refused (void)
{
  g_autoptr(GError) error = start_fake_pkexec (127);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_true (g_str_has_prefix (error->message,
                                   "Authorisation to probe was refused."));
  g_assert_nonnull (strstr (error->message, "setcap cap_net_raw+ep"));
  g_assert_nonnull (strstr (error->message,
                            "io.github.hopscope.Hopscope.probe"));
}

/* A fake helper: it answers check-support (udp badly), writes garbage
 * between its replies, and answers each probe by its time-to-live. */
static const char garbage_helper[] =
  "#!/bin/sh\n"
  "echo 'garbage before anything'\n"
  "echo\n"
  "while read -r token command rest; do\n"
  "  case \"$command\" in\n"
  "  check-support)\n"
  "    feature=${rest##* }\n"
  "    case \"$feature\" in\n"
  "    version) echo \"$token feature-support support 9.9\" ;;\n"
  "    socket-kind) echo \"$token feature-support support datagram\" ;;\n"
  "    probe-rate) echo \"$token feature-support support 25\" ;;\n"
  "    udp) echo \"$token feature-support support\" ;;\n"
  "    *) echo \"$token feature-support support ok\" ;;\n"
  "    esac\n"
  "    continue ;;\n"
  "  esac\n"
  "  set -- $rest\n"
  "  ttl=0\n"
  "  while [ $# -gt 1 ]; do\n"
  "    if [ \"$1\" = ttl ]; then ttl=$2; fi\n"
  "    shift 2\n"
  "  done\n"
  "  echo 'not a reply'\n"
  "  echo \"$token\"\n"
  "  echo \"-1 reply ip-4 203.0.113.1 round-trip-time 1\"\n"
  "  echo \"99999999999 reply ip-4 203.0.113.1 round-trip-time 1\"\n"
  "  echo \"0 command-parse-error\"\n"
  "  echo \" $token reply ip-4 203.0.113.1 round-trip-time 1\"\n"
  "  echo \"$((token + 100000)) reply ip-4 203.0.113.1 round-trip-time 1\"\n"
  "  printf '\\377\\376 \\001\\n'\n"
  "  case $ttl in\n"
  "  1) echo \"$token ttl-expired ip-4 203.0.113.1 round-trip-time 1500\" ;;\n"
  "  2) echo \"$token reply ip-4 not-an-address round-trip-time 5\"\n"
  "     echo \"$token reply ip-4 198.51.100.10 round-trip-time 5\" ;;\n"
  "  3) echo \"$token ttl-expired ip-4 203.0.113.3 round-trip-time 3"
  " round-trip-time 4\" ;;\n"
  "  4) echo \"$token no-reply extra\" ;;\n"
  "  5) echo \"$token probes-exhausted\" ;;\n"
  "  6) echo \"$token packet-too-big ip-4 203.0.113.6 round-trip-time 10"
  " mtu 1400\" ;;\n"
  "  7) echo \"$token ttl-expired ip-4 203.0.113.7 round-trip-time 70"
  " mpls 16005,0,1,1,17,0\" ;;\n"
  "  8) echo \"$token ttl-expired ip-4 203.0.113.8 round-trip-time 80"
  " mpls 16005,0,1,1\" ;;\n"
  "  9) echo \"$token reply ip-6 203.0.113.9 round-trip-time 90\" ;;\n"
  "  10) echo \"$token no-route-host\" ;;\n"
  "  11) echo \"$token no-route-network ip-4 203.0.113.11"
  " round-trip-time 110\" ;;\n"
  "  12) echo \"$token unexpected-error errno 97\" ;;\n"
  "  *) echo \"$token no-reply\" ;;\n"
  "  esac\n"
  "done\n";

static void
test_malformed_replies (void)
{
  g_autoptr(HsProbeClient) client = NULL;
  ProbeResult results[13] = { 0 };

  client = start_fake_helper ("hs-c2-garbage", garbage_helper);

  g_assert_cmpstr (hs_probe_client_get_version (client), ==, "9.9");
  g_assert_cmpint (hs_probe_client_get_route (client), ==,
                   HS_HELPER_ROUTE_ROOT);
  g_assert_cmpuint (hs_probe_client_get_probe_rate (client), ==, 25);
  g_assert_true (hs_probe_client_supports (client, HS_PROTOCOL_ICMP));
  g_assert_false (hs_probe_client_supports (client, HS_PROTOCOL_UDP));

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    results[i].ttl = i + 1;
  probe_and_wait (client, results, G_N_ELEMENTS (results), 1);

  g_assert_cmpint (results[0].outcome, ==, HS_PROBE_OUTCOME_TTL_EXPIRED);
  g_assert_cmpstr (results[0].responder, ==, "203.0.113.1");
  g_assert_cmpint (results[0].round_trip_us, ==, 1500);

  /* Malformed replies end their probe with an error of their own. */
  for (guint i = 1; i <= 3; i++)
    {
      g_assert_cmpint (results[i].outcome, ==, HS_PROBE_OUTCOME_ERROR);
      g_assert_cmpstr (results[i].word, ==, "invalid-reply");
      g_assert_null (results[i].responder);
    }

  g_assert_cmpint (results[4].outcome, ==, HS_PROBE_OUTCOME_ERROR);
  g_assert_cmpstr (results[4].word, ==, "probes-exhausted");

  g_assert_cmpint (results[5].outcome, ==, HS_PROBE_OUTCOME_TOO_BIG);
  g_assert_cmpuint (results[5].mtu, ==, 1400);
  g_assert_cmpstr (results[5].responder, ==, "203.0.113.6");

  g_assert_cmpstr (results[6].word, ==, "invalid-reply");

  g_assert_cmpint (results[7].outcome, ==, HS_PROBE_OUTCOME_TTL_EXPIRED);
  g_assert_cmpstr (results[7].mpls, ==, "16005,0,1,1");
  g_assert_cmpint (results[7].round_trip_us, ==, 80);

  g_assert_cmpstr (results[8].word, ==, "invalid-reply");

  /* An unreachable error that names no router is the helper's own. */
  g_assert_cmpint (results[9].outcome, ==, HS_PROBE_OUTCOME_ERROR);
  g_assert_cmpstr (results[9].word, ==, "no-route-host");
  g_assert_cmpint (results[10].outcome, ==, HS_PROBE_OUTCOME_UNREACHABLE);
  g_assert_cmpstr (results[10].responder, ==, "203.0.113.11");

  g_assert_cmpint (results[11].outcome, ==, HS_PROBE_OUTCOME_ERROR);
  g_assert_cmpstr (results[11].word, ==, "unexpected-error");

  g_assert_cmpint (results[12].outcome, ==, HS_PROBE_OUTCOME_NO_REPLY);
  g_assert_cmpint (results[12].round_trip_us, ==, -1);

  /* The late reply to the second probe reached nobody, and the client
   * still works. */
  run_for (100);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_assert_cmpuint (results[i].calls, ==, 1);
      probe_result_clear (&results[i]);
    }
  g_assert_true (hs_probe_client_is_running (client));
}

/* A helper that answers check-support, then never reads again: the
 * client's writes must not block the main loop, and stop() must kill it. */
static const char deaf_helper[] =
  "#!/bin/sh\n"
  "for i in 1 2 3 4 5 6; do\n"
  "  read -r token rest\n"
  "  echo \"$token feature-support support ok\"\n"
  "done\n"
  "exec sleep 60\n";

static void
test_stop_deaf_helper (void)
{
  g_autoptr(HsProbeClient) client = NULL;
  g_autofree ProbeResult *results = g_new0 (ProbeResult, 5000);
  gboolean ticked = FALSE;
  gint64 start = 0;
  GPid pid = 0;

  client = start_fake_helper ("hs-c2-deaf", deaf_helper);

  /* Far more than a pipe holds. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 5000; i++)
    g_assert_cmpuint (send_icmp (client, 1, 10, &results[i]), >, 0);
  g_timeout_add (50, on_timeout_set_flag, &ticked);
  g_assert_true (run_until (&ticked, 1000));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);

  /* The helper is sleep(1) now: it does not notice that stop() closes
   * its input, so stop() has to kill it. */
  pid = helper_pid (client);
  g_assert_cmpint (pid, >, 0);

  start = g_get_monotonic_time ();
  hs_probe_client_stop (client);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 10);
  g_clear_object (&client);

  /* GLib reaps the helper once it is killed. */
  g_assert_true (wait_for_exit (pid, 4000));

  for (guint i = 0; i < 5000; i++)
    g_assert_cmpuint (results[i].calls, ==, 0);
}

/* The probes in flight when stop() is called never call back. */
static void
test_stop_in_flight (void)
{
  g_autoptr(HsProbeClient) client = start_helper ();
  ProbeResult results[10] = { 0 };
  ExitedResult exited = { 0 };

  g_signal_connect (client, "exited", G_CALLBACK (on_client_exited),
                    &exited);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    g_assert_cmpuint (send_icmp (client, n_hops () + 1, 2, &results[i]), >,
                      0);
  run_for (1);
  hs_probe_client_stop (client);
  run_for (300);

  g_assert_cmpuint (exited.count, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    g_assert_cmpuint (results[i].calls, ==, 0);
}

/* Dropping the last reference to a running client returns at once; the
 * helper, its input closed and its output no longer read, leaves. */
static void
test_finalize_running (void)
{
  g_autoptr(HsProbeClient) client = start_helper ();
  ProbeResult results[10] = { 0 };
  gint64 start = 0;
  GPid pid = helper_pid (client);

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    g_assert_cmpuint (send_icmp (client, n_hops () + 1, 2, &results[i]), >,
                      0);
  run_for (1);

  start = g_get_monotonic_time ();
  g_clear_object (&client);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 10);

  g_assert_true (wait_for_exit (pid, 3000));
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    g_assert_cmpuint (results[i].calls, ==, 0);
}

/* A start cancelled before the helper answered fails as cancelled, which
 * is no error to show, and leaves no helper behind. */
static void
test_cancel_start (void)
{
  const char *argv[] = { path.helper, NULL };
  g_autoptr(HsProbeClient) client = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  StartResult start = { 0 };
  GPid pid = 0;

  client = hs_probe_client_new (argv, HS_HELPER_ROUTE_UNKNOWN);
  hs_probe_client_start_async (client, cancellable, on_client_started,
                               &start);
  pid = helper_pid (client);
  g_cancellable_cancel (cancellable);

  g_assert_true (run_until (&start.done, 5000));
  g_assert_false (start.ok);
  g_assert_error (start.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&start.error);
  g_assert_false (hs_probe_client_is_running (client));
  g_assert_true (wait_for_exit (pid, 3000));
}

static void
test_silent_hop (void)
{
  g_autoptr(HsProbeClient) client = start_helper ();
  ProbeResult results[2] = { { .ttl = path.silent_ttl - 1 },
                             { .ttl = path.silent_ttl } };
  gint64 sent_at = g_get_monotonic_time ();
  gint64 waited_us = 0;

  g_assert_cmpuint (path.silent_ttl, >, 1);

  probe_and_wait (client, results, G_N_ELEMENTS (results), 1);

  assert_path_reply (&results[0], results[0].ttl, TRUE);

  g_assert_cmpint (results[1].outcome, ==, HS_PROBE_OUTCOME_NO_REPLY);
  g_assert_cmpstr (results[1].word, ==, "no-reply");
  g_assert_null (results[1].responder);
  g_assert_cmpint (results[1].round_trip_us, ==, -1);
  waited_us = results[1].answered_at - sent_at;
  g_test_message ("no-reply after %" G_GINT64_FORMAT " us", waited_us);
  g_assert_cmpint (waited_us, >=, G_USEC_PER_SEC);
  g_assert_cmpint (waited_us, <, 2 * G_USEC_PER_SEC);

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    probe_result_clear (&results[i]);
}

static void
read_path (void)
{
  const char *delays = g_getenv ("HOPSCOPE_TEST_DELAYS");
  const char *mpls = g_getenv ("HOPSCOPE_TEST_MPLS");
  const char *silent = g_getenv ("HOPSCOPE_TEST_SILENT_TTL");
  g_auto(GStrv) fields = NULL;
  g_autoptr(GError) error = NULL;

  path.helper = g_strdup (g_getenv ("HOPSCOPE_PROBE"));
  path.target_text = g_strdup (g_getenv ("HOPSCOPE_TEST_TARGET"));
  g_assert_nonnull (path.helper);
  g_assert_nonnull (path.target_text);
  g_assert_nonnull (delays);
  path.target = g_inet_address_new_from_string (path.target_text);
  g_assert_nonnull (path.target);

  path.delays_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  fields = g_strsplit (delays, ",", -1);
  for (guint i = 0; fields[i] != NULL; i++)
    {
      gint64 delay_us = (gint64) (g_ascii_strtod (fields[i], NULL) * 1000);

      g_array_append_val (path.delays_us, delay_us);
    }
  g_assert_cmpuint (path.delays_us->len, >=, 2);

  if (mpls != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (mpls, "=", 2);

      path.mpls_ttl = (guint) g_ascii_strtoull (parts[0], NULL, 10);
      path.mpls = g_strdup (parts[1]);
    }
  if (silent != NULL)
    path.silent_ttl = (guint) g_ascii_strtoull (silent, NULL, 10);
  path.unprivileged = g_strcmp0 (g_getenv ("HOPSCOPE_TEST_ROUTE"),
                                 "unprivileged") == 0;

  path.scratch = g_dir_make_tmp ("hs-c2-client-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
remove_scratch (void)
{
  g_autoptr(GDir) dir = g_dir_open (path.scratch, 0, NULL);
  const char *name = NULL;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path.scratch, name, NULL);

      g_unlink (file);
    }
  g_rmdir (path.scratch);
}

int
main (int argc,
      char **argv)
{
  const char *kind = NULL;
  int status = 0;

  g_test_init (&argc, &argv, NULL);
  read_path ();

  kind = g_getenv ("HOPSCOPE_TEST_PATH");
  if (g_strcmp0 (kind, "silent") == 0)
    {
      g_test_add_func ("/Hopscope/ProbeClient/silent-hop", test_silent_hop);
    }
  else if (path.unprivileged)
    {
      g_assert_cmpstr (kind, ==, "full");
      g_test_add_func ("/Hopscope/ProbeClient/unprivileged/start",
                       test_start);
      g_test_add_func ("/Hopscope/ProbeClient/unprivileged/path", test_path);
    }
  else
    {
      g_assert_cmpstr (kind, ==, "full");
      g_test_add_func ("/Hopscope/ProbeClient/start", test_start);
      g_test_add_func ("/Hopscope/ProbeClient/path", test_path);
      g_test_add_func ("/Hopscope/ProbeClient/mpls", test_mpls);
      g_test_add_func ("/Hopscope/ProbeClient/many-in-flight",
                       test_many_in_flight);
      g_test_add_func ("/Hopscope/ProbeClient/read-delay", test_read_delay);
      g_test_add_func ("/Hopscope/ProbeClient/killed", test_killed);
      g_test_add_func ("/Hopscope/ProbeClient/stop-in-flight",
                       test_stop_in_flight);
      g_test_add_func ("/Hopscope/ProbeClient/finalize-running",
                       test_finalize_running);
      g_test_add_func ("/Hopscope/ProbeClient/cancel-start",
                       test_cancel_start);
      g_test_add_func ("/Hopscope/ProbeClient/missing-helper",
                       test_missing_helper);
      g_test_add_func ("/Hopscope/ProbeClient/exits-at-once",
                       test_helper_exits_at_once);
      g_test_add_func ("/Hopscope/ProbeClient/pkexec-dismissed",
                       test_pkexec_dismissed);
      g_test_add_func ("/Hopscope/ProbeClient/pkexec-refused",
                       test_pkexec_refused);
      g_test_add_func ("/Hopscope/ProbeClient/malformed-replies",
                       test_malformed_replies);
      g_test_add_func ("/Hopscope/ProbeClient/stop-deaf-helper",
                       test_stop_deaf_helper);
    }

  status = g_test_run ();
  remove_scratch ();
  return status;
}
