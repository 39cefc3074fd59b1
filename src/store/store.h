/*
 * store.h -- the one storage interface of zoneops.
 *
 * Owns: connections to SQLite or PostgreSQL, prepared statements, parameter
 * binding, row iteration, transactions and the schema migrations.  Nothing
 * outside src/store/ includes <sqlite3.h> or <libpq-fe.h>; everything above
 * this line speaks only this API and the common SQL dialect:
 *
 *   - placeholders are $1..$n (rewritten to ?N for SQLite);
 *   - no "$1::type" casts, use CAST($1 AS BIGINT);
 *   - booleans are INTEGER 0/1, timestamps are BIGINT unix seconds,
 *     dates are TEXT 'YYYY-MM-DD', money is BIGINT fen (or 万元 where said);
 *   - compare text case-insensitively with lower(x) LIKE lower($1).
 *
 * A db_t is used by one thread at a time.  The server keeps one per worker
 * thread (db_thread()), opened lazily from the URL given to db_global_init().
 *
 * Statements: db_prepare() returns a statement cached per connection and
 * keyed by the SQL text's address, so pass string literals.  db_done()
 * resets it and gives it back to the cache; it never fails.
 */
#ifndef ZONEOPS_STORE_H
#define ZONEOPS_STORE_H

#include <stdint.h>
#include <stddef.h>

#include "core/core.h"

typedef struct db db_t;
typedef struct db_stmt db_stmt_t;

enum db_kind { DB_SQLITE = 1, DB_POSTGRES = 2 };

/* Results of db_step() and of the other calls that return int. */
enum {
	DB_OK = 0,
	DB_ROW = 1,          /* db_step: a row is ready, read it with db_col_* */
	DB_DONE = 2,         /* db_step: no more rows */
	DB_ERR = -1,         /* any other failure; db_errmsg() says what */
	DB_CONSTRAINT = -2,  /* unique / foreign key / check violated (-> 409) */
	DB_BUSY = -3         /* locked or serialization failure: retry (-> 503) */
};

/* Open "sqlite:PATH" or "postgresql://..." (also "postgres://").
 * On failure returns NULL and, when err is not NULL, a malloc'd message. */
db_t *db_open(const char *url, char **err);
void db_close(db_t *db);
enum db_kind db_kind(const db_t *db);
const char *db_errmsg(const db_t *db);

/* Run one or more statements without parameters (DDL, PRAGMA). */
int db_exec(db_t *db, const char *sql);
/* Empty a temporary staging table (a name of letters, digits and _):
 * DELETE on SQLite; TRUNCATE on PostgreSQL, which never vacuums a
 * temporary table -- emptied by DELETE on a connection that lives for
 * days (a server's, the notify worker's), its file would keep growing
 * and every scan of it slowing down.  Not in a read-only transaction
 * (PostgreSQL refuses TRUNCATE there).  DB_OK or a DB_ code. */
int db_stage_clear(db_t *db, const char *table);

/* Transactions.  db_begin() takes the write lock at once on SQLite
 * (BEGIN IMMEDIATE) so that two writers never deadlock. */
int db_begin(db_t *db);
int db_commit(db_t *db);
int db_rollback(db_t *db);
int db_in_tx(const db_t *db);

/* Statements.  Parameters are numbered from 1, columns from 0. */
db_stmt_t *db_prepare(db_t *db, const char *sql);
/* A statement not cached: db_done() finalizes it.  For SQL made at run
 * time (identifiers from the catalog, as in transfer.c), and for a query
 * that must be planned afresh each time it runs (PostgreSQL keeps a cached
 * statement's plan: a bulk write's lookups into a table it grows). */
db_stmt_t *db_prepare_once(db_t *db, const char *sql);
int db_bind_int(db_stmt_t *st, int idx, int64_t v);
int db_bind_double(db_stmt_t *st, int idx, double v);
int db_bind_text(db_stmt_t *st, int idx, const char *s);   /* NULL binds NULL */
int db_bind_null(db_stmt_t *st, int idx);
int db_step(db_stmt_t *st);
int db_col_count(db_stmt_t *st);
const char *db_col_name(db_stmt_t *st, int col);
int db_col_isnull(db_stmt_t *st, int col);
int64_t db_col_int(db_stmt_t *st, int col);
double db_col_double(db_stmt_t *st, int col);
const char *db_col_text(db_stmt_t *st, int col);  /* valid until next step/done; "" for NULL */
/* Number of rows changed by the last INSERT/UPDATE/DELETE stepped on st. */
int64_t db_changes(db_stmt_t *st);
void db_done(db_stmt_t *st);

/* Bulk writing: many rows into one table inside the caller's transaction,
 * as fast as the store takes them -- COPY ... FROM STDIN on PostgreSQL
 * (libpq's PQputCopyData), prepared multi-row INSERTs on SQLite.  table
 * and cols ("gram, enterprise_id") are fixed text of the caller (never
 * input); ncols values are given per row, in the order of cols, then
 * db_copy_row().  No conflict clause: the rows must be new.  After a
 * failure the calls do nothing and db_copy_end() reports it; it always
 * frees c and returns DB_OK or the DB_ error (roll the transaction back). */
typedef struct db_copy db_copy_t;
db_copy_t *db_copy_begin(db_t *db, const char *table, const char *cols, int ncols);
void db_copy_int(db_copy_t *c, int64_t v);
void db_copy_double(db_copy_t *c, double v);
void db_copy_text(db_copy_t *c, const char *s);   /* NULL: NULL; s valid until db_copy_row */
void db_copy_null(db_copy_t *c);
void db_copy_blob(db_copy_t *c, const void *p, size_t n);   /* binary; p valid until db_copy_row */
void db_copy_id(db_copy_t *c, int64_t id);        /* a row's id, or NULL when id <= 0 (none) */
void db_copy_row(db_copy_t *c);
int db_copy_end(db_copy_t *c);

/* The enterprises' name search index (grams.c, enterprise_postings).
 * db_grams_write adds enterprises ids[0..n) under the grams of names[0..n)
 * (NULL entries: none; lowered: the names are the store's lower() of the
 * names already), in bulk; an enterprise must not be under those grams yet
 * (new, or db_grams_remove'd).  db_grams_remove takes enterprise id out of
 * the grams of name (its name as indexed). */
int db_grams_write(db_t *db, size_t n, const int64_t *ids, const char *const *names, int lowered);
/* The same for an import's new enterprises, batch by batch, their ids
 * ascending from batch to batch: db_grams_bulk_add takes a batch's ids
 * and their lowered names (each malloc'd, NULL: none; both arrays
 * malloc'd and freed here in every case), makes their pairs in a thread of
 * its own while it writes the batch before's, and holds back the pairs of
 * the last block of ids, which the next batch will add to, so that a
 * (gram, block) row is written about once instead of once a batch.
 * db_grams_bulk_end writes what is left (write 1; before any commit) or
 * drops it (0, an error path).  *gb starts NULL and is NULL after the end. */
struct gram_bulk;
int db_grams_bulk_add(db_t *db, struct gram_bulk **gb, size_t n, int64_t *ids, char **low);
int db_grams_bulk_end(db_t *db, struct gram_bulk **gb, int write);
int db_grams_remove(db_t *db, int64_t id, const char *name);
/* The same for enterprises ids[0..n) and their names, in bulk (an import's
 * renames): the rows they are in locked, read, rewritten without them and
 * written back by one UPDATE ... FROM a staged copy. */
int db_grams_remove_bulk(db_t *db, size_t n, const int64_t *ids, const char *const *names);
/* Every enterprise's grams again, from the store's own lower() of the names. */
int db_grams_rebuild(db_t *db);
/* One enterprise from the grams of old_name (NULL: a new one) to those of
 * name, outside any bulk write (grams.c: the side rows). */
int db_grams_rename(db_t *db, int64_t id, const char *old_name, const char *name);
/* How many enterprises have gram (a text_grams value); -1 on error. */
int64_t db_gram_count(db_t *db, int64_t gram);
/* A set of enterprise ids: one 65,536-bit map per block of ids (id >> 16)
 * that has any, blocks ascending. */
struct gram_set {
	size_t n;          /* blocks */
	int64_t *block;    /* their numbers */
	uint64_t *bits;    /* n x 1024 words */
};
/* The enterprises having gram (s is overwritten; free with gram_set_free). */
int db_gram_set_load(db_t *db, int64_t gram, struct gram_set *s);
void gram_set_and(struct gram_set *a, const struct gram_set *b);   /* a &= b */
int64_t gram_set_count(const struct gram_set *s);
/* Up to limit ids of s after skipping offset, ascending (desc: descending). */
size_t gram_set_ids(const struct gram_set *s, int desc, int64_t offset, size_t limit, int64_t *out);
void gram_set_free(struct gram_set *s);
/* The 3-character code of id within its block's posting list. */
void gram_code(int64_t id, char out[4]);

/* One-liners for the common cases.  Each prepares, binds the given text
 * parameters (NULL entries bind NULL), steps once and finishes. */
int64_t db_int1(db_t *db, const char *sql, int64_t dflt, int nparam, const char *const *params);
/* Does the query sql, with the id bound as $1, find a row?  1, 0, or -1 on
 * an error. */
int db_exists_id(db_t *db, const char *sql, int64_t id);

/* Fill e for a failed database call and return -1: DB_BUSY → 503 busy,
 * DB_CONSTRAINT → 409 conflict, else 500 internal with the database's
 * message logged to stderr (never shown to a client).  what says what was
 * being done ("saving the lead"). */
int db_fail(err_t *e, db_t *db, int rc, const char *what);

/* Per-thread connection for the server (and the CLI's single thread). */
int db_global_init(const char *url, char **err);
db_t *db_thread(void);
void db_thread_release(void);
const char *db_global_url(void);

/* Migrations (migrate.c). Applies every pending numbered migration in
 * order, each in its own transaction, and records it in schema_migrations.
 * Returns the number applied, or -1 with *err set (malloc'd). */
int db_migrate(db_t *db, char **err);
/* The same, only the migrations up to version upto (tests of a migration). */
int db_migrate_upto(db_t *db, int upto, char **err);
int db_schema_version(db_t *db);
/* A load into an empty table: db_indexes_defer drops the indexes of table
 * ("enterprises") that a load can make faster afterwards, by sorting, than
 * row by row -- only if the table is empty, found so under the write lock
 * (*deferred 1; 0 when it has rows: nothing dropped); db_indexes_make makes
 * them again, as the migrations made them.  Inside a transaction only
 * (DB_ERR outside one), and made again before its commit: a rollback gives
 * them back by itself.  On PostgreSQL the table is locked ACCESS EXCLUSIVE
 * until the commit, whether or not the indexes were dropped -- its readers
 * wait; on SQLite they read the table as it was.  DB_OK or a DB_ code. */
int db_indexes_defer(db_t *db, const char *table, int *deferred);
int db_indexes_make(db_t *db, const char *table);
/* Integrity check: SQLite "PRAGMA integrity_check"; PostgreSQL a trivial
 * query.  Returns 0 when healthy, else -1 and *err (malloc'd). */
int db_check(db_t *db, char **err);
/* Online backup to a file (SQLite backup API).  PostgreSQL: -1, use pg_dump. */
int db_backup(db_t *db, const char *path, char **err);

/* Copy every table of from into to, replacing to's rows (transfer.c): one
 * of the two is SQLite (the catalog is read from it), both at the same
 * schema version, to inside a transaction (from should be too, for a
 * consistent read).  Tables in foreign-key order, one bulk write each; on
 * PostgreSQL the id sequences continue after the copied ids.  DB_OK or a
 * DB_ error with the message on to (roll it back). */
int db_transfer(db_t *from, db_t *to);
/* PostgreSQL: take an EXCLUSIVE lock on every table of the schema (reads
 * go on, writers wait for the commit), in name order so that two lockers
 * queue instead of deadlocking.  SQLite: nothing (BEGIN IMMEDIATE already
 * excludes other writers).  Inside a transaction. */
int db_lock_tables(db_t *db);

#endif
