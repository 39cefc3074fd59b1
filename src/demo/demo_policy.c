/*
 * demo_policy.c -- the demo's policies (issue 10): the three policies of
 * docs/rules.md §11 with their cases, published; one batch in each state;
 * a few pushes.  Everything goes through the policy module's domain
 * functions (policy_create, policy_publish, batch_create, batch_decide,
 * inbox_answer, batch_paid, policy_push), as the API would.
 */
#include "demo/demo_policy.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

#define DAY 86400

/* The policies: code, name, tags, summary, condition, benefit, cases and
 * the plan categories they serve (NULL: none). */
static const struct demo_policy {
	const char *code, *name, *tags, *summary, *condition, *benefit, *cases, *plans;
} POLICIES[] = {
	{ "rd-subsidy", "研发费用补助", "[\"研发\", \"补贴\", \"免审即享\"]",
	  "上一年度研发投入不少于100万元、研发投入强度不低于3%、有纳税；补助研发投入的10%，最高200万元。",
	  "rd_spending[year-1] >= 100 and rd_spending[year-1] / revenue[year-1] >= 0.03 and tax_paid[year-1] > 0",
	  "min(rd_spending[year-1] * 0.1, 200)",
	  "[{\"name\": \"研发投入850.5万元，符合\", \"year\": 2025, \"facts\": {\"rd_spending[2024]\": 850.5,"
	  " \"revenue[2024]\": 12000, \"tax_paid[2024]\": 300}, \"expect\": {\"result\": true, \"amount\": 85.05}},"
	  " {\"name\": \"10.005万元四舍五入为10.01\", \"year\": 2025, \"facts\": {\"rd_spending[2024]\": 100.05,"
	  " \"revenue[2024]\": 1000, \"tax_paid[2024]\": 12}, \"expect\": {\"result\": true, \"amount\": 10.01}},"
	  " {\"name\": \"最高200万元\", \"year\": 2025, \"facts\": {\"rd_spending[2024]\": 5000,"
	  " \"revenue[2024]\": 60000, \"tax_paid[2024]\": 900}, \"expect\": {\"result\": true, \"amount\": 200}},"
	  " {\"name\": \"强度1.5%不足\", \"year\": 2025, \"facts\": {\"rd_spending[2024]\": 120,"
	  " \"revenue[2024]\": 8000, \"tax_paid[2024]\": 45}, \"expect\": {\"result\": false}},"
	  " {\"name\": \"缺营业收入\", \"year\": 2025, \"facts\": {\"rd_spending[2024]\": 200,"
	  " \"tax_paid[2024]\": 20}, \"expect\": {\"result\": null}}]", NULL },
	{ "new-hire", "重点企业新增就业补贴", "[\"就业\", \"补贴\", \"重点企业\"]",
	  "重点企业上一年度新增就业不少于10人、从业人数不少于50人；每新增1人补贴0.3万元，最高60万元。",
	  "key and new_employees[year-1] >= 10 and employees[year-1] >= 50",
	  "min(new_employees[year-1] * 0.3, 60)",
	  "[{\"name\": \"新增25人\", \"year\": 2025, \"registry\": {\"key\": true}, \"facts\":"
	  " {\"new_employees[2024]\": 25, \"employees[2024]\": 860}, \"expect\": {\"result\": true, \"amount\": 7.5}},"
	  " {\"name\": \"新增250人，最高60万元\", \"year\": 2025, \"registry\": {\"key\": true}, \"facts\":"
	  " {\"new_employees[2024]\": 250, \"employees[2024]\": 2000}, \"expect\": {\"result\": true, \"amount\": 60}},"
	  " {\"name\": \"非重点企业\", \"year\": 2025, \"registry\": {\"key\": false}, \"facts\":"
	  " {\"new_employees[2024]\": 30, \"employees[2024]\": 120}, \"expect\": {\"result\": false}},"
	  " {\"name\": \"是否重点企业未登记\", \"year\": 2025, \"facts\": {\"new_employees[2024]\": 30,"
	  " \"employees[2024]\": 120}, \"expect\": {\"result\": null}}]", NULL },
	{ "export-growth", "出口增长奖励", "[\"外贸\", \"奖励\"]",
	  "上一年度出口额不少于100万美元、比前一年增长不低于15%；每增长1万美元奖励0.07万元，最高100万元。",
	  "exports[year-1] >= 100 and exports[year-1] >= exports[year-2] * 1.15",
	  "min((exports[year-1] - exports[year-2]) * 0.07, 100)",
	  "[{\"name\": \"1000增至1380\", \"year\": 2025, \"facts\": {\"exports[2024]\": 1380,"
	  " \"exports[2023]\": 1000}, \"expect\": {\"result\": true, \"amount\": 26.6}},"
	  " {\"name\": \"2000增至5000，最高100万元\", \"year\": 2025, \"facts\": {\"exports[2024]\": 5000,"
	  " \"exports[2023]\": 2000}, \"expect\": {\"result\": true, \"amount\": 100}},"
	  " {\"name\": \"增长10%不足\", \"year\": 2025, \"facts\": {\"exports[2024]\": 1100,"
	  " \"exports[2023]\": 1000}, \"expect\": {\"result\": false}},"
	  " {\"name\": \"缺前一年出口额\", \"year\": 2025, \"facts\": {\"exports[2024]\": 1100},"
	  " \"expect\": {\"result\": null}}]", NULL },
	/* 一企一档: pushed first to the enterprises that plan to go public */
	{ "ipo-reward", "企业上市奖励", "[\"上市\", \"奖励\"]",
	  "本年度在境内外证券交易所上市、上一年度营业收入不少于5000万元的企业，一次性奖励200万元。",
	  "listed and revenue[year-1] >= 5000",
	  "200",
	  "[{\"name\": \"已上市，营收8000万元\", \"year\": 2025, \"facts\": {\"listed[2025]\": 1,"
	  " \"revenue[2024]\": 8000}, \"expect\": {\"result\": true, \"amount\": 200}},"
	  " {\"name\": \"未上市\", \"year\": 2025, \"facts\": {\"listed[2025]\": 0, \"revenue[2024]\": 8000},"
	  " \"expect\": {\"result\": false}},"
	  " {\"name\": \"营收3000万元不足\", \"year\": 2025, \"facts\": {\"listed[2025]\": 1,"
	  " \"revenue[2024]\": 3000}, \"expect\": {\"result\": false}},"
	  " {\"name\": \"上市情况未登记\", \"year\": 2025, \"facts\": {\"revenue[2024]\": 8000},"
	  " \"expect\": {\"result\": null}}]", "[\"企业上市\"]" },
};
#define NPOLICIES (sizeof POLICIES / sizeof POLICIES[0])

struct ctx {
	db_t *db;
	arena_t *a;
	char **err;
	int64_t now, officer, leader;
	int year;
	int64_t policy[NPOLICIES];
};

static int fail(struct ctx *c, const char *what, const err_t *e)
{
	char m[512];
	snprintf(m, sizeof m, "demo seed: policies: %s: %s", what, e ? e->message : db_errmsg(c->db));
	if (c->err)
		*c->err = strdup(m);
	else
		fprintf(stderr, "zoneops: %s\n", m);
	return -1;
}

static int seed_policies(struct ctx *c)
{
	for (size_t i = 0; i < NPOLICIES; i++) {
		const struct demo_policy *p = &POLICIES[i];
		json_t *tags = json_loads(p->tags, 0, NULL), *cases = json_loads(p->cases, 0, NULL);
		json_t *plans = p->plans ? json_loads(p->plans, 0, NULL) : NULL;
		struct policy_in in = { .code = p->code, .name = p->name, .summary = p->summary, .condition = p->condition,
		                        .benefit = p->benefit, .tags = tags, .cases = cases, .plans = plans };
		err_t e;
		json_t *report = NULL;
		int rc = tags && cases ? policy_create(c->db, c->a, &in, c->officer, c->now - 90 * DAY, &c->policy[i], &e)
		                       : err_set(&e, 500, "internal", NULL, "the demo's JSON");
		if (rc == 0)
			rc = policy_publish(c->db, c->a, c->policy[i], c->now - 88 * DAY, &report, &e);
		json_decref(report);
		json_decref(tags);
		json_decref(cases);
		json_decref(plans);
		if (rc < 0)
			return fail(c, p->code, &e);
	}
	return 0;
}

/* The inbox grant of each item of batch id, in item order (at most n). */
static size_t grants_of(struct ctx *c, int64_t batch, int64_t *ent, int64_t *inbox, size_t n)
{
	db_stmt_t *st = db_prepare(c->db, "SELECT enterprise_id, id FROM inbox WHERE batch_id = $1 AND kind = 'grant'"
	                                  " ORDER BY item_id");
	size_t k = 0;
	if (st == NULL)
		return 0;
	db_bind_int(st, 1, batch);
	while (k < n && db_step(st) == DB_ROW) {
		ent[k] = db_col_int(st, 0);
		inbox[k++] = db_col_int(st, 1);
	}
	db_done(st);
	return k;
}

/* The ids of the items of batch id in state (at most n). */
static size_t items_in(struct ctx *c, int64_t batch, const char *state, int64_t *ids, size_t n)
{
	db_stmt_t *st = db_prepare(c->db, "SELECT id FROM policy_batch_items WHERE batch_id = $1 AND state = $2 ORDER BY id");
	size_t k = 0;
	if (st == NULL)
		return 0;
	db_bind_int(st, 1, batch);
	db_bind_text(st, 2, state);
	while (k < n && db_step(st) == DB_ROW)
		ids[k++] = db_col_int(st, 0);
	db_done(st);
	return k;
}

#define MAX_ITEMS 400

/* Approve batch id at time t; the first `confirm` enterprises confirm,
 * the next one declines (when decline), a day later each. */
static int approve_and_answer(struct ctx *c, int64_t id, int64_t t, size_t confirm, int decline)
{
	err_t e;
	if (batch_decide(c->db, c->a, id, 1, "同意，按程序拨付", c->leader, t, &e) < 0)
		return fail(c, "approving", &e);
	int64_t ent[MAX_ITEMS], inbox[MAX_ITEMS];
	size_t n = grants_of(c, id, ent, inbox, MAX_ITEMS);
	for (size_t k = 0; k < n && k < confirm + (decline != 0); k++) {
		int yes = k < confirm;
		if (inbox_answer(c->db, ent[k], inbox[k], yes, yes ? NULL : "企业本年度自愿放弃", t + DAY * (int64_t)(k % 5 + 1),
		                 &e) < 0)
			return fail(c, "answering a grant", &e);
	}
	return 0;
}

/* One batch in each state:
 *   closed    new-hire for Y-1: approved, every grant confirmed and paid
 *   rejected  new-hire for Y: rejected by the leader (its enterprises free again)
 *   approved  the R&D subsidy for Y: some confirmed, one declined, the rest waiting
 *   pending   the export reward for Y: waiting for the leader */
static int seed_batches(struct ctx *c)
{
	err_t e;
	int64_t id;
	/* closed */
	if (batch_create(c->db, c->a, c->policy[1], c->year - 1, c->officer, c->now - 60 * DAY, &id, &e) < 0)
		return fail(c, "the closed batch", &e);
	if (approve_and_answer(c, id, c->now - 58 * DAY, MAX_ITEMS, 0) < 0)
		return -1;
	int64_t items[MAX_ITEMS];
	size_t n = items_in(c, id, "confirmed", items, MAX_ITEMS);
	if (n && batch_paid(c->db, id, items, n, c->now - 40 * DAY, &e) < 0)
		return fail(c, "paying", &e);
	/* rejected */
	if (batch_create(c->db, c->a, c->policy[1], c->year, c->officer, c->now - 20 * DAY, &id, &e) < 0 ||
	    batch_decide(c->db, c->a, id, 0, "资金计划未下达，下一批次再报", c->leader, c->now - 19 * DAY, &e) < 0)
		return fail(c, "the rejected batch", &e);
	/* approved */
	if (batch_create(c->db, c->a, c->policy[0], c->year, c->officer, c->now - 12 * DAY, &id, &e) < 0)
		return fail(c, "the approved batch", &e);
	if (approve_and_answer(c, id, c->now - 10 * DAY, 3, 1) < 0)
		return -1;
	/* pending */
	if (batch_create(c->db, c->a, c->policy[2], c->year, c->officer, c->now - 2 * DAY, &id, &e) < 0)
		return fail(c, "the pending batch", &e);
	return 0;
}

/* The export reward pushed for Y to the enterprises one clause short of
 * it; the IPO reward to those that plan to go public (and those near it). */
static int seed_pushes(struct ctx *c)
{
	struct push_result r;
	err_t e;
	if (policy_push(c->db, c->a, c->policy[2], c->year, c->now - DAY, &r, &e) < 0 ||
	    policy_push(c->db, c->a, c->policy[3], c->year, c->now - DAY / 2, &r, &e) < 0)
		return fail(c, "pushing", &e);
	return 0;
}

int demo_seed_policies(db_t *db, int64_t now, char **err)
{
	struct ctx c = { .db = db, .err = err, .now = now };
	if (err)
		*err = NULL;
	date_to_civil(date_of_unix(now), &c.year, NULL, NULL);
	c.officer = db_int1(db, "SELECT id FROM users WHERE username = 'officer01'", 0, 0, NULL);
	c.leader = db_int1(db, "SELECT id FROM users WHERE username = 'leader.zone'", 0, 0, NULL);
	c.a = arena_new();
	int rc = seed_policies(&c) < 0 || seed_batches(&c) < 0 || seed_pushes(&c) < 0 ? -1 : 0;
	arena_free(c.a);
	return rc;
}
