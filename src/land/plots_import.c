/*
 * plots_import.c -- plots from CSV, XLSX or a GeoJSON FeatureCollection,
 * through the import framework (table/table.h: reading, the two passes,
 * dry run, modes all and good, errors by line, the background job and the
 * CLI).  Columns (or a feature's properties; its geometry the outline):
 *
 *   code, name, area_mu, street, land_use, status, geometry, crs, users,
 *   to_move, moved, area_freed_mu, project_id, note   (id: ignored)
 *
 * code is required; a code that exists updates that plot with the columns
 * given (its status change checked as by PATCH), a new one needs area_mu.
 * land_use and status: the API's names or their Chinese words; geometry:
 * GeoJSON text; users: "credit_code:area;credit_code:area" or a JSON array
 * of {credit_code or enterprise_id, area_mu}, replacing the plot's users.
 * Every row is checked as plot_check() checks it (plot_refs_check, with
 * the references read once) and written as plot_save() writes it, in bulk
 * (plot_bulk_flush): the API's rules.  In a GeoJSON file line = the feature's index + 1 and each
 * error names the feature (param feature, first).
 */
#include "land/land.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/table.h"

#define MAX_ROWS 100000

enum { C_CODE, C_NAME, C_AREA, C_STREET, C_USE, C_STATUS, C_GEOM, C_CRS, C_USERS, C_TO_MOVE, C_MOVED, C_FREED,
       C_PROJECT, C_NOTE, C_ID, NC };

static const struct table_col cols[NC] = {
	[C_CODE] = { "code", "地块编号|编号|地块代码", TABLE_COL_REQUIRED, 0 },
	[C_NAME] = { "name", "地块名称|名称", 0, 0 },
	[C_AREA] = { "area_mu", "面积(亩)|面积|占地面积(亩)", 0, 0 },
	[C_STREET] = { "street", "街道|所属街道", 0, 0 },
	[C_USE] = { "land_use", "用途|土地用途", 0, 0 },
	[C_STATUS] = { "status", "状态|地块状态", 0, 0 },
	[C_GEOM] = { "geometry", "边界|几何|图形", 0, 0 },
	[C_CRS] = { "crs", "坐标系", 0, 0 },
	[C_USERS] = { "users", "使用企业|用地企业", 0, 0 },
	[C_TO_MOVE] = { "to_move", "需搬迁企业数|待搬迁", 0, 0 },
	[C_MOVED] = { "moved", "已搬迁企业数|已搬迁", 0, 0 },
	[C_FREED] = { "area_freed_mu", "腾出面积(亩)|腾出面积", 0, 0 },
	[C_PROJECT] = { "project_id", "项目ID|项目编号", 0, 0 },
	[C_NOTE] = { "note", "备注", 0, 0 },
	[C_ID] = { "id", "ID", TABLE_COL_IGNORED, 0 },
};

/* The Chinese words of the land uses and statuses. */
static const char *const WORDS[][2] = {
	{ "工业", "industrial" }, { "工业用地", "industrial" }, { "服务业", "service" }, { "商服用地", "service" },
	{ "商业", "service" }, { "住宅", "residential" }, { "居住", "residential" }, { "住宅用地", "residential" },
	{ "生态", "ecological" }, { "生态用地", "ecological" },
	{ "在用", "in_use" }, { "使用中", "in_use" }, { "闲置", "idle" }, { "低效", "low_efficiency" },
	{ "低效用地", "low_efficiency" }, { "腾退中", "vacating" }, { "腾退", "vacating" }, { "已腾空", "cleared" },
	{ "已清理", "cleared" }, { "再开发中", "redeveloping" }, { "建设中", "redeveloping" }, { "已再开发", "redeveloped" },
	{ "再开发完成", "redeveloped" },
};

/* Rows kept for plot_bulk_flush(): each flush reads what this many rows
 * refer to and writes them with a few statements. */
#define PLOT_BULK_FLUSH 1000

struct plot_ctx {
	struct import_keys seen;       /* code → its line */
	int64_t unchanged;
	unsigned char *exists;         /* by line: the check found the code stored (bits) */
	size_t exists_cap;             /* bytes */
	struct plot_bulk *refs;        /* what the checks look up, read by begin */
	struct plot_bulk *bulk;        /* the write pass's rows waiting */
};

/* Note (or read) that the plot of line's code exists. */
static int exists_set(struct plot_ctx *x, int64_t line)
{
	size_t i = (size_t)line / 8;
	if (i >= x->exists_cap) {
		size_t cap = x->exists_cap ? x->exists_cap : 1024;
		while (cap <= i)
			cap *= 2;
		unsigned char *p = realloc(x->exists, cap);
		if (p == NULL)
			return -1;
		memset(p + x->exists_cap, 0, cap - x->exists_cap);
		x->exists = p;
		x->exists_cap = cap;
	}
	x->exists[i] |= (unsigned char)(1u << (line % 8));
	return 0;
}

static int exists_get(const struct plot_ctx *x, int64_t line)
{
	size_t i = (size_t)line / 8;
	return i < x->exists_cap && (x->exists[i] >> (line % 8) & 1);
}

/* e as an error of row; in a GeoJSON file with the feature (index) as its
 * first parameter.  -1. */
static int bad_err(struct import *im, const struct import_row *row, const err_t *e)
{
	if (im->format == NULL || strcmp(im->format, "geojson") != 0)
		return import_bad_err(im, row, e);
	err_t f;
	err_set(&f, e->status, e->code, e->field, "feature %lld: %s", (long long)row->line - 1, e->message);
	err_param(&f, "feature", "%lld", (long long)row->line - 1);
	for (int i = 0; i < e->nparams; i++)
		err_param(&f, e->params[i].name, "%s", e->params[i].value);
	return import_bad_err(im, row, &f);
}

static int bad(struct import *im, const struct import_row *row, const char *field, const char *code, const char *value,
               const char *msg)
{
	err_t e;
	err_set(&e, 422, code, field, "%s", msg);
	if (value)
		err_param(&e, "value", "%s", value);
	return bad_err(im, row, &e);
}

/* A cell: NULL when the file has no such column or it is empty. */
static const char *cell(const struct import_row *row, int c)
{
	if (row->v[c] == NULL)
		return NULL;
	char *s = table_cell_clean(row->a, row->v[c]);
	return *s ? s : NULL;
}

static int word(struct import *im, const struct import_row *row, int c, int (*ok)(const char *), const char **out)
{
	const char *s = cell(row, c);
	char b[72];
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < sizeof WORDS / sizeof WORDS[0]; i++)
		if (strcmp(WORDS[i][0], s) == 0 && ok(WORDS[i][1]))
			s = WORDS[i][1];
	if (!ok(s))
		return bad(im, row, cols[c].name, "invalid_parameter", table_shown(s, b),
		           c == C_USE ? "land_use is industrial, service, residential or ecological (or 工业, 服务业, 住宅, 生态)"
		                      : "status is not a plot status (in_use, idle, low_efficiency, vacating, cleared, "
		                        "redeveloping, redeveloped)");
	*out = s;
	return 1;
}

/* A whole number >= 0 into *out; 0 absent, 1, -1. */
static int count(struct import *im, const struct import_row *row, int c, int64_t *out)
{
	const char *s = cell(row, c);
	char b[72], *end;
	if (s == NULL)
		return 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || (*end && strcmp(end, ".0") != 0) || v < 0 || v > 1000000000)
		return bad(im, row, cols[c].name, "invalid_parameter", table_shown(s, b), "not a whole number of at least 0");
	*out = v;
	return 1;
}

/* One user of the users cell: a credit code (normalised) or an id, and
 * an area.  0, or -1 after an error. */
static int user_in(struct import *im, const struct import_row *row, const char *who, int64_t id, const char *area,
                   struct plot_user_in *u)
{
	char code[64];
	err_t e;
	if (id <= 0) {
		const char *why;
		if (credit_code_normalise(who, code, sizeof code, &e) < 0 &&
		    ((why = err_get_param(&e, "reason")) == NULL || strcmp(why, "checksum") != 0)) {
			e.field = "users";
			return bad_err(im, row, &e);
		}
		u->credit_code = arena_strdup(row->a, code);
	}
	u->enterprise_id = id > 0 ? id : 0;
	if (plot_area_parse_text(area, "users", &u->area, &e) < 0)
		return bad_err(im, row, &e);
	return 0;
}

/* users as a JSON array of {credit_code | enterprise_id, area_mu}. */
static int users_json(struct import *im, const struct import_row *row, const char *s, struct plot_in *in)
{
	json_t *a = json_loads(s, 0, NULL);
	size_t i;
	json_t *u;
	int rc = 0;
	if (!json_is_array(a) || json_array_size(a) > 10000)
		rc = bad(im, row, "users", "invalid_parameter", NULL, "users is not an array of {credit_code, area_mu}");
	in->nusers = 0;
	in->users = arena_alloc(row->a, (json_array_size(a) + 1) * sizeof *in->users);
	json_array_foreach(a, i, u) {
		if (rc < 0)
			break;
		const json_t *area = json_object_get(u, "area_mu");
		char num[40];
		if (json_is_number(area))
			snprintf(num, sizeof num, "%.15g", json_number_value(area));
		const char *who = json_string_value(json_object_get(u, "credit_code"));
		json_int_t id = json_integer_value(json_object_get(u, "enterprise_id"));
		if ((who == NULL && id <= 0) || !json_is_number(area))
			rc = bad(im, row, "users", "invalid_parameter", NULL, "each user has a credit_code (or enterprise_id) and area_mu");
		else
			rc = user_in(im, row, who ? who : "", who ? 0 : id, num, &in->users[in->nusers++]);
	}
	json_decref(a);
	return rc;
}

/* users: "credit_code:area;credit_code:area" (also ； and ：). */
static int users_cell(struct import *im, const struct import_row *row, struct plot_in *in)
{
	const char *s = cell(row, C_USERS);
	if (s == NULL)
		return 0;
	in->has |= PF_USERS;
	in->users_field = "users";
	if (*s == '[')
		return users_json(im, row, s, in);
	char *t = arena_strdup(row->a, s);
	size_t n = 1;
	for (char *p = t; *p; p++)
		n += *p == ';' || strncmp(p, "；", 3) == 0;
	in->users = arena_alloc(row->a, n * sizeof *in->users);
	in->nusers = 0;
	for (char *p = t; p && *p;) {
		char *semi = strpbrk(p, ";"), *wide = strstr(p, "；");
		char *end = semi && (!wide || semi < wide) ? semi : wide;
		if (end)
			*end = '\0';
		char *colon = strchr(p, ':'), *wcolon = strstr(p, "：");
		char *sep = colon && (!wcolon || colon < wcolon) ? colon : wcolon;
		char who[64], area[64];
		if (sep == NULL)
			return bad(im, row, "users", "invalid_parameter", NULL, "users is credit_code:area;credit_code:area");
		int w = sep == colon ? 1 : 3;
		*sep = '\0';
		text_trim_into(p, who, sizeof who);
		text_trim_into(sep + w, area, sizeof area);
		if (*who && user_in(im, row, who, 0, area, &in->users[in->nusers++]) < 0)
			return -1;
		p = end ? end + (end == semi ? 1 : 3) : NULL;
	}
	return 0;
}

static int geometry_cell(struct import *im, const struct import_row *row, struct plot_in *in)
{
	const char *s = cell(row, C_GEOM);
	if (s == NULL)
		return 0;
	json_error_t je;
	json_t *g = json_loads(s, JSON_REJECT_DUPLICATES, &je);
	err_t e;
	int rc = 0;
	if (g == NULL) {
		err_set(&e, 422, "invalid_geometry", "geometry", "the geometry is not GeoJSON: %s", je.text);
		err_param(&e, "reason", "not_json");
		rc = -1;
	} else
		rc = plot_geometry_in(row->a, g, &in->geometry, &e);
	json_decref(g);
	if (rc < 0)
		return bad_err(im, row, &e);
	in->has |= PF_GEOMETRY;
	return 0;
}

static int text_cell(struct import *im, const struct import_row *row, int c, size_t max, unsigned bit, const char **out,
                     struct plot_in *in)
{
	const char *s = cell(row, c);
	char b[72];
	if (s == NULL)
		return 0;
	if (!text_ok(s, max, c == C_NOTE))
		return bad(im, row, cols[c].name, "invalid_parameter", table_shown(s, b), "too long or with control characters");
	in->has |= bit;
	*out = s;
	return 0;
}

static int area_cell(struct import *im, const struct import_row *row, int c, unsigned bit, int64_t *out,
                     struct plot_in *in)
{
	const char *s = cell(row, c);
	err_t e;
	if (s == NULL)
		return 0;
	if (c == C_FREED && strspn(s, "0.") == strlen(s)) {
		*out = 0;
	} else if (plot_area_parse_text(s, cols[c].name, out, &e) < 0)
		return bad_err(im, row, &e);
	in->has |= bit;
	return 0;
}

/* Every cell of the row into in.  0, or -1 (every problem added). */
static int parse_row(struct import *im, const struct import_row *row, struct plot_in *in)
{
	memset(in, 0, sizeof *in);
	int bad_row = 0;
	bad_row |= text_cell(im, row, C_CODE, 64, PF_CODE, &in->code, in) < 0;
	if (!(in->has & PF_CODE))
		bad_row |= bad(im, row, "code", "required", NULL, "code is empty") < 0;
	bad_row |= text_cell(im, row, C_NAME, 200, PF_NAME, &in->name, in) < 0;
	bad_row |= text_cell(im, row, C_STREET, 100, PF_STREET, &in->street, in) < 0;
	bad_row |= text_cell(im, row, C_NOTE, 2000, PF_NOTE, &in->note, in) < 0;
	bad_row |= area_cell(im, row, C_AREA, PF_AREA, &in->area, in) < 0;
	bad_row |= area_cell(im, row, C_FREED, PF_FREED, &in->freed, in) < 0;
	int k;
	bad_row |= (k = word(im, row, C_USE, plot_land_use_ok, &in->land_use)) < 0;
	in->has |= k > 0 ? PF_LAND_USE : 0;
	bad_row |= (k = word(im, row, C_STATUS, plot_status_ok, &in->status)) < 0;
	in->has |= k > 0 ? PF_STATUS : 0;
	bad_row |= (k = count(im, row, C_TO_MOVE, &in->to_move)) < 0;
	in->has |= k > 0 ? PF_TO_MOVE : 0;
	bad_row |= (k = count(im, row, C_MOVED, &in->moved)) < 0;
	in->has |= k > 0 ? PF_MOVED : 0;
	bad_row |= (k = count(im, row, C_PROJECT, &in->project_id)) < 0;
	in->has |= k > 0 ? PF_PROJECT : 0;
	const char *crs = cell(row, C_CRS);
	char b[72];
	if (crs && (in->crs = geojson_crs(crs)) == NULL)
		bad_row |= bad(im, row, "crs", "invalid_parameter", table_shown(crs, b),
		               "crs is EPSG:4326 (WGS 84) or EPSG:4490 (CGCS2000)") < 0;
	in->has |= in->crs ? PF_CRS : 0;
	bad_row |= geometry_cell(im, row, in) < 0;
	bad_row |= users_cell(im, row, in) < 0;
	return bad_row ? -1 : 0;
}

static int plot_begin(struct import *im, err_t *err)
{
	struct plot_ctx *x = calloc(1, sizeof *x);
	if (x == NULL)
		return err_set(err, 500, "too_large", NULL, "out of memory");
	im->ctx = x;
	return (x->refs = plot_refs_load(im->db, err)) ? 0 : -1;
}

static void plot_end(struct import *im)
{
	struct plot_ctx *x = im->ctx;
	if (x == NULL)
		return;
	import_keys_free(&x->seen);
	free(x->exists);
	plot_bulk_free(x->bulk);
	plot_bulk_free(x->refs);
	free(x);
	im->ctx = NULL;
}

static int plot_check_row(struct import *im, const struct import_row *row)
{
	struct plot_ctx *x = im->ctx;
	struct plot_in in;
	if (parse_row(im, row, &in) < 0)
		return -1;
	int64_t first = import_keys_get(&x->seen, in.code);
	if (first) {
		err_t e;
		err_set(&e, 422, "duplicate_in_file", "code", "the same code as line %lld", (long long)first);
		err_param(&e, "line", "%lld", (long long)first);
		err_param(&e, "value", "%s", in.code);
		return bad_err(im, row, &e);
	}
	if (import_keys_put(&x->seen, in.code, row->line) < 0) {
		err_t e;
		err_set(&e, 500, "too_large", NULL, "out of memory");
		return import_fail(im, &e);
	}
	int64_t id;
	err_t e;
	if (plot_refs_check(im->db, x->refs, row->a, &in, &id, &e) < 0)
		return e.status >= 500 ? import_fail(im, &e) : bad_err(im, row, &e);
	if (id > 0 && exists_set(x, row->line) < 0) {
		err_set(&e, 500, "too_large", NULL, "out of memory");
		return import_fail(im, &e);
	}
	return 0;
}

/* A good row: counted as created or updated (as the check found its
 * code), kept for plot_bulk_flush() (a dry run writes nothing: the rows
 * do not depend on each other, the check's counts are exact). */
static int plot_write_row(struct import *im, const struct import_row *row, err_t *err)
{
	struct plot_ctx *x = im->ctx;
	struct plot_in in;
	if (parse_row(im, row, &in) < 0)
		return -1;
	int exists = exists_get(x, row->line);
	plot_bulk_free(x->refs);   /* the checks are over */
	x->refs = NULL;
	if (!im->o->dry_run) {
		if (x->bulk == NULL && (x->bulk = plot_bulk_new(im->o->actor ? im->o->actor->id : 0)) == NULL)
			return err_set(err, 500, "too_large", NULL, "out of memory");
		if (plot_bulk_add(x->bulk, row->line, &in, exists) < 0)
			return err_set(err, 500, "too_large", NULL, "out of memory");
		if (plot_bulk_count(x->bulk) >= PLOT_BULK_FLUSH && plot_bulk_flush(im->db, x->bulk, err) < 0)
			return -1;
	}
	if (exists)
		im->updated++;
	else
		im->created++;
	return 0;
}

static int plot_write_flush(struct import *im, err_t *err)
{
	struct plot_ctx *x = im->ctx;
	return plot_bulk_flush(im->db, x->bulk, err);
}

static json_t *plot_summary(struct import *im)
{
	return json_pack("{s:I s:I}", "created", (json_int_t)im->created, "updated", (json_int_t)im->updated);
}

static void plot_cli_print(struct import *im, json_t *summary)
{
	int dry = im->o->dry_run;
	printf("%s%lld plots: %lld %s, %lld %s, %lld bad%s\n", dry ? "dry run: " : "", (long long)im->rows,
	       (long long)im->created, dry ? "to create" : "created", (long long)im->updated, dry ? "to update" : "updated",
	       (long long)im->bad_rows, dry ? "; nothing written" : "");
}

static const struct import_spec plot_import = {
	.what = "plots", .audit_action = "import plots", .audit_entity = "plots",
	.cols = cols, .ncols = NC, .max_rows = MAX_ROWS, .mode_good_ok = 1, .trial_write = 1,
	.begin = plot_begin, .check = plot_check_row, .write = plot_write_row, .write_flush = plot_write_flush,
	.summary = plot_summary, .end = plot_end,
	.cli_print = plot_cli_print,
};

void api_plots_import(req_t *r)
{
	if (land_require_editor(r))
		import_http(r, &plot_import);
}

int cli_import_plots(int argc, char **argv, db_t *db)
{
	int i0 = argc > 0 && strcmp(argv[0], "plots") == 0;
	return import_cli(db, &plot_import, argc - i0, argv + i0);
}
