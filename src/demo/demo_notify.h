/*
 * demo_notify.h -- the demo's reminders: three channels (switched off) and
 * the outbox of the last days, one notice sent per new request of
 * officer01's enterprises and one given up.  After the service's requests
 * (their request.submitted events are the ones the outbox shows).
 */
#ifndef ZONEOPS_DEMO_NOTIFY_H
#define ZONEOPS_DEMO_NOTIFY_H

#include <stdint.h>

#include "store/store.h"

/* Inside the caller's transaction.  0, or -1 with *err (malloc'd; err may
 * be NULL: the message goes to stderr). */
int demo_seed_notify(db_t *db, int64_t now, char **err);

#endif
