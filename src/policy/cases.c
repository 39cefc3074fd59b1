/*
 * cases.c -- a policy's test cases, in the spirit of OpenFisca's tests:
 * facts and registry fields in, the expected result and amount out.  Each
 * case is checked when the policy is saved and run on request and before
 * publishing.
 *
 *   {"name":"large R&D", "year":2025,
 *    "facts":{"rd_spending[2024]":850.5, "revenue[2024]":12000},
 *    "registry":{"industry":"C2710", "street":"东区", "key":true,
 *                "founded_year":2010, "land_mu":35},
 *    "expect":{"result":true, "amount":85.05}}
 *
 * A fact key is "name[YYYY]", or a bare name for the case's year; a value
 * a number (true/false for yes/no facts).  A registry field left out is
 * unknown.  expect.result is true, false or null (unknown); expect.amount,
 * when given, is compared with the amount rounded to 2 decimals.
 */
#include "policy.h"

#include <stdio.h>
#include <string.h>

static int case_fail(err_t *err, size_t index, const char *reason, const char *fmt, const char *what)
{
	err_set(err, 422, "invalid", "cases", fmt, index + 1, what);
	err_param(err, "index", "%zu", index);
	return err_param(err, "reason", "%s", reason);
}

static int known_keys(const json_t *o, const char *const *keys, size_t index, err_t *err)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		int ok = 0;
		for (int i = 0; keys[i]; i++)
			ok |= strcmp(keys[i], k) == 0;
		if (!ok)
			return case_fail(err, index, "unknown_field", "case %zu: unknown field '%.40s'", k);
	}
	return 0;
}

/* A number of a case (a JSON number, a decimal text, true/false). */
static int case_num(const json_t *v, struct rule_num *out)
{
	if (json_is_integer(v)) {
		*out = rule_num_int((int64_t)json_integer_value(v));
		return 0;
	}
	if (json_is_real(v))
		return rule_num_from_double(json_real_value(v), out);
	if (json_is_boolean(v)) {
		*out = rule_num_int(json_is_true(v));
		return 0;
	}
	if (json_is_string(v))
		return rule_num_parse(json_string_value(v), out);
	return -1;
}

/* "name[2024]" or "name": 0 with the name and year (0: the case's). */
static int fact_key(const char *k, char name[RULE_NAME_MAX + 1], int *year)
{
	size_t n = strcspn(k, "[");
	if (n == 0 || n > RULE_NAME_MAX)
		return -1;
	memcpy(name, k, n);
	name[n] = '\0';
	*year = 0;
	if (k[n] == '\0')
		return 0;
	int y, used = 0;
	if (sscanf(k + n, "[%4d]%n", &y, &used) != 1 || k[n + (size_t)used] != '\0' || y < 1900 || y > 2199)
		return -1;
	*year = y;
	return 0;
}

static int check_one(const json_t *c, size_t i, err_t *err)
{
	static const char *const keys[] = { "name", "year", "facts", "registry", "expect", NULL };
	static const char *const reg_keys[] = { "industry", "street", "key", "founded_year", "land_mu", NULL };
	static const char *const exp_keys[] = { "result", "amount", NULL };
	if (!json_is_object(c))
		return case_fail(err, i, "not_object", "case %zu is not an object%s", "");
	if (known_keys(c, keys, i, err) < 0)
		return -1;
	const char *name = json_string_value(json_object_get(c, "name"));
	if (name == NULL || text_is_blank(name) || !text_ok(name, POLICY_NAME_MAX, 0))
		return case_fail(err, i, "name", "case %zu needs a name%s", "");
	json_t *y = json_object_get(c, "year");
	if (!json_is_integer(y) || json_integer_value(y) < 1900 || json_integer_value(y) > 2199)
		return case_fail(err, i, "year", "case %zu needs a year from 1900 to 2199%s", "");
	json_t *facts = json_object_get(c, "facts"), *reg = json_object_get(c, "registry"),
	       *exp = json_object_get(c, "expect");
	if (facts && (!json_is_object(facts) || json_object_size(facts) > POLICY_CASE_FACTS_MAX))
		return case_fail(err, i, "facts", "case %zu: facts is an object of at most 64 facts%s", "");
	const char *k;
	json_t *v;
	json_object_foreach(facts, k, v) {
		char fname[RULE_NAME_MAX + 1];
		int fy;
		struct rule_num n;
		if (fact_key(k, fname, &fy) < 0)
			return case_fail(err, i, "fact_key", "case %zu: '%.40s' is not a fact as name[year]", k);
		if (case_num(v, &n) < 0)
			return case_fail(err, i, "fact_value", "case %zu: the value of '%.40s' is not a number", k);
	}
	if (reg && (!json_is_object(reg) || known_keys(reg, reg_keys, i, err) < 0))
		return err->status ? -1 : case_fail(err, i, "registry", "case %zu: registry is an object%s", "");
	json_t *ind = json_object_get(reg, "industry"), *str = json_object_get(reg, "street"),
	       *key = json_object_get(reg, "key"), *fy = json_object_get(reg, "founded_year"),
	       *land = json_object_get(reg, "land_mu");
	struct rule_num n;
	if ((ind && !json_is_string(ind) && !json_is_null(ind)) || (str && !json_is_string(str) && !json_is_null(str)) ||
	    (key && !json_is_boolean(key) && !json_is_null(key)) ||
	    (fy && !json_is_integer(fy) && !json_is_null(fy)) ||
	    (land && !json_is_null(land) && (!json_is_number(land) || case_num(land, &n) < 0)))
		return case_fail(err, i, "registry", "case %zu: a registry field has the wrong type%s", "");
	if (!json_is_object(exp) || known_keys(exp, exp_keys, i, err) < 0)
		return err->status ? -1 : case_fail(err, i, "expect", "case %zu needs expect {result, amount}%s", "");
	json_t *res = json_object_get(exp, "result"), *amt = json_object_get(exp, "amount");
	if (res == NULL || (!json_is_boolean(res) && !json_is_null(res)))
		return case_fail(err, i, "expect", "case %zu: expect.result is true, false or null%s", "");
	if (amt && !json_is_null(amt) && (!json_is_number(amt) || case_num(amt, &n) < 0))
		return case_fail(err, i, "expect", "case %zu: expect.amount is a number%s", "");
	return 0;
}

int policy_cases_check(const json_t *cases, err_t *err)
{
	if (cases == NULL)
		return 0;
	if (!json_is_array(cases) || json_array_size(cases) > POLICY_CASES_MAX) {
		err_set(err, 422, "invalid", "cases", "cases is a list of at most %d cases", POLICY_CASES_MAX);
		return err_param(err, "max", "%d", POLICY_CASES_MAX);
	}
	err_clear(err);
	for (size_t i = 0; i < json_array_size(cases); i++)
		if (check_one(json_array_get(cases, i), i, err) < 0)
			return -1;
	return 0;
}

/* ---- running ---- */

struct case_ud {
	const json_t *facts;
	int year;
};

static int case_fact(void *ud, size_t ref, const char *name, int year, struct rule_num *out)
{
	(void)ref;
	const struct case_ud *c = ud;
	char key[RULE_MISSING_LEN];
	snprintf(key, sizeof key, "%s[%d]", name, year);
	const json_t *v = json_object_get(c->facts, key);
	if (v == NULL && year == c->year)
		v = json_object_get(c->facts, name);
	if (v == NULL || json_is_null(v))
		return RULE_MISSING;
	return case_num(v, out) == 0 ? RULE_FOUND : RULE_MISSING;
}

static void case_registry(const json_t *reg, struct rule_registry *g)
{
	memset(g, 0, sizeof *g);
	g->key = -1;
	g->industry = json_string_value(json_object_get(reg, "industry"));
	g->street = json_string_value(json_object_get(reg, "street"));
	json_t *k = json_object_get(reg, "key"), *fy = json_object_get(reg, "founded_year"),
	       *land = json_object_get(reg, "land_mu");
	if (json_is_boolean(k))
		g->key = json_is_true(k);
	if (json_is_integer(fy))
		g->founded_year = (int)json_integer_value(fy);
	if (land && !json_is_null(land) && case_num(land, &g->land_mu) == 0)
		g->land_mu_known = 1;
}

static json_t *result_json(int result)
{
	return result == RULE_UNKNOWN ? json_null() : json_boolean(result == RULE_TRUE);
}

static json_t *run_one(const struct policy_rules *pr, const json_t *c, arena_t *a, int *ok)
{
	const json_t *exp = json_object_get(c, "expect");
	struct case_ud ud = { json_object_get(c, "facts"), (int)json_integer_value(json_object_get(c, "year")) };
	struct rule_env env = { .year = ud.year, .fact = case_fact, .ud = &ud };
	case_registry(json_object_get(c, "registry"), &env.reg);
	struct rule_result *cond = arena_alloc(a, sizeof *cond), *ben = arena_alloc(a, sizeof *ben);
	rule_explain(pr->cond, &env, cond, a);
	int has_amount = 0;
	if (cond->result == RULE_TRUE) {
		rule_eval(pr->ben, &env, ben);
		has_amount = ben->result == RULE_TRUE;
	}
	/* compare */
	const json_t *er = json_object_get(exp, "result"), *ea = json_object_get(exp, "amount");
	int want = json_is_null(er) ? RULE_UNKNOWN : json_is_true(er) ? RULE_TRUE : RULE_FALSE;
	*ok = want == cond->result;
	if (*ok && ea && !json_is_null(ea)) {
		struct rule_num e, e2;
		*ok = has_amount && case_num(ea, &e) == 0 && rule_num_round(e, 2, &e2) == 0 &&
		      rule_num_cmp(e2, ben->amount) == 0;
	}
	json_t *o = json_pack("{s:O,s:b,s:o}", "name", json_object_get(c, "name"), "ok", *ok, "result",
	                      result_json(cond->result));
	json_object_set_new(o, "amount", has_amount ? json_decimal(ben->amount) : json_null());
	json_object_set(o, "expected", (json_t *)exp);
	json_object_set_new(o, "clauses", policy_clauses_json(cond));
	json_object_set_new(o, "missing", policy_missing_json(cond, cond->result == RULE_TRUE ? ben : NULL));
	return o;
}

json_t *policy_cases_run(const struct policy_rules *pr, const json_t *cases, arena_t *a, int *failed)
{
	json_t *list = json_array();
	int passed = 0;
	*failed = 0;
	for (size_t i = 0; i < json_array_size(cases); i++) {
		const json_t *c = json_array_get(cases, i);
		if (check_one(c, i, &(err_t){ 0 }) < 0) {
			json_array_append_new(list, json_pack("{s:O?,s:b,s:s}", "name", json_object_get(c, "name"), "ok", 0,
			                                      "error", "invalid case"));
			(*failed)++;
			continue;
		}
		int ok;
		json_array_append_new(list, run_one(pr, c, a, &ok));
		if (ok)
			passed++;
		else
			(*failed)++;
	}
	return json_pack("{s:i,s:i,s:o}", "passed", passed, "failed", *failed, "cases", list);
}
