/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* The rate limit for callers that are not root, and the queue of probes
 * that wait for it.
 *
 * The helper holds a network privilege its caller may not have, so a caller
 * must not be able to turn it into a packet cannon.  A token bucket lets a
 * burst through at once (a whole trace) and then a steady rate; probes over
 * it wait in a first-in first-out queue and leave as tokens come. */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe-command.h"

/* Enough for a trace of 30 hops every 100 ms, with room to spare. */
#define PROBE_RATE_PER_SECOND 1000
#define PROBE_RATE_BURST 300

#define PROBE_QUEUE_CAPACITY 1024

/* The bucket, kept as the time at which it would be full again ("generic
 * cell rate algorithm"): no timer and no counter to refill. */
struct probe_rate
{
  bool limited;
  int per_second;
  int64_t interval_ns;    /* one token's worth of time */
  int64_t tolerance_ns;   /* how far ahead of time a burst may run */
  int64_t ready_ns;       /* CLOCK_MONOTONIC */
};

void probe_rate_init (struct probe_rate *rate,
                      bool limited,
                      int per_second,
                      int burst);

/* Whether a probe may be sent at NOW. */
bool probe_rate_allows (const struct probe_rate *rate,
                        int64_t now);

/* Takes a token for a probe sent at NOW. */
void probe_rate_take (struct probe_rate *rate,
                      int64_t now);

/* Nanoseconds from NOW until a probe may be sent; 0 if one may now. */
int64_t probe_rate_wait (const struct probe_rate *rate,
                         int64_t now);

struct probe_waiting
{
  long token;
  struct probe_request request;
};

struct probe_queue
{
  struct probe_waiting items[PROBE_QUEUE_CAPACITY];
  size_t head;
  size_t count;
};

void probe_queue_init (struct probe_queue *queue);

/* Returns false when the queue is full. */
bool probe_queue_push (struct probe_queue *queue,
                       long token,
                       const struct probe_request *request);

/* The oldest waiting probe, or NULL; it stays in the queue. */
const struct probe_waiting *probe_queue_peek (const struct probe_queue *queue);

void probe_queue_pop (struct probe_queue *queue);
