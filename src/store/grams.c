/*
 * grams.c -- writing the enterprises' search grams (enterprise_grams).
 *
 * The grams of a name are those of its lower() -- the store's own, so that
 * they agree with the exact check lower(name) LIKE lower(q) on either
 * store -- packed as integers by text_grams().  Names are lowered
 * GRAM_LOWER at a time in one statement (one round trip on PostgreSQL),
 * and the (gram, enterprise) pairs of a call are sorted and written in key
 * order with db_copy (COPY on PostgreSQL, multi-row INSERTs on SQLite): a
 * B-tree takes sorted keys far faster than scattered ones.  Here rather
 * than with the enterprises (service/) because migration 15 builds the
 * index from the names too.
 */
#include "store_impl.h"

#include <stdlib.h>
#include <string.h>

#define GRAM_LOWER 32

struct pair {
	int64_t gram, id;
};

static int cmp_pair(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;
	if (a->gram != b->gram)
		return a->gram < b->gram ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/* lower() of names[0..n) (n <= GRAM_LOWER) into low[], malloc'd. */
static int lower_names(db_t *db, size_t n, const char *const *names, char **low)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT lower(CAST($1 AS TEXT)), lower(CAST($2 AS TEXT)), lower(CAST($3 AS TEXT)), lower(CAST($4 AS TEXT)),"
		" lower(CAST($5 AS TEXT)), lower(CAST($6 AS TEXT)), lower(CAST($7 AS TEXT)), lower(CAST($8 AS TEXT)),"
		" lower(CAST($9 AS TEXT)), lower(CAST($10 AS TEXT)), lower(CAST($11 AS TEXT)), lower(CAST($12 AS TEXT)),"
		" lower(CAST($13 AS TEXT)), lower(CAST($14 AS TEXT)), lower(CAST($15 AS TEXT)), lower(CAST($16 AS TEXT)),"
		" lower(CAST($17 AS TEXT)), lower(CAST($18 AS TEXT)), lower(CAST($19 AS TEXT)), lower(CAST($20 AS TEXT)),"
		" lower(CAST($21 AS TEXT)), lower(CAST($22 AS TEXT)), lower(CAST($23 AS TEXT)), lower(CAST($24 AS TEXT)),"
		" lower(CAST($25 AS TEXT)), lower(CAST($26 AS TEXT)), lower(CAST($27 AS TEXT)), lower(CAST($28 AS TEXT)),"
		" lower(CAST($29 AS TEXT)), lower(CAST($30 AS TEXT)), lower(CAST($31 AS TEXT)), lower(CAST($32 AS TEXT))");
	if (st == NULL)
		return DB_ERR;
	for (size_t i = 0; i < GRAM_LOWER; i++)
		db_bind_text(st, (int)i + 1, i < n && names[i] ? names[i] : "");
	int rc = db_step(st);
	for (size_t i = 0; i < n; i++)
		low[i] = rc == DB_ROW ? strdup(db_col_text(st, (int)i)) : NULL;
	db_done(st);
	for (size_t i = 0; i < n; i++)
		if (low[i] == NULL)
			rc = DB_ERR;
	return rc == DB_ROW ? DB_OK : rc == DB_OK || rc == DB_DONE ? DB_ERR : rc;
}

int db_grams_write(db_t *db, size_t n, const int64_t *ids, const char *const *names)
{
	size_t cap = 0, np = 0;
	struct pair *p = NULL;
	int rc = DB_OK;
	for (size_t i = 0; i < n && rc == DB_OK; i += GRAM_LOWER) {
		size_t m = n - i < GRAM_LOWER ? n - i : GRAM_LOWER;
		char *low[GRAM_LOWER] = { 0 };
		rc = lower_names(db, m, names + i, low);
		for (size_t k = 0; k < m && rc == DB_OK; k++) {
			size_t need = np + 2 * strlen(low[k]);
			if (need > cap) {
				size_t ncap = cap ? cap : 1024;
				while (ncap < need)
					ncap *= 2;
				struct pair *t = realloc(p, ncap * sizeof *p);
				if (t == NULL) {
					db_set_err(db, "out of memory");
					rc = DB_ERR;
					break;
				}
				p = t;
				cap = ncap;
			}
			int64_t *g = malloc(2 * strlen(low[k]) * sizeof *g + sizeof *g);
			if (g == NULL) {
				db_set_err(db, "out of memory");
				rc = DB_ERR;
				break;
			}
			size_t ng = text_grams(low[k], g);
			for (size_t j = 0; j < ng; j++)
				p[np++] = (struct pair){ g[j], ids[i + k] };
			free(g);
		}
		for (size_t k = 0; k < m; k++)
			free(low[k]);
	}
	if (rc == DB_OK && np > 0) {
		qsort(p, np, sizeof *p, cmp_pair);
		db_copy_t *c = db_copy_begin(db, "enterprise_grams", "gram, enterprise_id", 2);
		for (size_t i = 0; i < np; i++) {
			db_copy_int(c, p[i].gram);
			db_copy_int(c, p[i].id);
			db_copy_row(c);
		}
		rc = db_copy_end(c);
	}
	free(p);
	return rc;
}
