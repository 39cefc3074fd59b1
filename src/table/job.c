/*
 * job.c -- the import framework's background job: an upload answered 202
 * at once and imported by a thread, with its progress in import_jobs.
 *
 * The request stores the job row (queued) in its own transaction, writes
 * the upload to an unlinked temporary file (so the thread holds a
 * descriptor, not the file in memory) and starts a detached thread with
 * its own connection.  The thread waits for the row to commit, then runs
 * import_run() with a progress callback that moves the row through
 * reading → validating (processed_rows of total_rows, every IMPORT_BATCH
 * rows, in short transactions of their own) → writing (mode good: the
 * counts after each batch; mode all: one transaction, visible at its
 * commit) → done or failed, with the report JSON.  A job whose process
 * stops stays in its last status, with nothing of a mode-all import
 * written; the next job marks unfinished jobs older than six hours failed
 * ("interrupted").
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
#define JOB_STALE_SEC 21600       /* an unfinished job this old was interrupted */

struct job {
	int64_t id;
	const struct import_spec *spec;
	char *url;
	int fd;
	char *format, *filename;
	int mode_good, dry_run;
	user_t user;
	char *username, *role;
	/* while running */
	db_t *db;
	int64_t total;
};

static atomic_int running_jobs;

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

static void job_update(db_t *db, int64_t id, const char *status, int64_t done, int64_t total, int64_t created,
                       int64_t updated, int64_t error_rows)
{
	db_stmt_t *st = db_prepare(db,
		"UPDATE import_jobs SET status = $2, processed_rows = $3, total_rows = $4, created_rows = $5,"
		" updated_rows = $6, error_rows = $7, finished_at = NULL WHERE id = $1");
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, status);
	db_bind_int(st, 3, done);
	db_bind_int(st, 4, total);
	db_bind_int(st, 5, created);
	db_bind_int(st, 6, updated);
	db_bind_int(st, 7, error_rows);
	db_step(st);
	db_done(st);
}

static void job_progress(struct import *im, const char *phase, int64_t done, int64_t total)
{
	struct job *j = im->o->ud;
	/* inside the one transaction of a mode-all import the row would be
	 * invisible until the end: the job shows "writing" meanwhile */
	if (db_in_tx(j->db))
		return;
	if (strcmp(phase, "validating") == 0)
		j->total = total;
	/* processed_rows counts checked rows; while writing it stays at their number */
	int64_t processed = strcmp(phase, "validating") == 0 ? done : strcmp(phase, "writing") == 0 ? im->rows : 0;
	job_update(j->db, j->id, phase, processed, j->total, im->created, im->updated, im->bad_rows);
}

/* The report of a finished job: the counts, the importer's summary, the
 * fatal error (also first in errors) and the row errors. */
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
	if (im->status == IMPORT_BAD_FILE || im->status == IMPORT_FAILED) {
		json_object_set_new(rep, "fatal", import_error_json(&im->fatal));
		json_array_append_new(errors, import_error_json(&im->fatal));
	}
	for (size_t i = 0; i < im->errors.n; i++)
		json_array_append_new(errors, import_error_json(&im->errors.items[i]));
	json_object_set_new(rep, "errors", errors);
	json_object_set_new(rep, "errors_truncated", json_boolean(im->errors.total > (int64_t)im->errors.n));
	return rep;
}

static void job_finish(struct job *j, struct import *im)
{
	json_t *rep = job_report(j, im);
	char *report = json_dumps(rep, JSON_COMPACT);
	int failed = im->status == IMPORT_BAD_FILE || im->status == IMPORT_FAILED;
	for (int tries = 0; tries < 20; tries++) {
		db_stmt_t *st = db_prepare(j->db,
			"UPDATE import_jobs SET status = $2, total_rows = $3, processed_rows = $4, created_rows = $5,"
			" updated_rows = $6, error_rows = $7, report = $8, finished_at = $9 WHERE id = $1");
		db_bind_int(st, 1, j->id);
		db_bind_text(st, 2, failed ? "failed" : "done");
		db_bind_int(st, 3, im->rows);
		db_bind_int(st, 4, im->rows);
		db_bind_int(st, 5, json_integer_value(json_object_get(rep, "created")));
		db_bind_int(st, 6, json_integer_value(json_object_get(rep, "updated")));
		db_bind_int(st, 7, im->bad_rows);
		db_bind_text(st, 8, report ? report : "{}");
		db_bind_int(st, 9, now_sec());
		int rc = db_step(st);
		db_done(st);
		if (rc == DB_DONE)
			break;
		fprintf(stderr, "zoneops: import job %lld: saving the result: %s\n", (long long)j->id, db_errmsg(j->db));
		sleep(1);
	}
	free(report);
	json_decref(rep);
}

/* The job row commits with the request that created it: wait for it (it
 * never comes when that request was rolled back).  1 when it is there. */
static int job_row_seen(struct job *j)
{
	for (int tries = 0; tries < 600 && !server_stopping(); tries++) {
		db_stmt_t *st = db_prepare(j->db, "SELECT status FROM import_jobs WHERE id = $1");
		db_bind_int(st, 1, j->id);
		int seen = db_step(st) == DB_ROW;
		db_done(st);
		if (seen)
			return 1;
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	char *err = NULL;
	j->db = db_open(j->url, &err);
	if (j->db == NULL) {
		fprintf(stderr, "zoneops: import job %lld: cannot open the database: %s\n", (long long)j->id, err ? err : "?");
		free(err);
	} else if (job_row_seen(j)) {
		job_update(j->db, j->id, "reading", 0, 0, 0, 0, 0);
		j->user.username = j->username;
		j->user.role = j->role;
		struct import_opts o = {
			.format = j->format, .mode_good = j->mode_good, .dry_run = j->dry_run, .actor = &j->user,
			.filename = j->filename, .progress = job_progress, .ud = j,
		};
		struct table_src src = { .fd = j->fd };
		struct import im;
		import_run(j->db, j->spec, &src, &o, &im);
		job_finish(j, &im);
		import_free(&im);
	}
	db_close(j->db);
	job_free(j);
	atomic_fetch_sub(&running_jobs, 1);
	return NULL;
}

/* Jobs whose process stopped long ago (kill, crash, restart) failed. */
static int tidy_stale(db_t *db)
{
	db_stmt_t *st = db_prepare(db,
		"UPDATE import_jobs SET status = 'failed', finished_at = $1, report = '{\"fatal\":{\"code\":\"interrupted\","
		"\"message\":\"the server stopped during the import\",\"line\":null,\"field\":null},\"errors\":[]}'"
		" WHERE status NOT IN ('done', 'failed') AND created_at < $2");
	db_bind_int(st, 1, now_sec());
	db_bind_int(st, 2, now_sec() - JOB_STALE_SEC);
	int rc = db_step(st);
	db_done(st);
	return rc == DB_DONE ? DB_OK : rc;
}

static int64_t job_insert(req_t *r, const struct import_spec *spec, const struct import_opts *o, const char *format,
                          int *rc)
{
	db_stmt_t *st = db_prepare(r->db,
		"INSERT INTO import_jobs (kind, user_id, filename, format, mode, dry_run, status, created_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7) RETURNING id");
	db_bind_text(st, 1, spec->what);
	db_bind_int(st, 2, r->user->id);
	db_bind_text(st, 3, o->filename);
	db_bind_text(st, 4, format);
	db_bind_text(st, 5, o->mode_good ? "good" : "all");
	db_bind_int(st, 6, o->dry_run);
	db_bind_int(st, 7, now_sec());
	*rc = db_step(st);
	int64_t id = *rc == DB_ROW ? db_col_int(st, 0) : 0;
	db_done(st);
	if (*rc == DB_ROW && id == 0)
		*rc = DB_ERR;
	return id;
}

static struct job *job_new(req_t *r, const struct import_spec *spec, const struct import_opts *o, const char *format,
                           int64_t id)
{
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return NULL;
	j->id = id;
	j->spec = spec;
	j->fd = r->body_spooled ? dup(r->body_fd) : table_spool(r->body, r->body_len);
	j->url = strdup(db_global_url());
	j->format = strdup(format);
	j->filename = strdup(o->filename);
	j->mode_good = o->mode_good;
	j->dry_run = o->dry_run;
	j->user = *r->user;
	j->user.display_name = NULL;
	j->username = strdup(r->user->username ? r->user->username : "");
	j->role = strdup(r->user->role ? r->user->role : "");
	if (j->fd < 0 || !j->url || !j->format || !j->filename || !j->username || !j->role) {
		job_free(j);
		return NULL;
	}
	return j;
}

void import_job_start(req_t *r, const struct import_spec *spec, const struct import_opts *o)
{
	if (atomic_fetch_add(&running_jobs, 1) >= JOB_MAX) {
		atomic_fetch_sub(&running_jobs, 1);
		reply_header(r, "Retry-After", "10");
		reply_error(r, 503, "busy", NULL, "%d imports are running; try again shortly", JOB_MAX);
		return;
	}
	const char *format = o->format ? o->format : req_body_starts(r, "PK\x03\x04", 4) ? "xlsx" : "csv";
	int rc = tidy_stale(r->db);
	int64_t id = rc == DB_OK ? job_insert(r, spec, o, format, &rc) : 0;
	if (id == 0) {
		atomic_fetch_sub(&running_jobs, 1);
		reply_db_error(r, rc, "creating the import job");
		return;
	}
	struct job *j = job_new(r, spec, o, format, id);
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (j == NULL || pthread_create(&t, &attr, job_main, j) != 0) {
		pthread_attr_destroy(&attr);
		if (j)
			job_free(j);
		atomic_fetch_sub(&running_jobs, 1);
		reply_error(r, 503, "busy", NULL, "cannot start the import now; try again later");
		return;
	}
	pthread_attr_destroy(&attr);
	r->audit_action = spec->audit_action;
	r->audit_entity = "import_jobs";
	r->audit_detail = arena_printf(r->arena, "%s (%zu bytes, mode %s%s)", o->filename, r->body_len,
	                               o->mode_good ? "good" : "all", o->dry_run ? ", dry run" : "");
	reply_json(r, 202, json_pack("{sI s s s s s s s s s b sI sI}", "id", (json_int_t)id, "status", "queued",
	                             "url", arena_printf(r->arena, "/api/v1/imports/%lld", (long long)id),
	                             "filename", o->filename, "mode", o->mode_good ? "good" : "all", "dry_run", o->dry_run,
	                             "total_rows", (json_int_t)0, "processed_rows", (json_int_t)0));
}

int import_jobs_wait(double seconds)
{
	double until = now_mono() + seconds;
	while (atomic_load(&running_jobs) > 0 && now_mono() < until) {
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return atomic_load(&running_jobs) == 0 ? 0 : -1;
}

void import_job_get(req_t *r)
{
	int64_t id = req_param_id(r, 0);
	db_stmt_t *st = db_prepare(r->db,
		"SELECT id, kind, user_id, filename, format, mode, dry_run, status, total_rows, processed_rows,"
		" created_rows, updated_rows, error_rows, created_at, finished_at, report FROM import_jobs WHERE id = $1");
	db_bind_int(st, 1, id);
	json_t *o = NULL;
	char *report = NULL;
	int64_t owner = 0;
	if (id && db_step(st) == DB_ROW) {
		o = row_json(st, "isisssbsiiiiiii");
		json_object_del(o, "report");
		owner = db_col_int(st, 2);
		report = strdup(db_col_text(st, 15));
	}
	db_done(st);
	if (o == NULL || (r->user->role_bit != ROLE_ADMIN && owner != r->user->id)) {
		json_decref(o);
		free(report);
		reply_error(r, 404, "not_found", "id", "no such import");
		return;
	}
	json_t *rep = report && *report ? json_loads(report, 0, NULL) : NULL;
	free(report);
	json_object_set_new(o, "report", rep ? rep : json_null());
	reply_json(r, 200, o);
}
