/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <cairo.h>
#include <glib.h>

#include "hs-chart.h"
#include "hs-hop.h"

G_BEGIN_DECLS

/* Draws a small latency graph of HOP over [FROM_US, TO_US) into the
 * rectangle (0, 0, WIDTH, HEIGHT) of CR, for a row of the hop table: a bar
 * per probe, or per pixel column when probes outnumber pixels (the worst
 * answer faint, the mean solid), and lost probes in red along the top.  The
 * scale runs from 0 to the hop's worst answer in range, or to the style's
 * scale_max_us.  It paints no background: the row under it shows through. */
void      hs_sparkline_draw     (cairo_t *cr,
                                 double width,
                                 double height,
                                 HsHop *hop,
                                 gint64 from_us,
                                 gint64 to_us,
                                 const HsRenderStyle *style);

G_END_DECLS
