/* units.c -- units of the race (admin writes) and their annual targets
 * (admins and leaders, a unit's leader its own unit's only). */
#include "race.h"
#include "race_util.h"
#include "admin/admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const UNIT_FIELDS[] = { "name", "name_en", "kind", "code", "sort", NULL };

static void reply_unit(req_t *r, int status, int64_t id)
{
	db_stmt_t *st = db_prepare(r->db, "SELECT id, code, name, name_en, kind, sort FROM units WHERE id = $1");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	json_t *o = rc == DB_ROW ? row_json(st, "isssss") : NULL;
	if (o)
		json_object_set_new(o, "sort", json_integer(db_col_int(st, 5)));
	db_done(st);
	if (o == NULL) {
		if (rc == DB_DONE)
			reply_error(r, 404, "not_found", NULL, "no such unit");
		else
			reply_db_error(r, rc, "reading a unit");
		return;
	}
	r->audit_entity = "unit";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
	reply_json(r, status, o);
}

static int unit_check(db_t *db, const struct unit_in *in, int64_t self, err_t *err)
{
	if (in->name == NULL || *in->name == '\0')
		return err_set(err, 422, "required", "name", "name is required");
	if (in->kind && strcmp(in->kind, "bureau") && strcmp(in->kind, "company"))
		return err_set(err, 422, "invalid_kind", "kind", "kind must be bureau or company");
	if (in->code && *in->code == '\0')
		return err_set(err, 422, "required", "code", "code must not be empty");
	db_stmt_t *st = db_prepare(db,
		"SELECT count(*) FROM units WHERE id <> $1 AND (name = $2 OR code = $3)");
	db_bind_int(st, 1, self);
	db_bind_text(st, 2, in->name);
	db_bind_text(st, 3, in->code ? in->code : "");
	int rc = db_step(st);
	int64_t n = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "checking units");
	if (n)
		return err_set(err, 409, "duplicate_unit", "name", "a unit with this name or code exists");
	return 0;
}

int unit_create(db_t *db, const struct unit_in *in, int64_t *id, err_t *err)
{
	if (unit_check(db, in, 0, err) < 0)
		return -1;
	char gen[32];
	const char *code = in->code;
	if (code == NULL) {
		int64_t next = db_int1(db, "SELECT COALESCE(max(id), 0) + 1 FROM units", 0, 0, NULL);
		for (int i = 0; i < 100 && code == NULL; i++, next++) {
			snprintf(gen, sizeof gen, "u%lld", (long long)next);
			const char *p[1] = { gen };
			if (db_int1(db, "SELECT count(*) FROM units WHERE code = $1", 1, 1, p) == 0)
				code = gen;
		}
		if (code == NULL)
			return err_set(err, 409, "conflict", "code", "could not generate a unit code");
	}
	int64_t sort = in->sort;
	if (sort == 0)
		sort = db_int1(db, "SELECT COALESCE(max(sort), 0) + 1 FROM units", 0, 0, NULL);
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO units (code, name, name_en, kind, sort) VALUES ($1, $2, $3, $4, $5) RETURNING id");
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, in->name);
	db_bind_text(st, 3, in->name_en ? in->name_en : "");
	db_bind_text(st, 4, in->kind ? in->kind : "bureau");
	db_bind_int(st, 5, sort);
	int rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_done(st);
	return rc == DB_ROW ? 0 : db_fail(err, db, rc, "creating a unit");
}

int unit_update(db_t *db, int64_t id, const struct unit_in *in, err_t *err)
{
	if (unit_check(db, in, id, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"UPDATE units SET code = $2, name = $3, name_en = $4, kind = $5, sort = $6 WHERE id = $1");
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, in->code);
	db_bind_text(st, 3, in->name);
	db_bind_text(st, 4, in->name_en);
	db_bind_text(st, 5, in->kind);
	db_bind_int(st, 6, in->sort);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "updating a unit");
}

int64_t unit_id_by_code(db_t *db, const char *code)
{
	const char *p[1] = { code };
	return db_int1(db, "SELECT id FROM units WHERE code = $1", 0, 1, p);
}

/* The unit's fields of a body over in (only those present).  -1 after
 * replying. */
static int unit_body(req_t *r, json_t *o, struct unit_in *in)
{
	if (body_unknown_field(r, o, UNIT_FIELDS))
		return -1;
	if (body_str(r, o, "name", &in->name) < 0 || body_str(r, o, "name_en", &in->name_en) < 0 ||
	    body_str(r, o, "kind", &in->kind) < 0 || body_str(r, o, "code", &in->code) < 0 ||
	    body_int(r, o, "sort", &in->sort) < 0)
		return -1;
	return 0;
}

void api_units_create(req_t *r)
{
	json_t *o = req_object(r);
	struct unit_in in = { .name_en = "", .kind = "bureau" };
	if (o == NULL || unit_body(r, o, &in) < 0)
		return;
	int64_t id = 0;
	err_t err;
	if (unit_create(r->db, &in, &id, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	reply_unit(r, 201, id);
}

void api_unit_update(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, UNIT_FIELDS))
		return;
	db_stmt_t *st = db_prepare(r->db, "SELECT code, name, name_en, kind, sort FROM units WHERE id = $1");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	struct unit_in in = { 0 };
	if (rc == DB_ROW) {
		in.code = arena_strdup(r->arena, db_col_text(st, 0));
		in.name = arena_strdup(r->arena, db_col_text(st, 1));
		in.name_en = arena_strdup(r->arena, db_col_text(st, 2));
		in.kind = arena_strdup(r->arena, db_col_text(st, 3));
		in.sort = db_col_int(st, 4);
	}
	db_done(st);
	if (rc != DB_ROW) {
		if (rc == DB_DONE)
			reply_error(r, 404, "not_found", NULL, "no such unit");
		else
			reply_db_error(r, rc, "reading a unit");
		return;
	}
	if (unit_body(r, o, &in) < 0)
		return;
	err_t err;
	if (unit_update(r->db, id, &in, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	reply_unit(r, 200, id);
}

/* ---- targets ---- */

static int parse_year(req_t *r, const char *s, int *year)
{
	char today[11];
	date_today_str(today);
	if (s == NULL || *s == '\0') {
		*year = atoi(today);
		return 0;
	}
	char *end;
	long y = strtol(s, &end, 10);
	if (*end || y < DATE_YEAR_MIN || y > DATE_YEAR_MAX) {
		reply_error(r, 422, "invalid_parameter", "year", "year must be a year");
		return -1;
	}
	*year = (int)y;
	return 0;
}

static const char *colour(double behind_points)
{
	if (behind_points > 30) return "red";
	if (behind_points >= 10) return "yellow";
	return "green";
}

void api_unit_targets_get(req_t *r)
{
	int year;
	if (parse_year(r, req_query(r, "year"), &year) < 0)
		return;
	char from[11], to[11];
	snprintf(from, sizeof from, "%04d-01-01", year);
	snprintf(to, sizeof to, "%04d-12-31", year);
	/* 时序进度 up to the last full month (docs/time-progress.md) */
	int upto = month_last_full(year);
	double tp = time_progress(upto);
	db_stmt_t *st = db_prepare(r->db,
		"SELECT un.id, un.name, COALESCE(t.signed_investment_wan, 0), COALESCE(t.landed_projects, 0),"
		" COALESCE(t.leads, 0),"
		" (SELECT COALESCE(sum(p.total_investment_wan), 0) FROM projects p WHERE p.unit_id = un.id"
		"   AND p.signed_on >= $2 AND p.signed_on <= $3),"
		" (SELECT count(*) FROM projects p WHERE p.unit_id = un.id AND p.landed_on >= $2 AND p.landed_on <= $3),"
		" (SELECT count(*) FROM leads l WHERE l.unit_id = un.id AND l.status = 'qualified'"
		"   AND l.duplicate_of IS NULL AND l.captured_on >= $2 AND l.captured_on <= $3)"
		" FROM units un LEFT JOIN unit_targets t ON t.unit_id = un.id AND t.year = $1 ORDER BY un.sort, un.id");
	db_bind_int(st, 1, year);
	db_bind_text(st, 2, from);
	db_bind_text(st, 3, to);
	json_t *items = json_array();
	int rc;
	static const char *const keys[] = { "signed_investment", "landed_projects", "leads" };
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t target[3] = { db_col_int(st, 2), db_col_int(st, 3), db_col_int(st, 4) };
		int64_t actual[3] = { db_col_int(st, 5), db_col_int(st, 6), db_col_int(st, 7) };
		json_t *o = json_pack("{s:I,s:s,s:o,s:I,s:I}", "unit_id", (json_int_t)db_col_int(st, 0),
			"name", db_col_text(st, 1), "signed_investment", race_wan_to_yi(target[0]),
			"landed_projects", (json_int_t)target[1], "leads", (json_int_t)target[2]);
		json_object_set_new(o, "actual", json_pack("{s:o,s:I,s:I}", "signed_investment", race_wan_to_yi(actual[0]),
			"landed_projects", (json_int_t)actual[1], "leads", (json_int_t)actual[2]));
		json_object_set_new(o, "time_progress", json_real(tp));
		json_t *prog = json_object(), *stat = json_object();
		int worst = 0;
		for (int k = 0; k < 3; k++) {
			if (target[k] <= 0) {
				json_object_set_new(prog, keys[k], json_null());
				json_object_set_new(stat, keys[k], json_null());
				continue;
			}
			double p = (double)actual[k] / (double)target[k];
			double behind = (tp - (p > 1 ? 1 : p)) * 100;
			const char *c = colour(behind);
			int lvl = c[0] == 'r' ? 2 : c[0] == 'y' ? 1 : 0;
			if (lvl > worst) worst = lvl;
			json_object_set_new(prog, keys[k], json_real(p));
			json_object_set_new(stat, keys[k], json_string(c));
		}
		json_object_set_new(o, "progress", prog);
		json_object_set_new(o, "statuses", stat);
		json_object_set_new(o, "status", json_string(worst == 2 ? "red" : worst == 1 ? "yellow" : "green"));
		json_array_append_new(items, o);
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "reading unit targets");
		return;
	}
	json_t *out = json_pack("{s:i,s:o,s:f}", "year", year, "items", items, "time_progress", tp);
	json_object_set_new(out, "time_progress_month", upto > 0 ? json_integer(upto) : json_null());
	reply_json(r, 200, out);
}

static int target_year_check(int64_t year, err_t *err)
{
	if (year < DATE_YEAR_MIN || year > DATE_YEAR_MAX)
		return err_set(err, 422, "required", "year", "year is required");
	return 0;
}

int unit_target_set(db_t *db, const user_t *actor, const struct unit_target *t, err_t *err)
{
	/* a unit's leader its own unit's targets; an admin and a zone leader any unit's */
	if (!race_may_lead(actor, t->unit_id))
		return err_set(err, 403, "forbidden", "unit_id", "you may set only your own unit's targets");
	if (target_year_check(t->year, err) < 0)
		return -1;
	if (t->signed_investment_wan < 0 || t->landed_projects < 0 || t->leads < 0)
		return err_set(err, 422, "negative_amount", t->signed_investment_wan < 0 ? "signed_investment"
		               : t->landed_projects < 0 ? "landed_projects" : "leads", "targets must not be negative");
	char unit[24];
	snprintf(unit, sizeof unit, "%lld", (long long)t->unit_id);
	const char *p[1] = { unit };
	if (t->unit_id <= 0 || db_int1(db, "SELECT count(*) FROM units WHERE id = CAST($1 AS BIGINT)", 0, 1, p) == 0)
		return err_set(err, 422, "unknown_unit", "unit_id", "unit %lld does not exist", (long long)t->unit_id);
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO unit_targets (unit_id, year, signed_investment_wan, landed_projects, leads)"
		" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (unit_id, year) DO UPDATE SET"
		" signed_investment_wan = excluded.signed_investment_wan, landed_projects = excluded.landed_projects,"
		" leads = excluded.leads");
	db_bind_int(st, 1, t->unit_id);
	db_bind_int(st, 2, t->year);
	db_bind_int(st, 3, t->signed_investment_wan);
	db_bind_int(st, 4, t->landed_projects);
	db_bind_int(st, 5, t->leads);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving unit targets");
}

void api_unit_targets_put(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "year", "items", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	int64_t y = 0;
	if (body_int(r, o, "year", &y) < 0)
		return;
	err_t err;
	if (target_year_check(y, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	json_t *items = json_object_get(o, "items");
	if (!json_is_array(items)) {
		reply_error(r, 422, "required", "items", "items must be a list of {unit_id, signed_investment, landed_projects, leads}");
		return;
	}
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		if (!json_is_object(it)) {
			reply_error(r, 422, "invalid_type", "items", "items[%zu] must be an object", i);
			return;
		}
		static const char *const ifields[] = { "unit_id", "signed_investment", "landed_projects", "leads", NULL };
		if (body_unknown_field(r, it, ifields))
			return;
		struct unit_target t = { .year = (int)y };
		if (body_int(r, it, "unit_id", &t.unit_id) < 0 || body_int(r, it, "landed_projects", &t.landed_projects) < 0 ||
		    body_int(r, it, "leads", &t.leads) < 0)
			return;
		json_t *v = json_object_get(it, "signed_investment");
		if ((v && !json_is_null(v) && race_yi_json(v, "signed_investment", &t.signed_investment_wan, &err) < 0) ||
		    unit_target_set(r->db, r->user, &t, &err) < 0) {
			reply_err(r, &err);
			return;
		}
	}
	r->audit_entity = "unit_targets";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)y);
	reply_json(r, 200, json_pack("{s:I,s:I}", "year", (json_int_t)y, "saved", (json_int_t)json_array_size(items)));
}
