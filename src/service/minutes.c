/*
 * minutes.c -- 会议纪要: the minutes of a joint meeting in the zone's usual
 * layout (会议时间、地点、主持、参会单位、议定事项 numbered 一、二、三…, each
 * with the decision, 牵头单位, 配合单位 and the tasks with 完成时限, then
 * the follow-ups carried from earlier meetings), from the meeting as
 * meeting_full_json() reads it, as an HTML page with print styles and as
 * a Word file.  Both are built from the same lines (struct line), so they
 * say the same.
 *
 * The Word file is minimal WordprocessingML ([Content_Types].xml,
 * _rels/.rels, word/document.xml) zipped in memory by libzip; every text
 * is XML-escaped (html_escape escapes & < > " ', which XML reads the same).
 */
#include "service/meetings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

void cn_numeral(int n, char out[16])
{
	static const char *const D[] = { "", "一", "二", "三", "四", "五", "六", "七", "八", "九" };
	if (n < 1 || n > 99) {
		snprintf(out, 16, "%d", n);
		return;
	}
	int t = n / 10, u = n % 10;
	snprintf(out, 16, "%s%s%s", t > 1 ? D[t] : "", t > 0 ? "十" : "", D[u]);
}

/* ---- the text, once ---- */

enum style { S_TITLE, S_SUB, S_META, S_HEAD, S_ITEM, S_TEXT, S_TASK };

struct line {
	enum style style;
	const char *label;          /* bold lead-in ("会议时间：") or NULL */
	const char *text;
};

struct lines {
	struct line *v;
	size_t n, cap;
	arena_t *a;
};

static void add(struct lines *L, enum style s, const char *label, const char *text)
{
	if (L->n == L->cap) {
		size_t cap = L->cap ? L->cap * 2 : 64;
		struct line *v = arena_alloc(L->a, cap * sizeof *v);
		if (L->n)
			memcpy(v, L->v, L->n * sizeof *v);
		L->v = v;
		L->cap = cap;
	}
	L->v[L->n++] = (struct line){ s, label, text ? text : "" };
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* The names of list[] joined with 、 (arena a), "" for none. */
static const char *names(arena_t *a, const json_t *list)
{
	buf_t b;
	buf_init(&b);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		if (i)
			buf_puts(&b, "、");
		buf_puts(&b, str(e, "name"));
	}
	const char *s = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return s;
}

/* departments then streets of a {departments, streets} object. */
static const char *units(arena_t *a, const json_t *pair)
{
	const char *d = names(a, json_object_get(pair, "departments"));
	const char *s = names(a, json_object_get(pair, "streets"));
	return arena_printf(a, "%s%s%s", d, *d && *s ? "、" : "", s);
}

static const char *date_cn(arena_t *a, const char *d)
{
	int y, m, dd;
	if (sscanf(d, "%d-%d-%d", &y, &m, &dd) != 3)
		return d;
	return arena_printf(a, "%d年%d月%d日", y, m, dd);
}

static void task_line(struct lines *L, const json_t *t, int n, int with_meeting)
{
	const json_t *who = json_object_get(t, "department");
	if (!json_is_object(who))
		who = json_object_get(t, "street");
	const char *text = arena_printf(L->a, "%d. %s（责任单位：%s；完成时限：%s%s%s）", n, str(t, "title"), str(who, "name"),
	                                date_cn(L->a, str(t, "due_on")),
	                                json_is_true(json_object_get(t, "due_provisional")) ? "，暂按周一至周五计" : "",
	                                strcmp(str(t, "status"), "done") == 0 ? "；已完成" : "");
	if (with_meeting) {
		const json_t *m = json_object_get(t, "meeting");
		text = arena_printf(L->a, "%s——%s（%s）", text, str(m, "title"), date_cn(L->a, str(m, "held_on")));
	}
	add(L, S_TASK, NULL, text);
}

static void build(struct lines *L, const json_t *m, const char *zone)
{
	arena_t *a = L->a;
	add(L, S_TITLE, NULL, arena_printf(a, "%s%s", zone && *zone ? zone : "", "联席会商会议纪要"));
	add(L, S_SUB, NULL, str(m, "title"));
	const char *when = date_cn(a, str(m, "held_on"));
	if (*str(m, "starts_at"))
		when = arena_printf(a, "%s %s", when, str(m, "starts_at"));
	add(L, S_META, "会议时间：", when);
	add(L, S_META, "会议地点：", str(m, "place"));
	add(L, S_META, "主持：", str(m, "chair"));
	add(L, S_META, "参会单位：", units(a, json_object_get(m, "participants")));
	add(L, S_HEAD, NULL, "议定事项");
	const json_t *items = json_object_get(m, "items");
	size_t i;
	json_t *it;
	int k = 0;
	json_array_foreach(items, i, it) {
		char num[16];
		cn_numeral(++k, num);
		const json_t *rq = json_object_get(it, "request");
		const char *title = str(it, "title");
		if (json_is_object(rq))
			title = arena_printf(a, "%s（%s）", title, str(json_object_get(rq, "enterprise"), "name"));
		add(L, S_ITEM, NULL, arena_printf(a, "%s、%s", num, title));
		const char *decision = str(it, "decision");
		add(L, S_TEXT, "会议议定：", *decision ? decision : "（待议）");
		const json_t *lead = json_object_get(it, "lead_department");
		if (json_is_object(lead))
			add(L, S_TEXT, "牵头单位：", str(lead, "name"));
		const char *partners = units(a, json_object_get(it, "partners"));
		if (*partners)
			add(L, S_TEXT, "配合单位：", partners);
		const json_t *tasks = json_object_get(it, "tasks");
		if (json_array_size(tasks) > 0)
			add(L, S_TEXT, "工作任务：", NULL);
		size_t j;
		json_t *t;
		json_array_foreach(tasks, j, t)
			task_line(L, t, (int)j + 1, 0);
	}
	const json_t *carried = json_object_get(m, "carried_tasks");
	if (json_array_size(carried) > 0) {
		add(L, S_HEAD, NULL, "前次会议未办结事项");
		json_array_foreach(carried, i, it)
			task_line(L, it, (int)i + 1, 1);
	}
}

/* ---- HTML ---- */

static const char *const CSS =
	"body{font-family:'FangSong','STFangsong','Songti SC','SimSun',serif;font-size:16pt;line-height:1.8;"
	"max-width:160mm;margin:2em auto;color:#000;background:#fff}"
	"h1{font-family:'SimHei','Heiti SC',sans-serif;text-align:center;font-size:22pt;color:#c00;margin:0 0 .3em}"
	"h2{text-align:center;font-size:16pt;font-weight:normal;margin:0 0 1em;padding-bottom:.5em;border-bottom:2px solid #c00}"
	"h3{font-family:'SimHei','Heiti SC',sans-serif;font-size:16pt;margin:1em 0 .3em}"
	"p{margin:.2em 0;text-indent:2em}p.meta{text-indent:0}p.item{font-weight:bold;text-indent:2em}"
	"p.task{text-indent:0;padding-left:4em}b{font-weight:bold}"
	"@page{size:A4;margin:37mm 26mm 35mm 28mm}"
	"@media print{body{margin:0;max-width:none}h3,p.item{break-after:avoid}p{orphans:2;widows:2}}";

static void html_line(buf_t *b, arena_t *a, const struct line *l)
{
	static const char *const open[] = { "<h1>", "<h2>", "<p class=\"meta\">", "<h3>", "<p class=\"item\">", "<p>",
	                                    "<p class=\"task\">" };
	static const char *const close[] = { "</h1>", "</h2>", "</p>", "</h3>", "</p>", "</p>", "</p>" };
	buf_puts(b, open[l->style]);
	if (l->label)
		buf_printf(b, "<b>%s</b>", html_escape(a, l->label));
	const char *t = html_escape(a, l->text);
	for (const char *p = t; *p; p++) {
		if (*p == '\n')
			buf_puts(b, "<br>");
		else if (*p != '\r')
			buf_append(b, p, 1);
	}
	buf_puts(b, close[l->style]);
	buf_puts(b, "\n");
}

char *minutes_html(arena_t *a, const json_t *m, const char *zone)
{
	struct lines L = { .a = a };
	build(&L, m, zone);
	buf_t b;
	buf_init(&b);
	buf_printf(&b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>%s</title><style>%s</style>"
	               "</head><body>\n", html_escape(a, arena_printf(a, "会议纪要 %s", str(m, "title"))), CSS);
	for (size_t i = 0; i < L.n; i++)
		html_line(&b, a, &L.v[i]);
	buf_puts(&b, "</body></html>\n");
	char *out = b.data ? arena_strdup(a, b.data) : NULL;
	buf_free(&b);
	return out;
}

/* ---- WordprocessingML ---- */

static const char CONTENT_TYPES[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
	"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	"<Override PartName=\"/word/document.xml\""
	" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
	"</Types>";

static const char RELS[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\""
	" Target=\"word/document.xml\"/></Relationships>";

/* One run: its text (escaped, lines broken with <w:br/>), bold or not, the
 * size in half-points. */
static void docx_run(buf_t *b, arena_t *a, const char *text, int bold, int size, const char *color)
{
	buf_printf(b, "<w:r><w:rPr><w:rFonts w:ascii=\"FangSong\" w:eastAsia=\"仿宋\" w:hAnsi=\"FangSong\"/>%s%s"
	              "<w:sz w:val=\"%d\"/><w:szCs w:val=\"%d\"/></w:rPr><w:t xml:space=\"preserve\">",
	           bold ? "<w:b/>" : "", color ? arena_printf(a, "<w:color w:val=\"%s\"/>", color) : "", size, size);
	const char *t = html_escape(a, text);
	for (const char *p = t; *p; p++) {
		if (*p == '\n')
			buf_puts(b, "</w:t><w:br/><w:t xml:space=\"preserve\">");
		else if (*p != '\r')
			buf_append(b, p, 1);
	}
	buf_puts(b, "</w:t></w:r>");
}

static void docx_line(buf_t *b, arena_t *a, const struct line *l)
{
	static const struct {
		const char *jc;
		int indent, bold, size;
		const char *color;
	} S[] = {
		[S_TITLE] = { "center", 0, 1, 44, "C00000" }, [S_SUB] = { "center", 0, 0, 32, NULL },
		[S_META] = { "left", 0, 0, 32, NULL },        [S_HEAD] = { "left", 0, 1, 32, NULL },
		[S_ITEM] = { "left", 640, 1, 32, NULL },      [S_TEXT] = { "left", 640, 0, 32, NULL },
		[S_TASK] = { "left", 1280, 0, 32, NULL },
	};
	const int s = l->style;
	buf_printf(b, "<w:p><w:pPr><w:jc w:val=\"%s\"/>%s</w:pPr>", S[s].jc,
	           S[s].indent ? arena_printf(a, "<w:ind w:firstLine=\"%d\"/>", S[s].indent) : "");
	if (l->label)
		docx_run(b, a, l->label, 1, S[s].size, NULL);
	docx_run(b, a, l->text, S[s].bold, S[s].size, S[s].color);
	buf_puts(b, "</w:p>");
}

static char *document_xml(arena_t *a, const json_t *m, const char *zone)
{
	struct lines L = { .a = a };
	build(&L, m, zone);
	buf_t b;
	buf_init(&b);
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	             "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>");
	for (size_t i = 0; i < L.n; i++)
		docx_line(&b, a, &L.v[i]);
	buf_puts(&b, "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"2098\" w:right=\"1474\""
	             " w:bottom=\"1984\" w:left=\"1588\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/></w:sectPr>"
	             "</w:body></w:document>");
	char *out = b.data ? arena_strdup(a, b.data) : NULL;
	buf_free(&b);
	return out;
}

/* Add name with data[0..len) (copied by libzip on close: the buffers live
 * until then). */
static int zadd(zip_t *z, const char *name, const char *data)
{
	zip_source_t *s = zip_source_buffer(z, data, strlen(data), 0);
	if (s == NULL)
		return -1;
	if (zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
		zip_source_free(s);
		return -1;
	}
	return 0;
}

/* The bytes of an in-memory source after its archive was closed. */
static int source_bytes(zip_source_t *src, buf_t *out)
{
	if (zip_source_open(src) < 0)
		return -1;
	char chunk[8192];
	zip_int64_t n;
	int rc = 0;
	while ((n = zip_source_read(src, chunk, sizeof chunk)) > 0)
		if (buf_append(out, chunk, (size_t)n) < 0)
			rc = -1;
	zip_source_close(src);
	return n < 0 ? -1 : rc;
}

int minutes_docx(const json_t *m, const char *zone, buf_t *out)
{
	arena_t *a = arena_new();
	char *doc = document_xml(a, m, zone);
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = doc ? zip_source_buffer_create(NULL, 0, 0, &ze) : NULL;
	int rc = -1;
	if (src != NULL) {
		zip_source_keep(src);
		zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
		if (z != NULL) {
			if (zadd(z, "[Content_Types].xml", CONTENT_TYPES) == 0 && zadd(z, "_rels/.rels", RELS) == 0 &&
			    zadd(z, "word/document.xml", doc) == 0 && zip_close(z) == 0)
				rc = source_bytes(src, out);
			else
				zip_discard(z);
		}
		zip_source_free(src);
	}
	zip_error_fini(&ze);
	arena_free(a);
	return rc;
}
