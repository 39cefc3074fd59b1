/*
 * eval.c -- the per-mu efficiency evaluation (亩均效益综合评价) itself: no
 * SQL, no HTTP.  Enterprises with their facts and land in, classes with
 * their scores out, in exact decimals (struct rule_num), so that a result
 * computed by hand is the result computed here.  docs/land.md is the
 * rulebook; each step below names its rule.
 */
#include "land/land.h"

#include <stdlib.h>
#include <string.h>

const char *const land_fact_names[LAND_NFACTS] = {
	"tax_paid", "revenue", "value_added", "energy_tce", "emissions_t", "employees", "rd_spending",
};
const char *const land_reason_names[4] = { "", "small_land", "too_new", "utility" };

/* 浙政发〔2018〕5号 indicators, the 黄岩区 benchmarks; 淮安 2024 (benchmarks
 * derived: twice the region's ratio of the year before). */
static const struct land_preset presets[] = {
	{ "zhejiang", 6, {
		{ "tax_per_mu", "亩均税收", "tax per mu", "万元/亩", "10k yuan/mu", LAND_F_TAX, LAND_F_LAND, "30", "24.097",
		  "weights.tax_per_mu", "benchmarks.tax_per_mu" },
		{ "va_per_mu", "亩均增加值", "value added per mu", "万元/亩", "10k yuan/mu", LAND_F_VA, LAND_F_LAND, "20",
		  "136.16",
		  "weights.va_per_mu", "benchmarks.va_per_mu" },
		{ "va_per_energy", "单位能耗增加值", "value added per tce", "万元/吨标煤", "10k yuan/tce", LAND_F_VA,
		  LAND_F_ENERGY, "20", "2.694",
		  "weights.va_per_energy", "benchmarks.va_per_energy" },
		{ "va_per_emission", "单位排放增加值", "value added per tonne emitted", "万元/吨", "10k yuan/t", LAND_F_VA,
		  LAND_F_EMISSIONS, "10", "4929.81",
		  "weights.va_per_emission", "benchmarks.va_per_emission" },
		{ "labour_productivity", "全员劳动生产率", "labour productivity", "万元/人", "10k yuan/person", LAND_F_VA,
		  LAND_F_EMPLOYEES, "10", "18.14",
		  "weights.labour_productivity", "benchmarks.labour_productivity" },
		{ "rd_ratio", "研发经费支出与主营业务收入之比", "R&D spending to revenue", "", "", LAND_F_RD, LAND_F_REVENUE,
		  "10", "0.0302",
		  "weights.rd_ratio", "benchmarks.rd_ratio" },
	} },
	{ "jiangsu", 3, {
		{ "tax_per_mu", "亩均税收", "tax per mu", "万元/亩", "10k yuan/mu", LAND_F_TAX, LAND_F_LAND, "45", NULL,
		  "weights.tax_per_mu", "benchmarks.tax_per_mu" },
		{ "revenue_per_mu", "亩均营业收入", "revenue per mu", "万元/亩", "10k yuan/mu", LAND_F_REVENUE, LAND_F_LAND,
		  "35", NULL,
		  "weights.revenue_per_mu", "benchmarks.revenue_per_mu" },
		{ "tax_per_energy", "单位能耗税收", "tax per tce", "万元/吨标煤", "10k yuan/tce", LAND_F_TAX, LAND_F_ENERGY,
		  "20", NULL,
		  "weights.tax_per_energy", "benchmarks.tax_per_energy" },
	} },
};

const struct land_preset *land_preset_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof presets / sizeof presets[0]; i++)
		if (strcmp(presets[i].name, name) == 0)
			return &presets[i];
	return NULL;
}

int land_ind_find(const struct land_preset *ps, const char *name)
{
	for (int k = 0; name && k < ps->n; k++)
		if (strcmp(ps->ind[k].name, name) == 0)
			return k;
	return -1;
}

static struct rule_num num_of(const char *s)
{
	struct rule_num n = { 0 };
	rule_num_parse(s, &n);
	return n;
}

void land_params_default(struct land_params *p, const struct land_preset *ps, int year)
{
	memset(p, 0, sizeof *p);
	p->preset = ps;
	p->year = year;
	p->scope = LAND_SCOPE_INDUSTRIAL;
	p->classing = LAND_CLASSING_SHARES;
	for (int k = 0; k < ps->n; k++) {
		p->weight[k] = num_of(ps->ind[k].weight);
		p->benchmark[k] = num_of(ps->ind[k].benchmark ? ps->ind[k].benchmark : "0");
		p->basis[k] = LAND_BM_DEFAULT;
	}
	p->cap = rule_num_int(2);
	p->min_land = rule_num_int(3);
	p->cls[0] = num_of("0.2");
	p->cls[1] = num_of("0.4");
	p->cls[2] = num_of("0.35");
}

static int bad(err_t *err, const char *field, const char *what)
{
	err_set(err, 422, "invalid_parameter", field, "%s must be %s", field, what);
	return err_param(err, "field", "%s", field);
}

int land_params_check(const struct land_params *p, err_t *err)
{
	struct rule_num zero = rule_num_int(0), one = rule_num_int(1);
	for (int k = 0; k < p->preset->n; k++) {
		if (rule_num_cmp(p->weight[k], zero) < 0) {
			err_set(err, 422, "invalid_parameter", p->preset->ind[k].wfield,
			        "the weight of %s must be 0 or more", p->preset->ind[k].name);
			return err_param(err, "indicator", "%s", p->preset->ind[k].name);
		}
		if (p->basis[k] == LAND_BM_GIVEN && rule_num_cmp(p->benchmark[k], zero) <= 0) {
			err_set(err, 422, "invalid_parameter", p->preset->ind[k].bfield,
			        "the benchmark of %s must be more than 0", p->preset->ind[k].name);
			return err_param(err, "indicator", "%s", p->preset->ind[k].name);
		}
	}
	if (rule_num_cmp(p->cap, zero) <= 0)
		return bad(err, "cap", "more than 0");
	if (rule_num_cmp(p->min_land, zero) < 0)
		return bad(err, "min_land_mu", "0 or more");
	static const char *const cf[3] = { "classing.A", "classing.B", "classing.C" };
	if (p->classing == LAND_CLASSING_THRESHOLDS) {
		if (rule_num_cmp(p->cls[0], p->cls[1]) < 0)
			return bad(err, cf[1], "at most A");
		if (rule_num_cmp(p->cls[1], p->cls[2]) < 0)
			return bad(err, cf[2], "at most B");
		return 0;
	}
	struct rule_num sum = zero;
	for (int c = 0; c < 3; c++) {
		if (rule_num_cmp(p->cls[c], zero) < 0 || rule_num_cmp(p->cls[c], one) > 0)
			return bad(err, cf[c], "a share between 0 and 1");
		rule_num_add(sum, p->cls[c], &sum);
	}
	if (rule_num_cmp(sum, one) > 0)
		return bad(err, "classing", "shares A + B + C of at most 1");
	return 0;
}

char land_section(const char *industry)
{
	if (industry == NULL)
		return 0;
	char c = industry[0];
	if (c >= 'a' && c <= 't')
		c = (char)(c - 'a' + 'A');
	return c >= 'A' && c <= 'T' ? c : 0;
}

void land_section_label(char section, const char **zh, const char **en)
{
	static const char *const labels[20][2] = {
		{ "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery" },
		{ "采矿业", "Mining" },
		{ "制造业", "Manufacturing" },
		{ "电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water supply" },
		{ "建筑业", "Construction" },
		{ "批发和零售业", "Wholesale and retail trade" },
		{ "交通运输、仓储和邮政业", "Transport, storage and post" },
		{ "住宿和餐饮业", "Accommodation and catering" },
		{ "信息传输、软件和信息技术服务业", "Information transmission, software and IT services" },
		{ "金融业", "Finance" },
		{ "房地产业", "Real estate" },
		{ "租赁和商务服务业", "Leasing and business services" },
		{ "科学研究和技术服务业", "Scientific research and technical services" },
		{ "水利、环境和公共设施管理业", "Water conservancy, environment and public facilities" },
		{ "居民服务、修理和其他服务业", "Resident, repair and other services" },
		{ "教育", "Education" },
		{ "卫生和社会工作", "Health and social work" },
		{ "文化、体育和娱乐业", "Culture, sports and entertainment" },
		{ "公共管理、社会保障和社会组织", "Public administration, social security and social organisations" },
		{ "国际组织", "International organisations" },
	};
	if (section >= 'A' && section <= 'T') {
		*zh = labels[section - 'A'][0];
		*en = labels[section - 'A'][1];
	} else {
		*zh = "未分类";
		*en = "Unclassified";
	}
}

/* ---- step 1: scope and class T ---- */

static void classify_t(const struct land_ent *e, const struct land_params *p, struct land_res *r)
{
	memset(r, 0, sizeof *r);
	char s = land_section(e->industry);
	if (p->scope == LAND_SCOPE_INDUSTRIAL && s != 'B' && s != 'C' && s != 'D')
		return;                 /* out of scope: not listed */
	r->cls = '?';               /* in scope, class to come */
	if (s == 'D')
		r->reason = LAND_R_UTILITY;
	else if (e->founded_year > p->year - 2)
		r->reason = LAND_R_TOO_NEW;   /* founded after 31 December of year - 2 */
	else if (rule_num_cmp(e->land, p->min_land) < 0)
		r->reason = LAND_R_SMALL_LAND;
	if (r->reason != LAND_R_NONE)
		r->cls = 'T';
}

/* ---- step 2: benchmarks derived from the facts (jiangsu) ---- */

static struct rule_num side(const struct land_ent *e, int f, int prev, int *has)
{
	if (f == LAND_F_LAND) {
		*has = 1;
		return e->land;
	}
	*has = prev ? e->has_prev[f] : e->has[f];
	return prev ? e->prev[f] : e->fact[f];
}

/* The region's ratio: sum of numerators / sum of denominators over the
 * evaluated enterprises that have both (and a denominator not zero).
 * -1 when none has them. */
static int region_ratio(const struct land_ent *e, const struct land_res *r, size_t n, const struct land_ind_def *d,
                        int prev, struct rule_num *out)
{
	struct rule_num sn = { 0 }, sd = { 0 };
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].cls != '?')
			continue;
		int hn, hd;
		struct rule_num a = side(&e[i], d->num, prev, &hn), b = side(&e[i], d->den, prev, &hd);
		if (!hn || !hd || b.v == 0)
			continue;
		if (rule_num_add(sn, a, &sn) < 0 || rule_num_add(sd, b, &sd) < 0)
			return -1;
		count++;
	}
	if (count == 0 || sd.v == 0)
		return -1;
	return rule_num_div(sn, sd, out);
}

static void derive_benchmarks(const struct land_ent *e, const struct land_res *r, size_t n, struct land_params *p)
{
	for (int k = 0; k < p->preset->n; k++) {
		if (p->basis[k] == LAND_BM_GIVEN || p->preset->ind[k].benchmark != NULL)
			continue;
		struct rule_num ratio, twice;
		int basis = LAND_BM_PRIOR_YEAR;
		if (region_ratio(e, r, n, &p->preset->ind[k], 1, &ratio) < 0) {
			basis = LAND_BM_CURRENT_YEAR;
			if (region_ratio(e, r, n, &p->preset->ind[k], 0, &ratio) < 0)
				basis = LAND_BM_NONE;
		}
		/* twice the ratio, rounded to 4 decimals (half up) so that the
		 * stored benchmark is the one used */
		if (basis == LAND_BM_NONE || rule_num_mul(ratio, rule_num_int(2), &twice) < 0 ||
		    rule_num_round(twice, 4, &p->benchmark[k]) < 0 || p->benchmark[k].v <= 0) {
			basis = LAND_BM_NONE;
			p->benchmark[k] = rule_num_int(0);
		}
		p->basis[k] = basis;
	}
}

/* ---- step 3: values and scores, the 黄岩 rule ---- */

static void score_one(const struct land_ent *e, const struct land_params *p, struct land_res *r)
{
	for (int k = 0; k < p->preset->n; k++) {
		const struct land_ind_def *d = &p->preset->ind[k];
		int hn, hd;
		struct rule_num a = side(e, d->num, 0, &hn), b = side(e, d->den, 0, &hd), ratio;
		r->has_value[k] = hn && hd && b.v != 0 && rule_num_div(a, b, &r->value[k]) == 0;
		/* weight x min(value / benchmark, cap); a value missing (or out
		 * of range) is scored by impute() */
		if (!r->has_value[k] || p->benchmark[k].v <= 0 || rule_num_div(r->value[k], p->benchmark[k], &ratio) < 0 ||
		    rule_num_mul(rule_num_cmp(ratio, p->cap) > 0 ? p->cap : ratio, p->weight[k], &r->score[k]) < 0)
			r->imputed[k] = 1;
	}
}

/* The 黄岩 rule: an indicator an enterprise lacks scores the average
 * score of the evaluated enterprises that have it (0 when none has). */
static void impute(size_t n, const struct land_params *p, struct land_res *r)
{
	for (int k = 0; k < p->preset->n; k++) {
		struct rule_num sum = { 0 }, avg = { 0 };
		size_t count = 0;
		for (size_t i = 0; i < n; i++)
			if (r[i].cls == '?' && !r[i].imputed[k] && rule_num_add(sum, r[i].score[k], &sum) == 0)
				count++;
		if (count > 0 && rule_num_div(sum, rule_num_int((int64_t)count), &avg) < 0)
			avg = rule_num_int(0);
		for (size_t i = 0; i < n; i++)
			if (r[i].cls == '?' && r[i].imputed[k])
				r[i].score[k] = avg;
	}
}

/* ---- step 4: total, rank, class ---- */

struct order {
	struct rule_num total;
	int64_t id;
	size_t i;
};

static int by_total(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	int c = rule_num_cmp(y->total, x->total);
	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* round(share * n), half up */
static size_t share_count(struct rule_num share, size_t n)
{
	struct rule_num x, r;
	if (rule_num_mul(share, rule_num_int((int64_t)n), &x) < 0 || rule_num_round(x, 0, &r) < 0)
		return 0;
	char buf[RULE_NUM_LEN];
	rule_num_format(r, buf);
	long long c = atoll(buf);
	return c < 0 ? 0 : (size_t)c;
}

static char class_by_threshold(const struct land_params *p, struct rule_num total)
{
	for (int c = 0; c < 3; c++)
		if (rule_num_cmp(total, p->cls[c]) >= 0)
			return (char)('A' + c);
	return 'D';
}

static void rank_and_class(struct order *o, size_t m, const struct land_params *p, struct land_res *r)
{
	qsort(o, m, sizeof *o, by_total);
	/* the shares' cumulative boundaries: positions [0, b[0]) are A,
	 * [b[0], b[1]) B, [b[1], b[2]) C, the rest D */
	size_t b[3], acc = 0;
	for (int c = 0; c < 3; c++) {
		acc += p->classing == LAND_CLASSING_SHARES ? share_count(p->cls[c], m) : 0;
		b[c] = acc > m ? m : acc;
	}
	size_t first = 0;   /* the first position of the current run of equal totals */
	for (size_t j = 0; j < m; j++) {
		if (j > 0 && rule_num_cmp(o[j].total, o[j - 1].total) != 0)
			first = j;
		struct land_res *x = &r[o[j].i];
		x->rank = (int)first + 1;
		if (p->classing == LAND_CLASSING_THRESHOLDS) {
			x->cls = class_by_threshold(p, x->total);
			continue;
		}
		/* equal totals take the class of the run's first position: the
		 * better class; the boundaries after it do not move */
		int c = 0;
		while (c < 3 && first >= b[c])
			c++;
		x->cls = (char)('A' + c);
	}
}

int land_evaluate(const struct land_ent *e, size_t n, struct land_params *p, struct land_res *out,
                  struct land_counts *counts, err_t *err)
{
	memset(counts, 0, sizeof *counts);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		classify_t(&e[i], p, &out[i]);
		m += out[i].cls == '?';
	}
	derive_benchmarks(e, out, n, p);
	for (size_t i = 0; i < n; i++)
		if (out[i].cls == '?')
			score_one(&e[i], p, &out[i]);
	impute(n, p, out);
	struct order *o = malloc((m ? m : 1) * sizeof *o);
	if (o == NULL)
		return err_set(err, 500, "out_of_memory", NULL, "out of memory evaluating %zu enterprises", n);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (out[i].cls != '?')
			continue;
		struct rule_num sum = { 0 };
		for (int k = 0; k < p->preset->n; k++)
			rule_num_add(sum, out[i].score[k], &sum);
		rule_num_round(sum, 2, &out[i].total);
		o[j].total = out[i].total;
		o[j].id = e[i].id;
		o[j].i = i;
		j++;
	}
	rank_and_class(o, m, p, out);
	free(o);
	static const char cls[] = "ABCDT";
	for (size_t i = 0; i < n; i++) {
		if (out[i].cls == 0)
			continue;
		counts->in_scope++;
		counts->evaluated += out[i].cls != 'T';
		counts->by_class[strchr(cls, out[i].cls) - cls]++;
	}
	return 0;
}
