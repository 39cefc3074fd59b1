/*
 * policy_api.c -- the HTTP handlers of the policy library: list, read,
 * create, change (a new version of a published policy), publish, test,
 * match, explain and the statistics.  They parse the request into the
 * domain's input, call policies.c / cases.c / match.c and answer; which
 * roles reach them is the route table's (routes.c).  An enterprise sees
 * only published versions.
 */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "http/http.h"

/* ---- shared ---- */

/* Reply with e; a rule's error also gets its column beside its line
 * ({"error":{"code":"syntax","field":"condition","line":2,"column":13,...}}),
 * and extra (stolen, may be NULL) is set into the error under key. */
static void reply_policy_err(req_t *r, const err_t *e, const char *key, json_t *extra)
{
	if (e->status < 400 || e->status >= 500) {
		json_decref(extra);
		reply_err(r, e);
		return;
	}
	json_t *o = err_json(e);
	const char *col = err_get_param(e, "column");
	if (col && e->field && (strcmp(e->field, "condition") == 0 || strcmp(e->field, "benefit") == 0))
		json_object_set_new(o, "column", json_integer(atoi(col)));
	if (extra)
		json_object_set_new(o, key, extra);
	reply_json(r, e->status, json_pack("{s:o}", "error", o));
}

static int is_enterprise(const req_t *r)
{
	return r->user && r->user->role_bit == ROLE_ENTERPRISE;
}

/* Load the policy of path parameter 0 as r's caller may see it (an
 * enterprise: published only); 0, or -1 after replying. */
static int load_visible(req_t *r, struct policy *p)
{
	err_t e;
	if (policy_load(r->db, r->arena, req_param_id(r, 0), p, &e) < 0) {
		reply_err(r, &e);
		return -1;
	}
	if (is_enterprise(r) && strcmp(p->state, "published") != 0) {
		policy_clear(p);
		reply_error(r, 404, "not_found", NULL, "no policy %lld", (long long)req_param_id(r, 0));
		return -1;
	}
	return 0;
}

static int load_facts(req_t *r, struct rule_facts *facts)
{
	err_t e;
	if (fact_defs_load(r->db, r->arena, facts, &e) < 0) {
		reply_err(r, &e);
		return -1;
	}
	return 0;
}

/* Answer the policy version id (status 200 or 201). */
static void reply_policy(req_t *r, int status, int64_t id)
{
	struct policy p;
	struct rule_facts facts;
	err_t e;
	if (load_facts(r, &facts) < 0)
		return;
	if (policy_load(r->db, r->arena, id, &p, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	json_t *o = policy_json(r->db, r->arena, &p, 1, is_enterprise(r), &facts);
	policy_clear(&p);
	if (o == NULL) {
		reply_db_error(r, DB_ERR, "reading the policy");
		return;
	}
	reply_json(r, status, o);
}

/* The year of ?year= (default: this year in zone time); 0 after replying. */
static int query_year(req_t *r)
{
	int y;
	date_to_civil(date_today(), &y, NULL, NULL);
	int64_t year;
	if (req_query_int(r, "year", y, 1900, 2199, &year) < 0)
		return 0;
	return (int)year;
}

/* {"year"} of a body, or 0 after replying. */
static int body_year(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return 0;
	static const char *const fields[] = { "year", NULL };
	int64_t year = 0;
	if (body_unknown_field(r, o, fields) || body_int(r, o, "year", &year) < 0)
		return 0;
	if (year < 1900 || year > 2199) {
		reply_error(r, 422, year ? "invalid" : "required", "year", "year is from 1900 to 2199");
		return 0;
	}
	return (int)year;
}

static void audit(req_t *r, const char *entity, int64_t id)
{
	r->audit_entity = entity;
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
}

/* ---- list, read ---- */

static int tag_in(const json_t *tags, const char *tag)
{
	size_t i;
	const json_t *t;
	json_array_foreach(tags, i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), tag) == 0)
			return 1;
	return 0;
}

static void count_tags(json_t *counts, const json_t *tags)
{
	size_t i;
	const json_t *t;
	json_array_foreach(tags, i, t) {
		const char *s = json_string_value(t);
		json_t *c = s ? json_object_get(counts, s) : NULL;
		if (s)
			json_object_set_new(counts, s, json_integer(c ? json_integer_value(c) + 1 : 1));
	}
}

static json_t *tags_list(json_t *counts)
{
	json_t *a = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(counts, k, v)
		json_array_append_new(a, json_pack("{s:s,s:O}", "tag", k, "count", v));
	json_decref(counts);
	return a;
}

void api_policies_list(req_t *r)
{
	const char *q = like_pattern(r, req_query(r, "q")), *tag = req_query(r, "tag"), *state = req_query(r, "state");
	if (state && *state == '\0')
		state = NULL;
	if (is_enterprise(r))
		state = "published";
	static const char *const states[] = { "draft", "published", "superseded", "withdrawn" };
	int known = state == NULL;
	for (int i = 0; i < 4 && state; i++)
		known |= strcmp(state, states[i]) == 0;
	if (!known) {
		reply_error(r, 422, "invalid_parameter", "state", "state is draft, published, superseded or withdrawn");
		return;
	}
	struct rule_facts facts;
	if (load_facts(r, &facts) < 0)
		return;
	/* without a state: each code's newest version */
	db_stmt_t *st = db_prepare(r->db,
		"SELECT id FROM policies p WHERE (CAST($1 AS TEXT) IS NULL OR p.state = $1)"
		" AND (CAST($1 AS TEXT) IS NOT NULL OR p.version = (SELECT max(v.version) FROM policies v WHERE v.code = p.code))"
		" AND (CAST($2 AS TEXT) IS NULL OR lower(p.code) LIKE lower($2) ESCAPE '\\' OR lower(p.name) LIKE lower($2)"
		" ESCAPE '\\' OR lower(p.summary) LIKE lower($2) ESCAPE '\\' OR lower(p.tags) LIKE lower($2) ESCAPE '\\')"
		" ORDER BY p.code, p.version DESC LIMIT 1000");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "listing the policies");
		return;
	}
	db_bind_text(st, 1, state);
	db_bind_text(st, 2, q);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			int64_t *t = arena_alloc(r->arena, cap * sizeof *t);
			if (n)
				memcpy(t, ids, n * sizeof *t);
			ids = t;
		}
		ids[n++] = db_col_int(st, 0);
	}
	db_done(st);
	if (rc != DB_DONE) {
		reply_db_error(r, rc, "listing the policies");
		return;
	}
	json_t *items = json_array(), *counts = json_object();
	for (size_t k = 0; k < n; k++) {
		struct policy p;
		err_t e;
		if (policy_load(r->db, r->arena, ids[k], &p, &e) < 0) {
			json_decref(items);
			json_decref(counts);
			reply_err(r, &e);
			return;
		}
		count_tags(counts, p.tags);
		if (tag == NULL || *tag == '\0' || tag_in(p.tags, tag))
			json_array_append_new(items, policy_json(r->db, r->arena, &p, 0, 0, &facts));
		policy_clear(&p);
	}
	reply_json(r, 200, json_pack("{s:o,s:o}", "items", items, "tags", tags_list(counts)));
}

void api_policy_get(req_t *r)
{
	struct policy p;
	if (load_visible(r, &p) < 0)
		return;
	int64_t id = p.id;
	policy_clear(&p);
	reply_policy(r, 200, id);
}

/* ---- create, change, publish ---- */

/* The body as a policy_in; 0, or -1 after replying. */
static int policy_body(req_t *r, struct policy_in *in)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return -1;
	static const char *const fields[] = { "code", "name", "summary", "condition", "benefit", "tags", "cases",
	                                      "plans", NULL };
	if (body_unknown_field(r, o, fields))
		return -1;
	memset(in, 0, sizeof *in);
	if (body_str(r, o, "code", &in->code) < 0 || body_str(r, o, "name", &in->name) < 0 ||
	    body_str(r, o, "summary", &in->summary) < 0)
		return -1;
	/* the rules as written: an error's column counts from their first character */
	static const char *const rules[] = { "condition", "benefit" };
	const char **outs[] = { &in->condition, &in->benefit };
	for (int i = 0; i < 2; i++) {
		json_t *v = json_object_get(o, rules[i]);
		if (v && !json_is_null(v) && !json_is_string(v)) {
			reply_error(r, 422, "invalid_type", rules[i], "%s must be a string", rules[i]);
			return -1;
		}
		*outs[i] = json_string_value(v);
	}
	json_t *tags = json_object_get(o, "tags"), *cases = json_object_get(o, "cases");
	in->tags = json_is_null(tags) ? NULL : tags;
	in->cases = json_is_null(cases) ? NULL : cases;
	json_t *plans = json_object_get(o, "plans");
	in->plans = json_is_null(plans) ? NULL : plans;
	return 0;
}

void api_policies_create(req_t *r)
{
	struct policy_in in;
	if (policy_body(r, &in) < 0)
		return;
	int64_t id = 0;
	err_t e;
	if (policy_create(r->db, r->arena, &in, r->user->id, now_sec(), &id, &e) < 0) {
		reply_policy_err(r, &e, NULL, NULL);
		return;
	}
	audit(r, "policy", id);
	reply_policy(r, 201, id);
}

void api_policy_update(req_t *r)
{
	struct policy_in in;
	if (policy_body(r, &in) < 0)
		return;
	int64_t id = req_param_id(r, 0), out = 0;
	err_t e;
	if (policy_update(r->db, r->arena, id, &in, r->user->id, now_sec(), &out, &e) < 0) {
		reply_policy_err(r, &e, NULL, NULL);
		return;
	}
	audit(r, "policy", out);
	reply_policy(r, out == id ? 200 : 201, out);
}

void api_policy_publish(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *report = NULL;
	err_t e;
	if (policy_publish(r->db, r->arena, id, now_sec(), &report, &e) < 0) {
		json_t *failing = NULL;
		if (report) {
			failing = json_array();
			size_t i;
			json_t *c;
			json_array_foreach(json_object_get(report, "cases"), i, c)
				if (!json_is_true(json_object_get(c, "ok")))
					json_array_append(failing, c);
		}
		json_decref(report);
		reply_policy_err(r, &e, "cases", failing);
		return;
	}
	json_decref(report);
	audit(r, "policy", id);
	reply_policy(r, 200, id);
}

/* POST /api/v1/policies/{id}/test: the stored cases, or with a body the
 * unsaved condition, benefit and cases it gives (the editor's "run"). */
void api_policy_test(req_t *r)
{
	struct policy_in in = { 0 };
	if (r->json && policy_body(r, &in) < 0)
		return;
	struct policy p;
	if (load_visible(r, &p) < 0)
		return;
	struct policy_rules pr;
	err_t e;
	const json_t *cases = in.cases ? in.cases : p.cases;
	if (policy_cases_check(cases, &e) < 0 ||
	    policy_rules_compile(r->db, r->arena, in.condition ? in.condition : p.condition,
	                         in.benefit ? in.benefit : p.benefit, &pr, &e) < 0) {
		policy_clear(&p);
		reply_policy_err(r, &e, NULL, NULL);
		return;
	}
	int failed;
	json_t *out = policy_cases_run(&pr, cases, r->arena, &failed);
	policy_rules_free(&pr);
	policy_clear(&p);
	reply_json(r, 200, out);
}

/* ---- match, explain ---- */

/* Compile the policy of path parameter 0 for a match; 0 or -1 after replying. */
static int compile_visible(req_t *r, struct policy *p, struct policy_rules *pr)
{
	if (load_visible(r, p) < 0)
		return -1;
	err_t e;
	if (policy_rules_compile(r->db, r->arena, p->condition, p->benefit, pr, &e) < 0) {
		policy_clear(p);
		reply_policy_err(r, &e, NULL, NULL);
		return -1;
	}
	return 0;
}

static json_t *ent_json(const struct policy_match *m, size_t i)
{
	return json_pack("{s:I,s:s,s:s}", "enterprise_id", (json_int_t)m->ents[i].id, "credit_code",
	                 m->codes ? m->codes[i] : "", "name", m->names ? m->names[i] : "");
}

static json_t *match_json(const struct policy_match *m, arena_t *a)
{
	json_t *el = json_array(), *un = json_array(), *near = json_array();
	struct rule_result *cond = arena_alloc(a, sizeof *cond), *ben = arena_alloc(a, sizeof *ben);
	for (size_t i = 0; i < m->n; i++) {
		const struct match_ent *e = &m->ents[i];
		if (e->result == RULE_FALSE && e->near < 0)
			continue;
		policy_match_explain(m, i, a, cond, ben);
		json_t *o = ent_json(m, i);
		if (e->result == RULE_TRUE) {
			json_object_set_new(o, "amount", json_decimal(policy_match_amount(m, i)));
			json_object_set_new(o, "clauses", policy_clauses_json(cond));
			json_array_append_new(el, o);
		} else if (e->result == RULE_UNKNOWN) {
			json_object_set_new(o, "missing", policy_missing_json(cond, ben));
			json_array_append_new(un, o);
		} else {
			json_t *all = policy_clauses_json(cond);
			json_object_set(o, "clause", json_array_get(all, (size_t)e->near));
			json_decref(all);
			json_array_append_new(near, o);
		}
	}
	struct rule_num total;
	rule_num_round(m->total, 2, &total);
	return json_pack("{s:i,s:o,s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:o}}", "year", m->year, "eligible", el, "unknown", un,
	                 "near", near, "totals", "eligible", (json_int_t)m->eligible, "unknown", (json_int_t)m->unknown,
	                 "near", (json_int_t)m->near, "not_eligible", (json_int_t)m->not_eligible, "enterprises",
	                 (json_int_t)m->n, "amount", json_decimal(total));
}

void api_policy_match(req_t *r)
{
	int year = query_year(r);
	if (year == 0)
		return;
	struct policy p;
	struct policy_rules pr;
	if (compile_visible(r, &p, &pr) < 0)
		return;
	struct policy_match m;
	err_t e;
	if (policy_match_run(r->db, &pr, year, 1, 0, &m, &e) < 0)
		reply_err(r, &e);
	else
		reply_json(r, 200, match_json(&m, r->arena));
	policy_match_free(&m);
	policy_rules_free(&pr);
	policy_clear(&p);
}

void api_policy_explain(req_t *r)
{
	int year = query_year(r);
	int64_t ent = 0;
	if (year == 0 || req_query_id(r, "enterprise_id", &ent) < 0)
		return;
	if (ent == 0) {
		reply_error(r, 422, "required", "enterprise_id", "enterprise_id is required");
		return;
	}
	struct policy p;
	struct policy_rules pr;
	if (compile_visible(r, &p, &pr) < 0)
		return;
	struct policy_match m;
	err_t e;
	if (policy_match_run(r->db, &pr, year, 1, ent, &m, &e) < 0) {
		reply_err(r, &e);
	} else if (m.n == 0) {
		reply_error(r, 404, "not_found", "enterprise_id", "no enterprise %lld", (long long)ent);
	} else {
		struct rule_result *cond = arena_alloc(r->arena, sizeof *cond), *ben = arena_alloc(r->arena, sizeof *ben);
		policy_match_explain(&m, 0, r->arena, cond, ben);
		int result = m.ents[0].result;
		json_t *o = ent_json(&m, 0);
		json_object_set_new(o, "year", json_integer(year));
		json_object_set_new(o, "result", result == RULE_UNKNOWN ? json_null() : json_boolean(result == RULE_TRUE));
		json_object_set_new(o, "amount", result == RULE_TRUE ? json_decimal(policy_match_amount(&m, 0)) : json_null());
		json_object_set_new(o, "text", json_string(cond->text ? cond->text : ""));
		json_object_set_new(o, "value", json_string(cond->value ? cond->value : ""));
		json_object_set_new(o, "clauses", policy_clauses_json(cond));
		json_object_set_new(o, "missing", policy_missing_json(cond, ben));
		json_object_set_new(o, "near", m.ents[0].near >= 0 ? json_integer(m.ents[0].near) : json_null());
		reply_json(r, 200, o);
	}
	policy_match_free(&m);
	policy_rules_free(&pr);
	policy_clear(&p);
}

void api_policies_stats(req_t *r)
{
	int64_t year;
	if (req_query_int(r, "year", 0, 0, 2199, &year) < 0)
		return;
	err_t e;
	json_t *o = policy_stats_json(r->db, (int)year, &e);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, 200, o);
}

/* ---- push ---- */

void api_policy_push(req_t *r)
{
	int year = body_year(r);
	if (year == 0)
		return;
	struct push_result pr;
	err_t e;
	int64_t id = req_param_id(r, 0);
	if (policy_push(r->db, r->arena, id, year, now_sec(), &pr, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "policy", id);
	reply_json(r, 200, json_pack("{s:I,s:I,s:I,s:I,s:I}", "pushed", (json_int_t)pr.pushed, "skipped_muted",
	                             (json_int_t)pr.skipped_muted, "skipped_cap", (json_int_t)pr.skipped_cap,
	                             "skipped_already", (json_int_t)pr.skipped_already, "with_plan",
	                             (json_int_t)pr.with_plan));
}
