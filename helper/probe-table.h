/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* The probes in flight.
 *
 * Every probe carries a sequence number that comes back in whatever answers
 * it: the echo sequence of an ICMP probe, the source port of a UDP or TCP
 * probe, or the checksum of a UDP probe sent from a fixed local port.  The
 * table is an array indexed by the sequence number modulo its size, so an
 * answer finds its probe in one step, and a min-heap orders the probes by
 * the time they give up waiting.  Nothing here allocates memory. */

#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "probe-command.h"

/* mtr-packet's bound on probes in flight. */
#define PROBE_MAX_IN_FLIGHT 1024

/* Twice the bound, so that a free slot for a new sequence number is never
 * far from the next one in turn. */
#define PROBE_TABLE_SLOTS 2048

/* Sequence numbers run from here to 65535.  As source ports they stay out
 * of the well-known and registered ranges, and 32768 of them are a
 * multiple of the table size, so each slot sees sequence numbers in turn. */
#define PROBE_SEQUENCE_FIRST 32768

struct probe_entry
{
  bool in_use;
  uint16_t sequence;
  long token;
  int family;
  probe_protocol protocol;
  /* The target, with port zero. */
  union
  {
    struct sockaddr address;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
  } target;
  uint16_t target_port;     /* UDP and TCP: the destination port */
  uint16_t source_port;     /* UDP: the source port the probe left from */
  bool by_checksum;         /* UDP: the sequence is in the checksum */
  int64_t sent_ns;          /* CLOCK_REALTIME, just before it was sent */
  int64_t deadline_ns;      /* CLOCK_MONOTONIC, when it becomes no-reply */
  int fd;                   /* a socket of its own, or -1 */
  int heap_index;           /* -1 until it is sent */
};

struct probe_table
{
  struct probe_entry entries[PROBE_TABLE_SLOTS];
  int heap[PROBE_MAX_IN_FLIGHT];   /* slot numbers, earliest deadline first */
  int heap_count;
  int count;                       /* entries in use, sent or not */
  uint16_t next_sequence;
};

void probe_table_init (struct probe_table *table,
                       uint16_t first_sequence);

bool probe_table_is_full (const struct probe_table *table);

bool probe_table_is_empty (const struct probe_table *table);

/* Takes a slot and a fresh sequence number for a probe about to be sent.
 * Returns NULL when PROBE_MAX_IN_FLIGHT probes are in use.  The entry is
 * cleared but for its sequence number, with no socket. */
struct probe_entry *probe_table_reserve (struct probe_table *table);

/* Gives ENTRY another sequence number, when the one it had cannot be used
 * (a TCP source port that something else holds).  Returns the entry at its
 * new place, its contents kept; the old pointer is no longer valid. */
struct probe_entry *probe_table_renumber (struct probe_table *table,
                                          struct probe_entry *entry);

/* Puts a sent probe in deadline order; entry->deadline_ns is set. */
void probe_table_start (struct probe_table *table,
                        struct probe_entry *entry);

/* Frees the slot.  The caller has closed the entry's socket, if any. */
void probe_table_release (struct probe_table *table,
                          struct probe_entry *entry);

/* The probe in flight with SEQUENCE, or NULL. */
struct probe_entry *probe_table_find (struct probe_table *table,
                                      uint16_t sequence);

/* The sent probe with the earliest deadline, or NULL. */
struct probe_entry *probe_table_earliest (struct probe_table *table);
