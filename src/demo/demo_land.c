/*
 * demo_land.c -- the demo zone's plots: see demo_land.h.  Every plot is
 * written with plot_save() (the API's and the import's writer), its
 * outline checked by geojson_check() on the way.
 */
#include "demo/demo_land.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "land/land.h"

#define DAY 86400
#define COLS 8
#define ROWS 6
#define MAXENT 400

struct ent {
	int64_t id, land, street_id;   /* land: stored (x 10^4) */
	char industry[8];
	int key, used;
};

struct ctx {
	db_t *db;
	arena_t *a;
	int64_t now;
	char **err;
	uint64_t rng;
	struct ent e[MAXENT];
	int n;
	int64_t streets[8];
	int nstreets, ncells[ROWS], nplots;
};

static uint64_t rnd(struct ctx *c)
{
	uint64_t z = (c->rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double rnd_unit(struct ctx *c)
{
	return (double)(rnd(c) >> 11) / 9007199254740992.0;
}

static int fail(struct ctx *c, const char *what, const char *why)
{
	char m[512];
	snprintf(m, sizeof m, "demo seed: plots: %s: %s", what, why);
	if (c->err)
		*c->err = strdup(m);
	else
		fprintf(stderr, "zoneops: %s\n", m);
	return -1;
}

/* ---- what exists ---- */

static int load(struct ctx *c)
{
	db_stmt_t *st = db_prepare(c->db, "SELECT id, land_mu, coalesce(street_id, 0), industry, is_key FROM enterprises"
	                                  " WHERE land_mu > 0 ORDER BY id");
	if (st == NULL)
		return fail(c, "enterprises", db_errmsg(c->db));
	int rc;
	while ((rc = db_step(st)) == DB_ROW && c->n < MAXENT) {
		struct ent *e = &c->e[c->n++];
		e->id = db_col_int(st, 0);
		e->land = (int64_t)llround(db_col_double(st, 1) * 10.0) * 1000;   /* one decimal, as registered */
		e->street_id = db_col_int(st, 2);
		snprintf(e->industry, sizeof e->industry, "%s", db_col_text(st, 3));
		e->key = (int)db_col_int(st, 4);
	}
	db_done(st);
	if (rc != DB_DONE && rc != DB_ROW)
		return fail(c, "enterprises", db_errmsg(c->db));
	st = db_prepare(c->db, "SELECT id FROM streets ORDER BY id");
	while (st && (rc = db_step(st)) == DB_ROW && c->nstreets < 8)
		c->streets[c->nstreets++] = db_col_int(st, 0);
	db_done(st);
	return c->nstreets ? 0 : fail(c, "streets", "none");
}

static int64_t project_id(struct ctx *c, const char *name)
{
	const char *p[1] = { name };
	int64_t id = db_int1(c->db, "SELECT id FROM projects WHERE name = $1", 0, 1, p);
	return id > 0 ? id : 0;
}

/* The next unused enterprise matching: industry prefix (NULL any), key
 * (-1 any), land at most max (stored; 0 any).  NULL when none. */
static struct ent *take(struct ctx *c, const char *prefix, int key, int64_t max)
{
	for (int i = 0; i < c->n; i++) {
		struct ent *e = &c->e[i];
		if (e->used || (prefix && strncmp(e->industry, prefix, strlen(prefix)) != 0) || (key >= 0 && e->key != key) ||
		    (max && e->land > max))
			continue;
		e->used = 1;
		return e;
	}
	return NULL;
}

/* ---- outlines ---- */

/* A quadrilateral of about area (stored) in the next free cell of row:
 * a block of the street grid, the corners moved a little. */
static const char *outline(struct ctx *c, int row, int64_t area)
{
	int col = c->ncells[row]++;
	if (col >= COLS)
		return NULL;
	double cx = 120.9575 + col * 0.0118, cy = 31.9580 + row * 0.0158;
	double side = sqrt((double)area / 10000.0 * 666.667);   /* metres */
	double aspect = 0.85 + 0.4 * rnd_unit(c);
	double hw = side * aspect / 2 / 94400.0, hh = side / aspect / 2 / 111000.0;
	if (hw > 0.0050)
		hw = 0.0050;
	double xs[4] = { -hw, hw, hw, -hw }, ys[4] = { -hh, -hh, hh, hh }, px[4], py[4];
	for (int k = 0; k < 4; k++) {
		px[k] = cx + xs[k] * (1 + 0.12 * (rnd_unit(c) - 0.5));
		py[k] = cy + ys[k] * (1 + 0.12 * (rnd_unit(c) - 0.5));
	}
	return arena_printf(c->a, "{\"type\":\"Polygon\",\"coordinates\":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],"
	                    "[%.6f,%.6f],[%.6f,%.6f]]]}", px[0], py[0], px[1], py[1], px[2], py[2], px[3], py[3], px[0], py[0]);
}

/* ---- one plot ---- */

struct spec {
	const char *code, *name, *land_use, *note;
	int row;                    /* of the grid (5: the north area) */
	int64_t area;               /* stored; 0: the users' and 8% more */
	int64_t street_id;
	struct ent *users[12];
	int nusers;
	int to_move, moved;
	int64_t freed, project_id, investment_wan;
	/* its history: statuses from the first, days ago, notes */
	const char *status[5];
	int days[5];
	const char *notes[5];
};

static int save(struct ctx *c, int64_t *id, struct plot_in *in)
{
	err_t e;
	if (plot_save(c->db, c->a, NULL, id, in, &e) < 0)
		return fail(c, in->code ? in->code : "a plot", e.message);
	return 0;
}

static int write_plot(struct ctx *c, struct spec *p)
{
	struct plot_in in = { 0 };
	int64_t users = 0;
	in.users = arena_alloc(c->a, (size_t)(p->nusers ? p->nusers : 1) * sizeof *in.users);
	for (int i = 0; i < p->nusers; i++) {
		in.users[i].enterprise_id = p->users[i]->id;
		in.users[i].area = p->users[i]->land;
		users += p->users[i]->land;
	}
	in.nusers = (size_t)p->nusers;
	in.area = p->area ? p->area : (users * 108 / 100 + 5000) / 10000 * 10000;
	in.code = p->code;
	in.name = p->name;
	in.land_use = p->land_use ? p->land_use : "industrial";
	in.note = p->note ? p->note : "";
	in.street_id = p->street_id ? p->street_id
	               : p->nusers && p->users[0]->street_id ? p->users[0]->street_id
	               : c->streets[c->nplots % c->nstreets];
	in.crs = "EPSG:4490";
	err_t e;
	const char *text = outline(c, p->row, in.area);
	if (text == NULL)
		return fail(c, p->code, "no free block left in its row of the grid");
	json_t *g = json_loads(text, 0, NULL);
	int rc = plot_geometry_in(c->a, g, &in.geometry, &e);
	json_decref(g);
	if (rc < 0)
		return fail(c, p->code, e.message);
	in.status = p->status[0];
	in.at = c->now - (int64_t)p->days[0] * DAY;
	in.event_note = p->notes[0];
	in.has = PF_CODE | PF_NAME | PF_AREA | PF_STREET | PF_LAND_USE | PF_STATUS | PF_GEOMETRY | PF_CRS | PF_NOTE;
	int64_t id = 0;
	if (save(c, &id, &in) < 0)
		return -1;
	c->nplots++;
	/* then each later status, and at the last one the users and the regeneration */
	for (int k = 1; k < 5 && p->status[k]; k++) {
		struct plot_in up = { .has = PF_STATUS, .status = p->status[k], .at = c->now - (int64_t)p->days[k] * DAY,
			              .event_note = p->notes[k] };
		if (save(c, &id, &up) < 0)
			return -1;
	}
	struct plot_in last = { .has = PF_USERS | PF_TO_MOVE | PF_MOVED | PF_FREED | PF_PROJECT | PF_INVEST,
		                .users = in.users, .nusers = in.nusers, .to_move = p->to_move, .moved = p->moved,
		                .freed = p->freed, .project_id = p->project_id, .investment_wan = p->investment_wan };
	return save(c, &id, &last);
}

/* ---- the plan ---- */

#define MU(x) ((int64_t)(x) * 10000)

/* The article's named enterprises (the first ids): a plot each. */
static int named(struct ctx *c)
{
	static const char *const names[] = { "恒太照明厂区", "朗股科技厂区", "星源材质厂区", "晟斯生物厂区" };
	for (int i = 0; i < 4 && i < c->n; i++) {
		struct spec p = { .row = i, .status = { "in_use" }, .days = { 1800 }, .nusers = 1 };
		p.users[0] = &c->e[i];
		c->e[i].used = 1;
		p.code = arena_printf(c->a, "DK-%03d", i + 1);
		p.name = names[i];
		if (write_plot(c, &p) < 0)
			return -1;
	}
	return 0;
}

/* Enterprises in use of the plots: 1 to 3 each, up to about 400 mu. */
static int in_use_plots(struct ctx *c, int count, int first_no)
{
	for (int i = 0; i < count; i++) {
		struct spec p = { .row = i % 5, .status = { "in_use" }, .days = { 1800 } };
		p.code = arena_printf(c->a, "DK-%03d", first_no + i);
		p.name = arena_printf(c->a, "开发区%d号地块", first_no + i);
		int want = 1 + (int)(rnd(c) % 3);
		int64_t total = 0;
		while (p.nusers < want) {
			struct ent *e = take(c, NULL, p.nusers == 0 ? 1 : 0, MU(400) - total);
			if (e == NULL && p.nusers == 0)
				e = take(c, NULL, -1, MU(400) - total);
			if (e == NULL)
				break;
			p.users[p.nusers++] = e;
			total += e->land;
		}
		if (p.nusers == 0)
			return 0;
		if (write_plot(c, &p) < 0)
			return -1;
	}
	return 0;
}

/* The article's 420-亩 奥斯福地块: 11 scattered small enterprises, 4
 * moved out (their land freed), 7 still there; for the 50亿元 park. */
static int osford(struct ctx *c)
{
	struct spec p = {
		.code = "DK-ASF", .name = "奥斯福地块", .row = 2, .area = MU(420), .to_move = 11, .moved = 4,
		.project_id = project_id(c, "奥斯福地块智慧产业园项目"), .investment_wan = 500000,
		.note = "11家散小企业腾退，建设50亿元奥斯福地块智慧产业园",
		.status = { "in_use", "low_efficiency", "vacating" }, .days = { 2400, 420, 240 },
		.notes = { NULL, "亩均税收不足全区平均三分之一", "启动腾退：11家企业搬迁" },
	};
	int64_t total = 0;
	for (int i = 0; i < 11; i++) {
		struct ent *e = take(c, "C", 0, (MU(420) - total) / (11 - i) * 2);
		if (e == NULL)
			return fail(c, "DK-ASF", "not enough small manufacturers");
		total += e->land;
		if (i < 4)
			p.freed += e->land;
		else
			p.users[p.nusers++] = e;
	}
	return write_plot(c, &p);
}

/* The north area's chemical plots: 12 projects moving south. */
static int north(struct ctx *c)
{
	static const int move[3][2] = { { 4, 2 }, { 5, 1 }, { 3, 0 } };
	for (int i = 0; i < 3; i++) {
		struct spec p = { .row = 5, .area = MU(150 + 30 * i), .to_move = move[i][0], .moved = move[i][1],
			          .note = "北区化工项目南迁", .status = { "in_use", "vacating" }, .days = { 3000, 150 - 30 * i },
			          .notes = { NULL, "北区化工企业南迁入园" } };
		p.code = arena_printf(c->a, "DK-BQ%d", i + 1);
		p.name = arena_printf(c->a, "北区化工地块%s", i == 0 ? "一" : i == 1 ? "二" : "三");
		int64_t total = 0;
		for (int k = 0; k < p.to_move - p.moved; k++) {
			struct ent *e = take(c, "C26", -1, p.area - total);
			if (e == NULL)
				e = take(c, "C", 0, (p.area - total) / 2);
			if (e == NULL)
				break;
			p.users[p.nusers++] = e;
			total += e->land;
		}
		if (write_plot(c, &p) < 0)
			return -1;
	}
	return 0;
}

/* Cleared, redeveloping, redeveloped: plots already through the
 * regeneration, each for a race project. */
static int regenerated(struct ctx *c)
{
	struct spec p[3] = {
		{ .code = "DK-QR1", .name = "中央路东侧腾退地块", .row = 1, .area = MU(260), .to_move = 5, .moved = 5,
		  .freed = MU(260), .project_id = project_id(c, "晟斯生物医药项目"), .investment_wan = 500000,
		  .status = { "in_use", "vacating", "cleared" }, .days = { 3000, 720, 400 },
		  .notes = { NULL, "5家低效企业搬迁", "场地清理完毕，交付项目" } },
		{ .code = "DK-ZJ1", .name = "星源隔膜二期地块", .row = 3, .area = MU(300), .to_move = 6, .moved = 6,
		  .freed = MU(300), .project_id = project_id(c, "星源锂电池隔膜项目"), .investment_wan = 1000000,
		  .status = { "in_use", "vacating", "cleared", "redeveloping" }, .days = { 3000, 800, 500, 90 },
		  .notes = { NULL, "低效用地整治", "完成腾退", "项目开工建设" } },
		{ .code = "DK-XJ1", .name = "精密轴承产业园地块", .row = 4, .area = MU(150), .to_move = 3, .moved = 3,
		  .freed = MU(150), .project_id = project_id(c, "精密轴承智能制造项目"),
		  .status = { "low_efficiency", "vacating", "cleared", "redeveloping", "redeveloped" },
		  .days = { 3200, 1100, 900, 600, 60 }, .notes = { NULL, NULL, NULL, NULL, "项目投产，再造完成" } },
	};
	for (int i = 0; i < 3; i++) {
		if (i == 2 && (p[i].users[0] = take(c, "C34", 1, MU(140))) != NULL)
			p[i].nusers = 1;
		if (write_plot(c, &p[i]) < 0)
			return -1;
	}
	return 0;
}

/* Idle plots (no users) and low-efficiency ones (in use, little made). */
static int idle_and_low(struct ctx *c)
{
	for (int i = 0; i < 6; i++) {
		int low = i >= 3;
		struct spec p = { .row = i % 5, .status = { "in_use", low ? "low_efficiency" : "idle" },
			          .days = { 2500, 100 + 40 * i }, .notes = { NULL, low ? "亩均税收低于全区均值" : "企业停产，土地闲置" } };
		p.code = arena_printf(c->a, "DK-%s%d", low ? "DX" : "XZ", i % 3 + 1);
		p.name = arena_printf(c->a, "%s地块%d", low ? "低效" : "闲置", i % 3 + 1);
		if (low) {
			for (int k = 0; k < 2; k++)
				if ((p.users[p.nusers] = take(c, "C", 0, MU(60))) != NULL)
					p.nusers++;
		} else {
			p.area = MU(40 + 35 * i);
			p.land_use = i == 2 ? "service" : "industrial";
		}
		if (write_plot(c, &p) < 0)
			return -1;
	}
	return 0;
}

int demo_land_plots(db_t *db, int64_t now, char **err)
{
	struct ctx *c = calloc(1, sizeof *c);
	if (c == NULL)
		return -1;
	c->db = db;
	c->now = now;
	c->err = err;
	c->rng = 0x1A9D2026C0FFEE11ULL;
	c->a = arena_new();
	const char *p[1] = { "自然资源和规划分局" };
	int64_t dept = db_int1(db, "SELECT id FROM departments WHERE name = $1", 0, 1, p);
	int rc = dept > 0 && land_bureau_set(db, dept, 1) == DB_OK ? 0 : fail(c, "land bureau", db_errmsg(db));
	if (rc == 0)
		rc = load(c);
	/* the named enterprises first (the lowest ids): a plot each */
	if (rc == 0)
		rc = named(c);
	if (rc == 0)
		rc = osford(c);
	if (rc == 0)
		rc = north(c);
	if (rc == 0)
		rc = regenerated(c);
	if (rc == 0)
		rc = idle_and_low(c);
	if (rc == 0)
		rc = in_use_plots(c, 20, 5);
	arena_free(c->a);
	free(c);
	return rc;
}
