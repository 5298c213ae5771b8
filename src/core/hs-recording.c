/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <errno.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "hs-recording.h"

/* The format is described member by member in docs/recording-format.md;
 * the limits below are the ones it states. */
#define FORMAT_NAME "hopscope-recording"
#define VERSION_MAJOR 1
#define VERSION_MINOR 0

/* A recording is read whole into memory, so its size is bounded before
 * anything is parsed, and a compressed one as it is decompressed. */
#define MAX_TEXT_BYTES (512 * 1024 * 1024)
/* json-glib parses recursively and builds a node for every value: a deep
 * or very long document would exhaust the stack or the memory before any
 * member could be checked. */
#define MAX_DEPTH 8
#define MAX_VALUES 1000000
#define MAX_NAME_LENGTH 64
#define MAX_NUMBER_LENGTH 24
/* 9999-12-31T23:59:59.999999Z in microseconds since 1970. */
#define MAX_TIME_US G_GINT64_CONSTANT (253402300799999999)
#define MAX_STRING_BYTES 1024
#define MAX_VERSION_BYTES 64
#define MAX_TTL 255
#define MAX_RESPONDERS (G_MAXUINT16 - 1)
#define MPLS_LABELS_MAX 8
#define KNOWN_FLAGS \
  (HS_PROBE_RECORD_TARGET_REPLY | HS_PROBE_RECORD_UNREACHABLE)
/* The fastest level: a day of probes compresses in under a second to a
 * quarter of its size, where level 6 takes three times as long for a
 * file a fifth smaller. */
#define COMPRESS_LEVEL 1
#define CHUNK_BYTES (1024 * 1024)

G_DEFINE_QUARK (hs-recording-error-quark, hs_recording_error)

/* Names as the file spells them, by the enumeration's value. */
static const char * const protocol_names[] = { "icmp", "udp", "tcp", NULL };
static const char * const family_names[] = { "any", "ipv4", "ipv6", NULL };
static const char * const route_names[] = {
  "unknown", "capability", "root", "pkexec", "unprivileged", "setuid", NULL
};

G_STATIC_ASSERT (HS_PROTOCOL_TCP == 2);
G_STATIC_ASSERT (HS_ADDRESS_FAMILY_IPV6 == 2);
G_STATIC_ASSERT (HS_HELPER_ROUTE_SETUID == 5);

/* Checks shared by the writer and the reader: the writer leaves out what
 * the reader would refuse, so that every recording it writes reads. */

/* A string a recording holds: 1 to MAX_BYTES bytes of UTF-8 with no
 * control character. */
static gboolean
is_text (const char *text,
         gsize max_bytes)
{
  gsize length = strlen (text);

  if (length == 0 || length > max_bytes
      || !g_utf8_validate (text, (gssize) length, NULL))
    return FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;

  return TRUE;
}

static gboolean
is_mpls_stack (const char *text)
{
  static const guint64 bounds[4] = { 1048575, 7, 1, 255 };
  g_auto(GStrv) fields = g_strsplit (text, ",", -1);
  guint n_fields = g_strv_length (fields);

  if (n_fields == 0 || n_fields % 4 != 0 || n_fields > 4 * MPLS_LABELS_MAX)
    return FALSE;

  for (guint i = 0; i < n_fields; i++)
    {
      guint64 value = 0;

      if (fields[i][0] == '0' && fields[i][1] != '\0')
        return FALSE;
      if (!g_ascii_string_to_unsigned (fields[i], 10, 0, bounds[i % 4],
                                       &value, NULL))
        return FALSE;
    }

  return TRUE;
}

/* Writing */

static const char *
name_of (const char * const *names,
         guint n_names,
         guint value)
{
  g_assert (names != NULL);

  return value < n_names ? names[value] : names[0];
}

/* Writes VALUE, or null when it is NULL or not text a recording can
 * hold (a name from a hostile reverse lookup, say): the rest of the
 * recording is worth more than that one string. */
static void
add_nullable_string (JsonBuilder *builder,
                     const char *name,
                     const char *value,
                     gsize max_bytes)
{
  g_assert (JSON_IS_BUILDER (builder));

  json_builder_set_member_name (builder, name);
  if (value != NULL && is_text (value, max_bytes))
    json_builder_add_string_value (builder, value);
  else
    {
      if (value != NULL)
        g_debug ("Recording: “%s” left out, not text a recording holds",
                 name);
      json_builder_add_null_value (builder);
    }
}

static void
add_int (JsonBuilder *builder,
         const char *name,
         gint64 value)
{
  g_assert (JSON_IS_BUILDER (builder));

  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

/* Appends VALUE in decimal: printf would be most of the time spent on a
 * day of probes. */
static void
append_decimal (GString *text,
                gint64 value)
{
  char digits[24];
  guint64 magnitude = 0;
  guint n = 0;

  g_assert (text != NULL);

  if (value < 0)
    g_string_append_c (text, '-');
  magnitude = value < 0 ? (guint64) -(value + 1) + 1 : (guint64) value;

  do
    {
      digits[n++] = (char) ('0' + magnitude % 10);
      magnitude /= 10;
    }
  while (magnitude > 0);

  while (n > 0)
    g_string_append_c (text, digits[--n]);
}

static void
add_settings (JsonBuilder *builder,
              const HsTraceOptions *options)
{
  g_assert (JSON_IS_BUILDER (builder));
  g_assert (options != NULL);

  json_builder_set_member_name (builder, "settings");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "protocol");
  json_builder_add_string_value (builder,
                                 name_of (protocol_names, 3,
                                          options->protocol));
  json_builder_set_member_name (builder, "family");
  json_builder_add_string_value (builder,
                                 name_of (family_names, 3, options->family));
  add_int (builder, "port", options->port);
  add_int (builder, "first_ttl", options->first_ttl);
  add_int (builder, "max_ttl", options->max_ttl);
  add_int (builder, "size", options->size);
  add_int (builder, "interval_ms", options->interval_ms);
  add_int (builder, "timeout_seconds", options->timeout_seconds);
  add_int (builder, "count", options->count);
  json_builder_set_member_name (builder, "resolve_names");
  json_builder_add_boolean_value (builder, options->resolve_names);
  json_builder_end_object (builder);
}

/* Writes HOP's responders and probes.  Responders are numbered again in
 * the order the probes first name them, and one that no kept probe names
 * is left out, so that the reader's replay gives the same hop back. */
static void
add_hop (JsonBuilder *builder,
         HsHop *hop)
{
  g_autoptr(GString) probes = NULL;
  g_autofree guint *mapping = NULL;
  g_autoptr(GArray) order = NULL;
  HsHistory *history = NULL;
  guint n_responders = 0;
  guint length = 0;
  gint64 previous_us = 0;

  g_assert (JSON_IS_BUILDER (builder));
  g_assert (HS_IS_HOP (hop));

  history = hs_hop_get_history (hop);
  length = hs_history_get_length (history);
  n_responders = hs_hop_get_n_responders (hop);
  mapping = g_new0 (guint, n_responders + 1);
  order = g_array_new (FALSE, FALSE, sizeof (guint));
  probes = g_string_sized_new (length * 20 + 1);

  for (guint i = 0; i < length; i++)
    {
      const HsProbeRecord *record = hs_history_get (history, i);
      gboolean lost = record->round_trip_us < 0;
      guint responder = 0;

      if (!lost && record->responder > 0 && record->responder <= n_responders)
        {
          if (mapping[record->responder] == 0)
            {
              guint original = record->responder - 1u;

              g_array_append_val (order, original);
              mapping[record->responder] = order->len;
            }
          responder = mapping[record->responder];
        }

      if (i > 0)
        g_string_append_c (probes, ' ');
      append_decimal (probes, i == 0 ? record->sent_us
                                     : record->sent_us - previous_us);
      g_string_append_c (probes, ',');
      append_decimal (probes, lost ? HS_PROBE_LOST : record->round_trip_us);
      g_string_append_c (probes, ',');
      append_decimal (probes, responder);
      g_string_append_c (probes, ',');
      append_decimal (probes, lost ? 0 : record->flags & KNOWN_FLAGS);
      previous_us = record->sent_us;
    }

  json_builder_begin_object (builder);
  add_int (builder, "ttl", hs_hop_get_ttl (hop));
  json_builder_set_member_name (builder, "responders");
  json_builder_begin_array (builder);
  for (guint i = 0; i < order->len; i++)
    {
      const HsResponder *responder =
        hs_hop_get_responder (hop, g_array_index (order, guint, i));
      g_autofree char *address =
        g_inet_address_to_string (responder->address);

      json_builder_begin_object (builder);
      add_nullable_string (builder, "address", address, MAX_NAME_LENGTH);
      add_nullable_string (builder, "name", responder->name,
                           MAX_STRING_BYTES);
      add_nullable_string (builder, "mpls",
                           responder->mpls != NULL
                           && is_mpls_stack (responder->mpls)
                           ? responder->mpls : NULL,
                           MAX_STRING_BYTES);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "probes");
  json_builder_add_string_value (builder, probes->str);
  json_builder_end_object (builder);
}

/**
 * hs_recording_serialize:
 * @data: what a trace measured
 *
 * Returns: (transfer full): @data in the recording format, as
 *   uncompressed JSON text
 */
GBytes *
hs_recording_serialize (const HsTraceData *data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *version = NULL;
  char *text = NULL;
  gsize length = 0;
  guint n_hops = 0;

  g_return_val_if_fail (data != NULL, NULL);

  builder = json_builder_new ();
  version = g_strdup_printf ("%d.%d", VERSION_MAJOR, VERSION_MINOR);
  n_hops = g_list_model_get_n_items (G_LIST_MODEL (data->hops));

  /* The format comes first, so that a reader can tell a damaged recording
   * from something else by its first bytes. */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, FORMAT_NAME);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, version);
  add_nullable_string (builder, "hopscope", data->version,
                       MAX_VERSION_BYTES);
  add_nullable_string (builder, "host", data->local_name,
                       MAX_STRING_BYTES);

  json_builder_set_member_name (builder, "target");
  json_builder_begin_object (builder);
  add_nullable_string (builder, "name", data->options.target,
                       MAX_STRING_BYTES);
  add_nullable_string (builder, "address", data->address,
                       MAX_NAME_LENGTH);
  json_builder_end_object (builder);

  add_settings (builder, &data->options);
  json_builder_set_member_name (builder, "route");
  json_builder_add_string_value (builder,
                                 name_of (route_names, 6, data->route));
  add_int (builder, "started", data->started_us);
  add_int (builder, "finished", data->finished_us);
  add_int (builder, "rounds", data->rounds);

  json_builder_set_member_name (builder, "range");
  if (data->range_from_us == 0 && data->range_to_us == 0)
    json_builder_add_null_value (builder);
  else
    {
      json_builder_begin_object (builder);
      add_int (builder, "from", data->range_from_us);
      add_int (builder, "to", data->range_to_us);
      json_builder_end_object (builder);
    }

  add_int (builder, "n_hops", data->n_hops);
  json_builder_set_member_name (builder, "hops");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_hops; i++)
    {
      g_autoptr(HsHop) hop =
        g_list_model_get_item (G_LIST_MODEL (data->hops), i);

      add_hop (builder, hop);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);

  /* A text file ends with a new line. */
  text = g_realloc (text, length + 2);
  text[length++] = '\n';
  text[length] = '\0';

  return g_bytes_new_take (text, length);
}

static GBytes *
compress (GBytes *text,
          GError **error)
{
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GByteArray) out = NULL;
  const guint8 *in = NULL;
  gsize in_length = 0;
  gsize in_done = 0;

  g_assert (text != NULL);

  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP,
                                      COMPRESS_LEVEL);
  out = g_byte_array_sized_new (CHUNK_BYTES);
  in = g_bytes_get_data (text, &in_length);

  for (;;)
    {
      gsize old_length = out->len;
      gsize read = 0;
      gsize written = 0;
      GConverterResult result = G_CONVERTER_ERROR;

      g_byte_array_set_size (out, old_length + CHUNK_BYTES);
      result = g_converter_convert (G_CONVERTER (compressor),
                                    in + in_done, in_length - in_done,
                                    out->data + old_length, CHUNK_BYTES,
                                    G_CONVERTER_INPUT_AT_END,
                                    &read, &written, error);
      g_byte_array_set_size (out, old_length + written);
      in_done += read;

      if (result == G_CONVERTER_ERROR)
        return NULL;
      if (result == G_CONVERTER_FINISHED)
        break;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/**
 * hs_recording_save:
 * @data: what a trace measured
 * @path: the file to write, replaced whole if it exists
 * @error: where to put the reason it could not be written
 *
 * Writes @data as a recording, gzip-compressed unless @path ends in
 * ".json"; the file is replaced at once, never left half written.
 *
 * Returns: %TRUE once the file is written
 */
gboolean
hs_recording_save (const HsTraceData *data,
                   const char *path,
                   GError **error)
{
  g_autoptr(GBytes) text = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GFile) file = NULL;

  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  text = hs_recording_serialize (data);
  if (g_str_has_suffix (path, ".json"))
    contents = g_bytes_ref (text);
  else if (!(contents = compress (text, error)))
    return FALSE;

  file = g_file_new_for_path (path);
  if (!g_file_replace_contents (file,
                                g_bytes_get_data (contents, NULL),
                                g_bytes_get_size (contents),
                                NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                NULL, error))
    {
      g_prefix_error (error, _("The recording could not be saved: "));
      return FALSE;
    }

  return TRUE;
}

/* Reading */

typedef struct
{
  /* A newer minor version of the same major one may add members that
   * this reader does not know; it skips them, and refuses them in the
   * versions it knows. */
  gboolean ignore_unknown;
  GError **error;
} Reader;

typedef struct
{
  GInetAddress *address;
  char *name;
  char *mpls;
} Responder;

static void
responder_free (gpointer data)
{
  Responder *responder = data;

  g_clear_object (&responder->address);
  g_free (responder->name);
  g_free (responder->mpls);
  g_free (responder);
}

static gboolean
damaged (GError **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
damaged (GError **error,
         const char *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, HS_RECORDING_ERROR,
                       HS_RECORDING_ERROR_DAMAGED, message);

  return FALSE;
}

/* Whether TEXT begins the way the writer begins every recording: then an
 * error further on means a damaged recording, not some other file. */
static gboolean
looks_like_recording (const char *text,
                      gsize length)
{
  gsize i = 0;
  static const char start[] = "\"format\"";
  static const char name[] = "\"" FORMAT_NAME "\"";

  while (i < length && g_ascii_isspace (text[i]))
    i++;
  if (i >= length || text[i] != '{')
    return FALSE;
  i++;
  while (i < length && g_ascii_isspace (text[i]))
    i++;
  if (length - i < sizeof start - 1
      || memcmp (text + i, start, sizeof start - 1) != 0)
    return FALSE;
  i += sizeof start - 1;
  while (i < length && (g_ascii_isspace (text[i]) || text[i] == ':'))
    i++;

  return length - i >= sizeof name - 1
         && memcmp (text + i, name, sizeof name - 1) == 0;
}

static void
position_of (const char *text,
             gsize offset,
             guint *line,
             guint *column)
{
  const char *last_line = text;

  *line = 1;
  for (gsize i = 0; i < offset; i++)
    if (text[i] == '\n')
      {
        (*line)++;
        last_line = text + i + 1;
      }
  *column = (guint) (text + offset - last_line) + 1;
}

static gboolean
lexical_error (const char *text,
               gsize offset,
               GError **error,
               const char *what)
{
  guint line = 0;
  guint column = 0;

  position_of (text, offset, &line, &column);

  return damaged (error, _("line %u, character %u: %s"), line, column, what);
}

static gboolean
is_member_name (const char *name,
                gsize length)
{
  if (length == 0 || length > MAX_NAME_LENGTH)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    if (!g_ascii_islower (name[i]) && !g_ascii_isdigit (name[i])
        && name[i] != '_')
      return FALSE;

  return TRUE;
}

/* Checks a member name at TEXT + START (the opening quote) up to END (the
 * closing one) against the object it belongs to. */
static gboolean
check_member_name (const char *text,
                   gsize start,
                   gsize end,
                   GPtrArray *objects,
                   GError **error)
{
  g_autofree char *copy = NULL;
  GHashTable *names = NULL;
  const char *name = text + start + 1;
  gsize length = end - start - 1;

  g_assert (end > start);

  /* A name where no object is open is a syntax error that the parser
   * reports with its own words. */
  if (objects->len == 0
      || (names = g_ptr_array_index (objects, objects->len - 1)) == NULL)
    return TRUE;

  if (!is_member_name (name, length))
    return lexical_error (text, start, error,
                          _("a member name must be 1 to 64 lowercase "
                            "letters, digits or underscores"));

  copy = g_strndup (name, length);
  if (g_hash_table_contains (names, copy))
    {
      g_autofree char *what =
        g_strdup_printf (_("the member “%s” is given twice"), copy);

      return lexical_error (text, start, error, what);
    }
  g_hash_table_add (names, g_steal_pointer (&copy));

  return TRUE;
}

static gboolean
check_number (const char *text,
              gsize start,
              gsize end,
              GError **error)
{
  char token[MAX_NUMBER_LENGTH + 1];
  const char *digits = text + start;
  gsize length = end - start;
  gint64 value = 0;
  char *rest = NULL;

  g_assert (end > start);

  if (length > MAX_NUMBER_LENGTH)
    return lexical_error (text, start, error, _("a number is too long"));

  /* Fractions and exponents are left to the parser: no member of the
   * format takes one, and the type check refuses them. */
  memcpy (token, digits, length);
  token[length] = '\0';
  if (strpbrk (token, ".eE") != NULL)
    return TRUE;

  if (token[0] == '-')
    digits++;
  if (digits >= text + end)
    return lexical_error (text, start, error, _("a number is malformed"));
  if (digits[0] == '0' && digits + 1 < text + end)
    return lexical_error (text, start, error,
                          _("a number starts with a zero"));

  /* json-glib wraps an integer that overflows 64 bits silently. */
  errno = 0;
  value = g_ascii_strtoll (token, &rest, 10);
  if (errno == ERANGE || *rest != '\0')
    return lexical_error (text, start, error,
                          _("a number is out of range or malformed"));
  (void) value;

  return TRUE;
}

/* Arrays have no names to keep: their entry on the stack is NULL. */
static void
names_free (gpointer names)
{
  if (names != NULL)
    g_hash_table_unref (names);
}

/* What json-glib does not check, or checks too late: nesting depth and
 * the number of values (its parser recurses and builds a node for every
 * value), NUL characters (it cuts strings at them), integers beyond 64
 * bits (it wraps them), repeated member names (it keeps the last).  This
 * scans the tokens only; the syntax is the parser's to check. */
static gboolean
check_lexically (const char *text,
                 gsize length,
                 GError **error)
{
  g_autoptr(GPtrArray) objects = NULL;
  guint n_values = 0;
  gsize i = 0;

  objects = g_ptr_array_new_with_free_func (names_free);

  while (i < length)
    {
      char c = text[i];

      if (c == '\0')
        return lexical_error (text, i, error, _("a NUL byte"));

      if (c == '"')
        {
          gsize start = i;
          gsize next = 0;

          for (i++; i < length && text[i] != '"'; i++)
            {
              if (text[i] == '\0')
                return lexical_error (text, i, error, _("a NUL byte"));
              if (text[i] != '\\' || i + 1 >= length)
                continue;
              if (length - i >= 6 && memcmp (text + i + 1, "u0000", 5) == 0)
                return lexical_error (text, i, error,
                                      _("a string holds a NUL character"));
              i++;
            }
          if (i >= length)
            return TRUE;

          for (next = i + 1; next < length && g_ascii_isspace (text[next]);
               next++)
            ;
          if (next < length && text[next] == ':')
            {
              if (!check_member_name (text, start, i, objects, error))
                return FALSE;
            }
          else
            n_values++;
          i++;
        }
      else if (c == '{' || c == '[')
        {
          n_values++;
          if (objects->len >= MAX_DEPTH)
            return lexical_error (text, i, error, _("too deeply nested"));
          g_ptr_array_add (objects,
                           c == '[' ? NULL
                                    : g_hash_table_new_full (g_str_hash,
                                                             g_str_equal,
                                                             g_free, NULL));
          i++;
        }
      else if (c == '}' || c == ']')
        {
          if (objects->len > 0)
            g_ptr_array_set_size (objects, objects->len - 1);
          i++;
        }
      else if (c == '-' || g_ascii_isdigit (c))
        {
          gsize start = i;

          while (i < length && (g_ascii_isdigit (text[i]) || text[i] == '-'
                                || text[i] == '+' || text[i] == '.'
                                || text[i] == 'e' || text[i] == 'E'))
            i++;
          n_values++;
          if (!check_number (text, start, i, error))
            return FALSE;
        }
      else if (g_ascii_isalpha (c))
        {
          n_values++;
          while (i < length && g_ascii_isalnum (text[i]))
            i++;
        }
      else
        i++;

      if (n_values > MAX_VALUES)
        return lexical_error (text, i, error,
                              _("more values than a recording holds"));
    }

  return TRUE;
}

/* Members */

/* Numbers go into messages as text, so that the translated strings hold
 * no platform's format macro. */
static char *
decimal_text (gint64 value)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

static gboolean
check_members (Reader *reader,
               JsonObject *object,
               const char * const *known,
               const char *where)
{
  g_autoptr(GList) members = NULL;

  g_assert (reader != NULL);

  if (reader->ignore_unknown)
    return TRUE;

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data))
      return damaged (reader->error, _("%s: unknown member “%s”"), where,
                      (const char *) l->data);

  return TRUE;
}

static JsonNode *
get_member (Reader *reader,
            JsonObject *object,
            const char *name,
            const char *where)
{
  JsonNode *node = NULL;

  g_assert (reader != NULL);

  if (!(node = json_object_get_member (object, name)))
    damaged (reader->error, _("%s: the member “%s” is missing"), where, name);

  return node;
}

static gboolean
get_int (Reader *reader,
         JsonObject *object,
         const char *name,
         gint64 min,
         gint64 max,
         const char *where,
         gint64 *value)
{
  JsonNode *node = NULL;

  g_assert (reader != NULL);

  if (!(node = get_member (reader, object, name, where)))
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return damaged (reader->error,
                    _("%s: “%s” must be a whole number"), where, name);

  *value = json_node_get_int (node);
  if (*value < min || *value > max)
    {
      g_autofree char *value_text = decimal_text (*value);
      g_autofree char *min_text = decimal_text (min);
      g_autofree char *max_text = decimal_text (max);

      return damaged (reader->error,
                      _("%s: “%s” is %s, out of its range %s to %s"),
                      where, name, value_text, min_text, max_text);
    }

  return TRUE;
}

static gboolean
get_uint (Reader *reader,
          JsonObject *object,
          const char *name,
          guint min,
          guint max,
          const char *where,
          guint *value)
{
  gint64 wide = 0;

  if (!get_int (reader, object, name, min, max, where, &wide))
    return FALSE;
  *value = (guint) wide;

  return TRUE;
}

static gboolean
get_boolean (Reader *reader,
             JsonObject *object,
             const char *name,
             const char *where,
             gboolean *value)
{
  JsonNode *node = NULL;

  g_assert (reader != NULL);

  if (!(node = get_member (reader, object, name, where)))
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return damaged (reader->error, _("%s: “%s” must be true or false"),
                    where, name);

  *value = json_node_get_boolean (node);

  return TRUE;
}

/* A string member of at most MAX_BYTES bytes with no control character,
 * or null when NULLABLE. */
static gboolean
get_string (Reader *reader,
            JsonObject *object,
            const char *name,
            gboolean nullable,
            gsize max_bytes,
            const char *where,
            char **value)
{
  JsonNode *node = NULL;
  const char *text = NULL;
  gsize length = 0;

  g_assert (reader != NULL);
  g_assert (*value == NULL);

  if (!(node = get_member (reader, object, name, where)))
    return FALSE;
  if (nullable && JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return damaged (reader->error,
                    nullable ? _("%s: “%s” must be a string or null")
                             : _("%s: “%s” must be a string"),
                    where, name);

  text = json_node_get_string (node);
  length = strlen (text);
  if (length == 0 || length > max_bytes)
    return damaged (reader->error,
                    _("%s: “%s” must be 1 to %u bytes long"),
                    where, name, (guint) max_bytes);
  if (!is_text (text, max_bytes))
    return damaged (reader->error,
                    _("%s: “%s” holds a control character"), where, name);

  *value = g_strdup (text);

  return TRUE;
}

static gboolean
get_choice (Reader *reader,
            JsonObject *object,
            const char *name,
            const char * const *names,
            const char *where,
            guint *value)
{
  g_autofree char *text = NULL;
  g_autofree char *choices = NULL;

  if (!get_string (reader, object, name, FALSE, MAX_NAME_LENGTH, where,
                   &text))
    return FALSE;

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (text, names[i]))
      {
        *value = i;
        return TRUE;
      }

  choices = g_strjoinv (", ", (char **) names);

  return damaged (reader->error, _("%s: “%s” is “%s”, not one of %s"),
                  where, name, text, choices);
}

/* An object member, or NULL with no error when it is null and NULLABLE. */
static gboolean
get_object (Reader *reader,
            JsonObject *object,
            const char *name,
            gboolean nullable,
            const char *where,
            JsonObject **value)
{
  JsonNode *node = NULL;

  if (!(node = get_member (reader, object, name, where)))
    return FALSE;
  if (nullable && JSON_NODE_HOLDS_NULL (node))
    {
      *value = NULL;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return damaged (reader->error,
                    nullable ? _("%s: “%s” must be an object or null")
                             : _("%s: “%s” must be an object"),
                    where, name);

  *value = json_node_get_object (node);

  return TRUE;
}

static gboolean
get_array (Reader *reader,
           JsonObject *object,
           const char *name,
           guint max_length,
           const char *where,
           JsonArray **value)
{
  JsonNode *node = NULL;

  if (!(node = get_member (reader, object, name, where)))
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return damaged (reader->error, _("%s: “%s” must be an array"), where,
                    name);

  *value = json_node_get_array (node);
  if (json_array_get_length (*value) > max_length)
    return damaged (reader->error,
                    _("%s: “%s” has more than %u entries"), where, name,
                    max_length);

  return TRUE;
}

/* The document */

static gboolean
read_version (Reader *reader,
              JsonObject *root)
{
  static const char where[] = "recording";
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;
  guint64 major = 0;
  guint64 minor = 0;

  if (!get_string (reader, root, "version", FALSE, MAX_NAME_LENGTH, where,
                   &text))
    return FALSE;

  parts = g_strsplit (text, ".", -1);
  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXUINT16, &major,
                                      NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT16, &minor,
                                      NULL)
      || (parts[0][0] == '0' && parts[0][1] != '\0')
      || (parts[1][0] == '0' && parts[1][1] != '\0'))
    return damaged (reader->error,
                    _("the version “%s” is not of the form MAJOR.MINOR"),
                    text);

  if (major > VERSION_MAJOR)
    {
      g_set_error (reader->error, HS_RECORDING_ERROR,
                   HS_RECORDING_ERROR_VERSION,
                   _("it was made in version %s of the recording format, "
                     "and this Hopscope reads version %d only: open it "
                     "with a newer Hopscope"),
                   text, VERSION_MAJOR);
      return FALSE;
    }

  reader->ignore_unknown = minor > VERSION_MINOR;

  return TRUE;
}

static gboolean
read_target (Reader *reader,
             JsonObject *root,
             HsTraceData *data)
{
  static const char * const known[] = { "name", "address", NULL };
  static const char where[] = "target";
  g_autoptr(GInetAddress) address = NULL;
  JsonObject *target = NULL;

  if (!get_object (reader, root, "target", FALSE, "recording", &target)
      || !check_members (reader, target, known, where)
      || !get_string (reader, target, "name", TRUE, MAX_STRING_BYTES, where,
                      &data->options.target)
      || !get_string (reader, target, "address", TRUE, MAX_NAME_LENGTH,
                      where, &data->address))
    return FALSE;

  if (data->address != NULL
      && !(address = g_inet_address_new_from_string (data->address)))
    return damaged (reader->error,
                    _("target: the address “%s” is not an IP address"),
                    data->address);

  return TRUE;
}

static gboolean
read_settings (Reader *reader,
               JsonObject *root,
               HsTraceOptions *options)
{
  static const char * const known[] = {
    "protocol", "family", "port", "first_ttl", "max_ttl", "size",
    "interval_ms", "timeout_seconds", "count", "resolve_names", NULL
  };
  static const char where[] = "settings";
  JsonObject *settings = NULL;
  guint protocol = 0;
  guint family = 0;

  if (!get_object (reader, root, "settings", FALSE, "recording", &settings)
      || !check_members (reader, settings, known, where)
      || !get_choice (reader, settings, "protocol", protocol_names, where,
                      &protocol)
      || !get_choice (reader, settings, "family", family_names, where,
                      &family)
      || !get_uint (reader, settings, "port", 0, 65535, where,
                    &options->port)
      || !get_uint (reader, settings, "first_ttl", 1, MAX_TTL, where,
                    &options->first_ttl)
      || !get_uint (reader, settings, "max_ttl", options->first_ttl, MAX_TTL,
                    where, &options->max_ttl)
      || !get_uint (reader, settings, "size", 0, 65535, where,
                    &options->size)
      || !get_uint (reader, settings, "interval_ms", 1, 3600 * 1000, where,
                    &options->interval_ms)
      || !get_uint (reader, settings, "timeout_seconds", 1, 3600, where,
                    &options->timeout_seconds)
      || !get_uint (reader, settings, "count", 0, G_MAXUINT32, where,
                    &options->count)
      || !get_boolean (reader, settings, "resolve_names", where,
                       &options->resolve_names))
    return FALSE;

  options->protocol = protocol;
  options->family = family;

  return TRUE;
}

static gboolean
read_range (Reader *reader,
            JsonObject *root,
            HsTraceData *data)
{
  static const char * const known[] = { "from", "to", NULL };
  static const char where[] = "range";
  JsonObject *range = NULL;

  if (!get_object (reader, root, "range", TRUE, "recording", &range))
    return FALSE;
  if (range == NULL)
    return TRUE;

  if (!check_members (reader, range, known, where)
      || !get_int (reader, range, "from", 0, MAX_TIME_US - 1, where,
                   &data->range_from_us)
      || !get_int (reader, range, "to", data->range_from_us + 1, MAX_TIME_US,
                   where, &data->range_to_us))
    return FALSE;

  return TRUE;
}

static gboolean
read_responder (Reader *reader,
                JsonArray *responders,
                guint index,
                const char *hop_where,
                GPtrArray *read)
{
  static const char * const known[] = { "address", "name", "mpls", NULL };
  g_autofree char *where = NULL;
  g_autofree char *address = NULL;
  Responder *responder = NULL;
  JsonNode *node = json_array_get_element (responders, index);

  where = g_strdup_printf (_("%s, responder %u"), hop_where, index + 1);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return damaged (reader->error, _("%s: must be an object"), where);

  responder = g_new0 (Responder, 1);
  g_ptr_array_add (read, responder);

  if (!check_members (reader, json_node_get_object (node), known, where)
      || !get_string (reader, json_node_get_object (node), "address", FALSE,
                      MAX_NAME_LENGTH, where, &address)
      || !get_string (reader, json_node_get_object (node), "name", TRUE,
                      MAX_STRING_BYTES, where, &responder->name)
      || !get_string (reader, json_node_get_object (node), "mpls", TRUE,
                      MAX_STRING_BYTES, where, &responder->mpls))
    return FALSE;

  if (!(responder->address = g_inet_address_new_from_string (address)))
    return damaged (reader->error,
                    _("%s: the address “%s” is not an IP address"), where,
                    address);
  if (responder->mpls != NULL && !is_mpls_stack (responder->mpls))
    return damaged (reader->error,
                    _("%s: “%s” is not an MPLS label stack"), where,
                    responder->mpls);

  for (guint i = 0; i + 1 < read->len; i++)
    {
      Responder *other = g_ptr_array_index (read, i);

      if (g_inet_address_equal (other->address, responder->address))
        return damaged (reader->error,
                        _("%s: the address %s is listed twice"), where,
                        address);
    }

  return TRUE;
}

/* Reads a decimal integer at *CURSOR, up to END: an optional minus sign
 * when SIGNED, and digits with no leading zero. */
static gboolean
parse_field (const char **cursor,
             const char *end,
             gboolean is_signed,
             gint64 *value)
{
  const char *p = *cursor;
  gboolean negative = FALSE;
  guint64 magnitude = 0;
  const char *digits = NULL;

  if (is_signed && p < end && *p == '-')
    {
      negative = TRUE;
      p++;
    }

  digits = p;
  while (p < end && g_ascii_isdigit (*p))
    {
      if (p - digits >= 18)
        return FALSE;
      magnitude = magnitude * 10 + (guint64) (*p - '0');
      p++;
    }
  if (p == digits || (*digits == '0' && p - digits > 1)
      || (negative && magnitude == 0))
    return FALSE;

  *value = negative ? -(gint64) magnitude : (gint64) magnitude;
  *cursor = p;

  return TRUE;
}

/* Replays the probes of TEXT into HOP: see docs/recording-format.md for
 * their grammar. */
static gboolean
read_probes (Reader *reader,
             const char *text,
             HsTraceData *data,
             HsHop *hop,
             GPtrArray *responders,
             const char *where)
{
  const char *cursor = text;
  const char *end = text + strlen (text);
  guint n_probes = 0;
  guint highest_named = 0;
  gint64 sent_us = 0;
  gboolean ranged = data->range_to_us != 0;

  while (cursor < end)
    {
      gint64 fields[4] = { 0 };
      guint responder = 0;
      guint flags = 0;
      gint64 round_trip_us = 0;

      if (n_probes > 0 && *cursor++ != ' ')
        return damaged (reader->error,
                        _("%s, probe %u: probes must be separated by one "
                          "space"), where, n_probes + 1);
      if (++n_probes > HS_HISTORY_DEFAULT_CAPACITY)
        return damaged (reader->error,
                        _("%s: more than %u probes"), where,
                        HS_HISTORY_DEFAULT_CAPACITY);

      for (guint i = 0; i < 4; i++)
        if ((i > 0 && (cursor >= end || *cursor++ != ','))
            || !parse_field (&cursor, end, i == 1, &fields[i]))
          return damaged (reader->error,
                          _("%s, probe %u: expected four whole numbers "
                            "separated by commas"), where, n_probes);

      if (fields[0] > MAX_TIME_US - sent_us)
        return damaged (reader->error,
                        _("%s, probe %u: the send time is out of range"),
                        where, n_probes);
      sent_us += fields[0];
      if (ranged && (sent_us < data->range_from_us
                     || sent_us >= data->range_to_us))
        return damaged (reader->error,
                        _("%s, probe %u: sent outside the recording's time "
                          "range"), where, n_probes);

      round_trip_us = fields[1];
      if (round_trip_us < HS_PROBE_LOST || round_trip_us > G_MAXINT32)
        {
          g_autofree char *number = decimal_text (round_trip_us);

          return damaged (reader->error,
                          _("%s, probe %u: the round-trip time %s is out of "
                            "range"), where, n_probes, number);
        }
      if (fields[2] > (gint64) responders->len)
        {
          g_autofree char *number = decimal_text (fields[2]);

          return damaged (reader->error,
                          _("%s, probe %u: the responder index %s names no "
                            "responder"), where, n_probes, number);
        }
      responder = (guint) fields[2];
      if (fields[3] & ~(gint64) KNOWN_FLAGS)
        {
          g_autofree char *number = decimal_text (fields[3]);

          return damaged (reader->error,
                          _("%s, probe %u: unknown flags %s"), where,
                          n_probes, number);
        }
      flags = (guint) fields[3];

      if (round_trip_us == HS_PROBE_LOST && (responder != 0 || flags != 0))
        return damaged (reader->error,
                        _("%s, probe %u: a lost probe names a responder or "
                          "has flags"), where, n_probes);
      if (responder > highest_named + 1)
        return damaged (reader->error,
                        _("%s, probe %u: responder %u answers before "
                          "responder %u; responders are listed in the order "
                          "the probes first name them"),
                        where, n_probes, responder, highest_named + 1);
      highest_named = MAX (highest_named, responder);

      /* The replay is the live trace's own bookkeeping, so the figures
       * come out as they were.  TODO: keep HS_PROBE_RECORD_UNREACHABLE
       * once HsHop can record it; nothing sets it yet. */
      hs_hop_record_sent (hop);
      if (round_trip_us == HS_PROBE_LOST)
        hs_hop_record_lost (hop, sent_us);
      else
        {
          Responder *entry =
            responder > 0 ? g_ptr_array_index (responders, responder - 1)
                          : NULL;

          hs_hop_record_answer (hop, sent_us, round_trip_us,
                                entry ? entry->address : NULL,
                                entry ? entry->mpls : NULL,
                                flags & HS_PROBE_RECORD_TARGET_REPLY);
        }
    }

  if (highest_named < responders->len)
    return damaged (reader->error,
                    _("%s, responder %u: no probe names it"), where,
                    highest_named + 1);

  return TRUE;
}

static gboolean
read_hop (Reader *reader,
          JsonArray *hops,
          guint index,
          HsTraceData *data)
{
  static const char * const known[] = { "ttl", "responders", "probes",
                                        NULL };
  g_autoptr(GPtrArray) responders = NULL;
  g_autoptr(HsHop) hop = NULL;
  g_autofree char *where = NULL;
  JsonNode *node = json_array_get_element (hops, index);
  JsonObject *object = NULL;
  JsonArray *list = NULL;
  JsonNode *probes_node = NULL;
  guint expected = data->options.first_ttl + index;
  guint ttl = 0;

  where = g_strdup_printf (_("hop %u"), expected);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return damaged (reader->error, _("%s: must be an object"), where);
  object = json_node_get_object (node);

  if (!check_members (reader, object, known, where)
      || !get_uint (reader, object, "ttl", 1, MAX_TTL, where, &ttl))
    return FALSE;
  if (ttl != expected || ttl > data->options.max_ttl)
    return damaged (reader->error,
                    _("%s: its time-to-live is %u; hops must follow one "
                      "another from first_ttl to at most max_ttl"),
                    where, ttl);

  responders = g_ptr_array_new_with_free_func (responder_free);
  if (!get_array (reader, object, "responders", MAX_RESPONDERS, where, &list))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (list); i++)
    if (!read_responder (reader, list, i, where, responders))
      return FALSE;

  /* The probes are one string, not a JSON array: a day of them would
   * take the parser hundreds of megabytes of nodes. */
  if (!(probes_node = get_member (reader, object, "probes", where)))
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (probes_node)
      || json_node_get_value_type (probes_node) != G_TYPE_STRING)
    return damaged (reader->error, _("%s: “probes” must be a string"), where);

  hop = hs_hop_new (ttl);
  if (!read_probes (reader, json_node_get_string (probes_node), data, hop,
                    responders, where))
    return FALSE;

  for (guint i = 0; i < responders->len; i++)
    {
      Responder *responder = g_ptr_array_index (responders, i);

      if (responder->name != NULL)
        hs_hop_set_responder_name (hop, responder->address, responder->name);
    }

  g_list_store_append (data->hops, hop);

  return TRUE;
}

static HsTraceData *
read_document (Reader *reader,
               JsonNode *root_node)
{
  static const char * const known[] = {
    "format", "version", "hopscope", "host", "target", "settings", "route",
    "started", "finished", "rounds", "range", "n_hops", "hops", NULL
  };
  static const char where[] = "recording";
  g_autoptr(HsTraceData) data = NULL;
  JsonObject *root = NULL;
  JsonNode *format = NULL;
  JsonArray *hops = NULL;
  guint route = 0;

  if (!JSON_NODE_HOLDS_OBJECT (root_node)
      || !(format = json_object_get_member (
             (root = json_node_get_object (root_node)), "format"))
      || !JSON_NODE_HOLDS_VALUE (format)
      || json_node_get_value_type (format) != G_TYPE_STRING
      || g_strcmp0 (json_node_get_string (format), FORMAT_NAME) != 0)
    {
      g_set_error_literal (reader->error, HS_RECORDING_ERROR,
                           HS_RECORDING_ERROR_NOT_A_RECORDING,
                           _("it is JSON, but not a Hopscope recording"));
      return NULL;
    }

  data = hs_trace_data_new ();
  if (!read_version (reader, root)
      || !check_members (reader, root, known, where)
      || !get_string (reader, root, "hopscope", TRUE, MAX_VERSION_BYTES,
                      where, &data->version)
      || !get_string (reader, root, "host", TRUE, MAX_STRING_BYTES, where,
                      &data->local_name)
      || !read_target (reader, root, data)
      || !read_settings (reader, root, &data->options)
      || !get_choice (reader, root, "route", route_names, where, &route)
      || !get_int (reader, root, "started", 0, MAX_TIME_US, where,
                   &data->started_us)
      || !get_int (reader, root, "finished", 0, MAX_TIME_US, where,
                   &data->finished_us)
      || !get_uint (reader, root, "rounds", 0, G_MAXUINT32, where,
                    &data->rounds)
      || !read_range (reader, root, data)
      || !get_array (reader, root, "hops", MAX_TTL, where, &hops)
      || !get_uint (reader, root, "n_hops", 0, json_array_get_length (hops),
                    where, &data->n_hops))
    return NULL;
  data->route = route;

  for (guint i = 0; i < json_array_get_length (hops); i++)
    if (!read_hop (reader, hops, i, data))
      return NULL;

  return g_steal_pointer (&data);
}

/* Decompresses a gzip stream, stopping as soon as it grows past the size
 * limit, so that a small file that inflates to gigabytes costs little. */
static GBytes *
decompress (const guint8 *data,
            gsize length,
            GError **error)
{
  g_autoptr(GZlibDecompressor) decompressor = NULL;
  g_autoptr(GByteArray) out = NULL;
  gsize in_done = 0;

  decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  out = g_byte_array_new ();

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize old_length = out->len;
      gsize read = 0;
      gsize written = 0;
      GConverterResult result = G_CONVERTER_ERROR;

      g_byte_array_set_size (out, old_length + CHUNK_BYTES);
      result = g_converter_convert (G_CONVERTER (decompressor),
                                    data + in_done, length - in_done,
                                    out->data + old_length, CHUNK_BYTES,
                                    G_CONVERTER_INPUT_AT_END,
                                    &read, &written, &local_error);
      g_byte_array_set_size (out, old_length + written);
      in_done += read;

      if (result == G_CONVERTER_ERROR)
        {
          damaged (error, _("the compressed data is damaged (%s)"),
                   local_error->message);
          return NULL;
        }
      if (out->len > MAX_TEXT_BYTES)
        {
          damaged (error, _("it uncompresses to more than %u MB"),
                   MAX_TEXT_BYTES / (1024 * 1024));
          return NULL;
        }
      if (result == G_CONVERTER_FINISHED)
        break;
      if (read == 0 && written == 0)
        {
          damaged (error, _("the compressed data ends early"));
          return NULL;
        }
    }

  if (in_done != length)
    {
      damaged (error, _("there is more data after the compressed "
                        "recording"));
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static HsTraceData *
parse_text (const char *text,
            gsize length,
            GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  Reader reader = { .error = error };
  HsRecordingError code = HS_RECORDING_ERROR_NOT_A_RECORDING;

  if (length == 0)
    {
      g_set_error_literal (error, HS_RECORDING_ERROR,
                           HS_RECORDING_ERROR_NOT_A_RECORDING,
                           _("the file is empty"));
      return NULL;
    }
  if (length > MAX_TEXT_BYTES)
    {
      g_set_error (error, HS_RECORDING_ERROR,
                   HS_RECORDING_ERROR_NOT_A_RECORDING,
                   _("it is larger than %u MB"),
                   MAX_TEXT_BYTES / (1024 * 1024));
      return NULL;
    }

  /* An error that a recording's own first bytes precede is damage in a
   * recording; anything else is some other file. */
  if (looks_like_recording (text, length))
    code = HS_RECORDING_ERROR_DAMAGED;

  if (!check_lexically (text, length, &local_error))
    {
      g_set_error_literal (error, HS_RECORDING_ERROR, code,
                           local_error->message);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text, (gssize) length,
                                   &local_error))
    {
      g_set_error (error, HS_RECORDING_ERROR, code,
                   code == HS_RECORDING_ERROR_DAMAGED
                   ? _("it is not valid JSON (%s)")
                   : _("it is not a Hopscope recording (%s)"),
                   local_error->message);
      return NULL;
    }

  /* White space alone parses, to no value at all. */
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, HS_RECORDING_ERROR,
                           HS_RECORDING_ERROR_NOT_A_RECORDING,
                           _("the file is empty"));
      return NULL;
    }

  return read_document (&reader, json_parser_get_root (parser));
}

/**
 * hs_recording_parse:
 * @text: (array length=length): a recording, plain or gzip-compressed
 * @length: its length in bytes
 * @error: where to put what is wrong with it and where
 *
 * Reads a recording from memory, checking every member; anything at all
 * may come in.
 *
 * Returns: (transfer full) (nullable): the data it holds, or %NULL
 */
HsTraceData *
hs_recording_parse (const char *text,
                    gsize length,
                    GError **error)
{
  g_autoptr(GBytes) inflated = NULL;
  HsTraceData *data = NULL;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length >= 2 && (guint8) text[0] == 0x1f && (guint8) text[1] == 0x8b)
    {
      if (!(inflated = decompress ((const guint8 *) text, length, error)))
        {
          g_prefix_error (error, _("This recording cannot be read: "));
          return NULL;
        }
      text = g_bytes_get_data (inflated, &length);
      if (text == NULL)
        text = "";
    }

  if (!(data = parse_text (text, length, error)))
    g_prefix_error (error, _("This recording cannot be read: "));

  return data;
}

/**
 * hs_recording_load:
 * @path: a recording's file
 * @error: where to put why it cannot be read
 *
 * Returns: (transfer full) (nullable): the data the file holds, or %NULL
 */
HsTraceData *
hs_recording_load (const char *path,
                   GError **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GByteArray) contents = NULL;
  g_autofree char *display = NULL;
  HsTraceData *data = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file = g_file_new_for_path (path);
  display = g_filename_display_name (path);
  if (!(stream = g_file_read (file, NULL, error)))
    {
      g_prefix_error (error, _("The recording “%s” cannot be opened: "),
                      display);
      return NULL;
    }

  /* Read in chunks up to the limit, so that a huge file or a device that
   * never ends is refused without reading it all. */
  contents = g_byte_array_new ();
  for (;;)
    {
      gsize old_length = contents->len;
      gsize n_read = 0;

      g_byte_array_set_size (contents, old_length + CHUNK_BYTES);
      if (!g_input_stream_read_all (G_INPUT_STREAM (stream),
                                    contents->data + old_length, CHUNK_BYTES,
                                    &n_read, NULL, error))
        {
          g_prefix_error (error, _("The recording “%s” cannot be read: "),
                          display);
          return NULL;
        }
      g_byte_array_set_size (contents, old_length + n_read);
      if (n_read < CHUNK_BYTES)
        break;
      if (contents->len > MAX_TEXT_BYTES)
        {
          g_set_error (error, HS_RECORDING_ERROR,
                       HS_RECORDING_ERROR_NOT_A_RECORDING,
                       _("The recording “%s” cannot be read: it is larger "
                         "than %u MB"),
                       display, MAX_TEXT_BYTES / (1024 * 1024));
          return NULL;
        }
    }

  if (!(data = hs_recording_parse ((const char *) contents->data,
                                   contents->len, error)))
    g_prefix_error (error, "“%s”: ", display);

  return data;
}
