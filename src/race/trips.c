/* trips.c -- trips (外出招商) and the monthly quotas. */
#include "race.h"
#include "race_util.h"
#include "admin/admin.h"

#include <stdlib.h>
#include <string.h>

#define TRIP_COLS \
	"SELECT t.id, t.user_id, u.display_name AS user_name, u.role, u.unit_id, t.start_on, t.end_on, t.destination," \
	" t.visits, t.companies, t.created_at, t.updated_at FROM trips t JOIN users u ON u.id = t.user_id"
#define TRIP_TYPES "iississsisii"

static json_t *trip_load(db_t *db, int64_t id, int *rc, int64_t *user_id)
{
	db_stmt_t *st = db_prepare(db, TRIP_COLS " WHERE t.id = $1");
	db_bind_int(st, 1, id);
	json_t *o = NULL;
	*rc = db_step(st);
	if (*rc == DB_ROW) {
		o = row_json(st, TRIP_TYPES);
		if (user_id)
			*user_id = db_col_int(st, 1);
	}
	db_done(st);
	return o;
}

static const char *const TRIP_FIELDS[] = { "user_id", "start_on", "end_on", "destination", "visits", "companies", NULL };

static int trip_body(req_t *r, json_t *o, struct trip_in *in)
{
	if (body_unknown_field(r, o, TRIP_FIELDS))
		return -1;
	if (body_int(r, o, "user_id", &in->user_id) < 0 || body_str(r, o, "start_on", &in->start_on) < 0 ||
	    body_str(r, o, "end_on", &in->end_on) < 0 || body_str(r, o, "destination", &in->destination) < 0 ||
	    body_int(r, o, "visits", &in->visits) < 0)
		return -1;
	json_t *c = json_object_get(o, "companies");
	if (json_is_array(c)) {   /* a list of names is stored one per line */
		size_t i;
		json_t *e;
		char *s = arena_strdup(r->arena, "");
		json_array_foreach(c, i, e) {
			if (!json_is_string(e)) {
				reply_error(r, 422, "invalid_type", "companies", "companies must be text or a list of names");
				return -1;
			}
			s = arena_printf(r->arena, "%s%s%s", s, i ? "\n" : "", json_string_value(e));
		}
		in->companies = s;
	} else if (body_str(r, o, "companies", &in->companies) < 0) {
		return -1;
	}
	return 0;
}

/* Reply with trip id as stored (201 created, 200 updated). */
static void reply_trip(req_t *r, int status, int64_t id)
{
	int rc;
	json_t *out = trip_load(r->db, id, &rc, NULL);
	if (out == NULL) {
		reply_db_error(r, rc == DB_DONE ? DB_ERR : rc, "reading the trip");
		return;
	}
	r->audit_entity = "trip";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
	reply_json(r, status, out);
}

void api_trips_create(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	struct trip_in in = { 0 };
	if (trip_body(r, o, &in) < 0)
		return;
	int64_t id = 0;
	err_t err;
	if (trip_insert(r->db, r->user, &in, now_sec(), &id, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	reply_trip(r, 201, id);
}

/* Load trip id for writing by the caller: 1 ok, else replied. */
static int trip_for_write(req_t *r, int64_t id, struct trip_in *in)
{
	db_stmt_t *st = db_prepare(r->db,
		"SELECT user_id, start_on, end_on, destination, visits, companies FROM trips WHERE id = $1");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		in->user_id = db_col_int(st, 0);
		in->start_on = arena_strdup(r->arena, db_col_text(st, 1));
		in->end_on = arena_strdup(r->arena, db_col_text(st, 2));
		in->destination = arena_strdup(r->arena, db_col_text(st, 3));
		in->visits = db_col_int(st, 4);
		in->companies = arena_strdup(r->arena, db_col_text(st, 5));
	}
	db_done(st);
	if (rc != DB_ROW) {
		if (rc == DB_DONE)
			reply_error(r, 404, "not_found", NULL, "no such trip");
		else
			reply_db_error(r, rc, "reading a trip");
		return 0;
	}
	/* the same rule as creating: may the caller write trips of this person? */
	struct trip_in probe = *in;
	err_t err;
	if (trip_validate(r->db, r->user, &probe, &err) < 0 && err.status == 403) {
		reply_error(r, 403, "forbidden", NULL, "you may not edit this trip");
		return 0;
	}
	return 1;
}

void api_trip_update(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	struct trip_in in = { 0 };
	if (!trip_for_write(r, id, &in) || trip_body(r, o, &in) < 0)
		return;
	err_t err;
	if (trip_validate(r->db, r->user, &in, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	db_stmt_t *st = db_prepare(r->db,
		"UPDATE trips SET user_id = $2, start_on = $3, end_on = $4, destination = $5, visits = $6, companies = $7,"
		" updated_at = $8 WHERE id = $1");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, in.user_id);
	db_bind_text(st, 3, in.start_on);
	db_bind_text(st, 4, in.end_on);
	db_bind_text(st, 5, in.destination ? in.destination : "");
	db_bind_int(st, 6, in.visits);
	db_bind_text(st, 7, in.companies ? in.companies : "");
	db_bind_int(st, 8, now_sec());
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE) {
		reply_db_error(r, rc, "updating a trip");
		return;
	}
	reply_trip(r, 200, id);
}

void api_trip_delete(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	struct trip_in in = { 0 };
	if (!trip_for_write(r, id, &in))
		return;
	db_stmt_t *st = db_prepare(r->db, "DELETE FROM trips WHERE id = $1");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE) {
		reply_db_error(r, rc, "deleting a trip");
		return;
	}
	r->audit_entity = "trip";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
	reply_json(r, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "deleted", 1));
}

static void trip_bind(db_stmt_t *st, int64_t user, int64_t unit, const char *first, const char *last)
{
	db_bind_int(st, 1, user);
	db_bind_int(st, 2, unit);
	db_bind_text(st, 3, first);
	db_bind_text(st, 4, last);
}

void api_trips_list(req_t *r)
{
	int64_t limit, offset, user, unit;
	if (req_paging(r, &limit, &offset) < 0 || req_query_id(r, "user_id", &user) < 0 ||
	    req_query_id(r, "unit_id", &unit) < 0)
		return;
	/* leaders and admins see every unit; a recruiter its own unit's trips */
	if (r->user->role_bit == ROLE_RECRUITER)
		unit = r->user->unit_id > 0 ? r->user->unit_id : -1;
	const char *month = req_query(r, "month");
	char first[11] = "", last[11] = "";
	if (month && *month && month_range(month, first, last) != DATE_OK) {
		reply_error(r, 422, "invalid_parameter", "month", "month must be YYYY-MM");
		return;
	}
	const char *f = *first ? first : NULL, *l = *last ? last : NULL;
	/* month: trips with a day inside the month */
#define TRIP_WHERE \
	" WHERE (CAST($1 AS BIGINT) = 0 OR t.user_id = $1) AND (CAST($2 AS BIGINT) = 0 OR u.unit_id = $2)" \
	" AND (CAST($3 AS TEXT) IS NULL OR t.end_on >= $3) AND (CAST($4 AS TEXT) IS NULL OR t.start_on <= $4)"
	db_stmt_t *st = db_prepare(r->db, "SELECT count(*) FROM trips t JOIN users u ON u.id = t.user_id" TRIP_WHERE);
	trip_bind(st, user, unit, f, l);
	int rc = db_step(st);
	int64_t total = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc != DB_ROW) {
		reply_db_error(r, rc, "counting trips");
		return;
	}
	st = db_prepare(r->db, TRIP_COLS TRIP_WHERE " ORDER BY t.start_on DESC, t.id DESC LIMIT $5 OFFSET $6");
	trip_bind(st, user, unit, f, l);
	db_bind_int(st, 5, limit);
	db_bind_int(st, 6, offset);
	json_t *items = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, row_json(st, TRIP_TYPES));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing trips");
		return;
	}
	reply_list(r, items, total, limit, offset);
}

void api_quotas(req_t *r)
{
	const char *month = req_query(r, "month");
	char first[11], last[11], latest[MONTH_LEN];
	if (month == NULL || *month == '\0') {   /* the latest month with data, as the ranking */
		if (race_latest_month(r->db, latest) < 0) {
			reply_db_error(r, DB_ERR, "finding the latest month with data");
			return;
		}
		month = arena_strdup(r->arena, latest);
	}
	if (month_range(month, first, last) != DATE_OK) {
		reply_error(r, 422, "invalid_parameter", "month", "month must be YYYY-MM");
		return;
	}
	int64_t unit;
	if (req_query_id(r, "unit_id", &unit) < 0)
		return;
	struct race_quota *q;
	size_t n;
	if (race_quota(r->db, month, unit, &q, &n) < 0) {
		reply_db_error(r, DB_ERR, "computing quotas");
		return;
	}
	json_t *items = json_array();
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		any |= q[i].days_out > 0 || q[i].visits > 0;
		json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:i,s:i,s:b,s:b}",
			"user_id", (json_int_t)q[i].user_id, "name", q[i].name, "role", q[i].role,
			"unit_id", (json_int_t)q[i].unit_id, "days_out", q[i].days_out, "visits", q[i].visits,
			"quota_met", q[i].quota_met, "gap", q[i].gap);
		json_object_set_new(o, "gap_from", q[i].gap ? json_string(q[i].gap_from) : json_null());
		json_object_set_new(o, "gap_to", q[i].gap ? json_string(q[i].gap_to) : json_null());
		json_array_append_new(items, o);
	}
	free(q);
	/* has_data: anyone out or visiting that month (外出招商 says so when not) */
	reply_json(r, 200, json_pack("{s:s,s:b,s:o}", "month", month, "has_data", any, "items", items));
}
