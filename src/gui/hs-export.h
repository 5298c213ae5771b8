/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "hs-diagnosis.h"
#include "hs-privacy.h"
#include "hs-report.h"
#include "hs-trace-data.h"

G_BEGIN_DECLS

/* What the window shares, without a dialog: the dialogs and the test
 * actions both come here, so that what a test saves is what a person
 * saves. */

/* The width in points of a snapshot drawn by the window, the preview's
 * and the clipboard's. */
#define HS_EXPORT_SNAPSHOT_WIDTH 960.0

/* The privacy choices kept in SETTINGS. */
void         hs_export_read_privacy      (GSettings *settings,
                                          HsPrivacy *privacy);
void         hs_export_write_privacy     (GSettings *settings,
                                          const HsPrivacy *privacy);
/* A copy of DATA, hops and all. */
HsTraceData *hs_export_copy_data         (const HsTraceData *data);
/* A copy of WHOLE cut to [FROM_US, TO_US) unless both are 0, with PRIVACY
 * (NULL for none) applied. */
HsTraceData *hs_export_collect           (const HsTraceData *whole,
                                          gint64 from_us,
                                          gint64 to_us,
                                          const HsPrivacy *privacy);
/* The format a report's file name asks for by its extension: .txt,
 * .md, .csv or .json. */
gboolean     hs_export_report_format_from_path (const char *path,
                                                HsReportFormat *format,
                                                GError **error);
/* DATA as a report in FORMAT, its diagnosis included. */
char        *hs_export_write_report      (HsReportFormat format,
                                          const HsTraceData *data);
gboolean     hs_export_save_report       (const HsTraceData *data,
                                          const char *path,
                                          GError **error);
/* A snapshot of DATA, its diagnosis included, with hop CHART_TTL charted
 * beside the target (0 for the target alone), to PATH in the format its
 * extension asks for. */
gboolean     hs_export_save_snapshot     (const HsTraceData *data,
                                          guint chart_ttl,
                                          const char *path,
                                          GError **error);
/* The same snapshot as an image, for the clipboard. */
GdkPixbuf   *hs_export_snapshot_pixbuf   (const HsTraceData *data,
                                          guint chart_ttl);
gboolean     hs_export_save_recording    (const HsTraceData *data,
                                          const char *path,
                                          GError **error);
/* "hopscope-TARGET-2026-12-03-120310.png" for EXTENSION ".png": a name
 * for a file that says what and when, with nothing a file system could
 * mind. */
char        *hs_export_suggest_name      (const char *target,
                                          const char *extension);
/* "12:03:10–12:05:40", the range in local time. */
char        *hs_export_format_range      (gint64 from_us,
                                          gint64 to_us);

G_END_DECLS
