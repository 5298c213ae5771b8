/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "hs-privacy.h"
#include "hs-snapshot.h"

/* 2026-01-01 12:00:00 UTC: a fixed start keeps every drawing the same. */
#define SECOND_US G_GINT64_CONSTANT (1000000)
#define BASE_US (G_GINT64_CONSTANT (1767268800) * SECOND_US)
#define N_ROUNDS 60
#define N_HOPS 12

/* What the files are drawn at (hs-snapshot.c). */
#define FILE_WIDTH 1000.0
#define FILE_SCALE 2.0

#define TARGET "example.net"
#define TARGET_ADDRESS "203.0.113.50"
#define PUBLIC_HOP "198.51.100.7"
#define PRIVATE_HOP "192.168.1.1"
#define PRIVATE_NAME "gateway.lan"
#define SHARED_HOP "100.64.12.1"
#define FINDING "Packets are lost from hop 9 on, all the way to the target."

/* The folder the test writes into: under the build folder, made anew by
 * each run and removed when the run ends. */
static char *work_folder;

typedef struct
{
  const char *address;
  const char *name;
  const char *second;          /* a second router at the hop, or NULL */
  guint loss_every;            /* one probe in N lost, 0 for none */
} HopPlan;

/* A home router, the provider's shared address space, a silent hop, a
 * load-balanced hop, loss from hop 9 on, and the target at hop 12. */
static const HopPlan plan[N_HOPS] = {
  { PRIVATE_HOP, PRIVATE_NAME, NULL, 0 },
  { SHARED_HOP, NULL, NULL, 0 },
  { "198.51.100.1", "access-7.city.isp.example", NULL, 0 },
  { PUBLIC_HOP, NULL, NULL, 0 },
  { NULL, NULL, NULL, 0 },
  { "198.51.100.20", "core-a.isp.example", "198.51.100.21", 0 },
  { "198.51.100.30", "edge.isp.example", NULL, 0 },
  { "192.0.2.1", "ix-peering.example", NULL, 0 },
  { "192.0.2.9", "transit-1.very-long-router-name.backbone.example", NULL,
    6 },
  { "203.0.113.1", NULL, NULL, 6 },
  { "203.0.113.9", "dc-gw.example.net", NULL, 5 },
  { TARGET_ADDRESS, TARGET, NULL, 5 },
};

static GInetAddress *
new_address (const char *text)
{
  GInetAddress *address = g_inet_address_new_from_string (text);

  g_assert_nonnull (address);
  return address;
}

static HsTraceData *
new_data (void)
{
  HsTraceData *data = hs_trace_data_new ();

  g_free (data->options.target);
  data->options.target = g_strdup (TARGET);
  data->options.protocol = HS_PROTOCOL_UDP;
  data->options.port = 33434;
  data->address = g_strdup (TARGET_ADDRESS);
  data->local_name = g_strdup ("workstation");
  data->version = g_strdup ("0.1.0");
  data->route = HS_HELPER_ROUTE_CAPABILITY;
  data->started_us = BASE_US;
  data->finished_us = BASE_US + N_ROUNDS * SECOND_US;
  data->rounds = N_ROUNDS;

  for (guint h = 0; h < N_HOPS; h++)
    {
      g_autoptr(HsHop) hop = hs_hop_new (h + 1);
      g_autoptr(GInetAddress) first = NULL;
      g_autoptr(GInetAddress) second = NULL;

      if (plan[h].address != NULL)
        first = new_address (plan[h].address);
      if (plan[h].second != NULL)
        second = new_address (plan[h].second);

      for (guint i = 0; i < N_ROUNDS; i++)
        {
          gint64 sent_us = BASE_US + i * SECOND_US;
          /* Round trips that grow along the path, with some spread, and a
           * step up after half the trace at the far hops. */
          gint64 round_trip_us = 1500 + 2200 * h + 173 * ((i * 7 + h) % 13)
                                 + (h >= 8 && i > N_ROUNDS / 2 ? 9000 : 0);

          hs_hop_record_sent (hop);
          if (first == NULL
              || (plan[h].loss_every && i % plan[h].loss_every == 0))
            hs_hop_record_lost (hop, sent_us);
          else
            hs_hop_record_answer (hop, sent_us, round_trip_us,
                                  second != NULL && i % 3 == 0 ? second
                                                               : first,
                                  NULL, h == N_HOPS - 1);
        }
      if (first != NULL && plan[h].name != NULL)
        hs_hop_set_responder_name (hop, first, plan[h].name);

      g_list_store_append (data->hops, hop);
    }
  data->n_hops = N_HOPS;

  return data;
}

static GPtrArray *
new_findings (void)
{
  GPtrArray *findings =
    g_ptr_array_new_with_free_func ((GDestroyNotify) hs_finding_free);
  HsFinding *loss = g_new0 (HsFinding, 1);
  HsFinding *step = g_new0 (HsFinding, 1);

  *loss = (HsFinding) { HS_FINDING_LOSS_ON_PATH, 9, 20.0, -1, -1, 0,
                        g_strdup (FINDING) };
  *step = (HsFinding) { HS_FINDING_LATENCY_STEP, 9, -1, 18.0, 27.0, 0,
                        g_strdup ("The round-trip time steps up by about "
                                  "9 ms at hop 9 and stays up after it: "
                                  "the link before it is busy or long.") };
  g_ptr_array_add (findings, loss);
  g_ptr_array_add (findings, step);

  return findings;
}

static char *
read_file (const char *path,
           gsize *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  return contents;
}

static char *
work_path (const char *name)
{
  return g_build_filename (work_folder, name, NULL);
}

static void
write_snapshot (const HsSnapshotContent *content,
                const char *path)
{
  g_autoptr(GError) error = NULL;
  HsSnapshotFormat format;

  g_assert_true (hs_snapshot_format_from_path (path, &format, &error));
  g_assert_no_error (error);
  g_assert_true (hs_snapshot_write (content, format, path, &error));
  g_assert_no_error (error);
}

/* The PNG's size from its header, checked against its signature. */
static void
read_png_size (const char *path,
               guint32 *width,
               guint32 *height)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
                                       0x1a, '\n' };
  gsize length = 0;
  g_autofree guint8 *png = (guint8 *) read_file (path, &length);

  g_assert_cmpuint (length, >, 24);
  g_assert_cmpmem (png, 8, signature, 8);
  g_assert_cmpmem (png + 12, 4, "IHDR", 4);
  *width = GUINT32_FROM_BE (*(guint32 *) (png + 16));
  *height = GUINT32_FROM_BE (*(guint32 *) (png + 20));
}

/* The text of the SVG's <text> elements, once the file parsed as XML. */
typedef struct
{
  GString *text;
  gboolean in_text;
  gboolean has_title;
} SvgText;

static void
on_svg_start (GMarkupParseContext *context,
              const char *element,
              const char **names,
              const char **values,
              gpointer user_data,
              GError **error)
{
  SvgText *svg = user_data;

  svg->in_text = g_str_equal (element, "text")
                 || g_str_equal (element, "title");
  svg->has_title |= g_str_equal (element, "title");
}

static void
on_svg_end (GMarkupParseContext *context,
            const char *element,
            gpointer user_data,
            GError **error)
{
  SvgText *svg = user_data;

  if (svg->in_text)
    g_string_append_c (svg->text, '\n');
  svg->in_text = FALSE;
}

static void
on_svg_text (GMarkupParseContext *context,
             const char *text,
             gsize length,
             gpointer user_data,
             GError **error)
{
  SvgText *svg = user_data;

  if (svg->in_text)
    g_string_append_len (svg->text, text, length);
}

static char *
read_svg_text (const char *path)
{
  static const GMarkupParser parser = {
    on_svg_start, on_svg_end, on_svg_text, NULL, NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  SvgText svg = { g_string_new (NULL), FALSE, FALSE };

  contents = read_file (path, &length);
  g_assert_true (g_str_has_prefix (contents, "<?xml"));
  g_assert_nonnull (strstr (contents, "<svg"));

  context = g_markup_parse_context_new (&parser, 0, &svg, NULL);
  g_markup_parse_context_parse (context, contents, length, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);
  g_assert_true (svg.has_title);

  return g_string_free (svg.text, FALSE);
}

/* The PDF's text as pdftotext (poppler-utils) reads it. */
static char *
read_pdf_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  g_autofree char *contents = NULL;
  char *output = NULL;
  int status = 0;
  gsize length = 0;
  const char *argv[] = { pdftotext, "-layout", path, "-", NULL };

  contents = read_file (path, &length);
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));

  if (pdftotext == NULL)
    g_error ("pdftotext is needed to read the PDF's text: install "
             "poppler-utils");
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &output, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);

  return output;
}

/* Every pixel of the rows from FROM_Y down, and of the columns from FROM_X
 * right, is the background: nothing was cut off at the bottom or the
 * right edge. */
static void
assert_margins_blank (cairo_surface_t *surface,
                      int from_x,
                      int from_y)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  guint8 *data = NULL;

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 pixel = *(guint32 *) (data + y * stride + x * 4);

        if ((y >= from_y || x >= from_x) && pixel != 0xffffffff)
          g_error ("pixel (%d, %d) in the margin is %08x, not white", x, y,
                   pixel);
      }
}

/* Writes an image beside the saved snapshots, for a person to look at. */
static void
save_image (cairo_surface_t *surface,
            const char *name)
{
  g_autofree char *folder = g_path_get_dirname (work_folder);
  g_autofree char *path = g_build_filename (folder, name, NULL);

  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==,
                   CAIRO_STATUS_SUCCESS);
}

static void
test_format (void)
{
  g_autoptr(GError) error = NULL;
  HsSnapshotFormat format;

  g_assert_true (hs_snapshot_format_from_path ("a.png", &format, NULL));
  g_assert_cmpint (format, ==, HS_SNAPSHOT_FORMAT_PNG);
  g_assert_true (hs_snapshot_format_from_path ("/x/b.SVG", &format, NULL));
  g_assert_cmpint (format, ==, HS_SNAPSHOT_FORMAT_SVG);
  g_assert_true (hs_snapshot_format_from_path ("c.d.Pdf", &format, NULL));
  g_assert_cmpint (format, ==, HS_SNAPSHOT_FORMAT_PDF);

  g_assert_false (hs_snapshot_format_from_path ("trace.txt", &format,
                                                &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "trace.txt"));
  g_clear_error (&error);
  g_assert_false (hs_snapshot_format_from_path ("png", &format, &error));
  g_clear_error (&error);
  g_assert_false (hs_snapshot_format_from_path ("a.png/b", &format, &error));
}

/* The three files of a full snapshot: each is what its format says, and
 * shows the target, the addresses and the diagnosis as text. */
static void
test_write (void)
{
  g_autoptr(HsTraceData) data = new_data ();
  g_autoptr(GPtrArray) findings = new_findings ();
  g_autofree char *png = work_path ("full.png");
  g_autofree char *svg = work_path ("full.svg");
  g_autofree char *pdf = work_path ("full.pdf");
  g_autofree char *svg_text = NULL;
  g_autofree char *pdf_text = NULL;
  HsSnapshotContent content = { data, findings, 4 };
  HsRenderStyle style;
  guint32 width = 0;
  guint32 height = 0;
  const char *expected[] = {
    TARGET, TARGET_ADDRESS, PUBLIC_HOP, PRIVATE_HOP, PRIVATE_NAME, FINDING,
    "No answer", "198.51.100.21", "workstation", "Hopscope 0.1.0",
    "2026-01-01 12:00:00", "UDP, port 33434",
  };

  hs_render_style_init_default (&style, FALSE);
  write_snapshot (&content, png);
  write_snapshot (&content, svg);
  write_snapshot (&content, pdf);

  read_png_size (png, &width, &height);
  g_assert_cmpuint (width, ==, (guint32) ceil (FILE_WIDTH * FILE_SCALE));
  g_assert_cmpuint (height, ==,
                    (guint32) ceil (hs_snapshot_get_height (&content, &style,
                                                            FILE_WIDTH)
                                    * FILE_SCALE));
  /* Twelve hops, a chart and two findings: more than half as tall as
   * wide. */
  g_assert_cmpuint (height, >, width / 2);

  svg_text = read_svg_text (svg);
  pdf_text = read_pdf_text (pdf);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      if (strstr (svg_text, expected[i]) == NULL)
        g_error ("the SVG does not say “%s”:\n%s", expected[i], svg_text);
      if (strstr (pdf_text, expected[i]) == NULL)
        g_error ("the PDF does not say “%s”:\n%s", expected[i], pdf_text);
    }
  g_assert_null (strstr (svg_text, "selected range"));
}

/* With privacy applied, the hidden addresses and names are in none of the
 * files, and "hidden" stands in their place. */
static void
test_write_private (void)
{
  g_autoptr(HsTraceData) data = new_data ();
  g_autoptr(HsTraceData) hidden = NULL;
  g_autoptr(GPtrArray) findings = new_findings ();
  g_autofree char *png = work_path ("private.png");
  g_autofree char *svg = work_path ("private.svg");
  g_autofree char *pdf = work_path ("private.pdf");
  g_autofree char *svg_text = NULL;
  g_autofree char *pdf_text = NULL;
  g_autofree char *svg_file = NULL;
  HsPrivacy privacy = { .hide_private = TRUE, .hide_first_hops = 4 };
  HsSnapshotContent content = { NULL, findings, 4 };
  const char *gone[] = {
    PRIVATE_HOP, PRIVATE_NAME, SHARED_HOP, PUBLIC_HOP, "198.51.100.1",
    "access-7.city.isp.example",
  };

  hidden = hs_privacy_apply (data, &privacy);
  content.data = hidden;
  write_snapshot (&content, png);
  write_snapshot (&content, svg);
  write_snapshot (&content, pdf);

  svg_text = read_svg_text (svg);
  pdf_text = read_pdf_text (pdf);
  svg_file = read_file (svg, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (gone); i++)
    {
      if (strstr (svg_file, gone[i]) != NULL)
        g_error ("the SVG shows the hidden “%s”", gone[i]);
      if (strstr (pdf_text, gone[i]) != NULL)
        g_error ("the PDF shows the hidden “%s”", gone[i]);
    }
  g_assert_nonnull (strstr (svg_text, "hidden"));
  g_assert_nonnull (strstr (pdf_text, "hidden"));
  g_assert_nonnull (strstr (svg_text, "198.51.100.20"));
  g_assert_nonnull (strstr (pdf_text, TARGET_ADDRESS));
}

/* A snapshot of a selected range says so. */
static void
test_range (void)
{
  g_autoptr(HsTraceData) data = new_data ();
  g_autoptr(HsTraceData) cut = NULL;
  g_autofree char *svg = work_path ("range.svg");
  g_autofree char *svg_text = NULL;
  HsSnapshotContent content = { NULL, NULL, 0 };

  cut = hs_trace_data_cut (data, BASE_US + 10 * SECOND_US,
                           BASE_US + 40 * SECOND_US);
  content.data = cut;
  write_snapshot (&content, svg);

  svg_text = read_svg_text (svg);
  g_assert_nonnull (strstr (svg_text, "12:00:10 – 12:00:40 UTC"));
  g_assert_nonnull (strstr (svg_text, "Only the selected range"));
  /* Thirty rounds of twelve hops. */
  g_assert_nonnull (strstr (svg_text, "360 probes sent"));
  g_assert_null (strstr (svg_text, "rounds"));
}

/* A trace that has not probed yet still makes a snapshot, which says so;
 * the hops' table is empty and the chart has nothing to draw. */
static void
test_empty (void)
{
  g_autoptr(HsTraceData) data = hs_trace_data_new ();
  g_autofree char *svg = work_path ("empty.svg");
  g_autofree char *svg_text = NULL;
  HsSnapshotContent content = { data, NULL, 3 };

  g_free (data->options.target);
  data->options.target = g_strdup (TARGET);
  write_snapshot (&content, svg);

  svg_text = read_svg_text (svg);
  g_assert_nonnull (strstr (svg_text, "Trace to " TARGET));
  g_assert_nonnull (strstr (svg_text, "No probes yet"));
  g_assert_nonnull (strstr (svg_text, "No hop has been probed yet."));
  g_assert_nonnull (strstr (svg_text, "Not resolved"));
}

/* Nothing is drawn past the predicted height or the right margin, for the
 * file's width at one and two pixels a point, and a narrow preview's. */
static void
test_nothing_cut_off (void)
{
  g_autoptr(HsTraceData) data = new_data ();
  g_autoptr(GPtrArray) findings = new_findings ();
  HsSnapshotContent content = { data, findings, 4 };
  HsRenderStyle style;
  const double widths[] = { FILE_WIDTH, FILE_WIDTH, 640 };
  const double scales[] = { 1.0, FILE_SCALE, 1.0 };

  hs_render_style_init_default (&style, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (widths); i++)
    {
      cairo_surface_t *surface =
        hs_snapshot_render_image (&content, &style, widths[i], scales[i]);
      int height = cairo_image_surface_get_height (surface);
      int margin = (int) (24 * scales[i]);

      g_assert_cmpint (cairo_surface_status (surface), ==,
                       CAIRO_STATUS_SUCCESS);
      g_assert_cmpint (cairo_image_surface_get_width (surface), ==,
                       (int) (widths[i] * scales[i]));
      /* The margins are 28 points; a few are left for antialiasing. */
      assert_margins_blank (surface,
                            (int) (widths[i] * scales[i]) - margin,
                            height - margin);
      if (widths[i] < FILE_WIDTH)
        save_image (surface, "snapshot-narrow.png");
      cairo_surface_destroy (surface);
    }
}

static void
test_write_errors (void)
{
  g_autoptr(HsTraceData) data = new_data ();
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = work_path ("no-such-folder/snapshot.png");
  HsSnapshotContent content = { data, NULL, 0 };

  g_assert_false (hs_snapshot_write (&content, HS_SNAPSHOT_FORMAT_PNG,
                                     missing, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* A folder where the file should be. */
  g_assert_false (hs_snapshot_write (&content, HS_SNAPSHOT_FORMAT_PDF,
                                     work_folder, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, work_folder));
  g_assert_true (g_file_test (work_folder, G_FILE_TEST_IS_DIR));
}

/* Saves a full snapshot, with and without privacy, in <build>/snapshots/
 * for a person to look at: PNG, and SVG and PDF without privacy; and one
 * with the diagnosis's own findings. */
static void
test_save_examples (void)
{
  g_autoptr(HsTraceData) data = new_data ();
  g_autoptr(HsTraceData) hidden = NULL;
  g_autoptr(GPtrArray) findings = new_findings ();
  const char *build = g_getenv ("HOPSCOPE_BUILD_ROOT");
  g_autofree char *folder = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *private = NULL;
  g_autofree char *svg = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *range = NULL;
  g_autofree char *diagnosed = NULL;
  g_autoptr(HsTraceData) cut = NULL;
  g_autoptr(GPtrArray) diagnosis = NULL;
  HsPrivacy privacy = { .hide_private = TRUE, .hide_own = TRUE,
                        .hide_first_hops = 2 };
  HsSnapshotContent content = { data, findings, 9 };

  folder = g_build_filename (build ? build : g_get_current_dir (),
                             "snapshots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  plain = g_build_filename (folder, "snapshot.png", NULL);
  private = g_build_filename (folder, "snapshot-private.png", NULL);
  svg = g_build_filename (folder, "snapshot.svg", NULL);
  pdf = g_build_filename (folder, "snapshot.pdf", NULL);
  range = g_build_filename (folder, "snapshot-range.png", NULL);
  diagnosed = g_build_filename (folder, "snapshot-diagnosed.png", NULL);

  write_snapshot (&content, plain);
  write_snapshot (&content, svg);
  write_snapshot (&content, pdf);
  hidden = hs_privacy_apply (data, &privacy);
  content.data = hidden;
  write_snapshot (&content, private);

  cut = hs_trace_data_cut (data, BASE_US + 10 * SECOND_US,
                           BASE_US + 40 * SECOND_US);
  content.data = cut;
  write_snapshot (&content, range);

  diagnosis = hs_diagnose (data);
  content.data = data;
  content.findings = diagnosis;
  write_snapshot (&content, diagnosed);
  g_test_message ("Snapshots written to %s", folder);
}

static void
remove_folder (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name = NULL;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_folder (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int argc,
      char *argv[])
{
  const char *build = g_getenv ("HOPSCOPE_BUILD_ROOT");
  int status = 0;

  g_test_init (&argc, &argv, NULL);

  /* The files go under the build folder, never into /tmp, so that a
   * failed run leaves nothing on the machine; the next run clears them. */
  work_folder = g_build_filename (build ? build : g_get_current_dir (),
                                  "snapshots", "test-files", NULL);
  remove_folder (work_folder);
  g_assert_cmpint (g_mkdir_with_parents (work_folder, 0755), ==, 0);

  g_test_add_func ("/Hopscope/Snapshot/format", test_format);
  g_test_add_func ("/Hopscope/Snapshot/write", test_write);
  g_test_add_func ("/Hopscope/Snapshot/write-private", test_write_private);
  g_test_add_func ("/Hopscope/Snapshot/range", test_range);
  g_test_add_func ("/Hopscope/Snapshot/empty", test_empty);
  g_test_add_func ("/Hopscope/Snapshot/nothing-cut-off",
                   test_nothing_cut_off);
  g_test_add_func ("/Hopscope/Snapshot/write-errors", test_write_errors);
  g_test_add_func ("/Hopscope/Snapshot/save-examples", test_save_examples);

  status = g_test_run ();
  remove_folder (work_folder);
  g_free (work_folder);

  return status;
}
