/*
 * test_enterprise_import.c -- a large import into an empty registry makes
 * the indexes of enterprises after its rows (db_indexes_defer), and
 * migration 20 gives SQLite's unique credit code an index of its own.
 *
 * Each test has a store of its own: a new SQLite file, or with
 * $ZONEOPS_TEST_DB (PostgreSQL) a new database on that server, dropped
 * afterwards -- the import defers only into an empty table, and the shared
 * test database has other tests' enterprises.
 *
 * What is checked against what the migrations wrote, not against the code:
 * the catalog's indexes of enterprises by name, before and after an import
 * (kept, rolled back); the rows and their ids in the file's order; the
 * unique credit code refusing a second row afterwards.
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

#include "service/service.h"
#include "store/store.h"
#include "testutil.h"

#define ROWS 45000          /* two full batches of 20,000 and a part */

struct store {
	testdb_t t;
	db_t *admin;            /* PostgreSQL: the connection that made the database */
	char dbname[64];
};

/* A store of its own, migrated up to version upto (0: all). */
static void store_open(struct store *s, int upto)
{
	static int n;
	memset(s, 0, sizeof *s);
	const char *env = getenv("ZONEOPS_TEST_DB");
	if (env == NULL || strncmp(env, "postgres", 8) != 0) {
		assert_int_equal(testdb_open(&s->t, "enterprise-import", 0, 0), 0);
	} else {
		char *err = NULL;
		s->admin = db_open(env, &err);
		assert_non_null(s->admin);
		snprintf(s->dbname, sizeof s->dbname, "zo_ent_import_%ld_%d", (long)getpid(), ++n);
		char sql[160];
		snprintf(sql, sizeof sql, "CREATE DATABASE %s", s->dbname);
		assert_int_equal(db_exec(s->admin, sql), DB_OK);
		const char *slash = strrchr(env, '/');
		assert_non_null(slash);
		snprintf(s->t.url, sizeof s->t.url, "%.*s/%s", (int)(slash - env), env, s->dbname);
		s->t.db = db_open(s->t.url, &err);
		assert_non_null(s->t.db);
	}
	char *err = NULL;
	int rc = upto ? db_migrate_upto(s->t.db, upto, &err) : db_migrate(s->t.db, &err);
	if (rc < 0)
		fail_msg("migrate: %s", err ? err : "?");
	assert_int_equal(db_exec(s->t.db, "INSERT INTO streets (name) VALUES ('新开街道')"), DB_OK);
}

static void store_close(struct store *s)
{
	testdb_close(&s->t);
	if (s->admin) {
		char sql[160];
		snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", s->dbname);
		assert_int_equal(db_exec(s->admin, sql), DB_OK);
		db_close(s->admin);
	}
}

static int64_t one(db_t *db, const char *sql)
{
	return db_int1(db, sql, -1, 0, NULL);
}

static char *text1(db_t *db, const char *sql)
{
	db_stmt_t *st = db_prepare(db, sql);
	assert_non_null(st);
	char *s = db_step(st) == DB_ROW && db_col_text(st, 0) ? strdup(db_col_text(st, 0)) : strdup("");
	db_done(st);
	return s;
}

/* The indexes of enterprises as the catalog has them, one "name unique
 * columns" each, by name. */
static char *indexes(db_t *db)
{
	if (db_kind(db) == DB_SQLITE)
		return text1(db,
			"SELECT group_concat(d, '; ') FROM (SELECT l.name || ' ' || l.\"unique\" || ' ' ||"
			" (SELECT group_concat(i.name, ',') FROM pragma_index_info(l.name) i) AS d"
			" FROM pragma_index_list('enterprises') l ORDER BY l.name)");
	return text1(db,
		"SELECT string_agg(c.relname || ' ' || CASE WHEN x.indisunique THEN 1 ELSE 0 END || ' ' ||"
		" (SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute a"
		"  WHERE a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)), '; ' ORDER BY c.relname)"
		" FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid"
		" WHERE x.indrelid = 'enterprises'::regclass");
}

/* The catalog's own identities of those indexes (SQLite: their rows and
 * root pages in sqlite_master; PostgreSQL: their oids): an index made
 * again has new ones. */
static char *index_ids(db_t *db)
{
	if (db_kind(db) == DB_SQLITE)
		return text1(db, "SELECT group_concat(r, ',') FROM (SELECT rowid || '.' || rootpage AS r FROM sqlite_master"
		                 " WHERE type = 'index' AND tbl_name = 'enterprises' ORDER BY name)");
	return text1(db, "SELECT string_agg(CAST(x.indexrelid AS TEXT), ',' ORDER BY c.relname)"
	                 " FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid"
	                 " WHERE x.indrelid = 'enterprises'::regclass AND NOT x.indisprimary");
}

/* What migrations 1-20 made, written out. */
static const char *expected_indexes(db_t *db)
{
	return db_kind(db) == DB_SQLITE
		? "enterprises_credit_code_key 1 credit_code; enterprises_industry 0 industry;"
		  " enterprises_officer 0 officer_id; enterprises_street 0 street_id"
		: "enterprises_credit_code_key 1 credit_code; enterprises_industry 0 industry;"
		  " enterprises_officer 0 officer_id; enterprises_pkey 1 id; enterprises_street 0 street_id";
}

/* Credit code i (valid: GB 32100 check characters). */
static void code_of(int i, char code[19])
{
	snprintf(code, 19, "91320602%08d", i);
	credit_code_complete(code);
}

/* A CSV of rows enterprises; with dup_last the last one repeats the first's
 * credit code.  Its path in path. */
static void write_csv(char *path, size_t size, int rows, int dup_last)
{
	const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(path, size, "%s/zo-ent-import-%ld.csv", tmp, (long)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "credit_code,name,street,industry_code\n");
	for (int i = 1; i <= rows; i++) {
		char code[19];
		code_of(dup_last && i == rows ? 1 : i, code);
		fprintf(f, "%s,测试%d制造有限公司,新开街道,C2720\n", code, i);
	}
	assert_int_equal(fclose(f), 0);
}

static int import_file(db_t *db, const char *path)
{
	char *argv[] = { "enterprises", (char *)path, NULL };
	fflush(stdout);
	return cli_import(2, argv, db);
}

/* 45,000 rows into an empty registry: the indexes dropped after the first
 * batch are all there again after the commit, as the migrations made them. */
static void test_indexes_made_again(void **state)
{
	(void)state;
	struct store s;
	store_open(&s, 0);
	db_t *db = s.t.db;
	char *before = indexes(db), *ids_before = index_ids(db);
	assert_string_equal(before, expected_indexes(db));
	char path[1100];
	write_csv(path, sizeof path, ROWS, 0);
	assert_int_equal(import_file(db, path), 0);
	unlink(path);
	assert_int_equal(one(db, "SELECT count(*) FROM enterprises"), ROWS);
	char *after = indexes(db), *ids_after = index_ids(db);
	assert_string_equal(after, before);
	assert_string_not_equal(ids_after, ids_before);   /* made again, not kept */
	/* the ids in the file's order */
	char code[19];
	code_of(ROWS, code);
	const char *p[1] = { code };
	assert_int_equal(db_int1(db, "SELECT id FROM enterprises WHERE credit_code = $1", -1, 1, p), ROWS);
	assert_int_equal(one(db, "SELECT count(*) FROM enterprises WHERE street_id IS NOT NULL AND industry = 'C2720'"),
	                 ROWS);
	/* the unique credit code holds */
	db_stmt_t *st = db_prepare(db, "INSERT INTO enterprises (credit_code, name, created_at, updated_at)"
	                               " VALUES ($1, 'again', 0, 0)");
	db_bind_text(st, 1, code);
	assert_int_equal(db_step(st), DB_CONSTRAINT);
	db_done(st);
	free(before);
	free(after);
	free(ids_before);
	free(ids_after);
	store_close(&s);
}

/* A file of less than one batch, or into a registry that has rows, keeps
 * the indexes as they are. */
static void test_small_or_not_empty_keeps(void **state)
{
	(void)state;
	struct store s;
	store_open(&s, 0);
	db_t *db = s.t.db;
	char *ids_before = index_ids(db);
	char path[1100];
	write_csv(path, sizeof path, 100, 0);
	assert_int_equal(import_file(db, path), 0);
	char *ids_small = index_ids(db);
	assert_string_equal(ids_small, ids_before);
	write_csv(path, sizeof path, ROWS, 0);   /* the 100 again, and 44,900 new */
	assert_int_equal(import_file(db, path), 0);
	unlink(path);
	assert_int_equal(one(db, "SELECT count(*) FROM enterprises"), ROWS);
	char *ids_after = index_ids(db);
	assert_string_equal(ids_after, ids_before);
	free(ids_before);
	free(ids_small);
	free(ids_after);
	store_close(&s);
}

/* The last row repeats the first's code: the import, written up to it in
 * one pass, rolls back, and the rollback gives the indexes back. */
static void test_rollback_keeps_indexes(void **state)
{
	(void)state;
	struct store s;
	store_open(&s, 0);
	db_t *db = s.t.db;
	char *before = indexes(db);
	char path[1100];
	write_csv(path, sizeof path, ROWS, 1);
	assert_int_equal(import_file(db, path), 1);
	unlink(path);
	assert_int_equal(one(db, "SELECT count(*) FROM enterprises"), 0);
	char *after = indexes(db);
	assert_string_equal(after, before);
	assert_string_equal(after, expected_indexes(db));
	free(before);
	free(after);
	store_close(&s);
}

/* db_indexes_defer itself: nothing dropped when the table has a row by the
 * time it holds the write lock (a writer came between the import's start
 * and its first batch); dropped when empty, and a rollback gives them
 * back; outside a transaction refused. */
static void test_defer_only_empty(void **state)
{
	(void)state;
	struct store s;
	store_open(&s, 0);
	db_t *db = s.t.db;
	char *ids0 = index_ids(db), *idx0 = indexes(db);
	int deferred = -1;
	assert_int_equal(db_indexes_defer(db, "enterprises", &deferred), DB_ERR);
	assert_int_equal(db_begin(db), DB_OK);
	assert_int_equal(db_indexes_defer(db, "enterprises", &deferred), DB_OK);
	assert_int_equal(deferred, 1);
	char *none = indexes(db);
	assert_string_equal(none, db_kind(db) == DB_SQLITE ? "" : "enterprises_pkey 1 id");
	assert_int_equal(db_rollback(db), DB_OK);
	char *idx1 = indexes(db), *ids1 = index_ids(db);
	assert_string_equal(idx1, idx0);
	assert_string_equal(ids1, ids0);
	assert_int_equal(db_exec(db, "INSERT INTO enterprises (credit_code, name, created_at, updated_at)"
	                             " VALUES ('91320602000000011A', 'one', 0, 0)"), DB_OK);
	assert_int_equal(db_begin(db), DB_OK);
	assert_int_equal(db_indexes_defer(db, "enterprises", &deferred), DB_OK);
	assert_int_equal(deferred, 0);
	char *ids2 = index_ids(db);
	assert_string_equal(ids2, ids0);
	assert_int_equal(db_commit(db), DB_OK);
	free(ids0);
	free(idx0);
	free(none);
	free(idx1);
	free(ids1);
	free(ids2);
	store_close(&s);
}

/* Migration 20 on a SQLite database of version 19 with rows: the table made
 * again keeps its rows, ids, AUTOINCREMENT mark and children. */
static void test_migration_20(void **state)
{
	(void)state;
	struct store s;
	store_open(&s, 19);
	db_t *db = s.t.db;
	if (db_kind(db) != DB_SQLITE) {
		store_close(&s);
		skip();   /* PostgreSQL's migration 20 is empty */
	}
	assert_int_equal(one(db, "SELECT count(*) FROM pragma_index_list('enterprises')"
	                         " WHERE name = 'sqlite_autoindex_enterprises_1'"), 1);
	assert_int_equal(db_exec(db,
		"INSERT INTO enterprises (credit_code, name, street_id, created_at, updated_at) VALUES"
		" ('91320602000000011A', 'one', 1, 1, 2), ('91320602000000022B', 'two', NULL, 3, 4),"
		" ('91320602000000033C', 'three', 1, 5, 6);"
		"DELETE FROM enterprises WHERE id = 3;"
		/* a child whose ON DELETE CASCADE a DROP TABLE with the keys on would run */
		"INSERT INTO officer_assignments (enterprise_id, officer_id, started_at) VALUES (2, NULL, 7);"), DB_OK);
	char *rows = text1(db, "SELECT group_concat(id || ':' || credit_code || ':' || name || ':' ||"
	                       " coalesce(street_id, '-') || ':' || created_at || ':' || updated_at, ' ')"
	                       " FROM (SELECT * FROM enterprises ORDER BY id)");
	assert_string_equal(rows, "1:91320602000000011A:one:1:1:2 2:91320602000000022B:two:-:3:4");
	char *err = NULL;
	if (db_migrate(db, &err) != 1)
		fail_msg("migration 20: %s", err ? err : "?");
	char *again = text1(db, "SELECT group_concat(id || ':' || credit_code || ':' || name || ':' ||"
	                        " coalesce(street_id, '-') || ':' || created_at || ':' || updated_at, ' ')"
	                        " FROM (SELECT * FROM enterprises ORDER BY id)");
	assert_string_equal(again, rows);
	char *idx = indexes(db);
	assert_string_equal(idx, expected_indexes(db));
	/* the deleted id 3 is not given again (AUTOINCREMENT's mark kept) */
	assert_int_equal(one(db, "SELECT seq FROM sqlite_sequence WHERE name = 'enterprises'"), 3);
	assert_int_equal(db_exec(db, "INSERT INTO enterprises (credit_code, name, created_at, updated_at)"
	                             " VALUES ('91320602000000044D', 'four', 8, 8)"), DB_OK);
	assert_int_equal(one(db, "SELECT max(id) FROM enterprises"), 4);
	/* foreign keys are on again, and the children's still point at the table */
	assert_int_equal(one(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(db_exec(db, "INSERT INTO officer_assignments (enterprise_id, officer_id, started_at)"
	                             " VALUES (99, NULL, 0)"), DB_CONSTRAINT);
	assert_int_equal(db_exec(db, "INSERT INTO enterprises (credit_code, name, street_id, created_at, updated_at)"
	                             " VALUES ('91320602000000055E', 'five', 42, 0, 0)"), DB_CONSTRAINT);
	assert_int_equal(db_exec(db, "INSERT INTO enterprises (credit_code, name, created_at, updated_at)"
	                             " VALUES ('91320602000000011A', 'dup', 0, 0)"), DB_CONSTRAINT);
	assert_int_equal(one(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	/* the child kept through the migration, and its cascade now from the new table */
	assert_int_equal(one(db, "SELECT count(*) FROM officer_assignments WHERE enterprise_id = 2"), 1);
	assert_int_equal(db_exec(db, "DELETE FROM enterprises WHERE id = 2"), DB_OK);
	assert_int_equal(one(db, "SELECT count(*) FROM officer_assignments"), 0);
	free(rows);
	free(again);
	free(idx);
	store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_indexes_made_again),
		cmocka_unit_test(test_rollback_keeps_indexes),
		cmocka_unit_test(test_small_or_not_empty_keeps),
		cmocka_unit_test(test_defer_only_empty),
		cmocka_unit_test(test_migration_20),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
