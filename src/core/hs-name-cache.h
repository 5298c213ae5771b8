/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Reverse names of responders, looked up in the background and kept for
 * the life of the cache.  An address without a name is kept too, with its
 * own text as its name, so that it is asked for once only. */

#define HS_TYPE_NAME_CACHE (hs_name_cache_get_type ())

G_DECLARE_FINAL_TYPE (HsNameCache, hs_name_cache, HS, NAME_CACHE, GObject)

/* At most this many lookups run at once; the others wait their turn. */
#define HS_NAME_CACHE_MAX_IN_FLIGHT 4

/* A longer reverse name is not a host's name (DNS allows 253 characters)
 * and is shown as the address. */
#define HS_NAME_CACHE_MAX_NAME 253

/* RESOLVER: NULL for the default one. */
HsNameCache *hs_name_cache_new            (GResolver *resolver);
/* The text to show for ADDRESS: its name, or the address itself when it
 * has none or its name is not printable text (control characters, spaces,
 * invisible formatting, not UTF-8, too long).  NULL while unknown: a
 * lookup is then queued, and "resolved" tells its result.  Never
 * blocks. */
const char  *hs_name_cache_lookup         (HsNameCache *self,
                                           GInetAddress *address);
/* Lookups queued or running. */
guint        hs_name_cache_get_n_pending  (HsNameCache *self);
/* Stops the lookups queued or running; their addresses may be asked for
 * again. */
void         hs_name_cache_cancel         (HsNameCache *self);

/* Signals:
 *   "resolved" (GInetAddress *address, const char *name): a lookup ended;
 *   NAME is the address's text when it has no name. */

G_END_DECLS
