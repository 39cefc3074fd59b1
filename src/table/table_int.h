/*
 * table_int.h -- what table.c, csv.c and xlsx.c share (private to
 * src/table/): the table handle, reading the source in pieces, and the
 * file error.
 */
#ifndef ZONEOPS_TABLE_INT_H
#define ZONEOPS_TABLE_INT_H

#include "table.h"

#define TABLE_CHUNK 65536        /* bytes read (and inflated) at a time */

enum table_enc { ENC_UTF8, ENC_UTF8_BOM, ENC_UTF16LE, ENC_UTF16BE, ENC_GB18030 };

struct xbook;
struct fc;

struct table {
	struct table_src src;
	uint64_t size;               /* bytes of the source */
	int is_xlsx;
	struct xlsx_limits lim;
	/* CSV */
	enum table_enc enc;
	uint64_t start;              /* the first byte after a byte-order mark */
	char delim;
	/* XLSX */
	struct xbook *x;
	/* GeoJSON */
	struct fc *fc;
};

/* Read up to n bytes at off; the number read (0 at the end), or -1. */
long table_src_read(const struct table_src *s, uint64_t off, void *buf, size_t n);

/* Write all of data[0..n) to fd.  0, or -1 with errno. */
int table_write_all(int fd, const void *data, size_t n);

/* Fill err as a problem of the file (422, field "file", line) and return -1. */
int table_fail(err_t *err, int64_t line, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* csv.c */
int csv_open(table_t *t, err_t *err);
int csv_rows(table_t *t, table_row_fn fn, void *ud, err_t *err);

/* xlsx.c */
int xlsx_open(table_t *t, err_t *err);
int xlsx_rows(table_t *t, table_row_fn fn, void *ud, err_t *err);
void xlsx_free(table_t *t);

/* features.c: a GeoJSON FeatureCollection */
int features_open(table_t *t, err_t *err);
int features_rows(table_t *t, table_row_fn fn, void *ud, err_t *err);
void features_free(table_t *t);

#endif
