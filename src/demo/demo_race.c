/*
 * demo_race.c -- the horse-race (赛马制) part of the demo data set.
 *
 * demo.c seeds the six units, their leaders (leader.<code>) and recruiters
 * (rec.<code>.1..5) and the demo projects; this file adds what the race
 * page and the battle board need besides them:
 *
 * The race lives in the present: its months are the 23 up to the last full
 * month before the clock's today (the race's ranking, the wall and the
 * trips open on that month, with everyone's activity), and this month has
 * only the leads still awaiting review.
 *
 * 1. Leads (有效信息) of every unit, captured over those 23 months, denser
 *    in the recent ones: mostly qualified, some pending (more of them in
 *    the last weeks) or rejected, this month's all pending (captured up to
 *    yesterday, so the ranking does not open on a month just begun), and
 *    a few companies claimed later by another
 *    unit (duplicate_of = the first claim, which was inserted first, so
 *    that the ids follow the order of the claims as the API would have
 *    them).  company_key is race_company_key() of the name.
 * 2. Every demo project with a signed_on gets a qualified lead of its unit
 *    (same recruiter and industry; the company is the project's enterprise
 *    when it has one) captured on the project's lead_on, 40-200 days before
 *    it signed (the article's third project: 202 days, its fixed dates), and
 *    the project is then created from it (projects.lead_id, the race's speed
 *    metric; a landed project finds its enterprise by the lead's company).
 *    The other projects keep demo.c's lead_on without a lead.
 * 3. Trips (外出招商) of every leader and recruiter over the last 11 of
 *    those months, ending with the last full month, one person's trips
 *    never overlapping: recruiters mostly 15-20 days out a
 *    month, in about one month out of five fewer (quota not met), some trips
 *    running across a month end; leaders 3-8 visits a month (mostly >= 5)
 *    on short trips.  Destinations are the usual 招商 cities and a few
 *    trips abroad; companies lists the unit's lead companies visited.
 * 4. unit_targets for the clock's year and the one before, derived from
 *    each unit's actual figures so that against the 时序进度 of the last
 *    full month the units come out green, yellow and red (fixed per unit
 *    and target); early in the year (less than three full months) from
 *    last year's figures and some growth instead.
 *
 * Every choice comes from a fixed-seed xorshift generator: two runs give
 * the same rows for the same month of the clock; `now` stamps created_at /
 * updated_at and places the months.  Every row is
 * written by the race's own functions (lead_insert and lead_update,
 * project_insert, trip_insert, unit_target_set) as the API writes it: a
 * recruiter records its leads, projects and trips, the unit's leader
 * qualifies or rejects the leads and records its own trips.
 */
#include "demo/demo_race.h"

#include "race/race_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define MAXUNITS 16
#define MAXPEOPLE 128
#define MAXPROJECTS 256
#define MAXLEADS 2048
#define NMONTHS 23          /* the race's months, up to the last full one */

struct ctx {
	db_t *db;
	uint64_t rng;
	int64_t now;
	int failed;
	char msg[640];
};

static uint64_t rnd(struct ctx *c)
{
	uint64_t x = c->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static int rnd_int(struct ctx *c, int lo, int hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int)(rnd(c) % (uint64_t)(hi - lo + 1));
}

static double rnd_unit(struct ctx *c)
{
	return (double)(rnd(c) >> 11) * (1.0 / 9007199254740992.0);
}

static int fail(struct ctx *c, const char *what)
{
	if (!c->failed) {
		snprintf(c->msg, sizeof c->msg, "demo seed (race): %s: %s", what, db_errmsg(c->db));
		c->failed = 1;
	}
	return -1;
}

/* A race function refused what the demo wrote: its message. */
static int fail_err(struct ctx *c, const char *what, const err_t *e)
{
	if (!c->failed) {
		snprintf(c->msg, sizeof c->msg, "demo seed (race): %s: %s%s%s", what, e->message,
		         e->field ? " -- " : "", e->field ? e->field : "");
		c->failed = 1;
	}
	return -1;
}

/* ---- dates (days since 1970-01-01) ---- */


static int64_t parse_day(const char *s)
{
	int64_t d;
	return date_parse(s, &d) == DATE_OK ? d : -1;
}

/* The race's months: index 0 is NMONTHS months before the clock's
 * month, NMONTHS - 1 the last full month, NMONTHS the clock's month. */
struct months {
	int y0, m0;                         /* month index 0 */
	int64_t today;
};

static void months_init(struct months *ms, int64_t now)
{
	ms->today = date_of_unix(now);
	date_to_civil(ms->today, &ms->y0, &ms->m0, NULL);
	month_add(&ms->y0, &ms->m0, -NMONTHS);
}

/* First day of month index mi. */
static int64_t demo_month_first(const struct months *ms, int mi)
{
	int y = ms->y0, m = ms->m0;
	month_add(&y, &m, mi);
	return month_first(y, m);
}

static int month_of(const struct months *ms, int64_t day)
{
	int y, m;
	date_to_civil(day, &y, &m, NULL);
	return (y * 12 + m) - (ms->y0 * 12 + ms->m0);
}

/* ---- names ---- */

static const char *const PLACES[] = {
	"苏州", "上海", "无锡", "常州", "深圳", "杭州", "宁波", "南通", "江苏", "浙江",
	"广东", "北京", "合肥", "青岛", "厦门", "天津", "南京", "东莞", "武汉", "成都",
};

static const char *const TRADES[] = {
	"恒瑞", "华川", "中科", "鼎盛", "博远", "瑞丰", "科达", "天合", "德信", "联创",
	"汇通", "新能", "金田", "海辰", "启明", "正泰", "睿智", "宏图", "安捷", "东方",
	"卓越", "同方", "晶澳", "永鑫", "盛世", "佳禾", "锦程", "远景", "凯盛", "泰和",
	"中达", "明阳", "华信", "长风", "美锦", "信远", "致远", "恒通", "润泽", "弘毅",
	"蓝海", "嘉盛", "立讯", "鑫源", "华拓", "澳新",
};

/* Industry words by the project/lead industry code. */
static const struct {
	const char *code;
	const char *words[4];
} TRADE_WORDS[] = {
	{ "C17", { "纺织科技", "新型面料", "服饰", NULL } },
	{ "C26", { "新材料", "化工科技", "电子化学品", "特种气体" } },
	{ "C27", { "生物医药", "制药", "生物科技", "医药科技" } },
	{ "C29", { "高分子材料", "塑胶科技", "新材料科技", NULL } },
	{ "C33", { "金属制品", "精密铸造", "五金科技", NULL } },
	{ "C34", { "精密机械", "智能装备", "数控科技", "传动科技" } },
	{ "C35", { "医疗器械", "精工装备", "专用设备", NULL } },
	{ "C36", { "汽车零部件", "汽车科技", "车辆部件", NULL } },
	{ "C38", { "新能源科技", "电气", "电机科技", "储能科技" } },
	{ "C39", { "微电子", "半导体", "光电科技", "电子科技" } },
	{ "I65", { "信息技术", "软件", "数据科技", "网络科技" } },
	{ "L72", { "商务咨询", "投资管理", "供应链管理", "企业管理" } },
	{ "F51", { "国际贸易", "进出口", "贸易", NULL } },
	{ "F52", { "商业管理", "电子商务", "商贸", NULL } },
	{ "G59", { "物流", "供应链", "仓储服务", "冷链物流" } },
	{ "M73", { "技术研究院", "技术研发", "科技研发", NULL } },
	{ "M74", { "检测技术", "认证服务", "检验检测", NULL } },
	{ "P83", { "教育科技", "职业培训", NULL, NULL } },
};

/* Industries each unit works in (by unit sort order). */
static const char *const UNIT_INDUSTRIES[6][6] = {
	{ "C34", "C38", "C39", "C36", "C29", "C26" },   /* 招商局 */
	{ "C27", "C35", "C26", "M73", "C39", "C27" },   /* 投资促进局 */
	{ "I65", "L72", "F51", "M74", "G59", "M73" },   /* 服务业发展局 */
	{ "G59", "F51", "C34", "M73", "C17", "G59" },   /* 综保区管理局招商部 */
	{ "C38", "C35", "C26", "C33", "C39", "C29" },   /* 工业招商公司 */
	{ "F52", "L72", "I65", "G59", "P83", "F52" },   /* 服务业招商公司 */
};

static const char *const NOTES_OK[] = {
	"经中介机构推荐，已初步接洽", "参加上海进博会对接获得", "企业有扩产意向，计划在华东布局新基地",
	"已实地考察载体，意向较强", "通过商协会引荐，正在洽谈用地需求", "总部来访座谈，拟设立区域公司",
	"产业链上下游配套企业，龙头企业推荐", "外出招商拜访获得，已报送项目概况", "",
};
static const char *const NOTES_PENDING[] = {
	"待核实投资主体和资金来源", "待领导审核", "信息待补充完善", "",
};
static const char *const NOTES_REJECTED[] = {
	"投资强度不达标", "产业方向不符合园区定位", "企业资金链存在风险", "亩均税收预期过低",
};

static const struct {
	const char *name;
	int weight, abroad;
} DESTS[] = {
	{ "上海", 22, 0 }, { "深圳", 14, 0 }, { "苏州", 12, 0 }, { "北京", 10, 0 }, { "杭州", 8, 0 },
	{ "广州", 6, 0 }, { "南京", 6, 0 }, { "无锡", 5, 0 }, { "宁波", 4, 0 }, { "合肥", 4, 0 },
	{ "东莞", 3, 0 }, { "武汉", 3, 0 }, { "成都", 2, 0 }, { "厦门", 2, 0 }, { "青岛", 2, 0 },
	{ "香港", 2, 0 }, { "日本大阪", 1, 1 }, { "日本东京", 1, 1 }, { "德国法兰克福", 1, 1 },
	{ "韩国首尔", 1, 1 }, { "新加坡", 1, 1 },
};

static const char *const LEADER_DESTS[] = { "上海", "苏州", "南京", "无锡", "深圳", "北京", "杭州", "常州" };

/* ---- data read from the demo ---- */

struct person {
	int64_t id;
	int unit;
	int leader;
};

struct project {                        /* a signed project of the plan */
	int64_t recruiter, total;
	int unit, plan;                     /* plan: its index in the projects given */
	char industry[16], lead_on[11], signed_on[11], company[160];
};

struct lead {
	int unit, status;               /* 0 pending, 1 qualified, 2 rejected */
	int64_t recruiter, est, day, id;
	int dup_of;                     /* index, -1 none */
	int project;                    /* index, -1 none */
	char company[160], industry[16];
	const char *notes;
};

struct race {
	struct ctx c;
	const struct demo_project *plan;    /* demo.c's projects */
	int nplan;
	int64_t plan_lead[MAXPROJECTS];     /* the lead of each, 0 none */
	int64_t plan_lead_day[MAXPROJECTS]; /* its captured_on */
	int nunits, npeople, nprojects, nleads;
	int64_t unit_id[MAXUNITS];
	struct person people[MAXPEOPLE];
	struct project projects[MAXPROJECTS];
	struct lead leads[MAXLEADS];
	char keys[MAXLEADS][200];
	int nkeys;
	struct months ms;
	db_copy_t *trips;                   /* seed_trips' rows, in one COPY */
};

static int key_used(struct race *r, const char *name)
{
	char key[200];
	race_company_key(name, key, sizeof key);
	for (int i = 0; i < r->nkeys; i++)
		if (strcmp(r->keys[i], key) == 0)
			return 1;
	return 0;
}

static void key_add(struct race *r, const char *name)
{
	if (r->nkeys < MAXLEADS)
		race_company_key(name, r->keys[r->nkeys++], sizeof r->keys[0]);
}

static const char *trade_word(struct ctx *c, const char *industry)
{
	for (int i = 0; i < NELEM(TRADE_WORDS); i++)
		if (strcmp(TRADE_WORDS[i].code, industry) == 0) {
			int n = 0;
			while (n < 4 && TRADE_WORDS[i].words[n])
				n++;
			return TRADE_WORDS[i].words[rnd_int(c, 0, n - 1)];
		}
	return "科技";
}

/* A new company name of the industry, unique by its key. */
static void company_name(struct race *r, const char *industry, char out[160])
{
	for (int tries = 0; tries < 200; tries++) {
		double x = rnd_unit(&r->c);
		const char *suffix = x < 0.68 ? "有限公司" : x < 0.88 ? "股份有限公司" : "集团有限公司";
		const char *trade = TRADES[rnd_int(&r->c, 0, NELEM(TRADES) - 1)];
		const char *word = trade_word(&r->c, industry);
		if (rnd_unit(&r->c) < 0.07)
			snprintf(out, 160, "%s%s（中国）%s", trade, word, "有限公司");
		else
			snprintf(out, 160, "%s%s%s%s", PLACES[rnd_int(&r->c, 0, NELEM(PLACES) - 1)], trade, word, suffix);
		if (!key_used(r, out)) {
			key_add(r, out);
			return;
		}
	}
	snprintf(out, 160, "南通新辰%s有限公司", trade_word(&r->c, industry));   /* not reached in practice */
}

/* ---- reading the demo ---- */

/* The index of a unit id in r->unit_id, or -1. */
static int unit_index(const struct race *r, int64_t id)
{
	for (int i = 0; i < r->nunits; i++)
		if (r->unit_id[i] == id)
			return i;
	return -1;
}

static int load(struct race *r)
{
	db_stmt_t *st = db_prepare(r->c.db, "SELECT id FROM units ORDER BY sort, id");
	if (st == NULL)
		return fail(&r->c, "units");
	int rc;
	while ((rc = db_step(st)) == DB_ROW && r->nunits < MAXUNITS)
		r->unit_id[r->nunits++] = db_col_int(st, 0);
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return fail(&r->c, "units");

	st = db_prepare(r->c.db,
		"SELECT id, unit_id, role FROM users WHERE role IN ('leader', 'recruiter') AND unit_id IS NOT NULL"
		" ORDER BY unit_id, role, id");
	if (st == NULL)
		return fail(&r->c, "people");
	while ((rc = db_step(st)) == DB_ROW && r->npeople < MAXPEOPLE) {
		int u = unit_index(r, db_col_int(st, 1));
		if (u < 0)
			continue;
		struct person *p = &r->people[r->npeople++];
		p->id = db_col_int(st, 0);
		p->unit = u;
		p->leader = strcmp(db_col_text(st, 2), "leader") == 0;
	}
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return fail(&r->c, "people");

	for (int k = 0; k < r->nplan; k++) {
		const struct demo_project *dp = &r->plan[k];
		int u = unit_index(r, dp->unit_id);
		if (dp->dates[1][0] == '\0' || u < 0)
			continue;
		struct project *p = &r->projects[r->nprojects++];
		p->plan = k;
		p->unit = u;
		p->recruiter = dp->recruiter_id;
		snprintf(p->industry, sizeof p->industry, "%s", dp->industry);
		p->total = dp->total_investment_wan;
		snprintf(p->lead_on, sizeof p->lead_on, "%s", dp->dates[0]);
		snprintf(p->signed_on, sizeof p->signed_on, "%s", dp->dates[1]);
		snprintf(p->company, sizeof p->company, "%s", dp->company ? dp->company : "");
	}
	return 0;
}

static int64_t unit_recruiter(struct race *r, int u)
{
	int64_t ids[MAXPEOPLE];
	int n = 0;
	for (int i = 0; i < r->npeople; i++)
		if (r->people[i].unit == u && !r->people[i].leader)
			ids[n++] = r->people[i].id;
	return n ? ids[rnd_int(&r->c, 0, n - 1)] : 0;
}

/* ---- leads ---- */

static int64_t lead_amount(struct ctx *c)
{
	double x = rnd_unit(c);
	int64_t v = x < 0.6 ? rnd_int(c, 3000, 50000) : x < 0.9 ? rnd_int(c, 50000, 100000) : rnd_int(c, 100000, 500000);
	return v / 500 * 500;
}

/* This month's leads of unit u, captured from `from` (the month's first
 * day) up to yesterday, all awaiting the leader's review: about six a
 * month, so the battle board's 有效信息 has new ones whatever the day. */
static void gen_pending(struct race *r, int u, int64_t from)
{
	int days = (int)(r->ms.today - from);
	int n = (int)lround(days * rnd_int(&r->c, 4, 8) / 30.0);
	for (int k = 0; k < n && r->nleads < MAXLEADS; k++) {
		struct lead *l = &r->leads[r->nleads++];
		memset(l, 0, sizeof *l);
		l->unit = u;
		l->day = from + rnd_int(&r->c, 0, days - 1);
		l->status = 0;
		l->recruiter = unit_recruiter(r, u);
		l->dup_of = -1;
		l->project = -1;
		snprintf(l->industry, sizeof l->industry, "%s", UNIT_INDUSTRIES[u % 6][rnd_int(&r->c, 0, 5)]);
		l->est = lead_amount(&r->c);
		company_name(r, l->industry, l->company);
		l->notes = NOTES_PENDING[rnd_int(&r->c, 0, NELEM(NOTES_PENDING) - 1)];
	}
}

/* Relative number of leads captured in month index m: growing, the last
 * months several times the first ones. */
#define MONTH_WEIGHT(m) (40 + (m) * (m))

static void gen_leads(struct race *r)
{
	const struct months *ms = &r->ms;
	const int64_t first = demo_month_first(ms, 0), last = demo_month_first(ms, NMONTHS) - 1;
	const int64_t recent = demo_month_first(ms, NMONTHS - 1), autumn = demo_month_first(ms, NMONTHS - 3);
	for (int u = 0; u < r->nunits; u++) {
		const char *const *inds = UNIT_INDUSTRIES[u % 6];
		int total = rnd_int(&r->c, 55, 80), made = 0;
		/* the leads of the unit's signed projects */
		for (int p = 0; p < r->nprojects && r->nleads < MAXLEADS; p++) {
			struct project *pr = &r->projects[p];
			if (pr->unit != u)
				continue;
			int64_t signed_day = parse_day(pr->signed_on), day = parse_day(pr->lead_on);
			if (day < 0 || signed_day - day < 20 || signed_day - day > 210)
				day = signed_day - rnd_int(&r->c, 40, 160);
			struct lead *l = &r->leads[r->nleads++];
			memset(l, 0, sizeof *l);
			l->unit = u;
			l->status = 1;
			l->recruiter = pr->recruiter ? pr->recruiter : unit_recruiter(r, u);
			l->day = day;
			l->dup_of = -1;
			l->project = p;
			snprintf(l->industry, sizeof l->industry, "%s", pr->industry);
			l->est = pr->total;
			if (pr->company[0] && !key_used(r, pr->company)) {
				snprintf(l->company, sizeof l->company, "%s", pr->company);
				key_add(r, l->company);
			} else {
				company_name(r, pr->industry, l->company);
			}
			l->notes = "已转为签约项目";
			made++;
		}
		/* the others, denser in the recent months */
		for (; made < total && r->nleads < MAXLEADS; made++) {
			int wsum = 0;
			for (int m = 0; m < NMONTHS; m++)
				wsum += MONTH_WEIGHT(m);
			int x = rnd_int(&r->c, 0, wsum - 1), mi = 0;
			while (mi < NMONTHS - 1 && x >= MONTH_WEIGHT(mi)) {
				x -= MONTH_WEIGHT(mi);
				mi++;
			}
			int64_t mf = demo_month_first(ms, mi), ml = demo_month_first(ms, mi + 1) - 1;
			if (ml > last)
				ml = last;
			if (mf < first)
				mf = first;
			struct lead *l = &r->leads[r->nleads++];
			memset(l, 0, sizeof *l);
			l->unit = u;
			l->day = mf + rnd_int(&r->c, 0, (int)(ml - mf));
			double s = rnd_unit(&r->c);
			double pend = l->day >= recent ? 0.35 : l->day >= autumn ? 0.10 : 0.04;
			l->status = s < pend ? 0 : s < pend + 0.11 ? 2 : 1;
			l->recruiter = unit_recruiter(r, u);
			l->dup_of = -1;
			l->project = -1;
			snprintf(l->industry, sizeof l->industry, "%s", inds[rnd_int(&r->c, 0, 5)]);
			l->est = lead_amount(&r->c);
			company_name(r, l->industry, l->company);
			l->notes = l->status == 0 ? NOTES_PENDING[rnd_int(&r->c, 0, NELEM(NOTES_PENDING) - 1)]
			         : l->status == 2 ? NOTES_REJECTED[rnd_int(&r->c, 0, NELEM(NOTES_REJECTED) - 1)]
			                          : NOTES_OK[rnd_int(&r->c, 0, NELEM(NOTES_OK) - 1)];
		}
		gen_pending(r, u, last + 1);
	}
	/* cross-unit duplicates: a company another unit claimed earlier */
	int nbase = r->nleads;
	static char taken[MAXLEADS];
	memset(taken, 0, sizeof taken);
	for (int u = 0; u < r->nunits; u++) {
		int ndup = rnd_int(&r->c, 1, 2);
		for (int k = 0, tries = 0; k < ndup && tries < 500 && r->nleads < MAXLEADS; tries++) {
			int j = rnd_int(&r->c, 0, nbase - 1);
			struct lead *o = &r->leads[j];
			if (o->unit == u || o->status == 2 || o->project >= 0 || taken[j])
				continue;
			int64_t day = o->day + rnd_int(&r->c, 15, 150);
			if (day > last)
				continue;
			taken[j] = 1;
			struct lead *l = &r->leads[r->nleads++];
			*l = *o;
			l->unit = u;
			l->day = day;
			l->recruiter = unit_recruiter(r, u);
			l->status = rnd_unit(&r->c) < 0.7 ? 1 : 0;
			l->dup_of = j;
			l->project = -1;
			l->est = lead_amount(&r->c);
			/* the same company written differently: the key is the same */
			char *suf = strstr(l->company, "股份有限公司");
			if (suf) {
				strcpy(suf, "有限公司");
			} else if ((suf = strstr(l->company, "有限公司")) != NULL && suf[strlen("有限公司")] == '\0'
			           && strstr(l->company, "集团") == NULL) {
				strcpy(suf, "股份有限公司");
			}
			l->notes = "与他单位已报线索重复";
			k++;
		}
	}
}

static const struct race *g_sort;

static int by_day(const void *a, const void *b)
{
	int i = *(const int *)a, j = *(const int *)b;
	const struct lead *x = &g_sort->leads[i], *y = &g_sort->leads[j];
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* The user a person acts as (a recruiter or a leader of its unit). */
static user_t as_user(const struct race *r, const struct person *p)
{
	user_t u = { .id = p->id, .role = p->leader ? "leader" : "recruiter",
	             .role_bit = p->leader ? ROLE_LEADER : ROLE_RECRUITER, .unit_id = r->unit_id[p->unit] };
	return u;
}

static const struct person *find_person(const struct race *r, int64_t id)
{
	for (int i = 0; i < r->npeople; i++)
		if (r->people[i].id == id)
			return &r->people[i];
	return NULL;
}

static const struct person *unit_leader(const struct race *r, int u)
{
	for (int i = 0; i < r->npeople; i++)
		if (r->people[i].unit == u && r->people[i].leader)
			return &r->people[i];
	return NULL;
}

/* One lead as the API has it: its recruiter records it (pending; a unit
 * without recruiters: its leader), the unit's leader then qualifies or
 * rejects it.  The duplicate the race finds must be the one planned. */
static int insert_lead(struct race *r, struct lead *l)
{
	static const int QUALIFIED[] = { -1, 1, 0 };   /* by l->status */
	const struct person *rec = find_person(r, l->recruiter), *leader = unit_leader(r, l->unit);
	if ((rec == NULL && leader == NULL) || (l->status != 0 && leader == NULL))
		return fail(&r->c, "leads: a unit without a leader");
	user_t actor = as_user(r, rec ? rec : leader), boss = leader ? as_user(r, leader) : actor;
	char day[11];
	date_format(l->day, day);
	struct lead_in in = { .unit_id = r->unit_id[l->unit], .recruiter_id = l->recruiter, .company = l->company,
	                      .credit_code = "", .industry = l->industry, .captured_on = day, .notes = l->notes,
	                      .est_investment_wan = l->est, .qualified = -1 };
	int64_t dup = 0, dup_unit = 0;
	err_t e;
	if (lead_insert(r->c.db, &actor, &in, r->c.now, &l->id, &dup, &dup_unit, &e) < 0)
		return fail_err(&r->c, "leads", &e);
	if (dup != (l->dup_of >= 0 ? r->leads[l->dup_of].id : 0))
		return fail(&r->c, "leads: the duplicate found is not the one planned");
	if (l->status == 0)
		return 0;
	struct lead_in old = in, upd = in;
	upd.qualified = QUALIFIED[l->status];
	if (lead_update(r->c.db, &boss, l->id, &old, &upd, NULL, r->c.now, NULL, &e) < 0)
		return fail_err(&r->c, "leads", &e);
	return 0;
}

static int insert_leads(struct race *r)
{
	static int order[MAXLEADS];
	for (int i = 0; i < r->nleads; i++)
		order[i] = i;
	g_sort = r;
	qsort(order, (size_t)r->nleads, sizeof order[0], by_day);
	for (int k = 0; k < r->nleads; k++) {
		struct lead *l = &r->leads[order[k]];
		if (insert_lead(r, l) < 0)
			return -1;
		if (l->project >= 0) {
			r->plan_lead[r->projects[l->project].plan] = l->id;
			r->plan_lead_day[r->projects[l->project].plan] = l->day;
		}
	}
	return 0;
}

/* demo.c's projects in their order, each by its recruiter: a signed one
 * from its lead (lead_on is the lead's captured_on), the others with their
 * own lead_on; talks (negotiating_on) begin no earlier than the lead. */
static int insert_projects(struct race *r)
{
	for (int k = 0; k < r->nplan; k++) {
		const struct demo_project *dp = &r->plan[k];
		const struct person *rec = find_person(r, dp->recruiter_id);
		if (rec == NULL)
			return fail(&r->c, "projects: the recruiter is not a member of a unit");
		user_t actor = as_user(r, rec);
		char talks[11];
		snprintf(talks, sizeof talks, "%s", dp->negotiating_on);
		if (r->plan_lead[k] && talks[0]) {
			char lead_day[11];
			date_format(r->plan_lead_day[k], lead_day);
			if (strcmp(talks, lead_day) < 0)
				memcpy(talks, lead_day, sizeof talks);
		}
		struct project_in in = {
			.name = dp->name, .industry = dp->industry, .signed_on = dp->dates[1], .landed_on = dp->dates[2],
			.started_on = dp->dates[3], .producing_on = dp->dates[4], .unit_id = dp->unit_id,
			.lead_id = r->plan_lead[k], .recruiter_id = dp->recruiter_id,
			.total_investment_wan = dp->total_investment_wan,
			.foreign_investment_wan_usd = dp->foreign_investment_wan_usd, .negotiating = dp->negotiating,
			.lead_on = r->plan_lead[k] ? NULL : dp->dates[0], .negotiating_on = talks,
		};
		int64_t id;
		err_t e;
		if (project_insert(r->c.db, &actor, &in, r->c.now, &id, &e) < 0)
			return fail_err(&r->c, "projects", &e);
	}
	return 0;
}

/* ---- trips ---- */

/* The trips are those of the last 11 of the race's months (from month
 * index 12): every list of the demo stays within 1000 items
 * (tests/e2e/openapi.test.mjs reads each one in a single page), and 23
 * months of trips would be over 3000.  They end with the last full month
 * (the race's months are the recruiters' trips: the ranking of that month
 * has them). */
#define TRIP_FROM 12

static int64_t trip_month_first(const struct race *r, int mi)
{
	return demo_month_first(&r->ms, mi);
}

static const char *destination(struct ctx *c, int leader, int *abroad)
{
	*abroad = 0;
	if (leader)
		return LEADER_DESTS[rnd_int(c, 0, NELEM(LEADER_DESTS) - 1)];
	int sum = 0;
	for (int i = 0; i < NELEM(DESTS); i++)
		sum += DESTS[i].weight;
	int x = rnd_int(c, 0, sum - 1);
	for (int i = 0; i < NELEM(DESTS); i++) {
		if (x < DESTS[i].weight) {
			*abroad = DESTS[i].abroad;
			return DESTS[i].name;
		}
		x -= DESTS[i].weight;
	}
	return "上海";
}

/* n company names of unit u's leads, joined by 、 */
static void companies(struct race *r, int u, int n, char *out, size_t cap)
{
	int idx[MAXLEADS], m = 0;
	for (int i = 0; i < r->nleads; i++)
		if (r->leads[i].unit == u && r->leads[i].dup_of < 0)
			idx[m++] = i;
	out[0] = '\0';
	size_t len = 0;
	for (int k = 0; k < n && m > 0; k++) {
		const char *name = r->leads[idx[rnd_int(&r->c, 0, m - 1)]].company;
		if (strstr(out, name))
			continue;
		int w = snprintf(out + len, cap - len, "%s%s", len ? "、" : "", name);
		if (w < 0 || (size_t)w >= cap - len) {
			out[len] = '\0';
			break;
		}
		len += (size_t)w;
	}
}

/* One trip, recorded by its person (trip_insert's row: the demo's trips
 * are within its checks), into r->trips. */
static void insert_trip(struct race *r, const struct person *p, int64_t start, int64_t end, const char *dest,
                        int visits)
{
	char from[11], to[11], comp[1024];
	date_format(start, from);
	date_format(end, to);
	int n = visits < 1 ? 0 : visits < 4 ? visits : rnd_int(&r->c, 2, 4);
	companies(r, p->unit, n, comp, sizeof comp);
	db_copy_t *c = r->trips;
	db_copy_int(c, p->id);
	db_copy_text(c, from);
	db_copy_text(c, to);
	db_copy_text(c, dest);
	db_copy_int(c, visits);
	db_copy_text(c, comp);
	db_copy_int(c, p->id);
	db_copy_int(c, r->c.now);
	db_copy_int(c, r->c.now);
	db_copy_row(c);
}

static void plan_trips(struct race *r)
{
	const int64_t end_all = trip_month_first(r, NMONTHS) - 1;   /* the last full month's end */
	for (int i = 0; i < r->npeople; i++) {
		const struct person *p = &r->people[i];
		int covered[NMONTHS + 1];
		memset(covered, 0, sizeof covered);
		int64_t c = trip_month_first(r, TRIP_FROM) + 1 + rnd_int(&r->c, 0, 3);
		for (int m = TRIP_FROM; m < NMONTHS; m++) {
			int64_t mf = trip_month_first(r, m), ml = trip_month_first(r, m + 1) - 1;
			if (c < mf)
				c = mf + rnd_int(&r->c, 0, 2);
			if (c > ml)
				continue;
			if (!p->leader) {
				int target = rnd_unit(&r->c) < 0.78 ? rnd_int(&r->c, 15, 20) : rnd_int(&r->c, 8, 14);
				while (covered[m] < target && c <= ml) {
					int need = target - covered[m];
					int avail = (int)(ml - c + 1);
					if (need > avail)
						need = avail;
					int abroad;
					const char *dest = destination(&r->c, 0, &abroad);
					int len = abroad ? rnd_int(&r->c, 8, 12) : rnd_int(&r->c, 6, 11);
					if (len > need && !abroad)
						len = need;
					int trips_left = (need + 7) / 8;
					int slack = avail - need;
					int gap = slack > 0 ? rnd_int(&r->c, 0, slack / (trips_left + 1)) : 0;
					int64_t start = c + gap, end = start + len - 1;
					if (start > ml)
						break;
					/* now and then a trip runs over the month end */
					if (end >= ml - 2 && end <= ml && rnd_unit(&r->c) < 0.5)
						end = ml + rnd_int(&r->c, 1, 3);
					if (end > end_all)
						end = end_all;
					if (end < start)
						end = start;
					for (int64_t d = start; d <= end; d++) {
						int dm = month_of(&r->ms, d);
						if (dm >= 0 && dm <= NMONTHS)
							covered[dm]++;
					}
					int days = (int)(end - start + 1);
					int visits = days + rnd_int(&r->c, 0, days);
					insert_trip(r, p, start, end, dest, visits);
					c = end + 1 + rnd_int(&r->c, 1, 2);
				}
			} else {
				int visits = rnd_unit(&r->c) < 0.8 ? rnd_int(&r->c, 5, 8) : rnd_int(&r->c, 3, 4);
				int k = 2;
				int64_t base = c;
				int slot = (int)(ml - base + 1) / k;
				if (slot < 3)
					k = 1, slot = (int)(ml - base + 1);
				for (int t = 0; t < k; t++) {
					int64_t start = base + (int64_t)t * slot + rnd_int(&r->c, 0, slot > 3 ? slot - 3 : 0);
					if (start < c)
						start = c;
					if (start > ml)
						break;
					int64_t end = start + rnd_int(&r->c, 0, 2);
					if (end > end_all)
						end = end_all;
					int v = t == k - 1 ? visits - (visits / k) * (k - 1) : visits / k;
					int abroad;
					insert_trip(r, p, start, end, destination(&r->c, 1, &abroad), v);
					c = end + 1 + rnd_int(&r->c, 0, 1);
				}
			}
		}
	}
}

static int seed_trips(struct race *r)
{
	r->trips = db_copy_begin(r->c.db, "trips",
	                         "user_id, start_on, end_on, destination, visits, companies, created_by, created_at,"
	                         " updated_at", 9);
	plan_trips(r);
	int rc = db_copy_end(r->trips);
	r->trips = NULL;
	return rc == DB_OK ? 0 : fail(&r->c, "trips");
}

/* ---- targets ---- */

/* How far behind the time progress each unit is meant to be in the
 * clock's year, per target (signed investment, landed projects, leads), in
 * percent of it (in December about as many points); negative: ahead. */
static const int BEHIND[6][3] = {
	{ -5, 0, 5 },     /* green */
	{ 15, 5, 0 },     /* yellow */
	{ 40, 20, 5 },    /* red */
	{ 5, 22, 0 },     /* yellow */
	{ 0, 5, -5 },     /* green */
	{ 20, 45, 12 },   /* red */
};

/* Unit u's figures of a year, as the battle board counts them: signed
 * investment (万元), landed projects, qualified leads (first claims). */
static int unit_actuals(struct race *r, int u, int year, int64_t actual[3])
{
	char from[11], to[11];
	snprintf(from, sizeof from, "%04d-01-01", year);
	snprintf(to, sizeof to, "%04d-12-31", year);
	db_stmt_t *st = db_prepare(r->c.db,
		"SELECT (SELECT COALESCE(sum(p.total_investment_wan), 0) FROM projects p WHERE p.unit_id = $1"
		"   AND p.signed_on >= $2 AND p.signed_on <= $3),"
		" (SELECT count(*) FROM projects p WHERE p.unit_id = $1 AND p.landed_on >= $2 AND p.landed_on <= $3),"
		" (SELECT count(*) FROM leads l WHERE l.unit_id = $1 AND l.status = 'qualified'"
		"   AND l.duplicate_of IS NULL AND l.captured_on >= $2 AND l.captured_on <= $3)");
	if (st == NULL)
		return fail(&r->c, "unit actuals");
	int b = db_bind_int(st, 1, r->unit_id[u]) != DB_OK;
	b |= db_bind_text(st, 2, from) != DB_OK;
	b |= db_bind_text(st, 3, to) != DB_OK;
	int rc = b ? DB_ERR : db_step(st);
	for (int k = 0; k < 3; k++)
		actual[k] = rc == DB_ROW ? db_col_int(st, k) : 0;
	db_done(st);
	return rc == DB_ROW ? 0 : fail(&r->c, "unit actuals");
}

/* A target of kind k (0 signed investment in 万元, at least 5亿 and
 * rounded; 1 landed projects, 2 leads, at least 1) near t. */
static int64_t round_target(int k, double t)
{
	if (k == 0)
		return t >= 100000 ? llround(t / 10000) * 10000 : t >= 50000 ? llround(t / 5000) * 5000 : 50000;
	return llround(t) < 1 ? 1 : llround(t);
}

/* Unit u's targets of a year whose 时序进度 is tp (1 for a year gone by)
 * from its figures of the year (actual) and of the year before (before,
 * NULL for the year gone by): its completion is BEHIND percent short of
 * tp in the clock's year (random for the year gone by); early in the year (fewer than three full months, or
 * nothing done yet) last year's figures with 8-20% growth. */
static void unit_targets(struct race *r, int u, double tp, const int64_t actual[3], const int64_t *before,
                         int64_t target[3])
{
	for (int k = 0; k < 3; k++) {
		if (before && (tp < 3 / 12.0 || actual[k] <= 0) && before[k] > 0) {
			target[k] = round_target(k, (double)before[k] * (1.08 + 0.04 * rnd_int(&r->c, 0, 3)));
			continue;
		}
		int behind = before ? BEHIND[u % 6][k] : rnd_int(&r->c, -2, 3) * 5;
		double f = tp * (1 - behind / 100.0);
		if (actual[k] <= 0 || f <= 0)
			target[k] = k == 0 ? (int64_t)rnd_int(&r->c, 20, 50) * 10000 : k == 1 ? rnd_int(&r->c, 1, 3)
			                                                           : rnd_int(&r->c, 20, 40);
		else
			target[k] = round_target(k, (double)actual[k] / f);
	}
}

/* The targets of the clock's year and of the one before, as the API's
 * PUT /unit-targets (an admin's or a leader's) writes them. */
static int seed_targets(struct race *r)
{
	int this_year, this_month;
	date_to_civil(r->ms.today, &this_year, &this_month, NULL);
	for (int year = this_year - 1; year <= this_year; year++) {
		/* 时序进度 of the battle board: the last full month (docs/time-progress.md) */
		double tp = year < this_year ? 1.0 : (this_month - 1) / 12.0;
		for (int u = 0; u < r->nunits; u++) {
			int64_t actual[3], before[3], target[3];
			if (unit_actuals(r, u, year, actual) < 0 ||
			    (year == this_year && unit_actuals(r, u, year - 1, before) < 0))
				return -1;
			unit_targets(r, u, tp, actual, year == this_year ? before : NULL, target);
			struct unit_target t = { .unit_id = r->unit_id[u], .year = year, .signed_investment_wan = target[0],
			                         .landed_projects = target[1], .leads = target[2] };
			err_t e;
			if (unit_target_set(r->c.db, NULL, &t, &e) < 0)
				return fail_err(&r->c, "unit_targets", &e);
		}
	}
	return 0;
}

int demo_seed_race(db_t *db, int64_t now, const struct demo_project *projects, int n, char **err)
{
	if (err)
		*err = NULL;
	struct race *r = calloc(1, sizeof *r);
	if (r == NULL) {
		if (err)
			*err = strdup("demo seed (race): out of memory");
		else
			fprintf(stderr, "demo seed (race): out of memory\n");
		return -1;
	}
	r->c.db = db;
	r->c.rng = 0x4ACE2026C0FFEE11ULL;
	r->c.now = now;
	months_init(&r->ms, now);
	r->plan = projects;
	r->nplan = n;
	int rc = -1;
	if (n > MAXPROJECTS)
		fail(&r->c, "more projects than MAXPROJECTS");
	else if (load(r) == 0) {
		gen_leads(r);
		if (insert_leads(r) == 0 && insert_projects(r) == 0 && seed_trips(r) == 0 && seed_targets(r) == 0)
			rc = 0;
	}
	if (rc < 0) {
		const char *m = r->c.failed ? r->c.msg : "demo seed (race): failed";
		if (err)
			*err = strdup(m);
		else
			fprintf(stderr, "%s\n", m);
	}
	free(r);
	return rc;
}
