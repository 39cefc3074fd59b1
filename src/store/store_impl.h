/*
 * store_impl.h -- what a storage backend provides to store.c.
 *
 * store.c owns the public API, the per-connection statement cache and the
 * per-thread connection; a backend (store_sqlite.c, store_pg.c) owns only
 * the talking to its database.  A backend's connection struct starts with
 * a struct db, and its statement struct with a struct db_stmt.
 */
#ifndef ZONEOPS_STORE_IMPL_H
#define ZONEOPS_STORE_IMPL_H

#include "store.h"

struct db_ops {
	void (*close)(db_t *db);
	int (*exec)(db_t *db, const char *sql);
	/* A fresh statement for sql (placeholders $1..$n); NULL on error with
	 * db->errmsg set. */
	db_stmt_t *(*prepare)(db_t *db, const char *sql);
	int (*bind_int)(db_stmt_t *st, int idx, int64_t v);
	int (*bind_double)(db_stmt_t *st, int idx, double v);
	int (*bind_text)(db_stmt_t *st, int idx, const char *s);
	int (*bind_null)(db_stmt_t *st, int idx);
	int (*step)(db_stmt_t *st);
	int (*col_count)(db_stmt_t *st);
	const char *(*col_name)(db_stmt_t *st, int col);
	int (*col_isnull)(db_stmt_t *st, int col);
	int64_t (*col_int)(db_stmt_t *st, int col);
	double (*col_double)(db_stmt_t *st, int col);
	const char *(*col_text)(db_stmt_t *st, int col);
	int64_t (*changes)(db_stmt_t *st);
	/* Forget the result and the bindings; the statement can be reused. */
	void (*reset)(db_stmt_t *st);
	void (*finalize)(db_stmt_t *st);
	int (*check)(db_t *db, char **err);
	int (*backup)(db_t *db, const char *path, char **err);
	/* Serialise concurrent migrators (called first inside each migration
	 * transaction; PostgreSQL takes an advisory transaction lock). */
	int (*migration_lock)(db_t *db);
	/* Bulk writing (store.c's db_copy_*): start, then one call per row
	 * with its values (v[i].type 'i', 'd', 't', 'b' or 'n'), then the end
	 * (ok 0: a failure happened, give up).  State in c->backend. */
	int (*copy_begin)(db_copy_t *c);
	int (*copy_row)(db_copy_t *c);
	int (*copy_end)(db_copy_t *c, int ok);
};

struct db_copy_val {
	char type;                  /* 'i' int, 'd' double, 't' text, 'b' bytes, 'n' NULL */
	int64_t i;
	double d;
	const char *t;              /* text or bytes, valid until the next db_copy_row */
	size_t n;                   /* 'b': the number of bytes at t */
};

struct db_copy {
	db_t *db;
	const char *table, *cols;
	int ncols, nvals;
	int rc;                     /* DB_OK until something failed */
	struct db_copy_val *v;      /* the current row */
	void *backend;
};

#define DB_CACHE_SLOTS 256

struct db {
	const struct db_ops *ops;
	enum db_kind kind;
	int in_tx;
	char errmsg[512];
	struct { const char *key; db_stmt_t *st; } cache[DB_CACHE_SLOTS];
};

struct db_stmt {
	db_t *db;
	const char *key;   /* cache key (the SQL text's address) or NULL */
	int in_use;
};

void db_set_err(db_t *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

db_t *db_sqlite_open(const char *path, char **err);
db_t *db_pg_open(const char *url, char **err);

/* Used by migrate.c. */
int db_migration_lock(db_t *db);

#endif
