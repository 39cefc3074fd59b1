/*
 * plots_api.c -- the HTTP handlers of plots: they parse the request, call
 * plots.c and answer.  Who reaches them is the route table's (P_LAND_READ,
 * P_LAND_WRITE); every write first asks land_require_editor() (admins and
 * the land bureau's department users).  Writes run in the request's
 * transaction: an error stores nothing.
 */
#include "land/land.h"

#include <string.h>

/* Reply with plot id (full) and status. */
static void reply_plot(req_t *r, int status, int64_t id)
{
	err_t err;
	json_t *o = plot_json(r->db, id, 1, &err);
	if (o == NULL) {
		reply_err(r, &err);
		return;
	}
	r->audit_entity = "plots";
	r->audit_id = arena_printf(r->arena, "%lld", (long long)id);
	reply_json(r, status, o);
}

/* A status filter: NULL (none), else one of the statuses; -1 after 422. */
static int status_query(req_t *r, const char **out)
{
	const char *s = req_query(r, "status");
	*out = s && *s ? s : NULL;
	if (*out && !plot_status_ok(*out)) {
		reply_error(r, 422, "invalid_parameter", "status", "status is not a plot status");
		return -1;
	}
	return 0;
}

void api_plots_list(req_t *r)
{
	struct plot_filter f = { 0 };
	if (req_paging(r, &f.limit, &f.offset) < 0 || status_query(r, &f.status) < 0 ||
	    req_query_id(r, "street_id", &f.street_id) < 0)
		return;
	const char *lu = req_query(r, "land_use");
	f.land_use = lu && *lu ? lu : NULL;
	if (f.land_use && !plot_land_use_ok(f.land_use)) {
		reply_error(r, 422, "invalid_parameter", "land_use", "land_use is not a land use");
		return;
	}
	f.q = like_pattern(r, req_query(r, "q"));
	int64_t total;
	err_t err;
	json_t *items = plots_list(r->db, &f, &total, &err);
	if (items == NULL)
		reply_err(r, &err);
	else
		reply_list(r, items, total, f.limit, f.offset);
}

void api_plots_geojson(req_t *r)
{
	const char *status;
	if (status_query(r, &status) < 0)
		return;
	err_t err;
	json_t *fc = plots_geojson(r->db, status, &err);
	if (fc == NULL)
		reply_err(r, &err);
	else
		reply_json(r, 200, fc);
}

void api_plot_get(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	err_t err;
	json_t *o = id ? plot_json(r->db, id, 1, &err) : NULL;
	if (id == 0)
		reply_error(r, 404, "not_found", NULL, "no such plot");
	else if (o == NULL)
		reply_err(r, &err);
	else
		reply_json(r, 200, o);
}

/* Create (id 0) or update plot id from the body. */
static void save(req_t *r, int64_t id)
{
	if (!land_require_editor(r))
		return;
	json_t *o = req_object(r);
	if (o == NULL)
		return;
	struct plot_in in;
	err_t err;
	int created = id == 0;
	if (plot_in_from_json(r->arena, o, &in, &err) < 0 || plot_save(r->db, r->arena, r->user, &id, &in, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	reply_plot(r, created ? 201 : 200, id);
}

void api_plots_create(req_t *r)
{
	save(r, 0);
}

void api_plot_update(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	if (id == 0) {
		reply_error(r, 404, "not_found", NULL, "no such plot");
		return;
	}
	save(r, id);
}

void api_plot_users(req_t *r)
{
	if (!land_require_editor(r))
		return;
	int64_t id = req_param_id(r, 0);
	struct plot_in in = { 0 };
	err_t err;
	if (id == 0) {
		reply_error(r, 404, "not_found", NULL, "no such plot");
		return;
	}
	if (r->json == NULL) {
		reply_error(r, 400, "body_required", NULL, "a JSON array body is required");
		return;
	}
	if (plot_users_from_json(r->arena, r->json, &in, &err) < 0 || plot_save(r->db, r->arena, r->user, &id, &in, &err) < 0) {
		reply_err(r, &err);
		return;
	}
	reply_plot(r, 200, id);
}
