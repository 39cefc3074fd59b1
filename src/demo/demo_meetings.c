/*
 * demo_meetings.c -- the demo's joint consultations (issue 14), through
 * the domain functions of meetings.c and requests.c as the API would call
 * them, each at its own time (see demo_meetings.h).
 */
#include "demo/demo_meetings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "service/meetings.h"

#define DAY 86400
#define HOUR 3600

struct ctx {
	db_t *db;
	arena_t *a;
	char **err;
	int64_t now;
	user_t convener;
	int64_t dept[7];        /* qfzx zrgh jsj sthj rsj xzsp jfj */
	int64_t street[2];      /* 竹行街道 新开街道 */
};
enum { QFZX, ZRGH, JSJ, STHJ, RSJ, XZSP, JFJ };

static int fail(struct ctx *c, const char *what, const err_t *e)
{
	char m[512];
	snprintf(m, sizeof m, "demo seed: meetings: %s: %s%s%s", what, e ? e->message : db_errmsg(c->db),
	         e && e->field ? " -- " : "", e && e->field ? e->field : "");
	if (c->err)
		*c->err = strdup(m);
	else
		fprintf(stderr, "zoneops: %s\n", m);
	return -1;
}

static int64_t id_by(db_t *db, const char *sql, const char *key)
{
	const char *p[1] = { key };
	return db_int1(db, sql, 0, 1, p);
}

/* The account username as an actor (strings in c's arena); id 0 when none. */
static user_t actor(struct ctx *c, const char *username)
{
	user_t u = { 0 };
	db_stmt_t *st = db_prepare(c->db, "SELECT id, username, display_name, role, COALESCE(department_id, 0)"
	                                  " FROM users WHERE username = $1");
	if (st == NULL)
		return u;
	db_bind_text(st, 1, username);
	if (db_step(st) == DB_ROW) {
		u.id = db_col_int(st, 0);
		u.username = arena_strdup(c->a, db_col_text(st, 1));
		u.display_name = arena_strdup(c->a, db_col_text(st, 2));
		u.role = arena_strdup(c->a, db_col_text(st, 3));
		u.role_bit = role_bit(u.role);
		u.department_id = db_col_int(st, 4);
	}
	db_done(st);
	return u;
}

/* A working day on or before (back 1) / after (back 0) day. */
static int64_t weekday(int64_t day, int back)
{
	while (date_weekday(day) > 5)
		day += back ? -1 : 1;
	return day;
}

static const char *ds(struct ctx *c, int64_t day)
{
	char *s = arena_alloc(c->a, DATE_LEN);
	date_format(day, s);
	return s;
}

/* The request that needs three departments, raised by the enterprise's
 * officer, accepted by it for the service center, proposed for the meeting. */
static int seed_request(struct ctx *c, int64_t held, int64_t *rid)
{
	db_stmt_t *st = db_prepare(c->db, "SELECT e.id, u.username FROM enterprises e JOIN users u ON u.id = e.officer_id"
	                                  " WHERE e.street_id = $1 ORDER BY e.id LIMIT 1");
	if (st == NULL)
		return fail(c, "reading the enterprises", NULL);
	db_bind_int(st, 1, c->street[0]);
	int64_t ent = 0;
	const char *officer = NULL;
	if (db_step(st) == DB_ROW) {
		ent = db_col_int(st, 0);
		officer = arena_strdup(c->a, db_col_text(st, 1));
	}
	db_done(st);
	if (ent == 0)
		return fail(c, "no enterprise of 竹行街道 with an officer", NULL);
	user_t off = actor(c, officer);
	struct request_in in = { .kind = "request", .enterprise_id = ent, .category = "land", .source = "staff",
		.title = "厂区扩建涉及规划调整、施工许可和环评，需多部门协调",
		.description = "企业拟在现有厂区北侧扩建二期厂房，需调整地块规划指标、办理施工许可并完成环评审批，"
		               "单一部门难以推进，申请提交部门联席会商。" };
	err_t e;
	int64_t t0 = date_unix(held) + 9 * HOUR;
	if (request_create(c->db, &off, &in, t0 - 10 * DAY, rid, &e) < 0)
		return fail(c, "the request", &e);
	struct request_action_in acc = { .department_id = c->dept[QFZX] };
	if (request_transition(c->db, &off, REQ_KIND_REQUEST, *rid, "accept", &acc, t0 - 9 * DAY, NULL, &e) < 0)
		return fail(c, "accepting the request", &e);
	int64_t item;
	if (meeting_propose(c->db, c->a, &off, *rid, "涉及规划、建设、生态环境三个部门，建议提交联席会商", t0 - 8 * DAY, &item,
	                    &e) < 0)
		return fail(c, "proposing the request", &e);
	return 0;
}

static int create_meeting(struct ctx *c, const char *title, int64_t day, int64_t at, int64_t *id)
{
	const int64_t depts[] = { c->dept[QFZX], c->dept[ZRGH], c->dept[JSJ], c->dept[STHJ], c->dept[RSJ] };
	struct meeting_in in = { .title = title, .held_on = ds(c, day), .starts_at = "09:30", .place = "管委会三楼第一会议室",
		.chair = "顾振华", .level = "district_street", .departments = depts, .ndepartments = 5,
		.streets = c->street, .nstreets = 2, .has_departments = 1, .has_streets = 1 };
	err_t e;
	if (meeting_create(c->db, c->a, &c->convener, &in, at, id, &e) < 0)
		return fail(c, "creating a meeting", &e);
	return 0;
}

struct demo_task {
	const char *title;
	int dept;               /* index into c->dept, or -1 */
	int street;             /* index into c->street, or -1 */
	int workdays;
	int done;               /* days after the deadline it was done (-1 before it); 99: open */
};

static int decide(struct ctx *c, int64_t meeting, int64_t item, int64_t at, const char *decision, int lead,
                  const int64_t *pd, size_t npd, const int64_t *ps, size_t nps, const struct demo_task *t, size_t nt)
{
	struct meeting_task_in in[4];
	for (size_t i = 0; i < nt; i++)
		in[i] = (struct meeting_task_in){ .title = t[i].title, .due_workdays = t[i].workdays,
			.department_id = t[i].dept >= 0 ? c->dept[t[i].dept] : 0,
			.street_id = t[i].street >= 0 ? c->street[t[i].street] : 0 };
	struct meeting_decision_in d = { .decision = decision, .lead_department_id = c->dept[lead],
		.partner_departments = pd, .npartner_departments = npd, .partner_streets = ps, .npartner_streets = nps,
		.tasks = in, .ntasks = nt };
	err_t e;
	if (meeting_decide(c->db, c->a, &c->convener, meeting, item, &d, at, &e) < 0)
		return fail(c, "a decision", &e);
	/* the tasks as their departments (or, for a street, the convener) mark them */
	struct meeting_task_filter f = { .item = item };
	json_t *tasks = meeting_tasks_json(c->db, &f);
	if (tasks == NULL)
		return fail(c, "reading the tasks", NULL);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < nt; i++) {
		json_t *o = NULL, *x;
		size_t k;
		json_array_foreach(tasks, k, x)
			if (strcmp(json_string_value(json_object_get(x, "title")), t[i].title) == 0)
				o = x;
		if (t[i].done == 99 || o == NULL)
			continue;
		int64_t due;
		date_parse(json_string_value(json_object_get(o, "due_on")), &due);
		char who[32];
		snprintf(who, sizeof who, "dept.%s", (const char *[]){ "qfzx", "zrgh", "jsj", "sthj", "rsj", "xzsp", "jfj" }
		                                         [t[i].dept >= 0 ? t[i].dept : QFZX]);
		user_t u = actor(c, who);
		if (meeting_task_update(c->db, c->a, &u, json_integer_value(json_object_get(o, "id")), "done",
		                        t[i].done > 0 ? "已完成，较时限有所延后" : "已按时完成", date_unix(due + t[i].done) + 16 * HOUR,
		                        &e) < 0)
			rc = fail(c, "marking a task done", &e);
	}
	json_decref(tasks);
	return rc;
}

static int add_topic(struct ctx *c, int64_t meeting, const char *title, const char *note, int64_t at, int64_t *item)
{
	struct meeting_item_in in = { .kind = "topic", .title = title, .note = note };
	err_t e;
	if (meeting_item_add(c->db, c->a, &c->convener, meeting, &in, at, item, &e) < 0)
		return fail(c, "an agenda item", &e);
	return 0;
}

static int seed_held(struct ctx *c, int64_t held)
{
	int64_t rid, m, it[3];
	int64_t t0 = date_unix(held) + 9 * HOUR;
	if (seed_request(c, held, &rid) < 0)
		return -1;
	int y, mo;
	date_to_civil(held, &y, &mo, NULL);
	if (create_meeting(c, arena_printf(c->a, "%d年%d月部门联席会商会议", y, mo), held, t0 - 5 * DAY, &m) < 0)
		return -1;
	it[0] = id_by(c->db, "SELECT id FROM meeting_items WHERE request_id = CAST($1 AS BIGINT)",
	              arena_printf(c->a, "%lld", (long long)rid));
	if (it[0] <= 0 ||
	    add_topic(c, m, "竹行街道工业集中区道路积水与排水管网改造", "雨季多家企业反映厂区门前积水，影响物流车辆通行",
	              t0 - 2 * DAY, &it[1]) < 0 ||
	    add_topic(c, m, "重点企业年底用工缺口对接", "走访中12家重点企业反映普工缺口合计约600人", t0 - 2 * DAY, &it[2]) < 0)
		return it[0] <= 0 ? fail(c, "the proposal did not join the meeting", NULL) : -1;
	const int64_t p1[] = { c->dept[JSJ], c->dept[STHJ] }, s1[] = { c->street[0] };
	static const struct demo_task T1[] = {
		{ "出具地块规划指标调整意见", ZRGH, -1, 5, -1 },
		{ "办理二期厂房施工许可并联审批", JSJ, -1, 10, 99 },
		{ "完成扩建项目环评审批", STHJ, -1, 8, -2 },
	};
	const int64_t p2[] = { c->dept[ZRGH] }, s2[] = { c->street[0] };
	static const struct demo_task T2[] = {
		{ "摸排积水点位并报送清单", -1, 0, 3, -1 },
		{ "编制排水管网改造方案", JSJ, -1, 8, 2 },
	};
	const int64_t s3[] = { c->street[1] };
	static const struct demo_task T3[] = {
		{ "组织重点企业专场招聘会", RSJ, -1, 7, -1 },
		{ "走访企业汇总用工需求", -1, 1, 5, -2 },
	};
	int64_t at = t0 + 2 * HOUR;
	if (decide(c, m, it[0], at,
	           "由自然资源和规划分局牵头，建设局、生态环境分局配合，竹行街道做好现场协调，并联推进规划调整、"
	           "施工许可和环评审批，确保项目年内开工。", ZRGH, p1, 2, s1, 1, T1, 3) < 0 ||
	    decide(c, m, it[1], at, "由建设局牵头编制排水改造方案，竹行街道摸排积水点位，自然资源和规划分局配合管线规划。", JSJ,
	           p2, 1, s2, 1, T2, 2) < 0 ||
	    decide(c, m, it[2], at, "由人力资源和社会保障局牵头组织专场招聘，新开街道汇总企业用工需求。", RSJ, NULL, 0, s3, 1, T3,
	           2) < 0)
		return -1;
	struct meeting_in held_in = { .status = "held" };
	err_t e;
	if (meeting_update(c->db, c->a, &c->convener, m, &held_in, t0 + 3 * HOUR, &e) < 0)
		return fail(c, "marking the meeting held", &e);
	return 0;
}

/* Next week's meeting and one request proposed for it. */
static int seed_planned(struct ctx *c, int64_t day)
{
	int64_t m, item;
	int y, mo;
	date_to_civil(day, &y, &mo, NULL);
	if (create_meeting(c, arena_printf(c->a, "%d年%d月部门联席会商会议（第二次）", y, mo), day, c->now - DAY, &m) < 0)
		return -1;
	db_stmt_t *st = db_prepare(c->db,
		"SELECT r.id, u.username FROM requests r JOIN enterprises e ON e.id = r.enterprise_id"
		" JOIN users u ON u.id = e.officer_id WHERE r.kind = 'request' AND r.status IN ('accepted', 'in_progress')"
		" AND r.category = 'approval' AND NOT EXISTS (SELECT 1 FROM meeting_items i WHERE i.request_id = r.id)"
		" ORDER BY r.id LIMIT 1");
	if (st == NULL)
		return fail(c, "reading the requests", NULL);
	int64_t rid = 0;
	const char *officer = NULL;
	if (db_step(st) == DB_ROW) {
		rid = db_col_int(st, 0);
		officer = arena_strdup(c->a, db_col_text(st, 1));
	}
	db_done(st);
	if (rid == 0)
		return 0;   /* nothing open to propose */
	user_t off = actor(c, officer);
	err_t e;
	if (meeting_propose(c->db, c->a, &off, rid, "审批涉及多个部门，企业多次反映进度慢，建议会商", c->now - 2 * HOUR, &item,
	                    &e) < 0)
		return fail(c, "proposing for the next meeting", &e);
	return 0;
}

int demo_seed_meetings(db_t *db, int64_t now, char **err)
{
	struct ctx c = { .db = db, .err = err, .now = now };
	if (err)
		*err = NULL;
	c.a = arena_new();
	static const char *const DEPTS[7] = { "企业发展服务中心", "自然资源和规划分局", "建设局", "生态环境分局",
	                                      "人力资源和社会保障局", "行政审批局", "经济发展局" };
	int rc = 0;
	for (int i = 0; i < 7; i++)
		if ((c.dept[i] = id_by(db, "SELECT id FROM departments WHERE name = $1", DEPTS[i])) <= 0)
			rc = fail(&c, "a demo department is missing", NULL);
	c.street[0] = id_by(db, "SELECT id FROM streets WHERE name = $1", "竹行街道");
	c.street[1] = id_by(db, "SELECT id FROM streets WHERE name = $1", "新开街道");
	c.convener = actor(&c, "dept.qfzx");
	if (rc == 0 && (c.street[0] <= 0 || c.street[1] <= 0 || c.convener.id <= 0))
		rc = fail(&c, "a demo street or dept.qfzx is missing", NULL);
	int64_t today = date_of_unix(now);
	if (rc == 0)
		rc = seed_held(&c, weekday(today - 21, 1));
	if (rc == 0)
		rc = seed_planned(&c, weekday(today + 7, 0));
	arena_free(c.a);
	return rc;
}
