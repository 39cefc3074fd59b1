/* admin.c -- settings, reference lists, health, overview summary. */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

const struct setting_def setting_defs[] = {
	{ "zone_name", "经济技术开发区", "the zone's name in Chinese (shown in the UI and reports)" },
	{ "zone_name_en", "Economic & Technological Development Zone", "the zone's name in English" },
	{ "city_name", "", "the city the zone belongs to (for city-wide ranks)" },
	{ "zone.name", "", "the zone's region name in the indicator statistics (default: the region marked as the zone)" },
	{ "report.top_ranks", "3", "ranks up to this one are named in the monthly report paragraph (1-99)" },
	{ "push_monthly_cap", "2", "policy pushes an enterprise gets at most per calendar month (0-99)" },
	{ "accept_days", "1", "working days to accept a submitted request before it is overdue for acceptance (1-99)" },
	{ NULL, NULL, NULL },
};

static const struct setting_def *find_def(const char *key)
{
	for (int i = 0; setting_defs[i].key; i++)
		if (strcmp(setting_defs[i].key, key) == 0)
			return &setting_defs[i];
	return NULL;
}

char *setting_get(db_t *db, const char *key)
{
	const struct setting_def *d = find_def(key);
	if (d == NULL)
		return NULL;
	db_stmt_t *st = db_prepare(db, "SELECT value FROM settings WHERE key = $1");
	db_bind_text(st, 1, key);
	char *v = db_step(st) == DB_ROW ? strdup(db_col_text(st, 0)) : NULL;
	db_done(st);
	if (v == NULL && strcmp(key, "zone.name") == 0) {
		/* default: the name of the region marked as the zone */
		st = db_prepare(db, "SELECT name FROM regions WHERE is_zone = 1 ORDER BY sort, id LIMIT 1");
		if (st && db_step(st) == DB_ROW)
			v = strdup(db_col_text(st, 0));
		db_done(st);
	}
	return v ? v : strdup(d->dflt);
}

int setting_set(db_t *db, const char *key, const char *value, const char **msg)
{
	if (find_def(key) == NULL) {
		*msg = "unknown setting";
		return -1;
	}
	if (value == NULL || utf8_len(value) > 200 || !utf8_valid(value, strlen(value)) || has_ctl(value)) {
		*msg = "the value must be text of at most 200 characters";
		return -1;
	}
	if (strcmp(key, "report.top_ranks") == 0 || strcmp(key, "push_monthly_cap") == 0 || strcmp(key, "accept_days") == 0) {
		size_t n = strlen(value);
		int lo = strcmp(key, "push_monthly_cap") == 0 ? 0 : 1;
		if (n < 1 || n > 2 || strspn(value, "0123456789") != n || atoi(value) < lo) {
			*msg = lo ? "the value must be a whole number from 1 to 99" : "the value must be a whole number from 0 to 99";
			return -1;
		}
	}
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	db_bind_int(st, 3, now_sec());
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE) {
		*msg = "database error";
		return rc;  /* a DB_ code, < -1 for constraint/busy */
	}
	return 0;
}

void clock_json(json_t *o)
{
	char today[DATE_LEN], now[DATETIME_LEN];
	date_today_str(today);
	datetime_format(now_sec(), now);
	json_object_set_new(o, "today", json_string(today));
	json_object_set_new(o, "now", json_string(now));
}

void api_healthz(req_t *r)
{
	db_stmt_t *st = db_prepare(r->db, "SELECT 1");
	int ok = db_step(st) == DB_ROW;
	db_done(st);
	if (!ok) {
		reply_error(r, 503, "database_unavailable", NULL, "the database does not answer");
		return;
	}
	json_t *o = json_pack("{s:s,s:s}", "status", "ok", "store", db_kind(r->db) == DB_SQLITE ? "sqlite" : "postgresql");
	clock_json(o);
	reply_json(r, 200, o);
}

void api_settings_get(req_t *r)
{
	json_t *o = json_object();
	for (int i = 0; setting_defs[i].key; i++) {
		char *v = setting_get(r->db, setting_defs[i].key);
		json_object_set_new(o, setting_defs[i].key, json_string(v ? v : ""));
		free(v);
	}
	reply_json(r, 200, o);
}

void api_settings_patch(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		if (find_def(k) == NULL) {
			reply_error(r, 422, "unknown_field", k, "unknown setting '%s'", k);
			return;
		}
		if (!json_is_string(v)) {
			reply_error(r, 422, "invalid_type", k, "%s must be a string", k);
			return;
		}
		const char *msg;
		int rc = setting_set(r->db, k, json_string_value(v), &msg);
		if (rc == -1 && strcmp(msg, "database error") != 0) {
			reply_error(r, 422, "invalid", k, "%s: %s", k, msg);
			return;
		}
		if (rc < 0) {
			reply_db_error(r, rc, "saving the setting");
			return;
		}
	}
	r->audit_entity = "settings";
	char *d = json_dumps(o, JSON_COMPACT);
	r->audit_detail = arena_strdup(r->arena, d ? d : "");
	free(d);
	api_settings_get(r);
}

static void simple_list(req_t *r, const char *sql, const char *types)
{
	db_stmt_t *st = db_prepare(r->db, sql);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, row_json(st, types));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing");
		return;
	}
	size_t n = json_array_size(items);
	reply_list(r, items, (int64_t)n, (int64_t)n, 0);
}

void api_units(req_t *r)
{
	simple_list(r, "SELECT id, code, name, name_en, kind FROM units ORDER BY sort, id", "issss");
}

void api_streets(req_t *r)
{
	simple_list(r, "SELECT id, name, name_en FROM streets ORDER BY id", "iss");
}

void api_departments(req_t *r)
{
	simple_list(r, "SELECT id, name, name_en, level, land_bureau FROM departments ORDER BY id", "isssb");
}

/* Read {name, name_en[, level]} of a street or department (the types;
 * ref_check validates the values). */
static int ref_input(req_t *r, const char **name, const char **name_en)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return -1;
	static const char *const fields[] = { "name", "name_en", "level", NULL };
	if (body_unknown_field(r, o, fields))
		return -1;
	*name = NULL;
	*name_en = "";
	if (body_str(r, o, "name", name) < 0 || body_str(r, o, "name_en", name_en) < 0)
		return -1;
	return 0;
}

/* A street's or department's name: required, at most 64 characters (the
 * English one 128).  0, or -1 with err. */
static int ref_check(const char *name, const char *name_en, err_t *err)
{
	if (name == NULL || *name == '\0')
		return err_set(err, 422, "required", "name", "name is required");
	if (utf8_len(name) > 64 || utf8_len(name_en ? name_en : "") > 128)
		return err_set(err, 422, "too_long", utf8_len(name) > 64 ? "name" : "name_en", "the name is too long");
	return 0;
}

/* Step an INSERT ... RETURNING id: 0 with *id, or -1 with err (409 for a
 * name that exists). */
static int insert_id(db_t *db, db_stmt_t *st, int64_t *id, const char *what, err_t *err)
{
	int rc = st ? db_step(st) : DB_ERR;
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_done(st);
	return rc == DB_ROW ? 0 : db_fail(err, db, rc, what);
}

int street_create(db_t *db, const char *name, const char *name_en, int64_t *id, err_t *err)
{
	if (ref_check(name, name_en, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db, "INSERT INTO streets (name, name_en) VALUES ($1, $2) RETURNING id");
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, name_en ? name_en : "");
	return insert_id(db, st, id, "a street with this name", err);
}

int department_create(db_t *db, const char *name, const char *name_en, const char *level, int64_t *id,
                      err_t *err)
{
	if (ref_check(name, name_en, err) < 0)
		return -1;
	if (level == NULL)
		level = "district";
	if (strcmp(level, "district") != 0 && strcmp(level, "city") != 0 && strcmp(level, "province") != 0)
		return err_set(err, 422, "invalid", "level", "level must be district, city or province");
	db_stmt_t *st = db_prepare(db, "INSERT INTO departments (name, name_en, level) VALUES ($1, $2, $3) RETURNING id");
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, name_en ? name_en : "");
	db_bind_text(st, 3, level);
	return insert_id(db, st, id, "a department with this name", err);
}

/* Reply 201 with the new row of a reference list (sql selects it by $1). */
static void reply_created(req_t *r, const char *sql, int64_t id, const char *types, const char *entity)
{
	db_stmt_t *st = db_prepare(r->db, sql);
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	json_t *o = rc == DB_ROW ? row_json(st, types) : NULL;
	db_done(st);
	if (o == NULL) {
		reply_db_error(r, rc == DB_DONE ? DB_ERR : rc, "reading the new record");
		return;
	}
	r->audit_entity = entity;
	reply_json(r, 201, o);
}

void api_streets_create(req_t *r)
{
	const char *name, *name_en;
	if (ref_input(r, &name, &name_en) < 0)
		return;
	int64_t id = 0;
	err_t err;
	if (street_create(r->db, name, name_en, &id, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	reply_created(r, "SELECT id, name, name_en FROM streets WHERE id = $1", id, "iss", "street");
}

void api_departments_create(req_t *r)
{
	const char *name, *name_en, *level = "district";
	if (ref_input(r, &name, &name_en) < 0 || body_str(r, r->json, "level", &level) < 0)
		return;
	int64_t id = 0;
	err_t err;
	if (department_create(r->db, name, name_en, level, &id, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	reply_created(r, "SELECT id, name, name_en, level FROM departments WHERE id = $1", id, "isss", "department");
}

void api_regions(req_t *r)
{
	simple_list(r, "SELECT id, name, name_en, is_zone, sort FROM regions ORDER BY sort, id", "issbi");
}

int region_create(db_t *db, const char *name, const char *name_en, int is_zone, int64_t sort, int64_t *id,
                  err_t *err)
{
	if (name == NULL || *name == '\0' || utf8_len(name) > 64)
		return err_set(err, 422, name == NULL || *name == '\0' ? "required" : "too_long", "name",
		               "name is required, at most 64 characters");
	if (is_zone && db_int1(db, "SELECT count(*) FROM regions WHERE is_zone = 1", 0, 0, NULL) > 0)
		return err_set(err, 409, "conflict", "is_zone", "another region is already the zone");
	db_stmt_t *st = db_prepare(db, "INSERT INTO regions (name, name_en, is_zone, sort) VALUES ($1, $2, $3, $4)"
	                               " RETURNING id");
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, name_en ? name_en : "");
	db_bind_int(st, 3, is_zone != 0);
	db_bind_int(st, 4, sort);
	return insert_id(db, st, id, "a region with this name", err);
}

/* A region of the city's statistics (the zone or a peer district). */
void api_regions_create(req_t *r)
{
	const char *name, *name_en;
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "name", "name_en", "is_zone", "sort", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	int is_zone = 0;
	int64_t sort = 0;
	name = NULL;
	name_en = "";
	if (body_str(r, o, "name", &name) < 0 || body_str(r, o, "name_en", &name_en) < 0 ||
	    body_bool(r, o, "is_zone", &is_zone) < 0 || body_int(r, o, "sort", &sort) < 0)
		return;
	int64_t id = 0;
	err_t err;
	if (region_create(r->db, name, name_en, is_zone, sort, &id, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	reply_created(r, "SELECT id, name, name_en, is_zone, sort FROM regions WHERE id = $1", id, "issbi", "region");
}

static int64_t count1(db_t *db, const char *sql)
{
	return db_int1(db, sql, 0, 0, NULL);
}

void api_summary(req_t *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "enterprises", json_integer(count1(r->db, "SELECT count(*) FROM enterprises")));
	json_object_set_new(o, "key_enterprises", json_integer(count1(r->db, "SELECT count(*) FROM enterprises WHERE is_key = 1")));
	json_object_set_new(o, "projects", json_integer(count1(r->db, "SELECT count(*) FROM projects")));
	json_object_set_new(o, "major_projects",
	                    json_integer(count1(r->db, "SELECT count(*) FROM projects WHERE total_investment_wan >= 100000")));
	json_object_set_new(o, "officers", json_integer(count1(r->db, "SELECT count(*) FROM users WHERE role = 'officer'")));
	json_object_set_new(o, "users", json_integer(count1(r->db, "SELECT count(*) FROM users")));
	db_stmt_t *st = db_prepare(r->db,
		"SELECT stage, count(*) AS count, sum(total_investment_wan) AS total_investment_wan FROM projects GROUP BY stage");
	json_t *by = json_array();
	while (db_step(st) == DB_ROW)
		json_array_append_new(by, row_json(st, "sii"));
	db_done(st);
	json_object_set_new(o, "projects_by_stage", by);
	reply_json(r, 200, o);
}
