/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* Who the helper becomes once its sockets are open, and how it gives up
 * everything else for good.
 *
 * Every function here either succeeds or ends the process with status 1 and
 * a line on standard error: a helper that could not drop a privilege must
 * not go on to read a single request with it. */

#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct probe_identity
{
  uid_t uid;
  gid_t gid;
  /* Root started the helper for itself: no rate limit applies. */
  bool caller_is_root;
};

/* Works out whom to become.  Not root: the real user.  Root with
 * PKEXEC_UID (pkexec's way): that user, who must exist.  Root alone: the
 * nobody user.  Reads the user database, so it runs before anything is
 * dropped or confined. */
void probe_privilege_identify (struct probe_identity *identity);

/* Drops the supplementary groups, the gid and the uid to IDENTITY, then
 * every capability set, checks that none of it can be undone, and sets
 * no-new-privs. */
void probe_privilege_drop (const struct probe_identity *identity);

/* Installs the seccomp filter that allows only the system calls of the
 * probe loop; anything else kills the process. */
void probe_privilege_confine (void);
