/*
 * reply.c -- building responses and reading JSON bodies.  Every error
 * leaves through reply_error(), so the error shape is the same everywhere:
 * {"error":{"code":"...","message":"...","field":"..."}}.
 */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file queued by reply_file() is not sent when the reply changes. */
static void drop_file(req_t *r)
{
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
}

void reply_json(req_t *r, int status, json_t *body)
{
	drop_file(r);
	if (r->out)
		json_decref(r->out);
	r->status = status;
	r->out = body ? body : json_object();
	r->text = NULL;
	r->text_static = 0;
}

void reply_error(req_t *r, int status, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *e = json_pack("{s:s,s:s}", "code", code, "message", msg);
	json_object_set_new(e, "field", field ? json_string(field) : json_null());
	reply_json(r, status, json_pack("{s:o}", "error", e));
}

json_t *err_json(const err_t *e)
{
	json_t *o = json_pack("{s:s,s:s}", "code", e->code ? e->code : "error", "message", e->message);
	json_object_set_new(o, "field", e->field ? json_string(e->field) : json_null());
	if (e->line)
		json_object_set_new(o, "line", json_integer((json_int_t)e->line));
	if (e->nparams) {
		json_t *p = json_object();
		for (int i = 0; i < e->nparams; i++)
			json_object_set_new(p, e->params[i].name, json_string(e->params[i].value));
		json_object_set_new(o, "params", p);
		/* the first API gave a credit code's "reason" beside the code */
		const char *reason = err_get_param(e, "reason");
		if (reason && e->code && strcmp(e->code, "invalid_credit_code") == 0)
			json_object_set_new(o, "reason", json_string(reason));
	}
	return o;
}

void reply_err(req_t *r, const err_t *e)
{
	int status = e->status >= 400 && e->status <= 599 ? e->status : 500;
	if (status == 503)
		reply_header(r, "Retry-After", "1");
	reply_json(r, status, json_pack("{s:o}", "error", err_json(e)));
}

void reply_text(req_t *r, int status, const char *type, char *text, size_t len)
{
	drop_file(r);
	if (r->out) {
		json_decref(r->out);
		r->out = NULL;
	}
	r->status = status;
	r->content_type = type;
	r->text = text;
	r->text_len = len;
	r->text_static = 0;
}

void reply_header(req_t *r, const char *name, const char *value)
{
	struct header *h = arena_alloc(r->arena, sizeof *h);
	h->name = arena_strdup(r->arena, name);
	h->value = arena_strdup(r->arena, value);
	h->next = r->headers;
	r->headers = h;
}

void reply_db_error(req_t *r, int rc, const char *what)
{
	err_t e;
	db_fail(&e, r->db, rc, what);
	reply_err(r, &e);
}

void reply_list(req_t *r, json_t *items, int64_t total, int64_t limit, int64_t offset)
{
	reply_json(r, 200, json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total,
	                             "limit", (json_int_t)limit, "offset", (json_int_t)offset));
}

int64_t req_param_id(req_t *r, int i)
{
	if (i >= r->nparams || r->params[i] == NULL)
		return 0;
	const char *s = r->params[i];
	if (*s < '1' || *s > '9' || strlen(s) > 18)
		return 0;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	return (*end || errno) ? 0 : (int64_t)v;
}

static int query_int(req_t *r, const char *name, int64_t dflt, int64_t lo, int64_t hi, int64_t *out)
{
	const char *s = req_query(r, name);
	if (s == NULL || *s == '\0') {
		*out = dflt;
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno || v < lo || v > hi) {
		reply_error(r, 422, "invalid_parameter", name, "%s must be a whole number from %lld to %lld",
		            name, (long long)lo, (long long)hi);
		return -1;
	}
	*out = v;
	return 0;
}

int req_query_id(req_t *r, const char *name, int64_t *out)
{
	const char *s = req_query(r, name);
	*out = 0;
	if (s == NULL || *s == '\0')
		return 0;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno || v <= 0) {
		reply_error(r, 422, "invalid_parameter", name, "%s must be a positive id", name);
		return -1;
	}
	*out = v;
	return 0;
}

int req_query_int(req_t *r, const char *name, int64_t dflt, int64_t lo, int64_t hi, int64_t *out)
{
	return query_int(r, name, dflt, lo, hi, out);
}

int req_query_bool(req_t *r, const char *name, int64_t *out)
{
	const char *s = req_query(r, name);
	*out = -1;
	if (s == NULL || *s == '\0')
		return 0;
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = 0;
	else {
		reply_error(r, 422, "invalid_parameter", name, "%s must be true or false", name);
		return -1;
	}
	return 0;
}

int body_unknown_field(req_t *r, json_t *o, const char *const *allowed)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		int ok = 0;
		for (int i = 0; allowed[i]; i++)
			if (strcmp(k, allowed[i]) == 0)
				ok = 1;
		if (!ok) {
			reply_error(r, 422, "unknown_field", k, "unknown field '%s'", k);
			return 1;
		}
	}
	return 0;
}

const char *like_pattern(req_t *r, const char *q)
{
	if (q == NULL || *q == '\0')
		return NULL;
	char *out = arena_alloc(r->arena, strlen(q) * 2 + 3), *o = out;
	*o++ = '%';
	for (const char *p = q; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

int req_paging(req_t *r, int64_t *limit, int64_t *offset)
{
	if (query_int(r, "limit", 50, 1, 1000, limit) < 0)
		return -1;
	return query_int(r, "offset", 0, 0, INT64_C(1000000000), offset);
}

json_t *req_object(req_t *r)
{
	if (r->json == NULL) {
		reply_error(r, 400, "body_required", NULL, "a JSON object body is required");
		return NULL;
	}
	if (!json_is_object(r->json)) {
		reply_error(r, 400, "body_not_object", NULL, "the body must be a JSON object");
		return NULL;
	}
	return r->json;
}

static char *trim(arena_t *a, const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return arena_strndup(a, s, n);
}

int body_str(req_t *r, json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		reply_error(r, 422, "invalid_type", key, "%s must be a string", key);
		return -1;
	}
	*out = trim(r->arena, json_string_value(v));
	return 1;
}

int body_int(req_t *r, json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v)) {
		reply_error(r, 422, "invalid_type", key, "%s must be a whole number", key);
		return -1;
	}
	*out = (int64_t)json_integer_value(v);
	return 1;
}

int body_bool(req_t *r, json_t *o, const char *key, int *out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		reply_error(r, 422, "invalid_type", key, "%s must be true or false", key);
		return -1;
	}
	*out = json_is_true(v);
	return 1;
}

json_t *rows_json_by_id(db_t *db, const char *sql, int64_t id, const char *types)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return NULL;
	db_bind_int(st, 1, id);
	json_t *a = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(a, row_json(st, types));
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(a);
		return NULL;
	}
	return a;
}

json_t *row_json(db_stmt_t *st, const char *types)
{
	json_t *o = json_object();
	int n = db_col_count(st);
	for (int i = 0; i < n && types[i]; i++) {
		const char *name = db_col_name(st, i);
		json_t *v;
		if (db_col_isnull(st, i))
			v = json_null();
		else switch (types[i]) {
		case 'i': v = json_integer((json_int_t)db_col_int(st, i)); break;
		case 'b': v = json_boolean(db_col_int(st, i) != 0); break;
		case 'd': v = json_real(db_col_double(st, i)); break;
		default: v = json_string(db_col_text(st, i)); break;
		}
		json_object_set_new(o, name, v ? v : json_null());
	}
	return o;
}

/* ---- downloads ---- */

int tmpfile_make(arena_t *a, const char *prefix, char **path)
{
	const char *dir = getenv("TMPDIR");
	char *p = arena_printf(a, "%s/%s-XXXXXX", dir && *dir ? dir : "/tmp", prefix);
	int fd = mkostemp(p, O_CLOEXEC);
	if (fd >= 0)
		*path = p;
	return fd;
}

char *reply_tmpfile(req_t *r, const char *prefix)
{
	char *path;
	int fd = tmpfile_make(r->arena, prefix, &path);
	if (fd < 0) {
		reply_error(r, 500, "internal", NULL, "cannot create a temporary file");
		return NULL;
	}
	close(fd);
	return path;
}

/* attachment; filename="ascii-fallback"; filename*=UTF-8''percent-encoded */
static const char *disposition(arena_t *a, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(name);
	char *ascii = arena_alloc(a, n + 1), *enc = arena_alloc(a, 3 * n + 1);
	char *p = ascii, *q = enc;
	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		/* one '_' per character that is not printable ASCII, a quote or a backslash */
		if (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\')
			*p++ = (char)*s;
		else if ((*s & 0xC0) != 0x80)
			*p++ = '_';
		/* RFC 5987 attr-char as is, the rest percent-encoded */
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr("!#$&+-.^_`|~", *s))
			*q++ = (char)*s;
		else {
			*q++ = '%';
			*q++ = hex[*s >> 4];
			*q++ = hex[*s & 15];
		}
	}
	*p = *q = '\0';
	return arena_printf(a, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
}

void reply_file(req_t *r, const char *type, const char *filename, const char *path, const char *data, size_t len)
{
	if (path) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		unlink(path);
		struct stat sb;
		if (fd < 0 || fstat(fd, &sb) < 0) {
			if (fd >= 0)
				close(fd);
			reply_error(r, 500, "internal", NULL, "the file to send cannot be read");
			return;
		}
		reply_text(r, 200, type, NULL, 0);
		r->fd = fd;
		r->fd_size = (uint64_t)sb.st_size;
	} else
		reply_text(r, 200, type, arena_strndup(r->arena, data ? data : "", len), len);
	reply_header(r, "Content-Disposition", disposition(r->arena, filename));
	reply_header(r, "Cache-Control", "no-store");
}
