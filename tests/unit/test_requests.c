/*
 * test_requests.c -- the workflow of requests (诉求) and inspection
 * findings (营商环境巡察) in src/service/requests.c and visits.c.
 *
 * 1. The state machine: for every kind, status, action and role, whether
 *    the action may be taken (request_action_check, request_actions),
 *    against the tables below, written out by hand from the rules (not
 *    from the code's action table), on a case the user can see; then the
 *    row conditions (scope, escalation beyond the province).
 * 2. Journeys through the domain functions on a temporary SQLite store
 *    with the official 2021 calendar (demo_seed_calendar), with the due
 *    dates worked out by hand in the comments:
 *      2021: 中秋 9/19-9/21 off, 9/18 (Sat) worked; 国庆 10/1-10/7 off,
 *      9/26 (Sun) and 10/9 (Sat) worked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "demo/demo_service.h"
#include "service/service.h"
#include "store/store.h"

/* ---- users ---- */

enum { ADMIN, LEADER, RECRUITER, OFFICER, DEPARTMENT, STATISTICIAN, ENTERPRISE, NROLES };
static const char *const ROLE[NROLES] = { "admin", "leader", "recruiter", "officer", "department", "statistician",
	                                      "enterprise" };

/* A user of each role whose scope includes enterprise 10, department 20
 * and whose officer is user 4. */
static user_t role_user(int r)
{
	user_t u = { .id = r + 1, .username = ROLE[r], .display_name = ROLE[r], .role = ROLE[r], .role_bit = 1 << r };
	if (r == DEPARTMENT)
		u.department_id = 20;
	if (r == ENTERPRISE)
		u.enterprise_id = 10;
	return u;
}

static struct request_case visible_case(int kind, const char *status, const char *level)
{
	struct request_case c = { .id = 1, .kind = kind, .status = status, .level = level };
	if (kind == REQ_KIND_REQUEST)
		c.enterprise_id = 10;
	c.department_id = 20;
	c.officer_id = OFFICER + 1;
	return c;
}

/* ---- 1. the state machine, by hand ---- */

static const char *const REQ_ACTS[] = { "accept", "start", "escalate", "wait", "resume", "resolve", "close", "reopen",
	                                    "rate" };
static const char *const INS_ACTS[] = { "start", "submit", "verify", "reject" };

/* What each role may do in each status, on a request it can see (level
 * district): admin, leader, recruiter, officer, department, statistician,
 * enterprise. */
static const struct {
	const char *status;
	const char *may[NROLES];
} REQ_TABLE[] = {
	{ "submitted", { "accept", "accept", "", "accept", "accept", "", "" } },
	{ "accepted", { "start escalate wait", "start escalate wait", "", "", "start escalate wait", "", "" } },
	{ "in_progress", { "escalate wait resolve", "escalate wait resolve", "", "", "escalate wait resolve", "", "" } },
	{ "escalated", { "start escalate wait resolve", "start escalate wait resolve", "", "", "start escalate wait resolve",
	                 "", "" } },
	{ "awaiting_enterprise", { "resume", "resume", "", "", "resume", "", "resume" } },
	{ "resolved", { "close reopen", "close reopen", "", "close reopen", "", "", "close reopen rate" } },
	{ "closed", { "reopen", "reopen", "", "reopen", "", "", "reopen rate" } },
};

/* The same for inspection findings (officers and enterprises never see
 * them). */
static const struct {
	const char *status;
	const char *may[NROLES];
} INS_TABLE[] = {
	{ "open", { "start", "start", "", "", "start", "", "" } },
	{ "rectifying", { "submit", "submit", "", "", "submit", "", "" } },
	{ "submitted", { "verify reject", "verify reject", "", "", "", "", "" } },
	{ "verified_closed", { "", "", "", "", "", "", "" } },
};

static int listed(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = strstr(list, word); p; p = strstr(p + 1, word))
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Check every action of a kind in one status for every role. */
static void check_status(int kind, const char *status, const char *const may[NROLES], const char *const *acts, int nacts)
{
	for (int r = 0; r < NROLES; r++) {
		user_t u = role_user(r);
		struct request_case c = visible_case(kind, status, "district");
		char want[128] = "";
		for (int a = 0; a < nacts; a++) {
			err_t e;
			memset(&e, 0, sizeof e);
			int ok = request_action_check(&u, &c, acts[a], &e) == 0;
			int expect = listed(may[r], acts[a]);
			if (ok != expect)
				fail_msg("%s %s by %s: %s, expected %s (%d %s)", request_kind_name(kind), status, ROLE[r],
				         ok ? "allowed" : "refused", expect ? "allowed" : "refused", e.status, e.message);
			if (!ok)
				assert_true(e.status == 403 || e.status == 404 || e.status == 409);
			if (expect)
				snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", *want ? " " : "", acts[a]);
		}
		/* request_actions lists the same, in the table's order */
		const char *got[REQUEST_ACTIONS_MAX];
		int n = request_actions(&u, &c, got);
		char have[128] = "";
		for (int i = 0; i < n; i++)
			snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? " " : "", got[i]);
		if (strcmp(have, want) != 0)
			fail_msg("%s %s by %s: actions '%s', expected '%s'", request_kind_name(kind), status, ROLE[r], have, want);
	}
}

static void test_request_state_machine(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof REQ_TABLE / sizeof REQ_TABLE[0]; s++)
		check_status(REQ_KIND_REQUEST, REQ_TABLE[s].status, REQ_TABLE[s].may, REQ_ACTS, 9);
	/* an action of the other kind, or none at all */
	user_t admin = role_user(ADMIN);
	struct request_case c = visible_case(REQ_KIND_REQUEST, "submitted", "district");
	err_t e;
	assert_int_equal(request_action_check(&admin, &c, "verify", &e), -1);
	assert_int_equal(e.status, 422);
	assert_string_equal(e.code, "invalid");
	assert_string_equal(e.field, "action");
	assert_int_equal(request_action_check(&admin, &c, "", &e), -1);
	assert_string_equal(e.code, "required");
	/* a role that may take the action, in the wrong status: 409 naming both */
	assert_int_equal(request_action_check(&admin, &c, "close", &e), -1);
	assert_int_equal(e.status, 409);
	assert_string_equal(e.code, "illegal_transition");
	assert_string_equal(err_get_param(&e, "action"), "close");
	assert_string_equal(err_get_param(&e, "status"), "submitted");
	/* a role that never may: 403 */
	user_t ent = role_user(ENTERPRISE);
	assert_int_equal(request_action_check(&ent, &c, "accept", &e), -1);
	assert_int_equal(e.status, 403);
}

static void test_inspection_state_machine(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof INS_TABLE / sizeof INS_TABLE[0]; s++)
		check_status(REQ_KIND_INSPECTION, INS_TABLE[s].status, INS_TABLE[s].may, INS_ACTS, 4);
	user_t admin = role_user(ADMIN);
	struct request_case c = visible_case(REQ_KIND_INSPECTION, "open", "district");
	err_t e;
	assert_int_equal(request_action_check(&admin, &c, "accept", &e), -1);
	assert_int_equal(e.status, 422);
	/* officers and enterprises do not see findings at all */
	user_t off = role_user(OFFICER);
	assert_int_equal(request_action_check(&off, &c, "start", &e), -1);
	assert_int_equal(e.status, 404);
}

static void test_row_conditions(void **state)
{
	(void)state;
	err_t e;
	const char *got[REQUEST_ACTIONS_MAX];
	/* escalation goes upward only: not beyond the province */
	user_t dept = role_user(DEPARTMENT);
	struct request_case c = visible_case(REQ_KIND_REQUEST, "in_progress", "city");
	assert_int_equal(request_action_check(&dept, &c, "escalate", &e), 0);
	c.level = "province";
	assert_int_equal(request_action_check(&dept, &c, "escalate", &e), -1);
	assert_int_equal(e.status, 422);
	assert_string_equal(e.field, "level");
	assert_int_equal(request_actions(&dept, &c, got), 3);   /* return wait resolve */
	assert_string_equal(got[0], "return");
	assert_string_equal(got[1], "wait");
	assert_string_equal(got[2], "resolve");
	/* nothing below the district to return it to */
	c.level = "district";
	assert_int_equal(request_action_check(&dept, &c, "return", &e), -1);
	assert_int_equal(e.status, 422);
	/* a department that handed it on follows it: it sees it, does not act */
	c.department_id = 21;
	c.held = 1;
	assert_int_equal(request_case_visible(&dept, &c), 1);
	assert_int_equal(request_action_check(&dept, &c, "resolve", &e), -1);
	assert_int_equal(e.status, 403);
	assert_int_equal(request_actions(&dept, &c, got), 0);
	/* a department acts on what is assigned to it only */
	c = visible_case(REQ_KIND_REQUEST, "accepted", "district");
	c.department_id = 21;
	assert_int_equal(request_action_check(&dept, &c, "start", &e), -1);
	assert_int_equal(e.status, 404);
	assert_int_equal(request_actions(&dept, &c, got), 0);
	c.department_id = 0;
	dept.department_id = 0;
	assert_int_equal(request_case_visible(&dept, &c), 0);
	/* an officer accepts only for the enterprises it serves */
	user_t off = role_user(OFFICER);
	c = visible_case(REQ_KIND_REQUEST, "submitted", "district");
	assert_int_equal(request_action_check(&off, &c, "accept", &e), 0);
	c.officer_id = 99;
	assert_int_equal(request_action_check(&off, &c, "accept", &e), -1);
	assert_int_equal(e.status, 404);
	c.officer_id = 0;
	assert_int_equal(request_case_visible(&off, &c), 0);
	/* an enterprise rates its own requests only */
	user_t ent = role_user(ENTERPRISE);
	c = visible_case(REQ_KIND_REQUEST, "resolved", "district");
	assert_int_equal(request_action_check(&ent, &c, "rate", &e), 0);
	c.enterprise_id = 11;
	assert_int_equal(request_action_check(&ent, &c, "rate", &e), -1);
	assert_int_equal(e.status, 404);
	/* statisticians see everything and change nothing */
	user_t st = role_user(STATISTICIAN);
	assert_int_equal(request_case_visible(&st, &c), 1);
	assert_int_equal(request_actions(&st, &c, got), 0);
}

/* ---- 2. journeys on a store ---- */

static db_t *g_db;
static char g_file[256];
static int64_t g_dept[2], g_ent[2], g_user[NROLES], g_officer2;
static int64_t g_city, g_province;     /* departments of the city and the province */

static void remove_sqlite(const char *file)
{
	char p[300];
	unlink(file);
	snprintf(p, sizeof p, "%s-wal", file);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", file);
	unlink(p);
}

/* INSERT … RETURNING id with text parameters (NULL binds NULL). */
static int64_t insert(const char *sql, int n, const char *const *params)
{
	db_stmt_t *st = db_prepare(g_db, sql);
	if (st == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		db_bind_text(st, i + 1, params[i]);
	int64_t id = db_step(st) == DB_ROW ? db_col_int(st, 0) : -1;
	db_done(st);
	return id;
}

static int64_t add_user(const char *name, const char *role, const char *dept, const char *ent)
{
	const char *p[] = { name, role, dept, ent };
	return insert("INSERT INTO users (username, display_name, role, password_hash, department_id, enterprise_id,"
	              " created_at, updated_at) VALUES ($1, $1, $2, 'x', CAST($3 AS BIGINT), CAST($4 AS BIGINT), 0, 0)"
	              " RETURNING id", 4, p);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(g_file, sizeof g_file, "/tmp/zo-requests-test-%ld.db", (long)getpid());
	remove_sqlite(g_file);
	char url[300], *err = NULL;
	snprintf(url, sizeof url, "sqlite:%s", g_file);
	g_db = db_open(url, &err);
	if (g_db == NULL || db_migrate(g_db, &err) < 0 || db_begin(g_db) != DB_OK ||
	    demo_seed_calendar(g_db, 0, &err) != 0 || db_commit(g_db) != DB_OK) {
		fprintf(stderr, "test_requests: %s\n", err ? err : "setup failed");
		free(err);
		return -1;
	}
	static const char *const depts[][1] = { { "企业发展服务中心" }, { "人力资源和社会保障局" } };
	for (int i = 0; i < 2; i++)
		g_dept[i] = insert("INSERT INTO departments (name) VALUES ($1) RETURNING id", 1, depts[i]);
	static const char *const city[] = { "南通海关" }, *const province[] = { "江苏省商务厅" };
	g_city = insert("INSERT INTO departments (name, level) VALUES ($1, 'city') RETURNING id", 1, city);
	g_province = insert("INSERT INTO departments (name, level) VALUES ($1, 'province') RETURNING id", 1, province);
	char d0[24];
	snprintf(d0, sizeof d0, "%lld", (long long)g_dept[0]);
	for (int r = 0; r < NROLES; r++)
		if (r != ENTERPRISE)
			g_user[r] = add_user(ROLE[r], ROLE[r], r == DEPARTMENT ? d0 : NULL, NULL);
	g_officer2 = add_user("officer2", "officer", NULL, NULL);
	char o1[24], o2[24];
	snprintf(o1, sizeof o1, "%lld", (long long)g_user[OFFICER]);
	snprintf(o2, sizeof o2, "%lld", (long long)g_officer2);
	const char *e0[] = { "91320691MA1X00000A", "南通甲有限公司", o1 }, *e1[] = { "91320691MA1X00001A", "南通乙有限公司", o2 };
	const char *const *es[] = { e0, e1 };
	for (int i = 0; i < 2; i++)
		g_ent[i] = insert("INSERT INTO enterprises (credit_code, name, officer_id, created_at, updated_at)"
		                  " VALUES ($1, $2, CAST($3 AS BIGINT), 0, 0) RETURNING id", 3, es[i]);
	char e[24];
	snprintf(e, sizeof e, "%lld", (long long)g_ent[0]);
	g_user[ENTERPRISE] = add_user("enterprise", "enterprise", NULL, e);
	for (int i = 0; i < NROLES; i++)
		if (g_user[i] <= 0)
			return -1;
	return g_dept[1] > 0 && g_ent[1] > 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	db_close(g_db);
	remove_sqlite(g_file);
	return 0;
}

static user_t actor(int r)
{
	user_t u = role_user(r);
	u.id = g_user[r];
	if (r == DEPARTMENT)
		u.department_id = g_dept[0];
	if (r == ENTERPRISE)
		u.enterprise_id = g_ent[0];
	return u;
}

/* Unix seconds of a zone time "YYYY-MM-DDTHH:MM". */
static int64_t at(const char *s)
{
	int64_t t;
	char buf[40];
	snprintf(buf, sizeof buf, "%s:00+08:00", s);
	if (datetime_parse(buf, &t) < 0)
		fail_msg("bad time %s", s);
	return t;
}

/* A column of request id as text ("" for NULL). */
static const char *field(int64_t id, int which)
{
	static const char *const SQL[] = {
		"SELECT status FROM requests WHERE id = $1",
		"SELECT due_on FROM requests WHERE id = $1",
		"SELECT accepted_on FROM requests WHERE id = $1",
		"SELECT paused_since FROM requests WHERE id = $1",
		"SELECT level FROM requests WHERE id = $1",
		"SELECT COALESCE(CAST(rating AS TEXT), '') FROM requests WHERE id = $1",
		"SELECT COALESCE(CAST(resolved_at AS TEXT), '') FROM requests WHERE id = $1",
		"SELECT COALESCE(CAST(closed_at AS TEXT), '') FROM requests WHERE id = $1",
		"SELECT evidence FROM requests WHERE id = $1",
		"SELECT COALESCE(CAST(department_id AS TEXT), '') FROM requests WHERE id = $1",
	};
	static char out[8][256];
	static int k;
	char *o = out[k++ % 8];
	db_stmt_t *st = db_prepare(g_db, SQL[which]);
	db_bind_int(st, 1, id);
	o[0] = '\0';
	if (db_step(st) == DB_ROW)
		snprintf(o, 256, "%s", db_col_text(st, 0));
	db_done(st);
	return o;
}
enum { F_STATUS, F_DUE, F_ACCEPTED, F_PAUSED, F_LEVEL, F_RATING, F_RESOLVED_AT, F_CLOSED_AT, F_EVIDENCE, F_DEPT };

/* The history of request id as "action:from>to" joined by spaces. */
static const char *history(int64_t id)
{
	static char out[1024];
	out[0] = '\0';
	db_stmt_t *st = db_prepare(g_db, "SELECT action, from_status, to_status FROM request_events"
	                                 " WHERE request_id = $1 ORDER BY id");
	db_bind_int(st, 1, id);
	while (db_step(st) == DB_ROW)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s:%s>%s", *out ? " " : "", db_col_text(st, 0),
		         db_col_text(st, 1), db_col_text(st, 2));
	db_done(st);
	return out;
}

static void step_as(user_t u, int64_t id, const char *action, struct request_action_in in, const char *when)
{
	err_t e;
	struct request_change ch;
	if (request_transition(g_db, &u, REQ_KIND_REQUEST, id, action, &in, at(when), &ch, &e) < 0)
		fail_msg("%s by %s at %s: %d %s", action, u.username ? u.username : u.role, when, e.status, e.message);
	free(ch.detail);
}

static void step(int who, int64_t id, const char *action, struct request_action_in in, const char *when)
{
	step_as(actor(who), id, action, in, when);
}

/* A user of department dept. */
static user_t dept_actor(int64_t dept)
{
	user_t u = actor(DEPARTMENT);
	u.department_id = dept;
	return u;
}

static int64_t raise(int who, const char *category, const char *when)
{
	user_t u = actor(who);
	struct request_in in = { .kind = "request", .enterprise_id = g_ent[0], .category = category, .title = "测试诉求" };
	int64_t id = 0;
	err_t e;
	if (request_create(g_db, &u, &in, at(when), &id, &e) < 0)
		fail_msg("create: %s", e.message);
	return id;
}

/* Customs (class C, 5 working days) accepted on Friday 2021-09-17:
 * 9/18 (Sat, worked) 1, 9/19-21 中秋, 9/22 2, 9/23 3, 9/24 4, 9/26 (Sun,
 * worked) 5 → 2021-09-26.  Waiting 9/22 → 9/24 pauses 2 working days
 * (9/23, 9/24): due 9/26 + 2 = 9/27, 9/28 → 2021-09-28. */
static void test_journey_customs(void **state)
{
	(void)state;
	int64_t id = raise(ENTERPRISE, "customs", "2021-09-17T10:00");
	assert_string_equal(field(id, F_STATUS), "submitted");
	step(OFFICER, id, "accept", (struct request_action_in){ .department_id = g_dept[0] }, "2021-09-17T14:00");
	assert_string_equal(field(id, F_ACCEPTED), "2021-09-17");
	assert_string_equal(field(id, F_DUE), "2021-09-26");
	step(DEPARTMENT, id, "start", (struct request_action_in){ 0 }, "2021-09-18T09:00");
	step(DEPARTMENT, id, "wait", (struct request_action_in){ .reason = "请补充进口合同" }, "2021-09-22T10:00");
	assert_string_equal(field(id, F_STATUS), "awaiting_enterprise");
	assert_string_equal(field(id, F_PAUSED), "2021-09-22");
	step(ENTERPRISE, id, "resume", (struct request_action_in){ 0 }, "2021-09-24T09:00");
	assert_string_equal(field(id, F_STATUS), "in_progress");
	assert_string_equal(field(id, F_PAUSED), "");
	assert_string_equal(field(id, F_DUE), "2021-09-28");
	/* escalation hands it to a department of the next level and restarts
	 * the limit: from Friday 9/24, 9/26 (Sun, worked) 1, 9/27-9/30 2-5 →
	 * 2021-09-30; from Sunday 9/26, 9/27-9/30 1-4, 10/1-10/7 国庆, 10/8 5 →
	 * 2021-10-08 */
	step(DEPARTMENT, id, "escalate", (struct request_action_in){ .department_id = g_city, .reason = "需与海关沟通" },
	     "2021-09-24T15:00");
	assert_string_equal(field(id, F_LEVEL), "city");
	assert_string_equal(field(id, F_DUE), "2021-09-30");
	user_t d = actor(DEPARTMENT);
	err_t e;
	struct request_action_in res = { .resolution = "x" };
	assert_int_equal(request_transition(g_db, &d, REQ_KIND_REQUEST, id, "resolve", &res, at("2021-09-25T10:00"), NULL, &e),
	                 -1);
	assert_int_equal(e.status, 403);   /* the district follows it now */
	assert_int_equal(request_visible(g_db, &d, id), 1);
	step_as(dept_actor(g_city), id, "escalate",
	        (struct request_action_in){ .department_id = g_province, .level = "province", .reason = "需省级协调",
	                                    .contact = "南京海关" },
	        "2021-09-26T10:00");
	assert_string_equal(field(id, F_LEVEL), "province");
	assert_string_equal(field(id, F_DUE), "2021-10-08");
	/* nothing above the province */
	user_t p = dept_actor(g_province);
	struct request_action_in up = { .department_id = g_province, .level = "province", .reason = "再上报" };
	assert_int_equal(request_transition(g_db, &p, REQ_KIND_REQUEST, id, "escalate", &up, at("2021-09-27T10:00"), NULL, &e),
	                 -1);
	assert_int_equal(e.status, 422);
	step_as(p, id, "resolve", (struct request_action_in){ .resolution = "改为无损查验" }, "2021-09-28T16:00");
	assert_string_equal(field(id, F_RESOLVED_AT), "1632816000");   /* 2021-09-28 16:00 +08:00 */
	/* a rating of 5 closes it, at the rating's time */
	step(ENTERPRISE, id, "rate", (struct request_action_in){ .rating = 5, .comment = "满意" }, "2021-09-29T09:00");
	assert_string_equal(field(id, F_STATUS), "closed");
	assert_string_equal(field(id, F_RATING), "5");
	assert_string_equal(field(id, F_CLOSED_AT), "1632877200");     /* 2021-09-29 09:00 +08:00 */
	assert_string_equal(history(id),
	                    "create:>submitted accept:submitted>accepted start:accepted>in_progress"
	                    " wait:in_progress>awaiting_enterprise resume:awaiting_enterprise>in_progress"
	                    " escalate:in_progress>escalated escalate:escalated>escalated resolve:escalated>resolved"
	                    " rate:resolved>resolved close:resolved>closed");
}

/* Labour (class B, 15 working days) accepted on Thursday 2021-09-30:
 * 10/1-10/7 国庆; 10/8 1, 10/9 (Sat, worked) 2, 10/11-10/15 3-7,
 * 10/18-10/22 8-12, 10/25 13, 10/26 14, 10/27 15 → 2021-10-27.  A wait
 * from accepted resumes to accepted; a low rating reopens. */
static void test_journey_labour(void **state)
{
	(void)state;
	int64_t id = raise(ADMIN, "labour", "2021-09-30T09:00");
	step(ADMIN, id, "accept", (struct request_action_in){ .department_id = g_dept[1] }, "2021-09-30T11:00");
	assert_string_equal(field(id, F_DUE), "2021-10-27");
	/* waiting 9/30 → 10/8 pauses one working day (10/8): due 10/28 */
	step(ADMIN, id, "wait", (struct request_action_in){ .detail = "待补充" }, "2021-09-30T15:00");
	step(ENTERPRISE, id, "resume", (struct request_action_in){ 0 }, "2021-10-08T10:00");
	assert_string_equal(field(id, F_STATUS), "accepted");
	assert_string_equal(field(id, F_DUE), "2021-10-28");
	step(ADMIN, id, "start", (struct request_action_in){ 0 }, "2021-10-09T09:00");
	step(ADMIN, id, "resolve", (struct request_action_in){ .resolution = "推荐求职者30名" }, "2021-10-12T16:00");
	step(ENTERPRISE, id, "rate", (struct request_action_in){ .rating = 2 }, "2021-10-13T09:00");
	assert_string_equal(field(id, F_STATUS), "in_progress");
	assert_string_equal(field(id, F_RESOLVED_AT), "");
	assert_string_equal(field(id, F_RATING), "2");
	/* a rating of 3 leaves it resolved for staff to close */
	step(ADMIN, id, "resolve", (struct request_action_in){ .resolution = "再推荐60名" }, "2021-10-15T16:00");
	step(ENTERPRISE, id, "rate", (struct request_action_in){ .rating = 3 }, "2021-10-18T09:00");
	assert_string_equal(field(id, F_STATUS), "resolved");
	step(OFFICER, id, "close", (struct request_action_in){ 0 }, "2021-10-18T11:00");
	assert_string_equal(history(id),
	                    "create:>submitted accept:submitted>accepted wait:accepted>awaiting_enterprise"
	                    " resume:awaiting_enterprise>accepted start:accepted>in_progress resolve:in_progress>resolved"
	                    " rate:resolved>resolved reopen:resolved>in_progress resolve:in_progress>resolved"
	                    " rate:resolved>resolved close:resolved>closed");
}

/* "Today" is the zone's date of now: land (class A, one month) accepted
 * at 2021-09-01 10:00 → 10/1 is 国庆, the next working day 2021-10-08;
 * customs accepted at 2021-09-17 16:30 UTC, which is already 9/18 in
 * China → 9/22 1, 9/23 2, 9/24 3, 9/26 4, 9/27 5 → 2021-09-27. */
static void test_today_from_now(void **state)
{
	(void)state;
	int64_t land = raise(ENTERPRISE, "land", "2021-09-01T08:00");
	step(OFFICER, land, "accept", (struct request_action_in){ .department_id = g_dept[0] }, "2021-09-01T10:00");
	assert_string_equal(field(land, F_DUE), "2021-10-08");
	int64_t id = raise(ENTERPRISE, "customs", "2021-09-17T20:00");
	user_t off = actor(OFFICER);
	err_t e;
	struct request_action_in in = { .department_id = g_dept[0] };
	int64_t t;
	assert_int_equal(datetime_parse("2021-09-17T16:30:00Z", &t), 0);
	assert_int_equal(request_transition(g_db, &off, REQ_KIND_REQUEST, id, "accept", &in, t, NULL, &e), 0);
	assert_string_equal(field(id, F_ACCEPTED), "2021-09-18");
	assert_string_equal(field(id, F_DUE), "2021-09-27");
}

/* A year without a calendar: no cliff; the due date is counted Monday-
 * Friday and marked provisional, with its basis kept for recomputing. */
static void test_calendar_missing(void **state)
{
	(void)state;
	int64_t id = raise(ENTERPRISE, "approval", "2023-03-01T09:00");
	user_t a = actor(ADMIN);
	err_t e;
	struct request_action_in in = { .department_id = g_dept[0] };
	assert_int_equal(request_transition(g_db, &a, REQ_KIND_REQUEST, id, "accept", &in, at("2023-03-01T10:00"), NULL, &e),
	                 0);
	assert_string_equal(field(id, F_STATUS), "accepted");
	/* approval (class C): 5 working days from Wednesday 3/1: 3/2, 3/3, 3/6, 3/7, 3/8 */
	assert_string_equal(field(id, F_DUE), "2023-03-08");
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT due_provisional * 100 + due_workdays FROM requests WHERE id = %lld"
	         " AND due_from = '2023-03-01' AND due_months = 0", (long long)id);
	assert_int_equal(db_int1(g_db, sql, -1, 0, NULL), 105);
}

/* An inspection finding: open → rectifying → submitted → (rejected) →
 * submitted → verified_closed; a department acts on its own only. */
static void test_journey_inspection(void **state)
{
	(void)state;
	user_t admin = actor(ADMIN), dept = actor(DEPARTMENT), other = actor(DEPARTMENT);
	other.department_id = g_dept[1];
	struct request_in in = { .kind = "inspection", .category = "service_quality", .title = "窗口午间不受理",
		                     .department_id = g_dept[0], .due_on = "2021-12-10" };
	int64_t id = 0;
	err_t e;
	assert_int_equal(request_create(g_db, &admin, &in, at("2021-11-08T10:00"), &id, &e), 0);
	assert_string_equal(field(id, F_STATUS), "open");
	assert_string_equal(field(id, F_DUE), "2021-12-10");
	struct request_action_in none = { 0 }, ev1 = { .evidence = "已梳理事项清单" }, rej = { .reason = "台账不完整" },
		ev2 = { .evidence = "午间轮岗排班表已公示" };
	assert_int_equal(request_transition(g_db, &other, REQ_KIND_INSPECTION, id, "start", &none, at("2021-11-09T09:00"),
	                                    NULL, &e), -1);
	assert_int_equal(e.status, 404);
	/* the finding is not a request */
	assert_int_equal(request_transition(g_db, &admin, REQ_KIND_REQUEST, id, "accept", &none, at("2021-11-09T09:00"),
	                                    NULL, &e), -1);
	assert_int_equal(e.status, 404);
	const struct {
		const user_t *who;
		const char *action, *when;
		const struct request_action_in *in;
	} steps[] = {
		{ &dept, "start", "2021-11-09T11:00", &none },   { &dept, "submit", "2021-12-01T15:00", &ev1 },
		{ &admin, "reject", "2021-12-03T10:00", &rej },  { &dept, "submit", "2021-12-06T16:00", &ev2 },
		{ &admin, "verify", "2021-12-08T10:00", &none },
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (request_transition(g_db, steps[i].who, REQ_KIND_INSPECTION, id, steps[i].action, steps[i].in,
		                       at(steps[i].when), NULL, &e) < 0)
			fail_msg("%s: %s", steps[i].action, e.message);
	assert_string_equal(field(id, F_STATUS), "verified_closed");
	assert_string_equal(field(id, F_EVIDENCE), "午间轮岗排班表已公示");
	assert_string_equal(field(id, F_RESOLVED_AT), "1638777600");  /* 2021-12-06 16:00 +08:00 */
	assert_string_equal(history(id),
	                    "create:>open start:open>rectifying submit:rectifying>submitted reject:submitted>rectifying"
	                    " submit:rectifying>submitted verify:submitted>verified_closed");
}

/* A visit and its problems, created at once; a bad problem names itself. */
static void test_visit(void **state)
{
	(void)state;
	user_t off = actor(OFFICER);
	struct request_in problems[] = {
		{ .category = "labour", .title = "一线操作工缺口", .description = "约120人" },
		{ .category = "schooling", .title = "职工子女上学" },
	};
	struct visit_in v = { .enterprise_id = g_ent[0], .visited_on = "2021-10-18", .people_met = "夏卫军（副总经理）",
		                  .problems = problems, .nproblems = 2 };
	int64_t vid = 0;
	err_t e;
	assert_int_equal(visit_create(g_db, &off, &v, at("2021-10-18T16:00"), &vid, &e), 0);
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM requests WHERE source = 'visit'", -1, 0, NULL), 2);
	/* a visit is recorded after it took place */
	v.visited_on = "2021-10-19";
	assert_int_equal(visit_create(g_db, &off, &v, at("2021-10-18T16:00"), &vid, &e), -1);
	assert_string_equal(e.code, "invalid_date");
	/* an officer visits the enterprises it serves */
	v.visited_on = "2021-10-18";
	v.enterprise_id = g_ent[1];
	assert_int_equal(visit_create(g_db, &off, &v, at("2021-10-18T16:00"), &vid, &e), -1);
	assert_int_equal(e.status, 403);
	/* the second problem's category is unknown */
	v.enterprise_id = g_ent[0];
	problems[1].category = "nope";
	assert_int_equal(visit_create(g_db, &off, &v, at("2021-10-18T17:00"), &vid, &e), -1);
	assert_int_equal(e.status, 422);
	assert_string_equal(e.field, "category");
	assert_string_equal(err_get_param(&e, "problem"), "1");
	/* the description limit is the same everywhere */
	char *longer = malloc(REQUEST_DESCRIPTION_MAX + 2);
	memset(longer, 'x', REQUEST_DESCRIPTION_MAX + 1);
	longer[REQUEST_DESCRIPTION_MAX + 1] = '\0';
	problems[1].category = "schooling";
	problems[1].description = longer;
	assert_int_equal(visit_create(g_db, &off, &v, at("2021-10-18T17:00"), &vid, &e), -1);
	assert_string_equal(e.field, "description");
	longer[REQUEST_DESCRIPTION_MAX] = '\0';
	assert_int_equal(visit_create(g_db, &off, &v, at("2021-10-18T17:00"), &vid, &e), 0);
	free(longer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_state_machine),
		cmocka_unit_test(test_inspection_state_machine),
		cmocka_unit_test(test_row_conditions),
		cmocka_unit_test(test_journey_customs),
		cmocka_unit_test(test_journey_labour),
		cmocka_unit_test(test_today_from_now),
		cmocka_unit_test(test_calendar_missing),
		cmocka_unit_test(test_journey_inspection),
		cmocka_unit_test(test_visit),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
