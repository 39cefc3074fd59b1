/*
 * test_writers.c -- the domain functions that the API, the importers and
 * the demo share to write the reference lists (admin.c), the units and
 * their targets (race/units.c), leads (lead_update), projects (lead_on
 * without a lead), indicator values and targets (indicators/values.c),
 * and the `now` they stamp rows with instead of the clock; the race's
 * rules (issue 9): who edits, reads and moves a lead, frozen leads, whose
 * targets a leader sets, publishing closed months and withdrawing.
 *
 * A fresh temporary SQLite database each (migrated: the real schema).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "admin/admin.h"
#include "indicators/indicators.h"
#include "race/race.h"
#include "race/race_util.h"
#include "service/service.h"
#include "testutil.h"

static testdb_t g_t;
static db_t *g_db;
static struct fixture g_f;

static int setup(void **state)
{
	(void)state;
	if (auth_init() != 0 || testdb_open(&g_t, "writers", 0, 1) < 0)
		return -1;
	g_db = g_t.db;
	return testdb_fixture(g_db, &g_f);
}

static int teardown(void **state)
{
	(void)state;
	testdb_close(&g_t);
	return 0;
}

static int64_t q1(const char *sql, int64_t id)
{
	char v[24];
	snprintf(v, sizeof v, "%lld", (long long)id);
	const char *p[1] = { v };
	return db_int1(g_db, sql, -1, 1, p);
}

/* e failed with status, code and field (NULL: none). */
static void assert_err(const err_t *e, int status, const char *code, const char *field)
{
	assert_int_equal(e->status, status);
	assert_string_equal(e->code, code);
	if (field)
		assert_string_equal(e->field ? e->field : "(none)", field);
	else
		assert_null(e->field);
}

static void test_reference_lists(void **state)
{
	(void)state;
	int64_t id = 0, id2 = 0;
	err_t e;
	assert_int_equal(street_create(g_db, "竹行街道", "Zhuhang Street", &id, &e), 0);
	assert_true(id > 0);
	assert_int_equal(street_create(g_db, "竹行街道", "", &id2, &e), -1);
	assert_err(&e, 409, "conflict", NULL);
	assert_int_equal(street_create(g_db, "", "", &id2, &e), -1);
	assert_err(&e, 422, "required", "name");
	char long_en[140];
	memset(long_en, 'x', 129);
	long_en[129] = '\0';
	assert_int_equal(street_create(g_db, "新开街道", long_en, &id2, &e), -1);
	assert_err(&e, 422, "too_long", "name_en");

	assert_int_equal(department_create(g_db, "南通海关", "Nantong Customs", "city", &id, &e), 0);
	assert_int_equal(q1("SELECT count(*) FROM departments WHERE id = CAST($1 AS BIGINT) AND level = 'city'", id), 1);
	assert_int_equal(department_create(g_db, "某局", "", "county", &id2, &e), -1);
	assert_err(&e, 422, "invalid", "level");
	assert_int_equal(department_create(g_db, "统计局", NULL, NULL, &id2, &e), 0);   /* district */
	assert_int_equal(q1("SELECT count(*) FROM departments WHERE id = CAST($1 AS BIGINT) AND level = 'district'", id2), 1);

	assert_int_equal(region_create(g_db, "南通开发区", "Nantong Development Zone", 1, 1, &id, &e), 0);
	assert_int_equal(region_create(g_db, "崇川区", "", 1, 2, &id2, &e), -1);
	assert_err(&e, 409, "conflict", "is_zone");
	assert_int_equal(region_create(g_db, "崇川区", "", 0, 2, &id2, &e), 0);
}

static void test_units_and_targets(void **state)
{
	(void)state;
	err_t e;
	int64_t id = 0, id2 = 0;
	struct unit_in in = { .name = "测试二局", .name_en = "Test Bureau", .kind = "bureau" };
	assert_int_equal(unit_create(g_db, &in, &id, &e), 0);
	char code[32];
	snprintf(code, sizeof code, "u%lld", (long long)id);   /* made from the next id */
	assert_int_equal(unit_id_by_code(g_db, code), id);
	assert_int_equal(unit_create(g_db, &in, &id2, &e), -1);
	assert_err(&e, 409, "duplicate_unit", "name");
	struct unit_in up = { .code = code, .name = "测试二局", .name_en = "", .kind = "club", .sort = 9 };
	assert_int_equal(unit_update(g_db, id, &up, &e), -1);
	assert_err(&e, 422, "invalid_kind", "kind");
	up.kind = "company";
	assert_int_equal(unit_update(g_db, id, &up, &e), 0);
	assert_int_equal(q1("SELECT sort FROM units WHERE id = CAST($1 AS BIGINT) AND kind = 'company'", id), 9);

	struct unit_target t = { .unit_id = id, .year = 2026, .signed_investment_wan = 500000, .landed_projects = 3,
	                         .leads = 40 };
	assert_int_equal(unit_target_set(g_db, NULL, &t, &e), 0);
	t.leads = 45;
	assert_int_equal(unit_target_set(g_db, NULL, &t, &e), 0);   /* replaced */
	assert_int_equal(q1("SELECT leads FROM unit_targets WHERE unit_id = CAST($1 AS BIGINT) AND year = 2026", id), 45);
	t.landed_projects = -1;
	assert_int_equal(unit_target_set(g_db, NULL, &t, &e), -1);
	assert_err(&e, 422, "negative_amount", "landed_projects");
	t.landed_projects = 1;
	t.unit_id = 999999;
	assert_int_equal(unit_target_set(g_db, NULL, &t, &e), -1);
	assert_err(&e, 422, "unknown_unit", "unit_id");
	t.unit_id = id;
	t.year = 1800;
	assert_int_equal(unit_target_set(g_db, NULL, &t, &e), -1);
	assert_err(&e, 422, "required", "year");
}

static void test_indicator_writers(void **state)
{
	(void)state;
	err_t e;
	int64_t region = 0;
	assert_int_equal(region_create(g_db, "海门区", "", 0, 3, &region, &e), 0);
	assert_int_equal(ind_value_insert(g_db, region, "budget_revenue", 2026, 10, 618000, &e), 0);
	assert_int_equal(ind_value_insert(g_db, region, "budget_revenue", 2026, 10, 1, &e), -1);
	assert_err(&e, 409, "conflict", NULL);   /* the same period twice */
	assert_int_equal(ind_value_insert(g_db, region, "gdp", 2026, 10, 1, &e), -1);
	assert_err(&e, 422, "invalid", "indicator");
	assert_int_equal(ind_value_insert(g_db, region, "tax_revenue", 2026, 13, 1, &e), -1);
	assert_err(&e, 422, "invalid", "month");
	assert_int_equal(ind_value_insert(g_db, region, "tax_revenue", 2026, 0, 1, &e), -1);
	assert_err(&e, 422, "invalid", "month");
	assert_int_equal(ind_value_insert(g_db, region, "tax_revenue", 2026, 10, -5, &e), -1);
	assert_err(&e, 422, "negative", "value");
	int64_t removed = 0;
	assert_int_equal(ind_values_clear(g_db, 2026, 10, &removed, &e), 0);
	assert_int_equal(removed, 1);

	int created = -1;
	assert_int_equal(ind_target_set(g_db, region, "trade_total", 2026, 100, &created, &e), 0);
	assert_int_equal(created, 1);
	assert_int_equal(ind_target_set(g_db, region, "trade_total", 2026, 200, &created, &e), 0);
	assert_int_equal(created, 0);
	assert_int_equal(q1("SELECT value FROM indicator_targets WHERE region_id = CAST($1 AS BIGINT)"
	                    " AND indicator = 'trade_total' AND year = 2026", region), 200);
	assert_int_equal(ind_target_set(g_db, region, "trade_total", 3000, 1, NULL, &e), -1);
	assert_err(&e, 422, "invalid", "year");
}

/* A recruiter records, only the unit's leader qualifies (lead_update). */
static void test_lead_update(void **state)
{
	(void)state;
	const user_t *rec = fixture_as(&g_f, ROLE_RECRUITER), *leader = fixture_as(&g_f, ROLE_LEADER);
	const user_t *officer = fixture_as(&g_f, ROLE_OFFICER);
	struct lead_in in = { .unit_id = g_f.unit_id, .company = "南通测试精密机械有限公司", .credit_code = "",
	                      .captured_on = "2026-03-02", .qualified = -1 };
	int64_t id = 0, dup, dup_unit;
	err_t e;
	assert_int_equal(lead_insert(g_db, rec, &in, 1700000000, &id, &dup, &dup_unit, &e), 0);
	assert_int_equal(q1("SELECT created_by FROM leads WHERE id = CAST($1 AS BIGINT)", id), rec->id);

	struct lead_in old = in, upd = in;
	upd.qualified = 1;
	assert_int_equal(lead_update(g_db, rec, id, &old, &upd, NULL, 1700000100, NULL, &e), -1);
	assert_err(&e, 403, "forbidden", "status");
	upd.qualified = 1;
	assert_int_equal(lead_update(g_db, officer, id, &old, &upd, NULL, 1700000100, NULL, &e), -1);
	assert_err(&e, 403, "forbidden", NULL);
	upd.qualified = 1;
	assert_int_equal(lead_update(g_db, leader, id, &old, &upd, NULL, 1700000100, NULL, &e), 0);
	assert_int_equal(q1("SELECT count(*) FROM leads WHERE id = CAST($1 AS BIGINT) AND status = 'qualified'"
	                    " AND created_at = 1700000000 AND updated_at = 1700000100", id), 1);

	arena_t *a = arena_new();
	struct lead_in back;
	int64_t created_by = 0;
	assert_int_equal(lead_read(g_db, a, id, &back, &created_by), DB_ROW);
	assert_int_equal(back.qualified, 1);
	assert_int_equal(created_by, rec->id);
	assert_string_equal(back.company, in.company);
	assert_int_equal(lead_read(g_db, a, 999999, &back, &created_by), DB_DONE);
	arena_free(a);
}

/* A user of role in unit (0: none), in the database and as a caller. */
static user_t add_user(const char *name, const char *role, int64_t unit)
{
	char u[24];
	snprintf(u, sizeof u, "%lld", (long long)unit);
	const char *p[3] = { name, role, u };
	int64_t id = testutil_insert(g_db,
		"INSERT INTO users (username, display_name, role, password_hash, unit_id, created_at, updated_at)"
		" VALUES ($1, $1, $2, 'x', NULLIF(CAST($3 AS BIGINT), 0), 0, 0) RETURNING id", 3, p);
	assert_true(id > 0);
	return (user_t){ .id = id, .username = name, .display_name = name, .role = role, .role_bit = role_bit(role),
	                 .unit_id = unit };
}

/* The lead's stored fields (strings in a). */
static struct lead_in stored(arena_t *a, int64_t id)
{
	struct lead_in l;
	int64_t created_by;
	assert_int_equal(lead_read(g_db, a, id, &l, &created_by), DB_ROW);
	return l;
}

/* Issue 9, finding 3: creating a lead gives no right to it; every check
 * runs with the caller's own role and unit; moving a lead is for whoever
 * may lead both units.  Finding 6: lead_may_read. */
static void test_lead_rights(void **state)
{
	(void)state;
	err_t e;
	struct unit_in ui = { .name = "权限测试局", .name_en = "", .kind = "bureau" };
	int64_t unit_b = 0;
	assert_int_equal(unit_create(g_db, &ui, &unit_b, &e), 0);
	const user_t *rec = fixture_as(&g_f, ROLE_RECRUITER), *leader = fixture_as(&g_f, ROLE_LEADER);
	user_t rec2 = add_user("t.rec2", "recruiter", g_f.unit_id), rec_b = add_user("t.rec.b", "recruiter", unit_b);
	user_t leader_b = add_user("t.leader.b", "leader", unit_b), zone = add_user("t.zone", "leader", 0);
	struct lead_in in = { .unit_id = g_f.unit_id, .company = "南通权限测试有限公司", .credit_code = "",
	                      .captured_on = "2026-03-02", .est_investment_wan = 10000, .qualified = -1 };
	int64_t id = 0, dup, dup_unit;
	assert_int_equal(lead_insert(g_db, rec, &in, 1700000000, &id, &dup, &dup_unit, &e), 0);
	arena_t *a = arena_new();

	/* the leader hands it to rec2: its creator no longer edits it */
	struct lead_in old = stored(a, id), upd = old;
	upd.recruiter_id = rec2.id;
	assert_int_equal(lead_update(g_db, leader, id, &old, &upd, NULL, 1700000100, NULL, &e), 0);
	old = stored(a, id);
	assert_false(lead_may_edit(rec, &old));
	assert_true(lead_may_edit(&rec2, &old));
	upd = old;
	upd.recruiter_id = rec->id;
	assert_int_equal(lead_update(g_db, rec, id, &old, &upd, NULL, 1700000200, NULL, &e), -1);
	assert_err(&e, 403, "forbidden", NULL);
	/* nobody bound to the unit moves it out; a zone leader does */
	upd = old;
	upd.unit_id = unit_b, upd.recruiter_id = rec_b.id, upd.est_investment_wan = 5000000;
	assert_int_equal(lead_update(g_db, &rec2, id, &old, &upd, NULL, 1700000200, NULL, &e), -1);
	assert_err(&e, 403, "forbidden", "unit_id");
	upd = old;
	upd.unit_id = unit_b, upd.recruiter_id = rec_b.id;
	assert_int_equal(lead_update(g_db, leader, id, &old, &upd, NULL, 1700000200, NULL, &e), -1);
	assert_err(&e, 403, "forbidden", "unit_id");
	assert_int_equal(lead_update(g_db, &leader_b, id, &old, &upd, NULL, 1700000200, NULL, &e), -1);
	assert_err(&e, 403, "forbidden", NULL);
	assert_int_equal(q1("SELECT unit_id FROM leads WHERE id = CAST($1 AS BIGINT)", id), g_f.unit_id);
	upd = old;
	upd.unit_id = unit_b, upd.recruiter_id = rec_b.id;
	json_t *before = NULL;
	assert_int_equal(lead_update(g_db, &zone, id, &old, &upd, NULL, 1700000300, &before, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(before, "unit_id")), g_f.unit_id);
	assert_int_equal(json_integer_value(json_object_get(before, "recruiter_id")), rec2.id);
	assert_int_equal(json_object_size(before), 2);
	json_decref(before);
	old = stored(a, id);
	assert_false(lead_may_edit(&rec2, &old));
	assert_true(lead_may_edit(&rec_b, &old) && lead_may_edit(&leader_b, &old) && lead_may_edit(&zone, &old));

	/* who reads it: another unit's recruiter does not */
	assert_false(lead_may_read(rec, unit_b));
	assert_true(lead_may_read(&rec_b, unit_b) && lead_may_read(leader, unit_b) && lead_may_read(&zone, unit_b));
	assert_false(lead_may_read(fixture_as(&g_f, ROLE_STATISTICIAN), unit_b));

	/* a recruiter who leaves the unit leaves its leads */
	user_t gone = rec_b;
	gone.unit_id = g_f.unit_id;
	assert_false(lead_may_edit(&gone, &old));
	arena_free(a);
}

/* Issue 9, finding 7: a qualified or rejected lead is frozen. */
static void test_lead_frozen(void **state)
{
	(void)state;
	err_t e;
	const user_t *rec = fixture_as(&g_f, ROLE_RECRUITER), *leader = fixture_as(&g_f, ROLE_LEADER);
	const user_t *admin = fixture_as(&g_f, ROLE_ADMIN);
	struct lead_in in = { .unit_id = g_f.unit_id, .company = "南通冻结测试有限公司", .credit_code = "",
	                      .captured_on = "2026-04-03", .qualified = -1 };
	int64_t id = 0, dup, dup_unit;
	assert_int_equal(lead_insert(g_db, rec, &in, 1700000000, &id, &dup, &dup_unit, &e), 0);
	arena_t *a = arena_new();
	struct lead_in old = stored(a, id), upd = old;
	upd.qualified = 1;   /* qualifying a pending lead needs no reason */
	assert_int_equal(lead_update(g_db, leader, id, &old, &upd, NULL, 1700000100, NULL, &e), 0);

	old = stored(a, id);
	upd = old;
	upd.captured_on = "2026-05-03";
	assert_int_equal(lead_update(g_db, rec, id, &old, &upd, "想重新计一次", 1700000200, NULL, &e), -1);
	assert_err(&e, 409, "lead_frozen", "status");
	assert_string_equal(err_get_param(&e, "status"), "qualified");
	assert_int_equal(lead_update(g_db, leader, id, &old, &upd, NULL, 1700000200, NULL, &e), -1);
	assert_err(&e, 422, "required", "reason");
	assert_int_equal(lead_update(g_db, leader, id, &old, &upd, "错", 1700000200, NULL, &e), -1);
	assert_err(&e, 422, "invalid", "reason");
	assert_string_equal(err_get_param(&e, "reason"), "too_short");
	assert_int_equal(q1("SELECT count(*) FROM leads WHERE id = CAST($1 AS BIGINT) AND captured_on = '2026-04-03'", id), 1);
	json_t *before = NULL;
	assert_int_equal(lead_update(g_db, leader, id, &old, &upd, "录入日期有误", 1700000200, &before, &e), 0);
	assert_string_equal(json_string_value(json_object_get(before, "captured_on")), "2026-04-03");
	assert_int_equal(json_object_size(before), 1);
	json_decref(before);
	/* nothing changed: no reason needed */
	old = stored(a, id);
	upd = old;
	assert_int_equal(lead_update(g_db, leader, id, &old, &upd, NULL, 1700000300, &before, &e), 0);
	assert_null(before);
	/* rejected: the same; back to pending by an admin with a reason */
	upd.qualified = 0;
	assert_int_equal(lead_update(g_db, admin, id, &old, &upd, "复核后不认定", 1700000400, NULL, &e), 0);
	old = stored(a, id);
	upd = old;
	upd.notes = "再改";
	assert_int_equal(lead_update(g_db, rec, id, &old, &upd, NULL, 1700000500, NULL, &e), -1);
	assert_err(&e, 409, "lead_frozen", "status");
	assert_string_equal(err_get_param(&e, "status"), "rejected");
	arena_free(a);
}

/* Issue 9, finding 10: a unit's leader sets its own unit's targets; a
 * zone leader and an admin any unit's. */
static void test_target_rights(void **state)
{
	(void)state;
	err_t e;
	struct unit_in ui = { .name = "目标权限测试局", .name_en = "", .kind = "bureau" };
	int64_t unit_b = 0;
	assert_int_equal(unit_create(g_db, &ui, &unit_b, &e), 0);
	user_t zone = add_user("t.zone.targets", "leader", 0);
	struct unit_target t = { .unit_id = unit_b, .year = 2031, .leads = 5 };
	assert_int_equal(unit_target_set(g_db, fixture_as(&g_f, ROLE_LEADER), &t, &e), -1);
	assert_err(&e, 403, "forbidden", "unit_id");
	assert_int_equal(unit_target_set(g_db, fixture_as(&g_f, ROLE_RECRUITER), &t, &e), -1);
	assert_err(&e, 403, "forbidden", "unit_id");
	assert_int_equal(q1("SELECT count(*) FROM unit_targets WHERE unit_id = CAST($1 AS BIGINT)", unit_b), 0);
	assert_int_equal(unit_target_set(g_db, &zone, &t, &e), 0);
	assert_int_equal(unit_target_set(g_db, fixture_as(&g_f, ROLE_ADMIN), &t, &e), 0);
	t.unit_id = g_f.unit_id;
	assert_int_equal(unit_target_set(g_db, fixture_as(&g_f, ROLE_LEADER), &t, &e), 0);
}

/* Issue 9, finding 10: publishing is for closed months in zone time, by
 * an admin or a zone leader; an admin withdraws it with a reason. */
static void test_publishing(void **state)
{
	(void)state;
	err_t e;
	int64_t at;
	assert_int_equal(clock_parse("2026-12-01T00:30:00", &at), 0);   /* still November in UTC */
	clock_set(at);
	assert_true(race_month_closed(2026, 11));
	assert_false(race_month_closed(2026, 12));
	assert_false(race_month_closed(2099, 12));
	user_t zone = add_user("t.zone.publish", "leader", 0);
	json_t *res = NULL, *detail = NULL;
	assert_int_equal(race_publish(g_db, fixture_as(&g_f, ROLE_LEADER), "2026-11", at, &res, &e), -1);
	assert_err(&e, 403, "forbidden", NULL);
	assert_int_equal(race_publish(g_db, fixture_as(&g_f, ROLE_ADMIN), "2026-12", at, &res, &e), -1);
	assert_err(&e, 422, "month_open", "month");
	assert_string_equal(err_get_param(&e, "current"), "2026-12");
	assert_int_equal(race_publish(g_db, fixture_as(&g_f, ROLE_ADMIN), "2099-12", at, &res, &e), -1);
	assert_err(&e, 422, "month_open", "month");
	assert_int_equal(race_publish(g_db, &zone, "2026-13", at, &res, &e), -1);
	assert_err(&e, 422, "invalid_parameter", "month");
	assert_int_equal(race_publish(g_db, &zone, "2026-11", at, &res, &e), 0);
	assert_true(json_is_true(json_object_get(res, "published")));
	json_decref(res);
	assert_int_equal(race_publish(g_db, fixture_as(&g_f, ROLE_ADMIN), "2026-11", at, &res, &e), -1);
	assert_err(&e, 409, "already_published", "month");

	assert_int_equal(race_unpublish(g_db, &zone, "2026-11", "算错了要重发", &detail, &e), -1);
	assert_err(&e, 403, "forbidden", NULL);
	assert_int_equal(race_unpublish(g_db, fixture_as(&g_f, ROLE_ADMIN), "2026-11", "  ", &detail, &e), -1);
	assert_err(&e, 422, "required", "reason");
	assert_int_equal(race_unpublish(g_db, fixture_as(&g_f, ROLE_ADMIN), "2026-11", "算错了要重发", &detail, &e), 0);
	assert_string_equal(json_string_value(json_object_get(detail, "reason")), "算错了要重发");
	assert_int_equal(json_integer_value(json_object_get(detail, "published_by")), zone.id);
	assert_int_equal(json_integer_value(json_object_get(detail, "published_at")), at);
	json_decref(detail);
	assert_int_equal(db_int1(g_db, "SELECT count(*) FROM race_results WHERE month = '2026-11'", -1, 0, NULL), 0);
	assert_int_equal(race_unpublish(g_db, fixture_as(&g_f, ROLE_ADMIN), "2026-11", "算错了要重发", &detail, &e), -1);
	assert_err(&e, 404, "not_published", "month");
	assert_int_equal(race_publish(g_db, NULL, "2026-11", at, &res, &e), 0);   /* published again */
	json_decref(res);
	clock_set(time(NULL));
}

/* A project without a lead keeps the lead_on it is given; one with a lead
 * takes the lead's captured_on. */
static void test_project_lead_on(void **state)
{
	(void)state;
	const user_t *rec = fixture_as(&g_f, ROLE_RECRUITER);
	err_t e;
	int64_t id = 0;
	struct project_in in = { .name = "测试项目甲", .unit_id = g_f.unit_id, .lead_on = "2026-01-05",
	                         .signed_on = "2026-03-01" };
	assert_int_equal(project_insert(g_db, rec, &in, 1700000000, &id, &e), 0);
	assert_int_equal(q1("SELECT count(*) FROM projects WHERE id = CAST($1 AS BIGINT) AND lead_on = '2026-01-05'"
	                    " AND stage = 'signed' AND lead_id IS NULL AND created_at = 1700000000", id), 1);

	struct project_in bad = { .name = "测试项目乙", .unit_id = g_f.unit_id, .lead_on = "2026-04-01",
	                          .signed_on = "2026-03-01" };
	assert_int_equal(project_insert(g_db, rec, &bad, 1700000000, &id, &e), -1);
	assert_err(&e, 422, "date_order", "signed_on");
	bad.lead_on = "2026-02-30";
	assert_int_equal(project_insert(g_db, rec, &bad, 1700000000, &id, &e), -1);
	assert_err(&e, 422, "invalid_date", "lead_on");

	struct lead_in lead = { .unit_id = g_f.unit_id, .company = "测试项目丙公司", .credit_code = "",
	                        .captured_on = "2026-02-10", .qualified = -1 };
	int64_t lead_id = 0, dup, dup_unit;
	assert_int_equal(lead_insert(g_db, rec, &lead, 1700000000, &lead_id, &dup, &dup_unit, &e), 0);
	struct project_in from_lead = { .name = "测试项目丙", .unit_id = g_f.unit_id, .lead_id = lead_id,
	                                .lead_on = "2025-01-01" };
	assert_int_equal(project_insert(g_db, rec, &from_lead, 1700000000, &id, &e), 0);
	assert_int_equal(q1("SELECT count(*) FROM projects WHERE id = CAST($1 AS BIGINT) AND lead_on = '2026-02-10'"
	                    " AND stage = 'negotiating'", id), 1);
}

/* The rows carry the `now` given, not the clock. */
static void test_now(void **state)
{
	(void)state;
	const user_t *rec = fixture_as(&g_f, ROLE_RECRUITER);
	err_t e;
	int64_t id = 0;
	struct trip_in trip = { .start_on = "2026-03-02", .end_on = "2026-03-04", .destination = "上海", .visits = 3 };
	assert_int_equal(trip_insert(g_db, rec, &trip, 1600000000, &id, &e), 0);
	assert_int_equal(q1("SELECT count(*) FROM trips WHERE id = CAST($1 AS BIGINT) AND created_at = 1600000000"
	                    " AND updated_at = 1600000000 AND created_by = user_id", id), 1);

	char code[19] = "91320691MA20TEXT";
	credit_code_complete(code);
	struct enterprise_in ent = { .credit_code = code, .name = "南通测试时间有限公司", .key = 1,
	                             .officer_id = fixture_as(&g_f, ROLE_OFFICER)->id,
	                             .has = ENT_F_CODE | ENT_F_NAME | ENT_F_KEY | ENT_F_OFFICER };
	arena_t *a = arena_new();
	assert_int_equal(enterprise_validate(g_db, a, &ent, 0, &e), 0);
	int created = 0;
	assert_int_equal(enterprise_upsert(g_db, &ent, 0, 1600000000, &id, &created), DB_OK);
	arena_free(a);
	assert_int_equal(created, 1);
	assert_int_equal(q1("SELECT count(*) FROM enterprises WHERE id = CAST($1 AS BIGINT) AND created_at = 1600000000",
	                    id), 1);
	assert_int_equal(q1("SELECT count(*) FROM officer_assignments WHERE enterprise_id = CAST($1 AS BIGINT)"
	                    " AND started_at = 1600000000 AND assigned_by IS NULL AND ended_at IS NULL", id), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_lists),
		cmocka_unit_test(test_units_and_targets),
		cmocka_unit_test(test_indicator_writers),
		cmocka_unit_test(test_lead_update),
		cmocka_unit_test(test_lead_rights),
		cmocka_unit_test(test_lead_frozen),
		cmocka_unit_test(test_target_rights),
		cmocka_unit_test(test_publishing),
		cmocka_unit_test(test_project_lead_on),
		cmocka_unit_test(test_now),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
