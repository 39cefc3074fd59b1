/*
 * account.c -- the HTTP side of accounts: login and logout (the session
 * cookie), /me and one's own password, API tokens, the users and the audit
 * log.  The rules (credentials, throttling, kiosk codes, token lifetimes,
 * what a valid user is) are auth's; this file parses the request, calls
 * auth and replies.
 */
#include "admin.h"

#include <stdio.h>
#include <string.h>

#define USER_COLS \
	"id, username, display_name, role, unit_id, enterprise_id, department_id, created_at, updated_at," \
	" must_change_password"
#define USER_TYPES "isssiiiiib"

/* What a caller of role_bit may do: "METHOD /api/v1/path" of every API
 * route the route table lets it call, in the table's order. */
static json_t *permissions_json(int role_bit)
{
	json_t *a = json_array();
	for (int i = 0; i < nroutes; i++)
		if (strncmp(routes[i].path, "/api/", 5) == 0 && route_permits(&routes[i], role_bit))
			json_array_append_new(a, json_sprintf("%s %s", routes[i].method, routes[i].path));
	return a;
}

/* The answer of /me and of a login: the user with the scope it is bound to
 * (unit, enterprise, department and the street of its office), its
 * permissions and the session's CSRF token (NULL: none, the caller used an
 * API token). */
static json_t *me_json(db_t *db, const user_t *u, const char *csrf)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)u->id, "username", u->username,
	                      "display_name", u->display_name, "role", u->role);
	json_object_set_new(o, "unit_id", u->unit_id ? json_integer(u->unit_id) : json_null());
	json_object_set_new(o, "enterprise_id", u->enterprise_id ? json_integer(u->enterprise_id) : json_null());
	json_object_set_new(o, "department_id", u->department_id ? json_integer(u->department_id) : json_null());
	int64_t street = user_street_id(db, u);   /* a street's office (区街上下联动) */
	json_object_set_new(o, "street_id", street ? json_integer(street) : json_null());
	json_object_set_new(o, "permissions", permissions_json(u->role_bit));
	json_object_set_new(o, "must_change_password", json_boolean(u->must_change_password));
	json_object_set_new(o, "kiosk", json_boolean(u->kiosk_session));
	if (csrf)
		json_object_set_new(o, "csrf_token", json_string(csrf));
	clock_json(o);
	return o;
}

/* The answer to a refused login or password change: Retry-After with a 429. */
static void reply_refusal(req_t *r, const err_t *err)
{
	const char *wait = err_get_param(err, "retry_after");
	if (err->status == 429 && wait)
		reply_header(r, "Retry-After", wait);
	reply_err(r, err);
}

/* The session cookie: persistent for SESSION_TTL, or for a kiosk a
 * session-only cookie (no Max-Age: the browser forgets it when it closes;
 * the server ends the session sooner, see auth.h). */
static void set_session_cookie(req_t *r, const char *token, int kiosk)
{
	const char *age = kiosk ? "" : arena_printf(r->arena, "; Max-Age=%d", SESSION_TTL);
	reply_header(r, "Set-Cookie", arena_printf(r->arena, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
	                                           SESSION_COOKIE, token, age,
	                                           server_cfg.secure_cookies ? "; Secure" : ""));
}

void api_login(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	/* {username, password}; {credit_code, password} for an enterprise
	 * account; at the kiosk {credit_code, code} with a one-time code, or
	 * {credit_code, password, kiosk: true}. */
	struct login_in in = { .ip = r->ip };
	if (body_str(r, o, "username", &in.username) < 0 || body_str(r, o, "credit_code", &in.credit_code) < 0 ||
	    body_str(r, o, "code", &in.kiosk_code) < 0 || body_bool(r, o, "kiosk", &in.kiosk) < 0)
		return;
	json_t *pw = json_object_get(o, "password");
	in.password = json_is_string(pw) ? json_string_value(pw) : NULL;   /* not trimmed */
	user_t *u;
	enum login_way way;
	err_t err;
	int64_t now = now_sec();
	if (auth_login(r->db, r->arena, &in, now, &u, &way, &err) < 0) {
		reply_refusal(r, &err);
		return;
	}
	int kiosk = way == LOGIN_KIOSK || in.kiosk;
	char token[65], csrf[65];
	int rc = session_create(r->db, u->id, kiosk, now, token, csrf);
	if (rc != DB_OK) {
		reply_db_error(r, rc, "logging in");
		return;
	}
	const char *how = way == LOGIN_KIOSK ? "kiosk one-time code"
	                  : way == LOGIN_CREDIT_CODE ? "credit code and password" : "";
	audit_write(r->db, u, r->ip, "session.login", "user", arena_printf(r->arena, "%lld", (long long)u->id), 200,
	            kiosk && way != LOGIN_KIOSK ? "kiosk, credit code and password" : how);
	set_session_cookie(r, token, kiosk);
	u->kiosk_session = kiosk;
	reply_json(r, 200, me_json(r->db, u, csrf));
}

void api_logout(req_t *r)
{
	const char *cookie = req_cookie(r, SESSION_COOKIE);
	if (cookie && *cookie) {
		int rc = session_delete(r->db, cookie);
		if (rc != DB_OK) {
			reply_db_error(r, rc, "logging out");
			return;
		}
	}
	r->audit_action = "session.logout";
	reply_header(r, "Set-Cookie", arena_printf(r->arena, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", SESSION_COOKIE));
	reply_text(r, 204, NULL, NULL, 0);
}

void api_me(req_t *r)
{
	reply_json(r, 200, me_json(r->db, r->user, r->csrf));
}

/* A string field taken as it is (a password: not trimmed); 0 absent, 1
 * given, -1 after replying 422. */
static int body_secret(req_t *r, json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		reply_error(r, 422, "invalid_type", key, "%s must be a string", key);
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

void api_me_password(req_t *r)
{
	static const char *const fields[] = { "current", "new", NULL };
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, fields))
		return;
	const char *current, *new_password;
	if (body_secret(r, o, "current", &current) < 0 || body_secret(r, o, "new", &new_password) < 0)
		return;
	/* the session this was asked from stays; the others end */
	const char *keep = r->via_cookie ? req_cookie(r, SESSION_COOKIE) : NULL;
	err_t err;
	if (user_change_own_password(r->db, r->arena, r->user, current, new_password, r->ip, keep, now_sec(), &err) < 0) {
		reply_refusal(r, &err);
		return;
	}
	user_t u = *r->user;
	u.must_change_password = 0;
	reply_json(r, 200, me_json(r->db, &u, r->csrf));
}

/* ---- API tokens ---- */

static json_t *token_json(const struct token_info *t, int64_t now)
{
	json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:I,s:I}", "id", (json_int_t)t->id, "user_id", (json_int_t)t->user_id,
	                      "username", t->username ? t->username : "", "name", t->name ? t->name : "",
	                      "created_at", (json_int_t)t->created_at, "expires_at", (json_int_t)t->expires_at);
	json_object_set_new(o, "last_used_at", t->last_used_at ? json_integer(t->last_used_at) : json_null());
	json_object_set_new(o, "expired", json_boolean(t->expires_at <= now));
	return o;
}

/* An admin acts on anyone's tokens, everyone else on its own. */
static int may_manage_tokens_of(const req_t *r, int64_t user_id)
{
	return r->user->role_bit == ROLE_ADMIN || r->user->id == user_id;
}

void api_tokens_list(req_t *r)
{
	int64_t uid = 0;
	if (req_query_id(r, "user_id", &uid) < 0)
		return;
	if (uid == 0)
		uid = r->user->id;
	if (!may_manage_tokens_of(r, uid)) {
		reply_error(r, 403, "forbidden", "user_id", "only an admin lists another user's tokens");
		return;
	}
	struct token_info *v;
	int n = token_list(r->db, r->arena, uid, &v);
	if (n < 0) {
		reply_db_error(r, DB_ERR, "listing the tokens");
		return;
	}
	int64_t now = now_sec();
	json_t *items = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(items, token_json(&v[i], now));
	reply_list(r, items, n, n, 0);
}

void api_tokens_create(req_t *r)
{
	static const char *const fields[] = { "name", "expires_in_days", "user_id", NULL };
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, fields))
		return;
	const char *name = NULL;
	int64_t days = 0, uid = r->user->id;
	int has_days = 0;
	if (body_str(r, o, "name", &name) < 0 || (has_days = body_int(r, o, "expires_in_days", &days)) < 0 ||
	    body_int(r, o, "user_id", &uid) < 0)
		return;
	if (has_days && days == 0)
		days = -1;   /* given as 0: out of range, not the default */
	if (!may_manage_tokens_of(r, uid)) {
		reply_error(r, 403, "forbidden_field", "user_id", "only an admin creates a token for another user");
		return;
	}
	char token[68];
	struct token_info t;
	err_t err;
	int64_t now = now_sec();
	if (token_create(r->db, uid, name, days, now, token, &t, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	t.username = uid == r->user->id ? r->user->username : "";
	if (uid != r->user->id) {
		struct token_info full;
		if (token_get(r->db, r->arena, t.id, &full) == 1)
			t.username = full.username;
	}
	json_t *out = token_json(&t, now);
	json_object_set_new(out, "token", json_string(token));
	r->audit_entity = "api_token";
	r->audit_detail = arena_printf(r->arena, "for %s: %s", t.username, t.name);
	reply_json(r, 201, out);
}

void api_token_delete(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	struct token_info t;
	int found = id ? token_get(r->db, r->arena, id, &t) : 0;
	if (found < 0) {
		reply_db_error(r, DB_ERR, "reading the token");
		return;
	}
	/* another user's token is as unknown as a missing one */
	if (found == 0 || !may_manage_tokens_of(r, t.user_id)) {
		reply_error(r, 404, "not_found", "id", "no such token");
		return;
	}
	if (token_revoke(r->db, id) < 0) {
		reply_db_error(r, DB_ERR, "revoking the token");
		return;
	}
	r->audit_entity = "api_token";
	r->audit_detail = arena_printf(r->arena, "revoked; of %s: %s", t.username, t.name);
	reply_text(r, 204, NULL, NULL, 0);
}

void api_users_list(req_t *r)
{
	int64_t limit, offset;
	if (req_paging(r, &limit, &offset) < 0)
		return;
	const char *role = req_query(r, "role");
	const char *q = req_query(r, "q");
	const char *like = like_pattern(r, q);
	if (role && *role && role_bit(role) == 0) {
		reply_error(r, 422, "invalid_parameter", "role", "unknown role '%s'", role);
		return;
	}
	const char *rl = role && *role ? role : NULL;
	db_stmt_t *st = db_prepare(r->db,
		"SELECT count(*) FROM users WHERE (CAST($1 AS TEXT) IS NULL OR role = $1)"
		" AND (CAST($2 AS TEXT) IS NULL OR lower(username) LIKE lower($2) ESCAPE '\\' OR lower(display_name) LIKE lower($2) ESCAPE '\\')");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "listing users");
		return;
	}
	db_bind_text(st, 1, rl);
	db_bind_text(st, 2, like);
	int64_t total = db_step(st) == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	st = db_prepare(r->db,
		"SELECT " USER_COLS " FROM users WHERE (CAST($1 AS TEXT) IS NULL OR role = $1)"
		" AND (CAST($2 AS TEXT) IS NULL OR lower(username) LIKE lower($2) ESCAPE '\\' OR lower(display_name) LIKE lower($2) ESCAPE '\\')"
		" ORDER BY id LIMIT $3 OFFSET $4");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "listing users");
		return;
	}
	db_bind_text(st, 1, rl);
	db_bind_text(st, 2, like);
	db_bind_int(st, 3, limit);
	db_bind_int(st, 4, offset);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, row_json(st, USER_TYPES));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "listing users");
		return;
	}
	reply_list(r, items, total, limit, offset);
}

static json_t *load_user(req_t *r, int64_t id)
{
	db_stmt_t *st = db_prepare(r->db, "SELECT " USER_COLS " FROM users WHERE id = $1");
	if (st == NULL)
		return NULL;
	db_bind_int(st, 1, id);
	json_t *o = db_step(st) == DB_ROW ? row_json(st, USER_TYPES) : NULL;
	db_done(st);
	return o;
}

/* Read an optional id field that may be null (to clear it). */
static int opt_id(req_t *r, json_t *o, const char *key, int64_t *v, int *has, int *present)
{
	json_t *j = json_object_get(o, key);
	*present = j != NULL;
	if (j == NULL || json_is_null(j)) {
		*has = 0;
		return 0;
	}
	if (!json_is_integer(j) || json_integer_value(j) <= 0) {
		reply_error(r, 422, "invalid_type", key, "%s must be a positive id or null", key);
		return -1;
	}
	*v = json_integer_value(j);
	*has = 1;
	return 0;
}

static const char *const user_fields[] = {
	"username", "display_name", "role", "password", "unit_id", "enterprise_id", "department_id",
	"must_change_password", NULL
};

void api_users_create(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, user_fields))
		return;
	struct user_input in = { 0 };
	int present;
	if (body_str(r, o, "username", &in.username) < 0 || body_str(r, o, "display_name", &in.display_name) < 0 ||
	    body_str(r, o, "role", &in.role) < 0)
		return;
	json_t *pw = json_object_get(o, "password");
	if (pw && !json_is_string(pw)) {
		reply_error(r, 422, "invalid_type", "password", "password must be a string");
		return;
	}
	in.password = pw ? json_string_value(pw) : NULL;
	if (opt_id(r, o, "unit_id", &in.unit_id, &in.has_unit, &present) < 0 ||
	    opt_id(r, o, "enterprise_id", &in.enterprise_id, &in.has_enterprise, &present) < 0 ||
	    opt_id(r, o, "department_id", &in.department_id, &in.has_department, &present) < 0 ||
	    body_bool(r, o, "must_change_password", &in.must_change) < 0)
		return;
	int64_t id;
	err_t err;
	if (user_create(r->db, &in, &id, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	r->audit_entity = "user";
	reply_json(r, 201, load_user(r, id));
}

void api_user_get(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *o = id ? load_user(r, id) : NULL;
	if (o == NULL) {
		reply_error(r, 404, "not_found", "id", "no such user");
		return;
	}
	reply_json(r, 200, o);
}

/* The stored value of an optional link of cur, when the body left it out. */
static void keep_link(json_t *cur, const char *key, int present, int64_t *v, int *has)
{
	int64_t old = json_integer_value(json_object_get(cur, key));
	if (!present && old > 0)
		*v = old, *has = 1;
}

void api_user_update(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	json_t *cur = id ? load_user(r, id) : NULL;
	if (cur == NULL) {
		reply_error(r, 404, "not_found", "id", "no such user");
		return;
	}
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, user_fields)) {
		json_decref(cur);
		return;
	}
	/* what the body leaves out stays as it is */
	struct user_input in = {
		.display_name = arena_strdup(r->arena, json_string_value(json_object_get(cur, "display_name"))),
		.role = arena_strdup(r->arena, json_string_value(json_object_get(cur, "role"))),
	};
	const char *username = arena_strdup(r->arena, json_string_value(json_object_get(cur, "username")));
	int p1 = 0, p2 = 0, p3 = 0;
	int bad = body_str(r, o, "display_name", &in.display_name) < 0 || body_str(r, o, "role", &in.role) < 0 ||
	          opt_id(r, o, "unit_id", &in.unit_id, &in.has_unit, &p1) < 0 ||
	          opt_id(r, o, "enterprise_id", &in.enterprise_id, &in.has_enterprise, &p2) < 0 ||
	          opt_id(r, o, "department_id", &in.department_id, &in.has_department, &p3) < 0 ||
	          (in.has_must_change = body_bool(r, o, "must_change_password", &in.must_change)) < 0;
	keep_link(cur, "unit_id", p1, &in.unit_id, &in.has_unit);
	keep_link(cur, "enterprise_id", p2, &in.enterprise_id, &in.has_enterprise);
	keep_link(cur, "department_id", p3, &in.department_id, &in.has_department);
	json_decref(cur);
	if (bad)
		return;
	json_t *un = json_object_get(o, "username");
	if (un && !(json_is_string(un) && strcmp(json_string_value(un), username) == 0)) {
		reply_error(r, 422, "read_only", "username", "the username cannot be changed");
		return;
	}
	json_t *pw = json_object_get(o, "password");
	if (pw && !json_is_string(pw)) {
		reply_error(r, 422, "invalid_type", "password", "password must be a string");
		return;
	}
	in.password = pw ? json_string_value(pw) : NULL;
	if (id == r->user->id && role_bit(in.role) != 0 && role_bit(in.role) != ROLE_ADMIN) {
		reply_error(r, 409, "self_demotion", "role", "you cannot take the admin role from yourself");
		return;
	}
	err_t err;
	if (user_update(r->db, id, &in, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	if (in.password) {
		/* a new password ends the user's other sessions and its API tokens */
		int rc = user_credentials_revoke(r->db, id, r->via_cookie ? req_cookie(r, SESSION_COOKIE) : NULL);
		if (rc != DB_OK) {
			reply_db_error(r, rc, "ending the user's sessions");
			return;
		}
		r->audit_detail = "password changed; sessions ended, API tokens revoked";
	}
	r->audit_entity = "user";
	reply_json(r, 200, load_user(r, id));
}

void api_user_delete(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	if (id == 0) {
		reply_error(r, 404, "not_found", "id", "no such user");
		return;
	}
	if (id == r->user->id) {
		reply_error(r, 409, "self_delete", "id", "you cannot delete your own account");
		return;
	}
	db_stmt_t *st = db_prepare(r->db, "DELETE FROM users WHERE id = $1");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	int64_t n = db_changes(st);
	db_done(st);
	if (rc != DB_DONE) {
		reply_db_error(r, rc, "deleting the user");
		return;
	}
	if (n == 0) {
		reply_error(r, 404, "not_found", "id", "no such user");
		return;
	}
	r->audit_entity = "user";
	reply_text(r, 204, NULL, NULL, 0);
}

void api_audit_list(req_t *r)
{
	int64_t limit, offset;
	if (req_paging(r, &limit, &offset) < 0)
		return;
	const char *entity = req_query(r, "entity");
	const char *user = req_query(r, "user");
	if (entity && !*entity)
		entity = NULL;
	if (user && !*user)
		user = NULL;
	db_stmt_t *st = db_prepare(r->db,
		"SELECT count(*) FROM audit_log WHERE (CAST($1 AS TEXT) IS NULL OR entity = $1) AND (CAST($2 AS TEXT) IS NULL OR username = $2)");
	db_bind_text(st, 1, entity);
	db_bind_text(st, 2, user);
	int64_t total = db_step(st) == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	st = db_prepare(r->db,
		"SELECT a.id, a.at, a.user_id, a.username, a.action, a.entity, a.entity_id, a.status, a.detail, a.ip,"
		" a.label, COALESCE(u.display_name, '') AS user_name FROM audit_log a LEFT JOIN users u ON u.id = a.user_id"
		" WHERE (CAST($1 AS TEXT) IS NULL OR a.entity = $1) AND (CAST($2 AS TEXT) IS NULL OR a.username = $2)"
		" ORDER BY a.id DESC LIMIT $3 OFFSET $4");
	db_bind_text(st, 1, entity);
	db_bind_text(st, 2, user);
	db_bind_int(st, 3, limit);
	db_bind_int(st, 4, offset);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, row_json(st, "iiissssissss"));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "reading the audit log");
		return;
	}
	reply_list(r, items, total, limit, offset);
}
