/*
 * messages.c -- what a notice says: one headline per event kind, in
 * Chinese or English, then the facts of the payload the emitter gave
 * (which enterprise, project, department or unit; the deadline and the
 * working days left or overdue; a reason, a rating; a digest's counts and
 * first cases; who did it) and the link to the page: base_url + "/" +
 * path (path is the page's hash route, "#/requests/12").
 *
 * The payload's fields (all optional; a kind uses those it needs):
 *   title          the case's (or policy's, evaluation's) title
 *   case           "inspection" for a finding (request.assigned, ...)
 *   stage          "accept" for request.overdue: overdue for acceptance
 *   action         request.update: the step taken (accept, escalate, wait,
 *                  resolve, reject)
 *   leader         true: the copy for the leaders a working day later
 *   enterprise, project, department, unit, month, reason, comment, channel
 *   actor          who did it ("by" is taken too)
 *   rating         1..5
 *   due_on         'YYYY-MM-DD' with workdays_left (negative: overdue by)
 *   met, total     race.quota_at_risk: people who met their quota, of
 *   behind         [names] who have not
 *   items          policy.batch_pending: the number of enterprises;
 *                  digest: [{title, due_on, workdays_left}] the first cases
 *   open, due_soon, overdue   digest: the counts
 *   text           test: the text to send
 *   path           the page's hash route ("#/requests/12"; a leading "/"
 *                  is dropped: the link is base_url + "/" + the route)
 *
 * Three forms: markdown for the group robots (a bold title line, then one
 * paragraph per fact -- WeCom and DingTalk both break lines on a blank
 * line -- and a link), plain text for e-mail (the title, a blank line, the
 * facts, the link), and the generic webhook's JSON
 * {"id","event","title","text","link","payload"}.  Every value that goes
 * into markdown has the characters markdown gives a meaning to escaped with
 * a backslash (names may contain * _ [ ] ...), and line breaks inside a
 * value become spaces in every form, so a value never makes a line of its
 * own.
 */
#include "notify.h"

#include <stdlib.h>
#include <string.h>

/* ---- headlines ---- */

static const struct {
	const char *kind, *zh, *en;
} HEADS[] = {
	{ NE_REQUEST_SUBMITTED, "新诉求待受理", "New request to accept" },
	{ NE_REQUEST_ASSIGNED, "诉求已受理，请办理", "Request accepted and assigned to you" },
	{ NE_REQUEST_DUE_SOON, "诉求即将到期", "Request due soon" },
	{ NE_REQUEST_OVERDUE, "诉求办理超期", "Request overdue" },
	{ NE_REQUEST_ESCALATED, "诉求升级转办", "Request escalated to you" },
	{ NE_REQUEST_RATED_LOW, "诉求评价不满意", "Request rated low" },
	{ NE_REQUEST_UPDATE, "您的诉求有新进展", "News of your request" },
	{ NE_FINDING_DUE, "巡察问题整改即将到期", "Inspection finding: rectification due soon" },
	{ NE_FINDING_OVERDUE, "巡察问题整改超期", "Inspection finding: rectification overdue" },
	{ NE_BATCH_PENDING, "政策兑现批次待审批", "Policy batch awaiting approval" },
	{ NE_OBJECTION_FILED, "亩均评价异议待处理", "Objection to a land-use evaluation" },
	{ NE_QUOTA_AT_RISK, "赛马任务完成有风险", "Race quota at risk" },
	{ NE_DIGEST, "每日待办摘要", "Daily digest" },
	{ NE_TEST, "测试消息", "Test message" },
};

static const char *str(json_t *p, const char *key)
{
	const char *s = json_string_value(json_object_get(p, key));
	return s && *s ? s : NULL;
}

/* The headline of kind for payload p (a finding's assignment, an
 * acceptance overdue, the leaders' copy say so). */
static const char *headline(const char *kind, json_t *p, int en)
{
	const char *c = str(p, "case");
	int finding = c && strcmp(c, "inspection") == 0;
	if (strcmp(kind, NE_REQUEST_ASSIGNED) == 0 && finding)
		return en ? "Inspection finding assigned to you" : "巡察发现问题，请整改";
	if (strcmp(kind, NE_REQUEST_UPDATE) == 0) {
		/* what the enterprise reads about its own request, by the step taken */
		static const struct { const char *action, *zh, *en; } STEPS[] = {
			{ "accept", "您的诉求已受理", "Your request has been accepted" },
			{ "escalate", "您的诉求已提交上级部门协调办理", "Your request has been passed on to a higher level" },
			{ "wait", "您的诉求需要您补充情况", "Your request needs more information from you" },
			{ "resolve", "您的诉求已办结，请评价", "Your request has been resolved: please rate it" },
			{ "reject", "您的诉求未予受理", "Your request has been declined" },
		};
		const char *a = str(p, "action");
		for (size_t i = 0; a && i < sizeof STEPS / sizeof STEPS[0]; i++)
			if (strcmp(STEPS[i].action, a) == 0)
				return en ? STEPS[i].en : STEPS[i].zh;
	}
	if (strcmp(kind, NE_REQUEST_OVERDUE) == 0) {
		const char *stage = str(p, "stage");
		int accept = stage && strcmp(stage, "accept") == 0, lead = json_is_true(json_object_get(p, "leader"));
		if (accept)
			return lead ? (en ? "Request overdue for acceptance (for the leaders' attention)" : "诉求受理超时（提请领导关注）")
			            : (en ? "Request overdue for acceptance" : "诉求受理超时");
		if (lead)
			return en ? "Request overdue (for the leaders' attention)" : "诉求办理超期（提请领导关注）";
	}
	for (size_t i = 0; i < sizeof HEADS / sizeof HEADS[0]; i++)
		if (strcmp(HEADS[i].kind, kind) == 0)
			return en ? HEADS[i].en : HEADS[i].zh;
	return kind;
}

/* ---- the two text forms, built side by side ---- */

struct out {
	buf_t md, tx;
	int en;
};

/* s into b with line breaks (and other control bytes) as spaces; md:
 * markdown's characters escaped. */
static void put(buf_t *b, const char *s, int md)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f) {
			buf_append(b, " ", 1);
			continue;
		}
		if (md && strchr("\\`*_[]<>#~|", c))
			buf_append(b, "\\", 1);
		buf_append(b, s, 1);
	}
}

/* One fact: label (already in the language) and value; a paragraph in
 * markdown, a line in the text. */
static void fact(struct out *o, const char *label, const char *value)
{
	if (value == NULL)
		return;
	buf_puts(&o->md, "\n\n");
	put(&o->md, label, 1);
	put(&o->md, value, 1);
	buf_puts(&o->tx, "\n");
	put(&o->tx, label, 0);
	put(&o->tx, value, 0);
}

/* "还剩 1 个工作日" / "1 working day left" and the rest, into b. */
static void workdays_phrase(buf_t *b, int64_t n, int en)
{
	long long a = n < 0 ? -(long long)n : (long long)n;
	if (n == 0)
		buf_puts(b, en ? "due today" : "今天到期");
	else if (en)
		buf_printf(b, "%lld working day%s %s", a, a == 1 ? "" : "s", n > 0 ? "left" : "overdue");
	else
		buf_printf(b, n > 0 ? "还剩 %lld 个工作日" : "已逾期 %lld 个工作日", a);
}

/* "2026-12-08（还剩 1 个工作日）" / "2026-12-08 (1 working day left)" of an
 * object with due_on and workdays_left, malloc'd (NULL without due_on). */
static char *due_text(json_t *p, int en)
{
	const char *due = str(p, "due_on");
	if (due == NULL)
		return NULL;
	buf_t b;
	buf_init(&b);
	buf_puts(&b, due);
	json_t *w = json_object_get(p, "workdays_left");
	if (json_is_integer(w)) {
		buf_puts(&b, en ? " (" : "（");
		workdays_phrase(&b, json_integer_value(w), en);
		buf_puts(&b, en ? ")" : "）");
	}
	return buf_steal(&b);
}

/* The string facts, in the order they are shown. */
static const struct {
	const char *key, *zh, *en;
} FACTS[] = {
	{ "enterprise", "企业：", "Enterprise: " },
	{ "project", "项目：", "Project: " },
	{ "department", "部门：", "Department: " },
	{ "unit", "单位：", "Unit: " },
	{ "month", "月份：", "Month: " },
	{ "reason", "原因：", "Reason: " },
	{ "resolution", "办理结果：", "Resolution: " },
	{ "channel", "渠道：", "Channel: " },
};

static void fact_int(struct out *o, const char *zh, const char *en, const char *fmt_zh, const char *fmt_en,
                     json_t *v)
{
	if (!json_is_integer(v))
		return;
	buf_t b;
	buf_init(&b);
	buf_printf(&b, o->en ? fmt_en : fmt_zh, (long long)json_integer_value(v));
	fact(o, o->en ? en : zh, b.data ? b.data : "");
	buf_free(&b);
}

/* A digest: the counts, then the first cases. */
static void digest_facts(struct out *o, json_t *p)
{
	long long n[3];
	static const char *const keys[] = { "open", "due_soon", "overdue" };
	for (int i = 0; i < 3; i++)
		n[i] = (long long)json_integer_value(json_object_get(p, keys[i]));
	buf_t b;
	buf_init(&b);
	if (o->en)
		buf_printf(&b, "%lld open, %lld due within a working day, %lld overdue", n[0], n[1], n[2]);
	else
		buf_printf(&b, "在办 %lld 件，一个工作日内到期 %lld 件，已超期 %lld 件", n[0], n[1], n[2]);
	fact(o, "", b.data ? b.data : "");
	buf_free(&b);
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(p, "items"), i, it) {
		const char *t = str(it, "title");
		char *due = due_text(it, o->en);
		buf_init(&b);
		buf_puts(&b, t ? t : "");
		if (due)
			buf_printf(&b, o->en ? ", due %s" : "，期限 %s", due);
		fact(o, "· ", b.data ? b.data : "");
		buf_free(&b);
		free(due);
	}
}

/* The facts of payload p after the title. */
static void facts(struct out *o, const char *kind, json_t *p)
{
	int en = o->en;
	for (size_t i = 0; i < sizeof FACTS / sizeof FACTS[0]; i++)
		fact(o, en ? FACTS[i].en : FACTS[i].zh, str(p, FACTS[i].key));
	fact_int(o, "评价：", "Rating: ", "%lld 星", "%lld of 5 stars", json_object_get(p, "rating"));
	fact(o, en ? "Comment: " : "评价意见：", str(p, "comment"));
	char *due = due_text(p, en);
	fact(o, en ? "Due: " : "期限：", due);
	free(due);
	json_t *met = json_object_get(p, "met"), *total = json_object_get(p, "total");
	if (json_is_integer(met) && json_is_integer(total)) {
		buf_t b;
		buf_init(&b);
		buf_printf(&b, en ? "%lld of %lld" : "%lld / %lld 人", (long long)json_integer_value(met),
		           (long long)json_integer_value(total));
		fact(o, en ? "Quota met: " : "已完成任务：", b.data ? b.data : "");
		buf_free(&b);
	}
	json_t *behind = json_object_get(p, "behind");
	if (json_array_size(behind) > 0) {
		buf_t b;
		buf_init(&b);
		size_t i;
		json_t *v;
		json_array_foreach(behind, i, v) {
			if (i > 0)
				buf_puts(&b, en ? ", " : "、");
			buf_puts(&b, json_string_value(v) ? json_string_value(v) : "");
		}
		fact(o, en ? "Not met yet: " : "尚未完成：", b.data ? b.data : "");
		buf_free(&b);
	}
	if (strcmp(kind, NE_BATCH_PENDING) == 0)
		fact_int(o, "兑现企业：", "Enterprises: ", "%lld 家", "%lld", json_object_get(p, "items"));
	if (strcmp(kind, NE_DIGEST) == 0)
		digest_facts(o, p);
	fact(o, "", str(p, "text"));
	fact(o, en ? "By: " : "操作人：", str(p, "actor") ? str(p, "actor") : str(p, "by"));
}

int notify_render(const char *kind, const char *event_id, json_t *payload, const char *lang,
                  const char *base_url, struct notify_msg *m)
{
	memset(m, 0, sizeof *m);
	m->event_id = event_id;
	struct out o = { .en = lang && strcmp(lang, "en") == 0 };
	buf_init(&o.md);
	buf_init(&o.tx);
	const char *head = headline(kind, payload, o.en), *title = str(payload, "title");
	buf_t t;
	buf_init(&t);
	if (strcmp(kind, NE_TEST) != 0 || title == NULL)   /* a test message's own title says it all */
		buf_puts(&t, head);
	if (title) {
		buf_puts(&t, t.len ? (o.en ? ": " : "：") : "");
		put(&t, title, 0);
	}
	const char *path = str(payload, "path");
	while (path && *path == '/')
		path++;
	buf_t link;
	buf_init(&link);
	if (path)
		buf_printf(&link, "%s/%s", base_url ? base_url : "", path);
	/* markdown: the bold title line; text: the title, a blank line */
	buf_puts(&o.md, "**");
	put(&o.md, t.data ? t.data : "", 1);
	buf_puts(&o.md, "**");
	put(&o.tx, t.data ? t.data : "", 0);
	buf_puts(&o.tx, "\n");
	facts(&o, kind, payload);
	if (link.data && link.len) {
		buf_printf(&o.md, "\n\n[%s](%s)", o.en ? "Open" : "查看详情", link.data);
		buf_printf(&o.tx, "\n%s%s", o.en ? "Link: " : "链接：", link.data);
	}
	buf_puts(&o.tx, "\n");
	m->title = buf_steal(&t);
	m->markdown = buf_steal(&o.md);
	m->text = buf_steal(&o.tx);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "id", event_id ? event_id : "", "event", kind,
	                      "title", m->title ? m->title : "", "text", m->text ? m->text : "", "link",
	                      link.data ? link.data : "", "payload", payload ? payload : json_null());
	buf_free(&link);
	m->json = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!m->title || !m->markdown || !m->text || !m->json) {
		notify_msg_free(m);
		return -1;
	}
	return 0;
}

void notify_msg_free(struct notify_msg *m)
{
	free(m->title);
	free(m->markdown);
	free(m->text);
	free(m->json);
	memset(m, 0, sizeof *m);
}
