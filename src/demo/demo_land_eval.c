/*
 * demo_land_eval.c -- the demo's per-mu evaluations (demo_land_eval.h).
 */
#include "demo/demo_land_eval.h"

#include "land/land.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400

static int failed(char **err, const char *what, const err_t *e)
{
	char m[512];
	snprintf(m, sizeof m, "demo seed: land evaluations: %s: %s", what, e->message);
	if (err)
		*err = strdup(m);
	else
		fprintf(stderr, "zoneops: %s\n", m);
	return -1;
}

/* Evaluate year with the zhejiang preset at `at`; publish it a day later
 * for `days`; make it final at final_at (0: leave it published). */
static int evaluate(db_t *db, int year, int64_t at, int days, int64_t final_at, int64_t *id, char **err)
{
	struct land_params p;
	land_params_default(&p, land_preset_find("zhejiang"), year);
	struct land_run run;
	err_t e;
	if (land_evaluation_run(db, &p, 0, 0, at, &run, &e) < 0)
		return failed(err, "evaluate", &e);
	if (land_evaluation_publish(db, run.id, days, at + DAY, &e) < 0)
		return failed(err, "publish", &e);
	if (final_at && land_evaluation_finalize(db, run.id, final_at, &e) < 0)
		return failed(err, "finalize", &e);
	*id = run.id;
	return 0;
}

int demo_land_evaluations(db_t *db, int64_t now, char **err)
{
	if (err)
		*err = NULL;
	int y;
	date_to_civil(date_of_unix(now), &y, NULL, NULL);
	int64_t id;
	/* Y-3 and Y-2: evaluated on 1 April of the year after, 09:00 */
	for (int k = 3; k >= 2; k--) {
		int64_t at = date_unix(date_from_civil(y - k + 1, 4, 1)) + 9 * 3600;
		if (evaluate(db, y - k, at, 15, at + 30 * DAY, &id, err) < 0)
			return -1;
	}
	if (evaluate(db, y - 1, now - 3 * DAY, 15, 0, &id, err) < 0)
		return -1;
	/* the objection waiting */
	const char *p[1] = { "ent.langgu" };
	int64_t user = db_int1(db, "SELECT id FROM users WHERE username = $1", 0, 1, p);
	int64_t ent = db_int1(db, "SELECT enterprise_id FROM users WHERE username = $1", 0, 1, p);
	if (user <= 0 || ent <= 0)
		return 0;   /* no such account: nobody objects */
	int64_t oid;
	err_t e;
	if (land_objection_create(db, id, ent,
	                          "我司上一年度实际使用土地中有12亩为园区代建仓储用地，已于年中交还园区，"
	                          "请按实际使用面积核算亩均税收和亩均增加值。附园区交接确认单。",
	                          user, now - DAY, &oid, &e) < 0)
		return failed(err, "objection", &e);
	return 0;
}
