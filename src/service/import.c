/*
 * import.c -- importing enterprises from CSV or XLSX (API and CLI): what is
 * particular to an enterprise row.  The reading, the two passes, the modes,
 * the job with its progress and the CLI are the import framework's
 * (table/table.h).
 *
 * A row is checked without writing: every cell is normalised (trimmed, an
 * export's guard quote removed, full-width ASCII folded for codes, numbers
 * and dates -- never for names), the street, officer and department are
 * resolved by name or id from lists loaded once, enterprise_validate()
 * runs as for the API, a credit code already seen in the file is refused
 * on the later row, and an existing code makes the row an update (the
 * first 100 creates and updates are listed with the fields they change).
 * Writing parses the row again and calls enterprise_upsert().
 *
 * POST /api/v1/enterprises/import is a background job (202; poll
 * GET /api/v1/imports/{id}); `zoneops import enterprises` runs the same.
 */
#include "service.h"

#include "table/table.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ROWS    1000000
#define MAX_CHANGES 100           /* listed in the report */

/* ---- columns ---- */

enum col { C_CODE, C_NAME, C_STREET, C_STREET_ID, C_INDUSTRY, C_INDUSTRY_ALT, C_KEY, C_OFFICER, C_OFFICER_ID,
           C_DEPT, C_DEPT_ID, C_CONTACT, C_PHONE, C_EMPLOYEES, C_CAPITAL, C_LAND, C_FOUNDED, C_NOTE,
           C_INDUSTRY_NAME, NC };
enum { G_STREET = 1, G_INDUSTRY, G_OFFICER, G_DEPT };

static const struct table_col cols[NC] = {
	[C_CODE] = { "credit_code", "统一社会信用代码", TABLE_COL_REQUIRED, 0 },
	[C_NAME] = { "name", "企业名称", TABLE_COL_REQUIRED, 0 },
	[C_STREET] = { "street", "所属街道", 0, G_STREET },
	[C_STREET_ID] = { "street_id", NULL, 0, G_STREET },
	[C_INDUSTRY] = { "industry_code", "行业代码", 0, G_INDUSTRY },
	/* "industry" is the code, unless industry_code is given too: then the
	 * class's name (as the benchmark generator writes it), ignored */
	[C_INDUSTRY_ALT] = { "industry", NULL, TABLE_COL_YIELDS, G_INDUSTRY },
	[C_KEY] = { "key", "重点企业|is_key", 0, 0 },
	[C_OFFICER] = { "officer", "首席服务员", 0, G_OFFICER },
	[C_OFFICER_ID] = { "officer_id", NULL, 0, G_OFFICER },
	[C_DEPT] = { "department", "挂钩部门", 0, G_DEPT },
	[C_DEPT_ID] = { "department_id", NULL, 0, G_DEPT },
	[C_CONTACT] = { "contact_name", "联系人", 0, 0 },
	[C_PHONE] = { "contact_phone", "联系电话", 0, 0 },
	[C_EMPLOYEES] = { "employees", "员工人数", 0, 0 },
	[C_CAPITAL] = { "registered_capital", "注册资本(万元)|registered_capital_wan", 0, 0 },
	[C_LAND] = { "land_mu", "用地面积(亩)", 0, 0 },
	[C_FOUNDED] = { "founded_on", "成立日期", 0, 0 },
	[C_NOTE] = { "credit_code_note", "信用代码说明", 0, 0 },
	[C_INDUSTRY_NAME] = { "industry_name", "行业名称", TABLE_COL_IGNORED, 0 },
};

/* The fields of a row, and the columns that give each (by name, by id). */
enum fld { F_CODE, F_NAME, F_STREET, F_INDUSTRY, F_KEY, F_OFFICER, F_DEPT, F_CONTACT, F_PHONE, F_EMPLOYEES,
           F_CAPITAL, F_LAND, F_FOUNDED, F_NOTE, NF };
static const struct {
	const char *name;              /* in reports (changes) */
	int col, col_id;               /* col_id: the column giving an id instead of a name (for
	                                  industry: its other spelling), or -1 */
	unsigned bit;
} fields[NF] = {
	[F_CODE] = { "credit_code", C_CODE, -1, ENT_F_CODE },
	[F_NAME] = { "name", C_NAME, -1, ENT_F_NAME },
	[F_STREET] = { "street", C_STREET, C_STREET_ID, ENT_F_STREET },
	[F_INDUSTRY] = { "industry", C_INDUSTRY, C_INDUSTRY_ALT, ENT_F_INDUSTRY },
	[F_KEY] = { "key", C_KEY, -1, ENT_F_KEY },
	[F_OFFICER] = { "officer", C_OFFICER, C_OFFICER_ID, ENT_F_OFFICER },
	[F_DEPT] = { "department", C_DEPT, C_DEPT_ID, ENT_F_DEPT },
	[F_CONTACT] = { "contact_name", C_CONTACT, -1, ENT_F_CONTACT },
	[F_PHONE] = { "contact_phone", C_PHONE, -1, ENT_F_PHONE },
	[F_EMPLOYEES] = { "employees", C_EMPLOYEES, -1, ENT_F_EMPLOYEES },
	[F_CAPITAL] = { "registered_capital", C_CAPITAL, -1, ENT_F_CAPITAL },
	[F_LAND] = { "land_mu", C_LAND, -1, ENT_F_LAND },
	[F_FOUNDED] = { "founded_on", C_FOUNDED, -1, ENT_F_FOUNDED },
	[F_NOTE] = { "credit_code_note", C_NOTE, -1, ENT_F_NOTE },
};

/* ---- reference lists ---- */

struct ref {
	int64_t id;
	const char *name, *alt;    /* street/department: name, name_en; officer: username, display_name */
};
struct refs {
	struct ref *v;
	size_t n;
};

struct ent_ctx {
	arena_t *a;
	struct refs streets, depts, officers;
	struct import_keys existing;   /* stored credit code → id * 2 + is_key, or once the file
	                                  gives it minus its first line there (ent_check) */
	struct import_keys seen;       /* a new credit code → its first line in the file */
	json_t *changes;
	int64_t would_create, would_update;
	int is_admin;                  /* may accept checksum-failing codes with a note */
	/* the writes in bulk: rows are queued in bulk[cur]; a full queue is
	 * written by a thread of its own (flusher) while the file is read on
	 * into the other, which waits for it before it is written in turn.
	 * Nothing else uses im->db meanwhile: the rows are checked against the
	 * lists of ent_begin, and the framework flushes (ent_write_flush, which
	 * waits) before any statement of its own. */
	struct ent_bulk bulk[2];
	int cur;
	pthread_t flusher;
	int flushing;                  /* the thread runs (or ran and was not joined) */
	struct ent_bulk *flushed;      /* what it writes */
	int flush_rc;                  /* its result (DB_OK) */
	struct gram_bulk *later;       /* the flushes' new names' grams still to write
	                                  (struct ent_bulk) */
	int flushes;                   /* started so far */
	int deferred;                  /* the table's indexes dropped, made again at the end */
};

static void put_ref(void *elem, db_stmt_t *st, arena_t *a)
{
	struct ref *r = elem;
	r->id = db_col_int(st, 0);
	r->name = arena_strdup(a, db_col_text(st, 1));
	r->alt = arena_strdup(a, db_col_text(st, 2));
}

static int load_refs(db_t *db, arena_t *a, const char *sql, struct refs *out)
{
	int rc;
	out->v = import_load(db, a, sql, sizeof *out->v, put_ref, &out->n, &rc);
	return rc;
}

static const struct ref *ref_by_id(const struct refs *r, int64_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].id == id)
			return &r->v[i];
	return NULL;
}

/* By name, then by the alternative name (case-insensitive for ASCII);
 * *ambiguous when the alternative name matches several. */
static const struct ref *ref_by_name(const struct refs *r, const char *s, int *ambiguous)
{
	*ambiguous = 0;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, s) == 0)
			return &r->v[i];
	const struct ref *hit = NULL;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].alt[0] && strcasecmp(r->v[i].alt, s) == 0) {
			if (hit) {
				*ambiguous = 1;
				return NULL;
			}
			hit = &r->v[i];
		}
	return hit;
}

static int ent_begin(struct import *im, err_t *err)
{
	struct ent_ctx *x = calloc(1, sizeof *x);
	if (x == NULL)
		return err_set(err, 500, "too_large", NULL, "out of memory");
	im->ctx = x;
	x->a = arena_new();
	x->changes = json_array();
	x->is_admin = im->o->actor == NULL || im->o->actor->role_bit == ROLE_ADMIN;
	db_t *db = im->db;
	int rc = load_refs(db, x->a, "SELECT id, name, name_en FROM streets ORDER BY id", &x->streets);
	if (rc == DB_OK)
		rc = load_refs(db, x->a, "SELECT id, name, name_en FROM departments ORDER BY id", &x->depts);
	if (rc == DB_OK)
		rc = load_refs(db, x->a, "SELECT id, username, display_name FROM users WHERE role = 'officer' ORDER BY id",
		               &x->officers);
	if (rc == DB_OK) {
		db_stmt_t *st = db_prepare(db, "SELECT credit_code, id, is_key FROM enterprises");
		while ((rc = db_step(st)) == DB_ROW)
			if (import_keys_put(&x->existing, db_col_text(st, 0), db_col_int(st, 1) * 2 + (db_col_int(st, 2) != 0)) < 0)
				rc = DB_ERR;
		db_done(st);
		rc = rc == DB_DONE ? DB_OK : rc;
	}
	return rc == DB_OK ? 0 : db_fail(err, db, rc, "reading the reference lists");
}

static int flush_wait(struct import *im);

static void ent_end(struct import *im)
{
	struct ent_ctx *x = im->ctx;
	if (x == NULL)
		return;
	import_keys_free(&x->existing);
	import_keys_free(&x->seen);
	flush_wait(im);
	enterprise_bulk_settle(im->db, &x->later, 0);   /* only on an error path is one left */
	enterprise_bulk_free(&x->bulk[0]);
	enterprise_bulk_free(&x->bulk[1]);
	json_decref(x->changes);
	arena_free(x->a);
	free(x);
	im->ctx = NULL;
}

/* ---- cells: 0 ok, -1 after import_bad ---- */

/* Digits with optional thousands separators, an optional fraction and an
 * optional exponent: the separators removed into out.  Returns 1 when it
 * is such a number. */
static int plain_number(const char *s, char *out, size_t outlen)
{
	size_t j = 0, digits = 0, group = 0;
	int commas = 0, dot = 0;
	const char *p = s;
	if (*p == '-' || *p == '+') {
		if (j + 1 >= outlen)
			return 0;
		out[j++] = *p++;
	}
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			digits++;
			if (!dot)
				group++;
		} else if (*p == ',' && !dot) {
			if ((commas == 0 && (group < 1 || group > 3)) || (commas > 0 && group != 3))
				return 0;
			commas++;
			group = 0;
			continue;
		} else if (*p == '.' && !dot) {
			if (commas && group != 3)
				return 0;
			dot = 1;
		} else if ((*p == 'e' || *p == 'E') && digits && !commas) {
			/* 1.5E+3 as a spreadsheet writes large numbers */
			const char *q = p + 1;
			if (*q == '+' || *q == '-')
				q++;
			if (*q < '0' || *q > '9' || strspn(q, "0123456789") != strlen(q) || j + strlen(p) + 1 > outlen)
				return 0;
			memcpy(out + j, p, strlen(p) + 1);
			return 1;
		} else
			return 0;
		if (j + 1 >= outlen)
			return 0;
		out[j++] = *p;
	}
	if (commas && !dot && group != 3)
		return 0;
	out[j] = '\0';
	return digits > 0;
}

static int parse_count(struct import *im, const struct import_row *row, enum fld f, const char *s, int64_t *out)
{
	char num[64];
	const char *field = fields[f].name;
	if (!plain_number(s, num, sizeof num))
		return import_bad(im, row, field, "invalid_number", s, "\"%s\" is not a number", s);
	errno = 0;
	char *end;
	double d = strtod(num, &end);
	if (errno || *end || !isfinite(d) || d < 0 || d > 9007199254740991.0)
		return import_bad(im, row, field, "out_of_range", s, "%s is out of range", s);
	if (d != floor(d))
		return import_bad(im, row, field, "invalid_number", s, "%s must be a whole number%s", s,
		                  f == F_CAPITAL ? " of 万元" : "");
	*out = (int64_t)d;
	return 0;
}

static int parse_land(struct import *im, const struct import_row *row, const char *s, double *out)
{
	char num[64];
	errno = 0;
	char *end;
	double d = plain_number(s, num, sizeof num) ? strtod(num, &end) : NAN;
	if (isnan(d) || errno || *end)
		return import_bad(im, row, "land_mu", "invalid_number", s, "\"%s\" is not a number", s);
	if (!isfinite(d) || d < 0 || d > 1e9)
		return import_bad(im, row, "land_mu", "out_of_range", s, "%s is out of range", s);
	*out = d;
	return 0;
}

static int parse_key(struct import *im, const struct import_row *row, const char *s, int *out)
{
	static const char *const yes[] = { "1", "是", "y", "yes", "true", "√", "✓", "重点", NULL };
	static const char *const no[] = { "0", "否", "n", "no", "false", "×", "", NULL };
	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	return import_bad(im, row, "key", "invalid_bool", s, "\"%s\" is not yes or no (是/否, 1/0)", s);
}

/* What date_parse_loose() reads, or (XLSX) a day serial → "YYYY-MM-DD". */
static int parse_date(struct import *im, const struct import_row *row, const char *s, char out[DATE_LEN])
{
	int64_t d;
	size_t n = strlen(s);
	int rc = date_parse_loose(s, &d);
	if (rc != DATE_OK && im->is_xlsx && n > 0 && n < 16 && strspn(s, "0123456789.") == n)
		rc = date_from_serial(strtod(s, NULL), im->date1904, &d);
	if (rc != DATE_OK)
		return import_bad(im, row, "founded_on", "invalid_date", s, "\"%s\" is not a date (YYYY-MM-DD)", s);
	date_format(d, out);
	return 0;
}

static int parse_id(const char *s, int64_t *out)
{
	if (*s == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 15)
		return -1;
	*out = strtoll(s, NULL, 10);
	return 0;
}

/* A street, officer or department by id (by_id) or name.  0 with *id (0:
 * cleared), or -1. */
static int resolve(struct import *im, const struct import_row *row, enum fld f, int by_id, const char *s, int64_t *id,
                   const char **name)
{
	struct ent_ctx *x = im->ctx;
	const struct refs *refs = f == F_STREET ? &x->streets : f == F_DEPT ? &x->depts : &x->officers;
	const char *what = f == F_STREET ? "street" : f == F_DEPT ? "department" : "officer";
	const char *code = f == F_OFFICER ? "unknown_officer" : f == F_DEPT ? "unknown_department" : "unknown_street";
	const struct ref *hit = NULL;
	*id = 0;
	*name = NULL;
	if (*s == '\0')
		return 0;
	if (by_id) {
		int64_t v;
		char tmp[32];
		snprintf(tmp, sizeof tmp, "%s", s);
		text_fold_fullwidth(tmp);
		if (parse_id(tmp, &v) < 0 || (hit = ref_by_id(refs, v)) == NULL)
			return import_bad(im, row, cols[fields[f].col_id].name, code, s, "no %s with id %s", what, s);
	} else {
		int amb;
		if ((hit = ref_by_name(refs, s, &amb)) == NULL && amb)
			return import_bad(im, row, what, code, s, "\"%s\" names several: give the %s", s,
			                  f == F_OFFICER ? "username" : "full name");
		if (hit == NULL)
			return import_bad(im, row, what, code, s, "no %s named \"%s\"%s", what, s,
			                  f == F_OFFICER ? " (give the officer's username)" : "");
	}
	*id = hit->id;
	*name = hit->name;
	return 0;
}

/* One field's cell s (cleaned) into e.  0, or -1 (error added). */
static int parse_field(struct import *im, const struct import_row *row, enum fld f, int by_id, char *s,
                       struct enterprise_in *e)
{
	const char *name;
	/* full-width ASCII folded in codes, numbers and dates, never in names */
	if (f == F_INDUSTRY || f == F_KEY || f == F_PHONE || f == F_EMPLOYEES || f == F_CAPITAL || f == F_LAND ||
	    f == F_FOUNDED)
		text_fold_fullwidth(s);
	switch (f) {
	case F_CODE: e->credit_code = s; return 0;
	case F_NAME: e->name = s; return 0;
	case F_STREET:
		if (resolve(im, row, F_STREET, by_id, s, &e->street_id, &name) < 0)
			return -1;
		e->street = name;
		return 0;
	case F_INDUSTRY: e->industry = s; return 0;
	case F_KEY: return parse_key(im, row, s, &e->key);
	case F_OFFICER: return resolve(im, row, F_OFFICER, by_id, s, &e->officer_id, &name);
	case F_DEPT: return resolve(im, row, F_DEPT, by_id, s, &e->department_id, &name);
	case F_CONTACT: e->contact_name = s; return 0;
	case F_PHONE: e->contact_phone = s; return 0;
	case F_EMPLOYEES: return *s ? parse_count(im, row, F_EMPLOYEES, s, &e->employees) : 0;
	case F_CAPITAL: return *s ? parse_count(im, row, F_CAPITAL, s, &e->registered_capital_wan) : 0;
	case F_LAND: return *s ? parse_land(im, row, s, &e->land_mu) : 0;
	case F_FOUNDED:
		if (*s == '\0') {
			e->founded_on = s;
			return 0;
		}
		e->founded_on = arena_alloc(row->a, DATE_LEN);
		return parse_date(im, row, s, (char *)e->founded_on);
	case F_NOTE: e->credit_code_note = s; return 0;
	default: return 0;
	}
}

/* The row's cells into e (the fields its columns give).  0, or -1. */
static int parse_row(struct import *im, const struct import_row *row, struct enterprise_in *e)
{
	memset(e, 0, sizeof *e);
	e->key = -1;
	e->refs_resolved = 1;   /* resolve() found them in the lists of begin */
	int bad = 0;
	for (int f = 0; f < NF; f++) {
		int by_id = fields[f].col_id >= 0 && row->v[fields[f].col_id] != NULL;
		const char *cell = by_id ? row->v[fields[f].col_id] : row->v[fields[f].col];
		if (cell == NULL)
			continue;   /* the file has no such column */
		char *s = table_cell_clean(row->a, cell);
		if (f == F_NOTE && *s == '\0')
			continue;   /* no note given: not a change */
		if (f == F_INDUSTRY)
			by_id = 0;
		if (parse_field(im, row, (enum fld)f, by_id, s, e) < 0)
			bad = 1;
		e->has |= fields[f].bit;
	}
	return bad ? -1 : 0;
}

/* ---- checking ---- */

/* The value of field f of e as text for reports ("" when unset). */
static const char *show(struct ent_ctx *x, arena_t *a, const struct enterprise_in *e, enum fld f)
{
	const struct ref *r;
	switch (f) {
	case F_NAME: return e->name ? e->name : "";
	case F_STREET: return (r = ref_by_id(&x->streets, e->street_id)) ? r->name : "";
	case F_INDUSTRY: return e->industry ? e->industry : "";
	case F_KEY: return e->key > 0 ? "是" : "否";
	case F_OFFICER: return (r = ref_by_id(&x->officers, e->officer_id)) ? r->name : "";
	case F_DEPT: return (r = ref_by_id(&x->depts, e->department_id)) ? r->name : "";
	case F_CONTACT: return e->contact_name ? e->contact_name : "";
	case F_PHONE: return e->contact_phone ? e->contact_phone : "";
	case F_EMPLOYEES: return arena_printf(a, "%lld", (long long)e->employees);
	case F_CAPITAL: return arena_printf(a, "%lld", (long long)e->registered_capital_wan);
	case F_LAND: return arena_printf(a, "%.15g", e->land_mu);
	case F_FOUNDED: return e->founded_on ? e->founded_on : "";
	default: return "";
	}
}

/* One entry of report.changes: what the row creates, or which fields of
 * the stored enterprise it changes (from → to). */
static void add_change(struct import *im, const struct import_row *row, const struct enterprise_in *e, int64_t id)
{
	struct ent_ctx *x = im->ctx;
	json_t *c = json_pack("{sI s s s s s s}", "line", (json_int_t)row->line, "action", id ? "update" : "create",
	                      "credit_code", e->credit_code ? e->credit_code : "", "name", e->name ? e->name : "");
	if (id) {
		json_object_set_new(c, "id", json_integer(id));
		json_t *changed = json_object();
		db_stmt_t *st = db_prepare(im->db,
			"SELECT name, street_id, industry, is_key, officer_id, department_id, contact_name, contact_phone,"
			" employees, registered_capital_wan, land_mu, founded_on FROM enterprises WHERE id = $1");
		db_bind_int(st, 1, id);
		if (db_step(st) == DB_ROW) {
			arena_t *a = row->a;
			struct enterprise_in old = {
				.name = arena_strdup(a, db_col_text(st, 0)), .street_id = db_col_int(st, 1),
				.industry = arena_strdup(a, db_col_text(st, 2)), .key = (int)db_col_int(st, 3),
				.officer_id = db_col_int(st, 4), .department_id = db_col_int(st, 5),
				.contact_name = arena_strdup(a, db_col_text(st, 6)), .contact_phone = arena_strdup(a, db_col_text(st, 7)),
				.employees = db_col_int(st, 8), .registered_capital_wan = db_col_int(st, 9),
				.land_mu = db_col_double(st, 10), .founded_on = arena_strdup(a, db_col_text(st, 11)),
			};
			for (int f = F_NAME; f <= F_FOUNDED; f++) {
				if (!(e->has & fields[f].bit))
					continue;
				const char *from = show(x, a, &old, f), *to = show(x, a, e, f);
				if (strcmp(from, to) != 0)
					json_object_set_new(changed, fields[f].name, json_pack("{s s s s}", "from", from, "to", to));
			}
		}
		db_done(st);
		json_object_set_new(c, "fields", changed);
	}
	json_array_append_new(x->changes, c);
}

/* The credit code of the row as the duplicate check compares it: its
 * normal form, even when another field of the row is bad. */
static void code_key(const struct import_row *row, char code[64])
{
	code[0] = '\0';
	if (row->v[C_CODE] == NULL)
		return;
	char *s = table_cell_clean(row->a, row->v[C_CODE]);
	err_t e;
	if (credit_code_normalise(s, code, 64, &e) < 0 && strcmp(err_get_param(&e, "reason"), "checksum") != 0) {
		snprintf(code, 64, "%s", s);
		text_fold_fullwidth(code);
	}
}

static int ent_check(struct import *im, const struct import_row *row)
{
	struct ent_ctx *x = im->ctx;
	int64_t before = im->errors.total;
	struct enterprise_in e;
	char code[64];
	code_key(row, code);
	if (parse_row(im, row, &e) == 0) {
		err_t fe;
		err_clear(&fe);
		int allow = x->is_admin && e.credit_code_note && *e.credit_code_note;
		if (enterprise_validate(im->db, row->a, &e, allow, &fe) < 0)
			import_bad_err(im, row, &fe);
		else if (e.credit_code)
			snprintf(code, sizeof code, "%s", e.credit_code);
	}
	/* a stored code: > 0 id * 2 + is_key; once the file has given it, < 0
	 * minus that line (so the stored codes are not kept twice in seen) */
	int64_t stored = code[0] ? import_keys_get(&x->existing, code) : 0;
	if (code[0]) {
		int64_t first = stored < 0 ? -stored : stored > 0 ? 0 : import_keys_get(&x->seen, code);
		if (first) {
			err_t d;
			err_set(&d, 422, "duplicate_in_file", "credit_code", "credit_code %s is already on line %lld", code,
			        (long long)first);
			err_param(&d, "value", "%s", code);
			err_param(&d, "line", "%lld", (long long)first);
			import_bad_err(im, row, &d);
		} else
			import_keys_put(stored ? &x->existing : &x->seen, code, stored ? -row->line : row->line);
	}
	int64_t ex = im->errors.total == before && stored > 0 ? stored : 0;
	/* a stored key enterprise keeps its officer unless the row also makes it
	 * an ordinary one */
	if (ex && (ex & 1) && (e.has & ENT_F_OFFICER) && e.officer_id <= 0 && !((e.has & ENT_F_KEY) && e.key == 0))
		import_bad(im, row, "officer_id", "required", NULL, "a key enterprise needs its chief service officer");
	if (im->errors.total != before)
		return -1;
	if (ex)
		x->would_update++;
	else
		x->would_create++;
	if (json_array_size(x->changes) < MAX_CHANGES)
		add_change(im, row, &e, ex / 2);
	return 0;
}

/* ---- writing ---- */

static void *flusher_main(void *arg)
{
	struct import *im = arg;
	struct ent_ctx *x = im->ctx;
	x->flush_rc = enterprise_bulk_flush(im->db, x->flushed);
	return NULL;
}

/* Wait for the flusher, if one runs: its result (DB_OK). */
static int flush_wait(struct import *im)
{
	struct ent_ctx *x = im->ctx;
	if (!x->flushing)
		return DB_OK;
	pthread_join(x->flusher, NULL);
	x->flushing = 0;
	return x->flush_rc;
}

/* The current queue is full: once the previous flush is done, a thread
 * writes it while the rows go on into the other queue.  Where no thread
 * can be started, written here.  DB_OK, or the previous flush's error.
 *
 * A first full queue into an empty registry (the first load of a city's
 * enterprises) drops the table's indexes, made again by sorting before
 * the commit: a B-tree filled in random order (credit codes, streets) was
 * most of the store's own load (BENCHMARKS.md, "Indexes made after the
 * load").  Only in the import's one transaction (mode all: mode good
 * commits every so many rows), and only if the table is still empty under
 * the write lock: rows another writer stored since ent_begin keep the
 * unique credit code in place, which refuses a code of theirs in the file
 * as it would without this.  PostgreSQL's readers of the table wait for
 * the commit; the table had no rows for them. */
static int flush_start(struct import *im)
{
	struct ent_ctx *x = im->ctx;
	int rc = flush_wait(im);
	if (rc != DB_OK)
		return rc;
	if (x->flushes++ == 0 && x->existing.n == 0 && !im->o->mode_good && !im->o->dry_run &&
	    (rc = db_indexes_defer(im->db, "enterprises", &x->deferred)) != DB_OK)
		return rc;
	x->flushed = &x->bulk[x->cur];
	x->cur ^= 1;
	x->flush_rc = DB_OK;
	if (pthread_create(&x->flusher, NULL, flusher_main, im) != 0)
		return enterprise_bulk_flush(im->db, x->flushed);
	x->flushing = 1;
	return DB_OK;
}

static int ent_write(struct import *im, const struct import_row *row, err_t *err)
{
	struct ent_ctx *x = im->ctx;
	struct enterprise_in e;
	if (parse_row(im, row, &e) < 0)
		return -1;
	int allow = x->is_admin && e.credit_code_note && *e.credit_code_note;
	if (enterprise_validate(im->db, row->a, &e, allow, err) < 0)
		return -1;
	int created = 0, rc;
	int64_t actor = im->o->actor ? im->o->actor->id : 0;
	struct ent_bulk *b = &x->bulk[x->cur];
	b->hold = 1;
	b->later = &x->later;
	if (import_keys_get(&x->existing, e.credit_code) == 0) {
		/* new (the check found no such code): written in bulk */
		rc = enterprise_create_bulk(im->db, &e, actor, now_sec(), b);
		created = 1;
	} else
		rc = enterprise_update_bulk(im->db, &e, actor, now_sec(), b);   /* in bulk too */
	if (rc == DB_OK && enterprise_bulk_full(b))
		rc = flush_start(im);
	if (rc != DB_OK) {
		db_fail(err, im->db, rc, "writing an enterprise");
		err->status = err->status < 500 ? 500 : err->status;
		return -1;
	}
	if (created)
		im->created++;
	else
		im->updated++;
	return 0;
}

static int ent_write_flush(struct import *im, err_t *err)
{
	struct ent_ctx *x = im->ctx;
	int rc = flush_wait(im);
	if (rc == DB_OK)
		rc = enterprise_bulk_flush(im->db, &x->bulk[x->cur]);
	if (rc == DB_OK)
		rc = enterprise_bulk_settle(im->db, &x->later, 1);
	/* before a commit; before a rollback (the status not OK) the rollback
	 * gives the indexes back */
	if (rc == DB_OK && x->deferred && im->status == IMPORT_OK) {
		x->deferred = 0;
		rc = db_indexes_make(im->db, "enterprises");
	}
	return rc == DB_OK ? 0 : db_fail(err, im->db, rc, "writing the enterprises");
}

static json_t *ent_summary(struct import *im)
{
	struct ent_ctx *x = im->ctx;
	int dry = im->o->dry_run;
	int64_t cr = x == NULL ? 0 : dry ? x->would_create : im->created;
	int64_t up = x == NULL ? 0 : dry ? x->would_update : im->updated;
	size_t listed = x ? json_array_size(x->changes) : 0;
	return json_pack("{s:I s:I s:o s:b}", "created", (json_int_t)cr, "updated", (json_int_t)up,
	                 "changes", x ? json_incref(x->changes) : json_array(),
	                 "changes_truncated", x && x->would_create + x->would_update > (int64_t)listed);
}

static void ent_cli_print(struct import *im, json_t *summary)
{
	int dry = im->o->dry_run;
	json_t *c;
	size_t i;
	json_array_foreach(dry ? json_object_get(summary, "changes") : NULL, i, c) {
		printf("line %lld: %s %s %s", (long long)json_integer_value(json_object_get(c, "line")),
		       json_string_value(json_object_get(c, "action")), json_string_value(json_object_get(c, "credit_code")),
		       json_string_value(json_object_get(c, "name")));
		const char *k;
		json_t *v;
		int first = 1;
		json_object_foreach(json_object_get(c, "fields"), k, v) {
			printf("%s%s: \"%s\" → \"%s\"", first ? ": " : ", ", k, json_string_value(json_object_get(v, "from")),
			       json_string_value(json_object_get(v, "to")));
			first = 0;
		}
		printf("\n");
	}
	if (dry && json_is_true(json_object_get(summary, "changes_truncated")))
		printf("(only the first %d changes are listed)\n", MAX_CHANGES);
	printf("%s%lld rows: %lld %s, %lld %s, %lld bad; %.1f s", dry ? "dry run: " : "", (long long)im->rows,
	       (long long)json_integer_value(json_object_get(summary, "created")), dry ? "to create" : "created",
	       (long long)json_integer_value(json_object_get(summary, "updated")), dry ? "to update" : "updated",
	       (long long)im->bad_rows, im->seconds);
	if (im->rows && im->seconds > 0)
		printf(", %.0f rows/s", (double)im->rows / im->seconds);
	printf("\n");
}

static const struct import_spec enterprise_import = {
	.what = "enterprises", .audit_action = "import enterprises", .audit_entity = "enterprises",
	.cols = cols, .ncols = NC, .max_rows = MAX_ROWS, .mode_good_ok = 1, .one_pass = 1,
	.begin = ent_begin, .check = ent_check, .write = ent_write, .write_flush = ent_write_flush,
	.summary = ent_summary, .end = ent_end,
	.cli_print = ent_cli_print,
};

/* ---- front doors ---- */

void api_enterprises_import(req_t *r)
{
	import_http(r, &enterprise_import);
}

int cli_import(int argc, char **argv, db_t *db)
{
	/* argv[0] is the subcommand ("enterprises") as main.c passes it on */
	int i0 = argc > 0 && strcmp(argv[0], "enterprises") == 0;
	return import_cli(db, &enterprise_import, argc - i0, argv + i0);
}
