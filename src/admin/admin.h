/*
 * admin.h -- the accounts' HTTP side (login, /me, users, audit), zone
 * settings and the organisation's reference lists (investment units,
 * streets, departments), the working-day calendar, health and the
 * overview summary.  Owns the tables settings, units,
 * streets, departments, calendar_days, calendar_years; adds regions (the
 * statistics' districts) for the indicators module.  The domain modules
 * (service, race, indicators, ...) build on it; it includes none of them.
 */
#ifndef ZONEOPS_ADMIN_H
#define ZONEOPS_ADMIN_H

#include "http/http.h"

/* Known setting keys and their defaults; NULL-terminated. */
struct setting_def {
	const char *key, *dflt, *help;
};
extern const struct setting_def setting_defs[];

/* Value of key (malloc'd), the default when unset; NULL for unknown keys. */
char *setting_get(db_t *db, const char *key);
/* Set key; -1 with *msg for unknown keys or bad values. */
int setting_set(db_t *db, const char *key, const char *value, const char **msg);
/* 1 when key is a secret (smtp.password): stored but never shown --
 * GET /api/v1/settings answers "" and "<key>_set", the audit log and
 * `zoneops config` never have its value. */
int setting_is_secret(const char *key);

/* ---- accounts (account.c): login, logout, me, own password, API tokens, users, audit ---- */
void api_login(req_t *r);
void api_logout(req_t *r);
void api_me(req_t *r);
void api_me_password(req_t *r);
void api_tokens_list(req_t *r);
void api_tokens_create(req_t *r);
void api_token_delete(req_t *r);
void api_users_list(req_t *r);
void api_users_create(req_t *r);
void api_user_get(req_t *r);
void api_user_update(req_t *r);
void api_user_delete(req_t *r);
void api_audit_list(req_t *r);

/* The server's clock (now_sec(), ZONEOPS_NOW) into an answer: "today"
 * (YYYY-MM-DD, the zone's date) and "now" (ISO 8601 with the zone's
 * offset), so that the browser's "today" is the server's (/me, the login,
 * /healthz). */
void clock_json(json_t *o);
void api_healthz(req_t *r);
void api_settings_get(req_t *r);
void api_settings_patch(req_t *r);
void api_units(req_t *r);
void api_streets(req_t *r);
void api_departments(req_t *r);
void api_streets_create(req_t *r);
void api_departments_create(req_t *r);
void api_department_update(req_t *r);   /* PATCH: its street (street_id) */
void api_summary(req_t *r);
void api_regions(req_t *r);
void api_regions_create(req_t *r);

/* The writers of the reference lists, shared by the API and the demo:
 * validate (name required, at most 64 characters, the English name 128;
 * a department's level district, city or province; one region is the
 * zone) and insert.  0 with *id, or -1 with err (422 invalid, 409 for a
 * name that exists or a second zone, or a database error). */
int street_create(db_t *db, const char *name, const char *name_en, int64_t *id, err_t *err);
int department_create(db_t *db, const char *name, const char *name_en, const char *level, int64_t *id,
                      err_t *err);
/* The same with the street it is the office of (街道办事处; 0: none):
 * 422 unknown_street field street_id for a street that does not exist. */
int department_create_in(db_t *db, const char *name, const char *name_en, const char *level, int64_t street_id,
                         int64_t *id, err_t *err);
/* 0 when street_id (> 0) is a street, else -1 with err: 422 unknown_street
 * field street_id (param street_id), or a database error. */
int street_known(db_t *db, int64_t street_id, err_t *err);
/* Make department id the office of street_id (0: of no street).  0, or -1
 * with err (422 unknown_street field street_id, 404, a database error). */
int department_set_street(db_t *db, int64_t id, int64_t street_id, err_t *err);
int region_create(db_t *db, const char *name, const char *name_en, int is_zone, int64_t sort, int64_t *id,
                  err_t *err);

/* ---- the working-day calendar (calendar.c) ----
 * Dates are 'YYYY-MM-DD'; calendar_days holds the exceptions to
 * Monday-Friday (statutory holidays, 调休 make-up days), loaded per year. */
/* 1 when day (YYYY-MM-DD) is a working day: Mon-Fri unless a holiday,
 * weekends only when listed as make-up days (调休). */
int calendar_is_workday(db_t *db, const char *day);
/* The date n working days after from (from itself not counted), into
 * out[11].  Returns 0, or -1 on bad arguments or a database error. */
int calendar_add_workdays(db_t *db, const char *from, int n, char out[11]);
/* A time limit counted from `from`: months > 0 first gives the same day
 * that many months later (clamped to the month's end), moved forward to
 * the next working day when it is a day off; then workdays working days
 * after that (so a months limit pushed by a pause is months + workdays).
 * No calendar cliff: the days of a year that is not loaded count Monday-
 * Friday and *provisional (may be NULL) is set to 1, else 0.  Returns 0,
 * or -1 on bad arguments or a database error (*provisional then 0). */
int calendar_due(db_t *db, const char *from, int months, int workdays, char out[11], int *provisional);
/* Working days d with after < d <= upto (0 when upto <= after); a year not
 * loaded counts Monday-Friday and sets *provisional as calendar_due; -1 on
 * bad arguments or a database error. */
int calendar_count_workdays(db_t *db, const char *after, const char *upto, int *provisional);
/* The same count as it was made while `year` was not loaded (its days
 * Monday-Friday): for recomputing a provisional date once it is. */
int calendar_count_as_unloaded(db_t *db, const char *after, const char *upto, int year);
/* For many computations in a row (the provisional dates recomputed when a
 * year is loaded): a memo reads each year's calendar once instead of once
 * a computation.  It sees the calendar as it was when it read a year: free
 * it before the calendar changes.  The _memo functions are the ones above. */
typedef struct calendar_memo calendar_memo_t;
calendar_memo_t *calendar_memo_new(db_t *db);
void calendar_memo_free(calendar_memo_t *m);
int calendar_due_memo(calendar_memo_t *m, const char *from, int months, int workdays, char out[11], int *provisional);
int calendar_count_as_unloaded_memo(calendar_memo_t *m, const char *after, const char *upto, int year);
/* Called by calendar_load after a year is saved, in the same transaction:
 * recompute what was provisional in that year.  0, or -1 with err. */
typedef int (*calendar_load_hook)(db_t *db, int year, int64_t now, err_t *err);
void calendar_on_load(calendar_load_hook fn);
/* One exception day of a year: a holiday (workday 0) or a make-up working
 * day on a weekend (workday 1). */
struct calendar_day {
	const char *day;            /* YYYY-MM-DD */
	int workday;
	const char *note;           /* at most 32 characters; NULL: "" */
};
/* Replace year y's exceptions with days[0..n) and record the year as loaded
 * from source at now.  Validates every day (a real date in y, listed once,
 * make-up days on weekends); 0, or -1 with err (field day, workday or note
 * and the param index of the day; or source, days).  Then runs the hook
 * (calendar_on_load) and returns its count (provisional requests
 * recomputed), 0 without one. */
int calendar_load(db_t *db, int y, const struct calendar_day *days, size_t n, const char *source, int64_t now,
                  err_t *err);
void api_calendar_get(req_t *r);
void api_calendar_put(req_t *r);
void api_calendar_import(req_t *r);     /* POST /api/v1/calendar/import?year= an .ics */
void api_calendar_status(req_t *r);     /* GET /api/v1/calendar/status */

/* ---- iCalendar holiday feeds (ics.c) ---- */
#define ICS_MAX_BYTES (1u << 20)
#define ICS_LINE_MAX 8192
#define ICS_MAX_DAYS 366
#define ICS_NOTE_CHARS 32
#define ICS_NOTE_MAX (ICS_NOTE_CHARS * 4 + 1)
struct ics_days {
	int n;
	struct {
		int64_t day;
		int workday;                /* 1 a make-up working day, 0 a holiday */
		int line;                   /* of its BEGIN:VEVENT */
		char note[ICS_NOTE_MAX];    /* the SUMMARY */
	} d[ICS_MAX_DAYS];
};
/* The days of `year` in an iCalendar file text[0..len) of holidays and
 * make-up working days (VEVENTs: DTSTART, DTEND exclusive, SUMMARY with
 * 假/休 or 班), in the file's order, each day once.  0, or -1 with err:
 * 422 invalid_ics, field "file", param line. */
int ics_days(const char *text, size_t len, int year, struct ics_days *out, err_t *err);

#endif
