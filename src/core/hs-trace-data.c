/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include "hs-report.h"
#include "hs-trace-data.h"

HsTraceData *
hs_trace_data_new (void)
{
  HsTraceData *data = g_new0 (HsTraceData, 1);

  hs_trace_options_init (&data->options);
  data->hops = g_list_store_new (HS_TYPE_HOP);
  data->route = HS_HELPER_ROUTE_UNKNOWN;

  return data;
}

/* Copies the first N_HOPS of HOPS, each cut to the range. */
static void
copy_hops (HsTraceData *data,
           GListModel *hops,
           guint n_hops,
           gint64 from_us,
           gint64 to_us)
{
  for (guint i = 0; i < n_hops; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);
      g_autoptr(HsHop) copy = hs_hop_copy_range (hop, from_us, to_us);

      g_list_store_append (data->hops, copy);
    }
}

/* The circumstances of TRACE (its options, target, route, this machine,
 * this Hopscope, its times), as of now. */
static void
take_circumstances (HsTraceData *data,
                    HsTrace *trace)
{
  GInetAddress *address = hs_trace_get_address (trace);

  hs_trace_options_clear (&data->options);
  hs_trace_options_copy (hs_trace_get_options (trace), &data->options);
  data->address = address ? g_inet_address_to_string (address) : NULL;
  data->route = hs_trace_get_route (trace);
  data->local_name = g_strdup (g_get_host_name ());
  data->version = g_strdup (HOPSCOPE_VERSION);
  data->started_us = hs_trace_get_start_time (trace);
  data->finished_us = g_get_real_time ();
  data->rounds = hs_trace_get_rounds (trace);
}

static void
copy_circumstances (HsTraceData *data,
                    const HsTraceData *from)
{
  hs_trace_options_clear (&data->options);
  hs_trace_options_copy (&from->options, &data->options);
  data->address = g_strdup (from->address);
  data->route = from->route;
  data->local_name = g_strdup (from->local_name);
  data->version = g_strdup (from->version);
  data->started_us = from->started_us;
  data->finished_us = from->finished_us;
  data->rounds = from->rounds;
}

/* The hops TRACE shows; every one is kept, and the report's rule decides
 * how many of them a report lists. */
static guint
get_n_visible (HsTrace *trace)
{
  return MIN (hs_trace_get_n_visible_hops (trace),
              g_list_model_get_n_items (hs_trace_get_hops (trace)));
}

/**
 * hs_trace_data_new_from_trace:
 * @trace: a trace, in any state
 *
 * Returns: (transfer full): what @trace measured so far, copied
 */
HsTraceData *
hs_trace_data_new_from_trace (HsTrace *trace)
{
  HsTraceData *data = NULL;
  guint n_visible = 0;

  g_return_val_if_fail (HS_IS_TRACE (trace), NULL);

  data = hs_trace_data_new ();
  take_circumstances (data, trace);
  n_visible = get_n_visible (trace);
  copy_hops (data, hs_trace_get_hops (trace), n_visible, 0, G_MAXINT64);
  data->n_hops = hs_report_get_n_hops (G_LIST_MODEL (data->hops), n_visible);

  return data;
}

/**
 * hs_trace_data_new_sharing:
 * @trace: a trace, in any state
 * @circumstances: (nullable): what a recording says of how it was made
 *
 * Returns: (transfer full): what @trace measured so far, holding its own
 * hops rather than copies
 */
HsTraceData *
hs_trace_data_new_sharing (HsTrace *trace,
                           const HsTraceData *circumstances)
{
  HsTraceData *data = NULL;
  GListModel *hops = NULL;
  guint n_visible = 0;

  g_return_val_if_fail (HS_IS_TRACE (trace), NULL);

  data = hs_trace_data_new ();
  if (circumstances != NULL)
    copy_circumstances (data, circumstances);
  else
    take_circumstances (data, trace);

  hops = hs_trace_get_hops (trace);
  n_visible = get_n_visible (trace);
  for (guint i = 0; i < n_visible; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);

      g_list_store_append (data->hops, hop);
    }
  data->n_hops = hs_report_get_n_hops (G_LIST_MODEL (data->hops), n_visible);

  return data;
}

/**
 * hs_trace_data_cut:
 * @data: what a trace measured
 * @from_us: the first send time kept
 * @to_us: the first send time no longer kept
 *
 * Returns: (transfer full): @data with only the probes of the range
 */
HsTraceData *
hs_trace_data_cut (const HsTraceData *data,
                   gint64 from_us,
                   gint64 to_us)
{
  HsTraceData *cut = NULL;
  guint n_items = 0;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (from_us < to_us, NULL);

  cut = hs_trace_data_new ();
  copy_circumstances (cut, data);
  cut->range_from_us = from_us;
  cut->range_to_us = to_us;

  n_items = g_list_model_get_n_items (G_LIST_MODEL (data->hops));
  copy_hops (cut, G_LIST_MODEL (data->hops), n_items, from_us, to_us);
  cut->n_hops = hs_report_get_n_hops (G_LIST_MODEL (cut->hops), n_items);

  return cut;
}

void
hs_trace_data_free (HsTraceData *data)
{
  if (data == NULL)
    return;

  hs_trace_options_clear (&data->options);
  g_free (data->address);
  g_free (data->local_name);
  g_free (data->version);
  g_clear_object (&data->hops);
  g_free (data);
}
