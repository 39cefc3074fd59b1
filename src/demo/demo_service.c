/*
 * demo_service.c -- the enterprise-service part of the demo data set.
 *
 * 1. The official working-day calendars (国务院办公厅关于部分节假日安排的
 *    通知) of 2021 and 2022 (the article's period and the months after it)
 *    and of 2025 and 2026 (the period of the demo's projects and
 *    indicators, and "now").
 * 2. The article's "两个月走访累计走访企业数496家，协调解决问题560条": the
 *    visits of DEMO_VISITS_FROM … DEMO_VISITS_TO reach exactly 496
 *    distinct enterprises, and exactly 560 of the problems raised in
 *    those two months are resolved (and most closed) within them.  The
 *    demo's registry holds 300 enterprises, some founded after 2021, so
 *    the enterprises that existed then are topped up with further
 *    non-key enterprises until 496 existed; every one of them is visited
 *    (key enterprises by their chief service officer, the others by a
 *    department, mostly 企业发展服务中心).  The problems not resolved in
 *    the period stay open: submitted, accepted, in progress, escalated
 *    (city/province), awaiting the enterprise and reopened after a low
 *    rating.  The article's stories are among them: 恒太照明's 招工 and
 *    职工子女上学, 朗股科技's customs inspection escalated to city and
 *    province, and an open land request of 星源.
 *    The problems still open at the period's end are settled in January
 *    2022 (settle_period), so none waits for years.
 * 3. The present, relative to the clock (ZONEOPS_NOW or the system's):
 *    visits and problems of the RECENT_DAYS before today (seed_recent:
 *    every key enterprise visited by its officer; the latest problems
 *    waiting to be accepted, a few older ones past their deadline), a few
 *    current requests of the demo's enterprise accounts and the autumn
 *    inspection findings (营商环境巡察), written for a "now" of late
 *    November 2026 and moved by whole weeks to before today; the 2021
 *    inspection stays in 2021.
 * 4. The streets' offices (区街上下联动, seed_streets): four current
 *    requests of key enterprises of four streets raised by the street's
 *    office or handed to it, moved like the enterprise accounts' ones.
 *
 * Every choice comes from a fixed-seed xorshift generator and every date
 * is fixed or relative to today, so two runs on the same day give the
 * same rows.  The visits, requests and
 * inspection findings are written by the workflow's own functions
 * (visit_create, request_create, request_transition in src/service/), each
 * step at its own time on the day it happened (China time), so that the
 * rows, due dates and history events are what the API writes.
 */
#include "demo/demo_service.h"

#include "core/core.h"
#include "http/http.h"
#include "service/service.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- the official calendars ---- */

static const struct {
	int year;
	const char *source;
} CAL_YEARS[] = {
	{ 2021, "国务院办公厅关于2021年部分节假日安排的通知（国办发明电〔2020〕27号）" },
	{ 2022, "国务院办公厅关于2022年部分节假日安排的通知（国办发明电〔2021〕11号）" },
	{ 2025, "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）" },
	{ 2026, "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）" },
};

/* Holidays (work 0: every day from..to, weekends included, as the notice
 * lists them) and make-up working days (work 1, always a weekend). */
static const struct {
	const char *from, *to;
	int work;
	const char *note;
} CAL[] = {
	/* 2021 */
	{ "2021-01-01", "2021-01-03", 0, "元旦" },
	{ "2021-02-07", NULL, 1, "春节调休上班" },
	{ "2021-02-11", "2021-02-17", 0, "春节" },
	{ "2021-02-20", NULL, 1, "春节调休上班" },
	{ "2021-04-03", "2021-04-05", 0, "清明节" },
	{ "2021-04-25", NULL, 1, "劳动节调休上班" },
	{ "2021-05-01", "2021-05-05", 0, "劳动节" },
	{ "2021-05-08", NULL, 1, "劳动节调休上班" },
	{ "2021-06-12", "2021-06-14", 0, "端午节" },
	{ "2021-09-18", NULL, 1, "中秋节调休上班" },
	{ "2021-09-19", "2021-09-21", 0, "中秋节" },
	{ "2021-09-26", NULL, 1, "国庆节调休上班" },
	{ "2021-10-01", "2021-10-07", 0, "国庆节" },
	{ "2021-10-09", NULL, 1, "国庆节调休上班" },
	/* 2022 */
	{ "2022-01-01", "2022-01-03", 0, "元旦" },
	{ "2022-01-29", "2022-01-30", 1, "春节调休上班" },
	{ "2022-01-31", "2022-02-06", 0, "春节" },
	{ "2022-04-02", NULL, 1, "清明节调休上班" },
	{ "2022-04-03", "2022-04-05", 0, "清明节" },
	{ "2022-04-24", NULL, 1, "劳动节调休上班" },
	{ "2022-04-30", "2022-05-04", 0, "劳动节" },
	{ "2022-05-07", NULL, 1, "劳动节调休上班" },
	{ "2022-06-03", "2022-06-05", 0, "端午节" },
	{ "2022-09-10", "2022-09-12", 0, "中秋节" },
	{ "2022-10-01", "2022-10-07", 0, "国庆节" },
	{ "2022-10-08", "2022-10-09", 1, "国庆节调休上班" },
	/* 2025 */
	{ "2025-01-01", NULL, 0, "元旦" },
	{ "2025-01-26", NULL, 1, "春节调休上班" },
	{ "2025-01-28", "2025-02-04", 0, "春节" },
	{ "2025-02-08", NULL, 1, "春节调休上班" },
	{ "2025-04-04", "2025-04-06", 0, "清明节" },
	{ "2025-04-27", NULL, 1, "劳动节调休上班" },
	{ "2025-05-01", "2025-05-05", 0, "劳动节" },
	{ "2025-05-31", "2025-06-02", 0, "端午节" },
	{ "2025-09-28", NULL, 1, "国庆节、中秋节调休上班" },
	{ "2025-10-01", "2025-10-08", 0, "国庆节、中秋节" },
	{ "2025-10-11", NULL, 1, "国庆节、中秋节调休上班" },
	/* 2026 */
	{ "2026-01-01", "2026-01-03", 0, "元旦" },
	{ "2026-01-04", NULL, 1, "元旦调休上班" },
	{ "2026-02-14", NULL, 1, "春节调休上班" },
	{ "2026-02-15", "2026-02-23", 0, "春节" },
	{ "2026-02-28", NULL, 1, "春节调休上班" },
	{ "2026-04-04", "2026-04-06", 0, "清明节" },
	{ "2026-05-01", "2026-05-05", 0, "劳动节" },
	{ "2026-05-09", NULL, 1, "劳动节调休上班" },
	{ "2026-06-19", "2026-06-21", 0, "端午节" },
	{ "2026-09-20", NULL, 1, "国庆节调休上班" },
	{ "2026-09-25", "2026-09-27", 0, "中秋节" },
	{ "2026-10-01", "2026-10-07", 0, "国庆节" },
	{ "2026-10-10", NULL, 1, "国庆节调休上班" },
};

/* ---- context ---- */

struct duser {
	int64_t id, dept, ent;
	char username[48], display[64], role[16];
};

struct dent {
	int64_t id, officer, dept;
	int key;
	char name[128], contact[32];
};

/* working days of a range of dates */
struct wdmap {
	int64_t base;
	int n;
	unsigned char w[400];
};

struct ctx {
	db_t *db;
	uint64_t rng;
	int failed;
	char msg[640];
	int64_t now;
	struct duser *users;
	int nusers;
	struct dent *ents;
	int nents;
	int64_t streets[16];
	int nstreets;
	int64_t dept[16];
	int cat_months[8], cat_workdays[8];   /* the time limits of the request categories */
	int recent;                           /* seeding the months before today */
	struct wdmap wd;
};

static int fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ctx *c, const char *fmt, ...)
{
	if (!c->failed) {
		char what[400];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof what, fmt, ap);
		va_end(ap);
		snprintf(c->msg, sizeof c->msg, "demo service: %s (%s)", what, db_errmsg(c->db));
		c->failed = 1;
	}
	return -1;
}

static void report(struct ctx *c, char **err)
{
	if (err)
		*err = strdup(c->msg);
	else
		fprintf(stderr, "zoneops: %s\n", c->msg);
}

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
	return lo + (int)(rnd(c) % (uint64_t)(hi - lo + 1));
}

/* percent chance */
static int chance(struct ctx *c, int pct)
{
	return rnd_int(c, 0, 99) < pct;
}

static int64_t day_of(const char *s)
{
	int64_t d = 0;
	date_parse(s, &d);
	return d;
}

/* Unix seconds of hour:minute China time on day d. */
static int64_t at_time(int64_t d, int hour, int minute)
{
	return d * 86400 + (int64_t)(hour - 8) * 3600 + minute * 60;
}

/* ---- calendar ---- */

int demo_seed_calendar(db_t *db, int64_t now, char **err)
{
	for (int y = 0; y < NELEM(CAL_YEARS); y++) {
		struct calendar_day days[366];
		char text[366][DATE_LEN];
		size_t n = 0;
		char year[8];
		snprintf(year, sizeof year, "%04d", CAL_YEARS[y].year);
		for (int i = 0; i < NELEM(CAL); i++) {
			if (strncmp(CAL[i].from, year, 4) != 0)
				continue;
			int64_t a = day_of(CAL[i].from), b = CAL[i].to ? day_of(CAL[i].to) : a;
			for (int64_t d = a; d <= b && n < 366; d++, n++) {
				date_format(d, text[n]);
				days[n] = (struct calendar_day){ text[n], CAL[i].work, CAL[i].note };
			}
		}
		err_t e;
		if (calendar_load(db, CAL_YEARS[y].year, days, n, CAL_YEARS[y].source, now, &e) < 0) {
			char msg[400];
			snprintf(msg, sizeof msg, "demo service: the %d calendar: %s", CAL_YEARS[y].year, e.message);
			if (err)
				*err = strdup(msg);
			else
				fprintf(stderr, "zoneops: %s\n", msg);
			return -1;
		}
	}
	return 0;
}

static int wd_build(struct ctx *c, const char *from, int n)
{
	c->wd.base = day_of(from);
	c->wd.n = n;
	for (int i = 0; i < n; i++) {
		char d[11];
		date_format(c->wd.base + i, d);
		int w = calendar_is_workday(c->db, d);
		if (w < 0)
			return fail(c, "calendar %s", d);
		c->wd.w[i] = (unsigned char)w;
	}
	return 0;
}

static int is_wd(struct ctx *c, int64_t d)
{
	int64_t i = d - c->wd.base;
	return i >= 0 && i < c->wd.n ? c->wd.w[i] : 0;
}

/* n working days after d (n = 0: d itself). */
static int64_t wd_add(struct ctx *c, int64_t d, int n)
{
	for (int k = 0; k < n;) {
		d++;
		if (d - c->wd.base >= c->wd.n)
			return d;
		k += is_wd(c, d);
	}
	return d;
}

/* d itself when a working day, else the next one. */
static int64_t wd_on_or_after(struct ctx *c, int64_t d)
{
	while (!is_wd(c, d) && d - c->wd.base < c->wd.n)
		d++;
	return d;
}

static int wd_between(struct ctx *c, int64_t a, int64_t b)
{
	int n = 0;
	for (int64_t d = a + 1; d <= b; d++)
		n += is_wd(c, d);
	return n;
}

/* ---- lookups ---- */

static const struct {
	const char *code, *name;
} DEPTS[] = {
	{ "qfzx", "企业发展服务中心" }, { "xzsp", "行政审批局" }, { "jfj", "经济发展局" }, { "czj", "财政局" },
	{ "zrgh", "自然资源和规划分局" }, { "rsj", "人力资源和社会保障局" }, { "sysj", "社会事业局" },
	{ "sthj", "生态环境分局" }, { "jsj", "建设局" }, { "scjg", "市场监督管理局" }, { "hg", "南通海关" },
	{ "sswt", "江苏省商务厅" },
};
enum { D_QFZX, D_XZSP, D_JFJ, D_CZJ, D_ZRGH, D_RSJ, D_SYSJ, D_STHJ, D_JSJ, D_SCJG, D_HG, D_SSWT, NDEPT };

static const struct duser *user_by_name(struct ctx *c, const char *username)
{
	for (int i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].username, username) == 0)
			return &c->users[i];
	return NULL;
}

static const struct duser *user_by_id(struct ctx *c, int64_t id)
{
	for (int i = 0; i < c->nusers; i++)
		if (c->users[i].id == id)
			return &c->users[i];
	return NULL;
}

static const struct duser *dept_user(struct ctx *c, int d)
{
	char u[48];
	snprintf(u, sizeof u, "dept.%s", DEPTS[d].code);
	return user_by_name(c, u);
}

/* The enterprise account of enterprise id, or NULL. */
static const struct duser *ent_user(struct ctx *c, int64_t ent)
{
	for (int i = 0; i < c->nusers; i++)
		if (c->users[i].ent == ent && strcmp(c->users[i].role, "enterprise") == 0)
			return &c->users[i];
	return NULL;
}

static int load_refs(struct ctx *c)
{
	c->users = calloc(512, sizeof *c->users);
	if (c->users == NULL)
		return fail(c, "out of memory");
	db_stmt_t *st = db_prepare(c->db,
		"SELECT id, username, display_name, role, COALESCE(department_id, 0), COALESCE(enterprise_id, 0)"
		" FROM users ORDER BY id");
	if (st == NULL)
		return fail(c, "users");
	int rc;
	while ((rc = db_step(st)) == DB_ROW && c->nusers < 512) {
		struct duser *u = &c->users[c->nusers++];
		u->id = db_col_int(st, 0);
		snprintf(u->username, sizeof u->username, "%s", db_col_text(st, 1));
		snprintf(u->display, sizeof u->display, "%s", db_col_text(st, 2));
		snprintf(u->role, sizeof u->role, "%s", db_col_text(st, 3));
		u->dept = db_col_int(st, 4);
		u->ent = db_col_int(st, 5);
	}
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return fail(c, "users");
	for (int d = 0; d < NDEPT; d++) {
		st = db_prepare(c->db, "SELECT id FROM departments WHERE name = $1");
		if (st == NULL)
			return fail(c, "departments");
		db_bind_text(st, 1, DEPTS[d].name);
		rc = db_step(st);
		c->dept[d] = rc == DB_ROW ? db_col_int(st, 0) : 0;
		db_done(st);
		if (c->dept[d] == 0)
			return fail(c, "no department %s", DEPTS[d].name);
		if (dept_user(c, d) == NULL)
			return fail(c, "no account dept.%s", DEPTS[d].code);
	}
	st = db_prepare(c->db, "SELECT id FROM streets ORDER BY id");
	if (st == NULL)
		return fail(c, "streets");
	while ((rc = db_step(st)) == DB_ROW && c->nstreets < 16)
		c->streets[c->nstreets++] = db_col_int(st, 0);
	db_done(st);
	if (c->nstreets == 0)
		return fail(c, "no streets");
	if (user_by_name(c, "admin") == NULL)
		return fail(c, "no admin account");
	return 0;
}

/* ---- topping up the enterprises of 2021 ---- */

static const char *const TRADES[] = {
	"润泽", "华昇", "嘉润", "恒瑞", "新诚", "苏瑞", "通源", "江韵", "海昌", "启明", "中瑞", "大通", "金港",
	"森泰", "弘信", "铭泰", "宏远", "广源", "凯达", "昌盛", "盛达", "华冠", "力恒", "天润", "优创", "合力",
	"万通", "顺达", "永安", "博瑞", "越洋", "龙腾", "星海", "立信", "安泰", "港城", "濠江", "五山", "军山",
	"剑山", "澄海", "望江", "东江", "银鹭", "欧迪", "科隆", "德胜", "汇邦", "恒升", "佳信",
};
static const struct {
	const char *code;
	int weight, manuf;
	const char *phrase[3];
} IND[] = {
	{ "C38", 12, 1, { "电气", "电器", "照明电器" } },
	{ "C39", 10, 1, { "电子", "电子科技", "光电" } },
	{ "C34", 12, 1, { "机械", "机械制造", "液压设备" } },
	{ "C35", 7, 1, { "专用设备", "自动化设备", "船舶配件" } },
	{ "C33", 7, 1, { "五金", "金属制品", "钢构" } },
	{ "C29", 6, 1, { "塑胶", "橡胶制品", "塑业" } },
	{ "C26", 4, 1, { "化工材料", "涂料", "助剂" } },
	{ "C27", 3, 1, { "医疗器械", "生物制品", "医药" } },
	{ "C17", 5, 1, { "纺织品", "针织", "服饰" } },
	{ "C36", 4, 1, { "汽车配件", "车辆部件", "零部件" } },
	{ "I65", 7, 0, { "软件", "信息科技", "网络技术" } },
	{ "F51", 8, 0, { "贸易", "商贸", "进出口" } },
	{ "G59", 4, 0, { "物流", "仓储", "供应链" } },
	{ "L72", 5, 0, { "企业管理", "商务咨询", "人力资源" } },
	{ "M74", 3, 0, { "检测", "工程技术", "设计" } },
};
static const char *const SURNAMES[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "朱", "胡", "郭", "何",
	"高", "林", "沈", "陆", "顾", "施", "季", "缪", "钱", "范", "金", "严", "倪", "邵", "葛", "冒",
};
static const char *const GIVEN[] = {
	"建国", "志华", "海军", "丽华", "晓红", "卫星", "永刚", "秀兰", "国平", "春燕", "建新", "玉梅", "金华",
	"小平", "国庆", "红兵", "新华", "文华", "玲", "芳", "强", "军", "峰", "洁", "娜", "亮", "斌", "波",
};

static int seed_more_enterprises(struct ctx *c, int need)
{
	if (need <= 0)
		return 0;
	/* every name and code already used */
	int cap = 1024, n = 0;
	char (*names)[128] = calloc((size_t)cap + (size_t)need, sizeof *names);
	char (*codes)[19] = calloc((size_t)cap + (size_t)need, sizeof *codes);
	arena_t *a = arena_new();   /* enterprise_validate's strings */
	struct ent_bulk bulk = { 0 };  /* the new enterprises, written at once */
	if (names == NULL || codes == NULL || a == NULL) {
		free(names);
		free(codes);
		arena_free(a);
		return fail(c, "out of memory");
	}
	db_stmt_t *st = db_prepare(c->db, "SELECT name, credit_code FROM enterprises ORDER BY id");
	int rc = st ? DB_ROW : DB_ERR;
	while (st && (rc = db_step(st)) == DB_ROW && n < cap) {
		snprintf(names[n], sizeof names[0], "%s", db_col_text(st, 0));
		snprintf(codes[n], sizeof codes[0], "%s", db_col_text(st, 1));
		n++;
	}
	if (st)
		db_done(st);
	int result = 0;
	if (rc != DB_DONE && rc != DB_ROW) {
		result = fail(c, "enterprises");
		goto out;
	}
	int wsum = 0;
	for (int i = 0; i < NELEM(IND); i++)
		wsum += IND[i].weight;
	for (int k = 0; k < need; k++) {
		int pick = rnd_int(c, 0, wsum - 1), ind = 0;
		while (pick >= IND[ind].weight)
			pick -= IND[ind++].weight;
		char name[128];
		for (int tries = 0;; tries++) {
			const char *pre = chance(c, 85) ? "南通" : "江苏";
			snprintf(name, sizeof name, "%s%s%s有限公司", pre, TRADES[rnd_int(c, 0, NELEM(TRADES) - 1)],
			         IND[ind].phrase[rnd_int(c, 0, 2)]);
			int used = 0;
			for (int i = 0; i < n && !used; i++)
				used = strcmp(names[i], name) == 0;
			if (!used)
				break;
			if (tries > 500) {
				result = fail(c, "cannot make a unique enterprise name");
				goto out;
			}
		}
		/* founded 1998 … September 2021 */
		char founded[11];
		date_format(day_of("1998-01-01") + rnd_int(c, 0, (int)(day_of("2021-09-30") - day_of("1998-01-01"))), founded);
		char code[19];
		for (int tries = 0;; tries++) {
			memcpy(code, "91320691", 8);
			if (strcmp(founded, "2015-10-01") < 0) {
				code[8] = "567"[rnd_int(c, 0, 2)];
				for (int i = 9; i < 16; i++)
					code[i] = (char)('0' + rnd_int(c, 0, 9));
			} else {
				code[8] = 'M';
				code[9] = 'A';
				code[10] = strcmp(founded, "2020-01-01") < 0 ? '1' : '2';
				for (int i = 11; i < 16; i++)
					code[i] = CREDIT_CODE_ALPHABET[rnd_int(c, 0, (int)sizeof CREDIT_CODE_ALPHABET - 2)];
			}
			credit_code_complete(code);
			int used = !credit_code_check(code);
			for (int i = 0; i < n && !used; i++)
				used = strcmp(codes[i], code) == 0;
			if (!used)
				break;
			if (tries > 1000) {
				result = fail(c, "cannot make a unique credit code");
				goto out;
			}
		}
		snprintf(names[n], sizeof names[0], "%s", name);
		memcpy(codes[n], code, 19);
		n++;
		char contact[32], phone[12];
		snprintf(contact, sizeof contact, "%s%s", SURNAMES[rnd_int(c, 0, NELEM(SURNAMES) - 1)],
		         GIVEN[rnd_int(c, 0, NELEM(GIVEN) - 1)]);
		snprintf(phone, sizeof phone, "139%04d%04d", rnd_int(c, 0, 9999), rnd_int(c, 0, 9999));
		int manuf = IND[ind].manuf;
		int employees = manuf ? rnd_int(c, 15, 320) : rnd_int(c, 5, 90);
		int64_t capital = (int64_t)rnd_int(c, 1, manuf ? 80 : 40) * 50;
		double land = manuf ? rnd_int(c, 30, 450) / 10.0 : 0;
		/* validated and written as the importer does, in bulk (search grams
		 * included); the street is one of the demo's (refs_resolved) */
		struct enterprise_in e = {
			.credit_code = code, .name = name, .street_id = c->streets[rnd_int(c, 0, c->nstreets - 1)],
			.industry = IND[ind].code, .key = 0, .contact_name = contact, .contact_phone = phone,
			.employees = employees, .registered_capital_wan = capital, .land_mu = land, .founded_on = founded,
			.refs_resolved = 1,
			.has = ENT_F_CODE | ENT_F_NAME | ENT_F_STREET | ENT_F_INDUSTRY | ENT_F_KEY | ENT_F_CONTACT |
			       ENT_F_PHONE | ENT_F_EMPLOYEES | ENT_F_CAPITAL | ENT_F_LAND | ENT_F_FOUNDED,
		};
		err_t err;
		if (enterprise_validate(c->db, a, &e, 0, &err) < 0) {
			result = fail(c, "enterprise %s: %s", name, err.message);
			goto out;
		}
		if (enterprise_create_bulk(c->db, &e, 0, c->now, &bulk) != DB_OK) {
			result = fail(c, "enterprise %s", name);
			goto out;
		}
	}
	if (enterprise_bulk_flush(c->db, &bulk) != DB_OK)
		result = fail(c, "enterprises");
out:
	enterprise_bulk_free(&bulk);
	arena_free(a);
	free(names);
	free(codes);
	return result;
}

/* The enterprises founded before day `before` ('YYYY-MM-DD') into c->ents. */
static int load_enterprises(struct ctx *c, const char *before)
{
	int cap = 2048;
	free(c->ents);
	c->ents = calloc((size_t)cap, sizeof *c->ents);
	if (c->ents == NULL)
		return fail(c, "out of memory");
	db_stmt_t *st = db_prepare(c->db,
		"SELECT id, name, COALESCE(officer_id, 0), COALESCE(department_id, 0), is_key, contact_name"
		" FROM enterprises WHERE founded_on <> '' AND founded_on < $1 ORDER BY id");
	if (st == NULL)
		return fail(c, "enterprises");
	db_bind_text(st, 1, before);
	int rc;
	c->nents = 0;
	while ((rc = db_step(st)) == DB_ROW && c->nents < cap) {
		struct dent *e = &c->ents[c->nents++];
		e->id = db_col_int(st, 0);
		snprintf(e->name, sizeof e->name, "%s", db_col_text(st, 1));
		e->officer = db_col_int(st, 2);
		e->dept = db_col_int(st, 3);
		e->key = db_col_int(st, 4) != 0;
		snprintf(e->contact, sizeof e->contact, "%s", db_col_text(st, 5));
	}
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return fail(c, "enterprises");
	return 0;
}

static int ent_index(struct ctx *c, const char *name)
{
	for (int i = 0; i < c->nents; i++)
		if (strcmp(c->ents[i].name, name) == 0)
			return i;
	return -1;
}

/* ---- problems ---- */

enum { CAT_LABOUR, CAT_LAND, CAT_APPROVAL, CAT_FINANCING, CAT_SCHOOLING, CAT_CUSTOMS, CAT_POLICY, CAT_OTHER, NCAT };
static const char *const CAT_CODE[NCAT] = { "labour", "land", "approval", "financing", "schooling", "customs", "policy", "other" };
static const int CAT_WEIGHT[NCAT] = { 24, 10, 16, 15, 8, 6, 14, 7 };

static const struct {
	int cat, dept;
	const char *title, *desc, *resolution;
} TPL[] = {
	{ CAT_LABOUR, D_RSJ, "一线操作工缺口较大，请求协助招工", "四季度订单饱满，一线操作工缺口约80人，自主招聘进度较慢。",
	  "人社局组织专场招聘会2场，并通过街道就业服务站推送岗位，已到岗86人。" },
	{ CAT_LABOUR, D_RSJ, "急需数控、焊接等技术工人", "新产线投产，急需数控车工、焊工等技术工人约30名。",
	  "对接南通技师学院等职业院校开展订单式培养，推荐技术工人32名，已录用25名。" },
	{ CAT_LABOUR, D_RSJ, "外地员工社保转移接续办理", "新招外省员工社保关系转移接续手续较多，办理周期长。",
	  "开辟绿色通道集中上门受理，12名员工社保转移接续已办结。" },
	{ CAT_LABOUR, D_RSJ, "申请稳岗返还补贴", "企业符合稳岗返还条件，希望指导申领。", "已指导企业完成申报，稳岗返还资金已拨付到账。" },
	{ CAT_LABOUR, D_QFZX, "研发人员住房需求", "新引进研发人员住房需求约15套。", "协调人才公寓15套，员工已签约入住。" },
	{ CAT_LAND, D_ZRGH, "扩建项目新增用地", "企业拟扩大产能，需新增工业用地约30亩。",
	  "纳入年度供地计划，相邻地块已完成出让前期准备，企业已参加竞买。" },
	{ CAT_LAND, D_ZRGH, "厂房不动产权证办理", "二期厂房竣工后不动产权证办理进度较慢。", "联合验收后开通绿色通道，不动产权证已核发。" },
	{ CAT_LAND, D_ZRGH, "闲置厂房盘活利用", "厂区内闲置厂房约8000平方米，希望引入配套企业。",
	  "纳入低效用地盘活清单，已对接配套企业签订租赁协议。" },
	{ CAT_LAND, D_ZRGH, "规划道路红线影响厂区围墙", "规划道路红线与现有围墙位置冲突，影响厂区改造。",
	  "经规划核实调整道路施工方案，围墙保留原位。" },
	{ CAT_APPROVAL, D_XZSP, "技改项目备案及环评审批", "技改项目需办理备案和环评手续，希望加快进度。",
	  "提前介入、并联审批，项目备案和环评批复已出具。" },
	{ CAT_APPROVAL, D_XZSP, "新建厂房施工许可办理", "新建厂房施工许可材料准备有困难。", "提供帮办代办服务，施工许可证已核发。" },
	{ CAT_APPROVAL, D_XZSP, "消防验收预约排期", "新车间急需投产，消防验收排期较晚。", "协调提前安排现场验收，消防验收已通过。" },
	{ CAT_APPROVAL, D_XZSP, "排污许可证延续", "排污许可证即将到期，需办理延续。", "指导网上申报，排污许可证延续已办结。" },
	{ CAT_APPROVAL, D_XZSP, "营业执照经营范围变更", "新增业务需变更经营范围。", "窗口当日办结，新营业执照已领取。" },
	{ CAT_FINANCING, D_CZJ, "流动资金贷款续贷", "原流动资金贷款到期，续贷审批周期较长。", "对接合作银行开展无还本续贷，续贷3000万元已落实。" },
	{ CAT_FINANCING, D_CZJ, "技改项目贷款贴息", "申请技改专项贷款贴息支持。", "已纳入技改贴息项目库，首期贴息资金已拨付。" },
	{ CAT_FINANCING, D_JFJ, "政府性融资担保对接", "企业缺乏抵押物，希望获得担保支持。", "对接市融资担保公司，担保贷款1000万元已放款。" },
	{ CAT_FINANCING, D_JFJ, "上市辅导和股改咨询", "企业计划启动股份制改造，咨询上市扶持政策。", "组织券商、律所上门辅导，股改方案已确定。" },
	{ CAT_FINANCING, D_CZJ, "出口信用保险保费补贴", "申请出口信用保险保费补贴。", "指导完成申报材料，补贴已纳入兑现批次。" },
	{ CAT_SCHOOLING, D_SYSJ, "外地骨干员工子女入学", "3名外地骨干员工子女需就读小学。", "协调辖区学校，3名学生已入学。" },
	{ CAT_SCHOOLING, D_SYSJ, "高管子女转学插班", "新引进高管子女需转学插班（初二）。", "协调辖区初中接收插班，转学手续已办理。" },
	{ CAT_SCHOOLING, D_SYSJ, "员工子女幼儿园入园", "员工子女入园需求5名。", "协调就近公办幼儿园，5名幼儿已入园。" },
	{ CAT_SCHOOLING, D_SYSJ, "引进人才子女学位", "引进博士子女学位需求。", "按人才政策落实学位，已完成入学报到。" },
	{ CAT_CUSTOMS, D_QFZX, "进口设备减免税备案", "进口生产设备申请减免税备案。", "协调海关窗口加快审核，减免税备案已办结。" },
	{ CAT_CUSTOMS, D_QFZX, "出口货物通关时效", "出口货物查验排队时间长，影响交货期。", "协调海关开通预约查验，通关时效缩短至1天以内。" },
	{ CAT_CUSTOMS, D_QFZX, "海关AEO高级认证辅导", "企业申请海关AEO高级认证。", "联系海关开展认证辅导，企业已通过认证现场验证。" },
	{ CAT_CUSTOMS, D_QFZX, "保税料件核销差异", "加工贸易保税料件核销出现差异需处理。", "协调海关业务科室，核销差异已处理完毕。" },
	{ CAT_POLICY, D_JFJ, "高新技术企业认定政策咨询", "咨询高企认定条件和申报时间。", "上门讲解政策，已指导企业完成申报材料准备。" },
	{ CAT_POLICY, D_QFZX, "研发费用加计扣除政策", "咨询研发费用加计扣除政策口径。", "联系税务部门开展辅导，企业已按新政策申报。" },
	{ CAT_POLICY, D_QFZX, "“免审即享”奖补兑现", "咨询“免审即享”政策奖补兑现进度。", "核实企业符合条件，奖补资金已直达企业账户。" },
	{ CAT_POLICY, D_JFJ, "专精特新企业申报", "希望申报省级专精特新中小企业。", "开展一对一辅导，企业已完成申报。" },
	{ CAT_POLICY, D_JFJ, "智能化改造奖补政策咨询", "咨询智能化改造奖补政策。", "推送政策并指导申报，已列入奖补名单。" },
	{ CAT_OTHER, D_JSJ, "厂区周边道路破损", "厂区门口道路破损，影响货车通行。", "建设局已完成路面修复。" },
	{ CAT_OTHER, D_QFZX, "用电增容报装", "新增设备需用电增容约2000千伏安。", "协调供电公司加快报装，增容已送电。" },
	{ CAT_OTHER, D_QFZX, "天然气管道接入", "新车间需接入天然气管道。", "协调燃气公司完成管道接入并通气。" },
	{ CAT_OTHER, D_QFZX, "公交线路延伸至园区", "员工通勤不便，希望公交线路延伸至厂区附近。", "协调公交公司调整线路，新增园区站点。" },
	{ CAT_OTHER, D_STHJ, "危险废物处置渠道", "危险废物处置渠道紧张，库存接近上限。", "协调对接持证处置单位，已签订处置协议。" },
	{ CAT_OTHER, D_SCJG, "计量器具检定", "生产用计量器具集中检定需求。", "协调计量检定机构上门检定，已全部完成。" },
	/* the article's stories (not drawn at random) */
#define TPL_STORY 38
	{ CAT_LABOUR, D_RSJ, "一线操作工缺口约120人，请求协助招工",
	  "新接订单交期紧，一线操作工缺口约120人，春节前需到岗。",
	  "首席服务员牵头，人社局组织专场招聘会并对接职业院校，126名员工已到岗。" },
	{ CAT_SCHOOLING, D_SYSJ, "职工子女上学问题", "5名外地骨干职工子女需在竹行街道就近入学。",
	  "社会事业局协调竹行街道辖区学校，5名职工子女已全部入学。" },
	{ CAT_CUSTOMS, D_QFZX, "进口不锈钢钢带剪裁查验",
	  "从国外进口不锈钢钢带，入关后南通海关准备剪裁查验，但该产品属客户定制，剪裁后将无法使用。",
	  "企业发展服务中心逐级联系，在与省、市海关充分沟通协调下改为无损查验，货物顺利通关。" },
	{ CAT_LAND, D_ZRGH, "锂电池隔膜项目二期新增用地约200亩",
	  "总投资100亿元的锂电池隔膜项目二期需新增工业用地约200亩，区内指标不足。", "" },
};

static const char *const ESC_CITY[NCAT] = {
	"需市人社部门统筹区域用工资源", "用地指标需市自然资源和规划局统筹", "审批权限在市级部门，需市级协调",
	"需市级金融监管部门协调", "学位需市教育部门统筹", "涉及海关查验方式，需与南通海关沟通协调",
	"政策口径需市级部门解释", "需市级公用事业单位协调",
};
static const char *const ESC_PROVINCE[NCAT] = {
	"需省级层面协调", "需省级用地指标支持", "涉及省级审批事项", "需省级金融机构支持", "需省级层面协调",
	"需省级层面与南京海关沟通", "需省级部门出具政策口径", "需省级层面协调",
};

static const char *const NOTES[] = {
	"了解企业生产经营、技术改造和人才引进情况，宣传推送惠企政策。",
	"走访企业生产车间，了解四季度订单和用工情况。",
	"了解企业产品升级、科技创新和市场拓展规划，推送“免审即享”政策。",
	"座谈企业发展规划和上市计划，收集企业诉求。",
	"了解企业疫情防控和稳产达产情况，现场解答政策咨询。",
	"了解企业技改项目进度及用地、融资需求。",
};
static const char *const ROLES[] = { "总经理", "副总经理", "董事长", "人事经理", "财务总监", "行政主管" };
static const char *const COMMENT5[] = { "非常满意，办事效率高。", "有求必应、说到做到，点赞！", "问题解决及时，感谢首席服务员。", "" };
static const char *const COMMENT4[] = { "满意，希望后续继续跟进。", "总体满意。", "" };

/* ---- one case's history ----
 * Each case is first simulated (dates, times, who, what: every random
 * choice, in a fixed order), then created and moved through the
 * workflow's own functions (request_create, visit_create,
 * request_transition) at the simulated times, which write the rows, the
 * due dates and the history events exactly as the API does. */

struct dev {
	int64_t at;
	user_t who;
	const char *action;
	struct request_action_in in;
	int automatic;                 /* written by the workflow with the step before */
};

struct hist {
	struct dev ev[20];
	int nev;
	int64_t last, day;             /* time and day of the last step */
};

/* A step on day d near hour (after the previous one). */
static struct dev *ev(struct ctx *c, struct hist *h, int64_t d, int hour, user_t who, const char *action)
{
	int64_t t = at_time(d, hour, rnd_int(c, 0, 59));
	if (t <= h->last)
		t = h->last + 60 * rnd_int(c, 5, 45);
	h->last = t;
	h->day = d;
	/* a history has at most 13 steps; a 21st would overwrite the last */
	struct dev *e = &h->ev[h->nev < NELEM(h->ev) ? h->nev++ : NELEM(h->ev) - 1];
	memset(e, 0, sizeof *e);
	e->at = t;
	e->who = who;
	e->action = action;
	return e;
}

/* The automatic step the workflow adds after a rating (close or reopen):
 * its time is drawn as before, the workflow writes it. */
static void ev_auto(struct ctx *c, struct hist *h, int64_t d, int hour, user_t who, const char *action)
{
	ev(c, h, d, hour, who, action)->automatic = 1;
}

/* A user as the workflow's actor. */
static user_t actor_of(const struct duser *u)
{
	user_t a = { .id = u->id, .username = u->username, .display_name = u->display, .role = u->role,
	             .role_bit = role_bit(u->role), .enterprise_id = u->ent, .department_id = u->dept };
	return a;
}

/* The enterprise as an actor: its account, or its contact by name. */
static user_t ent_actor(struct ctx *c, const struct dent *e)
{
	const struct duser *u = ent_user(c, e->id);
	if (u)
		return actor_of(u);
	user_t a = { .username = e->contact, .display_name = e->contact, .role = "enterprise",
	             .role_bit = ROLE_ENTERPRISE, .enterprise_id = e->id };
	return a;
}

/* Who coordinates e's requests: its chief service officer, or else the
 * service centre (企业发展服务中心).  The platform gives that coordination
 * of enterprises without an officer to leaders, so the demo records those
 * steps under the centre's account with a leader's rights. */
static user_t coordinator(struct ctx *c, const struct dent *e)
{
	const struct duser *u = e->officer ? user_by_id(c, e->officer) : NULL;
	if (u)
		return actor_of(u);
	user_t a = actor_of(dept_user(c, D_QFZX));
	a.role_bit = ROLE_LEADER;
	return a;
}

/* Take the simulated steps of h after the first (the creation) on case id
 * of kind through the workflow; 0 or -1. */
static int replay(struct ctx *c, int kind, int64_t id, const struct hist *h)
{
	for (int i = 1; i < h->nev; i++) {
		const struct dev *e = &h->ev[i];
		if (e->automatic)
			continue;
		err_t err;
		if (request_transition(c->db, &e->who, kind, id, e->action, &e->in, e->at, NULL, &err) < 0) {
			/* a recent case whose deadline falls in a year whose calendar
			 * is not loaded stays where it is (as a user would find it) */
			if (c->recent && err.code && strcmp(err.code, "calendar_missing") == 0)
				return 0;
			return fail(c, "%s of case %lld: %s", e->action, (long long)id, err.message);
		}
	}
	return 0;
}

/* Create the case in as h's first step and replay the rest; 0 or -1. */
static int create_and_replay(struct ctx *c, const struct request_in *in, const struct hist *h)
{
	err_t err;
	int64_t id = 0;
	if (request_create(c->db, &h->ev[0].who, in, h->ev[0].at, &id, &err) < 0)
		return fail(c, "case %s: %s", in->title, err.message);
	return replay(c, strcmp(in->kind, "inspection") == 0 ? REQ_KIND_INSPECTION : REQ_KIND_REQUEST, id, h);
}

/* ---- the two months of visits ---- */

enum {
	F_RESOLVED, F_SUBMITTED, F_ACCEPTED, F_IN_PROGRESS, F_ESCALATED, F_AWAITING, F_REOPENED,
};
enum { FL_ESC = 1, FL_ESC_PROV = 2, FL_WAIT = 4, FL_REOPEN = 8 };

struct dvisit {
	int ent;
	int64_t day, id, created_at;
	int hour, problems;
	const struct duser *visitor;
	int64_t dept;
	int story;        /* 0, or 1 + the first story template */
	char people[128];
	const char *notes;
};

struct plan {
	int ent, visit, tpl;
	int64_t day;
	int hour;
	const char *source;
	int fate, flags, story;
	int64_t order;
	struct hist h;    /* simulated */
};

static int cmp_visit(const void *a, const void *b)
{
	const struct dvisit *x = a, *y = b;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return x->hour != y->hour ? x->hour - y->hour : x->ent - y->ent;
}

static int cmp_plan(const void *a, const void *b)
{
	const struct plan *x = a, *y = b;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->hour != y->hour)
		return x->hour - y->hour;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int pick_category(struct ctx *c)
{
	int total = 0;
	for (int i = 0; i < NCAT; i++)
		total += CAT_WEIGHT[i];
	int r = rnd_int(c, 0, total - 1);
	for (int i = 0; i < NCAT; i++) {
		if (r < CAT_WEIGHT[i])
			return i;
		r -= CAT_WEIGHT[i];
	}
	return NCAT - 1;
}

static int pick_template(struct ctx *c, int cat)
{
	int idx[16], n = 0;
	for (int i = 0; i < TPL_STORY; i++)
		if (TPL[i].cat == cat && n < 16)
			idx[n++] = i;
	return idx[rnd_int(c, 0, n - 1)];
}

/* No later than the end of the period. */
static int64_t upto(int64_t d, int64_t end)
{
	return d > end ? end : d;
}

/* Accepted by the coordinator (that day or the next working day), started
 * by the department; 0, or 1 when the plan ends there. */
static int sim_accept(struct ctx *c, struct plan *p, const struct dent *e, user_t handler, int64_t end)
{
	struct hist *h = &p->h;
	int64_t da = wd_on_or_after(c, p->day);
	if (da == p->day && chance(c, 30) && wd_add(c, da, 1) <= end)
		da = wd_add(c, da, 1);
	da = upto(da, end);
	ev(c, h, da, 14, coordinator(c, e), "accept")->in.department_id = c->dept[TPL[p->tpl].dept];
	if (p->fate == F_ACCEPTED)
		return 1;
	ev(c, h, upto(chance(c, 60) ? da : wd_add(c, da, 1), end), 16, handler, "start");
	return p->fate == F_IN_PROGRESS && chance(c, 50);
}

/* Escalated to the city (and the province); 0, or 1 when it ends there.
 * Escalation hands the request on: *handler becomes the department that
 * has it. */
static int sim_escalate(struct ctx *c, struct plan *p, user_t *handler, int64_t end)
{
	struct hist *h = &p->h;
	int cat = TPL[p->tpl].cat;
	if (!(p->flags & FL_ESC) && p->fate != F_ESCALATED)
		return 0;
	struct dev *e = ev(c, h, upto(wd_add(c, h->day, rnd_int(c, 1, 2)), end), 10, *handler, "escalate");
	e->in.level = "city";
	e->in.department_id = c->dept[D_HG];
	*handler = actor_of(dept_user(c, D_HG));
	e->in.reason = ESC_CITY[cat];
	e->in.contact = cat == CAT_CUSTOMS ? DEPTS[D_HG].name : "市级对口部门";
	if ((p->flags & FL_ESC_PROV) || (p->fate == F_ESCALATED && chance(c, 40))) {
		e = ev(c, h, upto(wd_add(c, h->day, rnd_int(c, 1, 3)), end), 15, *handler, "escalate");
		e->in.level = "province";
		e->in.department_id = c->dept[D_SSWT];
		*handler = actor_of(dept_user(c, D_SSWT));
		e->in.reason = ESC_PROVINCE[cat];
		e->in.contact = DEPTS[D_SSWT].name;
	}
	return p->fate == F_ESCALATED;
}

/* Waiting for the enterprise's papers, and back; 0, or 1 when it ends. */
static int sim_wait(struct ctx *c, struct plan *p, const struct dent *e, user_t handler, int64_t end)
{
	struct hist *h = &p->h;
	if (!(p->flags & FL_WAIT) && p->fate != F_AWAITING)
		return 0;
	int64_t dw = upto(wd_add(c, h->day, rnd_int(c, 1, 2)), end);
	ev(c, h, dw, 11, handler, "wait")->in.reason = "请企业补充相关材料";
	if (p->fate == F_AWAITING)
		return 1;
	int64_t dr = upto(wd_add(c, dw, rnd_int(c, 1, 4)), end);
	ev(c, h, dr, 9, chance(c, 50) ? ent_actor(c, e) : handler, "resume");
	return 0;
}

/* Resolved after some working days (a few late). */
static void sim_resolve(struct ctx *c, struct plan *p, user_t handler, int64_t end)
{
	struct hist *h = &p->h;
	int cat = TPL[p->tpl].cat;
	int limit_wd = c->cat_months[cat] > 0 ? 21 : c->cat_workdays[cat];
	int k = chance(c, 8) ? limit_wd + rnd_int(c, 1, 5) : rnd_int(c, limit_wd > 3 ? 1 : 0, limit_wd);
	if (p->story)
		k = rnd_int(c, 3, 6);
	int64_t dr = wd_add(c, h->day, k);
	if (dr > end) {
		int avail = wd_between(c, h->day, end);
		dr = upto(wd_add(c, h->day, avail > 0 ? rnd_int(c, 0, avail) : 0), end);
	}
	ev(c, h, dr, 15, handler, "resolve")->in.resolution = TPL[p->tpl].resolution;
}

/* A low rating reopens it; resolved again and rated well (unless the
 * plan leaves it reopened). */
static void sim_reopen(struct ctx *c, struct plan *p, const struct dent *e, user_t handler, int64_t end)
{
	struct hist *h = &p->h;
	user_t ent = ent_actor(c, e);
	int64_t dt = upto(wd_add(c, h->day, rnd_int(c, 0, 1)), end);
	int rating = rnd_int(c, 1, 2);
	struct dev *r = ev(c, h, dt, 10, ent, "rate");
	r->in.rating = rating;
	r->in.comment = "问题未彻底解决，希望进一步协调。";
	ev_auto(c, h, dt, 10, ent, "reopen");
	if (p->fate == F_REOPENED)
		return;
	ev(c, h, upto(wd_add(c, h->day, rnd_int(c, 1, 3)), end), 16, handler, "resolve")->in.resolution =
		"经再次协调，问题已彻底解决。";
	dt = upto(wd_add(c, h->day, rnd_int(c, 0, 1)), end);
	rating = chance(c, 60) ? 5 : 4;
	r = ev(c, h, dt, 18, ent, "rate");
	r->in.rating = rating;
	r->in.comment = "再次协调后问题解决，满意。";
	ev_auto(c, h, dt, 18, ent, "close");
}

/* The enterprise's rating (most rate within two working days; 4-5 close
 * it), else staff close it some days later within the period. */
static void sim_rate(struct ctx *c, struct plan *p, const struct dent *e, int64_t end)
{
	struct hist *h = &p->h;
	int64_t dt = wd_add(c, h->day, rnd_int(c, 0, 2));
	if (p->story || (chance(c, 85) && dt <= end)) {
		dt = upto(dt, end);
		int r = rnd_int(c, 0, 99);
		int rating = p->story ? 5 : r < 62 ? 5 : r < 92 ? 4 : 3;
		const char *comment = "基本满意，办理时间稍长。";
		if (p->story == 1)
			comment = "幸亏街道的“首席服务员”，招工问题帮我们解决了。";
		else if (p->story == 2)
			comment = "职工子女上学问题也帮我们解决了，非常满意。";
		else if (p->story == 3)
			comment = "没想到企服中心办事效率这么高，实实在在帮我们解决了问题。";
		else if (rating == 5)
			comment = COMMENT5[rnd_int(c, 0, NELEM(COMMENT5) - 1)];
		else if (rating == 4)
			comment = COMMENT4[rnd_int(c, 0, NELEM(COMMENT4) - 1)];
		struct dev *ev_rate = ev(c, h, dt, 19, ent_actor(c, e), "rate");
		ev_rate->in.rating = rating;
		ev_rate->in.comment = comment;
		if (rating >= 4) {
			ev_auto(c, h, dt, 19, ent_actor(c, e), "close");
			return;
		}
	}
	int64_t dc = wd_add(c, h->day, rnd_int(c, 1, 4));
	if (dc <= end && chance(c, 70))
		ev(c, h, dc, 11, coordinator(c, e), "close");
}

/* Simulate the history of one problem raised in the period into p->h. */
static void simulate(struct ctx *c, struct plan *p, const struct dvisit *visits, int64_t end)
{
	const struct dent *e = &c->ents[p->ent];
	const struct dvisit *v = p->visit >= 0 ? &visits[p->visit] : NULL;
	user_t handler = actor_of(dept_user(c, TPL[p->tpl].dept));
	ev(c, &p->h, p->day, p->hour, v ? actor_of(v->visitor) : ent_actor(c, e), "create");
	if (p->fate == F_SUBMITTED || sim_accept(c, p, e, handler, end) || sim_escalate(c, p, &handler, end) ||
	    sim_wait(c, p, e, handler, end) || p->fate == F_IN_PROGRESS)
		return;
	sim_resolve(c, p, handler, end);
	if ((p->flags & FL_REOPEN) || p->fate == F_REOPENED)
		sim_reopen(c, p, e, handler, end);
	else
		sim_rate(c, p, e, end);
}

/* The request of plan p (created by its history's first step). */
static struct request_in plan_request(struct ctx *c, const struct plan *p)
{
	struct request_in in = {
		.kind = "request", .enterprise_id = c->ents[p->ent].id, .category = CAT_CODE[TPL[p->tpl].cat],
		.title = TPL[p->tpl].title, .description = TPL[p->tpl].desc, .source = p->source,
	};
	return in;
}

/* Record visit v through visit_create: at the time its first problem was
 * raised (each problem a plan among plans[0..n)), or when it was written
 * up when none was.  Then each problem's history.  0 or -1. */
static int create_visit(struct ctx *c, struct dvisit *v, struct plan *plans, int n)
{
	struct request_in problems[4];
	int64_t now = v->created_at;
	for (int k = 0; k < n && k < NELEM(problems); k++) {
		problems[k] = plan_request(c, &plans[k]);
		if (k == 0 || plans[k].h.ev[0].at < now)
			now = plans[k].h.ev[0].at;
	}
	char day[DATE_LEN];
	date_format(v->day, day);
	struct visit_in in = {
		.enterprise_id = c->ents[v->ent].id, .department_id = v->dept, .visited_on = day, .people_met = v->people,
		.notes = v->notes, .problems = problems, .nproblems = (size_t)n,
	};
	user_t who = actor_of(v->visitor);
	err_t err;
	if (n > NELEM(problems) || visit_create(c->db, &who, &in, now, &v->id, &err) < 0)
		return fail(c, "visit to %s: %s", c->ents[v->ent].name, n > NELEM(problems) ? "problems" : err.message);
	/* its problems are the newest requests, in order */
	db_stmt_t *st = db_prepare(c->db, "SELECT id FROM requests WHERE visit_id = $1 ORDER BY id");
	if (st == NULL)
		return fail(c, "requests of visit %lld", (long long)v->id);
	db_bind_int(st, 1, v->id);
	int64_t ids[4];
	int got = 0, rc;
	while ((rc = db_step(st)) == DB_ROW && got < NELEM(ids))
		ids[got++] = db_col_int(st, 0);
	db_done(st);
	if ((rc != DB_DONE && rc != DB_ROW) || got != n)
		return fail(c, "requests of visit %lld", (long long)v->id);
	for (int k = 0; k < n; k++)
		if (replay(c, REQ_KIND_REQUEST, ids[k], &plans[k].h) < 0)
			return -1;
	return 0;
}

/* Visits, problems and their histories, in the order they happened: the
 * visits in date order (those without problems as they come), each
 * visit's problems created with it, the portal's and kiosk's between
 * them.  0 or -1. */
static int record_period(struct ctx *c, struct dvisit *visits, int nv, struct plan *plans, int np, int64_t end)
{
	for (int i = 0; i < np; i++)
		simulate(c, &plans[i], visits, end);
	int next = 0;   /* the first visit not recorded yet */
	for (int i = 0; i < np;) {
		const struct plan *p = &plans[i];
		if (p->visit < 0) {
			struct request_in in = plan_request(c, p);
			if (create_and_replay(c, &in, &p->h) < 0)
				return -1;
			i++;
			continue;
		}
		int n = 1;
		while (i + n < np && plans[i + n].visit == p->visit)
			n++;
		for (; next < p->visit; next++)
			if (visits[next].problems != 0 || create_visit(c, &visits[next], NULL, 0) < 0)
				return fail(c, "visit %d out of order", next);
		if (next != p->visit || visits[next].problems != n || create_visit(c, &visits[next++], &plans[i], n) < 0)
			return fail(c, "visit %d and its %d problems", p->visit, n);
		i += n;
	}
	for (; next < nv; next++)
		if (create_visit(c, &visits[next], NULL, 0) < 0)
			return -1;
	return 0;
}

/* The period's working days. */
struct period {
	int64_t start, end;
	int64_t wdays[96];
	int nw;
};

enum { NSECOND = 70, NVISIT_PROBLEMS = 578, NPORTAL = 18, NOPEN = 36 };

/* The visits: every enterprise once (the article's on their days), 70
 * key enterprises twice, with exactly NVISIT_PROBLEMS problems among
 * them; in date order.  The number of visits, or -1. */
static int plan_visits(struct ctx *c, const struct period *pd, struct dvisit *visits)
{
	int story_h = ent_index(c, "江苏恒太照明股份有限公司");
	int story_l = ent_index(c, "上海朗股科技有限公司南通分公司");
	int story_x = ent_index(c, "南通星源材质科技有限公司");
	if (story_h < 0 || story_l < 0 || story_x < 0)
		return fail(c, "the article's enterprises are missing");
	int nv = 0;
	static const int DEPT_VISITORS[] = { D_QFZX, D_QFZX, D_QFZX, D_QFZX, D_QFZX, D_JFJ, D_JFJ, D_XZSP, D_RSJ, D_SCJG };
	for (int i = 0; i < c->nents; i++) {
		struct dvisit *v = &visits[nv++];
		v->ent = i;
		v->day = pd->wdays[rnd_int(c, 0, pd->nw - 1)];
		v->hour = rnd_int(c, 9, 16);
		if (c->ents[i].officer) {
			v->visitor = user_by_id(c, c->ents[i].officer);
			v->dept = c->ents[i].dept;
		} else {
			int d = DEPT_VISITORS[rnd_int(c, 0, NELEM(DEPT_VISITORS) - 1)];
			v->visitor = dept_user(c, d);
			v->dept = c->dept[d];
		}
		if (v->visitor == NULL)
			return fail(c, "no visitor for %s", c->ents[i].name);
		v->problems = rnd_int(c, 0, 99) < 25 ? 0 : rnd_int(c, 0, 99) < 60 ? 1 : rnd_int(c, 0, 99) < 75 ? 2 : 3;
		if (i == story_h) {
			v->day = day_of("2021-10-18"), v->hour = 10, v->story = 1 + TPL_STORY, v->problems = 2;
		} else if (i == story_l) {
			v->day = day_of("2021-10-19"), v->hour = 14, v->story = 1 + TPL_STORY + 2, v->problems = 1;
		} else if (i == story_x) {
			v->day = day_of("2021-11-22"), v->hour = 9, v->story = 1 + TPL_STORY + 3, v->problems = 1;
		}
	}
	for (int k = 0; k < NSECOND; k++) {
		int i;
		do
			i = rnd_int(c, 0, c->nents - 1);
		while (!c->ents[i].officer);
		struct dvisit *v = &visits[nv++];
		*v = visits[i];
		v->story = 0;
		v->day = pd->wdays[rnd_int(c, 0, pd->nw - 1)];
		v->hour = rnd_int(c, 9, 16);
		v->problems = chance(c, 50) ? 0 : 1;
	}
	/* exactly the planned number of problems from visits */
	int total = 0;
	for (int i = 0; i < nv; i++)
		total += visits[i].problems;
	while (total != NVISIT_PROBLEMS) {
		struct dvisit *v = &visits[rnd_int(c, 0, nv - 1)];
		if (v->story)
			continue;
		if (total > NVISIT_PROBLEMS && v->problems > 0)
			v->problems--, total--;
		else if (total < NVISIT_PROBLEMS && v->problems < 3)
			v->problems++, total++;
	}
	qsort(visits, (size_t)nv, sizeof *visits, cmp_visit);
	return nv;
}

/* What each visit records, and the problems raised: those of the visits
 * and those raised through the portal and the kiosk; in the order they
 * were raised.  The number of problems. */
static int plan_problems(struct ctx *c, const struct period *pd, struct dvisit *visits, int nv, struct plan *plans)
{
	int np = 0;
	/* what each visit records (written with visit_create below) */
	for (int i = 0; i < nv; i++) {
		struct dvisit *v = &visits[i];
		const struct dent *e = &c->ents[v->ent];
		if (v->story == 1 + TPL_STORY)
			snprintf(v->people, sizeof v->people, "%s（副总经理、董事会秘书）", e->contact);
		else
			snprintf(v->people, sizeof v->people, "%s（%s）", e->contact, ROLES[rnd_int(c, 0, NELEM(ROLES) - 1)]);
		v->notes = NOTES[rnd_int(c, 0, NELEM(NOTES) - 1)];
		v->created_at = at_time(v->day, 18, rnd_int(c, 0, 59));
		/* its problems */
		for (int k = 0; k < v->problems; k++) {
			struct plan *p = &plans[np++];
			p->ent = v->ent;
			p->visit = i;
			p->day = v->day;
			p->hour = v->hour;
			p->source = "visit";
			p->order = np;
			if (v->story) {
				p->tpl = v->story - 1 + k;
				p->story = p->tpl - TPL_STORY + 1;
			} else {
				p->tpl = pick_template(c, pick_category(c));
			}
		}
	}
	/* problems raised through the portal and the kiosk (24 hours, any day) */
	for (int k = 0; k < NPORTAL; k++) {
		struct plan *p = &plans[np++];
		if (k < 3) {
			static const char *const mine[] = { "ent.hengtai", "ent.langgu", "ent.xingyuan" };
			const struct duser *u = user_by_name(c, mine[k]);
			p->ent = 0;
			for (int i = 0; u && i < c->nents; i++)
				if (c->ents[i].id == u->ent)
					p->ent = i;
		} else {
			p->ent = rnd_int(c, 0, c->nents - 1);
		}
		p->visit = -1;
		int kiosk = k % 3 == 2;
		p->source = kiosk ? "kiosk" : "portal";
		p->day = kiosk ? pd->start + rnd_int(c, 0, (int)(pd->end - pd->start)) : pd->wdays[rnd_int(c, 0, pd->nw - 1)];
		p->hour = kiosk ? rnd_int(c, 17, 22) : rnd_int(c, 8, 17);
		p->tpl = pick_template(c, pick_category(c));
		p->order = np;
	}
	qsort(plans, (size_t)np, sizeof *plans, cmp_plan);
	return np;
}

/* How each problem goes; the number that stay open. */
static int plan_fates(struct ctx *c, const struct period *pd, struct plan *plans, int np)
{
	/* which stay open: the ten latest (submitted, accepted), the open
	 * land request of 星源, and 25 older ones */
	int nopen = 0;
	for (int i = np - 1, late = 0; i >= 0 && late < 10; i--) {
		if (plans[i].story)
			continue;
		plans[i].fate = late < 4 ? F_SUBMITTED : F_ACCEPTED;
		late++, nopen++;
	}
	for (int i = 0; i < np; i++)
		if (plans[i].story == 4)
			plans[i].fate = F_ESCALATED, nopen++;
	static const int OLDER[] = { F_IN_PROGRESS, F_IN_PROGRESS, F_IN_PROGRESS, F_IN_PROGRESS, F_IN_PROGRESS,
	                             F_IN_PROGRESS, F_IN_PROGRESS, F_IN_PROGRESS, F_IN_PROGRESS, F_IN_PROGRESS,
	                             F_IN_PROGRESS, F_IN_PROGRESS, F_ESCALATED, F_ESCALATED, F_ESCALATED,
	                             F_ESCALATED, F_ESCALATED, F_AWAITING, F_AWAITING, F_AWAITING, F_AWAITING,
	                             F_AWAITING, F_REOPENED, F_REOPENED, F_REOPENED };
	int64_t older_end = wd_add(c, pd->start, pd->nw - 9);
	for (int k = 0; k < NELEM(OLDER);) {
		struct plan *p = &plans[rnd_int(c, 0, np - 1)];
		if (p->story || p->fate != F_RESOLVED || p->day > older_end)
			continue;
		p->fate = OLDER[k++];
		nopen++;
	}
	/* some resolved ones were escalated, waited on the enterprise, or were
	 * reopened after a low rating first */
	int64_t reopen_end = wd_add(c, pd->start, pd->nw - 13);
	for (int k = 0, esc = 0, wait = 0, reo = 0; (esc < 12 || wait < 15 || reo < 8) && k < 100000; k++) {
		struct plan *p = &plans[rnd_int(c, 0, np - 1)];
		if (p->story || p->fate != F_RESOLVED || p->flags)
			continue;
		int cat = TPL[p->tpl].cat;
		if (esc < 12 && (cat == CAT_CUSTOMS || cat == CAT_LAND || cat == CAT_APPROVAL || cat == CAT_FINANCING)) {
			p->flags = FL_ESC | (esc < 4 ? FL_ESC_PROV : 0);
			esc++;
		} else if (wait < 15 && (cat == CAT_FINANCING || cat == CAT_APPROVAL || cat == CAT_POLICY || cat == CAT_LAND)) {
			p->flags = FL_WAIT;
			wait++;
		} else if (reo < 8 && p->day <= reopen_end) {
			p->flags = FL_REOPEN;
			reo++;
		}
	}
	for (int i = 0; i < np; i++)
		if (plans[i].story == 3)
			plans[i].flags = FL_ESC | FL_ESC_PROV;
	return nopen;
}

static int seed_visits_and_requests(struct ctx *c)
{
	struct period pd = { .start = day_of(DEMO_VISITS_FROM), .end = day_of(DEMO_VISITS_TO) };
	for (int k = 0; k < NCAT; k++)
		if (category_limit(c->db, CAT_CODE[k], &c->cat_months[k], &c->cat_workdays[k]) != 1)
			return fail(c, "request category %s", CAT_CODE[k]);
	for (int64_t d = pd.start; d <= pd.end && pd.nw < NELEM(pd.wdays); d++)
		if (is_wd(c, d))
			pd.wdays[pd.nw++] = d;
	struct dvisit *visits = calloc((size_t)c->nents + NSECOND, sizeof *visits);
	struct plan *plans = calloc(1024, sizeof *plans);
	int rc = -1;
	if (visits == NULL || plans == NULL) {
		fail(c, "out of memory");
		goto out;
	}
	int nv = plan_visits(c, &pd, visits);
	if (nv < 0)
		goto out;
	int np = plan_problems(c, &pd, visits, nv, plans);
	int nopen = plan_fates(c, &pd, plans, np);
	if (np != NVISIT_PROBLEMS + NPORTAL || nopen != NOPEN || np - nopen != DEMO_RESOLVED_REQUESTS) {
		fail(c, "planned %d problems, %d open", np, nopen);
		goto out;
	}
	rc = record_period(c, visits, nv, plans, np, pd.end);
out:
	free(visits);
	free(plans);
	return rc;
}

/* ---- the article's period settled ----
 * The problems still open at the end of the article's two months were
 * settled in the weeks after it (none stays open for years): each is
 * taken through the workflow to resolved and closed by the service centre
 * in the first 20 working days of 2022, so the period's own figures (496
 * enterprises visited, 560 problems resolved), and 2021's, stay what they
 * were. */

static const char *settle_action(const char *status)
{
	if (strcmp(status, "submitted") == 0)
		return "accept";
	if (strcmp(status, "accepted") == 0)
		return "start";
	if (strcmp(status, "awaiting_enterprise") == 0)
		return "resume";
	if (strcmp(status, "in_progress") == 0 || strcmp(status, "escalated") == 0)
		return "resolve";
	if (strcmp(status, "resolved") == 0)
		return "close";
	return NULL;
}

static int settle_one(struct ctx *c, int64_t id, int64_t dept, int64_t day)
{
	user_t boss = actor_of(dept_user(c, D_QFZX));
	boss.role_bit = ROLE_LEADER;   /* the centre coordinating with a leader's rights */
	for (int step = 0; step < 8; step++) {
		db_stmt_t *st = db_prepare(c->db, "SELECT status FROM requests WHERE id = $1");
		if (st == NULL)
			return fail(c, "request %lld", (long long)id);
		db_bind_int(st, 1, id);
		char status[32] = "";
		if (db_step(st) == DB_ROW)
			snprintf(status, sizeof status, "%s", db_col_text(st, 0));
		db_done(st);
		const char *action = settle_action(status);
		if (action == NULL)
			return 0;
		struct request_action_in in = { 0 };
		if (strcmp(action, "accept") == 0)
			in.department_id = dept ? dept : c->dept[D_QFZX];
		else if (strcmp(action, "resolve") == 0)
			in.resolution = "经持续跟踪协调，问题已解决。";
		err_t err;
		if (request_transition(c->db, &boss, REQ_KIND_REQUEST, id, action, &in, at_time(day, 9 + step, 10), NULL,
		                       &err) < 0)
			return fail(c, "settling case %lld (%s): %s", (long long)id, action, err.message);
	}
	return fail(c, "settling case %lld", (long long)id);
}

static int settle_period(struct ctx *c)
{
	int64_t ids[128], depts[128];
	int n = 0, rc;
	db_stmt_t *st = db_prepare(c->db, "SELECT id, COALESCE(department_id, 0) FROM requests WHERE kind = 'request'"
	                                  " AND status NOT IN ('resolved', 'closed') ORDER BY id");
	if (st == NULL)
		return fail(c, "open requests");
	while ((rc = db_step(st)) == DB_ROW && n < NELEM(ids)) {
		ids[n] = db_col_int(st, 0);
		depts[n++] = db_col_int(st, 1);
	}
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return fail(c, "open requests");
	for (int i = 0; i < n; i++)
		if (settle_one(c, ids[i], depts[i], wd_add(c, day_of("2021-12-31"), rnd_int(c, 1, 20))) < 0)
			return -1;
	return 0;
}

/* ---- the months before today ----
 * Relative to the clock (ZONEOPS_NOW or the system's): the RECENT_DAYS up
 * to yesterday.  Every key enterprise is visited by its chief service
 * officer (one in two twice), some others by departments; about a third of
 * the visits record a problem, more come through the portal and the kiosk.
 * The latest problems are waiting to be accepted or just accepted, a few
 * older ones are still in progress (some past their deadline), escalated
 * or waiting for the enterprise; the rest are resolved and mostly rated. */

enum { RECENT_DAYS = 84, RECENT_DEPT_VISITS = 70 };

static int plan_recent_visits(struct ctx *c, const struct period *pd, struct dvisit *visits)
{
	static const int DEPT_VISITORS[] = { D_QFZX, D_QFZX, D_QFZX, D_JFJ, D_XZSP, D_RSJ, D_SCJG };
	int nv = 0;
	for (int i = 0; i < c->nents; i++) {
		if (!c->ents[i].officer)
			continue;
		for (int k = 0, times = chance(c, 50) ? 2 : 1; k < times; k++) {
			struct dvisit *v = &visits[nv++];
			memset(v, 0, sizeof *v);
			v->ent = i;
			v->visitor = user_by_id(c, c->ents[i].officer);
			v->dept = c->ents[i].dept;
			if (v->visitor == NULL)
				return fail(c, "no officer for %s", c->ents[i].name);
		}
	}
	for (int k = 0; k < RECENT_DEPT_VISITS; k++) {
		struct dvisit *v = &visits[nv++];
		memset(v, 0, sizeof *v);
		v->ent = rnd_int(c, 0, c->nents - 1);
		int d = DEPT_VISITORS[rnd_int(c, 0, NELEM(DEPT_VISITORS) - 1)];
		v->visitor = dept_user(c, d);
		v->dept = c->dept[d];
		if (v->visitor == NULL)
			return fail(c, "no visitor of department %d", d);
	}
	for (int i = 0; i < nv; i++) {
		visits[i].day = pd->wdays[rnd_int(c, 0, pd->nw - 1)];
		visits[i].hour = rnd_int(c, 9, 16);
		visits[i].problems = chance(c, 33) ? 1 : 0;
	}
	qsort(visits, (size_t)nv, sizeof *visits, cmp_visit);
	return nv;
}

/* The last working day a case may be accepted on so that its deadline
 * stays in a loaded calendar is not known here; the workflow says so
 * (calendar_missing) and replay() leaves such a case where it is. */
static void plan_recent_fates(struct ctx *c, const struct period *pd, struct plan *plans, int np)
{
	for (int i = np - 1, late = 0; i >= 0 && late < 8; i--, late++)
		plans[i].fate = late < 4 ? F_SUBMITTED : F_ACCEPTED;
	static const int OLDER[] = { F_IN_PROGRESS, F_IN_PROGRESS, F_IN_PROGRESS, F_IN_PROGRESS, F_IN_PROGRESS,
	                             F_ESCALATED, F_ESCALATED, F_AWAITING, F_AWAITING, F_REOPENED };
	int64_t older_from = wd_add(c, pd->start, pd->nw / 3), older_to = wd_add(c, pd->start, pd->nw - 10);
	for (int k = 0, guard = 0; k < NELEM(OLDER) && guard < 100000; guard++) {
		struct plan *p = &plans[rnd_int(c, 0, np - 1)];
		if (p->fate != F_RESOLVED || p->day < older_from || p->day > older_to)
			continue;
		p->fate = OLDER[k++];
	}
	for (int k = 0, flagged = 0, guard = 0; flagged < 8 && guard < 100000; guard++, k++) {
		struct plan *p = &plans[rnd_int(c, 0, np - 1)];
		if (p->fate != F_RESOLVED || p->flags || p->day > older_to)
			continue;
		int cat = TPL[p->tpl].cat;
		p->flags = cat == CAT_CUSTOMS || cat == CAT_APPROVAL ? FL_ESC : k % 2 ? FL_WAIT : FL_REOPEN;
		flagged++;
	}
}

static int seed_recent(struct ctx *c)
{
	int64_t today = date_of_unix(c->now);
	struct period pd = { .start = today - RECENT_DAYS, .end = today - 1 };
	char from[DATE_LEN], today_s[DATE_LEN];
	date_format(pd.start - 30, from);
	date_format(today, today_s);
	if (wd_build(c, from, 200) < 0 || load_enterprises(c, today_s) < 0)
		return -1;
	for (int64_t d = pd.start; d <= pd.end && pd.nw < NELEM(pd.wdays); d++)
		if (is_wd(c, d))
			pd.wdays[pd.nw++] = d;
	if (pd.nw == 0)
		return fail(c, "no working day before %s", today_s);
	c->recent = 1;
	struct dvisit *visits = calloc((size_t)c->nents * 2 + RECENT_DEPT_VISITS, sizeof *visits);
	struct plan *plans = calloc((size_t)c->nents * 2 + RECENT_DEPT_VISITS + NPORTAL, sizeof *plans);
	int rc = -1;
	if (visits == NULL || plans == NULL) {
		fail(c, "out of memory");
		goto out;
	}
	int nv = plan_recent_visits(c, &pd, visits);
	if (nv < 0)
		goto out;
	int np = plan_problems(c, &pd, visits, nv, plans);
	plan_recent_fates(c, &pd, plans, np);
	rc = record_period(c, visits, nv, plans, np, pd.end);
out:
	free(visits);
	free(plans);
	return rc;
}

/* The demo's current cases (the enterprise accounts' requests, the autumn
 * inspection) were written for a "now" of DEMO_ANCHOR; they are moved by
 * whole weeks (weekdays kept) to the same distance before today. */
#define DEMO_ANCHOR "2026-11-27"

static int64_t moved(struct ctx *c, const char *day)
{
	int64_t shift = date_of_unix(c->now) - day_of(DEMO_ANCHOR);
	shift = shift >= 0 ? shift / 7 * 7 : -((-shift + 6) / 7 * 7);
	return day_of(day) + shift;
}

/* ---- now: the enterprise accounts' latest requests ---- */

static int seed_current(struct ctx *c)
{
	static const struct {
		const char *account, *category, *title, *desc, *source;
		const char *raised;
		int hour, dept;
		const char *accepted, *started, *escalated, *waited, *resolved;
		const char *resolution;
	} CUR[] = {
		{ "ent.hengtai", "labour", "明年春节后用工需求约150人", "春节后新产线投产，需一线操作工约150人，希望提前对接招工渠道。",
		  "portal", "2026-11-16", 9, D_RSJ, "2026-11-16", "2026-11-17", NULL, NULL, NULL, NULL },
		{ "ent.hengtai", "schooling", "员工子女幼儿园插班（2名）", "2名新入职员工子女需就近入读幼儿园中班。", "kiosk",
		  "2026-11-25", 20, D_SYSJ, NULL, NULL, NULL, NULL, NULL, NULL },
		{ "ent.langgu", "customs", "保税料件核销差异", "加工贸易手册核销时料件数量出现差异，需与海关沟通。", "portal",
		  "2026-11-09", 10, D_QFZX, "2026-11-09", "2026-11-10", "2026-11-13", NULL, NULL, NULL },
		{ "ent.xingyuan", "policy", "专精特新企业申报辅导", "计划申报省级专精特新中小企业，希望获得申报辅导。", "portal",
		  "2026-11-02", 11, D_JFJ, "2026-11-02", "2026-11-03", NULL, NULL, "2026-11-06",
		  "经济发展局上门开展一对一辅导，申报材料已提交。" },
		{ "ent.xingyuan", "financing", "技改项目贷款贴息申报", "隔膜二期技改项目贷款申请贴息支持。", "portal",
		  "2026-11-18", 15, D_CZJ, "2026-11-18", "2026-11-19", NULL, "2026-11-23", NULL, NULL },
	};
	for (int i = 0; i < NELEM(CUR); i++) {
		const struct duser *u = user_by_name(c, CUR[i].account);
		if (u == NULL)
			continue;
		struct dent e;
		memset(&e, 0, sizeof e);
		db_stmt_t *st = db_prepare(c->db, "SELECT COALESCE(officer_id, 0), contact_name FROM enterprises WHERE id = $1");
		if (st == NULL)
			return fail(c, "enterprises");
		db_bind_int(st, 1, u->ent);
		int rc = db_step(st);
		if (rc == DB_ROW) {
			e.id = u->ent;
			e.officer = db_col_int(st, 0);
			snprintf(e.contact, sizeof e.contact, "%s", db_col_text(st, 1));
		}
		db_done(st);
		if (rc != DB_ROW)
			continue;
		struct hist h;
		memset(&h, 0, sizeof h);
		ev(c, &h, moved(c, CUR[i].raised), CUR[i].hour, actor_of(u), "create");
		if (CUR[i].accepted)
			ev(c, &h, moved(c, CUR[i].accepted), 14, coordinator(c, &e), "accept")->in.department_id = c->dept[CUR[i].dept];
		user_t handler = actor_of(dept_user(c, CUR[i].dept));
		if (CUR[i].started)
			ev(c, &h, moved(c, CUR[i].started), 10, handler, "start");
		if (CUR[i].escalated) {
			struct dev *x = ev(c, &h, moved(c, CUR[i].escalated), 15, handler, "escalate");
			x->in.level = "city";
			x->in.reason = "核销差异需与南通海关业务科室协调";
			x->in.contact = DEPTS[D_HG].name;
			x->in.department_id = c->dept[D_HG];
			handler = actor_of(dept_user(c, D_HG));
		}
		if (CUR[i].waited)
			ev(c, &h, moved(c, CUR[i].waited), 11, handler, "wait")->in.reason = "请企业补充技改设备发票及贷款合同";
		if (CUR[i].resolved)
			ev(c, &h, moved(c, CUR[i].resolved), 16, handler, "resolve")->in.resolution = CUR[i].resolution;
		struct request_in in = { .kind = "request", .enterprise_id = e.id, .category = CUR[i].category,
		                         .title = CUR[i].title, .description = CUR[i].desc, .source = CUR[i].source };
		if (create_and_replay(c, &in, &h) < 0)
			return -1;
	}
	return 0;
}

/* ---- the streets' offices (区街上下联动) ---- */

/* A few current requests with the streets' offices (dept.street1…): raised
 * by an office for a key enterprise of its street and handled there, or
 * raised by the enterprise's officer and handed to the office.  Written
 * last, so that the random draws of everything before stay the same. */
static int seed_streets(struct ctx *c)
{
	static const struct {
		int street;                     /* 1..6, the account dept.streetN */
		int by_office;                  /* raised by the office, else by the enterprise's coordinator */
		const char *category, *title, *desc, *source;
		const char *raised, *accepted, *started, *resolved, *resolution;
	} ST[] = {
		{ 1, 1, "other", "厂区周边道路夜间照明不足", "企业反映厂区东侧道路路灯损坏，夜班职工出行不便。", "visit",
		  "2026-11-10", "2026-11-10", "2026-11-11", "2026-11-17", "街道协调市政部门更换路灯6盏，已恢复照明。" },
		{ 2, 1, "labour", "春节前返乡职工集中用工缺口", "街道走访发现企业春节前后用工缺口约60人。", "visit",
		  "2026-11-19", "2026-11-20", "2026-11-23", NULL, NULL },
		{ 3, 0, "other", "企业门前停车位规划调整", "企业申请调整门前道路停车位，方便货车装卸。", "staff",
		  "2026-11-12", "2026-11-13", "2026-11-16", NULL, NULL },
		{ 4, 1, "approval", "厂房屋顶光伏项目备案咨询", "企业计划建设屋顶分布式光伏，咨询备案流程。", "visit",
		  "2026-11-24", NULL, NULL, NULL, NULL },
	};
	for (int i = 0; i < NELEM(ST); i++) {
		char uname[32];
		snprintf(uname, sizeof uname, "dept.street%d", ST[i].street);
		const struct duser *office = user_by_name(c, uname);
		if (office == NULL || ST[i].street > c->nstreets)
			return fail(c, "no account %s", uname);
		struct dent e;
		memset(&e, 0, sizeof e);
		db_stmt_t *st = db_prepare(c->db, "SELECT id, COALESCE(officer_id, 0), contact_name FROM enterprises"
		                                  " WHERE street_id = $1 AND is_key = 1 ORDER BY id LIMIT 1");
		if (st == NULL)
			return fail(c, "enterprises");
		db_bind_int(st, 1, c->streets[ST[i].street - 1]);
		int rc = db_step(st);
		if (rc == DB_ROW) {
			e.id = db_col_int(st, 0);
			e.officer = db_col_int(st, 1);
			snprintf(e.contact, sizeof e.contact, "%s", db_col_text(st, 2));
		}
		db_done(st);
		if (rc != DB_ROW)
			return fail(c, "no key enterprise in street %d", ST[i].street);
		user_t handler = actor_of(office);
		struct hist h;
		memset(&h, 0, sizeof h);
		ev(c, &h, moved(c, ST[i].raised), 10, ST[i].by_office ? handler : coordinator(c, &e), "create");
		if (ST[i].accepted)
			ev(c, &h, moved(c, ST[i].accepted), 14, ST[i].by_office ? handler : coordinator(c, &e), "accept")
				->in.department_id = office->dept;
		if (ST[i].started)
			ev(c, &h, moved(c, ST[i].started), 10, handler, "start");
		if (ST[i].resolved)
			ev(c, &h, moved(c, ST[i].resolved), 16, handler, "resolve")->in.resolution = ST[i].resolution;
		struct request_in in = { .kind = "request", .enterprise_id = e.id, .category = ST[i].category,
		                         .title = ST[i].title, .description = ST[i].desc, .source = ST[i].source };
		if (create_and_replay(c, &in, &h) < 0)
			return -1;
	}
	return 0;
}

/* ---- inspection findings ---- */

/* The 2021 inspection stays where it was; the autumn one is moved. */
static int64_t ins_day(struct ctx *c, const char *day)
{
	return strncmp(day, "2021", 4) == 0 ? day_of(day) : moved(c, day);
}

static int seed_inspections(struct ctx *c)
{
	static const struct {
		const char *category, *title, *desc;
		int dept;
		const char *created, *due, *started, *submitted, *rejected, *verified;
		const char *evidence;
	} INS[] = {
		/* the 2021 special inspection (全区营商环境专项巡察) */
		{ "monitoring", "“获得电力”“办理建筑许可”监测指标办理时限偏长",
		  "营商环境监测中两项指标的平均办理时限高于全市平均水平。", D_XZSP, "2021-11-08", "2021-12-10",
		  "2021-11-09", "2021-12-03", NULL, "2021-12-08", "压缩审批环节3个，平均办理时限缩短40%，已出台办事指南。" },
		{ "service_quality", "部分涉企事项“一次办好”落实不到位", "抽查发现3个事项仍需企业多次跑腿。", D_QFZX,
		  "2021-11-08", "2021-12-15", "2021-11-10", "2021-12-01", "2021-12-03", "2021-12-13",
		  "梳理涉企事项清单，3个事项实现网上一次办结，补充整改台账。" },
		{ "policy", "惠企政策兑现进度偏慢", "部分奖补资金兑现超过承诺时限。", D_CZJ, "2021-11-08", "2021-12-20",
		  "2021-11-09", "2021-12-10", NULL, "2021-12-16", "建立“免审即享”兑现清单，逾期奖补已全部拨付。" },
		{ "enforcement", "涉企检查频次偏多", "个别企业反映同一月份接受多个部门检查。", D_SCJG, "2021-11-08", "2021-12-20",
		  "2021-11-11", "2021-12-09", NULL, "2021-12-14", "推行“双随机、一公开”联合检查，建立涉企检查计划统筹机制。" },
		{ "growth", "拟上市企业培育服务不够精准", "后备企业库更新不及时，辅导服务缺少跟踪。", D_JFJ, "2021-11-08",
		  "2021-12-31", "2021-11-12", "2021-12-20", NULL, "2021-12-28", "更新拟上市企业后备库，建立“一企一策”跟踪服务台账。" },
		/* autumn 2026 (moved to the weeks before today) */
		{ "monitoring", "“获得电力”报装时限仍高于全市平均", "三季度监测显示低压报装平均时限偏长。", D_QFZX,
		  "2026-10-19", "2026-12-31", "2026-10-21", NULL, NULL, NULL, NULL },
		{ "service_quality", "政务服务大厅部分窗口午间不受理", "暗访发现午间时段部分窗口暂停受理。", D_XZSP, "2026-10-19",
		  "2026-11-20", "2026-10-20", NULL, NULL, NULL, NULL },
		{ "policy", "部分惠企政策兑现超过承诺时限", "抽查上半年奖补兑现情况，3项超时。", D_CZJ, "2026-10-19",
		  "2026-11-30", "2026-10-22", "2026-11-24", NULL, NULL, "超时奖补已全部兑现，建立兑现时限预警。" },
		{ "enforcement", "涉企行政检查未全部纳入“双随机”", "部分检查未通过抽查系统开展。", D_SCJG, "2026-10-19",
		  "2026-12-15", NULL, NULL, NULL, NULL, NULL },
		{ "growth", "专精特新培育库动态更新不及时", "培育库名单半年未更新。", D_JFJ, "2026-10-19", "2026-11-15", "2026-10-20",
		  "2026-11-12", NULL, "2026-11-16", "培育库已更新，建立季度更新机制。" },
	};
	const struct duser *admin = user_by_name(c, "admin");
	for (int i = 0; i < NELEM(INS); i++) {
		struct hist h;
		memset(&h, 0, sizeof h);
		user_t boss = actor_of(admin), handler = actor_of(dept_user(c, INS[i].dept));
		ev(c, &h, ins_day(c, INS[i].created), 10, boss, "create");
		if (INS[i].started)
			ev(c, &h, ins_day(c, INS[i].started), 11, handler, "start");
		if (INS[i].submitted) {
			int64_t ds = ins_day(c, INS[i].submitted);
			if (INS[i].rejected) {
				/* submitted, sent back, submitted again three days later */
				ev(c, &h, ds, 15, handler, "submit")->in.evidence = "已梳理事项清单。";
				ev(c, &h, ins_day(c, INS[i].rejected), 10, boss, "reject")->in.reason =
					"整改台账不完整，请补充具体事项和办理时限。";
				ds = ins_day(c, INS[i].rejected) + 3;
			}
			ev(c, &h, ds, 16, handler, "submit")->in.evidence = INS[i].evidence;
		}
		if (INS[i].verified)
			ev(c, &h, ins_day(c, INS[i].verified), 10, boss, "verify");
		char due[DATE_LEN];
		date_format(ins_day(c, INS[i].due), due);
		struct request_in in = { .kind = "inspection", .category = INS[i].category, .title = INS[i].title,
		                         .description = INS[i].desc, .department_id = c->dept[INS[i].dept],
		                         .due_on = due };
		if (create_and_replay(c, &in, &h) < 0)
			return -1;
	}
	return 0;
}

/* ---- entry point ---- */

int demo_seed_service(db_t *db, int64_t now, char **err)
{
	if (err)
		*err = NULL;
	if (demo_seed_calendar(db, now, err) < 0)
		return -1;
	struct ctx *c = calloc(1, sizeof *c);
	if (c == NULL) {
		if (err)
			*err = strdup("demo service: out of memory");
		return -1;
	}
	c->db = db;
	c->now = now;
	c->rng = 0x5EEDC0DE20211215ULL;
	int rc = load_refs(c);
	if (rc == 0) {
		int64_t existed = db_int1(db, "SELECT count(*) FROM enterprises WHERE founded_on <> '' AND founded_on < '"
		                              DEMO_VISITS_FROM "'", -1, 0, NULL);
		if (existed < 0)
			rc = fail(c, "enterprises");
		else
			rc = seed_more_enterprises(c, DEMO_VISITED_ENTERPRISES - (int)existed);
	}
	if (rc == 0)
		rc = load_enterprises(c, DEMO_VISITS_FROM);
	if (rc == 0 && c->nents != DEMO_VISITED_ENTERPRISES)
		rc = fail(c, "%d enterprises existed in 2021, not %d", c->nents, DEMO_VISITED_ENTERPRISES);
	if (rc == 0)
		rc = wd_build(c, "2021-10-01", 200);
	if (rc == 0)
		rc = seed_visits_and_requests(c);
	if (rc == 0)
		rc = settle_period(c);
	c->recent = 1;
	if (rc == 0)
		rc = seed_inspections(c);
	if (rc == 0)
		rc = seed_current(c);
	if (rc == 0)
		rc = seed_recent(c);
	if (rc == 0)
		rc = seed_streets(c);
	if (rc < 0)
		report(c, err);
	free(c->users);
	free(c->ents);
	free(c);
	return rc;
}
