/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include "probe-decode.h"

#include <string.h>
#include <sys/socket.h>

#define IPV4_HEADER_MIN 20
#define IPV6_HEADER_LENGTH 40
#define ICMP_HEADER_LENGTH 8

/* RFC 4884: an ICMP message that carries extensions pads the original
 * datagram to at least this many bytes, and non-compliant routers put the
 * extensions right after the first 128 bytes without saying so. */
#define ORIGINAL_DATAGRAM_MIN 128

#define EXTENSION_HEADER_LENGTH 4
#define EXTENSION_VERSION 2
#define OBJECT_HEADER_LENGTH 4
#define MPLS_CLASS 1
#define MPLS_INCOMING_STACK 1
#define MPLS_ENTRY_LENGTH 4

#define ICMP4_ECHO_REPLY 0
#define ICMP4_UNREACHABLE 3
#define ICMP4_ECHO_REQUEST 8
#define ICMP4_TIME_EXCEEDED 11
#define ICMP4_FRAGMENTATION_NEEDED 4

#define ICMP6_UNREACHABLE 1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129

/* Every read below goes through these, after the caller has checked that
 * the bytes are there. */
static uint16_t
read_u16 (const uint8_t *p)
{
  return (uint16_t) (p[0] << 8 | p[1]);
}

static uint32_t
read_u32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
         | (uint32_t) p[2] << 8 | (uint32_t) p[3];
}

static bool
is_probe_protocol (int protocol)
{
  return protocol == IPPROTO_UDP || protocol == IPPROTO_TCP
         || protocol == IPPROTO_SCTP;
}

/* Reads the quoted IPv4 header.  Its total length is not checked: routers
 * quote only the start of the datagram, and some rewrite that field. */
static bool
read_quoted_ip4 (const uint8_t *data,
                 size_t length,
                 size_t *header_length,
                 int *protocol,
                 struct quoted_probe *quote)
{
  size_t ihl = 0;

  if (length < IPV4_HEADER_MIN || data[0] >> 4 != 4)
    return false;

  ihl = (size_t) (data[0] & 0x0f) * 4;
  if (ihl < IPV4_HEADER_MIN || ihl > length)
    return false;

  /* A later fragment starts with no transport header to match. */
  if ((read_u16 (data + 6) & 0x1fff) != 0)
    return false;

  *protocol = data[9];
  if (*protocol != IPPROTO_ICMP && !is_probe_protocol (*protocol))
    return false;

  quote->ip_id = read_u16 (data + 4);
  memcpy (&quote->source.v4, data + 12, 4);
  memcpy (&quote->destination.v4, data + 16, 4);
  *header_length = ihl;
  return true;
}

/* Reads the quoted IPv6 header.  Probes carry no extension headers, so a
 * quote whose next header is not a probe's transport is not ours. */
static bool
read_quoted_ip6 (const uint8_t *data,
                 size_t length,
                 size_t *header_length,
                 int *protocol,
                 struct quoted_probe *quote)
{
  if (length < IPV6_HEADER_LENGTH || data[0] >> 4 != 6)
    return false;

  *protocol = data[6];
  if (*protocol != IPPROTO_ICMPV6 && !is_probe_protocol (*protocol))
    return false;

  memcpy (&quote->source.v6, data + 8, 16);
  memcpy (&quote->destination.v6, data + 24, 16);
  *header_length = IPV6_HEADER_LENGTH;
  return true;
}

/* Reads the start of the quoted transport header.  RFC 792 promises eight
 * bytes of it; TCP and SCTP are matched on their ports, the first four. */
static bool
read_quoted_transport (int family,
                       int protocol,
                       const uint8_t *data,
                       size_t length,
                       struct quoted_probe *quote)
{
  if ((family == AF_INET && protocol == IPPROTO_ICMP)
      || (family == AF_INET6 && protocol == IPPROTO_ICMPV6))
    {
      uint8_t echo_request = family == AF_INET ? ICMP4_ECHO_REQUEST
                                               : ICMP6_ECHO_REQUEST;

      if (length < ICMP_HEADER_LENGTH || data[0] != echo_request)
        return false;
      quote->echo_id = read_u16 (data + 4);
      quote->echo_sequence = read_u16 (data + 6);
      return true;
    }

  if (protocol == IPPROTO_UDP)
    {
      if (length < 8)
        return false;
      quote->source_port = read_u16 (data);
      quote->destination_port = read_u16 (data + 2);
      quote->udp_checksum = read_u16 (data + 6);
      return true;
    }

  if (protocol == IPPROTO_TCP || protocol == IPPROTO_SCTP)
    {
      if (length < 4)
        return false;
      quote->source_port = read_u16 (data);
      quote->destination_port = read_u16 (data + 2);
      if (protocol == IPPROTO_TCP && length >= 8)
        {
          quote->tcp_sequence = read_u32 (data + 4);
          quote->has_tcp_sequence = true;
        }
      return true;
    }

  return false;
}

bool
decode_quote (int family,
              int protocol,
              const uint8_t *data,
              size_t length,
              bool has_ip_header,
              struct quoted_probe *quote)
{
  size_t header_length = 0;

  if (quote == NULL)
    return false;
  memset (quote, 0, sizeof *quote);
  if (data == NULL || (family != AF_INET && family != AF_INET6))
    return false;
  quote->family = family;

  if (has_ip_header)
    {
      bool read = family == AF_INET
                    ? read_quoted_ip4 (data, length, &header_length,
                                       &protocol, quote)
                    : read_quoted_ip6 (data, length, &header_length,
                                       &protocol, quote);

      if (!read)
        return false;
    }
  quote->protocol = protocol;

  return read_quoted_transport (family, protocol, data + header_length,
                                length - header_length, quote);
}

/* The Internet checksum of DATA: the ones' complement sum of its 16-bit
 * words, an odd last byte padded with zero.  Over data that carries its
 * own correct checksum it comes to 0xffff. */
static uint16_t
ones_complement_sum (const uint8_t *data,
                     size_t length)
{
  uint32_t sum = 0;
  size_t i = 0;

  for (i = 0; i + 1 < length; i += 2)
    sum += read_u16 (data + i);
  if (i < length)
    sum += (uint32_t) data[i] << 8;

  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);

  return (uint16_t) sum;
}

/* Whether EXTENSIONS is a sound RFC 4884 extension structure: version 2, a
 * correct checksum, and objects that fill it exactly, each at least as long
 * as its own header. */
static bool
extensions_hold_together (const uint8_t *extensions,
                          size_t length,
                          bool require_checksum)
{
  size_t offset = EXTENSION_HEADER_LENGTH;

  if (length < EXTENSION_HEADER_LENGTH
      || extensions[0] >> 4 != EXTENSION_VERSION)
    return false;

  /* RFC 4884 lets a sender leave the checksum out by sending zero. */
  if (read_u16 (extensions + 2) == 0)
    {
      if (require_checksum)
        return false;
    }
  else if (ones_complement_sum (extensions, length) != 0xffff)
    return false;

  while (offset < length)
    {
      size_t object_length = 0;

      if (length - offset < OBJECT_HEADER_LENGTH)
        return false;
      object_length = read_u16 (extensions + offset);
      if (object_length < OBJECT_HEADER_LENGTH
          || object_length > length - offset)
        return false;

      /* RFC 4950: the MPLS label stack is whole entries. */
      if (extensions[offset + 2] == MPLS_CLASS
          && extensions[offset + 3] == MPLS_INCOMING_STACK
          && (object_length - OBJECT_HEADER_LENGTH) % MPLS_ENTRY_LENGTH != 0)
        return false;

      offset += object_length;
    }

  return true;
}

static int
collect_mpls_labels (const uint8_t *extensions,
                     size_t length,
                     bool require_checksum,
                     struct mpls_label *labels,
                     int max)
{
  size_t offset = EXTENSION_HEADER_LENGTH;
  int count = 0;

  if (extensions == NULL || labels == NULL || max <= 0)
    return 0;

  /* Checked whole before any label is taken, so that a structure that
   * falls apart halfway yields no labels rather than some. */
  if (!extensions_hold_together (extensions, length, require_checksum))
    return 0;

  while (offset < length && count < max)
    {
      size_t object_length = read_u16 (extensions + offset);

      if (extensions[offset + 2] == MPLS_CLASS
          && extensions[offset + 3] == MPLS_INCOMING_STACK)
        {
          for (size_t entry = offset + OBJECT_HEADER_LENGTH;
               entry < offset + object_length && count < max;
               entry += MPLS_ENTRY_LENGTH)
            {
              uint32_t word = read_u32 (extensions + entry);

              labels[count].label = word >> 12;
              labels[count].traffic_class = (word >> 9) & 0x7;
              labels[count].bottom_of_stack = (word >> 8) & 0x1;
              labels[count].ttl = word & 0xff;
              count++;
            }
        }

      offset += object_length;
    }

  return count;
}

int
decode_mpls_extensions (const uint8_t *extensions,
                        size_t length,
                        struct mpls_label *labels,
                        int max)
{
  return collect_mpls_labels (extensions, length, false, labels, max);
}

/* Decodes what follows the eight bytes of an ICMP error header: the quoted
 * datagram and any RFC 4884 extensions after it.  ORIGINAL_LENGTH is the
 * length field of the header in bytes, zero when the sender set none;
 * EXTENSIBLE says whether the message type may carry extensions at all. */
static void
decode_error_body (int family,
                   const uint8_t *body,
                   size_t length,
                   size_t original_length,
                   bool extensible,
                   struct decoded_packet *decoded)
{
  size_t quote_length = length;
  const uint8_t *extensions = NULL;
  size_t extensions_length = 0;
  bool require_checksum = false;

  /* A length field under 128 bytes, or past the end, breaks RFC 4884;
   * the quote is still read, but no extensions are looked for. */
  if (extensible && original_length >= ORIGINAL_DATAGRAM_MIN
      && original_length < length)
    {
      quote_length = original_length;
      extensions = body + original_length;
      extensions_length = length - original_length;
    }
  else if (extensible && original_length == 0
           && length > ORIGINAL_DATAGRAM_MIN)
    {
      /* Nothing but a correct checksum tells extensions from a long
       * quoted payload here, so a zero checksum is not enough. */
      extensions = body + ORIGINAL_DATAGRAM_MIN;
      extensions_length = length - ORIGINAL_DATAGRAM_MIN;
      require_checksum = true;
    }

  decoded->has_quote = decode_quote (family, 0, body, quote_length, true,
                                     &decoded->quote);

  if (extensions != NULL)
    decoded->mpls_count = collect_mpls_labels (extensions, extensions_length,
                                               require_checksum,
                                               decoded->mpls,
                                               PROBE_MAX_MPLS_LABELS);
}

bool
decode_icmp4 (const uint8_t *packet,
              size_t length,
              bool has_ip_header,
              struct decoded_packet *decoded)
{
  const uint8_t *icmp = packet;
  size_t icmp_length = length;

  if (decoded == NULL)
    return false;
  memset (decoded, 0, sizeof *decoded);
  if (packet == NULL)
    return false;

  if (has_ip_header)
    {
      size_t ihl = 0;
      size_t total_length = 0;

      if (length < IPV4_HEADER_MIN || packet[0] >> 4 != 4)
        return false;
      ihl = (size_t) (packet[0] & 0x0f) * 4;
      total_length = read_u16 (packet + 2);
      if (ihl < IPV4_HEADER_MIN || total_length < ihl
          || total_length > length)
        return false;

      /* Raw sockets see datagrams after reassembly, so a fragment here
       * does not hold together. */
      if ((read_u16 (packet + 6) & 0x3fff) != 0 || packet[9] != IPPROTO_ICMP)
        return false;

      decoded->has_source = true;
      memcpy (&decoded->source_v4, packet + 12, 4);
      decoded->received_ttl = packet[8];
      icmp = packet + ihl;
      icmp_length = total_length - ihl;
    }

  if (icmp_length < ICMP_HEADER_LENGTH)
    return false;
  decoded->icmp_type = icmp[0];
  decoded->icmp_code = icmp[1];

  switch (icmp[0])
    {
    case ICMP4_ECHO_REPLY:
      decoded->kind = DECODED_ECHO_REPLY;
      decoded->echo_id = read_u16 (icmp + 4);
      decoded->echo_sequence = read_u16 (icmp + 6);
      return true;

    case ICMP4_TIME_EXCEEDED:
      decoded->kind = DECODED_TIME_EXCEEDED;
      break;

    case ICMP4_UNREACHABLE:
      decoded->kind = DECODED_UNREACHABLE;
      if (icmp[1] == ICMP4_FRAGMENTATION_NEEDED)
        {
          decoded->kind = DECODED_PACKET_TOO_BIG;
          decoded->mtu = read_u16 (icmp + 6);
        }
      break;

    default:
      decoded->kind = DECODED_OTHER;
      return true;
    }

  /* RFC 4884 counts the original datagram in 32-bit words, in byte 5. */
  decode_error_body (AF_INET, icmp + ICMP_HEADER_LENGTH,
                     icmp_length - ICMP_HEADER_LENGTH, (size_t) icmp[5] * 4,
                     true, decoded);
  return true;
}

bool
decode_icmp6 (const uint8_t *packet,
              size_t length,
              struct decoded_packet *decoded)
{
  bool extensible = true;
  uint32_t mtu = 0;

  if (decoded == NULL)
    return false;
  memset (decoded, 0, sizeof *decoded);
  if (packet == NULL || length < ICMP_HEADER_LENGTH)
    return false;

  decoded->icmp_type = packet[0];
  decoded->icmp_code = packet[1];

  switch (packet[0])
    {
    case ICMP6_ECHO_REPLY:
      decoded->kind = DECODED_ECHO_REPLY;
      decoded->echo_id = read_u16 (packet + 4);
      decoded->echo_sequence = read_u16 (packet + 6);
      return true;

    case ICMP6_TIME_EXCEEDED:
      decoded->kind = DECODED_TIME_EXCEEDED;
      break;

    case ICMP6_UNREACHABLE:
      decoded->kind = DECODED_UNREACHABLE;
      break;

    case ICMP6_PACKET_TOO_BIG:
      /* Bytes 4 to 7 are the MTU here, so there is no length field, and
       * RFC 4884 gives this type no extensions. */
      decoded->kind = DECODED_PACKET_TOO_BIG;
      mtu = read_u32 (packet + 4);
      decoded->mtu = mtu > INT32_MAX ? INT32_MAX : (int) mtu;
      extensible = false;
      break;

    default:
      decoded->kind = DECODED_OTHER;
      return true;
    }

  /* RFC 4884 counts the original datagram in 64-bit words, in byte 4. */
  decode_error_body (AF_INET6, packet + ICMP_HEADER_LENGTH,
                     length - ICMP_HEADER_LENGTH,
                     extensible ? (size_t) packet[4] * 8 : 0, extensible,
                     decoded);
  return true;
}
