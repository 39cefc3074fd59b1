/*
 * static.c -- the browser UI's files.
 *
 * A built tree (scripts/build-web.sh: build/web, the default; it has a
 * .version file) is read into memory once, at start: index.html and the
 * assets under /assets/VERSION/, each with the gzip and brotli variants the
 * build made beside it (FILE.gz, FILE.br), sent as the client's
 * Accept-Encoding asks (Vary: Accept-Encoding).  An asset's URL changes
 * with its content, so it is sent "immutable" for a year; index.html (and
 * any other file outside the assets) is "no-cache" with a strong ETag (a
 * hash of the bytes of the variant sent) and a 304 on If-None-Match.
 *
 * Without --web DIR the root is build/web when it is built, else web.
 * Any other directory (--web web: the sources, while developing) is served
 * from disk per request, uncompressed and "no-cache", with ECharts' ES
 * module taken from node_modules/.  A path never leaves its root: ".."
 * segments are refused and the resolved real path must stay under it.
 */
#include "server_int.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char webroot[PATH_MAX];
static char npmroot[PATH_MAX];

/* URL → file under node_modules (only these are exposed; disk mode only). */
static const struct { const char *url, *file; } vendor[] = {
	{ "/vendor/echarts.esm.min.mjs", "echarts/dist/echarts.esm.min.mjs" },
};

/* ---- the built tree in memory ---- */

struct variant {
	char *data;          /* NULL: this coding is not there */
	size_t len;
	char etag[48];
};

struct sfile {
	char *path;          /* "/index.html", "/assets/VERSION/app.js" */
	const char *type;
	int immutable;
	struct variant v[3]; /* by enum coding */
};

static struct sfile *files;
static size_t nfiles, capfiles;
static int in_memory;
static char version[64];
static size_t rootlen;

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

/* The whole file at path (malloc'd); NULL when it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	struct stat sb;
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode)) {
		buf = malloc((size_t)sb.st_size + 1);
		if (buf && fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)sb.st_size;
	}
	fclose(f);
	return buf;
}

static const char *const suffix[3] = { "", ".gz", ".br" };

static int ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);
	return n >= m && strcmp(s + n - m, end) == 0;
}

/* nftw: one file of the tree (its variants are read with it). */
static int add_file(const char *fpath, const struct stat *sb, int flag, struct FTW *ftw)
{
	const char *base = fpath + ftw->base;
	if (flag != FTW_F || !S_ISREG(sb->st_mode) || base[0] == '.' || ends_with(base, ".gz") || ends_with(base, ".br"))
		return 0;
	if (nfiles == capfiles) {
		size_t cap = capfiles ? capfiles * 2 : 64;
		struct sfile *nf = realloc(files, cap * sizeof *nf);
		if (nf == NULL)
			return -1;
		files = nf;
		capfiles = cap;
	}
	struct sfile *f = &files[nfiles];
	memset(f, 0, sizeof *f);
	for (int c = CODING_IDENTITY; c <= CODING_BR; c++) {
		char p[PATH_MAX + 8];
		snprintf(p, sizeof p, "%s%s", fpath, suffix[c]);
		struct variant *v = &f->v[c];
		v->data = slurp(p, &v->len);
		if (v->data == NULL) {
			if (c == CODING_IDENTITY)
				return -1;
			continue;
		}
		unsigned char h[16];
		crypto_generichash(h, sizeof h, (const unsigned char *)v->data, v->len, NULL, 0);
		char hex[33];
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		snprintf(v->etag, sizeof v->etag, "\"%s\"", hex);
	}
	f->path = strdup(fpath + rootlen);
	if (f->path == NULL)
		return -1;
	f->type = mime(f->path);
	char prefix[96];
	snprintf(prefix, sizeof prefix, "/assets/%s/", version);
	f->immutable = strncmp(f->path, prefix, strlen(prefix)) == 0;
	nfiles++;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct sfile *)a)->path, ((const struct sfile *)b)->path);
}

/* Load the built tree at webroot when it is one (it has .version). */
static void load_tree(void)
{
	char vp[PATH_MAX + 16];
	snprintf(vp, sizeof vp, "%s/.version", webroot);
	size_t vlen = 0;
	char *v = slurp(vp, &vlen);
	if (v == NULL)
		return;
	v[vlen] = '\0';
	v[strcspn(v, "\r\n")] = '\0';
	snprintf(version, sizeof version, "%s", v);
	free(v);
	rootlen = strlen(webroot);
	if (version[0] == '\0' || nftw(webroot, add_file, 16, FTW_PHYS) != 0) {
		fprintf(stderr, "zoneops: cannot read the web files of '%s'; the UI will answer 404\n", webroot);
		webroot[0] = '\0';
		return;
	}
	qsort(files, nfiles, sizeof *files, by_path);
	in_memory = 1;
}

void static_init(const char *root)
{
	if (root == NULL)
		root = access("build/web/.version", R_OK) == 0 ? "build/web" : "web";
	if (realpath(root, webroot) == NULL) {
		fprintf(stderr, "zoneops: web root '%s' not found; the UI will answer 404\n", root);
		webroot[0] = '\0';
		return;
	}
	load_tree();
	char nm[PATH_MAX + 32];
	snprintf(nm, sizeof nm, "%s/../node_modules", webroot[0] ? webroot : ".");
	if (in_memory || realpath(nm, npmroot) == NULL)
		npmroot[0] = '\0';
}

static void not_found(req_t *r)
{
	reply_error(r, 404, "not_found", NULL, "no such resource: %s", r->path);
}

/* 1 when the If-None-Match list names one of f's ETags (or is "*"). */
static int etag_matches(const char *inm, const struct sfile *f)
{
	if (inm == NULL)
		return 0;
	if (strcmp(inm, "*") == 0)
		return 1;
	for (int c = CODING_IDENTITY; c <= CODING_BR; c++) {
		const char *tag = f->v[c].etag;
		size_t n = strlen(tag);
		if (n == 0)
			continue;
		for (const char *p = strstr(inm, tag); p; p = strstr(p + 1, tag)) {
			char after = p[n];
			if (after == '\0' || after == ',' || after == ' ' || after == '\t')
				return 1;
		}
	}
	return 0;
}

static void serve_memory(req_t *r, const char *path)
{
	struct sfile key = { .path = (char *)path };
	const struct sfile *f = bsearch(&key, files, nfiles, sizeof *files, by_path);
	if (f == NULL) {
		not_found(r);
		return;
	}
	enum coding c = coding_pick(req_header(r, "Accept-Encoding"), f->v[CODING_GZIP].data != NULL,
	                            f->v[CODING_BR].data != NULL);
	const struct variant *v = &f->v[c];
	if (f->v[CODING_GZIP].data || f->v[CODING_BR].data)
		reply_header(r, "Vary", "Accept-Encoding");
	reply_header(r, "ETag", v->etag);
	reply_header(r, "Cache-Control", f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
	if (etag_matches(req_header(r, "If-None-Match"), f)) {
		reply_text(r, 304, NULL, NULL, 0);
		return;
	}
	if (c != CODING_IDENTITY)
		reply_header(r, "Content-Encoding", c == CODING_GZIP ? "gzip" : "br");
	reply_text(r, 200, f->type, v->data, v->len);
	r->text_static = 1;
}

/* ---- the sources, from disk ---- */

static void serve_disk(req_t *r, const char *path)
{
	const char *root = webroot, *rel = path + 1;
	for (size_t i = 0; i < sizeof vendor / sizeof vendor[0]; i++)
		if (strcmp(path, vendor[i].url) == 0)
			root = npmroot, rel = vendor[i].file;
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

void static_serve(req_t *r)
{
	const char *path = r->path;
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	if (webroot[0] == '\0' || strstr(path, "/..") || strstr(path, "\\") || strstr(path, "/.")
	    || strncmp(path, "/api/", 5) == 0) {
		not_found(r);
		return;
	}
	if (in_memory)
		serve_memory(r, path);
	else
		serve_disk(r, path);
}
