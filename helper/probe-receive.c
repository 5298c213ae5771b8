/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* Receiving answers and matching them to the probes in flight.
 *
 * The shared raw sockets are drained in batches with recvmmsg(); each
 * packet is decoded by probe-decode.c and found in the table by the
 * sequence number it carries or quotes.  A probe's own datagram socket
 * brings its answer or, on its error queue, the ICMP error the path sent.
 * Every round-trip time runs from the clock read just before the probe
 * was sent to the kernel's receive timestamp of its answer. */

#include "probe-state.h"
#include "probe-decode.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* Messages taken a system call, and batches taken before the loop turns
 * to its other sockets. */
#define RECEIVE_BATCH 32
#define RECEIVE_ROUNDS 8

/* An echo reply is as long as the probe it answers, up to the largest
 * IPv4 packet; the decoder wants it whole.  The buffers are untouched
 * memory until a large packet comes. */
#define RECEIVE_PACKET_MAX 65536

#define ERROR_QUEUE_READS 8

#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10
#define TCP_HEADER_BYTES_USED 14

/* RFC 4443's "reject route to destination", which <netinet/icmp6.h> does
 * not name. */
#define ICMP6_DST_UNREACH_REJECT_ROUTE 6

union receive_control
{
  char bytes[CMSG_SPACE (sizeof (struct timespec))
             + CMSG_SPACE (sizeof (struct sock_extended_err)
                           + sizeof (struct sockaddr_in6))
             + 64];
  struct cmsghdr alignment;
};

static uint8_t receive_packets[RECEIVE_BATCH][RECEIVE_PACKET_MAX];
static struct sockaddr_storage receive_names[RECEIVE_BATCH];
static union receive_control receive_controls[RECEIVE_BATCH];
static struct iovec receive_vectors[RECEIVE_BATCH];
static struct mmsghdr receive_messages[RECEIVE_BATCH];

typedef void (*packet_handler) (struct probe_state *state,
                                int family,
                                const struct msghdr *message,
                                size_t length);

static void
prepare_messages (unsigned int count)
{
  for (unsigned int i = 0; i < count; i++)
    {
      struct msghdr *message = &receive_messages[i].msg_hdr;

      receive_vectors[i].iov_base = receive_packets[i];
      receive_vectors[i].iov_len = RECEIVE_PACKET_MAX;
      message->msg_name = &receive_names[i];
      message->msg_namelen = sizeof receive_names[i];
      message->msg_iov = &receive_vectors[i];
      message->msg_iovlen = 1;
      message->msg_control = receive_controls[i].bytes;
      message->msg_controllen = sizeof receive_controls[i];
      message->msg_flags = 0;
    }
}

static uint16_t
read_u16 (const uint8_t *p)
{
  return (uint16_t) (p[0] << 8 | p[1]);
}

static socklen_t
address_length (int family)
{
  return family == AF_INET ? sizeof (struct sockaddr_in)
                           : sizeof (struct sockaddr_in6);
}

/* The address bytes of a socket address, without its port. */
static const void *
address_bytes (const struct sockaddr_storage *address)
{
  if (address->ss_family == AF_INET)
    return &((const struct sockaddr_in *) address)->sin_addr;

  return &((const struct sockaddr_in6 *) address)->sin6_addr;
}

static bool
is_target (const struct probe_entry *entry,
           const void *address)
{
  if (entry->family == AF_INET)
    return memcmp (&entry->target.v4.sin_addr, address, 4) == 0;

  return memcmp (&entry->target.v6.sin6_addr, address, 16) == 0;
}

/* The kernel's receive time of a message.  Every receiving socket asks for
 * it, so the fallback, a clock read now, is for a kernel that forgot. */
static int64_t
received_time (const struct msghdr *message)
{
  struct cmsghdr *header = NULL;

  for (header = CMSG_FIRSTHDR (message); header != NULL;
       header = CMSG_NXTHDR ((struct msghdr *) message, header))
    {
      if (header->cmsg_level == SOL_SOCKET
          && header->cmsg_type == SCM_TIMESTAMPNS
          && header->cmsg_len >= CMSG_LEN (sizeof (struct timespec)))
        {
          struct timespec stamp;

          memcpy (&stamp, CMSG_DATA (header), sizeof stamp);
          return (int64_t) stamp.tv_sec * PROBE_NS_PER_SECOND + stamp.tv_nsec;
        }
    }

  return probe_clock_ns (CLOCK_REALTIME);
}

void
probe_finish (struct probe_state *state,
              struct probe_entry *entry,
              const struct probe_result *result)
{
  probe_output_result (state, entry->token, result);

  if (entry->fd >= 0)
    close (entry->fd);
  probe_table_release (&state->table, entry);
}

static void
answer (struct probe_state *state,
        struct probe_entry *entry,
        const char *word,
        const struct sockaddr_storage *responder,
        const struct msghdr *message,
        const struct decoded_packet *decoded,
        int mtu)
{
  struct probe_result result = { 0 };

  result.word = word;
  result.has_responder = true;
  memcpy (&result.responder, responder, address_length (responder->ss_family));
  result.has_round_trip = true;
  result.round_trip_us = (long) ((received_time (message) - entry->sent_ns)
                                 / 1000);
  result.mtu = mtu;

  if (decoded != NULL && decoded->mpls_count > 0)
    {
      result.mpls_count = decoded->mpls_count;
      memcpy (result.mpls, decoded->mpls,
              sizeof result.mpls[0] * (size_t) decoded->mpls_count);
    }

  probe_finish (state, entry, &result);
}

/* Destination unreachable: a router's verdict on the network or the host,
 * unless the target itself says the port or protocol is closed, which
 * means the probe got there. */
static const char *
unreachable_word (int family,
                  uint8_t code,
                  bool from_target)
{
  if (family == AF_INET)
    {
      switch (code)
        {
        case ICMP_NET_UNREACH:
        case ICMP_NET_UNKNOWN:
        case ICMP_NET_ANO:
        case ICMP_NET_UNR_TOS:
          return "no-route-network";
        case ICMP_PROT_UNREACH:
        case ICMP_PORT_UNREACH:
          return from_target ? "reply" : "no-route-host";
        default:
          return "no-route-host";
        }
    }

  switch (code)
    {
    case ICMP6_DST_UNREACH_NOROUTE:
    case ICMP6_DST_UNREACH_REJECT_ROUTE:
      return "no-route-network";
    case ICMP6_DST_UNREACH_NOPORT:
      return from_target ? "reply" : "no-route-host";
    default:
      return "no-route-host";
    }
}

/* The reply word for an answer, or NULL for one that answers nothing
 * (a fragment reassembly timeout, say). */
static const char *
result_word (int family,
             decoded_kind kind,
             uint8_t code,
             bool from_target)
{
  switch (kind)
    {
    case DECODED_ECHO_REPLY:
      return "reply";
    case DECODED_TIME_EXCEEDED:
      return code == 0 ? "ttl-expired" : NULL;
    case DECODED_UNREACHABLE:
      return unreachable_word (family, code, from_target);
    case DECODED_PACKET_TOO_BIG:
      return "packet-too-big";
    case DECODED_OTHER:
    default:
      return NULL;
    }
}

/* The probe an ICMP error quotes: by echo sequence, by source port, or
 * for a UDP probe sent from a fixed port by checksum, and then only if
 * everything else quoted is what that probe was sent with. */
static struct probe_entry *
match_quote (struct probe_state *state,
             int family,
             const struct decoded_packet *decoded)
{
  const struct quoted_probe *quote = &decoded->quote;
  struct probe_entry *entry = NULL;

  if (!decoded->has_quote || quote->family != family)
    return NULL;

  switch (quote->protocol)
    {
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
      if (quote->echo_id != state->sockets.echo_id)
        return NULL;
      entry = probe_table_find (&state->table, quote->echo_sequence);
      if (entry == NULL || entry->protocol != PROBE_PROTOCOL_ICMP)
        return NULL;
      break;

    case IPPROTO_UDP:
      entry = probe_table_find (&state->table, quote->source_port);
      if (entry == NULL || entry->protocol != PROBE_PROTOCOL_UDP
          || entry->by_checksum)
        {
          entry = probe_table_find (&state->table, quote->udp_checksum);
          if (entry == NULL || entry->protocol != PROBE_PROTOCOL_UDP
              || !entry->by_checksum
              || entry->source_port != quote->source_port)
            return NULL;
        }
      if (entry->target_port != quote->destination_port)
        return NULL;
      break;

    case IPPROTO_TCP:
      entry = probe_table_find (&state->table, quote->source_port);
      if (entry == NULL || entry->protocol != PROBE_PROTOCOL_TCP
          || entry->target_port != quote->destination_port)
        return NULL;
      break;

    default:
      return NULL;
    }

  if (entry->family != family || !is_target (entry, &quote->destination))
    return NULL;

  return entry;
}

/* A packet from a raw ICMP or ICMPv6 socket. */
static void
handle_icmp (struct probe_state *state,
             int family,
             const struct msghdr *message,
             size_t length)
{
  const uint8_t *data = message->msg_iov[0].iov_base;
  const struct sockaddr_storage *from = message->msg_name;
  struct decoded_packet decoded;
  struct probe_entry *entry = NULL;
  const char *word = NULL;
  bool decoded_ok = false;

  if (message->msg_namelen < address_length (family)
      || from->ss_family != family)
    return;

  decoded_ok = family == AF_INET ? decode_icmp4 (data, length, true, &decoded)
                                 : decode_icmp6 (data, length, &decoded);
  if (!decoded_ok || decoded.kind == DECODED_OTHER)
    return;

  if (decoded.kind == DECODED_ECHO_REPLY)
    {
      if (decoded.echo_id != state->sockets.echo_id)
        return;
      entry = probe_table_find (&state->table, decoded.echo_sequence);
      if (entry == NULL || entry->protocol != PROBE_PROTOCOL_ICMP
          || entry->family != family)
        return;
    }
  else if ((entry = match_quote (state, family, &decoded)) == NULL)
    {
      return;
    }

  word = result_word (family, decoded.kind, decoded.icmp_code,
                      is_target (entry, address_bytes (from)));
  if (word != NULL)
    answer (state, entry, word, from, message, &decoded, decoded.mtu);
}

/* A segment from a raw TCP socket: the target's SYN-ACK (an open port) or
 * RST (a closed one) to a TCP probe's source port.  Both mean the probe
 * reached it. */
static void
handle_tcp (struct probe_state *state,
            int family,
            const struct msghdr *message,
            size_t length)
{
  const uint8_t *data = message->msg_iov[0].iov_base;
  const struct sockaddr_storage *from = message->msg_name;
  const uint8_t *tcp = data;
  struct probe_entry *entry = NULL;
  uint8_t flags = 0;

  if (message->msg_namelen < address_length (family)
      || from->ss_family != family)
    return;

  /* Raw IPv4 sockets hand over the IP header too; IPv6 ones do not. */
  if (family == AF_INET)
    {
      size_t header_length = 0;

      if (length < 20 || data[0] >> 4 != 4 || data[9] != IPPROTO_TCP
          || (read_u16 (data + 6) & 0x1fff) != 0)
        return;
      header_length = (size_t) (data[0] & 0x0f) * 4;
      if (header_length < 20 || header_length > length)
        return;
      tcp = data + header_length;
      length -= header_length;
    }

  if (length < TCP_HEADER_BYTES_USED)
    return;

  flags = tcp[13];
  if ((flags & TCP_FLAG_RST) == 0
      && (flags & (TCP_FLAG_SYN | TCP_FLAG_ACK))
           != (TCP_FLAG_SYN | TCP_FLAG_ACK))
    return;

  entry = probe_table_find (&state->table, read_u16 (tcp + 2));
  if (entry == NULL || entry->protocol != PROBE_PROTOCOL_TCP
      || entry->family != family || entry->target_port != read_u16 (tcp)
      || !is_target (entry, address_bytes (from)))
    return;

  answer (state, entry, "reply", from, message, NULL, 0);
}

static void
drain (struct probe_state *state,
       int fd,
       int family,
       packet_handler handle)
{
  for (int round = 0; round < RECEIVE_ROUNDS; round++)
    {
      int count = 0;

      prepare_messages (RECEIVE_BATCH);
      count = recvmmsg (fd, receive_messages, RECEIVE_BATCH, MSG_DONTWAIT,
                        NULL);
      if (count <= 0)
        return;

      for (int i = 0; i < count; i++)
        handle (state, family, &receive_messages[i].msg_hdr,
                receive_messages[i].msg_len);

      if (count < RECEIVE_BATCH)
        return;
    }
}

static decoded_kind
error_kind (int family,
            uint8_t type,
            uint8_t code)
{
  if (family == AF_INET)
    {
      if (type == ICMP_TIME_EXCEEDED)
        return DECODED_TIME_EXCEEDED;
      if (type == ICMP_DEST_UNREACH)
        return code == ICMP_FRAG_NEEDED ? DECODED_PACKET_TOO_BIG
                                        : DECODED_UNREACHABLE;
      return DECODED_OTHER;
    }

  switch (type)
    {
    case ICMP6_TIME_EXCEEDED:
      return DECODED_TIME_EXCEEDED;
    case ICMP6_DST_UNREACH:
      return DECODED_UNREACHABLE;
    case ICMP6_PACKET_TOO_BIG:
      return DECODED_PACKET_TOO_BIG;
    default:
      return DECODED_OTHER;
    }
}

/* The extended error of a message from an error queue, with the address
 * of whoever sent the ICMP error copied into *OFFENDER. */
static const struct sock_extended_err *
extended_error (const struct msghdr *message,
                struct sockaddr_storage *offender)
{
  struct cmsghdr *header = NULL;

  for (header = CMSG_FIRSTHDR (message); header != NULL;
       header = CMSG_NXTHDR ((struct msghdr *) message, header))
    {
      const struct sock_extended_err *error = NULL;
      size_t offender_length = 0;

      if (!((header->cmsg_level == SOL_IP && header->cmsg_type == IP_RECVERR)
            || (header->cmsg_level == SOL_IPV6
                && header->cmsg_type == IPV6_RECVERR)))
        continue;
      if (header->cmsg_len < CMSG_LEN (sizeof *error))
        return NULL;

      error = (const struct sock_extended_err *) CMSG_DATA (header);
      offender_length = header->cmsg_len - CMSG_LEN (sizeof *error);
      if (offender_length > sizeof *offender)
        offender_length = sizeof *offender;
      memset (offender, 0, sizeof *offender);
      memcpy (offender, error + 1, offender_length);
      return error;
    }

  return NULL;
}

/* Reads a probe socket's error queue; true when the probe got its answer
 * there. */
static bool
read_error_queue (struct probe_state *state,
                  struct probe_entry *entry)
{
  struct msghdr *message = &receive_messages[0].msg_hdr;

  for (int attempt = 0; attempt < ERROR_QUEUE_READS; attempt++)
    {
      const struct sock_extended_err *error = NULL;
      struct sockaddr_storage offender = { 0 };
      const char *word = NULL;
      decoded_kind kind = DECODED_OTHER;

      prepare_messages (1);
      if (recvmsg (entry->fd, message, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
        return false;

      /* Local errors (a probe too big for the interface) were already
       * reported when the send failed. */
      error = extended_error (message, &offender);
      if (error == NULL
          || (error->ee_origin != SO_EE_ORIGIN_ICMP
              && error->ee_origin != SO_EE_ORIGIN_ICMP6)
          || offender.ss_family != entry->family)
        continue;

      kind = error_kind (entry->family, error->ee_type, error->ee_code);
      word = result_word (entry->family, kind, error->ee_code,
                          is_target (entry, address_bytes (&offender)));
      if (word == NULL)
        continue;

      answer (state, entry, word, &offender, message, NULL,
              kind == DECODED_PACKET_TOO_BIG ? (int) error->ee_info : 0);
      return true;
    }

  return false;
}

/* Reads what came to a probe socket itself: an echo reply on a ping
 * socket, or any datagram from the target on a UDP one. */
static void
read_probe_answer (struct probe_state *state,
                   struct probe_entry *entry)
{
  struct msghdr *message = &receive_messages[0].msg_hdr;
  const struct sockaddr_storage *from = &receive_names[0];
  ssize_t length = 0;

  prepare_messages (1);
  if ((length = recvmsg (entry->fd, message, MSG_DONTWAIT)) < 0)
    return;
  if (message->msg_namelen < address_length (entry->family)
      || from->ss_family != entry->family)
    return;

  if (entry->protocol == PROBE_PROTOCOL_ICMP)
    {
      struct decoded_packet decoded;
      bool decoded_ok = entry->family == AF_INET
                          ? decode_icmp4 (receive_packets[0], (size_t) length,
                                          false, &decoded)
                          : decode_icmp6 (receive_packets[0], (size_t) length,
                                          &decoded);

      if (!decoded_ok || decoded.kind != DECODED_ECHO_REPLY
          || decoded.echo_sequence != entry->sequence)
        return;
    }
  else if (!is_target (entry, address_bytes (from)))
    {
      return;
    }

  answer (state, entry, "reply", from, message, NULL, 0);
}

static void
receive_probe_socket (struct probe_state *state,
                      uint16_t sequence,
                      uint32_t events)
{
  struct probe_entry *entry = probe_table_find (&state->table, sequence);

  if (entry == NULL || entry->fd < 0)
    return;

  if ((events & EPOLLERR) != 0)
    {
      int pending = 0;
      socklen_t length = sizeof pending;

      if (read_error_queue (state, entry))
        return;

      /* An error that answered nothing must not stay pending, or epoll
       * would report it again and again. */
      getsockopt (entry->fd, SOL_SOCKET, SO_ERROR, &pending, &length);
    }

  if ((events & EPOLLIN) != 0)
    read_probe_answer (state, entry);
}

void
probe_receive (struct probe_state *state,
               probe_event_source source,
               uint16_t sequence,
               uint32_t events)
{
  const struct probe_sockets *sockets = &state->sockets;

  switch (source)
    {
    case PROBE_EVENT_ICMP4:
      drain (state, sockets->icmp4_receive, AF_INET, handle_icmp);
      break;
    case PROBE_EVENT_ICMP6:
      drain (state, sockets->icmp6, AF_INET6, handle_icmp);
      break;
    case PROBE_EVENT_TCP4:
      drain (state, sockets->tcp4_receive, AF_INET, handle_tcp);
      break;
    case PROBE_EVENT_TCP6:
      drain (state, sockets->tcp6_receive, AF_INET6, handle_tcp);
      break;
    case PROBE_EVENT_PROBE_SOCKET:
      receive_probe_socket (state, sequence, events);
      break;
    case PROBE_EVENT_INPUT:
    default:
      break;
    }
}

void
probe_expire (struct probe_state *state,
              int64_t now)
{
  struct probe_entry *entry = NULL;

  while ((entry = probe_table_earliest (&state->table)) != NULL
         && entry->deadline_ns <= now)
    {
      struct probe_result result = { 0 };

      result.word = "no-reply";
      probe_finish (state, entry, &result);
    }
}
