/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib/gi18n.h>

#include "hs-preferences-dialog.h"

struct _HsPreferencesDialog
{
  GtkDialog parent_instance;

  GSettings *settings;
  GtkSpinButton *interval_spin;
  GtkSpinButton *size_spin;
  GtkSpinButton *first_ttl_spin;
  GtkSpinButton *max_ttl_spin;
  GtkSpinButton *port_spin;
  GtkSpinButton *timeout_spin;
  GtkSwitch *resolve_switch;
};

enum
{
  PROP_0,
  PROP_SETTINGS,
};

G_DEFINE_TYPE (HsPreferencesDialog, hs_preferences_dialog, GTK_TYPE_DIALOG)

static void
bind_settings (HsPreferencesDialog *self)
{
  static const struct
  {
    const char *key;
    gsize offset;
    const char *property;
  } bindings[] = {
#define FIELD(name) G_STRUCT_OFFSET (HsPreferencesDialog, name)
    { "interval", FIELD (interval_spin), "value" },
    { "packet-size", FIELD (size_spin), "value" },
    { "first-ttl", FIELD (first_ttl_spin), "value" },
    { "max-ttl", FIELD (max_ttl_spin), "value" },
    { "port", FIELD (port_spin), "value" },
    { "timeout", FIELD (timeout_spin), "value" },
    { "resolve-names", FIELD (resolve_switch), "active" },
#undef FIELD
  };

  g_assert (HS_IS_PREFERENCES_DIALOG (self));

  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    {
      GObject *widget = G_STRUCT_MEMBER (GObject *, self, bindings[i].offset);

      g_settings_bind (self->settings, bindings[i].key, widget,
                       bindings[i].property, G_SETTINGS_BIND_DEFAULT);
    }
}

static void
hs_preferences_dialog_constructed (GObject *object)
{
  HsPreferencesDialog *self = HS_PREFERENCES_DIALOG (object);

  G_OBJECT_CLASS (hs_preferences_dialog_parent_class)->constructed (object);

  bind_settings (self);
}

static void
hs_preferences_dialog_set_property (GObject *object,
                                    guint prop_id,
                                    const GValue *value,
                                    GParamSpec *pspec)
{
  HsPreferencesDialog *self = HS_PREFERENCES_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_preferences_dialog_dispose (GObject *object)
{
  HsPreferencesDialog *self = HS_PREFERENCES_DIALOG (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hs_preferences_dialog_parent_class)->dispose (object);
}

static void
hs_preferences_dialog_class_init (HsPreferencesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hs_preferences_dialog_constructed;
  object_class->set_property = hs_preferences_dialog_set_property;
  object_class->dispose = hs_preferences_dialog_dispose;

  g_object_class_install_property
    (object_class, PROP_SETTINGS,
     g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                          G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY
                          | G_PARAM_STATIC_STRINGS));

  gtk_widget_class_set_template_from_resource
    (widget_class, "/io/github/hopscope/Hopscope/hs-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HsPreferencesDialog,
                                        interval_spin);
  gtk_widget_class_bind_template_child (widget_class, HsPreferencesDialog,
                                        size_spin);
  gtk_widget_class_bind_template_child (widget_class, HsPreferencesDialog,
                                        first_ttl_spin);
  gtk_widget_class_bind_template_child (widget_class, HsPreferencesDialog,
                                        max_ttl_spin);
  gtk_widget_class_bind_template_child (widget_class, HsPreferencesDialog,
                                        port_spin);
  gtk_widget_class_bind_template_child (widget_class, HsPreferencesDialog,
                                        timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, HsPreferencesDialog,
                                        resolve_switch);
}

static void
hs_preferences_dialog_init (HsPreferencesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

HsPreferencesDialog *
hs_preferences_dialog_new (GtkWindow *parent,
                           GSettings *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (HS_TYPE_PREFERENCES_DIALOG,
                       "transient-for", parent,
                       "use-header-bar", TRUE,
                       "settings", settings,
                       NULL);
}
