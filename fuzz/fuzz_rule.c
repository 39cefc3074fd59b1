/*
 * fuzz_rule.c -- libFuzzer target for the rule language (src/policy/rule.c):
 * any bytes are parsed as a condition and as a benefit.  A refusal must be a
 * complete 422 error (code, message, line and column where they apply).
 * What parses is evaluated and explained against a synthetic enterprise
 * whose facts the input's last byte varies (some missing, some zero, some
 * huge), rendered in both languages, and its normalised text must parse
 * back (limits aside) to a rule that formats the same and evaluates the
 * same -- also with the years resolved.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

static unsigned seed;

/* Deterministic facts: a hash of the name, the year and the seed picks
 * missing, zero, a small number, a negative one, a huge one or 0/1. */
static int fact(void *ud, size_t ref, const char *name, int year, struct rule_num *out)
{
	(void)ud;
	(void)ref;
	unsigned h = seed * 2654435761u + (unsigned)year * 40503u;
	for (const char *p = name; *p; p++)
		h = h * 31u + (unsigned char)*p;
	switch (h % 7) {
	case 0: return RULE_MISSING;
	case 1: *out = rule_num_int(0); return RULE_FOUND;
	case 2: *out = rule_num_int((int64_t)(h % 1000)); return RULE_FOUND;
	case 3: *out = rule_num_int(-(int64_t)(h % 97)); return RULE_FOUND;
	case 4: return rule_num_parse("999999999999999999999.123456789012", out) == 0 ? RULE_FOUND : -1;
	case 5: return rule_num_parse("0.000000000001", out) == 0 ? RULE_FOUND : -1;
	default: *out = rule_num_int(h & 1); return RULE_FOUND;
	}
}

static void check_error(const err_t *e)
{
	if (e->status != 422 || e->code == NULL || e->message[0] == '\0' || e->field == NULL)
		abort();
	if (strcmp(e->code, "too_long") == 0)
		return;
	if (e->line < 1 || err_get_param(e, "column") == NULL || atoi(err_get_param(e, "column")) < 1)
		abort();
	if (strcmp(e->code, "syntax") == 0 && err_get_param(e, "reason") == NULL)
		abort();
}

static void check_result(const rule_t *r, const struct rule_result *res)
{
	if (res->result != RULE_TRUE && res->result != RULE_FALSE && res->result != RULE_UNKNOWN)
		abort();
	if ((res->result == RULE_UNKNOWN) != (res->nmissing > 0 || res->undefined))
		abort();
	if (rule_kind(r) == RULE_BENEFIT) {
		if (res->result == RULE_FALSE || res->nclauses != 0)
			abort();
		return;
	}
	int nfalse = 0, nunknown = 0;
	for (size_t i = 0; i < res->nclauses; i++) {
		nfalse += res->clauses[i].result == RULE_FALSE;
		nunknown += res->clauses[i].result == RULE_UNKNOWN;
		if ((res->clauses[i].result == RULE_UNKNOWN) != (res->clauses[i].why != 0))
			abort();
	}
	int want = nfalse ? RULE_FALSE : nunknown ? RULE_UNKNOWN : RULE_TRUE;
	if (res->nclauses == 0 || want != res->result)
		abort();
	if ((res->near >= 0) != (nfalse == 1 && nunknown == 0))
		abort();
	if (res->near >= 0 && res->clauses[res->near].result != RULE_FALSE)
		abort();
}

static int same(const struct rule_result *a, const struct rule_result *b)
{
	if (a->result != b->result)
		return 0;
	return a->result != RULE_TRUE || rule_num_cmp(a->num, b->num) == 0;
}

/* The normalised text (year 0: as written; else resolved) parses back to a
 * rule with the same text and the same value, unless it outgrows a limit. */
static void round_trip(const rule_t *r, int year, const struct rule_env *env, const struct rule_result *res)
{
	buf_t one, two;
	buf_init(&one);
	buf_init(&two);
	if (rule_format(r, -1, year, &one) < 0)
		abort();
	err_t e;
	rule_t *again = rule_parse(one.data, rule_kind(r), NULL, "again", &e);
	if (again == NULL) {
		if (strcmp(e.code, "too_long") != 0 && strcmp(e.code, "too_deep") != 0 && strcmp(e.code, "too_complex") != 0)
			abort();
	} else {
		struct rule_result res2;
		if (rule_format(again, -1, year, &two) < 0 || rule_eval(again, env, &res2) < 0 || !same(res, &res2))
			abort();
		if (year == 0 && strcmp(one.data, two.data) != 0)
			abort();
		rule_free(again);
	}
	buf_free(&one);
	buf_free(&two);
}

static void exercise(const char *src, enum rule_kind kind, const char *field)
{
	err_t e;
	rule_t *r = rule_parse(src, kind, NULL, field, &e);
	if (r == NULL) {
		check_error(&e);
		return;
	}
	struct rule_env env = { 0 };
	env.year = 2025;
	env.reg.industry = (seed & 1) ? "C2710" : NULL;
	env.reg.street = (seed & 2) ? "东区" : NULL;
	env.reg.key = (int)(seed % 3) - 1;
	env.reg.founded_year = (seed & 4) ? 2015 : 0;
	env.reg.land_mu_known = (seed & 8) != 0;
	env.reg.land_mu = rule_num_int(30);
	env.fact = fact;
	struct rule_result res, res2;
	if (rule_eval(r, &env, &res) < 0)
		abort();
	check_result(r, &res);
	arena_t *a = arena_new();
	if (rule_explain(r, &env, &res2, a) < 0 || !same(&res, &res2) || res2.text == NULL || res2.value == NULL)
		abort();
	for (size_t i = 0; i < res2.nclauses; i++)
		if (res2.clauses[i].text == NULL || res2.clauses[i].value == NULL)
			abort();
	arena_free(a);
	buf_t b;
	buf_init(&b);
	if (rule_to_text(r, -1, RULE_ZH, NULL, 0, &b) < 0 || rule_to_text(r, -1, RULE_EN, NULL, 2025, &b) < 0)
		abort();
	if ((rule_to_text(r, 0, RULE_EN, NULL, 0, &b) == 0) != (kind == RULE_CONDITION))
		abort();
	buf_free(&b);
	round_trip(r, 0, &env, &res);
	round_trip(r, 2025, &env, &res);
	rule_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	seed = size ? data[size - 1] : 0;
	exercise(s, RULE_CONDITION, "condition");
	exercise(s, RULE_BENEFIT, "benefit");
	free(s);
	return 0;
}
