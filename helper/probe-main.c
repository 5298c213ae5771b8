/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* hopscope-probe: sends network probes on request, speaking mtr-packet's
 * protocol on standard input and output.
 *
 * The start-up is the security of the whole program: it opens every socket
 * it will keep while it may still hold a privilege, then gives up groups,
 * ids and capabilities for good, confines itself to the system calls of the
 * loop, and only then reads its first request.  The loop waits on standard
 * input, the receiving sockets and the earliest deadline, and writes the
 * replies of each turn before it waits again. */

#include "probe-command.h"
#include "probe-privilege.h"
#include "probe-state.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/random.h>

#define EVENTS_PER_WAIT 64
#define INPUT_CHUNK 65536
#define NS_PER_MS 1000000

static void
handle_line (struct probe_state *state,
             const char *line,
             size_t length,
             int64_t now);

/* The features check-support knows; anything else is "no". */
static void
answer_feature (struct probe_state *state,
                long token,
                const char *feature)
{
  const struct probe_sockets *sockets = &state->sockets;
  bool raw = sockets->kind == PROBE_SOCKET_RAW;
  char rate[32] = "";
  const char *value = "no";

  if (strcmp (feature, "version") == 0)
    value = HOPSCOPE_VERSION;
  else if (strcmp (feature, "send-probe") == 0)
    value = "ok";
  else if (strcmp (feature, "ip-4") == 0)
    value = sockets->has_ip4 ? "ok" : "no";
  else if (strcmp (feature, "ip-6") == 0)
    value = sockets->has_ip6 ? "ok" : "no";
  else if (strcmp (feature, "icmp") == 0)
    value = sockets->has_icmp4 || sockets->has_icmp6 ? "ok" : "no";
  else if (strcmp (feature, "udp") == 0)
    value = sockets->has_ip4 || sockets->has_ip6 ? "ok" : "no";
  else if (strcmp (feature, "tcp") == 0)
    value = raw ? "ok" : "no";
  else if (strcmp (feature, "socket-kind") == 0)
    value = raw ? "raw" : "datagram";
  else if (strcmp (feature, "probe-rate") == 0)
    {
      if (state->rate.limited)
        snprintf (rate, sizeof rate, "%d", state->rate.per_second);
      value = state->rate.limited ? rate : "unlimited";
    }

  probe_output_feature (state, token, value);
}

/* Splits what standard input gave into lines and answers each. */
static void
take_input (struct probe_state *state,
            const char *data,
            size_t length)
{
  int64_t now = probe_clock_ns (CLOCK_MONOTONIC);

  while (length > 0)
    {
      size_t taken = command_buffer_append (&state->commands, data, length);
      bool progressed = taken > 0;
      command_buffer_result result = COMMAND_BUFFER_NEED_MORE;
      const char *line = NULL;
      size_t line_length = 0;

      data += taken;
      length -= taken;

      while ((result = command_buffer_next (&state->commands, &line,
                                            &line_length))
             != COMMAND_BUFFER_NEED_MORE)
        {
          progressed = true;
          if (result == COMMAND_BUFFER_OVERFLOW)
            probe_output_word (state, 0, "command-buffer-overflow");
          else
            handle_line (state, line, line_length, now);
        }

      /* The buffer takes bytes whenever it holds no complete line, so this
       * would be a broken buffer; better to drop input than to spin. */
      if (!progressed)
        {
          fprintf (stderr, "hopscope-probe: the request buffer is stuck; "
                           "dropping %zu bytes of input\n", length);
          return;
        }
    }
}

static void
end_input (struct probe_state *state)
{
  /* A last request without its newline is a request all the same. */
  if (command_buffer_has_partial (&state->commands))
    take_input (state, "\n", 1);

  state->input_open = false;
  if (!state->input_always_ready)
    epoll_ctl (state->epoll_fd, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
}

static void
read_input (struct probe_state *state)
{
  static char chunk[INPUT_CHUNK];
  ssize_t length = read (STDIN_FILENO, chunk, sizeof chunk);

  if (length > 0)
    {
      take_input (state, chunk, (size_t) length);
      return;
    }

  if (length < 0 && (errno == EINTR || errno == EAGAIN))
    return;

  if (length < 0)
    fprintf (stderr, "hopscope-probe: cannot read requests: %s\n",
             strerror (errno));
  end_input (state);
}

/* Milliseconds epoll may sleep: until the earliest deadline, or until the
 * rate limit lets the next waiting probe go; -1 when nothing is pending. */
static int
wait_timeout (struct probe_state *state,
              int64_t now)
{
  const struct probe_entry *earliest = probe_table_earliest (&state->table);
  bool has_wait = false;
  int64_t wait = 0;

  if (state->input_open && state->input_always_ready)
    return 0;

  if (earliest != NULL)
    {
      wait = earliest->deadline_ns - now;
      has_wait = true;
    }

  if (state->queue.count > 0 && !probe_table_is_full (&state->table))
    {
      int64_t token_wait = probe_rate_wait (&state->rate, now);

      if (!has_wait || token_wait < wait)
        wait = token_wait;
      has_wait = true;
    }

  if (!has_wait)
    return -1;
  if (wait <= 0)
    return 0;

  /* Rounded up, so the loop never wakes just before the time. */
  wait = (wait + NS_PER_MS - 1) / NS_PER_MS;
  return wait > INT_MAX ? INT_MAX : (int) wait;
}

static int
run (struct probe_state *state)
{
  struct epoll_event events[EVENTS_PER_WAIT];

  for (;;)
    {
      int64_t now = probe_clock_ns (CLOCK_MONOTONIC);
      int count = 0;

      probe_expire (state, now);
      probe_send_waiting (state, now);
      probe_output_flush (state);

      if (!state->input_open && probe_table_is_empty (&state->table)
          && state->queue.count == 0)
        return 0;

      count = epoll_wait (state->epoll_fd, events, EVENTS_PER_WAIT,
                          wait_timeout (state, now));
      if (count < 0 && errno != EINTR)
        {
          fprintf (stderr, "hopscope-probe: cannot wait for events: %s\n",
                   strerror (errno));
          return 1;
        }

      for (int i = 0; i < count; i++)
        {
          probe_event_source source
            = (probe_event_source) (events[i].data.u64 & 0xffffffffu);

          if (source == PROBE_EVENT_INPUT)
            read_input (state);
          else
            probe_receive (state, source,
                           (uint16_t) (events[i].data.u64 >> 32),
                           events[i].events);
        }

      if (state->input_open && state->input_always_ready)
        read_input (state);
    }
}

static void
handle_line (struct probe_state *state,
             const char *line,
             size_t length,
             int64_t now)
{
  struct command command;

  switch (command_parse (line, length, &command))
    {
    case COMMAND_PARSE_OK:
      if (command.kind == COMMAND_KIND_SEND_PROBE)
        probe_submit (state, command.token, &command.probe, now);
      else
        answer_feature (state, command.token, command.feature);
      break;

    case COMMAND_PARSE_MALFORMED:
      probe_output_word (state, 0, "command-parse-error");
      break;

    case COMMAND_PARSE_UNKNOWN_COMMAND:
      probe_output_word (state, command.token, "unknown-command");
      break;

    case COMMAND_PARSE_INVALID_ARGUMENT:
    default:
      probe_output_word (state, command.token, "invalid-argument");
      break;
    }
}

static bool
watch (int epoll_fd,
       int fd,
       probe_event_source source)
{
  struct epoll_event event = { 0 };

  if (fd < 0)
    return true;

  event.events = EPOLLIN;
  event.data.u64 = probe_event_data (source, 0);
  return epoll_ctl (epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0;
}

/* Everything the loop needs that is not a privilege, made before the
 * filter is in place: the epoll set and a starting sequence number that
 * another helper running alongside is unlikely to share. */
static void
prepare_state (struct probe_state *state,
               bool limited)
{
  const struct probe_sockets *sockets = &state->sockets;
  uint16_t first_sequence = 0;

  if (getrandom (&first_sequence, sizeof first_sequence, GRND_NONBLOCK)
      != (ssize_t) sizeof first_sequence)
    first_sequence = (uint16_t) getpid ();

  probe_table_init (&state->table, first_sequence);
  probe_rate_init (&state->rate, limited, PROBE_RATE_PER_SECOND,
                   PROBE_RATE_BURST);
  probe_queue_init (&state->queue);
  command_buffer_init (&state->commands);
  state->input_open = true;

  if ((state->epoll_fd = epoll_create1 (EPOLL_CLOEXEC)) < 0
      || !watch (state->epoll_fd, sockets->icmp4_receive, PROBE_EVENT_ICMP4)
      || !watch (state->epoll_fd, sockets->icmp6, PROBE_EVENT_ICMP6)
      || !watch (state->epoll_fd, sockets->tcp4_receive, PROBE_EVENT_TCP4)
      || !watch (state->epoll_fd, sockets->tcp6_receive, PROBE_EVENT_TCP6))
    {
      fprintf (stderr, "hopscope-probe: cannot watch the sockets: %s\n",
               strerror (errno));
      exit (1);
    }

  /* epoll refuses regular files, which are always readable anyway, and a
   * closed standard input is an input that has already ended. */
  if (!watch (state->epoll_fd, STDIN_FILENO, PROBE_EVENT_INPUT))
    {
      if (errno == EPERM)
        state->input_always_ready = true;
      else
        state->input_open = false;
    }
}

static int
answer_arguments (int argc,
                  char **argv)
{
  if (argc == 2 && strcmp (argv[1], "--version") == 0)
    {
      printf ("hopscope-probe %s\n", HOPSCOPE_VERSION);
      return 0;
    }

  fprintf (stderr, "Usage: %s\n"
                   "Sends network probes as requested on standard input, "
                   "in mtr-packet's protocol\n(see mtr-packet(8)), and "
                   "writes one reply a probe to standard output.\n",
           argv[0]);
  return argc == 2 && strcmp (argv[1], "--help") == 0 ? 0 : 2;
}

int
main (int argc,
      char **argv)
{
  static struct probe_state state;
  struct probe_identity identity;

  if (argc > 1)
    return answer_arguments (argc, argv);

  signal (SIGPIPE, SIG_IGN);
  probe_privilege_identify (&identity);

  if (!probe_sockets_open (&state.sockets))
    return 1;
  prepare_state (&state, !identity.caller_is_root);

  probe_privilege_drop (&identity);
  probe_privilege_confine ();

  return run (&state);
}
