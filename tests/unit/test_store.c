/*
 * test_store.c -- contract tests for the storage API (src/store/store.h).
 *
 * Runs against the database named by $ZONEOPS_TEST_DB (any URL db_open
 * accepts), by default a temporary SQLite file that is removed afterwards.
 * For PostgreSQL:
 *   url=$(scripts/pg.sh start /tmp/zo-pg) &&
 *   ZONEOPS_TEST_DB=$url build/tests/test_store; scripts/pg.sh stop /tmp/zo-pg
 * The suite creates and drops its own tables (zo_store_*), so it can rerun.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "testutil.h"

static testdb_t g_t;        /* $ZONEOPS_TEST_DB or a temporary SQLite file */
static db_t *g_db;

#define CHINESE "张江高科技园区·集成电路产业园（二期）"

static const char Q_INS[] =
	"INSERT INTO zo_store_t (name, n, x, note) VALUES ($1, $2, $3, $4) RETURNING id";
static const char Q_COUNT[] = "SELECT count(*) FROM zo_store_t";
static const char Q_BY_NAME[] = "SELECT id, name, n, x, note FROM zo_store_t WHERE name = $1";
static const char Q_NAMES[] = "SELECT name, n FROM zo_store_t WHERE n >= $1 ORDER BY n";

static void exec_ok(const char *sql)
{
	int rc = db_exec(g_db, sql);
	if (rc != DB_OK)
		fail_msg("db_exec(%s) = %d: %s", sql, rc, db_errmsg(g_db));
}

static const char *id_type(void)
{
	return db_kind(g_db) == DB_SQLITE ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY";
}

/* Insert one row and return its id (RETURNING). */
static int64_t insert_row(const char *name, int64_t n, double x, const char *note)
{
	db_stmt_t *st = db_prepare(g_db, Q_INS);
	assert_non_null(st);
	assert_int_equal(db_bind_text(st, 1, name), DB_OK);
	assert_int_equal(db_bind_int(st, 2, n), DB_OK);
	assert_int_equal(db_bind_double(st, 3, x), DB_OK);
	assert_int_equal(db_bind_text(st, 4, note), DB_OK);
	int rc = db_step(st);
	if (rc != DB_ROW)
		fail_msg("insert %s: step = %d: %s", name, rc, db_errmsg(g_db));
	int64_t id = db_col_int(st, 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
	return id;
}

static int64_t count_rows(void)
{
	return db_int1(g_db, Q_COUNT, -1, 0, NULL);
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
	(void)state;
	if (testdb_open(&g_t, "store", 1, 0) < 0)
		return -1;
	g_db = g_t.db;
	char ddl[512];
	if (db_exec(g_db, "DROP TABLE IF EXISTS zo_store_t") != DB_OK ||
	    db_exec(g_db, "DROP TABLE IF EXISTS zo_store_ddl") != DB_OK) {
		fprintf(stderr, "test_store: drop: %s\n", db_errmsg(g_db));
		return -1;
	}
	snprintf(ddl, sizeof ddl,
	         "CREATE TABLE zo_store_t (id %s, name TEXT NOT NULL UNIQUE, n BIGINT,"
	         " x DOUBLE PRECISION, note TEXT)", id_type());
	if (db_exec(g_db, ddl) != DB_OK) {
		fprintf(stderr, "test_store: create: %s\n", db_errmsg(g_db));
		return -1;
	}
	fprintf(stderr, "test_store: running against %s\n",
	        db_kind(g_db) == DB_SQLITE ? "SQLite" : "PostgreSQL");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (g_db) {
		if (db_in_tx(g_db))
			db_rollback(g_db);
		db_exec(g_db, "DROP TABLE IF EXISTS zo_store_ddl");
		db_exec(g_db, "DROP TABLE IF EXISTS zo_store_t");
	}
	testdb_close(&g_t);
	g_db = NULL;
	return 0;
}

static int clear_rows(void **state)
{
	(void)state;
	if (db_in_tx(g_db))
		db_rollback(g_db);
	return db_exec(g_db, "DELETE FROM zo_store_t") == DB_OK ? 0 : -1;
}

/* ---- tests ---- */

static void test_kind_matches_url(void **state)
{
	(void)state;
	if (strncmp(g_t.url, "sqlite:", 7) == 0)
		assert_int_equal(db_kind(g_db), DB_SQLITE);
	else
		assert_int_equal(db_kind(g_db), DB_POSTGRES);
	assert_int_equal(db_in_tx(g_db), 0);
}

/* SQLite syncs the WAL at every commit (synchronous=FULL = 2): an
 * acknowledged write survives a power loss. */
static void test_sqlite_synchronous_full(void **state)
{
	(void)state;
	if (db_kind(g_db) != DB_SQLITE)
		skip();
	assert_int_equal(db_int1(g_db, "PRAGMA synchronous", -1, 0, NULL), 2);
}

static void test_exec_ddl(void **state)
{
	(void)state;
	char ddl[256];
	snprintf(ddl, sizeof ddl, "CREATE TABLE zo_store_ddl (id %s, v TEXT NOT NULL)", id_type());
	exec_ok(ddl);
	/* several statements in one call */
	exec_ok("INSERT INTO zo_store_ddl (v) VALUES ('a'); INSERT INTO zo_store_ddl (v) VALUES ('b');");
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM zo_store_ddl", -1, 0, NULL), 2);
	/* ids are assigned and increase */
	assert_true(db_int1(g_db, "SELECT max(id) FROM zo_store_ddl", 0, 0, NULL) >
	            db_int1(g_db, "SELECT min(id) FROM zo_store_ddl", 0, 0, NULL));
	exec_ok("DROP TABLE zo_store_ddl");

	/* a bad statement fails with a message and leaves the connection usable */
	assert_int_equal(db_exec(g_db, "CREATE TABLE zo_store_t (id INTEGER)"), DB_ERR);
	assert_true(db_errmsg(g_db)[0] != '\0');
	assert_int_equal(db_exec(g_db, "THIS IS NOT SQL"), DB_ERR);
	assert_true(db_errmsg(g_db)[0] != '\0');
	assert_int_equal(count_rows(), 0);
}

static void test_bad_sql_statement(void **state)
{
	(void)state;
	/* Either prepare fails (SQLite) or the first step does (PostgreSQL
	 * prepares lazily); both must report a message. */
	db_stmt_t *st = db_prepare(g_db, "SELECT no_such_column FROM zo_store_t WHERE id = $1");
	if (st == NULL) {
		assert_true(db_errmsg(g_db)[0] != '\0');
	} else {
		db_bind_int(st, 1, 1);
		assert_int_equal(db_step(st), DB_ERR);
		assert_true(db_errmsg(g_db)[0] != '\0');
		db_done(st);
	}
	assert_int_equal(count_rows(), 0);
}

static void test_insert_returning(void **state)
{
	(void)state;
	int64_t a = insert_row("alpha", 1, 1.5, "first");
	int64_t b = insert_row("beta", 2, 2.5, "second");
	assert_true(a > 0);
	assert_true(b > a);
	assert_int_equal(count_rows(), 2);
	/* the returned id is the stored one */
	const char *p[] = { "beta" };
	assert_int_equal(db_int1(g_db, "SELECT id FROM zo_store_t WHERE name = $1", -1, 1, p), b);
}

static void test_bind_and_read_back(void **state)
{
	(void)state;
	const int64_t big = INT64_C(9007199254740993);   /* not exact as a double */
	int64_t id = insert_row(CHINESE, big, 0.1, NULL);
	insert_row("min", INT64_MIN, -2.5e-300, "");
	insert_row("max", INT64_MAX, 1e300, "x");

	db_stmt_t *st = db_prepare(g_db, Q_BY_NAME);
	assert_non_null(st);
	assert_int_equal(db_bind_text(st, 1, CHINESE), DB_OK);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_count(st), 5);
	assert_string_equal(db_col_name(st, 0), "id");
	assert_string_equal(db_col_name(st, 4), "note");
	assert_int_equal(db_col_int(st, 0), id);
	assert_false(db_col_isnull(st, 1));
	assert_string_equal(db_col_text(st, 1), CHINESE);
	assert_int_equal(strlen(db_col_text(st, 1)), strlen(CHINESE));
	assert_int_equal(db_col_int(st, 2), big);
	assert_true(db_col_double(st, 3) == 0.1);   /* exact round trip */
	/* NULL: isnull, "" as text, 0 as numbers */
	assert_true(db_col_isnull(st, 4));
	assert_non_null(db_col_text(st, 4));
	assert_string_equal(db_col_text(st, 4), "");
	assert_int_equal(db_col_int(st, 4), 0);
	assert_true(db_col_double(st, 4) == 0.0);
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);

	st = db_prepare(g_db, Q_BY_NAME);
	assert_non_null(st);
	db_bind_text(st, 1, "min");
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int(st, 2), INT64_MIN);
	assert_true(db_col_double(st, 3) == -2.5e-300);
	assert_false(db_col_isnull(st, 4));            /* empty string is not NULL */
	assert_string_equal(db_col_text(st, 4), "");
	db_done(st);

	st = db_prepare(g_db, Q_BY_NAME);
	assert_non_null(st);
	db_bind_text(st, 1, "max");
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int(st, 2), INT64_MAX);
	assert_true(db_col_double(st, 3) == 1e300);
	db_done(st);

	/* explicit bind_null and bind_text(NULL) both store NULL */
	st = db_prepare(g_db, "UPDATE zo_store_t SET n = $1, note = $2 WHERE name = $3");
	assert_non_null(st);
	assert_int_equal(db_bind_null(st, 1), DB_OK);
	assert_int_equal(db_bind_text(st, 2, NULL), DB_OK);
	db_bind_text(st, 3, "max");
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(st), 1);
	db_done(st);
	const char *p[] = { "max" };
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM zo_store_t WHERE name = $1"
	                               " AND n IS NULL AND note IS NULL", -1, 1, p), 1);

	/* UTF-8 in a LIKE pattern and through lower() */
	const char *q[] = { "%集成电路%" };
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM zo_store_t WHERE lower(name) LIKE lower($1)",
	                         -1, 1, q), 1);
}

static void test_param_twice_and_out_of_order(void **state)
{
	(void)state;
	insert_row("same", 7, 0, "same");
	insert_row("other", 8, 0, "x");

	/* $1 twice */
	db_stmt_t *st = db_prepare(g_db,
		"SELECT count(*) FROM zo_store_t WHERE name = $1 AND note = $1");
	assert_non_null(st);
	db_bind_text(st, 1, "same");
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int(st, 0), 1);
	db_done(st);

	st = db_prepare(g_db, "SELECT CAST($1 AS BIGINT) + CAST($1 AS BIGINT) * 10");
	assert_non_null(st);
	db_bind_int(st, 1, 3);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int(st, 0), 33);
	db_done(st);

	/* $2 before $1, in an INSERT and in a SELECT list */
	st = db_prepare(g_db, "INSERT INTO zo_store_t (name, n) VALUES ($2, $1)");
	assert_non_null(st);
	db_bind_int(st, 1, 99);
	db_bind_text(st, 2, "swapped");
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
	const char *p[] = { "swapped" };
	assert_int_equal(db_int1(g_db, "SELECT n FROM zo_store_t WHERE name = $1", -1, 1, p), 99);

	st = db_prepare(g_db, "SELECT CAST($2 AS TEXT), CAST($1 AS BIGINT), CAST($2 AS TEXT)");
	assert_non_null(st);
	db_bind_int(st, 1, 42);
	db_bind_text(st, 2, "b");
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "b");
	assert_int_equal(db_col_int(st, 1), 42);
	assert_string_equal(db_col_text(st, 2), "b");
	db_done(st);

	/* binding in reverse order works the same */
	st = db_prepare(g_db, "SELECT count(*) FROM zo_store_t WHERE n = $1 AND name = $2");
	assert_non_null(st);
	db_bind_text(st, 2, "same");
	db_bind_int(st, 1, 7);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_col_int(st, 0), 1);
	db_done(st);
}

static void test_unique_violation(void **state)
{
	(void)state;
	insert_row("dup", 1, 0, NULL);
	db_stmt_t *st = db_prepare(g_db, Q_INS);
	assert_non_null(st);
	db_bind_text(st, 1, "dup");
	db_bind_int(st, 2, 2);
	db_bind_double(st, 3, 0);
	db_bind_null(st, 4);
	assert_int_equal(db_step(st), DB_CONSTRAINT);
	assert_true(db_errmsg(g_db)[0] != '\0');
	db_done(st);
	/* NOT NULL is a constraint too */
	st = db_prepare(g_db, "INSERT INTO zo_store_t (name) VALUES ($1)");
	assert_non_null(st);
	db_bind_null(st, 1);
	assert_int_equal(db_step(st), DB_CONSTRAINT);
	db_done(st);
	/* the cached statement and the connection still work */
	insert_row("dup2", 2, 0, NULL);
	assert_int_equal(count_rows(), 2);
}

static void test_rollback_discards(void **state)
{
	(void)state;
	insert_row("kept", 1, 0, NULL);
	assert_int_equal(db_begin(g_db), DB_OK);
	assert_int_equal(db_in_tx(g_db), 1);
	insert_row("gone1", 2, 0, NULL);
	insert_row("gone2", 3, 0, NULL);
	assert_int_equal(count_rows(), 3);   /* visible inside the transaction */
	assert_int_equal(db_rollback(g_db), DB_OK);
	assert_int_equal(db_in_tx(g_db), 0);
	assert_int_equal(count_rows(), 1);
}

static void test_commit_keeps(void **state)
{
	(void)state;
	assert_int_equal(db_begin(g_db), DB_OK);
	assert_int_equal(db_in_tx(g_db), 1);
	insert_row("c1", 1, 0, NULL);
	db_stmt_t *st = db_prepare(g_db, "UPDATE zo_store_t SET note = $1 WHERE name = $2");
	assert_non_null(st);
	db_bind_text(st, 1, CHINESE);
	db_bind_text(st, 2, "c1");
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
	assert_int_equal(db_commit(g_db), DB_OK);
	assert_int_equal(db_in_tx(g_db), 0);
	assert_int_equal(count_rows(), 1);

	/* and it is really on disk / in the server: a second connection sees it */
	char *err = NULL;
	db_t *other = db_open(g_t.url, &err);
	if (other == NULL)
		fail_msg("second connection: %s", err ? err : "?");
	const char *p[] = { CHINESE };
	assert_int_equal(db_int1(other, "SELECT count(*) FROM zo_store_t WHERE note = $1", -1, 1, p), 1);
	db_close(other);
}

static void test_changes(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++) {
		char name[16];
		snprintf(name, sizeof name, "r%d", i);
		insert_row(name, i, 0, NULL);
	}
	db_stmt_t *st = db_prepare(g_db, "UPDATE zo_store_t SET note = 'u' WHERE n >= $1");
	assert_non_null(st);
	db_bind_int(st, 1, 2);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(st), 3);
	db_done(st);

	st = db_prepare(g_db, "UPDATE zo_store_t SET note = 'v' WHERE n > $1");
	assert_non_null(st);
	db_bind_int(st, 1, 100);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(st), 0);
	db_done(st);

	st = db_prepare(g_db, "DELETE FROM zo_store_t WHERE n < $1");
	assert_non_null(st);
	db_bind_int(st, 1, 2);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(st), 2);
	db_done(st);

	/* INSERT ... RETURNING: one change once stepped to the end */
	st = db_prepare(g_db, Q_INS);
	assert_non_null(st);
	db_bind_text(st, 1, "ret");
	db_bind_int(st, 2, 1);
	db_bind_double(st, 3, 0);
	db_bind_null(st, 4);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(st), 1);
	db_done(st);
	assert_int_equal(count_rows(), 4);
}

static void test_stmt_cache_sequential(void **state)
{
	(void)state;
	insert_row("s1", 1, 0, NULL);
	insert_row("s2", 2, 0, NULL);

	db_stmt_t *a = db_prepare(g_db, Q_BY_NAME);
	assert_non_null(a);
	db_bind_text(a, 1, "s1");
	assert_int_equal(db_step(a), DB_ROW);
	assert_string_equal(db_col_text(a, 1), "s1");
	db_done(a);

	/* same literal again: the cached statement, fresh result */
	db_stmt_t *b = db_prepare(g_db, Q_BY_NAME);
	assert_non_null(b);
	assert_ptr_equal(a, b);
	db_bind_text(b, 1, "s2");
	assert_int_equal(db_step(b), DB_ROW);
	assert_string_equal(db_col_text(b, 1), "s2");
	assert_int_equal(db_col_int(b, 2), 2);
	assert_int_equal(db_step(b), DB_DONE);
	db_done(b);

	/* db_done forgot the bindings: an unbound parameter is NULL */
	b = db_prepare(g_db, Q_BY_NAME);
	assert_non_null(b);
	assert_int_equal(db_step(b), DB_DONE);
	db_done(b);

	/* done before the end of the rows, then reuse */
	b = db_prepare(g_db, Q_NAMES);
	assert_non_null(b);
	db_bind_int(b, 1, 0);
	assert_int_equal(db_step(b), DB_ROW);
	db_done(b);
	b = db_prepare(g_db, Q_NAMES);
	assert_non_null(b);
	db_bind_int(b, 1, 2);
	assert_int_equal(db_step(b), DB_ROW);
	assert_string_equal(db_col_text(b, 0), "s2");
	assert_int_equal(db_step(b), DB_DONE);
	db_done(b);

	/* many runs of the same statement */
	for (int i = 0; i < 50; i++) {
		const char *p[] = { i % 2 ? "s1" : "s2" };
		assert_int_equal(db_int1(g_db, "SELECT n FROM zo_store_t WHERE name = $1", -1, 1, p),
		                 i % 2 ? 1 : 2);
	}
	db_done(NULL);   /* allowed */
}

static void test_stmt_cache_nested(void **state)
{
	(void)state;
	insert_row("n1", 1, 0, "a");
	insert_row("n2", 2, 0, "b");
	insert_row("n3", 3, 0, "c");

	db_stmt_t *outer = db_prepare(g_db, Q_NAMES);
	assert_non_null(outer);
	db_bind_int(outer, 1, 1);
	int seen = 0;
	int rc;
	while ((rc = db_step(outer)) == DB_ROW) {
		char name[16];
		snprintf(name, sizeof name, "%s", db_col_text(outer, 0));
		int64_t n = db_col_int(outer, 1);
		/* the same literal while the outer one is iterating */
		db_stmt_t *inner = db_prepare(g_db, Q_NAMES);
		assert_non_null(inner);
		assert_ptr_not_equal(inner, outer);
		db_bind_int(inner, 1, n);
		assert_int_equal(db_step(inner), DB_ROW);
		assert_string_equal(db_col_text(inner, 0), name);
		int inner_rows = 1;
		while (db_step(inner) == DB_ROW)
			inner_rows++;
		assert_int_equal(inner_rows, 3 - (int)n + 1);
		db_done(inner);
		/* the outer row is untouched */
		assert_string_equal(db_col_text(outer, 0), name);
		assert_int_equal(db_col_int(outer, 1), n);
		seen++;
	}
	assert_int_equal(rc, DB_DONE);
	assert_int_equal(seen, 3);
	db_done(outer);

	/* afterwards the literal is served from the cache again */
	db_stmt_t *again = db_prepare(g_db, Q_NAMES);
	assert_ptr_equal(again, outer);
	db_bind_int(again, 1, 3);
	assert_int_equal(db_step(again), DB_ROW);
	assert_string_equal(db_col_text(again, 0), "n3");
	db_done(again);
}

static void test_int1(void **state)
{
	(void)state;
	insert_row("i1", 10, 0, NULL);
	insert_row("i2", 20, 0, NULL);
	const char *p[] = { "20" };
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM zo_store_t WHERE n = $1", -1, 1, p), 1);
	assert_int_equal(db_int1(g_db, "SELECT sum(n) FROM zo_store_t", -1, 0, NULL), 30);
	/* no row -> default; NULL -> default */
	const char *q[] = { "nobody" };
	assert_int_equal(db_int1(g_db, "SELECT n FROM zo_store_t WHERE name = $1", -7, 1, q), -7);
	assert_int_equal(db_int1(g_db, "SELECT max(n) FROM zo_store_t WHERE n > 1000", -8, 0, NULL), -8);
	/* NULL parameter entry binds NULL: matches nothing */
	const char *r[] = { NULL };
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM zo_store_t WHERE name = $1", -1, 1, r), 0);
	/* bad SQL -> default */
	assert_int_equal(db_int1(g_db, "SELECT nope FROM nowhere_zo", -9, 0, NULL), -9);
	/* two text parameters */
	const char *s[] = { "i1", "i2" };
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM zo_store_t WHERE name IN ($1, $2)", -1, 2, s), 2);
}

static void test_check_and_backup(void **state)
{
	(void)state;
	char *err = NULL;
	assert_int_equal(db_check(g_db, &err), 0);
	assert_null(err);

	char path[256];
	snprintf(path, sizeof path, "/tmp/zo-store-backup-%ld.db", (long)getpid());
	unlink(path);
	int rc = db_backup(g_db, path, &err);
	if (db_kind(g_db) == DB_SQLITE) {
		if (rc != 0)
			fail_msg("backup: %s", err ? err : "?");
		assert_int_equal(access(path, F_OK), 0);
		unlink(path);
	} else {
		assert_int_equal(rc, -1);
		assert_non_null(err);
		assert_non_null(strstr(err, "pg_dump"));
		free(err);
	}
}


/* db_copy: many rows in bulk inside a transaction (COPY on PostgreSQL),
 * texts with the characters COPY escapes, NULL, numbers; a failure (a
 * duplicate) is reported at the end and the transaction rolls back. */
static void test_copy(void **state)
{
	(void)state;
	assert_int_equal(db_begin(g_db), DB_OK);
	db_copy_t *c = db_copy_begin(g_db, "zo_store_t", "name, n, x, note", 4);
	assert_non_null(c);
	char name[32];
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "row %d", i);
		db_copy_text(c, name);
		db_copy_int(c, i == 7 ? INT64_MIN + 1 : i);
		db_copy_double(c, i / 4.0);
		if (i % 2)
			db_copy_null(c);
		else
			db_copy_text(c, i == 0 ? "tab\there, line\nbreak, back\\slash \\N, cr\r, 南通" : "");
		db_copy_row(c);
	}
	assert_int_equal(db_copy_end(c), DB_OK);
	assert_int_equal(db_commit(g_db), DB_OK);
	assert_int_equal(count_rows(), 3000);
	const char *p0[1] = { "row 0" };
	db_stmt_t *st = db_prepare(g_db, "SELECT note, n, x FROM zo_store_t WHERE name = $1");
	db_bind_text(st, 1, p0[0]);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_col_text(st, 0), "tab\there, line\nbreak, back\\slash \\N, cr\r, 南通");
	db_done(st);
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM zo_store_t WHERE note IS NULL", -1, 0, NULL), 1500);
	assert_int_equal(db_int1(g_db, "SELECT n FROM zo_store_t WHERE name = 'row 7'", 0, 0, NULL), INT64_MIN + 1);
	assert_int_equal(db_int1(g_db, "SELECT CAST(x * 4 AS BIGINT) FROM zo_store_t WHERE name = 'row 2999'", 0, 0, NULL),
	                 2999);
	/* a duplicate name: the end says so, nothing of it stays */
	assert_int_equal(db_begin(g_db), DB_OK);
	c = db_copy_begin(g_db, "zo_store_t", "name, n", 2);
	db_copy_text(c, "new one");
	db_copy_int(c, 1);
	db_copy_row(c);
	db_copy_text(c, "row 5");
	db_copy_int(c, 1);
	db_copy_row(c);
	assert_int_equal(db_copy_end(c), DB_CONSTRAINT);
	db_rollback(g_db);
	assert_int_equal(count_rows(), 3000);
	/* a row of the wrong width is refused */
	assert_int_equal(db_begin(g_db), DB_OK);
	c = db_copy_begin(g_db, "zo_store_t", "name, n", 2);
	db_copy_text(c, "short");
	db_copy_row(c);
	assert_int_equal(db_copy_end(c), DB_ERR);
	db_rollback(g_db);
	assert_int_equal(count_rows(), 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_kind_matches_url, clear_rows),
		cmocka_unit_test_setup(test_sqlite_synchronous_full, clear_rows),
		cmocka_unit_test_setup(test_exec_ddl, clear_rows),
		cmocka_unit_test_setup(test_bad_sql_statement, clear_rows),
		cmocka_unit_test_setup(test_insert_returning, clear_rows),
		cmocka_unit_test_setup(test_bind_and_read_back, clear_rows),
		cmocka_unit_test_setup(test_param_twice_and_out_of_order, clear_rows),
		cmocka_unit_test_setup(test_unique_violation, clear_rows),
		cmocka_unit_test_setup(test_rollback_discards, clear_rows),
		cmocka_unit_test_setup(test_commit_keeps, clear_rows),
		cmocka_unit_test_setup(test_changes, clear_rows),
		cmocka_unit_test_setup(test_stmt_cache_sequential, clear_rows),
		cmocka_unit_test_setup(test_stmt_cache_nested, clear_rows),
		cmocka_unit_test_setup(test_int1, clear_rows),
		cmocka_unit_test_setup(test_check_and_backup, clear_rows),
		cmocka_unit_test_setup(test_copy, clear_rows),
	};
	return cmocka_run_group_tests_name("store", tests, group_setup, group_teardown);
}
