/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "hs-trace-data.h"

G_BEGIN_DECLS

/* A recording: the whole of a trace's data in one file that another
 * Hopscope opens later, read-only, in the same views.  The format is
 * versioned and documented in docs/recording-format.md. */

#define HS_RECORDING_ERROR (hs_recording_error_quark ())

typedef enum
{
  HS_RECORDING_ERROR_NOT_A_RECORDING,  /* not Hopscope's format at all */
  HS_RECORDING_ERROR_VERSION,          /* a newer version than this reads */
  HS_RECORDING_ERROR_DAMAGED,          /* the format, but wrong inside */
} HsRecordingError;

GQuark       hs_recording_error_quark (void);

/* DATA in the recording format, the whole file's text. */
GBytes      *hs_recording_serialize   (const HsTraceData *data);
gboolean     hs_recording_save        (const HsTraceData *data,
                                       const char *path,
                                       GError **error);
/* Reads a recording from memory: anything at all may come in (this is
 * what the fuzz target drives); a damaged or hostile file gets an error
 * that says what is wrong and where, never a crash. */
HsTraceData *hs_recording_parse       (const char *text,
                                       gsize length,
                                       GError **error);
HsTraceData *hs_recording_load        (const char *path,
                                       GError **error);

G_END_DECLS
