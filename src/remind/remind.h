/*
 * remind.h -- the time-driven reminders: requests due within a working
 * day or overdue (and the leaders a working day later), inspection
 * findings due or overdue, a unit's race quota at risk in the last week of
 * a month, and the daily digests per officer and per department at
 * notify.digest_time on working days.  Each is a notify_emit() with a key
 * that makes it once only, so the scan may run any number of times.
 * Layer: above the domains (it reads requests, findings and the race),
 * like demo and app.
 */
#ifndef ZONEOPS_REMIND_H
#define ZONEOPS_REMIND_H

#include "notify/notify.h"

/* One pass at time now (a notify_scan_fn): the number of events emitted,
 * or -1 on a database error. */
int remind_scan(db_t *db, int64_t now);

#endif
