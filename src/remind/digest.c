/*
 * digest.c -- the daily digests (issue 13): on a working day, once the
 * zone's clock has passed notify.digest_time (default 08:30), one digest
 * per chief service officer (the open requests of the enterprises it
 * serves) and one per department (the open requests and findings it
 * handles): how many are open, due within one working day and overdue (the
 * one definition, REQUEST_OVERDUE_SQL), and the first DIGEST_ITEMS by due
 * date.  Keys "digest:u:<user>:<date>" and "digest:d:<department>:<date>".
 * A recipient with nothing open gets no digest: an empty message every
 * morning would teach people to ignore them.
 *
 * A scope's digests are read with two queries (the counts, and every
 * recipient's first cases by ROW_NUMBER) and written as one batch
 * (notify_batch), not a statement per recipient.
 *
 * The queries leave out the recipients whose digest of the day exists, and
 * a process that has made every digest of a day does not look again that
 * day (digest_done; the keys still decide, so several instances or a
 * restart never send one twice).
 */
#include "remind_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGEST_ITEMS 5
#define DIGEST_ITEMS_SQL "5"

/* The recipients' counts: $1 today, $2 the next working day. */
#define COUNTS(who, name, from, open, prefix) \
	"SELECT " who ", " name ", count(*)," \
	" sum(CASE WHEN r.due_on >= $1 AND r.due_on <= $2 AND ((" HANDLING_OPEN ") OR r.kind = 'inspection') THEN 1 ELSE 0 END)," \
	" sum(CASE WHEN " REQUEST_OVERDUE_SQL("r", "$1") " THEN 1 ELSE 0 END)" \
	" FROM " from " WHERE " open \
	" AND NOT EXISTS (SELECT 1 FROM notify_events x WHERE x.event_key = '" prefix "' || CAST(" who " AS TEXT) || ':' || $1)" \
	" GROUP BY " who ", " name " ORDER BY " who
#define HANDLING_OPEN "r.kind = 'request' AND r.status IN ('accepted', 'in_progress', 'escalated')"
#define REQ_OPEN "r.kind = 'request' AND r.status NOT IN ('resolved', 'closed')"
#define CASE_OPEN "((" REQ_OPEN ") OR (r.kind = 'inspection' AND r.status <> 'verified_closed'))"
#define OFFICER_FROM "requests r JOIN enterprises e ON e.id = r.enterprise_id JOIN users u ON u.id = e.officer_id"
#define DEPT_FROM "requests r JOIN departments dp ON dp.id = r.department_id"
/* The first DIGEST_ITEMS cases of every recipient (owner): the earliest
 * due first; by owner, then that order. */
#define DUE_OF "CASE WHEN r.due_on <> '' THEN r.due_on ELSE r.accept_due_on END"
#define ITEMS(from, owner, open) \
	"SELECT k.owner, k.title, k.d FROM (SELECT " owner " AS owner, r.title, " DUE_OF " AS d," \
	" ROW_NUMBER() OVER (PARTITION BY " owner " ORDER BY CASE WHEN r.due_on <> '' OR r.accept_due_on <> ''" \
	" THEN 0 ELSE 1 END, " DUE_OF ", r.id) AS rn FROM " from " WHERE " owner " IS NOT NULL AND " open ") k" \
	" WHERE k.rn <= " DIGEST_ITEMS_SQL " ORDER BY k.owner, k.rn"

static const struct scope {
	char tag;                   /* u | d: the key's */
	const char *counts, *items;
} SCOPES[] = {
	{ 'u', COUNTS("e.officer_id", "CASE WHEN u.display_name <> '' THEN u.display_name ELSE u.username END",
	              OFFICER_FROM, REQ_OPEN, "digest:u:"),
	  ITEMS("requests r JOIN enterprises e ON e.id = r.enterprise_id", "e.officer_id", REQ_OPEN) },
	{ 'd', COUNTS("r.department_id", "dp.name", DEPT_FROM, CASE_OPEN, "digest:d:"),
	  ITEMS("requests r", "r.department_id", CASE_OPEN) },
};

struct recipient {
	int64_t id, open, due_soon, overdue;
	char *name;
	json_t *items;              /* its first cases */
};

/* The first cases of every recipient in rs (n, by id) as the digest lists
 * them: one query for the scope.  0, or -1. */
static int digest_items(db_t *db, const struct scope *s, struct recipient *rs, size_t n, const struct remind_day *d)
{
	for (size_t i = 0; i < n; i++)
		if ((rs[i].items = json_array()) == NULL)
			return -1;
	db_stmt_t *st = db_prepare(db, s->items);
	if (st == NULL)
		return -1;
	struct item { int64_t owner; char *title, *due; } *v = NULL;
	size_t nv = 0, cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (nv == cap) {
			void *nx = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
			if (nx == NULL) {
				rc = DB_ERR;
				break;
			}
			v = nx;
		}
		v[nv].owner = db_col_int(st, 0);
		v[nv].title = strdup(db_col_text(st, 1));
		v[nv].due = strdup(db_col_text(st, 2));
		if (v[nv++].title == NULL || v[nv - 1].due == NULL) {
			rc = DB_ERR;
			break;
		}
	}
	db_done(st);
	/* both by owner: walk them together (the calendar is read after the rows) */
	size_t r = 0;
	for (size_t i = 0; rc == DB_DONE && i < nv; i++) {
		while (r < n && rs[r].id < v[i].owner)
			r++;
		if (r == n || rs[r].id != v[i].owner)
			continue;   /* a recipient whose digest of the day exists */
		/* as before: an item whose title is not text is left out, a date
		 * that cannot be counted shown without its working days */
		json_t *it = json_pack("{s:s}", "title", v[i].title);
		if (it == NULL)
			continue;
		int64_t left;
		if (*v[i].due && date_parse(v[i].due, NULL) == DATE_OK && remind_workdays_left(db, d, v[i].due, &left) == 0) {
			json_object_set_new(it, "due_on", json_string(v[i].due));
			json_object_set_new(it, "workdays_left", json_integer(left));
		}
		json_array_append_new(rs[r].items, it);
	}
	for (size_t i = 0; i < nv; i++) {
		free(v[i].title);
		free(v[i].due);
	}
	free(v);
	return rc == DB_DONE ? 0 : -1;
}

/* Queue recipient r's digest. */
static int digest_add(struct notify_batch *b, const struct scope *s, const struct recipient *r,
                      const struct remind_day *d)
{
	json_t *p = json_pack("{s:s, s:I, s:I, s:I, s:O, s:s}", "title", r->name, "open", (json_int_t)r->open, "due_soon",
	                      (json_int_t)r->due_soon, "overdue", (json_int_t)r->overdue, "items", r->items, "path",
	                      "#/requests");
	if (p == NULL)
		return DB_ERR;
	char key[64];
	snprintf(key, sizeof key, "digest:%c:%lld:%s", s->tag, (long long)r->id, d->today);
	struct notify_to to = { 0 };
	if (s->tag == 'u')
		to.users = &r->id, to.nusers = 1;
	else
		to.depts = &r->id, to.ndepts = 1;
	int rc = notify_batch_add(b, NE_DIGEST, key, s->tag == 'u' ? "user" : "department", r->id, p, &to);
	json_decref(p);
	return rc;
}

/* The recipients of scope s still without today's digest (malloc'd, *n). */
static struct recipient *recipients(db_t *db, const struct scope *s, const struct remind_day *d, size_t *n)
{
	*n = 0;
	db_stmt_t *st = db_prepare(db, s->counts);
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, d->today);
	db_bind_text(st, 2, d->next);
	size_t cap = 16;
	struct recipient *out = malloc(cap * sizeof *out);
	int rc = DB_DONE;
	while (out && (rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			struct recipient *more = realloc(out, (cap *= 2) * sizeof *out);
			if (more == NULL)
				break;
			out = more;
		}
		struct recipient *r = &out[(*n)++];
		r->items = NULL;
		r->id = db_col_int(st, 0);
		r->name = strdup(db_col_text(st, 1));
		r->open = db_col_int(st, 2);
		r->due_soon = db_col_int(st, 3);
		r->overdue = db_col_int(st, 4);
	}
	db_done(st);
	if (out && rc != DB_DONE) {
		for (size_t i = 0; i < *n; i++)
			free(out[i].name);
		free(out);
		out = NULL;
	}
	return out;
}

/* Minutes after midnight of notify.digest_time ("HH:MM"; 08:30 when unset
 * or not a time). */
static int digest_minute(db_t *db)
{
	char *v = setting_get(db, "notify.digest_time");
	int h = 8, m = 30, hh, mm;
	char tail;
	if (v && sscanf(v, "%2d:%2d%c", &hh, &mm, &tail) == 2 && hh >= 0 && hh < 24 && mm >= 0 && mm < 60)
		h = hh, m = mm;
	free(v);
	return h * 60 + m;
}

int remind_digests(db_t *db, const struct remind_day *d)
{
	static char digest_done[DATE_LEN];   /* the worker's thread only */
	if (!d->workday || strcmp(digest_done, d->today) == 0)
		return 0;
	int64_t zone = d->now + ZONE_UTC_OFFSET, minute = (zone % 86400 + 86400) % 86400 / 60;
	if (minute < digest_minute(db))
		return 0;
	int total = 0;
	struct notify_batch *b = notify_batch_new(db, d->now);
	if (b == NULL)
		return -1;
	for (size_t i = 0; i < sizeof SCOPES / sizeof SCOPES[0] && total >= 0; i++) {
		size_t n;
		struct recipient *rs = recipients(db, &SCOPES[i], d, &n);
		int rc = rs && digest_items(db, &SCOPES[i], rs, n, d) == 0 ? DB_OK : DB_ERR;
		for (size_t k = 0; k < n && rc == DB_OK; k++)
			rc = digest_add(b, &SCOPES[i], &rs[k], d);
		if (rc == DB_OK && n > 0)
			rc = remind_flush(db, b, NULL);
		else
			notify_batch_discard(b);
		total = rc == DB_OK ? total + (int)n : -1;
		for (size_t k = 0; rs && k < n; k++) {
			free(rs[k].name);
			json_decref(rs[k].items);
		}
		free(rs);
	}
	notify_batch_free(b);
	if (total >= 0)
		snprintf(digest_done, sizeof digest_done, "%s", d->today);
	return total;
}
