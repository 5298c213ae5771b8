/* Copyright 2026 The Hopscope authors
 * SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One probe to one hop: when it left and what came of it. */
typedef struct
{
  gint64 sent_us;          /* g_get_real_time () at the send, microseconds */
  gint32 round_trip_us;    /* HS_PROBE_LOST when no answer came in time */
  guint16 responder;       /* index into the hop's responders, 0 when lost */
  guint16 flags;           /* HsProbeRecordFlags */
} HsProbeRecord;

#define HS_PROBE_LOST (-1)

typedef enum
{
  HS_PROBE_RECORD_TARGET_REPLY = 1 << 0, /* the target itself answered */
  HS_PROBE_RECORD_UNREACHABLE = 1 << 1,  /* an ICMP unreachable answered */
} HsProbeRecordFlags;

/* A hop's probes in bounded memory: a ring that keeps the newest records
 * once it is full.  Storage grows in blocks of HS_HISTORY_BLOCK_RECORDS as
 * probes come, so a short trace costs little, and no record is allocated on
 * its own; once full, the oldest record's slot takes the new one.  The
 * default capacity holds 24 hours at one probe a second: 86,400 records of
 * 16 bytes, about 1.4 MB a hop.
 *
 * Records are kept in the order they were sent.  A probe's fate is known
 * when its reply or its timeout comes, so a lost probe is recorded after the
 * answered ones sent just after it: append puts each record in its place
 * by sent_us, which costs O(1) for a record in order and O(k) for one that
 * belongs k places back. */
typedef struct _HsHistory HsHistory;

#define HS_HISTORY_DEFAULT_CAPACITY (24 * 60 * 60)
#define HS_HISTORY_BLOCK_RECORDS 4096

/* CAPACITY: the records kept at most, at least 1. */
HsHistory           *hs_history_new          (guint capacity);
void                 hs_history_free         (HsHistory *self);
/* Forgets every record and gives the storage back. */
void                 hs_history_clear        (HsHistory *self);
/* Copies RECORD in, dropping the oldest record when the history is full
 * (or RECORD itself, when it is full and RECORD was sent before them all). */
void                 hs_history_append       (HsHistory *self,
                                              const HsProbeRecord *record);
guint                hs_history_get_length   (HsHistory *self);
guint                hs_history_get_capacity (HsHistory *self);
/* Records by send order: 0 is the oldest kept, length - 1 the newest.  The
 * pointer is valid until the next append or clear. */
const HsProbeRecord *hs_history_get          (HsHistory *self,
                                              guint index);
/* The index of the first record sent at or after SINCE_US (binary search,
 * as records are kept in send order); length when none is. */
guint                hs_history_find         (HsHistory *self,
                                              gint64 since_us);
/* Bytes of memory the history holds now. */
gsize                hs_history_get_size     (HsHistory *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HsHistory, hs_history_free)

G_END_DECLS
