/*
 * job.c -- the import framework's background job: every HTTP import is an
 * upload answered 202 at once and imported by a thread, outside any
 * request's transaction, with its progress in import_jobs.
 *
 * Starting (import_job_start, a route with R_NOTX): the upload goes to an
 * unlinked temporary file first (no transaction), then one short
 * transaction stores the job row and its audit row, then a detached thread
 * runs import_run() with two connections of its own: one imports (mode
 * all: the rows are checked without a transaction, then written in one
 * that holds only the writes -- or, for an importer with one_pass, checked
 * and written in one reading inside it; mode good: transactions of IMPORT_BATCH
 * rows), the other keeps the job row: status reading → validating
 * (processed_rows of total_rows) → writing → done, failed or cancelled,
 * a heartbeat, and the report.  While the import's connection holds
 * SQLite's write lock the row is not touched (it would wait for that
 * lock); the live figures are then in memory, and GET shows them for a
 * job of this process.
 *
 * Stopping: a job polls, before every row, its cancel flag (set by
 * POST /api/v1/imports/{id}/cancel in this process, or read from the
 * row's cancel_requested every half second: another instance's cancel)
 * and the process's stop flag (import_stop_all() at shutdown).  Mode all
 * then writes nothing; mode good keeps the batches it committed.
 *
 * Jobs whose process died: unfinished rows are marked failed
 * ("interrupted"; cancelled when a cancel was asked) -- on SQLite (one
 * server per database) every unfinished job older than this process's
 * first look at the jobs; on PostgreSQL those whose advisory lock is free
 * (a running job's connection holds it), or still queued JOB_STALE_SEC
 * after their creation.
 */
#include "table.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define JOB_MAX 4                 /* running jobs per process */
#define JOB_STALE_SEC 300         /* PostgreSQL: a job still queued this long after its creation is dead */
#define JOB_POLL_SEC 0.5          /* how often a job reads its row's cancel flag */

/* SQL: the statuses of a job that has ended */
#define JOB_ENDED "('done', 'failed', 'cancelled')"

struct job {
	int64_t id;
	const struct import_spec *spec;
	int fd;
	char *url, *format, *filename, *username, *role;
	int mode_good, dry_run;
	user_t user;
	atomic_int cancel;            /* its owner or an admin asked */
	/* the thread's */
	db_t *db, *ctl;
	int64_t total;
	double next_poll;
	long row_delay_us;            /* ZONEOPS_TEST_ROW_DELAY_US: tests only */
	/* live figures, under jobs_mu */
	const char *phase;
	int64_t done, written, created, updated, error_rows;
};

static pthread_mutex_t jobs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct job *jobs[JOB_MAX];   /* the jobs of this process */
static atomic_int stopping;        /* import_stop_all() */

static void job_free(struct job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	free(j->url);
	free(j->format);
	free(j->filename);
	free(j->username);
	free(j->role);
	free(j);
}

/* ---- the registry of this process's jobs ---- */

/* Take a slot for j: 0, or -1 when JOB_MAX jobs run. */
static int slot_take(struct job *j)
{
	int rc = -1;
	pthread_mutex_lock(&jobs_mu);
	for (int i = 0; i < JOB_MAX && rc < 0; i++)
		if (jobs[i] == NULL) {
			jobs[i] = j;
			rc = 0;
		}
	pthread_mutex_unlock(&jobs_mu);
	return rc;
}

static void slot_give(struct job *j)
{
	pthread_mutex_lock(&jobs_mu);
	for (int i = 0; i < JOB_MAX; i++)
		if (jobs[i] == j)
			jobs[i] = NULL;
	pthread_mutex_unlock(&jobs_mu);
}

/* The running job id of this process, or NULL; call with jobs_mu held. */
static struct job *slot_find(int64_t id)
{
	for (int i = 0; i < JOB_MAX; i++)
		if (jobs[i] && jobs[i]->id == id)
			return jobs[i];
	return NULL;
}

static int running(void)
{
	int n = 0;
	pthread_mutex_lock(&jobs_mu);
	for (int i = 0; i < JOB_MAX; i++)
		n += jobs[i] != NULL;
	pthread_mutex_unlock(&jobs_mu);
	return n;
}

int import_stop_all(double seconds)
{
	atomic_store(&stopping, 1);
	double until = now_mono() + seconds;
	while (running() > 0 && now_mono() < until) {
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return running() == 0 ? 0 : -1;
}

/* ---- jobs whose process died ---- */

/* Mark the unfinished jobs of dead processes failed (cancelled when a
 * cancel was asked).  A plain read when there are none. */
static void jobs_recover(db_t *db)
{
	/* SQLite: one process owns the file, so every job that existed at this
	 * process's first look and has not ended belonged to a dead process
	 * (by id: a heartbeat in the same second as the look is no proof).
	 * PostgreSQL: several processes; a running job holds an advisory lock
	 * (job_claim), so a job whose lock is free is dead. */
	static pthread_mutex_t look_mu = PTHREAD_MUTEX_INITIALIZER;
	static int looked;
	static int64_t last_before_look;
	int sqlite = db_kind(db) == DB_SQLITE;
	if (sqlite) {
		pthread_mutex_lock(&look_mu);
		if (!looked) {
			last_before_look = db_int1(db, "SELECT COALESCE(max(id), 0) FROM import_jobs", 0, 0, NULL);
			looked = 1;
		}
		pthread_mutex_unlock(&look_mu);
	}
#define JOB_FAIL_DEAD(cond) \
	"UPDATE import_jobs SET status = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'failed' END," \
	" finished_at = $2, report = '{\"fatal\":{\"code\":\"interrupted\",\"message\":\"the server stopped" \
	" during the import; nothing of an all-or-nothing import was written\",\"line\":null,\"field\":null}," \
	"\"errors\":[]}' WHERE status NOT IN " JOB_ENDED " AND " cond
	if (sqlite) {
		/* look before writing: an UPDATE takes SQLite's write lock even
		 * when it changes nothing, and would wait for a running import */
		db_stmt_t *st = db_prepare(db, "SELECT 1 FROM import_jobs WHERE status NOT IN " JOB_ENDED
		                               " AND id <= $1 LIMIT 1");
		db_bind_int(st, 1, last_before_look);
		int stale = db_step(st) == DB_ROW;
		db_done(st);
		if (!stale)
			return;
		st = db_prepare(db, JOB_FAIL_DEAD("id <= $1"));
		db_bind_int(st, 1, last_before_look);
		db_bind_int(st, 2, now_sec());
		if (db_step(st) != DB_DONE)
			fprintf(stderr, "zoneops: marking interrupted imports: %s\n", db_errmsg(db));
		db_done(st);
		return;
	}
	/* PostgreSQL: a job past 'queued' whose lock (job_claim) is free has
	 * no process any more; a job still queued long after its creation
	 * never got one */
	int64_t ids[32];
	int n = 0;
	db_stmt_t *st = db_prepare(db, "SELECT id FROM import_jobs WHERE status NOT IN " JOB_ENDED
	                               " AND (status <> 'queued' OR created_at < $1) ORDER BY id LIMIT 32");
	db_bind_int(st, 1, now_sec() - JOB_STALE_SEC);
	while (n < 32 && db_step(st) == DB_ROW)
		ids[n++] = db_col_int(st, 0);
	db_done(st);
	for (int i = 0; i < n; i++) {
		st = db_prepare(db, "SELECT CASE WHEN pg_try_advisory_lock(7420, CAST($1 AS INTEGER)) THEN 1 ELSE 0 END");
		db_bind_int(st, 1, ids[i]);
		int free_ = db_step(st) == DB_ROW && db_col_int(st, 0) == 1;
		db_done(st);
		if (!free_)
			continue;
		st = db_prepare(db, JOB_FAIL_DEAD("id = $1"));
		db_bind_int(st, 1, ids[i]);
		db_bind_int(st, 2, now_sec());
		if (db_step(st) != DB_DONE)
			fprintf(stderr, "zoneops: marking interrupted imports: %s\n", db_errmsg(db));
		db_done(st);
		st = db_prepare(db, "SELECT pg_advisory_unlock(7420, CAST($1 AS INTEGER))");
		db_bind_int(st, 1, ids[i]);
		db_step(st);
		db_done(st);
	}
}

/* ---- the thread ---- */

/* The job row may be written now: not while the import's connection holds
 * SQLite's write lock (the write would wait for it). */
static int row_writable(const struct job *j)
{
	return j->ctl && !(db_kind(j->db) == DB_SQLITE && db_in_tx(j->db));
}

static void job_update(struct job *j, const char *status, int64_t done, int64_t total, const struct import *im)
{
	pthread_mutex_lock(&jobs_mu);
	j->phase = status;
	j->done = done;
	j->total = total;
	j->written = im ? im->written : 0;
	j->created = im ? im->created : 0;
	j->updated = im ? im->updated : 0;
	j->error_rows = im ? im->bad_rows : 0;
	pthread_mutex_unlock(&jobs_mu);
	if (!row_writable(j))
		return;
	db_stmt_t *st = db_prepare(j->ctl,
		"UPDATE import_jobs SET status = $2, processed_rows = $3, total_rows = $4, created_rows = $5,"
		" updated_rows = $6, error_rows = $7, heartbeat_at = $8, written_rows = $9 WHERE id = $1");
	db_bind_int(st, 1, j->id);
	db_bind_text(st, 2, status);
	db_bind_int(st, 3, done);
	db_bind_int(st, 4, total);
	db_bind_int(st, 5, j->created);
	db_bind_int(st, 6, j->updated);
	db_bind_int(st, 7, j->error_rows);
	db_bind_int(st, 8, now_sec());
	db_bind_int(st, 9, j->written);
	db_step(st);
	db_done(st);
}

/* processed_rows counts the rows checked (of total_rows, counted first);
 * while writing it stays at their number and written_rows counts. */
static void job_progress(struct import *im, const char *phase, int64_t done, int64_t total)
{
	struct job *j = im->o->ud;
	if (strcmp(phase, "validating") == 0)
		job_update(j, phase, done, total, im);
	else if (strcmp(phase, "writing") == 0)   /* total: the rows counted (one pass: not validated first) */
		job_update(j, phase, im->rows, j->total ? j->total : total, im);
	else
		job_update(j, phase, 0, 0, im);
}

/* Before every row: stop when the server stops or the job was cancelled. */
static int job_stop(struct import *im, err_t *why)
{
	struct job *j = im->o->ud;
	if (j->row_delay_us > 0) {
		struct timespec ts = { 0, j->row_delay_us * 1000L };
		nanosleep(&ts, NULL);
	}
	if (atomic_load(&stopping) || server_stopping()) {
		err_set(why, 503, "interrupted", NULL,
		        "the server stopped during the import; nothing of an all-or-nothing import was written");
		return 1;
	}
	double now = now_mono();
	if (!atomic_load(&j->cancel) && now >= j->next_poll && row_writable(j)) {
		j->next_poll = now + JOB_POLL_SEC;
		db_stmt_t *st = db_prepare(j->ctl, "SELECT cancel_requested FROM import_jobs WHERE id = $1");
		db_bind_int(st, 1, j->id);
		if (db_step(st) == DB_ROW && db_col_int(st, 0) == 1)
			atomic_store(&j->cancel, 1);
		db_done(st);
	}
	if (atomic_load(&j->cancel)) {
		err_set(why, 409, "cancelled", NULL, "the import was cancelled");
		return 1;
	}
	return 0;
}

/* The report of a finished job: the counts, the importer's summary, the
 * fatal error (also first in errors, unless the import was stopped) and
 * the row errors. */
static json_t *job_report(const struct job *j, struct import *im)
{
	json_t *rep = json_pack("{s:s s:s s:b s:I s:I s:I s:I s:b}", "format", im->format ? im->format : j->format,
	                        "mode", j->mode_good ? "good" : "all", "dry_run", j->dry_run,
	                        "total_rows", (json_int_t)im->rows, "created", (json_int_t)im->created,
	                        "updated", (json_int_t)im->updated, "error_rows", (json_int_t)im->bad_rows,
	                        "written", im->wrote);
	if (im->encoding)
		json_object_set_new(rep, "encoding", json_string(im->encoding));
	if (im->summary)
		json_object_update(rep, im->summary);
	json_t *errors = json_array();
	if (im->status == IMPORT_BAD_FILE || im->status == IMPORT_FAILED || im->status == IMPORT_STOPPED)
		json_object_set_new(rep, "fatal", import_error_json(&im->fatal));
	if (im->status == IMPORT_BAD_FILE || im->status == IMPORT_FAILED)
		json_array_append_new(errors, import_error_json(&im->fatal));
	for (size_t i = 0; i < im->errors.n; i++)
		json_array_append_new(errors, import_error_json(&im->errors.items[i]));
	json_object_set_new(rep, "errors", errors);
	json_object_set_new(rep, "error_count", json_integer((json_int_t)im->errors.total));
	json_object_set_new(rep, "errors_truncated", json_boolean(im->errors.total > (int64_t)im->errors.n));
	return rep;
}

static const char *final_status(const struct import *im)
{
	if (im->status == IMPORT_STOPPED)
		return strcmp(im->fatal.code, "cancelled") == 0 ? "cancelled" : "failed";
	return im->status == IMPORT_BAD_FILE || im->status == IMPORT_FAILED ? "failed" : "done";
}

static void job_finish(struct job *j, struct import *im)
{
	json_t *rep = job_report(j, im);
	char *report = json_dumps(rep, JSON_COMPACT);
	int64_t processed = im->rows;
	for (int tries = 0; tries < 20 && j->ctl; tries++) {
		db_stmt_t *st = db_prepare(j->ctl,
			"UPDATE import_jobs SET status = $2, total_rows = $3, processed_rows = $4, created_rows = $5,"
			" updated_rows = $6, error_rows = $7, report = $8, finished_at = $9, heartbeat_at = $9,"
			" written_rows = $10 WHERE id = $1");
		db_bind_int(st, 1, j->id);
		db_bind_text(st, 2, final_status(im));
		db_bind_int(st, 3, im->rows);
		db_bind_int(st, 4, processed);
		/* the importer's summary may count what a dry run would do */
		db_bind_int(st, 5, json_integer_value(json_object_get(rep, "created")));
		db_bind_int(st, 6, json_integer_value(json_object_get(rep, "updated")));
		db_bind_int(st, 7, im->bad_rows);
		db_bind_text(st, 8, report ? report : "{}");
		db_bind_int(st, 9, now_sec());
		db_bind_int(st, 10, im->written);
		int rc = db_step(st);
		db_done(st);
		if (rc == DB_DONE)
			break;
		fprintf(stderr, "zoneops: import job %lld: saving the result: %s\n", (long long)j->id, db_errmsg(j->ctl));
		if (atomic_load(&stopping) || server_stopping())
			break;   /* the next start marks it interrupted */
		sleep(1);
	}
	free(report);
	json_decref(rep);
}

/* PostgreSQL: the job's control connection holds an advisory lock on the
 * job's id while it runs; the server dies, the connection closes, the lock
 * goes, and jobs_recover() in any instance can tell at once. */
/* (the advisory locks' first key, 7420, means import jobs) */
static void job_claim(struct job *j)
{
	if (db_kind(j->ctl) != DB_POSTGRES)
		return;
	db_stmt_t *st = db_prepare(j->ctl, "SELECT pg_advisory_lock(7420, CAST($1 AS INTEGER))");
	db_bind_int(st, 1, j->id);
	if (db_step(st) != DB_ROW)
		fprintf(stderr, "zoneops: import job %lld: taking its lock: %s\n", (long long)j->id, db_errmsg(j->ctl));
	db_done(st);
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	char *err = NULL;
	j->db = db_open(j->url, &err);
	if (j->db)
		j->ctl = db_open(j->url, &err);
	if (j->db == NULL || j->ctl == NULL) {
		fprintf(stderr, "zoneops: import job %lld: cannot open the database: %s\n", (long long)j->id, err ? err : "?");
		free(err);
	} else {
		job_claim(j);
		job_update(j, "reading", 0, 0, NULL);   /* after the claim: see jobs_recover() */
		j->user.username = j->username;
		j->user.role = j->role;
		struct import_opts o = {
			.format = j->format, .mode_good = j->mode_good, .dry_run = j->dry_run, .actor = &j->user,
			.filename = j->filename, .progress = job_progress, .stop = job_stop, .ud = j,
		};
		struct table_src src = { .fd = j->fd };
		struct import im;
		import_run(j->db, j->spec, &src, &o, &im);
		job_finish(j, &im);
		import_free(&im);
	}
	db_close(j->db);
	db_close(j->ctl);
	slot_give(j);
	job_free(j);
	return NULL;
}

/* ---- starting ---- */

/* The upload as a descriptor of an unlinked temporary file. */
/* The upload as a file of the job's own: the spooled body's file, or the
 * small body in memory written out. */
static int upload_fd(req_t *r)
{
	return r->body_spooled ? dup(r->body_fd) : table_spool(r->body, r->body_len);
}

static int upload_is_zip(req_t *r)
{
	return req_body_starts(r, "PK\x03\x04", 4);
}

static struct job *job_new(req_t *r, const struct import_spec *spec, const struct import_opts *o)
{
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return NULL;
	j->spec = spec;
	j->fd = -1;
	j->url = strdup(db_global_url());
	j->format = strdup(o->format ? o->format : upload_is_zip(r) ? "xlsx" : req_body_starts(r, "{", 1) ? "geojson" : "csv");
	j->filename = strdup(o->filename);
	j->mode_good = o->mode_good;
	/* Tests of cancelling, stopping and killing need an import still
	 * running when they act; on an idle machine 40,000 rows are written
	 * in a fraction of a second.  The tests set this (µs before each row
	 * of each pass); nothing else should. */
	const char *delay = getenv("ZONEOPS_TEST_ROW_DELAY_US");
	j->row_delay_us = delay ? strtol(delay, NULL, 10) : 0;
	if (j->row_delay_us < 0 || j->row_delay_us > 1000000)
		j->row_delay_us = 0;
	j->dry_run = o->dry_run;
	j->user = *r->user;
	j->user.display_name = NULL;
	j->username = strdup(r->user->username ? r->user->username : "");
	j->role = strdup(r->user->role ? r->user->role : "");
	if (!j->url || !j->format || !j->filename || !j->username || !j->role) {
		job_free(j);
		return NULL;
	}
	return j;
}

/* The job row and the audit row of its start, in one short transaction. */
static int job_insert(req_t *r, struct job *j)
{
	int rc = db_begin(r->db);
	if (rc != DB_OK)
		return rc;
	db_stmt_t *st = db_prepare(r->db,
		"INSERT INTO import_jobs (kind, user_id, filename, format, mode, dry_run, status, created_at, heartbeat_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $7) RETURNING id");
	db_bind_text(st, 1, j->spec->what);
	db_bind_int(st, 2, r->user->id);
	db_bind_text(st, 3, j->filename);
	db_bind_text(st, 4, j->format);
	db_bind_text(st, 5, j->mode_good ? "good" : "all");
	db_bind_int(st, 6, j->dry_run);
	db_bind_int(st, 7, now_sec());
	rc = db_step(st);
	j->id = rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (rc == DB_ROW && j->id > 0) {
		const char *detail = arena_printf(r->arena, "%s (%zu bytes, mode %s%s)", j->filename, r->body_len,
		                                  j->mode_good ? "good" : "all", j->dry_run ? ", dry run" : "");
		rc = audit_write(r->db, r->user, r->ip, j->spec->audit_action, "import_jobs",
		                 arena_printf(r->arena, "%lld", (long long)j->id), 202, detail);
		if (rc == DB_OK)
			rc = db_commit(r->db);
	} else if (rc == DB_ROW)
		rc = DB_ERR;
	if (rc != DB_OK)
		db_rollback(r->db);
	return rc;
}

void import_job_start(req_t *r, const struct import_spec *spec, const struct import_opts *o)
{
	struct job *j = job_new(r, spec, o);
	if (j == NULL) {
		reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	if (slot_take(j) < 0) {
		job_free(j);
		reply_header(r, "Retry-After", "10");
		reply_error(r, 503, "busy", NULL, "%d imports are running; try again shortly", JOB_MAX);
		return;
	}
	jobs_recover(r->db);
	j->fd = upload_fd(r);
	int rc = j->fd < 0 ? DB_ERR : job_insert(r, j);
	if (rc != DB_OK) {
		slot_give(j);
		job_free(j);
		reply_db_error(r, rc, "creating the import job");
		return;
	}
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int64_t id = j->id;
	int started = pthread_create(&t, &attr, job_main, j) == 0;
	pthread_attr_destroy(&attr);
	if (!started) {
		slot_give(j);
		job_free(j);
		db_stmt_t *st = db_prepare(r->db, "UPDATE import_jobs SET status = 'failed', finished_at = $2 WHERE id = $1");
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, now_sec());
		db_step(st);
		db_done(st);
		reply_error(r, 503, "busy", NULL, "cannot start the import now; try again later");
		return;
	}
	reply_json(r, 202, json_pack("{sI s s s s s s s s s b sI sI sI sb}", "id", (json_int_t)id, "status", "queued",
	                             "url", arena_printf(r->arena, "/api/v1/imports/%lld", (long long)id),
	                             "filename", o->filename, "mode", o->mode_good ? "good" : "all", "dry_run", o->dry_run,
	                             "total_rows", (json_int_t)0, "processed_rows", (json_int_t)0,
	                             "written_rows", (json_int_t)0, "cancel_requested", 0));
}

/* ---- reading and cancelling ---- */

static int job_ended(const char *status)
{
	return strcmp(status, "done") == 0 || strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0;
}

/* Job id as its owner or an admin sees it (with the live figures of a job
 * of this process), or NULL after replying 404. */
static json_t *job_json(req_t *r, int64_t id)
{
	db_stmt_t *st = db_prepare(r->db,
		"SELECT id, kind, user_id, filename, format, mode, dry_run, status, total_rows, processed_rows,"
		" written_rows, created_rows, updated_rows, error_rows, created_at, finished_at, cancel_requested, report"
		" FROM import_jobs WHERE id = $1");
	db_bind_int(st, 1, id);
	json_t *o = NULL;
	char *report = NULL;
	int64_t owner = 0;
	if (id && db_step(st) == DB_ROW) {
		o = row_json(st, "isisssbsiiiiiiiib");
		owner = db_col_int(st, 2);
		report = strdup(db_col_text(st, 17));
	}
	db_done(st);
	if (o == NULL || (r->user->role_bit != ROLE_ADMIN && owner != r->user->id)) {
		json_decref(o);
		free(report);
		reply_error(r, 404, "not_found", "id", "no such import");
		return NULL;
	}
	pthread_mutex_lock(&jobs_mu);
	const struct job *j = slot_find(id);
	if (j && j->phase) {   /* running here: the figures the row may not have yet */
		json_object_set_new(o, "status", json_string(j->phase));
		json_object_set_new(o, "processed_rows", json_integer((json_int_t)j->done));
		json_object_set_new(o, "total_rows", json_integer((json_int_t)j->total));
		json_object_set_new(o, "written_rows", json_integer((json_int_t)j->written));
		json_object_set_new(o, "created_rows", json_integer((json_int_t)j->created));
		json_object_set_new(o, "updated_rows", json_integer((json_int_t)j->updated));
		json_object_set_new(o, "error_rows", json_integer((json_int_t)j->error_rows));
		if (atomic_load(&j->cancel))
			json_object_set_new(o, "cancel_requested", json_true());
	}
	pthread_mutex_unlock(&jobs_mu);
	json_t *rep = report && *report ? json_loads(report, 0, NULL) : NULL;
	free(report);
	json_object_set_new(o, "report", rep ? rep : json_null());
	return o;
}

void import_job_get(req_t *r)
{
	jobs_recover(r->db);
	json_t *o = job_json(r, req_param_id(r, 0));
	if (o)
		reply_json(r, 200, o);
}

/* cancel_requested = 1 for a job that has not ended, with the audit row. */
static int cancel_mark(req_t *r, int64_t id)
{
	int rc = db_begin(r->db);
	if (rc != DB_OK)
		return rc;
	db_stmt_t *st = db_prepare(r->db,
		"UPDATE import_jobs SET cancel_requested = 1 WHERE id = $1 AND status NOT IN " JOB_ENDED);
	db_bind_int(st, 1, id);
	rc = db_step(st);
	int changed = rc == DB_DONE && db_changes(st) > 0;
	db_done(st);
	rc = rc == DB_DONE ? DB_OK : rc;
	if (rc == DB_OK && changed)
		rc = audit_write(r->db, r->user, r->ip, "cancel import", "import_jobs",
		                 arena_printf(r->arena, "%lld", (long long)id), 202, NULL);
	if (rc == DB_OK)
		rc = db_commit(r->db);
	if (rc != DB_OK)
		db_rollback(r->db);
	return rc;
}

void import_job_cancel(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	jobs_recover(r->db);
	json_t *o = job_json(r, id);
	if (o == NULL)
		return;
	int asked = !job_ended(json_string_value(json_object_get(o, "status")));
	if (asked) {
		/* this process's job stops at its next row, before the row is
		 * marked: a job holding SQLite's write lock lets go of it */
		pthread_mutex_lock(&jobs_mu);
		struct job *j = slot_find(id);
		if (j)
			atomic_store(&j->cancel, 1);
		pthread_mutex_unlock(&jobs_mu);
		int rc = cancel_mark(r, id);
		json_decref(o);
		if (rc != DB_OK) {
			reply_db_error(r, rc, "cancelling the import");
			return;
		}
		if ((o = job_json(r, id)) == NULL)
			return;
	}
	/* it may have ended meanwhile: cancelled is what was asked */
	const char *status = json_string_value(json_object_get(o, "status"));
	if (job_ended(status) && (!asked || strcmp(status, "cancelled") != 0)) {
		err_t e;
		err_set(&e, 409, "import_finished", "id", "the import has ended (%s): there is nothing to cancel", status);
		err_param(&e, "status", "%s", status);
		json_decref(o);
		reply_err(r, &e);
		return;
	}
	json_object_set_new(o, "cancel_requested", json_true());
	reply_json(r, 202, o);
}
