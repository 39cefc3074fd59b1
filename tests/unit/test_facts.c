/*
 * test_facts.c -- yearly facts (src/policy/facts.c): a cell's value read
 * exactly (hand-written examples, never through a double), the stored
 * form x 10^4, the JSON number, and the storage on a temporary store (or
 * $ZONEOPS_TEST_DB): fact_defs_load, fact_set, fact_put.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/facts.h"
#include "policy/policy.h"
#include "store/store.h"
#include "testutil.h"

/* ---- values ---- */

struct vcase {
	const char *text;
	int lenient;
	int rc;
	int64_t stored;             /* value x 10^4 when rc is 0 */
};

static const struct vcase vcases[] = {
	{ "12000.5", 0, 0, 120005000 },
	{ "0.1", 0, 0, 1000 },
	{ "-3.25", 0, 0, -32500 },
	{ "+7", 0, 0, 70000 },
	{ "1.2345", 0, 0, 12345 },
	{ "1.23450000", 0, 0, 12345 },          /* trailing zeros are no decimals */
	{ "0.0001", 0, 0, 1 },
	{ "1e3", 0, 0, 10000000 },
	{ "1.5E-3", 0, 0, 15 },
	{ "2.5e+2", 0, 0, 2500000 },
	{ "  42  ", 0, 0, 420000 },
	{ "99999999999.9999", 0, 0, 999999999999999LL },
	{ "-99999999999.9999", 0, 0, -999999999999999LL },
	{ "0", 0, 0, 0 },
	{ "1.23456", 0, FACT_VALUE_PRECISION, 0 },
	{ "0.00001", 0, FACT_VALUE_PRECISION, 0 },
	{ "1.5e-4", 0, FACT_VALUE_PRECISION, 0 },
	{ "1.00000000000001", 0, FACT_VALUE_PRECISION, 0 },   /* beyond rule_num's 12 decimals too */
	{ "12345.678900000001", 0, FACT_VALUE_PRECISION, 0 },
	{ "100000000000", 0, FACT_VALUE_RANGE, 0 },
	{ "1e11", 0, FACT_VALUE_RANGE, 0 },
	{ "1e14", 0, FACT_VALUE_RANGE, 0 },
	{ "1e30", 0, FACT_VALUE_RANGE, 0 },
	{ "abc", 0, FACT_VALUE_NAN, 0 },
	{ "", 0, FACT_VALUE_NAN, 0 },
	{ "1,000", 0, FACT_VALUE_NAN, 0 },
	{ "12万", 0, FACT_VALUE_NAN, 0 },
	{ "nan", 0, FACT_VALUE_NAN, 0 },
	{ "inf", 0, FACT_VALUE_NAN, 0 },
	{ "0x10", 0, FACT_VALUE_NAN, 0 },
	{ "1..2", 0, FACT_VALUE_NAN, 0 },
	/* XLSX number cells: a double written with 17 digits is the decimal
	 * it shows with 15 */
	{ "12345.678900000001", 1, 0, 123456789 },
	{ "5.5400000000000001", 1, 0, 55400 },
	{ "61.799999999999997", 1, 0, 618000 },
	{ "0.10000000000000001", 1, 0, 1000 },
	{ "1234567.1234000001", 1, 0, 12345671234LL },
	{ "1.23456", 1, FACT_VALUE_PRECISION, 0 },   /* a real fifth decimal stays one */
	{ "1.5E-4", 1, FACT_VALUE_PRECISION, 0 },
};

static void test_value_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vcases / sizeof vcases[0]; i++) {
		const struct vcase *c = &vcases[i];
		struct rule_num n = rule_num_int(-12345);
		int rc = fact_value_parse(c->text, c->lenient, &n);
		if (rc != c->rc)
			fail_msg("\"%s\" (lenient %d): %d, expected %d", c->text, c->lenient, rc, c->rc);
		if (rc == 0) {
			int64_t stored = -1;
			assert_int_equal(fact_value_to_stored(n, &stored), 0);
			if (stored != c->stored)
				fail_msg("\"%s\": stored %lld, expected %lld", c->text, (long long)stored, (long long)c->stored);
			/* and back, exactly */
			struct rule_num back = fact_value_from_stored(stored);
			assert_int_equal(rule_num_cmp(back, n), 0);
		}
	}
}

static void test_stored(void **state)
{
	(void)state;
	struct rule_num n;
	int64_t s;
	assert_int_equal(rule_num_parse("850.5", &n), 0);
	assert_int_equal(fact_value_to_stored(n, &s), 0);
	assert_int_equal(s, 8505000);
	assert_int_equal(rule_num_parse("1.00005", &n), 0);
	assert_int_equal(fact_value_to_stored(n, &s), -1);      /* 5 decimals */
	assert_int_equal(rule_num_parse("1e11", &n), 0);
	assert_int_equal(fact_value_to_stored(n, &s), -1);      /* out of range */
	char t[RULE_NUM_LEN];
	rule_num_format(fact_value_from_stored(-32500), t);
	assert_string_equal(t, "-3.25");
	rule_num_format(fact_value_from_stored(1), t);
	assert_string_equal(t, "0.0001");
}

/* ---- JSON ---- */

static void dump_is(struct rule_num n, const char *want)
{
	json_t *a = json_array();
	json_array_append_new(a, json_decimal(n));
	/* as the server prints replies (http/server.c) */
	char *s = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(15));
	char w[96];
	snprintf(w, sizeof w, "[%s]", want);
	if (strcmp(s, w) != 0)
		fail_msg("json_decimal: %s, expected %s", s, w);
	free(s);
	json_decref(a);
}

static void test_json_decimal(void **state)
{
	(void)state;
	static const char *const texts[] = { "0", "1234", "-7", "85.05", "0.1", "0.0001", "12000.5", "10.01",
	                                     "12345678.1234", "99999999999.9999", "-1.005", "100000000000000",
	                                     "9223372036854775807" };
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct rule_num n;
		assert_int_equal(rule_num_parse(texts[i], &n), 0);
		dump_is(n, texts[i]);
	}
	/* a whole number is a JSON integer, else a real */
	struct rule_num n;
	rule_num_parse("1234", &n);
	json_t *j = json_decimal(n);
	assert_true(json_is_integer(j));
	json_decref(j);
	rule_num_parse("0.5", &n);
	j = json_decimal(n);
	assert_true(json_is_real(j));
	json_decref(j);
}

/* ---- storage ---- */

static testdb_t g_t;
static struct fixture g_f;

static int group_setup(void **state)
{
	(void)state;
	if (auth_init() != 0 || testdb_open(&g_t, "facts", 1, 1) < 0)
		return -1;
	return testdb_fixture(g_t.db, &g_f);
}

static int group_teardown(void **state)
{
	(void)state;
	testdb_close(&g_t);
	return 0;
}

static int64_t stored_value(int year, const char *fact)
{
	db_stmt_t *st = db_prepare(g_t.db, "SELECT value FROM facts WHERE enterprise_id = $1 AND year = $2 AND fact = $3");
	db_bind_int(st, 1, g_f.enterprise_id);
	db_bind_int(st, 2, year);
	db_bind_text(st, 3, fact);
	int64_t v = db_step(st) == DB_ROW ? db_col_int(st, 0) : -999;
	db_done(st);
	return v;
}

static void test_defs_load(void **state)
{
	(void)state;
	db_t *db = g_t.db;
	arena_t *a = arena_new();
	struct rule_facts f;
	err_t err;
	assert_int_equal(fact_defs_load(db, a, &f, &err), 0);
	size_t n0 = f.n;                  /* a shared $ZONEOPS_TEST_DB may hold declared facts */
	assert_true(n0 >= rule_builtin_nfacts);
	assert_string_equal(f.defs[0].name, "revenue");
	assert_non_null(fact_def_find(&f, "high_tech"));
	assert_int_equal(fact_def_find(&f, "high_tech")->type, RULE_T_BOOL);
	char pat[32], green[32], lab1[32], lab2[32], cond[128];
	long pid = (long)getpid();
	snprintf(pat, sizeof pat, "patents_%ld", pid);
	snprintf(green, sizeof green, "green_%ld", pid);
	snprintf(lab1, sizeof lab1, "专利数%ld", pid);
	snprintf(lab2, sizeof lab2, "绿色工厂%ld", pid);
	assert_null(fact_def_find(&f, pat));
	const char *p1[3] = { pat, lab1, "number" }, *p2[3] = { green, lab2, "bool" };
	static const char ins[] = "INSERT INTO fact_defs (name, label, label_en, unit, unit_en, type, builtin, created_at)"
	                          " VALUES ($1, $2, 'patents', '件', 'patents', $3, 0, 1) RETURNING 1";
	assert_int_equal(testutil_insert(db, ins, 3, p1), 1);
	assert_int_equal(testutil_insert(db, ins, 3, p2), 1);
	assert_int_equal(fact_defs_load(db, a, &f, &err), 0);
	assert_int_equal(f.n, n0 + 2);
	const struct rule_fact_def *p = fact_def_find(&f, pat);
	assert_non_null(p);
	assert_string_equal(p->label_zh, lab1);
	assert_string_equal(p->unit_zh, "件");
	assert_int_equal(fact_def_find(&f, green)->type, RULE_T_BOOL);
	/* the rule engine takes them */
	snprintf(cond, sizeof cond, "%s[year-1] >= 3 and %s", pat, green);
	rule_t *r = rule_parse(cond, RULE_CONDITION, &f, "condition", &err);
	assert_non_null(r);
	rule_free(r);
	arena_free(a);
}

static void test_set_and_put(void **state)
{
	(void)state;
	db_t *db = g_t.db;
	int64_t e = g_f.enterprise_id;
	struct rule_num n;
	rule_num_parse("850.5", &n);
	assert_int_equal(fact_set(db, e, 2024, "rd_spending", n), DB_OK);
	assert_int_equal(stored_value(2024, "rd_spending"), 8505000);
	rule_num_parse("900", &n);
	assert_int_equal(fact_set(db, e, 2024, "rd_spending", n), DB_OK);   /* replaced */
	assert_int_equal(stored_value(2024, "rd_spending"), 9000000);
	rule_num_parse("1.00005", &n);                                        /* rounded half away from zero */
	assert_int_equal(fact_set(db, e, 2024, "revenue", n), DB_OK);
	assert_int_equal(stored_value(2024, "revenue"), 10001);
	rule_num_parse("-1.00005", &n);
	assert_int_equal(fact_set(db, e, 2024, "revenue", n), DB_OK);
	assert_int_equal(stored_value(2024, "revenue"), -10001);
	rule_num_parse("1e20", &n);
	assert_int_equal(fact_set(db, e, 2024, "revenue", n), DB_CONSTRAINT); /* out of range */
	assert_int_equal(stored_value(2024, "revenue"), -10001);
	rule_num_parse("1", &n);
	assert_true(fact_set(db, e, 2024, "no_such_fact", n) < 0);            /* the foreign key */
	assert_true(fact_set(db, e, 1800, "revenue", n) < 0);                 /* the year's check */
	int was = 0;
	assert_int_equal(fact_put(db, e, 2025, "employees", 1200000, &was), DB_OK);
	assert_int_equal(was, FACT_NEW);
	assert_int_equal(fact_put(db, e, 2025, "employees", 1200000, &was), DB_OK);
	assert_int_equal(was, FACT_SAME);
	assert_int_equal(fact_put(db, e, 2025, "employees", 1210000, &was), DB_OK);
	assert_int_equal(was, FACT_REPLACED);
	assert_int_equal(stored_value(2025, "employees"), 1210000);
}

/* A batch said to hold no stored key (maybe_stored 0) whose key another
 * writer stored meanwhile: the plain INSERT fails under its savepoint, and
 * the count and the merge write the batch instead, counted exactly. */
static void test_bulk_new_raced(void **state)
{
	(void)state;
	db_t *db = g_t.db;
	int64_t e = g_f.enterprise_id;
	int was;
	db_stmt_t *st = db_prepare(db, "DELETE FROM facts WHERE enterprise_id = $1 AND year IN (2031, 2032)");
	assert_non_null(st);   /* a shared $ZONEOPS_TEST_DB may hold them from an earlier run */
	db_bind_int(st, 1, e);
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
	assert_int_equal(fact_put(db, e, 2031, "revenue", 70000, &was), DB_OK);     /* stored "meanwhile" */
	assert_int_equal(fact_put(db, e, 2031, "employees", 50000, &was), DB_OK);
	assert_int_equal(db_begin(db), DB_OK);
	assert_int_equal(fact_bulk_begin(db), DB_OK);
	struct fact_bulk b;
	memset(&b, 0, sizeof b);
	assert_int_equal(fact_bulk_add(&b, e, 2031, "revenue", 80000, 0), 0);     /* replaced */
	assert_int_equal(fact_bulk_add(&b, e, 2031, "employees", 50000, 0), 0);   /* unchanged */
	assert_int_equal(fact_bulk_add(&b, e, 2031, "exports", 10000, 0), 0);     /* added */
	assert_int_equal(fact_bulk_flush(db, &b, 1), DB_OK);
	assert_int_equal(db_commit(db), DB_OK);
	assert_int_equal(b.created, 1);
	assert_int_equal(b.replaced, 1);
	assert_int_equal(b.unchanged, 1);
	assert_int_equal(stored_value(2031, "revenue"), 80000);
	assert_int_equal(stored_value(2031, "employees"), 50000);
	assert_int_equal(stored_value(2031, "exports"), 10000);
	/* and when nothing is in the way, the plain INSERT writes them */
	assert_int_equal(db_begin(db), DB_OK);
	assert_int_equal(fact_bulk_begin(db), DB_OK);
	assert_int_equal(fact_bulk_add(&b, e, 2032, "revenue", 1, 0), 0);
	assert_int_equal(fact_bulk_add(&b, e, 2032, "exports", 2, 0), 0);
	assert_int_equal(fact_bulk_flush(db, &b, 1), DB_OK);
	assert_int_equal(db_commit(db), DB_OK);
	assert_int_equal(b.created, 3);
	assert_int_equal(stored_value(2032, "revenue"), 1);
	assert_int_equal(stored_value(2032, "exports"), 2);
	fact_bulk_free(&b);
}

/* The loose scan gives what a plain DISTINCT gives. */
static void test_ids_with_facts(void **state)
{
	(void)state;
	db_t *db = g_t.db;
	int64_t *ids;
	size_t n;
	assert_int_equal(fact_ids_with_facts(db, &ids, &n), DB_OK);
	db_stmt_t *st = db_prepare(db, "SELECT DISTINCT enterprise_id FROM facts ORDER BY enterprise_id");
	assert_non_null(st);
	size_t k = 0;
	while (db_step(st) == DB_ROW) {
		assert_true(k < n);
		assert_int_equal(ids[k], db_col_int(st, 0));
		k++;
	}
	db_done(st);
	assert_int_equal(k, n);
	assert_true(n > 0);   /* test_set_and_put stored some */
	free(ids);
}

/* One statement with text parameters: DB_OK, DB_CONSTRAINT or DB_ERR. */
static int run(const char *sql, int n, const char *const *p)
{
	db_stmt_t *st = db_prepare(g_t.db, sql);
	if (st == NULL)
		return DB_ERR;
	for (int i = 0; i < n; i++)
		db_bind_text(st, i + 1, p[i]);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE || rc == DB_ROW ? DB_OK : rc;
}

static int64_t count_facts(const char *enterprise_id)
{
	const char *p[1] = { enterprise_id };
	return db_int1(g_t.db, "SELECT count(*) FROM facts WHERE enterprise_id = CAST($1 AS BIGINT)", -1, 1, p);
}

/* The references of facts hold on both stores.  SQLite checks them with
 * its foreign keys, PostgreSQL with migration 18's triggers once per
 * statement: the same statements must give the same answers. */
static void test_references(void **state)
{
	(void)state;
	db_t *db = g_t.db;
	char code[32], name[32], def[32], ent[24], gone[24], other[24];
	long pid = (long)getpid();
	snprintf(code, sizeof code, "REFTEST%ld", pid);
	snprintf(name, sizeof name, "引用测试%ld", pid);
	snprintf(def, sizeof def, "reftest_%ld", pid);
	snprintf(other, sizeof other, "%lld", (long long)g_f.enterprise_id);
	const char *pe[2] = { code, name };
	int64_t e = testutil_insert(db, "INSERT INTO enterprises (credit_code, name, created_at, updated_at)"
	                                " VALUES ($1, $2, 1, 1) RETURNING id", 2, pe);
	assert_true(e > 0);
	snprintf(ent, sizeof ent, "%lld", (long long)e);
	snprintf(gone, sizeof gone, "%lld", (long long)db_int1(db, "SELECT max(id) + 1000 FROM enterprises", -1, 0, NULL));
	const char *pd[1] = { def };
	assert_int_equal(run("INSERT INTO fact_defs (name, label, label_en, unit, unit_en, type, builtin, created_at)"
	                     " VALUES ($1, $1, $1, '', '', 'number', 0, 1)", 1, pd), DB_OK);
	static const char ins2[] = "INSERT INTO facts (enterprise_id, year, fact, value, updated_at) VALUES"
	                           " (CAST($1 AS BIGINT), 2024, $2, 1, 1), (CAST($3 AS BIGINT), 2024, $4, 2, 1)";
	const char *good[4] = { ent, "revenue", ent, def };
	assert_int_equal(run(ins2, 4, good), DB_OK);
	const char *pg[4] = { other, "revenue", other, def };
	assert_int_equal(run("INSERT INTO facts (enterprise_id, year, fact, value, updated_at) VALUES"
	                     " (CAST($1 AS BIGINT), 2023, $2, 1, 1), (CAST($3 AS BIGINT), 2023, $4, 2, 1)", 4, pg), DB_OK);
	assert_int_equal(count_facts(ent), 2);
	/* an enterprise that does not exist, in a statement of two rows: neither is written */
	const char *bad_ent[4] = { ent, "employees", gone, "employees" };
	assert_int_equal(run(ins2, 4, bad_ent), DB_CONSTRAINT);
	const char *bad_def[4] = { ent, "employees", ent, "no_such_fact" };
	assert_int_equal(run(ins2, 4, bad_def), DB_CONSTRAINT);
	assert_int_equal(count_facts(ent), 2);
	assert_int_equal(count_facts(gone), 0);
	/* nor by an update of the keys, nor by an upsert */
	const char *up1[2] = { gone, ent };
	assert_int_equal(run("UPDATE facts SET enterprise_id = CAST($1 AS BIGINT) WHERE enterprise_id = CAST($2 AS BIGINT)", 2, up1),
	                 DB_CONSTRAINT);
	const char *up2[2] = { "no_such_fact", ent };
	assert_int_equal(run("UPDATE facts SET fact = $1 WHERE enterprise_id = CAST($2 AS BIGINT)", 2, up2), DB_CONSTRAINT);
	const char *ups[2] = { gone, "revenue" };
	assert_int_equal(run("INSERT INTO facts (enterprise_id, year, fact, value, updated_at) VALUES (CAST($1 AS BIGINT), 2024, $2, 1, 1)"
	                     " ON CONFLICT (enterprise_id, year, fact) DO UPDATE SET value = excluded.value", 2, ups), DB_CONSTRAINT);
	const char *up3[1] = { ent };
	assert_int_equal(run("UPDATE facts SET value = value + 1 WHERE enterprise_id = CAST($1 AS BIGINT)", 1, up3), DB_OK);
	/* a definition facts refer to can be neither renamed nor deleted */
	assert_int_equal(run("UPDATE fact_defs SET name = name || 'x' WHERE name = $1", 1, pd), DB_CONSTRAINT);
	assert_int_equal(run("DELETE FROM fact_defs WHERE name = $1", 1, pd), DB_CONSTRAINT);
	assert_int_equal(run("UPDATE fact_defs SET label = 'x' WHERE name = $1", 1, pd), DB_OK);
	/* nor the id of an enterprise they refer to changed */
	const char *mv[2] = { gone, ent };
	assert_int_equal(run("UPDATE enterprises SET id = CAST($1 AS BIGINT) WHERE id = CAST($2 AS BIGINT)", 2, mv), DB_CONSTRAINT);
	/* deleting the enterprise deletes its facts, and no one else's */
	int64_t others = count_facts(other);
	assert_int_equal(run("DELETE FROM enterprises WHERE id = CAST($1 AS BIGINT)", 1, up3), DB_OK);
	assert_int_equal(count_facts(ent), 0);
	assert_int_equal(count_facts(other), others);
	/* once no fact refers to it, the definition goes */
	const char *po[2] = { other, def };
	assert_int_equal(run("DELETE FROM facts WHERE enterprise_id = CAST($1 AS BIGINT) AND fact = $2", 2, po), DB_OK);
	assert_int_equal(run("DELETE FROM fact_defs WHERE name = $1", 1, pd), DB_OK);
}

/* PostgreSQL: the statement triggers lock what they check as a foreign key
 * does, so a delete and an insert of a fact of the same enterprise wait for
 * each other (seen here as a lock timeout) and never leave a fact without
 * its enterprise.  (SQLite has one writer at a time.) */
static void test_references_concurrent(void **state)
{
	(void)state;
	db_t *a = g_t.db;
	if (db_kind(a) != DB_POSTGRES)
		skip();
	char *err = NULL;
	db_t *b = db_open(g_t.url, &err);
	assert_non_null(b);
	char code[2][32], name[2][32], id[2][24];
	for (int i = 0; i < 2; i++) {
		snprintf(code[i], sizeof code[i], "RACE%d-%ld", i, (long)getpid());
		snprintf(name[i], sizeof name[i], "并发%d", i);
		const char *pe[2] = { code[i], name[i] };
		int64_t e = testutil_insert(a, "INSERT INTO enterprises (credit_code, name, created_at, updated_at)"
		                               " VALUES ($1, $2, 1, 1) RETURNING id", 2, pe);
		assert_true(e > 0);
		snprintf(id[i], sizeof id[i], "%lld", (long long)e);
	}
	static const char ins[] = "INSERT INTO facts (enterprise_id, year, fact, value, updated_at)"
	                          " VALUES (CAST($1 AS BIGINT), 2024, 'revenue', 1, 1)";
	static const char del[] = "DELETE FROM enterprises WHERE id = CAST($1 AS BIGINT)";
	const char *p0[1] = { id[0] }, *p1[1] = { id[1] };
	/* b adds a fact and has not committed: a's delete waits for it */
	assert_int_equal(db_begin(b), DB_OK);
	db_stmt_t *st = db_prepare(b, ins);
	db_bind_text(st, 1, id[0]);
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
	assert_int_equal(db_begin(a), DB_OK);
	assert_int_equal(db_exec(a, "SET LOCAL lock_timeout = '300ms'"), DB_OK);
	assert_int_equal(run(del, 1, p0), DB_BUSY);   /* lock_not_available */
	db_rollback(a);
	assert_int_equal(db_commit(b), DB_OK);
	assert_int_equal(count_facts(id[0]), 1);
	/* once it has, the delete takes the fact with it */
	assert_int_equal(run(del, 1, p0), DB_OK);
	assert_int_equal(count_facts(id[0]), 0);
	/* a deletes the other and has not committed: b's fact waits for it */
	assert_int_equal(db_begin(a), DB_OK);
	assert_int_equal(run(del, 1, p1), DB_OK);
	assert_int_equal(db_begin(b), DB_OK);
	assert_int_equal(db_exec(b, "SET LOCAL lock_timeout = '300ms'"), DB_OK);
	st = db_prepare(b, ins);
	db_bind_text(st, 1, id[1]);
	assert_int_equal(db_step(st), DB_BUSY);      /* lock_not_available */
	db_done(st);
	db_rollback(b);
	assert_int_equal(db_commit(a), DB_OK);
	/* and after it has, the fact is refused */
	st = db_prepare(b, ins);
	db_bind_text(st, 1, id[1]);
	assert_int_equal(db_step(st), DB_CONSTRAINT);
	db_done(st);
	assert_int_equal(count_facts(id[1]), 0);
	db_close(b);
}

/* Many rows: full statements of many rows and the rest one by one; the
 * same values as fact_set; replacing too. */
static void test_set_many(void **state)
{
	(void)state;
	db_t *db = g_t.db;
	int64_t e = g_f.enterprise_id;
	enum { N = 130 };
	struct fact_row rows[N];
	static const char *const names[] = { "revenue", "tax_paid", "rd_spending", "employees", "exports" };
	for (int i = 0; i < N; i++) {
		rows[i] = (struct fact_row){ .enterprise_id = e, .year = 1950 + i / 5, .fact = names[i % 5] };
		char t[32];
		snprintf(t, sizeof t, "%d.%04d", i, i * 7 % 10000);
		assert_int_equal(rule_num_parse(t, &rows[i].value), 0);
	}
	assert_int_equal(db_begin(db), DB_OK);
	assert_int_equal(fact_set_many(db, rows, N), DB_OK);
	assert_int_equal(db_commit(db), DB_OK);
	char p[32];
	snprintf(p, sizeof p, "%lld", (long long)e);
	const char *pp[1] = { p };
	assert_int_equal(db_int1(db, "SELECT count(*) FROM facts WHERE enterprise_id = CAST($1 AS BIGINT) AND year < 2000", -1,
	                         1, pp), N);
	assert_int_equal(stored_value(1950, "revenue"), 0);
	assert_int_equal(stored_value(1950 + 129 / 5, names[129 % 5]), 129 * 10000 + 129 * 7);
	assert_int_equal(stored_value(1950 + 64 / 5, names[64 % 5]), 64 * 10000 + 64 * 7);
	/* again, other values: replaced */
	for (int i = 0; i < N; i++)
		rows[i].value = rule_num_int(i + 1);
	assert_int_equal(fact_set_many(db, rows, N), DB_OK);
	assert_int_equal(stored_value(1950, "revenue"), 10000);
	assert_int_equal(stored_value(1950 + 129 / 5, names[129 % 5]), 130 * 10000);
	/* out of range: refused */
	rule_num_parse("1e15", &rows[3].value);
	assert_int_equal(fact_set_many(db, rows, N), DB_CONSTRAINT);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_value_parse),
		cmocka_unit_test(test_stored),
		cmocka_unit_test(test_json_decimal),
	};
	const struct CMUnitTest store[] = {
		cmocka_unit_test(test_defs_load),
		cmocka_unit_test(test_set_and_put),
		cmocka_unit_test(test_set_many),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_references_concurrent),
		cmocka_unit_test(test_ids_with_facts),
		cmocka_unit_test(test_bulk_new_raced),
	};
	int rc = cmocka_run_group_tests_name("facts: values", pure, NULL, NULL);
	return rc | cmocka_run_group_tests_name("facts: storage", store, group_setup, group_teardown);
}
