/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "hs-trace.h"

G_BEGIN_DECLS

#define HS_TYPE_HOP_TABLE (hs_hop_table_get_type ())

G_DECLARE_FINAL_TYPE (HsHopTable, hs_hop_table, HS, HOP_TABLE,
                      GtkScrolledWindow)

/* The table of hops: one row a hop, refreshed from the trace when
 * hs_hop_table_refresh() is called, so that the caller decides how often.
 * Signals: "selection-changed": see hs_hop_table_get_selected_hop(). */
GtkWidget *hs_hop_table_new              (void);
void       hs_hop_table_set_trace        (HsHopTable *self,
                                          HsTrace *trace);
/* Which columns are hidden is read from and saved to SETTINGS. */
void       hs_hop_table_set_settings     (HsHopTable *self,
                                          GSettings *settings);
/* The right edge of the rows' graphs, for a trace that no longer grows
 * there (a recording, a selected time range); 0: now. */
void       hs_hop_table_set_end_time     (HsHopTable *self,
                                          gint64 end_us);
void       hs_hop_table_refresh          (HsHopTable *self);
HsHop     *hs_hop_table_get_selected_hop (HsHopTable *self);
/* Selects the row of time-to-live TTL; FALSE when the table has none. */
gboolean   hs_hop_table_select_ttl       (HsHopTable *self,
                                          guint ttl);
/* The identifiers of the columns shown ("hop", "host", "loss", ...). */
GStrv      hs_hop_table_dup_visible_columns (HsHopTable *self);
/* Where the header of column ID is on the screen, for tests that click
 * it; FALSE when it is not shown. */
gboolean   hs_hop_table_get_header_position (HsHopTable *self,
                                             const char *id,
                                             int *root_x,
                                             int *root_y);
/* The rows as the table shows them, for tests: an array of objects. */
JsonNode  *hs_hop_table_dump             (HsHopTable *self);

G_END_DECLS
