/*
 * test_minutes.c -- the minutes of a joint meeting (service/minutes.c):
 * the Chinese numerals of the items, the HTML page (every text escaped)
 * and the Word file: unzipped with libzip, each part well-formed XML by
 * expat, and the document's text (expat's character data, unescaped)
 * holds what the meeting said, markup characters included.  No database:
 * the minutes are made from the meeting as meeting_full_json() reads it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <expat.h>
#include <zip.h>

#include "service/meetings.h"

static const char *const TITLE = "第1次联席会商 <测试&\"引号'>";

static json_t *meeting(void)
{
	json_t *m = json_pack(
		"{s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:s,"
		" s:{s:[{s:i,s:s,s:s}],s:[{s:i,s:s,s:s}]}}",
		"id", 1, "title", TITLE, "held_on", "2026-12-10", "starts_at", "09:30", "place", "管委会三楼",
		"chair", "顾振华", "level", "district_street", "status", "held",
		"participants", "departments", "id", 1, "name", "自然资源和规划分局", "name_en", "",
		"streets", "id", 1, "name", "竹行街道", "name_en", "");
	json_t *task = json_pack("{s:i,s:s,s:{s:i,s:s},s:n,s:s,s:b,s:s}", "id", 1, "title", "出具规划调整意见 & 报批",
	                         "department", "id", 1, "name", "自然资源和规划分局", "street", "due_on", "2026-12-17",
	                         "due_provisional", 0, "status", "open");
	json_t *item1 = json_pack("{s:i,s:s,s:s,s:s,s:{s:i,s:s,s:s,s:{s:i,s:s}},s:{s:i,s:s},"
	                          "s:{s:[{s:i,s:s}],s:[{s:i,s:s}]},s:[o]}",
	                          "id", 1, "kind", "request", "title", "厂区扩建", "decision", "第一行<决定>\n第二行",
	                          "request", "id", 9, "title", "厂区扩建", "status", "accepted", "enterprise", "id", 3, "name",
	                          "江苏恒太照明", "lead_department", "id", 1, "name", "自然资源和规划分局", "partners",
	                          "departments", "id", 2, "name", "建设局", "streets", "id", 1, "name", "竹行街道", "tasks", task);
	json_t *item2 = json_pack("{s:i,s:s,s:s,s:s,s:n,s:n,s:{s:[],s:[]},s:[]}", "id", 2, "kind", "topic", "title",
	                          "用工对接", "decision", "", "request", "lead_department", "partners", "departments",
	                          "streets", "tasks");
	json_t *carried = json_pack("[{s:i,s:s,s:n,s:{s:i,s:s},s:s,s:b,s:s,s:{s:i,s:s,s:s}}]", "id", 7, "title",
	                            "摸排积水点位", "department", "street", "id", 1, "name", "竹行街道", "due_on", "2026-11-20",
	                            "due_provisional", 0, "status", "open", "meeting", "id", 0, "title", "11月会商",
	                            "held_on", "2026-11-13");
	assert_non_null(m);
	assert_non_null(item1);
	assert_non_null(item2);
	assert_non_null(carried);
	json_object_set_new(m, "items", json_pack("[o,o]", item1, item2));
	json_object_set_new(m, "carried_tasks", carried);
	return m;
}

static void test_numerals(void **state)
{
	(void)state;
	static const struct {
		int n;
		const char *s;
	} cases[] = { { 1, "一" }, { 9, "九" }, { 10, "十" }, { 11, "十一" }, { 20, "二十" }, { 21, "二十一" },
	              { 99, "九十九" }, { 100, "100" }, { 0, "0" } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[16];
		cn_numeral(cases[i].n, out);
		assert_string_equal(out, cases[i].s);
	}
}

static void test_html(void **state)
{
	(void)state;
	json_t *m = meeting();
	arena_t *a = arena_new();
	const char *h = minutes_html(a, m, "南通经济技术开发区");
	assert_non_null(h);
	static const char *const want[] = { "<!DOCTYPE html>", "南通经济技术开发区联席会商会议纪要", "会议时间：",
		"2026年12月10日 09:30", "会议地点：", "管委会三楼", "主持：", "参会单位：", "自然资源和规划分局、竹行街道",
		"议定事项", "一、厂区扩建（江苏恒太照明）", "二、用工对接", "（待议）", "牵头单位：", "配合单位：", "建设局、竹行街道",
		"完成时限：2026年12月17日", "第一行&lt;决定&gt;<br>第二行", "&lt;测试&amp;&quot;引号&#39;&gt;",
		"前次会议未办结事项", "摸排积水点位", "@media print", NULL };
	for (int i = 0; want[i]; i++)
		if (strstr(h, want[i]) == NULL)
			fail_msg("the HTML lacks %s", want[i]);
	assert_null(strstr(h, "<测试"));
	assert_null(strstr(h, "<决定>"));
	arena_free(a);
	json_decref(m);
}

/* expat: well-formed, and the character data of the document. */
struct xml {
	buf_t text;
	int elements;
};

static void XMLCALL on_start(void *u, const XML_Char *name, const XML_Char **attrs)
{
	(void)name;
	(void)attrs;
	((struct xml *)u)->elements++;
}

static void XMLCALL on_end(void *u, const XML_Char *name)
{
	(void)u;
	(void)name;
}

static void XMLCALL on_text(void *u, const XML_Char *s, int len)
{
	buf_append(&((struct xml *)u)->text, s, (size_t)len);
}

static void parse_xml(const char *data, size_t len, struct xml *x)
{
	XML_Parser p = XML_ParserCreate("UTF-8");
	assert_non_null(p);
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	if (XML_Parse(p, data, (int)len, 1) != XML_STATUS_OK)
		fail_msg("not well-formed XML: %s at line %lu", XML_ErrorString(XML_GetErrorCode(p)),
		         (unsigned long)XML_GetCurrentLineNumber(p));
	XML_ParserFree(p);
}

/* The entry name of zip z, whole, into b. */
static void read_entry(zip_t *z, const char *name, buf_t *b)
{
	zip_file_t *f = zip_fopen(z, name, 0);
	if (f == NULL)
		fail_msg("the Word file has no %s", name);
	char chunk[4096];
	zip_int64_t n;
	while ((n = zip_fread(f, chunk, sizeof chunk)) > 0)
		buf_append(b, chunk, (size_t)n);
	assert_true(n == 0);
	zip_fclose(f);
}

static void test_docx(void **state)
{
	(void)state;
	json_t *m = meeting();
	buf_t out;
	buf_init(&out);
	assert_int_equal(minutes_docx(m, "南通经济技术开发区", &out), 0);
	assert_true(out.len > 200);
	assert_memory_equal(out.data, "PK", 2);
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(out.data, out.len, 0, &ze);
	assert_non_null(src);
	zip_t *z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	assert_non_null(z);
	assert_int_equal(zip_get_num_entries(z, 0), 3);
	static const char *const parts[] = { "[Content_Types].xml", "_rels/.rels", "word/document.xml" };
	struct xml doc = { 0 };
	for (int i = 0; i < 3; i++) {
		buf_t b;
		buf_init(&b);
		read_entry(z, parts[i], &b);
		struct xml x = { 0 };
		buf_init(&x.text);
		parse_xml(b.data, b.len, &x);
		assert_true(x.elements > 1);
		if (i == 2) {
			doc = x;
			assert_non_null(strstr(b.data, "http://schemas.openxmlformats.org/wordprocessingml/2006/main"));
		} else {
			buf_free(&x.text);
		}
		buf_free(&b);
	}
	zip_close(z);
	zip_error_fini(&ze);
	static const char *const want[] = { "南通经济技术开发区联席会商会议纪要", "第1次联席会商 <测试&\"引号'>",
		"会议时间：2026年12月10日 09:30", "参会单位：自然资源和规划分局、竹行街道", "议定事项", "一、厂区扩建（江苏恒太照明）",
		"二、用工对接", "会议议定：第一行<决定>", "第二行", "牵头单位：自然资源和规划分局", "配合单位：建设局、竹行街道",
		"出具规划调整意见 & 报批", "完成时限：2026年12月17日", "前次会议未办结事项", NULL };
	for (int i = 0; want[i]; i++)
		if (strstr(doc.text.data, want[i]) == NULL)
			fail_msg("the Word document lacks %s: %s", want[i], doc.text.data);
	buf_free(&doc.text);
	buf_free(&out);
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numerals),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_docx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
