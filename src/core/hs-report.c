/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "hs-hop.h"
#include "hs-report.h"

/* mtr's report gives the host column 33 characters, "  1.|-- " included,
 * and cuts longer names; --report-wide widens it to the longest name. */
#define NARROW_HOST_WIDTH 33

/* What stands for a hop where nobody answered, as in mtr. */
#define NO_RESPONDER "???"

/* The columns after the host, in mtr's default order ("LS NABWV") and with
 * its widths, then Hopscope's two jitter columns. */
typedef enum
{
  COLUMN_LOSS,
  COLUMN_SENT,
  COLUMN_SPACE,
  COLUMN_LAST,
  COLUMN_AVERAGE,
  COLUMN_BEST,
  COLUMN_WORST,
  COLUMN_DEVIATION,
  COLUMN_JITTER_MEAN,
  COLUMN_JITTER_WORST,
  N_COLUMNS
} Column;

typedef struct
{
  const char *title;
  guint width;
} ColumnInfo;

static const ColumnInfo columns[N_COLUMNS] = {
  [COLUMN_LOSS] = { "Loss%", 6 },
  [COLUMN_SENT] = { "Snt", 6 },
  [COLUMN_SPACE] = { " ", 1 },
  [COLUMN_LAST] = { "Last", 6 },
  [COLUMN_AVERAGE] = { "Avg", 6 },
  [COLUMN_BEST] = { "Best", 6 },
  [COLUMN_WORST] = { "Wrst", 6 },
  [COLUMN_DEVIATION] = { "StDev", 6 },
  [COLUMN_JITTER_MEAN] = { "Javg", 5 },
  [COLUMN_JITTER_WORST] = { "Jmax", 5 },
};

const char *
hs_report_protocol_to_string (HsProtocol protocol)
{
  switch (protocol)
    {
    case HS_PROTOCOL_ICMP:
      return "icmp";
    case HS_PROTOCOL_UDP:
      return "udp";
    case HS_PROTOCOL_TCP:
      return "tcp";
    default:
      return "unknown";
    }
}

const char *
hs_report_route_to_string (HsHelperRoute route)
{
  switch (route)
    {
    case HS_HELPER_ROUTE_CAPABILITY:
      return "capability";
    case HS_HELPER_ROUTE_ROOT:
      return "root";
    case HS_HELPER_ROUTE_PKEXEC:
      return "pkexec";
    case HS_HELPER_ROUTE_UNPRIVILEGED:
      return "unprivileged";
    case HS_HELPER_ROUTE_SETUID:
      return "setuid";
    case HS_HELPER_ROUTE_UNKNOWN:
    default:
      return "unknown";
    }
}

guint
hs_report_get_n_hops (GListModel *hops,
                      guint n_visible)
{
  guint n = 0;
  gint last_answered = -1;

  g_return_val_if_fail (G_IS_LIST_MODEL (hops), 0);

  n = MIN (n_visible, g_list_model_get_n_items (hops));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);

      if (hs_hop_is_target (hop))
        return i + 1;
      if (hs_hop_get_stats (hop)->answered > 0)
        last_answered = (gint) i;
    }

  /* Past the last hop that answered, silent hops all look alike; one of
   * them shows where the answers stop. */
  return MIN (n, (guint) (last_answered + 2));
}

/* Round-trip times in milliseconds, 0 for a figure not known yet, as mtr
 * writes them. */
static double
us_to_ms (double us)
{
  return us < 0 ? 0.0 : us / 1000.0;
}

/* mtr's JSON keeps whole microseconds; so does this one, and it keeps
 * percentages to the same three decimals. */
static double
round_3 (double value)
{
  return round (value * 1000.0) / 1000.0;
}

static char *
responder_to_string (const HsResponder *responder)
{
  if (responder == NULL)
    return g_strdup (NO_RESPONDER);
  if (responder->name != NULL)
    return g_strdup (responder->name);

  return g_inet_address_to_string (responder->address);
}

static void
append_double (GString *out,
               const char *format,
               double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  /* g_ascii_formatd takes the conversion alone, so the spaces before it
   * are written here. */
  for (; *format == ' '; format++)
    g_string_append_c (out, ' ');

  /* A dot for the decimals whatever the locale says: reports are read by
   * scripts, and mtr's are written in the C locale. */
  g_string_append (out, g_ascii_formatd (buffer, sizeof buffer, format,
                                         value));
}

/* mtr writes each column at a fixed offset, over whatever the previous
 * column wrote past its own width; so "100.0%" loses its sign to the next
 * column and a long name is cut at the column.  Starting every column at
 * its offset, cutting the line there, does the same. */
static void
append_text_columns (GString *line,
                     gsize offset,
                     HsHop *hop)
{
  const HsHopStats *stats = hs_hop_get_stats (hop);
  gboolean answered = stats->answered > 0;

  for (Column column = 0; column < N_COLUMNS; column++)
    {
      g_string_truncate (line, MIN (line->len, offset));
      while (line->len < offset)
        g_string_append_c (line, ' ');
      offset += columns[column].width;

      switch (column)
        {
        case COLUMN_LOSS:
          append_double (line, " %4.1f",
                         hs_hop_stats_get_loss_percent (stats));
          g_string_append_c (line, '%');
          break;
        case COLUMN_SENT:
          g_string_append_printf (line, " %5u", stats->sent);
          break;
        case COLUMN_SPACE:
          g_string_append_c (line, ' ');
          break;
        case COLUMN_LAST:
          append_double (line, " %5.1f",
                         answered ? us_to_ms (stats->last_us) : 0.0);
          break;
        case COLUMN_AVERAGE:
          append_double (line, " %5.1f",
                         us_to_ms (hs_hop_stats_get_mean_us (stats)));
          break;
        case COLUMN_BEST:
          append_double (line, " %5.1f",
                         answered ? us_to_ms (stats->best_us) : 0.0);
          break;
        case COLUMN_WORST:
          append_double (line, " %5.1f",
                         answered ? us_to_ms (stats->worst_us) : 0.0);
          break;
        case COLUMN_DEVIATION:
          append_double (line, " %5.1f",
                         us_to_ms (hs_hop_stats_get_deviation_us (stats)));
          break;
        case COLUMN_JITTER_MEAN:
          append_double (line, " %4.1f", us_to_ms (stats->jitter_mean_us));
          break;
        case COLUMN_JITTER_WORST:
          append_double (line, " %4.1f",
                         answered ? us_to_ms (stats->jitter_worst_us) : 0.0);
          break;
        case N_COLUMNS:
        default:
          g_assert_not_reached ();
        }
    }
}

static void
write_text (GString *out,
            const HsReportInfo *info,
            GListModel *hops,
            guint n_hops)
{
  g_autoptr(GDateTime) started = NULL;
  g_autofree char *start_text = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  gsize host_width = NARROW_HOST_WIDTH;
  gsize offset = 0;

  g_assert (info != NULL);

  started = g_date_time_new_from_unix_local (info->started_us
                                             / G_USEC_PER_SEC);
  start_text = g_date_time_format (started, "%Y-%m-%dT%H:%M:%S%z");
  g_string_append_printf (out, "Start: %s\n", start_text);

  if (info->wide)
    {
      host_width = strlen (info->local_name);
      for (guint i = 0; i < n_hops; i++)
        {
          g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);
          g_autofree char *name = NULL;

          name = responder_to_string (hs_hop_get_main_responder (hop));
          host_width = MAX (host_width, strlen (name));
        }
    }

  /* The narrow header cuts at the host column as the rows do.  The wide
   * one is padded by the width of "  1.|-- " less "HOST: " so that its
   * titles stand over their columns, which mtr's do not. */
  if (info->wide)
    {
      g_string_printf (line, "HOST: %-*s", (int) host_width + 2,
                       info->local_name);
      offset = line->len;
    }
  else
    {
      g_string_printf (line, "HOST: %-*s", (int) host_width, info->local_name);
      offset = host_width;
    }
  for (Column column = 0; column < N_COLUMNS; column++)
    {
      g_string_truncate (line, MIN (line->len, offset));
      g_string_append_printf (line, "%*s", (int) columns[column].width,
                              columns[column].title);
      offset += columns[column].width;
    }
  g_string_append_printf (out, "%s\n", line->str);

  for (guint i = 0; i < n_hops; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);
      const HsResponder *main_responder = hs_hop_get_main_responder (hop);
      g_autofree char *name = responder_to_string (main_responder);
      guint n_extra = 0;

      g_string_printf (line, " %2u.|-- %-*s", hs_hop_get_ttl (hop),
                       (int) host_width, name);
      append_text_columns (line, info->wide ? line->len : host_width, hop);
      g_string_append_printf (out, "%s\n", line->str);

      /* Routers of a load-balanced hop other than the main one, each on
       * its own line, in mtr's tree. */
      for (guint r = 0; r < hs_hop_get_n_responders (hop); r++)
        {
          const HsResponder *responder = hs_hop_get_responder (hop, r);
          g_autofree char *extra_name = NULL;

          if (responder == main_responder)
            continue;

          extra_name = responder_to_string (responder);
          g_string_append_printf (out, "    |  %s|-- %s\n",
                                  n_extra == 0 ? "`" : " ", extra_name);
          n_extra++;
        }
    }
}

static void
write_csv (GString *out,
           const HsReportInfo *info,
           GListModel *hops,
           guint n_hops)
{
  g_assert (info != NULL);

  /* mtr names the first column after itself, and ends the header, not
   * the rows, with a comma. */
  g_string_append (out, "Mtr_Version,Start_Time,Status,Host,Hop,Ip,");
  for (Column column = 0; column < N_COLUMNS; column++)
    g_string_append_printf (out, "%s,", columns[column].title);
  g_string_append_c (out, '\n');

  for (guint i = 0; i < n_hops; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);
      const HsHopStats *stats = hs_hop_get_stats (hop);
      g_autofree char *name = NULL;
      gboolean answered = stats->answered > 0;
      double values[] = {
        us_to_ms (answered ? stats->last_us : 0),
        us_to_ms (hs_hop_stats_get_mean_us (stats)),
        us_to_ms (answered ? stats->best_us : 0),
        us_to_ms (answered ? stats->worst_us : 0),
        us_to_ms (hs_hop_stats_get_deviation_us (stats)),
        us_to_ms (stats->jitter_mean_us),
        us_to_ms (answered ? stats->jitter_worst_us : 0),
      };

      name = responder_to_string (hs_hop_get_main_responder (hop));
      g_string_append_printf (out, "HOPSCOPE.%s,%" G_GINT64_FORMAT ",OK,"
                              "%s,%u,%s,", HOPSCOPE_VERSION,
                              info->started_us / G_USEC_PER_SEC, info->target,
                              hs_hop_get_ttl (hop), name);
      append_double (out, "%.2f", hs_hop_stats_get_loss_percent (stats));
      /* The blank column is mtr's, and holds the probes lost. */
      g_string_append_printf (out, ",%u,%u", stats->sent, stats->lost);
      for (guint v = 0; v < G_N_ELEMENTS (values); v++)
        {
          g_string_append_c (out, ',');
          append_double (out, "%.2f", values[v]);
        }
      g_string_append_c (out, '\n');
    }
}

/* json-glib writes doubles with 17 significant digits (9.26 comes out as
 * 9.2599999999999998), which no reader of a report wants; the writer below
 * gives each number the fewest decimals that read back the same, and at
 * least one, so that a double reads back as a double (mtr writes 0.0). */
static void
append_json_double (GString *out,
                    double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }

  /* Every figure of a report is far below 1e15; anything above would
   * need more room than fixed notation gives. */
  if (fabs (value) >= 1e15)
    {
      g_string_append (out, g_ascii_dtostr (buffer, sizeof buffer, value));
      return;
    }

  for (int decimals = 1; decimals <= 17; decimals++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%df", decimals);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  g_string_append (out, buffer);
}

static void
append_json_string (GString *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if ((guchar) *p < 0x20)
            g_string_append_printf (out, "\\u%04x", (guint) (guchar) *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_indent (GString *out,
               guint depth)
{
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "    ");
}

/* Pretty-prints NODE with four spaces a level, as mtr's --json does. */
static void
append_json_node (GString *out,
                  JsonNode *node,
                  guint depth)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = json_object_get_members (object);

        if (members == NULL)
          {
            g_string_append (out, "{}");
            break;
          }
        g_string_append (out, "{\n");
        for (GList *l = members; l != NULL; l = l->next)
          {
            append_indent (out, depth + 1);
            append_json_string (out, l->data);
            g_string_append (out, ": ");
            append_json_node (out, json_object_get_member (object, l->data),
                              depth + 1);
            g_string_append (out, l->next != NULL ? ",\n" : "\n");
          }
        append_indent (out, depth);
        g_string_append_c (out, '}');
        break;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint length = json_array_get_length (array);

        if (length == 0)
          {
            g_string_append (out, "[]");
            break;
          }
        g_string_append (out, "[\n");
        for (guint i = 0; i < length; i++)
          {
            append_indent (out, depth + 1);
            append_json_node (out, json_array_get_element (array, i),
                              depth + 1);
            g_string_append (out, i + 1 < length ? ",\n" : "\n");
          }
        append_indent (out, depth);
        g_string_append_c (out, ']');
        break;
      }

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT,
                                  json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          append_json_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true"
                                                             : "false");
          break;
        case G_TYPE_STRING:
        default:
          append_json_string (out, json_node_get_string (node));
          break;
        }
      break;

    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

static void
add_member_double (JsonBuilder *builder,
                   const char *name,
                   double value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, round_3 (value));
}

static void
add_member_int (JsonBuilder *builder,
                const char *name,
                gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_member_string (JsonBuilder *builder,
                   const char *name,
                   const char *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_member_time (JsonBuilder *builder,
                 const char *name,
                 gint64 time_us)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (0);
  g_autoptr(GDateTime) time = g_date_time_add (utc, time_us);
  g_autofree char *text = g_date_time_format_iso8601 (time);

  add_member_string (builder, name, text);
}

static void
add_hub (JsonBuilder *builder,
         HsHop *hop)
{
  const HsHopStats *stats = hs_hop_get_stats (hop);
  g_autofree char *host = NULL;
  gboolean answered = stats->answered > 0;

  host = responder_to_string (hs_hop_get_main_responder (hop));

  /* mtr's own fields first, with its names and types. */
  json_builder_begin_object (builder);
  add_member_int (builder, "count", hs_hop_get_ttl (hop));
  add_member_string (builder, "host", host);
  add_member_double (builder, "Loss%", hs_hop_stats_get_loss_percent (stats));
  add_member_int (builder, "Snt", stats->sent);
  add_member_double (builder, "Last",
                     us_to_ms (answered ? stats->last_us : 0));
  add_member_double (builder, "Avg",
                     us_to_ms (hs_hop_stats_get_mean_us (stats)));
  add_member_double (builder, "Best",
                     us_to_ms (answered ? stats->best_us : 0));
  add_member_double (builder, "Wrst",
                     us_to_ms (answered ? stats->worst_us : 0));
  add_member_double (builder, "StDev",
                     us_to_ms (hs_hop_stats_get_deviation_us (stats)));

  /* Then Hopscope's. */
  json_builder_set_member_name (builder, "responders");
  json_builder_begin_array (builder);
  for (guint r = 0; r < hs_hop_get_n_responders (hop); r++)
    {
      const HsResponder *responder = hs_hop_get_responder (hop, r);
      g_autofree char *address = NULL;

      address = g_inet_address_to_string (responder->address);
      json_builder_begin_object (builder);
      add_member_string (builder, "address", address);
      add_member_string (builder, "name", responder->name);
      add_member_int (builder, "answers", responder->answers);
      add_member_double (builder, "share",
                         hs_hop_get_responder_share (hop, r));
      add_member_string (builder, "mpls", responder->mpls);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "jitter");
  json_builder_begin_object (builder);
  add_member_double (builder, "last",
                     us_to_ms (answered ? stats->jitter_last_us : 0));
  add_member_double (builder, "mean", us_to_ms (stats->jitter_mean_us));
  add_member_double (builder, "worst",
                     us_to_ms (answered ? stats->jitter_worst_us : 0));
  add_member_double (builder, "interarrival",
                     us_to_ms (stats->jitter_interarrival_us));
  json_builder_end_object (builder);

  add_member_double (builder, "geomean",
                     us_to_ms (hs_hop_stats_get_geometric_mean_us (stats)));
  json_builder_end_object (builder);
}

static void
write_json (GString *out,
            const HsReportInfo *info,
            GListModel *hops,
            guint n_hops)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *size = NULL;

  g_assert (info != NULL);

  size = g_strdup_printf ("%u", info->size);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "report");
  json_builder_begin_object (builder);

  /* The keys and types of mtr 0.95's "mtr" object: the packet size and
   * bit pattern are strings there, the rest numbers. */
  json_builder_set_member_name (builder, "mtr");
  json_builder_begin_object (builder);
  add_member_string (builder, "src", info->local_name);
  add_member_string (builder, "dst", info->target);
  add_member_int (builder, "tos", 0);
  add_member_int (builder, "tests", info->count);
  add_member_string (builder, "psize", size);
  add_member_string (builder, "bitpattern", "0x00");
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "hubs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_hops; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);

      add_hub (builder, hop);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "hopscope");
  json_builder_begin_object (builder);
  add_member_string (builder, "version", HOPSCOPE_VERSION);
  add_member_time (builder, "started", info->started_us);
  add_member_time (builder, "finished", info->finished_us);
  add_member_string (builder, "protocol",
                     hs_report_protocol_to_string (info->protocol));
  add_member_string (builder, "helper_route",
                     hs_report_route_to_string (info->route));
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  append_json_node (out, root, 0);
  g_string_append_c (out, '\n');
}

char *
hs_report_write (HsReportFormat format,
                 const HsReportInfo *info,
                 GListModel *hops,
                 guint n_hops)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (info->local_name != NULL, NULL);
  g_return_val_if_fail (info->target != NULL, NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (hops), NULL);
  g_return_val_if_fail (n_hops <= g_list_model_get_n_items (hops), NULL);

  switch (format)
    {
    case HS_REPORT_FORMAT_TEXT:
      write_text (out, info, hops, n_hops);
      break;
    case HS_REPORT_FORMAT_JSON:
      write_json (out, info, hops, n_hops);
      break;
    case HS_REPORT_FORMAT_CSV:
      write_csv (out, info, hops, n_hops);
      break;
    default:
      g_return_val_if_reached (NULL);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
