/*
 * quota.c -- a unit's race quota at risk (issue 13): in the last week of
 * a month (its last 7 calendar days) a unit is at risk when one of its
 * people -- the unit's leader and recruiters -- has not met the month's
 * quota yet by the race's own rule (race_quota(): a recruiter's days out,
 * a leader's visits; the battle board and the ranking's "quota" metric
 * count the same).  The unit's leader hears it -- the unit's channels and
 * the unit's leader accounts, not every leader of the zone -- with who is
 * behind, once a month (key "race.quota_at_risk:<unit>:<YYYY-MM>").
 */
#include "remind_int.h"

#include "race/race_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEHIND_MAX 10   /* names listed in the message */

/* Emit the notice of the unit of the people q[0..n) (all of that unit)
 * when one of them is behind: 1 emitted, 0 all met, -1 (database). */
static int unit_notify(db_t *db, const char *month, const struct race_quota *q, size_t n, const struct remind_day *d)
{
	int64_t unit = q[0].unit_id, leaders[8];
	int nleaders = 0, met = 0;
	json_t *behind = json_array();
	for (size_t i = 0; i < n; i++) {
		met += q[i].quota_met != 0;
		if (!q[i].quota_met && json_array_size(behind) < BEHIND_MAX)
			json_array_append_new(behind, json_string(q[i].name));
		if (strcmp(q[i].role, "leader") == 0 && nleaders < 8)
			leaders[nleaders++] = q[i].user_id;
	}
	if (met == (int)n) {
		json_decref(behind);
		return 0;
	}
	char key[80];
	snprintf(key, sizeof key, "%s:%lld:%s", NE_QUOTA_AT_RISK, (long long)unit, month);
	db_stmt_t *st = db_prepare(db, "SELECT name FROM units WHERE id = $1");
	int rc = st ? DB_OK : DB_ERR;
	json_t *p = NULL;
	if (st) {
		db_bind_int(st, 1, unit);
		rc = db_step(st);
		p = json_pack("{s:s, s:s, s:i, s:i, s:O}", "unit", rc == DB_ROW ? db_col_text(st, 0) : "", "month", month,
		              "met", met, "total", (int)n, "behind", behind);
		db_done(st);
	}
	json_decref(behind);
	if (p == NULL)
		return -1;
	json_object_set_new(p, "path", json_sprintf("#/race?month=%s", month));
	struct notify_to to = { .users = leaders, .nusers = nleaders, .units = &unit, .nunits = 1 };
	rc = remind_emit(db, NE_QUOTA_AT_RISK, key, "unit", unit, p, &to, d->now);
	json_decref(p);
	return rc == DB_OK ? 1 : -1;
}

/* Whether every unit with people has its notice of month already: 1, 0, -1. */
static int all_done(db_t *db, const char *month)
{
	const char *p[1] = { month };
	int64_t left = db_int1(db,
		"SELECT count(DISTINCT u.unit_id) FROM users u WHERE u.role IN ('leader', 'recruiter') AND u.unit_id IS NOT NULL"
		" AND NOT EXISTS (SELECT 1 FROM notify_events x WHERE x.event_key = 'race.quota_at_risk:'"
		" || CAST(u.unit_id AS TEXT) || ':' || CAST($1 AS TEXT))", -1, 1, p);
	return left < 0 ? -1 : left == 0;
}

int remind_quotas(db_t *db, const struct remind_day *d)
{
	static char quota_done[MONTH_LEN];   /* the worker's thread only */
	int y, m, day;
	date_to_civil(date_of_unix(d->now), &y, &m, &day);
	if (day <= date_month_days(y, m) - 7)
		return 0;
	char month[MONTH_LEN];
	month_format(y, m, month);
	if (strcmp(quota_done, month) == 0)
		return 0;
	int done = all_done(db, month);
	if (done != 0) {
		if (done > 0)
			snprintf(quota_done, sizeof quota_done, "%s", month);
		return done < 0 ? -1 : 0;
	}
	struct race_quota *q;
	size_t n;
	if (race_quota(db, month, 0, &q, &n) < 0)
		return -1;
	int total = 0;
	for (size_t i = 0, j; i < n && total >= 0; i = j) {
		for (j = i; j < n && q[j].unit_id == q[i].unit_id; j++)
			;
		int k = q[i].unit_id > 0 ? unit_notify(db, month, q + i, j - i, d) : 0;
		total = k < 0 ? -1 : total + k;
	}
	free(q);
	if (total >= 0)
		snprintf(quota_done, sizeof quota_done, "%s", month);
	return total;
}
