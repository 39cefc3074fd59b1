/*
 * notify.h -- reminders that reach people where they work: the durable
 * outbox (notify_events, notifications, notification_attempts), the
 * channels notices go to (WeCom and DingTalk group robots, webhooks,
 * e-mail over SMTP), users' notification settings (notify_prefs), the
 * delivery worker and its senders, the messages' texts, and the HTTP side
 * of channels and the outbox.  Owns the tables channels, notify_events,
 * notifications, notification_attempts, notify_prefs.
 *
 * How a notice travels: the change that causes it calls notify_emit() in
 * its own transaction, which records the event (once per event key) and
 * one notification row per destination; the worker (a thread of `serve`,
 * or `zoneops notify deliver`) claims due rows, renders the message in the
 * destination's language, sends it and records the attempt; a failure is
 * retried with exponential backoff until notify.max_attempts, then the row
 * is dead (admins see it and may resend).  Time-driven events (due soon,
 * overdue, digests) are found by a scan the worker runs every minute
 * (src/remind/, above the domains, handed in as a callback).
 *
 * Layer: above admin, below the domains (which call notify_emit).
 */
#ifndef ZONEOPS_NOTIFY_H
#define ZONEOPS_NOTIFY_H

#include "admin/admin.h"

/* ---- event kinds: stable strings (the API's and the channels' `events`) ---- */
#define NE_REQUEST_SUBMITTED "request.submitted"   /* to the enterprise's officer */
#define NE_REQUEST_ASSIGNED  "request.assigned"    /* accepted and assigned: to the department */
#define NE_REQUEST_DUE_SOON  "request.due_soon"    /* due within one working day: the handler */
#define NE_REQUEST_OVERDUE   "request.overdue"     /* acceptance or handling: the handler; a
                                                      working day later also the leaders */
#define NE_REQUEST_ESCALATED "request.escalated"   /* to the receiving department */
#define NE_REQUEST_RATED_LOW "request.rated_low"   /* 1-2 stars: the officer and the leaders */
#define NE_REQUEST_UPDATE    "request.update"      /* to the enterprise: its request accepted, escalated,
                                                      waiting for it, resolved or rejected */
#define NE_FINDING_DUE       "finding.due"         /* rectification due within one working day */
#define NE_FINDING_OVERDUE   "finding.overdue"     /* rectification overdue */
#define NE_BATCH_PENDING     "policy.batch_pending" /* a policy batch awaits approval: leaders */
#define NE_OBJECTION_FILED   "land.objection_filed" /* to the land office's admins and leaders */
#define NE_QUOTA_AT_RISK     "race.quota_at_risk"  /* last week of a month: the unit's leader */
#define NE_DIGEST            "digest"              /* per officer and per department, working days */
#define NE_TEST              "test"                /* a channel's test message (never in the outbox) */

/* The kinds above in one list (NULL-terminated), for validation and the UI. */
extern const char *const notify_kinds[];
int notify_kind_known(const char *kind);

/* ---- configuration (conf.c): the settings the senders and the worker read ---- */
struct notify_conf {
	char *base_url;        /* notify.base_url: links in messages ("http://127.0.0.1:8080") */
	char *allowed_hosts;   /* notify.allowed_hosts: comma list of hosts (exact, case-insensitive) */
	int max_attempts;      /* notify.max_attempts (8): then dead */
	int retry_base;        /* notify.retry_base seconds (30): backoff base*2^(n-1), at most 3600 */
	char *digest_time;     /* notify.digest_time "HH:MM" zone time (08:30) */
	char *smtp_url;        /* smtp.url: smtp://host:587 (STARTTLS required) or smtps://host:465 */
	char *smtp_from, *smtp_user, *smtp_password;
	char *ca_file;         /* $ZONEOPS_CA_FILE: extra CA bundle (tests' self-signed receiver) */
};
/* Read the settings (and the environment) into c; 0 or -1 (out of memory). */
int notify_conf_load(db_t *db, struct notify_conf *c);
void notify_conf_free(struct notify_conf *c);

/* ---- emitting (outbox.c) ---- */
/* Who an event is for, any mix; arrays may be NULL when their count is 0.
 * leaders: also every user of role leader.  enterprise_id: the
 * enterprise's contact e-mail and its enterprise users' e-mail (its inbox
 * shows request updates already). */
struct notify_to {
	const int64_t *users; int nusers;
	const int64_t *depts; int ndepts;
	const int64_t *units; int nunits;
	int leaders;
	int64_t enterprise_id;
};
/* Record event `kind` with idempotency key `key` (e.g.
 * "request.overdue:123:2026-12-07:handler") about entity/entity_id, and its
 * notifications, in the caller's transaction: the change that causes it
 * commits both or neither.  payload (borrowed) holds what the message says
 * (see messages.c: title, enterprise, project, due_on, workdays_left,
 * path, ...).  Fans out to every enabled channel of the recipients whose
 * events include kind, to the users' own e-mail (notify_prefs, if they
 * want kind), and to the enterprise's e-mail; a user's quiet hours move
 * next_at to their end.  An existing key does nothing (*out_id the old
 * event when out_id is not NULL).  DB_OK or a DB_ code. */
int notify_emit(db_t *db, const char *kind, const char *key, const char *entity, int64_t entity_id,
                json_t *payload, const struct notify_to *to, int64_t now, int64_t *out_id);
/* Many events at once (the reminders' scans): notify_batch_add() queues
 * what notify_emit() would record, notify_batch_flush() writes them all
 * in the caller's transaction with a fixed number of statements -- one
 * bulk write and one INSERT ... SELECT for the events and for their
 * notifications, every prefs row, enabled channel and leader read once;
 * only an event to an enterprise reads that enterprise's addresses --
 * and *emitted (when not NULL) gets the number of new events (a key
 * recorded before, or given twice, counts once and fans out once).  The
 * rows are those the same notify_emit() calls would write.  After a flush
 * the batch takes more events.  Both DB_OK or a DB_ code. */
struct notify_batch;
struct notify_batch *notify_batch_new(db_t *db, int64_t now);
int notify_batch_add(struct notify_batch *b, const char *kind, const char *key, const char *entity, int64_t entity_id,
                     json_t *payload, const struct notify_to *to);
int notify_batch_flush(struct notify_batch *b, int *emitted);
/* Forget the queued events without writing them. */
void notify_batch_discard(struct notify_batch *b);
void notify_batch_free(struct notify_batch *b);

/* ---- delivering (deliver.c) ---- */
/* Claim up to n due notifications for instance (pending with next_at <=
 * now, or sending with locked_until < now: a crash between claim and
 * record), send each and record the attempt: sent; or pending again with
 * next_at = now + min(retry_base * 2^(attempts-1), 3600); or dead after
 * max_attempts.  PostgreSQL claims with FOR UPDATE SKIP LOCKED, so several
 * instances over one database send each notice once.  The number sent, or
 * -1 on a database error. */
int notify_deliver_once(db_t *db, const char *instance, int n, int64_t now);
/* Resend a dead (or sent) notification: pending now, attempts 0.  1 done,
 * 0 no such notification, or a DB_ code. */
int notify_resend(db_t *db, int64_t id, int64_t now);
/* The worker of `serve`: one thread with its own connection to url that
 * delivers every second (sooner when notify_kick() is called after a
 * commit) and calls scan(db, now) every minute (may be NULL).  instance
 * names this process in locked_by and the attempts (host:pid). */
typedef int (*notify_scan_fn)(db_t *db, int64_t now);
int notify_worker_start(const char *url, notify_scan_fn scan);
void notify_worker_stop(void);
void notify_kick(void);

/* ---- messages (messages.c) ---- */
struct notify_msg {
	const char *event_id;  /* the idempotency id receivers may drop repeats by ("zo-<event id>") */
	char *title;           /* one line */
	char *markdown;        /* WeCom / DingTalk */
	char *text;            /* e-mail body, plain text */
	char *json;            /* the generic webhook's body: {"id","event","title","text","link","payload"} */
};
/* Render event kind with payload in lang ("zh" | "en") with links under
 * base_url into m (strings malloc'd); event_id is borrowed.  0 or -1. */
int notify_render(const char *kind, const char *event_id, json_t *payload, const char *lang,
                  const char *base_url, struct notify_msg *m);
void notify_msg_free(struct notify_msg *m);

/* ---- sending (send.c, libcurl) ---- */
struct notify_dest {
	const char *kind;      /* wecom | dingtalk | webhook | email */
	const char *target;    /* the robot's or webhook's URL, or an e-mail address */
	const char *secret;    /* DingTalk signing secret, webhook HMAC key; "" none */
};
struct notify_result {
	int http_status;       /* 0 when none (e-mail, no connection) */
	char error[256];       /* "" on success */
	int ms;                /* how long the attempt took */
};
/* Check a channel's target before it is stored: the scheme (http, https;
 * for e-mail an address, sent through smtp.url) and the host against
 * conf->allowed_hosts.  0, or -1 with err (422 invalid_target, field
 * target). */
int notify_target_check(const struct notify_conf *c, const char *kind, const char *target, err_t *err);
/* Send m to d now: WeCom markdown; DingTalk markdown with the signed URL
 * (timestamp=now_ms, sign=urlencode(base64(HMAC-SHA256(secret,
 * timestamp "\n" secret)))); a webhook gets m->json with
 * X-Zoneops-Signature: sha256=<hex HMAC-SHA256(secret, body)> and
 * X-Zoneops-Event: m->event_id; e-mail over conf->smtp_url with STARTTLS
 * required.  Outbound safety on every send: the target checked again, no
 * redirects followed, connect 5 s / total 15 s, at most 64 KiB read back,
 * the robots' answer errcode must be 0.  0 sent, -1 with res->error. */
int notify_send(const struct notify_conf *c, const struct notify_dest *d, const struct notify_msg *m,
                int64_t now_ms, struct notify_result *res);
/* The DingTalk signature of timestamp_ms with secret, URL-encoded, into a
 * malloc'd string (exposed for the unit test). */
char *notify_dingtalk_sign(const char *secret, int64_t timestamp_ms);
/* "sha256=<hex>" of HMAC-SHA256(secret, body), malloc'd. */
char *notify_webhook_sign(const char *secret, const char *body, size_t len);

/* The sender the worker calls: notify_send, unless a unit test sets its own. */
typedef int (*notify_sender_fn)(const struct notify_conf *c, const struct notify_dest *d, const struct notify_msg *m,
                                int64_t now_ms, struct notify_result *res);
extern notify_sender_fn notify_sender;

/* ---- HTTP (notify_api.c) ---- */
void api_channels_list(req_t *r);          /* GET /api/v1/channels */
void api_channels_create(req_t *r);        /* POST /api/v1/channels */
void api_channel_update(req_t *r);         /* PATCH /api/v1/channels/{id} */
void api_channel_delete(req_t *r);         /* DELETE /api/v1/channels/{id} */
void api_channel_test(req_t *r);           /* POST /api/v1/channels/{id}/test */
void api_notifications_list(req_t *r);     /* GET /api/v1/notifications?state= */
void api_notification_resend(req_t *r);    /* POST /api/v1/notifications/{id}/resend */
void api_me_notify_get(req_t *r);          /* GET /api/v1/me/notify */
void api_me_notify_put(req_t *r);          /* PUT /api/v1/me/notify */

/* ---- CLI (notify_cli.c) ---- */
/* zoneops notify deliver [--once] | scan | list [--state S] | resend ID | send ... */
int cli_notify(int argc, char **argv, db_t *db, notify_scan_fn scan);
/* zoneops notify send --kind K --target T [--secret S] [--title T] [--text T]: one message now,
 * through notify_send (send_cli.c); 0 sent, 1 failed (the error on stderr). */
int cli_notify_send(int argc, char **argv, db_t *db);

#endif
