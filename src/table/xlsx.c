/*
 * xlsx.c -- XLSX workbooks with libzip + expat: the first worksheet (the
 * first visible sheet of xl/workbook.xml through its relationship, else
 * xl/worksheets/sheet1.xml) with its shared strings.
 *
 * Safety: at most max_entries entries; only xl/workbook.xml,
 * xl/_rels/workbook.xml.rels, xl/sharedStrings.xml and the sheet are
 * inflated, in 64 KiB chunks fed straight to expat, and reading stops as
 * soon as one part exceeds max(min_allow, max_ratio x its compressed size)
 * or the parts of one pass exceed max_total -- the sizes the archive
 * declares are not trusted.  Expat never reads external or parameter
 * entities, and any DOCTYPE stops the parser, so no DTD is processed.
 *
 * Memory: the sheet is never held whole, only the current row (at most
 * TABLE_MAX_ROW_BYTES, a cell or string at most TABLE_MAX_CELL_BYTES, the
 * cells' index of MAX_COLS fixed).  The shared strings are kept for the
 * reading passes in one buffer of NUL-terminated strings and one array of
 * 32-bit offsets; what both allocate (their capacity) is counted against
 * max_strings, so a small archive of empty <si/> cannot make the reader
 * allocate more than that.  Expat allocates through a counting memory
 * suite: an element it must hold whole (a tag of a million attributes, an
 * attribute value of a hundred megabytes, countless distinct element
 * names) stops the parse at XML_MEM_MAX instead of growing its buffers
 * with the file.  libzip holds the central directory, which the upload's
 * size bounds, and one inflate stream.  So what a workbook can make the
 * reader allocate is bounded by these constants, not by the file.
 */
#include "table_int.h"

#include <errno.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#define MAX_COLS 16384          /* Excel's XFD */
#define MAX_ROWS 1048576
#define XML_MEM_MAX (16u << 20) /* what one expat parser may allocate */

/* ---- expat's memory, counted ---- */

/* The allocations of the parser being run in this thread (parse_part
 * sets it around the parser's life): each block carries its size in a
 * header, and an allocation that would pass XML_MEM_MAX fails, which
 * expat reports as XML_ERROR_NO_MEMORY. */
static _Thread_local size_t *xml_used;

#define XML_HDR 16              /* keeps the block aligned for any type */

static void *xml_malloc(size_t n)
{
	size_t *used = xml_used;
	if (used && (n > XML_MEM_MAX || *used > XML_MEM_MAX - n))
		return NULL;
	char *p = malloc(n + XML_HDR);
	if (p == NULL)
		return NULL;
	memcpy(p, &n, sizeof n);
	if (used)
		*used += n;
	return p + XML_HDR;
}

static void xml_free(void *q)
{
	if (q == NULL)
		return;
	char *p = (char *)q - XML_HDR;
	size_t n;
	memcpy(&n, p, sizeof n);
	if (xml_used)
		*xml_used -= n < *xml_used ? n : *xml_used;
	free(p);
}

static void *xml_realloc(void *q, size_t n)
{
	if (q == NULL)
		return xml_malloc(n);
	char *p = (char *)q - XML_HDR;
	size_t old;
	memcpy(&old, p, sizeof old);
	size_t *used = xml_used;
	if (used && n > old && (n - old > XML_MEM_MAX || *used > XML_MEM_MAX - (n - old)))
		return NULL;
	char *np = realloc(p, n + XML_HDR);
	if (np == NULL)
		return NULL;
	memcpy(np, &n, sizeof n);
	if (used)
		*used = *used - (old < *used ? old : *used) + n;
	return np + XML_HDR;
}

static const XML_Memory_Handling_Suite xml_mem = { xml_malloc, xml_realloc, xml_free };

struct xbook {
	zip_t *z;
	uint64_t open_total;        /* inflated bytes of the parts read when opening */
	int date1904;
	char sheet[512];            /* the worksheet's path in the archive */
	/* shared strings: strings[off[i]] */
	char *str;
	size_t strlen_, strcap;
	uint32_t *off;
	size_t nstr, offcap;
};

/* One parse of one part. */
struct xctx {
	table_t *t;
	struct xbook *b;
	uint64_t total;             /* inflated bytes of this pass */
	err_t *err;
	int failed;                 /* err is set */
	XML_Parser p;
	int doctype;
	buf_t text;                 /* captured character data */
	int capture;
	/* workbook and relationships */
	char *sheet_rid, *sheet_target;
	int sheet_hidden;
	/* shared strings and the sheet */
	int in_si, in_rph, in_sheetdata, in_is;
	int64_t row, lastrow;
	int col, lastcol;
	char ctype[16];
	/* the current row: cells as offsets into rowbuf, SIZE_MAX absent */
	buf_t rowbuf;
	size_t *cell_off;
	const char **cells;
	int ncells;
	table_row_fn fn;
	void *ud;
	int stop;
};

/* Stop the parser with an error already put in x->err. */
static void xfail(struct xctx *x)
{
	x->failed = 1;
	XML_StopParser(x->p, XML_FALSE);
}

static void text_reset(struct xctx *x)
{
	x->text.len = 0;
	if (x->text.data)
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
	if (!x->capture || x->failed)
		return;
	if (x->text.len + (size_t)len > TABLE_MAX_CELL_BYTES) {
		table_fail(x->err, x->row, "xlsx_limit", "a cell or shared string longer than %u MiB: refused",
		           TABLE_MAX_CELL_BYTES >> 20);
		xfail(x);
	} else if (buf_append(&x->text, s, (size_t)len) < 0) {
		table_fail(x->err, x->row, "too_large", "out of memory");
		xfail(x);
	}
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

/* The most part may inflate to: max(min_allow, ratio x compressed). */
static uint64_t part_limit(const struct xlsx_limits *lim, uint64_t comp)
{
	uint64_t limit = comp * lim->max_ratio;
	if (comp != 0 && limit / comp != lim->max_ratio)
		limit = UINT64_MAX;
	return limit < lim->min_allow ? lim->min_allow : limit;
}

/* Feed the open part f to p in chunks until its end.  0 or -1 (err set). */
static int inflate_into(struct xctx *x, zip_file_t *f, const char *name, uint64_t limit, uint64_t comp)
{
	const struct xlsx_limits *lim = &x->t->lim;
	char *buf = malloc(TABLE_CHUNK);
	if (buf == NULL)
		return table_fail(x->err, 0, "too_large", "out of memory");
	int rc = 0;
	uint64_t got = 0;
	for (;;) {
		zip_int64_t n = zip_fread(f, buf, TABLE_CHUNK);
		if (n < 0) {
			rc = table_fail(x->err, 0, "not_xlsx", "%s is damaged: %s", name, zip_file_strerror(f));
			break;
		}
		got += (uint64_t)n;
		x->total += (uint64_t)n;
		if (got > limit || x->total > lim->max_total) {
			rc = table_fail(x->err, 0, "xlsx_limit", "%s inflates beyond the limit (%llu bytes from %llu"
			                " compressed): refused (zip bomb?)", name,
			                (unsigned long long)(got > limit ? limit : lim->max_total), (unsigned long long)comp);
			break;
		}
		if (XML_Parse(x->p, buf, (int)n, n == 0) == XML_STATUS_ERROR) {
			if (x->failed)
				rc = -1;
			else if (x->doctype)
				rc = table_fail(x->err, 0, "xlsx_dtd", "%s has a DOCTYPE: DTDs are not accepted", name);
			else if (x->stop)
				rc = x->stop;
			else if (XML_GetErrorCode(x->p) == XML_ERROR_NO_MEMORY)
				rc = table_fail(x->err, 0, "xlsx_limit", "%s, line %lu: an XML element needs more than %u MiB"
				                " to parse: refused", name, (unsigned long)XML_GetCurrentLineNumber(x->p),
				                XML_MEM_MAX >> 20);
			else
				rc = table_fail(x->err, 0, "xml_syntax", "%s, line %lu: %s", name,
				                (unsigned long)XML_GetCurrentLineNumber(x->p), XML_ErrorString(XML_GetErrorCode(x->p)));
			break;
		}
		if (n == 0)
			break;
	}
	free(buf);
	return rc;
}

/* Inflate one part into a fresh expat parser with the given handlers.
 * Returns 0, 1 when the part is absent, the row callback's value, or -1
 * (err set). */
static int parse_part(struct xctx *x, const char *name, XML_StartElementHandler start, XML_EndElementHandler end)
{
	zip_t *z = x->b->z;
	zip_int64_t idx = zip_name_locate(z, name, ZIP_FL_NOCASE);
	if (idx < 0)
		return 1;
	zip_stat_t st;
	zip_stat_init(&st);
	if (zip_stat_index(z, (zip_uint64_t)idx, 0, &st) < 0)
		return table_fail(x->err, 0, "not_xlsx", "%s: %s", name, zip_strerror(z));
	uint64_t comp = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
	uint64_t limit = part_limit(&x->t->lim, comp);
	if ((st.valid & ZIP_STAT_SIZE) && (st.size > limit || st.size > x->t->lim.max_total - x->total))
		return table_fail(x->err, 0, "xlsx_limit", "%s would inflate to %llu bytes from %llu: refused (zip bomb?)",
		                  name, (unsigned long long)st.size, (unsigned long long)comp);
	zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
	if (f == NULL)
		return table_fail(x->err, 0, "not_xlsx", "%s cannot be read: %s", name, zip_strerror(z));
	size_t used = 0;
	xml_used = &used;
	XML_Parser p = XML_ParserCreate_MM("UTF-8", &xml_mem, "\x01");
	if (p == NULL) {
		xml_used = NULL;
		zip_fclose(f);
		return table_fail(x->err, 0, "too_large", "out of memory");
	}
	x->p = p;
	x->doctype = 0;
	XML_SetUserData(p, x);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	XML_SetEntityDeclHandler(p, on_entity_decl);
	XML_SetElementHandler(p, start, end);
	XML_SetCharacterDataHandler(p, on_text);
	int rc = inflate_into(x, f, name, limit, comp);
	XML_ParserFree(p);
	xml_used = NULL;
	x->p = NULL;
	zip_fclose(f);
	x->capture = 0;
	text_reset(x);
	return rc;
}

/* ---- workbook.xml and its relationships ---- */

/* <workbookPr date1904>, the first <sheet r:id> (the first visible one preferred). */
static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xctx *x = ud;
	const char *l = local(name);
	if (strcmp(l, "workbookPr") == 0) {
		const char *v = attr(atts, "date1904", 0);
		x->b->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
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

/* ---- sharedStrings.xml: <si> with <t> directly or in runs <r><t>; <rPh> (phonetic) skipped ---- */

/* Grow *cap (elements of unit bytes) to hold need: doubling from min0,
 * but not past room bytes.  0, or -1 when need does not fit. */
static int grow(size_t *cap, size_t need, size_t min0, size_t unit, uint64_t room)
{
	if (*cap >= need)
		return 0;
	uint64_t want = *cap ? (uint64_t)*cap * 2 : min0;
	if (want < need)
		want = need;
	if (want * unit > room)
		want = room / unit;
	if (want < need)
		return -1;
	*cap = (size_t)want;
	return 0;
}

/* Make room for n more bytes of strings and one more offset, counting
 * what both arrays allocate against max_strings.  0 or -1 (err set). */
static int sst_reserve(struct xctx *x, size_t n)
{
	struct xbook *b = x->b;
	uint64_t lim = x->t->lim.max_strings;
	size_t cap = b->strcap, ocap = b->offcap;
	uint64_t room_o = lim > cap ? lim - cap : 0;
	if (grow(&ocap, b->nstr + 1, 4096, sizeof *b->off, room_o) < 0)
		goto full;
	uint64_t room_s = lim > (uint64_t)ocap * sizeof *b->off ? lim - (uint64_t)ocap * sizeof *b->off : 0;
	if (room_s > UINT32_MAX)
		room_s = UINT32_MAX;   /* offsets are 32 bits */
	if (grow(&cap, b->strlen_ + n, 65536, 1, room_s) < 0)
		goto full;
	if (cap != b->strcap) {
		char *s = realloc(b->str, cap);
		if (s == NULL)
			return table_fail(x->err, 0, "too_large", "out of memory");
		b->str = s;
		b->strcap = cap;
	}
	if (ocap != b->offcap) {
		uint32_t *o = realloc(b->off, ocap * sizeof *o);
		if (o == NULL)
			return table_fail(x->err, 0, "too_large", "out of memory");
		b->off = o;
		b->offcap = ocap;
	}
	return 0;
full:
	return table_fail(x->err, 0, "xlsx_limit", "the shared strings need more than %llu MiB: refused",
	                  (unsigned long long)(lim >> 20));
}

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
		struct xbook *b = x->b;
		x->in_si = 0;
		/* the empty string is kept once, at offset 0 */
		size_t n = x->text.len ? x->text.len + 1 : 0;
		if (sst_reserve(x, n + (b->strlen_ == 0)) < 0) {
			xfail(x);
			return;
		}
		if (b->strlen_ == 0)
			b->str[b->strlen_++] = '\0';
		if (n) {
			b->off[b->nstr++] = (uint32_t)b->strlen_;
			memcpy(b->str + b->strlen_, x->text.data, n - 1);
			b->str[b->strlen_ + n - 1] = '\0';
			b->strlen_ += n;
		} else
			b->off[b->nstr++] = 0;
		text_reset(x);
	}
}

/* ---- the worksheet ---- */

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
		for (int i = 0; i < x->ncells; i++)
			x->cells[i] = x->cell_off[i] == SIZE_MAX ? NULL : x->rowbuf.data + x->cell_off[i];
		x->stop = x->fn(x->ud, x->row, x->ncells, x->cells);
		if (x->stop)
			XML_StopParser(x->p, XML_FALSE);
	}
	x->ncells = 0;
	x->rowbuf.len = 0;
}

static void set_cell(struct xctx *x, const char *s, size_t n)
{
	int i = x->col - 1;
	if (i < 0)
		return;
	for (int k = x->ncells; k <= i; k++)
		x->cell_off[k] = SIZE_MAX;
	if (i >= x->ncells)
		x->ncells = i + 1;
	if (x->rowbuf.len + n + 1 > TABLE_MAX_ROW_BYTES) {
		table_fail(x->err, x->row, "too_large", "row %lld is longer than %u MiB", (long long)x->row,
		           TABLE_MAX_ROW_BYTES >> 20);
		xfail(x);
		return;
	}
	x->cell_off[i] = x->rowbuf.len;
	if (buf_append(&x->rowbuf, s, n) < 0 || buf_append(&x->rowbuf, "", 1) < 0) {
		table_fail(x->err, x->row, "too_large", "out of memory");
		xfail(x);
	}
}

static void row_start(struct xctx *x, const char **atts)
{
	const char *rs = attr(atts, "r", 0);
	int64_t r = x->lastrow + 1;
	if (rs) {
		char *end;
		errno = 0;
		long long v = strtoll(rs, &end, 10);
		if (*end || errno || v < 1 || v > MAX_ROWS) {
			table_fail(x->err, 0, "xml_syntax", "worksheet: bad row number \"%.20s\"", rs);
			xfail(x);
			return;
		}
		r = v;
	}
	if (r > MAX_ROWS) {
		table_fail(x->err, 0, "too_large", "worksheet: more than %d rows", MAX_ROWS);
		xfail(x);
		return;
	}
	x->row = x->lastrow = r;
	x->lastcol = 0;
	x->ncells = 0;
	x->rowbuf.len = 0;
}

static void cell_start(struct xctx *x, const char **atts)
{
	const char *ref = attr(atts, "r", 0), *t = attr(atts, "t", 0);
	int col = x->lastcol + 1;
	int64_t r;
	if (ref && !parse_ref(ref, &col, &r)) {
		table_fail(x->err, x->row, "xml_syntax", "worksheet: bad cell reference \"%.20s\"", ref);
		xfail(x);
		return;
	}
	if (col > MAX_COLS) {
		table_fail(x->err, x->row, "too_wide", "row %lld: more than %d columns", (long long)x->row, MAX_COLS);
		xfail(x);
		return;
	}
	x->col = x->lastcol = col;
	snprintf(x->ctype, sizeof x->ctype, "%s", t ? t : "n");
	text_reset(x);
	x->in_is = 0;
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xctx *x = ud;
	const char *l = local(name);
	if (strcmp(l, "sheetData") == 0)
		x->in_sheetdata = 1;
	else if (!x->in_sheetdata)
		return;
	else if (strcmp(l, "row") == 0)
		row_start(x, atts);
	else if (strcmp(l, "c") == 0)
		cell_start(x, atts);
	else if (strcmp(l, "v") == 0) {
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

static void cell_end(struct xctx *x)
{
	const char *t = x->ctype;
	if (strcmp(t, "s") == 0) {
		char *end;
		errno = 0;
		unsigned long long k = strtoull(x->text.data ? x->text.data : "", &end, 10);
		if (x->text.len == 0 || *end || errno || k >= x->b->nstr) {
			table_fail(x->err, x->row, "xml_syntax", "row %lld: shared string \"%.20s\" does not exist",
			           (long long)x->row, x->text.data ? x->text.data : "");
			xfail(x);
			return;
		}
		const char *s = x->b->str + x->b->off[k];
		set_cell(x, s, strlen(s));
	} else if (x->text.len > 0 || strcmp(t, "inlineStr") == 0 || strcmp(t, "str") == 0)
		set_cell(x, x->text.data ? x->text.data : "", x->text.len);
	text_reset(x);
	x->in_is = 0;
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
	struct xctx *x = ud;
	const char *l = local(name);
	if (strcmp(l, "sheetData") == 0) {
		x->in_sheetdata = 0;
		return;
	}
	if (!x->in_sheetdata || x->failed)
		return;
	if (strcmp(l, "t") == 0 || strcmp(l, "v") == 0)
		x->capture = 0;
	else if (strcmp(l, "rPh") == 0)
		x->in_rph = 0;
	else if (strcmp(l, "c") == 0)
		cell_end(x);
	else if (strcmp(l, "row") == 0)
		flush_row(x);
}

/* ---- opening and reading ---- */

static zip_t *open_zip(const table_t *t, err_t *err)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = NULL;
	if (t->src.fd >= 0) {
		int fd = dup(t->src.fd);
		FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
		if (f == NULL && fd >= 0)
			close(fd);
		src = f ? zip_source_filep_create(f, 0, -1, &ze) : NULL;
		if (src == NULL && f)
			fclose(f);
	} else
		src = zip_source_buffer_create(t->src.data, t->src.len, 0, &ze);
	if (src == NULL) {
		zip_error_fini(&ze);
		table_fail(err, 0, "too_large", "cannot read the workbook: %s", strerror(errno));
		return NULL;
	}
	zip_t *z = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (z == NULL) {
		table_fail(err, 0, "not_xlsx", "the file is not a readable XLSX workbook: %s", zip_error_strerror(&ze));
		zip_source_free(src);
	}
	zip_error_fini(&ze);
	return z;
}

static void xctx_init(struct xctx *x, table_t *t, err_t *err)
{
	memset(x, 0, sizeof *x);
	x->t = t;
	x->b = t->x;
	x->err = err;
	buf_init(&x->text);
	buf_init(&x->rowbuf);
}

static void xctx_fini(struct xctx *x)
{
	free(x->sheet_rid);
	free(x->sheet_target);
	buf_free(&x->text);
	buf_free(&x->rowbuf);
	free(x->cell_off);
	free(x->cells);
}

/* The sheet's path from the workbook's relationship target. */
static int sheet_path(struct xctx *x)
{
	char *path = x->b->sheet;
	snprintf(path, sizeof x->b->sheet, "xl/worksheets/sheet1.xml");
	if (x->sheet_target == NULL)
		return 0;
	const char *t = x->sheet_target;
	if (t[0] == '/')
		snprintf(path, sizeof x->b->sheet, "%s", t + 1);
	else {
		while (strncmp(t, "./", 2) == 0)
			t += 2;
		snprintf(path, sizeof x->b->sheet, "xl/%s", t);
	}
	if (strstr(path, "..") != NULL)
		return table_fail(x->err, 0, "not_xlsx", "the workbook names its first sheet outside xl/");
	return 0;
}

int xlsx_open(table_t *t, err_t *err)
{
	char sig[4] = { 0 };
	if (table_src_read(&t->src, 0, sig, 4) != 4 || memcmp(sig, "PK\x03\x04", 4) != 0)
		return table_fail(err, 0, "not_xlsx", "the file is not an XLSX workbook (no ZIP signature)");
	t->x = calloc(1, sizeof *t->x);
	if (t->x == NULL)
		return table_fail(err, 0, "too_large", "out of memory");
	if ((t->x->z = open_zip(t, err)) == NULL)
		return -1;
	zip_int64_t nent = zip_get_num_entries(t->x->z, 0);
	if (nent < 0 || nent > t->lim.max_entries)
		return table_fail(err, 0, "xlsx_limit", "the archive has %lld entries, more than the %lld allowed",
		                  (long long)nent, (long long)t->lim.max_entries);
	struct xctx x;
	xctx_init(&x, t, err);
	int rc = parse_part(&x, "xl/workbook.xml", wb_start, no_end);
	if (rc == 1)
		rc = table_fail(err, 0, "not_xlsx", "the file is not an XLSX workbook (no xl/workbook.xml)");
	if (rc == 0 && x.sheet_rid && parse_part(&x, "xl/_rels/workbook.xml.rels", rels_start, no_end) < 0)
		rc = -1;
	if (rc == 0)
		rc = sheet_path(&x);
	if (rc == 0 && parse_part(&x, "xl/sharedStrings.xml", sst_start, sst_end) < 0)
		rc = -1;
	t->x->open_total = x.total;
	xctx_fini(&x);
	return rc < 0 ? -1 : 0;
}

int xlsx_rows(table_t *t, table_row_fn fn, void *ud, err_t *err)
{
	struct xctx x;
	xctx_init(&x, t, err);
	x.total = t->x->open_total;
	x.fn = fn;
	x.ud = ud;
	x.cell_off = malloc(MAX_COLS * sizeof *x.cell_off);
	x.cells = malloc(MAX_COLS * sizeof *x.cells);
	int rc = x.cell_off && x.cells ? parse_part(&x, t->x->sheet, sheet_start, sheet_end)
	                               : table_fail(err, 0, "too_large", "out of memory");
	if (rc == 1)
		rc = table_fail(err, 0, "not_xlsx", "the workbook has no first worksheet (%s)", t->x->sheet);
	xctx_fini(&x);
	return rc;
}

void xlsx_free(table_t *t)
{
	if (t->x == NULL)
		return;
	if (t->x->z)
		zip_discard(t->x->z);
	free(t->x->str);
	free(t->x->off);
	free(t->x);
	t->x = NULL;
}

int table_date1904(const table_t *t)
{
	return t->x ? t->x->date1904 : 0;
}
