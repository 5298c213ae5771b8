/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hs-helper-route.h"

/* The file capability attribute as the kernel stores it (struct
 * vfs_cap_data in linux/capability.h): a little-endian word of revision
 * and flags, then permitted and inheritable words, one pair per 32
 * capabilities, and in revision 3 the owner of the user namespace. */
#define FILE_CAPS_REVISION_MASK 0xff000000u
#define FILE_CAPS_REVISION_1 0x01000000u
#define FILE_CAPS_REVISION_2 0x02000000u
#define FILE_CAPS_REVISION_3 0x03000000u
#define FILE_CAPS_EFFECTIVE 0x00000001u
#define FILE_CAPS_SIZE_1 12
#define FILE_CAPS_SIZE_2 20
#define FILE_CAPS_SIZE_3 24
#define CAPABILITY_NET_RAW 13

#define PING_GROUP_RANGE "/proc/sys/net/ipv4/ping_group_range"

static guint32
read_le32 (const guint8 *data)
{
  guint32 word = 0;

  memcpy (&word, data, sizeof word);
  return GUINT32_FROM_LE (word);
}

gboolean
hs_helper_route_parse_file_caps (const guint8 *data,
                                 gsize length)
{
  guint32 magic = 0;
  guint32 revision = 0;
  gsize expected = 0;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (length < 4)
    return FALSE;

  magic = read_le32 (data);
  revision = magic & FILE_CAPS_REVISION_MASK;
  if (revision == FILE_CAPS_REVISION_1)
    expected = FILE_CAPS_SIZE_1;
  else if (revision == FILE_CAPS_REVISION_2)
    expected = FILE_CAPS_SIZE_2;
  else if (revision == FILE_CAPS_REVISION_3)
    expected = FILE_CAPS_SIZE_3;
  else
    return FALSE;

  if (length != expected)
    return FALSE;

  /* Capabilities written for another user namespace's root do not apply
   * to a program started from this one. */
  if (revision == FILE_CAPS_REVISION_3 && read_le32 (data + 20) != 0)
    return FALSE;

  /* Without the effective bit the capability is only permitted: the
   * helper does not raise it itself, so it could not open raw sockets. */
  if ((magic & FILE_CAPS_EFFECTIVE) == 0)
    return FALSE;

  return (read_le32 (data + 4) & (1u << CAPABILITY_NET_RAW)) != 0;
}

static gboolean
read_helper_capability (const char *helper_path)
{
  guint8 data[64];
  ssize_t length = getxattr (helper_path, "security.capability", data,
                             sizeof data);

  if (length < 0)
    return FALSE;

  return hs_helper_route_parse_file_caps (data, length);
}

static gboolean
group_in_range (gid_t gid,
                guint64 low,
                guint64 high)
{
  return gid >= low && gid <= high;
}

/* Whether ping_group_range lets one of this process's groups open ICMP
 * datagram sockets.  The kernel checks the effective group and the
 * supplementary ones. */
static gboolean
read_datagram_icmp (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  g_autofree gid_t *groups = NULL;
  guint64 low = 0;
  guint64 high = 0;
  int n_groups = 0;

  if (!g_file_get_contents (PING_GROUP_RANGE, &text, NULL, NULL))
    return FALSE;

  fields = g_strsplit_set (g_strstrip (text), " \t", -1);
  if (g_strv_length (fields) < 2
      || !g_ascii_string_to_unsigned (fields[0], 10, 0, G_MAXUINT32, &low,
                                      NULL)
      || !g_ascii_string_to_unsigned (fields[g_strv_length (fields) - 1], 10,
                                      0, G_MAXUINT32, &high, NULL))
    return FALSE;

  if (group_in_range (getegid (), low, high))
    return TRUE;

  n_groups = getgroups (0, NULL);
  if (n_groups <= 0)
    return FALSE;

  groups = g_new0 (gid_t, n_groups);
  n_groups = getgroups (n_groups, groups);
  for (int i = 0; i < n_groups; i++)
    if (group_in_range (groups[i], low, high))
      return TRUE;

  return FALSE;
}

/**
 * hs_helper_route_facts_read:
 * @facts: (out): what the system offers
 * @helper_path: the helper that the direct routes would start
 *
 * Reads what hs_helper_route_choose() needs from the running system.
 */
void
hs_helper_route_facts_read (HsHelperRouteFacts *facts,
                            const char *helper_path)
{
  struct stat status;

  g_return_if_fail (facts != NULL);
  g_return_if_fail (helper_path != NULL);

  memset (facts, 0, sizeof *facts);
  facts->datagram_icmp = read_datagram_icmp ();
  facts->helper_capability = read_helper_capability (helper_path);
  facts->helper_setuid_root = stat (helper_path, &status) == 0
                              && (status.st_mode & S_ISUID) != 0
                              && status.st_uid == 0;
  facts->running_as_root = geteuid () == 0;
  facts->pkexec_found = g_file_test (HOPSCOPE_PKEXEC_PATH,
                                     G_FILE_TEST_IS_EXECUTABLE);
}

const char *
hs_helper_route_default_helper (void)
{
  const char *helper = g_getenv ("HOPSCOPE_PROBE");

  if (helper == NULL || helper[0] == '\0')
    helper = HOPSCOPE_HELPER_PATH;

  return helper;
}

static HsHelperRouteChoice *
choice_new (HsHelperRoute route,
            const char *first,
            const char *second,
            char *reason)
{
  HsHelperRouteChoice *choice = g_new0 (HsHelperRouteChoice, 1);
  const char *argv[] = { first, second, NULL };

  choice->route = route;
  choice->argv = g_strdupv ((char **) argv);
  choice->reason = reason;

  return choice;
}

/**
 * hs_helper_route_choose:
 * @facts: what the system offers, from hs_helper_route_facts_read()
 * @protocol: the protocol the trace probes with
 * @helper_path: the helper the direct routes start
 * @error: why no route is open
 *
 * Chooses the least privileged way to run the helper: ICMP datagram
 * sockets where the system allows them to this user, then the helper's
 * own file capability (or setuid bit), then this process's being root,
 * and only then polkit through pkexec, which asks an administrator.
 *
 * Returns: (transfer full): the route, the command and the reason
 */
HsHelperRouteChoice *
hs_helper_route_choose (const HsHelperRouteFacts *facts,
                        HsProtocol protocol,
                        const char *helper_path,
                        GError **error)
{
  HsHelperRouteChoice *choice = NULL;

  g_return_val_if_fail (facts != NULL, NULL);
  g_return_val_if_fail (helper_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Datagram sockets carry ICMP echo alone: UDP and TCP probes need raw
   * sockets to read the routers' answers. */
  if (facts->datagram_icmp && protocol == HS_PROTOCOL_ICMP)
    {
      choice = choice_new (HS_HELPER_ROUTE_UNPRIVILEGED, helper_path, NULL,
                           g_strdup (_("This system lets your group send "
                                       "ICMP echo without privilege.")));
      choice->no_new_privs = TRUE;
      return choice;
    }

  if (facts->helper_capability)
    return choice_new (HS_HELPER_ROUTE_CAPABILITY, helper_path, NULL,
                       g_strdup (_("The probe helper carries the network "
                                   "capability cap_net_raw.")));

  if (facts->helper_setuid_root)
    return choice_new (HS_HELPER_ROUTE_SETUID, helper_path, NULL,
                       g_strdup (_("The probe helper is installed setuid "
                                   "root; it keeps only its sockets.")));

  if (facts->running_as_root)
    return choice_new (HS_HELPER_ROUTE_ROOT, helper_path, NULL,
                       g_strdup (_("Hopscope runs as root; the helper keeps "
                                   "only its sockets.")));

  /* pkexec runs the helper Hopscope was built with, whatever the
   * environment says: polkit's action names that one file. */
  if (facts->pkexec_found)
    return choice_new (HS_HELPER_ROUTE_PKEXEC, HOPSCOPE_PKEXEC_PATH,
                       HOPSCOPE_HELPER_PATH,
                       g_strdup (_("Probing needs an administrator's "
                                   "permission, asked through polkit.")));

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
               _("Hopscope has no way to send probes: the helper has no "
                 "network capability and pkexec is not installed. Ask an "
                 "administrator to run “setcap cap_net_raw+ep %s” or to "
                 "install polkit’s pkexec."), HOPSCOPE_HELPER_PATH);
  return NULL;
}

void
hs_helper_route_choice_free (HsHelperRouteChoice *choice)
{
  if (choice == NULL)
    return;

  g_strfreev (choice->argv);
  g_free (choice->reason);
  g_free (choice);
}
