/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "hs-chart.h"
#include "hs-diagnosis.h"
#include "hs-trace-data.h"

G_BEGIN_DECLS

/* A picture of a trace that stands on its own in a support ticket: a
 * header (target, resolved address, protocol, time range, probes sent,
 * how the helper ran, host name, Hopscope's version), the hop table, the
 * latency chart and the diagnosis.  Plain cairo: the window's preview and
 * "Save snapshot", and `hopscope --report --snapshot FILE`, draw the
 * same. */

typedef enum
{
  HS_SNAPSHOT_FORMAT_PNG,
  HS_SNAPSHOT_FORMAT_SVG,
  HS_SNAPSHOT_FORMAT_PDF,
} HsSnapshotFormat;

/* What a snapshot shows.  Everything is borrowed for the call.  Privacy is
 * applied to DATA beforehand (hs_privacy_apply()), so that the preview and
 * the file show exactly the same. */
typedef struct
{
  const HsTraceData *data;
  GPtrArray *findings;         /* HsFinding, NULL for none */
  guint chart_ttl;             /* the hop charted with the target; 0 for
                                * the target alone */
} HsSnapshotContent;

/* The format a file name asks for, by its extension (.png, .svg, .pdf, in
 * any case); an error that names the three otherwise. */
gboolean         hs_snapshot_format_from_path (const char *path,
                                               HsSnapshotFormat *format,
                                               GError **error);
/* The height in points that CONTENT needs when drawn WIDTH points wide. */
double           hs_snapshot_get_height       (const HsSnapshotContent *content,
                                               const HsRenderStyle *style,
                                               double width);
/* Draws CONTENT into (0, 0, WIDTH, hs_snapshot_get_height ()) of CR. */
void             hs_snapshot_draw             (cairo_t *cr,
                                               const HsSnapshotContent *content,
                                               const HsRenderStyle *style,
                                               double width);
/* An image surface of CONTENT, WIDTH points wide at SCALE pixels a point:
 * for the clipboard and the PNG file. */
cairo_surface_t *hs_snapshot_render_image     (const HsSnapshotContent *content,
                                               const HsRenderStyle *style,
                                               double width,
                                               double scale);
/* Writes CONTENT to PATH in FORMAT, in Hopscope's light style. */
gboolean         hs_snapshot_write            (const HsSnapshotContent *content,
                                               HsSnapshotFormat format,
                                               const char *path,
                                               GError **error);

G_END_DECLS
