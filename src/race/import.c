/*
 * import.c -- leads, projects and trips from CSV or XLSX.
 *
 * Files are read with service/xlsx.h (CSV as UTF-8 with or without BOM,
 * UTF-16 or GBK, each record with its physical line; XLSX's first sheet
 * with its row numbers).  The first non-blank row is the header: the API's
 * JSON field names or their Chinese labels (case, spaces, '_' and a unit in
 * brackets such as "预计投资（亿元）" ignored):
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
 * name (among leaders and recruiters).  Dates may be written YYYY-MM-DD,
 * YYYY/M/D, YYYY.M.D, YYYY年M月D日, YYYYMMDD or (XLSX) a date cell.
 *
 * Each row is turned into the same input struct as the JSON API and handed
 * to race_util.h's lead_insert / project_insert / trip_insert, which do all
 * the validation and the permission checks (the HTTP caller is the actor;
 * the CLI passes none).  All or nothing: the rows are inserted inside a
 * savepoint (each row in its own nested one, so a refused row leaves no
 * trace), and when any row is bad -- each reported with its line, field,
 * code and message -- or on a dry run, the savepoint is rolled back.  The
 * HTTP handler runs inside the router's write transaction; the CLI opens
 * its own and writes an audit row.
 */
#include "race.h"
#include "race_util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/auth.h"
#include "service/xlsx.h"

#define IMP_MAX_ROWS 200000
#define IMP_MAX_ERRORS 1000
#define IMP_MAX_COLS 64

enum kind { K_LEADS, K_PROJECTS, K_TRIPS };
static const char *const kind_names[] = { "leads", "projects", "trips" };

enum ftype { F_TEXT, F_YI, F_WAN, F_REAL, F_INT, F_BOOL, F_DATE, F_UNIT, F_USER };

/* One column: the JSON field, its type and the header labels that name it
 * ('|'-separated, in normalised form: lower case, no spaces, '_' or '-',
 * nothing from a bracket on). */
struct field {
	const char *key;
	enum ftype type;
	const char *labels;
	const char *zh;        /* for messages */
};

enum { L_UNIT, L_RECRUITER, L_COMPANY, L_CODE, L_INDUSTRY, L_EST, L_CAPTURED, L_QUALIFIED, L_NOTES, NL };
static const struct field lead_fields[NL] = {
	{ "unit_id", F_UNIT, "unitid|unit|招商单位|单位", "招商单位" },
	{ "recruiter_id", F_USER, "recruiterid|recruiter|招商人员", "招商人员" },
	{ "company", F_TEXT, "company|企业名称|企业", "企业名称" },
	{ "credit_code", F_TEXT, "creditcode|统一社会信用代码|信用代码", "统一社会信用代码" },
	{ "industry", F_TEXT, "industry|行业", "行业" },
	{ "est_investment", F_YI, "estinvestment|预计投资|预计投资额", "预计投资(亿元)" },
	{ "captured_on", F_DATE, "capturedon|获取日期", "获取日期" },
	{ "qualified", F_BOOL, "qualified|是否有效", "是否有效" },
	{ "notes", F_TEXT, "notes|备注", "备注" },
};

enum { P_NAME, P_UNIT, P_LEAD, P_RECRUITER, P_INDUSTRY, P_TOTAL, P_FOREIGN, P_LAND, P_TAX, P_SIGNED, P_LANDED,
       P_STARTED, P_PRODUCING, NP };
static const struct field project_fields[NP] = {
	{ "name", F_TEXT, "name|项目名称", "项目名称" },
	{ "unit_id", F_UNIT, "unitid|unit|招商单位|单位", "招商单位" },
	{ "lead_id", F_INT, "leadid|有效信息编号", "有效信息编号" },
	{ "recruiter_id", F_USER, "recruiterid|recruiter|招商人员", "招商人员" },
	{ "industry", F_TEXT, "industry|行业", "行业" },
	{ "total_investment", F_YI, "totalinvestment|总投资", "总投资(亿元)" },
	{ "foreign_investment", F_YI, "foreigninvestment|外资", "外资(亿美元)" },
	{ "land_mu", F_REAL, "landmu|用地", "用地(亩)" },
	{ "expected_annual_tax", F_WAN, "expectedannualtax|预计年税收", "预计年税收(万元)" },
	{ "signed_on", F_DATE, "signedon|签约日期", "签约日期" },
	{ "landed_on", F_DATE, "landedon|落地日期", "落地日期" },
	{ "started_on", F_DATE, "startedon|开工日期", "开工日期" },
	{ "producing_on", F_DATE, "producingon|投产日期", "投产日期" },
};

enum { T_USER, T_START, T_END, T_DEST, T_VISITS, T_COMPANIES, NT };
static const struct field trip_fields[NT] = {
	{ "user_id", F_USER, "userid|user|人员|姓名", "人员" },
	{ "start_on", F_DATE, "starton|出发日期", "出发日期" },
	{ "end_on", F_DATE, "endon|返回日期", "返回日期" },
	{ "destination", F_TEXT, "destination|目的地", "目的地" },
	{ "visits", F_INT, "visits|拜访次数", "拜访次数" },
	{ "companies", F_TEXT, "companies|拜访企业", "拜访企业" },
};

static const struct field *fields_of(enum kind k, int *n)
{
	switch (k) {
	case K_LEADS: *n = NL; return lead_fields;
	case K_PROJECTS: *n = NP; return project_fields;
	default: *n = NT; return trip_fields;
	}
}

/* the columns a file must have */
static int required_field(enum kind k, int f)
{
	switch (k) {
	case K_LEADS: return f == L_COMPANY;
	case K_PROJECTS: return f == P_NAME;
	default: return f == T_START || f == T_END;
	}
}

struct unit_ref {
	int64_t id;
	char *code, *name;
};

struct user_ref {
	int64_t id, unit_id;
	char *username, *display_name;
};

struct imp {
	db_t *db;
	const user_t *actor;
	enum kind kind;
	int is_xlsx, date1904;
	const struct field *fields;
	int nfields;
	int have_header;
	int col[16];              /* field -> column, -1 */
	int ncols;
	int64_t rows, created, duplicates;
	json_t *errors;
	int64_t nerrors;
	int fatal;                /* a file error (ferr) */
	err_t ferr;
	int dbfail;               /* a database error: stop */
	err_t dberr;
	struct unit_ref *units;
	size_t nunits;
	struct user_ref *users;
	size_t nusers;
	void (*on_error)(void *, int64_t, const char *, const char *, const char *);
	void *ud;
};

/* ---- text helpers ---- */



/* A trimmed copy (malloc'd). */
static char *trim_dup(const char *s)
{
	size_t n = s ? strlen(s) + 1 : 1;
	char *t = malloc(n);
	if (t)
		text_trim_into(s, t, n);
	return t;
}



/* Shorten a cell for a message. */
static const char *shown(const char *s, char *buf, size_t n)
{
	text_trim_into(s, buf, n);
	if (strlen(buf) > 60) {
		size_t k = 57;
		while (k > 0 && ((unsigned char)buf[k] & 0xC0) == 0x80)
			k--;
		strcpy(buf + k, "...");
	}
	return buf;
}

/* ---- errors ---- */

static void add_error(struct imp *m, int64_t line, const char *field, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void add_error(struct imp *m, int64_t line, const char *field, const char *code, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (m->on_error)
		m->on_error(m->ud, line, field, code, msg);
	if (m->nerrors < IMP_MAX_ERRORS)
		json_array_append_new(m->errors, json_pack("{sI ss ss ss}", "line", (json_int_t)line, "field", field,
		                                           "code", code, "message", msg));
	m->nerrors++;
}

static int set_fatal(struct imp *m, int64_t line, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int set_fatal(struct imp *m, int64_t line, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->ferr.message, sizeof m->ferr.message, fmt, ap);
	va_end(ap);
	m->ferr.line = line;
	m->ferr.code = code;
	m->fatal = 1;
	return 1;
}

/* ---- header ---- */

/* The normalised form of a header cell: trimmed, full-width folded, ASCII
 * lower case, without spaces, '_' and '-', cut at a bracket. */
static void header_key(const char *s, char *k, size_t klen)
{
	char t[256];
	text_trim_into(s, t, sizeof t);
	text_fold_fullwidth(t);
	size_t j = 0;
	for (const char *p = t; *p && j + 1 < klen; p++) {
		if (*p == '(' || *p == '[' || strncmp(p, "【", 3) == 0)
			break;
		if (*p == ' ' || *p == '_' || *p == '-' || *p == '\t' || *p == '*')
			continue;
		k[j++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
	}
	k[j] = '\0';
	/* a trailing full stop or colon: "备注：" */
	while (j > 0 && (k[j - 1] == ':' || k[j - 1] == '.'))
		k[--j] = '\0';
}

static int label_in(const char *key, const char *labels)
{
	size_t n = strlen(key);
	if (n == 0)
		return 0;
	for (const char *p = labels; *p;) {
		const char *e = strchr(p, '|');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && memcmp(p, key, n) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static void columns_list(const struct imp *m, char *out, size_t n)
{
	size_t k = 0;
	out[0] = '\0';
	for (int f = 0; f < m->nfields && k + 1 < n; f++) {
		int w = snprintf(out + k, n - k, "%s%s (%s)", f ? ", " : "", m->fields[f].key, m->fields[f].zh);
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

static int on_header(struct imp *m, int64_t line, int n, char **cells)
{
	char list[900], b[128];
	columns_list(m, list, sizeof list);
	for (int f = 0; f < m->nfields; f++)
		m->col[f] = -1;
	if (n > IMP_MAX_COLS)
		return set_fatal(m, line, "too_wide", "表头超过%d列 / the header has more than %d columns", IMP_MAX_COLS,
		                 IMP_MAX_COLS);
	m->ncols = n;
	for (int i = 0; i < n; i++) {
		if (text_is_blank(cells[i]))
			continue;
		char k[256];
		header_key(cells[i], k, sizeof k);
		int h = -1;
		for (int f = 0; f < m->nfields && h < 0; f++)
			if (label_in(k, m->fields[f].labels))
				h = f;
		if (h < 0)
			return set_fatal(m, line, "unknown_header", "未知的列“%s” / unknown column \"%s\"; the columns are %s",
			                 shown(cells[i], b, sizeof b), shown(cells[i], b, sizeof b), list);
		if (m->col[h] >= 0)
			return set_fatal(m, line, "duplicate_header", "两列都是%s / two columns give %s", m->fields[h].zh,
			                 m->fields[h].key);
		m->col[h] = i;
	}
	for (int f = 0; f < m->nfields; f++)
		if (m->col[f] < 0 && required_field(m->kind, f))
			return set_fatal(m, line, "missing_header", "表头缺少“%s”列 / the header lacks the column %s; the columns are %s",
			                 m->fields[f].zh, m->fields[f].key, list);
	m->have_header = 1;
	return 0;
}

/* ---- cell parsers ---- */

static int all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

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
	if (!all_digits(p) || strlen(p) > 15)
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

/* A date cell rewritten as YYYY-MM-DD into out when it is written in one
 * of the forms date_parse_loose() accepts (or, lenient: XLSX, is a date
 * serial); otherwise the trimmed text as it is (the insert function then
 * says what is wrong with it). */
static void norm_date(const char *s, int lenient, int date1904, char *out, size_t outlen)
{
	char t[128];
	text_trim_into(s, t, sizeof t);
	text_fold_fullwidth(t);
	int64_t d;
	size_t nd = strspn(t, "0123456789");
	int serial = lenient && nd == 5 && (t[nd] == '\0' || t[nd] == '.');
	int rc = serial ? date_from_serial(strtod(t, NULL), date1904, &d) : date_parse_loose(t, &d);
	if (rc == DATE_OK) {
		char day[DATE_LEN];
		date_format(d, day);
		snprintf(out, outlen, "%s", day);
	} else {
		snprintf(out, outlen, "%s", t);
	}
}

/* ---- units and people ---- */

static int load_refs(struct imp *m)
{
	int rc;
	size_t cap = 0;
	db_stmt_t *st = db_prepare(m->db, "SELECT id, code, name FROM units ORDER BY id");
	while ((rc = db_step(st)) == DB_ROW) {
		if (m->nunits == cap) {
			cap = cap ? cap * 2 : 16;
			struct unit_ref *v = realloc(m->units, cap * sizeof *v);
			if (v == NULL) {
				rc = DB_ERR;
				break;
			}
			m->units = v;
		}
		struct unit_ref *u = &m->units[m->nunits++];
		u->id = db_col_int(st, 0);
		u->code = strdup(db_col_text(st, 1));
		u->name = strdup(db_col_text(st, 2));
	}
	db_done(st);
	if (rc != DB_DONE)
		return rc < 0 ? rc : DB_ERR;
	cap = 0;
	st = db_prepare(m->db, "SELECT id, username, display_name, COALESCE(unit_id, 0) FROM users WHERE role IN ('leader', 'recruiter')"
	                       " ORDER BY id");
	while ((rc = db_step(st)) == DB_ROW) {
		if (m->nusers == cap) {
			cap = cap ? cap * 2 : 64;
			struct user_ref *v = realloc(m->users, cap * sizeof *v);
			if (v == NULL) {
				rc = DB_ERR;
				break;
			}
			m->users = v;
		}
		struct user_ref *u = &m->users[m->nusers++];
		u->id = db_col_int(st, 0);
		u->username = strdup(db_col_text(st, 1));
		u->display_name = strdup(db_col_text(st, 2));
		u->unit_id = db_col_int(st, 3);
	}
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc < 0 ? rc : DB_ERR;
}

static void free_refs(struct imp *m)
{
	for (size_t i = 0; i < m->nunits; i++) {
		free(m->units[i].code);
		free(m->units[i].name);
	}
	free(m->units);
	for (size_t i = 0; i < m->nusers; i++) {
		free(m->users[i].username);
		free(m->users[i].display_name);
	}
	free(m->users);
}

/* A unit by id, name or code: 0 and *id, or -1 (unknown), -2 (ambiguous). */
static int find_unit(const struct imp *m, const char *t, int64_t *id)
{
	int64_t v;
	if (parse_int(t, &v) == 0 && v > 0) {
		*id = v;   /* the insert function checks that it exists */
		return 0;
	}
	int found = 0;
	for (size_t i = 0; i < m->nunits; i++)
		if (strcmp(m->units[i].name, t) == 0) {
			if (found++)
				return -2;
			*id = m->units[i].id;
		}
	if (found)
		return 0;
	for (size_t i = 0; i < m->nunits; i++)
		if (strcasecmp(m->units[i].code, t) == 0) {
			*id = m->units[i].id;
			return 0;
		}
	return -1;
}

/* A leader or recruiter by id, username or display name: 0, -1, -2. */
static int find_user(const struct imp *m, const char *t, int64_t *id)
{
	int64_t v;
	if (parse_int(t, &v) == 0 && v > 0) {
		*id = v;
		return 0;
	}
	for (size_t i = 0; i < m->nusers; i++)
		if (strcasecmp(m->users[i].username, t) == 0) {
			*id = m->users[i].id;
			return 0;
		}
	int found = 0;
	for (size_t i = 0; i < m->nusers; i++)
		if (strcmp(m->users[i].display_name, t) == 0) {
			if (found++)
				return -2;
			*id = m->users[i].id;
		}
	return found ? 0 : -1;
}

/* ---- one row ---- */

/* The parsed cells of a row, by field. */
struct cellv {
	int present;           /* the column exists and the cell is not blank */
	char *text;            /* trimmed (malloc'd) */
	int64_t i;             /* F_INT, F_UNIT, F_USER, F_YI, F_WAN (万), F_BOOL */
	double d;              /* F_REAL */
	char date[128];        /* F_DATE */
};

/* Parse cell f; 0 ok, -1 after add_error. */
static int parse_cell(struct imp *m, int64_t line, int f, const char *cell, struct cellv *v)
{
	const struct field *fd = &m->fields[f];
	char b[128];
	v->present = !text_is_blank(cell);
	if (!v->present)
		return 0;
	v->text = trim_dup(cell);
	if (v->text == NULL) {
		add_error(m, line, fd->key, "too_large", "out of memory");
		return -1;
	}
	err_t e;
	memset(&e, 0, sizeof e);
	int rc;
	switch (fd->type) {
	case F_TEXT:
		return 0;
	case F_DATE:
		norm_date(v->text, m->is_xlsx, m->date1904, v->date, sizeof v->date);
		return 0;
	case F_YI:
	case F_WAN: {
		/* fold full-width digits, drop XLSX binary noise by the text parser's rules */
		char t[128];
		snprintf(t, sizeof t, "%s", v->text);
		text_fold_fullwidth(t);
		if (m->is_xlsx && strpbrk(t, "eE")) {
			double x;
			if (parse_real(t, &x) == 0)
				snprintf(t, sizeof t, "%.4f", x);
		} else if (m->is_xlsx && strchr(t, '.') && strlen(strchr(t, '.')) > 5) {
			/* a double's digits: 5.5400000000000001 */
			double x;
			char r[64];
			if (parse_real(t, &x) == 0 && fabs(x) < 1e12) {
				snprintf(r, sizeof r, "%.4f", x);
				if (fabs(strtod(r, NULL) - x) < 1e-9 * (fabs(x) + 1))
					snprintf(t, sizeof t, "%s", r);
			}
		}
		rc = fd->type == F_YI ? race_yi_text(t, fd->key, &v->i, &e) : race_wan_text(t, fd->key, &v->i, &e);
		if (rc < 0) {
			add_error(m, line, e.field ? e.field : fd->key, e.code ? e.code : "invalid", "%s", e.message);
			return -1;
		}
		return 0;
	}
	case F_REAL:
		if (parse_real(v->text, &v->d) < 0) {
			add_error(m, line, fd->key, "not_a_number", "%s“%s”不是数字 / %s \"%s\" is not a number", fd->zh,
			          shown(v->text, b, sizeof b), fd->key, shown(v->text, b, sizeof b));
			return -1;
		}
		return 0;
	case F_INT:
		if (parse_int(v->text, &v->i) < 0) {
			add_error(m, line, fd->key, "not_an_integer", "%s“%s”不是整数 / %s \"%s\" is not a whole number", fd->zh,
			          shown(v->text, b, sizeof b), fd->key, shown(v->text, b, sizeof b));
			return -1;
		}
		return 0;
	case F_BOOL:
		if ((v->i = parse_bool(v->text)) < 0) {
			add_error(m, line, fd->key, "invalid_boolean", "%s“%s”应为 是/否 / %s \"%s\" is not yes/no (true/false, 1/0, 是/否)",
			          fd->zh, shown(v->text, b, sizeof b), fd->key, shown(v->text, b, sizeof b));
			return -1;
		}
		return 0;
	case F_UNIT:
		rc = find_unit(m, v->text, &v->i);
		if (rc == -1)
			add_error(m, line, fd->key, "unknown_unit", "未知的招商单位“%s” / unknown unit \"%s\" (an id, name or code)",
			          shown(v->text, b, sizeof b), shown(v->text, b, sizeof b));
		else if (rc == -2)
			add_error(m, line, fd->key, "ambiguous_unit", "多个单位名为“%s”，请用编号 / several units are named \"%s\": give the id",
			          shown(v->text, b, sizeof b), shown(v->text, b, sizeof b));
		return rc < 0 ? -1 : 0;
	case F_USER:
		rc = find_user(m, v->text, &v->i);
		if (rc == -1)
			add_error(m, line, fd->key, "unknown_user",
			          "未知的人员“%s” / unknown person \"%s\" (the id, username or name of a leader or recruiter)",
			          shown(v->text, b, sizeof b), shown(v->text, b, sizeof b));
		else if (rc == -2)
			add_error(m, line, fd->key, "ambiguous_user", "多人名为“%s”，请用用户名 / several people are named \"%s\": give the username",
			          shown(v->text, b, sizeof b), shown(v->text, b, sizeof b));
		return rc < 0 ? -1 : 0;
	}
	return 0;
}

/* The unit of a leader or recruiter, 0 when unknown. */
static int64_t unit_of_user(const struct imp *m, int64_t id)
{
	for (size_t i = 0; i < m->nusers; i++)
		if (m->users[i].id == id)
			return m->users[i].unit_id;
	return 0;
}

static const char *text_or(const struct cellv *v, const char *dflt)
{
	return v->present ? v->text : dflt;
}

static const char *date_or(const struct cellv *v)
{
	return v->present ? v->date : NULL;
}

/* Insert one row through race_util.h.  0 ok, -1 refused (err filled). */
static int insert_row(struct imp *m, struct cellv *c, int *duplicate, err_t *err)
{
	int64_t id = 0;
	*duplicate = 0;
	/* no unit given: the unit of the person named in the row */
	if (m->kind == K_LEADS && !c[L_UNIT].present && c[L_RECRUITER].present
	    && (c[L_UNIT].i = unit_of_user(m, c[L_RECRUITER].i)) != 0)
		c[L_UNIT].present = 1;
	if (m->kind == K_PROJECTS && !c[P_UNIT].present && c[P_RECRUITER].present
	    && (c[P_UNIT].i = unit_of_user(m, c[P_RECRUITER].i)) != 0)
		c[P_UNIT].present = 1;
	if (m->kind == K_LEADS) {
		struct lead_in in = {
			.unit_id = c[L_UNIT].present ? c[L_UNIT].i : 0,
			.recruiter_id = c[L_RECRUITER].present ? c[L_RECRUITER].i : 0,
			.company = text_or(&c[L_COMPANY], ""),
			.credit_code = text_or(&c[L_CODE], ""),
			.industry = text_or(&c[L_INDUSTRY], ""),
			.captured_on = date_or(&c[L_CAPTURED]),
			.notes = text_or(&c[L_NOTES], ""),
			.est_investment_wan = c[L_EST].present ? c[L_EST].i : 0,
			.qualified = c[L_QUALIFIED].present ? (int)c[L_QUALIFIED].i : -1,
		};
		int64_t dup_of = 0, dup_unit = 0;
		if (lead_insert(m->db, m->actor, &in, &id, &dup_of, &dup_unit, err) < 0)
			return -1;
		*duplicate = dup_of != 0;
		return 0;
	}
	if (m->kind == K_PROJECTS) {
		struct project_in in = {
			.name = text_or(&c[P_NAME], ""),
			.industry = text_or(&c[P_INDUSTRY], ""),
			.signed_on = date_or(&c[P_SIGNED]),
			.landed_on = date_or(&c[P_LANDED]),
			.started_on = date_or(&c[P_STARTED]),
			.producing_on = date_or(&c[P_PRODUCING]),
			.unit_id = c[P_UNIT].present ? c[P_UNIT].i : 0,
			.lead_id = c[P_LEAD].present ? c[P_LEAD].i : 0,
			.recruiter_id = c[P_RECRUITER].present ? c[P_RECRUITER].i : 0,
			.total_investment_wan = c[P_TOTAL].present ? c[P_TOTAL].i : 0,
			.foreign_investment_wan_usd = c[P_FOREIGN].present ? c[P_FOREIGN].i : 0,
			.expected_annual_tax_wan = c[P_TAX].present ? c[P_TAX].i : 0,
			.land_mu = c[P_LAND].present ? c[P_LAND].d : 0,
			.negotiating = 0,
		};
		return project_insert(m->db, m->actor, &in, &id, err);
	}
	struct trip_in in = {
		.user_id = c[T_USER].present ? c[T_USER].i : 0,
		.start_on = date_or(&c[T_START]),
		.end_on = date_or(&c[T_END]),
		.destination = text_or(&c[T_DEST], ""),
		.companies = text_or(&c[T_COMPANIES], ""),
		.visits = c[T_VISITS].present ? c[T_VISITS].i : 0,
	};
	return trip_insert(m->db, m->actor, &in, &id, err);
}

static int on_row(void *ud, int64_t line, int n, char **cells)
{
	struct imp *m = ud;
	int empty = 1;
	for (int i = 0; i < n && empty; i++)
		empty = text_is_blank(cells[i]);
	if (empty)
		return 0;
	if (!m->have_header)
		return on_header(m, line, n, cells);
	if (m->rows >= IMP_MAX_ROWS)
		return set_fatal(m, line, "too_many_rows", "超过%d行 / more than %d rows", IMP_MAX_ROWS, IMP_MAX_ROWS);
	m->rows++;
	char b[128];
	int bad = 0;
	for (int i = m->ncols; i < n; i++)
		if (!text_is_blank(cells[i])) {
			add_error(m, line, "row", "extra_cells", "表头之外还有内容“%s” / a cell beyond the header's columns: \"%s\"",
			          shown(cells[i], b, sizeof b), shown(cells[i], b, sizeof b));
			bad = 1;
			break;
		}
	struct cellv c[16];
	memset(c, 0, sizeof c);
	for (int f = 0; f < m->nfields; f++) {
		int col = m->col[f];
		const char *cell = col >= 0 && col < n ? cells[col] : NULL;
		if (parse_cell(m, line, f, cell, &c[f]) < 0)
			bad = 1;
	}
	if (!bad) {
		err_t err;
		memset(&err, 0, sizeof err);
		int dup = 0;
		int rc = db_exec(m->db, "SAVEPOINT race_import_row");
		if (rc != DB_OK) {
			m->dbfail = 1;
			err_set(&m->dberr, 500, "db_error", NULL, "%s", db_errmsg(m->db));
		} else if (insert_row(m, c, &dup, &err) < 0) {
			if (err.status >= 500) {
				m->dbfail = 1;
				m->dberr = err;
			} else {
				add_error(m, line, err.field ? err.field : "row", err.code ? err.code : "invalid", "%s", err.message);
				if (db_exec(m->db, "ROLLBACK TO SAVEPOINT race_import_row") != DB_OK
				    || db_exec(m->db, "RELEASE SAVEPOINT race_import_row") != DB_OK) {
					m->dbfail = 1;
					err_set(&m->dberr, 500, "db_error", NULL, "%s", db_errmsg(m->db));
				}
			}
		} else {
			m->created++;
			m->duplicates += dup;
			if (db_exec(m->db, "RELEASE SAVEPOINT race_import_row") != DB_OK) {
				m->dbfail = 1;
				err_set(&m->dberr, 500, "db_error", NULL, "%s", db_errmsg(m->db));
			}
		}
	}
	for (int f = 0; f < m->nfields; f++)
		free(c[f].text);
	return m->dbfail ? 1 : 0;
}

/* ---- the import ---- */

/* The outcome of one import. */
struct imp_result {
	int status;             /* 0 written (or checked: dry run), 1 file error, 2 row errors, 3 database error */
	err_t dberr;
	err_t ferr;
	json_t *errors;         /* row errors (status 2) */
	int64_t nerrors;
	json_t *summary;        /* status 0 */
};

/* Parse, check and (unless dry) write.  Must run inside a transaction. */
static void run_import(db_t *db, const user_t *actor, enum kind kind, const char *data, size_t len,
                       const char *format, int dry,
                       void (*on_error)(void *, int64_t, const char *, const char *, const char *), void *ud,
                       struct imp_result *res)
{
	struct imp mm, *m = &mm;
	memset(m, 0, sizeof *m);
	memset(res, 0, sizeof *res);
	m->db = db;
	m->actor = actor;
	m->kind = kind;
	m->fields = fields_of(kind, &m->nfields);
	m->errors = json_array();
	m->on_error = on_error;
	m->ud = ud;
	int is_zip = len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
	m->is_xlsx = format ? strcmp(format, "xlsx") == 0 : is_zip;
	int in_savepoint = 0;

	int rc = load_refs(m);
	if (rc == DB_OK) {
		rc = db_exec(db, "SAVEPOINT race_import");
		in_savepoint = rc == DB_OK;
	}
	if (rc != DB_OK) {
		res->status = 3;
		err_set(&res->dberr, 500, "db_error", NULL, "%s", db_errmsg(db));
		goto out;
	}
	if (len == 0) {
		set_fatal(m, 0, "empty_file", "文件是空的 / the file is empty");
	} else if (m->is_xlsx) {
		if (xlsx_read(data, len, NULL, on_row, m, &m->date1904, &m->ferr) < 0)
			m->fatal = 1;
	} else if (is_zip) {
		set_fatal(m, 0, "bad_format", "文件是ZIP压缩包（XLSX？）而不是CSV / the file is a ZIP archive (XLSX?), not CSV");
	} else {
		char *text;
		size_t tlen;
		const char *enc;
		if (table_decode_text(data, len, &text, &tlen, &enc, &m->ferr) < 0)
			m->fatal = 1;
		else {
			if (csv_read(text, tlen, csv_guess_delim(text, tlen), on_row, m, &m->ferr) < 0)
				m->fatal = 1;
			free(text);
		}
	}
	if (m->dbfail) {
		res->status = 3;
		res->dberr = m->dberr;
		goto out;
	}
	if (!m->fatal && !m->have_header)
		set_fatal(m, 0, "empty_file", "文件没有表头行 / the file has no header row");
	if (!m->fatal && m->rows == 0)
		set_fatal(m, 0, "empty_file", "文件没有数据行 / the file has no data rows");
	if (m->fatal) {
		res->status = 1;
		res->ferr = m->ferr;
		goto out;
	}
	if (m->nerrors) {
		res->status = 2;
		res->errors = m->errors;
		m->errors = NULL;
		res->nerrors = m->nerrors;
		goto out;
	}
	res->summary = json_pack("{ss sb sI sI sI}", "kind", kind_names[kind], "dry_run", dry, "rows", (json_int_t)m->rows,
	                         "created", (json_int_t)m->created, "duplicates", (json_int_t)m->duplicates);
	if (!dry) {
		if (db_exec(db, "RELEASE SAVEPOINT race_import") != DB_OK) {
			json_decref(res->summary);
			res->summary = NULL;
			res->status = 3;
			err_set(&res->dberr, 500, "db_error", NULL, "%s", db_errmsg(db));
		}
		in_savepoint = 0;
	}
out:
	/* anything else: nothing of the file stays */
	if (in_savepoint && res->status != 3) {
		if (db_exec(db, "ROLLBACK TO SAVEPOINT race_import") != DB_OK
		    || db_exec(db, "RELEASE SAVEPOINT race_import") != DB_OK) {
			json_decref(res->summary);
			res->summary = NULL;
			res->status = 3;
			err_set(&res->dberr, 500, "db_error", NULL, "%s", db_errmsg(db));
		}
	}
	json_decref(m->errors);
	free_refs(m);
}

static int parse_kind(const char *s, enum kind *k)
{
	for (int i = 0; i < 3; i++)
		if (s && strcmp(s, kind_names[i]) == 0) {
			*k = (enum kind)i;
			return 0;
		}
	return -1;
}

/* ---- HTTP ---- */

void api_race_import(req_t *r)
{
	enum kind kind;
	const char *ks = req_query(r, "kind");
	if (parse_kind(ks, &kind) < 0) {
		reply_error(r, 422, "invalid_parameter", "kind", "kind is leads, projects or trips");
		return;
	}
	const char *format = req_query(r, "format");
	int64_t dry;
	if (req_query_bool(r, "dry_run", &dry) < 0)
		return;
	if (format && *format == '\0')
		format = NULL;
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0) {
		reply_error(r, 422, "invalid_parameter", "format", "format is csv or xlsx");
		return;
	}
	if (r->body_len == 0) {
		reply_error(r, 422, "empty_file", "file", "the request body (the file) is empty");
		return;
	}
	struct imp_result res;
	run_import(r->db, r->user, kind, r->body, r->body_len, format, dry == 1, NULL, NULL, &res);
	if (res.status == 3) {
		reply_db_error(r, DB_ERR, arena_printf(r->arena, "importing %s: %s", kind_names[kind], res.dberr.message));
		return;
	}
	if (res.status == 1) {
		reply_error(r, 422, res.ferr.code ? res.ferr.code : "bad_file", "file", "%s", res.ferr.message);
		json_t *e = json_object_get(r->out, "error");
		if (res.ferr.line)
			json_object_set_new(e, "line", json_integer(res.ferr.line));
		json_object_set_new(r->out, "errors",
		                    json_pack("[{s:o s:s s:s s:s}]", "line", res.ferr.line ? json_integer(res.ferr.line) : json_null(),
		                              "field", "file", "code", res.ferr.code ? res.ferr.code : "bad_file",
		                              "message", res.ferr.message));
		return;
	}
	if (res.status == 2) {
		json_t *first = json_array_get(res.errors, 0);
		reply_error(r, 422, "invalid_rows", json_string_value(json_object_get(first, "field")),
		            "%lld行有错误，未写入任何数据；第一处：第%lld行 / %lld row error%s, nothing was written; the first: line %lld: %s",
		            (long long)res.nerrors, (long long)json_integer_value(json_object_get(first, "line")),
		            (long long)res.nerrors, res.nerrors > 1 ? "s" : "",
		            (long long)json_integer_value(json_object_get(first, "line")),
		            json_string_value(json_object_get(first, "message")));
		json_object_set_new(json_object_get(r->out, "error"), "line", json_incref(json_object_get(first, "line")));
		json_object_set_new(r->out, "error_count", json_integer(res.nerrors));
		json_object_set_new(r->out, "errors", res.errors);
		return;
	}
	r->audit_entity = kind_names[kind];
	r->audit_action = arena_printf(r->arena, "import %s", kind_names[kind]);
	char *detail = json_dumps(res.summary, JSON_COMPACT);
	r->audit_detail = arena_strdup(r->arena, detail);
	free(detail);
	reply_json(r, 200, res.summary);
}

/* ---- CLI ---- */

static void cli_error(void *ud, int64_t line, const char *field, const char *code, const char *message)
{
	(void)code;
	fprintf(stderr, "%s: line %lld: %s: %s\n", (const char *)ud, (long long)line, field, message);
}


int cli_import_race(int argc, char **argv, db_t *db)
{
	static const char usage[] = "usage: zoneops import leads|projects|trips FILE [--dry-run] [--format csv|xlsx]\n";
	enum kind kind;
	if (argc < 1 || parse_kind(argv[0], &kind) < 0) {
		fputs(usage, stderr);
		return 2;
	}
	const char *file = NULL, *format = NULL;
	int dry = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--dry-run") == 0)
			dry = 1;
		else if (strcmp(a, "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(a, "--format=", 9) == 0)
			format = a + 9;
		else if ((a[0] == '-' && a[1] != '\0') || file != NULL) {
			fputs(usage, stderr);
			return 2;
		} else
			file = a;
	}
	if (file == NULL) {
		fputs(usage, stderr);
		return 2;
	}
	size_t len = 0;
	char *data = NULL;
	int lrc = table_file_load(file, &format, &data, &len);
	if (lrc != 0)
		return lrc;
	int rc = db_begin(db);
	if (rc != DB_OK) {
		fprintf(stderr, "zoneops: %s\n", db_errmsg(db));
		free(data);
		return 1;
	}
	struct imp_result res;
	run_import(db, NULL, kind, data, len, format, dry, cli_error, (void *)file, &res);
	free(data);
	int out = 1;
	if (res.status == 1) {
		if (res.ferr.line)
			fprintf(stderr, "%s: line %lld: file: %s\n", file, (long long)res.ferr.line, res.ferr.message);
		else
			fprintf(stderr, "%s: file: %s\n", file, res.ferr.message);
	} else if (res.status == 2) {
		fprintf(stderr, "zoneops: %lld row error%s; nothing was written\n", (long long)res.nerrors,
		        res.nerrors > 1 ? "s" : "");
	} else if (res.status == 3) {
		fprintf(stderr, "zoneops: database error: %s\n", res.dberr.message);
	} else {
		char *detail = json_dumps(res.summary, JSON_COMPACT);
		char action[64];
		snprintf(action, sizeof action, "cli import %s", kind_names[kind]);
		rc = DB_OK;
		if (!dry)
			rc = audit_write(db, NULL, "cli", action, kind_names[kind], NULL, 200, detail);
		if (rc == DB_OK && !dry)
			rc = db_commit(db);
		if (rc != DB_OK)
			fprintf(stderr, "zoneops: saving failed: %s\n", db_errmsg(db));
		else {
			json_t *s = res.summary;
			long long rows = (long long)json_integer_value(json_object_get(s, "rows"));
			long long created = (long long)json_integer_value(json_object_get(s, "created"));
			long long dups = (long long)json_integer_value(json_object_get(s, "duplicates"));
			printf("%s%lld row%s: %s %lld %s", dry ? "dry run: " : "", rows, rows == 1 ? "" : "s",
			       dry ? "would create" : "created", created, kind_names[kind]);
			if (kind == K_LEADS)
				printf(", %lld flagged duplicate", dups);
			printf("%s\n", dry ? "; nothing written" : "");
			out = 0;
		}
		free(detail);
	}
	if (db_in_tx(db))
		db_rollback(db);
	json_decref(res.summary);
	json_decref(res.errors);
	return out;
}
