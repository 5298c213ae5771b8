/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>

#include <glib/gi18n.h>

#include "hs-diagnosis.h"

/* The thresholds below are explained, for users and for scripts, in
 * docs/diagnosis.md; change both together. */

/* A hop's loss is judged only over this many probes with a known fate:
 * below it, one unlucky probe is already ten percent. */
#define LOSS_MIN_PROBES 10

/* A hop loses probes when at least this share of them is lost ... */
#define LOSS_MIN_PERCENT 5.0

/* ... and when the loss is very unlikely to be this much background loss
 * seen through bad luck: the lower bound of the Wilson score interval at
 * the confidence of LOSS_Z (99.5% on that side) must lie above it. */
#define LOSS_NOISE_PERCENT 2.0
#define LOSS_Z 2.576

/* A hop that answers none of this many probes is silent. */
#define SILENT_MIN_PROBES LOSS_MIN_PROBES

/* A mean round-trip time is compared only over this many answers. */
#define LATENCY_MIN_ANSWERS 5

/* A latency step is at least this large ... */
#define LATENCY_STEP_MIN_US 10000.0

/* ... and this many times the larger standard deviation of the two hops,
 * so that jitter does not read as a step. */
#define LATENCY_STEP_DEVIATIONS 4.0

/* A step stays up when every later hop's mean is at least this share of
 * the step above the mean before it. */
#define LATENCY_STAY_SHARE 0.5

/* A change of responder counts when both the responders before and those
 * after gave at least this many answers. */
#define PATH_CHANGE_MIN_ANSWERS 5

/* What the diagnosis reads of one hop. */
typedef struct
{
  HsHop *hop;
  guint ttl;
  guint known;                 /* probes with a known fate */
  guint answered;
  double loss_percent;
  double loss_low;             /* the Wilson interval of the loss, 0 to 1 */
  double loss_high;
  gboolean lossy;
  gboolean silent;
  double mean_us;
  double deviation_us;
} HopView;

const char *
hs_finding_kind_to_string (HsFindingKind kind)
{
  switch (kind)
    {
    case HS_FINDING_LOSS_ON_PATH:
      return "loss-on-path";
    case HS_FINDING_RATE_LIMITED:
      return "rate-limited";
    case HS_FINDING_LATENCY_STEP:
      return "latency-step";
    case HS_FINDING_SILENT_HOP:
      return "silent-hop";
    case HS_FINDING_TARGET_SILENT:
      return "target-silent";
    case HS_FINDING_PATH_CHANGED:
      return "path-changed";
    case HS_FINDING_HEALTHY:
      return "healthy";
    default:
      g_return_val_if_reached (NULL);
    }
}

void
hs_finding_free (HsFinding *finding)
{
  if (finding == NULL)
    return;

  g_free (finding->sentence);
  g_free (finding);
}

/* Takes SENTENCE. */
static HsFinding *
finding_new (HsFindingKind kind,
             guint ttl,
             char *sentence)
{
  HsFinding *finding = g_new0 (HsFinding, 1);

  g_assert (sentence != NULL);

  finding->kind = kind;
  finding->ttl = ttl;
  finding->loss_percent = -1;
  finding->before_ms = -1;
  finding->after_ms = -1;
  finding->changed_us = 0;
  finding->sentence = sentence;

  return finding;
}

/* The Wilson score interval of SUCCESSES in N trials, as shares. */
static void
wilson_interval (guint successes,
                 guint n,
                 double *low,
                 double *high)
{
  double p = 0;
  double z2 = LOSS_Z * LOSS_Z;
  double centre = 0;
  double half = 0;

  g_assert (n > 0);
  g_assert (successes <= n);

  p = (double) successes / n;
  centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
  half = LOSS_Z * sqrt (p * (1.0 - p) / n + z2 / (4.0 * n * n))
    / (1.0 + z2 / n);

  *low = MAX (0.0, centre - half);
  *high = MIN (1.0, centre + half);
}

static void
hop_view_init (HopView *view,
               HsHop *hop)
{
  const HsHopStats *stats = hs_hop_get_stats (hop);

  g_assert (view != NULL);

  view->hop = hop;
  view->ttl = hs_hop_get_ttl (hop);
  view->answered = stats->answered;
  view->known = stats->answered + stats->lost;
  view->loss_percent = hs_hop_stats_get_loss_percent (stats);
  view->mean_us = hs_hop_stats_get_mean_us (stats);
  view->deviation_us = hs_hop_stats_get_deviation_us (stats);

  view->silent = view->answered == 0 && view->known >= SILENT_MIN_PROBES;
  if (view->known >= LOSS_MIN_PROBES)
    {
      wilson_interval (stats->lost, view->known,
                       &view->loss_low, &view->loss_high);
      view->lossy = view->answered > 0
        && view->loss_percent >= LOSS_MIN_PERCENT
        && view->loss_low * 100.0 > LOSS_NOISE_PERCENT;
    }
}

/* Whether VIEW's loss can be judged, and it answers at all. */
static gboolean
hop_view_is_judged (const HopView *view)
{
  return view->known >= LOSS_MIN_PROBES && view->answered > 0;
}

/* "hop 5 (name)", "hop 5 (203.0.113.5)", or "hop 5" when nobody answered
 * there. */
static char *
describe_hop (HsHop *hop)
{
  g_autofree char *address = NULL;
  const HsResponder *responder = hs_hop_get_main_responder (hop);

  g_assert (HS_IS_HOP (hop));

  if (responder == NULL)
    return g_strdup_printf (_("hop %u"), hs_hop_get_ttl (hop));
  if (responder->name != NULL)
    return g_strdup_printf (_("hop %u (%s)"), hs_hop_get_ttl (hop),
                            responder->name);

  address = g_inet_address_to_string (responder->address);
  return g_strdup_printf (_("hop %u (%s)"), hs_hop_get_ttl (hop), address);
}

static char *
describe_responder (HsHop *hop,
                    guint16 history_index)
{
  const HsResponder *responder = NULL;

  g_assert (history_index > 0);

  responder = hs_hop_get_responder (hop, history_index - 1);
  if (responder->name != NULL)
    return g_strdup (responder->name);

  return g_inet_address_to_string (responder->address);
}

/* The index of the view that ends the path: the target, or else the last
 * hop that answered; -1 when none answered. */
static gint
find_end (const HopView *views,
          guint n_views,
          gboolean *reached)
{
  gint end = -1;

  g_assert (reached != NULL);

  *reached = FALSE;
  for (guint i = 0; i < n_views; i++)
    {
      if (hs_hop_is_target (views[i].hop))
        {
          *reached = TRUE;
          return (gint) i;
        }
      if (views[i].answered > 0)
        end = (gint) i;
    }

  return end;
}

static HsFinding *
loss_on_path_finding (const HopView *start,
                      const HopView *end,
                      gboolean reached)
{
  g_autofree char *start_name = describe_hop (start->hop);
  g_autofree char *end_name = describe_hop (end->hop);
  HsFinding *finding = NULL;
  char *sentence = NULL;

  if (start == end && reached)
    sentence = g_strdup_printf (_("The target, %s, does not answer %.0f%% "
                                  "of the probes, while the hops before it "
                                  "pass them on: the loss is at the target "
                                  "or on the last link to it."),
                                end_name, end->loss_percent);
  else if (reached)
    sentence = g_strdup_printf (_("Loss starts at %s and carries on to the "
                                  "target: %.0f%% of the probes to the "
                                  "target are lost.  The path loses packets "
                                  "from that hop on."),
                                start_name, end->loss_percent);
  else if (start == end)
    sentence = g_strdup_printf (_("The last hop that answers, %s, does not "
                                  "answer %.0f%% of the probes, while the "
                                  "hops before it pass them on: the path "
                                  "may lose packets from there."),
                                end_name, end->loss_percent);
  else
    sentence = g_strdup_printf (_("Loss starts at %s and carries on to the "
                                  "last hop that answers, %s, which does "
                                  "not answer %.0f%% of the probes.  The "
                                  "path loses packets from that hop on."),
                                start_name, end_name, end->loss_percent);

  finding = finding_new (HS_FINDING_LOSS_ON_PATH, start->ttl, sentence);
  finding->loss_percent = end->loss_percent;
  return finding;
}

static HsFinding *
rate_limited_finding (const HopView *view)
{
  g_autofree char *name = describe_hop (view->hop);
  HsFinding *finding = NULL;

  finding = finding_new (HS_FINDING_RATE_LIMITED, view->ttl,
                         g_strdup_printf (_("The router at %s does not "
                                            "answer %.0f%% of the probes "
                                            "sent to it, but the "
                                            "hops after it lose less: that "
                                            "router limits its answers to "
                                            "probes.  This is not a fault."),
                                          name, view->loss_percent));
  finding->loss_percent = view->loss_percent;
  return finding;
}

/* Loss on the path, and loss at single hops whose later hops do not share
 * it (rate limits). */
static void
judge_loss (const HopView *views,
            guint n_views,
            GPtrArray *findings)
{
  g_autofree gboolean *in_chain = g_new0 (gboolean, n_views + 1);
  gboolean reached = FALSE;
  gint end = find_end (views, n_views, &reached);
  gint head = -1;

  g_assert (findings != NULL);

  /* Walk back from the end of the path while the hops lose probes; hops
   * that cannot be judged (silent, or with too few probes) neither break
   * the run nor join it. */
  if (end >= 0 && views[end].lossy)
    for (gint i = end; i >= 0; i--)
      {
        if (!hop_view_is_judged (&views[i]))
          continue;
        if (!views[i].lossy)
          break;
        head = i;
        in_chain[i] = TRUE;
      }

  /* A hop at the head of the run that loses far more than the end does
   * (their intervals do not even overlap) limits its answers on top of the
   * loss it passes on: the loss on the path starts at the next one. */
  while (head >= 0 && head < end
         && views[head].loss_low > views[end].loss_high)
    {
      in_chain[head] = FALSE;
      do
        head++;
      while (!in_chain[head]);
    }

  if (head >= 0)
    g_ptr_array_add (findings,
                     loss_on_path_finding (&views[head], &views[end],
                                           reached));

  /* Any other hop that loses probes, with a judged hop after it, does not
   * pass its loss on to the end of the path: it only limits its own
   * answers. */
  for (guint i = 0; i < n_views; i++)
    {
      if (!views[i].lossy || in_chain[i])
        continue;
      for (guint j = i + 1; j < n_views; j++)
        if (hop_view_is_judged (&views[j]))
          {
            g_ptr_array_add (findings, rate_limited_finding (&views[i]));
            break;
          }
    }
}

/* Hops that never answer while later hops do, and a target that never
 * answers. */
static void
judge_silence (const HopView *views,
               guint n_views,
               GPtrArray *findings)
{
  gboolean reached = FALSE;
  gint end = find_end (views, n_views, &reached);

  g_assert (findings != NULL);

  for (gint i = 0; i < end; i++)
    {
      g_autofree char *name = NULL;

      if (!views[i].silent)
        continue;

      name = describe_hop (views[i].hop);
      g_ptr_array_add (findings,
                       finding_new (HS_FINDING_SILENT_HOP, views[i].ttl,
                                    g_strdup_printf (_("The router at %s "
                                                       "never answers, but "
                                                       "the hops after "
                                                       "it do: that router "
                                                       "does not reply to "
                                                       "probes.  This is "
                                                       "not a fault."),
                                                     name)));
    }

  /* Whether the target answers is judged at the last hop listed, which
   * must have had its share of probes. */
  if (!reached && n_views > 0 && views[n_views - 1].known >= SILENT_MIN_PROBES)
    {
      char *sentence = NULL;

      if (end >= 0)
        {
          g_autofree char *last = describe_hop (views[end].hop);

          sentence = g_strdup_printf (_("The target never answered; the "
                                        "last hop that answers is %s.  The "
                                        "target, or a firewall in front of "
                                        "it, may block probes: try another "
                                        "protocol (TCP or UDP) or port."),
                                      last);
        }
      else
        sentence = g_strdup (_("Nothing answered: neither the target nor any "
                               "hop on the way.  Check this machine's "
                               "network connection, or try another "
                               "protocol (TCP or UDP)."));

      g_ptr_array_add (findings,
                       finding_new (HS_FINDING_TARGET_SILENT, 0, sentence));
    }
}

static HsFinding *
latency_step_finding (const HopView *view,
                      const HopView *before)
{
  g_autofree char *name = describe_hop (view->hop);
  g_autofree char *previous = describe_hop (before->hop);
  HsFinding *finding = NULL;
  char *sentence = NULL;

  sentence = g_strdup_printf (_("The round-trip time steps up at %s, from "
                                "%.1f ms at %s to %.1f ms, and stays up at "
                                "the hops after it.  The time is added on "
                                "the link to that hop (a long or a slow "
                                "one)."),
                              name, before->mean_us / 1000.0, previous,
                              view->mean_us / 1000.0);

  finding = finding_new (HS_FINDING_LATENCY_STEP, view->ttl, sentence);
  finding->before_ms = before->mean_us / 1000.0;
  finding->after_ms = view->mean_us / 1000.0;
  return finding;
}

/* Where the round-trip time steps up and stays up. */
static void
judge_latency (const HopView *views,
               guint n_views,
               GPtrArray *findings)
{
  gint before = -1;

  g_assert (findings != NULL);

  for (guint i = 0; i < n_views; i++)
    {
      double step = 0;
      double deviation = 0;
      gboolean stays = TRUE;

      if (views[i].answered < LATENCY_MIN_ANSWERS)
        continue;
      if (before < 0)
        {
          before = (gint) i;
          continue;
        }

      step = views[i].mean_us - views[before].mean_us;
      deviation = MAX (views[i].deviation_us, views[before].deviation_us);
      for (guint j = i + 1; j < n_views && stays; j++)
        if (views[j].answered >= LATENCY_MIN_ANSWERS)
          stays = views[j].mean_us - views[before].mean_us
                  >= LATENCY_STAY_SHARE * step;

      if (step >= LATENCY_STEP_MIN_US
          && step >= LATENCY_STEP_DEVIATIONS * deviation
          && stays)
        g_ptr_array_add (findings,
                         latency_step_finding (&views[i], &views[before]));

      before = (gint) i;
    }
}

/* The first change of responder at HOP after which none of the responders
 * seen before answers again.  Load balancing keeps its routers answering
 * all along, so it never shows such a moment.  Returns FALSE when there is
 * none. */
static gboolean
find_route_change (HsHop *hop,
                   gint64 *changed_us,
                   guint16 *before,
                   guint16 *after)
{
  g_autofree guint *last = NULL;
  HsHistory *history = hs_hop_get_history (hop);
  guint length = hs_history_get_length (history);
  guint n_responders = hs_hop_get_n_responders (hop);
  guint answers = 0;
  guint position = 0;
  guint latest = 0;
  guint16 previous = 0;

  g_assert (changed_us != NULL && before != NULL && after != NULL);

  if (n_responders < 2)
    return FALSE;
  last = g_new0 (guint, n_responders + 1);

  /* The position, among the answers naming a responder, of each
   * responder's last answer. */
  for (guint i = 0; i < length; i++)
    {
      const HsProbeRecord *record = hs_history_get (history, i);

      if (record->round_trip_us == HS_PROBE_LOST || record->responder == 0)
        continue;
      last[record->responder] = answers++;
    }

  /* A change lies between two answers when no responder that answered
   * before it answers after it. */
  for (guint i = 0; i < length; i++)
    {
      const HsProbeRecord *record = hs_history_get (history, i);

      if (record->round_trip_us == HS_PROBE_LOST || record->responder == 0)
        continue;

      if (position >= PATH_CHANGE_MIN_ANSWERS
          && answers - position >= PATH_CHANGE_MIN_ANSWERS
          && latest < position)
        {
          *changed_us = record->sent_us;
          *before = previous;
          *after = record->responder;
          return TRUE;
        }

      latest = MAX (latest, last[record->responder]);
      previous = record->responder;
      position++;
    }

  return FALSE;
}

static HsFinding *
path_changed_finding (const HopView *view,
                      gint64 changed_us,
                      guint16 before,
                      guint16 after)
{
  g_autofree char *old_name = describe_responder (view->hop, before);
  g_autofree char *new_name = describe_responder (view->hop, after);
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *when = NULL;
  HsFinding *finding = NULL;
  char *sentence = NULL;

  time = g_date_time_new_from_unix_utc (changed_us / G_USEC_PER_SEC);
  when = g_date_time_format (time, "%Y-%m-%d %H:%M:%S UTC");
  sentence = g_strdup_printf (_("The route changed at hop %u at %s: %s "
                                "answered there until then, %s ever since.  "
                                "Figures that span the change mix two "
                                "paths; select a time range on one side of "
                                "it."),
                              view->ttl, when, old_name, new_name);

  finding = finding_new (HS_FINDING_PATH_CHANGED, view->ttl, sentence);
  finding->changed_us = changed_us;
  return finding;
}

static void
judge_routes (const HopView *views,
              guint n_views,
              GPtrArray *findings)
{
  g_assert (findings != NULL);

  for (guint i = 0; i < n_views; i++)
    {
      gint64 changed_us = 0;
      guint16 before = 0;
      guint16 after = 0;

      if (find_route_change (views[i].hop, &changed_us, &before, &after))
        g_ptr_array_add (findings,
                         path_changed_finding (&views[i], changed_us,
                                               before, after));
    }
}

/* The order of importance of the kinds, most important first. */
static guint
kind_rank (HsFindingKind kind)
{
  static const HsFindingKind order[] = {
    HS_FINDING_TARGET_SILENT,
    HS_FINDING_LOSS_ON_PATH,
    HS_FINDING_PATH_CHANGED,
    HS_FINDING_LATENCY_STEP,
    HS_FINDING_RATE_LIMITED,
    HS_FINDING_SILENT_HOP,
    HS_FINDING_HEALTHY,
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (order[i] == kind)
      return i;

  g_return_val_if_reached (G_N_ELEMENTS (order));
}

static gint
compare_findings (gconstpointer a,
                  gconstpointer b)
{
  const HsFinding *first = *(HsFinding * const *) a;
  const HsFinding *second = *(HsFinding * const *) b;
  guint first_rank = kind_rank (first->kind);
  guint second_rank = kind_rank (second->kind);

  if (first_rank != second_rank)
    return first_rank < second_rank ? -1 : 1;
  if (first->ttl != second->ttl)
    return first->ttl < second->ttl ? -1 : 1;
  return 0;
}

/**
 * hs_diagnose:
 * @data: what a trace measured
 *
 * Judges the first @data->n_hops hops of @data by the rules of
 * docs/diagnosis.md.
 *
 * Returns: (transfer full) (element-type HsFinding): the findings, most
 * important first; one %HS_FINDING_HEALTHY when there is nothing else
 */
GPtrArray *
hs_diagnose (const HsTraceData *data)
{
  g_autoptr(GPtrArray) findings = NULL;
  g_autoptr(GPtrArray) hops = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree HopView *views = NULL;
  guint n_views = 0;

  g_return_val_if_fail (data != NULL, NULL);

  findings = g_ptr_array_new_with_free_func ((GDestroyNotify) hs_finding_free);

  n_views = MIN (data->n_hops,
                 g_list_model_get_n_items (G_LIST_MODEL (data->hops)));
  views = g_new0 (HopView, n_views + 1);
  for (guint i = 0; i < n_views; i++)
    {
      HsHop *hop = g_list_model_get_item (G_LIST_MODEL (data->hops), i);

      g_ptr_array_add (hops, hop);
      hop_view_init (&views[i], hop);
    }

  judge_loss (views, n_views, findings);
  judge_silence (views, n_views, findings);
  judge_latency (views, n_views, findings);
  judge_routes (views, n_views, findings);
  g_ptr_array_sort (findings, compare_findings);

  /* Nothing to say: either the path is fine or too little was measured to
   * tell, and the sentence says which. */
  if (findings->len == 0)
    {
      gboolean reached = FALSE;
      gint end = find_end (views, n_views, &reached);
      const char *sentence = NULL;

      if (end >= 0 && views[end].known >= LOSS_MIN_PROBES)
        sentence = _("No problem found: the hops lose no probes worth "
                     "noting and the round-trip time has no lasting step.");
      else
        sentence = _("Too few probes to judge the path: let the trace run "
                     "for more rounds.");
      g_ptr_array_add (findings,
                       finding_new (HS_FINDING_HEALTHY, 0,
                                    g_strdup (sentence)));
    }

  return g_steal_pointer (&findings);
}
