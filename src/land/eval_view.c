/*
 * eval_view.c -- an evaluation as the API shows it: its header, params and
 * counts, its results in rank order (T last), the list of evaluations,
 * the distribution of classes by street and by 门类.
 */
#include "land/land.h"

#include <stdio.h>
#include <string.h>

#define EVAL_COLUMNS "SELECT id, year, preset, scope, state, params, publish_days, publish_until, created_at," \
	" published_at, finalized_at FROM land_evaluations"

/* unix seconds, or null */
json_t *land_time_json(db_stmt_t *st, int col)
{
	return db_col_isnull(st, col) ? json_null() : json_integer(db_col_int(st, col));
}

/* The current row of EVAL_COLUMNS. */
static json_t *eval_row(db_stmt_t *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
	json_object_set_new(o, "year", json_integer(db_col_int(st, 1)));
	json_object_set_new(o, "preset", json_string(db_col_text(st, 2)));
	json_object_set_new(o, "scope", json_string(db_col_text(st, 3)));
	json_object_set_new(o, "state", json_string(db_col_text(st, 4)));
	json_t *params = json_loads(db_col_text(st, 5), 0, NULL);
	json_object_set_new(o, "params", params ? params : json_object());
	json_object_set_new(o, "publish_days", json_integer(db_col_int(st, 6)));
	const char *until = db_col_text(st, 7);
	json_object_set_new(o, "publish_until", *until ? json_string(until) : json_null());
	json_object_set_new(o, "created_at", land_time_json(st, 8));
	json_object_set_new(o, "published_at", land_time_json(st, 9));
	json_object_set_new(o, "finalized_at", land_time_json(st, 10));
	return o;
}

static int add_counts(db_t *db, json_t *o, int64_t id, err_t *err)
{
	json_t *c = json_object();
	static const char *const cls[] = { "A", "B", "C", "D", "T" };
	for (int k = 0; k < 5; k++)
		json_object_set_new(c, cls[k], json_integer(0));
	json_object_set_new(o, "counts", c);
	db_stmt_t *st = db_prepare(db, "SELECT class, count(*) FROM land_results WHERE evaluation_id = $1 GROUP BY class");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "counting the classes");
	db_bind_int(st, 1, id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_object_set_new(c, db_col_text(st, 0), json_integer(db_col_int(st, 1)));
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "counting the classes");
}

json_t *land_score_json(db_stmt_t *st, int col)
{
	return db_col_isnull(st, col) ? json_null() : json_decimal(fact_value_from_stored(db_col_int(st, col)));
}

/* One result from the stored indicators text into o: land_source,
 * imputed, indicators. */
void land_result_details(json_t *o, const char *text)
{
	json_t *x = json_loads(text, 0, NULL);
	json_t *src = x ? json_object_get(x, "land_source") : NULL;
	json_t *imp = x ? json_object_get(x, "imputed") : NULL;
	json_t *ind = x ? json_object_get(x, "indicators") : NULL;
	json_object_set_new(o, "land_source", src ? json_incref(src) : json_string("registry"));
	json_object_set_new(o, "imputed", imp ? json_incref(imp) : json_array());
	json_object_set_new(o, "indicators", ind ? json_incref(ind) : json_object());
	json_decref(x);
}

#define RESULT_SQL "SELECT r.enterprise_id, e.credit_code, e.name, s.name, e.industry, r.land_mu, r.score, r.rank," \
	" r.class, r.final_class, r.reason, r.indicators FROM land_results r JOIN enterprises e ON e.id = r.enterprise_id" \
	" LEFT JOIN streets s ON s.id = e.street_id WHERE r.evaluation_id = $1"

static json_t *result_row(db_stmt_t *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "enterprise_id", json_integer(db_col_int(st, 0)));
	json_object_set_new(o, "credit_code", json_string(db_col_text(st, 1)));
	json_object_set_new(o, "name", json_string(db_col_text(st, 2)));
	json_object_set_new(o, "street", db_col_isnull(st, 3) ? json_null() : json_string(db_col_text(st, 3)));
	json_object_set_new(o, "industry", json_string(db_col_text(st, 4)));
	json_object_set_new(o, "land_mu", json_decimal(fact_value_from_stored(db_col_int(st, 5))));
	json_object_set_new(o, "score", land_score_json(st, 6));
	json_object_set_new(o, "rank", db_col_isnull(st, 7) ? json_null() : json_integer(db_col_int(st, 7)));
	json_object_set_new(o, "class", json_string(db_col_text(st, 8)));
	json_object_set_new(o, "final_class", db_col_isnull(st, 9) ? json_null() : json_string(db_col_text(st, 9)));
	const char *reason = db_col_text(st, 10);
	if (*reason)
		json_object_set_new(o, "reason", json_string(reason));
	land_result_details(o, db_col_text(st, 11));
	return o;
}

static int add_results(db_t *db, json_t *o, int64_t id, err_t *err)
{
	json_t *a = json_array();
	json_object_set_new(o, "results", a);
	db_stmt_t *st = db_prepare(db, RESULT_SQL
	                           " ORDER BY CASE WHEN r.class = 'T' THEN 1 ELSE 0 END, r.rank, r.enterprise_id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the results");
	db_bind_int(st, 1, id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(a, result_row(st));
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "reading the results");
}

json_t *land_evaluation_json(db_t *db, int64_t id, int with_results, err_t *err)
{
	db_stmt_t *st = db_prepare(db, EVAL_COLUMNS " WHERE id = $1");
	if (st == NULL) {
		db_fail(err, db, DB_ERR, "reading the evaluation");
		return NULL;
	}
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	json_t *o = rc == DB_ROW ? eval_row(st) : NULL;
	db_done(st);
	if (o == NULL) {
		if (rc == DB_DONE)
			err_set(err, 404, "not_found", NULL, "no evaluation %lld", (long long)id);
		else
			db_fail(err, db, rc, "reading the evaluation");
		return NULL;
	}
	if (add_counts(db, o, id, err) < 0 || (with_results && add_results(db, o, id, err) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *land_evaluations_list_json(db_t *db, int year, err_t *err)
{
	db_stmt_t *st = year ? db_prepare(db, EVAL_COLUMNS " WHERE year = $1 ORDER BY created_at DESC, id DESC")
	                     : db_prepare(db, EVAL_COLUMNS " ORDER BY created_at DESC, id DESC");
	if (st == NULL) {
		db_fail(err, db, DB_ERR, "reading the evaluations");
		return NULL;
	}
	if (year)
		db_bind_int(st, 1, year);
	json_t *items = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, eval_row(st));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(items);
		db_fail(err, db, rc, "reading the evaluations");
		return NULL;
	}
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v) {
		if (add_counts(db, v, json_integer_value(json_object_get(v, "id")), err) < 0) {
			json_decref(items);
			return NULL;
		}
	}
	json_t *o = json_object();
	json_object_set_new(o, "items", items);
	return o;
}

/* ---- distribution ---- */

/* The row of key in arr ({"<keyname>": key, "A".."T": 0}), made when new. */
static json_t *dist_row(json_t *arr, const char *keyname, const char *key)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		json_t *k = json_object_get(v, keyname);
		if ((key == NULL && json_is_null(k)) || (key && json_is_string(k) && strcmp(json_string_value(k), key) == 0))
			return v;
	}
	v = json_object();
	json_object_set_new(v, keyname, key ? json_string(key) : json_null());
	static const char *const cls[] = { "A", "B", "C", "D", "T" };
	for (int c = 0; c < 5; c++)
		json_object_set_new(v, cls[c], json_integer(0));
	json_array_append_new(arr, v);
	return v;
}

static void dist_add(json_t *row, const char *cls, int64_t n)
{
	json_t *c = json_object_get(row, cls);
	if (c)
		json_integer_set(c, json_integer_value(c) + n);
}

json_t *land_distribution_json(db_t *db, int64_t id, err_t *err)
{
	json_t *ev = land_evaluation_json(db, id, 0, err);
	if (ev == NULL)
		return NULL;
	json_decref(ev);
	/* the final class where decided, else the class */
	db_stmt_t *st = db_prepare(db, "SELECT s.name, e.industry, COALESCE(r.final_class, r.class), count(*)"
	                               " FROM land_results r JOIN enterprises e ON e.id = r.enterprise_id"
	                               " LEFT JOIN streets s ON s.id = e.street_id WHERE r.evaluation_id = $1"
	                               " GROUP BY s.name, e.industry, COALESCE(r.final_class, r.class) ORDER BY s.name");
	if (st == NULL) {
		db_fail(err, db, DB_ERR, "reading the distribution");
		return NULL;
	}
	db_bind_int(st, 1, id);
	json_t *streets = json_array(), *inds = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *cls = db_col_text(st, 2);
		int64_t n = db_col_int(st, 3);
		dist_add(dist_row(streets, "street", db_col_isnull(st, 0) ? NULL : db_col_text(st, 0)), cls, n);
		char sec[2] = { land_section(db_col_text(st, 1)), 0 };
		json_t *row = dist_row(inds, "section", sec[0] ? sec : NULL);
		if (json_object_get(row, "label") == NULL) {
			const char *zh, *en;
			land_section_label(sec[0], &zh, &en);
			json_object_set_new(row, "label", json_string(zh));
			json_object_set_new(row, "label_en", json_string(en));
		}
		dist_add(row, cls, n);
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(streets);
		json_decref(inds);
		db_fail(err, db, rc, "reading the distribution");
		return NULL;
	}
	json_t *o = json_object();
	json_object_set_new(o, "by_street", streets);
	json_object_set_new(o, "by_industry", inds);
	return o;
}
