/*
 * auth_api.c -- HTTP handlers: session (login/logout), me, users, audit.
 */
#include "auth.h"
#include "service/service.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define USER_COLS "id, username, display_name, role, unit_id, enterprise_id, department_id, created_at, updated_at"
#define USER_TYPES "isssiiiii"

static json_t *user_json(const user_t *u)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)u->id, "username", u->username,
	                      "display_name", u->display_name, "role", u->role);
	json_object_set_new(o, "unit_id", u->unit_id ? json_integer(u->unit_id) : json_null());
	json_object_set_new(o, "enterprise_id", u->enterprise_id ? json_integer(u->enterprise_id) : json_null());
	json_object_set_new(o, "department_id", u->department_id ? json_integer(u->department_id) : json_null());
	return o;
}

void api_login(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	/* Three ways in: {username, password}; for an enterprise account
	 * {credit_code, password}; at the kiosk {credit_code, code} with a
	 * one-time code from an officer.  Every failure is the same 401. */
	const char *username = NULL, *password = NULL, *credit = NULL, *kcode = NULL;
	if (body_str(r, o, "username", &username) < 0 || body_str(r, o, "credit_code", &credit) < 0 ||
	    body_str(r, o, "code", &kcode) < 0)
		return;
	json_t *pw = json_object_get(o, "password");
	int by_code = credit != NULL && *credit != '\0';
	if (by_code && username && *username) {
		reply_error(r, 422, "invalid", "credit_code", "give either username or credit_code, not both");
		return;
	}
	if (!by_code && (username == NULL || *username == '\0')) {
		reply_error(r, 422, "required", "username", "enter the username");
		return;
	}
	int kiosk = by_code && kcode != NULL && !json_is_string(pw);
	if (!kiosk && (!json_is_string(pw) || *json_string_value(pw) == '\0')) {
		reply_error(r, 422, "required", "password", "enter the password");
		return;
	}
	if (kiosk && *kcode == '\0') {
		reply_error(r, 422, "required", "code", "enter the one-time code");
		return;
	}
	password = kiosk ? NULL : json_string_value(pw);
	char code_norm[80] = "";
	if (by_code) {
		/* an accepted code may fail the checksum: use the folded form anyway */
		credit_code_normalise(credit, code_norm, sizeof code_norm, NULL, NULL);
		username = code_norm;
	}
	if (strlen(username) > 64 || (password && strlen(password) > 256) || (kcode && strlen(kcode) > 16)) {
		reply_error(r, 401, "invalid_credentials", NULL, "wrong username or password");
		return;
	}
	const char *ukey = arena_printf(r->arena, "u:%s", username);
	const char *ikey = arena_printf(r->arena, "ip:%s", r->ip);
	if (throttle_blocked(r->db, ukey, LOGIN_MAX_PER_ACCOUNT) || throttle_blocked(r->db, ikey, LOGIN_MAX_PER_ADDRESS)) {
		reply_header(r, "Retry-After", "60");
		reply_error(r, 429, "too_many_attempts", NULL, "too many failed logins; wait a minute and try again");
		return;
	}
	/* by credit code: the enterprise's accounts, the first first */
	db_stmt_t *st = by_code
		? db_prepare(r->db,
			"SELECT u.id, u.username, u.display_name, u.role, u.unit_id, u.enterprise_id, u.department_id,"
			" u.password_hash FROM users u JOIN enterprises e ON e.id = u.enterprise_id"
			" WHERE e.credit_code = $1 AND u.role = 'enterprise' ORDER BY u.id LIMIT 3")
		: db_prepare(r->db,
			"SELECT id, username, display_name, role, unit_id, enterprise_id, department_id, password_hash"
			" FROM users WHERE username = $1");
	if (st == NULL) {
		reply_db_error(r, DB_ERR, "logging in");
		return;
	}
	db_bind_text(st, 1, username);
	user_t *users[3] = { NULL, NULL, NULL };
	char *hashes[3] = { NULL, NULL, NULL };
	int nusers = 0;
	while (nusers < 3 && db_step(st) == DB_ROW) {
		user_t *u = arena_alloc(r->arena, sizeof *u);
		u->id = db_col_int(st, 0);
		u->username = arena_strdup(r->arena, db_col_text(st, 1));
		u->display_name = arena_strdup(r->arena, db_col_text(st, 2));
		u->role = arena_strdup(r->arena, db_col_text(st, 3));
		u->role_bit = role_bit(u->role);
		u->unit_id = db_col_int(st, 4);
		u->enterprise_id = db_col_int(st, 5);
		u->department_id = db_col_int(st, 6);
		hashes[nusers] = arena_strdup(r->arena, db_col_text(st, 7));
		users[nusers++] = u;
	}
	db_done(st);
	user_t *u = NULL;
	if (kiosk) {
		/* the kiosk logs in as the enterprise's first account; a code is
		 * spent only when there is an account to log in to */
		if (nusers > 0 && kiosk_code_consume(r->db, users[0]->enterprise_id, kcode))
			u = users[0];
	} else {
		/* Verify against a fixed hash when the user is unknown, so the
		 * answer takes as long either way. */
		static char dummy[crypto_pwhash_STRBYTES];
		static int have_dummy;
		if (!have_dummy) {
			password_hash("not-a-real-password", dummy, sizeof dummy);
			have_dummy = 1;
		}
		if (nusers == 0)
			password_verify(dummy, password);
		for (int i = 0; i < nusers && u == NULL; i++)
			if (password_verify(hashes[i], password))
				u = users[i];
	}
	if (u == NULL) {
		throttle_fail(r->db, ukey);
		throttle_fail(r->db, ikey);
		reply_error(r, 401, "invalid_credentials", NULL, "wrong username or password");
		return;
	}
	throttle_clear(r->db, ukey);
	char token[65], csrf[65];
	int rc = session_create(r->db, u->id, token, csrf);
	if (rc != DB_OK) {
		reply_db_error(r, rc, "logging in");
		return;
	}
	audit_write(r->db, u, r->ip, "session.login", "user", arena_printf(r->arena, "%lld", (long long)u->id), 200,
	            kiosk ? "kiosk one-time code" : by_code ? "credit code and password" : "");
	reply_header(r, "Set-Cookie", arena_printf(r->arena, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
	                                           SESSION_COOKIE, token, SESSION_TTL,
	                                           server_cfg.secure_cookies ? "; Secure" : ""));
	json_t *out = user_json(u);
	json_object_set_new(out, "csrf_token", json_string(csrf));
	reply_json(r, 200, out);
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
	json_t *o = user_json(r->user);
	if (r->csrf)
		json_object_set_new(o, "csrf_token", json_string(r->csrf));
	reply_json(r, 200, o);
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
	int status;
	const char *code, *field, *msg;
	if (user_create(r->db, &in, &id, &status, &code, &field, &msg) < 0) {
		reply_error(r, status, code, field, "%s", msg);
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
	const char *display = json_string_value(json_object_get(cur, "display_name"));
	const char *role = json_string_value(json_object_get(cur, "role"));
	const char *password = NULL;
	struct user_input in = { 0 };
	int p1 = 0, p2 = 0, p3 = 0;
	int bad = body_str(r, o, "display_name", &display) < 0 || body_str(r, o, "role", &role) < 0 ||
	          opt_id(r, o, "unit_id", &in.unit_id, &in.has_unit, &p1) < 0 ||
	          opt_id(r, o, "enterprise_id", &in.enterprise_id, &in.has_enterprise, &p2) < 0 ||
	          opt_id(r, o, "department_id", &in.department_id, &in.has_department, &p3) < 0;
	display = arena_strdup(r->arena, display);
	role = arena_strdup(r->arena, role);
	if (!p1 && json_integer_value(json_object_get(cur, "unit_id")))
		in.unit_id = json_integer_value(json_object_get(cur, "unit_id")), in.has_unit = 1;
	if (!p2 && json_integer_value(json_object_get(cur, "enterprise_id")))
		in.enterprise_id = json_integer_value(json_object_get(cur, "enterprise_id")), in.has_enterprise = 1;
	if (!p3 && json_integer_value(json_object_get(cur, "department_id")))
		in.department_id = json_integer_value(json_object_get(cur, "department_id")), in.has_department = 1;
	const char *old_username = arena_strdup(r->arena, json_string_value(json_object_get(cur, "username")));
	json_decref(cur);
	if (bad)
		return;
	if (json_object_get(o, "username") &&
	    !(json_is_string(json_object_get(o, "username")) &&
	      strcmp(json_string_value(json_object_get(o, "username")), old_username) == 0)) {
		reply_error(r, 422, "read_only", "username", "the username cannot be changed");
		return;
	}
	json_t *pw = json_object_get(o, "password");
	if (pw) {
		if (!json_is_string(pw)) {
			reply_error(r, 422, "invalid_type", "password", "password must be a string");
			return;
		}
		password = json_string_value(pw);
	}
	if (role_bit(role) == 0) {
		reply_error(r, 422, "invalid", "role", "role must be one of admin, leader, recruiter, officer, department, statistician, enterprise");
		return;
	}
	if (strcmp(role, "recruiter") == 0 && !in.has_unit) {
		reply_error(r, 422, "invalid", "unit_id", "a recruiter belongs to an investment unit: give unit_id");
		return;
	}
	if (strcmp(role, "enterprise") == 0 && !in.has_enterprise) {
		reply_error(r, 422, "invalid", "enterprise_id", "an enterprise account needs enterprise_id");
		return;
	}
	if (strcmp(role, "department") == 0 && !in.has_department) {
		reply_error(r, 422, "invalid", "department_id", "a department account needs department_id");
		return;
	}
	if (id == r->user->id && strcmp(role, "admin") != 0) {
		reply_error(r, 409, "self_demotion", "role", "you cannot take the admin role from yourself");
		return;
	}
	if (utf8_len(display) > 64) {
		reply_error(r, 422, "invalid", "display_name", "display_name must have at most 64 characters");
		return;
	}
	static const char *const checks[3][2] = {
		{ "SELECT 1 FROM units WHERE id = $1", "unit_id" },
		{ "SELECT 1 FROM enterprises WHERE id = $1", "enterprise_id" },
		{ "SELECT 1 FROM departments WHERE id = $1", "department_id" },
	};
	int64_t ids[3] = { in.unit_id, in.enterprise_id, in.department_id };
	int has[3] = { in.has_unit, in.has_enterprise, in.has_department };
	for (int i = 0; i < 3; i++) {
		if (!has[i])
			continue;
		db_stmt_t *st = db_prepare(r->db, checks[i][0]);
		db_bind_int(st, 1, ids[i]);
		int found = db_step(st) == DB_ROW;
		db_done(st);
		if (!found) {
			reply_error(r, 422, "invalid", checks[i][1], "no such %s", checks[i][1]);
			return;
		}
	}
	db_stmt_t *st = db_prepare(r->db,
		"UPDATE users SET display_name = $1, role = $2, unit_id = $3, enterprise_id = $4, department_id = $5,"
		" updated_at = $6 WHERE id = $7");
	db_bind_text(st, 1, display);
	db_bind_text(st, 2, role);
	if (in.has_unit) db_bind_int(st, 3, in.unit_id); else db_bind_null(st, 3);
	if (in.has_enterprise) db_bind_int(st, 4, in.enterprise_id); else db_bind_null(st, 4);
	if (in.has_department) db_bind_int(st, 5, in.department_id); else db_bind_null(st, 5);
	db_bind_int(st, 6, now_sec());
	db_bind_int(st, 7, id);
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE) {
		reply_db_error(r, rc, "saving the user");
		return;
	}
	if (password) {
		const char *msg;
		if (user_set_password(r->db, old_username, password, &msg) < 0) {
			reply_error(r, 422, "invalid", "password", "%s", msg);
			return;
		}
		r->audit_detail = "password changed";
		/* a new password ends the user's other sessions */
		const char *cookie = req_cookie(r, SESSION_COOKIE);
		db_stmt_t *ds = db_prepare(r->db, "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2");
		char keep[65] = "";
		if (cookie && r->via_cookie)
			session_token_hash(cookie, keep);
		db_bind_int(ds, 1, id);
		db_bind_text(ds, 2, keep);
		rc = db_step(ds);
		db_done(ds);
		if (rc != DB_DONE) {
			reply_db_error(r, rc, "ending the user's sessions");
			return;
		}
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
