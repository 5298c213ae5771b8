/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gio/gio.h>

#include "hs-privacy.h"
#include "hs-trace-data.h"

/* 2026-01-01 12:00:00 UTC: a fixed start keeps every run the same. */
#define SECOND_US G_GINT64_CONSTANT (1000000)
#define BASE_US (G_GINT64_CONSTANT (1767268800) * SECOND_US)
#define N_ROUNDS 20

/* What hs_privacy_apply() writes, untranslated as the test runs. */
#define HIDDEN "hidden"

/* Private and special-use addresses, and public ones just outside each
 * range or in the documentation ranges. */
static const char * const private_addresses[] = {
  "10.0.0.1", "10.255.255.254",                 /* RFC 1918 */
  "172.16.0.1", "172.31.255.254",
  "192.168.0.1", "192.168.255.254",
  "100.64.0.1", "100.127.255.254",              /* shared, RFC 6598 */
  "169.254.0.1", "169.254.255.254",             /* link-local */
  "127.0.0.1", "127.255.255.254",               /* loopback */
  "fc00::1", "fdff:ffff::1",                    /* unique local */
  "fe80::1", "febf:ffff::1",                    /* link-local */
  "::1",                                        /* loopback */
  "::ffff:192.168.1.1",                         /* IPv4 written as IPv6 */
};

static const char * const public_addresses[] = {
  "9.255.255.255", "11.0.0.1",
  "172.15.255.254", "172.32.0.1",
  "192.167.255.254", "192.169.0.1",
  "100.63.255.254", "100.128.0.1",
  "169.253.255.254", "169.255.0.1",
  "126.255.255.254", "128.0.0.1",
  "192.0.2.1", "198.51.100.1", "203.0.113.1",
  "fbff:ffff::1", "fe00::1", "fec0::1",
  "2001:db8::1", "::2", "::ffff:192.0.2.1",
};

static GInetAddress *
new_address (const char *text)
{
  GInetAddress *address = g_inet_address_new_from_string (text);

  g_assert_nonnull (address);
  return address;
}

/* A hop at TTL answered by ADDRESS (named NAME when not NULL), with a few
 * lost probes and round trips that vary, so that every figure has a value
 * to compare. */
static void
add_hop (HsTraceData *data,
         guint ttl,
         const char *address,
         const char *name,
         gboolean is_target)
{
  g_autoptr(HsHop) hop = hs_hop_new (ttl);
  g_autoptr(GInetAddress) responder = NULL;

  if (address != NULL)
    responder = new_address (address);
  for (guint i = 0; i < N_ROUNDS; i++)
    {
      gint64 sent_us = BASE_US + i * SECOND_US;

      hs_hop_record_sent (hop);
      if (responder == NULL || (i + ttl) % 7 == 0)
        hs_hop_record_lost (hop, sent_us);
      else
        hs_hop_record_answer (hop, sent_us,
                              1000 * ttl + 37 * ((i * 13 + ttl) % 11),
                              responder, NULL, is_target);
    }
  if (responder != NULL && name != NULL)
    hs_hop_set_responder_name (hop, responder, name);

  g_list_store_append (data->hops, hop);
  data->n_hops = g_list_model_get_n_items (G_LIST_MODEL (data->hops));
}

static HsTraceData *
new_data (const char *target,
          const char *address)
{
  HsTraceData *data = hs_trace_data_new ();

  g_free (data->options.target);
  data->options.target = g_strdup (target);
  data->address = g_strdup (address);
  data->local_name = g_strdup ("workstation.example");
  data->version = g_strdup ("0.1.0");
  data->route = HS_HELPER_ROUTE_CAPABILITY;
  data->started_us = BASE_US;
  data->finished_us = BASE_US + N_ROUNDS * SECOND_US;
  data->rounds = N_ROUNDS;

  return data;
}

static HsHop *
get_hop (const HsTraceData *data,
         guint index)
{
  g_autoptr(HsHop) hop = g_list_model_get_item (G_LIST_MODEL (data->hops),
                                                index);

  return hop;
}

/* Whether the only responder of hop INDEX reads as hidden. */
static gboolean
is_hidden (const HsTraceData *data,
           guint index)
{
  HsHop *hop = get_hop (data, index);
  const HsResponder *responder = NULL;

  g_assert_cmpuint (hs_hop_get_n_responders (hop), ==, 1);
  responder = hs_hop_get_responder (hop, 0);
  if (g_strcmp0 (responder->name, HIDDEN) != 0)
    return FALSE;

  /* The address must be gone too, not only covered by the name. */
  g_assert_true (g_inet_address_get_is_any (responder->address));
  return TRUE;
}

/* Every figure, responder count and probe of BEFORE's hops is the same in
 * AFTER. */
static void
assert_same_figures (const HsTraceData *before,
                     const HsTraceData *after)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (before->hops));

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (after->hops)),
                    ==, n_items);
  g_assert_cmpuint (after->n_hops, ==, before->n_hops);
  g_assert_cmpuint (after->rounds, ==, before->rounds);
  g_assert_cmpint (after->started_us, ==, before->started_us);
  g_assert_cmpint (after->finished_us, ==, before->finished_us);
  g_assert_cmpint (after->range_from_us, ==, before->range_from_us);
  g_assert_cmpint (after->range_to_us, ==, before->range_to_us);
  g_assert_cmpint (after->options.protocol, ==, before->options.protocol);
  g_assert_cmpint (after->route, ==, before->route);

  for (guint i = 0; i < n_items; i++)
    {
      HsHop *a = get_hop (before, i);
      HsHop *b = get_hop (after, i);
      const HsHopStats *sa = hs_hop_get_stats (a);
      const HsHopStats *sb = hs_hop_get_stats (b);
      HsHistory *ha = hs_hop_get_history (a);
      HsHistory *hb = hs_hop_get_history (b);

      g_assert_cmpuint (hs_hop_get_ttl (b), ==, hs_hop_get_ttl (a));
      g_assert_cmpuint (sb->sent, ==, sa->sent);
      g_assert_cmpuint (sb->answered, ==, sa->answered);
      g_assert_cmpuint (sb->lost, ==, sa->lost);
      g_assert_cmpint (sb->last_us, ==, sa->last_us);
      g_assert_cmpint (sb->best_us, ==, sa->best_us);
      g_assert_cmpint (sb->worst_us, ==, sa->worst_us);
      g_assert_cmpfloat_with_epsilon (sb->mean_us, sa->mean_us, 1e-9);
      g_assert_cmpfloat_with_epsilon (hs_hop_stats_get_deviation_us (sb),
                                      hs_hop_stats_get_deviation_us (sa),
                                      1e-9);
      g_assert_cmpfloat_with_epsilon (sb->jitter_mean_us, sa->jitter_mean_us,
                                      1e-9);
      g_assert_cmpint (sb->jitter_worst_us, ==, sa->jitter_worst_us);
      g_assert_true (hs_hop_is_target (b) == hs_hop_is_target (a));

      g_assert_cmpuint (hs_hop_get_n_responders (b), ==,
                        hs_hop_get_n_responders (a));
      for (guint r = 0; r < hs_hop_get_n_responders (a); r++)
        {
          g_assert_cmpuint (hs_hop_get_responder (b, r)->answers, ==,
                            hs_hop_get_responder (a, r)->answers);
          g_assert_cmpfloat_with_epsilon (hs_hop_get_responder_share (b, r),
                                          hs_hop_get_responder_share (a, r),
                                          1e-9);
        }

      g_assert_cmpuint (hs_history_get_length (hb), ==,
                        hs_history_get_length (ha));
      for (guint p = 0; p < hs_history_get_length (ha); p++)
        {
          const HsProbeRecord *ra = hs_history_get (ha, p);
          const HsProbeRecord *rb = hs_history_get (hb, p);

          g_assert_cmpint (rb->sent_us, ==, ra->sent_us);
          g_assert_cmpint (rb->round_trip_us, ==, ra->round_trip_us);
          g_assert_cmpuint (rb->responder, ==, ra->responder);
          g_assert_cmpuint (rb->flags, ==, ra->flags);
        }
    }
}

static void
test_is_private (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (private_addresses); i++)
    {
      g_autoptr(GInetAddress) address = new_address (private_addresses[i]);

      if (!hs_privacy_is_private (address))
        g_error ("%s should count as private", private_addresses[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (public_addresses); i++)
    {
      g_autoptr(GInetAddress) address = new_address (public_addresses[i]);

      if (hs_privacy_is_private (address))
        g_error ("%s should count as public", public_addresses[i]);
    }
}

static void
test_is_empty (void)
{
  HsPrivacy privacy = { FALSE, FALSE, 0 };

  g_assert_true (hs_privacy_is_empty (&privacy));
  privacy.hide_private = TRUE;
  g_assert_false (hs_privacy_is_empty (&privacy));
  privacy = (HsPrivacy) { FALSE, TRUE, 0 };
  g_assert_false (hs_privacy_is_empty (&privacy));
  privacy = (HsPrivacy) { FALSE, FALSE, 2 };
  g_assert_false (hs_privacy_is_empty (&privacy));
}

/* One hop an address, private and public ones in turn: hide_private hides
 * exactly the private ones, their names with them, and keeps the figures
 * and everything else. */
static void
test_hide_private (void)
{
  g_autoptr(HsTraceData) data = new_data ("192.0.2.99", "192.0.2.99");
  g_autoptr(HsTraceData) hidden = NULL;
  HsPrivacy privacy = { .hide_private = TRUE };
  guint ttl = 1;

  for (guint i = 0; i < G_N_ELEMENTS (private_addresses); i++)
    add_hop (data, ttl++, private_addresses[i], "inside.lan", FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (public_addresses); i++)
    add_hop (data, ttl++, public_addresses[i], "router.example", FALSE);

  hidden = hs_privacy_apply (data, &privacy);
  assert_same_figures (data, hidden);

  for (guint i = 0; i < G_N_ELEMENTS (private_addresses); i++)
    if (!is_hidden (hidden, i))
      g_error ("hop %u, %s, is not hidden", i + 1, private_addresses[i]);
  for (guint i = 0; i < G_N_ELEMENTS (public_addresses); i++)
    {
      guint index = G_N_ELEMENTS (private_addresses) + i;
      const HsResponder *responder =
        hs_hop_get_responder (get_hop (hidden, index), 0);
      g_autofree char *text = g_inet_address_to_string (responder->address);
      g_autoptr(GInetAddress) expected = new_address (public_addresses[i]);

      g_assert_false (is_hidden (hidden, index));
      g_assert_true (g_inet_address_equal (responder->address, expected));
      g_assert_cmpstr (responder->name, ==, "router.example");
    }

  /* A public target, and the host name without hide_own, stay. */
  g_assert_cmpstr (hidden->options.target, ==, "192.0.2.99");
  g_assert_cmpstr (hidden->address, ==, "192.0.2.99");
  g_assert_cmpstr (hidden->local_name, ==, "workstation.example");

  /* The original is untouched. */
  g_assert_false (is_hidden (data, 0));
}

/* The target hides with hide_private when it is private, whether given as
 * an address or as a name that resolved to one. */
static void
test_hide_private_target (void)
{
  HsPrivacy privacy = { .hide_private = TRUE };
  struct
  {
    const char *target;
    const char *address;
    gboolean hidden;
  } cases[] = {
    { "10.9.8.7", "10.9.8.7", TRUE },
    { "printer.lan", "192.168.7.7", TRUE },
    { "fd00::7", "fd00::7", TRUE },
    { "example.net", "203.0.113.50", FALSE },
    { "example.net", NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HsTraceData) data = new_data (cases[i].target,
                                              cases[i].address);
      g_autoptr(HsTraceData) hidden = NULL;

      add_hop (data, 1, "198.51.100.1", NULL, FALSE);
      add_hop (data, 2, cases[i].address, NULL, cases[i].address != NULL);
      hidden = hs_privacy_apply (data, &privacy);
      assert_same_figures (data, hidden);

      if (cases[i].hidden)
        {
          g_assert_cmpstr (hidden->options.target, ==, HIDDEN);
          g_assert_cmpstr (hidden->address, ==, HIDDEN);
          g_assert_true (is_hidden (hidden, 1));
        }
      else
        {
          g_assert_cmpstr (hidden->options.target, ==, cases[i].target);
          g_assert_cmpstr (hidden->address, ==, cases[i].address);
        }
      g_assert_false (is_hidden (hidden, 0));
    }
}

/* This machine's addresses, read as hs-privacy.c reads them. */
static GPtrArray *
read_own_addresses (void)
{
  GPtrArray *addresses = g_ptr_array_new_with_free_func (g_free);
  struct ifaddrs *list = NULL;

  g_assert_cmpint (getifaddrs (&list), ==, 0);
  for (struct ifaddrs *entry = list; entry != NULL; entry = entry->ifa_next)
    {
      g_autoptr(GInetAddress) address = NULL;
      const struct sockaddr_in *in = (const void *) entry->ifa_addr;
      const struct sockaddr_in6 *in6 = (const void *) entry->ifa_addr;

      if (entry->ifa_addr == NULL)
        continue;
      if (entry->ifa_addr->sa_family == AF_INET)
        address = g_inet_address_new_from_bytes
          ((const guint8 *) &in->sin_addr, G_SOCKET_FAMILY_IPV4);
      else if (entry->ifa_addr->sa_family == AF_INET6)
        address = g_inet_address_new_from_bytes
          ((const guint8 *) &in6->sin6_addr, G_SOCKET_FAMILY_IPV6);
      if (address != NULL)
        g_ptr_array_add (addresses, g_inet_address_to_string (address));
    }
  freeifaddrs (list);

  return addresses;
}

/* hide_own alone hides this machine's addresses, private or not, and its
 * host name, and keeps private addresses that are not this machine's. */
static void
test_hide_own (void)
{
  g_autoptr(GPtrArray) own = read_own_addresses ();
  g_autoptr(HsTraceData) data = new_data ("203.0.113.50", "203.0.113.50");
  g_autoptr(HsTraceData) hidden = NULL;
  HsPrivacy privacy = { .hide_own = TRUE };
  gboolean has_loopback = FALSE;
  guint ttl = 1;

  /* Loopback is up in every network namespace a test runs in. */
  for (guint i = 0; i < own->len; i++)
    has_loopback |= g_strcmp0 (own->pdata[i], "127.0.0.1") == 0;
  g_assert_true (has_loopback);

  for (guint i = 0; i < own->len; i++)
    add_hop (data, ttl++, own->pdata[i], "me.local", FALSE);
  /* Private, but not this machine's: not hide_own's to hide. */
  add_hop (data, ttl++, "10.200.200.200", NULL, FALSE);
  add_hop (data, ttl++, "203.0.113.50", NULL, TRUE);

  hidden = hs_privacy_apply (data, &privacy);
  assert_same_figures (data, hidden);

  for (guint i = 0; i < own->len; i++)
    if (!is_hidden (hidden, i))
      g_error ("this machine's %s is not hidden", (char *) own->pdata[i]);
  g_assert_false (is_hidden (hidden, own->len));
  g_assert_false (is_hidden (hidden, own->len + 1));
  g_assert_cmpstr (hidden->local_name, ==, HIDDEN);
  g_assert_cmpstr (hidden->options.target, ==, "203.0.113.50");
}

/* A trace of this machine itself, by its name or one of its addresses,
 * hides the target with hide_own. */
static void
test_hide_own_target (void)
{
  HsPrivacy privacy = { .hide_own = TRUE };
  g_autoptr(HsTraceData) by_name = new_data ("workstation.example",
                                             "192.0.2.77");
  g_autoptr(HsTraceData) by_address = new_data ("127.0.0.1", "127.0.0.1");
  g_autoptr(HsTraceData) hidden_name = NULL;
  g_autoptr(HsTraceData) hidden_address = NULL;

  add_hop (by_name, 1, "192.0.2.77", NULL, TRUE);
  add_hop (by_address, 1, "127.0.0.1", NULL, TRUE);
  hidden_name = hs_privacy_apply (by_name, &privacy);
  hidden_address = hs_privacy_apply (by_address, &privacy);

  g_assert_cmpstr (hidden_name->options.target, ==, HIDDEN);
  g_assert_cmpstr (hidden_address->options.target, ==, HIDDEN);
  g_assert_cmpstr (hidden_address->address, ==, HIDDEN);
  g_assert_true (is_hidden (hidden_address, 0));
}

/* hide_first_hops hides hops 1 to N, public or not, and no further; a
 * target among them hides too. */
static void
test_hide_first_hops (void)
{
  g_autoptr(HsTraceData) data = new_data ("example.net", "203.0.113.50");
  g_autoptr(HsTraceData) near = new_data ("198.51.100.2", "198.51.100.2");
  g_autoptr(HsTraceData) hidden = NULL;
  g_autoptr(HsTraceData) hidden_near = NULL;
  HsPrivacy privacy = { .hide_first_hops = 3 };

  add_hop (data, 1, "192.168.1.1", "gateway.lan", FALSE);
  add_hop (data, 2, "198.51.100.1", "access.isp.example", FALSE);
  add_hop (data, 3, "198.51.100.3", NULL, FALSE);
  add_hop (data, 4, "198.51.100.9", "core.isp.example", FALSE);
  add_hop (data, 5, NULL, NULL, FALSE);
  add_hop (data, 6, "203.0.113.50", NULL, TRUE);

  hidden = hs_privacy_apply (data, &privacy);
  assert_same_figures (data, hidden);
  g_assert_true (is_hidden (hidden, 0));
  g_assert_true (is_hidden (hidden, 1));
  g_assert_true (is_hidden (hidden, 2));
  g_assert_false (is_hidden (hidden, 3));
  g_assert_cmpstr (hs_hop_get_responder (get_hop (hidden, 3), 0)->name, ==,
                   "core.isp.example");
  g_assert_cmpuint (hs_hop_get_n_responders (get_hop (hidden, 4)), ==, 0);
  g_assert_false (is_hidden (hidden, 5));
  g_assert_cmpstr (hidden->options.target, ==, "example.net");
  g_assert_cmpstr (hidden->local_name, ==, "workstation.example");

  add_hop (near, 1, "198.51.100.1", NULL, FALSE);
  add_hop (near, 2, "198.51.100.2", NULL, TRUE);
  hidden_near = hs_privacy_apply (near, &privacy);
  g_assert_cmpstr (hidden_near->options.target, ==, HIDDEN);
  g_assert_cmpstr (hidden_near->address, ==, HIDDEN);
}

/* Several routers at one hop: each hides on its own, and the shares
 * stay. */
static void
test_hide_one_of_several (void)
{
  g_autoptr(HsTraceData) data = new_data ("example.net", "203.0.113.50");
  g_autoptr(HsTraceData) hidden = NULL;
  g_autoptr(HsHop) hop = hs_hop_new (1);
  g_autoptr(GInetAddress) inside = new_address ("10.0.0.1");
  g_autoptr(GInetAddress) outside = new_address ("198.51.100.1");
  HsPrivacy privacy = { .hide_private = TRUE };
  HsHop *copy = NULL;

  for (guint i = 0; i < 8; i++)
    {
      hs_hop_record_sent (hop);
      hs_hop_record_answer (hop, BASE_US + i * SECOND_US, 1000 + i,
                            i % 4 == 0 ? inside : outside, NULL, FALSE);
    }
  g_list_store_append (data->hops, hop);
  data->n_hops = 1;

  hidden = hs_privacy_apply (data, &privacy);
  assert_same_figures (data, hidden);
  copy = get_hop (hidden, 0);
  g_assert_cmpuint (hs_hop_get_n_responders (copy), ==, 2);
  g_assert_cmpstr (hs_hop_get_responder (copy, 0)->name, ==, HIDDEN);
  g_assert_true (g_inet_address_get_is_any
                   (hs_hop_get_responder (copy, 0)->address));
  g_assert_true (g_inet_address_equal
                   (hs_hop_get_responder (copy, 1)->address, outside));
  g_assert_cmpfloat_with_epsilon (hs_hop_get_responder_share (copy, 0), 25.0,
                                  1e-9);
}

/* A copy of a range keeps the range, so that every export still says
 * so; an empty choice hides nothing. */
static void
test_range_and_empty (void)
{
  g_autoptr(HsTraceData) data = new_data ("example.net", "203.0.113.50");
  g_autoptr(HsTraceData) cut = NULL;
  g_autoptr(HsTraceData) hidden_cut = NULL;
  g_autoptr(HsTraceData) same = NULL;
  HsPrivacy privacy = { .hide_private = TRUE };
  HsPrivacy nothing = { 0 };

  add_hop (data, 1, "192.168.1.1", "gateway.lan", FALSE);
  add_hop (data, 2, "203.0.113.50", NULL, TRUE);

  cut = hs_trace_data_cut (data, BASE_US + 5 * SECOND_US,
                           BASE_US + 12 * SECOND_US);
  hidden_cut = hs_privacy_apply (cut, &privacy);
  assert_same_figures (cut, hidden_cut);
  g_assert_cmpuint (hs_hop_get_stats (get_hop (hidden_cut, 0))->sent, ==, 7);
  g_assert_true (is_hidden (hidden_cut, 0));

  same = hs_privacy_apply (data, &nothing);
  assert_same_figures (data, same);
  g_assert_false (is_hidden (same, 0));
  g_assert_cmpstr (hs_hop_get_responder (get_hop (same, 0), 0)->name, ==,
                   "gateway.lan");
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Hopscope/Privacy/is-private", test_is_private);
  g_test_add_func ("/Hopscope/Privacy/is-empty", test_is_empty);
  g_test_add_func ("/Hopscope/Privacy/hide-private", test_hide_private);
  g_test_add_func ("/Hopscope/Privacy/hide-private-target",
                   test_hide_private_target);
  g_test_add_func ("/Hopscope/Privacy/hide-own", test_hide_own);
  g_test_add_func ("/Hopscope/Privacy/hide-own-target", test_hide_own_target);
  g_test_add_func ("/Hopscope/Privacy/hide-first-hops", test_hide_first_hops);
  g_test_add_func ("/Hopscope/Privacy/hide-one-of-several",
                   test_hide_one_of_several);
  g_test_add_func ("/Hopscope/Privacy/range-and-empty", test_range_and_empty);

  return g_test_run ();
}
