/*
 * facts.c -- yearly facts of the enterprises: their definitions and their
 * storage (facts, fact_defs of migration 10).
 *
 * A fact's value is an exact decimal: stored as value x 10^4 in a BIGINT
 * (万元 to 4 decimals is one yuan), read and written as struct rule_num,
 * never through a double.
 */
#include "policy.h"

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
	                               " WHERE builtin = 0 ORDER BY created_at, name");
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

int fact_set(db_t *db, int64_t enterprise_id, int year, const char *fact, struct rule_num value)
{
	struct rule_num r;
	int64_t stored;
	if (rule_num_round(value, FACT_DECIMALS, &r) < 0 || fact_value_to_stored(r, &stored) < 0)
		return DB_CONSTRAINT;
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
