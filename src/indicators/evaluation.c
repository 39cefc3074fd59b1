/*
 * evaluation.c -- the evaluation of one period (1-M月累计 of year Y) over
 * all regions, and the report paragraph written from it.
 *
 * Design: one query reads the values of (Y, M) and (Y-1, M), one the
 * targets of Y; everything else is arithmetic in memory, so the API, the
 * report paragraph and the bulletin (bulletin.c) share ind_evaluate().
 * Comparisons are exact: values are integers (万元), growth and share are
 * compared as fractions by cross-multiplying in 128 bits, so ranks use
 * the unrounded figures and equal figures share the best rank.  Printed
 * numbers are rounded half away from zero from the exact integers, never
 * from a double.
 */
#include "indicators.h"

#include "admin/admin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct ind_def ind_catalogue[IND_COUNT] = {
	{ "budget_revenue", "一般公共预算收入", "亿元", "General public budget revenue", "100m CNY" },
	{ "tax_revenue", "税收收入", "亿元", "Tax revenue", "100m CNY" },
	{ "industrial_sales", "工业应税销售", "亿元", "Industrial taxable sales", "100m CNY" },
	{ "service_sales", "服务业应税销售", "亿元", "Service taxable sales", "100m CNY" },
	{ "fdi_utilised", "实际利用外资", "亿美元", "Utilised foreign investment", "100m USD" },
	{ "trade_total", "进出口总额", "亿元", "Total imports and exports", "100m CNY" },
};

int ind_find(const char *code)
{
	for (int k = 0; code && k < IND_COUNT; k++)
		if (strcmp(ind_catalogue[k].code, code) == 0)
			return k;
	return -1;
}

int ind_latest_period(db_t *db, int *year, int *month)
{
	db_stmt_t *st = db_prepare(db, "SELECT year, month FROM indicator_values ORDER BY year DESC, month DESC LIMIT 1");
	if (st == NULL)
		return DB_ERR;
	int rc = db_step(st), found = 0;
	if (rc == DB_ROW) {
		*year = (int)db_col_int(st, 0);
		*month = (int)db_col_int(st, 1);
		found = 1;
	}
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return rc;
	return found;
}

/* ---- numbers ---- */

/* num / den rounded half away from zero; den > 0. */
static int64_t round_div(__int128 num, __int128 den)
{
	int neg = num < 0;
	if (neg)
		num = -num;
	__int128 q = (2 * num + den) / (2 * den);
	return (int64_t)(neg ? -q : q);
}

int64_t ind_growth_permille(int64_t value, int64_t prev)
{
	return round_div((__int128)(value - prev) * 1000, prev);
}

void ind_fmt_value(char *buf, size_t n, int64_t wan)
{
	int64_t h = round_div(wan, 100);   /* hundredths of 亿 */
	const char *sign = h < 0 ? "-" : "";
	if (h < 0)
		h = -h;
	long long whole = (long long)(h / 100), frac = (long long)(h % 100);
	if (frac == 0)
		snprintf(buf, n, "%s%lld", sign, whole);
	else if (frac % 10 == 0)
		snprintf(buf, n, "%s%lld.%lld", sign, whole, frac / 10);
	else
		snprintf(buf, n, "%s%lld.%02lld", sign, whole, frac);
}

void ind_fmt_growth(char *buf, size_t n, int64_t value, int64_t prev)
{
	int64_t pm = ind_growth_permille(value, prev);
	if (pm < 0)
		pm = -pm;
	if (pm % 10)
		snprintf(buf, n, "%lld.%lld", (long long)(pm / 10), (long long)(pm % 10));
	else
		snprintf(buf, n, "%lld", (long long)(pm / 10));
}

void ind_fmt_rank(char *buf, size_t n, int rank)
{
	static const char *const D[10] = { "零", "一", "二", "三", "四", "五", "六", "七", "八", "九" };
	static const char *const U[4] = { "千", "百", "十", "" };
	if (rank < 1 || rank > 9999) {
		snprintf(buf, n, "%d", rank);
		return;
	}
	int d[4] = { rank / 1000, rank / 100 % 10, rank / 10 % 10, rank % 10 };
	size_t len = 0;
	int started = 0, zero = 0;
	buf[0] = '\0';
	for (int i = 0; i < 4; i++) {
		if (d[i] == 0) {
			zero = started;
			continue;
		}
		/* 十一 not 一十一 when the tens lead */
		const char *digit = (i == 2 && !started && d[i] == 1) ? "" : D[d[i]];
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s%s", zero ? D[0] : "", digit, U[i]);
		started = 1;
		zero = 0;
	}
}

int ind_top_ranks(db_t *db)
{
	char *v = setting_get(db, "report.top_ranks");
	int top = v ? atoi(v) : 3;
	free(v);
	return top >= 1 ? top : 3;
}

/* ---- ranks ---- */

struct frac {
	int idx;
	int64_t num, den;   /* den > 0 */
};

static int frac_desc(const void *a, const void *b)
{
	const struct frac *x = a, *y = b;
	__int128 l = (__int128)x->num * y->den, r = (__int128)y->num * x->den;
	if (l != r)
		return l > r ? -1 : 1;
	return x->idx - y->idx;
}

static int frac_eq(const struct frac *x, const struct frac *y)
{
	return (__int128)x->num * y->den == (__int128)y->num * x->den;
}

/* Sort f (n entries) and write each entry's rank (1 = highest, ties share
 * the best) through rank_of(idx). */
static void rank_fracs(struct frac *f, int n, int *ranks, size_t stride)
{
	qsort(f, (size_t)n, sizeof *f, frac_desc);
	int rank = 0;
	for (int i = 0; i < n; i++) {
		if (i == 0 || !frac_eq(&f[i], &f[i - 1]))
			rank = i + 1;
		*(int *)((char *)ranks + (size_t)f[i].idx * stride) = rank;
	}
}

/* ---- evaluation ---- */

struct id_idx {
	int64_t id;
	int idx;
};

static int id_cmp(const void *a, const void *b)
{
	const struct id_idx *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int region_index(const struct id_idx *map, int n, int64_t id)
{
	struct id_idx key = { id, 0 };
	const struct id_idx *hit = bsearch(&key, map, (size_t)n, sizeof *map, id_cmp);
	return hit ? hit->idx : -1;
}

void ind_eval_free(struct ind_eval *e)
{
	if (e->regions)
		for (int i = 0; i < e->nregions; i++)
			free(e->regions[i].name);
	free(e->regions);
	for (int k = 0; k < IND_COUNT; k++)
		free(e->cell[k]);
	free(e->share);
	memset(e, 0, sizeof *e);
	e->zone = -1;
}

static int load_regions(db_t *db, struct ind_eval *e)
{
	db_stmt_t *st = db_prepare(db, "SELECT id, name, is_zone FROM regions ORDER BY sort, id");
	if (st == NULL)
		return DB_ERR;
	int rc, cap = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		if (e->nregions == cap) {
			cap = cap ? cap * 2 : 16;
			struct ind_region *g = realloc(e->regions, (size_t)cap * sizeof *g);
			if (g == NULL) {
				rc = DB_ERR;
				break;
			}
			e->regions = g;
		}
		struct ind_region *g = &e->regions[e->nregions];
		g->id = db_col_int(st, 0);
		g->name = strdup(db_col_text(st, 1));
		g->is_zone = db_col_int(st, 2) != 0;
		if (g->name == NULL) {
			rc = DB_ERR;
			break;
		}
		e->nregions++;
	}
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

static int load_values(db_t *db, struct ind_eval *e, const struct id_idx *map)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT region_id, indicator, year, value FROM indicator_values"
		" WHERE year IN ($1, $2) AND month = $3");  /* IN, not BETWEEN: SQLite then seeks the two
		                                            * (year, month) ranges instead of walking two years */
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, e->year - 1);
	db_bind_int(st, 2, e->year);
	db_bind_int(st, 3, e->month);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		int i = region_index(map, e->nregions, db_col_int(st, 0));
		int k = ind_find(db_col_text(st, 1));
		if (i < 0 || k < 0)
			continue;
		struct ind_cell *c = &e->cell[k][i];
		if (db_col_int(st, 2) == e->year) {
			c->has_value = 1;
			c->value = db_col_int(st, 3);
		} else {
			c->has_prev = 1;
			c->prev = db_col_int(st, 3);
		}
	}
	db_done(st);
	if (rc != DB_DONE)
		return rc;

	st = db_prepare(db, "SELECT region_id, indicator, value FROM indicator_targets WHERE year = $1");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, e->year);
	while ((rc = db_step(st)) == DB_ROW) {
		int i = region_index(map, e->nregions, db_col_int(st, 0));
		int k = ind_find(db_col_text(st, 1));
		if (i < 0 || k < 0)
			continue;
		e->cell[k][i].has_target = 1;
		e->cell[k][i].target = db_col_int(st, 2);
	}
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

static void find_zone(db_t *db, struct ind_eval *e)
{
	char *name = setting_get(db, "zone.name");
	e->zone = -1;
	for (int i = 0; name && *name && i < e->nregions && e->zone < 0; i++)
		if (strcmp(e->regions[i].name, name) == 0)
			e->zone = i;
	for (int i = 0; i < e->nregions && e->zone < 0; i++)
		if (e->regions[i].is_zone)
			e->zone = i;
	free(name);
}

/* Growth, progress, ranks and tax shares from the loaded values. */
static int compute(struct ind_eval *e)
{
	int n = e->nregions;
	struct frac *f = malloc((size_t)(n ? n : 1) * sizeof *f);
	if (f == NULL)
		return DB_ERR;
	for (int k = 0; k < IND_COUNT; k++) {
		struct ind_cell *c = e->cell[k];
		int nt = 0;
		for (int i = 0; i < n; i++) {
			if (!c[i].has_value)
				continue;
			if (c[i].has_prev && c[i].prev > 0) {
				c[i].has_growth = 1;
				c[i].growth = ((double)c[i].value / (double)c[i].prev - 1.0) * 100.0;
			}
			if (c[i].has_target && c[i].target > 0)
				c[i].progress = (double)c[i].value * 100.0 / (double)c[i].target;
			f[nt++] = (struct frac){ i, c[i].value, 1 };
		}
		rank_fracs(f, nt, &c[0].rank_total, sizeof *c);
		int ng = 0;
		for (int i = 0; i < n; i++)
			if (c[i].has_growth)
				f[ng++] = (struct frac){ i, c[i].value, c[i].prev };
		rank_fracs(f, ng, &c[0].rank_growth, sizeof *c);
	}
	int ns = 0;
	for (int i = 0; i < n; i++) {
		const struct ind_cell *b = &e->cell[IND_BUDGET][i], *t = &e->cell[IND_TAX][i];
		if (b->has_value && t->has_value && b->value > 0) {
			e->share[i].has = 1;
			e->share[i].share = (double)t->value * 100.0 / (double)b->value;
			f[ns++] = (struct frac){ i, t->value, b->value };
		}
	}
	rank_fracs(f, ns, &e->share[0].rank, sizeof *e->share);
	free(f);
	return DB_OK;
}

int ind_evaluate(db_t *db, int year, int month, struct ind_eval *e)
{
	memset(e, 0, sizeof *e);
	e->zone = -1;
	e->year = year;
	e->month = month;
	struct id_idx *map = NULL;
	int rc = load_regions(db, e);
	if (rc != DB_OK)
		goto out;
	rc = DB_ERR;
	size_t n = (size_t)(e->nregions ? e->nregions : 1);
	map = malloc(n * sizeof *map);
	e->share = calloc(n, sizeof *e->share);
	if (map == NULL || e->share == NULL)
		goto out;
	for (int k = 0; k < IND_COUNT; k++)
		if ((e->cell[k] = calloc(n, sizeof *e->cell[k])) == NULL)
			goto out;
	for (int i = 0; i < e->nregions; i++)
		map[i] = (struct id_idx){ e->regions[i].id, i };
	qsort(map, (size_t)e->nregions, sizeof *map, id_cmp);
	if ((rc = load_values(db, e, map)) != DB_OK)
		goto out;
	find_zone(db, e);
	rc = compute(e);
out:
	free(map);
	if (rc != DB_OK) {
		ind_eval_free(e);
		e->year = year;
		e->month = month;
	}
	return rc;
}

/* ---- the report paragraph ---- */

static void rank_part(buf_t *b, const struct ind_cell *c, int top)
{
	int a = c->rank_total >= 1 && c->rank_total <= top ? c->rank_total : 0;
	int g = c->has_growth && c->rank_growth >= 1 && c->rank_growth <= top ? c->rank_growth : 0;
	char ra[32], rg[32];
	ind_fmt_rank(ra, sizeof ra, a);
	ind_fmt_rank(rg, sizeof rg, g);
	if (a && g && a != g)
		buf_printf(b, "，总量、增幅分别居全市第%s和第%s", ra, rg);
	else if (a && g)
		buf_printf(b, "，总量、增幅均居全市第%s", ra);
	else if (a)
		buf_printf(b, "，总量全市第%s", ra);
	else if (g)
		buf_printf(b, "，增幅列全市第%s", rg);
}

char *ind_report_text(const struct ind_eval *e, int top)
{
	buf_t b;
	buf_init(&b);
	if (e->zone < 0)
		return buf_steal(&b);
	int z = e->zone, clauses = 0;
	for (int k = 0; k < IND_COUNT; k++) {
		const struct ind_cell *c = &e->cell[k][z];
		if (k == IND_TAX || !c->has_value)
			continue;
		if (clauses++ == 0) {
			if (e->month == 1)
				buf_puts(&b, "1月，");
			else
				buf_printf(&b, "1-%d月，", e->month);
			buf_printf(&b, "%s完成", e->regions[z].name);
		} else {
			buf_puts(&b, "；");
		}
		char v[48];
		ind_fmt_value(v, sizeof v, c->value);
		buf_printf(&b, "%s%s%s", ind_catalogue[k].name, v, ind_catalogue[k].unit);
		if (c->has_growth) {
			int64_t pm = ind_growth_permille(c->value, c->prev);
			char g[48];
			ind_fmt_growth(g, sizeof g, c->value, c->prev);
			if (pm > 0)
				buf_printf(&b, "，增长%s%%", g);
			else if (pm < 0)
				buf_printf(&b, "，下降%s%%", g);
			else
				buf_puts(&b, "，持平");
		}
		rank_part(&b, c, top);
		if (k == IND_BUDGET && e->share[z].has) {
			const struct ind_cell *t = &e->cell[IND_TAX][z];
			long long s = (long long)round_div((__int128)t->value * 100, c->value);
			buf_printf(&b, "，其中税占比%lld%%", s);
			if (e->share[z].rank >= 1 && e->share[z].rank <= top) {
				char r[32];
				ind_fmt_rank(r, sizeof r, e->share[z].rank);
				buf_printf(&b, "，列全市第%s", r);
			}
		}
	}
	if (clauses)
		buf_puts(&b, "。");
	if (b.data == NULL && clauses) {   /* out of memory on the way */
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ---- the API ---- */

/* The period of the query (?period=YYYY-MM, default: the latest with
 * data).  1 with year/month, 0 when there is no data (and no period was
 * asked), -1 after replying. */
static int query_period(req_t *r, int *year, int *month)
{
	const char *p = req_query(r, "period");
	if (p != NULL) {
		if (month_parse(p, year, month) < 0) {
			reply_error(r, 422, "invalid_parameter", "period",
			            "period must be YYYY-MM with a year from %d to %d and a month from 01 to 12", DATE_YEAR_MIN, DATE_YEAR_MAX);
			return -1;
		}
		return 1;
	}
	int rc = ind_latest_period(r->db, year, month);
	if (rc < 0) {
		reply_db_error(r, rc, "reading indicators");
		return -1;
	}
	return rc;
}

/* 亿 from 万, exactly as stored (4 decimals). */
static json_t *yi(int64_t wan)
{
	return json_real((double)wan / 10000.0);
}

/* num / den in percent, rounded half away from zero to 0.1 (exactly,
 * from the integers); den > 0. */
static json_t *percent1(int64_t num, int64_t den)
{
	return json_real((double)round_div((__int128)num * 1000, den) / 10.0);
}

static json_t *eval_json(const struct ind_eval *e, int have)
{
	json_t *o = json_object();
	if (have) {
		char period[16];
		snprintf(period, sizeof period, "%04d-%02d", e->year, e->month);
		json_object_set_new(o, "period", json_string(period));
		json_object_set_new(o, "year", json_integer(e->year));
		json_object_set_new(o, "month", json_integer(e->month));
		/* 时序进度 of the data month, in percent to 0.1 (docs/time-progress.md) */
		json_object_set_new(o, "time_progress", json_real(round(time_progress(e->month) * 1000.0) / 10.0));
	} else {
		json_object_set_new(o, "period", json_null());
		json_object_set_new(o, "year", json_null());
		json_object_set_new(o, "month", json_null());
		json_object_set_new(o, "time_progress", json_null());
	}
	json_object_set_new(o, "zone_region_id", e->zone >= 0 ? json_integer(e->regions[e->zone].id) : json_null());
	json_t *inds = json_array();
	for (int k = 0; k < IND_COUNT; k++) {
		json_t *regions = json_array();
		for (int i = 0; i < e->nregions && have; i++) {
			const struct ind_cell *c = &e->cell[k][i];
			if (!c->has_value)
				continue;
			json_t *g = json_object();
			json_object_set_new(g, "region_id", json_integer(e->regions[i].id));
			json_object_set_new(g, "name", json_string(e->regions[i].name));
			json_object_set_new(g, "is_zone", json_boolean(i == e->zone));
			json_object_set_new(g, "value", yi(c->value));
			json_object_set_new(g, "growth", c->has_growth ? json_real((double)ind_growth_permille(c->value, c->prev) / 10.0) : json_null());
			json_object_set_new(g, "rank_total", json_integer(c->rank_total));
			json_object_set_new(g, "rank_growth", c->has_growth ? json_integer(c->rank_growth) : json_null());
			json_object_set_new(g, "target", c->has_target ? yi(c->target) : json_null());
			json_object_set_new(g, "progress", c->has_target && c->target > 0 ? percent1(c->value, c->target) : json_null());
			json_array_append_new(regions, g);
		}
		json_array_append_new(inds, json_pack("{s:s,s:s,s:s,s:o}", "code", ind_catalogue[k].code,
			"name", ind_catalogue[k].name, "unit", ind_catalogue[k].unit, "regions", regions));
	}
	json_object_set_new(o, "indicators", inds);
	json_t *shares = json_array();
	for (int i = 0; i < e->nregions && have; i++) {
		if (!e->share[i].has)
			continue;
		json_array_append_new(shares, json_pack("{s:I,s:s,s:b,s:o,s:i}", "region_id", (json_int_t)e->regions[i].id,
			"name", e->regions[i].name, "is_zone", i == e->zone, "share", percent1(e->cell[IND_TAX][i].value, e->cell[IND_BUDGET][i].value),
			"rank", e->share[i].rank));
	}
	json_object_set_new(o, "tax_share", shares);
	return o;
}

void api_indicator_evaluation(req_t *r)
{
	int year = 0, month = 0;
	int have = query_period(r, &year, &month);
	if (have < 0)
		return;
	struct ind_eval e;
	int rc = ind_evaluate(r->db, have ? year : DATE_YEAR_MIN, have ? month : 1, &e);
	if (rc != DB_OK) {
		reply_db_error(r, rc, "evaluating indicators");
		return;
	}
	json_t *o = eval_json(&e, have);
	ind_eval_free(&e);
	reply_json(r, 200, o);
}

void api_indicator_report(req_t *r)
{
	int year = 0, month = 0;
	int have = query_period(r, &year, &month);
	if (have < 0)
		return;
	if (!have) {
		reply_json(r, 200, json_pack("{s:n,s:s}", "period", "text", ""));
		return;
	}
	struct ind_eval e;
	int rc = ind_evaluate(r->db, year, month, &e);
	if (rc != DB_OK) {
		reply_db_error(r, rc, "evaluating indicators");
		return;
	}
	char *text = ind_report_text(&e, ind_top_ranks(r->db));
	ind_eval_free(&e);
	if (text == NULL) {
		reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	char period[16];
	snprintf(period, sizeof period, "%04d-%02d", year, month);
	reply_json(r, 200, json_pack("{s:s,s:s}", "period", period, "text", text));
	free(text);
}
