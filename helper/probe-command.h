/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* The request and reply lines of the probe protocol.
 *
 * The protocol is the one mtr-packet speaks: one request a line,
 * "TOKEN COMMAND [NAME VALUE]...", answered by one reply line that starts
 * with the same token.  This unit turns bytes read from standard input into
 * checked requests and turns results into reply lines.  It does no system
 * calls, so it can be fuzzed and unit tested on its own. */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/socket.h>

/* A request line of this many bytes or more, newline excluded, is answered
 * with "0 command-buffer-overflow" and thrown away. */
#define COMMAND_LINE_MAX 4096

/* The largest token a request may carry. */
#define COMMAND_TOKEN_MAX 2147483647L

/* The default and largest figures of a probe request. */
#define PROBE_DEFAULT_TIMEOUT_SECONDS 10
#define PROBE_MAX_TIMEOUT_SECONDS 3600
#define PROBE_DEFAULT_TTL 255
#define PROBE_MAX_SIZE 65535

/* The most MPLS label stack entries a reply reports. */
#define PROBE_MAX_MPLS_LABELS 8

typedef enum
{
  PROBE_PROTOCOL_ICMP,
  PROBE_PROTOCOL_UDP,
  PROBE_PROTOCOL_TCP,
  PROBE_PROTOCOL_SCTP,
} probe_protocol;

/* A send-probe request, checked and with every default filled in. */
struct probe_request
{
  int family;                       /* AF_INET or AF_INET6 */
  struct sockaddr_storage target;   /* port is zero */
  bool has_local_address;           /* false also for 0.0.0.0 and :: */
  struct sockaddr_storage local_address;
  probe_protocol protocol;          /* default ICMP */
  int port;                         /* 0 when not given */
  int local_port;                   /* 0 when not given, else 1024..65535 */
  int timeout_seconds;              /* 1..PROBE_MAX_TIMEOUT_SECONDS */
  int ttl;                          /* 1..255 */
  int size;                         /* total IP packet length, 0: smallest */
  int bit_pattern;                  /* 0..255 */
  int tos;                          /* 0..255 */
  bool has_mark;
  uint32_t mark;
  char local_device[IF_NAMESIZE];   /* empty when not given */
};

typedef enum
{
  COMMAND_KIND_SEND_PROBE,
  COMMAND_KIND_CHECK_SUPPORT,
} command_kind;

/* The longest feature name check-support accepts. */
#define COMMAND_FEATURE_MAX 32

struct command
{
  long token;
  command_kind kind;
  struct probe_request probe;            /* for COMMAND_KIND_SEND_PROBE */
  char feature[COMMAND_FEATURE_MAX + 1]; /* for COMMAND_KIND_CHECK_SUPPORT */
};

typedef enum
{
  /* A well-formed request; the command is filled in. */
  COMMAND_PARSE_OK,
  /* The line is not "TOKEN COMMAND [NAME VALUE]...": reply
   * "0 command-parse-error". */
  COMMAND_PARSE_MALFORMED,
  /* A well-formed line naming a command this helper does not know: reply
   * "TOKEN unknown-command". */
  COMMAND_PARSE_UNKNOWN_COMMAND,
  /* A known command with an unknown, repeated, missing, out of range or
   * badly written argument: reply "TOKEN invalid-argument". */
  COMMAND_PARSE_INVALID_ARGUMENT,
} command_parse_result;

/* Parses one request line, without its newline (a trailing carriage
 * return is tolerated).  LINE need not be NUL-terminated; LENGTH is its
 * length in bytes.  On any result other than COMMAND_PARSE_MALFORMED,
 * command->token holds the request's token. */
command_parse_result command_parse (const char *line,
                                    size_t length,
                                    struct command *command);

/* Splits the bytes read from standard input into lines.  A line that reaches
 * COMMAND_LINE_MAX bytes without a newline is reported once as an overflow,
 * and the rest of it, up to the next newline, is skipped. */
struct command_buffer
{
  char bytes[COMMAND_LINE_MAX];
  size_t start;    /* the first byte not yet taken out as a line */
  size_t used;
  bool skipping;   /* inside an overflowed line, waiting for its newline */
};

typedef enum
{
  COMMAND_BUFFER_LINE,       /* *line and *length describe one line */
  COMMAND_BUFFER_OVERFLOW,   /* reply "0 command-buffer-overflow" */
  COMMAND_BUFFER_NEED_MORE,  /* nothing complete yet */
} command_buffer_result;

void command_buffer_init (struct command_buffer *buffer);

/* Appends up to LENGTH bytes of DATA and returns how many it took; the
 * caller offers the rest again after taking lines out with
 * command_buffer_next(). */
size_t command_buffer_append (struct command_buffer *buffer,
                              const char *data,
                              size_t length);

/* Takes the next complete line out of the buffer.  The line stays valid
 * until the next call to command_buffer_append() or command_buffer_next(). */
command_buffer_result command_buffer_next (struct command_buffer *buffer,
                                           const char **line,
                                           size_t *length);

/* Whatever is left without a newline at the end of input. */
bool command_buffer_has_partial (const struct command_buffer *buffer);

struct mpls_label
{
  uint32_t label;          /* 20 bits */
  uint8_t traffic_class;   /* 3 bits */
  uint8_t bottom_of_stack; /* 1 bit */
  uint8_t ttl;
};

/* What became of a probe, as a reply line says it. */
struct probe_result
{
  /* The reply word: "reply", "ttl-expired", "no-route-host", "no-reply",
   * "network-down", "invalid-argument", ... */
  const char *word;
  bool has_responder;
  struct sockaddr_storage responder;
  bool has_round_trip;
  long round_trip_us;
  int mpls_count;
  struct mpls_label mpls[PROBE_MAX_MPLS_LABELS];
  /* Hopscope's extension to "packet-too-big": the next hop's MTU. */
  int mtu;
  /* For "unexpected-error": the errno value, else 0. */
  int error_number;
};

/* The longest reply line command_format_result() writes, newline and NUL
 * included. */
#define COMMAND_REPLY_MAX 512

/* Writes the reply line for TOKEN, newline included, into BUFFER and returns
 * its length, or -1 when SIZE is too small. */
int command_format_result (char *buffer,
                           size_t size,
                           long token,
                           const struct probe_result *result);

/* Writes "TOKEN feature-support support VALUE\n". */
int command_format_feature (char *buffer,
                            size_t size,
                            long token,
                            const char *value);

/* Writes "TOKEN WORD\n", for replies without arguments such as
 * "unknown-command" or "0 command-parse-error". */
int command_format_word (char *buffer,
                         size_t size,
                         long token,
                         const char *word);
