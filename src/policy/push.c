/*
 * push.c -- 政策推送: a published policy goes to the enterprises that nearly
 * meet it (exactly one top-level clause false, none unknown) as "you may
 * qualify if ...", naming the clause with the enterprise's own value and
 * saying it in plain Chinese and English.  无事不扰: not to an enterprise
 * that muted the policy's code, not twice for a code in a calendar month,
 * and at most push_monthly_cap (a setting, default 2) pushes per
 * enterprise per calendar month in zone time.
 */
#include "policy.h"

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

/* The push's body: the near clause, its value and its plain words. */
static char *push_body(const struct policy_match *m, const struct policy *p, size_t i, arena_t *a)
{
	struct rule_result *cond = arena_alloc(a, sizeof *cond), *ben = arena_alloc(a, sizeof *ben);
	policy_match_explain(m, i, a, cond, ben);
	int k = m->ents[i].near;
	if (k < 0 || (size_t)k >= cond->nclauses)
		return NULL;
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
	char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	return s;
}

static int insert_push(db_t *db, int64_t ent, const struct policy *p, const char *body, const char *month,
                       int64_t now, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "INSERT INTO inbox (enterprise_id, kind, policy_id, title, body, month, created_at)"
	                               " VALUES ($1, 'push', $2, $3, $4, $5, $6)");
	int rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, ent);
		db_bind_int(st, 2, p->id);
		db_bind_text(st, 3, p->name);
		db_bind_text(st, 4, body);
		db_bind_text(st, 5, month);
		db_bind_int(st, 6, now);
		rc = db_step(st);
		db_done(st);
	}
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "pushing");
}

static int push_all(db_t *db, arena_t *a, const struct policy_match *m, const struct policy *p, int64_t now,
                    struct push_result *out, err_t *err)
{
	char month[MONTH_LEN];
	int y, mo;
	date_to_civil(date_of_unix(now), &y, &mo, NULL);
	month_format(y, mo, month);
	int cap = push_cap(db);
	struct ent_counts muted, sent, same;
	int rc = -1;
	if (counts_load(db, "SELECT enterprise_id, 1 FROM policy_mutes WHERE policy_code = $1 ORDER BY enterprise_id",
	                p->code, NULL, &muted, err) < 0)
		return -1;
	if (counts_load(db, "SELECT enterprise_id, count(*) FROM inbox WHERE kind = 'push' AND month = $1"
	                    " GROUP BY enterprise_id ORDER BY enterprise_id", month, NULL, &sent, err) < 0)
		goto out1;
	if (counts_load(db, "SELECT i.enterprise_id, count(*) FROM inbox i JOIN policies p ON p.id = i.policy_id"
	                    " WHERE i.kind = 'push' AND i.month = $1 AND p.code = $2 GROUP BY i.enterprise_id"
	                    " ORDER BY i.enterprise_id", month, p->code, &same, err) < 0)
		goto out2;
	for (size_t i = 0; i < m->n; i++) {
		const struct match_ent *e = &m->ents[i];
		if (e->result != RULE_FALSE || e->near < 0)
			continue;
		if (counts_find(&muted, e->id)) {
			out->skipped_muted++;
			continue;
		}
		if (counts_find(&same, e->id)) {
			out->skipped_already++;
			continue;
		}
		const int64_t *c = counts_find(&sent, e->id);
		if ((c ? *c : 0) >= cap) {
			out->skipped_cap++;
			continue;
		}
		char *body = push_body(m, p, i, a);
		int irc = body ? insert_push(db, e->id, p, body, month, now, err) : 0;
		free(body);
		if (irc < 0)
			goto out3;
		out->pushed += body != NULL;   /* each enterprise is met once: no count to move */
	}
	rc = 0;
out3:
	counts_free(&same);
out2:
	counts_free(&sent);
out1:
	counts_free(&muted);
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
