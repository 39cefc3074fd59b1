/* send.c -- STUB until the senders land (issue 13, part B): nothing is sent. */
#include "notify.h"

#include <stdio.h>
#include <string.h>

int notify_target_check(const struct notify_conf *c, const char *kind, const char *target, err_t *err)
{
	return 0;
}

int notify_send(const struct notify_conf *c, const struct notify_dest *d, const struct notify_msg *m,
                int64_t now_ms, struct notify_result *res)
{
	memset(res, 0, sizeof *res);
	snprintf(res->error, sizeof res->error, "sending is not built yet");
	return -1;
}

char *notify_dingtalk_sign(const char *secret, int64_t timestamp_ms) { return NULL; }
char *notify_webhook_sign(const char *secret, const char *body, size_t len) { return NULL; }

int cli_notify_send(int argc, char **argv, db_t *db) { return 1; }
