/*
 * land.h -- land and space regeneration (空间再造, 亩均效益): plots and who
 * uses them, regeneration of plots, the per-mu efficiency evaluation
 * (亩均效益综合评价) with classes A/B/C/D/T, its publication and the
 * enterprises' objections, and the measures the classes drive.
 *
 * Owns the tables plots, plot_users, plot_events, land_evaluations,
 * land_results, land_objections, land_objection_files (migration 11), and
 * departments.land_bureau.  Reads the yearly facts through policy.h.
 * Areas, land and scores are exact decimals x 10^4, like facts.value.
 *
 * Who edits: admins, and the department users of a land bureau
 * (departments.land_bureau = 1); land_editor() says so.  Zone staff read;
 * an enterprise sees only its own published results and objections.
 *
 * Files: land.c (shared helpers), plots*.c and geojson.c (plots, their
 * users, regeneration, import), eval*.c, objections.c, measures.c (the
 * evaluation and what follows from it).
 */
#ifndef ZONEOPS_LAND_H
#define ZONEOPS_LAND_H

#include "http/http.h"

/* land.c */
/* 1 when the caller may edit plots and evaluations: an admin, or a
 * department user whose department is a land bureau.  0 otherwise; -1
 * on a database error. */
int land_editor(db_t *db, const user_t *u);
/* land_editor() for a handler: 1 when it may go on; otherwise it has
 * replied (403 forbidden, or the database error) and returns 0. */
int land_require_editor(req_t *r);

/* ---- plots (plots.c, plots_api.c, plots_import.c, geojson.c) ---- */

/* geojson.c: a plot's outline.  Positions per ring, and in all. */
#define GEOJSON_MAX_RING 10000
#define GEOJSON_MAX_RING_TEXT "10000"
#define GEOJSON_MAX_TOTAL 100000
#define GEOJSON_MAX_TOTAL_TEXT "100000"
/* 0 when geom is a valid GeoJSON Polygon or MultiPolygon in geographic
 * degrees (closed rings of >= 4 positions, outer rings simple); else -1
 * with err: 422 invalid_geometry, field geometry, params reason
 * (not_polygon, bad_structure, bad_coordinates, ring_open,
 * too_few_positions, too_many_positions, self_intersection), polygon (a
 * MultiPolygon's), ring and position (0-based) where they apply. */
int geojson_check(const json_t *geom, err_t *err);
/* The geometry as stored: {"type","coordinates"} compact (malloc'd; NULL
 * on OOM). */
char *geojson_store_text(const json_t *geom);
/* "EPSG:4326" or "EPSG:4490" for the ways people name them (EPSG:4326,
 * 4326, urn:ogc:def:crs:EPSG::4326, CRS84, WGS84; EPSG:4490, CGCS2000,
 * ...), any case; NULL for anything else. */
const char *geojson_crs(const char *s);

/* plots.c: a plot's fields as a request or an imported record gives them
 * (has: the PF_ bits of those given; the rest keep their value, or their
 * default on creation).  Areas are stored decimals (x 10^4). */
enum {
	PF_CODE = 1 << 0, PF_NAME = 1 << 1, PF_AREA = 1 << 2, PF_STREET = 1 << 3, PF_LAND_USE = 1 << 4,
	PF_STATUS = 1 << 5, PF_GEOMETRY = 1 << 6, PF_CRS = 1 << 7, PF_TO_MOVE = 1 << 8, PF_MOVED = 1 << 9,
	PF_FREED = 1 << 10, PF_PROJECT = 1 << 11, PF_INVEST = 1 << 12, PF_NOTE = 1 << 13, PF_USERS = 1 << 14,
};
struct plot_user_in {
	int64_t enterprise_id;      /* 0: by credit_code */
	const char *credit_code;
	int64_t area;               /* x 10^4 */
};
struct plot_in {
	unsigned has;
	const char *code, *name;
	int64_t street_id;          /* 0: none, or by street (a name) */
	const char *street;
	int64_t area;
	const char *land_use, *status, *crs;
	const char *geometry;       /* the stored text (geojson_store_text), NULL: none */
	int64_t to_move, moved, freed, project_id, investment_wan;
	const char *note;
	const char *event_note;     /* the note of the status change's event */
	struct plot_user_in *users;
	size_t nusers;
	const char *users_field;    /* the field users' errors name: "users" (default) */
};
/* A plot's status and land use names; 1 when s is one. */
int plot_status_ok(const char *s);
int plot_land_use_ok(const char *s);
/* 1 when a plot may go from status from to status to (equal: no change). */
int plot_transition_ok(const char *from, const char *to);
/* A plot's area (or a user's): a decimal > 0 with at most 4 decimals and
 * below 10^11, from a JSON number or its text.  0, or -1 with err (422
 * invalid_parameter on field). */
int plot_area_parse_json(const json_t *v, const char *field, int64_t *out, err_t *err);
int plot_area_parse_text(const char *s, const char *field, int64_t *out, err_t *err);
/* A geometry (JSON) checked and made its stored text in a.  0, or -1. */
int plot_geometry_in(arena_t *a, const json_t *g, const char **out, err_t *err);
/* The fields of a POST/PATCH body into in (strings in a).  0, or -1 with
 * err (422 unknown_field, invalid_parameter, invalid_geometry). */
int plot_in_from_json(arena_t *a, json_t *body, struct plot_in *in, err_t *err);
/* PUT users' body ([{"enterprise_id","area_mu"}]) into in (PF_USERS). */
int plot_users_from_json(arena_t *a, const json_t *arr, struct plot_in *in, err_t *err);
/* The plot with code, 0 when none, -1 on a database error. */
int64_t plot_find_code(db_t *db, const char *code);
/* Check in against the database without writing anything: for plot id
 * (0: a new one) -- code unique, street and project known, status change
 * allowed, users known (credit codes resolved in place) and within the
 * area.  0, or -1 with err. */
int plot_check(db_t *db, arena_t *a, int64_t id, struct plot_in *in, err_t *err);
/* plot_check(), then create (*id 0: *id set) or update plot *id, its
 * users when given and an event for a status change (by actor, NULL: the
 * command line).  Call it in a transaction: on -1 roll back. */
int plot_save(db_t *db, arena_t *a, const user_t *actor, int64_t *id, struct plot_in *in, err_t *err);
/* One plot as the API answers (full: with geometry, users and events);
 * NULL with err (404 not_found, or the database). */
json_t *plot_json(db_t *db, int64_t id, int full, err_t *err);
/* GET /api/v1/plots: filters may be NULL (street_id 0: any). */
struct plot_filter {
	const char *status, *land_use, *q;   /* q: a LIKE pattern (like_pattern) */
	int64_t street_id, limit, offset;
};
json_t *plots_list(db_t *db, const struct plot_filter *f, int64_t *total, err_t *err);
/* The FeatureCollection of the plots with a geometry (status NULL: all). */
json_t *plots_geojson(db_t *db, const char *status, err_t *err);

/* plots_api.c */
void api_plots_list(req_t *r);             /* GET /api/v1/plots */
void api_plots_create(req_t *r);           /* POST /api/v1/plots */
void api_plots_geojson(req_t *r);          /* GET /api/v1/plots/geojson */
void api_plot_get(req_t *r);               /* GET /api/v1/plots/{id} */
void api_plot_update(req_t *r);            /* PATCH /api/v1/plots/{id} */
void api_plot_users(req_t *r);             /* PUT /api/v1/plots/{id}/users */

/* ---- evaluations (eval.c, eval_store.c, eval_api.c, objections.c, measures.c) ---- */

#endif
