/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "hs-trace-data.h"

G_BEGIN_DECLS

#define HS_TYPE_SNAPSHOT_DIALOG (hs_snapshot_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HsSnapshotDialog, hs_snapshot_dialog, HS,
                      SNAPSHOT_DIALOG, GtkDialog)

/* "Save Snapshot": the privacy choices (kept in SETTINGS), a preview of
 * exactly what will be shared, then a file chooser or the clipboard.  It
 * shows a copy of WHOLE, taken when the dialog opens, cut to [FROM_US,
 * TO_US) unless both are 0, with hop CHART_TTL charted beside the
 * target. */
HsSnapshotDialog *hs_snapshot_dialog_new (GtkWindow *parent,
                                          GSettings *settings,
                                          const HsTraceData *whole,
                                          gint64 from_us,
                                          gint64 to_us,
                                          guint chart_ttl);

G_END_DECLS
