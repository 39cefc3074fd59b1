/*
 * eval_plots.c -- an evaluation seen on the land: each plot with the
 * classes of its users (the class covering the largest share of its users'
 * area, the share in class D), the list of low-efficiency land (低效用地:
 * users mostly in class D, or the plot idle or low_efficiency) with its
 * XLSX, and one enterprise's land card (plots, the race project it came
 * from, its class over the years, its measures).
 */
#include "land/land.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#define PLOTS_SQL "SELECT p.id, p.code, p.name, p.status, p.area_mu, s.name, u.enterprise_id, e.name, u.area_mu," \
	" COALESCE(r.final_class, r.class) FROM plots p LEFT JOIN streets s ON s.id = p.street_id" \
	" LEFT JOIN plot_users u ON u.plot_id = p.id LEFT JOIN enterprises e ON e.id = u.enterprise_id" \
	" LEFT JOIN land_results r ON r.evaluation_id = $1 AND r.enterprise_id = u.enterprise_id" \
	" ORDER BY p.code, p.id, u.enterprise_id"

/* A plot being read: its users' area by class (A B C D T) and in all. */
struct plot_acc {
	json_t *o;
	int64_t by_class[5], total;
};

static void plot_close(struct plot_acc *a)
{
	if (a->o == NULL)
		return;
	int best = -1;
	for (int c = 0; c < 5; c++)
		if (a->by_class[c] > 0 && (best < 0 || a->by_class[c] > a->by_class[best]))
			best = c;
	static const char *const cls[] = { "A", "B", "C", "D", "T" };
	json_object_set_new(a->o, "class", best >= 0 ? json_string(cls[best]) : json_null());
	/* the share in D to 4 decimals */
	struct rule_num share = rule_num_int(0), r;
	if (a->total > 0 && rule_num_div(rule_num_int(a->by_class[3]), rule_num_int(a->total), &share) == 0 &&
	    rule_num_round(share, 4, &r) == 0)
		share = r;
	json_object_set_new(a->o, "d_share", json_decimal(share));
}

static json_t *plot_open(db_stmt_t *st, struct plot_acc *a)
{
	memset(a, 0, sizeof *a);
	a->o = json_object();
	json_object_set_new(a->o, "plot_id", json_integer(db_col_int(st, 0)));
	json_object_set_new(a->o, "code", json_string(db_col_text(st, 1)));
	json_object_set_new(a->o, "name", json_string(db_col_text(st, 2)));
	json_object_set_new(a->o, "status", json_string(db_col_text(st, 3)));
	json_object_set_new(a->o, "area_mu", json_decimal(fact_value_from_stored(db_col_int(st, 4))));
	json_object_set_new(a->o, "street", db_col_isnull(st, 5) ? json_null() : json_string(db_col_text(st, 5)));
	json_object_set_new(a->o, "users", json_array());
	return a->o;
}

static void plot_user(db_stmt_t *st, struct plot_acc *a)
{
	if (db_col_isnull(st, 6))
		return;
	int64_t area = db_col_int(st, 8);
	const char *cls = db_col_isnull(st, 9) ? NULL : db_col_text(st, 9);
	a->total += area;
	if (cls && *cls && strchr("ABCDT", cls[0]))
		a->by_class[strchr("ABCDT", cls[0]) - "ABCDT"] += area;
	json_array_append_new(json_object_get(a->o, "users"),
	                      json_pack("{sI,ss,so,so}", "enterprise_id", (json_int_t)db_col_int(st, 6), "name",
	                                db_col_text(st, 7), "area_mu", json_decimal(fact_value_from_stored(area)),
	                                "class", cls ? json_string(cls) : json_null()));
}

/* Every plot with its users' classes in evaluation eval_id (0: none). */
json_t *land_eval_plots(db_t *db, int64_t eval_id, err_t *err)
{
	db_stmt_t *st = db_prepare(db, PLOTS_SQL);
	if (st == NULL) {
		db_fail(err, db, DB_ERR, "reading the plots");
		return NULL;
	}
	db_bind_int(st, 1, eval_id);
	json_t *items = json_array();
	struct plot_acc a = { 0 };
	int64_t cur = -1;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (db_col_int(st, 0) != cur) {
			plot_close(&a);
			cur = db_col_int(st, 0);
			json_array_append_new(items, plot_open(st, &a));
		}
		plot_user(st, &a);
	}
	plot_close(&a);
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		db_fail(err, db, rc, "reading the plots");
		return NULL;
	}
	return items;
}

void api_land_evaluation_plots(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	err_t e;
	json_t *ev = land_evaluation_json(r->db, id, 0, &e);
	json_t *items = ev ? land_eval_plots(r->db, id, &e) : NULL;
	json_decref(ev);
	if (items == NULL)
		reply_err(r, &e);
	else
		reply_json(r, 200, json_pack("{so}", "items", items));
}

/* ---- low-efficiency land ---- */

/* ?evaluation_id=, default the latest published or final one (0: none). */
static int low_eval(req_t *r, int64_t *id, int64_t *year)
{
	if (req_query_id(r, "evaluation_id", id) < 0)
		return -1;
	if (*id == 0)
		*id = db_int1(r->db, "SELECT max(id) FROM land_evaluations WHERE state IN ('published','final')", 0, 0, NULL);
	*year = 0;
	if (*id > 0) {
		char t[24];
		snprintf(t, sizeof t, "%lld", (long long)*id);
		const char *p[1] = { t };
		*year = db_int1(r->db, "SELECT year FROM land_evaluations WHERE id = CAST($1 AS BIGINT)", 0, 1, p);
		if (*year == 0) {
			reply_error(r, 404, "not_found", NULL, "no evaluation %lld", (long long)*id);
			return -1;
		}
	}
	return 0;
}

json_t *land_low_efficiency_json(db_t *db, int64_t eval_id, int64_t year, err_t *err)
{
	json_t *plots = land_eval_plots(db, eval_id, err);
	if (plots == NULL)
		return NULL;
	json_t *items = json_array();
	struct rule_num area = rule_num_int(0), half;
	rule_num_parse("0.5", &half);
	size_t i;
	json_t *p;
	json_array_foreach(plots, i, p) {
		const char *status = json_string_value(json_object_get(p, "status"));
		struct rule_num d;
		rule_num_from_double(json_number_value(json_object_get(p, "d_share")), &d);
		const char *why = eval_id && rule_num_cmp(d, half) > 0 ? "class_d"
		                  : strcmp(status, "idle") == 0 ? "idle"
		                  : strcmp(status, "low_efficiency") == 0 ? "low_efficiency" : NULL;
		if (why == NULL)
			continue;
		json_object_set_new(p, "why", json_string(why));
		struct rule_num a;
		rule_num_from_double(json_number_value(json_object_get(p, "area_mu")), &a);
		rule_num_add(area, a, &area);
		json_array_append(items, p);
	}
	json_decref(plots);
	return json_pack("{so,so,so,sI,so}", "evaluation_id", eval_id ? json_integer(eval_id) : json_null(), "year",
	                 year ? json_integer(year) : json_null(), "items", items, "count",
	                 (json_int_t)json_array_size(items), "area_mu", json_decimal(area));
}

void api_land_low_efficiency(req_t *r)
{
	int64_t id, year;
	if (low_eval(r, &id, &year) < 0)
		return;
	err_t e;
	json_t *o = land_low_efficiency_json(r->db, id, year, &e);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, 200, o);
}

static int write_low(struct lxw_workbook *wb, const json_t *o, err_t *err)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, "低效用地");
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	static const char *const head[] = { "地块编号", "地块名称", "街道", "状态", "面积（亩）", "D类用地占比", "原因",
	                                    "使用企业" };
	for (int c = 0; c < 8; c++) {
		worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], bold);
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, c == 7 ? 48 : 14, NULL);
	}
	static const char *const whys[][2] = { { "class_d", "D类企业用地过半" }, { "idle", "闲置" },
	                                       { "low_efficiency", "低效" } };
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(o, "items"), i, p) {
		lxw_row_t row = (lxw_row_t)(i + 1);
		json_t *st = json_object_get(p, "street");
		const char *why = json_string_value(json_object_get(p, "why"));
		for (int k = 0; k < 3; k++)
			if (strcmp(why, whys[k][0]) == 0)
				why = whys[k][1];
		buf_t users;
		buf_init(&users);
		size_t j;
		json_t *u;
		json_array_foreach(json_object_get(p, "users"), j, u) {
			json_t *cls = json_object_get(u, "class");
			buf_printf(&users, "%s%s（%s）", j ? "；" : "", json_string_value(json_object_get(u, "name")),
			           json_is_string(cls) ? json_string_value(cls) : "-");
		}
		worksheet_write_string(ws, row, 0, json_string_value(json_object_get(p, "code")), NULL);
		worksheet_write_string(ws, row, 1, json_string_value(json_object_get(p, "name")), NULL);
		worksheet_write_string(ws, row, 2, json_is_string(st) ? json_string_value(st) : "", NULL);
		worksheet_write_string(ws, row, 3, json_string_value(json_object_get(p, "status")), NULL);
		worksheet_write_number(ws, row, 4, json_number_value(json_object_get(p, "area_mu")), NULL);
		worksheet_write_number(ws, row, 5, json_number_value(json_object_get(p, "d_share")), NULL);
		worksheet_write_string(ws, row, 6, why, NULL);
		worksheet_write_string(ws, row, 7, users.data ? users.data : "", NULL);
		buf_free(&users);
	}
	lxw_error xe = workbook_close(wb);
	return xe == LXW_NO_ERROR ? 0 : err_set(err, 500, "internal", NULL, "writing the workbook: %s", lxw_strerror(xe));
}

/* Reply with the workbook write() makes of o, named filename. */
void land_reply_xlsx(req_t *r, const json_t *o, int (*write)(struct lxw_workbook *, const json_t *, err_t *),
                     const char *filename)
{
	char *path = reply_tmpfile(r, "zoneops-land");
	if (path == NULL)
		return;
	err_t e;
	lxw_workbook *wb = workbook_new(path);
	if ((wb ? write(wb, o, &e) : err_set(&e, 500, "internal", NULL, "cannot create the workbook")) < 0) {
		unlink(path);
		reply_err(r, &e);
		return;
	}
	reply_file(r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename, path, NULL, 0);
}

void api_land_low_efficiency_export(req_t *r)
{
	int64_t id, year;
	if (low_eval(r, &id, &year) < 0)
		return;
	err_t e;
	json_t *o = land_low_efficiency_json(r->db, id, year, &e);
	if (o == NULL) {
		reply_err(r, &e);
		return;
	}
	land_reply_xlsx(r, o, write_low, year ? arena_printf(r->arena, "低效用地-%lld.xlsx", (long long)year)
	                                        : "低效用地.xlsx");
	json_decref(o);
}
