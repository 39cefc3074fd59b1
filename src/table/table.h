/*
 * table.h -- tables from uploaded files, and the one import framework.
 *
 * Owns: reading CSV (libcsv; UTF-8 with or without BOM, UTF-16 with BOM,
 * else GB18030/GBK through iconv) and XLSX (libzip + expat: the first
 * sheet and its shared strings; limits on entries, inflated sizes and the
 * memory of the shared strings; no DTDs), row by row from a file or from
 * memory with bounded memory whatever the file's size; the formula guard
 * of exports; header mapping (English names, Chinese labels, units in
 * brackets); and the import framework: an importer describes its columns
 * and a few callbacks (struct import_spec), and import_run() reads the
 * file, checks every row, writes the good ones re-reading the file, with
 * dry run, modes all/good, errors by line, progress and stopping.  Its two
 * front doors are here too: the background job of an upload (import_http,
 * GET /api/v1/imports/{id}, POST /api/v1/imports/{id}/cancel) and the
 * command line (import_cli).  Nothing here knows a domain table.
 */
#ifndef ZONEOPS_TABLE_H
#define ZONEOPS_TABLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "http/http.h"
#include "store/store.h"

/* ================================================================ reading */

/* Where a table comes from: a file descriptor (read with pread, never
 * closed here) when fd >= 0, else data[0..len) in memory. */
struct table_src {
	int fd;
	const void *data;
	size_t len;
};

struct xlsx_limits {
	int64_t max_entries;        /* entries in the archive (default 10000) */
	uint64_t max_total;         /* inflated bytes of the parts read in one pass (default 200 MiB) */
	uint64_t max_ratio;         /* per part: inflated <= ratio * compressed ... (default 100) */
	uint64_t min_allow;         /* ... or this many bytes, whichever is more (default 1 MiB) */
	uint64_t max_strings;       /* bytes the shared-strings table may allocate, its index
	                               included (default 64 MiB) */
};
extern const struct xlsx_limits xlsx_default_limits;

/* The longest row (its cells together) and the longest cell either reader
 * hands over; longer ones are a file error (too_large, xlsx_limit). */
#define TABLE_MAX_ROW_BYTES (4u << 20)
#define TABLE_MAX_CELL_BYTES (1u << 20)
/* The most fields a CSV record may have (too_wide beyond). */
#define TABLE_CSV_MAX_FIELDS 1024

typedef struct table table_t;

/* Open a table.  format is "csv", "xlsx", "geojson" or NULL (XLSX when the
 * content starts with a ZIP signature, GeoJSON when it starts with '{').  A CSV file's encoding is decided and the
 * whole file decoded once here, so that encoding errors (with their line)
 * come before any row; an XLSX's workbook, relationships and shared
 * strings are read here.  lim NULL: the defaults.  NULL with *err on a
 * problem with the file as a whole: status 422, field "file", the line
 * when known, and a stable code (empty_file, bad_format, bad_encoding,
 * not_xlsx, xlsx_limit, xlsx_dtd, xml_syntax, too_large, ...). */
table_t *table_open(const struct table_src *src, const char *format, const struct xlsx_limits *lim, err_t *err);
void table_close(table_t *t);
int table_is_xlsx(const table_t *t);
/* "csv", "xlsx" or "geojson". */
const char *table_format(const table_t *t);
/* A GeoJSON FeatureCollection is read whole (jansson): at most this many
 * bytes.  Its rows: a header ("geometry", "crs" when named, the property
 * names) at line 0, then feature i at line i + 1 (features.c). */
#define TABLE_GEOJSON_MAX (32u << 20)
/* CSV: "utf-8", "utf-8-bom", "utf-16" or "gb18030"; XLSX: NULL. */
const char *table_encoding(const table_t *t);
/* XLSX: dates are counted from 1904 (workbookPr date1904). */
int table_date1904(const table_t *t);

/* One row: its line (CSV: the physical line the record starts on; XLSX:
 * the sheet's row number), the number of cells and the cells as stored,
 * NUL-terminated UTF-8 (NULL for an absent XLSX cell), valid during the
 * call.  Return 0 to go on, non-zero to stop (table_read returns it). */
typedef int (*table_row_fn)(void *ud, int64_t line, int ncells, const char *const *cells);

/* Hand over every row from the start of the file (each call reads the
 * file again, in chunks: memory stays bounded).  Blank CSV lines are
 * skipped.  0 at the end, the callback's value, or -1 with *err (as
 * table_open: csv_syntax, too_wide, too_large, xlsx_limit, xml_syntax). */
int table_read(table_t *t, table_row_fn fn, void *ud, err_t *err);

/* 1 when a spreadsheet would take s for a formula: it starts with = + - @,
 * TAB or CR.  Exports write such text with a leading single quote; the
 * import takes it off again (table_cell_clean). */
int cell_is_formula_like(const char *s);

/* A cell as an importer reads it: NULL as "", a leading quote before
 * formula-like text (an export's guard) removed, then trimmed of
 * whitespace (text_space_len: also U+3000 and U+00A0).  A copy in a. */
char *table_cell_clean(arena_t *a, const char *s);
/* s trimmed and cut to at most 60 bytes (on a character boundary, "..."
 * added) into buf, for messages. */
const char *table_shown(const char *s, char buf[72]);

/* A descriptor of a new temporary file holding data[0..len), already
 * unlinked (an upload kept for a background job); -1 with errno. */
int table_spool(const void *data, size_t len);

/* ================================================================ headers */

enum {
	TABLE_COL_REQUIRED = 1 << 0,   /* the header must have it */
	TABLE_COL_IGNORED = 1 << 1,    /* known, read and ignored (informational) */
	TABLE_COL_YIELDS = 1 << 2,     /* ignored when another column of its group is given */
};

/* One column an importer understands. */
struct table_col {
	const char *name;       /* the English name: the API's field, used in errors */
	const char *labels;     /* other spellings, '|'-separated; the first is shown in messages
	                           (the Chinese label), e.g. "统一社会信用代码|信用代码" */
	unsigned flags;
	int group;              /* non-zero: the columns of a group name the same thing, at most
	                           one of them may be given (street / street_id) */
};

/* The normal form of a header cell for matching: trimmed, full-width
 * folded, ASCII lower case, without spaces, '_', '-' and '*', cut at a
 * bracket ( [ 【 (a unit: "数值（亿元）"), a trailing ':' or '.' dropped. */
void table_header_key(const char *s, char *out, size_t outlen);
/* The column of cols that header cell s names, or -1. */
int table_header_find(const struct table_col *cols, int ncols, const char *s);
/* Map a header row: col_of[c] is the cell index of column c, or -1 (also
 * for an ignored column).  Blank header cells are skipped.  0, or -1 with
 * *err (422, field "file", the line): unknown_header (every unknown cell
 * named; params value, allowed), duplicate_header, missing_header, and
 * unit_mismatch when a cell gives a unit in brackets other than the one in
 * the column's label ("注册资本(元)" for "注册资本(万元)"; params value,
 * expected, column). */
int table_map_header(const struct table_col *cols, int ncols, int64_t line, int ncells,
                     const char *const *cells, int *col_of, err_t *err);

/* ================================================================ imports */

struct import;

/* One data row, by the importer's columns. */
struct import_row {
	int64_t line;
	const char *const *v;   /* v[c]: the cell of column c exactly as stored; NULL when the
	                           file has no column c, "" when the row has no such cell */
	arena_t *a;             /* for the row's allocations, freed after the row */
};

struct import_spec {
	const char *what;           /* "enterprises", "leads", "indicators", ...: the CLI's and
	                               the job's name, the audit action "cli import WHAT" */
	const char *audit_action;   /* HTTP: "import indicators" */
	const char *audit_entity;   /* "indicator_values" */
	const struct table_col *cols;
	int ncols;
	int64_t max_rows;           /* data rows (too_many_rows beyond) */
	int mode_good_ok;           /* the CLI offers --mode good */
	int trial_write;            /* a dry run writes and rolls back (exact counts for writes
	                               that depend on each other); else it stops after checking */
	int one_pass;               /* mode all, not a dry run: each good row is written as soon
	                               as it is checked (one reading of the file; the transaction
	                               open from the first row, rolled back when a row is bad).
	                               Only for an importer whose check of a row needs no later
	                               row and whose write does not change what check() reads */
	/* Load references; set im->ctx.  -1 with *err fails the import. */
	int (*begin)(struct import *im, err_t *err);
	/* Check one row without writing: 0 good, -1 bad (errors added with
	 * import_bad / import_bad_err); a database error: import_fail(). */
	int (*check)(struct import *im, const struct import_row *row);
	/* Optional: before the first row is written (in the write transaction). */
	int (*write_begin)(struct import *im, err_t *err);
	/* Write one good row: 0, or -1 with *err (a row error, or status >= 500:
	 * a database error that stops the import); import_bad() called
	 * meanwhile fills *err too. */
	int (*write)(struct import *im, const struct import_row *row, err_t *err);
	/* Optional: write what write() kept back to write in bulk, before each
	 * commit (and before the savepoint is released): 0, or -1 with *err (a
	 * database error: the import fails).  Called before a rollback too: a
	 * copy in progress must end, and a dry run's trial counts what its bulk
	 * writes do (an error there fails the dry run). */
	int (*write_flush)(struct import *im, err_t *err);
	/* What the import did (or would do): the 200 reply of the HTTP import,
	 * merged into a job's report.  Caller owns it.  Called however the
	 * import ended, also when begin never ran (im->ctx NULL). */
	json_t *(*summary)(struct import *im);
	/* Optional: free im->ctx (NULL when begin never ran). */
	void (*end)(struct import *im);
	/* The command line's report on stdout when rows were written or checked
	 * (not for a file error, nor bad rows in mode all). */
	void (*cli_print)(struct import *im, json_t *summary);
};

struct import_opts {
	const char *format;         /* "csv", "xlsx", NULL: from the content */
	int mode_good;              /* write the good rows; else any bad row writes nothing */
	int dry_run;
	const user_t *actor;        /* NULL: the command line */
	const char *filename;       /* audit detail, CLI messages */
	/* phase "reading", "validating" or "writing": done of total rows */
	void (*progress)(struct import *im, const char *phase, int64_t done, int64_t total);
	/* each row error as it is found */
	void (*on_error)(struct import *im, const err_t *e);
	/* polled before every row of every pass: non-zero stops the import
	 * (IMPORT_STOPPED) with the reason it puts in *why (a code such as
	 * "cancelled" or "interrupted"; default cancelled) */
	int (*stop)(struct import *im, err_t *why);
	void *ud;
};

enum import_status {
	IMPORT_OK = 0,              /* every row good: written, or checked (dry run) */
	IMPORT_BAD_ROWS = 1,        /* rows are bad: mode all wrote nothing, mode good the good ones */
	IMPORT_BAD_FILE = 2,        /* the file cannot be read as a table (im->fatal) */
	IMPORT_FAILED = 3,          /* the database failed (im->fatal, status >= 500) */
	IMPORT_STOPPED = 4,         /* o->stop stopped it (im->fatal: its reason): mode all wrote
	                               nothing, mode good kept the batches it had committed */
};

#define IMPORT_BATCH 1000       /* rows per transaction in mode good; progress step */

struct import {
	const struct import_spec *spec;
	const struct import_opts *o;
	db_t *db;
	void *ctx;                  /* the importer's state */
	int is_xlsx, date1904;
	const char *format, *encoding;
	/* results */
	enum import_status status;
	err_t fatal;
	err_list_t errors;          /* row errors by line (the first ERR_LIST_KEEP kept, all counted) */
	int64_t rows, bad_rows, good_rows;   /* data rows; rows with an error; checked good */
	int64_t written;            /* rows written (committed, or rolled back by a dry run) */
	int64_t created, updated;   /* the importer's counts while writing */
	int wrote;                  /* something was committed */
	json_t *summary;            /* spec->summary's, once the import ran (owned) */
	double seconds;
	/* the framework's own */
	struct import_run *run;
};

/* Run an import from src.  Every row is checked first, without a
 * transaction (no lock held) -- except with spec->one_pass, where mode
 * all checks and writes each row in one reading, inside the transaction
 * (see import.c); then mode all writes the good rows in one
 * transaction with the import's audit row -- a crash or a stop leaves
 * nothing, and the transaction holds only the writes -- and mode good in
 * transactions of IMPORT_BATCH rows, each ending with the audit row of its
 * part ("cli import WHAT" without an actor).  When db is already in a
 * transaction, the writes go into a savepoint of it instead.  Returns
 * im->status; free with import_free(). */
int import_run(db_t *db, const struct import_spec *spec, const struct table_src *src,
               const struct import_opts *o, struct import *im);
void import_free(struct import *im);

/* A row error: field (NULL: "row"), code, an English message; value (may
 * be NULL) becomes the parameter "value".  Returns -1. */
int import_bad(struct import *im, const struct import_row *row, const char *field, const char *code,
               const char *value, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* e (a domain function's error) as an error of row; status >= 500 is a
 * database error (import_fail).  Returns -1. */
int import_bad_err(struct import *im, const struct import_row *row, const err_t *e);
/* The import fails (database): it stops after this row.  Returns -1. */
int import_fail(struct import *im, const err_t *e);
/* {"line","field","code","message","params"?} of one error. */
json_t *import_error_json(const err_t *e);

/* Reference lists (streets, units, people, regions) for begin: every row
 * of sql as an array of elements of size sz in arena a, each filled by
 * put; *n their number, *rc DB_OK or the database's error. */
void *import_load(db_t *db, arena_t *a, const char *sql, size_t sz, void (*put)(void *elem, db_stmt_t *st, arena_t *a),
                  size_t *n, int *rc);

/* A set of keys seen in a file (credit codes, region/indicator/period):
 * key → a positive value (a line), 0 when absent.  Keys are copied.
 * Compact, since it is what grows with the file (dedup): every entry --
 * its value, then its key with a NUL -- is packed in one pool, and the
 * open-addressing table holds 4-byte offsets into it: about 35 bytes per
 * 18-byte credit code (a malloc per key cost some 64). */
struct import_keys {
	uint32_t *slots;            /* cap of them: 0 empty, else 1 + the entry's offset in pool */
	char *pool;
	size_t cap, n;
	size_t used, size;          /* bytes of pool used, allocated */
};
int64_t import_keys_get(const struct import_keys *k, const char *key);
int import_keys_put(struct import_keys *k, const char *key, int64_t val);   /* 0 or -1 (memory) */
void import_keys_free(struct import_keys *k);

/* The same for keys that are numbers (an importer packs its row's key --
 * region, indicator, period; enterprise, year, fact -- into 64 bits):
 * open addressing at most 3/4 full, 16 bytes a slot, 21 to 43 bytes a
 * row.  import_lines_put(): the line key was seen on before, or 0 after
 * keeping it with line (> 0); -1: out of memory. */
struct import_lines {
	uint64_t *keys;
	int64_t *lines;             /* 0: an empty slot */
	size_t cap, n;
};
int64_t import_lines_put(struct import_lines *s, uint64_t key, int64_t line);
void import_lines_free(struct import_lines *s);

/* ---- front doors ---- */

/* HTTP (a route with R_RAW | R_NOTX): import_http_opts(), then
 * import_job_start() -- the request's body imported as a background job. */
void import_http(req_t *r, const struct import_spec *spec);
/* The query parameters every HTTP import takes: format (csv|xlsx|geojson),
 * dry_run, and with mode_good_ok mode (all|good); filename names the
 * file (default "upload"; the format follows from .csv/.xlsx/.geojson/.json).  Fills o;
 * -1 after replying 422.  An empty body is 422 empty_file. */
int import_http_opts(req_t *r, int mode_good_ok, struct import_opts *o);

/* HTTP, as a background job (outside any request transaction: the route
 * has R_NOTX): keeps the upload in a temporary file, stores an import_jobs
 * row (kind spec->what) and the audit row in one short transaction, and
 * answers 202 {id, status "queued", url, ...} (503 busy when JOB_MAX jobs
 * run in this process); a thread with connections of its own runs the
 * import with progress into the row and stores the report {format, mode,
 * dry_run, total_rows, created, updated, error_rows, written, the
 * importer's summary, fatal?, errors [{line, field, code, message,
 * params?}], error_count, errors_truncated}.  Status: queued, reading,
 * validating, writing, then done, failed or cancelled.  o as
 * import_http_opts filled it. */
void import_job_start(req_t *r, const struct import_spec *spec, const struct import_opts *o);
/* GET /api/v1/imports/{id}: the job and its report (its owner and admins;
 * 404 for others). */
void import_job_get(req_t *r);
/* POST /api/v1/imports/{id}/cancel (R_NOTX): its owner or an admin asks a
 * job that has not ended to stop: 202 with the job (cancel_requested true;
 * it becomes cancelled at its next row, wherever it runs), 409
 * import_finished (param status) once it has ended, 404 for others. */
void import_job_cancel(req_t *r);
/* Shutdown: every job of this process stops at its next row (mode all
 * writes nothing) and is marked failed ("interrupted"); waits up to
 * seconds for them.  0 when none runs any more, -1. */
int import_stop_all(double seconds);

/* The command line: argv is "FILE [--dry-run] [--format csv|xlsx|geojson]" (and
 * "--mode all|good" when spec->mode_good_ok); FILE "-" is standard input.
 * Row errors go to stderr as "FILE: line N: field: message".  Exit status
 * 0 (every row good), 1 (bad rows, a bad file, the database), 2 (usage). */
int import_cli(db_t *db, const struct import_spec *spec, int argc, char **argv);

#endif
