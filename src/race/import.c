/*
 * import.c -- leads, projects and trips from CSV or XLSX: what is
 * particular to their rows.  Reading, the two passes, the errors by line,
 * the reply and the CLI are the import framework's (table/table.h).
 *
 * Columns: the API's JSON field names or their Chinese labels (case,
 * spaces, '_' and a unit in brackets such as "预计投资（亿元）" ignored):
 *
 *   leads:    unit_id|unit 招商单位, recruiter_id|recruiter 招商人员,
 *             company 企业名称, credit_code 统一社会信用代码, industry 行业,
 *             est_investment 预计投资(亿元), captured_on 获取日期,
 *             qualified 是否有效, notes 备注
 *   projects: name 项目名称, unit_id|unit 招商单位, lead_id 有效信息编号,
 *             recruiter_id|recruiter 招商人员, industry 行业,
 *             total_investment 总投资(亿元), foreign_investment 外资(亿美元),
 *             land_mu 用地(亩), expected_annual_tax 预计年税收(万元),
 *             signed_on 签约日期, landed_on 落地日期, started_on 开工日期,
 *             producing_on 投产日期
 *   trips:    user_id|user 人员, start_on 出发日期, end_on 返回日期,
 *             destination 目的地, visits 拜访次数, companies 拜访企业
 *
 * A unit is given by id, name or code; a person by id, username or display
 * name (among leaders and recruiters); a date as date_parse_loose() reads
 * it or (XLSX) a date cell.  Each row becomes the same input struct as the
 * JSON API: the check pass runs race_util.h's lead_check / project_check
 * / trip_check (units and people looked up in the lists loaded at the
 * start, a project's lead in blocks of ids: no query per row), the write pass the same checks
 * (the lists reloaded in the write transaction) and writes in bulk --
 * leads through lead_bulk.c (batches of LEAD_BULK_FLUSH with db_copy, the
 * duplicates found set-based, as lead_insert would find them one by one),
 * projects through project_bulk.c (checked with project_check, the leads
 * read in blocks of ids; staged with db_copy and written every
 * PROJECT_BULK_FLUSH with one INSERT ... SELECT that links the landed ones
 * to the registry as project_insert would), trips with one db_copy
 * (validation and permissions as the API's; the HTTP caller is the actor,
 * the CLI passes none).  All or nothing: any bad row writes nothing.  A dry run
 * writes and rolls back, so its counts (duplicates among the file's own
 * leads too) are exact.  Over HTTP the import is a background job (202; GET
 * /api/v1/imports/{id}).  Memory: the check keeps nothing per row (the
 * framework's bit); the write pass a batch of leads (about 250 bytes a lead
 * with its texts, 10,000 at most) and the claims of their companies.
 */
#include "race.h"
#include "race_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "table/table.h"

#define MAX_ROWS 200000

enum kind { K_LEADS, K_PROJECTS, K_TRIPS, NKINDS };
enum ftype { T_TEXT, T_YI, T_WAN, T_REAL, T_INT, T_BOOL, T_DATE, T_UNIT, T_USER };

enum { L_UNIT, L_RECRUITER, L_COMPANY, L_CODE, L_INDUSTRY, L_EST, L_CAPTURED, L_QUALIFIED, L_NOTES, NL };
static const struct table_col lead_cols[NL] = {
	{ "unit_id", "招商单位|unit|单位", 0, 0 },
	{ "recruiter_id", "招商人员|recruiter", 0, 0 },
	{ "company", "企业名称|企业", TABLE_COL_REQUIRED, 0 },
	{ "credit_code", "统一社会信用代码|信用代码", 0, 0 },
	{ "industry", "行业", 0, 0 },
	{ "est_investment", "预计投资(亿元)|预计投资额", 0, 0 },
	{ "captured_on", "获取日期", 0, 0 },
	{ "qualified", "是否有效", 0, 0 },
	{ "notes", "备注", 0, 0 },
};
static const enum ftype lead_types[NL] = { T_UNIT, T_USER, T_TEXT, T_TEXT, T_TEXT, T_YI, T_DATE, T_BOOL, T_TEXT };

enum { P_NAME, P_UNIT, P_LEAD, P_RECRUITER, P_INDUSTRY, P_TOTAL, P_FOREIGN, P_LAND, P_TAX, P_SIGNED, P_LANDED,
       P_STARTED, P_PRODUCING, NP };
static const struct table_col project_cols[NP] = {
	{ "name", "项目名称", TABLE_COL_REQUIRED, 0 },
	{ "unit_id", "招商单位|unit|单位", 0, 0 },
	{ "lead_id", "有效信息编号", 0, 0 },
	{ "recruiter_id", "招商人员|recruiter", 0, 0 },
	{ "industry", "行业", 0, 0 },
	{ "total_investment", "总投资(亿元)", 0, 0 },
	{ "foreign_investment", "外资(亿美元)", 0, 0 },
	{ "land_mu", "用地(亩)", 0, 0 },
	{ "expected_annual_tax", "预计年税收(万元)", 0, 0 },
	{ "signed_on", "签约日期", 0, 0 },
	{ "landed_on", "落地日期", 0, 0 },
	{ "started_on", "开工日期", 0, 0 },
	{ "producing_on", "投产日期", 0, 0 },
};
static const enum ftype project_types[NP] = { T_TEXT, T_UNIT, T_INT, T_USER, T_TEXT, T_YI, T_YI, T_REAL, T_WAN,
                                               T_DATE, T_DATE, T_DATE, T_DATE };

enum { TR_USER, TR_START, TR_END, TR_DEST, TR_VISITS, TR_COMPANIES, NTR };
static const struct table_col trip_cols[NTR] = {
	{ "user_id", "人员|user|姓名", 0, 0 },
	{ "start_on", "出发日期", TABLE_COL_REQUIRED, 0 },
	{ "end_on", "返回日期", TABLE_COL_REQUIRED, 0 },
	{ "destination", "目的地", 0, 0 },
	{ "visits", "拜访次数", 0, 0 },
	{ "companies", "拜访企业", 0, 0 },
};
static const enum ftype trip_types[NTR] = { T_USER, T_DATE, T_DATE, T_TEXT, T_INT, T_TEXT };

static const enum ftype *const types_of[NKINDS] = { lead_types, project_types, trip_types };

/* ---- units and people ---- */

struct unit_ref {
	int64_t id;
	const char *code, *name;
};

struct user_ref {
	int64_t id, unit_id;
	const char *username, *display_name, *role;
};

struct race_ctx {
	enum kind kind;
	arena_t *a;
	struct unit_ref *units;      /* by id */
	size_t nunits;
	struct user_ref *users;      /* the leaders and recruiters, by id */
	size_t nusers;
	struct race_refs refs;       /* lead_check's look-ups in units and users */
	struct lead_bulk *bulk;      /* leads: the write pass's batch */
	struct project_bulk *projects; /* projects: the leads looked up, the write pass's batch */
	db_copy_t *trips;            /* trips: the write pass's copy */
	int64_t duplicates;
};

static void put_unit(void *ref, db_stmt_t *st, arena_t *a)
{
	struct unit_ref *u = ref;
	u->id = db_col_int(st, 0);
	u->code = arena_strdup(a, db_col_text(st, 1));
	u->name = arena_strdup(a, db_col_text(st, 2));
}

static void put_user(void *ref, db_stmt_t *st, arena_t *a)
{
	struct user_ref *u = ref;
	u->id = db_col_int(st, 0);
	u->username = arena_strdup(a, db_col_text(st, 1));
	u->display_name = arena_strdup(a, db_col_text(st, 2));
	u->unit_id = db_col_int(st, 3);
	u->role = arena_strdup(a, db_col_text(st, 4));
}

static int ref_unit_exists(void *ud, int64_t id)
{
	const struct race_ctx *x = ud;
	size_t lo = 0, hi = x->nunits;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->units[mid].id == id)
			return 1;
		if (x->units[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Only leaders and recruiters are loaded: anyone else is no recruiter, as
 * for check_recruiter() a user that does not exist. */
static int ref_person(void *ud, int64_t id, char role[16], int64_t *unit_id)
{
	const struct race_ctx *x = ud;
	size_t lo = 0, hi = x->nusers;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->users[mid].id == id) {
			snprintf(role, 16, "%s", x->users[mid].role);
			*unit_id = x->users[mid].unit_id;
			return 1;
		}
		if (x->users[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int ref_lead(void *ud, int64_t id, struct lead_ref *out)
{
	const struct race_ctx *x = ud;
	return project_bulk_lead(x->projects, id, out);
}

/* The units and people, (re)loaded: at the start, and in the write
 * transaction before the first write. */
static int refs_load(struct import *im, err_t *err)
{
	struct race_ctx *x = im->ctx;
	arena_free(x->a);
	x->a = arena_new();
	int rc;
	x->units = import_load(im->db, x->a, "SELECT id, code, name FROM units ORDER BY id", sizeof *x->units, put_unit,
	                       &x->nunits, &rc);
	if (rc == DB_OK)
		x->users = import_load(im->db, x->a, "SELECT id, username, display_name, COALESCE(unit_id, 0), role FROM users"
		                       " WHERE role IN ('leader', 'recruiter') ORDER BY id", sizeof *x->users, put_user,
		                       &x->nusers, &rc);
	x->refs = (struct race_refs){ .unit_exists = ref_unit_exists, .person = ref_person, .ud = x };
	if (x->projects) {
		project_bulk_forget(x->projects);
		x->refs.lead = ref_lead;
	}
	return rc == DB_OK ? 0 : db_fail(err, im->db, rc, "reading units and people");
}

static enum kind kind_of(const struct import *im);

static int race_begin(struct import *im, err_t *err)
{
	struct race_ctx *x = calloc(1, sizeof *x);
	if (x == NULL)
		return err_set(err, 500, "too_large", NULL, "out of memory");
	im->ctx = x;
	x->kind = kind_of(im);
	if (x->kind == K_PROJECTS && (x->projects = project_bulk_new(im->db)) == NULL)
		return err_set(err, 500, "too_large", NULL, "out of memory");
	return refs_load(im, err);
}

/* Reload the references inside the write transaction; the rows go out in
 * bulk (leads: lead_bulk.c; projects: project_bulk.c; trips: one copy). */
static int race_write_begin(struct import *im, err_t *err)
{
	struct race_ctx *x = im->ctx;
	if (x->kind == K_LEADS && x->bulk == NULL && (x->bulk = lead_bulk_new()) == NULL)
		return err_set(err, 500, "too_large", NULL, "out of memory");
	return refs_load(im, err);
}

static int race_write_flush(struct import *im, err_t *err)
{
	struct race_ctx *x = im->ctx;
	if (x->kind == K_TRIPS)
		return trip_copy_end(im->db, &x->trips, err);
	if (x->kind == K_PROJECTS)
		return project_bulk_flush(im->db, x->projects, err);
	return x->bulk ? lead_bulk_flush(im->db, x->bulk, &x->duplicates, err) : 0;
}

static void race_end(struct import *im)
{
	struct race_ctx *x = im->ctx;
	if (x) {
		lead_bulk_free(x->bulk);
		project_bulk_free(x->projects);
		arena_free(x->a);
		free(x);
		im->ctx = NULL;
	}
}

/* ---- cell parsers ---- */

/* A whole number ("12", XLSX "12.0", "-3").  0 ok, -1 not one. */
static int parse_int(const char *s, int64_t *out)
{
	char t[64];
	text_trim_into(s, t, sizeof t);
	text_fold_fullwidth(t);
	char *p = t;
	int neg = 0;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	char *dot = strchr(p, '.');
	if (dot) {
		for (const char *q = dot + 1; *q; q++)
			if (*q != '0')
				return -1;
		*dot = '\0';
	}
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p) || strlen(p) > 15)
		return -1;
	int64_t v = strtoll(p, NULL, 10);
	*out = neg ? -v : v;
	return 0;
}

/* A decimal number (land_mu).  0 ok, -1 not one. */
static int parse_real(const char *s, double *out)
{
	char t[64];
	text_trim_into(s, t, sizeof t);
	text_fold_fullwidth(t);
	if (t[0] == '\0' || strpbrk(t, "xXpPnNiI"))   /* no hex, nan, inf */
		return -1;
	errno = 0;
	char *end;
	double v = strtod(t, &end);
	if (*end != '\0' || errno || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* qualified: 1, 0, or -1 when not a yes/no. */
static int parse_bool(const char *s)
{
	char t[64];
	text_trim_into(s, t, sizeof t);
	text_fold_fullwidth(t);
	for (char *p = t; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	static const char *const yes[] = { "1", "true", "yes", "y", "t", "是", "有效", "合格", "√", "✓", "对", NULL };
	static const char *const no[] = { "0", "false", "no", "n", "f", "否", "无效", "不合格", "×", "✗", "错", NULL };
	for (int i = 0; yes[i]; i++)
		if (strcmp(t, yes[i]) == 0)
			return 1;
	for (int i = 0; no[i]; i++)
		if (strcmp(t, no[i]) == 0)
			return 0;
	return -1;
}

/* A date cell as YYYY-MM-DD when date_parse_loose() reads it (or, XLSX,
 * it is a day serial); otherwise the trimmed text as it is (the validate
 * function then says what is wrong with it). */
static const char *norm_date(const struct import *im, arena_t *a, const char *s)
{
	char t[128];
	text_trim_into(s, t, sizeof t);
	text_fold_fullwidth(t);
	int64_t d;
	size_t nd = strspn(t, "0123456789");
	int serial = im->is_xlsx && nd == 5 && (t[nd] == '\0' || t[nd] == '.');
	int rc = serial ? date_from_serial(strtod(t, NULL), im->date1904, &d) : date_parse_loose(t, &d);
	if (rc != DATE_OK)
		return arena_strdup(a, t);
	char *out = arena_alloc(a, DATE_LEN);
	date_format(d, out);
	return out;
}

/* An XLSX number's text with a double's noise rounded away at the fourth
 * decimal ("5.5400000000000001", "1.2E+3") into t. */
static void xlsx_amount(char *t, size_t n)
{
	double x;
	char r[64];
	if (strpbrk(t, "eE")) {
		if (parse_real(t, &x) == 0)
			snprintf(t, n, "%.4f", x);
	} else if (strchr(t, '.') && strlen(strchr(t, '.')) > 5 && parse_real(t, &x) == 0 && fabs(x) < 1e12) {
		snprintf(r, sizeof r, "%.4f", x);
		if (fabs(strtod(r, NULL) - x) < 1e-9 * (fabs(x) + 1))
			snprintf(t, n, "%s", r);
	}
}

/* A unit by id, name or code: 0 and *id, or -1 (unknown), -2 (ambiguous). */
static int find_unit(const struct race_ctx *x, const char *t, int64_t *id)
{
	int64_t v;
	if (parse_int(t, &v) == 0 && v > 0) {
		*id = v;   /* the validate function checks that it exists */
		return 0;
	}
	int found = 0;
	for (size_t i = 0; i < x->nunits; i++)
		if (strcmp(x->units[i].name, t) == 0) {
			if (found++)
				return -2;
			*id = x->units[i].id;
		}
	if (found)
		return 0;
	for (size_t i = 0; i < x->nunits; i++)
		if (strcasecmp(x->units[i].code, t) == 0) {
			*id = x->units[i].id;
			return 0;
		}
	return -1;
}

/* A leader or recruiter by id, username or display name: 0, -1, -2. */
static int find_user(const struct race_ctx *x, const char *t, int64_t *id)
{
	int64_t v;
	if (parse_int(t, &v) == 0 && v > 0) {
		*id = v;
		return 0;
	}
	for (size_t i = 0; i < x->nusers; i++)
		if (strcasecmp(x->users[i].username, t) == 0) {
			*id = x->users[i].id;
			return 0;
		}
	int found = 0;
	for (size_t i = 0; i < x->nusers; i++)
		if (strcmp(x->users[i].display_name, t) == 0) {
			if (found++)
				return -2;
			*id = x->users[i].id;
		}
	return found ? 0 : -1;
}

/* The parsed cell of one column. */
struct cellv {
	int present;           /* the column exists and the cell is not blank */
	const char *text;      /* trimmed; a date as YYYY-MM-DD when it reads as one */
	int64_t i;             /* T_INT, T_UNIT, T_USER, T_YI and T_WAN (万), T_BOOL */
	double d;              /* T_REAL */
};

static int ref_error(struct import *im, const struct import_row *row, const char *field, int rc, int unit,
                     const char *s)
{
	if (rc == -2)
		return import_bad(im, row, field, unit ? "ambiguous_unit" : "ambiguous_user", s,
		                  unit ? "several units are named \"%s\": give the id"
		                       : "several people are named \"%s\": give the username", s);
	return import_bad(im, row, field, unit ? "unknown_unit" : "unknown_user", s,
	                  unit ? "unknown unit \"%s\" (an id, name or code)"
	                       : "unknown person \"%s\" (the id, username or name of a leader or recruiter)", s);
}

/* Parse the cell of column c; 0 ok, -1 after import_bad. */
static int parse_cell(struct import *im, const struct import_row *row, int c, struct cellv *v)
{
	struct race_ctx *x = im->ctx;
	const char *key = im->spec->cols[c].name, *cell = row->v[c];
	char b[72];
	v->present = !text_is_blank(cell);
	if (!v->present)
		return 0;
	v->text = table_cell_clean(row->a, cell);
	const char *s = table_shown(v->text, b);
	err_t e;
	int rc;
	switch (types_of[x->kind][c]) {
	case T_TEXT:
		return 0;
	case T_DATE:
		v->text = norm_date(im, row->a, v->text);
		return 0;
	case T_YI:
	case T_WAN: {
		char t[128];
		snprintf(t, sizeof t, "%s", v->text);
		text_fold_fullwidth(t);
		if (im->is_xlsx)
			xlsx_amount(t, sizeof t);
		rc = types_of[x->kind][c] == T_YI ? race_yi_text(t, key, &v->i, &e) : race_wan_text(t, key, &v->i, &e);
		return rc < 0 ? import_bad_err(im, row, &e) : 0;
	}
	case T_REAL:
		if (parse_real(v->text, &v->d) < 0)
			return import_bad(im, row, key, "not_a_number", s, "%s \"%s\" is not a number", key, s);
		return 0;
	case T_INT:
		if (parse_int(v->text, &v->i) < 0)
			return import_bad(im, row, key, "not_an_integer", s, "%s \"%s\" is not a whole number", key, s);
		return 0;
	case T_BOOL:
		if ((v->i = parse_bool(v->text)) < 0)
			return import_bad(im, row, key, "invalid_boolean", s, "%s \"%s\" is not yes or no (true/false, 1/0, 是/否)",
			                  key, s);
		return 0;
	case T_UNIT:
		rc = find_unit(x, v->text, &v->i);
		return rc < 0 ? ref_error(im, row, key, rc, 1, s) : 0;
	case T_USER:
		rc = find_user(x, v->text, &v->i);
		return rc < 0 ? ref_error(im, row, key, rc, 0, s) : 0;
	}
	return 0;
}

/* ---- one row ---- */

/* The unit of a leader or recruiter, 0 when unknown. */
static int64_t unit_of_user(const struct race_ctx *x, int64_t id)
{
	for (size_t i = 0; i < x->nusers; i++)
		if (x->users[i].id == id)
			return x->users[i].unit_id;
	return 0;
}

static const char *text_or(const struct cellv *v, const char *dflt)
{
	return v->present ? v->text : dflt;
}

static const char *date_or(const struct cellv *v)
{
	return v->present ? v->text : NULL;
}

static int64_t int_or0(const struct cellv *v)
{
	return v->present ? v->i : 0;
}

/* A row as the API's input. */
struct rin {
	struct lead_in lead;
	struct project_in project;
	struct trip_in trip;
};

/* Parse the row's cells into in.  0, or -1 (errors added). */
static int row_in(struct import *im, const struct import_row *row, struct rin *in)
{
	struct race_ctx *x = im->ctx;
	struct cellv c[16];
	memset(c, 0, sizeof c);
	memset(in, 0, sizeof *in);
	int bad = 0;
	for (int f = 0; f < im->spec->ncols; f++)
		if (parse_cell(im, row, f, &c[f]) < 0)
			bad = 1;
	if (bad)
		return -1;
	/* no unit given: the unit of the person named in the row */
	int unit = x->kind == K_LEADS ? L_UNIT : P_UNIT, person = x->kind == K_LEADS ? L_RECRUITER : P_RECRUITER;
	if (x->kind != K_TRIPS && !c[unit].present && c[person].present && (c[unit].i = unit_of_user(x, c[person].i)) != 0)
		c[unit].present = 1;
	if (x->kind == K_LEADS)
		in->lead = (struct lead_in){
			.unit_id = int_or0(&c[L_UNIT]), .recruiter_id = int_or0(&c[L_RECRUITER]),
			.company = text_or(&c[L_COMPANY], ""), .credit_code = text_or(&c[L_CODE], ""),
			.industry = text_or(&c[L_INDUSTRY], ""), .captured_on = date_or(&c[L_CAPTURED]),
			.notes = text_or(&c[L_NOTES], ""), .est_investment_wan = int_or0(&c[L_EST]),
			.qualified = c[L_QUALIFIED].present ? (int)c[L_QUALIFIED].i : -1,
		};
	else if (x->kind == K_PROJECTS)
		in->project = (struct project_in){
			.name = text_or(&c[P_NAME], ""), .industry = text_or(&c[P_INDUSTRY], ""),
			.signed_on = date_or(&c[P_SIGNED]), .landed_on = date_or(&c[P_LANDED]),
			.started_on = date_or(&c[P_STARTED]), .producing_on = date_or(&c[P_PRODUCING]),
			.unit_id = int_or0(&c[P_UNIT]), .lead_id = int_or0(&c[P_LEAD]), .recruiter_id = int_or0(&c[P_RECRUITER]),
			.total_investment_wan = int_or0(&c[P_TOTAL]), .foreign_investment_wan_usd = int_or0(&c[P_FOREIGN]),
			.expected_annual_tax_wan = int_or0(&c[P_TAX]), .land_mu = c[P_LAND].present ? c[P_LAND].d : 0,
		};
	else
		in->trip = (struct trip_in){
			.user_id = int_or0(&c[TR_USER]), .start_on = date_or(&c[TR_START]), .end_on = date_or(&c[TR_END]),
			.destination = text_or(&c[TR_DEST], ""), .companies = text_or(&c[TR_COMPANIES], ""),
			.visits = int_or0(&c[TR_VISITS]),
		};
	return 0;
}

static int race_check(struct import *im, const struct import_row *row)
{
	struct race_ctx *x = im->ctx;
	struct rin in;
	if (row_in(im, row, &in) < 0)
		return -1;
	err_t e;
	int rc;
	if (x->kind == K_LEADS) {
		char code[32];
		size_t klen = strlen(in.lead.company) + 8;
		char *key = arena_alloc(row->a, klen);
		rc = lead_check(im->db, &x->refs, im->o->actor, &in.lead, code, key, klen, &e);
	} else if (x->kind == K_PROJECTS) {
		char lead_on[DATE_LEN];
		const char *stage;
		rc = project_check(im->db, &x->refs, im->o->actor, &in.project, lead_on, &stage, &e);
	} else
		rc = trip_check(im->db, &x->refs, im->o->actor, &in.trip, &e);
	return rc < 0 ? import_bad_err(im, row, &e) : 0;
}

static int race_write(struct import *im, const struct import_row *row, err_t *err)
{
	struct race_ctx *x = im->ctx;
	struct rin in;
	if (row_in(im, row, &in) < 0)
		return -1;
	int rc = x->kind == K_LEADS ? lead_bulk_add(im->db, x->bulk, &x->refs, im->o->actor, &in.lead, now_sec(),
	                                            &x->duplicates, err)
	       : x->kind == K_PROJECTS ? project_bulk_add(im->db, x->projects, &x->refs, im->o->actor, &in.project, now_sec(), err)
	       : trip_copy_add(im->db, &x->trips, &x->refs, im->o->actor, &in.trip, now_sec(), err);
	if (rc < 0)
		return -1;
	im->created++;
	return 0;
}

static json_t *race_summary(struct import *im)
{
	struct race_ctx *x = im->ctx;
	return json_pack("{ss sb sI sI sI}", "kind", im->spec->what, "dry_run", im->o->dry_run, "rows", (json_int_t)im->rows,
	                 "created", (json_int_t)im->created, "duplicates", (json_int_t)(x ? x->duplicates : 0));
}

static void race_cli_print(struct import *im, json_t *summary)
{
	int dry = im->o->dry_run;
	long long rows = (long long)im->rows;
	printf("%s%lld row%s: %s %lld %s", dry ? "dry run: " : "", rows, rows == 1 ? "" : "s",
	       dry ? "would create" : "created", (long long)json_integer_value(json_object_get(summary, "created")),
	       im->spec->what);
	if (kind_of(im) == K_LEADS)
		printf(", %lld flagged duplicate", (long long)json_integer_value(json_object_get(summary, "duplicates")));
	printf("%s\n", dry ? "; nothing written" : "");
}

#define RACE_SPEC(kind, c) \
	{ .what = kind, .audit_action = "import " kind, .audit_entity = kind, .cols = c, \
	  .ncols = (int)(sizeof c / sizeof c[0]), .max_rows = MAX_ROWS, .trial_write = 1, .begin = race_begin, \
	  .check = race_check, .write_begin = race_write_begin, .write = race_write, .write_flush = race_write_flush, \
	  .summary = race_summary, .end = race_end, \
	  .cli_print = race_cli_print }

static const struct import_spec specs[NKINDS] = {
	RACE_SPEC("leads", lead_cols), RACE_SPEC("projects", project_cols), RACE_SPEC("trips", trip_cols),
};

static enum kind kind_of(const struct import *im)
{
	return (enum kind)(im->spec - specs);
}

static const struct import_spec *spec_named(const char *s)
{
	for (int k = 0; k < NKINDS; k++)
		if (s && strcmp(s, specs[k].what) == 0)
			return &specs[k];
	return NULL;
}

/* ---- front doors ---- */

void api_race_import(req_t *r)
{
	const struct import_spec *spec = spec_named(req_query(r, "kind"));
	if (spec == NULL) {
		reply_error(r, 422, "invalid_parameter", "kind", "kind is leads, projects or trips");
		return;
	}
	import_http(r, spec);
}

int cli_import_race(int argc, char **argv, db_t *db)
{
	const struct import_spec *spec = argc > 0 ? spec_named(argv[0]) : NULL;
	if (spec == NULL) {
		fputs("usage: zoneops import leads|projects|trips FILE [--dry-run] [--format csv|xlsx]\n", stderr);
		return 2;
	}
	return import_cli(db, spec, argc - 1, argv + 1);
}
