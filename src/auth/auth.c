/*
 * auth.c -- roles, passwords, the caller from a token, logins, sessions,
 * API tokens, throttling and audit rows.
 */
#include "auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

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

/* ---- roles ---- */

static const char *const names[] = {
	"admin", "leader", "recruiter", "officer", "department", "statistician", "enterprise", NULL
};

const char *const *role_names(void) { return names; }

int role_bit(const char *role)
{
	for (int i = 0; role && names[i]; i++)
		if (strcmp(role, names[i]) == 0)
			return 1 << i;
	return 0;
}

/* ---- the caller ---- */

/* The columns user_from_row() reads, first in every query that uses it. */
#define USER_FIELDS "u.id, u.username, u.display_name, u.role, u.unit_id, u.enterprise_id, u.department_id"

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

int auth_token_user(db_t *db, arena_t *a, const char *token, user_t **user)
{
	*user = NULL;
	char h[65];
	session_token_hash(token, h);
	db_stmt_t *st = db_prepare(db,
		"SELECT " USER_FIELDS " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, h);
	int rc = db_step(st);
	if (rc == DB_ROW)
		*user = user_from_row(a, st);
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

int auth_session_user(db_t *db, arena_t *a, const char *token, user_t **user, const char **csrf)
{
	*user = NULL;
	*csrf = NULL;
	char h[65];
	session_token_hash(token, h);
	db_stmt_t *st = db_prepare(db,
		"SELECT " USER_FIELDS ", s.csrf FROM sessions s JOIN users u ON u.id = s.user_id"
		" WHERE s.token_hash = $1 AND s.expires_at > $2");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, h);
	db_bind_int(st, 2, now_sec());
	int rc = db_step(st);
	if (rc == DB_ROW) {
		*user = user_from_row(a, st);
		*csrf = arena_strdup(a, db_col_text(st, 7));
	}
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

int auth_csrf_equal(const char *expected, const char *given)
{
	if (given == NULL || expected == NULL)
		return 0;
	size_t n = strlen(expected);
	return strlen(given) == n && sodium_memcmp(given, expected, n) == 0;
}

/* ---- login ---- */

/* The shape of a login: which way in, or -1 with err (422). */
static int login_way(const struct login_in *in, enum login_way *way, err_t *err)
{
	int by_code = in->credit_code != NULL && *in->credit_code != '\0';
	int named = in->username != NULL && *in->username != '\0';
	if (by_code && named)
		return err_set(err, 422, "invalid", "credit_code", "give either username or credit_code, not both");
	if (!by_code && !named)
		return err_set(err, 422, "required", "username", "enter the username");
	/* the kiosk gives a one-time code and no password at all */
	int kiosk = by_code && in->kiosk_code != NULL && in->password == NULL;
	if (!kiosk && (in->password == NULL || *in->password == '\0'))
		return err_set(err, 422, "required", "password", "enter the password");
	if (kiosk && *in->kiosk_code == '\0')
		return err_set(err, 422, "required", "code", "enter the one-time code");
	*way = kiosk ? LOGIN_KIOSK : by_code ? LOGIN_CREDIT_CODE : LOGIN_PASSWORD;
	return 0;
}

/* The accounts a login may be for (by username: one; by credit code: the
 * enterprise's accounts, the first first) with their password hashes.
 * Returns how many (at most 3), or -1 on a database error. */
static int login_candidates(db_t *db, arena_t *a, const char *key, int by_code, user_t *users[3], char *hashes[3])
{
	db_stmt_t *st = by_code
		? db_prepare(db,
			"SELECT " USER_FIELDS ", u.password_hash FROM users u JOIN enterprises e ON e.id = u.enterprise_id"
			" WHERE e.credit_code = $1 AND u.role = 'enterprise' ORDER BY u.id LIMIT 3")
		: db_prepare(db, "SELECT " USER_FIELDS ", u.password_hash FROM users u WHERE u.username = $1");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key);
	int n = 0;
	while (n < 3 && db_step(st) == DB_ROW) {
		users[n] = user_from_row(a, st);
		hashes[n++] = arena_strdup(a, db_col_text(st, 7));
	}
	db_done(st);
	return n;
}

/* The account whose password this is, or NULL.  Verifies against a fixed
 * hash when there is no account, so that the answer takes as long. */
static user_t *login_by_password(user_t *users[3], char *hashes[3], int n, const char *password)
{
	static char dummy[crypto_pwhash_STRBYTES];
	static int have_dummy;
	if (!have_dummy) {
		password_hash("not-a-real-password", dummy, sizeof dummy);
		have_dummy = 1;
	}
	if (n == 0)
		password_verify(dummy, password);
	for (int i = 0; i < n; i++)
		if (password_verify(hashes[i], password))
			return users[i];
	return NULL;
}

int auth_login(db_t *db, arena_t *a, const struct login_in *in, user_t **user, enum login_way *way, err_t *err)
{
	*user = NULL;
	if (login_way(in, way, err) < 0)
		return -1;
	const char *key = in->username;
	char code_norm[80] = "";
	if (*way != LOGIN_PASSWORD) {
		/* an accepted code may fail the checksum: use the folded form anyway */
		credit_code_normalise(in->credit_code, code_norm, sizeof code_norm, NULL);
		key = code_norm;
	}
	if (strlen(key) > 64 || (in->password && strlen(in->password) > 256) ||
	    (in->kiosk_code && strlen(in->kiosk_code) > 16))
		return err_set(err, 401, "invalid_credentials", NULL, "wrong username or password");
	const char *ukey = arena_printf(a, "u:%s", key);
	const char *ikey = arena_printf(a, "ip:%s", in->ip ? in->ip : "");
	if (throttle_blocked(db, ukey, LOGIN_MAX_PER_ACCOUNT) || throttle_blocked(db, ikey, LOGIN_MAX_PER_ADDRESS))
		return err_set(err, 429, "too_many_attempts", NULL, "too many failed logins; wait a minute and try again");
	user_t *users[3] = { NULL, NULL, NULL };
	char *hashes[3] = { NULL, NULL, NULL };
	int n = login_candidates(db, a, key, *way != LOGIN_PASSWORD, users, hashes);
	if (n < 0)
		return db_fail(err, db, DB_ERR, "logging in");
	user_t *u = NULL;
	if (*way == LOGIN_KIOSK) {
		/* the kiosk logs in as the enterprise's first account; a code is
		 * spent only when there is an account to log in to */
		if (n > 0 && kiosk_code_consume(db, users[0]->enterprise_id, in->kiosk_code))
			u = users[0];
	} else {
		u = login_by_password(users, hashes, n, in->password);
	}
	if (u == NULL) {
		throttle_fail(db, ukey);
		throttle_fail(db, ikey);
		return err_set(err, 401, "invalid_credentials", NULL, "wrong username or password");
	}
	throttle_clear(db, ukey);
	*user = u;
	return 0;
}

/* ---- sessions and API tokens ---- */

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

int session_end_others(db_t *db, int64_t user_id, const char *keep)
{
	char h[65] = "";
	if (keep && *keep)
		session_token_hash(keep, h);
	db_stmt_t *st = db_prepare(db, "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, h);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

int token_create(db_t *db, const char *username, const char *name, char token[68], err_t *err)
{
	int64_t uid = user_id_by_name(db, username);
	if (uid <= 0) {
		err_set(err, 404, "not_found", "user", "no such user: %s", username);
		return err_param(err, "user", "%s", username);
	}
	char h[65];
	memcpy(token, "zo_", 3);
	random_hex(token + 3, 32);
	session_token_hash(token, h);
	db_stmt_t *st = db_prepare(db, "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "creating the token");
	db_bind_text(st, 1, h);
	db_bind_int(st, 2, uid);
	db_bind_text(st, 3, name ? name : "");
	db_bind_int(st, 4, now_sec());
	int rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "creating the token");
	return 0;
}

/* ---- throttling ---- */

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

/* ---- the audit log ---- */

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
