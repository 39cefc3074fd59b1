/*
 * store_sqlite.c -- the SQLite backend (the embedded default).
 *
 * Every connection: WAL journal, synchronous=FULL (the WAL is synced at
 * every commit: an acknowledged write survives a power loss, not only a
 * process kill as with NORMAL; the cost is one fsync per commit, measured
 * in BENCHMARKS.md, and bulk imports commit in batches), foreign keys on,
 * busy timeout so that concurrent writers wait instead of failing.  Placeholders $N are rewritten to ?N, because
 * SQLite numbers "$N" parameters by first appearance, not by N.
 */
#include "store_impl.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FULL; bench/sync.sh builds a NORMAL variant to measure what FULL costs. */
#ifndef ZONEOPS_SQLITE_SYNCHRONOUS
#define ZONEOPS_SQLITE_SYNCHRONOUS FULL
#endif
#define SQ_STR_(x) #x
#define SQ_STR(x) SQ_STR_(x)

struct sq_db {
	struct db base;
	sqlite3 *conn;
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *st;
	int64_t changes;
};

#define SQ(db) ((struct sq_db *)(db))
#define SS(st) ((struct sq_stmt *)(st))

static int map_rc(db_t *db, int rc)
{
	sqlite3 *c = SQ(db)->conn;
	switch (rc & 0xff) {
	case SQLITE_OK: return DB_OK;
	case SQLITE_ROW: return DB_ROW;
	case SQLITE_DONE: return DB_DONE;
	case SQLITE_CONSTRAINT:
		db_set_err(db, "%s", sqlite3_errmsg(c));
		return DB_CONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		db_set_err(db, "%s", sqlite3_errmsg(c));
		return DB_BUSY;
	default:
		db_set_err(db, "%s", sqlite3_errmsg(c));
		return DB_ERR;
	}
}

static void sq_close(db_t *db)
{
	sqlite3_close_v2(SQ(db)->conn);
	free(db);
}

static int sq_exec(db_t *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(SQ(db)->conn, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int r = map_rc(db, rc);
		if (msg)
			db_set_err(db, "%s", msg);
		sqlite3_free(msg);
		return r;
	}
	return DB_OK;
}

/* Copy sql replacing $N by ?N outside quotes.  Caller frees. */
static char *rewrite_params(const char *sql)
{
	size_t n = strlen(sql);
	char *out = malloc(n + 1);
	if (out == NULL)
		return NULL;
	char q = 0;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		char c = sql[i];
		if (q) {
			if (c == q)
				q = 0;
		} else if (c == '\'' || c == '"') {
			q = c;
		} else if (c == '$' && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
			c = '?';
		}
		out[j++] = c;
	}
	out[j] = '\0';
	return out;
}

static db_stmt_t *sq_prepare(db_t *db, const char *sql)
{
	char *text = rewrite_params(sql);
	if (text == NULL) {
		db_set_err(db, "out of memory");
		return NULL;
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(SQ(db)->conn, text, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	free(text);
	if (rc != SQLITE_OK) {
		db_set_err(db, "prepare: %s", sqlite3_errmsg(SQ(db)->conn));
		return NULL;
	}
	struct sq_stmt *s = calloc(1, sizeof *s);
	if (s == NULL) {
		sqlite3_finalize(st);
		db_set_err(db, "out of memory");
		return NULL;
	}
	s->st = st;
	return &s->base;
}

static int sq_bind_int(db_stmt_t *st, int idx, int64_t v)
{
	return map_rc(st->db, sqlite3_bind_int64(SS(st)->st, idx, v));
}

static int sq_bind_double(db_stmt_t *st, int idx, double v)
{
	return map_rc(st->db, sqlite3_bind_double(SS(st)->st, idx, v));
}

static int sq_bind_text(db_stmt_t *st, int idx, const char *s)
{
	return map_rc(st->db, sqlite3_bind_text(SS(st)->st, idx, s, -1, SQLITE_TRANSIENT));
}

static int sq_bind_null(db_stmt_t *st, int idx)
{
	return map_rc(st->db, sqlite3_bind_null(SS(st)->st, idx));
}

static int sq_step(db_stmt_t *st)
{
	sqlite3 *c = SQ(st->db)->conn;
	int rc = sqlite3_step(SS(st)->st);
	if (rc == SQLITE_DONE)
		SS(st)->changes = sqlite3_changes64(c);
	return map_rc(st->db, rc);
}

static int sq_col_count(db_stmt_t *st) { return sqlite3_column_count(SS(st)->st); }
static const char *sq_col_name(db_stmt_t *st, int col) { return sqlite3_column_name(SS(st)->st, col); }
static int sq_col_isnull(db_stmt_t *st, int col)
{
	return sqlite3_column_type(SS(st)->st, col) == SQLITE_NULL;
}
static int64_t sq_col_int(db_stmt_t *st, int col) { return sqlite3_column_int64(SS(st)->st, col); }
static double sq_col_double(db_stmt_t *st, int col) { return sqlite3_column_double(SS(st)->st, col); }
static const char *sq_col_text(db_stmt_t *st, int col)
{
	return (const char *)sqlite3_column_text(SS(st)->st, col);
}
static int64_t sq_changes(db_stmt_t *st) { return SS(st)->changes; }

static void sq_reset(db_stmt_t *st)
{
	sqlite3_reset(SS(st)->st);
	sqlite3_clear_bindings(SS(st)->st);
	SS(st)->changes = 0;
}

static void sq_finalize(db_stmt_t *st)
{
	sqlite3_finalize(SS(st)->st);
	free(st);
}

static int sq_check(db_t *db, char **err)
{
	sqlite3_stmt *st = NULL;
	int ok = 0;
	if (sqlite3_prepare_v2(SQ(db)->conn, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		if (err)
			*err = strdup(sqlite3_errmsg(SQ(db)->conn));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		ok = r && strcmp(r, "ok") == 0;
		if (!ok && err)
			*err = strdup(r ? r : "integrity check failed");
	}
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

static int sq_backup(db_t *db, const char *path, char **err)
{
	sqlite3 *dst = NULL;
	int rc = sqlite3_open(path, &dst);
	if (rc == SQLITE_OK) {
		sqlite3_backup *b = sqlite3_backup_init(dst, "main", SQ(db)->conn, "main");
		if (b) {
			do {
				rc = sqlite3_backup_step(b, 256);
				if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
					sqlite3_sleep(20);
			} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
			sqlite3_backup_finish(b);
		}
		rc = sqlite3_errcode(dst);
	}
	if (rc != SQLITE_OK && err)
		*err = strdup(dst ? sqlite3_errmsg(dst) : "cannot open backup file");
	sqlite3_close(dst);
	return rc == SQLITE_OK ? 0 : -1;
}

static int sq_migration_lock(db_t *db)
{
	(void)db;
	return DB_OK;  /* BEGIN IMMEDIATE already holds the write lock */
}


/* ---- bulk writing: one INSERT of COPY_PARAMS / ncols rows per statement ---- */

#define COPY_PARAMS 512   /* values per statement */

struct sq_copy {
	sqlite3_stmt *full;         /* INSERT of rows_per rows */
	int rows_per, rows;         /* rows per statement; rows bound so far */
	struct db_copy_val *vals;   /* the rows bound so far (texts copied in text) */
	char **text;
};

/* "INSERT INTO table (cols) VALUES (?,?),(?,?)..." for nrows rows. */
static sqlite3_stmt *copy_stmt(db_copy_t *c, int nrows)
{
	size_t n = strlen(c->table) + strlen(c->cols) + 64 + (size_t)nrows * ((size_t)c->ncols * 2 + 3);
	char *sql = malloc(n), *p = sql;
	if (sql == NULL)
		return NULL;
	p += sprintf(p, "INSERT INTO %s (%s) VALUES ", c->table, c->cols);
	for (int r = 0; r < nrows; r++) {
		*p++ = r ? ',' : ' ';
		*p++ = '(';
		for (int k = 0; k < c->ncols; k++) {
			if (k)
				*p++ = ',';
			*p++ = '?';
		}
		*p++ = ')';
	}
	*p = '\0';
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(SQ(c->db)->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		db_set_err(c->db, "bulk write: %s", sqlite3_errmsg(SQ(c->db)->conn));
	free(sql);
	return st;
}

static int sq_copy_begin(db_copy_t *c)
{
	struct sq_copy *q = calloc(1, sizeof *q);
	if (q == NULL)
		return DB_ERR;
	c->backend = q;
	q->rows_per = COPY_PARAMS / c->ncols > 0 ? COPY_PARAMS / c->ncols : 1;
	q->vals = calloc((size_t)q->rows_per * (size_t)c->ncols, sizeof *q->vals);
	q->text = calloc((size_t)q->rows_per * (size_t)c->ncols, sizeof *q->text);
	if (q->vals == NULL || q->text == NULL) {
		db_set_err(c->db, "out of memory");
		return DB_ERR;
	}
	return (q->full = copy_stmt(c, q->rows_per)) ? DB_OK : DB_ERR;
}

/* Bind the rows held and run st once. */
static int copy_flush(db_copy_t *c, sqlite3_stmt *st)
{
	struct sq_copy *q = c->backend;
	int n = q->rows * c->ncols;
	for (int i = 0; i < n; i++) {
		const struct db_copy_val *v = &q->vals[i];
		if (v->type == 'i')
			sqlite3_bind_int64(st, i + 1, v->i);
		else if (v->type == 'd')
			sqlite3_bind_double(st, i + 1, v->d);
		else if (v->type == 't')
			sqlite3_bind_text(st, i + 1, q->text[i], -1, SQLITE_STATIC);
		else if (v->type == 'b')
			sqlite3_bind_blob64(st, i + 1, q->text[i], v->n, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, i + 1);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	for (int i = 0; i < n; i++) {
		free(q->text[i]);
		q->text[i] = NULL;
	}
	q->rows = 0;
	return rc == SQLITE_DONE ? DB_OK : map_rc(c->db, rc);
}

static int sq_copy_row(db_copy_t *c)
{
	struct sq_copy *q = c->backend;
	for (int k = 0; k < c->ncols; k++) {
		int i = q->rows * c->ncols + k;
		q->vals[i] = c->v[k];
		if (c->v[k].type == 'b')
			q->text[i] = malloc(c->v[k].n ? c->v[k].n : 1);
		if (c->v[k].type == 'b' && q->text[i])
			memcpy(q->text[i], c->v[k].t, c->v[k].n);
		if ((c->v[k].type == 't' && (q->text[i] = strdup(c->v[k].t)) == NULL) ||
		    (c->v[k].type == 'b' && q->text[i] == NULL)) {
			db_set_err(c->db, "out of memory");
			return DB_ERR;
		}
	}
	if (++q->rows < q->rows_per)
		return DB_OK;
	return copy_flush(c, q->full);
}

static int sq_copy_end(db_copy_t *c, int ok)
{
	struct sq_copy *q = c->backend;
	if (q == NULL)
		return DB_ERR;
	int rc = DB_OK;
	if (ok && q->rows > 0) {
		sqlite3_stmt *st = copy_stmt(c, q->rows);
		rc = st ? copy_flush(c, st) : DB_ERR;
		sqlite3_finalize(st);
	}
	if (q->text)
		for (int i = 0; i < q->rows_per * c->ncols; i++)
			free(q->text[i]);
	sqlite3_finalize(q->full);
	free(q->vals);
	free(q->text);
	free(q);
	c->backend = NULL;
	return rc;
}

static const struct db_ops sqlite_ops = {
	.close = sq_close, .exec = sq_exec, .prepare = sq_prepare,
	.bind_int = sq_bind_int, .bind_double = sq_bind_double,
	.bind_text = sq_bind_text, .bind_null = sq_bind_null,
	.step = sq_step, .col_count = sq_col_count, .col_name = sq_col_name,
	.col_isnull = sq_col_isnull, .col_int = sq_col_int,
	.col_double = sq_col_double, .col_text = sq_col_text,
	.changes = sq_changes, .reset = sq_reset, .finalize = sq_finalize,
	.check = sq_check, .backup = sq_backup,
	.migration_lock = sq_migration_lock,
	.copy_begin = sq_copy_begin, .copy_row = sq_copy_row, .copy_end = sq_copy_end,
};

db_t *db_sqlite_open(const char *path, char **err)
{
	sqlite3 *c = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &c, flags, NULL) != SQLITE_OK) {
		if (err)
			*err = strdup(c ? sqlite3_errmsg(c) : "cannot open database");
		sqlite3_close(c);
		return NULL;
	}
	sqlite3_busy_timeout(c, 10000);
	sqlite3_extended_result_codes(c, 1);
	struct sq_db *db = calloc(1, sizeof *db);
	if (db == NULL) {
		sqlite3_close(c);
		return NULL;
	}
	db->base.ops = &sqlite_ops;
	db->base.kind = DB_SQLITE;
	db->conn = c;
	/* cache_size is a ceiling (32 MiB), not an allocation: an idle server
	 * stays small, while a 100,000-row import no longer spills its dirty
	 * pages to the WAL mid-transaction (about 20% faster). */
	if (sq_exec(&db->base, "PRAGMA journal_mode=WAL; PRAGMA synchronous=" SQ_STR(ZONEOPS_SQLITE_SYNCHRONOUS) ";"
	                       " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
	                       " PRAGMA cache_size=-32768;") != DB_OK) {
		if (err)
			*err = strdup(db->base.errmsg);
		sq_close(&db->base);
		return NULL;
	}
	return &db->base;
}
