/*
 * account.c -- the HTTP side of accounts: login and logout (the session
 * cookie), /me, the users and the audit log.  The rules (credentials,
 * throttling, kiosk codes, what a valid user is) are auth's; this file
 * parses the request, calls auth and replies.
 */
#include "admin.h"

#include <stdio.h>
#include <string.h>

#define USER_COLS "id, username, display_name, role, unit_id, enterprise_id, department_id, created_at, updated_at"
#define USER_TYPES "isssiiiii"

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
 * (unit, enterprise, department), its permissions and the session's CSRF
 * token (NULL: none, the caller used an API token). */
static json_t *me_json(const user_t *u, const char *csrf)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)u->id, "username", u->username,
	                      "display_name", u->display_name, "role", u->role);
	json_object_set_new(o, "unit_id", u->unit_id ? json_integer(u->unit_id) : json_null());
	json_object_set_new(o, "enterprise_id", u->enterprise_id ? json_integer(u->enterprise_id) : json_null());
	json_object_set_new(o, "department_id", u->department_id ? json_integer(u->department_id) : json_null());
	json_object_set_new(o, "permissions", permissions_json(u->role_bit));
	if (csrf)
		json_object_set_new(o, "csrf_token", json_string(csrf));
	return o;
}

void api_login(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	/* {username, password}; {credit_code, password} for an enterprise
	 * account; at the kiosk {credit_code, code} with a one-time code. */
	struct login_in in = { .ip = r->ip };
	if (body_str(r, o, "username", &in.username) < 0 || body_str(r, o, "credit_code", &in.credit_code) < 0 ||
	    body_str(r, o, "code", &in.kiosk_code) < 0)
		return;
	json_t *pw = json_object_get(o, "password");
	in.password = json_is_string(pw) ? json_string_value(pw) : NULL;   /* not trimmed */
	user_t *u;
	enum login_way way;
	err_t err;
	if (auth_login(r->db, r->arena, &in, &u, &way, &err) < 0) {
		if (err.status == 429)
			reply_header(r, "Retry-After", "60");
		reply_err(r, &err);
		return;
	}
	char token[65], csrf[65];
	int rc = session_create(r->db, u->id, token, csrf);
	if (rc != DB_OK) {
		reply_db_error(r, rc, "logging in");
		return;
	}
	audit_write(r->db, u, r->ip, "session.login", "user", arena_printf(r->arena, "%lld", (long long)u->id), 200,
	            way == LOGIN_KIOSK ? "kiosk one-time code" : way == LOGIN_CREDIT_CODE ? "credit code and password" : "");
	reply_header(r, "Set-Cookie", arena_printf(r->arena, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
	                                           SESSION_COOKIE, token, SESSION_TTL,
	                                           server_cfg.secure_cookies ? "; Secure" : ""));
	reply_json(r, 200, me_json(u, csrf));
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
	reply_json(r, 200, me_json(r->user, r->csrf));
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
	"username", "display_name", "role", "password", "unit_id", "enterprise_id", "department_id", NULL
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
	    opt_id(r, o, "department_id", &in.department_id, &in.has_department, &present) < 0)
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
	          opt_id(r, o, "department_id", &in.department_id, &in.has_department, &p3) < 0;
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
		/* a new password ends the user's other sessions */
		int rc = session_end_others(r->db, id, r->via_cookie ? req_cookie(r, SESSION_COOKIE) : NULL);
		if (rc != DB_OK) {
			reply_db_error(r, rc, "ending the user's sessions");
			return;
		}
		r->audit_detail = "password changed";
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
		"SELECT id, at, user_id, username, action, entity, entity_id, status, detail, ip FROM audit_log"
		" WHERE (CAST($1 AS TEXT) IS NULL OR entity = $1) AND (CAST($2 AS TEXT) IS NULL OR username = $2)"
		" ORDER BY id DESC LIMIT $3 OFFSET $4");
	db_bind_text(st, 1, entity);
	db_bind_text(st, 2, user);
	db_bind_int(st, 3, limit);
	db_bind_int(st, 4, offset);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, row_json(st, "iiissssiss"));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "reading the audit log");
		return;
	}
	reply_list(r, items, total, limit, offset);
}
