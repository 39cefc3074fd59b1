/*
 * demo_service.h -- the enterprise-service part of the demo data
 * (demo_service.c): the official working-day calendars, and a service
 * history that reproduces the article's "两个月走访累计走访企业数496家，协调
 * 解决问题560条" for the two months DEMO_VISITS_FROM … DEMO_VISITS_TO.
 */
#ifndef ZONEOPS_DEMO_SERVICE_H
#define ZONEOPS_DEMO_SERVICE_H

#include <stdint.h>

#include "store/store.h"

/* The article's two months of visits (企业大走访) and its figures. */
#define DEMO_VISITS_FROM "2021-10-15"
#define DEMO_VISITS_TO "2021-12-15"
#define DEMO_VISITED_ENTERPRISES 496
#define DEMO_RESOLVED_REQUESTS 560

/* Load the State Council's holiday schedules (国务院办公厅部分节假日安排)
 * for 2021, 2022, 2025 and 2026 into calendar_days / calendar_years,
 * replacing whatever those years held.  0, or -1 with *err (malloc'd; err
 * may be NULL, then the message goes to stderr).  No transaction of its
 * own. */
int demo_seed_calendar(db_t *db, int64_t now, char **err);

/* Everything of the enterprise service in the demo, inside the caller's
 * transaction, after demo_seed's own data (it looks up departments,
 * users and enterprises by their demo names): the calendars above; the
 * enterprises founded before DEMO_VISITS_FROM topped up to
 * DEMO_VISITED_ENTERPRISES with further non-key enterprises; one or two
 * visits to each of them in the period; the problems raised, of which
 * exactly DEMO_RESOLVED_REQUESTS are resolved or closed within the period
 * and the rest still open (submitted, accepted, in progress, escalated,
 * awaiting the enterprise, reopened); a few current (November 2026)
 * requests for the demo's enterprise accounts; and inspection findings.
 * Deterministic (fixed seed); `now` only stamps calendar_years.loaded_at.
 * 0, or -1 with *err as above. */
int demo_seed_service(db_t *db, int64_t now, char **err);

#endif
