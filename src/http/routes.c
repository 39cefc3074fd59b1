/*
 * routes.c -- the menu.  Every URL the server answers is one line here:
 * method, path pattern, handler, who may call it, flags.  The router
 * enforces the permission and the flags before any handler runs, and
 * /metrics counts requests per line of this table.
 */
#include "http.h"

#include "admin/admin.h"
#include "auth/auth.h"
#include "indicators/indicators.h"
#include "race/race.h"
#include "service/service.h"

const struct route routes[] = {
	/* method   path                            handler               who       flags */
	{ "GET",    "/healthz",                     api_healthz,          P_PUBLIC, 0, 0 },
	{ "GET",    "/metrics",                     api_metrics,          P_PUBLIC, 0, 0 },

	/* session and accounts */
	{ "POST",   "/api/v1/session",              api_login,            P_PUBLIC, R_NOTX | R_NOCSRF, 4096 },
	{ "DELETE", "/api/v1/session",              api_logout,           P_ANY,    0, 0 },
	{ "GET",    "/api/v1/me",                   api_me,               P_ANY,    0, 0 },
	{ "GET",    "/api/v1/users",                api_users_list,       P_ADMIN,  0, 0 },
	{ "POST",   "/api/v1/users",                api_users_create,     P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/users/{id}",           api_user_get,         P_ADMIN,  0, 0 },
	{ "PATCH",  "/api/v1/users/{id}",           api_user_update,      P_ADMIN,  0, 0 },
	{ "DELETE", "/api/v1/users/{id}",           api_user_delete,      P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/audit",                api_audit_list,       P_ADMIN,  0, 0 },

	/* zone settings and reference lists */
	{ "GET",    "/api/v1/settings",             api_settings_get,     P_PUBLIC,    0, 0 },
	{ "PATCH",  "/api/v1/settings",             api_settings_patch,   P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/units",                api_units,            P_ANY,    0, 0 },
	{ "GET",    "/api/v1/streets",              api_streets,          P_ANY,    0, 0 },
	{ "POST",   "/api/v1/streets",              api_streets_create,   P_ADMIN,  0, 0 },
	{ "GET",    "/api/v1/departments",          api_departments,      P_ANY,    0, 0 },
	{ "POST",   "/api/v1/departments",          api_departments_create, P_ADMIN, 0, 0 },
	{ "GET",    "/api/v1/summary",              api_summary,          P_STAFF,  0, 0 },

	/* enterprise service */
	{ "GET",    "/api/v1/enterprises",          api_enterprises_list, P_ANY,    0, 0 },
	{ "GET",    "/api/v1/enterprises/{id}",     api_enterprise_get,   P_ANY,    0, 0 },

	/* investment race */
	{ "GET",    "/api/v1/projects",             api_projects_list,    P_STAFF,  0, 0 },

	/* indicators */
	{ "GET",    "/api/v1/indicators",           api_indicators,       P_STAFF,  0, 0 },

	/* the browser UI: last, catches every other GET */
	{ "GET",    "/",                            static_serve,         P_PUBLIC, R_PREFIX, 0 },
};

const int nroutes = (int)(sizeof routes / sizeof routes[0]);
