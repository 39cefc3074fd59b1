/*
 * tokens.c -- API tokens: created for a user with a name and an expiry
 * (TOKEN_DAYS_DEFAULT days unless asked, at most TOKEN_DAYS_MAX), shown
 * once and stored as their hash, listed with their last use, revoked one
 * by one or all at once (a password change).  The caller of a token is
 * auth_token_user() (auth.c).
 */
#include "auth.h"

#include <stdio.h>
#include <string.h>

/* Live and expired tokens a user may hold at most (409 beyond). */
#define TOKENS_PER_USER 50

#define TOKEN_COLS \
	"SELECT t.id, t.user_id, u.username, t.name, t.created_at, t.expires_at, t.last_used_at" \
	" FROM api_tokens t JOIN users u ON u.id = t.user_id"

static void token_from_row(arena_t *a, db_stmt_t *st, struct token_info *t)
{
	t->id = db_col_int(st, 0);
	t->user_id = db_col_int(st, 1);
	t->username = arena_strdup(a, db_col_text(st, 2));
	t->name = arena_strdup(a, db_col_text(st, 3));
	t->created_at = db_col_int(st, 4);
	t->expires_at = db_col_int(st, 5);
	t->last_used_at = db_col_int(st, 6);
}

/* The checks of a new token's name and life; 0, or -1 with err (422). */
static int token_check(const char *name, int64_t days, err_t *err)
{
	if (!text_ok(name, TOKEN_NAME_MAX, 0)) {
		err_set(err, 422, "invalid", "name", "a token's name has at most %d characters and no control characters",
		        TOKEN_NAME_MAX);
		return err_param(err, "max", "%d", TOKEN_NAME_MAX);
	}
	if (days < 1 || days > TOKEN_DAYS_MAX) {
		err_set(err, 422, "invalid", "expires_in_days", "expires_in_days is 1 to %d", TOKEN_DAYS_MAX);
		return err_param(err, "reason", "range"), err_param(err, "min", "1"),
		       err_param(err, "max", "%d", TOKEN_DAYS_MAX);
	}
	return 0;
}

int token_create(db_t *db, int64_t user_id, const char *name, int64_t days, int64_t now, char token[68],
                 struct token_info *info, err_t *err)
{
	if (name == NULL)
		name = "";
	if (days == 0)
		days = TOKEN_DAYS_DEFAULT;
	if (token_check(name, days, err) < 0)
		return -1;
	char ids[24];
	snprintf(ids, sizeof ids, "%lld", (long long)user_id);
	const char *p[1] = { ids };
	if (db_int1(db, "SELECT count(*) FROM users WHERE id = CAST($1 AS BIGINT)", 0, 1, p) <= 0) {
		err_set(err, 404, "not_found", "user_id", "no such user");
		return err_param(err, "id", "%s", ids);
	}
	if (db_int1(db, "SELECT count(*) FROM api_tokens WHERE user_id = CAST($1 AS BIGINT)", 0, 1, p) >= TOKENS_PER_USER) {
		err_set(err, 409, "too_many_tokens", NULL, "a user holds at most %d API tokens: revoke one first",
		        TOKENS_PER_USER);
		return err_param(err, "max", "%d", TOKENS_PER_USER);
	}
	char h[65];
	memcpy(token, "zo_", 3);
	auth_random_hex(token + 3, 32);
	session_token_hash(token, h);
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
		" RETURNING id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "creating the token");
	db_bind_text(st, 1, h);
	db_bind_int(st, 2, user_id);
	db_bind_text(st, 3, name);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, now + days * 86400);
	int rc = db_step(st);
	int64_t id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "creating the token");
	if (info) {
		*info = (struct token_info){ .id = id, .user_id = user_id, .created_at = now, .expires_at = now + days * 86400,
		                             .name = name, .username = NULL };
	}
	return 0;
}

int token_list(db_t *db, arena_t *a, int64_t user_id, struct token_info **out)
{
	*out = NULL;
	db_stmt_t *st = db_prepare(db, TOKEN_COLS " WHERE (CAST($1 AS BIGINT) = 0 OR t.user_id = $1) ORDER BY t.id DESC");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, user_id);
	int n = 0, cap = 0, rc;
	struct token_info *v = NULL;
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct token_info *w = arena_alloc(a, (size_t)cap * sizeof *w);
			if (n)
				memcpy(w, v, (size_t)n * sizeof *w);
			v = w;
		}
		token_from_row(a, st, &v[n++]);
	}
	db_done(st);
	if (rc != DB_DONE)
		return -1;
	*out = v;
	return n;
}

int token_get(db_t *db, arena_t *a, int64_t id, struct token_info *info)
{
	db_stmt_t *st = db_prepare(db, TOKEN_COLS " WHERE t.id = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW)
		token_from_row(a, st, info);
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int token_revoke(db_t *db, int64_t id)
{
	db_stmt_t *st = db_prepare(db, "DELETE FROM api_tokens WHERE id = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	int64_t n = rc == DB_DONE ? db_changes(st) : 0;
	db_done(st);
	return rc != DB_DONE ? -1 : n > 0;
}

int token_revoke_all(db_t *db, int64_t user_id)
{
	db_stmt_t *st = db_prepare(db, "DELETE FROM api_tokens WHERE user_id = $1");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, user_id);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}
