/* send_cli.c -- zoneops notify send: one message to one target now, through
 * notify_send() with the zone's settings (a channel's first test, or a check
 * of smtp.url and notify.allowed_hosts from the command line). */
#include "notify.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEND_USAGE "usage: zoneops notify send --kind wecom|dingtalk|webhook|email --target URL|ADDRESS\n" \
	"                           [--secret S] [--title TEXT] [--text TEXT]\n"

struct send_args {
	const char *kind, *target, *secret, *title, *text;
};

static int parse_send_args(int argc, char **argv, struct send_args *a)
{
	static const struct { const char *name; size_t off; } opt[] = {
		{ "--kind", offsetof(struct send_args, kind) },     { "--target", offsetof(struct send_args, target) },
		{ "--secret", offsetof(struct send_args, secret) }, { "--title", offsetof(struct send_args, title) },
		{ "--text", offsetof(struct send_args, text) },
	};
	memset(a, 0, sizeof *a);
	for (int i = argc > 0 && strcmp(argv[0], "send") == 0 ? 1 : 0; i < argc; i++) {
		size_t k = 0, nopt = sizeof opt / sizeof opt[0];
		while (k < nopt && strcmp(argv[i], opt[k].name) != 0)
			k++;
		if (k == nopt || i + 1 >= argc) {
			fprintf(stderr, "zoneops: %s '%s'\n" SEND_USAGE, k == nopt ? "unknown option" : "no value after", argv[i]);
			return -1;
		}
		*(const char **)((char *)a + opt[k].off) = argv[++i];
	}
	if (!a->kind || !a->target) {
		fprintf(stderr, "zoneops: --kind and --target are required\n" SEND_USAGE);
		return -1;
	}
	return 0;
}

/* A plain test message: title and text, as markdown, plain text and the
 * webhook's JSON. */
static int simple_message(const struct send_args *a, const char *event_id, const char *base_url, struct notify_msg *m)
{
	const char *title = a->title ? a->title : "zoneops test message";
	const char *text = a->text ? a->text : "This is a test message from zoneops.";
	memset(m, 0, sizeof *m);
	m->event_id = event_id;
	m->title = strdup(title);
	if (asprintf(&m->markdown, "### %s\n\n%s", title, text) < 0)
		m->markdown = NULL;
	if (asprintf(&m->text, "%s\n\n%s\n", title, text) < 0)
		m->text = NULL;
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{}}", "id", event_id, "event", NE_TEST, "title", title,
	                      "text", text, "link", base_url ? base_url : "", "payload");
	m->json = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return m->title && m->markdown && m->text && m->json ? 0 : -1;
}

int cli_notify_send(int argc, char **argv, db_t *db)
{
	struct send_args a;
	if (parse_send_args(argc, argv, &a) < 0)
		return 2;
	struct notify_conf conf;
	if (notify_conf_load(db, &conf) < 0) {
		fprintf(stderr, "zoneops: could not read the settings\n");
		return 1;
	}
	err_t err;
	err_clear(&err);
	if (notify_target_check(&conf, a.kind, a.target, &err) < 0) {
		fprintf(stderr, "zoneops: %s\n", err.message);
		notify_conf_free(&conf);
		return 1;
	}
	/* DingTalk compares the signed timestamp with its own clock: the real
	 * time, not the zone's (ZONEOPS_NOW). */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	char event_id[48];
	snprintf(event_id, sizeof event_id, "zo-test-%lld", (long long)now_ms);
	struct notify_msg m;
	struct notify_result res;
	int rc = 1;
	if (simple_message(&a, event_id, conf.base_url, &m) < 0)
		fprintf(stderr, "zoneops: out of memory\n");
	else {
		struct notify_dest d = { a.kind, a.target, a.secret ? a.secret : "" };
		rc = notify_send(&conf, &d, &m, now_ms, &res) == 0 ? 0 : 1;
		if (rc == 0 && res.http_status)
			printf("sent %s (HTTP %d, %d ms)\n", event_id, res.http_status, res.ms);
		else if (rc == 0)
			printf("sent %s (%d ms)\n", event_id, res.ms);
		else
			fprintf(stderr, "zoneops: not sent: %s (HTTP %d, %d ms)\n", res.error, res.http_status, res.ms);
	}
	notify_msg_free(&m);
	notify_conf_free(&conf);
	return rc;
}
