/*
 * measures.c -- the differentiated measures the classes drive (差别化措施):
 * an electricity surcharge for enterprises in class D in consecutive
 * final years, and its list for the power utility (XLSX).  A year's class
 * is the final class of the year's latest final evaluation.
 */
#include "land/land.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

/* 元/kWh after 1, 2, 3 or more consecutive final years in class D */
static const char *const RATES[3] = { "0.05", "0.10", "0.15" };

const char *land_surcharge(int years_in_d)
{
	return years_in_d <= 0 ? NULL : RATES[years_in_d > 3 ? 2 : years_in_d - 1];
}

json_t *land_rates_json(void)
{
	json_t *a = json_array();
	for (int i = 0; i < 3; i++) {
		struct rule_num n;
		rule_num_parse(RATES[i], &n);
		json_array_append_new(a, json_pack("{si,so}", "years", i + 1, "surcharge", json_decimal(n)));
	}
	return a;
}

static json_t *surcharge_json(int years)
{
	struct rule_num n;
	rule_num_parse(land_surcharge(years), &n);
	return json_decimal(n);
}

/* The final class per year of the latest final evaluation of each year,
 * up to year (of one enterprise when only > 0), by enterprise then year
 * newest first. */
#define FINAL_SQL "SELECT r.enterprise_id, v.year, COALESCE(r.final_class, r.class), e.credit_code, e.name, s.name" \
	" FROM land_results r JOIN land_evaluations v ON v.id = r.evaluation_id" \
	" JOIN enterprises e ON e.id = r.enterprise_id LEFT JOIN streets s ON s.id = e.street_id" \
	" WHERE v.state = 'final' AND v.year <= $1 AND (CAST($2 AS BIGINT) = 0 OR r.enterprise_id = CAST($2 AS BIGINT))" \
	" AND v.id = (SELECT max(v2.id) FROM land_evaluations v2 WHERE v2.year = v.year AND v2.state = 'final')" \
	" ORDER BY r.enterprise_id, v.year DESC"

/* One enterprise's final years, newest first. */
#define MAX_YEARS 64
struct ent_years {
	int64_t id;
	char code[32], name[256], street[128];
	int has_street, n;
	int year[MAX_YEARS];
	char d[MAX_YEARS];
};

/* The run of consecutive final years in D ending at the k-th year. */
static int run_at(const struct ent_years *e, int k)
{
	int c = 0;
	while (k + c < e->n && e->d[k + c] && e->year[k + c] == e->year[k] - c)
		c++;
	return c;
}

typedef void (*ent_fn)(void *ud, const struct ent_years *e);

/* Each enterprise's final years up to year (only > 0: that one's) to fn.
 * DB_DONE or a DB_ code. */
static int walk(db_t *db, int year, int64_t only, ent_fn fn, void *ud)
{
	db_stmt_t *st = db_prepare(db, FINAL_SQL);
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, year);
	db_bind_int(st, 2, only);
	struct ent_years *e = calloc(1, sizeof *e);
	if (e == NULL) {
		db_done(st);
		return DB_ERR;
	}
	e->id = -1;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t id = db_col_int(st, 0);
		if (id != e->id) {
			if (e->id >= 0)
				fn(ud, e);
			e->id = id;
			e->n = 0;
			snprintf(e->code, sizeof e->code, "%s", db_col_text(st, 3));
			snprintf(e->name, sizeof e->name, "%s", db_col_text(st, 4));
			snprintf(e->street, sizeof e->street, "%s", db_col_text(st, 5));
			e->has_street = !db_col_isnull(st, 5);
		}
		if (e->n < MAX_YEARS) {
			e->year[e->n] = (int)db_col_int(st, 1);
			e->d[e->n] = strcmp(db_col_text(st, 2), "D") == 0;
			e->n++;
		}
	}
	if (rc == DB_DONE && e->id >= 0)
		fn(ud, e);
	db_done(st);
	free(e);
	return rc;
}

struct list_ud {
	int year;
	json_t *items;
};

static void list_one(void *ud, const struct ent_years *e)
{
	struct list_ud *u = ud;
	int years = e->n > 0 && e->year[0] == u->year ? run_at(e, 0) : 0;
	if (years == 0)
		return;
	json_t *o = json_object();
	json_object_set_new(o, "enterprise_id", json_integer(e->id));
	json_object_set_new(o, "credit_code", json_string(e->code));
	json_object_set_new(o, "name", json_string(e->name));
	json_object_set_new(o, "street", e->has_street ? json_string(e->street) : json_null());
	json_object_set_new(o, "years_in_d", json_integer(years));
	json_object_set_new(o, "surcharge", surcharge_json(years));
	json_array_append_new(u->items, o);
}

json_t *land_measures_json(db_t *db, int year, err_t *err)
{
	struct list_ud u = { year, json_array() };
	int rc = walk(db, year, 0, list_one, &u);
	if (rc != DB_DONE) {
		json_decref(u.items);
		db_fail(err, db, rc, "reading the final classes");
		return NULL;
	}
	return json_pack("{si,so,so}", "year", year, "rates", land_rates_json(), "items", u.items);
}

static void card_one(void *ud, const struct ent_years *e)
{
	for (int k = 0; k < e->n; k++) {
		int years = run_at(e, k);
		if (years > 0)
			json_array_append_new(ud, json_pack("{si,si,so}", "year", e->year[k], "years_in_d", years, "surcharge",
			                                    surcharge_json(years)));
	}
}

json_t *land_enterprise_measures_json(db_t *db, int64_t enterprise_id, err_t *err)
{
	json_t *a = json_array();
	int rc = walk(db, FACT_YEAR_MAX, enterprise_id, card_one, a);
	if (rc != DB_DONE) {
		json_decref(a);
		db_fail(err, db, rc, "reading the final classes");
		return NULL;
	}
	return a;
}

/* ---- HTTP ---- */

/* ?year=, default the latest year with a final evaluation (else this
 * year - 1): 0, or -1 after replying. */
static int measures_year(req_t *r, int64_t *year)
{
	if (req_query_int(r, "year", 0, FACT_YEAR_MIN, FACT_YEAR_MAX, year) < 0)
		return -1;
	if (*year == 0) {
		int64_t y = db_int1(r->db, "SELECT max(year) FROM land_evaluations WHERE state = 'final'", 0, 0, NULL);
		if (y <= 0) {
			int cy;
			date_to_civil(date_today(), &cy, NULL, NULL);
			y = cy - 1;
		}
		*year = y;
	}
	return 0;
}

void api_land_measures(req_t *r)
{
	int64_t year;
	if (measures_year(r, &year) < 0)
		return;
	err_t e;
	json_t *o = land_measures_json(r->db, (int)year, &e);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, 200, o);
}

static int write_measures(struct lxw_workbook *wb, const json_t *m, err_t *err)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, "差别化电价");
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	lxw_format *rate = workbook_add_format(wb);
	format_set_num_format(rate, "0.00");
	static const char *const head[] = { "统一社会信用代码", "企业名称", "街道", "连续D类年数", "加价（元/千瓦时）" };
	static const double widths[] = { 22, 36, 14, 12, 16 };
	for (int c = 0; c < 5; c++) {
		worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], bold);
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL);
	}
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(m, "items"), i, v) {
		lxw_row_t row = (lxw_row_t)(i + 1);
		json_t *st = json_object_get(v, "street");
		worksheet_write_string(ws, row, 0, json_string_value(json_object_get(v, "credit_code")), NULL);
		worksheet_write_string(ws, row, 1, json_string_value(json_object_get(v, "name")), NULL);
		worksheet_write_string(ws, row, 2, json_is_string(st) ? json_string_value(st) : "", NULL);
		worksheet_write_number(ws, row, 3, (double)json_integer_value(json_object_get(v, "years_in_d")), NULL);
		worksheet_write_number(ws, row, 4, json_number_value(json_object_get(v, "surcharge")), rate);
	}
	lxw_error xe = workbook_close(wb);
	return xe == LXW_NO_ERROR ? 0 : err_set(err, 500, "internal", NULL, "writing the workbook: %s", lxw_strerror(xe));
}

void api_land_measures_export(req_t *r)
{
	int64_t year;
	if (measures_year(r, &year) < 0)
		return;
	err_t e;
	json_t *m = land_measures_json(r->db, (int)year, &e);
	if (m == NULL) {
		reply_err(r, &e);
		return;
	}
	land_reply_xlsx(r, m, write_measures, arena_printf(r->arena, "差别化电价-%lld.xlsx", (long long)year));
	json_decref(m);
}
