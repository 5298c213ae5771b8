/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* libFuzzer target for the request side of the probe protocol: whatever
 * arrives on standard input goes through the line buffer and the parser,
 * and every request they accept must respect the limits they promise. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probe-command.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* An invariant the parser promises; breaking it is a crash to report. */
#define CHECK(condition)                                                   \
  do                                                                       \
    {                                                                      \
      if (!(condition))                                                    \
        abort ();                                                          \
    }                                                                      \
  while (0)

/* Whether LINE holds a byte that must make it a parse error: any control
 * byte but a tab and a final carriage return, and anything past ASCII. */
static int
has_forbidden_byte (const char *line,
                    size_t length)
{
  if (length > 0 && line[length - 1] == '\r')
    length--;

  for (size_t i = 0; i < length; i++)
    {
      unsigned char c = (unsigned char) line[i];

      if ((c < 0x20 && c != '\t') || c > 0x7e)
        return 1;
    }

  return 0;
}

static void
check_probe (const struct probe_request *probe)
{
  CHECK (probe->family == AF_INET || probe->family == AF_INET6);
  CHECK (probe->target.ss_family == probe->family);
  CHECK (!probe->has_local_address
         || probe->local_address.ss_family == probe->family);
  CHECK (probe->protocol >= PROBE_PROTOCOL_ICMP
         && probe->protocol <= PROBE_PROTOCOL_SCTP);
  CHECK (probe->port >= 0 && probe->port <= 65535);
  CHECK (probe->local_port == 0
         || (probe->local_port >= 1024 && probe->local_port <= 65535));
  CHECK (probe->timeout_seconds >= 1
         && probe->timeout_seconds <= PROBE_MAX_TIMEOUT_SECONDS);
  CHECK (probe->ttl >= 1 && probe->ttl <= 255);
  CHECK (probe->size >= 0 && probe->size <= PROBE_MAX_SIZE);
  CHECK (probe->bit_pattern >= 0 && probe->bit_pattern <= 255);
  CHECK (probe->tos >= 0 && probe->tos <= 255);
  CHECK (memchr (probe->local_device, '\0', IF_NAMESIZE) != NULL);
}

/* The reply to an accepted probe always fits and is one clean line. */
static void
check_reply (const struct command *command,
             const uint8_t *data,
             size_t size)
{
  struct probe_result result;
  char reply[COMMAND_REPLY_MAX];
  int length = 0;

  memset (&result, 0, sizeof result);
  result.word = size % 2 ? "ttl-expired" : "packet-too-big";
  result.has_responder = true;
  result.responder = command->probe.target;
  result.has_round_trip = true;
  result.round_trip_us = (long) size * 1000;
  result.mtu = (int) size;
  result.mpls_count = (int) (size % (PROBE_MAX_MPLS_LABELS + 1));
  for (int i = 0; i < result.mpls_count; i++)
    {
      result.mpls[i].label = (uint32_t) (data[i % size] << 12) & 0xfffff;
      result.mpls[i].traffic_class = 7;
      result.mpls[i].bottom_of_stack = i == result.mpls_count - 1;
      result.mpls[i].ttl = data[(i + 1) % size];
    }

  length = command_format_result (reply, sizeof reply, command->token,
                                  &result);
  CHECK (length > 0 && (size_t) length < sizeof reply);
  CHECK ((size_t) length == strlen (reply));
  CHECK (reply[length - 1] == '\n');
  CHECK (memchr (reply, '\n', (size_t) length - 1) == NULL);
}

static command_parse_result
parse_and_check (const char *line,
                 size_t length,
                 const uint8_t *data,
                 size_t size)
{
  struct command command;
  command_parse_result result = command_parse (line, length, &command);

  CHECK (result >= COMMAND_PARSE_OK
         && result <= COMMAND_PARSE_INVALID_ARGUMENT);
  if (has_forbidden_byte (line, length))
    CHECK (result == COMMAND_PARSE_MALFORMED);
  if (result == COMMAND_PARSE_MALFORMED)
    return result;

  CHECK (command.token >= 0 && command.token <= COMMAND_TOKEN_MAX);
  if (result != COMMAND_PARSE_OK)
    return result;

  if (command.kind == COMMAND_KIND_SEND_PROBE)
    {
      check_probe (&command.probe);
      check_reply (&command, data, size);
    }
  else
    {
      size_t feature_length = strnlen (command.feature,
                                       sizeof command.feature);

      CHECK (command.kind == COMMAND_KIND_CHECK_SUPPORT);
      CHECK (feature_length > 0 && feature_length <= COMMAND_FEATURE_MAX);
    }

  return result;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t size)
{
  struct command_buffer buffer;
  size_t offset = 0;
  size_t chunk = size > 0 ? (size_t) data[0] % 97 + 1 : 1;
  int lines = 0;

  /* The whole input as one line, as if it came without a newline. */
  parse_and_check ((const char *) data, size, data, size);

  /* The input as a stream, in pieces of a size the input chooses. */
  command_buffer_init (&buffer);
  while (offset < size)
    {
      size_t piece = size - offset < chunk ? size - offset : chunk;
      size_t taken = command_buffer_append (&buffer,
                                            (const char *) data + offset,
                                            piece);
      const char *line = NULL;
      size_t length = 0;
      command_buffer_result result = COMMAND_BUFFER_NEED_MORE;
      int out = 0;

      CHECK (taken <= piece);
      offset += taken;

      while ((result = command_buffer_next (&buffer, &line, &length))
             != COMMAND_BUFFER_NEED_MORE)
        {
          out++;
          if (result == COMMAND_BUFFER_LINE)
            {
              CHECK (length < COMMAND_LINE_MAX);
              CHECK (memchr (line, '\n', length) == NULL);
              parse_and_check (line, length, data, size);
              lines++;
            }
        }

      /* Neither taking bytes nor giving lines would loop for ever. */
      CHECK (taken > 0 || out > 0);
    }

  CHECK (lines <= (int) size);
  return 0;
}
