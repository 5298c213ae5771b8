/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "hs-application.h"

G_BEGIN_DECLS

#define HS_TYPE_WINDOW (hs_window_get_type ())

G_DECLARE_FINAL_TYPE (HsWindow, hs_window, HS, WINDOW, GtkApplicationWindow)

HsWindow *hs_window_new          (HsApplication *application);
/* A new window that shows the recording at PATH read-only; NULL and an
 * error that says what is wrong with the file otherwise. */
HsWindow *hs_window_new_for_recording (HsApplication *application,
                                       const char *path,
                                       GError **error);
/* Puts TARGET in the target entry and starts tracing it. */
void      hs_window_trace_target (HsWindow *self,
                                  const char *target);

G_END_DECLS
