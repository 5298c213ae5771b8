/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <glib/gi18n.h>

#include "hs-privacy.h"

/* The addresses of this machine's interfaces, as getifaddrs() lists them
 * now; empty when it fails, which hides nothing more than the other
 * choices do. */
static GPtrArray *
read_own_addresses (void)
{
  g_autoptr(GPtrArray) addresses = NULL;
  struct ifaddrs *list = NULL;

  addresses = g_ptr_array_new_with_free_func (g_object_unref);
  if (getifaddrs (&list) != 0)
    {
      g_warning ("Could not list this machine's addresses: %s",
                 g_strerror (errno));
      return g_steal_pointer (&addresses);
    }

  for (struct ifaddrs *entry = list; entry != NULL; entry = entry->ifa_next)
    {
      const struct sockaddr *sa = entry->ifa_addr;

      if (sa == NULL)
        continue;
      if (sa->sa_family == AF_INET)
        {
          const struct sockaddr_in *in = (const struct sockaddr_in *) sa;

          g_ptr_array_add (addresses,
                           g_inet_address_new_from_bytes
                             ((const guint8 *) &in->sin_addr,
                              G_SOCKET_FAMILY_IPV4));
        }
      else if (sa->sa_family == AF_INET6)
        {
          const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) sa;

          g_ptr_array_add (addresses,
                           g_inet_address_new_from_bytes
                             ((const guint8 *) &in6->sin6_addr,
                              G_SOCKET_FAMILY_IPV6));
        }
    }
  freeifaddrs (list);

  return g_steal_pointer (&addresses);
}

static gboolean
is_private_ipv4 (const guint8 *bytes)
{
  g_assert (bytes != NULL);

  return bytes[0] == 10                                       /* 10/8 */
         || (bytes[0] == 172 && (bytes[1] & 0xf0) == 16)      /* 172.16/12 */
         || (bytes[0] == 192 && bytes[1] == 168)              /* 192.168/16 */
         || (bytes[0] == 100 && (bytes[1] & 0xc0) == 64)      /* 100.64/10 */
         || (bytes[0] == 169 && bytes[1] == 254)              /* 169.254/16 */
         || bytes[0] == 127;                                  /* 127/8 */
}

gboolean
hs_privacy_is_empty (const HsPrivacy *privacy)
{
  g_return_val_if_fail (privacy != NULL, TRUE);

  return !privacy->hide_private && !privacy->hide_own
         && privacy->hide_first_hops == 0;
}

gboolean
hs_privacy_is_private (GInetAddress *address)
{
  const guint8 *bytes = NULL;
  static const guint8 mapped_prefix[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
  };

  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);

  bytes = g_inet_address_to_bytes (address);
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    return is_private_ipv4 (bytes);

  /* An IPv4 address written as IPv6 (::ffff:10.0.0.1) is as private as
   * the IPv4 address it carries. */
  if (memcmp (bytes, mapped_prefix, sizeof mapped_prefix) == 0)
    return is_private_ipv4 (bytes + 12);

  return (bytes[0] & 0xfe) == 0xfc                           /* fc00::/7 */
         || (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80)  /* fe80::/10 */
         || g_inet_address_get_is_loopback (address);        /* ::1 */
}

static gboolean
is_own (GPtrArray *own,
        GInetAddress *address)
{
  g_assert (own != NULL);
  g_assert (G_IS_INET_ADDRESS (address));

  for (guint i = 0; i < own->len; i++)
    if (g_inet_address_equal (g_ptr_array_index (own, i), address))
      return TRUE;

  return FALSE;
}

/* Whether PRIVACY hides ADDRESS, wherever it appears. */
static gboolean
hides_address (const HsPrivacy *privacy,
               GPtrArray *own,
               GInetAddress *address)
{
  g_assert (privacy != NULL);

  if (address == NULL)
    return FALSE;
  if (privacy->hide_private && hs_privacy_is_private (address))
    return TRUE;
  if (own != NULL && is_own (own, address))
    return TRUE;

  return FALSE;
}

/* Whether PRIVACY hides the target, as the user gave it (a name or an
 * address) and as it was resolved. */
static gboolean
hides_target (const HsTraceData *data,
              const HsPrivacy *privacy,
              GPtrArray *own,
              GPtrArray *hidden)
{
  g_autoptr(GInetAddress) given = NULL;
  g_autoptr(GInetAddress) resolved = NULL;

  g_assert (data != NULL);
  g_assert (privacy != NULL);
  g_assert (hidden != NULL);

  if (data->options.target != NULL)
    given = g_inet_address_new_from_string (data->options.target);
  if (data->address != NULL)
    resolved = g_inet_address_new_from_string (data->address);

  if (hides_address (privacy, own, given)
      || hides_address (privacy, own, resolved))
    return TRUE;

  /* A target given by this machine's own name is this machine. */
  if (privacy->hide_own && data->options.target != NULL
      && data->local_name != NULL
      && g_ascii_strcasecmp (data->options.target, data->local_name) == 0)
    return TRUE;

  /* A target that answered at a hidden hop (one of the first hops) would
   * otherwise show in the header what the table hides. */
  for (guint i = 0; i < hidden->len; i++)
    if ((given != NULL && g_inet_address_equal (given, hidden->pdata[i]))
        || (resolved != NULL
            && g_inet_address_equal (resolved, hidden->pdata[i])))
      return TRUE;

  return FALSE;
}

/**
 * hs_privacy_apply:
 * @data: what a trace measured
 * @privacy: what to hide
 *
 * Returns: (transfer full): a copy of @data, cut to the same range, in
 *   which what @privacy hides reads "hidden"
 */
HsTraceData *
hs_privacy_apply (const HsTraceData *data,
                  const HsPrivacy *privacy)
{
  g_autoptr(HsTraceData) copy = NULL;
  g_autoptr(GPtrArray) own = NULL;
  g_autoptr(GPtrArray) hidden = NULL;
  const char *label = NULL;
  gboolean whole = FALSE;
  guint n_items = 0;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (privacy != NULL, NULL);

  /* A copy of the whole trace says it covers the whole trace, as DATA
   * does, and lists as many hops. */
  whole = data->range_from_us == 0 && data->range_to_us == 0;
  copy = whole ? hs_trace_data_cut (data, 0, G_MAXINT64)
               : hs_trace_data_cut (data, data->range_from_us,
                                    data->range_to_us);
  if (whole)
    copy->range_from_us = copy->range_to_us = 0;
  copy->n_hops = data->n_hops;

  if (hs_privacy_is_empty (privacy))
    return g_steal_pointer (&copy);

  /* TRANSLATORS: what stands for an address or a name that the person
   * sharing a snapshot or a report chose to hide. */
  label = _("hidden");
  if (privacy->hide_own)
    own = read_own_addresses ();
  hidden = g_ptr_array_new_with_free_func (g_object_unref);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (copy->hops));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (G_LIST_MODEL (copy->hops),
                                                    i);
      gboolean first = hs_hop_get_ttl (hop) <= privacy->hide_first_hops;

      for (guint r = 0; r < hs_hop_get_n_responders (hop); r++)
        {
          GInetAddress *address = hs_hop_get_responder (hop, r)->address;

          if (!first && !hides_address (privacy, own, address))
            continue;
          g_ptr_array_add (hidden, g_object_ref (address));
          hs_hop_hide_responder (hop, r, label);
        }
    }

  if (hides_target (copy, privacy, own, hidden))
    {
      g_free (copy->options.target);
      copy->options.target = g_strdup (label);
      g_free (copy->address);
      copy->address = g_strdup (label);
    }

  if (privacy->hide_own)
    {
      g_free (copy->local_name);
      copy->local_name = g_strdup (label);
    }

  return g_steal_pointer (&copy);
}
