/*
 * test_land_eval.c -- the per-mu evaluation engine (src/land/eval.c)
 * against results worked out by hand: fifteen enterprises written out
 * below, each indicator's value, ratio and score in the comments, the
 * totals, ranks and classes under both presets (zhejiang with the 黄岩区
 * benchmarks, jiangsu with benchmarks derived from the prior year or the
 * current one), both classing modes, the 黄岩 rule, the T reasons, a tie
 * on a share boundary and a changed weight.  The decimals were checked
 * with Python's decimal module (12 decimals, half up, like rule_num),
 * never with the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "land/land.h"

/* An enterprise: facts of 2025 (NULL: missing) and of 2024 (jiangsu's
 * derived benchmarks).  Order: tax_paid, revenue, value_added,
 * energy_tce, emissions_t, employees, rd_spending. */
struct ent {
	int64_t id;
	const char *industry;
	int founded;
	const char *land;
	const char *f[LAND_NFACTS];
	const char *prev[LAND_NFACTS];
};

/* year 2025; "too new" is founded after 2023-12-31 */
static const struct ent ENTS[] = {
	/* 1: tax 240.97/10 = 24.097 (x1 of 24.097: 30); va 1361.6/10 = 136.16 (x1: 20);
	 * va/energy 1361.6/400 = 3.404 (/2.694 = 1.263548626578 x20 = 25.27097253156);
	 * va/emissions 1361.6/0.2 = 6808 (/4929.81 = 1.380986285476 x10 = 13.80986285476);
	 * va/employees 1361.6/60 = 22.693333333333 (/18.14 x10 = 12.51010657846);
	 * rd/revenue 151/5000 = 0.0302 (x1: 10)  -> 111.59083196478 = 111.59 */
	{ 1, "C38", 2010, "10", { "240.97", "5000", "1361.6", "400", "0.2", "60", "151" }, { "200", "4000", 0, "400" } },
	/* 2: tax 72.291 (x3, capped at 2: 60); va/mu 204.24 (x1.5: 30); va/energy 4.0848 (30.32516703786);
	 * va/emissions 4084.8 (8.28591771285); va/employees 27.232 (15.01212789416); rd 0.0453 (x1.5: 15)
	 * -> 158.62 */
	{ 2, "C26", 2012, "20", { "1445.82", "20000", "4084.8", "1000", "1", "150", "906" },
	  { "1200", "18000", 0, "900" } },
	/* 3: every per-mu and rd x0.5: 15 + 10 + 5; va/energy 1.3616 (10.10838901262); va/emissions
	 * 1089.28 (2.20957805676); va/employees 10.8928 (6.00485115766) -> 48.32 */
	{ 3, "C13", 2015, "8", { "96.388", "3000", "544.64", "400", "0.5", "50", "45.3" }, { "80", "2500", 0, "380" } },
	/* 4 (门类 B): x0.8: 24 + 16 + 8; 2.614272 (19.40810690424); 4357.12 (8.83831222704);
	 * 18.673371428571 (10.29403055599) -> 86.54 */
	{ 4, "B06", 2008, "12", { "231.3312", "6000", "1307.136", "500", "0.3", "70", "144.96" }, { 0 } },
	/* 5: x0.25: 7.5 + 5 + 2.5; 0.6808 (5.05419450632); 1361.6 (2.76197257095);
	 * 4.538666666667 (2.50202131569) -> 25.32 */
	{ 5, "C30", 2016, "4", { "24.097", "2000", "136.16", "200", "0.1", "30", "15.1" }, { 0 } },
	/* 6: x0.6: 18 + 12 + 6; 2.0424 (15.16258351894); 3063.6 (6.21443828464); 15.318
	 * (8.44432194046) -> 65.82 */
	{ 6, "C34", 2011, "15", { "216.873", "8000", "1225.44", "600", "0.4", "80", "144.96" }, { 0 } },
	/* 7: no energy_tce: va_per_energy by the 黄岩 rule = the average of the ten others'
	 * va_per_energy scores = 149.80632516708 / 10 = 14.980632516708; x0.7: 21 + 14 + 7;
	 * 2859.36 (5.800142399); 14.2968 (7.88136714443) -> 70.66 */
	{ 7, "C39", 2014, "6", { "101.2074", "4000", "571.872", NULL, "0.2", "40", "84.56" }, { 0 } },
	/* 8: x0.4: 12 + 8 + 4; 1.63392 (12.13006681514); 2450.88 (4.97155062771); 10.8928
	 * (6.00485115766) -> 47.11 */
	{ 8, "C27", 2013, "9", { "86.7492", "5000", "490.176", "300", "0.2", "45", "60.4" }, { 0 } },
	/* 9: 2 mu < 3: T small_land */
	{ 9, "C17", 2010, "2", { "50", "1000", "300", "100", "0.1", "20", "10" }, { 0 } },
	/* 10: founded 2024, after 2023-12-31: T too_new */
	{ 10, "C35", 2024, "10", { "50", "1000", "300", "100", "0.1", "20", "10" }, { 0 } },
	/* 11: 门类 D (power): T utility */
	{ 11, "D44", 2005, "30", { "500", "20000", "3000", "5000", "10", "100", "10" }, { 0 } },
	/* 12: 门类 F (wholesale): out of the industrial scope, not listed; scope all: tax 24
	 * (/24.097 x30 = 29.87923807944), va/mu 100 (14.68860164512), va/energy 10 (x2 capped: 40),
	 * va/emissions 10000 (capped: 20), 20 (11.02535832415), 20/9000 = 0.002222222222
	 * (0.73583517285) -> 116.33 */
	{ 12, "F51", 2010, "5", { "120", "9000", "500", "50", "0.05", "25", "20" }, { 0 } },
	/* 13: the same numbers as 6 -> 65.82, a tie with 6 */
	{ 13, "C36", 2012, "15", { "216.873", "8000", "1225.44", "600", "0.4", "80", "144.96" }, { 0 } },
	/* 14: 0 employees, a zero denominator: labour_productivity by the 黄岩 rule = the ten
	 * others' average 77.84860607968 / 10 = 7.784860607968; x0.6: 18 + 12 + 6; 2.0424
	 * (15.16258351894); 4084.8 (8.28591771285) -> 67.23 */
	{ 14, "C29", 2012, "10", { "144.582", "5000", "816.96", "400", "0.2", "0", "90.6" }, { 0 } },
	/* 15: x0.1: 3 + 2; rd 0/1000 = 0 (0: a value, not missing); 0.27232 (2.02167780252);
	 * 136.16 (0.2761972571); 1.3616 (0.75060639471) -> 8.05 */
	{ 15, "C31", 2010, "10", { "24.097", "1000", "136.16", "500", "1", "100", "0" }, { 0 } },
};
#define NENTS (sizeof ENTS / sizeof ENTS[0])

static struct rule_num num(const char *s)
{
	struct rule_num n;
	if (rule_num_parse(s, &n) != 0)
		fail_msg("bad test number %s", s);
	return n;
}

static void load(struct land_ent *e, int no_prev)
{
	memset(e, 0, NENTS * sizeof *e);
	for (size_t i = 0; i < NENTS; i++) {
		e[i].id = ENTS[i].id;
		e[i].industry = ENTS[i].industry;
		e[i].founded_year = ENTS[i].founded;
		e[i].land = num(ENTS[i].land);
		for (int f = 0; f < LAND_NFACTS; f++) {
			if (ENTS[i].f[f]) {
				e[i].fact[f] = num(ENTS[i].f[f]);
				e[i].has[f] = 1;
			}
			if (ENTS[i].prev[f] && !no_prev) {
				e[i].prev[f] = num(ENTS[i].prev[f]);
				e[i].has_prev[f] = 1;
			}
		}
	}
}

/* What is expected of enterprise id: class, total ("" for T), rank, reason. */
struct want {
	int64_t id;
	char cls;
	const char *total;
	int rank;
	const char *reason;
};

static void check(const struct land_res *r, const struct want *w, size_t nw)
{
	for (size_t k = 0; k < nw; k++) {
		size_t i = 0;
		while (i < NENTS && ENTS[i].id != w[k].id)
			i++;
		assert_true(i < NENTS);
		if (r[i].cls != w[k].cls)
			fail_msg("enterprise %lld: class %c, expected %c", (long long)w[k].id, r[i].cls ? r[i].cls : '0',
			         w[k].cls);
		if (w[k].cls == 'T') {
			assert_string_equal(land_reason_names[r[i].reason], w[k].reason);
			continue;
		}
		if (w[k].cls == 0)
			continue;
		char buf[RULE_NUM_LEN];
		rule_num_format_fixed(r[i].total, 2, buf);
		if (strcmp(buf, w[k].total) != 0)
			fail_msg("enterprise %lld: total %s, expected %s", (long long)w[k].id, buf, w[k].total);
		if (r[i].rank != w[k].rank)
			fail_msg("enterprise %lld: rank %d, expected %d", (long long)w[k].id, r[i].rank, w[k].rank);
	}
}

static void run(struct land_params *p, int no_prev, struct land_res *r, struct land_counts *c)
{
	struct land_ent e[NENTS];
	load(e, no_prev);
	err_t err;
	assert_int_equal(land_evaluate(e, NENTS, p, r, c, &err), 0);
}

static const char *fmt(struct rule_num n, char buf[RULE_NUM_LEN])
{
	rule_num_format(n, buf);
	return buf;
}

/* zhejiang, the 黄岩区 benchmarks, shares 0.2/0.4/0.35 of n = 11 evaluated:
 * A round(2.2) = 2, B round(4.4) = 4, C round(3.85) = 4, D the rest 1.
 * Sorted: 2 158.62, 1 111.59 | 4 86.54, 7 70.66, 14 67.23, 6 65.82 | 13 65.82 ...
 * Positions 0-1 A, 2-5 B, 6-9 C, 10 D; 6 and 13 tie across the B/C boundary
 * (positions 5 and 6): both B, the better class; the boundary of C does
 * not move, so C has 3 (3, 8, 5) and D 1 (15). */
static const struct want ZJ_SHARES[] = {
	{ 2, 'A', "158.62", 1, 0 },  { 1, 'A', "111.59", 2, 0 },  { 4, 'B', "86.54", 3, 0 },
	{ 7, 'B', "70.66", 4, 0 },   { 14, 'B', "67.23", 5, 0 },  { 6, 'B', "65.82", 6, 0 },
	{ 13, 'B', "65.82", 6, 0 },  { 3, 'C', "48.32", 8, 0 },   { 8, 'C', "47.11", 9, 0 },
	{ 5, 'C', "25.32", 10, 0 },  { 15, 'D', "8.05", 11, 0 },  { 9, 'T', "", 0, "small_land" },
	{ 10, 'T', "", 0, "too_new" }, { 11, 'T', "", 0, "utility" }, { 12, 0, "", 0, 0 },
};

static void test_zhejiang_shares(void **state)
{
	(void)state;
	struct land_params p;
	land_params_default(&p, land_preset_find("zhejiang"), 2025);
	struct land_res r[NENTS];
	struct land_counts c;
	run(&p, 0, r, &c);
	check(r, ZJ_SHARES, sizeof ZJ_SHARES / sizeof ZJ_SHARES[0]);
	assert_int_equal(c.in_scope, 14);
	assert_int_equal(c.evaluated, 11);
	assert_int_equal(c.by_class[0], 2);
	assert_int_equal(c.by_class[1], 5);
	assert_int_equal(c.by_class[2], 3);
	assert_int_equal(c.by_class[3], 1);
	assert_int_equal(c.by_class[4], 3);
	/* the 黄岩 rule: 7's va_per_energy, 14's labour_productivity */
	char buf[RULE_NUM_LEN];
	assert_true(r[6].imputed[2] && !r[6].has_value[2]);
	assert_string_equal(fmt(r[6].score[2], buf), "14.980632516708");
	assert_true(r[13].imputed[4] && !r[13].has_value[4]);
	assert_string_equal(fmt(r[13].score[4], buf), "7.784860607968");
	assert_false(r[14].imputed[5]);   /* 15's rd 0 is a value */
	assert_string_equal(fmt(r[14].score[5], buf), "0");
	/* 1's indicators */
	assert_string_equal(fmt(r[0].value[2], buf), "3.404");
	assert_string_equal(fmt(r[0].score[2], buf), "25.27097253156");
	assert_string_equal(fmt(r[0].value[4], buf), "22.693333333333");
	/* 2's tax_per_mu: 72.291 / 24.097 = 3, capped at 2: 2 x 30 */
	assert_string_equal(fmt(r[1].score[0], buf), "60");
	assert_int_equal(p.basis[0], LAND_BM_DEFAULT);
}

/* thresholds 80/60/40: >= 80 A (2, 1, 4), >= 60 B (7, 14, 6, 13), >= 40 C (3, 8), D (5, 15) */
static void test_zhejiang_thresholds(void **state)
{
	(void)state;
	struct land_params p;
	land_params_default(&p, land_preset_find("zhejiang"), 2025);
	p.classing = LAND_CLASSING_THRESHOLDS;
	p.cls[0] = num("80"), p.cls[1] = num("60"), p.cls[2] = num("40");
	struct land_res r[NENTS];
	struct land_counts c;
	run(&p, 0, r, &c);
	static const struct want w[] = {
		{ 2, 'A', "158.62", 1, 0 }, { 1, 'A', "111.59", 2, 0 }, { 4, 'A', "86.54", 3, 0 },
		{ 7, 'B', "70.66", 4, 0 },  { 14, 'B', "67.23", 5, 0 }, { 6, 'B', "65.82", 6, 0 },
		{ 13, 'B', "65.82", 6, 0 }, { 3, 'C', "48.32", 8, 0 },  { 8, 'C', "47.11", 9, 0 },
		{ 5, 'D', "25.32", 10, 0 }, { 15, 'D', "8.05", 11, 0 }, { 11, 'T', "", 0, "utility" },
	};
	check(r, w, sizeof w / sizeof w[0]);
}

/* tax_per_mu weighted 40 instead of 30: each evaluated enterprise's tax
 * score grows by a third of it (ratio x 10 more): 2: 158.62 + 2 x 10 =
 * 178.62; 1: + 10 = 121.59; 4: + 8 = 94.54; 7: + 7 = 77.66; 6, 13: + 6 =
 * 71.82; 14: + 6 = 73.23; 3: + 5 = 53.32; 8: + 4 = 51.11; 5: + 2.5 =
 * 27.82; 15: + 1 = 9.05 (no tax score is imputed, so the averages of the
 * other indicators do not change) */
static void test_weight_changed(void **state)
{
	(void)state;
	struct land_params p;
	land_params_default(&p, land_preset_find("zhejiang"), 2025);
	p.weight[0] = num("40");
	struct land_res r[NENTS];
	struct land_counts c;
	run(&p, 0, r, &c);
	static const struct want w[] = {
		{ 2, 'A', "178.62", 1, 0 }, { 1, 'A', "121.59", 2, 0 }, { 4, 'B', "94.54", 3, 0 },
		{ 7, 'B', "77.66", 4, 0 },  { 14, 'B', "73.23", 5, 0 }, { 6, 'B', "71.82", 6, 0 },
		{ 13, 'B', "71.82", 6, 0 }, { 3, 'C', "53.32", 8, 0 },  { 8, 'C', "51.11", 9, 0 },
		{ 5, 'C', "27.82", 10, 0 }, { 15, 'D', "9.05", 11, 0 },
	};
	check(r, w, sizeof w / sizeof w[0]);
}

/* scope all: 12 (门类 F) is evaluated too; n = 12: A round(2.4) = 2, B
 * round(4.8) = 5, C round(4.2) = 4, D 1.  The averages of the 黄岩 rule
 * now include 12: 7's va_per_energy = (149.80632516708 + 40) / 11 =
 * 17.255120469735 -> 7: 72.94; 14's labour = (77.84860607968 +
 * 11.02535832415) / 11 = 8.079451309439 -> 14: 67.53 */
static void test_scope_all(void **state)
{
	(void)state;
	struct land_params p;
	land_params_default(&p, land_preset_find("zhejiang"), 2025);
	p.scope = LAND_SCOPE_ALL;
	struct land_res r[NENTS];
	struct land_counts c;
	run(&p, 0, r, &c);
	static const struct want w[] = {
		{ 2, 'A', "158.62", 1, 0 }, { 12, 'A', "116.33", 2, 0 }, { 1, 'B', "111.59", 3, 0 },
		{ 4, 'B', "86.54", 4, 0 },  { 7, 'B', "72.94", 5, 0 },   { 14, 'B', "67.53", 6, 0 },
		{ 6, 'B', "65.82", 7, 0 },  { 13, 'B', "65.82", 7, 0 },  { 3, 'C', "48.32", 9, 0 },
		{ 8, 'C', "47.11", 10, 0 }, { 5, 'C', "25.32", 11, 0 },  { 15, 'D', "8.05", 12, 0 },
	};
	check(r, w, sizeof w / sizeof w[0]);
	assert_int_equal(c.in_scope, 15);
}

/* jiangsu: benchmarks twice the region's ratio of 2024 over the evaluated
 * enterprises with both facts (1, 2, 3):
 *   tax_per_mu 2 x (200 + 1200 + 80) / (10 + 20 + 8) = 2 x 1480 / 38 = 77.8947 (4 decimals)
 *   revenue_per_mu 2 x (4000 + 18000 + 2500) / 38 = 1289.4737
 *   tax_per_energy 2 x 1480 / (400 + 900 + 380) = 1.7619
 * weights 45, 35, 20.  1: 24.097 / 77.8947 x 45 = 13.92090861123, 500 / 1289.4737 x 35 =
 * 13.571428405255, 0.602425 / 1.7619 x 20 = 6.83835631988 -> 34.33; 2: 72.291 (41.762725833735),
 * 1000 (27.14285681051), 1.44582 (16.41205516772) -> 85.32; 7 has no energy: tax_per_energy =
 * the others' average 4.87438038481 -> 9.74463602787 + 18.09523787365 + 4.87438038481 = 32.71 */
static void test_jiangsu_shares(void **state)
{
	(void)state;
	struct land_params p;
	land_params_default(&p, land_preset_find("jiangsu"), 2025);
	struct land_res r[NENTS];
	struct land_counts c;
	run(&p, 0, r, &c);
	char buf[RULE_NUM_LEN];
	assert_string_equal(fmt(p.benchmark[0], buf), "77.8947");
	assert_string_equal(fmt(p.benchmark[1], buf), "1289.4737");
	assert_string_equal(fmt(p.benchmark[2], buf), "1.7619");
	for (int k = 0; k < 3; k++)
		assert_int_equal(p.basis[k], LAND_BM_PRIOR_YEAR);
	/* A 2, B 4 (7, 4, 6 and 13 tied at positions 4-5 inside B), C 4, D 1 */
	static const struct want w[] = {
		{ 2, 'A', "85.32", 1, 0 },  { 1, 'A', "34.33", 2, 0 },  { 7, 'B', "32.71", 3, 0 },
		{ 4, 'B', "29.96", 4, 0 },  { 6, 'B', "26.93", 5, 0 },  { 13, 'B', "26.93", 5, 0 },
		{ 14, 'C', "26.03", 7, 0 }, { 8, 'C', "23.93", 8, 0 },  { 3, 'C', "19.87", 9, 0 },
		{ 5, 'C', "18.42", 10, 0 }, { 15, 'D', "4.65", 11, 0 }, { 10, 'T', "", 0, "too_new" },
	};
	check(r, w, sizeof w / sizeof w[0]);
	assert_true(r[6].imputed[2]);
	assert_string_equal(fmt(r[6].score[2], buf), "4.87438038481");
}

/* jiangsu, thresholds 30/25/20 */
static void test_jiangsu_thresholds(void **state)
{
	(void)state;
	struct land_params p;
	land_params_default(&p, land_preset_find("jiangsu"), 2025);
	p.classing = LAND_CLASSING_THRESHOLDS;
	p.cls[0] = num("30"), p.cls[1] = num("25"), p.cls[2] = num("20");
	struct land_res r[NENTS];
	struct land_counts c;
	run(&p, 0, r, &c);
	static const struct want w[] = {
		{ 2, 'A', "85.32", 1, 0 },  { 1, 'A', "34.33", 2, 0 },  { 7, 'A', "32.71", 3, 0 },
		{ 4, 'B', "29.96", 4, 0 },  { 6, 'B', "26.93", 5, 0 },  { 13, 'B', "26.93", 5, 0 },
		{ 14, 'B', "26.03", 7, 0 }, { 8, 'C', "23.93", 8, 0 },  { 3, 'D', "19.87", 9, 0 },
		{ 5, 'D', "18.42", 10, 0 }, { 15, 'D', "4.65", 11, 0 },
	};
	check(r, w, sizeof w / sizeof w[0]);
}

/* jiangsu without 2024 facts: the current year's ratios over the eleven
 * evaluated: tax 2828.9878 / 119 mu x 2 = 47.5460; revenue 67000 / 119 x 2
 * = 1126.0504; tax of those with energy 2727.7804 / 4900 tce x 2 = 1.1134 */
static void test_jiangsu_current_year(void **state)
{
	(void)state;
	struct land_params p;
	land_params_default(&p, land_preset_find("jiangsu"), 2025);
	p.classing = LAND_CLASSING_THRESHOLDS;
	p.cls[0] = num("30"), p.cls[1] = num("25"), p.cls[2] = num("20");
	struct land_res r[NENTS];
	struct land_counts c;
	run(&p, 1, r, &c);
	char buf[RULE_NUM_LEN];
	assert_string_equal(fmt(p.benchmark[0], buf), "47.546");
	assert_string_equal(fmt(p.benchmark[1], buf), "1126.0504");
	assert_string_equal(fmt(p.benchmark[2], buf), "1.1134");
	assert_int_equal(p.basis[0], LAND_BM_CURRENT_YEAR);
	static const struct want w[] = {
		{ 2, 'A', "125.47", 1, 0 }, { 1, 'A', "49.17", 2, 0 }, { 7, 'A', "44.40", 3, 0 },
		{ 4, 'A', "42.10", 4, 0 },  { 6, 'A', "36.75", 5, 0 }, { 13, 'A', "36.75", 5, 0 },
		{ 14, 'A', "35.72", 7, 0 }, { 8, 'A', "31.58", 8, 0 }, { 3, 'B', "27.39", 9, 0 },
		{ 5, 'C', "23.41", 10, 0 }, { 15, 'D', "6.25", 11, 0 },
	};
	check(r, w, sizeof w / sizeof w[0]);
}

/* A tie straddling a share boundary pushes the better class over its
 * share: shares A 0.3 of 11 = round(3.3) = 3 -> positions 0-2 (2, 1, 4);
 * B 0.3 -> positions 3-5 (7, 14, 6); 13 ties with 6 at position 6 and is
 * B too; C 0.2 = round(2.2) = 2 -> positions 6-7: only 3 is left in it
 * (position 7); D the rest (8, 5, 15). */
static void test_tie_on_boundary(void **state)
{
	(void)state;
	struct land_params p;
	land_params_default(&p, land_preset_find("zhejiang"), 2025);
	p.cls[0] = num("0.3"), p.cls[1] = num("0.3"), p.cls[2] = num("0.2");
	struct land_res r[NENTS];
	struct land_counts c;
	run(&p, 0, r, &c);
	static const struct want w[] = {
		{ 4, 'A', "86.54", 3, 0 },  { 7, 'B', "70.66", 4, 0 }, { 6, 'B', "65.82", 6, 0 },
		{ 13, 'B', "65.82", 6, 0 }, { 3, 'C', "48.32", 8, 0 }, { 8, 'D', "47.11", 9, 0 },
	};
	check(r, w, sizeof w / sizeof w[0]);
	assert_int_equal(c.by_class[1], 4);
	assert_int_equal(c.by_class[2], 1);
	assert_int_equal(c.by_class[3], 3);
}

/* The T rules: min_land 0 makes 9 evaluated; 10 founded 2024 is T in
 * 2025 but not in 2026 (founded on or before 2024-12-31) */
static void test_t_rules(void **state)
{
	(void)state;
	struct land_params p;
	land_params_default(&p, land_preset_find("zhejiang"), 2025);
	p.min_land = num("0");
	struct land_res r[NENTS];
	struct land_counts c;
	run(&p, 0, r, &c);
	assert_int_not_equal(r[8].cls, 'T');
	assert_int_equal(r[9].cls, 'T');
	land_params_default(&p, land_preset_find("zhejiang"), 2026);
	run(&p, 0, r, &c);
	assert_int_not_equal(r[9].cls, 'T');
	assert_int_equal(r[8].cls, 'T');
	assert_int_equal(r[10].cls, 'T');
	assert_int_equal(r[10].reason, LAND_R_UTILITY);
}

static void test_params_check(void **state)
{
	(void)state;
	struct land_params p;
	err_t err;
	land_params_default(&p, land_preset_find("zhejiang"), 2025);
	assert_int_equal(land_params_check(&p, &err), 0);
	p.weight[1] = num("-1");
	assert_int_equal(land_params_check(&p, &err), -1);
	assert_string_equal(err.field, "weights.va_per_mu");
	land_params_default(&p, land_preset_find("zhejiang"), 2025);
	p.cls[0] = num("0.5"), p.cls[1] = num("0.5"), p.cls[2] = num("0.1");
	assert_int_equal(land_params_check(&p, &err), -1);
	assert_string_equal(err.field, "classing");
	p.classing = LAND_CLASSING_THRESHOLDS;
	p.cls[0] = num("50"), p.cls[1] = num("60"), p.cls[2] = num("10");
	assert_int_equal(land_params_check(&p, &err), -1);
	assert_string_equal(err.field, "classing.B");
	land_params_default(&p, land_preset_find("jiangsu"), 2025);
	p.basis[2] = LAND_BM_GIVEN;
	p.benchmark[2] = num("0");
	assert_int_equal(land_params_check(&p, &err), -1);
	assert_string_equal(err.field, "benchmarks.tax_per_energy");
	assert_null(land_preset_find("hubei"));
	assert_int_equal(land_ind_find(land_preset_find("jiangsu"), "revenue_per_mu"), 1);
	assert_int_equal(land_section("c38"), 'C');
	assert_int_equal(land_section(""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zhejiang_shares),  cmocka_unit_test(test_zhejiang_thresholds),
		cmocka_unit_test(test_weight_changed),   cmocka_unit_test(test_scope_all),
		cmocka_unit_test(test_jiangsu_shares),   cmocka_unit_test(test_jiangsu_thresholds),
		cmocka_unit_test(test_jiangsu_current_year), cmocka_unit_test(test_tie_on_boundary),
		cmocka_unit_test(test_t_rules),          cmocka_unit_test(test_params_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
