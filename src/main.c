/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <locale.h>

#include <glib.h>

#include "hs-application.h"
#include "hs-cli.h"

int
main (int argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  /* TODO: Bind the text domain here once the translations in po/ are
   * built, so that messages show in the user's language. */

  /* A report is written to standard output by a plain main loop: GTK is
   * never initialised, so it works with no display, over ssh or in a
   * script. */
  if (hs_cli_wants_report (argc, argv))
    return hs_cli_run_report (argc, argv);

  return hs_application_run (argc, argv);
}
