/*
 * deliver.c -- the delivery of the outbox: claim due notifications, send
 * each outside any transaction, record the attempt and the outcome; and
 * the worker thread of `serve` (and `zoneops notify deliver`) that does it
 * every second and runs the reminder scan every minute.
 *
 * A claim is a lease: state 'sending', locked_by the instance, locked_until
 * now + LEASE_SEC.  An instance that dies between its claim and its record
 * leaves the row 'sending'; once the lease has run out any instance claims
 * it again (the receiver may then get the message twice, with the same
 * event id to drop the repeat by).  The lease is longer than a send may
 * take (notify_send gives up after 15 s), and the outcome is written only
 * while the row is still ours (locked_by = instance): a row another
 * instance re-claimed after our lease ran out is theirs.
 */
#include "deliver.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LEASE_SEC 60          /* > the 15 s a send may take */
#define BACKOFF_MAX 3600      /* the longest wait between two attempts */
#define WORKER_BATCH 50       /* notifications claimed at once by the worker */
#define WORKER_TICK_SEC 1     /* the worker looks for due notifications this often */
#define SCAN_EVERY_SEC 60     /* and runs the reminder scan this often */

notify_sender_fn notify_sender = notify_send;

/* A claimed notification. */
struct claim {
	int64_t id, event_id, channel_id;
	int attempts;             /* this one included */
	char *dest, *kind, *target, *lang;
};

static void claims_free(struct claim *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].dest);
		free(v[i].kind);
		free(v[i].target);
		free(v[i].lang);
	}
	free(v);
}

/* The claim.  Two texts, one per store (the one place of notify that
 * differs): PostgreSQL locks the rows it takes and skips those another
 * instance's claim holds (FOR UPDATE SKIP LOCKED), so that several
 * instances never claim the same row; SQLite has no row locks and needs
 * none: the claim runs inside BEGIN IMMEDIATE, and one writer at a time
 * holds the database. */
static const char CLAIM_PG[] =
	"UPDATE notifications SET state = 'sending', locked_by = $1, locked_until = $2, attempts = attempts + 1"
	" WHERE id IN (SELECT id FROM notifications"
	" WHERE (state = 'pending' AND next_at <= $3) OR (state = 'sending' AND locked_until < $3)"
	" ORDER BY next_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)"
	" RETURNING id, event_id, channel_id, attempts, dest, kind, target, lang";
static const char CLAIM_SQLITE[] =
	"UPDATE notifications SET state = 'sending', locked_by = $1, locked_until = $2, attempts = attempts + 1"
	" WHERE id IN (SELECT id FROM notifications"
	" WHERE (state = 'pending' AND next_at <= $3) OR (state = 'sending' AND locked_until < $3)"
	" ORDER BY next_at, id LIMIT $4)"
	" RETURNING id, event_id, channel_id, attempts, dest, kind, target, lang";

/* Claim up to n due rows in one short transaction into *out; their
 * number, or -1 on a database error (nothing claimed). */
static int claim(db_t *db, const char *instance, int n, int64_t now, struct claim **out)
{
	*out = NULL;
	/* most rounds find nothing due: a read, without the write lock */
	db_stmt_t *due = db_prepare(db, "SELECT 1 FROM notifications WHERE (state = 'pending' AND next_at <= $1)"
	                                " OR (state = 'sending' AND locked_until < $1) LIMIT 1");
	if (due == NULL)
		return -1;
	db_bind_int(due, 1, now);
	int drc = db_step(due);
	db_done(due);
	if (drc == DB_DONE)
		return 0;
	if (drc != DB_ROW)
		return -1;
	if (db_begin(db) != DB_OK)
		return -1;
	db_stmt_t *st = db_prepare(db, db_kind(db) == DB_POSTGRES ? CLAIM_PG : CLAIM_SQLITE);
	if (st == NULL) {
		db_rollback(db);
		return -1;
	}
	db_bind_text(st, 1, instance);
	db_bind_int(st, 2, now + LEASE_SEC);
	db_bind_int(st, 3, now);
	db_bind_int(st, 4, n);
	struct claim *v = calloc((size_t)(n > 0 ? n : 1), sizeof *v);
	int k = 0, rc = v ? DB_DONE : DB_ERR;
	while (v && (rc = db_step(st)) == DB_ROW) {
		if (k == n) {   /* never: LIMIT n */
			rc = DB_ERR;
			break;
		}
		struct claim *c = &v[k++];
		c->id = db_col_int(st, 0);
		c->event_id = db_col_int(st, 1);
		c->channel_id = db_col_isnull(st, 2) ? 0 : db_col_int(st, 2);
		c->attempts = (int)db_col_int(st, 3);
		c->dest = strdup(db_col_text(st, 4));
		c->kind = strdup(db_col_text(st, 5));
		c->target = strdup(db_col_text(st, 6));
		c->lang = strdup(db_col_text(st, 7));
		if (!c->dest || !c->kind || !c->target || !c->lang) {
			rc = DB_ERR;
			break;
		}
	}
	db_done(st);
	if (rc != DB_DONE || db_commit(db) != DB_OK) {
		if (db_in_tx(db))
			db_rollback(db);
		fprintf(stderr, "zoneops: notify: claiming notifications: %s\n", db_errmsg(db));
		claims_free(v, k);
		return -1;
	}
	*out = v;
	return k;
}

/* The wait before the next attempt after `attempts` failed ones. */
static int64_t backoff(int retry_base, int attempts)
{
	int64_t d = retry_base > 0 ? retry_base : 1;
	for (int i = 1; i < attempts && d < BACKOFF_MAX; i++)
		d *= 2;
	return d < BACKOFF_MAX ? d : BACKOFF_MAX;
}

/* Record the attempt and the outcome of c, in one transaction: sent; or
 * pending again after the backoff; or dead after max_attempts (dead at once
 * when final).  The row's state changes only while the row is still ours. */
static int record(db_t *db, const char *instance, const struct notify_conf *conf, const struct claim *c, int64_t now,
                  int ok, int final, const struct notify_result *res)
{
	const char *state = ok ? "sent" : final || c->attempts >= conf->max_attempts ? "dead" : "pending";
	if (db_begin(db) != DB_OK)
		return -1;
	db_stmt_t *st = db_prepare(db,
		"INSERT INTO notification_attempts (notification_id, at, instance, ok, http_status, error, ms)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7)");
	int rc = DB_ERR;
	if (st) {
		db_bind_int(st, 1, c->id);
		db_bind_int(st, 2, now);
		db_bind_text(st, 3, instance);
		db_bind_int(st, 4, ok);
		db_bind_int(st, 5, res->http_status);
		db_bind_text(st, 6, res->error);
		db_bind_int(st, 7, res->ms);
		rc = db_step(st);
		db_done(st);
	}
	if (rc == DB_DONE && (st = db_prepare(db,
		"UPDATE notifications SET state = $3, next_at = $4, last_error = $5, sent_at = $6, locked_by = '',"
		" locked_until = 0 WHERE id = $1 AND locked_by = $2 AND state = 'sending'")) != NULL) {
		db_bind_int(st, 1, c->id);
		db_bind_text(st, 2, instance);
		db_bind_text(st, 3, state);
		db_bind_int(st, 4, strcmp(state, "pending") == 0 ? now + backoff(conf->retry_base, c->attempts) : now);
		db_bind_text(st, 5, res->error);
		if (ok) db_bind_int(st, 6, now); else db_bind_null(st, 6);
		rc = db_step(st);
		db_done(st);
	} else if (rc == DB_DONE) {
		rc = DB_ERR;
	}
	if (rc != DB_DONE || db_commit(db) != DB_OK) {
		fprintf(stderr, "zoneops: notify: recording notification %lld: %s\n", (long long)c->id, db_errmsg(db));
		if (db_in_tx(db))
			db_rollback(db);
		return -1;
	}
	return 0;
}

/* The event's kind and payload (malloc'd, parsed); 0, or -1 when gone. */
static int load_event(db_t *db, int64_t event_id, char **kind, json_t **payload)
{
	*kind = NULL;
	*payload = NULL;
	db_stmt_t *st = db_prepare(db, "SELECT kind, payload FROM notify_events WHERE id = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, event_id);
	if (db_step(st) == DB_ROW) {
		*kind = strdup(db_col_text(st, 0));
		*payload = json_loads(db_col_text(st, 1), 0, NULL);
	}
	db_done(st);
	if (*kind == NULL || *payload == NULL) {
		free(*kind);
		json_decref(*payload);
		*kind = NULL;
		*payload = NULL;
		return -1;
	}
	return 0;
}

/* A channel's secret into *secret (malloc'd): 1, 0 when the channel is
 * gone, 2 when it was switched off after the notice was made (not sent:
 * dead, an admin resends it once the channel is on again), -1 on an
 * error. */
static int channel_secret(db_t *db, int64_t channel_id, char **secret)
{
	*secret = NULL;
	if (channel_id <= 0)
		return 0;   /* ON DELETE SET NULL */
	db_stmt_t *st = db_prepare(db, "SELECT secret, enabled FROM channels WHERE id = $1");
	if (st == NULL)
		return -1;
	db_bind_int(st, 1, channel_id);
	int rc = db_step(st), on = 0;
	if (rc == DB_ROW) {
		*secret = strdup(db_col_text(st, 0));
		on = db_col_int(st, 1) != 0;
	}
	db_done(st);
	if (rc == DB_ROW)
		return *secret ? (on ? 1 : 2) : -1;
	return rc == DB_DONE ? 0 : -1;
}

/* Send one claimed notification and record it; 1 sent, 0 not, -1 when
 * the record failed. */
static int deliver_one(db_t *db, const char *instance, const struct notify_conf *conf, const struct claim *c,
                       int64_t now)
{
	struct notify_result res;
	memset(&res, 0, sizeof res);
	char *secret = NULL, *kind = NULL;
	json_t *payload = NULL;
	int ok = 0, final = 0;
	int ch = c->dest[0] == 'c' ? channel_secret(db, c->channel_id, &secret) : 1;
	if (ch == 0 || ch == 2) {
		snprintf(res.error, sizeof res.error, ch == 0 ? "channel deleted" : "channel switched off");
		final = 1;
	} else if (ch < 0) {
		snprintf(res.error, sizeof res.error, "cannot read the channel: %s", db_errmsg(db));
	} else if (load_event(db, c->event_id, &kind, &payload) < 0) {
		snprintf(res.error, sizeof res.error, "event not found");
		final = 1;
	} else {
		char event_id[32];
		snprintf(event_id, sizeof event_id, "zo-%lld", (long long)c->event_id);
		struct notify_msg m;
		if (notify_render(kind, event_id, payload, c->lang, conf->base_url, &m) < 0) {
			snprintf(res.error, sizeof res.error, "cannot render the message");
		} else {
			struct notify_dest d = { .kind = c->kind, .target = c->target, .secret = secret ? secret : "" };
			/* the real clock, not ZONEOPS_NOW's: DingTalk refuses a signature
			 * whose timestamp is an hour off its own, and a mail's Date is now */
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			int64_t real_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
			ok = notify_sender(conf, &d, &m, real_ms, &res) == 0;
			if (ok)
				res.error[0] = '\0';
			else if (res.error[0] == '\0')
				snprintf(res.error, sizeof res.error, "not sent");
			notify_msg_free(&m);
		}
	}
	free(secret);
	free(kind);
	json_decref(payload);
	if (record(db, instance, conf, c, now, ok, final, &res) < 0)
		return -1;
	return ok;
}

/* Claim and deliver up to n; the number sent or -1; *claimed how many
 * were taken. */
static int deliver_batch(db_t *db, const char *instance, int n, int64_t now, int *claimed)
{
	*claimed = 0;
	struct claim *v;
	int k = claim(db, instance, n, now, &v);
	if (k < 0)
		return -1;
	*claimed = k;
	if (k == 0) {
		free(v);
		return 0;
	}
	struct notify_conf conf;
	if (notify_conf_load(db, &conf) < 0) {
		claims_free(v, k);   /* the rows come back when their lease runs out */
		return -1;
	}
	int sent = 0, failed = 0;
	for (int i = 0; i < k; i++) {
		int r = deliver_one(db, instance, &conf, &v[i], now);
		if (r > 0)
			sent++;
		else if (r < 0)
			failed = 1;
	}
	notify_conf_free(&conf);
	claims_free(v, k);
	return failed ? -1 : sent;
}

int notify_deliver_once(db_t *db, const char *instance, int n, int64_t now)
{
	int claimed;
	return deliver_batch(db, instance, n, now, &claimed);
}

int notify_resend(db_t *db, int64_t id, int64_t now)
{
	db_stmt_t *st = db_prepare(db,
		"UPDATE notifications SET state = 'pending', attempts = 0, next_at = $2, last_error = '', locked_by = '',"
		" locked_until = 0 WHERE id = $1 AND state <> 'sending'");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, now);
	int rc = db_step(st);
	int64_t n = rc == DB_DONE ? db_changes(st) : 0;
	db_done(st);
	if (rc != DB_DONE)
		return rc;
	if (n > 0)
		return 1;
	/* none changed: no such notification, or one being sent right now */
	int found = db_exists_id(db, "SELECT 1 FROM notifications WHERE id = $1", id);
	return found < 0 ? DB_ERR : found ? DB_CONSTRAINT : 0;
}

/* ---- the worker ---- */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;        /* on CLOCK_MONOTONIC; valid while cv_ready */
	int cv_ready, running, kicked;
	pthread_t thread;
	char *url;
	db_t *db;
	notify_scan_fn scan;
	char instance[320];
} W = { .mu = PTHREAD_MUTEX_INITIALIZER };

void notify_kick(void)
{
	pthread_mutex_lock(&W.mu);
	W.kicked = 1;
	if (W.cv_ready)
		pthread_cond_signal(&W.cv);
	pthread_mutex_unlock(&W.mu);
}

static int worker_running(void)
{
	pthread_mutex_lock(&W.mu);
	int r = W.running;
	pthread_mutex_unlock(&W.mu);
	return r;
}

void notify_instance_name(char *out, size_t n)
{
	char host[256];
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(out, n, "%s:%ld", host, (long)getpid());
}

int notify_deliver_due(db_t *db, const char *instance, int (*go_on)(void))
{
	int claimed = WORKER_BATCH, sent = 0;
	while (claimed == WORKER_BATCH && (go_on == NULL || go_on())) {
		int n = deliver_batch(db, instance, WORKER_BATCH, now_sec(), &claimed);
		if (n < 0)
			return -1;
		sent += n;
	}
	return sent;
}

/* The worker's connection (opened when there is none). */
static db_t *worker_db(void)
{
	if (W.db == NULL) {
		char *err = NULL;
		W.db = db_open(W.url, &err);
		if (W.db == NULL) {
			fprintf(stderr, "zoneops: notify: cannot open the database: %s\n", err ? err : "?");
			free(err);
		}
	}
	return W.db;
}

/* After a round: the connection is closed (and opened again by the next
 * round) once WORKER_REOPEN rounds in a row failed -- a lost PostgreSQL
 * connection; SQLite busy behind a long import is only waited out. */
#define WORKER_REOPEN 10
static void worker_result(int failed)
{
	static int failures;
	failures = failed ? failures + 1 : 0;
	if (failures >= WORKER_REOPEN && W.db) {
		failures = 0;
		db_close(W.db);
		W.db = NULL;
	}
}

/* One round: the scan when it is due, then every due notification. */
static void worker_round(int64_t *next_scan)
{
	int64_t now = now_sec();
	db_t *db = worker_db();
	if (db == NULL)
		return;
	int failed = 0;
	if (W.scan && now >= *next_scan) {
		*next_scan = now + SCAN_EVERY_SEC;
		if (W.scan(db, now) < 0) {
			fprintf(stderr, "zoneops: notify: the reminder scan failed: %s\n", db_errmsg(db));
			failed = 1;
		}
	}
	if (notify_deliver_due(db, W.instance, worker_running) < 0)
		failed = 1;
	worker_result(failed);
}

static void *worker_main(void *arg)
{
	(void)arg;
	int64_t next_scan = 0;
	pthread_mutex_lock(&W.mu);
	while (W.running) {
		W.kicked = 0;
		pthread_mutex_unlock(&W.mu);
		worker_round(&next_scan);
		pthread_mutex_lock(&W.mu);
		if (!W.running || W.kicked)
			continue;
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += WORKER_TICK_SEC;
		pthread_cond_timedwait(&W.cv, &W.mu, &until);
	}
	pthread_mutex_unlock(&W.mu);
	return NULL;
}

int notify_worker_start(const char *url, notify_scan_fn scan)
{
	pthread_mutex_lock(&W.mu);
	if (W.running) {
		pthread_mutex_unlock(&W.mu);
		return 0;
	}
	notify_instance_name(W.instance, sizeof W.instance);
	W.url = strdup(url ? url : "");
	W.scan = scan;
	W.db = NULL;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int ok = W.url && pthread_cond_init(&W.cv, &ca) == 0;
	pthread_condattr_destroy(&ca);
	W.cv_ready = ok;
	W.running = ok;
	if (ok) {
		/* signals stay with the main thread (serve waits for them in pause()) */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		ok = pthread_create(&W.thread, NULL, worker_main, NULL) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!ok) {
			W.running = 0;
			W.cv_ready = 0;
			pthread_cond_destroy(&W.cv);
		}
	}
	if (!ok) {
		free(W.url);
		W.url = NULL;
	}
	pthread_mutex_unlock(&W.mu);
	if (!ok)
		fprintf(stderr, "zoneops: notify: cannot start the delivery worker\n");
	return ok ? 0 : -1;
}

void notify_worker_stop(void)
{
	pthread_mutex_lock(&W.mu);
	if (!W.running) {
		pthread_mutex_unlock(&W.mu);
		return;
	}
	W.running = 0;
	pthread_cond_signal(&W.cv);
	pthread_mutex_unlock(&W.mu);
	pthread_join(W.thread, NULL);
	pthread_mutex_lock(&W.mu);
	W.cv_ready = 0;
	pthread_cond_destroy(&W.cv);
	pthread_mutex_unlock(&W.mu);
	if (W.db)
		db_close(W.db);
	W.db = NULL;
	free(W.url);
	W.url = NULL;
}
