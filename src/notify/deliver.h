/*
 * deliver.h -- inside notify: what the worker and `zoneops notify deliver`
 * share (deliver.c).
 */
#ifndef ZONEOPS_NOTIFY_DELIVER_H
#define ZONEOPS_NOTIFY_DELIVER_H

#include "notify.h"

/* This process's name in locked_by and the attempts: "host:pid". */
void notify_instance_name(char *out, size_t n);
/* Deliver batch after batch until one claims fewer than a full batch (every
 * notification due at the clock's now is done; a failed one waits for its
 * next attempt), or until go_on() (may be NULL) says 0.  The number sent,
 * or -1 on a database error. */
int notify_deliver_due(db_t *db, const char *instance, int (*go_on)(void));

#endif
