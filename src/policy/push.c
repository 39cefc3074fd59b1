/*
 * push.c -- 政策推送: a published policy goes to the enterprises that nearly
 * meet it (exactly one top-level clause false, none unknown) as "you may
 * qualify if ...", naming the clause with the enterprise's own value and
 * saying it in plain Chinese and English.  无事不扰: not to an enterprise
 * that muted the policy's code, not twice for a code in a calendar month,
 * and at most push_monthly_cap (a setting, default 2) pushes per
 * enterprise per calendar month in zone time.
 *
 * 一企一档: a policy that serves plan categories (policies.plans, e.g.
 * ["企业上市"]) goes first to the enterprises with a plan of one of them that
 * are not yet eligible, near or not, and its message says why ("你企计划
 * 2026年上市，可关注…"); the plans are read here with their own SQL (the
 * layers keep policy from the service module that writes them).
 */
#include "policy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"

/* A sorted list of (enterprise, count) read from one query. */
struct ent_counts {
	int64_t *id, *count;
	size_t n;
};

static int counts_load(db_t *db, const char *sql, const char *p1, const char *p2, struct ent_counts *c, err_t *err)
{
	memset(c, 0, sizeof *c);
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the pushes");
	db_bind_text(st, 1, p1);
	if (p2)
		db_bind_text(st, 2, p2);
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (c->n == cap) {
			cap = cap ? cap * 2 : 256;
			int64_t *a = realloc(c->id, cap * sizeof *a), *b = a ? realloc(c->count, cap * sizeof *b) : NULL;
			if (a)
				c->id = a;
			if (b == NULL) {
				db_done(st);
				return err_set(err, 500, "out_of_memory", NULL, "out of memory");
			}
			c->count = b;
		}
		c->id[c->n] = db_col_int(st, 0);
		c->count[c->n++] = db_col_int(st, 1);
	}
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "reading the pushes");
}

static int64_t *counts_find(const struct ent_counts *c, int64_t id)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->n && c->id[lo] == id ? &c->count[lo] : NULL;
}

static void counts_free(struct ent_counts *c)
{
	free(c->id);
	free(c->count);
}

static int push_cap(db_t *db)
{
	char *v = setting_get(db, "push_monthly_cap");
	int cap = v ? atoi(v) : PUSH_CAP_DEFAULT;
	free(v);
	return cap;
}

/* An enterprise's plan that the policy serves (its earliest). */
struct ent_plan {
	int64_t ent;
	int year;
	const char *category, *category_en;     /* in the arena */
};
struct ent_plans {
	struct ent_plan *v;
	size_t n;
};

static int serves(const json_t *cats, const char *category)
{
	size_t i;
	const json_t *c;
	json_array_foreach(cats, i, c)
		if (json_is_string(c) && strcmp(json_string_value(c), category) == 0)
			return 1;
	return 0;
}

/* The plans of the categories cats, one per enterprise (the earliest
 * year), by enterprise.  0, or -1 with err. */
static int plans_load(db_t *db, arena_t *a, const json_t *cats, struct ent_plans *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (cats == NULL || json_array_size(cats) == 0)
		return 0;
	db_stmt_t *st = db_prepare(db, "SELECT p.enterprise_id, p.category, c.name_en, p.year FROM enterprise_plans p"
	                               " JOIN plan_categories c ON c.name = p.category"
	                               " ORDER BY p.enterprise_id, p.year, c.sort, p.id");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the plans");
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t ent = db_col_int(st, 0);
		if ((out->n && out->v[out->n - 1].ent == ent) || !serves(cats, db_col_text(st, 1)))
			continue;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct ent_plan *v = realloc(out->v, cap * sizeof *v);
			if (v == NULL) {
				db_done(st);
				return err_set(err, 500, "out_of_memory", NULL, "out of memory");
			}
			out->v = v;
		}
		struct ent_plan *e = &out->v[out->n++];
		e->ent = ent;
		e->category = arena_strdup(a, db_col_text(st, 1));
		e->category_en = arena_strdup(a, db_col_text(st, 2));
		e->year = (int)db_col_int(st, 3);
	}
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "reading the plans");
}

static const struct ent_plan *plan_find(const struct ent_plans *ps, int64_t ent)
{
	size_t lo = 0, hi = ps->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ps->v[mid].ent < ent)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ps->n && ps->v[lo].ent == ent ? &ps->v[lo] : NULL;
}

/* Why the policy is for this enterprise, in words: {category, category_en,
 * year, zh, en}.  企业上市 reads "你企计划2026年上市"; another category "你企有
 * 技术改造计划（2026年）". */
static json_t *plan_reason(const struct ent_plan *pl, const struct policy *p, arena_t *a)
{
	const char *en_cat = pl->category_en && *pl->category_en ? pl->category_en : pl->category;
	char *lower = arena_strdup(a, en_cat);
	for (char *c = lower; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	int ipo = strcmp(pl->category, "企业上市") == 0;
	const char *zh = ipo ? arena_printf(a, "你企计划%d年上市，可关注「%s」。", pl->year, p->name)
	                     : arena_printf(a, "你企有%s计划（%d年），可关注「%s」。", pl->category, pl->year, p->name);
	const char *en = ipo ? arena_printf(a, "Your company plans to go public in %d: “%s” may be for you.", pl->year,
	                                    p->name)
	                     : arena_printf(a, "Your company plans %s (%d): “%s” may be for you.", lower, pl->year, p->name);
	return json_pack("{s:s,s:s,s:i,s:s,s:s}", "category", pl->category, "category_en", en_cat, "year", pl->year,
	                 "zh", zh, "en", en);
}

/* The push's body: the near clause, its value and its plain words, and
 * the plan that makes the policy the enterprise's (pl, may be NULL).
 * NULL when there is neither. */
static char *push_body(const struct policy_match *m, const struct policy *p, size_t i, const struct ent_plan *pl,
                       arena_t *a)
{
	struct rule_result *cond = arena_alloc(a, sizeof *cond), *ben = arena_alloc(a, sizeof *ben);
	policy_match_explain(m, i, a, cond, ben);
	int k = m->ents[i].near;
	if (k < 0 || (size_t)k >= cond->nclauses) {
		if (pl == NULL)
			return NULL;
		json_t *body = json_pack("{s:s,s:s,s:i,s:o}", "policy_name", p->name, "policy_code", p->code, "year",
		                         m->year, "plan", plan_reason(pl, p, a));
		char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		return s;
	}
	buf_t zh, en;
	buf_init(&zh);
	buf_init(&en);
	rule_to_text(m->pr->cond, k, RULE_ZH, &m->pr->facts, m->year, &zh);
	rule_to_text(m->pr->cond, k, RULE_EN, &m->pr->facts, m->year, &en);
	json_t *body = json_pack("{s:s,s:s,s:i,s:{s:s,s:s,s:b},s:{s:s,s:s}}", "policy_name", p->name, "policy_code",
	                         p->code, "year", m->year, "clause", "text", cond->clauses[k].text ? cond->clauses[k].text : "",
	                         "value", cond->clauses[k].value ? cond->clauses[k].value : "", "result", 0, "plain", "zh",
	                         zh.data ? zh.data : "", "en", en.data ? en.data : "");
	buf_free(&zh);
	buf_free(&en);
	if (body && pl)
		json_object_set_new(body, "plan", plan_reason(pl, p, a));
	char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	return s;
}

/* One push into the inbox, through the bulk write that push_all opens at
 * the first (one COPY on PostgreSQL, whatever the number of pushes). */
static void insert_push(db_copy_t *cp, int64_t ent, const struct policy *p, const char *body, const char *month,
                        int64_t now)
{
	db_copy_int(cp, ent);
	db_copy_text(cp, "push");
	db_copy_int(cp, p->id);
	db_copy_text(cp, p->name);
	db_copy_text(cp, body);
	db_copy_text(cp, month);
	db_copy_int(cp, now);
	db_copy_row(cp);
}

/* What push_all() reads once: the month, the cap, who muted the code,
 * who got how many pushes this month and who got this code. */
struct push_ctx {
	char month[MONTH_LEN];
	int cap;
	struct ent_counts muted, sent, same;
	struct ent_plans plans;
	db_copy_t *copy;   /* the pushes, from the first on (nothing else is read meanwhile) */
};

/* Push to enterprise i unless 无事不扰 says not. */
static void push_one(db_t *db, arena_t *a, const struct policy_match *m, const struct policy *p, size_t i,
                     const struct ent_plan *pl, struct push_ctx *c, int64_t now, struct push_result *out)
{
	const struct match_ent *e = &m->ents[i];
	if (counts_find(&c->muted, e->id)) {
		out->skipped_muted++;
		return;
	}
	if (counts_find(&c->same, e->id)) {
		out->skipped_already++;
		return;
	}
	const int64_t *n = counts_find(&c->sent, e->id);
	if ((n ? *n : 0) >= c->cap) {
		out->skipped_cap++;
		return;
	}
	char *body = push_body(m, p, i, pl, a);
	if (body && c->copy == NULL)
		c->copy = db_copy_begin(db, "inbox", "enterprise_id, kind, policy_id, title, body, month, created_at", 7);
	if (body)
		insert_push(c->copy, e->id, p, body, c->month, now);
	free(body);
	out->pushed += body != NULL;   /* each enterprise is met once: no count to move */
	out->with_plan += body != NULL && pl != NULL;
}

static int push_all(db_t *db, arena_t *a, const struct policy_match *m, const struct policy *p, int64_t now,
                    struct push_result *out, err_t *err)
{
	struct push_ctx c;
	memset(&c, 0, sizeof c);
	int y, mo;
	date_to_civil(date_of_unix(now), &y, &mo, NULL);
	month_format(y, mo, c.month);
	c.cap = push_cap(db);
	int rc = -1;
	if (counts_load(db, "SELECT enterprise_id, 1 FROM policy_mutes WHERE policy_code = $1 ORDER BY enterprise_id",
	                p->code, NULL, &c.muted, err) < 0 ||
	    counts_load(db, "SELECT enterprise_id, count(*) FROM inbox WHERE kind = 'push' AND month = $1"
	                    " GROUP BY enterprise_id ORDER BY enterprise_id", c.month, NULL, &c.sent, err) < 0 ||
	    counts_load(db, "SELECT i.enterprise_id, count(*) FROM inbox i JOIN policies p ON p.id = i.policy_id"
	                    " WHERE i.kind = 'push' AND i.month = $1 AND p.code = $2 GROUP BY i.enterprise_id"
	                    " ORDER BY i.enterprise_id", c.month, p->code, &c.same, err) < 0 ||
	    plans_load(db, a, p->plans, &c.plans, err) < 0)
		goto out;
	/* first the enterprises with a plan the policy serves (not eligible
	 * yet), then the others near it */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < m->n; i++) {
			const struct match_ent *e = &m->ents[i];
			const struct ent_plan *pl = plan_find(&c.plans, e->id);
			int go = pass == 0 ? pl != NULL && e->result != RULE_TRUE
			                   : pl == NULL && e->result == RULE_FALSE && e->near >= 0;
			if (go)
				push_one(db, a, m, p, i, pl, &c, now, out);
		}
	rc = 0;
out:
	if (c.copy) {
		int crc = db_copy_end(c.copy);
		if (crc != DB_OK && rc == 0)
			rc = db_fail(err, db, crc, "pushing");
	}
	counts_free(&c.same);
	counts_free(&c.sent);
	counts_free(&c.muted);
	free(c.plans.v);
	return rc;
}

int policy_push(db_t *db, arena_t *a, int64_t policy_id, int year, int64_t now, struct push_result *out,
                err_t *err)
{
	memset(out, 0, sizeof *out);
	struct policy p;
	struct policy_rules pr;
	struct policy_match m;
	int rc = -1;
	if (policy_match_published(db, a, policy_id, year, "pushed", &p, &pr, &m, err) < 0)
		goto out;
	rc = push_all(db, a, &m, &p, now, out, err);
out:
	policy_match_free(&m);
	policy_rules_free(&pr);
	policy_clear(&p);
	return rc;
}
