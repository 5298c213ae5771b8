/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <string.h>

#include "hs-helper-route.h"

#define HELPER "/opt/hs-test/libexec/hopscope-probe"

static HsHelperRouteChoice *
choose (const HsHelperRouteFacts *facts,
        HsProtocol protocol)
{
  g_autoptr(GError) error = NULL;
  HsHelperRouteChoice *choice = hs_helper_route_choose (facts, protocol,
                                                        HELPER, &error);

  g_assert_no_error (error);
  g_assert_nonnull (choice);
  g_assert_nonnull (choice->reason);
  g_assert_cmpstr (choice->reason, !=, "");
  return choice;
}

static void
assert_direct (const HsHelperRouteChoice *choice)
{
  g_assert_cmpuint (g_strv_length (choice->argv), ==, 1);
  g_assert_cmpstr (choice->argv[0], ==, HELPER);
}

static void
test_datagram (void)
{
  HsHelperRouteFacts facts = { .datagram_icmp = TRUE };
  g_autoptr(HsHelperRouteChoice) choice = choose (&facts, HS_PROTOCOL_ICMP);

  g_assert_cmpint (choice->route, ==, HS_HELPER_ROUTE_UNPRIVILEGED);
  g_assert_true (choice->no_new_privs);
  assert_direct (choice);
}

/* Every route is open: the least privileged one wins, and the helper's
 * capability is kept from it by no_new_privs. */
static void
test_datagram_first (void)
{
  HsHelperRouteFacts facts = {
    .datagram_icmp = TRUE,
    .helper_capability = TRUE,
    .helper_setuid_root = TRUE,
    .running_as_root = TRUE,
    .pkexec_found = TRUE,
  };
  g_autoptr(HsHelperRouteChoice) choice = choose (&facts, HS_PROTOCOL_ICMP);

  g_assert_cmpint (choice->route, ==, HS_HELPER_ROUTE_UNPRIVILEGED);
  g_assert_true (choice->no_new_privs);
}

/* Datagram sockets carry no UDP or TCP probes. */
static void
test_datagram_icmp_only (void)
{
  HsHelperRouteFacts facts = {
    .datagram_icmp = TRUE,
    .helper_capability = TRUE,
  };
  g_autoptr(HsHelperRouteChoice) udp = choose (&facts, HS_PROTOCOL_UDP);
  g_autoptr(HsHelperRouteChoice) tcp = choose (&facts, HS_PROTOCOL_TCP);

  g_assert_cmpint (udp->route, ==, HS_HELPER_ROUTE_CAPABILITY);
  g_assert_false (udp->no_new_privs);
  g_assert_cmpint (tcp->route, ==, HS_HELPER_ROUTE_CAPABILITY);
}

static void
test_capability (void)
{
  HsHelperRouteFacts facts = {
    .helper_capability = TRUE,
    .helper_setuid_root = TRUE,
    .running_as_root = TRUE,
    .pkexec_found = TRUE,
  };
  g_autoptr(HsHelperRouteChoice) choice = choose (&facts, HS_PROTOCOL_ICMP);

  g_assert_cmpint (choice->route, ==, HS_HELPER_ROUTE_CAPABILITY);
  g_assert_false (choice->no_new_privs);
  assert_direct (choice);
}

static void
test_setuid (void)
{
  HsHelperRouteFacts facts = {
    .helper_setuid_root = TRUE,
    .running_as_root = TRUE,
    .pkexec_found = TRUE,
  };
  g_autoptr(HsHelperRouteChoice) choice = choose (&facts, HS_PROTOCOL_UDP);

  g_assert_cmpint (choice->route, ==, HS_HELPER_ROUTE_SETUID);
  g_assert_false (choice->no_new_privs);
  assert_direct (choice);
}

static void
test_root (void)
{
  HsHelperRouteFacts facts = {
    .running_as_root = TRUE,
    .pkexec_found = TRUE,
  };
  g_autoptr(HsHelperRouteChoice) choice = choose (&facts, HS_PROTOCOL_TCP);

  g_assert_cmpint (choice->route, ==, HS_HELPER_ROUTE_ROOT);
  assert_direct (choice);
}

/* pkexec runs the helper Hopscope was built with, never the one the
 * caller named (which may come from the environment). */
static void
test_pkexec (void)
{
  HsHelperRouteFacts facts = { .pkexec_found = TRUE };
  g_autoptr(HsHelperRouteChoice) choice = choose (&facts, HS_PROTOCOL_ICMP);

  g_assert_cmpint (choice->route, ==, HS_HELPER_ROUTE_PKEXEC);
  g_assert_false (choice->no_new_privs);
  g_assert_cmpuint (g_strv_length (choice->argv), ==, 2);
  g_assert_cmpstr (choice->argv[0], ==, HOPSCOPE_PKEXEC_PATH);
  g_assert_cmpstr (choice->argv[1], ==, HOPSCOPE_HELPER_PATH);
  g_assert_cmpstr (choice->argv[1], !=, HELPER);
}

static void
test_none (void)
{
  HsHelperRouteFacts facts = { .datagram_icmp = TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(HsHelperRouteChoice) choice = NULL;

  choice = hs_helper_route_choose (&facts, HS_PROTOCOL_UDP, HELPER, &error);

  g_assert_null (choice);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "setcap cap_net_raw+ep"));
}

/* Writes a vfs_cap_data attribute: REVISION (1 to 3), the effective bit,
 * the permitted word and, in revision 3, the namespace root. */
static gsize
make_file_caps (guint8 *data,
                guint revision,
                gboolean effective,
                guint32 permitted,
                guint32 root_id)
{
  guint32 words[6] = { 0 };
  gsize size = revision == 1 ? 12 : revision == 2 ? 20 : 24;

  words[0] = GUINT32_TO_LE ((revision << 24) | (effective ? 1 : 0));
  words[1] = GUINT32_TO_LE (permitted);
  words[5] = GUINT32_TO_LE (root_id);
  memcpy (data, words, size);
  return size;
}

static void
test_file_caps (void)
{
  const guint32 net_raw = 1u << 13;
  const guint32 net_admin = 1u << 12;
  guint8 data[32];
  gsize size = 0;

  for (guint revision = 1; revision <= 3; revision++)
    {
      size = make_file_caps (data, revision, TRUE, net_raw, 0);
      g_assert_true (hs_helper_route_parse_file_caps (data, size));

      /* Every shorter or longer attribute is refused. */
      for (gsize cut = 0; cut < size; cut++)
        g_assert_false (hs_helper_route_parse_file_caps (data, cut));
      g_assert_false (hs_helper_route_parse_file_caps (data, size + 1));

      size = make_file_caps (data, revision, FALSE, net_raw, 0);
      g_assert_false (hs_helper_route_parse_file_caps (data, size));

      size = make_file_caps (data, revision, TRUE, net_admin, 0);
      g_assert_false (hs_helper_route_parse_file_caps (data, size));
    }

  /* Capabilities for another namespace's root do not apply here. */
  size = make_file_caps (data, 3, TRUE, net_raw, 100000);
  g_assert_false (hs_helper_route_parse_file_caps (data, size));

  size = make_file_caps (data, 4, TRUE, net_raw, 0);
  g_assert_false (hs_helper_route_parse_file_caps (data, 24));
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Hopscope/HelperRoute/datagram", test_datagram);
  g_test_add_func ("/Hopscope/HelperRoute/datagram-first",
                   test_datagram_first);
  g_test_add_func ("/Hopscope/HelperRoute/datagram-icmp-only",
                   test_datagram_icmp_only);
  g_test_add_func ("/Hopscope/HelperRoute/capability", test_capability);
  g_test_add_func ("/Hopscope/HelperRoute/setuid", test_setuid);
  g_test_add_func ("/Hopscope/HelperRoute/root", test_root);
  g_test_add_func ("/Hopscope/HelperRoute/pkexec", test_pkexec);
  g_test_add_func ("/Hopscope/HelperRoute/none", test_none);
  g_test_add_func ("/Hopscope/HelperRoute/file-caps", test_file_caps);

  return g_test_run ();
}
