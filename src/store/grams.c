/*
 * grams.c -- the enterprises' name search index (enterprise_postings).
 *
 * The grams of a name are those of its lower() -- the store's own, so that
 * they agree with the exact check lower(name) LIKE lower(q) on either
 * store -- packed as integers by text_grams(): every character and every
 * adjacent pair.  The index keeps one row per gram and block of 65,536
 * enterprise ids (block = id >> 16): n, and ids, a posting list of one
 * 3-character code per enterprise (its offset in the block), each id once,
 * in any order.  A million names are some 23 million (gram, enterprise)
 * pairs but only as many rows as distinct grams per block, which is what
 * makes an import fast (issue 15; BENCHMARKS.md).
 *
 * A code is CODE_HI[offset >> 12] CODE_LO[(offset >> 6) & 63]
 * CODE_LO[offset & 63], and the two alphabets share no character: a code
 * is found in a list only where it starts, so replace(ids, code, '')
 * removes exactly that enterprise -- one UPDATE, the same SQL on both
 * stores, with no read-modify-write for two sessions to race on.  Adding
 * is an upsert that appends (ids || excluded.ids).  Neither alphabet has a
 * backslash, tab or newline (COPY's text format) nor % or _.
 *
 * Bulk writes (imports, the demo, the migration) append to the row of
 * (gram, block); one enterprise at a time (the API) to a side row, block
 * + SIDE, so that a name saved while a long import holds its rows'
 * locks (PostgreSQL) does not wait for the import's commit.  A side row
 * and its block's row never hold the same enterprise; removal looks in
 * both.  One enterprise's change walks its old and new grams in one gram
 * order, so two concurrent changes take the rows' locks in the same order.
 *
 * An import's renames are taken out together (db_grams_remove_bulk): the
 * rows they touch are locked first (an UPDATE that changes nothing), read,
 * rewritten without them in memory and written back by one UPDATE ...
 * FROM -- a read-modify-write, but under the rows' locks, in a few
 * statements whatever the number of renames.
 *
 * Reading: a gram's rows decode into one 65,536-bit map per block
 * (struct gram_set); a query's grams are intersected map by map.
 */
#include "store_impl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define GRAM_LOWER 32
#define BLOCK_SHIFT 16
#define BLOCK_WORDS ((1u << BLOCK_SHIFT) / 64)
#define SIDE (INT64_C(1) << 47)   /* above every block (id >> 16 < 2^47) */

static const char CODE_HI[] = "ABCDEFGHIJKLMNOP";
static const char CODE_LO[] = "QRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&()*+,-./:;<=>?";

void gram_code(int64_t id, char out[4])
{
	unsigned off = (unsigned)(id & ((1 << BLOCK_SHIFT) - 1));
	out[0] = CODE_HI[off >> 12];
	out[1] = CODE_LO[(off >> 6) & 63];
	out[2] = CODE_LO[off & 63];
	out[3] = '\0';
}

/* CODE_LO's values plus one (0: not a code character). */
static const unsigned char LO_VAL[256] = {
	['Q'] = 1, ['R'] = 2, ['S'] = 3, ['T'] = 4, ['U'] = 5, ['V'] = 6, ['W'] = 7, ['X'] = 8,
	['Y'] = 9, ['Z'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['g'] = 17, ['h'] = 18, ['i'] = 19, ['j'] = 20, ['k'] = 21, ['l'] = 22, ['m'] = 23, ['n'] = 24,
	['o'] = 25, ['p'] = 26, ['q'] = 27, ['r'] = 28, ['s'] = 29, ['t'] = 30, ['u'] = 31, ['v'] = 32,
	['w'] = 33, ['x'] = 34, ['y'] = 35, ['z'] = 36, ['0'] = 37, ['1'] = 38, ['2'] = 39, ['3'] = 40,
	['4'] = 41, ['5'] = 42, ['6'] = 43, ['7'] = 44, ['8'] = 45, ['9'] = 46, ['!'] = 47, ['#'] = 48,
	['$'] = 49, ['&'] = 50, ['('] = 51, [')'] = 52, ['*'] = 53, ['+'] = 54, [','] = 55, ['-'] = 56,
	['.'] = 57, ['/'] = 58, [':'] = 59, [';'] = 60, ['<'] = 61, ['='] = 62, ['>'] = 63, ['?'] = 64,
};

/* The offset a code stands for, or -1. */
static int code_value(const char *c)
{
	if (c[0] < 'A' || c[0] > 'P')
		return -1;
	int a = LO_VAL[(unsigned char)c[1]], b = LO_VAL[(unsigned char)c[2]];
	if (a == 0 || b == 0)
		return -1;
	return (c[0] - 'A') << 12 | (a - 1) << 6 | (b - 1);
}

/* ---- writing ---- */

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

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

/* The slot of gram in an open-addressing table of cap (a power of two)
 * keys, a slot in use having cnt > 0: gram's, or the empty one it goes in. */
static size_t find_slot(const int64_t *key, const size_t *cnt, size_t cap, int64_t gram)
{
	size_t h = (size_t)((uint64_t)gram * UINT64_C(0x9E3779B97F4A7C15) >> 20) & (cap - 1);
	while (cnt[h] && key[h] != gram)
		h = (h + 1) & (cap - 1);
	return h;
}

/* Sort p[0..np) by (gram, id): a counting sort over the distinct grams
 * (a few thousand in a flush of 20,000 names, against some 450,000
 * pairs), each gram's ids kept in the order they came -- an import's new
 * enterprises come in id order -- and sorted only when they are not. */
static int sort_pairs(struct pair *p, size_t np)
{
	size_t cap = 4096, used = 0;
	int64_t *key = malloc(cap * sizeof *key);
	size_t *cnt = calloc(cap, sizeof *cnt);
	struct pair *out = malloc(np * sizeof *out);
	int rc = key && cnt && out ? 0 : -1;
	for (size_t i = 0; i < np && rc == 0; i++) {   /* count each gram's pairs */
		if (2 * (used + 1) > cap) {   /* grow: rehash every key */
			size_t ncap = cap * 2;
			int64_t *nk = malloc(ncap * sizeof *nk);
			size_t *nc = calloc(ncap, sizeof *nc);
			if (nk == NULL || nc == NULL) {
				free(nk);
				free(nc);
				rc = -1;
				break;
			}
			for (size_t k = 0; k < cap; k++)
				if (cnt[k]) {
					size_t h = find_slot(nk, nc, ncap, key[k]);
					nk[h] = key[k];
					nc[h] = cnt[k];
				}
			free(key);
			free(cnt);
			key = nk;
			cnt = nc;
			cap = ncap;
		}
		size_t h = find_slot(key, cnt, cap, p[i].gram);
		if (cnt[h]++ == 0) {
			key[h] = p[i].gram;
			used++;
		}
	}
	/* the distinct grams in order, and where each one's pairs start */
	int64_t *order = rc == 0 ? malloc(2 * used * sizeof *order) : NULL;
	if (order == NULL)
		rc = -1;
	if (rc == 0) {
		size_t k = 0;
		for (size_t h = 0; h < cap; h++)
			if (cnt[h]) {
				order[2 * k] = key[h];
				order[2 * k + 1] = (int64_t)h;
				k++;
			}
		qsort(order, used, 2 * sizeof *order, cmp_i64);
		size_t at = 0;
		for (size_t j = 0; j < used; j++) {
			size_t h = (size_t)order[2 * j + 1], n = cnt[h];
			cnt[h] = at + 1;   /* from here on: 1 + the next place of gram h (0 stays "empty") */
			at += n;
		}
		for (size_t i = 0; i < np; i++)
			out[cnt[find_slot(key, cnt, cap, p[i].gram)]++ - 1] = p[i];
		for (size_t i = 0; i < np;) {
			size_t j = i + 1, sorted = 1;
			for (; j < np && out[j].gram == out[i].gram; j++)
				sorted &= out[j - 1].id <= out[j].id;
			if (!sorted)
				qsort(out + i, j - i, sizeof *out, cmp_pair);
			i = j;
		}
		memcpy(p, out, np * sizeof *p);
	}
	free(order);
	free(key);
	free(cnt);
	free(out);
	return rc;
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

/* The (gram, id) pairs of the lowered names low[0..n) (NULL entries have
 * none), sorted: *out malloc'd, *np their number.  0, or -1 (out of
 * memory).  Touches no store: a thread of its own may run it. */
static int lowered_pairs(size_t n, const int64_t *ids, const char *const *low, struct pair **out, size_t *np_out)
{
	size_t cap = 0, np = 0, gcap = 0;
	struct pair *p = NULL;
	int64_t *g = NULL;
	for (size_t i = 0; i < n; i++) {
		if (low[i] == NULL)
			continue;
		size_t len = strlen(low[i]);
		if (np + 2 * len > cap) {
			size_t ncap = cap ? cap : 1024;
			while (ncap < np + 2 * len)
				ncap *= 2;
			struct pair *t = realloc(p, ncap * sizeof *p);
			if (t == NULL)
				goto oom;
			p = t;
			cap = ncap;
		}
		if (2 * len + 1 > gcap) {
			int64_t *t = realloc(g, (2 * len + 1) * sizeof *g);
			if (t == NULL)
				goto oom;
			g = t;
			gcap = 2 * len + 1;
		}
		size_t ng = text_grams(low[i], g);
		for (size_t j = 0; j < ng; j++)
			p[np++] = (struct pair){ g[j], ids[i] };
	}
	free(g);
	if (np > 1 && sort_pairs(p, np) != 0) {
		free(p);
		return -1;
	}
	*out = p;
	*np_out = np;
	return 0;
oom:
	free(p);
	free(g);
	return -1;
}

/* The (gram, id) pairs of names[0..n) (NULL entries have none), sorted:
 * *out malloc'd, *np their number.  With lowered 0 the store lowers the
 * names first. */
static int name_pairs(db_t *db, size_t n, const int64_t *ids, const char *const *names, int lowered,
                      struct pair **out, size_t *np_out)
{
	char **low = NULL;
	int rc = DB_OK;
	if (!lowered) {
		if ((low = calloc(n ? n : 1, sizeof *low)) == NULL) {
			db_set_err(db, "out of memory");
			return DB_ERR;
		}
		for (size_t i = 0; i < n && rc == DB_OK; i += GRAM_LOWER)
			rc = lower_names(db, n - i < GRAM_LOWER ? n - i : GRAM_LOWER, names + i, low + i);
		for (size_t i = 0; i < n; i++)
			if (names[i] == NULL) {
				free(low[i]);
				low[i] = NULL;
			}
	}
	if (rc == DB_OK && lowered_pairs(n, ids, low ? (const char *const *)low : names, out, np_out) < 0) {
		db_set_err(db, "out of memory");
		rc = DB_ERR;
	}
	for (size_t i = 0; low && i < n; i++)
		free(low[i]);
	free(low);
	return rc;
}

/* Append each (gram, block) group of p[0..np) (sorted) whose block is
 * below limit to its row. */
static int put_groups_below(db_t *db, const struct pair *p, size_t np, int64_t limit)
{
	int pg = db_kind(db) == DB_POSTGRES, rc = DB_OK;
	db_copy_t *c = NULL;
	db_stmt_t *st = NULL;
	if (pg) {
		/* PostgreSQL: the groups by COPY into a staging table, then one
		 * upsert; SQLite: the upsert prepared once, row by row (no round
		 * trips to save there). */
		rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS gram_stage (gram BIGINT NOT NULL,"
		                 " block BIGINT NOT NULL, n INTEGER NOT NULL, ids TEXT NOT NULL)");
		if (rc == DB_OK)
			rc = db_exec(db, "TRUNCATE gram_stage");
		if (rc != DB_OK)
			return rc;
		c = db_copy_begin(db, "gram_stage", "gram, block, n, ids", 4);
	}
	char *text = NULL;
	size_t tcap = 0;
	for (size_t i = 0; i < np && rc == DB_OK;) {
		int64_t block = p[i].id >> BLOCK_SHIFT;
		size_t j = i;
		while (j < np && p[j].gram == p[i].gram && p[j].id >> BLOCK_SHIFT == block)
			j++;
		if (block >= limit) {
			i = j;
			continue;
		}
		size_t need = (j - i) * 3 + 1;
		if (need > tcap) {
			char *t = realloc(text, need * 2);
			if (t == NULL) {
				db_set_err(db, "out of memory");
				rc = DB_ERR;
				break;
			}
			text = t;
			tcap = need * 2;
		}
		for (size_t k = i; k < j; k++)
			gram_code(p[k].id, text + (k - i) * 3);
		if (pg) {
			db_copy_int(c, p[i].gram);
			db_copy_int(c, block);
			db_copy_int(c, (int64_t)(j - i));
			db_copy_text(c, text);
			db_copy_row(c);
		} else {
			if (st == NULL)
				st = db_prepare(db, "INSERT INTO enterprise_postings (gram, block, n, ids) VALUES ($1, $2, $3, $4)"
				                    " ON CONFLICT (gram, block) DO UPDATE SET n = enterprise_postings.n + excluded.n,"
				                    " ids = enterprise_postings.ids || excluded.ids");
			if (st == NULL) {
				rc = DB_ERR;
				break;
			}
			db_bind_int(st, 1, p[i].gram);
			db_bind_int(st, 2, block);
			db_bind_int(st, 3, (int64_t)(j - i));
			db_bind_text(st, 4, text);
			int s = db_step(st);
			if (s != DB_DONE)
				rc = s == DB_OK ? DB_ERR : s;
			db_done(st);
		}
		i = j;
	}
	free(text);
	if (pg) {
		int e = db_copy_end(c);
		if (rc == DB_OK)
			rc = e;
		if (rc == DB_OK)
			rc = db_exec(db, "INSERT INTO enterprise_postings (gram, block, n, ids) SELECT gram, block, n, ids FROM gram_stage"
			                 " ORDER BY gram, block ON CONFLICT (gram, block) DO UPDATE SET n = enterprise_postings.n + excluded.n,"
			                 " ids = enterprise_postings.ids || excluded.ids");
	}
	return rc;
}

/* Append each (gram, block) group of p[0..np) (sorted) to its row. */
static int put_groups(db_t *db, const struct pair *p, size_t np)
{
	return put_groups_below(db, p, np, INT64_MAX);
}

int db_grams_write(db_t *db, size_t n, const int64_t *ids, const char *const *names, int lowered)
{
	struct pair *p = NULL;
	size_t np = 0;
	int rc = name_pairs(db, n, ids, names, lowered, &p, &np);
	if (rc == DB_OK && np > 0)
		rc = put_groups(db, p, np);
	free(p);
	return rc;
}

/* A batch's pairs made by a thread of their own (struct gram_bulk). */
struct gram_job {
	pthread_t thread;
	int threaded;         /* 0: made by the caller (no thread could start) */
	size_t n;
	int64_t *ids;         /* owned */
	char **low;           /* owned, each malloc'd or NULL */
	struct pair *p;       /* the result */
	size_t np;
	int rc;               /* 0, or -1 (out of memory) */
};

static void *job_main(void *arg)
{
	struct gram_job *j = arg;
	j->rc = lowered_pairs(j->n, j->ids, (const char *const *)j->low, &j->p, &j->np);
	return NULL;
}

/* Wait for j's thread and free j: its pairs into *p (NULL: freed too). */
static int job_end(struct gram_job *j, struct pair **p, size_t *np)
{
	if (j->threaded)
		pthread_join(j->thread, NULL);
	int rc = j->rc;
	for (size_t i = 0; i < j->n; i++)
		free(j->low[i]);
	free(j->low);
	free(j->ids);
	if (p && rc == 0) {
		*p = j->p;
		*np = j->np;
	} else
		free(j->p);
	free(j);
	return rc;
}

struct gram_bulk {
	struct gram_job *job;   /* the last batch's pairs, being made */
	struct pair *held;      /* pairs of blocks a later batch may still add to, sorted */
	size_t nheld;
};

/* Take the last job's pairs: merged with those held (in place, from the
 * back); the blocks below its largest id's written (a later batch's ids
 * are larger: nothing more can come to them), the rest held. */
static int bulk_take(db_t *db, struct gram_bulk *g)
{
	struct gram_job *j = g->job;
	if (j == NULL)
		return DB_OK;
	g->job = NULL;
	int64_t top = 0;
	for (size_t i = 0; i < j->n; i++)
		if (j->ids[i] > top)
			top = j->ids[i];
	struct pair *p = NULL;
	size_t np = 0;
	if (job_end(j, &p, &np) < 0)
		goto oom;
	size_t n = g->nheld + np;
	struct pair *m = n ? realloc(g->held, n * sizeof *m) : g->held;
	if (n && m == NULL) {
		free(p);
		goto oom;
	}
	g->held = m;
	for (size_t a = g->nheld, b = np, k = n; b > 0;) {   /* both sorted: the larger last */
		k--;
		if (a > 0 && cmp_pair(&m[a - 1], &p[b - 1]) > 0)
			m[k] = m[--a];
		else
			m[k] = p[--b];
	}
	free(p);
	g->nheld = n;
	int64_t limit = top >> BLOCK_SHIFT;
	size_t nr = 0;
	for (size_t i = 0; i < n; i++)
		nr += m[i].id >> BLOCK_SHIFT >= limit;
	int rc = nr < n ? put_groups_below(db, m, n, limit) : DB_OK;
	nr = 0;
	for (size_t i = 0; i < n; i++)   /* the held ones to the front, in order */
		if (m[i].id >> BLOCK_SHIFT >= limit)
			m[nr++] = m[i];
	g->nheld = nr;
	if (nr == 0) {
		free(m);
		g->held = NULL;
	} else if (nr < n) {
		struct pair *t = realloc(m, nr * sizeof *m);
		if (t)
			g->held = t;
	}
	return rc;
oom:
	db_set_err(db, "out of memory");
	return DB_ERR;
}

int db_grams_bulk_add(db_t *db, struct gram_bulk **gb, size_t n, int64_t *ids, char **low)
{
	struct gram_job *j = calloc(1, sizeof *j);
	if (*gb == NULL)
		*gb = calloc(1, sizeof **gb);
	if (j == NULL || *gb == NULL) {
		for (size_t i = 0; i < n; i++)
			free(low[i]);
		free(low);
		free(ids);
		free(j);
		db_set_err(db, "out of memory");
		return DB_ERR;
	}
	j->n = n;
	j->ids = ids;
	j->low = low;
	if (pthread_create(&j->thread, NULL, job_main, j) == 0)
		j->threaded = 1;
	else
		job_main(j);
	int rc = bulk_take(db, *gb);   /* the batch before, while this one's pairs are made */
	(*gb)->job = j;
	return rc;
}

int db_grams_bulk_end(db_t *db, struct gram_bulk **gb, int write)
{
	struct gram_bulk *g = *gb;
	if (g == NULL)
		return DB_OK;
	int rc = DB_OK;
	if (write) {
		rc = bulk_take(db, g);
		if (rc == DB_OK && g->nheld)
			rc = put_groups(db, g->held, g->nheld);
	} else if (g->job)
		job_end(g->job, NULL, NULL);
	free(g->held);
	free(g);
	*gb = NULL;
	return rc;
}

/* Take id out of gram's rows (its block's and the side row). */
static int remove_one(db_t *db, int64_t gram, int64_t id)
{
	char code[4];
	gram_code(id, code);
	db_stmt_t *st = db_prepare(db, "UPDATE enterprise_postings SET ids = replace(ids, $4, ''),"
	                               " n = length(replace(ids, $4, '')) / 3 WHERE gram = $1 AND block IN ($2, $3)");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, gram);
	db_bind_int(st, 2, id >> BLOCK_SHIFT);
	db_bind_int(st, 3, (id >> BLOCK_SHIFT) + SIDE);
	db_bind_text(st, 4, code);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc == DB_OK ? DB_ERR : rc;
}

/* ---- removing many at once (an import's renames) ---- */

/* The first pair of p[0..np) (sorted by cmp_pair) at or after (gram, id). */
static size_t pair_lower(const struct pair *p, size_t np, int64_t gram, int64_t id)
{
	size_t lo = 0, hi = np;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p[mid].gram < gram || (p[mid].gram == gram && p[mid].id < id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct rewrite {
	int64_t gram, block;
	char *ids;
};

/* Stage the (gram, block) keys of p (each block's row and its side row). */
static int stage_keys(db_t *db, const struct pair *p, size_t np)
{
	int rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS gram_rm (gram BIGINT NOT NULL, block BIGINT NOT NULL)");
	if (rc == DB_OK)
		rc = db_stage_clear(db, "gram_rm");
	if (rc != DB_OK)
		return rc;
	db_copy_t *c = db_copy_begin(db, "gram_rm", "gram, block", 2);
	for (size_t i = 0; i < np; i++) {
		int64_t block = p[i].id >> BLOCK_SHIFT;
		if (i > 0 && p[i - 1].gram == p[i].gram && p[i - 1].id >> BLOCK_SHIFT == block)
			continue;
		for (int side = 0; side < 2; side++) {
			db_copy_int(c, p[i].gram);
			db_copy_int(c, block + (side ? SIDE : 0));
			db_copy_row(c);
		}
	}
	return db_copy_end(c);
}

/* ids without the codes of p's pairs of (gram, block); NULL when none
 * was there (nothing to write), else malloc'd (*err on out of memory). */
static char *without(const char *ids, const struct pair *p, size_t np, int64_t gram, int64_t block,
                     uint64_t *bits, int *err)
{
	int64_t first = block << BLOCK_SHIFT;
	size_t from = pair_lower(p, np, gram, first), to = pair_lower(p, np, gram, first + (1 << BLOCK_SHIFT));
	if (from == to)
		return NULL;
	for (size_t i = from; i < to; i++) {
		unsigned off = (unsigned)(p[i].id - first);
		bits[off >> 6] |= UINT64_C(1) << (off & 63);
	}
	size_t len = strlen(ids), k = 0;
	char *out = malloc(len + 1);
	int dropped = 0;
	for (size_t j = 0; out && j + 3 <= len; j += 3) {
		int off = code_value(ids + j);
		if (off >= 0 && (bits[off >> 6] >> (off & 63) & 1)) {
			dropped = 1;
			continue;
		}
		memcpy(out + k, ids + j, 3);
		k += 3;
	}
	for (size_t i = from; i < to; i++) {
		unsigned off = (unsigned)(p[i].id - first);
		bits[off >> 6] &= ~(UINT64_C(1) << (off & 63));
	}
	if (out == NULL) {
		*err = 1;
		return NULL;
	}
	if (!dropped) {
		free(out);
		return NULL;
	}
	out[k] = '\0';
	return out;
}

int db_grams_remove_bulk(db_t *db, size_t n, const int64_t *ids, const char *const *names)
{
	struct pair *p = NULL;
	size_t np = 0;
	int rc = name_pairs(db, n, ids, names, 0, &p, &np);
	if (rc != DB_OK || np == 0) {
		free(p);
		return rc;
	}
	qsort(p, np, sizeof *p, cmp_pair);
	rc = stage_keys(db, p, np);
	/* PostgreSQL: lock the rows (an UPDATE that changes nothing), then read
	 * them; the staged keys' size first, or it hashes every posting row
	 * (SQLite: the writer's lock is held already, and its plan is the keys
	 * first, each row by its primary key) */
	db_stmt_t *st = NULL;
	if (rc == DB_OK && db_kind(db) == DB_POSTGRES) {
		rc = db_exec(db, "ANALYZE gram_rm");
		st = rc == DB_OK ? db_prepare(db, "UPDATE enterprise_postings SET n = n FROM gram_rm r"
		                                  " WHERE r.gram = enterprise_postings.gram AND r.block = enterprise_postings.block")
		                 : NULL;
		rc = st ? db_step(st) : rc;
		db_done(st);
		rc = rc == DB_DONE ? DB_OK : rc == DB_OK ? DB_ERR : rc;
	}
	struct rewrite *rw = NULL;
	size_t nrw = 0, cap = 0;
	uint64_t *bits = calloc(BLOCK_WORDS, sizeof *bits);
	if (rc == DB_OK && bits == NULL)
		rc = DB_ERR;
	if (rc == DB_OK) {
		st = db_prepare(db, "SELECT p.gram, p.block, p.ids FROM enterprise_postings p"
		                    " JOIN gram_rm r ON r.gram = p.gram AND r.block = p.block");
		int err = 0;
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t gram = db_col_int(st, 0), block = db_col_int(st, 1);
			char *next = without(db_col_text(st, 2), p, np, gram, block >= SIDE ? block - SIDE : block, bits, &err);
			if (err)
				break;
			if (next == NULL)
				continue;
			if (nrw == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				struct rewrite *t = realloc(rw, ncap * sizeof *rw);
				if (t == NULL) {
					free(next);
					err = 1;
					break;
				}
				rw = t;
				cap = ncap;
			}
			rw[nrw++] = (struct rewrite){ gram, block, next };
		}
		db_done(st);
		rc = err ? DB_ERR : rc == DB_DONE ? DB_OK : rc == DB_OK ? DB_ERR : rc;
		if (err)
			db_set_err(db, "out of memory");
	}
	/* and write them back: staged, then one UPDATE ... FROM */
	if (rc == DB_OK && nrw > 0) {
		rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS gram_rw (gram BIGINT NOT NULL, block BIGINT NOT NULL,"
		                 " n INTEGER NOT NULL, ids TEXT NOT NULL)");
		if (rc == DB_OK)
			rc = db_stage_clear(db, "gram_rw");
		db_copy_t *c = rc == DB_OK ? db_copy_begin(db, "gram_rw", "gram, block, n, ids", 4) : NULL;
		for (size_t i = 0; c && i < nrw; i++) {
			db_copy_int(c, rw[i].gram);
			db_copy_int(c, rw[i].block);
			db_copy_int(c, (int64_t)(strlen(rw[i].ids) / 3));
			db_copy_text(c, rw[i].ids);
			db_copy_row(c);
		}
		if (rc == DB_OK)
			rc = db_copy_end(c);   /* NULL (out of memory): DB_ERR */
		if (rc == DB_OK) {
			st = db_prepare(db, "UPDATE enterprise_postings SET n = s.n, ids = s.ids FROM gram_rw s"
			                    " WHERE enterprise_postings.gram = s.gram AND enterprise_postings.block = s.block");
			rc = db_step(st);
			db_done(st);
			rc = rc == DB_DONE ? DB_OK : rc == DB_OK ? DB_ERR : rc;
		}
	}
	for (size_t i = 0; i < nrw; i++)
		free(rw[i].ids);
	free(rw);
	free(bits);
	free(p);
	return rc;
}

/* Append id to gram's side row. */
static int add_one(db_t *db, int64_t gram, int64_t id)
{
	char code[4];
	gram_code(id, code);
	db_stmt_t *st = db_prepare(db, "INSERT INTO enterprise_postings (gram, block, n, ids) VALUES ($1, $2, 1, $3)"
	                               " ON CONFLICT (gram, block) DO UPDATE SET n = enterprise_postings.n + 1,"
	                               " ids = enterprise_postings.ids || excluded.ids");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, gram);
	db_bind_int(st, 2, (id >> BLOCK_SHIFT) + SIDE);
	db_bind_text(st, 3, code);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc == DB_OK ? DB_ERR : rc;
}

int db_grams_remove(db_t *db, int64_t id, const char *name)
{
	struct pair *p = NULL;
	size_t np = 0;
	const char *names[1] = { name };
	int rc = name_pairs(db, 1, &id, names, 0, &p, &np);
	for (size_t i = 0; i < np && rc == DB_OK; i++)
		rc = remove_one(db, p[i].gram, id);
	free(p);
	return rc;
}

int db_grams_rename(db_t *db, int64_t id, const char *old_name, const char *name)
{
	struct pair *o = NULL, *p = NULL;
	size_t no = 0, np = 0;
	const char *olds[1] = { old_name }, *news[1] = { name };
	int rc = name_pairs(db, 1, &id, olds, 0, &o, &no);
	if (rc == DB_OK)
		rc = name_pairs(db, 1, &id, news, 0, &p, &np);
	/* both sorted by gram: a gram in both stays, the rest in one order */
	for (size_t i = 0, j = 0; (i < no || j < np) && rc == DB_OK;) {
		if (j == np || (i < no && o[i].gram < p[j].gram))
			rc = remove_one(db, o[i++].gram, id);
		else if (i == no || p[j].gram < o[i].gram)
			rc = add_one(db, p[j++].gram, id);
		else
			i++, j++;
	}
	free(o);
	free(p);
	return rc;
}

#define FILL_CHUNK 10000

/* The index of every enterprise again, from the store's own lower() of the
 * names, FILL_CHUNK at a time: migration 17 (migration 15's grams table
 * is dropped by 17 unfilled) and the demo on PostgreSQL (its copy came
 * from SQLite's lower()). */
int db_grams_rebuild(db_t *db)
{
	int64_t last = 0;
	if (db_exec(db, "DELETE FROM enterprise_postings") != DB_OK)
		return DB_ERR;
	int64_t *ids = malloc(FILL_CHUNK * sizeof *ids);
	char **names = calloc(FILL_CHUNK, sizeof *names);
	int rc = ids && names ? DB_OK : DB_ERR;
	while (rc == DB_OK) {
		db_stmt_t *st = db_prepare(db, "SELECT id, lower(name) FROM enterprises WHERE id > $1 ORDER BY id LIMIT 10000");
		db_bind_int(st, 1, last);
		size_t n = 0;
		while ((rc = db_step(st)) == DB_ROW && n < FILL_CHUNK) {
			ids[n] = last = db_col_int(st, 0);
			if ((names[n++] = strdup(db_col_text(st, 1))) == NULL)
				rc = DB_ERR;
		}
		db_done(st);
		rc = rc == DB_DONE || rc == DB_ROW ? DB_OK : rc;
		if (rc == DB_OK && n > 0)
			rc = db_grams_write(db, n, ids, (const char *const *)names, 1);
		for (size_t i = 0; i < n; i++) {
			free(names[i]);
			names[i] = NULL;
		}
		if (n < FILL_CHUNK)
			break;
	}
	free(ids);
	free(names);
	return rc;
}

/* ---- reading ---- */

int64_t db_gram_count(db_t *db, int64_t gram)
{
	db_stmt_t *st = db_prepare(db, "SELECT COALESCE(sum(n), 0) FROM enterprise_postings WHERE gram = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, gram);
	int64_t n = db_step(st) == DB_ROW ? db_col_int(st, 0) : -1;
	db_done(st);
	return n;
}

void gram_set_free(struct gram_set *s)
{
	free(s->block);
	free(s->bits);
	memset(s, 0, sizeof *s);
}

/* Fold the side rows' maps (blocks + SIDE, last in block order) into
 * their blocks' maps, keeping the blocks in order. */
static void merge_side(struct gram_set *s)
{
	size_t nmain = 0;
	while (nmain < s->n && s->block[nmain] < SIDE)
		nmain++;
	for (size_t i = nmain; i < s->n; i++) {
		int64_t b = s->block[i] - SIDE;
		const uint64_t *src = s->bits + i * BLOCK_WORDS;
		size_t lo = 0, hi = nmain;   /* where b is, or goes, among the main blocks */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (s->block[mid] < b)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nmain && s->block[lo] == b) {
			uint64_t *w = s->bits + lo * BLOCK_WORDS;
			for (size_t x = 0; x < BLOCK_WORDS; x++)
				w[x] |= src[x];
			continue;
		}
		/* a block only in a side row: move it into place (i >= nmain, so the
		 * entries shifted up are main blocks or this one) */
		uint64_t tmp[BLOCK_WORDS];
		memcpy(tmp, src, sizeof tmp);
		memmove(s->bits + (lo + 1) * BLOCK_WORDS, s->bits + lo * BLOCK_WORDS, (i - lo) * BLOCK_WORDS * sizeof tmp[0]);
		memmove(s->block + lo + 1, s->block + lo, (i - lo) * sizeof s->block[0]);
		memcpy(s->bits + lo * BLOCK_WORDS, tmp, sizeof tmp);
		s->block[lo] = b;
		nmain++;
	}
	s->n = nmain;
}

int db_gram_set_load(db_t *db, int64_t gram, struct gram_set *s)
{
	memset(s, 0, sizeof *s);
	db_stmt_t *st = db_prepare(db, "SELECT block, ids FROM enterprise_postings WHERE gram = $1 AND n > 0 ORDER BY block");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, gram);
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (s->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			int64_t *b = realloc(s->block, ncap * sizeof *b);
			if (b)
				s->block = b;
			uint64_t *w = b ? realloc(s->bits, ncap * BLOCK_WORDS * sizeof *w) : NULL;
			if (w == NULL) {
				rc = DB_ERR;
				db_set_err(db, "out of memory");
				break;
			}
			s->bits = w;
			cap = ncap;
		}
		uint64_t *w = s->bits + s->n * BLOCK_WORDS;
		memset(w, 0, BLOCK_WORDS * sizeof *w);
		s->block[s->n++] = db_col_int(st, 0);
		const char *t = db_col_text(st, 1);
		for (size_t len = strlen(t), k = 0; k + 3 <= len; k += 3) {
			int off = code_value(t + k);
			if (off >= 0)
				w[off >> 6] |= UINT64_C(1) << (off & 63);
		}
	}
	db_done(st);
	if (rc != DB_DONE) {
		gram_set_free(s);
		return rc == DB_OK ? DB_ERR : rc;
	}
	merge_side(s);
	return DB_OK;
}

void gram_set_and(struct gram_set *a, const struct gram_set *b)
{
	size_t j = 0, k = 0;
	for (size_t i = 0; i < a->n; i++) {
		while (j < b->n && b->block[j] < a->block[i])
			j++;
		if (j == b->n || b->block[j] != a->block[i])
			continue;
		uint64_t *w = a->bits + i * BLOCK_WORDS, any = 0;
		const uint64_t *v = b->bits + j * BLOCK_WORDS;
		for (size_t x = 0; x < BLOCK_WORDS; x++)
			any |= w[x] &= v[x];
		if (any == 0)
			continue;
		if (k != i) {
			a->block[k] = a->block[i];
			memcpy(a->bits + k * BLOCK_WORDS, w, BLOCK_WORDS * sizeof *w);
		}
		k++;
	}
	a->n = k;
}

int64_t gram_set_count(const struct gram_set *s)
{
	int64_t n = 0;
	for (size_t i = 0; i < s->n * BLOCK_WORDS; i++)
		n += __builtin_popcountll(s->bits[i]);
	return n;
}

size_t gram_set_ids(const struct gram_set *s, int desc, int64_t offset, size_t limit, int64_t *out)
{
	size_t got = 0;
	for (size_t b = 0; b < s->n && got < limit; b++) {
		size_t bi = desc ? s->n - 1 - b : b;
		const uint64_t *w = s->bits + bi * BLOCK_WORDS;
		for (size_t x = 0; x < BLOCK_WORDS && got < limit; x++) {
			size_t xi = desc ? BLOCK_WORDS - 1 - x : x;
			uint64_t v = w[xi];
			int c = __builtin_popcountll(v);
			if (offset >= c) {
				offset -= c;
				continue;
			}
			while (v && got < limit) {
				int bit = desc ? 63 - __builtin_clzll(v) : __builtin_ctzll(v);
				v &= ~(UINT64_C(1) << bit);
				if (offset > 0) {
					offset--;
					continue;
				}
				out[got++] = (s->block[bi] << BLOCK_SHIFT) | (int64_t)(xi * 64 + (size_t)bit);
			}
		}
	}
	return got;
}
