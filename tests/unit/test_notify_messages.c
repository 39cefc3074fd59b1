/*
 * test_notify_messages.c -- what the notices say (src/notify/messages.c):
 * every form of a few events in Chinese and English, written out by hand,
 * the working days left or overdue, markdown escaping of names, and the
 * webhook's JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "notify/notify.h"

static struct notify_msg render(const char *kind, const char *payload, const char *lang)
{
	json_t *p = json_loads(payload, 0, NULL);
	assert_non_null(p);
	struct notify_msg m;
	assert_int_equal(notify_render(kind, "zo-7", p, lang, "https://zone.example", &m), 0);
	json_decref(p);
	return m;
}

static void test_overdue_zh(void **state)
{
	(void)state;
	struct notify_msg m = render(NE_REQUEST_OVERDUE,
		"{\"title\":\"厂区道路积水\",\"enterprise\":\"星河科技有限公司\",\"due_on\":\"2026-12-07\","
		"\"workdays_left\":-2,\"path\":\"#/requests/12\"}", "zh");
	assert_string_equal(m.title, "诉求办理超期：厂区道路积水");
	assert_string_equal(m.markdown,
		"**诉求办理超期：厂区道路积水**\n\n"
		"企业：星河科技有限公司\n\n"
		"期限：2026-12-07（已逾期 2 个工作日）\n\n"
		"[查看详情](https://zone.example/#/requests/12)");
	assert_string_equal(m.text,
		"诉求办理超期：厂区道路积水\n"
		"\n企业：星河科技有限公司"
		"\n期限：2026-12-07（已逾期 2 个工作日）"
		"\n链接：https://zone.example/#/requests/12\n");
	assert_string_equal(m.event_id, "zo-7");
	notify_msg_free(&m);
}

static void test_due_soon_en(void **state)
{
	(void)state;
	struct notify_msg m = render(NE_REQUEST_DUE_SOON,
		"{\"title\":\"Road flooding\",\"enterprise\":\"Star River Tech\",\"due_on\":\"2026-12-08\","
		"\"workdays_left\":1,\"path\":\"#/requests/12\"}", "en");
	assert_string_equal(m.title, "Request due soon: Road flooding");
	assert_string_equal(m.markdown,
		"**Request due soon: Road flooding**\n\n"
		"Enterprise: Star River Tech\n\n"
		"Due: 2026-12-08 (1 working day left)\n\n"
		"[Open](https://zone.example/#/requests/12)");
	assert_string_equal(m.text,
		"Request due soon: Road flooding\n"
		"\nEnterprise: Star River Tech"
		"\nDue: 2026-12-08 (1 working day left)"
		"\nLink: https://zone.example/#/requests/12\n");
	notify_msg_free(&m);
}

/* 0 is today, several are plural; the leaders' copy and acceptance say so. */
static void test_workdays(void **state)
{
	(void)state;
	struct notify_msg m = render(NE_REQUEST_OVERDUE,
		"{\"title\":\"A\",\"due_on\":\"2026-12-01\",\"workdays_left\":-3,\"stage\":\"accept\",\"leader\":true}", "en");
	assert_string_equal(m.text, "Request overdue for acceptance (for the leaders' attention): A\n"
	                            "\nDue: 2026-12-01 (3 working days overdue)\n");
	notify_msg_free(&m);
	m = render(NE_FINDING_DUE, "{\"title\":\"B\",\"due_on\":\"2026-12-07\",\"workdays_left\":0}", "zh");
	assert_string_equal(m.text, "巡察问题整改即将到期：B\n\n期限：2026-12-07（今天到期）\n");
	notify_msg_free(&m);
	m = render(NE_FINDING_OVERDUE, "{\"title\":\"B\",\"due_on\":\"2026-12-01\",\"workdays_left\":-1}", "en");
	assert_string_equal(m.text, "Inspection finding: rectification overdue: B\n"
	                            "\nDue: 2026-12-01 (1 working day overdue)\n");
	notify_msg_free(&m);
	m = render(NE_REQUEST_DUE_SOON, "{\"title\":\"C\",\"due_on\":\"2026-12-09\",\"workdays_left\":2}", "zh");
	assert_string_equal(m.text, "诉求即将到期：C\n\n期限：2026-12-09（还剩 2 个工作日）\n");
	notify_msg_free(&m);
}

/* Names with markdown's characters are escaped in markdown only; a line
 * break in a value never starts a line of its own. */
/* What an enterprise reads about its own request (request.update), by the step. */
static void test_request_update(void **state)
{
	(void)state;
	struct notify_msg m = render(NE_REQUEST_UPDATE,
		"{\"title\":\"厂区道路积水\",\"action\":\"resolve\",\"resolution\":\"已疏通排水管\","
		"\"path\":\"#/requests/12\"}", "zh");
	assert_string_equal(m.text,
		"您的诉求已办结，请评价：厂区道路积水\n"
		"\n办理结果：已疏通排水管"
		"\n链接：https://zone.example/#/requests/12\n");
	notify_msg_free(&m);
	m = render(NE_REQUEST_UPDATE, "{\"title\":\"Road flooding\",\"action\":\"wait\",\"reason\":\"the site plan\"}", "en");
	assert_string_equal(m.text, "Your request needs more information from you: Road flooding\n\nReason: the site plan\n");
	notify_msg_free(&m);
	/* a step it is not told of reads as news of the request */
	m = render(NE_REQUEST_UPDATE, "{\"title\":\"A\",\"action\":\"comment\"}", "zh");
	assert_string_equal(m.title, "您的诉求有新进展：A");
	notify_msg_free(&m);
}

static void test_escape(void **state)
{
	(void)state;
	struct notify_msg m = render(NE_REQUEST_RATED_LOW,
		"{\"title\":\"*urgent* [x](y)\",\"enterprise\":\"A_B <C> #1\",\"rating\":1,"
		"\"comment\":\"slow\\n**fake title**\",\"path\":\"#/requests/3\"}", "zh");
	assert_string_equal(m.title, "诉求评价不满意：*urgent* [x](y)");
	assert_string_equal(m.markdown,
		"**诉求评价不满意：\\*urgent\\* \\[x\\](y)**\n\n"
		"企业：A\\_B \\<C\\> \\#1\n\n"
		"评价：1 星\n\n"
		"评价意见：slow \\*\\*fake title\\*\\*\n\n"
		"[查看详情](https://zone.example/#/requests/3)");
	assert_string_equal(m.text,
		"诉求评价不满意：*urgent* [x](y)\n"
		"\n企业：A_B <C> #1"
		"\n评价：1 星"
		"\n评价意见：slow **fake title**"
		"\n链接：https://zone.example/#/requests/3\n");
	notify_msg_free(&m);
}

static void test_webhook_json(void **state)
{
	(void)state;
	struct notify_msg m = render(NE_REQUEST_SUBMITTED,
		"{\"title\":\"停电\",\"enterprise\":\"E\",\"actor\":\"企业账号\",\"path\":\"#/requests/5\"}", "zh");
	json_t *j = json_loads(m.json, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "id")), "zo-7");
	assert_string_equal(json_string_value(json_object_get(j, "event")), "request.submitted");
	assert_string_equal(json_string_value(json_object_get(j, "title")), "新诉求待受理：停电");
	assert_string_equal(json_string_value(json_object_get(j, "text")),
	                    "新诉求待受理：停电\n\n企业：E\n操作人：企业账号\n链接：https://zone.example/#/requests/5\n");
	assert_string_equal(json_string_value(json_object_get(j, "link")), "https://zone.example/#/requests/5");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "payload"), "path")), "#/requests/5");
	json_decref(j);
	notify_msg_free(&m);
}

static void test_kinds(void **state)
{
	(void)state;
	struct notify_msg m = render(NE_REQUEST_ASSIGNED,
		"{\"title\":\"窗口排队\",\"case\":\"inspection\",\"department\":\"政务服务局\",\"due_on\":\"2026-12-31\","
		"\"workdays_left\":18,\"path\":\"#/inspections/9\"}", "zh");
	assert_string_equal(m.text, "巡察发现问题，请整改：窗口排队\n\n部门：政务服务局\n期限：2026-12-31（还剩 18 个工作日）\n"
	                            "链接：https://zone.example/#/inspections/9\n");
	notify_msg_free(&m);
	m = render(NE_REQUEST_ESCALATED, "{\"title\":\"T\",\"department\":\"市发改委\",\"reason\":\"需市级协调\"}", "en");
	assert_string_equal(m.text, "Request escalated to you: T\n\nDepartment: 市发改委\nReason: 需市级协调\n");
	notify_msg_free(&m);
	m = render(NE_BATCH_PENDING, "{\"title\":\"高企奖励\",\"year\":2026,\"items\":12,\"actor\":\"svc\","
	                             "\"path\":\"#/policies/batch/4\"}", "zh");
	assert_string_equal(m.text, "政策兑现批次待审批：高企奖励\n\n兑现企业：12 家\n操作人：svc\n"
	                            "链接：https://zone.example/#/policies/batch/4\n");
	notify_msg_free(&m);
	m = render(NE_OBJECTION_FILED, "{\"title\":\"2025年度亩均效益评价\",\"enterprise\":\"E\","
	                               "\"path\":\"#/land/objections?evaluation=2\"}", "en");
	assert_string_equal(m.text, "Objection to a land-use evaluation: 2025年度亩均效益评价\n\nEnterprise: E\n"
	                            "Link: https://zone.example/#/land/objections?evaluation=2\n");
	notify_msg_free(&m);
	m = render(NE_QUOTA_AT_RISK, "{\"unit\":\"招商一局\",\"month\":\"2026-12\",\"met\":1,\"total\":3,"
	                             "\"behind\":[\"张三\",\"李四\"],\"path\":\"#/race?month=2026-12\"}", "zh");
	assert_string_equal(m.text, "赛马任务完成有风险\n\n单位：招商一局\n月份：2026-12\n已完成任务：1 / 3 人\n"
	                            "尚未完成：张三、李四\n链接：https://zone.example/#/race?month=2026-12\n");
	notify_msg_free(&m);
	m = render(NE_QUOTA_AT_RISK, "{\"unit\":\"Unit 1\",\"month\":\"2026-12\",\"met\":1,\"total\":3,"
	                             "\"behind\":[\"Zhang\",\"Li\"]}", "en");
	assert_string_equal(m.text, "Race quota at risk\n\nUnit: Unit 1\nMonth: 2026-12\nQuota met: 1 of 3\n"
	                            "Not met yet: Zhang, Li\n");
	notify_msg_free(&m);
	/* a channel's test message (notify_api.c): its own title, the channel, who asked */
	m = render(NE_TEST, "{\"title\":\"zoneops 测试消息\",\"channel\":\"值班群\",\"by\":\"管理员\","
	                    "\"path\":\"/#/channels\"}", "zh");
	assert_string_equal(m.text, "zoneops 测试消息\n\n渠道：值班群\n操作人：管理员\n链接：https://zone.example/#/channels\n");
	notify_msg_free(&m);
	m = render(NE_TEST, "{\"text\":\"hello\"}", "en");
	assert_string_equal(m.text, "Test message\n\nhello\n");
	assert_string_equal(m.markdown, "**Test message**\n\nhello");
	notify_msg_free(&m);
}

static void test_digest(void **state)
{
	(void)state;
	const char *p = "{\"title\":\"市场监管局\",\"open\":5,\"due_soon\":1,\"overdue\":2,\"items\":["
	                "{\"title\":\"停电\",\"due_on\":\"2026-12-04\",\"workdays_left\":-1},"
	                "{\"title\":\"招工\",\"due_on\":\"2026-12-08\",\"workdays_left\":1}],\"path\":\"#/requests\"}";
	struct notify_msg m = render(NE_DIGEST, p, "zh");
	assert_string_equal(m.text, "每日待办摘要：市场监管局\n\n"
	                            "在办 5 件，一个工作日内到期 1 件，已超期 2 件\n"
	                            "· 停电，期限 2026-12-04（已逾期 1 个工作日）\n"
	                            "· 招工，期限 2026-12-08（还剩 1 个工作日）\n"
	                            "链接：https://zone.example/#/requests\n");
	notify_msg_free(&m);
	m = render(NE_DIGEST, p, "en");
	assert_string_equal(m.text, "Daily digest: 市场监管局\n\n"
	                            "5 open, 1 due within a working day, 2 overdue\n"
	                            "· 停电, due 2026-12-04 (1 working day overdue)\n"
	                            "· 招工, due 2026-12-08 (1 working day left)\n"
	                            "Link: https://zone.example/#/requests\n");
	assert_string_equal(m.markdown, "**Daily digest: 市场监管局**\n\n"
	                                "5 open, 1 due within a working day, 2 overdue\n\n"
	                                "· 停电, due 2026-12-04 (1 working day overdue)\n\n"
	                                "· 招工, due 2026-12-08 (1 working day left)\n\n"
	                                "[Open](https://zone.example/#/requests)");
	notify_msg_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overdue_zh), cmocka_unit_test(test_due_soon_en), cmocka_unit_test(test_workdays),
		cmocka_unit_test(test_request_update),
		cmocka_unit_test(test_escape),     cmocka_unit_test(test_webhook_json), cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
