/*
 * policies.c -- policies in versions: validation, storage, publishing and
 * the policy as JSON (with its rule in plain language).  A published
 * version is never edited: a change makes a new draft version of the same
 * code.  HTTP lives in policy_api.c.
 */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "http/http.h"

#define POLICY_COLUMNS \
	"SELECT id, code, version, name, summary, tags, condition, benefit, cases, state, created_at," \
	" published_at, plans FROM policies"

static json_t *load_json_text(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);
	return j ? j : json_array();
}

int policy_load(db_t *db, arena_t *a, int64_t id, struct policy *p, err_t *err)
{
	memset(p, 0, sizeof *p);
	db_stmt_t *st = db_prepare(db, POLICY_COLUMNS " WHERE id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the policy");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		p->id = db_col_int(st, 0);
		p->code = arena_strdup(a, db_col_text(st, 1));
		p->version = (int)db_col_int(st, 2);
		p->name = arena_strdup(a, db_col_text(st, 3));
		p->summary = arena_strdup(a, db_col_text(st, 4));
		p->tags = load_json_text(db_col_text(st, 5));
		p->condition = arena_strdup(a, db_col_text(st, 6));
		p->benefit = arena_strdup(a, db_col_text(st, 7));
		p->cases = load_json_text(db_col_text(st, 8));
		p->state = arena_strdup(a, db_col_text(st, 9));
		p->created_at = db_col_int(st, 10);
		p->published_at = db_col_isnull(st, 11) ? 0 : db_col_int(st, 11);
		p->plans = load_json_text(db_col_text(st, 12));
	}
	db_done(st);
	if (rc == DB_DONE)
		return err_set(err, 404, "not_found", NULL, "no policy %lld", (long long)id);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "reading the policy");
	return 0;
}

int64_t policy_published_id(db_t *db, const char *code)
{
	const char *params[] = { code };
	return db_int1(db, "SELECT id FROM policies WHERE code = $1 AND state = 'published'", 0, 1, params);
}

void policy_clear(struct policy *p)
{
	json_decref(p->tags);
	json_decref(p->cases);
	json_decref(p->plans);
	p->tags = p->cases = p->plans = NULL;
}

int policy_rules_compile(db_t *db, arena_t *a, const char *condition, const char *benefit,
                         struct policy_rules *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (fact_defs_load(db, a, &out->facts, err) < 0)
		return -1;
	out->cond = rule_parse(condition, RULE_CONDITION, &out->facts, "condition", err);
	if (out->cond == NULL)
		return -1;
	out->ben = rule_parse(benefit, RULE_BENEFIT, &out->facts, "benefit", err);
	if (out->ben == NULL) {
		policy_rules_free(out);
		return -1;
	}
	return 0;
}

void policy_rules_free(struct policy_rules *pr)
{
	rule_free(pr->cond);
	rule_free(pr->ben);
	pr->cond = pr->ben = NULL;
}

/* ---- validation ---- */

static int text_field(const char *s, const char *field, size_t max, int multiline, int required, err_t *err)
{
	if (s == NULL || *s == '\0') {
		if (required)
			return err_set(err, 422, "required", field, "%s is required", field);
		return 0;
	}
	if (!text_ok(s, max, multiline)) {
		err_set(err, 422, "invalid", field, "%s must be text of at most %zu characters", field, max);
		return err_param(err, "max", "%zu", max);
	}
	return 0;
}

static int code_ok(const char *code, err_t *err)
{
	if (code == NULL || *code == '\0')
		return err_set(err, 422, "required", "code", "code is required");
	size_t n = strlen(code);
	if (n > POLICY_CODE_MAX ||
	    strspn(code, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
		err_set(err, 422, "invalid", "code", "code is 1 to %d letters, digits, '.', '_' or '-'", POLICY_CODE_MAX);
		return err_param(err, "max", "%d", POLICY_CODE_MAX);
	}
	return 0;
}

static int tags_ok(const json_t *tags, err_t *err)
{
	if (tags == NULL)
		return 0;
	if (!json_is_array(tags) || json_array_size(tags) > POLICY_TAGS_MAX) {
		err_set(err, 422, "invalid", "tags", "tags is a list of at most %d texts", POLICY_TAGS_MAX);
		return err_param(err, "max", "%d", POLICY_TAGS_MAX);
	}
	for (size_t i = 0; i < json_array_size(tags); i++) {
		const json_t *t = json_array_get(tags, i);
		const char *s = json_string_value(t);
		if (s == NULL || text_is_blank(s) || !text_ok(s, POLICY_TAG_MAX, 0)) {
			err_set(err, 422, "invalid", "tags", "a tag is a text of 1 to %d characters", POLICY_TAG_MAX);
			return err_param(err, "index", "%zu", i);
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(json_string_value(json_array_get(tags, k)), s) == 0) {
				err_set(err, 422, "duplicate", "tags", "tag '%s' is given twice", s);
				return err_param(err, "tag", "%s", s);
			}
	}
	return 0;
}

/* The plan categories a policy serves: names of plan_categories, each once
 * (an unknown one: 422 unknown_category, field plans[i]). */
static int plans_ok(db_t *db, const json_t *plans, err_t *err)
{
	static const char *const fields[POLICY_PLANS_MAX] = { "plans[0]", "plans[1]", "plans[2]", "plans[3]",
		"plans[4]", "plans[5]", "plans[6]", "plans[7]", "plans[8]", "plans[9]" };
	if (plans == NULL)
		return 0;
	if (!json_is_array(plans) || json_array_size(plans) > POLICY_PLANS_MAX) {
		err_set(err, 422, "invalid", "plans", "plans is a list of at most %d plan categories", POLICY_PLANS_MAX);
		return err_param(err, "max", "%d", POLICY_PLANS_MAX);
	}
	for (size_t i = 0; i < json_array_size(plans); i++) {
		const char *s = json_string_value(json_array_get(plans, i));
		if (s == NULL)
			return err_set(err, 422, "invalid_type", fields[i], "a plan category is a text");
		const char *params[] = { s };
		int64_t n = db_int1(db, "SELECT count(*) FROM plan_categories WHERE name = $1", -1, 1, params);
		if (n < 0)
			return db_fail(err, db, DB_ERR, "reading the plan categories");
		if (n == 0) {
			err_set(err, 422, "unknown_category", fields[i], "no plan category '%s'", s);
			return err_param(err, "value", "%s", s);
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(json_string_value(json_array_get(plans, k)), s) == 0) {
				err_set(err, 422, "duplicate", fields[i], "plan category '%s' is given twice", s);
				return err_param(err, "value", "%s", s);
			}
	}
	return 0;
}

/* The complete policy in (every field present) checked, rules parsed. */
static int policy_check(db_t *db, arena_t *a, const struct policy_in *in, err_t *err)
{
	if (code_ok(in->code, err) < 0 || text_field(in->name, "name", POLICY_NAME_MAX, 0, 1, err) < 0 ||
	    text_field(in->summary, "summary", POLICY_SUMMARY_MAX, 1, 0, err) < 0 || tags_ok(in->tags, err) < 0 ||
	    plans_ok(db, in->plans, err) < 0 || policy_cases_check(in->cases, err) < 0)
		return -1;
	if (in->condition == NULL || text_is_blank(in->condition))
		return err_set(err, 422, "required", "condition", "condition is required");
	if (in->benefit == NULL || text_is_blank(in->benefit))
		return err_set(err, 422, "required", "benefit", "benefit is required");
	struct policy_rules pr;
	if (policy_rules_compile(db, a, in->condition, in->benefit, &pr, err) < 0)
		return -1;
	policy_rules_free(&pr);
	return 0;
}

static char *dump(const json_t *j)
{
	return j ? json_dumps(j, JSON_COMPACT) : NULL;
}

/* Insert version of in (checked) as a draft. */
static int insert_version(db_t *db, const struct policy_in *in, int version, int64_t actor, int64_t now,
                          int64_t *id, err_t *err)
{
	char *tags = dump(in->tags), *cases = dump(in->cases), *plans = dump(in->plans);
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO policies (code, version, name, summary, tags, condition, benefit, cases, state,"
		" created_by, created_at, plans) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $11) RETURNING id");
	int rc = DB_ERR;
	if (st) {
		db_bind_text(st, 1, in->code);
		db_bind_int(st, 2, version);
		db_bind_text(st, 3, in->name);
		db_bind_text(st, 4, in->summary ? in->summary : "");
		db_bind_text(st, 5, tags ? tags : "[]");
		db_bind_text(st, 6, in->condition);
		db_bind_text(st, 7, in->benefit);
		db_bind_text(st, 8, cases ? cases : "[]");
		if (actor > 0)
			db_bind_int(st, 9, actor);
		else
			db_bind_null(st, 9);
		db_bind_int(st, 10, now);
		db_bind_text(st, 11, plans ? plans : "[]");
		rc = db_step(st);
		if (rc == DB_ROW)
			*id = db_col_int(st, 0);
		db_done(st);
	}
	free(tags);
	free(cases);
	free(plans);
	if (rc == DB_CONSTRAINT) {
		err_set(err, 409, "code_taken", "code", "a policy with code '%s' exists", in->code);
		return err_param(err, "code", "%s", in->code);
	}
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "saving the policy");
	return 0;
}

int policy_create(db_t *db, arena_t *a, const struct policy_in *in, int64_t actor, int64_t now, int64_t *id,
                  err_t *err)
{
	if (policy_check(db, a, in, err) < 0)
		return -1;
	return insert_version(db, in, 1, actor, now, id, err);
}

int policy_update(db_t *db, arena_t *a, int64_t id, const struct policy_in *in, int64_t actor, int64_t now,
                  int64_t *out_id, err_t *err)
{
	struct policy p;
	if (policy_load(db, a, id, &p, err) < 0)
		return -1;
	int rc = -1;
	if (in->code && strcmp(in->code, p.code) != 0) {
		err_set(err, 422, "invalid", "code", "the code of a policy does not change");
		goto out;
	}
	int draft = strcmp(p.state, "draft") == 0;
	if (!draft && strcmp(p.state, "published") != 0) {
		err_set(err, 409, "not_editable", NULL, "a %s version is not edited; change the published one", p.state);
		err_param(err, "state", "%s", p.state);
		goto out;
	}
	struct policy_in m = {
		.code = p.code, .name = in->name ? in->name : p.name, .summary = in->summary ? in->summary : p.summary,
		.condition = in->condition ? in->condition : p.condition, .benefit = in->benefit ? in->benefit : p.benefit,
		.tags = in->tags ? in->tags : p.tags, .cases = in->cases ? in->cases : p.cases,
		.plans = in->plans ? in->plans : p.plans,
	};
	if (policy_check(db, a, &m, err) < 0)
		goto out;
	if (!draft) {
		const char *params[] = { p.code };
		int64_t last = db_int1(db, "SELECT max(version) FROM policies WHERE code = $1", -1, 1, params);
		if (last < 0) {
			db_fail(err, db, DB_ERR, "reading the versions");
			goto out;
		}
		rc = insert_version(db, &m, (int)last + 1, actor, now, out_id, err);
		goto out;
	}
	char *tags = dump(m.tags), *cases = dump(m.cases), *plans = dump(m.plans);
	db_stmt_t *st = db_prepare(db,
		"UPDATE policies SET name = $2, summary = $3, tags = $4, condition = $5, benefit = $6, cases = $7,"
		" plans = $8 WHERE id = $1 AND state = 'draft'");
	int drc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, id);
		db_bind_text(st, 2, m.name);
		db_bind_text(st, 3, m.summary ? m.summary : "");
		db_bind_text(st, 4, tags ? tags : "[]");
		db_bind_text(st, 5, m.condition);
		db_bind_text(st, 6, m.benefit);
		db_bind_text(st, 7, cases ? cases : "[]");
		db_bind_text(st, 8, plans ? plans : "[]");
		drc = db_step(st);
		db_done(st);
	}
	free(tags);
	free(cases);
	free(plans);
	if (drc != DB_DONE) {
		db_fail(err, db, drc, "saving the policy");
		goto out;
	}
	*out_id = id;
	rc = 0;
out:
	policy_clear(&p);
	return rc;
}

int policy_publish(db_t *db, arena_t *a, int64_t id, int64_t now, json_t **report, err_t *err)
{
	*report = NULL;
	struct policy p;
	if (policy_load(db, a, id, &p, err) < 0)
		return -1;
	int rc = -1;
	struct policy_rules pr = { 0 };
	if (strcmp(p.state, "draft") != 0) {
		err_set(err, 409, "not_draft", NULL, "only a draft is published; this version is %s", p.state);
		err_param(err, "state", "%s", p.state);
		goto out;
	}
	if (policy_rules_compile(db, a, p.condition, p.benefit, &pr, err) < 0)
		goto out;
	int failed = 0;
	*report = policy_cases_run(&pr, p.cases, a, &failed);
	if (failed > 0) {
		err_set(err, 422, "cases_failed", "cases", "%d of the policy's cases fail", failed);
		err_param(err, "failed", "%d", failed);
		goto out;
	}
	db_stmt_t *st = db_prepare(db, "UPDATE policies SET state = 'superseded' WHERE code = $1 AND state = 'published'");
	int src = DB_ERR;
	if (st) {
		db_bind_text(st, 1, p.code);
		src = db_step(st);
		db_done(st);
	}
	if (src == DB_DONE && (st = db_prepare(db, "UPDATE policies SET state = 'published', published_at = $2"
	                                           " WHERE id = $1 AND state = 'draft'")) != NULL) {
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, now);
		src = db_step(st);
		db_done(st);
	} else if (src == DB_DONE) {
		src = DB_ERR;
	}
	if (src != DB_DONE) {
		db_fail(err, db, src, "publishing the policy");
		goto out;
	}
	rc = 0;
out:
	policy_rules_free(&pr);
	policy_clear(&p);
	return rc;
}

/* ---- JSON ---- */

static json_t *plain_json(const rule_t *cond, const rule_t *ben, const struct rule_facts *facts)
{
	json_t *o = json_object();
	static const char *const langs[] = { "zh", "en" };
	for (int l = 0; l < 2; l++) {
		json_t *t = json_object();
		const rule_t *rules[] = { cond, ben };
		static const char *const keys[] = { "condition", "benefit" };
		for (int k = 0; k < 2; k++) {
			buf_t b;
			buf_init(&b);
			if (rules[k] && rule_to_text(rules[k], -1, (enum rule_lang)l, facts, 0, &b) == 0)
				json_object_set_new(t, keys[k], json_string(b.data ? b.data : ""));
			else
				json_object_set_new(t, keys[k], json_null());
			buf_free(&b);
		}
		json_object_set_new(o, langs[l], t);
	}
	return o;
}

static json_t *versions_json(db_t *db, const char *code, int published_only)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT id, version, state, created_at, published_at FROM policies WHERE code = $1"
		" AND (CAST($2 AS BIGINT) = 0 OR state IN ('published', 'superseded')) ORDER BY version");
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, code);
	db_bind_int(st, 2, published_only);
	json_t *a = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(a, row_json(st, "iisii"));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(a);
		return NULL;
	}
	return a;
}

json_t *policy_json(db_t *db, arena_t *a, const struct policy *p, int full, int published_only,
                    const struct rule_facts *facts)
{
	json_t *o = json_pack("{s:I,s:s,s:i,s:s,s:s,s:O,s:s,s:s,s:s,s:I}", "id", (json_int_t)p->id, "code", p->code,
	                      "version", p->version, "name", p->name, "summary", p->summary, "tags", p->tags,
	                      "condition", p->condition, "benefit", p->benefit, "state", p->state, "created_at",
	                      (json_int_t)p->created_at);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "published_at", p->published_at ? json_integer(p->published_at) : json_null());
	json_object_set_new(o, "plans", p->plans ? json_incref(p->plans) : json_array());
	err_t e;
	rule_t *cond = rule_parse(p->condition, RULE_CONDITION, facts, "condition", &e);
	rule_t *ben = rule_parse(p->benefit, RULE_BENEFIT, facts, "benefit", &e);
	json_object_set_new(o, "plain", plain_json(cond, ben, facts));
	rule_free(cond);
	rule_free(ben);
	(void)a;
	if (full) {
		json_t *v = versions_json(db, p->code, published_only);
		if (v == NULL) {
			json_decref(o);
			return NULL;
		}
		json_object_set(o, "cases", p->cases);
		json_object_set_new(o, "versions", v);
	}
	return o;
}
