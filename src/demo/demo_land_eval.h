/*
 * demo_land_eval.h -- the demo's per-mu evaluations (亩均效益, issue 11):
 * for Y-3 and Y-2 (Y the clock's year) an evaluation with the zhejiang
 * preset, published in April of the year after for 15 days and final in
 * May; for Y-1 one published two days ago, its objection window open,
 * with one objection waiting for a decision (上海朗股科技, user
 * ent.langgu).  Enterprises in class D in both final years are the
 * measures list of Y-2.  Written through the functions the API uses
 * (land_evaluation_run, _publish, _finalize, land_objection_create), after
 * the plots and the facts.
 */
#ifndef ZONEOPS_DEMO_LAND_EVAL_H
#define ZONEOPS_DEMO_LAND_EVAL_H

#include <stdint.h>

#include "store/store.h"

/* Seed them inside the caller's transaction.  0, or -1 with *err
 * (malloc'd; err may be NULL: the message goes to stderr). */
int demo_land_evaluations(db_t *db, int64_t now, char **err);

#endif
