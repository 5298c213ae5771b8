/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HS_TYPE_PREFERENCES_DIALOG (hs_preferences_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HsPreferencesDialog, hs_preferences_dialog,
                      HS, PREFERENCES_DIALOG, GtkDialog)

/* The probing settings, each bound to its key in SETTINGS: a change is
 * saved at once and applies to the next trace started. */
HsPreferencesDialog *hs_preferences_dialog_new (GtkWindow *parent,
                                                GSettings *settings);

G_END_DECLS
