/*
 * calendar.c -- working days on the Chinese calendar.
 *
 * calendar_days holds the exceptions only: statutory holidays
 * (is_workday = 0, weekday or not) and the make-up working days on
 * weekends (调休, is_workday = 1).  calendar_years says which years an
 * admin has loaded.  A day is a working day when it is Monday-Friday and
 * not a listed holiday, or when it is a listed make-up day.  No calendar
 * cliff: counting through a year that is not loaded counts its days
 * Monday-Friday and says the result is provisional; when an admin loads
 * the year (PUT /api/v1/calendar/{year}, or an iCalendar file through
 * POST /api/v1/calendar/import) the hook set by calendar_on_load (the
 * requests' provisional dates, service/due_recompute.c) runs in the same
 * transaction.
 *
 * Time limits: N working days after a date (the date itself not counted),
 * or "one month": the same day of the next month, clamped to that month's
 * end, moved forward to the next working day when it falls on a day off.
 */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int year_of(int64_t days)
{
	int y;
	date_to_civil(days, &y, NULL, NULL);
	return y;
}

/* 0 Monday … 6 Sunday. */
static int weekday(int64_t days)
{
	return date_weekday(days) - 1;
}

/* ---- one year's exceptions, loaded on demand ---- */

#define MAX_EXCEPTIONS 366

struct calyear {
	int year;                 /* 0: nothing loaded yet */
	int loaded;               /* the year is in calendar_years */
	int n;
	int64_t day[MAX_EXCEPTIONS];
	signed char work[MAX_EXCEPTIONS];
};

/* Load year y into c; 0, or -1 on a database error. */
static int load_year(db_t *db, int y, struct calyear *c)
{
	c->year = y;
	c->loaded = 0;
	c->n = 0;
	db_stmt_t *st = db_prepare(db, "SELECT count(*) FROM calendar_years WHERE year = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, y);
	int rc = db_step(st);
	if (rc == DB_ROW)
		c->loaded = db_col_int(st, 0) > 0;
	db_done(st);
	if (rc != DB_ROW)
		return -1;
	char lo[11], hi[11];
	snprintf(lo, sizeof lo, "%04d-01-01", y);
	snprintf(hi, sizeof hi, "%04d-12-31", y);
	st = db_prepare(db, "SELECT day, is_workday FROM calendar_days WHERE day >= $1 AND day <= $2 ORDER BY day");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, lo);
	db_bind_text(st, 2, hi);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t d;
		if (c->n < MAX_EXCEPTIONS && date_parse(db_col_text(st, 0), &d) == 0) {
			c->day[c->n] = d;
			c->work[c->n] = db_col_int(st, 1) != 0;
			c->n++;
		}
	}
	db_done(st);
	return rc == DB_DONE ? 0 : -1;
}

/* Make sure c holds the year of day d; 0, or -1 on a database error. */
static int ensure_year(db_t *db, struct calyear *c, int64_t d)
{
	int y = year_of(d);
	return c->year != y && load_year(db, y, c) < 0 ? -1 : 0;
}

/* Monday-Friday unless listed otherwise (a year not loaded lists nothing). */
static int is_work(const struct calyear *c, int64_t d)
{
	for (int i = 0; i < c->n; i++)
		if (c->day[i] == d)
			return c->work[i];
	return weekday(d) < 5;
}

/* The years a run of many computations has read (calendar_memo_new):
 * each read once, whatever the number of computations. */
struct calendar_memo {
	db_t *db;
	struct calyear **years;
	size_t n, cap;
};

calendar_memo_t *calendar_memo_new(db_t *db)
{
	calendar_memo_t *m = calloc(1, sizeof *m);
	if (m)
		m->db = db;
	return m;
}

void calendar_memo_free(calendar_memo_t *m)
{
	for (size_t i = 0; m && i < m->n; i++)
		free(m->years[i]);
	if (m)
		free(m->years);
	free(m);
}

/* Year y from m, read on first use; NULL on a database error. */
static struct calyear *memo_year(calendar_memo_t *m, int y)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->years[i]->year == y)
			return m->years[i];
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct calyear **v = realloc(m->years, cap * sizeof *v);
		if (v == NULL)
			return NULL;
		m->years = v;
		m->cap = cap;
	}
	struct calyear *c = calloc(1, sizeof *c);
	if (c == NULL || load_year(m->db, y, c) < 0) {
		free(c);
		return NULL;
	}
	return m->years[m->n++] = c;
}

/* A walk over the calendar: the year in hand (its own, or one of memo's),
 * whether a day of a year not loaded was looked at, and a year to treat as
 * not loaded (0: none). */
struct walk {
	db_t *db;
	struct calyear *c;
	calendar_memo_t *memo;
	int provisional;
	int as_unloaded;
};

/* 1 when d is a working day, 0 when not, -1 on a database error. */
static int walk_work(struct walk *w, int64_t d)
{
	if (w->memo) {
		int y = year_of(d);
		if (w->c == NULL || w->c->year != y)
			w->c = memo_year(w->memo, y);
		if (w->c == NULL)
			return -1;
	} else if (ensure_year(w->db, w->c, d) < 0)
		return -1;
	if (!w->c->loaded || w->c->year == w->as_unloaded) {
		w->provisional = 1;
		return weekday(d) < 5;
	}
	return is_work(w->c, d);
}

int calendar_is_workday(db_t *db, const char *day)
{
	int64_t d;
	if (date_parse(day, &d) < 0)
		return -1;
	struct calyear *c = calloc(1, sizeof *c);
	if (c == NULL)
		return -1;
	int rc = ensure_year(db, c, d);
	int w = rc < 0 ? -1 : is_work(c, d);
	free(c);
	return w;
}

/* The core of calendar_due on day numbers: 0, or -1 on a database error. */
static int due_days(struct walk *w, int64_t from, int months, int workdays, int64_t *out)
{
	int64_t d = from;
	if (months > 0) {
		d = date_add_months(from, months);
		for (int guard = 0; guard < 400; guard++, d++) {
			int k = walk_work(w, d);
			if (k < 0)
				return -1;
			if (k)
				break;
		}
	}
	for (int k = 0; k < workdays;) {
		d++;
		int e = walk_work(w, d);
		if (e < 0)
			return -1;
		k += e;
	}
	*out = d;
	return 0;
}

/* A walk with a year of its own, or (memo) over memo's years. */
static struct walk *walk_new(db_t *db, calendar_memo_t *memo, int as_unloaded)
{
	struct walk *w = calloc(1, sizeof *w);
	if (w && memo == NULL && (w->c = calloc(1, sizeof *w->c)) == NULL) {
		free(w);
		return NULL;
	}
	if (w) {
		w->db = db;
		w->memo = memo;
		w->as_unloaded = as_unloaded;
	}
	return w;
}

static void walk_free(struct walk *w)
{
	if (w && w->memo == NULL)
		free(w->c);
	free(w);
}

static int due_walk(db_t *db, calendar_memo_t *memo, const char *from, int months, int workdays, char out[11],
                    int *provisional)
{
	int dummy;
	if (provisional == NULL)
		provisional = &dummy;
	*provisional = 0;
	int64_t f, d;
	if (date_parse(from, &f) < 0 || months < 0 || workdays < 0 || months > 120 || workdays > 5000)
		return -1;
	struct walk *w = walk_new(db, memo, 0);
	if (w == NULL)
		return -1;
	int rc = due_days(w, f, months, workdays, &d);
	*provisional = rc == 0 && w->provisional;
	walk_free(w);
	if (rc == 0)
		date_format(d, out);
	return rc;
}

int calendar_due(db_t *db, const char *from, int months, int workdays, char out[11], int *provisional)
{
	return due_walk(db, NULL, from, months, workdays, out, provisional);
}

int calendar_due_memo(calendar_memo_t *m, const char *from, int months, int workdays, char out[11], int *provisional)
{
	return due_walk(m->db, m, from, months, workdays, out, provisional);
}

int calendar_add_workdays(db_t *db, const char *from, int n, char out[11])
{
	return calendar_due(db, from, 0, n, out, NULL);
}

/* Working days in (a, b] on walk w; -1 on error. */
static int count_days(struct walk *w, int64_t a, int64_t b)
{
	int n = 0;
	for (int64_t d = a + 1; d <= b; d++) {
		int e = walk_work(w, d);
		if (e < 0)
			return -1;
		n += e;
	}
	return n;
}

static int count_walk(db_t *db, calendar_memo_t *memo, const char *after, const char *upto, int as_unloaded,
                      int *provisional)
{
	int dummy;
	if (provisional == NULL)
		provisional = &dummy;
	*provisional = 0;
	int64_t a, b;
	if (date_parse(after, &a) < 0 || date_parse(upto, &b) < 0)
		return -1;
	if (b <= a)
		return 0;
	if (b - a > 20000)
		return -1;
	struct walk *w = walk_new(db, memo, as_unloaded);
	if (w == NULL)
		return -1;
	int n = count_days(w, a, b);
	*provisional = n >= 0 && w->provisional;
	walk_free(w);
	return n;
}

int calendar_count_workdays(db_t *db, const char *after, const char *upto, int *provisional)
{
	return count_walk(db, NULL, after, upto, 0, provisional);
}

int calendar_count_as_unloaded(db_t *db, const char *after, const char *upto, int year)
{
	return count_walk(db, NULL, after, upto, year, NULL);
}

int calendar_count_as_unloaded_memo(calendar_memo_t *m, const char *after, const char *upto, int year)
{
	return count_walk(m->db, m, after, upto, year, NULL);
}

/* ---- API ---- */

/* From this month on, admins are reminded to load next year. */
#define CALENDAR_REMIND_MONTH 11

/* The {year} path parameter, or 0 after replying 422. */
static int year_param(req_t *r)
{
	const char *s = r->nparams ? r->params[0] : NULL;
	int y = 0;
	if (s && strlen(s) == 4) {
		for (int i = 0; i < 4; i++)
			y = s[i] >= '0' && s[i] <= '9' ? y * 10 + (s[i] - '0') : -1000000;
	}
	if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX) {
		reply_error(r, 422, "invalid_parameter", "year", "the year must be four digits from %d to %d", DATE_YEAR_MIN, DATE_YEAR_MAX);
		return 0;
	}
	return y;
}

static json_t *calendar_json(req_t *r, int y)
{
	json_t *o = json_object();
	json_object_set_new(o, "year", json_integer(y));
	db_stmt_t *st = db_prepare(r->db, "SELECT loaded_at, source FROM calendar_years WHERE year = $1");
	db_bind_int(st, 1, y);
	int rc = db_step(st);
	int loaded = rc == DB_ROW;
	json_object_set_new(o, "loaded", json_boolean(loaded));
	json_object_set_new(o, "loaded_at", loaded ? json_integer(db_col_int(st, 0)) : json_null());
	json_object_set_new(o, "source", json_string(loaded ? db_col_text(st, 1) : ""));
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		json_decref(o);
		return NULL;
	}
	char lo[11], hi[11];
	snprintf(lo, sizeof lo, "%04d-01-01", y);
	snprintf(hi, sizeof hi, "%04d-12-31", y);
	st = db_prepare(r->db, "SELECT day, is_workday AS workday, note FROM calendar_days"
	                       " WHERE day >= $1 AND day <= $2 ORDER BY day");
	db_bind_text(st, 1, lo);
	db_bind_text(st, 2, hi);
	json_t *days = json_array();
	int holidays = 0, makeup = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *d = row_json(st, "sbs");
		int64_t n;
		if (date_parse(db_col_text(st, 0), &n) == 0)
			json_object_set_new(d, "weekday", json_integer(weekday(n) + 1));
		if (db_col_int(st, 1))
			makeup++;
		else
			holidays++;
		json_array_append_new(days, d);
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(days);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "holidays", json_integer(holidays));
	json_object_set_new(o, "makeup_days", json_integer(makeup));
	json_object_set_new(o, "days", days);
	return o;
}

void api_calendar_get(req_t *r)
{
	int y = year_param(r);
	if (y == 0)
		return;
	json_t *o = calendar_json(r, y);
	if (o == NULL) {
		reply_db_error(r, DB_ERR, "reading the calendar");
		return;
	}
	reply_json(r, 200, o);
}

static calendar_load_hook load_hook;

void calendar_on_load(calendar_load_hook fn)
{
	load_hook = fn;
}

int calendar_load(db_t *db, int y, const struct calendar_day *days, size_t n, const char *source, int64_t now,
                  err_t *err)
{
	if (!text_ok(source, 200, 0))
		return err_set(err, 422, "invalid", "source", "source is text of at most 200 characters");
	if (n > MAX_EXCEPTIONS)
		return err_set(err, 422, "invalid_type", "days", "days must be an array of at most %d days", MAX_EXCEPTIONS);
	int64_t seen[MAX_EXCEPTIONS];
	for (size_t i = 0; i < n; i++) {
		const char *day = days[i].day, *note = days[i].note ? days[i].note : "";
		int64_t d = 0;
		int bad = 0;
		if (!text_ok(note, 32, 0))
			bad = err_set(err, 422, "invalid", "note", "the note is text of at most 32 characters");
		else if (date_parse(day, &d) < 0)
			bad = err_set(err, 422, "invalid_date", "day", "'%.40s' is not a date (YYYY-MM-DD)", day ? day : "");
		else if (year_of(d) != y)
			bad = err_set(err, 422, "invalid_date", "day", "%s is not in %d", day, y);
		else if (days[i].workday && weekday(d) < 5)
			bad = err_set(err, 422, "invalid", "workday", "%s is a weekday, which is a working day anyway; a"
			              " make-up working day (调休) falls on a Saturday or Sunday", day);
		for (size_t j = 0; !bad && j < i; j++)
			if (seen[j] == d)
				bad = err_set(err, 422, "duplicate", "day", "%s is listed twice", day);
		if (bad) {
			err_param(err, "index", "%zu", i);
			return -1;
		}
		seen[i] = d;
	}
	char lo[DATE_LEN], hi[DATE_LEN];
	date_format(date_from_civil(y, 1, 1), lo);
	date_format(date_from_civil(y, 12, 31), hi);
	db_stmt_t *st = db_prepare(db, "DELETE FROM calendar_days WHERE day >= $1 AND day <= $2");
	db_bind_text(st, 1, lo);
	db_bind_text(st, 2, hi);
	int rc = db_step(st);
	db_done(st);
	for (size_t i = 0; i < n && rc == DB_DONE; i++) {
		st = db_prepare(db, "INSERT INTO calendar_days (day, is_workday, note) VALUES ($1, $2, $3)");
		db_bind_text(st, 1, days[i].day);
		db_bind_int(st, 2, days[i].workday != 0);
		db_bind_text(st, 3, days[i].note ? days[i].note : "");
		rc = db_step(st);
		db_done(st);
	}
	if (rc == DB_DONE) {
		st = db_prepare(db,
			"INSERT INTO calendar_years (year, loaded_at, source) VALUES ($1, $2, $3)"
			" ON CONFLICT (year) DO UPDATE SET loaded_at = excluded.loaded_at, source = excluded.source");
		db_bind_int(st, 1, y);
		db_bind_int(st, 2, now);
		db_bind_text(st, 3, source ? source : "");
		rc = db_step(st);
		db_done(st);
	}
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "saving the calendar");
	return load_hook ? load_hook(db, y, now, err) : 0;   /* the number recomputed */
}

/* Day i of the body's days array into *out; 0, or -1 after replying 422. */
static int day_in(req_t *r, json_t *e, size_t i, struct calendar_day *out)
{
	static const char *const dfields[] = { "day", "workday", "note", NULL };
	if (!json_is_object(e)) {
		reply_error(r, 422, "invalid_type", arena_printf(r->arena, "days[%zu]", i),
		            "each day is an object {day, workday, note}");
		return -1;
	}
	const char *k;
	json_t *v;
	json_object_foreach(e, k, v) {
		int ok = 0;
		for (int j = 0; dfields[j]; j++)
			ok |= strcmp(k, dfields[j]) == 0;
		if (!ok) {
			reply_error(r, 422, "unknown_field", arena_printf(r->arena, "days[%zu].%s", i, k), "unknown field '%s'", k);
			return -1;
		}
	}
	json_t *jd = json_object_get(e, "day"), *jw = json_object_get(e, "workday"), *jn = json_object_get(e, "note");
	if (jd == NULL || !json_is_string(jd)) {
		reply_error(r, 422, jd ? "invalid_type" : "required", arena_printf(r->arena, "days[%zu].day", i),
		            "day (YYYY-MM-DD) is required");
		return -1;
	}
	if (jw == NULL || !json_is_boolean(jw)) {
		reply_error(r, 422, jw ? "invalid_type" : "required", arena_printf(r->arena, "days[%zu].workday", i),
		            "workday is required: false for a holiday, true for a make-up working day (调休)");
		return -1;
	}
	if (jn && !json_is_null(jn) && !json_is_string(jn)) {
		reply_error(r, 422, "invalid_type", arena_printf(r->arena, "days[%zu].note", i), "note must be a string");
		return -1;
	}
	out->day = json_string_value(jd);
	out->workday = json_is_true(jw);
	out->note = jn && json_is_string(jn) ? json_string_value(jn) : "";
	return 0;
}

static void load_reply(req_t *r, int y, const struct calendar_day *days, size_t n, const char *source, int holidays,
                       int makeup, const int *lines);

void api_calendar_put(req_t *r)
{
	int y = year_param(r);
	if (y == 0)
		return;
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "days", "source", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	const char *source = "";
	if (body_str(r, o, "source", &source) < 0)
		return;
	json_t *days = json_object_get(o, "days");
	if (days == NULL || json_is_null(days)) {
		reply_error(r, 422, "required", "days", "days (the year's holidays and make-up working days) is required");
		return;
	}
	if (!json_is_array(days) || json_array_size(days) > MAX_EXCEPTIONS) {
		reply_error(r, 422, "invalid_type", "days", "days must be an array of at most %d days", MAX_EXCEPTIONS);
		return;
	}
	size_t n = json_array_size(days);
	struct calendar_day *in = arena_alloc(r->arena, (n + 1) * sizeof *in);
	int holidays = 0, makeup = 0;
	for (size_t i = 0; i < n; i++) {
		if (day_in(r, json_array_get(days, i), i, &in[i]) < 0)
			return;
		in[i].workday ? makeup++ : holidays++;
	}
	load_reply(r, y, in, n, source, holidays, makeup, NULL);
}

/* Load year y from days[0..n), audit it, reply with the year (and how many
 * provisional requests were recomputed).  lines (may be NULL): the .ics
 * line of each day, named in an error instead of days[i]. */
static void load_reply(req_t *r, int y, const struct calendar_day *days, size_t n, const char *source, int holidays,
                       int makeup, const int *lines)
{
	err_t e;
	err_clear(&e);
	int recomputed = calendar_load(r->db, y, days, n, source, now_sec(), &e);
	if (recomputed < 0) {
		const char *idx = err_get_param(&e, "index");
		if (idx && lines) {          /* the file names the line */
			int line = lines[atoi(idx)];
			char pre[24];
			int k = snprintf(pre, sizeof pre, "line %d: ", line);
			size_t len = strlen(e.message);
			if (len + (size_t)k >= sizeof e.message)
				len = sizeof e.message - (size_t)k - 1;
			memmove(e.message + k, e.message, len);
			memcpy(e.message, pre, (size_t)k);
			e.message[len + (size_t)k] = '\0';
			e.field = "file";
			e.code = "invalid_ics";
			e.line = line;
			err_param(&e, "line", "%d", line);
		} else if (idx && e.field) {   /* the API names the element: days[3].day */
			e.field = arena_printf(r->arena, "days[%s].%s", idx, e.field);
		}
		reply_err(r, &e);
		return;
	}
	r->audit_entity = "calendar";
	r->audit_id = arena_printf(r->arena, "%d", y);
	r->audit_detail = arena_printf(r->arena, "{\"holidays\":%d,\"makeup_days\":%d,\"recomputed\":%d}", holidays,
	                               makeup, recomputed);
	json_t *out = calendar_json(r, y);
	if (out == NULL) {
		reply_db_error(r, DB_ERR, "reading the calendar");
		return;
	}
	json_object_set_new(out, "recomputed", json_integer(recomputed));
	reply_json(r, 200, out);
}

/* POST /api/v1/calendar/import?year=Y[&source=…]: year Y from an iCalendar
 * file (the body, text/calendar) of holidays and make-up working days. */
void api_calendar_import(req_t *r)
{
	int64_t y;
	if (req_query_int(r, "year", 0, DATE_YEAR_MIN, DATE_YEAR_MAX, &y) < 0)
		return;
	if (y == 0) {
		reply_error(r, 422, "required", "year", "year (the year to load from the file) is required");
		return;
	}
	const char *source = req_query(r, "source");
	if (source == NULL || *source == '\0')
		source = "iCalendar";
	if (r->body == NULL || r->body_len == 0) {
		reply_error(r, 422, "invalid_ics", "file", "the body is empty: send the .ics file");
		return;
	}
	struct ics_days *ics = arena_alloc(r->arena, sizeof *ics);
	err_t e;
	err_clear(&e);
	if (ics_days(r->body, r->body_len, (int)y, ics, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	struct calendar_day *days = arena_alloc(r->arena, (size_t)(ics->n + 1) * sizeof *days);
	int *lines = arena_alloc(r->arena, (size_t)(ics->n + 1) * sizeof *lines);
	int holidays = 0, makeup = 0;
	for (int i = 0; i < ics->n; i++) {
		char *d = arena_alloc(r->arena, DATE_LEN);
		date_format(ics->d[i].day, d);
		days[i] = (struct calendar_day){ d, ics->d[i].workday, ics->d[i].note };
		lines[i] = ics->d[i].line;
		ics->d[i].workday ? makeup++ : holidays++;
	}
	load_reply(r, (int)y, days, (size_t)ics->n, source, holidays, makeup, lines);
}

/* GET /api/v1/calendar/status: the years loaded and, from 1 November, a
 * reminder to load next year while it is not. */
void api_calendar_status(req_t *r)
{
	int y, m;
	date_to_civil(date_today(), &y, &m, NULL);
	db_stmt_t *st = db_prepare(r->db, "SELECT year FROM calendar_years ORDER BY year");
	json_t *years = json_array();
	int next = 0, rc;
	while (st && (rc = db_step(st)) == DB_ROW) {
		int k = (int)db_col_int(st, 0);
		next |= k == y + 1;
		json_array_append_new(years, json_integer(k));
	}
	db_done(st);
	if (st == NULL || rc != DB_DONE) {
		json_decref(years);
		reply_db_error(r, DB_ERR, "reading the calendar");
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "loaded", years);
	json_object_set_new(o, "year", json_integer(y));
	json_object_set_new(o, "next_year", json_integer(y + 1));
	json_object_set_new(o, "next_year_loaded", json_boolean(next));
	json_object_set_new(o, "remind", json_boolean(m >= CALENDAR_REMIND_MONTH && !next));
	reply_json(r, 200, o);
}
