/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  HS_PROTOCOL_ICMP,
  HS_PROTOCOL_UDP,
  HS_PROTOCOL_TCP,
} HsProtocol;

/* One send-probe request, as the helper's protocol words it. */
typedef struct
{
  GInetAddress *target;
  HsProtocol protocol;
  guint port;              /* 0: the helper's default */
  guint ttl;
  guint size;              /* 0: the smallest */
  guint timeout_seconds;
} HsProbeRequest;

typedef enum
{
  HS_PROBE_OUTCOME_REPLY,         /* the target answered */
  HS_PROBE_OUTCOME_TTL_EXPIRED,   /* a router on the way answered */
  HS_PROBE_OUTCOME_UNREACHABLE,   /* no-route-host / -network with address */
  HS_PROBE_OUTCOME_TOO_BIG,       /* packet-too-big, mtu set */
  HS_PROBE_OUTCOME_NO_REPLY,      /* timed out */
  HS_PROBE_OUTCOME_ERROR,         /* any other reply word: see word */
} HsProbeOutcome;

typedef struct
{
  HsProbeOutcome outcome;
  const char *word;               /* the reply word as the helper sent it */
  GInetAddress *responder;        /* NULL when the reply names none */
  gint64 round_trip_us;           /* -1 when the reply has none */
  const char *mpls;               /* NULL when none */
  guint mtu;
} HsProbeReply;

typedef void (*HsProbeCallback) (const HsProbeReply *reply,
                                 gpointer user_data);

/* How the helper got its right to probe, as the status line says it. */
typedef enum
{
  HS_HELPER_ROUTE_UNKNOWN,
  HS_HELPER_ROUTE_CAPABILITY,     /* file capability cap_net_raw */
  HS_HELPER_ROUTE_ROOT,           /* the application runs as root */
  HS_HELPER_ROUTE_PKEXEC,         /* authorised through polkit */
  HS_HELPER_ROUTE_UNPRIVILEGED,   /* ICMP datagram sockets, no privilege */
  HS_HELPER_ROUTE_SETUID,         /* the helper is installed setuid root */
} HsHelperRoute;

#define HS_TYPE_PROBE_CLIENT (hs_probe_client_get_type ())

G_DECLARE_FINAL_TYPE (HsProbeClient, hs_probe_client, HS, PROBE_CLIENT,
                      GObject)

/* ARGV starts the helper, e.g. { "/usr/libexec/hopscope-probe", NULL } or
 * { "pkexec", "/usr/libexec/hopscope-probe", NULL }; ROUTE is how it gets
 * its privilege, as hs_helper_route_choose() chose it, or
 * HS_HELPER_ROUTE_UNKNOWN to let the client tell from what the helper
 * says of its sockets. */
HsProbeClient  *hs_probe_client_new             (const char * const *argv,
                                                 HsHelperRoute route);
/* Starts the helper and asks it what it supports (version, socket-kind,
 * probe-rate, icmp, udp, tcp); completes once it answered, or fails with
 * the reason in words for the user (G_IO_ERROR_CANCELLED when cancelled,
 * stopped or the pkexec dialog was dismissed: no error to show). */
void            hs_probe_client_start_async     (HsProbeClient *self,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data);
gboolean        hs_probe_client_start_finish    (HsProbeClient *self,
                                                 GAsyncResult *result,
                                                 GError **error);
/* Sends one probe; CALLBACK runs once with its reply, which is valid only
 * during the call.  Returns the token, or 0 (and CALLBACK never runs) when
 * the helper is not running.  When the helper has died or is stopped,
 * callbacks of probes in flight are not run. */
guint           hs_probe_client_send_probe      (HsProbeClient *self,
                                                 const HsProbeRequest *request,
                                                 HsProbeCallback callback,
                                                 gpointer user_data);
/* Forgets the probes in flight: their callbacks never run. */
void            hs_probe_client_cancel_all      (HsProbeClient *self);
/* Forgets one probe in flight, by the token send_probe() returned. */
void            hs_probe_client_cancel          (HsProbeClient *self,
                                                 guint token);
/* Starts the helper with no_new_privs, so that the kernel raises no file
 * capability or setuid bit of it: for the unprivileged route. */
void            hs_probe_client_set_no_new_privs (HsProbeClient *self,
                                                  gboolean no_new_privs);
void            hs_probe_client_stop            (HsProbeClient *self);
gboolean        hs_probe_client_is_running      (HsProbeClient *self);
/* After reading the helper's replies, leave them to gather for DELAY_MS
 * before reading again (0, the default, reads each as it comes).  The
 * helper times every probe, so the figures do not change: only when they
 * are known.  A window that refreshes once a second wakes far less. */
void            hs_probe_client_set_read_delay  (HsProbeClient *self,
                                                 guint delay_ms);
HsHelperRoute   hs_probe_client_get_route       (HsProbeClient *self);
gboolean        hs_probe_client_supports        (HsProbeClient *self,
                                                 HsProtocol protocol);
/* Probes a second the helper allows this caller, 0 when unlimited. */
guint           hs_probe_client_get_probe_rate  (HsProbeClient *self);
const char     *hs_probe_client_get_version     (HsProbeClient *self);
/* The helper process's identifier (its pid), NULL when none runs. */
const char     *hs_probe_client_get_identifier  (HsProbeClient *self);

/* Signals: "exited" (GError *reason), emitted once when the helper ends
 * or dies while the client did not ask it to. */

G_END_DECLS
