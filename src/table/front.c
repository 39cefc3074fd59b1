/*
 * front.c -- the front doors of the import framework: an HTTP import's
 * query parameters (the job that runs it is job.c) and the command line.
 */
#include "table_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- HTTP ---- */

/* "csv", "xlsx" or "geojson" from a file name's extension, else NULL. */
static const char *format_of(const char *name)
{
	size_t n = strlen(name);
	if ((n > 8 && strcasecmp(name + n - 8, ".geojson") == 0) || (n > 5 && strcasecmp(name + n - 5, ".json") == 0))
		return "geojson";
	if (n > 5 && strcasecmp(name + n - 5, ".xlsx") == 0)
		return "xlsx";
	if (n > 4 && strcasecmp(name + n - 4, ".csv") == 0)
		return "csv";
	return NULL;
}

static int format_ok(const char *f)
{
	return strcmp(f, "csv") == 0 || strcmp(f, "xlsx") == 0 || strcmp(f, "geojson") == 0;
}

int import_http_opts(req_t *r, int mode_good_ok, struct import_opts *o)
{
	memset(o, 0, sizeof *o);
	const char *format = req_query(r, "format");
	const char *mode = mode_good_ok ? req_query(r, "mode") : NULL;
	const char *filename = req_query(r, "filename");
	int64_t dry;
	if (req_query_bool(r, "dry_run", &dry) < 0)
		return -1;
	if (format && *format == '\0')
		format = NULL;
	if (format && !format_ok(format)) {
		reply_error(r, 422, "invalid_parameter", "format", "format is csv, xlsx or geojson");
		return -1;
	}
	if (mode && *mode && strcmp(mode, "all") != 0 && strcmp(mode, "good") != 0) {
		reply_error(r, 422, "invalid_parameter", "mode",
		            "mode is all (write nothing when a row is bad) or good (write the good rows)");
		return -1;
	}
	if (filename == NULL || *filename == '\0')
		filename = "upload";
	if (strlen(filename) > 255 || has_ctl(filename)) {
		reply_error(r, 422, "invalid_parameter", "filename", "the file name is too long or has control characters");
		return -1;
	}
	if (r->body_len == 0) {
		reply_error(r, 422, "empty_file", "file", "the request body (the file) is empty");
		return -1;
	}
	o->format = format ? format : format_of(filename);
	o->mode_good = mode && strcmp(mode, "good") == 0;
	o->dry_run = dry > 0;
	o->actor = r->user;
	o->filename = filename;
	return 0;
}

void import_http(req_t *r, const struct import_spec *spec)
{
	struct import_opts o;
	if (import_http_opts(r, spec->mode_good_ok, &o) == 0)
		import_job_start(r, spec, &o);
}

/* ---- the command line ---- */

struct cli {
	const char *file;
	const char *phase;
	int64_t last;
};

static void cli_error(struct import *im, const err_t *e)
{
	const struct cli *c = im->o->ud;
	if (e->line)
		fprintf(stderr, "%s: line %lld: %s: %s\n", c->file, (long long)e->line, e->field ? e->field : "row", e->message);
	else
		fprintf(stderr, "%s: %s: %s\n", c->file, e->field ? e->field : "row", e->message);
}

static void cli_progress(struct import *im, const char *phase, int64_t done, int64_t total)
{
	struct cli *c = im->o->ud;
	if (total < 10000)
		return;
	if (c->phase != phase) {
		c->phase = phase;
		c->last = -1;
	}
	if (done == 0 || done == total || done - c->last >= 10000) {
		if (strcmp(phase, "validating") == 0)
			fprintf(stderr, "checked %lld of %lld rows (%lld bad)\n", (long long)done, (long long)total,
			        (long long)im->bad_rows);
		else
			fprintf(stderr, "written %lld of %lld rows\n", (long long)done, (long long)total);
		c->last = done;
	}
}

static int cli_usage(const struct import_spec *spec)
{
	fprintf(stderr, "usage: zoneops import %s FILE [--dry-run]%s [--format csv|xlsx|geojson]\n", spec->what,
	        spec->mode_good_ok ? " [--mode all|good]" : "");
	return 2;
}

/* Parse argv into o and *file; 0, or the exit status 2. */
static int cli_args(const struct import_spec *spec, int argc, char **argv, struct import_opts *o, const char **file)
{
	const char *mode = "all";
	*file = NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--dry-run") == 0)
			o->dry_run = 1;
		else if (spec->mode_good_ok && strcmp(a, "--mode") == 0 && i + 1 < argc)
			mode = argv[++i];
		else if (spec->mode_good_ok && strncmp(a, "--mode=", 7) == 0)
			mode = a + 7;
		else if (strcmp(a, "--format") == 0 && i + 1 < argc)
			o->format = argv[++i];
		else if (strncmp(a, "--format=", 9) == 0)
			o->format = a + 9;
		else if ((a[0] == '-' && a[1] != '\0') || *file != NULL) {
			if (a[0] == '-' && a[1] != '\0')
				fprintf(stderr, "zoneops: unknown option %s\n", a);
			return cli_usage(spec);
		} else
			*file = a;
	}
	if (*file == NULL)
		return cli_usage(spec);
	if (strcmp(mode, "all") != 0 && strcmp(mode, "good") != 0) {
		fprintf(stderr, "zoneops: --mode is all or good\n");
		return 2;
	}
	if (o->format && !format_ok(o->format)) {
		fprintf(stderr, "zoneops: --format is csv, xlsx or geojson\n");
		return 2;
	}
	o->mode_good = strcmp(mode, "good") == 0;
	if (o->format == NULL && strcmp(*file, "-") != 0)
		o->format = format_of(*file);
	return 0;
}

/* FILE opened for reading; "-": standard input copied to an unlinked
 * temporary file (the readers read a file more than once). */
static int cli_open(const char *file)
{
	if (strcmp(file, "-") != 0)
		return open(file, O_RDONLY | O_CLOEXEC);
	int fd = table_spool("", 0);
	char chunk[65536];
	ssize_t n = 0;
	while (fd >= 0 && (n = read(0, chunk, sizeof chunk)) != 0) {
		if ((n < 0 && errno != EINTR) || (n > 0 && table_write_all(fd, chunk, (size_t)n) < 0)) {
			int e = errno;
			close(fd);
			fd = -1;
			errno = e;
		}
	}
	return fd;
}

int import_cli(db_t *db, const struct import_spec *spec, int argc, char **argv)
{
	struct import_opts o = { 0 };
	const char *file;
	int rc = cli_args(spec, argc, argv, &o, &file);
	if (rc != 0)
		return rc;
	int fd = cli_open(file);
	if (fd < 0) {
		fprintf(stderr, "zoneops: %s: %s\n", file, strerror(errno));
		return 1;
	}
	struct cli c = { .file = file };
	o.filename = file;
	o.progress = cli_progress;
	o.on_error = cli_error;
	o.ud = &c;
	struct import im;
	struct table_src src = { .fd = fd };
	import_run(db, spec, &src, &o, &im);
	close(fd);
	int out = im.status == IMPORT_OK ? 0 : 1;
	switch (im.status) {
	case IMPORT_BAD_FILE:
		cli_error(&im, &im.fatal);
		break;
	case IMPORT_FAILED:
		fprintf(stderr, "zoneops: %s: database error: %s\n", file, im.fatal.message);
		break;
	case IMPORT_STOPPED:   /* the command line sets no stop */
		fprintf(stderr, "zoneops: %s: %s\n", file, im.fatal.message);
		break;
	case IMPORT_BAD_ROWS:
		if (!o.mode_good) {
			printf("%s%lld row%s, %lld bad: nothing written\n", o.dry_run ? "dry run: " : "", (long long)im.rows,
			       im.rows == 1 ? "" : "s", (long long)im.bad_rows);
			break;
		}
		__attribute__((fallthrough));   /* mode good wrote the good rows */
	case IMPORT_OK:
		if (spec->cli_print)
			spec->cli_print(&im, im.summary);
		break;
	}
	import_free(&im);
	return out;
}
