/* admin.c -- settings, reference lists, health, overview summary. */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct setting_def setting_defs[] = {
	{ "zone_name", "经济技术开发区", "the zone's name in Chinese (shown in the UI and reports)" },
	{ "zone_name_en", "Economic & Technological Development Zone", "the zone's name in English" },
	{ "city_name", "", "the city the zone belongs to (for city-wide ranks)" },
	{ "zone.name", "", "the zone's region name in the indicator statistics (default: the region marked as the zone)" },
	{ "report.top_ranks", "3", "ranks up to this one are named in the monthly report paragraph (1-99)" },
	{ "push_monthly_cap", "2", "policy pushes an enterprise gets at most per calendar month (0-99)" },
	{ "accept_days", "1", "working days to accept a submitted request before it is overdue for acceptance (1-99)" },
	{ "service_center_department", "", "the id of the service center's department, whose users convene joint meetings (empty: the department named 企业发展服务中心)" },
	{ "notify.base_url", "http://127.0.0.1:8080", "the address of zoneops that links in notices point to" },
	{ "notify.allowed_hosts", "qyapi.weixin.qq.com,oapi.dingtalk.com", "hosts notices may be sent to, comma-separated (the SMTP server of smtp.url is always allowed)" },
	{ "notify.max_attempts", "8", "attempts to deliver a notice before it is given up as dead (1-99)" },
	{ "notify.retry_base", "30", "seconds before the first retry of a notice; each retry waits twice as long, at most an hour (1-3600)" },
	{ "notify.digest_time", "08:30", "when the daily digest is sent on working days (HH:MM, zone time)" },
	{ "smtp.url", "", "the SMTP server for e-mail notices: smtp://host:587 (STARTTLS) or smtps://host:465" },
	{ "smtp.from", "", "the sender address of e-mail notices" },
	{ "smtp.user", "", "the SMTP user name (empty: no login)" },
	{ "smtp.password", "", "the SMTP password (stored, never shown)" },
	{ NULL, NULL, NULL },
};

static const struct setting_def *find_def(const char *key)
{
	for (int i = 0; setting_defs[i].key; i++)
		if (strcmp(setting_defs[i].key, key) == 0)
			return &setting_defs[i];
	return NULL;
}

char *setting_get(db_t *db, const char *key)
{
	const struct setting_def *d = find_def(key);
	if (d == NULL)
		return NULL;
	db_stmt_t *st = db_prepare(db, "SELECT value FROM settings WHERE key = $1");
	db_bind_text(st, 1, key);
	char *v = db_step(st) == DB_ROW ? strdup(db_col_text(st, 0)) : NULL;
	db_done(st);
	if (v == NULL && strcmp(key, "zone.name") == 0) {
		/* default: the name of the region marked as the zone */
		st = db_prepare(db, "SELECT name FROM regions WHERE is_zone = 1 ORDER BY sort, id LIMIT 1");
		if (st && db_step(st) == DB_ROW)
			v = strdup(db_col_text(st, 0));
		db_done(st);
	}
	return v ? v : strdup(d->dflt);
}

int setting_is_secret(const char *key)
{
	return key && strcmp(key, "smtp.password") == 0;
}

/* The settings that are whole numbers, with their ranges. */
static const struct {
	const char *key;
	int lo, hi;
	const char *msg;
} whole_settings[] = {
	{ "report.top_ranks", 1, 99, "the value must be a whole number from 1 to 99" },
	{ "push_monthly_cap", 0, 99, "the value must be a whole number from 0 to 99" },
	{ "accept_days", 1, 99, "the value must be a whole number from 1 to 99" },
	{ "notify.max_attempts", 1, 99, "the value must be a whole number of attempts from 1 to 99" },
	{ "notify.retry_base", 1, 3600, "the value must be a whole number of seconds from 1 to 3600" },
};

/* Is v a whole number lo..hi written with at most as many digits as hi? */
static int whole_in(const char *v, int lo, int hi)
{
	size_t n = strlen(v), digits = 1;
	for (int h = hi; h >= 10; h /= 10)
		digits++;
	if (n < 1 || n > digits || strspn(v, "0123456789") != n)
		return 0;
	int x = atoi(v);
	return x >= lo && x <= hi;
}

/* A host name or an IP address (v4 or v6) of n bytes at s. */
static int host_ok(const char *s, size_t n)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:";
	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strchr(chars, s[i]) == NULL)
			return 0;
	return 1;
}

/* ":port" (1-5 digits) or nothing, of n bytes at s. */
static int port_ok(const char *s, size_t n)
{
	return n == 0 || (s[0] == ':' && n >= 2 && n <= 6 && strspn(s + 1, "0123456789") >= n - 1);
}

/* scheme://host[:port][/path] with one of the schemes given (NULL-ended);
 * an IPv6 host in brackets. */
static int url_ok(const char *v, const char *const *schemes)
{
	for (int i = 0; schemes[i]; i++) {
		size_t sl = strlen(schemes[i]);
		if (strncmp(v, schemes[i], sl) != 0)
			continue;
		const char *h = v + sl;
		size_t hn = strcspn(h, "/?#"), host;
		if (strchr(v, ' ') != NULL)
			return 0;
		if (h[0] == '[') {
			const char *close = memchr(h, ']', hn);
			if (close == NULL)
				return 0;
			host = (size_t)(close - h) + 1;
			if (host < 4 || strspn(h + 1, "0123456789abcdefABCDEF:.") != host - 2)
				return 0;
		} else {
			const char *colon = memchr(h, ':', hn);
			host = colon ? (size_t)(colon - h) : hn;
			if (!host_ok(h, host))
				return 0;
		}
		return port_ok(h + host, hn - host);
	}
	return 0;
}

/* A comma list of hosts (spaces around them allowed); empty: none. */
static int hosts_ok(const char *v)
{
	if (v[strspn(v, " ")] == '\0')
		return 1;
	for (const char *p = v;; p++) {
		p += strspn(p, " ");
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m > 0 && p[m - 1] == ' ')
			m--;
		if (!host_ok(p, m))
			return 0;
		p += n;
		if (*p == '\0')
			return 1;
	}
}

/* local@domain, nothing around it. */
static int address_ok(const char *v)
{
	const char *at = strchr(v, '@');
	if (at == NULL || at == v || strchr(at + 1, '@') || strpbrk(v, " <>()[]\\,;:\"") != NULL)
		return 0;
	return host_ok(at + 1, strlen(at + 1));
}

/* What is wrong with value for key -- a sentence that says what to write
 * instead -- or NULL when it is fine. */
static const char *setting_check(const char *key, const char *value)
{
	static const char *const http[] = { "http://", "https://", NULL };
	static const char *const smtp[] = { "smtp://", "smtps://", NULL };
	for (size_t i = 0; i < sizeof whole_settings / sizeof whole_settings[0]; i++)
		if (strcmp(key, whole_settings[i].key) == 0)
			return whole_in(value, whole_settings[i].lo, whole_settings[i].hi) ? NULL : whole_settings[i].msg;
	if (strcmp(key, "service_center_department") == 0 && (strlen(value) > 18 || strspn(value, "0123456789") != strlen(value)))
		return "the value must be a department's id, or empty";
	if (strcmp(key, "notify.digest_time") == 0 &&
	    !(strlen(value) == 5 && value[2] == ':' && whole_in((char[]){ value[0], value[1], 0 }, 0, 23) &&
	      whole_in((char[]){ value[3], value[4], 0 }, 0, 59)))
		return "the value must be a time of day as HH:MM (00:00 to 23:59), e.g. 08:30";
	if (strcmp(key, "notify.base_url") == 0 && !url_ok(value, http))
		return "the value must be an http:// or https:// address, e.g. https://zoneops.example.cn";
	if (strcmp(key, "smtp.url") == 0 && value[0] && !url_ok(value, smtp))
		return "the value must be smtp://host:587 (STARTTLS) or smtps://host:465, or empty";
	if (strcmp(key, "notify.allowed_hosts") == 0 && !hosts_ok(value))
		return "the value must be host names or IP addresses separated by commas, e.g. qyapi.weixin.qq.com,oapi.dingtalk.com";
	if (strcmp(key, "smtp.from") == 0 && value[0] && !address_ok(value))
		return "the value must be an e-mail address such as zoneops@example.cn, or empty";
	return NULL;
}

int setting_set(db_t *db, const char *key, const char *value, const char **msg)
{
	if (find_def(key) == NULL) {
		*msg = "unknown setting";
		return -1;
	}
	if (value == NULL || utf8_len(value) > 200 || !utf8_valid(value, strlen(value)) || has_ctl(value)) {
		*msg = "the value must be text of at most 200 characters";
		return -1;
	}
	if ((*msg = setting_check(key, value)) != NULL)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	db_bind_int(st, 3, now_sec());
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE) {
		*msg = "database error";
		return rc;  /* a DB_ code, < -1 for constraint/busy */
	}
	return 0;
}

void clock_json(json_t *o)
{
	char today[DATE_LEN], now[DATETIME_LEN];
	date_today_str(today);
	datetime_format(now_sec(), now);
	json_object_set_new(o, "today", json_string(today));
	json_object_set_new(o, "now", json_string(now));
}

void api_healthz(req_t *r)
{
	db_stmt_t *st = db_prepare(r->db, "SELECT 1");
	int ok = db_step(st) == DB_ROW;
	db_done(st);
	if (!ok) {
		reply_error(r, 503, "database_unavailable", NULL, "the database does not answer");
		return;
	}
	json_t *o = json_pack("{s:s,s:s}", "status", "ok", "store", db_kind(r->db) == DB_SQLITE ? "sqlite" : "postgresql");
	clock_json(o);
	reply_json(r, 200, o);
}

void api_settings_get(req_t *r)
{
	json_t *o = json_object();
	int admin = r->user && (r->user->role_bit & ROLE_ADMIN);
	for (int i = 0; setting_defs[i].key; i++) {
		const char *k = setting_defs[i].key;
		if (!admin && strncmp(k, "smtp.", 5) == 0)
			continue;   /* the mail server's address and login: admins only (the answer is public) */
		char *v = setting_get(r->db, k);
		if (setting_is_secret(k)) {
			/* never shown: "" and whether one is set */
			char set[64];
			snprintf(set, sizeof set, "%s_set", k);
			json_object_set_new(o, set, json_boolean(v && v[0]));
			json_object_set_new(o, k, json_string(""));
		} else {
			json_object_set_new(o, k, json_string(v ? v : ""));
		}
		free(v);
	}
	clock_json(o);   /* the pages before a login learn the server's clock here */
	reply_json(r, 200, o);
}

void api_settings_patch(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		if (find_def(k) == NULL) {
			reply_error(r, 422, "unknown_field", k, "unknown setting '%s'", k);
			return;
		}
		if (!json_is_string(v)) {
			reply_error(r, 422, "invalid_type", k, "%s must be a string", k);
			return;
		}
		const char *msg;
		int rc = setting_set(r->db, k, json_string_value(v), &msg);
		if (rc == -1 && strcmp(msg, "database error") != 0) {
			reply_error(r, 422, "invalid", k, "%s: %s", k, msg);
			return;
		}
		if (rc < 0) {
			reply_db_error(r, rc, "saving the setting");
			return;
		}
	}
	r->audit_entity = "settings";
	/* a secret's value never goes into the audit log */
	json_t *shown = json_copy(o);
	json_object_foreach(o, k, v)
		if (setting_is_secret(k))
			json_object_set_new(shown, k, json_string("(hidden)"));
	char *d = shown ? json_dumps(shown, JSON_COMPACT) : NULL;
	json_decref(shown);
	r->audit_detail = arena_strdup(r->arena, d ? d : "");
	free(d);
	api_settings_get(r);
}

static void simple_list(req_t *r, const char *sql, const char *types)
{
	db_stmt_t *st = db_prepare(r->db, sql);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, row_json(st, types));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing");
		return;
	}
	size_t n = json_array_size(items);
	reply_list(r, items, (int64_t)n, (int64_t)n, 0);
}

void api_units(req_t *r)
{
	simple_list(r, "SELECT id, code, name, name_en, kind FROM units ORDER BY sort, id", "issss");
}

/* {id, name, name_en} of the columns i, i+1, i+2 of st, or null when the
 * id is NULL. */
static json_t *ref_json(db_stmt_t *st, int i)
{
	if (db_col_isnull(st, i))
		return json_null();
	return json_pack("{s:I,s:s,s:s}", "id", (json_int_t)db_col_int(st, i), "name", db_col_text(st, i + 1),
	                 "name_en", db_col_text(st, i + 2));
}

/* A street with its enterprises counted and its office (街道办事处: the
 * first department whose street_id it is), or a department with its street. */
#define STREET_SELECT \
	"SELECT s.id, s.name, s.name_en, (SELECT count(*) FROM enterprises e WHERE e.street_id = s.id) AS enterprise_count," \
	" o.id, o.name, o.name_en FROM streets s" \
	" LEFT JOIN departments o ON o.id = (SELECT min(d.id) FROM departments d WHERE d.street_id = s.id)"
#define DEPT_SELECT \
	"SELECT d.id, d.name, d.name_en, d.level, d.land_bureau, d.street_id, s.id, s.name, s.name_en" \
	" FROM departments d LEFT JOIN streets s ON s.id = d.street_id"

static json_t *street_json(db_stmt_t *st)
{
	json_t *o = row_json(st, "issi");
	json_object_set_new(o, "office", ref_json(st, 4));
	return o;
}

static json_t *dept_json(db_stmt_t *st)
{
	json_t *o = row_json(st, "isssbi");
	json_object_set_new(o, "street", ref_json(st, 6));
	return o;
}

/* Every row of sql (bound to id when id > 0) through fn: the list
 * envelope, or with one 200/201 the row (404 when there is none). */
static void reply_rows(req_t *r, const char *sql, int64_t id, json_t *(*fn)(db_stmt_t *), int status)
{
	db_stmt_t *st = db_prepare(r->db, sql);
	if (id > 0)
		db_bind_int(st, 1, id);
	json_t *items = json_array();
	int rc;
	while ((rc = st ? db_step(st) : DB_ERR) == DB_ROW)
		json_array_append_new(items, fn(st));
	db_done(st);
	size_t n = json_array_size(items);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing");
	} else if (status == 200 && id == 0) {
		reply_list(r, items, (int64_t)n, (int64_t)n, 0);
	} else if (n == 0) {
		json_decref(items);
		reply_error(r, 404, "not_found", "id", "no such record");
	} else {
		reply_json(r, status, json_incref(json_array_get(items, 0)));
		json_decref(items);
	}
}

void api_streets(req_t *r)
{
	reply_rows(r, STREET_SELECT " ORDER BY s.id", 0, street_json, 200);
}

void api_departments(req_t *r)
{
	reply_rows(r, DEPT_SELECT " ORDER BY d.id", 0, dept_json, 200);
}

/* Read {name, name_en[, level, street_id]} of a street or department (the
 * types; ref_check validates the values): fields are the ones allowed. */
static const char *const STREET_FIELDS[] = { "name", "name_en", "level", NULL };
static const char *const DEPT_FIELDS[] = { "name", "name_en", "level", "street_id", NULL };
static int ref_input(req_t *r, const char *const *fields, const char **name, const char **name_en)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return -1;
	if (body_unknown_field(r, o, fields))
		return -1;
	*name = NULL;
	*name_en = "";
	if (body_str(r, o, "name", name) < 0 || body_str(r, o, "name_en", name_en) < 0)
		return -1;
	return 0;
}

/* A street's or department's name: required, at most 64 characters (the
 * English one 128).  0, or -1 with err. */
static int ref_check(const char *name, const char *name_en, err_t *err)
{
	if (name == NULL || *name == '\0')
		return err_set(err, 422, "required", "name", "name is required");
	if (utf8_len(name) > 64 || utf8_len(name_en ? name_en : "") > 128)
		return err_set(err, 422, "too_long", utf8_len(name) > 64 ? "name" : "name_en", "the name is too long");
	return 0;
}

/* Step an INSERT ... RETURNING id: 0 with *id, or -1 with err (409 for a
 * name that exists). */
static int insert_id(db_t *db, db_stmt_t *st, int64_t *id, const char *what, err_t *err)
{
	int rc = st ? db_step(st) : DB_ERR;
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_done(st);
	return rc == DB_ROW ? 0 : db_fail(err, db, rc, what);
}

int street_create(db_t *db, const char *name, const char *name_en, int64_t *id, err_t *err)
{
	if (ref_check(name, name_en, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db, "INSERT INTO streets (name, name_en) VALUES ($1, $2) RETURNING id");
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, name_en ? name_en : "");
	return insert_id(db, st, id, "a street with this name", err);
}

int street_known(db_t *db, int64_t street_id, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT count(*) FROM streets WHERE id = $1");
	if (st)
		db_bind_int(st, 1, street_id);
	int rc = st ? db_step(st) : DB_ERR;
	int64_t n = rc == DB_ROW ? db_col_int(st, 0) : -1;
	db_done(st);
	if (n < 0)
		return db_fail(err, db, rc == DB_ROW ? DB_ERR : rc, "reading the streets");
	if (n == 0) {
		err_set(err, 422, "unknown_street", "street_id", "no such street: %lld", (long long)street_id);
		return err_param(err, "street_id", "%lld", (long long)street_id);
	}
	return 0;
}

int department_create(db_t *db, const char *name, const char *name_en, const char *level, int64_t *id,
                      err_t *err)
{
	return department_create_in(db, name, name_en, level, 0, id, err);
}

int department_create_in(db_t *db, const char *name, const char *name_en, const char *level, int64_t street_id,
                         int64_t *id, err_t *err)
{
	if (ref_check(name, name_en, err) < 0)
		return -1;
	if (level == NULL)
		level = "district";
	if (strcmp(level, "district") != 0 && strcmp(level, "city") != 0 && strcmp(level, "province") != 0)
		return err_set(err, 422, "invalid", "level", "level must be district, city or province");
	if (street_id > 0 && street_known(db, street_id, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db, "INSERT INTO departments (name, name_en, level, street_id) VALUES ($1, $2, $3, $4)"
	                               " RETURNING id");
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, name_en ? name_en : "");
	db_bind_text(st, 3, level);
	if (street_id > 0)
		db_bind_int(st, 4, street_id);
	else
		db_bind_null(st, 4);
	return insert_id(db, st, id, "a department with this name", err);
}

int department_set_street(db_t *db, int64_t id, int64_t street_id, err_t *err)
{
	if (street_id > 0 && street_known(db, street_id, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db, "UPDATE departments SET street_id = $2 WHERE id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the department");
	db_bind_int(st, 1, id);
	if (street_id > 0)
		db_bind_int(st, 2, street_id);
	else
		db_bind_null(st, 2);
	int rc = db_step(st);
	int64_t n = rc == DB_DONE ? db_changes(st) : 0;
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "saving the department");
	if (n == 0)
		return err_set(err, 404, "not_found", "id", "no such department");
	return 0;
}

/* Reply 201 with the new row of a reference list (sql selects it by $1). */
static void reply_created(req_t *r, const char *sql, int64_t id, const char *types, const char *entity)
{
	db_stmt_t *st = db_prepare(r->db, sql);
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	json_t *o = rc == DB_ROW ? row_json(st, types) : NULL;
	db_done(st);
	if (o == NULL) {
		reply_db_error(r, rc == DB_DONE ? DB_ERR : rc, "reading the new record");
		return;
	}
	r->audit_entity = entity;
	reply_json(r, 201, o);
}

void api_streets_create(req_t *r)
{
	const char *name, *name_en;
	if (ref_input(r, STREET_FIELDS, &name, &name_en) < 0)
		return;
	int64_t id = 0;
	err_t err;
	if (street_create(r->db, name, name_en, &id, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	reply_created(r, "SELECT id, name, name_en FROM streets WHERE id = $1", id, "iss", "street");
}

/* A department body's street_id: 1 given (*street_id; 0 for null, no
 * street), 0 absent, -1 after replying 422. */
static int body_street(req_t *r, json_t *o, int64_t *street_id)
{
	json_t *v = json_object_get(o, "street_id");
	*street_id = 0;
	if (v == NULL)
		return 0;
	if (json_is_null(v))
		return 1;
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		reply_error(r, 422, "invalid_type", "street_id", "street_id must be a street's id or null");
		return -1;
	}
	*street_id = (int64_t)json_integer_value(v);
	return 1;
}

void api_departments_create(req_t *r)
{
	const char *name, *name_en, *level = "district";
	int64_t street_id;
	if (ref_input(r, DEPT_FIELDS, &name, &name_en) < 0 || body_str(r, r->json, "level", &level) < 0 ||
	    body_street(r, r->json, &street_id) < 0)
		return;
	int64_t id = 0;
	err_t err;
	if (department_create_in(r->db, name, name_en, level, street_id, &id, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	r->audit_entity = "department";
	reply_rows(r, DEPT_SELECT " WHERE d.id = $1", id, dept_json, 201);
}

/* PATCH /api/v1/departments/{id} {"street_id": id | null}: make the
 * department a street's office (街道办事处), or no longer. */
void api_department_update(req_t *r)
{
	int64_t id = req_param_id(r, 0), street_id;
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "street_id", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	int given = body_street(r, o, &street_id);
	if (given < 0)
		return;
	err_t err;
	if (id == 0) {
		reply_error(r, 404, "not_found", "id", "no such department");
		return;
	}
	if (given && department_set_street(r->db, id, street_id, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	r->audit_entity = "department";
	r->audit_detail = arena_printf(r->arena, "{\"street_id\":%lld}", (long long)street_id);
	reply_rows(r, DEPT_SELECT " WHERE d.id = $1", id, dept_json, 200);
}

void api_regions(req_t *r)
{
	simple_list(r, "SELECT id, name, name_en, is_zone, sort FROM regions ORDER BY sort, id", "issbi");
}

int region_create(db_t *db, const char *name, const char *name_en, int is_zone, int64_t sort, int64_t *id,
                  err_t *err)
{
	if (name == NULL || *name == '\0' || utf8_len(name) > 64)
		return err_set(err, 422, name == NULL || *name == '\0' ? "required" : "too_long", "name",
		               "name is required, at most 64 characters");
	if (is_zone && db_int1(db, "SELECT count(*) FROM regions WHERE is_zone = 1", 0, 0, NULL) > 0)
		return err_set(err, 409, "conflict", "is_zone", "another region is already the zone");
	db_stmt_t *st = db_prepare(db, "INSERT INTO regions (name, name_en, is_zone, sort) VALUES ($1, $2, $3, $4)"
	                               " RETURNING id");
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, name_en ? name_en : "");
	db_bind_int(st, 3, is_zone != 0);
	db_bind_int(st, 4, sort);
	return insert_id(db, st, id, "a region with this name", err);
}

/* A region of the city's statistics (the zone or a peer district). */
void api_regions_create(req_t *r)
{
	const char *name, *name_en;
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	static const char *const fields[] = { "name", "name_en", "is_zone", "sort", NULL };
	if (body_unknown_field(r, o, fields))
		return;
	int is_zone = 0;
	int64_t sort = 0;
	name = NULL;
	name_en = "";
	if (body_str(r, o, "name", &name) < 0 || body_str(r, o, "name_en", &name_en) < 0 ||
	    body_bool(r, o, "is_zone", &is_zone) < 0 || body_int(r, o, "sort", &sort) < 0)
		return;
	int64_t id = 0;
	err_t err;
	if (region_create(r->db, name, name_en, is_zone, sort, &id, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	reply_created(r, "SELECT id, name, name_en, is_zone, sort FROM regions WHERE id = $1", id, "issbi", "region");
}

static int64_t count1(db_t *db, const char *sql)
{
	return db_int1(db, sql, 0, 0, NULL);
}

void api_summary(req_t *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "enterprises", json_integer(count1(r->db, "SELECT count(*) FROM enterprises")));
	json_object_set_new(o, "key_enterprises", json_integer(count1(r->db, "SELECT count(*) FROM enterprises WHERE is_key = 1")));
	json_object_set_new(o, "projects", json_integer(count1(r->db, "SELECT count(*) FROM projects")));
	json_object_set_new(o, "major_projects",
	                    json_integer(count1(r->db, "SELECT count(*) FROM projects WHERE total_investment_wan >= 100000")));
	json_object_set_new(o, "officers", json_integer(count1(r->db, "SELECT count(*) FROM users WHERE role = 'officer'")));
	json_object_set_new(o, "users", json_integer(count1(r->db, "SELECT count(*) FROM users")));
	db_stmt_t *st = db_prepare(r->db,
		"SELECT stage, count(*) AS count, sum(total_investment_wan) AS total_investment_wan FROM projects GROUP BY stage");
	json_t *by = json_array();
	while (db_step(st) == DB_ROW)
		json_array_append_new(by, row_json(st, "sii"));
	db_done(st);
	json_object_set_new(o, "projects_by_stage", by);
	reply_json(r, 200, o);
}
