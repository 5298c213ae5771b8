/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>
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

/* When the report starts: the first round, or, for a trace that never
 * started one, when its data was taken. */
static gint64
get_start_us (const HsTraceData *data)
{
  return data->started_us > 0 ? data->started_us : data->finished_us;
}

static const char *
get_version (const HsTraceData *data)
{
  return data->version != NULL ? data->version : HOPSCOPE_VERSION;
}

static gboolean
has_range (const HsTraceData *data)
{
  return data->range_from_us != 0 || data->range_to_us != 0;
}

static gboolean
has_findings (GPtrArray *findings)
{
  return findings != NULL && findings->len > 0;
}

static GDateTime *
utc_from_us (gint64 time_us)
{
  g_autoptr(GDateTime) epoch = g_date_time_new_from_unix_utc (0);

  return g_date_time_add (epoch, time_us);
}

char *
hs_report_describe_range (gint64 from_us,
                          gint64 to_us)
{
  g_autoptr(GDateTime) from = utc_from_us (from_us);
  g_autoptr(GDateTime) to = utc_from_us (to_us);
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;
  const char *format = "%H:%M:%S";

  /* The report's start says which day; a range across midnight needs
   * both of its days said. */
  if (g_date_time_get_year (from) != g_date_time_get_year (to)
      || g_date_time_get_day_of_year (from)
         != g_date_time_get_day_of_year (to))
    format = "%Y-%m-%d %H:%M:%S";

  from_text = g_date_time_format (from, format);
  to_text = g_date_time_format (to, format);

  /* TRANSLATORS: a report or a view covers this time range alone; the
   * times are in UTC. */
  return g_strdup_printf (_("Between %s and %s UTC only"), from_text,
                          to_text);
}

static void
write_text (GString *out,
            const HsTraceData *data,
            GPtrArray *findings,
            gboolean wide)
{
  g_autoptr(GDateTime) started = NULL;
  g_autofree char *start_text = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  GListModel *hops = NULL;
  const char *local_name = NULL;
  gsize host_width = NARROW_HOST_WIDTH;
  gsize offset = 0;

  g_assert (data != NULL);

  hops = G_LIST_MODEL (data->hops);
  local_name = data->local_name != NULL ? data->local_name : "";

  started = g_date_time_new_from_unix_local (get_start_us (data)
                                             / G_USEC_PER_SEC);
  start_text = g_date_time_format (started, "%Y-%m-%dT%H:%M:%S%z");
  g_string_append_printf (out, "Start: %s\n", start_text);

  if (wide)
    {
      host_width = strlen (local_name);
      for (guint i = 0; i < data->n_hops; i++)
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
  if (wide)
    {
      g_string_printf (line, "HOST: %-*s", (int) host_width + 2, local_name);
      offset = line->len;
    }
  else
    {
      g_string_printf (line, "HOST: %-*s", (int) host_width, local_name);
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

  for (guint i = 0; i < data->n_hops; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);
      const HsResponder *main_responder = hs_hop_get_main_responder (hop);
      g_autofree char *name = responder_to_string (main_responder);
      guint n_extra = 0;

      g_string_printf (line, " %2u.|-- %-*s", hs_hop_get_ttl (hop),
                       (int) host_width, name);
      append_text_columns (line, wide ? line->len : host_width, hop);
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

  /* What mtr does not have comes after its table, so that a script that
   * reads the table's rows reads them as from mtr. */
  if (has_range (data))
    {
      g_autofree char *range = NULL;

      range = hs_report_describe_range (data->range_from_us,
                                        data->range_to_us);
      g_string_append_printf (out, "\n%s\n", range);
    }

  if (has_findings (findings))
    {
      g_string_append_printf (out, "\n%s\n", _("Diagnosis:"));
      for (guint i = 0; i < findings->len; i++)
        {
          const HsFinding *finding = g_ptr_array_index (findings, i);

          g_string_append_printf (out, "  - %s\n", finding->sentence);
        }
    }
}

/* The CSV report carries neither the diagnosis nor a sentence about the
 * time range: scripts written for mtr parse every line after the header
 * as a hop.  A report cut to a range gives the range's start as each
 * row's Start_Time, which is what its figures begin at. */
static void
write_csv (GString *out,
           const HsTraceData *data)
{
  GListModel *hops = NULL;
  gint64 start_us = 0;

  g_assert (data != NULL);

  hops = G_LIST_MODEL (data->hops);
  start_us = has_range (data) ? data->range_from_us : get_start_us (data);

  /* mtr names the first column after itself, and ends the header, not
   * the rows, with a comma. */
  g_string_append (out, "Mtr_Version,Start_Time,Status,Host,Hop,Ip,");
  for (Column column = 0; column < N_COLUMNS; column++)
    g_string_append_printf (out, "%s,", columns[column].title);
  g_string_append_c (out, '\n');

  for (guint i = 0; i < data->n_hops; i++)
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
                              "%s,%u,%s,", get_version (data),
                              start_us / G_USEC_PER_SEC,
                              data->options.target,
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


/* A figure of a finding: -1 stands for one that does not apply to its
 * kind, and reads null. */
static void
add_member_figure (JsonBuilder *builder,
                   const char *name,
                   double value)
{
  if (value < 0)
    {
      json_builder_set_member_name (builder, name);
      json_builder_add_null_value (builder);
      return;
    }

  add_member_double (builder, name, value);
}

static void
add_finding (JsonBuilder *builder,
             const HsFinding *finding)
{
  json_builder_begin_object (builder);
  add_member_string (builder, "kind",
                     hs_finding_kind_to_string (finding->kind));

  json_builder_set_member_name (builder, "hop");
  if (finding->ttl > 0)
    json_builder_add_int_value (builder, finding->ttl);
  else
    json_builder_add_null_value (builder);

  add_member_figure (builder, "loss_percent", finding->loss_percent);
  add_member_figure (builder, "before_ms", finding->before_ms);
  add_member_figure (builder, "after_ms", finding->after_ms);

  if (finding->changed_us != 0)
    add_member_time (builder, "changed", finding->changed_us);
  else
    add_member_string (builder, "changed", NULL);

  add_member_string (builder, "sentence", finding->sentence);
  json_builder_end_object (builder);
}

static void
write_json (GString *out,
            const HsTraceData *data,
            GPtrArray *findings)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *size = NULL;
  GListModel *hops = NULL;

  g_assert (data != NULL);

  hops = G_LIST_MODEL (data->hops);
  size = g_strdup_printf ("%u", data->options.size);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "report");
  json_builder_begin_object (builder);

  /* The keys and types of mtr 0.95's "mtr" object: the packet size and
   * bit pattern are strings there, the rest numbers. */
  json_builder_set_member_name (builder, "mtr");
  json_builder_begin_object (builder);
  add_member_string (builder, "src", data->local_name);
  add_member_string (builder, "dst", data->options.target);
  add_member_int (builder, "tos", 0);
  add_member_int (builder, "tests", data->options.count);
  add_member_string (builder, "psize", size);
  add_member_string (builder, "bitpattern", "0x00");
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "hubs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < data->n_hops; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);

      add_hub (builder, hop);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  /* Hopscope's own object sits beside mtr's "report", where no reader of
   * mtr's JSON looks. */
  json_builder_set_member_name (builder, "hopscope");
  json_builder_begin_object (builder);
  add_member_string (builder, "version", get_version (data));
  add_member_time (builder, "started", get_start_us (data));
  add_member_time (builder, "finished", data->finished_us);
  add_member_string (builder, "protocol",
                     hs_report_protocol_to_string (data->options.protocol));
  add_member_string (builder, "helper_route",
                     hs_report_route_to_string (data->route));

  json_builder_set_member_name (builder, "range");
  if (has_range (data))
    {
      json_builder_begin_object (builder);
      add_member_time (builder, "from", data->range_from_us);
      add_member_time (builder, "to", data->range_to_us);
      json_builder_end_object (builder);
    }
  else
    {
      json_builder_add_null_value (builder);
    }

  /* Null when the caller did not judge the path at all, which tells that
   * apart from a diagnosis with nothing to say ("healthy"). */
  json_builder_set_member_name (builder, "findings");
  if (findings != NULL)
    {
      json_builder_begin_array (builder);
      for (guint i = 0; i < findings->len; i++)
        add_finding (builder, g_ptr_array_index (findings, i));
      json_builder_end_array (builder);
    }
  else
    {
      json_builder_add_null_value (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  append_json_node (out, root, 0);
  g_string_append_c (out, '\n');
}

/* Appends TEXT with everything Markdown would read as markup escaped: a
 * name comes from a reverse lookup, which anyone who runs a router on the
 * path controls.  "|" would end a table cell, "*" and "_" start emphasis,
 * "<" HTML, "[" a link, "&" an entity; a line break would end the table,
 * so control characters become spaces. */
static void
append_markdown_escaped (GString *out,
                         const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);

  for (const char *p = valid; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        {
          g_string_append_c (out, ' ');
          continue;
        }
      if (strchr ("\\`*_[]<>|~&#!", *p) != NULL)
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
}

static char *
markdown_escape (const char *text)
{
  GString *out = g_string_new (NULL);

  append_markdown_escaped (out, text);

  return g_string_free (out, FALSE);
}

static const char *
describe_route (HsHelperRoute route)
{
  switch (route)
    {
    case HS_HELPER_ROUTE_CAPABILITY:
      return _("with its cap_net_raw file capability");
    case HS_HELPER_ROUTE_ROOT:
      return _("as root");
    case HS_HELPER_ROUTE_PKEXEC:
      return _("through pkexec, authorised by an administrator");
    case HS_HELPER_ROUTE_UNPRIVILEGED:
      return _("without privileges, on datagram sockets");
    case HS_HELPER_ROUTE_SETUID:
      return _("setuid root");
    case HS_HELPER_ROUTE_UNKNOWN:
    default:
      return _("unknown");
    }
}

/* One fact of the Markdown report's header: "- **LABEL:** VALUE", the
 * value escaped. */
static void
append_markdown_fact (GString *out,
                      const char *label,
                      const char *value)
{
  g_string_append_printf (out, "- **%s:** ", label);
  append_markdown_escaped (out, value);
  g_string_append_c (out, '\n');
}

static char *
describe_time (const HsTraceData *data)
{
  g_autoptr(GDateTime) started = utc_from_us (get_start_us (data));
  g_autoptr(GDateTime) finished = utc_from_us (data->finished_us);
  g_autofree char *started_text = NULL;
  g_autofree char *finished_text = NULL;
  const char *format = "%H:%M:%S";

  if (g_date_time_get_year (started) != g_date_time_get_year (finished)
      || g_date_time_get_day_of_year (started)
         != g_date_time_get_day_of_year (finished))
    format = "%Y-%m-%d %H:%M:%S";

  started_text = g_date_time_format (started, "%Y-%m-%d %H:%M:%S");
  finished_text = g_date_time_format (finished, format);

  /* TRANSLATORS: when a trace ran, from its first round to when its
   * report was taken, in UTC. */
  return g_strdup_printf (_("%s to %s UTC"), started_text, finished_text);
}

static char *
describe_protocol (const HsTraceData *data)
{
  g_autofree char *name = NULL;

  name = g_ascii_strup (hs_report_protocol_to_string (data->options.protocol),
                        -1);
  if (data->options.protocol != HS_PROTOCOL_ICMP && data->options.port > 0)
    /* TRANSLATORS: the protocol (UDP or TCP), the target port and the
     * probe size in bytes. */
    return g_strdup_printf (_("%s to port %u, %u-byte probes"), name,
                            data->options.port, data->options.size);

  /* TRANSLATORS: the protocol and the probe size in bytes. */
  return g_strdup_printf (_("%s, %u-byte probes"), name, data->options.size);
}

typedef enum
{
  ALIGN_LEFT,
  ALIGN_RIGHT,
} Align;

/* The Markdown table: the hop, the host, then the text report's columns
 * (but its blank one), with the text report's figures. */
#define N_MARKDOWN_COLUMNS (2 + N_COLUMNS - 1)

static void
add_markdown_row (GPtrArray *rows,
                  HsHop *hop,
                  const HsResponder *responder,
                  gboolean main_row)
{
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *name = responder_to_string (responder);
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  const HsHopStats *stats = hs_hop_get_stats (hop);
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

  g_assert (G_N_ELEMENTS (values) + 4 == N_MARKDOWN_COLUMNS);

  /* The other routers of a load-balanced hop get a row each, under the
   * main one, with no figures: the figures are the hop's. */
  if (!main_row)
    {
      g_ptr_array_add (cells, g_strdup (""));
      g_ptr_array_add (cells, g_strconcat ("↳ ", name, NULL));
      while (cells->len < N_MARKDOWN_COLUMNS)
        g_ptr_array_add (cells, g_strdup (""));
      g_ptr_array_add (rows, cells);
      return;
    }

  g_ptr_array_add (cells, g_strdup_printf ("%u", hs_hop_get_ttl (hop)));
  g_ptr_array_add (cells, g_steal_pointer (&name));
  g_ascii_formatd (buffer, sizeof buffer, "%.1f",
                   hs_hop_stats_get_loss_percent (stats));
  g_ptr_array_add (cells, g_strconcat (buffer, "%", NULL));
  g_ptr_array_add (cells, g_strdup_printf ("%u", stats->sent));
  for (guint v = 0; v < G_N_ELEMENTS (values); v++)
    {
      g_ascii_formatd (buffer, sizeof buffer, "%.1f", values[v]);
      g_ptr_array_add (cells, g_strdup (buffer));
    }
  g_ptr_array_add (rows, cells);
}

static void
append_markdown_cell (GString *out,
                      const char *text,
                      gsize width,
                      Align align)
{
  gsize length = g_utf8_strlen (text, -1);

  g_string_append (out, " ");
  if (align == ALIGN_RIGHT)
    for (gsize i = length; i < width; i++)
      g_string_append_c (out, ' ');
  g_string_append (out, text);
  if (align == ALIGN_LEFT)
    for (gsize i = length; i < width; i++)
      g_string_append_c (out, ' ');
  g_string_append (out, " |");
}

/* A GitHub-flavoured table, its cells padded so that the columns line up
 * in the plain text as well: ticket systems that show Markdown as it is
 * written are common. */
static void
append_markdown_table (GString *out,
                       const HsTraceData *data)
{
  g_autoptr(GPtrArray) rows = NULL;
  GListModel *hops = G_LIST_MODEL (data->hops);
  GPtrArray *titles = g_ptr_array_new_with_free_func (g_free);
  gsize widths[N_MARKDOWN_COLUMNS] = { 0 };
  Align aligns[N_MARKDOWN_COLUMNS];

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  /* The figures keep mtr's titles, as in the text report, so that a
   * reader compares them with mtr's at a glance. */
  g_ptr_array_add (titles, g_strdup (_("Hop")));
  g_ptr_array_add (titles, g_strdup (_("Host")));
  for (Column column = 0; column < N_COLUMNS; column++)
    if (column != COLUMN_SPACE)
      g_ptr_array_add (titles, g_strdup (columns[column].title));
  g_ptr_array_add (rows, titles);

  for (guint i = 0; i < data->n_hops; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);
      const HsResponder *main_responder = hs_hop_get_main_responder (hop);

      add_markdown_row (rows, hop, main_responder, TRUE);
      for (guint r = 0; r < hs_hop_get_n_responders (hop); r++)
        if (hs_hop_get_responder (hop, r) != main_responder)
          add_markdown_row (rows, hop, hs_hop_get_responder (hop, r), FALSE);
    }

  /* Escaped first, then measured: the padding is for the text as
   * written. */
  for (guint r = 0; r < rows->len; r++)
    {
      GPtrArray *cells = g_ptr_array_index (rows, r);

      for (guint c = 0; c < N_MARKDOWN_COLUMNS; c++)
        {
          char *escaped = markdown_escape (g_ptr_array_index (cells, c));

          g_free (g_ptr_array_index (cells, c));
          cells->pdata[c] = escaped;
          widths[c] = MAX (widths[c], (gsize) g_utf8_strlen (escaped, -1));
        }
    }

  /* A separator cell needs three dashes and the colon. */
  for (guint c = 0; c < N_MARKDOWN_COLUMNS; c++)
    {
      aligns[c] = c == 1 ? ALIGN_LEFT : ALIGN_RIGHT;
      widths[c] = MAX (widths[c], 4);
    }

  for (guint r = 0; r < rows->len; r++)
    {
      GPtrArray *cells = g_ptr_array_index (rows, r);

      g_string_append_c (out, '|');
      for (guint c = 0; c < N_MARKDOWN_COLUMNS; c++)
        append_markdown_cell (out, g_ptr_array_index (cells, c), widths[c],
                              aligns[c]);
      g_string_append_c (out, '\n');

      if (r > 0)
        continue;

      g_string_append_c (out, '|');
      for (guint c = 0; c < N_MARKDOWN_COLUMNS; c++)
        {
          g_string_append_c (out, ' ');
          if (aligns[c] == ALIGN_LEFT)
            g_string_append_c (out, ':');
          for (gsize i = 1; i < widths[c]; i++)
            g_string_append_c (out, '-');
          if (aligns[c] == ALIGN_RIGHT)
            g_string_append_c (out, ':');
          g_string_append (out, " |");
        }
      g_string_append_c (out, '\n');
    }
}

static void
write_markdown (GString *out,
                const HsTraceData *data,
                GPtrArray *findings)
{
  g_autofree char *target = NULL;
  g_autofree char *when = NULL;
  g_autofree char *protocol = NULL;
  g_autofree char *probes = NULL;
  GListModel *hops = NULL;
  guint n_sent = 0;

  g_assert (data != NULL);

  hops = G_LIST_MODEL (data->hops);
  for (guint i = 0; i < data->n_hops; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (hops, i);

      n_sent += hs_hop_get_stats (hop)->sent;
    }

  /* A second-level heading: the report usually goes into a ticket or a
   * comment that has a title of its own. */
  target = markdown_escape (data->options.target);
  g_string_append (out, "## ");
  /* TRANSLATORS: the heading of a Markdown report; %s is the target. */
  g_string_append_printf (out, _("Path to %s"), target);
  g_string_append (out, "\n\n");

  append_markdown_fact (out, _("Resolved address"),
                        data->address != NULL ? data->address
                                              : _("not found"));
  protocol = describe_protocol (data);
  append_markdown_fact (out, _("Protocol"), protocol);
  when = describe_time (data);
  append_markdown_fact (out, _("Time"), when);
  if (has_range (data))
    {
      g_autofree char *range = NULL;

      range = hs_report_describe_range (data->range_from_us,
                                        data->range_to_us);
      append_markdown_fact (out, _("Range"), range);
    }
  /* The trace's rounds are not those of a range, which may start or end
   * in the middle of one. */
  if (has_range (data))
    probes = g_strdup_printf ("%u", n_sent);
  else
    /* TRANSLATORS: the probes a report's figures rest on, and the rounds
     * they were sent in. */
    probes = g_strdup_printf (g_dngettext (NULL, "%u in %u round",
                                           "%u in %u rounds", data->rounds),
                              n_sent, data->rounds);
  append_markdown_fact (out, _("Probes sent"), probes);
  append_markdown_fact (out, _("Helper"), describe_route (data->route));
  append_markdown_fact (out, _("Host"),
                        data->local_name != NULL ? data->local_name : "");
  append_markdown_fact (out, "Hopscope", get_version (data));
  g_string_append_c (out, '\n');

  append_markdown_table (out, data);

  if (has_findings (findings))
    {
      g_string_append_printf (out, "\n### %s\n\n", _("Diagnosis"));
      for (guint i = 0; i < findings->len; i++)
        {
          const HsFinding *finding = g_ptr_array_index (findings, i);

          g_string_append (out, "- ");
          append_markdown_escaped (out, finding->sentence);
          g_string_append_c (out, '\n');
        }
    }
}

char *
hs_report_write_data (HsReportFormat format,
                      const HsTraceData *data,
                      GPtrArray *findings,
                      gboolean wide)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (data->options.target != NULL, NULL);
  g_return_val_if_fail (G_IS_LIST_STORE (data->hops), NULL);
  g_return_val_if_fail (data->n_hops
                        <= g_list_model_get_n_items (G_LIST_MODEL (data->hops)),
                        NULL);

  switch (format)
    {
    case HS_REPORT_FORMAT_TEXT:
      write_text (out, data, findings, wide);
      break;
    case HS_REPORT_FORMAT_JSON:
      write_json (out, data, findings);
      break;
    case HS_REPORT_FORMAT_CSV:
      write_csv (out, data);
      break;
    case HS_REPORT_FORMAT_MARKDOWN:
      write_markdown (out, data, findings);
      break;
    default:
      g_return_val_if_reached (NULL);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
