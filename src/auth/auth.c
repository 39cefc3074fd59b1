/*
 * auth.c -- roles, passwords, the caller from a token or a session,
 * logins and their throttling, changing one's own password, sessions and
 * audit rows.
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

void auth_random_hex(char *out, size_t nbytes)
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
#define USER_FIELDS \
	"u.id, u.username, u.display_name, u.role, u.unit_id, u.enterprise_id, u.department_id, u.must_change_password"
#define USER_NFIELDS 8

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
	u->must_change_password = db_col_int(st, 7) != 0;
	return u;
}

/* One statement on a row id, its result ignored: bookkeeping that must not
 * fail the request (a busy store skips it this time). */
static void touch_row(db_t *db, const char *sql, int64_t v, int64_t id)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return;
	db_bind_int(st, 1, v);
	db_bind_int(st, 2, id);
	db_step(st);
	db_done(st);
}

int auth_token_user_at(db_t *db, arena_t *a, const char *token, int64_t now, user_t **user)
{
	*user = NULL;
	char h[65];
	session_token_hash(token, h);
	db_stmt_t *st = db_prepare(db,
		"SELECT " USER_FIELDS ", t.id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id"
		" WHERE t.token_hash = $1 AND t.expires_at > $2");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, h);
	db_bind_int(st, 2, now);
	int rc = db_step(st);
	int64_t id = 0, last = 0;
	if (rc == DB_ROW) {
		*user = user_from_row(a, st);
		id = db_col_int(st, USER_NFIELDS);
		last = db_col_int(st, USER_NFIELDS + 1);
	}
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	if (id && last <= now - TOKEN_TOUCH)
		touch_row(db, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", now, id);
	return 0;
}

int auth_token_user(db_t *db, arena_t *a, const char *token, user_t **user)
{
	return auth_token_user_at(db, a, token, now_sec(), user);
}

int auth_session_user_at(db_t *db, arena_t *a, const char *token, int64_t now, user_t **user, const char **csrf)
{
	*user = NULL;
	*csrf = NULL;
	char h[65];
	session_token_hash(token, h);
	db_stmt_t *st = db_prepare(db,
		"SELECT " USER_FIELDS ", s.csrf, s.id, s.kiosk, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id"
		" WHERE s.token_hash = $1 AND s.expires_at > $2");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, h);
	db_bind_int(st, 2, now);
	int rc = db_step(st);
	int64_t id = 0, kiosk = 0, seen = 0;
	if (rc == DB_ROW) {
		*user = user_from_row(a, st);
		*csrf = arena_strdup(a, db_col_text(st, USER_NFIELDS));
		id = db_col_int(st, USER_NFIELDS + 1);
		kiosk = db_col_int(st, USER_NFIELDS + 2);
		seen = db_col_int(st, USER_NFIELDS + 3);
	}
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	if (kiosk && now - seen >= KIOSK_IDLE) {
		/* the kiosk was left alone: the next visitor must not inherit it */
		*user = NULL;
		*csrf = NULL;
		touch_row(db, "DELETE FROM sessions WHERE last_seen_at = $1 AND id = $2", seen, id);
	} else if (kiosk) {
		(*user)->kiosk_session = 1;
		touch_row(db, "UPDATE sessions SET last_seen_at = $1 WHERE id = $2", now, id);
	}
	return 0;
}

int auth_session_user(db_t *db, arena_t *a, const char *token, user_t **user, const char **csrf)
{
	return auth_session_user_at(db, a, token, now_sec(), user, csrf);
}

int auth_csrf_equal(const char *expected, const char *given)
{
	if (given == NULL || expected == NULL)
		return 0;
	size_t n = strlen(expected);
	return strlen(given) == n && sodium_memcmp(given, expected, n) == 0;
}

/* ---- throttling (login_failures) ---- */

/* The three buckets of an attempt (see auth.h): the account from this
 * address, the account, the address. */
struct buckets {
	const char *pair, *account, *address;
};

/* The account's bucket: an enterprise's accounts share their enterprise's
 * (whichever way in), another user has its own, and an unknown name or
 * code is counted by what was typed. */
static void buckets_of(arena_t *a, const user_t *u, const char *typed, int by_code, const char *ip,
                       struct buckets *b)
{
	if (u && u->role_bit == ROLE_ENTERPRISE && u->enterprise_id > 0)
		b->account = arena_printf(a, "e:%lld", (long long)u->enterprise_id);
	else if (u)
		b->account = arena_printf(a, "u:%lld", (long long)u->id);
	else
		b->account = arena_printf(a, "%s:%s", by_code ? "c" : "n", typed);
	b->pair = arena_printf(a, "p:%s|%s", b->account, ip ? ip : "");
	b->address = arena_printf(a, "ip:%s", ip ? ip : "");
}

/* Failures of key after since: how many, and the last one's time. */
static void bucket_read(db_t *db, const char *key, int64_t since, int64_t *n, int64_t *last)
{
	*n = *last = 0;
	db_stmt_t *st = db_prepare(db, "SELECT count(*), max(at) FROM login_failures WHERE key = $1 AND at > $2");
	if (st == NULL)
		return;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, since);
	if (db_step(st) == DB_ROW) {
		*n = db_col_int(st, 0);
		*last = db_col_int(st, 1);
	}
	db_done(st);
}

/* base doubled once per `every` failures beyond free, at most max. */
static int64_t backoff(int64_t n, int64_t free, int64_t every, int64_t base, int64_t max)
{
	int64_t w = base;
	for (int64_t k = free + every; k <= n && w < max; k += every)
		w *= 2;
	return w < max ? w : max;
}

/* Seconds the attempt must still wait, 0 when it may go ahead. */
static int64_t throttle_wait(db_t *db, const struct buckets *b, int64_t now)
{
	int64_t n, last, wait = 0, w;
	bucket_read(db, b->pair, now - LOGIN_WINDOW, &n, &last);
	if (n >= LOGIN_MAX_PER_PAIR) {
		w = last + backoff(n, LOGIN_MAX_PER_PAIR, 1, LOGIN_PAIR_WAIT, LOGIN_PAIR_WAIT_MAX) - now;
		wait = w > wait ? w : wait;
	}
	bucket_read(db, b->account, now - LOGIN_WINDOW, &n, &last);
	if (n >= LOGIN_MAX_PER_ACCOUNT) {
		w = last + backoff(n, LOGIN_MAX_PER_ACCOUNT, 5, 1, LOGIN_ACCOUNT_WAIT_MAX) - now;
		wait = w > wait ? w : wait;
	}
	bucket_read(db, b->address, now - 60, &n, &last);
	if (n >= LOGIN_MAX_PER_ADDRESS) {
		w = last + 60 - now;
		wait = w > wait ? w : wait;
	}
	return wait;
}

static void throttle_fail(db_t *db, const struct buckets *b, int64_t now)
{
	const char *keys[3] = { b->pair, b->account, b->address };
	for (int i = 0; i < 3; i++) {
		db_stmt_t *st = db_prepare(db, "INSERT INTO login_failures (key, at) VALUES ($1, $2)");
		if (st == NULL)
			return;
		db_bind_text(st, 1, keys[i]);
		db_bind_int(st, 2, now);
		db_step(st);
		db_done(st);
	}
	/* the counts look back LOGIN_WINDOW at most; the audit log keeps the rest */
	db_stmt_t *st = db_prepare(db, "DELETE FROM login_failures WHERE at < $1");
	if (st) {
		db_bind_int(st, 1, now - 2 * LOGIN_WINDOW);
		db_step(st);
		db_done(st);
	}
}

static void throttle_clear(db_t *db, const char *key)
{
	db_stmt_t *st = db_prepare(db, "DELETE FROM login_failures WHERE key = $1");
	if (st) {
		db_bind_text(st, 1, key);
		db_step(st);
		db_done(st);
	}
}

/* A refused attempt: the audit row (at once, not in a transaction that
 * may roll back) and err. */
static int refuse(db_t *db, arena_t *a, const user_t *u, const char *typed, const char *ip, const char *action,
                  const char *how, int64_t wait, err_t *err)
{
	const char *id = u ? arena_printf(a, "%lld", (long long)u->id) : "";
	if (wait > 0) {
		audit_write_as(db, u ? u->id : 0, typed, ip, action, "user", id, 429,
		               arena_printf(a, "%s; throttled, retry after %lld s", how, (long long)wait));
		err_set(err, 429, "too_many_attempts", NULL, "too many failed attempts; try again in %lld seconds",
		        (long long)wait);
		return err_param(err, "retry_after", "%lld", (long long)wait);
	}
	audit_write_as(db, u ? u->id : 0, typed, ip, action, "user", id, 401,
	               arena_printf(a, "%s; %s", how, u ? "wrong password or code" : "no such account"));
	return err_set(err, 401, "invalid_credentials", NULL, "wrong username or password");
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
	int n = 0, rc = DB_DONE;
	while (n < 3 && (rc = db_step(st)) == DB_ROW) {
		users[n] = user_from_row(a, st);
		hashes[n++] = arena_strdup(a, db_col_text(st, USER_NFIELDS));
	}
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? n : -1;
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

static const char *const way_text[] = {
	[LOGIN_PASSWORD] = "username and password",
	[LOGIN_CREDIT_CODE] = "credit code and password",
	[LOGIN_KIOSK] = "kiosk one-time code",
};

int auth_login(db_t *db, arena_t *a, const struct login_in *in, int64_t now, user_t **user, enum login_way *way,
               err_t *err)
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
	user_t *users[3] = { NULL, NULL, NULL };
	char *hashes[3] = { NULL, NULL, NULL };
	int n = login_candidates(db, a, key, *way != LOGIN_PASSWORD, users, hashes);
	if (n < 0)
		return db_fail(err, db, DB_ERR, "logging in");
	struct buckets b;
	buckets_of(a, users[0], key, *way != LOGIN_PASSWORD, in->ip, &b);
	const char *how = way_text[*way];
	int64_t wait = throttle_wait(db, &b, now);
	if (wait > 0)
		return refuse(db, a, users[0], key, in->ip, "login.failed", how, wait, err);
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
		throttle_fail(db, &b, now);
		return refuse(db, a, n == 1 || *way != LOGIN_PASSWORD ? users[0] : NULL, key, in->ip, "login.failed", how, 0,
		              err);
	}
	throttle_clear(db, b.pair);
	*user = u;
	return 0;
}

/* ---- changing one's own password ---- */

static int own_password_check(db_t *db, arena_t *a, const user_t *u, const char *current, const char *ip,
                              int64_t now, err_t *err)
{
	struct buckets b;
	buckets_of(a, u, u->username, 0, ip, &b);
	int64_t wait = throttle_wait(db, &b, now);
	if (wait > 0)
		return refuse(db, a, u, u->username, ip, "password.change_failed", "current password", wait, err);
	const char *p[1] = { arena_printf(a, "%lld", (long long)u->id) };
	db_stmt_t *st = db_prepare(db, "SELECT password_hash FROM users WHERE id = CAST($1 AS BIGINT)");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "checking the password");
	db_bind_text(st, 1, p[0]);
	int rc = db_step(st);
	char *hash = rc == DB_ROW ? arena_strdup(a, db_col_text(st, 0)) : NULL;
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_fail(err, db, rc, "checking the password");
	if (hash == NULL)
		return err_set(err, 404, "not_found", NULL, "no such user");
	if (strlen(current) <= 256 && password_verify(hash, current)) {
		throttle_clear(db, b.pair);
		return 0;
	}
	throttle_fail(db, &b, now);
	audit_write_as(db, u->id, u->username, ip, "password.change_failed", "user", p[0], 422, "wrong current password");
	return err_set(err, 422, "wrong_password", "current", "the current password is wrong");
}

int user_change_own_password(db_t *db, arena_t *a, const user_t *u, const char *current, const char *new_password,
                             const char *ip, const char *keep, int64_t now, err_t *err)
{
	if (current == NULL || *current == '\0')
		return err_set(err, 422, "required", "current", "enter your current password");
	if (new_password == NULL || *new_password == '\0')
		return err_set(err, 422, "required", "new", "enter the new password");
	if (own_password_check(db, a, u, current, ip, now, err) < 0)
		return -1;
	const char *pp = password_problem(new_password);
	if (pp)
		return err_set(err, 422, "invalid", "new", "%s", pp);
	if (strcmp(new_password, current) == 0)
		return err_set(err, 422, "same_password", "new", "the new password must differ from the current one");
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(new_password, hash, sizeof hash) != 0)
		return err_set(err, 500, "internal", NULL, "cannot hash the password");
	int rc = db_begin(db);
	if (rc != DB_OK)
		return db_fail(err, db, rc, "changing the password");
	db_stmt_t *st = db_prepare(db,
		"UPDATE users SET password_hash = $1, must_change_password = 0, updated_at = $2 WHERE id = $3");
	if (st == NULL) {
		db_rollback(db);
		return db_fail(err, db, DB_ERR, "changing the password");
	}
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, u->id);
	rc = db_step(st);
	db_done(st);
	if (rc == DB_DONE)
		rc = user_credentials_revoke(db, u->id, keep);
	if (rc == DB_DONE || rc == DB_OK)
		rc = audit_write(db, u, ip, "password.change", "user", arena_printf(a, "%lld", (long long)u->id), 200,
		                 "own password; other sessions ended, API tokens revoked");
	if (rc == DB_OK)
		rc = db_commit(db);
	if (rc != DB_OK) {
		db_rollback(db);
		return db_fail(err, db, rc, "changing the password");
	}
	return 0;
}

/* ---- sessions ---- */

int session_create(db_t *db, int64_t user_id, int kiosk, int64_t now, char token[65], char csrf[65])
{
	char h[65];
	auth_random_hex(token, 32);
	auth_random_hex(csrf, 32);
	session_token_hash(token, h);
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, kiosk, last_seen_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $4)");
	if (st == NULL)
		return DB_ERR;
	db_bind_text(st, 1, h);
	db_bind_int(st, 2, user_id);
	db_bind_text(st, 3, csrf);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, now + (kiosk ? KIOSK_TTL : SESSION_TTL));
	db_bind_int(st, 6, kiosk ? 1 : 0);
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

/* ---- the audit log ---- */

/* The name of what an audit row is about, as it is when the row is written
 * (the page shows "修改企业 江苏恒太照明", not "enterprise #12"): one query
 * per kind of entity, by its id. */
static const struct {
	const char *entity, *sql;
} LABEL_SQL[] = {
	{ "user", "SELECT CASE WHEN display_name <> '' THEN display_name ELSE username END FROM users WHERE id = $1" },
	{ "enterprise", "SELECT name FROM enterprises WHERE id = $1" },
	{ "lead", "SELECT company FROM leads WHERE id = $1" },
	{ "project", "SELECT name FROM projects WHERE id = $1" },
	{ "unit", "SELECT name FROM units WHERE id = $1" },
	{ "unit_targets", "SELECT name FROM units WHERE id = $1" },
	{ "request", "SELECT title FROM requests WHERE id = $1" },
	{ "inspection", "SELECT title FROM requests WHERE id = $1" },
	{ "visit", "SELECT e.name FROM visits v JOIN enterprises e ON e.id = v.enterprise_id WHERE v.id = $1" },
	{ "trip", "SELECT destination FROM trips WHERE id = $1" },
	{ "policy", "SELECT name FROM policies WHERE id = $1" },
	{ "street", "SELECT name FROM streets WHERE id = $1" },
	{ "department", "SELECT name FROM departments WHERE id = $1" },
	{ "api_token", "SELECT name FROM api_tokens WHERE id = $1" },
	{ "channel", "SELECT CASE WHEN name <> '' THEN name ELSE kind END FROM channels WHERE id = $1" },
};

/* The label of entity entity_id into out (outlen bytes); "" when unknown. */
static void audit_label(db_t *db, const char *entity, const char *entity_id, char *out, size_t outlen)
{
	out[0] = '\0';
	if (!entity || !entity_id || !*entity_id || strlen(entity_id) > 15 ||
	    strspn(entity_id, "0123456789") != strlen(entity_id))
		return;   /* ids only: a text in a BIGINT comparison would abort a PostgreSQL transaction */
	for (size_t i = 0; i < sizeof LABEL_SQL / sizeof LABEL_SQL[0]; i++) {
		if (strcmp(entity, LABEL_SQL[i].entity) != 0)
			continue;
		db_stmt_t *st = db_prepare(db, LABEL_SQL[i].sql);
		if (st == NULL)
			return;
		db_bind_int(st, 1, strtoll(entity_id, NULL, 10));
		if (db_step(st) == DB_ROW)
			text_trim_into(db_col_text(st, 0), out, outlen);
		db_done(st);
		return;
	}
}

int audit_write_as(db_t *db, int64_t user_id, const char *username, const char *ip, const char *action,
                   const char *entity, const char *entity_id, int status, const char *detail)
{
	char label[256];
	audit_label(db, entity, entity_id, label, sizeof label);
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, status, detail, ip, label)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, now_sec());
	if (user_id > 0) db_bind_int(st, 2, user_id); else db_bind_null(st, 2);
	db_bind_text(st, 3, username ? username : "");
	db_bind_text(st, 4, action);
	db_bind_text(st, 5, entity ? entity : "");
	db_bind_text(st, 6, entity_id ? entity_id : "");
	db_bind_int(st, 7, status);
	db_bind_text(st, 8, detail ? detail : "");
	db_bind_text(st, 9, ip ? ip : "");
	db_bind_text(st, 10, label);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

int audit_write(db_t *db, const user_t *user, const char *ip, const char *action,
                const char *entity, const char *entity_id, int status, const char *detail)
{
	return audit_write_as(db, user ? user->id : 0, user ? user->username : "(system)", ip, action, entity, entity_id,
	                      status, detail);
}
