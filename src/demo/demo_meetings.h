/*
 * demo_meetings.h -- the demo's joint consultations (联席会商; issue 14),
 * relative to the clock: a meeting held about three weeks ago (level
 * district_street) with three decided items -- a request raised for an
 * enterprise of 竹行街道 that needs planning, construction and the
 * environment bureau (proposed by its officer, handed to the lead
 * department by the decision), a street topic and a recruitment topic --
 * whose tasks are mostly done on time, one done late and one open and
 * overdue; and a meeting planned next week whose agenda shows that task
 * (carried) and one pending proposal.  Written through meetings.c as the
 * service center's department user (dept.qfzx) convening.
 */
#ifndef ZONEOPS_DEMO_MEETINGS_H
#define ZONEOPS_DEMO_MEETINGS_H

#include <stdint.h>

#include "store/store.h"

/* Seed them inside the caller's transaction, after the requests.  0, or
 * -1 with *err (malloc'd; err may be NULL: the message goes to stderr). */
int demo_seed_meetings(db_t *db, int64_t now, char **err);

#endif
