/*
 * auth.h -- who the caller is: roles, accounts, passwords, sessions, API
 * tokens, the kiosk's one-time codes, login throttling and the audit log.
 *
 * Owns the tables users, sessions, api_tokens, kiosk_codes,
 * login_failures, audit_log.  Passwords are argon2id strings from
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
} user_t;

#define SESSION_TTL (12 * 3600)
#define LOGIN_MAX_PER_ACCOUNT 10   /* failures per minute before 429 */
#define LOGIN_MAX_PER_ADDRESS 50
#define KIOSK_CODE_TTL 600         /* seconds a kiosk code is valid */

int auth_init(void);   /* sodium_init; -1 on failure */

/* ---- passwords ---- */
/* argon2id.  Returns 0 ok / -1 (out of memory). out has crypto_pwhash_STRBYTES. */
int password_hash(const char *password, char *out, size_t outlen);
int password_verify(const char *hash, const char *password);  /* 1 match */
/* Problems with a new password, or NULL when acceptable. */
const char *password_problem(const char *password);

/* ---- the caller (auth.c) ---- */
/* The user of an API token ("zo_..."), allocated in a.  0 with *user set,
 * or NULL for an unknown token; -1 on a database error. */
int auth_token_user(db_t *db, arena_t *a, const char *token, user_t **user);
/* The user of a live session token (the cookie's value) and the session's
 * CSRF token, both allocated in a.  0 (*user NULL when the session is
 * unknown or expired), -1 on a database error. */
int auth_session_user(db_t *db, arena_t *a, const char *token, user_t **user, const char **csrf);
/* 1 when given equals the session's expected CSRF token (constant time). */
int auth_csrf_equal(const char *expected, const char *given);

/* One login attempt.  Three ways in: username and password; an
 * enterprise's credit code and the password of one of its accounts; at the
 * kiosk, the credit code and a one-time code (no password).  Unused fields
 * are NULL.  ip keys the per-address throttle. */
struct login_in {
	const char *username, *credit_code, *password, *kiosk_code, *ip;
};
enum login_way { LOGIN_PASSWORD, LOGIN_CREDIT_CODE, LOGIN_KIOSK };
/* 0 with *user (allocated in a) and *way; else -1 with err: 422 for a
 * missing or contradictory field, 401 invalid_credentials for every wrong
 * name, code or password alike, 429 too_many_attempts (retry after a
 * minute), or a database error. */
int auth_login(db_t *db, arena_t *a, const struct login_in *in, user_t **user, enum login_way *way, err_t *err);

/* ---- sessions and API tokens ---- */
/* Create a session for user_id; fills token (cookie value) and csrf, each
 * 65 bytes.  Returns DB_OK or a DB_ error. */
int session_create(db_t *db, int64_t user_id, char token[65], char csrf[65]);
int session_delete(db_t *db, const char *token);
/* End user_id's sessions except the one of token keep (may be NULL). */
int session_end_others(db_t *db, int64_t user_id, const char *keep);
/* The stored form of a session or API token: hex BLAKE2b-256. */
void session_token_hash(const char *token, char out[65]);
/* Create an API token for username; token gets "zo_" + 64 hex (68 bytes).
 * 0, or -1 with err (404 no such user, or a database error). */
int token_create(db_t *db, const char *username, const char *name, char token[68], err_t *err);

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
};
/* Validate and insert one user.  0 with *id, or -1 with err (422 invalid
 * with the field, 409 exists, or a database error). */
int user_create(db_t *db, const struct user_input *in, int64_t *id, err_t *err);
/* Replace user id's display name, role and links with in's (the username
 * is not changed; in->password, when given, is set too).  0, or -1 with
 * err (404 not_found, 422 invalid, or a database error). */
int user_update(db_t *db, int64_t id, const struct user_input *in, err_t *err);
/* 0, or -1 with err (422 invalid password, 404 no such user, db error). */
int user_set_password(db_t *db, const char *username, const char *password, err_t *err);
int64_t user_id_by_name(db_t *db, const char *username);

/* ---- throttling (login_failures) ---- */
/* 1 when key has reached max failures in the last 60 seconds. */
int throttle_blocked(db_t *db, const char *key, int max);
void throttle_fail(db_t *db, const char *key);
void throttle_clear(db_t *db, const char *key);

/* ---- the audit log ---- */
/* Append one audit row.  user may be NULL (CLI, system). */
int audit_write(db_t *db, const user_t *user, const char *ip, const char *action,
                const char *entity, const char *entity_id, int status, const char *detail);

#endif
