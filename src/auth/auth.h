/*
 * auth.h -- accounts, passwords, sessions, API tokens, login throttling
 * and the audit log.
 *
 * Owns the tables users, sessions, api_tokens, login_failures, audit_log.
 * Passwords are argon2id strings from libsodium; session and API tokens
 * are 32 random bytes shown to the client once and stored only as their
 * BLAKE2b hash.  All state is in the database, so any server instance can
 * serve any request.  The same functions serve the HTTP API and the CLI.
 */
#ifndef ZONEOPS_AUTH_H
#define ZONEOPS_AUTH_H

#include "http/http.h"

#define SESSION_COOKIE "zo_session"
#define SESSION_TTL (12 * 3600)
#define LOGIN_MAX_PER_ACCOUNT 10   /* failures per minute before 429 */
#define LOGIN_MAX_PER_ADDRESS 50

int auth_init(void);   /* sodium_init; -1 on failure */

/* argon2id.  Returns 0 ok / -1 (out of memory). out has crypto_pwhash_STRBYTES. */
int password_hash(const char *password, char *out, size_t outlen);
int password_verify(const char *hash, const char *password);  /* 1 match */
/* Problems with a new password, or NULL when acceptable. */
const char *password_problem(const char *password);

/* Resolve r->user from the Bearer token or the session cookie. 0 ok
 * (user may stay NULL), -1 database error. */
int auth_resolve(req_t *r);
int auth_csrf_ok(req_t *r, const char *token);
/* Resolve r->user from an API token given some other way (Open311's
 * api_key).  0 ok (user stays NULL for an unknown token), -1 db error. */
int auth_token_user(req_t *r, const char *token);

/* Create a session for user_id; fills token (cookie value) and csrf, each
 * 65 bytes.  Returns DB_OK or a DB_ error. */
int session_create(db_t *db, int64_t user_id, char token[65], char csrf[65]);
int session_delete(db_t *db, const char *token);
/* The stored form of a session or API token: hex BLAKE2b-256. */
void session_token_hash(const char *token, char out[65]);
/* Create an API token for username; token gets "zo_" + 64 hex (68 bytes). */
int token_create(db_t *db, const char *username, const char *name, char token[68], char **err);

/* Users, shared by the API and the CLI.  Validate and write one user;
 * on a problem return -1 with *field and *msg (static strings) and *code
 * (422 validation / 409 exists). */
struct user_input {
	const char *username, *display_name, *role, *password;
	int64_t unit_id, enterprise_id, department_id;
	int has_unit, has_enterprise, has_department;
};
int user_create(db_t *db, const struct user_input *in, int64_t *id, int *status,
                const char **code, const char **field, const char **msg);
int user_set_password(db_t *db, const char *username, const char *password, const char **msg);
int64_t user_id_by_name(db_t *db, const char *username);

/* Throttling (login_failures): 1 when key has reached max failures in the
 * last 60 seconds. */
int throttle_blocked(db_t *db, const char *key, int max);
void throttle_fail(db_t *db, const char *key);
void throttle_clear(db_t *db, const char *key);

/* Append one audit row.  user may be NULL (CLI, system). */
int audit_write(db_t *db, const user_t *user, const char *ip, const char *action,
                const char *entity, const char *entity_id, int status, const char *detail);

/* HTTP handlers (auth_api.c). */
void api_login(req_t *r);
void api_logout(req_t *r);
void api_me(req_t *r);
void api_users_list(req_t *r);
void api_users_create(req_t *r);
void api_user_get(req_t *r);
void api_user_update(req_t *r);
void api_user_delete(req_t *r);
void api_audit_list(req_t *r);

#endif
