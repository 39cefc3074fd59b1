/*
 * import.c -- importing enterprises from CSV or XLSX (API and CLI).
 *
 * One engine, import_run(), serves both front doors:
 *
 *   1. read: decode the text (xlsx.h: UTF-8 with/without BOM, UTF-16, else
 *      GB18030/GBK) and parse it with libcsv, or read the first sheet of an
 *      XLSX; the first non-empty row is the header (English field names or
 *      Chinese labels); each later row keeps its physical line number;
 *   2. check, without writing: every cell is normalised (after parsing:
 *      trim, a leading quote that an export put before = + - @ removed,
 *      full-width ASCII folded for codes, numbers and dates -- never for
 *      names), references resolved (street, officer, department by name or
 *      id), enterprise_validate() run, duplicates within the file refused on
 *      the later row; existing credit codes make a row an update;
 *   3. write (unless dry run): mode "all" writes every row in ONE
 *      transaction and only when no row is bad, so an interrupted import
 *      leaves nothing half-written; mode "good" writes the good rows in
 *      transactions of 1000 rows.
 *
 * The API (POST /api/v1/enterprises/import) stores a job row (queued) in
 * the request's transaction, answers 202 and runs import_run() in a
 * detached thread with its own connection; the payload stays in that
 * thread's memory.  The job's status goes queued → reading → validating
 * (processed_rows of total_rows, updated every 1000 rows in short
 * transactions) → writing (mode "good": created_rows/updated_rows after
 * each batch; mode "all": one transaction, visible at its commit) → done
 * (the file was processed; see error_rows and report.written) or failed
 * (the file could not be read, or the database failed), with the report
 * JSON.  On SQLite the one transaction of a large mode-"all" import holds
 * the write lock while it writes (about 15 s for 100,000 new rows).  A job whose process stops (kill, crash)
 * stays in its last status with nothing of a mode-"all" import written;
 * the next import marks unfinished jobs older than 6 hours failed with
 * the code "interrupted".
 */
#include "service.h"
#include "xlsx.h"

#include "auth/auth.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IMPORT_MAX_ERRORS  10000      /* listed in the report; error_rows stays exact */
#define IMPORT_MAX_CHANGES 100        /* listed in the report */
#define IMPORT_MAX_ROWS    1000000
#define IMPORT_BATCH       1000       /* rows per transaction in mode "good"; progress step */
#define IMPORT_MAX_JOBS    4          /* running jobs per process (each holds its file in memory) */
#define IMPORT_STALE_SEC   21600      /* an unfinished job this old was interrupted (its process stopped) */

/* ---- fields and headers ---- */

enum fld { F_CODE, F_NAME, F_STREET, F_INDUSTRY, F_KEY, F_OFFICER, F_DEPT, F_CONTACT, F_PHONE,
           F_EMPLOYEES, F_CAPITAL, F_LAND, F_FOUNDED, F_NOTE, NF, F_SKIP = 100 };
enum { V_NAME = 0, V_ID = 1 };

/* The English name of each field, as in the API and in error reports. */
static const char *const field_names[NF] = {
	"credit_code", "name", "street", "industry", "key", "officer", "department", "contact_name",
	"contact_phone", "employees", "registered_capital", "land_mu", "founded_on", "credit_code_note",
};

/* Header spellings, compared after folding full-width ASCII, dropping
 * spaces and lower-casing ASCII. */
static const struct hdr {
	const char *label;
	int field, variant;
} headers[] = {
	{ "credit_code", F_CODE, 0 },        { "统一社会信用代码", F_CODE, 0 },
	{ "name", F_NAME, 0 },               { "企业名称", F_NAME, 0 },
	{ "street", F_STREET, V_NAME },      { "所属街道", F_STREET, V_NAME },
	{ "street_id", F_STREET, V_ID },
	{ "industry", F_INDUSTRY, 0 },       { "industry_code", F_INDUSTRY, 0 },   { "行业代码", F_INDUSTRY, 0 },
	{ "key", F_KEY, 0 },                 { "is_key", F_KEY, 0 },
	{ "重点企业", F_KEY, 0 },            { "重点企业(是/否)", F_KEY, 0 },
	{ "officer", F_OFFICER, V_NAME },    { "首席服务员", F_OFFICER, V_NAME },
	{ "officer_id", F_OFFICER, V_ID },
	{ "department", F_DEPT, V_NAME },    { "挂钩部门", F_DEPT, V_NAME },
	{ "department_id", F_DEPT, V_ID },
	{ "contact_name", F_CONTACT, 0 },    { "联系人", F_CONTACT, 0 },
	{ "contact_phone", F_PHONE, 0 },     { "联系电话", F_PHONE, 0 },
	{ "employees", F_EMPLOYEES, 0 },     { "员工人数", F_EMPLOYEES, 0 },
	{ "registered_capital", F_CAPITAL, 0 }, { "registered_capital_wan", F_CAPITAL, 0 },
	{ "注册资本(万元)", F_CAPITAL, 0 },
	{ "land_mu", F_LAND, 0 },            { "用地面积(亩)", F_LAND, 0 },
	{ "founded_on", F_FOUNDED, 0 },      { "成立日期", F_FOUNDED, 0 },
	{ "credit_code_note", F_NOTE, 0 },   { "信用代码说明", F_NOTE, 0 },
	/* informational columns, read and ignored */
	{ "industry_name", F_SKIP, 0 },      { "行业名称", F_SKIP, 0 },
};
#define NHEADERS ((int)(sizeof headers / sizeof headers[0]))

/* ---- small text helpers (fields are normalised only after parsing) ---- */


/* A trimmed copy in a; a leading ' that an export put before a
 * formula-like text is removed first. */
static char *clean(arena_t *a, const char *s)
{
	if (s == NULL)
		return arena_strdup(a, "");
	if (s[0] == '\'' && cell_is_formula_like(s + 1))
		s++;
	const unsigned char *p = (const unsigned char *)s;
	size_t n;
	while ((n = text_space_len(p)) > 0)
		p += n;
	const unsigned char *end = p + strlen((const char *)p), *last = p;
	for (const unsigned char *q = p; q < end;) {
		n = text_space_len(q);
		if (n == 0) {
			/* advance one UTF-8 character */
			q++;
			while (q < end && (*q & 0xC0) == 0x80)
				q++;
			last = q;
		} else
			q += n;
	}
	return arena_strndup(a, (const char *)p, (size_t)(last - p));
}


/* Header normal form: full-width folded, spaces, '_' and '-' dropped, ASCII
 * lower case ("Credit Code" is credit_code). */
static void header_key(const char *in, char *out, size_t outlen)
{
	char tmp[256];
	snprintf(tmp, sizeof tmp, "%s", in ? in : "");
	text_fold_fullwidth(tmp);
	size_t j = 0;
	for (const char *p = tmp; *p && j + 1 < outlen; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '_' || *p == '-')
			continue;
		out[j++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
	}
	out[j] = '\0';
	/* a UTF-8 BOM left on the first header */
	if (strncmp(out, "\xEF\xBB\xBF", 3) == 0)
		memmove(out, out + 3, strlen(out + 3) + 1);
}

/* ---- a string → int64 hash map (credit codes) ---- */

struct smap {
	const char **keys;
	int64_t *vals;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int smap_grow(struct smap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	const char **keys = calloc(cap, sizeof *keys);
	int64_t *vals = calloc(cap, sizeof *vals);
	if (keys == NULL || vals == NULL) {
		free(keys);
		free(vals);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			size_t j = hash_str(m->keys[i]) & (cap - 1);
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = m->keys[i];
			vals[j] = m->vals[i];
		}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

/* Value of key, or 0 when absent. */
static int64_t smap_get(const struct smap *m, const char *key)
{
	if (m->cap == 0)
		return 0;
	for (size_t j = hash_str(key) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1))
		if (strcmp(m->keys[j], key) == 0)
			return m->vals[j];
	return 0;
}

/* key must outlive the map (arena). */
static int smap_put(struct smap *m, const char *key, int64_t val)
{
	if ((m->n + 1) * 2 > m->cap && smap_grow(m) < 0)
		return -1;
	size_t j = hash_str(key) & (m->cap - 1);
	while (m->keys[j] && strcmp(m->keys[j], key) != 0)
		j = (j + 1) & (m->cap - 1);
	if (m->keys[j] == NULL)
		m->n++;
	m->keys[j] = key;
	m->vals[j] = val;
	return 0;
}

static void smap_free(struct smap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

/* ---- reference lists ---- */

struct ref {
	int64_t id;
	const char *name, *alt;    /* street/department: name, name_en; officer: username, display_name */
};
struct refs {
	struct ref *v;
	size_t n;
};

static int load_refs(db_t *db, arena_t *a, const char *sql, struct refs *out)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return DB_ERR;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct ref *v = arena_alloc(a, cap * sizeof *v);
			if (out->n)
				memcpy(v, out->v, out->n * sizeof *v);
			out->v = v;
		}
		out->v[out->n].id = db_col_int(st, 0);
		out->v[out->n].name = arena_strdup(a, db_col_text(st, 1));
		out->v[out->n].alt = arena_strdup(a, db_col_text(st, 2));
		out->n++;
	}
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

static const struct ref *ref_by_id(const struct refs *r, int64_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].id == id)
			return &r->v[i];
	return NULL;
}

/* By name, then by the alternative name (case-insensitive for ASCII);
 * *ambiguous when the alternative name matches several. */
static const struct ref *ref_by_name(const struct refs *r, const char *s, int *ambiguous)
{
	*ambiguous = 0;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, s) == 0)
			return &r->v[i];
	const struct ref *hit = NULL;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].alt[0] && strcasecmp(r->v[i].alt, s) == 0) {
			if (hit) {
				*ambiguous = 1;
				return NULL;
			}
			hit = &r->v[i];
		}
	return hit;
}

/* ---- the import ---- */

struct import_opts {
	const char *format;        /* "csv", "xlsx" or NULL: from the content */
	int mode_good;             /* 0: all-or-nothing */
	int dry_run;
	int is_admin;              /* may accept checksum-failing codes with a note */
	const user_t *actor;       /* NULL: the command line */
	const char *filename;
	/* progress: phase is "validating" or "writing" */
	void (*progress)(void *ud, const char *phase, int64_t done, int64_t total, int64_t created,
	                 int64_t updated, int64_t error_rows);
	/* each bad row as it is found (the CLI prints them) */
	void (*on_error)(void *ud, int64_t line, const char *field, const char *code, const char *message);
	void *ud;
};

struct import_result {
	int fatal;                 /* the file could not be read or the database failed */
	int64_t total_rows, processed_rows, created, updated, error_rows;
	int written;               /* rows were written */
	json_t *report;            /* owned by the caller */
};

struct row {
	int64_t line;
	char *v[NF];
	int extra;                 /* non-empty cells beyond the header */
};

struct imp {
	arena_t *a;
	db_t *db;
	const struct import_opts *o;
	int is_xlsx, date1904;
	/* header */
	int have_header;
	int ncols;
	int *colfield;             /* field of each column, -1 unmapped */
	int present[NF];           /* the field has a column */
	int variant[NF];
	/* rows */
	struct row *rows;
	size_t nrows, caprows;
	err_t ferr;
	int fatal;
	/* references */
	struct refs streets, depts, officers;
	struct smap existing, seen;
	/* results */
	json_t *errors, *changes;
	int64_t nerrors, error_rows, created, updated;
};

static int set_fatal(struct imp *m, int64_t line, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int set_fatal(struct imp *m, int64_t line, const char *code, const char *fmt, ...)
{
	m->fatal = 1;
	m->ferr.line = line;
	m->ferr.code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->ferr.message, sizeof m->ferr.message, fmt, ap);
	va_end(ap);
	return 1;
}

static int on_header(struct imp *m, int64_t line, int n, char **cells)
{
	m->ncols = n;
	m->colfield = arena_alloc(m->a, (size_t)(n > 0 ? n : 1) * sizeof *m->colfield);
	buf_t unknown;
	buf_init(&unknown);
	int nunknown = 0, industry_plain = -1, industry_code = -1;
	for (int i = 0; i < n; i++) {
		char key[256];
		header_key(cells[i], key, sizeof key);
		m->colfield[i] = -1;
		if (key[0] == '\0')
			continue;   /* an empty header: the column is ignored */
		int k;
		for (k = 0; k < NHEADERS; k++) {
			char want[256];
			header_key(headers[k].label, want, sizeof want);
			if (strcmp(key, want) == 0)
				break;
		}
		if (k == NHEADERS) {
			char *c = clean(m->a, cells[i]);
			buf_printf(&unknown, "%s\"%s\"", nunknown++ ? ", " : "", c);
			continue;
		}
		int f = headers[k].field;
		if (f == F_INDUSTRY && strcmp(key, "industry") == 0)
			industry_plain = i;
		if (f == F_INDUSTRY && strcmp(key, "industrycode") == 0)
			industry_code = i;
		m->colfield[i] = f;
		if (f == F_SKIP)
			continue;
		if (m->present[f] && !(f == F_INDUSTRY && industry_plain >= 0 && industry_code >= 0)) {
			buf_free(&unknown);
			return set_fatal(m, line, "duplicate_header", "两列都是%s / two columns give %s", field_names[f],
			                 field_names[f]);
		}
		m->present[f] = 1;
		m->variant[f] = headers[k].variant;
	}
	/* industry_code with industry: the latter is the class's name (as the
	 * benchmark generator writes it), read and ignored. */
	if (industry_plain >= 0 && industry_code >= 0)
		m->colfield[industry_plain] = F_SKIP;
	if (nunknown) {
		set_fatal(m, line, "unknown_header",
		          "未知的列 %s；列名用英文字段名或中文标签（统一社会信用代码、企业名称、所属街道…）/ unknown column%s %s;"
		          " use the English field names (credit_code, name, street, industry, key, officer, department,"
		          " contact_name, contact_phone, employees, registered_capital, land_mu, founded_on) or their Chinese labels",
		          unknown.data, nunknown > 1 ? "s" : "", unknown.data);
		buf_free(&unknown);
		return 1;
	}
	buf_free(&unknown);
	if (!m->present[F_CODE] || !m->present[F_NAME])
		return set_fatal(m, line, "missing_header", "表头须有“统一社会信用代码”和“企业名称”两列 / the header needs the columns"
		                 " credit_code (统一社会信用代码) and name (企业名称)");
	m->have_header = 1;
	return 0;
}

static int blank(const char *s)
{
	if (s == NULL)
		return 1;
	const unsigned char *p = (const unsigned char *)s;
	size_t n;
	while ((n = text_space_len(p)) > 0)
		p += n;
	return *p == '\0';
}

static int on_row(void *ud, int64_t line, int n, char **cells)
{
	struct imp *m = ud;
	int empty = 1;
	for (int i = 0; i < n && empty; i++)
		empty = blank(cells[i]);
	if (empty)
		return 0;
	if (!m->have_header)
		return on_header(m, line, n, cells);
	if (m->nrows >= IMPORT_MAX_ROWS)
		return set_fatal(m, line, "too_many_rows", "超过%d行，请分成几个文件 / more than %d rows: split the file", IMPORT_MAX_ROWS,
		                 IMPORT_MAX_ROWS);
	if (m->nrows == m->caprows) {
		size_t cap = m->caprows ? m->caprows * 2 : 1024;
		struct row *v = realloc(m->rows, cap * sizeof *v);
		if (v == NULL)
			return set_fatal(m, line, "too_large", "out of memory");
		m->rows = v;
		m->caprows = cap;
	}
	struct row *rw = &m->rows[m->nrows++];
	memset(rw, 0, sizeof *rw);
	rw->line = line;
	for (int i = 0; i < n; i++) {
		if (i >= m->ncols) {
			if (!blank(cells[i]))
				rw->extra = 1;
			continue;
		}
		int f = m->colfield[i];
		if (f >= 0 && f < NF && cells[i])
			rw->v[f] = arena_strdup(m->a, cells[i]);
	}
	return 0;
}

static void add_error(struct imp *m, int64_t line, const char *field, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void add_error(struct imp *m, int64_t line, const char *field, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (m->o->on_error)
		m->o->on_error(m->o->ud, line, field, code, msg);
	if (m->nerrors < IMPORT_MAX_ERRORS)
		json_array_append_new(m->errors, json_pack("{sI ss? ss ss}", "line", (json_int_t)line, "field", field,
		                                           "code", code, "message", msg));
	m->nerrors++;
}

/* ---- cell parsers: 0 ok, -1 after add_error ---- */

/* Digits with optional thousands separators, an optional fraction and an
 * optional exponent: the separators removed into out.  Returns 1 when it
 * is such a number. */
static int plain_number(const char *s, char *out, size_t outlen)
{
	size_t j = 0, digits = 0, group = 0;
	int commas = 0, dot = 0;
	const char *p = s;
	if (*p == '-' || *p == '+') {
		if (j + 1 >= outlen)
			return 0;
		out[j++] = *p++;
	}
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			digits++;
			if (!dot)
				group++;
		} else if (*p == ',' && !dot) {
			if ((commas == 0 && (group < 1 || group > 3)) || (commas > 0 && group != 3))
				return 0;
			commas++;
			group = 0;
			continue;
		} else if (*p == '.' && !dot) {
			if (commas && group != 3)
				return 0;
			dot = 1;
		} else if ((*p == 'e' || *p == 'E') && digits && !commas) {
			/* 1.5E+3 as a spreadsheet writes large numbers */
			const char *q = p + 1;
			if (*q == '+' || *q == '-')
				q++;
			if (*q < '0' || *q > '9' || strspn(q, "0123456789") != strlen(q) || j + strlen(p) + 1 > outlen)
				return 0;
			memcpy(out + j, p, strlen(p) + 1);
			return 1;
		} else
			return 0;
		if (j + 1 >= outlen)
			return 0;
		out[j++] = *p;
	}
	if (commas && !dot && group != 3)
		return 0;
	out[j] = '\0';
	return digits > 0;
}

static int parse_count(struct imp *m, int64_t line, enum fld f, const char *s, int64_t *out, const char *unit)
{
	char num[64];
	if (!plain_number(s, num, sizeof num)) {
		add_error(m, line, field_names[f], "invalid_number", "“%s”不是数字 / \"%s\" is not a number", s, s);
		return -1;
	}
	errno = 0;
	char *end;
	double d = strtod(num, &end);
	if (errno || *end || !isfinite(d) || d < 0 || d > 9007199254740991.0) {
		add_error(m, line, field_names[f], "out_of_range", "%s 超出范围 / %s is out of range", s, s);
		return -1;
	}
	if (d != floor(d)) {
		add_error(m, line, field_names[f], "invalid_number", "%s 应为整数%s / %s must be a whole number%s", s, unit[0] ? "（万元）" : "", s, unit);
		return -1;
	}
	*out = (int64_t)d;
	return 0;
}

static int parse_land(struct imp *m, int64_t line, const char *s, double *out)
{
	char num[64];
	errno = 0;
	char *end;
	double d = plain_number(s, num, sizeof num) ? strtod(num, &end) : NAN;
	if (isnan(d) || errno || *end) {
		add_error(m, line, "land_mu", "invalid_number", "“%s”不是数字 / \"%s\" is not a number", s, s);
		return -1;
	}
	if (!isfinite(d) || d < 0 || d > 1e9) {
		add_error(m, line, "land_mu", "out_of_range", "%s 超出范围 / %s is out of range", s, s);
		return -1;
	}
	*out = d;
	return 0;
}

static int parse_key(struct imp *m, int64_t line, const char *s, int *out)
{
	static const char *const yes[] = { "1", "是", "y", "yes", "true", "√", "✓", "重点", NULL };
	static const char *const no[] = { "0", "否", "n", "no", "false", "×", "", NULL };
	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	add_error(m, line, "key", "invalid_bool", "“%s”应为“是”或“否” / \"%s\" is not 是/否 (yes/no, 1/0)", s, s);
	return -1;
}

/* YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日, YYYYMMDD, an ISO date-time,
 * or (XLSX) a serial day number → "YYYY-MM-DD" in out[11]. */
static int parse_date(struct imp *m, int64_t line, const char *s, char out[DATE_LEN])
{
	int64_t d;
	size_t n = strlen(s);
	int rc = date_parse_loose(s, &d);
	if (rc != DATE_OK && m->is_xlsx && n > 0 && n < 16 && strspn(s, "0123456789.") == n)
		rc = date_from_serial(strtod(s, NULL), m->date1904, &d);
	if (rc != DATE_OK) {
		add_error(m, line, "founded_on", "invalid_date", "“%s”不是日期（YYYY-MM-DD）/ \"%s\" is not a date (YYYY-MM-DD)", s, s);
		return -1;
	}
	date_format(d, out);
	return 0;
}

static int parse_id(const char *s, int64_t *out)
{
	if (*s == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 15)
		return -1;
	*out = strtoll(s, NULL, 10);
	return 0;
}

static int resolve(struct imp *m, int64_t line, enum fld f, const struct refs *refs, const char *s, int64_t *id,
                   const char **name)
{
	const char *what = f == F_STREET ? "street" : f == F_DEPT ? "department" : "officer";
	const char *cn = f == F_STREET ? "街道" : f == F_DEPT ? "部门" : "首席服务员";
	const char *unknown_code = f == F_OFFICER ? "unknown_officer" : f == F_DEPT ? "unknown_department" : "unknown_street";
	const struct ref *hit = NULL;
	*id = 0;
	*name = NULL;
	if (*s == '\0')
		return 0;   /* cleared */
	if (m->variant[f] == V_ID) {
		int64_t v;
		char tmp[32];
		snprintf(tmp, sizeof tmp, "%s", s);
		text_fold_fullwidth(tmp);
		if (parse_id(tmp, &v) < 0 || (hit = ref_by_id(refs, v)) == NULL) {
			add_error(m, line, arena_printf(m->a, "%s_id", what), unknown_code,
			          "没有编号为 %s 的%s / no %s with id %s", s, cn, what, s);
			return -1;
		}
	} else {
		int amb;
		hit = ref_by_name(refs, s, &amb);
		if (hit == NULL) {
			if (amb)
				add_error(m, line, what, unknown_code, "“%s”对应多个%s，请用%s / \"%s\" names several; use the %s", s, cn,
				          f == F_OFFICER ? "用户名" : "全称", s, f == F_OFFICER ? "username" : "full name");
			else
				add_error(m, line, what, unknown_code, "没有名为“%s”的%s / no %s named \"%s\"%s", s, cn, what, s,
				          f == F_OFFICER ? " (give the officer's username)" : "");
			return -1;
		}
	}
	*id = hit->id;
	*name = hit->name;
	return 0;
}

/* The value of field f of e as text for reports ("" when unset). */
static const char *show(struct imp *m, const struct enterprise_in *e, enum fld f)
{
	const struct ref *r;
	switch (f) {
	case F_NAME: return e->name ? e->name : "";
	case F_STREET: return (r = ref_by_id(&m->streets, e->street_id)) ? r->name : "";
	case F_INDUSTRY: return e->industry ? e->industry : "";
	case F_KEY: return e->key > 0 ? "是" : "否";
	case F_OFFICER: return (r = ref_by_id(&m->officers, e->officer_id)) ? r->name : "";
	case F_DEPT: return (r = ref_by_id(&m->depts, e->department_id)) ? r->name : "";
	case F_CONTACT: return e->contact_name ? e->contact_name : "";
	case F_PHONE: return e->contact_phone ? e->contact_phone : "";
	case F_EMPLOYEES: return arena_printf(m->a, "%lld", (long long)e->employees);
	case F_CAPITAL: return arena_printf(m->a, "%lld", (long long)e->registered_capital_wan);
	case F_LAND: return arena_printf(m->a, "%.15g", e->land_mu);
	case F_FOUNDED: return e->founded_on ? e->founded_on : "";
	default: return "";
	}
}

static const unsigned has_bit[NF] = {
	ENT_F_CODE, ENT_F_NAME, ENT_F_STREET, ENT_F_INDUSTRY, ENT_F_KEY, ENT_F_OFFICER, ENT_F_DEPT, ENT_F_CONTACT,
	ENT_F_PHONE, ENT_F_EMPLOYEES, ENT_F_CAPITAL, ENT_F_LAND, ENT_F_FOUNDED, ENT_F_NOTE,
};

/* One entry of report.changes: what the row creates, or which fields of
 * the stored enterprise it changes (from → to). */
static void add_change(struct imp *m, int64_t line, const struct enterprise_in *e, int64_t id)
{
	json_t *c = json_pack("{sI s s s s s s}", "line", (json_int_t)line, "action", id ? "update" : "create",
	                      "credit_code", e->credit_code ? e->credit_code : "", "name", e->name ? e->name : "");
	if (id) {
		json_object_set_new(c, "id", json_integer(id));
		json_t *fields = json_object();
		db_stmt_t *st = db_prepare(m->db,
			"SELECT name, street_id, industry, is_key, officer_id, department_id, contact_name, contact_phone,"
			" employees, registered_capital_wan, land_mu, founded_on FROM enterprises WHERE id = $1");
		db_bind_int(st, 1, id);
		if (db_step(st) == DB_ROW) {
			struct enterprise_in old = { 0 };
			old.name = arena_strdup(m->a, db_col_text(st, 0));
			old.street_id = db_col_int(st, 1);
			old.industry = arena_strdup(m->a, db_col_text(st, 2));
			old.key = (int)db_col_int(st, 3);
			old.officer_id = db_col_int(st, 4);
			old.department_id = db_col_int(st, 5);
			old.contact_name = arena_strdup(m->a, db_col_text(st, 6));
			old.contact_phone = arena_strdup(m->a, db_col_text(st, 7));
			old.employees = db_col_int(st, 8);
			old.registered_capital_wan = db_col_int(st, 9);
			old.land_mu = db_col_double(st, 10);
			old.founded_on = arena_strdup(m->a, db_col_text(st, 11));
			db_done(st);
			for (int f = F_NAME; f <= F_FOUNDED; f++) {
				if (!(e->has & has_bit[f]))
					continue;
				const char *from = show(m, &old, f), *to = show(m, e, f);
				if (strcmp(from, to) != 0)
					json_object_set_new(fields, field_names[f], json_pack("{s s s s}", "from", from, "to", to));
			}
		} else
			db_done(st);
		json_object_set_new(c, "fields", fields);
	}
	json_array_append_new(m->changes, c);
}

/* Check one row; fills e and returns 0 when it may be written. */
static int check_row(struct imp *m, const struct row *rw, struct enterprise_in *e, int64_t *existing_id)
{
	arena_t *a = m->a;
	int64_t line = rw->line;
	int64_t before = m->nerrors;
	memset(e, 0, sizeof *e);
	e->key = -1;
	if (rw->extra)
		add_error(m, line, NULL, "extra_fields", "这一行的字段比表头多 / the row has more fields than the header");
	char *v[NF];
	for (int f = 0; f < NF; f++)
		v[f] = m->present[f] ? clean(a, rw->v[f]) : NULL;
	/* the credit code: the duplicate check uses its normal form even when
	 * another field of the row is bad */
	char code[64] = "";
	if (v[F_CODE]) {
		const char *reason, *detail;
		if (credit_code_normalise(v[F_CODE], code, sizeof code, &reason, &detail) < 0 &&
		    strcmp(reason, "checksum") != 0) {
			snprintf(code, sizeof code, "%s", v[F_CODE]);
			text_fold_fullwidth(code);
		}
	}
	for (int f = 0; f < NF; f++) {
		char *s = v[f];
		if (s == NULL)
			continue;
		switch (f) {
		case F_CODE: e->credit_code = s; break;
		case F_NAME: e->name = s; break;
		case F_STREET: {
			const char *name;
			if (resolve(m, line, F_STREET, &m->streets, s, &e->street_id, &name) == 0)
				e->street = name;
			break;
		}
		case F_INDUSTRY: text_fold_fullwidth(s); e->industry = s; break;
		case F_KEY: text_fold_fullwidth(s); parse_key(m, line, s, &e->key); break;
		case F_OFFICER: {
			const char *name;
			resolve(m, line, F_OFFICER, &m->officers, s, &e->officer_id, &name);
			break;
		}
		case F_DEPT: {
			const char *name;
			resolve(m, line, F_DEPT, &m->depts, s, &e->department_id, &name);
			break;
		}
		case F_CONTACT: e->contact_name = s; break;
		case F_PHONE: text_fold_fullwidth(s); e->contact_phone = s; break;
		case F_EMPLOYEES:
			text_fold_fullwidth(s);
			if (*s)
				parse_count(m, line, F_EMPLOYEES, s, &e->employees, "");
			break;
		case F_CAPITAL:
			text_fold_fullwidth(s);
			if (*s)
				parse_count(m, line, F_CAPITAL, s, &e->registered_capital_wan, " of 万元");
			break;
		case F_LAND:
			text_fold_fullwidth(s);
			if (*s)
				parse_land(m, line, s, &e->land_mu);
			break;
		case F_FOUNDED: {
			text_fold_fullwidth(s);
			if (*s) {
				char *d = arena_alloc(a, 11);
				if (parse_date(m, line, s, d) == 0)
					e->founded_on = d;
			} else
				e->founded_on = s;
			break;
		}
		case F_NOTE:
			if (*s == '\0')
				continue;   /* no note given: not a change */
			e->credit_code_note = s;
			break;
		}
		e->has |= has_bit[f];
	}
	if (m->nerrors == before) {
		err_t fe;
		memset(&fe, 0, sizeof fe);
		int allow = m->o->is_admin && e->credit_code_note && *e->credit_code_note;
		if (enterprise_validate(m->db, a, e, allow, &fe) < 0)
			add_error(m, line, fe.field, fe.code ? fe.code : "invalid", "%s", fe.message[0] ? fe.message : "invalid row");
		else if (e->credit_code)
			snprintf(code, sizeof code, "%s", e->credit_code);
	}
	if (code[0]) {
		int64_t first = smap_get(&m->seen, code);
		if (first)
			add_error(m, line, "credit_code", "duplicate_in_file", "统一社会信用代码 %s 与第%lld行重复 / credit_code %s is already on line %lld", code,
			          (long long)first, code, (long long)first);
		else
			smap_put(&m->seen, arena_strdup(a, code), line);
	}
	int64_t ex = m->nerrors == before ? smap_get(&m->existing, code) : 0;
	/* a stored key enterprise keeps its officer unless the row also makes it
	 * an ordinary one */
	if (ex && (ex & 1) && (e->has & ENT_F_OFFICER) && e->officer_id <= 0 && !((e->has & ENT_F_KEY) && e->key == 0))
		add_error(m, line, "officer_id", "required",
		          "重点企业须配一名首席服务员 / a key enterprise needs its chief service officer");
	if (m->nerrors != before) {
		m->error_rows++;
		return -1;
	}
	*existing_id = ex / 2;
	return 0;
}

static void progress(struct imp *m, const char *phase, int64_t done, int64_t total)
{
	if (m->o->progress)
		m->o->progress(m->o->ud, phase, done, total, m->created, m->updated, m->error_rows);
}

static void import_free(struct imp *m)
{
	free(m->rows);
	smap_free(&m->existing);
	smap_free(&m->seen);
	json_decref(m->errors);
	json_decref(m->changes);
	arena_free(m->a);
}

static int audit_import(struct imp *m, const struct import_result *res)
{
	const struct import_opts *o = m->o;
	char detail[512];
	snprintf(detail, sizeof detail, "%s: %lld created, %lld updated, %lld bad rows (mode %s)",
	         o->filename ? o->filename : "", (long long)res->created, (long long)res->updated,
	         (long long)res->error_rows, o->mode_good ? "good" : "all");
	return audit_write(m->db, o->actor, o->actor ? "" : "cli", o->actor ? "import enterprises" : "cli import enterprises",
	                   "enterprises", NULL, 200, detail);
}

/* Write the checked rows.  Returns DB_OK or the error (fatal set). */
static int write_rows(struct imp *m, struct enterprise_in *ents, const char *ok, struct import_result *res)
{
	int64_t actor = m->o->actor ? m->o->actor->id : 0;
	int rc = DB_OK;
	size_t in_batch = 0;
	int64_t created = 0, updated = 0, done = 0, nok = 0;
	for (size_t i = 0; i < m->nrows; i++)
		nok += ok[i];
	progress(m, "writing", 0, nok);
	for (size_t i = 0; i < m->nrows && rc == DB_OK; i++) {
		if (!ok[i])
			continue;
		if (!db_in_tx(m->db) && (rc = db_begin(m->db)) != DB_OK)
			break;
		int64_t id = 0;
		int was_created = 0;
		rc = enterprise_upsert(m->db, &ents[i], actor, &id, &was_created);
		if (rc != DB_OK) {
			set_fatal(m, m->rows[i].line, "database", "数据库拒绝了这一行 / the database refused the row: %s",
			          db_errmsg(m->db));
			break;
		}
		if (was_created)
			created++;
		else
			updated++;
		done++;
		if (m->o->mode_good && ++in_batch == IMPORT_BATCH) {
			if ((rc = db_commit(m->db)) != DB_OK) {
				set_fatal(m, m->rows[i].line, "database", "committing the rows up to line %lld: %s",
				          (long long)m->rows[i].line, db_errmsg(m->db));
				break;
			}
			in_batch = 0;
			m->created = res->created = created;
			m->updated = res->updated = updated;
			res->written = 1;
		}
		if (done % IMPORT_BATCH == 0 && done < nok)
			progress(m, "writing", done, nok);
	}
	if (rc == DB_OK && db_in_tx(m->db)) {
		res->created = created;
		res->updated = updated;
		if ((rc = audit_import(m, res)) == DB_OK)
			rc = db_commit(m->db);
		if (rc != DB_OK)
			set_fatal(m, 0, "database", "committing the import: %s", db_errmsg(m->db));
	}
	if (rc != DB_OK) {
		if (db_in_tx(m->db))
			db_rollback(m->db);
		/* mode all: nothing written; mode good: the committed batches stay */
		if (!m->o->mode_good) {
			res->created = res->updated = 0;
			res->written = 0;
		}
		return rc;
	}
	res->created = created;
	res->updated = updated;
	res->written = done > 0;
	return DB_OK;
}

static int import_run(db_t *db, const void *data, size_t len, const struct import_opts *o, struct import_result *res)
{
	struct imp mm, *m = &mm;
	memset(m, 0, sizeof *m);
	memset(res, 0, sizeof *res);
	m->a = arena_new();
	m->db = db;
	m->o = o;
	m->errors = json_array();
	m->changes = json_array();
	const char *encoding = NULL;
	int is_zip = len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
	m->is_xlsx = o->format ? strcmp(o->format, "xlsx") == 0 : is_zip;
	struct enterprise_in *ents = NULL;
	char *ok = NULL;

	/* 1. read */
	int rc;
	if (len == 0) {
		set_fatal(m, 0, "empty_file", "文件是空的 / the file is empty");
	} else if (m->is_xlsx) {
		rc = xlsx_read(data, len, NULL, on_row, m, &m->date1904, &m->ferr);
		if (rc < 0)
			m->fatal = 1;
	} else if (is_zip) {
		set_fatal(m, 0, "bad_format", "文件是ZIP压缩包（XLSX？）而不是CSV / the file is a ZIP archive (XLSX?), not CSV: use format=xlsx");
	} else {
		char *text;
		size_t tlen;
		if (table_decode_text(data, len, &text, &tlen, &encoding, &m->ferr) < 0)
			m->fatal = 1;
		else {
			if (csv_read(text, tlen, csv_guess_delim(text, tlen), on_row, m, &m->ferr) < 0)
				m->fatal = 1;
			free(text);
		}
	}
	if (!m->fatal && !m->have_header)
		set_fatal(m, 0, "empty_file", "文件没有表头行 / the file has no header row");
	res->total_rows = (int64_t)m->nrows;

	/* 2. check */
	if (!m->fatal) {
		rc = load_refs(db, m->a, "SELECT id, name, name_en FROM streets ORDER BY id", &m->streets);
		if (rc == DB_OK)
			rc = load_refs(db, m->a, "SELECT id, name, name_en FROM departments ORDER BY id", &m->depts);
		if (rc == DB_OK)
			rc = load_refs(db, m->a, "SELECT id, username, display_name FROM users WHERE role = 'officer' ORDER BY id",
			               &m->officers);
		if (rc == DB_OK) {
			/* code → id * 2 + is_key */
			db_stmt_t *st = db_prepare(db, "SELECT credit_code, id, is_key FROM enterprises");
			while ((rc = db_step(st)) == DB_ROW)
				smap_put(&m->existing, arena_strdup(m->a, db_col_text(st, 0)),
				         db_col_int(st, 1) * 2 + (db_col_int(st, 2) != 0));
			db_done(st);
			rc = rc == DB_DONE ? DB_OK : rc;
		}
		if (rc != DB_OK)
			set_fatal(m, 0, "database", "reading the reference lists: %s", db_errmsg(db));
	}
	if (!m->fatal) {
		ents = calloc(m->nrows ? m->nrows : 1, sizeof *ents);
		ok = calloc(m->nrows ? m->nrows : 1, 1);
		if (ents == NULL || ok == NULL)
			set_fatal(m, 0, "too_large", "out of memory");
	}
	int64_t would_create = 0, would_update = 0;
	if (!m->fatal) {
		progress(m, "validating", 0, (int64_t)m->nrows);
		for (size_t i = 0; i < m->nrows; i++) {
			int64_t id = 0;
			if (check_row(m, &m->rows[i], &ents[i], &id) == 0) {
				ok[i] = 1;
				if (id)
					would_update++;
				else
					would_create++;
				if (json_array_size(m->changes) < IMPORT_MAX_CHANGES)
					add_change(m, m->rows[i].line, &ents[i], id);
				/* a later row with the same code is refused, so this one
				 * decides create or update for the rest of the file */
			}
			res->processed_rows = (int64_t)i + 1;
			if ((i + 1) % IMPORT_BATCH == 0 && i + 1 < m->nrows)
				progress(m, "validating", (int64_t)i + 1, (int64_t)m->nrows);
		}
		progress(m, "validating", (int64_t)m->nrows, (int64_t)m->nrows);
	}

	/* 3. write */
	res->error_rows = m->error_rows;
	if (!m->fatal) {
		if (o->dry_run) {
			res->created = would_create;
			res->updated = would_update;
		} else if ((o->mode_good || m->error_rows == 0) && would_create + would_update > 0)
			write_rows(m, ents, ok, res);
	}

	/* the report */
	res->fatal = m->fatal;
	json_t *rep = json_object();
	json_object_set_new(rep, "format", json_string(m->is_xlsx ? "xlsx" : "csv"));
	if (encoding)
		json_object_set_new(rep, "encoding", json_string(encoding));
	json_object_set_new(rep, "mode", json_string(o->mode_good ? "good" : "all"));
	json_object_set_new(rep, "dry_run", json_boolean(o->dry_run));
	json_object_set_new(rep, "total_rows", json_integer(res->total_rows));
	json_object_set_new(rep, "created", json_integer(res->created));
	json_object_set_new(rep, "updated", json_integer(res->updated));
	json_object_set_new(rep, "error_rows", json_integer(res->error_rows));
	json_object_set_new(rep, "written", json_boolean(res->written));
	if (m->fatal) {
		json_t *fe = json_pack("{s o s n s s s s}", "line", m->ferr.line ? json_integer(m->ferr.line) : json_null(),
		                       "field", "code", m->ferr.code ? m->ferr.code : "bad_file", "message", m->ferr.message);
		json_object_set_new(rep, "fatal", fe);
		/* listed with the row errors too, so a client reading only errors sees it */
		json_array_insert(m->errors, 0, fe);
	}
	json_object_set(rep, "errors", m->errors);
	json_object_set_new(rep, "errors_truncated", json_boolean(m->nerrors > IMPORT_MAX_ERRORS));
	json_object_set(rep, "changes", m->changes);
	json_object_set_new(rep, "changes_truncated",
	                    json_boolean(would_create + would_update > (int64_t)json_array_size(m->changes)));
	res->report = rep;
	free(ents);
	free(ok);
	import_free(m);
	return res->fatal ? -1 : 0;
}

/* ---- the job: API ---- */

struct job {
	int64_t id;
	char *url;
	char *data;
	size_t len;
	char *format, *filename;
	int mode_good, dry_run;
	user_t user;
	char *username, *role;
};

static atomic_int running_jobs;

static void job_free(struct job *j)
{
	free(j->url);
	free(j->data);
	free(j->format);
	free(j->filename);
	free(j->username);
	free(j->role);
	free(j);
}

static int job_update_progress(db_t *db, int64_t id, const char *status, int64_t done, int64_t total,
                               int64_t created, int64_t updated, int64_t error_rows)
{
	db_stmt_t *st = db_prepare(db,
		"UPDATE import_jobs SET status = $2, processed_rows = $3, total_rows = $4, created_rows = $5,"
		" updated_rows = $6, error_rows = $7, finished_at = NULL WHERE id = $1");
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, status);
	db_bind_int(st, 3, done);
	db_bind_int(st, 4, total);
	db_bind_int(st, 5, created);
	db_bind_int(st, 6, updated);
	db_bind_int(st, 7, error_rows);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

struct job_ctx {
	struct job *j;
	db_t *db;
	int64_t total, done;
};

static void job_progress(void *ud, const char *phase, int64_t done, int64_t total, int64_t created,
                         int64_t updated, int64_t error_rows)
{
	struct job_ctx *c = ud;
	/* inside the one transaction of a mode-"all" import the row would be
	 * invisible until the end: the job shows "writing" meanwhile */
	if (db_in_tx(c->db))
		return;
	if (strcmp(phase, "validating") == 0) {
		c->total = total;
		c->done = done;
	}
	/* processed_rows counts checked rows; while writing it stays at total */
	job_update_progress(c->db, c->j->id, phase, c->done, c->total, created, updated, error_rows);
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	char *err = NULL;
	db_t *db = db_open(j->url, &err);
	if (db == NULL) {
		fprintf(stderr, "zoneops: import job %lld: cannot open the database: %s\n", (long long)j->id, err ? err : "?");
		free(err);
		goto out;
	}
	/* The job row commits with the request that created it: wait for it
	 * (it never comes when that request was rolled back). */
	int seen = 0;
	for (int tries = 0; tries < 600 && !seen; tries++) {
		db_stmt_t *st = db_prepare(db, "SELECT status FROM import_jobs WHERE id = $1");
		db_bind_int(st, 1, j->id);
		seen = db_step(st) == DB_ROW;
		db_done(st);
		if (!seen) {
			struct timespec ts = { 0, 50 * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	if (!seen)
		goto out;
	job_update_progress(db, j->id, "reading", 0, 0, 0, 0, 0);
	struct job_ctx ctx = { .j = j, .db = db };
	j->user.username = j->username;
	j->user.role = j->role;
	struct import_opts o = {
		.format = j->format, .mode_good = j->mode_good, .dry_run = j->dry_run,
		.is_admin = j->user.role_bit == ROLE_ADMIN, .actor = &j->user, .filename = j->filename,
		.progress = job_progress, .ud = &ctx,
	};
	struct import_result res;
	import_run(db, j->data, j->len, &o, &res);
	free(j->data);
	j->data = NULL;
	char *report = json_dumps(res.report, JSON_COMPACT);
	json_decref(res.report);
	for (int tries = 0; tries < 20; tries++) {
		db_stmt_t *st = db_prepare(db,
			"UPDATE import_jobs SET status = $2, total_rows = $3, processed_rows = $4, created_rows = $5,"
			" updated_rows = $6, error_rows = $7, report = $8, finished_at = $9 WHERE id = $1");
		db_bind_int(st, 1, j->id);
		db_bind_text(st, 2, res.fatal ? "failed" : "done");
		db_bind_int(st, 3, res.total_rows);
		db_bind_int(st, 4, res.processed_rows);
		db_bind_int(st, 5, res.created);
		db_bind_int(st, 6, res.updated);
		db_bind_int(st, 7, res.error_rows);
		db_bind_text(st, 8, report ? report : "{}");
		db_bind_int(st, 9, now_sec());
		int rc = db_step(st);
		db_done(st);
		if (rc == DB_DONE)
			break;
		fprintf(stderr, "zoneops: import job %lld: saving the result: %s\n", (long long)j->id, db_errmsg(db));
		sleep(1);
	}
	free(report);
out:
	db_close(db);
	job_free(j);
	atomic_fetch_sub(&running_jobs, 1);
	return NULL;
}

void api_enterprises_import(req_t *r)
{
	const char *format = req_query(r, "format");
	const char *mode = req_query(r, "mode");
	const char *filename = req_query(r, "filename");
	int64_t dry;
	if (req_query_bool(r, "dry_run", &dry) < 0)
		return;
	if (format && *format == '\0')
		format = NULL;
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0) {
		reply_error(r, 422, "invalid_parameter", "format", "format is csv or xlsx");
		return;
	}
	if (mode && *mode && strcmp(mode, "all") != 0 && strcmp(mode, "good") != 0) {
		reply_error(r, 422, "invalid_parameter", "mode", "mode is all (write nothing when a row is bad) or good (write the good rows)");
		return;
	}
	if (filename == NULL || *filename == '\0')
		filename = "upload";
	if (strlen(filename) > 255 || has_ctl(filename)) {
		reply_error(r, 422, "invalid_parameter", "filename", "the file name is too long or has control characters");
		return;
	}
	if (format == NULL) {
		size_t n = strlen(filename);
		if (n > 5 && strcasecmp(filename + n - 5, ".xlsx") == 0)
			format = "xlsx";
		else if (n > 4 && strcasecmp(filename + n - 4, ".csv") == 0)
			format = "csv";
	}
	if (r->body_len == 0) {
		reply_error(r, 422, "empty_file", "file", "the request body (the file) is empty");
		return;
	}
	if (atomic_fetch_add(&running_jobs, 1) >= IMPORT_MAX_JOBS) {
		atomic_fetch_sub(&running_jobs, 1);
		reply_header(r, "Retry-After", "10");
		reply_error(r, 503, "busy", NULL, "%d imports are running; try again shortly", IMPORT_MAX_JOBS);
		return;
	}
	int good = mode && strcmp(mode, "good") == 0;
	/* jobs whose process stopped long ago (kill, crash, restart) */
	db_stmt_t *st = db_prepare(r->db,
		"UPDATE import_jobs SET status = 'failed', finished_at = $1, report = '{\"fatal\":{\"code\":\"interrupted\","
		"\"message\":\"the server stopped during the import\",\"line\":null,\"field\":null},\"errors\":[]}'"
		" WHERE status NOT IN ('done', 'failed') AND created_at < $2");
	db_bind_int(st, 1, now_sec());
	db_bind_int(st, 2, now_sec() - IMPORT_STALE_SEC);
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE) {
		atomic_fetch_sub(&running_jobs, 1);
		reply_db_error(r, rc, "tidying import jobs");
		return;
	}
	st = db_prepare(r->db,
		"INSERT INTO import_jobs (kind, user_id, filename, format, mode, dry_run, status, created_at)"
		" VALUES ('enterprises', $1, $2, $3, $4, $5, 'queued', $6) RETURNING id");
	db_bind_int(st, 1, r->user->id);
	db_bind_text(st, 2, filename);
	db_bind_text(st, 3, format ? format : (r->body_len >= 4 && memcmp(r->body, "PK\x03\x04", 4) == 0 ? "xlsx" : "csv"));
	db_bind_text(st, 4, good ? "good" : "all");
	db_bind_int(st, 5, dry > 0);
	db_bind_int(st, 6, now_sec());
	rc = db_step(st);
	int64_t id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (id == 0) {
		atomic_fetch_sub(&running_jobs, 1);
		reply_db_error(r, rc == DB_ROW ? DB_ERR : rc, "creating the import job");
		return;
	}
	struct job *j = calloc(1, sizeof *j);
	if (j) {
		j->id = id;
		j->url = strdup(db_global_url());
		j->data = malloc(r->body_len);
		j->len = r->body_len;
		j->format = format ? strdup(format) : NULL;
		j->filename = strdup(filename);
		j->mode_good = good;
		j->dry_run = dry > 0;
		j->user = *r->user;
		j->username = strdup(r->user->username ? r->user->username : "");
		j->role = strdup(r->user->role ? r->user->role : "");
		j->user.display_name = NULL;
	}
	if (j == NULL || j->url == NULL || j->data == NULL || j->filename == NULL || j->username == NULL ||
	    j->role == NULL || (format && j->format == NULL)) {
		if (j)
			job_free(j);
		atomic_fetch_sub(&running_jobs, 1);
		reply_error(r, 503, "busy", NULL, "not enough memory for the import; try again later");
		return;
	}
	memcpy(j->data, r->body, r->body_len);
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, job_main, j) != 0) {
		pthread_attr_destroy(&attr);
		job_free(j);
		atomic_fetch_sub(&running_jobs, 1);
		reply_error(r, 503, "busy", NULL, "cannot start the import; try again later");
		return;
	}
	pthread_attr_destroy(&attr);
	r->audit_action = "import enterprises";
	r->audit_entity = "import_jobs";
	r->audit_detail = arena_printf(r->arena, "%s (%zu bytes, mode %s%s)", filename, r->body_len, good ? "good" : "all",
	                               dry > 0 ? ", dry run" : "");
	reply_json(r, 202, json_pack("{sI s s s s s s s s s b sI sI}", "id", (json_int_t)id, "status", "queued",
	                             "url", arena_printf(r->arena, "/api/v1/imports/%lld", (long long)id),
	                             "filename", filename, "mode", good ? "good" : "all", "dry_run", dry > 0,
	                             "total_rows", (json_int_t)0, "processed_rows", (json_int_t)0));
}

void api_import_get(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	db_stmt_t *st = db_prepare(r->db,
		"SELECT id, kind, user_id, filename, format, mode, dry_run, status, total_rows, processed_rows,"
		" created_rows, updated_rows, error_rows, created_at, finished_at, report FROM import_jobs WHERE id = $1");
	db_bind_int(st, 1, id);
	json_t *o = NULL;
	char *report = NULL;
	int64_t owner = 0;
	if (id && db_step(st) == DB_ROW) {
		o = row_json(st, "isisssbsiiiiiii");
		json_object_del(o, "report");
		owner = db_col_int(st, 2);
		report = strdup(db_col_text(st, 15));
	}
	db_done(st);
	if (o == NULL || (r->user->role_bit != ROLE_ADMIN && owner != r->user->id)) {
		json_decref(o);
		free(report);
		reply_error(r, 404, "not_found", "id", "no such import");
		return;
	}
	json_t *rep = report && *report ? json_loads(report, 0, NULL) : NULL;
	free(report);
	json_object_set_new(o, "report", rep ? rep : json_null());
	reply_json(r, 200, o);
}

/* ---- CLI ---- */

struct cli_ctx {
	int64_t last;
	const char *phase;
};

static void cli_progress(void *ud, const char *phase, int64_t done, int64_t total, int64_t created,
                         int64_t updated, int64_t error_rows)
{
	struct cli_ctx *c = ud;
	(void)created, (void)updated;
	if (total < 10000)
		return;
	if (c->phase != phase) {
		c->phase = phase;
		c->last = -1;
	}
	if (done == 0 || done == total || done - c->last >= 10000) {
		if (strcmp(phase, "validating") == 0)
			fprintf(stderr, "checked %lld of %lld rows (%lld bad)\n", (long long)done, (long long)total,
			        (long long)error_rows);
		else
			fprintf(stderr, "written %lld of %lld rows\n", (long long)done, (long long)total);
		c->last = done;
	}
}

static void cli_error(void *ud, int64_t line, const char *field, const char *code, const char *message)
{
	(void)ud, (void)code;
	fprintf(stderr, "line %lld: %s: %s\n", (long long)line, field ? field : "row", message);
}

static int cli_usage(void)
{
	fprintf(stderr, "usage: zoneops import enterprises FILE [--dry-run] [--mode all|good] [--format csv|xlsx]\n");
	return 2;
}


int cli_import(int argc, char **argv, db_t *db)
{
	const char *file = NULL, *format = NULL, *mode = "all";
	int dry = 0;
	/* argv[0] is the subcommand ("enterprises") as main.c passes it on */
	int i0 = argc > 0 && strcmp(argv[0], "enterprises") == 0;
	for (int i = i0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--dry-run") == 0)
			dry = 1;
		else if (strcmp(a, "--mode") == 0 && i + 1 < argc)
			mode = argv[++i];
		else if (strncmp(a, "--mode=", 7) == 0)
			mode = a + 7;
		else if (strcmp(a, "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(a, "--format=", 9) == 0)
			format = a + 9;
		else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "zoneops: unknown option %s\n", a);
			return cli_usage();
		} else if (file == NULL)
			file = a;
		else
			return cli_usage();
	}
	if (file == NULL)
		return cli_usage();
	if (strcmp(mode, "all") != 0 && strcmp(mode, "good") != 0) {
		fprintf(stderr, "zoneops: --mode is all or good\n");
		return 2;
	}
	size_t len = 0;
	char *data = NULL;
	int lrc = table_file_load(file, &format, &data, &len);
	if (lrc != 0)
		return lrc;
	struct cli_ctx ctx = { 0 };
	struct import_opts o = {
		.format = format, .mode_good = strcmp(mode, "good") == 0, .dry_run = dry, .is_admin = 1,
		.actor = NULL, .filename = file, .progress = cli_progress, .on_error = cli_error, .ud = &ctx,
	};
	struct import_result res;
	double t0 = now_mono();
	import_run(db, data, len, &o, &res);
	double secs = now_mono() - t0;
	free(data);
	json_t *fatal = json_object_get(res.report, "fatal");
	if (fatal) {
		json_t *line = json_object_get(fatal, "line");
		if (json_is_integer(line))
			fprintf(stderr, "zoneops: %s: line %lld: %s\n", file, (long long)json_integer_value(line),
			        json_string_value(json_object_get(fatal, "message")));
		else
			fprintf(stderr, "zoneops: %s: %s\n", file, json_string_value(json_object_get(fatal, "message")));
	}
	if (dry) {
		json_t *c;
		size_t i;
		json_array_foreach(json_object_get(res.report, "changes"), i, c) {
			printf("line %lld: %s %s %s", (long long)json_integer_value(json_object_get(c, "line")),
			       json_string_value(json_object_get(c, "action")),
			       json_string_value(json_object_get(c, "credit_code")),
			       json_string_value(json_object_get(c, "name")));
			const char *k;
			json_t *v;
			int first = 1;
			json_object_foreach(json_object_get(c, "fields"), k, v) {
				printf("%s%s: \"%s\" → \"%s\"", first ? ": " : ", ", k, json_string_value(json_object_get(v, "from")),
				       json_string_value(json_object_get(v, "to")));
				first = 0;
			}
			printf("\n");
		}
		if (json_is_true(json_object_get(res.report, "changes_truncated")))
			printf("(only the first %d changes are listed)\n", IMPORT_MAX_CHANGES);
	}
	if (res.fatal && res.processed_rows == 0) {
		json_decref(res.report);
		return 1;
	}
	printf("%s%lld rows: %lld %s, %lld %s, %lld bad", dry ? "dry run: " : "", (long long)res.total_rows,
	       (long long)res.created, dry ? "to create" : "created", (long long)res.updated,
	       dry ? "to update" : "updated", (long long)res.error_rows);
	if (!dry && res.error_rows && !o.mode_good)
		printf(" (mode all: nothing written)");
	else if (!dry && res.fatal && res.written)
		printf(" (stopped: the rows committed before the failure stay)");
	else if (!dry && res.fatal)
		printf(" (nothing written)");
	printf("; %.1f s", secs);
	if (res.total_rows && secs > 0)
		printf(", %.0f rows/s", (double)res.total_rows / secs);
	printf("\n");
	int rc = res.fatal || res.error_rows ? 1 : 0;
	json_decref(res.report);
	return rc;
}
