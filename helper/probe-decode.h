/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* Decoding of the ICMP and ICMPv6 packets the helper receives.
 *
 * Everything here comes from the network and is untrusted: every length is
 * checked before it is used, and a packet that does not hold together is
 * refused rather than guessed at.  The unit does no system calls, so it can
 * be fuzzed on its own. */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "probe-command.h"

/* What an ICMP error quotes of the probe that caused it: enough of the
 * original IP header and of its transport header to find the probe. */
struct quoted_probe
{
  int family;                  /* AF_INET or AF_INET6 */
  int protocol;                /* IPPROTO_ICMP, _ICMPV6, _UDP, _TCP, _SCTP */
  union
  {
    struct in_addr v4;
    struct in6_addr v6;
  } source, destination;
  uint16_t ip_id;              /* IPv4 identification, 0 for IPv6 */
  /* For UDP, TCP and SCTP probes. */
  uint16_t source_port;
  uint16_t destination_port;
  uint32_t tcp_sequence;       /* TCP only, when the quote is long enough */
  bool has_tcp_sequence;
  uint16_t udp_checksum;       /* UDP only */
  /* For ICMP and ICMPv6 echo requests. */
  uint16_t echo_id;
  uint16_t echo_sequence;
};

typedef enum
{
  DECODED_ECHO_REPLY,          /* an answer to an echo request */
  DECODED_TIME_EXCEEDED,       /* a router on the way: time-to-live ran out */
  DECODED_UNREACHABLE,         /* destination unreachable, see code */
  DECODED_PACKET_TOO_BIG,      /* IPv4 fragmentation needed, IPv6 too big */
  DECODED_OTHER,               /* anything else: ignore it */
} decoded_kind;

struct decoded_packet
{
  decoded_kind kind;
  uint8_t icmp_type;
  uint8_t icmp_code;
  /* The IPv4 source address when the packet starts with an IP header;
   * for IPv6 the caller knows it from recvmsg(). */
  bool has_source;
  struct in_addr source_v4;
  uint8_t received_ttl;        /* IPv4 header TTL, when present */
  /* For DECODED_ECHO_REPLY. */
  uint16_t echo_id;
  uint16_t echo_sequence;
  /* For the error kinds: what the error quotes. */
  bool has_quote;
  struct quoted_probe quote;
  /* For DECODED_PACKET_TOO_BIG: the next hop MTU, 0 when not given. */
  int mtu;
  /* RFC 4950 MPLS label stack from RFC 4884 extensions, if any. */
  int mpls_count;
  struct mpls_label mpls[PROBE_MAX_MPLS_LABELS];
};

/* Decodes an ICMP packet.  With HAS_IP_HEADER (raw sockets) PACKET starts at
 * the IPv4 header; without it (ICMP datagram sockets) at the ICMP header.
 * Returns false for a packet that is too short or does not hold together. */
bool decode_icmp4 (const uint8_t *packet,
                   size_t length,
                   bool has_ip_header,
                   struct decoded_packet *decoded);

/* Decodes an ICMPv6 packet; PACKET starts at the ICMPv6 header, as both raw
 * and datagram ICMPv6 sockets deliver it. */
bool decode_icmp6 (const uint8_t *packet,
                   size_t length,
                   struct decoded_packet *decoded);

/* Decodes the quoted original datagram that IP_RECVERR or IPV6_RECVERR
 * hands back with an error, starting at its IP header when HAS_IP_HEADER,
 * else at its transport header (as datagram sockets return it).  PROTOCOL
 * names that transport when there is no IP header; with one, the header's
 * own protocol field is used and PROTOCOL is ignored.  Only what a probe
 * can be is accepted: an echo request, UDP, TCP or SCTP. */
bool decode_quote (int family,
                   int protocol,
                   const uint8_t *data,
                   size_t length,
                   bool has_ip_header,
                   struct quoted_probe *quote);

/* Parses an RFC 4884 extension structure (version 2, checksummed) and
 * collects the RFC 4950 MPLS label stack objects in it. Returns the number
 * of labels stored, at most MAX; 0 for a structure that does not hold
 * together or whose non-zero checksum is wrong. */
int decode_mpls_extensions (const uint8_t *extensions,
                            size_t length,
                            struct mpls_label *labels,
                            int max);
