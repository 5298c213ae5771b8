/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include "hs-history.h"

/* The ring's slots are numbered 0 ... capacity - 1 and live in blocks of
 * HS_HISTORY_BLOCK_RECORDS, the last one cut to what the capacity needs.  A
 * block is allocated the first time one of its slots is written; while the
 * ring fills up the oldest record sits in slot 0, and once it is full START
 * moves on with every record that takes the oldest one's slot. */
struct _HsHistory
{
  guint capacity;
  guint n_blocks;
  HsProbeRecord **blocks;
  guint start;            /* the slot of the oldest record */
  guint length;
};

static guint
block_length (HsHistory *self,
              guint block)
{
  g_assert (block < self->n_blocks);

  if (block + 1 < self->n_blocks)
    return HS_HISTORY_BLOCK_RECORDS;

  return self->capacity - block * HS_HISTORY_BLOCK_RECORDS;
}

/* The slot of the record at INDEX in age order, 0 the oldest. */
static guint
slot_of (HsHistory *self,
         guint index)
{
  g_assert (index < self->capacity);

  return (guint) (((guint64) self->start + index) % self->capacity);
}

static HsProbeRecord *
record_at (HsHistory *self,
           guint index)
{
  guint slot = 0;

  g_assert (index < self->capacity);

  slot = slot_of (self, index);
  g_assert (self->blocks[slot / HS_HISTORY_BLOCK_RECORDS] != NULL);

  return &self->blocks[slot / HS_HISTORY_BLOCK_RECORDS]
                      [slot % HS_HISTORY_BLOCK_RECORDS];
}

/* Makes sure the block that holds the slot of INDEX exists. */
static void
ensure_block (HsHistory *self,
              guint index)
{
  guint block = 0;

  g_assert (index < self->capacity);

  block = slot_of (self, index) / HS_HISTORY_BLOCK_RECORDS;
  if (self->blocks[block] == NULL)
    self->blocks[block] = g_new (HsProbeRecord, block_length (self, block));
}

/**
 * hs_history_new:
 * @capacity: the records kept at most, at least 1
 *
 * Creates an empty history; its storage comes as records do.
 *
 * Returns: (transfer full): the history
 */
HsHistory *
hs_history_new (guint capacity)
{
  HsHistory *self = NULL;

  g_return_val_if_fail (capacity > 0, NULL);

  self = g_new0 (HsHistory, 1);
  self->capacity = capacity;
  self->n_blocks = (guint) (((guint64) capacity + HS_HISTORY_BLOCK_RECORDS - 1)
                            / HS_HISTORY_BLOCK_RECORDS);
  self->blocks = g_new0 (HsProbeRecord *, self->n_blocks);

  return self;
}

/**
 * hs_history_free:
 * @self: (nullable): a history
 *
 * Frees the history and every record in it.
 */
void
hs_history_free (HsHistory *self)
{
  if (self == NULL)
    return;

  hs_history_clear (self);
  g_free (self->blocks);
  g_free (self);
}

/**
 * hs_history_clear:
 * @self: a history
 *
 * Forgets every record and gives their storage back.
 */
void
hs_history_clear (HsHistory *self)
{
  g_return_if_fail (self != NULL);

  for (guint i = 0; i < self->n_blocks; i++)
    g_clear_pointer (&self->blocks[i], g_free);

  self->start = 0;
  self->length = 0;
}

/**
 * hs_history_append:
 * @self: a history
 * @record: the record to copy in
 *
 * Adds a record in its place by send time.  When the history is full the
 * oldest record goes; a record sent before every one kept goes itself.
 */
void
hs_history_append (HsHistory *self,
                   const HsProbeRecord *record)
{
  guint index = 0;

  g_return_if_fail (self != NULL);
  g_return_if_fail (record != NULL);

  /* A full ring keeps the newest records, and this one would be the
   * oldest of them. */
  if (self->length == self->capacity
      && record->sent_us < record_at (self, 0)->sent_us)
    return;

  if (self->length == self->capacity)
    {
      self->start = (self->start + 1) % self->capacity;
      self->length--;
    }

  /* Records mostly come in send order, so the place is almost always the
   * end; a record whose fate took longer moves the few after it on. */
  index = self->length;
  ensure_block (self, index);
  while (index > 0 && record_at (self, index - 1)->sent_us > record->sent_us)
    {
      *record_at (self, index) = *record_at (self, index - 1);
      index--;
    }
  *record_at (self, index) = *record;
  self->length++;
}

/**
 * hs_history_get_length:
 * @self: a history
 *
 * Returns: the records kept
 */
guint
hs_history_get_length (HsHistory *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->length;
}

/**
 * hs_history_get_capacity:
 * @self: a history
 *
 * Returns: the records kept at most
 */
guint
hs_history_get_capacity (HsHistory *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->capacity;
}

/**
 * hs_history_get:
 * @self: a history
 * @index: 0 for the oldest record kept, up to length - 1 for the newest
 *
 * Returns: (transfer none): the record, valid until the next append or
 *   clear
 */
const HsProbeRecord *
hs_history_get (HsHistory *self,
                guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->length, NULL);

  return record_at (self, index);
}

/**
 * hs_history_find:
 * @self: a history
 * @since_us: a send time, in microseconds of g_get_real_time()
 *
 * Finds where the records sent at or after @since_us start, by binary
 * search.
 *
 * Returns: the index of the first such record, or the length when none is
 */
guint
hs_history_find (HsHistory *self,
                 gint64 since_us)
{
  guint low = 0;
  guint high = 0;

  g_return_val_if_fail (self != NULL, 0);

  high = self->length;
  while (low < high)
    {
      guint middle = low + (high - low) / 2;

      if (record_at (self, middle)->sent_us < since_us)
        low = middle + 1;
      else
        high = middle;
    }

  return low;
}

/**
 * hs_history_get_size:
 * @self: a history
 *
 * Returns: the bytes of memory the history holds now, its records' blocks
 *   and its own bookkeeping
 */
gsize
hs_history_get_size (HsHistory *self)
{
  gsize size = 0;

  g_return_val_if_fail (self != NULL, 0);

  size = sizeof (HsHistory) + self->n_blocks * sizeof (HsProbeRecord *);
  for (guint i = 0; i < self->n_blocks; i++)
    {
      if (self->blocks[i] != NULL)
        size += block_length (self, i) * sizeof (HsProbeRecord);
    }

  return size;
}
