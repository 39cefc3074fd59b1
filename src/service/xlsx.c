/*
 * xlsx.c -- reading uploaded tables: text decoding, CSV (libcsv) and XLSX
 * (libzip + expat).  See xlsx.h for the contract.
 *
 * XLSX safety: the archive is opened from memory; at most max_entries
 * entries; only xl/workbook.xml, xl/_rels/workbook.xml.rels,
 * xl/sharedStrings.xml and the first worksheet are inflated, in 64 KiB
 * chunks fed straight to expat, and reading stops as soon as the running
 * total of one part exceeds max(min_allow, max_ratio x its compressed size)
 * or the total of all parts exceeds max_total -- the sizes the archive
 * declares are not trusted.  Expat never reads external or parameter
 * entities, and any DOCTYPE stops the parser, so no DTD is ever processed.
 */
#include "xlsx.h"

#include <csv.h>
#include <errno.h>
#include <expat.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "core/core.h"

#define MAX_COLS 16384          /* Excel's XFD */
#define MAX_ROWS 1048576

static int fail(err_t *err, int64_t line, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(err_t *err, int64_t line, const char *code, const char *fmt, ...)
{
	if (err) {
		err_set(err, 422, code, "file", "%s", "");
		err->line = line;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int64_t line_of(const char *s, size_t pos)
{
	int64_t line = 1;
	for (size_t i = 0; i < pos; i++)
		line += s[i] == '\n';
	return line;
}

int cell_is_formula_like(const char *s)
{
	return s && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
}

/* ---- text decoding ---- */

static int convert(const char *in, size_t len, const char *from, char **out, size_t *outlen,
                   err_t *err)
{
	iconv_t cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return fail(err, 0, "bad_encoding", "cannot convert from %s on this system", from);
	size_t cap = len * 2 + 16;   /* GB18030 → UTF-8 is at most 3/2; UTF-16 → 3/2 */
	char *buf = malloc(cap);
	if (buf == NULL) {
		iconv_close(cd);
		return fail(err, 0, "too_large", "out of memory");
	}
	char *ip = (char *)in, *op = buf;
	size_t il = len, ol = cap - 1;
	size_t rc = iconv(cd, &ip, &il, &op, &ol);
	int e = errno;
	iconv_close(cd);
	if (rc == (size_t)-1) {
		free(buf);
		size_t pos = (size_t)(ip - in);
		if (strcmp(from, "GB18030") == 0)
			return fail(err, line_of(in, pos), "bad_encoding",
			            "文件既不是UTF-8也不是GBK编码 / the file is neither UTF-8 nor GBK/GB18030 (%s at byte %zu)",
			            e == EINVAL ? "truncated character" : "invalid byte sequence", pos + 1);
		return fail(err, 0, "bad_encoding", "invalid %s at byte %zu", from, pos + 1);
	}
	*op = '\0';
	*out = buf;
	*outlen = (size_t)(op - buf);
	return 0;
}

int table_decode_text(const char *in, size_t len, char **out, size_t *outlen, const char **encoding,
                      err_t *err)
{
	int rc;
	*out = NULL;
	*outlen = 0;
	if (len >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0) {
		*encoding = "utf-8-bom";
		in += 3, len -= 3;
		if (!utf8_valid(in, len)) {
			/* find the first bad line for the message */
			size_t lo = 0;
			int64_t line = 1;
			for (size_t i = 0; i <= len; i++)
				if (i == len || in[i] == '\n') {
					if (!utf8_valid(in + lo, i - lo))
						break;
					lo = i + 1;
					line++;
				}
			return fail(err, line, "bad_encoding", "文件以UTF-8标记开头，但第%lld行不是UTF-8 / the file starts with a UTF-8 byte order mark but line %lld is not UTF-8",
			            (long long)line, (long long)line);
		}
		rc = 0;
		*out = malloc(len + 1);
		if (*out == NULL)
			return fail(err, 0, "too_large", "out of memory");
		memcpy(*out, in, len);
		(*out)[len] = '\0';
		*outlen = len;
	} else if (len >= 2 && ((unsigned char)in[0] == 0xFF && (unsigned char)in[1] == 0xFE)) {
		*encoding = "utf-16";
		rc = convert(in + 2, len - 2, "UTF-16LE", out, outlen, err);
	} else if (len >= 2 && ((unsigned char)in[0] == 0xFE && (unsigned char)in[1] == 0xFF)) {
		*encoding = "utf-16";
		rc = convert(in + 2, len - 2, "UTF-16BE", out, outlen, err);
	} else if (utf8_valid(in, len)) {
		*encoding = "utf-8";
		rc = 0;
		*out = malloc(len + 1);
		if (*out == NULL)
			return fail(err, 0, "too_large", "out of memory");
		memcpy(*out, in, len);
		(*out)[len] = '\0';
		*outlen = len;
	} else {
		*encoding = "gb18030";
		rc = convert(in, len, "GB18030", out, outlen, err);
	}
	if (rc < 0)
		return -1;
	const char *nul = memchr(*out, '\0', *outlen);
	if (nul) {
		int64_t line = line_of(*out, (size_t)(nul - *out));
		free(*out);
		*out = NULL;
		return fail(err, line, "bad_encoding", "第%lld行含有NUL字节 / line %lld contains a NUL byte", (long long)line, (long long)line);
	}
	return 0;
}

char csv_guess_delim(const char *text, size_t len)
{
	size_t tabs = 0, commas = 0;
	for (size_t i = 0; i < len && text[i] != '\n'; i++)
		tabs += text[i] == '\t', commas += text[i] == ',';
	return tabs > commas ? '\t' : ',';
}

/* ---- CSV ---- */

#define CSV_MAX_FIELDS 1024

struct csv_state {
	buf_t data;               /* the current record's fields, each NUL-terminated */
	size_t off[CSV_MAX_FIELDS];
	int n;
	int too_wide;
	int64_t start_line;       /* where the current record started */
	table_row_fn fn;
	void *ud;
	int stop;                 /* callback's return value */
};

static void on_field(void *s, size_t len, void *data)
{
	struct csv_state *c = data;
	if (c->stop || c->too_wide)
		return;
	if (c->n >= CSV_MAX_FIELDS) {
		c->too_wide = 1;
		return;
	}
	c->off[c->n++] = c->data.len;
	if (buf_append(&c->data, s ? s : "", s ? len : 0) < 0 || buf_append(&c->data, "", 1) < 0)
		c->too_wide = 1;
}

static void on_record(int term, void *data)
{
	(void)term;
	struct csv_state *c = data;
	if (c->stop || c->too_wide) {
		c->n = 0;
		c->data.len = 0;
		return;
	}
	char *cells[CSV_MAX_FIELDS];
	for (int i = 0; i < c->n; i++)
		cells[i] = c->data.data + c->off[i];
	c->stop = c->fn(c->ud, c->start_line, c->n, cells);
	c->n = 0;
	c->data.len = 0;
}

int csv_read(const char *text, size_t len, char delim, table_row_fn fn, void *ud, err_t *err)
{
	struct csv_parser p;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return fail(err, 0, "too_large", "out of memory");
	csv_set_delim(&p, (unsigned char)delim);
	struct csv_state *c = calloc(1, sizeof *c);
	if (c == NULL) {
		csv_free(&p);
		return fail(err, 0, "too_large", "out of memory");
	}
	buf_init(&c->data);
	c->fn = fn;
	c->ud = ud;
	int rc = 0;
	int64_t line = 1;
	size_t pos = 0;
	/* Feed one physical line at a time: a record starts on the line being
	 * fed when the parser has not begun a row before it (pstate 0). */
	while (pos < len && !c->stop && !c->too_wide) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
		if (p.pstate == 0)
			c->start_line = line;
		if (csv_parse(&p, text + pos, n, on_field, on_record, c) != n) {
			rc = fail(err, line, "csv_syntax", "第%lld行CSV格式错误（引号不配对）/ line %lld: %s (a quote inside an unquoted"
			          " field, or text after a closing quote)", (long long)line, (long long)line, csv_strerror(csv_error(&p)));
			break;
		}
		pos += n;
		line++;
	}
	if (rc == 0 && !c->stop && !c->too_wide) {
		if (csv_fini(&p, on_field, on_record, c) != 0)
			rc = fail(err, c->start_line, "csv_syntax", "从第%lld行开始的记录有未闭合的引号 / the record starting on line %lld has a"
			          " quote that is never closed", (long long)c->start_line, (long long)c->start_line);
	}
	if (rc == 0 && c->too_wide)
		rc = fail(err, c->start_line, "too_wide", "第%lld行超过%d个字段 / line %lld has more than %d fields",
		          (long long)c->start_line, CSV_MAX_FIELDS, (long long)c->start_line, CSV_MAX_FIELDS);
	if (rc == 0)
		rc = c->stop;
	csv_free(&p);
	buf_free(&c->data);
	free(c);
	return rc;
}

/* ---- XLSX ---- */

const struct xlsx_limits xlsx_default_limits = {
	.max_entries = 10000,
	.max_total = 200u << 20,
	.max_ratio = 100,
	.min_allow = 1u << 20,
};

struct xctx {
	zip_t *z;
	const struct xlsx_limits *lim;
	uint64_t total;
	err_t *err;
	int failed;             /* err is set */
	XML_Parser p;
	int doctype;            /* a DOCTYPE was seen */
	/* text capture */
	buf_t text;
	int capture;
	/* workbook */
	int date1904;
	char *sheet_rid;        /* r:id of the first (visible) sheet */
	int sheet_hidden;       /* the chosen one is hidden (keep looking for a visible one) */
	/* relationships */
	char *sheet_target;
	/* shared strings */
	char **sst;
	size_t nsst, capsst;
	int in_si, in_rph;
	/* worksheet */
	int64_t row, lastrow;
	int col, lastcol;
	char ctype[16];
	int in_v, in_is;
	char **cells;
	int ncells;
	int in_sheetdata;
	table_row_fn fn;
	void *ud;
	int stop;
};

static void text_reset(struct xctx *x)
{
	x->text.len = 0;
	x->text.data[0] = '\0';
}

/* Local name of an expat namespace-expanded name "URI\x01local". */
static const char *local(const char *name)
{
	const char *s = strrchr(name, '\x01');
	return s ? s + 1 : name;
}

static const char *attr(const char **atts, const char *name, int want_ns)
{
	for (int i = 0; atts[i]; i += 2) {
		const char *sep = strrchr(atts[i], '\x01');
		if ((sep != NULL) == (want_ns != 0) && strcmp(sep ? sep + 1 : atts[i], name) == 0)
			return atts[i + 1];
	}
	return NULL;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct xctx *x = ud;
	if (x->capture && buf_append(&x->text, s, (size_t)len) < 0)
		XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	struct xctx *x = ud;
	x->doctype = 1;
	XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int pe, const XML_Char *value, int vlen,
                                   const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid,
                                   const XML_Char *notation)
{
	(void)name, (void)pe, (void)value, (void)vlen, (void)base, (void)sysid, (void)pubid, (void)notation;
	struct xctx *x = ud;
	x->doctype = 1;
	XML_StopParser(x->p, XML_FALSE);
}

/* Inflate one part in chunks into a fresh expat parser with the given
 * handlers.  Returns 0, 1 when the part is absent, -1 on failure (err set). */
static int parse_part(struct xctx *x, const char *name, XML_StartElementHandler start, XML_EndElementHandler end)
{
	zip_int64_t idx = zip_name_locate(x->z, name, ZIP_FL_NOCASE);
	if (idx < 0)
		return 1;
	zip_stat_t st;
	zip_stat_init(&st);
	if (zip_stat_index(x->z, (zip_uint64_t)idx, 0, &st) < 0)
		return fail(x->err, 0, "not_xlsx", "%s: %s", name, zip_strerror(x->z));
	uint64_t comp = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
	uint64_t limit = comp * x->lim->max_ratio;
	if (comp != 0 && limit / comp != x->lim->max_ratio)
		limit = UINT64_MAX;
	if (limit < x->lim->min_allow)
		limit = x->lim->min_allow;
	if ((st.valid & ZIP_STAT_SIZE) && (st.size > limit || st.size > x->lim->max_total - x->total))
		return fail(x->err, 0, "xlsx_limit", "XLSX解压后过大，已拒绝 / %s would inflate to %llu bytes from %llu: refused (zip bomb?)", name,
		            (unsigned long long)st.size, (unsigned long long)comp);
	zip_file_t *f = zip_fopen_index(x->z, (zip_uint64_t)idx, 0);
	if (f == NULL)
		return fail(x->err, 0, "not_xlsx", "%s cannot be read: %s", name, zip_strerror(x->z));
	XML_Parser p = XML_ParserCreateNS("UTF-8", '\x01');
	if (p == NULL) {
		zip_fclose(f);
		return fail(x->err, 0, "too_large", "out of memory");
	}
	x->p = p;
	x->doctype = 0;
	XML_SetUserData(p, x);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	XML_SetEntityDeclHandler(p, on_entity_decl);
	XML_SetElementHandler(p, start, end);
	XML_SetCharacterDataHandler(p, on_text);
	char *buf = malloc(65536);
	int rc = 0;
	uint64_t got = 0;
	if (buf == NULL)
		rc = fail(x->err, 0, "too_large", "out of memory");
	while (rc == 0) {
		zip_int64_t n = zip_fread(f, buf, 65536);
		if (n < 0) {
			rc = fail(x->err, 0, "not_xlsx", "%s is damaged: %s", name, zip_file_strerror(f));
			break;
		}
		got += (uint64_t)n;
		x->total += (uint64_t)n;
		if (got > limit || x->total > x->lim->max_total) {
			rc = fail(x->err, 0, "xlsx_limit", "XLSX解压后过大，已拒绝 / %s inflates beyond the limit (%llu bytes from %llu compressed): refused (zip bomb?)",
			          name, (unsigned long long)(got > limit ? limit : x->lim->max_total), (unsigned long long)comp);
			break;
		}
		if (XML_Parse(p, buf, (int)n, n == 0) == XML_STATUS_ERROR) {
			if (x->failed)
				rc = -1;
			else if (x->doctype)
				rc = fail(x->err, 0, "xlsx_dtd", "XLSX含有DOCTYPE（DTD），已拒绝 / %s has a DOCTYPE: DTDs are not accepted", name);
			else if (x->stop)
				rc = x->stop;
			else
				rc = fail(x->err, 0, "xml_syntax", "%s, line %lu: %s", name, (unsigned long)XML_GetCurrentLineNumber(p),
				          XML_ErrorString(XML_GetErrorCode(p)));
			break;
		}
		if (n == 0)
			break;
	}
	free(buf);
	XML_ParserFree(p);
	x->p = NULL;
	zip_fclose(f);
	x->capture = 0;
	text_reset(x);
	return rc;
}

/* Stop the parser with an error already put in x->err. */
static void xfail(struct xctx *x)
{
	x->failed = 1;
	XML_StopParser(x->p, XML_FALSE);
}

/* workbook.xml: <workbookPr date1904>, the first <sheet r:id> (first visible one preferred). */
static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xctx *x = ud;
	const char *l = local(name);
	if (strcmp(l, "workbookPr") == 0) {
		const char *v = attr(atts, "date1904", 0);
		x->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
	} else if (strcmp(l, "sheet") == 0) {
		const char *rid = attr(atts, "id", 1);
		const char *state = attr(atts, "state", 0);
		int hidden = state && strcmp(state, "visible") != 0;
		if (rid && (x->sheet_rid == NULL || (x->sheet_hidden && !hidden))) {
			free(x->sheet_rid);
			x->sheet_rid = strdup(rid);
			x->sheet_hidden = hidden;
		}
	}
}

static void XMLCALL no_end(void *ud, const XML_Char *name)
{
	(void)ud, (void)name;
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xctx *x = ud;
	if (strcmp(local(name), "Relationship") != 0 || x->sheet_rid == NULL || x->sheet_target)
		return;
	const char *id = attr(atts, "Id", 0), *target = attr(atts, "Target", 0);
	if (id && target && strcmp(id, x->sheet_rid) == 0)
		x->sheet_target = strdup(target);
}

/* sharedStrings.xml: <si> with <t> directly or in runs <r><t>; skip <rPh> (phonetic). */
static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	(void)atts;
	struct xctx *x = ud;
	const char *l = local(name);
	if (strcmp(l, "si") == 0) {
		x->in_si = 1;
		text_reset(x);
	} else if (strcmp(l, "rPh") == 0)
		x->in_rph = 1;
	else if (strcmp(l, "t") == 0 && x->in_si && !x->in_rph)
		x->capture = 1;
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
	struct xctx *x = ud;
	const char *l = local(name);
	if (strcmp(l, "t") == 0)
		x->capture = 0;
	else if (strcmp(l, "rPh") == 0)
		x->in_rph = 0;
	else if (strcmp(l, "si") == 0) {
		x->in_si = 0;
		if (x->nsst == x->capsst) {
			size_t cap = x->capsst ? x->capsst * 2 : 256;
			char **t = realloc(x->sst, cap * sizeof *t);
			if (t == NULL) {
				fail(x->err, 0, "too_large", "out of memory");
				xfail(x);
				return;
			}
			x->sst = t;
			x->capsst = cap;
		}
		char *s = malloc(x->text.len + 1);
		if (s == NULL) {
			fail(x->err, 0, "too_large", "out of memory");
			xfail(x);
			return;
		}
		memcpy(s, x->text.data, x->text.len);
		s[x->text.len] = '\0';
		x->sst[x->nsst++] = s;
		text_reset(x);
	}
}

/* "BC12" → column 55 (1-based) and row 12; 0 on a malformed reference. */
static int parse_ref(const char *ref, int *col, int64_t *row)
{
	int c = 0;
	const char *p = ref;
	while (*p >= 'A' && *p <= 'Z') {
		c = c * 26 + (*p - 'A' + 1);
		if (c > MAX_COLS)
			return 0;
		p++;
	}
	if (p == ref)
		return 0;
	int64_t r = 0;
	const char *q = p;
	while (*p >= '0' && *p <= '9') {
		r = r * 10 + (*p - '0');
		if (r > MAX_ROWS)
			return 0;
		p++;
	}
	if (*p != '\0')
		return 0;
	*col = c;
	*row = p == q ? 0 : r;
	return 1;
}

static void flush_row(struct xctx *x)
{
	if (x->ncells > 0 && !x->stop) {
		x->stop = x->fn(x->ud, x->row, x->ncells, x->cells);
		if (x->stop)
			XML_StopParser(x->p, XML_FALSE);
	}
	for (int i = 0; i < x->ncells; i++) {
		free(x->cells[i]);
		x->cells[i] = NULL;
	}
	x->ncells = 0;
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xctx *x = ud;
	const char *l = local(name);
	if (strcmp(l, "sheetData") == 0)
		x->in_sheetdata = 1;
	else if (!x->in_sheetdata)
		return;
	else if (strcmp(l, "row") == 0) {
		const char *rs = attr(atts, "r", 0);
		int64_t r = x->lastrow + 1;
		if (rs) {
			char *end;
			errno = 0;
			long long v = strtoll(rs, &end, 10);
			if (*end || errno || v < 1 || v > MAX_ROWS) {
				fail(x->err, 0, "xml_syntax", "worksheet: bad row number \"%.20s\"", rs);
				xfail(x);
				return;
			}
			r = v;
		}
		if (r > MAX_ROWS) {
			fail(x->err, 0, "too_large", "worksheet: more than %d rows", MAX_ROWS);
			xfail(x);
			return;
		}
		x->row = x->lastrow = r;
		x->lastcol = 0;
		x->ncells = 0;
	} else if (strcmp(l, "c") == 0) {
		const char *ref = attr(atts, "r", 0), *t = attr(atts, "t", 0);
		int col = x->lastcol + 1;
		int64_t r;
		if (ref && !parse_ref(ref, &col, &r)) {
			fail(x->err, x->row, "xml_syntax", "worksheet: bad cell reference \"%.20s\"", ref);
			xfail(x);
			return;
		}
		if (col > MAX_COLS) {
			fail(x->err, x->row, "too_wide", "row %lld: more than %d columns", (long long)x->row, MAX_COLS);
			xfail(x);
			return;
		}
		x->col = x->lastcol = col;
		snprintf(x->ctype, sizeof x->ctype, "%s", t ? t : "n");
		text_reset(x);
		x->in_v = x->in_is = 0;
	} else if (strcmp(l, "v") == 0) {
		x->in_v = 1;
		x->capture = 1;
		text_reset(x);
	} else if (strcmp(l, "is") == 0) {
		x->in_is = 1;
		text_reset(x);
	} else if (strcmp(l, "rPh") == 0)
		x->in_rph = 1;
	else if (strcmp(l, "t") == 0 && x->in_is && !x->in_rph)
		x->capture = 1;
}

static void set_cell(struct xctx *x, const char *s, size_t n)
{
	int i = x->col - 1;
	if (i < 0)
		return;
	if (i >= x->ncells) {
		for (int k = x->ncells; k <= i; k++)
			x->cells[k] = NULL;
		x->ncells = i + 1;
	}
	free(x->cells[i]);
	x->cells[i] = malloc(n + 1);
	if (x->cells[i] == NULL) {
		fail(x->err, x->row, "too_large", "out of memory");
		xfail(x);
		return;
	}
	memcpy(x->cells[i], s, n);
	x->cells[i][n] = '\0';
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
	struct xctx *x = ud;
	const char *l = local(name);
	if (strcmp(l, "sheetData") == 0) {
		x->in_sheetdata = 0;
		return;
	}
	if (!x->in_sheetdata)
		return;
	if (strcmp(l, "t") == 0 || strcmp(l, "v") == 0) {
		x->capture = 0;
		if (strcmp(l, "v") == 0)
			x->in_v = 0;
	} else if (strcmp(l, "rPh") == 0)
		x->in_rph = 0;
	else if (strcmp(l, "c") == 0) {
		const char *t = x->ctype;
		if (strcmp(t, "s") == 0) {
			char *end;
			errno = 0;
			unsigned long long k = strtoull(x->text.data, &end, 10);
			if (x->text.len == 0 || *end || errno || k >= x->nsst) {
				fail(x->err, x->row, "xml_syntax", "row %lld: shared string \"%.20s\" does not exist",
				     (long long)x->row, x->text.data);
				xfail(x);
				return;
			}
			set_cell(x, x->sst[k], strlen(x->sst[k]));
		} else if (x->text.len > 0 || strcmp(t, "inlineStr") == 0 || strcmp(t, "str") == 0)
			set_cell(x, x->text.data, x->text.len);
		text_reset(x);
		x->in_is = 0;
	} else if (strcmp(l, "row") == 0)
		flush_row(x);
}

int xlsx_read(const void *data, size_t len, const struct xlsx_limits *lim, table_row_fn fn, void *ud,
              int *date1904, err_t *err)
{
	if (lim == NULL)
		lim = &xlsx_default_limits;
	if (date1904)
		*date1904 = 0;
	if (len < 4 || memcmp(data, "PK\x03\x04", 4) != 0)
		return fail(err, 0, "not_xlsx", "文件不是XLSX工作簿 / the file is not an XLSX workbook (no ZIP signature)");
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
	if (src == NULL) {
		zip_error_fini(&ze);
		return fail(err, 0, "too_large", "out of memory");
	}
	zip_t *z = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (z == NULL) {
		int rc = fail(err, 0, "not_xlsx", "文件不是可读的XLSX工作簿 / the file is not a readable XLSX workbook: %s", zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return rc;
	}
	zip_error_fini(&ze);
	struct xctx *x = calloc(1, sizeof *x);
	if (x == NULL) {
		zip_discard(z);
		return fail(err, 0, "too_large", "out of memory");
	}
	x->z = z;
	x->lim = lim;
	x->err = err;
	x->fn = fn;
	x->ud = ud;
	buf_init(&x->text);
	int rc = buf_append(&x->text, "", 0) < 0 ? fail(err, 0, "too_large", "out of memory") : 0;
	zip_int64_t nent = zip_get_num_entries(z, 0);
	if (rc == 0 && (nent < 0 || nent > lim->max_entries))
		rc = fail(err, 0, "xlsx_limit", "XLSX包含的文件过多 / the archive has %lld entries, more than the %lld allowed",
		          (long long)nent, (long long)lim->max_entries);
	if (rc == 0) {
		rc = parse_part(x, "xl/workbook.xml", wb_start, no_end);
		if (rc == 1)
			rc = fail(err, 0, "not_xlsx", "文件不是XLSX工作簿 / the file is not an XLSX workbook (no xl/workbook.xml)");
	}
	if (rc == 0 && x->sheet_rid) {
		rc = parse_part(x, "xl/_rels/workbook.xml.rels", rels_start, no_end);
		if (rc == 1)
			rc = 0;
	}
	char path[512] = "xl/worksheets/sheet1.xml";
	if (rc == 0 && x->sheet_target) {
		const char *t = x->sheet_target;
		if (t[0] == '/')
			snprintf(path, sizeof path, "%s", t + 1);
		else {
			while (strncmp(t, "./", 2) == 0)
				t += 2;
			snprintf(path, sizeof path, "xl/%s", t);
		}
		if (strstr(path, "..") != NULL)
			rc = fail(err, 0, "not_xlsx", "the workbook names its first sheet outside xl/");
	}
	if (rc == 0) {
		rc = parse_part(x, "xl/sharedStrings.xml", sst_start, sst_end);
		if (rc == 1)
			rc = 0;
	}
	if (rc == 0) {
		x->cells = calloc(MAX_COLS, sizeof *x->cells);
		if (x->cells == NULL)
			rc = fail(err, 0, "too_large", "out of memory");
	}
	if (rc == 0) {
		x->in_rph = 0;
		rc = parse_part(x, path, sheet_start, sheet_end);
		if (rc == 1)
			rc = fail(err, 0, "not_xlsx", "the workbook has no first worksheet (%s)", path);
	}
	if (date1904)
		*date1904 = x->date1904;
	if (x->cells) {
		for (int i = 0; i < x->ncells; i++)
			free(x->cells[i]);
		free(x->cells);
	}
	for (size_t i = 0; i < x->nsst; i++)
		free(x->sst[i]);
	free(x->sst);
	free(x->sheet_rid);
	free(x->sheet_target);
	buf_free(&x->text);
	free(x);
	zip_discard(z);
	return rc;
}

int table_file_load(const char *file, const char **format, char **data, size_t *len)
{
	const char *f = *format;
	if (f && strcmp(f, "csv") != 0 && strcmp(f, "xlsx") != 0) {
		fprintf(stderr, "zoneops: --format is csv or xlsx\n");
		return 2;
	}
	if (f == NULL) {
		size_t n = strlen(file);
		if (n > 5 && strcasecmp(file + n - 5, ".xlsx") == 0)
			f = "xlsx";
		else if (n > 4 && strcasecmp(file + n - 4, ".csv") == 0)
			f = "csv";
	}
	*format = f;
	*len = 0;
	*data = file_read_all(file, len);
	if (*data == NULL) {
		fprintf(stderr, "zoneops: %s: %s\n", file, strerror(errno));
		return 1;
	}
	return 0;
}
