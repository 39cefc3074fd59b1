/*
 * ranking.c -- the monthly race (赛马) of units and recruiters, publishing,
 * weights and the XLSX export for the assessment (考核).
 *
 * The race for month M (bounds [first, next) computed here and bound as
 * text, so both stores compare the same 'YYYY-MM-DD' strings), for each
 * unit u:
 *   leads              qualified, non-duplicate leads of u captured in M
 *   signed_count       u's projects with signed_on in M
 *   signed_investment  the sum of their total_investment (亿元)
 *   landed             u's projects with landed_on in M
 *   speed_days         mean days from the lead's captured_on to signed_on over
 *                      u's projects signed in M that have a lead (else null)
 *   major              u's projects signed in M with total_investment >= 10亿
 *   quota              share of u's leader and recruiters who met their quota
 *                      in M, by race_quota() in race_util.c (a recruiter
 *                      >= 15 days out, a leader >= 5 visits;
 *                      days out are the distinct calendar days of the
 *                      person's trips inside M, visits count in the month a
 *                      trip starts); a unit without people has 0.
 * Each metric becomes a 0-100 score, 100*x/max over the units (0 when the max
 * is 0); speed 100*min(T)/T over the units with a speed (a unit whose mean is
 * 0 days scores 100), 0 without one.  The unit's score is the weighted mean
 * of the seven scores.  Rank: score (unrounded; differences below 1e-9 are
 * float noise and count as a tie), then signed investment, then unit id.
 *
 * Recruiters (users with role recruiter): leads (qualified, non-duplicate,
 * recruiter_id = the user, captured in M), signed investment (projects with
 * recruiter_id = the user signed in M) and days out in M, each scored
 * 100*x/max over the recruiters; score = the mean of the three (equal
 * weights); rank by score, then user id.
 *
 * Weights live in settings under 'race.weights' (JSON); a published month
 * (race_results) keeps its weights and the whole response, frozen.
 */
#include "race.h"
#include "race_util.h"
#include "table/table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* Exported for the unit tests (tests/unit/test_race.c). */
json_t *race_result(db_t *db, const char *month);
json_t *race_recruiters_result(db_t *db, const char *month);
json_t *race_weights_json(db_t *db);

enum { M_LEADS, M_SINV, M_SCOUNT, M_LANDED, M_SPEED, M_MAJOR, M_QUOTA, NMETRICS };
static const char *const weight_keys[NMETRICS] = {
	"leads", "signed_investment", "signed_count", "landed", "speed", "major", "quota",
};
static const double default_weights[NMETRICS] = { 20, 25, 10, 10, 15, 10, 10 };


/* ---- dates ---- */

struct month {
	char name[24];             /* "YYYY-MM" */
	char first[24], next[24];  /* bounds as text */
	int64_t d0, ndays;         /* first day number, days in the month */
};

static void month_init(struct month *mo, int y, int m)
{
	snprintf(mo->name, sizeof mo->name, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
	snprintf(mo->first, sizeof mo->first, "%04u-%02u-01", (unsigned)y % 10000u, (unsigned)m % 100u);
	int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
	snprintf(mo->next, sizeof mo->next, "%04u-%02u-01", (unsigned)ny % 10000u, (unsigned)nm % 100u);
	mo->d0 = month_first(y, m);
	mo->ndays = date_month_days(y, m);
}

/* The current month in zone time ("YYYY-MM" into out, may be NULL). */
static void month_current(int *y, int *m, char out[MONTH_LEN])
{
	date_to_civil(date_today(), y, m, NULL);
	if (out)
		month_format(*y, *m, out);
}

static double round1(double x)
{
	return round(x * 10.0) / 10.0;
}

static double round4(double x)
{
	return round(x * 10000.0) / 10000.0;
}

/* ---- weights ---- */

/* Parse and validate a weights object: every key known, each a
 * non-negative number, the sum > 0; missing keys keep w's value.  0, or
 * -1 with err (422 unknown_field naming the key, or invalid with the
 * reason param weight | weights_sum). */
static int weights_parse(json_t *o, double w[NMETRICS], err_t *err)
{
	if (!json_is_object(o))
		return err_set(err, 422, "invalid", "weights", "the weights are an object");
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		int i;
		for (i = 0; i < NMETRICS; i++)
			if (strcmp(k, weight_keys[i]) == 0)
				break;
		if (i == NMETRICS)
			return err_set(err, 422, "unknown_field", k, "unknown weight '%s'", k);
		if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0)
			return err_set(err, 422, "invalid", k, "a weight is a non-negative number"),
			       err_param(err, "reason", "weight");
		w[i] = json_number_value(v);
	}
	double sum = 0;
	for (int i = 0; i < NMETRICS; i++)
		sum += w[i];
	if (!(sum > 0) || !isfinite(sum))
		return err_set(err, 422, "invalid", "weights", "the weights must sum to more than 0"),
		       err_param(err, "reason", "weights_sum");
	return 0;
}

static void weights_load(db_t *db, double w[NMETRICS])
{
	memcpy(w, default_weights, sizeof default_weights);
	db_stmt_t *st = db_prepare(db, "SELECT value FROM settings WHERE key = 'race.weights'");
	json_t *o = NULL;
	if (st && db_step(st) == DB_ROW)
		o = json_loads(db_col_text(st, 0), 0, NULL);
	db_done(st);
	if (o) {
		double tmp[NMETRICS];
		err_t e;
		memcpy(tmp, default_weights, sizeof tmp);
		if (weights_parse(o, tmp, &e) == 0)
			memcpy(w, tmp, sizeof tmp);
		json_decref(o);
	}
}

static json_t *weights_to_json(const double w[NMETRICS])
{
	json_t *o = json_object();
	for (int i = 0; i < NMETRICS; i++) {
		double v = w[i];
		if (v == floor(v) && fabs(v) < 9e15)
			json_object_set_new(o, weight_keys[i], json_integer((json_int_t)v));
		else
			json_object_set_new(o, weight_keys[i], json_real(v));
	}
	return o;
}

json_t *race_weights_json(db_t *db)
{
	double w[NMETRICS];
	weights_load(db, w);
	return weights_to_json(w);
}

/* ---- people and quotas ---- */

struct person {
	int64_t id, unit_id;
	char *name;
	int leader;
	int64_t days_out, visits;
	int met;
	/* recruiters' race */
	int64_t leads, sinv_wan;
	double score[3], total;
	int rank;
};

struct people {
	struct person *p;
	size_t n;
};

static void people_free(struct people *pp)
{
	for (size_t i = 0; i < pp->n; i++)
		free(pp->p[i].name);
	free(pp->p);
	pp->p = NULL;
	pp->n = 0;
}

static struct person *person_find(struct people *pp, int64_t id)
{
	size_t lo = 0, hi = pp->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pp->p[mid].id == id)
			return &pp->p[mid];
		if (pp->p[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int person_cmp(const void *pa, const void *pb)
{
	const struct person *a = pa, *b = pb;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Leaders and recruiters with their days out, visits and quota in M, by
 * race_quota() (race_util.c: the one rule for quotas), sorted by id.
 * Returns 0, or -1 on a database error. */
static int people_load(db_t *db, const struct month *mo, struct people *pp)
{
	memset(pp, 0, sizeof *pp);
	struct race_quota *q = NULL;
	size_t n = 0;
	if (race_quota(db, mo->name, 0, &q, &n) < 0)
		return -1;
	pp->p = calloc(n ? n : 1, sizeof *pp->p);
	if (pp->p == NULL) {
		free(q);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct person *p = &pp->p[i];
		p->id = q[i].user_id;
		p->unit_id = q[i].unit_id;
		p->name = strdup(q[i].name);
		p->leader = strcmp(q[i].role, "leader") == 0;
		p->days_out = q[i].days_out;
		p->visits = q[i].visits;
		p->met = q[i].quota_met;
	}
	pp->n = n;
	free(q);
	qsort(pp->p, pp->n, sizeof *pp->p, person_cmp);
	return 0;
}

/* ---- units ---- */

struct unit {
	int64_t id;
	char *name;
	int64_t leads, scount, sinv_wan, landed, major;
	double tsum;
	int64_t tn;
	int64_t people, met;
	double value[NMETRICS], score[NMETRICS], total;
	int has_speed, rank;
};

struct units {
	struct unit *u;
	size_t n;
};

static void units_free(struct units *us)
{
	for (size_t i = 0; i < us->n; i++)
		free(us->u[i].name);
	free(us->u);
	us->u = NULL;
	us->n = 0;
}

static struct unit *unit_find(struct units *us, int64_t id)
{
	size_t lo = 0, hi = us->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (us->u[mid].id == id)
			return &us->u[mid];
		if (us->u[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int unit_cmp(const void *pa, const void *pb)
{
	const struct unit *a = pa, *b = pb;
	if (fabs(a->total - b->total) > 1e-9)
		return a->total > b->total ? -1 : 1;
	if (a->sinv_wan != b->sinv_wan)
		return a->sinv_wan > b->sinv_wan ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Compute the race for mo; units come back sorted by rank. */
static int race_compute(db_t *db, const struct month *mo, const double w[NMETRICS], struct units *us)
{
	memset(us, 0, sizeof *us);
	db_stmt_t *st = db_prepare(db, "SELECT id, name FROM units ORDER BY id");
	if (st == NULL)
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (us->n == cap) {
			cap = cap ? cap * 2 : 8;
			struct unit *nu = realloc(us->u, cap * sizeof *nu);
			if (nu == NULL) {
				db_done(st);
				return -1;
			}
			us->u = nu;
		}
		struct unit *u = &us->u[us->n++];
		memset(u, 0, sizeof *u);
		u->id = db_col_int(st, 0);
		u->name = strdup(db_col_text(st, 1));
	}
	db_done(st);
	if (rc != DB_DONE)
		return -1;

	st = db_prepare(db,
		"SELECT unit_id, COUNT(*) FROM leads WHERE status = 'qualified' AND duplicate_of IS NULL"
		" AND captured_on >= $1 AND captured_on < $2 GROUP BY unit_id");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, mo->first);
	db_bind_text(st, 2, mo->next);
	while ((rc = db_step(st)) == DB_ROW) {
		struct unit *u = unit_find(us, db_col_int(st, 0));
		if (u)
			u->leads = db_col_int(st, 1);
	}
	db_done(st);
	if (rc != DB_DONE)
		return -1;

	st = db_prepare(db,
		"SELECT p.unit_id, p.total_investment_wan, p.signed_on, l.captured_on FROM projects p"
		" LEFT JOIN leads l ON l.id = p.lead_id WHERE p.signed_on >= $1 AND p.signed_on < $2");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, mo->first);
	db_bind_text(st, 2, mo->next);
	while ((rc = db_step(st)) == DB_ROW) {
		struct unit *u = unit_find(us, db_col_int(st, 0));
		if (u == NULL)
			continue;
		int64_t inv = db_col_int(st, 1);
		u->scount++;
		u->sinv_wan += inv;
		if (inv >= MAJOR_PROJECT_WAN)
			u->major++;
		int64_t s, c;
		if (!db_col_isnull(st, 3) && date_parse(db_col_text(st, 2), &s) == 0 &&
		    date_parse(db_col_text(st, 3), &c) == 0) {
			u->tsum += (double)(s - c);
			u->tn++;
		}
	}
	db_done(st);
	if (rc != DB_DONE)
		return -1;

	st = db_prepare(db,
		"SELECT unit_id, COUNT(*) FROM projects WHERE landed_on >= $1 AND landed_on < $2 GROUP BY unit_id");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, mo->first);
	db_bind_text(st, 2, mo->next);
	while ((rc = db_step(st)) == DB_ROW) {
		struct unit *u = unit_find(us, db_col_int(st, 0));
		if (u)
			u->landed = db_col_int(st, 1);
	}
	db_done(st);
	if (rc != DB_DONE)
		return -1;

	struct people pp;
	if (people_load(db, mo, &pp) < 0) {
		people_free(&pp);
		return -1;
	}
	for (size_t i = 0; i < pp.n; i++) {
		struct unit *u = unit_find(us, pp.p[i].unit_id);
		if (u) {
			u->people++;
			u->met += pp.p[i].met;
		}
	}
	people_free(&pp);

	/* values and scores */
	double max[NMETRICS] = { 0 }, tmin = 0;
	int any_speed = 0;
	for (size_t i = 0; i < us->n; i++) {
		struct unit *u = &us->u[i];
		u->value[M_LEADS] = (double)u->leads;
		u->value[M_SINV] = (double)u->sinv_wan;
		u->value[M_SCOUNT] = (double)u->scount;
		u->value[M_LANDED] = (double)u->landed;
		u->value[M_MAJOR] = (double)u->major;
		u->value[M_QUOTA] = u->people ? (double)u->met / (double)u->people : 0;
		u->has_speed = u->tn > 0;
		u->value[M_SPEED] = u->has_speed ? u->tsum / (double)u->tn : 0;
		for (int k = 0; k < NMETRICS; k++)
			if (k != M_SPEED && u->value[k] > max[k])
				max[k] = u->value[k];
		if (u->has_speed && (!any_speed || u->value[M_SPEED] < tmin)) {
			tmin = u->value[M_SPEED];
			any_speed = 1;
		}
	}
	double wsum = 0;
	for (int k = 0; k < NMETRICS; k++)
		wsum += w[k];
	for (size_t i = 0; i < us->n; i++) {
		struct unit *u = &us->u[i];
		for (int k = 0; k < NMETRICS; k++) {
			if (k == M_SPEED) {
				double t = u->value[M_SPEED];
				u->score[k] = !u->has_speed ? 0 : t <= 0 ? 100 : 100.0 * (tmin > 0 ? tmin : 0) / t;
			} else
				u->score[k] = max[k] > 0 ? 100.0 * u->value[k] / max[k] : 0;
		}
		double s = 0;
		for (int k = 0; k < NMETRICS; k++)
			s += w[k] * u->score[k];
		u->total = wsum > 0 ? s / wsum : 0;
	}
	qsort(us->u, us->n, sizeof *us->u, unit_cmp);
	for (size_t i = 0; i < us->n; i++)
		us->u[i].rank = (int)i + 1;
	return 0;
}

static json_t *metric_json(double value, double score)
{
	return json_pack("{s:o,s:f}", "value", json_real(value), "score", round1(score));
}

static json_t *metric_int(int64_t value, double score)
{
	return json_pack("{s:I,s:f}", "value", (json_int_t)value, "score", round1(score));
}

static json_t *units_json(const struct units *us)
{
	json_t *a = json_array();
	for (size_t i = 0; i < us->n; i++) {
		const struct unit *u = &us->u[i];
		json_t *m = json_object();
		json_object_set_new(m, "leads", metric_int(u->leads, u->score[M_LEADS]));
		json_object_set_new(m, "signed_count", metric_int(u->scount, u->score[M_SCOUNT]));
		json_object_set_new(m, "signed_investment", metric_json((double)u->sinv_wan / 10000.0, u->score[M_SINV]));
		json_object_set_new(m, "landed", metric_int(u->landed, u->score[M_LANDED]));
		json_object_set_new(m, "speed_days",
			u->has_speed ? metric_json(round1(u->value[M_SPEED]), u->score[M_SPEED])
			             : json_pack("{s:n,s:f}", "value", "score", 0.0));
		json_object_set_new(m, "major", metric_int(u->major, u->score[M_MAJOR]));
		json_object_set_new(m, "quota", metric_json(round4(u->value[M_QUOTA]), u->score[M_QUOTA]));
		json_array_append_new(a, json_pack("{s:I,s:s,s:i,s:f,s:o}", "unit_id", (json_int_t)u->id,
			"name", u->name ? u->name : "", "rank", u->rank, "score", round1(u->total), "metrics", m));
	}
	return a;
}

/* The stored result of a published month, or NULL. */
static json_t *published_get(db_t *db, const char *month)
{
	db_stmt_t *st = db_prepare(db, "SELECT result, published_at FROM race_results WHERE month = $1");
	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, month);
	json_t *o = NULL;
	if (db_step(st) == DB_ROW) {
		o = json_loads(db_col_text(st, 0), 0, NULL);
		if (o && json_is_object(o)) {
			json_object_set_new(o, "published", json_true());
			json_object_set_new(o, "published_at", json_integer((json_int_t)db_col_int(st, 1)));
		} else {
			json_decref(o);
			o = NULL;
		}
	}
	db_done(st);
	return o;
}

/* {unit_id: rank} of the month before mo (its published result when there
 * is one), or NULL on a database error. */
static json_t *previous_ranks(db_t *db, const struct month *mo, const double w[NMETRICS])
{
	int y = atoi(mo->name), m = atoi(mo->name + 5);
	struct month pm;
	month_init(&pm, m == 1 ? y - 1 : y, m == 1 ? 12 : m - 1);
	json_t *out = json_object();
	json_t *pub = published_get(db, pm.name);
	if (pub) {
		size_t i;
		json_t *u;
		json_array_foreach(json_object_get(pub, "units"), i, u) {
			if (!(json_number_value(json_object_get(u, "score")) > 0))
				continue;   /* unscored: no rank */
			char key[32];
			snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(u, "unit_id")));
			json_object_set(out, key, json_object_get(u, "rank"));
		}
		json_decref(pub);
		return out;
	}
	struct units us;
	if (race_compute(db, &pm, w, &us) < 0) {
		units_free(&us);
		json_decref(out);
		return NULL;
	}
	for (size_t i = 0; i < us.n; i++) {
		if (!(us.u[i].total > 0))
			continue;   /* no rank to compare with */
		char key[32];
		snprintf(key, sizeof key, "%lld", (long long)us.u[i].id);
		json_object_set_new(out, key, json_integer(us.u[i].rank));
	}
	units_free(&us);
	return out;
}

static int recruiter_cmp(const void *pa, const void *pb)
{
	const struct person *a = pa, *b = pb;
	if (fabs(a->total - b->total) > 1e-9)
		return a->total > b->total ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* The recruiters' race: items array, or NULL on a database error. */
static json_t *recruiters_compute(db_t *db, const struct month *mo)
{
	struct people all;
	if (people_load(db, mo, &all) < 0) {
		people_free(&all);
		return NULL;
	}
	/* keep the recruiters only (still sorted by id) */
	size_t n = 0;
	for (size_t i = 0; i < all.n; i++) {
		if (all.p[i].leader) {
			free(all.p[i].name);
			continue;
		}
		all.p[n++] = all.p[i];
	}
	all.n = n;
	int rc = DB_DONE;
	db_stmt_t *st = db_prepare(db,
		"SELECT recruiter_id, COUNT(*) FROM leads WHERE recruiter_id IS NOT NULL AND status = 'qualified'"
		" AND duplicate_of IS NULL AND captured_on >= $1 AND captured_on < $2 GROUP BY recruiter_id");
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, mo->first);
	db_bind_text(st, 2, mo->next);
	while ((rc = db_step(st)) == DB_ROW) {
		struct person *p = person_find(&all, db_col_int(st, 0));
		if (p)
			p->leads = db_col_int(st, 1);
	}
	db_done(st);
	if (rc != DB_DONE)
		goto fail;
	st = db_prepare(db,
		"SELECT recruiter_id, SUM(total_investment_wan) FROM projects WHERE recruiter_id IS NOT NULL"
		" AND signed_on >= $1 AND signed_on < $2 GROUP BY recruiter_id");
	if (st == NULL)
		goto fail;
	db_bind_text(st, 1, mo->first);
	db_bind_text(st, 2, mo->next);
	while ((rc = db_step(st)) == DB_ROW) {
		struct person *p = person_find(&all, db_col_int(st, 0));
		if (p)
			p->sinv_wan = db_col_int(st, 1);
	}
	db_done(st);
	if (rc != DB_DONE)
		goto fail;
	double max[3] = { 0 };
	for (size_t i = 0; i < all.n; i++) {
		struct person *p = &all.p[i];
		double v[3] = { (double)p->leads, (double)p->sinv_wan, (double)p->days_out };
		for (int k = 0; k < 3; k++)
			if (v[k] > max[k])
				max[k] = v[k];
	}
	for (size_t i = 0; i < all.n; i++) {
		struct person *p = &all.p[i];
		double v[3] = { (double)p->leads, (double)p->sinv_wan, (double)p->days_out };
		p->total = 0;
		for (int k = 0; k < 3; k++) {
			p->score[k] = max[k] > 0 ? 100.0 * v[k] / max[k] : 0;
			p->total += p->score[k] / 3.0;
		}
	}
	qsort(all.p, all.n, sizeof *all.p, recruiter_cmp);
	/* unit names */
	json_t *unames = json_object();
	st = db_prepare(db, "SELECT id, name FROM units");
	if (st) {
		while (db_step(st) == DB_ROW) {
			char key[32];
			snprintf(key, sizeof key, "%lld", (long long)db_col_int(st, 0));
			json_object_set_new(unames, key, json_string(db_col_text(st, 1)));
		}
		db_done(st);
	}
	json_t *items = json_array();
	for (size_t i = 0; i < all.n; i++) {
		struct person *p = &all.p[i];
		char key[32];
		snprintf(key, sizeof key, "%lld", (long long)p->unit_id);
		json_t *un = json_object_get(unames, key);
		json_array_append_new(items, json_pack("{s:I,s:s,s:o,s:o,s:I,s:f,s:I,s:b,s:f,s:{s:f,s:f,s:f},s:i}",
			"user_id", (json_int_t)p->id, "name", p->name ? p->name : "",
			"unit_id", p->unit_id ? json_integer((json_int_t)p->unit_id) : json_null(),
			"unit_name", un ? json_incref(un) : json_null(),
			"leads", (json_int_t)p->leads, "signed_investment", (double)p->sinv_wan / 10000.0,
			"days_out", (json_int_t)p->days_out, "quota_met", p->met, "score", round1(p->total),
			"scores", "leads", round1(p->score[0]), "signed_investment", round1(p->score[1]),
			"days_out", round1(p->score[2]), "rank", (int)i + 1));
	}
	json_decref(unames);
	people_free(&all);
	return items;
fail:
	people_free(&all);
	return NULL;
}

/* The live computation for month (no "published_at"): the response of
 * GET /race, with "recruiters" added when with_rec (publishing freezes
 * both; GET /race skips the recruiters' ranking, which reads the trips
 * once more). */
static json_t *race_live(db_t *db, const struct month *mo, int with_rec)
{
	double w[NMETRICS];
	weights_load(db, w);
	struct units us;
	if (race_compute(db, mo, w, &us) < 0) {
		units_free(&us);
		return NULL;
	}
	json_t *prev = previous_ranks(db, mo, w);
	json_t *rec = with_rec ? recruiters_compute(db, mo) : json_array();
	if (prev == NULL || rec == NULL) {
		units_free(&us);
		json_decref(prev);
		json_decref(rec);
		return NULL;
	}
	json_t *o = json_pack("{s:s,s:b,s:o,s:o,s:o,s:o}", "month", mo->name, "published", 0,
		"weights", weights_to_json(w), "units", units_json(&us), "previous", prev, "recruiters", rec);
	units_free(&us);
	return o;
}

/* Only who scored (score > 0) has a rank: the others of the array get
 * "rank": null (ranks 1..k of the k that scored, which sort first).
 * 1 when anyone scored. */
static int rank_scored_only(json_t *arr)
{
	size_t i;
	json_t *x;
	int any = 0;
	json_array_foreach(arr, i, x) {
		if (json_number_value(json_object_get(x, "score")) > 0)
			any = 1;
		else
			json_object_set_new(x, "rank", json_null());
	}
	return any;
}

/* Months with no data (docs/race.md): only a unit that scored has a rank,
 * and only a recruiter who scored (issue 12: "ranks are only given to
 * units that scored", the recruiters' ranking alike); "has_data" says
 * whether any unit scored.  Applied to the live race and to a published
 * one alike. */
static void race_mark_scored(json_t *o)
{
	int any = rank_scored_only(json_object_get(o, "units"));
	json_t *rec = json_object_get(o, "recruiters");
	if (rec)
		rank_scored_only(rec);
	json_object_set_new(o, "has_data", json_boolean(any));
}

/* The race of month ("YYYY-MM"): frozen when published.  Includes
 * "recruiters".  NULL on a bad month or a database error. */
static json_t *race_full(db_t *db, const char *month, int with_rec)
{
	int y, m;
	if (month_parse(month, &y, &m) < 0)
		return NULL;
	struct month mo;
	month_init(&mo, y, m);
	json_t *o = published_get(db, mo.name);
	if (o == NULL)
		o = race_live(db, &mo, with_rec);
	if (o)
		race_mark_scored(o);
	return o;
}

/* The month a race page opens on when none is asked for: the latest month,
 * up to the current one, with race activity (a qualified lead captured, a
 * project signed or landed, a trip begun) or a published result; the
 * current month when there is none.  "YYYY-MM" into out; 0, or -1 on a
 * database error. */
int race_latest_month(db_t *db, char out[MONTH_LEN])
{
	int y, m;
	month_current(&y, &m, out);
	struct month cur;
	month_init(&cur, y, m);
	db_stmt_t *st = db_prepare(db,
		"SELECT max(d) FROM ("
		" SELECT max(captured_on) AS d FROM leads WHERE status = 'qualified' AND duplicate_of IS NULL"
		"  AND captured_on < $1"
		" UNION ALL SELECT max(signed_on) FROM projects WHERE signed_on <> '' AND signed_on < $1"
		" UNION ALL SELECT max(landed_on) FROM projects WHERE landed_on <> '' AND landed_on < $1"
		" UNION ALL SELECT max(start_on) FROM trips WHERE start_on < $1"
		" UNION ALL SELECT max(month) || '-01' FROM race_results WHERE month <= $2) x");
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, cur.next);
	db_bind_text(st, 2, cur.name);
	int rc = db_step(st);
	int64_t d;
	if (rc == DB_ROW && !db_col_isnull(st, 0) && date_parse(db_col_text(st, 0), &d) == 0) {
		date_to_civil(d, &y, &m, NULL);
		month_format(y, m, out);
	}
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

json_t *race_result(db_t *db, const char *month)
{
	json_t *o = race_full(db, month, 0);
	if (o)
		json_object_del(o, "recruiters");
	return o;
}

json_t *race_recruiters_result(db_t *db, const char *month)
{
	json_t *o = race_full(db, month, 1);
	if (o == NULL)
		return NULL;
	json_t *items = json_object_get(o, "recruiters");
	json_t *out = json_pack("{s:O,s:O,s:O}", "month", json_object_get(o, "month"), "published",
		json_object_get(o, "published"), "items", items ? items : json_array());
	if (json_object_get(o, "published_at"))
		json_object_set(out, "published_at", json_object_get(o, "published_at"));
	json_decref(o);
	return out;
}

/* ---- handlers ---- */

/* The month query parameter (default: race_latest_month, the latest month
 * with data), or NULL after replying 422 (500 on a database error). */
static const char *month_param(req_t *r)
{
	const char *s = req_query(r, "month");
	int y, m;
	if (s == NULL || *s == '\0') {
		char cur[MONTH_LEN];
		if (race_latest_month(r->db, cur) < 0) {
			reply_db_error(r, DB_ERR, "finding the latest month with data");
			return NULL;
		}
		return arena_strdup(r->arena, cur);
	}
	if (month_parse(s, &y, &m) < 0) {
		reply_error(r, 422, "invalid_parameter", "month", "month must be YYYY-MM");
		return NULL;
	}
	return s;
}

void api_race(req_t *r)
{
	const char *month = month_param(r);
	if (month == NULL)
		return;
	json_t *o = race_result(r->db, month);
	if (o == NULL) {
		reply_db_error(r, DB_ERR, "computing the race");
		return;
	}
	reply_json(r, 200, o);
}

void api_race_recruiters(req_t *r)
{
	const char *month = month_param(r);
	if (month == NULL)
		return;
	json_t *o = race_recruiters_result(r->db, month);
	if (o == NULL) {
		reply_db_error(r, DB_ERR, "computing the recruiters' race");
		return;
	}
	reply_json(r, 200, o);
}

/* ---- publishing ---- */

int race_month_closed(int y, int m)
{
	int cy, cm;
	month_current(&cy, &cm, NULL);
	return y * 12 + m < cy * 12 + cm;
}

/* The month of text s into mo, *y and *m: 0, or -1 with err (422
 * invalid_parameter). */
static int month_arg(const char *s, struct month *mo, int *y, int *m, err_t *err)
{
	if (s == NULL || month_parse(s, y, m) < 0)
		return err_set(err, 422, "invalid_parameter", "month", "month must be YYYY-MM");
	month_init(mo, *y, *m);
	return 0;
}

int race_publish(db_t *db, const user_t *actor, const char *month, int64_t now, json_t **result, err_t *err)
{
	*result = NULL;
	struct month mo;
	int y, m;
	if (month_arg(month, &mo, &y, &m, err) < 0)
		return -1;
	if (!race_may_publish(actor))
		return err_set(err, 403, "forbidden", NULL, "publishing the race is for an admin or a zone leader (bound to no unit)");
	if (!race_month_closed(y, m)) {
		char cur[MONTH_LEN];
		int cy, cm;
		month_current(&cy, &cm, cur);
		return err_set(err, 422, "month_open", "month", "%s is not over yet: only months before %s are published",
		               mo.name, cur), err_param(err, "month", "%s", mo.name), err_param(err, "current", "%s", cur);
	}
	const char *p[1] = { mo.name };
	if (db_int1(db, "SELECT COUNT(*) FROM race_results WHERE month = $1", 0, 1, p) > 0)
		return err_set(err, 409, "already_published", "month", "%s is already published", mo.name),
		       err_param(err, "month", "%s", mo.name);
	json_t *res = race_live(db, &mo, 1);
	if (res == NULL)
		return db_fail(err, db, DB_ERR, "computing the race");
	json_object_del(res, "published");
	char *text = json_dumps(res, JSON_COMPACT);
	char *wtext = json_dumps(json_object_get(res, "weights"), JSON_COMPACT);
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO race_results (month, weights, result, published_by, published_at) VALUES ($1, $2, $3, $4, $5)"
		" ON CONFLICT (month) DO NOTHING RETURNING month");
	int rc = DB_ERR;
	if (st && text && wtext) {
		db_bind_text(st, 1, mo.name);
		db_bind_text(st, 2, wtext);
		db_bind_text(st, 3, text);
		if (actor)
			db_bind_int(st, 4, actor->id);
		else
			db_bind_null(st, 4);
		db_bind_int(st, 5, now);
		rc = db_step(st);
	}
	db_done(st);
	free(text);
	free(wtext);
	if (rc != DB_ROW) {
		json_decref(res);
		if (rc == DB_DONE)
			return err_set(err, 409, "already_published", "month", "%s is already published", mo.name),
			       err_param(err, "month", "%s", mo.name);
		return db_fail(err, db, rc, "publishing the race");
	}
	json_object_del(res, "recruiters");
	json_object_set_new(res, "published", json_true());
	json_object_set_new(res, "published_at", json_integer((json_int_t)now));
	*result = res;
	return 0;
}

int race_unpublish(db_t *db, const user_t *actor, const char *month, const char *reason, json_t **detail, err_t *err)
{
	*detail = NULL;
	struct month mo;
	int y, m;
	if (month_arg(month, &mo, &y, &m, err) < 0)
		return -1;
	if (actor && !(actor->role_bit & ROLE_ADMIN))
		return err_set(err, 403, "forbidden", NULL, "only an admin withdraws a publication");
	if (race_reason_check(reason, err) < 0)
		return -1;
	db_stmt_t *st = db_prepare(db, "DELETE FROM race_results WHERE month = $1 RETURNING published_at, published_by");
	db_bind_text(st, 1, mo.name);
	int rc = db_step(st);
	if (rc == DB_ROW)
		*detail = json_pack("{s:s,s:I,s:o}", "reason", reason, "published_at", (json_int_t)db_col_int(st, 0),
		                    "published_by", db_col_isnull(st, 1) ? json_null() : json_integer(db_col_int(st, 1)));
	db_done(st);
	if (rc == DB_DONE)
		return err_set(err, 404, "not_published", "month", "%s is not published", mo.name),
		       err_param(err, "month", "%s", mo.name);
	if (rc != DB_ROW)
		return db_fail(err, db, rc, "withdrawing the publication");
	return 0;
}

/* The body {month, reason?} of publish and unpublish.  0, or -1 after replying. */
static int publish_body(req_t *r, const char *const *allowed, const char **month, const char **reason)
{
	json_t *o = req_object(r);
	if (o == NULL || body_unknown_field(r, o, allowed))
		return -1;
	if (body_str(r, o, "month", month) < 0 || (reason && body_str(r, o, "reason", reason) < 0))
		return -1;
	return 0;
}

void api_race_publish(req_t *r)
{
	static const char *const allowed[] = { "month", NULL };
	const char *month = NULL;
	if (publish_body(r, allowed, &month, NULL) < 0)
		return;
	json_t *res;
	err_t err;
	if (race_publish(r->db, r->user, month, now_sec(), &res, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	r->audit_entity = "race_results";
	r->audit_id = arena_strdup(r->arena, json_string_value(json_object_get(res, "month")));
	reply_json(r, 201, res);
}

void api_race_unpublish(req_t *r)
{
	static const char *const allowed[] = { "month", "reason", NULL };
	const char *month = NULL, *reason = NULL;
	if (publish_body(r, allowed, &month, &reason) < 0)
		return;
	json_t *detail;
	err_t err;
	if (race_unpublish(r->db, r->user, month, reason, &detail, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	char *text = json_dumps(detail, JSON_COMPACT);
	json_decref(detail);
	r->audit_entity = "race_results";
	r->audit_id = arena_strdup(r->arena, month);
	r->audit_detail = text ? arena_strdup(r->arena, text) : NULL;
	free(text);
	json_t *res = race_result(r->db, month);   /* the live race again */
	if (res == NULL) {
		reply_db_error(r, DB_ERR, "computing the race");
		return;
	}
	reply_json(r, 200, res);
}

void api_race_weights_get(req_t *r)
{
	reply_json(r, 200, race_weights_json(r->db));
}

void api_race_weights_put(req_t *r)
{
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	double w[NMETRICS];
	weights_load(r->db, w);
	err_t e;
	if (weights_parse(o, w, &e) < 0) {
		reply_err(r, &e);
		return;
	}
	json_t *wj = weights_to_json(w);
	char *text = json_dumps(wj, JSON_COMPACT);
	db_stmt_t *st = db_prepare(r->db,
		"INSERT INTO settings (key, value, updated_at) VALUES ('race.weights', $1, $2)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
	int rc = DB_ERR;
	if (st && text) {
		db_bind_text(st, 1, text);
		db_bind_int(st, 2, now_sec());
		rc = db_step(st);
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(text);
		json_decref(wj);
		reply_db_error(r, rc, "saving the weights");
		return;
	}
	r->audit_entity = "settings";
	r->audit_id = "race.weights";
	r->audit_detail = arena_strdup(r->arena, text);
	free(text);
	reply_json(r, 200, wj);
}

/* ---- export ---- */

static lxw_error put_text(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s, lxw_format *f)
{
	if (s == NULL || *s == '\0')
		return LXW_NO_ERROR;
	if (!cell_is_formula_like(s))
		return worksheet_write_string(ws, row, col, s, f);
	size_t n = strlen(s);
	char *q = malloc(n + 2);
	if (q == NULL)
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	q[0] = '\'';
	memcpy(q + 1, s, n + 1);
	lxw_error e = worksheet_write_string(ws, row, col, q, f);
	free(q);
	return e;
}

static lxw_error put_num(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, json_t *v, lxw_format *f)
{
	if (v == NULL || json_is_null(v))
		return LXW_NO_ERROR;
	return worksheet_write_number(ws, row, col, json_number_value(v), f);
}

static int export_write(const char *path, json_t *res, json_t *rec)
{
	lxw_workbook *wb = workbook_new(path);
	if (wb == NULL)
		return -1;
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "单位排名");
	static const char *const head[] = {
		"排名", "单位", "得分", "有效信息", "有效信息得分", "签约项目数", "签约项目得分",
		"签约投资(亿元)", "签约投资得分", "落地项目数", "落地项目得分", "签约周期(天)", "签约周期得分",
		"重大项目数", "重大项目得分", "配额完成率", "配额得分", "上月排名",
	};
	static const char *const mkeys[] = {
		"leads", "signed_count", "signed_investment", "landed", "speed_days", "major", "quota",
	};
	lxw_error e = LXW_NO_ERROR;
	for (int i = 0; i < (int)(sizeof head / sizeof head[0]); i++)
		e = e ? e : worksheet_write_string(ws, 0, (lxw_col_t)i, head[i], bold);
	worksheet_set_column(ws, 1, 1, 24, NULL);
	worksheet_set_column(ws, 2, 17, 12, NULL);
	worksheet_freeze_panes(ws, 1, 2);
	size_t i;
	json_t *u;
	json_t *prev = json_object_get(res, "previous");
	json_array_foreach(json_object_get(res, "units"), i, u) {
		lxw_row_t row = (lxw_row_t)i + 1;
		e = e ? e : put_num(ws, row, 0, json_object_get(u, "rank"), NULL);
		e = e ? e : put_text(ws, row, 1, json_string_value(json_object_get(u, "name")), NULL);
		e = e ? e : put_num(ws, row, 2, json_object_get(u, "score"), NULL);
		json_t *m = json_object_get(u, "metrics");
		for (int k = 0; k < 7; k++) {
			json_t *mk = json_object_get(m, mkeys[k]);
			e = e ? e : put_num(ws, row, (lxw_col_t)(3 + 2 * k), json_object_get(mk, "value"), NULL);
			e = e ? e : put_num(ws, row, (lxw_col_t)(4 + 2 * k), json_object_get(mk, "score"), NULL);
		}
		char key[32];
		snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(u, "unit_id")));
		e = e ? e : put_num(ws, row, 17, json_object_get(prev, key), NULL);
	}
	lxw_worksheet *ws2 = workbook_add_worksheet(wb, "招商人员排名");
	static const char *const head2[] = {
		"排名", "姓名", "单位", "有效信息", "签约投资(亿元)", "外出天数", "配额完成", "得分",
	};
	for (int k = 0; k < (int)(sizeof head2 / sizeof head2[0]); k++)
		e = e ? e : worksheet_write_string(ws2, 0, (lxw_col_t)k, head2[k], bold);
	worksheet_set_column(ws2, 1, 2, 24, NULL);
	json_array_foreach(rec, i, u) {
		lxw_row_t row = (lxw_row_t)i + 1;
		e = e ? e : put_num(ws2, row, 0, json_object_get(u, "rank"), NULL);
		e = e ? e : put_text(ws2, row, 1, json_string_value(json_object_get(u, "name")), NULL);
		e = e ? e : put_text(ws2, row, 2, json_string_value(json_object_get(u, "unit_name")), NULL);
		e = e ? e : put_num(ws2, row, 3, json_object_get(u, "leads"), NULL);
		e = e ? e : put_num(ws2, row, 4, json_object_get(u, "signed_investment"), NULL);
		e = e ? e : put_num(ws2, row, 5, json_object_get(u, "days_out"), NULL);
		if (!e && json_object_get(u, "quota_met"))
			e = worksheet_write_string(ws2, row, 6, json_is_true(json_object_get(u, "quota_met")) ? "是" : "否", NULL);
		e = e ? e : put_num(ws2, row, 7, json_object_get(u, "score"), NULL);
	}
	lxw_error ce = workbook_close(wb);
	return e == LXW_NO_ERROR && ce == LXW_NO_ERROR ? 0 : -1;
}

void api_race_export(req_t *r)
{
	const char *month = month_param(r);
	if (month == NULL)
		return;
	json_t *res = race_full(r->db, month, 1);
	if (res == NULL) {
		reply_db_error(r, DB_ERR, "computing the race");
		return;
	}
	char *path = reply_tmpfile(r, "zoneops-race");
	if (path == NULL) {
		json_decref(res);
		return;
	}
	int bad = export_write(path, res, json_object_get(res, "recruiters"));
	const char *mname = json_string_value(json_object_get(res, "month"));
	char *name = arena_printf(r->arena, "race-%s.xlsx", mname ? mname : "month");
	json_decref(res);
	if (bad) {
		unlink(path);
		reply_error(r, 500, "internal", NULL, "the export failed");
		return;
	}
	reply_file(r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name, path, NULL, 0);
}
