/*
 * table.c -- opening a table (the format from the caller or the content),
 * reading its source in pieces, and the small cell helpers every importer
 * and exporter shares.  The readers are csv.c and xlsx.c.
 */
#include "table_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const struct xlsx_limits xlsx_default_limits = {
	.max_entries = 10000,
	.max_total = 200u << 20,
	.max_ratio = 100,
	.min_allow = 1u << 20,
	.max_strings = 64u << 20,
};

int table_fail(err_t *err, int64_t line, const char *code, const char *fmt, ...)
{
	if (err == NULL)
		return -1;
	err_set(err, 422, code, "file", "%s", "");
	err->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return -1;
}

long table_src_read(const struct table_src *s, uint64_t off, void *buf, size_t n)
{
	if (s->fd < 0) {
		if (off >= s->len)
			return 0;
		size_t k = s->len - (size_t)off < n ? s->len - (size_t)off : n;
		memcpy(buf, (const char *)s->data + off, k);
		return (long)k;
	}
	for (;;) {
		ssize_t k = pread(s->fd, buf, n, (off_t)off);
		if (k >= 0 || errno != EINTR)
			return (long)k;
	}
}

/* The first byte after a UTF-8 byte-order mark and spaces is '{'. */
static int starts_json(const struct table_src *src)
{
	unsigned char b[64];
	long n = table_src_read(src, 0, b, sizeof b);
	long i = n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0;
	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	return i < n && b[i] == '{';
}

table_t *table_open(const struct table_src *src, const char *format, const struct xlsx_limits *lim, err_t *err)
{
	table_t *t = calloc(1, sizeof *t);
	if (t == NULL) {
		table_fail(err, 0, "too_large", "out of memory");
		return NULL;
	}
	t->src = *src;
	t->lim = lim ? *lim : xlsx_default_limits;
	if (src->fd >= 0) {
		struct stat sb;
		if (fstat(src->fd, &sb) < 0) {
			table_fail(err, 0, "bad_file", "the file cannot be read: %s", strerror(errno));
			free(t);
			return NULL;
		}
		t->size = (uint64_t)sb.st_size;
	} else
		t->size = src->len;
	char sig[4] = { 0 };
	long n = table_src_read(src, 0, sig, sizeof sig);
	int is_zip = n == 4 && memcmp(sig, "PK\x03\x04", 4) == 0;
	t->is_xlsx = format ? strcmp(format, "xlsx") == 0 : is_zip;
	int is_json = format ? strcmp(format, "geojson") == 0 : n >= 1 && starts_json(src);
	int rc;
	if (t->size == 0)
		rc = table_fail(err, 0, "empty_file", "the file is empty");
	else if (is_json)
		rc = features_open(t, err);
	else if (t->is_xlsx)
		rc = xlsx_open(t, err);
	else if (is_zip)
		rc = table_fail(err, 0, "bad_format", "the file is a ZIP archive (XLSX?), not CSV: use format=xlsx");
	else
		rc = csv_open(t, err);
	if (rc < 0) {
		table_close(t);
		return NULL;
	}
	return t;
}

void table_close(table_t *t)
{
	if (t == NULL)
		return;
	xlsx_free(t);
	features_free(t);
	free(t);
}

int table_is_xlsx(const table_t *t)
{
	return t->is_xlsx;
}

const char *table_format(const table_t *t)
{
	return t->fc ? "geojson" : t->is_xlsx ? "xlsx" : "csv";
}

const char *table_encoding(const table_t *t)
{
	if (t->is_xlsx)
		return NULL;
	if (t->fc)
		return "utf-8";
	switch (t->enc) {
	case ENC_UTF8: return "utf-8";
	case ENC_UTF8_BOM: return "utf-8-bom";
	case ENC_GB18030: return "gb18030";
	default: return "utf-16";
	}
}

int table_read(table_t *t, table_row_fn fn, void *ud, err_t *err)
{
	if (t->fc)
		return features_rows(t, fn, ud, err);
	return t->is_xlsx ? xlsx_rows(t, fn, ud, err) : csv_rows(t, fn, ud, err);
}

/* ---- cells ---- */

int cell_is_formula_like(const char *s)
{
	return s && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
}

char *table_cell_clean(arena_t *a, const char *s)
{
	if (s == NULL)
		return arena_strdup(a, "");
	if (s[0] == '\'' && cell_is_formula_like(s + 1))
		s++;
	size_t n = strlen(s) + 1;
	char *out = arena_alloc(a, n);
	text_trim_into(s, out, n);
	return out;
}

const char *table_shown(const char *s, char buf[72])
{
	char t[128];
	text_trim_into(s ? s : "", t, sizeof t);
	if (strlen(t) <= 60) {
		memcpy(buf, t, strlen(t) + 1);
		return buf;
	}
	size_t k = 57;
	while (k > 0 && ((unsigned char)t[k] & 0xC0) == 0x80)
		k--;
	memcpy(buf, t, k);
	memcpy(buf + k, "...", 4);
	return buf;
}

int table_write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			errno = k < 0 ? errno : EIO;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int table_spool(const void *data, size_t len)
{
	arena_t *a = arena_new();
	char *path;
	int fd = tmpfile_make(a, "zoneops-upload", &path);
	if (fd >= 0)
		unlink(path);
	arena_free(a);
	if (fd >= 0 && table_write_all(fd, data, len) < 0) {
		int e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	return fd;
}
