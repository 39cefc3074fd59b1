/*
 * test_auth.c -- who the caller is, without HTTP: roles, the account rules
 * of user_create/user_update, the three ways to log in (username, credit
 * code, the kiosk's one-time code), throttling, sessions with their CSRF
 * token, and API tokens.  On the fixtures of testutil.h, in a temporary
 * SQLite file or $ZONEOPS_TEST_DB.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "testutil.h"

static testdb_t g_t;
static db_t *g_db;
static struct fixture g_f;
static arena_t *g_a;

static int group_setup(void **state)
{
	(void)state;
	if (auth_init() != 0 || testdb_open(&g_t, "auth", 1, 1) < 0)
		return -1;
	g_db = g_t.db;
	g_a = arena_new();
	return testdb_fixture(g_db, &g_f);
}

static int group_teardown(void **state)
{
	(void)state;
	arena_free(g_a);
	testdb_close(&g_t);
	return 0;
}

/* A name unique to this run (the store may be shared). */
static const char *uname(const char *base)
{
	return arena_printf(g_a, "%s.%ld", base, (long)getpid() % 100000000);
}

static void test_roles(void **state)
{
	(void)state;
	const char *const *names = role_names();
	for (int i = 0; names[i]; i++)
		assert_int_equal(role_bit(names[i]), 1 << i);
	assert_int_equal(role_bit("recruiter"), ROLE_RECRUITER);
	assert_int_equal(role_bit("boss"), 0);
	assert_int_equal(role_bit(NULL), 0);
	assert_int_equal(ROLE_STAFF | ROLE_ENTERPRISE, ROLE_ALL);
}

/* user_create's answer for in: the error's field, or "" when created. */
static const char *create(struct user_input in, int status)
{
	int64_t id = 0;
	err_t e;
	if (user_create(g_db, &in, &id, &e) == 0) {
		assert_true(id > 0);
		assert_int_equal(status, 201);
		return "";
	}
	assert_int_equal(e.status, status);
	return e.field ? e.field : "(none)";
}

static void test_user_rules(void **state)
{
	(void)state;
	const char *pw = "long-enough-1";
	assert_string_equal(create((struct user_input){ .username = "x", .role = "admin", .password = pw }, 422), "username");
	assert_string_equal(create((struct user_input){ .username = uname("a"), .role = "boss", .password = pw }, 422), "role");
	assert_string_equal(create((struct user_input){ .username = uname("a"), .role = "admin", .password = "short" }, 422),
	                    "password");
	assert_string_equal(create((struct user_input){ .username = uname("a"), .role = "recruiter", .password = pw }, 422),
	                    "unit_id");
	assert_string_equal(create((struct user_input){ .username = uname("a"), .role = "enterprise", .password = pw }, 422),
	                    "enterprise_id");
	assert_string_equal(create((struct user_input){ .username = uname("a"), .role = "department", .password = pw,
	                                                .department_id = 999999999, .has_department = 1 }, 422),
	                    "department_id");
	assert_string_equal(create((struct user_input){ .username = uname("rec"), .role = "recruiter", .password = pw,
	                                                .unit_id = g_f.unit_id, .has_unit = 1 }, 201), "");
	assert_string_equal(create((struct user_input){ .username = uname("rec"), .role = "admin", .password = pw }, 409),
	                    "username");

	/* update: what is given replaces what is stored; the same rules */
	int64_t id = user_id_by_name(g_db, uname("rec"));
	assert_true(id > 0);
	err_t e;
	struct user_input up = { .display_name = "招商员", .role = "recruiter" };
	assert_int_equal(user_update(g_db, id, &up, &e), -1);
	assert_string_equal(e.field, "unit_id");
	up.unit_id = g_f.unit_id, up.has_unit = 1;
	up.password = "bad";
	assert_int_equal(user_update(g_db, id, &up, &e), -1);
	assert_string_equal(e.field, "password");
	up.password = "a-new-password";
	assert_int_equal(user_update(g_db, id, &up, &e), 0);
	const char *p[1] = { uname("rec") };
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM users WHERE username = $1 AND display_name = '招商员'", -1, 1, p), 1);
	assert_int_equal(user_update(g_db, 999999999, &up, &e), -1);
	assert_int_equal(e.status, 404);
	/* the new password logs in */
	user_t *u;
	enum login_way way;
	struct login_in in = { .username = uname("rec"), .password = "a-new-password", .ip = "10.0.0.1" };
	assert_int_equal(auth_login(g_db, g_a, &in, &u, &way, &e), 0);
	assert_int_equal(u->id, id);
	assert_int_equal(u->unit_id, g_f.unit_id);
	assert_int_equal(user_set_password(g_db, uname("nobody"), "long-enough-1", &e), -1);
	assert_int_equal(e.status, 404);
}

/* auth_login's status for in (0 when logged in; *who gets the user). */
static int login(struct login_in in, const user_t **who, enum login_way *way)
{
	user_t *u = NULL;
	err_t e;
	if (in.ip == NULL)
		in.ip = "10.0.0.2";
	if (auth_login(g_db, g_a, &in, &u, way, &e) < 0) {
		assert_null(u);
		return e.status;
	}
	if (who)
		*who = u;
	return 0;
}

static void test_login(void **state)
{
	(void)state;
	const user_t *officer = fixture_as(&g_f, ROLE_OFFICER), *ent = fixture_as(&g_f, ROLE_ENTERPRISE), *u = NULL;
	enum login_way way;
	/* username and password */
	assert_int_equal(login((struct login_in){ .username = officer->username, .password = TESTUTIL_PASSWORD }, &u, &way), 0);
	assert_int_equal(way, LOGIN_PASSWORD);
	assert_int_equal(u->id, officer->id);
	assert_int_equal(u->role_bit, ROLE_OFFICER);
	assert_int_equal(login((struct login_in){ .username = officer->username, .password = "wrong-password" }, NULL, &way), 401);
	assert_int_equal(login((struct login_in){ .username = uname("nobody"), .password = "wrong-password" }, NULL, &way), 401);
	/* the shape of the attempt */
	assert_int_equal(login((struct login_in){ .username = officer->username }, NULL, &way), 422);
	assert_int_equal(login((struct login_in){ .password = "x" }, NULL, &way), 422);
	assert_int_equal(login((struct login_in){ .username = "a", .credit_code = g_f.credit_code, .password = "x" }, NULL, &way),
	                 422);
	/* an enterprise's credit code (typed in lower case, with spaces) and its account's password */
	char typed[40];
	snprintf(typed, sizeof typed, " %s ", g_f.credit_code);
	for (char *c = typed; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	assert_int_equal(login((struct login_in){ .credit_code = typed, .password = TESTUTIL_PASSWORD }, &u, &way), 0);
	assert_int_equal(way, LOGIN_CREDIT_CODE);
	assert_int_equal(u->id, ent->id);
	assert_int_equal(u->enterprise_id, g_f.enterprise_id);
	/* the kiosk: a one-time code, spent once */
	char code[8];
	int64_t expires;
	assert_int_equal(kiosk_code_issue(g_db, g_f.enterprise_id, officer->id, code, &expires), DB_OK);
	assert_int_equal(strlen(code), 6);
	assert_true(expires > now_sec());
	assert_int_equal(login((struct login_in){ .credit_code = g_f.credit_code, .kiosk_code = "12345x" }, NULL, &way), 401);
	assert_int_equal(login((struct login_in){ .credit_code = g_f.credit_code, .kiosk_code = "" }, NULL, &way), 422);
	assert_int_equal(login((struct login_in){ .credit_code = g_f.credit_code, .kiosk_code = code }, &u, &way), 0);
	assert_int_equal(way, LOGIN_KIOSK);
	assert_int_equal(u->id, ent->id);
	assert_int_equal(login((struct login_in){ .credit_code = g_f.credit_code, .kiosk_code = code }, NULL, &way), 401);
}

static void test_throttle(void **state)
{
	(void)state;
	const user_t *stats = fixture_as(&g_f, ROLE_STATISTICIAN);
	enum login_way way;
	const char *key = arena_printf(g_a, "u:%s", stats->username);
	for (int i = 0; i < LOGIN_MAX_PER_ACCOUNT; i++)
		throttle_fail(g_db, key);
	/* blocked even with the right password, from any address */
	assert_int_equal(login((struct login_in){ .username = stats->username, .password = TESTUTIL_PASSWORD, .ip = "10.9.9.9" },
	                       NULL, &way), 429);
	throttle_clear(g_db, key);
	assert_int_equal(login((struct login_in){ .username = stats->username, .password = TESTUTIL_PASSWORD }, NULL, &way), 0);
	/* too many failures from one address block every account there */
	const char *ip = "10.7.7.7", *ikey = arena_printf(g_a, "ip:%s", ip);
	for (int i = 0; i < LOGIN_MAX_PER_ADDRESS; i++)
		throttle_fail(g_db, ikey);
	assert_int_equal(login((struct login_in){ .username = stats->username, .password = TESTUTIL_PASSWORD, .ip = ip }, NULL,
	                       &way), 429);
	throttle_clear(g_db, ikey);
}

static void test_sessions_and_tokens(void **state)
{
	(void)state;
	const user_t *leader = fixture_as(&g_f, ROLE_LEADER);
	char token[65], csrf[65], other[65], csrf2[65];
	assert_int_equal(session_create(g_db, leader->id, token, csrf), DB_OK);
	assert_int_equal(session_create(g_db, leader->id, other, csrf2), DB_OK);
	user_t *u;
	const char *c;
	assert_int_equal(auth_session_user(g_db, g_a, token, &u, &c), 0);
	assert_non_null(u);
	assert_int_equal(u->id, leader->id);
	assert_int_equal(u->role_bit, ROLE_LEADER);
	assert_int_equal(u->unit_id, g_f.unit_id);
	assert_string_equal(c, csrf);
	assert_true(auth_csrf_equal(c, csrf));
	assert_false(auth_csrf_equal(c, csrf2));
	assert_false(auth_csrf_equal(c, ""));
	assert_false(auth_csrf_equal(c, NULL));
	assert_false(auth_csrf_equal(NULL, csrf));
	/* the cookie's value is stored only as its hash */
	const char *p[1] = { token };
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM sessions WHERE token_hash = $1", -1, 1, p), 0);
	assert_int_equal(auth_session_user(g_db, g_a, "not-a-session", &u, &c), 0);
	assert_null(u);
	assert_null(c);
	/* a new password ends the other sessions */
	assert_int_equal(session_end_others(g_db, leader->id, token), DB_OK);
	assert_int_equal(auth_session_user(g_db, g_a, other, &u, &c), 0);
	assert_null(u);
	assert_int_equal(auth_session_user(g_db, g_a, token, &u, &c), 0);
	assert_non_null(u);
	assert_int_equal(session_delete(g_db, token), DB_OK);
	assert_int_equal(auth_session_user(g_db, g_a, token, &u, &c), 0);
	assert_null(u);

	/* API tokens */
	char tok[68];
	err_t e;
	assert_int_equal(token_create(g_db, leader->username, "test", tok, &e), 0);
	assert_memory_equal(tok, "zo_", 3);
	assert_int_equal(auth_token_user(g_db, g_a, tok, &u), 0);
	assert_non_null(u);
	assert_int_equal(u->id, leader->id);
	assert_int_equal(auth_token_user(g_db, g_a, "zo_unknown", &u), 0);
	assert_null(u);
	assert_int_equal(token_create(g_db, uname("nobody"), "test", tok, &e), -1);
	assert_int_equal(e.status, 404);
}

static void test_audit(void **state)
{
	(void)state;
	const user_t *admin = fixture_as(&g_f, ROLE_ADMIN);
	const char *action = uname("test.audit");
	assert_int_equal(audit_write(g_db, admin, "10.1.1.1", action, "user", "7", 200, "detail"), DB_OK);
	assert_int_equal(audit_write(g_db, NULL, "cli", action, NULL, NULL, 201, NULL), DB_OK);
	const char *p[1] = { action };
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM audit_log WHERE action = $1", -1, 1, p), 2);
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM audit_log WHERE action = $1 AND username = '(system)'", -1, 1, p),
	                 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_user_rules),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_sessions_and_tokens),
		cmocka_unit_test(test_audit),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
