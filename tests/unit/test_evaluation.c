/*
 * test_evaluation.c -- the monthly indicator evaluation and the report
 * paragraph (src/indicators/evaluation.c).
 *
 * Every test builds its own data set in a fresh temporary SQLite database
 * (migrated, so the schema is the real one).  The first data set is true
 * to the article of 2021 ("1-10月，南通开发区完成一般公共预算收入61.8亿元，
 * 增长12.8%，增幅列全市第三，其中税占比87%，列全市第二；…") and the
 * paragraph must reproduce its sentences word for word; the others are
 * small cases: a decline, 持平, a tie, January, a missing last year, a peer
 * without data, equal ranks, ranks beyond ten, the settings.
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
#include <unistd.h>

#include "admin/admin.h"
#include "indicators/indicators.h"
#include "store/store.h"
#include "testutil.h"

static testdb_t g_t;
static db_t *g_db;

static int setup(void **state)
{
	(void)state;
	if (testdb_open(&g_t, "eval", 0, 1) < 0)
		return -1;
	g_db = g_t.db;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testdb_close(&g_t);
	g_db = NULL;
	return 0;
}

/* ---- building data sets ---- */

static int64_t region(const char *name, int is_zone)
{
	db_stmt_t *st = db_prepare(g_db, "INSERT INTO regions (name, is_zone, sort) VALUES ($1, $2, $3) RETURNING id");
	static int sort;
	db_bind_text(st, 1, name);
	db_bind_int(st, 2, is_zone);
	db_bind_int(st, 3, ++sort);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t id = db_col_int(st, 0);
	db_done(st);
	return id;
}

static void put(int64_t rid, const char *code, int year, int month, int64_t wan)
{
	db_stmt_t *st = db_prepare(g_db,
		"INSERT INTO indicator_values (region_id, indicator, year, month, value) VALUES ($1, $2, $3, $4, $5)");
	db_bind_int(st, 1, rid);
	db_bind_text(st, 2, code);
	db_bind_int(st, 3, year);
	db_bind_int(st, 4, month);
	db_bind_int(st, 5, wan);
	int rc = db_step(st);
	if (rc != DB_DONE)
		fail_msg("insert %s: %s", code, db_errmsg(g_db));
	db_done(st);
}

static void target(int64_t rid, const char *code, int year, int64_t wan)
{
	db_stmt_t *st = db_prepare(g_db, "INSERT INTO indicator_targets (region_id, indicator, year, value) VALUES ($1, $2, $3, $4)");
	db_bind_int(st, 1, rid);
	db_bind_text(st, 2, code);
	db_bind_int(st, 3, year);
	db_bind_int(st, 4, wan);
	assert_int_equal(db_step(st), DB_DONE);
	db_done(st);
}

/* A value for (year, month) and last year's, from the growth. */
static void put_growth(int64_t rid, const char *code, int year, int month, int64_t wan, double growth)
{
	put(rid, code, year, month, wan);
	put(rid, code, year - 1, month, llround((double)wan / (1.0 + growth)));
}

/* The paragraph for (year, month) with the configured top ranks. */
static char *report(int year, int month)
{
	struct ind_eval e;
	assert_int_equal(ind_evaluate(g_db, year, month, &e), DB_OK);
	char *text = ind_report_text(&e, ind_top_ranks(g_db));
	ind_eval_free(&e);
	assert_non_null(text);
	return text;
}

static void expect_report(int year, int month, const char *want)
{
	char *text = report(year, month);
	if (strcmp(text, want) != 0)
		fail_msg("report\n  got:  %s\n  want: %s", text, want);
	free(text);
}

static void expect_contains(int year, int month, const char *part)
{
	char *text = report(year, month);
	if (strstr(text, part) == NULL)
		fail_msg("report\n  %s\n  does not contain: %s", text, part);
	free(text);
}

/* ---- the article ---- */

/* Jan-Oct 2021 of the zone and six districts: value (万元, 万美元 for
 * fdi_utilised) and growth per indicator, and the tax share. */
static const struct {
	const char *name;
	int is_zone;
	int64_t budget, industrial, service, fdi, trade;
	double g_budget, g_industrial, g_service, g_fdi, g_trade, tax_share;
} ARTICLE[] = {
	{ "南通开发区", 1, 618000, 14850000, 15000000, 55400, 4538000, 0.128, 0.310, 0.220, 0.108, 0.275, 0.870 },
	{ "崇川区", 0, 702000, 6280000, 26400000, 38600, 5126000, 0.086, 0.095, 0.142, 0.062, 0.123, 0.893 },
	{ "通州区", 0, 856000, 13640000, 11850000, 42300, 2987000, 0.139, 0.337, 0.168, 0.125, 0.156, 0.842 },
	{ "海门区", 0, 1025000, 17920000, 12630000, 61800, 3842000, 0.152, 0.184, 0.231, 0.094, 0.302, 0.856 },
	{ "如皋市", 0, 794000, 16310000, 9870000, 57300, 2463000, 0.104, 0.246, 0.126, 0.141, 0.296, 0.815 },
	{ "如东县", 0, 651000, 11570000, 6420000, 36200, 1856000, 0.117, 0.213, 0.109, 0.087, 0.097, 0.788 },
	{ "启东市", 0, 763000, 12460000, 8960000, 58600, 3215000, 0.098, 0.272, 0.185, 0.113, 0.281, 0.827 },
};

static void article_data(void)
{
	for (size_t i = 0; i < sizeof ARTICLE / sizeof ARTICLE[0]; i++) {
		int64_t id = region(ARTICLE[i].name, ARTICLE[i].is_zone);
		put_growth(id, "budget_revenue", 2021, 10, ARTICLE[i].budget, ARTICLE[i].g_budget);
		put(id, "tax_revenue", 2021, 10, llround((double)ARTICLE[i].budget * ARTICLE[i].tax_share));
		put_growth(id, "industrial_sales", 2021, 10, ARTICLE[i].industrial, ARTICLE[i].g_industrial);
		put_growth(id, "service_sales", 2021, 10, ARTICLE[i].service, ARTICLE[i].g_service);
		put_growth(id, "fdi_utilised", 2021, 10, ARTICLE[i].fdi, ARTICLE[i].g_fdi);
		put_growth(id, "trade_total", 2021, 10, ARTICLE[i].trade, ARTICLE[i].g_trade);
		if (ARTICLE[i].is_zone)
			target(id, "budget_revenue", 2021, 780000);
	}
}

static void test_article_sentences(void **state)
{
	(void)state;
	article_data();
	/* the article's sentences, word for word */
	expect_contains(2021, 10, "1-10月，南通开发区完成一般公共预算收入61.8亿元，增长12.8%，增幅列全市第三，其中税占比87%，列全市第二；");
	expect_contains(2021, 10, "；工业应税销售1485亿元，增长31%，总量、增幅分别居全市第三和第二；");
	expect_contains(2021, 10, "；实际利用外资5.54亿美元，增长10.8%；");
	expect_contains(2021, 10, "；进出口总额453.8亿元，增长27.5%，总量全市第二。");
	/* and the whole paragraph (the article has 服务业 as an estimate) */
	expect_report(2021, 10,
		"1-10月，南通开发区完成一般公共预算收入61.8亿元，增长12.8%，增幅列全市第三，其中税占比87%，列全市第二；"
		"工业应税销售1485亿元，增长31%，总量、增幅分别居全市第三和第二；"
		"服务业应税销售1500亿元，增长22%，总量、增幅均居全市第二；"
		"实际利用外资5.54亿美元，增长10.8%；"
		"进出口总额453.8亿元，增长27.5%，总量全市第二。");
}

static void test_article_evaluation(void **state)
{
	(void)state;
	article_data();
	struct ind_eval e;
	assert_int_equal(ind_evaluate(g_db, 2021, 10, &e), DB_OK);
	assert_int_equal(e.nregions, 7);
	assert_int_equal(e.zone, 0);
	const struct ind_cell *b = &e.cell[IND_BUDGET][0];
	assert_true(b->has_value && b->has_prev && b->has_growth && b->has_target);
	assert_int_equal(b->value, 618000);
	assert_int_equal(b->rank_total, 7);
	assert_int_equal(b->rank_growth, 3);
	assert_int_equal(ind_growth_permille(b->value, b->prev), 128);
	assert_true(fabs(b->progress - 618000.0 * 100 / 780000) < 1e-9);
	assert_int_equal(e.share[0].rank, 2);
	assert_int_equal(e.share[1].rank, 1);            /* 崇川 89.3% */
	assert_int_equal(e.cell[IND_INDUSTRIAL][3].rank_total, 1);   /* 海门 */
	assert_int_equal(e.cell[IND_FDI][0].rank_total, 4);
	assert_int_equal(e.cell[IND_TRADE][0].rank_growth, 4);
	/* tax_revenue is ranked too (no growth: no last year) */
	assert_int_equal(e.cell[IND_TAX][0].rank_growth, 0);
	assert_false(e.cell[IND_TAX][0].has_growth);
	ind_eval_free(&e);
}

/* ---- further cases ---- */

static void test_decline_and_flat(void **state)
{
	(void)state;
	int64_t z = region("开发区", 1);
	put(z, "budget_revenue", 2022, 6, 100000);
	put(z, "budget_revenue", 2021, 6, 110000);       /* -9.09% */
	put(z, "industrial_sales", 2022, 6, 2000000);
	put(z, "industrial_sales", 2021, 6, 2000000);   /* 0 */
	put(z, "service_sales", 2022, 6, 100000);
	put(z, "service_sales", 2021, 6, 99990);         /* +0.01%: rounds to 0 */
	put(z, "trade_total", 2022, 6, 9875);
	put(z, "trade_total", 2021, 6, 10000);           /* -1.25%: half away from zero */
	put(z, "fdi_utilised", 2022, 6, 10125);
	put(z, "fdi_utilised", 2021, 6, 10000);          /* +1.25% */
	expect_report(2022, 6,
		"1-6月，开发区完成一般公共预算收入10亿元，下降9.1%，总量、增幅均居全市第一；"
		"工业应税销售200亿元，持平，总量、增幅均居全市第一；"
		"服务业应税销售10亿元，持平，总量、增幅均居全市第一；"
		"实际利用外资1.01亿美元，增长1.3%，总量、增幅均居全市第一；"
		"进出口总额0.99亿元，下降1.3%，总量、增幅均居全市第一。");
}

static void test_tie_shares_best_rank(void **state)
{
	(void)state;
	int64_t a = region("甲区", 0), z = region("开发区", 1), b = region("乙区", 0), c = region("丙区", 0);
	put(a, "industrial_sales", 2022, 3, 600000);
	put(z, "industrial_sales", 2022, 3, 500000);
	put(b, "industrial_sales", 2022, 3, 500000);
	put(c, "industrial_sales", 2022, 3, 400000);
	/* growth: 甲 +10% and 开发区 +10% tie (different values), 乙 +20% */
	put(a, "industrial_sales", 2021, 3, 545454);      /* 10.0000…% */
	put(z, "industrial_sales", 2021, 3, 454546);      /* 9.99989%: shown as 10 as well */
	put(b, "industrial_sales", 2021, 3, 416666);
	struct ind_eval e;
	assert_int_equal(ind_evaluate(g_db, 2022, 3, &e), DB_OK);
	const struct ind_cell *ind = e.cell[IND_INDUSTRIAL];
	assert_int_equal(ind[0].rank_total, 1);
	assert_int_equal(ind[1].rank_total, 2);
	assert_int_equal(ind[2].rank_total, 2);
	assert_int_equal(ind[3].rank_total, 4);
	assert_int_equal(ind[2].rank_growth, 1);
	/* both round to 10.0%, the ranks use the unrounded growth */
	assert_int_equal(ind_growth_permille(ind[0].value, ind[0].prev), 100);
	assert_int_equal(ind_growth_permille(ind[1].value, ind[1].prev), 100);
	assert_int_equal(ind[0].rank_growth, 2);
	assert_int_equal(ind[1].rank_growth, 3);
	assert_false(ind[3].has_growth);
	assert_int_equal(ind[3].rank_growth, 0);
	ind_eval_free(&e);

	/* an exact growth tie: 10% each */
	int64_t d = region("丁区", 0);
	put(d, "budget_revenue", 2022, 3, 110000);
	put(d, "budget_revenue", 2021, 3, 100000);
	put(z, "budget_revenue", 2022, 3, 220000);
	put(z, "budget_revenue", 2021, 3, 200000);
	put(a, "budget_revenue", 2022, 3, 330000);
	put(a, "budget_revenue", 2021, 3, 250000);
	assert_int_equal(ind_evaluate(g_db, 2022, 3, &e), DB_OK);
	assert_int_equal(e.cell[IND_BUDGET][1].rank_growth, 2);
	assert_int_equal(e.cell[IND_BUDGET][4].rank_growth, 2);
	assert_int_equal(e.cell[IND_BUDGET][0].rank_growth, 1);
	ind_eval_free(&e);
	expect_report(2022, 3, "1-3月，开发区完成一般公共预算收入22亿元，增长10%，总量、增幅均居全市第二；"
		"工业应税销售50亿元，增长10%，总量、增幅分别居全市第二和第三。");
}

static void test_january(void **state)
{
	(void)state;
	int64_t z = region("开发区", 1), p = region("邻区", 0);
	put(z, "trade_total", 2023, 1, 123456);
	put(z, "trade_total", 2022, 1, 100000);
	put(p, "trade_total", 2023, 1, 200000);
	put(p, "trade_total", 2022, 1, 100000);
	expect_report(2023, 1, "1月，开发区完成进出口总额12.35亿元，增长23.5%，总量、增幅均居全市第二。");
}

static void test_missing_last_year(void **state)
{
	(void)state;
	int64_t z = region("开发区", 1), p = region("邻区", 0);
	put(z, "budget_revenue", 2021, 10, 618000);
	put(z, "tax_revenue", 2021, 10, 537660);
	put(p, "budget_revenue", 2021, 10, 500000);
	put(p, "budget_revenue", 2020, 10, 400000);
	put(p, "tax_revenue", 2021, 10, 450000);
	/* no growth part, the total's rank only; the share still */
	expect_report(2021, 10, "1-10月，开发区完成一般公共预算收入61.8亿元，总量全市第一，其中税占比87%，列全市第二。");
	struct ind_eval e;
	assert_int_equal(ind_evaluate(g_db, 2021, 10, &e), DB_OK);
	assert_false(e.cell[IND_BUDGET][0].has_growth);
	assert_int_equal(e.cell[IND_BUDGET][0].rank_growth, 0);
	assert_int_equal(e.cell[IND_BUDGET][1].rank_growth, 1);   /* the only one with a growth */
	ind_eval_free(&e);
}

static void test_peer_without_data(void **state)
{
	(void)state;
	int64_t big = region("大区", 0), z = region("开发区", 1);
	region("空区", 0);                                  /* no values at all */
	int64_t other = region("别区", 0);
	put(big, "industrial_sales", 2021, 10, 3000000);
	put(big, "industrial_sales", 2020, 10, 2000000);   /* +50% */
	put(z, "industrial_sales", 2021, 10, 1000000);
	put(z, "industrial_sales", 2020, 10, 800000);      /* +25% */
	put(other, "industrial_sales", 2021, 10, 2000000); /* no last year */
	expect_report(2021, 10, "1-10月，开发区完成工业应税销售100亿元，增长25%，总量、增幅分别居全市第三和第二。");
	struct ind_eval e;
	assert_int_equal(ind_evaluate(g_db, 2021, 10, &e), DB_OK);
	assert_int_equal(e.nregions, 4);
	const struct ind_cell *c = e.cell[IND_INDUSTRIAL];
	assert_false(c[2].has_value);
	assert_int_equal(c[2].rank_total, 0);
	assert_int_equal(c[3].rank_total, 2);
	assert_int_equal(c[3].rank_growth, 0);
	assert_false(e.share[1].has);
	ind_eval_free(&e);
}

static void test_equal_ranks(void **state)
{
	(void)state;
	int64_t z = region("开发区", 1), a = region("甲", 0), b = region("乙", 0);
	put(z, "service_sales", 2021, 5, 300000);
	put(z, "service_sales", 2020, 5, 200000);   /* +50% */
	put(a, "service_sales", 2021, 5, 400000);
	put(a, "service_sales", 2020, 5, 200000);   /* +100% */
	put(b, "service_sales", 2021, 5, 100000);
	put(b, "service_sales", 2020, 5, 90000);
	expect_report(2021, 5, "1-5月，开发区完成服务业应税销售30亿元，增长50%，总量、增幅均居全市第二。");
}

static void test_ranks_beyond_ten(void **state)
{
	(void)state;
	char buf[64];
	static const struct {
		int n;
		const char *s;
	} cases[] = {
		{ 1, "一" }, { 2, "二" }, { 3, "三" }, { 10, "十" }, { 11, "十一" }, { 12, "十二" }, { 19, "十九" },
		{ 20, "二十" }, { 21, "二十一" }, { 99, "九十九" }, { 100, "一百" }, { 101, "一百零一" },
		{ 110, "一百一十" }, { 111, "一百一十一" }, { 1005, "一千零五" }, { 1010, "一千零一十" }, { 2300, "二千三百" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ind_fmt_rank(buf, sizeof buf, cases[i].n);
		assert_string_equal(buf, cases[i].s);
	}
	/* the zone 11th of 12 with report.top_ranks 12 */
	const char *msg;
	assert_int_equal(setting_set(g_db, "report.top_ranks", "12", &msg), 0);
	assert_int_equal(ind_top_ranks(g_db), 12);
	for (int i = 0; i < 12; i++) {
		char name[32];
		snprintf(name, sizeof name, "区%02d", i);
		put(region(i == 10 ? "开发区" : name, i == 10), "trade_total", 2021, 10, 100000 * (12 - i));
	}
	expect_report(2021, 10, "1-10月，开发区完成进出口总额20亿元，总量全市第十一。");
}

static void test_numbers(void **state)
{
	(void)state;
	char buf[64];
	static const struct {
		int64_t wan;
		const char *s;
	} values[] = {
		{ 14850000, "1485" }, { 618000, "61.8" }, { 55400, "5.54" }, { 4538000, "453.8" }, { 55450, "5.55" },
		{ 55449, "5.54" }, { 50, "0.01" }, { 49, "0" }, { 0, "0" }, { 199999, "20" }, { 10001, "1" },
	};
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		ind_fmt_value(buf, sizeof buf, values[i].wan);
		assert_string_equal(buf, values[i].s);
	}
	static const struct {
		int64_t v, p;
		const char *s;
		int64_t permille;
	} growth[] = {
		{ 131, 100, "31", 310 }, { 1128, 1000, "12.8", 128 }, { 10125, 10000, "1.3", 13 }, { 9875, 10000, "1.3", -13 },
		{ 10124, 10000, "1.2", 12 }, { 100, 100, "0", 0 }, { 300, 100, "200", 2000 }, { 90, 100, "10", -100 },
	};
	for (size_t i = 0; i < sizeof growth / sizeof growth[0]; i++) {
		ind_fmt_growth(buf, sizeof buf, growth[i].v, growth[i].p);
		assert_string_equal(buf, growth[i].s);
		assert_int_equal(ind_growth_permille(growth[i].v, growth[i].p), growth[i].permille);
	}
}

static void test_period(void **state)
{
	(void)state;
	int y, m;
	assert_int_equal(month_parse("2021-10", &y, &m), 0);
	assert_int_equal(y * 100 + m, 202110);
	assert_int_equal(month_parse("2026-01", &y, &m), 0);
	static const char *const bad[] = { "2021-13", "2021-00", "2021-1", "21-10", "2021/10", "1899-12", "2200-01",
	                                    "2021-10-01", "", "２０２１-10", "2021-1a" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (month_parse(bad[i], &y, &m) == 0)
			fail_msg("period %s accepted", bad[i]);
	assert_int_equal(ind_latest_period(g_db, &y, &m), 0);
	int64_t z = region("开发区", 1);
	put(z, "budget_revenue", 2021, 9, 1);
	put(z, "budget_revenue", 2021, 10, 2);
	put(z, "budget_revenue", 2020, 12, 3);
	assert_int_equal(ind_latest_period(g_db, &y, &m), 1);
	assert_int_equal(y * 100 + m, 202110);
}

static void test_settings(void **state)
{
	(void)state;
	int64_t z = region("开发区", 1), p = region("邻区", 0), q = region("远区", 0);
	put(z, "budget_revenue", 2021, 10, 300000);
	put(z, "budget_revenue", 2020, 10, 200000);
	put(p, "budget_revenue", 2021, 10, 200000);
	put(p, "budget_revenue", 2020, 10, 100000);
	put(q, "budget_revenue", 2021, 10, 100000);
	put(q, "budget_revenue", 2020, 10, 90000);
	/* zone.name defaults to the region marked as the zone */
	char *name = setting_get(g_db, "zone.name");
	assert_string_equal(name, "开发区");
	free(name);
	expect_report(2021, 10, "1-10月，开发区完成一般公共预算收入30亿元，增长50%，总量、增幅分别居全市第一和第二。");
	/* top ranks 1: only the total's first place */
	const char *msg;
	assert_int_equal(setting_set(g_db, "report.top_ranks", "1", &msg), 0);
	expect_report(2021, 10, "1-10月，开发区完成一般公共预算收入30亿元，增长50%，总量全市第一。");
	assert_int_equal(setting_set(g_db, "report.top_ranks", "0", &msg), -1);
	assert_int_equal(setting_set(g_db, "report.top_ranks", "x", &msg), -1);
	assert_int_equal(setting_set(g_db, "report.top_ranks", "100", &msg), -1);
	assert_int_equal(setting_set(g_db, "report.top_ranks", "3", &msg), 0);
	/* another region named as the zone */
	assert_int_equal(setting_set(g_db, "zone.name", "邻区", &msg), 0);
	expect_report(2021, 10, "1-10月，邻区完成一般公共预算收入20亿元，增长100%，总量、增幅分别居全市第二和第一。");
	struct ind_eval e;
	assert_int_equal(ind_evaluate(g_db, 2021, 10, &e), DB_OK);
	assert_int_equal(e.zone, 1);
	ind_eval_free(&e);
	/* an unknown name falls back to the marked region */
	assert_int_equal(setting_set(g_db, "zone.name", "无此区", &msg), 0);
	expect_contains(2021, 10, "，开发区完成");
}

static void test_no_data(void **state)
{
	(void)state;
	expect_report(2021, 10, "");
	int64_t z = region("开发区", 1), p = region("邻区", 0);
	put(p, "budget_revenue", 2021, 10, 1000);
	expect_report(2021, 10, "");     /* the zone has no value */
	put(z, "budget_revenue", 2021, 9, 1000);
	expect_report(2021, 10, "");     /* only another month */
	struct ind_eval e;
	assert_int_equal(ind_evaluate(g_db, 2021, 10, &e), DB_OK);
	assert_int_equal(e.nregions, 2);
	assert_false(e.cell[IND_BUDGET][0].has_value);
	assert_int_equal(e.cell[IND_BUDGET][0].rank_total, 0);
	assert_int_equal(e.cell[IND_BUDGET][1].rank_total, 1);
	ind_eval_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test_setup_teardown(test_article_sentences, setup, teardown),
		cmocka_unit_test_setup_teardown(test_article_evaluation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decline_and_flat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tie_shares_best_rank, setup, teardown),
		cmocka_unit_test_setup_teardown(test_january, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_last_year, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_without_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equal_ranks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ranks_beyond_ten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_period, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_data, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
