/*
 * core.h -- small building blocks with no application knowledge.
 *
 * Owns: the per-request arena (bump allocator freed all at once), a
 * growable byte buffer, UTF-8 validation, percent-decoding, HTML
 * escaping, hex; dates, months and the zone's clock;
 * the national code rules every module checks (the unified social credit
 * code, GB 32100); and the one error type.  Nothing here knows HTTP or SQL.
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
/* A text field as the API accepts it: NULL, or valid UTF-8 of at most
 * max_chars code points without control bytes (TAB allowed; CR and LF
 * only when multiline).  1 ok, 0 not. */
int text_ok(const char *s, size_t max_chars, int multiline);
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
/* The search grams of s (a name as the store's lower() returns it): every
 * character and every adjacent pair of characters, each packed into one
 * integer -- a character is its code point c (< 2^21), a pair (a, b) is
 * (a + 1) << 21 | b -- so that a gram is equal to another exactly when
 * their texts are.  A byte that does not start a valid UTF-8 sequence
 * counts as the character 0x110000 + byte.  out has room for 2 * strlen(s)
 * values; returns their number, sorted ascending, without repeats. */
size_t text_grams(const char *s, int64_t *out);
/* The gram of the first one or two characters of s (its whole text when s
 * has one or two characters), or -1 for an empty s. */
int64_t text_gram_of(const char *s);

/* ---- dates and the clock (date.c) ----
 * A date is a day number: days since 1970-01-01, proleptic Gregorian.  Text
 * forms are 'YYYY-MM-DD' (DATE_LEN with the NUL) and months 'YYYY-MM'
 * (MONTH_LEN).  Every parser accepts the years DATE_YEAR_MIN..DATE_YEAR_MAX
 * and nothing else.  "Today" is the date in the zone's time zone,
 * Asia/Shanghai (UTC+8, no daylight saving), whatever the server's TZ. */
#define DATE_YEAR_MIN 1900
#define DATE_YEAR_MAX 2199
#define DATE_LEN 11
#define MONTH_LEN 8
#define ZONE_UTC_OFFSET (8 * 3600)
enum { DATE_OK = 0, DATE_SYNTAX = -1, DATE_RANGE = -2, DATE_INVALID = -3 };
int64_t date_from_civil(int y, int m, int d);            /* no range check */
void date_to_civil(int64_t days, int *y, int *m, int *d); /* any pointer may be NULL */
int date_is_leap(int y);
int date_month_days(int y, int m);                        /* 0 for a bad month */
/* DATE_OK, DATE_RANGE (year outside the range) or DATE_INVALID (no such day). */
int date_check(int y, int m, int d);
int date_weekday(int64_t days);                           /* 1 Monday .. 7 Sunday */
/* The same day n months later (n may be negative), clamped to the month's end. */
int64_t date_add_months(int64_t days, int n);
/* Strict 'YYYY-MM-DD'.  DATE_OK with *days (may be NULL), else DATE_SYNTAX,
 * DATE_RANGE or DATE_INVALID. */
int date_parse(const char *s, int64_t *days);
void date_format(int64_t days, char out[DATE_LEN]);
/* What people type and spreadsheets write, after trimming and folding
 * full-width digits: YYYY-M-D, YYYY/M/D, YYYY.M.D, YYYY年M月D日 (or 号),
 * YYYYMMDD, optionally followed by a time of day.  Same results. */
int date_parse_loose(const char *s, int64_t *days);
/* A spreadsheet's day serial (the fraction, a time, is dropped): the 1900
 * system counts 1 = 1900-01-01 and has Lotus's fictitious 1900-02-29 at 60
 * (DATE_INVALID); the 1904 system counts 0 = 1904-01-01. */
int date_from_serial(double serial, int date1904, int64_t *days);
/* Strict 'YYYY-MM'. */
int month_parse(const char *s, int *y, int *m);
/* YYYY-M, YYYY/MM, YYYY.MM, YYYY年M月, YYYYMM (trimmed, full-width folded). */
int month_parse_loose(const char *s, int *y, int *m);
void month_format(int y, int m, char out[MONTH_LEN]);
void month_add(int *y, int *m, int n);                    /* n months later (or earlier) */
int64_t month_first(int y, int m);
int64_t month_last(int y, int m);
/* Strict 'YYYY-MM' and its first and last day as text. */
int month_range(const char *s, char first[DATE_LEN], char last[DATE_LEN]);
/* ISO 8601 / W3C datetimes: 'YYYY-MM-DD', optionally 'Thh:mm[:ss[.frac]]'
 * and 'Z' or '±hh:mm'; without an offset the time is zone time.  0 or -1.
 * datetime_format() writes zone time, "2021-11-03T09:30:00+08:00". */
#define DATETIME_LEN 26
int datetime_parse(const char *s, int64_t *unix_sec);
void datetime_format(int64_t unix_sec, char out[DATETIME_LEN]);
/* The zone's date of a unix time, and the unix time of a date's midnight. */
int64_t date_of_unix(int64_t unix_sec);
int64_t date_unix(int64_t days);
int64_t date_today(void);
void date_today_str(char out[DATE_LEN]);
/* 时序进度 (docs/time-progress.md): the share of year y elapsed at the end of
 * month m, m / 12 (0..1; m 0 = none of it, clamped to 0..12).  The period
 * looked at is the caller's: the indicators their data month, the battle
 * board month_last_full(). */
double time_progress(int m);
/* The last full month of year y by the clock: 12 for a year gone by, 0 for
 * one to come, the month before today's in today's year (0 in January). */
int month_last_full(int y);

/* The clock: now_sec() is the system time moved by clock_set(), which
 * makes the clock read unix_sec now and run on from there (tests, demos:
 * ZONEOPS_NOW).  clock_parse() reads 'YYYY-MM-DD' (09:00 that day, zone
 * time) or an ISO 8601 'YYYY-MM-DDTHH:MM:SS[.frac]' in zone time or with
 * 'Z' or an offset ('2026-12-21T09:00:00+08:00').  0 or -1. */
int64_t now_sec(void);
void clock_set(int64_t unix_sec);
int clock_parse(const char *s, int64_t *unix_sec);
double now_mono(void);  /* seconds, monotonic (not moved by clock_set) */

/* ---- errors (err.c) ----
 * One error type for the whole program: what went wrong (a stable
 * snake_case code the browser translates), where (the field or column, and
 * the line of an imported file), how bad (the HTTP status the API answers
 * with) and a sentence in English for logs, the CLI and API clients, with
 * the values it mentions as named parameters so that the browser can say
 * the same in the user's language.  Domain functions fill an err_t and
 * return -1; the HTTP layer replies with it (reply_err), the CLI prints it,
 * an import collects one per bad row. */
#define ERR_MAX_PARAMS 4
#define ERR_PARAM_LEN 96
typedef struct err {
	int status;                 /* 400, 403, 404, 409, 413, 422, 500, 503; 0: none */
	const char *code;           /* static */
	const char *field;          /* static or outliving the error; NULL: none */
	int64_t line;               /* line of an imported file, 0: none */
	char message[320];
	int nparams;
	struct {
		const char *name;           /* static */
		char value[ERR_PARAM_LEN];  /* truncated, never inside a UTF-8 character */
	} params[ERR_MAX_PARAMS];
} err_t;
/* Fill e (its parameters cleared) and return -1. */
int err_set(err_t *e, int status, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Add a named parameter (the first ERR_MAX_PARAMS are kept); returns -1. */
int err_param(err_t *e, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The value of parameter name, or NULL. */
const char *err_get_param(const err_t *e, const char *name);
void err_clear(err_t *e);
/* A growable list of errors (an import's bad rows): the first ERR_LIST_KEEP
 * are kept, all are counted. */
#define ERR_LIST_KEEP 1000
typedef struct {
	err_t *items;
	size_t n, cap;              /* kept */
	int64_t total;              /* counted */
} err_list_t;
void err_list_add(err_list_t *l, const err_t *e);
void err_list_free(err_list_t *l);

/* ---- credit codes (creditcode.c): GB 32100-2015 ---- */

/* Normalise in (trim spaces incl. U+3000, fold full-width ASCII to
 * half-width, lower to upper case) into out (at least 19 bytes when the
 * result is valid).  Returns 0 when valid; else -1 with err (may be NULL)
 * set to 422 invalid_credit_code, field credit_code, an English sentence
 * and the params: reason (length | character | checksum) and what was
 * found: length; position, char and hint (excluded, space, alnum,
 * authority, type, division); position, expected and actual.  A code that
 * fails only the checksum still has out filled. */
int credit_code_normalise(const char *in, char *out, size_t outlen, err_t *err);
/* 1 when code (already normalised) is valid. */
int credit_code_check(const char *code);
/* The 31 characters a credit code is written with (no I, O, S, V, Z). */
#define CREDIT_CODE_ALPHABET "0123456789ABCDEFGHJKLMNPQRTUWXY"
/* Fill positions 17 (organisation code check digit) and 18 (check
 * character) of code from its first 16 characters, and terminate it. */
void credit_code_complete(char code[19]);

#endif
