/*
 * core.h -- small building blocks with no application knowledge.
 *
 * Owns: the per-request arena (bump allocator freed all at once), a
 * growable byte buffer, UTF-8 validation, percent-decoding, HTML
 * escaping, hex, and clock helpers.  Nothing here knows HTTP or SQL.
 */
#ifndef ZONEOPS_CORE_H
#define ZONEOPS_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- arena ---- */
typedef struct arena arena_t;
arena_t *arena_new(void);
void arena_free(arena_t *a);
void *arena_alloc(arena_t *a, size_t n);           /* zeroed, 16-aligned; aborts on OOM */
char *arena_strdup(arena_t *a, const char *s);     /* NULL stays NULL */
char *arena_strndup(arena_t *a, const char *s, size_t n);
char *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- growable buffer (always NUL-terminated) ---- */
typedef struct {
	char *data;
	size_t len, cap;
} buf_t;
void buf_init(buf_t *b);
void buf_free(buf_t *b);
int buf_append(buf_t *b, const void *p, size_t n);  /* 0 ok, -1 OOM */
int buf_puts(buf_t *b, const char *s);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *buf_steal(buf_t *b);                          /* caller frees; b is reset */

/* ---- text ---- */
/* 1 when s[0..n) is valid UTF-8 (no overlong forms, no surrogates, <= U+10FFFF). */
int utf8_valid(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string. */
size_t utf8_len(const char *s);
/* Percent-decode s into a new arena string; *len gets the decoded length
 * (which may contain NUL bytes).  Returns NULL on a malformed escape. */
char *pct_decode(arena_t *a, const char *s, size_t *len);
/* HTML-escape for text and attribute contexts (& < > " '). */
char *html_escape(arena_t *a, const char *s);
void hex_encode(char *out, const unsigned char *in, size_t n);  /* out has 2n+1 */
/* Control bytes (0x00-0x1f except TAB, and 0x7f) present? */
int has_ctl(const char *s);
/* Length of the whitespace character at s (ASCII space, TAB, CR, LF, VT,
 * FF; U+3000 ideographic space; U+00A0; U+FEFF byte-order mark), or 0. */
size_t text_space_len(const unsigned char *s);
/* s without leading and trailing whitespace (as above) into out,
 * truncated to outlen-1 bytes but never inside a UTF-8 character. */
void text_trim_into(const char *s, char *out, size_t outlen);
/* 1 when s is NULL or only whitespace (as above). */
int text_is_blank(const char *s);
/* Fold full-width ASCII (U+FF01..U+FF5E) to ASCII and U+3000 to a space,
 * in place (the result is never longer).  For codes, numbers and dates
 * after parsing, never for names. */
void text_fold_fullwidth(char *s);

/* ---- files ---- */
/* The whole file, or standard input for "-", in a malloc'd buffer (NUL
 * terminated; *len excludes the NUL).  NULL with errno set on failure. */
char *file_read_all(const char *path, size_t *len);

/* ---- time ---- */
int64_t now_sec(void);
double now_mono(void);  /* seconds, monotonic */

#endif
