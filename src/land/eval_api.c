/*
 * eval_api.c -- the HTTP handlers of evaluations: create (the params from
 * the body), list, get, distribution, publish, finalize.  Thin: they read
 * the request and call eval_store.c / eval_view.c.  Every write asks
 * land_require_editor() first.
 */
#include "land/land.h"

#include <stdio.h>
#include <string.h>

/* ---- the params from a JSON body ---- */

static int invalid(err_t *err, const char *field, const char *what)
{
	err_set(err, 422, "invalid_parameter", field, "%s must be %s", field, what);
	return err_param(err, "field", "%s", field);
}

/* A JSON number as an exact decimal rounded to 6 decimals, |x| < 10^9. */
static int num_of(json_t *v, const char *field, struct rule_num *out, err_t *err)
{
	struct rule_num n, r;
	if (json_is_integer(v) && json_integer_value(v) > -1000000000 && json_integer_value(v) < 1000000000) {
		*out = rule_num_int((int64_t)json_integer_value(v));
		return 0;
	}
	if (!json_is_real(v) || rule_num_from_double(json_real_value(v), &n) < 0 || rule_num_round(n, 6, &r) < 0 ||
	    rule_num_cmp(r, rule_num_int(1000000000)) >= 0 || rule_num_cmp(r, rule_num_int(-1000000000)) <= 0)
		return invalid(err, field, "a number");
	*out = r;
	return 0;
}

/* weights or benchmarks: {indicator: n}; unknown names 422 field KEY.NAME */
static int ind_map(json_t *v, const char *key, struct land_params *p, int bench, arena_t *a, err_t *err)
{
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return invalid(err, key, "an object of indicator: number");
	const char *name;
	json_t *x;
	json_object_foreach(v, name, x) {
		int k = land_ind_find(p->preset, name);
		const char *field = arena_printf(a, "%s.%s", key, name);
		if (k < 0) {
			err_set(err, 422, "invalid_parameter", field, "%s is not an indicator of the preset %s", name,
			        p->preset->name);
			return err_param(err, "indicator", "%s", name);
		}
		if (num_of(x, field, bench ? &p->benchmark[k] : &p->weight[k], err) < 0)
			return -1;
		if (bench)
			p->basis[k] = LAND_BM_GIVEN;
	}
	return 0;
}

static int classing_of(json_t *v, struct land_params *p, err_t *err)
{
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return invalid(err, "classing", "an object {mode, A, B, C}");
	json_t *mode = json_object_get(v, "mode");
	if (!json_is_string(mode))
		return invalid(err, "classing.mode", "thresholds or shares");
	if (strcmp(json_string_value(mode), "thresholds") == 0) {
		p->classing = LAND_CLASSING_THRESHOLDS;
		p->cls[0] = rule_num_int(80), p->cls[1] = rule_num_int(60), p->cls[2] = rule_num_int(40);
	} else if (strcmp(json_string_value(mode), "shares") != 0) {
		return invalid(err, "classing.mode", "thresholds or shares");
	}
	static const char *const keys[] = { "A", "B", "C" };
	static const char *const fields[] = { "classing.A", "classing.B", "classing.C" };
	const char *k;
	json_t *x;
	json_object_foreach(v, k, x) {
		int c = 0;
		while (c < 3 && strcmp(k, keys[c]) != 0)
			c++;
		if (strcmp(k, "mode") == 0)
			continue;
		if (c == 3) {
			err_set(err, 422, "unknown_field", "classing", "unknown field 'classing.%s'", k);
			return err_param(err, "field", "%s", k);
		}
		if (num_of(x, fields[c], &p->cls[c], err) < 0)
			return -1;
	}
	return 0;
}

int land_params_from_json(json_t *o, arena_t *a, struct land_params *p, err_t *err)
{
	static const char *const allowed[] = { "year", "preset", "scope", "weights", "benchmarks", "cap", "classing",
	                                       "min_land_mu", NULL };
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		int ok = 0;
		for (int i = 0; allowed[i]; i++)
			ok |= strcmp(k, allowed[i]) == 0;
		if (!ok) {
			err_set(err, 422, "unknown_field", k, "unknown field '%s'", k);
			return err_param(err, "field", "%s", k);
		}
	}
	v = json_object_get(o, "year");
	if (v == NULL || json_is_null(v))
		return err_set(err, 422, "required", "year", "year is required");
	if (!json_is_integer(v) || json_integer_value(v) < 1900 || json_integer_value(v) > 2199)
		return invalid(err, "year", "a year between 1900 and 2199");
	int year = (int)json_integer_value(v);
	v = json_object_get(o, "preset");
	if (v == NULL || json_is_null(v))
		return err_set(err, 422, "required", "preset", "preset is required");
	const struct land_preset *ps = json_is_string(v) ? land_preset_find(json_string_value(v)) : NULL;
	if (ps == NULL)
		return invalid(err, "preset", "zhejiang or jiangsu");
	land_params_default(p, ps, year);
	v = json_object_get(o, "scope");
	if (v && !json_is_null(v)) {
		if (json_is_string(v) && strcmp(json_string_value(v), "all") == 0)
			p->scope = LAND_SCOPE_ALL;
		else if (!json_is_string(v) || strcmp(json_string_value(v), "industrial") != 0)
			return invalid(err, "scope", "industrial or all");
	}
	if (ind_map(json_object_get(o, "weights"), "weights", p, 0, a, err) < 0 ||
	    ind_map(json_object_get(o, "benchmarks"), "benchmarks", p, 1, a, err) < 0 ||
	    classing_of(json_object_get(o, "classing"), p, err) < 0)
		return -1;
	if ((v = json_object_get(o, "cap")) && !json_is_null(v) && num_of(v, "cap", &p->cap, err) < 0)
		return -1;
	if ((v = json_object_get(o, "min_land_mu")) && !json_is_null(v) && num_of(v, "min_land_mu", &p->min_land, err) < 0)
		return -1;
	return land_params_check(p, err);
}

/* ---- handlers ---- */

static void audit(req_t *r, const char *entity, int64_t id)
{
	r->audit_entity = entity;
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
}

static void reply_evaluation(req_t *r, int status, int64_t id)
{
	err_t e;
	json_t *o = land_evaluation_json(r->db, id, 1, &e);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, status, o);
}

void api_land_evaluations_create(req_t *r)
{
	if (!land_require_editor(r))
		return;
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	struct land_params p;
	struct land_run run;
	err_t e;
	if (land_params_from_json(o, r->arena, &p, &e) < 0 ||
	    land_evaluation_run(r->db, &p, 0, r->user->id, now_sec(), &run, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "land_evaluation", run.id);
	reply_evaluation(r, 201, run.id);
}

void api_land_evaluations_list(req_t *r)
{
	int64_t year;
	if (req_query_int(r, "year", 0, FACT_YEAR_MIN, FACT_YEAR_MAX, &year) < 0)
		return;
	err_t e;
	json_t *o = land_evaluations_list_json(r->db, (int)year, &e);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, 200, o);
}

void api_land_evaluation_get(req_t *r)
{
	reply_evaluation(r, 200, req_param_id(r, 0));
}

void api_land_evaluation_distribution(req_t *r)
{
	err_t e;
	json_t *o = land_distribution_json(r->db, req_param_id(r, 0), &e);
	if (o == NULL)
		reply_err(r, &e);
	else
		reply_json(r, 200, o);
}

void land_bad_state(req_t *r, const char *state, const char *want)
{
	err_t e;
	land_err_state(&e, state, want);
	reply_err(r, &e);
}

void api_land_evaluation_publish(req_t *r)
{
	if (!land_require_editor(r))
		return;
	int64_t id = req_param_id(r, 0), days = 7;
	if (r->json) {
		json_t *o = req_object(r);
		static const char *const fields[] = { "days", NULL };
		if (o == NULL || body_unknown_field(r, o, fields) || body_int(r, o, "days", &days) < 0)
			return;
	}
	err_t e;
	if (land_evaluation_publish(r->db, id, days, now_sec(), &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "land_evaluation", id);
	reply_evaluation(r, 200, id);
}

void api_land_evaluation_finalize(req_t *r)
{
	if (!land_require_editor(r))
		return;
	int64_t id = req_param_id(r, 0);
	err_t e;
	if (land_evaluation_finalize(r->db, id, now_sec(), &e) < 0) {
		reply_err(r, &e);
		return;
	}
	audit(r, "land_evaluation", id);
	reply_evaluation(r, 200, id);
}
