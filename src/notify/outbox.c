/*
 * outbox.c -- notify_emit() and the batch behind it: an event once per
 * key, and its notifications, one row per destination, in the caller's
 * transaction.
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
 *
 * How it is written: the destinations are worked out in memory and then
 * written.  One event (notify_emit, a step of a case) is one INSERT for the
 * event, the recipients' prefs and channels read as it needs them, and one
 * INSERT per destination.  A batch of events (the reminders' scans: up to
 * hundreds a rule) is a fixed number of statements whatever its size: the
 * events staged with one bulk write (COPY on PostgreSQL) and moved by one
 * INSERT ... SELECT ... ON CONFLICT (event_key) DO NOTHING RETURNING, every
 * prefs row, enabled channel and leader read once, and the destinations
 * staged and moved the same way.  (An event to an enterprise still reads
 * the enterprise's address and accounts itself: the reminders send none.)
 */
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_SEC 86400

/* A user's notify_prefs (the defaults when there is no row). */
struct prefs {
	int64_t user;
	const char *events, *quiet_from, *quiet_to, *email, *lang;
};

/* An enabled channel and its owner (one of user, dept, unit). */
struct chan {
	int64_t id, user, dept, unit;
	const char *kind, *target, *events;
};

struct ev {
	const char *kind, *key, *entity, *payload;
	int64_t entity_id, id;      /* id: the new event's, 0 when the key was there */
	struct notify_to to;        /* arrays copied into the batch's arena */
	int dup;                    /* the key came earlier in the batch */
};

struct dest_row {
	int64_t event_id, channel_id, user_id, enterprise_id, next_at;
	const char *kind, *target, *lang;
	char dest[32];
};

struct notify_batch {
	db_t *db;
	int64_t now;
	arena_t *a;
	struct ev *ev;
	size_t nev, evcap;
	struct dest_row *d;
	size_t nd, dcap;
	/* read once for a batch of several events (preloaded), sorted by
	 * user, and the channels three times: by user, by department, by
	 * unit (then id) */
	int preloaded;
	struct prefs *prefs;
	size_t nprefs;
	struct chan *ch[3];
	size_t nch[3];
	int64_t *leaders;
	int nleaders, leaders_loaded;
};

/* One event's fan-out: the batch and the event. */
struct fan {
	struct notify_batch *b;
	const struct ev *e;
};

enum { BY_USER, BY_DEPT, BY_UNIT };

static const char *const CHANNELS_SQL[3] = {
	"SELECT id, kind, target, events, user_id, department_id, unit_id FROM channels WHERE user_id = $1 AND enabled = 1 ORDER BY id",
	"SELECT id, kind, target, events, user_id, department_id, unit_id FROM channels WHERE department_id = $1 AND enabled = 1 ORDER BY id",
	"SELECT id, kind, target, events, user_id, department_id, unit_id FROM channels WHERE unit_id = $1 AND enabled = 1 ORDER BY id",
};

/* Make room for one more of *v (n of *cap, each size bytes).  0, or -1. */
static int grow(void **v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 16;
	void *nv = realloc(*v, c * size);
	if (nv == NULL)
		return -1;
	*v = nv;
	*cap = c;
	return 0;
}

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

/* The prefs row the statement st is on (or the defaults when row is 0),
 * copied into a. */
static void prefs_from(arena_t *a, db_stmt_t *st, int row, int c0, int64_t user, struct prefs *p)
{
	p->user = user;
	p->events = arena_strdup(a, row ? db_col_text(st, c0) : "");
	p->quiet_from = arena_strdup(a, row ? db_col_text(st, c0 + 1) : "");
	p->quiet_to = arena_strdup(a, row ? db_col_text(st, c0 + 2) : "");
	p->email = arena_strdup(a, row ? db_col_text(st, c0 + 3) : "");
	p->lang = row && strcmp(db_col_text(st, c0 + 4), "en") == 0 ? "en" : "zh";
}

static void chan_from(arena_t *a, db_stmt_t *st, struct chan *c)
{
	c->id = db_col_int(st, 0);
	c->kind = arena_strdup(a, db_col_text(st, 1));
	c->target = arena_strdup(a, db_col_text(st, 2));
	c->events = arena_strdup(a, db_col_text(st, 3));
	c->user = db_col_int(st, 4);
	c->dept = db_col_int(st, 5);
	c->unit = db_col_int(st, 6);
}

static int64_t chan_owner(const struct chan *c, int by)
{
	return by == BY_USER ? c->user : by == BY_DEPT ? c->dept : c->unit;
}

static int chan_cmp_user(const void *x, const void *y)
{
	const struct chan *a = x, *b = y;
	return a->user != b->user ? (a->user < b->user ? -1 : 1) : (a->id > b->id) - (a->id < b->id);
}

static int chan_cmp_dept(const void *x, const void *y)
{
	const struct chan *a = x, *b = y;
	return a->dept != b->dept ? (a->dept < b->dept ? -1 : 1) : (a->id > b->id) - (a->id < b->id);
}

static int chan_cmp_unit(const void *x, const void *y)
{
	const struct chan *a = x, *b = y;
	return a->unit != b->unit ? (a->unit < b->unit ? -1 : 1) : (a->id > b->id) - (a->id < b->id);
}

/* The leaders' ids (once per batch). */
static int load_leaders(struct notify_batch *b)
{
	if (b->leaders_loaded)
		return DB_OK;
	db_stmt_t *st = db_prepare(b->db, "SELECT id FROM users WHERE role = 'leader' ORDER BY id");
	if (st == NULL)
		return DB_ERR;
	size_t cap = 0, n = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (grow((void **)&b->leaders, n, &cap, sizeof *b->leaders) < 0) {
			rc = DB_ERR;
			break;
		}
		b->leaders[n++] = db_col_int(st, 0);
	}
	db_done(st);
	if (rc != DB_DONE)
		return rc == DB_ROW ? DB_ERR : rc;
	b->nleaders = (int)n;
	b->leaders_loaded = 1;
	return DB_OK;
}

/* Every prefs row and every enabled channel, for a batch of several
 * events: two queries instead of two per recipient. */
static int preload(struct notify_batch *b)
{
	db_stmt_t *st = db_prepare(b->db, "SELECT user_id, events, quiet_from, quiet_to, email, lang FROM notify_prefs ORDER BY user_id");
	if (st == NULL)
		return DB_ERR;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (grow((void **)&b->prefs, b->nprefs, &cap, sizeof *b->prefs) < 0) {
			rc = DB_ERR;
			break;
		}
		prefs_from(b->a, st, 1, 1, db_col_int(st, 0), &b->prefs[b->nprefs++]);
	}
	db_done(st);
	if (rc != DB_DONE)
		return rc == DB_ROW ? DB_ERR : rc;
	st = db_prepare(b->db, "SELECT id, kind, target, events, COALESCE(user_id, 0), COALESCE(department_id, 0),"
	                       " COALESCE(unit_id, 0) FROM channels WHERE enabled = 1");
	if (st == NULL)
		return DB_ERR;
	cap = 0;
	struct chan *all = NULL;
	size_t n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		if (grow((void **)&all, n, &cap, sizeof *all) < 0) {
			rc = DB_ERR;
			break;
		}
		chan_from(b->a, st, &all[n++]);
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(all);
		return rc == DB_ROW ? DB_ERR : rc;
	}
	int (*const cmp[3])(const void *, const void *) = { chan_cmp_user, chan_cmp_dept, chan_cmp_unit };
	for (int by = 0; by < 3; by++) {
		b->ch[by] = arena_alloc(b->a, (n ? n : 1) * sizeof *all);
		if (n)
			memcpy(b->ch[by], all, n * sizeof *all);
		b->nch[by] = n;
		qsort(b->ch[by], n, sizeof *all, cmp[by]);
	}
	free(all);
	b->preloaded = 1;
	return DB_OK;
}

/* user's prefs into *p: from the preloaded rows, or read now. */
static int prefs_of(struct notify_batch *b, int64_t user, struct prefs *p)
{
	if (b->preloaded) {
		size_t lo = 0, hi = b->nprefs;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (b->prefs[mid].user < user)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < b->nprefs && b->prefs[lo].user == user)
			*p = b->prefs[lo];
		else
			*p = (struct prefs){ user, "", "", "", "", "zh" };
		return DB_OK;
	}
	db_stmt_t *st = db_prepare(b->db, "SELECT events, quiet_from, quiet_to, email, lang FROM notify_prefs WHERE user_id = $1");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, user);
	int rc = db_step(st);
	prefs_from(b->a, st, rc == DB_ROW, 0, user, p);
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? DB_OK : rc;
}

/* The enabled channels of one owner (by: BY_USER, BY_DEPT, BY_UNIT) in
 * id order: *out (*n of them), from the preloaded ones or read now into
 * the arena. */
static int channels_of(struct notify_batch *b, int by, int64_t owner, const struct chan **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (owner <= 0)
		return DB_OK;   /* no owner: nobody (the preloaded arrays hold 0 for a channel of another owner) */
	if (b->preloaded) {
		const struct chan *v = b->ch[by];
		size_t lo = 0, hi = b->nch[by];
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (chan_owner(&v[mid], by) < owner)
				lo = mid + 1;
			else
				hi = mid;
		}
		size_t end = lo;
		while (end < b->nch[by] && chan_owner(&v[end], by) == owner)
			end++;
		*out = v + lo;
		*n = end - lo;
		return DB_OK;
	}
	db_stmt_t *st = db_prepare(b->db, CHANNELS_SQL[by]);
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, owner);
	struct chan *v = NULL;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {   /* doubling in the arena: the old block is left to it */
			struct chan *nv = arena_alloc(b->a, (cap = cap ? cap * 2 : 8) * sizeof *nv);
			if (*n)
				memcpy(nv, v, *n * sizeof *nv);
			v = nv;
		}
		chan_from(b->a, st, &v[(*n)++]);
	}
	db_done(st);
	*out = v;
	return rc == DB_DONE ? DB_OK : rc == DB_ROW ? DB_ERR : rc;
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

/* One notification row of f's event. */
static int add_dest(const struct fan *f, const char *dest, const char *kind, const char *target, int64_t channel_id,
                    int64_t user_id, int64_t enterprise_id, const char *lang, int64_t next_at)
{
	struct notify_batch *b = f->b;
	if (grow((void **)&b->d, b->nd, &b->dcap, sizeof *b->d) < 0)
		return DB_ERR;
	struct dest_row *r = &b->d[b->nd++];
	r->event_id = f->e->id;
	snprintf(r->dest, sizeof r->dest, "%s", dest);
	r->kind = kind;
	r->target = target;
	r->channel_id = channel_id;
	r->user_id = user_id;
	r->enterprise_id = enterprise_id;
	r->lang = lang;
	r->next_at = next_at;
	return DB_OK;
}

/* An e-mail destination ('u:<id>' or 'e:<id>'). */
static int add_email(const struct fan *f, char prefix, int64_t id, const char *address, int64_t user_id,
                     int64_t enterprise_id, const char *lang, int64_t next_at)
{
	char dest[32];
	snprintf(dest, sizeof dest, "%c:%lld", prefix, (long long)id);
	return add_dest(f, dest, "email", address, 0, user_id, enterprise_id, lang, next_at);
}

/* The enabled channels of an owner that take the event's kind, each a
 * destination 'c:<id>'. */
static int add_channels(const struct fan *f, int by, int64_t owner_id, int64_t user_id, const char *lang, int64_t next_at)
{
	const struct chan *v;
	size_t n;
	int rc = channels_of(f->b, by, owner_id, &v, &n);
	for (size_t i = 0; rc == DB_OK && i < n; i++) {
		if (!events_include(v[i].events, f->e->kind))
			continue;
		char dest[32];
		snprintf(dest, sizeof dest, "c:%lld", (long long)v[i].id);
		rc = add_dest(f, dest, v[i].kind, v[i].target, v[i].id, user_id, 0, lang, next_at);
	}
	return rc;
}

/* A user: the channels they own (with_channels) and their e-mail, if
 * their prefs want the kind; enterprise_id marks an enterprise's account. */
static int fan_user(const struct fan *f, int64_t user_id, int with_channels, int64_t enterprise_id)
{
	struct prefs p;
	int rc = prefs_of(f->b, user_id, &p);
	if (rc != DB_OK || !events_include(p.events, f->e->kind))
		return rc;
	int64_t at = quiet_until(p.quiet_from, p.quiet_to, f->b->now);
	if (with_channels)
		rc = add_channels(f, BY_USER, user_id, user_id, p.lang, at);
	if (rc == DB_OK && p.email[0])
		rc = add_email(f, 'u', user_id, p.email, user_id, enterprise_id, p.lang, at);
	return rc;
}

/* The enterprise's contact e-mail and its accounts' e-mail. */
static int fan_enterprise(const struct fan *f, int64_t ent)
{
	db_t *db = f->b->db;
	db_stmt_t *st = db_prepare(db, "SELECT contact_email FROM enterprises WHERE id = $1");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, ent);
	int rc = db_step(st);
	const char *email = rc == DB_ROW ? arena_strdup(f->b->a, db_col_text(st, 0)) : NULL;
	db_done(st);
	if (rc == DB_DONE)
		return DB_OK;   /* no such enterprise (any more) */
	if (rc != DB_ROW)
		return rc;
	rc = email[0] ? add_email(f, 'e', ent, email, 0, ent, "zh", f->b->now) : DB_OK;
	if (rc != DB_OK)
		return rc;
	/* read the accounts first: their prefs may need the connection */
	st = db_prepare(db, "SELECT id FROM users WHERE role = 'enterprise' AND enterprise_id = $1 ORDER BY id");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, ent);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		if (grow((void **)&ids, n, &cap, sizeof *ids) < 0) {
			rc = DB_ERR;
			break;
		}
		ids[n++] = db_col_int(st, 0);
	}
	db_done(st);
	rc = rc == DB_DONE ? DB_OK : rc == DB_ROW ? DB_ERR : rc;
	for (size_t i = 0; rc == DB_OK && i < n; i++)
		rc = fan_user(f, ids[i], 0, ent);
	free(ids);
	return rc;
}

static int fan_out(const struct fan *f)
{
	const struct notify_to *to = &f->e->to;
	int rc = DB_OK;
	for (int i = 0; rc == DB_OK && i < to->nusers; i++)
		rc = fan_user(f, to->users[i], 1, 0);
	if (rc == DB_OK && to->leaders)
		rc = load_leaders(f->b);
	for (int i = 0; rc == DB_OK && to->leaders && i < f->b->nleaders; i++)
		rc = fan_user(f, f->b->leaders[i], 1, 0);
	for (int i = 0; rc == DB_OK && i < to->ndepts; i++)
		rc = add_channels(f, BY_DEPT, to->depts[i], 0, "zh", f->b->now);
	for (int i = 0; rc == DB_OK && i < to->nunits; i++)
		rc = add_channels(f, BY_UNIT, to->units[i], 0, "zh", f->b->now);
	if (rc == DB_OK && to->enterprise_id > 0)
		rc = fan_enterprise(f, to->enterprise_id);
	return rc;
}

/* ---- the batch ---- */

struct notify_batch *notify_batch_new(db_t *db, int64_t now)
{
	struct notify_batch *b = calloc(1, sizeof *b);
	if (b == NULL)
		return NULL;
	b->db = db;
	b->now = now;
	if ((b->a = arena_new()) == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

void notify_batch_free(struct notify_batch *b)
{
	if (b == NULL)
		return;
	free(b->ev);
	free(b->d);
	free(b->prefs);
	free(b->leaders);
	arena_free(b->a);
	free(b);
}

static const int64_t *ids_copy(arena_t *a, const int64_t *v, int n)
{
	if (v == NULL || n <= 0)
		return NULL;
	int64_t *c = arena_alloc(a, (size_t)n * sizeof *c);
	memcpy(c, v, (size_t)n * sizeof *c);
	return c;
}

int notify_batch_add(struct notify_batch *b, const char *kind, const char *key, const char *entity, int64_t entity_id,
                     json_t *payload, const struct notify_to *to)
{
	if (kind == NULL || key == NULL || (b->a == NULL && (b->a = arena_new()) == NULL))
		return DB_ERR;
	char *pl = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
	if ((payload && pl == NULL) || grow((void **)&b->ev, b->nev, &b->evcap, sizeof *b->ev) < 0) {
		free(pl);
		return DB_ERR;
	}
	struct ev *e = &b->ev[b->nev++];
	memset(e, 0, sizeof *e);
	e->kind = arena_strdup(b->a, kind);
	e->key = arena_strdup(b->a, key);
	e->entity = arena_strdup(b->a, entity ? entity : "");
	e->entity_id = entity_id;
	e->payload = arena_strdup(b->a, pl ? pl : "{}");
	free(pl);
	if (to) {
		e->to = *to;
		e->to.users = ids_copy(b->a, to->users, to->nusers);
		e->to.nusers = e->to.users ? to->nusers : 0;
		e->to.depts = ids_copy(b->a, to->depts, to->ndepts);
		e->to.ndepts = e->to.depts ? to->ndepts : 0;
		e->to.units = ids_copy(b->a, to->units, to->nunits);
		e->to.nunits = e->to.units ? to->nunits : 0;
	}
	return DB_OK;
}

/* One event: the INSERT of notify_emit, its id into e->id (0: the key was
 * there). */
static int insert_one(struct notify_batch *b, struct ev *e)
{
	db_stmt_t *st = db_prepare(b->db,
		"INSERT INTO notify_events (event_key, kind, entity, entity_id, payload, created_at)"
		" VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_key) DO NOTHING RETURNING id");
	if (st == NULL)
		return DB_ERR;
	db_bind_text(st, 1, e->key);
	db_bind_text(st, 2, e->kind);
	db_bind_text(st, 3, e->entity);
	if (e->entity_id > 0) db_bind_int(st, 4, e->entity_id); else db_bind_null(st, 4);
	db_bind_text(st, 5, e->payload);
	db_bind_int(st, 6, b->now);
	int rc = db_step(st);
	e->id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? DB_OK : rc;
}

struct key_ix {
	const char *key;
	size_t i;
};

static int key_cmp(const void *x, const void *y)
{
	const struct key_ix *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* The event of key among the n sorted keys, or -1. */
static int64_t key_find(const struct key_ix *v, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(v[lo].key, key) == 0 ? (int64_t)v[lo].i : -1;
}

/* Several events: staged, moved by one INSERT ... SELECT whose RETURNING
 * names the new ones; a key given twice counts once (the first). */
static int insert_many(struct notify_batch *b)
{
	struct key_ix *order = malloc(b->nev * sizeof *order);
	size_t n = 0;
	if (order == NULL)
		return DB_ERR;
	for (size_t i = 0; i < b->nev; i++)
		order[i] = (struct key_ix){ b->ev[i].key, i };
	qsort(order, b->nev, sizeof *order, key_cmp);
	for (size_t i = 0; i < b->nev; i++)   /* the first of equal keys stays */
		if (n == 0 || strcmp(order[n - 1].key, order[i].key) != 0)
			order[n++] = order[i];
		else
			b->ev[order[i].i].dup = 1;
	int rc = db_exec(b->db, "CREATE TEMPORARY TABLE IF NOT EXISTS notify_event_stage (seq BIGINT NOT NULL,"
	                        " event_key TEXT NOT NULL, kind TEXT NOT NULL, entity TEXT NOT NULL, entity_id BIGINT,"
	                        " payload TEXT NOT NULL)");
	if (rc == DB_OK)
		rc = db_stage_clear(b->db, "notify_event_stage");
	if (rc == DB_OK) {
		db_copy_t *c = db_copy_begin(b->db, "notify_event_stage", "seq, event_key, kind, entity, entity_id, payload", 6);
		for (size_t i = 0; i < b->nev; i++) {
			const struct ev *e = &b->ev[i];
			if (e->dup)
				continue;
			db_copy_int(c, (int64_t)i);
			db_copy_text(c, e->key);
			db_copy_text(c, e->kind);
			db_copy_text(c, e->entity);
			db_copy_id(c, e->entity_id);
			db_copy_text(c, e->payload);
			db_copy_row(c);
		}
		rc = db_copy_end(c);
	}
	db_stmt_t *st = rc == DB_OK ? db_prepare(b->db,
		"INSERT INTO notify_events (event_key, kind, entity, entity_id, payload, created_at)"
		" SELECT event_key, kind, entity, entity_id, payload, CAST($1 AS BIGINT) FROM notify_event_stage"
		" WHERE true ORDER BY seq ON CONFLICT (event_key) DO NOTHING RETURNING id, event_key") : NULL;
	if (rc == DB_OK && st == NULL)
		rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, b->now);
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t k = key_find(order, n, db_col_text(st, 1));
			if (k >= 0)
				b->ev[k].id = db_col_int(st, 0);
		}
		db_done(st);
		rc = rc == DB_DONE ? DB_OK : rc;
	}
	free(order);
	if (rc == DB_OK)
		rc = db_stage_clear(b->db, "notify_event_stage");
	return rc;
}

/* The destinations: one INSERT each for one event's, else staged and
 * moved by one INSERT ... SELECT in the order they were found. */
static int write_dests(struct notify_batch *b, int one)
{
	if (one) {
		for (size_t i = 0; i < b->nd; i++) {
			const struct dest_row *r = &b->d[i];
			db_stmt_t *st = db_prepare(b->db,
				"INSERT INTO notifications (event_id, dest, kind, target, channel_id, user_id, enterprise_id, lang,"
				" state, attempts, next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $10)"
				" ON CONFLICT (event_id, dest) DO NOTHING");
			if (st == NULL)
				return DB_ERR;
			db_bind_int(st, 1, r->event_id);
			db_bind_text(st, 2, r->dest);
			db_bind_text(st, 3, r->kind);
			db_bind_text(st, 4, r->target);
			if (r->channel_id > 0) db_bind_int(st, 5, r->channel_id); else db_bind_null(st, 5);
			if (r->user_id > 0) db_bind_int(st, 6, r->user_id); else db_bind_null(st, 6);
			if (r->enterprise_id > 0) db_bind_int(st, 7, r->enterprise_id); else db_bind_null(st, 7);
			db_bind_text(st, 8, r->lang);
			db_bind_int(st, 9, r->next_at);
			db_bind_int(st, 10, b->now);
			int rc = db_step(st);
			db_done(st);
			if (rc != DB_DONE)
				return rc;
		}
		return DB_OK;
	}
	if (b->nd == 0)
		return DB_OK;
	int rc = db_exec(b->db, "CREATE TEMPORARY TABLE IF NOT EXISTS notify_dest_stage (seq BIGINT NOT NULL,"
	                        " event_id BIGINT NOT NULL, dest TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,"
	                        " channel_id BIGINT, user_id BIGINT, enterprise_id BIGINT, lang TEXT NOT NULL,"
	                        " next_at BIGINT NOT NULL)");
	if (rc == DB_OK)
		rc = db_stage_clear(b->db, "notify_dest_stage");
	if (rc != DB_OK)
		return rc;
	db_copy_t *c = db_copy_begin(b->db, "notify_dest_stage",
		"seq, event_id, dest, kind, target, channel_id, user_id, enterprise_id, lang, next_at", 10);
	for (size_t i = 0; i < b->nd; i++) {
		const struct dest_row *r = &b->d[i];
		db_copy_int(c, (int64_t)i);
		db_copy_int(c, r->event_id);
		db_copy_text(c, r->dest);
		db_copy_text(c, r->kind);
		db_copy_text(c, r->target);
		db_copy_id(c, r->channel_id);
		db_copy_id(c, r->user_id);
		db_copy_id(c, r->enterprise_id);
		db_copy_text(c, r->lang);
		db_copy_int(c, r->next_at);
		db_copy_row(c);
	}
	rc = db_copy_end(c);
	db_stmt_t *st = rc == DB_OK ? db_prepare(b->db,
		"INSERT INTO notifications (event_id, dest, kind, target, channel_id, user_id, enterprise_id, lang,"
		" state, attempts, next_at, created_at) SELECT event_id, dest, kind, target, channel_id, user_id,"
		" enterprise_id, lang, 'pending', 0, next_at, CAST($1 AS BIGINT) FROM notify_dest_stage WHERE true ORDER BY seq"
		" ON CONFLICT (event_id, dest) DO NOTHING") : NULL;
	if (rc == DB_OK && st == NULL)
		rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, b->now);
		rc = db_step(st);
		db_done(st);
		rc = rc == DB_DONE ? DB_OK : rc;
	}
	return rc == DB_OK ? db_stage_clear(b->db, "notify_dest_stage") : rc;
}

/* Write the events and their destinations. */
static int flush(struct notify_batch *b, int *emitted)
{
	if (emitted)
		*emitted = 0;
	if (b->nev == 0)
		return DB_OK;
	int one = b->nev == 1;
	int rc = one ? insert_one(b, &b->ev[0]) : insert_many(b);
	if (rc == DB_OK && !one)
		rc = preload(b);
	for (size_t i = 0; rc == DB_OK && i < b->nev; i++) {
		if (b->ev[i].id <= 0)
			continue;   /* emitted before: nothing more */
		if (emitted)
			(*emitted)++;
		struct fan f = { b, &b->ev[i] };
		rc = fan_out(&f);
	}
	return rc == DB_OK ? write_dests(b, one) : rc;
}

void notify_batch_discard(struct notify_batch *b)
{
	/* ready for more events; what was read goes with the arena */
	b->nev = b->nd = b->nprefs = 0;
	b->preloaded = b->leaders_loaded = b->nleaders = 0;
	arena_free(b->a);
	b->a = arena_new();   /* NULL: notify_batch_add tries again */
}

int notify_batch_flush(struct notify_batch *b, int *emitted)
{
	int rc = flush(b, emitted);
	notify_batch_discard(b);
	return rc;
}

int notify_emit(db_t *db, const char *kind, const char *key, const char *entity, int64_t entity_id,
                json_t *payload, const struct notify_to *to, int64_t now, int64_t *out_id)
{
	if (out_id)
		*out_id = 0;
	struct notify_batch *b = notify_batch_new(db, now);
	if (b == NULL)
		return DB_ERR;
	int rc = notify_batch_add(b, kind, key, entity, entity_id, payload, to);
	if (rc == DB_OK)
		rc = flush(b, NULL);
	int64_t id = rc == DB_OK ? b->ev[0].id : 0;
	if (rc == DB_OK && id <= 0) {   /* the key was emitted before */
		const char *p[1] = { key };
		id = db_int1(db, "SELECT id FROM notify_events WHERE event_key = $1", 0, 1, p);
		rc = id > 0 ? DB_OK : DB_ERR;
	}
	if (out_id && rc == DB_OK)
		*out_id = id;
	notify_batch_free(b);
	return rc;
}
