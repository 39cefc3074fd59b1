/*
 * test_policy_match.c -- the match (src/policy/match.c) against a plain
 * evaluation: on a temporary store (or $ZONEOPS_TEST_DB) with enterprises
 * whose ids have gaps and facts present or missing by a fixed pattern, the
 * prefetched match (the registry and each (fact, year) in one query,
 * merged by id) must give every enterprise the result, near clause and
 * amount that rule_eval gives it with each fact read by its own query.
 * Also the match of one enterprise, and the counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "store/store.h"
#include "testutil.h"

#define NENT 240
#define FIRST_ID 5
#define STEP 3          /* ids 5, 8, 11, ...: gaps the merge must skip */

static const char *const COND =
	"rd_spending[year-1] >= 100 and (street = \"东区\" or key)\n"
	"  and revenue[year-1] > revenue[year-2] and not high_tech[2024]";
static const char *const BEN = "min(rd_spending[year-1] * 0.1, 200) + round(revenue[year-1] / 1000, 1)";
/* key the only registry field */
static const char *const COND_KEY = "key and rd_spending[year-1] >= 100";
/* facts only: the match reads just the enterprises' ids */
static const char *const COND_FACTS = "rd_spending[year-1] >= 100 and revenue[year-1] > revenue[year-2]";

static void exec_ok(db_t *db, const char *sql, int n, const char *const *p)
{
	db_stmt_t *st = db_prepare(db, sql);
	assert_non_null(st);
	for (int i = 0; i < n; i++)
		db_bind_text(st, i + 1, p[i]);
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		fprintf(stderr, "%s: %s\n", sql, db_errmsg(db));
	assert_true(rc == DB_DONE || rc == DB_ROW);
}

static int64_t street(db_t *db, const char *name)
{
	db_stmt_t *st = db_prepare(db, "INSERT INTO streets (name) VALUES ($1) RETURNING id");
	assert_non_null(st);
	db_bind_text(st, 1, name);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t id = db_col_int(st, 0);
	db_done(st);
	return id;
}

static void seed(db_t *db)
{
	/* the ids a sequence gives (PostgreSQL's move on after a rollback) */
	int64_t streets[2] = { street(db, "东区"), street(db, "西区") };
	for (int k = 0; k < NENT; k++) {
		char id[16], code[24], name[32], street[24], key[4];
		int e = FIRST_ID + STEP * k;
		snprintf(id, sizeof id, "%d", e);
		snprintf(code, sizeof code, "T%d", e);
		snprintf(name, sizeof name, "企业%d", e);
		snprintf(street, sizeof street, "%lld", k % 3 == 0 ? 0LL : (long long)streets[k % 2]);   /* none, 东区, 西区 */
		snprintf(key, sizeof key, "%d", k % 5 == 0);
		const char *p[] = { id, code, name, street, key };
		exec_ok(db, "INSERT INTO enterprises (id, credit_code, name, street_id, is_key, created_at, updated_at)"
		            " VALUES (CAST($1 AS BIGINT), $2, $3, NULLIF(CAST($4 AS BIGINT), 0), CAST($5 AS BIGINT), 0, 0)",
		        5, p);
		static const char *const facts[] = { "rd_spending", "revenue", "high_tech" };
		for (int y = 2022; y <= 2024; y++)
			for (int f = 0; f < 3; f++) {
				unsigned h = (unsigned)(e * 2654435761u + (unsigned)y * 40503u + (unsigned)f * 977u);
				if (h % 7 == 0)
					continue;   /* missing */
				long long v = f == 2 ? (h % 4 == 0) * 10000LL : (long long)(h % 30000) * 100 + (h % 3) * 5;
				char ys[8], vs[32];
				snprintf(ys, sizeof ys, "%d", y);
				snprintf(vs, sizeof vs, "%lld", f == 1 ? v * 10 : v);
				const char *q[] = { id, ys, facts[f], vs };
				exec_ok(db, "INSERT INTO facts (enterprise_id, year, fact, value, updated_at)"
				            " VALUES (CAST($1 AS BIGINT), CAST($2 AS INTEGER), $3, CAST($4 AS BIGINT), 0)", 4, q);
			}
	}
}

/* ---- the plain evaluation: each fact by its own query ---- */

struct plain {
	db_t *db;
	int64_t id;
};

static int plain_fact(void *ud, size_t ref, const char *name, int year, struct rule_num *out)
{
	(void)ref;
	struct plain *p = ud;
	db_stmt_t *st = db_prepare(p->db, "SELECT value FROM facts WHERE enterprise_id = $1 AND fact = $2 AND year = $3");
	db_bind_int(st, 1, p->id);
	db_bind_text(st, 2, name);
	db_bind_int(st, 3, year);
	int rc = db_step(st);
	if (rc == DB_ROW)
		*out = fact_value_from_stored(db_col_int(st, 0));
	db_done(st);
	return rc == DB_ROW ? RULE_FOUND : rc == DB_DONE ? RULE_MISSING : -1;
}

static void plain_eval(db_t *db, const struct policy_rules *pr, int64_t id, int year, int *result, int *near,
                       struct rule_num *amount, char street[16])
{
	db_stmt_t *st = db_prepare(db, "SELECT s.name, e.is_key FROM enterprises e LEFT JOIN streets s ON s.id = e.street_id"
	                               " WHERE e.id = $1");
	db_bind_int(st, 1, id);
	assert_int_equal(db_step(st), DB_ROW);
	street[0] = '\0';
	int has_street = !db_col_isnull(st, 0);
	if (has_street)
		snprintf(street, 16, "%s", db_col_text(st, 0));
	int key = (int)db_col_int(st, 1);
	db_done(st);
	struct plain p = { db, id };
	struct rule_env env = { .year = year, .fact = plain_fact, .ud = &p };
	env.reg.key = key;
	env.reg.street = has_street ? street : NULL;
	struct rule_result res, ben;
	assert_int_equal(rule_eval(pr->cond, &env, &res), 0);
	*result = res.result;
	*near = res.result == RULE_FALSE ? res.near : -1;
	if (res.result == RULE_TRUE) {
		assert_int_equal(rule_eval(pr->ben, &env, &ben), 0);
		if (ben.result != RULE_TRUE)
			*result = RULE_UNKNOWN;
		*amount = ben.amount;
	}
}

static void match_equals_plain(const char *cond, size_t nclauses, const char *last_clause)
{
	testdb_t t;
	assert_int_equal(testdb_open(&t, "policy_match", 1, 1), 0);
	assert_int_equal(db_begin(t.db), DB_OK);
	seed(t.db);
	arena_t *a = arena_new();
	struct policy_rules pr;
	err_t e;
	assert_int_equal(policy_rules_compile(t.db, a, cond, BEN, &pr, &e), 0);
	struct policy_match m;
	assert_int_equal(policy_match_run(t.db, &pr, 2025, 0, 0, &m, &e), 0);
	assert_int_equal(m.n, NENT);
	size_t counts[3] = { 0 };   /* eligible, unknown, near */
	for (size_t i = 0; i < m.n; i++) {
		int64_t id = FIRST_ID + STEP * (int64_t)i;
		assert_int_equal(m.ents[i].id, id);
		int result, near;
		struct rule_num amount = { 0 };
		char street[16];
		plain_eval(t.db, &pr, id, 2025, &result, &near, &amount, street);
		assert_int_equal(m.ents[i].result, result);
		assert_int_equal(m.ents[i].near, near);
		if (result == RULE_TRUE)
			assert_true(rule_num_cmp(policy_match_amount(&m, i), amount) == 0);
		counts[0] += result == RULE_TRUE;
		counts[1] += result == RULE_UNKNOWN;
		counts[2] += near >= 0;
		/* the match of this enterprise alone says the same */
		if (i % 17 == 0) {
			struct policy_match one;
			assert_int_equal(policy_match_run(t.db, &pr, 2025, 1, id, &one, &e), 0);
			assert_int_equal(one.n, 1);
			assert_int_equal(one.ents[0].result, result);
			assert_int_equal(one.ents[0].near, near);
			policy_match_free(&one);
		}
	}
	assert_int_equal(m.eligible, counts[0]);
	assert_int_equal(m.unknown, counts[1]);
	assert_int_equal(m.near, counts[2]);
	assert_int_equal(m.eligible + m.unknown + m.not_eligible, m.n);
	/* the pattern gives every kind */
	assert_true(counts[0] > 5 && counts[1] > 5 && counts[2] > 5 && m.not_eligible > counts[2]);
	/* explanations only for what is shown: the first eligible's clauses */
	for (size_t i = 0; i < m.n; i++)
		if (m.ents[i].result == RULE_TRUE) {
			struct rule_result c, b;
			policy_match_explain(&m, i, a, &c, &b);
			assert_int_equal(c.nclauses, nclauses);
			assert_non_null(c.clauses[0].value);
			assert_string_equal(c.clauses[nclauses - 1].text, last_clause);
			break;
		}
	policy_match_free(&m);
	policy_rules_free(&pr);
	arena_free(a);
	db_rollback(t.db);
	testdb_close(&t);
}

static void test_match_equals_plain(void **state)
{
	(void)state;
	match_equals_plain(COND, 4, "not high_tech[2024]");
}

static void test_match_facts_only_equals_plain(void **state)
{
	(void)state;
	match_equals_plain(COND_FACTS, 2, "revenue[2024] > revenue[2023]");
}

static void test_match_key_equals_plain(void **state)
{
	(void)state;
	match_equals_plain(COND_KEY, 2, "rd_spending[2024] >= 100");
}

static void test_match_empty_and_amount_stored(void **state)
{
	(void)state;
	testdb_t t;
	assert_int_equal(testdb_open(&t, "policy_match_empty", 1, 1), 0);
	assert_int_equal(db_begin(t.db), DB_OK);
	arena_t *a = arena_new();
	struct policy_rules pr;
	err_t e;
	assert_int_equal(policy_rules_compile(t.db, a, COND, BEN, &pr, &e), 0);
	struct policy_match m;
	assert_int_equal(policy_match_run(t.db, &pr, 2025, 0, 0, &m, &e), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(m.eligible, 0);
	policy_match_free(&m);
	policy_rules_free(&pr);
	/* a syntax error names the rule, line and column */
	assert_int_equal(policy_rules_compile(t.db, a, "revenue >", BEN, &pr, &e), -1);
	assert_string_equal(e.code, "syntax");
	assert_string_equal(e.field, "condition");
	assert_string_equal(err_get_param(&e, "column"), "10");
	struct rule_num n;
	assert_int_equal(rule_num_parse("85.05", &n), 0);
	assert_int_equal(policy_amount_stored(n), 850500);
	arena_free(a);
	db_rollback(t.db);
	testdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_equals_plain),
		cmocka_unit_test(test_match_facts_only_equals_plain),
		cmocka_unit_test(test_match_key_equals_plain),
		cmocka_unit_test(test_match_empty_and_amount_stored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
