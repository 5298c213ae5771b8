/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <locale.h>
#include <stdlib.h>

#include <glib.h>
#include <glib/gi18n.h>

#include "hs-application.h"
#include "hs-cli.h"

int
main (int argc,
      char **argv)
{
  const char *localedir = secure_getenv ("HOPSCOPE_LOCALEDIR");

  /* A run from the build folder, and the tests, name the translations
   * built there, as they name the settings schema.  A catalogue holds
   * format strings, so a program started with privileges its caller did
   * not have (setuid, file capabilities) takes none from the environment. */
  if (localedir == NULL || localedir[0] == '\0')
    localedir = LOCALEDIR;

  /* Messages show in the user's language from the first one on, the
   * report's errors included; GtkBuilder takes the strings of the .ui
   * files from the default domain set here. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* A report is written to standard output by a plain main loop: GTK is
   * never initialised, so it works with no display, over ssh or in a
   * script. */
  if (hs_cli_wants_report (argc, argv))
    return hs_cli_run_report (argc, argv);

  return hs_application_run (argc, argv);
}
