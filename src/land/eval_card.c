/*
 * eval_card.c -- one enterprise's land card (GET /land/enterprises/{id}:
 * its land and plots, the race project it came from, its class over the
 * years in published and final evaluations, its measures) and the
 * ranking of an evaluation as XLSX.
 */
#include "land/land.h"

#include <stdio.h>
#include <string.h>

#include <xlsxwriter.h>

static json_t *text_or_null(db_stmt_t *st, int col)
{
	return db_col_isnull(st, col) ? json_null() : json_string(db_col_text(st, col));
}

static json_t *card_enterprise(db_t *db, int64_t id, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT e.id, e.credit_code, e.name, s.name, e.industry, e.land_mu,"
	                               " (SELECT sum(u.area_mu) FROM plot_users u WHERE u.enterprise_id = e.id)"
	                               " FROM enterprises e LEFT JOIN streets s ON s.id = e.street_id WHERE e.id = $1");
	if (st == NULL) {
		db_fail(err, db, DB_ERR, "reading the enterprise");
		return NULL;
	}
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	json_t *o = NULL;
	if (rc == DB_ROW) {
		struct rule_num land = rule_num_int(0), r;
		int plots = !db_col_isnull(st, 6);
		if (plots)
			land = fact_value_from_stored(db_col_int(st, 6));
		else if (rule_num_from_double(db_col_double(st, 5), &r) == 0 && rule_num_round(r, 4, &land) < 0)
			land = rule_num_int(0);
		o = json_pack("{sI,ss,ss,so,ss,so,ss}", "id", (json_int_t)db_col_int(st, 0), "credit_code",
		              db_col_text(st, 1), "name", db_col_text(st, 2), "street", text_or_null(st, 3), "industry",
		              db_col_text(st, 4), "land_mu", json_decimal(land), "land_source", plots ? "plots" : "registry");
	}
	db_done(st);
	if (o == NULL) {
		if (rc == DB_DONE || rc == DB_ROW)
			err_set(err, 404, "not_found", NULL, "no enterprise %lld", (long long)id);
		else
			db_fail(err, db, rc, "reading the enterprise");
	}
	return o;
}

static int card_plots(db_t *db, json_t *card, int64_t id, err_t *err)
{
	json_t *a = json_array();
	json_object_set_new(card, "plots", a);
	db_stmt_t *st = db_prepare(db, "SELECT p.id, p.code, p.name, u.area_mu, p.status FROM plot_users u"
	                               " JOIN plots p ON p.id = u.plot_id WHERE u.enterprise_id = $1 ORDER BY p.code");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the plots");
	db_bind_int(st, 1, id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(a, json_pack("{sI,ss,ss,so,ss}", "plot_id", (json_int_t)db_col_int(st, 0), "code",
		                                   db_col_text(st, 1), "name", db_col_text(st, 2), "area_mu",
		                                   json_decimal(fact_value_from_stored(db_col_int(st, 3))), "status",
		                                   db_col_text(st, 4)));
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "reading the plots");
}

/* The race project of origin: the first project that names the enterprise. */
static int card_project(db_t *db, json_t *card, int64_t id, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT p.id, p.name, u.name, p.stage, p.lead_on, p.signed_on, p.landed_on"
	                               " FROM projects p JOIN units u ON u.id = p.unit_id WHERE p.enterprise_id = $1"
	                               " ORDER BY p.id LIMIT 1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the project");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	json_t *p = json_null();
	if (rc == DB_ROW)
		p = json_pack("{sI,ss,ss,ss,ss,ss,ss}", "id", (json_int_t)db_col_int(st, 0), "name", db_col_text(st, 1),
		              "unit", db_col_text(st, 2), "stage", db_col_text(st, 3), "lead_on", db_col_text(st, 4),
		              "signed_on", db_col_text(st, 5), "landed_on", db_col_text(st, 6));
	db_done(st);
	json_object_set_new(card, "project", p);
	return rc == DB_ROW || rc == DB_DONE ? 0 : db_fail(err, db, rc, "reading the project");
}

/* The latest published or final evaluation of each year that lists it. */
static int card_years(db_t *db, json_t *card, int64_t id, err_t *err)
{
	json_t *a = json_array();
	json_object_set_new(card, "years", a);
	db_stmt_t *st = db_prepare(db,
		"SELECT v.id, v.year, v.state, r.class, r.final_class, r.score, r.rank, r.reason, r.indicators,"
		" (SELECT count(*) FROM land_results r2 WHERE r2.evaluation_id = v.id AND r2.class <> 'T'),"
		" (SELECT o.id FROM land_objections o WHERE o.evaluation_id = v.id AND o.enterprise_id = r.enterprise_id)"
		" FROM land_results r JOIN land_evaluations v ON v.id = r.evaluation_id"
		" WHERE r.enterprise_id = $1 AND v.state IN ('published','final') AND v.id = (SELECT max(v2.id)"
		" FROM land_evaluations v2 WHERE v2.year = v.year AND v2.state IN ('published','final'))"
		" ORDER BY v.year DESC");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the results");
	db_bind_int(st, 1, id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *y = json_pack("{sI,sI,ss,ss,so,so,so,sI}", "year", (json_int_t)db_col_int(st, 1), "evaluation_id",
		                      (json_int_t)db_col_int(st, 0), "state", db_col_text(st, 2), "class", db_col_text(st, 3),
		                      "final_class", text_or_null(st, 4), "score", land_score_json(st, 5), "rank",
		                      db_col_isnull(st, 6) ? json_null() : json_integer(db_col_int(st, 6)), "of",
		                      (json_int_t)db_col_int(st, 9));
		if (*db_col_text(st, 7))
			json_object_set_new(y, "reason", json_string(db_col_text(st, 7)));
		land_result_details(y, db_col_text(st, 8));
		json_object_set_new(y, "objection", db_col_isnull(st, 10) ? json_null()
		                                                          : json_integer(db_col_int(st, 10)));
		json_array_append_new(a, y);
	}
	db_done(st);
	if (rc != DB_DONE)
		return db_fail(err, db, rc, "reading the results");
	/* the objections in full */
	size_t i;
	json_t *y;
	json_array_foreach(a, i, y) {
		json_t *oid = json_object_get(y, "objection");
		if (!json_is_integer(oid))
			continue;
		json_t *o = land_objection_json(db, json_integer_value(oid), id, err);
		if (o == NULL)
			return -1;
		json_object_set_new(y, "objection", o);
	}
	return 0;
}

void api_land_enterprise(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	if (r->user->role_bit == ROLE_ENTERPRISE && r->user->enterprise_id != id) {
		reply_error(r, 404, "not_found", NULL, "no enterprise %lld", (long long)id);
		return;
	}
	err_t e;
	json_t *ent = card_enterprise(r->db, id, &e);
	if (ent == NULL) {
		reply_err(r, &e);
		return;
	}
	json_t *card = json_pack("{so}", "enterprise", ent), *m = NULL;
	if (card_plots(r->db, card, id, &e) < 0 || card_project(r->db, card, id, &e) < 0 ||
	    card_years(r->db, card, id, &e) < 0 || (m = land_enterprise_measures_json(r->db, id, &e)) == NULL) {
		json_decref(card);
		reply_err(r, &e);
		return;
	}
	json_object_set_new(card, "measures", m);
	reply_json(r, 200, card);
}

/* ---- the ranking as XLSX ---- */

static void write_result(lxw_worksheet *ws, lxw_row_t row, const json_t *res, const struct land_preset *ps)
{
	json_t *v;
	int c = 0;
	v = json_object_get(res, "rank");
	if (json_is_integer(v))
		worksheet_write_number(ws, row, (lxw_col_t)c, (double)json_integer_value(v), NULL);
	c++;
	static const char *const strs[] = { "credit_code", "name", "street", "industry" };
	for (int k = 0; k < 4; k++, c++) {
		v = json_object_get(res, strs[k]);
		worksheet_write_string(ws, row, (lxw_col_t)c, json_is_string(v) ? json_string_value(v) : "", NULL);
	}
	worksheet_write_number(ws, row, (lxw_col_t)c++, json_number_value(json_object_get(res, "land_mu")), NULL);
	json_t *ind = json_object_get(res, "indicators");
	for (int k = 0; k < ps->n; k++) {
		json_t *i = json_object_get(ind, ps->ind[k].name);
		json_t *val = json_object_get(i, "value"), *sc = json_object_get(i, "score");
		if (json_is_number(val))
			worksheet_write_number(ws, row, (lxw_col_t)c, json_number_value(val), NULL);
		c++;
		if (json_is_number(sc))
			worksheet_write_number(ws, row, (lxw_col_t)c, json_number_value(sc), NULL);
		c++;
	}
	v = json_object_get(res, "score");
	if (json_is_number(v))
		worksheet_write_number(ws, row, (lxw_col_t)c, json_number_value(v), NULL);
	c++;
	worksheet_write_string(ws, row, (lxw_col_t)c++, json_string_value(json_object_get(res, "class")), NULL);
	v = json_object_get(res, "final_class");
	worksheet_write_string(ws, row, (lxw_col_t)c++, json_is_string(v) ? json_string_value(v) : "", NULL);
	v = json_object_get(res, "reason");
	worksheet_write_string(ws, row, (lxw_col_t)c++, json_is_string(v) ? json_string_value(v) : "", NULL);
}

static int write_ranking(struct lxw_workbook *wb, const json_t *ev, err_t *err)
{
	const struct land_preset *ps = land_preset_find(json_string_value(json_object_get(ev, "preset")));
	if (ps == NULL)
		return err_set(err, 500, "internal", NULL, "an evaluation of an unknown preset");
	lxw_worksheet *ws = workbook_add_worksheet(wb, "亩均效益评价");
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	static const char *const head[] = { "排名", "统一社会信用代码", "企业名称", "街道", "行业", "用地（亩）" };
	int c = 0;
	for (; c < 6; c++)
		worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], bold);
	for (int k = 0; k < ps->n; k++) {
		char t[160];
		snprintf(t, sizeof t, "%s%s%s%s", ps->ind[k].label_zh, *ps->ind[k].unit_zh ? "（" : "", ps->ind[k].unit_zh,
		         *ps->ind[k].unit_zh ? "）" : "");
		worksheet_write_string(ws, 0, (lxw_col_t)c++, t, bold);
		snprintf(t, sizeof t, "%s得分", ps->ind[k].label_zh);
		worksheet_write_string(ws, 0, (lxw_col_t)c++, t, bold);
	}
	static const char *const tail[] = { "总分", "类别", "最终类别", "T类原因" };
	for (int k = 0; k < 4; k++)
		worksheet_write_string(ws, 0, (lxw_col_t)c++, tail[k], bold);
	worksheet_set_column(ws, 1, 2, 30, NULL);
	size_t i;
	json_t *res;
	json_array_foreach(json_object_get(ev, "results"), i, res)
		write_result(ws, (lxw_row_t)(i + 1), res, ps);
	lxw_error xe = workbook_close(wb);
	return xe == LXW_NO_ERROR ? 0 : err_set(err, 500, "internal", NULL, "writing the workbook: %s", lxw_strerror(xe));
}

void api_land_evaluation_export(req_t *r)
{
	err_t e;
	json_t *ev = land_evaluation_json(r->db, req_param_id(r, 0), 1, &e);
	if (ev == NULL) {
		reply_err(r, &e);
		return;
	}
	land_reply_xlsx(r, ev, write_ranking,
	                arena_printf(r->arena, "亩均效益评价-%lld-%lld.xlsx",
	                             (long long)json_integer_value(json_object_get(ev, "year")),
	                             (long long)json_integer_value(json_object_get(ev, "id"))));
	json_decref(ev);
}
