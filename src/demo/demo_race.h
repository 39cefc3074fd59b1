/*
 * demo_race.h -- the horse-race part of the demo data (demo_race.c):
 * leads (有效信息) of every unit, 2025-01 … 2026-11, with a few cross-unit
 * duplicates; the link of every signed demo project to a qualified lead of
 * its unit; the trips (外出招商) of every leader and recruiter; and each
 * unit's annual targets for 2025 and 2026.
 */
#ifndef ZONEOPS_DEMO_RACE_H
#define ZONEOPS_DEMO_RACE_H

#include <stdint.h>

#include "store/store.h"

/* Inside the caller's transaction, after demo_seed's units, leaders,
 * recruiters and projects exist (looked up by role and unit).  Deterministic
 * (fixed seed); `now` stamps created_at / updated_at.  0, or -1 with *err
 * (malloc'd; err may be NULL, then the message goes to stderr). */
int demo_seed_race(db_t *db, int64_t now, char **err);

#endif
