/*
 * test_import.c -- reading uploaded tables (src/table/table.h): text
 * decoding (BOM, GBK, UTF-16), CSV with libcsv (full-width commas, embedded
 * newlines and the line numbers of records), XLSX via libzip + expat
 * (shared and inline strings, cell placement, the first sheet through the
 * workbook's relationships), the zip-bomb, shared-strings and DTD
 * defences, the formula-injection guard and reply_file() of exports,
 * header mapping, and streaming: files of tens of MB read with bounded
 * memory (the peak resident size of a child process that reads them,
 * getrusage).
 *
 * XLSX fixtures are made here: with libxlsxwriter (as Excel-like files) and
 * with libzip from hand-written XML (for the odd cases and the attacks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "core/core.h"
#include "table/table.h"

/* ---- collecting rows ---- */

#define MAXR 64
#define MAXC 16
struct rows {
	int n;
	int64_t line[MAXR];
	int ncells[MAXR];
	char *cell[MAXR][MAXC];
	int stop_at;          /* stop after this many rows (0: never) */
};

static int collect(void *ud, int64_t line, int n, const char *const *cells)
{
	struct rows *r = ud;
	assert_true(r->n < MAXR);
	r->line[r->n] = line;
	r->ncells[r->n] = n;
	for (int i = 0; i < n && i < MAXC; i++)
		r->cell[r->n][i] = cells[i] ? strdup(cells[i]) : NULL;
	r->n++;
	return r->stop_at && r->n >= r->stop_at ? 7 : 0;
}

static int count_rows(void *ud, int64_t line, int n, const char *const *cells)
{
	(void)line, (void)n, (void)cells;
	(*(int64_t *)ud)++;
	return 0;
}

static void rows_free(struct rows *r)
{
	for (int i = 0; i < r->n; i++)
		for (int k = 0; k < r->ncells[i] && k < MAXC; k++)
			free(r->cell[i][k]);
	memset(r, 0, sizeof *r);
}

/* Keep only the last row (into row 0). */
static int collect_last(void *ud, int64_t line, int n, const char *const *cells)
{
	struct rows *r = ud;
	rows_free(r);
	return collect(r, line, n, cells);
}

static const char *cell(struct rows *r, int row, int col)
{
	if (row >= r->n || col >= r->ncells[row])
		return NULL;
	return r->cell[row][col];
}

/* Open bytes held in memory as format (NULL: from the content) and read
 * every row into r; *enc and *d1904 (may be NULL) tell what was found. */
static int read_table(const void *bytes, size_t len, const char *format, const struct xlsx_limits *lim,
                      table_row_fn fn, void *ud, err_t *err, const char **enc, int *d1904)
{
	struct table_src src = { .fd = -1, .data = bytes, .len = len };
	table_t *t = table_open(&src, format, lim, err);
	if (t == NULL)
		return -1;
	if (enc)
		*enc = table_encoding(t);
	if (d1904)
		*d1904 = table_date1904(t);
	int rc = table_read(t, fn, ud, err);
	table_close(t);
	return rc;
}

static int read_csv(const char *bytes, size_t len, struct rows *r, err_t *err, const char **enc)
{
	return read_table(bytes, len, "csv", NULL, collect, r, err, enc, NULL);
}

static int xlsx_read(const void *data, size_t len, const struct xlsx_limits *lim, table_row_fn fn, void *ud,
                     int *d1904, err_t *err)
{
	return read_table(data, len, "xlsx", lim, fn, ud, err, NULL, d1904);
}

/* ---- text decoding ---- */

static void test_decode_utf8_bom(void **state)
{
	(void)state;
	static const char in[] = "\xEF\xBB\xBF" "credit_code,name\n1,南通\n";
	struct rows r = { 0 };
	err_t err;
	const char *enc;
	assert_int_equal(read_csv(in, sizeof in - 1, &r, &err, &enc), 0);
	assert_string_equal(enc, "utf-8-bom");
	assert_int_equal(r.n, 2);
	assert_string_equal(cell(&r, 0, 0), "credit_code");   /* BOM not in the first header */
	assert_string_equal(cell(&r, 1, 1), "南通");
	rows_free(&r);

	/* without BOM */
	static const char in2[] = "a,b\r\n开发区,x\r\n";
	assert_int_equal(read_csv(in2, sizeof in2 - 1, &r, &err, &enc), 0);
	assert_string_equal(enc, "utf-8");
	assert_int_equal(r.n, 2);
	assert_string_equal(cell(&r, 1, 0), "开发区");
	assert_int_equal(r.line[1], 2);
	rows_free(&r);

	/* a BOM promises UTF-8: a GBK line after it is an error naming the line */
	static const char bad[] = "\xEF\xBB\xBF" "a,b\nok,ok\n\xC6\xF3\xD2\xB5,x\n";
	assert_int_equal(read_csv(bad, sizeof bad - 1, &r, &err, &enc), -1);
	assert_string_equal(err.code, "bad_encoding");
	assert_int_equal(err.line, 3);

	/* NUL bytes */
	static const char nul[] = "a,b\nx\0y,z\n";
	assert_int_equal(read_csv(nul, sizeof nul - 1, &r, &err, &enc), -1);
	assert_string_equal(err.code, "bad_encoding");
	assert_int_equal(err.line, 2);
}

static void test_decode_gbk(void **state)
{
	(void)state;
	/* "企业名称,员工人数\n南通公司，二期,47\n" in GBK: the full-width comma
	 * (A3 AC) inside an unquoted field stays text */
	static const char in[] =
		"\xC6\xF3\xD2\xB5\xC3\xFB\xB3\xC6,\xD4\xB1\xB9\xA4\xC8\xCB\xCA\xFD\n"
		"\xC4\xCF\xCD\xA8\xB9\xAB\xCB\xBE\xA3\xAC\xB6\xFE\xC6\xDA,47\n";
	struct rows r = { 0 };
	err_t err;
	const char *enc;
	assert_int_equal(read_csv(in, sizeof in - 1, &r, &err, &enc), 0);
	assert_string_equal(enc, "gb18030");
	assert_int_equal(r.n, 2);
	assert_string_equal(cell(&r, 0, 0), "企业名称");
	assert_string_equal(cell(&r, 0, 1), "员工人数");
	assert_int_equal(r.ncells[1], 2);
	assert_string_equal(cell(&r, 1, 0), "南通公司，二期");
	assert_string_equal(cell(&r, 1, 1), "47");
	rows_free(&r);

	/* bytes that are neither UTF-8 nor GB18030: an error with the line */
	static const char bad[] = "a,b\nx,y\n\x81\x20,z\n";
	assert_int_equal(read_csv(bad, sizeof bad - 1, &r, &err, &enc), -1);
	assert_string_equal(err.code, "bad_encoding");
	assert_int_equal(err.line, 3);

	/* UTF-16 LE with BOM ("a\tb\n1\t2\n"), tab-separated as Excel's Unicode text */
	static const char u16[] = "\xFF\xFE" "a\0\t\0b\0\n\0" "1\0\t\0\x57\x53\n\0";
	assert_int_equal(read_csv(u16, sizeof u16 - 1, &r, &err, &enc), 0);
	assert_string_equal(enc, "utf-16");
	assert_int_equal(r.n, 2);
	assert_string_equal(cell(&r, 1, 1), "南");
	rows_free(&r);
}

/* ---- CSV ---- */

static void test_csv_fields_and_lines(void **state)
{
	(void)state;
	static const char in[] =
		"credit_code,name,note\n"                          /* line 1 */
		"A,\"南通，有限公司\",plain\n"                     /* 2: full-width comma, quoted */
		"B,南通，有限公司,\"x, y\"\n"                      /* 3: full-width comma, unquoted; ASCII comma quoted */
		"\n"                                               /* 4: blank, skipped */
		"C,\"two\nlines\",\"say \"\"hi\"\"\"\n"            /* 5-6: embedded newline, doubled quotes */
		"D,\"three\r\nphysical\r\nlines\",z\r\n"           /* 7-9, CRLF inside and after */
		"E,last,no newline at the end";                   /* 10 */
	struct rows r = { 0 };
	err_t err;
	assert_int_equal(read_csv(in, sizeof in - 1, &r, &err, NULL), 0);
	assert_int_equal(r.n, 6);
	static const int64_t lines[] = { 1, 2, 3, 5, 7, 10 };
	for (int i = 0; i < 6; i++)
		assert_int_equal(r.line[i], lines[i]);
	assert_string_equal(cell(&r, 1, 1), "南通，有限公司");
	assert_int_equal(r.ncells[2], 3);
	assert_string_equal(cell(&r, 2, 1), "南通，有限公司");
	assert_string_equal(cell(&r, 2, 2), "x, y");
	assert_string_equal(cell(&r, 3, 1), "two\nlines");
	assert_string_equal(cell(&r, 3, 2), "say \"hi\"");
	assert_string_equal(cell(&r, 4, 1), "three\r\nphysical\r\nlines");
	assert_string_equal(cell(&r, 5, 2), "no newline at the end");
	rows_free(&r);

	/* the callback can stop the reading */
	r.stop_at = 2;
	assert_int_equal(read_csv(in, sizeof in - 1, &r, &err, NULL), 7);
	assert_int_equal(r.n, 2);
	rows_free(&r);
}

static void test_csv_errors(void **state)
{
	(void)state;
	struct rows r = { 0 };
	err_t err;
	/* a quote in the middle of an unquoted field (strict mode) */
	static const char q1[] = "a,b\nx,y\nbad\"quote,z\n";
	assert_int_equal(read_csv(q1, sizeof q1 - 1, &r, &err, NULL), -1);
	assert_string_equal(err.code, "csv_syntax");
	assert_int_equal(err.line, 3);
	rows_free(&r);
	/* a quote never closed: reported at the record's first line */
	static const char q2[] = "a,b\nx,y\nz,\"open\nstill open\nend\n";
	assert_int_equal(read_csv(q2, sizeof q2 - 1, &r, &err, NULL), -1);
	assert_string_equal(err.code, "csv_syntax");
	assert_int_equal(err.line, 3);
	rows_free(&r);
}

/* ---- XLSX fixtures ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *d = malloc((size_t)n + 1);
	assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return d;
}

static char *tmp_path(const char *suffix)
{
	static int k;
	char *p = malloc(256);
	snprintf(p, 256, "%s/zo-test-import-%d-%d%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(), ++k,
	         suffix);
	return p;
}

/* An XLSX written by libxlsxwriter; constant_memory writes inline strings. */
static char *make_xlsxwriter(int constant_memory, size_t *len)
{
	char *path = tmp_path(".xlsx");
	lxw_workbook_options opt = { .constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE, .tmpdir = NULL };
	lxw_workbook *wb = workbook_new_opt(path, &opt);
	assert_non_null(wb);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "企业");
	worksheet_write_string(ws, 0, 0, "统一社会信用代码", NULL);
	worksheet_write_string(ws, 0, 1, "企业名称", NULL);
	worksheet_write_string(ws, 0, 3, "员工人数", NULL);       /* C is empty */
	worksheet_write_string(ws, 1, 0, "91320691MA1XXXXXX0", NULL);
	worksheet_write_string(ws, 1, 1, "南通，开发区 & <公司>", NULL);
	worksheet_write_number(ws, 1, 3, 47, NULL);
	worksheet_write_number(ws, 1, 4, 18.5, NULL);             /* beyond the header */
	/* row 3 and 4 empty; row 5 (index 4) */
	worksheet_write_string(ws, 4, 1, "第五行", NULL);
	worksheet_write_boolean(ws, 4, 2, 1, NULL);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
	/* a second sheet is never read */
	char *d = slurp(path, len);
	unlink(path);
	free(path);
	return d;
}

static void check_generated(struct rows *r)
{
	assert_int_equal(r->n, 3);
	assert_int_equal(r->line[0], 1);
	assert_int_equal(r->line[1], 2);
	assert_int_equal(r->line[2], 5);
	assert_string_equal(cell(r, 0, 0), "统一社会信用代码");
	assert_null(cell(r, 0, 2));
	assert_string_equal(cell(r, 0, 3), "员工人数");
	assert_string_equal(cell(r, 1, 0), "91320691MA1XXXXXX0");
	assert_string_equal(cell(r, 1, 1), "南通，开发区 & <公司>");
	assert_string_equal(cell(r, 1, 3), "47");
	assert_string_equal(cell(r, 1, 4), "18.5");
	assert_null(cell(r, 2, 0));
	assert_string_equal(cell(r, 2, 1), "第五行");
	assert_string_equal(cell(r, 2, 2), "1");
}

static void test_xlsx_generated(void **state)
{
	(void)state;
	for (int cm = 0; cm <= 1; cm++) {
		size_t len;
		char *d = make_xlsxwriter(cm, &len);
		struct rows r = { 0 };
		err_t err = { 0 };
		int d1904 = -1;
		int rc = xlsx_read(d, len, NULL, collect, &r, &d1904, &err);
		if (rc != 0)
			fail_msg("xlsx_read (constant_memory=%d): %s", cm, err.message);
		assert_int_equal(d1904, 0);
		check_generated(&r);
		rows_free(&r);
		free(d);
	}
}

/* A zip from (name, content) pairs; content NULL ends the list. */
struct part {
	const char *name;
	const char *data;
	size_t len;          /* 0: strlen */
};

static char *make_zip(const struct part *parts, size_t *len)
{
	char *path = tmp_path(".zip");
	int ze;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
	assert_non_null(z);
	for (const struct part *p = parts; p->name; p++) {
		size_t n = p->len ? p->len : strlen(p->data);
		zip_source_t *s = zip_source_buffer(z, p->data, n, 0);
		assert_non_null(s);
		assert_true(zip_file_add(z, p->name, s, ZIP_FL_ENC_UTF_8) >= 0);
	}
	assert_int_equal(zip_close(z), 0);
	char *d = slurp(path, len);
	unlink(path);
	free(path);
	return d;
}

static const char WB_NS[] = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
                            "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";

static void test_xlsx_handmade(void **state)
{
	(void)state;
	/* the first sheet is "data.xml" through the relationships; a later
	 * sheet would give other rows; rich text runs are joined and phonetic
	 * runs skipped; cells without r follow each other; date1904 is read */
	char wb[1024], sst[1024], sheet[2048];
	snprintf(wb, sizeof wb,
	         "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook %s><workbookPr date1904=\"1\"/><sheets>"
	         "<sheet name=\"A\" sheetId=\"1\" r:id=\"rId7\"/><sheet name=\"B\" sheetId=\"2\" r:id=\"rId1\"/>"
	         "</sheets></workbook>", WB_NS);
	snprintf(sst, sizeof sst,
	         "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"2\" uniqueCount=\"2\">"
	         "<si><t>name</t></si>"
	         "<si><r><t>南通</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\"> 开发区</t></r>"
	         "<rPh sb=\"0\" eb=\"2\"><t>なんつう</t></rPh></si></sst>");
	snprintf(sheet, sizeof sheet,
	         "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
	         "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c t=\"inlineStr\"><is><t>code</t></is></c>"
	         "<c t=\"str\"><f>A1</f><v>formula result</v></c></row>"
	         "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>1</v></c><c r=\"B3\"><v>1.0E-3</v></c><c r=\"D3\" t=\"b\"><v>0</v></c>"
	         "<c r=\"E3\" t=\"inlineStr\"><is><r><t>in</t></r><r><t>line</t></r></is></c></row>"
	         "<row r=\"4\"><c r=\"A4\"/></row>"   /* no values: not a row */
	         "</sheetData></worksheet>");
	const char *other = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
	                    "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>WRONG SHEET</t></is></c></row></sheetData></worksheet>";
	const char *rels =
		"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
		"<Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"/xl/worksheets/data.xml\"/>"
		"</Relationships>";
	const struct part parts[] = {
		{ "xl/workbook.xml", wb, 0 },
		{ "xl/_rels/workbook.xml.rels", rels, 0 },
		{ "xl/sharedStrings.xml", sst, 0 },
		{ "xl/worksheets/sheet1.xml", other, 0 },
		{ "xl/worksheets/data.xml", sheet, 0 },
		{ NULL, NULL, 0 },
	};
	size_t len;
	char *d = make_zip(parts, &len);
	struct rows r = { 0 };
	err_t err = { 0 };
	int d1904 = 0;
	int rc = xlsx_read(d, len, NULL, collect, &r, &d1904, &err);
	if (rc != 0)
		fail_msg("xlsx_read: %s", err.message);
	assert_int_equal(d1904, 1);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.line[0], 1);
	assert_string_equal(cell(&r, 0, 0), "name");
	assert_string_equal(cell(&r, 0, 1), "code");
	assert_string_equal(cell(&r, 0, 2), "formula result");
	assert_int_equal(r.line[1], 3);
	assert_string_equal(cell(&r, 1, 0), "南通 开发区");
	assert_string_equal(cell(&r, 1, 1), "1.0E-3");        /* numbers as written */
	assert_null(cell(&r, 1, 2));
	assert_string_equal(cell(&r, 1, 3), "0");
	assert_string_equal(cell(&r, 1, 4), "inline");
	rows_free(&r);
	free(d);
}

static void test_xlsx_not_a_workbook(void **state)
{
	(void)state;
	struct rows r = { 0 };
	err_t err = { 0 };
	assert_int_equal(xlsx_read("a,b\n1,2\n", 8, NULL, collect, &r, NULL, &err), -1);
	assert_string_equal(err.code, "not_xlsx");
	/* a zip without a workbook */
	const struct part parts[] = { { "hello.txt", "hello", 0 }, { NULL, NULL, 0 } };
	size_t len;
	char *d = make_zip(parts, &len);
	assert_int_equal(xlsx_read(d, len, NULL, collect, &r, NULL, &err), -1);
	assert_string_equal(err.code, "not_xlsx");
	free(d);
	/* a truncated zip */
	d = make_xlsxwriter(0, &len);
	assert_int_equal(xlsx_read(d, len / 2, NULL, collect, &r, NULL, &err), -1);
	assert_string_equal(err.code, "not_xlsx");
	free(d);
	/* malformed XML */
	const struct part bad[] = {
		{ "xl/workbook.xml", "<workbook><sheets><sheet r:id=\"x\"></workbook>", 0 },
		{ NULL, NULL, 0 },
	};
	d = make_zip(bad, &len);
	assert_int_equal(xlsx_read(d, len, NULL, collect, &r, NULL, &err), -1);
	assert_string_equal(err.code, "xml_syntax");
	free(d);
	assert_int_equal(r.n, 0);
}

/* Patch the uncompressed size that the archive declares for name (local
 * header and central directory), as a zip bomb would. */
static void lie_about_size(char *d, size_t len, const char *name, uint32_t size)
{
	size_t nlen = strlen(name);
	int patched = 0;
	for (size_t i = 0; i + 46 < len; i++) {
		if (memcmp(d + i, "PK\x01\x02", 4) != 0)
			continue;
		unsigned char *c = (unsigned char *)d + i;
		size_t fnl = c[28] | (size_t)c[29] << 8;
		if (fnl != nlen || memcmp(c + 46, name, nlen) != 0)
			continue;
		uint32_t loc = c[42] | (uint32_t)c[43] << 8 | (uint32_t)c[44] << 16 | (uint32_t)c[45] << 24;
		for (int k = 0; k < 4; k++) {
			c[24 + k] = (unsigned char)(size >> (8 * k));
			((unsigned char *)d)[loc + 22 + k] = (unsigned char)(size >> (8 * k));
		}
		patched = 1;
	}
	assert_true(patched);
}

static void test_xlsx_zip_bomb(void **state)
{
	(void)state;
	/* a 30 MiB worksheet of one repeated row: deflates about 1000:1 */
	const char *head = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
	const char *rowx = "<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>";
	size_t big = 30u << 20, hl = strlen(head), rl = strlen(rowx);
	char *sheet = malloc(big + 64);
	memcpy(sheet, head, hl);
	size_t n = hl;
	while (n + rl < big) {
		memcpy(sheet + n, rowx, rl);
		n += rl;
	}
	strcpy(sheet + n, "</sheetData></worksheet>");
	n += strlen("</sheetData></worksheet>");
	char wb[512];
	snprintf(wb, sizeof wb, "<workbook %s><sheets><sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>", WB_NS);
	const struct part parts[] = {
		{ "xl/workbook.xml", wb, 0 },
		{ "xl/worksheets/sheet1.xml", sheet, n },
		{ NULL, NULL, 0 },
	};
	size_t len;
	char *d = make_zip(parts, &len);
	assert_true(len < 200000);

	int64_t nrows = 0;
	err_t err = { 0 };
	/* declared honestly: refused before inflating */
	assert_int_equal(xlsx_read(d, len, NULL, count_rows, &nrows, NULL, &err), -1);
	assert_string_equal(err.code, "xlsx_limit");
	assert_int_equal(nrows, 0);

	/* declared as 1000 bytes: refused while inflating, after at most the
	 * limit (a few MiB), not 30 MiB of rows */
	lie_about_size(d, len, "xl/worksheets/sheet1.xml", 1000);
	memset(&err, 0, sizeof err);
	assert_int_equal(xlsx_read(d, len, NULL, count_rows, &nrows, NULL, &err), -1);
	assert_string_equal(err.code, "xlsx_limit");
	assert_true(nrows > 0);
	/* no more rows than fit in 100 x the compressed size (the whole sheet has 600,000) */
	assert_true((size_t)nrows * rl <= 100 * len);

	/* the total limit across parts */
	struct xlsx_limits lim = xlsx_default_limits;
	lim.max_ratio = 100000;
	lim.max_total = 4u << 20;
	nrows = 0;
	assert_int_equal(xlsx_read(d, len, &lim, count_rows, &nrows, NULL, &err), -1);
	assert_string_equal(err.code, "xlsx_limit");
	assert_true((size_t)nrows * rl <= (4u << 20));
	free(d);
	free(sheet);

	char names[12][32];
	struct part many[13];
	for (int i = 0; i < 12; i++) {
		snprintf(names[i], sizeof names[i], "junk/%d.txt", i);
		many[i] = (struct part){ names[i], "x", 0 };
	}
	many[12] = (struct part){ NULL, NULL, 0 };
	d = make_zip(many, &len);
	lim = xlsx_default_limits;
	lim.max_entries = 10;
	struct rows r = { 0 };
	assert_int_equal(xlsx_read(d, len, &lim, collect, &r, NULL, &err), -1);
	assert_string_equal(err.code, "xlsx_limit");
	assert_non_null(strstr(err.message, "entries"));
	free(d);
}

static void test_xlsx_doctype(void **state)
{
	(void)state;
	/* billion laughs in the workbook */
	char wb[1024];
	snprintf(wb, sizeof wb,
	         "<?xml version=\"1.0\"?><!DOCTYPE workbook [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
	         "<workbook %s><sheets><sheet name=\"&b;\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>", WB_NS);
	const struct part p1[] = { { "xl/workbook.xml", wb, 0 }, { NULL, NULL, 0 } };
	size_t len;
	char *d = make_zip(p1, &len);
	struct rows r = { 0 };
	err_t err = { 0 };
	assert_int_equal(xlsx_read(d, len, NULL, collect, &r, NULL, &err), -1);
	assert_string_equal(err.code, "xlsx_dtd");
	free(d);

	/* an external entity in the shared strings (XXE) */
	snprintf(wb, sizeof wb, "<workbook %s><sheets><sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>", WB_NS);
	const char *sst = "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
	                  "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>&xxe;</t></si></sst>";
	const char *sheet = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
	                    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row></sheetData></worksheet>";
	const struct part p2[] = {
		{ "xl/workbook.xml", wb, 0 },
		{ "xl/sharedStrings.xml", sst, 0 },
		{ "xl/worksheets/sheet1.xml", sheet, 0 },
		{ NULL, NULL, 0 },
	};
	d = make_zip(p2, &len);
	assert_int_equal(xlsx_read(d, len, NULL, collect, &r, NULL, &err), -1);
	assert_string_equal(err.code, "xlsx_dtd");
	assert_int_equal(r.n, 0);
	free(d);

	/* without the DOCTYPE the same file reads (sheet found by default name) */
	const char *sst_ok = "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>ok</t></si></sst>";
	const struct part p3[] = {
		{ "xl/workbook.xml", wb, 0 },
		{ "xl/sharedStrings.xml", sst_ok, 0 },
		{ "xl/worksheets/sheet1.xml", sheet, 0 },
		{ NULL, NULL, 0 },
	};
	d = make_zip(p3, &len);
	assert_int_equal(xlsx_read(d, len, NULL, collect, &r, NULL, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(cell(&r, 0, 0), "ok");
	rows_free(&r);
	free(d);
}

static void test_formula_guard(void **state)
{
	(void)state;
	static const char *const yes[] = { "=1+1", "=HYPERLINK(\"http://x\")", "+86 513 1234", "-2", "@SUM(A1)",
	                                   "\tx", "\rx" };
	static const char *const no[] = { "", "a=b", "南通", " =x", "91320691MA1XXXXXX0", "'=x" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		assert_true(cell_is_formula_like(yes[i]));
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(cell_is_formula_like(no[i]));
	assert_false(cell_is_formula_like(NULL));
}


/* ---- downloads: reply_file's headers ---- */

static const char *header_of(req_t *r, const char *name)
{
	for (struct header *h = r->headers; h; h = h->next)
		if (strcmp(h->name, name) == 0)
			return h->value;
	return NULL;
}

static void test_reply_file(void **state)
{
	(void)state;
	req_t r;
	memset(&r, 0, sizeof r);
	r.arena = arena_new();
	r.fd = -1;
	reply_file(&r, "text/csv; charset=utf-8", "企业名录 \"2021\".csv", NULL, "a,b\r\n", 5);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.text_len, 5);
	assert_memory_equal(r.text, "a,b\r\n", 5);
	assert_string_equal(r.content_type, "text/csv; charset=utf-8");
	assert_string_equal(header_of(&r, "Content-Disposition"),
	                    "attachment; filename=\"____ _2021_.csv\"; "
	                    "filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%90%8D%E5%BD%95%20%222021%22.csv");
	assert_string_equal(header_of(&r, "Cache-Control"), "no-store");
	/* from a temporary file, unlinked once open */
	req_t f;
	memset(&f, 0, sizeof f);
	f.arena = r.arena;
	f.fd = -1;
	char *path = reply_tmpfile(&f, "zoneops-test");
	assert_non_null(path);
	FILE *fp = fopen(path, "wb");
	fputs("PK\x03\x04", fp);
	fclose(fp);
	reply_file(&f, "application/octet-stream", "race-2024-06.xlsx", path, NULL, 0);
	assert_true(f.fd >= 0);
	assert_int_equal(f.fd_size, 4);
	assert_int_equal(access(path, F_OK), -1);
	assert_string_equal(header_of(&f, "Content-Disposition"),
	                    "attachment; filename=\"race-2024-06.xlsx\"; filename*=UTF-8''race-2024-06.xlsx");
	/* a reply that changes afterwards does not send the file */
	reply_error(&f, 500, "internal", NULL, "changed my mind");
	assert_int_equal(f.fd, -1);
	json_decref(f.out);
	/* a file that is not there: 500 */
	req_t g;
	memset(&g, 0, sizeof g);
	g.arena = r.arena;
	g.fd = -1;
	reply_file(&g, "text/plain", "x.txt", "/nonexistent/zoneops-x", NULL, 0);
	assert_int_equal(g.status, 500);
	json_decref(g.out);
	arena_free(r.arena);
}

/* ---- header mapping ---- */

static void test_header_key(void **state)
{
	(void)state;
	static const char *const same[][2] = {
		{ "Credit Code", "creditcode" }, { " credit_code ", "creditcode" }, { "CREDIT-CODE", "creditcode" },
		{ "数值（亿元）", "数值" }, { "value (亿元)", "value" }, { "注册资本(万元)", "注册资本" },
		{ "预计投资【亿元】", "预计投资" }, { "*企业名称", "企业名称" }, { "备注：", "备注" },
		{ "\xEF\xBB\xBFperiod", "period" },                        /* a BOM left on the first header */
		{ "\xEF\xBC\xA3\xEF\xBD\x8F\xEF\xBD\x84\xEF\xBD\x85", "code" },   /* full-width "Code" */
		{ "\xE3\x80\x80name\xE3\x80\x80", "name" },                /* U+3000 around */
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		char k[64];
		table_header_key(same[i][0], k, sizeof k);
		assert_string_equal(k, same[i][1]);
	}
}

enum { HC_CODE, HC_NAME, HC_STREET, HC_STREET_ID, HC_IND, HC_IND_ALT, HC_NOTE, HC_SKIP, HC_CAPITAL, NHC };
static const struct table_col hcols[NHC] = {
	[HC_CODE] = { "credit_code", "统一社会信用代码", TABLE_COL_REQUIRED, 0 },
	[HC_NAME] = { "name", "企业名称|名称", TABLE_COL_REQUIRED, 0 },
	[HC_STREET] = { "street", "所属街道", 0, 1 },
	[HC_STREET_ID] = { "street_id", NULL, 0, 1 },
	[HC_IND] = { "industry_code", "行业代码", 0, 2 },
	[HC_IND_ALT] = { "industry", NULL, TABLE_COL_YIELDS, 2 },
	[HC_NOTE] = { "notes", "备注", 0, 0 },
	[HC_SKIP] = { "industry_name", "行业名称", TABLE_COL_IGNORED, 0 },
	[HC_CAPITAL] = { "registered_capital", "注册资本(万元)|资本", 0, 0 },
};

/* Map a header given as a NULL-terminated list; the error code or NULL. */
static const char *map(int *col_of, err_t *err, const char *const *cells)
{
	int n = 0;
	while (cells[n])
		n++;
	return table_map_header(hcols, NHC, 1, n, cells, col_of, err) < 0 ? err->code : NULL;
}

static void test_header_map(void **state)
{
	(void)state;
	int col_of[NHC];
	err_t err;
	/* Chinese labels, English names, case and units; an empty header cell
	 * and an informational column are ignored */
	const char *h1[] = { "统一社会信用代码", "", "Name", "行业名称", "所属街道", "备注(选填)", NULL };
	assert_null(map(col_of, &err, h1));
	assert_int_equal(col_of[HC_CODE], 0);
	assert_int_equal(col_of[HC_NAME], 2);
	assert_int_equal(col_of[HC_STREET], 4);
	assert_int_equal(col_of[HC_NOTE], 5);
	assert_int_equal(col_of[HC_SKIP], -1);
	assert_int_equal(col_of[HC_STREET_ID], -1);
	/* a yielding column: "industry" alone is the code, beside industry_code it is ignored */
	const char *h2[] = { "credit_code", "name", "industry", NULL };
	assert_null(map(col_of, &err, h2));
	assert_int_equal(col_of[HC_IND_ALT], 2);
	const char *h3[] = { "credit_code", "industry", "name", "行业代码", NULL };
	assert_null(map(col_of, &err, h3));
	assert_int_equal(col_of[HC_IND], 3);
	assert_int_equal(col_of[HC_IND_ALT], -1);
	/* two columns of one group, or one column twice */
	const char *h4[] = { "credit_code", "name", "street", "street_id", NULL };
	assert_string_equal(map(col_of, &err, h4), "duplicate_header");
	assert_int_equal(err.line, 1);
	assert_string_equal(err.field, "file");
	assert_string_equal(err_get_param(&err, "column"), "street");
	const char *h5[] = { "名称", "credit_code", "name", NULL };
	assert_string_equal(map(col_of, &err, h5), "duplicate_header");
	/* unknown columns: every one named, with the columns the file may have */
	const char *h6[] = { "credit_code", "colour", "name", "size", NULL };
	assert_string_equal(map(col_of, &err, h6), "unknown_header");
	assert_non_null(strstr(err.message, "\"colour\", \"size\""));
	assert_non_null(strstr(err.message, "credit_code, name, street"));
	assert_string_equal(err_get_param(&err, "value"), "\"colour\", \"size\"");
	/* a required column missing */
	const char *h7[] = { "统一社会信用代码", "备注", NULL };
	assert_string_equal(map(col_of, &err, h7), "missing_header");
	assert_string_equal(err_get_param(&err, "column"), "name");
	/* a unit in brackets must be the column's: 元 for a column in 万元 is refused */
	const char *h8[] = { "credit_code", "name", "注册资本（万元）", NULL };
	assert_null(map(col_of, &err, h8));
	assert_int_equal(col_of[HC_CAPITAL], 2);
	const char *h9[] = { "credit_code", "name", "资本【万元】", NULL };
	assert_null(map(col_of, &err, h9));
	const char *h10[] = { "credit_code", "name", "注册资本(元)", NULL };
	assert_string_equal(map(col_of, &err, h10), "unit_mismatch");
	assert_string_equal(err_get_param(&err, "value"), "元");
	assert_string_equal(err_get_param(&err, "expected"), "万元");
	const char *h11[] = { "credit_code", "name", "registered_capital (亿元)", NULL };
	assert_string_equal(map(col_of, &err, h11), "unit_mismatch");
	assert_int_equal(table_header_find(hcols, NHC, " STREET_ID "), HC_STREET_ID);
	assert_int_equal(table_header_find(hcols, NHC, "nothing"), -1);
	assert_int_equal(table_header_find(hcols, NHC, "  "), -1);
}

/* ---- streaming: big files, bounded memory ---- */

/* Run fn(arg) in a child process: its result (0 ok), and in *kib how much
 * its peak resident size grew meanwhile. */
static int in_child(int (*fn)(void *), void *arg, long *kib)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		long out[2] = { 0, ru.ru_maxrss };
		out[0] = fn(arg);
		getrusage(RUSAGE_SELF, &ru);
		out[1] = ru.ru_maxrss - out[1];
		if (write(p[1], out, sizeof out) != (ssize_t)sizeof out)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	long out[2] = { -1, -1 };
	assert_int_equal(read(p[0], out, sizeof out), (ssize_t)sizeof out);
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	*kib = out[1];
	return (int)out[0];
}

#define BIG_RECORDS 1000000   /* 30-35 MB of CSV, every record on two lines */

struct big {
	const char *path;
	int64_t n;                /* records seen */
	int bad;                  /* the first wrong record (its number), 0 */
	int gbk;
};

/* Record i (from 1): "i,"名字i<LF>第二行",x", on lines 2i and 2i+1 (the header is line 1). */
static int big_row(void *ud, int64_t line, int n, const char *const *cells)
{
	struct big *b = ud;
	if (b->n++ == 0)
		return n == 3 && strcmp(cells[0], "id") == 0 && line == 1 ? 0 : 1;
	int64_t i = b->n - 1;
	char want[64];
	snprintf(want, sizeof want, "名字%lld\n第二行", (long long)i);
	if (line != 2 * i || n != 3 || strtoll(cells[0], NULL, 10) != i || strcmp(cells[1], want) != 0 ||
	    strcmp(cells[2], "x") != 0)
		return b->bad = (int)i, 1;
	return 0;
}

static void write_big(const char *path, int gbk)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	/* 名字 and 第二行 in GBK: C3FB D7D6, B5DA B6FE D0D0 */
	const char *name = gbk ? "\xC3\xFB\xD7\xD6" : "名字", *second = gbk ? "\xB5\xDA\xB6\xFE\xD0\xD0" : "第二行";
	fputs("id,name,note\n", f);
	for (int i = 1; i <= BIG_RECORDS; i++)
		fprintf(f, "%d,\"%s%d\n%s\",x\r\n", i, name, i, second);
	assert_int_equal(fclose(f), 0);
}

static int read_big(void *arg)
{
	struct big *b = arg;
	int fd = open(b->path, O_RDONLY);
	if (fd < 0)
		return 10;
	struct table_src src = { .fd = fd };
	err_t err;
	table_t *t = table_open(&src, NULL, NULL, &err);
	if (t == NULL)
		return 11;
	if (strcmp(table_encoding(t), b->gbk ? "gb18030" : "utf-8") != 0)
		return 12;
	int rc = table_read(t, big_row, b, &err);
	table_close(t);
	close(fd);
	if (rc != 0)
		return 100 + b->bad % 1000;
	return b->n == BIG_RECORDS + 1 ? 0 : 13;
}

static void test_stream_csv(void **state)
{
	(void)state;
	for (int gbk = 0; gbk <= 1; gbk++) {
		char *path = tmp_path(".csv");
		write_big(path, gbk);
		FILE *f = fopen(path, "rb");
		fseek(f, 0, SEEK_END);
		long size = ftell(f);
		fclose(f);
		assert_true(size > 25L << 20);   /* tens of MB */
		struct big b = { .path = path, .gbk = gbk };
		long kib;
		int rc = in_child(read_big, &b, &kib);
		unlink(path);
		free(path);
		if (rc != 0)
			fail_msg("reading the big %s file: %d", gbk ? "GBK" : "UTF-8", rc);
		/* the file is ~30 MB; the reader holds a few chunks and one record */
		if (kib > 16 * 1024)
			fail_msg("reading a %ld MB %s file grew the resident size by %ld KiB", size >> 20,
			         gbk ? "GBK" : "UTF-8", kib);
	}
}

/* UTF-16 with BOM, through chunk boundaries: characters of 2 and 4 bytes,
 * records with embedded newlines keep their lines. */
static void test_stream_utf16(void **state)
{
	(void)state;
	buf_t u8;
	buf_init(&u8);
	buf_puts(&u8, "a\tb\n");
	for (int i = 1; i <= 20000; i++)
		buf_printf(&u8, "%d\t\"南通\xF0\x9F\x98\x80%d\n续\"\n", i, i);   /* 😀 is a surrogate pair */
	iconv_t cd = iconv_open("UTF-16LE", "UTF-8");
	assert_true(cd != (iconv_t)-1);
	size_t cap = u8.len * 2 + 16;
	char *out = malloc(cap + 2), *op = out + 2, *ip = u8.data;
	out[0] = (char)0xFF, out[1] = (char)0xFE;
	size_t il = u8.len, ol = cap;
	assert_true(iconv(cd, &ip, &il, &op, &ol) != (size_t)-1);
	iconv_close(cd);
	int64_t n = 0;
	err_t err;
	const char *enc;
	assert_int_equal(read_table(out, (size_t)(op - out), NULL, NULL, count_rows, &n, &err, &enc, NULL), 0);
	assert_string_equal(enc, "utf-16");
	assert_int_equal(n, 20001);
	/* the last record: its line and text */
	struct rows tail = { 0 };
	assert_int_equal(read_table(out, (size_t)(op - out), "csv", NULL, collect_last, &tail, &err, NULL, NULL), 0);
	assert_int_equal(tail.line[0], 2 * 20000);
	assert_string_equal(cell(&tail, 0, 1), "南通\xF0\x9F\x98\x80" "20000\n续");
	rows_free(&tail);
	free(out);
	buf_free(&u8);
}

/* ---- the shared-strings bomb ---- */

/* A zip entry's content made on the fly: head, n copies of unit, tail. */
struct gen {
	const char *head, *unit, *tail;
	uint64_t n, pos, size;
	char pat[65536 + 16];
	zip_error_t error;
};

static zip_int64_t gen_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct gen *g = ud;
	size_t hl = strlen(g->head), ul = strlen(g->unit);
	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		g->pos = 0;
		return 0;
	case ZIP_SOURCE_READ: {
		char *d = data;
		zip_uint64_t k = 0;
		while (k < len && g->pos < g->size) {
			uint64_t body = hl + g->n * ul;
			size_t m;
			if (g->pos < hl) {
				m = hl - g->pos;
				m = m < len - k ? m : len - k;
				memcpy(d + k, g->head + g->pos, m);
			} else if (g->pos < body) {
				size_t off = (size_t)((g->pos - hl) % ul);
				m = 65536 < body - g->pos ? 65536 : (size_t)(body - g->pos);
				m = m < len - k ? m : len - k;
				memcpy(d + k, g->pat + off, m);
			} else {
				m = (size_t)(g->size - g->pos);
				m = m < len - k ? m : len - k;
				memcpy(d + k, g->tail + (g->pos - body), m);
			}
			k += m;
			g->pos += m;
		}
		return (zip_int64_t)k;
	}
	case ZIP_SOURCE_CLOSE:
	case ZIP_SOURCE_FREE:
		return 0;
	case ZIP_SOURCE_STAT: {
		zip_stat_t *st = data;
		zip_stat_init(st);
		st->size = g->size;
		st->valid |= ZIP_STAT_SIZE;
		return sizeof *st;
	}
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&g->error, data, len);
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
		                                      ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		zip_error_set(&g->error, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

/* A workbook of one sheet whose part (xl/sharedStrings.xml or the sheet,
 * xl/worksheets/sheet1.xml) is head, n copies of unit and tail, deflated
 * on the fly. */
static char *make_bomb(const char *part, const char *head, const char *unit, const char *tail, uint64_t n,
                       size_t *len)
{
	static struct gen g;
	memset(&g, 0, sizeof g);
	g.head = head;
	g.unit = unit;
	g.tail = tail;
	g.n = n;
	size_t ul = strlen(unit);
	g.size = strlen(g.head) + n * ul + strlen(g.tail);
	for (size_t i = 0; i + ul <= sizeof g.pat; i += ul)
		memcpy(g.pat + i, unit, ul);
	zip_error_init(&g.error);
	char wb[512];
	snprintf(wb, sizeof wb, "<workbook %s><sheets><sheet name=\"A\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>", WB_NS);
	char *path = tmp_path(".xlsx");
	int ze;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
	assert_non_null(z);
	assert_true(zip_file_add(z, "xl/workbook.xml", zip_source_buffer(z, wb, strlen(wb), 0), ZIP_FL_ENC_UTF_8) >= 0);
	zip_source_t *src = zip_source_function(z, gen_cb, &g);
	assert_non_null(src);
	zip_int64_t idx = zip_file_add(z, part, src, ZIP_FL_ENC_UTF_8);
	assert_true(idx >= 0);
	assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9), 0);
	assert_int_equal(zip_close(z), 0);
	char *d = slurp(path, len);
	unlink(path);
	free(path);
	return d;
}

/* A workbook whose xl/sharedStrings.xml is n empty <si/>. */
static char *make_si_bomb(uint64_t n, size_t *len)
{
	return make_bomb("xl/sharedStrings.xml", "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
	                 "<si/>", "</sst>", n, len);
}

struct bomb {
	const char *data;
	size_t len;
	const struct xlsx_limits *lim;
	const char *want;         /* a piece of the expected message */
};

static int open_bomb(void *arg)
{
	struct bomb *b = arg;
	struct table_src src = { .fd = -1, .data = b->data, .len = b->len };
	err_t err;
	err_clear(&err);
	table_t *t = table_open(&src, NULL, b->lim, &err);
	if (t) {
		table_close(t);
		return 1;
	}
	if (strcmp(err.code, "xlsx_limit") != 0)
		return 2;
	if (strstr(err.message, b->want) == NULL)
		fprintf(stderr, "%s\n", err.message);
	return strstr(err.message, b->want) ? 0 : 3;
}

/* Open b's workbook and read every row of its sheet: 0 and the rows seen
 * in b->rows when want is NULL, else 0 when it is refused with code want
 * (b->want a piece of the message). */
struct sheet_bomb {
	const char *data;
	size_t len;
	const struct xlsx_limits *lim;
	const char *code, *want;
	int64_t rows;
};

static int count_bomb_row(void *ud, int64_t line, int n, const char *const *cells)
{
	(void)line, (void)n, (void)cells;
	(*(int64_t *)ud)++;
	return 0;
}

static int read_bomb(void *arg)
{
	struct sheet_bomb *b = arg;
	struct table_src src = { .fd = -1, .data = b->data, .len = b->len };
	err_t err;
	err_clear(&err);
	table_t *t = table_open(&src, "xlsx", b->lim, &err);
	if (t == NULL)
		return fprintf(stderr, "open: %s\n", err.message), 1;
	int rc = table_read(t, count_bomb_row, &b->rows, &err);
	table_close(t);
	if (b->code == NULL)
		return rc == 0 ? 0 : (fprintf(stderr, "read: %s\n", err.message), 2);
	if (rc == 0)
		return 3;
	if (strcmp(err.code, b->code) != 0 || strstr(err.message, b->want) == NULL)
		return fprintf(stderr, "read: %s: %s\n", err.code, err.message), 4;
	return 0;
}

#define SHEET_HEAD "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"

/* Every allocation of the XLSX reader that grows with the file is bounded:
 * expat's buffers (one element it must hold whole), a cell's text, the
 * cells of a row, and the rows (streamed).  The inflate limits are lifted
 * here, so that each bound is shown on its own. */
static void test_xlsx_memory_bounds(void **state)
{
	(void)state;
	struct xlsx_limits lim = xlsx_default_limits;
	lim.max_ratio = 1u << 20;            /* no part limit ... */
	lim.max_total = 1ull << 31;          /* ... nor pass limit */
	long kib;
	size_t len;
	/* an attribute value of 160 MB: expat holds the whole start tag */
	char *d = make_bomb("xl/worksheets/sheet1.xml", SHEET_HEAD "<row r=\"1\"><c r=\"A1\" s=\"", "xxxxxxxxxxxxxxxx",
	                    "\"><v>1</v></c></row></sheetData></worksheet>", 10u * 1000 * 1000, &len);
	assert_true(len < 1000000);
	struct sheet_bomb b = { d, len, &lim, "xlsx_limit", "an XML element needs more than", 0 };
	int rc = in_child(read_bomb, &b, &kib);
	if (rc != 0)
		fail_msg("a 160 MB attribute was not refused by expat's memory limit (%d)", rc);
	if (kib > 48 * 1024)
		fail_msg("refusing a 160 MB attribute grew the resident size by %ld KiB", kib);
	free(d);
	/* an inline string of 160 MB: refused at the cell limit */
	d = make_bomb("xl/worksheets/sheet1.xml", SHEET_HEAD "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>",
	              "xxxxxxxxxxxxxxxx", "</t></is></c></row></sheetData></worksheet>", 10u * 1000 * 1000, &len);
	b = (struct sheet_bomb){ d, len, &lim, "xlsx_limit", "longer than 1 MiB", 0 };
	rc = in_child(read_bomb, &b, &kib);
	if (rc != 0)
		fail_msg("a 160 MB inline string was not refused (%d)", rc);
	if (kib > 16 * 1024)
		fail_msg("refusing a 160 MB inline string grew the resident size by %ld KiB", kib);
	free(d);
	/* a million rows of a tiny cell: read, one row at a time */
	d = make_bomb("xl/worksheets/sheet1.xml", SHEET_HEAD, "<row><c><v>1</v></c></row>", "</sheetData></worksheet>",
	              1000u * 1000, &len);
	b = (struct sheet_bomb){ d, len, &lim, NULL, NULL, 0 };
	rc = in_child(read_bomb, &b, &kib);
	assert_int_equal(rc, 0);
	if (kib > 16 * 1024)
		fail_msg("reading a million tiny rows grew the resident size by %ld KiB", kib);
	free(d);
	/* one row of ever more tiny cells: refused past Excel's last column */
	d = make_bomb("xl/worksheets/sheet1.xml", SHEET_HEAD "<row r=\"1\">", "<c><v>1</v></c>", "</row></sheetData></worksheet>",
	              10u * 1000 * 1000, &len);
	b = (struct sheet_bomb){ d, len, &lim, "too_wide", "more than 16384 columns", 0 };
	rc = in_child(read_bomb, &b, &kib);
	assert_int_equal(rc, 0);
	if (kib > 16 * 1024)
		fail_msg("refusing a row of ten million cells grew the resident size by %ld KiB", kib);
	free(d);
	/* a row of 16000 cells of 400 bytes: refused at the row limit (4 MiB) */
	static char fat[512];
	snprintf(fat, sizeof fat, "<c t=\"inlineStr\"><is><t>%0400d</t></is></c>", 7);
	d = make_bomb("xl/worksheets/sheet1.xml", SHEET_HEAD "<row r=\"1\">", fat, "</row></sheetData></worksheet>", 16000,
	              &len);
	b = (struct sheet_bomb){ d, len, &lim, "too_large", "longer than 4 MiB", 0 };
	rc = in_child(read_bomb, &b, &kib);
	assert_int_equal(rc, 0);
	if (kib > 24 * 1024)
		fail_msg("refusing a 4 MiB row grew the resident size by %ld KiB", kib);
	free(d);
}

static void test_xlsx_si_bomb(void **state)
{
	(void)state;
	/* about 800 MB of <si/> deflate to about 1.2 MB: 160 million entries,
	 * which a table of one pointer and one malloc'd string each would take
	 * gigabytes to hold */
	size_t len;
	char *d = make_si_bomb(160u * 1000 * 1000, &len);
	assert_true(len > 1000000 && len < 2000000);
	/* declared honestly, it is refused before inflating */
	struct bomb b = { d, len, NULL, "would inflate to" };
	long kib;
	int rc = in_child(open_bomb, &b, &kib);
	assert_int_equal(rc, 0);
	/* declared small: the part may inflate to 100x its 1.2 MB, whose <si/>
	 * need 4 bytes each: refused when the table reaches 64 MiB */
	lie_about_size(d, len, "xl/sharedStrings.xml", 1000);
	b.want = "shared strings";
	rc = in_child(open_bomb, &b, &kib);
	if (rc != 0)
		fail_msg("the <si/> bomb was not refused by the shared-strings limit (%d)", rc);
	/* 64 MiB, and a realloc's copy at most (the old code: ~1 GiB) */
	if (kib > 160 * 1024)
		fail_msg("refusing a %zu-byte <si/> bomb grew the resident size by %ld KiB", len, kib);
	/* a tighter limit is kept as tightly */
	struct xlsx_limits lim = xlsx_default_limits;
	lim.max_strings = 4u << 20;
	b.lim = &lim;
	rc = in_child(open_bomb, &b, &kib);
	assert_int_equal(rc, 0);
	if (kib > 16 * 1024)
		fail_msg("with a 4 MiB limit the resident size grew by %ld KiB", kib);
	/* without the strings limit, the inflate limit (100x) stops it */
	lim = xlsx_default_limits;
	lim.max_strings = 1u << 30;
	b.want = "inflates beyond the limit";
	rc = in_child(open_bomb, &b, &kib);
	assert_int_equal(rc, 0);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_utf8_bom),
		cmocka_unit_test(test_decode_gbk),
		cmocka_unit_test(test_csv_fields_and_lines),
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_xlsx_generated),
		cmocka_unit_test(test_xlsx_handmade),
		cmocka_unit_test(test_xlsx_not_a_workbook),
		cmocka_unit_test(test_xlsx_zip_bomb),
		cmocka_unit_test(test_xlsx_doctype),
		cmocka_unit_test(test_formula_guard),
		cmocka_unit_test(test_reply_file),
		cmocka_unit_test(test_header_key),
		cmocka_unit_test(test_header_map),
		cmocka_unit_test(test_stream_csv),
		cmocka_unit_test(test_stream_utf16),
		cmocka_unit_test(test_xlsx_si_bomb),
		cmocka_unit_test(test_xlsx_memory_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
