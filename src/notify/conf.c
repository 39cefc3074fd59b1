/* conf.c -- the event kinds and the settings the senders and the worker read. */
#include "notify.h"

#include <stdlib.h>
#include <string.h>

const char *const notify_kinds[] = {
	NE_REQUEST_SUBMITTED, NE_REQUEST_ASSIGNED, NE_REQUEST_DUE_SOON, NE_REQUEST_OVERDUE,
	NE_REQUEST_ESCALATED, NE_REQUEST_RATED_LOW, NE_REQUEST_UPDATE, NE_FINDING_DUE, NE_FINDING_OVERDUE,
	NE_BATCH_PENDING, NE_OBJECTION_FILED, NE_QUOTA_AT_RISK, NE_DIGEST, NULL,
};

int notify_kind_known(const char *kind)
{
	for (int i = 0; kind && notify_kinds[i]; i++)
		if (strcmp(notify_kinds[i], kind) == 0)
			return 1;
	return 0;
}

static int int_setting(db_t *db, const char *key, int lo, int hi, int dflt)
{
	char *v = setting_get(db, key);
	int n = v && *v ? atoi(v) : dflt;
	free(v);
	return n < lo || n > hi ? dflt : n;
}

int notify_conf_load(db_t *db, struct notify_conf *c)
{
	memset(c, 0, sizeof *c);
	c->base_url = setting_get(db, "notify.base_url");
	c->allowed_hosts = setting_get(db, "notify.allowed_hosts");
	c->digest_time = setting_get(db, "notify.digest_time");
	c->smtp_url = setting_get(db, "smtp.url");
	c->smtp_from = setting_get(db, "smtp.from");
	c->smtp_user = setting_get(db, "smtp.user");
	c->smtp_password = setting_get(db, "smtp.password");
	const char *ca = getenv("ZONEOPS_CA_FILE");
	c->ca_file = strdup(ca ? ca : "");
	c->max_attempts = int_setting(db, "notify.max_attempts", 1, 99, 8);
	c->retry_base = int_setting(db, "notify.retry_base", 1, 3600, 30);
	if (!c->base_url || !c->allowed_hosts || !c->digest_time || !c->smtp_url || !c->smtp_from ||
	    !c->smtp_user || !c->smtp_password || !c->ca_file) {
		notify_conf_free(c);
		return -1;
	}
	/* links need no trailing slash */
	size_t n = strlen(c->base_url);
	while (n > 0 && c->base_url[n - 1] == '/')
		c->base_url[--n] = '\0';
	return 0;
}

void notify_conf_free(struct notify_conf *c)
{
	free(c->base_url);
	free(c->allowed_hosts);
	free(c->digest_time);
	free(c->smtp_url);
	free(c->smtp_from);
	free(c->smtp_user);
	free(c->smtp_password);
	free(c->ca_file);
	memset(c, 0, sizeof *c);
}
