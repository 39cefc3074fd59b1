/*
 * static.c -- the browser UI's files from web/ and a few vendored npm
 * files (ECharts) from node_modules/, with content types, ETags and
 * sendfile.  A path never leaves its root: ".." segments are refused and
 * the resolved real path must stay under the root.
 */
#include "http.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char webroot[PATH_MAX];
static char npmroot[PATH_MAX];

/* URL prefix → file under node_modules (only these are exposed). */
static const struct { const char *url, *file; } vendor[] = {
	{ "/vendor/echarts.min.js", "echarts/dist/echarts.min.js" },
};

void static_init(const char *root)
{
	if (realpath(root, webroot) == NULL) {
		fprintf(stderr, "zoneops: web root '%s' not found; the UI will answer 404\n", root);
		webroot[0] = '\0';
	}
	char nm[PATH_MAX + 32];
	snprintf(nm, sizeof nm, "%s/../node_modules", webroot[0] ? webroot : ".");
	if (realpath(nm, npmroot) == NULL)
		npmroot[0] = '\0';
}

static const char *mime(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot == NULL)
		return "application/octet-stream";
	static const struct { const char *ext, *type; } t[] = {
		{ ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json; charset=utf-8" }, { ".svg", "image/svg+xml" },
		{ ".png", "image/png" }, { ".jpg", "image/jpeg" }, { ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" }, { ".woff2", "font/woff2" },
		{ ".yaml", "text/yaml; charset=utf-8" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(dot, t[i].ext) == 0)
			return t[i].type;
	return "application/octet-stream";
}

static void not_found(req_t *r)
{
	reply_error(r, 404, "not_found", NULL, "no such resource: %s", r->path);
}

void static_serve(req_t *r)
{
	const char *path = r->path;
	const char *root = webroot, *rel = NULL;
	for (size_t i = 0; i < sizeof vendor / sizeof vendor[0]; i++)
		if (strcmp(path, vendor[i].url) == 0)
			root = npmroot, rel = vendor[i].file;
	if (rel == NULL) {
		if (strcmp(path, "/") == 0)
			path = "/index.html";
		if (strstr(path, "/..") || strstr(path, "\\") || strncmp(path, "/api/", 5) == 0) {
			not_found(r);
			return;
		}
		rel = path + 1;
	}
	if (root[0] == '\0') {
		not_found(r);
		return;
	}
	char full[PATH_MAX * 2], real[PATH_MAX];
	snprintf(full, sizeof full, "%s/%s", root, rel);
	size_t rl = strlen(root);
	if (realpath(full, real) == NULL || strncmp(real, root, rl) != 0 || real[rl] != '/') {
		not_found(r);
		return;
	}
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		not_found(r);
		return;
	}
	char etag[96];
	snprintf(etag, sizeof etag, "\"%llx-%llx-%llx\"", (unsigned long long)sb.st_ino,
	         (unsigned long long)sb.st_size, (unsigned long long)sb.st_mtime);
	reply_header(r, "ETag", etag);
	reply_header(r, "Cache-Control", "no-cache");
	const char *inm = req_header(r, "If-None-Match");
	if (inm && strcmp(inm, etag) == 0) {
		close(fd);
		reply_text(r, 304, NULL, NULL, 0);
		return;
	}
	r->status = 200;
	r->content_type = mime(real);
	if (strcmp(r->method, "HEAD") == 0) {
		close(fd);
		r->text = NULL;
		r->text_len = 0;
		return;
	}
	r->fd = fd;
	r->fd_size = (uint64_t)sb.st_size;
}
