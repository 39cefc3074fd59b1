/*
 * auth.c -- passwords, sessions, tokens, throttling, audit rows, and the
 * user records shared by the API and the CLI.
 */
#include "auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int auth_init(void) { return sodium_init() < 0 ? -1 : 0; }

int password_hash(const char *password, char *out, size_t outlen)
{
	if (outlen < crypto_pwhash_STRBYTES)
		return -1;
	return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                         crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

int password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

const char *password_problem(const char *p)
{
	if (p == NULL || utf8_len(p) < 8)
		return "the password must have at least 8 characters";
	if (strlen(p) > 256)
		return "the password must have at most 256 bytes";
	return NULL;
}

/* hex BLAKE2b-256 of a token */
void session_token_hash(const char *token, char out[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
	hex_encode(out, h, sizeof h);
}

static void random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	randombytes_buf(b, nbytes);
	hex_encode(out, b, nbytes);
}

static user_t *user_from_row(arena_t *a, db_stmt_t *st)
{
	user_t *u = arena_alloc(a, sizeof *u);
	u->id = db_col_int(st, 0);
	u->username = arena_strdup(a, db_col_text(st, 1));
	u->display_name = arena_strdup(a, db_col_text(st, 2));
	u->role = arena_strdup(a, db_col_text(st, 3));
	u->role_bit = role_bit(u->role);
	u->unit_id = db_col_int(st, 4);
	u->enterprise_id = db_col_int(st, 5);
	u->department_id = db_col_int(st, 6);
	return u;
}

int auth_token_user(req_t *r, const char *token)
{
	char h[65];
	session_token_hash(token, h);
	db_stmt_t *st = db_prepare(r->db,
		"SELECT u.id, u.username, u.display_name, u.role, u.unit_id, u.enterprise_id, u.department_id"
		" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, h);
	int rc = db_step(st);
	if (rc == DB_ROW)
		r->user = user_from_row(r->arena, st);
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

int auth_resolve(req_t *r)
{
	const char *authz = req_header(r, "Authorization");
	char h[65];
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0)
		return auth_token_user(r, authz + 7);
	const char *cookie = req_cookie(r, SESSION_COOKIE);
	if (cookie && *cookie) {
		session_token_hash(cookie, h);
		db_stmt_t *st = db_prepare(r->db,
			"SELECT u.id, u.username, u.display_name, u.role, u.unit_id, u.enterprise_id, u.department_id, s.csrf"
			" FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2");
		if (st == NULL)
			return -1;
		db_bind_text(st, 1, h);
		db_bind_int(st, 2, now_sec());
		int rc = db_step(st);
		if (rc == DB_ROW) {
			r->user = user_from_row(r->arena, st);
			r->csrf = arena_strdup(r->arena, db_col_text(st, 7));
			r->via_cookie = 1;
		}
		db_done(st);
		return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
	}
	return 0;
}

int auth_csrf_ok(req_t *r, const char *token)
{
	if (token == NULL || r->csrf == NULL)
		return 0;
	size_t n = strlen(r->csrf);
	return strlen(token) == n && sodium_memcmp(token, r->csrf, n) == 0;
}

int session_create(db_t *db, int64_t user_id, char token[65], char csrf[65])
{
	char h[65];
	random_hex(token, 32);
	random_hex(csrf, 32);
	session_token_hash(token, h);
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)");
	if (st == NULL)
		return DB_ERR;
	int64_t now = now_sec();
	db_bind_text(st, 1, h);
	db_bind_int(st, 2, user_id);
	db_bind_text(st, 3, csrf);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, now + SESSION_TTL);
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return rc;
	/* Expired sessions go when their owner logs in again. */
	st = db_prepare(db, "DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2");
	if (st) {
		db_bind_int(st, 1, user_id);
		db_bind_int(st, 2, now);
		db_step(st);
		db_done(st);
	}
	return DB_OK;
}

int session_delete(db_t *db, const char *token)
{
	char h[65];
	session_token_hash(token, h);
	db_stmt_t *st = db_prepare(db, "DELETE FROM sessions WHERE token_hash = $1");
	if (st == NULL)
		return DB_ERR;
	db_bind_text(st, 1, h);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

int64_t user_id_by_name(db_t *db, const char *username)
{
	const char *p[1] = { username };
	return db_int1(db, "SELECT id FROM users WHERE username = $1", 0, 1, p);
}

int token_create(db_t *db, const char *username, const char *name, char token[68], char **err)
{
	int64_t uid = user_id_by_name(db, username);
	if (uid <= 0) {
		*err = strdup("no such user");
		return -1;
	}
	char h[65];
	memcpy(token, "zo_", 3);
	random_hex(token + 3, 32);
	session_token_hash(token, h);
	db_stmt_t *st = db_prepare(db, "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)");
	if (st == NULL) {
		*err = strdup(db_errmsg(db));
		return -1;
	}
	db_bind_text(st, 1, h);
	db_bind_int(st, 2, uid);
	db_bind_text(st, 3, name ? name : "");
	db_bind_int(st, 4, now_sec());
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE) {
		*err = strdup(db_errmsg(db));
		return -1;
	}
	return 0;
}

static int username_ok(const char *u)
{
	size_t n = strlen(u);
	if (n < 2 || n > 32)
		return 0;
	for (const char *p = u; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '.' || *p == '-'))
			return 0;
	return 1;
}

static int exists(db_t *db, const char *sql, int64_t id)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return 0;
	db_bind_int(st, 1, id);
	int ok = db_step(st) == DB_ROW;
	db_done(st);
	return ok;
}

int user_create(db_t *db, const struct user_input *in, int64_t *id, int *status,
                const char **code, const char **field, const char **msg)
{
	*status = 422;
	*code = "invalid";
	if (in->username == NULL || !username_ok(in->username)) {
		*field = "username";
		*msg = "username: 2-32 letters, digits, '_', '.' or '-'";
		return -1;
	}
	if (in->role == NULL || role_bit(in->role) == 0) {
		*field = "role";
		*msg = "role must be one of admin, leader, recruiter, officer, department, statistician, enterprise";
		return -1;
	}
	const char *pp = password_problem(in->password);
	if (pp) {
		*field = "password";
		*msg = pp;
		return -1;
	}
	if (in->display_name && utf8_len(in->display_name) > 64) {
		*field = "display_name";
		*msg = "display_name must have at most 64 characters";
		return -1;
	}
	if (strcmp(in->role, "recruiter") == 0 && !in->has_unit) {
		*field = "unit_id";
		*msg = "a recruiter belongs to an investment unit: give unit_id";
		return -1;
	}
	if (strcmp(in->role, "enterprise") == 0 && !in->has_enterprise) {
		*field = "enterprise_id";
		*msg = "an enterprise account needs enterprise_id";
		return -1;
	}
	if (strcmp(in->role, "department") == 0 && !in->has_department) {
		*field = "department_id";
		*msg = "a department account needs department_id";
		return -1;
	}
	if (in->has_unit && !exists(db, "SELECT 1 FROM units WHERE id = $1", in->unit_id)) {
		*field = "unit_id", *msg = "no such unit";
		return -1;
	}
	if (in->has_enterprise && !exists(db, "SELECT 1 FROM enterprises WHERE id = $1", in->enterprise_id)) {
		*field = "enterprise_id", *msg = "no such enterprise";
		return -1;
	}
	if (in->has_department && !exists(db, "SELECT 1 FROM departments WHERE id = $1", in->department_id)) {
		*field = "department_id", *msg = "no such department";
		return -1;
	}
	if (user_id_by_name(db, in->username) > 0) {
		*status = 409, *code = "exists", *field = "username", *msg = "a user with this username exists";
		return -1;
	}
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(in->password, hash, sizeof hash) != 0) {
		*status = 500, *code = "internal", *field = NULL, *msg = "cannot hash the password";
		return -1;
	}
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO users (username, display_name, role, password_hash, unit_id, enterprise_id, department_id,"
		" created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id");
	if (st == NULL) {
		*status = 500, *code = "internal", *field = NULL, *msg = "database error";
		return -1;
	}
	db_bind_text(st, 1, in->username);
	db_bind_text(st, 2, in->display_name ? in->display_name : in->username);
	db_bind_text(st, 3, in->role);
	db_bind_text(st, 4, hash);
	if (in->has_unit) db_bind_int(st, 5, in->unit_id); else db_bind_null(st, 5);
	if (in->has_enterprise) db_bind_int(st, 6, in->enterprise_id); else db_bind_null(st, 6);
	if (in->has_department) db_bind_int(st, 7, in->department_id); else db_bind_null(st, 7);
	db_bind_int(st, 8, now_sec());
	int rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_done(st);
	if (rc != DB_ROW) {
		if (rc == DB_CONSTRAINT)
			*status = 409, *code = "exists", *field = "username", *msg = "a user with this username exists";
		else
			*status = rc == DB_BUSY ? 503 : 500, *code = rc == DB_BUSY ? "busy" : "internal", *field = NULL,
			*msg = "database error";
		return -1;
	}
	return 0;
}

int user_set_password(db_t *db, const char *username, const char *password, const char **msg)
{
	const char *pp = password_problem(password);
	if (pp) {
		*msg = pp;
		return -1;
	}
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(password, hash, sizeof hash) != 0) {
		*msg = "cannot hash the password";
		return -1;
	}
	db_stmt_t *st = db_prepare(db, "UPDATE users SET password_hash = $1, updated_at = $2 WHERE username = $3");
	if (st == NULL) {
		*msg = "database error";
		return -1;
	}
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, now_sec());
	db_bind_text(st, 3, username);
	int rc = db_step(st);
	int64_t n = db_changes(st);
	db_done(st);
	if (rc != DB_DONE || n != 1) {
		*msg = n == 0 ? "no such user" : "database error";
		return -1;
	}
	return 0;
}

int throttle_blocked(db_t *db, const char *key, int max)
{
	db_stmt_t *st = db_prepare(db, "SELECT count(*) FROM login_failures WHERE key = $1 AND at > $2");
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, now_sec() - 60);
	int64_t n = db_step(st) == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	return n >= max;
}

void throttle_fail(db_t *db, const char *key)
{
	db_stmt_t *st = db_prepare(db, "INSERT INTO login_failures (key, at) VALUES ($1, $2)");
	if (st) {
		db_bind_text(st, 1, key);
		db_bind_int(st, 2, now_sec());
		db_step(st);
		db_done(st);
	}
	st = db_prepare(db, "DELETE FROM login_failures WHERE at < $1");
	if (st) {
		db_bind_int(st, 1, now_sec() - 3600);
		db_step(st);
		db_done(st);
	}
}

void throttle_clear(db_t *db, const char *key)
{
	db_stmt_t *st = db_prepare(db, "DELETE FROM login_failures WHERE key = $1");
	if (st) {
		db_bind_text(st, 1, key);
		db_step(st);
		db_done(st);
	}
}

int audit_write(db_t *db, const user_t *user, const char *ip, const char *action,
                const char *entity, const char *entity_id, int status, const char *detail)
{
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, status, detail, ip)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, now_sec());
	if (user) db_bind_int(st, 2, user->id); else db_bind_null(st, 2);
	db_bind_text(st, 3, user ? user->username : "(system)");
	db_bind_text(st, 4, action);
	db_bind_text(st, 5, entity ? entity : "");
	db_bind_text(st, 6, entity_id ? entity_id : "");
	db_bind_int(st, 7, status);
	db_bind_text(st, 8, detail ? detail : "");
	db_bind_text(st, 9, ip ? ip : "");
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}
