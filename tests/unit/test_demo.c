/*
 * test_demo.c -- the demo data set (src/demo/demo.c) and the unified
 * social credit code check.
 *
 * Seeds a fresh temporary SQLite database, or the database named by
 * $ZONEOPS_TEST_DB when set (it must have no users, else the seeding tests
 * are skipped).  The determinism test always uses two more temporary
 * SQLite files.  All files are removed afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "core/core.h"
#include "demo/demo.h"
#include "demo/demo_facts.h"
#include "policy/policy.h"
#include "store/store.h"
#include "testutil.h"

static testdb_t g_t;        /* $ZONEOPS_TEST_DB or a temporary SQLite file */
static db_t *g_db;
static int g_skip;          /* $ZONEOPS_TEST_DB already has users */
static int g_rc1 = -9, g_rc2 = -9;
static char g_password[32];

static int group_setup(void **state)
{
	(void)state;
	if (auth_init() != 0 || testdb_open(&g_t, "demo", 1, 1) < 0)
		return -1;
	g_db = g_t.db;
	if (db_int1(g_db, "SELECT count(*) FROM users", -1, 0, NULL) != 0) {
		fprintf(stderr, "test_demo: %s already has users; skipping the seeding tests\n", g_t.url);
		g_skip = 1;
		return 0;
	}
	fprintf(stderr, "test_demo: seeding %s\n", db_kind(g_db) == DB_SQLITE ? "SQLite" : "PostgreSQL");
	char *err = NULL;
	double t0 = now_mono();
	g_rc1 = demo_seed(g_db, g_password, sizeof g_password, &err);
	fprintf(stderr, "test_demo: demo_seed = %d in %.2f s%s%s\n", g_rc1, now_mono() - t0, err ? ": " : "",
	        err ? err : "");
	free(err);
	err = NULL;
	char again[32] = "unchanged";
	g_rc2 = demo_seed(g_db, again, sizeof again, &err);
	if (g_rc2 == 0 && again[0] != '\0')
		g_rc2 = -8;   /* the buffer must be emptied */
	free(err);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	testdb_close(&g_t);
	g_db = NULL;
	return 0;
}

#define NEED_SEED() do { if (g_skip) skip(); } while (0)

static int64_t q0(const char *sql)
{
	int64_t v = db_int1(g_db, sql, -1, 0, NULL);
	if (v < 0)
		fail_msg("%s: %s", sql, db_errmsg(g_db));
	return v;
}

static int64_t q1(const char *sql, const char *p1)
{
	const char *p[1] = { p1 };
	int64_t v = db_int1(g_db, sql, -1, 1, p);
	if (v < 0)
		fail_msg("%s [%s]: %s", sql, p1, db_errmsg(g_db));
	return v;
}

/* ---- credit codes ---- */

static void test_credit_code_valid(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"91350100M000100Y43",   /* the public example */
		"91320691MA1MXK3P7G",
		"91320691MA1N7RQ239",
		"91320691714029585P",
		"91320691608372160N",
		"91320691MA20UYDE4N",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (!credit_code_check(ok[i]))
			fail_msg("rejected valid code %s", ok[i]);
}

static void test_credit_code_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"91350100M000100Y4",      /* 17 characters */
		"91350100M000100Y430",    /* 19 characters */
		"91350100M000100Y43 ",
		"91350100m000100y43",     /* lower case */
		"91350100M000100y43",
		"91350100I000100Y43",     /* I, O, S, V, Z are not in the alphabet */
		"91350100O000100Y43",
		"91350100S000100Y43",
		"91350100V000100Y43",
		"91350100Z000100Y43",
		"91350100M000100Y44",     /* wrong check character */
		"91350100M000100Y4X",
		"91350100M000010Y43",     /* transposed digits */
		"91320691MA1MXK3P7H",
		"91320691MA1MXK3P8K",     /* right check character, wrong organisation check digit */
		"B1320691MA1MXK3P7E",     /* no registration authority B */
		"96320691MA1MXK3P71",     /* no type 6 */
		"913206A1MA1MXK3P70",     /* the division code is digits */
		"91320691MA1MXK3P\xe4\xb8\x80",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (credit_code_check(bad[i]))
			fail_msg("accepted invalid code \"%s\"", bad[i]);
	assert_int_equal(credit_code_check(NULL), 0);
}

/* ---- seeding ---- */

static void test_seed_returns(void **state)
{
	(void)state;
	NEED_SEED();
	assert_int_equal(g_rc1, 1);
	assert_int_equal(strlen(g_password), 16);
	for (const char *p = g_password; *p; p++)
		if (strchr("ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789", *p) == NULL)
			fail_msg("ambiguous or unexpected password character '%c'", *p);
	assert_int_equal(g_rc2, 0);   /* second run: users exist, nothing done */

	char small[8];
	char *err = NULL;
	assert_int_equal(demo_seed(g_db, small, sizeof small, &err), -1);
	assert_non_null(err);
	free(err);
	assert_int_equal(q0("SELECT count(*) FROM users WHERE role = 'admin'"), 1);
}

static void test_passwords(void **state)
{
	(void)state;
	NEED_SEED();
	db_stmt_t *st = db_prepare(g_db, "SELECT password_hash, display_name FROM users WHERE username = $1");
	assert_non_null(st);
	db_bind_text(st, 1, "admin");
	assert_int_equal(db_step(st), DB_ROW);
	assert_true(password_verify(db_col_text(st, 0), g_password));
	assert_false(password_verify(db_col_text(st, 0), DEMO_PASSWORD));
	assert_string_equal(db_col_text(st, 1), "系统管理员");
	db_done(st);

	st = db_prepare(g_db, "SELECT password_hash, display_name FROM users WHERE username = $1");
	assert_non_null(st);
	db_bind_text(st, 1, "officer01");
	assert_int_equal(db_step(st), DB_ROW);
	assert_true(password_verify(db_col_text(st, 0), DEMO_PASSWORD));
	db_done(st);
	/* one hash shared by every demo user */
	assert_int_equal(q0("SELECT count(DISTINCT password_hash) FROM users WHERE role <> 'admin'"), 1);
}

static void test_settings_and_org(void **state)
{
	(void)state;
	NEED_SEED();
	assert_int_equal(q1("SELECT count(*) FROM settings WHERE key = 'zone_name' AND value = $1", "南通经济技术开发区"), 1);
	assert_int_equal(q1("SELECT count(*) FROM settings WHERE key = 'zone_name_en' AND value = $1",
	                    "Nantong Economic & Technological Development Zone"), 1);
	assert_int_equal(q1("SELECT count(*) FROM settings WHERE key = 'city_name' AND value = $1", "南通市"), 1);

	assert_int_equal(q0("SELECT count(*) FROM units"), 6);
	assert_int_equal(q0("SELECT count(*) FROM units WHERE kind = 'bureau'"), 4);
	assert_int_equal(q0("SELECT count(*) FROM units WHERE kind = 'company'"), 2);
	assert_int_equal(q0("SELECT count(*) FROM units WHERE name_en = ''"), 0);
	static const char *const units[] = { "招商局", "投资促进局", "服务业发展局", "综保区管理局招商部",
	                                     "工业招商公司", "服务业招商公司" };
	for (int i = 0; i < 6; i++)
		assert_int_equal(q1("SELECT count(*) FROM units WHERE name = $1", units[i]), 1);

	assert_true(q0("SELECT count(*) FROM streets") >= 6);
	static const char *const streets[] = { "竹行街道", "新开街道", "中兴街道", "小海街道" };
	for (int i = 0; i < 4; i++)
		assert_int_equal(q1("SELECT count(*) FROM streets WHERE name = $1", streets[i]), 1);
	assert_int_equal(q1("SELECT count(*) FROM streets WHERE name_en = $1", "Zhuhang Street"), 1);

	/* 13 bureaus and, since issue 14, the six streets' offices (街道办事处) */
	assert_int_equal(q0("SELECT count(*) FROM departments"), 13 + 6);
	assert_int_equal(q0("SELECT count(*) FROM departments WHERE level = 'district'"), 11 + 6);
	assert_int_equal(q0("SELECT count(DISTINCT street_id) FROM departments WHERE street_id IS NOT NULL"), 6);
	assert_int_equal(q1("SELECT count(*) FROM departments d JOIN streets s ON s.id = d.street_id"
	                    " WHERE d.name = $1 AND s.name = '竹行街道'", "竹行街道办事处"), 1);
	assert_int_equal(q1("SELECT count(*) FROM departments WHERE name = $1 AND level = 'city'", "南通海关"), 1);
	assert_int_equal(q1("SELECT count(*) FROM departments WHERE name = $1 AND level = 'province'", "江苏省商务厅"), 1);
	assert_int_equal(q1("SELECT count(*) FROM departments WHERE name = $1", "企业发展服务中心"), 1);

	assert_int_equal(q0("SELECT count(*) FROM regions"), 8);
	assert_int_equal(q0("SELECT count(*) FROM regions WHERE is_zone = 1"), 1);
	assert_int_equal(q1("SELECT count(*) FROM regions WHERE is_zone = 1 AND name = $1", "南通开发区"), 1);
}

static void test_users(void **state)
{
	(void)state;
	NEED_SEED();
	assert_int_equal(q0("SELECT count(*) FROM users WHERE role = 'leader' AND unit_id IS NOT NULL"), 6);
	assert_int_equal(q1("SELECT count(*) FROM users WHERE role = 'leader' AND unit_id IS NULL AND username = $1",
	                    "leader.zone"), 1);   /* the zone's leader publishes the race */
	assert_int_equal(q0("SELECT count(DISTINCT unit_id) FROM users WHERE role = 'leader'"), 6);
	assert_int_equal(q0("SELECT count(*) FROM users WHERE role = 'recruiter'"), 30);
	/* five recruiters in every unit */
	assert_int_equal(q0("SELECT count(*) FROM units u WHERE (SELECT count(*) FROM users r"
	                    " WHERE r.role = 'recruiter' AND r.unit_id = u.id) = 5"), 6);
	assert_int_equal(q0("SELECT count(*) FROM users WHERE role = 'officer'"), 56);
	assert_int_equal(q1("SELECT count(*) FROM users WHERE role = 'officer' AND username = $1", "officer01"), 1);
	assert_int_equal(q1("SELECT count(*) FROM users WHERE role = 'officer' AND username = $1", "officer56"), 1);
	assert_int_equal(q0("SELECT count(*) FROM users u JOIN departments d ON d.id = u.department_id"
	                    " WHERE u.role = 'department'"), 13 + 6);
	/* dept.street1 … dept.street6: the streets' offices */
	assert_int_equal(q0("SELECT count(*) FROM users u JOIN departments d ON d.id = u.department_id"
	                    " WHERE u.username LIKE 'dept.street%' AND d.street_id IS NOT NULL"), 6);
	assert_int_equal(q0("SELECT count(*) FROM users WHERE role = 'statistician'"), 1);
	assert_int_equal(q0("SELECT count(*) FROM users u JOIN enterprises e ON e.id = u.enterprise_id"
	                    " WHERE u.role = 'enterprise'"), 3);
	assert_int_equal(q1("SELECT count(*) FROM users u JOIN enterprises e ON e.id = u.enterprise_id"
	                    " WHERE u.username = 'ent.hengtai' AND e.name = $1", "江苏恒太照明股份有限公司"), 1);
	assert_int_equal(q0("SELECT count(*) FROM users"), 1 + 6 + 1 + 30 + 56 + 13 + 6 + 1 + 3);
	/* staff have distinct real names */
	assert_int_equal(q0("SELECT count(DISTINCT display_name) FROM users WHERE role IN"
	                    " ('leader', 'recruiter', 'officer', 'statistician')"), 6 + 1 + 30 + 56 + 1);
}

static void test_enterprises(void **state)
{
	(void)state;
	NEED_SEED();
	/* 300 from demo.c and 228 more from demo_service.c, so that the
	 * article's 496 enterprises visited fit into the demo's period */
	assert_int_equal(q0("SELECT count(*) FROM enterprises"), 528);
	assert_int_equal(q0("SELECT count(DISTINCT credit_code) FROM enterprises"), 528);
	assert_int_equal(q0("SELECT count(DISTINCT name) FROM enterprises"), 528);

	db_stmt_t *st = db_prepare(g_db, "SELECT credit_code, name FROM enterprises ORDER BY id");
	assert_non_null(st);
	int n = 0, rc;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *code = db_col_text(st, 0);
		if (!credit_code_check(code))
			fail_msg("invalid credit code %s of %s", code, db_col_text(st, 1));
		if (strncmp(code, "91320691", 8) != 0)
			fail_msg("credit code %s not registered in 320691", code);
		n++;
	}
	assert_int_equal(rc, DB_DONE);
	db_done(st);
	assert_int_equal(n, 528);

	static const char *const named[] = { "江苏恒太照明股份有限公司", "%朗股科技%", "%星源%", "%晟斯生物医药%" };
	for (int i = 0; i < 4; i++)
		assert_int_equal(q1("SELECT count(*) FROM enterprises WHERE name LIKE $1 AND is_key = 1", named[i]), 1);
	assert_int_equal(q1("SELECT count(*) FROM enterprises e JOIN streets s ON s.id = e.street_id"
	                    " WHERE e.name = $1 AND s.name = '竹行街道'", "江苏恒太照明股份有限公司"), 1);

	/* key enterprises: about 120, each with one officer and one department (双挂钩) */
	assert_int_equal(q0("SELECT count(*) FROM enterprises WHERE is_key = 1"), 120);
	assert_int_equal(q0("SELECT count(*) FROM enterprises e JOIN users u ON u.id = e.officer_id"
	                    " JOIN departments d ON d.id = e.department_id WHERE e.is_key = 1 AND u.role = 'officer'"), 120);
	assert_int_equal(q0("SELECT count(DISTINCT officer_id) FROM enterprises WHERE is_key = 1"), 56);
	assert_int_equal(q0("SELECT count(*) FROM enterprises WHERE is_key = 0 AND officer_id IS NOT NULL"), 0);
	assert_int_equal(q0("SELECT count(*) FROM enterprises WHERE street_id IS NULL"), 0);
	assert_true(q0("SELECT count(DISTINCT street_id) FROM enterprises") >= 6);
	assert_true(q0("SELECT count(DISTINCT industry) FROM enterprises") >= 10);
	static const char *const industries[] = { "C38", "C39", "C27", "C26", "C34", "I65", "M73", "F51" };
	for (int i = 0; i < 8; i++)
		assert_true(q1("SELECT count(*) FROM enterprises WHERE industry = $1", industries[i]) > 0);
	assert_int_equal(q0("SELECT count(*) FROM enterprises WHERE contact_name = '' OR contact_phone NOT LIKE '139________'"
	                    " OR employees <= 0 OR registered_capital_wan <= 0 OR founded_on NOT LIKE '____-__-__'"), 0);
	/* manufacturers hold land */
	assert_int_equal(q0("SELECT count(*) FROM enterprises WHERE industry LIKE 'C%' AND land_mu <= 0"), 0);
}

/* ---- the race in the present ---- */

static int64_t qn(db_t *db, const char *sql, int n, const char *const *p)
{
	int64_t v = db_int1(db, sql, -1, n, p);
	if (v < 0)
		fail_msg("%s: %s", sql, db_errmsg(db));
	return v;
}

/* The race's days of a demo seeded at `now` (the injected clock): its 23
 * months up to the last full month before today, this month's leads
 * awaiting review, nothing on or after today, the article's projects
 * moved with the clock, the targets of today's year and the one before. */
static void check_race_days(db_t *db, int64_t now)
{
	int64_t today = date_of_unix(now);
	int y, m;
	date_to_civil(today, &y, &m, NULL);
	char d_today[11], d_last[11], d_first[11], d_trips[11], d_year[11], y_this[16], y_prev[16];
	date_format(today, d_today);
	date_format(month_first(y, m) - 1, d_last);   /* the last full month's end */
	int fy = y, fm = m;
	month_add(&fy, &fm, -23);
	date_format(month_first(fy, fm), d_first);
	month_add(&fy, &fm, 12);
	date_format(month_first(fy, fm), d_trips);
	date_format(today - 365, d_year);
	snprintf(y_this, sizeof y_this, "%d", y);
	snprintf(y_prev, sizeof y_prev, "%d", y - 1);
	const char *p[] = { d_first, d_last, d_today };
	/* projects: first information within the 23 months, every stage reached by the last full month's end */
	assert_int_equal(qn(db, "SELECT count(*) FROM projects WHERE lead_on < $1 OR lead_on >= $3"
	                        " OR negotiating_on >= $3 OR signed_on > $2 OR landed_on > $2 OR started_on > $2"
	                        " OR producing_on > $2", 3, p), 0);
	/* every stage reached by at least two projects in the last year */
	static const char *const STAGE_DAY[] = {
		"SELECT count(*) FROM projects WHERE stage = 'lead' AND lead_on >= $1",
		"SELECT count(*) FROM projects WHERE stage = 'negotiating' AND negotiating_on >= $1",
		"SELECT count(*) FROM projects WHERE stage = 'signed' AND signed_on >= $1",
		"SELECT count(*) FROM projects WHERE stage = 'landed' AND landed_on >= $1",
		"SELECT count(*) FROM projects WHERE stage = 'started' AND started_on >= $1",
		"SELECT count(*) FROM projects WHERE stage = 'producing' AND producing_on >= $1",
	};
	const char *py[] = { d_year };
	for (int i = 0; i < 6; i++)
		if (qn(db, STAGE_DAY[i], 1, py) < 2)
			fail_msg("%s [%s]: fewer than 2", STAGE_DAY[i], d_year);
	/* the article's projects keep their spans, ending before the last full month's end */
	const char *pa[] = { "星源%", d_last };
	assert_int_equal(qn(db, "SELECT count(*) FROM projects WHERE name LIKE $1 AND stage = 'started'"
	                        " AND started_on <= $2 AND started_on >= lead_on", 2, pa), 1);
	int64_t lead, signed_on;
	const char *pn[] = { "奥斯福%" };
	db_stmt_t *st = db_prepare(db, "SELECT lead_on, signed_on FROM projects WHERE name LIKE $1");
	assert_non_null(st);
	db_bind_text(st, 1, pn[0]);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(date_parse(db_col_text(st, 0), &lead), DATE_OK);
	assert_int_equal(date_parse(db_col_text(st, 1), &signed_on), DATE_OK);
	db_done(st);
	assert_int_equal(signed_on - lead, 202);
	/* leads: reviewed ones within the 23 months; this month's (from its first day) all pending */
	assert_int_equal(qn(db, "SELECT count(*) FROM leads WHERE captured_on < $1 OR captured_on >= $3"
	                        " OR (captured_on > $2 AND status <> 'pending')", 3, p), 0);
	const char *pl[] = { d_last };
	assert_true(qn(db, "SELECT count(*) FROM leads WHERE captured_on > $1", 1, pl) >= (today - month_first(y, m) >= 3 ? 6 : 0));
	/* trips: the last 11 of the months, ending by the last full month's end */
	const char *pt[] = { d_trips, d_last };
	assert_int_equal(qn(db, "SELECT count(*) FROM trips WHERE start_on < $1 OR end_on > $2", 2, pt), 0);
	char d_lastfirst[11];
	snprintf(d_lastfirst, sizeof d_lastfirst, "%.8s01", d_last);
	const char *pm[] = { d_lastfirst };
	assert_true(qn(db, "SELECT count(*) FROM trips WHERE start_on >= $1", 1, pm) >= 36);   /* everyone out last month */
	/* targets: today's year and the one before, every unit */
	const char *pg[] = { y_this }, *pp[] = { y_prev };
	assert_int_equal(qn(db, "SELECT count(*) FROM unit_targets WHERE year = CAST($1 AS INTEGER)", 1, pg), 6);
	assert_int_equal(qn(db, "SELECT count(*) FROM unit_targets WHERE year = CAST($1 AS INTEGER)", 1, pp), 6);
	assert_int_equal(qn(db, "SELECT count(*) FROM unit_targets", 0, NULL), 12);
	assert_int_equal(qn(db, "SELECT count(*) FROM unit_targets WHERE signed_investment_wan < 50000"
	                        " OR landed_projects < 1 OR leads < 1", 0, NULL), 0);
}

static void test_projects(void **state)
{
	(void)state;
	NEED_SEED();
	/* README: 63 projects, about 400 leads, about 900 trips */
	int64_t n = q0("SELECT count(*) FROM projects");
	assert_int_equal(n, 63);
	int64_t nleads = q0("SELECT count(*) FROM leads"), ntrips = q0("SELECT count(*) FROM trips");
	if (nleads < 380 || nleads > 460 || ntrips < 850 || ntrips > 950)
		fail_msg("%lld leads, %lld trips: README says about 400 and about 900", (long long)nleads, (long long)ntrips);
	static const char *const stages[] = { "lead", "negotiating", "signed", "landed", "started", "producing" };
	for (int i = 0; i < 6; i++)
		assert_true(q1("SELECT count(*) FROM projects WHERE stage = $1", stages[i]) >= 5);
	assert_int_equal(q0("SELECT count(*) FROM units u WHERE (SELECT count(*) FROM projects p WHERE p.unit_id = u.id) >= 8"), 6);
	/* the recruiter belongs to the project's unit */
	assert_int_equal(q0("SELECT count(*) FROM projects p JOIN users r ON r.id = p.recruiter_id"
	                    " WHERE r.role = 'recruiter' AND r.unit_id = p.unit_id"), n);
	int64_t major = q0("SELECT count(*) FROM projects WHERE total_investment_wan >= 100000");
	assert_true(major >= 10 && major <= 16);
	assert_true(q0("SELECT count(*) FROM projects WHERE foreign_investment_wan_usd > 0") >= 8);

	assert_int_equal(q1("SELECT total_investment_wan FROM projects WHERE name LIKE $1", "星源%"), 1000000);
	assert_int_equal(q1("SELECT total_investment_wan FROM projects WHERE name LIKE $1", "晟斯%"), 500000);
	assert_true(q1("SELECT total_investment_wan FROM projects WHERE name LIKE $1", "奥斯福%") >= 500000);
	assert_int_equal(q1("SELECT count(*) FROM projects p JOIN enterprises e ON e.id = p.enterprise_id"
	                    " WHERE p.name LIKE '星源%' AND e.name LIKE $1", "%星源%"), 1);

	/* dates follow the stage, and the clock (check_race_days) */
	assert_int_equal(q0("SELECT count(*) FROM projects WHERE lead_on NOT LIKE '20__-__-__'"), 0);
	assert_int_equal(q0("SELECT count(*) FROM projects WHERE stage IN ('lead', 'negotiating') AND signed_on <> ''"), 0);
	assert_int_equal(q0("SELECT count(*) FROM projects WHERE stage IN ('signed', 'landed', 'started', 'producing')"
	                    " AND (signed_on = '' OR signed_on <= lead_on)"), 0);
	assert_int_equal(q0("SELECT count(*) FROM projects WHERE stage IN ('landed', 'started', 'producing')"
	                    " AND (landed_on = '' OR landed_on <= signed_on)"), 0);
	assert_int_equal(q0("SELECT count(*) FROM projects WHERE stage IN ('started', 'producing')"
	                    " AND (started_on = '' OR started_on <= landed_on)"), 0);
	assert_int_equal(q0("SELECT count(*) FROM projects WHERE stage = 'producing'"
	                    " AND (producing_on = '' OR producing_on <= started_on)"), 0);
	assert_int_equal(q0("SELECT count(*) FROM projects WHERE stage <> 'producing' AND producing_on <> ''"), 0);
	assert_int_equal(q0("SELECT count(*) FROM projects WHERE stage IN ('lead', 'negotiating', 'signed')"
	                    " AND landed_on <> ''"), 0);
	assert_int_equal(q0("SELECT count(*) FROM projects WHERE stage = 'negotiating'"
	                    " AND (negotiating_on = '' OR negotiating_on < lead_on)"), 0);
	assert_int_equal(q0("SELECT count(*) FROM projects WHERE signed_on <> ''"
	                    " AND (negotiating_on = '' OR negotiating_on < lead_on OR negotiating_on > signed_on)"), 0);
	check_race_days(g_db, now_sec());
}

/* ---- indicators ---- */

static const char Q_VALUE[] =
	"SELECT v.value FROM indicator_values v JOIN regions r ON r.id = v.region_id"
	" WHERE r.is_zone = 1 AND v.indicator = $1 AND v.year = CAST($2 AS INTEGER) AND v.month = 10";

static int64_t zone_value(const char *indicator, const char *year)
{
	const char *p[2] = { indicator, year };
	int64_t v = db_int1(g_db, Q_VALUE, -1, 2, p);
	if (v < 0)
		fail_msg("zone %s %s: %s", indicator, year, db_errmsg(g_db));
	return v;
}

/* Growth in tenths of a percent, rounded. */
static long growth_permille(const char *indicator)
{
	return lround(1000.0 * ((double)zone_value(indicator, "2021") / (double)zone_value(indicator, "2020") - 1.0));
}

static const char Q_RANK_GROWTH[] =
	"WITH g AS (SELECT r.is_zone AS z, 1.0 * c.value / p.value AS v FROM regions r"
	" JOIN indicator_values c ON c.region_id = r.id AND c.indicator = $1 AND c.year = 2021 AND c.month = 10"
	" JOIN indicator_values p ON p.region_id = r.id AND p.indicator = $1 AND p.year = 2020 AND p.month = 10)"
	" SELECT 1 + count(*) FROM g WHERE v > (SELECT v FROM g WHERE z = 1)";
static const char Q_RANK_TOTAL[] =
	"WITH g AS (SELECT r.is_zone AS z, c.value AS v FROM regions r"
	" JOIN indicator_values c ON c.region_id = r.id AND c.indicator = $1 AND c.year = 2021 AND c.month = 10)"
	" SELECT 1 + count(*) FROM g WHERE v > (SELECT v FROM g WHERE z = 1)";
static const char Q_RANK_TAX_SHARE[] =
	"WITH g AS (SELECT r.is_zone AS z, 1.0 * t.value / b.value AS v FROM regions r"
	" JOIN indicator_values t ON t.region_id = r.id AND t.indicator = 'tax_revenue' AND t.year = 2021 AND t.month = 10"
	" JOIN indicator_values b ON b.region_id = r.id AND b.indicator = 'budget_revenue' AND b.year = 2021 AND b.month = 10)"
	" SELECT 1 + count(*) FROM g WHERE v > (SELECT v FROM g WHERE z = 1)";

/* The clock's year and month (the demo seeds the present up to the last
 * full month before today). */
static void clock_month(int *year, int *month)
{
	date_to_civil(date_of_unix(now_sec()), year, month, NULL);
}

static void test_indicator_series(void **state)
{
	(void)state;
	NEED_SEED();
	int year, month;
	clock_month(&year, &month);
	/* history: the article's year and the one before, whole; the present:
	 * the last full month's year up to it and the year before it, whole */
	int64_t present = 0;
	for (int y = month == 1 ? year - 2 : year - 1; y <= year; y++)
		present += y <= 2021 ? 0 : y < year ? 12 : month - 1;
	assert_int_equal(q0("SELECT count(*) FROM indicator_values"), 8 * 6 * (12 + 12 + present));
	assert_int_equal(q0("SELECT count(DISTINCT indicator) FROM indicator_values"), 6);
	assert_int_equal(q0("SELECT count(*) FROM indicator_values WHERE year = 2020"), 8 * 6 * 12);
	assert_int_equal(q0("SELECT count(*) FROM indicator_values WHERE year = 2021"), 8 * 6 * 12);
	char ym[16], last[16];
	snprintf(ym, sizeof ym, "%d", year * 12 + month);
	snprintf(last, sizeof last, "%d", year * 12 + month - 1);
	/* nothing from this month on; the last full month there */
	assert_int_equal(q1("SELECT count(*) FROM indicator_values WHERE year > 2021"
	                    " AND year * 12 + month >= CAST($1 AS INTEGER)", ym), 0);
	assert_int_equal(q1("SELECT count(*) FROM indicator_values WHERE year * 12 + month = CAST($1 AS INTEGER)", last),
	                 8 * 6);
	/* cumulative: strictly increasing within a year */
	assert_int_equal(q0("SELECT count(*) FROM indicator_values a JOIN indicator_values b ON b.region_id = a.region_id"
	                    " AND b.indicator = a.indicator AND b.year = a.year AND b.month = a.month + 1"
	                    " WHERE b.value <= a.value"), 0);
	assert_int_equal(q0("SELECT count(*) FROM indicator_values WHERE value <= 0"), 0);
	/* tax is part of budget revenue */
	assert_int_equal(q0("SELECT count(*) FROM indicator_values t JOIN indicator_values b ON b.region_id = t.region_id"
	                    " AND b.year = t.year AND b.month = t.month AND b.indicator = 'budget_revenue'"
	                    " WHERE t.indicator = 'tax_revenue' AND t.value >= b.value"), 0);
}

static void test_indicator_article(void **state)
{
	(void)state;
	NEED_SEED();
	/* 1-10月 2021, as the article reports */
	assert_int_equal(zone_value("budget_revenue", "2021"), 618000);
	assert_int_equal(zone_value("budget_revenue", "2020"), 547872);   /* round(618000 / 1.128) */
	assert_int_equal(growth_permille("budget_revenue"), 128);
	assert_int_equal(zone_value("tax_revenue", "2021"), 537660);      /* 87% */
	assert_int_equal(lround(1000.0 * (double)zone_value("tax_revenue", "2021") /
	                        (double)zone_value("budget_revenue", "2021")), 870);
	assert_int_equal(zone_value("industrial_sales", "2021"), 14850000);
	assert_int_equal(growth_permille("industrial_sales"), 310);
	assert_int_equal(zone_value("service_sales", "2021"), 15000000);
	assert_int_equal(growth_permille("service_sales"), 220);
	assert_int_equal(zone_value("fdi_utilised", "2021"), 55400);
	assert_int_equal(growth_permille("fdi_utilised"), 108);
	assert_int_equal(zone_value("trade_total", "2021"), 4538000);
	assert_int_equal(growth_permille("trade_total"), 275);

	/* ranks in the city */
	assert_int_equal(q1(Q_RANK_GROWTH, "budget_revenue"), 3);
	assert_int_equal(q0(Q_RANK_TAX_SHARE), 2);
	assert_int_equal(q1(Q_RANK_TOTAL, "industrial_sales"), 3);
	assert_int_equal(q1(Q_RANK_GROWTH, "industrial_sales"), 2);
	assert_int_equal(q1(Q_RANK_TOTAL, "trade_total"), 2);
	/* no rank named for foreign investment, only the total for trade */
	assert_true(q1(Q_RANK_TOTAL, "fdi_utilised") > 3 && q1(Q_RANK_GROWTH, "fdi_utilised") > 3);
	assert_true(q1(Q_RANK_GROWTH, "trade_total") > 3);
	/* "总量、增幅均居全市前列" */
	assert_true(q1(Q_RANK_TOTAL, "service_sales") <= 3);
	assert_true(q1(Q_RANK_GROWTH, "service_sales") <= 3);
}

static void test_indicator_targets(void **state)
{
	(void)state;
	NEED_SEED();
	int year, month;
	clock_month(&year, &month);
	char this_year[16];
	snprintf(this_year, sizeof this_year, "%d", year);
	/* the article's year and the clock's */
	int64_t n = q1("SELECT count(*) FROM indicator_targets t JOIN regions r ON r.id = t.region_id"
	               " WHERE r.is_zone = 1 AND t.year IN (2021, CAST($1 AS INTEGER))", this_year);
	assert_int_equal(n, year > 2021 ? 12 : 6);
	assert_int_equal(q0("SELECT count(*) FROM indicator_targets"), n);
	static const char *const ind[] = { "budget_revenue", "tax_revenue", "industrial_sales", "service_sales",
	                                   "fdi_utilised", "trade_total" };
	for (int i = 0; i < 6; i++) {
		int64_t target = q1("SELECT t.value FROM indicator_targets t JOIN regions r ON r.id = t.region_id"
		                    " WHERE r.is_zone = 1 AND t.year = 2021 AND t.indicator = $1", ind[i]);
		int64_t oct = zone_value(ind[i], "2021");
		/* a bit above the pace: October is short of 10/12 of the target */
		if (!(target * 10 > oct * 12 && target * 10 < oct * 14))
			fail_msg("%s: target %lld vs Jan-Oct %lld", ind[i], (long long)target, (long long)oct);
		/* this year's: above last year's total, less than half as much again */
		char y[16], py[16];
		snprintf(y, sizeof y, "%d", year);
		snprintf(py, sizeof py, "%d", year - 1);
		const char *p[3] = { ind[i], y, py };
		if (year > 2021 &&
		    db_int1(g_db, "SELECT count(*) FROM indicator_targets t JOIN regions r ON r.id = t.region_id"
		                  " JOIN indicator_values v ON v.region_id = r.id AND v.indicator = t.indicator"
		                  " AND v.year = CAST($3 AS INTEGER) AND v.month = 12"
		                  " WHERE r.is_zone = 1 AND t.indicator = $1 AND t.year = CAST($2 AS INTEGER)"
		                  " AND t.value > v.value AND 2 * t.value < 3 * v.value", -1, 3, p) != 1)
			fail_msg("%s: the target of %d against %d's total", ind[i], year, year - 1);
	}
}

/* ---- yearly facts (demo_facts.c) ---- */

/* The three demo policies of docs/rules.md §11. */
static const char *const POLICY[3] = {
	"rd_spending[year-1] >= 100 and rd_spending[year-1] / revenue[year-1] >= 0.03 and tax_paid[year-1] > 0",
	"key and new_employees[year-1] >= 10 and employees[year-1] >= 50",
	"exports[year-1] >= 100 and exports[year-1] >= exports[year-2] * 1.15",
};

struct fact_ud {
	int64_t ent;
};

static int fetch_fact(void *ud, size_t ref, const char *name, int year, struct rule_num *out)
{
	(void)ref;
	const struct fact_ud *u = ud;
	db_stmt_t *st = db_prepare(g_db, "SELECT value FROM facts WHERE enterprise_id = $1 AND fact = $2 AND year = $3");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, u->ent);
	db_bind_text(st, 2, name);
	db_bind_int(st, 3, year);
	int rc = db_step(st);
	if (rc == DB_ROW)
		*out = fact_value_from_stored(db_col_int(st, 0));
	db_done(st);
	return rc == DB_ROW ? RULE_FOUND : rc == DB_DONE ? RULE_MISSING : -1;
}

/* E eligible, N near, I ineligible, U unknown: the condition r for
 * enterprise ent (key or not) evaluated for year. */
static char category(const rule_t *r, int64_t ent, int key, int year)
{
	struct fact_ud u = { ent };
	struct rule_env env = { .year = year, .reg = { .key = key }, .fact = fetch_fact, .ud = &u };
	struct rule_result res;
	if (rule_eval(r, &env, &res) < 0)
		fail_msg("rule_eval: %s", db_errmsg(g_db));
	return res.result == RULE_TRUE ? 'E' : res.result == RULE_UNKNOWN ? 'U' : res.near >= 0 ? 'N' : 'I';
}

static int current_year(void)
{
	int y;
	date_to_civil(date_today(), &y, NULL, NULL);
	return y;
}

static void test_facts(void **state)
{
	(void)state;
	NEED_SEED();
	int Y = current_year();
	char y0[16], y1[16];
	snprintf(y0, sizeof y0, "%d", Y - DEMO_FACT_YEARS);
	snprintf(y1, sizeof y1, "%d", Y - 1);
	/* the three years before the clock's, nothing else */
	assert_int_equal(q1("SELECT count(*) FROM facts WHERE year < CAST($1 AS INTEGER)", y0), 0);
	assert_int_equal(q1("SELECT count(*) FROM facts WHERE year > CAST($1 AS INTEGER)", y1), 0);
	assert_int_equal(q0("SELECT count(DISTINCT year) FROM facts"), DEMO_FACT_YEARS);
	/* every enterprise founded before the latest year has its employees
	 * then; revenue is missing only where reporting is late */
	assert_int_equal(q1("SELECT count(*) FROM enterprises e WHERE CAST(substr(e.founded_on, 1, 4) AS INTEGER)"
	                    " <= CAST($1 AS INTEGER) AND NOT EXISTS (SELECT 1 FROM facts f WHERE f.enterprise_id = e.id"
	                    " AND f.fact = 'employees' AND f.year = CAST($1 AS INTEGER))", y1), 0);
	int64_t ents = q0("SELECT count(DISTINCT enterprise_id) FROM facts");
	int64_t late = q1("SELECT count(*) FROM facts f WHERE f.fact = 'employees' AND f.year = CAST($1 AS INTEGER)"
	                  " AND NOT EXISTS (SELECT 1 FROM facts g WHERE g.enterprise_id = f.enterprise_id"
	                  " AND g.fact = 'revenue' AND g.year = f.year)", y1);
	int64_t exporters = q0("SELECT count(DISTINCT enterprise_id) FROM facts WHERE fact = 'exports'");
	int64_t total = q0("SELECT count(*) FROM facts");
	fprintf(stderr, "test_demo: %lld facts of %lld enterprises for %s..%s; %lld exporters; %lld late with revenue\n",
	        (long long)total, (long long)ents, y0, y1, (long long)exporters, (long long)late);
	assert_int_equal(ents, q0("SELECT count(*) FROM enterprises"));
	assert_true(late >= 5 && late <= 40);
	assert_true(exporters >= 80 && exporters <= 250);
	/* only the built-in facts, yes/no ones 0 or 1, nothing negative */
	assert_int_equal(q0("SELECT count(*) FROM facts f LEFT JOIN fact_defs d ON d.name = f.fact"
	                    " WHERE d.builtin IS NULL OR d.builtin <> 1"), 0);
	assert_int_equal(q0("SELECT count(*) FROM facts WHERE fact IN ('high_tech', 'listed') AND value NOT IN (0, 10000)"), 0);
	assert_int_equal(q0("SELECT count(*) FROM facts WHERE value < 0"), 0);
	/* the figures of docs/rules.md §11 for the latest year */
	assert_int_equal(q1("SELECT f.value FROM facts f JOIN enterprises e ON e.id = f.enterprise_id WHERE"
	                    " e.name = '江苏恒太照明股份有限公司' AND f.fact = 'rd_spending' AND f.year = CAST($1 AS INTEGER)", y1),
	                 8505000);
	assert_int_equal(q1("SELECT f.value FROM facts f JOIN enterprises e ON e.id = f.enterprise_id WHERE"
	                    " e.name = '南通晟斯生物医药有限公司' AND f.fact = 'rd_spending' AND f.year = CAST($1 AS INTEGER)", y1),
	                 1000500);

	/* each demo policy, for Y and for Y-1, has every kind of enterprise;
	 * the designed ones are what demo_facts.h says */
	static const char *const want[3] = { "ENUEIENNU", "EEUEINNII", "NEEIUNUNE" };
	rule_t *rules[3];
	err_t err;
	for (int p = 0; p < 3; p++) {
		rules[p] = rule_parse(POLICY[p], RULE_CONDITION, NULL, "condition", &err);
		if (rules[p] == NULL)
			fail_msg("policy %d: %s", p, err.message);
	}
	for (int year = Y - 1; year <= Y; year++) {
		int count[3][4] = { { 0 } };
		char got[3][16] = { "", "", "" };
		int ngen_key = 0, ngen_other = 0;
		db_stmt_t *st = db_prepare(g_db, "SELECT id, is_key, name FROM enterprises ORDER BY id");
		int64_t ids[600];
		int keys[600], designed[600], n = 0;
		while (db_step(st) == DB_ROW && n < 600) {
			ids[n] = db_col_int(st, 0);
			keys[n] = db_col_int(st, 1) != 0;
			designed[n] = n < 4 ? n : -1;   /* the four named enterprises come first */
			if (n >= 4 && keys[n] && ngen_key < 2)
				designed[n] = 4 + ngen_key++;
			else if (n >= 4 && !keys[n] && ngen_other < 3)
				designed[n] = 6 + ngen_other++;
			n++;
		}
		db_done(st);
		assert_int_equal(n, 528);
		for (int i = 0; i < n; i++)
			for (int p = 0; p < 3; p++) {
				char c = category(rules[p], ids[i], keys[i], year);
				count[p][strchr("ENIU", c) - "ENIU"]++;
				if (designed[i] >= 0)
					got[p][designed[i]] = c;
			}
		for (int p = 0; p < 3; p++) {
			fprintf(stderr, "test_demo: policy %d for %d: %d eligible, %d near, %d ineligible, %d unknown\n", p + 1,
			        year, count[p][0], count[p][1], count[p][2], count[p][3]);
			if (strcmp(got[p], want[p]) != 0)
				fail_msg("policy %d for %d: the designed enterprises are %s, not %s", p + 1, year, got[p], want[p]);
			for (int k = 0; k < 4; k++)
				assert_true(count[p][k] > 0);
		}
	}
	for (int p = 0; p < 3; p++)
		rule_free(rules[p]);
}

/* ---- determinism ---- */

static char *dump(db_t *db, const char *sql)
{
	buf_t b;
	buf_init(&b);
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		fail_msg("%s: %s", sql, db_errmsg(db));
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		for (int c = 0; c < db_col_count(st); c++) {
			buf_puts(&b, db_col_text(st, c));
			buf_puts(&b, "|");
		}
		buf_puts(&b, "\n");
	}
	db_done(st);
	if (rc != DB_DONE)
		fail_msg("%s: %s", sql, db_errmsg(db));
	return buf_steal(&b);
}

static const char *const DUMPS[] = {
	"SELECT credit_code, name, street_id, industry, is_key, officer_id, department_id, contact_name,"
	" contact_phone, employees, registered_capital_wan, land_mu, founded_on FROM enterprises ORDER BY id",
	"SELECT username, display_name, role, unit_id, enterprise_id, department_id FROM users ORDER BY id",
	"SELECT name, unit_id, recruiter_id, enterprise_id, industry, stage, total_investment_wan,"
	" foreign_investment_wan_usd, lead_on, signed_on, landed_on, started_on, producing_on FROM projects ORDER BY id",
	"SELECT region_id, indicator, year, month, value FROM indicator_values ORDER BY region_id, indicator, year, month",
	"SELECT region_id, indicator, year, value FROM indicator_targets ORDER BY region_id, indicator",
	"SELECT enterprise_id, year, fact, value FROM facts ORDER BY enterprise_id, year, fact",
};

static void test_deterministic(void **state)
{
	(void)state;
	testdb_t t[2];
	db_t *dbs[2];
	char pw[2][32];
	for (int i = 0; i < 2; i++) {
		assert_int_equal(testdb_open(&t[i], "demo-det", 0, 1), 0);
		dbs[i] = t[i].db;
		char *err = NULL;
		int rc = demo_seed(dbs[i], pw[i], sizeof pw[i], &err);
		if (rc != 1)
			fail_msg("demo_seed = %d: %s", rc, err ? err : "?");
	}
	assert_string_not_equal(pw[0], pw[1]);
	for (size_t q = 0; q < sizeof DUMPS / sizeof DUMPS[0]; q++) {
		char *a = dump(dbs[0], DUMPS[q]), *b = dump(dbs[1], DUMPS[q]);
		assert_true(strlen(a) > 100);
		if (strcmp(a, b) != 0)
			fail_msg("the demo data differ between two runs: %s", DUMPS[q]);
		free(a);
		free(b);
	}
	for (int i = 0; i < 2; i++)
		testdb_close(&t[i]);
}

/* A demo seeded in a fresh temporary database with the clock set to
 * `when`; the clock is the system's again afterwards.  The seed's now. */
static int64_t seed_at(testdb_t *t, const char *name, const char *when)
{
	assert_int_equal(testdb_open(t, name, 0, 1), 0);
	int64_t at;
	assert_int_equal(clock_parse(when, &at), 0);
	clock_set(at);
	char pw[32], *err = NULL;
	int rc = demo_seed(t->db, pw, sizeof pw, &err);
	clock_set(time(NULL));
	if (rc != 1)
		fail_msg("demo_seed = %d: %s", rc, err ? err : "?");
	free(err);
	return at;
}

/* Opened in January, the demo's latest indicators are last December's,
 * with the December before to grow from, and this year's targets; the
 * race's months end with last December, this year's leads await review. */
static void test_indicators_in_january(void **state)
{
	(void)state;
	testdb_t t;
	int64_t jan = seed_at(&t, "demo-jan", "2027-01-15T09:00:00+08:00");
	check_race_days(t.db, jan);
	static const char *const Q[] = {
		"SELECT count(*) FROM indicator_values WHERE year = 2026",
		"SELECT count(*) FROM indicator_values WHERE year = 2025",
		"SELECT count(*) FROM indicator_values WHERE year > 2021 AND year NOT IN (2025, 2026)",
		"SELECT count(*) FROM indicator_targets WHERE year = 2027",
	};
	static const int64_t N[] = { 8 * 6 * 12, 8 * 6 * 12, 0, 6 };
	for (int i = 0; i < 4; i++)
		if (db_int1(t.db, Q[i], -1, 0, NULL) != N[i])
			fail_msg("%s: %lld, not %lld", Q[i], (long long)db_int1(t.db, Q[i], -1, 0, NULL), (long long)N[i]);
	testdb_close(&t);
}

/* Opened mid-year, and on 6 December (on the first day of a month too:
 * nothing of that month yet), the race lives in the present. */
static void test_race_other_days(void **state)
{
	(void)state;
	static const char *const WHEN[] = { "2026-07-15T14:30:00", "2026-12-06T10:00:00+08:00", "2026-09-01T08:00:00" };
	for (size_t i = 0; i < sizeof WHEN / sizeof WHEN[0]; i++) {
		testdb_t t;
		int64_t at = seed_at(&t, "demo-day", WHEN[i]);
		check_race_days(t.db, at);
		testdb_close(&t);
	}
}

/* An error half-way rolls everything back. */
static void test_rollback_on_error(void **state)
{
	(void)state;
	testdb_t t;
	assert_int_equal(testdb_open(&t, "demo-rb", 0, 1), 0);
	db_t *db = t.db;
	/* a street the seed also inserts: the unique name fails mid-way */
	assert_int_equal(db_exec(db, "INSERT INTO streets (name, name_en) VALUES ('小海街道', 'x')"), DB_OK);
	char pw[32] = "x";
	char *err = NULL;
	assert_int_equal(demo_seed(db, pw, sizeof pw, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "streets"));
	free(err);
	assert_string_equal(pw, "");
	assert_int_equal(db_in_tx(db), 0);
	assert_int_equal(db_int1(db, "SELECT count(*) FROM users", -1, 0, NULL), 0);
	/* the six default units come from migration 7, not from the failed seed */
	assert_int_equal(db_int1(db, "SELECT count(*) FROM units", -1, 0, NULL), 6);
	assert_int_equal(db_int1(db, "SELECT count(*) FROM settings", -1, 0, NULL), 0);
	assert_int_equal(db_int1(db, "SELECT count(*) FROM streets", -1, 0, NULL), 1);
	testdb_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credit_code_valid),
		cmocka_unit_test(test_credit_code_invalid),
		cmocka_unit_test(test_seed_returns),
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_settings_and_org),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_enterprises),
		cmocka_unit_test(test_projects),
		cmocka_unit_test(test_indicator_series),
		cmocka_unit_test(test_indicator_article),
		cmocka_unit_test(test_indicator_targets),
		cmocka_unit_test(test_facts),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_indicators_in_january),
		cmocka_unit_test(test_race_other_days),
		cmocka_unit_test(test_rollback_on_error),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
