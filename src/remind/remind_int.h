/*
 * remind_int.h -- what the scans (scan.c, digest.c, quota.c) share.
 *
 * The working days a scan pass needs, worked out once per pass: today in
 * zone time, whether it is a working day, the next working day (due
 * within one working day: today or that day), the previous one (a
 * working day after the due date the leaders hear too).
 */
#ifndef ZONEOPS_REMIND_INT_H
#define ZONEOPS_REMIND_INT_H

#include "remind.h"
#include "service/service.h"

/* The working days left to a date, remembered for the pass (a pass asks
 * for few distinct dates; past the array's end they are worked out each
 * time). */
struct remind_memo {
	struct { char due[DATE_LEN]; int64_t left; } v[64];
	size_t n;
};

struct remind_day {
	int64_t now;
	char today[DATE_LEN], next[DATE_LEN], prev[DATE_LEN];
	char window[DATE_LEN];      /* the oldest due date an overdue notice is still sent for */
	int workday;
	struct remind_memo *memo;   /* NULL: nothing remembered */
};

/* How far back an overdue case still gets its first notice: a case
 * overdue for longer when the reminders were switched on (or while the
 * server was down for weeks) is left to the daily digest rather than
 * flooding every channel at once. */
#define REMIND_WINDOW_DAYS 14
/* Rows one rule emits in one pass at most (the rest the next minute). */
#define REMIND_BATCH 200
#define REMIND_BATCH_SQL "200"

/* Write the batch's events in a transaction of their own (unless the
 * caller has one): notify_batch_flush between db_begin and db_commit,
 * rolled back on failure; the batch is empty afterwards either way.
 * DB_OK or a DB_ code. */
int remind_flush(db_t *db, struct notify_batch *b, int *emitted);
/* request_workdays_left from d's today to due (a valid date), through
 * d->memo.  0, or -1 (database). */
int remind_workdays_left(db_t *db, const struct remind_day *d, const char *due, int64_t *left);

/* The daily digests at notify.digest_time (digest.c); quota at risk in
 * the last week of a month (quota.c).  Events emitted, or -1. */
int remind_digests(db_t *db, const struct remind_day *d);
int remind_quotas(db_t *db, const struct remind_day *d);

#endif
