/*
 * lead_bulk.c -- many new leads at once (the import): checked as one by one
 * (lead_check), written with the store's db_copy (COPY on PostgreSQL) every
 * LEAD_BULK_FLUSH leads, their duplicates found set-based.
 *
 * A lead is a duplicate of the first claim (a lead that is neither a
 * duplicate nor rejected) of the same company -- the same company key, or
 * the same credit code -- by another unit, the first by (created_at, id);
 * lead_validate() seeks it per unit.  Here, per batch: the keys and codes of
 * the batch go into a temporary table (db_copy), one query reads the claims
 * of those keys and codes, and for each key the first claim and the first
 * claim of another unit than that one are kept (enough to answer "the first
 * claim of a unit other than u").  Then the batch is walked in the file's
 * order: each lead takes its duplicate from there, and a lead that is a
 * claim itself becomes one for the leads after it, with the id it will get
 * (after every stored id, in the batch's order).  The rows go out with one
 * copy; the ids of the batch's own leads that later ones duplicate are read
 * back in order, and those duplicate_of set with one UPDATE from a second
 * temporary table.  Each temporary table is analyzed once filled: the
 * statistics, and on PostgreSQL a new plan for the cached statements that
 * read it (a plan made when the batch before was written, or when leads
 * was empty, would seek nothing: a plan that scans leads once per key).
 * Memory: the batch (about 100 bytes a lead and its
 * texts) and the claims of its keys.
 */
#include "race.h"
#include "race_util.h"

#include <stdlib.h>
#include <string.h>

struct claim {
	int64_t at, id, unit;           /* id 0: none */
};

/* The claims of one company key (is_code 0) or credit code (1). */
struct claims {
	const char *v;
	int is_code;
	struct claim first;             /* the first claim */
	struct claim other;             /* the first claim of a unit other than first's */
};

struct brow {
	int64_t unit_id, recruiter_id, est, now;
	const char *company, *key, *code, *industry, *captured_on, *notes;
	int qualified;
	int64_t dup;                    /* duplicate_of: a stored lead's id, or (dup_row) */
	size_t dup_row;                 /* 1 + the index of the batch's lead it duplicates, 0 */
	int64_t id;                     /* once written */
};

struct lead_bulk {
	arena_t *a;
	struct brow *rows;
	size_t n, cap;
	int64_t actor;                  /* created_by, 0: none */
	struct claims *map;             /* open addressing by (is_code, v) */
	size_t mapcap, mapn;
};

struct lead_bulk *lead_bulk_new(void)
{
	return calloc(1, sizeof(struct lead_bulk));
}

static void batch_reset(struct lead_bulk *b)
{
	arena_free(b->a);
	b->a = NULL;
	b->n = 0;
	free(b->map);
	b->map = NULL;
	b->mapcap = b->mapn = 0;
}

void lead_bulk_free(struct lead_bulk *b)
{
	if (b == NULL)
		return;
	batch_reset(b);
	free(b->rows);
	free(b);
}

/* ---- the claims of the batch's keys ---- */

static size_t slot(const struct claims *map, size_t cap, int is_code, const char *v)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)is_code;
	for (const char *p = v; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	size_t j = (size_t)h & (cap - 1);
	while (map[j].v && (map[j].is_code != is_code || strcmp(map[j].v, v) != 0))
		j = (j + 1) & (cap - 1);
	return j;
}

/* The entry of (is_code, v), made when missing (v copied); NULL: memory. */
static struct claims *entry(struct lead_bulk *b, int is_code, const char *v)
{
	if ((b->mapn + 1) * 2 > b->mapcap) {
		size_t cap = b->mapcap ? b->mapcap * 2 : 4096;
		struct claims *m = calloc(cap, sizeof *m);
		if (m == NULL)
			return NULL;
		for (size_t i = 0; i < b->mapcap; i++)
			if (b->map[i].v)
				m[slot(m, cap, b->map[i].is_code, b->map[i].v)] = b->map[i];
		free(b->map);
		b->map = m;
		b->mapcap = cap;
	}
	size_t j = slot(b->map, b->mapcap, is_code, v);
	if (b->map[j].v == NULL) {
		b->map[j].v = arena_strdup(b->a, v);
		b->map[j].is_code = is_code;
		b->mapn++;
	}
	return &b->map[j];
}

static int earlier(const struct claim *x, const struct claim *y)
{
	return y->id == 0 || x->at < y->at || (x->at == y->at && x->id < y->id);
}

static void claim_add(struct claims *e, struct claim c)
{
	if (earlier(&c, &e->first)) {
		if (e->first.id && e->first.unit != c.unit)
			e->other = e->first;
		e->first = c;
	} else if (c.unit != e->first.unit && earlier(&c, &e->other))
		e->other = c;
}

/* The first claim of (is_code, v) by a unit other than unit, or NULL. */
static const struct claim *claim_of(struct lead_bulk *b, int is_code, const char *v, int64_t unit)
{
	if (b->mapcap == 0)
		return NULL;
	const struct claims *e = &b->map[slot(b->map, b->mapcap, is_code, v)];
	if (e->v == NULL)
		return NULL;
	if (e->first.id && e->first.unit != unit)
		return &e->first;
	return e->other.id ? &e->other : NULL;
}

/* The stored claims of the batch's keys and codes into the map. */
static int claims_load(db_t *db, struct lead_bulk *b)
{
	int rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS import_lead_keys (v TEXT NOT NULL,"
	                     " is_code INTEGER NOT NULL)");
	if (rc != DB_OK)
		return rc;
	db_copy_t *c = db_copy_begin(db, "import_lead_keys", "v, is_code", 2);
	for (size_t i = 0; i < b->n; i++) {
		const struct brow *r = &b->rows[i];
		db_copy_text(c, r->key);
		db_copy_int(c, 0);
		db_copy_row(c);
		if (*r->code) {
			db_copy_text(c, r->code);
			db_copy_int(c, 1);
			db_copy_row(c);
		}
	}
	if ((rc = db_copy_end(c)) != DB_OK || (rc = db_exec(db, "ANALYZE import_lead_keys")) != DB_OK)
		return rc;
	db_stmt_t *st = db_prepare(db,
		"SELECT 0, company_key, unit_id, created_at, id FROM leads WHERE company_key IN"
		" (SELECT v FROM import_lead_keys WHERE is_code = 0) AND duplicate_of IS NULL AND status <> 'rejected'"
		" UNION ALL SELECT 1, credit_code, unit_id, created_at, id FROM leads WHERE credit_code IN"
		" (SELECT v FROM import_lead_keys WHERE is_code = 1) AND duplicate_of IS NULL AND status <> 'rejected'");
	while ((rc = db_step(st)) == DB_ROW) {
		struct claims *e = entry(b, (int)db_col_int(st, 0), db_col_text(st, 1));
		if (e == NULL) {
			rc = DB_ERR;
			break;
		}
		claim_add(e, (struct claim){ .unit = db_col_int(st, 2), .at = db_col_int(st, 3), .id = db_col_int(st, 4) });
	}
	db_done(st);
	if (rc != DB_DONE)
		return rc == DB_OK ? DB_ERR : rc;
	return db_stage_clear(db, "import_lead_keys");
}

/* Each lead of the batch in order: its duplicate, and its own claim for the
 * leads after it (virtual id before + 1 + its index).  The number of
 * duplicates, or -1 (memory). */
static int64_t resolve(struct lead_bulk *b, int64_t before)
{
	int64_t dups = 0;
	for (size_t i = 0; i < b->n; i++) {
		struct brow *r = &b->rows[i];
		const struct claim *k = claim_of(b, 0, r->key, r->unit_id);
		const struct claim *c = *r->code ? claim_of(b, 1, r->code, r->unit_id) : NULL;
		const struct claim *d = k && c ? (earlier(c, k) ? c : k) : k ? k : c;
		if (d) {
			if (d->id <= before)
				r->dup = d->id;
			else
				r->dup_row = (size_t)(d->id - before);
			dups++;
			continue;
		}
		if (r->qualified == 0)
			continue;   /* rejected: no claim */
		struct claim mine = { .at = r->now, .id = before + 1 + (int64_t)i, .unit = r->unit_id };
		struct claims *e = entry(b, 0, r->key);
		if (e == NULL)
			return -1;
		claim_add(e, mine);
		if (*r->code) {
			if ((e = entry(b, 1, r->code)) == NULL)
				return -1;
			claim_add(e, mine);
		}
	}
	return dups;
}

/* ---- writing ---- */

static int rows_copy(db_t *db, struct lead_bulk *b)
{
	db_copy_t *c = db_copy_begin(db, "leads", "unit_id, recruiter_id, company, company_key, credit_code, industry,"
	                             " est_investment_wan, captured_on, status, duplicate_of, notes, created_by, created_at,"
	                             " updated_at", 14);
	for (size_t i = 0; i < b->n; i++) {
		const struct brow *r = &b->rows[i];
		db_copy_int(c, r->unit_id);
		db_copy_id(c, r->recruiter_id);
		db_copy_text(c, r->company);
		db_copy_text(c, r->key);
		db_copy_text(c, r->code);
		db_copy_text(c, r->industry);
		db_copy_int(c, r->est);
		db_copy_text(c, r->captured_on);
		db_copy_text(c, r->qualified == 1 ? "qualified" : r->qualified == 0 ? "rejected" : "pending");
		db_copy_id(c, r->dup);
		db_copy_text(c, r->notes);
		db_copy_id(c, b->actor);
		db_copy_int(c, r->now);
		db_copy_int(c, r->now);
		db_copy_row(c);
	}
	return db_copy_end(c);
}

/* The ids of the batch's leads: the rows after before in id order, matched
 * in order by key and unit (on PostgreSQL other sessions' leads may come
 * between); then duplicate_of of the leads that duplicate one of them. */
static int dup_rows_link(db_t *db, struct lead_bulk *b, int64_t before)
{
	db_stmt_t *st = db_prepare(db, "SELECT id, company_key, unit_id FROM leads WHERE id > $1 ORDER BY id");
	db_bind_int(st, 1, before);
	size_t k = 0;
	int rc;
	while (k < b->n && (rc = db_step(st)) == DB_ROW)
		if (db_col_int(st, 2) == b->rows[k].unit_id && strcmp(db_col_text(st, 1), b->rows[k].key) == 0)
			b->rows[k++].id = db_col_int(st, 0);
	db_done(st);
	if (k < b->n)
		return DB_ERR;
	if ((rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS import_lead_dups (id BIGINT NOT NULL,"
	                      " dup BIGINT NOT NULL)")) != DB_OK)
		return rc;
	db_copy_t *c = db_copy_begin(db, "import_lead_dups", "id, dup", 2);
	for (size_t i = 0; i < b->n; i++)
		if (b->rows[i].dup_row) {
			db_copy_int(c, b->rows[i].id);
			db_copy_int(c, b->rows[b->rows[i].dup_row - 1].id);
			db_copy_row(c);
		}
	if ((rc = db_copy_end(c)) != DB_OK || (rc = db_exec(db, "ANALYZE import_lead_dups")) != DB_OK)
		return rc;
	st = db_prepare(db, "UPDATE leads SET duplicate_of = (SELECT d.dup FROM import_lead_dups d WHERE d.id = leads.id)"
	                    " WHERE id IN (SELECT id FROM import_lead_dups)");
	rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return rc == DB_OK ? DB_ERR : rc;
	return db_stage_clear(db, "import_lead_dups");
}

static int batch_write(db_t *db, struct lead_bulk *b, int64_t *duplicates)
{
	int64_t before = db_int1(db, "SELECT COALESCE(max(id), 0) FROM leads", -1, 0, NULL);
	if (before < 0)
		return DB_ERR;
	int rc = claims_load(db, b);
	if (rc != DB_OK)
		return rc;
	int64_t dups = resolve(b, before);
	if (dups < 0)
		return DB_ERR;
	if ((rc = rows_copy(db, b)) != DB_OK)
		return rc;
	for (size_t i = 0; i < b->n; i++)
		if (b->rows[i].dup_row) {
			if ((rc = dup_rows_link(db, b, before)) != DB_OK)
				return rc;
			break;
		}
	*duplicates += dups;
	return DB_OK;
}

int lead_bulk_flush(db_t *db, struct lead_bulk *b, int64_t *duplicates, err_t *err)
{
	if (b->n == 0)
		return 0;
	int rc = batch_write(db, b, duplicates);
	batch_reset(b);
	return rc == DB_OK ? 0 : db_fail(err, db, rc, "writing the leads");
}

int lead_bulk_add(db_t *db, struct lead_bulk *b, const struct race_refs *refs, const user_t *actor, struct lead_in *in,
                  int64_t now, int64_t *duplicates, err_t *err)
{
	char code[32];
	size_t klen = strlen(in->company ? in->company : "") + 8;
	if (b->a == NULL)
		b->a = arena_new();
	char *key = arena_alloc(b->a, klen);
	if (lead_check(db, refs, actor, in, code, key, klen, err) < 0)
		return -1;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		struct brow *rows = realloc(b->rows, cap * sizeof *rows);
		if (rows == NULL)
			return err_set(err, 500, "internal", NULL, "out of memory");
		b->rows = rows;
		b->cap = cap;
	}
	b->actor = actor ? actor->id : 0;
	b->rows[b->n++] = (struct brow){
		.unit_id = in->unit_id, .recruiter_id = in->recruiter_id, .est = in->est_investment_wan, .now = now,
		.company = arena_strdup(b->a, in->company), .key = key, .code = arena_strdup(b->a, in->credit_code),
		.industry = arena_strdup(b->a, in->industry ? in->industry : ""),
		.captured_on = arena_strdup(b->a, in->captured_on), .notes = arena_strdup(b->a, in->notes ? in->notes : ""),
		.qualified = in->qualified,
	};
	return b->n >= LEAD_BULK_FLUSH ? lead_bulk_flush(db, b, duplicates, err) : 0;
}
