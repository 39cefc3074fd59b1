/*
 * demo_race.h -- the horse-race part of the demo data (demo_race.c):
 * leads (有效信息) of every unit over the 23 months up to the last full
 * month before today (and this month's, awaiting review), with a few
 * cross-unit duplicates; the link of every signed demo project to a
 * qualified lead of its unit; the trips (外出招商) of every leader and
 * recruiter; and each unit's annual targets for the clock's year and the
 * one before.
 */
#ifndef ZONEOPS_DEMO_RACE_H
#define ZONEOPS_DEMO_RACE_H

#include <stdint.h>

#include "store/store.h"

/* One demo project as demo.c plans it; demo_race.c writes it with
 * project_insert after the lead it comes from. */
struct demo_project {
	const char *name, *industry;
	const char *company;                /* the registry's enterprise it belongs to, or NULL */
	int64_t unit_id, recruiter_id, total_investment_wan, foreign_investment_wan_usd;
	int negotiating;                    /* the stage negotiating without a signing */
	/* lead_on (its first information), signed_on, landed_on, started_on,
	 * producing_on; "" none */
	char dates[5][11];
	char negotiating_on[11];            /* the day talks began (洽谈), "" none */
};

/* Inside the caller's transaction, after demo_seed's units, leaders and
 * recruiters exist (looked up by role and unit): the leads (a signed
 * project's lead captured on its lead_on), then the n projects in their
 * order (a signed one linked to its lead), the trips and the unit targets,
 * each through the race's own functions with the unit's recruiter or
 * leader as the actor.  Deterministic (fixed seed); `now` stamps
 * created_at / updated_at.  0, or -1 with *err (malloc'd; err may be
 * NULL, then the message goes to stderr). */
int demo_seed_race(db_t *db, int64_t now, const struct demo_project *projects, int n, char **err);

#endif
