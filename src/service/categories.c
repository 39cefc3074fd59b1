/*
 * categories.c -- request categories (诉求分类) and their time limits: the
 * class a category belongs to (A/B/C: working days, or months), the
 * categories API, and the due-date calculator GET /api/v1/calendar/due
 * that counts a category's limit on the working-day calendar.
 */
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int category_limit(db_t *db, const char *code, int *months, int *workdays)
{
	*months = *workdays = 0;
	db_stmt_t *st = db_prepare(db,
		"SELECT c.limit_days, t.months, t.working_days FROM request_categories c"
		" LEFT JOIN time_limit_classes t ON t.code = c.limit_class WHERE c.code = $1");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, code);
	int rc = db_step(st);
	int found = 0;
	if (rc == DB_ROW) {
		found = 1;
		if (!db_col_isnull(st, 1) && (db_col_int(st, 1) > 0 || db_col_int(st, 2) > 0)) {
			*months = (int)db_col_int(st, 1);
			*workdays = *months > 0 ? 0 : (int)db_col_int(st, 2);
		} else {
			*workdays = (int)db_col_int(st, 0);
		}
	}
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	return found;
}

/* ---- categories ---- */

#define CAT_SELECT \
	"SELECT c.code, c.name, c.name_en, c.limit_class, c.limit_days, COALESCE(t.months, 0) AS months," \
	" CASE WHEN c.limit_class IS NULL THEN c.limit_days ELSE COALESCE(t.working_days, 0) END AS working_days," \
	" c.sort FROM request_categories c LEFT JOIN time_limit_classes t ON t.code = c.limit_class"

static json_t *cat_json(db_stmt_t *st)
{
	json_t *o = row_json(st, "ssssiiii");
	int64_t months = db_col_int(st, 5), wd = db_col_int(st, 6);
	char zh[32], en[40];
	if (months > 0) {
		snprintf(zh, sizeof zh, "%lld个月", (long long)months);
		snprintf(en, sizeof en, "%lld month%s", (long long)months, months > 1 ? "s" : "");
	} else {
		snprintf(zh, sizeof zh, "%lld个工作日", (long long)wd);
		snprintf(en, sizeof en, "%lld working days", (long long)wd);
	}
	json_object_set_new(o, "limit_text", json_string(zh));
	json_object_set_new(o, "limit_text_en", json_string(en));
	return o;
}

void api_request_categories(req_t *r)
{
	db_stmt_t *st = db_prepare(r->db, CAT_SELECT " ORDER BY c.sort, c.code");
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, cat_json(st));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing categories");
		return;
	}
	json_t *classes = json_array();
	st = db_prepare(r->db, "SELECT code, name, name_en, months, working_days FROM time_limit_classes ORDER BY code");
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(classes, row_json(st, "sssii"));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		json_decref(classes);
		reply_db_error(r, rc, "listing time-limit classes");
		return;
	}
	json_int_t n = (json_int_t)json_array_size(items);
	reply_json(r, 200, json_pack("{s:o,s:I,s:I,s:I,s:o}", "items", items, "total", n, "limit", n, "offset",
	                             (json_int_t)0, "classes", classes));
}

void api_request_category_update(req_t *r)
{
	const char *code = r->nparams ? r->params[0] : "";
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "name", "name_en", "limit_class", "limit_days", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	db_stmt_t *st = db_prepare(r->db, "SELECT count(*) FROM request_categories WHERE code = $1");
	db_bind_text(st, 1, code);
	int rc = db_step(st);
	int found = rc == DB_ROW && db_col_int(st, 0) > 0;
	db_done(st);
	if (rc != DB_ROW) {
		reply_db_error(r, rc, "reading the category");
		return;
	}
	if (!found) {
		reply_error(r, 404, "not_found", "code", "no request category '%.40s'", code);
		return;
	}
	const char *name = NULL, *name_en = NULL, *cls = NULL;
	int64_t days = 0;
	int has_days;
	if (body_str(r, o, "name", &name) < 0 || body_str(r, o, "name_en", &name_en) < 0 ||
	    body_str(r, o, "limit_class", &cls) < 0 || (has_days = body_int(r, o, "limit_days", &days)) < 0)
		return;
	if (cls && has_days) {
		reply_error(r, 422, "invalid", "limit_days", "give either limit_class or limit_days, not both");
		return;
	}
	if (name && (*name == '\0' || !text_ok(name, 32, 0))) {
		reply_error(r, 422, *name ? "invalid" : "required", "name", "the name is one line of 1 to 32 characters");
		return;
	}
	if (name_en && !text_ok(name_en, 64, 0)) {
		reply_error(r, 422, "invalid", "name_en", "the English name is one line of at most 64 characters");
		return;
	}
	if (has_days && (days < 1 || days > 365)) {
		reply_error(r, 422, "invalid", "limit_days", "limit_days is a number of working days from 1 to 365");
		return;
	}
	if (cls) {
		st = db_prepare(r->db, "SELECT count(*) FROM time_limit_classes WHERE code = $1");
		db_bind_text(st, 1, cls);
		rc = db_step(st);
		found = rc == DB_ROW && db_col_int(st, 0) > 0;
		db_done(st);
		if (rc != DB_ROW) {
			reply_db_error(r, rc, "reading the class");
			return;
		}
		if (!found) {
			reply_error(r, 422, "invalid", "limit_class", "no time-limit class '%.20s' (A, B or C)", cls);
			return;
		}
	}
	rc = DB_DONE;
	if (name) {
		st = db_prepare(r->db, "UPDATE request_categories SET name = $2 WHERE code = $1");
		db_bind_text(st, 1, code);
		db_bind_text(st, 2, name);
		rc = db_step(st);
		db_done(st);
	}
	if (name_en && rc == DB_DONE) {
		st = db_prepare(r->db, "UPDATE request_categories SET name_en = $2 WHERE code = $1");
		db_bind_text(st, 1, code);
		db_bind_text(st, 2, name_en);
		rc = db_step(st);
		db_done(st);
	}
	if ((cls || has_days) && rc == DB_DONE) {
		st = db_prepare(r->db, "UPDATE request_categories SET limit_class = $2, limit_days = $3 WHERE code = $1");
		db_bind_text(st, 1, code);
		db_bind_text(st, 2, cls);
		db_bind_int(st, 3, cls ? 0 : days);
		rc = db_step(st);
		db_done(st);
	}
	if (rc != DB_DONE) {
		reply_db_error(r, rc, "saving the category");
		return;
	}
	st = db_prepare(r->db, CAT_SELECT " WHERE c.code = $1");
	db_bind_text(st, 1, code);
	json_t *out = db_step(st) == DB_ROW ? cat_json(st) : NULL;
	db_done(st);
	if (out == NULL) {
		reply_db_error(r, DB_ERR, "reading the category");
		return;
	}
	r->audit_entity = "request_category";
	r->audit_id = arena_strdup(r->arena, code);
	char *dump = json_dumps(o, JSON_COMPACT);
	r->audit_detail = arena_strdup(r->arena, dump ? dump : "");
	free(dump);
	reply_json(r, 200, out);
}

void api_calendar_due(req_t *r)
{
	char today[11];
	date_today_str(today);
	const char *from = req_query(r, "from");
	if (from == NULL || *from == '\0')
		from = today;
	else if (date_parse(from, NULL) < 0) {
		reply_error(r, 422, "invalid_parameter", "from", "from must be a date (YYYY-MM-DD)");
		return;
	}
	const char *days_s = req_query(r, "days"), *cat = req_query(r, "category");
	int has_days = days_s && *days_s, has_cat = cat && *cat;
	if (has_days && has_cat) {
		reply_error(r, 422, "invalid_parameter", "category", "give either days or category, not both");
		return;
	}
	if (!has_days && !has_cat) {
		reply_error(r, 422, "required", "days", "days (working days) or category (a request category code) is required");
		return;
	}
	int months = 0, workdays = 0;
	if (has_days) {
		int64_t n;
		if (req_query_int(r, "days", 0, 0, 1000, &n) < 0)
			return;
		workdays = (int)n;
	} else {
		int found = category_limit(r->db, cat, &months, &workdays);
		if (found < 0) {
			reply_db_error(r, DB_ERR, "reading the category");
			return;
		}
		if (found == 0) {
			reply_error(r, 422, "invalid_parameter", "category", "no request category '%s'", cat);
			return;
		}
	}
	char due[11];
	int provisional = 0;
	if (calendar_due(r->db, from, months, workdays, due, &provisional) < 0) {
		reply_db_error(r, DB_ERR, "reading the calendar");
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "from", json_string(from));
	if (has_cat)
		json_object_set_new(o, "category", json_string(cat));
	json_object_set_new(o, "days", json_integer(workdays));
	json_object_set_new(o, "months", json_integer(months));
	json_object_set_new(o, "due_on", json_string(due));
	json_object_set_new(o, "provisional", json_boolean(provisional));
	reply_json(r, 200, o);
}
