/*
 * export.c -- exporting the enterprise registry to CSV or XLSX.
 *
 * GET /api/v1/enterprises/export?format=csv|xlsx with the list's filters
 * (q, street_id, officer_id, department_id, key, industry) and
 * `zoneops export enterprises FILE [--format csv|xlsx]`.
 *
 * The columns are the import's, with their Chinese labels, so an export
 * imports again unchanged (every row an update).  CSV is UTF-8 with a BOM
 * (so Excel opens it as UTF-8), CRLF line ends and RFC 4180 quoting; XLSX
 * is written by libxlsxwriter in constant-memory mode.  The contact name
 * and phone go only to the roles that serve an enterprise
 * (enterprise_contact_visible): a recruiter's or a statistician's export
 * has no such columns, an officer's or a department's has them filled only
 * for the enterprises it serves (the others empty).  Text that a
 * spreadsheet would take for a formula (starting with = + - @, TAB or CR)
 * is written with a leading single quote; the import removes it again.
 * The file is built in a temporary file and sent with reply_file().
 */
#include "service.h"

#include "table/table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* The columns, in order: label, and whether the value is a number. */
static const struct col {
	const char *label;
	int number;
} cols[] = {
	{ "统一社会信用代码", 0 }, { "企业名称", 0 }, { "所属街道", 0 }, { "行业代码", 0 }, { "重点企业", 0 },
	{ "首席服务员", 0 }, { "挂钩部门", 0 }, { "联系人", 0 }, { "联系电话", 0 }, { "员工人数", 1 },
	{ "注册资本(万元)", 1 }, { "用地面积(亩)", 1 }, { "成立日期", 0 }, { "信用代码说明", 0 },
};
#define NCOLS ((int)(sizeof cols / sizeof cols[0]))
static const double col_width[NCOLS] = { 22, 36, 12, 10, 10, 14, 18, 10, 15, 10, 14, 13, 12, 20 };

struct export_filter {
	const char *like;          /* "%q%" or NULL */
	const char *industry;      /* prefix pattern "C38%" or NULL */
	int64_t street_id, officer_id, department_id, key;   /* 0 / -1 when unset */
};

#define EXPORT_SQL \
	"SELECT e.credit_code, e.name, s.name, e.industry, e.is_key, u.username, d.name, e.contact_name," \
	" e.contact_phone, e.employees, e.registered_capital_wan, e.land_mu, e.founded_on, e.credit_code_note," \
	" e.id, e.officer_id, e.department_id" \
	" FROM enterprises e LEFT JOIN streets s ON s.id = e.street_id LEFT JOIN users u ON u.id = e.officer_id" \
	" LEFT JOIN departments d ON d.id = e.department_id" \
	" WHERE (CAST($1 AS TEXT) IS NULL OR lower(e.name) LIKE lower($1) ESCAPE '\\' OR e.credit_code LIKE upper($1) ESCAPE '\\')" \
	" AND (CAST($2 AS BIGINT) = 0 OR e.street_id = $2) AND (CAST($3 AS BIGINT) = 0 OR e.officer_id = $3)" \
	" AND (CAST($4 AS BIGINT) = 0 OR e.department_id = $4) AND (CAST($5 AS BIGINT) < 0 OR e.is_key = $5)" \
	" AND (CAST($6 AS TEXT) IS NULL OR e.industry LIKE $6 ESCAPE '\\')" \
	" ORDER BY e.id"

/* A number as text: integers plainly, land_mu with the fewest digits
 * that read back as the same double. */
static void fmt_double(char *out, size_t n, double v)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/* The contact columns (联系人, 联系电话) and the row's columns after the
 * exported ones: its id, officer and department. */
#define COL_CONTACT 7
#define COL_PHONE 8
#define COL_ROW_ID NCOLS

/* Who the export is for: NULL (the CLI) gets everything. */
struct viewer {
	const user_t *u;
	int contacts;   /* the contact columns are there at all */
};

static int col_shown(const struct viewer *v, int i)
{
	return v->contacts || (i != COL_CONTACT && i != COL_PHONE);
}

/* The text of column i of the current row ("" for NULL, and for a contact
 * the viewer may not see). */
static const char *cell_text(db_stmt_t *st, int i, const struct viewer *v, char *tmp, size_t n)
{
	switch (i) {
	case 4: return db_col_int(st, 4) ? "是" : "否";
	case 9: case 10: snprintf(tmp, n, "%lld", (long long)db_col_int(st, i)); return tmp;
	case 11: fmt_double(tmp, n, db_col_double(st, 11)); return tmp;
	case COL_CONTACT: case COL_PHONE:
		if (!enterprise_contact_visible(v->u, db_col_int(st, COL_ROW_ID), db_col_int(st, COL_ROW_ID + 1),
		                                db_col_int(st, COL_ROW_ID + 2)))
			return "";
		return db_col_text(st, i);
	default: return db_col_text(st, i);
	}
}

static int csv_put(FILE *f, const char *s, int guard)
{
	/* the guard quote is part of the field: inside the quotes when quoted */
	int prefix = guard && cell_is_formula_like(s);
	size_t n = strlen(s);
	int quote = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' ' || s[0] == '\t'));
	if (quote)
		fputc('"', f);
	if (prefix)
		fputc('\'', f);
	if (!quote)
		return fputs(s, f) < 0 ? -1 : 0;
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	return fputc('"', f) == EOF ? -1 : 0;
}

static db_stmt_t *export_query(db_t *db, const struct export_filter *flt)
{
	db_stmt_t *st = db_prepare(db, EXPORT_SQL);
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, flt->like);
	db_bind_int(st, 2, flt->street_id);
	db_bind_int(st, 3, flt->officer_id);
	db_bind_int(st, 4, flt->department_id);
	db_bind_int(st, 5, flt->key);
	db_bind_text(st, 6, flt->industry);
	return st;
}

static int export_csv(db_t *db, const struct export_filter *flt, const struct viewer *v, const char *path,
                      int64_t *count, char *err, size_t errlen)
{
	char tmp[64];
	FILE *f = fopen(path, "wb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fputs("\xEF\xBB\xBF", f);
	for (int i = 0, c = 0; i < NCOLS; i++)
		if (col_shown(v, i)) {
			if (c++)
				fputc(',', f);
			csv_put(f, cols[i].label, 0);
		}
	fputs("\r\n", f);
	db_stmt_t *st = export_query(db, flt);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		for (int i = 0, c = 0; i < NCOLS; i++)
			if (col_shown(v, i)) {
				if (c++)
					fputc(',', f);
				csv_put(f, cell_text(st, i, v, tmp, sizeof tmp), !cols[i].number);
			}
		fputs("\r\n", f);
		(*count)++;
	}
	db_done(st);
	int bad = ferror(f);
	if (fclose(f) != 0)
		bad = 1;
	if (rc != DB_DONE) {
		snprintf(err, errlen, "reading the enterprises: %s", db_errmsg(db));
		return -1;
	}
	if (bad) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -1;
	}
	return 0;
}

/* One text cell, with the guard quote before what looks like a formula. */
static lxw_error xlsx_text(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s, lxw_format *text)
{
	if (!cell_is_formula_like(s))
		return worksheet_write_string(ws, row, col, s, text);
	size_t n = strlen(s);
	char *q = malloc(n + 2);
	if (q == NULL)
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	q[0] = '\'';
	memcpy(q + 1, s, n + 1);
	lxw_error e = worksheet_write_string(ws, row, col, q, text);
	free(q);
	return e;
}

static int export_xlsx(db_t *db, const struct export_filter *flt, const struct viewer *v, const char *path,
                       int64_t *count, char *err, size_t errlen)
{
	char tmp[64];
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE, .tmpdir = NULL };
	lxw_workbook *wb = workbook_new_opt(path, &opt);
	if (wb == NULL) {
		snprintf(err, errlen, "%s: cannot create the workbook", path);
		return -1;
	}
	lxw_worksheet *ws = workbook_add_worksheet(wb, "企业名录");
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	lxw_format *text = workbook_add_format(wb);
	format_set_num_format(text, "@");
	for (int i = 0, c = 0; i < NCOLS; i++)
		if (col_shown(v, i)) {
			worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, col_width[i], cols[i].number ? NULL : text);
			worksheet_write_string(ws, 0, (lxw_col_t)c++, cols[i].label, bold);
		}
	worksheet_freeze_panes(ws, 1, 0);
	db_stmt_t *st = export_query(db, flt);
	lxw_row_t row = 1;
	lxw_error xe = LXW_NO_ERROR;
	int rc;
	while ((rc = db_step(st)) == DB_ROW && xe == LXW_NO_ERROR) {
		if (row >= LXW_ROW_MAX) {
			xe = LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE;
			break;
		}
		for (int i = 0, c = 0; i < NCOLS && xe == LXW_NO_ERROR; i++) {
			if (!col_shown(v, i))
				continue;
			lxw_col_t col = (lxw_col_t)c++;
			if (cols[i].number) {
				double d = i == 11 ? db_col_double(st, i) : (double)db_col_int(st, i);
				xe = worksheet_write_number(ws, row, col, d, NULL);
				continue;
			}
			const char *s = cell_text(st, i, v, tmp, sizeof tmp);
			if (*s)
				xe = xlsx_text(ws, row, col, s, text);
		}
		row++;
		(*count)++;
	}
	db_done(st);
	lxw_error ce = workbook_close(wb);
	if (rc != DB_DONE && rc != DB_ROW) {
		snprintf(err, errlen, "reading the enterprises: %s", db_errmsg(db));
		return -1;
	}
	if (xe != LXW_NO_ERROR || ce != LXW_NO_ERROR) {
		snprintf(err, errlen, "writing the workbook: %s", lxw_strerror(xe != LXW_NO_ERROR ? xe : ce));
		return -1;
	}
	return 0;
}

/* Write the export for u (NULL: the CLI, everything) to path.  Returns 0
 * with *count, or -1 with err. */
static int export_to_path(db_t *db, const struct export_filter *flt, const user_t *u, int xlsx, const char *path,
                          int64_t *count, char *err, size_t errlen)
{
	*count = 0;
	struct viewer v = { .u = u, .contacts = u == NULL || (u->role_bit & (ROLE_ADMIN | ROLE_LEADER | ROLE_OFFICER |
	                                                                     ROLE_DEPARTMENT | ROLE_ENTERPRISE)) != 0 };
	return xlsx ? export_xlsx(db, flt, &v, path, count, err, errlen) : export_csv(db, flt, &v, path, count, err, errlen);
}

/* "C38" → "C38%" with LIKE's special characters escaped. */
static char *prefix_pattern(arena_t *a, const char *s)
{
	char *out = arena_alloc(a, strlen(s) * 2 + 2), *w = out;
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			*w++ = '\\';
		*w++ = (*s >= 'a' && *s <= 'z') ? (char)(*s - 'a' + 'A') : *s;
	}
	*w++ = '%';
	*w = '\0';
	return out;
}

void api_enterprises_export(req_t *r)
{
	const char *format = req_query(r, "format");
	if (format == NULL || *format == '\0')
		format = "csv";
	if (strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0) {
		reply_error(r, 422, "invalid_parameter", "format", "format is csv or xlsx");
		return;
	}
	struct export_filter flt = { 0 };
	if (req_query_id(r, "street_id", &flt.street_id) < 0 || req_query_id(r, "officer_id", &flt.officer_id) < 0 ||
	    req_query_id(r, "department_id", &flt.department_id) < 0 || req_query_bool(r, "key", &flt.key) < 0)
		return;
	flt.street_id = enterprise_street_scope(r->db, r->user, flt.street_id);
	flt.like = like_pattern(r, req_query(r, "q"));
	const char *industry = req_query(r, "industry");
	if (industry && *industry)
		flt.industry = prefix_pattern(r->arena, industry);
	int xlsx = strcmp(format, "xlsx") == 0;
	char *path = reply_tmpfile(r, "zoneops-export");
	if (path == NULL)
		return;
	int64_t count;
	char err[256];
	if (export_to_path(r->db, &flt, r->user, xlsx, path, &count, err, sizeof err) < 0) {
		unlink(path);
		fprintf(stderr, "zoneops: export: %s\n", err);
		reply_error(r, 500, "internal", NULL, "the export failed");
		return;
	}
	int y, mo, d;
	date_to_civil(date_today(), &y, &mo, &d);
	char name[64];
	snprintf(name, sizeof name, "enterprises-%04d%02d%02d.%s", y, mo, d, xlsx ? "xlsx" : "csv");
	reply_file(r, xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8",
	           name, path, NULL, 0);
	reply_header(r, "X-Row-Count", arena_printf(r->arena, "%lld", (long long)count));
}

int cli_export(int argc, char **argv, db_t *db)
{
	const char *file = NULL, *format = NULL;
	/* argv[0] is the subcommand ("enterprises") as main.c passes it on */
	int i0 = argc > 0 && strcmp(argv[0], "enterprises") == 0;
	for (int i = i0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(a, "--format=", 9) == 0)
			format = a + 9;
		else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "zoneops: unknown option %s\n", a);
			file = NULL;
			break;
		} else if (file == NULL)
			file = a;
		else {
			file = NULL;
			break;
		}
	}
	if (file == NULL) {
		fprintf(stderr, "usage: zoneops export enterprises FILE [--format csv|xlsx]\n");
		return 2;
	}
	if (format == NULL) {
		size_t n = strlen(file);
		format = n > 5 && strcasecmp(file + n - 5, ".xlsx") == 0 ? "xlsx" : "csv";
	}
	if (strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0) {
		fprintf(stderr, "zoneops: --format is csv or xlsx\n");
		return 2;
	}
	/* written beside the target and renamed, so FILE is whole or untouched */
	size_t n = strlen(file);
	char *part = malloc(n + 16);
	if (part == NULL)
		return 1;
	snprintf(part, n + 16, "%s.part", file);
	struct export_filter flt = { .key = -1 };
	int64_t count;
	char err[256];
	int rc = export_to_path(db, &flt, NULL, strcmp(format, "xlsx") == 0, part, &count, err, sizeof err);
	if (rc == 0 && rename(part, file) != 0) {
		snprintf(err, sizeof err, "%s: %s", file, strerror(errno));
		rc = -1;
	}
	if (rc < 0) {
		unlink(part);
		fprintf(stderr, "zoneops: export failed: %s\n", err);
	} else
		printf("exported %lld enterprises to %s\n", (long long)count, file);
	free(part);
	return rc < 0 ? 1 : 0;
}
