/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include "probe-privilege.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/capability.h>
#include <sys/socket.h>
#include <seccomp.h>

/* The uid pkexec's caller gets when root runs the helper for itself, if
 * the user database has no "nobody". */
#define NOBODY_FALLBACK_ID 65534

/* A sanitizer's run-time makes system calls the probe loop never makes:
 * LeakSanitizer stops the world with ptrace and reads /proc at exit.  In
 * such a build, which only the tests use, the filter logs what it would
 * have refused instead of killing the process. */
#if defined(__SANITIZE_ADDRESS__)
#define PROBE_FILTER_ACTION SCMP_ACT_LOG
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROBE_FILTER_ACTION SCMP_ACT_LOG
#endif
#endif
#ifndef PROBE_FILTER_ACTION
#define PROBE_FILTER_ACTION SCMP_ACT_KILL_PROCESS
#endif

__attribute__ ((noreturn, format (printf, 1, 2))) static void
fail (const char *format,
      ...)
{
  va_list arguments;

  va_start (arguments, format);
  fputs ("hopscope-probe: ", stderr);
  vfprintf (stderr, format, arguments);
  fputc ('\n', stderr);
  va_end (arguments);

  exit (1);
}

/* PKEXEC_UID comes from the environment: decimal digits only, no sign, no
 * blank, no leading zero, and below (uid_t) -1, which means "no change". */
static bool
parse_uid (const char *text,
           uid_t *uid)
{
  uint64_t value = 0;

  if (text[0] == '\0' || (text[0] == '0' && text[1] != '\0'))
    return false;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p < '0' || *p > '9')
        return false;
      value = value * 10 + (uint64_t) (*p - '0');
      if (value >= (uid_t) -1)
        return false;
    }

  *uid = (uid_t) value;
  return true;
}

static void
become_nobody (struct probe_identity *identity)
{
  const struct passwd *entry = getpwnam ("nobody");

  identity->uid = entry != NULL ? entry->pw_uid : NOBODY_FALLBACK_ID;
  identity->gid = entry != NULL ? entry->pw_gid : NOBODY_FALLBACK_ID;
  identity->caller_is_root = true;

  if (identity->uid == 0)
    fail ("the user \"nobody\" is root in the user database; refusing to "
          "run");
}

void
probe_privilege_identify (struct probe_identity *identity)
{
  uid_t real_uid = getuid ();
  const char *pkexec_uid = NULL;
  const struct passwd *entry = NULL;
  uid_t uid = 0;

  memset (identity, 0, sizeof *identity);

  /* A user who runs a setuid or capable helper is who it becomes, whatever
   * the environment says: the user wrote that environment. */
  if (real_uid != 0)
    {
      identity->uid = real_uid;
      identity->gid = getgid ();
      return;
    }

  pkexec_uid = getenv ("PKEXEC_UID");
  if (pkexec_uid == NULL)
    {
      become_nobody (identity);
      return;
    }

  if (!parse_uid (pkexec_uid, &uid))
    fail ("PKEXEC_UID is not a user id: \"%.32s\"", pkexec_uid);

  errno = 0;
  if ((entry = getpwuid (uid)) == NULL)
    fail ("PKEXEC_UID %lu names no user%s%s", (unsigned long) uid,
          errno != 0 ? ": " : "", errno != 0 ? strerror (errno) : "");

  /* Root authorising itself through pkexec is still root calling. */
  if (uid == 0)
    {
      become_nobody (identity);
      return;
    }

  identity->uid = entry->pw_uid;
  identity->gid = entry->pw_gid;
}

static bool
holds_capability (cap_t held,
                  cap_value_t capability)
{
  cap_flag_value_t value = CAP_CLEAR;

  return cap_get_flag (held, capability, CAP_EFFECTIVE, &value) == 0
         && value == CAP_SET;
}

/* The bounding set limits what any later program could gain.  Shrinking it
 * takes CAP_SETPCAP, which root loses with its uid, so it is done first,
 * while the helper still may; a helper with only a file capability cannot,
 * and has nothing to shrink it for. */
static void
shrink_bounding_set (void)
{
  int last = cap_max_bits () - 1;

  for (int capability = 0; capability <= last; capability++)
    {
      if (prctl (PR_CAPBSET_READ, capability, 0, 0, 0) != 1)
        continue;
      if (prctl (PR_CAPBSET_DROP, capability, 0, 0, 0) != 0)
        fail ("cannot drop capability %d from the bounding set: %s",
              capability, strerror (errno));
    }
}

static void
clear_capabilities (void)
{
  cap_t empty = NULL;

  if ((empty = cap_init ()) == NULL || cap_clear (empty) != 0)
    fail ("cannot make an empty capability set: %s", strerror (errno));
  if (cap_set_proc (empty) != 0)
    fail ("cannot clear the capability sets: %s", strerror (errno));
  cap_free (empty);

  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    fail ("cannot clear the ambient capabilities: %s", strerror (errno));
}

/* Checks the result with the kernel rather than trusting the calls: every
 * id is the target's and none is root's, and every capability set is
 * empty.  Then the kernel has no way left to grant setuid (0) (that takes
 * CAP_SETUID or a root id to return to), so the helper cannot become root
 * again; the proof is read back, not tried. */
static void
verify_dropped (const struct probe_identity *identity)
{
  uid_t ruid = 0, euid = 0, suid = 0;
  gid_t rgid = 0, egid = 0, sgid = 0;
  cap_t held = NULL;
  cap_t empty = NULL;
  int last = cap_max_bits () - 1;

  if (getresuid (&ruid, &euid, &suid) != 0
      || getresgid (&rgid, &egid, &sgid) != 0)
    fail ("cannot read back the user and group ids: %s", strerror (errno));
  if (ruid != identity->uid || euid != identity->uid || suid != identity->uid
      || rgid != identity->gid || egid != identity->gid
      || sgid != identity->gid)
    fail ("the user and group ids did not change to %lu:%lu",
          (unsigned long) identity->uid, (unsigned long) identity->gid);
  if (ruid == 0 || euid == 0 || suid == 0)
    fail ("the helper is still root after dropping its privileges");

  if ((held = cap_get_proc ()) == NULL || (empty = cap_init ()) == NULL)
    fail ("cannot read back the capabilities: %s", strerror (errno));
  if (cap_compare (held, empty) != 0)
    fail ("capabilities are left after clearing them");
  cap_free (held);
  cap_free (empty);

  for (int capability = 0; capability <= last; capability++)
    {
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, capability, 0, 0) > 0)
        fail ("ambient capability %d is left after clearing them",
              capability);
    }
}

void
probe_privilege_drop (const struct probe_identity *identity)
{
  cap_t held = NULL;
  bool may_set_groups = false;
  bool may_shrink_bounding = false;

  if ((held = cap_get_proc ()) == NULL)
    fail ("cannot read the capabilities: %s", strerror (errno));
  may_set_groups = holds_capability (held, CAP_SETGID);
  may_shrink_bounding = holds_capability (held, CAP_SETPCAP);
  cap_free (held);

  if (may_shrink_bounding)
    shrink_bounding_set ();

  /* Without CAP_SETGID the groups are the caller's own, not a privilege the
   * helper was given, and they cannot be dropped anyway. */
  if (may_set_groups && setgroups (0, NULL) != 0)
    fail ("cannot drop the supplementary groups: %s", strerror (errno));
  if (setresgid (identity->gid, identity->gid, identity->gid) != 0)
    fail ("cannot change the group id to %lu: %s",
          (unsigned long) identity->gid, strerror (errno));
  if (setresuid (identity->uid, identity->uid, identity->uid) != 0)
    fail ("cannot change the user id to %lu: %s",
          (unsigned long) identity->uid, strerror (errno));

  clear_capabilities ();
  verify_dropped (identity);

  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    fail ("cannot set no-new-privs: %s", strerror (errno));
}

static void
allow (scmp_filter_ctx filter,
       int syscall_number,
       unsigned int count,
       const struct scmp_arg_cmp *conditions)
{
  int result = seccomp_rule_add_array (filter, SCMP_ACT_ALLOW, syscall_number,
                                       count, conditions);

  if (result != 0)
    fail ("cannot build the system call filter (rule for %d): %s",
          syscall_number, strerror (-result));
}

/* The loop creates sockets of its own for TCP probes and, without raw
 * sockets, for each datagram probe: of those kinds only. */
static void
allow_probe_sockets (scmp_filter_ctx filter)
{
  static const struct
  {
    int family;
    int type;
    int protocol;
  } kinds[] = {
    { AF_INET, SOCK_STREAM, IPPROTO_TCP },
    { AF_INET, SOCK_DGRAM, IPPROTO_UDP },
    { AF_INET, SOCK_DGRAM, IPPROTO_ICMP },
    { AF_INET6, SOCK_STREAM, IPPROTO_TCP },
    { AF_INET6, SOCK_DGRAM, IPPROTO_UDP },
    { AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6 },
  };

  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    {
      struct scmp_arg_cmp conditions[] = {
        SCMP_A0 (SCMP_CMP_EQ, (scmp_datum_t) kinds[i].family),
        SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xf, (scmp_datum_t) kinds[i].type),
        SCMP_A2 (SCMP_CMP_EQ, (scmp_datum_t) kinds[i].protocol),
      };

      allow (filter, SCMP_SYS (socket), 3, conditions);
    }
}

void
probe_privilege_confine (void)
{
  /* What the loop does, and what the C library does for it: memory for
   * stdio, and the clock when the vDSO is not used. */
  static const int plain[] = {
    SCMP_SYS (read), SCMP_SYS (write), SCMP_SYS (close),
    SCMP_SYS (epoll_wait), SCMP_SYS (epoll_pwait), SCMP_SYS (epoll_ctl),
    SCMP_SYS (poll), SCMP_SYS (ppoll),
    SCMP_SYS (recvmsg), SCMP_SYS (recvmmsg), SCMP_SYS (recvfrom),
    SCMP_SYS (sendmsg), SCMP_SYS (sendto),
    SCMP_SYS (connect), SCMP_SYS (bind), SCMP_SYS (setsockopt),
    SCMP_SYS (getsockopt), SCMP_SYS (getsockname),
    SCMP_SYS (clock_gettime), SCMP_SYS (gettimeofday),
    SCMP_SYS (brk), SCMP_SYS (munmap), SCMP_SYS (mremap), SCMP_SYS (madvise),
    SCMP_SYS (fstat), SCMP_SYS (newfstatat),
    SCMP_SYS (rt_sigreturn), SCMP_SYS (restart_syscall),
    SCMP_SYS (exit), SCMP_SYS (exit_group),
  };
  struct scmp_arg_cmp no_exec[] = {
    SCMP_A2 (SCMP_CMP_MASKED_EQ, PROT_EXEC, 0),
  };
  struct scmp_arg_cmp interface_index[] = {
    SCMP_A1 (SCMP_CMP_EQ, SIOCGIFINDEX),
  };
  scmp_filter_ctx filter = NULL;
  int result = 0;

  if ((filter = seccomp_init (PROBE_FILTER_ACTION)) == NULL)
    fail ("cannot start the system call filter");

  /* No-new-privs is already set, by probe_privilege_drop(). */
  if ((result = seccomp_attr_set (filter, SCMP_FLTATR_CTL_NNP, 0)) != 0)
    fail ("cannot build the system call filter: %s", strerror (-result));

  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
    allow (filter, plain[i], 0, NULL);

  /* Memory may be had, but never executable memory. */
  allow (filter, SCMP_SYS (mmap), 1, no_exec);
  allow (filter, SCMP_SYS (mprotect), 1, no_exec);

  allow (filter, SCMP_SYS (ioctl), 1, interface_index);
  allow_probe_sockets (filter);

  if ((result = seccomp_load (filter)) != 0)
    fail ("cannot install the system call filter: %s", strerror (-result));
  seccomp_release (filter);
}
