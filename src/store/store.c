/*
 * store.c -- the public storage API: dispatch to the backend, the
 * per-connection statement cache, and the per-thread connection.
 */
#include "store_impl.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void db_set_err(db_t *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
	va_end(ap);
}

db_t *db_open(const char *url, char **err)
{
	if (url == NULL || *url == '\0')
		url = "sqlite:data/zoneops.db";
	if (strncmp(url, "sqlite:", 7) == 0)
		return db_sqlite_open(url + 7, err);
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return db_pg_open(url, err);
	if (err) {
		const char *m = "unknown database URL: use sqlite:PATH or postgresql://user@host:port/db";
		*err = strdup(m);
	}
	return NULL;
}

void db_close(db_t *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < DB_CACHE_SLOTS; i++)
		if (db->cache[i].st)
			db->ops->finalize(db->cache[i].st);
	db->ops->close(db);
}

enum db_kind db_kind(const db_t *db) { return db->kind; }
const char *db_errmsg(const db_t *db) { return db->errmsg; }
int db_in_tx(const db_t *db) { return db->in_tx; }

int db_exec(db_t *db, const char *sql) { return db->ops->exec(db, sql); }

int db_stage_clear(db_t *db, const char *table)
{
	char sql[128];
	size_t n = table ? strlen(table) : 0;
	if (n == 0 || n > 64 || table[strspn(table, "abcdefghijklmnopqrstuvwxyz0123456789_")] != '\0')
		return DB_ERR;
	snprintf(sql, sizeof sql, "%s %s", db->kind == DB_POSTGRES ? "TRUNCATE" : "DELETE FROM", table);
	return db->ops->exec(db, sql);
}

int db_begin(db_t *db)
{
	int rc = db->ops->exec(db, db->kind == DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN");
	if (rc == DB_OK)
		db->in_tx = 1;
	return rc;
}

int db_commit(db_t *db)
{
	int rc = db->ops->exec(db, "COMMIT");
	if (rc == DB_OK)
		db->in_tx = 0;
	return rc;
}

int db_rollback(db_t *db)
{
	int rc = db->ops->exec(db, "ROLLBACK");
	db->in_tx = 0;
	return rc;
}

static size_t slot_of(const char *key)
{
	uintptr_t h = (uintptr_t)key;
	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) % DB_CACHE_SLOTS;
}

db_stmt_t *db_prepare(db_t *db, const char *sql)
{
	size_t s = slot_of(sql);
	for (size_t n = 0; n < 8; n++) {
		size_t i = (s + n) % DB_CACHE_SLOTS;
		if (db->cache[i].key == sql) {
			db_stmt_t *st = db->cache[i].st;
			if (!st->in_use) {
				st->in_use = 1;
				return st;
			}
			break;  /* in use by an outer caller: hand out a fresh one */
		}
		if (db->cache[i].key == NULL) {
			db_stmt_t *st = db->ops->prepare(db, sql);
			if (st == NULL)
				return NULL;
			st->db = db;
			st->key = sql;
			st->in_use = 1;
			db->cache[i].key = sql;
			db->cache[i].st = st;
			return st;
		}
	}
	db_stmt_t *st = db->ops->prepare(db, sql);
	if (st) {
		st->db = db;
		st->key = NULL;
		st->in_use = 1;
	}
	return st;
}

db_stmt_t *db_prepare_once(db_t *db, const char *sql)
{
	db_stmt_t *st = db->ops->prepare(db, sql);
	if (st) {
		st->db = db;
		st->key = NULL;   /* db_done finalizes it */
		st->in_use = 1;
	}
	return st;
}

/* A NULL statement (a failed prepare) makes every call below fail softly,
 * so callers may check once, at db_step. */
int db_bind_int(db_stmt_t *st, int idx, int64_t v) { return st ? st->db->ops->bind_int(st, idx, v) : DB_ERR; }
int db_bind_double(db_stmt_t *st, int idx, double v) { return st ? st->db->ops->bind_double(st, idx, v) : DB_ERR; }
int db_bind_null(db_stmt_t *st, int idx) { return st ? st->db->ops->bind_null(st, idx) : DB_ERR; }
int db_bind_text(db_stmt_t *st, int idx, const char *s)
{
	if (st == NULL)
		return DB_ERR;
	if (s == NULL)
		return st->db->ops->bind_null(st, idx);
	return st->db->ops->bind_text(st, idx, s);
}
int db_step(db_stmt_t *st) { return st ? st->db->ops->step(st) : DB_ERR; }
int db_col_count(db_stmt_t *st) { return st->db->ops->col_count(st); }
const char *db_col_name(db_stmt_t *st, int col) { return st->db->ops->col_name(st, col); }
int db_col_isnull(db_stmt_t *st, int col) { return st->db->ops->col_isnull(st, col); }
int64_t db_col_int(db_stmt_t *st, int col) { return st->db->ops->col_int(st, col); }
double db_col_double(db_stmt_t *st, int col) { return st->db->ops->col_double(st, col); }
const char *db_col_text(db_stmt_t *st, int col)
{
	const char *s = st->db->ops->col_text(st, col);
	return s ? s : "";
}
int64_t db_changes(db_stmt_t *st) { return st ? st->db->ops->changes(st) : 0; }

void db_done(db_stmt_t *st)
{
	if (st == NULL)
		return;
	if (st->key) {
		st->db->ops->reset(st);
		st->in_use = 0;
	} else {
		st->db->ops->finalize(st);
	}
}

int db_exists_id(db_t *db, const char *sql, int64_t id)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int64_t db_int1(db_t *db, const char *sql, int64_t dflt, int nparam, const char *const *params)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return dflt;
	for (int i = 0; i < nparam; i++)
		db_bind_text(st, i + 1, params[i]);
	int64_t v = dflt;
	if (db_step(st) == DB_ROW && !db_col_isnull(st, 0))
		v = db_col_int(st, 0);
	db_done(st);
	return v;
}

int db_check(db_t *db, char **err) { return db->ops->check(db, err); }
int db_backup(db_t *db, const char *path, char **err) { return db->ops->backup(db, path, err); }
int db_migration_lock(db_t *db) { return db->ops->migration_lock(db); }

/* ---- per-thread connection ---- */

static char *g_url;
static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;

/* A thread's connection is closed when the thread ends (the server's
 * worker threads end when the daemon stops). */
static void tl_destroy(void *p) { db_close(p); }
static void tl_init(void) { pthread_key_create(&tl_key, tl_destroy); }

int db_global_init(const char *url, char **err)
{
	free(g_url);
	g_url = strdup(url ? url : "sqlite:data/zoneops.db");
	(void)err;
	pthread_once(&tl_once, tl_init);
	return g_url ? 0 : -1;
}

const char *db_global_url(void) { return g_url; }

db_t *db_thread(void)
{
	pthread_once(&tl_once, tl_init);
	db_t *db = pthread_getspecific(tl_key);
	if (db == NULL) {
		char *err = NULL;
		db = db_open(g_url, &err);
		if (db == NULL) {
			fprintf(stderr, "zoneops: cannot open database: %s\n", err ? err : "?");
			free(err);
			return NULL;
		}
		pthread_setspecific(tl_key, db);
	}
	return db;
}

void db_thread_release(void)
{
	pthread_once(&tl_once, tl_init);
	db_close(pthread_getspecific(tl_key));
	pthread_setspecific(tl_key, NULL);
}

int db_fail(err_t *e, db_t *db, int rc, const char *what)
{
	if (rc == DB_BUSY)
		return err_set(e, 503, "busy", NULL, "the database is busy, try again");
	if (rc == DB_CONSTRAINT)
		return err_set(e, 409, "conflict", NULL, "%s conflicts with an existing record", what);
	fprintf(stderr, "zoneops: database error (%s): %s\n", what, db ? db_errmsg(db) : "?");
	return err_set(e, 500, "internal", NULL, "internal error while %s", what);
}

/* ---- bulk writing ---- */

db_copy_t *db_copy_begin(db_t *db, const char *table, const char *cols, int ncols)
{
	db_copy_t *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->db = db;
	c->table = table;
	c->cols = cols;
	c->ncols = ncols;
	c->v = calloc((size_t)(ncols > 0 ? ncols : 1), sizeof *c->v);
	if (c->v == NULL || ncols < 1) {
		db_set_err(db, "bulk write: %s", ncols < 1 ? "no columns" : "out of memory");
		c->rc = DB_ERR;
		return c;
	}
	c->rc = db->ops->copy_begin(c);
	return c;
}

static struct db_copy_val *copy_next(db_copy_t *c)
{
	if (c == NULL || c->rc != DB_OK)
		return NULL;
	if (c->nvals >= c->ncols) {
		db_set_err(c->db, "bulk write into %s: more values than columns", c->table);
		c->rc = DB_ERR;
		return NULL;
	}
	return &c->v[c->nvals++];
}

void db_copy_int(db_copy_t *c, int64_t v)
{
	struct db_copy_val *x = copy_next(c);
	if (x)
		x->type = 'i', x->i = v;
}

void db_copy_double(db_copy_t *c, double v)
{
	struct db_copy_val *x = copy_next(c);
	if (x)
		x->type = 'd', x->d = v;
}

void db_copy_text(db_copy_t *c, const char *s)
{
	struct db_copy_val *x = copy_next(c);
	if (x)
		x->type = s ? 't' : 'n', x->t = s;
}

void db_copy_blob(db_copy_t *c, const void *p, size_t n)
{
	struct db_copy_val *x = copy_next(c);
	if (x)
		x->type = 'b', x->t = p ? p : "", x->n = p ? n : 0;
}

void db_copy_null(db_copy_t *c)
{
	db_copy_text(c, NULL);
}

void db_copy_id(db_copy_t *c, int64_t id)
{
	if (id > 0)
		db_copy_int(c, id);
	else
		db_copy_null(c);
}

void db_copy_row(db_copy_t *c)
{
	if (c == NULL || c->rc != DB_OK)
		return;
	if (c->nvals != c->ncols) {
		db_set_err(c->db, "bulk write into %s: %d values for %d columns", c->table, c->nvals, c->ncols);
		c->rc = DB_ERR;
		return;
	}
	c->rc = c->db->ops->copy_row(c);
	c->nvals = 0;
}

int db_copy_end(db_copy_t *c)
{
	if (c == NULL)
		return DB_ERR;
	int rc = c->rc;
	if (c->nvals != 0 && rc == DB_OK) {
		db_set_err(c->db, "bulk write into %s: an unfinished row", c->table);
		rc = DB_ERR;
	}
	if (c->v != NULL && c->ncols > 0) {
		int e = c->db->ops->copy_end(c, rc == DB_OK);
		if (rc == DB_OK)
			rc = e;
	}
	free(c->v);
	free(c);
	return rc;
}
