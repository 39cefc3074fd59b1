/*
 * test_enterprise_refs.c -- the references of enterprises to streets,
 * users (the chief service officer) and departments, on a temporary
 * SQLite store or $ZONEOPS_TEST_DB.  SQLite checks them with its foreign
 * keys; PostgreSQL, since migration 19, with triggers once per statement.
 * The same statements must give the same answers on both, and on
 * PostgreSQL two sessions must wait for each other as a foreign key makes
 * them wait.
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

static testdb_t g_t;

static int group_setup(void **state)
{
	(void)state;
	return testdb_open(&g_t, "enterprise-refs", 1, 1);
}

static int group_teardown(void **state)
{
	(void)state;
	testdb_close(&g_t);
	return 0;
}

/* Run sql with text parameters on db: DB_OK, or the store's error. */
static int run_on(db_t *db, const char *sql, int n, const char *const *p)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return DB_ERR;
	for (int i = 0; i < n; i++)
		db_bind_text(st, i + 1, p[i]);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE || rc == DB_ROW ? DB_OK : rc;
}

static int run(const char *sql, int n, const char *const *p)
{
	return run_on(g_t.db, sql, n, p);
}

/* A new row's id as text (into out), from an INSERT … RETURNING id. */
static void insert_id(const char *sql, const char *tag, char *out, size_t size)
{
	const char *p[1] = { tag };
	int64_t id = testutil_insert(g_t.db, sql, 1, p);
	assert_true(id > 0);
	snprintf(out, size, "%lld", (long long)id);
}

static const char ins_street[] = "INSERT INTO streets (name) VALUES ($1) RETURNING id";
static const char ins_dept[] = "INSERT INTO departments (name) VALUES ($1) RETURNING id";
static const char ins_user[] = "INSERT INTO users (username, role, password_hash, created_at, updated_at)"
                               " VALUES ($1, 'officer', 'x', 0, 0) RETURNING id";

/* One enterprise: code, street, officer, department ("" for NULL). */
static const char ins_ent[] =
	"INSERT INTO enterprises (credit_code, name, street_id, officer_id, department_id, created_at, updated_at)"
	" VALUES ($1, $1, CAST(NULLIF($2, '') AS BIGINT), CAST(NULLIF($3, '') AS BIGINT),"
	" CAST(NULLIF($4, '') AS BIGINT), 1, 1)";
/* Two in one statement. */
static const char ins_ent2[] =
	"INSERT INTO enterprises (credit_code, name, street_id, officer_id, department_id, created_at, updated_at)"
	" VALUES ($1, $1, CAST(NULLIF($2, '') AS BIGINT), CAST(NULLIF($3, '') AS BIGINT),"
	" CAST(NULLIF($4, '') AS BIGINT), 1, 1),"
	" ($5, $5, CAST(NULLIF($6, '') AS BIGINT), CAST(NULLIF($7, '') AS BIGINT), CAST(NULLIF($8, '') AS BIGINT), 1, 1)";

static int64_t count_codes(const char *prefix)
{
	const char *p[1] = { prefix };
	return db_int1(g_t.db, "SELECT count(*) FROM enterprises WHERE credit_code LIKE $1 || '%'", -1, 1, p);
}

/* The column of the enterprise of code, -1 for NULL.  (Statements are
 * cached by their text's address: one literal each.) */
static int64_t ent_ref(const char *code, const char *column)
{
	const char *sql = strcmp(column, "street_id") == 0
		? "SELECT COALESCE(street_id, -1) FROM enterprises WHERE credit_code = $1"
		: strcmp(column, "officer_id") == 0
		? "SELECT COALESCE(officer_id, -1) FROM enterprises WHERE credit_code = $1"
		: "SELECT COALESCE(department_id, -1) FROM enterprises WHERE credit_code = $1";
	const char *p[1] = { code };
	return db_int1(g_t.db, sql, -2, 1, p);
}

static void test_references(void **state)
{
	(void)state;
	long pid = (long)getpid();
	char tag[48], street[24], dept[24], user[24], gone[24], e1[64], e2[64], e3[64];
	snprintf(tag, sizeof tag, "引用%ld", pid);
	insert_id(ins_street, tag, street, sizeof street);
	insert_id(ins_dept, tag, dept, sizeof dept);
	snprintf(tag, sizeof tag, "refs.officer.%ld", pid);
	insert_id(ins_user, tag, user, sizeof user);
	int64_t top = db_int1(g_t.db, "SELECT max(m) FROM (SELECT max(id) AS m FROM streets UNION ALL"
	                              " SELECT max(id) FROM users UNION ALL SELECT max(id) FROM departments) x", -1, 0, NULL);
	snprintf(gone, sizeof gone, "%lld", (long long)top + 1000);
	snprintf(tag, sizeof tag, "REFS%ld-", pid);
	snprintf(e1, sizeof e1, "%s1", tag);
	snprintf(e2, sizeof e2, "%s2", tag);
	snprintf(e3, sizeof e3, "%s3", tag);

	/* all three references, and none */
	const char *good[4] = { e1, street, user, dept };
	assert_int_equal(run(ins_ent, 4, good), DB_OK);
	const char *bare[4] = { e2, "", "", "" };
	assert_int_equal(run(ins_ent, 4, bare), DB_OK);
	assert_int_equal(count_codes(tag), 2);

	/* a street, officer or department that does not exist, in a statement
	 * of two rows: neither row is written */
	const char *bad_street[8] = { e3, street, user, dept, "REFS-x", gone, "", "" };
	const char *bad_user[8] = { e3, street, user, dept, "REFS-x", "", gone, "" };
	const char *bad_dept[8] = { e3, street, user, dept, "REFS-x", "", "", gone };
	assert_int_equal(run(ins_ent2, 8, bad_street), DB_CONSTRAINT);
	assert_int_equal(run(ins_ent2, 8, bad_user), DB_CONSTRAINT);
	assert_int_equal(run(ins_ent2, 8, bad_dept), DB_CONSTRAINT);
	assert_int_equal(count_codes(tag), 2);

	/* nor by an update */
	const char *to_gone[2] = { gone, e2 };
	assert_int_equal(run("UPDATE enterprises SET street_id = CAST($1 AS BIGINT) WHERE credit_code = $2", 2, to_gone),
	                 DB_CONSTRAINT);
	assert_int_equal(run("UPDATE enterprises SET officer_id = CAST($1 AS BIGINT) WHERE credit_code = $2", 2, to_gone),
	                 DB_CONSTRAINT);
	assert_int_equal(run("UPDATE enterprises SET department_id = CAST($1 AS BIGINT) WHERE credit_code = $2", 2,
	                     to_gone), DB_CONSTRAINT);
	assert_int_equal(ent_ref(e2, "street_id"), -1);
	const char *to_street[2] = { street, e2 };
	assert_int_equal(run("UPDATE enterprises SET street_id = CAST($1 AS BIGINT), employees = 3 WHERE credit_code = $2",
	                     2, to_street), DB_OK);
	assert_int_equal(ent_ref(e2, "street_id"), strtoll(street, NULL, 10));
	const char *p1[1] = { e1 };
	assert_int_equal(run("UPDATE enterprises SET street_id = NULL WHERE credit_code = $1", 1, p1), DB_OK);
	assert_int_equal(ent_ref(e1, "street_id"), -1);

	/* a street or department in use can be neither deleted nor given
	 * another id; its name can change */
	const char *ps[1] = { street }, *pd[1] = { dept }, *pu[1] = { user };
	const char *mv_s[2] = { gone, street }, *mv_d[2] = { gone, dept }, *mv_u[2] = { gone, user };
	assert_int_equal(run("DELETE FROM streets WHERE id = CAST($1 AS BIGINT)", 1, ps), DB_CONSTRAINT);
	assert_int_equal(run("UPDATE streets SET id = CAST($1 AS BIGINT) WHERE id = CAST($2 AS BIGINT)", 2, mv_s),
	                 DB_CONSTRAINT);
	assert_int_equal(run("UPDATE streets SET name_en = 'Refs' WHERE id = CAST($1 AS BIGINT)", 1, ps), DB_OK);
	assert_int_equal(run("DELETE FROM departments WHERE id = CAST($1 AS BIGINT)", 1, pd), DB_CONSTRAINT);
	assert_int_equal(run("UPDATE departments SET id = CAST($1 AS BIGINT) WHERE id = CAST($2 AS BIGINT)", 2, mv_d),
	                 DB_CONSTRAINT);
	/* nor an officer's id */
	assert_int_equal(run("UPDATE users SET id = CAST($1 AS BIGINT) WHERE id = CAST($2 AS BIGINT)", 2, mv_u),
	                 DB_CONSTRAINT);
	assert_int_equal(ent_ref(e1, "department_id"), strtoll(dept, NULL, 10));

	/* deleting the officer leaves the enterprise without one (ON DELETE SET NULL) */
	assert_int_equal(ent_ref(e1, "officer_id"), strtoll(user, NULL, 10));
	assert_int_equal(run("DELETE FROM users WHERE id = CAST($1 AS BIGINT)", 1, pu), DB_OK);
	assert_int_equal(ent_ref(e1, "officer_id"), -1);
	assert_int_equal(count_codes(tag), 2);

	/* once nothing refers to them, the street and the department go */
	const char *pt[1] = { tag };
	assert_int_equal(run("DELETE FROM enterprises WHERE credit_code LIKE $1 || '%'", 1, pt), DB_OK);
	assert_int_equal(run("DELETE FROM streets WHERE id = CAST($1 AS BIGINT)", 1, ps), DB_OK);
	assert_int_equal(run("DELETE FROM departments WHERE id = CAST($1 AS BIGINT)", 1, pd), DB_OK);
}

/* PostgreSQL: an uncommitted reference makes the street's delete wait and
 * then fail; an uncommitted delete makes a reference wait and then fail;
 * an officer's delete waits for a new enterprise of theirs and then clears
 * it too. */
static void test_references_concurrent(void **state)
{
	(void)state;
	db_t *a = g_t.db;
	if (db_kind(a) != DB_POSTGRES)
		skip();
	char *err = NULL;
	db_t *b = db_open(g_t.url, &err);
	assert_non_null(b);
	long pid = (long)getpid();
	char tag[48], s1[24], s2[24], user[24], e1[48], e2[48], e3[48];
	snprintf(tag, sizeof tag, "并发街道%ld-1", pid);
	insert_id(ins_street, tag, s1, sizeof s1);
	snprintf(tag, sizeof tag, "并发街道%ld-2", pid);
	insert_id(ins_street, tag, s2, sizeof s2);
	snprintf(tag, sizeof tag, "refs.race.%ld", pid);
	insert_id(ins_user, tag, user, sizeof user);
	snprintf(e1, sizeof e1, "RACE%ld-1", pid);
	snprintf(e2, sizeof e2, "RACE%ld-2", pid);
	snprintf(e3, sizeof e3, "RACE%ld-3", pid);
	static const char del_street[] = "DELETE FROM streets WHERE id = CAST($1 AS BIGINT)";
	const char *p1[1] = { s1 }, *p2[1] = { s2 }, *pu[1] = { user };

	/* b adds an enterprise of street 1 and has not committed: a's delete
	 * of the street waits for it ... */
	assert_int_equal(db_begin(b), DB_OK);
	const char *in1[4] = { e1, s1, "", "" };
	assert_int_equal(run_on(b, ins_ent, 4, in1), DB_OK);
	assert_int_equal(db_begin(a), DB_OK);
	assert_int_equal(db_exec(a, "SET LOCAL lock_timeout = '300ms'"), DB_OK);
	assert_int_equal(run_on(a, del_street, 1, p1), DB_BUSY);   /* lock_not_available */
	db_rollback(a);
	assert_int_equal(db_commit(b), DB_OK);
	/* ... and once it has, the delete is refused */
	assert_int_equal(run_on(a, del_street, 1, p1), DB_CONSTRAINT);

	/* a deletes street 2 and has not committed: b's enterprise of it waits ... */
	assert_int_equal(db_begin(a), DB_OK);
	assert_int_equal(run_on(a, del_street, 1, p2), DB_OK);
	assert_int_equal(db_begin(b), DB_OK);
	assert_int_equal(db_exec(b, "SET LOCAL lock_timeout = '300ms'"), DB_OK);
	const char *in2[4] = { e2, s2, "", "" };
	assert_int_equal(run_on(b, ins_ent, 4, in2), DB_BUSY);
	db_rollback(b);
	assert_int_equal(db_commit(a), DB_OK);
	/* ... and after it has, the enterprise is refused */
	assert_int_equal(run_on(b, ins_ent, 4, in2), DB_CONSTRAINT);
	assert_int_equal(count_codes(e2), 0);

	/* b adds an enterprise served by the officer, uncommitted: a's delete
	 * of the officer waits; after b commits, it clears that enterprise too */
	assert_int_equal(db_begin(b), DB_OK);
	const char *in3[4] = { e3, "", user, "" };
	assert_int_equal(run_on(b, ins_ent, 4, in3), DB_OK);
	assert_int_equal(db_begin(a), DB_OK);
	assert_int_equal(db_exec(a, "SET LOCAL lock_timeout = '300ms'"), DB_OK);
	assert_int_equal(run_on(a, "DELETE FROM users WHERE id = CAST($1 AS BIGINT)", 1, pu), DB_BUSY);
	db_rollback(a);
	assert_int_equal(db_commit(b), DB_OK);
	assert_int_equal(ent_ref(e3, "officer_id"), strtoll(user, NULL, 10));
	assert_int_equal(run_on(a, "DELETE FROM users WHERE id = CAST($1 AS BIGINT)", 1, pu), DB_OK);
	assert_int_equal(ent_ref(e3, "officer_id"), -1);

	const char *pe[2] = { e1, e3 };
	assert_int_equal(run("DELETE FROM enterprises WHERE credit_code IN ($1, $2)", 2, pe), DB_OK);
	assert_int_equal(run_on(a, del_street, 1, p1), DB_OK);
	db_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_references_concurrent),
	};
	return cmocka_run_group_tests_name("enterprises: references", tests, group_setup, group_teardown);
}
