/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib/gi18n.h>

#include "hs-export.h"
#include "hs-recording.h"
#include "hs-snapshot.h"

void
hs_export_read_privacy (GSettings *settings,
                        HsPrivacy *privacy)
{
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (privacy != NULL);

  privacy->hide_private = g_settings_get_boolean (settings, "hide-private");
  privacy->hide_own = g_settings_get_boolean (settings, "hide-own");
  privacy->hide_first_hops = g_settings_get_uint (settings, "hide-first-hops");
}

void
hs_export_write_privacy (GSettings *settings,
                         const HsPrivacy *privacy)
{
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (privacy != NULL);

  g_settings_set_boolean (settings, "hide-private", privacy->hide_private);
  g_settings_set_boolean (settings, "hide-own", privacy->hide_own);
  g_settings_set_uint (settings, "hide-first-hops",
                       MIN (privacy->hide_first_hops, 255));
}

HsTraceData *
hs_export_copy_data (const HsTraceData *data)
{
  HsTraceData *copy = NULL;

  g_return_val_if_fail (data != NULL, NULL);

  copy = hs_trace_data_cut (data, G_MININT64, G_MAXINT64);
  copy->range_from_us = data->range_from_us;
  copy->range_to_us = data->range_to_us;
  copy->n_hops = data->n_hops;

  return copy;
}

HsTraceData *
hs_export_collect (const HsTraceData *whole,
                   gint64 from_us,
                   gint64 to_us,
                   const HsPrivacy *privacy)
{
  g_autoptr(HsTraceData) data = NULL;

  g_return_val_if_fail (whole != NULL, NULL);

  if (from_us != 0 || to_us != 0)
    data = hs_trace_data_cut (whole, from_us, to_us);
  else
    data = hs_export_copy_data (whole);

  if (privacy != NULL && !hs_privacy_is_empty (privacy))
    {
      g_autoptr(HsTraceData) hidden = hs_privacy_apply (data, privacy);

      hs_trace_data_free (g_steal_pointer (&data));
      data = g_steal_pointer (&hidden);
    }

  return g_steal_pointer (&data);
}

gboolean
hs_export_report_format_from_path (const char *path,
                                   HsReportFormat *format,
                                   GError **error)
{
  static const struct
  {
    const char *extension;
    HsReportFormat format;
  } formats[] = {
    { ".txt", HS_REPORT_FORMAT_TEXT },
    { ".md", HS_REPORT_FORMAT_MARKDOWN },
    { ".csv", HS_REPORT_FORMAT_CSV },
    { ".json", HS_REPORT_FORMAT_JSON },
  };
  g_autofree char *lower = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (format != NULL, FALSE);

  lower = g_ascii_strdown (path, -1);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_str_has_suffix (lower, formats[i].extension))
      {
        *format = formats[i].format;
        return TRUE;
      }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("Cannot tell the report’s format from the name “%s”: "
                 "end it with .txt, .md, .csv or .json."), path);
  return FALSE;
}

char *
hs_export_write_report (HsReportFormat format,
                        const HsTraceData *data)
{
  g_autoptr(GPtrArray) findings = NULL;

  g_return_val_if_fail (data != NULL, NULL);

  findings = hs_diagnose (data);
  return hs_report_write_data (format, data, findings, TRUE);
}

gboolean
hs_export_save_report (const HsTraceData *data,
                       const char *path,
                       GError **error)
{
  g_autofree char *text = NULL;
  HsReportFormat format = HS_REPORT_FORMAT_TEXT;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!hs_export_report_format_from_path (path, &format, error))
    return FALSE;

  text = hs_export_write_report (format, data);
  return g_file_set_contents (path, text, -1, error);
}

gboolean
hs_export_save_snapshot (const HsTraceData *data,
                         guint chart_ttl,
                         const char *path,
                         GError **error)
{
  g_autoptr(GPtrArray) findings = NULL;
  HsSnapshotContent content = { 0 };
  HsSnapshotFormat format = HS_SNAPSHOT_FORMAT_PNG;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!hs_snapshot_format_from_path (path, &format, error))
    return FALSE;

  findings = hs_diagnose (data);
  content.data = data;
  content.findings = findings;
  content.chart_ttl = chart_ttl;
  return hs_snapshot_write (&content, format, path, error);
}

GdkPixbuf *
hs_export_snapshot_pixbuf (const HsTraceData *data,
                           guint chart_ttl)
{
  g_autoptr(GPtrArray) findings = NULL;
  cairo_surface_t *surface = NULL;
  GdkPixbuf *pixbuf = NULL;
  HsSnapshotContent content = { 0 };
  HsRenderStyle style;

  g_return_val_if_fail (data != NULL, NULL);

  findings = hs_diagnose (data);
  content.data = data;
  content.findings = findings;
  content.chart_ttl = chart_ttl;

  /* The file is drawn in the light style; so is the copy. */
  hs_render_style_init_default (&style, FALSE);
  surface = hs_snapshot_render_image (&content, &style,
                                      HS_EXPORT_SNAPSHOT_WIDTH, 1.0);
  pixbuf = gdk_pixbuf_get_from_surface
    (surface, 0, 0, cairo_image_surface_get_width (surface),
     cairo_image_surface_get_height (surface));
  cairo_surface_destroy (surface);

  return pixbuf;
}

gboolean
hs_export_save_recording (const HsTraceData *data,
                          const char *path,
                          GError **error)
{
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* A recording is the whole truth, for a support engineer to read: no
   * range cuts it and no privacy choice hides anything in it. */
  return hs_recording_save (data, path, error);
}

char *
hs_export_format_range (gint64 from_us,
                        gint64 to_us)
{
  g_autoptr(GDateTime) from = NULL;
  g_autoptr(GDateTime) to = NULL;
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;

  from = g_date_time_new_from_unix_local (from_us / G_USEC_PER_SEC);
  to = g_date_time_new_from_unix_local (to_us / G_USEC_PER_SEC);
  if (from == NULL || to == NULL)
    return g_strdup ("");

  from_text = g_date_time_format (from, "%H:%M:%S");
  to_text = g_date_time_format (to, "%H:%M:%S");
  /* TRANSLATORS: a time range, "12:03:10–12:05:40". */
  return g_strdup_printf (_("%s–%s"), from_text, to_text);
}

char *
hs_export_suggest_name (const char *target,
                        const char *extension)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d-%H%M%S");
  g_autofree char *safe_target = g_strdup (target ? target : "");

  g_return_val_if_fail (extension != NULL, NULL);

  /* A target is a name or an address: only the colons of IPv6 and a
   * slash could trouble a file system, and none is kept. */
  g_strdelimit (safe_target, ":/\\", '-');
  return g_strdup_printf ("hopscope-%s-%s%s", safe_target, stamp, extension);
}
