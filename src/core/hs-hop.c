/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include "hs-hop.h"

/* The history's responder field is 16 bits wide and 0 means "none". */
#define MAX_RESPONDERS (G_MAXUINT16 - 1)

struct _HsHop
{
  GObject parent_instance;

  guint ttl;
  HsHopStats stats;
  HsHistory *history;
  GArray *responders;     /* of HsResponder, in the order first seen */
  gboolean is_target;
};

enum
{
  PROP_0,
  PROP_TTL,
  N_PROPS
};

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HsHop, hs_hop, G_TYPE_OBJECT)

static void
responder_clear (gpointer data)
{
  HsResponder *responder = data;

  g_assert (responder != NULL);

  g_clear_object (&responder->address);
  g_clear_pointer (&responder->name, g_free);
  g_clear_pointer (&responder->mpls, g_free);
}

/* The index of the responder at ADDRESS, or -1 when none has it. */
static gint
find_responder (HsHop *self,
                GInetAddress *address)
{
  g_assert (HS_IS_HOP (self));
  g_assert (G_IS_INET_ADDRESS (address));

  for (guint i = 0; i < self->responders->len; i++)
    {
      HsResponder *responder =
        &g_array_index (self->responders, HsResponder, i);

      if (g_inet_address_equal (responder->address, address))
        return (gint) i;
    }

  return -1;
}

static void
hs_hop_finalize (GObject *object)
{
  HsHop *self = HS_HOP (object);

  g_clear_pointer (&self->history, hs_history_free);
  g_clear_pointer (&self->responders, g_array_unref);

  G_OBJECT_CLASS (hs_hop_parent_class)->finalize (object);
}

static void
hs_hop_get_property (GObject *object,
                     guint prop_id,
                     GValue *value,
                     GParamSpec *pspec)
{
  HsHop *self = HS_HOP (object);

  switch (prop_id)
    {
    case PROP_TTL:
      g_value_set_uint (value, self->ttl);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_hop_set_property (GObject *object,
                     guint prop_id,
                     const GValue *value,
                     GParamSpec *pspec)
{
  HsHop *self = HS_HOP (object);

  switch (prop_id)
    {
    case PROP_TTL:
      self->ttl = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_hop_class_init (HsHopClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hs_hop_finalize;
  object_class->get_property = hs_hop_get_property;
  object_class->set_property = hs_hop_set_property;

  properties[PROP_TTL] =
    g_param_spec_uint ("ttl", NULL, NULL,
                       1, 255, 1,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                       | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
hs_hop_init (HsHop *self)
{
  hs_hop_stats_init (&self->stats);
  self->history = hs_history_new (HS_HISTORY_DEFAULT_CAPACITY);
  self->responders = g_array_new (FALSE, TRUE, sizeof (HsResponder));
  g_array_set_clear_func (self->responders, responder_clear);
}

/**
 * hs_hop_new:
 * @ttl: the time-to-live of this hop's probes, 1 to 255
 *
 * Creates a hop with no probe yet.
 *
 * Returns: (transfer full): the hop
 */
HsHop *
hs_hop_new (guint ttl)
{
  g_return_val_if_fail (ttl >= 1 && ttl <= 255, NULL);

  return g_object_new (HS_TYPE_HOP, "ttl", ttl, NULL);
}

/**
 * hs_hop_get_ttl:
 * @self: a hop
 *
 * Returns: the time-to-live of this hop's probes
 */
guint
hs_hop_get_ttl (HsHop *self)
{
  g_return_val_if_fail (HS_IS_HOP (self), 0);

  return self->ttl;
}

/**
 * hs_hop_get_stats:
 * @self: a hop
 *
 * Returns: (transfer none): the hop's running statistics
 */
const HsHopStats *
hs_hop_get_stats (HsHop *self)
{
  g_return_val_if_fail (HS_IS_HOP (self), NULL);

  return &self->stats;
}

/**
 * hs_hop_get_history:
 * @self: a hop
 *
 * Returns: (transfer none): the hop's probes, oldest first
 */
HsHistory *
hs_hop_get_history (HsHop *self)
{
  g_return_val_if_fail (HS_IS_HOP (self), NULL);

  return self->history;
}

/**
 * hs_hop_get_n_responders:
 * @self: a hop
 *
 * Returns: how many different addresses answered at this hop
 */
guint
hs_hop_get_n_responders (HsHop *self)
{
  g_return_val_if_fail (HS_IS_HOP (self), 0);

  return self->responders->len;
}

/**
 * hs_hop_get_responder:
 * @self: a hop
 * @index: 0 for the responder seen first
 *
 * Returns: (transfer none): the responder, valid until the hop records a
 *   new one or is reset
 */
const HsResponder *
hs_hop_get_responder (HsHop *self,
                      guint index)
{
  g_return_val_if_fail (HS_IS_HOP (self), NULL);
  g_return_val_if_fail (index < self->responders->len, NULL);

  return &g_array_index (self->responders, HsResponder, index);
}

/**
 * hs_hop_get_main_responder:
 * @self: a hop
 *
 * Returns: (transfer none) (nullable): the responder with the most answers,
 *   the first seen of those tied, or %NULL while none answered
 */
const HsResponder *
hs_hop_get_main_responder (HsHop *self)
{
  const HsResponder *main_responder = NULL;

  g_return_val_if_fail (HS_IS_HOP (self), NULL);

  for (guint i = 0; i < self->responders->len; i++)
    {
      const HsResponder *responder =
        &g_array_index (self->responders, HsResponder, i);

      if (main_responder == NULL
          || responder->answers > main_responder->answers)
        main_responder = responder;
    }

  return main_responder;
}

/**
 * hs_hop_get_responder_share:
 * @self: a hop
 * @index: a responder's index
 *
 * Returns: the percent of the answers naming a responder that this one gave
 */
double
hs_hop_get_responder_share (HsHop *self,
                            guint index)
{
  guint64 total = 0;

  g_return_val_if_fail (HS_IS_HOP (self), 0.0);
  g_return_val_if_fail (index < self->responders->len, 0.0);

  for (guint i = 0; i < self->responders->len; i++)
    total += g_array_index (self->responders, HsResponder, i).answers;
  if (total == 0)
    return 0.0;

  return 100.0 * g_array_index (self->responders, HsResponder, index).answers
         / total;
}

/**
 * hs_hop_is_target:
 * @self: a hop
 *
 * Returns: %TRUE once the target itself answered at this hop
 */
gboolean
hs_hop_is_target (HsHop *self)
{
  g_return_val_if_fail (HS_IS_HOP (self), FALSE);

  return self->is_target;
}

/**
 * hs_hop_record_sent:
 * @self: a hop
 *
 * Counts a probe that has just left for this hop.
 */
void
hs_hop_record_sent (HsHop *self)
{
  g_return_if_fail (HS_IS_HOP (self));

  hs_hop_stats_add_sent (&self->stats);

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/**
 * hs_hop_record_answer:
 * @self: a hop
 * @sent_us: when the probe left, g_get_real_time() microseconds
 * @round_trip_us: the probe's round-trip time in microseconds
 * @responder: (nullable): the address that answered
 * @mpls: (nullable): the MPLS label stack of the answer
 * @is_target: whether the target itself answered
 *
 * Records an answered probe in the statistics, the history and the
 * responders.
 */
void
hs_hop_record_answer (HsHop *self,
                      gint64 sent_us,
                      gint64 round_trip_us,
                      GInetAddress *responder,
                      const char *mpls,
                      gboolean is_target)
{
  HsProbeRecord record = { 0 };
  gint index = -1;

  g_return_if_fail (HS_IS_HOP (self));
  g_return_if_fail (round_trip_us >= 0);
  g_return_if_fail (responder == NULL || G_IS_INET_ADDRESS (responder));

  hs_hop_stats_add_answer (&self->stats, round_trip_us);
  if (is_target)
    self->is_target = TRUE;

  if (responder != NULL)
    {
      index = find_responder (self, responder);
      if (index < 0 && self->responders->len < MAX_RESPONDERS)
        {
          HsResponder added = { .address = g_object_ref (responder) };

          g_array_append_val (self->responders, added);
          index = (gint) self->responders->len - 1;
        }
    }

  /* A hop that answers from more addresses than the history can name keeps
   * counting the answers, but names no responder for them. */
  if (index >= 0)
    {
      HsResponder *entry =
        &g_array_index (self->responders, HsResponder, index);

      entry->answers++;
      g_free (entry->mpls);
      entry->mpls = g_strdup (mpls);
    }

  record.sent_us = sent_us;
  record.round_trip_us = (gint32) MIN (round_trip_us, G_MAXINT32);
  record.responder = (guint16) (index + 1);
  record.flags = is_target ? HS_PROBE_RECORD_TARGET_REPLY : 0;
  hs_history_append (self->history, &record);

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

HsHop *
hs_hop_copy_range (HsHop *self,
                   gint64 from_us,
                   gint64 to_us)
{
  g_autoptr(HsHop) copy = NULL;
  g_autofree gint *mapping = NULL;
  guint length = 0;

  g_return_val_if_fail (HS_IS_HOP (self), NULL);
  g_return_val_if_fail (from_us <= to_us, NULL);

  copy = hs_hop_new (self->ttl);
  mapping = g_new (gint, self->responders->len + 1);
  for (guint i = 0; i <= self->responders->len; i++)
    mapping[i] = -1;

  length = hs_history_get_length (self->history);
  for (guint i = hs_history_find (self->history, from_us); i < length; i++)
    {
      HsProbeRecord record = *hs_history_get (self->history, i);

      if (record.sent_us >= to_us)
        break;

      hs_hop_stats_add_sent (&copy->stats);
      if (record.round_trip_us == HS_PROBE_LOST)
        {
          hs_hop_stats_add_lost (&copy->stats);
          hs_history_append (copy->history, &record);
          continue;
        }

      hs_hop_stats_add_answer (&copy->stats, record.round_trip_us);
      if (record.flags & HS_PROBE_RECORD_TARGET_REPLY)
        copy->is_target = TRUE;

      /* Responders are numbered again in the order the range first saw
       * them, as a live hop numbers them. */
      if (record.responder > 0 && record.responder <= self->responders->len)
        {
          const HsResponder *original =
            &g_array_index (self->responders, HsResponder,
                            record.responder - 1);

          if (mapping[record.responder] < 0)
            {
              HsResponder added = {
                .address = g_object_ref (original->address),
                .name = g_strdup (original->name),
                .mpls = g_strdup (original->mpls),
              };

              g_array_append_val (copy->responders, added);
              mapping[record.responder] = copy->responders->len - 1;
            }
          g_array_index (copy->responders, HsResponder,
                         mapping[record.responder]).answers++;
          record.responder = (guint16) (mapping[record.responder] + 1);
        }
      else
        record.responder = 0;

      hs_history_append (copy->history, &record);
    }

  return g_steal_pointer (&copy);
}

/**
 * hs_hop_record_lost:
 * @self: a hop
 * @sent_us: when the probe left, g_get_real_time() microseconds
 *
 * Records a probe whose timeout passed without a reply.
 */
void
hs_hop_record_lost (HsHop *self,
                    gint64 sent_us)
{
  HsProbeRecord record = { 0 };

  g_return_if_fail (HS_IS_HOP (self));

  hs_hop_stats_add_lost (&self->stats);

  record.sent_us = sent_us;
  record.round_trip_us = HS_PROBE_LOST;
  hs_history_append (self->history, &record);

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/**
 * hs_hop_set_responder_name:
 * @self: a hop
 * @address: a responder's address
 * @name: (nullable): its name, %NULL when it has none
 *
 * Names the responder at @address, once its reverse lookup is done.
 */
void
hs_hop_set_responder_name (HsHop *self,
                           GInetAddress *address,
                           const char *name)
{
  gint index = -1;

  g_return_if_fail (HS_IS_HOP (self));
  g_return_if_fail (G_IS_INET_ADDRESS (address));

  index = find_responder (self, address);
  if (index >= 0)
    {
      HsResponder *entry =
        &g_array_index (self->responders, HsResponder, index);

      g_free (entry->name);
      entry->name = g_strdup (name);
    }

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/**
 * hs_hop_hide_responder:
 * @self: a hop
 * @index: a responder's index
 * @label: what the responder reads as instead, "hidden"
 *
 * Replaces the responder's address by the unspecified address of its
 * family (0.0.0.0 or ::) and its name by @label, keeping its answers.
 */
void
hs_hop_hide_responder (HsHop *self,
                       guint index,
                       const char *label)
{
  HsResponder *entry = NULL;
  GSocketFamily family = G_SOCKET_FAMILY_IPV4;

  g_return_if_fail (HS_IS_HOP (self));
  g_return_if_fail (index < self->responders->len);
  g_return_if_fail (label != NULL);

  entry = &g_array_index (self->responders, HsResponder, index);
  family = g_inet_address_get_family (entry->address);
  g_object_unref (entry->address);
  entry->address = g_inet_address_new_any (family);
  g_free (entry->name);
  entry->name = g_strdup (label);

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/**
 * hs_hop_reset:
 * @self: a hop
 *
 * Forgets every probe, statistic and responder; the time-to-live stays.
 */
void
hs_hop_reset (HsHop *self)
{
  g_return_if_fail (HS_IS_HOP (self));

  hs_hop_stats_init (&self->stats);
  hs_history_clear (self->history);
  g_array_set_size (self->responders, 0);
  self->is_target = FALSE;

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}
