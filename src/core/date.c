/*
 * date.c -- civil dates, months and the zone's clock.
 *
 * Day numbers count days since 1970-01-01 in the proleptic Gregorian
 * calendar (Howard Hinnant's days_from_civil / civil_from_days, exact for
 * every int year).  Text is 'YYYY-MM-DD' and 'YYYY-MM'; every parser here
 * accepts the years DATE_YEAR_MIN..DATE_YEAR_MAX only, so the whole program
 * agrees on which dates exist.  "Today" is the date in Asia/Shanghai
 * (UTC+8, no daylight saving since 1991), whatever TZ the server runs in.
 *
 * The clock: now_sec() is time(2) plus an offset that tests and the demo
 * set with clock_set() (ZONEOPS_NOW on the command line), so a server can
 * be started "on" any day and its clock runs on from there.
 */
#include "core.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- civil day numbers ---- */

int64_t date_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void date_to_civil(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t mm = mp < 10 ? mp + 3 : mp - 9;
	if (y)
		*y = (int)(yoe + era * 400 + (mm <= 2));
	if (m)
		*m = (int)mm;
	if (d)
		*d = (int)(doy - (153 * mp + 2) / 5 + 1);
}

int date_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_month_days(int y, int m)
{
	static const int n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12)
		return 0;
	return n[m - 1] + (m == 2 && date_is_leap(y));
}

int date_check(int y, int m, int d)
{
	if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX)
		return DATE_RANGE;
	if (m < 1 || m > 12 || d < 1 || d > date_month_days(y, m))
		return DATE_INVALID;
	return DATE_OK;
}

int date_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (4) */
	int64_t w = (days + 3) % 7;
	if (w < 0)
		w += 7;
	return (int)w + 1;
}

int64_t date_add_months(int64_t days, int n)
{
	int y, m, d;
	date_to_civil(days, &y, &m, &d);
	month_add(&y, &m, n);
	int last = date_month_days(y, m);
	return date_from_civil(y, m, d > last ? last : d);
}

/* ---- text ---- */

/* Exactly `count` ASCII digits at s, as a number; -1 otherwise. */
static int digits(const char *s, int count)
{
	int v = 0;
	for (int i = 0; i < count; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int date_parse(const char *s, int64_t *days)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return DATE_SYNTAX;
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 0 || m < 0 || d < 0)
		return DATE_SYNTAX;
	int rc = date_check(y, m, d);
	if (rc == DATE_OK && days)
		*days = date_from_civil(y, m, d);
	return rc;
}

void date_format(int64_t days, char out[DATE_LEN])
{
	int y, m, d;
	date_to_civil(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;   /* never more than 10 characters */
	snprintf(out, DATE_LEN, "%04d-%02d-%02d", y, m, d);
}

/* Up to maxd ASCII digits at *p into *v; returns how many were read. */
static int take_digits(const char **p, int maxd, int *v)
{
	int n = 0;
	*v = 0;
	while (**p >= '0' && **p <= '9' && n < maxd) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n;
}

static int take(const char **p, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*p, lit, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* s trimmed and full-width folded into t (tlen bytes); 0 when it does not fit. */
static int clean(const char *s, char *t, size_t tlen)
{
	if (s == NULL || strlen(s) >= tlen)
		return 0;
	text_trim_into(s, t, tlen);
	text_fold_fullwidth(t);
	return 1;
}

int date_parse_loose(const char *s, int64_t *days)
{
	char t[64];
	if (!clean(s, t, sizeof t))
		return DATE_SYNTAX;
	const char *p = t;
	int y, m, d;
	size_t nd = strspn(t, "0123456789");
	if (nd == 8 && t[8] == '\0') {                       /* YYYYMMDD */
		y = digits(t, 4), m = digits(t + 4, 2), d = digits(t + 6, 2);
	} else {
		if (nd != 4 || take_digits(&p, 4, &y) != 4)
			return DATE_SYNTAX;
		char sep = 0;
		if (*p == '-' || *p == '/' || *p == '.')
			sep = *p++;
		else if (!take(&p, "年"))
			return DATE_SYNTAX;
		if (take_digits(&p, 2, &m) < 1)
			return DATE_SYNTAX;
		if (sep ? *p != sep : !take(&p, "月"))
			return DATE_SYNTAX;
		if (sep)
			p++;
		if (take_digits(&p, 2, &d) < 1)
			return DATE_SYNTAX;
		if (!sep && !take(&p, "日"))
			take(&p, "号");
		/* a time of day after the date ("2024-03-05 00:00:00", ISO "T") */
		if (*p == ' ' || (*p == 'T' && sep == '-')) {
			const char *q = p + 1;
			while ((*q >= '0' && *q <= '9') || *q == ':' || *q == '.')
				q++;
			if (*q == '\0' && q > p + 1)
				p = q;
		}
		if (*p != '\0')
			return DATE_SYNTAX;
	}
	int rc = date_check(y, m, d);
	if (rc == DATE_OK && days)
		*days = date_from_civil(y, m, d);
	return rc;
}

int date_from_serial(double serial, int date1904, int64_t *days)
{
	if (!isfinite(serial) || serial < 1 || serial >= 2958466)
		return DATE_SYNTAX;
	int64_t n = (int64_t)floor(serial);
	int64_t z;
	if (date1904)
		z = date_from_civil(1904, 1, 1) + n;
	else if (n == 60)
		return DATE_INVALID;   /* Lotus's 1900-02-29, which never was */
	else
		z = date_from_civil(1899, 12, 31) + n - (n > 60);
	int y;
	date_to_civil(z, &y, NULL, NULL);
	if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX)
		return DATE_RANGE;
	*days = z;
	return DATE_OK;
}

/* ---- months ---- */

int month_parse(const char *s, int *y, int *m)
{
	if (s == NULL || strlen(s) != 7 || s[4] != '-')
		return DATE_SYNTAX;
	int yy = digits(s, 4), mm = digits(s + 5, 2);
	if (yy < 0 || mm < 0)
		return DATE_SYNTAX;
	int rc = date_check(yy, mm, 1);
	if (rc == DATE_OK) {
		*y = yy;
		*m = mm;
	}
	return rc;
}

int month_parse_loose(const char *s, int *y, int *m)
{
	char t[64];
	if (!clean(s, t, sizeof t))
		return DATE_SYNTAX;
	const char *p = t;
	int yy, mm;
	if (take_digits(&p, 4, &yy) != 4 || *p == '\0')
		return DATE_SYNTAX;
	if (*p >= '0' && *p <= '9') {                        /* YYYYMM */
		if (take_digits(&p, 2, &mm) != 2 || *p != '\0')
			return DATE_SYNTAX;
	} else {
		if (*p == '-' || *p == '/' || *p == '.')
			p++;
		else if (!take(&p, "年"))
			return DATE_SYNTAX;
		if (take_digits(&p, 2, &mm) < 1)
			return DATE_SYNTAX;
		take(&p, "月");
		if (*p != '\0')
			return DATE_SYNTAX;
	}
	int rc = date_check(yy, mm, 1);
	if (rc == DATE_OK) {
		*y = yy;
		*m = mm;
	}
	return rc;
}

void month_format(int y, int m, char out[MONTH_LEN])
{
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	if (m < 1 || m > 12)
		m = 1;
	snprintf(out, MONTH_LEN, "%04d-%02d", y, m);
}

void month_add(int *y, int *m, int n)
{
	int64_t i = (int64_t)*y * 12 + (*m - 1) + n;
	int64_t yy = i >= 0 ? i / 12 : (i - 11) / 12;
	*y = (int)yy;
	*m = (int)(i - yy * 12) + 1;
}

int64_t month_first(int y, int m)
{
	return date_from_civil(y, m, 1);
}

int64_t month_last(int y, int m)
{
	return date_from_civil(y, m, date_month_days(y, m));
}

int month_range(const char *s, char first[DATE_LEN], char last[DATE_LEN])
{
	int y, m;
	int rc = month_parse(s, &y, &m);
	if (rc != DATE_OK)
		return rc;
	date_format(month_first(y, m), first);
	date_format(month_last(y, m), last);
	return DATE_OK;
}

/* ---- date and time ---- */

int datetime_parse(const char *s, int64_t *unix_sec)
{
	int64_t day;
	int h = 0, mi = 0, sec = 0, off = ZONE_UTC_OFFSET;
	char ymd[DATE_LEN];
	if (s == NULL || strlen(s) < 10)
		return -1;
	memcpy(ymd, s, 10);
	ymd[10] = '\0';
	if (date_parse(ymd, &day) != DATE_OK)
		return -1;
	const char *p = s + 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if ((h = digits(p, 2)) < 0 || p[2] != ':' || (mi = digits(p + 3, 2)) < 0)
			return -1;
		p += 5;
		if (*p == ':') {
			if ((sec = digits(p + 1, 2)) < 0)
				return -1;
			p += 3;
			if (*p == '.') {
				p++;
				if (*p < '0' || *p > '9')
					return -1;
				while (*p >= '0' && *p <= '9')
					p++;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (*p == 'Z' || *p == 'z') {
			off = 0;
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh = digits(p + 1, 2), om = p[1] && p[2] && p[3] == ':' ? digits(p + 4, 2) : -1;
			if (oh < 0 || om < 0 || oh > 14 || om > 59)
				return -1;
			off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
			p += 6;
		}
	}
	if (*p)
		return -1;
	*unix_sec = day * 86400 + h * 3600 + mi * 60 + sec - off;
	return 0;
}

void datetime_format(int64_t unix_sec, char out[DATETIME_LEN])
{
	int64_t day = date_of_unix(unix_sec);
	int64_t s = unix_sec + ZONE_UTC_OFFSET - day * 86400;
	int y, m, d;
	date_to_civil(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	snprintf(out, DATETIME_LEN, "%04u-%02u-%02uT%02u:%02u:%02u+08:00", (unsigned)y % 10000u, (unsigned)m % 100u,
	         (unsigned)d % 100u, (unsigned)(s / 3600) % 100u, (unsigned)(s / 60 % 60) % 100u, (unsigned)(s % 60) % 100u);
}

/* ---- the zone's clock ---- */

static _Atomic int64_t clock_offset;

double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t now_sec(void)
{
	return (int64_t)time(NULL) + atomic_load(&clock_offset);
}

void clock_set(int64_t unix_sec)
{
	atomic_store(&clock_offset, unix_sec - (int64_t)time(NULL));
}

/* 'YYYY-MM-DD' (09:00 zone time), or an ISO 8601 time of day with seconds:
 * 'YYYY-MM-DDThh:mm:ss[.frac]' in zone time or followed by 'Z' or '±hh:mm'
 * (datetime_parse reads it; a time without seconds is refused, so that a
 * half-typed value is not taken for a whole one). */
int clock_parse(const char *s, int64_t *unix_sec)
{
	int64_t days;
	if (s == NULL)
		return -1;
	if (date_parse(s, &days) == DATE_OK) {               /* a day: its 09:00 in the zone */
		*unix_sec = date_unix(days) + 9 * 3600;
		return 0;
	}
	if (strlen(s) < 19 || s[10] != 'T' || s[16] != ':')
		return -1;
	return datetime_parse(s, unix_sec);
}

int64_t date_of_unix(int64_t unix_sec)
{
	int64_t t = unix_sec + ZONE_UTC_OFFSET;
	return t >= 0 ? t / 86400 : (t - 86399) / 86400;
}

int64_t date_unix(int64_t days)
{
	return days * 86400 - ZONE_UTC_OFFSET;
}

int64_t date_today(void)
{
	return date_of_unix(now_sec());
}

void date_today_str(char out[DATE_LEN])
{
	date_format(date_today(), out);
}

double time_progress(int m)
{
	return m <= 0 ? 0.0 : m >= 12 ? 1.0 : m / 12.0;
}

int month_last_full(int y)
{
	int ty, tm;
	date_to_civil(date_today(), &ty, &tm, NULL);
	return y < ty ? 12 : y > ty ? 0 : tm - 1;
}
