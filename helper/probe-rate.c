/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include "probe-rate.h"

#include <string.h>

#define NS_PER_SECOND 1000000000LL

void
probe_rate_init (struct probe_rate *rate,
                 bool limited,
                 int per_second,
                 int burst)
{
  memset (rate, 0, sizeof *rate);

  rate->limited = limited;
  if (!limited)
    return;

  rate->per_second = per_second > 0 ? per_second : 1;
  rate->interval_ns = NS_PER_SECOND / rate->per_second;
  rate->tolerance_ns = (int64_t) (burst > 1 ? burst - 1 : 0)
                       * rate->interval_ns;
}

bool
probe_rate_allows (const struct probe_rate *rate,
                   int64_t now)
{
  return !rate->limited || now >= rate->ready_ns - rate->tolerance_ns;
}

void
probe_rate_take (struct probe_rate *rate,
                 int64_t now)
{
  if (!rate->limited)
    return;

  /* An idle bucket is full, not fuller: time spent idle beyond the burst
   * earns nothing. */
  if (rate->ready_ns < now)
    rate->ready_ns = now;
  rate->ready_ns += rate->interval_ns;
}

int64_t
probe_rate_wait (const struct probe_rate *rate,
                 int64_t now)
{
  int64_t wait = 0;

  if (!rate->limited)
    return 0;

  wait = rate->ready_ns - rate->tolerance_ns - now;
  return wait > 0 ? wait : 0;
}

void
probe_queue_init (struct probe_queue *queue)
{
  queue->head = 0;
  queue->count = 0;
}

bool
probe_queue_push (struct probe_queue *queue,
                  long token,
                  const struct probe_request *request)
{
  struct probe_waiting *item = NULL;

  if (queue->count >= PROBE_QUEUE_CAPACITY)
    return false;

  item = &queue->items[(queue->head + queue->count) % PROBE_QUEUE_CAPACITY];
  item->token = token;
  item->request = *request;
  queue->count++;
  return true;
}

const struct probe_waiting *
probe_queue_peek (const struct probe_queue *queue)
{
  if (queue->count == 0)
    return NULL;

  return &queue->items[queue->head];
}

void
probe_queue_pop (struct probe_queue *queue)
{
  if (queue->count == 0)
    return;

  queue->head = (queue->head + 1) % PROBE_QUEUE_CAPACITY;
  queue->count--;
}
