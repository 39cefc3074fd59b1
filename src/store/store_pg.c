/*
 * store_pg.c -- the PostgreSQL backend (libpq).
 *
 * Statements keep their SQL text; placeholders $1..$n are native.  A cached
 * statement (one that store.c keeps under its SQL literal) is PQprepare'd
 * once per connection under a unique name "zoN" on its first db_step and
 * then run with PQexecPrepared.  A transient statement (key == NULL: the
 * literal was already in use, or the cache was full) is run with
 * PQexecParams through the unnamed statement so that nothing is left
 * behind on the server when it is finalized.
 *
 * Parameters travel as text with server-inferred types; unbound ones are
 * sent as NULL.  Results are read in text format.
 *
 * When a call fails and the connection is found broken, the connection is
 * PQreset once and the per-connection generation is bumped: every statement
 * remembers the generation it was prepared in and prepares again when it
 * differs.  The failing call still reports its error (a transaction that
 * was open is gone with the old session).
 */
#include "store_impl.h"

#include <libpq-fe.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PG_MAX_PARAMS 65535   /* protocol limit (16-bit count) */

struct pg_db {
	struct db base;
	PGconn *conn;
	unsigned gen;        /* bumped on every reconnect; starts at 1 */
	unsigned next_name;  /* for "zoN" statement names */
};

struct pg_stmt {
	struct db_stmt base;
	char *sql;
	char name[32];       /* server-side name when prepared ("zoN") */
	unsigned gen;        /* generation it was prepared in; 0 = never */
	int nparams;         /* highest $N found in the SQL */
	int nbound;          /* highest index bound since the last reset */
	int cap;             /* allocated entries of vals */
	char **vals;         /* malloc'd text values; NULL = SQL NULL */
	PGresult *res;       /* result of the execution, or NULL */
	PGresult *desc;      /* PQdescribePrepared, for col_* before a step */
	int executed;        /* res belongs to the current execution */
	int tried;           /* stepped since the last reset (even if it failed) */
	int row;             /* current row of res */
};

static const struct db_ops pg_ops;

static struct pg_db *PGDB(db_t *db) { return (struct pg_db *)db; }
static struct pg_stmt *PGST(db_stmt_t *st) { return (struct pg_stmt *)st; }

static void noop_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* ---- errors ---- */

/* libpq messages end in newlines and may span lines ("...\n\tThis probably
 * means..."): make them one line, in place. */
static void one_line(char *s)
{
	char *w = s;
	int space = 0;
	for (const char *r = s; *r; r++) {
		if (isspace((unsigned char)*r)) {
			space = 1;
			continue;
		}
		if (space && w != s)
			*w++ = ' ';
		space = 0;
		*w++ = *r;
	}
	*w = '\0';
}

static void trim_errmsg(db_t *db)
{
	one_line(db->errmsg);
}

static int map_sqlstate(const char *state)
{
	if (state == NULL)
		return DB_ERR;
	if (strncmp(state, "23", 2) == 0)
		return DB_CONSTRAINT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return DB_BUSY;
	return DB_ERR;
}

static int session_setup(PGconn *conn)
{
	PGresult *r = PQexec(conn,
		"SET client_min_messages = warning; "
		"SET TIME ZONE 'UTC'; "
		"SET client_encoding = 'UTF8'");
	int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok ? 0 : -1;
}

/* PQreset once; every prepared statement becomes stale.  0 when usable. */
static int pg_reconnect(struct pg_db *d)
{
	PQreset(d->conn);
	d->gen++;
	if (PQstatus(d->conn) != CONNECTION_OK)
		return -1;
	return session_setup(d->conn);
}

/* Record the failure of r (may be NULL), PQclear it, reconnect when the
 * connection broke, and return the DB_* code. */
static int pg_fail(struct pg_db *d, PGresult *r)
{
	db_t *db = &d->base;
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (msg == NULL || *msg == '\0')
		msg = r ? PQresultErrorMessage(r) : NULL;
	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(d->conn);
	if (msg == NULL || *msg == '\0')
		msg = r ? PQresStatus(PQresultStatus(r)) : "PostgreSQL: unknown error";
	db_set_err(db, "%s", msg);
	trim_errmsg(db);
	int rc = map_sqlstate(state);
	PQclear(r);
	if (PQstatus(d->conn) == CONNECTION_BAD) {
		size_t n = strlen(db->errmsg);
		if (pg_reconnect(d) == 0)
			snprintf(db->errmsg + n, sizeof db->errmsg - n, " (connection lost; reconnected)");
		else
			snprintf(db->errmsg + n, sizeof db->errmsg - n, " (connection lost; reconnect failed)");
		rc = DB_ERR;
	}
	return rc;
}

/* Before talking to the server: if an earlier reconnect failed, retry. */
static int pg_ensure_conn(struct pg_db *d)
{
	if (PQstatus(d->conn) == CONNECTION_OK)
		return 0;
	if (pg_reconnect(d) == 0)
		return 0;
	db_set_err(&d->base, "%s", PQerrorMessage(d->conn));
	trim_errmsg(&d->base);
	if (d->base.errmsg[0] == '\0')
		db_set_err(&d->base, "PostgreSQL connection is not available");
	return -1;
}

static int is_ident_char(int c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* ---- connection ---- */

db_t *db_pg_open(const char *url, char **err)
{
	/* connect_timeout first so that one given in the URL wins. */
	const char *keys[] = { "connect_timeout", "dbname", "fallback_application_name", NULL };
	const char *vals[] = { "10", url, "zoneops", NULL };
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL) {
		if (err)
			*err = strdup("PostgreSQL: out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		if (err) {
			const char *m = PQerrorMessage(conn);
			char *s = strdup(m && *m ? m : "PostgreSQL: cannot connect");
			if (s)
				one_line(s);
			*err = s;
		}
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, noop_notice, NULL);
	if (session_setup(conn) != 0) {
		if (err) {
			const char *m = PQerrorMessage(conn);
			*err = strdup(m && *m ? m : "PostgreSQL: session setup failed");
			if (*err)
				one_line(*err);
		}
		PQfinish(conn);
		return NULL;
	}
	struct pg_db *d = calloc(1, sizeof *d);
	if (d == NULL) {
		PQfinish(conn);
		if (err)
			*err = strdup("out of memory");
		return NULL;
	}
	d->base.ops = &pg_ops;
	d->base.kind = DB_POSTGRES;
	d->conn = conn;
	d->gen = 1;
	return &d->base;
}

static void pg_close(db_t *db)
{
	struct pg_db *d = PGDB(db);
	if (d->conn)
		PQfinish(d->conn);
	free(d);
}

/* Is sql a single COMMIT / END (what db_commit sends)? */
static int is_commit(const char *sql)
{
	while (isspace((unsigned char)*sql))
		sql++;
	size_t n = strncasecmp(sql, "COMMIT", 6) == 0 ? 6 : strncasecmp(sql, "END", 3) == 0 ? 3 : 0;
	if (n == 0 || is_ident_char((unsigned char)sql[n]))
		return 0;
	for (sql += n; *sql; sql++)
		if (*sql == ';')
			return sql[1 + strspn(sql + 1, " \t\r\n")] == '\0';
	return 1;
}

static int pg_exec(db_t *db, const char *sql)
{
	struct pg_db *d = PGDB(db);
	if (pg_ensure_conn(d) != 0)
		return DB_ERR;
	PGresult *r = PQexec(d->conn, sql);
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY) {
		/* COMMIT of a transaction in which a statement failed "succeeds"
		 * with the tag ROLLBACK: the caller must not believe it committed. */
		int rolled_back = s == PGRES_COMMAND_OK && is_commit(sql) &&
		                  strcmp(PQcmdStatus(r), "ROLLBACK") == 0;
		PQclear(r);
		if (rolled_back) {
			db_set_err(db, "transaction rolled back: an earlier statement in it failed");
			return DB_ERR;
		}
		return DB_OK;
	}
	return pg_fail(d, r);
}

/* ---- statements ---- */

/* Highest $N in sql, skipping literals, quoted identifiers, comments and
 * dollar-quoted strings. */
static int count_params(const char *sql)
{
	const unsigned char *s = (const unsigned char *)sql, *p = s;
	int max = 0;
	while (*p) {
		unsigned char c = *p;
		if (c == '\'') {
			/* E'...' strings honour backslash escapes */
			int esc = p > s && (p[-1] == 'E' || p[-1] == 'e') &&
			          (p - 1 == s || !is_ident_char(p[-2]));
			p++;
			while (*p && *p != '\'') {
				if (esc && *p == '\\' && p[1])
					p++;
				p++;
			}
			if (*p)
				p++;   /* '' is simply two literals back to back */
		} else if (c == '"') {
			p++;
			while (*p && *p != '"')
				p++;
			if (*p)
				p++;
		} else if (c == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (c == '/' && p[1] == '*') {
			int depth = 1;
			p += 2;
			while (*p && depth > 0) {
				if (p[0] == '/' && p[1] == '*') {
					depth++;
					p += 2;
				} else if (p[0] == '*' && p[1] == '/') {
					depth--;
					p += 2;
				} else {
					p++;
				}
			}
		} else if (c == '$' && p > s && is_ident_char(p[-1])) {
			p++;   /* part of an identifier such as a$b */
		} else if (c == '$' && isdigit(p[1])) {
			long n = 0;
			p++;
			while (isdigit(*p)) {
				if (n <= PG_MAX_PARAMS)
					n = n * 10 + (*p - '0');
				p++;
			}
			if (n <= PG_MAX_PARAMS && n > max)
				max = (int)n;
		} else if (c == '$') {
			/* $tag$ ... $tag$ (tag may be empty) */
			const unsigned char *q = p + 1;
			while (*q && is_ident_char(*q))
				q++;
			if (*q == '$') {
				size_t taglen = (size_t)(q - p) + 1;
				const char *t = (const char *)q + 1;
				const char *end = NULL;
				while ((t = strchr(t, '$')) != NULL) {
					if (strncmp(t, (const char *)p, taglen) == 0) {
						end = t;
						break;
					}
					t++;
				}
				p = end ? (const unsigned char *)end + taglen
				        : (const unsigned char *)q + strlen((const char *)q);
			} else {
				p++;
			}
		} else {
			p++;
		}
	}
	return max;
}

static db_stmt_t *pg_prepare(db_t *db, const char *sql)
{
	struct pg_stmt *st = calloc(1, sizeof *st);
	if (st == NULL) {
		db_set_err(db, "out of memory");
		return NULL;
	}
	st->sql = strdup(sql);
	if (st->sql == NULL) {
		free(st);
		db_set_err(db, "out of memory");
		return NULL;
	}
	st->base.db = db;
	st->nparams = count_params(sql);
	if (st->nparams > 0) {
		st->vals = calloc((size_t)st->nparams, sizeof *st->vals);
		if (st->vals == NULL) {
			free(st->sql);
			free(st);
			db_set_err(db, "out of memory");
			return NULL;
		}
		st->cap = st->nparams;
	}
	return &st->base;
}

static int bind_owned(db_stmt_t *base, int idx, char *v, int isnull)
{
	struct pg_stmt *st = PGST(base);
	if (idx < 1 || idx > PG_MAX_PARAMS) {
		free(v);
		db_set_err(st->base.db, "bind: parameter index %d out of range", idx);
		return DB_ERR;
	}
	if (!isnull && v == NULL) {
		db_set_err(st->base.db, "out of memory");
		return DB_ERR;
	}
	if (idx > st->cap) {
		int ncap = st->cap ? st->cap : 4;
		while (ncap < idx)
			ncap = ncap > PG_MAX_PARAMS / 2 ? PG_MAX_PARAMS : ncap * 2;
		char **nv = realloc(st->vals, (size_t)ncap * sizeof *nv);
		if (nv == NULL) {
			free(v);
			db_set_err(st->base.db, "out of memory");
			return DB_ERR;
		}
		for (int i = st->cap; i < ncap; i++)
			nv[i] = NULL;
		st->vals = nv;
		st->cap = ncap;
	}
	free(st->vals[idx - 1]);
	st->vals[idx - 1] = v;
	if (idx > st->nbound)
		st->nbound = idx;
	return DB_OK;
}

static int pg_bind_int(db_stmt_t *st, int idx, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", (long long)v);
	return bind_owned(st, idx, strdup(buf), 0);
}

static int pg_bind_double(db_stmt_t *st, int idx, double v)
{
	char buf[64];
	if (isnan(v))
		snprintf(buf, sizeof buf, "NaN");
	else if (isinf(v))
		snprintf(buf, sizeof buf, "%s", v > 0 ? "Infinity" : "-Infinity");
	else
		snprintf(buf, sizeof buf, "%.17g", v);
	return bind_owned(st, idx, strdup(buf), 0);
}

static int pg_bind_text(db_stmt_t *st, int idx, const char *s)
{
	if (s == NULL)
		return bind_owned(st, idx, NULL, 1);
	return bind_owned(st, idx, strdup(s), 0);
}

static int pg_bind_null(db_stmt_t *st, int idx)
{
	return bind_owned(st, idx, NULL, 1);
}

/* Make sure a cached statement is prepared in the current generation. */
static int ensure_prepared(struct pg_stmt *st)
{
	struct pg_db *d = PGDB(st->base.db);
	if (st->gen == d->gen)
		return DB_OK;
	snprintf(st->name, sizeof st->name, "zo%u", ++d->next_name);
	PGresult *r = PQprepare(d->conn, st->name, st->sql, 0, NULL);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
		return pg_fail(d, r);
	PQclear(r);
	st->gen = d->gen;
	return DB_OK;
}

static int pg_execute(struct pg_stmt *st)
{
	struct pg_db *d = PGDB(st->base.db);
	if (pg_ensure_conn(d) != 0)
		return DB_ERR;
	int n = st->nparams > st->nbound ? st->nparams : st->nbound;
	const char *const *vals = (const char *const *)st->vals;
	PGresult *r;
	if (st->base.key == NULL) {
		r = PQexecParams(d->conn, st->sql, n, NULL, vals, NULL, NULL, 0);
	} else {
		int rc = ensure_prepared(st);
		if (rc != DB_OK)
			return rc;
		r = PQexecPrepared(d->conn, st->name, n, vals, NULL, NULL, 0);
	}
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK || s == PGRES_EMPTY_QUERY) {
		st->res = r;
		return DB_OK;
	}
	return pg_fail(d, r);
}

static int pg_step(db_stmt_t *base)
{
	struct pg_stmt *st = PGST(base);
	if (!st->executed) {
		PQclear(st->res);
		st->res = NULL;
		st->tried = 1;
		int rc = pg_execute(st);
		if (rc != DB_OK)
			return rc;
		st->executed = 1;
		st->row = 0;
	} else if (st->res && st->row < PQntuples(st->res)) {
		st->row++;
	}
	if (st->res && PQresultStatus(st->res) == PGRES_TUPLES_OK && st->row < PQntuples(st->res))
		return DB_ROW;
	return DB_DONE;
}

/* The result describing the columns: the execution's, else a describe. */
static PGresult *col_desc(struct pg_stmt *st)
{
	if (st->res)
		return st->res;
	if (st->desc)
		return st->desc;
	if (st->tried)
		return NULL;   /* the execution failed: keep its error message */
	struct pg_db *d = PGDB(st->base.db);
	if (pg_ensure_conn(d) != 0)
		return NULL;
	const char *name = st->name;
	if (st->base.key == NULL) {
		name = "";
		PGresult *r = PQprepare(d->conn, name, st->sql, 0, NULL);
		if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_fail(d, r);
			return NULL;
		}
		PQclear(r);
	} else if (ensure_prepared(st) != DB_OK) {
		return NULL;
	}
	PGresult *r = PQdescribePrepared(d->conn, name);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail(d, r);
		return NULL;
	}
	st->desc = r;
	return r;
}

/* The current row's value of col, or NULL when there is none. */
static const char *cell(struct pg_stmt *st, int col)
{
	PGresult *r = st->res;
	if (r == NULL || col < 0 || col >= PQnfields(r) || st->row >= PQntuples(r))
		return NULL;
	if (PQgetisnull(r, st->row, col))
		return NULL;
	return PQgetvalue(r, st->row, col);
}

static int pg_col_count(db_stmt_t *base)
{
	PGresult *r = col_desc(PGST(base));
	return r ? PQnfields(r) : 0;
}

static const char *pg_col_name(db_stmt_t *base, int col)
{
	PGresult *r = col_desc(PGST(base));
	if (r == NULL || col < 0 || col >= PQnfields(r))
		return NULL;
	return PQfname(r, col);
}

static int pg_col_isnull(db_stmt_t *base, int col)
{
	struct pg_stmt *st = PGST(base);
	PGresult *r = st->res;
	if (r == NULL || col < 0 || col >= PQnfields(r) || st->row >= PQntuples(r))
		return 1;
	return PQgetisnull(r, st->row, col);
}

static int64_t double_to_i64(double v)
{
	if (isnan(v))
		return 0;
	if (v >= 9223372036854775807.0)
		return INT64_MAX;
	if (v <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)v;
}

static int64_t pg_col_int(db_stmt_t *base, int col)
{
	const char *v = cell(PGST(base), col);
	if (v == NULL)
		return 0;
	if ((v[0] == 't' || v[0] == 'f') && v[1] == '\0')
		return v[0] == 't';
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E' || (errno == ERANGE))
		return double_to_i64(strtod(v, NULL));
	return (int64_t)x;
}

static double pg_col_double(db_stmt_t *base, int col)
{
	const char *v = cell(PGST(base), col);
	if (v == NULL)
		return 0.0;
	if ((v[0] == 't' || v[0] == 'f') && v[1] == '\0')
		return v[0] == 't' ? 1.0 : 0.0;
	return strtod(v, NULL);
}

static const char *pg_col_text(db_stmt_t *base, int col)
{
	return cell(PGST(base), col);
}

static int64_t pg_changes(db_stmt_t *base)
{
	struct pg_stmt *st = PGST(base);
	if (st->res == NULL)
		return 0;
	const char *n = PQcmdTuples(st->res);
	return (n && *n) ? (int64_t)strtoll(n, NULL, 10) : 0;
}

static void pg_reset(db_stmt_t *base)
{
	struct pg_stmt *st = PGST(base);
	PQclear(st->res);
	st->res = NULL;
	PQclear(st->desc);
	st->desc = NULL;
	st->executed = 0;
	st->tried = 0;
	st->row = 0;
	for (int i = 0; i < st->cap; i++) {
		free(st->vals[i]);
		st->vals[i] = NULL;
	}
	st->nbound = 0;
}

static void pg_finalize(db_stmt_t *base)
{
	struct pg_stmt *st = PGST(base);
	pg_reset(base);
	free(st->vals);
	free(st->sql);
	free(st);
}

/* ---- maintenance ---- */

static int pg_check(db_t *db, char **err)
{
	struct pg_db *d = PGDB(db);
	if (pg_ensure_conn(d) == 0) {
		PGresult *r = PQexec(d->conn, "SELECT 1");
		if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
		    strcmp(PQgetvalue(r, 0, 0), "1") == 0) {
			PQclear(r);
			return 0;
		}
		if (r && PQresultStatus(r) == PGRES_TUPLES_OK) {
			PQclear(r);
			db_set_err(db, "SELECT 1 returned an unexpected result");
		} else {
			pg_fail(d, r);
		}
	}
	if (err)
		*err = strdup(db->errmsg);
	return -1;
}

static int pg_backup(db_t *db, const char *path, char **err)
{
	(void)path;
	const char *m = "use pg_dump for PostgreSQL backups (docs/operations.md)";
	db_set_err(db, "%s", m);
	if (err)
		*err = strdup(m);
	return -1;
}

static int pg_migration_lock(db_t *db)
{
	return pg_exec(db, "SELECT pg_advisory_xact_lock(7412001)");
}


/* ---- bulk writing: COPY ... FROM STDIN, text format ---- */

#define COPY_CHUNK (256 * 1024)   /* bytes sent per PQputCopyData */

struct pg_copy {
	char *buf;
	size_t len, cap;
	int started;                  /* the server is in COPY IN */
};

static int copy_reserve(struct pg_copy *q, size_t more)
{
	if (q->len + more <= q->cap)
		return 0;
	size_t cap = q->cap ? q->cap : COPY_CHUNK + 4096;
	while (cap < q->len + more)
		cap *= 2;
	char *b = realloc(q->buf, cap);
	if (b == NULL)
		return -1;
	q->buf = b;
	q->cap = cap;
	return 0;
}

/* Append s with COPY's text escapes (backslash, TAB, LF, CR). */
static int copy_put_text(struct pg_copy *q, const char *s)
{
	size_t n = strlen(s);
	if (copy_reserve(q, 2 * n + 1) < 0)
		return -1;
	for (; *s; s++) {
		char c = *s;
		if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
			q->buf[q->len++] = '\\';
			c = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
		}
		q->buf[q->len++] = c;
	}
	return 0;
}

static int pg_copy_send(db_copy_t *c)
{
	struct pg_db *d = PGDB(c->db);
	struct pg_copy *q = c->backend;
	if (q->len == 0)
		return DB_OK;
	if (PQputCopyData(d->conn, q->buf, (int)q->len) != 1)
		return pg_fail(d, NULL);
	q->len = 0;
	return DB_OK;
}

static int pg_copy_begin(db_copy_t *c)
{
	struct pg_db *d = PGDB(c->db);
	struct pg_copy *q = calloc(1, sizeof *q);
	if (q == NULL) {
		db_set_err(c->db, "out of memory");
		return DB_ERR;
	}
	c->backend = q;
	if (pg_ensure_conn(d) != 0)
		return DB_ERR;
	size_t n = strlen(c->table) + strlen(c->cols) + 40;
	char *sql = malloc(n);
	if (sql == NULL) {
		db_set_err(c->db, "out of memory");
		return DB_ERR;
	}
	snprintf(sql, n, "COPY %s (%s) FROM STDIN", c->table, c->cols);
	PGresult *r = PQexec(d->conn, sql);
	free(sql);
	if (r == NULL || PQresultStatus(r) != PGRES_COPY_IN)
		return pg_fail(d, r);
	PQclear(r);
	q->started = 1;
	return DB_OK;
}

static int pg_copy_row(db_copy_t *c)
{
	struct pg_copy *q = c->backend;
	for (int k = 0; k < c->ncols; k++) {
		const struct db_copy_val *v = &c->v[k];
		char num[64];
		const char *s = num;
		if (v->type == 'i')
			snprintf(num, sizeof num, "%lld", (long long)v->i);
		else if (v->type == 'd')
			snprintf(num, sizeof num, isnan(v->d) ? "NaN" : "%.17g", v->d);
		else
			s = v->type == 't' ? v->t : NULL;
		if (k > 0 && copy_reserve(q, 1) == 0)
			q->buf[q->len++] = '\t';
		if (v->type == 'b') {   /* bytea's hex form, its backslash escaped: \\x0a1b */
			if (copy_reserve(q, 2 * v->n + 4) < 0) {
				db_set_err(c->db, "out of memory");
				return DB_ERR;
			}
			static const char hex[] = "0123456789abcdef";
			q->buf[q->len++] = '\\';
			q->buf[q->len++] = '\\';
			q->buf[q->len++] = 'x';
			for (size_t j = 0; j < v->n; j++) {
				unsigned char b = (unsigned char)v->t[j];
				q->buf[q->len++] = hex[b >> 4];
				q->buf[q->len++] = hex[b & 15];
			}
			continue;
		}
		int bad = s ? copy_put_text(q, s) : copy_reserve(q, 2);
		if (bad == 0 && s == NULL) {
			q->buf[q->len++] = '\\';
			q->buf[q->len++] = 'N';
		}
		if (bad < 0 || copy_reserve(q, 1) < 0) {
			db_set_err(c->db, "out of memory");
			return DB_ERR;
		}
	}
	q->buf[q->len++] = '\n';
	return q->len >= COPY_CHUNK ? pg_copy_send(c) : DB_OK;
}

static int pg_copy_end(db_copy_t *c, int ok)
{
	struct pg_db *d = PGDB(c->db);
	struct pg_copy *q = c->backend;
	if (q == NULL)
		return DB_ERR;
	int rc = DB_OK;
	if (q->started) {
		if (ok)
			rc = pg_copy_send(c);
		if (PQputCopyEnd(d->conn, ok && rc == DB_OK ? NULL : "bulk write abandoned") != 1 && rc == DB_OK)
			rc = pg_fail(d, NULL);
		PGresult *r;
		while ((r = PQgetResult(d->conn)) != NULL) {
			if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == DB_OK && ok)
				rc = pg_fail(d, r);
			else
				PQclear(r);
		}
	}
	free(q->buf);
	free(q);
	c->backend = NULL;
	return ok ? rc : DB_ERR;
}

static const struct db_ops pg_ops = {
	.close = pg_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.bind_int = pg_bind_int,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_count = pg_col_count,
	.col_name = pg_col_name,
	.col_isnull = pg_col_isnull,
	.col_int = pg_col_int,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.changes = pg_changes,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.check = pg_check,
	.backup = pg_backup,
	.migration_lock = pg_migration_lock,
	.copy_begin = pg_copy_begin,
	.copy_row = pg_copy_row,
	.copy_end = pg_copy_end,
};
