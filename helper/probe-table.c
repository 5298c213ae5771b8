/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include "probe-table.h"

#include <assert.h>
#include <string.h>

#define SLOT_MASK (PROBE_TABLE_SLOTS - 1)

_Static_assert ((PROBE_TABLE_SLOTS & SLOT_MASK) == 0,
                "the table size is a power of two");
_Static_assert ((65536 - PROBE_SEQUENCE_FIRST) % PROBE_TABLE_SLOTS == 0,
                "every slot sees as many sequence numbers as the others");
_Static_assert (PROBE_MAX_IN_FLIGHT < PROBE_TABLE_SLOTS,
                "a full table still has free slots to renumber into");

static uint16_t
following_sequence (uint16_t sequence)
{
  return sequence == 65535 ? PROBE_SEQUENCE_FIRST : (uint16_t) (sequence + 1);
}

void
probe_table_init (struct probe_table *table,
                  uint16_t first_sequence)
{
  memset (table, 0, sizeof *table);

  for (int slot = 0; slot < PROBE_TABLE_SLOTS; slot++)
    {
      table->entries[slot].fd = -1;
      table->entries[slot].heap_index = -1;
    }

  if (first_sequence < PROBE_SEQUENCE_FIRST)
    first_sequence |= PROBE_SEQUENCE_FIRST;
  table->next_sequence = first_sequence;
}

bool
probe_table_is_full (const struct probe_table *table)
{
  return table->count >= PROBE_MAX_IN_FLIGHT;
}

bool
probe_table_is_empty (const struct probe_table *table)
{
  return table->count == 0;
}

struct probe_entry *
probe_table_reserve (struct probe_table *table)
{
  uint16_t sequence = table->next_sequence;
  struct probe_entry *entry = NULL;

  if (probe_table_is_full (table))
    return NULL;

  /* At most half the slots are taken, so this ends after a step or two
   * on average, and always within PROBE_TABLE_SLOTS steps. */
  while (table->entries[sequence & SLOT_MASK].in_use)
    sequence = following_sequence (sequence);
  table->next_sequence = following_sequence (sequence);

  entry = &table->entries[sequence & SLOT_MASK];
  memset (entry, 0, sizeof *entry);
  entry->in_use = true;
  entry->sequence = sequence;
  entry->fd = -1;
  entry->heap_index = -1;
  table->count++;

  return entry;
}

struct probe_entry *
probe_table_renumber (struct probe_table *table,
                      struct probe_entry *entry)
{
  struct probe_entry saved = *entry;
  struct probe_entry *moved = NULL;

  assert (entry->in_use && entry->heap_index < 0);

  probe_table_release (table, entry);
  moved = probe_table_reserve (table);
  assert (moved != NULL);

  saved.sequence = moved->sequence;
  *moved = saved;
  return moved;
}

/* The heap keeps, for each entry, where it sits, so that a probe answered
 * early leaves the heap in O(log n). */
static bool
heap_before (const struct probe_table *table,
             int a,
             int b)
{
  return table->entries[table->heap[a]].deadline_ns
         < table->entries[table->heap[b]].deadline_ns;
}

static void
heap_swap (struct probe_table *table,
           int a,
           int b)
{
  int slot = table->heap[a];

  table->heap[a] = table->heap[b];
  table->heap[b] = slot;
  table->entries[table->heap[a]].heap_index = a;
  table->entries[table->heap[b]].heap_index = b;
}

static void
heap_up (struct probe_table *table,
         int index)
{
  while (index > 0 && heap_before (table, index, (index - 1) / 2))
    {
      heap_swap (table, index, (index - 1) / 2);
      index = (index - 1) / 2;
    }
}

static void
heap_down (struct probe_table *table,
           int index)
{
  for (;;)
    {
      int smallest = index;
      int left = 2 * index + 1;
      int right = left + 1;

      if (left < table->heap_count && heap_before (table, left, smallest))
        smallest = left;
      if (right < table->heap_count && heap_before (table, right, smallest))
        smallest = right;
      if (smallest == index)
        return;

      heap_swap (table, index, smallest);
      index = smallest;
    }
}

void
probe_table_start (struct probe_table *table,
                   struct probe_entry *entry)
{
  int index = table->heap_count;

  assert (entry->in_use && entry->heap_index < 0);
  assert (table->heap_count < PROBE_MAX_IN_FLIGHT);

  table->heap[index] = (int) (entry - table->entries);
  entry->heap_index = index;
  table->heap_count++;
  heap_up (table, index);
}

void
probe_table_release (struct probe_table *table,
                     struct probe_entry *entry)
{
  int index = entry->heap_index;

  assert (entry->in_use);

  if (index >= 0)
    {
      int last = table->heap_count - 1;

      if (index != last)
        {
          heap_swap (table, index, last);
          table->heap_count--;
          heap_down (table, index);
          heap_up (table, index);
        }
      else
        {
          table->heap_count--;
        }
    }

  entry->in_use = false;
  entry->heap_index = -1;
  entry->fd = -1;
  table->count--;
}

struct probe_entry *
probe_table_find (struct probe_table *table,
                  uint16_t sequence)
{
  struct probe_entry *entry = &table->entries[sequence & SLOT_MASK];

  if (!entry->in_use || entry->sequence != sequence)
    return NULL;

  return entry;
}

struct probe_entry *
probe_table_earliest (struct probe_table *table)
{
  if (table->heap_count == 0)
    return NULL;

  return &table->entries[table->heap[0]];
}
