/*
 * quota.c -- a unit's race quota at risk (issue 13): in the last week of
 * a month (its last 7 calendar days) a unit is at risk when one of its
 * people -- the unit's leader and recruiters -- has not met the month's
 * quota yet by the race's own rule (race_quota(): a recruiter's days out,
 * a leader's visits; the battle board and the ranking's "quota" metric
 * count the same).  The unit's leader hears it -- the unit's channels and
 * the unit's leader accounts, not every leader of the zone -- with who is
 * behind, once a month (key "race.quota_at_risk:<unit>:<YYYY-MM>").
 * The units' notices are written as one batch (notify_batch).
 */
#include "remind_int.h"

#include "race/race_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEHIND_MAX 10   /* names listed in the message */

/* Queue the notice of the unit of the people q[0..n) (all of that unit;
 * its name unit_name) when one of them is behind: 1 queued, 0 all met,
 * -1 (out of memory). */
static int unit_add(struct notify_batch *b, const char *month, const char *unit_name, const struct race_quota *q,
                    size_t n)
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
	json_t *p = json_pack("{s:s, s:s, s:i, s:i, s:O}", "unit", unit_name, "month", month, "met", met, "total", (int)n,
	                      "behind", behind);
	json_decref(behind);
	if (p == NULL)
		return -1;
	json_object_set_new(p, "path", json_sprintf("#/race?month=%s", month));
	struct notify_to to = { .users = leaders, .nusers = nleaders, .units = &unit, .nunits = 1 };
	int rc = notify_batch_add(b, NE_QUOTA_AT_RISK, key, "unit", unit, p, &to);
	json_decref(p);
	return rc == DB_OK ? 1 : -1;
}

/* The units' names by id (*ids, *names malloc'd, *n), or -1. */
static int unit_names(db_t *db, int64_t **ids, char ***names, size_t *n)
{
	*ids = NULL;
	*names = NULL;
	*n = 0;
	db_stmt_t *st = db_prepare(db, "SELECT id, name FROM units ORDER BY id");
	if (st == NULL)
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			int64_t *ni = realloc(*ids, cap * sizeof *ni);
			if (ni)
				*ids = ni;
			char **nn = ni ? realloc(*names, cap * sizeof *nn) : NULL;
			if (nn == NULL) {
				rc = DB_ERR;
				break;
			}
			*names = nn;
		}
		(*ids)[*n] = db_col_int(st, 0);
		if (((*names)[*n] = strdup(db_col_text(st, 1))) == NULL) {
			rc = DB_ERR;
			break;
		}
		(*n)++;
	}
	db_done(st);
	return rc == DB_DONE ? 0 : -1;
}

static const char *name_of(const int64_t *ids, char *const *names, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ids[lo] == id ? names[lo] : "";
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
	size_t n, nunits = 0;
	if (race_quota(db, month, 0, &q, &n) < 0)
		return -1;
	int64_t *uids = NULL;
	char **unames = NULL;
	struct notify_batch *b = notify_batch_new(db, d->now);
	int total = b && unit_names(db, &uids, &unames, &nunits) == 0 ? 0 : -1;
	for (size_t i = 0, j; i < n && total >= 0; i = j) {
		for (j = i; j < n && q[j].unit_id == q[i].unit_id; j++)
			;
		int k = q[i].unit_id > 0 ? unit_add(b, month, name_of(uids, unames, nunits, q[i].unit_id), q + i, j - i) : 0;
		total = k < 0 ? -1 : total + k;
	}
	if (total > 0 && remind_flush(db, b, NULL) != DB_OK)
		total = -1;
	notify_batch_free(b);
	for (size_t i = 0; unames && i < nunits; i++)
		free(unames[i]);
	free(unames);
	free(uids);
	free(q);
	if (total >= 0)
		snprintf(quota_done, sizeof quota_done, "%s", month);
	return total;
}
