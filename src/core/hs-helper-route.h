/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "hs-probe-client.h"

G_BEGIN_DECLS

/* What this system offers the helper, as hs_helper_route_choose() weighs
 * it.  hs_helper_route_facts_read() fills it from the running system; tests
 * fill it by hand. */
typedef struct
{
  /* net.ipv4.ping_group_range covers one of this process's groups, so
   * ICMP datagram sockets need no privilege. */
  gboolean datagram_icmp;
  /* The helper file carries cap_net_raw in its permitted and effective
   * file capability sets. */
  gboolean helper_capability;
  /* The helper file is setuid and owned by root. */
  gboolean helper_setuid_root;
  /* This process runs as root. */
  gboolean running_as_root;
  /* pkexec is installed where Hopscope was built to find it. */
  gboolean pkexec_found;
} HsHelperRouteFacts;

/* How to start the helper, and why. */
typedef struct
{
  HsHelperRoute route;
  char **argv;
  /* Start the helper with no_new_privs, so that a file capability or a
   * setuid bit it carries is not raised: the unprivileged route must
   * really be unprivileged. */
  gboolean no_new_privs;
  /* Why this route, in words for the user. */
  char *reason;
} HsHelperRouteChoice;

void                 hs_helper_route_facts_read  (HsHelperRouteFacts *facts,
                                                  const char *helper_path);
HsHelperRouteChoice *hs_helper_route_choose      (const HsHelperRouteFacts *facts,
                                                  HsProtocol protocol,
                                                  const char *helper_path,
                                                  GError **error);
void                 hs_helper_route_choice_free (HsHelperRouteChoice *choice);

/* The helper Hopscope was built with, or $HOPSCOPE_PROBE for the direct
 * routes; the pkexec route never takes it from the environment. */
const char          *hs_helper_route_default_helper (void);

/* Parses the security.capability attribute of a file (struct
 * vfs_cap_data, any revision); TRUE when cap_net_raw is permitted and the
 * effective bit is set.  Exposed for tests. */
gboolean             hs_helper_route_parse_file_caps (const guint8 *data,
                                                      gsize length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HsHelperRouteChoice, hs_helper_route_choice_free)

G_END_DECLS
