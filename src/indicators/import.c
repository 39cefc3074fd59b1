/*
 * import.c -- indicator values and annual targets from CSV or XLSX.
 *
 * What is particular to their rows; reading, the two passes, the errors by
 * line, the reply and the CLI are the import framework's (table/table.h).
 * Files:
 *
 *   values:  period,region,indicator,value   (期间, 地区, 指标, 数值)
 *   targets: year,region,indicator,value     (年份, 地区, 指标, 目标值)
 *
 * period "2021-10" is January-October 2021 cumulative; region is a name in
 * regions; indicator is a code or its Chinese name; value is a
 * non-negative decimal in 亿元 (亿美元 for fdi_utilised) with at most four
 * decimals, stored exactly as an integer in 万 (x 10000, from the digits,
 * no floating point).
 *
 * All or nothing: every row is checked first, and any bad row (each
 * reported with its line, field, code and message) writes nothing; the
 * same region, indicator and period twice is a bad row.  Values: every
 * (year, month) present in the file is replaced as a whole (its rows
 * deleted, the file's inserted).  Targets: upsert per (region, indicator,
 * year).  A dry run writes and rolls back, so its counts are those of the
 * real import.  Over HTTP the import is a background job (202; GET
 * /api/v1/imports/{id}).
 */
#include "indicators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "table/table.h"

#define MAX_ROWS 200000

/* Functions below without "static" are used by tests/unit/test_indicator_import.c. */
int indimp_amount(const char *s, int lenient, int64_t *out);
int indimp_period(const char *s, int lenient, int date1904, int *year, int *month);
int indimp_year(const char *s, int *year);
int indimp_header(const char *s, int targets);
const char *indimp_indicator(const char *s);

/* ---- cell parsers ---- */

/* Rewrite an XLSX number's text as plain decimal digits: an exponent
 * ("1E-4", "1.5E+3") is shifted out, and the noise of a binary double
 * ("5.5400000000000001", "61.799999999999997") is rounded away at the
 * fourth decimal.  Returns 0 and the plain text in out, or -1 when s is
 * not such a number. */
static int xlsx_plain(const char *s, char *out, size_t outlen)
{
	char mant[64];
	int exp10 = 0;
	size_t n = 0;
	int dot = -1;
	const char *p = s;
	for (; *p && *p != 'e' && *p != 'E'; p++) {
		if (*p == '.') {
			if (dot >= 0)
				return -1;
			dot = (int)n;
		} else if (*p >= '0' && *p <= '9') {
			if (n + 1 >= sizeof mant)
				return -1;
			mant[n++] = *p;
		} else
			return -1;
	}
	if (n == 0)
		return -1;
	if (dot < 0)
		dot = (int)n;
	if (*p) {
		p++;
		int sign = 1;
		if (*p == '+' || *p == '-')
			sign = *p++ == '-' ? -1 : 1;
		if (*p == '\0')
			return -1;
		int e = 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9' || e > 100)
				return -1;
			e = e * 10 + (*p - '0');
		}
		exp10 = sign * e;
	}
	/* digits mant[0..n) with the decimal point after position dot+exp10 */
	int point = dot + exp10;
	char digits[256];
	size_t k = 0;
	if (point <= 0) {
		if (-point > 60)
			return -1;
		digits[k++] = '0';
		digits[k++] = '.';
		for (int i = 0; i < -point; i++)
			digits[k++] = '0';
		memcpy(digits + k, mant, n);
		k += n;
	} else {
		if (point > 40)
			return -1;
		for (int i = 0; i < point; i++)
			digits[k++] = i < (int)n ? mant[i] : '0';
		if ((size_t)point < n) {
			digits[k++] = '.';
			memcpy(digits + k, mant + point, n - (size_t)point);
			k += n - (size_t)point;
		}
	}
	digits[k] = '\0';
	/* binary noise: more than 4 decimals and 15+ significant digits, with
	 * the digits after the 4th decimal a run of 0s or 9s (but the last two) */
	char *dp = strchr(digits, '.');
	if (dp && strlen(dp + 1) > 4) {
		size_t sig = 0;
		for (const char *q = digits; *q; q++)
			if (*q >= '0' && *q <= '9' && (sig || *q != '0'))
				sig++;
		const char *tail = dp + 5;
		size_t tl = strlen(tail), zeros = 0, nines = 0;
		for (size_t i = 0; i + 2 < tl; i++) {
			zeros += tail[i] == '0';
			nines += tail[i] == '9';
		}
		if (sig >= 15 && tl >= 8 && (zeros == tl - 2 || nines == tl - 2)) {
			int up = nines == tl - 2;
			dp[5] = '\0';
			if (up) {
				/* add one unit in the 4th decimal, carrying leftwards */
				char *q = dp + 4;
				for (;;) {
					if (q < digits) {
						/* all nines: prepend a 1 */
						memmove(digits + 1, digits, strlen(digits) + 1);
						digits[0] = '1';
						break;
					}
					if (*q == '.') {
						q--;
						continue;
					}
					if (*q == '9') {
						*q = '0';
						q--;
						continue;
					}
					(*q)++;
					break;
				}
			}
		}
	}
	if (strlen(digits) + 1 > outlen)
		return -1;
	strcpy(out, digits);
	return 0;
}

/* A non-negative decimal in 亿 with at most 4 decimals, as an integer in
 * 万 (x 10000), computed from the digits.  lenient (XLSX cells): exponent
 * form and binary-double noise are accepted as well.  Returns 0, or -1 when
 * s is not such a number, -2 when it is negative, -3 when it has more
 * than 4 decimals, -4 when it is too large. */
int indimp_amount(const char *s, int lenient, int64_t *out)
{
	char t[128], plain[320];
	text_trim_into(s, t, sizeof t);
	text_fold_fullwidth(t);
	const char *p = t;
	if (*p == '-' && p[1])
		return -2;
	if (*p == '+')
		p++;
	if (lenient && strpbrk(p, "eE.")) {
		if (xlsx_plain(p, plain, sizeof plain) < 0)
			return -1;
		p = plain;
	}
	int64_t ip = 0, fp = 0;
	int idig = 0, fdig = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (idig == 0 && ip == 0 && *p == '0') {  /* leading zeros */
			idig = 1;
			continue;
		}
		if (ip > 99999999999LL)   /* 12 digits of 亿 at most */
			return -4;
		ip = ip * 10 + (*p - '0');
		idig++;
	}
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (fdig == 4) {
				/* trailing zeros beyond the 4th decimal are harmless */
				const char *q = p;
				while (*q == '0')
					q++;
				if (*q >= '1' && *q <= '9')
					return -3;
				if (*q != '\0')
					return -1;
				p = q;
				break;
			}
			fp = fp * 10 + (*p - '0');
			fdig++;
		}
		if (fdig == 0 && idig == 0)
			return -1;
	}
	if (*p != '\0' || (idig == 0 && fdig == 0))
		return -1;
	for (int i = fdig; i < 4; i++)
		fp *= 10;
	*out = ip * 10000 + fp;
	return 0;
}

/* A period: "YYYY-MM" (also YYYY-M, YYYY/MM, YYYY.MM, YYYY年M月 and
 * YYYYMM).  lenient (XLSX): a whole number that is a date serial (a cell
 * typed as 2021-10 is stored as the date 2021-10-01) gives its year and
 * month.  Returns 0, -1 when it is not a period, -2 when the month is not
 * 1..12, -3 when the year is out of range. */
int indimp_period(const char *s, int lenient, int date1904, int *year, int *month)
{
	char t[64];
	text_trim_into(s, t, sizeof t);
	text_fold_fullwidth(t);
	int rc, n = (int)strspn(t, "0123456789");
	if (lenient && n == 5 && (t[n] == '\0' || t[n] == '.')) {
		int64_t d;
		rc = date_from_serial(strtod(t, NULL), date1904, &d);
		if (rc == DATE_OK)
			date_to_civil(d, year, month, NULL);
	} else {
		rc = month_parse_loose(t, year, month);
	}
	return rc == DATE_OK ? 0 : rc == DATE_INVALID ? -2 : rc == DATE_RANGE ? -3 : -1;
}

/* A year (also "2021年", and "2021.0" as an XLSX number).  0 or -1. */
int indimp_year(const char *s, int *year)
{
	char t[64];
	text_trim_into(s, t, sizeof t);
	text_fold_fullwidth(t);
	if (strspn(t, "0123456789") != 4)
		return -1;
	const char *p = t + 4;
	if (strcmp(p, "年") != 0 && strcmp(p, ".0") != 0 && *p != '\0')
		return -1;
	int y = atoi(t);
	if (date_check(y, 1, 1) != DATE_OK)
		return -1;
	*year = y;
	return 0;
}

enum { H_PERIOD = 0, H_REGION = 1, H_INDICATOR = 2, H_VALUE = 3, NH = 4 };

static const struct table_col value_cols[NH] = {
	{ "period", "期间|时期|月份|统计期", TABLE_COL_REQUIRED, 0 },
	{ "region", "地区|区域|地区名称", TABLE_COL_REQUIRED, 0 },
	{ "indicator", "指标|指标名称", TABLE_COL_REQUIRED, 0 },
	{ "value", "数值|值", TABLE_COL_REQUIRED, 0 },
};
static const struct table_col target_cols[NH] = {
	{ "year", "年份|年度|年", TABLE_COL_REQUIRED, 0 },
	{ "region", "地区|区域|地区名称", TABLE_COL_REQUIRED, 0 },
	{ "indicator", "指标|指标名称", TABLE_COL_REQUIRED, 0 },
	{ "value", "目标值|数值|值|target|目标|年度目标", TABLE_COL_REQUIRED, 0 },
};

/* The column a header names: H_PERIOD (values: period; targets: year),
 * H_REGION, H_INDICATOR, H_VALUE, or -1. */
int indimp_header(const char *s, int targets)
{
	return table_header_find(targets ? target_cols : value_cols, NH, s);
}

/* The indicator code of a code or Chinese name, or NULL. */
const char *indimp_indicator(const char *s)
{
	char t[256];
	text_trim_into(s, t, sizeof t);
	text_fold_fullwidth(t);
	for (int i = 0; i < IND_COUNT; i++)
		if (strcasecmp(t, ind_catalogue[i].code) == 0 || strcmp(t, ind_catalogue[i].name) == 0)
			return ind_catalogue[i].code;
	return NULL;
}

/* ---- the import ---- */

struct region {
	int64_t id;
	const char *name;
};


struct ind_ctx {
	int targets;
	arena_t *a;
	struct region *regions;
	size_t nregions;
	struct import_lines seen;    /* (region, indicator, period) of the rows checked, with their line */
	struct ind_bulk bulk;        /* the write pass's rows on their way (values.c) */
	int *keys;                   /* the periods (year * 100 + month) or years (year * 100), sorted */
	size_t nkeys, capkeys;
	int64_t replaced;            /* values: stored values of those periods */
};

/* One checked row. */
struct irow {
	int64_t region_id, value;
	int year, month;
	const char *indicator;
};

static void put_region(void *elem, db_stmt_t *st, arena_t *a)
{
	struct region *g = elem;
	g->id = db_col_int(st, 0);
	g->name = arena_strdup(a, db_col_text(st, 1));
}

static int region_cmp(const void *a, const void *b)
{
	return strcmp(((const struct region *)a)->name, ((const struct region *)b)->name);
}

static int ind_begin(struct import *im, err_t *err)
{
	struct ind_ctx *x = calloc(1, sizeof *x);
	if (x == NULL)
		return err_set(err, 500, "too_large", NULL, "out of memory");
	im->ctx = x;
	x->targets = im->spec->cols == target_cols;
	x->a = arena_new();
	int rc;
	x->regions = import_load(im->db, x->a, "SELECT id, name FROM regions ORDER BY id", sizeof *x->regions, put_region,
	                         &x->nregions, &rc);
	if (rc == DB_OK && x->nregions)   /* by name, for bsearch (names are unique) */
		qsort(x->regions, x->nregions, sizeof *x->regions, region_cmp);
	return rc == DB_OK ? 0 : db_fail(err, im->db, rc, "reading the regions");
}

static void ind_end(struct import *im)
{
	struct ind_ctx *x = im->ctx;
	if (x) {
		import_lines_free(&x->seen);
		free(x->keys);
		arena_free(x->a);
		free(x);
		im->ctx = NULL;
	}
}

/* A row error naming a range: the parameters value, min and max. */
static int bad_range(struct import *im, const struct import_row *row, const char *field, const char *code,
                     const char *value, int min, int max, const char *what)
{
	err_t e;
	err_set(&e, 422, code, field, "%s \"%s\": %s %d..%d", field, value, what, min, max);
	err_param(&e, "value", "%s", value);
	err_param(&e, "min", "%d", min);
	err_param(&e, "max", "%d", max);
	return import_bad_err(im, row, &e);
}

/* The period (values) or year (targets) of the row.  0 or -1. */
static int parse_when(struct import *im, const struct import_row *row, struct irow *w)
{
	struct ind_ctx *x = im->ctx;
	const char *cell = row->v[H_PERIOD], *field = x->targets ? "year" : "period";
	char b[72];
	if (text_is_blank(cell))
		return import_bad(im, row, field, "required", NULL, "%s is empty", field);
	table_shown(cell, b);
	if (x->targets)
		return indimp_year(cell, &w->year) < 0
		       ? bad_range(im, row, field, "invalid_year", b, DATE_YEAR_MIN, DATE_YEAR_MAX, "not a year between") : 0;
	int rc = indimp_period(cell, im->is_xlsx, im->date1904, &w->year, &w->month);
	if (rc == -2)
		return bad_range(im, row, field, "invalid_period", b, 1, 12, "the month is not");
	if (rc == -3)
		return bad_range(im, row, field, "invalid_period", b, DATE_YEAR_MIN, DATE_YEAR_MAX, "the year is not");
	if (rc < 0)
		return import_bad(im, row, field, "invalid_period", b, "period \"%s\" is not YYYY-MM (2021-10)", b);
	return 0;
}

static int parse_value(struct import *im, const struct import_row *row, struct irow *w)
{
	const char *cell = row->v[H_VALUE];
	char b[72];
	if (text_is_blank(cell))
		return import_bad(im, row, "value", "required", NULL, "value is empty");
	table_shown(cell, b);
	switch (indimp_amount(cell, im->is_xlsx, &w->value)) {
	case 0: return 0;
	case -2: return import_bad(im, row, "value", "negative", b, "value \"%s\" is negative", b);
	case -3: return import_bad(im, row, "value", "too_precise", b, "value \"%s\" has more than 4 decimals", b);
	case -4: return import_bad(im, row, "value", "too_large", b, "value \"%s\" is too large", b);
	default:
		return import_bad(im, row, "value", "not_a_number", b,
		                  "value \"%s\" is not a number (亿元 with at most 4 decimals)", b);
	}
}

/* The row's cells into w.  0, or -1 (every problem added). */
static int parse_row(struct import *im, const struct import_row *row, struct irow *w)
{
	struct ind_ctx *x = im->ctx;
	memset(w, 0, sizeof *w);
	char t[256], b[72];
	int bad = parse_when(im, row, w) < 0;
	text_trim_into(row->v[H_REGION], t, sizeof t);
	struct region k = { .name = t };
	const struct region *g = x->nregions ? bsearch(&k, x->regions, x->nregions, sizeof k, region_cmp) : NULL;
	if (t[0] == '\0')
		bad = import_bad(im, row, "region", "required", NULL, "region is empty");
	else if (g == NULL)
		bad = import_bad(im, row, "region", "unknown_region", table_shown(t, b), "unknown region \"%s\"", b);
	else
		w->region_id = g->id;
	if (text_is_blank(row->v[H_INDICATOR]))
		bad = import_bad(im, row, "indicator", "required", NULL, "indicator is empty");
	else if ((w->indicator = indimp_indicator(row->v[H_INDICATOR])) == NULL)
		bad = import_bad(im, row, "indicator", "unknown_indicator", table_shown(row->v[H_INDICATOR], b),
		                 "unknown indicator \"%s\" (budget_revenue, tax_revenue, industrial_sales, service_sales,"
		                 " fdi_utilised, trade_total or their Chinese names)", b);
	if (parse_value(im, row, w) < 0)
		bad = -1;
	return bad ? -1 : 0;
}

/* Remember the row's period (or year) among the file's, sorted.  0 or -1. */
static int add_key(struct ind_ctx *x, int key)
{
	size_t lo = 0, hi = x->nkeys;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < x->nkeys && x->keys[lo] == key)
		return 0;
	if (x->nkeys == x->capkeys) {
		size_t cap = x->capkeys ? x->capkeys * 2 : 16;
		int *k = realloc(x->keys, cap * sizeof *k);
		if (k == NULL)
			return -1;
		x->keys = k;
		x->capkeys = cap;
	}
	memmove(x->keys + lo + 1, x->keys + lo, (x->nkeys - lo) * sizeof *x->keys);
	x->keys[lo] = key;
	x->nkeys++;
	return 0;
}

static int ind_check(struct import *im, const struct import_row *row)
{
	struct ind_ctx *x = im->ctx;
	struct irow w;
	if (parse_row(im, row, &w) < 0)
		return -1;
	/* region id (> 0) | indicator (< 16) | year - DATE_YEAR_MIN (< 2^13) | month (0..12) */
	uint64_t key = (uint64_t)w.region_id << 21 | (uint64_t)ind_find(w.indicator) << 17
	               | (uint64_t)(w.year - DATE_YEAR_MIN) << 4 | (uint64_t)w.month;
	int64_t first = import_lines_put(&x->seen, key, row->line);
	if (first > 0) {
		err_t e;
		err_set(&e, 422, "duplicate", "indicator", "the same region, indicator and %s as line %lld",
		        x->targets ? "year" : "period", (long long)first);
		err_param(&e, "line", "%lld", (long long)first);
		return import_bad_err(im, row, &e);
	}
	if (first < 0 || add_key(x, w.year * 100 + w.month) < 0) {
		err_t e;
		err_set(&e, 500, "too_large", NULL, "out of memory");
		return import_fail(im, &e);
	}
	return 0;
}

/* Values: the file's periods are replaced as a whole. */
static int ind_write_begin(struct import *im, err_t *err)
{
	struct ind_ctx *x = im->ctx;
	for (size_t i = 0; i < x->nkeys && !x->targets; i++)
		if (ind_values_clear(im->db, x->keys[i] / 100, x->keys[i] % 100, &x->replaced, err) < 0)
			return -1;
	return 0;
}

/* Each row goes into the bulk write (values: COPY into the table; targets:
 * into the staging table, merged at the flush). */
static int ind_write(struct import *im, const struct import_row *row, err_t *err)
{
	struct ind_ctx *x = im->ctx;
	struct irow w;
	if (parse_row(im, row, &w) < 0)
		return -1;
	x->bulk.targets = x->targets;
	return ind_bulk_add(im->db, &x->bulk, w.region_id, w.indicator, w.year, w.month, w.value, err);
}

static int ind_write_flush(struct import *im, err_t *err)
{
	struct ind_ctx *x = im->ctx;
	return ind_bulk_flush(im->db, &x->bulk, &im->created, &im->updated, err);
}

static json_t *ind_summary(struct import *im)
{
	struct ind_ctx *x = im->ctx;
	int dry = im->o->dry_run;
	json_t *keys = json_array();
	for (size_t i = 0; x && i < x->nkeys; i++)
		json_array_append_new(keys, x->targets ? json_integer(x->keys[i] / 100)
		                                       : json_sprintf("%04d-%02d", x->keys[i] / 100, x->keys[i] % 100));
	if (im->spec->cols == target_cols)
		return json_pack("{sb sI so sI sI}", "dry_run", dry, "rows", (json_int_t)im->rows, "years", keys,
		                 "created", (json_int_t)im->created, "updated", (json_int_t)im->updated);
	return json_pack("{sb sI so sI sI}", "dry_run", dry, "rows", (json_int_t)im->rows, "periods", keys,
	                 "inserted", (json_int_t)(dry ? 0 : im->written), "replaced", (json_int_t)(x ? x->replaced : 0));
}

static void ind_cli_print(struct import *im, json_t *s)
{
	int dry = im->o->dry_run, targets = im->spec->cols == target_cols;
	json_t *keys = json_object_get(s, targets ? "years" : "periods");
	buf_t b;
	buf_init(&b);
	size_t k;
	json_t *v;
	json_array_foreach(keys, k, v) {
		if (json_is_integer(v))
			buf_printf(&b, "%s%lld", k ? ", " : "", (long long)json_integer_value(v));
		else
			buf_printf(&b, "%s%s", k ? ", " : "", json_string_value(v));
	}
	long long rows = (long long)im->rows;
	long long replaced = (long long)json_integer_value(json_object_get(s, "replaced"));
	if (targets)
		printf("%s%lld target%s for %s: %lld new, %lld updated%s\n", dry ? "dry run: " : "", rows, rows == 1 ? "" : "s",
		       b.data ? b.data : "", (long long)json_integer_value(json_object_get(s, "created")),
		       (long long)json_integer_value(json_object_get(s, "updated")), dry ? "; nothing written" : "");
	else
		printf("%s%lld value%s for %s; %s %lld existing value%s of %s period%s%s\n", dry ? "dry run: " : "", rows,
		       rows == 1 ? "" : "s", b.data ? b.data : "", dry ? "would replace" : "replaced", replaced,
		       replaced == 1 ? "" : "s", json_array_size(keys) == 1 ? "that" : "those",
		       json_array_size(keys) == 1 ? "" : "s", dry ? "; nothing written" : "");
	buf_free(&b);
}

static const struct import_spec value_import = {
	.what = "indicators", .audit_action = "import indicators", .audit_entity = "indicator_values",
	.cols = value_cols, .ncols = NH, .max_rows = MAX_ROWS, .trial_write = 1, .begin = ind_begin,
	.check = ind_check, .write_begin = ind_write_begin, .write = ind_write, .write_flush = ind_write_flush,
	.summary = ind_summary,
	.end = ind_end, .cli_print = ind_cli_print,
};

static const struct import_spec target_import = {
	.what = "targets", .audit_action = "import indicator targets", .audit_entity = "indicator_targets",
	.cols = target_cols, .ncols = NH, .max_rows = MAX_ROWS, .trial_write = 1, .begin = ind_begin,
	.check = ind_check, .write = ind_write, .write_flush = ind_write_flush, .summary = ind_summary, .end = ind_end,
	.cli_print = ind_cli_print,
};

/* ---- front doors ---- */

void api_indicators_import(req_t *r)
{
	import_http(r, &value_import);
}

void api_targets_import(req_t *r)
{
	import_http(r, &target_import);
}

/* main.c passes the subcommand on as argv[0]; accept it missing too */
static int cli_any(int argc, char **argv, db_t *db, const struct import_spec *spec)
{
	int i0 = argc > 0 && strcmp(argv[0], spec->what) == 0;
	return import_cli(db, spec, argc - i0, argv + i0);
}

int cli_import_indicators(int argc, char **argv, db_t *db)
{
	return cli_any(argc, argv, db, &value_import);
}

int cli_import_targets(int argc, char **argv, db_t *db)
{
	return cli_any(argc, argv, db, &target_import);
}
