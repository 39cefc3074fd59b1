/*
 * facts.c -- yearly facts of the enterprises: their definitions and their
 * storage (facts, fact_defs of migration 10).
 *
 * A fact's value is an exact decimal: stored as value x 10^4 in a BIGINT
 * (万元 to 4 decimals is one yuan), read and written as struct rule_num,
 * never through a double.
 */
#include "facts.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* rule_num is value x 10^12, the column value x 10^4 */
#define NUM_PER_STORED ((rule_i128)100000000)

int fact_value_to_stored(struct rule_num n, int64_t *out)
{
	if (n.v % NUM_PER_STORED != 0)
		return -1;
	rule_i128 s = n.v / NUM_PER_STORED;
	if (s > FACT_STORED_MAX || s < -FACT_STORED_MAX)
		return -1;
	*out = (int64_t)s;
	return 0;
}

struct rule_num fact_value_from_stored(int64_t stored)
{
	struct rule_num n = { (rule_i128)stored * NUM_PER_STORED };
	return n;
}

/* The shape of a decimal's text (already checked by rule_num_parse):
 * its significant digits (first to last non-zero), the power of ten of
 * the first and the decimals the last needs (negative: none). */
static void digits_shape(const char *s, int *sig, int *lead, int *decimals)
{
	const char *p = s + strspn(s, " \t+-");
	int pos = 0, first = 0, last = 0, any = 0, point = -1;
	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
		if (*p == '.') {
			point = pos;
			continue;
		}
		if (*p != '0') {
			if (!any)
				first = pos;
			last = pos;
			any = 1;
		}
		pos++;
	}
	if (point < 0)
		point = pos;
	long exp10 = (*p == 'e' || *p == 'E') ? strtol(p + 1, NULL, 10) : 0;
	if (exp10 > 1000 || exp10 < -1000)
		exp10 = exp10 > 0 ? 1000 : -1000;
	*sig = any ? last - first + 1 : 0;
	*lead = any ? point - first - 1 + (int)exp10 : 0;
	*decimals = any ? last - point + 1 - (int)exp10 : 0;
}

int fact_value_parse(const char *s, int lenient, struct rule_num *out)
{
	struct rule_num n;
	if (s == NULL || *s == '\0')
		return FACT_VALUE_NAN;
	if (rule_num_parse(s, &n) < 0) {
		/* a well-formed number beyond 10^24 is out of range, not garbage */
		char *end;
		strtod(s, &end);
		end += strspn(end, " \t");
		return end != s && *end == '\0' && strpbrk(s, "0123456789") && !strpbrk(s, "xXnN")
		       ? FACT_VALUE_RANGE : FACT_VALUE_NAN;
	}
	int sig, lead, decimals;
	digits_shape(s, &sig, &lead, &decimals);
	if (lenient && sig > 15) {
		/* a spreadsheet's double written with 17 digits: the decimal it
		 * shows with 15 significant digits, rounded exactly */
		int d = 14 - lead;
		if (d > RULE_NUM_DECIMALS)
			d = RULE_NUM_DECIMALS;
		if (d >= 0 && rule_num_round(n, d, &n) < 0)
			return FACT_VALUE_RANGE;
		char t[RULE_NUM_LEN];
		rule_num_format(n, t);
		digits_shape(t, &sig, &lead, &decimals);
	}
	if (decimals > FACT_DECIMALS)
		return FACT_VALUE_PRECISION;
	int64_t stored;
	if (fact_value_to_stored(n, &stored) < 0)
		return FACT_VALUE_RANGE;
	*out = n;
	return 0;
}

int fact_defs_load(db_t *db, arena_t *a, struct rule_facts *out, err_t *err)
{
	static const char sql_n[] = "SELECT COUNT(*) FROM fact_defs WHERE builtin = 0";
	int64_t extra = db_int1(db, sql_n, -1, 0, NULL);
	if (extra < 0)
		return db_fail(err, db, DB_ERR, "reading the fact definitions");
	size_t cap = rule_builtin_nfacts + (size_t)extra;
	struct rule_fact_def *d = arena_alloc(a, cap * sizeof *d);
	memcpy(d, rule_builtin_facts, rule_builtin_nfacts * sizeof *d);
	size_t n = rule_builtin_nfacts;
	db_stmt_t *st = db_prepare(db, "SELECT name, label, label_en, unit, unit_en, type FROM fact_defs"
	                               " WHERE builtin = 0 ORDER BY name");
	if (!st)
		return db_fail(err, db, DB_ERR, "reading the fact definitions");
	int rc;
	while ((rc = db_step(st)) == DB_ROW && n < cap) {
		struct rule_fact_def *f = &d[n++];
		f->name = arena_strdup(a, db_col_text(st, 0));
		f->label_zh = arena_strdup(a, db_col_text(st, 1));
		f->label_en = arena_strdup(a, db_col_text(st, 2));
		f->unit_zh = arena_strdup(a, db_col_text(st, 3));
		f->unit_en = arena_strdup(a, db_col_text(st, 4));
		f->type = strcmp(db_col_text(st, 5), "bool") == 0 ? RULE_T_BOOL : RULE_T_NUM;
	}
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(err, db, rc, "reading the fact definitions");
	out->defs = d;
	out->n = n;
	return 0;
}

const struct rule_fact_def *fact_def_find(const struct rule_facts *facts, const char *name)
{
	for (size_t i = 0; i < facts->n; i++)
		if (strcmp(facts->defs[i].name, name) == 0)
			return &facts->defs[i];
	return NULL;
}

int fact_put(db_t *db, int64_t enterprise_id, int year, const char *fact, int64_t stored, int *was)
{
	if (was) {
		db_stmt_t *q = db_prepare(db, "SELECT value FROM facts WHERE enterprise_id = $1 AND year = $2 AND fact = $3");
		if (!q)
			return DB_ERR;
		db_bind_int(q, 1, enterprise_id);
		db_bind_int(q, 2, year);
		db_bind_text(q, 3, fact);
		int rc = db_step(q);
		*was = rc == DB_ROW ? (db_col_int(q, 0) == stored ? FACT_SAME : FACT_REPLACED) : FACT_NEW;
		db_done(q);
		if (rc != DB_ROW && rc != DB_DONE)
			return rc;
		if (*was == FACT_SAME)
			return DB_OK;
	}
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO facts (enterprise_id, year, fact, value, updated_at) VALUES ($1, $2, $3, $4, $5)"
		" ON CONFLICT (enterprise_id, year, fact) DO UPDATE SET value = excluded.value,"
		" updated_at = excluded.updated_at");
	if (!st)
		return DB_ERR;
	db_bind_int(st, 1, enterprise_id);
	db_bind_int(st, 2, year);
	db_bind_text(st, 3, fact);
	db_bind_int(st, 4, stored);
	db_bind_int(st, 5, now_sec());
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

/* value x 10^4 of a fact to store: rounded to FACT_DECIMALS decimals.
 * 0, or -1 when out of range. */
static int stored_of(struct rule_num value, int64_t *stored)
{
	struct rule_num r;
	return rule_num_round(value, FACT_DECIMALS, &r) < 0 || fact_value_to_stored(r, stored) < 0 ? -1 : 0;
}

int fact_set(db_t *db, int64_t enterprise_id, int year, const char *fact, struct rule_num value)
{
	int64_t stored;
	if (stored_of(value, &stored) < 0)
		return DB_CONSTRAINT;
	return fact_put(db, enterprise_id, year, fact, stored, NULL);
}

/* One INSERT of FACT_BATCH rows, built once: a fixed text, so that the
 * store keeps it prepared like a literal. */
#define FACT_BATCH 64
static char batch_sql[FACT_BATCH * 40 + 256];
static pthread_once_t batch_once = PTHREAD_ONCE_INIT;

static void batch_build(void)
{
	size_t n = (size_t)snprintf(batch_sql, sizeof batch_sql,
	                            "INSERT INTO facts (enterprise_id, year, fact, value, updated_at) VALUES ");
	for (int i = 0; i < FACT_BATCH; i++)
		n += (size_t)snprintf(batch_sql + n, sizeof batch_sql - n, "%s($%d, $%d, $%d, $%d, $%d)", i ? ", " : "",
		                      5 * i + 1, 5 * i + 2, 5 * i + 3, 5 * i + 4, 5 * i + 5);
	snprintf(batch_sql + n, sizeof batch_sql - n, " ON CONFLICT (enterprise_id, year, fact) DO UPDATE SET"
	         " value = excluded.value, updated_at = excluded.updated_at");
}

int fact_set_many(db_t *db, const struct fact_row *rows, size_t n)
{
	pthread_once(&batch_once, batch_build);
	int64_t now = now_sec();
	size_t i = 0;
	for (; i + FACT_BATCH <= n; i += FACT_BATCH) {
		db_stmt_t *st = db_prepare(db, batch_sql);
		if (!st)
			return DB_ERR;
		for (int k = 0; k < FACT_BATCH; k++) {
			const struct fact_row *f = &rows[i + (size_t)k];
			int64_t stored;
			if (stored_of(f->value, &stored) < 0) {
				db_done(st);
				return DB_CONSTRAINT;
			}
			db_bind_int(st, 5 * k + 1, f->enterprise_id);
			db_bind_int(st, 5 * k + 2, f->year);
			db_bind_text(st, 5 * k + 3, f->fact);
			db_bind_int(st, 5 * k + 4, stored);
			db_bind_int(st, 5 * k + 5, now);
		}
		int rc = db_step(st);
		db_done(st);
		if (rc != DB_DONE)
			return rc;
	}
	for (; i < n; i++) {
		int rc = fact_set(db, rows[i].enterprise_id, rows[i].year, rows[i].fact, rows[i].value);
		if (rc != DB_OK)
			return rc;
	}
	return DB_OK;
}

/* ---- an import's facts in bulk ---- */

int fact_bulk_begin(db_t *db)
{
	int rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS fact_stage (enterprise_id BIGINT NOT NULL,"
	                     " year INTEGER NOT NULL, fact TEXT NOT NULL, value BIGINT NOT NULL)");
	return rc == DB_OK ? db_stage_clear(db, "fact_stage") : rc;
}

int fact_bulk_add(struct fact_bulk *b, int64_t enterprise_id, int year, const char *fact, int64_t stored,
                  int maybe_stored)
{
	if (b->rows == NULL && (b->rows = malloc(FACT_BULK_FLUSH * sizeof *b->rows)) == NULL)
		return -1;
	if (b->n >= FACT_BULK_FLUSH)
		return -1;
	b->rows[b->n++] = (struct fact_bulk_row){ enterprise_id, stored, fact, year };
	b->maybe += maybe_stored != 0;
	return 0;
}

/* A loose scan of facts' key: the smallest enterprise id, then the
 * smallest above it, and so on -- a probe per enterprise with facts, not
 * a read of every fact (the same SQL on both stores). */
int fact_ids_with_facts(db_t *db, int64_t **ids, size_t *n)
{
	*ids = NULL;
	*n = 0;
	db_stmt_t *st = db_prepare(db,
		"WITH RECURSIVE t(id) AS (SELECT min(enterprise_id) FROM facts"
		" UNION ALL SELECT (SELECT min(f.enterprise_id) FROM facts f WHERE f.enterprise_id > t.id)"
		" FROM t WHERE t.id IS NOT NULL) SELECT id FROM t WHERE id IS NOT NULL");
	if (st == NULL)
		return DB_ERR;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			size_t c = cap ? 2 * cap : 1024;
			int64_t *t = realloc(*ids, c * sizeof *t);
			if (t == NULL) {
				rc = DB_ERR;
				break;
			}
			*ids = t;
			cap = c;
		}
		(*ids)[(*n)++] = db_col_int(st, 0);
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return rc == DB_ROW ? DB_ERR : rc;
	}
	return DB_OK;
}

/* The staged rows against facts: how many are stored already, and how
 * many of those with another value.  On PostgreSQL each staged row looks
 * up its own key (a subquery in the select list, which it does not turn
 * into a join): as a join it hashed the whole of facts for every batch
 * whenever facts' statistics were those of before the import -- 0.6 s a
 * batch at 10^6 facts, growing with the table (BENCHMARKS.md); by the key
 * it is a batch's size of index probes however large facts is
 * (MATERIALIZED: the lookup once per row, not once per use of its value).
 * SQLite's planner walks the join by the key anyway, a tenth faster than
 * the subquery.  Planned afresh for every batch (db_prepare_once): a plan
 * kept from the first batch of an import into a facts that statistics
 * call empty (vacuumed while empty) scans the whole table for every
 * staged row -- TRUNCATE of a staging table made in the same transaction
 * does not invalidate it -- and the import slowed to some 2,000 rows a
 * minute (BENCHMARKS.md). */
static int bulk_count(db_t *db, int64_t *stored, int64_t *changed)
{
	db_stmt_t *st = db_prepare_once(db, db_kind(db) == DB_POSTGRES ?
		"WITH x AS MATERIALIZED (SELECT s.value, (SELECT f.value FROM facts f"
		" WHERE f.enterprise_id = s.enterprise_id AND f.year = s.year AND f.fact = s.fact) AS v FROM fact_stage s)"
		" SELECT COUNT(v), COALESCE(SUM(CASE WHEN v <> value THEN 1 ELSE 0 END), 0) FROM x" :
		"SELECT COUNT(*), COALESCE(SUM(CASE WHEN f.value <> s.value THEN 1 ELSE 0 END), 0)"
		" FROM fact_stage s JOIN facts f ON f.enterprise_id = s.enterprise_id AND f.year = s.year AND f.fact = s.fact");
	if (st == NULL)
		return DB_ERR;
	int rc = db_step(st);
	if (rc == DB_ROW) {
		*stored = db_col_int(st, 0);
		*changed = db_col_int(st, 1);
	}
	db_done(st);
	return rc == DB_ROW ? DB_OK : rc;
}

/* fact_stage into facts in key order: with merge, a stored key takes the
 * staged value (an unchanged value is not written: updated_at stays);
 * without, every staged key must be new. */
static int stage_insert(db_t *db, int merge)
{
	db_stmt_t *st = db_prepare(db, merge ?
		"INSERT INTO facts (enterprise_id, year, fact, value, updated_at)"
		" SELECT enterprise_id, year, fact, value, CAST($1 AS BIGINT) FROM fact_stage WHERE true"
		" ORDER BY enterprise_id, year, fact"
		" ON CONFLICT (enterprise_id, year, fact) DO UPDATE SET value = excluded.value,"
		" updated_at = excluded.updated_at WHERE facts.value <> excluded.value" :
		"INSERT INTO facts (enterprise_id, year, fact, value, updated_at)"
		" SELECT enterprise_id, year, fact, value, CAST($1 AS BIGINT) FROM fact_stage"
		" ORDER BY enterprise_id, year, fact");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, now_sec());
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

int fact_bulk_flush(db_t *db, struct fact_bulk *b, int write)
{
	if (b->n == 0)
		return DB_OK;
	db_copy_t *c = db_copy_begin(db, "fact_stage", "enterprise_id, year, fact, value", 4);
	for (size_t i = 0; i < b->n; i++) {
		db_copy_int(c, b->rows[i].enterprise_id);
		db_copy_int(c, b->rows[i].year);
		db_copy_text(c, b->rows[i].fact);
		db_copy_int(c, b->rows[i].stored);
		db_copy_row(c);
	}
	int rc = db_copy_end(c);
	int64_t stored = 0, changed = 0;
	int merge = 1;
	if (rc == DB_OK && b->maybe == 0 && write) {
		/* none of them is stored: nothing to count, and a plain INSERT
		 * (a quarter faster than the merge on PostgreSQL, BENCHMARKS.md),
		 * under a savepoint -- should another writer have stored one of
		 * these keys since the import began, it fails, and the count and
		 * the merge below do it instead */
		rc = db_exec(db, "SAVEPOINT fact_new");
		if (rc == DB_OK)
			rc = stage_insert(db, 0);
		if (rc == DB_OK)
			merge = 0;
		else if (rc == DB_CONSTRAINT && (rc = db_exec(db, "ROLLBACK TO SAVEPOINT fact_new")) == DB_OK)
			rc = bulk_count(db, &stored, &changed);
		if (rc == DB_OK)
			rc = db_exec(db, "RELEASE SAVEPOINT fact_new");
	} else if (rc == DB_OK && b->maybe > 0) {   /* else none of them is stored: nothing to count */
		rc = bulk_count(db, &stored, &changed);
	}
	if (rc == DB_OK && merge && write && (int64_t)b->n - stored + changed > 0)
		rc = stage_insert(db, 1);
	if (rc == DB_OK)
		rc = db_stage_clear(db, "fact_stage");
	if (rc != DB_OK)
		return rc;
	b->created += (int64_t)b->n - stored;
	b->replaced += changed;
	b->unchanged += stored - changed;
	b->n = b->maybe = 0;
	return DB_OK;
}

void fact_bulk_free(struct fact_bulk *b)
{
	free(b->rows);
	memset(b, 0, sizeof *b);
}

json_t *json_decimal(struct rule_num n)
{
	/* A whole number is a JSON integer (exact up to 2^63); any other value
	 * a real: the server prints reals with 15 significant digits, which
	 * gives back the decimal exactly when it has at most 15 (a fact has 4
	 * decimals: exact below 10^11). */
	rule_i128 one = 1000000000000;
	if (n.v % one == 0 && n.v / one <= INT64_MAX && n.v / one >= INT64_MIN)
		return json_integer((json_int_t)(n.v / one));
	return json_real(rule_num_to_double(n));
}
