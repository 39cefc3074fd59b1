/*
 * csv.c -- CSV files: the text encoding, then records with libcsv.
 *
 * Encoding: a byte-order mark decides (EF BB BF UTF-8, FF FE / FE FF
 * UTF-16 LE/BE); without one the file is UTF-8 when all of it is valid
 * UTF-8, else GB18030 (a superset of GBK).  csv_open() decodes the whole
 * file once, in chunks, to decide that and to find encoding errors and
 * NUL bytes with their line before any row is read; it also guesses the
 * delimiter (TAB when the first line has more tabs than commas).
 *
 * Reading: the file is decoded again chunk by chunk (iconv for UTF-16 and
 * GB18030) and fed to libcsv one physical line (or piece of one) at a
 * time, so a record's first line is known (libcsv has not begun a row
 * when that line starts), and nothing but the current record is held:
 * memory stays bounded whatever the file's size.  Strict RFC 4180 quoting,
 * embedded newlines, CRLF or LF; blank lines are skipped.
 */
#include "table_int.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

/* ---- decoding ---- */

struct dec {
	table_t *t;
	enum table_enc enc;
	iconv_t cd;                  /* (iconv_t)-1 for UTF-8 */
	uint64_t off;                /* the next byte of the file to read */
	char raw[TABLE_CHUNK];
	size_t rawlen;               /* bytes read, not yet decoded */
	uint64_t rawpos;             /* file offset of raw[0] */
	int64_t rawline;             /* line of raw[0] (UTF-8 and GB18030 keep '\n' as is) */
	int eof;
};

#define DEC_OUT (TABLE_CHUNK * 2 + 16)   /* UTF-16 or GB18030 → UTF-8 grows by at most 3/2 */

static int dec_init(struct dec *d, table_t *t, enum table_enc enc, err_t *err)
{
	memset(d, 0, sizeof *d);
	d->t = t;
	d->enc = enc;
	d->off = d->rawpos = t->start;
	d->rawline = 1;
	d->cd = (iconv_t)-1;
	const char *from = enc == ENC_UTF16LE ? "UTF-16LE" : enc == ENC_UTF16BE ? "UTF-16BE"
	                 : enc == ENC_GB18030 ? "GB18030" : NULL;
	if (from && (d->cd = iconv_open("UTF-8", from)) == (iconv_t)-1)
		return table_fail(err, 0, "bad_encoding", "cannot convert from %s on this system", from);
	return 0;
}

static void dec_fini(struct dec *d)
{
	if (d->cd != (iconv_t)-1)
		iconv_close(d->cd);
	d->cd = (iconv_t)-1;
}

static int64_t count_lines(const char *s, size_t n)
{
	int64_t k = 0;
	for (const char *p = s, *e = s + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
		k++;
	return k;
}

/* The length of s[0..n) without an incomplete UTF-8 character at its end. */
static size_t whole_chars(const char *s, size_t n)
{
	size_t k = n;
	int cont = 0;
	while (k > 0 && cont < 3 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
		k--, cont++;
	if (k == 0)
		return n;
	unsigned char lead = (unsigned char)s[k - 1];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	return n - (k - 1) < need ? k - 1 : n;
}

/* The first line of s[0..n) (starting at line) that is not valid UTF-8. */
static int64_t bad_utf8_line(const char *s, size_t n, int64_t line)
{
	size_t lo = 0;
	for (size_t i = 0; i <= n; i++)
		if (i == n || s[i] == '\n') {
			if (!utf8_valid(s + lo, i - lo))
				return line;
			lo = i + 1;
			line++;
		}
	return line;
}

static void consume(struct dec *d, size_t k)
{
	if (d->enc != ENC_UTF16LE && d->enc != ENC_UTF16BE)
		d->rawline += count_lines(d->raw, k);
	memmove(d->raw, d->raw + k, d->rawlen - k);
	d->rawlen -= k;
	d->rawpos += k;
}

static int dec_utf8(struct dec *d, char *out, size_t *n, err_t *err)
{
	size_t use = d->eof ? d->rawlen : whole_chars(d->raw, d->rawlen);
	if (!utf8_valid(d->raw, use)) {
		if (d->enc == ENC_UTF8_BOM) {
			int64_t line = bad_utf8_line(d->raw, use, d->rawline);
			table_fail(err, line, "bad_encoding",
			           "the file starts with a UTF-8 byte order mark but line %lld is not UTF-8", (long long)line);
			err_param(err, "line", "%lld", (long long)line);
		} else
			table_fail(err, 0, "bad_encoding", "the file is not UTF-8");
		return -1;
	}
	memcpy(out, d->raw, use);
	*n = use;
	consume(d, use);
	return 0;
}

static int dec_iconv(struct dec *d, char *out, size_t *n, err_t *err)
{
	char *in = d->raw, *op = out;
	size_t il = d->rawlen, ol = DEC_OUT - 1;
	size_t rc = iconv(d->cd, &in, &il, &op, &ol);
	int e = errno;
	size_t used = d->rawlen - il;
	*n = (size_t)(op - out);
	if (rc == (size_t)-1 && (e == EILSEQ || (e == EINVAL && d->eof))) {
		uint64_t pos = d->rawpos + used + 1;
		if (d->enc == ENC_GB18030) {
			int64_t line = d->rawline + count_lines(d->raw, used);
			table_fail(err, line, "bad_encoding",
			           "the file is neither UTF-8 nor GBK/GB18030 (%s at byte %llu)",
			           e == EINVAL ? "a truncated character" : "an invalid byte sequence", (unsigned long long)pos);
			err_param(err, "line", "%lld", (long long)line);
		} else
			table_fail(err, 0, "bad_encoding", "invalid UTF-16 at byte %llu", (unsigned long long)pos);
		return -1;
	}
	consume(d, used);
	return 0;
}

/* The next piece of decoded text into out (DEC_OUT bytes); *n 0 at the end. */
static int dec_next(struct dec *d, char *out, size_t *n, err_t *err)
{
	*n = 0;
	while (*n == 0) {
		if (!d->eof && d->rawlen < sizeof d->raw) {
			long k = table_src_read(&d->t->src, d->off, d->raw + d->rawlen, sizeof d->raw - d->rawlen);
			if (k < 0)
				return table_fail(err, 0, "bad_file", "the file cannot be read: %s", strerror(errno));
			if (k == 0)
				d->eof = 1;
			d->off += (uint64_t)k;
			d->rawlen += (size_t)k;
		}
		if (d->rawlen == 0 && d->eof)
			return 0;
		int rc = d->cd == (iconv_t)-1 ? dec_utf8(d, out, n, err) : dec_iconv(d, out, n, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- opening: the encoding, a whole decode, the delimiter ---- */

/* Decode the whole file as enc: 0 (delimiter guessed), 1 when probing
 * and the file is not valid UTF-8, -1 with err. */
static int scan(table_t *t, enum table_enc enc, int probe, err_t *err)
{
	struct dec *d = malloc(sizeof *d);
	char *out = malloc(DEC_OUT);
	int rc = d && out ? dec_init(d, t, enc, err) : table_fail(err, 0, "too_large", "out of memory");
	int64_t line = 1;
	size_t tabs = 0, commas = 0;
	int first = 1;
	size_t n;
	while (rc == 0 && (rc = dec_next(d, out, &n, probe ? NULL : err)) == 0 && n > 0) {
		const char *nul = memchr(out, '\0', n);
		if (nul) {
			line += count_lines(out, (size_t)(nul - out));
			table_fail(err, line, "bad_encoding", "line %lld contains a NUL byte", (long long)line);
			err_param(err, "line", "%lld", (long long)line);
			rc = -2;   /* not a probe's "not UTF-8" */
			break;
		}
		for (size_t i = 0; i < n && first; i++) {
			if (out[i] == '\n')
				first = 0;
			tabs += out[i] == '\t';
			commas += out[i] == ',';
		}
		line += count_lines(out, n);
	}
	if (d)
		dec_fini(d);
	free(d);
	free(out);
	t->delim = tabs > commas ? '\t' : ',';
	if (rc == -1 && probe)
		return 1;
	return rc < 0 ? -1 : 0;
}

int csv_open(table_t *t, err_t *err)
{
	unsigned char bom[3] = { 0 };
	long n = table_src_read(&t->src, 0, bom, sizeof bom);
	if (n < 0)
		return table_fail(err, 0, "bad_file", "the file cannot be read: %s", strerror(errno));
	if (n == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF)
		t->enc = ENC_UTF8_BOM, t->start = 3;
	else if (n >= 2 && bom[0] == 0xFF && bom[1] == 0xFE)
		t->enc = ENC_UTF16LE, t->start = 2;
	else if (n >= 2 && bom[0] == 0xFE && bom[1] == 0xFF)
		t->enc = ENC_UTF16BE, t->start = 2;
	else {
		int rc = scan(t, ENC_UTF8, 1, err);
		if (rc <= 0) {
			t->enc = ENC_UTF8;
			return rc;
		}
		t->enc = ENC_GB18030;
	}
	return scan(t, t->enc, 0, err);
}

/* ---- records ---- */

struct csv_state {
	buf_t data;                  /* the current record's fields, each NUL-terminated */
	size_t off[TABLE_CSV_MAX_FIELDS];
	const char *cells[TABLE_CSV_MAX_FIELDS];
	int n;
	int too_wide, ended;
	int64_t start_line;          /* where the current record started */
	uint64_t pending;            /* bytes fed since the record started */
	table_row_fn fn;
	void *ud;
	int stop;                    /* the callback's value */
};

static void on_field(void *s, size_t len, void *data)
{
	struct csv_state *c = data;
	if (c->stop || c->too_wide)
		return;
	if (c->n >= TABLE_CSV_MAX_FIELDS) {
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
	c->ended = 1;
	if (!c->stop && !c->too_wide) {
		for (int i = 0; i < c->n; i++)
			c->cells[i] = c->data.data + c->off[i];
		c->stop = c->fn(c->ud, c->start_line, c->n, c->cells);
	}
	c->n = 0;
	c->data.len = 0;
}

/* Feed text[0..n) (whole lines, or pieces of one) to libcsv.  0 or -1. */
static int feed(struct csv_parser *p, struct csv_state *c, const char *text, size_t n, int64_t *line,
                int *at_line_start, err_t *err)
{
	size_t pos = 0;
	while (pos < n && !c->stop && !c->too_wide) {
		const char *nl = memchr(text + pos, '\n', n - pos);
		size_t seg = nl ? (size_t)(nl - (text + pos)) + 1 : n - pos;
		if (*at_line_start && p->pstate == 0)
			c->start_line = *line;
		c->ended = 0;
		if (csv_parse(p, text + pos, seg, on_field, on_record, c) != seg)
			return table_fail(err, *line, "csv_syntax", "line %lld: %s (a quote inside an unquoted field,"
			                  " or text after a closing quote)", (long long)*line, csv_strerror(csv_error(p)));
		c->pending = c->ended ? 0 : c->pending + seg;
		if (c->pending > TABLE_MAX_ROW_BYTES)
			return table_fail(err, c->start_line, "too_large", "the record starting on line %lld is longer"
			                  " than %u MiB", (long long)c->start_line, TABLE_MAX_ROW_BYTES >> 20);
		pos += seg;
		*at_line_start = nl != NULL;
		*line += nl != NULL;
	}
	return 0;
}

int csv_rows(table_t *t, table_row_fn fn, void *ud, err_t *err)
{
	struct csv_parser p;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return table_fail(err, 0, "too_large", "out of memory");
	csv_set_delim(&p, (unsigned char)t->delim);
	struct csv_state *c = calloc(1, sizeof *c);
	struct dec *d = malloc(sizeof *d);
	char *out = malloc(DEC_OUT);
	int rc = c && d && out ? dec_init(d, t, t->enc, err) : table_fail(err, 0, "too_large", "out of memory");
	if (c) {
		buf_init(&c->data);
		c->fn = fn;
		c->ud = ud;
	}
	int64_t line = 1;
	int at_line_start = 1;
	size_t n;
	while (rc == 0 && !c->stop && !c->too_wide && (rc = dec_next(d, out, &n, err)) == 0 && n > 0)
		rc = feed(&p, c, out, n, &line, &at_line_start, err);
	if (rc == 0 && !c->stop && !c->too_wide && csv_fini(&p, on_field, on_record, c) != 0)
		rc = table_fail(err, c->start_line, "csv_syntax", "the record starting on line %lld has a quote that is"
		                " never closed", (long long)c->start_line);
	if (rc == 0 && c->too_wide)
		rc = table_fail(err, c->start_line, "too_wide", "line %lld has more than %d fields",
		                (long long)c->start_line, TABLE_CSV_MAX_FIELDS);
	if (rc == 0)
		rc = c->stop;
	csv_free(&p);
	if (d)
		dec_fini(d);
	if (c)
		buf_free(&c->data);
	free(c);
	free(d);
	free(out);
	return rc;
}
