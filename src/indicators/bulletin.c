/*
 * bulletin.c -- the monthly indicator bulletin (主要经济指标月报):
 * `zoneops report monthly --period YYYY-MM --format md|html|xlsx [-o FILE]`
 * and GET /api/v1/indicators/bulletin?period=&format= (a download).
 *
 * Everything comes from ind_evaluate() and ind_report_text() (evaluation.c),
 * so the bulletin says what the report page and the API say.
 *
 *   md    a Jekyll post: YAML front matter (layout, title, date, categories,
 *         tags; every string double-quoted and escaped), then the report
 *         paragraph in <p> and the table in HTML.  Jekyll runs the file
 *         through Liquid when the site is built, and region names are
 *         written by statisticians: no '{' or '}' of the data reaches the
 *         file as such ("&#123;" and "&#125;" in the HTML, "\x7b" and
 *         "\x7d" in YAML), so "{{ … }}" and "{% … %}" stay text.  The date is the last day
 *         of the period's month at 00:00 China time ("2021-10-31 00:00:00
 *         +0800"), so the same data always gives the same file.
 *   html  a complete printable page (UTF-8, a <style> block, no script)
 *         with the same title, paragraph and table.
 *   xlsx  one sheet: the title and the paragraph above the table, a header
 *         row, then one row per indicator and region with numbers as
 *         numbers (values 0.00, growth and shares 0.0%, ranks integers).
 *
 * The table: for each indicator in catalogue order, one row per region
 * (regions in their sort order) with the 1-M月 cumulative value, growth,
 * rank by total, rank by growth, the tax share and its rank (on the budget
 * rows) and the progress against the annual target; the zone's rows carry
 * class "zone".  All text is HTML-escaped.
 */
#include "indicators.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "admin/admin.h"

enum bformat { BF_MD, BF_HTML, BF_XLSX };

static int parse_format(const char *s, enum bformat *f)
{
	if (s == NULL || strcmp(s, "md") == 0 || strcmp(s, "markdown") == 0)
		*f = BF_MD;
	else if (strcmp(s, "html") == 0)
		*f = BF_HTML;
	else if (strcmp(s, "xlsx") == 0)
		*f = BF_XLSX;
	else
		return -1;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : d[m - 1];
}

/* "南通开发区2021年1-10月主要经济指标" (1月 for January). */
static void bulletin_title(const struct ind_eval *e, char *out, size_t n)
{
	const char *zone = e->zone >= 0 ? e->regions[e->zone].name : "";
	if (e->month == 1)
		snprintf(out, n, "%s%d年1月主要经济指标", zone, e->year);
	else
		snprintf(out, n, "%s%d年1-%d月主要经济指标", zone, e->year, e->month);
}

/* Does any region have any value in the period? */
static int has_data(const struct ind_eval *e)
{
	for (int k = 0; k < IND_COUNT; k++)
		for (int i = 0; i < e->nregions; i++)
			if (e->cell[k][i].has_value)
				return 1;
	return 0;
}

/* Growth as every page shows it (web/js/dom.js fmtGrowth): signed, one
 * decimal always ("+12.8", "+31.0", "-3.1", "0.0"); the paragraph keeps the
 * article's style ("增长31%"). */
static void fmt_growth_signed(char *buf, size_t n, const struct ind_cell *c)
{
	int64_t pm = ind_growth_permille(c->value, c->prev);
	long long a = (long long)(pm < 0 ? -pm : pm);
	snprintf(buf, n, "%s%lld.%lld", pm > 0 ? "+" : pm < 0 ? "-" : "", a / 10, a % 10);
}

/* A percentage of num/den, rounded half away from zero to `dec` decimals. */
static void fmt_percent(char *buf, size_t n, int64_t num, int64_t den, int dec)
{
	int scale = dec == 0 ? 1 : 10;
	__int128 x = (__int128)num * 100 * scale, d = den;
	int neg = (x < 0) != (d < 0);
	if (x < 0)
		x = -x;
	if (d < 0)
		d = -d;
	long long q = (long long)((2 * x + d) / (2 * d));
	if (dec == 0)
		snprintf(buf, n, "%s%lld", neg && q ? "-" : "", q);
	else
		snprintf(buf, n, "%s%lld.%lld", neg && q ? "-" : "", q / 10, q % 10);
}

static void fmt_rank(char *buf, size_t n, int rank)
{
	if (rank >= 1)
		snprintf(buf, n, "%d", rank);
	else
		snprintf(buf, n, "—");
}

/* YAML double-quoted scalar. */
static void yaml_str(buf_t *b, const char *s)
{
	buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p == '{' || *p == '}')   /* no Liquid (see the top) */
			buf_printf(b, "\\x%02x", *p);
		else if (*p == '\n')
			buf_puts(b, "\\n");
		else if (*p == '\t')
			buf_puts(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\x%02x", *p);
		else
			buf_append(b, p, 1);
	}
	buf_puts(b, "\"");
}

static void put_esc(buf_t *b, arena_t *a, const char *s)
{
	buf_puts(b, html_escape(a, s ? s : ""));
}

/* The paragraph and the table as HTML. */
static void html_body(buf_t *b, arena_t *a, const struct ind_eval *e, const char *text)
{
	char t[64];
	buf_puts(b, "<p class=\"report\">");
	put_esc(b, a, text && *text ? text : "本期本区暂无指标数据。");
	buf_puts(b, "</p>\n");
	buf_puts(b, "<table class=\"indicators\">\n<caption>");
	if (e->month == 1)
		buf_printf(b, "%d年1月", e->year);
	else
		buf_printf(b, "%d年1-%d月", e->year, e->month);
	fmt_percent(t, sizeof t, e->month, 12, 1);
	buf_printf(b, "主要经济指标（累计；时间进度%s%%）</caption>\n", t);
	buf_puts(b, "<thead><tr><th scope=\"col\">指标</th><th scope=\"col\">地区</th><th scope=\"col\">累计值</th>"
	            "<th scope=\"col\">单位</th><th scope=\"col\">增长（%）</th><th scope=\"col\">总量位次</th>"
	            "<th scope=\"col\">增幅位次</th><th scope=\"col\">税占比（%）</th><th scope=\"col\">税占比位次</th>"
	            "<th scope=\"col\">年度目标完成（%）</th></tr></thead>\n");
	for (int k = 0; k < IND_COUNT; k++) {
		buf_printf(b, "<tbody class=\"ind-%s\">\n", ind_catalogue[k].code);
		for (int i = 0; i < e->nregions; i++) {
			const struct ind_cell *c = &e->cell[k][i];
			buf_printf(b, "<tr%s>", i == e->zone ? " class=\"zone\"" : "");
			if (i == 0)
				buf_printf(b, "<th scope=\"rowgroup\" rowspan=\"%d\">%s</th>", e->nregions,
				           html_escape(a, ind_catalogue[k].name));
			buf_puts(b, "<th scope=\"row\">");
			put_esc(b, a, e->regions[i].name);
			buf_puts(b, "</th>");
			if (c->has_value)
				ind_fmt_value(t, sizeof t, c->value);
			else
				snprintf(t, sizeof t, "—");
			buf_printf(b, "<td class=\"num\">%s</td><td>%s</td>", t, html_escape(a, ind_catalogue[k].unit));
			if (c->has_value && c->has_growth)
				fmt_growth_signed(t, sizeof t, c);
			else
				snprintf(t, sizeof t, "—");
			buf_printf(b, "<td class=\"num\">%s</td>", t);
			fmt_rank(t, sizeof t, c->has_value ? c->rank_total : 0);
			buf_printf(b, "<td class=\"num\">%s</td>", t);
			fmt_rank(t, sizeof t, c->has_value && c->has_growth ? c->rank_growth : 0);
			buf_printf(b, "<td class=\"num\">%s</td>", t);
			if (k == IND_BUDGET && e->share[i].has) {
				fmt_percent(t, sizeof t, e->cell[IND_TAX][i].value, c->value, 1);
				buf_printf(b, "<td class=\"num\">%s</td>", t);
				fmt_rank(t, sizeof t, e->share[i].rank);
				buf_printf(b, "<td class=\"num\">%s</td>", t);
			} else {
				buf_puts(b, "<td class=\"num\"></td><td class=\"num\"></td>");
			}
			if (c->has_value && c->has_target && c->target > 0)
				fmt_percent(t, sizeof t, c->value, c->target, 1);
			else
				t[0] = '\0';
			buf_printf(b, "<td class=\"num\">%s</td></tr>\n", t);
		}
		buf_puts(b, "</tbody>\n");
	}
	buf_puts(b, "</table>\n");
}

static void render_md(buf_t *b, arena_t *a, const struct ind_eval *e, const char *text)
{
	char title[256], tag[64];
	bulletin_title(e, title, sizeof title);
	buf_puts(b, "---\nlayout: \"post\"\ntitle: ");
	yaml_str(b, title);
	buf_printf(b, "\ndate: \"%04d-%02d-%02d 00:00:00 +0800\"\n", e->year, e->month, days_in_month(e->year, e->month));
	buf_puts(b, "categories: [\"statistics\"]\ntags: [");
	yaml_str(b, "主要经济指标");
	buf_puts(b, ", ");
	if (e->month == 1)
		snprintf(tag, sizeof tag, "%d年1月", e->year);
	else
		snprintf(tag, sizeof tag, "%d年1-%d月", e->year, e->month);
	yaml_str(b, tag);
	buf_puts(b, "]\n---\n");
	/* the body without a brace Liquid could take for its own */
	buf_t body;
	buf_init(&body);
	html_body(&body, a, e, text);
	for (const char *p = body.data ? body.data : ""; *p; p++) {
		if (*p == '{' || *p == '}')
			buf_puts(b, *p == '{' ? "&#123;" : "&#125;");
		else
			buf_append(b, p, 1);
	}
	buf_free(&body);
}

static const char page_style[] =
	"body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"Microsoft YaHei\",sans-serif;margin:2em auto;"
	"max-width:72em;color:#222;line-height:1.6}\n"
	"h1{font-size:1.5em;text-align:center}\n"
	"p.report{text-indent:2em}\n"
	"table.indicators{border-collapse:collapse;width:100%;font-size:.9em}\n"
	"table.indicators caption{font-weight:bold;margin:.5em 0}\n"
	"table.indicators th,table.indicators td{border:1px solid #999;padding:.2em .5em}\n"
	"table.indicators thead th{background:#eee}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"tr.zone th,tr.zone td{background:#fff3c4;font-weight:bold}\n"
	"footer{margin-top:1em;font-size:.8em;color:#666}\n"
	"@media print{body{margin:0;max-width:none}table.indicators{font-size:8pt}"
	"tbody{page-break-inside:avoid}tr.zone th,tr.zone td{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void render_html(buf_t *b, arena_t *a, const struct ind_eval *e, const char *text)
{
	char title[256];
	bulletin_title(e, title, sizeof title);
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	put_esc(b, a, title);
	buf_printf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", page_style);
	put_esc(b, a, title);
	buf_puts(b, "</h1>\n");
	html_body(b, a, e, text);
	buf_puts(b, "<footer>单位：亿元（实际利用外资：亿美元）；增长为同比；位次按全市各地区排列，并列取最优位次。</footer>\n"
	            "</body>\n</html>\n");
}

/* Write the xlsx form to path.  0, or -1 with err. */
static int render_xlsx(const char *path, const struct ind_eval *e, const char *text, char *err, size_t errlen)
{
	lxw_workbook *wb = workbook_new(path);
	if (wb == NULL) {
		snprintf(err, errlen, "%s: cannot create the workbook", path);
		return -1;
	}
	char title[256];
	bulletin_title(e, title, sizeof title);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "主要经济指标");
	lxw_format *f_title = workbook_add_format(wb);
	format_set_bold(f_title);
	format_set_font_size(f_title, 14);
	lxw_format *f_text = workbook_add_format(wb);
	format_set_text_wrap(f_text);
	format_set_align(f_text, LXW_ALIGN_VERTICAL_TOP);
	lxw_format *f_head = workbook_add_format(wb);
	format_set_bold(f_head);
	format_set_bg_color(f_head, 0xEEEEEE);
	format_set_border(f_head, LXW_BORDER_THIN);
	format_set_text_wrap(f_head);
	lxw_format *f_cell[2], *f_num[2], *f_pct[2], *f_int[2];
	for (int z = 0; z < 2; z++) {
		f_cell[z] = workbook_add_format(wb);
		f_num[z] = workbook_add_format(wb);
		f_pct[z] = workbook_add_format(wb);
		f_int[z] = workbook_add_format(wb);
		format_set_num_format(f_num[z], "0.00");
		format_set_num_format(f_pct[z], "0.0%");
		format_set_num_format(f_int[z], "0");
		lxw_format *all[4] = { f_cell[z], f_num[z], f_pct[z], f_int[z] };
		for (int j = 0; j < 4; j++) {
			format_set_border(all[j], LXW_BORDER_THIN);
			if (z) {
				format_set_bold(all[j]);
				format_set_bg_color(all[j], 0xFFF3C4);
			}
		}
	}
	static const char *const heads[] = { "指标", "地区", "累计值", "单位", "增长", "总量位次", "增幅位次", "税占比",
	                                     "税占比位次", "年度目标完成" };
	static const double widths[] = { 16, 14, 12, 8, 10, 9, 9, 10, 10, 12 };
	const int ncol = (int)(sizeof heads / sizeof heads[0]);
	for (int j = 0; j < ncol; j++)
		worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, widths[j], NULL);
	worksheet_write_string(ws, 0, 0, title, f_title);
	worksheet_merge_range(ws, 1, 0, 1, (lxw_col_t)(ncol - 1), text && *text ? text : "本期本区暂无指标数据。", f_text);
	worksheet_set_row(ws, 1, 96, NULL);
	for (int j = 0; j < ncol; j++)
		worksheet_write_string(ws, 3, (lxw_col_t)j, heads[j], f_head);
	worksheet_freeze_panes(ws, 4, 2);
	lxw_row_t row = 4;
	lxw_error xe = LXW_NO_ERROR;
	for (int k = 0; k < IND_COUNT && xe == LXW_NO_ERROR; k++)
		for (int i = 0; i < e->nregions && xe == LXW_NO_ERROR; i++, row++) {
			const struct ind_cell *c = &e->cell[k][i];
			int z = i == e->zone;
			worksheet_write_string(ws, row, 0, ind_catalogue[k].name, f_cell[z]);
			worksheet_write_string(ws, row, 1, e->regions[i].name, f_cell[z]);
			worksheet_write_string(ws, row, 3, ind_catalogue[k].unit, f_cell[z]);
			for (int j = 2; j < ncol; j++)
				if (j != 3)
					worksheet_write_blank(ws, row, (lxw_col_t)j, f_cell[z]);
			if (!c->has_value)
				continue;
			/* 万 → 亿: the exact decimal, printed by the library with %.16g */
			xe = worksheet_write_number(ws, row, 2, (double)c->value / 10000.0, f_num[z]);
			if (c->has_growth) {
				worksheet_write_number(ws, row, 4, (double)(c->value - c->prev) / (double)c->prev, f_pct[z]);
				worksheet_write_number(ws, row, 6, c->rank_growth, f_int[z]);
			}
			if (c->rank_total >= 1)
				worksheet_write_number(ws, row, 5, c->rank_total, f_int[z]);
			if (k == IND_BUDGET && e->share[i].has) {
				worksheet_write_number(ws, row, 7, (double)e->cell[IND_TAX][i].value / (double)c->value, f_pct[z]);
				if (e->share[i].rank >= 1)
					worksheet_write_number(ws, row, 8, e->share[i].rank, f_int[z]);
			}
			if (c->has_target && c->target > 0)
				worksheet_write_number(ws, row, 9, (double)c->value / (double)c->target, f_pct[z]);
		}
	char note[128];
	snprintf(note, sizeof note, "单位：亿元（实际利用外资：亿美元）；时间进度 %d/12", e->month);
	worksheet_write_string(ws, row + 1, 0, note, NULL);
	lxw_error ce = workbook_close(wb);
	if (xe != LXW_NO_ERROR || ce != LXW_NO_ERROR) {
		snprintf(err, errlen, "writing the workbook: %s", lxw_strerror(xe != LXW_NO_ERROR ? xe : ce));
		return -1;
	}
	return 0;
}

/* Evaluate and produce the text of the report paragraph.  DB_OK or a DB_
 * error. */
static int evaluate(db_t *db, int year, int month, struct ind_eval *e, char **text)
{
	int rc = ind_evaluate(db, year, month, e);
	if (rc != DB_OK)
		return rc;
	*text = ind_report_text(e, ind_top_ranks(db));
	if (*text == NULL)
		*text = strdup("");
	return DB_OK;
}

/* ---- HTTP ---- */

void api_indicator_bulletin(req_t *r)
{
	enum bformat f;
	const char *fs = req_query(r, "format");
	if (parse_format(fs && *fs ? fs : NULL, &f) < 0) {
		reply_error(r, 422, "invalid_parameter", "format", "format is md, html or xlsx");
		return;
	}
	const char *ps = req_query(r, "period");
	int year, month;
	if (ps && *ps) {
		if (month_parse(ps, &year, &month) < 0) {
			reply_error(r, 422, "invalid_parameter", "period", "period is YYYY-MM (2021-10), month 01-12");
			return;
		}
	} else {
		int rc = ind_latest_period(r->db, &year, &month);
		if (rc < 0) {
			reply_db_error(r, rc, "reading indicators");
			return;
		}
		if (rc == 0) {
			reply_error(r, 404, "no_data", "period", "there are no indicator values yet");
			return;
		}
	}
	struct ind_eval e;
	char *text = NULL;
	int rc = evaluate(r->db, year, month, &e, &text);
	if (rc != DB_OK) {
		reply_db_error(r, rc, "evaluating indicators");
		return;
	}
	if (!has_data(&e)) {
		ind_eval_free(&e);
		free(text);
		reply_error(r, 404, "no_data", "period", "there are no indicator values for %04d-%02d", year, month);
		return;
	}
	char name[96];
	if (f == BF_MD)   /* Jekyll's _posts naming: YYYY-MM-DD-title.md */
		snprintf(name, sizeof name, "%04d-%02d-%02d-indicators-%04d-%02d.md", year, month, days_in_month(year, month),
		         year, month);
	else
		snprintf(name, sizeof name, "indicators-%04d-%02d.%s", year, month, f == BF_HTML ? "html" : "xlsx");
	if (f == BF_XLSX) {
		char *path = reply_tmpfile(r, "zoneops-bulletin");
		char err[256];
		if (path && render_xlsx(path, &e, text, err, sizeof err) < 0) {
			unlink(path);
			reply_error(r, 500, "internal", NULL, "the bulletin could not be written");
		} else if (path)
			reply_file(r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name, path, NULL, 0);
		ind_eval_free(&e);
		free(text);
		return;
	}
	buf_t b;
	buf_init(&b);
	if (f == BF_MD)
		render_md(&b, r->arena, &e, text);
	else
		render_html(&b, r->arena, &e, text);
	ind_eval_free(&e);
	free(text);
	if (b.data == NULL)
		reply_error(r, 500, "internal", NULL, "out of memory");
	else
		reply_file(r, f == BF_MD ? "text/markdown; charset=utf-8" : "text/html; charset=utf-8", name, NULL, b.data, b.len);
	buf_free(&b);
}

/* ---- CLI ---- */

static int usage(void)
{
	fprintf(stderr, "usage: zoneops report monthly --period YYYY-MM --format md|html|xlsx [-o FILE]\n");
	return 2;
}

int cli_report_monthly(int argc, char **argv, db_t *db)
{
	const char *period = NULL, *format = NULL, *outpath = NULL;
	/* main.c passes the subcommand on as argv[0]; accept it missing too */
	int i0 = argc > 0 && strcmp(argv[0], "monthly") == 0;
	for (int i = i0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--period") == 0 && i + 1 < argc)
			period = argv[++i];
		else if (strncmp(a, "--period=", 9) == 0)
			period = a + 9;
		else if (strcmp(a, "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(a, "--format=", 9) == 0)
			format = a + 9;
		else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc)
			outpath = argv[++i];
		else if (strncmp(a, "--output=", 9) == 0)
			outpath = a + 9;
		else
			return usage();
	}
	if (format == NULL && outpath) {   /* from the extension */
		const char *dot = strrchr(outpath, '.');
		if (dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0))
			format = "html";
		else if (dot && strcmp(dot, ".xlsx") == 0)
			format = "xlsx";
	}
	enum bformat f;
	if (parse_format(format, &f) < 0) {
		fprintf(stderr, "zoneops: --format is md, html or xlsx\n");
		return 2;
	}
	if (f == BF_XLSX && (outpath == NULL || strcmp(outpath, "-") == 0)) {
		fprintf(stderr, "zoneops: --format xlsx needs -o FILE\n");
		return 2;
	}
	int year, month;
	if (period) {
		if (month_parse(period, &year, &month) < 0) {
			fprintf(stderr, "zoneops: --period is YYYY-MM (2021-10), month 01-12\n");
			return 2;
		}
	} else {
		int rc = ind_latest_period(db, &year, &month);
		if (rc < 0) {
			fprintf(stderr, "zoneops: %s\n", db_errmsg(db));
			return 1;
		}
		if (rc == 0) {
			fprintf(stderr, "zoneops: there are no indicator values yet\n");
			return 1;
		}
	}
	struct ind_eval e;
	char *text = NULL;
	if (evaluate(db, year, month, &e, &text) != DB_OK) {
		fprintf(stderr, "zoneops: %s\n", db_errmsg(db));
		return 1;
	}
	int rc = 0;
	if (!has_data(&e)) {
		fprintf(stderr, "zoneops: there are no indicator values for %04d-%02d\n", year, month);
		rc = 1;
	} else if (f == BF_XLSX) {
		char err[512];
		if (render_xlsx(outpath, &e, text, err, sizeof err) < 0) {
			fprintf(stderr, "zoneops: %s\n", err);
			rc = 1;
		}
	} else {
		arena_t *a = arena_new();
		buf_t b;
		buf_init(&b);
		if (f == BF_MD)
			render_md(&b, a, &e, text);
		else
			render_html(&b, a, &e, text);
		FILE *fp = outpath && strcmp(outpath, "-") != 0 ? fopen(outpath, "wb") : stdout;
		if (fp == NULL || b.data == NULL) {
			fprintf(stderr, "zoneops: %s: %s\n", outpath, fp ? "out of memory" : strerror(errno));
			rc = 1;
		} else {
			if (fwrite(b.data, 1, b.len, fp) != b.len)
				rc = 1;
			if (fp != stdout ? fclose(fp) != 0 : fflush(fp) != 0)
				rc = 1;
			if (rc)
				fprintf(stderr, "zoneops: %s: %s\n", outpath ? outpath : "stdout", strerror(errno));
		}
		buf_free(&b);
		arena_free(a);
	}
	if (rc == 0 && outpath && strcmp(outpath, "-") != 0)
		fprintf(stderr, "wrote %s\n", outpath);
	if (!has_data(&e) && rc == 0)
		rc = 1;
	ind_eval_free(&e);
	free(text);
	return rc;
}
