/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include "probe-socket.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

#include "probe-table.h"

/* The raw ICMP socket option of <linux/icmp.h>, whose other definitions
 * clash with the C library's: a 32-bit mask of the ICMP types to block. */
#ifndef ICMP_FILTER
#define ICMP_FILTER 1
#endif

/* Big enough for a burst of a thousand answers; the kernel caps it at
 * net.core.rmem_max unless the helper may force it. */
#define RECEIVE_BUFFER_BYTES (4 * 1024 * 1024)

#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

/* A raw TCP socket gets a copy of every TCP segment the host receives.  Only
 * a SYN-ACK or a RST to one of the helper's source ports can answer a
 * probe, so the kernel drops the rest before they are copied.  IPv4 raw
 * sockets see the IP header first; X is loaded with its length. */
static struct sock_filter tcp4_filter_code[] = {
  BPF_STMT (BPF_LDX | BPF_B | BPF_MSH, 0),
  BPF_STMT (BPF_LD | BPF_H | BPF_IND, 2),
  BPF_JUMP (BPF_JMP | BPF_JGE | BPF_K, PROBE_SEQUENCE_FIRST, 0, 5),
  BPF_STMT (BPF_LD | BPF_B | BPF_IND, 13),
  BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, TCP_FLAG_RST, 2, 0),
  BPF_STMT (BPF_ALU | BPF_AND | BPF_K, TCP_FLAG_SYN | TCP_FLAG_ACK),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, 1),
  BPF_STMT (BPF_RET | BPF_K, 0xffff),
  BPF_STMT (BPF_RET | BPF_K, 0),
};

/* IPv6 raw sockets see the packet from its transport header on. */
static struct sock_filter tcp6_filter_code[] = {
  BPF_STMT (BPF_LD | BPF_H | BPF_ABS, 2),
  BPF_JUMP (BPF_JMP | BPF_JGE | BPF_K, PROBE_SEQUENCE_FIRST, 0, 5),
  BPF_STMT (BPF_LD | BPF_B | BPF_ABS, 13),
  BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, TCP_FLAG_RST, 2, 0),
  BPF_STMT (BPF_ALU | BPF_AND | BPF_K, TCP_FLAG_SYN | TCP_FLAG_ACK),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, 1),
  BPF_STMT (BPF_RET | BPF_K, 0xffff),
  BPF_STMT (BPF_RET | BPF_K, 0),
};

/* The raw UDP sockets only send, but would otherwise be handed a copy of
 * every UDP datagram the host receives. */
static struct sock_filter drop_all_code[] = {
  BPF_STMT (BPF_RET | BPF_K, 0),
};

bool
probe_socket_set_int (int fd,
                      int level,
                      int name,
                      int value)
{
  return setsockopt (fd, level, name, &value, sizeof value) == 0;
}

static bool
attach_filter (int fd,
               struct sock_filter *code,
               size_t length)
{
  struct sock_fprog program = {
    .len = (unsigned short) length,
    .filter = code,
  };

  return setsockopt (fd, SOL_SOCKET, SO_ATTACH_FILTER, &program,
                     sizeof program) == 0;
}

/* Every socket that receives answers stamps them with the kernel's receive
 * time, which no later clock read in the loop could match. */
static bool
prepare_receive (int fd)
{
  if (!probe_socket_set_int (fd, SOL_SOCKET, SO_RCVBUFFORCE,
                             RECEIVE_BUFFER_BYTES))
    probe_socket_set_int (fd, SOL_SOCKET, SO_RCVBUF, RECEIVE_BUFFER_BYTES);

  return probe_socket_set_int (fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static void
close_raw (struct probe_sockets *sockets)
{
  close_fd (&sockets->ip4_send);
  close_fd (&sockets->icmp4_receive);
  close_fd (&sockets->tcp4_receive);
  close_fd (&sockets->icmp6);
  close_fd (&sockets->udp6_send);
  close_fd (&sockets->udp6_send_checksummed);
  close_fd (&sockets->tcp6_receive);
}

/* Returns 0 or the errno of the first failure; the caller closes what was
 * opened. */
static int
open_raw4 (struct probe_sockets *sockets)
{
  uint32_t blocked_types = 0;

  if ((sockets->icmp4_receive = socket (AF_INET, SOCK_RAW | SOCK_CLOEXEC,
                                        IPPROTO_ICMP)) < 0)
    return errno;
  if ((sockets->ip4_send = socket (AF_INET, SOCK_RAW | SOCK_CLOEXEC,
                                   IPPROTO_RAW)) < 0)
    return errno;
  if ((sockets->tcp4_receive = socket (AF_INET, SOCK_RAW | SOCK_CLOEXEC,
                                       IPPROTO_TCP)) < 0)
    return errno;

  /* The filter is a mask of the types to block: all but the three that
   * can answer a probe. */
  blocked_types = ~((1U << ICMP_ECHOREPLY) | (1U << ICMP_DEST_UNREACH)
                    | (1U << ICMP_TIME_EXCEEDED));
  if (setsockopt (sockets->icmp4_receive, SOL_RAW, ICMP_FILTER,
                  &blocked_types, sizeof blocked_types) != 0
      || !prepare_receive (sockets->icmp4_receive))
    return errno;

  /* IPPROTO_RAW sockets carry whole packets: the helper writes the header,
   * with the don't-fragment bit set, and the kernel must not refuse a
   * probe bigger than a path MTU it has learnt. */
  if (!probe_socket_set_int (sockets->ip4_send, IPPROTO_IP, IP_HDRINCL, 1)
      || !probe_socket_set_int (sockets->ip4_send, IPPROTO_IP,
                                IP_MTU_DISCOVER, IP_PMTUDISC_PROBE))
    return errno;

  if (!attach_filter (sockets->tcp4_receive, tcp4_filter_code,
                      sizeof tcp4_filter_code / sizeof tcp4_filter_code[0])
      || !prepare_receive (sockets->tcp4_receive))
    return errno;

  return 0;
}

/* IPv6 probes never fragment: PROBE ignores what the kernel learnt of the
 * path MTU, and DONTFRAG makes an oversized probe an error rather than
 * fragments. */
static bool
set_ip6_no_fragments (int fd)
{
  return probe_socket_set_int (fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER,
                               IPV6_PMTUDISC_PROBE)
         && probe_socket_set_int (fd, IPPROTO_IPV6, IPV6_DONTFRAG, 1);
}

static int
open_raw6 (struct probe_sockets *sockets)
{
  struct icmp6_filter icmp6_types;
  size_t drop_all_length = sizeof drop_all_code / sizeof drop_all_code[0];

  if ((sockets->icmp6 = socket (AF_INET6, SOCK_RAW | SOCK_CLOEXEC,
                                IPPROTO_ICMPV6)) < 0)
    return errno;
  if ((sockets->udp6_send = socket (AF_INET6, SOCK_RAW | SOCK_CLOEXEC,
                                    IPPROTO_UDP)) < 0)
    return errno;
  if ((sockets->udp6_send_checksummed = socket (AF_INET6,
                                                SOCK_RAW | SOCK_CLOEXEC,
                                                IPPROTO_UDP)) < 0)
    return errno;
  if ((sockets->tcp6_receive = socket (AF_INET6, SOCK_RAW | SOCK_CLOEXEC,
                                       IPPROTO_TCP)) < 0)
    return errno;

  ICMP6_FILTER_SETBLOCKALL (&icmp6_types);
  ICMP6_FILTER_SETPASS (ICMP6_ECHO_REPLY, &icmp6_types);
  ICMP6_FILTER_SETPASS (ICMP6_DST_UNREACH, &icmp6_types);
  ICMP6_FILTER_SETPASS (ICMP6_PACKET_TOO_BIG, &icmp6_types);
  ICMP6_FILTER_SETPASS (ICMP6_TIME_EXCEEDED, &icmp6_types);
  if (setsockopt (sockets->icmp6, IPPROTO_ICMPV6, ICMP6_FILTER, &icmp6_types,
                  sizeof icmp6_types) != 0
      || !prepare_receive (sockets->icmp6)
      || !set_ip6_no_fragments (sockets->icmp6))
    return errno;

  /* The kernel fills in the UDP checksum at offset 6 on one socket; on the
   * other the helper computes it, to make it the probe's sequence. */
  if (!probe_socket_set_int (sockets->udp6_send, IPPROTO_IPV6, IPV6_CHECKSUM,
                             6)
      || !attach_filter (sockets->udp6_send, drop_all_code, drop_all_length)
      || !set_ip6_no_fragments (sockets->udp6_send))
    return errno;
  if (!attach_filter (sockets->udp6_send_checksummed, drop_all_code,
                      drop_all_length)
      || !set_ip6_no_fragments (sockets->udp6_send_checksummed))
    return errno;

  if (!attach_filter (sockets->tcp6_receive, tcp6_filter_code,
                      sizeof tcp6_filter_code / sizeof tcp6_filter_code[0])
      || !prepare_receive (sockets->tcp6_receive))
    return errno;

  return 0;
}

static bool
is_permission_error (int error_number)
{
  return error_number == EPERM || error_number == EACCES;
}

static bool
is_missing_family (int error_number)
{
  return error_number == EAFNOSUPPORT || error_number == EPROTONOSUPPORT;
}

static void
report_family (const char *family,
               int error_number)
{
  if (error_number != 0 && !is_missing_family (error_number))
    fprintf (stderr, "hopscope-probe: cannot open the %s sockets: %s\n",
             family, strerror (error_number));
}

/* Without a privilege, whether ICMP datagram sockets are allowed depends on
 * the group, which stays the same when the helper has nothing to drop; one
 * is opened and closed to find out.
 * TODO: Root without CAP_NET_RAW (in some containers) is told ICMP works,
 * but becomes nobody, whose group net.ipv4.ping_group_range may leave out:
 * its ICMP probes then fail with "permission-denied". */
static void
check_datagram_icmp (struct probe_sockets *sockets)
{
  int fd = -1;

  if ((fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP)) >= 0)
    {
      sockets->has_icmp4 = true;
      close (fd);
    }

  if ((fd = socket (AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC,
                    IPPROTO_ICMPV6)) >= 0)
    {
      sockets->has_icmp6 = true;
      close (fd);
    }
}

bool
probe_sockets_open (struct probe_sockets *sockets)
{
  int error4 = 0;
  int error6 = 0;

  memset (sockets, 0, sizeof *sockets);
  sockets->ip4_send = sockets->icmp4_receive = sockets->tcp4_receive = -1;
  sockets->icmp6 = sockets->udp6_send = sockets->udp6_send_checksummed = -1;
  sockets->tcp6_receive = sockets->route4 = sockets->route6 = -1;
  sockets->echo_id = (uint16_t) getpid ();

  /* Raw sockets for both families, or for neither: the privilege that
   * opens one opens the other, so a refusal means datagram mode. */
  sockets->kind = PROBE_SOCKET_RAW;
  error4 = open_raw4 (sockets);
  error6 = open_raw6 (sockets);
  if (is_permission_error (error4) || is_permission_error (error6))
    {
      close_raw (sockets);
      sockets->kind = PROBE_SOCKET_DATAGRAM;
      error4 = error6 = 0;
      check_datagram_icmp (sockets);
    }

  if ((sockets->route4 = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC,
                                 IPPROTO_UDP)) < 0 && error4 == 0)
    error4 = errno;
  if ((sockets->route6 = socket (AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC,
                                 IPPROTO_UDP)) < 0 && error6 == 0)
    error6 = errno;

  sockets->has_ip4 = error4 == 0;
  sockets->has_ip6 = error6 == 0;
  if (sockets->kind == PROBE_SOCKET_RAW)
    {
      sockets->has_icmp4 = sockets->has_ip4;
      sockets->has_icmp6 = sockets->has_ip6;
    }
  else
    {
      sockets->has_icmp4 = sockets->has_icmp4 && sockets->has_ip4;
      sockets->has_icmp6 = sockets->has_icmp6 && sockets->has_ip6;
    }

  /* A family that failed halfway keeps nothing open. */
  if (!sockets->has_ip4)
    {
      close_fd (&sockets->ip4_send);
      close_fd (&sockets->icmp4_receive);
      close_fd (&sockets->tcp4_receive);
      close_fd (&sockets->route4);
      report_family ("IPv4", error4);
    }
  if (!sockets->has_ip6)
    {
      close_fd (&sockets->icmp6);
      close_fd (&sockets->udp6_send);
      close_fd (&sockets->udp6_send_checksummed);
      close_fd (&sockets->tcp6_receive);
      close_fd (&sockets->route6);
      report_family ("IPv6", error6);
    }

  if (!sockets->has_ip4 && !sockets->has_ip6)
    {
      fprintf (stderr, "hopscope-probe: no socket for IPv4 or IPv6 could be "
                       "opened\n");
      return false;
    }

  return true;
}
