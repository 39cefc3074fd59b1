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

/* ---- evaluations (eval.c, eval_store.c, eval_api.c, objections.c, measures.c) ---- */

#endif
