/*
 * visits.c -- 企业大走访: an officer or a department records a visit to an
 * enterprise (date, people met, notes) and the problems raised, each of
 * which becomes a tracked request (source "visit", visit_id set) in the
 * same transaction.
 *
 * Who: officers record visits only to the enterprises they serve;
 * departments to any enterprise (the visit is theirs: department_id is
 * their own, and so is the department of the requests it raises, so that
 * they can follow them); leaders and admins to any.  Reading: leaders,
 * admins and statisticians see every visit, officers the visits to their
 * enterprises and their own, departments their department's; recruiters
 * none (403).
 */
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROBLEMS 20


static int may_read(req_t *r)
{
	if (!(r->user->role_bit & (ROLE_ADMIN | ROLE_LEADER | ROLE_STATISTICIAN | ROLE_OFFICER | ROLE_DEPARTMENT))) {
		reply_error(r, 403, "forbidden", NULL, "your role (%s) may not see visits", r->user->role);
		return 0;
	}
	return 1;
}

#define VISIT_SELECT \
	"SELECT v.id, v.enterprise_id, e.name AS enterprise_name, e.credit_code, v.visited_on, v.visitor_id," \
	" u.display_name AS visitor_name, v.department_id, d.name AS department_name, v.people_met, v.notes," \
	" v.created_at, (SELECT count(*) FROM requests q WHERE q.visit_id = v.id) AS request_count" \
	" FROM visits v JOIN enterprises e ON e.id = v.enterprise_id LEFT JOIN users u ON u.id = v.visitor_id" \
	" LEFT JOIN departments d ON d.id = v.department_id"
#define VISIT_TYPES "iisssisisssii"

/* The caller's scope as (officer, department): 0 none, -1 nothing. */
static void scope(const user_t *u, int64_t *officer, int64_t *dept)
{
	*officer = *dept = 0;
	if (u->role_bit == ROLE_OFFICER)
		*officer = u->id;
	else if (u->role_bit == ROLE_DEPARTMENT)
		*dept = u->department_id > 0 ? u->department_id : -1;
}

void api_visits_list(req_t *r)
{
	if (!may_read(r))
		return;
	int64_t limit, offset, ent, visitor, dept;
	if (req_paging(r, &limit, &offset) < 0 || req_query_id(r, "enterprise_id", &ent) < 0 ||
	    req_query_id(r, "visitor_id", &visitor) < 0 || req_query_id(r, "department_id", &dept) < 0)
		return;
	const char *from = req_query(r, "from"), *to = req_query(r, "to");
	if (from && *from == '\0')
		from = NULL;
	if (to && *to == '\0')
		to = NULL;
	if (from && date_parse(from, NULL) < 0) {
		reply_error(r, 422, "invalid_parameter", "from", "from must be a date (YYYY-MM-DD)");
		return;
	}
	if (to && date_parse(to, NULL) < 0) {
		reply_error(r, 422, "invalid_parameter", "to", "to must be a date (YYYY-MM-DD)");
		return;
	}
	int64_t s_off, s_dept;
	scope(r->user, &s_off, &s_dept);
#define VISIT_WHERE \
	" WHERE (CAST($1 AS BIGINT) = 0 OR v.enterprise_id = $1) AND (CAST($2 AS BIGINT) = 0 OR v.visitor_id = $2)" \
	" AND (CAST($3 AS BIGINT) = 0 OR v.department_id = $3)" \
	" AND (CAST($4 AS TEXT) IS NULL OR v.visited_on >= $4) AND (CAST($5 AS TEXT) IS NULL OR v.visited_on <= $5)" \
	" AND (CAST($6 AS BIGINT) = 0 OR e.officer_id = $6 OR v.visitor_id = $6)" \
	" AND (CAST($7 AS BIGINT) = 0 OR v.department_id = $7)"
	db_stmt_t *sts[2];
	sts[0] = db_prepare(r->db, "SELECT count(*) FROM visits v JOIN enterprises e ON e.id = v.enterprise_id" VISIT_WHERE);
	sts[1] = db_prepare(r->db, VISIT_SELECT VISIT_WHERE " ORDER BY v.visited_on DESC, v.id DESC LIMIT $8 OFFSET $9");
	if (sts[0] == NULL || sts[1] == NULL) {
		if (sts[0])
			db_done(sts[0]);
		if (sts[1])
			db_done(sts[1]);
		reply_db_error(r, DB_ERR, "listing visits");
		return;
	}
	for (int i = 0; i < 2; i++) {
		db_bind_int(sts[i], 1, ent);
		db_bind_int(sts[i], 2, visitor);
		db_bind_int(sts[i], 3, dept);
		db_bind_text(sts[i], 4, from);
		db_bind_text(sts[i], 5, to);
		db_bind_int(sts[i], 6, s_off);
		db_bind_int(sts[i], 7, s_dept);
	}
	db_bind_int(sts[1], 8, limit);
	db_bind_int(sts[1], 9, offset);
	int rc = db_step(sts[0]);
	int64_t total = rc == DB_ROW ? db_col_int(sts[0], 0) : 0;
	db_done(sts[0]);
	if (rc != DB_ROW) {
		db_done(sts[1]);
		reply_db_error(r, rc, "counting visits");
		return;
	}
	json_t *items = json_array();
	while ((rc = db_step(sts[1])) == DB_ROW)
		json_array_append_new(items, row_json(sts[1], VISIT_TYPES));
	db_done(sts[1]);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing visits");
		return;
	}
	reply_list(r, items, total, limit, offset);
}

/* The visit with the requests raised during it that the caller may see;
 * NULL when there is no such visit visible to the caller, *err on a
 * database error. */
static json_t *visit_json(req_t *r, int64_t id, int *err)
{
	*err = 0;
	int64_t s_off, s_dept;
	scope(r->user, &s_off, &s_dept);
	db_stmt_t *st = db_prepare(r->db, VISIT_SELECT " WHERE v.id = $1"
	                                  " AND (CAST($2 AS BIGINT) = 0 OR e.officer_id = $2 OR v.visitor_id = $2)"
	                                  " AND (CAST($3 AS BIGINT) = 0 OR v.department_id = $3)");
	if (st == NULL) {
		*err = 1;
		return NULL;
	}
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, s_off);
	db_bind_int(st, 3, s_dept);
	int rc = db_step(st);
	json_t *o = rc == DB_ROW ? row_json(st, VISIT_TYPES) : NULL;
	db_done(st);
	if (rc != DB_ROW) {
		*err = rc != DB_DONE;
		return NULL;
	}
	/* its requests: officers see those of their enterprises, departments
	 * those assigned to them, the others all */
	st = db_prepare(r->db,
		"SELECT q.id, q.category, c.name AS category_name, q.title, q.status, q.department_id,"
		" d.name AS department_name, q.due_on, q.level, q.rating"
		" FROM requests q JOIN enterprises e ON e.id = q.enterprise_id"
		" LEFT JOIN request_categories c ON c.code = q.category LEFT JOIN departments d ON d.id = q.department_id"
		" WHERE q.visit_id = $1 AND (CAST($2 AS BIGINT) = 0 OR e.officer_id = $2)"
		" AND (CAST($3 AS BIGINT) = 0 OR q.department_id = $3) ORDER BY q.id");
	if (st == NULL) {
		json_decref(o);
		*err = 1;
		return NULL;
	}
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, s_off);
	db_bind_int(st, 3, s_dept);
	json_t *reqs = json_array(), *ids = json_array();
	while ((rc = db_step(st)) == DB_ROW) {
		json_array_append_new(reqs, row_json(st, "issssisssi"));
		json_array_append_new(ids, json_integer(db_col_int(st, 0)));
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(reqs);
		json_decref(ids);
		json_decref(o);
		*err = 1;
		return NULL;
	}
	json_object_set_new(o, "requests", reqs);
	json_object_set_new(o, "request_ids", ids);
	return o;
}

void api_visit_get(req_t *r)
{
	if (!may_read(r))
		return;
	int64_t id = req_param_id(r, 0);
	int err = 0;
	json_t *o = id ? visit_json(r, id, &err) : NULL;
	if (err) {
		reply_db_error(r, DB_ERR, "reading the visit");
		return;
	}
	if (o == NULL) {
		reply_error(r, 404, "not_found", "id", "no such visit");
		return;
	}
	reply_json(r, 200, o);
}

void api_visits_create(req_t *r)
{
	const user_t *u = r->user;
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "enterprise_id", "visited_on", "people_met", "notes", "department_id",
	                                      "problems", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	int64_t ent = 0, dept = 0;
	const char *visited_on = NULL, *people = "", *notes = "";
	if (body_int(r, o, "enterprise_id", &ent) < 0 || body_str(r, o, "visited_on", &visited_on) < 0 ||
	    body_str(r, o, "people_met", &people) < 0 || body_str(r, o, "notes", &notes) < 0 ||
	    body_int(r, o, "department_id", &dept) < 0)
		return;
	if (ent <= 0) {
		reply_error(r, 422, "required", "enterprise_id", "enterprise_id is required");
		return;
	}
	if (visited_on == NULL || *visited_on == '\0') {
		reply_error(r, 422, "required", "visited_on", "visited_on (the date of the visit) is required");
		return;
	}
	char today[11];
	date_today_str(today);
	if (date_parse(visited_on, NULL) < 0) {
		reply_error(r, 422, "invalid_date", "visited_on", "visited_on must be a date (YYYY-MM-DD)");
		return;
	}
	if (strcmp(visited_on, today) > 0) {
		reply_error(r, 422, "invalid_date", "visited_on", "a visit is recorded after it took place (today is %s)", today);
		return;
	}
	if (!text_ok(people, 500, 1)) {
		reply_error(r, 422, "invalid", "people_met", "people_met is text of at most 500 characters");
		return;
	}
	if (!text_ok(notes, 4000, 1)) {
		reply_error(r, 422, "invalid", "notes", "notes are text of at most 4000 characters");
		return;
	}
	json_t *problems = json_object_get(o, "problems");
	if (problems && json_is_null(problems))
		problems = NULL;
	if (problems && (!json_is_array(problems) || json_array_size(problems) > MAX_PROBLEMS)) {
		reply_error(r, 422, "invalid_type", "problems", "problems is an array of at most %d {category, title, description}",
		            MAX_PROBLEMS);
		return;
	}
	/* the enterprise, and whether the caller may visit it */
	int64_t officer = -1;
	db_stmt_t *st = db_prepare(r->db, "SELECT officer_id FROM enterprises WHERE id = $1");
	db_bind_int(st, 1, ent);
	int rc = db_step(st);
	if (rc == DB_ROW)
		officer = db_col_isnull(st, 0) ? 0 : db_col_int(st, 0);
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		reply_db_error(r, rc, "reading the enterprise");
		return;
	}
	if (officer < 0) {
		reply_error(r, 422, "invalid", "enterprise_id", "no enterprise %lld", (long long)ent);
		return;
	}
	if (u->role_bit == ROLE_OFFICER && officer != u->id) {
		reply_error(r, 403, "forbidden", "enterprise_id", "an officer records visits only to the enterprises it serves");
		return;
	}
	if (u->role_bit == ROLE_DEPARTMENT) {
		if (u->department_id <= 0) {
			reply_error(r, 403, "forbidden", NULL, "this account is not linked to a department");
			return;
		}
		if (dept && dept != u->department_id) {
			reply_error(r, 422, "invalid", "department_id", "a department account records its own department's visits");
			return;
		}
		dept = u->department_id;
	}
	if (dept) {
		st = db_prepare(r->db, "SELECT count(*) FROM departments WHERE id = $1");
		db_bind_int(st, 1, dept);
		rc = db_step(st);
		int found = rc == DB_ROW && db_col_int(st, 0) > 0;
		db_done(st);
		if (rc != DB_ROW) {
			reply_db_error(r, rc, "reading the department");
			return;
		}
		if (!found) {
			reply_error(r, 422, "invalid", "department_id", "no department %lld", (long long)dept);
			return;
		}
	}
	/* the problems' shape before writing anything */
	size_t np = problems ? json_array_size(problems) : 0;
	static const char *const pfields[] = { "category", "title", "description", NULL };
	for (size_t i = 0; i < np; i++) {
		json_t *p = json_array_get(problems, i);
		if (!json_is_object(p)) {
			reply_error(r, 422, "invalid_type", arena_printf(r->arena, "problems[%zu]", i),
			            "each problem is an object {category, title, description}");
			return;
		}
		const char *k;
		json_t *v;
		json_object_foreach(p, k, v) {
			int ok = 0;
			for (int j = 0; pfields[j]; j++)
				ok |= strcmp(k, pfields[j]) == 0;
			if (!ok) {
				reply_error(r, 422, "unknown_field", arena_printf(r->arena, "problems[%zu].%s", i, k), "unknown field '%s'", k);
				return;
			}
			if (!json_is_string(v) && !json_is_null(v)) {
				reply_error(r, 422, "invalid_type", arena_printf(r->arena, "problems[%zu].%s", i, k), "%s must be a string", k);
				return;
			}
		}
		const char *desc = json_string_value(json_object_get(p, "description"));
		if (desc && utf8_len(desc) > 4000) {
			reply_error(r, 422, "invalid", arena_printf(r->arena, "problems[%zu].description", i),
			            "the description is text of at most 4000 characters");
			return;
		}
	}

	st = db_prepare(r->db,
		"INSERT INTO visits (enterprise_id, visited_on, visitor_id, department_id, people_met, notes, created_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id");
	db_bind_int(st, 1, ent);
	db_bind_text(st, 2, visited_on);
	db_bind_int(st, 3, u->id);
	if (dept)
		db_bind_int(st, 4, dept);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, people);
	db_bind_text(st, 6, notes);
	db_bind_int(st, 7, now_sec());
	rc = db_step(st);
	int64_t vid = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc != DB_ROW) {
		reply_db_error(r, rc, "saving the visit");
		return;
	}
	for (size_t i = 0; i < np; i++) {
		json_t *p = json_array_get(problems, i);
		struct request_in in = {
			.kind = "request",
			.enterprise_id = ent,
			.category = json_string_value(json_object_get(p, "category")),
			.title = json_string_value(json_object_get(p, "title")),
			.description = json_string_value(json_object_get(p, "description")),
			.source = "visit",
			.visit_id = vid,
			.department_id = u->role_bit == ROLE_DEPARTMENT ? dept : 0,
		};
		/* trimmed copies, as body_str gives for the other fields */
		const char **s[] = { &in.category, &in.title, &in.description };
		for (int k = 0; k < 3; k++) {
			if (*s[k] == NULL)
				continue;
			const char *a = *s[k];
			while (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r')
				a++;
			size_t len = strlen(a);
			while (len && (a[len - 1] == ' ' || a[len - 1] == '\t' || a[len - 1] == '\n' || a[len - 1] == '\r'))
				len--;
			*s[k] = arena_strndup(r->arena, a, len);
		}
		err_t fe;
		memset(&fe, 0, sizeof fe);
		int64_t rid = 0;
		if (request_create(r->db, u, &in, &rid, &fe) < 0) {
			if (fe.status >= 500) {
				reply_db_error(r, fe.status == 503 ? DB_BUSY : DB_ERR, "saving a problem");
				return;
			}
			reply_error(r, fe.status, fe.code,
			            fe.field ? arena_printf(r->arena, "problems[%zu].%s", i, fe.field) : NULL, "problem %zu: %s",
			            i + 1, fe.message);
			return;
		}
	}
	int err = 0;
	json_t *out = visit_json(r, vid, &err);
	if (out == NULL) {
		reply_db_error(r, DB_ERR, "reading the visit back");
		return;
	}
	r->audit_entity = "visit";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)vid);
	r->audit_detail = arena_printf(r->arena, "{\"enterprise_id\":%lld,\"problems\":%zu}", (long long)ent, np);
	reply_json(r, 201, out);
}
