/*
 * users.c -- user accounts, shared by the API (admin/account.c), the CLI
 * and the demo: one validation for creating and changing a user.
 */
#include "auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define ROLE_LIST "admin, leader, recruiter, officer, department, statistician, enterprise"

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

/* The account rules: a role from the list, a password when one is set
 * (always when creating), the link each role needs (a recruiter's unit, an
 * enterprise account's enterprise, a department account's department) and
 * links to rows that exist.  0, or -1 with err (422 invalid). */
static int user_check(db_t *db, const struct user_input *in, int creating, err_t *err)
{
	if (creating && (in->username == NULL || !username_ok(in->username)))
		return err_set(err, 422, "invalid", "username", "username: 2-32 letters, digits, '_', '.' or '-'");
	if (in->role == NULL || role_bit(in->role) == 0)
		return err_set(err, 422, "invalid", "role", "role must be one of " ROLE_LIST);
	if ((creating && in->password_hash == NULL) || in->password) {
		const char *pp = password_problem(in->password);
		if (pp)
			return err_set(err, 422, "invalid", "password", "%s", pp);
	}
	if (in->display_name && utf8_len(in->display_name) > 64)
		return err_set(err, 422, "invalid", "display_name", "display_name must have at most 64 characters");
	if (strcmp(in->role, "recruiter") == 0 && !in->has_unit)
		return err_set(err, 422, "invalid", "unit_id", "a recruiter belongs to an investment unit: give unit_id");
	if (strcmp(in->role, "enterprise") == 0 && !in->has_enterprise)
		return err_set(err, 422, "invalid", "enterprise_id", "an enterprise account needs enterprise_id");
	if (strcmp(in->role, "department") == 0 && !in->has_department)
		return err_set(err, 422, "invalid", "department_id", "a department account needs department_id");
	static const struct {
		const char *sql, *field, *msg;
	} links[3] = {
		{ "SELECT 1 FROM units WHERE id = $1", "unit_id", "no such unit" },
		{ "SELECT 1 FROM enterprises WHERE id = $1", "enterprise_id", "no such enterprise" },
		{ "SELECT 1 FROM departments WHERE id = $1", "department_id", "no such department" },
	};
	const int64_t ids[3] = { in->unit_id, in->enterprise_id, in->department_id };
	const int has[3] = { in->has_unit, in->has_enterprise, in->has_department };
	for (int i = 0; i < 3; i++)
		if (has[i] && !exists(db, links[i].sql, ids[i])) {
			err_set(err, 422, "invalid", links[i].field, "%s", links[i].msg);
			return err_param(err, "id", "%lld", (long long)ids[i]);
		}
	return 0;
}

/* password's argon2id string into hash, or -1 with err. */
static int hash_password(const char *password, char hash[crypto_pwhash_STRBYTES], err_t *err)
{
	if (password_hash(password, hash, crypto_pwhash_STRBYTES) != 0)
		return err_set(err, 500, "internal", NULL, "cannot hash the password");
	return 0;
}

static void bind_links(db_stmt_t *st, int first, const struct user_input *in)
{
	if (in->has_unit) db_bind_int(st, first, in->unit_id); else db_bind_null(st, first);
	if (in->has_enterprise) db_bind_int(st, first + 1, in->enterprise_id); else db_bind_null(st, first + 1);
	if (in->has_department) db_bind_int(st, first + 2, in->department_id); else db_bind_null(st, first + 2);
}

static int exists_error(err_t *err)
{
	return err_set(err, 409, "exists", "username", "a user with this username exists");
}

int user_create(db_t *db, const struct user_input *in, int64_t *id, err_t *err)
{
	if (user_check(db, in, 1, err) < 0)
		return -1;
	if (user_id_by_name(db, in->username) > 0)
		return exists_error(err);
	char hash[crypto_pwhash_STRBYTES];
	if (in->password_hash)
		snprintf(hash, sizeof hash, "%s", in->password_hash);
	else if (hash_password(in->password, hash, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO users (username, display_name, role, password_hash, unit_id, enterprise_id, department_id,"
		" created_at, updated_at, must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the user");
	db_bind_text(st, 1, in->username);
	db_bind_text(st, 2, in->display_name ? in->display_name : in->username);
	db_bind_text(st, 3, in->role);
	db_bind_text(st, 4, hash);
	bind_links(st, 5, in);
	db_bind_int(st, 8, now_sec());
	db_bind_int(st, 9, in->must_change ? 1 : 0);
	int rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_col_int(st, 0);
	db_done(st);
	if (rc == DB_CONSTRAINT)
		return exists_error(err);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "saving the user");
	return 0;
}

int user_update(db_t *db, int64_t id, const struct user_input *in, err_t *err)
{
	if (user_check(db, in, 0, err) < 0)
		return -1;
	char hash[crypto_pwhash_STRBYTES] = "";
	if (in->password && hash_password(in->password, hash, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"UPDATE users SET display_name = $1, role = $2, unit_id = $3, enterprise_id = $4, department_id = $5,"
		" updated_at = $6, password_hash = COALESCE(CAST($7 AS TEXT), password_hash),"
		" must_change_password = COALESCE(CAST($9 AS INTEGER), must_change_password) WHERE id = $8");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the user");
	db_bind_text(st, 1, in->display_name ? in->display_name : "");
	db_bind_text(st, 2, in->role);
	bind_links(st, 3, in);
	db_bind_int(st, 6, now_sec());
	db_bind_text(st, 7, in->password ? hash : NULL);
	db_bind_int(st, 8, id);
	if (in->has_must_change) db_bind_int(st, 9, in->must_change ? 1 : 0); else db_bind_null(st, 9);
	int rc = db_step(st);
	int64_t n = rc == DB_DONE ? db_changes(st) : 0;
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "saving the user");
	if (n == 0)
		return err_set(err, 404, "not_found", "id", "no such user");
	return 0;
}

int user_set_password(db_t *db, const char *username, const char *password, int must_change, err_t *err)
{
	const char *pp = password_problem(password);
	if (pp)
		return err_set(err, 422, "invalid", "password", "%s", pp);
	int64_t id = user_id_by_name(db, username);
	if (id <= 0) {
		err_set(err, 404, "not_found", "username", "no such user: %s", username);
		return err_param(err, "user", "%s", username);
	}
	char hash[crypto_pwhash_STRBYTES];
	if (hash_password(password, hash, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"UPDATE users SET password_hash = $1, updated_at = $2, must_change_password = $3 WHERE id = $4");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "setting the password");
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, now_sec());
	db_bind_int(st, 3, must_change ? 1 : 0);
	db_bind_int(st, 4, id);
	int rc = db_step(st);
	db_done(st);
	if (rc == DB_DONE)
		rc = user_credentials_revoke(db, id, NULL);
	if (rc != DB_OK && rc != DB_DONE)
		return db_fail(err, db, rc, "setting the password");
	return 0;
}

int user_credentials_revoke(db_t *db, int64_t user_id, const char *keep)
{
	int rc = session_end_others(db, user_id, keep);
	return rc == DB_OK ? token_revoke_all(db, user_id) : rc;
}

int user_set_must_change(db_t *db, int64_t user_id, int on)
{
	db_stmt_t *st = db_prepare(db, "UPDATE users SET must_change_password = $1 WHERE id = $2");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, on ? 1 : 0);
	db_bind_int(st, 2, user_id);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

int64_t user_id_by_name(db_t *db, const char *username)
{
	const char *p[1] = { username };
	return db_int1(db, "SELECT id FROM users WHERE username = $1", 0, 1, p);
}

int64_t user_street_id(db_t *db, const user_t *u)
{
	if (u == NULL || u->role_bit != ROLE_DEPARTMENT || u->department_id <= 0)
		return 0;
	db_stmt_t *st = db_prepare(db, "SELECT street_id FROM departments WHERE id = $1");
	if (st == NULL)
		return 0;
	db_bind_int(st, 1, u->department_id);
	int64_t sid = db_step(st) == DB_ROW && !db_col_isnull(st, 0) ? db_col_int(st, 0) : 0;
	db_done(st);
	return sid;
}
