/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* Sending probes.
 *
 * With raw sockets, ICMP and UDP probes are whole packets written here and
 * sent on the shared raw sockets; TCP probes are non-blocking connects from
 * a socket of their own.  Without raw sockets every probe has a datagram
 * socket of its own, whose error queue brings back what the path says. */

#include "probe-state.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* Where traceroute has always sent UDP probes, and a port a TCP probe
 * with none can expect to find answered. */
#define UDP_DEFAULT_PORT 33434
#define TCP_DEFAULT_PORT 80

#define IP4_HEADER_LENGTH 20
#define IP6_HEADER_LENGTH 40
/* An ICMP echo header and a UDP header are both eight bytes. */
#define TRANSPORT_HEADER_LENGTH 8
/* The payload bytes that make a UDP checksum come out as the sequence. */
#define CHECKSUM_ADJUSTMENT_LENGTH 2
#define IP4_DONT_FRAGMENT 0x4000

/* A TCP probe's source port is its sequence number; if something else
 * holds that port, the probe takes the next numbers in turn. */
#define TCP_BIND_ATTEMPTS 16

static uint8_t packet[PROBE_MAX_SIZE] __attribute__ ((aligned (8)));

union probe_address
{
  struct sockaddr address;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
  struct sockaddr_storage storage;
};

/* Room for a packet info, two integers and a mark. */
union probe_control
{
  char bytes[CMSG_SPACE (sizeof (struct in6_pktinfo))
             + 2 * CMSG_SPACE (sizeof (int))
             + CMSG_SPACE (sizeof (uint32_t))];
  struct cmsghdr alignment;
};

static socklen_t
address_length (int family)
{
  return family == AF_INET ? sizeof (struct sockaddr_in)
                           : sizeof (struct sockaddr_in6);
}

static void
put_u16 (uint8_t *p,
         unsigned int value)
{
  p[0] = (uint8_t) (value >> 8);
  p[1] = (uint8_t) value;
}

/* The ones' complement sum of DATA as 16-bit words, added to SUM; the
 * caller folds it.  Even 64 KiB of 0xffff words cannot overflow it. */
static uint64_t
sum_words (const uint8_t *data,
           size_t length,
           uint64_t sum)
{
  size_t i = 0;

  for (i = 0; i + 1 < length; i += 2)
    sum += (uint32_t) data[i] << 8 | data[i + 1];
  if (i < length)
    sum += (uint32_t) data[i] << 8;

  return sum;
}

static uint16_t
fold_sum (uint64_t sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);

  return (uint16_t) sum;
}

/* The sum of the pseudo-header a UDP checksum covers. */
static uint64_t
pseudo_header_sum (int family,
                   const void *source,
                   const void *destination,
                   size_t udp_length)
{
  size_t address_bytes = family == AF_INET ? 4 : 16;
  uint64_t sum = 0;

  sum = sum_words (source, address_bytes, sum);
  sum = sum_words (destination, address_bytes, sum);
  return sum + IPPROTO_UDP + udp_length;
}

/* Makes the checksum of the UDP datagram at UDP come out as SEQUENCE, by
 * choosing the first two bytes of its payload: a probe sent from a fixed
 * source port still carries its sequence number in what routers quote. */
static void
checksum_as_sequence (uint8_t *udp,
                      size_t length,
                      uint64_t pseudo_sum,
                      uint16_t sequence)
{
  uint16_t partial = 0;
  uint16_t adjustment = 0;

  put_u16 (udp + 6, 0);
  put_u16 (udp + TRANSPORT_HEADER_LENGTH, 0);
  partial = fold_sum (sum_words (udp, length, pseudo_sum));

  /* The receiver adds everything, checksum included, and wants 0xffff;
   * with the checksum fixed, the adjustment is what is left to add. */
  adjustment = (uint16_t) ~fold_sum ((uint64_t) partial + sequence);
  put_u16 (udp + TRANSPORT_HEADER_LENGTH, adjustment);
  put_u16 (udp + 6, sequence);
}

static void
write_echo_request (uint8_t *icmp,
                    size_t length,
                    uint8_t type,
                    uint16_t identifier,
                    uint16_t sequence,
                    bool with_checksum)
{
  icmp[0] = type;
  icmp[1] = 0;
  put_u16 (icmp + 2, 0);
  put_u16 (icmp + 4, identifier);
  put_u16 (icmp + 6, sequence);

  /* ICMPv6 checksums cover a pseudo-header, so the kernel computes them. */
  if (with_checksum)
    put_u16 (icmp + 2, (uint16_t) ~fold_sum (sum_words (icmp, length, 0)));
}

static void
write_udp_header (uint8_t *udp,
                  size_t length,
                  const struct probe_entry *entry)
{
  put_u16 (udp, entry->source_port);
  put_u16 (udp + 2, entry->target_port);
  put_u16 (udp + 4, (unsigned int) length);
  put_u16 (udp + 6, 0);
}

static size_t
probe_size (const struct probe_request *request,
            size_t minimum)
{
  if (request->size < 0 || (size_t) request->size < minimum)
    return minimum;

  return (size_t) request->size;
}

static void
mark_sent (struct probe_entry *entry,
           const struct probe_request *request,
           int64_t sent_ns)
{
  entry->sent_ns = sent_ns;
  entry->deadline_ns = probe_clock_ns (CLOCK_MONOTONIC)
                       + (int64_t) request->timeout_seconds
                           * PROBE_NS_PER_SECOND;
}

static void
fill_target (struct probe_entry *entry,
             const struct probe_request *request)
{
  entry->family = request->family;
  entry->protocol = request->protocol;

  memcpy (&entry->target, &request->target, address_length (request->family));
  if (request->family == AF_INET)
    entry->target.v4.sin_port = 0;
  else
    entry->target.v6.sin6_port = 0;

  if (request->protocol == PROBE_PROTOCOL_UDP)
    entry->target_port = request->port != 0 ? request->port : UDP_DEFAULT_PORT;
  else if (request->protocol == PROBE_PROTOCOL_TCP)
    entry->target_port = request->port != 0 ? request->port : TCP_DEFAULT_PORT;

  /* Only a UDP probe leaves from a local port asked for, as in
   * mtr-packet; its sequence then travels in the checksum. */
  if (request->protocol == PROBE_PROTOCOL_UDP)
    {
      entry->by_checksum = request->local_port != 0;
      entry->source_port = entry->by_checksum ? (uint16_t) request->local_port
                                              : entry->sequence;
    }
}

static void
target_with_port (const struct probe_entry *entry,
                  union probe_address *address)
{
  memset (address, 0, sizeof *address);
  memcpy (address, &entry->target, address_length (entry->family));
  if (entry->family == AF_INET)
    address->v4.sin_port = htons (entry->target_port);
  else
    address->v6.sin6_port = htons (entry->target_port);
}

/* A local address is checked once with bind(), which tells a foreign
 * address from one of this host's, and remembered until another comes. */
static int
check_local_address (struct probe_state *state,
                     const struct probe_request *request)
{
  int slot = request->family == AF_INET6;
  socklen_t length = address_length (request->family);
  union probe_address local = { 0 };
  int fd = -1;
  int error_number = 0;

  if (!request->has_local_address)
    return 0;

  memcpy (&local, &request->local_address, length);
  if (request->family == AF_INET)
    local.v4.sin_port = 0;
  else
    local.v6.sin6_port = 0;

  if (state->has_checked_local[slot]
      && memcmp (&state->checked_local[slot], &local, length) == 0)
    return 0;

  if ((fd = socket (request->family, SOCK_DGRAM | SOCK_CLOEXEC,
                    IPPROTO_UDP)) < 0)
    return errno;
  if (bind (fd, &local.address, length) != 0)
    error_number = errno;
  close (fd);
  if (error_number != 0)
    return error_number;

  memcpy (&state->checked_local[slot], &local, length);
  state->has_checked_local[slot] = true;
  return 0;
}

/* The interface to send from, for the shared raw sockets: binding them to
 * a device would bind every later probe too, so the device is named per
 * packet instead, by its index. */
static int
find_device (struct probe_state *state,
             const struct probe_request *request,
             int *index)
{
  struct ifreq interface = { 0 };
  int fd = state->sockets.route4 >= 0 ? state->sockets.route4
                                      : state->sockets.route6;

  *index = 0;
  if (request->local_device[0] == '\0')
    return 0;

  memcpy (interface.ifr_name, request->local_device,
          strnlen (request->local_device, IF_NAMESIZE - 1));
  if (ioctl (fd, SIOCGIFINDEX, &interface) != 0)
    return errno;

  *index = interface.ifr_ifindex;
  return 0;
}

/* The source address the kernel will give a packet to the target: a UDP
 * checksum covers it, so a probe whose checksum is its sequence needs it
 * before it is sent.
 * TODO: A probe that also names a device may be routed from another
 * source address than the one this finds without the device. */
static int
find_source (int route_fd,
             const struct probe_entry *entry,
             union probe_address *source)
{
  union probe_address target = { 0 };
  socklen_t length = sizeof *source;

  target_with_port (entry, &target);
  if (connect (route_fd, &target.address, address_length (entry->family))
      != 0)
    return errno;

  memset (source, 0, sizeof *source);
  if (getsockname (route_fd, &source->address, &length) != 0)
    return errno;

  return 0;
}

static void *
add_control (union probe_control *control,
             size_t *used,
             int level,
             int type,
             const void *data,
             size_t length)
{
  struct cmsghdr *header = (struct cmsghdr *) (control->bytes + *used);

  header->cmsg_level = level;
  header->cmsg_type = type;
  header->cmsg_len = CMSG_LEN (length);
  memcpy (CMSG_DATA (header), data, length);
  *used += CMSG_SPACE (length);
  return CMSG_DATA (header);
}

/* Sends LENGTH bytes of the packet buffer on a shared raw socket.  What a
 * crafted IPv4 header cannot say (the interface, the mark) and what an IPv6
 * raw socket takes per packet (hop limit, traffic class, source) travel as
 * control messages. */
static int
send_raw (int fd,
          size_t length,
          struct probe_entry *entry,
          const struct probe_request *request,
          int device_index,
          const struct in6_addr *source6)
{
  union probe_control control = { 0 };
  size_t control_used = 0;
  struct iovec vector = { packet, length };
  struct msghdr message = { 0 };
  int64_t sent_ns = 0;

  if (entry->family == AF_INET6)
    {
      struct in6_pktinfo info = { 0 };

      add_control (&control, &control_used, IPPROTO_IPV6, IPV6_HOPLIMIT,
                   &request->ttl, sizeof request->ttl);
      add_control (&control, &control_used, IPPROTO_IPV6, IPV6_TCLASS,
                   &request->tos, sizeof request->tos);

      info.ipi6_ifindex = (unsigned int) device_index;
      if (source6 != NULL)
        info.ipi6_addr = *source6;
      if (device_index != 0 || source6 != NULL)
        add_control (&control, &control_used, IPPROTO_IPV6, IPV6_PKTINFO,
                     &info, sizeof info);
    }
  else if (device_index != 0)
    {
      struct in_pktinfo info = { 0 };

      info.ipi_ifindex = device_index;
      add_control (&control, &control_used, IPPROTO_IP, IP_PKTINFO, &info,
                   sizeof info);
    }

  /* Setting a mark takes a capability the helper no longer has; the
   * kernel says so, and the caller hears "permission-denied". */
  if (request->has_mark)
    add_control (&control, &control_used, SOL_SOCKET, SO_MARK, &request->mark,
                 sizeof request->mark);

  message.msg_name = &entry->target;
  message.msg_namelen = address_length (entry->family);
  message.msg_iov = &vector;
  message.msg_iovlen = 1;
  message.msg_control = control_used > 0 ? control.bytes : NULL;
  message.msg_controllen = control_used;

  sent_ns = probe_clock_ns (CLOCK_REALTIME);
  if (sendmsg (fd, &message, 0) < 0)
    return errno;

  mark_sent (entry, request, sent_ns);
  return 0;
}

static int
send_raw4 (struct probe_state *state,
           struct probe_entry *entry,
           const struct probe_request *request)
{
  bool udp = request->protocol == PROBE_PROTOCOL_UDP;
  uint8_t *transport = packet + IP4_HEADER_LENGTH;
  union probe_address found = { 0 };
  struct in_addr source = { 0 };
  size_t minimum = IP4_HEADER_LENGTH + TRANSPORT_HEADER_LENGTH;
  size_t size = 0;
  int device_index = 0;
  int error_number = 0;

  if ((error_number = find_device (state, request, &device_index)) != 0)
    return error_number;

  /* The source stays 0.0.0.0, for the kernel to fill in, unless it was
   * asked for or the checksum needs it. */
  if (request->has_local_address)
    {
      memcpy (&found, &request->local_address, sizeof found.v4);
      source = found.v4.sin_addr;
    }
  else if (entry->by_checksum)
    {
      if ((error_number = find_source (state->sockets.route4, entry, &found))
          != 0)
        return error_number;
      source = found.v4.sin_addr;
    }

  if (entry->by_checksum)
    minimum += CHECKSUM_ADJUSTMENT_LENGTH;
  size = probe_size (request, minimum);

  /* The header: version and length, type of service, total length, the
   * sequence as identification, don't fragment, time-to-live, protocol;
   * the kernel fills in the header checksum. */
  packet[0] = 0x45;
  packet[1] = (uint8_t) request->tos;
  put_u16 (packet + 2, (unsigned int) size);
  put_u16 (packet + 4, entry->sequence);
  put_u16 (packet + 6, IP4_DONT_FRAGMENT);
  packet[8] = (uint8_t) request->ttl;
  packet[9] = udp ? IPPROTO_UDP : IPPROTO_ICMP;
  put_u16 (packet + 10, 0);
  memcpy (packet + 12, &source, 4);
  memcpy (packet + 16, &entry->target.v4.sin_addr, 4);

  memset (transport + TRANSPORT_HEADER_LENGTH, request->bit_pattern,
          size - IP4_HEADER_LENGTH - TRANSPORT_HEADER_LENGTH);

  /* Without a fixed source port, an IPv4 UDP probe goes without a checksum
   * (RFC 768 allows it), which saves finding the source address. */
  if (udp)
    {
      write_udp_header (transport, size - IP4_HEADER_LENGTH, entry);
      if (entry->by_checksum)
        checksum_as_sequence (transport, size - IP4_HEADER_LENGTH,
                              pseudo_header_sum (AF_INET, &source,
                                                 &entry->target.v4.sin_addr,
                                                 size - IP4_HEADER_LENGTH),
                              entry->sequence);
    }
  else
    {
      write_echo_request (transport, size - IP4_HEADER_LENGTH, ICMP_ECHO,
                          state->sockets.echo_id, entry->sequence, true);
    }

  return send_raw (state->sockets.ip4_send, size, entry, request,
                   device_index, NULL);
}

static int
send_raw6 (struct probe_state *state,
           struct probe_entry *entry,
           const struct probe_request *request)
{
  bool udp = request->protocol == PROBE_PROTOCOL_UDP;
  union probe_address found = { 0 };
  struct in6_addr source = IN6ADDR_ANY_INIT;
  bool has_source = false;
  size_t minimum = IP6_HEADER_LENGTH + TRANSPORT_HEADER_LENGTH;
  size_t length = 0;
  int device_index = 0;
  int fd = state->sockets.icmp6;
  int error_number = 0;

  if ((error_number = find_device (state, request, &device_index)) != 0)
    return error_number;

  if (request->has_local_address)
    {
      memcpy (&found, &request->local_address, sizeof found.v6);
      source = found.v6.sin6_addr;
      has_source = true;
    }
  else if (entry->by_checksum)
    {
      if ((error_number = find_source (state->sockets.route6, entry, &found))
          != 0)
        return error_number;
      source = found.v6.sin6_addr;
      has_source = true;
    }

  if (entry->by_checksum)
    minimum += CHECKSUM_ADJUSTMENT_LENGTH;
  length = probe_size (request, minimum) - IP6_HEADER_LENGTH;

  memset (packet + TRANSPORT_HEADER_LENGTH, request->bit_pattern,
          length - TRANSPORT_HEADER_LENGTH);

  if (udp)
    {
      write_udp_header (packet, length, entry);
      fd = state->sockets.udp6_send;
      if (entry->by_checksum)
        {
          checksum_as_sequence (packet, length,
                                pseudo_header_sum (AF_INET6, &source,
                                                   &entry->target.v6.sin6_addr,
                                                   length),
                                entry->sequence);
          fd = state->sockets.udp6_send_checksummed;
        }
    }
  else
    {
      write_echo_request (packet, length, ICMP6_ECHO_REQUEST,
                          state->sockets.echo_id, entry->sequence, false);
    }

  return send_raw (fd, length, entry, request, device_index,
                   has_source ? &source : NULL);
}

/* The options of a socket that is one probe's own.  A new socket already
 * has a type of service of zero, and a TCP SYN is far too small for the
 * path MTU to matter, so those are set only when they change something. */
static int
set_probe_options (int fd,
                   const struct probe_request *request,
                   bool datagram)
{
  bool v4 = request->family == AF_INET;
  int level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
  size_t device_length = strnlen (request->local_device, IF_NAMESIZE);

  if (!probe_socket_set_int (fd, level, v4 ? IP_TTL : IPV6_UNICAST_HOPS,
                             request->ttl))
    return errno;
  if (request->tos != 0
      && !probe_socket_set_int (fd, level, v4 ? IP_TOS : IPV6_TCLASS,
                                request->tos))
    return errno;
  if (datagram
      && (v4 ? !probe_socket_set_int (fd, level, IP_MTU_DISCOVER,
                                      IP_PMTUDISC_PROBE)
             : !probe_socket_set_int (fd, level, IPV6_MTU_DISCOVER,
                                      IPV6_PMTUDISC_PROBE)
                 || !probe_socket_set_int (fd, level, IPV6_DONTFRAG, 1)))
    return errno;

  if (request->has_mark
      && setsockopt (fd, SOL_SOCKET, SO_MARK, &request->mark,
                     sizeof request->mark) != 0)
    return errno;

  if (device_length > 0
      && setsockopt (fd, SOL_SOCKET, SO_BINDTODEVICE, request->local_device,
                     (socklen_t) device_length) != 0)
    return errno;

  return 0;
}

static void
local_with_port (const struct probe_request *request,
                 int port,
                 union probe_address *local)
{
  memset (local, 0, sizeof *local);
  if (request->has_local_address)
    memcpy (local, &request->local_address, address_length (request->family));

  local->address.sa_family = (sa_family_t) request->family;
  if (request->family == AF_INET)
    local->v4.sin_port = htons ((uint16_t) port);
  else
    local->v6.sin6_port = htons ((uint16_t) port);
}

/* A TCP probe is a connect() that the network answers: a SYN-ACK or a RST
 * from the target (seen on the raw TCP socket), or an ICMP error from the
 * path quoting the source port.  The socket waits in the table, unread,
 * until then.  Its source port is its sequence number, so a local port
 * asked for is not used: mtr-packet too takes it for UDP probes only.
 * TODO: The kernel retransmits an unanswered SYN after a second (once,
 * with TCP_SYNCNT 1), and an answer to the copy is timed from the first. */
static int
send_tcp (struct probe_state *state,
          struct probe_entry **entry_inout,
          const struct probe_request *request)
{
  struct probe_entry *entry = *entry_inout;
  struct linger reset_on_close = { 1, 0 };
  union probe_address local = { 0 };
  union probe_address target = { 0 };
  int64_t sent_ns = 0;
  int error_number = 0;
  int fd = -1;

  if ((fd = socket (request->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    IPPROTO_TCP)) < 0)
    return errno;
  entry->fd = fd;
  if ((error_number = set_probe_options (fd, request, false)) != 0)
    return error_number;

  /* Closing with a reset frees the port at once, and tells a target that
   * accepted the connection that nothing will come; one SYN retry is the
   * fewest the kernel allows. */
  if (setsockopt (fd, SOL_SOCKET, SO_LINGER, &reset_on_close,
                  sizeof reset_on_close) != 0
      || !probe_socket_set_int (fd, IPPROTO_TCP, TCP_SYNCNT, 1))
    return errno;

  for (int attempt = 1;; attempt++)
    {
      local_with_port (request, entry->sequence, &local);
      if (bind (fd, &local.address, address_length (request->family)) == 0)
        break;
      if (errno != EADDRINUSE || attempt >= TCP_BIND_ATTEMPTS)
        return errno;

      entry = *entry_inout = probe_table_renumber (&state->table, entry);
    }

  target_with_port (entry, &target);
  sent_ns = probe_clock_ns (CLOCK_REALTIME);
  if (connect (fd, &target.address, address_length (request->family)) != 0
      && errno != EINPROGRESS && errno != ECONNREFUSED)
    return errno;

  mark_sent (entry, request, sent_ns);
  return 0;
}

/* Without raw sockets: a ping socket or a UDP socket for this probe alone,
 * reporting the path's ICMP errors on its error queue. */
static int
send_datagram (struct probe_state *state,
               struct probe_entry *entry,
               const struct probe_request *request)
{
  bool v4 = request->family == AF_INET;
  bool udp = request->protocol == PROBE_PROTOCOL_UDP;
  int protocol = udp ? IPPROTO_UDP : v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
  size_t ip_header = v4 ? IP4_HEADER_LENGTH : IP6_HEADER_LENGTH;
  size_t length = probe_size (request, ip_header + TRANSPORT_HEADER_LENGTH)
                  - ip_header;
  struct epoll_event event = { 0 };
  union probe_address local = { 0 };
  union probe_address target = { 0 };
  int64_t sent_ns = 0;
  int error_number = 0;
  int fd = -1;

  if ((fd = socket (request->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    protocol)) < 0)
    return errno;
  entry->fd = fd;

  if (!probe_socket_set_int (fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
                             v4 ? IP_RECVERR : IPV6_RECVERR, 1)
      || !probe_socket_set_int (fd, SOL_SOCKET, SO_TIMESTAMPNS, 1))
    return errno;
  if ((error_number = set_probe_options (fd, request, true)) != 0)
    return error_number;

  if (request->has_local_address || (udp && request->local_port != 0))
    {
      local_with_port (request, udp ? request->local_port : 0, &local);
      if (bind (fd, &local.address, address_length (request->family)) != 0)
        return errno;
    }

  /* The kernel puts its own identifier in an echo request from a ping
   * socket, and computes the checksum. */
  if (udp)
    {
      memset (packet, request->bit_pattern, length - TRANSPORT_HEADER_LENGTH);
      length -= TRANSPORT_HEADER_LENGTH;
    }
  else
    {
      memset (packet + TRANSPORT_HEADER_LENGTH, request->bit_pattern,
              length - TRANSPORT_HEADER_LENGTH);
      write_echo_request (packet, length, v4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST,
                          0, entry->sequence, false);
    }

  event.events = EPOLLIN;
  event.data.u64 = probe_event_data (PROBE_EVENT_PROBE_SOCKET,
                                     entry->sequence);
  if (epoll_ctl (state->epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0)
    return errno;

  target_with_port (entry, &target);
  sent_ns = probe_clock_ns (CLOCK_REALTIME);
  if (sendto (fd, packet, length, 0, &target.address,
              address_length (request->family)) < 0)
    return errno;

  mark_sent (entry, request, sent_ns);
  return 0;
}

static void
probe_send (struct probe_state *state,
            long token,
            const struct probe_request *request)
{
  struct probe_entry *entry = NULL;
  int error_number = 0;

  if ((entry = probe_table_reserve (&state->table)) == NULL)
    {
      probe_output_word (state, token, "probes-exhausted");
      return;
    }
  entry->token = token;
  fill_target (entry, request);

  error_number = check_local_address (state, request);
  if (error_number == 0)
    {
      if (request->protocol == PROBE_PROTOCOL_TCP)
        error_number = send_tcp (state, &entry, request);
      else if (state->sockets.kind == PROBE_SOCKET_DATAGRAM)
        error_number = send_datagram (state, entry, request);
      else if (request->family == AF_INET)
        error_number = send_raw4 (state, entry, request);
      else
        error_number = send_raw6 (state, entry, request);
    }

  if (error_number != 0)
    {
      if (entry->fd >= 0)
        close (entry->fd);
      probe_table_release (&state->table, entry);
      probe_output_error (state, token, error_number);
      return;
    }

  probe_table_start (&state->table, entry);
}

/* What this helper cannot send at all, whatever the network: a family it
 * has no socket for, SCTP, and without raw sockets TCP, or ICMP where
 * ping sockets are not allowed. */
static const char *
refusal (const struct probe_state *state,
         const struct probe_request *request)
{
  const struct probe_sockets *sockets = &state->sockets;
  bool v4 = request->family == AF_INET;

  if (v4 ? !sockets->has_ip4 : !sockets->has_ip6)
    return "invalid-argument";

  switch (request->protocol)
    {
    case PROBE_PROTOCOL_ICMP:
      return (v4 ? sockets->has_icmp4 : sockets->has_icmp6)
               ? NULL : "permission-denied";
    case PROBE_PROTOCOL_UDP:
      return NULL;
    case PROBE_PROTOCOL_TCP:
      return sockets->kind == PROBE_SOCKET_RAW ? NULL : "permission-denied";
    case PROBE_PROTOCOL_SCTP:
    default:
      return "invalid-argument";
    }
}

void
probe_submit (struct probe_state *state,
              long token,
              const struct probe_request *request,
              int64_t now)
{
  const char *refused = NULL;

  if ((refused = refusal (state, request)) != NULL)
    {
      probe_output_word (state, token, refused);
      return;
    }

  /* A limited caller's probes keep their order: once one waits, the ones
   * after it wait behind it, for a token or for a free slot. */
  if (state->rate.limited)
    {
      if (state->queue.count > 0 || probe_table_is_full (&state->table)
          || !probe_rate_allows (&state->rate, now))
        {
          if (!probe_queue_push (&state->queue, token, request))
            probe_output_word (state, token, "probes-exhausted");
          return;
        }

      probe_rate_take (&state->rate, now);
    }

  probe_send (state, token, request);
}

void
probe_send_waiting (struct probe_state *state,
                    int64_t now)
{
  const struct probe_waiting *waiting = NULL;

  while ((waiting = probe_queue_peek (&state->queue)) != NULL
         && !probe_table_is_full (&state->table)
         && probe_rate_allows (&state->rate, now))
    {
      probe_rate_take (&state->rate, now);
      probe_send (state, waiting->token, &waiting->request);
      probe_queue_pop (&state->queue);
    }
}
