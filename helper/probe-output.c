/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include "probe-state.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Makes room for one more reply line. */
static void
reserve_line (struct probe_state *state)
{
  if (sizeof state->output - state->output_used < COMMAND_REPLY_MAX)
    probe_output_flush (state);
}

static void
commit_line (struct probe_state *state,
             long token,
             int length)
{
  if (length < 0)
    {
      fprintf (stderr, "hopscope-probe: cannot write the reply to request "
                       "%ld\n", token);
      return;
    }

  state->output_used += (size_t) length;
}

void
probe_output_result (struct probe_state *state,
                     long token,
                     const struct probe_result *result)
{
  reserve_line (state);
  commit_line (state, token,
               command_format_result (state->output + state->output_used,
                                      sizeof state->output
                                        - state->output_used,
                                      token, result));
}

void
probe_output_word (struct probe_state *state,
                   long token,
                   const char *word)
{
  reserve_line (state);
  commit_line (state, token,
               command_format_word (state->output + state->output_used,
                                    sizeof state->output - state->output_used,
                                    token, word));
}

void
probe_output_feature (struct probe_state *state,
                      long token,
                      const char *value)
{
  reserve_line (state);
  commit_line (state, token,
               command_format_feature (state->output + state->output_used,
                                       sizeof state->output
                                         - state->output_used,
                                       token, value));
}

/* The words for the errors a send can meet.  Most are mtr-packet's own;
 * where it says only "no-route", the helper tells a missing route to the
 * network from an unreachable host, and an mtr front-end, which ignores
 * words it does not know, counts either as a lost probe.  Any other errno
 * is reported by number. */
static const char *
error_word (int error_number)
{
  switch (error_number)
    {
    case ENETDOWN:
      return "network-down";
    case ENETUNREACH:
      return "no-route-network";
    case EHOSTUNREACH:
      return "no-route-host";
    case EHOSTDOWN:
      return "host-down";
    case EPERM:
    case EACCES:
      return "permission-denied";
    case EINVAL:
      return "invalid-argument";
    case EADDRINUSE:
      return "address-in-use";
    case EADDRNOTAVAIL:
      return "address-not-available";
    default:
      return NULL;
    }
}

void
probe_output_error (struct probe_state *state,
                    long token,
                    int error_number)
{
  struct probe_result result = { 0 };

  result.word = error_word (error_number);
  if (result.word == NULL)
    {
      result.word = "unexpected-error";
      result.error_number = error_number;
    }

  probe_output_result (state, token, &result);
}

void
probe_output_flush (struct probe_state *state)
{
  size_t written = 0;

  while (written < state->output_used)
    {
      ssize_t count = write (STDOUT_FILENO, state->output + written,
                             state->output_used - written);

      if (count >= 0)
        {
          written += (size_t) count;
          continue;
        }

      if (errno == EINTR)
        continue;

      /* Standard output may have been handed over non-blocking. */
      if (errno == EAGAIN)
        {
          struct pollfd writable = { STDOUT_FILENO, POLLOUT, 0 };

          poll (&writable, 1, -1);
          continue;
        }

      /* Nobody reads the replies any more: there is nothing left to do. */
      if (errno == EPIPE)
        exit (0);

      fprintf (stderr, "hopscope-probe: cannot write replies: %s\n",
               strerror (errno));
      exit (1);
    }

  state->output_used = 0;
}
