/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* A day of probes on a 30-hop path (30 hops of 86,400 probes, the most a
 * hop's history keeps) saved as a recording, compressed and plain, and
 * read back: it prints the time of each step, the file sizes and the peak
 * resident memory.  The files go to a folder of their own under the
 * temporary folder, removed at the end. */

#include <glib/gstdio.h>
#include <sys/resource.h>

#include "hs-recording.h"
#include "hs-trace-data.h"

#define N_HOPS 30
#define N_PROBES HS_HISTORY_DEFAULT_CAPACITY
#define STARTED_US G_GINT64_CONSTANT (1796319006000000)

static HsTraceData *
make_day (void)
{
  g_autoptr(HsTraceData) data = hs_trace_data_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);

  data->options.target = g_strdup ("www.example.test");
  data->address = g_strdup ("192.0.2.80");
  data->local_name = g_strdup ("desk.example.test");
  data->version = g_strdup ("0.1.0");
  data->started_us = STARTED_US;
  data->finished_us = STARTED_US + (gint64) N_PROBES * G_USEC_PER_SEC;
  data->rounds = N_PROBES;
  data->n_hops = N_HOPS;

  for (guint ttl = 1; ttl <= N_HOPS; ttl++)
    {
      g_autoptr(HsHop) hop = hs_hop_new (ttl);
      g_autoptr(GInetAddress) first = NULL;
      g_autoptr(GInetAddress) second = NULL;
      g_autofree char *first_text = g_strdup_printf ("203.0.113.%u", ttl);
      g_autofree char *second_text = g_strdup_printf ("198.51.100.%u", ttl);

      first = g_inet_address_new_from_string (first_text);
      second = g_inet_address_new_from_string (second_text);

      /* Rounds leave on a fixed schedule with a little scheduling noise;
       * one probe in fifty is lost, and every third hop has two routers
       * taking turns. */
      for (guint i = 0; i < N_PROBES; i++)
        {
          gint64 sent_us = STARTED_US + (gint64) i * G_USEC_PER_SEC
                           + g_rand_int_range (rand, 0, 2000);
          gint64 round_trip_us = 1000 * ttl + g_rand_int_range (rand, 0,
                                                                5000);

          hs_hop_record_sent (hop);
          if (g_rand_int_range (rand, 0, 50) == 0)
            hs_hop_record_lost (hop, sent_us);
          else
            hs_hop_record_answer (hop, sent_us, round_trip_us,
                                  ttl % 3 == 0 && i % 2 ? second : first,
                                  NULL, ttl == N_HOPS);
        }
      g_list_store_append (data->hops, hop);
    }

  return g_steal_pointer (&data);
}

static double
seconds_since (gint64 start_us)
{
  return (g_get_monotonic_time () - start_us) / (double) G_USEC_PER_SEC;
}

static gsize
file_size (const char *path)
{
  GStatBuf buf;

  if (g_stat (path, &buf) != 0)
    return 0;

  return buf.st_size;
}

int
main (int argc,
      char **argv)
{
  g_autoptr(HsTraceData) data = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  const char *names[] = { "day.hopscope", "day.json" };
  struct rusage usage;

  data = make_day ();
  folder = g_dir_make_tmp ("hs-rec-bench-XXXXXX", &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (folder, names[i], NULL);
      g_autoptr(HsTraceData) read = NULL;
      gint64 start_us = g_get_monotonic_time ();
      double save_s = 0.0;
      double load_s = 0.0;
      gsize size = 0;

      /* The file goes before anything is checked, so that a failure
       * leaves nothing behind. */
      if (hs_recording_save (data, path, &error))
        {
          save_s = seconds_since (start_us);
          size = file_size (path);
          start_us = g_get_monotonic_time ();
          read = hs_recording_load (path, &error);
          load_s = seconds_since (start_us);
        }
      g_unlink (path);
      if (i + 1 == G_N_ELEMENTS (names) || error != NULL)
        g_rmdir (folder);

      g_assert_no_error (error);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (read->hops)),
                        ==, N_HOPS);
      g_print ("%s: %u hops x %u probes: save %.2f s, load %.2f s, "
               "%.1f MB\n", names[i], N_HOPS, N_PROBES, save_s, load_s,
               size / 1e6);
    }

  getrusage (RUSAGE_SELF, &usage);
  g_print ("peak resident memory: %.0f MB\n", usage.ru_maxrss / 1024.0);

  return 0;
}
