/*
 * outbox.c -- notify_emit(): an event once per key, and its notifications,
 * one row per destination, in the caller's transaction.
 *
 * Who gets what (struct notify_to):
 *   - a user (to->users, and every leader when to->leaders): the enabled
 *     channels the user owns and the user's own e-mail (notify_prefs.email,
 *     dest 'u:<id>'), both only when the user's notify_prefs.events wants
 *     the kind; in the user's language, and after the user's quiet hours;
 *   - a department or a unit: its enabled channels, in Chinese, now;
 *   - an enterprise: its contact e-mail (dest 'e:<id>') and the e-mail of
 *     each of its enterprise accounts, as for a user above.
 * A channel takes the kinds listed in its `events` ('' every kind).  A
 * destination reached twice (a leader also named in users) is one row:
 * UNIQUE (event_id, dest) with ON CONFLICT DO NOTHING.
 */
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_SEC 86400

/* One emit's fixed parts. */
struct fan {
	db_t *db;
	const char *kind;
	int64_t event_id, now;
};

/* A user's notify_prefs (the defaults when there is no row), malloc'd. */
struct prefs {
	char *events, *quiet_from, *quiet_to, *email, *lang;
};

/* Does the comma list `list` ('' every kind) name kind?  Items may carry
 * spaces around them. */
static int events_include(const char *list, const char *kind)
{
	if (list == NULL || list[strspn(list, " ")] == '\0')
		return 1;
	size_t klen = strlen(kind);
	const char *p = list;
	for (;;) {
		p += strspn(p, " ");
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m > 0 && p[m - 1] == ' ')
			m--;
		if (m == klen && strncmp(p, kind, klen) == 0)
			return 1;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

static void prefs_free(struct prefs *p)
{
	free(p->events);
	free(p->quiet_from);
	free(p->quiet_to);
	free(p->email);
	free(p->lang);
	memset(p, 0, sizeof *p);
}

/* DB_OK, or a DB_ code (also for out of memory). */
static int prefs_load(db_t *db, int64_t user_id, struct prefs *p)
{
	memset(p, 0, sizeof *p);
	db_stmt_t *st = db_prepare(db, "SELECT events, quiet_from, quiet_to, email, lang FROM notify_prefs WHERE user_id = $1");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, user_id);
	int rc = db_step(st);
	int row = rc == DB_ROW;
	p->events = strdup(row ? db_col_text(st, 0) : "");
	p->quiet_from = strdup(row ? db_col_text(st, 1) : "");
	p->quiet_to = strdup(row ? db_col_text(st, 2) : "");
	p->email = strdup(row ? db_col_text(st, 3) : "");
	p->lang = strdup(row && strcmp(db_col_text(st, 4), "en") == 0 ? "en" : "zh");
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		prefs_free(p);
		return rc;
	}
	if (!p->events || !p->quiet_from || !p->quiet_to || !p->email || !p->lang) {
		prefs_free(p);
		return DB_ERR;
	}
	return DB_OK;
}

/* Seconds after midnight of "HH:MM", or -1 when s is not one. */
static int hhmm_sec(const char *s)
{
	if (strlen(s) != 5 || s[2] != ':' || strspn(s, "0123456789:") != 5)
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h > 23 || m > 59 ? -1 : h * 3600 + m * 60;
}

/* When a notice at now may go to a user with quiet hours from..to (zone
 * time, 'HH:MM'; to before from wraps midnight, 22:00..07:00): now, or
 * the end of the quiet hours now falls in.  No quiet hours when either is
 * empty (or not a time) or both are the same. */
static int64_t quiet_until(const char *from, const char *to, int64_t now)
{
	int f = hhmm_sec(from), t = hhmm_sec(to);
	if (f < 0 || t < 0 || f == t)
		return now;
	int64_t local = now + ZONE_UTC_OFFSET;
	int64_t s = ((local % DAY_SEC) + DAY_SEC) % DAY_SEC;   /* seconds since zone midnight */
	int64_t midnight = now - s;
	if (f < t)
		return s >= f && s < t ? midnight + t : now;
	if (s >= f)
		return midnight + DAY_SEC + t;   /* quiet into tomorrow */
	return s < t ? midnight + t : now;
}

/* One notification row; a destination the event has already is left
 * alone.  channel_id, user_id, enterprise_id: 0 for none. */
static int add_dest(const struct fan *f, const char *dest, const char *kind, const char *target, int64_t channel_id,
                    int64_t user_id, int64_t enterprise_id, const char *lang, int64_t next_at)
{
	db_stmt_t *st = db_prepare(f->db,
		"INSERT INTO notifications (event_id, dest, kind, target, channel_id, user_id, enterprise_id, lang,"
		" state, attempts, next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $10)"
		" ON CONFLICT (event_id, dest) DO NOTHING");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, f->event_id);
	db_bind_text(st, 2, dest);
	db_bind_text(st, 3, kind);
	db_bind_text(st, 4, target);
	if (channel_id > 0) db_bind_int(st, 5, channel_id); else db_bind_null(st, 5);
	if (user_id > 0) db_bind_int(st, 6, user_id); else db_bind_null(st, 6);
	if (enterprise_id > 0) db_bind_int(st, 7, enterprise_id); else db_bind_null(st, 7);
	db_bind_text(st, 8, lang);
	db_bind_int(st, 9, next_at);
	db_bind_int(st, 10, f->now);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

/* An e-mail destination ('u:<id>' or 'e:<id>'). */
static int add_email(const struct fan *f, char prefix, int64_t id, const char *address, int64_t user_id,
                     int64_t enterprise_id, const char *lang, int64_t next_at)
{
	char dest[32];
	snprintf(dest, sizeof dest, "%c:%lld", prefix, (long long)id);
	return add_dest(f, dest, "email", address, 0, user_id, enterprise_id, lang, next_at);
}

/* The enabled channels that take f->kind of the owner selected by sql ($1
 * the owner's id), each a destination 'c:<id>'. */
static int add_channels(const struct fan *f, const char *sql, int64_t owner_id, int64_t user_id, const char *lang,
                        int64_t next_at)
{
	db_stmt_t *st = db_prepare(f->db, sql);
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, owner_id);
	/* read them all first: the inserts use the same connection */
	size_t n = 0, cap = 0;
	struct ch { int64_t id; char *kind, *target; } *v = NULL;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (!events_include(db_col_text(st, 3), f->kind))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			void *nv = realloc(v, cap * sizeof *v);
			if (nv == NULL) {
				rc = DB_ERR;
				break;
			}
			v = nv;
		}
		v[n].id = db_col_int(st, 0);
		v[n].kind = strdup(db_col_text(st, 1));
		v[n].target = strdup(db_col_text(st, 2));
		n++;
		if (!v[n - 1].kind || !v[n - 1].target) {
			rc = DB_ERR;
			break;
		}
	}
	db_done(st);
	rc = rc == DB_DONE ? DB_OK : rc;
	for (size_t i = 0; i < n; i++) {
		if (rc == DB_OK) {
			char dest[32];
			snprintf(dest, sizeof dest, "c:%lld", (long long)v[i].id);
			rc = add_dest(f, dest, v[i].kind, v[i].target, v[i].id, user_id, 0, lang, next_at);
		}
		free(v[i].kind);
		free(v[i].target);
	}
	free(v);
	return rc;
}

/* A user: the channels they own (with_channels) and their e-mail, if
 * their prefs want f->kind; enterprise_id marks an enterprise's account. */
static int fan_user(const struct fan *f, int64_t user_id, int with_channels, int64_t enterprise_id)
{
	struct prefs p;
	int rc = prefs_load(f->db, user_id, &p);
	if (rc != DB_OK)
		return rc;
	if (events_include(p.events, f->kind)) {
		int64_t at = quiet_until(p.quiet_from, p.quiet_to, f->now);
		if (with_channels)
			rc = add_channels(f, "SELECT id, kind, target, events FROM channels WHERE user_id = $1 AND enabled = 1 ORDER BY id",
			                  user_id, user_id, p.lang, at);
		if (rc == DB_OK && p.email[0])
			rc = add_email(f, 'u', user_id, p.email, user_id, enterprise_id, p.lang, at);
	}
	prefs_free(&p);
	return rc;
}

/* The ids the query sql ($1 bound to arg when arg > 0) finds, malloc'd
 * into *out (NULL when none); their number, or a DB_ code. */
static int ids_of(db_t *db, const char *sql, int64_t arg, int64_t **out)
{
	*out = NULL;
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return DB_ERR;
	if (arg > 0)
		db_bind_int(st, 1, arg);
	int n = 0, cap = 0, rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			int64_t *nv = realloc(*out, (size_t)cap * sizeof **out);
			if (nv == NULL) {
				rc = DB_ERR;
				break;
			}
			*out = nv;
		}
		(*out)[n++] = db_col_int(st, 0);
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(*out);
		*out = NULL;
		return rc;
	}
	return n;
}

/* Every user the query finds, as fan_user. */
static int fan_users_of(const struct fan *f, const char *sql, int64_t arg, int with_channels, int64_t enterprise_id)
{
	int64_t *ids;
	int n = ids_of(f->db, sql, arg, &ids);
	int rc = n < 0 ? n : DB_OK;
	for (int i = 0; rc == DB_OK && i < n; i++)
		rc = fan_user(f, ids[i], with_channels, enterprise_id);
	free(ids);
	return rc;
}

/* The enterprise's contact e-mail and its accounts' e-mail. */
static int fan_enterprise(const struct fan *f, int64_t ent)
{
	db_stmt_t *st = db_prepare(f->db, "SELECT contact_email FROM enterprises WHERE id = $1");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, ent);
	int rc = db_step(st);
	char *email = rc == DB_ROW ? strdup(db_col_text(st, 0)) : NULL;
	db_done(st);
	if (rc == DB_DONE)
		return DB_OK;   /* no such enterprise (any more) */
	if (rc != DB_ROW || email == NULL) {
		free(email);
		return rc == DB_ROW ? DB_ERR : rc;
	}
	rc = DB_OK;
	if (email[0])
		rc = add_email(f, 'e', ent, email, 0, ent, "zh", f->now);
	free(email);
	if (rc == DB_OK)
		rc = fan_users_of(f, "SELECT id FROM users WHERE role = 'enterprise' AND enterprise_id = $1 ORDER BY id", ent, 0,
		                  ent);
	return rc;
}

static int fan_out(const struct fan *f, const struct notify_to *to)
{
	int rc = DB_OK;
	for (int i = 0; rc == DB_OK && to->users && i < to->nusers; i++)
		rc = fan_user(f, to->users[i], 1, 0);
	if (rc == DB_OK && to->leaders)
		rc = fan_users_of(f, "SELECT id FROM users WHERE role = 'leader' ORDER BY id", 0, 1, 0);
	for (int i = 0; rc == DB_OK && to->depts && i < to->ndepts; i++)
		rc = add_channels(f, "SELECT id, kind, target, events FROM channels WHERE department_id = $1 AND enabled = 1 ORDER BY id",
		                  to->depts[i], 0, "zh", f->now);
	for (int i = 0; rc == DB_OK && to->units && i < to->nunits; i++)
		rc = add_channels(f, "SELECT id, kind, target, events FROM channels WHERE unit_id = $1 AND enabled = 1 ORDER BY id",
		                  to->units[i], 0, "zh", f->now);
	if (rc == DB_OK && to->enterprise_id > 0)
		rc = fan_enterprise(f, to->enterprise_id);
	return rc;
}

int notify_emit(db_t *db, const char *kind, const char *key, const char *entity, int64_t entity_id,
                json_t *payload, const struct notify_to *to, int64_t now, int64_t *out_id)
{
	if (out_id)
		*out_id = 0;
	if (kind == NULL || key == NULL)
		return DB_ERR;
	char *pl = payload ? json_dumps(payload, JSON_COMPACT) : strdup("{}");
	if (pl == NULL)
		return DB_ERR;
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO notify_events (event_key, kind, entity, entity_id, payload, created_at)"
		" VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_key) DO NOTHING RETURNING id");
	if (st == NULL) {
		free(pl);
		return DB_ERR;
	}
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, entity ? entity : "");
	if (entity_id > 0) db_bind_int(st, 4, entity_id); else db_bind_null(st, 4);
	db_bind_text(st, 5, pl);
	db_bind_int(st, 6, now);
	int rc = db_step(st);
	int64_t id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	free(pl);
	if (rc == DB_DONE) {
		/* the key was emitted before: nothing more */
		const char *p[1] = { key };
		id = db_int1(db, "SELECT id FROM notify_events WHERE event_key = $1", 0, 1, p);
		if (out_id)
			*out_id = id;
		return id > 0 ? DB_OK : DB_ERR;
	}
	if (rc != DB_ROW)
		return rc;
	if (out_id)
		*out_id = id;
	if (to == NULL)
		return DB_OK;
	struct fan f = { .db = db, .kind = kind, .event_id = id, .now = now };
	return fan_out(&f, to);
}
