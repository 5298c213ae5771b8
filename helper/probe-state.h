/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* The running helper: its sockets, the probes in flight and waiting, and
 * the replies not yet written.  The units that send probes, receive
 * answers and run the loop share it; there is one, made in main(). */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/socket.h>

#include "probe-command.h"
#include "probe-rate.h"
#include "probe-socket.h"
#include "probe-table.h"

#define PROBE_NS_PER_SECOND 1000000000LL

/* Room for the replies of one turn of the loop, most of the time; when it
 * fills, it is written out early. */
#define PROBE_OUTPUT_SIZE 65536

/* What epoll hands back with an event: the source in the low 32 bits and,
 * for a probe's own socket, the probe's sequence number in the high 32. */
typedef enum
{
  PROBE_EVENT_INPUT,
  PROBE_EVENT_ICMP4,
  PROBE_EVENT_ICMP6,
  PROBE_EVENT_TCP4,
  PROBE_EVENT_TCP6,
  PROBE_EVENT_PROBE_SOCKET,
} probe_event_source;

struct probe_state
{
  struct probe_sockets sockets;
  struct probe_table table;
  struct probe_rate rate;
  struct probe_queue queue;
  struct command_buffer commands;
  int epoll_fd;

  bool input_open;
  /* Standard input that epoll cannot watch (a regular file): it is read
   * on every turn until it ends. */
  bool input_always_ready;

  /* The last local address bind() accepted, so that a caller who names
   * one on every probe costs one check, not one a probe. */
  bool has_checked_local[2];
  struct sockaddr_storage checked_local[2];

  char output[PROBE_OUTPUT_SIZE];
  size_t output_used;
};

static inline int64_t
probe_clock_ns (clockid_t clock)
{
  struct timespec now = { 0, 0 };

  clock_gettime (clock, &now);
  return (int64_t) now.tv_sec * PROBE_NS_PER_SECOND + now.tv_nsec;
}

static inline uint64_t
probe_event_data (probe_event_source source,
                  uint16_t sequence)
{
  return (uint64_t) source | (uint64_t) sequence << 32;
}

/* probe-output.c: replies go to a buffer, written out once a turn. */
void probe_output_result (struct probe_state *state,
                          long token,
                          const struct probe_result *result);

void probe_output_word (struct probe_state *state,
                        long token,
                        const char *word);

void probe_output_feature (struct probe_state *state,
                           long token,
                           const char *value);

/* The reply for a send that failed with ERROR_NUMBER. */
void probe_output_error (struct probe_state *state,
                         long token,
                         int error_number);

/* Writes every reply out.  Exits quietly when the reader is gone. */
void probe_output_flush (struct probe_state *state);

/* probe-send.c: a send-probe request, sent now, queued, or refused. */
void probe_submit (struct probe_state *state,
                   long token,
                   const struct probe_request *request,
                   int64_t now);

/* Sends the queued probes the rate limit and the table allow at NOW. */
void probe_send_waiting (struct probe_state *state,
                         int64_t now);

/* probe-receive.c: reads what a socket has and answers the probes it
 * concerns. */
void probe_receive (struct probe_state *state,
                    probe_event_source source,
                    uint16_t sequence,
                    uint32_t events);

/* Answers "no-reply" for every probe whose deadline has passed at NOW. */
void probe_expire (struct probe_state *state,
                   int64_t now);

/* Writes the reply for ENTRY and frees it, with its socket. */
void probe_finish (struct probe_state *state,
                   struct probe_entry *entry,
                   const struct probe_result *result);
