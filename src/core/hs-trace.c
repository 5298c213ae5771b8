/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "hs-name-cache.h"
#include "hs-trace.h"
#include "hs-trace-data.h"

/* How long the probe rate looks back, in microseconds. */
#define PROBE_RATE_WINDOW_US (5 * G_USEC_PER_SEC)

/* Once the target answered a round, the probes of that round still out
 * wait this many times the target's round-trip time, and at least
 * GRACE_MIN_US, before they count as lost. */
#define GRACE_FACTOR 3
#define GRACE_MIN_US (50 * 1000)

/* One round: a probe for each time-to-live, sent together.  Rounds are
 * shared by their probes, which may outlive them (a late reply). */
typedef struct
{
  guint number;
  /* HsProbe pointers, not owned: a probe takes itself out when freed. */
  GPtrArray *probes;
  guint n_without_fate;
  gboolean target_answered;
  guint grace_source_id;
} HsRound;

/* One probe in flight.  The trace's in_flight set owns it until its
 * callback runs, or until the helper's probes are all forgotten. */
typedef struct
{
  HsTrace *trace;
  HsRound *round;          /* a reference */
  guint token;             /* the helper's, to forget the probe by */
  guint ttl;
  gint64 sent_us;          /* real time */
  gint64 sent_monotonic_us;
  gboolean has_fate;
} HsProbe;

struct _HsTrace
{
  GObject parent_instance;

  HsTraceOptions options;
  char **helper_argv;

  HsTraceState state;
  GError *error;
  GCancellable *cancellable;
  GInetAddress *address;
  HsProbeService *service;
  HsProbeClient *client;
  HsNameCache *names;

  /* Every hop made so far, HsHop by time-to-live from first_ttl; the model
   * shows the first n_visible of them. */
  GPtrArray *hops;
  GListStore *model;
  guint n_visible;
  /* The lowest time-to-live the target answered at; 0 until it did. */
  guint target_ttl;

  /* Rounds not in yet, HsRound pointers (owned). */
  GPtrArray *rounds;
  GHashTable *in_flight;
  guint rounds_started;
  guint rounds_in;
  /* With count > 0: the round after which the trace is finished. */
  guint last_round;
  GSource *round_source;

  GQueue send_times;        /* monotonic times of the last probes sent */
  gint64 first_send_monotonic_us;
  gint64 start_time_us;

  /* A trace read from a recording shows what was measured and probes no
   * more; it keeps the route the recording names. */
  gboolean read_only;
  HsHelperRoute recorded_route;
};

enum
{
  SIGNAL_HOP_CHANGED,
  SIGNAL_ROUND_FINISHED,
  SIGNAL_STATE_CHANGED,
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HsTrace, hs_trace, G_TYPE_OBJECT)

/* Options */

/**
 * hs_trace_options_init:
 * @options: options to fill with the defaults
 *
 * Sets every field to its default; the target stays NULL.
 */
void
hs_trace_options_init (HsTraceOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->family = HS_ADDRESS_FAMILY_ANY;
  options->protocol = HS_PROTOCOL_ICMP;
  options->first_ttl = 1;
  options->max_ttl = 30;
  options->interval_ms = 1000;
  options->timeout_seconds = 2;
  options->resolve_names = TRUE;
}

/**
 * hs_trace_options_clear:
 * @options: options to free the contents of
 */
void
hs_trace_options_clear (HsTraceOptions *options)
{
  g_return_if_fail (options != NULL);

  g_clear_pointer (&options->target, g_free);
}

/**
 * hs_trace_options_copy:
 * @from: options to copy
 * @to: options to overwrite; their former contents are freed
 */
void
hs_trace_options_copy (const HsTraceOptions *from,
                       HsTraceOptions *to)
{
  g_autofree char *target = NULL;

  g_return_if_fail (from != NULL);
  g_return_if_fail (to != NULL);

  if (from == to)
    return;

  target = g_strdup (from->target);
  hs_trace_options_clear (to);
  *to = *from;
  to->target = g_steal_pointer (&target);
}

/* Rounds and probes */

static void
hs_round_free (HsRound *round)
{
  g_clear_handle_id (&round->grace_source_id, g_source_remove);
  g_ptr_array_unref (round->probes);
}

static HsRound *
hs_round_new (guint number)
{
  HsRound *round = g_rc_box_new0 (HsRound);

  round->number = number;
  round->probes = g_ptr_array_new ();

  return round;
}

static void
hs_round_unref (HsRound *round)
{
  g_rc_box_release_full (round, (GDestroyNotify) hs_round_free);
}

static void
hs_probe_free (HsProbe *probe)
{
  g_ptr_array_remove_fast (probe->round->probes, probe);
  hs_round_unref (probe->round);
  g_free (probe);
}

/* State */

static void
set_state (HsTrace *self,
           HsTraceState state)
{
  g_assert (HS_IS_TRACE (self));

  if (self->state == state)
    return;

  g_debug ("Trace of %s: state %d -> %d", self->options.target,
           self->state, state);
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
}

static void
stop_round_timer (HsTrace *self)
{
  g_assert (HS_IS_TRACE (self));

  if (self->round_source != NULL)
    {
      g_source_destroy (self->round_source);
      g_clear_pointer (&self->round_source, g_source_unref);
    }
}

/* Forgets the probes in flight and the rounds they belong to.  The helper
 * runs no callback of theirs any more, so they are freed here. */
static void
forget_probes (HsTrace *self)
{
  g_assert (HS_IS_TRACE (self));

  /* The helper may serve other traces too: only this one's probes are
   * forgotten. */
  if (self->client != NULL)
    {
      GHashTableIter iter;
      HsProbe *probe = NULL;

      g_hash_table_iter_init (&iter, self->in_flight);
      while (g_hash_table_iter_next (&iter, (gpointer *) &probe, NULL))
        hs_probe_client_cancel (self->client, probe->token);
    }
  g_hash_table_remove_all (self->in_flight);
  g_ptr_array_set_size (self->rounds, 0);
}

static void
fail (HsTrace *self,
      GError *error)
{
  g_assert (HS_IS_TRACE (self));
  g_assert (error != NULL);

  g_debug ("Trace of %s failed: %s", self->options.target, error->message);
  stop_round_timer (self);

  /* The rounds out now never come in; with a count, as many more are
   * sent once the trace starts again. */
  if (self->last_round != 0)
    self->last_round += self->rounds->len;
  forget_probes (self);
  g_clear_error (&self->error);
  self->error = error;
  set_state (self, HS_TRACE_STATE_FAILED);
}

/* Hops */

static HsHop *
get_hop (HsTrace *self,
         guint ttl)
{
  g_assert (HS_IS_TRACE (self));
  g_assert (ttl >= self->options.first_ttl);

  if (ttl - self->options.first_ttl >= self->hops->len)
    return NULL;

  return g_ptr_array_index (self->hops, ttl - self->options.first_ttl);
}

static guint
get_last_ttl (HsTrace *self)
{
  g_assert (HS_IS_TRACE (self));

  if (self->target_ttl != 0)
    return MIN (self->target_ttl, self->options.max_ttl);

  return self->options.max_ttl;
}

static void
on_hop_changed (HsHop *hop,
                HsTrace *self)
{
  /* Hops above the target left the model: nobody looks at them. */
  if (self->target_ttl != 0 && hs_hop_get_ttl (hop) > self->target_ttl)
    return;

  g_signal_emit (self, signals[SIGNAL_HOP_CHANGED], 0, hop);
}

/* Makes the hops up to LAST_TTL and shows them all in the model. */
static void
show_hops (HsTrace *self,
           guint last_ttl)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new ();
  guint n_wanted = last_ttl - self->options.first_ttl + 1;

  g_assert (HS_IS_TRACE (self));
  g_assert (last_ttl >= self->options.first_ttl);

  while (self->hops->len < n_wanted)
    {
      HsHop *hop = hs_hop_new (self->options.first_ttl + self->hops->len);

      g_signal_connect_object (hop, "changed", G_CALLBACK (on_hop_changed),
                               self, 0);
      g_ptr_array_add (self->hops, hop);
    }

  if (self->n_visible >= n_wanted)
    return;

  for (guint i = self->n_visible; i < n_wanted; i++)
    g_ptr_array_add (added, g_ptr_array_index (self->hops, i));
  g_list_store_splice (self->model, self->n_visible, 0, added->pdata,
                       added->len);
  self->n_visible = n_wanted;
}

/* The target answered at TTL: the hops above it leave the model, and the
 * later rounds no longer probe them.
 *
 * TODO: Notice a path that grew longer (a router answering time exceeded
 * at the target's time-to-live) and probe above the target again. */
static void
note_target (HsTrace *self,
             guint ttl)
{
  guint n_wanted = 0;

  g_assert (HS_IS_TRACE (self));

  if (self->target_ttl != 0 && self->target_ttl <= ttl)
    return;

  self->target_ttl = ttl;
  n_wanted = ttl - self->options.first_ttl + 1;
  if (self->n_visible > n_wanted)
    {
      g_list_store_splice (self->model, n_wanted,
                           self->n_visible - n_wanted, NULL, 0);
      self->n_visible = n_wanted;
    }
}

/* Names */

/* The cache answers an address without a reverse name with the address
 * itself, ready to show; a responder's name stays NULL then, so that views
 * and reports do not print the address twice. */
static gboolean
is_real_name (GInetAddress *address,
              const char *name)
{
  g_autofree char *text = g_inet_address_to_string (address);

  return name != NULL && g_strcmp0 (name, text) != 0;
}

static void
set_names (HsTrace *self,
           GInetAddress *address,
           const char *name)
{
  g_assert (HS_IS_TRACE (self));

  if (!is_real_name (address, name))
    return;

  for (guint i = 0; i < self->hops->len; i++)
    {
      HsHop *hop = g_ptr_array_index (self->hops, i);

      for (guint j = 0; j < hs_hop_get_n_responders (hop); j++)
        {
          const HsResponder *responder = hs_hop_get_responder (hop, j);

          if (g_inet_address_equal (responder->address, address)
              && g_strcmp0 (responder->name, name) != 0)
            hs_hop_set_responder_name (hop, address, name);
        }
    }
}

static void
on_names_resolved (HsNameCache *names,
                   GInetAddress *address,
                   const char *name,
                   HsTrace *self)
{
  set_names (self, address, name);
}

static void
name_responder (HsTrace *self,
                HsHop *hop,
                GInetAddress *address)
{
  const char *name = NULL;

  g_assert (HS_IS_TRACE (self));

  if (!self->options.resolve_names)
    return;

  if (self->names == NULL)
    {
      self->names = hs_name_cache_new (NULL);
      g_signal_connect_object (self->names, "resolved",
                               G_CALLBACK (on_names_resolved), self, 0);
    }

  name = hs_name_cache_lookup (self->names, address);
  if (is_real_name (address, name))
    hs_hop_set_responder_name (hop, address, name);
}

/* Rounds */

static void
finish_round (HsTrace *self,
              HsRound *round)
{
  guint number = round->number;

  g_assert (HS_IS_TRACE (self));
  g_assert (round->n_without_fate == 0);

  g_clear_handle_id (&round->grace_source_id, g_source_remove);
  g_ptr_array_remove (self->rounds, round);
  self->rounds_in++;
  g_signal_emit (self, signals[SIGNAL_ROUND_FINISHED], 0, number);

  if (self->last_round != 0 && self->rounds_in >= self->last_round
      && self->rounds->len == 0
      && (self->state == HS_TRACE_STATE_RUNNING
          || self->state == HS_TRACE_STATE_PAUSED))
    {
      stop_round_timer (self);
      set_state (self, HS_TRACE_STATE_FINISHED);
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
    }
}

static void
give_fate (HsTrace *self,
           HsProbe *probe)
{
  g_assert (HS_IS_TRACE (self));
  g_assert (!probe->has_fate);

  probe->has_fate = TRUE;
  probe->round->n_without_fate--;
}

static gboolean
on_grace_timeout (gpointer user_data)
{
  HsRound *round = user_data;
  g_autoptr(HsTrace) self = NULL;
  g_autoptr(GPtrArray) lost = g_ptr_array_new ();

  round->grace_source_id = 0;

  /* Probes still out after the grace count as lost; a reply that still
   * comes is ignored. */
  for (guint i = 0; i < round->probes->len; i++)
    {
      HsProbe *probe = g_ptr_array_index (round->probes, i);

      if (!probe->has_fate)
        g_ptr_array_add (lost, probe);
    }

  for (guint i = 0; i < lost->len; i++)
    {
      HsProbe *probe = g_ptr_array_index (lost, i);
      HsHop *hop = NULL;

      if (self == NULL)
        self = g_object_ref (probe->trace);
      give_fate (self, probe);
      if (probe->ttl <= get_last_ttl (self)
          && (hop = get_hop (self, probe->ttl)) != NULL)
        hs_hop_record_lost (hop, probe->sent_us);
    }

  if (self != NULL && round->n_without_fate == 0)
    finish_round (self, round);

  return G_SOURCE_REMOVE;
}

static gboolean
reply_is_from_target (HsTrace *self,
                      const HsProbeReply *reply)
{
  g_assert (HS_IS_TRACE (self));

  if (reply->outcome == HS_PROBE_OUTCOME_REPLY)
    return TRUE;

  /* An unreachable sent by the target itself (a filter on it) ends the
   * path there too. */
  return reply->outcome == HS_PROBE_OUTCOME_UNREACHABLE
         && reply->responder != NULL
         && g_inet_address_equal (reply->responder, self->address);
}

static void
record_reply (HsTrace *self,
              HsProbe *probe,
              const HsProbeReply *reply)
{
  HsHop *hop = NULL;
  HsRound *round = probe->round;
  gboolean is_target = reply_is_from_target (self, reply);
  gint64 round_trip_us = reply->round_trip_us;
  guint n_responders = 0;

  g_assert (HS_IS_TRACE (self));

  if (round_trip_us < 0)
    round_trip_us = g_get_monotonic_time () - probe->sent_monotonic_us;

  /* An unreachable ends the path as the target's reply does: every probe
   * above it would meet the same router saying the same. */
  if (is_target || reply->outcome == HS_PROBE_OUTCOME_UNREACHABLE)
    note_target (self, probe->ttl);

  /* The round's first reply from the target gives the probes still out
   * a grace, instead of the whole timeout. */
  if (is_target && !round->target_answered)
    {
      guint grace_ms = MAX (GRACE_FACTOR * round_trip_us, GRACE_MIN_US)
                       / 1000;

      round->target_answered = TRUE;
      if (round->n_without_fate > 0)
        round->grace_source_id = g_timeout_add (grace_ms, on_grace_timeout,
                                                round);
    }

  /* Hops above the target are no longer shown: what they get is dropped. */
  if (probe->ttl > get_last_ttl (self)
      || (hop = get_hop (self, probe->ttl)) == NULL)
    return;

  if (reply->responder == NULL)
    {
      if (reply->outcome == HS_PROBE_OUTCOME_ERROR)
        g_debug ("Probe at time-to-live %u: the helper said %s",
                 probe->ttl, reply->word);
      hs_hop_record_lost (hop, probe->sent_us);
      return;
    }

  n_responders = hs_hop_get_n_responders (hop);
  hs_hop_record_answer (hop, probe->sent_us, round_trip_us,
                        reply->responder, reply->mpls, is_target);
  if (hs_hop_get_n_responders (hop) > n_responders)
    name_responder (self, hop, reply->responder);
}

static void
on_probe_reply (const HsProbeReply *reply,
                gpointer user_data)
{
  HsProbe *probe = user_data;
  HsRound *round = probe->round;
  /* A handler of a signal emitted here may drop the last reference. */
  g_autoptr(HsTrace) self = g_object_ref (probe->trace);

  if (!probe->has_fate)
    {
      give_fate (self, probe);
      record_reply (self, probe, reply);

      /* The probe's reference keeps the round alive through this. */
      if (round->n_without_fate == 0)
        finish_round (self, round);
    }

  g_hash_table_remove (self->in_flight, probe);
}

static void
note_send (HsTrace *self)
{
  gint64 now = g_get_monotonic_time ();

  g_assert (HS_IS_TRACE (self));

  if (self->first_send_monotonic_us == 0)
    self->first_send_monotonic_us = now;
  g_queue_push_tail (&self->send_times, g_memdup2 (&now, sizeof now));

  while (!g_queue_is_empty (&self->send_times)
         && *(gint64 *) g_queue_peek_head (&self->send_times)
            < now - PROBE_RATE_WINDOW_US)
    g_free (g_queue_pop_head (&self->send_times));
}

static void
start_round (HsTrace *self)
{
  HsRound *round = NULL;
  guint last_ttl = get_last_ttl (self);
  gint64 now_us = g_get_real_time ();

  g_assert (HS_IS_TRACE (self));
  g_assert (self->client != NULL);

  if (self->start_time_us == 0)
    self->start_time_us = now_us;

  show_hops (self, last_ttl);
  round = hs_round_new (++self->rounds_started);
  g_ptr_array_add (self->rounds, round);

  for (guint ttl = self->options.first_ttl; ttl <= last_ttl; ttl++)
    {
      HsProbe *probe = g_new0 (HsProbe, 1);
      HsProbeRequest request = {
        .target = self->address,
        .protocol = self->options.protocol,
        .port = self->options.port,
        .ttl = ttl,
        .size = self->options.size,
        .timeout_seconds = self->options.timeout_seconds,
      };

      probe->trace = self;
      probe->round = g_rc_box_acquire (round);
      probe->ttl = ttl;
      probe->sent_us = g_get_real_time ();
      probe->sent_monotonic_us = g_get_monotonic_time ();
      g_ptr_array_add (round->probes, probe);
      round->n_without_fate++;
      g_hash_table_add (self->in_flight, probe);

      /* A helper that just died takes no probe; "exited" follows. */
      probe->token = hs_probe_client_send_probe (self->client, &request,
                                                 on_probe_reply, probe);
      if (probe->token == 0)
        {
          give_fate (self, probe);
          g_hash_table_remove (self->in_flight, probe);
          continue;
        }

      hs_hop_record_sent (get_hop (self, ttl));
      note_send (self);
    }

  /* No probe went: the round never was. */
  if (round->n_without_fate == 0)
    {
      g_ptr_array_remove (self->rounds, round);
      self->rounds_started--;
    }
}

/* The round timer: a source that keeps its own schedule, so that rounds
 * start every interval from the first one and a late wake-up does not push
 * every later round back. */
typedef struct
{
  GSource source;
  gint64 interval_us;
} HsRoundSource;

static gboolean
round_source_dispatch (GSource *source,
                       GSourceFunc callback,
                       gpointer user_data)
{
  gint64 interval_us = ((HsRoundSource *) source)->interval_us;
  gint64 ready_time = g_source_get_ready_time (source);
  gint64 now = g_source_get_time (source);

  /* After a long stall, rounds that were missed are skipped rather than
   * sent in a burst. */
  ready_time += interval_us;
  if (ready_time <= now)
    ready_time = now + interval_us;
  g_source_set_ready_time (source, ready_time);

  return callback (user_data);
}

static GSourceFuncs round_source_funcs = {
  .dispatch = round_source_dispatch,
};

static gboolean
on_round_timer (gpointer user_data)
{
  HsTrace *self = user_data;

  start_round (self);

  /* The last round asked for is out: the timer is done. */
  if (self->last_round != 0 && self->rounds_started >= self->last_round)
    {
      g_clear_pointer (&self->round_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
run_rounds (HsTrace *self)
{
  gint64 interval_us = (gint64) MAX (self->options.interval_ms, 1) * 1000;

  g_assert (HS_IS_TRACE (self));

  g_clear_error (&self->error);
  set_state (self, HS_TRACE_STATE_RUNNING);
  stop_round_timer (self);

  if (self->last_round == 0 || self->rounds_started < self->last_round)
    start_round (self);

  if (self->last_round != 0 && self->rounds_started >= self->last_round)
    return;

  self->round_source = g_source_new (&round_source_funcs,
                                     sizeof (HsRoundSource));
  ((HsRoundSource *) self->round_source)->interval_us = interval_us;
  g_source_set_name (self->round_source, "HsTrace rounds");
  g_source_set_priority (self->round_source, G_PRIORITY_HIGH);
  g_source_set_callback (self->round_source, on_round_timer, self, NULL);
  g_source_set_ready_time (self->round_source,
                           g_get_monotonic_time () + interval_us);
  g_source_attach (self->round_source, NULL);
}

/* An asynchronous step of the start (the lookup, the helper's start)
 * holds the trace weakly, and its cancellable: a trace gone or reset since
 * is left alone when the step ends. */
typedef struct
{
  GWeakRef trace;
  GCancellable *cancellable;
} HsAsyncStep;

static HsAsyncStep *
hs_async_step_new (HsTrace *self)
{
  HsAsyncStep *step = g_new0 (HsAsyncStep, 1);

  g_weak_ref_init (&step->trace, self);
  step->cancellable = g_object_ref (self->cancellable);

  return step;
}

static void
hs_async_step_free (HsAsyncStep *step)
{
  g_weak_ref_clear (&step->trace);
  g_object_unref (step->cancellable);
  g_free (step);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HsAsyncStep, hs_async_step_free)

/* Returns: (transfer full) (nullable): the trace, NULL when it is gone or
 * the step was cancelled. */
static HsTrace *
hs_async_step_get_trace (HsAsyncStep *step)
{
  if (g_cancellable_is_cancelled (step->cancellable))
    return NULL;

  return g_weak_ref_get (&step->trace);
}

/* The helper */

static void
on_probe_client_exited (HsProbeClient *client,
                        GError *reason,
                        HsTrace *self)
{
  if (client != self->client)
    return;

  fail (self, reason != NULL ? g_error_copy (reason)
                             : g_error_new_literal (G_IO_ERROR,
                                                    G_IO_ERROR_FAILED,
                                                    _("The probe helper "
                                                      "stopped. Start the "
                                                      "trace again.")));
}

static void
on_probe_client_started (GObject *source,
                         GAsyncResult *result,
                         gpointer user_data)
{
  g_autoptr(HsAsyncStep) step = user_data;
  g_autoptr(HsTrace) self = hs_async_step_get_trace (step);
  g_autoptr(HsProbeClient) client = NULL;
  g_autoptr(GError) error = NULL;

  client = hs_probe_service_get_client_finish (HS_PROBE_SERVICE (source),
                                               result, &error);
  if (self == NULL)
    return;

  if (client != NULL)
    {
      self->client = g_steal_pointer (&client);
      g_signal_connect_object (self->client, "exited",
                               G_CALLBACK (on_probe_client_exited), self, 0);
      run_rounds (self);
      return;
    }

  /* A dismissed authentication is no error: the trace goes back to where
   * it was before it was started, and says why it does not run. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&self->error);
      self->error = g_steal_pointer (&error);
      set_state (self, self->rounds_started > 0 ? HS_TRACE_STATE_PAUSED
                                                : HS_TRACE_STATE_IDLE);
      return;
    }

  fail (self, g_steal_pointer (&error));
}

static void
start_helper (HsTrace *self)
{
  g_assert (HS_IS_TRACE (self));

  if (self->client != NULL && hs_probe_client_is_running (self->client))
    {
      run_rounds (self);
      return;
    }

  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      g_clear_object (&self->client);
    }

  if (self->service == NULL)
    self->service = hs_probe_service_new ((const char * const *)
                                          self->helper_argv);

  set_state (self, HS_TRACE_STATE_STARTING);
  hs_probe_service_get_client_async (self->service, self->options.protocol,
                                     self->cancellable,
                                     on_probe_client_started,
                                     hs_async_step_new (self));
}

/* The target's address */

static GError *
new_not_found_error (HsTrace *self)
{
  g_assert (HS_IS_TRACE (self));

  return g_error_new (G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                      _("Hopscope could not find the address of \"%s\". "
                        "Check the name, or enter an address."),
                      self->options.target);
}

static gboolean
family_matches (HsAddressFamily family,
                GInetAddress *address)
{
  switch (family)
    {
    case HS_ADDRESS_FAMILY_IPV4:
      return g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4;
    case HS_ADDRESS_FAMILY_IPV6:
      return g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
    case HS_ADDRESS_FAMILY_ANY:
    default:
      return TRUE;
    }
}

static void
on_target_resolved (GObject *source,
                    GAsyncResult *result,
                    gpointer user_data)
{
  g_autoptr(HsAsyncStep) step = user_data;
  g_autoptr(HsTrace) self = hs_async_step_get_trace (step);
  g_autolist(GInetAddress) addresses = NULL;
  g_autoptr(GError) error = NULL;

  addresses = g_resolver_lookup_by_name_with_flags_finish (
    G_RESOLVER (source), result, &error);

  if (self == NULL)
    return;

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      if (family_matches (self->options.family, l->data))
        {
          self->address = g_object_ref (l->data);
          break;
        }
    }

  if (self->address == NULL)
    {
      if (error != NULL)
        g_debug ("Looking up %s: %s", self->options.target, error->message);
      fail (self, new_not_found_error (self));
      return;
    }

  start_helper (self);
}

static void
resolve_target (HsTrace *self)
{
  g_autoptr(GInetAddress) literal = NULL;
  g_autoptr(GResolver) resolver = NULL;
  GResolverNameLookupFlags flags = G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT;

  g_assert (HS_IS_TRACE (self));

  if (self->options.target == NULL || self->options.target[0] == '\0')
    {
      fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                       _("There is no target to trace. "
                                         "Enter a name or an address.")));
      return;
    }

  /* An address needs no lookup. */
  if ((literal = g_inet_address_new_from_string (self->options.target)))
    {
      if (!family_matches (self->options.family, literal))
        {
          fail (self, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                   _("The address %s is not of the family "
                                     "chosen. Choose another family, or "
                                     "enter another address."),
                                   self->options.target));
          return;
        }
      self->address = g_steal_pointer (&literal);
      start_helper (self);
      return;
    }

  if (self->options.family == HS_ADDRESS_FAMILY_IPV4)
    flags = G_RESOLVER_NAME_LOOKUP_FLAGS_IPV4_ONLY;
  else if (self->options.family == HS_ADDRESS_FAMILY_IPV6)
    flags = G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY;

  set_state (self, HS_TRACE_STATE_RESOLVING);
  resolver = g_resolver_get_default ();
  g_resolver_lookup_by_name_with_flags_async (resolver, self->options.target,
                                              flags, self->cancellable,
                                              on_target_resolved,
                                              hs_async_step_new (self));
}

/* The object */

static void
hs_trace_dispose (GObject *object)
{
  HsTrace *self = HS_TRACE (object);

  g_cancellable_cancel (self->cancellable);
  stop_round_timer (self);
  forget_probes (self);

  /* The helper stops with its last reference: at once for a trace of
   * its own, with the application for the window's shared one. */
  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      g_clear_object (&self->client);
    }
  g_clear_object (&self->service);

  if (self->names != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->names, self);
      hs_name_cache_cancel (self->names);
      g_clear_object (&self->names);
    }

  for (guint i = 0; i < self->hops->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->hops, i),
                                          self);

  G_OBJECT_CLASS (hs_trace_parent_class)->dispose (object);
}

static void
hs_trace_finalize (GObject *object)
{
  HsTrace *self = HS_TRACE (object);

  hs_trace_options_clear (&self->options);
  g_clear_pointer (&self->helper_argv, g_strfreev);
  g_clear_error (&self->error);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->address);
  g_clear_pointer (&self->hops, g_ptr_array_unref);
  g_clear_object (&self->model);
  g_clear_pointer (&self->rounds, g_ptr_array_unref);
  g_clear_pointer (&self->in_flight, g_hash_table_unref);
  g_queue_clear_full (&self->send_times, g_free);

  G_OBJECT_CLASS (hs_trace_parent_class)->finalize (object);
}

static void
hs_trace_class_init (HsTraceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_trace_dispose;
  object_class->finalize = hs_trace_finalize;

  signals[SIGNAL_HOP_CHANGED] =
    g_signal_new ("hop-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, HS_TYPE_HOP);
  signals[SIGNAL_ROUND_FINISHED] =
    g_signal_new ("round-finished", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_UINT);
  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hs_trace_init (HsTrace *self)
{
  hs_trace_options_init (&self->options);
  self->state = HS_TRACE_STATE_IDLE;
  self->cancellable = g_cancellable_new ();
  self->hops = g_ptr_array_new_with_free_func (g_object_unref);
  self->model = g_list_store_new (HS_TYPE_HOP);
  self->rounds = g_ptr_array_new_with_free_func (
    (GDestroyNotify) hs_round_unref);
  self->in_flight = g_hash_table_new_full (NULL, NULL,
                                           (GDestroyNotify) hs_probe_free,
                                           NULL);
  g_queue_init (&self->send_times);
}

/**
 * hs_trace_new:
 * @options: what to trace and how
 * @helper_argv: (nullable): how to start the helper; NULL for
 *   $HOPSCOPE_PROBE when set, else the installed helper
 *
 * Returns: a new, idle trace.
 */
HsTrace *
hs_trace_new (const HsTraceOptions *options,
              const char * const *helper_argv)
{
  HsTrace *self = NULL;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (options->first_ttl >= 1, NULL);
  g_return_val_if_fail (options->max_ttl >= options->first_ttl, NULL);
  g_return_val_if_fail (helper_argv == NULL || helper_argv[0] != NULL, NULL);

  self = g_object_new (HS_TYPE_TRACE, NULL);
  hs_trace_options_copy (options, &self->options);
  self->helper_argv = g_strdupv ((char **) helper_argv);

  return self;
}

/**
 * hs_trace_new_from_data:
 * @data: what a trace measured, from a recording say
 *
 * Returns: (transfer full): a finished trace that shows @data and never
 *   probes: starting it does nothing, and resetting it keeps its data
 */
HsTrace *
hs_trace_new_from_data (const HsTraceData *data)
{
  HsTrace *self = NULL;
  guint n_items = 0;

  g_return_val_if_fail (data != NULL, NULL);

  self = g_object_new (HS_TYPE_TRACE, NULL);
  hs_trace_options_copy (&data->options, &self->options);
  self->read_only = TRUE;
  self->recorded_route = data->route;
  if (data->address != NULL)
    self->address = g_inet_address_new_from_string (data->address);
  self->start_time_us = data->started_us;
  self->rounds_started = data->rounds;
  self->rounds_in = data->rounds;

  n_items = g_list_model_get_n_items (G_LIST_MODEL (data->hops));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(HsHop) hop = g_list_model_get_item (G_LIST_MODEL (data->hops),
                                                    i);

      g_ptr_array_add (self->hops, g_object_ref (hop));
      if (hs_hop_is_target (hop) && self->target_ttl == 0)
        self->target_ttl = hs_hop_get_ttl (hop);
    }
  if (MIN (data->n_hops, n_items) > 0)
    show_hops (self, self->options.first_ttl + MIN (data->n_hops, n_items) - 1);
  self->state = HS_TRACE_STATE_FINISHED;

  return self;
}

gboolean
hs_trace_is_read_only (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), FALSE);

  return self->read_only;
}

/**
 * hs_trace_get_options:
 * @self: a trace
 *
 * Returns: (transfer none): the trace's options.
 */
const HsTraceOptions *
hs_trace_get_options (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), NULL);

  return &self->options;
}

/**
 * hs_trace_start:
 * @self: a trace
 *
 * Starts an idle trace: looks up the target, starts the helper, then
 * probes in rounds.  Continues a paused trace, a finished one (for count
 * more rounds), or one whose helper died, keeping its data.
 */
void
hs_trace_start (HsTrace *self)
{
  g_return_if_fail (HS_IS_TRACE (self));

  if (self->read_only)
    return;

  switch (self->state)
    {
    case HS_TRACE_STATE_RESOLVING:
    case HS_TRACE_STATE_STARTING:
    case HS_TRACE_STATE_RUNNING:
      return;

    case HS_TRACE_STATE_PAUSED:
      if (self->last_round != 0 && self->rounds_started >= self->last_round)
        {
          /* Every round asked for is out: only waiting is left. */
          set_state (self, HS_TRACE_STATE_RUNNING);
          return;
        }
      run_rounds (self);
      return;

    case HS_TRACE_STATE_FINISHED:
      self->last_round = self->rounds_started + self->options.count;
      run_rounds (self);
      return;

    case HS_TRACE_STATE_IDLE:
    case HS_TRACE_STATE_FAILED:
    default:
      break;
    }

  if (self->options.count != 0 && self->last_round == 0)
    self->last_round = self->options.count;

  if (self->address == NULL)
    resolve_target (self);
  else
    start_helper (self);
}

/**
 * hs_trace_pause:
 * @self: a trace
 *
 * Starts no more rounds; the replies of the probes already out still
 * count.
 */
void
hs_trace_pause (HsTrace *self)
{
  g_return_if_fail (HS_IS_TRACE (self));

  if (self->state != HS_TRACE_STATE_RUNNING)
    return;

  stop_round_timer (self);
  set_state (self, HS_TRACE_STATE_PAUSED);
}

/**
 * hs_trace_reset:
 * @self: a trace
 *
 * Stops probing and forgets every hop and statistic; the trace is idle
 * again and starts from scratch with hs_trace_start().
 */
void
hs_trace_reset (HsTrace *self)
{
  g_return_if_fail (HS_IS_TRACE (self));

  if (self->read_only)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  stop_round_timer (self);
  forget_probes (self);

  /* A helper still starting was cancelled with the rest; one that runs is
   * kept, so that a trace through pkexec does not ask again. */
  if (self->client != NULL && !hs_probe_client_is_running (self->client))
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      g_clear_object (&self->client);
    }

  for (guint i = 0; i < self->hops->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->hops, i),
                                          self);
  g_list_store_remove_all (self->model);
  g_ptr_array_set_size (self->hops, 0);
  self->n_visible = 0;
  self->target_ttl = 0;

  self->rounds_started = 0;
  self->rounds_in = 0;
  self->last_round = 0;
  self->first_send_monotonic_us = 0;
  self->start_time_us = 0;
  g_queue_clear_full (&self->send_times, g_free);
  g_clear_error (&self->error);
  g_clear_object (&self->address);

  set_state (self, HS_TRACE_STATE_IDLE);
}

/**
 * hs_trace_get_state:
 * @self: a trace
 *
 * Returns: where the trace is.
 */
HsTraceState
hs_trace_get_state (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), HS_TRACE_STATE_IDLE);

  return self->state;
}

/**
 * hs_trace_get_error:
 * @self: a trace
 *
 * Returns: (nullable): why the trace failed, in words for the user; NULL
 * unless it is FAILED.
 */
const GError *
hs_trace_get_error (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), NULL);

  if (self->state != HS_TRACE_STATE_FAILED)
    return NULL;

  return self->error;
}

/**
 * hs_trace_get_address:
 * @self: a trace
 *
 * Returns: (nullable) (transfer none): the target's address, NULL until it
 * is known.
 */
GInetAddress *
hs_trace_get_address (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), NULL);

  return self->address;
}

/**
 * hs_trace_get_hops:
 * @self: a trace
 *
 * Returns: (transfer none): the hops shown, HsHop objects in time-to-live
 * order.
 */
GListModel *
hs_trace_get_hops (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), NULL);

  return G_LIST_MODEL (self->model);
}

/**
 * hs_trace_get_n_visible_hops:
 * @self: a trace
 *
 * Returns: the hops up to and including the target once it answered,
 * else every hop probed.
 */
guint
hs_trace_get_n_visible_hops (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), 0);

  return self->n_visible;
}

/**
 * hs_trace_get_rounds:
 * @self: a trace
 *
 * Returns: how many rounds are in: every probe of theirs has a fate.
 */
guint
hs_trace_get_rounds (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), 0);

  return self->rounds_in;
}

void
hs_trace_set_probe_service (HsTrace *self,
                            HsProbeService *service)
{
  g_return_if_fail (HS_IS_TRACE (self));
  g_return_if_fail (HS_IS_PROBE_SERVICE (service));
  g_return_if_fail (self->client == NULL);

  g_set_object (&self->service, service);
}

/**
 * hs_trace_get_route:
 * @self: a trace
 *
 * Returns: how the helper got its right to probe; unknown until it runs.
 */
HsHelperRoute
hs_trace_get_route (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), HS_HELPER_ROUTE_UNKNOWN);

  if (self->read_only)
    return self->recorded_route;

  if (self->client == NULL)
    return HS_HELPER_ROUTE_UNKNOWN;

  return hs_probe_client_get_route (self->client);
}

/**
 * hs_trace_get_probe_rate:
 * @self: a trace
 *
 * Returns: the probes sent a second over the last few seconds.
 */
double
hs_trace_get_probe_rate (HsTrace *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 window_us = 0;
  guint n_sent = 0;

  g_return_val_if_fail (HS_IS_TRACE (self), 0.0);

  if (self->first_send_monotonic_us == 0)
    return 0.0;

  for (GList *l = self->send_times.head; l != NULL; l = l->next)
    if (*(gint64 *) l->data >= now - PROBE_RATE_WINDOW_US)
      n_sent++;

  /* A trace younger than the window is measured over its life, but over a
   * second at least, so that the first round alone does not look like a
   * flood. */
  window_us = MIN (now - self->first_send_monotonic_us, PROBE_RATE_WINDOW_US);
  window_us = MAX (window_us, G_USEC_PER_SEC);

  return n_sent * (double) G_USEC_PER_SEC / window_us;
}

/**
 * hs_trace_get_start_time:
 * @self: a trace
 *
 * Returns: when the first probe left, in g_get_real_time() microseconds;
 * 0 until then.
 */
gint64
hs_trace_get_start_time (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), 0);

  return self->start_time_us;
}
