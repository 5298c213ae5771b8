/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "hs-diagnosis.h"

G_BEGIN_DECLS

#define HS_TYPE_DIAGNOSIS_VIEW (hs_diagnosis_view_get_type ())

G_DECLARE_FINAL_TYPE (HsDiagnosisView, hs_diagnosis_view, HS, DIAGNOSIS_VIEW,
                      GtkBox)

/* The diagnosis in plain language: one line a finding, most important
 * first, with a warning icon for a fault and an information icon for
 * what is none. */
GtkWidget *hs_diagnosis_view_new          (void);
/* FINDINGS: HsFinding pointers, NULL for none; copied. */
void       hs_diagnosis_view_set_findings (HsDiagnosisView *self,
                                           GPtrArray *findings);
/* The findings shown, for tests: an array of objects. */
JsonNode  *hs_diagnosis_view_dump         (HsDiagnosisView *self);

G_END_DECLS
