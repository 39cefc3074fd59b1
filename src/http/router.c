/*
 * router.c -- from a received request to a handler.
 *
 * Everything a handler may take for granted is done here, in this order:
 * route match (404/405), caller resolution (auth), permission (401/403),
 * CSRF for cookie writes (403) -- these at the request's head, before any
 * body byte is read (router_admit) -- then JSON body parsing and its
 * limits (400), and for writes a transaction that commits the handler's
 * changes together with the audit row, or rolls both back.
 *
 * Every 401 and 403 answered through here leaves an audit row (who if
 * known, the address, the route, the status and the error code), written
 * after the request's transaction in a short one of its own, so that it
 * stays when the handler's writes do not; at most REFUSALS_PER_MIN a
 * minute per address, so that refused requests cannot flood the log.
 * Routes that keep their own audit (R_NOTX: the login, whose failures
 * auth writes) get rows only for the router's own refusals.
 */
#include "http.h"

#include "auth/auth.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct late_audit {
	const char *action, *entity, *entity_id, *detail;
	int status;
	struct late_audit *next;
};

/* Match path against pattern; {x} takes one non-empty segment. */
static int match(const char *pat, const char *path, req_t *r, int prefix)
{
	int np = 0;
	const char *params[REQ_MAX_PARAMS];
	const char *p = pat, *s = path;
	while (*p) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			/* the value runs to the next '/', or to the last occurrence
			 * of the literal that follows "}" within this segment
			 * ("{id}.json" takes "12" from "12.json") */
			const char *end = strchr(s, '/');
			size_t n = end ? (size_t)(end - s) : strlen(s);
			if (close && close[1] && close[1] != '/') {
				const char *lit = NULL;
				for (size_t k = 0; k < n; k++)
					if (s[k] == close[1])
						lit = s + k;
				if (lit == NULL)
					return 0;
				n = (size_t)(lit - s);
			}
			if (close == NULL || n == 0 || np == REQ_MAX_PARAMS)
				return 0;
			params[np++] = arena_strndup(r->arena, s, n);
			p = close + 1;
			s += n;
			continue;
		}
		if (*p != *s)
			return 0;
		p++, s++;
	}
	if (*s && !prefix)
		return 0;
	for (int i = 0; i < np; i++)
		r->params[i] = params[i];
	r->nparams = np;
	return 1;
}

int route_permits(const struct route *rt, int role_bit)
{
	return rt->perm == P_PUBLIC || (rt->perm & role_bit) != 0;
}

int route_permits_op(const char *op, int role_bit)
{
	const char *sp = strchr(op, ' ');
	if (sp == NULL)
		return 0;
	size_t n = (size_t)(sp - op);
	for (int i = 0; i < nroutes; i++)
		if (strlen(routes[i].method) == n && strncmp(routes[i].method, op, n) == 0 &&
		    strcmp(routes[i].path, sp + 1) == 0)
			return route_permits(&routes[i], role_bit);
	return 0;
}

static int is_read(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

void router_match(req_t *r)
{
	const char *m = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	r->route = NULL;
	r->route_index = -1;
	for (int i = 0; i < nroutes; i++) {
		const struct route *rt = &routes[i];
		if (strcmp(rt->method, m) != 0)
			continue;
		if (match(rt->path, r->path, r, rt->flags & R_PREFIX)) {
			r->route = rt;
			r->route_index = i;
			return;
		}
	}
}

static void not_found_or_405(req_t *r)
{
	char allow[128] = "";
	for (int i = 0; i < nroutes; i++) {
		const struct route *rt = &routes[i];
		if (rt->flags & R_PREFIX)
			continue;  /* the static catch-all does not make other methods 405 */
		if (match(rt->path, r->path, r, 0) && strlen(allow) + strlen(rt->method) + 3 < sizeof allow) {
			if (!strstr(allow, rt->method)) {
				if (*allow)
					strcat(allow, ", ");
				strcat(allow, rt->method);
			}
		}
	}
	if (*allow) {
		reply_header(r, "Allow", allow);
		reply_error(r, 405, "method_not_allowed", NULL, "%s is not allowed here; allowed: %s", r->method, allow);
	} else {
		reply_error(r, 404, "not_found", NULL, "no such resource: %s", r->path);
	}
}

static int json_depth_ok(json_t *j, int depth, const char **why)
{
	if (depth > 8) {
		*why = "too_deep";
		return 0;
	}
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);
		if (v > 9007199254740991LL || v < -9007199254740991LL) {
			*why = "number_out_of_range";
			return 0;
		}
	} else if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v)
			if (!json_depth_ok(v, depth + 1, why))
				return 0;
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
			if (!json_depth_ok(v, depth + 1, why))
				return 0;
	}
	return 1;
}

static int parse_body(req_t *r)
{
	if (r->body_len == 0)
		return 0;
	json_error_t e;
	json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL) {
		const char *code = "malformed_json";
		switch (json_error_code(&e)) {
		case json_error_invalid_utf8: code = "invalid_utf8"; break;
		case json_error_duplicate_key: code = "duplicate_key"; break;
		case json_error_null_character:
		case json_error_null_byte_in_key: code = "null_character"; break;
		case json_error_numeric_overflow: code = "number_out_of_range"; break;
		default: break;
		}
		reply_error(r, 400, code, NULL, "invalid JSON body at line %d, column %d: %s", e.line, e.column, e.text);
		return -1;
	}
	const char *why = NULL;
	if (!json_depth_ok(j, 0, &why)) {
		json_decref(j);
		if (strcmp(why, "too_deep") == 0)
			reply_error(r, 400, why, NULL, "the JSON body is nested deeper than 8 levels");
		else
			reply_error(r, 400, why, NULL, "a number in the JSON body is outside ±2^53");
		return -1;
	}
	r->json = j;
	return 0;
}

static void run_write(req_t *r)
{
	int rc = db_begin(r->db);
	if (rc != DB_OK) {
		reply_db_error(r, rc, "starting a transaction");
		return;
	}
	r->route->handler(r);
	if (r->status >= 200 && r->status < 300) {
		const char *action = r->audit_action ? r->audit_action
		                     : arena_printf(r->arena, "%s %s", r->method, r->route->path);
		const char *entity_id = r->audit_id;
		if (entity_id == NULL && r->out && json_is_integer(json_object_get(r->out, "id")))
			entity_id = arena_printf(r->arena, "%lld", (long long)json_integer_value(json_object_get(r->out, "id")));
		if (entity_id == NULL && r->nparams)
			entity_id = r->params[0];
		rc = audit_write(r->db, r->user, r->ip, action, r->audit_entity, entity_id, r->status, r->audit_detail);
		if (rc == DB_OK)
			rc = db_commit(r->db);
		if (rc != DB_OK) {
			db_rollback(r->db);
			reply_db_error(r, rc, "saving");
		}
	} else {
		db_rollback(r->db);
	}
}

/* ---- audit rows after the transaction ---- */

void req_audit_later(req_t *r, const char *action, const char *entity, const char *entity_id, int status,
                     const char *detail)
{
	struct late_audit *l = arena_alloc(r->arena, sizeof *l);
	*l = (struct late_audit){
		.action = arena_strdup(r->arena, action), .entity = entity ? arena_strdup(r->arena, entity) : NULL,
		.entity_id = entity_id ? arena_strdup(r->arena, entity_id) : NULL,
		.detail = detail ? arena_strdup(r->arena, detail) : NULL, .status = status,
	};
	struct late_audit **p = &r->late;
	while (*p)
		p = &(*p)->next;
	*p = l;
}

static void write_late(req_t *r)
{
	if (r->db == NULL || db_in_tx(r->db))
		return;
	for (struct late_audit *l = r->late; l; l = l->next) {
		int rc = r->user ? audit_write(r->db, r->user, r->ip, l->action, l->entity, l->entity_id, l->status, l->detail)
		         : audit_write_as(r->db, 0, "(anonymous)", r->ip, l->action, l->entity, l->entity_id, l->status,
		                          l->detail);
		if (rc != DB_OK)
			fprintf(stderr, "zoneops: audit row of a %d %s: %s\n", l->status, l->action, db_errmsg(r->db));
	}
	r->late = NULL;
}

#define REFUSALS_PER_MIN 30
#define QUOTA_SLOTS 256

static pthread_mutex_t quota_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char ip[48];
	int64_t minute;
	int n;
} quota[QUOTA_SLOTS];

/* May ip have one more refusal row this minute?  1 yes, 2 yes and it is
 * the last one, 0 no. */
static int refusal_quota(const char *ip)
{
	unsigned h = 5381;
	for (const char *p = ip; *p; p++)
		h = h * 33 + (unsigned char)*p;
	int64_t minute = now_sec() / 60;
	pthread_mutex_lock(&quota_mu);
	unsigned i = h % QUOTA_SLOTS;
	if (quota[i].minute != minute || strncmp(quota[i].ip, ip, sizeof quota[i].ip) != 0) {
		snprintf(quota[i].ip, sizeof quota[i].ip, "%s", ip);
		quota[i].minute = minute;
		quota[i].n = 0;
	}
	int n = ++quota[i].n;
	pthread_mutex_unlock(&quota_mu);
	return n < REFUSALS_PER_MIN ? 1 : n == REFUSALS_PER_MIN ? 2 : 0;
}

/* The audit row of a 401/403 answered to r (unless the handler wrote its
 * own), as "METHOD /route" with the status and "code: METHOD path". */
static void audit_refusal(req_t *r)
{
	if (r->late || r->route == NULL)
		return;
	int q = refusal_quota(r->ip ? r->ip : "");
	if (q == 0)
		return;
	json_t *e = r->out ? json_object_get(r->out, "error") : NULL;
	const char *code = e ? json_string_value(json_object_get(e, "code")) : NULL;
	const char *detail = arena_printf(r->arena, "%s: %s %.200s%s", code ? code : "refused", r->method, r->path,
	                                  q == 2 ? " (more refusals from this address this minute are not logged)" : "");
	req_audit_later(r, arena_printf(r->arena, "%s %s", r->method, r->route->path), NULL,
	                r->nparams ? r->params[0] : NULL, r->status, detail);
}

/* ---- admission ---- */

/* The caller from "Authorization: Bearer <API token>", else from the
 * session cookie (then with the session's CSRF token).  0, -1 on a
 * database error. */
static int resolve_caller(req_t *r)
{
	const char *authz = req_header(r, "Authorization");
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0)
		return auth_token_user(r->db, r->arena, authz + 7, &r->user);
	const char *cookie = req_cookie(r, SESSION_COOKIE);
	if (cookie == NULL || *cookie == '\0')
		return 0;
	if (auth_session_user(r->db, r->arena, cookie, &r->user, &r->csrf) < 0)
		return -1;
	r->via_cookie = r->user != NULL;
	return 0;
}

/* The route leaves the caller out: 401 when nobody is logged in, else
 * 403 naming the role. */
static void reply_refused(req_t *r)
{
	if (r->user == NULL) {
		reply_error(r, 401, "unauthenticated", NULL, "log in first");
		return;
	}
	err_t e;
	err_set(&e, 403, "forbidden", NULL, "your role (%s) may not do this", r->user->role);
	err_param(&e, "role", "%s", r->user->role);
	reply_err(r, &e);
}

int router_admit(req_t *r)
{
	if (r->route == NULL)
		return 1;
	r->db = db_thread();
	if (r->db == NULL) {
		reply_header(r, "Retry-After", "5");
		reply_error(r, 503, "database_unavailable", NULL, "the database cannot be reached");
		return 0;
	}
	const struct route *rt = r->route;
	if (resolve_caller(r) < 0) {
		reply_db_error(r, DB_ERR, "checking the session");
		return 0;
	}
	if (!route_permits(rt, r->user ? r->user->role_bit : 0))
		reply_refused(r);
	else if (r->user && r->user->must_change_password && rt->perm != P_PUBLIC && !(rt->flags & R_PWCHANGE))
		reply_error(r, 403, "password_change_required", NULL, "change your password first (POST /api/v1/me/password)");
	else if (!is_read(r->method) && r->via_cookie && !(rt->flags & R_NOCSRF) &&
	         !auth_csrf_equal(r->csrf, req_header(r, "X-CSRF-Token")))
		reply_error(r, 403, "csrf_failed", "X-CSRF-Token", "the X-CSRF-Token header is missing or wrong; reload the page");
	else {
		r->admitted = 1;
		return 1;
	}
	audit_refusal(r);
	write_late(r);
	return 0;
}

void router_dispatch(req_t *r)
{
	if (r->route == NULL) {
		not_found_or_405(r);
		return;
	}
	if (!r->admitted && (r->status || !router_admit(r)))
		return;
	const struct route *rt = r->route;
	if (!(rt->flags & R_RAW) && parse_body(r) < 0)
		return;
	if (!is_read(r->method) && !(rt->flags & R_NOTX))
		run_write(r);
	else
		rt->handler(r);
	if (r->status == 0)
		reply_error(r, 500, "internal", NULL, "the handler gave no reply");
	/* a route that keeps its own audit (login: auth writes its failures) keeps it for refusals too */
	if ((r->status == 401 || r->status == 403) && !(rt->flags & R_NOTX))
		audit_refusal(r);
	write_late(r);
}
