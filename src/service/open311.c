/*
 * open311.c -- the Open311 GeoReport v2 front door to enterprise requests
 * (http://wiki.open311.org/GeoReport_v2), so that existing Open311 clients
 * can file requests and follow them.
 *
 * Mapping:
 *   service          a request category (service_code = category code,
 *                    service_name = its Chinese name; metadata false,
 *                    type realtime, group "企业服务");
 *   service request  a request of kind 'request' (inspections are internal);
 *   address_id       the enterprise's unified social credit code, address
 *                    its name (the enterprise is the "location");
 *   status           open (anything not closed) / closed;
 *   status_notes     from the latest history event with a resolution,
 *                    reason or comment (rating events: "满意度评价N分：…");
 *   agency_responsible  the assigned department;
 *   service_notice   the category's time limit ("受理后15个工作日内办结");
 *   expected_datetime   due_on, end of that day;
 *   zipcode, lat, long, media_url   always null.
 * Times are w3 datetimes in China Standard Time ("…+08:00"); start_date and
 * end_date accept any offset ("Z", "+08:00", "-05:00") and a bare date or a
 * datetime without offset is taken as China time.
 *
 * Deviations and choices (for the API documentation):
 *   - api_key (an API token: `zoneops token create`) is required for GET
 *     requests and GET requests/{id} too, because request data is not
 *     public; it is accepted in the X-Api-Key header or as
 *     Authorization: Bearer (preferred: URLs are logged), in the form body
 *     (POST) or the query string (what Open311 clients send).
 *     Missing or unknown keys → 403.  Scope follows the JSON API: an
 *     enterprise key sees its own enterprise's requests, a department key
 *     its department's, an officer key its enterprises', leaders, admins
 *     and statisticians everything.  Invisible requests are 404.
 *   - POST: service_code is required and an unknown one is 400 (not 404);
 *     address_id is required with a staff key, may be omitted with an
 *     enterprise key (its own enterprise) and naming another enterprise
 *     is 403; a malformed or unknown address_id is 400.  description is
 *     limited to 4,000 characters; the title is its first 40 characters
 *     (or the category name); control characters other than TAB, CR
 *     and LF are refused (400).  first_name, last_name, phone, email,
 *     address_string, lat/long and media_url are kept in a footer of the
 *     stored description ("—— Open311 ——"); device_id, account_id,
 *     jurisdiction_id and attribute[…] are accepted and ignored.  A field
 *     given twice is 400.  Success is 201 with
 *     [{"service_request_id","service_notice","account_id":null}].
 *   - GET requests: service_request_id (comma-separated, at most 1000)
 *     overrides the other filters; the date range defaults to the last 90
 *     days, a range longer than 90 days is 400; at most 1000 requests,
 *     newest first.
 *   - A {format} other than json or xml is 404 (as JSON); every other
 *     error is in the spec's format of the requested format:
 *     [{"code":400,"description":"…"}] or <errors><error>….  Errors the
 *     server answers before any handler runs (405, 413, malformed HTTP,
 *     CSRF for cookie sessions) keep the JSON API's error format.
 *
 * Output is built once as jansson values and rendered either as JSON or,
 * by a small generic converter, as XML (arrays become a wrapper element
 * with one singular child per item: services/service,
 * service_requests/request, errors/error, endpoints/endpoint,
 * formats/format, attributes/attribute).
 */
#include "service.h"

#include "auth/auth.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_RESULTS 1000
#define MAX_SPAN (90 * 86400)
#define TITLE_CHARS 40
#define DISCOVERY_CHANGESET "2026-01-01T00:00:00+08:00"

enum fmt { FMT_NONE = 0, FMT_JSON, FMT_XML };

/* ---- XML ---- */

/* Append s to b with & < > " ' escaped and every character XML 1.0 does
 * not allow (C0 controls other than TAB LF CR, U+FFFE, U+FFFF, surrogates,
 * invalid UTF-8) dropped. */
static void xml_escape(buf_t *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p;
		if (c < 0x80) {
			switch (c) {
			case '&': buf_puts(b, "&amp;"); break;
			case '<': buf_puts(b, "&lt;"); break;
			case '>': buf_puts(b, "&gt;"); break;
			case '"': buf_puts(b, "&quot;"); break;
			case '\'': buf_puts(b, "&apos;"); break;
			default:
				if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
					buf_append(b, p, 1);
			}
			p++;
			continue;
		}
		/* a multi-byte sequence: decode to check it, copy it whole */
		int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
		uint32_t cp = n == 4 ? (c & 0x07) : n == 3 ? (c & 0x0f) : (c & 0x1f);
		int ok = n > 0 && c <= 0xf4;
		for (int i = 1; ok && i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				ok = 0;
			else
				cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (ok) {
			static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
			if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
				ok = 0;
		}
		if (ok) {
			buf_append(b, p, (size_t)n);
			p += n;
		} else {
			p++;  /* drop one byte and resynchronise */
		}
	}
}

/* The element name of one item of an array element. */
static const char *singular(const char *plural)
{
	static const char *const map[][2] = {
		{ "services", "service" }, { "service_requests", "request" }, { "errors", "error" },
		{ "endpoints", "endpoint" }, { "formats", "format" }, { "attributes", "attribute" },
		{ "values", "value" },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i][0], plural) == 0)
			return map[i][1];
	return "item";
}

static void indent(buf_t *b, int depth)
{
	for (int i = 0; i < depth; i++)
		buf_puts(b, "  ");
}

/* One element <name>…</name> for v: objects and arrays nest, null is an
 * empty element, true/false/numbers/strings are text. */
static void xml_value(buf_t *b, const char *name, json_t *v, int depth)
{
	indent(b, depth);
	buf_printf(b, "<%s>", name);
	if (json_is_object(v) || json_is_array(v)) {
		int any = 0;
		if (json_is_object(v)) {
			const char *k;
			json_t *x;
			json_object_foreach(v, k, x) {
				if (!any++)
					buf_puts(b, "\n");
				xml_value(b, k, x, depth + 1);
			}
		} else {
			size_t i;
			json_t *x;
			const char *item = singular(name);
			json_array_foreach(v, i, x) {
				if (!any++)
					buf_puts(b, "\n");
				xml_value(b, item, x, depth + 1);
			}
		}
		if (any)
			indent(b, depth);
	} else if (json_is_string(v)) {
		xml_escape(b, json_string_value(v));
	} else if (json_is_true(v)) {
		buf_puts(b, "true");
	} else if (json_is_false(v)) {
		buf_puts(b, "false");
	} else if (json_is_integer(v)) {
		buf_printf(b, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		buf_printf(b, "%.10g", json_real_value(v));
	}
	buf_printf(b, "</%s>\n", name);
}

/* ---- replies ---- */

/* Reply doc (stolen) as JSON or as XML with root element root. */
static void o311_reply(req_t *r, enum fmt f, int status, const char *root, json_t *doc)
{
	if (f == FMT_XML) {
		buf_t b;
		buf_init(&b);
		buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
		xml_value(&b, root, doc, 0);
		json_decref(doc);
		char *text = arena_strndup(r->arena, b.data ? b.data : "", b.len);
		size_t len = b.len;
		buf_free(&b);
		reply_text(r, status, "text/xml; charset=utf-8", text, len);
		reply_header(r, "Cache-Control", "no-store");
	} else {
		reply_json(r, status, doc);
	}
}

/* The spec's error document, [{"code":status,"description":…}]. */
static void o311_error(req_t *r, enum fmt f, int status, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void o311_error(req_t *r, enum fmt f, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *e = json_pack("{s:i,s:s}", "code", status, "description", msg);
	o311_reply(r, f, status, "errors", json_pack("[o]", e));
}

static void o311_db_error(req_t *r, enum fmt f, const char *what)
{
	fprintf(stderr, "zoneops: open311: database error (%s): %s\n", what, db_errmsg(r->db));
	o311_error(r, f, 500, "internal error while %s", what);
}

/* The {format} path parameter (always the last one); on anything other
 * than json or xml replies 404 and returns FMT_NONE. */
static enum fmt format_of(req_t *r)
{
	const char *s = r->nparams > 0 ? r->params[r->nparams - 1] : NULL;
	if (s && strcmp(s, "json") == 0)
		return FMT_JSON;
	if (s && strcmp(s, "xml") == 0)
		return FMT_XML;
	o311_error(r, FMT_JSON, 404, "unknown format \"%s\": use .json or .xml", s ? s : "");
	return FMT_NONE;
}

/* ---- time ---- */

/* Unix seconds as a w3 datetime in zone time, "2021-11-03T09:30:00+08:00". */
static const char *w3_time(req_t *r, int64_t t)
{
	char *out = arena_alloc(r->arena, DATETIME_LEN);
	datetime_format(t, out);
	return out;
}

/* ---- form bodies (application/x-www-form-urlencoded) ---- */

#define FORM_MAX 128

struct form {
	int n;
	const char *key[FORM_MAX], *val[FORM_MAX];
};

/* Decode one component: '+' is a space, then percent-decoding; must be
 * valid UTF-8 without NUL.  NULL when it is not. */
static char *form_decode(req_t *r, const char *s, size_t n)
{
	char *t = arena_strndup(r->arena, s, n);
	for (char *p = t; *p; p++)
		if (*p == '+')
			*p = ' ';
	size_t len;
	char *d = pct_decode(r->arena, t, &len);
	if (d == NULL || strlen(d) != len || !utf8_valid(d, len))
		return NULL;
	return d;
}

/* Parse the body into f.  0, or -1 after replying 400. */
static int form_parse(req_t *r, enum fmt f, struct form *fm)
{
	const char *ct = req_header(r, "Content-Type");
	if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
		o311_error(r, f, 400, "the body must be application/x-www-form-urlencoded (got %.60s)", ct);
		return -1;
	}
	fm->n = 0;
	const char *s = r->body ? r->body : "";
	const char *end = s + r->body_len;
	if (memchr(s, '\0', r->body_len)) {
		o311_error(r, f, 400, "the body contains a NUL byte");
		return -1;
	}
	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *stop = amp ? amp : end;
		if (stop > s) {
			const char *eq = memchr(s, '=', (size_t)(stop - s));
			const char *kend = eq ? eq : stop;
			char *k = form_decode(r, s, (size_t)(kend - s));
			char *v = eq ? form_decode(r, eq + 1, (size_t)(stop - eq - 1)) : arena_strdup(r->arena, "");
			if (k == NULL || v == NULL) {
				o311_error(r, f, 400, "the form body has a malformed percent escape or invalid UTF-8");
				return -1;
			}
			if (fm->n == FORM_MAX) {
				o311_error(r, f, 400, "the form body has more than %d fields", FORM_MAX);
				return -1;
			}
			if (strncmp(k, "attribute[", 10) != 0) {
				for (int i = 0; i < fm->n; i++)
					if (strcmp(fm->key[i], k) == 0) {
						o311_error(r, f, 400, "the field %.60s is given more than once", k);
						return -1;
					}
			}
			fm->key[fm->n] = k;
			fm->val[fm->n] = v;
			fm->n++;
		}
		s = stop + 1;
	}
	return 0;
}

/* The value of key, NULL when absent or empty ("optional" in the spec's
 * sense: empty is the same as absent). */
static const char *form_get(const struct form *fm, const char *key)
{
	for (int i = 0; i < fm->n; i++)
		if (strcmp(fm->key[i], key) == 0)
			return *fm->val[i] ? fm->val[i] : NULL;
	return NULL;
}

/* ---- helpers ---- */

/* The API token of a call: the X-Api-Key header, else Authorization:
 * Bearer (the headers are preferred: URLs end up in logs), else api_key
 * in the form (fm, for a POST; may be NULL) or the query string. */
static const char *o311_key(req_t *r, const struct form *fm)
{
	const char *h = req_header(r, "X-Api-Key");
	if (h && *h)
		return h;
	h = req_header(r, "Authorization");
	if (h && strncasecmp(h, "Bearer ", 7) == 0 && h[7])
		return h + 7;
	const char *key = fm ? form_get(fm, "api_key") : NULL;
	return key ? key : req_query(r, "api_key");
}

/* Resolve the caller from its key (o311_key) and check its role as the
 * route table does for the JSON API's requests.  0 with r->user set; -1
 * after replying 403 (or 500). */
static int o311_auth(req_t *r, enum fmt f, const struct form *fm, const char *action)
{
	const char *key = o311_key(r, fm);
	r->user = NULL;
	if (key == NULL || *key == '\0') {
		o311_error(r, f, 403, "api_key is required to %s (an API token issued by the zone's administrators)",
		           action);
		return -1;
	}
	if (auth_token_user(r->db, r->arena, key, &r->user) < 0) {
		o311_db_error(r, f, "checking the api_key");
		return -1;
	}
	if (r->user == NULL) {
		o311_error(r, f, 403, "invalid api_key received -- can't proceed with %s", action);
		return -1;
	}
	if (r->user->must_change_password) {
		o311_error(r, f, 403, "this api_key's account must change its password first");
		return -1;
	}
	/* the key's role needs the JSON API's permission for the same thing */
	const char *op = strcmp(action, "create_request") == 0 ? "POST /api/v1/requests"
	                 : strcmp(action, "get_service_request") == 0 ? "GET /api/v1/requests/{id}"
	                 : "GET /api/v1/requests";
	if (!route_permits_op(op, r->user->role_bit)) {
		o311_error(r, f, 403, "this api_key's role (%s) may not %s", r->user->role, action);
		return -1;
	}
	return 0;
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* The category's time limit as a notice, or NULL. */
static const char *limit_notice(req_t *r, int64_t limit_days, int64_t months, int64_t working_days)
{
	if (limit_days > 0)
		return arena_printf(r->arena, "受理后%lld个工作日内办结", (long long)limit_days);
	if (months > 0)
		return arena_printf(r->arena, "受理后%lld个月内办结", (long long)months);
	if (working_days > 0)
		return arena_printf(r->arena, "受理后%lld个工作日内办结", (long long)working_days);
	return NULL;
}

/* ---- discovery ---- */

/* A Host header fit to be echoed into a URL, else NULL. */
static const char *safe_host(const char *h)
{
	if (h == NULL || *h == '\0' || strlen(h) > 255)
		return NULL;
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr(".-:[]", *p)))
			return NULL;
	return h;
}

void open311_discovery(req_t *r)
{
	enum fmt f = format_of(r);
	if (f == FMT_NONE)
		return;
	/* the URL clients used: Host (checked: host name or address and
	 * port only), https behind a proxy that says so or with secure
	 * cookies configured */
	const char *host = safe_host(req_header(r, "Host"));
	if (host == NULL)
		host = "localhost";
	const char *proto = req_header(r, "X-Forwarded-Proto");
	const char *scheme = (proto && strcasecmp(proto, "https") == 0) || server_cfg.secure_cookies ? "https" : "http";
	const char *url = arena_printf(r->arena, "%s://%s/open311/v2", scheme, host);
	json_t *ep = json_pack("{s:s,s:s,s:s,s:s,s:[s,s]}", "specification", "http://wiki.open311.org/GeoReport_v2",
	                       "url", url, "changeset", DISCOVERY_CHANGESET, "type", "production", "formats",
	                       "text/xml", "application/json");
	json_t *doc = json_pack("{s:s,s:s,s:s,s:[o]}", "changeset", DISCOVERY_CHANGESET, "contact",
	                        "企业发展服务中心 (the zone's enterprise service centre); requests are answered on working days",
	                        "key_service",
	                        "api_key is an API token issued by the zone's administrators "
	                        "(zoneops token create --user NAME); send it in the X-Api-Key header (preferred: "
	                        "URLs are logged) or as the api_key parameter; an enterprise account's token "
	                        "files and follows that enterprise's requests",
	                        "endpoints", ep);
	o311_reply(r, f, 200, "discovery", doc);
}

/* ---- services ---- */

static json_t *service_json(req_t *r, db_stmt_t *st)
{
	const char *code = db_col_text(st, 0), *name = db_col_text(st, 1), *name_en = db_col_text(st, 2);
	const char *notice = limit_notice(r, db_col_int(st, 3), db_col_int(st, 4), db_col_int(st, 5));
	const char *desc = *name_en
		? arena_printf(r->arena, "企业诉求：%s（%s）%s%s", name, name_en, notice ? "。" : "", notice ? notice : "")
		: arena_printf(r->arena, "企业诉求：%s%s%s", name, notice ? "。" : "", notice ? notice : "");
	const char *keywords = *name_en ? arena_printf(r->arena, "%s, %s, %s", name, name_en, code)
	                                : arena_printf(r->arena, "%s, %s", name, code);
	return json_pack("{s:s,s:s,s:s,s:b,s:s,s:s,s:s}", "service_code", code, "service_name", name, "description",
	                 desc, "metadata", 0, "type", "realtime", "keywords", keywords, "group", "企业服务");
}

void open311_services(req_t *r)
{
	enum fmt f = format_of(r);
	if (f == FMT_NONE)
		return;
	db_stmt_t *st = db_prepare(r->db,
		"SELECT c.code, c.name, c.name_en, c.limit_days, COALESCE(t.months, 0), COALESCE(t.working_days, 0)"
		" FROM request_categories c LEFT JOIN time_limit_classes t ON t.code = c.limit_class"
		" ORDER BY c.sort, c.code");
	if (st == NULL) {
		o311_db_error(r, f, "listing services");
		return;
	}
	json_t *list = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(list, service_json(r, st));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(list);
		o311_db_error(r, f, "listing services");
		return;
	}
	o311_reply(r, f, 200, "services", list);
}

void open311_service(req_t *r)
{
	enum fmt f = format_of(r);
	if (f == FMT_NONE)
		return;
	const char *code = r->params[0];
	db_stmt_t *st = db_prepare(r->db, "SELECT code FROM request_categories WHERE code = $1");
	if (st == NULL) {
		o311_db_error(r, f, "reading the service");
		return;
	}
	db_bind_text(st, 1, code);
	int rc = db_step(st);
	db_done(st);
	if (rc == DB_DONE) {
		o311_error(r, f, 404, "service_code %.80s was not found", code);
		return;
	}
	if (rc != DB_ROW) {
		o311_db_error(r, f, "reading the service");
		return;
	}
	/* metadata is false for every service: no attributes */
	o311_reply(r, f, 200, "service_definition", json_pack("{s:s,s:[]}", "service_code", code, "attributes"));
}

/* ---- requests: reading ---- */

/* The columns every request query selects, in this order. */
#define REQ_COLUMNS \
	"SELECT r.id, r.status, r.category, c.name, r.description, d.name, r.created_at, r.updated_at," \
	" r.closed_at, r.due_on, e.name, e.credit_code," \
	" (SELECT ev.detail FROM request_events ev WHERE ev.request_id = r.id AND (ev.detail LIKE '%\"resolution\"%'" \
	"  OR ev.detail LIKE '%\"reason\"%' OR ev.detail LIKE '%\"comment\"%') ORDER BY ev.id DESC LIMIT 1)," \
	" COALESCE(c.limit_days, 0), COALESCE(t.months, 0), COALESCE(t.working_days, 0)" \
	" FROM requests r LEFT JOIN request_categories c ON c.code = r.category" \
	" LEFT JOIN time_limit_classes t ON t.code = c.limit_class" \
	" LEFT JOIN departments d ON d.id = r.department_id" \
	" LEFT JOIN enterprises e ON e.id = r.enterprise_id"

/* status_notes from a history event's detail (JSON written by
 * requests.c): its resolution, else its reason, else its comment, with
 * the rating in front when the event is a rating. */
static json_t *status_notes(req_t *r, const char *detail)
{
	if (detail == NULL || *detail == '\0')
		return json_null();
	json_t *d = json_loads(detail, 0, NULL);
	if (!json_is_object(d)) {
		json_decref(d);
		return json_null();
	}
	const char *text = NULL;
	static const char *const keys[] = { "resolution", "reason", "comment" };
	for (size_t i = 0; i < 3 && text == NULL; i++)
		text = json_string_value(json_object_get(d, keys[i]));
	json_t *rating = json_object_get(d, "rating");
	json_t *out = json_null();
	if (text && json_is_integer(rating))
		out = json_string(arena_printf(r->arena, "满意度评价%lld分：%s", (long long)json_integer_value(rating), text));
	else if (text && *text)
		out = json_string(text);
	json_decref(d);
	return out;
}

static json_t *request_json(req_t *r, db_stmt_t *st)
{
	const char *status = db_col_text(st, 1);
	int closed = strcmp(status, "closed") == 0;
	int64_t updated = closed && !db_col_isnull(st, 8) ? db_col_int(st, 8) : db_col_int(st, 7);
	const char *due = db_col_text(st, 9);
	json_t *o = json_object();
	json_object_set_new(o, "service_request_id", json_string(arena_printf(r->arena, "%lld", (long long)db_col_int(st, 0))));
	json_object_set_new(o, "status", json_string(closed ? "closed" : "open"));
	json_object_set_new(o, "status_notes", status_notes(r, db_col_text(st, 12)));
	json_object_set_new(o, "service_name", str_or_null(db_col_text(st, 3)));
	json_object_set_new(o, "service_code", json_string(db_col_text(st, 2)));
	json_object_set_new(o, "description", str_or_null(db_col_text(st, 4)));
	json_object_set_new(o, "agency_responsible", str_or_null(db_col_text(st, 5)));
	json_object_set_new(o, "service_notice",
	                    str_or_null(limit_notice(r, db_col_int(st, 13), db_col_int(st, 14), db_col_int(st, 15))));
	json_object_set_new(o, "requested_datetime", json_string(w3_time(r, db_col_int(st, 6))));
	json_object_set_new(o, "updated_datetime", json_string(w3_time(r, updated)));
	json_object_set_new(o, "expected_datetime",
	                    strlen(due) == 10 ? json_string(arena_printf(r->arena, "%sT23:59:59+08:00", due)) : json_null());
	json_object_set_new(o, "address", str_or_null(db_col_text(st, 10)));
	json_object_set_new(o, "address_id", str_or_null(db_col_text(st, 11)));
	json_object_set_new(o, "zipcode", json_null());
	json_object_set_new(o, "lat", json_null());
	json_object_set_new(o, "long", json_null());
	json_object_set_new(o, "media_url", json_null());
	return o;
}

/* The request id as Open311 JSON for one visible request; NULL when it
 * does not exist, is not a request or r's caller may not see it.  *err
 * is set on a database error. */
static json_t *request_one(req_t *r, int64_t id, int *err)
{
	*err = 0;
	db_stmt_t *st = db_prepare(r->db, REQ_COLUMNS " WHERE r.id = $1 AND r.kind = 'request'");
	if (st == NULL) {
		*err = 1;
		return NULL;
	}
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	json_t *o = rc == DB_ROW ? request_json(r, st) : NULL;
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		*err = 1;
		return NULL;
	}
	if (o == NULL)
		return NULL;
	int vis = request_visible(r->db, r->user, id);
	if (vis != 1) {
		json_decref(o);
		if (vis < 0)
			*err = 1;
		return NULL;
	}
	return o;
}

/* Parse a positive decimal id; 0 when s is not one. */
static int64_t parse_id(const char *s, size_t n)
{
	if (n == 0 || n > 18 || *s < '1' || *s > '9')
		return 0;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* How r's caller is scoped when listing: 1 everything, 0 nothing, or 2
 * with a filter in *ent / *dept / *officer.  This mirrors
 * request_visible() (requests.c) for requests: enterprise its own,
 * department what is assigned to it (a street's office also its street's
 * requests), officer the enterprises it serves,
 * admin/leader/statistician all, anyone else nothing.  Single requests
 * are checked with request_visible() itself. */
static int list_scope(req_t *r, int64_t *ent, int64_t *dept, int64_t *officer)
{
	const user_t *u = r->user;
	*ent = *dept = *officer = 0;
	if (u->role_bit & (ROLE_ADMIN | ROLE_LEADER | ROLE_STATISTICIAN))
		return 1;
	if (u->role_bit == ROLE_ENTERPRISE && u->enterprise_id > 0)
		*ent = u->enterprise_id;
	else if (u->role_bit == ROLE_DEPARTMENT && u->department_id > 0)
		*dept = u->department_id;
	else if (u->role_bit == ROLE_OFFICER)
		*officer = u->id;
	else
		return 0;
	return 2;
}

/* 1 when code is in the comma-separated list (NULL list: any). */
static int in_list(const char *list, const char *code)
{
	if (list == NULL)
		return 1;
	size_t n = strlen(code);
	for (const char *p = list; *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		while (len && *p == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		if (len == n && strncmp(p, code, n) == 0)
			return 1;
		if (c == NULL)
			break;
		p = c + 1;
	}
	return 0;
}

/* GET requests with service_request_id: those of the listed ids that the
 * caller may see, in the order given (duplicates once). */
static void list_by_ids(req_t *r, enum fmt f, const char *ids)
{
	json_t *list = json_array();
	int err = 0, count = 0;
	for (const char *p = ids; *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		while (len && *p == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		int64_t id = parse_id(p, len);
		if (id == 0 || ++count > MAX_RESULTS) {
			json_decref(list);
			if (id == 0)
				o311_error(r, f, 400, "service_request_id must be a comma-separated list of request ids");
			else
				o311_error(r, f, 400, "at most %d service_request_id values at once", MAX_RESULTS);
			return;
		}
		int dup = 0;
		size_t i;
		json_t *x;
		const char *sid = arena_printf(r->arena, "%lld", (long long)id);
		json_array_foreach(list, i, x)
			if (strcmp(json_string_value(json_object_get(x, "service_request_id")), sid) == 0)
				dup = 1;
		json_t *o = dup ? NULL : request_one(r, id, &err);
		if (err) {
			json_decref(list);
			o311_db_error(r, f, "reading requests");
			return;
		}
		if (o)
			json_array_append_new(list, o);
		if (c == NULL)
			break;
		p = c + 1;
	}
	o311_reply(r, f, 200, "service_requests", list);
}

void open311_requests_list(req_t *r)
{
	enum fmt f = format_of(r);
	if (f == FMT_NONE)
		return;
	if (o311_auth(r, f, NULL, "get_service_requests") < 0)
		return;
	/* service_request_id overrides every other argument */
	const char *ids = nonempty(req_query(r, "service_request_id"));
	if (ids) {
		list_by_ids(r, f, ids);
		return;
	}
	/* the date range: 90 days at most, the last 90 by default */
	const char *sd = nonempty(req_query(r, "start_date")), *ed = nonempty(req_query(r, "end_date"));
	int64_t from = 0, to = 0;
	if (sd && datetime_parse(sd, &from) < 0) {
		o311_error(r, f, 400, "start_date must be a w3 datetime such as 2021-11-01T00:00:00+08:00");
		return;
	}
	if (ed && datetime_parse(ed, &to) < 0) {
		o311_error(r, f, 400, "end_date must be a w3 datetime such as 2021-11-30T23:59:59+08:00");
		return;
	}
	if (!sd && !ed) {
		to = now_sec();
		from = to - MAX_SPAN;
	} else if (!ed) {
		to = from + MAX_SPAN;
	} else if (!sd) {
		from = to - MAX_SPAN;
	}
	if (to < from) {
		o311_error(r, f, 400, "end_date is before start_date");
		return;
	}
	if (to - from > MAX_SPAN) {
		o311_error(r, f, 400, "the range from start_date to end_date may not span more than 90 days");
		return;
	}

	/* status: open, closed or both */
	const char *status = nonempty(req_query(r, "status"));
	int want_open = 1, want_closed = 1;
	if (status) {
		want_open = want_closed = 0;
		for (const char *p = status; *p;) {
			const char *c = strchr(p, ',');
			size_t len = c ? (size_t)(c - p) : strlen(p);
			while (len && *p == ' ')
				p++, len--;
			while (len && p[len - 1] == ' ')
				len--;
			if (len == 4 && strncmp(p, "open", 4) == 0)
				want_open = 1;
			else if (len == 6 && strncmp(p, "closed", 6) == 0)
				want_closed = 1;
			else {
						o311_error(r, f, 400, "status must be open, closed or both, comma-separated");
				return;
			}
			if (c == NULL)
				break;
			p = c + 1;
		}
	}
	const char *codes = nonempty(req_query(r, "service_code"));

	json_t *list = json_array();
	int64_t ent, dept, officer;
	int scope = list_scope(r, &ent, &dept, &officer);
	if (scope == 0) {
		o311_reply(r, f, 200, "service_requests", list);
		return;
	}
	db_stmt_t *st = db_prepare(r->db, REQ_COLUMNS
		" WHERE r.kind = 'request' AND r.created_at >= $1 AND r.created_at <= $2"
		" AND ((r.status <> 'closed' AND $3 = 1) OR (r.status = 'closed' AND $4 = 1))"
		" AND (CAST($5 AS BIGINT) IS NULL OR r.enterprise_id = CAST($5 AS BIGINT))"
		" AND (CAST($6 AS BIGINT) IS NULL OR r.department_id = CAST($6 AS BIGINT)"
		" OR " REQUEST_IN_STREET_SQL("r", "e", "CAST($8 AS BIGINT)") ")"
		" AND (CAST($7 AS BIGINT) IS NULL OR e.officer_id = CAST($7 AS BIGINT))"
		" ORDER BY r.created_at DESC, r.id DESC");
	if (st == NULL) {
		json_decref(list);
		o311_db_error(r, f, "listing requests");
		return;
	}
	db_bind_int(st, 1, from);
	db_bind_int(st, 2, to);
	db_bind_int(st, 3, want_open);
	db_bind_int(st, 4, want_closed);
	ent ? db_bind_int(st, 5, ent) : db_bind_null(st, 5);
	dept ? db_bind_int(st, 6, dept) : db_bind_null(st, 6);
	officer ? db_bind_int(st, 7, officer) : db_bind_null(st, 7);
	db_bind_int(st, 8, user_street_id(r->db, r->user));   /* a street's office: also its street's */
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (!in_list(codes, db_col_text(st, 2)))
			continue;
		json_array_append_new(list, request_json(r, st));
		if (json_array_size(list) == MAX_RESULTS)
			break;
	}
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		json_decref(list);
		o311_db_error(r, f, "listing requests");
		return;
	}
	o311_reply(r, f, 200, "service_requests", list);
}

void open311_request_get(req_t *r)
{
	enum fmt f = format_of(r);
	if (f == FMT_NONE)
		return;
	if (o311_auth(r, f, NULL, "get_service_request") < 0)
		return;
	int64_t id = req_param_id(r, 0);
	int err = 0;
	json_t *o = id ? request_one(r, id, &err) : NULL;
	if (err) {
		o311_db_error(r, f, "reading the request");
		return;
	}
	if (o == NULL) {
		o311_error(r, f, 404, "service_request_id %.40s was not found", r->params[0]);
		return;
	}
	o311_reply(r, f, 200, "service_requests", json_pack("[o]", o));
}

/* ---- requests: creating ---- */

/* The first n characters of s with line breaks and tabs made spaces and
 * surrounding spaces trimmed. */
static char *title_from(req_t *r, const char *s, size_t n)
{
	size_t bytes = 0, chars = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (p[bytes] && chars < n) {
		bytes++;
		while ((p[bytes] & 0xc0) == 0x80)
			bytes++;
		chars++;
	}
	char *t = arena_strndup(r->arena, s, bytes);
	for (char *q = t; *q; q++)
		if (*q == '\n' || *q == '\r' || *q == '\t')
			*q = ' ';
	while (*t == ' ')
		t++;
	size_t len = strlen(t);
	while (len && t[len - 1] == ' ')
		t[--len] = '\0';
	return t;
}

/* A number in [lo, hi]; 0 or -1. */
static int parse_coord(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* The service (request category) code: its name and time-limit notice.
 * 0, or -1 after replying. */
static int o311_service(req_t *r, enum fmt f, const char *code, const char **cat_name, const char **notice)
{
	db_stmt_t *st = db_prepare(r->db,
		"SELECT c.name, c.limit_days, COALESCE(t.months, 0), COALESCE(t.working_days, 0)"
		" FROM request_categories c LEFT JOIN time_limit_classes t ON t.code = c.limit_class WHERE c.code = $1");
	if (st == NULL) {
		o311_db_error(r, f, "reading the service");
		return -1;
	}
	db_bind_text(st, 1, code);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		*cat_name = arena_strdup(r->arena, db_col_text(st, 0));
		*notice = limit_notice(r, db_col_int(st, 1), db_col_int(st, 2), db_col_int(st, 3));
	}
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		o311_db_error(r, f, "reading the service");
		return -1;
	}
	if (rc == DB_DONE) {
		o311_error(r, f, 400, "service_code %.80s is not a known service (see services.%s)", code,
		           f == FMT_XML ? "xml" : "json");
		return -1;
	}
	return 0;
}

/* The enterprise a request is filed for: address_id (its credit code,
 * required with a staff key), or the enterprise key's own.  0 with *ent_id,
 * or -1 after replying. */
static int o311_enterprise(req_t *r, enum fmt f, const char *addr, int64_t *ent_id)
{
	const user_t *u = r->user;
	db_stmt_t *st;
	int rc;
	*ent_id = 0;
	char norm[32] = "";
	if (addr) {
		err_t e;
		if (credit_code_normalise(addr, norm, sizeof norm, &e) < 0 &&
		    !(strcmp(err_get_param(&e, "reason"), "checksum") == 0 && norm[0])) {
			o311_error(r, f, 400, "address_id must be an enterprise's unified social credit code: %s", e.message);
			return -1;
		}
	}
	if (u->role_bit == ROLE_ENTERPRISE) {
		if (u->enterprise_id <= 0) {
			o311_error(r, f, 403, "this api_key's account is not linked to an enterprise");
			return -1;
		}
		if (addr) {
			st = db_prepare(r->db, "SELECT credit_code FROM enterprises WHERE id = $1");
			if (st == NULL) {
				o311_db_error(r, f, "reading the enterprise");
				return -1;
			}
			db_bind_int(st, 1, u->enterprise_id);
			rc = db_step(st);
			int own = rc == DB_ROW && strcmp(db_col_text(st, 0), norm) == 0;
			db_done(st);
			if (rc != DB_ROW && rc != DB_DONE) {
				o311_db_error(r, f, "reading the enterprise");
				return -1;
			}
			if (!own) {
				o311_error(r, f, 403, "an enterprise's api_key may only file requests for its own enterprise");
				return -1;
			}
		}
		*ent_id = u->enterprise_id;
	} else {
		if (addr == NULL) {
			o311_error(r, f, 400, "address_id (the enterprise's unified social credit code) is required");
			return -1;
		}
		st = db_prepare(r->db, "SELECT id FROM enterprises WHERE credit_code = $1");
		if (st == NULL) {
			o311_db_error(r, f, "reading the enterprise");
			return -1;
		}
		db_bind_text(st, 1, norm);
		rc = db_step(st);
		if (rc == DB_ROW)
			*ent_id = db_col_int(st, 0);
		db_done(st);
		if (rc != DB_ROW && rc != DB_DONE) {
			o311_db_error(r, f, "reading the enterprise");
			return -1;
		}
		if (*ent_id == 0) {
			o311_error(r, f, 400, "address_id %s is not a registered enterprise", norm);
			return -1;
		}
	}
	return 0;
}

/* The contact and location fields, kept after the description as a
 * footer ("—— Open311 ——"); *appendix is NULL when none is given.  0, or
 * -1 after replying. */
static int o311_appendix(req_t *r, enum fmt f, const struct form *fm, const char **appendix)
{
	const char *lat_s = form_get(fm, "lat"), *long_s = form_get(fm, "long");
	double lat = 0, lon = 0;
	if ((lat_s == NULL) != (long_s == NULL)) {
		o311_error(r, f, 400, "lat and long must be given together");
		return -1;
	}
	if (lat_s && (parse_coord(lat_s, -90, 90, &lat) < 0 || parse_coord(long_s, -180, 180, &lon) < 0)) {
		o311_error(r, f, 400, "lat must be a number from -90 to 90 and long one from -180 to 180 (WGS84)");
		return -1;
	}
	static const struct { const char *field, *label; } extras[] = {
		{ "first_name", NULL }, { "last_name", NULL }, { "phone", "电话" }, { "email", "邮箱" },
		{ "address_string", "地址" }, { "media_url", "附件" },
	};
	for (size_t i = 0; i < sizeof extras / sizeof extras[0]; i++) {
		const char *v = form_get(fm, extras[i].field);
		if (v && utf8_len(v) > 500) {
			o311_error(r, f, 400, "%s is limited to 500 characters", extras[i].field);
			return -1;
		}
	}
	buf_t foot;
	buf_init(&foot);
	const char *fn = form_get(fm, "first_name"), *ln = form_get(fm, "last_name");
	if (fn || ln)
		buf_printf(&foot, "联系人：%s%s%s\n", fn ? fn : "", fn && ln ? " " : "", ln ? ln : "");
	for (size_t i = 2; i < sizeof extras / sizeof extras[0]; i++) {
		const char *v = form_get(fm, extras[i].field);
		if (v)
			buf_printf(&foot, "%s：%s\n", extras[i].label, v);
	}
	if (lat_s)
		buf_printf(&foot, "位置：%s, %s\n", lat_s, long_s);
	*appendix = NULL;
	if (foot.len) {
		foot.data[--foot.len] = '\0';  /* the last newline */
		*appendix = arena_printf(r->arena, "—— Open311 ——\n%s", foot.data);
	}
	buf_free(&foot);
	return 0;
}

void open311_requests_create(req_t *r)
{
	enum fmt f = format_of(r);
	if (f == FMT_NONE)
		return;
	struct form fm;
	if (form_parse(r, f, &fm) < 0)
		return;
	if (o311_auth(r, f, &fm, "create_request") < 0)
		return;
	const user_t *u = r->user;

	/* service_code */
	const char *code = form_get(&fm, "service_code");
	if (code == NULL) {
		o311_error(r, f, 400, "service_code is required (see services.%s)", f == FMT_XML ? "xml" : "json");
		return;
	}
	const char *cat_name = NULL, *notice = NULL;
	if (o311_service(r, f, code, &cat_name, &notice) < 0)
		return;

	/* address_id: the enterprise's credit code */
	const char *addr = form_get(&fm, "address_id");
	int64_t ent_id = 0;
	if (o311_enterprise(r, f, addr, &ent_id) < 0)
		return;

	/* description (at most REQUEST_DESCRIPTION_MAX characters, checked
	 * by request_create), title and the footer of contact and location
	 * fields */
	const char *desc = form_get(&fm, "description");
	const char *appendix;
	if (o311_appendix(r, f, &fm, &appendix) < 0)
		return;
	const char *title = desc ? title_from(r, desc, TITLE_CHARS) : "";
	if (*title == '\0')
		title = cat_name;

	struct request_in in = {
		.kind = "request",
		.enterprise_id = ent_id,
		.category = code,
		.title = title,
		.description = desc,
		.appendix = appendix,
		.source = "open311",
	};
	err_t fe;
	int64_t id = 0;
	if (request_create(r->db, u, &in, now_sec(), &id, &fe) < 0) {
		int status = fe.status == 403 || fe.status == 404 ? fe.status : fe.status >= 500 ? 500 : 400;
		o311_error(r, f, status, "%s", fe.message[0] ? fe.message : "the request could not be created");
		return;
	}
	r->audit_entity = "request";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
	r->audit_detail = "open311";
	json_t *o = json_object();
	json_object_set_new(o, "service_request_id", json_string(r->audit_id));
	json_object_set_new(o, "service_notice", str_or_null(notice));
	json_object_set_new(o, "account_id", json_null());
	o311_reply(r, f, 201, "service_requests", json_pack("[o]", o));
}
