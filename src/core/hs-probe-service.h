/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "hs-probe-client.h"

G_BEGIN_DECLS

#define HS_TYPE_PROBE_SERVICE (hs_probe_service_get_type ())

G_DECLARE_FINAL_TYPE (HsProbeService, hs_probe_service, HS, PROBE_SERVICE,
                      GObject)

/* One probe helper shared by every trace that asks for it: the window's
 * traces share the application's, so that an administrator who let
 * pkexec start it is asked once for the whole session, not once a trace.
 * HELPER_ARGV starts exactly that program (tests); NULL chooses the route
 * with hs_helper_route_choose(). */
HsProbeService *hs_probe_service_new              (const char * const *helper_argv);
/* See hs_probe_client_set_read_delay(); for helpers started from now on. */
void            hs_probe_service_set_read_delay   (HsProbeService *self,
                                                   guint delay_ms);
/* Gives the running helper, or starts one that can probe with PROTOCOL
 * (choosing its route), and completes once it answered.  Errors are in
 * words for the user; G_IO_ERROR_CANCELLED when the pkexec dialog was
 * dismissed, which is no failure. */
void            hs_probe_service_get_client_async (HsProbeService *self,
                                                   HsProtocol protocol,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data);
HsProbeClient  *hs_probe_service_get_client_finish (HsProbeService *self,
                                                    GAsyncResult *result,
                                                    GError **error);
/* Why the running helper has the route it has, in words for the user;
 * NULL when none runs or it was given by HELPER_ARGV. */
const char     *hs_probe_service_get_route_reason (HsProbeService *self);

G_END_DECLS
