/*
 * test_transfer.c -- every table of one database copied into another
 * (store/transfer.c, the demo seeding's way into PostgreSQL).
 *
 * Rows written by hand into an in-memory SQLite database -- text with every
 * character COPY escapes, CJK and full-width forms, NULLs, a blob with NUL,
 * backslash, TAB and 0xFF bytes, a double that needs 17 digits, a lead that
 * refers to an earlier one -- are copied into the target and back into a
 * second in-memory database, and each value is compared with the literal it
 * was written as.  The target is a temporary SQLite file, or with
 * $ZONEOPS_TEST_DB (PostgreSQL) a schema of its own (zo_transfer), created
 * and dropped here, so a shared database is left as it was found.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#define SCHEMA "zo_transfer"

static testdb_t g_t;
static db_t *g_to;
static char g_admin_url[1200];   /* $ZONEOPS_TEST_DB itself, to create and drop the schema */

static int pg_schema(const char *sql)
{
	char *err = NULL;
	db_t *db = db_open(g_admin_url, &err);
	int rc = db ? db_exec(db, sql) : DB_ERR;
	if (rc != DB_OK)
		fprintf(stderr, "test_transfer: %s: %s\n", sql, db ? db_errmsg(db) : err);
	free(err);
	db_close(db);
	return rc;
}

static int setup(void **state)
{
	(void)state;
	const char *env = getenv("ZONEOPS_TEST_DB");
	if (env && *env && strncmp(env, "sqlite:", 7) != 0) {
		snprintf(g_admin_url, sizeof g_admin_url, "%s", env);
		if (pg_schema("DROP SCHEMA IF EXISTS " SCHEMA " CASCADE") != DB_OK ||
		    pg_schema("CREATE SCHEMA " SCHEMA) != DB_OK)
			return -1;
		/* the connection's search_path: the new schema only */
		char url[1200];
		snprintf(url, sizeof url, "%s%soptions=-csearch_path%%3D" SCHEMA, env, strchr(env, '?') ? "&" : "?");
		if (setenv("ZONEOPS_TEST_DB", url, 1) != 0)
			return -1;
	}
	if (testdb_open(&g_t, "transfer", 1, 1) < 0)
		return -1;
	g_to = g_t.db;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testdb_close(&g_t);
	if (g_admin_url[0])
		pg_schema("DROP SCHEMA IF EXISTS " SCHEMA " CASCADE");
	return 0;
}

static db_t *memory_db(void)
{
	char *err = NULL;
	db_t *db = db_open("sqlite::memory:", &err);
	if (db == NULL || db_migrate(db, &err) < 0)
		fail_msg("in-memory database: %s", err ? err : "?");
	return db;
}

static void exec_ok(db_t *db, const char *sql)
{
	if (db_exec(db, sql) != DB_OK)
		fail_msg("%s: %s", sql, db_errmsg(db));
}

/* The hand-written rows. */
#define TEXT1 "tab\there, newline\nthere, CR\r, backslash \\ and \\N, quote ' \" ; 南通 ＡＢＣ１２３"
#define BLOB1 "00005C095CFF41"    /* NUL NUL \ TAB \ 0xFF A */

static void fill(db_t *db)
{
	db_stmt_t *st = db_prepare(db, "INSERT INTO settings (key, value, updated_at) VALUES ('zt.text', $1, 1)");
	db_bind_text(st, 1, TEXT1);
	if (db_step(st) != DB_DONE)
		fail_msg("settings: %s", db_errmsg(db));
	db_done(st);
	exec_ok(db, "INSERT INTO settings (key, value, updated_at) VALUES ('zt.empty', '', 2)");
	exec_ok(db, "INSERT INTO streets (id, name, name_en) VALUES (7, '星湖街道', 'Xinghu'), (12, 'Ｚ街道', '')");
	exec_ok(db, "INSERT INTO enterprises (id, credit_code, name, street_id, land_mu, created_at, updated_at)"
	            " VALUES (40, '91320691MA1NPW3P7M', '南通星源材质科技有限公司', 12, 0.30000000000000004, 5, 6),"
	            " (41, '91320691708051321X', 'Ｚ公司', NULL, 1e-300, 5, 6)");
	exec_ok(db, "INSERT INTO import_jobs (id, kind, filename, payload, created_at, finished_at)"
	            " VALUES (3, 'enterprises', 'a.csv', x'" BLOB1 "', 9, NULL), (5, 'facts', 'b.csv', x'', 9, 10),"
	            " (6, 'facts', 'c.csv', NULL, 9, 10)");
	/* a unit from the migrations is referenced by the leads */
	exec_ok(db, "INSERT INTO leads (id, unit_id, company, company_key, industry, captured_on, status,"
	            " duplicate_of, created_at, updated_at)"
	            " VALUES (8, (SELECT min(id) FROM units), '甲公司', '甲', 'C38', '2026-01-02', 'pending', NULL, 1, 1),"
	            " (9, (SELECT min(id) FROM units), '甲公司', '甲', 'C38', '2026-01-03', 'pending', 8, 1, 1)");
}

static char *text1(db_t *db, const char *sql)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL || db_step(st) != DB_ROW)
		fail_msg("%s: %s", sql, db_errmsg(db));
	char *s = db_col_isnull(st, 0) ? NULL : strdup(db_col_text(st, 0));
	db_done(st);
	return s;
}

static void expect_text(db_t *db, const char *sql, const char *want)
{
	char *got = text1(db, sql);
	if (want == NULL) {
		if (got != NULL)
			fail_msg("%s: want NULL, got '%s'", sql, got);
	} else {
		if (got == NULL)
			fail_msg("%s: want '%s', got NULL", sql, want);
		if (strcmp(got, want) != 0)
			fail_msg("%s: want '%s', got '%s'", sql, want, got);
	}
	free(got);
}

static void expect_int(db_t *db, const char *sql, int64_t want)
{
	int64_t got = db_int1(db, sql, INT64_MIN, 0, NULL);
	if (got != want)
		fail_msg("%s: want %lld, got %lld (%s)", sql, (long long)want, (long long)got, db_errmsg(db));
}

static void expect_double(db_t *db, const char *sql, double want)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL || db_step(st) != DB_ROW)
		fail_msg("%s: %s", sql, db_errmsg(db));
	double got = db_col_double(st, 0);
	db_done(st);
	if (got != want)
		fail_msg("%s: want %.17g, got %.17g", sql, want, got);
}

/* Every hand-written value, as written. */
static void check(db_t *db)
{
	expect_text(db, "SELECT value FROM settings WHERE key = 'zt.text'", TEXT1);
	expect_text(db, "SELECT value FROM settings WHERE key = 'zt.empty'", "");
	expect_int(db, "SELECT updated_at FROM settings WHERE key = 'zt.empty'", 2);
	expect_text(db, "SELECT name FROM streets WHERE id = 12", "Ｚ街道");
	expect_text(db, "SELECT name_en FROM streets WHERE id = 7", "Xinghu");
	expect_int(db, "SELECT street_id FROM enterprises WHERE id = 40", 12);
	expect_text(db, "SELECT street_id FROM enterprises WHERE id = 41", NULL);
	expect_double(db, "SELECT land_mu FROM enterprises WHERE id = 40", 0.30000000000000004);
	expect_double(db, "SELECT land_mu FROM enterprises WHERE id = 41", 1e-300);
	expect_text(db, "SELECT name FROM enterprises WHERE id = 41", "Ｚ公司");
	int pg = db_kind(db) == DB_POSTGRES;
	expect_text(db, pg ? "SELECT upper(encode(payload, 'hex')) FROM import_jobs WHERE id = 3"
	                   : "SELECT hex(payload) FROM import_jobs WHERE id = 3", BLOB1);
	expect_int(db, pg ? "SELECT length(payload) FROM import_jobs WHERE id = 5"
	                  : "SELECT length(payload) FROM import_jobs WHERE id = 5", 0);
	expect_text(db, "SELECT payload FROM import_jobs WHERE id = 6", NULL);
	expect_text(db, "SELECT finished_at FROM import_jobs WHERE id = 3", NULL);
	expect_int(db, "SELECT finished_at FROM import_jobs WHERE id = 5", 10);
	expect_int(db, "SELECT duplicate_of FROM leads WHERE id = 9", 8);
	expect_text(db, "SELECT company FROM leads WHERE id = 8", "甲公司");
	/* the migrations' rows came along, once */
	expect_int(db, "SELECT count(*) FROM units", 6);
	expect_int(db, "SELECT count(*) FROM import_jobs", 3);
}

static void test_there_and_back(void **state)
{
	(void)state;
	db_t *from = memory_db();
	fill(from);
	/* what the target held before is replaced, the migrations' record kept */
	exec_ok(g_to, "INSERT INTO settings (key, value, updated_at) VALUES ('zt.gone', 'x', 1)");
	exec_ok(g_to, "INSERT INTO streets (name) VALUES ('zt-gone-1'), ('zt-gone-2'), ('zt-gone-3')");
	int64_t version = db_schema_version(g_to);

	assert_int_equal(db_begin(g_to), DB_OK);
	assert_int_equal(db_lock_tables(g_to), DB_OK);
	if (db_transfer(from, g_to) != DB_OK)
		fail_msg("transfer: %s", db_errmsg(g_to));
	assert_int_equal(db_commit(g_to), DB_OK);
	check(g_to);
	expect_int(g_to, "SELECT count(*) FROM settings WHERE key = 'zt.gone'", 0);
	expect_int(g_to, "SELECT count(*) FROM streets", 2);
	assert_int_equal(db_schema_version(g_to), version);

	/* new rows continue after the copied ids (PostgreSQL: the sequences) */
	int64_t id = testutil_insert(g_to, "INSERT INTO streets (name) VALUES ('zt-new') RETURNING id", 0, NULL);
	assert_int_equal(id, 13);
	id = testutil_insert(g_to, "INSERT INTO import_jobs (kind, created_at) VALUES ('facts', 1) RETURNING id", 0, NULL);
	assert_int_equal(id, 7);
	exec_ok(g_to, "DELETE FROM streets WHERE name = 'zt-new'");
	exec_ok(g_to, "DELETE FROM import_jobs WHERE id = 7");

	/* and back: the target's own reading (PostgreSQL's text forms) */
	db_t *back = memory_db();
	assert_int_equal(db_begin(back), DB_OK);
	if (db_transfer(g_to, back) != DB_OK)
		fail_msg("transfer back: %s", db_errmsg(back));
	assert_int_equal(db_commit(back), DB_OK);
	check(back);
	db_close(back);
	db_close(from);
}

static void test_refusals(void **state)
{
	(void)state;
	db_t *from = memory_db();
	/* outside a transaction */
	assert_int_equal(db_transfer(from, g_to), DB_ERR);
	assert_non_null(strstr(db_errmsg(g_to), "transaction"));
	/* at another schema version: nothing is touched */
	exec_ok(from, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'zt', 0)");
	int64_t before = db_int1(g_to, "SELECT count(*) FROM streets", -1, 0, NULL);
	assert_int_equal(db_begin(g_to), DB_OK);
	assert_int_equal(db_transfer(from, g_to), DB_ERR);
	assert_non_null(strstr(db_errmsg(g_to), "schema versions differ"));
	assert_int_equal(db_rollback(g_to), DB_OK);
	assert_int_equal(db_int1(g_to, "SELECT count(*) FROM streets", -1, 0, NULL), before);
	db_close(from);
	/* two PostgreSQL databases: no catalog to read */
	if (db_kind(g_to) == DB_POSTGRES) {
		assert_int_equal(db_begin(g_to), DB_OK);
		assert_int_equal(db_transfer(g_to, g_to), DB_ERR);
		assert_non_null(strstr(db_errmsg(g_to), "SQLite"));
		db_rollback(g_to);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_there_and_back),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
