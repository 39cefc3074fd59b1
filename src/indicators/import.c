/*
 * import.c -- indicator values and annual targets from CSV or XLSX.
 *
 * Files (read with service/xlsx.h: CSV as UTF-8 with or without BOM,
 * UTF-16 or GBK, each record with its physical line; XLSX's first sheet
 * with its row numbers):
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
 * reported with its line, field, code and message) writes nothing.  Values:
 * every (year, month) present in the file is replaced as a whole (its
 * rows deleted, the file's inserted).  Targets: upsert per (region,
 * indicator, year).  The HTTP handlers run inside the router's write
 * transaction; the CLI opens its own and writes an audit row.
 */
#include "indicators.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/auth.h"
#include "service/xlsx.h"

#define IMP_MAX_ROWS 200000
#define IMP_MAX_ERRORS 1000
#define IMP_YEAR_MIN DATE_YEAR_MIN
#define IMP_YEAR_MAX DATE_YEAR_MAX

/* Functions below without "static" are used by tests/unit/test_indicator_import.c. */
int indimp_amount(const char *s, int lenient, int64_t *out);
int indimp_period(const char *s, int lenient, int date1904, int *year, int *month);
int indimp_year(const char *s, int *year);
int indimp_header(const char *s, int targets);
const char *indimp_indicator(const char *s);

/* ---- text helpers ---- */





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

/* The column a header names: H_PERIOD (values: period; targets: year),
 * H_REGION, H_INDICATOR, H_VALUE, or -1.  Case, spaces, '_' and a unit in
 * brackets ("数值（亿元）") are ignored. */
int indimp_header(const char *s, int targets)
{
	char t[256], k[256];
	text_trim_into(s, t, sizeof t);
	text_fold_fullwidth(t);
	size_t j = 0;
	for (const char *p = t; *p && j + 1 < sizeof k; p++) {
		if (*p == '(')
			break;
		if (strncmp(p, "【", 3) == 0)
			break;
		if (*p == ' ' || *p == '_' || *p == '-' || *p == '\t')
			continue;
		k[j++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
	}
	k[j] = '\0';
	static const struct {
		const char *label;
		int col, targets;   /* targets: 0 values only, 1 targets only, 2 both */
	} map[] = {
		{ "period", H_PERIOD, 0 }, { "期间", H_PERIOD, 0 }, { "时期", H_PERIOD, 0 }, { "月份", H_PERIOD, 0 },
		{ "统计期", H_PERIOD, 0 },
		{ "year", H_PERIOD, 1 }, { "年份", H_PERIOD, 1 }, { "年度", H_PERIOD, 1 }, { "年", H_PERIOD, 1 },
		{ "region", H_REGION, 2 }, { "地区", H_REGION, 2 }, { "区域", H_REGION, 2 }, { "地区名称", H_REGION, 2 },
		{ "indicator", H_INDICATOR, 2 }, { "指标", H_INDICATOR, 2 }, { "指标名称", H_INDICATOR, 2 },
		{ "value", H_VALUE, 2 }, { "数值", H_VALUE, 2 }, { "值", H_VALUE, 2 },
		{ "target", H_VALUE, 1 }, { "目标值", H_VALUE, 1 }, { "目标", H_VALUE, 1 }, { "年度目标", H_VALUE, 1 },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(k, map[i].label) == 0 && (map[i].targets == 2 || map[i].targets == targets))
			return map[i].col;
	return -1;
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

struct irow {
	int64_t line, region_id, value;
	int year, month;
	const char *indicator;
};

struct region {
	int64_t id;
	char *name;
};

struct imp {
	int targets, is_xlsx, date1904;
	int have_header, col[NH], ncols;
	struct irow *rows;
	size_t nrows, cap;
	struct region *regions;
	size_t nregions;
	json_t *errors;
	int64_t nerrors;
	int fatal;
	err_t ferr;
	void (*on_error)(void *ud, int64_t line, const char *field, const char *code, const char *msg);
	void *ud;
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

static void add_error(struct imp *m, int64_t line, const char *field, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void add_error(struct imp *m, int64_t line, const char *field, const char *code, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (m->on_error)
		m->on_error(m->ud, line, field, code, msg);
	if (m->nerrors < IMP_MAX_ERRORS)
		json_array_append_new(m->errors, json_pack("{sI ss ss ss}", "line", (json_int_t)line, "field", field,
		                                           "code", code, "message", msg));
	m->nerrors++;
}

/* Shorten a cell for a message. */
static const char *shown(const char *s, char *buf, size_t n)
{
	text_trim_into(s, buf, n);
	if (strlen(buf) > 60) {
		size_t k = 57;
		while (k > 0 && ((unsigned char)buf[k] & 0xC0) == 0x80)
			k--;
		strcpy(buf + k, "...");
	}
	return buf;
}

static int on_header(struct imp *m, int64_t line, int n, char **cells)
{
	static const char *const names_v[NH] = { "period", "region", "indicator", "value" };
	static const char *const names_t[NH] = { "year", "region", "indicator", "value" };
	const char *const *names = m->targets ? names_t : names_v;
	for (int i = 0; i < NH; i++)
		m->col[i] = -1;
	m->ncols = n;
	for (int i = 0; i < n; i++) {
		if (text_is_blank(cells[i]))
			continue;
		int h = indimp_header(cells[i], m->targets);
		char b[128];
		if (h < 0)
			return set_fatal(m, line, "unknown_header",
			                 "未知的列“%s”；列名为 %s / unknown column \"%s\": the columns are %s,region,indicator,value",
			                 shown(cells[i], b, sizeof b),
			                 m->targets ? "年份、地区、指标、目标值" : "期间、地区、指标、数值",
			                 shown(cells[i], b, sizeof b), names[0]);
		if (m->col[h] >= 0)
			return set_fatal(m, line, "duplicate_header", "两列都是%s / two columns give %s", names[h], names[h]);
		m->col[h] = i;
	}
	for (int h = 0; h < NH; h++)
		if (m->col[h] < 0)
			return set_fatal(m, line, "missing_header",
			                 "表头缺少“%s”列；须有 %s / the header lacks the column %s: the columns are %s,region,indicator,value",
			                 names[h], m->targets ? "年份、地区、指标、目标值" : "期间、地区、指标、数值", names[h], names[0]);
	m->have_header = 1;
	return 0;
}

static const struct region *find_region(const struct imp *m, const char *name)
{
	for (size_t i = 0; i < m->nregions; i++)
		if (strcmp(m->regions[i].name, name) == 0)
			return &m->regions[i];
	return NULL;
}

static int on_row(void *ud, int64_t line, int n, char **cells)
{
	struct imp *m = ud;
	int empty = 1;
	for (int i = 0; i < n && empty; i++)
		empty = text_is_blank(cells[i]);
	if (empty)
		return 0;
	if (!m->have_header)
		return on_header(m, line, n, cells);
	if (m->nrows >= IMP_MAX_ROWS)
		return set_fatal(m, line, "too_many_rows", "超过%d行 / more than %d rows", IMP_MAX_ROWS, IMP_MAX_ROWS);
	if (m->nrows == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct irow *v = realloc(m->rows, cap * sizeof *v);
		if (v == NULL)
			return set_fatal(m, line, "too_large", "out of memory");
		m->rows = v;
		m->cap = cap;
	}
	const char *c[NH];
	for (int h = 0; h < NH; h++)
		c[h] = m->col[h] < n ? cells[m->col[h]] : NULL;
	struct irow rw = { .line = line };
	int bad = 0;
	char b[128], t[256];
	for (int i = m->ncols; i < n; i++)
		if (!text_is_blank(cells[i])) {
			add_error(m, line, "row", "extra_cells", "表头之外还有内容“%s” / a cell beyond the header's columns: \"%s\"",
			          shown(cells[i], b, sizeof b), shown(cells[i], b, sizeof b));
			bad = 1;
			break;
		}
	/* period / year */
	if (m->targets) {
		if (text_is_blank(c[H_PERIOD])) {
			add_error(m, line, "year", "required", "年份为空 / year is empty");
			bad = 1;
		} else if (indimp_year(c[H_PERIOD], &rw.year) < 0) {
			add_error(m, line, "year", "invalid_year", "年份“%s”无效（%d-%d） / year \"%s\" is not a year between %d and %d",
			          shown(c[H_PERIOD], b, sizeof b), IMP_YEAR_MIN, IMP_YEAR_MAX, shown(c[H_PERIOD], b, sizeof b),
			          IMP_YEAR_MIN, IMP_YEAR_MAX);
			bad = 1;
		}
	} else {
		int prc;
		if (text_is_blank(c[H_PERIOD])) {
			add_error(m, line, "period", "required", "期间为空 / period is empty");
			bad = 1;
		} else if ((prc = indimp_period(c[H_PERIOD], m->is_xlsx, m->date1904, &rw.year, &rw.month)) < 0) {
			shown(c[H_PERIOD], b, sizeof b);
			if (prc == -2)
				add_error(m, line, "period", "invalid_period", "期间“%s”的月份不在1-12 / period \"%s\": the month is not 1..12", b, b);
			else if (prc == -3)
				add_error(m, line, "period", "invalid_period", "期间“%s”的年份不在%d-%d / period \"%s\": the year is not %d..%d", b,
				          IMP_YEAR_MIN, IMP_YEAR_MAX, b, IMP_YEAR_MIN, IMP_YEAR_MAX);
			else
				add_error(m, line, "period", "invalid_period", "期间“%s”应为 YYYY-MM，如 2021-10 / period \"%s\" is not YYYY-MM (2021-10)", b, b);
			bad = 1;
		}
	}
	/* region */
	text_trim_into(c[H_REGION], t, sizeof t);
	const struct region *g = NULL;
	if (t[0] == '\0') {
		add_error(m, line, "region", "required", "地区为空 / region is empty");
		bad = 1;
	} else if ((g = find_region(m, t)) == NULL) {
		add_error(m, line, "region", "unknown_region", "未知的地区“%s” / unknown region \"%s\"", shown(t, b, sizeof b),
		          shown(t, b, sizeof b));
		bad = 1;
	} else
		rw.region_id = g->id;
	/* indicator */
	if (text_is_blank(c[H_INDICATOR])) {
		add_error(m, line, "indicator", "required", "指标为空 / indicator is empty");
		bad = 1;
	} else if ((rw.indicator = indimp_indicator(c[H_INDICATOR])) == NULL) {
		add_error(m, line, "indicator", "unknown_indicator",
		          "未知的指标“%s” / unknown indicator \"%s\" (budget_revenue, tax_revenue, industrial_sales, service_sales,"
		          " fdi_utilised, trade_total or their Chinese names)",
		          shown(c[H_INDICATOR], b, sizeof b), shown(c[H_INDICATOR], b, sizeof b));
		bad = 1;
	}
	/* value */
	int vrc;
	if (text_is_blank(c[H_VALUE])) {
		add_error(m, line, "value", "required", "数值为空 / value is empty");
		bad = 1;
	} else if ((vrc = indimp_amount(c[H_VALUE], m->is_xlsx, &rw.value)) < 0) {
		shown(c[H_VALUE], b, sizeof b);
		if (vrc == -2)
			add_error(m, line, "value", "negative", "数值“%s”为负 / value \"%s\" is negative", b, b);
		else if (vrc == -3)
			add_error(m, line, "value", "too_precise", "数值“%s”超过4位小数 / value \"%s\" has more than 4 decimals", b, b);
		else if (vrc == -4)
			add_error(m, line, "value", "too_large", "数值“%s”太大 / value \"%s\" is too large", b, b);
		else
			add_error(m, line, "value", "not_a_number",
			          "数值“%s”不是数字（亿元，最多4位小数） / value \"%s\" is not a number (亿元 with at most 4 decimals)", b, b);
		bad = 1;
	}
	if (bad)
		return 0;
	/* the same key twice in the file */
	for (size_t i = 0; i < m->nrows; i++) {
		const struct irow *o = &m->rows[i];
		if (o->region_id == rw.region_id && o->year == rw.year && o->month == rw.month
		    && strcmp(o->indicator, rw.indicator) == 0) {
			add_error(m, line, "indicator", "duplicate", "与第%lld行重复 / the same region, indicator and %s as line %lld",
			          (long long)o->line, m->targets ? "year" : "period", (long long)o->line);
			return 0;
		}
	}
	m->rows[m->nrows++] = rw;
	return 0;
}

/* The outcome of one import. */
struct imp_result {
	int status;             /* 0 written (or checked: dry run), 1 file error, 2 row errors, 3 database error */
	int dbrc;
	err_t ferr;
	json_t *errors;         /* row errors (status 2) */
	int64_t nerrors;
	json_t *summary;        /* status 0 */
};

static int load_regions(db_t *db, struct imp *m)
{
	db_stmt_t *st = db_prepare(db, "SELECT id, name FROM regions ORDER BY id");
	int rc;
	size_t cap = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		if (m->nregions == cap) {
			cap = cap ? cap * 2 : 64;
			struct region *v = realloc(m->regions, cap * sizeof *v);
			if (v == NULL) {
				rc = DB_ERR;
				break;
			}
			m->regions = v;
		}
		m->regions[m->nregions].id = db_col_int(st, 0);
		m->regions[m->nregions].name = strdup(db_col_text(st, 1));
		m->nregions++;
	}
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

static int cmp_period(const void *a, const void *b)
{
	const int *x = a, *y = b;
	return *x - *y;
}

/* Parse, check and (unless dry) write.  Must run inside a transaction. */
static void run_import(db_t *db, const char *data, size_t len, const char *format, int targets, int dry,
                       void (*on_error)(void *, int64_t, const char *, const char *, const char *), void *ud,
                       struct imp_result *res)
{
	struct imp mm, *m = &mm;
	memset(m, 0, sizeof *m);
	memset(res, 0, sizeof *res);
	m->targets = targets;
	m->errors = json_array();
	m->on_error = on_error;
	m->ud = ud;
	int is_zip = len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
	m->is_xlsx = format ? strcmp(format, "xlsx") == 0 : is_zip;

	int rc = load_regions(db, m);
	if (rc != DB_OK) {
		res->status = 3;
		res->dbrc = rc;
		goto out;
	}
	if (len == 0) {
		set_fatal(m, 0, "empty_file", "文件是空的 / the file is empty");
	} else if (m->is_xlsx) {
		if (xlsx_read(data, len, NULL, on_row, m, &m->date1904, &m->ferr) < 0)
			m->fatal = 1;
	} else if (is_zip) {
		set_fatal(m, 0, "bad_format", "文件是ZIP压缩包（XLSX？）而不是CSV / the file is a ZIP archive (XLSX?), not CSV");
	} else {
		char *text;
		size_t tlen;
		const char *enc;
		if (table_decode_text(data, len, &text, &tlen, &enc, &m->ferr) < 0)
			m->fatal = 1;
		else {
			if (csv_read(text, tlen, csv_guess_delim(text, tlen), on_row, m, &m->ferr) < 0)
				m->fatal = 1;
			free(text);
		}
	}
	if (!m->fatal && !m->have_header)
		set_fatal(m, 0, "empty_file", "文件没有表头行 / the file has no header row");
	if (!m->fatal && m->nerrors == 0 && m->nrows == 0)
		set_fatal(m, 0, "empty_file", "文件没有数据行 / the file has no data rows");
	if (m->fatal) {
		res->status = 1;
		res->ferr = m->ferr;
		goto out;
	}
	if (m->nerrors) {
		res->status = 2;
		res->errors = m->errors;
		m->errors = NULL;
		res->nerrors = m->nerrors;
		goto out;
	}

	/* the distinct periods (year * 100 + month) or years */
	int *keys = malloc(m->nrows * sizeof *keys);
	size_t nk = 0;
	if (keys == NULL) {
		res->status = 3;
		res->dbrc = DB_ERR;
		goto out;
	}
	for (size_t i = 0; i < m->nrows; i++)
		keys[i] = m->rows[i].year * 100 + (targets ? 0 : m->rows[i].month);
	qsort(keys, m->nrows, sizeof *keys, cmp_period);
	for (size_t i = 0; i < m->nrows; i++)
		if (nk == 0 || keys[nk - 1] != keys[i])
			keys[nk++] = keys[i];

	json_t *klist = json_array();
	int64_t existing = 0;   /* values: rows of those periods now; targets: rows updated */
	for (size_t i = 0; i < nk; i++) {
		if (targets)
			json_array_append_new(klist, json_integer(keys[i] / 100));
		else
			json_array_append_new(klist, json_sprintf("%04d-%02d", keys[i] / 100, keys[i] % 100));
	}
	rc = DB_OK;
	if (!targets) {
		for (size_t i = 0; i < nk && rc == DB_OK; i++) {
			db_stmt_t *st = dry ? db_prepare(db, "SELECT count(*) FROM indicator_values WHERE year = $1 AND month = $2")
			                    : db_prepare(db, "DELETE FROM indicator_values WHERE year = $1 AND month = $2");
			db_bind_int(st, 1, keys[i] / 100);
			db_bind_int(st, 2, keys[i] % 100);
			int s = db_step(st);
			if (dry && s == DB_ROW)
				existing += db_col_int(st, 0);
			else if (!dry && s == DB_DONE)
				existing += db_changes(st);
			else
				rc = s < 0 ? s : DB_ERR;
			db_done(st);
		}
		for (size_t i = 0; i < m->nrows && rc == DB_OK && !dry; i++) {
			const struct irow *w = &m->rows[i];
			db_stmt_t *st = db_prepare(db, "INSERT INTO indicator_values (region_id, indicator, year, month, value)"
			                               " VALUES ($1, $2, $3, $4, $5)");
			db_bind_int(st, 1, w->region_id);
			db_bind_text(st, 2, w->indicator);
			db_bind_int(st, 3, w->year);
			db_bind_int(st, 4, w->month);
			db_bind_int(st, 5, w->value);
			int s = db_step(st);
			if (s != DB_DONE)
				rc = s < 0 ? s : DB_ERR;
			db_done(st);
		}
	} else {
		for (size_t i = 0; i < m->nrows && rc == DB_OK; i++) {
			const struct irow *w = &m->rows[i];
			db_stmt_t *st = db_prepare(db, "SELECT count(*) FROM indicator_targets WHERE region_id = $1 AND indicator = $2"
			                               " AND year = $3");
			db_bind_int(st, 1, w->region_id);
			db_bind_text(st, 2, w->indicator);
			db_bind_int(st, 3, w->year);
			int s = db_step(st);
			if (s == DB_ROW)
				existing += db_col_int(st, 0) > 0;
			else
				rc = s < 0 ? s : DB_ERR;
			db_done(st);
			if (rc != DB_OK || dry)
				continue;
			st = db_prepare(db, "INSERT INTO indicator_targets (region_id, indicator, year, value) VALUES ($1, $2, $3, $4)"
			                    " ON CONFLICT (region_id, indicator, year) DO UPDATE SET value = excluded.value");
			db_bind_int(st, 1, w->region_id);
			db_bind_text(st, 2, w->indicator);
			db_bind_int(st, 3, w->year);
			db_bind_int(st, 4, w->value);
			s = db_step(st);
			if (s != DB_DONE)
				rc = s < 0 ? s : DB_ERR;
			db_done(st);
		}
	}
	free(keys);
	if (rc != DB_OK) {
		json_decref(klist);
		res->status = 3;
		res->dbrc = rc;
		goto out;
	}
	int64_t nrows = (int64_t)m->nrows;
	if (targets)
		res->summary = json_pack("{sb sI so sI sI}", "dry_run", dry, "rows", (json_int_t)nrows, "years", klist,
		                         "created", (json_int_t)(nrows - existing), "updated", (json_int_t)existing);
	else
		res->summary = json_pack("{sb sI so sI sI}", "dry_run", dry, "rows", (json_int_t)nrows, "periods", klist,
		                         "inserted", (json_int_t)(dry ? 0 : nrows), "replaced", (json_int_t)existing);
out:
	json_decref(m->errors);
	free(m->rows);
	for (size_t i = 0; i < m->nregions; i++)
		free(m->regions[i].name);
	free(m->regions);
}

/* ---- HTTP ---- */

static void api_import(req_t *r, int targets)
{
	const char *format = req_query(r, "format");
	int64_t dry;
	if (req_query_bool(r, "dry_run", &dry) < 0)
		return;
	if (format && *format == '\0')
		format = NULL;
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0) {
		reply_error(r, 422, "invalid_parameter", "format", "format is csv or xlsx");
		return;
	}
	if (r->body_len == 0) {
		reply_error(r, 422, "empty_file", "file", "the request body (the file) is empty");
		return;
	}
	struct imp_result res;
	run_import(r->db, r->body, r->body_len, format, targets, dry == 1, NULL, NULL, &res);
	if (res.status == 3) {
		reply_db_error(r, res.dbrc, targets ? "importing targets" : "importing indicators");
		return;
	}
	if (res.status == 1) {
		reply_error(r, 422, res.ferr.code ? res.ferr.code : "bad_file", "file", "%s", res.ferr.message);
		json_t *e = json_object_get(r->out, "error");
		if (res.ferr.line)
			json_object_set_new(e, "line", json_integer(res.ferr.line));
		json_object_set_new(r->out, "errors",
		                    json_pack("[{s:o s:s s:s s:s}]", "line", res.ferr.line ? json_integer(res.ferr.line) : json_null(),
		                              "field", "file", "code", res.ferr.code ? res.ferr.code : "bad_file",
		                              "message", res.ferr.message));
		return;
	}
	if (res.status == 2) {
		json_t *first = json_array_get(res.errors, 0);
		reply_error(r, 422, "invalid_rows", json_string_value(json_object_get(first, "field")),
		            "%lld行有错误，未写入任何数据；第一处：第%lld行 / %lld row error%s, nothing was written; the first: line %lld: %s",
		            (long long)res.nerrors, (long long)json_integer_value(json_object_get(first, "line")),
		            (long long)res.nerrors, res.nerrors > 1 ? "s" : "",
		            (long long)json_integer_value(json_object_get(first, "line")),
		            json_string_value(json_object_get(first, "message")));
		json_object_set_new(json_object_get(r->out, "error"), "line", json_incref(json_object_get(first, "line")));
		json_object_set_new(r->out, "error_count", json_integer(res.nerrors));
		json_object_set_new(r->out, "errors", res.errors);
		return;
	}
	r->audit_entity = targets ? "indicator_targets" : "indicator_values";
	r->audit_action = targets ? "import indicator targets" : "import indicators";
	char *detail = json_dumps(res.summary, JSON_COMPACT);
	r->audit_detail = arena_strdup(r->arena, detail);
	free(detail);
	reply_json(r, 200, res.summary);
}

void api_indicators_import(req_t *r)
{
	api_import(r, 0);
}

void api_targets_import(req_t *r)
{
	api_import(r, 1);
}

/* ---- CLI ---- */

static void cli_error(void *ud, int64_t line, const char *field, const char *code, const char *message)
{
	(void)code;
	fprintf(stderr, "%s: line %lld: %s: %s\n", (const char *)ud, (long long)line, field, message);
}


static int cli_import_any(int argc, char **argv, db_t *db, int targets)
{
	const char *sub = targets ? "targets" : "indicators";
	const char *file = NULL, *format = NULL;
	int dry = 0;
	/* main.c passes the subcommand on as argv[0]; accept it missing too */
	int i0 = argc > 0 && strcmp(argv[0], sub) == 0;
	for (int i = i0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--dry-run") == 0)
			dry = 1;
		else if (strcmp(a, "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(a, "--format=", 9) == 0)
			format = a + 9;
		else if ((a[0] == '-' && a[1] != '\0') || file != NULL) {
			fprintf(stderr, "usage: zoneops import %s FILE [--dry-run] [--format csv|xlsx]\n", sub);
			return 2;
		} else
			file = a;
	}
	if (file == NULL) {
		fprintf(stderr, "usage: zoneops import %s FILE [--dry-run] [--format csv|xlsx]\n", sub);
		return 2;
	}
	size_t len = 0;
	char *data = NULL;
	int lrc = table_file_load(file, &format, &data, &len);
	if (lrc != 0)
		return lrc;
	int rc = db_begin(db);
	if (rc != DB_OK) {
		fprintf(stderr, "zoneops: %s\n", db_errmsg(db));
		free(data);
		return 1;
	}
	struct imp_result res;
	run_import(db, data, len, format, targets, dry, cli_error, (void *)file, &res);
	free(data);
	int out = 1;
	if (res.status == 1) {
		if (res.ferr.line)
			fprintf(stderr, "%s: line %lld: file: %s\n", file, (long long)res.ferr.line, res.ferr.message);
		else
			fprintf(stderr, "%s: file: %s\n", file, res.ferr.message);
	} else if (res.status == 2) {
		fprintf(stderr, "zoneops: %lld row error%s; nothing was written\n", (long long)res.nerrors,
		        res.nerrors > 1 ? "s" : "");
	} else if (res.status == 3) {
		fprintf(stderr, "zoneops: database error: %s\n", db_errmsg(db));
	} else {
		char *detail = json_dumps(res.summary, JSON_COMPACT);
		rc = DB_OK;
		if (!dry)
			rc = audit_write(db, NULL, "cli", targets ? "cli import targets" : "cli import indicators",
			                 targets ? "indicator_targets" : "indicator_values", NULL, 200, detail);
		if (rc == DB_OK)
			rc = dry ? DB_OK : db_commit(db);
		if (rc != DB_OK)
			fprintf(stderr, "zoneops: saving failed: %s\n", db_errmsg(db));
		else {
			json_t *s = res.summary;
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
			long long rows = (long long)json_integer_value(json_object_get(s, "rows"));
			if (targets)
				printf("%s%lld target%s for %s: %lld new, %lld updated%s\n", dry ? "dry run: " : "", rows,
				       rows == 1 ? "" : "s", b.data ? b.data : "",
				       (long long)json_integer_value(json_object_get(s, "created")),
				       (long long)json_integer_value(json_object_get(s, "updated")), dry ? "; nothing written" : "");
			else
				printf("%s%lld value%s for %s; %s %lld existing value%s of %s period%s%s\n", dry ? "dry run: " : "",
				       rows, rows == 1 ? "" : "s", b.data ? b.data : "", dry ? "would replace" : "replaced",
				       (long long)json_integer_value(json_object_get(s, "replaced")),
				       json_integer_value(json_object_get(s, "replaced")) == 1 ? "" : "s",
				       json_array_size(keys) == 1 ? "that" : "those", json_array_size(keys) == 1 ? "" : "s",
				       dry ? "; nothing written" : "");
			buf_free(&b);
			out = 0;
		}
		free(detail);
	}
	if (db_in_tx(db))
		db_rollback(db);
	json_decref(res.summary);
	json_decref(res.errors);
	return out;
}

int cli_import_indicators(int argc, char **argv, db_t *db)
{
	return cli_import_any(argc, argv, db, 0);
}

int cli_import_targets(int argc, char **argv, db_t *db)
{
	return cli_import_any(argc, argv, db, 1);
}
