/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* hopscope-pathsim: a simulated internet path behind a TUN device.
 *
 * The kernel routes the probes of a tracer into the TUN device; this program
 * reads each one and answers it the way the hop at its time-to-live would,
 * after the round-trip time the configuration gives that hop.  The kernel
 * here has no netem, so every delay the tests see comes from the queue of
 * timed answers below.  The configuration format is described in
 * tests/sim/README.md.
 *
 * It runs as one thread: poll() waits on the TUN device, a timerfd armed for
 * the earliest pending answer and a signalfd.  The timer fires a little
 * before the answer is due and the last microseconds are spent spinning on
 * the clock, still reading the TUN device, so that neither the answers nor
 * the read time of new probes suffer from the scheduler's wake-up latency. */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SIM_MAX_HOPS 64
#define SIM_MAX_ROUTERS 8
#define SIM_MAX_LABELS 8
#define SIM_MAX_EVENTS 1024
#define SIM_MAX_PENDING 65536
#define SIM_PACKET_MAX 65536

/* An ICMP error quotes this much of a probe when it carries an RFC 4884
 * extension, and at most this much of an IPv4 probe otherwise. */
#define SIM_QUOTE_LENGTH 128

/* The smallest IPv6 MTU: an ICMPv6 error must fit in it. */
#define SIM_IPV6_MIN_MTU 1280

/* Lateness of the answers is kept in a histogram of 1 µs buckets. */
#define SIM_LATENESS_BUCKETS 10000

#define SIM_NS_PER_SECOND INT64_C (1000000000)

typedef struct
{
  uint8_t v4[4];
  uint8_t v6[16];
} SimRouter;

typedef struct
{
  uint32_t label;
  unsigned int traffic_class;
  unsigned int bottom_of_stack;
  unsigned int ttl;
} SimLabel;

/* A hop of the path, or the target (number 0). */
typedef struct
{
  int number;
  bool defined;
  SimRouter routers[SIM_MAX_ROUTERS];
  int n_routers;
  double delay_ms;
  double jitter_ms;
  double loss_percent;
  double rate_limit;
  bool silent;
  SimLabel labels[SIM_MAX_LABELS];
  int n_labels;
  int mtu;

  /* The token bucket of the ICMP rate limit. */
  double tokens;
  int64_t refilled_ns;
} SimNode;

enum
{
  SIM_CHANGE_DELAY = 1 << 0,
  SIM_CHANGE_JITTER = 1 << 1,
  SIM_CHANGE_LOSS = 1 << 2,
  SIM_CHANGE_SILENT = 1 << 3,
  SIM_CHANGE_ROUTE = 1 << 4,
};

/* An "at" line: from at_ns after the start, a node's settings change. */
typedef struct
{
  int64_t at_ns;
  int line;
  int hop;
  unsigned int changes;
  double delay_ms;
  double jitter_ms;
  double loss_percent;
  bool silent;
  SimRouter route;
} SimEvent;

typedef enum
{
  SIM_ACTION_ANSWERED,
  SIM_ACTION_LOST,
  SIM_ACTION_SILENT,
  SIM_ACTION_RATE_LIMITED,
  SIM_ACTION_TOO_BIG,
} SimAction;

typedef enum
{
  SIM_ANSWER_TIME_EXCEEDED,
  SIM_ANSWER_TOO_BIG,
  SIM_ANSWER_ECHO_REPLY,
  SIM_ANSWER_PORT_UNREACHABLE,
  SIM_ANSWER_HOST_UNREACHABLE,
  SIM_ANSWER_TCP_SYN_ACK,
  SIM_ANSWER_TCP_RESET,
} SimAnswerKind;

/* A probe read from the TUN device.  The pointers point into the read
 * buffer; ports and ICMP fields that do not apply are -1. */
typedef struct
{
  int family;
  int protocol;
  int ttl;
  const uint8_t *packet;
  size_t size;
  const uint8_t *src;
  const uint8_t *dst;
  const uint8_t *l4;
  size_t l4_length;
  int sport;
  int dport;
  int icmp_id;
  int icmp_seq;
  uint32_t tcp_seq;
  bool dont_fragment;
  bool fragmented;
} SimProbe;

/* An answer waiting in the queue for its time. */
typedef struct
{
  int64_t deadline_ns;
  uint64_t order;
  size_t length;
  uint8_t data[];
} SimAnswer;

typedef struct
{
  const char *config_path;
  SimNode hops[SIM_MAX_HOPS + 1];
  int n_hops;
  SimNode target;
  uint8_t tcp_open[65536 / 8];
  SimEvent events[SIM_MAX_EVENTS];
  size_t n_events;
  size_t next_event;

  int tun_fd;
  int timer_fd;
  int signal_fd;
  FILE *record;
  uint64_t random_state;
  int64_t start_ns;
  int64_t spin_ns;
  uint16_t ip_id;

  SimAnswer **queue;
  size_t queue_length;
  uint64_t queue_order;

  uint64_t answers_sent;
  uint64_t answers_dropped;
  int64_t lateness_total_ns;
  int64_t lateness_max_ns;
  uint32_t lateness_histogram[SIM_LATENESS_BUCKETS];
  int64_t write_total_ns;
  int64_t write_max_ns;
} Sim;

static const char *const sim_action_names[] = {
  [SIM_ACTION_ANSWERED] = "answered",
  [SIM_ACTION_LOST] = "lost",
  [SIM_ACTION_SILENT] = "silent",
  [SIM_ACTION_RATE_LIMITED] = "rate-limited",
  [SIM_ACTION_TOO_BIG] = "too-big",
};

static int64_t
sim_now_ns (void)
{
  struct timespec now = { 0 };

  clock_gettime (CLOCK_MONOTONIC, &now);
  return (int64_t) now.tv_sec * SIM_NS_PER_SECOND + now.tv_nsec;
}

/* Random numbers: splitmix64, so a seed gives the same losses and jitter on
 * every run with the same probes. */
static uint64_t
sim_random (Sim *sim)
{
  uint64_t z = (sim->random_state += UINT64_C (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * UINT64_C (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static double
sim_random_unit (Sim *sim)
{
  return (double) (sim_random (sim) >> 11) * (1.0 / 9007199254740992.0);
}

/* Byte order helpers: packets are built and read byte by byte, so nothing
 * depends on the alignment of the buffers. */
static unsigned int
sim_get16 (const uint8_t *p)
{
  return (unsigned int) p[0] << 8 | p[1];
}

static uint32_t
sim_get32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
         | (uint32_t) p[2] << 8 | p[3];
}

static void
sim_put16 (uint8_t *p, unsigned int value)
{
  p[0] = (value >> 8) & 0xff;
  p[1] = value & 0xff;
}

static void
sim_put32 (uint8_t *p, uint32_t value)
{
  p[0] = value >> 24;
  p[1] = (value >> 16) & 0xff;
  p[2] = (value >> 8) & 0xff;
  p[3] = value & 0xff;
}

/* The Internet checksum (RFC 1071), in two steps so that a pseudo-header
 * and a message can be summed one after the other. */
static uint64_t
sim_sum (uint64_t sum, const uint8_t *data, size_t length)
{
  size_t i = 0;

  for (i = 0; i + 1 < length; i += 2)
    sum += sim_get16 (data + i);
  if (length & 1)
    sum += (uint64_t) data[length - 1] << 8;
  return sum;
}

static unsigned int
sim_fold (uint64_t sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/* The sum of the IPv4 or IPv6 pseudo-header of an upper-layer message. */
static uint64_t
sim_pseudo_sum (int family, const uint8_t *src, const uint8_t *dst,
                int protocol, size_t length)
{
  uint64_t sum = 0;

  if (family == 4)
    {
      sum = sim_sum (sum, src, 4);
      sum = sim_sum (sum, dst, 4);
    }
  else
    {
      sum = sim_sum (sum, src, 16);
      sum = sim_sum (sum, dst, 16);
    }
  return sum + (uint64_t) protocol + (uint64_t) length;
}

static const char *
sim_address_text (int family, const uint8_t *address, char *buffer,
                  size_t size)
{
  return inet_ntop (family == 4 ? AF_INET : AF_INET6, address, buffer,
                    (socklen_t) size);
}

/* Configuration parsing.  Every word is checked; anything unknown or out of
 * range stops the program with the file name and line number. */

static bool
sim_parse_double (const char *text, double min, double max, double *out)
{
  char *end = NULL;
  double value = 0.0;

  if (text == NULL || *text == '\0')
    return false;

  errno = 0;
  value = strtod (text, &end);
  if (errno != 0 || *end != '\0' || !isfinite (value))
    return false;
  if (value < min || value > max)
    return false;

  *out = value;
  return true;
}

static bool
sim_parse_int (const char *text, long min, long max, long *out)
{
  char *end = NULL;
  long value = 0;

  if (text == NULL || *text < '0' || *text > '9')
    return false;

  errno = 0;
  value = strtol (text, &end, 10);
  if (errno != 0 || *end != '\0' || value < min || value > max)
    return false;

  *out = value;
  return true;
}

static bool
sim_parse_router (const char *v4, const char *v6, SimRouter *router)
{
  if (v4 == NULL || v6 == NULL)
    return false;
  if (inet_pton (AF_INET, v4, router->v4) != 1)
    return false;
  if (inet_pton (AF_INET6, v6, router->v6) != 1)
    return false;
  return true;
}

/* "LABEL/TC/S/TTL[,LABEL/TC/S/TTL]..." */
static bool
sim_parse_labels (const char *text, SimNode *node)
{
  char copy[512] = "";
  char *entry = NULL;
  char *save = NULL;

  if (text == NULL || strlen (text) >= sizeof copy)
    return false;
  strcpy (copy, text);

  node->n_labels = 0;
  for (entry = strtok_r (copy, ",", &save); entry != NULL;
       entry = strtok_r (NULL, ",", &save))
    {
      char *fields[4] = { NULL };
      char *field_save = NULL;
      long values[4] = { 0 };
      SimLabel *label = NULL;
      int i = 0;

      if (node->n_labels >= SIM_MAX_LABELS)
        return false;

      fields[0] = strtok_r (entry, "/", &field_save);
      for (i = 1; i < 4; i++)
        fields[i] = strtok_r (NULL, "/", &field_save);
      if (strtok_r (NULL, "/", &field_save) != NULL)
        return false;

      if (!sim_parse_int (fields[0], 0, 1048575, &values[0])
          || !sim_parse_int (fields[1], 0, 7, &values[1])
          || !sim_parse_int (fields[2], 0, 1, &values[2])
          || !sim_parse_int (fields[3], 0, 255, &values[3]))
        return false;

      label = &node->labels[node->n_labels++];
      label->label = (uint32_t) values[0];
      label->traffic_class = (unsigned int) values[1];
      label->bottom_of_stack = (unsigned int) values[2];
      label->ttl = (unsigned int) values[3];
    }

  return node->n_labels > 0;
}

static bool
sim_parse_ports (Sim *sim, const char *text)
{
  char copy[1024] = "";
  char *entry = NULL;
  char *save = NULL;
  bool any = false;

  if (strlen (text) >= sizeof copy)
    return false;
  strcpy (copy, text);

  for (entry = strtok_r (copy, ",", &save); entry != NULL;
       entry = strtok_r (NULL, ",", &save))
    {
      long port = 0;

      if (!sim_parse_int (entry, 1, 65535, &port))
        return false;
      sim->tcp_open[port / 8] |= (uint8_t) (1u << (port % 8));
      any = true;
    }

  return any;
}

static bool
sim_tcp_port_open (const Sim *sim, int port)
{
  return (sim->tcp_open[port / 8] >> (port % 8)) & 1;
}

/* Prints a configuration error and returns false, so that parsers can
 * "return sim_config_error (...)". */
static bool
sim_config_error (const Sim *sim, int line, const char *message,
                  const char *word)
{
  if (word != NULL)
    fprintf (stderr, "%s:%d: %s: \"%s\"\n", sim->config_path, line, message,
             word);
  else
    fprintf (stderr, "%s:%d: %s\n", sim->config_path, line, message);
  return false;
}

/* The settings of a "target" or "hop" line after its addresses. */
static bool
sim_parse_node_options (Sim *sim, int line, char **words, int n_words,
                        SimNode *node)
{
  bool have_delay = false;
  int i = 0;

  for (i = 0; i < n_words; i++)
    {
      const char *word = words[i];
      const char *value = i + 1 < n_words ? words[i + 1] : NULL;
      bool is_hop = node->number > 0;

      if (strcmp (word, "delay") == 0)
        {
          if (!sim_parse_double (value, 0.0, 3600000.0, &node->delay_ms))
            return sim_config_error (sim, line, "bad delay", value);
          have_delay = true;
          i++;
        }
      else if (strcmp (word, "jitter") == 0)
        {
          if (!sim_parse_double (value, 0.0, 3600000.0, &node->jitter_ms))
            return sim_config_error (sim, line, "bad jitter", value);
          i++;
        }
      else if (strcmp (word, "loss") == 0)
        {
          if (!sim_parse_double (value, 0.0, 100.0, &node->loss_percent))
            return sim_config_error (sim, line, "bad loss percentage",
                                     value);
          i++;
        }
      else if (strcmp (word, "silent") == 0)
        {
          node->silent = true;
        }
      else if (strcmp (word, "rate-limit") == 0)
        {
          if (!sim_parse_double (value, 0.001, 1e9, &node->rate_limit))
            return sim_config_error (sim, line, "bad rate limit", value);
          i++;
        }
      else if (strcmp (word, "mpls") == 0 && is_hop)
        {
          if (!sim_parse_labels (value, node))
            return sim_config_error (sim, line,
                                     "bad MPLS label stack, expected "
                                     "LABEL/TC/S/TTL[,...]",
                                     value);
          i++;
        }
      else if (strcmp (word, "mtu") == 0 && is_hop)
        {
          long mtu = 0;

          if (!sim_parse_int (value, 68, 65535, &mtu))
            return sim_config_error (sim, line, "bad MTU", value);
          node->mtu = (int) mtu;
          i++;
        }
      else if (strcmp (word, "ecmp") == 0 && is_hop)
        {
          if (node->n_routers >= SIM_MAX_ROUTERS)
            return sim_config_error (sim, line, "too many ECMP routers",
                                     NULL);
          if (!sim_parse_router (value, i + 2 < n_words ? words[i + 2] : NULL,
                                 &node->routers[node->n_routers]))
            return sim_config_error (sim, line,
                                     "ecmp needs an IPv4 and an IPv6 "
                                     "address",
                                     value);
          node->n_routers++;
          i += 2;
        }
      else if (!is_hop && (strcmp (word, "mpls") == 0
                           || strcmp (word, "mtu") == 0
                           || strcmp (word, "ecmp") == 0))
        {
          return sim_config_error (sim, line, "only a hop has this setting",
                                   word);
        }
      else
        {
          return sim_config_error (sim, line, "unknown setting", word);
        }
    }

  if (!have_delay)
    return sim_config_error (sim, line, "a delay is required", NULL);
  return true;
}

static bool
sim_parse_event (Sim *sim, int line, char **words, int n_words)
{
  SimEvent *event = NULL;
  double seconds = 0.0;
  long hop = 0;
  int i = 0;

  if (sim->n_events >= SIM_MAX_EVENTS)
    return sim_config_error (sim, line, "too many at lines", NULL);
  event = &sim->events[sim->n_events];
  memset (event, 0, sizeof *event);
  event->line = line;

  if (n_words < 3 || !sim_parse_double (words[1], 0.0, 1e6, &seconds))
    return sim_config_error (sim, line, "bad time", words[1]);
  event->at_ns = (int64_t) llround (seconds * 1e9);

  if (strcmp (words[2], "target") == 0)
    {
      event->hop = 0;
      i = 3;
    }
  else if (strcmp (words[2], "hop") == 0 && n_words >= 4
           && sim_parse_int (words[3], 1, SIM_MAX_HOPS, &hop))
    {
      event->hop = (int) hop;
      i = 4;
    }
  else
    {
      return sim_config_error (sim, line, "expected \"hop K\" or \"target\"",
                               words[2]);
    }

  for (; i < n_words; i++)
    {
      const char *word = words[i];
      const char *value = i + 1 < n_words ? words[i + 1] : NULL;

      if (strcmp (word, "delay") == 0)
        {
          if (!sim_parse_double (value, 0.0, 3600000.0, &event->delay_ms))
            return sim_config_error (sim, line, "bad delay", value);
          event->changes |= SIM_CHANGE_DELAY;
          i++;
        }
      else if (strcmp (word, "jitter") == 0)
        {
          if (!sim_parse_double (value, 0.0, 3600000.0, &event->jitter_ms))
            return sim_config_error (sim, line, "bad jitter", value);
          event->changes |= SIM_CHANGE_JITTER;
          i++;
        }
      else if (strcmp (word, "loss") == 0)
        {
          if (!sim_parse_double (value, 0.0, 100.0, &event->loss_percent))
            return sim_config_error (sim, line, "bad loss percentage",
                                     value);
          event->changes |= SIM_CHANGE_LOSS;
          i++;
        }
      else if (strcmp (word, "silent") == 0
               || strcmp (word, "answering") == 0)
        {
          event->silent = strcmp (word, "silent") == 0;
          event->changes |= SIM_CHANGE_SILENT;
        }
      else if (strcmp (word, "route") == 0 && event->hop > 0)
        {
          if (!sim_parse_router (value, i + 2 < n_words ? words[i + 2] : NULL,
                                 &event->route))
            return sim_config_error (sim, line,
                                     "route needs an IPv4 and an IPv6 "
                                     "address",
                                     value);
          event->changes |= SIM_CHANGE_ROUTE;
          i += 2;
        }
      else
        {
          return sim_config_error (sim, line, "unknown change", word);
        }
    }

  if (event->changes == 0)
    return sim_config_error (sim, line, "an at line must change something",
                             NULL);

  sim->n_events++;
  return true;
}

static int
sim_compare_events (const void *a, const void *b)
{
  const SimEvent *event_a = a;
  const SimEvent *event_b = b;

  if (event_a->at_ns != event_b->at_ns)
    return event_a->at_ns < event_b->at_ns ? -1 : 1;
  return event_a->line - event_b->line;
}

static bool
sim_parse_line (Sim *sim, int line, char *text, bool *have_target)
{
  char *words[64] = { NULL };
  char *save = NULL;
  char *word = NULL;
  int n_words = 0;

  /* Split into words; a word starting with '#' starts a comment. */
  for (word = strtok_r (text, " \t\r\n", &save); word != NULL;
       word = strtok_r (NULL, " \t\r\n", &save))
    {
      if (word[0] == '#')
        break;
      if (n_words >= (int) (sizeof words / sizeof words[0]))
        return sim_config_error (sim, line, "too many words", NULL);
      words[n_words++] = word;
    }
  if (n_words == 0)
    return true;

  if (strcmp (words[0], "target") == 0)
    {
      SimNode *target = &sim->target;

      if (*have_target)
        return sim_config_error (sim, line, "a second target line", NULL);
      target->number = 0;
      target->n_routers = 1;
      if (n_words < 3
          || !sim_parse_router (words[1], words[2], &target->routers[0]))
        return sim_config_error (sim, line,
                                 "target needs an IPv4 and an IPv6 address",
                                 NULL);
      if (!sim_parse_node_options (sim, line, words + 3, n_words - 3, target))
        return false;
      target->defined = true;
      *have_target = true;
      return true;
    }

  if (strcmp (words[0], "hop") == 0)
    {
      SimNode *hop = NULL;
      long number = 0;

      if (n_words < 2 || !sim_parse_int (words[1], 1, SIM_MAX_HOPS, &number))
        return sim_config_error (sim, line, "bad hop number", words[1]);
      hop = &sim->hops[number];
      if (hop->defined)
        return sim_config_error (sim, line, "a hop given twice", words[1]);
      hop->number = (int) number;
      hop->n_routers = 1;
      if (n_words < 4
          || !sim_parse_router (words[2], words[3], &hop->routers[0]))
        return sim_config_error (sim, line,
                                 "a hop needs an IPv4 and an IPv6 address",
                                 NULL);
      if (!sim_parse_node_options (sim, line, words + 4, n_words - 4, hop))
        return false;
      hop->defined = true;
      if (hop->number > sim->n_hops)
        sim->n_hops = hop->number;
      return true;
    }

  if (strcmp (words[0], "tcp-open") == 0)
    {
      int i = 0;

      if (n_words < 2)
        return sim_config_error (sim, line, "tcp-open needs ports", NULL);
      for (i = 1; i < n_words; i++)
        if (!sim_parse_ports (sim, words[i]))
          return sim_config_error (sim, line, "bad port list", words[i]);
      return true;
    }

  if (strcmp (words[0], "at") == 0)
    return sim_parse_event (sim, line, words, n_words);

  return sim_config_error (sim, line, "unknown line", words[0]);
}

static bool
sim_load_config (Sim *sim, const char *path)
{
  FILE *file = NULL;
  char text[4096] = "";
  int line = 0;
  bool have_target = false;
  bool ok = true;
  size_t i = 0;
  int k = 0;

  sim->config_path = path;
  if (!(file = fopen (path, "re")))
    {
      fprintf (stderr, "%s: %s\n", path, strerror (errno));
      return false;
    }

  while (ok && fgets (text, sizeof text, file) != NULL)
    {
      line++;
      if (strchr (text, '\n') == NULL && !feof (file))
        ok = sim_config_error (sim, line, "line too long", NULL);
      else
        ok = sim_parse_line (sim, line, text, &have_target);
    }
  fclose (file);
  if (!ok)
    return false;

  /* The whole path must be described: a missing hop is more likely a typing
   * mistake than a wish. */
  if (!have_target)
    {
      fprintf (stderr, "%s: no target line\n", path);
      return false;
    }
  for (k = 1; k <= sim->n_hops; k++)
    if (!sim->hops[k].defined)
      {
        fprintf (stderr, "%s: hop %d is missing (hops 1 to %d must all be "
                 "given)\n", path, k, sim->n_hops);
        return false;
      }
  for (i = 0; i < sim->n_events; i++)
    if (sim->events[i].hop > sim->n_hops)
      return sim_config_error (sim, sim->events[i].line,
                               "at line names a hop the path does not have",
                               NULL);

  qsort (sim->events, sim->n_events, sizeof sim->events[0],
         sim_compare_events);
  return true;
}

static SimNode *
sim_node (Sim *sim, int number)
{
  return number == 0 ? &sim->target : &sim->hops[number];
}

/* Applies the "at" lines whose time has come, in time order. */
static void
sim_apply_events (Sim *sim, int64_t now_ns)
{
  while (sim->next_event < sim->n_events
         && sim->events[sim->next_event].at_ns <= now_ns - sim->start_ns)
    {
      const SimEvent *event = &sim->events[sim->next_event++];
      SimNode *node = sim_node (sim, event->hop);

      if (event->changes & SIM_CHANGE_DELAY)
        node->delay_ms = event->delay_ms;
      if (event->changes & SIM_CHANGE_JITTER)
        node->jitter_ms = event->jitter_ms;
      if (event->changes & SIM_CHANGE_LOSS)
        node->loss_percent = event->loss_percent;
      if (event->changes & SIM_CHANGE_SILENT)
        node->silent = event->silent;
      if (event->changes & SIM_CHANGE_ROUTE)
        {
          node->routers[0] = event->route;
          node->n_routers = 1;
        }
    }
}

/* Packet parsing.  Only probes are accepted: ICMP echo requests, UDP
 * datagrams and TCP SYNs.  Everything else the kernel sends into the device
 * (router solicitations, MLD reports, the reset to a SYN-ACK, fragments) is
 * ignored. */

static bool
sim_parse_transport (SimProbe *probe, int protocol, const uint8_t *l4,
                     size_t l4_length)
{
  probe->l4 = l4;
  probe->l4_length = l4_length;
  probe->sport = probe->dport = probe->icmp_id = probe->icmp_seq = -1;

  if ((protocol == IPPROTO_ICMP && probe->family == 4)
      || (protocol == IPPROTO_ICMPV6 && probe->family == 6))
    {
      unsigned int echo_request = probe->family == 4 ? 8 : 128;

      if (l4_length < 8 || l4[0] != echo_request || l4[1] != 0)
        return false;
      probe->protocol = IPPROTO_ICMP;
      probe->icmp_id = (int) sim_get16 (l4 + 4);
      probe->icmp_seq = (int) sim_get16 (l4 + 6);
      return true;
    }

  if (protocol == IPPROTO_UDP)
    {
      if (l4_length < 8)
        return false;
      probe->protocol = IPPROTO_UDP;
      probe->sport = (int) sim_get16 (l4);
      probe->dport = (int) sim_get16 (l4 + 2);
      return true;
    }

  if (protocol == IPPROTO_TCP)
    {
      unsigned int flags = 0;

      /* Only a fresh SYN is a probe: the ACK, FIN or reset the kernel sends
       * after our SYN-ACK is not. */
      if (l4_length < 20)
        return false;
      flags = l4[13];
      if ((flags & 0x17) != 0x02)
        return false;
      probe->protocol = IPPROTO_TCP;
      probe->sport = (int) sim_get16 (l4);
      probe->dport = (int) sim_get16 (l4 + 2);
      probe->tcp_seq = sim_get32 (l4 + 4);
      return true;
    }

  return false;
}

static bool
sim_parse_ip4 (SimProbe *probe, const uint8_t *packet, size_t length)
{
  size_t header_length = 0;
  size_t total_length = 0;
  unsigned int fragment = 0;

  if (length < 20)
    return false;
  header_length = (size_t) (packet[0] & 0x0f) * 4;
  total_length = sim_get16 (packet + 2);
  if (header_length < 20 || total_length < header_length
      || total_length > length)
    return false;

  /* A later fragment has no transport header to answer from. */
  fragment = sim_get16 (packet + 6);
  if ((fragment & 0x1fff) != 0)
    return false;

  probe->family = 4;
  probe->packet = packet;
  probe->size = total_length;
  probe->ttl = packet[8];
  probe->src = packet + 12;
  probe->dst = packet + 16;
  probe->dont_fragment = (fragment & 0x4000) != 0;
  probe->fragmented = (fragment & 0x2000) != 0;
  return sim_parse_transport (probe, packet[9], packet + header_length,
                              total_length - header_length);
}

static bool
sim_parse_ip6 (SimProbe *probe, const uint8_t *packet, size_t length)
{
  size_t total_length = 0;
  size_t offset = 40;
  int next_header = 0;

  if (length < 40)
    return false;
  total_length = 40 + sim_get16 (packet + 4);
  if (total_length > length)
    return false;

  probe->family = 6;
  probe->packet = packet;
  probe->size = total_length;
  probe->ttl = packet[7];
  probe->src = packet + 8;
  probe->dst = packet + 24;
  probe->dont_fragment = true;
  probe->fragmented = false;

  /* Step over hop-by-hop, routing and destination options headers.  A
   * fragment header stops the walk: fragments are not answered. */
  next_header = packet[6];
  while (next_header == 0 || next_header == 43 || next_header == 60)
    {
      size_t extension_length = 0;

      if (offset + 8 > total_length)
        return false;
      extension_length = ((size_t) packet[offset + 1] + 1) * 8;
      next_header = packet[offset];
      offset += extension_length;
    }
  if (offset > total_length)
    return false;

  return sim_parse_transport (probe, next_header, packet + offset,
                              total_length - offset);
}

/* ECMP: the router of a hop is chosen by a hash of the flow, so that one
 * flow always meets the same router, as with a real load balancer. */
static int
sim_choose_router (const SimNode *node, const SimProbe *probe)
{
  size_t address_length = probe->family == 4 ? 4 : 16;
  uint64_t hash = UINT64_C (0xcbf29ce484222325);
  uint8_t key[2 + 16 + 16 + 4] = { 0 };
  size_t key_length = 0;
  size_t i = 0;

  if (node->n_routers <= 1)
    return 0;

  key[key_length++] = (uint8_t) probe->family;
  key[key_length++] = (uint8_t) probe->protocol;
  memcpy (key + key_length, probe->src, address_length);
  key_length += address_length;
  memcpy (key + key_length, probe->dst, address_length);
  key_length += address_length;
  if (probe->protocol == IPPROTO_ICMP)
    {
      sim_put16 (key + key_length, (unsigned int) probe->icmp_id);
      key_length += 2;
    }
  else
    {
      sim_put16 (key + key_length, (unsigned int) probe->sport);
      sim_put16 (key + key_length + 2, (unsigned int) probe->dport);
      key_length += 4;
    }

  /* FNV-1a, then a final mix so that neighbouring ports spread out. */
  for (i = 0; i < key_length; i++)
    hash = (hash ^ key[i]) * UINT64_C (0x100000001b3);
  hash ^= hash >> 33;
  hash *= UINT64_C (0xff51afd7ed558ccd);
  hash ^= hash >> 33;

  return (int) (hash % (uint64_t) node->n_routers);
}

/* The ICMP rate limit of a router: a token bucket holding at most one
 * second of answers. */
static bool
sim_take_token (SimNode *node, int64_t now_ns)
{
  double elapsed = 0.0;

  if (node->rate_limit <= 0.0)
    return true;

  elapsed = (double) (now_ns - node->refilled_ns) / 1e9;
  node->tokens = fmin (node->rate_limit,
                       node->tokens + elapsed * node->rate_limit);
  node->refilled_ns = now_ns;

  if (node->tokens < 1.0)
    return false;
  node->tokens -= 1.0;
  return true;
}

/* Answer construction.  Each builder writes a whole IP packet into out,
 * checksums included, and returns its length. */

static size_t
sim_put_ip_header (Sim *sim, uint8_t *out, int family, size_t payload_length,
                   int protocol, int ttl, const uint8_t *src,
                   const uint8_t *dst)
{
  if (family == 4)
    {
      size_t total_length = 20 + payload_length;

      memset (out, 0, 20);
      out[0] = 0x45;
      out[1] = protocol == IPPROTO_ICMP ? 0xc0 : 0x00;
      sim_put16 (out + 2, (unsigned int) total_length);
      sim_put16 (out + 4, sim->ip_id++);
      out[8] = (uint8_t) ttl;
      out[9] = (uint8_t) protocol;
      memcpy (out + 12, src, 4);
      memcpy (out + 16, dst, 4);
      sim_put16 (out + 10, sim_fold (sim_sum (0, out, 20)));
      return 20;
    }

  memset (out, 0, 40);
  out[0] = 0x60;
  sim_put16 (out + 4, (unsigned int) payload_length);
  out[6] = (uint8_t) (protocol == IPPROTO_ICMP ? IPPROTO_ICMPV6 : protocol);
  out[7] = (uint8_t) ttl;
  memcpy (out + 8, src, 16);
  memcpy (out + 24, dst, 16);
  return 40;
}

static void
sim_checksum_icmp (int family, uint8_t *ip, uint8_t *icmp, size_t length)
{
  uint64_t sum = 0;

  sim_put16 (icmp + 2, 0);
  if (family == 6)
    sum = sim_pseudo_sum (6, ip + 8, ip + 24, IPPROTO_ICMPV6, length);
  sim_put16 (icmp + 2, sim_fold (sim_sum (sum, icmp, length)));
}

/* An RFC 4884 extension structure holding one RFC 4950 MPLS label stack
 * object.  Returns its length. */
static size_t
sim_put_mpls_extension (uint8_t *out, const SimNode *node)
{
  size_t object_length = 4 + 4 * (size_t) node->n_labels;
  int i = 0;

  out[0] = 0x20;
  out[1] = 0;
  sim_put16 (out + 2, 0);
  sim_put16 (out + 4, (unsigned int) object_length);
  out[6] = 1;
  out[7] = 1;
  for (i = 0; i < node->n_labels; i++)
    {
      const SimLabel *label = &node->labels[i];

      sim_put32 (out + 8 + 4 * i,
                 label->label << 12 | label->traffic_class << 9
                 | label->bottom_of_stack << 8 | label->ttl);
    }

  sim_put16 (out + 2, sim_fold (sim_sum (0, out, 4 + object_length)));
  return 4 + object_length;
}

/* An ICMP or ICMPv6 error quoting the probe.  rest is the second word of the
 * ICMP header (the MTU of "too big" answers). */
static size_t
sim_build_error (Sim *sim, uint8_t *out, const SimProbe *probe,
                 const uint8_t *from, int ttl, int type, int code,
                 uint32_t rest, const SimNode *labels)
{
  size_t header_length = probe->family == 4 ? 20 : 40;
  uint8_t *icmp = out + header_length;
  size_t quote_length = 0;
  size_t length = 8;

  /* With an extension the quote is exactly 128 bytes, zero padded, which is
   * where RFC 4884 readers (mtr among them) look for the extension.
   * Otherwise IPv4 quotes up to 128 bytes and IPv6 as much as fits in the
   * minimum MTU, as Linux does. */
  if (labels != NULL && labels->n_labels > 0)
    quote_length = SIM_QUOTE_LENGTH;
  else if (probe->family == 4)
    quote_length = probe->size < SIM_QUOTE_LENGTH ? probe->size
                                                  : SIM_QUOTE_LENGTH;
  else
    quote_length = probe->size < SIM_IPV6_MIN_MTU - 48 ? probe->size
                                                       : SIM_IPV6_MIN_MTU - 48;

  memset (icmp, 0, 8 + quote_length);
  icmp[0] = (uint8_t) type;
  icmp[1] = (uint8_t) code;
  sim_put32 (icmp + 4, rest);
  memcpy (icmp + 8, probe->packet,
          probe->size < quote_length ? probe->size : quote_length);
  length += quote_length;

  if (labels != NULL && labels->n_labels > 0)
    {
      /* The length attribute counts the quote in 32-bit words for ICMP and
       * in 64-bit words for ICMPv6. */
      if (probe->family == 4)
        icmp[5] = SIM_QUOTE_LENGTH / 4;
      else
        icmp[4] = SIM_QUOTE_LENGTH / 8;
      length += sim_put_mpls_extension (icmp + length, labels);
    }

  sim_put_ip_header (sim, out, probe->family, length, IPPROTO_ICMP, ttl,
                     from, probe->src);
  sim_checksum_icmp (probe->family, out, icmp, length);
  return header_length + length;
}

static size_t
sim_build_echo_reply (Sim *sim, uint8_t *out, const SimProbe *probe,
                      const uint8_t *from, int ttl)
{
  size_t header_length = 0;
  uint8_t *icmp = NULL;

  header_length = sim_put_ip_header (sim, out, probe->family,
                                     probe->l4_length, IPPROTO_ICMP, ttl,
                                     from, probe->src);
  icmp = out + header_length;
  memcpy (icmp, probe->l4, probe->l4_length);
  icmp[0] = probe->family == 4 ? 0 : 129;
  sim_checksum_icmp (probe->family, out, icmp, probe->l4_length);
  return header_length + probe->l4_length;
}

static size_t
sim_build_tcp (Sim *sim, uint8_t *out, const SimProbe *probe,
               const uint8_t *from, int ttl, bool open)
{
  size_t tcp_length = open ? 24 : 20;
  size_t header_length = 0;
  uint8_t *tcp = NULL;
  uint64_t sum = 0;

  header_length = sim_put_ip_header (sim, out, probe->family, tcp_length,
                                     IPPROTO_TCP, ttl, from, probe->src);
  tcp = out + header_length;
  memset (tcp, 0, tcp_length);
  sim_put16 (tcp, (unsigned int) probe->dport);
  sim_put16 (tcp + 2, (unsigned int) probe->sport);
  sim_put32 (tcp + 8, probe->tcp_seq + 1);
  if (open)
    {
      /* SYN-ACK with a maximum segment size option. */
      sim_put32 (tcp + 4, (uint32_t) sim_random (sim));
      tcp[12] = 6 << 4;
      tcp[13] = 0x12;
      sim_put16 (tcp + 14, 64240);
      tcp[20] = 2;
      tcp[21] = 4;
      sim_put16 (tcp + 22, probe->family == 4 ? 1460 : 1440);
    }
  else
    {
      /* RST-ACK: the port is closed. */
      tcp[12] = 5 << 4;
      tcp[13] = 0x14;
    }

  sum = sim_pseudo_sum (probe->family, from, probe->src, IPPROTO_TCP,
                        tcp_length);
  sim_put16 (tcp + 16, sim_fold (sim_sum (sum, tcp, tcp_length)));
  return header_length + tcp_length;
}

static size_t
sim_build_answer (Sim *sim, uint8_t *out, const SimProbe *probe,
                  const SimNode *node, const uint8_t *from,
                  SimAnswerKind kind)
{
  int hops_back = node->number > 0 ? node->number : sim->n_hops + 1;
  int ttl = 64 - (hops_back - 1);
  bool v4 = probe->family == 4;

  /* The answer's TTL tells, as on a real path, how far it travelled. */
  if (ttl < 1)
    ttl = 1;

  switch (kind)
    {
    case SIM_ANSWER_TIME_EXCEEDED:
      return sim_build_error (sim, out, probe, from, ttl, v4 ? 11 : 3, 0, 0,
                              node);
    case SIM_ANSWER_TOO_BIG:
      if (v4)
        return sim_build_error (sim, out, probe, from, ttl, 3, 4,
                                (uint32_t) node->mtu, NULL);
      return sim_build_error (sim, out, probe, from, ttl, 2, 0,
                              (uint32_t) node->mtu, NULL);
    case SIM_ANSWER_PORT_UNREACHABLE:
      return sim_build_error (sim, out, probe, from, ttl, v4 ? 3 : 1,
                              v4 ? 3 : 4, 0, NULL);
    case SIM_ANSWER_HOST_UNREACHABLE:
      return sim_build_error (sim, out, probe, from, ttl, v4 ? 3 : 1,
                              v4 ? 1 : 3, 0, NULL);
    case SIM_ANSWER_ECHO_REPLY:
      return sim_build_echo_reply (sim, out, probe, from, ttl);
    case SIM_ANSWER_TCP_SYN_ACK:
      return sim_build_tcp (sim, out, probe, from, ttl, true);
    case SIM_ANSWER_TCP_RESET:
      return sim_build_tcp (sim, out, probe, from, ttl, false);
    default:
      return 0;
    }
}

/* The queue of pending answers: a binary heap on the deadline, ties broken
 * by arrival so that answers due at the same time leave in order. */

static bool
sim_answer_before (const SimAnswer *a, const SimAnswer *b)
{
  if (a->deadline_ns != b->deadline_ns)
    return a->deadline_ns < b->deadline_ns;
  return a->order < b->order;
}

static bool
sim_queue_push (Sim *sim, SimAnswer *answer)
{
  size_t i = sim->queue_length;

  if (sim->queue_length >= SIM_MAX_PENDING)
    return false;

  answer->order = sim->queue_order++;
  sim->queue[sim->queue_length++] = answer;
  while (i > 0 && sim_answer_before (sim->queue[i], sim->queue[(i - 1) / 2]))
    {
      SimAnswer *parent = sim->queue[(i - 1) / 2];

      sim->queue[(i - 1) / 2] = sim->queue[i];
      sim->queue[i] = parent;
      i = (i - 1) / 2;
    }
  return true;
}

static SimAnswer *
sim_queue_pop (Sim *sim)
{
  SimAnswer *first = sim->queue[0];
  size_t i = 0;

  sim->queue[0] = sim->queue[--sim->queue_length];
  for (;;)
    {
      size_t left = 2 * i + 1;
      size_t right = left + 1;
      size_t smallest = i;
      SimAnswer *swap = NULL;

      if (left < sim->queue_length
          && sim_answer_before (sim->queue[left], sim->queue[smallest]))
        smallest = left;
      if (right < sim->queue_length
          && sim_answer_before (sim->queue[right], sim->queue[smallest]))
        smallest = right;
      if (smallest == i)
        break;

      swap = sim->queue[i];
      sim->queue[i] = sim->queue[smallest];
      sim->queue[smallest] = swap;
      i = smallest;
    }
  return first;
}

static void
sim_record (Sim *sim, const SimProbe *probe, int64_t read_ns,
            const SimNode *node, const uint8_t *responder, SimAction action,
            int64_t delay_ns)
{
  char src[INET6_ADDRSTRLEN] = "";
  char dst[INET6_ADDRSTRLEN] = "";
  char responder_text[INET6_ADDRSTRLEN + 2] = "null";
  char hop[16] = "\"target\"";
  const char *protocol = "icmp";

  if (sim->record == NULL)
    return;

  sim_address_text (probe->family, probe->src, src, sizeof src);
  sim_address_text (probe->family, probe->dst, dst, sizeof dst);
  if (responder != NULL)
    {
      char text[INET6_ADDRSTRLEN] = "";

      sim_address_text (probe->family, responder, text, sizeof text);
      snprintf (responder_text, sizeof responder_text, "\"%s\"", text);
    }
  if (node->number > 0)
    snprintf (hop, sizeof hop, "%d", node->number);
  if (probe->protocol == IPPROTO_UDP)
    protocol = "udp";
  else if (probe->protocol == IPPROTO_TCP)
    protocol = "tcp";

  fprintf (sim->record,
           "{\"t\": %.6f, \"family\": %d, \"protocol\": \"%s\", "
           "\"ttl\": %d, \"src\": \"%s\", \"dst\": \"%s\", ",
           (double) (read_ns - sim->start_ns) / 1e9, probe->family, protocol,
           probe->ttl, src, dst);
  if (probe->sport >= 0)
    fprintf (sim->record, "\"sport\": %d, \"dport\": %d, ", probe->sport,
             probe->dport);
  else
    fprintf (sim->record, "\"sport\": null, \"dport\": null, ");
  if (probe->icmp_id >= 0)
    fprintf (sim->record, "\"icmp_id\": %d, \"icmp_seq\": %d, ",
             probe->icmp_id, probe->icmp_seq);
  else
    fprintf (sim->record, "\"icmp_id\": null, \"icmp_seq\": null, ");
  fprintf (sim->record,
           "\"size\": %zu, \"hop\": %s, \"responder\": %s, "
           "\"action\": \"%s\", \"delay_us\": %" PRId64 "}\n",
           probe->size, hop, responder_text, sim_action_names[action],
           delay_ns / 1000);
  fflush (sim->record);
}

/* Decides who answers a probe and how, then queues the answer. */
static void
sim_handle_probe (Sim *sim, const SimProbe *probe, int64_t read_ns)
{
  static uint8_t packet[SIM_PACKET_MAX];
  const uint8_t *target_address = NULL;
  size_t address_length = probe->family == 4 ? 4 : 16;
  SimNode *node = NULL;
  SimAnswerKind kind = SIM_ANSWER_TIME_EXCEEDED;
  SimAction action = SIM_ACTION_ANSWERED;
  const uint8_t *from = NULL;
  const SimRouter *router = NULL;
  SimAnswer *answer = NULL;
  int64_t delay_ns = 0;
  size_t length = 0;
  int reach = 0;
  int k = 0;

  sim_apply_events (sim, read_ns);

  /* A probe bigger than the MTU of a link it would cross is stopped at the
   * first such hop, unless it expires before. */
  reach = probe->ttl < sim->n_hops ? probe->ttl : sim->n_hops;
  for (k = 1; k <= reach && node == NULL; k++)
    {
      SimNode *hop = &sim->hops[k];

      if (hop->mtu > 0 && probe->size > (size_t) hop->mtu
          && probe->dont_fragment)
        {
          node = hop;
          kind = SIM_ANSWER_TOO_BIG;
        }
    }

  target_address = probe->family == 4 ? sim->target.routers[0].v4
                                      : sim->target.routers[0].v6;
  if (node != NULL)
    {
      /* Chosen above. */
    }
  else if (probe->ttl <= sim->n_hops)
    {
      node = &sim->hops[probe->ttl];
      kind = SIM_ANSWER_TIME_EXCEEDED;
    }
  else if (memcmp (probe->dst, target_address, address_length) == 0)
    {
      /* The target cannot reassemble: a fragmented probe goes unanswered,
       * like one to a filtered host. */
      node = &sim->target;
      if (probe->fragmented)
        {
          sim_record (sim, probe, read_ns, node, NULL, SIM_ACTION_SILENT, 0);
          return;
        }

      if (probe->protocol == IPPROTO_ICMP)
        kind = SIM_ANSWER_ECHO_REPLY;
      else if (probe->protocol == IPPROTO_UDP)
        kind = SIM_ANSWER_PORT_UNREACHABLE;
      else if (sim_tcp_port_open (sim, probe->dport))
        kind = SIM_ANSWER_TCP_SYN_ACK;
      else
        kind = SIM_ANSWER_TCP_RESET;
    }
  else if (sim->n_hops > 0)
    {
      /* Another address behind the last hop: nobody there, so the last
       * router says the host is unreachable. */
      node = &sim->hops[sim->n_hops];
      kind = SIM_ANSWER_HOST_UNREACHABLE;
    }
  else
    {
      return;
    }

  router = &node->routers[sim_choose_router (node, probe)];
  from = probe->family == 4 ? router->v4 : router->v6;

  /* A silent router sends nothing; a rate limit drops before the answer
   * exists; loss takes answers that were sent. */
  if (node->silent)
    action = SIM_ACTION_SILENT;
  else if (!sim_take_token (node, read_ns))
    action = SIM_ACTION_RATE_LIMITED;
  else if (node->loss_percent > 0.0
           && sim_random_unit (sim) * 100.0 < node->loss_percent)
    action = SIM_ACTION_LOST;
  else if (kind == SIM_ANSWER_TOO_BIG)
    action = SIM_ACTION_TOO_BIG;

  if (action != SIM_ACTION_ANSWERED && action != SIM_ACTION_TOO_BIG)
    {
      sim_record (sim, probe, read_ns, node, NULL, action, 0);
      return;
    }

  delay_ns = (int64_t) llround (node->delay_ms * 1e6);
  if (node->jitter_ms > 0.0)
    delay_ns += (int64_t) (sim_random_unit (sim) * node->jitter_ms * 1e6);

  length = sim_build_answer (sim, packet, probe, node, from, kind);
  if (length == 0 || !(answer = malloc (sizeof *answer + length)))
    {
      sim->answers_dropped++;
      return;
    }
  answer->deadline_ns = read_ns + delay_ns;
  answer->length = length;
  memcpy (answer->data, packet, length);
  if (!sim_queue_push (sim, answer))
    {
      free (answer);
      sim->answers_dropped++;
      return;
    }

  sim_record (sim, probe, read_ns, node, from, action, delay_ns);
}

static void
sim_handle_packet (Sim *sim, const uint8_t *packet, size_t length,
                   int64_t read_ns)
{
  SimProbe probe = { 0 };
  bool ok = false;

  if (length < 1)
    return;

  if ((packet[0] >> 4) == 4)
    ok = sim_parse_ip4 (&probe, packet, length);
  else if ((packet[0] >> 4) == 6)
    ok = sim_parse_ip6 (&probe, packet, length);
  if (!ok || probe.ttl < 1)
    return;

  sim_handle_probe (sim, &probe, read_ns);
}

/* Reads every packet waiting in the TUN device, each stamped with the time
 * it was read. */
static void
sim_read_packets (Sim *sim)
{
  static uint8_t buffer[SIM_PACKET_MAX];

  for (;;)
    {
      ssize_t length = read (sim->tun_fd, buffer, sizeof buffer);
      int64_t read_ns = sim_now_ns ();

      if (length < 0)
        {
          if (errno != EAGAIN && errno != EINTR)
            fprintf (stderr, "hopscope-pathsim: read: %s\n",
                     strerror (errno));
          return;
        }
      sim_handle_packet (sim, buffer, (size_t) length, read_ns);
    }
}

/* Writes an answer and keeps two figures: how late the write started, which
 * is the error of the schedule, and how long the write took, which is the
 * kernel delivering the packet to the prober's socket before it returns. */
static void
sim_send (Sim *sim, SimAnswer *answer)
{
  int64_t lateness_ns = sim_now_ns () - answer->deadline_ns;
  int64_t write_ns = 0;

  if (write (sim->tun_fd, answer->data, answer->length) < 0)
    {
      fprintf (stderr, "hopscope-pathsim: write: %s\n", strerror (errno));
      sim->answers_dropped++;
      return;
    }

  write_ns = sim_now_ns () - answer->deadline_ns - lateness_ns;
  sim->write_total_ns += write_ns;
  if (write_ns > sim->write_max_ns)
    sim->write_max_ns = write_ns;
  sim->answers_sent++;
  sim->lateness_total_ns += lateness_ns;
  if (lateness_ns > sim->lateness_max_ns)
    sim->lateness_max_ns = lateness_ns;
  if (lateness_ns / 1000 < SIM_LATENESS_BUCKETS)
    sim->lateness_histogram[lateness_ns / 1000]++;
  else
    sim->lateness_histogram[SIM_LATENESS_BUCKETS - 1]++;
}

/* Sends every answer that is due.  An answer due within the spin margin is
 * waited for on the clock, reading new probes meanwhile. */
static void
sim_send_due (Sim *sim)
{
  while (sim->queue_length > 0)
    {
      int64_t deadline_ns = sim->queue[0]->deadline_ns;
      int64_t now_ns = sim_now_ns ();
      SimAnswer *answer = NULL;

      if (deadline_ns > now_ns + sim->spin_ns)
        return;
      if (deadline_ns > now_ns)
        {
          sim_read_packets (sim);
          continue;
        }

      answer = sim_queue_pop (sim);
      sim_send (sim, answer);
      free (answer);
    }
}

static void
sim_arm_timer (Sim *sim)
{
  struct itimerspec timer = { { 0, 0 }, { 0, 0 } };

  if (sim->queue_length > 0)
    {
      int64_t at_ns = sim->queue[0]->deadline_ns - sim->spin_ns;

      /* Zero would disarm the timer. */
      if (at_ns < 1)
        at_ns = 1;
      timer.it_value.tv_sec = at_ns / SIM_NS_PER_SECOND;
      timer.it_value.tv_nsec = at_ns % SIM_NS_PER_SECOND;
    }
  timerfd_settime (sim->timer_fd, TFD_TIMER_ABSTIME, &timer, NULL);
}

static int64_t
sim_lateness_percentile (const Sim *sim, double fraction)
{
  uint64_t wanted = (uint64_t) ceil (fraction * (double) sim->answers_sent);
  uint64_t seen = 0;
  int i = 0;

  for (i = 0; i < SIM_LATENESS_BUCKETS; i++)
    {
      seen += sim->lateness_histogram[i];
      if (seen >= wanted && seen > 0)
        return i;
    }
  return SIM_LATENESS_BUCKETS;
}

static void
sim_print_statistics (const Sim *sim)
{
  if (sim->answers_sent == 0)
    {
      fprintf (stderr, "hopscope-pathsim: no answers sent\n");
      return;
    }

  fprintf (stderr,
           "hopscope-pathsim: %" PRIu64 " answers sent, %" PRIu64
           " dropped; lateness mean %.1f us, median < %" PRId64
           " us, p99 < %" PRId64 " us, max %.1f us; "
           "write mean %.1f us, max %.1f us\n",
           sim->answers_sent, sim->answers_dropped,
           (double) sim->lateness_total_ns / (double) sim->answers_sent
           / 1000.0,
           sim_lateness_percentile (sim, 0.5) + 1,
           sim_lateness_percentile (sim, 0.99) + 1,
           (double) sim->lateness_max_ns / 1000.0,
           (double) sim->write_total_ns / (double) sim->answers_sent
           / 1000.0,
           (double) sim->write_max_ns / 1000.0);
}

static int
sim_open_tun (const char *name)
{
  struct ifreq request = { 0 };
  int fd = -1;

  if (strlen (name) >= IFNAMSIZ)
    {
      fprintf (stderr, "hopscope-pathsim: device name too long: %s\n", name);
      return -1;
    }

  if ((fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK)) < 0)
    {
      fprintf (stderr, "hopscope-pathsim: /dev/net/tun: %s\n",
               strerror (errno));
      return -1;
    }

  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  strcpy (request.ifr_name, name);
  if (ioctl (fd, TUNSETIFF, &request) < 0)
    {
      fprintf (stderr, "hopscope-pathsim: TUNSETIFF %s: %s\n", name,
               strerror (errno));
      close (fd);
      return -1;
    }
  return fd;
}

static void
sim_usage (FILE *out)
{
  fprintf (out,
           "Usage: hopscope-pathsim --tun NAME --config FILE "
           "[--record FILE] [--seed N] [--spin-us N] [--realtime]\n"
           "Answers the probes routed into a TUN device as a simulated "
           "path would.\n"
           "The configuration format is described in tests/sim/README.md.\n");
}

static int
sim_run (Sim *sim)
{
  struct pollfd fds[3] = { { 0 } };

  fds[0].fd = sim->signal_fd;
  fds[0].events = POLLIN;
  fds[1].fd = sim->tun_fd;
  fds[1].events = POLLIN;
  fds[2].fd = sim->timer_fd;
  fds[2].events = POLLIN;

  for (;;)
    {
      sim_arm_timer (sim);
      if (poll (fds, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          fprintf (stderr, "hopscope-pathsim: poll: %s\n", strerror (errno));
          return 1;
        }

      if (fds[0].revents & POLLIN)
        return 0;
      if (fds[1].revents & (POLLERR | POLLHUP))
        {
          fprintf (stderr, "hopscope-pathsim: the TUN device went away\n");
          return 1;
        }
      if (fds[1].revents & POLLIN)
        sim_read_packets (sim);
      if (fds[2].revents & POLLIN)
        {
          uint64_t expirations = 0;

          if (read (sim->timer_fd, &expirations, sizeof expirations) < 0
              && errno != EAGAIN)
            fprintf (stderr, "hopscope-pathsim: timer: %s\n",
                     strerror (errno));
        }
      sim_send_due (sim);
    }
}

int
main (int argc, char **argv)
{
  static const struct option options[] = {
    { "tun", required_argument, NULL, 't' },
    { "config", required_argument, NULL, 'c' },
    { "record", required_argument, NULL, 'r' },
    { "seed", required_argument, NULL, 's' },
    { "spin-us", required_argument, NULL, 'S' },
    { "realtime", no_argument, NULL, 'R' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  static Sim sim;
  const char *tun_name = NULL;
  const char *config_path = NULL;
  const char *record_path = NULL;
  unsigned long long seed = 1;
  long spin_us = 200;
  bool realtime = false;
  sigset_t signals;
  int status = 0;
  int option = 0;
  int k = 0;

  while ((option = getopt_long (argc, argv, "h", options, NULL)) != -1)
    {
      char *end = NULL;

      switch (option)
        {
        case 't':
          tun_name = optarg;
          break;
        case 'c':
          config_path = optarg;
          break;
        case 'r':
          record_path = optarg;
          break;
        case 's':
          errno = 0;
          seed = strtoull (optarg, &end, 10);
          if (errno != 0 || *optarg == '\0' || *end != '\0')
            {
              fprintf (stderr, "hopscope-pathsim: bad seed: %s\n", optarg);
              return 2;
            }
          break;
        case 'S':
          if (!sim_parse_int (optarg, 0, 100000, &spin_us))
            {
              fprintf (stderr, "hopscope-pathsim: bad spin: %s\n", optarg);
              return 2;
            }
          break;
        case 'R':
          realtime = true;
          break;
        case 'h':
          sim_usage (stdout);
          return 0;
        default:
          sim_usage (stderr);
          return 2;
        }
    }
  if (tun_name == NULL || config_path == NULL || optind != argc)
    {
      sim_usage (stderr);
      return 2;
    }

  if (!sim_load_config (&sim, config_path))
    return 2;
  sim.random_state = seed;
  sim.spin_ns = spin_us * 1000;
  if (!(sim.queue = calloc (SIM_MAX_PENDING, sizeof sim.queue[0])))
    return 1;

  if (record_path != NULL && !(sim.record = fopen (record_path, "we")))
    {
      fprintf (stderr, "hopscope-pathsim: %s: %s\n", record_path,
               strerror (errno));
      return 1;
    }

  /* Timers of ordinary threads may fire up to 50 µs late to save power;
   * this program wants them on time. */
  prctl (PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  /* On a busy machine an ordinary thread may wait for a time slice after
   * its timer fires.  A real-time priority avoids that; the spin before
   * each answer is short, so the program never holds a CPU for long. */
  if (realtime)
    {
      struct sched_param param = { .sched_priority = 10 };

      if (sched_setscheduler (0, SCHED_FIFO, &param) < 0
          || mlockall (MCL_CURRENT | MCL_FUTURE) < 0)
        fprintf (stderr, "hopscope-pathsim: no real-time scheduling: %s\n",
                 strerror (errno));
    }

  sigemptyset (&signals);
  sigaddset (&signals, SIGTERM);
  sigaddset (&signals, SIGINT);
  sigprocmask (SIG_BLOCK, &signals, NULL);
  signal (SIGPIPE, SIG_IGN);
  if ((sim.signal_fd = signalfd (-1, &signals, SFD_CLOEXEC)) < 0
      || (sim.timer_fd = timerfd_create (CLOCK_MONOTONIC,
                                         TFD_CLOEXEC | TFD_NONBLOCK)) < 0)
    {
      fprintf (stderr, "hopscope-pathsim: %s\n", strerror (errno));
      return 1;
    }

  if ((sim.tun_fd = sim_open_tun (tun_name)) < 0)
    return 1;

  /* Time starts now, for the records and the "at" lines alike. */
  sim.start_ns = sim_now_ns ();
  for (k = 0; k <= sim.n_hops; k++)
    {
      sim_node (&sim, k)->tokens = sim_node (&sim, k)->rate_limit;
      sim_node (&sim, k)->refilled_ns = sim.start_ns;
    }
  printf ("ready\n");
  fflush (stdout);

  status = sim_run (&sim);

  sim_print_statistics (&sim);
  if (sim.record != NULL)
    fclose (sim.record);
  close (sim.tun_fd);
  return status;
}
