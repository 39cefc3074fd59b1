/*
 * xlsx.h -- reading and writing tables for enterprise import/export
 * (private to import.c, export.c, xlsx.c and tests/unit/test_import.c).
 *
 * Owns: text decoding of uploaded CSV files (UTF-8 with or without BOM,
 * UTF-16 with BOM, else GB18030/GBK), CSV parsing with libcsv keeping each
 * record's physical starting line, XLSX reading with libzip + expat (only
 * the workbook, its relationships, the shared strings and the first sheet;
 * entry-count and inflated-size limits enforced while inflating; documents
 * with a DOCTYPE refused), and the formula-injection guard for exports.
 *
 * Both readers hand over one row at a time: the row's line (CSV: physical
 * line where the record starts; XLSX: the sheet's row number), the number
 * of cells and the cells (NUL-terminated UTF-8, NULL for an absent XLSX
 * cell).  Cells are exactly as stored: no trimming or folding here.
 */
#ifndef ZONEOPS_SERVICE_XLSX_H
#define ZONEOPS_SERVICE_XLSX_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* Return 0 to go on, non-zero to stop reading (the reader returns that). */
typedef int (*table_row_fn)(void *ud, int64_t line, int ncells, char **cells);

/* A problem with the file as a whole (not one row's content) is an err_t
 * with status 422, field "file", the line when there is one, and a code:
 * bad_encoding, csv_syntax, not_xlsx, xlsx_limit, xlsx_dtd, xml_syntax, ... */

/* Decode in[0..len) to UTF-8.  BOM EF BB BF: UTF-8 (BOM dropped, must be
 * valid); FF FE / FE FF: UTF-16 LE/BE; otherwise valid UTF-8 as is, else
 * GB18030 (a superset of GBK) converted with iconv.  NUL bytes are
 * refused.  *out is malloc'd and NUL-terminated; *encoding is "utf-8",
 * "utf-8-bom", "utf-16" or "gb18030".  Returns 0 or -1 with *err. */
int table_decode_text(const char *in, size_t len, char **out, size_t *outlen, const char **encoding,
                      err_t *err);

/* The delimiter of a CSV text: TAB when its first line has more tabs than
 * commas, else comma. */
char csv_guess_delim(const char *text, size_t len);

/* Parse UTF-8 CSV text (strict RFC 4180 quoting, embedded newlines, CRLF or
 * LF).  Blank lines are skipped.  Returns 0 at the end, the callback's
 * non-zero value when it stopped, or -1 with *err (csv_syntax, too_wide). */
int csv_read(const char *text, size_t len, char delim, table_row_fn fn, void *ud, err_t *err);

struct xlsx_limits {
	int64_t max_entries;        /* entries in the archive (default 10000) */
	uint64_t max_total;         /* inflated bytes of all parts read (default 200 MiB) */
	uint64_t max_ratio;         /* per part: inflated <= ratio * compressed ... (default 100) */
	uint64_t min_allow;         /* ... or this many bytes, whichever is more (default 1 MiB) */
};
extern const struct xlsx_limits xlsx_default_limits;

/* Read the first worksheet of an XLSX file held in memory.  *date1904 is
 * set from the workbook (dates counted from 1904).  Returns 0, the
 * callback's non-zero value, or -1 with *err. */
int xlsx_read(const void *data, size_t len, const struct xlsx_limits *lim, table_row_fn fn, void *ud,
              int *date1904, err_t *err);

/* 1 when a spreadsheet would read s as a formula: it starts with = + - @,
 * TAB or CR.  Exports write such text with a leading single quote. */
int cell_is_formula_like(const char *s);

/* For the CLI importers: check *format (NULL, "csv" or "xlsx"; NULL is
 * guessed from the file's extension and may stay NULL), then read file
 * ("-" = standard input) into *data (malloc'd).  Returns 0, or the exit
 * status after printing the problem: 2 for a bad format, 1 when the file
 * cannot be read. */
int table_file_load(const char *file, const char **format, char **data, size_t *len);

#endif
