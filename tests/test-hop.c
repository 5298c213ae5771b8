/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <gio/gio.h>

#include "hs-hop.h"

#define EPSILON 1e-6

static GInetAddress *
new_address (const char *text)
{
  GInetAddress *address = g_inet_address_new_from_string (text);

  g_assert_nonnull (address);

  return address;
}

static void
on_hop_changed (HsHop *hop,
                gpointer user_data)
{
  guint *n_changed = user_data;

  (*n_changed)++;
}

static void
test_new (void)
{
  g_autoptr (HsHop) hop = hs_hop_new (7);
  const HsHopStats *stats = NULL;
  guint ttl = 0;

  g_assert_cmpuint (hs_hop_get_ttl (hop), ==, 7);
  g_object_get (hop, "ttl", &ttl, NULL);
  g_assert_cmpuint (ttl, ==, 7);

  stats = hs_hop_get_stats (hop);
  g_assert_cmpuint (stats->sent, ==, 0);
  g_assert_cmpint (stats->last_us, ==, -1);
  g_assert_cmpuint (hs_history_get_length (hs_hop_get_history (hop)), ==, 0);
  g_assert_cmpuint (hs_history_get_capacity (hs_hop_get_history (hop)), ==,
                    HS_HISTORY_DEFAULT_CAPACITY);
  g_assert_cmpuint (hs_hop_get_n_responders (hop), ==, 0);
  g_assert_null (hs_hop_get_main_responder (hop));
  g_assert_false (hs_hop_is_target (hop));
}

/* Four probes to one router: 10 ms, lost, 20 ms, 30 ms.  Each record call
 * emits "changed" once. */
static void
test_record (void)
{
  g_autoptr (HsHop) hop = hs_hop_new (3);
  g_autoptr (GInetAddress) router = new_address ("203.0.113.3");
  g_autoptr (GInetAddress) same = new_address ("203.0.113.3");
  const HsHopStats *stats = NULL;
  const HsResponder *responder = NULL;
  HsHistory *history = NULL;
  guint n_changed = 0;

  g_signal_connect (hop, "changed", G_CALLBACK (on_hop_changed), &n_changed);

  for (guint i = 0; i < 4; i++)
    hs_hop_record_sent (hop);
  g_assert_cmpuint (n_changed, ==, 4);

  /* A different object with the same address is the same responder. */
  hs_hop_record_answer (hop, 1000, 10000, router, NULL, FALSE);
  hs_hop_record_lost (hop, 2000);
  hs_hop_record_answer (hop, 3000, 20000, same, NULL, FALSE);
  hs_hop_record_answer (hop, 4000, 30000, router, NULL, FALSE);
  g_assert_cmpuint (n_changed, ==, 8);

  stats = hs_hop_get_stats (hop);
  g_assert_cmpuint (stats->sent, ==, 4);
  g_assert_cmpuint (stats->answered, ==, 3);
  g_assert_cmpuint (stats->lost, ==, 1);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_loss_percent (stats),
                                  25.0, EPSILON);
  g_assert_cmpint (stats->best_us, ==, 10000);
  g_assert_cmpint (stats->worst_us, ==, 30000);

  g_assert_cmpuint (hs_hop_get_n_responders (hop), ==, 1);
  responder = hs_hop_get_responder (hop, 0);
  g_assert_true (g_inet_address_equal (responder->address, router));
  g_assert_cmpuint (responder->answers, ==, 3);
  g_assert_null (responder->name);
  g_assert_null (responder->mpls);
  g_assert_true (hs_hop_get_main_responder (hop) == responder);
  g_assert_cmpfloat_with_epsilon (hs_hop_get_responder_share (hop, 0),
                                  100.0, EPSILON);
  g_assert_false (hs_hop_is_target (hop));

  /* The history names responder 0 as 1; a lost probe names none. */
  history = hs_hop_get_history (hop);
  g_assert_cmpuint (hs_history_get_length (history), ==, 4);
  g_assert_cmpint (hs_history_get (history, 0)->sent_us, ==, 1000);
  g_assert_cmpint (hs_history_get (history, 0)->round_trip_us, ==, 10000);
  g_assert_cmpuint (hs_history_get (history, 0)->responder, ==, 1);
  g_assert_cmpuint (hs_history_get (history, 0)->flags, ==, 0);
  g_assert_cmpint (hs_history_get (history, 1)->round_trip_us, ==,
                   HS_PROBE_LOST);
  g_assert_cmpuint (hs_history_get (history, 1)->responder, ==, 0);
  g_assert_cmpuint (hs_history_get (history, 3)->responder, ==, 1);
}

/* Two routers share the hop, answering 3:1 (load balancing): the first is
 * the main responder, with 75 % of the answers. */
static void
test_ecmp (void)
{
  g_autoptr (HsHop) hop = hs_hop_new (4);
  g_autoptr (GInetAddress) first = new_address ("203.0.113.4");
  g_autoptr (GInetAddress) second = new_address ("203.0.113.40");
  HsHistory *history = NULL;

  hs_hop_record_answer (hop, 1, 4000, first, NULL, FALSE);
  hs_hop_record_answer (hop, 2, 4100, second, NULL, FALSE);
  hs_hop_record_answer (hop, 3, 4200, first, NULL, FALSE);
  hs_hop_record_answer (hop, 4, 4300, first, NULL, FALSE);

  g_assert_cmpuint (hs_hop_get_n_responders (hop), ==, 2);
  g_assert_true (g_inet_address_equal (hs_hop_get_responder (hop, 0)->address,
                                       first));
  g_assert_true (g_inet_address_equal (hs_hop_get_responder (hop, 1)->address,
                                       second));
  g_assert_cmpuint (hs_hop_get_responder (hop, 0)->answers, ==, 3);
  g_assert_cmpuint (hs_hop_get_responder (hop, 1)->answers, ==, 1);
  g_assert_true (hs_hop_get_main_responder (hop)
                 == hs_hop_get_responder (hop, 0));
  g_assert_cmpfloat_with_epsilon (hs_hop_get_responder_share (hop, 0),
                                  75.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (hs_hop_get_responder_share (hop, 1),
                                  25.0, EPSILON);

  history = hs_hop_get_history (hop);
  g_assert_cmpuint (hs_history_get (history, 0)->responder, ==, 1);
  g_assert_cmpuint (hs_history_get (history, 1)->responder, ==, 2);
  g_assert_cmpuint (hs_history_get (history, 2)->responder, ==, 1);
  g_assert_cmpuint (hs_history_get (history, 3)->responder, ==, 1);
}

/* The main responder follows the answers: the second router overtakes the
 * first; on a tie the one seen first stays main. */
static void
test_main_responder (void)
{
  g_autoptr (HsHop) hop = hs_hop_new (5);
  g_autoptr (GInetAddress) first = new_address ("203.0.113.5");
  g_autoptr (GInetAddress) second = new_address ("203.0.113.50");

  hs_hop_record_answer (hop, 1, 5000, first, NULL, FALSE);
  hs_hop_record_answer (hop, 2, 5000, second, NULL, FALSE);
  g_assert_true (hs_hop_get_main_responder (hop)
                 == hs_hop_get_responder (hop, 0));

  hs_hop_record_answer (hop, 3, 5000, second, NULL, FALSE);
  g_assert_true (hs_hop_get_main_responder (hop)
                 == hs_hop_get_responder (hop, 1));
}

/* The target answers at the last hop, from an IPv6 address, with an MPLS
 * label stack on one answer only: the responder keeps the last answer's. */
static void
test_target_mpls (void)
{
  g_autoptr (HsHop) hop = hs_hop_new (6);
  g_autoptr (GInetAddress) target = new_address ("2001:db8::10");
  g_autoptr (GInetAddress) same = new_address ("2001:db8:0:0::10");
  HsHistory *history = NULL;

  hs_hop_record_answer (hop, 1, 900, target, "100,0,1,1", TRUE);
  g_assert_true (hs_hop_is_target (hop));
  g_assert_cmpstr (hs_hop_get_responder (hop, 0)->mpls, ==, "100,0,1,1");

  hs_hop_record_answer (hop, 2, 950, same, NULL, FALSE);
  g_assert_true (hs_hop_is_target (hop));
  g_assert_cmpuint (hs_hop_get_n_responders (hop), ==, 1);
  g_assert_null (hs_hop_get_responder (hop, 0)->mpls);

  hs_hop_record_answer (hop, 3, 990, target, "200,0,1,255,300,0,1,255",
                        TRUE);
  g_assert_cmpstr (hs_hop_get_responder (hop, 0)->mpls, ==,
                   "200,0,1,255,300,0,1,255");

  history = hs_hop_get_history (hop);
  g_assert_cmpuint (hs_history_get (history, 0)->flags, ==,
                    HS_PROBE_RECORD_TARGET_REPLY);
  g_assert_cmpuint (hs_history_get (history, 1)->flags, ==, 0);
  g_assert_cmpuint (hs_history_get (history, 2)->flags, ==,
                    HS_PROBE_RECORD_TARGET_REPLY);
}

/* An answer that names no address counts, but names no responder. */
static void
test_no_responder (void)
{
  g_autoptr (HsHop) hop = hs_hop_new (2);

  hs_hop_record_answer (hop, 1, 1500, NULL, NULL, FALSE);

  g_assert_cmpuint (hs_hop_get_stats (hop)->answered, ==, 1);
  g_assert_cmpuint (hs_hop_get_n_responders (hop), ==, 0);
  g_assert_null (hs_hop_get_main_responder (hop));
  g_assert_cmpuint (hs_history_get (hs_hop_get_history (hop), 0)->responder,
                    ==, 0);
}

static void
test_responder_name (void)
{
  g_autoptr (HsHop) hop = hs_hop_new (1);
  g_autoptr (GInetAddress) router = new_address ("203.0.113.1");
  g_autoptr (GInetAddress) same = new_address ("203.0.113.1");
  g_autoptr (GInetAddress) stranger = new_address ("203.0.113.99");
  guint n_changed = 0;

  hs_hop_record_answer (hop, 1, 800, router, NULL, FALSE);
  g_signal_connect (hop, "changed", G_CALLBACK (on_hop_changed), &n_changed);

  hs_hop_set_responder_name (hop, same, "gateway.example");
  g_assert_cmpstr (hs_hop_get_responder (hop, 0)->name, ==, "gateway.example");
  g_assert_cmpuint (n_changed, ==, 1);

  /* An address that never answered here changes nothing, but still tells. */
  hs_hop_set_responder_name (hop, stranger, "elsewhere.example");
  g_assert_cmpuint (hs_hop_get_n_responders (hop), ==, 1);
  g_assert_cmpstr (hs_hop_get_responder (hop, 0)->name, ==, "gateway.example");
  g_assert_cmpuint (n_changed, ==, 2);

  /* A lookup that found no name leaves none. */
  hs_hop_set_responder_name (hop, router, NULL);
  g_assert_null (hs_hop_get_responder (hop, 0)->name);
  g_assert_cmpuint (n_changed, ==, 3);
}

static void
test_reset (void)
{
  g_autoptr (HsHop) hop = hs_hop_new (9);
  g_autoptr (GInetAddress) first = new_address ("203.0.113.9");
  g_autoptr (GInetAddress) second = new_address ("203.0.113.90");
  const HsHopStats *stats = NULL;
  guint n_changed = 0;

  hs_hop_record_sent (hop);
  hs_hop_record_sent (hop);
  hs_hop_record_answer (hop, 1, 9000, first, "100,0,1,1", TRUE);
  hs_hop_record_lost (hop, 2);
  hs_hop_set_responder_name (hop, first, "router.example");
  g_signal_connect (hop, "changed", G_CALLBACK (on_hop_changed), &n_changed);

  hs_hop_reset (hop);
  g_assert_cmpuint (n_changed, ==, 1);

  stats = hs_hop_get_stats (hop);
  g_assert_cmpuint (hs_hop_get_ttl (hop), ==, 9);
  g_assert_cmpuint (stats->sent, ==, 0);
  g_assert_cmpuint (stats->answered, ==, 0);
  g_assert_cmpuint (stats->lost, ==, 0);
  g_assert_cmpint (stats->last_us, ==, -1);
  g_assert_cmpfloat (hs_hop_stats_get_loss_percent (stats), ==, 0.0);
  g_assert_cmpuint (hs_history_get_length (hs_hop_get_history (hop)), ==, 0);
  g_assert_cmpuint (hs_hop_get_n_responders (hop), ==, 0);
  g_assert_null (hs_hop_get_main_responder (hop));
  g_assert_false (hs_hop_is_target (hop));

  /* After a reset the responders are numbered afresh. */
  hs_hop_record_sent (hop);
  hs_hop_record_answer (hop, 3, 9100, second, NULL, FALSE);
  g_assert_cmpuint (hs_hop_get_n_responders (hop), ==, 1);
  g_assert_true (g_inet_address_equal (hs_hop_get_responder (hop, 0)->address,
                                       second));
  g_assert_cmpuint (hs_history_get (hs_hop_get_history (hop), 0)->responder,
                    ==, 1);
  g_assert_cmpint (hs_hop_get_stats (hop)->jitter_last_us, ==, 0);
  g_assert_cmpuint (n_changed, ==, 3);
}

/* A range keeps its own probes only, and counts them as the hop did: ten
 * probes a second apart, answered by two routers in turn, the fourth and
 * the seventh lost; the range [3 s, 7 s) holds probes 3 to 6. */
static void
test_copy_range (void)
{
  g_autoptr(HsHop) hop = hs_hop_new (4);
  g_autoptr(HsHop) copy = NULL;
  g_autoptr(HsHop) all = NULL;
  g_autoptr(HsHop) empty = NULL;
  g_autoptr(GInetAddress) first = new_address ("203.0.113.4");
  g_autoptr(GInetAddress) second = new_address ("203.0.113.44");
  const HsHopStats *stats = NULL;

  for (gint64 i = 0; i < 10; i++)
    {
      hs_hop_record_sent (hop);
      if (i == 3 || i == 6)
        hs_hop_record_lost (hop, i * G_USEC_PER_SEC);
      else
        hs_hop_record_answer (hop, i * G_USEC_PER_SEC, 1000 * (i + 1),
                              i % 2 ? first : second,
                              i == 9 ? "16005,0,1,1" : NULL, FALSE);
    }
  hs_hop_set_responder_name (hop, first, "r4.example.net");

  copy = hs_hop_copy_range (hop, 3 * G_USEC_PER_SEC, 7 * G_USEC_PER_SEC);
  stats = hs_hop_get_stats (copy);
  g_assert_cmpuint (hs_hop_get_ttl (copy), ==, 4);
  g_assert_cmpuint (stats->sent, ==, 4);
  g_assert_cmpuint (stats->answered, ==, 2);
  g_assert_cmpuint (stats->lost, ==, 2);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_loss_percent (stats),
                                  50.0, EPSILON);
  g_assert_cmpint (stats->best_us, ==, 5000);
  g_assert_cmpint (stats->worst_us, ==, 6000);
  g_assert_cmpint (stats->last_us, ==, 6000);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_mean_us (stats), 5500.0,
                                  EPSILON);
  g_assert_cmpuint (hs_history_get_length (hs_hop_get_history (copy)), ==, 4);

  /* Probe 4 (second router) and probe 5 (first) answered: numbered in the
   * order the range saw them, each with its name and labels. */
  g_assert_cmpuint (hs_hop_get_n_responders (copy), ==, 2);
  g_assert_true (g_inet_address_equal (hs_hop_get_responder (copy, 0)->address,
                                       second));
  g_assert_cmpuint (hs_hop_get_responder (copy, 0)->answers, ==, 1);
  g_assert_cmpstr (hs_hop_get_responder (copy, 1)->name, ==,
                   "r4.example.net");
  g_assert_cmpstr (hs_hop_get_responder (copy, 1)->mpls, ==, "16005,0,1,1");
  g_assert_cmpuint (hs_history_get (hs_hop_get_history (copy), 1)->responder,
                    ==, 1);
  g_assert_cmpuint (hs_history_get (hs_hop_get_history (copy), 2)->responder,
                    ==, 2);

  /* The whole range gives the hop's own figures back. */
  all = hs_hop_copy_range (hop, 0, G_MAXINT64);
  g_assert_cmpuint (hs_hop_get_stats (all)->sent, ==, 10);
  g_assert_cmpuint (hs_hop_get_stats (all)->lost, ==, 2);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_mean_us
                                    (hs_hop_get_stats (all)),
                                  hs_hop_stats_get_mean_us
                                    (hs_hop_get_stats (hop)), EPSILON);
  g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_deviation_us
                                    (hs_hop_get_stats (all)),
                                  hs_hop_stats_get_deviation_us
                                    (hs_hop_get_stats (hop)), EPSILON);

  empty = hs_hop_copy_range (hop, 20 * G_USEC_PER_SEC, 30 * G_USEC_PER_SEC);
  g_assert_cmpuint (hs_hop_get_stats (empty)->sent, ==, 0);
  g_assert_cmpuint (hs_hop_get_n_responders (empty), ==, 0);
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Hopscope/Hop/new", test_new);
  g_test_add_func ("/Hopscope/Hop/record", test_record);
  g_test_add_func ("/Hopscope/Hop/ecmp", test_ecmp);
  g_test_add_func ("/Hopscope/Hop/main-responder", test_main_responder);
  g_test_add_func ("/Hopscope/Hop/target-mpls", test_target_mpls);
  g_test_add_func ("/Hopscope/Hop/no-responder", test_no_responder);
  g_test_add_func ("/Hopscope/Hop/responder-name", test_responder_name);
  g_test_add_func ("/Hopscope/Hop/reset", test_reset);
  g_test_add_func ("/Hopscope/Hop/copy-range", test_copy_range);

  return g_test_run ();
}
