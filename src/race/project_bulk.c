/*
 * project_bulk.c -- many new projects at once (the import): checked as one
 * by one (project_check, the leads looked up here in blocks of ids instead
 * of one query a row) and kept; every PROJECT_BULK_FLUSH projects they are
 * staged with the store's db_copy (COPY on PostgreSQL: no other statement
 * may run while it is open, hence the rows kept until then) into a
 * temporary table and written into projects with one INSERT ... SELECT in
 * the file's order (so the ids follow the file, as one by one).
 *
 * The enterprise link of a landed project (project_validate: the lead's
 * credit code, else the exact name -- the lead's company or the project's
 * name -- the smallest id) is made in that statement: the credit code by
 * its unique index; the names, which have no index, through a second
 * temporary table filled with one pass over enterprises per batch (only
 * when the batch has a landed project), the smallest id of each name the
 * batch asks for.
 *
 * Memory: the leads' blocks read (about 32 bytes an id of a block touched,
 * dropped beyond LEAD_BLOCKS_MAX blocks) and the batch (about 200 bytes a
 * project with its texts).
 */
#include "race.h"
#include "race_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEAD_BLOCK 1024             /* ids a block */
#define LEAD_BLOCKS_MAX 256         /* blocks kept (8 MB); beyond: all dropped */

struct lead_slot {
	int64_t unit_id, recruiter_id;
	char captured_on[11];
	char found;
};

struct lead_block {
	int64_t base;                   /* the first id; -1: an empty slot of the map */
	struct lead_slot *s;
};

struct prow {
	struct project_in in;           /* texts in the batch's arena */
	const char *stage;              /* static */
	char lead_on[11];
	int64_t now;
};

struct project_bulk {
	db_t *db;
	arena_t *a;
	struct prow *rows;
	size_t n, cap;
	struct lead_block *map;         /* open addressing by base */
	size_t mapcap, mapn;
	int landed;                     /* the batch has a landed project */
	int64_t seq;
};

struct project_bulk *project_bulk_new(db_t *db)
{
	struct project_bulk *b = calloc(1, sizeof *b);
	if (b)
		b->db = db;
	return b;
}

void project_bulk_forget(struct project_bulk *b)
{
	for (size_t i = 0; i < b->mapcap; i++)
		free(b->map[i].s);
	free(b->map);
	b->map = NULL;
	b->mapcap = b->mapn = 0;
}

void project_bulk_free(struct project_bulk *b)
{
	if (b == NULL)
		return;
	arena_free(b->a);
	free(b->rows);
	project_bulk_forget(b);
	free(b);
}

/* ---- the leads, a block of ids at a time ---- */

static size_t block_slot(const struct lead_block *map, size_t cap, int64_t base)
{
	size_t j = (size_t)((uint64_t)base / LEAD_BLOCK * 11400714819323198485ull) & (cap - 1);
	while (map[j].s && map[j].base != base)
		j = (j + 1) & (cap - 1);
	return j;
}

static int map_grow(struct project_bulk *b)
{
	size_t cap = b->mapcap ? b->mapcap * 2 : 64;
	struct lead_block *m = calloc(cap, sizeof *m);
	if (m == NULL)
		return -1;
	for (size_t i = 0; i < b->mapcap; i++)
		if (b->map[i].s)
			m[block_slot(m, cap, b->map[i].base)] = b->map[i];
	free(b->map);
	b->map = m;
	b->mapcap = cap;
	return 0;
}

/* The block of ids base.. read from leads; NULL: memory or database. */
static struct lead_slot *block_load(struct project_bulk *b, int64_t base)
{
	if (b->mapn >= LEAD_BLOCKS_MAX)
		project_bulk_forget(b);
	if ((b->mapn + 1) * 2 > b->mapcap && map_grow(b) < 0)
		return NULL;
	struct lead_slot *s = calloc(LEAD_BLOCK, sizeof *s);
	if (s == NULL)
		return NULL;
	db_stmt_t *st = db_prepare(b->db, "SELECT id, unit_id, COALESCE(recruiter_id, 0), captured_on FROM leads"
	                                  " WHERE id >= $1 AND id <= $2");
	db_bind_int(st, 1, base);
	db_bind_int(st, 2, base + (LEAD_BLOCK - 1));   /* no overflow: base <= INT64_MAX - 1023 */
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct lead_slot *l = &s[db_col_int(st, 0) - base];
		l->unit_id = db_col_int(st, 1);
		l->recruiter_id = db_col_int(st, 2);
		snprintf(l->captured_on, sizeof l->captured_on, "%s", db_col_text(st, 3));
		l->found = 1;
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(s);
		return NULL;
	}
	size_t j = block_slot(b->map, b->mapcap, base);
	b->map[j] = (struct lead_block){ .base = base, .s = s };
	b->mapn++;
	return s;
}

int project_bulk_lead(struct project_bulk *b, int64_t id, struct lead_ref *out)
{
	if (id <= 0)
		return 0;
	int64_t base = id - id % LEAD_BLOCK;
	struct lead_slot *s = NULL;
	if (b->mapcap) {
		const struct lead_block *k = &b->map[block_slot(b->map, b->mapcap, base)];
		s = k->s;
	}
	if (s == NULL && (s = block_load(b, base)) == NULL)
		return -1;
	const struct lead_slot *l = &s[id - base];
	if (!l->found)
		return 0;
	out->unit_id = l->unit_id;
	out->recruiter_id = l->recruiter_id;
	memcpy(out->captured_on, l->captured_on, sizeof out->captured_on);
	return 1;
}

/* ---- staging and writing ---- */

#define STAGED_COLS \
	"seq, name, unit_id, recruiter_id, industry, stage, total_investment_wan, foreign_investment_wan_usd, lead_on," \
	" signed_on, landed_on, started_on, producing_on, lead_id, land_mu, expected_annual_tax_wan, created_at," \
	" negotiating_on"

static int stage_begin(db_t *db, db_copy_t **c)
{
	int rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS import_projects (seq BIGINT NOT NULL, name TEXT NOT NULL,"
	                     " unit_id BIGINT NOT NULL, recruiter_id BIGINT, industry TEXT NOT NULL, stage TEXT NOT NULL,"
	                     " total_investment_wan BIGINT NOT NULL, foreign_investment_wan_usd BIGINT NOT NULL,"
	                     " lead_on TEXT NOT NULL, signed_on TEXT NOT NULL, landed_on TEXT NOT NULL,"
	                     " started_on TEXT NOT NULL, producing_on TEXT NOT NULL, lead_id BIGINT, land_mu DOUBLE PRECISION"
	                     " NOT NULL, expected_annual_tax_wan BIGINT NOT NULL, created_at BIGINT NOT NULL,"
	                     " negotiating_on TEXT NOT NULL)");
	if (rc == DB_OK)   /* read by the INSERT even when the batch has no landed project */
		rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS import_project_names (name TEXT PRIMARY KEY,"
		                 " id BIGINT NOT NULL)");
	if (rc != DB_OK)
		return rc;
	*c = db_copy_begin(db, "import_projects", STAGED_COLS, 18);
	return *c ? DB_OK : DB_ERR;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static void row_copy(db_copy_t *c, int64_t seq, const struct prow *r)
{
	const struct project_in *in = &r->in;
	db_copy_int(c, seq);
	db_copy_text(c, in->name);
	db_copy_int(c, in->unit_id);
	db_copy_id(c, in->recruiter_id);
	db_copy_text(c, or_empty(in->industry));
	db_copy_text(c, r->stage);
	db_copy_int(c, in->total_investment_wan);
	db_copy_int(c, in->foreign_investment_wan_usd);
	db_copy_text(c, r->lead_on);
	db_copy_text(c, or_empty(in->signed_on));
	db_copy_text(c, or_empty(in->landed_on));
	db_copy_text(c, or_empty(in->started_on));
	db_copy_text(c, or_empty(in->producing_on));
	db_copy_id(c, in->lead_id);
	db_copy_double(c, in->land_mu);
	db_copy_int(c, in->expected_annual_tax_wan);
	db_copy_int(c, r->now);
	db_copy_text(c, or_empty(in->negotiating_on));
	db_copy_row(c);
}

int project_bulk_add(db_t *db, struct project_bulk *b, const struct race_refs *refs, const user_t *actor,
                     struct project_in *in, int64_t now, err_t *err)
{
	struct prow r = { .now = now };
	if (project_check(db, refs, actor, in, r.lead_on, &r.stage, err) < 0)
		return -1;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		struct prow *rows = realloc(b->rows, cap * sizeof *rows);
		if (rows == NULL)
			return err_set(err, 500, "internal", NULL, "out of memory");
		b->rows = rows;
		b->cap = cap;
	}
	if (b->a == NULL && (b->a = arena_new()) == NULL)
		return err_set(err, 500, "internal", NULL, "out of memory");
	r.in = *in;
	const char **texts[] = { &r.in.name, &r.in.industry, &r.in.signed_on, &r.in.landed_on, &r.in.started_on,
	                         &r.in.producing_on, &r.in.negotiating_on, &r.in.lead_on };
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		*texts[i] = arena_strdup(b->a, *texts[i]);
	b->rows[b->n++] = r;
	b->landed |= *or_empty(in->landed_on) != '\0';
	return b->n >= PROJECT_BULK_FLUSH ? project_bulk_flush(db, b, err) : 0;
}

/* The smallest id of each name the batch's landed projects may link by:
 * their own names and their leads' companies ('' without a lead). */
static int names_load(db_t *db)
{
	int rc = db_stage_clear(db, "import_project_names");
	if (rc != DB_OK)
		return rc;
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO import_project_names (name, id) SELECT e.name, min(e.id) FROM enterprises e WHERE e.name IN"
		" (SELECT s.name FROM import_projects s WHERE s.landed_on <> ''"
		" UNION SELECT COALESCE(l.company, '') FROM import_projects s LEFT JOIN leads l ON l.id = s.lead_id"
		" WHERE s.landed_on <> '') GROUP BY e.name");
	rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return rc == DB_OK ? DB_ERR : rc;
	return db_exec(db, "ANALYZE import_project_names");
}

static int batch_write(db_t *db, struct project_bulk *b)
{
	db_copy_t *c;
	int rc = stage_begin(db, &c);
	if (rc != DB_OK)
		return rc;
	for (size_t i = 0; i < b->n; i++)
		row_copy(c, ++b->seq, &b->rows[i]);
	if ((rc = db_copy_end(c)) != DB_OK || (rc = db_exec(db, "ANALYZE import_projects")) != DB_OK)
		return rc;
	if (b->landed && (rc = names_load(db)) != DB_OK)
		return rc;
	/* the link as project_validate's: a credit code wins, names otherwise */
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO projects (name, unit_id, recruiter_id, enterprise_id, industry, stage, total_investment_wan,"
		" foreign_investment_wan_usd, lead_on, signed_on, landed_on, started_on, producing_on, lead_id, land_mu,"
		" expected_annual_tax_wan, created_at, updated_at, negotiating_on)"
		" SELECT s.name, s.unit_id, s.recruiter_id, CASE WHEN s.landed_on = '' THEN NULL"
		" WHEN COALESCE(l.credit_code, '') <> '' THEN (SELECT e.id FROM enterprises e WHERE e.credit_code = l.credit_code)"
		" ELSE (SELECT min(n.id) FROM import_project_names n WHERE n.name = COALESCE(l.company, '') OR n.name = s.name)"
		" END, s.industry, s.stage, s.total_investment_wan, s.foreign_investment_wan_usd, s.lead_on, s.signed_on,"
		" s.landed_on, s.started_on, s.producing_on, s.lead_id, s.land_mu, s.expected_annual_tax_wan, s.created_at,"
		" s.created_at, s.negotiating_on FROM import_projects s LEFT JOIN leads l ON l.id = s.lead_id ORDER BY s.seq");
	rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return rc == DB_OK ? DB_ERR : rc;
	return db_stage_clear(db, "import_projects");
}

int project_bulk_flush(db_t *db, struct project_bulk *b, err_t *err)
{
	if (b->n == 0)
		return 0;
	int rc = batch_write(db, b);
	b->n = 0;
	b->landed = 0;
	arena_free(b->a);
	b->a = NULL;
	return rc == DB_OK ? 0 : db_fail(err, db, rc, "writing the projects");
}
