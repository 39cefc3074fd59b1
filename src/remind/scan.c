/*
 * scan.c -- the time-driven reminders (issue 13), one pass every minute in
 * every server (the notify worker calls remind_scan) and by `zoneops
 * notify scan`:
 *
 * on working days (the calendar), for requests and inspection findings:
 *   request.due_soon    a request being handled (accepted, in progress,
 *                       escalated) due today or the next working day: to
 *                       the handling department;
 *   request.overdue     overdue for handling (REQUEST_HANDLING_OVERDUE_SQL):
 *                       to the handling department; overdue for acceptance
 *                       (REQUEST_ACCEPT_OVERDUE_SQL): to the enterprise's
 *                       officer (the leaders when it has none); and once
 *                       it is overdue by two working days -- a working day
 *                       after the first notice -- to the leaders, again;
 *   finding.due         a finding not closed, rectification due today or
 *                       the next working day: to the department that
 *                       rectifies it (a finding has no enterprise);
 *   finding.overdue     past its rectification date: the same department;
 * every day: race.quota_at_risk in the last week of a month (quota.c);
 * on working days after notify.digest_time: the digests (digest.c).
 *
 * Nothing is sent on a weekend or a holiday: people do not work then, and
 * what fell due meanwhile is reported the next working day.
 *
 * Cheap by design: each rule is one indexed query that already leaves out
 * the rows whose event exists (NOT EXISTS on notify_events.event_key, its
 * unique index), so a pass that finds nothing new builds nothing; at most
 * REMIND_BATCH rows a rule a pass.  The query also reads what the notice
 * says (request_notice_json; the working days left are worked out once
 * per date a pass), and a rule's notices are written as one batch
 * (notify_batch: a fixed number of statements, in one transaction), not
 * a statement per case.  The keys make every notice once only, whichever
 * instance or pass emits it.
 */
#include "remind_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int remind_flush(db_t *db, struct notify_batch *b, int *emitted)
{
	int own = !db_in_tx(db);
	int rc = own ? db_begin(db) : DB_OK;
	if (rc != DB_OK) {
		notify_batch_discard(b);
		return rc;
	}
	rc = notify_batch_flush(b, emitted);
	if (own)
		rc = rc == DB_OK ? db_commit(db) : (db_rollback(db), rc);
	return rc;
}

int remind_workdays_left(db_t *db, const struct remind_day *d, const char *due, int64_t *left)
{
	struct remind_memo *m = d->memo;
	for (size_t i = 0; m && i < m->n; i++)
		if (strcmp(m->v[i].due, due) == 0) {
			*left = m->v[i].left;
			return 0;
		}
	if (request_workdays_left(db, d->today, due, left) < 0)
		return -1;
	if (m && m->n < sizeof m->v / sizeof m->v[0]) {
		snprintf(m->v[m->n].due, sizeof m->v[m->n].due, "%s", due);
		m->v[m->n++].left = *left;
	}
	return 0;
}

/* ---- the rules over requests and findings ---- */

enum { TO_DEPT, TO_OFFICER, TO_LEADERS };

/* One rule: the rows of requests r (with their enterprise e) that need
 * kind, each with the date it is about (d) and its event key, without the
 * rows whose key is recorded.  Its parameters are dates named by args:
 * t today, n the next working day, w the window's start, p the previous
 * working day. */
#define RULE_SQL(date, prefix, suffix, where) \
	"SELECT k.id, k.d, k.dept, k.officer, k.ekey, k.kind, k.title, k.ename, k.dname FROM (SELECT r.id, " date " AS d," \
	" COALESCE(r.department_id, 0) AS dept, COALESCE(e.officer_id, 0) AS officer," \
	" '" prefix "' || CAST(r.id AS TEXT) || ':' || " date " || '" suffix "' AS ekey," \
	" r.kind, r.title, COALESCE(e.name, '') AS ename, COALESCE(dp.name, '') AS dname" \
	" FROM requests r LEFT JOIN enterprises e ON e.id = r.enterprise_id" \
	" LEFT JOIN departments dp ON dp.id = r.department_id WHERE " where ") k" \
	" WHERE NOT EXISTS (SELECT 1 FROM notify_events x WHERE x.event_key = k.ekey) ORDER BY k.id LIMIT " REMIND_BATCH_SQL

#define HANDLING "r.kind = 'request' AND r.status IN ('accepted', 'in_progress', 'escalated')"
#define FINDING_OPEN "r.kind = 'inspection' AND r.status <> 'verified_closed'"

static const struct rule {
	const char *kind, *sql, *args;
	int to;
	const char *stage;          /* payload "stage" */
	int leader;                 /* payload "leader": the leaders' copy */
} RULES[] = {
	{ NE_REQUEST_DUE_SOON,
	  RULE_SQL("r.due_on", "request.due_soon:", "", HANDLING " AND r.due_on >= $1 AND r.due_on <= $2"),
	  "tn", TO_DEPT, NULL, 0 },
	{ NE_REQUEST_OVERDUE,
	  RULE_SQL("r.due_on", "request.overdue:", "",
	           "r.kind = 'request' AND " REQUEST_HANDLING_OVERDUE_SQL("r", "$1") " AND r.due_on >= $2"),
	  "tw", TO_DEPT, NULL, 0 },
	{ NE_REQUEST_OVERDUE,
	  RULE_SQL("r.due_on", "request.overdue:", ":leader",
	           "r.kind = 'request' AND " REQUEST_HANDLING_OVERDUE_SQL("r", "$1") " AND r.due_on >= $2 AND r.due_on < $3"),
	  "twp", TO_LEADERS, NULL, 1 },
	{ NE_REQUEST_OVERDUE,
	  RULE_SQL("r.accept_due_on", "request.overdue:", ":accept",
	           REQUEST_ACCEPT_OVERDUE_SQL("r", "$1") " AND r.accept_due_on >= $2"),
	  "tw", TO_OFFICER, "accept", 0 },
	{ NE_REQUEST_OVERDUE,
	  RULE_SQL("r.accept_due_on", "request.overdue:", ":accept:leader",
	           REQUEST_ACCEPT_OVERDUE_SQL("r", "$1") " AND r.accept_due_on >= $2 AND r.accept_due_on < $3"),
	  "twp", TO_LEADERS, "accept", 1 },
	{ NE_FINDING_DUE,
	  RULE_SQL("r.due_on", "finding.due:", "", FINDING_OPEN " AND r.due_on >= $1 AND r.due_on <= $2"),
	  "tn", TO_DEPT, NULL, 0 },
	{ NE_FINDING_OVERDUE,
	  RULE_SQL("r.due_on", "finding.overdue:", "",
	           "r.kind = 'inspection' AND " REQUEST_HANDLING_OVERDUE_SQL("r", "$1") " AND r.due_on >= $2"),
	  "tw", TO_DEPT, NULL, 0 },
};

struct hit {
	int64_t id, dept, officer;
	char date[DATE_LEN];
	char key[96];
	char *kind, *title, *ent, *dname;   /* in the rule's arena */
};

/* The rows of rule u into hits (at most REMIND_BATCH), strings in a; their
 * number, or -1. */
static int rule_hits(db_t *db, arena_t *a, const struct rule *u, const struct remind_day *d, struct hit *hits)
{
	db_stmt_t *st = db_prepare(db, u->sql);
	if (st == NULL)
		return -1;
	for (int i = 0; u->args[i]; i++) {
		char c = u->args[i];
		db_bind_text(st, i + 1, c == 't' ? d->today : c == 'n' ? d->next : c == 'w' ? d->window : d->prev);
	}
	int n = 0, rc = DB_DONE;
	while (n < REMIND_BATCH && (rc = db_step(st)) == DB_ROW) {
		struct hit *h = &hits[n++];
		h->id = db_col_int(st, 0);
		snprintf(h->date, sizeof h->date, "%s", db_col_text(st, 1));
		h->dept = db_col_int(st, 2);
		h->officer = db_col_int(st, 3);
		snprintf(h->key, sizeof h->key, "%s", db_col_text(st, 4));
		h->kind = arena_strdup(a, db_col_text(st, 5));
		h->title = arena_strdup(a, db_col_text(st, 6));
		h->ent = arena_strdup(a, db_col_text(st, 7));
		h->dname = arena_strdup(a, db_col_text(st, 8));
	}
	db_done(st);
	return n < REMIND_BATCH && rc != DB_DONE ? -1 : n;
}

/* Queue rule u's notice for h: the payload of request_notice_payload()
 * from the rule's own row.  DB_OK or a DB_ code. */
static int rule_add(db_t *db, struct notify_batch *b, const struct rule *u, const struct hit *h,
                    const struct remind_day *d)
{
	int64_t left;
	int dated = h->date[0] && date_parse(h->date, NULL) == DATE_OK;
	if (dated && remind_workdays_left(db, d, h->date, &left) < 0)
		return DB_ERR;
	json_t *p = request_notice_json(h->id, h->kind, h->title, h->ent, h->dname, h->date, dated ? &left : NULL);
	if (p == NULL)
		return DB_OK;   /* a title that is not text (only a hand-edited SQLite database has one): this case is
		                   left out -- found again each pass, never sent -- and not the rule's others with it (which
		                   a failed pass did before) */
	if (u->stage)
		json_object_set_new(p, "stage", json_string(u->stage));
	if (u->leader)
		json_object_set_new(p, "leader", json_true());
	struct notify_to to = { 0 };
	if (u->to == TO_DEPT && h->dept > 0)
		to.depts = &h->dept, to.ndepts = 1;
	else if (u->to == TO_OFFICER && h->officer > 0)
		to.users = &h->officer, to.nusers = 1;
	else
		to.leaders = 1;   /* the leaders' copy, or nobody else to tell */
	int rc = notify_batch_add(b, u->kind, h->key, "request", h->id, p, &to);
	json_decref(p);
	return rc;
}

/* Each rule's hits, queued and written in one transaction a rule. */
static int scan_cases(db_t *db, const struct remind_day *d)
{
	struct hit *hits = malloc(REMIND_BATCH * sizeof *hits);
	struct notify_batch *b = notify_batch_new(db, d->now);
	int total = hits && b ? 0 : -1;
	for (size_t i = 0; i < sizeof RULES / sizeof RULES[0] && total >= 0; i++) {
		arena_t *a = arena_new();
		int n = a ? rule_hits(db, a, &RULES[i], d, hits) : -1;
		int rc = n < 0 ? DB_ERR : DB_OK;
		for (int k = 0; k < n && rc == DB_OK; k++)
			rc = rule_add(db, b, &RULES[i], &hits[k], d);
		if (rc == DB_OK && n > 0)
			rc = remind_flush(db, b, NULL);
		else
			notify_batch_discard(b);
		arena_free(a);
		total = rc == DB_OK ? total + n : -1;
	}
	notify_batch_free(b);
	free(hits);
	return total;
}

/* ---- the pass ---- */

/* The working days around now into d.  0, or -1 (database). */
static int day_of(db_t *db, int64_t now, struct remind_day *d)
{
	memset(d, 0, sizeof *d);
	d->now = now;
	int64_t t = date_of_unix(now);
	date_format(t, d->today);
	date_format(t - REMIND_WINDOW_DAYS, d->window);
	d->workday = calendar_is_workday(db, d->today);
	if (d->workday < 0 || calendar_add_workdays(db, d->today, 1, d->next) < 0)
		return -1;
	snprintf(d->prev, sizeof d->prev, "%s", d->today);
	for (int64_t k = t - 1; k > t - 40; k--) {   /* the longest run of days off is far shorter */
		char day[DATE_LEN];
		date_format(k, day);
		int w = calendar_is_workday(db, day);
		if (w < 0)
			return -1;
		if (w) {
			snprintf(d->prev, sizeof d->prev, "%s", day);
			break;
		}
	}
	return 0;
}

int remind_scan(db_t *db, int64_t now)
{
	struct remind_day d;
	struct remind_memo memo = { .n = 0 };
	if (day_of(db, now, &d) < 0)
		return -1;
	d.memo = &memo;
	int n = 0, k;
	if (d.workday && (k = scan_cases(db, &d)) >= 0)
		n += k;
	else if (d.workday)
		return -1;
	if ((k = remind_quotas(db, &d)) < 0)
		return -1;
	n += k;
	if (d.workday && (k = remind_digests(db, &d)) < 0)
		return -1;
	return d.workday ? n + k : n;
}
