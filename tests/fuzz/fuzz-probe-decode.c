/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* libFuzzer target for the packet decoder: every input is handed to every
 * decoder, as a raw socket and as a datagram socket would deliver it.
 * libFuzzer passes a heap block of exactly the input's size, so
 * AddressSanitizer catches any read past the packet. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probe-decode.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define CHECK(condition)                                                   \
  do                                                                       \
    {                                                                      \
      if (!(condition))                                                    \
        abort ();                                                          \
    }                                                                      \
  while (0)

/* Whatever a packet decodes to can be written as a reply line. */
static void
check_decoded (const struct decoded_packet *decoded,
               int family)
{
  struct probe_result result;
  char reply[COMMAND_REPLY_MAX];
  int length = 0;

  CHECK (decoded->kind >= DECODED_ECHO_REPLY
         && decoded->kind <= DECODED_OTHER);
  CHECK (decoded->mpls_count >= 0
         && decoded->mpls_count <= PROBE_MAX_MPLS_LABELS);
  CHECK (decoded->mtu >= 0);
  if (decoded->kind == DECODED_ECHO_REPLY || decoded->kind == DECODED_OTHER)
    CHECK (!decoded->has_quote && decoded->mpls_count == 0);
  if (decoded->has_quote)
    CHECK (decoded->quote.family == family);

  for (int i = 0; i < decoded->mpls_count; i++)
    {
      CHECK (decoded->mpls[i].label <= 0xfffff);
      CHECK (decoded->mpls[i].traffic_class <= 7);
      CHECK (decoded->mpls[i].bottom_of_stack <= 1);
    }

  memset (&result, 0, sizeof result);
  result.word = "packet-too-big";
  result.has_round_trip = true;
  result.round_trip_us = 2147483647L;
  result.mpls_count = decoded->mpls_count;
  memcpy (result.mpls, decoded->mpls, sizeof result.mpls);
  result.mtu = decoded->mtu;
  if (decoded->has_quote)
    {
      result.has_responder = true;
      if (family == AF_INET)
        {
          struct sockaddr_in *v4 = (struct sockaddr_in *) &result.responder;

          v4->sin_family = AF_INET;
          v4->sin_addr = decoded->quote.destination.v4;
        }
      else
        {
          struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) &result.responder;

          v6->sin6_family = AF_INET6;
          v6->sin6_addr = decoded->quote.destination.v6;
        }
    }

  length = command_format_result (reply, sizeof reply, 2147483647L, &result);
  CHECK (length > 0 && (size_t) length == strlen (reply));
}

static void
check_quote (const struct quoted_probe *quote,
             int family)
{
  CHECK (quote->family == family);
  CHECK (quote->protocol == IPPROTO_UDP || quote->protocol == IPPROTO_TCP
         || quote->protocol == IPPROTO_SCTP
         || quote->protocol
              == (family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6));
  CHECK (!quote->has_tcp_sequence || quote->protocol == IPPROTO_TCP);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t size)
{
  static const int protocols[] = {
    IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_UDP, IPPROTO_TCP, IPPROTO_SCTP,
  };
  struct decoded_packet decoded;
  struct quoted_probe quote;
  struct mpls_label labels[PROBE_MAX_MPLS_LABELS];
  int count = 0;

  if (decode_icmp4 (data, size, true, &decoded))
    {
      CHECK (decoded.has_source && size >= 28);
      check_decoded (&decoded, AF_INET);
    }
  if (decode_icmp4 (data, size, false, &decoded))
    {
      CHECK (!decoded.has_source && size >= 8);
      check_decoded (&decoded, AF_INET);
    }
  if (decode_icmp6 (data, size, &decoded))
    {
      CHECK (size >= 8);
      check_decoded (&decoded, AF_INET6);
    }

  if (decode_quote (AF_INET, 0, data, size, true, &quote))
    check_quote (&quote, AF_INET);
  if (decode_quote (AF_INET6, 0, data, size, true, &quote))
    check_quote (&quote, AF_INET6);
  for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++)
    {
      if (decode_quote (AF_INET, protocols[i], data, size, false, &quote))
        check_quote (&quote, AF_INET);
      if (decode_quote (AF_INET6, protocols[i], data, size, false, &quote))
        check_quote (&quote, AF_INET6);
    }

  count = decode_mpls_extensions (data, size, labels, PROBE_MAX_MPLS_LABELS);
  CHECK (count >= 0 && count <= PROBE_MAX_MPLS_LABELS);
  CHECK (decode_mpls_extensions (data, size, labels, 1) == (count > 0));

  return 0;
}
