/*
 * header.c -- the header row of an imported table: which of an importer's
 * columns (struct table_col) each cell names, matched the same way for
 * every importer, and the same three errors when it does not work out.
 */
#include "table.h"

#include <string.h>

void table_header_key(const char *s, char *out, size_t outlen)
{
	char t[256];
	text_trim_into(s ? s : "", t, sizeof t);
	text_fold_fullwidth(t);
	size_t j = 0;
	for (const char *p = t; *p && j + 1 < outlen; p++) {
		if (*p == '(' || *p == '[' || strncmp(p, "\xE3\x80\x90", 3) == 0)   /* 【 */
			break;
		if (*p == ' ' || *p == '_' || *p == '-' || *p == '*' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		out[j++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
	}
	out[j] = '\0';
	/* a trailing colon or full stop: "备注：" */
	while (j > 0 && (out[j - 1] == ':' || out[j - 1] == '.'))
		out[--j] = '\0';
}

/* 1 when key is the normal form of name or of one of labels. */
static int names(const char *key, const char *name, const char *labels)
{
	char k[256], one[256];
	table_header_key(name, k, sizeof k);
	if (strcmp(k, key) == 0)
		return 1;
	for (const char *p = labels ? labels : ""; *p;) {
		const char *e = strchr(p, '|');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n < sizeof one) {
			memcpy(one, p, n);
			one[n] = '\0';
			table_header_key(one, k, sizeof k);
			if (strcmp(k, key) == 0)
				return 1;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

int table_header_find(const struct table_col *cols, int ncols, const char *s)
{
	char key[256];
	table_header_key(s, key, sizeof key);
	if (key[0] == '\0')
		return -1;
	for (int c = 0; c < ncols; c++)
		if (names(key, cols[c].name, cols[c].labels))
			return c;
	return -1;
}

/* "credit_code, name, street, ..." (the columns a file may have). */
static void column_names(const struct table_col *cols, int ncols, buf_t *b)
{
	int k = 0;
	for (int c = 0; c < ncols; c++)
		if (!(cols[c].flags & TABLE_COL_IGNORED))
			buf_printf(b, "%s%s", k++ ? ", " : "", cols[c].name);
}

/* The column already mapped that c would repeat (itself, or one of its group), or -1. */
static int mapped_rival(const struct table_col *cols, int ncols, const int *col_of, int c)
{
	for (int d = 0; d < ncols; d++)
		if (col_of[d] >= 0 && (d == c || (cols[c].group && cols[d].group == cols[c].group)))
			return d;
	return -1;
}

static int header_error(err_t *err, int64_t line, const char *code, const struct table_col *cols, int ncols,
                        const char *what, const char *pname, const char *value)
{
	buf_t b;
	buf_init(&b);
	column_names(cols, ncols, &b);
	err_set(err, 422, code, "file", "%s; the columns are %s (or their Chinese labels)", what, b.data ? b.data : "");
	err->line = line;
	err_param(err, pname, "%s", value);
	buf_free(&b);
	return -1;
}

/* The text inside the first bracket of s ("注册资本（元）" → "元"), trimmed
 * and full-width folded, into out; "" when s has no bracket. */
static void bracket_text(const char *s, char *out, size_t outlen)
{
	char t[256];
	out[0] = '\0';
	text_trim_into(s ? s : "", t, sizeof t);
	text_fold_fullwidth(t);
	const char *open = strpbrk(t, "(["), *cn = strstr(t, "\xE3\x80\x90");   /* 【 */
	if (cn && (open == NULL || cn < open))
		open = cn + 2;
	if (open == NULL)
		return;
	const char *p = open + 1, *close = p + strcspn(p, ")]");
	const char *cn_close = strstr(p, "\xE3\x80\x91");                          /* 】 */
	if (cn_close && cn_close < close)
		close = cn_close;
	char in[128];
	size_t n = (size_t)(close - p) < sizeof in ? (size_t)(close - p) : sizeof in - 1;
	memcpy(in, p, n);
	in[n] = '\0';
	text_trim_into(in, out, outlen);
}

/* The unit a column is counted in, from the first of its labels that
 * gives one in brackets ("注册资本(万元)" → "万元"), into out; "" if none. */
static void column_unit(const struct table_col *col, char *out, size_t outlen)
{
	out[0] = '\0';
	char one[256];
	for (const char *p = col->labels ? col->labels : ""; *p && out[0] == '\0';) {
		size_t n = strcspn(p, "|");
		if (n < sizeof one) {
			memcpy(one, p, n);
			one[n] = '\0';
			bracket_text(one, out, outlen);
		}
		p += n + (p[n] == '|');
	}
}

/* 0 when header cell s gives no unit or the column's; else -1 with err
 * (unit_mismatch): "注册资本(元)" for a column kept in 万元 would make every
 * value 10,000 times too large. */
static int unit_check(const struct table_col *col, const struct table_col *cols, int ncols, int64_t line,
                      const char *s, err_t *err)
{
	char given[64], want[64];
	bracket_text(s, given, sizeof given);
	column_unit(col, want, sizeof want);
	if (given[0] == '\0' || want[0] == '\0' || strcmp(given, want) == 0)
		return 0;
	char what[200];
	snprintf(what, sizeof what, "the column %s is counted in %s, not %s", col->name, want, given);
	header_error(err, line, "unit_mismatch", cols, ncols, what, "value", given);
	err_param(err, "expected", "%s", want);
	err_param(err, "column", "%s", col->name);
	return -1;
}

int table_map_header(const struct table_col *cols, int ncols, int64_t line, int ncells,
                     const char *const *cells, int *col_of, err_t *err)
{
	for (int c = 0; c < ncols; c++)
		col_of[c] = -1;
	buf_t unknown;
	buf_init(&unknown);
	int nunknown = 0;
	char b[72];
	for (int i = 0; i < ncells; i++) {
		if (text_is_blank(cells[i]))
			continue;   /* an unnamed column is ignored */
		int c = table_header_find(cols, ncols, cells[i]);
		if (c < 0) {
			buf_printf(&unknown, "%s\"%s\"", nunknown++ ? ", " : "", table_shown(cells[i], b));
			continue;
		}
		if (cols[c].flags & TABLE_COL_IGNORED)
			continue;
		if (unit_check(&cols[c], cols, ncols, line, cells[i], err) < 0) {
			buf_free(&unknown);
			return -1;
		}
		int d = mapped_rival(cols, ncols, col_of, c);
		if (d >= 0 && (cols[c].flags & TABLE_COL_YIELDS))
			continue;
		if (d >= 0 && (cols[d].flags & TABLE_COL_YIELDS))
			col_of[d] = -1;
		else if (d >= 0) {
			buf_free(&unknown);
			char what[160];
			snprintf(what, sizeof what, "two columns give %s", cols[d].name);
			return header_error(err, line, "duplicate_header", cols, ncols, what, "column", cols[d].name);
		}
		col_of[c] = i;
	}
	if (nunknown) {
		char what[240];
		snprintf(what, sizeof what, "unknown column%s %s", nunknown > 1 ? "s" : "", unknown.data);
		int rc = header_error(err, line, "unknown_header", cols, ncols, what, "value", unknown.data);
		buf_free(&unknown);
		return rc;
	}
	buf_free(&unknown);
	for (int c = 0; c < ncols; c++)
		if ((cols[c].flags & TABLE_COL_REQUIRED) && col_of[c] < 0) {
			char what[160];
			snprintf(what, sizeof what, "the header lacks the column %s", cols[c].name);
			return header_error(err, line, "missing_header", cols, ncols, what, "column", cols[c].name);
		}
	return 0;
}
