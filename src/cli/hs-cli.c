/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "hs-cli.h"
#include "hs-diagnosis.h"
#include "hs-privacy.h"
#include "hs-recording.h"
#include "hs-report.h"
#include "hs-snapshot.h"
#include "hs-trace-data.h"
#include "hs-trace.h"

/* mtr's defaults, so that the same command line gives the same trace. */
#define DEFAULT_COUNT 10
#define DEFAULT_SIZE 64

#define MAX_COUNT 1000000
#define MAX_SIZE 65535
#define MAX_TTL 255
#define MAX_TIMEOUT_SECONDS 3600
#define MAX_INTERVAL_SECONDS 3600.0

/* The command line as GOption fills it in. */
typedef struct
{
  gboolean report;
  int count;
  double interval;
  int size;
  int first_ttl;
  int max_ttl;
  gboolean tcp;
  gboolean udp;
  int port;
  gboolean ipv4;
  gboolean ipv6;
  gboolean no_dns;
  gboolean wide;
  gboolean json;
  gboolean csv;
  gboolean markdown;
  int timeout;
  gboolean hide_private;
  gboolean hide_own;
  int hide_first;
  char *record_path;
  char *open_path;
  char *snapshot_path;
  char **targets;
} CommandLine;

/* What a report run writes once it has the data, live or recorded. */
typedef struct
{
  HsReportFormat format;
  gboolean wide;
  HsPrivacy privacy;
  const char *record_path;     /* NULL: no recording */
  const char *snapshot_path;   /* NULL: no snapshot */
  HsSnapshotFormat snapshot_format;
} Outputs;

/* One report run: the trace, the loop that waits for it, and how it
 * ended. */
typedef struct
{
  HsTrace *trace;
  GMainLoop *loop;
  const Outputs *outputs;
  gint64 started_us;
  gboolean done;
  int status;
} ReportRun;

/* Short options that take no value, so that a group of them ("-rnw") can
 * be told from an option with its value. */
static const char flag_letters[] = "rTu46nwjC";
static const char report_letters[] = "rwjC";

gboolean
hs_cli_wants_report (int argc,
                     char **argv)
{
  g_return_val_if_fail (argc == 0 || argv != NULL, FALSE);

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (g_str_equal (arg, "--"))
        break;
      if (g_str_equal (arg, "--report") || g_str_equal (arg, "--json")
          || g_str_equal (arg, "--csv") || g_str_equal (arg, "--report-wide")
          || g_str_equal (arg, "--markdown")
          || g_str_equal (arg, "--snapshot")
          || g_str_has_prefix (arg, "--snapshot="))
        return TRUE;

      /* A group of short flags names the report if one of them does. */
      if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0'
          && strspn (arg + 1, flag_letters) == strlen (arg + 1)
          && strpbrk (arg + 1, report_letters) != NULL)
        return TRUE;
    }

  return FALSE;
}

static gboolean
usage_error (GError **error,
             const char *message)
{
  g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       message);
  return FALSE;
}

/* Checks what GOption cannot: ranges, and options that exclude each other.
 * Fills OPTIONS from LINE. */
static gboolean
command_line_to_options (const CommandLine *line,
                         HsTraceOptions *options,
                         GError **error)
{
  g_assert (line != NULL);
  g_assert (options != NULL);

  if (line->targets == NULL || line->targets[0] == NULL)
    return usage_error (error, _("No target given: name the host or address "
                                 "to trace after the options, or give a "
                                 "recording with --open."));
  if (line->targets[1] != NULL)
    return usage_error (error, _("More than one target given: a report "
                                 "traces one host; run hopscope once for "
                                 "each."));
  if (line->count < 1 || line->count > MAX_COUNT)
    return usage_error (error, _("--report-cycles must be a whole number "
                                 "from 1 to 1000000."));
  if (!isfinite (line->interval) || line->interval <= 0.0
      || line->interval > MAX_INTERVAL_SECONDS)
    return usage_error (error, _("--interval must be a number of seconds "
                                 "above 0 and at most 3600, such as 0.5."));
  if (line->size < 0 || line->size > MAX_SIZE)
    return usage_error (error, _("--psize must be a number of bytes from 0 "
                                 "to 65535."));
  if (line->first_ttl < 1 || line->first_ttl > MAX_TTL)
    return usage_error (error, _("--first-ttl must be from 1 to 255."));
  if (line->max_ttl < 1 || line->max_ttl > MAX_TTL)
    return usage_error (error, _("--max-ttl must be from 1 to 255."));
  if (line->first_ttl > line->max_ttl)
    return usage_error (error, _("--first-ttl must not be above --max-ttl."));
  if (line->port < 0 || line->port > 65535)
    return usage_error (error, _("--port must be from 1 to 65535."));
  if (line->port > 0 && !line->tcp && !line->udp)
    return usage_error (error, _("--port needs --tcp or --udp: ICMP probes "
                                 "have no port."));
  if (line->timeout < 1 || line->timeout > MAX_TIMEOUT_SECONDS)
    return usage_error (error, _("--timeout must be a whole number of "
                                 "seconds from 1 to 3600."));
  if (line->tcp && line->udp)
    return usage_error (error, _("--tcp and --udp exclude each other: "
                                 "choose one protocol."));
  if (line->ipv4 && line->ipv6)
    return usage_error (error, _("-4 and -6 exclude each other: choose "
                                 "one address family."));

  g_free (options->target);
  options->target = g_strdup (line->targets[0]);
  options->family = line->ipv4 ? HS_ADDRESS_FAMILY_IPV4
                    : line->ipv6 ? HS_ADDRESS_FAMILY_IPV6
                    : HS_ADDRESS_FAMILY_ANY;
  options->protocol = line->tcp ? HS_PROTOCOL_TCP
                      : line->udp ? HS_PROTOCOL_UDP
                      : HS_PROTOCOL_ICMP;
  options->port = (guint) line->port;
  options->first_ttl = (guint) line->first_ttl;
  options->max_ttl = (guint) line->max_ttl;
  options->size = (guint) line->size;
  options->interval_ms = MAX (1, (guint) round (line->interval * 1000.0));
  options->timeout_seconds = (guint) line->timeout;
  options->count = (guint) line->count;
  options->resolve_names = !line->no_dns;

  return TRUE;
}

/* A recording is reported on as it was measured: an option that would
 * change how a trace probes has nothing to change there.  An option left
 * at its default cannot be told from one not given, and changes nothing
 * either. */
static gboolean
check_open (const CommandLine *line,
            const CommandLine *defaults,
            GError **error)
{
  g_assert (line != NULL);
  g_assert (defaults != NULL);

  if (line->targets != NULL && line->targets[0] != NULL)
    return usage_error (error, _("--open reports on a recording and traces "
                                 "nothing: give no target with it, or "
                                 "leave out --open to trace the target."));
  if (line->count != defaults->count || line->interval != defaults->interval
      || line->size != defaults->size
      || line->first_ttl != defaults->first_ttl
      || line->max_ttl != defaults->max_ttl || line->port != defaults->port
      || line->timeout != defaults->timeout || line->tcp || line->udp
      || line->ipv4 || line->ipv6 || line->no_dns)
    return usage_error (error, _("--open reports on a recording as it was "
                                 "measured: leave out the options of a "
                                 "trace (-c, -i, -s, -f, -m, -T, -u, -P, "
                                 "-4, -6, -n, --timeout)."));

  return TRUE;
}

/* Fills OUTPUTS from LINE: the report's format, what to hide, and the
 * files to write besides the report. */
static gboolean
command_line_to_outputs (const CommandLine *line,
                         Outputs *outputs,
                         GError **error)
{
  g_assert (line != NULL);
  g_assert (outputs != NULL);

  if (line->json + line->csv + line->markdown > 1)
    return usage_error (error, _("--json, --csv and --markdown exclude each "
                                 "other: choose one format."));
  if (line->hide_first < 0 || line->hide_first > MAX_TTL)
    return usage_error (error, _("--hide-first must be a number of hops "
                                 "from 0 to 255."));
  if (line->snapshot_path != NULL
      && !hs_snapshot_format_from_path (line->snapshot_path,
                                        &outputs->snapshot_format, error))
    return FALSE;

  outputs->format = line->json ? HS_REPORT_FORMAT_JSON
                    : line->csv ? HS_REPORT_FORMAT_CSV
                    : line->markdown ? HS_REPORT_FORMAT_MARKDOWN
                    : HS_REPORT_FORMAT_TEXT;
  outputs->wide = line->wide;
  outputs->privacy.hide_private = line->hide_private;
  outputs->privacy.hide_own = line->hide_own;
  outputs->privacy.hide_first_hops = (guint) line->hide_first;
  outputs->record_path = line->record_path;
  outputs->snapshot_path = line->snapshot_path;

  return TRUE;
}

/* Prints the report on DATA and writes the recording and the snapshot
 * asked for.  The report and the snapshot show what the privacy options
 * leave, and the diagnosis judges that same data, so that its sentences
 * name nothing that was hidden.  The recording keeps all of DATA: it is
 * the evidence itself, which a later --open can report on with any
 * privacy options.  Returns the exit status. */
static int
write_outputs (const Outputs *outputs,
               const HsTraceData *data)
{
  g_autoptr(HsTraceData) private_data = NULL;
  g_autoptr(GPtrArray) findings = NULL;
  g_autofree char *text = NULL;
  const HsTraceData *shown = data;
  const HsFinding *first = NULL;
  int status = HS_CLI_EXIT_OK;

  g_assert (outputs != NULL);
  g_assert (data != NULL);

  if (!hs_privacy_is_empty (&outputs->privacy))
    shown = private_data = hs_privacy_apply (data, &outputs->privacy);

  findings = hs_diagnose (shown);
  text = hs_report_write_data (outputs->format, shown, findings,
                               outputs->wide);
  fputs (text, stdout);
  fflush (stdout);

  if (outputs->record_path != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!hs_recording_save (data, outputs->record_path, &error))
        {
          g_printerr ("hopscope: %s\n", error->message);
          status = HS_CLI_EXIT_FAILED;
        }
    }

  /* The chart shows the target, and beside it the hop that the most
   * important finding is about. */
  if (outputs->snapshot_path != NULL)
    {
      g_autoptr(GError) error = NULL;
      HsSnapshotContent content = { 0 };

      first = findings->len > 0 ? g_ptr_array_index (findings, 0) : NULL;
      content.data = shown;
      content.findings = findings;
      content.chart_ttl = first != NULL ? first->ttl : 0;
      if (!hs_snapshot_write (&content, outputs->snapshot_format,
                              outputs->snapshot_path, &error))
        {
          g_printerr ("hopscope: %s\n", error->message);
          status = HS_CLI_EXIT_FAILED;
        }
    }

  return status;
}

static int
print_report (ReportRun *run)
{
  g_autoptr(HsTraceData) data = NULL;

  g_assert (run != NULL);

  /* A trace stopped before its first round has no start of its own; the
   * report's then is when the command started. */
  data = hs_trace_data_new_from_trace (run->trace);
  if (data->started_us == 0)
    data->started_us = run->started_us;

  return write_outputs (run->outputs, data);
}

static void
finish_run (ReportRun *run,
            int status)
{
  g_assert (run != NULL);

  if (run->done)
    return;

  run->done = TRUE;
  run->status = status;
  g_main_loop_quit (run->loop);
}

static void
on_trace_finished (HsTrace *trace,
                   gpointer user_data)
{
  ReportRun *run = user_data;

  if (run->done)
    return;

  finish_run (run, print_report (run));
}

static void
on_trace_state_changed (HsTrace *trace,
                        gpointer user_data)
{
  ReportRun *run = user_data;
  const GError *error = NULL;

  if (run->done || hs_trace_get_state (trace) != HS_TRACE_STATE_FAILED)
    return;

  error = hs_trace_get_error (trace);
  g_printerr ("hopscope: %s\n",
              error != NULL ? error->message
                            : _("The trace failed for a reason it did not "
                                "give; run it again with "
                                "G_MESSAGES_DEBUG=all to see more."));
  finish_run (run, HS_CLI_EXIT_FAILED);
}

/* Stopped before the last round, the report still says what was seen, as
 * mtr's does; the exit status tells a script it is short. */
static gboolean
on_signal (gpointer user_data)
{
  ReportRun *run = user_data;

  if (!run->done)
    {
      hs_trace_pause (run->trace);
      print_report (run);
      finish_run (run, HS_CLI_EXIT_INTERRUPTED);
    }

  return G_SOURCE_CONTINUE;
}

/* What to do about a recording that cannot be read, by why. */
static const char *
describe_open_remedy (const GError *error)
{
  g_assert (error != NULL);

  if (error->domain != HS_RECORDING_ERROR)
    return _("Check the file's name, and that you may read it.");

  switch (error->code)
    {
    case HS_RECORDING_ERROR_NOT_A_RECORDING:
      return _("Open a file that Hopscope saved as a recording, with "
               "--record or from the window.");
    case HS_RECORDING_ERROR_VERSION:
      return _("Open it with the newer Hopscope that made it.");
    case HS_RECORDING_ERROR_DAMAGED:
    default:
      return _("The file was changed or cut short after it was saved: ask "
               "for a new copy of it.");
    }
}

static int
run_open (const Outputs *outputs,
          const char *path)
{
  g_autoptr(HsTraceData) data = NULL;
  g_autoptr(GError) error = NULL;

  g_assert (outputs != NULL);
  g_assert (path != NULL);

  if (!(data = hs_recording_load (path, &error)))
    {
      g_printerr ("hopscope: %s\n%s\n", error->message,
                  describe_open_remedy (error));
      return HS_CLI_EXIT_FAILED;
    }

  return write_outputs (outputs, data);
}

static int
run_trace (const Outputs *outputs,
           const HsTraceOptions *options)
{
  g_autoptr(HsTrace) trace = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  ReportRun run = { 0 };
  guint sigint_id = 0;
  guint sigterm_id = 0;

  g_assert (outputs != NULL);
  g_assert (options != NULL);

  trace = hs_trace_new (options, NULL);
  loop = g_main_loop_new (NULL, FALSE);
  run.trace = trace;
  run.loop = loop;
  run.outputs = outputs;
  run.started_us = g_get_real_time ();

  g_signal_connect (trace, "finished", G_CALLBACK (on_trace_finished), &run);
  g_signal_connect (trace, "state-changed",
                    G_CALLBACK (on_trace_state_changed), &run);
  sigint_id = g_unix_signal_add (SIGINT, on_signal, &run);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, &run);

  /* The trace may fail before it returns, an address it cannot use say;
   * then there is nothing to wait for. */
  hs_trace_start (trace);
  if (!run.done)
    g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_data (trace, &run);

  return run.status;
}

static void
command_line_clear (CommandLine *line)
{
  g_clear_pointer (&line->record_path, g_free);
  g_clear_pointer (&line->open_path, g_free);
  g_clear_pointer (&line->snapshot_path, g_free);
  g_clear_pointer (&line->targets, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CommandLine, command_line_clear)

int
hs_cli_run_report (int argc,
                   char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const CommandLine defaults = {
    .count = DEFAULT_COUNT,
    .interval = 1.0,
    .size = DEFAULT_SIZE,
    .first_ttl = 1,
    .max_ttl = 30,
    .timeout = 2,
  };
  g_auto(CommandLine) line = defaults;
  HsTraceOptions options = { 0 };
  Outputs outputs = { 0 };
  int status = HS_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "report", 'r', 0, G_OPTION_ARG_NONE, &line.report,
      N_("Print a report once the rounds are in, instead of the window"),
      NULL },
    { "report-cycles", 'c', 0, G_OPTION_ARG_INT, &line.count,
      N_("Rounds of probes to send (default 10)"), N_("COUNT") },
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &line.interval,
      N_("Seconds between rounds (default 1)"), N_("SECONDS") },
    { "psize", 's', 0, G_OPTION_ARG_INT, &line.size,
      N_("Probe size in bytes, headers included (default 64)"),
      N_("BYTES") },
    { "first-ttl", 'f', 0, G_OPTION_ARG_INT, &line.first_ttl,
      N_("Time-to-live of the first hop shown (default 1)"), N_("TTL") },
    { "max-ttl", 'm', 0, G_OPTION_ARG_INT, &line.max_ttl,
      N_("Largest time-to-live probed (default 30)"), N_("TTL") },
    { "tcp", 'T', 0, G_OPTION_ARG_NONE, &line.tcp,
      N_("Probe with TCP SYN instead of ICMP echo"), NULL },
    { "udp", 'u', 0, G_OPTION_ARG_NONE, &line.udp,
      N_("Probe with UDP datagrams instead of ICMP echo"), NULL },
    { "port", 'P', 0, G_OPTION_ARG_INT, &line.port,
      N_("Target port for TCP and UDP probes"), N_("PORT") },
    { "ipv4", '4', 0, G_OPTION_ARG_NONE, &line.ipv4,
      N_("Use IPv4 only"), NULL },
    { "ipv6", '6', 0, G_OPTION_ARG_NONE, &line.ipv6,
      N_("Use IPv6 only"), NULL },
    { "no-dns", 'n', 0, G_OPTION_ARG_NONE, &line.no_dns,
      N_("Show addresses, do not look up names"), NULL },
    { "report-wide", 'w', 0, G_OPTION_ARG_NONE, &line.wide,
      N_("Show names in full, never cut"), NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &line.json,
      N_("Write the report as JSON, in mtr's layout"), NULL },
    { "csv", 'C', 0, G_OPTION_ARG_NONE, &line.csv,
      N_("Write the report as CSV, in mtr's layout"), NULL },
    { "markdown", 0, 0, G_OPTION_ARG_NONE, &line.markdown,
      N_("Write the report as Markdown, for a ticket system"), NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &line.timeout,
      N_("Seconds to wait for a probe's answer (default 2)"),
      N_("SECONDS") },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &line.record_path,
      N_("Also save the whole trace, unhidden, as a recording in FILE"),
      N_("FILE") },
    { "open", 0, 0, G_OPTION_ARG_FILENAME, &line.open_path,
      N_("Report on the recording in FILE instead of tracing"),
      N_("FILE") },
    { "snapshot", 0, 0, G_OPTION_ARG_FILENAME, &line.snapshot_path,
      N_("Also draw the table and chart into FILE (.png, .svg or .pdf)"),
      N_("FILE") },
    { "hide-private", 0, 0, G_OPTION_ARG_NONE, &line.hide_private,
      N_("Hide private and special-use addresses and their names"), NULL },
    { "hide-own", 0, 0, G_OPTION_ARG_NONE, &line.hide_own,
      N_("Hide this machine's own addresses and host name"), NULL },
    { "hide-first", 0, 0, G_OPTION_ARG_INT, &line.hide_first,
      N_("Hide the first N hops, whatever their addresses"), N_("N") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &line.targets,
      NULL, N_("TARGET") },
    { NULL }
  };

  g_return_val_if_fail (argc >= 1 && argv != NULL, HS_CLI_EXIT_USAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("Traces the path to TARGET and prints a "
                                  "report like mtr --report, with jitter "
                                  "and a diagnosis; or reports on a "
                                  "recording with --open FILE."));
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hopscope: %s\n%s\n", error->message,
                  _("Run “hopscope --report --help” to see the options."));
      return HS_CLI_EXIT_USAGE;
    }

  /* Every mistake on the command line is told before anything is traced
   * or written. */
  hs_trace_options_init (&options);
  if (!command_line_to_outputs (&line, &outputs, &error)
      || (line.open_path != NULL && !check_open (&line, &defaults, &error))
      || (line.open_path == NULL
          && !command_line_to_options (&line, &options, &error)))
    {
      g_printerr ("hopscope: %s\n%s\n", error->message,
                  _("Run “hopscope --report --help” to see the options."));
      hs_trace_options_clear (&options);
      return HS_CLI_EXIT_USAGE;
    }

  if (line.open_path != NULL)
    status = run_open (&outputs, line.open_path);
  else
    status = run_trace (&outputs, &options);
  hs_trace_options_clear (&options);

  return status;
}
