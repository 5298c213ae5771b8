/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib/gi18n.h>

#include "hs-helper-route.h"
#include "hs-probe-service.h"

struct _HsProbeService
{
  GObject parent_instance;

  char **helper_argv;
  guint read_delay_ms;

  /* The helper that runs, or is starting while WAITING holds the tasks
   * that wait for it. */
  HsProbeClient *client;
  gboolean starting;
  GPtrArray *waiting;
  char *route_reason;
};

G_DEFINE_FINAL_TYPE (HsProbeService, hs_probe_service, G_TYPE_OBJECT)

static void
on_client_exited (HsProbeClient *client,
                  GError *reason,
                  HsProbeService *self)
{
  /* The next trace that asks starts a new helper; the traces of this one
   * hear of its death from the client itself. */
  if (client != self->client)
    return;

  g_signal_handlers_disconnect_by_data (client, self);
  g_clear_object (&self->client);
  g_clear_pointer (&self->route_reason, g_free);
}

static void
on_client_started (GObject *source,
                   GAsyncResult *result,
                   gpointer user_data)
{
  g_autoptr(HsProbeService) self = user_data;
  g_autoptr(GPtrArray) waiting = NULL;
  g_autoptr(GError) error = NULL;
  HsProbeClient *client = HS_PROBE_CLIENT (source);

  hs_probe_client_start_finish (client, result, &error);
  if (client != self->client)
    return;

  self->starting = FALSE;
  waiting = g_steal_pointer (&self->waiting);
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);

  if (error != NULL)
    {
      g_signal_handlers_disconnect_by_data (client, self);
      g_clear_object (&self->client);
      g_clear_pointer (&self->route_reason, g_free);
    }

  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, g_object_ref (client), g_object_unref);
    }
}

static gboolean
start_client (HsProbeService *self,
              HsProtocol protocol,
              GError **error)
{
  g_autoptr(HsHelperRouteChoice) choice = NULL;
  HsHelperRoute route = HS_HELPER_ROUTE_UNKNOWN;
  const char * const *argv = (const char * const *) self->helper_argv;

  g_assert (HS_IS_PROBE_SERVICE (self));

  if (argv == NULL)
    {
      const char *helper = hs_helper_route_default_helper ();
      HsHelperRouteFacts facts;

      hs_helper_route_facts_read (&facts, helper);
      choice = hs_helper_route_choose (&facts, protocol, helper, error);
      if (choice == NULL)
        return FALSE;

      g_debug ("Starting the probe helper by route %u: %s", choice->route,
               choice->reason);
      argv = (const char * const *) choice->argv;
      route = choice->route;
    }
  else
    {
      g_autofree char *program = g_path_get_basename (argv[0]);

      if (g_str_equal (program, "pkexec"))
        route = HS_HELPER_ROUTE_PKEXEC;
    }

  self->client = hs_probe_client_new (argv, route);
  hs_probe_client_set_read_delay (self->client, self->read_delay_ms);
  if (choice != NULL)
    {
      hs_probe_client_set_no_new_privs (self->client, choice->no_new_privs);
      self->route_reason = g_steal_pointer (&choice->reason);
    }
  g_signal_connect (self->client, "exited", G_CALLBACK (on_client_exited),
                    self);

  /* No cancellable: the helper is the service's, not one trace's, and a
   * trace that stops waiting leaves it for the next one. */
  self->starting = TRUE;
  hs_probe_client_start_async (self->client, NULL, on_client_started,
                               g_object_ref (self));
  return TRUE;
}

void
hs_probe_service_get_client_async (HsProbeService *self,
                                   HsProtocol protocol,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (HS_IS_PROBE_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hs_probe_service_get_client_async);

  if (self->client != NULL && hs_probe_client_is_running (self->client)
      && hs_probe_client_supports (self->client, protocol))
    {
      g_task_return_pointer (task, g_object_ref (self->client),
                             g_object_unref);
      return;
    }

  /* A helper that cannot probe with this protocol (datagram sockets and
   * UDP, say) is left to the traces that use it; a new one replaces it
   * for the next. */
  if (!self->starting && self->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      g_clear_object (&self->client);
      g_clear_pointer (&self->route_reason, g_free);
    }

  if (!self->starting && !start_client (self, protocol, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_ptr_array_add (self->waiting, g_steal_pointer (&task));
}

HsProbeClient *
hs_probe_service_get_client_finish (HsProbeService *self,
                                    GAsyncResult *result,
                                    GError **error)
{
  g_return_val_if_fail (HS_IS_PROBE_SERVICE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hs_probe_service_set_read_delay (HsProbeService *self,
                                 guint delay_ms)
{
  g_return_if_fail (HS_IS_PROBE_SERVICE (self));

  self->read_delay_ms = delay_ms;
}

const char *
hs_probe_service_get_route_reason (HsProbeService *self)
{
  g_return_val_if_fail (HS_IS_PROBE_SERVICE (self), NULL);

  return self->route_reason;
}

static void
hs_probe_service_dispose (GObject *object)
{
  HsProbeService *self = HS_PROBE_SERVICE (object);

  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (hs_probe_service_parent_class)->dispose (object);
}

static void
hs_probe_service_finalize (GObject *object)
{
  HsProbeService *self = HS_PROBE_SERVICE (object);

  g_strfreev (self->helper_argv);
  g_ptr_array_unref (self->waiting);
  g_free (self->route_reason);

  G_OBJECT_CLASS (hs_probe_service_parent_class)->finalize (object);
}

static void
hs_probe_service_class_init (HsProbeServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_probe_service_dispose;
  object_class->finalize = hs_probe_service_finalize;
}

static void
hs_probe_service_init (HsProbeService *self)
{
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
}

HsProbeService *
hs_probe_service_new (const char * const *helper_argv)
{
  HsProbeService *self = g_object_new (HS_TYPE_PROBE_SERVICE, NULL);

  self->helper_argv = g_strdupv ((char **) helper_argv);
  return self;
}
