/*
 * facts_import.c -- yearly facts from CSV or XLSX, through the import
 * framework (table/table.h: reading, the two passes, dry run, modes all
 * and good, errors by line, the background job and the CLI).
 *
 *   credit_code,year,fact,value   (统一社会信用代码, 年度, 指标, 数值)
 *
 * credit_code: an enterprise of the registry (GB 32100; a code that fails
 * only its checksum is taken when the registry holds it so, with its
 * note); year 1900..2199; fact: a name of GET /api/v1/facts/defs (any
 * case) or its Chinese label; value: a decimal with at most 4 decimals,
 * |value| < 10^11, exact (never through a double); a yes/no fact 0 or 1.
 * A (credit_code, year, fact) already stored is replaced; the same one
 * twice in a file is a bad row.
 *
 * Memory stays bounded whatever the file's size: the check keeps one
 * 64-bit key and a line per good row (import_lines) and a bit per
 * registered enterprise; the write keeps at most two batches of
 * FACT_BULK_FLUSH rows, written in bulk (fact_bulk_flush: COPY into a
 * staging table, one counting join, one merge) -- no round trip per row.
 * The count is skipped for a batch of enterprises facts held nothing of
 * when the import began (a bit per enterprise): a first year's facts, or a
 * new registry's, cost no lookups.
 *
 * Mode all reads the file once (the framework's one pass): each row is
 * written as soon as it is checked, and a full batch is written by a
 * thread of its own while the next one is read and checked -- the check
 * reads only what fact_begin loaded, so nothing else uses the connection
 * meanwhile.
 */
#include "facts.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "table/table.h"

#define MAX_ROWS 1000000
/* fact_bulk_flush writes a batch of new keys under a savepoint: on
 * PostgreSQL each is a subtransaction with an xid of its own, and past 64
 * in one transaction every other session's snapshot must look them up in
 * pg_subtrans (slow for every reader while the import runs) */
_Static_assert(MAX_ROWS / FACT_BULK_FLUSH <= 64, "at most 64 batches (subtransactions) in one import");

enum { C_CODE, C_YEAR, C_FACT, C_VALUE, NC };

static const struct table_col cols[NC] = {
	[C_CODE] = { "credit_code", "统一社会信用代码|信用代码", TABLE_COL_REQUIRED, 0 },
	[C_YEAR] = { "year", "年度|年份|年", TABLE_COL_REQUIRED, 0 },
	[C_FACT] = { "fact", "指标|指标名称|指标代码", TABLE_COL_REQUIRED, 0 },
	[C_VALUE] = { "value", "数值|值|指标值", TABLE_COL_REQUIRED, 0 },
};

#define NYEARS (FACT_YEAR_MAX - FACT_YEAR_MIN + 1)


/* One parsed row. */
struct frow {
	size_t ent;                    /* the enterprise's index in ids */
	int year;
	const struct rule_fact_def *def;
	int64_t stored;                /* value x 10^4 */
};

struct fact_ctx {
	arena_t *a;
	struct rule_facts defs;
	struct import_keys existing;   /* credit code → its index in ids + 1 */
	int64_t *ids;                  /* the registry's enterprise ids */
	size_t nids, idcap;
	struct import_lines seen;      /* (enterprise index, year, fact) of the good rows, with their line */
	unsigned char *ents;           /* a bit per enterprise of ids: in the file */
	unsigned char *had;            /* a bit per enterprise of ids: facts held some of it at the start */
	int64_t nents;
	unsigned char years[NYEARS];   /* the file's years */
	/* the good rows waiting to be written: queued in bulk[cur]; a full
	 * queue is written by a thread of its own (flusher) while the rows go
	 * on into the other, which waits for it before it is written in turn */
	struct fact_bulk bulk[2];
	int cur;
	pthread_t flusher;
	int flushing;                  /* the thread runs (or ran and was not joined) */
	int flush_rc;                  /* its result (DB_OK) */
	int64_t unchanged;
	struct frow last;              /* the row fact_check parsed last (one pass: written next) */
	int64_t last_line;             /* its line, 0 when none */
};

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int fact_begin(struct import *im, err_t *err)
{
	struct fact_ctx *x = calloc(1, sizeof *x);
	if (x == NULL)
		return err_set(err, 500, "too_large", NULL, "out of memory");
	im->ctx = x;
	x->a = arena_new();
	if (fact_defs_load(im->db, x->a, &x->defs, err) < 0)
		return -1;
	/* the enterprises facts holds anything of: a batch of none of them
	 * is not counted against facts (fact_bulk_add's maybe_stored) but
	 * written by a plain INSERT, which fails over to the count and the
	 * merge should another writer have stored one of its keys meanwhile
	 * (a dry run would count such a fact as one to add) */
	int64_t *had = NULL;
	size_t nhad = 0;
	int rc = fact_ids_with_facts(im->db, &had, &nhad);
	if (rc != DB_OK)
		return db_fail(err, im->db, rc, "reading which enterprises have facts");
	db_stmt_t *st = db_prepare(im->db, "SELECT credit_code, id FROM enterprises");
	if (st == NULL) {
		free(had);
		return db_fail(err, im->db, DB_ERR, "reading the enterprises");
	}
	while ((rc = db_step(st)) == DB_ROW) {
		if (x->nids == x->idcap) {
			size_t cap = x->idcap ? 2 * x->idcap : 1024;
			int64_t *ids = realloc(x->ids, cap * sizeof *ids);
			if (ids == NULL)
				break;
			x->ids = ids;
			x->idcap = cap;
		}
		x->ids[x->nids] = db_col_int(st, 1);
		if (import_keys_put(&x->existing, db_col_text(st, 0), (int64_t)++x->nids) < 0)
			break;
	}
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		free(had);
		return db_fail(err, im->db, rc, "reading the enterprises");
	}
	/* the keys of seen: the index in 32 bits, the fact's in 23 */
	x->ents = calloc(x->nids / 8 + 1, 1);
	x->had = calloc(x->nids / 8 + 1, 1);
	if (rc == DB_ROW || x->ents == NULL || x->had == NULL || x->nids >= ((size_t)1 << 32) ||
	    x->defs.n >= ((size_t)1 << 23)) {
		free(had);
		return err_set(err, 500, "too_large", NULL, "out of memory");
	}
	for (size_t i = 0; i < x->nids && nhad > 0; i++)
		if (bsearch(&x->ids[i], had, nhad, sizeof *had, cmp_id))
			x->had[i / 8] |= (unsigned char)(1u << (i % 8));
	free(had);
	return 0;
}

static void fact_end(struct import *im)
{
	struct fact_ctx *x = im->ctx;
	if (x == NULL)
		return;
	import_keys_free(&x->existing);
	free(x->ids);
	import_lines_free(&x->seen);
	free(x->ents);
	free(x->had);
	if (x->flushing)
		pthread_join(x->flusher, NULL);
	fact_bulk_free(&x->bulk[0]);
	fact_bulk_free(&x->bulk[1]);
	arena_free(x->a);
	free(x);
	im->ctx = NULL;
}

/* ---- cells: 0, or -1 after import_bad ---- */

static int parse_code(struct import *im, const struct import_row *row, struct frow *w)
{
	struct fact_ctx *x = im->ctx;
	const char *s = table_cell_clean(row->a, row->v[C_CODE]);
	char code[64], b[72];
	err_t e;
	if (*s == '\0')
		return import_bad(im, row, "credit_code", "required", NULL, "credit_code is empty");
	if (credit_code_normalise(s, code, sizeof code, &e) < 0) {
		/* a code that fails only its checksum, registered so with a note */
		const char *why = err_get_param(&e, "reason");
		if (why == NULL || strcmp(why, "checksum") != 0 || import_keys_get(&x->existing, code) == 0)
			return import_bad_err(im, row, &e);
	}
	int64_t k = import_keys_get(&x->existing, code);
	w->ent = (size_t)(k - 1);
	if (k == 0)
		return import_bad(im, row, "credit_code", "unknown_enterprise", table_shown(code, b),
		                  "no enterprise with the credit code %s is registered", b);
	return 0;
}

static int parse_year(struct import *im, const struct import_row *row, struct frow *w)
{
	char t[64], b[72];
	text_trim_into(row->v[C_YEAR] ? row->v[C_YEAR] : "", t, sizeof t);
	text_fold_fullwidth(t);
	if (t[0] == '\0')
		return import_bad(im, row, "year", "required", NULL, "year is empty");
	size_t n = strspn(t, "0123456789");
	const char *rest = t + n;
	/* 2024, 2024年, and an XLSX number cell's 2024.0 */
	int ok = n >= 1 && n <= 6 && (*rest == '\0' || strcmp(rest, "年") == 0 || strspn(rest, ".0") == strlen(rest));
	int y = ok ? atoi(t) : 0;
	if (ok && y >= FACT_YEAR_MIN && y <= FACT_YEAR_MAX) {
		w->year = y;
		return 0;
	}
	err_t e;
	table_shown(t, b);
	err_set(&e, 422, "invalid_year", "year", "year \"%s\" is not a year between %d and %d", b, FACT_YEAR_MIN,
	        FACT_YEAR_MAX);
	err_param(&e, "value", "%s", b);
	err_param(&e, "min", "%d", FACT_YEAR_MIN);
	err_param(&e, "max", "%d", FACT_YEAR_MAX);
	return import_bad_err(im, row, &e);
}

/* A fact by its name (any case) or its Chinese label. */
static const struct rule_fact_def *find_fact(const struct rule_facts *defs, const char *s)
{
	for (size_t i = 0; i < defs->n; i++)
		if (strcasecmp(defs->defs[i].name, s) == 0 || (defs->defs[i].label_zh && *defs->defs[i].label_zh &&
		                                               strcmp(defs->defs[i].label_zh, s) == 0))
			return &defs->defs[i];
	return NULL;
}

static int parse_fact(struct import *im, const struct import_row *row, struct frow *w)
{
	struct fact_ctx *x = im->ctx;
	char t[256], b[72];
	text_trim_into(row->v[C_FACT] ? row->v[C_FACT] : "", t, sizeof t);
	text_fold_fullwidth(t);
	if (t[0] == '\0')
		return import_bad(im, row, "fact", "required", NULL, "fact is empty");
	w->def = find_fact(&x->defs, t);
	if (w->def == NULL)
		return import_bad(im, row, "fact", "unknown_fact", table_shown(t, b),
		                  "unknown fact \"%s\" (a name of GET /api/v1/facts/defs or its Chinese label)", b);
	return 0;
}

/* The value, once the fact is known (a yes/no fact is 0 or 1). */
static int parse_value(struct import *im, const struct import_row *row, struct frow *w)
{
	char *s = table_cell_clean(row->a, row->v[C_VALUE]);
	char b[72];
	text_fold_fullwidth(s);
	if (*s == '\0')
		return import_bad(im, row, "value", "required", NULL, "value is empty");
	table_shown(s, b);
	struct rule_num n;
	switch (fact_value_parse(s, im->is_xlsx, &n)) {
	case 0:
		break;
	case FACT_VALUE_PRECISION:
		return import_bad(im, row, "value", "too_precise", b, "value \"%s\" has more than %d decimals", b, FACT_DECIMALS);
	case FACT_VALUE_RANGE:
		return import_bad(im, row, "value", "out_of_range", b, "value \"%s\" is out of range (below 10^11)", b);
	default:
		return import_bad(im, row, "value", "not_a_number", b, "value \"%s\" is not a number", b);
	}
	fact_value_to_stored(n, &w->stored);
	if (w->def && w->def->type == RULE_T_BOOL && w->stored != 0 && w->stored != 10000) {
		err_t e;
		err_set(&e, 422, "invalid_bool", "value", "%s is a yes/no fact: the value is 0 or 1, not \"%s\"",
		        w->def->name, b);
		err_param(&e, "value", "%s", b);
		err_param(&e, "reason", "zero_one");
		err_param(&e, "fact", "%s", w->def->name);
		return import_bad_err(im, row, &e);
	}
	return 0;
}

/* Every cell of the row into w.  0, or -1 (every problem added). */
static int parse_row(struct import *im, const struct import_row *row, struct frow *w)
{
	memset(w, 0, sizeof *w);
	int bad = parse_code(im, row, w) < 0;
	bad |= parse_year(im, row, w) < 0;
	bad |= parse_fact(im, row, w) < 0;
	bad |= parse_value(im, row, w) < 0;
	return bad ? -1 : 0;
}

static int fact_check(struct import *im, const struct import_row *row)
{
	struct fact_ctx *x = im->ctx;
	struct frow w;
	x->last_line = 0;
	if (parse_row(im, row, &w) < 0)
		return -1;
	uint64_t key = (uint64_t)w.ent << 32 | (uint64_t)(w.year - FACT_YEAR_MIN) << 23 | (uint64_t)(w.def - x->defs.defs);
	int64_t first = import_lines_put(&x->seen, key, row->line);
	if (first < 0) {
		err_t e;
		err_set(&e, 500, "too_large", NULL, "out of memory");
		return import_fail(im, &e);
	}
	if (first) {
		err_t e;
		err_set(&e, 422, "duplicate_in_file", "fact", "the same credit code, year and fact as line %lld",
		        (long long)first);
		err_param(&e, "line", "%lld", (long long)first);
		err_param(&e, "value", "%s", w.def->name);
		return import_bad_err(im, row, &e);
	}
	if (!(x->ents[w.ent / 8] & 1u << w.ent % 8)) {
		x->ents[w.ent / 8] |= (unsigned char)(1u << w.ent % 8);
		x->nents++;
	}
	x->years[w.year - FACT_YEAR_MIN] = 1;
	x->last = w;
	x->last_line = row->line;
	return 0;
}

/* ---- writing: in bulk (fact_bulk_flush) ---- */

static int fact_write_begin(struct import *im, err_t *err)
{
	int rc = fact_bulk_begin(im->db);
	return rc == DB_OK ? 0 : db_fail(err, im->db, rc, "making the staging table of the facts");
}

/* What a written (or counted) batch did, added to the import's counts. */
static void take_counts(struct import *im, struct fact_bulk *b)
{
	struct fact_ctx *x = im->ctx;
	im->created += b->created;
	im->updated += b->replaced;
	x->unchanged += b->unchanged;
	b->created = b->replaced = b->unchanged = 0;
}

/* The thread's batch written (a dry run: counted only), its counts taken. */
static int flush_wait(struct import *im)
{
	struct fact_ctx *x = im->ctx;
	if (!x->flushing)
		return DB_OK;
	pthread_join(x->flusher, NULL);
	x->flushing = 0;
	take_counts(im, &x->bulk[x->cur ^ 1]);
	return x->flush_rc;
}

static void *flusher_main(void *arg)
{
	struct import *im = arg;
	struct fact_ctx *x = im->ctx;
	x->flush_rc = fact_bulk_flush(im->db, &x->bulk[x->cur ^ 1], !im->o->dry_run);
	return NULL;
}

/* bulk[cur] written here, after the thread's batch; its counts taken. */
static int flush_here(struct import *im)
{
	struct fact_ctx *x = im->ctx;
	struct fact_bulk *b = &x->bulk[x->cur];
	int rc = flush_wait(im);
	if (rc == DB_OK)
		rc = fact_bulk_flush(im->db, b, !im->o->dry_run);
	take_counts(im, b);
	return rc;
}

/* bulk[cur] is full: once the previous batch is written, a thread writes
 * it while the rows go on into the other (where no thread can be started,
 * written here).  DB_OK, or the previous batch's error. */
static int flush_start(struct import *im)
{
	struct fact_ctx *x = im->ctx;
	int rc = flush_wait(im);
	if (rc != DB_OK)
		return rc;
	x->cur ^= 1;
	x->flush_rc = DB_OK;
	if (pthread_create(&x->flusher, NULL, flusher_main, im) == 0) {
		x->flushing = 1;
		return DB_OK;
	}
	x->cur ^= 1;
	return flush_here(im);
}

/* Before a commit or a rollback (the framework's write_flush): every row
 * kept written, and counted. */
static int fact_write_flush(struct import *im, err_t *err)
{
	int rc = flush_here(im);
	return rc == DB_OK ? 0 : db_fail(err, im->db, rc, "writing the facts");
}

static int fact_write(struct import *im, const struct import_row *row, err_t *err)
{
	struct fact_ctx *x = im->ctx;
	struct frow w;
	if (x->last_line == row->line && row->line > 0)
		w = x->last;   /* one pass: checked just now */
	else if (parse_row(im, row, &w) < 0)
		return -1;
	x->last_line = 0;
	struct fact_bulk *b = &x->bulk[x->cur];
	int rc = DB_OK;
	if (fact_bulk_add(b, x->ids[w.ent], w.year, w.def->name, w.stored, x->had[w.ent / 8] & (1u << (w.ent % 8))) < 0)
		return err_set(err, 500, "too_large", NULL, "out of memory");
	if (b->n == FACT_BULK_FLUSH)
		rc = flush_start(im);
	if (rc != DB_OK) {
		db_fail(err, im->db, rc, "writing the facts");
		err->status = err->status < 500 ? 500 : err->status;
		return -1;
	}
	return 0;
}

static json_t *fact_summary(struct import *im)
{
	struct fact_ctx *x = im->ctx;
	json_t *years = json_array();
	for (int i = NYEARS - 1; x && i >= 0; i--)
		if (x->years[i])
			json_array_append_new(years, json_integer(FACT_YEAR_MIN + i));
	return json_pack("{s:I s:I s:I s:I s:o}", "created", (json_int_t)im->created, "updated",
	                 (json_int_t)im->updated, "unchanged", (json_int_t)(x ? x->unchanged : 0),
	                 "enterprises", (json_int_t)(x ? x->nents : 0), "years", years);
}

static void fact_cli_print(struct import *im, json_t *summary)
{
	int dry = im->o->dry_run;
	printf("%s%lld rows for %lld enterprises: %lld %s, %lld %s, %lld unchanged, %lld bad; years", dry ? "dry run: " : "",
	       (long long)im->rows, (long long)json_integer_value(json_object_get(summary, "enterprises")),
	       (long long)im->created, dry ? "to add" : "added", (long long)im->updated, dry ? "to replace" : "replaced",
	       (long long)json_integer_value(json_object_get(summary, "unchanged")), (long long)im->bad_rows);
	size_t i;
	json_t *y;
	json_array_foreach(json_object_get(summary, "years"), i, y)
		printf("%s %lld", i ? "," : "", (long long)json_integer_value(y));
	printf("%s\n", dry ? "; nothing written" : "");
}

static const struct import_spec fact_import = {
	.what = "facts", .audit_action = "import facts", .audit_entity = "facts",
	.cols = cols, .ncols = NC, .max_rows = MAX_ROWS, .mode_good_ok = 1, .trial_write = 1,
	.one_pass = 1, .begin = fact_begin, .check = fact_check, .write_begin = fact_write_begin, .write = fact_write,
	.write_flush = fact_write_flush, .summary = fact_summary, .end = fact_end,
	.cli_print = fact_cli_print,
};

/* ---- front doors ---- */

void api_facts_import(req_t *r)
{
	import_http(r, &fact_import);
}

int cli_import_facts(int argc, char **argv, db_t *db)
{
	/* main.c passes the subcommand on as argv[0]; accept it missing too */
	int i0 = argc > 0 && strcmp(argv[0], "facts") == 0;
	return import_cli(db, &fact_import, argc - i0, argv + i0);
}
