/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <string.h>

#include <gio/gio.h>

#include "hs-diagnosis.h"
#include "hs-report.h"

#define EPSILON 1e-6

/* The first probe's send time: 2026-12-03 20:00:00 UTC. */
#define START_US G_GINT64_CONSTANT (1796328000000000)

/* One hop of a path built by hand: PROBES probes a second apart, LOST of
 * them lost (spread evenly), the others answered by ADDRESS (NULL: nobody
 * answers) in RTT_MS minus and plus SPREAD_MS in turn. */
typedef struct
{
  const char *address;
  guint probes;
  guint lost;
  double rtt_ms;
  double spread_ms;
  gboolean target;
} HopSpec;

/* What a finding must be. */
typedef struct
{
  HsFindingKind kind;
  guint ttl;
  double loss_percent;
  double before_ms;
  double after_ms;
  gint64 changed_us;
} Expected;

static GInetAddress *
new_address (const char *text)
{
  GInetAddress *address = g_inet_address_new_from_string (text);

  g_assert_nonnull (address);

  return address;
}

/* Probe I of N is lost when the even spread of LOST over N says so. */
static gboolean
is_lost (guint i,
         guint n,
         guint lost)
{
  return (i + 1) * lost / n > i * lost / n;
}

static HsHop *
build_hop (guint ttl,
           const HopSpec *spec)
{
  g_autoptr(HsHop) hop = hs_hop_new (ttl);
  g_autoptr(GInetAddress) address = NULL;
  guint answers = 0;

  if (spec->address != NULL)
    address = new_address (spec->address);

  for (guint i = 0; i < spec->probes; i++)
    {
      gint64 sent_us = START_US + (gint64) i * G_USEC_PER_SEC;
      double rtt_ms = spec->rtt_ms + (answers % 2 ? spec->spread_ms
                                      : -spec->spread_ms);

      hs_hop_record_sent (hop);
      if (address == NULL || is_lost (i, spec->probes, spec->lost))
        {
          hs_hop_record_lost (hop, sent_us);
          continue;
        }

      /* Answers alternate below and above the round trip, so that an even
       * number of them has exactly that mean. */
      hs_hop_record_answer (hop, sent_us, (gint64) (rtt_ms * 1000.0 + 0.5),
                            address, NULL, spec->target);
      answers++;
    }

  return g_steal_pointer (&hop);
}

/* A trace of the hops of SPECS, from time-to-live 1, listing as many as a
 * report would. */
static HsTraceData *
build_data (const HopSpec *specs,
            guint n_specs)
{
  g_autoptr(HsTraceData) data = hs_trace_data_new ();

  for (guint i = 0; i < n_specs; i++)
    {
      g_autoptr(HsHop) hop = build_hop (i + 1, &specs[i]);

      g_list_store_append (data->hops, hop);
    }
  data->n_hops = hs_report_get_n_hops (G_LIST_MODEL (data->hops), n_specs);
  data->rounds = n_specs > 0 ? specs[0].probes : 0;

  return g_steal_pointer (&data);
}

/* Checks FINDINGS against EXPECTED, in order, figure by figure, and that
 * there is no other finding. */
static void
assert_findings (GPtrArray *findings,
                 const Expected *expected,
                 guint n_expected)
{
  for (guint i = 0; i < findings->len; i++)
    {
      const HsFinding *finding = g_ptr_array_index (findings, i);

      g_test_message ("finding %u: %s at hop %u: %s", i,
                      hs_finding_kind_to_string (finding->kind),
                      finding->ttl, finding->sentence);
    }

  g_assert_cmpuint (findings->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      const HsFinding *finding = g_ptr_array_index (findings, i);

      g_assert_cmpstr (hs_finding_kind_to_string (finding->kind), ==,
                       hs_finding_kind_to_string (expected[i].kind));
      g_assert_cmpuint (finding->ttl, ==, expected[i].ttl);
      g_assert_cmpfloat_with_epsilon (finding->loss_percent,
                                      expected[i].loss_percent, EPSILON);
      g_assert_cmpfloat_with_epsilon (finding->before_ms,
                                      expected[i].before_ms, EPSILON);
      g_assert_cmpfloat_with_epsilon (finding->after_ms,
                                      expected[i].after_ms, EPSILON);
      g_assert_cmpint (finding->changed_us, ==, expected[i].changed_us);
      g_assert_nonnull (finding->sentence);
      g_assert_cmpstr (finding->sentence, !=, "");
    }
}

static GPtrArray *
diagnose (const HopSpec *specs,
          guint n_specs)
{
  g_autoptr(HsTraceData) data = build_data (specs, n_specs);

  return hs_diagnose (data);
}

#define HEALTHY { HS_FINDING_HEALTHY, 0, -1, -1, -1, 0 }

static void
test_kind_to_string (void)
{
  g_assert_cmpstr (hs_finding_kind_to_string (HS_FINDING_LOSS_ON_PATH), ==,
                   "loss-on-path");
  g_assert_cmpstr (hs_finding_kind_to_string (HS_FINDING_RATE_LIMITED), ==,
                   "rate-limited");
  g_assert_cmpstr (hs_finding_kind_to_string (HS_FINDING_LATENCY_STEP), ==,
                   "latency-step");
  g_assert_cmpstr (hs_finding_kind_to_string (HS_FINDING_SILENT_HOP), ==,
                   "silent-hop");
  g_assert_cmpstr (hs_finding_kind_to_string (HS_FINDING_TARGET_SILENT), ==,
                   "target-silent");
  g_assert_cmpstr (hs_finding_kind_to_string (HS_FINDING_PATH_CHANGED), ==,
                   "path-changed");
  g_assert_cmpstr (hs_finding_kind_to_string (HS_FINDING_HEALTHY), ==,
                   "healthy");
}

/* Nothing measured: healthy, and the sentence says there is too little to
 * tell. */
static void
test_empty (void)
{
  g_autoptr(HsTraceData) data = hs_trace_data_new ();
  g_autoptr(GPtrArray) findings = hs_diagnose (data);
  static const Expected expected[] = { HEALTHY };
  const HsFinding *finding = NULL;

  assert_findings (findings, expected, G_N_ELEMENTS (expected));
  finding = g_ptr_array_index (findings, 0);
  g_assert_nonnull (strstr (finding->sentence, "Too few probes"));
}

static void
test_healthy (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 20, 0, 2.0, 0.2, FALSE },
    { "203.0.113.3", 20, 0, 3.0, 0.2, FALSE },
    { "198.51.100.10", 20, 0, 4.0, 0.2, TRUE },
  };
  static const Expected expected[] = { HEALTHY };
  g_autoptr(GPtrArray) findings = diagnose (specs, G_N_ELEMENTS (specs));
  const HsFinding *finding = NULL;

  assert_findings (findings, expected, G_N_ELEMENTS (expected));
  finding = g_ptr_array_index (findings, 0);
  g_assert_nonnull (strstr (finding->sentence, "No problem found"));
}

/* Loss from hop 3 on, to the target: 20% at hops 3 and 4, 25% at the
 * target. */
static void
test_loss_on_path (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 20, 0, 2.0, 0.2, FALSE },
    { "203.0.113.3", 20, 4, 3.0, 0.2, FALSE },
    { "203.0.113.4", 20, 4, 4.0, 0.2, FALSE },
    { "198.51.100.10", 20, 5, 5.0, 0.2, TRUE },
  };
  static const Expected expected[] = {
    { HS_FINDING_LOSS_ON_PATH, 3, 25.0, -1, -1, 0 },
  };
  g_autoptr(GPtrArray) findings = diagnose (specs, G_N_ELEMENTS (specs));
  const HsFinding *finding = NULL;

  assert_findings (findings, expected, G_N_ELEMENTS (expected));
  finding = g_ptr_array_index (findings, 0);
  g_assert_nonnull (strstr (finding->sentence, "hop 3 (203.0.113.3)"));
  g_assert_nonnull (strstr (finding->sentence, "25%"));
}

static void
test_rate_limited (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 20, 8, 2.0, 0.2, FALSE },
    { "203.0.113.3", 20, 0, 3.0, 0.2, FALSE },
    { "198.51.100.10", 20, 0, 4.0, 0.2, TRUE },
  };
  static const Expected expected[] = {
    { HS_FINDING_RATE_LIMITED, 2, 40.0, -1, -1, 0 },
  };
  g_autoptr(GPtrArray) findings = diagnose (specs, G_N_ELEMENTS (specs));
  const HsFinding *finding = NULL;

  assert_findings (findings, expected, G_N_ELEMENTS (expected));
  finding = g_ptr_array_index (findings, 0);
  g_assert_nonnull (strstr (finding->sentence, "hop 2 (203.0.113.2)"));
  g_assert_nonnull (strstr (finding->sentence, "40%"));
}

/* A router limiting its answers at hop 2, and loss on the path from hop 4:
 * the loss comes first. */
static void
test_rate_limited_and_loss (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 20, 12, 2.0, 0.2, FALSE },
    { "203.0.113.3", 20, 0, 3.0, 0.2, FALSE },
    { "203.0.113.4", 20, 4, 4.0, 0.2, FALSE },
    { "203.0.113.5", 20, 4, 5.0, 0.2, FALSE },
    { "198.51.100.10", 20, 4, 6.0, 0.2, TRUE },
  };
  static const Expected expected[] = {
    { HS_FINDING_LOSS_ON_PATH, 4, 20.0, -1, -1, 0 },
    { HS_FINDING_RATE_LIMITED, 2, 60.0, -1, -1, 0 },
  };
  g_autoptr(GPtrArray) findings = diagnose (specs, G_N_ELEMENTS (specs));

  assert_findings (findings, expected, G_N_ELEMENTS (expected));
}

/* Hop 2 limits its answers (60% lost) and the path loses 20% from hop 3
 * on: hop 2 loses far more than the target does, so the loss on the path
 * starts at hop 3. */
static void
test_rate_limited_before_loss (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 60, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 60, 36, 2.0, 0.2, FALSE },
    { "203.0.113.3", 60, 12, 3.0, 0.2, FALSE },
    { "198.51.100.10", 60, 12, 4.0, 0.2, TRUE },
  };
  static const Expected expected[] = {
    { HS_FINDING_LOSS_ON_PATH, 3, 20.0, -1, -1, 0 },
    { HS_FINDING_RATE_LIMITED, 2, 60.0, -1, -1, 0 },
  };
  g_autoptr(GPtrArray) findings = diagnose (specs, G_N_ELEMENTS (specs));

  assert_findings (findings, expected, G_N_ELEMENTS (expected));
}

/* Loss at the target alone, TARGET_LOST of PROBES; EXPECT_LOSS says whether
 * that is loss on the path. */
static void
check_target_loss (guint probes,
                   guint target_lost,
                   gboolean expect_loss)
{
  HopSpec specs[] = {
    { "203.0.113.1", probes, 0, 1.0, 0.2, FALSE },
    { "198.51.100.10", probes, target_lost, 2.0, 0.2, TRUE },
  };
  Expected expected[] = {
    { HS_FINDING_LOSS_ON_PATH, 2, 100.0 * target_lost / probes, -1, -1, 0 },
  };
  static const Expected healthy[] = { HEALTHY };
  g_autoptr(GPtrArray) findings = diagnose (specs, G_N_ELEMENTS (specs));

  g_test_message ("%u of %u lost at the target", target_lost, probes);
  if (expect_loss)
    assert_findings (findings, expected, G_N_ELEMENTS (expected));
  else
    assert_findings (findings, healthy, G_N_ELEMENTS (healthy));
}

/* Around each threshold: the loss that chance gives a clean path, the
 * minimum share and the minimum number of probes. */
static void
test_loss_boundaries (void)
{
  /* 5 of 100 could be 2% background loss and bad luck; 6 hardly. */
  check_target_loss (100, 5, FALSE);
  check_target_loss (100, 6, TRUE);

  /* 2 of 20 could be chance; 3 of 20 hardly. */
  check_target_loss (20, 2, FALSE);
  check_target_loss (20, 3, TRUE);

  /* 4.9% is under the minimum share, however many probes tell it. */
  check_target_loss (1000, 49, FALSE);
  check_target_loss (1000, 50, TRUE);

  /* Nine probes are too few to judge even half of them lost. */
  check_target_loss (9, 5, FALSE);
  check_target_loss (10, 5, TRUE);
}

/* With too few probes, even much loss says nothing, and the sentence says
 * why. */
static void
test_few_probes (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 6, 3, 1.0, 0.2, FALSE },
    { "198.51.100.10", 6, 3, 2.0, 0.2, TRUE },
  };
  static const Expected expected[] = { HEALTHY };
  g_autoptr(GPtrArray) findings = diagnose (specs, G_N_ELEMENTS (specs));
  const HsFinding *finding = NULL;

  assert_findings (findings, expected, G_N_ELEMENTS (expected));
  finding = g_ptr_array_index (findings, 0);
  g_assert_nonnull (strstr (finding->sentence, "Too few probes"));
}

static void
test_latency_step (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 20, 0, 2.0, 0.5, FALSE },
    { "203.0.113.3", 20, 0, 40.0, 0.5, FALSE },
    { "203.0.113.4", 20, 0, 41.0, 0.5, FALSE },
    { "198.51.100.10", 20, 0, 42.0, 0.5, TRUE },
  };
  static const Expected expected[] = {
    { HS_FINDING_LATENCY_STEP, 3, -1, 2.0, 40.0, 0 },
  };
  g_autoptr(GPtrArray) findings = diagnose (specs, G_N_ELEMENTS (specs));
  const HsFinding *finding = NULL;

  assert_findings (findings, expected, G_N_ELEMENTS (expected));
  finding = g_ptr_array_index (findings, 0);
  g_assert_nonnull (strstr (finding->sentence, "hop 3 (203.0.113.3)"));
  g_assert_nonnull (strstr (finding->sentence, "40.0 ms"));
}

/* A slow answer at one hop that the hops after it do not share, a step
 * small against the jitter and a step just under the minimum are no
 * steps. */
static void
test_latency_no_step (void)
{
  static const HopSpec spike[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 20, 0, 50.0, 0.5, FALSE },
    { "203.0.113.3", 20, 0, 3.0, 0.5, FALSE },
    { "198.51.100.10", 20, 0, 4.0, 0.5, TRUE },
  };
  static const HopSpec noisy[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 20, 0, 20.0, 5.0, FALSE },
    { "198.51.100.10", 20, 0, 21.0, 5.0, TRUE },
  };
  static const HopSpec small[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 20, 0, 10.9, 0.2, FALSE },
    { "198.51.100.10", 20, 0, 11.0, 0.2, TRUE },
  };
  static const HopSpec enough[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 20, 0, 11.1, 0.2, FALSE },
    { "198.51.100.10", 20, 0, 11.2, 0.2, TRUE },
  };
  static const Expected healthy[] = { HEALTHY };
  static const Expected step[] = {
    { HS_FINDING_LATENCY_STEP, 2, -1, 1.0, 11.1, 0 },
  };
  g_autoptr(GPtrArray) spike_findings = NULL;
  g_autoptr(GPtrArray) noisy_findings = NULL;
  g_autoptr(GPtrArray) small_findings = NULL;
  g_autoptr(GPtrArray) enough_findings = NULL;

  spike_findings = diagnose (spike, G_N_ELEMENTS (spike));
  assert_findings (spike_findings, healthy, G_N_ELEMENTS (healthy));
  noisy_findings = diagnose (noisy, G_N_ELEMENTS (noisy));
  assert_findings (noisy_findings, healthy, G_N_ELEMENTS (healthy));
  small_findings = diagnose (small, G_N_ELEMENTS (small));
  assert_findings (small_findings, healthy, G_N_ELEMENTS (healthy));
  enough_findings = diagnose (enough, G_N_ELEMENTS (enough));
  assert_findings (enough_findings, step, G_N_ELEMENTS (step));
}

/* Hop 2 never answers, the hops after it do. */
static void
test_silent_hop (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { NULL, 20, 20, 0, 0, FALSE },
    { "203.0.113.3", 20, 0, 3.0, 0.2, FALSE },
    { "198.51.100.10", 20, 0, 4.0, 0.2, TRUE },
  };
  static const Expected expected[] = {
    { HS_FINDING_SILENT_HOP, 2, -1, -1, -1, 0 },
  };
  g_autoptr(GPtrArray) findings = diagnose (specs, G_N_ELEMENTS (specs));

  assert_findings (findings, expected, G_N_ELEMENTS (expected));
}

/* A silent hop just before the target is a silent hop, not a silent
 * target. */
static void
test_silent_hop_before_target (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 20, 0, 2.0, 0.2, FALSE },
    { NULL, 20, 20, 0, 0, FALSE },
    { "198.51.100.10", 20, 0, 4.0, 0.2, TRUE },
  };
  static const Expected expected[] = {
    { HS_FINDING_SILENT_HOP, 3, -1, -1, -1, 0 },
  };
  g_autoptr(GPtrArray) findings = diagnose (specs, G_N_ELEMENTS (specs));

  assert_findings (findings, expected, G_N_ELEMENTS (expected));
}

/* The target never answers: the hops past the last one that answered are
 * all silent, and the report lists one of them. */
static void
test_target_silent (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { NULL, 20, 20, 0, 0, FALSE },
    { "203.0.113.3", 20, 0, 3.0, 0.2, FALSE },
    { NULL, 20, 20, 0, 0, FALSE },
    { NULL, 20, 20, 0, 0, FALSE },
    { NULL, 20, 20, 0, 0, FALSE },
  };
  static const Expected expected[] = {
    { HS_FINDING_TARGET_SILENT, 0, -1, -1, -1, 0 },
    { HS_FINDING_SILENT_HOP, 2, -1, -1, -1, 0 },
  };
  g_autoptr(HsTraceData) data = build_data (specs, G_N_ELEMENTS (specs));
  g_autoptr(GPtrArray) findings = hs_diagnose (data);
  const HsFinding *finding = NULL;

  g_assert_cmpuint (data->n_hops, ==, 4);
  assert_findings (findings, expected, G_N_ELEMENTS (expected));
  finding = g_ptr_array_index (findings, 0);
  g_assert_nonnull (strstr (finding->sentence, "hop 3 (203.0.113.3)"));
}

/* Adds to HOP, a second apart from FIRST on, one probe for each letter of
 * WHO: 'a' to 'd' answered by 203.0.113.1 to .4, '-' lost. */
static void
record_responders (HsHop *hop,
                   guint first,
                   const char *who)
{
  for (guint i = 0; who[i] != '\0'; i++)
    {
      gint64 sent_us = START_US + (gint64) (first + i) * G_USEC_PER_SEC;
      g_autofree char *text = NULL;
      g_autoptr(GInetAddress) address = NULL;

      hs_hop_record_sent (hop);
      if (who[i] == '-')
        {
          hs_hop_record_lost (hop, sent_us);
          continue;
        }

      text = g_strdup_printf ("203.0.113.%d", who[i] - 'a' + 1);
      address = new_address (text);
      hs_hop_record_answer (hop, sent_us, 5000, address, NULL, FALSE);
    }
}

/* A path of three hops whose hop 2 answers as WHO says (of 30 probes);
 * the others and the target answer every probe. */
static HsTraceData *
build_responders (const char *who)
{
  g_autoptr(HsTraceData) data = hs_trace_data_new ();
  g_autoptr(HsHop) first = NULL;
  g_autoptr(HsHop) second = hs_hop_new (2);
  g_autoptr(HsHop) target = NULL;
  static const HopSpec first_spec = { "203.0.113.9", 30, 0, 1, 0, FALSE };
  static const HopSpec target_spec = { "198.51.100.10", 30, 0, 5, 0, TRUE };

  g_assert_cmpuint (strlen (who), ==, 30);

  first = build_hop (1, &first_spec);
  record_responders (second, 0, who);
  target = build_hop (3, &target_spec);
  g_list_store_append (data->hops, first);
  g_list_store_append (data->hops, second);
  g_list_store_append (data->hops, target);
  data->n_hops = 3;

  return g_steal_pointer (&data);
}

static GPtrArray *
diagnose_responders (const char *who)
{
  g_autoptr(HsTraceData) data = build_responders (who);

  return hs_diagnose (data);
}

static void
test_path_changed (void)
{
  g_autoptr(GPtrArray) plain = NULL;
  g_autoptr(GPtrArray) from_ecmp = NULL;
  g_autoptr(GPtrArray) with_loss = NULL;
  const HsFinding *finding = NULL;
  Expected at_20[] = {
    { HS_FINDING_PATH_CHANGED, 2, -1, -1, -1, START_US + 20 * G_USEC_PER_SEC },
  };
  Expected at_15[] = {
    { HS_FINDING_PATH_CHANGED, 2, -1, -1, -1, START_US + 15 * G_USEC_PER_SEC },
  };

  /* One router, then another for good. */
  plain = diagnose_responders ("aaaaaaaaaaaaaaaaaaaacccccccccc");
  assert_findings (plain, at_20, G_N_ELEMENTS (at_20));
  finding = g_ptr_array_index (plain, 0);
  g_assert_nonnull (strstr (finding->sentence, "203.0.113.1 answered"));
  g_assert_nonnull (strstr (finding->sentence, "203.0.113.3 ever since"));
  g_assert_nonnull (strstr (finding->sentence, "2026-12-03 20:00:20 UTC"));

  /* Two routers behind a load balancer, then a third alone. */
  from_ecmp = diagnose_responders ("abababababababababababcccccccc");
  assert_findings (from_ecmp, (Expected[]) {
                     { HS_FINDING_PATH_CHANGED, 2, -1, -1, -1,
                       START_US + 22 * G_USEC_PER_SEC } }, 1);

  /* Lost probes around the change do not move it: it is when the new
   * router first answered. */
  with_loss = diagnose_responders ("aaaaaaaaaaaaaa-cccccccccccccc-");
  assert_findings (with_loss, at_15, G_N_ELEMENTS (at_15));
}

/* Load balancing over routers that answer all along, a router that comes
 * back, and a change with too few answers on one side are no path
 * change. */
static void
test_path_not_changed (void)
{
  static const char *cases[] = {
    "ababababababababababababababab",
    "abcdabcdabcdabcdabcdabcdabcdab",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
    "aaaaaaaaaaccccccccccaaaaaaaaaa",
    "aaaaaaaaaaaaaaaaaaaaaaaaaacccc",
    "aaaacccccccccccccccccccccccccc",
  };
  static const Expected healthy[] = { HEALTHY };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) findings = diagnose_responders (cases[i]);

      g_test_message ("responders %s", cases[i]);
      assert_findings (findings, healthy, G_N_ELEMENTS (healthy));
    }
}

/* Five answers on each side are enough. */
static void
test_path_changed_boundary (void)
{
  g_autoptr(GPtrArray) findings = NULL;

  findings = diagnose_responders ("aaaaaaaaaaaaaaaaaaaaaaaaaccccc");
  assert_findings (findings, (Expected[]) {
                     { HS_FINDING_PATH_CHANGED, 2, -1, -1, -1,
                       START_US + 25 * G_USEC_PER_SEC } }, 1);
}

/* Cut to a time range, the data speaks of that range alone: a change
 * outside it is no finding, loss outside it neither. */
static void
test_range (void)
{
  static const Expected healthy[] = { HEALTHY };
  static const Expected lossy[] = {
    { HS_FINDING_RATE_LIMITED, 2, 50.0, -1, -1, 0 },
  };
  g_autoptr(HsTraceData) data = NULL;
  g_autoptr(HsTraceData) after = NULL;
  g_autoptr(HsTraceData) before = NULL;
  g_autoptr(GPtrArray) after_findings = NULL;
  g_autoptr(GPtrArray) before_findings = NULL;

  data = build_responders ("aaaaaaaaaa-a-a-a-a-acccccccccc");
  after = hs_trace_data_cut (data, START_US + 20 * G_USEC_PER_SEC,
                             START_US + 30 * G_USEC_PER_SEC);
  after_findings = hs_diagnose (after);
  assert_findings (after_findings, healthy, G_N_ELEMENTS (healthy));

  before = hs_trace_data_cut (data, START_US + 10 * G_USEC_PER_SEC,
                              START_US + 20 * G_USEC_PER_SEC);
  before_findings = hs_diagnose (before);
  assert_findings (before_findings, lossy, G_N_ELEMENTS (lossy));
}

/* Every kind at once, in the order of importance. */
static void
test_order (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 40, 0, 1.0, 0.2, FALSE },
    { "203.0.113.2", 40, 20, 2.0, 0.2, FALSE },
    { NULL, 40, 40, 0, 0, FALSE },
    { "203.0.113.4", 40, 0, 30.0, 0.5, FALSE },
    { "203.0.113.5", 40, 8, 31.0, 0.5, FALSE },
    { "203.0.113.6", 40, 8, 32.0, 0.5, FALSE },
    { NULL, 40, 40, 0, 0, FALSE },
  };
  static const Expected expected[] = {
    { HS_FINDING_TARGET_SILENT, 0, -1, -1, -1, 0 },
    { HS_FINDING_LOSS_ON_PATH, 5, 20.0, -1, -1, 0 },
    { HS_FINDING_LATENCY_STEP, 4, -1, 2.0, 30.0, 0 },
    { HS_FINDING_RATE_LIMITED, 2, 50.0, -1, -1, 0 },
    { HS_FINDING_SILENT_HOP, 3, -1, -1, -1, 0 },
  };
  g_autoptr(GPtrArray) findings = diagnose (specs, G_N_ELEMENTS (specs));

  assert_findings (findings, expected, G_N_ELEMENTS (expected));
}

/* Only the hops the data lists are judged. */
static void
test_n_hops (void)
{
  static const HopSpec specs[] = {
    { "203.0.113.1", 20, 0, 1.0, 0.2, FALSE },
    { "198.51.100.10", 20, 0, 2.0, 0.2, TRUE },
    { "203.0.113.3", 20, 10, 50.0, 0.2, FALSE },
  };
  static const Expected expected[] = { HEALTHY };
  g_autoptr(HsTraceData) data = build_data (specs, G_N_ELEMENTS (specs));
  g_autoptr(GPtrArray) findings = NULL;

  g_assert_cmpuint (data->n_hops, ==, 2);
  findings = hs_diagnose (data);
  assert_findings (findings, expected, G_N_ELEMENTS (expected));
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Hopscope/Diagnosis/kind-to-string", test_kind_to_string);
  g_test_add_func ("/Hopscope/Diagnosis/empty", test_empty);
  g_test_add_func ("/Hopscope/Diagnosis/healthy", test_healthy);
  g_test_add_func ("/Hopscope/Diagnosis/loss-on-path", test_loss_on_path);
  g_test_add_func ("/Hopscope/Diagnosis/rate-limited", test_rate_limited);
  g_test_add_func ("/Hopscope/Diagnosis/rate-limited-and-loss",
                   test_rate_limited_and_loss);
  g_test_add_func ("/Hopscope/Diagnosis/rate-limited-before-loss",
                   test_rate_limited_before_loss);
  g_test_add_func ("/Hopscope/Diagnosis/loss-boundaries",
                   test_loss_boundaries);
  g_test_add_func ("/Hopscope/Diagnosis/few-probes", test_few_probes);
  g_test_add_func ("/Hopscope/Diagnosis/latency-step", test_latency_step);
  g_test_add_func ("/Hopscope/Diagnosis/latency-no-step",
                   test_latency_no_step);
  g_test_add_func ("/Hopscope/Diagnosis/silent-hop", test_silent_hop);
  g_test_add_func ("/Hopscope/Diagnosis/silent-hop-before-target",
                   test_silent_hop_before_target);
  g_test_add_func ("/Hopscope/Diagnosis/target-silent", test_target_silent);
  g_test_add_func ("/Hopscope/Diagnosis/path-changed", test_path_changed);
  g_test_add_func ("/Hopscope/Diagnosis/path-not-changed",
                   test_path_not_changed);
  g_test_add_func ("/Hopscope/Diagnosis/path-changed-boundary",
                   test_path_changed_boundary);
  g_test_add_func ("/Hopscope/Diagnosis/range", test_range);
  g_test_add_func ("/Hopscope/Diagnosis/order", test_order);
  g_test_add_func ("/Hopscope/Diagnosis/n-hops", test_n_hops);

  return g_test_run ();
}
