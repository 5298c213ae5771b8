/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* The name cache against a resolver of the test's own, which answers each
 * address with the name a table gives it: what a person sees of a router
 * whose reverse zone says something hostile. */

#include "hs-name-cache.h"

/* Each address of 192.0.2.0/24 the test asks for, and what its reverse
 * zone answers; NULL: no name. */
static const struct
{
  const char *address;
  const char *name;
  gboolean shown;
} answers[] = {
  { "192.0.2.1", "core1.example.net", TRUE },
  { "192.0.2.2", "stra\xc3\x9f" "e.example.net", TRUE },
  { "192.0.2.3", NULL, FALSE },
  { "192.0.2.4", "evil\x1b[2J.example.net", FALSE },
  { "192.0.2.5", "two\nlines.example.net", FALSE },
  { "192.0.2.6", "bad\xff utf8.example.net", FALSE },
  { "192.0.2.7", "rtl\xe2\x80\xae" "ten.example.net", FALSE },
  { "192.0.2.8", "with space.example.net", FALSE },
  { "192.0.2.9", "", FALSE },
  { "192.0.2.10", NULL /* too long: filled in by the test */, FALSE },
};

#define TOO_LONG_ADDRESS "192.0.2.10"

#define HS_TYPE_TABLE_RESOLVER (hs_table_resolver_get_type ())
G_DECLARE_FINAL_TYPE (HsTableResolver, hs_table_resolver, HS, TABLE_RESOLVER,
                      GResolver)

struct _HsTableResolver
{
  GResolver parent_instance;

  guint n_lookups;
};

G_DEFINE_TYPE (HsTableResolver, hs_table_resolver, G_TYPE_RESOLVER)

static char *
answer_for (GInetAddress *address)
{
  g_autofree char *text = g_inet_address_to_string (address);

  if (g_str_equal (text, TOO_LONG_ADDRESS))
    {
      g_autoptr(GString) name = g_string_new (NULL);

      while (name->len <= HS_NAME_CACHE_MAX_NAME)
        g_string_append (name, "long.");
      g_string_append (name, "example.net");
      return g_string_free (g_steal_pointer (&name), FALSE);
    }

  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    if (g_str_equal (text, answers[i].address))
      return g_strdup (answers[i].name);
  return NULL;
}

static void
hs_table_resolver_lookup_by_address_async (GResolver *resolver,
                                           GInetAddress *address,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data)
{
  HsTableResolver *self = HS_TABLE_RESOLVER (resolver);
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback,
                                      user_data);
  char *name = answer_for (address);

  self->n_lookups++;
  if (name == NULL)
    g_task_return_new_error (task, G_RESOLVER_ERROR,
                             G_RESOLVER_ERROR_NOT_FOUND, "No name");
  else
    g_task_return_pointer (task, name, g_free);
}

static char *
hs_table_resolver_lookup_by_address_finish (GResolver *resolver,
                                            GAsyncResult *result,
                                            GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
hs_table_resolver_class_init (HsTableResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  resolver_class->lookup_by_address_async =
    hs_table_resolver_lookup_by_address_async;
  resolver_class->lookup_by_address_finish =
    hs_table_resolver_lookup_by_address_finish;
}

static void
hs_table_resolver_init (HsTableResolver *self)
{
}

static void
on_resolved (HsNameCache *cache,
             GInetAddress *address,
             const char *name,
             gpointer user_data)
{
  guint *n_resolved = user_data;

  (*n_resolved)++;
}

/* Every answer ends as a name or as the address, and only the names that
 * print as one line of plain text are shown. */
static void
test_names_shown (void)
{
  g_autoptr(HsTableResolver) resolver = NULL;
  g_autoptr(HsNameCache) cache = NULL;
  guint n_resolved = 0;

  resolver = g_object_new (HS_TYPE_TABLE_RESOLVER, NULL);
  cache = hs_name_cache_new (G_RESOLVER (resolver));
  g_signal_connect (cache, "resolved", G_CALLBACK (on_resolved), &n_resolved);

  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autoptr(GInetAddress) address = NULL;

      address = g_inet_address_new_from_string (answers[i].address);
      g_assert_null (hs_name_cache_lookup (cache, address));
    }
  while (hs_name_cache_get_n_pending (cache) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (n_resolved, ==, G_N_ELEMENTS (answers));

  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autoptr(GInetAddress) address = NULL;
      const char *shown = NULL;

      address = g_inet_address_new_from_string (answers[i].address);
      shown = hs_name_cache_lookup (cache, address);
      g_test_message ("%s: %s", answers[i].address, shown);
      g_assert_nonnull (shown);
      if (answers[i].shown)
        g_assert_cmpstr (shown, ==, answers[i].name);
      else
        g_assert_cmpstr (shown, ==, answers[i].address);
    }

  /* Each address was asked for once: the second round came from the
   * cache, refused names included. */
  g_assert_cmpuint (resolver->n_lookups, ==, G_N_ELEMENTS (answers));
  g_assert_cmpuint (hs_name_cache_get_n_pending (cache), ==, 0);
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Hopscope/NameCache/names-shown", test_names_shown);

  return g_test_run ();
}
