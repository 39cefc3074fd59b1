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
#include "policy/policy.h"

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
	const char *event_note;     /* the note of the status change's event (NULL: note, when given) */
	int64_t at;                 /* when the change happens (the demo's history); 0: now */
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
/* Check in against the database without writing anything: for plot id
 * (0: a new one) -- code unique, street and project known, status change
 * allowed, users known (credit codes resolved in place) and within the
 * area.  0, or -1 with err. */
int plot_check(db_t *db, arena_t *a, int64_t id, struct plot_in *in, err_t *err);
/* plot_check(), then create (*id 0: *id set) or update plot *id, its
 * users when given and an event for a status change (by actor, NULL: the
 * command line).  Call it in a transaction: on -1 roll back. */
int plot_save(db_t *db, arena_t *a, const user_t *actor, int64_t *id, struct plot_in *in, err_t *err);
/* Plots written in bulk (the import): plot_bulk_add() keeps a copy of a
 * row that plot_check() passed (exists: its code was a stored plot's);
 * plot_bulk_flush() reads what the kept rows refer to with a query per
 * 500 keys, checks them again as plot_check() does (a row that no longer
 * passes, or whose plot was created or deleted meanwhile, fails the whole
 * flush: 500 with the line), and writes them as plot_save() would, with
 * db_copy and set-based statements; call it before the transaction
 * commits.  actor_id 0: the command line. */
struct plot_bulk;
struct plot_bulk *plot_bulk_new(int64_t actor_id);
int plot_bulk_add(struct plot_bulk *b, int64_t line, const struct plot_in *in, int exists);   /* 0, -1 memory */
size_t plot_bulk_count(const struct plot_bulk *b);
int plot_bulk_flush(db_t *db, struct plot_bulk *b, err_t *err);   /* 0, or -1 with err */
void plot_bulk_free(struct plot_bulk *b);
/* The import's check pass without a query per row: what plot_check()
 * looks up (the plots' codes with what the checks read of them, the
 * streets, projects and enterprises' codes and ids) read at once into a
 * plot_bulk (NULL with err); plot_refs_check() is plot_check() against
 * it, *id the plot of in's code (0: new). */
struct plot_bulk *plot_refs_load(db_t *db, err_t *err);
int plot_refs_check(db_t *db, const struct plot_bulk *refs, arena_t *a, struct plot_in *in, int64_t *id, err_t *err);
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

/* Make department id a land bureau (on 1) or not (0): its department
 * users edit land records.  DB_OK or a DB_ code. */
int land_bureau_set(db_t *db, int64_t department_id, int on);

/* plots_api.c */
void api_plots_list(req_t *r);             /* GET /api/v1/plots */
void api_plots_create(req_t *r);           /* POST /api/v1/plots */
void api_plots_geojson(req_t *r);          /* GET /api/v1/plots/geojson */
void api_plot_get(req_t *r);               /* GET /api/v1/plots/{id} */
void api_plot_update(req_t *r);            /* PATCH /api/v1/plots/{id} */
void api_plot_users(req_t *r);             /* PUT /api/v1/plots/{id}/users */

/* plots_import.c: CSV/XLSX/GeoJSON; the HTTP job and the CLI */
void api_plots_import(req_t *r);           /* POST /api/v1/plots/import (raw body; 202 job) */
int cli_import_plots(int argc, char **argv, db_t *db);

/* ---- evaluations (eval.c, eval_store.c, eval_api.c, objections.c, measures.c) ---- */

/* -- the engine (eval.c): no SQL, no HTTP; exact decimals (policy.h) --
 * The facts an evaluation reads, numbered; LAND_F_LAND names the land as
 * a denominator. */
enum { LAND_F_TAX, LAND_F_REVENUE, LAND_F_VA, LAND_F_ENERGY, LAND_F_EMISSIONS, LAND_F_EMPLOYEES, LAND_F_RD,
       LAND_NFACTS };
#define LAND_F_LAND LAND_NFACTS
extern const char *const land_fact_names[LAND_NFACTS];
#define LAND_MAX_IND 6

/* An indicator: numerator / denominator (facts), its default weight and
 * benchmark (decimal text; benchmark NULL: derived from the facts). */
struct land_ind_def {
	const char *name, *label_zh, *label_en, *unit_zh, *unit_en;
	int num, den;
	const char *weight, *benchmark;
	const char *wfield, *bfield;   /* "weights.NAME", "benchmarks.NAME": error fields */
};
struct land_preset {
	const char *name;
	int n;
	struct land_ind_def ind[LAND_MAX_IND];
};
/* "zhejiang" or "jiangsu"; NULL for another name. */
const struct land_preset *land_preset_find(const char *name);
/* The indicator named name in ps: its index, or -1. */
int land_ind_find(const struct land_preset *ps, const char *name);

enum { LAND_SCOPE_INDUSTRIAL = 0, LAND_SCOPE_ALL = 1 };
enum { LAND_CLASSING_SHARES = 0, LAND_CLASSING_THRESHOLDS = 1 };
/* Where a benchmark came from. */
enum { LAND_BM_GIVEN = 0, LAND_BM_DEFAULT = 1, LAND_BM_PRIOR_YEAR = 2, LAND_BM_CURRENT_YEAR = 3, LAND_BM_NONE = 4 };

struct land_params {
	const struct land_preset *preset;
	int year, scope, classing;
	struct rule_num weight[LAND_MAX_IND], benchmark[LAND_MAX_IND];
	/* in: LAND_BM_GIVEN (benchmark set) or LAND_BM_DEFAULT (the preset's,
	 * or derived); out: what was used */
	int basis[LAND_MAX_IND];
	struct rule_num cap, min_land;
	struct rule_num cls[3];     /* A, B, C: thresholds (scores) or shares (0..1) */
};
/* The preset's defaults: weights, benchmarks (basis LAND_BM_DEFAULT),
 * cap 2, shares 0.2/0.4/0.35, min_land 3, scope industrial. */
void land_params_default(struct land_params *p, const struct land_preset *ps, int year);
/* Check the numbers of p (weights >= 0, benchmarks > 0, cap > 0,
 * min_land >= 0, thresholds A >= B >= C, shares >= 0 summing to <= 1):
 * 0, or -1 with err (422 invalid_parameter, field weights.NAME,
 * benchmarks.NAME, cap, min_land, classing.A ...). */
int land_params_check(const struct land_params *p, err_t *err);

/* One enterprise as the engine reads it: facts of the year and of the
 * year before (the latter only for derived benchmarks). */
struct land_ent {
	int64_t id;
	const char *industry;       /* GB/T 4754 code, "C38": the first letter is the 门类 */
	int founded_year;           /* 0: not known */
	struct rule_num land;       /* 亩 */
	struct rule_num fact[LAND_NFACTS], prev[LAND_NFACTS];
	unsigned char has[LAND_NFACTS], has_prev[LAND_NFACTS];
};
enum { LAND_R_NONE = 0, LAND_R_SMALL_LAND, LAND_R_TOO_NEW, LAND_R_UTILITY };
extern const char *const land_reason_names[4];   /* "", "small_land", "too_new", "utility" */
struct land_res {
	char cls;                   /* 'A'..'D', 'T'; 0: out of scope (not listed) */
	unsigned char reason;       /* LAND_R_*, for T */
	unsigned char has_value[LAND_MAX_IND], imputed[LAND_MAX_IND];
	struct rule_num value[LAND_MAX_IND], score[LAND_MAX_IND];
	struct rule_num total;      /* the scores' sum rounded to 2 decimals, half up */
	int rank;                   /* 1..; equal totals share a rank; 0 for T */
};
struct land_counts {
	size_t in_scope, evaluated, by_class[5];   /* A B C D T */
};
/* Evaluate e[0..n) with p into out[0..n) (same order).  Derived benchmarks
 * are written into p (basis LAND_BM_PRIOR_YEAR / LAND_BM_CURRENT_YEAR /
 * LAND_BM_NONE).  0, or -1 with err (500 out of memory). */
int land_evaluate(const struct land_ent *e, size_t n, struct land_params *p, struct land_res *out,
                  struct land_counts *counts, err_t *err);
/* -- storage (eval_store.c) -- */
/* The enterprises with their land and facts, by id. */
struct land_input {
	size_t n;
	struct land_ent *e;
	unsigned char *from_plots;  /* [i] 1: land is the sum of its plot_users areas */
	arena_t *arena;
};
/* Read the registry, the land and the facts p needs (year, and year - 1
 * for derived benchmarks): 0, or -1 with err (422 no_facts when the year
 * has none; database; out of memory).  Free with land_input_free() in
 * both cases. */
int land_input_load(db_t *db, const struct land_params *p, struct land_input *in, err_t *err);
void land_input_free(struct land_input *in);
/* Publish draft id for days (1..90) from now: publish_until = the zone's
 * date of now + days.  422 days, 404, 409 bad_state (not a draft). */
int land_evaluation_publish(db_t *db, int64_t id, int64_t days, int64_t now, err_t *err);
/* Make published id final (each result's final_class set: the decision
 * of its objection, else its class): 409 bad_state (not published),
 * objections_open (params count), publication_running (params until: the
 * zone's date of now is not after it). */
int land_evaluation_finalize(db_t *db, int64_t id, int64_t now, err_t *err);
/* err = 409 bad_state "the evaluation is STATE, not WANT"; -1. */
int land_err_state(err_t *err, const char *state, const char *want);
/* The params as stored in land_evaluations.params (JSON text). */
void land_params_text(const struct land_params *p, buf_t *b);
struct land_run {
	int64_t id;                 /* the evaluation stored (0: dry run) */
	size_t n;                   /* enterprises read */
	struct land_counts counts;
	double loaded, computed, stored;   /* seconds since the start */
};
/* Evaluate p over the registry and, unless dry_run, store the evaluation
 * (a draft) with its results.  Run it inside a transaction.  0, or -1
 * with err. */
int land_evaluation_run(db_t *db, struct land_params *p, int dry_run, int64_t actor, int64_t now,
                        struct land_run *out, err_t *err);
/* -- the views (eval_view.c) -- */
/* The evaluation (with its results in rank order, T last, when
 * with_results); NULL with err (404 not_found, database). */
json_t *land_evaluation_json(db_t *db, int64_t id, int with_results, err_t *err);
/* {"items":[evaluation without results]}, newest first; year 0: all. */
json_t *land_evaluations_list_json(db_t *db, int year, err_t *err);
/* {"by_street":[..],"by_industry":[..]} of the final classes (else the classes). */
json_t *land_distribution_json(db_t *db, int64_t id, err_t *err);
/* A time column (unix seconds) as JSON, null when NULL. */
json_t *land_time_json(db_stmt_t *st, int col);
/* A stored score column (x 10^4) as a JSON number, null when NULL. */
json_t *land_score_json(db_stmt_t *st, int col);
/* Into o: land_source, imputed, indicators from land_results.indicators. */
void land_result_details(json_t *o, const char *text);
/* The 门类 of an industry code: 'A'..'T', or 0. */
char land_section(const char *industry);
/* The Chinese and English label of a 门类 ("制造业", "Manufacturing"). */
void land_section_label(char section, const char **zh, const char **en);

/* -- HTTP (eval_api.c and the files below); routes.c says who calls them -- */
/* The params of a POST body: 0, or -1 with err (422 required,
 * invalid_parameter with the field: year, preset, scope, weights.NAME,
 * benchmarks.NAME, cap, classing.mode, classing.A.., min_land_mu;
 * unknown_field). */
int land_params_from_json(json_t *o, arena_t *a, struct land_params *p, err_t *err);
void api_land_evaluations_create(req_t *r);
void api_land_evaluations_list(req_t *r);
void api_land_evaluation_get(req_t *r);
void api_land_evaluation_distribution(req_t *r);
void api_land_evaluation_publish(req_t *r);
void api_land_evaluation_finalize(req_t *r);

/* 409 bad_state: "the evaluation is STATE, not WANT" (params state). */
void land_bad_state(req_t *r, const char *state, const char *want);

/* objections.c: an enterprise objects to its published result while the
 * publication runs (ROLE_ENTERPRISE, its own only: others 404), with up to
 * LAND_OBJ_FILES files of at most LAND_OBJ_FILE_MAX bytes; the land
 * bureau decides. */
#define LAND_OBJ_FILES 5
#define LAND_OBJ_FILE_MAX (10u << 20)
/* Objection id as the API shows it (with its files); only > 0: that
 * enterprise's only (another's: 404).  NULL with err. */
json_t *land_objection_json(db_t *db, int64_t id, int64_t only, err_t *err);
/* Enterprise ent objects to its result in evaluation eval_id on the zone's
 * date of now: 404 (no result of its own, or a draft), 422 text (empty,
 * over 4000 characters), 409 not_open (params until), 409 conflict (a
 * second one).  0 with *id. */
int land_objection_create(db_t *db, int64_t eval_id, int64_t ent, const char *text, int64_t actor, int64_t now,
                          int64_t *id, err_t *err);
void api_land_objections_create(req_t *r);      /* POST /land/evaluations/{id}/objections */
void api_land_objections_list(req_t *r);
void api_land_objection_get(req_t *r);
void api_land_objection_file_add(req_t *r);     /* raw body, ?filename= */
void api_land_objection_file_get(req_t *r);
void api_land_objection_decision(req_t *r);

/* measures.c: consecutive final years in class D ending at a year and
 * the electricity surcharge (0.05 / 0.10 / 0.15 元/kWh after 1 / 2 / 3+). */
const char *land_surcharge(int years_in_d);     /* decimal text; NULL for 0 */
json_t *land_rates_json(void);
/* {"year","rates","items":[{enterprise_id,credit_code,name,street,years_in_d,surcharge}]} */
json_t *land_measures_json(db_t *db, int year, err_t *err);
/* [{"year","years_in_d","surcharge"}] of one enterprise, newest first. */
json_t *land_enterprise_measures_json(db_t *db, int64_t enterprise_id, err_t *err);
void api_land_measures(req_t *r);
void api_land_measures_export(req_t *r);

/* eval_plots.c: plots with their users' classes, low-efficiency land,
 * an enterprise's land card. */
/* [{"plot_id","code","name","status","area_mu","street","class","d_share",
 * "users":[..]}] in evaluation eval_id (0: no classes). */
json_t *land_eval_plots(db_t *db, int64_t eval_id, err_t *err);
json_t *land_low_efficiency_json(db_t *db, int64_t eval_id, int64_t year, err_t *err);
/* Reply with the workbook write() makes of o (libxlsxwriter), named filename. */
struct lxw_workbook;
void land_reply_xlsx(req_t *r, const json_t *o, int (*write)(struct lxw_workbook *, const json_t *, err_t *),
                     const char *filename);
void api_land_evaluation_plots(req_t *r);
void api_land_low_efficiency(req_t *r);
void api_land_low_efficiency_export(req_t *r);
void api_land_enterprise(req_t *r);             /* GET /land/enterprises/{id} */
void api_land_evaluation_export(req_t *r);      /* the ranking as XLSX */

/* eval_cli.c: `zoneops land evaluate --year Y [--preset] [--scope]
 * [--dry-run] [--json]` (argv[0] is "evaluate"). */
int cli_land_evaluate(int argc, char **argv, db_t *db);

#endif
