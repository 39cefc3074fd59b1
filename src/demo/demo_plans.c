/*
 * demo_plans.c -- the demo's 一企一档 plans (issue 14): what the officers
 * learnt on their recent visits.  The latest visit to each of the first
 * DEMO_PLAN_ENTS enterprises visited in the RECENT days before today, and
 * the latest visit to each demo enterprise account's enterprise (ent.hengtai
 * first: it plans to go public next year), records two plans, dated
 * relative to today.  Stored through plan_check/plan_insert, as a visit
 * stores them.
 */
#include "demo/demo_plans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/service.h"

#define DAY 86400
enum { DEMO_PLAN_ENTS = 16, RECENT = 84, MAX_VISITS = DEMO_PLAN_ENTS + 8 };

static const struct demo_plan {
	const char *category, *description, *horizon;
	int year_offset;            /* years after today's */
	int64_t amount_wan;         /* -1: none */
} PLANS[] = {
	{ "企业上市", "已完成股份制改造，拟申报深交所创业板上市，正在接受辅导", "1_3_years", 1, -1 },
	{ "技术改造", "新建两条智能化生产线，更新数控加工设备", "this_year", 0, 3500 },
	{ "产品升级", "新一代产品完成中试，计划年内量产", "this_year", 0, 1200 },
	{ "科技创新", "与高校共建研发中心，申报省级工程技术研究中心", "1_3_years", 2, 800 },
	{ "市场拓展", "开拓东南亚市场，在越南设立海外仓", "this_year", 0, 600 },
	{ "人才引进", "引进博士3名、高级工程师10名", "this_year", 0, 300 },
};
#define NPLANS (sizeof PLANS / sizeof PLANS[0])

struct dvisit {
	int64_t id, ent, visitor, at;
};

static int fail(db_t *db, char **err, const char *what, const err_t *e)
{
	char m[512];
	snprintf(m, sizeof m, "demo seed: plans: %s: %s", what, e ? e->message : db_errmsg(db));
	if (err)
		*err = strdup(m);
	else
		fprintf(stderr, "zoneops: %s\n", m);
	return -1;
}

/* The visits to plan on: the enterprise accounts' first, then the recent
 * ones, the latest visit of each enterprise once.  The count, or -1. */
static int pick(db_t *db, int64_t now, struct dvisit *out)
{
	char since[DATE_LEN];
	date_format(date_of_unix(now) - RECENT, since);
	static const char *const sql[] = {
		"SELECT v.id, v.enterprise_id, v.visitor_id, v.created_at FROM visits v"
		" JOIN users u ON u.enterprise_id = v.enterprise_id AND u.role = 'enterprise'"
		" WHERE v.visitor_id IS NOT NULL AND CAST($1 AS TEXT) IS NOT NULL"
		" ORDER BY u.username <> 'ent.hengtai', u.username, v.visited_on DESC, v.id DESC",
		"SELECT v.id, v.enterprise_id, v.visitor_id, v.created_at FROM visits v"
		" WHERE v.visitor_id IS NOT NULL AND v.visited_on >= $1 ORDER BY v.visited_on DESC, v.id DESC",
	};
	int n = 0;
	for (int q = 0; q < 2; q++) {
		db_stmt_t *st = db_prepare(db, sql[q]);
		if (st == NULL)
			return -1;
		db_bind_text(st, 1, since);
		int rc, fresh = 0;
		while ((rc = db_step(st)) == DB_ROW && n < MAX_VISITS && (q == 0 || fresh < DEMO_PLAN_ENTS)) {
			int64_t ent = db_col_int(st, 1);
			int seen = 0;
			for (int k = 0; k < n; k++)
				seen |= out[k].ent == ent;
			if (seen)
				continue;
			out[n++] = (struct dvisit){ db_col_int(st, 0), ent, db_col_int(st, 2), db_col_int(st, 3) };
			fresh++;
		}
		db_done(st);
		if (rc != DB_ROW && rc != DB_DONE)
			return -1;
	}
	return n;
}

int demo_seed_plans(db_t *db, int64_t now, char **err)
{
	if (err)
		*err = NULL;
	struct dvisit v[MAX_VISITS];
	int n = pick(db, now, v);
	if (n < 0)
		return fail(db, err, "the visits", NULL);
	int year;
	date_to_civil(date_of_unix(now), &year, NULL, NULL);
	for (int k = 0; k < n; k++)
		for (int j = 0; j < 2; j++) {
			/* two plans a visit: categories k and k + 3 of the table */
			const struct demo_plan *d = &PLANS[(size_t)(k + 3 * j) % NPLANS];
			struct plan_in p = {
				.category = d->category, .description = d->description, .horizon = d->horizon,
				.year = year + d->year_offset, .has_amount = d->amount_wan >= 0,
				.amount_wan = d->amount_wan, .visit_id = v[k].id,
			};
			user_t who = { .id = v[k].visitor };
			err_t e;
			int64_t id;
			if (plan_check(db, &p, now, &e) < 0 || plan_insert(db, &who, v[k].ent, &p, v[k].at, &id, &e) < 0)
				return fail(db, err, d->category, &e);
		}
	return 0;
}
