/*
 * eval_store.c -- an evaluation from the database and into it: the
 * registry, the land (plot_users, else enterprises.land_mu) and the facts
 * read in a few ordered scans (one per fact and year over facts_by_fact),
 * the engine (eval.c) run, the evaluation and its results written in
 * multi-row INSERTs; and the evaluation as the API shows it.
 */
#include "land/land.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ---- */

static int load_registry(db_t *db, struct land_input *in, err_t *err)
{
	int64_t count = db_int1(db, "SELECT count(*) FROM enterprises", -1, 0, NULL);
	if (count < 0)
		return db_fail(err, db, DB_ERR, "counting the enterprises");
	size_t cap = (size_t)count + 64;
	in->e = calloc(cap, sizeof *in->e);
	in->from_plots = calloc(cap, 1);
	if (in->e == NULL || in->from_plots == NULL)
		return err_set(err, 500, "out_of_memory", NULL, "out of memory reading the registry");
	db_stmt_t *st = db_prepare(db, "SELECT id, industry, founded_on, land_mu FROM enterprises ORDER BY id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the registry");
	int rc;
	while ((rc = db_step(st)) == DB_ROW && in->n < cap) {
		struct land_ent *e = &in->e[in->n++];
		e->id = db_col_int(st, 0);
		const char *ind = db_col_text(st, 1);
		e->industry = *ind ? arena_strdup(in->arena, ind) : NULL;
		const char *f = db_col_text(st, 2);
		e->founded_year = strlen(f) >= 4 ? atoi(f) : 0;
		/* a REAL column: the decimal it prints as, to 4 decimals */
		struct rule_num land;
		if (rule_num_from_double(db_col_double(st, 3), &land) < 0 || rule_num_round(land, 4, &e->land) < 0)
			e->land = rule_num_int(0);
	}
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return db_fail(err, db, rc, "reading the registry");
	return 0;
}

/* A merge over in->e (sorted by id): index of id from *i on, or -1. */
static long seek(const struct land_input *in, size_t *i, int64_t id)
{
	while (*i < in->n && in->e[*i].id < id)
		(*i)++;
	return *i < in->n && in->e[*i].id == id ? (long)*i : -1;
}

static int load_plots(db_t *db, struct land_input *in, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT enterprise_id, sum(area_mu) FROM plot_users"
	                               " GROUP BY enterprise_id ORDER BY enterprise_id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the plots' users");
	size_t i = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		long k = seek(in, &i, db_col_int(st, 0));
		if (k >= 0) {
			in->e[k].land = fact_value_from_stored(db_col_int(st, 1));
			in->from_plots[k] = 1;
		}
	}
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "reading the plots' users");
}

static int load_fact(db_t *db, struct land_input *in, int f, int year, int prev, size_t *found, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT enterprise_id, value FROM facts"
	                               " WHERE fact = $1 AND year = $2 ORDER BY enterprise_id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the facts");
	db_bind_text(st, 1, land_fact_names[f]);
	db_bind_int(st, 2, year);
	size_t i = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		long k = seek(in, &i, db_col_int(st, 0));
		if (k < 0)
			continue;
		struct land_ent *e = &in->e[k];
		if (prev) {
			e->prev[f] = fact_value_from_stored(db_col_int(st, 1));
			e->has_prev[f] = 1;
		} else {
			e->fact[f] = fact_value_from_stored(db_col_int(st, 1));
			e->has[f] = 1;
		}
		(*found)++;
	}
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "reading the facts");
}

int land_input_load(db_t *db, const struct land_params *p, struct land_input *in, err_t *err)
{
	memset(in, 0, sizeof *in);
	in->arena = arena_new();
	if (load_registry(db, in, err) < 0 || load_plots(db, in, err) < 0)
		return -1;
	/* the facts the preset's indicators read; the year before only for
	 * benchmarks derived from it */
	unsigned char need[LAND_NFACTS] = { 0 }, need_prev[LAND_NFACTS] = { 0 };
	for (int k = 0; k < p->preset->n; k++) {
		const struct land_ind_def *d = &p->preset->ind[k];
		int derive = p->basis[k] != LAND_BM_GIVEN && d->benchmark == NULL;
		for (int s = 0; s < 2; s++) {
			int f = s ? d->den : d->num;
			if (f == LAND_F_LAND)
				continue;
			need[f] = 1;
			need_prev[f] |= derive;
		}
	}
	size_t found = 0, found_prev = 0;
	for (int f = 0; f < LAND_NFACTS; f++) {
		if (need[f] && load_fact(db, in, f, p->year, 0, &found, err) < 0)
			return -1;
		if (need_prev[f] && load_fact(db, in, f, p->year - 1, 1, &found_prev, err) < 0)
			return -1;
	}
	if (found == 0) {
		err_set(err, 422, "no_facts", "year", "there are no facts for %d: import them first", p->year);
		return err_param(err, "year", "%d", p->year);
	}
	return 0;
}

void land_input_free(struct land_input *in)
{
	free(in->e);
	free(in->from_plots);
	if (in->arena)
		arena_free(in->arena);
	memset(in, 0, sizeof *in);
}

/* ---- the texts stored ---- */

static const char *const basis_names[] = { "given", "default", "prior_year", "current_year", "none" };

/* A decimal rounded to `decimals` as JSON number text. */
static void put_num(buf_t *b, struct rule_num n, int decimals)
{
	char t[RULE_NUM_LEN];
	struct rule_num r;
	if (rule_num_round(n, decimals, &r) < 0)
		r = n;
	rule_num_format(r, t);
	buf_puts(b, t);
}

void land_params_text(const struct land_params *p, buf_t *b)
{
	const struct land_preset *ps = p->preset;
	buf_puts(b, "{\"weights\":{");
	for (int k = 0; k < ps->n; k++) {
		buf_printf(b, "%s\"%s\":", k ? "," : "", ps->ind[k].name);
		put_num(b, p->weight[k], 6);
	}
	buf_puts(b, "},\"benchmarks\":{");
	for (int k = 0; k < ps->n; k++) {
		buf_printf(b, "%s\"%s\":", k ? "," : "", ps->ind[k].name);
		if (p->basis[k] == LAND_BM_NONE)
			buf_puts(b, "null");
		else
			put_num(b, p->benchmark[k], 6);
	}
	buf_puts(b, "},\"benchmark_basis\":{");
	for (int k = 0; k < ps->n; k++)
		buf_printf(b, "%s\"%s\":\"%s\"", k ? "," : "", ps->ind[k].name, basis_names[p->basis[k]]);
	buf_puts(b, "},\"cap\":");
	put_num(b, p->cap, 6);
	buf_printf(b, ",\"classing\":{\"mode\":\"%s\"", p->classing == LAND_CLASSING_SHARES ? "shares" : "thresholds");
	for (int c = 0; c < 3; c++) {
		buf_printf(b, ",\"%c\":", 'A' + c);
		put_num(b, p->cls[c], 6);
	}
	buf_puts(b, "},\"min_land_mu\":");
	put_num(b, p->min_land, 6);
	buf_puts(b, "}");
}

/* land_results.indicators: {"land_source","imputed":[..],"indicators":{..}} */
static void result_text(buf_t *b, const struct land_params *p, const struct land_res *r, int from_plots)
{
	const struct land_preset *ps = p->preset;
	buf_printf(b, "{\"land_source\":\"%s\",\"imputed\":[", from_plots ? "plots" : "registry");
	int any = 0;
	for (int k = 0; r->cls != 'T' && k < ps->n; k++)
		if (r->imputed[k])
			buf_printf(b, "%s\"%s\"", any++ ? "," : "", ps->ind[k].name);
	buf_puts(b, "],\"indicators\":{");
	for (int k = 0; r->cls != 'T' && k < ps->n; k++) {
		buf_printf(b, "%s\"%s\":{\"value\":", k ? "," : "", ps->ind[k].name);
		if (r->has_value[k])
			put_num(b, r->value[k], 6);
		else
			buf_puts(b, "null");
		buf_puts(b, ",\"benchmark\":");
		if (p->basis[k] == LAND_BM_NONE)
			buf_puts(b, "null");
		else
			put_num(b, p->benchmark[k], 6);
		buf_puts(b, ",\"weight\":");
		put_num(b, p->weight[k], 6);
		buf_puts(b, ",\"score\":");
		put_num(b, r->score[k], 6);
		buf_puts(b, r->imputed[k] ? ",\"imputed\":true}" : "}");
	}
	buf_puts(b, "}}");
}

/* ---- writing ---- */

static int64_t stored(struct rule_num n)
{
	int64_t s = 0;
	struct rule_num r;
	if (rule_num_round(n, 4, &r) == 0)
		fact_value_to_stored(r, &s);
	return s;
}

/* Write the results: new rows of a new evaluation, one bulk write (COPY
 * on PostgreSQL). */
static int write_results(db_t *db, int64_t eval_id, const struct land_params *p, const struct land_input *in,
                         const struct land_res *res, err_t *err)
{
	static const char *const cls[] = { "A", "B", "C", "D", "T" };
	db_copy_t *c = db_copy_begin(db, "land_results",
		"evaluation_id, enterprise_id, rank, score, land_mu, class, reason, indicators", 8);
	for (size_t i = 0; i < in->n; i++) {
		const struct land_res *r = &res[i];
		if (!r->cls)
			continue;
		buf_t b;
		buf_init(&b);
		result_text(&b, p, r, in->from_plots[i]);
		char *text = buf_steal(&b);
		db_copy_int(c, eval_id);
		db_copy_int(c, in->e[i].id);
		if (r->cls == 'T') {
			db_copy_text(c, NULL);
			db_copy_text(c, NULL);
		} else {
			db_copy_int(c, r->rank);
			db_copy_int(c, stored(r->total));
		}
		db_copy_int(c, stored(in->e[i].land));
		db_copy_text(c, cls[strchr("ABCDT", r->cls) - "ABCDT"]);
		db_copy_text(c, land_reason_names[r->reason]);
		db_copy_text(c, text);   /* NULL (out of memory): a NULL the table refuses */
		db_copy_row(c);
		free(text);
	}
	int rc = db_copy_end(c);
	return rc == DB_OK ? 0 : db_fail(err, db, rc, "saving the results");
}

int land_evaluation_run(db_t *db, struct land_params *p, int dry_run, int64_t actor, int64_t now,
                        struct land_run *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	double t0 = now_mono();
	struct land_input in;
	struct land_res *res = NULL;
	int rc = -1;
	if (land_input_load(db, p, &in, err) < 0)
		goto done;
	out->loaded = now_mono() - t0;
	res = malloc((in.n ? in.n : 1) * sizeof *res);
	if (res == NULL) {
		err_set(err, 500, "out_of_memory", NULL, "out of memory evaluating");
		goto done;
	}
	if (land_evaluate(in.e, in.n, p, res, &out->counts, err) < 0)
		goto done;
	out->computed = now_mono() - t0;
	if (dry_run) {
		rc = 0;
		goto done;
	}
	static const char *const scopes[] = { "industrial", "all" };
	buf_t b;
	buf_init(&b);
	land_params_text(p, &b);
	db_stmt_t *st = db_prepare(db, "INSERT INTO land_evaluations (year, preset, scope, params, state, created_by,"
	                               " created_at) VALUES ($1, $2, $3, $4, 'draft', $5, $6) RETURNING id");
	if (st) {
		db_bind_int(st, 1, p->year);
		db_bind_text(st, 2, p->preset->name);
		db_bind_text(st, 3, scopes[p->scope]);
		db_bind_text(st, 4, b.data);
		if (actor > 0)
			db_bind_int(st, 5, actor);
		else
			db_bind_null(st, 5);
		db_bind_int(st, 6, now);
	}
	int s = st ? db_step(st) : DB_ERR;
	if (s == DB_ROW)
		out->id = db_col_int(st, 0);
	db_done(st);
	buf_free(&b);
	if (s != DB_ROW) {
		db_fail(err, db, s, "saving the evaluation");
		goto done;
	}
	if (write_results(db, out->id, p, &in, res, err) < 0)
		goto done;
	out->stored = now_mono() - t0;
	rc = 0;
done:
	out->n = in.n;
	free(res);
	land_input_free(&in);
	return rc;
}

/* ---- publication ---- */

int land_err_state(err_t *err, const char *state, const char *want)
{
	err_set(err, 409, "bad_state", NULL, "the evaluation is %s, not %s", state, want);
	return err_param(err, "state", "%s", state);
}

/* The state and publish_until of evaluation id: 0, or -1 with err (404, database). */
static int eval_state(db_t *db, int64_t id, char state[16], char until[DATE_LEN], err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT state, publish_until FROM land_evaluations WHERE id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the evaluation");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(state, 16, "%s", db_col_text(st, 0));
		snprintf(until, DATE_LEN, "%s", db_col_text(st, 1));
	}
	db_done(st);
	if (rc == DB_DONE)
		return err_set(err, 404, "not_found", NULL, "no evaluation %lld", (long long)id);
	return rc == DB_ROW ? 0 : db_fail(err, db, rc, "reading the evaluation");
}

static int exec_id(db_t *db, const char *sql, int64_t id, int64_t t, err_t *err)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the evaluation");
	db_bind_int(st, 1, id);
	if (t)
		db_bind_int(st, 2, t);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving the evaluation");
}

int land_evaluation_publish(db_t *db, int64_t id, int64_t days, int64_t now, err_t *err)
{
	char state[16], until[DATE_LEN];
	if (days < 1 || days > 90) {
		err_set(err, 422, "invalid_parameter", "days", "days must be between 1 and 90");
		return err_param(err, "field", "days");
	}
	if (eval_state(db, id, state, until, err) < 0)
		return -1;
	if (strcmp(state, "draft") != 0)
		return land_err_state(err, state, "draft");
	date_format(date_of_unix(now) + days, until);
	db_stmt_t *st = db_prepare(db, "UPDATE land_evaluations SET state = 'published', publish_days = $2,"
	                               " publish_until = $3, published_at = $4 WHERE id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "publishing the evaluation");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, days);
	db_bind_text(st, 3, until);
	db_bind_int(st, 4, now);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "publishing the evaluation");
}

int land_evaluation_finalize(db_t *db, int64_t id, int64_t now, err_t *err)
{
	char state[16], until[DATE_LEN], today[DATE_LEN];
	if (eval_state(db, id, state, until, err) < 0)
		return -1;
	if (strcmp(state, "published") != 0)
		return land_err_state(err, state, "published");
	char idt[24];
	snprintf(idt, sizeof idt, "%lld", (long long)id);
	const char *p[1] = { idt };
	int64_t open = db_int1(db, "SELECT count(*) FROM land_objections WHERE evaluation_id = CAST($1 AS BIGINT)"
	                           " AND state = 'open'", -1, 1, p);
	if (open < 0)
		return db_fail(err, db, DB_ERR, "counting the objections");
	if (open > 0) {
		err_set(err, 409, "objections_open", NULL, "%lld objections wait for a decision", (long long)open);
		return err_param(err, "count", "%lld", (long long)open);
	}
	date_format(date_of_unix(now), today);
	if (strcmp(today, until) <= 0) {
		err_set(err, 409, "publication_running", NULL, "the publication runs until %s", until);
		return err_param(err, "until", "%s", until);
	}
	/* the final class: the objection's decision, else the class */
	if (exec_id(db, "UPDATE land_evaluations SET state = 'final', finalized_at = $2 WHERE id = $1", id, now, err) < 0 ||
	    exec_id(db, "UPDATE land_results SET final_class = class WHERE evaluation_id = $1 AND final_class IS NULL", id,
	            0, err) < 0)
		return -1;
	return 0;
}
