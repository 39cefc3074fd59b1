/*
 * enterprise.c -- the enterprise registry (企业名录), its name search, the
 * chief service officers (首席服务员) and the kiosk's one-time codes.
 *
 * Writes: POST creates, PATCH changes only the fields given (null clears
 * an optional one).  Both validate through enterprise_validate() (the
 * import uses it too) and keep, in the same transaction, the search index
 * (store/grams.c: a renamed enterprise leaves its old name's grams) and the
 * officer history (officer_assignments).
 *
 * Search: the index holds, for every character and every overlapping pair
 * of characters of lower(name) -- lower() being the store's own, so that
 * the grams agree with the exact check lower(name) LIKE lower(q) -- the
 * enterprises that have it.  A query of one or two characters with no
 * filter is answered by its gram alone: the count and the id-ordered page
 * come from the gram's set.  Otherwise the enterprises having the query's
 * rarest pairs (up to four, intersected in memory) are the candidates, and
 * the LIKE check on them (with the filters and the sort, in SQL) makes the
 * result exactly what a substring scan gives.  When even the rarest gram
 * is common (most names contain 南通 or 公司), the candidates are no
 * cheaper than a scan, so it scans (in id order a page ends early).  A
 * query of letters and digits also matches any part of the credit code (a
 * scan).  The candidates reach SQL as a JSON array of ids, read with each
 * store's JSON function (IDS_SQLITE, IDS_PG); everything else is the same
 * SQL on both stores, and the sort orders are a whitelist of fixed
 * statements.
 */
#include "service.h"

#include "core/industry.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENT_COLS \
	"SELECT e.id, e.credit_code, e.name, e.street_id, s.name AS street_name, s.name AS street, e.industry," \
	" e.is_key AS key, e.officer_id, u.display_name AS officer_name, e.department_id, d.name AS department_name," \
	" e.contact_name, e.contact_phone, e.contact_email, e.employees, e.registered_capital_wan," \
	" e.registered_capital_wan AS registered_capital, e.land_mu, e.founded_on, e.credit_code_note," \
	" e.created_at, e.updated_at"
#define ENT_JOINS \
	" LEFT JOIN streets s ON s.id = e.street_id LEFT JOIN users u ON u.id = e.officer_id" \
	" LEFT JOIN departments d ON d.id = e.department_id"
#define ENT_SELECT ENT_COLS " FROM enterprises e" ENT_JOINS
/* A page: the ids first (inner, with its ORDER BY and LIMIT), the joins
 * only for them -- otherwise PostgreSQL, which cannot estimate
 * LIKE '%…%', may join every match before sorting. */
#define ENT_PAGE(inner, ord) \
	ENT_COLS " FROM (" inner ") p JOIN enterprises e ON e.id = p.id" ENT_JOINS " ORDER BY " ord
#define ENT_TYPES "ississsbisissssiiidssii"

/* Limits of the fields. */
#define NAME_MAX_CHARS 200
#define CONTACT_MAX_CHARS 64
#define PHONE_MAX_CHARS 32
#define EMAIL_MAX_CHARS 254
#define NOTE_MIN_CHARS 4
#define NOTE_MAX_CHARS 500
#define EMPLOYEES_MAX INT64_C(10000000)
#define CAPITAL_MAX INT64_C(10000000000)   /* 万元: 10^14 CNY */
#define LAND_MAX 10000000.0                /* 亩 */

int enterprise_contact_visible(const user_t *u, int64_t enterprise_id, int64_t officer_id, int64_t department_id)
{
	if (u == NULL)
		return 1;
	switch (u->role_bit) {
	case ROLE_ADMIN: case ROLE_LEADER: return 1;
	case ROLE_OFFICER: return officer_id == u->id;
	case ROLE_ENTERPRISE: return enterprise_id == u->enterprise_id;
	case ROLE_DEPARTMENT: return department_id != 0 && department_id == u->department_id;
	default: return 0;
	}
}

/* An enterprise's JSON as r's caller may see it: without the contact
 * fields unless it serves the enterprise. */
static json_t *contact_redact(const req_t *r, json_t *o)
{
	if (o && !enterprise_contact_visible(r->user, json_integer_value(json_object_get(o, "id")),
	                                     json_integer_value(json_object_get(o, "officer_id")),
	                                     json_integer_value(json_object_get(o, "department_id")))) {
		json_object_del(o, "contact_name");
		json_object_del(o, "contact_phone");
		json_object_del(o, "contact_email");
	}
	return o;
}

/* ---- small helpers ---- */

/* 1 when s is a real date YYYY-MM-DD (calendar.c's rules). */
static int valid_date(const char *s)
{
	return date_parse(s, NULL) == 0;
}


static int valid_phone(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || strchr("+-() ", *s)))
			return 0;
	return 1;
}

/* An e-mail address as a mail server takes it in a header without
 * quoting: local@domain, one @, printable ASCII without spaces and
 * without the characters that would need quoting, a domain of labels
 * joined by dots (a dot in it, none first, last or doubled). */
static int valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	if (at == NULL || at == s || strchr(at + 1, '@') || strlen(s) > EMAIL_MAX_CHARS)
		return 0;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p > '~' || strchr("<>()[],;:\\\"", *p))
			return 0;
	const char *dom = at + 1;
	size_t n = strlen(dom);
	return n >= 3 && strchr(dom, '.') && dom[0] != '.' && dom[n - 1] != '.' && !strstr(dom, "..");
}


/* The store's lower() of s (so that grams agree with lower(name) LIKE
 * lower(q) on either store), copied into a; NULL on a database error. */
static char *store_lower(db_t *db, arena_t *a, const char *s)
{
	db_stmt_t *st = db_prepare(db, "SELECT lower(CAST($1 AS TEXT))");
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, s);
	char *out = db_step(st) == DB_ROW ? arena_strdup(a, db_col_text(st, 0)) : NULL;
	db_done(st);
	return out;
}

/* Length of the UTF-8 sequence starting with byte c (1 for a stray byte). */
static size_t cp_len(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* The code points of s as (offset, length) pairs; returns their number
 * (at most max). */
static int split_cps(const char *s, size_t *off, size_t *len, int max)
{
	int n = 0;
	size_t i = 0, total = strlen(s);
	while (i < total && n < max) {
		size_t l = cp_len((unsigned char)s[i]);
		if (i + l > total)
			l = total - i;
		off[n] = i;
		len[n] = l;
		n++;
		i += l;
	}
	return n;
}

/* ---- search grams ---- */

int enterprise_index_name(db_t *db, int64_t id, const char *old_name, const char *name)
{
	return db_grams_rename(db, id, old_name, name ? name : "");
}

/* Write the grams that wait in g. */
static int grams_flush(db_t *db, struct ent_bulk *g)
{
	int rc = g->n ? db_grams_write(db, g->n, g->ids, (const char *const *)g->names, 0) : DB_OK;
	for (size_t i = 0; i < g->n; i++)
		free(g->names[i]);
	g->n = 0;
	return rc;
}

/* The grams of enterprise id's name: at once (g NULL), or kept in g; the
 * old name's are removed at once (old_name NULL: a new enterprise). */
static int index_name(db_t *db, struct ent_bulk *g, int64_t id, const char *old_name, const char *name)
{
	if (g == NULL)
		return enterprise_index_name(db, id, old_name, name);
	int rc = old_name ? db_grams_remove(db, id, old_name) : DB_OK;
	if (rc != DB_OK)
		return rc;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 1024;
		int64_t *ids = realloc(g->ids, cap * sizeof *ids);
		if (ids)
			g->ids = ids;
		char **names = ids ? realloc(g->names, cap * sizeof *names) : NULL;
		if (names == NULL)
			return DB_ERR;
		g->names = names;
		g->cap = cap;
	}
	if ((g->names[g->n] = strdup(name ? name : "")) == NULL)
		return DB_ERR;
	g->ids[g->n++] = id;
	return g->n >= ENT_BULK_FLUSH && g->nrows == 0 ? grams_flush(db, g) : DB_OK;
}

/* ---- reading and writing rows ---- */

/* Lock enterprise id's row for the rest of the transaction before it is
 * read and rewritten (PostgreSQL; SQLite's writer already holds the lock):
 * the portable form of SELECT … FOR UPDATE. */
static int ent_lock(db_t *db, int64_t id)
{
	db_stmt_t *st = db_prepare(db, "UPDATE enterprises SET updated_at = updated_at WHERE id = $1");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc == DB_OK ? DB_ERR : rc;
}

/* The 15 columns credit_code, name, … credit_code_note, contact_email (as
 * ent_load selects them) from column c0 of st into e (strings in a). */
static void ent_cols(db_stmt_t *st, int c0, arena_t *a, struct enterprise_in *e)
{
	memset(e, 0, sizeof *e);
	e->credit_code = arena_strdup(a, db_col_text(st, c0));
	e->name = arena_strdup(a, db_col_text(st, c0 + 1));
	e->street_id = db_col_int(st, c0 + 2);
	e->street = "";
	e->industry = arena_strdup(a, db_col_text(st, c0 + 3));
	e->key = db_col_int(st, c0 + 4) != 0;
	e->officer_id = db_col_int(st, c0 + 5);
	e->department_id = db_col_int(st, c0 + 6);
	e->contact_name = arena_strdup(a, db_col_text(st, c0 + 7));
	e->contact_phone = arena_strdup(a, db_col_text(st, c0 + 8));
	e->employees = db_col_int(st, c0 + 9);
	e->registered_capital_wan = db_col_int(st, c0 + 10);
	e->land_mu = db_col_double(st, c0 + 11);
	e->founded_on = arena_strdup(a, db_col_text(st, c0 + 12));
	e->credit_code_note = arena_strdup(a, db_col_text(st, c0 + 13));
	e->contact_email = arena_strdup(a, db_col_text(st, c0 + 14));
	e->has = ~0u;
}

/* The full row of enterprise id into e (strings in a); 1 found, 0 not,
 * -1 database error. */
static int ent_load(db_t *db, arena_t *a, int64_t id, struct enterprise_in *e)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT credit_code, name, street_id, industry, is_key, officer_id, department_id, contact_name,"
		" contact_phone, employees, registered_capital_wan, land_mu, founded_on, credit_code_note, contact_email"
		" FROM enterprises WHERE id = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW)
		ent_cols(st, 0, a, e);
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Set the fields e gives on cur; the ENT_F_ bits whose value changed. */
static unsigned ent_merge(struct enterprise_in *cur, const struct enterprise_in *e)
{
	unsigned has = e->has, ch = 0;
#define SET_STR(bit, f) \
	if ((has & bit) && strcmp(nz(cur->f), nz(e->f)) != 0) { cur->f = e->f; ch |= bit; }
#define SET_NUM(bit, f) \
	if ((has & bit) && cur->f != e->f) { cur->f = e->f; ch |= bit; }
	SET_STR(ENT_F_CODE, credit_code)
	SET_STR(ENT_F_NAME, name)
	SET_NUM(ENT_F_STREET, street_id)
	SET_STR(ENT_F_INDUSTRY, industry)
	if ((has & ENT_F_KEY) && cur->key != (e->key == 1)) { cur->key = e->key == 1; ch |= ENT_F_KEY; }
	SET_NUM(ENT_F_OFFICER, officer_id)
	SET_NUM(ENT_F_DEPT, department_id)
	SET_STR(ENT_F_CONTACT, contact_name)
	SET_STR(ENT_F_PHONE, contact_phone)
	SET_NUM(ENT_F_EMPLOYEES, employees)
	SET_NUM(ENT_F_CAPITAL, registered_capital_wan)
	SET_NUM(ENT_F_LAND, land_mu)
	SET_STR(ENT_F_FOUNDED, founded_on)
	SET_STR(ENT_F_NOTE, credit_code_note)
	SET_STR(ENT_F_EMAIL, contact_email)
#undef SET_STR
#undef SET_NUM
	return ch;
}

/* Bind the 15 columns of e as $1..$15 (credit_code … credit_code_note,
 * contact_email). */
static void bind_row(db_stmt_t *st, const struct enterprise_in *e)
{
	db_bind_text(st, 1, e->credit_code);
	db_bind_text(st, 2, e->name);
	if (e->street_id > 0) db_bind_int(st, 3, e->street_id); else db_bind_null(st, 3);
	db_bind_text(st, 4, nz(e->industry));
	db_bind_int(st, 5, e->key == 1);
	if (e->officer_id > 0) db_bind_int(st, 6, e->officer_id); else db_bind_null(st, 6);
	if (e->department_id > 0) db_bind_int(st, 7, e->department_id); else db_bind_null(st, 7);
	db_bind_text(st, 8, nz(e->contact_name));
	db_bind_text(st, 9, nz(e->contact_phone));
	db_bind_int(st, 10, e->employees);
	db_bind_int(st, 11, e->registered_capital_wan);
	db_bind_double(st, 12, e->land_mu);
	db_bind_text(st, 13, nz(e->founded_on));
	db_bind_text(st, 14, nz(e->credit_code_note));
	db_bind_text(st, 15, nz(e->contact_email));
}

/* Record a change of officer: end the open assignment, open a new one. */
static int officer_history(db_t *db, int64_t id, int64_t officer, int64_t actor, int64_t now)
{
	db_stmt_t *st = db_prepare(db,
		"UPDATE officer_assignments SET ended_at = $1 WHERE enterprise_id = $2 AND ended_at IS NULL");
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, id);
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return rc == DB_OK ? DB_ERR : rc;
	if (officer <= 0)
		return DB_OK;
	st = db_prepare(db,
		"INSERT INTO officer_assignments (enterprise_id, officer_id, started_at, assigned_by) VALUES ($1, $2, $3, $4)");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, officer);
	db_bind_int(st, 3, now);
	if (actor > 0) db_bind_int(st, 4, actor); else db_bind_null(st, 4);
	rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc == DB_OK ? DB_ERR : rc;
}

/* The row a new enterprise e makes (defaults for what is not given);
 * -1 when it breaks a rule (a key enterprise has its officer). */
static int ent_defaults(const struct enterprise_in *e, struct enterprise_in *row)
{
	memset(row, 0, sizeof *row);
	unsigned has = e->has;
	row->credit_code = e->credit_code;
	row->name = e->name;
	if (has & ENT_F_STREET) row->street_id = e->street_id;
	if (has & ENT_F_INDUSTRY) row->industry = e->industry;
	if (has & ENT_F_KEY) row->key = e->key == 1;
	if (has & ENT_F_OFFICER) row->officer_id = e->officer_id;
	if (has & ENT_F_DEPT) row->department_id = e->department_id;
	if (has & ENT_F_CONTACT) row->contact_name = e->contact_name;
	if (has & ENT_F_PHONE) row->contact_phone = e->contact_phone;
	if (has & ENT_F_EMPLOYEES) row->employees = e->employees;
	if (has & ENT_F_CAPITAL) row->registered_capital_wan = e->registered_capital_wan;
	if (has & ENT_F_LAND) row->land_mu = e->land_mu;
	if (has & ENT_F_FOUNDED) row->founded_on = e->founded_on;
	if (has & ENT_F_NOTE) row->credit_code_note = e->credit_code_note;
	if (has & ENT_F_EMAIL) row->contact_email = e->contact_email;
	return row->key == 1 && row->officer_id <= 0 ? -1 : 0;
}

/* Insert e (defaults for what is not given).  *id is 0 when the credit
 * code is taken already.  Returns DB_OK or a DB_ error. */
static int ent_insert(db_t *db, const struct enterprise_in *e, int64_t actor, int64_t now, int64_t *id,
                      struct ent_bulk *g)
{
	struct enterprise_in row;
	if (ent_defaults(e, &row) < 0)
		return DB_CONSTRAINT;   /* a key enterprise has its officer */
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO enterprises (credit_code, name, street_id, industry, is_key, officer_id, department_id,"
		" contact_name, contact_phone, employees, registered_capital_wan, land_mu, founded_on, credit_code_note,"
		" contact_email, created_at, updated_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)"
		" ON CONFLICT (credit_code) DO NOTHING RETURNING id");
	if (st == NULL)
		return DB_ERR;
	bind_row(st, &row);
	db_bind_int(st, 16, now);
	int rc = db_step(st);
	*id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc == DB_DONE)
		return DB_OK;   /* the code exists */
	if (rc != DB_ROW)
		return rc == DB_OK ? DB_ERR : rc;
	if ((rc = index_name(db, g, *id, NULL, row.name)) != DB_OK)
		return rc;
	if (row.officer_id > 0 && (rc = officer_history(db, *id, row.officer_id, actor, now)) != DB_OK)
		return rc;
	return DB_OK;
}

/* ---- writing in bulk (imports) ---- */

/* Room for one more in a queue of rows with their actors and times (n
 * used of *cap); 0 or -1 (out of memory, the queue as it was). */
static int queue_room(struct enterprise_in **rows, int64_t **actors, int64_t **nows, size_t n, size_t *cap)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 256;
	struct enterprise_in *r = realloc(*rows, ncap * sizeof *r);
	if (r)
		*rows = r;
	int64_t *a = r ? realloc(*actors, ncap * sizeof *a) : NULL;
	if (a)
		*actors = a;
	int64_t *t = a ? realloc(*nows, ncap * sizeof *t) : NULL;
	if (t == NULL)
		return -1;
	*nows = t;
	*cap = ncap;
	return 0;
}

int enterprise_create_bulk(db_t *db, const struct enterprise_in *e, int64_t actor_id, int64_t now,
                           struct ent_bulk *b)
{
	struct enterprise_in row;
	if (ent_defaults(e, &row) < 0)
		return DB_CONSTRAINT;
	if (b->a == NULL && (b->a = arena_new()) == NULL)
		return DB_ERR;
	if (queue_room(&b->rows, &b->actors, &b->nows, b->nrows, &b->rowcap) < 0)
		return DB_ERR;
	arena_t *a = b->a;
	const char **str[] = { &row.credit_code, &row.name, &row.industry, &row.contact_name, &row.contact_phone,
	                       &row.founded_on, &row.credit_code_note };
	for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
		*str[i] = arena_strdup(a, nz(*str[i]));
	b->actors[b->nrows] = actor_id;
	b->nows[b->nrows] = now;
	b->rows[b->nrows++] = row;
	return !b->hold && b->nrows >= ENT_BULK_FLUSH ? enterprise_bulk_flush(db, b) : DB_OK;
}

/* The new rows of b with db_copy; their ids (*ids, malloc'd) in order:
 * the rows after the largest id seen before, by credit code (on
 * PostgreSQL other sessions' rows may come between); and their names'
 * lower() (*low, each malloc'd), read back in the same query, for the
 * search index. */
static int creates_copy(db_t *db, struct ent_bulk *b, int64_t **ids, char ***low)
{
	int64_t before = db_int1(db, "SELECT COALESCE(max(id), 0) FROM enterprises", -1, 0, NULL);
	if (before < 0 || (*ids = calloc(b->nrows, sizeof **ids)) == NULL ||
	    (*low = calloc(b->nrows, sizeof **low)) == NULL)
		return DB_ERR;
	db_copy_t *c = db_copy_begin(db, "enterprises",
		"credit_code, name, street_id, industry, is_key, officer_id, department_id, contact_name, contact_phone,"
		" employees, registered_capital_wan, land_mu, founded_on, credit_code_note, created_at, updated_at", 16);
	for (size_t i = 0; i < b->nrows; i++) {
		const struct enterprise_in *r = &b->rows[i];
		db_copy_text(c, r->credit_code);
		db_copy_text(c, r->name);
		db_copy_id(c, r->street_id);
		db_copy_text(c, r->industry);
		db_copy_int(c, r->key == 1);
		db_copy_id(c, r->officer_id);
		db_copy_id(c, r->department_id);
		db_copy_text(c, r->contact_name);
		db_copy_text(c, r->contact_phone);
		db_copy_int(c, r->employees);
		db_copy_int(c, r->registered_capital_wan);
		db_copy_double(c, r->land_mu);
		db_copy_text(c, r->founded_on);
		db_copy_text(c, r->credit_code_note);
		db_copy_int(c, b->nows[i]);
		db_copy_int(c, b->nows[i]);
		db_copy_row(c);
	}
	int rc = db_copy_end(c);
	if (rc != DB_OK)
		return rc;
	/* Bounded on both sides: without statistics (a table filled by this
	 * import) PostgreSQL takes id > $1 for a third of the table and scans
	 * all of it, a cost that grew with every batch; a range is planned as
	 * the key's index scan (BENCHMARKS.md, "The references of enterprises
	 * once per statement"). */
	int64_t after = db_int1(db, "SELECT COALESCE(max(id), 0) FROM enterprises", -1, 0, NULL);
	if (after < 0)
		return DB_ERR;
	db_stmt_t *st = db_prepare(db, "SELECT id, credit_code, lower(name) FROM enterprises WHERE id > $1 AND id <= $2"
	                               " ORDER BY id");
	db_bind_int(st, 1, before);
	db_bind_int(st, 2, after);
	size_t k = 0;
	while ((rc = db_step(st)) == DB_ROW && k < b->nrows)
		if (strcmp(db_col_text(st, 1), b->rows[k].credit_code) == 0) {
			if (((*low)[k] = strdup(db_col_text(st, 2))) == NULL) {
				rc = DB_ERR;
				break;
			}
			(*ids)[k++] = db_col_int(st, 0);
		}
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return rc == DB_OK ? DB_ERR : rc;
	return k == b->nrows ? DB_OK : DB_ERR;
}

/* The officer assignments of the new rows of b (ids in order). */
static int creates_officers(db_t *db, const struct ent_bulk *b, const int64_t *ids)
{
	db_copy_t *c = NULL;
	for (size_t i = 0; i < b->nrows; i++) {
		if (b->rows[i].officer_id <= 0)
			continue;
		if (c == NULL)
			c = db_copy_begin(db, "officer_assignments", "enterprise_id, officer_id, started_at, assigned_by", 4);
		db_copy_int(c, ids[i]);
		db_copy_int(c, b->rows[i].officer_id);
		db_copy_int(c, b->nows[i]);
		db_copy_id(c, b->actors[i]);
		db_copy_row(c);
	}
	return c ? db_copy_end(c) : DB_OK;
}

/* Copy e's strings into a (NULL stays NULL). */
static void ent_strdup(arena_t *a, struct enterprise_in *e)
{
	const char **str[] = { &e->credit_code, &e->name, &e->street, &e->industry, &e->contact_name,
	                       &e->contact_phone, &e->founded_on, &e->contact_email, &e->credit_code_note };
	for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
		*str[i] = arena_strdup(a, *str[i]);
}

int enterprise_update_bulk(db_t *db, const struct enterprise_in *e, int64_t actor_id, int64_t now,
                           struct ent_bulk *b)
{
	if (e->credit_code == NULL)
		return DB_CONSTRAINT;
	if (b->ua == NULL && (b->ua = arena_new()) == NULL)
		return DB_ERR;
	if (queue_room(&b->upd, &b->uactors, &b->unows, b->nupd, &b->updcap) < 0)
		return DB_ERR;
	struct enterprise_in *u = &b->upd[b->nupd];
	*u = *e;
	ent_strdup(b->ua, u);
	b->uactors[b->nupd] = actor_id;
	b->unows[b->nupd++] = now;
	return !b->hold && b->nupd >= ENT_BULK_FLUSH ? enterprise_bulk_flush(db, b) : DB_OK;
}

/* A stored row an update changes: its id, the row as it becomes, and
 * what it was. */
struct ent_change {
	int64_t id, old_officer;
	const char *old_name;
	struct enterprise_in row;
	size_t k;        /* its update in b->upd */
	unsigned ch;
};

/* Stage the updates' credit codes, lock their rows and read them in
 * order; into ch[] (*nch) the rows that change, found[k] = 1 for each
 * update whose enterprise is stored. */
static int updates_read(db_t *db, struct ent_bulk *b, arena_t *a, struct ent_change *ch, size_t *nch, char *found)
{
	*nch = 0;
	int rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS ent_upd_codes (seq BIGINT NOT NULL,"
	                     " credit_code TEXT NOT NULL)");
	if (rc == DB_OK)
		rc = db_stage_clear(db, "ent_upd_codes");
	if (rc != DB_OK)
		return rc;
	db_copy_t *c = db_copy_begin(db, "ent_upd_codes", "seq, credit_code", 2);
	for (size_t k = 0; k < b->nupd; k++) {
		db_copy_int(c, (int64_t)k);
		db_copy_text(c, b->upd[k].credit_code);
		db_copy_row(c);
	}
	if ((rc = db_copy_end(c)) != DB_OK)
		return rc;
	/* PostgreSQL: the rows are locked as they are read, with the lock an
	 * UPDATE takes (FOR NO KEY UPDATE: rows referring to them can still be
	 * added) -- an UPDATE that changes nothing, as ent_lock is, would write
	 * a new version of every row, 0.35-0.55 s a batch of 20,000 -- after
	 * the staged codes' size is known (else it hashes the whole of
	 * enterprises);
	 * SQLite: the writer's lock is held already */
	int pg = db_kind(db) == DB_POSTGRES;
	if (pg && (rc = db_exec(db, "ANALYZE ent_upd_codes")) != DB_OK)
		return rc;
#define UPD_READ "SELECT s.seq, e.id, e.credit_code, e.name, e.street_id, e.industry, e.is_key, e.officer_id," \
	" e.department_id, e.contact_name, e.contact_phone, e.employees, e.registered_capital_wan, e.land_mu," \
	" e.founded_on, e.credit_code_note, e.contact_email" \
	" FROM ent_upd_codes s JOIN enterprises e ON e.credit_code = s.credit_code ORDER BY s.seq"
	db_stmt_t *st = db_prepare(db, pg ? UPD_READ " FOR NO KEY UPDATE OF e" : UPD_READ);
#undef UPD_READ
	if (st == NULL)
		return DB_ERR;
	while ((rc = db_step(st)) == DB_ROW) {
		size_t k = (size_t)db_col_int(st, 0);
		if (k >= b->nupd)
			continue;
		found[k] = 1;
		struct ent_change *x = &ch[*nch];
		memset(x, 0, sizeof *x);
		struct enterprise_in *r = &x->row;
		x->id = db_col_int(st, 1);
		ent_cols(st, 2, a, r);
		x->old_name = r->name;
		x->old_officer = r->officer_id;
		x->k = k;
		x->ch = ent_merge(r, &b->upd[k]);
		if (r->key == 1 && r->officer_id <= 0) {
			rc = DB_CONSTRAINT;   /* a key enterprise has its officer (the import checked it) */
			break;
		}
		if (x->ch)
			(*nch)++;
	}
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc == DB_ROW || rc == DB_OK ? DB_ERR : rc;
}

/* Write the changed rows: one UPDATE ... FROM a staged copy of them, the
 * officer changes by one UPDATE and one COPY. */
static int updates_write(db_t *db, struct ent_bulk *b, const struct ent_change *ch, size_t nch)
{
	int rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS ent_upd_rows (id BIGINT NOT NULL,"
	                     " credit_code TEXT NOT NULL, name TEXT NOT NULL, street_id BIGINT, industry TEXT NOT NULL,"
	                     " is_key INTEGER NOT NULL, officer_id BIGINT, department_id BIGINT,"
	                     " contact_name TEXT NOT NULL, contact_phone TEXT NOT NULL, employees BIGINT NOT NULL,"
	                     " registered_capital_wan BIGINT NOT NULL, land_mu DOUBLE PRECISION NOT NULL,"
	                     " founded_on TEXT NOT NULL, credit_code_note TEXT NOT NULL, contact_email TEXT NOT NULL,"
	                     " updated_at BIGINT NOT NULL, officer_changed INTEGER NOT NULL)");
	if (rc == DB_OK)
		rc = db_stage_clear(db, "ent_upd_rows");
	if (rc != DB_OK)
		return rc;
	db_copy_t *c = db_copy_begin(db, "ent_upd_rows",
		"id, credit_code, name, street_id, industry, is_key, officer_id, department_id, contact_name,"
		" contact_phone, employees, registered_capital_wan, land_mu, founded_on, credit_code_note, contact_email,"
		" updated_at, officer_changed", 18);
	int officers = 0;
	for (size_t i = 0; i < nch; i++) {
		const struct enterprise_in *r = &ch[i].row;
		db_copy_int(c, ch[i].id);
		db_copy_text(c, nz(r->credit_code));
		db_copy_text(c, nz(r->name));
		db_copy_id(c, r->street_id);
		db_copy_text(c, nz(r->industry));
		db_copy_int(c, r->key == 1);
		db_copy_id(c, r->officer_id);
		db_copy_id(c, r->department_id);
		db_copy_text(c, nz(r->contact_name));
		db_copy_text(c, nz(r->contact_phone));
		db_copy_int(c, r->employees);
		db_copy_int(c, r->registered_capital_wan);
		db_copy_double(c, r->land_mu);
		db_copy_text(c, nz(r->founded_on));
		db_copy_text(c, nz(r->credit_code_note));
		db_copy_text(c, nz(r->contact_email));
		db_copy_int(c, b->unows[ch[i].k]);
		db_copy_int(c, r->officer_id != ch[i].old_officer);
		db_copy_row(c);
		officers += r->officer_id != ch[i].old_officer;
	}
	if ((rc = db_copy_end(c)) != DB_OK)
		return rc;
	db_stmt_t *st = db_prepare(db,
		"UPDATE enterprises SET credit_code = s.credit_code, name = s.name, street_id = s.street_id,"
		" industry = s.industry, is_key = s.is_key, officer_id = s.officer_id, department_id = s.department_id,"
		" contact_name = s.contact_name, contact_phone = s.contact_phone, employees = s.employees,"
		" registered_capital_wan = s.registered_capital_wan, land_mu = s.land_mu, founded_on = s.founded_on,"
		" credit_code_note = s.credit_code_note, contact_email = s.contact_email, updated_at = s.updated_at"
		" FROM ent_upd_rows s WHERE enterprises.id = s.id");
	rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return rc == DB_OK ? DB_ERR : rc;
	if (officers == 0)
		return DB_OK;
	/* as officer_history, for all of them: the open assignment ends, a new one opens */
	st = db_prepare(db, "UPDATE officer_assignments SET ended_at = s.updated_at FROM ent_upd_rows s"
	                    " WHERE officer_assignments.enterprise_id = s.id AND officer_assignments.ended_at IS NULL"
	                    " AND s.officer_changed = 1");
	rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return rc == DB_OK ? DB_ERR : rc;
	c = NULL;
	for (size_t i = 0; i < nch; i++) {
		const struct enterprise_in *r = &ch[i].row;
		if (r->officer_id == ch[i].old_officer || r->officer_id <= 0)
			continue;
		if (c == NULL)
			c = db_copy_begin(db, "officer_assignments", "enterprise_id, officer_id, started_at, assigned_by", 4);
		db_copy_int(c, ch[i].id);
		db_copy_int(c, r->officer_id);
		db_copy_int(c, b->unows[ch[i].k]);
		db_copy_id(c, b->uactors[ch[i].k]);
		db_copy_row(c);
	}
	return c ? db_copy_end(c) : DB_OK;
}

/* The waiting updates of b (see struct ent_bulk). */
static int updates_flush(db_t *db, struct ent_bulk *b)
{
	if (b->nupd == 0)
		return DB_OK;
	arena_t *a = arena_new();
	struct ent_change *ch = calloc(b->nupd, sizeof *ch);
	char *found = calloc(b->nupd, 1);
	size_t nch = 0;
	int rc = a && ch && found ? updates_read(db, b, a, ch, &nch, found) : DB_ERR;
	if (rc == DB_OK && nch > 0)
		rc = updates_write(db, b, ch, nch);
	/* the renamed enterprises' grams: the old ones removed together, the new ones queued */
	size_t nren = 0;
	int64_t *rid = rc == DB_OK ? calloc(nch + 1, sizeof *rid) : NULL;
	const char **rname = rid ? calloc(nch + 1, sizeof *rname) : NULL;
	if (rc == DB_OK && rname == NULL)
		rc = DB_ERR;
	for (size_t i = 0; i < nch && rc == DB_OK; i++)
		if (ch[i].ch & ENT_F_NAME) {
			rid[nren] = ch[i].id;
			rname[nren++] = ch[i].old_name;
		}
	if (rc == DB_OK && nren > 0)
		rc = db_grams_remove_bulk(db, nren, rid, rname);
	for (size_t i = 0; i < nch && rc == DB_OK; i++)
		if (ch[i].ch & ENT_F_NAME)
			rc = index_name(db, b, ch[i].id, NULL, ch[i].row.name);
	free(rid);
	free(rname);
	/* deleted since the import checked it: created again, as enterprise_upsert would */
	for (size_t k = 0; k < b->nupd && rc == DB_OK; k++)
		if (!found[k]) {
			const struct enterprise_in *e = &b->upd[k];
			if (!(e->has & ENT_F_NAME) || e->name == NULL || *e->name == '\0') {
				rc = DB_CONSTRAINT;   /* as enterprise_upsert: a new one needs its name */
				break;
			}
			int64_t id = 0;
			rc = ent_insert(db, e, b->uactors[k], b->unows[k], &id, b);
			if (rc == DB_OK && id == 0)
				rc = DB_CONSTRAINT;   /* taken again meanwhile */
		}
	free(found);
	free(ch);
	arena_free(a);
	b->nupd = 0;
	arena_free(b->ua);
	b->ua = NULL;
	return rc;
}

int enterprise_bulk_full(const struct ent_bulk *b)
{
	return b->nrows >= ENT_BULK_FLUSH || b->nupd >= ENT_BULK_FLUSH;
}

int enterprise_bulk_flush(db_t *db, struct ent_bulk *b)
{
	int rc = updates_flush(db, b);
	if (rc == DB_OK && b->nrows > 0) {
		int64_t *ids = NULL;
		char **low = NULL;
		rc = creates_copy(db, b, &ids, &low);
		if (rc == DB_OK)
			rc = creates_officers(db, b, ids);
		if (rc == DB_OK && b->later) {
			/* new: no grams to remove.  This batch's pairs are made by a
			 * thread while the store writes the previous batch's. */
			rc = db_grams_bulk_add(db, b->later, b->nrows, ids, low);
			ids = NULL;
			low = NULL;
		} else if (rc == DB_OK)
			rc = db_grams_write(db, b->nrows, ids, (const char *const *)low, 1);
		for (size_t i = 0; low && i < b->nrows; i++)
			free(low[i]);
		free(low);
		free(ids);
		b->nrows = 0;
		arena_free(b->a);
		b->a = NULL;
	}
	return rc == DB_OK ? grams_flush(db, b) : rc;
}

int enterprise_bulk_settle(db_t *db, struct gram_bulk **later, int write)
{
	return db_grams_bulk_end(db, later, write);
}

void enterprise_bulk_free(struct ent_bulk *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->names[i]);
	free(b->ids);
	free(b->names);
	free(b->rows);
	free(b->actors);
	free(b->nows);
	arena_free(b->a);
	free(b->upd);
	free(b->uactors);
	free(b->unows);
	arena_free(b->ua);
	memset(b, 0, sizeof *b);
}

/* Apply the given fields of e to enterprise id; *changed gets the ENT_F_
 * bits whose value changed.  Returns DB_OK, DB_DONE when id is gone, or a
 * DB_ error (DB_CONSTRAINT: the result would break a rule). */
static int ent_apply(db_t *db, arena_t *a, int64_t id, const struct enterprise_in *e, int64_t actor, int64_t now,
                     unsigned *changed, struct ent_bulk *g)
{
	struct enterprise_in cur;
	int rc = ent_lock(db, id);
	if (rc != DB_OK)
		return rc;
	int found = ent_load(db, a, id, &cur);
	if (found <= 0)
		return found == 0 ? DB_DONE : DB_ERR;
	const char *old_name = nz(cur.name);
	int64_t old_officer = cur.officer_id;
	unsigned ch = ent_merge(&cur, e);
	if (changed)
		*changed = ch;
	if (cur.key == 1 && cur.officer_id <= 0)
		return DB_CONSTRAINT;
	if (ch == 0)
		return DB_OK;
	db_stmt_t *st = db_prepare(db,
		"UPDATE enterprises SET credit_code = $1, name = $2, street_id = $3, industry = $4, is_key = $5,"
		" officer_id = $6, department_id = $7, contact_name = $8, contact_phone = $9, employees = $10,"
		" registered_capital_wan = $11, land_mu = $12, founded_on = $13, credit_code_note = $14,"
		" contact_email = $15, updated_at = $16 WHERE id = $17");
	if (st == NULL)
		return DB_ERR;
	bind_row(st, &cur);
	db_bind_int(st, 16, now);
	db_bind_int(st, 17, id);
	rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return rc == DB_OK ? DB_ERR : rc;
	if ((ch & ENT_F_NAME) && (rc = index_name(db, g, id, old_name, cur.name)) != DB_OK)
		return rc;
	if (cur.officer_id != old_officer && (rc = officer_history(db, id, cur.officer_id, actor, now)) != DB_OK)
		return rc;
	return DB_OK;
}

int enterprise_upsert(db_t *db, const struct enterprise_in *e, int64_t actor_id, int64_t now, int64_t *id,
                      int *created)
{
	return enterprise_upsert_bulk(db, e, actor_id, now, id, created, NULL);
}

int enterprise_upsert_bulk(db_t *db, const struct enterprise_in *e, int64_t actor_id, int64_t now, int64_t *id,
                           int *created, struct ent_bulk *g)
{
	*id = 0;
	*created = 0;
	if (e->credit_code == NULL)
		return DB_CONSTRAINT;
	int rc = DB_OK;
	int64_t existing = enterprise_id_by_code(db, e->credit_code);
	if (existing == 0) {
		if (!(e->has & ENT_F_NAME) || e->name == NULL || *e->name == '\0')
			return DB_CONSTRAINT;
		rc = ent_insert(db, e, actor_id, now, id, g);
		if (rc != DB_OK || *id > 0) {
			*created = *id > 0;
			return rc;
		}
		existing = enterprise_id_by_code(db, e->credit_code);   /* inserted meanwhile */
		if (existing == 0)
			return DB_ERR;
	}
	arena_t *a = arena_new();
	rc = ent_apply(db, a, existing, e, actor_id, now, NULL, g);
	arena_free(a);
	if (rc == DB_OK)
		*id = existing;
	return rc == DB_DONE ? DB_ERR : rc;
}

/* ---- validation ---- */

int enterprise_validate(db_t *db, arena_t *a, struct enterprise_in *e, int allow_bad_checksum, err_t *fe)
{
	unsigned has = e->has;
	if (has & ENT_F_NOTE) {
		const char *n = nz(e->credit_code_note);
		if (!text_ok(n, NOTE_MAX_CHARS, 0))
			return err_set(fe, 422, "invalid", "credit_code_note",
			               "the reason has at most %d characters and no control characters", NOTE_MAX_CHARS),
			       err_param(fe, "reason", "text"), err_param(fe, "max", "%d", NOTE_MAX_CHARS);
		if (*n && utf8_len(n) < NOTE_MIN_CHARS)
			return err_set(fe, 422, "invalid", "credit_code_note", "give a written reason of at least %d characters",
			               NOTE_MIN_CHARS), err_param(fe, "reason", "too_short"), err_param(fe, "min", "%d", NOTE_MIN_CHARS);
	}
	if (has & ENT_F_CODE) {
		if (e->credit_code == NULL || *e->credit_code == '\0')
			return err_set(fe, 422, "required", "credit_code", "enter the unified social credit code");
		char code[80];
		if (credit_code_normalise(e->credit_code, code, sizeof code, fe) < 0 &&
		    !(strcmp(err_get_param(fe, "reason"), "checksum") == 0 && allow_bad_checksum)) {
			if (strcmp(err_get_param(fe, "reason"), "checksum") == 0)   /* some genuine early codes fail it */
				snprintf(fe->message + strlen(fe->message), sizeof fe->message - strlen(fe->message),
				         " (an admin may accept it with a reason in credit_code_note)");
			return -1;
		}
		e->credit_code = arena_strdup(a, code);
	}
	if (has & ENT_F_NAME) {
		if (e->name == NULL || *e->name == '\0')
			return err_set(fe, 422, "required", "name", "enter the enterprise's name");
		if (!text_ok(e->name, NAME_MAX_CHARS, 0))
			return err_set(fe, 422, "invalid", "name", "the name has at most %d characters and no control characters",
			               NAME_MAX_CHARS), err_param(fe, "reason", "text"), err_param(fe, "max", "%d", NAME_MAX_CHARS);
	}
	if ((has & ENT_F_STREET) && !e->refs_resolved) {
		const char *street = nz(e->street);
		if (*street) {
			const char *p[1] = { street };
			int64_t sid = db_int1(db, "SELECT id FROM streets WHERE name = $1", 0, 1, p);
			if (sid <= 0)
				return err_set(fe, 422, "invalid", "street", "no street is named '%.100s'", street),
				       err_param(fe, "reason", "unknown"), err_param(fe, "value", "%s", street);
			if (e->street_id > 0 && e->street_id != sid)
				return err_set(fe, 422, "invalid", "street_id", "street_id and street name different streets"),
				       err_param(fe, "reason", "mismatch");
			e->street_id = sid;
		} else if (e->street_id > 0) {
			char v[24];
			snprintf(v, sizeof v, "%lld", (long long)e->street_id);
			const char *p[1] = { v };
			if (db_int1(db, "SELECT count(*) FROM streets WHERE id = CAST($1 AS BIGINT)", 0, 1, p) <= 0)
				return err_set(fe, 422, "invalid", "street_id", "no such street"), err_param(fe, "reason", "unknown");
		}
	}
	if (has & ENT_F_INDUSTRY) {
		char *ind = arena_strdup(a, nz(e->industry));
		if (*ind && industry_check(ind, fe) < 0)
			return -1;
		e->industry = ind;
	}
	if (has & ENT_F_KEY) {
		if (e->key == 1 && (!(has & ENT_F_OFFICER) || e->officer_id <= 0))
			return err_set(fe, 422, "required", "officer_id", "a key enterprise needs its chief service officer"
			               " (officer_id)"), err_param(fe, "reason", "key_officer");
	}
	if ((has & ENT_F_OFFICER) && e->officer_id > 0 && !e->refs_resolved) {
		char v[24];
		snprintf(v, sizeof v, "%lld", (long long)e->officer_id);
		const char *p[1] = { v };
		if (db_int1(db, "SELECT count(*) FROM users WHERE id = CAST($1 AS BIGINT) AND role = 'officer'", 0, 1, p) <= 0)
			return err_set(fe, 422, "invalid", "officer_id", "officer_id must be a user with the role officer"),
			       err_param(fe, "reason", "not_officer");
	}
	if ((has & ENT_F_DEPT) && e->department_id > 0 && !e->refs_resolved) {
		char v[24];
		snprintf(v, sizeof v, "%lld", (long long)e->department_id);
		const char *p[1] = { v };
		if (db_int1(db, "SELECT count(*) FROM departments WHERE id = CAST($1 AS BIGINT)", 0, 1, p) <= 0)
			return err_set(fe, 422, "invalid", "department_id", "no such department"), err_param(fe, "reason", "unknown");
	}
	if ((has & ENT_F_CONTACT) && !text_ok(nz(e->contact_name), CONTACT_MAX_CHARS, 0))
		return err_set(fe, 422, "invalid", "contact_name", "contact_name has at most %d characters and no control"
		               " characters", CONTACT_MAX_CHARS), err_param(fe, "reason", "text"),
		       err_param(fe, "max", "%d", CONTACT_MAX_CHARS);
	if ((has & ENT_F_PHONE) && (!valid_phone(nz(e->contact_phone)) || strlen(nz(e->contact_phone)) > PHONE_MAX_CHARS))
		return err_set(fe, 422, "invalid", "contact_phone", "contact_phone has digits, spaces and + - ( ) only,"
		               " at most %d", PHONE_MAX_CHARS), err_param(fe, "reason", "phone"),
		       err_param(fe, "max", "%d", PHONE_MAX_CHARS);
	if ((has & ENT_F_EMAIL) && *nz(e->contact_email) && !valid_email(e->contact_email))
		return err_set(fe, 422, "invalid", "contact_email", "contact_email is an e-mail address (name@example.com),"
		               " at most %d characters, or empty", EMAIL_MAX_CHARS), err_param(fe, "reason", "email"),
		       err_param(fe, "max", "%d", EMAIL_MAX_CHARS);
	if ((has & ENT_F_EMPLOYEES) && (e->employees < 0 || e->employees > EMPLOYEES_MAX))
		return err_set(fe, 422, "invalid", "employees", "employees is 0 to %lld", (long long)EMPLOYEES_MAX),
		       err_param(fe, "reason", "range"), err_param(fe, "min", "0"),
		       err_param(fe, "max", "%lld", (long long)EMPLOYEES_MAX);
	if ((has & ENT_F_CAPITAL) && (e->registered_capital_wan < 0 || e->registered_capital_wan > CAPITAL_MAX))
		return err_set(fe, 422, "invalid", "registered_capital", "registered_capital is whole 万元 from 0 to %lld",
		               (long long)CAPITAL_MAX), err_param(fe, "reason", "range"), err_param(fe, "min", "0"),
		       err_param(fe, "max", "%lld", (long long)CAPITAL_MAX);
	if ((has & ENT_F_LAND) && !(isfinite(e->land_mu) && e->land_mu >= 0 && e->land_mu <= LAND_MAX))
		return err_set(fe, 422, "invalid", "land_mu", "land_mu is 0 to %.0f mu", LAND_MAX),
		       err_param(fe, "reason", "range"), err_param(fe, "min", "0"), err_param(fe, "max", "%.0f", LAND_MAX);
	if ((has & ENT_F_FOUNDED) && *nz(e->founded_on) && !valid_date(e->founded_on))
		return err_set(fe, 422, "invalid", "founded_on", "founded_on is a real date YYYY-MM-DD"),
		       err_param(fe, "reason", "date");
	return 0;
}

/* ---- JSON input ---- */

static const char *const ENT_FIELDS[] = {
	"credit_code", "name", "street", "street_id", "industry", "key", "officer_id", "department_id",
	"contact_name", "contact_phone", "contact_email", "employees", "registered_capital", "registered_capital_wan",
	"land_mu", "founded_on", "credit_code_note", NULL
};

/* A string field: 0 absent, 1 present (null → ""), -1 after replying. */
static int in_str(req_t *r, json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		return 0;
	if (json_is_null(v)) {
		*out = "";
		return 1;
	}
	return body_str(r, o, key, out) < 0 ? -1 : 1;
}

/* An id field: 0 absent, 1 present (null → 0), -1 after replying. */
static int in_id(req_t *r, json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		return 0;
	if (json_is_null(v)) {
		*out = 0;
		return 1;
	}
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		reply_error(r, 422, "invalid_type", key, "%s must be a positive id or null", key);
		return -1;
	}
	*out = json_integer_value(v);
	return 1;
}

/* A whole number: 0 absent, 1 present (null → 0), -1 after replying.
 * A JSON number with a fraction is refused (invalid), a whole one taken. */
static int in_int(req_t *r, json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		return 0;
	if (json_is_null(v)) {
		*out = 0;
		return 1;
	}
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 1;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d == floor(d) && fabs(d) < 9007199254740992.0) {
			*out = (int64_t)d;
			return 1;
		}
		reply_error(r, 422, "invalid", key, "%s must be a whole number%s", key,
		            strncmp(key, "registered_capital", 18) == 0 ? " of 万元 (no fractions)" : "");
		return -1;
	}
	reply_error(r, 422, "invalid_type", key, "%s must be a whole number", key);
	return -1;
}

/* Read the body into e (has = the fields given).  -1 after replying. */
static int parse_input(req_t *r, json_t *o, struct enterprise_in *e)
{
	memset(e, 0, sizeof *e);
	e->key = -1;
	int k;
	if ((k = in_str(r, o, "credit_code", &e->credit_code)) < 0) return -1;
	if (k) e->has |= ENT_F_CODE;
	if ((k = in_str(r, o, "name", &e->name)) < 0) return -1;
	if (k) e->has |= ENT_F_NAME;
	if ((k = in_str(r, o, "street", &e->street)) < 0) return -1;
	if (k) e->has |= ENT_F_STREET;
	if ((k = in_id(r, o, "street_id", &e->street_id)) < 0) return -1;
	if (k) e->has |= ENT_F_STREET;
	if ((k = in_str(r, o, "industry", &e->industry)) < 0) return -1;
	if (k) e->has |= ENT_F_INDUSTRY;
	json_t *kv = json_object_get(o, "key");
	if (kv) {
		if (!json_is_boolean(kv) && !json_is_null(kv)) {
			reply_error(r, 422, "invalid_type", "key", "key must be true or false");
			return -1;
		}
		e->key = json_is_true(kv);
		e->has |= ENT_F_KEY;
	}
	if ((k = in_id(r, o, "officer_id", &e->officer_id)) < 0) return -1;
	if (k) e->has |= ENT_F_OFFICER;
	if ((k = in_id(r, o, "department_id", &e->department_id)) < 0) return -1;
	if (k) e->has |= ENT_F_DEPT;
	if ((k = in_str(r, o, "contact_name", &e->contact_name)) < 0) return -1;
	if (k) e->has |= ENT_F_CONTACT;
	if ((k = in_str(r, o, "contact_phone", &e->contact_phone)) < 0) return -1;
	if (k) e->has |= ENT_F_PHONE;
	if ((k = in_str(r, o, "contact_email", &e->contact_email)) < 0) return -1;
	if (k) e->has |= ENT_F_EMAIL;
	if ((k = in_int(r, o, "employees", &e->employees)) < 0) return -1;
	if (k) e->has |= ENT_F_EMPLOYEES;
	int64_t cap2 = 0;
	int k2;
	if ((k = in_int(r, o, "registered_capital", &e->registered_capital_wan)) < 0) return -1;
	if ((k2 = in_int(r, o, "registered_capital_wan", &cap2)) < 0) return -1;
	if (k && k2 && cap2 != e->registered_capital_wan) {
		reply_error(r, 422, "invalid", "registered_capital",
		            "registered_capital and registered_capital_wan differ; give one of them");
		return -1;
	}
	if (k2 && !k)
		e->registered_capital_wan = cap2;
	if (k || k2) e->has |= ENT_F_CAPITAL;
	json_t *lv = json_object_get(o, "land_mu");
	if (lv) {
		if (!json_is_number(lv) && !json_is_null(lv)) {
			reply_error(r, 422, "invalid_type", "land_mu", "land_mu must be a number");
			return -1;
		}
		e->land_mu = json_is_null(lv) ? 0 : json_number_value(lv);
		e->has |= ENT_F_LAND;
	}
	if ((k = in_str(r, o, "founded_on", &e->founded_on)) < 0) return -1;
	if (k) e->has |= ENT_F_FOUNDED;
	if ((k = in_str(r, o, "credit_code_note", &e->credit_code_note)) < 0) return -1;
	if (k) e->has |= ENT_F_NOTE;
	return 0;
}

/* 409: the credit code is registered to another enterprise already. */
static void reply_duplicate_code(req_t *r, const char *code)
{
	err_t e;
	err_set(&e, 409, "duplicate_credit_code", "credit_code", "the credit code %s is registered already", code);
	err_param(&e, "value", "%s", code);
	reply_err(r, &e);
}

#define NOTE_ADMIN_ONLY \
	"only an admin gives the reason to accept a code that fails the checksum"

static int is_admin(const req_t *r)
{
	return r->user && r->user->role_bit == ROLE_ADMIN;
}

/* An admin's reason to accept a checksum-failing code, when given. */
static int note_given(const struct enterprise_in *e)
{
	return (e->has & ENT_F_NOTE) && utf8_len(nz(e->credit_code_note)) >= NOTE_MIN_CHARS;
}

static json_t *load_json(db_t *db, int64_t id)
{
	db_stmt_t *st = db_prepare(db, ENT_SELECT " WHERE e.id = $1");
	db_bind_int(st, 1, id);
	json_t *o = db_step(st) == DB_ROW ? row_json(st, ENT_TYPES) : NULL;
	db_done(st);
	return o;
}

static const struct {
	unsigned bit;
	const char *name;
} FIELD_NAMES[] = {
	{ ENT_F_CODE, "credit_code" }, { ENT_F_NAME, "name" }, { ENT_F_STREET, "street" },
	{ ENT_F_INDUSTRY, "industry" }, { ENT_F_KEY, "key" }, { ENT_F_OFFICER, "officer_id" },
	{ ENT_F_DEPT, "department_id" }, { ENT_F_CONTACT, "contact_name" }, { ENT_F_PHONE, "contact_phone" },
	{ ENT_F_EMPLOYEES, "employees" }, { ENT_F_CAPITAL, "registered_capital" }, { ENT_F_LAND, "land_mu" },
	{ ENT_F_FOUNDED, "founded_on" }, { ENT_F_NOTE, "credit_code_note" }, { ENT_F_EMAIL, "contact_email" },
};

/* The audit detail of a write: the fields changed, and an admin's reason
 * for a credit code that fails the checksum. */
static const char *audit_text(req_t *r, unsigned changed, const char *code, int bad_checksum, const char *note)
{
	buf_t b;
	buf_init(&b);
	if (code)
		buf_printf(&b, "credit_code %s", code);
	if (changed) {
		buf_puts(&b, b.len ? "; changed:" : "changed:");
		for (size_t i = 0; i < sizeof FIELD_NAMES / sizeof FIELD_NAMES[0]; i++)
			if (changed & FIELD_NAMES[i].bit)
				buf_printf(&b, " %s", FIELD_NAMES[i].name);
	}
	if (bad_checksum)
		buf_printf(&b, "%scredit code accepted despite a failed checksum; reason: %s", b.len ? "; " : "", nz(note));
	char *s = arena_strdup(r->arena, b.data ? b.data : "");
	buf_free(&b);
	return s;
}

/* 1 when the normalised code fails only its checksum. */
static int fails_checksum(const char *code)
{
	err_t e;
	char out[80];
	return credit_code_normalise(code, out, sizeof out, &e) < 0 && strcmp(err_get_param(&e, "reason"), "checksum") == 0;
}

/* ---- create and update ---- */

void api_enterprises_create(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, ENT_FIELDS))
		return;
	struct enterprise_in e;
	if (parse_input(r, o, &e) < 0)
		return;
	if (r->user->role_bit == ROLE_OFFICER) {
		/* an officer registers the enterprises it serves */
		if ((e.has & ENT_F_OFFICER) && e.officer_id > 0 && e.officer_id != r->user->id) {
			reply_error(r, 403, "forbidden_field", "officer_id",
			            "only an admin or a leader assigns another officer");
			return;
		}
		e.officer_id = r->user->id;
		e.has |= ENT_F_OFFICER;
	}
	if (!is_admin(r) && (e.has & ENT_F_NOTE) && *nz(e.credit_code_note)) {
		reply_error(r, 403, "forbidden_field", "credit_code_note", NOTE_ADMIN_ONLY);
		return;
	}
	e.has |= ENT_F_CODE | ENT_F_NAME;   /* absent: "required" from the validation */
	err_t fe;
	int allow = is_admin(r) && note_given(&e);
	if (enterprise_validate(r->db, r->arena, &e, allow, &fe) < 0) {
		reply_err(r, &fe);
		return;
	}
	int64_t id = 0;
	int rc = ent_insert(r->db, &e, r->user->id, now_sec(), &id, NULL);
	if (rc == DB_OK && id == 0) {
		reply_duplicate_code(r, e.credit_code);
		return;
	}
	if (rc != DB_OK) {
		reply_db_error(r, rc, "saving the enterprise");
		return;
	}
	int bad = fails_checksum(e.credit_code);
	r->audit_entity = "enterprise";
	r->audit_detail = audit_text(r, 0, e.credit_code, bad, e.credit_code_note);
	reply_json(r, 201, load_json(r->db, id));
}

void api_enterprise_update(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	if (id == 0 || !enterprise_visible(r, id)) {
		reply_error(r, 404, "not_found", "id", "no such enterprise");
		return;
	}
	struct enterprise_in cur;
	int rc = ent_lock(r->db, id);
	if (rc != DB_OK) {
		reply_db_error(r, rc, "reading the enterprise");
		return;
	}
	int found = ent_load(r->db, r->arena, id, &cur);
	if (found <= 0) {
		if (found < 0)
			reply_db_error(r, DB_ERR, "reading the enterprise");
		else
			reply_error(r, 404, "not_found", "id", "no such enterprise");
		return;
	}
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, ENT_FIELDS))
		return;
	int role = r->user->role_bit;
	if (role == ROLE_ENTERPRISE) {
		static const char *const own[] = { "contact_name", "contact_phone", "contact_email", "employees", NULL };
		const char *k;
		json_t *v;
		json_object_foreach(o, k, v) {
			int ok = 0;
			for (int i = 0; own[i]; i++)
				ok |= strcmp(k, own[i]) == 0;
			if (!ok) {
				reply_error(r, 403, "forbidden_field", k,
				            "an enterprise account changes only contact_name, contact_phone, contact_email and"
				            " employees");
				return;
			}
		}
	}
	if (role == ROLE_OFFICER && cur.officer_id != r->user->id) {
		reply_error(r, 403, "forbidden", NULL,
		            "an officer edits only the enterprises it serves");
		return;
	}
	struct enterprise_in e;
	if (parse_input(r, o, &e) < 0)
		return;
	if (!is_admin(r) && (e.has & ENT_F_NOTE) && strcmp(nz(e.credit_code_note), cur.credit_code_note) != 0) {
		reply_error(r, 403, "forbidden_field", "credit_code_note", NOTE_ADMIN_ONLY);
		return;
	}
	if (role == ROLE_OFFICER && (e.has & ENT_F_OFFICER) && e.officer_id != cur.officer_id) {
		reply_error(r, 403, "forbidden_field", "officer_id",
		            "only an admin or a leader reassigns the officer");
		return;
	}
	/* the same code again (perhaps typed differently) is no change, even
	 * when it is an accepted checksum-failing one */
	if ((e.has & ENT_F_CODE) && e.credit_code && *e.credit_code) {
		char norm[80];
		credit_code_normalise(e.credit_code, norm, sizeof norm, NULL);
		if (strcmp(norm, cur.credit_code) == 0)
			e.has &= ~ENT_F_CODE;
	}
	/* key and officer are checked together, against the stored values */
	if ((e.has & ENT_F_KEY) && !(e.has & ENT_F_OFFICER)) {
		e.officer_id = cur.officer_id;
		e.has |= ENT_F_OFFICER;
	}
	if ((e.has & ENT_F_OFFICER) && !(e.has & ENT_F_KEY)) {
		e.key = cur.key;
		e.has |= ENT_F_KEY;
	}
	err_t fe;
	int allow = is_admin(r) && note_given(&e);
	if (enterprise_validate(r->db, r->arena, &e, allow, &fe) < 0) {
		reply_err(r, &fe);
		return;
	}
	if (e.has & ENT_F_CODE) {
		const char *p[2] = { e.credit_code, arena_printf(r->arena, "%lld", (long long)id) };
		if (db_int1(r->db, "SELECT count(*) FROM enterprises WHERE credit_code = $1 AND id <> CAST($2 AS BIGINT)",
		            0, 2, p) > 0) {
			reply_duplicate_code(r, e.credit_code);
			return;
		}
	}
	unsigned changed = 0;
	rc = ent_apply(r->db, r->arena, id, &e, r->user->id, now_sec(), &changed, NULL);
	if (rc == DB_DONE) {
		reply_error(r, 404, "not_found", "id", "no such enterprise");
		return;
	}
	if (rc == DB_CONSTRAINT && (e.has & ENT_F_CODE)) {
		reply_duplicate_code(r, e.credit_code);
		return;
	}
	if (rc != DB_OK) {
		reply_db_error(r, rc, "saving the enterprise");
		return;
	}
	int bad = (changed & ENT_F_CODE) && fails_checksum(e.credit_code);
	r->audit_entity = "enterprise";
	r->audit_detail = audit_text(r, changed, (changed & ENT_F_CODE) ? e.credit_code : NULL, bad,
	                             e.credit_code_note);
	reply_json(r, 200, load_json(r->db, id));
}

/* ---- list and search ---- */

/* Filters $1..$5: street, officer, key, only this id, industry prefix. */
#define ENT_FILTER \
	" WHERE (CAST($1 AS BIGINT) = 0 OR e.street_id = $1) AND (CAST($2 AS BIGINT) = 0 OR e.officer_id = $2)" \
	" AND (CAST($3 AS BIGINT) < 0 OR e.is_key = $3) AND (CAST($4 AS BIGINT) = 0 OR e.id = $4)" \
	" AND (CAST($5 AS TEXT) IS NULL OR e.industry LIKE $5)"
/* A list of ids, $n a JSON array of integers: the same rows on both
 * stores, spelt in each one's JSON functions. */
#define IDS_SQLITE(n) "SELECT CAST(value AS BIGINT) AS id FROM json_each(" n ")"
#define IDS_PG(n) "SELECT CAST(value AS BIGINT) AS id FROM json_array_elements_text(CAST(" n " AS json))"
/* A search driven by the index, for queries whose rarest gram is rare:
 * $6 the candidates (the enterprises having the query's rarest grams, as
 * IDS_*), $7 the name pattern (the exact check), $8 a whole credit code
 * ('' unless the query is 18 letters and digits: then "any part of the
 * code" is the code). */
#define ENT_DRIVE(ids) \
	" AND e.id IN (" ids " UNION ALL SELECT c.id FROM enterprises c WHERE c.credit_code = $8)" \
	" AND (lower(e.name) LIKE lower($7) ESCAPE '\\' OR e.credit_code = $8)"
/* A scan, for queries most enterprises match (where the grams would pick
 * nearly everything) and for credit codes: $6 the name pattern, $7 the
 * credit code pattern (NULL unless the query is letters and digits). */
#define ENT_SCAN \
	" AND (lower(e.name) LIKE lower($6) ESCAPE '\\' OR (CAST($7 AS TEXT) IS NOT NULL AND e.credit_code LIKE $7))"

#define LIST_PLAIN(ord) ENT_PAGE("SELECT e.id FROM enterprises e" ENT_FILTER " ORDER BY " ord " LIMIT $6 OFFSET $7", ord)
#define LIST_DRIVE(ord, ids) \
	ENT_PAGE("SELECT e.id FROM enterprises e" ENT_FILTER ENT_DRIVE(ids) " ORDER BY " ord " LIMIT $9 OFFSET $10", ord)
#define LIST_SCAN(ord) \
	ENT_PAGE("SELECT e.id FROM enterprises e" ENT_FILTER ENT_SCAN " ORDER BY " ord " LIMIT $8 OFFSET $9", ord)
/* One or two characters, no filter, in id order: the page's ids come from
 * the index ($1), in order. */
#define LIST_IDS(ids, ord) ENT_PAGE(ids, ord)
#define SORTS(X) \
	X("e.id") X("e.id DESC") X("e.name, e.id") X("e.name DESC, e.id DESC") \
	X("e.founded_on, e.id") X("e.founded_on DESC, e.id DESC") X("e.employees, e.id") \
	X("e.employees DESC, e.id DESC") X("e.registered_capital_wan, e.id") \
	X("e.registered_capital_wan DESC, e.id DESC")
#define PLAIN_ITEM(ord) LIST_PLAIN(ord),
#define DRIVE_ITEM(ord) LIST_DRIVE(ord, IDS_SQLITE("$6")),
#define DRIVE_PG_ITEM(ord) LIST_DRIVE(ord, IDS_PG("$6")),
#define SCAN_ITEM(ord) LIST_SCAN(ord),

static const char *const SORT_NAMES[] = {
	"id", "-id", "name", "-name", "founded_on", "-founded_on", "employees", "-employees",
	"registered_capital", "-registered_capital", NULL
};
/* S_DRIVE_PG is S_DRIVE's SQL for PostgreSQL (sql_mode()). */
enum { S_NONE, S_DRIVE, S_SCAN, S_DRIVE_PG };
static const char *const LIST_SQL[4][10] = {
	{ SORTS(PLAIN_ITEM) }, { SORTS(DRIVE_ITEM) }, { SORTS(SCAN_ITEM) }, { SORTS(DRIVE_PG_ITEM) },
};
static const char *const COUNT_SQL[4] = {
	"SELECT count(*) FROM enterprises e" ENT_FILTER,
	"SELECT count(*) FROM enterprises e" ENT_FILTER ENT_DRIVE(IDS_SQLITE("$6")),
	"SELECT count(*) FROM enterprises e" ENT_FILTER ENT_SCAN,
	"SELECT count(*) FROM enterprises e" ENT_FILTER ENT_DRIVE(IDS_PG("$6")),
};
/* [store is PostgreSQL][descending] */
static const char *const LIST_IDS_SQL[2][2] = {
	{ LIST_IDS(IDS_SQLITE("$1"), "e.id"), LIST_IDS(IDS_SQLITE("$1"), "e.id DESC") },
	{ LIST_IDS(IDS_PG("$1"), "e.id"), LIST_IDS(IDS_PG("$1"), "e.id DESC") },
};

static int sql_mode(db_t *db, int mode)
{
	return mode == S_DRIVE && db_kind(db) == DB_POSTGRES ? S_DRIVE_PG : mode;
}

/* The scope of the registry (service.h): one enterprise is visible when
 * the list's filters (ENT_FILTER) with the caller's street and only its id
 * count it. */
int64_t enterprise_street_scope(db_t *db, const user_t *u, int64_t street)
{
	int64_t own = user_street_id(db, u);
	if (own == 0)
		return street;
	return street == 0 || street == own ? own : -1;
}

int enterprise_in_scope(db_t *db, const user_t *u, int64_t id)
{
	if (u == NULL)
		return 0;
	if (u->role_bit == ROLE_ENTERPRISE)
		return u->enterprise_id == id;
	int64_t street = enterprise_street_scope(db, u, 0);
	if (street == 0)
		return 1;
	db_stmt_t *st = db_prepare(db, COUNT_SQL[S_NONE]);
	if (st == NULL)
		return 0;
	db_bind_int(st, 1, street);
	db_bind_int(st, 2, 0);
	db_bind_int(st, 3, -1);
	db_bind_int(st, 4, id);
	db_bind_text(st, 5, NULL);
	int n = db_step(st) == DB_ROW ? (int)db_col_int(st, 0) : 0;
	db_done(st);
	return n > 0;
}

int enterprise_visible(req_t *r, int64_t id)
{
	return enterprise_in_scope(r->db, r->user, id);
}

struct search {
	int mode;                /* S_NONE: no query */
	const char *like;        /* name pattern */
	const char *code_like;   /* credit code pattern or NULL */
	const char *code_eq;     /* a whole credit code, or "" */
	const char *ids;         /* S_DRIVE: the candidates, a JSON array */
	int64_t exact;           /* > 0: a gram whose enterprises are exactly the
	                            name matches (queries of 1 or 2 characters) */
	int nothing;             /* nothing can match */
};

/* Above this many enterprises with the rarest gram, a scan is cheaper
 * than the candidates (and a LIMIT on the id order ends it early). */
#define GRAM_CAP 3000
/* The candidates are the enterprises having all of the query's rarest
 * grams, up to this many of them. */
#define DRIVE_GRAMS 4

#define MAX_QUERY_GRAMS 12

/* s's ids as a JSON array in the request's arena; NULL when out of memory. */
static const char *ids_json(req_t *r, const int64_t *ids, size_t n)
{
	char *out = arena_alloc(r->arena, n * 21 + 3), *p = out;
	*p++ = '[';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, i ? ",%lld" : "%lld", (long long)ids[i]);
	*p++ = ']';
	*p = '\0';
	return out;
}

/* The candidates of grams[0..ng) (the rarest first, the first under
 * GRAM_CAP) into s->ids.  DB_ error or DB_OK. */
static int drive_candidates(req_t *r, const int64_t *grams, int ng, struct search *s)
{
	struct gram_set set, more;
	int rc = db_gram_set_load(r->db, grams[0], &set);
	for (int i = 1; i < ng && i < DRIVE_GRAMS && rc == DB_OK && set.n > 0; i++) {
		if ((rc = db_gram_set_load(r->db, grams[i], &more)) == DB_OK) {
			gram_set_and(&set, &more);
			gram_set_free(&more);
		}
	}
	if (rc != DB_OK)
		return rc;
	size_t n = (size_t)gram_set_count(&set);
	int64_t *ids = arena_alloc(r->arena, (n ? n : 1) * sizeof *ids);
	n = gram_set_ids(&set, 0, 0, n, ids);
	gram_set_free(&set);
	s->ids = ids_json(r, ids, n);
	return DB_OK;
}

/* Prepare the search for q.  -1 after replying. */
static int search_prepare(req_t *r, const char *q, struct search *s)
{
	memset(s, 0, sizeof *s);
	s->code_eq = "";
	s->ids = "[]";
	if (q == NULL || *q == '\0')
		return 0;
	if (strlen(q) > 300) {
		reply_error(r, 422, "invalid_parameter", "q", "q is at most 100 characters");
		return -1;
	}
	s->like = like_pattern(r, q);
	int alnum = 1;
	for (const char *p = q; *p && alnum; p++)
		alnum = (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z');
	if (alnum && strlen(q) == 18) {
		/* a whole credit code: the unique index finds it */
		char *c = arena_strdup(r->arena, q);
		for (char *p = c; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		s->code_eq = c;
	} else if (alnum) {
		/* part of a credit code has no index: scan */
		char *c = arena_printf(r->arena, "%%%s%%", q);
		for (char *p = c; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		s->code_like = c;
		s->mode = S_SCAN;
		return 0;
	}
	char *low = store_lower(r->db, r->arena, q);
	if (low == NULL) {
		reply_db_error(r, DB_ERR, "searching");
		return -1;
	}
	size_t n = strlen(low) + 1;
	size_t *off = arena_alloc(r->arena, n * sizeof *off), *len = arena_alloc(r->arena, n * sizeof *len);
	int ncp = split_cps(low, off, len, (int)n);
	if (ncp == 0) {
		s->nothing = 1;
		return 0;
	}
	/* the query's grams: its character, or its distinct pairs */
	int64_t grams[MAX_QUERY_GRAMS] = { 0 };
	int64_t counts[MAX_QUERY_GRAMS] = { 0 };
	int ng = 0;
	if (ncp == 1)
		grams[ng++] = text_gram_of(low);
	for (int i = 0; i + 1 < ncp && ng < MAX_QUERY_GRAMS; i++) {
		int64_t g = text_gram_of(low + off[i]);
		int dup = 0;
		for (int j = 0; j < ng && !dup; j++)
			dup = grams[j] == g;
		if (!dup)
			grams[ng++] = g;
	}
	for (int i = 0; i < ng; i++) {
		counts[i] = db_gram_count(r->db, grams[i]);
		if (counts[i] < 0) {
			reply_db_error(r, DB_ERR, "searching");
			return -1;
		}
	}
	for (int i = 1; i < ng; i++)   /* the rarest first */
		for (int j = i; j > 0 && counts[j] < counts[j - 1]; j--) {
			int64_t tc = counts[j];
			counts[j] = counts[j - 1];
			counts[j - 1] = tc;
			int64_t tp = grams[j];
			grams[j] = grams[j - 1];
			grams[j - 1] = tp;
		}
	if (counts[0] == 0 && *s->code_eq == '\0') {
		s->nothing = 1;   /* a match would have every gram */
		return 0;
	}
	if (ncp <= 2)
		s->exact = grams[0];
	if (counts[0] >= GRAM_CAP) {
		/* a scan; a whole credit code is then its own pattern */
		s->mode = S_SCAN;
		if (*s->code_eq)
			s->code_like = s->code_eq;
		return 0;
	}
	s->mode = S_DRIVE;
	if (counts[0] > 0 && drive_candidates(r, grams, ng, s) != DB_OK) {
		reply_db_error(r, DB_ERR, "searching");
		return -1;
	}
	return 0;
}

struct list_args {
	int64_t street, officer, key, only;
	const char *industry;
	const struct search *s;
};

/* Bind the filters and the search; returns the next parameter number. */
static int bind_list_args(db_stmt_t *st, const struct list_args *a)
{
	db_bind_int(st, 1, a->street);
	db_bind_int(st, 2, a->officer);
	db_bind_int(st, 3, a->key);
	db_bind_int(st, 4, a->only);
	db_bind_text(st, 5, a->industry);
	switch (a->s->mode) {
	case S_DRIVE:
		db_bind_text(st, 6, a->s->ids);
		db_bind_text(st, 7, a->s->like);
		db_bind_text(st, 8, a->s->code_eq);
		return 9;
	case S_SCAN:
		db_bind_text(st, 6, a->s->like);
		db_bind_text(st, 7, a->s->code_like);
		return 8;
	default:
		return 6;
	}
}

/* The list of enterprises with the query's filters; officer > 0 fixes the
 * officer (GET /officers/{id}/enterprises). */
static void list_enterprises(req_t *r, int64_t officer_fixed)
{
	int64_t limit, offset, street, officer, only = 0, keyv;
	if (req_paging(r, &limit, &offset) < 0 || req_query_id(r, "street_id", &street) < 0 ||
	    req_query_id(r, "officer_id", &officer) < 0 || req_query_bool(r, "key", &keyv) < 0)
		return;
	if (officer_fixed > 0)
		officer = officer_fixed;
	const char *industry = req_query(r, "industry"), *ind_like = NULL;
	if (industry && *industry) {
		size_t n = strlen(industry);
		int ok = n <= 5 && ((industry[0] >= 'A' && industry[0] <= 'T') || (industry[0] >= 'a' && industry[0] <= 't'));
		for (size_t i = 1; ok && i < n; i++)
			ok = industry[i] >= '0' && industry[i] <= '9';
		if (!ok) {
			reply_error(r, 422, "invalid_parameter", "industry",
			            "industry is a GB/T 4754 prefix: a letter A-T and up to four digits, like C, C38 or C3811");
			return;
		}
		char *p = arena_printf(r->arena, "%s%%", industry);
		if (p[0] >= 'a')
			p[0] = (char)(p[0] - 'a' + 'A');
		ind_like = p;
	}
	const char *sort = req_query(r, "sort");
	int si = 0;
	if (sort && *sort) {
		for (si = 0; SORT_NAMES[si] && strcmp(SORT_NAMES[si], sort) != 0; si++)
			;
		if (SORT_NAMES[si] == NULL) {
			reply_error(r, 422, "invalid_parameter", "sort",
			            "sort is one of name, -name, id, -id, founded_on, -founded_on, employees, -employees,"
			            " registered_capital, -registered_capital");
			return;
		}
	}
	if (r->user->role_bit == ROLE_ENTERPRISE)
		only = r->user->enterprise_id ? r->user->enterprise_id : -1;
	street = enterprise_street_scope(r->db, r->user, street);   /* a street user: its street's */
	struct search s;
	if (search_prepare(r, req_query(r, "q"), &s) < 0)
		return;
	if (s.nothing) {
		reply_list(r, json_array(), 0, limit, offset);
		return;
	}
	struct list_args la = { street, officer, keyv, only, ind_like, &s };
	int64_t total;
	int rc;
	int by_gram = s.exact > 0 && street == 0 && officer == 0 && keyv < 0 && only == 0 && ind_like == NULL;
	struct gram_set set = { 0 };
	if (by_gram) {
		/* one or two characters and no filter: the gram's enterprises are
		 * exactly the matches */
		rc = db_gram_set_load(r->db, s.exact, &set);
		total = rc == DB_OK ? gram_set_count(&set) : 0;
		rc = rc == DB_OK ? DB_ROW : rc;
	} else {
		db_stmt_t *st = db_prepare(r->db, COUNT_SQL[sql_mode(r->db, s.mode)]);
		bind_list_args(st, &la);
		rc = db_step(st);
		total = rc == DB_ROW ? db_col_int(st, 0) : 0;
		db_done(st);
	}
	if (rc != DB_ROW) {
		gram_set_free(&set);
		reply_db_error(r, rc, "counting enterprises");
		return;
	}
	json_t *items = json_array();
	if (total > offset) {
		db_stmt_t *st;
		if (by_gram && si <= 1) {
			int64_t *ids = arena_alloc(r->arena, (size_t)limit * sizeof *ids);
			size_t n = gram_set_ids(&set, si == 1, offset, (size_t)limit, ids);
			st = db_prepare(r->db, LIST_IDS_SQL[db_kind(r->db) == DB_POSTGRES][si]);
			db_bind_text(st, 1, ids_json(r, ids, n));
		} else {
			st = db_prepare(r->db, LIST_SQL[sql_mode(r->db, s.mode)][si]);
			int next = bind_list_args(st, &la);
			db_bind_int(st, next, limit);
			db_bind_int(st, next + 1, offset);
		}
		while ((rc = db_step(st)) == DB_ROW)
			json_array_append_new(items, contact_redact(r, row_json(st, ENT_TYPES)));
		db_done(st);
		if (rc != DB_DONE) {
			gram_set_free(&set);
			json_decref(items);
			reply_db_error(r, rc, "listing enterprises");
			return;
		}
	}
	gram_set_free(&set);
	reply_list(r, items, total, limit, offset);
}

void api_enterprises_list(req_t *r)
{
	list_enterprises(r, 0);
}

void api_enterprise_get(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *o = id && enterprise_visible(r, id) ? contact_redact(r, load_json(r->db, id)) : NULL;
	if (o == NULL) {
		reply_error(r, 404, "not_found", "id", "no such enterprise");
		return;
	}
	reply_json(r, 200, o);
}

/* ---- officers ---- */

void api_enterprise_officers(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	const char *p[1] = { arena_printf(r->arena, "%lld", (long long)id) };
	if (id == 0 || !enterprise_visible(r, id) ||
	    db_int1(r->db, "SELECT count(*) FROM enterprises WHERE id = CAST($1 AS BIGINT)", 0, 1, p) <= 0) {
		reply_error(r, 404, "not_found", "id", "no such enterprise");
		return;
	}
	db_stmt_t *st = db_prepare(r->db,
		"SELECT a.id, a.enterprise_id, a.officer_id, o.username AS officer_username, o.display_name AS officer_name,"
		" a.started_at, a.ended_at, a.assigned_by, b.display_name AS assigned_by_name, a.note"
		" FROM officer_assignments a LEFT JOIN users o ON o.id = a.officer_id LEFT JOIN users b ON b.id = a.assigned_by"
		" WHERE a.enterprise_id = $1 ORDER BY a.started_at, a.id");
	db_bind_int(st, 1, id);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, row_json(st, "iiissiiiss"));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "reading the officer history");
		return;
	}
	int64_t n = (int64_t)json_array_size(items);
	reply_list(r, items, n, n, 0);
}

void api_officers_list(req_t *r)
{
	int64_t limit, offset;
	if (req_query_int(r, "limit", 1000, 1, 1000, &limit) < 0 ||
	    req_query_int(r, "offset", 0, 0, INT64_C(1000000000), &offset) < 0)
		return;
	/* "today" as the requests' deadlines count it: the date in China */
	char today[11], since[11];
	int64_t days = 0;
	date_today_str(today);
	date_parse(today, &days);
	date_format(days - 90, since);
	int64_t total = db_int1(r->db, "SELECT count(*) FROM users WHERE role = 'officer'", -1, 0, NULL);
	if (total < 0) {
		reply_db_error(r, DB_ERR, "listing officers");
		return;
	}
	db_stmt_t *st = db_prepare(r->db,
		"SELECT u.id, u.username, u.display_name,"
		" (SELECT count(*) FROM enterprises e WHERE e.officer_id = u.id) AS enterprises,"
		" (SELECT count(*) FROM enterprises e WHERE e.officer_id = u.id AND e.is_key = 1) AS key_enterprises,"
		" (SELECT count(*) FROM requests q JOIN enterprises e ON e.id = q.enterprise_id"
		"   WHERE e.officer_id = u.id AND q.kind = 'request' AND q.status <> 'closed') AS open_requests,"
		" (SELECT count(*) FROM requests q JOIN enterprises e ON e.id = q.enterprise_id"
		"   WHERE e.officer_id = u.id AND q.kind = 'request' AND " REQUEST_OVERDUE_SQL("q", "$1") ") AS overdue_requests,"
		" (SELECT count(*) FROM visits v WHERE v.visitor_id = u.id AND v.visited_on >= $2"
		"   AND v.visited_on <= $1) AS visits_90d"
		" FROM users u WHERE u.role = 'officer' ORDER BY u.id LIMIT $3 OFFSET $4");
	db_bind_text(st, 1, today);
	db_bind_text(st, 2, since);
	db_bind_int(st, 3, limit);
	db_bind_int(st, 4, offset);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, row_json(st, "issiiiii"));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing officers");
		return;
	}
	reply_list(r, items, total, limit, offset);
}

void api_officer_enterprises(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	const char *p[1] = { arena_printf(r->arena, "%lld", (long long)id) };
	if (id == 0 ||
	    db_int1(r->db, "SELECT count(*) FROM users WHERE id = CAST($1 AS BIGINT) AND role = 'officer'", 0, 1, p) <= 0) {
		reply_error(r, 404, "not_found", "id", "no such officer");
		return;
	}
	list_enterprises(r, id);
}

/* ---- kiosk codes ---- */

int64_t enterprise_id_by_code(db_t *db, const char *code)
{
	if (code == NULL || *code == '\0')
		return 0;
	const char *p[1] = { code };
	return db_int1(db, "SELECT id FROM enterprises WHERE credit_code = $1", 0, 1, p);
}

void api_enterprise_kiosk_code(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	struct enterprise_in cur;
	int found = id ? ent_load(r->db, r->arena, id, &cur) : 0;
	if (found < 0) {
		reply_db_error(r, DB_ERR, "reading the enterprise");
		return;
	}
	if (found == 0) {
		reply_error(r, 404, "not_found", "id", "no such enterprise");
		return;
	}
	if (r->user->role_bit == ROLE_OFFICER && cur.officer_id != r->user->id) {
		reply_error(r, 403, "forbidden", NULL,
		            "an officer issues codes only for the enterprises it serves");
		return;
	}
	char code[8];
	int64_t expires;
	int rc = kiosk_code_issue(r->db, id, r->user->id, code, &expires);
	if (rc != DB_OK) {
		reply_db_error(r, rc, "issuing the kiosk code");
		return;
	}
	r->audit_entity = "enterprise";
	r->audit_detail = "one-time kiosk code issued (valid 10 minutes)";
	reply_json(r, 201, json_pack("{s:s,s:I,s:I}", "code", code, "expires_at", (json_int_t)expires,
	                             "enterprise_id", (json_int_t)id));
}
