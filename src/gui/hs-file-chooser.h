/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A kind of file the chooser offers: its name and its pattern, "*.png". */
typedef struct
{
  const char *name;            /* untranslated, marked with N_() */
  const char *pattern;
} HsFileKind;

/* Called with the path chosen; never when the chooser is cancelled. */
typedef void (*HsPathChosenFunc) (GObject *owner,
                                  const char *path);

/* Asks for a file with the desktop's file chooser, modal on PARENT, with a
 * filter for each of KINDS, and gives the path chosen to FUNC with OWNER,
 * which is kept alive until then.  A name saved without an extension that
 * a filter knows takes the one of the filter chosen. */
void hs_file_chooser_run (GtkWindow *parent,
                          GtkFileChooserAction action,
                          const char *title,
                          const char *accept_label,
                          const char *suggested_name,
                          const HsFileKind *kinds,
                          guint n_kinds,
                          HsPathChosenFunc func,
                          GObject *owner);

G_END_DECLS
