/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* The sockets the helper opens while it may still hold a privilege.
 *
 * With CAP_NET_RAW (or as root) the helper works with raw sockets: one a
 * family receives every ICMP message that reaches the host, one sends
 * crafted IPv4 packets, raw UDP sockets send IPv6 UDP probes, and raw TCP
 * sockets see the targets' answers to TCP probes.  Without it, the helper
 * falls back to what Linux allows anyone: ICMP datagram ("ping") sockets,
 * if net.ipv4.ping_group_range lets the user in, and UDP sockets that hand
 * back ICMP errors through their error queue.  Those are opened one a probe,
 * later, since they need no privilege. */

#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef enum
{
  PROBE_SOCKET_RAW,
  PROBE_SOCKET_DATAGRAM,
} probe_socket_kind;

struct probe_sockets
{
  probe_socket_kind kind;

  /* What can be probed. */
  bool has_ip4;
  bool has_ip6;
  bool has_icmp4;
  bool has_icmp6;

  /* Raw sockets; -1 in datagram mode or when the family is missing. */
  int ip4_send;              /* IPPROTO_RAW: whole IPv4 ICMP and UDP probes */
  int icmp4_receive;         /* every ICMP message to this host */
  int tcp4_receive;          /* SYN-ACK and RST segments to our ports */
  int icmp6;                 /* ICMPv6 probes out, ICMPv6 messages in */
  int udp6_send;             /* UDP probes, checksummed by the kernel */
  int udp6_send_checksummed; /* UDP probes whose checksum is the sequence */
  int tcp6_receive;

  /* Unconnected UDP sockets, in both modes: connect() on them tells which
   * source address the kernel would choose, and they answer interface
   * index queries. */
  int route4;
  int route6;

  /* Raw mode: the identifier of the helper's echo requests. */
  uint16_t echo_id;
};

/* Opens every socket the helper will keep.  Returns false, with the reason
 * on standard error, when neither IPv4 nor IPv6 can be probed. */
bool probe_sockets_open (struct probe_sockets *sockets);

/* Sets an integer socket option; false with errno set on failure. */
bool probe_socket_set_int (int fd,
                           int level,
                           int name,
                           int value);
