/*
 * import.c -- the import framework: one engine for every importer.
 *
 * The anatomy of an import (import_run):
 *
 *   0. open: table_open() decides the format and, for CSV, the encoding
 *      (whole-file encoding errors are found here); spec->begin loads the
 *      importer's references;
 *   1. count (only when someone watches the progress): one pass counts the
 *      data rows, so that "validating" can say N of M;
 *   2. check: the first non-blank row is the header (table_map_header);
 *      every later non-blank row is handed to spec->check by the importer's
 *      columns, and its errors (err_t with the row's line) are collected;
 *      a bit per row remembers which rows were good -- no row is kept.
 *      No transaction is open: the checks hold no lock;
 *   2+3. one pass (spec->one_pass, mode all, not a dry run): the check
 *      pass writes each good row as soon as it is checked, in the write
 *      transaction opened before it, and stops writing at the first bad
 *      row; the transaction commits only when every row was good.  The
 *      file is read once less, and an importer that writes in bulk in a
 *      thread of its own (the enterprises) has its writes overlap the
 *      checks.  The price: the transaction is open while the file is
 *      checked, and a file with a bad row is written up to that row and
 *      rolled back;
 *   3. write (unless a row is bad in mode all, or a dry run without
 *      trial_write): the file is read again and spec->write is called for
 *      each good row.  Mode all writes in one transaction with the audit
 *      row (a crash or a stop leaves nothing), which holds only the writes
 *      and the importer's indexed checks; mode good in transactions of
 *      IMPORT_BATCH rows.  Inside a caller's transaction the writes go into
 *      a savepoint instead.  A dry run with trial_write writes and rolls
 *      back, for exact counts.
 *
 * Before every row of every pass o->stop may stop the import
 * (IMPORT_STOPPED: cancelled, or the server stopping); what the write pass
 * had not committed is rolled back.
 *
 * Memory: the readers hold one row; the engine a bit per row; the errors
 * list keeps the first ERR_LIST_KEEP errors and counts the rest.  What
 * else grows with the file is the importers' own dedup (import_keys, some
 * 35 bytes a credit code) and their bulk buffers, flushed every so many
 * rows: the rest of an import's memory does not depend on the file's size.
 */
#include "table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"

enum pass { PASS_COUNT, PASS_CHECK, PASS_WRITE };

struct import_run {
	table_t *t;
	enum pass pass;
	int have_header;
	int header_cells;
	int *col_of;                 /* the importer's column → cell index, -1 */
	const char **v;              /* the current row by column */
	unsigned char *good;         /* a bit per data row: it passed the check */
	size_t goodcap;              /* bytes */
	int64_t idx;                 /* data rows seen in this pass */
	int64_t counted;             /* data rows (count pass) */
	err_t *werr;                 /* while writing a row: where import_bad() goes */
	int own_tx, stop_write;
	int write_too;                /* the check pass writes each good row too (spec->one_pass) */
	int64_t in_batch;
	int64_t kept_written, kept_created, kept_updated;   /* as of the last commit (mode good) */
};

/* ---- errors ---- */

static void record(struct import *im, const err_t *e)
{
	err_list_add(&im->errors, e);
	if (im->o->on_error)
		im->o->on_error(im, e);
}

static void add(struct import *im, const err_t *e)
{
	if (im->run && im->run->werr) {
		if (im->run->werr->code == NULL)
			*im->run->werr = *e;
		return;
	}
	record(im, e);
}

int import_bad(struct import *im, const struct import_row *row, const char *field, const char *code,
               const char *value, const char *fmt, ...)
{
	char msg[sizeof ((err_t *)0)->message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	err_t e;
	err_set(&e, 422, code, field ? field : "row", "%s", msg);
	e.line = row ? row->line : 0;
	if (value)
		err_param(&e, "value", "%s", value);
	add(im, &e);
	return -1;
}

int import_fail(struct import *im, const err_t *e)
{
	if (im->status != IMPORT_FAILED) {
		im->status = IMPORT_FAILED;
		im->fatal = *e;
		if (im->fatal.status < 500)
			im->fatal.status = 500;
	}
	return -1;
}

int import_bad_err(struct import *im, const struct import_row *row, const err_t *e)
{
	if (e->status >= 500)
		return import_fail(im, e);
	err_t c = *e;
	c.line = row ? row->line : 0;
	if (c.field == NULL)
		c.field = "row";
	if (c.code == NULL)
		c.code = "invalid";
	add(im, &c);
	return -1;
}

json_t *import_error_json(const err_t *e)
{
	json_t *o = json_pack("{s:o s:o s:s s:s}", "line", e->line ? json_integer((json_int_t)e->line) : json_null(),
	                      "field", e->field ? json_string(e->field) : json_null(), "code", e->code ? e->code : "invalid",
	                      "message", e->message);
	if (e->nparams) {
		json_t *p = json_object();
		for (int i = 0; i < e->nparams; i++)
			json_object_set_new(p, e->params[i].name, json_string(e->params[i].value));
		json_object_set_new(o, "params", p);
	}
	return o;
}

static void file_error(struct import *im, const err_t *e)
{
	if (im->status == IMPORT_OK || im->status == IMPORT_BAD_ROWS) {
		im->status = IMPORT_BAD_FILE;
		im->fatal = *e;
	}
}

/* The import is asked to stop (cancelled, the server stopping): it ends
 * after this row.  1 when it stops. */
static int stopped(struct import *im)
{
	if (im->o->stop == NULL)
		return 0;
	err_t e;
	err_clear(&e);
	if (!im->o->stop(im, &e))
		return 0;
	if (im->status != IMPORT_FAILED && im->status != IMPORT_STOPPED) {
		im->status = IMPORT_STOPPED;
		if (e.code == NULL)
			err_set(&e, 409, "cancelled", NULL, "the import was cancelled");
		im->fatal = e;
	}
	return 1;
}

static void progress(struct import *im, const char *phase, int64_t done, int64_t total)
{
	if (im->o->progress)
		im->o->progress(im, phase, done, total);
}

/* ---- rows ---- */

static int is_good(const struct import_run *run, int64_t idx)
{
	return (size_t)(idx / 8) < run->goodcap && (run->good[idx / 8] >> (idx % 8) & 1);
}

static int set_good(struct import_run *run, int64_t idx)
{
	size_t byte = (size_t)(idx / 8);
	if (byte >= run->goodcap) {
		size_t cap = run->goodcap ? run->goodcap * 2 : 4096;
		while (cap <= byte)
			cap *= 2;
		unsigned char *g = realloc(run->good, cap);
		if (g == NULL)
			return -1;
		memset(g + run->goodcap, 0, cap - run->goodcap);
		run->good = g;
		run->goodcap = cap;
	}
	run->good[byte] |= (unsigned char)(1u << (idx % 8));
	return 0;
}

/* The check pass's phase: "writing" while one pass writes (every row
 * good so far), else "validating". */
static const char *check_phase(const struct import *im)
{
	return im->run->write_too && im->bad_rows == 0 ? "writing" : "validating";
}

static int check_row(struct import *im, struct import_row *row, int n, const char *const *cells)
{
	struct import_run *run = im->run;
	const struct import_spec *spec = im->spec;
	if (++im->rows > spec->max_rows) {
		err_t e;
		err_set(&e, 422, "too_many_rows", "file", "more than %lld rows: split the file", (long long)spec->max_rows);
		e.line = row->line;
		err_param(&e, "max", "%lld", (long long)spec->max_rows);
		file_error(im, &e);
		return 1;
	}
	int64_t before = im->errors.total;
	char b[72];
	for (int i = run->header_cells; i < n; i++)
		if (!text_is_blank(cells[i])) {
			import_bad(im, row, "row", "extra_cells", table_shown(cells[i], b),
			           "a cell beyond the header's columns: \"%s\"", b);
			break;
		}
	int rc = spec->check(im, row);
	if (im->status == IMPORT_FAILED)
		return 1;
	if (rc == 0 && im->errors.total == before) {
		if (set_good(run, run->idx - 1) < 0) {
			err_t e;
			err_set(&e, 500, "too_large", NULL, "out of memory");
			import_fail(im, &e);
			return 1;
		}
		im->good_rows++;
	} else {
		if (im->errors.total == before)
			import_bad(im, row, NULL, "invalid", NULL, "the row is not valid");
		im->bad_rows++;
	}
	if (im->rows % IMPORT_BATCH == 0)
		progress(im, check_phase(im), im->rows, run->counted);
	return 0;
}

static int commit_batch(struct import *im);

static int write_row(struct import *im, struct import_row *row)
{
	struct import_run *run = im->run;
	err_t e;
	err_clear(&e);
	run->werr = &e;
	int rc = im->spec->write(im, row, &e);
	run->werr = NULL;
	if (rc < 0) {
		if (e.code == NULL)
			err_set(&e, 422, "invalid", "row", "the row was refused");
		if (e.status >= 500) {
			import_fail(im, &e);
			return 1;
		}
		e.line = row->line;
		if (e.field == NULL)
			e.field = "row";
		record(im, &e);
		im->bad_rows++;
		im->good_rows--;
		if (!im->o->mode_good) {
			run->stop_write = 1;
			return 1;
		}
		return 0;
	}
	im->written++;
	if (run->own_tx && im->o->mode_good && !im->o->dry_run && ++run->in_batch == IMPORT_BATCH)
		if (commit_batch(im) < 0)
			return 1;
	if (im->written % IMPORT_BATCH == 0 && im->written < im->good_rows)
		progress(im, "writing", im->written, im->good_rows);
	return 0;
}

static int on_row(void *ud, int64_t line, int n, const char *const *cells)
{
	struct import *im = ud;
	struct import_run *run = im->run;
	const struct import_spec *spec = im->spec;
	if (stopped(im))
		return 1;
	int blank = 1;
	for (int i = 0; i < n && blank; i++)
		blank = text_is_blank(cells[i]);
	if (blank)
		return 0;
	if (!run->have_header) {
		run->have_header = 1;
		run->header_cells = n;
		if (run->pass == PASS_CHECK) {
			err_t e;
			if (table_map_header(spec->cols, spec->ncols, line, n, cells, run->col_of, &e) < 0) {
				file_error(im, &e);
				return 1;
			}
		}
		return 0;
	}
	if (run->pass == PASS_COUNT) {
		if (++run->counted > spec->max_rows) {
			err_t e;
			err_set(&e, 422, "too_many_rows", "file", "more than %lld rows: split the file", (long long)spec->max_rows);
			e.line = line;
			err_param(&e, "max", "%lld", (long long)spec->max_rows);
			file_error(im, &e);
			return 1;
		}
		return 0;
	}
	int64_t idx = run->idx++;
	if (run->pass == PASS_WRITE && !is_good(run, idx))
		return 0;
	for (int c = 0; c < spec->ncols; c++) {
		int k = run->col_of[c];
		run->v[c] = k < 0 ? NULL : k < n && cells[k] ? cells[k] : "";
	}
	struct import_row row = { .line = line, .v = run->v, .a = arena_new() };
	int rc = run->pass == PASS_CHECK ? check_row(im, &row, n, cells) : write_row(im, &row);
	if (rc == 0 && run->write_too && im->bad_rows == 0 && im->status == IMPORT_OK && is_good(run, idx))
		rc = write_row(im, &row);   /* one pass: written once checked, while no row is bad */
	arena_free(row.a);
	return rc;
}

/* Read the whole file once in the given pass.  0, or 1 when it stopped. */
static int read_pass(struct import *im, enum pass pass)
{
	struct import_run *run = im->run;
	run->pass = pass;
	run->have_header = 0;
	run->idx = 0;
	err_t e;
	int rc = table_read(run->t, on_row, im, &e);
	if (rc < 0)
		file_error(im, &e);
	return rc != 0;
}

/* ---- writing ---- */

static int audit(struct import *im)
{
	const struct import_opts *o = im->o;
	const struct import_spec *spec = im->spec;
	char action[96], detail[512];
	snprintf(action, sizeof action, "cli import %s", spec->what);
	snprintf(detail, sizeof detail, "%s: %lld rows, %lld written (%lld created, %lld updated), %lld bad (mode %s)",
	         o->filename ? o->filename : "", (long long)im->rows, (long long)im->written, (long long)im->created,
	         (long long)im->updated, (long long)im->bad_rows, o->mode_good ? "good" : "all");
	return audit_write(im->db, o->actor, o->actor ? "" : "cli", o->actor ? spec->audit_action : action,
	                   spec->audit_entity, NULL, 200, detail);
}

static int db_failed(struct import *im, int rc, const char *what)
{
	err_t e;
	db_fail(&e, im->db, rc, what);
	return import_fail(im, &e);
}

/* The importer's bulk writes before a commit.  0, or -1 (im failed). */
static int flush(struct import *im)
{
	err_t e;
	err_clear(&e);
	if (im->spec->write_flush == NULL || im->spec->write_flush(im, &e) == 0)
		return 0;
	if (e.status < 500)
		e.status = 500;
	return import_fail(im, &e);
}

static int commit_batch(struct import *im)
{
	struct import_run *run = im->run;
	if (flush(im) < 0)
		return -1;
	int rc = db_commit(im->db);
	if (rc != DB_OK)
		return db_failed(im, rc, "committing the imported rows");
	run->in_batch = 0;
	run->kept_written = im->written;
	run->kept_created = im->created;
	run->kept_updated = im->updated;
	im->wrote = 1;
	progress(im, "writing", im->written, im->good_rows);   /* between transactions: visible */
	if ((rc = db_begin(im->db)) != DB_OK)
		return db_failed(im, rc, "starting the next batch");
	return 0;
}

/* Commit (or with keep 0 roll back) the write pass's transaction or savepoint. */
static void finish_write(struct import *im, int keep)
{
	struct import_run *run = im->run;
	db_t *db = im->db;
	int rc = DB_OK;
	if (keep && flush(im) < 0)
		keep = 0;
	else if (!keep && im->spec->write_flush) {
		/* before a rollback too: a bulk write in progress ends, and a trial
		 * (dry run) counts what its bulk writes would do */
		err_t e;
		err_clear(&e);
		if (im->spec->write_flush(im, &e) < 0 && im->o->dry_run && im->status != IMPORT_FAILED
		    && im->status != IMPORT_STOPPED) {
			if (e.status < 500)
				e.status = 500;
			import_fail(im, &e);
		}
	}
	if (keep) {
		if (run->own_tx && (rc = audit(im)) == DB_OK)
			rc = db_commit(db);
		else if (!run->own_tx)
			rc = db_exec(db, "RELEASE SAVEPOINT import_write");
		if (rc == DB_OK) {
			im->wrote = im->written > 0;
			return;
		}
		db_failed(im, rc, "committing the import");
	}
	if (run->own_tx)
		db_rollback(db);
	else if (db_exec(db, "ROLLBACK TO SAVEPOINT import_write") != DB_OK || db_exec(db, "RELEASE SAVEPOINT import_write") != DB_OK)
		db_failed(im, DB_ERR, "rolling back the import");
	if (im->o->dry_run && im->status != IMPORT_FAILED)
		return;   /* a trial: the counts say what would be written */
	if (run->own_tx && im->o->mode_good) {
		im->written = run->kept_written;   /* the committed batches stay */
		im->created = run->kept_created;
		im->updated = run->kept_updated;
	} else {
		im->written = im->created = im->updated = 0;
		im->wrote = 0;
	}
}

/* Open the write transaction (or savepoint) and call spec->write_begin.
 * 0, or -1 with nothing open (the transaction rolled back) and im failed. */
static int write_start(struct import *im)
{
	struct import_run *run = im->run;
	db_t *db = im->db;
	run->own_tx = !db_in_tx(db);
	int rc = run->own_tx ? db_begin(db) : db_exec(db, "SAVEPOINT import_write");
	if (rc != DB_OK)
		return db_failed(im, rc, "starting to write the import");
	err_t e;
	err_clear(&e);
	if (im->spec->write_begin && im->spec->write_begin(im, &e) < 0) {
		if (e.status < 500)
			e.status = 500;
		import_fail(im, &e);
		finish_write(im, 0);
		return -1;
	}
	return 0;
}

/* End the write pass: commit what it wrote when keep (and the import is
 * still good), else roll it back. */
static void write_end(struct import *im, int keep)
{
	struct import_run *run = im->run;
	if (im->status != IMPORT_OK && im->status != IMPORT_BAD_ROWS)
		keep = 0;
	if (run->stop_write) {
		keep = 0;
		im->status = IMPORT_BAD_ROWS;
	}
	finish_write(im, keep && !im->o->dry_run);
	if (im->bad_rows && im->status == IMPORT_OK)
		im->status = IMPORT_BAD_ROWS;
	if (im->status == IMPORT_OK || (im->status == IMPORT_BAD_ROWS && im->o->mode_good))
		progress(im, "writing", im->written, im->good_rows);
}

static void write_pass(struct import *im)
{
	progress(im, "writing", 0, im->good_rows);
	if (write_start(im) < 0)
		return;
	read_pass(im, PASS_WRITE);
	write_end(im, 1);
}

/* ---- the run ---- */

static void check_file(struct import *im)
{
	struct import_run *run = im->run;
	err_t e;
	if (im->o->progress) {
		progress(im, "reading", 0, 0);
		if (read_pass(im, PASS_COUNT))
			return;
	}
	if (run->write_too && write_start(im) < 0)
		return;
	progress(im, check_phase(im), 0, run->counted);
	int stop = read_pass(im, PASS_CHECK);
	if (!stop && !run->have_header) {
		err_set(&e, 422, "empty_file", "file", "the file has no header row");
		file_error(im, &e);
	} else if (!stop && im->rows == 0) {
		err_set(&e, 422, "empty_file", "file", "the file has no data rows");
		file_error(im, &e);
	} else if (!stop && (!run->write_too || im->bad_rows))
		progress(im, "validating", im->rows, im->rows);   /* one pass: only checked in the end */
	if (run->write_too) {
		/* one pass: kept only when every row was good */
		if (im->status == IMPORT_OK && im->bad_rows)
			im->status = IMPORT_BAD_ROWS;
		write_end(im, im->status == IMPORT_OK);
		run->write_too = 0;
	}
}

int import_run(db_t *db, const struct import_spec *spec, const struct table_src *src,
               const struct import_opts *o, struct import *im)
{
	memset(im, 0, sizeof *im);
	im->spec = spec;
	im->o = o;
	im->db = db;
	double t0 = now_mono();
	struct import_run *run = im->run = calloc(1, sizeof *run);
	if (run) {
		run->col_of = calloc((size_t)spec->ncols, sizeof *run->col_of);
		run->v = calloc((size_t)spec->ncols, sizeof *run->v);
	}
	err_t e;
	err_clear(&e);
	if (run == NULL || run->col_of == NULL || run->v == NULL) {
		err_set(&e, 500, "too_large", NULL, "out of memory");
		import_fail(im, &e);
	} else if ((run->t = table_open(src, o->format, NULL, &e)) == NULL)
		file_error(im, &e);
	else {
		im->is_xlsx = table_is_xlsx(run->t);
		im->date1904 = table_date1904(run->t);
		im->format = table_format(run->t);
		im->encoding = table_encoding(run->t);
		if (spec->begin && spec->begin(im, &e) < 0)
			import_fail(im, &e);
	}
	/* one pass: mode all, not a dry run, an importer that allows it */
	int one_pass = spec->one_pass && !o->mode_good && !o->dry_run;
	if (im->status == IMPORT_OK) {
		run->write_too = one_pass;
		check_file(im);
	}
	if (im->status == IMPORT_OK && im->bad_rows)
		im->status = IMPORT_BAD_ROWS;
	int write = !one_pass && (im->status == IMPORT_OK || (im->status == IMPORT_BAD_ROWS && o->mode_good))
	            && im->good_rows > 0 && (!o->dry_run || spec->trial_write);
	if (write)
		write_pass(im);
	if (im->status == IMPORT_BAD_FILE || im->status == IMPORT_FAILED) {
		/* the file as a whole: its one error says it */
		err_list_free(&im->errors);
		im->bad_rows = 0;
	}
	if (spec->summary)
		im->summary = spec->summary(im);
	if (spec->end)
		spec->end(im);
	im->seconds = now_mono() - t0;
	return im->status;
}

void import_free(struct import *im)
{
	if (im->run) {
		table_close(im->run->t);
		free(im->run->col_of);
		free(im->run->v);
		free(im->run->good);
		free(im->run);
		im->run = NULL;
	}
	err_list_free(&im->errors);
	json_decref(im->summary);
	im->summary = NULL;
}

/* ---- reference lists ---- */

void *import_load(db_t *db, arena_t *a, const char *sql, size_t sz, void (*put)(void *elem, db_stmt_t *st, arena_t *a),
                  size_t *n, int *rc)
{
	db_stmt_t *st = db_prepare(db, sql);
	char *v = NULL;
	size_t cap = 0;
	*n = 0;
	while ((*rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			char *nv = arena_alloc(a, cap * sz);
			if (*n)
				memcpy(nv, v, *n * sz);
			v = nv;
		}
		put(v + (*n)++ * sz, st, a);
	}
	db_done(st);
	*rc = *rc == DB_DONE ? DB_OK : *rc < 0 ? *rc : DB_ERR;
	return v;
}

/* ---- a set of keys ---- */

#define KEY_VAL sizeof(int64_t)   /* an entry: its value (unaligned), then the key and a NUL */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static const char *key_at(const struct import_keys *k, uint32_t slot)
{
	return k->pool + (slot - 1) + KEY_VAL;
}

/* The slot of key: where it is, or the empty one where it would go. */
static size_t keys_find(const struct import_keys *k, const char *key)
{
	size_t j = hash_str(key) & (k->cap - 1);
	while (k->slots[j] && strcmp(key_at(k, k->slots[j]), key) != 0)
		j = (j + 1) & (k->cap - 1);
	return j;
}

static int keys_grow(struct import_keys *k)
{
	size_t cap = k->cap ? k->cap * 2 : 1024;
	uint32_t *slots = calloc(cap, sizeof *slots);
	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < k->cap; i++)
		if (k->slots[i]) {
			size_t j = hash_str(key_at(k, k->slots[i])) & (cap - 1);
			while (slots[j])
				j = (j + 1) & (cap - 1);
			slots[j] = k->slots[i];
		}
	free(k->slots);
	k->slots = slots;
	k->cap = cap;
	return 0;
}

int64_t import_keys_get(const struct import_keys *k, const char *key)
{
	if (k->cap == 0)
		return 0;
	uint32_t slot = k->slots[keys_find(k, key)];
	int64_t v = 0;
	if (slot)
		memcpy(&v, k->pool + (slot - 1), sizeof v);
	return v;
}

/* Room for need more bytes in the pool (offsets stay below 4 GiB). */
static int pool_reserve(struct import_keys *k, size_t need)
{
	if (k->used + need <= k->size)
		return 0;
	if (k->used + need >= UINT32_MAX)
		return -1;
	size_t size = k->size ? k->size : 65536;
	while (size < k->used + need)
		size *= 2;
	char *p = realloc(k->pool, size);
	if (p == NULL)
		return -1;
	k->pool = p;
	k->size = size;
	return 0;
}

int import_keys_put(struct import_keys *k, const char *key, int64_t val)
{
	if ((k->n + 1) * 2 > k->cap && keys_grow(k) < 0)
		return -1;
	size_t j = keys_find(k, key);
	if (k->slots[j] == 0) {
		size_t len = strlen(key) + 1;
		if (pool_reserve(k, KEY_VAL + len) < 0)
			return -1;
		memcpy(k->pool + k->used + KEY_VAL, key, len);
		k->slots[j] = (uint32_t)(k->used + 1);
		k->used += KEY_VAL + len;
		k->n++;
	}
	memcpy(k->pool + (k->slots[j] - 1), &val, sizeof val);
	return 0;
}

void import_keys_free(struct import_keys *k)
{
	free(k->slots);
	free(k->pool);
	memset(k, 0, sizeof *k);
}

static uint64_t lines_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	return k ^ (k >> 33);
}

/* The slot of key: where it is, or the empty slot where it goes. */
static size_t lines_slot(const struct import_lines *s, uint64_t key)
{
	size_t i = (size_t)lines_hash(key) & (s->cap - 1);
	while (s->lines[i] != 0 && s->keys[i] != key)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int lines_grow(struct import_lines *s)
{
	struct import_lines g = { .cap = s->cap ? s->cap * 2 : 1024 };
	g.keys = malloc(g.cap * sizeof *g.keys);
	g.lines = calloc(g.cap, sizeof *g.lines);
	if (g.keys == NULL || g.lines == NULL) {
		free(g.keys);
		free(g.lines);
		return -1;
	}
	for (size_t i = 0; i < s->cap; i++)
		if (s->lines[i]) {
			size_t j = lines_slot(&g, s->keys[i]);
			g.keys[j] = s->keys[i];
			g.lines[j] = s->lines[i];
		}
	g.n = s->n;
	free(s->keys);
	free(s->lines);
	*s = g;
	return 0;
}

int64_t import_lines_put(struct import_lines *s, uint64_t key, int64_t line)
{
	if (4 * (s->n + 1) > 3 * s->cap && lines_grow(s) < 0)
		return -1;
	size_t i = lines_slot(s, key);
	if (s->lines[i])
		return s->lines[i];
	s->keys[i] = key;
	s->lines[i] = line;
	s->n++;
	return 0;
}

void import_lines_free(struct import_lines *s)
{
	free(s->keys);
	free(s->lines);
	memset(s, 0, sizeof *s);
}
