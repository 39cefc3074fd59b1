/*
 * batch_view.c -- batches as the API and the finance bureau see them: one
 * batch with its counts and items, a policy's batches, the workbook for
 * payment, and the amounts granted by policy and by street (the policy
 * library's charts).
 */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "http/http.h"
#include "table/table.h"

static json_t *stored_json(int64_t v)
{
	return json_decimal(fact_value_from_stored(v));
}

#define BATCH_SQL \
	"SELECT b.id, b.policy_id, b.policy_code, p.name, p.version, b.year, b.state, b.created_at, b.approved_at," \
	" b.note, b.created_by, b.approved_by FROM policy_batches b JOIN policies p ON p.id = b.policy_id"

static json_t *batch_row(db_stmt_t *st)
{
	json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:i,s:i,s:s,s:I}", "id", (json_int_t)db_col_int(st, 0), "policy_id",
	                      (json_int_t)db_col_int(st, 1), "policy_code", db_col_text(st, 2), "policy_name",
	                      db_col_text(st, 3), "policy_version", (int)db_col_int(st, 4), "year", (int)db_col_int(st, 5),
	                      "state", db_col_text(st, 6), "created_at", (json_int_t)db_col_int(st, 7));
	json_object_set_new(o, "approved_at", db_col_isnull(st, 8) ? json_null() : json_integer(db_col_int(st, 8)));
	json_object_set_new(o, "note", json_string(db_col_text(st, 9)));
	return o;
}

/* counts by item state and the amount (declined items left out). */
static int add_counts(db_t *db, json_t *o, int64_t id, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT state, count(*), sum(amount) FROM policy_batch_items WHERE batch_id = $1"
	                               " GROUP BY state");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the batch");
	db_bind_int(st, 1, id);
	json_t *c = json_pack("{s:i,s:i,s:i,s:i}", "granted", 0, "confirmed", 0, "declined", 0, "paid", 0);
	int64_t amount = 0, items = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_object_set_new(c, db_col_text(st, 0), json_integer(db_col_int(st, 1)));
		items += db_col_int(st, 1);
		if (strcmp(db_col_text(st, 0), "declined") != 0)
			amount += db_col_int(st, 2);
	}
	db_done(st);
	json_object_set_new(o, "counts", c);
	json_object_set_new(o, "items_count", json_integer(items));
	json_object_set_new(o, "amount", stored_json(amount));
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "reading the batch");
}

static int add_items(db_t *db, json_t *o, int64_t id, err_t *err)
{
	db_stmt_t *st = db_prepare(db,
		"SELECT i.id, i.enterprise_id, e.credit_code, e.name, i.amount, i.state, i.reason, i.decided_at, i.paid_at"
		" FROM policy_batch_items i JOIN enterprises e ON e.id = i.enterprise_id WHERE i.batch_id = $1 ORDER BY i.id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the batch");
	db_bind_int(st, 1, id);
	json_t *a = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *it = row_json(st, "iiss-ssii");
		json_object_set_new(it, "amount", stored_json(db_col_int(st, 4)));
		json_array_append_new(a, it);
	}
	db_done(st);
	json_object_set_new(o, "items", a);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "reading the batch");
}

json_t *batch_json(db_t *db, int64_t id, int with_items, err_t *err)
{
	db_stmt_t *st = db_prepare(db, BATCH_SQL " WHERE b.id = $1");
	if (st == NULL) {
		db_fail(err, db, DB_ERR, "reading the batch");
		return NULL;
	}
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	json_t *o = rc == DB_ROW ? batch_row(st) : NULL;
	db_done(st);
	if (rc == DB_DONE)
		err_set(err, 404, "not_found", NULL, "no batch %lld", (long long)id);
	else if (rc != DB_ROW)
		db_fail(err, db, rc, "reading the batch");
	if (o && (add_counts(db, o, id, err) < 0 || (with_items && add_items(db, o, id, err) < 0))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *batch_list_json(db_t *db, const char *code, const char *state, int year, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT id FROM policy_batches WHERE (CAST($1 AS TEXT) IS NULL OR policy_code = $1)"
	                               " AND (CAST($2 AS TEXT) IS NULL OR state = $2)"
	                               " AND (CAST($3 AS BIGINT) = 0 OR year = $3) ORDER BY id DESC LIMIT 500");
	if (st == NULL) {
		db_fail(err, db, DB_ERR, "listing the batches");
		return NULL;
	}
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, state);
	db_bind_int(st, 3, year);
	int64_t ids[500];
	size_t n = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		if (n < sizeof ids / sizeof ids[0])
			ids[n++] = db_col_int(st, 0);
	db_done(st);
	if (rc != DB_DONE) {
		db_fail(err, db, rc, "listing the batches");
		return NULL;
	}
	json_t *items = json_array();
	for (size_t k = 0; k < n; k++) {
		json_t *b = batch_json(db, ids[k], 0, err);
		if (b == NULL) {
			json_decref(items);
			return NULL;
		}
		json_array_append_new(items, b);
	}
	return json_pack("{s:o}", "items", items);
}

/* ---- the workbook ---- */

static lxw_error cell_text(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s, arena_t *a)
{
	/* a text a spreadsheet would take for a formula gets the guard quote */
	return worksheet_write_string(ws, row, col, cell_is_formula_like(s) ? arena_printf(a, "'%s", s) : s, NULL);
}

static const char *state_zh(const char *s)
{
	static const char *const map[][2] = { { "granted", "待确认" }, { "confirmed", "已确认" }, { "declined", "已放弃" },
	                                      { "paid", "已拨付" } };
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i][0], s) == 0)
			return map[i][1];
	return s;
}

static int write_rows(db_t *db, int64_t id, lxw_workbook *wb, lxw_worksheet *ws, arena_t *a, err_t *err)
{
	lxw_format *money = workbook_add_format(wb);
	format_set_num_format(money, "#,##0.00");
	db_stmt_t *st = db_prepare(db,
		"SELECT e.credit_code, e.name, s.name, i.amount, i.state, i.reason FROM policy_batch_items i"
		" JOIN enterprises e ON e.id = i.enterprise_id LEFT JOIN streets s ON s.id = e.street_id"
		" WHERE i.batch_id = $1 ORDER BY i.id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the batch");
	db_bind_int(st, 1, id);
	lxw_row_t row = 1;
	int rc;
	lxw_error xe = LXW_NO_ERROR;
	while ((rc = db_step(st)) == DB_ROW && xe == LXW_NO_ERROR) {
		worksheet_write_number(ws, row, 0, (double)row, NULL);
		xe = cell_text(ws, row, 1, db_col_text(st, 0), a);
		if (xe == LXW_NO_ERROR)
			xe = cell_text(ws, row, 2, db_col_text(st, 1), a);
		if (xe == LXW_NO_ERROR)
			xe = cell_text(ws, row, 3, db_col_text(st, 2), a);
		if (xe == LXW_NO_ERROR)
			xe = worksheet_write_number(ws, row, 4, rule_num_to_double(fact_value_from_stored(db_col_int(st, 3))),
			                            money);
		if (xe == LXW_NO_ERROR)
			xe = cell_text(ws, row, 5, state_zh(db_col_text(st, 4)), a);
		if (xe == LXW_NO_ERROR)
			xe = cell_text(ws, row, 6, db_col_text(st, 5), a);
		row++;
	}
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return db_fail(err, db, rc, "reading the batch");
	if (xe != LXW_NO_ERROR)
		return err_set(err, 500, "internal", NULL, "writing the workbook: %s", lxw_strerror(xe));
	return 0;
}

int batch_export_xlsx(db_t *db, int64_t id, const char *path, err_t *err)
{
	json_t *b = batch_json(db, id, 0, err);
	if (b == NULL)
		return -1;
	json_decref(b);
	lxw_workbook *wb = workbook_new(path);
	if (wb == NULL)
		return err_set(err, 500, "internal", NULL, "cannot create the workbook");
	lxw_worksheet *ws = workbook_add_worksheet(wb, "拨付清单");
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	static const char *const head[] = { "序号", "统一社会信用代码", "企业名称", "街道", "金额（万元）", "状态", "说明" };
	static const double width[] = { 6, 22, 36, 12, 14, 10, 30 };
	for (lxw_col_t c = 0; c < 7; c++) {
		worksheet_set_column(ws, c, c, width[c], NULL);
		worksheet_write_string(ws, 0, c, head[c], bold);
	}
	worksheet_freeze_panes(ws, 1, 0);
	arena_t *a = arena_new();
	int rc = write_rows(db, id, wb, ws, a, err);
	arena_free(a);
	lxw_error ce = workbook_close(wb);
	if (rc == 0 && ce != LXW_NO_ERROR)
		return err_set(err, 500, "internal", NULL, "writing the workbook: %s", lxw_strerror(ce));
	return rc;
}

/* ---- statistics ---- */

static json_t *stats_query(db_t *db, const char *sql, int year, const char *types, err_t *err)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL) {
		db_fail(err, db, DB_ERR, "reading the statistics");
		return NULL;
	}
	db_bind_int(st, 1, year);
	json_t *a = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *o = row_json(st, types);
		json_object_set_new(o, "amount", stored_json(db_col_int(st, 2)));
		json_array_append_new(a, o);
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(a);
		db_fail(err, db, rc, "reading the statistics");
		return NULL;
	}
	return a;
}

#define STATS_FROM \
	" FROM policy_batch_items i JOIN policy_batches b ON b.id = i.batch_id"
#define STATS_WHERE \
	" WHERE b.state IN ('approved', 'closed') AND (CAST($1 AS BIGINT) = 0 OR b.year = $1)"

json_t *policy_stats_json(db_t *db, int year, err_t *err)
{
	/* the name and id of each code's published (else newest) version */
	json_t *by_policy = stats_query(db,
		"SELECT t.code, t.granted, t.amount, t.confirmed, t.paid,"
		" (SELECT p.id FROM policies p WHERE p.code = t.code"
		"  ORDER BY CASE WHEN p.state = 'published' THEN 0 ELSE 1 END, p.version DESC LIMIT 1) AS policy_id,"
		" (SELECT p.name FROM policies p WHERE p.code = t.code"
		"  ORDER BY CASE WHEN p.state = 'published' THEN 0 ELSE 1 END, p.version DESC LIMIT 1) AS name"
		" FROM (SELECT i.policy_code AS code, count(*) AS granted,"
		" sum(CASE WHEN i.state = 'declined' THEN 0 ELSE i.amount END) AS amount,"
		" sum(CASE WHEN i.state IN ('confirmed', 'paid') THEN 1 ELSE 0 END) AS confirmed,"
		" sum(CASE WHEN i.state = 'paid' THEN 1 ELSE 0 END) AS paid" STATS_FROM STATS_WHERE
		" GROUP BY i.policy_code) t ORDER BY t.amount DESC, t.code",
		year, "si-iiis", err);
	if (by_policy == NULL)
		return NULL;
	json_t *by_street = stats_query(db,
		"SELECT COALESCE(s.name, '') AS street, count(*) AS granted,"
		" sum(CASE WHEN i.state = 'declined' THEN 0 ELSE i.amount END) AS amount" STATS_FROM
		" JOIN enterprises e ON e.id = i.enterprise_id LEFT JOIN streets s ON s.id = e.street_id" STATS_WHERE
		" GROUP BY s.name ORDER BY amount DESC",
		year, "si-", err);
	if (by_street == NULL) {
		json_decref(by_policy);
		return NULL;
	}
	return json_pack("{s:i,s:o,s:o}", "year", year, "by_policy", by_policy, "by_street", by_street);
}
