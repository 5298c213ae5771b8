/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

/* libFuzzer target for the recording reader: any bytes at all, plain or
 * gzip-compressed, go to hs_recording_parse().  It must refuse them with
 * an error of its own domain or accept them; what it accepts must write
 * back as a recording that reads again and writes the very same text. */

#include <stdint.h>
#include <stdlib.h>

#include "hs-recording.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* An invariant the reader promises; breaking it is a crash to report. */
#define CHECK(condition)                                                   \
  do                                                                       \
    {                                                                      \
      if (!(condition))                                                    \
        abort ();                                                          \
    }                                                                      \
  while (0)

/* A failed precondition or a warning, in the core or in a library it
 * calls, is a bug the input found: abort, which libFuzzer reports with
 * the input, where GLib's own fatal messages would trap. */
static GLogWriterOutput
write_log (GLogLevelFlags level,
           const GLogField *fields,
           gsize n_fields,
           gpointer user_data)
{
  GLogWriterOutput result =
    g_log_writer_standard_streams (level, fields, n_fields, user_data);

  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL
               | G_LOG_LEVEL_WARNING))
    abort ();

  return result;
}

int
LLVMFuzzerInitialize (int *argc,
                      char ***argv)
{
  g_log_set_writer_func (write_log, NULL, NULL);

  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t size)
{
  g_autoptr(HsTraceData) read = NULL;
  g_autoptr(HsTraceData) again = NULL;
  g_autoptr(GBytes) text = NULL;
  g_autoptr(GBytes) text_again = NULL;
  g_autoptr(GError) error = NULL;

  read = hs_recording_parse ((const char *) data, size, &error);
  if (read == NULL)
    {
      CHECK (error != NULL);
      CHECK (error->domain == HS_RECORDING_ERROR);
      CHECK (error->message != NULL && error->message[0] != '\0');
      return 0;
    }
  CHECK (error == NULL);

  text = hs_recording_serialize (read);
  again = hs_recording_parse (g_bytes_get_data (text, NULL),
                              g_bytes_get_size (text), &error);
  CHECK (again != NULL);
  text_again = hs_recording_serialize (again);
  CHECK (g_bytes_equal (text, text_again));

  return 0;
}
