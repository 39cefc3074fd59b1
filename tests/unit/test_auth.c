/*
 * test_auth.c -- who the caller is, without HTTP: roles, the account rules
 * of user_create/user_update, the three ways to log in (username, credit
 * code, the kiosk's one-time code), throttling by account and address,
 * sessions with their CSRF token and the kiosk's idle and absolute limits,
 * API tokens with their expiry and last use, changing one's own password.
 * Time is a parameter of the functions that depend on it: the tests move
 * it.  On the fixtures of testutil.h, in a temporary SQLite file or
 * $ZONEOPS_TEST_DB.
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
	assert_int_equal(auth_login(g_db, g_a, &in, now_sec(), &u, &way, &e), 0);
	assert_int_equal(u->id, id);
	assert_int_equal(u->unit_id, g_f.unit_id);
	assert_int_equal(u->must_change_password, 0);
	assert_int_equal(user_set_password(g_db, uname("nobody"), "long-enough-1", 0, &e), -1);
	/* the flag: set by the CLI's passwd --must-change, seen by the login */
	assert_int_equal(user_set_password(g_db, uname("rec"), "a-third-password", 1, &e), 0);
	in.password = "a-third-password";
	assert_int_equal(auth_login(g_db, g_a, &in, now_sec(), &u, &way, &e), 0);
	assert_int_equal(u->must_change_password, 1);
	up = (struct user_input){ .role = "recruiter", .unit_id = g_f.unit_id, .has_unit = 1, .has_must_change = 1 };
	assert_int_equal(user_update(g_db, id, &up, &e), 0);
	assert_int_equal(auth_login(g_db, g_a, &in, now_sec(), &u, &way, &e), 0);
	assert_int_equal(u->must_change_password, 0);
	assert_int_equal(e.status, 404);
}

/* auth_login's status for in at time now (0: now_sec()): 0 when logged
 * in (*who gets the user), else the error's status; *retry the 429's
 * retry_after (may be NULL). */
static int login_at(struct login_in in, int64_t now, const user_t **who, enum login_way *way, int64_t *retry)
{
	user_t *u = NULL;
	err_t e;
	if (in.ip == NULL)
		in.ip = "10.0.0.2";
	if (auth_login(g_db, g_a, &in, now ? now : now_sec(), &u, way, &e) < 0) {
		assert_null(u);
		if (retry)
			*retry = e.status == 429 ? strtoll(err_get_param(&e, "retry_after"), NULL, 10) : 0;
		return e.status;
	}
	if (who)
		*who = u;
	return 0;
}

static int login(struct login_in in, const user_t **who, enum login_way *way)
{
	return login_at(in, 0, who, way, NULL);
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

/* n failures recorded in bucket key at time at (the keys of auth.c:
 * "u:<user id>", "e:<enterprise id>", "p:<account>|<ip>", "ip:<ip>"). */
static void failures(const char *key, int n, int64_t at)
{
	for (int i = 0; i < n; i++) {
		db_stmt_t *st = db_prepare(g_db, "INSERT INTO login_failures (key, at) VALUES ($1, $2)");
		db_bind_text(st, 1, key);
		db_bind_int(st, 2, at);
		assert_int_equal(db_step(st), DB_DONE);
		db_done(st);
	}
}

static void test_throttle_pair(void **state)
{
	(void)state;
	const user_t *stats = fixture_as(&g_f, ROLE_STATISTICIAN);
	enum login_way way;
	int64_t t = now_sec(), retry = 0;
	struct login_in wrong = { .username = stats->username, .password = "wrong-password", .ip = "10.1.0.1" };
	struct login_in right = { .username = stats->username, .password = TESTUTIL_PASSWORD, .ip = "10.1.0.1" };
	for (int i = 0; i < LOGIN_MAX_PER_PAIR; i++)
		assert_int_equal(login_at(wrong, t, NULL, &way, NULL), 401);
	/* this address waits a minute, even with the right password ... */
	assert_int_equal(login_at(right, t + 10, NULL, &way, &retry), 429);
	assert_int_equal(retry, LOGIN_PAIR_WAIT - 10);
	/* ... the user from another address does not */
	right.ip = "10.1.0.2";
	assert_int_equal(login_at(right, t + 10, NULL, &way, NULL), 0);
	/* every further failure doubles the wait */
	assert_int_equal(login_at(wrong, t + LOGIN_PAIR_WAIT, NULL, &way, NULL), 401);
	assert_int_equal(login_at(wrong, t + LOGIN_PAIR_WAIT + 2 * LOGIN_PAIR_WAIT - 1, NULL, &way, &retry), 429);
	assert_int_equal(retry, 1);
	assert_int_equal(login_at(wrong, t + 3 * LOGIN_PAIR_WAIT, NULL, &way, NULL), 401);
	assert_int_equal(login_at(wrong, t + 3 * LOGIN_PAIR_WAIT + 1, NULL, &way, &retry), 429);
	assert_int_equal(retry, 4 * LOGIN_PAIR_WAIT - 1);
	/* failures are audited, the refused attempts too */
	const char *p[1] = { stats->username };
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND username = $1"
	                               " AND status = 401 AND ip = '10.1.0.1'", -1, 1, p), LOGIN_MAX_PER_PAIR + 2);
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND username = $1"
	                               " AND status = 429", -1, 1, p), 3);
	/* after the window the pair starts again; a success clears it */
	right.ip = "10.1.0.1";
	assert_int_equal(login_at(right, t + LOGIN_WINDOW + 3 * LOGIN_PAIR_WAIT + 1, NULL, &way, NULL), 0);
	assert_int_equal(login_at(wrong, t + LOGIN_WINDOW + 3 * LOGIN_PAIR_WAIT + 2, NULL, &way, NULL), 401);
}

static void test_throttle_account_and_address(void **state)
{
	(void)state;
	const user_t *leader = fixture_as(&g_f, ROLE_LEADER), *ent = fixture_as(&g_f, ROLE_ENTERPRISE);
	enum login_way way;
	int64_t t = now_sec() + 100000, retry = 0;
	/* many addresses failing for one account space its attempts for
	 * everyone -- by seconds, never a lock-out */
	failures(arena_printf(g_a, "u:%lld", (long long)leader->id), LOGIN_MAX_PER_ACCOUNT, t);
	struct login_in right = { .username = leader->username, .password = TESTUTIL_PASSWORD, .ip = "10.2.0.1" };
	assert_int_equal(login_at(right, t, NULL, &way, &retry), 429);
	assert_int_equal(retry, 1);
	assert_int_equal(login_at(right, t + 1, NULL, &way, NULL), 0);
	failures(arena_printf(g_a, "u:%lld", (long long)leader->id), 200, t + 2);
	assert_int_equal(login_at(right, t + 3, NULL, &way, &retry), 429);
	assert_true(retry > 0 && retry <= LOGIN_ACCOUNT_WAIT_MAX);
	assert_int_equal(login_at(right, t + 2 + LOGIN_ACCOUNT_WAIT_MAX, NULL, &way, NULL), 0);

	/* an enterprise is one account whichever way in: failures by username
	 * count for the credit code and the kiosk's code */
	struct login_in by_name = { .username = ent->username, .password = "wrong-password", .ip = "10.2.0.2" };
	for (int i = 0; i < LOGIN_MAX_PER_PAIR; i++)
		assert_int_equal(login_at(by_name, t, NULL, &way, NULL), 401);
	assert_int_equal(login_at((struct login_in){ .credit_code = g_f.credit_code, .password = TESTUTIL_PASSWORD,
	                                             .ip = "10.2.0.2" }, t, NULL, &way, NULL), 429);
	assert_int_equal(login_at((struct login_in){ .credit_code = g_f.credit_code, .kiosk_code = "123456",
	                                             .ip = "10.2.0.2" }, t, NULL, &way, NULL), 429);
	assert_int_equal(login_at((struct login_in){ .credit_code = g_f.credit_code, .password = TESTUTIL_PASSWORD,
	                                             .ip = "10.2.0.3" }, t, NULL, &way, NULL), 0);

	/* one address failing for many accounts is stopped for all of them */
	failures("ip:10.2.0.4", LOGIN_MAX_PER_ADDRESS, t);
	right.username = fixture_as(&g_f, ROLE_RECRUITER)->username;
	right.ip = "10.2.0.4";
	assert_int_equal(login_at(right, t + 30, NULL, &way, &retry), 429);
	assert_int_equal(retry, 30);
	assert_int_equal(login_at(right, t + 60, NULL, &way, NULL), 0);
}

static void test_sessions_and_tokens(void **state)
{
	(void)state;
	const user_t *leader = fixture_as(&g_f, ROLE_LEADER);
	char token[65], csrf[65], other[65], csrf2[65];
	int64_t now = now_sec();
	assert_int_equal(session_create(g_db, leader->id, 0, now, token, csrf), DB_OK);
	assert_int_equal(session_create(g_db, leader->id, 0, now, other, csrf2), DB_OK);
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
	/* an ordinary session lasts SESSION_TTL, idle or not */
	assert_int_equal(auth_session_user_at(g_db, g_a, token, now + SESSION_TTL - 1, &u, &c), 0);
	assert_non_null(u);
	assert_int_equal(auth_session_user_at(g_db, g_a, token, now + SESSION_TTL, &u, &c), 0);
	assert_null(u);
	/* a new password ends the other sessions */
	assert_int_equal(session_end_others(g_db, leader->id, token), DB_OK);
	assert_int_equal(auth_session_user(g_db, g_a, other, &u, &c), 0);
	assert_null(u);
	assert_int_equal(auth_session_user(g_db, g_a, token, &u, &c), 0);
	assert_non_null(u);
	assert_int_equal(session_delete(g_db, token), DB_OK);
	assert_int_equal(auth_session_user(g_db, g_a, token, &u, &c), 0);
	assert_null(u);
}

/* The kiosk: gone after KIOSK_IDLE seconds without a request, and after
 * KIOSK_TTL whatever happens. */
static void test_kiosk_session(void **state)
{
	(void)state;
	const user_t *ent = fixture_as(&g_f, ROLE_ENTERPRISE);
	char token[65], csrf[65];
	user_t *u;
	const char *c;
	int64_t t = now_sec();
	assert_int_equal(session_create(g_db, ent->id, 1, t, token, csrf), DB_OK);
	/* each request moves the idle limit on */
	assert_int_equal(auth_session_user_at(g_db, g_a, token, t + KIOSK_IDLE - 1, &u, &c), 0);
	assert_non_null(u);
	assert_int_equal(auth_session_user_at(g_db, g_a, token, t + 2 * KIOSK_IDLE - 2, &u, &c), 0);
	assert_non_null(u);
	/* two idle minutes: gone, and deleted (a later time does not bring it back) */
	assert_int_equal(auth_session_user_at(g_db, g_a, token, t + 3 * KIOSK_IDLE - 2, &u, &c), 0);
	assert_null(u);
	assert_null(c);
	char h[65];
	session_token_hash(token, h);
	const char *p[1] = { h };
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM sessions WHERE token_hash = $1", -1, 1, p), 0);
	/* busy all the time: still over after KIOSK_TTL */
	assert_int_equal(session_create(g_db, ent->id, 1, t, token, csrf), DB_OK);
	int64_t at = t;
	for (; at < t + KIOSK_TTL; at += KIOSK_IDLE / 2) {
		assert_int_equal(auth_session_user_at(g_db, g_a, token, at, &u, &c), 0);
		assert_non_null(u);
	}
	assert_int_equal(auth_session_user_at(g_db, g_a, token, t + KIOSK_TTL, &u, &c), 0);
	assert_null(u);
}

static void test_tokens(void **state)
{
	(void)state;
	const user_t *leader = fixture_as(&g_f, ROLE_LEADER), *officer = fixture_as(&g_f, ROLE_OFFICER);
	char tok[68], tok2[68];
	struct token_info ti;
	err_t e;
	user_t *u;
	int64_t t = now_sec();
	assert_int_equal(token_create(g_db, leader->id, "test", 0, t, tok, &ti, &e), 0);
	assert_memory_equal(tok, "zo_", 3);
	assert_int_equal(ti.expires_at, t + TOKEN_DAYS_DEFAULT * 86400);
	assert_int_equal(auth_token_user_at(g_db, g_a, tok, t, &u), 0);
	assert_non_null(u);
	assert_int_equal(u->id, leader->id);
	assert_int_equal(auth_token_user(g_db, g_a, "zo_unknown", &u), 0);
	assert_null(u);
	/* the last use is written, at most once a minute */
	struct token_info got;
	assert_int_equal(token_get(g_db, g_a, ti.id, &got), 1);
	assert_int_equal(got.last_used_at, t);
	assert_string_equal(got.username, leader->username);
	assert_int_equal(auth_token_user_at(g_db, g_a, tok, t + TOKEN_TOUCH - 1, &u), 0);
	assert_int_equal(token_get(g_db, g_a, ti.id, &got), 1);
	assert_int_equal(got.last_used_at, t);
	assert_int_equal(auth_token_user_at(g_db, g_a, tok, t + TOKEN_TOUCH, &u), 0);
	assert_int_equal(token_get(g_db, g_a, ti.id, &got), 1);
	assert_int_equal(got.last_used_at, t + TOKEN_TOUCH);
	/* it ends */
	assert_int_equal(auth_token_user_at(g_db, g_a, tok, ti.expires_at - 1, &u), 0);
	assert_non_null(u);
	assert_int_equal(auth_token_user_at(g_db, g_a, tok, ti.expires_at, &u), 0);
	assert_null(u);
	/* the checks */
	assert_int_equal(token_create(g_db, leader->id, "x", TOKEN_DAYS_MAX + 1, t, tok2, NULL, &e), -1);
	assert_string_equal(e.field, "expires_in_days");
	assert_int_equal(token_create(g_db, leader->id, "x", -1, t, tok2, NULL, &e), -1);
	assert_int_equal(token_create(g_db, leader->id, "a\nb", 1, t, tok2, NULL, &e), -1);
	assert_string_equal(e.field, "name");
	assert_int_equal(token_create(g_db, 999999999, "test", 0, t, tok2, NULL, &e), -1);
	assert_int_equal(e.status, 404);
	/* listed by user, revoked one by one or all at once */
	assert_int_equal(token_create(g_db, leader->id, "second", 1, t, tok2, NULL, &e), 0);
	assert_int_equal(token_create(g_db, officer->id, "officer's", 1, t, tok2, NULL, &e), 0);
	struct token_info *v;
	assert_int_equal(token_list(g_db, g_a, leader->id, &v), 2);
	assert_string_equal(v[0].name, "second");
	assert_string_equal(v[1].name, "test");
	assert_true(token_list(g_db, g_a, 0, &v) >= 3);
	assert_int_equal(token_revoke(g_db, ti.id), 1);
	assert_int_equal(token_revoke(g_db, ti.id), 0);
	assert_int_equal(token_list(g_db, g_a, leader->id, &v), 1);
	assert_int_equal(token_revoke_all(g_db, leader->id), DB_OK);
	assert_int_equal(token_list(g_db, g_a, leader->id, &v), 0);
	assert_int_equal(token_list(g_db, g_a, officer->id, &v), 1);
}

/* Changing one's own password: the current one checked (and throttled),
 * the flag cleared, the other sessions ended and the tokens revoked. */
static void test_own_password(void **state)
{
	(void)state;
	const user_t *dept = fixture_as(&g_f, ROLE_DEPARTMENT);
	err_t e;
	int64_t t = now_sec();
	char keep[65], gone[65], csrf[65], tok[68];
	assert_int_equal(session_create(g_db, dept->id, 0, t, keep, csrf), DB_OK);
	assert_int_equal(session_create(g_db, dept->id, 0, t, gone, csrf), DB_OK);
	assert_int_equal(token_create(g_db, dept->id, "t", 0, t, tok, NULL, &e), 0);
	assert_int_equal(user_set_must_change(g_db, dept->id, 1), DB_OK);
	assert_int_equal(user_change_own_password(g_db, g_a, dept, "", "new-password-1", "10.3.0.1", keep, t, &e), -1);
	assert_string_equal(e.field, "current");
	assert_int_equal(user_change_own_password(g_db, g_a, dept, "wrong", "new-password-1", "10.3.0.1", keep, t, &e), -1);
	assert_string_equal(e.code, "wrong_password");
	assert_int_equal(user_change_own_password(g_db, g_a, dept, TESTUTIL_PASSWORD, "short", "10.3.0.1", keep, t, &e), -1);
	assert_string_equal(e.field, "new");
	assert_int_equal(user_change_own_password(g_db, g_a, dept, TESTUTIL_PASSWORD, TESTUTIL_PASSWORD, "10.3.0.1", keep, t,
	                                          &e), -1);
	assert_string_equal(e.code, "same_password");
	assert_int_equal(user_change_own_password(g_db, g_a, dept, TESTUTIL_PASSWORD, "new-password-1", "10.3.0.1", keep, t,
	                                          &e), 0);
	user_t *u;
	const char *c;
	assert_int_equal(auth_session_user_at(g_db, g_a, keep, t, &u, &c), 0);
	assert_non_null(u);
	assert_int_equal(u->must_change_password, 0);
	assert_int_equal(auth_session_user_at(g_db, g_a, gone, t, &u, &c), 0);
	assert_null(u);
	assert_int_equal(auth_token_user_at(g_db, g_a, tok, t, &u), 0);
	assert_null(u);
	/* guessing the current password is throttled like a login */
	for (int i = 0; i < LOGIN_MAX_PER_PAIR; i++)
		assert_int_equal(user_change_own_password(g_db, g_a, dept, "guess", "new-password-2", "10.3.0.2", NULL, t, &e),
		                 -1);
	assert_int_equal(user_change_own_password(g_db, g_a, dept, "new-password-1", "new-password-2", "10.3.0.2", NULL, t,
	                                          &e), -1);
	assert_int_equal(e.status, 429);
	/* back to the fixture's password for the other tests */
	assert_int_equal(user_set_password(g_db, dept->username, TESTUTIL_PASSWORD, 0, &e), 0);
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
		cmocka_unit_test(test_throttle_pair),
		cmocka_unit_test(test_throttle_account_and_address),
		cmocka_unit_test(test_sessions_and_tokens),
		cmocka_unit_test(test_kiosk_session),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_own_password),
		cmocka_unit_test(test_audit),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
