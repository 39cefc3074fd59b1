/* deliver.c -- STUB until the worker lands (issue 13, part A). */
#include "notify.h"

int notify_deliver_once(db_t *db, const char *instance, int n, int64_t now) { return 0; }
int notify_resend(db_t *db, int64_t id, int64_t now) { return 0; }
int notify_worker_start(const char *url, notify_scan_fn scan) { return 0; }
void notify_worker_stop(void) {}
void notify_kick(void) {}

notify_sender_fn notify_sender = notify_send;
