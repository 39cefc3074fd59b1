/*
 * demo_plans.h -- the demo's 一企一档 plans: two plans learnt on the latest
 * visit to each demo enterprise account's enterprise (ent.hengtai plans to
 * go public next year) and to the first enterprises visited recently,
 * dated relative to today.  After the service's visits, before the
 * policies (the IPO reward is pushed to the enterprises that plan it).
 */
#ifndef ZONEOPS_DEMO_PLANS_H
#define ZONEOPS_DEMO_PLANS_H

#include <stdint.h>

#include "store/store.h"

/* Inside the caller's transaction.  0, or -1 with *err (malloc'd; err may
 * be NULL: the message goes to stderr). */
int demo_seed_plans(db_t *db, int64_t now, char **err);

#endif
