/*
 * test_race.c -- the monthly race of units and recruiters
 * (src/race/ranking.c), on a hand-computed example in a fresh temporary
 * SQLite database (migrated, so the schema is the real one).
 *
 * Month 2026-03 (31 days; February 2026 has 28).  Default weights
 * L 20, I 25, S 10, D 10, T 15, J 10, Q 10 (sum 100).  Five units:
 *   1 甲  2 乙  3 丙  4 丁  5 戊 (戊 has no people and no data).
 *
 * Leads qualified, not duplicate, captured in March (L):
 *   甲 4, 乙 2, 丙 1, 丁 1, 戊 0.  (Noise not counted: 甲 pending, 甲 rejected,
 *   丙 qualified duplicate of 甲's lead, 甲 qualified 2026-02-28 (counts in
 *   February), 甲 qualified 2026-04-01.)  max 4 → sL 100, 50, 25, 25, 0.
 * Projects signed in March (S, I, J, T):
 *   甲: 12亿 lead captured 02-19, signed 03-01 → 10 days (Feb 19→28 = 9, +1);
 *       8亿 without a lead, signed 03-31.  S 2, I 20, J 1 (12 ≥ 10), T 10.
 *   乙: 10亿 exactly (major: ≥ 10) lead 02-01, signed 03-03 → 28 + 2 = 30 days;
 *       2亿 lead 03-01, signed 03-11 → 10 days.  S 2, I 12, J 1, T (30+10)/2 = 20.
 *   丙: 2亿 without a lead.  S 1, I 2, no speed.
 *   丁: 4亿 without a lead.  S 1, I 4, no speed.
 *   (Noise: 甲 1亿 signed 02-28 (February), 甲 signed 04-01, 甲 signed_on ''.)
 *   max S 2 → sS 100, 100, 50, 50, 0;  max I 20 → sI 100, 60, 10, 20, 0;
 *   max J 1 → sJ 100, 100, 0, 0, 0;  min T 10 → sT 100·10/10 = 100, 100·10/20 = 50, 0, 0, 0.
 * Landed in March (D): 甲 2, 乙 4, 丙 1, 丁 0 → max 4 → sD 50, 100, 25, 0, 0.
 * Quota (Q): 甲: leader LA 5 visits on a trip starting 03-10 (met); recruiter
 *   RA1 trip 02-20..03-16 (crosses the month: 16 days in March, met; its 10
 *   visits count in February); RA2 trip 03-20..04-05 (12 days in March, not
 *   met) → 2/3.  乙: leader LB trip 02-27..03-02 with 6 visits (February's)
 *   and one of 4 visits in March (4 < 5, not met); RB1 trips 03-01..03-08 and
 *   03-05..03-12 (overlap counted once: 12 days, not met); RB2 03-17..03-31
 *   (15 days, met) → 1/3.  丙: LC 5 visits, RC1 15 days → 2/2 = 1.  丁: LD 5
 *   visits, RD1 15 days → 1.  戊 nobody → 0.  max 1 → sQ 66.67, 33.33, 100, 100, 0.
 *   (An officer of 甲 with trips does not count.)
 *
 * Scores (weighted mean, /100):
 *   甲 (20·100 + 25·100 + 10·100 + 10·50 + 15·100 + 10·100 + 10·66.667)/100
 *      = (2000+2500+1000+500+1500+1000+666.67)/100 = 91.667 → 91.7, rank 1
 *   乙 (20·50 + 25·60 + 10·100 + 10·100 + 15·50 + 10·100 + 10·33.333)/100
 *      = (1000+1500+1000+1000+750+1000+333.33)/100 = 65.833 → 65.8, rank 2
 *   丙 (20·25 + 25·10 + 10·50 + 10·25 + 0 + 0 + 10·100)/100
 *      = (500+250+500+250+1000)/100 = 25.0
 *   丁 (20·25 + 25·20 + 10·50 + 0 + 0 + 0 + 10·100)/100
 *      = (500+500+500+1000)/100 = 25.0  -- a tie with 丙, broken by signed
 *      investment: 丁 4亿 > 丙 2亿, so 丁 rank 3, 丙 rank 4 (against unit id order)
 *   戊 0.0, rank 5
 *
 * February 2026 ("previous"): 甲 L 2 (02-19, 02-28), S 1, I 1亿, nothing else
 * (LA no visits, RA1 9 days, RA2 none) → (20·100 + 25·100 + 10·100)/100 = 55;
 * 乙 L 1 (02-01) → sL 50, and LB's 6 visits meet the quota in February →
 * Q 1/3 = the max → sQ 100 → (20·50 + 10·100)/100 = 20; 丙, 丁, 戊 0 (tie,
 * signed investment 0, then unit id).  Ranks 1..5 in unit order.
 *
 * Recruiters (leads, signed investment by projects.recruiter_id, days out;
 * each 100·x/max; score = the mean of the three):
 *   RA1: leads 3, 12亿, 16 days → 100, 100, 100 → 100.0
 *   RB2: 0, 12亿 (10 + 2), 15 → 0, 100, 93.75 → 64.583 → 64.6
 *   RA2: 1, 8亿, 12 → 33.333, 66.667, 75 → 175/3 = 58.333 → 58.3
 *   RC1: 1, 2亿, 15 → 33.333, 16.667, 93.75 → 143.75/3 = 47.917 → 47.9
 *   RB1: 2, 0, 12 → 66.667, 0, 75 → 141.667/3 = 47.222 → 47.2
 *   RD1: 1, 0, 15 → 33.333, 0, 93.75 → 127.083/3 = 42.361 → 42.4
 *   R0 (no unit, nothing): 0.0
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "testutil.h"

/* ranking.c, exported for the tests */
json_t *race_result(db_t *db, const char *month);
json_t *race_recruiters_result(db_t *db, const char *month);
json_t *race_weights_json(db_t *db);

static testdb_t g_t;
static db_t *g_db;

static int setup(void **state)
{
	(void)state;
	if (testdb_open(&g_t, "race", 0, 1) < 0)
		return -1;
	g_db = g_t.db;
	/* the hand-computed example has its own five units, not the six
	 * default ones of migration 7 */
	return db_exec(g_db, "DELETE FROM units") == DB_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	testdb_close(&g_t);
	g_db = NULL;
	return 0;
}

/* ---- building the data set ---- */

static int64_t unit(const char *code, const char *name)
{
	db_stmt_t *st = db_prepare(g_db, "INSERT INTO units (code, name, kind) VALUES ($1, $2, 'bureau') RETURNING id");
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, name);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t id = db_col_int(st, 0);
	db_done(st);
	return id;
}

static int64_t user(const char *name, const char *role, int64_t unit_id)
{
	db_stmt_t *st = db_prepare(g_db,
		"INSERT INTO users (username, display_name, role, password_hash, unit_id, created_at, updated_at)"
		" VALUES ($1, $1, $2, 'x', $3, 0, 0) RETURNING id");
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, role);
	if (unit_id)
		db_bind_int(st, 3, unit_id);
	else
		db_bind_null(st, 3);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t id = db_col_int(st, 0);
	db_done(st);
	return id;
}

static int64_t lead(int64_t unit_id, int64_t recruiter, const char *captured, const char *status, int64_t dup)
{
	static int n;
	char company[32];
	snprintf(company, sizeof company, "公司%d", ++n);
	db_stmt_t *st = db_prepare(g_db,
		"INSERT INTO leads (unit_id, recruiter_id, company, company_key, captured_on, status, duplicate_of,"
		" created_at, updated_at) VALUES ($1, $2, $3, $3, $4, $5, $6, 0, 0) RETURNING id");
	db_bind_int(st, 1, unit_id);
	if (recruiter)
		db_bind_int(st, 2, recruiter);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, company);
	db_bind_text(st, 4, captured);
	db_bind_text(st, 5, status);
	if (dup)
		db_bind_int(st, 6, dup);
	else
		db_bind_null(st, 6);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t id = db_col_int(st, 0);
	db_done(st);
	return id;
}

/* total in 亿 as 万 */
static void project(int64_t unit_id, int64_t recruiter, int64_t lead_id, int64_t wan, const char *signed_on,
                    const char *landed_on)
{
	db_stmt_t *st = db_prepare(g_db,
		"INSERT INTO projects (name, unit_id, recruiter_id, lead_id, stage, total_investment_wan, signed_on,"
		" landed_on, created_at, updated_at) VALUES ('p', $1, $2, $3, 'signed', $4, $5, $6, 0, 0)");
	db_bind_int(st, 1, unit_id);
	if (recruiter)
		db_bind_int(st, 2, recruiter);
	else
		db_bind_null(st, 2);
	if (lead_id)
		db_bind_int(st, 3, lead_id);
	else
		db_bind_null(st, 3);
	db_bind_int(st, 4, wan);
	db_bind_text(st, 5, signed_on);
	db_bind_text(st, 6, landed_on);
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
}

static void trip(int64_t user_id, const char *from, const char *to, int visits)
{
	db_stmt_t *st = db_prepare(g_db,
		"INSERT INTO trips (user_id, start_on, end_on, visits, created_at, updated_at) VALUES ($1, $2, $3, $4, 0, 0)");
	db_bind_int(st, 1, user_id);
	db_bind_text(st, 2, from);
	db_bind_text(st, 3, to);
	db_bind_int(st, 4, visits);
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
}

static int64_t U[6];
static int64_t RA1, RA2, RB1, RB2, RC1, RD1, R0;

static void build(void)
{
	U[1] = unit("A", "甲");
	U[2] = unit("B", "乙");
	U[3] = unit("C", "丙");
	U[4] = unit("D", "丁");
	U[5] = unit("E", "戊");
	int64_t LA = user("LA", "leader", U[1]), LB = user("LB", "leader", U[2]);
	int64_t LC = user("LC", "leader", U[3]), LD = user("LD", "leader", U[4]);
	RA1 = user("RA1", "recruiter", U[1]);
	RA2 = user("RA2", "recruiter", U[1]);
	RB1 = user("RB1", "recruiter", U[2]);
	RB2 = user("RB2", "recruiter", U[2]);
	RC1 = user("RC1", "recruiter", U[3]);
	RD1 = user("RD1", "recruiter", U[4]);
	R0 = user("R0", "recruiter", 0);
	int64_t OA = user("OA", "officer", U[1]);

	/* leads */
	int64_t la1 = lead(U[1], RA1, "2026-02-19", "qualified", 0);
	lead(U[1], RA1, "2026-03-05", "qualified", 0);
	lead(U[1], RA1, "2026-03-31", "qualified", 0);
	lead(U[1], RA2, "2026-03-01", "qualified", 0);
	lead(U[1], RA2, "2026-03-15", "pending", 0);
	lead(U[1], RA2, "2026-03-15", "rejected", 0);
	lead(U[1], RA1, "2026-02-28", "qualified", 0);    /* February */
	lead(U[1], RA1, "2026-04-01", "qualified", 0);    /* April */
	int64_t lb1 = lead(U[2], RB1, "2026-02-01", "qualified", 0);
	lead(U[2], RB1, "2026-03-10", "qualified", 0);
	lead(U[2], RB1, "2026-03-11", "qualified", 0);
	int64_t lb2 = lead(U[2], 0, "2026-03-01", "pending", 0);
	lead(U[3], RC1, "2026-03-02", "qualified", 0);
	lead(U[3], RC1, "2026-03-03", "qualified", la1);  /* duplicate: not counted */
	lead(U[4], RD1, "2026-03-04", "qualified", 0);
	/* 甲's March leads: 03-05, 03-31, 03-20 (RA1), 03-01 (RA2) = 4 */
	lead(U[1], RA1, "2026-03-20", "qualified", 0);

	/* projects: signed in March */
	project(U[1], RA1, la1, 120000, "2026-03-01", "");
	project(U[1], RA2, 0, 80000, "2026-03-31", "");
	project(U[2], RB2, lb1, 100000, "2026-03-03", "");
	project(U[2], RB2, lb2, 20000, "2026-03-11", "");
	project(U[3], RC1, 0, 20000, "2026-03-20", "");
	project(U[4], 0, 0, 40000, "2026-03-25", "");
	/* noise */
	project(U[1], 0, 0, 10000, "2026-02-28", "");
	project(U[1], 0, 0, 50000, "2026-04-01", "");
	project(U[1], 0, 0, 50000, "", "");
	/* landed in March (signed earlier) */
	project(U[1], 0, 0, 1000, "2026-01-05", "2026-03-02");
	project(U[1], 0, 0, 1000, "2026-01-06", "2026-03-31");
	for (int i = 0; i < 4; i++)
		project(U[2], 0, 0, 1000, "2025-12-01", "2026-03-15");
	project(U[3], 0, 0, 1000, "2025-11-01", "2026-03-01");
	project(U[4], 0, 0, 1000, "2025-11-01", "2026-04-01");   /* April */

	/* trips */
	trip(LA, "2026-03-10", "2026-03-11", 5);
	trip(RA1, "2026-02-20", "2026-03-16", 10);
	trip(RA2, "2026-03-20", "2026-04-05", 0);
	trip(LB, "2026-02-27", "2026-03-02", 6);
	trip(LB, "2026-03-20", "2026-03-20", 4);
	trip(RB1, "2026-03-01", "2026-03-08", 0);
	trip(RB1, "2026-03-05", "2026-03-12", 0);
	trip(RB2, "2026-03-17", "2026-03-31", 0);
	trip(LC, "2026-03-05", "2026-03-05", 5);
	trip(RC1, "2026-03-01", "2026-03-15", 0);
	trip(LD, "2026-03-06", "2026-03-06", 5);
	trip(RD1, "2026-03-10", "2026-03-24", 0);
	trip(OA, "2026-03-01", "2026-03-31", 9);
}

/* ---- checking ---- */

static json_t *unit_at(json_t *res, int rank)
{
	json_t *a = json_object_get(res, "units");
	assert_non_null(a);
	json_t *u = json_array_get(a, (size_t)rank - 1);
	assert_non_null(u);
	/* only a unit that scored has a rank (issue 12); the others come last, null */
	if (json_number_value(json_object_get(u, "score")) > 0)
		assert_int_equal(json_integer_value(json_object_get(u, "rank")), rank);
	else
		assert_true(json_is_null(json_object_get(u, "rank")));
	return u;
}

static double num(json_t *v)
{
	assert_true(json_is_number(v));
	return json_number_value(v);
}

/* exact equality of one-decimal numbers (both are the double nearest the decimal) */
static void eq1(json_t *v, double want)
{
	double got = num(v);
	if (got != want)
		fail_msg("got %.17g, want %.17g", got, want);
}

static void metric(json_t *u, const char *key, double value, double score)
{
	json_t *m = json_object_get(json_object_get(u, "metrics"), key);
	assert_non_null(m);
	if (isnan(value))
		assert_true(json_is_null(json_object_get(m, "value")));
	else
		eq1(json_object_get(m, "value"), value);
	eq1(json_object_get(m, "score"), score);
}

static void check_unit(json_t *res, int rank, int64_t id, const char *name, double score)
{
	json_t *u = unit_at(res, rank);
	assert_int_equal(json_integer_value(json_object_get(u, "unit_id")), id);
	assert_string_equal(json_string_value(json_object_get(u, "name")), name);
	eq1(json_object_get(u, "score"), score);
}

static void test_hand_computed(void **state)
{
	(void)state;
	build();
	json_t *res = race_result(g_db, "2026-03");
	assert_non_null(res);
	assert_string_equal(json_string_value(json_object_get(res, "month")), "2026-03");
	assert_true(json_is_false(json_object_get(res, "published")));
	json_t *w = json_object_get(res, "weights");
	assert_int_equal(json_integer_value(json_object_get(w, "leads")), 20);
	assert_int_equal(json_integer_value(json_object_get(w, "signed_investment")), 25);
	assert_int_equal(json_integer_value(json_object_get(w, "signed_count")), 10);
	assert_int_equal(json_integer_value(json_object_get(w, "landed")), 10);
	assert_int_equal(json_integer_value(json_object_get(w, "speed")), 15);
	assert_int_equal(json_integer_value(json_object_get(w, "major")), 10);
	assert_int_equal(json_integer_value(json_object_get(w, "quota")), 10);
	assert_int_equal(json_array_size(json_object_get(res, "units")), 5);

	check_unit(res, 1, U[1], "甲", 91.7);
	json_t *u = unit_at(res, 1);
	metric(u, "leads", 4, 100);
	metric(u, "signed_count", 2, 100);
	metric(u, "signed_investment", 20, 100);
	metric(u, "landed", 2, 50);
	metric(u, "speed_days", 10, 100);
	metric(u, "major", 1, 100);
	metric(u, "quota", 0.6667, 66.7);

	check_unit(res, 2, U[2], "乙", 65.8);
	u = unit_at(res, 2);
	metric(u, "leads", 2, 50);
	metric(u, "signed_count", 2, 100);
	metric(u, "signed_investment", 12, 60);
	metric(u, "landed", 4, 100);
	metric(u, "speed_days", 20, 50);
	metric(u, "major", 1, 100);
	metric(u, "quota", 0.3333, 33.3);

	/* the tie at 25.0: 丁 (4亿) before 丙 (2亿) */
	check_unit(res, 3, U[4], "丁", 25.0);
	u = unit_at(res, 3);
	metric(u, "leads", 1, 25);
	metric(u, "signed_count", 1, 50);
	metric(u, "signed_investment", 4, 20);
	metric(u, "landed", 0, 0);
	metric(u, "speed_days", NAN, 0);
	metric(u, "major", 0, 0);
	metric(u, "quota", 1, 100);

	check_unit(res, 4, U[3], "丙", 25.0);
	u = unit_at(res, 4);
	metric(u, "leads", 1, 25);
	metric(u, "signed_count", 1, 50);
	metric(u, "signed_investment", 2, 10);
	metric(u, "landed", 1, 25);
	metric(u, "speed_days", NAN, 0);
	metric(u, "major", 0, 0);
	metric(u, "quota", 1, 100);

	check_unit(res, 5, U[5], "戊", 0.0);
	u = unit_at(res, 5);
	metric(u, "leads", 0, 0);
	metric(u, "speed_days", NAN, 0);
	metric(u, "quota", 0, 0);

	/* February: 甲 1, 乙 2; the units that did not score there have no rank */
	json_t *prev = json_object_get(res, "previous");
	assert_int_equal(json_object_size(prev), 2);
	for (int i = 1; i <= 2; i++) {
		char key[32];
		snprintf(key, sizeof key, "%lld", (long long)U[i]);
		assert_int_equal(json_integer_value(json_object_get(prev, key)), i);
	}
	json_decref(res);

	/* February itself */
	res = race_result(g_db, "2026-02");
	check_unit(res, 1, U[1], "甲", 55.0);
	check_unit(res, 2, U[2], "乙", 20.0);
	check_unit(res, 3, U[3], "丙", 0.0);
	metric(unit_at(res, 2), "quota", 0.3333, 100);
	json_decref(res);

	/* recruiters */
	res = race_recruiters_result(g_db, "2026-03");
	assert_non_null(res);
	json_t *items = json_object_get(res, "items");
	assert_int_equal(json_array_size(items), 7);
	const struct { int64_t *id; double score; int leads; double inv; int days; } want[] = {
		{ &RA1, 100.0, 3, 12, 16 }, { &RB2, 64.6, 0, 12, 15 }, { &RA2, 58.3, 1, 8, 12 },
		{ &RC1, 47.9, 1, 2, 15 }, { &RB1, 47.2, 2, 0, 12 }, { &RD1, 42.4, 1, 0, 15 }, { &R0, 0.0, 0, 0, 0 },
	};
	for (size_t i = 0; i < 7; i++) {
		json_t *it = json_array_get(items, i);
		assert_int_equal(json_integer_value(json_object_get(it, "user_id")), *want[i].id);
		/* only who scored has a rank (issue 12); R0 scored nothing */
		if (want[i].score > 0)
			assert_int_equal(json_integer_value(json_object_get(it, "rank")), (int)i + 1);
		else
			assert_true(json_is_null(json_object_get(it, "rank")));
		eq1(json_object_get(it, "score"), want[i].score);
		assert_int_equal(json_integer_value(json_object_get(it, "leads")), want[i].leads);
		eq1(json_object_get(it, "signed_investment"), want[i].inv);
		assert_int_equal(json_integer_value(json_object_get(it, "days_out")), want[i].days);
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "unit_name")), "甲");
	assert_true(json_is_null(json_object_get(json_array_get(items, 6), "unit_id")));
	json_decref(res);

	/* other weights: leads only → 100, 50, then the 25/25 tie (丁 by
	 * investment), 戊 0 */
	assert_int_equal(db_exec(g_db,
		"INSERT INTO settings (key, value, updated_at) VALUES ('race.weights',"
		" '{\"leads\":1,\"signed_investment\":0,\"signed_count\":0,\"landed\":0,\"speed\":0,\"major\":0,\"quota\":0}', 0)"),
		DB_OK);
	res = race_result(g_db, "2026-03");
	check_unit(res, 1, U[1], "甲", 100.0);
	check_unit(res, 2, U[2], "乙", 50.0);
	check_unit(res, 3, U[4], "丁", 25.0);
	check_unit(res, 4, U[3], "丙", 25.0);
	check_unit(res, 5, U[5], "戊", 0.0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "weights"), "leads")), 1);
	json_decref(res);
	/* bad stored weights fall back to the defaults */
	assert_int_equal(db_exec(g_db, "UPDATE settings SET value = '{\"leads\":-1}' WHERE key = 'race.weights'"), DB_OK);
	res = race_weights_json(g_db);
	assert_int_equal(json_integer_value(json_object_get(res, "leads")), 20);
	json_decref(res);
	assert_int_equal(db_exec(g_db, "DELETE FROM settings WHERE key = 'race.weights'"), DB_OK);
}

/* A month without any data: every unit 0, unranked (in id order), has_data
 * false; speed null. */
static void test_empty_month(void **state)
{
	(void)state;
	json_t *res = race_result(g_db, "2030-01");
	assert_non_null(res);
	assert_true(json_is_false(json_object_get(res, "has_data")));
	assert_int_equal(json_array_size(json_object_get(res, "units")), 5);
	for (int i = 1; i <= 5; i++) {
		check_unit(res, i, U[i], json_string_value(json_object_get(unit_at(res, i), "name")), 0.0);
		metric(unit_at(res, i), "speed_days", NAN, 0);
	}
	json_decref(res);
	assert_null(race_result(g_db, "2030-13"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_computed),
		cmocka_unit_test(test_empty_month),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
