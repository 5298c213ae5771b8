/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib/gi18n.h>

#include "hs-diagnosis-view.h"

/* What one line shows, kept to tell whether the next findings differ. */
typedef struct
{
  HsFindingKind kind;
  guint ttl;
  char *sentence;
} Line;

struct _HsDiagnosisView
{
  GtkBox parent_instance;

  GtkWidget *title_label;
  GtkWidget *list_box;
  GArray *lines;
};

G_DEFINE_TYPE (HsDiagnosisView, hs_diagnosis_view, GTK_TYPE_BOX)

static void
clear_line (Line *line)
{
  g_free (line->sentence);
}

static gboolean
is_fault (HsFindingKind kind)
{
  switch (kind)
    {
    case HS_FINDING_LOSS_ON_PATH:
    case HS_FINDING_LATENCY_STEP:
    case HS_FINDING_TARGET_SILENT:
    case HS_FINDING_PATH_CHANGED:
      return TRUE;

    case HS_FINDING_RATE_LIMITED:
    case HS_FINDING_SILENT_HOP:
    case HS_FINDING_HEALTHY:
    default:
      return FALSE;
    }
}

static const char *
icon_for (HsFindingKind kind)
{
  return is_fault (kind) ? "dialog-warning-symbolic"
                         : "dialog-information-symbolic";
}

static gboolean
lines_equal (HsDiagnosisView *self,
             GPtrArray *findings)
{
  g_assert (HS_IS_DIAGNOSIS_VIEW (self));

  if (self->lines->len != (findings ? findings->len : 0))
    return FALSE;

  for (guint i = 0; i < self->lines->len; i++)
    {
      const Line *line = &g_array_index (self->lines, Line, i);
      const HsFinding *finding = g_ptr_array_index (findings, i);

      if (line->kind != finding->kind || line->ttl != finding->ttl
          || g_strcmp0 (line->sentence, finding->sentence) != 0)
        return FALSE;
    }
  return TRUE;
}

static GtkWidget *
create_row (const Line *line)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *image = gtk_image_new_from_icon_name (icon_for (line->kind),
                                                   GTK_ICON_SIZE_BUTTON);
  GtkWidget *label = gtk_label_new (line->sentence);
  GtkStyleContext *context = gtk_widget_get_style_context (box);

  gtk_style_context_add_class (context, is_fault (line->kind)
                                        ? "hs-finding-fault"
                                        : "hs-finding-no-fault");
  gtk_widget_set_valign (image, GTK_ALIGN_START);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_line_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_pack_start (GTK_BOX (box), image, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), label, TRUE, TRUE, 0);
  gtk_widget_show_all (box);

  return box;
}

static void
hs_diagnosis_view_finalize (GObject *object)
{
  HsDiagnosisView *self = HS_DIAGNOSIS_VIEW (object);

  g_array_unref (self->lines);

  G_OBJECT_CLASS (hs_diagnosis_view_parent_class)->finalize (object);
}

static void
hs_diagnosis_view_class_init (HsDiagnosisViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hs_diagnosis_view_finalize;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "hsdiagnosisview");
}

static void
hs_diagnosis_view_init (HsDiagnosisView *self)
{
  self->lines = g_array_new (FALSE, TRUE, sizeof (Line));
  g_array_set_clear_func (self->lines, (GDestroyNotify) clear_line);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self),
                                  GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 4);

  self->title_label = gtk_label_new (_("Diagnosis"));
  gtk_label_set_xalign (GTK_LABEL (self->title_label), 0);
  gtk_style_context_add_class
    (gtk_widget_get_style_context (self->title_label), "dim-label");
  gtk_box_pack_start (GTK_BOX (self), self->title_label, FALSE, FALSE, 0);

  self->list_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_box_pack_start (GTK_BOX (self), self->list_box, FALSE, FALSE, 0);
  gtk_widget_show_all (GTK_WIDGET (self));
}

GtkWidget *
hs_diagnosis_view_new (void)
{
  return g_object_new (HS_TYPE_DIAGNOSIS_VIEW, NULL);
}

void
hs_diagnosis_view_set_findings (HsDiagnosisView *self,
                                GPtrArray *findings)
{
  g_autoptr(GList) children = NULL;

  g_return_if_fail (HS_IS_DIAGNOSIS_VIEW (self));

  /* The rows are rebuilt only when a finding changed, so that a selection
   * in a sentence survives the refresh of every second. */
  if (lines_equal (self, findings))
    return;

  g_array_set_size (self->lines, 0);
  children = gtk_container_get_children (GTK_CONTAINER (self->list_box));
  for (GList *l = children; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);

  for (guint i = 0; findings != NULL && i < findings->len; i++)
    {
      const HsFinding *finding = g_ptr_array_index (findings, i);
      Line line = { finding->kind, finding->ttl,
                    g_strdup (finding->sentence ? finding->sentence : "") };

      g_array_append_val (self->lines, line);
      gtk_box_pack_start (GTK_BOX (self->list_box),
                          create_row (&g_array_index (self->lines, Line, i)),
                          FALSE, FALSE, 0);
    }
  gtk_widget_set_visible (GTK_WIDGET (self), self->lines->len > 0);
}

JsonNode *
hs_diagnosis_view_dump (HsDiagnosisView *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (HS_IS_DIAGNOSIS_VIEW (self), NULL);

  json_builder_begin_array (builder);
  for (guint i = 0; i < self->lines->len; i++)
    {
      const Line *line = &g_array_index (self->lines, Line, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder,
                                     hs_finding_kind_to_string (line->kind));
      json_builder_set_member_name (builder, "hop");
      json_builder_add_int_value (builder, line->ttl);
      json_builder_set_member_name (builder, "sentence");
      json_builder_add_string_value (builder, line->sentence);
      json_builder_set_member_name (builder, "icon");
      json_builder_add_string_value (builder, icon_for (line->kind));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  return json_builder_get_root (builder);
}
