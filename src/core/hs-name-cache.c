/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <string.h>

#include "hs-name-cache.h"

struct _HsNameCache
{
  GObject parent_instance;

  GResolver *resolver;
  GCancellable *cancellable;
  /* Address text -> name; the value is NULL while its lookup is queued or
   * running. */
  GHashTable *names;
  /* GInetAddress objects waiting for a free lookup slot. */
  GQueue waiting;
  guint n_in_flight;
};

enum
{
  SIGNAL_RESOLVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HsNameCache, hs_name_cache, G_TYPE_OBJECT)

static void start_lookups (HsNameCache *self);

static void
hs_name_cache_dispose (GObject *object)
{
  HsNameCache *self = HS_NAME_CACHE (object);

  hs_name_cache_cancel (self);

  G_OBJECT_CLASS (hs_name_cache_parent_class)->dispose (object);
}

static void
hs_name_cache_finalize (GObject *object)
{
  HsNameCache *self = HS_NAME_CACHE (object);

  g_clear_object (&self->resolver);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->names, g_hash_table_unref);

  G_OBJECT_CLASS (hs_name_cache_parent_class)->finalize (object);
}

static void
hs_name_cache_class_init (HsNameCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_name_cache_dispose;
  object_class->finalize = hs_name_cache_finalize;

  signals[SIGNAL_RESOLVED] =
    g_signal_new ("resolved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_INET_ADDRESS, G_TYPE_STRING);
}

static void
hs_name_cache_init (HsNameCache *self)
{
  self->cancellable = g_cancellable_new ();
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal,
                                       g_free, g_free);
  g_queue_init (&self->waiting);
}

/**
 * hs_name_cache_new:
 * @resolver: (nullable): the resolver to ask, NULL for the default one
 *
 * Returns: a new, empty cache of reverse names.
 */
HsNameCache *
hs_name_cache_new (GResolver *resolver)
{
  HsNameCache *self = NULL;

  g_return_val_if_fail (resolver == NULL || G_IS_RESOLVER (resolver), NULL);

  self = g_object_new (HS_TYPE_NAME_CACHE, NULL);
  self->resolver = resolver ? g_object_ref (resolver)
                            : g_resolver_get_default ();

  return self;
}

/* One lookup running: what its callback needs to know. */
typedef struct
{
  HsNameCache *self;
  GInetAddress *address;
} HsLookup;

static void
hs_lookup_free (HsLookup *lookup)
{
  g_object_unref (lookup->self);
  g_object_unref (lookup->address);
  g_free (lookup);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HsLookup, hs_lookup_free)

/* Whether NAME can stand for a host in what Hopscope shows and writes.
 * Whoever holds the reverse zone of a router's address chooses its name:
 * one with control characters, or that is not text at all, could reorder
 * a terminal's report or forge a line of it, so it is not shown. */
static gboolean
name_is_presentable (const char *name)
{
  if (name[0] == '\0' || strlen (name) > HS_NAME_CACHE_MAX_NAME
      || !g_utf8_validate (name, -1, NULL))
    return FALSE;

  for (const char *c = name; *c != '\0'; c = g_utf8_next_char (c))
    {
      gunichar character = g_utf8_get_char (c);

      if (g_unichar_iscntrl (character) || g_unichar_isspace (character)
          || g_unichar_type (character) == G_UNICODE_FORMAT)
        return FALSE;
    }
  return TRUE;
}

static void
on_lookup_done (GObject *source,
                GAsyncResult *result,
                gpointer user_data)
{
  g_autoptr(HsLookup) lookup = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  HsNameCache *self = lookup->self;

  name = g_resolver_lookup_by_address_finish (G_RESOLVER (source), result,
                                              &error);

  /* A cancelled lookup leaves no trace: hs_name_cache_cancel() already
   * forgot it, so that the address may be asked for again.  Every other
   * failure is an answer ("no name") worth keeping. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->n_in_flight--;
  text = g_inet_address_to_string (lookup->address);
  if (name == NULL)
    {
      g_debug ("No reverse name for %s: %s", text, error->message);
      name = g_strdup (text);
    }
  else if (!name_is_presentable (name))
    {
      g_debug ("The reverse name of %s is not shown: it is not a name "
               "that can be printed", text);
      g_free (name);
      name = g_strdup (text);
    }

  g_hash_table_replace (self->names, g_strdup (text), g_strdup (name));
  g_signal_emit (self, signals[SIGNAL_RESOLVED], 0, lookup->address, name);

  start_lookups (self);
}

static void
start_lookups (HsNameCache *self)
{
  g_assert (HS_IS_NAME_CACHE (self));

  while (self->n_in_flight < HS_NAME_CACHE_MAX_IN_FLIGHT
         && !g_queue_is_empty (&self->waiting))
    {
      HsLookup *lookup = g_new0 (HsLookup, 1);

      lookup->self = g_object_ref (self);
      lookup->address = g_queue_pop_head (&self->waiting);
      self->n_in_flight++;
      g_resolver_lookup_by_address_async (self->resolver, lookup->address,
                                          self->cancellable,
                                          on_lookup_done, lookup);
    }
}

/**
 * hs_name_cache_lookup:
 * @self: a cache
 * @address: the address to name
 *
 * Returns: (nullable): the name of @address, its own text when it has
 * none, or NULL while that is not known yet; "resolved" follows then.
 */
const char *
hs_name_cache_lookup (HsNameCache *self,
                      GInetAddress *address)
{
  g_autofree char *text = NULL;
  gpointer name = NULL;

  g_return_val_if_fail (HS_IS_NAME_CACHE (self), NULL);
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), NULL);

  text = g_inet_address_to_string (address);
  if (g_hash_table_lookup_extended (self->names, text, NULL, &name))
    return name;

  g_hash_table_insert (self->names, g_steal_pointer (&text), NULL);
  g_queue_push_tail (&self->waiting, g_object_ref (address));
  start_lookups (self);

  return NULL;
}

/**
 * hs_name_cache_get_n_pending:
 * @self: a cache
 *
 * Returns: how many lookups are queued or running.
 */
guint
hs_name_cache_get_n_pending (HsNameCache *self)
{
  g_return_val_if_fail (HS_IS_NAME_CACHE (self), 0);

  return self->n_in_flight + g_queue_get_length (&self->waiting);
}

static gboolean
name_is_unknown (gpointer key,
                 gpointer value,
                 gpointer user_data)
{
  return value == NULL;
}

/**
 * hs_name_cache_cancel:
 * @self: a cache
 *
 * Stops every lookup queued or running; the names already known stay.
 */
void
hs_name_cache_cancel (HsNameCache *self)
{
  g_return_if_fail (HS_IS_NAME_CACHE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->n_in_flight = 0;
  g_queue_clear_full (&self->waiting, g_object_unref);
  g_hash_table_foreach_remove (self->names, name_is_unknown, NULL);
}
