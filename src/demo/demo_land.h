/*
 * demo_land.h -- the demo zone's plots (地块, issue 11), written with
 * plot_save() after the enterprises and projects exist: the land bureau
 * (自然资源和规划分局, zrgh) made one; about 40 plots on a grid of blocks
 * near the zone (lon 120.95-121.05, lat 31.95-32.05) as simple
 * quadrilaterals that never overlap, most in use by demo enterprises (each
 * user's area its registry land), some idle or low-efficiency; the
 * article's 420-亩 奥斯福地块 being vacated of 11 scattered enterprises for
 * the 奥斯福地块智慧产业园项目 (50亿元); one plot cleared, one
 * redeveloping, one redeveloped; and the north area's chemical plots
 * whose 12 projects move south.  Deterministic; the history's dates are
 * relative to the clock.
 */
#ifndef ZONEOPS_DEMO_LAND_H
#define ZONEOPS_DEMO_LAND_H

#include <stdint.h>

#include "store/store.h"

/* Inside the caller's transaction.  0, or -1 with *err (malloc'd; err
 * may be NULL, then the message goes to stderr). */
int demo_land_plots(db_t *db, int64_t now, char **err);

#endif
