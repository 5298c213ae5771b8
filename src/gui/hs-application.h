/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "hs-probe-service.h"

G_BEGIN_DECLS

#define HS_APPLICATION_ID "io.github.hopscope.Hopscope"

#define HS_TYPE_APPLICATION (hs_application_get_type ())

G_DECLARE_FINAL_TYPE (HsApplication, hs_application, HS, APPLICATION,
                      GtkApplication)

HsApplication *hs_application_new          (void);
/* The settings every window shares. */
GSettings     *hs_application_get_settings (HsApplication *self);
/* The probe helper every window's traces share. */
HsProbeService *hs_application_get_probe_service (HsApplication *self);

/* Runs the window application on ARGV: `hopscope [TARGET...]`.  Returns
 * the exit status. */
int            hs_application_run          (int argc,
                                            char **argv);

G_END_DECLS
