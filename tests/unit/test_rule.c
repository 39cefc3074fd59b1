/*
 * test_rule.c -- the rule language (src/policy/rule.c) against values
 * worked out by hand (decimal results checked with Python's decimal
 * module, never with the code under test): exact numbers and rounding,
 * precedence, every operator and function, Kleene's truth tables, unknown
 * facts and division by zero, years, type errors, limits, explanations,
 * plain language, twenty-odd typos with the line and column of the
 * character at fault, and the demo's three policies on hand-made facts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

/* ---- helpers ---- */

/* Facts as (name, year, decimal text); the list ends with a NULL name. */
struct fx {
	const char *name;
	int year;
	const char *value;
};

struct store {
	const struct fx *v;
	int calls;
	int fail;                   /* the callback answers -1 */
};

static int fx_fact(void *ud, size_t ref, const char *name, int year, struct rule_num *out)
{
	(void)ref;
	struct store *s = ud;
	s->calls++;
	if (s->fail)
		return -1;
	for (const struct fx *x = s->v; x && x->name; x++)
		if (x->year == year && strcmp(x->name, name) == 0) {
			if (rule_num_parse(x->value, out) != 0)
				fail_msg("bad test value %s", x->value);
			return RULE_FOUND;
		}
	return RULE_MISSING;
}

static struct rule_env env_of(struct store *s)
{
	struct rule_env e = { 0 };
	e.year = 2025;
	e.reg.industry = "C2710";
	e.reg.street = "东区";
	e.reg.key = 1;
	e.reg.founded_year = 2015;
	e.reg.land_mu_known = 1;
	e.reg.land_mu = rule_num_int(30);
	e.fact = fx_fact;
	e.ud = s;
	return e;
}

static rule_t *must_parse(const char *src, enum rule_kind kind)
{
	err_t e;
	rule_t *r = rule_parse(src, kind, NULL, "condition", &e);
	if (r == NULL)
		fail_msg("'%s' did not parse: %s (line %lld column %s)", src, e.message, (long long)e.line,
		         err_get_param(&e, "column"));
	return r;
}

static char *num_text(struct rule_num n)
{
	static char b[4][RULE_NUM_LEN];
	static int i;
	char *s = b[i++ % 4];
	rule_num_format(n, s);
	return s;
}

static struct rule_num N(const char *s)
{
	struct rule_num n;
	if (rule_num_parse(s, &n) != 0)
		fail_msg("'%s' is not a number", s);
	return n;
}

/* The missing facts, joined by commas. */
static const char *missing_text(const struct rule_result *res)
{
	static char b[512];
	b[0] = '\0';
	for (size_t i = 0; i < res->nmissing; i++) {
		char m[RULE_MISSING_LEN];
		rule_missing_format(&res->missing[i], m);
		if (i)
			strcat(b, ",");
		strcat(b, m);
	}
	return b;
}

/* A condition's result on facts (NULL: none), with the default registry. */
static int cond_on(const char *src, const struct fx *facts, struct rule_result *res)
{
	struct store s = { facts, 0, 0 };
	struct rule_env env = env_of(&s);
	struct rule_result local;
	res = res ? res : &local;
	rule_t *r = must_parse(src, RULE_CONDITION);
	assert_int_equal(rule_eval(r, &env, res), 0);
	rule_free(r);
	return res->result;
}

static int cond(const char *src)
{
	return cond_on(src, NULL, NULL);
}

/* A benefit's value as text, "?" when unknown. */
static const char *benefit_on(const char *src, const struct fx *facts)
{
	static char b[RULE_NUM_LEN];
	struct store s = { facts, 0, 0 };
	struct rule_env env = env_of(&s);
	struct rule_result res;
	rule_t *r = must_parse(src, RULE_BENEFIT);
	assert_int_equal(rule_eval(r, &env, &res), 0);
	rule_free(r);
	if (res.result == RULE_UNKNOWN)
		return "?";
	rule_num_format(res.num, b);
	return b;
}

static const char *benefit(const char *src)
{
	return benefit_on(src, NULL);
}

/* The amount (2 decimals) of a benefit. */
static const char *amount_of(const char *src)
{
	static char b[RULE_NUM_LEN];
	struct store s = { NULL, 0, 0 };
	struct rule_env env = env_of(&s);
	struct rule_result res;
	rule_t *r = must_parse(src, RULE_BENEFIT);
	assert_int_equal(rule_eval(r, &env, &res), 0);
	assert_int_equal(res.result, RULE_TRUE);
	rule_free(r);
	rule_num_format_fixed(res.amount, 2, b);
	return b;
}

static const char *formatted(const char *src, enum rule_kind kind, int year)
{
	static char b[1024];
	buf_t out;
	buf_init(&out);
	rule_t *r = must_parse(src, kind);
	assert_int_equal(rule_format(r, -1, year, &out), 0);
	snprintf(b, sizeof b, "%s", out.data);
	buf_free(&out);
	rule_free(r);
	return b;
}

static const char *plain(const char *src, enum rule_kind kind, enum rule_lang lang, int year)
{
	static char b[1024];
	buf_t out;
	buf_init(&out);
	rule_t *r = must_parse(src, kind);
	assert_int_equal(rule_to_text(r, -1, lang, NULL, year, &out), 0);
	snprintf(b, sizeof b, "%s", out.data);
	buf_free(&out);
	rule_free(r);
	return b;
}

/* An error: its code, reason, line and column. */
static void expect_error(const char *src, enum rule_kind kind, const char *code, const char *reason,
                         int line, int col)
{
	err_t e;
	err_clear(&e);
	rule_t *r = rule_parse(src, kind, NULL, kind == RULE_CONDITION ? "condition" : "benefit", &e);
	if (r)
		fail_msg("'%s' parsed but should fail with %s", src, code);
	if (strcmp(e.code, code) != 0)
		fail_msg("'%s': code %s (%s), wanted %s", src, e.code, e.message, code);
	assert_int_equal(e.status, 422);
	assert_string_equal(e.field, kind == RULE_CONDITION ? "condition" : "benefit");
	const char *got_reason = err_get_param(&e, "reason");
	if (reason && (got_reason == NULL || strcmp(got_reason, reason) != 0))
		fail_msg("'%s': reason %s (%s), wanted %s", src, got_reason ? got_reason : "(none)", e.message, reason);
	if (line) {
		const char *c = err_get_param(&e, "column");
		if (e.line != line || c == NULL || atoi(c) != col)
			fail_msg("'%s': line %lld column %s (%s), wanted %d:%d", src, (long long)e.line, c ? c : "(none)",
			         e.message, line, col);
	}
	assert_true(e.message[0] != '\0');
}

/* ---- numbers ---- */

static void test_numbers_exact(void **state)
{
	(void)state;
	struct rule_num r;
	assert_int_equal(rule_num_add(N("0.1"), N("0.2"), &r), 0);
	assert_int_equal(rule_num_cmp(r, N("0.3")), 0);           /* a double gives 0.30000000000000004 */
	assert_int_equal(rule_num_sub(N("0.3"), N("0.1"), &r), 0);
	assert_string_equal(num_text(r), "0.2");
	assert_int_equal(rule_num_mul(N("1.5"), N("1.5"), &r), 0);
	assert_string_equal(num_text(r), "2.25");
	assert_int_equal(rule_num_mul(N("-1234.5678"), N("0.1"), &r), 0);
	assert_string_equal(num_text(r), "-123.45678");
	/* python: Decimal('123456789012.123456') * Decimal('0.000123456789') */
	assert_int_equal(rule_num_mul(N("123456789012.123456"), N("0.000123456789"), &r), 0);
	assert_string_equal(num_text(r), "15241578.751687243949");
	/* the largest products that fit: 999999999999.999999^2 */
	assert_int_equal(rule_num_mul(N("999999999999.999999"), N("999999999999.999999"), &r), 0);
	assert_string_equal(num_text(r), "999999999999999998000000.000000000001");
	/* the 13th decimal rounds half away from zero */
	assert_int_equal(rule_num_mul(N("0.0000005"), N("0.000001"), &r), 0);
	assert_string_equal(num_text(r), "0.000000000001");
	assert_int_equal(rule_num_mul(N("-0.0000005"), N("0.000001"), &r), 0);
	assert_string_equal(num_text(r), "-0.000000000001");
	assert_int_equal(rule_num_mul(N("0.0000004"), N("0.000001"), &r), 0);
	assert_string_equal(num_text(r), "0");
	/* division to 12 decimals, rounded */
	assert_int_equal(rule_num_div(N("1"), N("3"), &r), 0);
	assert_string_equal(num_text(r), "0.333333333333");
	assert_int_equal(rule_num_div(N("2"), N("3"), &r), 0);
	assert_string_equal(num_text(r), "0.666666666667");
	assert_int_equal(rule_num_div(N("-2"), N("3"), &r), 0);
	assert_string_equal(num_text(r), "-0.666666666667");
	assert_int_equal(rule_num_div(N("10"), N("4"), &r), 0);
	assert_string_equal(num_text(r), "2.5");
	/* the long-division path (dividends of 10^14 and more) */
	assert_int_equal(rule_num_div(N("300000000000000"), N("7"), &r), 0);
	assert_string_equal(num_text(r), "42857142857142.857142857143");
	assert_int_equal(rule_num_div(N("99999999999999999999999.9999999"), N("0.3"), &r), 0);
	assert_string_equal(num_text(r), "333333333333333333333333.333333");
	assert_int_equal(rule_num_div(N("100000000000000000000000"), N("-0.7"), &r), 0);
	assert_string_equal(num_text(r), "-142857142857142857142857.142857142857");
	/* undefined: division by zero, out of range */
	struct rule_num keep = N("42");
	r = keep;
	assert_int_equal(rule_num_div(N("1"), N("0"), &r), -1);
	assert_int_equal(rule_num_cmp(r, keep), 0);
	assert_int_equal(rule_num_div(N("100000000000000000000000"), N("0.1"), &r), -1);
	assert_int_equal(rule_num_mul(N("1000000000000"), N("1000000000000"), &r), -1);
	assert_int_equal(rule_num_add(N("999999999999999999999999"), N("1"), &r), -1);
	assert_int_equal(rule_num_sub(N("-999999999999999999999999"), N("1"), &r), -1);
	assert_int_equal(rule_num_add(N("999999999999999999999999"), N("-1"), &r), 0);
	assert_string_equal(num_text(r), "999999999999999999999998");
}

static void test_numbers_text(void **state)
{
	(void)state;
	struct rule_num n;
	assert_int_equal(rule_num_parse(" 12 ", &n), 0);
	assert_string_equal(num_text(n), "12");
	assert_int_equal(rule_num_parse("-0.50", &n), 0);
	assert_string_equal(num_text(n), "-0.5");
	assert_int_equal(rule_num_parse("+7.", &n), 0);
	assert_string_equal(num_text(n), "7");
	assert_int_equal(rule_num_parse(".25", &n), 0);
	assert_string_equal(num_text(n), "0.25");
	assert_int_equal(rule_num_parse("1.5e3", &n), 0);
	assert_string_equal(num_text(n), "1500");
	assert_int_equal(rule_num_parse("25E-2", &n), 0);
	assert_string_equal(num_text(n), "0.25");
	assert_int_equal(rule_num_parse("1e-13", &n), 0);
	assert_string_equal(num_text(n), "0");
	assert_int_equal(rule_num_parse("5e-13", &n), 0);
	assert_string_equal(num_text(n), "0.000000000001");
	assert_int_equal(rule_num_parse("0.30000000000000004", &n), 0);   /* a spreadsheet's double */
	assert_string_equal(num_text(n), "0.3");
	assert_int_equal(rule_num_parse("-0", &n), 0);
	assert_string_equal(num_text(n), "0");
	assert_int_equal(rule_num_parse("999999999999999999999999.999999999999", &n), 0);
	assert_string_equal(num_text(n), "999999999999999999999999.999999999999");
	static const char *const bad[] = {
		"", " ", ".", "-", "abc", "1.2.3", "1e", "1e+", "12a", "1,000", "1e401",
		"1000000000000000000000000", "999999999999999999999999.9999999999995", "0x10", "１２",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (rule_num_parse(bad[i], &n) != -1)
			fail_msg("'%s' parsed", bad[i]);
	assert_int_equal(rule_num_parse(NULL, &n), -1);
	/* doubles as the decimals they print as */
	assert_int_equal(rule_num_from_double(0.1, &n), 0);
	assert_string_equal(num_text(n), "0.1");
	assert_int_equal(rule_num_from_double(2.675, &n), 0);
	assert_string_equal(num_text(n), "2.675");
	assert_int_equal(rule_num_from_double(-1234567.891, &n), 0);
	assert_string_equal(num_text(n), "-1234567.891");
	assert_int_equal(rule_num_from_double(1e20, &n), 0);
	assert_string_equal(num_text(n), "100000000000000000000");
	assert_int_equal(rule_num_from_double(1e24, &n), -1);
	assert_int_equal(rule_num_from_double(0.0 / 0.0, &n), -1);
	assert_true(rule_num_to_double(N("-2.5")) == -2.5);
	char b[RULE_NUM_LEN];
	rule_num_format_fixed(N("1.5"), 2, b);
	assert_string_equal(b, "1.50");
	rule_num_format_fixed(N("-3"), 2, b);
	assert_string_equal(b, "-3.00");
	rule_num_format_fixed(N("7.25"), 0, b);
	assert_string_equal(b, "7");
	assert_string_equal(num_text(rule_num_int(-120)), "-120");
}

static void test_rounding(void **state)
{
	(void)state;
	/* round half away from zero, exactly: a double would give 1.00 and 2.67 */
	static const struct { const char *in; int d; const char *out; } t[] = {
		{ "1.005", 2, "1.01" }, { "2.675", 2, "2.68" }, { "-1.005", 2, "-1.01" }, { "-2.675", 2, "-2.68" },
		{ "1.015", 2, "1.02" }, { "0.005", 2, "0.01" }, { "-0.005", 2, "-0.01" }, { "0.0049999", 2, "0" },
		{ "1.0049999999", 2, "1" }, { "0.125", 2, "0.13" }, { "2.5", 0, "3" }, { "-2.5", 0, "-3" },
		{ "1234.5678", 1, "1234.6" }, { "1234.5678", 3, "1234.568" }, { "1234.5678", 12, "1234.5678" },
		{ "999999999999999999999999.5", 0, NULL },   /* rounds to 10^24: out of range */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct rule_num r;
		int rc = rule_num_round(N(t[i].in), t[i].d, &r);
		if (t[i].out == NULL) {
			assert_int_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, 0);
		if (strcmp(num_text(r), t[i].out) != 0)
			fail_msg("round(%s, %d) = %s, wanted %s", t[i].in, t[i].d, num_text(r), t[i].out);
	}
	struct rule_num r;
	assert_int_equal(rule_num_round(N("1"), 13, &r), -1);
	assert_int_equal(rule_num_round(N("1"), -1, &r), -1);
	/* the benefit's amount */
	assert_string_equal(amount_of("1.005"), "1.01");
	assert_string_equal(amount_of("2.675"), "2.68");
	assert_string_equal(amount_of("-1.005"), "-1.01");
	assert_string_equal(amount_of("10.05 * 0.1"), "1.01");     /* 1.005 exactly */
	assert_string_equal(amount_of("1 / 3"), "0.33");
	assert_string_equal(amount_of("2 / 3"), "0.67");
	assert_string_equal(amount_of("0.0049 + 0.0001"), "0.01");
	assert_string_equal(amount_of("round(2.675, 1)"), "2.70");
	assert_string_equal(benefit("round(2.675, 2)"), "2.68");
	assert_string_equal(benefit("round(-2.675, 2)"), "-2.68");
	assert_string_equal(benefit("round(1234.5678, 0)"), "1235");
}

/* ---- the language ---- */

static void test_precedence(void **state)
{
	(void)state;
	assert_string_equal(benefit("1 + 2 * 3"), "7");
	assert_string_equal(benefit("(1 + 2) * 3"), "9");
	assert_string_equal(benefit("10 - 4 - 3"), "3");             /* left-associative */
	assert_string_equal(benefit("10 - (4 - 3)"), "9");
	assert_string_equal(benefit("100 / 10 / 5"), "2");
	assert_string_equal(benefit("2 * 3 / 4"), "1.5");
	assert_string_equal(benefit("2 - 3 * 4 + 1"), "-9");
	assert_string_equal(benefit("-2 * 3"), "-6");
	assert_string_equal(benefit("-(2 + 3)"), "-5");
	assert_string_equal(benefit("10 - -3"), "13");
	assert_string_equal(benefit("--4"), "4");
	assert_string_equal(benefit("2 * -founded_year"), "-4030");
	/* and binds tighter than or; not looser than a comparison */
	assert_int_equal(cond("1 > 2 and 2 > 1 or true"), RULE_TRUE);
	assert_int_equal(cond("true or false and false"), RULE_TRUE);
	assert_int_equal(cond("(true or false) and false"), RULE_FALSE);
	assert_int_equal(cond("not true or true"), RULE_TRUE);
	assert_int_equal(cond("not (true or true)"), RULE_FALSE);
	assert_int_equal(cond("not 1 > 2"), RULE_TRUE);
	assert_int_equal(cond("1 + 1 = 2"), RULE_TRUE);
	assert_int_equal(cond("1 + 2 * 3 = 7 and (1 + 2) * 3 = 9"), RULE_TRUE);
	/* the normalised text keeps the tree, with parentheses only where needed */
	assert_string_equal(formatted("(1 + 2) * 3", RULE_BENEFIT, 0), "(1 + 2) * 3");
	assert_string_equal(formatted("1 + (2 * 3)", RULE_BENEFIT, 0), "1 + 2 * 3");
	assert_string_equal(formatted("10 - (4 - 3)", RULE_BENEFIT, 0), "10 - (4 - 3)");
	assert_string_equal(formatted("(10 - 4) - 3", RULE_BENEFIT, 0), "10 - 4 - 3");
	assert_string_equal(formatted("8 / (4 / 2)", RULE_BENEFIT, 0), "8 / (4 / 2)");
	assert_string_equal(formatted("-(revenue)*2", RULE_BENEFIT, 0), "-revenue * 2");
	assert_string_equal(formatted("-(revenue*2)", RULE_BENEFIT, 0), "-(revenue * 2)");
	assert_string_equal(formatted("(key and listed) and high_tech", RULE_CONDITION, 0),
	                    "key and listed and high_tech");
	assert_string_equal(formatted("key or (listed and high_tech)", RULE_CONDITION, 0),
	                    "key or (listed and high_tech)");
	assert_string_equal(formatted("key and (listed or high_tech)", RULE_CONDITION, 0),
	                    "key and (listed or high_tech)");
	assert_string_equal(formatted("not (key and listed)", RULE_CONDITION, 0), "not (key and listed)");
	assert_string_equal(formatted("(1 < 2) = (3 > 4)", RULE_CONDITION, 0), "(1 < 2) = (3 > 4)");
	assert_string_equal(formatted("  revenue>=100   AND\n Key ", RULE_CONDITION, 0), "revenue >= 100 and key");
}

static void test_operators(void **state)
{
	(void)state;
	static const struct { const char *src; int want; } t[] = {
		{ "2 = 2", 1 }, { "2 = 3", 0 }, { "2 != 3", 1 }, { "2 != 2", 0 },
		{ "2 < 3", 1 }, { "3 < 3", 0 }, { "3 <= 3", 1 }, { "4 <= 3", 0 },
		{ "4 > 3", 1 }, { "3 > 3", 0 }, { "3 >= 3", 1 }, { "2 >= 3", 0 },
		{ "2.50 = 2.5", 1 }, { "-1 < 0", 1 }, { "0.1 + 0.2 = 0.3", 1 },
		{ "industry = \"C2710\"", 1 }, { "industry != \"C2710\"", 0 }, { "street = \"东区\"", 1 },
		{ "key = true", 1 }, { "key != true", 0 }, { "key = 1", 1 }, { "0 = key", 0 },
		{ "true = true", 1 }, { "true != false", 1 },
		{ "industry in (\"C39\", \"C2710\")", 1 }, { "industry in (\"C27\")", 0 },
		{ "industry not in (\"C27\", \"C39\")", 1 }, { "street in (\"东区\")", 1 },
		{ "founded_year in (2014, 2015)", 1 }, { "founded_year in (2014, -1)", 0 },
		{ "founded_year not in (2015)", 0 },
		{ "prefix(industry, \"C27\")", 1 }, { "prefix(industry, \"C2710\")", 1 },
		{ "prefix(industry, \"C271\")", 1 }, { "prefix(industry, \"C28\")", 0 },
		{ "prefix(industry, \"C27100\")", 0 }, { "prefix(industry, \"\")", 1 },
		{ "prefix(street, \"东\")", 1 },
		{ "min(3, 1, 2) = 1", 1 }, { "max(3, 1, 2) = 3", 1 }, { "min(-1, 1) = -1", 1 },
		{ "abs(-2.5) = 2.5", 1 }, { "abs(2.5) = 2.5", 1 }, { "abs(0) = 0", 1 },
		{ "round(2.345, 2) = 2.35", 1 }, { "round(-2.345, 2) = -2.35", 1 }, { "round(2.5, 0) = 3", 1 },
		{ "year = 2025", 1 }, { "year - founded_year >= 10", 1 }, { "land_mu / 2 = 15", 1 },
		{ "not key", 0 }, { "not not key", 1 }, { "true", 1 }, { "false", 0 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (cond(t[i].src) != t[i].want)
			fail_msg("'%s' is %d, wanted %d", t[i].src, cond(t[i].src), t[i].want);
	assert_string_equal(benefit("min(7, 3.5)"), "3.5");
	assert_string_equal(benefit("max(7, 3.5, 9)"), "9");
	assert_string_equal(benefit("abs(-0.001)"), "0.001");
	assert_string_equal(benefit("land_mu * 1.5"), "45");
	assert_string_equal(benefit("year"), "2025");
}

/* Kleene: T, F and U (a comparison with a missing fact) in every pair. */
static void test_kleene(void **state)
{
	(void)state;
	static const char *const v[3] = { "true", "false", "tax_paid > 0" };
	static const int val[3] = { RULE_TRUE, RULE_FALSE, RULE_UNKNOWN };
	/* [a][b], worked out from the truth tables */
	static const int and_t[3][3] = {
		{ RULE_TRUE, RULE_FALSE, RULE_UNKNOWN },
		{ RULE_FALSE, RULE_FALSE, RULE_FALSE },
		{ RULE_UNKNOWN, RULE_FALSE, RULE_UNKNOWN },
	};
	static const int or_t[3][3] = {
		{ RULE_TRUE, RULE_TRUE, RULE_TRUE },
		{ RULE_TRUE, RULE_FALSE, RULE_UNKNOWN },
		{ RULE_TRUE, RULE_UNKNOWN, RULE_UNKNOWN },
	};
	for (int a = 0; a < 3; a++) {
		for (int b = 0; b < 3; b++) {
			char src[128];
			struct rule_result res;
			snprintf(src, sizeof src, "%s and %s", v[a], v[b]);         /* top-level clauses */
			assert_int_equal(cond_on(src, NULL, &res), and_t[a][b]);
			assert_string_equal(missing_text(&res), and_t[a][b] == RULE_UNKNOWN ? "tax_paid[2025]" : "");
			snprintf(src, sizeof src, "(%s and %s) or false", v[a], v[b]);   /* nested */
			assert_int_equal(cond(src), and_t[a][b]);
			snprintf(src, sizeof src, "%s or %s", v[a], v[b]);
			assert_int_equal(cond_on(src, NULL, &res), or_t[a][b]);
			assert_string_equal(missing_text(&res), or_t[a][b] == RULE_UNKNOWN ? "tax_paid[2025]" : "");
		}
		char src[64];
		snprintf(src, sizeof src, "not (%s)", v[a]);
		assert_int_equal(cond(src), val[a] == RULE_UNKNOWN ? RULE_UNKNOWN : !val[a]);
	}
	/* two unknowns name both; a decided result names none */
	struct rule_result res;
	assert_int_equal(cond_on("tax_paid > 0 or revenue[year-1] > 0", NULL, &res), RULE_UNKNOWN);
	assert_string_equal(missing_text(&res), "tax_paid[2025],revenue[2024]");
	assert_int_equal(cond_on("tax_paid > 0 and revenue > 0 and 1 > 2", NULL, &res), RULE_FALSE);
	assert_string_equal(missing_text(&res), "");
	assert_int_equal(cond_on("tax_paid > 0 and tax_paid < 100", NULL, &res), RULE_UNKNOWN);
	assert_string_equal(missing_text(&res), "tax_paid[2025]");       /* once */
	/* unknown propagates through arithmetic, functions, comparisons, in, prefix */
	static const char *const unk[] = {
		"tax_paid + 1 > 0", "-tax_paid < 0", "min(tax_paid, 5) < 10", "max(1, tax_paid) >= 1",
		"abs(tax_paid) >= 0", "round(tax_paid, 1) = 0", "tax_paid in (1, 2)", "tax_paid = tax_paid",
		"high_tech", "high_tech = true", "not high_tech",
	};
	for (size_t i = 0; i < sizeof unk / sizeof unk[0]; i++)
		if (cond(unk[i]) != RULE_UNKNOWN)
			fail_msg("'%s' should be unknown", unk[i]);
	assert_string_equal(benefit("tax_paid * 0.1"), "?");
	assert_string_equal(benefit("min(tax_paid, 0)"), "?");
}

static void test_missing_registry_and_division(void **state)
{
	(void)state;
	struct store s = { NULL, 0, 0 };
	struct rule_env env = env_of(&s);
	env.reg.industry = NULL;
	env.reg.key = -1;
	env.reg.founded_year = 0;
	env.reg.land_mu_known = 0;
	struct rule_result res;
	rule_t *r = must_parse("prefix(industry, \"C\") and key and year - founded_year > 2 and land_mu > 1 "
	                       "and street = \"东区\"", RULE_CONDITION);
	assert_int_equal(rule_eval(r, &env, &res), 0);
	assert_int_equal(res.result, RULE_UNKNOWN);
	assert_string_equal(missing_text(&res), "industry,key,founded_year,land_mu");
	assert_int_equal(res.clauses[4].result, RULE_TRUE);
	rule_free(r);
	/* division by zero is unknown with no fact missing, and does not stop a decided or */
	static const struct fx zero[] = { { "employees", 2025, "0" }, { "revenue", 2025, "500" }, { NULL, 0, NULL } };
	assert_string_equal(benefit("1 / 0"), "?");
	assert_string_equal(benefit_on("revenue / employees", zero), "?");
	assert_int_equal(cond_on("revenue / employees > 1", zero, &res), RULE_UNKNOWN);
	assert_int_equal(res.undefined, 1);
	assert_int_equal(res.nmissing, 0);
	assert_true(res.clauses[0].why & RULE_WHY_UNDEFINED);
	assert_int_equal(cond_on("revenue / employees > 1 or true", zero, &res), RULE_TRUE);
	assert_int_equal(res.undefined, 0);
	assert_int_equal(cond("1 / 0 > 1 and false"), RULE_FALSE);
	/* overflow is undefined as well */
	assert_string_equal(benefit("999999999999999999999999 + 1"), "?");
	assert_string_equal(benefit("1000000000000 * 1000000000000"), "?");
}

static void test_years(void **state)
{
	(void)state;
	static const struct fx f[] = {
		{ "tax_paid", 2025, "10" }, { "tax_paid", 2024, "20" }, { "tax_paid", 2023, "30" },
		{ "tax_paid", 2026, "40" }, { "tax_paid", 2020, "50" }, { NULL, 0, NULL },
	};
	assert_string_equal(benefit_on("tax_paid", f), "10");
	assert_string_equal(benefit_on("tax_paid[year]", f), "10");
	assert_string_equal(benefit_on("tax_paid[year-1]", f), "20");
	assert_string_equal(benefit_on("tax_paid[ year - 2 ]", f), "30");
	assert_string_equal(benefit_on("tax_paid[year+1]", f), "40");
	assert_string_equal(benefit_on("tax_paid[2020]", f), "50");
	assert_string_equal(benefit_on("tax_paid[year-3]", f), "?");
	assert_string_equal(formatted("tax_paid[year] + tax_paid[year - 1] + tax_paid[2020] + tax_paid[year+1]",
	                              RULE_BENEFIT, 0),
	                    "tax_paid + tax_paid[year-1] + tax_paid[2020] + tax_paid[year+1]");
	assert_string_equal(formatted("tax_paid + tax_paid[year-1] + tax_paid[2020] + year", RULE_BENEFIT, 2025),
	                    "tax_paid[2025] + tax_paid[2024] + tax_paid[2020] + 2025");
	struct rule_result res;
	assert_int_equal(cond_on("tax_paid[year-4] > 0 and tax_paid[2019] > 0", f, &res), RULE_UNKNOWN);
	assert_string_equal(missing_text(&res), "tax_paid[2021],tax_paid[2019]");
	/* the references, for prefetching; one fetch per reference per evaluation */
	rule_t *r = must_parse("tax_paid > 0 and tax_paid[year-1] > tax_paid and industry = \"C\" and "
	                       "tax_paid[2020] >= tax_paid[year - 1]", RULE_CONDITION);
	size_t n;
	const struct rule_ref *refs = rule_refs(r, &n);
	assert_int_equal(n, 4);
	assert_string_equal(refs[0].name, "tax_paid");
	assert_true(refs[0].relative && refs[0].year == 0 && !refs[0].registry);
	assert_true(refs[1].relative && refs[1].year == -1);
	assert_true(refs[2].registry);
	assert_string_equal(refs[2].name, "industry");
	assert_true(!refs[3].relative && refs[3].year == 2020);
	assert_int_equal(rule_ref_year(&refs[1], 2025), 2024);
	assert_int_equal(rule_ref_year(&refs[3], 2025), 2020);
	assert_int_equal(rule_ref_year(&refs[2], 2025), 0);
	struct store s = { f, 0, 0 };
	struct rule_env env = env_of(&s);
	assert_int_equal(rule_eval(r, &env, &res), 0);
	assert_int_equal(s.calls, 3);
	assert_int_equal(res.result, RULE_FALSE);
	/* a failing callback fails the evaluation */
	s.fail = 1;
	assert_int_equal(rule_eval(r, &env, &res), -1);
	rule_free(r);
	/* no callback: every fact is missing */
	env.fact = NULL;
	r = must_parse("tax_paid > 0", RULE_CONDITION);
	assert_int_equal(rule_eval(r, &env, &res), 0);
	assert_int_equal(res.result, RULE_UNKNOWN);
	rule_free(r);
}

static void test_type_errors(void **state)
{
	(void)state;
	static const struct { const char *src; enum rule_kind kind; int col; const char *expected, *found; } t[] = {
		{ "street < \"A\"", RULE_CONDITION, 1, "number", "string" },
		{ "revenue > \"100\"", RULE_CONDITION, 11, "number", "string" },
		{ "employees and key", RULE_CONDITION, 1, "boolean", "number" },
		{ "key and 1", RULE_CONDITION, 9, "boolean", "number" },
		{ "key or industry", RULE_CONDITION, 8, "boolean", "string" },
		{ "not revenue", RULE_CONDITION, 5, "boolean", "number" },
		{ "industry + 1 > 0", RULE_CONDITION, 1, "number", "string" },
		{ "1 + key > 0", RULE_CONDITION, 5, "number", "boolean" },
		{ "-street = \"A\"", RULE_CONDITION, 2, "number", "string" },
		{ "industry = 27", RULE_CONDITION, 12, "string", "number" },
		{ "key = 2", RULE_CONDITION, 7, "boolean", "number" },
		{ "key = \"是\"", RULE_CONDITION, 7, "boolean", "string" },
		{ "key in (1)", RULE_CONDITION, 1, "number", "boolean" },
		{ "industry in (\"C27\", 28)", RULE_CONDITION, 21, "string", "number" },
		{ "min(revenue, industry) > 0", RULE_CONDITION, 14, "number", "string" },
		{ "prefix(industry, 27)", RULE_CONDITION, 18, "string", "number" },
		{ "prefix(founded_year, \"19\")", RULE_CONDITION, 8, "string", "number" },
		{ "revenue * 2", RULE_CONDITION, 1, "boolean", "number" },
		{ "industry", RULE_CONDITION, 1, "boolean", "string" },
		{ "revenue > 100", RULE_BENEFIT, 1, "number", "boolean" },
		{ "\"100\"", RULE_BENEFIT, 1, "number", "string" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		err_t e;
		expect_error(t[i].src, t[i].kind, "syntax", "type", 1, t[i].col);
		assert_null(rule_parse(t[i].src, t[i].kind, NULL, "x", &e));
		assert_string_equal(err_get_param(&e, "expected"), t[i].expected);
		assert_string_equal(err_get_param(&e, "found"), t[i].found);
	}
}

/* ---- limits ---- */

static char *repeat(const char *head, const char *unit, int n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * (size_t)n + tl + 1);
	memcpy(s, head, hl);
	for (int i = 0; i < n; i++)
		memcpy(s + hl + ul * (size_t)i, unit, ul);
	memcpy(s + hl + ul * (size_t)n, tail, tl + 1);
	return s;
}

static void expect_limit(char *src, enum rule_kind kind, const char *code, const char *reason)
{
	expect_error(src, kind, code, reason, 0, 0);
	free(src);
}

static void parses(char *src, enum rule_kind kind)
{
	rule_free(must_parse(src, kind));
	free(src);
}

static void test_limits(void **state)
{
	(void)state;
	/* length */
	char *s = repeat("", " ", RULE_MAX_BYTES - 1, "1");
	parses(s, RULE_BENEFIT);
	s = repeat("", " ", RULE_MAX_BYTES, "1");
	err_t e;
	assert_null(rule_parse(s, RULE_BENEFIT, NULL, "benefit", &e));
	assert_string_equal(e.code, "too_long");
	assert_string_equal(err_get_param(&e, "max"), "8192");
	free(s);
	/* nesting: 32 levels pass, 33 do not, whatever nests */
	char *closing = repeat("1", ")", 32, "");
	parses(repeat("", "(", 32, closing), RULE_BENEFIT);
	free(closing);
	expect_limit(repeat("", "(", 33, "1"), RULE_BENEFIT, "too_deep", NULL);
	expect_limit(repeat("", "not ", 33, "key"), RULE_CONDITION, "too_deep", NULL);
	expect_limit(repeat("", "-", 33, "1"), RULE_BENEFIT, "too_deep", NULL);
	expect_limit(repeat("", "abs(", 33, "1"), RULE_BENEFIT, "too_deep", NULL);
	parses(repeat("", "not ", 32, "key"), RULE_CONDITION);
	s = repeat("", "(", 33, "1");
	assert_null(rule_parse(s, RULE_BENEFIT, NULL, "benefit", &e));
	assert_string_equal(err_get_param(&e, "column"), "33");
	assert_string_equal(err_get_param(&e, "max"), "32");
	free(s);
	/* nodes: 1 + 1 + ... with 250 ones is 499 nodes, 251 are 501 */
	parses(repeat("1", " + 1", 249, ""), RULE_BENEFIT);
	expect_limit(repeat("1", " + 1", 250, ""), RULE_BENEFIT, "too_complex", "nodes");
	expect_limit(repeat("industry in (\"a\"", ", \"a\"", RULE_MAX_NODES, ")"), RULE_CONDITION, "too_complex", "nodes");
	/* different facts: 63 pass, 64 do not */
	buf_t b;
	buf_init(&b);
	for (int y = 1900; y < 1900 + RULE_MAX_REFS; y++)
		buf_printf(&b, "%stax_paid[%d]", y > 1900 ? " + " : "", y);
	parses(strdup(b.data), RULE_BENEFIT);
	buf_printf(&b, " + revenue");
	expect_limit(strdup(b.data), RULE_BENEFIT, "too_complex", "facts");
	buf_free(&b);
	/* clauses: 64 pass, 65 do not */
	parses(repeat("key", " and key", RULE_MAX_CLAUSES - 1, ""), RULE_CONDITION);
	expect_limit(repeat("key", " and key", RULE_MAX_CLAUSES, ""), RULE_CONDITION, "too_complex", "clauses");
	/* invalid UTF-8 at its character */
	expect_error("key and \"\xE4\xB8\" = street", RULE_CONDITION, "syntax", "encoding", 1, 10);
	expect_error("key\n\xFF", RULE_CONDITION, "syntax", "encoding", 2, 1);
	/* a control character, even escaped (the fuzzer's first find) */
	expect_error("street = \"a\x1c\"", RULE_CONDITION, "syntax", "character", 1, 12);
	expect_error("street = \"a\\\x1c\"", RULE_CONDITION, "syntax", "character", 1, 13);
	/* empty */
	expect_error("", RULE_CONDITION, "syntax", "empty", 1, 1);
	expect_error("  # 只有注释\n", RULE_BENEFIT, "syntax", "empty", 2, 1);
	assert_null(rule_parse(NULL, RULE_BENEFIT, NULL, "benefit", NULL));
}

/* ---- explanations ---- */

static void test_explain(void **state)
{
	(void)state;
	static const struct fx f[] = {
		{ "employees", 2025, "120" }, { "tax_paid", 2024, "30" }, { "rd_spending", 2024, "300" },
		{ "revenue", 2024, "10000" }, { NULL, 0, NULL },
	};
	struct store s = { f, 0, 0 };
	struct rule_env env = env_of(&s);
	struct rule_result res;
	arena_t *a = arena_new();
	rule_t *r = must_parse("employees >= 100 and tax_paid[year-1] > 50 and\n"
	                       "  rd_spending[year-1] / revenue[year-1] >= 0.03 and industry in (\"C27\", \"C2710\") "
	                       "and not key", RULE_CONDITION);
	assert_int_equal(rule_explain(r, &env, &res, a), 0);
	assert_int_equal(res.result, RULE_FALSE);
	assert_int_equal(res.nclauses, 5);
	static const struct { const char *text, *value; int result; } want[] = {
		{ "employees[2025] >= 100", "120 ≥ 100", RULE_TRUE },
		{ "tax_paid[2024] > 50", "30 > 50", RULE_FALSE },
		{ "rd_spending[2024] / revenue[2024] >= 0.03", "(300 ÷ 10000 = 0.03) ≥ 0.03", RULE_TRUE },
		{ "industry in (\"C27\", \"C2710\")", "\"C2710\" in (\"C27\", \"C2710\")", RULE_TRUE },
		{ "not key", "not true", RULE_FALSE },
	};
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(res.clauses[i].text, want[i].text);
		assert_string_equal(res.clauses[i].value, want[i].value);
		assert_int_equal(res.clauses[i].result, want[i].result);
	}
	assert_int_equal(res.near, -1);                 /* two clauses are false */
	assert_string_equal(res.text, "employees[2025] >= 100 and tax_paid[2024] > 50 and rd_spending[2024] / "
	                              "revenue[2024] >= 0.03 and industry in (\"C27\", \"C2710\") and not key");
	rule_free(r);
	/* near: exactly one false clause, none unknown, named with its value */
	r = must_parse("employees >= 100 and tax_paid[year-1] > 50", RULE_CONDITION);
	assert_int_equal(rule_explain(r, &env, &res, a), 0);
	assert_int_equal(res.result, RULE_FALSE);
	assert_int_equal(res.near, 1);
	assert_string_equal(res.clauses[res.near].value, "30 > 50");
	rule_free(r);
	/* unknown: the missing fact named, in the clause and in the result */
	r = must_parse("employees >= 100 and tax_paid[year] > 50 and max(revenue, revenue[year-1]) > 1", RULE_CONDITION);
	assert_int_equal(rule_explain(r, &env, &res, a), 0);
	assert_int_equal(res.result, RULE_UNKNOWN);
	assert_int_equal(res.near, -1);
	assert_string_equal(res.clauses[1].value, "? > 50");
	assert_int_equal(res.clauses[1].result, RULE_UNKNOWN);
	assert_string_equal(res.clauses[2].value, "(max(?, 10000) = ?) > 1");
	assert_string_equal(missing_text(&res), "tax_paid[2025],revenue[2025]");
	struct rule_missing m[RULE_MAX_REFS];
	assert_int_equal(rule_missing_of(r, 2025, res.clauses[2].why, m), 1);
	assert_string_equal(m[0].name, "revenue");
	assert_int_equal(m[0].year, 2025);
	rule_free(r);
	/* one false and one unknown: false, not near, nothing missing */
	r = must_parse("tax_paid[year-1] > 50 and tax_paid > 1", RULE_CONDITION);
	assert_int_equal(rule_explain(r, &env, &res, a), 0);
	assert_int_equal(res.result, RULE_FALSE);
	assert_int_equal(res.near, -1);
	assert_int_equal(res.nmissing, 0);
	rule_free(r);
	/* an or-condition is one clause; its value shows what short-circuited too */
	r = must_parse("employees > 100 or tax_paid > 1", RULE_CONDITION);
	assert_int_equal(rule_explain(r, &env, &res, a), 0);
	assert_int_equal(res.result, RULE_TRUE);
	assert_int_equal(res.nclauses, 1);
	assert_string_equal(res.clauses[0].value, "120 > 100 or ? > 1");
	assert_int_equal(res.nmissing, 0);
	rule_free(r);
	/* a benefit: no clauses, the whole value */
	r = must_parse("min(rd_spending[year-1] * 0.1, 20)", RULE_BENEFIT);
	assert_int_equal(rule_explain(r, &env, &res, a), 0);
	assert_int_equal(res.nclauses, 0);
	assert_string_equal(res.text, "min(rd_spending[2024] * 0.1, 20)");
	assert_string_equal(res.value, "min(300 × 0.1, 20)");
	assert_string_equal(num_text(res.amount), "20");
	rule_free(r);
	/* strings with quotes are quoted back */
	env.reg.street = "A\"B\\C";
	r = must_parse("street = \"A\\\"B\\\\C\"", RULE_CONDITION);
	assert_int_equal(rule_explain(r, &env, &res, a), 0);
	assert_int_equal(res.result, RULE_TRUE);
	assert_string_equal(res.clauses[0].value, "\"A\\\"B\\\\C\" = \"A\\\"B\\\\C\"");
	rule_free(r);
	arena_free(a);
}

/* ---- plain language ---- */

static void test_plain_language(void **state)
{
	(void)state;
	assert_string_equal(plain("rd_spending[year-1] >= 500 and key", RULE_CONDITION, RULE_ZH, 0),
	                    "上一年度研发投入 ≥ 500万元，且为重点企业");
	assert_string_equal(plain("rd_spending[year-1] >= 500 and key", RULE_CONDITION, RULE_EN, 0),
	                    "R&D spending (previous year) ≥ 500 ×10k yuan, and is a key enterprise");
	assert_string_equal(plain("employees >= 100 or high_tech", RULE_CONDITION, RULE_ZH, 0),
	                    "本年度从业人数 ≥ 100人，或本年度为高新技术企业");
	assert_string_equal(plain("employees >= 100", RULE_CONDITION, RULE_ZH, 2025), "2025年从业人数 ≥ 100人");
	assert_string_equal(plain("employees >= 100", RULE_CONDITION, RULE_EN, 2025), "employees (2025) ≥ 100 persons");
	assert_string_equal(plain("industry in (\"C27\", \"C39\") and not key", RULE_CONDITION, RULE_ZH, 0),
	                    "行业代码为“C27”、“C39”之一，且不是重点企业");
	assert_string_equal(plain("industry not in (\"C27\") and not listed", RULE_CONDITION, RULE_EN, 0),
	                    "industry code is none of \"C27\", and is not a listed company (this year)");
	assert_string_equal(plain("prefix(industry, \"C27\")", RULE_CONDITION, RULE_ZH, 0), "行业代码以“C27”开头");
	assert_string_equal(plain("prefix(industry, \"C27\")", RULE_CONDITION, RULE_EN, 0),
	                    "industry code starts with \"C27\"");
	assert_string_equal(plain("tax_paid[2023] > tax_paid[year-2] * 1.1", RULE_CONDITION, RULE_ZH, 0),
	                    "2023年纳税额 > 2年前纳税额 × 1.1");
	assert_string_equal(plain("tax_paid[2023] > tax_paid[year-2] * 1.1", RULE_CONDITION, RULE_EN, 0),
	                    "tax paid (2023) > tax paid (2 years earlier) × 1.1");
	assert_string_equal(plain("key and (high_tech or listed)", RULE_CONDITION, RULE_ZH, 0),
	                    "为重点企业，且（本年度为高新技术企业，或本年度为上市企业）");
	assert_string_equal(plain("not (key or land_mu > 50)", RULE_CONDITION, RULE_ZH, 0),
	                    "并非（为重点企业，或用地面积 > 50亩）");
	assert_string_equal(plain("high_tech = false and key = true", RULE_CONDITION, RULE_ZH, 0),
	                    "本年度不是高新技术企业，且为重点企业");
	assert_string_equal(plain("revenue[year-1] - revenue[year-2] >= 100", RULE_CONDITION, RULE_ZH, 0),
	                    "上一年度营业收入 − 2年前营业收入 ≥ 100万元");
	assert_string_equal(plain("min(rd_spending[year-1] * 0.1, 200)", RULE_BENEFIT, RULE_ZH, 0),
	                    "上一年度研发投入 × 0.1 与 200万元 中的较小者");
	assert_string_equal(plain("min(rd_spending[year-1] * 0.1, 200)", RULE_BENEFIT, RULE_EN, 0),
	                    "the smaller of R&D spending (previous year) × 0.1 and 200 ×10k yuan");
	/* a benefit is in 万元, whatever its factors: 0.3 is a rate per person */
	assert_string_equal(plain("min(new_employees[year-1] * 0.3, 60)", RULE_BENEFIT, RULE_ZH, 0),
	                    "上一年度新增就业人数 × 0.3 与 60万元 中的较小者");
	assert_string_equal(plain("max(1, 2, exports * 0.07) + 5", RULE_BENEFIT, RULE_EN, 0),
	                    "(the largest of 1 ×10k yuan, 2 ×10k yuan and exports (this year) × 0.07) + 5 ×10k yuan");
	/* in a condition a scaled fact keeps its unit */
	assert_string_equal(plain("exports * 1.15 >= 100", RULE_CONDITION, RULE_ZH, 0),
	                    "本年度出口额 × 1.15 ≥ 100万美元");
	assert_string_equal(plain("round(abs(exports - exports[year+1]) * 0.07, 2)", RULE_BENEFIT, RULE_ZH, 0),
	                    "（（本年度出口额 − 下一年度出口额）的绝对值 × 0.07）（四舍五入保留2位小数）");
	assert_string_equal(plain("(year - founded_year) * 2", RULE_BENEFIT, RULE_ZH, 2025), "（2025 − 成立年份） × 2");
	/* labels and units from the caller's definitions; a clause alone */
	static const struct rule_fact_def defs[] = {
		{ "patents", RULE_T_NUM, "发明专利", "patents", "件", "patents" },
		{ "tax_paid", RULE_T_NUM, "税收贡献", "tax contribution", "万元", "×10k yuan" },
	};
	struct rule_facts known = { defs, 2 };
	err_t e;
	rule_t *r = rule_parse("patents[year-1] >= 5 and tax_paid > 0", RULE_CONDITION, &known, "condition", &e);
	assert_non_null(r);
	buf_t b;
	buf_init(&b);
	assert_int_equal(rule_to_text(r, -1, RULE_ZH, &known, 0, &b), 0);
	assert_string_equal(b.data, "上一年度发明专利 ≥ 5件，且本年度税收贡献 > 0万元");
	buf_free(&b);
	assert_int_equal(rule_to_text(r, 1, RULE_EN, &known, 2025, &b), 0);
	assert_string_equal(b.data, "tax contribution (2025) > 0 ×10k yuan");
	buf_free(&b);
	assert_int_equal(rule_to_text(r, 2, RULE_EN, &known, 2025, &b), -1);
	assert_int_equal(rule_format(r, 0, 2025, &b), 0);
	assert_string_equal(b.data, "patents[2024] >= 5");
	buf_free(&b);
	rule_free(r);
	/* a built-in the caller did not list is unknown to the parser */
	assert_null(rule_parse("revenue > 0", RULE_CONDITION, &known, "condition", &e));
	assert_string_equal(err_get_param(&e, "reason"), "unknown_fact");
}

/* ---- typos: the line and column of the character at fault ---- */

static void test_typos(void **state)
{
	(void)state;
	static const struct { const char *src; int line, col; const char *reason; } t[] = {
		/* a missing ')': reported where it should be */
		{ "min(revenue, 5", 1, 15, "expected" },
		{ "employees ≥ 10 and (key or high_tech", 1, 37, "expected" },
		/* operators of other languages: at the character at fault */
		{ "employees == 100", 1, 12, "operator" },
		{ "employees => 100", 1, 11, "operator" },
		{ "employees >= 10 && key", 1, 17, "operator" },
		/* full-width punctuation is read as ASCII; what stays wrong is pointed at */
		{ "（employees >= 100", 1, 18, "expected" },
		{ "min(revenue，5) ＞ 1 and industry in (\"C27\"、\"C28\")", 1, 42, "character" },
		{ "industry = 'C27'", 1, 12, "character" },
		/* an unterminated string: at its opening quote */
		{ "street = \"东区", 1, 10, "string" },
		{ "key and street = \"东区 and 1 > 0\n", 1, 18, "string" },
		/* unknown names, ASCII or Chinese */
		{ "taxpaid > 0", 1, 1, "unknown_fact" },
		{ "employees > 100 and 研发投入 > 5", 1, 21, "unknown_fact" },
		{ "sum(revenue) > 1", 1, 1, "unknown_function" },
		{ "revenue(2024) > 1", 1, 8, "expected" },
		/* years */
		{ "tax_paid[year+] > 0", 1, 15, "expected" },
		{ "tax_paid[24] > 1", 1, 10, "year" },
		{ "tax_paid[year-1.5] > 1", 1, 15, "year" },
		{ "industry[2024] = \"C27\"", 1, 9, "year" },
		/* something missing or one too many */
		{ "employees > 100 and", 1, 20, "expected" },
		{ "employees > 100 or or key", 1, 20, "expected" },
		{ "500 600", 1, 5, "expected" },
		{ "revenue > 500万", 1, 14, "expected" },
		{ "revenue > 1,000", 1, 12, "expected" },
		{ "industry in (\"C27\" \"C28\")", 1, 20, "expected" },
		{ "round(revenue) > 0", 1, 14, "arguments" },
		{ "revenue < 1 < 2", 1, 13, "chained" },
		{ "revenue > 5.", 1, 13, "number" },
		{ "key and high_tech[year-1]]", 1, 26, "expected" },
		/* a line break inside the rule: line > 1, columns in characters */
		{ "employees > 100 and\n  tax_paid >", 2, 13, "expected" },
		{ "industry = \"C27\" and\r\n\temployees >= 10 and\r\n\tkey =", 3, 7, "expected" },
		{ "# 研发费用补助（注释）\nrd_spending[year-1] >= 100 and rd_spending[year-1] / revenue[year-1] >= 3%",
		  2, 74, "character" },
		{ "street = \"东区\" and employees >= 10 and key = \"是\"", 1, 45, "type" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		expect_error(t[i].src, RULE_CONDITION, "syntax", t[i].reason, t[i].line, t[i].col);
	/* the messages name what was expected and found */
	err_t e;
	assert_null(rule_parse("min(revenue, 5", RULE_CONDITION, NULL, "condition", &e));
	assert_string_equal(e.message, "expected ')' after the arguments of min, found the end of the rule");
	assert_string_equal(err_get_param(&e, "expected"), ")");
	assert_string_equal(err_get_param(&e, "found"), "end");
	assert_null(rule_parse("taxpaid > 0", RULE_CONDITION, NULL, "condition", &e));
	assert_string_equal(e.message, "unknown fact 'taxpaid': did you mean 'tax_paid'?");
	assert_string_equal(err_get_param(&e, "expected"), "tax_paid");
	assert_string_equal(err_get_param(&e, "found"), "taxpaid");
	assert_null(rule_parse("employees > 100 and 研发投入 > 5", RULE_CONDITION, NULL, "condition", &e));
	assert_string_equal(err_get_param(&e, "expected"), "rd_spending");
	assert_null(rule_parse("employes > 1", RULE_CONDITION, NULL, "condition", &e));
	assert_string_equal(err_get_param(&e, "expected"), "employees");
	assert_null(rule_parse("employees == 100", RULE_CONDITION, NULL, "condition", &e));
	assert_string_equal(err_get_param(&e, "expected"), "=");
	assert_string_equal(err_get_param(&e, "found"), "==");
	assert_null(rule_parse("mn(1, 2) > 0", RULE_CONDITION, NULL, "condition", &e));
	assert_string_equal(err_get_param(&e, "expected"), "min");
	/* accepted after folding: full-width ASCII, ≥ ≤ ≠, “”, ideographic spaces, upper case */
	assert_string_equal(formatted("min（revenue，５）＞　1　AND　street ＝ “东区” and employees ≥ 1 and "
	                              "employees ≤ 9 and employees ≠ 3", RULE_CONDITION, 0),
	                    "min(revenue, 5) > 1 and street = \"东区\" and employees >= 1 and employees <= 9 "
	                    "and employees != 3");
}

/* ---- the demo's three policies on hand-made facts (year 2025) ---- */

#define RD_COND "rd_spending[year-1] >= 100 and rd_spending[year-1] / revenue[year-1] >= 0.03 and tax_paid[year-1] > 0"
#define RD_BENEFIT "min(rd_spending[year-1] * 0.1, 200)"
#define HIRE_COND "key and new_employees[year-1] >= 10 and employees[year-1] >= 50"
#define HIRE_BENEFIT "min(new_employees[year-1] * 0.3, 60)"
#define EXPORT_COND "exports[year-1] >= 100 and exports[year-1] >= exports[year-2] * 1.15"
#define EXPORT_BENEFIT "min((exports[year-1] - exports[year-2]) * 0.07, 100)"

struct demo_case {
	const char *cond, *benefit;
	int key;
	struct fx facts[4];
	int result;
	const char *amount;         /* when eligible */
	int near;                   /* the clause, or -1 */
	const char *detail;         /* near: its value; unknown: the missing facts */
};

static void test_demo_policies(void **state)
{
	(void)state;
	static const struct demo_case t[] = {
		/* R&D expense subsidy: 10% of last year's R&D spending, at most 200万元 */
		{ RD_COND, RD_BENEFIT, 0, { { "rd_spending", 2024, "850.5" }, { "revenue", 2024, "12000" }, { "tax_paid", 2024, "300" } },
		  RULE_TRUE, "85.05", -1, NULL },
		{ RD_COND, RD_BENEFIT, 0, { { "rd_spending", 2024, "3000" }, { "revenue", 2024, "50000" }, { "tax_paid", 2024, "1200" } },
		  RULE_TRUE, "200.00", -1, NULL },
		{ RD_COND, RD_BENEFIT, 0, { { "rd_spending", 2024, "100.05" }, { "revenue", 2024, "1000" }, { "tax_paid", 2024, "1" } },
		  RULE_TRUE, "10.01", -1, NULL },                   /* 10.005 rounds up */
		{ RD_COND, RD_BENEFIT, 0, { { "rd_spending", 2024, "120" }, { "revenue", 2024, "8000" }, { "tax_paid", 2024, "50" } },
		  RULE_FALSE, NULL, 1, "(120 ÷ 8000 = 0.015) ≥ 0.03" },
		{ RD_COND, RD_BENEFIT, 0, { { "rd_spending", 2024, "200" }, { "tax_paid", 2024, "10" } },
		  RULE_UNKNOWN, NULL, -1, "revenue[2024]" },
		/* new-hire subsidy for key enterprises: 0.3万元 a new employee, at most 60万元 */
		{ HIRE_COND, HIRE_BENEFIT, 1, { { "new_employees", 2024, "25" }, { "employees", 2024, "300" } },
		  RULE_TRUE, "7.50", -1, NULL },
		{ HIRE_COND, HIRE_BENEFIT, 1, { { "new_employees", 2024, "250" }, { "employees", 2024, "1200" } },
		  RULE_TRUE, "60.00", -1, NULL },
		{ HIRE_COND, HIRE_BENEFIT, 0, { { "new_employees", 2024, "40" }, { "employees", 2024, "500" } },
		  RULE_FALSE, NULL, 0, "false" },
		{ HIRE_COND, HIRE_BENEFIT, 1, { { "new_employees", 2024, "9" }, { "employees", 2024, "60" } },
		  RULE_FALSE, NULL, 1, "9 ≥ 10" },
		{ HIRE_COND, HIRE_BENEFIT, -1, { { "new_employees", 2024, "12" }, { "employees", 2024, "60" } },
		  RULE_UNKNOWN, NULL, -1, "key" },
		/* export growth reward: growth of at least 15%, 0.07万元 per 万美元 of growth, at most 100万元 */
		{ EXPORT_COND, EXPORT_BENEFIT, 0, { { "exports", 2024, "1380" }, { "exports", 2023, "1000" } },
		  RULE_TRUE, "26.60", -1, NULL },
		{ EXPORT_COND, EXPORT_BENEFIT, 0, { { "exports", 2024, "5000" }, { "exports", 2023, "2000" } },
		  RULE_TRUE, "100.00", -1, NULL },
		{ EXPORT_COND, EXPORT_BENEFIT, 0, { { "exports", 2024, "1100" }, { "exports", 2023, "1000" } },
		  RULE_FALSE, NULL, 1, "1100 ≥ (1000 × 1.15 = 1150)" },
		{ EXPORT_COND, EXPORT_BENEFIT, 0, { { "exports", 2024, "90" } },
		  RULE_FALSE, NULL, -1, NULL },                     /* one false, one unknown: not near */
		{ EXPORT_COND, EXPORT_BENEFIT, 0, { { "exports", 2024, "900" } },
		  RULE_UNKNOWN, NULL, -1, "exports[2023]" },
	};
	arena_t *a = arena_new();
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct store s = { t[i].facts, 0, 0 };
		struct rule_env env = env_of(&s);
		env.reg.key = t[i].key;
		struct rule_result res, ben;
		rule_t *c = must_parse(t[i].cond, RULE_CONDITION), *b = must_parse(t[i].benefit, RULE_BENEFIT);
		assert_int_equal(rule_explain(c, &env, &res, a), 0);
		if (res.result != t[i].result)
			fail_msg("case %zu: result %d, wanted %d", i, res.result, t[i].result);
		assert_int_equal(res.near, t[i].near);
		if (t[i].result == RULE_TRUE) {
			char amount[RULE_NUM_LEN];
			assert_int_equal(rule_eval(b, &env, &ben), 0);
			assert_int_equal(ben.result, RULE_TRUE);
			rule_num_format_fixed(ben.amount, 2, amount);
			assert_string_equal(amount, t[i].amount);
		} else if (t[i].near >= 0) {
			assert_string_equal(res.clauses[t[i].near].value, t[i].detail);
		} else if (t[i].result == RULE_UNKNOWN) {
			assert_string_equal(missing_text(&res), t[i].detail);
		}
		rule_free(c);
		rule_free(b);
	}
	arena_free(a);
}

/* ---- the normalised text parses back to itself ---- */

static void test_format_round_trip(void **state)
{
	(void)state;
	static const struct { const char *src; enum rule_kind kind; } t[] = {
		{ RD_COND, RULE_CONDITION }, { RD_BENEFIT, RULE_BENEFIT }, { HIRE_COND, RULE_CONDITION },
		{ HIRE_BENEFIT, RULE_BENEFIT }, { EXPORT_COND, RULE_CONDITION }, { EXPORT_BENEFIT, RULE_BENEFIT },
		{ "not not key or (key = false)", RULE_CONDITION },
		{ "-(-5) - -3 * -(revenue)", RULE_BENEFIT }, { "2 * -3 - -(4)", RULE_BENEFIT },
		{ "industry not in (\"C27\", \"东区\\\"x\") and prefix(street, “东”)", RULE_CONDITION },
		{ "founded_year in (-1, 2, 3.5) and year - founded_year > 2", RULE_CONDITION },
		{ "(1 < 2) = (key or listed) and not (high_tech and key)", RULE_CONDITION },
		{ "round(abs(exports - exports[year+1]) * 0.07, 2) > 0 and high_tech[2020] = 1", RULE_CONDITION },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		enum rule_kind kind = t[i].kind;
		rule_t *r = must_parse(t[i].src, kind);
		buf_t one, two;
		buf_init(&one);
		buf_init(&two);
		assert_int_equal(rule_format(r, -1, 0, &one), 0);
		rule_t *again = must_parse(one.data, kind);
		assert_int_equal(rule_format(again, -1, 0, &two), 0);
		assert_string_equal(one.data, two.data);
		assert_int_equal(rule_nnodes(again) <= rule_nnodes(r), 1);
		buf_free(&one);
		buf_free(&two);
		rule_free(r);
		rule_free(again);
	}
}

static void test_fact_names(void **state)
{
	(void)state;
	err_t e;
	assert_int_equal(rule_fact_name_ok("patents", &e), 0);
	assert_int_equal(rule_fact_name_ok("a1_b2", &e), 0);
	static const char *const bad[] = { "", "1abc", "Patents", "pat-ents", "专利", "_x",
	                                   "abcdefghijklmnopqrstuvwxyzabcdefg" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(rule_fact_name_ok(bad[i], &e), -1);
		assert_string_equal(err_get_param(&e, "reason"), "syntax");
	}
	static const char *const reserved[] = { "and", "year", "min", "prefix", "industry", "key", "land_mu" };
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
		assert_int_equal(rule_fact_name_ok(reserved[i], &e), -1);
		assert_string_equal(err_get_param(&e, "reason"), "reserved");
	}
	assert_int_equal(rule_fact_name_ok(NULL, NULL), -1);
	/* every built-in is a good name with a label and a type */
	for (size_t i = 0; i < rule_builtin_nfacts; i++) {
		assert_int_equal(rule_fact_name_ok(rule_builtin_facts[i].name, &e), 0);
		assert_non_null(rule_builtin_facts[i].label_zh);
		assert_non_null(rule_builtin_facts[i].label_en);
	}
	assert_int_equal(rule_builtin_nfacts, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_exact),
		cmocka_unit_test(test_numbers_text),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_kleene),
		cmocka_unit_test(test_missing_registry_and_division),
		cmocka_unit_test(test_years),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_plain_language),
		cmocka_unit_test(test_typos),
		cmocka_unit_test(test_demo_policies),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_fact_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
