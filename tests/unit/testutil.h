/*
 * testutil.h -- what the unit tests share: a temporary store with the
 * schema applied, and fixtures (a user of each role, an investment unit,
 * a department, an enterprise served by the officer).
 *
 * The store is the database named by $ZONEOPS_TEST_DB when a test asks for
 * it and the variable is set (any URL db_open() accepts, e.g. PostgreSQL:
 *   url=$(scripts/pg.sh start /tmp/zo-pg) &&
 *   ZONEOPS_TEST_DB=$url build/tests/test_store; scripts/pg.sh stop /tmp/zo-pg),
 * else a new SQLite file in $TMPDIR (default /tmp) that testdb_close()
 * removes with its -wal, -shm and -journal files.
 *
 * Header only (each test file is one program): include it after cmocka.h.
 */
#ifndef ZONEOPS_TESTUTIL_H
#define ZONEOPS_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "core/core.h"
#include "store/store.h"

typedef struct testdb {
	db_t *db;
	char url[1200];
	char file[1100];   /* the SQLite file made here; "" for $ZONEOPS_TEST_DB */
	int from_env;      /* 1 when the URL came from $ZONEOPS_TEST_DB */
} testdb_t;

/* Remove a SQLite database file and its companions. */
static inline void testdb_remove_sqlite(const char *file)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[1200];
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", file, suffix[i]);
		unlink(p);
	}
}

/* Open a store for test `name`: $ZONEOPS_TEST_DB when use_env and it is
 * set, else a new SQLite file $TMPDIR/zo-NAME-PID-N.db.  With migrate, the
 * schema migrations are applied.  0, or -1 after printing why. */
static inline int testdb_open(testdb_t *t, const char *name, int use_env, int migrate)
{
	static int n;
	memset(t, 0, sizeof *t);
	const char *env = use_env ? getenv("ZONEOPS_TEST_DB") : NULL;
	if (env && *env) {
		snprintf(t->url, sizeof t->url, "%s", env);
		t->from_env = 1;
	} else {
		const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
		snprintf(t->file, sizeof t->file, "%.900s/zo-%.60s-%ld-%d.db", tmp, name, (long)getpid(), ++n);
		testdb_remove_sqlite(t->file);
		snprintf(t->url, sizeof t->url, "sqlite:%s", t->file);
	}
	char *err = NULL;
	t->db = db_open(t->url, &err);
	if (t->db != NULL && migrate && db_migrate(t->db, &err) < 0) {
		db_close(t->db);
		t->db = NULL;
	}
	if (t->db == NULL) {
		fprintf(stderr, "%s: cannot open and migrate %s: %s\n", name, t->url, err ? err : "?");
		free(err);
		if (t->file[0])
			testdb_remove_sqlite(t->file);
		return -1;
	}
	return 0;
}

/* Close t's connection (rolling back an open transaction) and remove the
 * SQLite file made for it. */
static inline void testdb_close(testdb_t *t)
{
	if (t->db) {
		if (db_in_tx(t->db))
			db_rollback(t->db);
		db_close(t->db);
		t->db = NULL;
	}
	if (t->file[0])
		testdb_remove_sqlite(t->file);
	t->file[0] = '\0';
}

/* ---- fixtures ---- */

#define TESTUTIL_ROLES 7                    /* admin .. enterprise, as role_names() */
#define TESTUTIL_PASSWORD "fixture-password"

struct fixture {
	int64_t unit_id, department_id, enterprise_id;
	char credit_code[19];                   /* the enterprise's */
	int64_t user_id[TESTUTIL_ROLES];        /* by role_names() order */
	user_t user[TESTUTIL_ROLES];            /* the same as callers */
	char names[TESTUTIL_ROLES][48];         /* their usernames */
};

/* The fixture's caller of role (a ROLE_ bit). */
static inline const user_t *fixture_as(const struct fixture *f, int role)
{
	for (int i = 0; i < TESTUTIL_ROLES; i++)
		if (role == 1 << i)
			return &f->user[i];
	return NULL;
}

static inline int64_t testutil_insert(db_t *db, const char *sql, int n, const char *const *p)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		db_bind_text(st, i + 1, p[i]);
	int64_t id = db_step(st) == DB_ROW ? db_col_int(st, 0) : -1;
	db_done(st);
	return id;
}

/* Fill f and the store with: an investment unit, a department, a user of
 * each role (password TESTUTIL_PASSWORD; the recruiter and the leader in
 * the unit, the department account in the department, the enterprise
 * account of the enterprise) and an enterprise served by the officer and
 * the department.  Names carry the process id, so a shared
 * $ZONEOPS_TEST_DB takes them more than once.  0, or -1 after printing
 * why. */
static inline int testdb_fixture(db_t *db, struct fixture *f)
{
	memset(f, 0, sizeof *f);
	long pid = (long)getpid() % 100000000;
	char tag[24], code[32], dept[48], hash[256];
	snprintf(tag, sizeof tag, "%ld", pid);
	snprintf(code, sizeof code, "fx%ld", pid);
	snprintf(dept, sizeof dept, "测试部门%ld", pid);
	snprintf(f->credit_code, sizeof f->credit_code, "91320691%08ld", pid);
	credit_code_complete(f->credit_code);
	if (password_hash(TESTUTIL_PASSWORD, hash, sizeof hash) != 0)
		goto fail;
	const char *up[2] = { code, tag };
	f->unit_id = testutil_insert(db,
		"INSERT INTO units (code, name, kind) VALUES ($1, '测试单位' || $2, 'bureau') RETURNING id", 2, up);
	const char *dp[1] = { dept };
	f->department_id = testutil_insert(db, "INSERT INTO departments (name) VALUES ($1) RETURNING id", 1, dp);
	if (f->unit_id <= 0 || f->department_id <= 0)
		goto fail;
	const char *const *roles = role_names();
	for (int i = 0; i < TESTUTIL_ROLES; i++) {
		snprintf(f->names[i], sizeof f->names[i], "t.%s.%ld", roles[i], pid);
		int bit = 1 << i;
		db_stmt_t *st = db_prepare(db,
			"INSERT INTO users (username, display_name, role, password_hash, unit_id, department_id,"
			" created_at, updated_at) VALUES ($1, $1, $2, $3, $4, $5, 0, 0) RETURNING id");
		if (st == NULL)
			goto fail;
		db_bind_text(st, 1, f->names[i]);
		db_bind_text(st, 2, roles[i]);
		db_bind_text(st, 3, hash);
		if (bit & (ROLE_LEADER | ROLE_RECRUITER)) db_bind_int(st, 4, f->unit_id); else db_bind_null(st, 4);
		if (bit == ROLE_DEPARTMENT) db_bind_int(st, 5, f->department_id); else db_bind_null(st, 5);
		f->user_id[i] = db_step(st) == DB_ROW ? db_col_int(st, 0) : -1;
		db_done(st);
		if (f->user_id[i] <= 0)
			goto fail;
		f->user[i] = (user_t){ .id = f->user_id[i], .username = f->names[i], .display_name = f->names[i],
		                       .role = roles[i], .role_bit = bit,
		                       .unit_id = bit & (ROLE_LEADER | ROLE_RECRUITER) ? f->unit_id : 0,
		                       .department_id = bit == ROLE_DEPARTMENT ? f->department_id : 0 };
	}
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO enterprises (credit_code, name, officer_id, department_id, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, 0, 0) RETURNING id");
	if (st == NULL)
		goto fail;
	char name[64];
	snprintf(name, sizeof name, "测试企业%ld有限公司", pid);
	db_bind_text(st, 1, f->credit_code);
	db_bind_text(st, 2, name);
	db_bind_int(st, 3, fixture_as(f, ROLE_OFFICER)->id);
	db_bind_int(st, 4, f->department_id);
	f->enterprise_id = db_step(st) == DB_ROW ? db_col_int(st, 0) : -1;
	db_done(st);
	if (f->enterprise_id <= 0)
		goto fail;
	st = db_prepare(db, "UPDATE users SET enterprise_id = $1 WHERE id = $2");
	db_bind_int(st, 1, f->enterprise_id);
	db_bind_int(st, 2, fixture_as(f, ROLE_ENTERPRISE)->id);
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		goto fail;
	f->user[6].enterprise_id = f->enterprise_id;
	return 0;
fail:
	fprintf(stderr, "testdb_fixture: %s\n", db_errmsg(db));
	return -1;
}

#endif
