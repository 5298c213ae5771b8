/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The polkit action that lets pkexec start the helper. */
#define HS_PROBE_ACTION_ID "io.github.hopscope.Hopscope.probe"

/* What polkit would answer if pkexec asked now to start the helper for
 * this process, without asking anybody. */
typedef enum
{
  HS_AUTHORIZATION_UNKNOWN,    /* polkit could not be asked */
  HS_AUTHORIZATION_NEEDED,     /* an administrator must authenticate */
  HS_AUTHORIZATION_ALLOWED,    /* allowed without a question */
  HS_AUTHORIZATION_REFUSED,    /* refused, whoever authenticates */
} HsAuthorization;

/* Asks polkit's authority, never interactively, about
 * HS_PROBE_ACTION_ID for this process (pkexec's subject is the process
 * that starts it).  Fails only when polkit cannot be reached. */
void            hs_authorization_check_async  (GCancellable *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer user_data);
HsAuthorization hs_authorization_check_finish (GAsyncResult *result,
                                               GError **error);
const char     *hs_authorization_to_string    (HsAuthorization authorization);

G_END_DECLS
