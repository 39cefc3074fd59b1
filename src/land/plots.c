/*
 * plots.c -- plots (地块), who uses them and their regeneration (空间再造):
 * the rules, for the API (plots_api.c) and the import (plots_import.c).
 *
 * A plot has a unique code, an area in 亩 (> 0, exact to 4 decimals,
 * stored x 10^4), a street, a land use, a status and optionally its
 * outline (geojson.c).  Its status moves freely among in_use, idle and
 * low_efficiency; from those to vacating; then only forward, vacating ->
 * cleared -> redeveloping -> redeveloped, and redeveloped -> in_use again.
 * Every status change is a plot_events row.  Its users (plot_users) are
 * enterprises with the area each uses; together never more than the plot.
 */
#include "land/land.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

static const char *const STATUSES[] = { "in_use", "idle", "low_efficiency", "vacating", "cleared", "redeveloping",
	                                "redeveloped", NULL };
static const char *const LAND_USES[] = { "industrial", "service", "residential", "ecological", NULL };

static int in_list(const char *const *l, const char *s)
{
	for (int i = 0; s && l[i]; i++)
		if (strcmp(l[i], s) == 0)
			return i;
	return -1;
}

int plot_status_ok(const char *s)
{
	return in_list(STATUSES, s) >= 0;
}

int plot_land_use_ok(const char *s)
{
	return in_list(LAND_USES, s) >= 0;
}

int plot_transition_ok(const char *from, const char *to)
{
	int f = in_list(STATUSES, from), t = in_list(STATUSES, to);
	if (f < 0 || t < 0)
		return 0;
	if (f == t || (f <= 2 && t <= 3))   /* in_use/idle/low_efficiency among themselves, or to vacating */
		return 1;
	return (f >= 3 && f <= 5 && t == f + 1) || (f == 6 && t == 0);
}

/* ---- areas ---- */

static void area_text(int64_t stored, char out[RULE_NUM_LEN])
{
	rule_num_format(fact_value_from_stored(stored), out);
}

static int area_stored(struct rule_num n, int ok, const char *shown, const char *field, int64_t *out, err_t *err)
{
	int64_t v = 0;
	if (!ok || fact_value_to_stored(n, &v) < 0 || v <= 0) {
		err_set(err, 422, "invalid_parameter", field,
		        "%s must be an area in mu greater than 0 with at most 4 decimals, not %s", field, shown);
		err_param(err, "value", "%s", shown);
		return -1;
	}
	*out = v;
	return 0;
}

int plot_area_parse_json(const json_t *v, const char *field, int64_t *out, err_t *err)
{
	struct rule_num n = rule_num_int(0);
	int ok = 0;
	char shown[RULE_NUM_LEN] = "a non-number";
	if (json_is_integer(v)) {
		n = rule_num_int(json_integer_value(v));
		ok = 1;
	} else if (json_is_real(v)) {
		ok = rule_num_from_double(json_real_value(v), &n) == 0;
	}
	if (ok)
		rule_num_format(n, shown);
	return area_stored(n, ok, shown, field, out, err);
}

int plot_area_parse_text(const char *s, const char *field, int64_t *out, err_t *err)
{
	struct rule_num n = rule_num_int(0);
	char shown[72];
	snprintf(shown, sizeof shown, "\"%.60s\"", s ? s : "");
	int ok = s && *s && fact_value_parse(s, 1, &n) == 0;
	return area_stored(n, ok, shown, field, out, err);
}

int plot_geometry_in(arena_t *a, const json_t *g, const char **out, err_t *err)
{
	if (json_is_null(g)) {
		*out = NULL;
		return 0;
	}
	if (geojson_check(g, err) < 0)
		return -1;
	char *s = geojson_store_text(g);
	if (s == NULL)
		return err_set(err, 500, "too_large", "geometry", "out of memory");
	*out = arena_strdup(a, s);
	free(s);
	return 0;
}

/* ---- the JSON of a request ---- */

static int bad_field(err_t *err, const char *field, const char *what)
{
	return err_set(err, 422, "invalid_parameter", field, "%s must be %s", field, what);
}

/* A text field: string (trimmed copy in a; "" allowed when empty_ok),
 * at most max characters.  0 or -1. */
static int text_in(arena_t *a, const json_t *v, const char *field, size_t max, int empty_ok, const char **out,
                   err_t *err)
{
	const char *s = json_string_value(v);
	char what[64];
	snprintf(what, sizeof what, "a text of at most %zu characters%s", max, empty_ok ? "" : ", not empty");
	if (s == NULL || !text_ok(s, max, max > 200))
		return bad_field(err, field, what);
	char *t = arena_alloc(a, strlen(s) + 1);
	text_trim_into(s, t, strlen(s) + 1);
	if (!empty_ok && *t == '\0')
		return bad_field(err, field, what);
	*out = t;
	return 0;
}

/* A whole number 0..max, or null as 0 when null_ok. */
static int count_in(const json_t *v, const char *field, int64_t max, int null_ok, int64_t *out, err_t *err)
{
	if (null_ok && json_is_null(v)) {
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return bad_field(err, field, "a whole number not below 0");
	*out = json_integer_value(v);
	return 0;
}

static int enum_in(const json_t *v, const char *field, const char *const *names, const char **out, err_t *err)
{
	int i = in_list(names, json_string_value(v));
	if (i < 0) {
		char what[160] = "one of";
		for (int k = 0; names[k]; k++)
			snprintf(what + strlen(what), sizeof what - strlen(what), "%s %s", k ? "," : "", names[k]);
		return bad_field(err, field, what);
	}
	*out = names[i];
	return 0;
}

/* One member of a POST/PATCH body.  0, 1 (not a plot field), -1. */
static int field_in(arena_t *a, const char *k, json_t *v, struct plot_in *in, err_t *err)
{
	if (strcmp(k, "code") == 0)
		return in->has |= PF_CODE, text_in(a, v, "code", 64, 0, &in->code, err);
	if (strcmp(k, "name") == 0)
		return in->has |= PF_NAME, text_in(a, v, "name", 200, 1, &in->name, err);
	if (strcmp(k, "area_mu") == 0)
		return in->has |= PF_AREA, plot_area_parse_json(v, "area_mu", &in->area, err);
	if (strcmp(k, "street_id") == 0)
		return in->has |= PF_STREET, count_in(v, "street_id", INT64_MAX, 1, &in->street_id, err);
	if (strcmp(k, "street") == 0) {
		in->has |= PF_STREET;
		return json_is_null(v) ? 0 : text_in(a, v, "street", 100, 1, &in->street, err);
	}
	if (strcmp(k, "land_use") == 0)
		return in->has |= PF_LAND_USE, enum_in(v, "land_use", LAND_USES, &in->land_use, err);
	if (strcmp(k, "status") == 0)
		return in->has |= PF_STATUS, enum_in(v, "status", STATUSES, &in->status, err);
	if (strcmp(k, "geometry") == 0)
		return in->has |= PF_GEOMETRY, plot_geometry_in(a, v, &in->geometry, err);
	if (strcmp(k, "crs") == 0) {
		in->has |= PF_CRS;
		in->crs = geojson_crs(json_string_value(v));
		return in->crs ? 0 : bad_field(err, "crs", "EPSG:4326 (WGS 84) or EPSG:4490 (CGCS2000)");
	}
	if (strcmp(k, "to_move") == 0)
		return in->has |= PF_TO_MOVE, count_in(v, "to_move", 1000000, 0, &in->to_move, err);
	if (strcmp(k, "moved") == 0)
		return in->has |= PF_MOVED, count_in(v, "moved", 1000000, 0, &in->moved, err);
	if (strcmp(k, "area_freed_mu") == 0) {
		in->has |= PF_FREED;
		if (json_is_number(v) && json_number_value(v) == 0)
			return in->freed = 0, 0;
		return plot_area_parse_json(v, "area_freed_mu", &in->freed, err);
	}
	if (strcmp(k, "project_id") == 0)
		return in->has |= PF_PROJECT, count_in(v, "project_id", INT64_MAX, 1, &in->project_id, err);
	if (strcmp(k, "investment_wan") == 0)
		return in->has |= PF_INVEST, count_in(v, "investment_wan", (int64_t)1 << 50, 1, &in->investment_wan, err);
	if (strcmp(k, "note") == 0)
		return in->has |= PF_NOTE, text_in(a, v, "note", 2000, 1, &in->note, err);
	if (strcmp(k, "event_note") == 0)
		return text_in(a, v, "event_note", 2000, 1, &in->event_note, err);
	return 1;
}

int plot_in_from_json(arena_t *a, json_t *body, struct plot_in *in, err_t *err)
{
	memset(in, 0, sizeof *in);
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v) {
		int rc = field_in(a, k, v, in, err);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			err_set(err, 422, "unknown_field", arena_strdup(a, k), "unknown field %s", k);
			err_param(err, "value", "%s", k);
			return -1;
		}
	}
	return 0;
}

int plot_users_from_json(arena_t *a, const json_t *arr, struct plot_in *in, err_t *err)
{
	if (!json_is_array(arr))
		return err_set(err, 422, "invalid_parameter", "users", "the body is an array of {enterprise_id, area_mu}");
	size_t n = json_array_size(arr);
	if (n > 10000)
		return err_set(err, 422, "invalid_parameter", "users", "a plot has at most 10000 users");
	in->has |= PF_USERS;
	in->nusers = n;
	in->users = arena_alloc(a, (n ? n : 1) * sizeof *in->users);
	for (size_t i = 0; i < n; i++) {
		const json_t *u = json_array_get(arr, i);
		const json_t *id = json_object_get(u, "enterprise_id");
		if (!json_is_integer(id) || json_integer_value(id) <= 0)
			return err_set(err, 422, "invalid_parameter", arena_printf(a, "users[%zu].enterprise_id", i),
			               "users[%zu].enterprise_id must be an enterprise's id", i);
		in->users[i].enterprise_id = json_integer_value(id);
		if (plot_area_parse_json(json_object_get(u, "area_mu"), arena_printf(a, "users[%zu].area_mu", i),
		                         &in->users[i].area, err) < 0)
			return -1;
		if (json_object_size(u) != 2)
			return err_set(err, 422, "unknown_field", arena_printf(a, "users[%zu]", i),
			               "users[%zu] has fields other than enterprise_id and area_mu", i);
	}
	return 0;
}

/* ---- checks against the database ---- */

/* A plot's row: what is stored (a new one: the defaults) with in laid over. */
struct plot_row {
	const char *code, *name, *land_use, *status, *crs, *geometry, *note;
	int64_t area, street_id, to_move, moved, freed, project_id, investment_wan;
	const char *old_status;     /* "" for a new plot */
	int64_t users_area;         /* the stored users' */
};

/* The columns of a stored plot, as load_row and the bulk writer read them. */
#define ROW_COLS \
	"code, name, land_use, status, crs, geometry, note, area_mu, street_id, to_move, moved, area_freed_mu," \
	" project_id, investment_wan, (SELECT coalesce(sum(area_mu), 0) FROM plot_users WHERE plot_id = p.id)"

/* A new plot's row (the defaults). */
static void row_defaults(struct plot_row *w)
{
	memset(w, 0, sizeof *w);
	w->code = w->name = w->note = w->old_status = "";
	w->land_use = "industrial";
	w->status = "in_use";
	w->crs = "EPSG:4326";
}

/* The ROW_COLS of st's current row from column off into w (strings in a). */
static void row_read(db_stmt_t *st, int off, arena_t *a, struct plot_row *w)
{
	const char **t[] = { &w->code, &w->name, &w->land_use, &w->status, &w->crs, &w->geometry, &w->note };
	for (int i = 0; i < 7; i++)
		*t[i] = db_col_isnull(st, off + i) ? NULL : arena_strdup(a, db_col_text(st, off + i));
	int64_t *n[] = { &w->area, &w->street_id, &w->to_move, &w->moved, &w->freed, &w->project_id, &w->investment_wan,
		         &w->users_area };
	for (int i = 0; i < 8; i++)
		*n[i] = db_col_int(st, off + 7 + i);
	w->old_status = w->status;
}

static int load_row(db_t *db, arena_t *a, int64_t id, struct plot_row *w, err_t *err)
{
	row_defaults(w);
	if (id == 0)
		return 0;
	db_stmt_t *st = db_prepare(db, "SELECT " ROW_COLS " FROM plots p WHERE id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the plot");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW)
		row_read(st, 0, a, w);
	db_done(st);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return err_set(err, 404, "not_found", NULL, "no plot %lld", (long long)id);
	return db_fail(err, db, rc, "reading the plot");
}

static void overlay(const struct plot_in *in, struct plot_row *w)
{
	unsigned h = in->has;
	if (h & PF_CODE)
		w->code = in->code;
	if (h & PF_NAME)
		w->name = in->name;
	if (h & PF_AREA)
		w->area = in->area;
	if (h & PF_STREET)
		w->street_id = in->street_id;
	if (h & PF_LAND_USE)
		w->land_use = in->land_use;
	if (h & PF_STATUS)
		w->status = in->status;
	if (h & PF_GEOMETRY)
		w->geometry = in->geometry;
	if (h & PF_CRS)
		w->crs = in->crs;
	if (h & PF_TO_MOVE)
		w->to_move = in->to_move;
	if (h & PF_MOVED)
		w->moved = in->moved;
	if (h & PF_FREED)
		w->freed = in->freed;
	if (h & PF_PROJECT)
		w->project_id = in->project_id;
	if (h & PF_INVEST)
		w->investment_wan = in->investment_wan;
	if (h & PF_NOTE)
		w->note = in->note;
}

/* The id of a row of sql ($1 = text), 0 when none, -1 with err. */
static int64_t lookup(db_t *db, const char *sql, const char *p, const char *what, err_t *err)
{
	int64_t v = db_int1(db, sql, -2, 1, &p);
	if (v == -2)
		return 0;
	if (v < 0)
		return db_fail(err, db, DB_ERR, what);
	return v;
}

/* What the checks look up: a street by name or id, a project by id, an
 * enterprise by credit code or id, a plot by code. */
enum ref_kind { REF_STREET_NAME, REF_STREET_ID, REF_PROJECT, REF_ENT_CODE, REF_ENT_ID, REF_PLOT_CODE, NREFS };

static const struct {
	const char *sql, *what;
} REF_SQL[NREFS] = {
	[REF_STREET_NAME] = { "SELECT id FROM streets WHERE name = $1", "reading the streets" },
	[REF_STREET_ID] = { "SELECT id FROM streets WHERE id = CAST($1 AS BIGINT)", "reading the streets" },
	[REF_PROJECT] = { "SELECT id FROM projects WHERE id = CAST($1 AS BIGINT)", "reading the projects" },
	[REF_ENT_CODE] = { "SELECT id FROM enterprises WHERE credit_code = $1", "reading the enterprises" },
	[REF_ENT_ID] = { "SELECT id FROM enterprises WHERE id = CAST($1 AS BIGINT)", "reading the enterprises" },
	[REF_PLOT_CODE] = { "SELECT id FROM plots WHERE code = $1", "reading the plots" },
};

/* Where the checks find references: the database, one query each (b
 * NULL), or what the bulk writer read for its batch (plot_bulk). */
struct plot_bulk;
static int64_t bulk_ref(const struct plot_bulk *b, enum ref_kind k, const char *key);

/* The id of key (an id as text for the _ID kinds), 0 when none, -1 with err. */
static int64_t ref(db_t *db, const struct plot_bulk *b, enum ref_kind k, const char *key, err_t *err)
{
	return b ? bulk_ref(b, k, key) : lookup(db, REF_SQL[k].sql, key, REF_SQL[k].what, err);
}

/* Street by name into in->street_id; the ids of street and project known. */
static int check_refs(db_t *db, const struct plot_bulk *b, struct plot_in *in, struct plot_row *w, err_t *err)
{
	char id[24];
	if ((in->has & PF_STREET) && in->street && *in->street && in->street_id == 0) {
		int64_t s = ref(db, b, REF_STREET_NAME, in->street, err);
		if (s < 0)
			return -1;
		if (s == 0) {
			err_set(err, 422, "unknown_street", "street", "no street named %s", in->street);
			return err_param(err, "value", "%s", in->street);
		}
		w->street_id = in->street_id = s;
	}
	snprintf(id, sizeof id, "%lld", (long long)w->street_id);
	int64_t v;
	if ((in->has & PF_STREET) && w->street_id > 0 &&
	    (v = ref(db, b, REF_STREET_ID, id, err)) <= 0)
		return v < 0 ? -1 : bad_field(err, "street_id", "the id of a street");
	snprintf(id, sizeof id, "%lld", (long long)w->project_id);
	if ((in->has & PF_PROJECT) && w->project_id > 0 &&
	    (v = ref(db, b, REF_PROJECT, id, err)) <= 0)
		return v < 0 ? -1 : bad_field(err, "project_id", "the id of a project");
	return 0;
}

static int check_code(db_t *db, const struct plot_bulk *b, int64_t id, const struct plot_row *w, err_t *err)
{
	if (w->code == NULL || *w->code == '\0')
		return err_set(err, 422, "required", "code", "code is required");
	int64_t other = ref(db, b, REF_PLOT_CODE, w->code, err);
	if (other < 0)
		return -1;
	if (other > 0 && other != id) {
		err_set(err, 409, "conflict", "code", "a plot with the code %s exists", w->code);
		return err_param(err, "value", "%s", w->code);
	}
	return 0;
}

static int area_exceeded(err_t *err, const char *field, int64_t plot_area, int64_t users_area)
{
	char pa[RULE_NUM_LEN], ua[RULE_NUM_LEN];
	area_text(plot_area, pa);
	area_text(users_area, ua);
	err_set(err, 422, "area_exceeded", field, "the users' areas add up to %s mu, more than the plot's %s mu", ua, pa);
	err_param(err, "plot_area", "%s", pa);
	err_param(err, "users_area", "%s", ua);
	return -1;
}

/* Users known (credit codes resolved), each once, within the area. */
static int check_users(db_t *db, const struct plot_bulk *b, arena_t *a, struct plot_in *in, struct plot_row *w,
                       err_t *err)
{
	const char *uf = in->users_field ? in->users_field : "users";
	if (!(in->has & PF_USERS))
		return w->users_area > w->area ? area_exceeded(err, "area_mu", w->area, w->users_area) : 0;
	int64_t sum = 0;
	for (size_t i = 0; i < in->nusers; i++) {
		struct plot_user_in *u = &in->users[i];
		char id[24];
		const char *field = in->users_field ? uf : arena_printf(a, "users[%zu].enterprise_id", i);
		int64_t e;
		if (u->enterprise_id == 0)
			e = ref(db, b, REF_ENT_CODE, u->credit_code, err);
		else {
			snprintf(id, sizeof id, "%lld", (long long)u->enterprise_id);
			e = ref(db, b, REF_ENT_ID, id, err);
		}
		if (e < 0)
			return -1;
		if (e == 0) {
			err_set(err, 422, "unknown_enterprise", field, "no enterprise %s is registered",
			        u->credit_code ? u->credit_code : id);
			return err_param(err, "value", "%s", u->credit_code ? u->credit_code : id);
		}
		u->enterprise_id = e;
		for (size_t j = 0; j < i; j++)
			if (in->users[j].enterprise_id == e) {
				err_set(err, 422, "duplicate_user", field, "the enterprise %lld is listed twice", (long long)e);
				return err_param(err, "value", "%lld", (long long)e);
			}
		sum += u->area;
	}
	return sum > w->area ? area_exceeded(err, uf, w->area, sum) : 0;
}

/* The checks of in over w (the stored row, or the defaults of a new one,
 * id 0), w then the row to write. */
static int check_over(db_t *db, const struct plot_bulk *b, arena_t *a, int64_t id, struct plot_in *in,
                      struct plot_row *w, err_t *err)
{
	overlay(in, w);
	if (id == 0 && !(in->has & PF_AREA))
		return err_set(err, 422, "required", "area_mu", "area_mu is required");
	if (check_code(db, b, id, w, err) < 0 || check_refs(db, b, in, w, err) < 0)
		return -1;
	if (*w->old_status && !plot_transition_ok(w->old_status, w->status)) {
		err_set(err, 422, "bad_transition", "status", "a plot cannot go from %s to %s", w->old_status, w->status);
		err_param(err, "from", "%s", w->old_status);
		return err_param(err, "to", "%s", w->status);
	}
	if (w->moved > w->to_move) {
		err_set(err, 422, "invalid_parameter", "moved", "moved (%lld) is more than to_move (%lld)", (long long)w->moved,
		        (long long)w->to_move);
		return err_param(err, "value", "%lld", (long long)w->moved);
	}
	if (w->freed > w->area)
		return area_exceeded(err, "area_freed_mu", w->area, w->freed);
	return check_users(db, b, a, in, w, err);
}

static int check_row(db_t *db, arena_t *a, int64_t id, struct plot_in *in, struct plot_row *w, err_t *err)
{
	return load_row(db, a, id, w, err) < 0 ? -1 : check_over(db, NULL, a, id, in, w, err);
}

int plot_check(db_t *db, arena_t *a, int64_t id, struct plot_in *in, err_t *err)
{
	struct plot_row w;
	return check_row(db, a, id, in, &w, err);
}

/* ---- writing ---- */

static void bind_row(db_stmt_t *st, const struct plot_row *w, int64_t now)
{
	db_bind_text(st, 1, w->code);
	db_bind_text(st, 2, w->name ? w->name : "");
	db_bind_int(st, 3, w->area);
	if (w->street_id > 0)
		db_bind_int(st, 4, w->street_id);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, w->land_use);
	db_bind_text(st, 6, w->status);
	db_bind_text(st, 7, w->geometry);
	db_bind_text(st, 8, w->crs);
	db_bind_int(st, 9, w->to_move);
	db_bind_int(st, 10, w->moved);
	db_bind_int(st, 11, w->freed);
	if (w->project_id > 0)
		db_bind_int(st, 12, w->project_id);
	else
		db_bind_null(st, 12);
	db_bind_int(st, 13, w->investment_wan);
	db_bind_text(st, 14, w->note ? w->note : "");
	db_bind_int(st, 15, now);
}

static int write_row(db_t *db, int64_t *id, const struct plot_row *w, int64_t now, err_t *err)
{
	db_stmt_t *st;
	if (*id == 0)
		st = db_prepare(db,
			"INSERT INTO plots (code, name, area_mu, street_id, land_use, status, geometry, crs, to_move, moved,"
			" area_freed_mu, project_id, investment_wan, note, created_at, updated_at)"
			" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id");
	else
		st = db_prepare(db,
			"UPDATE plots SET code = $1, name = $2, area_mu = $3, street_id = $4, land_use = $5, status = $6,"
			" geometry = $7, crs = $8, to_move = $9, moved = $10, area_freed_mu = $11, project_id = $12,"
			" investment_wan = $13, note = $14, updated_at = $15 WHERE id = $16");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the plot");
	bind_row(st, w, now);
	if (*id)
		db_bind_int(st, 16, *id);
	int rc = db_step(st);
	if (*id == 0 && rc == DB_ROW)
		*id = db_col_int(st, 0), rc = DB_DONE;
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving the plot");
}

static int write_event(db_t *db, int64_t id, const user_t *actor, int64_t at, const char *from, const char *to,
                       const char *note, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "INSERT INTO plot_events (plot_id, at, user_id, from_status, to_status, note)"
	                               " VALUES ($1, $2, $3, $4, $5, $6)");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the plot's event");
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, at);
	if (actor && actor->id > 0)
		db_bind_int(st, 3, actor->id);
	else
		db_bind_null(st, 3);
	db_bind_text(st, 4, from);
	db_bind_text(st, 5, to);
	db_bind_text(st, 6, note ? note : "");
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving the plot's event");
}

static int write_users(db_t *db, int64_t id, const struct plot_in *in, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "DELETE FROM plot_users WHERE plot_id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "saving the plot's users");
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	db_done(st);
	for (size_t i = 0; rc == DB_DONE && i < in->nusers; i++) {
		st = db_prepare(db, "INSERT INTO plot_users (plot_id, enterprise_id, area_mu) VALUES ($1, $2, $3)");
		if (st == NULL)
			return db_fail(err, db, DB_ERR, "saving the plot's users");
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, in->users[i].enterprise_id);
		db_bind_int(st, 3, in->users[i].area);
		rc = db_step(st);
		db_done(st);
	}
	return rc == DB_DONE ? 0 : db_fail(err, db, rc, "saving the plot's users");
}

int plot_save(db_t *db, arena_t *a, const user_t *actor, int64_t *id, struct plot_in *in, err_t *err)
{
	struct plot_row w;
	int64_t at = in->at ? in->at : now_sec();
	if (check_row(db, a, *id, in, &w, err) < 0 || write_row(db, id, &w, at, err) < 0)
		return -1;
	/* the event's note: event_note, else the note given with the change */
	const char *note = in->event_note ? in->event_note : (in->has & PF_NOTE) ? in->note : NULL;
	if (strcmp(w.old_status, w.status) != 0 && write_event(db, *id, actor, at, w.old_status, w.status, note, err) < 0)
		return -1;
	return (in->has & PF_USERS) ? write_users(db, *id, in, err) : 0;
}

/* ---- writing in bulk (the import) ----
 * plot_bulk_add() keeps a checked row; plot_bulk_flush() reads what the
 * rows refer to with one query per BULK_IN keys (the stored plots of
 * their codes, streets, projects, enterprises), runs plot_check's checks
 * on that in memory, then writes: the new plots with one COPY (their ids
 * read back by code), the updated ones staged with one COPY into a
 * temporary table and one UPDATE ... FROM, the status events and the
 * users with one COPY each (the users replaced with one DELETE). */

#define BULK_IN 500   /* the keys of one IN list */

struct keyid {
	const char *key;
	int64_t id;
};

struct stored {
	const char *code;
	int64_t id;
	struct plot_row w;
};

struct bulk_row {
	struct plot_in in;
	int64_t line, id;
	int exists;                 /* what the caller found: the code is a stored plot's */
	struct plot_row w;
};

struct plot_bulk {
	arena_t *a;                 /* the rows and what a flush read; emptied by each flush */
	struct bulk_row *rows;
	size_t n, cap;
	int64_t actor_id;
	struct keyid *k[NREFS];     /* what a flush read, sorted by key */
	size_t nk[NREFS], ck[NREFS];
	struct stored *stored;      /* the stored plots of the rows' codes, sorted by code */
	size_t nstored, cstored;
};

static int cmp_keyid(const void *x, const void *y)
{
	return strcmp(((const struct keyid *)x)->key, ((const struct keyid *)y)->key);
}

static int cmp_stored(const void *x, const void *y)
{
	return strcmp(((const struct stored *)x)->code, ((const struct stored *)y)->code);
}

static int64_t bulk_ref(const struct plot_bulk *b, enum ref_kind k, const char *key)
{
	struct keyid q = { key, 0 };
	const struct keyid *f = b->nk[k] ? bsearch(&q, b->k[k], b->nk[k], sizeof q, cmp_keyid) : NULL;
	return f ? f->id : 0;
}

/* Room for one more of n in *v (elements of size sz, capacity *cap). */
static int grow(void **v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? 2 * *cap : 64;
	void *p = realloc(*v, c * sz);
	if (p == NULL)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

static int put_key(struct plot_bulk *b, enum ref_kind k, const char *key, int64_t id)
{
	if (grow((void **)&b->k[k], b->nk[k], &b->ck[k], sizeof *b->k[k]) < 0)
		return -1;
	b->k[k][b->nk[k]++] = (struct keyid){ arena_strdup(b->a, key), id };
	return 0;
}

struct plot_bulk *plot_bulk_new(int64_t actor_id)
{
	struct plot_bulk *b = calloc(1, sizeof *b);
	if (b && (b->a = arena_new()) == NULL) {
		free(b);
		return NULL;
	}
	if (b)
		b->actor_id = actor_id;
	return b;
}

size_t plot_bulk_count(const struct plot_bulk *b)
{
	return b ? b->n : 0;
}

/* Forget the rows and what was read. */
static void bulk_reset(struct plot_bulk *b)
{
	for (int k = 0; k < NREFS; k++)
		b->nk[k] = 0;
	b->n = b->nstored = 0;
	arena_free(b->a);
	b->a = arena_new();
}

void plot_bulk_free(struct plot_bulk *b)
{
	if (b == NULL)
		return;
	for (int k = 0; k < NREFS; k++)
		free(b->k[k]);
	free(b->rows);
	free(b->stored);
	arena_free(b->a);
	free(b);
}

int plot_bulk_add(struct plot_bulk *b, int64_t line, const struct plot_in *in, int exists)
{
	if (b->a == NULL || grow((void **)&b->rows, b->n, &b->cap, sizeof *b->rows) < 0)
		return -1;
	struct bulk_row *r = &b->rows[b->n++];
	memset(r, 0, sizeof *r);
	r->line = line;
	r->exists = exists;
	r->in = *in;
	arena_t *a = b->a;
	/* users_field stays: a field name of the caller's (errors keep it past the flush) */
	const char **s[] = { &r->in.code, &r->in.name, &r->in.street, &r->in.land_use, &r->in.status, &r->in.crs,
		             &r->in.geometry, &r->in.note, &r->in.event_note };
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		*s[i] = arena_strdup(a, *s[i]);
	r->in.users = in->nusers ? arena_alloc(a, in->nusers * sizeof *in->users) : NULL;
	for (size_t i = 0; i < in->nusers; i++) {
		r->in.users[i] = in->users[i];
		r->in.users[i].credit_code = arena_strdup(a, in->users[i].credit_code);
	}
	return 0;
}

/* sql with its IN list ($1..$BULK_IN) over keys[0..n), in lists of
 * BULK_IN (the rest bound NULL): text keys, or ids (ints 1).  Each row
 * of the answer to fn.  DB_OK or a DB_ code. */
static int in_query(db_t *db, const char *sql, const char *const *keys, size_t n, int ints,
                    int (*fn)(struct plot_bulk *b, db_stmt_t *st, void *x), struct plot_bulk *b, void *x)
{
	int rc = DB_OK;
	for (size_t i = 0; i < n && rc == DB_OK; i += BULK_IN) {
		db_stmt_t *st = db_prepare(db, sql);
		if (st == NULL)
			return DB_ERR;
		for (size_t k = 0; k < BULK_IN; k++) {
			if (i + k >= n)
				db_bind_null(st, (int)k + 1);
			else if (ints)
				db_bind_int(st, (int)k + 1, strtoll(keys[i + k], NULL, 10));
			else
				db_bind_text(st, (int)k + 1, keys[i + k]);
		}
		while ((rc = db_step(st)) == DB_ROW)
			if (fn && fn(b, st, x) < 0)
				break;
		db_done(st);
		rc = rc == DB_DONE ? DB_OK : rc == DB_ROW ? DB_ERR : rc;
	}
	return rc;
}

/* The statements with an IN list of BULK_IN parameters: built once, in
 * static storage (the store caches a statement by its text's address). */
enum { IN_PLOTS, IN_STREETS, IN_PROJECTS, IN_ENT_CODES, IN_ENT_IDS, IN_NEW_IDS, IN_DEL_USERS, NIN };
static const char *const IN_HEAD[NIN] = {
	[IN_PLOTS] = "SELECT p.id, p.code, " ROW_COLS " FROM plots p WHERE p.code IN",
	[IN_STREETS] = "SELECT id, name FROM streets WHERE name IN",
	[IN_PROJECTS] = "SELECT id, id FROM projects WHERE id IN",
	[IN_ENT_CODES] = "SELECT id, credit_code FROM enterprises WHERE credit_code IN",
	[IN_ENT_IDS] = "SELECT id, id FROM enterprises WHERE id IN",
	[IN_NEW_IDS] = "SELECT id, code FROM plots WHERE code IN",
	[IN_DEL_USERS] = "DELETE FROM plot_users WHERE plot_id IN",
};
#define IN_SQL_LEN (512 + 8 * BULK_IN)
static char in_sql_text[NIN][IN_SQL_LEN];
static pthread_once_t in_sql_once = PTHREAD_ONCE_INIT;

static void in_sql_build(void)
{
	for (int q = 0; q < NIN; q++) {
		char *s = in_sql_text[q];
		size_t len = IN_SQL_LEN, at = (size_t)snprintf(s, len, "%s (", IN_HEAD[q]);
		for (int i = 1; i <= BULK_IN && at < len; i++)
			at += (size_t)snprintf(s + at, len - at, i > 1 ? ", $%d" : "$%d", i);
		if (at < len)
			snprintf(s + at, len - at, ")");
	}
}

/* "HEAD ($1, ..., $BULK_IN)" of statement q. */
static const char *in_sql(int q)
{
	pthread_once(&in_sql_once, in_sql_build);
	return in_sql_text[q];
}

/* An answer row (id, key) as a key of kind x (an enum ref_kind; the
 * _ID kinds and projects: key the id). */
static int got_key(struct plot_bulk *b, db_stmt_t *st, void *x)
{
	enum ref_kind k = *(const enum ref_kind *)x;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)db_col_int(st, 0));
	const char *key = k == REF_STREET_ID || k == REF_PROJECT || k == REF_ENT_ID ? id : db_col_text(st, 1);
	int rc = put_key(b, k, key, db_col_int(st, 0));
	if (rc == 0 && k == REF_STREET_NAME)   /* a street found by name is known by its id too */
		rc = put_key(b, REF_STREET_ID, id, db_col_int(st, 0));
	return rc;
}

/* An answer row (id, code, ROW_COLS) as a stored plot. */
static int got_plot(struct plot_bulk *b, db_stmt_t *st, void *x)
{
	if (grow((void **)&b->stored, b->nstored, &b->cstored, sizeof *b->stored) < 0)
		return -1;
	struct stored *p = &b->stored[b->nstored++];
	p->id = db_col_int(st, 0);
	p->code = arena_strdup(b->a, db_col_text(st, 1));
	row_read(st, 2, b->a, &p->w);
	return put_key(b, REF_PLOT_CODE, p->code, p->id);
}

static void sort_read(struct plot_bulk *b)
{
	for (int k = 0; k < NREFS; k++)
		if (b->nk[k])
			qsort(b->k[k], b->nk[k], sizeof *b->k[k], cmp_keyid);
	if (b->nstored)
		qsort(b->stored, b->nstored, sizeof *b->stored, cmp_stored);
}

/* Read what the rows refer to.  DB_OK or a DB_ code. */
static int bulk_read(db_t *db, struct plot_bulk *b)
{
	static const struct {
		enum ref_kind k;
		int ints, sql;
	} Q[] = {
		{ REF_PLOT_CODE, 0, IN_PLOTS }, { REF_STREET_NAME, 0, IN_STREETS }, { REF_PROJECT, 1, IN_PROJECTS },
		{ REF_ENT_CODE, 0, IN_ENT_CODES }, { REF_ENT_ID, 1, IN_ENT_IDS },
	};
	size_t nq = sizeof Q / sizeof Q[0], cap = 0, n = 0;
	const char **keys = NULL;
	int rc = DB_OK;
	for (size_t q = 0; q < nq && rc == DB_OK; q++) {
		n = 0;
		for (size_t i = 0; i < b->n; i++) {
			const struct plot_in *in = &b->rows[i].in;
			size_t m = Q[q].k == REF_ENT_CODE || Q[q].k == REF_ENT_ID ? in->nusers : 1;
			for (size_t u = 0; u < m; u++) {
				const char *key = NULL;
				if (Q[q].k == REF_PLOT_CODE)   /* a new one's code is checked by its INSERT */
					key = b->rows[i].exists ? in->code : NULL;
				else if (Q[q].k == REF_STREET_NAME && (in->has & PF_STREET) && in->street && *in->street)
					key = in->street;
				else if (Q[q].k == REF_PROJECT && (in->has & PF_PROJECT) && in->project_id > 0)
					key = arena_printf(b->a, "%lld", (long long)in->project_id);
				else if (Q[q].k == REF_ENT_CODE && (in->has & PF_USERS) && in->users[u].enterprise_id == 0)
					key = in->users[u].credit_code;
				else if (Q[q].k == REF_ENT_ID && (in->has & PF_USERS) && in->users[u].enterprise_id > 0)
					key = arena_printf(b->a, "%lld", (long long)in->users[u].enterprise_id);
				if (key == NULL)
					continue;
				if (grow((void **)&keys, n, &cap, sizeof *keys) < 0) {
					free(keys);
					return DB_ERR;
				}
				keys[n++] = key;
			}
		}
		enum ref_kind k = Q[q].k;
		rc = in_query(db, in_sql(Q[q].sql), keys, n, Q[q].ints, k == REF_PLOT_CODE ? got_plot : got_key, b, &k);
	}
	free(keys);
	sort_read(b);
	return rc;
}

/* Each row's checks over its stored plot (or a new one's defaults): the
 * row to write in r->w.  0, or -1 with err naming the line. */
static int bulk_check(db_t *db, struct plot_bulk *b, err_t *err)
{
	for (size_t i = 0; i < b->n; i++) {
		struct bulk_row *r = &b->rows[i];
		struct stored q = { .code = r->in.code };
		const struct stored *s = b->nstored ? bsearch(&q, b->stored, b->nstored, sizeof q, cmp_stored) : NULL;
		if (s) {
			r->w = s->w;
			r->id = s->id;
		} else
			row_defaults(&r->w);
		err_t e;
		if ((s != NULL) != r->exists) {
			err_set(&e, 409, "conflict", "code", "the plot %s was %s meanwhile", r->in.code,
			        r->exists ? "deleted" : "created");
			err_param(&e, "value", "%s", r->in.code);
		} else if (check_over(db, b, b->a, r->id, &r->in, &r->w, &e) == 0)
			continue;
		err_set(err, 500, e.code, e.field, "line %lld: %s", (long long)r->line, e.message);
		return err_param(err, "line", "%lld", (long long)r->line);
	}
	return 0;
}

/* The plots row of w (the columns of INSERT and of the staging table,
 * without created_at) into c. */
static void copy_row(db_copy_t *c, const struct plot_row *w, int64_t now)
{
	db_copy_text(c, w->code);
	db_copy_text(c, w->name ? w->name : "");
	db_copy_int(c, w->area);
	db_copy_id(c, w->street_id);
	db_copy_text(c, w->land_use);
	db_copy_text(c, w->status);
	db_copy_text(c, w->geometry);
	db_copy_text(c, w->crs);
	db_copy_int(c, w->to_move);
	db_copy_int(c, w->moved);
	db_copy_int(c, w->freed);
	db_copy_id(c, w->project_id);
	db_copy_int(c, w->investment_wan);
	db_copy_text(c, w->note ? w->note : "");
	db_copy_int(c, now);
}

#define PLOT_COPY_COLS \
	"code, name, area_mu, street_id, land_use, status, geometry, crs, to_move, moved, area_freed_mu, project_id," \
	" investment_wan, note, updated_at"

/* An answer row (id, code) as the id of the new row of that code. */
static int got_new(struct plot_bulk *b, db_stmt_t *st, void *x)
{
	(void)x;
	struct keyid q = { db_col_text(st, 1), 0 };
	const struct keyid *f = b->nk[REF_PLOT_CODE] ? bsearch(&q, b->k[REF_PLOT_CODE], b->nk[REF_PLOT_CODE], sizeof q,
	                                                         cmp_keyid) : NULL;
	if (f)
		b->rows[f->id].id = db_col_int(st, 0);
	return 0;
}

/* The new plots: one COPY, then their ids by code. */
static int write_new(db_t *db, struct plot_bulk *b, int64_t now)
{
	db_copy_t *c = NULL;
	const char **codes = calloc(b->n + 1, sizeof *codes);
	size_t n = 0;
	if (codes == NULL)
		return DB_ERR;
	b->nk[REF_PLOT_CODE] = 0;   /* now: the new rows' codes, id the row's index */
	for (size_t i = 0; i < b->n; i++) {
		if (b->rows[i].id)
			continue;
		if (c == NULL)
			c = db_copy_begin(db, "plots", PLOT_COPY_COLS ", created_at", 16);
		copy_row(c, &b->rows[i].w, now);
		db_copy_int(c, now);
		db_copy_row(c);
		codes[n++] = b->rows[i].in.code;
		if (put_key(b, REF_PLOT_CODE, b->rows[i].in.code, (int64_t)i) < 0) {
			db_copy_end(c);
			free(codes);
			return DB_ERR;
		}
	}
	int rc = c ? db_copy_end(c) : DB_OK;
	sort_read(b);
	if (rc == DB_OK && n)
		rc = in_query(db, in_sql(IN_NEW_IDS), codes, n, 0, got_new, b, NULL);
	free(codes);
	for (size_t i = 0; i < b->n && rc == DB_OK; i++)
		if (b->rows[i].id == 0)
			rc = DB_ERR;
	return rc;
}

/* The updated plots: staged with one COPY, written with one UPDATE. */
static int write_updated(db_t *db, struct plot_bulk *b, int64_t now)
{
	size_t n = 0;
	for (size_t i = 0; i < b->n; i++)
		n += b->rows[i].exists;
	if (n == 0)
		return DB_OK;
	int rc = db_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS plot_stage (id BIGINT, code TEXT, name TEXT,"
	                     " area_mu BIGINT, street_id BIGINT, land_use TEXT, status TEXT, geometry TEXT, crs TEXT,"
	                     " to_move BIGINT, moved BIGINT, area_freed_mu BIGINT, project_id BIGINT, investment_wan BIGINT,"
	                     " note TEXT, updated_at BIGINT)");
	if (rc != DB_OK)
		return rc;
	db_copy_t *c = db_copy_begin(db, "plot_stage", "id, " PLOT_COPY_COLS, 16);
	for (size_t i = 0; i < b->n; i++) {
		if (!b->rows[i].exists)
			continue;
		db_copy_int(c, b->rows[i].id);
		copy_row(c, &b->rows[i].w, now);
		db_copy_row(c);
	}
	if ((rc = db_copy_end(c)) == DB_OK)
		rc = db_exec(db, "UPDATE plots SET code = s.code, name = s.name, area_mu = s.area_mu, street_id = s.street_id,"
		                 " land_use = s.land_use, status = s.status, geometry = s.geometry, crs = s.crs,"
		                 " to_move = s.to_move, moved = s.moved, area_freed_mu = s.area_freed_mu,"
		                 " project_id = s.project_id, investment_wan = s.investment_wan, note = s.note,"
		                 " updated_at = s.updated_at FROM plot_stage s WHERE plots.id = s.id");
	int rc2 = db_stage_clear(db, "plot_stage");
	return rc != DB_OK ? rc : rc2;
}

/* The status changes' events, in the rows' order: one COPY. */
static int write_events(db_t *db, struct plot_bulk *b, int64_t now)
{
	db_copy_t *c = NULL;
	for (size_t i = 0; i < b->n; i++) {
		const struct bulk_row *r = &b->rows[i];
		if (strcmp(r->w.old_status, r->w.status) == 0)
			continue;
		const char *note = r->in.event_note ? r->in.event_note : (r->in.has & PF_NOTE) ? r->in.note : NULL;
		if (c == NULL)
			c = db_copy_begin(db, "plot_events", "plot_id, at, user_id, from_status, to_status, note", 6);
		db_copy_int(c, r->id);
		db_copy_int(c, r->in.at ? r->in.at : now);
		db_copy_id(c, b->actor_id);
		db_copy_text(c, r->w.old_status);
		db_copy_text(c, r->w.status);
		db_copy_text(c, note ? note : "");
		db_copy_row(c);
	}
	return c ? db_copy_end(c) : DB_OK;
}

/* The users of the rows that give them: the stored ones deleted (one
 * statement per BULK_IN plots), the new ones in one COPY. */
static int write_users_bulk(db_t *db, struct plot_bulk *b)
{
	const char **ids = calloc(b->n + 1, sizeof *ids);
	size_t n = 0;
	if (ids == NULL)
		return DB_ERR;
	for (size_t i = 0; i < b->n; i++)
		if ((b->rows[i].in.has & PF_USERS) && b->rows[i].exists)
			ids[n++] = arena_printf(b->a, "%lld", (long long)b->rows[i].id);
	int rc = n ? in_query(db, in_sql(IN_DEL_USERS), ids, n, 1, NULL, b, NULL) : DB_OK;
	free(ids);
	db_copy_t *c = NULL;
	for (size_t i = 0; i < b->n && rc == DB_OK; i++) {
		const struct bulk_row *r = &b->rows[i];
		for (size_t u = 0; (r->in.has & PF_USERS) && u < r->in.nusers; u++) {
			if (c == NULL)
				c = db_copy_begin(db, "plot_users", "plot_id, enterprise_id, area_mu", 3);
			db_copy_int(c, r->id);
			db_copy_int(c, r->in.users[u].enterprise_id);
			db_copy_int(c, r->in.users[u].area);
			db_copy_row(c);
		}
	}
	int rc2 = c ? db_copy_end(c) : DB_OK;
	return rc != DB_OK ? rc : rc2;
}

int plot_bulk_flush(db_t *db, struct plot_bulk *b, err_t *err)
{
	if (b == NULL || b->n == 0)
		return 0;
	if (b->a == NULL)
		return err_set(err, 500, "too_large", NULL, "out of memory");
	int64_t now = now_sec();
	int rc = bulk_read(db, b);
	if (rc != DB_OK) {
		bulk_reset(b);
		return db_fail(err, db, rc, "reading the plots' references");
	}
	if (bulk_check(db, b, err) < 0) {
		bulk_reset(b);
		return -1;
	}
	if ((rc = write_new(db, b, now)) == DB_OK && (rc = write_updated(db, b, now)) == DB_OK &&
	    (rc = write_events(db, b, now)) == DB_OK)
		rc = write_users_bulk(db, b);
	bulk_reset(b);
	return rc == DB_OK ? 0 : db_fail(err, db, rc, "saving the plots");
}


/* ---- the import's checks: the references read once ---- */

/* Every row of sql as keys of kind k (got_key) or stored plots. */
static int all_query(db_t *db, struct plot_bulk *b, const char *sql, enum ref_kind k)
{
	db_stmt_t *st = db_prepare(db, sql);
	if (st == NULL)
		return DB_ERR;
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		if ((k == REF_PLOT_CODE ? got_plot(b, st, NULL) : got_key(b, st, &k)) < 0)
			break;
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc == DB_ROW ? DB_ERR : rc;
}

struct plot_bulk *plot_refs_load(db_t *db, err_t *err)
{
	static const struct {
		enum ref_kind k;
		const char *sql;
	} Q[] = {
		/* what the checks look at: no name, outline or note */
		{ REF_PLOT_CODE, "SELECT p.id, p.code, p.code, '', p.land_use, p.status, p.crs, NULL, '', p.area_mu, p.street_id,"
		                 " p.to_move, p.moved, p.area_freed_mu, p.project_id, p.investment_wan, coalesce(u.area, 0)"
		                 " FROM plots p LEFT JOIN (SELECT plot_id, sum(area_mu) AS area FROM plot_users GROUP BY plot_id) u"
		                 " ON u.plot_id = p.id" },
		{ REF_STREET_NAME, "SELECT id, name FROM streets" },
		{ REF_PROJECT, "SELECT id, id FROM projects" },
		{ REF_ENT_CODE, "SELECT id, credit_code FROM enterprises" },
		{ REF_ENT_ID, "SELECT id, id FROM enterprises" },
	};
	struct plot_bulk *b = plot_bulk_new(0);
	if (b == NULL) {
		err_set(err, 500, "too_large", NULL, "out of memory");
		return NULL;
	}
	int rc = DB_OK;
	for (size_t q = 0; q < sizeof Q / sizeof Q[0] && rc == DB_OK; q++)
		rc = all_query(db, b, Q[q].sql, Q[q].k);
	if (rc != DB_OK) {
		db_fail(err, db, rc, "reading the plots' references");
		plot_bulk_free(b);
		return NULL;
	}
	sort_read(b);
	return b;
}

int plot_refs_check(db_t *db, const struct plot_bulk *refs, arena_t *a, struct plot_in *in, int64_t *id, err_t *err)
{
	struct stored q = { .code = in->code ? in->code : "" };
	const struct stored *s = refs->nstored ? bsearch(&q, refs->stored, refs->nstored, sizeof q, cmp_stored) : NULL;
	struct plot_row w;
	if (s)
		w = s->w;
	else
		row_defaults(&w);
	*id = s ? s->id : 0;
	return check_over(db, refs, a, *id, in, &w, err);
}

/* ---- reading ---- */

#define PLOT_COLS \
	"SELECT p.id, p.code, p.name, p.area_mu, p.street_id, s.name AS street, p.land_use, p.status, p.geometry, p.crs," \
	" p.to_move, p.moved, p.area_freed_mu, p.project_id, p.investment_wan, p.note, p.created_at, p.updated_at," \
	" pr.name, pr.stage, un.name, (SELECT coalesce(sum(area_mu), 0) FROM plot_users WHERE plot_id = p.id)" \
	" FROM plots p LEFT JOIN streets s ON s.id = p.street_id LEFT JOIN projects pr ON pr.id = p.project_id" \
	" LEFT JOIN units un ON un.id = pr.unit_id"

static json_t *area_json(int64_t stored)
{
	return json_decimal(fact_value_from_stored(stored));
}

/* The current row of PLOT_COLS as the API's plot (geometry only when full). */
static json_t *row_plot(db_stmt_t *st, int full)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
	json_object_set_new(o, "code", json_string(db_col_text(st, 1)));
	json_object_set_new(o, "name", json_string(db_col_text(st, 2)));
	json_object_set_new(o, "area_mu", area_json(db_col_int(st, 3)));
	json_object_set_new(o, "street_id", db_col_isnull(st, 4) ? json_null() : json_integer(db_col_int(st, 4)));
	json_object_set_new(o, "street", db_col_isnull(st, 5) ? json_null() : json_string(db_col_text(st, 5)));
	json_object_set_new(o, "land_use", json_string(db_col_text(st, 6)));
	json_object_set_new(o, "status", json_string(db_col_text(st, 7)));
	if (full)
		json_object_set_new(o, "geometry", db_col_isnull(st, 8) ? json_null() : json_loads(db_col_text(st, 8), 0, NULL));
	else
		json_object_set_new(o, "has_geometry", json_boolean(!db_col_isnull(st, 8)));
	json_object_set_new(o, "crs", json_string(db_col_text(st, 9)));
	json_object_set_new(o, "to_move", json_integer(db_col_int(st, 10)));
	json_object_set_new(o, "moved", json_integer(db_col_int(st, 11)));
	json_object_set_new(o, "area_freed_mu", area_json(db_col_int(st, 12)));
	json_object_set_new(o, "project_id", db_col_isnull(st, 13) ? json_null() : json_integer(db_col_int(st, 13)));
	json_object_set_new(o, "project", db_col_isnull(st, 13) ? json_null()
	                    : json_pack("{s:I s:s s:s s:s}", "id", (json_int_t)db_col_int(st, 13), "name", db_col_text(st, 18),
	                                "stage", db_col_text(st, 19), "unit", db_col_text(st, 20)));
	json_object_set_new(o, "investment_wan", json_integer(db_col_int(st, 14)));
	json_object_set_new(o, "note", json_string(db_col_text(st, 15)));
	json_object_set_new(o, "users_area_mu", area_json(db_col_int(st, 21)));
	json_object_set_new(o, "created_at", json_integer(db_col_int(st, 16)));
	json_object_set_new(o, "updated_at", json_integer(db_col_int(st, 17)));
	return o;
}

/* The users of plot id: [{enterprise_id, credit_code, name, area_mu}]
 * (brief: without credit_code and name).  NULL on a database error. */
static json_t *users_json(db_t *db, int64_t id, int brief)
{
	db_stmt_t *st = db_prepare(db, "SELECT u.enterprise_id, e.credit_code, e.name, u.area_mu FROM plot_users u"
	                               " JOIN enterprises e ON e.id = u.enterprise_id WHERE u.plot_id = $1"
	                               " ORDER BY u.area_mu DESC, e.credit_code");
	if (st == NULL)
		return NULL;
	db_bind_int(st, 1, id);
	json_t *a = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *u = json_pack("{s:I s:o}", "enterprise_id", (json_int_t)db_col_int(st, 0), "area_mu",
		                      area_json(db_col_int(st, 3)));
		if (!brief) {
			json_object_set_new(u, "credit_code", json_string(db_col_text(st, 1)));
			json_object_set_new(u, "name", json_string(db_col_text(st, 2)));
		}
		json_array_append_new(a, u);
	}
	db_done(st);
	if (rc != DB_DONE) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *events_json(db_t *db, int64_t id)
{
	return rows_json_by_id(db, "SELECT ev.at, ev.from_status, ev.to_status, ev.note,"
	                           " coalesce(nullif(u.display_name, ''), u.username) AS user"
	                           " FROM plot_events ev LEFT JOIN users u ON u.id = ev.user_id"
	                           " WHERE ev.plot_id = $1 ORDER BY ev.at, ev.id", id, "isssss");
}

json_t *plot_json(db_t *db, int64_t id, int full, err_t *err)
{
	db_stmt_t *st = db_prepare(db, PLOT_COLS " WHERE p.id = $1");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the plot"), NULL;
	db_bind_int(st, 1, id);
	int rc = db_step(st);
	json_t *o = rc == DB_ROW ? row_plot(st, full) : NULL;
	db_done(st);
	if (rc == DB_DONE)
		return err_set(err, 404, "not_found", NULL, "no plot %lld", (long long)id), NULL;
	if (o == NULL)
		return db_fail(err, db, rc, "reading the plot"), NULL;
	json_t *u = users_json(db, id, 0), *ev = full ? events_json(db, id) : json_array();
	if (u == NULL || ev == NULL) {
		json_decref(o);
		json_decref(u);
		json_decref(ev);
		return db_fail(err, db, DB_ERR, "reading the plot"), NULL;
	}
	json_object_set_new(o, "users", u);
	if (full)
		json_object_set_new(o, "events", ev);
	else
		json_decref(ev);
	return o;
}

#define PLOT_WHERE \
	" WHERE (CAST($1 AS TEXT) IS NULL OR p.status = $1) AND (CAST($2 AS TEXT) IS NULL OR p.land_use = $2)" \
	" AND (CAST($3 AS BIGINT) IS NULL OR p.street_id = $3)" \
	" AND (CAST($4 AS TEXT) IS NULL OR lower(p.code) LIKE lower($4) ESCAPE '\\' OR lower(p.name) LIKE lower($4) ESCAPE '\\')"

static void bind_filter(db_stmt_t *st, const struct plot_filter *f)
{
	db_bind_text(st, 1, f->status);
	db_bind_text(st, 2, f->land_use);
	if (f->street_id > 0)
		db_bind_int(st, 3, f->street_id);
	else
		db_bind_null(st, 3);
	db_bind_text(st, 4, f->q);
}

json_t *plots_list(db_t *db, const struct plot_filter *f, int64_t *total, err_t *err)
{
	db_stmt_t *st = db_prepare(db, "SELECT count(*) FROM plots p" PLOT_WHERE);
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "listing the plots"), NULL;
	bind_filter(st, f);
	int rc = db_step(st);
	*total = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc != DB_ROW || (st = db_prepare(db, PLOT_COLS PLOT_WHERE " ORDER BY p.code LIMIT $5 OFFSET $6")) == NULL)
		return db_fail(err, db, rc == DB_ROW ? DB_ERR : rc, "listing the plots"), NULL;
	bind_filter(st, f);
	db_bind_int(st, 5, f->limit);
	db_bind_int(st, 6, f->offset);
	json_t *items = json_array();
	while ((rc = db_step(st)) == DB_ROW)
		json_array_append_new(items, row_plot(st, 0));
	db_done(st);
	size_t i;
	json_t *p;
	json_array_foreach(items, i, p) {
		json_t *u = rc == DB_DONE ? users_json(db, json_integer_value(json_object_get(p, "id")), 0) : NULL;
		if (u == NULL)
			rc = DB_ERR;
		else
			json_object_set_new(p, "users", u);
	}
	if (rc != DB_DONE) {
		json_decref(items);
		return db_fail(err, db, rc, "listing the plots"), NULL;
	}
	return items;
}

json_t *plots_geojson(db_t *db, const char *status, err_t *err)
{
	db_stmt_t *st = db_prepare(db, PLOT_COLS " WHERE p.geometry IS NOT NULL AND (CAST($1 AS TEXT) IS NULL OR p.status = $1)"
	                               " ORDER BY p.code");
	if (st == NULL)
		return db_fail(err, db, DB_ERR, "reading the plots"), NULL;
	db_bind_text(st, 1, status);
	json_t *features = json_array();
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		json_t *props = json_pack("{s:I s:s s:s s:s s:s s:o s:o s:o}", "id", (json_int_t)db_col_int(st, 0), "code",
		                          db_col_text(st, 1), "name", db_col_text(st, 2), "status", db_col_text(st, 7),
		                          "land_use", db_col_text(st, 6), "area_mu", area_json(db_col_int(st, 3)), "street",
		                          db_col_isnull(st, 5) ? json_null() : json_string(db_col_text(st, 5)), "project_id",
		                          db_col_isnull(st, 13) ? json_null() : json_integer(db_col_int(st, 13)));
		json_array_append_new(features, json_pack("{s:s s:I s:o s:o}", "type", "Feature", "id",
		                                          (json_int_t)db_col_int(st, 0), "geometry",
		                                          json_loads(db_col_text(st, 8), 0, NULL), "properties", props));
	}
	db_done(st);
	size_t i;
	json_t *f;
	json_array_foreach(features, i, f) {
		json_t *u = rc == DB_DONE ? users_json(db, json_integer_value(json_object_get(f, "id")), 1) : NULL;
		if (u == NULL)
			rc = DB_ERR;
		else
			json_object_set_new(json_object_get(f, "properties"), "users", u);
	}
	if (rc != DB_DONE) {
		json_decref(features);
		return db_fail(err, db, rc, "reading the plots"), NULL;
	}
	return json_pack("{s:s s:o}", "type", "FeatureCollection", "features", features);
}

int land_bureau_set(db_t *db, int64_t department_id, int on)
{
	db_stmt_t *st = db_prepare(db, "UPDATE departments SET land_bureau = $1 WHERE id = $2");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, on ? 1 : 0);
	db_bind_int(st, 2, department_id);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}
