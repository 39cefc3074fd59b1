/*
 * due_recompute.c -- no calendar cliff: when an admin loads a year's
 * working-day calendar, the provisional dates of open requests (counted
 * Monday-Friday through that year while it was not loaded) are computed
 * again on the real calendar, in the same transaction (calendar_load's
 * hook, set at start-up with calendar_on_load), and each request's
 * history gets an event due_recomputed with the old and new dates.
 *
 *   due_on         = calendar_due(due_from, due_months, due_workdays)
 *                    (the basis kept since migration 13);
 *   accept_due_on  (and a due_on without a basis) keeps the number of
 *                  working days it was counted with: the days from its
 *                  start (the day it was submitted, or accepted) to the
 *                  old date counted as they were (that year Monday-Friday,
 *                  calendar_count_as_unloaded), then counted again on the
 *                  loaded calendar.
 * A date still counted through another year not loaded stays provisional.
 */
#include "service.h"
#include "meetings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One open request with a provisional date touching the year. */
struct prov {
	int64_t id;
	char status[24];
	char due_on[DATE_LEN], due_from[DATE_LEN], accepted_on[DATE_LEN], accept_due_on[DATE_LEN], created[DATE_LEN];
	int64_t months, workdays;
	int due_prov, accept_prov;
	/* computed: the new dates and the history event's detail (malloc'd; NULL: not through the year) */
	char new_due[DATE_LEN], new_accept[DATE_LEN];
	int new_due_prov, new_accept_prov;
	char *detail;
};

/* The date `start` + as many working days as (start, old] had with `year`
 * counted Monday-Friday; *prov as calendar_due.  0, or -1. */
static int recount(calendar_memo_t *m, const char *start, const char *old, int year, char out[DATE_LEN], int *prov)
{
	int n = calendar_count_as_unloaded_memo(m, start, old, year);
	if (n < 0)
		return -1;
	return calendar_due_memo(m, start, 0, n, out, prov);
}

/* New dates of p into due/accept_due (and their flags); 0, or -1. */
static int recompute_one(calendar_memo_t *m, int year, const struct prov *p, char due[DATE_LEN], int *due_prov,
                         char accept_due[DATE_LEN], int *accept_prov)
{
	snprintf(due, DATE_LEN, "%s", p->due_on);
	snprintf(accept_due, DATE_LEN, "%s", p->accept_due_on);
	*due_prov = p->due_prov;
	*accept_prov = p->accept_prov;
	if (p->due_prov && *p->due_on) {
		int rc = *p->due_from ? calendar_due_memo(m, p->due_from, (int)p->months, (int)p->workdays, due, due_prov)
		                      : recount(m, *p->accepted_on ? p->accepted_on : p->created, p->due_on, year, due,
		                                due_prov);
		if (rc < 0)
			return -1;
	}
	if (p->accept_prov && *p->accept_due_on && recount(m, p->created, p->accept_due_on, year, accept_due, accept_prov) < 0)
		return -1;
	return 0;
}

/* p's new dates and its history event's detail into p; -1 on a calendar
 * read error or out of memory. */
static int compute_one(calendar_memo_t *m, int year, struct prov *p)
{
	if (recompute_one(m, year, p, p->new_due, &p->new_due_prov, p->new_accept, &p->new_accept_prov) < 0)
		return -1;
	json_t *d = json_object();
	json_object_set_new(d, "year", json_integer(year));
	if (p->due_prov) {
		json_object_set_new(d, "due_on_before", json_string(p->due_on));
		json_object_set_new(d, "due_on", json_string(p->new_due));
	}
	if (p->accept_prov) {
		json_object_set_new(d, "accept_due_on_before", json_string(p->accept_due_on));
		json_object_set_new(d, "accept_due_on", json_string(p->new_accept));
	}
	p->detail = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	return p->detail ? 0 : -1;
}

/* The computed rows of p[0..n) into due_stage: one bulk write, during
 * which no other statement runs. */
static int stage(db_t *db, const struct prov *p, int n)
{
	db_copy_t *c = db_copy_begin(db, "due_stage", "id, due_on, due_prov, accept_due_on, accept_prov, status, detail", 7);
	for (int i = 0; i < n; i++) {
		if (p[i].detail == NULL)
			continue;
		db_copy_int(c, p[i].id);
		db_copy_text(c, p[i].new_due);
		db_copy_int(c, p[i].new_due_prov);
		db_copy_text(c, p[i].new_accept);
		db_copy_int(c, p[i].new_accept_prov);
		db_copy_text(c, p[i].status);
		db_copy_text(c, p[i].detail);
		db_copy_row(c);
	}
	return db_copy_end(c);
}

/* The staged dates into requests (one UPDATE ... FROM) and their history
 * events (one INSERT ... SELECT, in the requests' order), as
 * request_event_add writes one: by the system, from and to the status. */
static int apply_staged(db_t *db, int64_t now, err_t *err)
{
	int rc = db_exec(db, "UPDATE requests SET due_on = s.due_on, due_provisional = s.due_prov,"
	                     " accept_due_on = s.accept_due_on, accept_due_provisional = s.accept_prov"
	                     " FROM due_stage s WHERE requests.id = s.id");
	if (rc != DB_OK)
		return db_fail(err, db, rc, "recomputing a due date");
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO request_events (request_id, at, user_id, username, action, from_status, to_status, detail)"
		" SELECT id, CAST($1 AS BIGINT), NULL, 'system', 'due_recomputed', status, status, detail FROM due_stage ORDER BY id");
	rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, now);
		rc = db_step(st);
		db_done(st);
	}
	if (rc == DB_DONE)
		rc = db_stage_clear(db, "due_stage");
	return rc == DB_OK ? 0 : db_fail(err, db, rc == DB_DONE ? DB_ERR : rc, "saving the history");
}

/* The open requests after id `after` whose provisional dates may involve
 * year y (a date after its start, a basis before its end), at most max of
 * them into out[]; their number, or -1. */
static int find(db_t *db, int y, int64_t after, struct prov *out, int max)
{
	char lo[DATE_LEN];
	date_format(date_from_civil(y, 1, 1), lo);
	db_stmt_t *st = db_prepare(db,
		"SELECT id, status, due_on, due_from, accepted_on, accept_due_on, created_at, due_months, due_workdays,"
		" due_provisional, accept_due_provisional FROM requests"
		" WHERE id > $2 AND status NOT IN ('resolved', 'closed', 'verified_closed')"
		" AND ((due_provisional = 1 AND due_on >= $1) OR (accept_due_provisional = 1 AND accept_due_on >= $1))"
		" ORDER BY id LIMIT $3");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, lo);
	db_bind_int(st, 2, after);
	db_bind_int(st, 3, max);
	int n = 0, rc;
	while ((rc = db_step(st)) == DB_ROW && n < max) {
		struct prov *p = &out[n];
		memset(p, 0, sizeof *p);
		p->id = db_col_int(st, 0);
		snprintf(p->status, sizeof p->status, "%s", db_col_text(st, 1));
		char *dates[] = { p->due_on, p->due_from, p->accepted_on, p->accept_due_on };
		for (int i = 0; i < 4; i++)
			snprintf(dates[i], DATE_LEN, "%.10s", db_col_text(st, 2 + i));
		date_format(date_of_unix(db_col_int(st, 6)), p->created);
		p->months = db_col_int(st, 7);
		p->workdays = db_col_int(st, 8);
		p->due_prov = db_col_int(st, 9) != 0 && *p->due_on;
		p->accept_prov = db_col_int(st, 10) != 0 && *p->accept_due_on;
		n++;
	}
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? n : -1;
}

#define RECOMPUTE_BATCH 4096

int requests_recompute_provisional(db_t *db, int year, int64_t now, err_t *err)
{
	/* read by RECOMPUTE_BATCH, computed on the calendar read once (the
	 * memo), staged with one bulk write a batch, written together */
	int rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS due_stage (id BIGINT NOT NULL, due_on TEXT NOT NULL,"
	                     " due_prov INTEGER NOT NULL, accept_due_on TEXT NOT NULL, accept_prov INTEGER NOT NULL,"
	                     " status TEXT NOT NULL, detail TEXT NOT NULL)");
	if (rc == DB_OK)
		rc = db_stage_clear(db, "due_stage");
	if (rc != DB_OK)
		return db_fail(err, db, rc, "recomputing a due date");
	struct prov *p = malloc(RECOMPUTE_BATCH * sizeof *p);
	calendar_memo_t *m = calendar_memo_new(db);
	if (p == NULL || m == NULL) {
		free(p);
		calendar_memo_free(m);
		return err_set(err, 500, "internal", NULL, "out of memory");
	}
	char hi[DATE_LEN];
	date_format(date_from_civil(year, 12, 31), hi);
	int total = 0, n = RECOMPUTE_BATCH, bad = 0;   /* bad: a DB_ code of the copy, or DB_ERR */
	int64_t last = 0;
	while (n == RECOMPUTE_BATCH && !bad) {
		n = find(db, year, last, p, RECOMPUTE_BATCH);
		int k = 0;
		for (int i = 0; i < n && !bad; i++) {
			p[i].detail = NULL;
			/* counted from after the year's end: not through it */
			if (strcmp(*p[i].due_from ? p[i].due_from : p[i].created, hi) > 0)
				continue;
			bad = compute_one(m, year, &p[i]) < 0 ? DB_ERR : 0;
			k += !bad;
		}
		if (!bad && k > 0 && (rc = stage(db, p, n)) != DB_OK)
			bad = rc;
		for (int i = 0; i < n; i++)
			free(p[i].detail);
		total += k;
		if (n > 0)
			last = p[n - 1].id;
	}
	free(p);
	calendar_memo_free(m);
	if (n < 0)
		return db_fail(err, db, DB_ERR, "reading the provisional due dates");
	if (bad)
		return db_fail(err, db, bad, "recomputing a due date");
	if (apply_staged(db, now, err) < 0)
		return -1;
	/* and the deadlines of joint meetings' tasks (meetings.c) */
	if (meeting_tasks_recompute(db, year) < 0)
		return db_fail(err, db, DB_ERR, "recomputing the meetings' task deadlines");
	return total;
}
