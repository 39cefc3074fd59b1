/*
 * test_router.c -- the router's matching against the route table
 * (src/app/routes.c): literal segments before {id}, {id} taking one
 * non-empty segment, "{id}.{format}" splitting at the last dot, the
 * static prefix route, HEAD answered as GET, 404 against 405 with the
 * Allow header, and the permission rule route_permits() that the router
 * and GET /api/v1/me share.  No database: the requests stop before the
 * caller is resolved.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

/* A request as server.c hands it to the router. */
static req_t *mk(const char *method, const char *path)
{
	req_t *r = calloc(1, sizeof *r);
	assert_non_null(r);
	r->arena = arena_new();
	r->method = method;
	r->path = path;
	r->fd = -1;
	return r;
}

static void done(req_t *r)
{
	json_decref(r->out);
	json_decref(r->json);
	arena_free(r->arena);
	free(r);
}

/* The route r matched ("METHOD path"), or "" when none. */
static const char *matched(req_t *r)
{
	static char s[200];
	router_match(r);
	if (r->route == NULL)
		return "";
	snprintf(s, sizeof s, "%s %s", r->route->method, r->route->path);
	return s;
}

static const char *header(req_t *r, const char *name)
{
	for (struct header *h = r->headers; h; h = h->next)
		if (strcmp(h->name, name) == 0)
			return h->value;
	return NULL;
}

static const char *error_code(req_t *r)
{
	return json_string_value(json_object_get(json_object_get(r->out, "error"), "code"));
}

static void test_id_parameter(void **state)
{
	(void)state;
	req_t *r = mk("GET", "/api/v1/users/12");
	assert_string_equal(matched(r), "GET /api/v1/users/{id}");
	assert_int_equal(r->nparams, 1);
	assert_string_equal(r->params[0], "12");
	assert_int_equal(req_param_id(r, 0), 12);
	done(r);

	/* a parameter that is not an id still matches; the handler's 404 */
	r = mk("PATCH", "/api/v1/users/abc");
	assert_string_equal(matched(r), "PATCH /api/v1/users/{id}");
	assert_int_equal(req_param_id(r, 0), 0);
	done(r);

	/* two parameters' worth of path under one: the tail is no match */
	r = mk("PATCH", "/api/v1/users/12/roles");
	assert_string_equal(matched(r), "");
	done(r);

	/* {id} takes a non-empty segment */
	r = mk("PATCH", "/api/v1/users/");
	assert_string_equal(matched(r), "");
	done(r);

	/* a parameter in the middle */
	r = mk("POST", "/api/v1/requests/7/transitions");
	assert_string_equal(matched(r), "POST /api/v1/requests/{id}/transitions");
	assert_string_equal(r->params[0], "7");
	done(r);
}

static void test_literal_before_parameter(void **state)
{
	(void)state;
	/* /enterprises/export is its own route, listed before /enterprises/{id} */
	req_t *r = mk("GET", "/api/v1/enterprises/export");
	assert_string_equal(matched(r), "GET /api/v1/enterprises/export");
	assert_int_equal(r->nparams, 0);
	done(r);
	r = mk("GET", "/api/v1/enterprises/42");
	assert_string_equal(matched(r), "GET /api/v1/enterprises/{id}");
	done(r);
	r = mk("GET", "/api/v1/calendar/due");
	assert_string_equal(matched(r), "GET /api/v1/calendar/due");
	done(r);
	r = mk("GET", "/api/v1/calendar/2021");
	assert_string_equal(matched(r), "GET /api/v1/calendar/{year}");
	assert_string_equal(r->params[0], "2021");
	done(r);
}

static void test_id_dot_format(void **state)
{
	(void)state;
	req_t *r = mk("GET", "/open311/v2/requests/598.json");
	assert_string_equal(matched(r), "GET /open311/v2/requests/{id}.{format}");
	assert_int_equal(r->nparams, 2);
	assert_string_equal(r->params[0], "598");
	assert_string_equal(r->params[1], "json");
	done(r);

	r = mk("GET", "/open311/v2/services/labour.xml");
	assert_string_equal(matched(r), "GET /open311/v2/services/{code}.{format}");
	assert_string_equal(r->params[0], "labour");
	assert_string_equal(r->params[1], "xml");
	done(r);

	/* the value runs to the last dot of the segment */
	r = mk("GET", "/open311/v2/requests/1.2.json");
	assert_string_equal(matched(r), "GET /open311/v2/requests/{id}.{format}");
	assert_string_equal(r->params[0], "1.2");
	assert_string_equal(r->params[1], "json");
	done(r);

	r = mk("GET", "/open311/v2/requests.xml");
	assert_string_equal(matched(r), "GET /open311/v2/requests.{format}");
	assert_string_equal(r->params[0], "xml");
	done(r);

	/* no dot, no format: not the Open311 route (the static files' then) */
	r = mk("POST", "/open311/v2/requests");
	assert_string_equal(matched(r), "");
	done(r);
	/* an empty id before the dot */
	r = mk("GET", "/open311/v2/requests/.json");
	assert_string_equal(matched(r), "GET /");
	done(r);
}

static void test_prefix_route(void **state)
{
	(void)state;
	static const char *const paths[] = { "/", "/index.html", "/js/pages/race.js", "/api/v1/no-such-thing" };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		req_t *r = mk("GET", paths[i]);
		assert_string_equal(matched(r), "GET /");
		assert_true(r->route->flags & R_PREFIX);
		done(r);
	}
	/* the static files answer GET (and HEAD) only */
	req_t *r = mk("POST", "/index.html");
	assert_string_equal(matched(r), "");
	done(r);
}

static void test_head_is_get(void **state)
{
	(void)state;
	req_t *r = mk("HEAD", "/api/v1/me");
	assert_string_equal(matched(r), "GET /api/v1/me");
	done(r);
	r = mk("HEAD", "/api/v1/users/3");
	assert_string_equal(matched(r), "GET /api/v1/users/{id}");
	assert_string_equal(r->params[0], "3");
	done(r);
	/* HEAD does not reach a write */
	r = mk("HEAD", "/api/v1/race/publish");
	assert_string_equal(matched(r), "GET /");
	done(r);
}

static void test_404_and_405(void **state)
{
	(void)state;
	/* a known path with another method: 405 and every method it has */
	req_t *r = mk("PUT", "/api/v1/users");
	assert_string_equal(matched(r), "");
	router_dispatch(r);
	assert_int_equal(r->status, 405);
	assert_string_equal(error_code(r), "method_not_allowed");
	assert_string_equal(header(r, "Allow"), "GET, POST");
	done(r);

	r = mk("DELETE", "/api/v1/calendar/2021");
	assert_string_equal(matched(r), "");
	router_dispatch(r);
	assert_int_equal(r->status, 405);
	assert_string_equal(header(r, "Allow"), "GET, PUT");
	done(r);

	r = mk("POST", "/api/v1/users/5");
	router_match(r);
	router_dispatch(r);
	assert_int_equal(r->status, 405);
	assert_string_equal(header(r, "Allow"), "GET, PATCH, DELETE");
	done(r);

	/* an unknown path: 404 and no Allow (the static catch-all does not count) */
	r = mk("POST", "/api/v1/no-such-thing");
	router_match(r);
	router_dispatch(r);
	assert_int_equal(r->status, 404);
	assert_string_equal(error_code(r), "not_found");
	assert_null(header(r, "Allow"));
	done(r);

	r = mk("DELETE", "/index.html");
	router_match(r);
	router_dispatch(r);
	assert_int_equal(r->status, 404);
	done(r);
}

/* Every route's method and pattern are well formed: one of the methods
 * the server knows, a pattern that starts with '/', braces that close,
 * at most REQ_MAX_PARAMS parameters, and no (method, path) twice. */
static void test_table_well_formed(void **state)
{
	(void)state;
	static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE" };
	for (int i = 0; i < nroutes; i++) {
		const struct route *rt = &routes[i];
		int known = 0;
		for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++)
			known |= strcmp(rt->method, methods[m]) == 0;
		assert_true(known);
		assert_int_equal(rt->path[0], '/');
		int params = 0, open = 0;
		for (const char *p = rt->path; *p; p++) {
			if (*p == '{') {
				assert_false(open);
				open = 1;
				params++;
			} else if (*p == '}') {
				assert_true(open);
				open = 0;
			}
		}
		assert_false(open);
		assert_true(params <= REQ_MAX_PARAMS);
		for (int j = 0; j < i; j++)
			if (strcmp(routes[j].method, rt->method) == 0 && strcmp(routes[j].path, rt->path) == 0)
				fail_msg("%s %s is in the route table twice", rt->method, rt->path);
	}
}

static const struct route *route_of(const char *method, const char *path)
{
	for (int i = 0; i < nroutes; i++)
		if (strcmp(routes[i].method, method) == 0 && strcmp(routes[i].path, path) == 0)
			return &routes[i];
	fail_msg("%s %s is not in the route table", method, path);
	return NULL;
}

static void test_permits(void **state)
{
	(void)state;
	/* public routes admit nobody logged in too */
	assert_true(route_permits(route_of("POST", "/api/v1/session"), 0));
	assert_true(route_permits(route_of("GET", "/api/v1/settings"), ROLE_ENTERPRISE));
	/* the others need a role they list */
	assert_false(route_permits(route_of("GET", "/api/v1/me"), 0));
	assert_true(route_permits(route_of("GET", "/api/v1/me"), ROLE_ENTERPRISE));
	assert_true(route_permits(route_of("GET", "/api/v1/users"), ROLE_ADMIN));
	assert_false(route_permits(route_of("GET", "/api/v1/users"), ROLE_LEADER));
	assert_true(route_permits(route_of("POST", "/api/v1/leads"), ROLE_RECRUITER));
	assert_false(route_permits(route_of("POST", "/api/v1/leads"), ROLE_OFFICER));
	assert_false(route_permits(route_of("GET", "/api/v1/summary"), ROLE_DEPARTMENT));
	assert_false(route_permits(route_of("GET", "/api/v1/enterprises/export"), ROLE_ENTERPRISE));
	/* by name, as /me lists them */
	assert_true(route_permits_op("GET /api/v1/leads", ROLE_LEADER));
	assert_false(route_permits_op("GET /api/v1/leads", ROLE_STATISTICIAN));
	assert_true(route_permits_op("PATCH /api/v1/enterprises/{id}", ROLE_ENTERPRISE));
	assert_false(route_permits_op("PATCH /api/v1/enterprises/12", ROLE_ADMIN));   /* patterns, not paths */
	assert_false(route_permits_op("GET /api/v1/nothing", ROLE_ADMIN));
	assert_false(route_permits_op("GET", ROLE_ADMIN));
	assert_false(route_permits_op("", ROLE_ADMIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_parameter),
		cmocka_unit_test(test_literal_before_parameter),
		cmocka_unit_test(test_id_dot_format),
		cmocka_unit_test(test_prefix_route),
		cmocka_unit_test(test_head_is_get),
		cmocka_unit_test(test_404_and_405),
		cmocka_unit_test(test_table_well_formed),
		cmocka_unit_test(test_permits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
