/*
 * test_remind.c -- which events happen and when (issue 13): the steps of a
 * request emit theirs (requests.c) and the scan (src/remind/) the
 * time-driven ones, each once, on a week of December 2026 (no calendar
 * loaded: Monday to Friday are the working days; 2026-12-07 is a Monday).
 * Checked by the events' keys in notify_events (notify_emit records one
 * per key whoever it goes to).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "remind/remind.h"
#include "service/service.h"

#include "testutil.h"

static testdb_t g_t;
static db_t *g_db;
static struct fixture g_f;

static int64_t at(const char *when)
{
	int64_t t;
	assert_int_equal(datetime_parse(when, &t), 0);
	return t;
}

static int64_t count_key(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int64_t count_key(const char *fmt, ...)
{
	char key[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(key, sizeof key, fmt, ap);
	va_end(ap);
	const char *p[1] = { key };
	return db_int1(g_db, "SELECT count(*) FROM notify_events WHERE event_key = $1", -1, 1, p);
}

static int64_t count_all(void)
{
	return db_int1(g_db, "SELECT count(*) FROM notify_events", -1, 0, NULL);
}

/* The payload of the event with key (a new object). */
static json_t *payload_of(const char *key)
{
	db_stmt_t *st = db_prepare(g_db, "SELECT payload FROM notify_events WHERE event_key = $1");
	db_bind_text(st, 1, key);
	json_t *p = db_step(st) == DB_ROW ? json_loads(db_col_text(st, 0), 0, NULL) : NULL;
	db_done(st);
	assert_non_null(p);
	return p;
}

static void exec(const char *sql, int64_t a, const char *b)
{
	db_stmt_t *st = db_prepare(g_db, sql);
	assert_non_null(st);
	db_bind_text(st, 1, b);
	db_bind_int(st, 2, a);
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
}

static int64_t new_request(const char *title, const char *when)
{
	struct request_in in = { .kind = "request", .title = title, .description = "d" };
	int64_t id = 0;
	err_t e;
	char code[64] = "";
	db_stmt_t *st = db_prepare(g_db, "SELECT code FROM request_categories ORDER BY sort, code");
	if (db_step(st) == DB_ROW)
		snprintf(code, sizeof code, "%s", db_col_text(st, 0));
	db_done(st);
	in.category = code;
	if (request_create(g_db, fixture_as(&g_f, ROLE_ENTERPRISE), &in, at(when), &id, &e) < 0)
		fail_msg("request_create: %s", e.message);
	return id;
}

/* A new department (its name made unique: a shared $ZONEOPS_TEST_DB keeps
 * the earlier runs' rows). */
static int64_t new_department(const char *name)
{
	static int n;
	char full[96];
	snprintf(full, sizeof full, "%s%ld-%d", name, (long)getpid(), ++n);
	const char *p[1] = { full };
	int64_t id = testutil_insert(g_db, "INSERT INTO departments (name) VALUES ($1) RETURNING id", 1, p);
	assert_true(id > 0);
	return id;
}

static void step(int64_t id, int role, const char *action, const struct request_action_in *in, const char *when)
{
	err_t e;
	if (request_transition(g_db, fixture_as(&g_f, role), REQ_KIND_REQUEST, id, action, in, at(when), NULL, &e) < 0)
		fail_msg("%s: %s", action, e.message);
}

static int scan(const char *when)
{
	int n = remind_scan(g_db, at(when));
	assert_true(n >= 0);
	return n;
}

static int setup(void **state)
{
	(void)state;
	if (testdb_open(&g_t, "remind", 1, 1) < 0 || testdb_fixture(g_t.db, &g_f) < 0)
		return -1;
	g_db = g_t.db;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testdb_close(&g_t);
	return 0;
}

/* A request's life: submitted to the officer, accepted to the department,
 * due soon, overdue (the department; the leaders a working day later),
 * rated low; each once however often the scan runs. */
static void test_request_events(void **state)
{
	(void)state;
	int64_t a = new_request("厂区*道路*积水", "2026-12-07T09:00:00+08:00");
	assert_int_equal(count_key("request.submitted:%lld", (long long)a), 1);
	struct request_action_in acc = { .department_id = g_f.department_id };
	step(a, ROLE_OFFICER, "accept", &acc, "2026-12-07T10:00:00+08:00");
	assert_int_equal(count_key("request.assigned:%lld", (long long)a), 1);
	exec("UPDATE requests SET due_on = $1 WHERE id = $2", a, "2026-12-09");

	scan("2026-12-08T09:00:00+08:00");   /* Tuesday: due Wednesday, the next working day */
	assert_int_equal(count_key("request.due_soon:%lld:2026-12-09", (long long)a), 1);
	assert_int_equal(count_key("request.overdue:%lld:2026-12-09", (long long)a), 0);
	int64_t before = count_all();
	scan("2026-12-08T09:01:00+08:00");
	assert_int_equal(count_all(), before);   /* nothing twice */

	scan("2026-12-10T09:00:00+08:00");   /* Thursday: overdue by one working day */
	assert_int_equal(count_key("request.overdue:%lld:2026-12-09", (long long)a), 1);
	assert_int_equal(count_key("request.overdue:%lld:2026-12-09:leader", (long long)a), 0);
	char key[96];
	snprintf(key, sizeof key, "request.overdue:%lld:2026-12-09", (long long)a);
	json_t *p = payload_of(key);
	assert_int_equal(json_integer_value(json_object_get(p, "workdays_left")), -1);
	assert_string_equal(json_string_value(json_object_get(p, "title")), "厂区*道路*积水");
	assert_string_equal(json_string_value(json_object_get(p, "due_on")), "2026-12-09");
	char path[48];
	snprintf(path, sizeof path, "#/requests/%lld", (long long)a);
	assert_string_equal(json_string_value(json_object_get(p, "path")), path);
	json_decref(p);

	scan("2026-12-12T09:00:00+08:00");   /* Saturday: nobody works, nothing new */
	assert_int_equal(count_key("request.overdue:%lld:2026-12-09:leader", (long long)a), 0);
	scan("2026-12-14T09:00:00+08:00");   /* Monday: a working day later, the leaders */
	assert_int_equal(count_key("request.overdue:%lld:2026-12-09:leader", (long long)a), 1);

	/* resolved, rated 1 by the enterprise: the officer and the leaders */
	step(a, ROLE_DEPARTMENT, "start", NULL, "2026-12-14T10:00:00+08:00");
	struct request_action_in res = { .resolution = "done" };
	step(a, ROLE_DEPARTMENT, "resolve", &res, "2026-12-14T11:00:00+08:00");
	struct request_action_in rate = { .rating = 1, .comment = "slow" };
	step(a, ROLE_ENTERPRISE, "rate", &rate, "2026-12-14T12:00:00+08:00");
	snprintf(key, sizeof key, "request.rated_low:%lld:%lld", (long long)a, (long long)at("2026-12-14T12:00:00+08:00"));
	assert_int_equal(count_key("%s", key), 1);
	p = payload_of(key);
	assert_int_equal(json_integer_value(json_object_get(p, "rating")), 1);
	assert_string_equal(json_string_value(json_object_get(p, "comment")), "slow");
	json_decref(p);
}

/* Not accepted in time: overdue for acceptance to the officer, then the
 * leaders; a finding due and overdue to its department. */
static void test_accept_and_findings(void **state)
{
	(void)state;
	int64_t b = new_request("招工难", "2026-12-21T09:00:00+08:00");   /* Monday; accept by Tuesday */
	scan("2026-12-22T09:00:00+08:00");
	assert_int_equal(count_key("request.overdue:%lld:2026-12-22:accept", (long long)b), 0);
	scan("2026-12-23T09:00:00+08:00");
	assert_int_equal(count_key("request.overdue:%lld:2026-12-22:accept", (long long)b), 1);
	assert_int_equal(count_key("request.overdue:%lld:2026-12-22:accept:leader", (long long)b), 0);
	scan("2026-12-24T09:00:00+08:00");
	assert_int_equal(count_key("request.overdue:%lld:2026-12-22:accept:leader", (long long)b), 1);

	struct request_in in = { .kind = "inspection", .category = "service_quality", .title = "窗口排队",
	                         .department_id = g_f.department_id, .due_on = "2026-12-24" };
	int64_t f = 0;
	err_t e;
	assert_int_equal(request_create(g_db, fixture_as(&g_f, ROLE_ADMIN), &in, at("2026-12-21T09:00:00+08:00"), &f, &e), 0);
	assert_int_equal(count_key("request.assigned:%lld", (long long)f), 1);
	scan("2026-12-23T09:00:00+08:00");   /* due Thursday: the next working day */
	assert_int_equal(count_key("finding.due:%lld:2026-12-24", (long long)f), 1);
	scan("2026-12-25T09:00:00+08:00");
	assert_int_equal(count_key("finding.overdue:%lld:2026-12-24", (long long)f), 1);
}

/* A joint meeting hands a case to its lead department: that department
 * hears it (request.assigned); a decision that keeps the department, not. */
static void test_meeting(void **state)
{
	(void)state;
	int64_t id = new_request("多部门协调", "2026-12-09T09:00:00+08:00");
	int64_t lead = new_department("牵头部门");
	err_t e;
	int64_t t = at("2026-12-09T10:00:00+08:00");
	assert_int_equal(request_take_over(g_db, fixture_as(&g_f, ROLE_ADMIN), id, lead, "meeting_decided", NULL, t, &e), 0);
	assert_int_equal(count_key("request.assigned:%lld:%lld:%lld", (long long)id, (long long)lead, (long long)t), 1);
	int64_t before = count_all();
	assert_int_equal(request_take_over(g_db, fixture_as(&g_f, ROLE_ADMIN), id, lead, "meeting_decided", NULL, t + 60, &e),
	                 0);
	assert_int_equal(count_all(), before);
}

/* The digests: working days only, from notify.digest_time; none for a
 * recipient with nothing open. */
static void test_digest(void **state)
{
	(void)state;
	long long officer = (long long)fixture_as(&g_f, ROLE_OFFICER)->id, dept = (long long)g_f.department_id;
	scan("2026-12-26T09:00:00+08:00");   /* Saturday */
	assert_int_equal(count_key("digest:u:%lld:2026-12-26", officer), 0);
	scan("2026-12-28T08:29:00+08:00");   /* Monday, before 08:30 */
	assert_int_equal(count_key("digest:u:%lld:2026-12-28", officer), 0);
	scan("2026-12-28T08:30:00+08:00");
	assert_int_equal(count_key("digest:u:%lld:2026-12-28", officer), 1);
	assert_int_equal(count_key("digest:d:%lld:2026-12-28", dept), 1);
	char key[64];
	snprintf(key, sizeof key, "digest:u:%lld:2026-12-28", officer);
	json_t *p = payload_of(key);
	assert_true(json_integer_value(json_object_get(p, "open")) >= 1);
	assert_true(json_integer_value(json_object_get(p, "overdue")) >= 1);
	assert_true(json_array_size(json_object_get(p, "items")) >= 1);
	json_decref(p);
	/* a department with nothing open gets none */
	int64_t idle = new_department("空闲部门");
	scan("2026-12-29T09:00:00+08:00");
	assert_int_equal(count_key("digest:d:%lld:2026-12-29", (long long)idle), 0);
	assert_int_equal(count_key("digest:d:%lld:2026-12-29", dept), 1);
}

/* A department's digest lists its first five cases by due date (then
 * id) with the working days left, written out by hand: Wednesday
 * 2026-12-30, no calendar loaded (Monday to Friday are working days). */
static void test_digest_items(void **state)
{
	(void)state;
	int64_t dept = new_department("整改部门");
	static const char *const due[7] = { "2027-01-01", "2026-12-31", "2026-12-31", "2027-01-05", "2026-12-30",
	                                    "2027-01-06", "2027-01-07" };
	static const char *const title[7] = { "第1项", "第2项", "第3项", "第4项", "第5项", "第6项", "第7项" };
	for (int i = 0; i < 7; i++) {
		struct request_in in = { .kind = "inspection", .category = "service_quality", .title = title[i],
		                         .department_id = dept, .due_on = due[i] };
		int64_t id = 0;
		err_t e;
		if (request_create(g_db, fixture_as(&g_f, ROLE_ADMIN), &in, at("2026-12-28T09:00:00+08:00"), &id, &e) < 0)
			fail_msg("request_create: %s", e.message);
	}
	scan("2026-12-30T09:00:00+08:00");
	char key[64];
	snprintf(key, sizeof key, "digest:d:%lld:2026-12-30", (long long)dept);
	json_t *p = payload_of(key);
	assert_int_equal(json_integer_value(json_object_get(p, "open")), 7);
	assert_int_equal(json_integer_value(json_object_get(p, "due_soon")), 3);   /* the 30th and the 31st */
	assert_int_equal(json_integer_value(json_object_get(p, "overdue")), 0);
	json_t *items = json_object_get(p, "items");
	static const struct { const char *title, *due; int left; } want[5] = {
		{ "第5项", "2026-12-30", 0 }, { "第2项", "2026-12-31", 1 }, { "第3项", "2026-12-31", 1 },
		{ "第1项", "2027-01-01", 2 }, { "第4项", "2027-01-05", 4 },   /* Thu, Fri, Mon, Tue */
	};
	assert_int_equal(json_array_size(items), 5);
	for (int i = 0; i < 5; i++) {
		json_t *it = json_array_get(items, (size_t)i);
		assert_string_equal(json_string_value(json_object_get(it, "title")), want[i].title);
		assert_string_equal(json_string_value(json_object_get(it, "due_on")), want[i].due);
		assert_int_equal(json_integer_value(json_object_get(it, "workdays_left")), want[i].left);
	}
	json_decref(p);
}

/* The last week of November: the fixture's unit (a leader and a recruiter
 * without trips) is at risk, once. */
static void test_quota(void **state)
{
	(void)state;
	long long unit = (long long)g_f.unit_id;
	scan("2026-11-23T09:00:00+08:00");   /* the 23rd: 7 days to come, not the last week */
	assert_int_equal(count_key("race.quota_at_risk:%lld:2026-11", unit), 0);
	scan("2026-11-29T09:00:00+08:00");   /* a Sunday in the last week */
	assert_int_equal(count_key("race.quota_at_risk:%lld:2026-11", unit), 1);
	scan("2026-11-30T09:00:00+08:00");
	assert_int_equal(count_key("race.quota_at_risk:%lld:2026-11", unit), 1);
	char key[64];
	snprintf(key, sizeof key, "race.quota_at_risk:%lld:2026-11", unit);
	json_t *p = payload_of(key);
	assert_int_equal(json_integer_value(json_object_get(p, "met")), 0);
	assert_int_equal(json_integer_value(json_object_get(p, "total")), 2);
	assert_string_equal(json_string_value(json_object_get(p, "path")), "#/race?month=2026-11");
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quota), cmocka_unit_test(test_request_events),
		cmocka_unit_test(test_accept_and_findings), cmocka_unit_test(test_meeting), cmocka_unit_test(test_digest),
		cmocka_unit_test(test_digest_items),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
