/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <unistd.h>

#include <polkit/polkit.h>

#include "hs-authorization.h"

static void
on_authorization_checked (GObject *source,
                          GAsyncResult *result,
                          gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PolkitAuthorizationResult) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = polkit_authority_check_authorization_finish
    (POLKIT_AUTHORITY (source), result, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (polkit_authorization_result_get_is_authorized (answer))
    g_task_return_int (task, HS_AUTHORIZATION_ALLOWED);
  else if (polkit_authorization_result_get_is_challenge (answer))
    g_task_return_int (task, HS_AUTHORIZATION_NEEDED);
  else
    g_task_return_int (task, HS_AUTHORIZATION_REFUSED);
}

static void
on_authority_ready (GObject *source,
                    GAsyncResult *result,
                    gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PolkitAuthority) authority = NULL;
  g_autoptr(PolkitSubject) subject = NULL;
  g_autoptr(GError) error = NULL;

  authority = polkit_authority_get_finish (result, &error);
  if (authority == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* A client of the bus may have a connection while polkitd is not
   * there: the check then fails, which says as much. */
  subject = polkit_unix_process_new_for_owner (getpid (), 0, getuid ());
  polkit_authority_check_authorization (authority, subject,
                                        HS_PROBE_ACTION_ID, NULL,
                                        POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE,
                                        g_task_get_cancellable (task),
                                        on_authorization_checked,
                                        g_object_ref (task));
}

void
hs_authorization_check_async (GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hs_authorization_check_async);
  polkit_authority_get_async (cancellable, on_authority_ready,
                              g_steal_pointer (&task));
}

HsAuthorization
hs_authorization_check_finish (GAsyncResult *result,
                               GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize answer = 0;

  g_return_val_if_fail (g_task_is_valid (result, NULL),
                        HS_AUTHORIZATION_UNKNOWN);

  answer = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return HS_AUTHORIZATION_UNKNOWN;
    }

  return answer;
}

const char *
hs_authorization_to_string (HsAuthorization authorization)
{
  switch (authorization)
    {
    case HS_AUTHORIZATION_NEEDED:
      return "needed";
    case HS_AUTHORIZATION_ALLOWED:
      return "allowed";
    case HS_AUTHORIZATION_REFUSED:
      return "refused";
    case HS_AUTHORIZATION_UNKNOWN:
    default:
      return "unknown";
    }
}
