/* indicators.c -- one month's cumulative values with year-on-year growth. */
#include "indicators.h"

#include <stdlib.h>

void api_indicators(req_t *r)
{
	int64_t year, month;
	if (req_query_int(r, "year", 0, DATE_YEAR_MIN, DATE_YEAR_MAX, &year) < 0 || req_query_int(r, "month", 0, 1, 12, &month) < 0)
		return;
	if (year == 0) {
		db_stmt_t *st = db_prepare(r->db, "SELECT year, month FROM indicator_values ORDER BY year DESC, month DESC LIMIT 1");
		if (db_step(st) == DB_ROW) {
			year = db_col_int(st, 0);
			if (month == 0)
				month = db_col_int(st, 1);
		}
		db_done(st);
	}
	if (year == 0) {  /* no data yet */
		reply_json(r, 200, json_pack("{s:n,s:n,s:[]}", "year", "month", "items"));
		return;
	}
	if (month < 1 || month > 12) {
		reply_error(r, 422, "invalid_parameter", "month", "month must be between 1 and 12");
		return;
	}
	db_stmt_t *st = db_prepare(r->db,
		"SELECT g.id AS region_id, g.name AS region_name, g.is_zone, v.indicator, v.value, p.value AS prev_value"
		" FROM indicator_values v JOIN regions g ON g.id = v.region_id"
		" LEFT JOIN indicator_values p ON p.region_id = v.region_id AND p.indicator = v.indicator"
		"  AND p.year = v.year - 1 AND p.month = v.month"
		" WHERE v.year = $1 AND v.month = $2 ORDER BY v.indicator, g.sort, g.id");
	db_bind_int(st, 1, year);
	db_bind_int(st, 2, month);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *o = row_json(st, "isbsii");
		if (!db_col_isnull(st, 5) && db_col_int(st, 5) > 0) {
			/* growth in percent, rounded to 0.1 as in the report paragraph */
			int64_t pm = ind_growth_permille(db_col_int(st, 4), db_col_int(st, 5));
			json_object_set_new(o, "growth", json_real((double)pm / 10.0));
		} else {
			json_object_set_new(o, "growth", json_null());
		}
		json_array_append_new(items, o);
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		reply_db_error(r, rc, "reading indicators");
		return;
	}
	reply_json(r, 200, json_pack("{s:I,s:I,s:o}", "year", (json_int_t)year, "month", (json_int_t)month, "items", items));
}
