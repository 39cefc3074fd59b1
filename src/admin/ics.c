/*
 * ics.c -- the holidays and make-up working days of one year from an
 * iCalendar file (RFC 5545), the format public Chinese holiday feeds
 * publish: one VEVENT per holiday period or make-up day, with
 *   DTSTART;VALUE=DATE:20271001   the first day
 *   DTEND;VALUE=DATE:20271008     the day after the last (exclusive)
 *   SUMMARY:国庆节 假期            or "国庆节 补班", "春节（休）", "春节（班）"
 *
 * No iCalendar library is among the project's dependencies, and only this
 * much of the format is needed, so it is read here, line by line: content
 * lines split on CRLF or LF, unfolded (a line starting with a space or a
 * tab continues the one before), "NAME *(;PARAM) :VALUE" with quoted
 * parameter values, BEGIN/END nesting (components inside an event, such
 * as VALARM, are skipped).  DTSTART/DTEND accept a DATE or the date part of
 * a DATE-TIME; without DTEND an event is one day; DURATION of whole days
 * (P3D, P1W) is read too.  A SUMMARY with 班 (补班, 上班) is a make-up
 * working day, one with 假 or 休 a holiday; any other event is an error.
 * Bounded: at most ICS_MAX_BYTES, content lines of ICS_LINE_MAX bytes,
 * ICS_MAX_DEPTH nested components, events of at most 366 days.  Every
 * error is 422 invalid_ics, field "file", naming the (physical) line.
 */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ICS_MAX_DEPTH 8

struct ics {
	int year;
	struct ics_days *out;
	err_t *err;
	char stack[ICS_MAX_DEPTH][16];
	int depth;
	/* the event being read */
	int ev_line, has_start, has_end, has_summary;
	int64_t start, end;
	char summary[ICS_NOTE_MAX];
};

static int bad(struct ics *x, int line, const char *fmt, const char *arg)
{
	err_set(x->err, 422, "invalid_ics", "file", "line %d: ", line);
	x->err->line = line;
	size_t n = strlen(x->err->message);
	snprintf(x->err->message + n, sizeof x->err->message - n, fmt, arg ? arg : "");
	return err_param(x->err, "line", "%d", line);
}

/* YYYYMMDD, or the date of YYYYMMDDTHHMMSS[Z]: 0 with *d, or -1. */
static int ics_date(const char *v, int64_t *d)
{
	int y = 0, m = 0, dd = 0;
	for (int i = 0; i < 8; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		int k = v[i] - '0';
		if (i < 4)
			y = y * 10 + k;
		else if (i < 6)
			m = m * 10 + k;
		else
			dd = dd * 10 + k;
	}
	if (v[8] != '\0') {
		if (v[8] != 'T' || strspn(v + 9, "0123456789") != 6 || (v[15] != '\0' && strcmp(v + 15, "Z") != 0))
			return -1;
	}
	if (date_check(y, m, dd) != DATE_OK)
		return -1;
	*d = date_from_civil(y, m, dd);
	return 0;
}

/* P<n>D or P<n>W: days, or -1. */
static int ics_duration(const char *v)
{
	if (v[0] != 'P' || v[1] < '0' || v[1] > '9')
		return -1;
	int n = 0, i = 1;
	while (v[i] >= '0' && v[i] <= '9' && n < 1000)
		n = n * 10 + (v[i++] - '0');
	if (strcmp(v + i, "D") == 0)
		return n;
	if (strcmp(v + i, "W") == 0)
		return n * 7;
	return -1;
}

/* Bytes of the UTF-8 sequence at s (1-4), or 0 when it is broken. */
static size_t seq_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	for (size_t k = 1; k < n; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* The SUMMARY text unescaped (\\ \; \, \n), control characters and
 * broken UTF-8 as spaces, cut to ICS_NOTE_CHARS characters. */
static void ics_text(const char *v, char out[ICS_NOTE_MAX])
{
	const unsigned char *s = (const unsigned char *)v;
	size_t j = 0, i = 0;
	for (int chars = 0; s[i] && chars < ICS_NOTE_CHARS; chars++) {
		size_t n = seq_len(s + i);
		unsigned char c = s[i];
		if (c == '\\' && s[i + 1] && s[i + 1] < 0x80) {
			c = s[i + 1] == 'n' || s[i + 1] == 'N' ? ' ' : s[i + 1];
			i++;
		}
		if (n <= 1 || c != s[i]) {
			if (j + 1 >= ICS_NOTE_MAX)
				break;
			out[j++] = (char)(c < 0x20 || c == 0x7f || n == 0 ? ' ' : c);
			i++;
			continue;
		}
		if (j + n >= ICS_NOTE_MAX)
			break;
		memcpy(out + j, s + i, n);
		j += n;
		i += n;
	}
	while (j > 0 && out[j - 1] == ' ')
		j--;
	out[j] = '\0';
}

/* 1 make-up working day, 0 holiday, -1 neither. */
static int ics_kind(const char *s)
{
	if (strstr(s, "班"))
		return 1;
	if (strstr(s, "假") || strstr(s, "休"))
		return 0;
	return -1;
}

/* The event just ended: its days in the year into x->out. */
static int event_end(struct ics *x, int line)
{
	int at = x->ev_line;
	if (!x->has_start)
		return bad(x, at, "an event (BEGIN:VEVENT) without DTSTART%s", NULL);
	if (!x->has_summary)
		return bad(x, at, "an event (BEGIN:VEVENT) without SUMMARY%s", NULL);
	int64_t end = x->has_end ? x->end : x->start + 1;
	if (end <= x->start)
		return bad(x, at, "the event's DTEND is not after its DTSTART%s", NULL);
	if (end - x->start > 366)
		return bad(x, at, "the event lasts more than 366 days%s", NULL);
	int kind = ics_kind(x->summary);
	if (kind < 0)
		return bad(x, at, "SUMMARY '%s' names neither a holiday (假, 休) nor a make-up working day (班)", x->summary);
	struct ics_days *o = x->out;
	for (int64_t d = x->start; d < end; d++) {
		int y;
		date_to_civil(d, &y, NULL, NULL);
		if (y != x->year)
			continue;
		int i = 0;
		while (i < o->n && o->d[i].day != d)
			i++;
		if (i < o->n) {
			if (o->d[i].workday != kind) {
				char s[DATE_LEN];
				date_format(d, s);
				return bad(x, at, "%s is both a holiday and a make-up working day", s);
			}
			continue;
		}
		if (o->n >= ICS_MAX_DAYS)   /* cannot happen: distinct days of one year */
			return bad(x, at, "too many days%s", NULL);
		o->d[o->n].day = d;
		o->d[o->n].workday = kind;
		o->d[o->n].line = at;
		snprintf(o->d[o->n].note, sizeof o->d[o->n].note, "%s", x->summary);
		o->n++;
	}
	(void)line;
	return 0;
}

/* Split "NAME;P=V;P="V:V":VALUE" in place: *name, *params (after the first
 * ';', or ""), *value.  0, or -1 when it is not a content line. */
static int split(char *s, char **name, char **params, char **value)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");
	if (n == 0 || (s[n] != ':' && s[n] != ';'))
		return -1;
	*name = s;
	*params = "";
	char *p = s + n;
	if (*p == ';') {
		*p++ = '\0';
		*params = p;
		int quoted = 0;
		while (*p && (quoted || *p != ':')) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		if (*p != ':')
			return -1;
	}
	*p = '\0';
	*value = p + 1;
	return 0;
}

/* DTSTART/DTEND: VALUE=DATE or VALUE=DATE-TIME or none (TZID and others
 * ignored: the date is the day). */
static int date_prop(struct ics *x, int line, const char *name, const char *params, const char *value, int64_t *d)
{
	if (strcasestr(params, "VALUE=") && !strcasestr(params, "VALUE=DATE"))
		return bad(x, line, "%s must be a DATE (VALUE=DATE)", name);
	if (ics_date(value, d) < 0)
		return bad(x, line, "%s is not a date (YYYYMMDD)", name);
	return 0;
}

static int property(struct ics *x, int line, const char *name, const char *params, const char *value)
{
	if (strcasecmp(name, "DTSTART") == 0) {
		x->has_start = 1;
		return date_prop(x, line, "DTSTART", params, value, &x->start);
	}
	if (strcasecmp(name, "DTEND") == 0) {
		x->has_end = 1;
		return date_prop(x, line, "DTEND", params, value, &x->end);
	}
	if (strcasecmp(name, "DURATION") == 0) {
		int n = ics_duration(value);
		if (n <= 0 || !x->has_start)
			return bad(x, line, "DURATION must follow DTSTART and be whole days (P3D, P1W)%s", NULL);
		x->has_end = 1;
		x->end = x->start + n;
		return 0;
	}
	if (strcasecmp(name, "SUMMARY") == 0) {
		x->has_summary = 1;
		ics_text(value, x->summary);
	}
	return 0;
}

/* One unfolded content line. */
static int content_line(struct ics *x, int line, char *s)
{
	char *name, *params, *value;
	if (split(s, &name, &params, &value) < 0)
		return bad(x, line, "not a content line (NAME:value)%s", NULL);
	if (x->depth == 0 && (strcasecmp(name, "BEGIN") != 0 || strcasecmp(value, "VCALENDAR") != 0))
		return bad(x, line, "an iCalendar file starts with BEGIN:VCALENDAR%s", NULL);
	if (strcasecmp(name, "BEGIN") == 0) {
		if (x->depth >= ICS_MAX_DEPTH || strlen(value) >= sizeof x->stack[0] || *value == '\0')
			return bad(x, line, "BEGIN:%.40s nests too deep or names no component", value);
		snprintf(x->stack[x->depth++], sizeof x->stack[0], "%s", value);
		if (x->depth == 2 && strcasecmp(value, "VEVENT") == 0) {
			x->ev_line = line;
			x->has_start = x->has_end = x->has_summary = 0;
			x->summary[0] = '\0';
		}
		return 0;
	}
	if (strcasecmp(name, "END") == 0) {
		if (x->depth == 0 || strcasecmp(value, x->stack[x->depth - 1]) != 0)
			return bad(x, line, "END:%.40s closes no open component", value);
		x->depth--;
		if (x->depth == 1 && strcasecmp(value, "VEVENT") == 0)
			return event_end(x, line);
		return 0;
	}
	if (x->depth == 2 && strcasecmp(x->stack[1], "VEVENT") == 0)
		return property(x, line, name, params, value);
	return 0;
}

int ics_days(const char *text, size_t len, int year, struct ics_days *out, err_t *err)
{
	struct ics *x = calloc(1, sizeof *x);
	char *buf = malloc(ICS_LINE_MAX + 1);
	int rc = 0;
	if (x == NULL || buf == NULL) {
		free(x);
		free(buf);
		return err_set(err, 500, "internal", NULL, "out of memory");
	}
	x->year = year;
	x->out = out;
	x->err = err;
	out->n = 0;
	if (len > ICS_MAX_BYTES)
		rc = err_set(err, 422, "invalid_ics", "file", "an iCalendar file of at most %u bytes", ICS_MAX_BYTES);
	size_t used = 0;
	int line = 0, start_line = 0, have = 0;
	for (size_t i = 0; rc == 0 && i <= len;) {
		/* one physical line [i, e) */
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		size_t next = e + 1, k = e;
		if (k > i && text[k - 1] == '\r')
			k--;
		line++;
		if (memchr(text + i, '\0', k - i)) {
			rc = bad(x, line, "a NUL byte%s", NULL);
			break;
		}
		int cont = k > i && (text[i] == ' ' || text[i] == '\t');
		if (!cont && have) {          /* the line before is complete */
			buf[used] = '\0';
			rc = content_line(x, start_line, buf);
			have = 0;
			used = 0;
		}
		if (rc == 0 && (cont || k > i)) {
			size_t from = cont ? i + 1 : i;
			if (cont && !have) {
				rc = bad(x, line, "a continuation line (starting with a space) with no line before%s", NULL);
				break;
			}
			if (used + (k - from) > ICS_LINE_MAX) {
				char max[16];
				snprintf(max, sizeof max, "%d", ICS_LINE_MAX);
				rc = bad(x, have ? start_line : line, "a content line longer than %s bytes", max);
				break;
			}
			if (!have)
				start_line = line;
			memcpy(buf + used, text + from, k - from);
			used += k - from;
			have = 1;
		}
		i = next;
	}
	if (rc == 0 && have) {
		buf[used] = '\0';
		rc = content_line(x, start_line, buf);
	}
	if (rc == 0 && line > 0 && x->depth > 0)
		rc = bad(x, line, "the file ends inside %s (no END)", x->stack[x->depth - 1]);
	if (rc == 0 && x->depth == 0 && x->stack[0][0] == '\0')
		rc = err_set(err, 422, "invalid_ics", "file", "an empty file: an iCalendar file starts with BEGIN:VCALENDAR");
	free(buf);
	free(x);
	return rc < 0 ? -1 : 0;
}
