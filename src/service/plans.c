/*
 * plans.c -- 一企一档: what an enterprise plans (技术改造, 产品升级, 科技创新,
 * 企业上市, 市场拓展, 人才引进 and the categories an admin adds), each with a
 * description, a horizon (this year, 1-3 years), the year, an amount in 万元
 * where it applies and the visit that learnt it.
 *
 * Who: the staff who may edit the enterprise (admins, leaders, its
 * officer: the rule of PATCH /enterprises/{id}) and the enterprise itself
 * (its own only; another's is 404).  Any officer reads any enterprise's
 * plans, as it reads the registry.  A visit records plans through
 * visit_create() under the visit's own rules.
 *
 * The domain functions take the acting user and the time, fill an err_t
 * and return -1; the handlers below parse and answer.  The policy push
 * (src/policy/push.c) reads enterprise_plans with its own SQL: the layers
 * keep policy from including this module.
 */
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- categories ---- */

/* 1 when name is a category, 0 not, -1 database error. */
static int category_known(db_t *db, const char *name)
{
	const char *p[] = { name };
	return (int)db_int1(db, "SELECT count(*) FROM plan_categories WHERE name = $1", -1, 1, p);
}

json_t *plan_categories_json(db_t *db)
{
	return rows_json_by_id(db, "SELECT name, name_en, sort FROM plan_categories WHERE CAST($1 AS BIGINT) = 0"
	                           " ORDER BY sort, name", 0, "ssi");
}

int plan_category_add(db_t *db, const char *name, const char *name_en, int64_t sort, err_t *err)
{
	if (text_is_blank(name))
		return err_set(err, 422, "required", "name", "name is required");
	if (!text_ok(name, PLAN_CATEGORY_MAX, 0)) {
		err_set(err, 422, "invalid", "name", "name is text of at most %d characters", PLAN_CATEGORY_MAX);
		return err_param(err, "max", "%d", PLAN_CATEGORY_MAX);
	}
	if (!text_ok(name_en, PLAN_CATEGORY_EN_MAX, 0)) {
		err_set(err, 422, "invalid", "name_en", "name_en is text of at most %d characters", PLAN_CATEGORY_EN_MAX);
		return err_param(err, "max", "%d", PLAN_CATEGORY_EN_MAX);
	}
	int known = category_known(db, name);
	if (known < 0)
		return db_fail(err, db, DB_ERR, "reading the plan categories");
	if (known) {
		err_set(err, 422, "duplicate", "name", "plan category '%s' exists", name);
		return err_param(err, "value", "%s", name);
	}
	if (sort < 0) {
		const char *none[] = { NULL };
		sort = db_int1(db, "SELECT coalesce(max(sort), 0) + 1 FROM plan_categories WHERE CAST($1 AS TEXT) IS NULL",
		               1, 1, none);
	}
	db_stmt_t *st = db_prepare(db, "INSERT INTO plan_categories (name, name_en, sort) VALUES ($1, $2, $3)");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the plan category");
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, name_en ? name_en : "");
	db_bind_int(st, 3, sort);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving the plan category");
}

/* ---- who ---- */

int plans_may_read(const user_t *u, int64_t ent, err_t *err)
{
	if (u->role_bit == ROLE_ENTERPRISE && u->enterprise_id != ent)
		return err_set(err, 404, "not_found", "id", "no such enterprise");
	return 0;
}

int plans_may_edit(db_t *db, const user_t *u, int64_t ent, err_t *err)
{
	if (plans_may_read(u, ent, err) < 0)
		return -1;
	int64_t officer = enterprise_officer(db, ent, err);
	if (officer < 0) {
		if (err->status == 422)
			err_set(err, 404, "not_found", "id", "no such enterprise");
		return -1;
	}
	switch (u->role_bit) {
	case ROLE_ADMIN: case ROLE_LEADER: case ROLE_ENTERPRISE:
		return 0;
	case ROLE_OFFICER:
		if (officer == u->id)
			return 0;
		return err_set(err, 403, "forbidden", NULL, "an officer edits only the plans of the enterprises it serves");
	default:
		return err_set(err, 403, "forbidden", NULL, "this role does not edit enterprises' plans");
	}
}

/* ---- one plan ---- */

/* The years a plan may name: [this year - 1, this year + 5]. */
static void year_bounds(int64_t now, int *lo, int *hi)
{
	int y;
	date_to_civil(date_of_unix(now), &y, NULL, NULL);
	*lo = y - 1;
	*hi = y + 5;
}

int plan_check(db_t *db, struct plan_in *p, int64_t now, err_t *err)
{
	if (text_is_blank(p->category))
		return err_set(err, 422, "required", "category", "category is required");
	int known = category_known(db, p->category);
	if (known < 0)
		return db_fail(err, db, DB_ERR, "reading the plan categories");
	if (!known) {
		err_set(err, 422, "unknown_category", "category", "no plan category '%s'", p->category);
		return err_param(err, "value", "%s", p->category);
	}
	if (!text_ok(p->description, PLAN_DESCRIPTION_MAX, 1)) {
		err_set(err, 422, "invalid", "description", "description is text of at most %d characters",
		        PLAN_DESCRIPTION_MAX);
		return err_param(err, "max", "%d", PLAN_DESCRIPTION_MAX);
	}
	if (p->horizon == NULL || (strcmp(p->horizon, "this_year") != 0 && strcmp(p->horizon, "1_3_years") != 0)) {
		err_set(err, 422, "invalid", "horizon", "horizon is this_year or 1_3_years");
		return err_param(err, "value", "%s", p->horizon ? p->horizon : "");
	}
	int lo, hi;
	year_bounds(now, &lo, &hi);
	if (p->year == 0)
		p->year = strcmp(p->horizon, "this_year") == 0 ? lo + 1 : lo + 2;
	if (p->year < lo || p->year > hi) {
		err_set(err, 422, "invalid_year", "year", "year is %d to %d", lo, hi);
		err_param(err, "value", "%lld", (long long)p->year);
		err_param(err, "min", "%d", lo);
		return err_param(err, "max", "%d", hi);
	}
	if (p->has_amount && p->amount_wan < 0) {
		err_set(err, 422, "negative_amount", "amount_wan", "amount_wan cannot be negative");
		return err_param(err, "value", "%lld", (long long)p->amount_wan);
	}
	return 0;
}

int plan_insert(db_t *db, const user_t *actor, int64_t ent, const struct plan_in *p, int64_t now, int64_t *id,
                err_t *err)
{
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO enterprise_plans (enterprise_id, category, description, horizon, year, amount_wan, visit_id,"
		" created_by, updated_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $9)"
		" RETURNING id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the plan");
	db_bind_int(st, 1, ent);
	db_bind_text(st, 2, p->category);
	db_bind_text(st, 3, p->description ? p->description : "");
	db_bind_text(st, 4, p->horizon);
	db_bind_int(st, 5, p->year);
	p->has_amount ? db_bind_int(st, 6, p->amount_wan) : db_bind_null(st, 6);
	p->visit_id > 0 ? db_bind_int(st, 7, p->visit_id) : db_bind_null(st, 7);
	actor && actor->id > 0 ? db_bind_int(st, 8, actor->id) : db_bind_null(st, 8);
	db_bind_int(st, 9, now);
	int rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_done(st);
	return rc == DB_ROW ? 0 : db_fail(err, db, rc, "saving the plan");
}

/* A visit given with a plan must be a visit to that enterprise. */
static int visit_of(db_t *db, int64_t ent, int64_t visit, err_t *err)
{
	if (visit <= 0)
		return 0;
	const char *p[2];
	char a[24], b[24];
	snprintf(a, sizeof a, "%lld", (long long)visit);
	snprintf(b, sizeof b, "%lld", (long long)ent);
	p[0] = a;
	p[1] = b;
	int64_t n = db_int1(db, "SELECT count(*) FROM visits WHERE id = CAST($1 AS BIGINT) AND enterprise_id = CAST($2 AS BIGINT)",
	                    -1, 2, p);
	if (n < 0)
		return db_fail(err, db, DB_ERR, "reading the visit");
	if (n == 0) {
		err_set(err, 422, "invalid", "visit_id", "visit %lld is not a visit to this enterprise", (long long)visit);
		return err_param(err, "value", "%lld", (long long)visit);
	}
	return 0;
}

int plan_add(db_t *db, const user_t *actor, int64_t ent, struct plan_in *p, int64_t now, int64_t *id, err_t *err)
{
	if (plans_may_edit(db, actor, ent, err) < 0 || plan_check(db, p, now, err) < 0 ||
	    visit_of(db, ent, p->visit_id, err) < 0)
		return -1;
	return plan_insert(db, actor, ent, p, now, id, err);
}

/* Load plan id of enterprise ent into *p (strings in a).  0, -1 with err
 * (404 when it is not ent's plan). */
static int plan_load(db_t *db, arena_t *a, int64_t ent, int64_t id, struct plan_in *p, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT category, description, horizon, year, amount_wan, visit_id"
	                               " FROM enterprise_plans WHERE id = $1 AND enterprise_id = $2");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the plan");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, ent);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		memset(p, 0, sizeof *p);
		p->category = arena_strdup(a, db_col_text(st, 0));
		p->description = arena_strdup(a, db_col_text(st, 1));
		p->horizon = arena_strdup(a, db_col_text(st, 2));
		p->year = db_col_int(st, 3);
		p->has_amount = !db_col_isnull(st, 4);
		p->amount_wan = db_col_int(st, 4);
		p->visit_id = db_col_isnull(st, 5) ? 0 : db_col_int(st, 5);
	}
	db_done(st);
	if (rc == DB_DONE)
		return err_set(err, 404, "not_found", "plan_id", "no such plan");
	return rc == DB_ROW ? 0 : db_fail(err, db, rc, "reading the plan");
}

int plan_change(db_t *db, arena_t *a, const user_t *actor, int64_t ent, int64_t id, const struct plan_in *in,
                int64_t now, err_t *err)
{
	struct plan_in p;
	if (plans_may_edit(db, actor, ent, err) < 0 || plan_load(db, a, ent, id, &p, err) < 0)
		return -1;
	if (in->has & PLAN_F_CATEGORY)
		p.category = in->category;
	if (in->has & PLAN_F_DESCRIPTION)
		p.description = in->description;
	if (in->has & PLAN_F_HORIZON)
		p.horizon = in->horizon;
	if (in->has & PLAN_F_YEAR)
		p.year = in->year;
	if (in->has & PLAN_F_AMOUNT) {
		p.has_amount = in->has_amount;
		p.amount_wan = in->amount_wan;
	}
	if (plan_check(db, &p, now, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"UPDATE enterprise_plans SET category = $3, description = $4, horizon = $5, year = $6, amount_wan = $7,"
		" updated_by = $8, updated_at = $9 WHERE id = $1 AND enterprise_id = $2");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the plan");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, ent);
	db_bind_text(st, 3, p.category);
	db_bind_text(st, 4, p.description ? p.description : "");
	db_bind_text(st, 5, p.horizon);
	db_bind_int(st, 6, p.year);
	p.has_amount ? db_bind_int(st, 7, p.amount_wan) : db_bind_null(st, 7);
	db_bind_int(st, 8, actor->id);
	db_bind_int(st, 9, now);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving the plan");
}

int plan_remove(db_t *db, const user_t *actor, int64_t ent, int64_t id, err_t *err)
{
	if (plans_may_edit(db, actor, ent, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db, "DELETE FROM enterprise_plans WHERE id = $1 AND enterprise_id = $2");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "deleting the plan");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, ent);
	int rc = db_step(st);
	int64_t n = rc == DB_DONE ? db_changes(st) : 0;
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "deleting the plan");
	return n ? 0 : err_set(err, 404, "not_found", "plan_id", "no such plan");
}

/* ---- reading ---- */

#define PLAN_SELECT \
	"SELECT p.id, p.enterprise_id, p.category, c.name_en AS category_en, p.description, p.horizon, p.year," \
	" p.amount_wan, p.visit_id, v.visited_on, p.created_by, u.display_name AS created_by_name, p.created_at," \
	" p.updated_at FROM enterprise_plans p LEFT JOIN plan_categories c ON c.name = p.category" \
	" LEFT JOIN visits v ON v.id = p.visit_id LEFT JOIN users u ON u.id = p.created_by"
#define PLAN_TYPES "iissssiiisisii"

json_t *plans_json(db_t *db, int64_t ent)
{
	return rows_json_by_id(db, PLAN_SELECT " WHERE p.enterprise_id = $1 ORDER BY p.year, c.sort, p.id", ent,
	                       PLAN_TYPES);
}

json_t *visit_plans_json(db_t *db, int64_t visit)
{
	return rows_json_by_id(db, PLAN_SELECT " WHERE p.visit_id = $1 ORDER BY p.id", visit, PLAN_TYPES);
}

static json_t *plan_json(db_t *db, int64_t id)
{
	json_t *a = rows_json_by_id(db, PLAN_SELECT " WHERE p.id = $1", id, PLAN_TYPES);
	json_t *o = a && json_array_size(a) ? json_incref(json_array_get(a, 0)) : NULL;
	json_decref(a);
	return o;
}

/* ---- HTTP ---- */

void api_plan_categories(req_t *r)
{
	json_t *a = plan_categories_json(r->db);
	if (a == NULL) {
		reply_db_error(r, DB_ERR, "reading the plan categories");
		return;
	}
	reply_json(r, 200, json_pack("{s:o}", "items", a));
}

void api_plan_categories_create(req_t *r)
{
	json_t *o = req_object(r);
	static const char *const fields[] = { "name", "name_en", "sort", NULL };
	if (o == NULL || body_unknown_field(r, o, fields))
		return;
	const char *name = NULL, *name_en = "";
	int64_t sort = -1;
	if (body_str(r, o, "name", &name) < 0 || body_str(r, o, "name_en", &name_en) < 0 ||
	    body_int(r, o, "sort", &sort) < 0)
		return;
	err_t e;
	if (plan_category_add(r->db, name, name_en, sort, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	r->audit_entity = "plan_category";
	r->audit_id = name;
	json_t *a = plan_categories_json(r->db);
	reply_json(r, 201, json_pack("{s:o}", "items", a ? a : json_array()));
}

void api_enterprise_plans(req_t *r)
{
	int64_t ent = req_param_id(r, 0);
	err_t e;
	if (plans_may_read(r->user, ent, &e) < 0 || enterprise_officer(r->db, ent, &e) < 0) {
		if (e.status == 422)
			err_set(&e, 404, "not_found", "id", "no such enterprise");
		reply_err(r, &e);
		return;
	}
	json_t *a = plans_json(r->db, ent);
	if (a == NULL) {
		reply_db_error(r, DB_ERR, "reading the plans");
		return;
	}
	reply_json(r, 200, json_pack("{s:o}", "items", a));
}

/* A plan's amount: absent (0), null (1, cleared) or a whole number >= 0
 * (1; the check says negative).  -1 after replying. */
static int body_amount(req_t *r, json_t *o, struct plan_in *p)
{
	json_t *v = json_object_get(o, "amount_wan");
	if (v == NULL)
		return 0;
	if (json_is_null(v)) {
		p->has_amount = 0;
		return 1;
	}
	if (body_int(r, o, "amount_wan", &p->amount_wan) < 0)
		return -1;
	p->has_amount = 1;
	return 1;
}

const char *const plan_fields[] = { "category", "description", "horizon", "year", "amount_wan", "visit_id", NULL };

int plan_body(req_t *r, json_t *o, struct plan_in *p)
{
	if (body_unknown_field(r, o, plan_fields))
		return -1;
	memset(p, 0, sizeof *p);
	int got[5];
	if ((got[0] = body_str(r, o, "category", &p->category)) < 0 ||
	    (got[1] = body_str(r, o, "description", &p->description)) < 0 ||
	    (got[2] = body_str(r, o, "horizon", &p->horizon)) < 0 || (got[3] = body_int(r, o, "year", &p->year)) < 0 ||
	    (got[4] = body_amount(r, o, p)) < 0 || body_int(r, o, "visit_id", &p->visit_id) < 0)
		return -1;
	static const unsigned bits[] = { PLAN_F_CATEGORY, PLAN_F_DESCRIPTION, PLAN_F_HORIZON, PLAN_F_YEAR, PLAN_F_AMOUNT };
	for (int i = 0; i < 5; i++)
		if (got[i] > 0 || (i == 4 && json_object_get(o, "amount_wan")))
			p->has |= bits[i];
	if (p->year == 0 && (p->has & PLAN_F_YEAR)) {
		reply_error(r, 422, "invalid_year", "year", "year must be a year");
		return -1;
	}
	return 0;
}

static void reply_plan(req_t *r, int status, int64_t id)
{
	json_t *o = plan_json(r->db, id);
	if (o == NULL)
		reply_db_error(r, DB_ERR, "reading the plan back");
	else
		reply_json(r, status, o);
}

static void audit_plan(req_t *r, int64_t id)
{
	r->audit_entity = "enterprise_plan";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
}

void api_enterprise_plans_create(req_t *r)
{
	int64_t ent = req_param_id(r, 0), id = 0;
	json_t *o = req_object(r);
	struct plan_in p;
	if (o == NULL || plan_body(r, o, &p) < 0)
		return;
	err_t e;
	if (plan_add(r->db, r->user, ent, &p, now_sec(), &id, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit_plan(r, id);
	reply_plan(r, 201, id);
}

void api_enterprise_plan_update(req_t *r)
{
	int64_t ent = req_param_id(r, 0), id = req_param_id(r, 1);
	json_t *o = req_object(r);
	struct plan_in p;
	if (o == NULL || plan_body(r, o, &p) < 0)
		return;
	err_t e;
	if (plan_change(r->db, r->arena, r->user, ent, id, &p, now_sec(), &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit_plan(r, id);
	reply_plan(r, 200, id);
}

void api_enterprise_plan_delete(req_t *r)
{
	int64_t ent = req_param_id(r, 0), id = req_param_id(r, 1);
	err_t e;
	if (plan_remove(r->db, r->user, ent, id, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit_plan(r, id);
	reply_text(r, 204, NULL, NULL, 0);
}
