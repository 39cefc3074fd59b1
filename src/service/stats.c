/*
 * stats.c -- the service dashboard: GET /api/v1/service/stats?from=&to=
 * (dates YYYY-MM-DD, both included; default the last 60 days up to today)
 * &street_id= (区街上下联动: only the street's enterprises, every measure
 * and grouping; an unknown street is 422 unknown_street).
 *
 * Measures (requests are rows of kind 'request'; inspections are not
 * counted; days are China Standard Time, +08:00):
 *   enterprises_visited   distinct enterprises with a visit in the period
 *   visits                visits in the period (visited_on)
 *   requests_raised       requests created in the period
 *   requests_resolved     requests whose resolved_at is in the period,
 *                         whatever their state now (closed later included)
 *   requests_overdue      a snapshot: requests overdue now, for
 *                         acceptance (still submitted after accept_due_on)
 *                         or handling (accepted, in progress or escalated
 *                         after due_on; the clock stops while awaiting the
 *                         enterprise): service.h's REQUEST_OVERDUE_SQL, as
 *                         GET /api/v1/requests?overdue=1 and the officers'
 *                         counts
 *   solved_by_level       (totals only) the requests resolved in the
 *                         period by the level that solved them: district,
 *                         city, province
 *   median_days_to_resolve  median of the calendar days from created_at to
 *                         resolved_at over the requests resolved in the
 *                         period (null when none)
 *   satisfaction_rate     share of ratings >= 4 among the rated requests
 *                         resolved in the period, 0..1 (null when none)
 *   ratings               how many of those are rated
 * The same measures per street and per officer (through the enterprise:
 * its street and its current chief service officer), per department
 * (requests by requests.department_id, visits by visits.department_id) and
 * per category (request measures only).  Every street, department,
 * officer and category is listed, zeros included; rows that belong to
 * none (no street, not yet assigned…) form one more group with id null,
 * listed only when it is not empty.
 *
 * The route is P_STAFF: zone-wide aggregates for staff; enterprise
 * accounts are refused by the router.  The medians are computed here over
 * the rows, the same way on both stores.
 */
#include "service.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DAYS 60

struct group {
	int64_t id;                 /* 0: none */
	const char *code;           /* categories: the code (id is then unused) */
	const char *name, *name_en;
	int64_t visited, visits, raised, resolved, overdue, rated, satisfied;
	int64_t last_ent;           /* for counting distinct enterprises */
	int *days;                  /* days to resolve, arena */
	int64_t ndays, capdays;
};

struct grouping {
	struct group *g;
	int n, cap;
};

enum { G_STREET, G_DEPT, G_OFFICER, G_CATEGORY, G_N };

static struct group *grouping_add(req_t *r, struct grouping *gs, int64_t id, const char *code, const char *name,
                                  const char *name_en)
{
	if (gs->n == gs->cap) {
		int cap = gs->cap ? gs->cap * 2 : 16;
		struct group *g = arena_alloc(r->arena, sizeof *g * (size_t)cap);
		if (gs->n)
			memcpy(g, gs->g, sizeof *g * (size_t)gs->n);
		gs->g = g;
		gs->cap = cap;
	}
	struct group *g = &gs->g[gs->n++];
	memset(g, 0, sizeof *g);
	g->id = id;
	g->code = code ? arena_strdup(r->arena, code) : NULL;
	g->name = name ? arena_strdup(r->arena, name) : NULL;
	g->name_en = name_en ? arena_strdup(r->arena, name_en) : NULL;
	g->last_ent = -1;
	return g;
}

/* The group of id (or code), created (nameless) when missing. */
static struct group *grouping_find(req_t *r, struct grouping *gs, int64_t id, const char *code)
{
	for (int i = 0; i < gs->n; i++) {
		struct group *g = &gs->g[i];
		if (code ? (g->code && strcmp(g->code, code) == 0) : (!g->code && g->id == id))
			return g;
	}
	return grouping_add(r, gs, id, code, NULL, NULL);
}

static void add_day(req_t *r, struct group *g, int d)
{
	if (g->ndays == g->capdays) {
		int64_t cap = g->capdays ? g->capdays * 2 : 16;
		int *n = arena_alloc(r->arena, sizeof *n * (size_t)cap);
		if (g->ndays)
			memcpy(n, g->days, sizeof *n * (size_t)g->ndays);
		g->days = n;
		g->capdays = cap;
	}
	g->days[g->ndays++] = d;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static json_t *median(struct group *g)
{
	if (g->ndays == 0)
		return json_null();
	qsort(g->days, (size_t)g->ndays, sizeof *g->days, cmp_int);
	int64_t m = g->ndays / 2;
	double v = g->ndays % 2 ? g->days[m] : (g->days[m - 1] + g->days[m]) / 2.0;
	return json_real(v);
}

static json_t *measures(struct group *g, int with_visits)
{
	json_t *o = json_object();
	if (with_visits) {
		json_object_set_new(o, "enterprises_visited", json_integer(g->visited));
		json_object_set_new(o, "visits", json_integer(g->visits));
	}
	json_object_set_new(o, "requests_raised", json_integer(g->raised));
	json_object_set_new(o, "requests_resolved", json_integer(g->resolved));
	json_object_set_new(o, "requests_overdue", json_integer(g->overdue));
	json_object_set_new(o, "median_days_to_resolve", median(g));
	json_object_set_new(o, "satisfaction_rate",
	                    g->rated ? json_real((double)g->satisfied / (double)g->rated) : json_null());
	json_object_set_new(o, "ratings", json_integer(g->rated));
	return o;
}

static int empty(const struct group *g)
{
	return !(g->visits || g->raised || g->resolved || g->overdue);
}

static json_t *grouping_json(struct grouping *gs, int with_visits)
{
	json_t *a = json_array();
	for (int i = 0; i < gs->n; i++) {
		struct group *g = &gs->g[i];
		int none = g->code ? 0 : g->id == 0;
		if (none && empty(g))
			continue;
		json_t *o = json_object();
		if (g->code)
			json_object_set_new(o, "id", json_string(g->code));
		else
			json_object_set_new(o, "id", g->id ? json_integer(g->id) : json_null());
		json_object_set_new(o, "name", g->name ? json_string(g->name) : json_null());
		json_object_set_new(o, "name_en", g->name_en ? json_string(g->name_en) : json_null());
		json_object_update_new(o, measures(g, with_visits));
		json_array_append_new(a, o);
	}
	return a;
}

/* Load the named groups of the four groupings.  0 or a DB_ error. */
static int load_groups(req_t *r, struct grouping *gs)
{
	static const char *const sql[G_N] = {
		"SELECT id, name, name_en FROM streets ORDER BY id",
		"SELECT id, name, name_en FROM departments ORDER BY id",
		"SELECT id, CASE WHEN display_name <> '' THEN display_name ELSE username END, username FROM users"
		" WHERE role = 'officer' OR id IN (SELECT officer_id FROM enterprises WHERE officer_id IS NOT NULL)"
		" ORDER BY id",
		"SELECT code, name, name_en FROM request_categories ORDER BY sort, code",
	};
	for (int k = 0; k < G_N; k++) {
		db_stmt_t *st = db_prepare(r->db, sql[k]);
		if (st == NULL)
			return DB_ERR;
		int rc;
		while ((rc = db_step(st)) == DB_ROW) {
			const char *name_en = db_col_text(st, 2);
			if (k == G_CATEGORY)
				grouping_add(r, &gs[k], 0, db_col_text(st, 0), db_col_text(st, 1), *name_en ? name_en : NULL);
			else if (k == G_OFFICER)   /* officers: name_en is the username */
				grouping_add(r, &gs[k], db_col_int(st, 0), NULL, db_col_text(st, 1), NULL);
			else
				grouping_add(r, &gs[k], db_col_int(st, 0), NULL, db_col_text(st, 1), *name_en ? name_en : NULL);
		}
		db_done(st);
		if (rc != DB_DONE)
			return rc;
	}
	return DB_OK;
}

/* The groups a request row falls in: columns street, officer, department,
 * category at col, col+1, col+2, col+3. */
static void request_groups(req_t *r, db_stmt_t *st, int col, struct grouping *gs, struct group *out[G_N])
{
	out[G_STREET] = grouping_find(r, &gs[G_STREET], db_col_int(st, col), NULL);
	out[G_OFFICER] = grouping_find(r, &gs[G_OFFICER], db_col_int(st, col + 1), NULL);
	out[G_DEPT] = grouping_find(r, &gs[G_DEPT], db_col_int(st, col + 2), NULL);
	out[G_CATEGORY] = grouping_find(r, &gs[G_CATEGORY], 0, db_col_text(st, col + 3));
}

/* The period ?from=&to= (default: the DEFAULT_DAYS up to today).  0, or -1
 * after replying 422. */
static int stats_period(req_t *r, int64_t today, int64_t *from, int64_t *to)
{
	const char *fs = req_query(r, "from"), *ts = req_query(r, "to");
	*to = today;
	if (ts && *ts && date_parse(ts, to) < 0) {
		reply_error(r, 422, "invalid_parameter", "to", "to must be a date YYYY-MM-DD");
		return -1;
	}
	*from = *to - (DEFAULT_DAYS - 1);
	if (fs && *fs && date_parse(fs, from) < 0) {
		reply_error(r, 422, "invalid_parameter", "from", "from must be a date YYYY-MM-DD");
		return -1;
	}
	if (*from > *to) {
		reply_error(r, 422, "invalid_parameter", "from", "from is after to");
		return -1;
	}
	return 0;
}

/* ?street_id= (区街上下联动): only the visits and requests of the street's
 * enterprises, as parameter $n (0: every street). */
#define STREET_ONLY(n) " AND (CAST(" n " AS BIGINT) = 0 OR e.street_id = " n ")"

/* Visits of [from, to]: visits and distinct enterprises per group (the
 * rows come ordered by enterprise, so distinct enterprises are runs). */
static int count_visits(req_t *r, struct grouping *gs, struct group *total, const char *from, const char *to,
                        int64_t street)
{
	db_stmt_t *st = db_prepare(r->db,
		"SELECT v.enterprise_id, e.street_id, e.officer_id, v.department_id FROM visits v"
		" JOIN enterprises e ON e.id = v.enterprise_id"
		" WHERE v.visited_on >= $1 AND v.visited_on <= $2" STREET_ONLY("$3") " ORDER BY v.enterprise_id");
	if (st == NULL)
		return DB_ERR;
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	db_bind_int(st, 3, street);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t ent = db_col_int(st, 0);
		struct group *g[4] = {
			total,
			grouping_find(r, &gs[G_STREET], db_col_int(st, 1), NULL),
			grouping_find(r, &gs[G_OFFICER], db_col_int(st, 2), NULL),
			grouping_find(r, &gs[G_DEPT], db_col_int(st, 3), NULL),
		};
		for (int i = 0; i < 4; i++) {
			g[i]->visits++;
			if (g[i]->last_ent != ent) {
				g[i]->last_ent = ent;
				g[i]->visited++;
			}
		}
	}
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

/* One count per request row of st (street, officer, department, category
 * in columns 0-3): the member at byte offset off of each group and the total. */
static int count_requests(req_t *r, db_stmt_t *st, struct grouping *gs, struct group *total, size_t off)
{
	if (st == NULL)
		return DB_ERR;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct group *g[G_N + 1];
		request_groups(r, st, 0, gs, g);
		g[G_N] = total;
		for (int i = 0; i <= G_N; i++)
			(*(int64_t *)((char *)g[i] + off))++;
	}
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

/* {"district","city","province"}: the requests resolved in [t0, t1) by
 * the level that solved them; NULL on a database error. */
static json_t *solved_by_level(req_t *r, int64_t t0, int64_t t1, int64_t street)
{
	db_stmt_t *st = db_prepare(r->db,
		"SELECT " REQUEST_SOLVED_LEVEL_SQL("r") ", count(*) FROM requests r LEFT JOIN enterprises e ON e.id = r.enterprise_id"
		" WHERE r.kind = 'request' AND r.resolved_at >= $1 AND r.resolved_at < $2" STREET_ONLY("$3") " GROUP BY 1");
	if (st == NULL)
		return NULL;
	db_bind_int(st, 1, t0);
	db_bind_int(st, 2, t1);
	db_bind_int(st, 3, street);
	json_t *o = json_pack("{s:i,s:i,s:i}", "district", 0, "city", 0, "province", 0);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		if (json_object_get(o, db_col_text(st, 0)))
			json_object_set_new(o, db_col_text(st, 0), json_integer(db_col_int(st, 1)));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Requests resolved in [t0, t1): counts, days to resolve, ratings. */
static int count_resolved(req_t *r, struct grouping *gs, struct group *total, int64_t t0, int64_t t1,
                          int64_t street)
{
	db_stmt_t *st = db_prepare(r->db,
		"SELECT e.street_id, e.officer_id, r.department_id, r.category, r.created_at, r.resolved_at, r.rating"
		" FROM requests r LEFT JOIN enterprises e ON e.id = r.enterprise_id"
		" WHERE r.kind = 'request' AND r.resolved_at >= $1 AND r.resolved_at < $2" STREET_ONLY("$3"));
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, t0);
	db_bind_int(st, 2, t1);
	db_bind_int(st, 3, street);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct group *g[G_N + 1];
		request_groups(r, st, 0, gs, g);
		g[G_N] = total;
		int days = (int)(date_of_unix(db_col_int(st, 5)) - date_of_unix(db_col_int(st, 4)));
		int rated = !db_col_isnull(st, 6);
		int64_t rating = rated ? db_col_int(st, 6) : 0;
		for (int i = 0; i <= G_N; i++) {
			g[i]->resolved++;
			add_day(r, g[i], days);
			if (rated) {
				g[i]->rated++;
				if (rating >= 4)
					g[i]->satisfied++;
			}
		}
	}
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

void api_service_stats(req_t *r)
{
	int64_t today = date_of_unix(now_sec()), from, to;
	if (stats_period(r, today, &from, &to) < 0)
		return;
	char from_s[DATE_LEN], to_s[DATE_LEN], today_s[DATE_LEN];
	date_format(from, from_s);
	date_format(to, to_s);
	date_format(today, today_s);
	int64_t t0 = date_unix(from), t1 = date_unix(to + 1);  /* [t0, t1) */
	int64_t street;
	if (req_query_id(r, "street_id", &street) < 0)
		return;
	err_t err;
	if (street > 0 && street_known(r->db, street, &err) < 0) {
		reply_err(r, &err);
		return;
	}

	struct grouping gs[G_N];
	memset(gs, 0, sizeof gs);
	struct group total;
	memset(&total, 0, sizeof total);
	total.last_ent = -1;
	int rc = load_groups(r, gs);
	if (rc == DB_OK)
		rc = count_visits(r, gs, &total, from_s, to_s, street);
	if (rc == DB_OK) {  /* requests raised in the period */
		db_stmt_t *st = db_prepare(r->db,
			"SELECT e.street_id, e.officer_id, r.department_id, r.category FROM requests r"
			" LEFT JOIN enterprises e ON e.id = r.enterprise_id"
			" WHERE r.kind = 'request' AND r.created_at >= $1 AND r.created_at < $2" STREET_ONLY("$3"));
		if (st) {
			db_bind_int(st, 1, t0);
			db_bind_int(st, 2, t1);
			db_bind_int(st, 3, street);
		}
		rc = count_requests(r, st, gs, &total, offsetof(struct group, raised));
	}
	if (rc == DB_OK)
		rc = count_resolved(r, gs, &total, t0, t1, street);
	if (rc == DB_OK) {  /* overdue now */
		db_stmt_t *st = db_prepare(r->db,
			"SELECT e.street_id, e.officer_id, r.department_id, r.category FROM requests r"
			" LEFT JOIN enterprises e ON e.id = r.enterprise_id"
			" WHERE r.kind = 'request' AND " REQUEST_OVERDUE_SQL("r", "$1") STREET_ONLY("$2"));
		if (st) {
			db_bind_text(st, 1, today_s);
			db_bind_int(st, 2, street);
		}
		rc = count_requests(r, st, gs, &total, offsetof(struct group, overdue));
	}
	json_t *levels = rc == DB_OK ? solved_by_level(r, t0, t1, street) : NULL;
	if (rc != DB_OK || levels == NULL) {
		reply_db_error(r, rc == DB_BUSY ? DB_BUSY : DB_ERR, "computing the service statistics");
		return;
	}
	json_t *out = json_object();
	json_object_set_new(out, "from", json_string(from_s));
	json_object_set_new(out, "to", json_string(to_s));
	json_object_set_new(out, "overdue_as_of", json_string(today_s));
	json_object_set_new(out, "street_id", street > 0 ? json_integer(street) : json_null());
	json_object_set_new(out, "totals", measures(&total, 1));
	json_object_set_new(json_object_get(out, "totals"), "solved_by_level", levels);
	json_object_set_new(out, "by_street", grouping_json(&gs[G_STREET], 1));
	json_object_set_new(out, "by_department", grouping_json(&gs[G_DEPT], 1));
	json_object_set_new(out, "by_officer", grouping_json(&gs[G_OFFICER], 1));
	json_object_set_new(out, "by_category", grouping_json(&gs[G_CATEGORY], 0));
	reply_json(r, 200, out);
}
