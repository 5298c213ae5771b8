/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "hs-probe-client.h"

/* The helper's tokens are positive and fit a signed 32-bit number. */
#define TOKEN_MAX G_MAXINT32

/* The longest reply line the helper writes is under 512 bytes; anything
 * much longer is not one of its replies. */
#define REPLY_LINE_MAX 4096

/* GSubprocess's pipes block, and GIO writes to them once poll() calls them
 * writable.  On Linux a pipe is writable when one of its pages is free, so
 * a write of one page at most never blocks: the main loop never waits on a
 * helper that reads slowly. */
#define WRITE_CHUNK_MAX 4096

/* How long the helper gets to leave on its own once its input is closed,
 * and how long the client waits for its last words when it dies. */
#define STOP_GRACE_MS 1000
#define DEATH_GRACE_MS 1000

/* Bounds of a reply's arguments, as wide as the protocol allows. */
#define ROUND_TRIP_MAX_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)
#define MPLS_LABELS_MAX 8
#define STDERR_LINE_MAX 200

typedef enum
{
  FEATURE_VERSION,
  FEATURE_SOCKET_KIND,
  FEATURE_PROBE_RATE,
  FEATURE_ICMP,
  FEATURE_UDP,
  FEATURE_TCP,
  N_FEATURES,
} Feature;

static const char * const feature_names[N_FEATURES] = {
  "version", "socket-kind", "probe-rate", "icmp", "udp", "tcp",
};

typedef enum
{
  CLIENT_STATE_STOPPED,
  CLIENT_STATE_STARTING,
  CLIENT_STATE_RUNNING,
} ClientState;

typedef struct
{
  HsProbeCallback callback;
  gpointer user_data;
} PendingProbe;

/* One run of the helper: its process and pipes.  The asynchronous
 * operations on them each hold a reference, so that the client can go
 * away at once while the process still winds down in the background.
 * CLIENT is the owner, or NULL once the client stopped or was finalized. */
typedef struct
{
  HsProbeClient *client;
  GSubprocess *subprocess;
  GOutputStream *stdin_pipe;
  GInputStream *stdout_pipe;
  GSource *stdout_source;
  GString *incoming;
  GDataInputStream *stderr_lines;
  GCancellable *io_cancellable;
  GString *outgoing;
  GBytes *writing;
  char *last_stderr_line;
  GMainContext *context;
  GSource *grace_source;
  GSource *stop_source;
  gboolean stdin_closed;
  gboolean stdout_done;
  gboolean stderr_done;
  gboolean exited;
} Session;

struct _HsProbeClient
{
  GObject parent_instance;

  char **argv;
  char *helper_name;
  HsHelperRoute requested_route;
  HsHelperRoute route;

  ClientState state;
  Session *session;
  GTask *start_task;
  GSource *start_cancel_source;

  GHashTable *pending;
  guint next_token;
  guint read_delay_ms;
  gboolean no_new_privs;
  guint feature_tokens[N_FEATURES];
  guint features_unanswered;

  char *version;
  char *socket_kind;
  guint probe_rate;
  gboolean supports[3];
};

enum
{
  SIGNAL_EXITED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HsProbeClient, hs_probe_client, G_TYPE_OBJECT)

static void session_watch_stdout (Session *session);
static void session_read_stderr (Session *session);
static void session_flush (Session *session);
static void session_end_stdout (Session *session);
static void client_on_helper_gone (HsProbeClient *self,
                                   Session *session);

/* Sessions */

static void
session_clear (Session *session)
{
  g_assert (session->client == NULL);
  g_assert (session->grace_source == NULL);
  g_assert (session->stop_source == NULL);

  g_clear_object (&session->subprocess);
  g_clear_object (&session->stdin_pipe);
  g_clear_object (&session->stdout_pipe);
  g_string_free (session->incoming, TRUE);
  g_clear_object (&session->stderr_lines);
  g_clear_object (&session->io_cancellable);
  g_string_free (session->outgoing, TRUE);
  g_clear_pointer (&session->writing, g_bytes_unref);
  g_clear_pointer (&session->last_stderr_line, g_free);
  g_clear_pointer (&session->context, g_main_context_unref);
}

static Session *
session_ref (Session *session)
{
  return g_rc_box_acquire (session);
}

static void
session_unref (Session *session)
{
  g_rc_box_release_full (session, (GDestroyNotify) session_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_unref)

/* Runs FUNC once after MS milliseconds in the context the session was
 * started in; the timer holds a reference to the session. */
static GSource *
session_add_timeout (Session *session,
                     guint ms,
                     GSourceFunc func)
{
  g_autoptr(GSource) source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, session_ref (session),
                         (GDestroyNotify) session_unref);
  g_source_attach (source, session->context);

  return g_steal_pointer (&source);
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
session_close_stdin (Session *session)
{
  g_assert (session->writing == NULL);

  if (session->stdin_closed)
    return;

  /* Closing a pipe does not block; an error here changes nothing. */
  session->stdin_closed = TRUE;
  g_output_stream_close (session->stdin_pipe, NULL, NULL);
}

static void
on_session_stdin_written (GObject *object,
                          GAsyncResult *result,
                          gpointer user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&session->writing, g_bytes_unref);

  /* A helper that died stops reading: the client learns of the death
   * from its output and its exit, not from here. */
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result,
                                         NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot write to the probe helper: %s", error->message);
      session_close_stdin (session);
      return;
    }

  if (session->client == NULL)
    {
      session_close_stdin (session);
      return;
    }

  session_flush (session);
}

/* Writes what is queued, one chunk at a time and in order. */
static void
session_flush (Session *session)
{
  gsize length = MIN (session->outgoing->len, WRITE_CHUNK_MAX);

  if (session->writing != NULL || session->stdin_closed || length == 0)
    return;

  session->writing = g_bytes_new (session->outgoing->str, length);
  g_string_erase (session->outgoing, 0, length);

  g_output_stream_write_all_async (session->stdin_pipe,
                                   g_bytes_get_data (session->writing, NULL),
                                   length, G_PRIORITY_DEFAULT,
                                   session->io_cancellable,
                                   on_session_stdin_written,
                                   session_ref (session));
}

static void
session_send (Session *session,
              const char *line)
{
  g_string_append (session->outgoing, line);
  g_string_append_c (session->outgoing, '\n');
  session_flush (session);
}

/* Tells the client the helper is gone once everything it said has been
 * read and its exit status is known, or once the grace time ran out. */
static void
session_check_gone (Session *session)
{
  HsProbeClient *client = session->client;

  if (client == NULL)
    return;

  if (session->stdout_done && session->stderr_done && session->exited)
    client_on_helper_gone (client, session);
}

static gboolean
on_session_grace_timeout (gpointer user_data)
{
  Session *session = user_data;

  g_clear_pointer (&session->grace_source, g_source_unref);
  if (session->client != NULL)
    client_on_helper_gone (session->client, session);

  return G_SOURCE_REMOVE;
}

/* The helper ended (or closed its output): it has a moment to say the
 * rest before the client gives up on it. */
static void
session_start_grace (Session *session)
{
  if (session->grace_source != NULL || session->client == NULL)
    return;

  session->grace_source = session_add_timeout (session, DEATH_GRACE_MS,
                                               on_session_grace_timeout);
}

static gboolean
on_session_stop_timeout (gpointer user_data)
{
  Session *session = user_data;

  g_clear_pointer (&session->stop_source, g_source_unref);
  if (!session->exited)
    {
      g_debug ("The probe helper did not leave when asked: killing it");
      g_subprocess_force_exit (session->subprocess);
    }

  return G_SOURCE_REMOVE;
}

static void
on_session_subprocess_waited (GObject *object,
                              GAsyncResult *result,
                              gpointer user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (object), result, &error))
    g_debug ("Cannot wait for the probe helper: %s", error->message);

  session->exited = TRUE;
  clear_source (&session->stop_source);

  session_check_gone (session);
  session_start_grace (session);
}

/* Ends the session: the helper's input closes, which asks it to leave,
 * and what it still writes is not read.  It is killed if it lingers. */
static void
session_shut_down (Session *session)
{
  session->client = NULL;
  clear_source (&session->grace_source);
  g_cancellable_cancel (session->io_cancellable);
  session_end_stdout (session);

  if (session->writing == NULL)
    session_close_stdin (session);

  if (!session->exited && session->stop_source == NULL)
    session->stop_source = session_add_timeout (session, STOP_GRACE_MS,
                                                on_session_stop_timeout);
}

static void
on_session_stderr_line (GObject *object,
                        GAsyncResult *result,
                        gpointer user_data)
{
  g_autoptr(Session) session = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *valid = NULL;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (object),
                                               result, NULL, &error);
  if (line == NULL)
    {
      if (error != NULL
          && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Cannot read the probe helper's messages: %s",
                 error->message);
      session->stderr_done = TRUE;
      g_input_stream_close (G_INPUT_STREAM (object), NULL, NULL);
      session_check_gone (session);
      return;
    }

  /* The helper's diagnostics are shown with the reason it stopped, so
   * only the last one is kept, and only the start of a long one. */
  valid = g_utf8_make_valid (line, -1);
  g_debug ("Probe helper: %s", valid);
  if (valid[0] != '\0')
    {
      g_free (session->last_stderr_line);
      session->last_stderr_line =
        g_utf8_substring (valid, 0, MIN (g_utf8_strlen (valid, -1),
                                         STDERR_LINE_MAX));
    }

  session_read_stderr (session);
}

static void
session_read_stderr (Session *session)
{
  g_data_input_stream_read_line_async (session->stderr_lines,
                                       G_PRIORITY_DEFAULT,
                                       session->io_cancellable,
                                       on_session_stderr_line,
                                       session_ref (session));
}

/* Reply parsing */

static gboolean
parse_decimal (const char *text,
               guint64 max,
               guint64 *value)
{
  guint64 result = 0;

  g_assert (text != NULL);

  if (*text == '\0')
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      result = result * 10 + (guint64) (*p - '0');
      if (result > max)
        return FALSE;
    }

  *value = result;
  return TRUE;
}

static gboolean
is_word (const char *text)
{
  g_assert (text != NULL);

  if (*text == '\0' || strlen (text) > 64)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      return FALSE;

  return TRUE;
}

/* An MPLS label stack as the helper writes it: label, traffic class,
 * bottom of stack and time-to-live of each entry, comma-separated. */
static gboolean
is_mpls_stack (const char *text)
{
  static const guint64 bounds[4] = { 1048575, 7, 1, 255 };
  g_auto(GStrv) fields = g_strsplit (text, ",", -1);
  guint n_fields = g_strv_length (fields);

  if (n_fields == 0 || n_fields % 4 != 0 || n_fields > 4 * MPLS_LABELS_MAX)
    return FALSE;

  for (guint i = 0; i < n_fields; i++)
    {
      guint64 value = 0;

      if (!parse_decimal (fields[i], bounds[i % 4], &value))
        return FALSE;
    }

  return TRUE;
}

static GInetAddress *
parse_address (const char *text,
               GSocketFamily family)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);

  if (address == NULL || g_inet_address_get_family (address) != family)
    return NULL;

  return g_steal_pointer (&address);
}

/* What a reply word means, and which arguments it must and may carry. */
typedef struct
{
  const char *word;
  HsProbeOutcome outcome;
  gboolean needs_responder;
  gboolean may_carry_path;      /* address, round trip, MPLS, MTU */
} ReplyKind;

static const ReplyKind reply_kinds[] = {
  { "reply", HS_PROBE_OUTCOME_REPLY, TRUE, TRUE },
  { "ttl-expired", HS_PROBE_OUTCOME_TTL_EXPIRED, TRUE, TRUE },
  { "no-route-host", HS_PROBE_OUTCOME_UNREACHABLE, FALSE, TRUE },
  { "no-route-network", HS_PROBE_OUTCOME_UNREACHABLE, FALSE, TRUE },
  { "packet-too-big", HS_PROBE_OUTCOME_TOO_BIG, FALSE, TRUE },
  { "no-reply", HS_PROBE_OUTCOME_NO_REPLY, FALSE, FALSE },
};

typedef struct
{
  HsProbeReply reply;
  GInetAddress *responder;
  char *word;
} ParsedReply;

static void
parsed_reply_clear (ParsedReply *parsed)
{
  g_clear_object (&parsed->responder);
  g_clear_pointer (&parsed->word, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ParsedReply, parsed_reply_clear)

/* Parses the words after the token of a reply to send-probe.  Anything
 * the protocol does not allow is refused: an unknown or repeated
 * argument, a value that does not parse whole, a missing address. */
static gboolean
parse_probe_reply (char **words,
                   ParsedReply *parsed)
{
  const ReplyKind *kind = NULL;
  const char *mpls = NULL;
  gboolean has_round_trip = FALSE;
  gboolean has_mtu = FALSE;
  gboolean has_errno = FALSE;
  guint n_words = g_strv_length (words);

  g_assert (n_words >= 1);

  if (!is_word (words[0]) || (n_words - 1) % 2 != 0)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (reply_kinds); i++)
    if (g_str_equal (words[0], reply_kinds[i].word))
      kind = &reply_kinds[i];

  parsed->word = g_strdup (words[0]);
  parsed->reply.outcome = kind ? kind->outcome : HS_PROBE_OUTCOME_ERROR;
  parsed->reply.round_trip_us = -1;

  for (guint i = 1; i + 1 < n_words; i += 2)
    {
      const char *name = words[i];
      const char *value = words[i + 1];
      gboolean carries_path = kind != NULL && kind->may_carry_path;
      guint64 number = 0;

      if (carries_path && (g_str_equal (name, "ip-4")
                           || g_str_equal (name, "ip-6")))
        {
          GSocketFamily family = g_str_equal (name, "ip-4")
                                 ? G_SOCKET_FAMILY_IPV4
                                 : G_SOCKET_FAMILY_IPV6;

          if (parsed->responder != NULL
              || !(parsed->responder = parse_address (value, family)))
            return FALSE;
        }
      else if (carries_path && g_str_equal (name, "round-trip-time"))
        {
          if (has_round_trip
              || !parse_decimal (value, ROUND_TRIP_MAX_US, &number))
            return FALSE;
          has_round_trip = TRUE;
          parsed->reply.round_trip_us = (gint64) number;
        }
      else if (carries_path && g_str_equal (name, "mpls"))
        {
          if (mpls != NULL || !is_mpls_stack (value))
            return FALSE;
          mpls = value;
        }
      else if (carries_path && g_str_equal (name, "mtu"))
        {
          if (has_mtu || !parse_decimal (value, 65535, &number) || number == 0)
            return FALSE;
          has_mtu = TRUE;
          parsed->reply.mtu = (guint) number;
        }
      else if (kind == NULL && g_str_equal (name, "errno"))
        {
          if (has_errno || !parse_decimal (value, G_MAXINT, &number))
            return FALSE;
          has_errno = TRUE;
        }
      else
        {
          return FALSE;
        }
    }

  if (kind != NULL && kind->needs_responder
      && (parsed->responder == NULL || !has_round_trip))
    return FALSE;

  /* An unreachable error that names nobody on the path is the helper's
   * own failure to send, not an answer from a router. */
  if (parsed->reply.outcome == HS_PROBE_OUTCOME_UNREACHABLE
      && parsed->responder == NULL)
    parsed->reply.outcome = HS_PROBE_OUTCOME_ERROR;

  parsed->reply.word = parsed->word;
  parsed->reply.responder = parsed->responder;
  parsed->reply.mpls = mpls;
  return TRUE;
}

/* The client */

static void
client_drop_probes (HsProbeClient *self)
{
  g_hash_table_remove_all (self->pending);
  memset (self->feature_tokens, 0, sizeof self->feature_tokens);
  self->features_unanswered = 0;
}

/* Forgets the session and every probe, leaving a start in progress to
 * the caller. */
static void
client_stop (HsProbeClient *self)
{
  Session *session = g_steal_pointer (&self->session);

  if (session == NULL)
    return;

  self->state = CLIENT_STATE_STOPPED;
  client_drop_probes (self);
  session_shut_down (session);
  session_unref (session);
}

static guint
client_next_token (HsProbeClient *self)
{
  for (;;)
    {
      guint token = self->next_token;
      gboolean is_feature = FALSE;

      self->next_token = token >= TOKEN_MAX ? 1 : token + 1;

      for (guint i = 0; i < N_FEATURES; i++)
        is_feature |= self->feature_tokens[i] == token;

      if (!is_feature
          && !g_hash_table_contains (self->pending, GUINT_TO_POINTER (token)))
        return token;
    }
}

static void
client_finish_start (HsProbeClient *self,
                     GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  g_assert (task != NULL);

  if (self->start_cancel_source != NULL)
    {
      g_source_destroy (self->start_cancel_source);
      g_clear_pointer (&self->start_cancel_source, g_source_unref);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static HsHelperRoute
client_guess_route (HsProbeClient *self)
{
  /* A helper meant to run without privilege that still opened raw
   * sockets got a capability after all, and the user is told so. */
  if (self->requested_route == HS_HELPER_ROUTE_UNPRIVILEGED
      && g_strcmp0 (self->socket_kind, "raw") == 0)
    return HS_HELPER_ROUTE_CAPABILITY;

  if (self->requested_route != HS_HELPER_ROUTE_UNKNOWN)
    return self->requested_route;
  if (geteuid () == 0)
    return HS_HELPER_ROUTE_ROOT;
  if (g_strcmp0 (self->socket_kind, "raw") == 0)
    return HS_HELPER_ROUTE_CAPABILITY;
  if (g_strcmp0 (self->socket_kind, "datagram") == 0)
    return HS_HELPER_ROUTE_UNPRIVILEGED;

  return HS_HELPER_ROUTE_UNKNOWN;
}

/* A value of a check-support answer: printable ASCII without blanks, as
 * a version ("0.95") or a word ("raw", "ok", "unlimited"). */
static gboolean
is_feature_value (const char *text)
{
  if (*text == '\0' || strlen (text) > 64)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isgraph (*p))
      return FALSE;

  return TRUE;
}

/* Takes one check-support answer.  A helper that does not know a feature
 * (mtr-packet standing in) answers "no" or an error: it is not there. */
static void
client_take_feature (HsProbeClient *self,
                     Feature feature,
                     char **words)
{
  const char *value = NULL;
  guint64 rate = 0;

  if (g_strv_length (words) == 3
      && g_str_equal (words[0], "feature-support")
      && g_str_equal (words[1], "support")
      && is_feature_value (words[2]))
    value = words[2];
  else
    g_debug ("The probe helper gave no answer about %s",
             feature_names[feature]);

  switch (feature)
    {
    case FEATURE_VERSION:
      g_free (self->version);
      self->version = g_strdup (value);
      break;
    case FEATURE_SOCKET_KIND:
      g_free (self->socket_kind);
      self->socket_kind = g_strdup (value);
      break;
    case FEATURE_PROBE_RATE:
      if (value != NULL && parse_decimal (value, G_MAXUINT, &rate))
        self->probe_rate = (guint) rate;
      else
        self->probe_rate = 0;
      break;
    case FEATURE_ICMP:
    case FEATURE_UDP:
    case FEATURE_TCP:
      self->supports[feature - FEATURE_ICMP] = g_strcmp0 (value, "ok") == 0;
      break;
    case N_FEATURES:
    default:
      g_assert_not_reached ();
    }

  self->feature_tokens[feature] = 0;
  self->features_unanswered--;

  if (self->features_unanswered == 0 && self->state == CLIENT_STATE_STARTING)
    {
      self->route = client_guess_route (self);
      self->state = CLIENT_STATE_RUNNING;
      g_debug ("The probe helper %s is ready: version %s, sockets %s, "
               "%u probes a second", self->helper_name,
               self->version ? self->version : "unknown",
               self->socket_kind ? self->socket_kind : "unknown",
               self->probe_rate);
      client_finish_start (self, NULL);
    }
}

/* Takes one line of the helper's output.  A line that is not a reply the
 * protocol allows is logged and otherwise ignored; if it names a probe in
 * flight, that probe ends with the error "invalid-reply", so that nobody
 * waits for it forever. */
static void
client_take_line (HsProbeClient *self,
                  const char *line)
{
  g_auto(GStrv) words = NULL;
  g_auto(ParsedReply) parsed = { 0 };
  /* The helper's output is untrusted; its lines are logged escaped. */
  g_autofree char *escaped = NULL;
  PendingProbe *pending = NULL;
  gpointer key = NULL;
  guint64 token = 0;
  guint n_words = 0;

  if (strlen (line) > REPLY_LINE_MAX)
    {
      g_debug ("Ignoring an over-long line from the probe helper");
      return;
    }

  words = g_strsplit (line, " ", -1);
  n_words = g_strv_length (words);
  for (guint i = 0; i < n_words; i++)
    if (words[i][0] == '\0')
      n_words = 0;

  if (n_words < 2 || !parse_decimal (words[0], TOKEN_MAX, &token)
      || token == 0)
    {
      escaped = g_strescape (line, NULL);
      g_debug ("Ignoring a malformed line from the probe helper: %s",
               escaped);
      return;
    }

  for (guint i = 0; i < N_FEATURES; i++)
    if (self->feature_tokens[i] == token)
      {
        client_take_feature (self, i, words + 1);
        return;
      }

  if (!g_hash_table_steal_extended (self->pending, GUINT_TO_POINTER (token),
                                    &key, (gpointer *) &pending))
    {
      escaped = g_strescape (line, NULL);
      g_debug ("Ignoring a reply to no probe in flight: %s", escaped);
      return;
    }

  if (!parse_probe_reply (words + 1, &parsed))
    {
      escaped = g_strescape (line, NULL);
      g_debug ("Malformed reply from the probe helper: %s", escaped);
      parsed_reply_clear (&parsed);
      parsed.reply = (HsProbeReply) {
        .outcome = HS_PROBE_OUTCOME_ERROR,
        .word = "invalid-reply",
        .round_trip_us = -1,
      };
    }

  pending->callback (&parsed.reply, pending->user_data);
  g_free (pending);
}

/* Ends the reading of the helper's replies, after an end of file, an error
 * or the client's leaving. */
static void
session_end_stdout (Session *session)
{
  if (session->stdout_done)
    return;

  session->stdout_done = TRUE;
  clear_source (&session->stdout_source);
  g_input_stream_close (session->stdout_pipe, NULL, NULL);
  session_check_gone (session);
  session_start_grace (session);
}

/* Hands every whole line in the session's incoming bytes to its client,
 * and keeps the start of a line still being written.  Returns FALSE when
 * the client went away in the meantime. */
static gboolean
session_take_lines (Session *session)
{
  g_autoptr(HsProbeClient) client = g_object_ref (session->client);
  gsize start = 0;

  for (;;)
    {
      char *newline = memchr (session->incoming->str + start, '\n',
                              session->incoming->len - start);

      if (newline == NULL)
        break;

      *newline = '\0';
      client_take_line (client, session->incoming->str + start);
      start = newline - session->incoming->str + 1;

      /* A callback may stop the client or drop the last reference to it. */
      if (session->client == NULL)
        return FALSE;
    }
  g_string_erase (session->incoming, 0, start);

  /* A line that never ends is not one of the helper's replies. */
  if (session->incoming->len > REPLY_LINE_MAX)
    {
      g_debug ("Ignoring an over-long line from the probe helper");
      g_string_truncate (session->incoming, 0);
    }

  return TRUE;
}

/* Reads everything the helper wrote so far and takes it line by line.
 * Returns FALSE when the reading ended: the helper closed its output, or
 * the client stopped. */
static gboolean
session_drain_stdout (Session *session,
                      int fd)
{
  char buffer[16384];

  for (;;)
    {
      gssize n_read = read (fd, buffer, sizeof buffer);

      if (n_read < 0 && errno == EINTR)
        continue;
      if (n_read < 0 && errno == EAGAIN)
        return TRUE;

      if (n_read < 0)
        g_debug ("Cannot read the probe helper's replies: %s",
                 g_strerror (errno));
      if (n_read <= 0)
        break;

      g_string_append_len (session->incoming, buffer, n_read);

      /* The client stopped, which ended the reading already. */
      if (!session_take_lines (session))
        return FALSE;
    }

  /* The helper closed its output: it is leaving. */
  session_end_stdout (session);
  return FALSE;
}

static gboolean
on_session_read_delay_over (gpointer user_data)
{
  Session *session = user_data;

  g_clear_pointer (&session->stdout_source, g_source_unref);
  session_watch_stdout (session);

  return G_SOURCE_REMOVE;
}

/* The helper wrote: everything it wrote is read at once, so a burst of
 * replies costs one turn of the main loop rather than one for each line.
 * With a read delay, the pipe is then left alone for that long, so that
 * the replies of a round come in a few bursts rather than one by one. */
static gboolean
on_session_stdout_readable (int fd,
                            GIOCondition condition,
                            gpointer user_data)
{
  Session *session = user_data;

  if (!session_drain_stdout (session, fd))
    return G_SOURCE_REMOVE;

  if (session->client->read_delay_ms == 0)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&session->stdout_source, g_source_unref);
  session->stdout_source =
    session_add_timeout (session, session->client->read_delay_ms,
                         on_session_read_delay_over);
  return G_SOURCE_REMOVE;
}

static void
session_watch_stdout (Session *session)
{
  int fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM
                                       (session->stdout_pipe));

  session->stdout_source = g_unix_fd_source_new (fd, G_IO_IN | G_IO_HUP
                                                 | G_IO_ERR);
  g_source_set_callback (session->stdout_source,
                         G_SOURCE_FUNC (on_session_stdout_readable),
                         session_ref (session),
                         (GDestroyNotify) session_unref);

  /* GLib takes a source's descriptor out of the poll set while a source
   * that may not recurse is dispatched, and puts it back after, waking the
   * main loop each time: two needless turns of the loop for every burst of
   * replies.  The callback never runs the main loop, so it cannot
   * recurse. */
  g_source_set_can_recurse (session->stdout_source, TRUE);
  g_source_attach (session->stdout_source, session->context);
}

/* Says in a few words how the helper ended, with its last message. */
static char *
describe_end (Session *session)
{
  g_autofree char *how = NULL;

  if (!session->exited)
    how = g_strdup (_("it stopped answering"));
  else if (g_subprocess_get_if_signaled (session->subprocess))
    how = g_strdup_printf (_("killed by signal %d"),
                           g_subprocess_get_term_sig (session->subprocess));
  else
    how = g_strdup_printf (_("exit status %d"),
                           g_subprocess_get_exit_status (session->subprocess));

  if (session->last_stderr_line == NULL)
    return g_steal_pointer (&how);

  return g_strdup_printf ("%s: %s", how, session->last_stderr_line);
}

/* Why the helper could not start, for the user.  pkexec leaves with 126
 * when the authentication dialog was dismissed, which is no error, and
 * with 127 when the authorisation was refused. */
static GError *
start_error (HsProbeClient *self,
             Session *session)
{
  g_autofree char *how = describe_end (session);
  int status = -1;

  if (session->exited && !g_subprocess_get_if_signaled (session->subprocess))
    status = g_subprocess_get_exit_status (session->subprocess);

  if (self->requested_route == HS_HELPER_ROUTE_PKEXEC && status == 126)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                        _("Probing needs authorisation: the authentication "
                          "was dismissed. Start the trace again to be "
                          "asked again."));

  /* pkexec leaves with 127 when polkit said no, and also when it could
   * not ask (no polkit daemon).  Its own last words are untranslated and
   * often say nothing ("This incident has been reported."): they go to
   * the log, and the window says whether polkit could be asked. */
  if (self->requested_route == HS_HELPER_ROUTE_PKEXEC && status == 127)
    {
      g_debug ("pkexec refused to start the probe helper: %s", how);
      return g_error_new (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                          _("Authorisation to probe was refused. Ask an "
                            "administrator to give the helper its network "
                            "capability (setcap cap_net_raw+ep %s), or to "
                            "allow the polkit action "
                            "io.github.hopscope.Hopscope.probe for you."),
                          HOPSCOPE_HELPER_PATH);
    }

  return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                      _("The probe helper %s could not be started: it "
                        "stopped at once (%s). Check that Hopscope is "
                        "installed completely."),
                      self->helper_name, how);
}

/* The helper ended while nobody asked it to: a failed start, or a death
 * the owner hears of through "exited". */
static void
client_on_helper_gone (HsProbeClient *self,
                       Session *session)
{
  /* The owner may drop its last reference while it hears of the end. */
  g_autoptr(HsProbeClient) hold G_GNUC_UNUSED = g_object_ref (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *how = NULL;
  ClientState state = self->state;

  g_assert (self->session == session);

  if (state == CLIENT_STATE_STARTING)
    error = start_error (self, session);
  else
    {
      how = describe_end (session);
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                           _("The probe helper stopped unexpectedly (%s). "
                             "Press Start to continue tracing."), how);
    }

  g_debug ("%s", error->message);
  client_stop (self);

  if (state == CLIENT_STATE_STARTING)
    client_finish_start (self, g_steal_pointer (&error));
  else
    g_signal_emit (self, signals[SIGNAL_EXITED], 0, error);
}

static void
hs_probe_client_dispose (GObject *object)
{
  HsProbeClient *self = HS_PROBE_CLIENT (object);

  hs_probe_client_stop (self);

  G_OBJECT_CLASS (hs_probe_client_parent_class)->dispose (object);
}

static void
hs_probe_client_finalize (GObject *object)
{
  HsProbeClient *self = HS_PROBE_CLIENT (object);

  g_strfreev (self->argv);
  g_free (self->helper_name);
  g_hash_table_unref (self->pending);
  g_free (self->version);
  g_free (self->socket_kind);

  G_OBJECT_CLASS (hs_probe_client_parent_class)->finalize (object);
}

static void
hs_probe_client_class_init (HsProbeClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_probe_client_dispose;
  object_class->finalize = hs_probe_client_finalize;

  /* A helper that dies leaves a pipe nobody reads; writing to it must
   * fail with EPIPE, not end the whole program.  A program that chose
   * its own handling of SIGPIPE keeps it. */
  {
    struct sigaction current = { 0 };

    if (sigaction (SIGPIPE, NULL, &current) == 0
        && current.sa_handler == SIG_DFL)
      signal (SIGPIPE, SIG_IGN);
  }

  /**
   * HsProbeClient::exited:
   * @self: the client
   * @reason: why the helper ended, in words for the user
   *
   * Emitted once when the helper ends or dies while the client did not
   * ask it to.  The probes in flight are forgotten without their
   * callbacks, and the client is stopped.
   */
  signals[SIGNAL_EXITED] =
    g_signal_new ("exited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hs_probe_client_init (HsProbeClient *self)
{
  self->pending = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                         NULL, g_free);
  self->next_token = 1;
}

/**
 * hs_probe_client_new:
 * @argv: how to start the helper
 * @route: %HS_HELPER_ROUTE_PKEXEC when @argv goes through pkexec, else
 *   %HS_HELPER_ROUTE_UNKNOWN: the client finds the route itself
 *
 * Returns: (transfer full): a client that has not started the helper yet
 */
HsProbeClient *
hs_probe_client_new (const char * const *argv,
                     HsHelperRoute route)
{
  HsProbeClient *self = NULL;
  const char *program = NULL;
  g_autofree char *first = NULL;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  self = g_object_new (HS_TYPE_PROBE_CLIENT, NULL);
  self->argv = g_strdupv ((char **) argv);
  self->requested_route = route;

  /* The user knows the helper by its name, not pkexec's. */
  program = argv[0];
  first = g_path_get_basename (program);
  if (g_str_equal (first, "pkexec") && argv[1] != NULL)
    program = argv[1];
  self->helper_name = g_path_get_basename (program);

  return self;
}

/* Runs in the child between fork and exec: a single system call, safe
 * there.  Should it fail, the helper still drops whatever it is given. */
static void
set_no_new_privs (gpointer user_data)
{
  prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static gboolean
on_start_cancelled (GCancellable *cancellable,
                    gpointer user_data)
{
  HsProbeClient *self = user_data;

  /* stop() fails the start with G_IO_ERROR_CANCELLED. */
  if (self->start_task != NULL)
    hs_probe_client_stop (self);

  return G_SOURCE_REMOVE;
}

/**
 * hs_probe_client_start_async:
 * @self: a stopped client
 * @cancellable: (nullable): cancels the start, which stops the helper
 * @callback: runs once the helper answered what it supports, or failed
 * @user_data: for @callback
 *
 * Starts the helper and asks it, in one go, its version, its kind of
 * sockets, its probe rate and the protocols it supports.
 *
 * TODO: A helper that starts but never answers keeps the start waiting
 * until it is cancelled; a time limit needs to leave room for a pkexec
 * authentication dialog, which can stay open for minutes.
 */
void
hs_probe_client_start_async (HsProbeClient *self,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GError) error = NULL;
  Session *session = NULL;

  g_return_if_fail (HS_IS_PROBE_CLIENT (self));
  g_return_if_fail (self->state == CLIENT_STATE_STOPPED);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hs_probe_client_start_async);
  if (g_task_return_error_if_cancelled (task))
    return;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (self->no_new_privs)
    g_subprocess_launcher_set_child_setup (launcher, set_no_new_privs, NULL,
                                           NULL);
  subprocess = g_subprocess_launcher_spawnv (launcher,
                                             (const char * const *) self->argv,
                                             &error);
  if (subprocess == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR,
                               g_error_matches (error, G_SPAWN_ERROR,
                                                G_SPAWN_ERROR_NOENT)
                               ? G_IO_ERROR_NOT_FOUND : G_IO_ERROR_FAILED,
                               _("The probe helper %s could not be started: "
                                 "%s. Check that Hopscope is installed "
                                 "completely."),
                               self->helper_name, error->message);
      return;
    }

  session = g_rc_box_new0 (Session);
  session->client = self;
  session->subprocess = g_steal_pointer (&subprocess);
  session->stdin_pipe =
    g_object_ref (g_subprocess_get_stdin_pipe (session->subprocess));
  session->stdout_pipe =
    g_object_ref (g_subprocess_get_stdout_pipe (session->subprocess));

  /* The replies are read only when poll() says so, and then to the end of
   * what is there. */
  if (!g_unix_set_fd_nonblocking
        (g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM
                                     (session->stdout_pipe)), TRUE, NULL))
    g_debug ("Cannot make the probe helper's output non-blocking");
  session->incoming = g_string_new (NULL);
  session->stderr_lines = g_data_input_stream_new (
    g_subprocess_get_stderr_pipe (session->subprocess));
  session->io_cancellable = g_cancellable_new ();
  session->outgoing = g_string_new (NULL);
  session->context = g_main_context_ref_thread_default ();
  self->session = session;
  self->state = CLIENT_STATE_STARTING;
  self->route = HS_HELPER_ROUTE_UNKNOWN;
  self->start_task = g_steal_pointer (&task);

  if (cancellable != NULL)
    {
      self->start_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->start_cancel_source,
                             G_SOURCE_FUNC (on_start_cancelled), self, NULL);
      g_source_attach (self->start_cancel_source,
                       g_main_context_get_thread_default ());
    }

  g_subprocess_wait_async (session->subprocess, NULL,
                           on_session_subprocess_waited,
                           session_ref (session));
  session_watch_stdout (session);
  session_read_stderr (session);

  /* The questions go in one write; their answers may come in any order. */
  for (guint i = 0; i < N_FEATURES; i++)
    {
      g_autofree char *line = NULL;

      self->feature_tokens[i] = client_next_token (self);
      line = g_strdup_printf ("%u check-support feature %s",
                              self->feature_tokens[i], feature_names[i]);
      session_send (session, line);
    }
  self->features_unanswered = N_FEATURES;
}

/**
 * hs_probe_client_start_finish:
 * @self: the client
 * @result: what start_async() gave its callback
 * @error: why the helper could not start, in words for the user
 *
 * Returns: %TRUE when the helper is ready for probes
 */
gboolean
hs_probe_client_start_finish (HsProbeClient *self,
                              GAsyncResult *result,
                              GError **error)
{
  g_return_val_if_fail (HS_IS_PROBE_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static const char *
protocol_word (HsProtocol protocol)
{
  switch (protocol)
    {
    case HS_PROTOCOL_ICMP:
      return "icmp";
    case HS_PROTOCOL_UDP:
      return "udp";
    case HS_PROTOCOL_TCP:
      return "tcp";
    default:
      g_assert_not_reached ();
    }
}

/**
 * hs_probe_client_send_probe:
 * @self: a running client
 * @request: the probe
 * @callback: runs once with the probe's reply
 * @user_data: for @callback
 *
 * Returns: the probe's token, or 0 when the helper is not running, in
 *   which case @callback never runs
 */
guint
hs_probe_client_send_probe (HsProbeClient *self,
                            const HsProbeRequest *request,
                            HsProbeCallback callback,
                            gpointer user_data)
{
  g_autoptr(GString) line = NULL;
  g_autofree char *address = NULL;
  PendingProbe *pending = NULL;
  guint token = 0;

  g_return_val_if_fail (HS_IS_PROBE_CLIENT (self), 0);
  g_return_val_if_fail (request != NULL, 0);
  g_return_val_if_fail (G_IS_INET_ADDRESS (request->target), 0);
  g_return_val_if_fail (request->protocol <= HS_PROTOCOL_TCP, 0);
  g_return_val_if_fail (request->ttl <= 255, 0);
  g_return_val_if_fail (request->port <= 65535, 0);
  g_return_val_if_fail (callback != NULL, 0);

  if (self->state != CLIENT_STATE_RUNNING)
    return 0;

  token = client_next_token (self);
  address = g_inet_address_to_string (request->target);
  line = g_string_new (NULL);
  g_string_append_printf (line, "%u send-probe %s %s protocol %s", token,
                          g_inet_address_get_family (request->target)
                            == G_SOCKET_FAMILY_IPV6 ? "ip-6" : "ip-4",
                          address, protocol_word (request->protocol));

  /* Zero leaves a setting to the helper's default. */
  if (request->port != 0 && request->protocol != HS_PROTOCOL_ICMP)
    g_string_append_printf (line, " port %u", request->port);
  if (request->ttl != 0)
    g_string_append_printf (line, " ttl %u", request->ttl);
  if (request->size != 0)
    g_string_append_printf (line, " size %u", request->size);
  if (request->timeout_seconds != 0)
    g_string_append_printf (line, " timeout %u", request->timeout_seconds);

  pending = g_new0 (PendingProbe, 1);
  pending->callback = callback;
  pending->user_data = user_data;
  g_hash_table_insert (self->pending, GUINT_TO_POINTER (token), pending);

  session_send (self->session, line->str);
  return token;
}

/**
 * hs_probe_client_cancel_all:
 * @self: the client
 *
 * Forgets the probes in flight: their callbacks never run, and their
 * replies are ignored when they come.
 */
void
hs_probe_client_cancel_all (HsProbeClient *self)
{
  g_return_if_fail (HS_IS_PROBE_CLIENT (self));

  g_hash_table_remove_all (self->pending);
}

void
hs_probe_client_cancel (HsProbeClient *self,
                        guint token)
{
  g_return_if_fail (HS_IS_PROBE_CLIENT (self));

  g_hash_table_remove (self->pending, GUINT_TO_POINTER (token));
}

void
hs_probe_client_set_no_new_privs (HsProbeClient *self,
                                  gboolean no_new_privs)
{
  g_return_if_fail (HS_IS_PROBE_CLIENT (self));

  self->no_new_privs = no_new_privs;
}

/**
 * hs_probe_client_stop:
 * @self: the client
 *
 * Asks the helper to leave by closing its input, and kills it if it is
 * still there a second later.  Never blocks.  The probes in flight are
 * forgotten; a start in progress fails with %G_IO_ERROR_CANCELLED.
 */
void
hs_probe_client_stop (HsProbeClient *self)
{
  g_return_if_fail (HS_IS_PROBE_CLIENT (self));

  client_stop (self);

  if (self->start_task != NULL)
    client_finish_start (self,
                         g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                      _("Starting the probe helper was "
                                        "cancelled.")));
}

/**
 * hs_probe_client_is_running:
 * @self: the client
 *
 * Returns: whether the helper started and takes probes
 */
gboolean
hs_probe_client_is_running (HsProbeClient *self)
{
  g_return_val_if_fail (HS_IS_PROBE_CLIENT (self), FALSE);

  return self->state == CLIENT_STATE_RUNNING;
}

/**
 * hs_probe_client_get_route:
 * @self: the client
 *
 * Returns: how the helper got its right to probe, known once started
 */
void
hs_probe_client_set_read_delay (HsProbeClient *self,
                                guint delay_ms)
{
  g_return_if_fail (HS_IS_PROBE_CLIENT (self));

  self->read_delay_ms = delay_ms;
}

HsHelperRoute
hs_probe_client_get_route (HsProbeClient *self)
{
  g_return_val_if_fail (HS_IS_PROBE_CLIENT (self), HS_HELPER_ROUTE_UNKNOWN);

  return self->route;
}

/**
 * hs_probe_client_supports:
 * @self: a started client
 * @protocol: a protocol
 *
 * Returns: whether the helper said it can probe with @protocol
 */
gboolean
hs_probe_client_supports (HsProbeClient *self,
                          HsProtocol protocol)
{
  g_return_val_if_fail (HS_IS_PROBE_CLIENT (self), FALSE);
  g_return_val_if_fail (protocol <= HS_PROTOCOL_TCP, FALSE);

  return self->supports[protocol];
}

/**
 * hs_probe_client_get_probe_rate:
 * @self: a started client
 *
 * Returns: the probes a second the helper allows this caller, 0 when it
 *   sets no limit (or did not say)
 */
guint
hs_probe_client_get_probe_rate (HsProbeClient *self)
{
  g_return_val_if_fail (HS_IS_PROBE_CLIENT (self), 0);

  return self->probe_rate;
}

/**
 * hs_probe_client_get_version:
 * @self: a started client
 *
 * Returns: (nullable): the helper's version, NULL when it did not say
 */
const char *
hs_probe_client_get_version (HsProbeClient *self)
{
  g_return_val_if_fail (HS_IS_PROBE_CLIENT (self), NULL);

  return self->version;
}

/**
 * hs_probe_client_get_identifier:
 * @self: the client
 *
 * Returns: (nullable): the helper process's identifier, its pid on Linux,
 *   or NULL when no helper runs
 */
const char *
hs_probe_client_get_identifier (HsProbeClient *self)
{
  g_return_val_if_fail (HS_IS_PROBE_CLIENT (self), NULL);

  if (self->session == NULL)
    return NULL;

  return g_subprocess_get_identifier (self->session->subprocess);
}
