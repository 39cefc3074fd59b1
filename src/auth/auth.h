/*
 * auth.h -- who the caller is: roles, accounts, passwords, sessions, API
 * tokens, the kiosk's one-time codes, login throttling and the audit log.
 *
 * Owns the tables users, sessions, api_tokens, kiosk_codes,
 * login_failures, audit_log.  Functions that depend on the time take it
 * as a parameter (now), so that tests can move it.  Passwords are argon2id strings from
 * libsodium; session, API and kiosk tokens are random, shown to the client
 * once and stored only as their BLAKE2b hash.  All state is in the
 * database, so any server instance can serve any request.
 *
 * No HTTP here: the router (http/router.c) reads the Bearer token or the
 * session cookie from the request and asks auth_token_user() or
 * auth_session_user() for the caller; the account handlers (admin/
 * account.c) parse the login and call auth_login(); the CLI calls the same
 * user functions.  Everything takes a db_t and returns DB_ codes or an
 * err_t.
 */
#ifndef ZONEOPS_AUTH_H
#define ZONEOPS_AUTH_H

#include <stdint.h>

#include "core/core.h"
#include "store/store.h"

/* Roles, as bits so that a route can allow several (role_bit()). */
enum {
	ROLE_ADMIN = 1 << 0,
	ROLE_LEADER = 1 << 1,
	ROLE_RECRUITER = 1 << 2,
	ROLE_OFFICER = 1 << 3,
	ROLE_DEPARTMENT = 1 << 4,
	ROLE_STATISTICIAN = 1 << 5,
	ROLE_ENTERPRISE = 1 << 6,
};
#define ROLE_ALL   0x7f                          /* every role */
#define ROLE_STAFF (ROLE_ALL & ~ROLE_ENTERPRISE)  /* the zone's own people */

/* The bit of a role name, 0 for an unknown name. */
int role_bit(const char *role);
/* The role names in bit order, NULL-terminated. */
const char *const *role_names(void);

/* A logged-in user, as the request (or a job) sees it. */
typedef struct user {
	int64_t id;
	const char *username, *display_name, *role;
	int role_bit;
	int64_t unit_id, enterprise_id, department_id;  /* 0 when unset */
	int must_change_password;   /* 1: only /me, the password change and logout until changed */
	int kiosk_session;          /* the caller's session is a kiosk's */
} user_t;

/* Sessions: an ordinary one lasts SESSION_TTL (a persistent cookie); a
 * kiosk's (a login at the public kiosk) has a session-only cookie, ends
 * after KIOSK_IDLE seconds without a request and KIOSK_TTL after the login
 * whatever happens. */
#define SESSION_TTL (12 * 3600)
#define KIOSK_IDLE 120
#define KIOSK_TTL (15 * 60)
/* API tokens: valid TOKEN_DAYS_DEFAULT days unless asked otherwise, at most
 * TOKEN_DAYS_MAX; last_used_at is written at most every TOKEN_TOUCH seconds. */
#define TOKEN_DAYS_DEFAULT 90
#define TOKEN_DAYS_MAX 365
#define TOKEN_TOUCH 60
#define TOKEN_NAME_MAX 64          /* characters */
#define KIOSK_CODE_TTL 600         /* seconds a kiosk code is valid */

/* Login throttling.  Failures are counted over LOGIN_WINDOW seconds in
 * three buckets: the account from one address (the pair), the account from
 * every address, and the address for every account.
 *   - the pair: after LOGIN_MAX_PER_PAIR failures the next attempt waits
 *     LOGIN_PAIR_WAIT seconds after the last failure, doubling with every
 *     further failure up to LOGIN_PAIR_WAIT_MAX (429 with Retry-After).
 *     This is what stops one guesser; nobody else is affected.
 *   - the account: from LOGIN_MAX_PER_ACCOUNT failures (many addresses)
 *     attempts are spaced -- 1 s after the last failure, doubling every 5
 *     failures up to LOGIN_ACCOUNT_WAIT_MAX -- which slows guessing for
 *     everyone but never locks the account.
 *   - the address: LOGIN_MAX_PER_ADDRESS failures a minute (one address
 *     trying many accounts), then 60 s.
 * The account is the same whichever way in: an enterprise's accounts share
 * one bucket (username, credit code and password, the kiosk's code). */
#define LOGIN_WINDOW 900
#define LOGIN_MAX_PER_PAIR 10
#define LOGIN_PAIR_WAIT 60
#define LOGIN_PAIR_WAIT_MAX 900
#define LOGIN_MAX_PER_ACCOUNT 50
#define LOGIN_ACCOUNT_WAIT_MAX 60
#define LOGIN_MAX_PER_ADDRESS 50

int auth_init(void);   /* sodium_init; -1 on failure */

/* ---- passwords ---- */
/* argon2id.  Returns 0 ok / -1 (out of memory). out has crypto_pwhash_STRBYTES. */
int password_hash(const char *password, char *out, size_t outlen);
int password_verify(const char *hash, const char *password);  /* 1 match */
/* Problems with a new password, or NULL when acceptable. */
const char *password_problem(const char *password);

/* ---- the caller (auth.c) ---- */
/* The user of a live API token ("zo_..."), allocated in a: 0 with *user
 * set, or NULL for an unknown, expired or revoked token; -1 on a database
 * error.  Records the use (last_used_at, at most every TOKEN_TOUCH s).
 * auth_token_user() is auth_token_user_at() with now_sec(). */
int auth_token_user(db_t *db, arena_t *a, const char *token, user_t **user);
int auth_token_user_at(db_t *db, arena_t *a, const char *token, int64_t now, user_t **user);
/* The user of a live session token (the cookie's value) and the session's
 * CSRF token, both allocated in a.  0 (*user NULL when the session is
 * unknown or expired), -1 on a database error.  A kiosk session idle for
 * KIOSK_IDLE seconds is deleted and answers NULL; a live one is moved on
 * (last_seen_at = now). */
int auth_session_user(db_t *db, arena_t *a, const char *token, user_t **user, const char **csrf);
int auth_session_user_at(db_t *db, arena_t *a, const char *token, int64_t now, user_t **user, const char **csrf);
/* 1 when given equals the session's expected CSRF token (constant time). */
int auth_csrf_equal(const char *expected, const char *given);

/* One login attempt.  Three ways in: username and password; an
 * enterprise's credit code and the password of one of its accounts; at the
 * kiosk, the credit code and a one-time code (no password).  Unused fields
 * are NULL.  ip keys the throttle; kiosk: the attempt comes from the
 * kiosk's screen (a password login there makes a kiosk session too). */
struct login_in {
	const char *username, *credit_code, *password, *kiosk_code, *ip;
	int kiosk;
};
enum login_way { LOGIN_PASSWORD, LOGIN_CREDIT_CODE, LOGIN_KIOSK };
/* 0 with *user (allocated in a) and *way; else -1 with err: 422 for a
 * missing or contradictory field, 401 invalid_credentials for every wrong
 * name, code or password alike, 429 too_many_attempts with the param
 * retry_after (seconds), or a database error.  A 401 or 429 writes an
 * audit row (login.failed) at once: call it outside a transaction that may
 * be rolled back. */
int auth_login(db_t *db, arena_t *a, const struct login_in *in, int64_t now, user_t **user, enum login_way *way,
               err_t *err);

/* ---- sessions ---- */
/* Create a session for user_id (a kiosk's when kiosk); fills token (cookie
 * value) and csrf, each 65 bytes.  Returns DB_OK or a DB_ error. */
int session_create(db_t *db, int64_t user_id, int kiosk, int64_t now, char token[65], char csrf[65]);
int session_delete(db_t *db, const char *token);
/* End user_id's sessions except the one of token keep (may be NULL). */
int session_end_others(db_t *db, int64_t user_id, const char *keep);
/* The stored form of a session or API token: hex BLAKE2b-256. */
void session_token_hash(const char *token, char out[65]);
/* nbytes (at most 64) random bytes as hex into out (2 * nbytes + 1). */
void auth_random_hex(char *out, size_t nbytes);

/* ---- API tokens (tokens.c) ---- */
struct token_info {
	int64_t id, user_id, created_at, expires_at, last_used_at;  /* last_used_at 0: never */
	const char *name, *username;
};
/* Create an API token for user_id, named name (NULL: ""; at most
 * TOKEN_NAME_MAX characters), valid days days (0: TOKEN_DAYS_DEFAULT;
 * 1..TOKEN_DAYS_MAX).  token gets "zo_" + 64 hex (68 bytes), shown once;
 * *info (may be NULL) the stored row.  0, or -1 with err (422 invalid name
 * or expires_in_days, 404 no such user, or a database error). */
int token_create(db_t *db, int64_t user_id, const char *name, int64_t days, int64_t now, char token[68],
                 struct token_info *info, err_t *err);
/* The tokens of user_id (0: everyone's), newest first, into *out
 * (allocated in a).  The count, or -1 on a database error. */
int token_list(db_t *db, arena_t *a, int64_t user_id, struct token_info **out);
/* Token id into *info (strings in a): 1 found, 0 not, -1 database error. */
int token_get(db_t *db, arena_t *a, int64_t id, struct token_info *info);
/* Revoke (delete) token id; 1 when it existed, 0 not, -1 database error. */
int token_revoke(db_t *db, int64_t id);
/* Revoke every token of user_id.  DB_OK or a DB_ error. */
int token_revoke_all(db_t *db, int64_t user_id);

/* ---- the kiosk's one-time codes (kiosk.c) ---- */
/* Issue a six-digit code for enterprise_id, valid KIOSK_CODE_TTL seconds,
 * into code[8]; *expires_at gets its end.  DB_OK or a DB_ error. */
int kiosk_code_issue(db_t *db, int64_t enterprise_id, int64_t created_by, char code[8], int64_t *expires_at);
/* Spend a code: 1 when it was valid (and is now used), else 0. */
int kiosk_code_consume(db_t *db, int64_t enterprise_id, const char *code);

/* ---- users (users.c), shared by the API and the CLI ---- */
struct user_input {
	const char *username, *display_name, *role, *password;
	int64_t unit_id, enterprise_id, department_id;
	int has_unit, has_enterprise, has_department;
	/* user_create: an argon2id string (password_hash()) stored instead of
	 * hashing password, which is then not needed: the demo's accounts share
	 * one hash of their common password.  The API never sets it. */
	const char *password_hash;
	int must_change, has_must_change;   /* the must_change_password flag; update: only when has_ */
};
/* Validate and insert one user.  0 with *id, or -1 with err (422 invalid
 * with the field, 409 exists, or a database error). */
int user_create(db_t *db, const struct user_input *in, int64_t *id, err_t *err);
/* Replace user id's display name, role and links with in's (the username
 * is not changed; in->password, when given, is set too).  0, or -1 with
 * err (404 not_found, 422 invalid, or a database error). */
int user_update(db_t *db, int64_t id, const struct user_input *in, err_t *err);
/* The CLI's `user passwd`: set username's password and its
 * must_change_password flag, end all its sessions and revoke its API
 * tokens.  0, or -1 with err (422 invalid password, 404 no such user, db
 * error). */
int user_set_password(db_t *db, const char *username, const char *password, int must_change, err_t *err);
/* After user_id's password was set by someone (an admin): end its sessions
 * but the one of keep (may be NULL) and revoke its API tokens.  DB_OK or a
 * DB_ error. */
int user_credentials_revoke(db_t *db, int64_t user_id, const char *keep);
/* Set or clear user_id's must_change_password flag.  DB_OK or a DB_ error. */
int user_set_must_change(db_t *db, int64_t user_id, int on);
/* A user's change of its own password: current is checked (a wrong one is
 * counted and audited like a failed login from ip, and throttled the
 * same), new_password by password_problem() and against the current one;
 * then, in one transaction, the new hash, the flag cleared, the other
 * sessions ended (keep: the caller's session token, or NULL), the API
 * tokens revoked and an audit row.  0, or -1 with err (422 wrong_password
 * field current; 422 invalid or same_password field new; 429
 * too_many_attempts; or a database error). */
int user_change_own_password(db_t *db, arena_t *a, const user_t *u, const char *current, const char *new_password,
                             const char *ip, const char *keep, int64_t now, err_t *err);
int64_t user_id_by_name(db_t *db, const char *username);
/* 区街上下联动: the street whose office (街道办事处: a department with
 * departments.street_id) u works for -- the street of a department user's
 * department -- or 0 (not a department user, a department of no street, or
 * a database error: the caller then sees no more than a department). */
int64_t user_street_id(db_t *db, const user_t *u);

/* ---- the audit log ---- */
/* Append one audit row.  user may be NULL (CLI, system). */
int audit_write(db_t *db, const user_t *user, const char *ip, const char *action,
                const char *entity, const char *entity_id, int status, const char *detail);
/* The same for a caller known only by a name (a failed login: the name
 * typed; user_id 0 when no account has it). */
int audit_write_as(db_t *db, int64_t user_id, const char *username, const char *ip, const char *action,
                   const char *entity, const char *entity_id, int status, const char *detail);

#endif
