/*
 * visits.c -- 企业大走访: an officer or a department records a visit to an
 * enterprise (date, people met, notes) and the problems raised, each of
 * which becomes a tracked request (source "visit", visit_id set) in the
 * same transaction.
 *
 * Who (the route table says which roles record and read visits): officers
 * record visits only to the enterprises they serve; departments to any
 * enterprise (the visit is theirs: department_id is their own, and so is
 * the department of the requests it raises, so that they can follow
 * them); leaders and admins to any.  Reading: leaders, admins and
 * statisticians see every visit, officers the visits to their enterprises
 * and their own, departments their department's.
 *
 * visit_create() is the domain function (the API and the demo call it);
 * the handlers below parse, scope and answer.
 */
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	json_t *plans = visit_plans_json(r->db, id);
	if (plans == NULL) {
		json_decref(o);
		*err = 1;
		return NULL;
	}
	json_object_set_new(o, "plans", plans);
	return o;
}

void api_visit_get(req_t *r)
{
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


/* ---- recording a visit ---- */

/* The visit's own fields, when it took place (not after today). */
static int check_visit(const struct visit_in *v, int64_t now, err_t *err)
{
	if (v->enterprise_id <= 0)
		return err_set(err, 422, "required", "enterprise_id", "enterprise_id is required");
	if (v->visited_on == NULL || *v->visited_on == '\0')
		return err_set(err, 422, "required", "visited_on", "visited_on (the date of the visit) is required");
	if (date_parse(v->visited_on, NULL) < 0)
		return err_set(err, 422, "invalid_date", "visited_on", "visited_on must be a date (YYYY-MM-DD)");
	char today[DATE_LEN];
	date_format(date_of_unix(now), today);
	if (strcmp(v->visited_on, today) > 0) {
		err_set(err, 422, "invalid_date", "visited_on", "a visit is recorded after it took place (today is %s)", today);
		return err_param(err, "today", "%s", today);
	}
	if (!text_ok(v->people_met, VISIT_PEOPLE_MAX, 1)) {
		err_set(err, 422, "invalid", "people_met", "people_met is text of at most %d characters", VISIT_PEOPLE_MAX);
		return err_param(err, "max", "%d", VISIT_PEOPLE_MAX);
	}
	if (!text_ok(v->notes, VISIT_NOTES_MAX, 1)) {
		err_set(err, 422, "invalid", "notes", "notes are text of at most %d characters", VISIT_NOTES_MAX);
		return err_param(err, "max", "%d", VISIT_NOTES_MAX);
	}
	if (v->nproblems > VISIT_MAX_PROBLEMS) {
		err_set(err, 422, "invalid", "problems", "at most %d problems per visit", VISIT_MAX_PROBLEMS);
		return err_param(err, "max", "%d", VISIT_MAX_PROBLEMS);
	}
	return 0;
}

/* May u visit the enterprise, and whose department is the visit's?
 * *dept is the department (0 none).  0, or -1 with err. */
static int check_visitor(db_t *db, const user_t *u, const struct visit_in *v, int64_t *dept, err_t *err)
{
	int64_t officer = enterprise_officer(db, v->enterprise_id, err);
	if (officer < 0)
		return -1;
	if (u->role_bit == ROLE_OFFICER && officer != u->id)
		return err_set(err, 403, "forbidden", "enterprise_id", "an officer records visits only to the enterprises it serves");
	if (u->role_bit == ROLE_DEPARTMENT && !enterprise_in_scope(db, u, v->enterprise_id))
		return err_set(err, 403, "forbidden", "enterprise_id",
		               "a street's office records visits only to the enterprises of its street");
	*dept = v->department_id;
	if (u->role_bit == ROLE_DEPARTMENT) {
		if (u->department_id <= 0)
			return err_set(err, 403, "forbidden", NULL, "this account is not linked to a department");
		if (*dept && *dept != u->department_id)
			return err_set(err, 422, "invalid", "department_id", "a department account records its own department's visits");
		*dept = u->department_id;
	}
	return *dept ? department_known(db, *dept, err) : 0;
}

static int check_plans(db_t *db, const struct visit_in *v, int64_t now, err_t *err);

/* Raise problem i of the visit as a request. */
static int raise_problem(db_t *db, const user_t *u, const struct visit_in *v, size_t i, int64_t vid, int64_t dept,
                         int64_t now, err_t *err)
{
	const struct request_in *p = &v->problems[i];
	struct request_in in = {
		.kind = "request",
		.enterprise_id = v->enterprise_id,
		.category = p->category,
		.title = p->title,
		.description = p->description,
		.source = "visit",
		.visit_id = vid,
		.department_id = u->role_bit == ROLE_DEPARTMENT ? dept : 0,
	};
	int64_t rid;
	err_t pe;
	if (request_create(db, u, &in, now, &rid, &pe) == 0)
		return 0;
	err_set(err, pe.status, pe.code, pe.field, "problem %zu: %.300s", i + 1, pe.message);
	for (int k = 0; k < pe.nparams; k++)
		err_param(err, pe.params[k].name, "%s", pe.params[k].value);
	return err_param(err, "problem", "%zu", i);
}

int visit_create(db_t *db, const user_t *actor, const struct visit_in *v, int64_t now, int64_t *id, err_t *err)
{
	int64_t dept = 0;
	if (check_visit(v, now, err) < 0 || check_visitor(db, actor, v, &dept, err) < 0 ||
	    check_plans(db, v, now, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO visits (enterprise_id, visited_on, visitor_id, department_id, people_met, notes, created_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the visit");
	db_bind_int(st, 1, v->enterprise_id);
	db_bind_text(st, 2, v->visited_on);
	db_bind_int(st, 3, actor->id);
	dept ? db_bind_int(st, 4, dept) : db_bind_null(st, 4);
	db_bind_text(st, 5, v->people_met ? v->people_met : "");
	db_bind_text(st, 6, v->notes ? v->notes : "");
	db_bind_int(st, 7, now);
	int rc = db_step(st);
	int64_t vid = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "saving the visit");
	for (size_t i = 0; i < v->nproblems; i++)
		if (raise_problem(db, actor, v, i, vid, dept, now, err) < 0)
			return -1;
	for (size_t i = 0; i < v->nplans; i++) {
		v->plans[i].visit_id = vid;
		int64_t pid;
		if (plan_insert(db, actor, v->enterprise_id, &v->plans[i], now, &pid, err) < 0)
			return -1;
	}
	*id = vid;
	return 0;
}

/* Check the visit's plans; an error names the plan's index (parameter
 * "plan") as a problem's does. */
static int check_plans(db_t *db, const struct visit_in *v, int64_t now, err_t *err)
{
	if (v->nplans > VISIT_MAX_PLANS) {
		err_set(err, 422, "invalid", "plans", "at most %d plans per visit", VISIT_MAX_PLANS);
		return err_param(err, "max", "%d", VISIT_MAX_PLANS);
	}
	for (size_t i = 0; i < v->nplans; i++)
		if (plan_check(db, &v->plans[i], now, err) < 0)
			return err_param(err, "plan", "%zu", i);
	return 0;
}

/* The problems of a visit's body: an array of at most VISIT_MAX_PROBLEMS
 * objects {category, title, description} of strings.  0 with *out (in the
 * arena) and *n, or -1 after replying 422. */
static int parse_problems(req_t *r, json_t *problems, struct request_in **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (problems == NULL || json_is_null(problems))
		return 0;
	if (!json_is_array(problems) || json_array_size(problems) > VISIT_MAX_PROBLEMS) {
		reply_error(r, 422, "invalid_type", "problems", "problems is an array of at most %d {category, title, description}",
		            VISIT_MAX_PROBLEMS);
		return -1;
	}
	static const char *const pfields[] = { "category", "title", "description", NULL };
	size_t np = json_array_size(problems);
	struct request_in *ps = arena_alloc(r->arena, (np ? np : 1) * sizeof *ps);
	for (size_t i = 0; i < np; i++) {
		json_t *p = json_array_get(problems, i);
		if (!json_is_object(p)) {
			reply_error(r, 422, "invalid_type", arena_printf(r->arena, "problems[%zu]", i),
			            "each problem is an object {category, title, description}");
			return -1;
		}
		const char *k;
		json_t *val;
		json_object_foreach(p, k, val) {
			int known = 0;
			for (int j = 0; pfields[j]; j++)
				known |= strcmp(k, pfields[j]) == 0;
			const char *at = arena_printf(r->arena, "problems[%zu].%s", i, k);
			if (!known) {
				reply_error(r, 422, "unknown_field", at, "unknown field '%s'", k);
				return -1;
			}
			if (!json_is_string(val) && !json_is_null(val)) {
				reply_error(r, 422, "invalid_type", at, "%s must be a string", k);
				return -1;
			}
		}
		/* strings now: trimmed copies as for the other fields */
		if (body_str(r, p, "category", &ps[i].category) < 0 || body_str(r, p, "title", &ps[i].title) < 0 ||
		    body_str(r, p, "description", &ps[i].description) < 0)
			return -1;
	}
	*out = ps;
	*n = np;
	return 0;
}

/* The plans of a visit's body: an array of at most VISIT_MAX_PLANS plan
 * objects (plan_body).  0 with *out and *n, or -1 after replying. */
static int parse_plans(req_t *r, json_t *plans, struct plan_in **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (plans == NULL || json_is_null(plans))
		return 0;
	if (!json_is_array(plans) || json_array_size(plans) > VISIT_MAX_PLANS) {
		reply_error(r, 422, "invalid_type", "plans", "plans is an array of at most %d plans", VISIT_MAX_PLANS);
		return -1;
	}
	size_t np = json_array_size(plans);
	struct plan_in *ps = arena_alloc(r->arena, (np ? np : 1) * sizeof *ps);
	for (size_t i = 0; i < np; i++) {
		json_t *p = json_array_get(plans, i);
		if (!json_is_object(p)) {
			reply_error(r, 422, "invalid_type", arena_printf(r->arena, "plans[%zu]", i), "each plan is an object");
			return -1;
		}
		const char *k;
		json_t *val;
		json_object_foreach(p, k, val) {
			int known = strcmp(k, "visit_id") != 0;   /* a visit's plan is the visit's */
			for (int j = 0; known && plan_fields[j] && strcmp(k, plan_fields[j]) != 0; j++)
				known = plan_fields[j + 1] != NULL;
			if (!known) {
				reply_error(r, 422, "unknown_field", arena_printf(r->arena, "plans[%zu].%s", i, k),
				            "unknown field '%s'", k);
				return -1;
			}
		}
		if (plan_body(r, p, &ps[i]) < 0)
			return -1;
	}
	*out = ps;
	*n = np;
	return 0;
}

void api_visits_create(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "enterprise_id", "visited_on", "people_met", "notes", "department_id",
	                                      "problems", "plans", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	struct visit_in v = { .people_met = "", .notes = "" };
	struct request_in *problems;
	if (body_int(r, o, "enterprise_id", &v.enterprise_id) < 0 || body_str(r, o, "visited_on", &v.visited_on) < 0 ||
	    body_str(r, o, "people_met", &v.people_met) < 0 || body_str(r, o, "notes", &v.notes) < 0 ||
	    body_int(r, o, "department_id", &v.department_id) < 0 ||
	    parse_problems(r, json_object_get(o, "problems"), &problems, &v.nproblems) < 0 ||
	    parse_plans(r, json_object_get(o, "plans"), &v.plans, &v.nplans) < 0)
		return;
	v.problems = problems;
	int64_t vid = 0;
	err_t e;
	if (visit_create(r->db, r->user, &v, now_sec(), &vid, &e) < 0) {
		const char *i = err_get_param(&e, "problem"), *pl = err_get_param(&e, "plan");
		if (i && e.field)
			e.field = arena_printf(r->arena, "problems[%s].%s", i, e.field);
		else if (pl && e.field)
			e.field = arena_printf(r->arena, "plans[%s].%s", pl, e.field);
		reply_err(r, &e);
		return;
	}
	int err = 0;
	json_t *out = visit_json(r, vid, &err);
	if (out == NULL) {
		reply_db_error(r, DB_ERR, "reading the visit back");
		return;
	}
	r->audit_entity = "visit";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)vid);
	r->audit_detail = arena_printf(r->arena, "{\"enterprise_id\":%lld,\"problems\":%zu,\"plans\":%zu}",
	                               (long long)v.enterprise_id, v.nproblems, v.nplans);
	reply_json(r, 201, out);
}
