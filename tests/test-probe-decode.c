/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <arpa/inet.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probe-decode.h"

/* The test network's addresses: this host, the probed target, and the
 * router on the way that answers. */
#define US_4 "192.0.2.10"
#define TARGET_4 "203.0.113.7"
#define ROUTER_4 "198.51.100.1"
#define US_6 "2001:db8::10"
#define TARGET_6 "2001:db8:7::7"

#define PROBE_SOURCE_PORT 33000
#define PROBE_DESTINATION_PORT 33434
#define PROBE_UDP_CHECKSUM 0xbeef
#define PROBE_TCP_SEQUENCE 0x11223344u
#define PROBE_ECHO_ID 0x1234
#define PROBE_ECHO_SEQUENCE 7
#define PROBE_IP_ID 0x4242

/* A packet being built, as it would come off the wire. */
struct packet
{
  uint8_t bytes[2048];
  size_t length;
};

typedef enum
{
  CHECKSUM_GOOD,
  CHECKSUM_BAD,
  CHECKSUM_NONE,
} checksum_mode;

static void
put_u16 (uint8_t *p,
         uint16_t value)
{
  p[0] = (uint8_t) (value >> 8);
  p[1] = (uint8_t) value;
}

static void
put_u32 (uint8_t *p,
         uint32_t value)
{
  put_u16 (p, (uint16_t) (value >> 16));
  put_u16 (p + 2, (uint16_t) value);
}

static uint8_t *
reserve (struct packet *packet,
         size_t length)
{
  uint8_t *p = NULL;

  g_assert_cmpuint (packet->length + length, <=, sizeof packet->bytes);
  p = packet->bytes + packet->length;
  memset (p, 0, length);
  packet->length += length;
  return p;
}

static void
put_address (uint8_t *p,
             int family,
             const char *text)
{
  g_assert_cmpint (inet_pton (family, text, p), ==, 1);
}

static uint16_t
internet_checksum (const uint8_t *data,
                   size_t length)
{
  uint32_t sum = 0;

  for (size_t i = 0; i < length; i += 2)
    sum += (uint32_t) data[i] << 8 | (i + 1 < length ? data[i + 1] : 0);
  while (sum > 0xffff)
    sum = (sum & 0xffff) + (sum >> 16);

  return (uint16_t) ~sum;
}

/* Adds an IPv4 header of HEADER_LENGTH bytes (options zero) and returns
 * its offset, so that its total length can be set once the rest is in. */
static size_t
add_ip4 (struct packet *packet,
         size_t header_length,
         uint8_t protocol,
         uint8_t ttl,
         const char *source,
         const char *destination)
{
  size_t offset = packet->length;
  uint8_t *ip = reserve (packet, header_length);

  ip[0] = (uint8_t) (0x40 | header_length / 4);
  put_u16 (ip + 4, PROBE_IP_ID);
  ip[8] = ttl;
  ip[9] = protocol;
  put_address (ip + 12, AF_INET, source);
  put_address (ip + 16, AF_INET, destination);
  return offset;
}

static void
finish_ip4 (struct packet *packet,
            size_t offset)
{
  uint8_t *ip = packet->bytes + offset;
  size_t header_length = (size_t) (ip[0] & 0x0f) * 4;

  put_u16 (ip + 2, (uint16_t) (packet->length - offset));
  put_u16 (ip + 10, 0);
  put_u16 (ip + 10, internet_checksum (ip, header_length));
}

static size_t
add_ip6 (struct packet *packet,
         uint8_t next_header,
         const char *source,
         const char *destination)
{
  size_t offset = packet->length;
  uint8_t *ip = reserve (packet, 40);

  ip[0] = 0x60;
  ip[6] = next_header;
  ip[7] = 1;
  put_address (ip + 8, AF_INET6, source);
  put_address (ip + 24, AF_INET6, destination);
  return offset;
}

static void
finish_ip6 (struct packet *packet,
            size_t offset)
{
  put_u16 (packet->bytes + offset + 4,
           (uint16_t) (packet->length - offset - 40));
}

static void
add_payload (struct packet *packet,
             size_t length)
{
  memset (reserve (packet, length), 0xa5, length);
}

static void
add_transport (struct packet *packet,
               int family,
               int protocol)
{
  uint8_t *p = NULL;

  switch (protocol)
    {
    case IPPROTO_UDP:
      p = reserve (packet, 8);
      put_u16 (p, PROBE_SOURCE_PORT);
      put_u16 (p + 2, PROBE_DESTINATION_PORT);
      put_u16 (p + 4, 8 + 28);
      put_u16 (p + 6, PROBE_UDP_CHECKSUM);
      add_payload (packet, 28);
      break;

    case IPPROTO_TCP:
      p = reserve (packet, 20);
      put_u16 (p, PROBE_SOURCE_PORT);
      put_u16 (p + 2, PROBE_DESTINATION_PORT);
      put_u32 (p + 4, PROBE_TCP_SEQUENCE);
      p[12] = 5 << 4;
      p[13] = 0x02;
      break;

    case IPPROTO_SCTP:
      p = reserve (packet, 12);
      put_u16 (p, PROBE_SOURCE_PORT);
      put_u16 (p + 2, PROBE_DESTINATION_PORT);
      put_u32 (p + 4, 0xcafef00d);
      add_payload (packet, 16);
      break;

    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
      p = reserve (packet, 8);
      p[0] = family == AF_INET ? 8 : 128;
      put_u16 (p + 4, PROBE_ECHO_ID);
      put_u16 (p + 6, PROBE_ECHO_SEQUENCE);
      add_payload (packet, 28);
      break;

    default:
      add_payload (packet, 8);
      break;
    }
}

/* Adds the probe as the network sent it: an IPv4 or IPv6 header from this
 * host to the target, then the transport header and its payload. */
static void
add_probe (struct packet *packet,
           int family,
           int protocol)
{
  size_t offset = 0;

  if (family == AF_INET)
    {
      offset = add_ip4 (packet, 20, (uint8_t) protocol, 1, US_4, TARGET_4);
      add_transport (packet, family, protocol);
      finish_ip4 (packet, offset);
    }
  else
    {
      offset = add_ip6 (packet, (uint8_t) protocol, US_6, TARGET_6);
      add_transport (packet, family, protocol);
      finish_ip6 (packet, offset);
    }
}

static uint8_t *
add_icmp_header (struct packet *packet,
                 uint8_t type,
                 uint8_t code)
{
  uint8_t *icmp = reserve (packet, 8);

  icmp[0] = type;
  icmp[1] = code;
  return icmp;
}

static uint32_t
mpls_entry (uint32_t label,
            uint32_t traffic_class,
            uint32_t bottom,
            uint32_t ttl)
{
  return label << 12 | traffic_class << 9 | bottom << 8 | ttl;
}

/* Adds an RFC 4884 extension structure holding one RFC 4950 MPLS label
 * stack object with N_ENTRIES entries. */
static void
add_mpls_extension (struct packet *packet,
                    const uint32_t *entries,
                    size_t n_entries,
                    checksum_mode mode)
{
  size_t length = 8 + 4 * n_entries;
  uint8_t *extension = reserve (packet, length);
  uint16_t checksum = 0;

  extension[0] = 2 << 4;
  put_u16 (extension + 4, (uint16_t) (4 + 4 * n_entries));
  extension[6] = 1;
  extension[7] = 1;
  for (size_t i = 0; i < n_entries; i++)
    put_u32 (extension + 8 + 4 * i, entries[i]);

  checksum = internet_checksum (extension, length);
  if (mode == CHECKSUM_BAD)
    checksum ^= 0x0101;
  else if (mode == CHECKSUM_NONE)
    checksum = 0;
  put_u16 (extension + 2, checksum);
}

static const uint32_t two_labels[] = {
  0x12345u << 12 | 3u << 9 | 0u << 8 | 254u,
  0x00010u << 12 | 0u << 9 | 1u << 8 | 1u,
};

/* The ICMPv4 error a router sends: with an IPv4 header when WITH_IP (as a
 * raw socket reads it), quoting the probe, and with MPLS extensions laid
 * out as LAYOUT says. */
typedef enum
{
  LAYOUT_PLAIN,         /* no extensions */
  LAYOUT_RFC4884,       /* length field set, quote padded to 128 bytes */
  LAYOUT_COMPATIBLE,    /* length field 0, extensions at byte 128 */
} extension_layout;

static void
build_icmp4_error (struct packet *packet,
                   bool with_ip,
                   uint8_t type,
                   uint8_t code,
                   int protocol,
                   extension_layout layout,
                   checksum_mode mode)
{
  size_t ip = 0;
  size_t quote = 0;
  uint8_t *icmp = NULL;

  memset (packet, 0, sizeof *packet);
  if (with_ip)
    ip = add_ip4 (packet, 20, IPPROTO_ICMP, 62, ROUTER_4, US_4);

  icmp = add_icmp_header (packet, type, code);
  if (type == 3 && code == 4)
    put_u16 (icmp + 6, 1400);

  quote = packet->length;
  add_probe (packet, AF_INET, protocol);
  if (layout != LAYOUT_PLAIN)
    {
      g_assert_cmpuint (packet->length - quote, <=, 128);
      reserve (packet, 128 - (packet->length - quote));
      if (layout == LAYOUT_RFC4884)
        icmp[5] = 128 / 4;
      add_mpls_extension (packet, two_labels, G_N_ELEMENTS (two_labels),
                          mode);
    }

  if (with_ip)
    finish_ip4 (packet, ip);
}

static void
build_icmp6_error (struct packet *packet,
                   uint8_t type,
                   uint8_t code,
                   int protocol,
                   extension_layout layout,
                   checksum_mode mode)
{
  size_t quote = 0;
  uint8_t *icmp = NULL;

  memset (packet, 0, sizeof *packet);
  icmp = add_icmp_header (packet, type, code);
  if (type == 2)
    put_u32 (icmp + 4, 1280);

  quote = packet->length;
  add_probe (packet, AF_INET6, protocol);
  if (layout != LAYOUT_PLAIN)
    {
      g_assert_cmpuint (packet->length - quote, <=, 128);
      reserve (packet, 128 - (packet->length - quote));
      if (layout == LAYOUT_RFC4884)
        icmp[4] = 128 / 8;
      add_mpls_extension (packet, two_labels, G_N_ELEMENTS (two_labels),
                          mode);
    }
}

static void
assert_address (int family,
                const void *address,
                const char *expected)
{
  char text[INET6_ADDRSTRLEN] = "";

  g_assert_nonnull (inet_ntop (family, address, text, sizeof text));
  g_assert_cmpstr (text, ==, expected);
}

static void
assert_quote (const struct quoted_probe *quote,
              int family,
              int protocol)
{
  g_assert_cmpint (quote->family, ==, family);
  g_assert_cmpint (quote->protocol, ==, protocol);

  if (family == AF_INET)
    {
      assert_address (AF_INET, &quote->source.v4, US_4);
      assert_address (AF_INET, &quote->destination.v4, TARGET_4);
      g_assert_cmpuint (quote->ip_id, ==, PROBE_IP_ID);
    }
  else
    {
      assert_address (AF_INET6, &quote->source.v6, US_6);
      assert_address (AF_INET6, &quote->destination.v6, TARGET_6);
      g_assert_cmpuint (quote->ip_id, ==, 0);
    }

  if (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6)
    {
      g_assert_cmpuint (quote->echo_id, ==, PROBE_ECHO_ID);
      g_assert_cmpuint (quote->echo_sequence, ==, PROBE_ECHO_SEQUENCE);
      g_assert_cmpuint (quote->source_port, ==, 0);
      return;
    }

  g_assert_cmpuint (quote->source_port, ==, PROBE_SOURCE_PORT);
  g_assert_cmpuint (quote->destination_port, ==, PROBE_DESTINATION_PORT);
  g_assert_cmpuint (quote->udp_checksum, ==,
                    protocol == IPPROTO_UDP ? PROBE_UDP_CHECKSUM : 0);
  g_assert_cmpint (quote->has_tcp_sequence, ==, protocol == IPPROTO_TCP);
  g_assert_cmpuint (quote->tcp_sequence, ==,
                    protocol == IPPROTO_TCP ? PROBE_TCP_SEQUENCE : 0);
}

static void
assert_two_labels (const struct decoded_packet *decoded)
{
  g_assert_cmpint (decoded->mpls_count, ==, 2);
  g_assert_cmpuint (decoded->mpls[0].label, ==, 0x12345);
  g_assert_cmpuint (decoded->mpls[0].traffic_class, ==, 3);
  g_assert_cmpuint (decoded->mpls[0].bottom_of_stack, ==, 0);
  g_assert_cmpuint (decoded->mpls[0].ttl, ==, 254);
  g_assert_cmpuint (decoded->mpls[1].label, ==, 16);
  g_assert_cmpuint (decoded->mpls[1].traffic_class, ==, 0);
  g_assert_cmpuint (decoded->mpls[1].bottom_of_stack, ==, 1);
  g_assert_cmpuint (decoded->mpls[1].ttl, ==, 1);
}

/* Decodes PACKET as a raw socket and as a datagram socket see it.  The
 * packet must have been built with its IPv4 header. */
static void
decode_both_ways (const struct packet *packet,
                  struct decoded_packet *decoded)
{
  struct decoded_packet without_ip;

  g_assert_true (decode_icmp4 (packet->bytes, packet->length, true, decoded));
  g_assert_true (decoded->has_source);
  assert_address (AF_INET, &decoded->source_v4, ROUTER_4);
  g_assert_cmpuint (decoded->received_ttl, ==, 62);

  g_assert_true (decode_icmp4 (packet->bytes + 20, packet->length - 20, false,
                               &without_ip));
  g_assert_false (without_ip.has_source);
  without_ip.has_source = decoded->has_source;
  without_ip.source_v4 = decoded->source_v4;
  without_ip.received_ttl = decoded->received_ttl;
  g_assert_cmpmem (&without_ip, sizeof without_ip, decoded, sizeof *decoded);
}

static void
test_icmp4_echo_reply (void)
{
  struct packet packet = { { 0 }, 0 };
  struct decoded_packet decoded;
  size_t ip = add_ip4 (&packet, 20, IPPROTO_ICMP, 61, TARGET_4, US_4);
  uint8_t *icmp = add_icmp_header (&packet, 0, 0);

  put_u16 (icmp + 4, PROBE_ECHO_ID);
  put_u16 (icmp + 6, PROBE_ECHO_SEQUENCE);
  add_payload (&packet, 36);
  finish_ip4 (&packet, ip);

  g_assert_true (decode_icmp4 (packet.bytes, packet.length, true, &decoded));
  g_assert_cmpint (decoded.kind, ==, DECODED_ECHO_REPLY);
  g_assert_true (decoded.has_source);
  assert_address (AF_INET, &decoded.source_v4, TARGET_4);
  g_assert_cmpuint (decoded.received_ttl, ==, 61);
  g_assert_cmpuint (decoded.echo_id, ==, PROBE_ECHO_ID);
  g_assert_cmpuint (decoded.echo_sequence, ==, PROBE_ECHO_SEQUENCE);
  g_assert_false (decoded.has_quote);

  g_assert_true (decode_icmp4 (packet.bytes + 20, packet.length - 20, false,
                               &decoded));
  g_assert_cmpint (decoded.kind, ==, DECODED_ECHO_REPLY);
  g_assert_false (decoded.has_source);
  g_assert_cmpuint (decoded.echo_id, ==, PROBE_ECHO_ID);
  g_assert_cmpuint (decoded.echo_sequence, ==, PROBE_ECHO_SEQUENCE);

  /* An echo request, such as our own probe seen on loopback, is not an
   * answer. */
  packet.bytes[20] = 8;
  g_assert_true (decode_icmp4 (packet.bytes, packet.length, true, &decoded));
  g_assert_cmpint (decoded.kind, ==, DECODED_OTHER);
  g_assert_cmpuint (decoded.echo_id, ==, 0);
}

static void
test_icmp4_time_exceeded (void)
{
  static const int protocols[] = {
    IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_SCTP,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (protocols); i++)
    {
      struct packet packet;
      struct decoded_packet decoded;

      build_icmp4_error (&packet, true, 11, 0, protocols[i], LAYOUT_PLAIN,
                         CHECKSUM_GOOD);
      decode_both_ways (&packet, &decoded);
      g_assert_cmpint (decoded.kind, ==, DECODED_TIME_EXCEEDED);
      g_assert_cmpuint (decoded.icmp_type, ==, 11);
      g_assert_true (decoded.has_quote);
      assert_quote (&decoded.quote, AF_INET, protocols[i]);
      g_assert_cmpint (decoded.mpls_count, ==, 0);
      g_assert_cmpint (decoded.mtu, ==, 0);
    }
}

static void
test_icmp4_unreachable (void)
{
  struct packet packet;
  struct decoded_packet decoded;

  build_icmp4_error (&packet, true, 3, 3, IPPROTO_UDP, LAYOUT_PLAIN,
                     CHECKSUM_GOOD);
  decode_both_ways (&packet, &decoded);
  g_assert_cmpint (decoded.kind, ==, DECODED_UNREACHABLE);
  g_assert_cmpuint (decoded.icmp_code, ==, 3);
  g_assert_true (decoded.has_quote);
  assert_quote (&decoded.quote, AF_INET, IPPROTO_UDP);
  g_assert_cmpint (decoded.mtu, ==, 0);

  build_icmp4_error (&packet, true, 3, 4, IPPROTO_UDP, LAYOUT_PLAIN,
                     CHECKSUM_GOOD);
  decode_both_ways (&packet, &decoded);
  g_assert_cmpint (decoded.kind, ==, DECODED_PACKET_TOO_BIG);
  g_assert_cmpint (decoded.mtu, ==, 1400);
  g_assert_true (decoded.has_quote);
  assert_quote (&decoded.quote, AF_INET, IPPROTO_UDP);

  /* A redirect is no answer to a probe. */
  build_icmp4_error (&packet, true, 5, 1, IPPROTO_UDP, LAYOUT_PLAIN,
                     CHECKSUM_GOOD);
  decode_both_ways (&packet, &decoded);
  g_assert_cmpint (decoded.kind, ==, DECODED_OTHER);
  g_assert_false (decoded.has_quote);
}

static void
test_icmp4_header_checks (void)
{
  struct packet packet;
  struct packet copy;
  struct decoded_packet decoded;

  build_icmp4_error (&packet, true, 11, 0, IPPROTO_UDP, LAYOUT_PLAIN,
                     CHECKSUM_GOOD);
  g_assert_true (decode_icmp4 (packet.bytes, packet.length, true, &decoded));

  copy = packet;
  copy.bytes[0] = 0x65;
  g_assert_false (decode_icmp4 (copy.bytes, copy.length, true, &decoded));

  copy = packet;
  copy.bytes[0] = 0x44;
  g_assert_false (decode_icmp4 (copy.bytes, copy.length, true, &decoded));

  copy = packet;
  put_u16 (copy.bytes + 2, (uint16_t) (copy.length + 1));
  g_assert_false (decode_icmp4 (copy.bytes, copy.length, true, &decoded));

  copy = packet;
  put_u16 (copy.bytes + 2, 19);
  g_assert_false (decode_icmp4 (copy.bytes, copy.length, true, &decoded));

  copy = packet;
  copy.bytes[9] = IPPROTO_UDP;
  g_assert_false (decode_icmp4 (copy.bytes, copy.length, true, &decoded));

  copy = packet;
  copy.bytes[6] = 0x20;
  g_assert_false (decode_icmp4 (copy.bytes, copy.length, true, &decoded));

  copy = packet;
  put_u16 (copy.bytes + 6, 185);
  g_assert_false (decode_icmp4 (copy.bytes, copy.length, true, &decoded));

  /* Don't-fragment is no fragment. */
  copy = packet;
  copy.bytes[6] = 0x40;
  g_assert_true (decode_icmp4 (copy.bytes, copy.length, true, &decoded));

  /* Bytes after the total length are not part of the datagram. */
  copy = packet;
  memset (reserve (&copy, 300), 0xff, 300);
  g_assert_true (decode_icmp4 (copy.bytes, copy.length, true, &decoded));
  g_assert_true (decoded.has_quote);
  assert_quote (&decoded.quote, AF_INET, IPPROTO_UDP);

  g_assert_false (decode_icmp4 (NULL, 0, true, &decoded));
  g_assert_false (decode_icmp4 (packet.bytes, packet.length, true, NULL));
}

static void
test_icmp4_options (void)
{
  struct packet packet = { { 0 }, 0 };
  struct decoded_packet decoded;
  size_t outer = add_ip4 (&packet, 24, IPPROTO_ICMP, 62, ROUTER_4, US_4);
  size_t quote = 0;

  add_icmp_header (&packet, 11, 0);
  quote = add_ip4 (&packet, 28, IPPROTO_UDP, 1, US_4, TARGET_4);
  add_transport (&packet, AF_INET, IPPROTO_UDP);
  finish_ip4 (&packet, quote);
  finish_ip4 (&packet, outer);

  g_assert_true (decode_icmp4 (packet.bytes, packet.length, true, &decoded));
  g_assert_cmpint (decoded.kind, ==, DECODED_TIME_EXCEEDED);
  assert_address (AF_INET, &decoded.source_v4, ROUTER_4);
  g_assert_true (decoded.has_quote);
  assert_quote (&decoded.quote, AF_INET, IPPROTO_UDP);
}

static void
test_icmp4_bad_quotes (void)
{
  struct packet packet;
  struct decoded_packet decoded;
  const size_t quote = 28;

  /* A later fragment of the probe carries no transport header. */
  build_icmp4_error (&packet, true, 11, 0, IPPROTO_UDP, LAYOUT_PLAIN,
                     CHECKSUM_GOOD);
  put_u16 (packet.bytes + quote + 6, 10);
  g_assert_true (decode_icmp4 (packet.bytes, packet.length, true, &decoded));
  g_assert_cmpint (decoded.kind, ==, DECODED_TIME_EXCEEDED);
  g_assert_false (decoded.has_quote);

  /* A transport no probe uses. */
  build_icmp4_error (&packet, true, 11, 0, 47, LAYOUT_PLAIN, CHECKSUM_GOOD);
  g_assert_true (decode_icmp4 (packet.bytes, packet.length, true, &decoded));
  g_assert_false (decoded.has_quote);

  /* An ICMP quote that is not an echo request. */
  build_icmp4_error (&packet, true, 11, 0, IPPROTO_ICMP, LAYOUT_PLAIN,
                     CHECKSUM_GOOD);
  packet.bytes[quote + 20] = 0;
  g_assert_true (decode_icmp4 (packet.bytes, packet.length, true, &decoded));
  g_assert_false (decoded.has_quote);

  /* Not IPv4 at all. */
  build_icmp4_error (&packet, true, 11, 0, IPPROTO_UDP, LAYOUT_PLAIN,
                     CHECKSUM_GOOD);
  packet.bytes[quote] = 0x65;
  g_assert_true (decode_icmp4 (packet.bytes, packet.length, true, &decoded));
  g_assert_false (decoded.has_quote);
}

static void
test_icmp4_mpls (void)
{
  struct packet packet;
  struct decoded_packet decoded;

  build_icmp4_error (&packet, true, 11, 0, IPPROTO_UDP, LAYOUT_RFC4884,
                     CHECKSUM_GOOD);
  decode_both_ways (&packet, &decoded);
  g_assert_cmpint (decoded.kind, ==, DECODED_TIME_EXCEEDED);
  g_assert_true (decoded.has_quote);
  assert_quote (&decoded.quote, AF_INET, IPPROTO_UDP);
  assert_two_labels (&decoded);

  build_icmp4_error (&packet, true, 11, 0, IPPROTO_ICMP, LAYOUT_RFC4884,
                     CHECKSUM_NONE);
  decode_both_ways (&packet, &decoded);
  assert_quote (&decoded.quote, AF_INET, IPPROTO_ICMP);
  assert_two_labels (&decoded);

  build_icmp4_error (&packet, true, 11, 0, IPPROTO_UDP, LAYOUT_RFC4884,
                     CHECKSUM_BAD);
  decode_both_ways (&packet, &decoded);
  g_assert_true (decoded.has_quote);
  assert_quote (&decoded.quote, AF_INET, IPPROTO_UDP);
  g_assert_cmpint (decoded.mpls_count, ==, 0);

  build_icmp4_error (&packet, true, 3, 4, IPPROTO_TCP, LAYOUT_RFC4884,
                     CHECKSUM_GOOD);
  decode_both_ways (&packet, &decoded);
  g_assert_cmpint (decoded.kind, ==, DECODED_PACKET_TOO_BIG);
  g_assert_cmpint (decoded.mtu, ==, 1400);
  assert_quote (&decoded.quote, AF_INET, IPPROTO_TCP);
  assert_two_labels (&decoded);
}

/* Routers that predate RFC 4884 put the extensions at byte 128 of the
 * quote and leave the length field zero. */
static void
test_icmp4_mpls_compatible (void)
{
  struct packet packet;
  struct decoded_packet decoded;

  build_icmp4_error (&packet, true, 11, 0, IPPROTO_UDP, LAYOUT_COMPATIBLE,
                     CHECKSUM_GOOD);
  decode_both_ways (&packet, &decoded);
  g_assert_true (decoded.has_quote);
  assert_quote (&decoded.quote, AF_INET, IPPROTO_UDP);
  assert_two_labels (&decoded);

  build_icmp4_error (&packet, true, 11, 0, IPPROTO_UDP, LAYOUT_COMPATIBLE,
                     CHECKSUM_BAD);
  decode_both_ways (&packet, &decoded);
  g_assert_true (decoded.has_quote);
  g_assert_cmpint (decoded.mpls_count, ==, 0);

  /* Without a length field only a checksum tells extensions from a long
   * quote, so none at all is not taken on trust. */
  build_icmp4_error (&packet, true, 11, 0, IPPROTO_UDP, LAYOUT_COMPATIBLE,
                     CHECKSUM_NONE);
  decode_both_ways (&packet, &decoded);
  g_assert_true (decoded.has_quote);
  g_assert_cmpint (decoded.mpls_count, ==, 0);
}

static void
test_icmp6_echo_reply (void)
{
  struct packet packet = { { 0 }, 0 };
  struct decoded_packet decoded;
  uint8_t *icmp = add_icmp_header (&packet, 129, 0);

  put_u16 (icmp + 4, PROBE_ECHO_ID);
  put_u16 (icmp + 6, PROBE_ECHO_SEQUENCE);
  add_payload (&packet, 36);

  g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
  g_assert_cmpint (decoded.kind, ==, DECODED_ECHO_REPLY);
  g_assert_cmpuint (decoded.icmp_type, ==, 129);
  g_assert_cmpuint (decoded.echo_id, ==, PROBE_ECHO_ID);
  g_assert_cmpuint (decoded.echo_sequence, ==, PROBE_ECHO_SEQUENCE);
  g_assert_false (decoded.has_source);
  g_assert_false (decoded.has_quote);

  g_assert_true (decode_icmp6 (packet.bytes, 8, &decoded));
  g_assert_cmpint (decoded.kind, ==, DECODED_ECHO_REPLY);
  g_assert_false (decode_icmp6 (packet.bytes, 7, &decoded));

  /* Echo requests and neighbour discovery are not answers. */
  packet.bytes[0] = 128;
  g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
  g_assert_cmpint (decoded.kind, ==, DECODED_OTHER);
  packet.bytes[0] = 135;
  g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
  g_assert_cmpint (decoded.kind, ==, DECODED_OTHER);
}

static void
test_icmp6_errors (void)
{
  static const int protocols[] = {
    IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMPV6, IPPROTO_SCTP,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (protocols); i++)
    {
      struct packet packet;
      struct decoded_packet decoded;

      build_icmp6_error (&packet, 3, 0, protocols[i], LAYOUT_PLAIN,
                         CHECKSUM_GOOD);
      g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
      g_assert_cmpint (decoded.kind, ==, DECODED_TIME_EXCEEDED);
      g_assert_true (decoded.has_quote);
      assert_quote (&decoded.quote, AF_INET6, protocols[i]);
      g_assert_cmpint (decoded.mpls_count, ==, 0);

      build_icmp6_error (&packet, 1, 4, protocols[i], LAYOUT_PLAIN,
                         CHECKSUM_GOOD);
      g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
      g_assert_cmpint (decoded.kind, ==, DECODED_UNREACHABLE);
      g_assert_cmpuint (decoded.icmp_code, ==, 4);
      g_assert_true (decoded.has_quote);
      assert_quote (&decoded.quote, AF_INET6, protocols[i]);

      build_icmp6_error (&packet, 2, 0, protocols[i], LAYOUT_PLAIN,
                         CHECKSUM_GOOD);
      g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
      g_assert_cmpint (decoded.kind, ==, DECODED_PACKET_TOO_BIG);
      g_assert_cmpint (decoded.mtu, ==, 1280);
      g_assert_true (decoded.has_quote);
      assert_quote (&decoded.quote, AF_INET6, protocols[i]);
    }
}

static void
test_icmp6_bad_quotes (void)
{
  struct packet packet;
  struct decoded_packet decoded;

  /* A hop-by-hop header in front of the transport: not one of ours. */
  build_icmp6_error (&packet, 3, 0, 0, LAYOUT_PLAIN, CHECKSUM_GOOD);
  g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
  g_assert_cmpint (decoded.kind, ==, DECODED_TIME_EXCEEDED);
  g_assert_false (decoded.has_quote);

  /* An IPv4 ICMP probe cannot be inside ICMPv6. */
  build_icmp6_error (&packet, 3, 0, IPPROTO_ICMP, LAYOUT_PLAIN,
                     CHECKSUM_GOOD);
  g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
  g_assert_false (decoded.has_quote);

  build_icmp6_error (&packet, 3, 0, IPPROTO_UDP, LAYOUT_PLAIN,
                     CHECKSUM_GOOD);
  packet.bytes[8] = 0x45;
  g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
  g_assert_false (decoded.has_quote);

  /* The quoted header alone, with no transport. */
  build_icmp6_error (&packet, 3, 0, IPPROTO_UDP, LAYOUT_PLAIN,
                     CHECKSUM_GOOD);
  g_assert_true (decode_icmp6 (packet.bytes, 8 + 40, &decoded));
  g_assert_false (decoded.has_quote);
  g_assert_true (decode_icmp6 (packet.bytes, 8 + 40 + 8, &decoded));
  g_assert_true (decoded.has_quote);
}

static void
test_icmp6_mpls (void)
{
  struct packet packet;
  struct decoded_packet decoded;

  build_icmp6_error (&packet, 3, 0, IPPROTO_UDP, LAYOUT_RFC4884,
                     CHECKSUM_GOOD);
  g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
  g_assert_true (decoded.has_quote);
  assert_quote (&decoded.quote, AF_INET6, IPPROTO_UDP);
  assert_two_labels (&decoded);

  build_icmp6_error (&packet, 1, 0, IPPROTO_ICMPV6, LAYOUT_RFC4884,
                     CHECKSUM_GOOD);
  g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
  assert_quote (&decoded.quote, AF_INET6, IPPROTO_ICMPV6);
  assert_two_labels (&decoded);

  build_icmp6_error (&packet, 3, 0, IPPROTO_UDP, LAYOUT_RFC4884,
                     CHECKSUM_BAD);
  g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
  g_assert_true (decoded.has_quote);
  g_assert_cmpint (decoded.mpls_count, ==, 0);

  build_icmp6_error (&packet, 3, 0, IPPROTO_TCP, LAYOUT_COMPATIBLE,
                     CHECKSUM_GOOD);
  g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
  assert_quote (&decoded.quote, AF_INET6, IPPROTO_TCP);
  assert_two_labels (&decoded);

  /* RFC 4884 gives "packet too big" no length field: its bytes 4 to 7 are
   * the MTU. */
  build_icmp6_error (&packet, 2, 0, IPPROTO_UDP, LAYOUT_COMPATIBLE,
                     CHECKSUM_GOOD);
  g_assert_true (decode_icmp6 (packet.bytes, packet.length, &decoded));
  g_assert_cmpint (decoded.mtu, ==, 1280);
  g_assert_true (decoded.has_quote);
  g_assert_cmpint (decoded.mpls_count, ==, 0);
}

static void
test_quote_without_ip (void)
{
  struct packet packet = { { 0 }, 0 };
  struct quoted_probe quote;

  add_transport (&packet, AF_INET, IPPROTO_UDP);
  g_assert_true (decode_quote (AF_INET, IPPROTO_UDP, packet.bytes, 8, false,
                               &quote));
  g_assert_cmpint (quote.family, ==, AF_INET);
  g_assert_cmpint (quote.protocol, ==, IPPROTO_UDP);
  g_assert_cmpuint (quote.source_port, ==, PROBE_SOURCE_PORT);
  g_assert_cmpuint (quote.destination_port, ==, PROBE_DESTINATION_PORT);
  g_assert_cmpuint (quote.udp_checksum, ==, PROBE_UDP_CHECKSUM);
  g_assert_false (decode_quote (AF_INET, IPPROTO_UDP, packet.bytes, 7, false,
                                &quote));

  memset (&packet, 0, sizeof packet);
  add_transport (&packet, AF_INET, IPPROTO_TCP);
  g_assert_true (decode_quote (AF_INET6, IPPROTO_TCP, packet.bytes, 4, false,
                               &quote));
  g_assert_cmpuint (quote.destination_port, ==, PROBE_DESTINATION_PORT);
  g_assert_false (quote.has_tcp_sequence);
  g_assert_true (decode_quote (AF_INET6, IPPROTO_TCP, packet.bytes, 8, false,
                               &quote));
  g_assert_true (quote.has_tcp_sequence);
  g_assert_cmpuint (quote.tcp_sequence, ==, PROBE_TCP_SEQUENCE);
  g_assert_false (decode_quote (AF_INET6, IPPROTO_TCP, packet.bytes, 3,
                                false, &quote));

  memset (&packet, 0, sizeof packet);
  add_transport (&packet, AF_INET6, IPPROTO_ICMPV6);
  g_assert_true (decode_quote (AF_INET6, IPPROTO_ICMPV6, packet.bytes, 8,
                               false, &quote));
  g_assert_cmpuint (quote.echo_id, ==, PROBE_ECHO_ID);
  g_assert_cmpuint (quote.echo_sequence, ==, PROBE_ECHO_SEQUENCE);
  g_assert_false (decode_quote (AF_INET, IPPROTO_ICMPV6, packet.bytes, 8,
                                false, &quote));
  g_assert_false (decode_quote (AF_INET6, IPPROTO_ICMP, packet.bytes, 8,
                                false, &quote));
  g_assert_false (decode_quote (AF_UNIX, IPPROTO_UDP, packet.bytes, 8, false,
                                &quote));
  g_assert_false (decode_quote (AF_INET6, IPPROTO_RAW, packet.bytes, 8,
                                false, &quote));
  g_assert_false (decode_quote (AF_INET6, IPPROTO_UDP, NULL, 0, false,
                                &quote));
}

/* Builds an extension structure from OBJECTS, each given as its class,
 * c-type and payload, and checksums it. */
static size_t
build_extensions (uint8_t *extensions,
                  size_t size,
                  const uint8_t *objects,
                  size_t objects_length)
{
  g_assert_cmpuint (4 + objects_length, <=, size);
  memset (extensions, 0, size);
  extensions[0] = 0x20;
  if (objects_length > 0)
    memcpy (extensions + 4, objects, objects_length);
  put_u16 (extensions + 2, internet_checksum (extensions,
                                              4 + objects_length));
  return 4 + objects_length;
}

static void
test_mpls_extensions (void)
{
  /* An interface information object (RFC 5837) before the label stack. */
  static const uint8_t two_objects[] = {
    0x00, 0x08, 0x02, 0x01, 0xde, 0xad, 0xbe, 0xef,
    0x00, 0x0c, 0x01, 0x01, 0x00, 0x01, 0x01, 0x40,
    0xff, 0xff, 0xf1, 0x05,
  };
  static const uint8_t short_object[] = { 0x00, 0x03, 0x01, 0x01, 0x00 };
  static const uint8_t long_object[] = { 0x00, 0x10, 0x01, 0x01 };
  static const uint8_t ragged_stack[] = {
    0x00, 0x06, 0x01, 0x01, 0x00, 0x01,
  };
  static const uint8_t trailing_bytes[] = {
    0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x01, 0x40, 0x00, 0x00,
  };
  uint8_t extensions[128];
  struct mpls_label labels[PROBE_MAX_MPLS_LABELS];
  size_t length = 0;
  uint8_t ten_labels[4 + 40] = { 0x00, 44, 0x01, 0x01 };

  length = build_extensions (extensions, sizeof extensions, two_objects,
                             sizeof two_objects);
  g_assert_cmpint (decode_mpls_extensions (extensions, length, labels,
                                           PROBE_MAX_MPLS_LABELS),
                   ==, 2);
  g_assert_cmpuint (labels[0].label, ==, 16);
  g_assert_cmpuint (labels[0].traffic_class, ==, 0);
  g_assert_cmpuint (labels[0].bottom_of_stack, ==, 1);
  g_assert_cmpuint (labels[0].ttl, ==, 64);
  g_assert_cmpuint (labels[1].label, ==, 0xfffff);
  g_assert_cmpuint (labels[1].traffic_class, ==, 0);
  g_assert_cmpuint (labels[1].bottom_of_stack, ==, 1);
  g_assert_cmpuint (labels[1].ttl, ==, 5);
  g_assert_cmpint (decode_mpls_extensions (extensions, length, labels, 1),
                   ==, 1);
  g_assert_cmpint (decode_mpls_extensions (extensions, length, labels, 0),
                   ==, 0);
  g_assert_cmpint (decode_mpls_extensions (extensions, length, NULL, 8), ==,
                   0);
  g_assert_cmpint (decode_mpls_extensions (NULL, length, labels, 8), ==, 0);

  /* Version 1 is not this structure. */
  extensions[0] = 0x10;
  g_assert_cmpint (decode_mpls_extensions (extensions, length, labels, 8),
                   ==, 0);

  length = build_extensions (extensions, sizeof extensions, short_object,
                             sizeof short_object);
  g_assert_cmpint (decode_mpls_extensions (extensions, length, labels, 8),
                   ==, 0);
  length = build_extensions (extensions, sizeof extensions, long_object,
                             sizeof long_object);
  g_assert_cmpint (decode_mpls_extensions (extensions, length, labels, 8),
                   ==, 0);
  length = build_extensions (extensions, sizeof extensions, ragged_stack,
                             sizeof ragged_stack);
  g_assert_cmpint (decode_mpls_extensions (extensions, length, labels, 8),
                   ==, 0);
  length = build_extensions (extensions, sizeof extensions, trailing_bytes,
                             sizeof trailing_bytes);
  g_assert_cmpint (decode_mpls_extensions (extensions, length, labels, 8),
                   ==, 0);

  /* More entries than a reply holds: the first ones are kept. */
  for (int i = 0; i < 10; i++)
    put_u32 (ten_labels + 4 + 4 * i, mpls_entry ((uint32_t) i + 100, 1,
                                                  i == 9, 200));
  length = build_extensions (extensions, sizeof extensions, ten_labels,
                             sizeof ten_labels);
  g_assert_cmpint (decode_mpls_extensions (extensions, length, labels,
                                           PROBE_MAX_MPLS_LABELS),
                   ==, PROBE_MAX_MPLS_LABELS);
  for (int i = 0; i < PROBE_MAX_MPLS_LABELS; i++)
    {
      g_assert_cmpuint (labels[i].label, ==, (uint32_t) i + 100);
      g_assert_cmpuint (labels[i].traffic_class, ==, 1);
      g_assert_cmpuint (labels[i].bottom_of_stack, ==, 0);
      g_assert_cmpuint (labels[i].ttl, ==, 200);
    }

  /* The header alone holds no objects, and less than it is nothing. */
  length = build_extensions (extensions, sizeof extensions, NULL, 0);
  g_assert_cmpint (decode_mpls_extensions (extensions, length, labels, 8),
                   ==, 0);
  g_assert_cmpint (decode_mpls_extensions (extensions, 3, labels, 8), ==, 0);
}

static void
check_invariants (const struct decoded_packet *decoded)
{
  g_assert_cmpint (decoded->mpls_count, >=, 0);
  g_assert_cmpint (decoded->mpls_count, <=, PROBE_MAX_MPLS_LABELS);
  g_assert_cmpint (decoded->mtu, >=, 0);
  if (decoded->kind == DECODED_ECHO_REPLY || decoded->kind == DECODED_OTHER)
    {
      g_assert_false (decoded->has_quote);
      g_assert_cmpint (decoded->mpls_count, ==, 0);
    }
}

typedef enum
{
  AS_ICMP4_RAW,
  AS_ICMP4_DATAGRAM,
  AS_ICMP6,
} decode_mode;

/* Decodes every prefix of PACKET from a heap block of exactly that size,
 * so that AddressSanitizer catches a read past the end. */
static void
check_truncations (const struct packet *packet,
                   decode_mode mode,
                   bool has_labels)
{
  for (size_t length = 0; length <= packet->length; length++)
    {
      uint8_t *copy = malloc (length);
      struct decoded_packet decoded;
      bool decoded_ok = false;

      g_assert_nonnull (copy);
      memcpy (copy, packet->bytes, length);

      switch (mode)
        {
        case AS_ICMP4_RAW:
          decoded_ok = decode_icmp4 (copy, length, true, &decoded);
          /* The total length no longer fits what arrived. */
          g_assert_cmpint (decoded_ok, ==, length == packet->length);

          /* The same prefix told the truth about its own length. */
          if (length >= 4)
            {
              put_u16 (copy + 2, (uint16_t) length);
              decoded_ok = decode_icmp4 (copy, length, true, &decoded);
              g_assert_cmpint (decoded_ok, ==, length >= 20 + 8);
            }
          break;

        case AS_ICMP4_DATAGRAM:
          decoded_ok = decode_icmp4 (copy, length, false, &decoded);
          g_assert_cmpint (decoded_ok, ==, length >= 8);
          break;

        case AS_ICMP6:
          decoded_ok = decode_icmp6 (copy, length, &decoded);
          g_assert_cmpint (decoded_ok, ==, length >= 8);
          break;
        }

      if (decoded_ok)
        {
          check_invariants (&decoded);
          /* A label stack cut short does not hold together. */
          if (length < packet->length)
            g_assert_cmpint (decoded.mpls_count, ==, 0);
          else if (has_labels)
            assert_two_labels (&decoded);
        }

      free (copy);
    }
}

static void
test_truncated (void)
{
  static const int protocols[] = {
    IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_SCTP,
  };
  static const extension_layout layouts[] = {
    LAYOUT_PLAIN, LAYOUT_RFC4884, LAYOUT_COMPATIBLE,
  };

  for (gsize p = 0; p < G_N_ELEMENTS (protocols); p++)
    for (gsize l = 0; l < G_N_ELEMENTS (layouts); l++)
      {
        bool has_labels = layouts[l] != LAYOUT_PLAIN;
        struct packet packet;
        struct packet without_ip;
        int protocol6 = protocols[p] == IPPROTO_ICMP ? IPPROTO_ICMPV6
                                                     : protocols[p];

        build_icmp4_error (&packet, true, 11, 0, protocols[p], layouts[l],
                           CHECKSUM_GOOD);
        check_truncations (&packet, AS_ICMP4_RAW, has_labels);

        build_icmp4_error (&without_ip, false, 3, 4, protocols[p],
                           layouts[l], CHECKSUM_GOOD);
        check_truncations (&without_ip, AS_ICMP4_DATAGRAM, has_labels);

        build_icmp6_error (&packet, 3, 0, protocol6, layouts[l],
                           CHECKSUM_GOOD);
        check_truncations (&packet, AS_ICMP6, has_labels);

        build_icmp6_error (&packet, 2, 0, protocol6, LAYOUT_PLAIN,
                           CHECKSUM_GOOD);
        check_truncations (&packet, AS_ICMP6, false);
      }
}

/* Every byte of valid packets set to values that matter to the decoder:
 * none may lead it astray, which ASan and the invariants check. */
static void
test_mutated (void)
{
  static const uint8_t values[] = { 0x00, 0x01, 0x04, 0x20, 0x45, 0x60,
                                     0x7f, 0x80, 0xfe, 0xff };
  struct packet packets[3];
  int n_decoded = 0;

  build_icmp4_error (&packets[0], true, 11, 0, IPPROTO_UDP, LAYOUT_RFC4884,
                     CHECKSUM_GOOD);
  build_icmp4_error (&packets[1], true, 11, 0, IPPROTO_TCP,
                     LAYOUT_COMPATIBLE, CHECKSUM_NONE);
  build_icmp6_error (&packets[2], 1, 0, IPPROTO_ICMPV6, LAYOUT_RFC4884,
                     CHECKSUM_GOOD);

  for (gsize p = 0; p < G_N_ELEMENTS (packets); p++)
    for (size_t i = 0; i < packets[p].length; i++)
      for (gsize v = 0; v < G_N_ELEMENTS (values); v++)
        {
          size_t length = packets[p].length;
          uint8_t *copy = malloc (length);
          struct decoded_packet decoded;
          bool ok = false;

          memcpy (copy, packets[p].bytes, length);
          copy[i] = values[v];
          if (p < 2)
            ok = decode_icmp4 (copy, length, true, &decoded);
          else
            ok = decode_icmp6 (copy, length, &decoded);
          if (ok)
            {
              check_invariants (&decoded);
              n_decoded++;
            }
          free (copy);
        }

  /* Most changes leave a packet that still decodes; a decoder that
   * refused everything would pass the checks above for nothing. */
  g_assert_cmpint (n_decoded, >, 1000);
}

/* Random bytes, with the first few made plausible so that the decoder
 * gets past its first checks now and then. */
static void
test_random (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (4884);
  int n_quotes = 0;

  for (int round = 0; round < 20000; round++)
    {
      size_t length = (size_t) g_rand_int_range (rand, 0, 400);
      uint8_t *bytes = malloc (length);
      struct decoded_packet decoded;
      struct quoted_probe quote;
      struct mpls_label labels[PROBE_MAX_MPLS_LABELS];

      for (size_t i = 0; i < length; i++)
        bytes[i] = (uint8_t) g_rand_int (rand);
      if (length > 0)
        bytes[0] = (uint8_t) (g_rand_boolean (rand) ? 11 : 3);
      if (length > 17)
        {
          bytes[8] = (uint8_t) (g_rand_boolean (rand) ? 0x45 : 0x60);
          if (bytes[8] == 0x45)
            {
              bytes[14] = 0;
              bytes[15] = 0;
              bytes[17] = IPPROTO_UDP;
            }
          else
            bytes[14] = IPPROTO_TCP;
        }

      if (decode_icmp4 (bytes, length, false, &decoded))
        {
          check_invariants (&decoded);
          n_quotes += decoded.has_quote;
        }
      if (decode_icmp6 (bytes, length, &decoded))
        {
          check_invariants (&decoded);
          n_quotes += decoded.has_quote;
        }
      if (decode_icmp4 (bytes, length, true, &decoded))
        check_invariants (&decoded);
      decode_quote (AF_INET, IPPROTO_UDP, bytes, length, true, &quote);
      decode_quote (AF_INET6, IPPROTO_TCP, bytes, length, false, &quote);
      g_assert_cmpint (decode_mpls_extensions (bytes, length, labels,
                                               PROBE_MAX_MPLS_LABELS),
                       <=, PROBE_MAX_MPLS_LABELS);
      free (bytes);
    }

  g_assert_cmpint (n_quotes, >, 0);
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Hopscope/ProbeDecode/icmp4-echo-reply",
                   test_icmp4_echo_reply);
  g_test_add_func ("/Hopscope/ProbeDecode/icmp4-time-exceeded",
                   test_icmp4_time_exceeded);
  g_test_add_func ("/Hopscope/ProbeDecode/icmp4-unreachable",
                   test_icmp4_unreachable);
  g_test_add_func ("/Hopscope/ProbeDecode/icmp4-header-checks",
                   test_icmp4_header_checks);
  g_test_add_func ("/Hopscope/ProbeDecode/icmp4-options", test_icmp4_options);
  g_test_add_func ("/Hopscope/ProbeDecode/icmp4-bad-quotes",
                   test_icmp4_bad_quotes);
  g_test_add_func ("/Hopscope/ProbeDecode/icmp4-mpls", test_icmp4_mpls);
  g_test_add_func ("/Hopscope/ProbeDecode/icmp4-mpls-compatible",
                   test_icmp4_mpls_compatible);
  g_test_add_func ("/Hopscope/ProbeDecode/icmp6-echo-reply",
                   test_icmp6_echo_reply);
  g_test_add_func ("/Hopscope/ProbeDecode/icmp6-errors", test_icmp6_errors);
  g_test_add_func ("/Hopscope/ProbeDecode/icmp6-bad-quotes",
                   test_icmp6_bad_quotes);
  g_test_add_func ("/Hopscope/ProbeDecode/icmp6-mpls", test_icmp6_mpls);
  g_test_add_func ("/Hopscope/ProbeDecode/quote-without-ip",
                   test_quote_without_ip);
  g_test_add_func ("/Hopscope/ProbeDecode/mpls-extensions",
                   test_mpls_extensions);
  g_test_add_func ("/Hopscope/ProbeDecode/truncated", test_truncated);
  g_test_add_func ("/Hopscope/ProbeDecode/mutated", test_mutated);
  g_test_add_func ("/Hopscope/ProbeDecode/random", test_random);

  return g_test_run ();
}
