/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib.h>
#include <unistd.h>

#include "hs-history.h"

#define MEBIBYTE (1024.0 * 1024.0)

static HsProbeRecord
make_record (gint64 sent_us)
{
  return (HsProbeRecord) {
    .sent_us = sent_us,
    .round_trip_us = (gint32) (sent_us % 1000),
    .responder = (guint16) (sent_us % 7),
  };
}

static void
append_sent (HsHistory *history,
             gint64 sent_us)
{
  HsProbeRecord record = make_record (sent_us);

  hs_history_append (history, &record);
}

/* The resident memory of this process in bytes, as the kernel counts it. */
static gsize
get_resident_bytes (void)
{
  g_autofree char *statm = NULL;
  g_auto (GStrv) fields = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  fields = g_strsplit (statm, " ", -1);
  g_assert_cmpuint (g_strv_length (fields), >=, 2);

  return g_ascii_strtoull (fields[1], NULL, 10)
         * (gsize) sysconf (_SC_PAGESIZE);
}

static void
test_empty (void)
{
  g_autoptr (HsHistory) history = hs_history_new (10);

  g_assert_cmpuint (hs_history_get_length (history), ==, 0);
  g_assert_cmpuint (hs_history_get_capacity (history), ==, 10);
  g_assert_cmpuint (hs_history_find (history, 0), ==, 0);
  g_assert_cmpuint (hs_history_find (history, G_MININT64), ==, 0);

  /* No block until the first record: only the bookkeeping. */
  g_assert_cmpuint (hs_history_get_size (history), <, 64);
}

static void
test_append_get (void)
{
  g_autoptr (HsHistory) history = hs_history_new (10);
  const HsProbeRecord *record = NULL;
  HsProbeRecord lost = {
    .sent_us = 300,
    .round_trip_us = HS_PROBE_LOST,
    .flags = HS_PROBE_RECORD_UNREACHABLE,
  };

  append_sent (history, 100);
  append_sent (history, 200);
  hs_history_append (history, &lost);

  g_assert_cmpuint (hs_history_get_length (history), ==, 3);
  record = hs_history_get (history, 0);
  g_assert_cmpint (record->sent_us, ==, 100);
  g_assert_cmpint (record->round_trip_us, ==, 100);
  g_assert_cmpuint (record->responder, ==, 100 % 7);
  record = hs_history_get (history, 2);
  g_assert_cmpint (record->sent_us, ==, 300);
  g_assert_cmpint (record->round_trip_us, ==, HS_PROBE_LOST);
  g_assert_cmpuint (record->responder, ==, 0);
  g_assert_cmpuint (record->flags, ==, HS_PROBE_RECORD_UNREACHABLE);

  /* The first record sent at or after the time. */
  g_assert_cmpuint (hs_history_find (history, 0), ==, 0);
  g_assert_cmpuint (hs_history_find (history, 100), ==, 0);
  g_assert_cmpuint (hs_history_find (history, 101), ==, 1);
  g_assert_cmpuint (hs_history_find (history, 200), ==, 1);
  g_assert_cmpuint (hs_history_find (history, 300), ==, 2);
  g_assert_cmpuint (hs_history_find (history, 301), ==, 3);
}

/* Capacity 5, records #1 to #12: the ring went round twice and keeps
 * #8 to #12, oldest first. */
static void
test_wrap (void)
{
  g_autoptr (HsHistory) history = hs_history_new (5);

  for (gint64 i = 1; i <= 12; i++)
    append_sent (history, i);

  g_assert_cmpuint (hs_history_get_length (history), ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (hs_history_get (history, i)->sent_us, ==, 8 + i);

  /* The newest (#12) sits in slot 1 and the oldest (#8) in slot 2, so these
   * searches cross the end of the storage. */
  g_assert_cmpuint (hs_history_find (history, 0), ==, 0);
  g_assert_cmpuint (hs_history_find (history, 8), ==, 0);
  g_assert_cmpuint (hs_history_find (history, 9), ==, 1);
  g_assert_cmpuint (hs_history_find (history, 10), ==, 2);
  g_assert_cmpuint (hs_history_find (history, 11), ==, 3);
  g_assert_cmpuint (hs_history_find (history, 12), ==, 4);
  g_assert_cmpuint (hs_history_find (history, 13), ==, 5);
}

/* Capacity 1 keeps only the newest record. */
static void
test_capacity_one (void)
{
  g_autoptr (HsHistory) history = hs_history_new (1);

  append_sent (history, 1);
  append_sent (history, 2);
  append_sent (history, 3);

  g_assert_cmpuint (hs_history_get_length (history), ==, 1);
  g_assert_cmpint (hs_history_get (history, 0)->sent_us, ==, 3);
  g_assert_cmpuint (hs_history_find (history, 3), ==, 0);
  g_assert_cmpuint (hs_history_find (history, 4), ==, 1);
}

/* A capacity over two blocks, the second one cut short: 5000 records are
 * one block of 4096 and one of 904.  After 12,345 records the ring keeps
 * #7346 to #12345 and every search lands on its record. */
static void
test_wrap_blocks (void)
{
  g_autoptr (HsHistory) history = hs_history_new (5000);
  gsize bookkeeping = 0;
  gsize expected = 0;

  bookkeeping = hs_history_get_size (history);
  append_sent (history, 1);
  g_assert_cmpuint (hs_history_get_size (history), ==,
                    bookkeeping + 4096 * sizeof (HsProbeRecord));

  for (gint64 i = 2; i <= 12345; i++)
    append_sent (history, i);

  expected = bookkeeping + 5000 * sizeof (HsProbeRecord);
  g_assert_cmpuint (hs_history_get_size (history), ==, expected);
  g_assert_cmpuint (hs_history_get_length (history), ==, 5000);
  for (guint i = 0; i < 5000; i++)
    {
      const HsProbeRecord *record = hs_history_get (history, i);

      g_assert_cmpint (record->sent_us, ==, 7346 + i);
      g_assert_cmpint (record->round_trip_us, ==, (7346 + i) % 1000);
      g_assert_cmpuint (hs_history_find (history, 7346 + i), ==, i);
    }
  g_assert_cmpuint (hs_history_find (history, 7345), ==, 0);
  g_assert_cmpuint (hs_history_find (history, 12346), ==, 5000);
}

/* Records with the same send time keep the order they came in, and find
 * gives the first of them. */
static void
test_equal_times (void)
{
  g_autoptr (HsHistory) history = hs_history_new (10);
  HsProbeRecord first = { .sent_us = 50, .round_trip_us = 1 };
  HsProbeRecord second = { .sent_us = 50, .round_trip_us = 2 };

  append_sent (history, 10);
  hs_history_append (history, &first);
  hs_history_append (history, &second);
  append_sent (history, 90);

  g_assert_cmpint (hs_history_get (history, 1)->round_trip_us, ==, 1);
  g_assert_cmpint (hs_history_get (history, 2)->round_trip_us, ==, 2);
  g_assert_cmpuint (hs_history_find (history, 50), ==, 1);
  g_assert_cmpuint (hs_history_find (history, 51), ==, 3);
}

/* A probe's fate can be known after that of probes sent later (a timeout
 * takes longer than an answer): the record still goes in its send order. */
static void
test_late_record (void)
{
  g_autoptr (HsHistory) history = hs_history_new (4);

  append_sent (history, 10);
  append_sent (history, 30);
  append_sent (history, 40);
  append_sent (history, 20);

  g_assert_cmpuint (hs_history_get_length (history), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (hs_history_get (history, i)->sent_us, ==, 10 * (i + 1));
  g_assert_cmpuint (hs_history_find (history, 15), ==, 1);

  /* Full: a late record drops the oldest (#10) and goes in its place. */
  append_sent (history, 35);
  g_assert_cmpint (hs_history_get (history, 0)->sent_us, ==, 20);
  g_assert_cmpint (hs_history_get (history, 1)->sent_us, ==, 30);
  g_assert_cmpint (hs_history_get (history, 2)->sent_us, ==, 35);
  g_assert_cmpint (hs_history_get (history, 3)->sent_us, ==, 40);

  /* A record older than every one kept would be dropped at once. */
  append_sent (history, 5);
  g_assert_cmpuint (hs_history_get_length (history), ==, 4);
  g_assert_cmpint (hs_history_get (history, 0)->sent_us, ==, 20);
}

static void
test_clear (void)
{
  g_autoptr (HsHistory) history = hs_history_new (10000);
  gsize bookkeeping = 0;

  bookkeeping = hs_history_get_size (history);
  for (gint64 i = 0; i < 9000; i++)
    append_sent (history, i);
  g_assert_cmpuint (hs_history_get_size (history), >, bookkeeping);

  hs_history_clear (history);
  g_assert_cmpuint (hs_history_get_length (history), ==, 0);
  g_assert_cmpuint (hs_history_get_size (history), ==, bookkeeping);
  g_assert_cmpuint (hs_history_find (history, 0), ==, 0);

  append_sent (history, 42);
  g_assert_cmpuint (hs_history_get_length (history), ==, 1);
  g_assert_cmpint (hs_history_get (history, 0)->sent_us, ==, 42);
}

/* A full day for 30 hops: each hop at its default capacity, with a little
 * more than a day of probes so that every ring went round. */
static void
test_large (void)
{
  HsHistory *histories[30] = { NULL };
  const guint n_hops = G_N_ELEMENTS (histories);
  const guint n_records = HS_HISTORY_DEFAULT_CAPACITY + 1000;
  gsize resident_before = 0;
  gsize resident_after = 0;
  gsize resident_growth = 0;
  gsize size = 0;
  gint64 start_us = 0;
  gint64 elapsed_us = 0;

  resident_before = get_resident_bytes ();
  start_us = g_get_monotonic_time ();
  for (guint hop = 0; hop < n_hops; hop++)
    {
      histories[hop] = hs_history_new (HS_HISTORY_DEFAULT_CAPACITY);
      for (guint i = 0; i < n_records; i++)
        append_sent (histories[hop], 1000000 * (gint64) i);
    }
  elapsed_us = g_get_monotonic_time () - start_us;
  resident_after = get_resident_bytes ();
  if (resident_after > resident_before)
    resident_growth = resident_after - resident_before;

  for (guint hop = 0; hop < n_hops; hop++)
    {
      g_assert_cmpuint (hs_history_get_length (histories[hop]), ==,
                        HS_HISTORY_DEFAULT_CAPACITY);
      g_assert_cmpint (hs_history_get (histories[hop], 0)->sent_us, ==,
                       1000000 * (gint64) 1000);
      g_assert_cmpuint (hs_history_find (histories[hop], 1000000 * 50000LL),
                        ==, 50000 - 1000);
      size += hs_history_get_size (histories[hop]);
    }

  g_test_message ("%u hops x %u records: %.1f MiB held (%.2f MiB a hop), "
                  "resident memory grew %.1f MiB, %.0f ns an append",
                  n_hops, HS_HISTORY_DEFAULT_CAPACITY, size / MEBIBYTE,
                  size / MEBIBYTE / n_hops, resident_growth / MEBIBYTE,
                  1000.0 * elapsed_us / ((double) n_hops * n_records));
  g_assert_cmpuint (size, <,
                    n_hops * (HS_HISTORY_DEFAULT_CAPACITY
                              * sizeof (HsProbeRecord) + 1024));
  g_assert_cmpfloat (size / MEBIBYTE, <, 50.0);
  g_assert_cmpfloat (resident_growth / MEBIBYTE, <, 100.0);

  for (guint hop = 0; hop < n_hops; hop++)
    hs_history_free (histories[hop]);
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Hopscope/History/empty", test_empty);
  g_test_add_func ("/Hopscope/History/append-get", test_append_get);
  g_test_add_func ("/Hopscope/History/wrap", test_wrap);
  g_test_add_func ("/Hopscope/History/capacity-one", test_capacity_one);
  g_test_add_func ("/Hopscope/History/wrap-blocks", test_wrap_blocks);
  g_test_add_func ("/Hopscope/History/equal-times", test_equal_times);
  g_test_add_func ("/Hopscope/History/late-record", test_late_record);
  g_test_add_func ("/Hopscope/History/clear", test_clear);
  g_test_add_func ("/Hopscope/History/large", test_large);

  return g_test_run ();
}
