/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "hs-trace-data.h"

G_BEGIN_DECLS

/* What a person hides before sharing a snapshot or a report. */
typedef struct
{
  /* Private and special-use addresses: RFC 1918, shared address space
   * (100.64.0.0/10), link-local, loopback, IPv6 unique local (fc00::/7)
   * and link-local; and their names. */
  gboolean hide_private;
  /* This machine's own addresses and its host name. */
  gboolean hide_own;
  /* Hops 1 to HIDE_FIRST_HOPS (time-to-live), whatever their addresses:
   * the home and the provider's access network. */
  guint hide_first_hops;
} HsPrivacy;

/* TRUE when PRIVACY hides nothing. */
gboolean     hs_privacy_is_empty     (const HsPrivacy *privacy);
/* Whether ADDRESS is a private or special-use address, as hide_private
 * means it. */
gboolean     hs_privacy_is_private   (GInetAddress *address);
/* A copy of DATA in which every responder, name and target that PRIVACY
 * hides reads "hidden" (translated) instead, as do the local host name
 * with hide_own; the figures stay. */
HsTraceData *hs_privacy_apply        (const HsTraceData *data,
                                      const HsPrivacy *privacy);

G_END_DECLS
