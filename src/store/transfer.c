/*
 * transfer.c -- every table of one database copied into another
 * (db_transfer, db_lock_tables).
 *
 * The demo seeding on PostgreSQL uses it: the demo is built by the domain
 * functions in a private in-memory SQLite database, where each of its tens
 * of thousands of statements costs no round trip, and then moved into
 * PostgreSQL with one COPY per table (src/demo/demo.c).
 *
 * The catalog -- tables, their columns and declared types, the foreign keys
 * that order them -- is read from the SQLite side, which one of the two
 * must be; both must be at the same schema version, so the tables are the
 * same.  Table and column names come from that catalog, never from input,
 * and are quoted; they are the only text put into SQL here (identifiers
 * cannot be bound), every value goes through db_copy_*.
 */
#include "store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COL_TEXT, COL_DOUBLE, COL_BLOB };

struct tcol {
	char *name;
	int kind;
};

struct ttable {
	char *name;
	struct tcol *cols;
	int ncols;
	int id_col;          /* the index of column "id", or -1 */
	char **deps;         /* the tables its foreign keys reference */
	int ndeps;
	int placed;
};

struct catalog {
	struct ttable *t;    /* in foreign-key order: referenced tables first */
	int n;
};

static void catalog_free(struct catalog *cat)
{
	for (int i = 0; i < cat->n; i++) {
		struct ttable *t = &cat->t[i];
		for (int k = 0; k < t->ncols; k++)
			free(t->cols[k].name);
		for (int k = 0; k < t->ndeps; k++)
			free(t->deps[k]);
		free(t->cols);
		free(t->deps);
		free(t->name);
	}
	free(cat->t);
	cat->t = NULL;
	cat->n = 0;
}

/* Append name as a quoted SQL identifier. */
static int put_ident(buf_t *b, const char *name)
{
	if (buf_puts(b, "\"") < 0)
		return -1;
	for (const char *p = name; *p; p++)
		if ((*p == '"' && buf_puts(b, "\"") < 0) || buf_append(b, p, 1) < 0)
			return -1;
	return buf_puts(b, "\"");
}

/* Room for element n of *arr: 4 at first, doubled when n reaches 4, 8, 16... */
static int grow(void **arr, int n, size_t size)
{
	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return 0;
	void *p = realloc(*arr, (size_t)(n ? 2 * n : 4) * size);
	if (p == NULL)
		return -1;
	*arr = p;
	return 0;
}

static int load_columns(db_t *sq, struct ttable *t)
{
	t->id_col = -1;
	db_stmt_t *st = db_prepare(sq, "SELECT name, upper(type) FROM pragma_table_info($1) ORDER BY cid");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, t->name);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (grow((void **)&t->cols, t->ncols, sizeof *t->cols) < 0)
			break;
		struct tcol *c = &t->cols[t->ncols];
		const char *type = db_col_text(st, 1);
		c->kind = strstr(type, "BLOB") ? COL_BLOB
		        : (strstr(type, "DOUBLE") || strstr(type, "REAL") || strstr(type, "FLOA")) ? COL_DOUBLE
		        : COL_TEXT;
		if ((c->name = strdup(db_col_text(st, 0))) == NULL)
			break;
		if (strcmp(c->name, "id") == 0)
			t->id_col = t->ncols;
		t->ncols++;
	}
	db_done(st);
	if (rc != DB_DONE)
		return -1;
	st = db_prepare(sq, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, t->name);
	while ((rc = db_step(st)) == DB_ROW) {
		if (grow((void **)&t->deps, t->ndeps, sizeof *t->deps) < 0 ||
		    (t->deps[t->ndeps] = strdup(db_col_text(st, 0))) == NULL)
			break;
		t->ndeps++;
	}
	db_done(st);
	return rc == DB_DONE && t->ncols > 0 ? 0 : -1;
}

static int placed(const struct catalog *cat, const char *name)
{
	for (int i = 0; i < cat->n; i++)
		if (strcmp(cat->t[i].name, name) == 0)
			return cat->t[i].placed;
	return 1;   /* not copied (schema_migrations): no constraint on the order */
}

/* Order cat->t so that every table comes after those it references. */
static int order_tables(struct catalog *cat, db_t *db)
{
	struct ttable *out = calloc((size_t)cat->n + 1, sizeof *out);
	if (out == NULL)
		return -1;
	int n = 0;
	while (n < cat->n) {
		int before = n;
		for (int i = 0; i < cat->n; i++) {
			struct ttable *t = &cat->t[i];
			if (t->placed)
				continue;
			int ready = 1;
			for (int k = 0; k < t->ndeps && ready; k++)
				ready = strcmp(t->deps[k], t->name) == 0 || placed(cat, t->deps[k]);
			if (ready) {
				t->placed = 1;
				out[n++] = *t;
			}
		}
		if (n == before) {
			db_set_err(db, "transfer: the foreign keys between the tables form a cycle");
			free(out);
			return -1;
		}
	}
	free(cat->t);
	cat->t = out;
	return 0;
}

static int load_catalog(db_t *sq, struct catalog *cat)
{
	db_stmt_t *st = db_prepare(sq, "SELECT name FROM sqlite_master WHERE type = 'table'"
	                               " AND name NOT LIKE 'sqlite%' AND name <> 'schema_migrations' ORDER BY name");
	if (st == NULL)
		return -1;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (grow((void **)&cat->t, cat->n, sizeof *cat->t) < 0)
			break;
		memset(&cat->t[cat->n], 0, sizeof cat->t[cat->n]);
		if ((cat->t[cat->n].name = strdup(db_col_text(st, 0))) == NULL)
			break;
		cat->n++;
	}
	db_done(st);
	if (rc != DB_DONE) {
		char m[sizeof sq->errmsg];
		snprintf(m, sizeof m, "%s", db_errmsg(sq));   /* not formatted into itself */
		db_set_err(sq, "transfer: the list of tables: %s", m);
		return -1;
	}
	for (int i = 0; i < cat->n; i++)
		if (load_columns(sq, &cat->t[i]) < 0) {
			db_set_err(sq, "transfer: the columns of %s", cat->t[i].name);
			return -1;
		}
	return order_tables(cat, sq);
}

/* "SELECT cols FROM t" as from reads it: blobs as hex text. */
static char *select_sql(db_t *from, const struct ttable *t)
{
	buf_t b;
	buf_init(&b);
	int bad = buf_puts(&b, "SELECT ");
	for (int k = 0; k < t->ncols && !bad; k++) {
		const struct tcol *c = &t->cols[k];
		if (k)
			bad |= buf_puts(&b, ", ");
		if (c->kind == COL_BLOB && from->kind == DB_SQLITE) {   /* hex(NULL) is '' */
			bad |= buf_puts(&b, "CASE WHEN ") | put_ident(&b, c->name) | buf_puts(&b, " IS NULL THEN NULL ELSE hex(");
			bad |= put_ident(&b, c->name) | buf_puts(&b, ") END");
		} else if (c->kind == COL_BLOB) {
			bad |= buf_puts(&b, "encode(") | put_ident(&b, c->name) | buf_puts(&b, ", 'hex')");
		} else {
			bad |= put_ident(&b, c->name);
		}
	}
	bad |= buf_puts(&b, " FROM ");
	bad |= put_ident(&b, t->name);
	if (t->id_col >= 0)   /* a row after those it refers to (leads.duplicate_of) */
		bad |= buf_puts(&b, " ORDER BY \"id\"");
	if (bad) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode hex text into *out (grown as needed); the byte count, or -1. */
static long unhex(const char *s, unsigned char **out, size_t *cap)
{
	size_t len = strlen(s), n = len / 2;
	if (len % 2)
		return -1;
	if (n + 1 > *cap) {
		unsigned char *p = realloc(*out, n + 1);
		if (p == NULL)
			return -1;
		*out = p;
		*cap = n + 1;
	}
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		(*out)[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)n;
}

/* Copy table t's rows; *max_id gets the largest id (0: none).  DB_OK or
 * an error, with the message on to. */
static int copy_table(db_t *from, db_t *to, const struct ttable *t, int64_t *max_id)
{
	*max_id = 0;
	buf_t cols, table;
	buf_init(&cols);
	buf_init(&table);
	int bad = put_ident(&table, t->name) < 0;
	for (int k = 0; k < t->ncols && !bad; k++)
		bad |= (k && buf_puts(&cols, ", ") < 0) || put_ident(&cols, t->cols[k].name) < 0;
	char *sql = bad ? NULL : select_sql(from, t);
	db_stmt_t *st = sql ? db_prepare_once(from, sql) : NULL;
	db_copy_t *c = st ? db_copy_begin(to, table.data, cols.data, t->ncols) : NULL;
	/* a buffer per column: db_copy_blob keeps the pointer until the row ends */
	unsigned char **bytes = calloc((size_t)t->ncols, sizeof *bytes);
	size_t *cap = calloc((size_t)t->ncols, sizeof *cap);
	int rc = DB_ERR;
	if (sql == NULL || c == NULL || bytes == NULL || cap == NULL)
		db_set_err(to, "transfer: %s: %s", t->name, sql && !st ? db_errmsg(from) : "out of memory");
	else
		while ((rc = db_step(st)) == DB_ROW) {
			int k;
			for (k = 0; k < t->ncols; k++) {
				if (db_col_isnull(st, k)) {
					db_copy_null(c);
				} else if (t->cols[k].kind == COL_BLOB) {
					long n = unhex(db_col_text(st, k), &bytes[k], &cap[k]);
					if (n < 0)
						break;
					else
						db_copy_blob(c, bytes[k], (size_t)n);
				} else if (t->cols[k].kind == COL_DOUBLE) {
					db_copy_double(c, db_col_double(st, k));
				} else {
					db_copy_text(c, db_col_text(st, k));
				}
				if (k == t->id_col && db_col_int(st, k) > *max_id)
					*max_id = db_col_int(st, k);
			}
			if (k < t->ncols)
				break;   /* rc stays DB_ROW: a blob that is not hex */
			db_copy_row(c);
		}
	db_done(st);
	int e = db_copy_end(c);   /* NULL: DB_ERR */
	if (c && rc == DB_ROW)
		db_set_err(to, "transfer: %s: a blob that is not hex", t->name);
	else if (c && rc != DB_DONE)
		db_set_err(to, "transfer: reading %s: %s", t->name, db_errmsg(from));
	for (int k = 0; bytes && k < t->ncols; k++)
		free(bytes[k]);
	free(bytes);
	free(cap);
	free(sql);
	buf_free(&cols);
	buf_free(&table);
	return rc == DB_DONE ? e : rc == DB_ROW ? DB_ERR : rc;
}

/* Remove every row of the catalog's tables from db. */
static int empty_tables(db_t *db, const struct catalog *cat)
{
	buf_t b;
	buf_init(&b);
	int rc = DB_OK;
	if (db->kind == DB_POSTGRES) {
		int bad = buf_puts(&b, "TRUNCATE ");
		for (int i = 0; i < cat->n; i++)
			bad |= (i && buf_puts(&b, ", ") < 0) || put_ident(&b, cat->t[i].name) < 0;
		rc = bad ? DB_ERR : db_exec(db, b.data);
	} else {
		for (int i = cat->n - 1; i >= 0 && rc == DB_OK; i--) {
			b.len = 0;
			if (buf_puts(&b, "DELETE FROM ") < 0 || put_ident(&b, cat->t[i].name) < 0)
				rc = DB_ERR;
			else
				rc = db_exec(db, b.data);
		}
	}
	buf_free(&b);
	return rc;
}

/* PostgreSQL: the table's id sequence (when it has one) continues after max_id. */
static int move_sequence(db_t *db, const struct ttable *t, int64_t max_id)
{
	if (db->kind != DB_POSTGRES || t->id_col < 0)
		return DB_OK;
	buf_t name;
	buf_init(&name);
	if (put_ident(&name, t->name) < 0) {
		buf_free(&name);
		db_set_err(db, "transfer: out of memory");
		return DB_ERR;
	}
	db_stmt_t *st = db_prepare(db, "SELECT setval(pg_get_serial_sequence($1, 'id'), $2, $3)");
	db_bind_text(st, 1, name.data);
	db_bind_int(st, 2, max_id > 0 ? max_id : 1);
	db_bind_text(st, 3, max_id > 0 ? "true" : "false");
	int rc = db_step(st);
	db_done(st);
	buf_free(&name);
	return rc == DB_ROW ? DB_OK : DB_ERR;
}

int db_transfer(db_t *from, db_t *to)
{
	db_t *sq = from->kind == DB_SQLITE ? from : to->kind == DB_SQLITE ? to : NULL;
	if (sq == NULL) {
		db_set_err(to, "transfer: one of the two databases must be SQLite");
		return DB_ERR;
	}
	if (!db_in_tx(to)) {
		db_set_err(to, "transfer: the target must be in a transaction");
		return DB_ERR;
	}
	int v1 = db_schema_version(from), v2 = db_schema_version(to);
	if (v1 != v2 || v1 < 1) {
		db_set_err(to, "transfer: schema versions differ (%d and %d)", v1, v2);
		return DB_ERR;
	}
	struct catalog cat = { 0 };
	if (load_catalog(sq, &cat) < 0) {
		if (sq != to)
			db_set_err(to, "%s", db_errmsg(sq));
		catalog_free(&cat);
		return DB_ERR;
	}
	int rc = empty_tables(to, &cat);
	for (int i = 0; i < cat.n && rc == DB_OK; i++) {
		int64_t max_id = 0;
		rc = copy_table(from, to, &cat.t[i], &max_id);
		if (rc == DB_OK)
			rc = move_sequence(to, &cat.t[i], max_id);
	}
	catalog_free(&cat);
	return rc;
}

int db_lock_tables(db_t *db)
{
	if (db->kind != DB_POSTGRES)
		return DB_OK;   /* SQLite: BEGIN IMMEDIATE already excludes every other writer */
	db_stmt_t *st = db_prepare(db, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
	                               " ORDER BY tablename");
	if (st == NULL)
		return DB_ERR;
	buf_t b;
	buf_init(&b);
	int bad = buf_puts(&b, "LOCK TABLE ") < 0, n = 0, rc;
	while ((rc = db_step(st)) == DB_ROW)
		bad |= (n++ && buf_puts(&b, ", ") < 0) || put_ident(&b, db_col_text(st, 0)) < 0;
	db_done(st);
	bad |= buf_puts(&b, " IN EXCLUSIVE MODE") < 0;
	if (rc == DB_DONE && !bad && n > 0)
		rc = db_exec(db, b.data);
	else
		rc = rc == DB_DONE && n == 0 ? DB_OK : DB_ERR;
	buf_free(&b);
	return rc;
}
