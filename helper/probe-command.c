/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include "probe-command.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One space-separated word of a request line.  It points into the line,
 * which need not be NUL-terminated. */
struct field
{
  const char *text;
  size_t length;
};

/* The arguments send-probe knows, in the order of send_probe_names[]. */
enum
{
  ARGUMENT_IP_4,
  ARGUMENT_IP_6,
  ARGUMENT_LOCAL_IP_4,
  ARGUMENT_LOCAL_IP_6,
  ARGUMENT_PROTOCOL,
  ARGUMENT_PORT,
  ARGUMENT_LOCAL_PORT,
  ARGUMENT_TIMEOUT,
  ARGUMENT_TTL,
  ARGUMENT_SIZE,
  ARGUMENT_BIT_PATTERN,
  ARGUMENT_TOS,
  ARGUMENT_MARK,
  ARGUMENT_LOCAL_DEVICE,
  N_ARGUMENTS
};

static const char *const send_probe_names[N_ARGUMENTS] = {
  [ARGUMENT_IP_4] = "ip-4",
  [ARGUMENT_IP_6] = "ip-6",
  [ARGUMENT_LOCAL_IP_4] = "local-ip-4",
  [ARGUMENT_LOCAL_IP_6] = "local-ip-6",
  [ARGUMENT_PROTOCOL] = "protocol",
  [ARGUMENT_PORT] = "port",
  [ARGUMENT_LOCAL_PORT] = "local-port",
  [ARGUMENT_TIMEOUT] = "timeout",
  [ARGUMENT_TTL] = "ttl",
  [ARGUMENT_SIZE] = "size",
  [ARGUMENT_BIT_PATTERN] = "bit-pattern",
  [ARGUMENT_TOS] = "tos",
  [ARGUMENT_MARK] = "mark",
  [ARGUMENT_LOCAL_DEVICE] = "local-device",
};

static bool
is_blank (char c)
{
  return c == ' ' || c == '\t';
}

/* Takes the next field out of [*position, end); false when none is left. */
static bool
next_field (const char **position,
            const char *end,
            struct field *field)
{
  const char *p = *position;
  const char *start = NULL;

  while (p < end && is_blank (*p))
    p++;
  if (p == end)
    return false;

  start = p;
  while (p < end && !is_blank (*p))
    p++;

  field->text = start;
  field->length = (size_t) (p - start);
  *position = p;
  return true;
}

static bool
field_equals (const struct field *field,
              const char *word)
{
  size_t length = strlen (word);

  return field->length == length && memcmp (field->text, word, length) == 0;
}

/* Reads a number written in decimal digits alone, with no sign, no blank
 * and no overflow, and checks that it lies within MINIMUM..MAXIMUM.  Leading
 * zeros are accepted: they change nothing and some callers pad tokens. */
static bool
parse_number (const struct field *field,
              uint64_t minimum,
              uint64_t maximum,
              uint64_t *number)
{
  uint64_t value = 0;

  if (field->length == 0)
    return false;

  for (size_t i = 0; i < field->length; i++)
    {
      char c = field->text[i];
      uint64_t digit = 0;

      if (c < '0' || c > '9')
        return false;
      digit = (uint64_t) (c - '0');

      /* Checked before the multiplication, so the value never exceeds
       * MAXIMUM and cannot wrap however many digits follow. */
      if (value > (maximum - digit) / 10)
        return false;
      value = value * 10 + digit;
    }

  if (value < minimum)
    return false;

  *number = value;
  return true;
}

static bool
parse_int (const struct field *field,
           int minimum,
           int maximum,
           int *number)
{
  uint64_t value = 0;

  if (!parse_number (field, (uint64_t) minimum, (uint64_t) maximum, &value))
    return false;

  *number = (int) value;
  return true;
}

/* Reads an address of FAMILY with inet_pton(), which takes the whole field
 * or nothing: no trailing text, no scope, no shorthand IPv4 forms. */
static bool
parse_address (int family,
               const struct field *field,
               struct sockaddr_storage *address)
{
  char text[INET6_ADDRSTRLEN] = "";

  if (field->length == 0 || field->length >= sizeof text)
    return false;
  memcpy (text, field->text, field->length);
  text[field->length] = '\0';

  memset (address, 0, sizeof *address);
  if (family == AF_INET)
    {
      struct sockaddr_in *v4 = (struct sockaddr_in *) address;

      v4->sin_family = AF_INET;
      return inet_pton (AF_INET, text, &v4->sin_addr) == 1;
    }
  else
    {
      struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) address;

      v6->sin6_family = AF_INET6;
      return inet_pton (AF_INET6, text, &v6->sin6_addr) == 1;
    }
}

static bool
is_unspecified (const struct sockaddr_storage *address)
{
  if (address->ss_family == AF_INET)
    {
      const struct sockaddr_in *v4 = (const struct sockaddr_in *) address;

      return v4->sin_addr.s_addr == htonl (INADDR_ANY);
    }
  else
    {
      const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *) address;

      return IN6_IS_ADDR_UNSPECIFIED (&v6->sin6_addr);
    }
}

/* Whether ADDRESS can name one host: a probe to a broadcast or multicast
 * group would draw answers from many, and an IPv4-mapped IPv6 address
 * would send IPv4 through the IPv6 socket behind the caller's back. */
static bool
is_single_host (const struct sockaddr_storage *address)
{
  if (is_unspecified (address))
    return false;

  if (address->ss_family == AF_INET)
    {
      const struct sockaddr_in *v4 = (const struct sockaddr_in *) address;
      uint32_t host = ntohl (v4->sin_addr.s_addr);

      return host != INADDR_BROADCAST && (host & 0xf0000000u) != 0xe0000000u;
    }
  else
    {
      const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *) address;

      return !IN6_IS_ADDR_MULTICAST (&v6->sin6_addr)
             && !IN6_IS_ADDR_V4MAPPED (&v6->sin6_addr);
    }
}

static bool
parse_protocol (const struct field *field,
                probe_protocol *protocol)
{
  if (field_equals (field, "icmp"))
    *protocol = PROBE_PROTOCOL_ICMP;
  else if (field_equals (field, "udp"))
    *protocol = PROBE_PROTOCOL_UDP;
  else if (field_equals (field, "tcp"))
    *protocol = PROBE_PROTOCOL_TCP;
  else if (field_equals (field, "sctp"))
    *protocol = PROBE_PROTOCOL_SCTP;
  else
    return false;

  return true;
}

/* Interface names as the kernel allows them in practice: letters, digits
 * and the punctuation that VLAN, alias and veth names use. */
static bool
parse_device (const struct field *field,
              char device[IF_NAMESIZE])
{
  if (field->length == 0 || field->length >= IF_NAMESIZE)
    return false;

  for (size_t i = 0; i < field->length; i++)
    {
      char c = field->text[i];

      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || strchr ("._-:@", c) != NULL))
        return false;
    }

  memcpy (device, field->text, field->length);
  device[field->length] = '\0';
  return true;
}

/* Reads the target, and the local address that must be of its family. */
static bool
parse_addresses (const struct field *values,
                 const bool *given,
                 struct probe_request *probe)
{
  int local_argument = 0;

  if (given[ARGUMENT_IP_4] == given[ARGUMENT_IP_6])
    return false;

  if (given[ARGUMENT_IP_4])
    {
      probe->family = AF_INET;
      if (!parse_address (AF_INET, &values[ARGUMENT_IP_4], &probe->target))
        return false;
      if (given[ARGUMENT_LOCAL_IP_6])
        return false;
      local_argument = ARGUMENT_LOCAL_IP_4;
    }
  else
    {
      probe->family = AF_INET6;
      if (!parse_address (AF_INET6, &values[ARGUMENT_IP_6], &probe->target))
        return false;
      if (given[ARGUMENT_LOCAL_IP_4])
        return false;
      local_argument = ARGUMENT_LOCAL_IP_6;
    }

  if (!is_single_host (&probe->target))
    return false;

  /* The mtr front-end always sends a local address, the unspecified one
   * when the user chose none, so that one means "let the kernel pick". */
  if (given[local_argument])
    {
      if (!parse_address (probe->family, &values[local_argument],
                          &probe->local_address))
        return false;

      if (is_unspecified (&probe->local_address))
        memset (&probe->local_address, 0, sizeof probe->local_address);
      else if (!is_single_host (&probe->local_address))
        return false;
      else
        probe->has_local_address = true;
    }

  return true;
}

/* Checks every argument of send-probe and fills in the defaults.  VALUES
 * and GIVEN are indexed by the ARGUMENT_ enumeration. */
static bool
parse_probe_arguments (const struct field *values,
                       const bool *given,
                       struct probe_request *probe)
{
  uint64_t mark = 0;

  probe->protocol = PROBE_PROTOCOL_ICMP;
  probe->timeout_seconds = PROBE_DEFAULT_TIMEOUT_SECONDS;
  probe->ttl = PROBE_DEFAULT_TTL;

  if (!parse_addresses (values, given, probe))
    return false;

  if (given[ARGUMENT_PROTOCOL]
      && !parse_protocol (&values[ARGUMENT_PROTOCOL], &probe->protocol))
    return false;

  /* Ports mean nothing to ICMP, but the mtr front-end sends the port of
   * its -P option whatever the protocol, so they are checked and then left
   * unused rather than refused. */
  if (given[ARGUMENT_PORT]
      && !parse_int (&values[ARGUMENT_PORT], 1, 65535, &probe->port))
    return false;
  if (given[ARGUMENT_LOCAL_PORT]
      && !parse_int (&values[ARGUMENT_LOCAL_PORT], 1024, 65535,
                     &probe->local_port))
    return false;

  /* The mtr front-end rounds sub-second timeouts down to 0, which would
   * expire the probe before any answer: wait the shortest whole time. */
  if (given[ARGUMENT_TIMEOUT]
      && !parse_int (&values[ARGUMENT_TIMEOUT], 0, PROBE_MAX_TIMEOUT_SECONDS,
                     &probe->timeout_seconds))
    return false;
  if (probe->timeout_seconds == 0)
    probe->timeout_seconds = 1;

  if (given[ARGUMENT_TTL]
      && !parse_int (&values[ARGUMENT_TTL], 1, 255, &probe->ttl))
    return false;
  if (given[ARGUMENT_SIZE]
      && !parse_int (&values[ARGUMENT_SIZE], 0, PROBE_MAX_SIZE, &probe->size))
    return false;
  if (given[ARGUMENT_BIT_PATTERN]
      && !parse_int (&values[ARGUMENT_BIT_PATTERN], 0, 255,
                     &probe->bit_pattern))
    return false;
  if (given[ARGUMENT_TOS]
      && !parse_int (&values[ARGUMENT_TOS], 0, 255, &probe->tos))
    return false;

  if (given[ARGUMENT_MARK])
    {
      if (!parse_number (&values[ARGUMENT_MARK], 0, UINT32_MAX, &mark))
        return false;
      probe->has_mark = true;
      probe->mark = (uint32_t) mark;
    }

  if (given[ARGUMENT_LOCAL_DEVICE]
      && !parse_device (&values[ARGUMENT_LOCAL_DEVICE], probe->local_device))
    return false;

  return true;
}

/* Collects the NAME VALUE pairs that follow "send-probe", from POSITION to
 * END, which the caller has already found to come in whole pairs. */
static command_parse_result
parse_send_probe (const char *position,
                  const char *end,
                  struct probe_request *probe)
{
  struct field values[N_ARGUMENTS] = { { NULL, 0 } };
  bool given[N_ARGUMENTS] = { false };
  struct field name = { NULL, 0 };
  struct field value = { NULL, 0 };

  while (next_field (&position, end, &name))
    {
      int argument = 0;

      if (!next_field (&position, end, &value))
        return COMMAND_PARSE_MALFORMED;

      while (argument < N_ARGUMENTS
             && !field_equals (&name, send_probe_names[argument]))
        argument++;

      /* A repeated argument is refused rather than letting the last one
       * win: whichever we picked, the caller may have meant the other. */
      if (argument == N_ARGUMENTS || given[argument])
        return COMMAND_PARSE_INVALID_ARGUMENT;
      given[argument] = true;
      values[argument] = value;
    }

  if (!parse_probe_arguments (values, given, probe))
    return COMMAND_PARSE_INVALID_ARGUMENT;

  return COMMAND_PARSE_OK;
}

static command_parse_result
parse_check_support (const char *position,
                     const char *end,
                     char feature[COMMAND_FEATURE_MAX + 1])
{
  struct field name = { NULL, 0 };
  struct field value = { NULL, 0 };
  struct field extra = { NULL, 0 };

  if (!next_field (&position, end, &name)
      || !next_field (&position, end, &value)
      || next_field (&position, end, &extra))
    return COMMAND_PARSE_INVALID_ARGUMENT;

  if (!field_equals (&name, "feature")
      || value.length > COMMAND_FEATURE_MAX)
    return COMMAND_PARSE_INVALID_ARGUMENT;

  for (size_t i = 0; i < value.length; i++)
    {
      char c = value.text[i];

      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
        return COMMAND_PARSE_INVALID_ARGUMENT;
    }

  memcpy (feature, value.text, value.length);
  feature[value.length] = '\0';
  return COMMAND_PARSE_OK;
}

command_parse_result
command_parse (const char *line,
               size_t length,
               struct command *command)
{
  const char *end = NULL;
  const char *position = line;
  struct field token = { NULL, 0 };
  struct field name = { NULL, 0 };
  struct field ignored = { NULL, 0 };
  size_t n_fields = 0;
  uint64_t token_value = 0;

  if (command == NULL)
    return COMMAND_PARSE_MALFORMED;
  memset (command, 0, sizeof *command);
  if (line == NULL)
    return COMMAND_PARSE_MALFORMED;

  /* A line from a Windows-style pipe ends in a carriage return, which is no
   * part of the request. */
  if (length > 0 && line[length - 1] == '\r')
    length--;
  end = line + length;

  /* Only printable ASCII and blanks: no NUL that would cut a later
   * string short, no escape sequence that would reach a terminal. */
  for (size_t i = 0; i < length; i++)
    {
      unsigned char c = (unsigned char) line[i];

      if ((c < 0x20 && c != '\t') || c > 0x7e)
        return COMMAND_PARSE_MALFORMED;
    }

  /* The shape is checked before any meaning, so that a line that is not
   * "TOKEN COMMAND [NAME VALUE]..." is always a parse error whatever its
   * command. */
  while (next_field (&position, end, &ignored))
    n_fields++;
  if (n_fields < 2 || n_fields % 2 != 0)
    return COMMAND_PARSE_MALFORMED;

  position = line;
  next_field (&position, end, &token);
  next_field (&position, end, &name);
  if (!parse_number (&token, 0, COMMAND_TOKEN_MAX, &token_value))
    return COMMAND_PARSE_MALFORMED;
  command->token = (long) token_value;

  if (field_equals (&name, "send-probe"))
    {
      command->kind = COMMAND_KIND_SEND_PROBE;
      return parse_send_probe (position, end, &command->probe);
    }
  else if (field_equals (&name, "check-support"))
    {
      command->kind = COMMAND_KIND_CHECK_SUPPORT;
      return parse_check_support (position, end, command->feature);
    }

  return COMMAND_PARSE_UNKNOWN_COMMAND;
}

void
command_buffer_init (struct command_buffer *buffer)
{
  memset (buffer, 0, sizeof *buffer);
}

size_t
command_buffer_append (struct command_buffer *buffer,
                       const char *data,
                       size_t length)
{
  size_t skipped = 0;
  size_t room = 0;

  if (length == 0)
    return 0;

  /* The rest of an overflowed line is thrown away as it comes, so a line
   * of any length costs no more than the buffer. */
  if (buffer->skipping)
    {
      const char *newline = memchr (data, '\n', length);

      if (newline == NULL)
        return length;

      skipped = (size_t) (newline - data) + 1;
      buffer->skipping = false;
      data += skipped;
      length -= skipped;
    }

  /* Lines already taken out are dropped only now, so that the last line
   * handed out stayed valid until this call. */
  if (buffer->start > 0)
    {
      memmove (buffer->bytes, buffer->bytes + buffer->start,
               buffer->used - buffer->start);
      buffer->used -= buffer->start;
      buffer->start = 0;
    }

  room = sizeof buffer->bytes - buffer->used;
  if (length > room)
    length = room;
  if (length > 0)
    memcpy (buffer->bytes + buffer->used, data, length);
  buffer->used += length;

  return skipped + length;
}

command_buffer_result
command_buffer_next (struct command_buffer *buffer,
                     const char **line,
                     size_t *length)
{
  char *pending = buffer->bytes + buffer->start;
  size_t pending_length = buffer->used - buffer->start;
  char *newline = NULL;

  if (pending_length > 0)
    newline = memchr (pending, '\n', pending_length);

  if (newline != NULL)
    {
      *line = pending;
      *length = (size_t) (newline - pending);
      buffer->start += *length + 1;
      return COMMAND_BUFFER_LINE;
    }

  /* A full buffer without a newline holds a line too long to answer:
   * report it once and skip the rest of it as it arrives. */
  if (pending_length >= COMMAND_LINE_MAX)
    {
      buffer->start = 0;
      buffer->used = 0;
      buffer->skipping = true;
      return COMMAND_BUFFER_OVERFLOW;
    }

  return COMMAND_BUFFER_NEED_MORE;
}

bool
command_buffer_has_partial (const struct command_buffer *buffer)
{
  return buffer->used > buffer->start;
}

/* Appends to BUFFER at *USED like snprintf(); false when it does not fit. */
__attribute__ ((format (printf, 4, 5))) static bool
append (char *buffer,
        size_t size,
        size_t *used,
        const char *format,
        ...)
{
  va_list arguments;
  int written = 0;

  if (*used >= size)
    return false;

  va_start (arguments, format);
  written = vsnprintf (buffer + *used, size - *used, format, arguments);
  va_end (arguments);

  if (written < 0 || (size_t) written >= size - *used)
    return false;

  *used += (size_t) written;
  return true;
}

/* Reply words are constants of this program, but a word with a blank or a
 * newline in it would split the reply line, so it is checked anyway. */
static bool
is_word (const char *word)
{
  if (word == NULL || word[0] == '\0')
    return false;

  for (const char *p = word; *p != '\0'; p++)
    {
      if (*p <= ' ' || *p > '~')
        return false;
    }

  return true;
}

/* Writes " ip-4 ADDRESS" or " ip-6 ADDRESS".  An IPv4 host answering on
 * the IPv6 socket shows up as an IPv4-mapped address; it is written as
 * the IPv4 address it is. */
static bool
append_responder (char *buffer,
                  size_t size,
                  size_t *used,
                  const struct sockaddr_storage *responder)
{
  char text[INET6_ADDRSTRLEN] = "";

  if (responder->ss_family == AF_INET)
    {
      const struct sockaddr_in *v4 = (const struct sockaddr_in *) responder;

      if (!inet_ntop (AF_INET, &v4->sin_addr, text, sizeof text))
        return false;
      return append (buffer, size, used, " ip-4 %s", text);
    }
  else if (responder->ss_family == AF_INET6)
    {
      const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *) responder;

      if (IN6_IS_ADDR_V4MAPPED (&v6->sin6_addr))
        {
          if (!inet_ntop (AF_INET, &v6->sin6_addr.s6_addr[12], text,
                          sizeof text))
            return false;
          return append (buffer, size, used, " ip-4 %s", text);
        }

      if (!inet_ntop (AF_INET6, &v6->sin6_addr, text, sizeof text))
        return false;
      return append (buffer, size, used, " ip-6 %s", text);
    }

  return false;
}

static bool
append_mpls (char *buffer,
             size_t size,
             size_t *used,
             const struct mpls_label *labels,
             int count)
{
  if (!append (buffer, size, used, " mpls"))
    return false;

  for (int i = 0; i < count; i++)
    {
      if (!append (buffer, size, used, "%c%u,%u,%u,%u", i == 0 ? ' ' : ',',
                   (unsigned int) labels[i].label,
                   (unsigned int) labels[i].traffic_class,
                   (unsigned int) labels[i].bottom_of_stack,
                   (unsigned int) labels[i].ttl))
        return false;
    }

  return true;
}

int
command_format_result (char *buffer,
                       size_t size,
                       long token,
                       const struct probe_result *result)
{
  size_t used = 0;
  int mpls_count = 0;

  if (buffer == NULL || result == NULL || !is_word (result->word))
    return -1;

  if (!append (buffer, size, &used, "%ld %s", token, result->word))
    return -1;

  if (result->has_responder
      && !append_responder (buffer, size, &used, &result->responder))
    return -1;

  /* A clock step could make a round trip negative; none is shorter than
   * nothing. */
  if (result->has_round_trip
      && !append (buffer, size, &used, " round-trip-time %ld",
                  result->round_trip_us < 0 ? 0L : result->round_trip_us))
    return -1;

  mpls_count = result->mpls_count;
  if (mpls_count > PROBE_MAX_MPLS_LABELS)
    mpls_count = PROBE_MAX_MPLS_LABELS;
  if (mpls_count > 0
      && !append_mpls (buffer, size, &used, result->mpls, mpls_count))
    return -1;

  if (strcmp (result->word, "packet-too-big") == 0 && result->mtu > 0
      && !append (buffer, size, &used, " mtu %d", result->mtu))
    return -1;

  if (strcmp (result->word, "unexpected-error") == 0
      && !append (buffer, size, &used, " errno %d", result->error_number))
    return -1;

  if (!append (buffer, size, &used, "\n"))
    return -1;

  return (int) used;
}

int
command_format_feature (char *buffer,
                        size_t size,
                        long token,
                        const char *value)
{
  size_t used = 0;

  if (buffer == NULL || !is_word (value))
    return -1;

  if (!append (buffer, size, &used, "%ld feature-support support %s\n",
               token, value))
    return -1;

  return (int) used;
}

int
command_format_word (char *buffer,
                     size_t size,
                     long token,
                     const char *word)
{
  size_t used = 0;

  if (buffer == NULL || !is_word (word))
    return -1;

  if (!append (buffer, size, &used, "%ld %s\n", token, word))
    return -1;

  return (int) used;
}
