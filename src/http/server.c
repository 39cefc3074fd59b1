/*
 * server.c -- the only file that includes <microhttpd.h>.
 *
 * Owns: the daemon (epoll, a thread pool sized to the cores, keep-alive),
 * connection limits, framing checks that libmicrohttpd 0.9.75 lets through
 * (with head.c), the admission of a request at its head (router_admit)
 * before any body byte is read, body collection within the limit and the
 * upload slots that apply to the caller (a large upload into a temporary
 * file), security headers, turning a req_t into a response, /metrics on
 * its own address, and stopping within STOP_GRACE_SEC.  Deadlines and
 * lingering close are conn.c's.
 *
 * Answering: the handler runs on the last callback of a request (never the
 * first), because 0.9.75 adds "Connection: close" to a response queued on
 * the first callback.  Refusals of a request with a body are queued on the
 * first callback on purpose: the connection then closes without the body
 * being read.
 */
#include "server_int.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

struct server_config server_cfg = {
	.listen = "127.0.0.1:8080",
	.webroot = NULL,   /* build/web when it is built, else web (static.c) */
	.max_conns = 1024,
	.per_ip = 64,     /* 16 addresses to fill max_conns (4 did with 256) */
	.idle_timeout = 30,
	.header_timeout = 10,
	.body_timeout = 60,
	.body_min_rate = 1024,
	.max_body = 1 << 20,
	.max_uploads = 4,
	.max_uploads_per_user = 2,
};

static volatile sig_atomic_t stopping;
/* The head layout check (head.c) was read off these libmicrohttpd versions. */
static int layout_check;

int server_stopping(void)
{
	return stopping != 0;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_ctx = conn_open(ci ? ci->connect_fd : -1);
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		conn_closed(*socket_ctx);   /* before the library closes the descriptor */
		*socket_ctx = NULL;
	}
}

static struct track *track_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* ---- per-request state ---- */

#define DRAIN_MAX (16u << 20)  /* read and drop an oversized chunked body up to this */
#define MAX_QUERY_ARGS 100

struct ctx {
	req_t req;
	int started;
	int reject_status;
	const char *reject_code, *reject_msg;
	const char *uri;            /* the raw URI in the library's buffer, and its length */
	size_t uri_len;
	buf_t body;                 /* the body in memory ... */
	int fd;                     /* ... or in this unlinked temporary file */
	size_t got, dropped;
	size_t limit;
	int spool;                  /* an upload: over UPLOAD_SPOOL_AT to a file */
	int upload_slot;            /* holds a slot of upload_acquire() */
	double t0;
};

static void reject_with(struct ctx *x, int status, const char *code, const char *msg)
{
	if (!x->reject_status)
		x->reject_status = status, x->reject_code = code, x->reject_msg = msg;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	struct ctx *x = calloc(1, sizeof *x);
	if (x == NULL)
		return NULL;
	x->req.arena = arena_new();
	x->req.conn = c;
	x->req.fd = -1;
	x->req.body_fd = -1;
	x->req.route_index = -1;
	x->fd = -1;
	x->t0 = now_mono();
	x->uri = uri;
	x->uri_len = strlen(uri);
	buf_init(&x->body);
	/* 0.9.75 parses the query into its 16 KiB pool next and, out of pool,
	 * closes the connection without an answer: a query of too many
	 * arguments is cut here (uri is its read buffer, which it is about to
	 * cut at the '?' itself) and answered 414. */
	if (head_query_args(uri) > MAX_QUERY_ARGS) {
		char *qm = strchr((char *)uri, '?');
		qm[1] = '\0';
		reject_with(x, 414, "too_many_parameters", "the query string has more than 100 arguments");
	}
	/* Decode the raw path ourselves: libmicrohttpd truncates at %00 and
	 * does not check UTF-8. */
	const char *q = strchr(uri, '?');
	char *raw = arena_strndup(x->req.arena, uri, q ? (size_t)(q - uri) : strlen(uri));
	size_t n = 0;
	char *path = pct_decode(x->req.arena, raw, &n);
	if (path == NULL)
		reject_with(x, 400, "bad_path", "malformed percent-escape in the path");
	else if (memchr(path, '\0', n))
		reject_with(x, 400, "bad_path", "NUL byte in the path");
	else if (!utf8_valid(path, n))
		reject_with(x, 400, "bad_path", "the path is not valid UTF-8");
	else if (has_ctl(path))
		reject_with(x, 400, "bad_path", "control character in the path");
	x->req.path = path ? path : "/";
	return x;
}

#define MAX_FIELDS 128

struct hdr_scan {
	int content_length, transfer_encoding, host, ctl, bad_name, bad_te, bad_utf8, n;
	struct head_field f[MAX_FIELDS];
	buf_t xff;
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t klen,
                                   const char *value, size_t vlen)
{
	struct hdr_scan *s = cls;
	(void)kind;
	if (s->n < MAX_FIELDS)
		s->f[s->n] = (struct head_field){ key, value ? value : "", klen, value ? vlen : 0 };
	s->n++;
	if (!head_token(key, klen))
		s->bad_name++;
	if (strcasecmp(key, "Content-Length") == 0)
		s->content_length++;
	else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		s->transfer_encoding++;
		if (value == NULL || strcasecmp(value, "chunked") != 0)
			s->bad_te++;
	} else if (strcasecmp(key, "Host") == 0)
		s->host++;
	else if (strcasecmp(key, "X-Forwarded-For") == 0 && value) {
		if (s->xff.len)
			buf_puts(&s->xff, ",");
		buf_puts(&s->xff, value);
	}
	if (has_ctl(key) || (value && has_ctl(value)))
		s->ctl++;
	return MHD_YES;
}

static enum MHD_Result scan_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct hdr_scan *s = cls;
	(void)kind;
	if (!utf8_valid(key, strlen(key)) || (value && !utf8_valid(value, strlen(value))))
		s->bad_utf8++;
	if (has_ctl(key) || (value && has_ctl(value)))
		s->ctl++;
	return MHD_YES;
}

/* The head as the library left it (head.c): a bare LF, a NUL byte, a
 * folded line. */
static int head_ok(struct ctx *x, struct MHD_Connection *c, const char *method, const char *version,
                   const struct hdr_scan *s)
{
	if (!layout_check)
		return 1;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (ci == NULL || s->n > MAX_FIELDS)
		return 0;
	return head_layout_ok(method, ci->header_size, x->uri, x->uri_len, version, s->f, s->n);
}

static void check_framing(struct ctx *x, struct MHD_Connection *c, const char *method, const char *version,
                          struct hdr_scan *s)
{
	MHD_get_connection_values_n(c, MHD_HEADER_KIND, scan_header, s);
	if (x->reject_status)
		return;
	if (s->content_length > 1)
		reject_with(x, 400, "bad_framing", "more than one Content-Length header");
	else if (s->transfer_encoding > 1)
		reject_with(x, 400, "bad_framing", "more than one Transfer-Encoding header");
	else if (s->bad_te)
		reject_with(x, 400, "bad_framing", "a Transfer-Encoding other than chunked");
	else if (s->content_length && s->transfer_encoding)
		reject_with(x, 400, "bad_framing", "Content-Length together with Transfer-Encoding");
	else if (s->host > 1)
		reject_with(x, 400, "bad_framing", "more than one Host header");
	else if (s->bad_name)
		reject_with(x, 400, "bad_header", "a header name with whitespace or a character a name may not have");
	else if (s->ctl)
		reject_with(x, 400, "bad_header", "control character in a header");
	else if (!head_ok(x, c, method, version, s))
		reject_with(x, 400, "bad_framing", "a malformed request head (a line not ended by CRLF, a NUL byte or a folded header line)");
	if (x->reject_status)
		return;
	struct hdr_scan a = { 0 };
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, scan_arg, &a);
	if (a.bad_utf8 || a.ctl)
		reject_with(x, 400, "bad_query", "the query string is not valid UTF-8 text");
}

/* ---- accessors ---- */

const char *req_header(req_t *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_query(req_t *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_cookie(req_t *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

int req_body_starts(req_t *r, const void *p, size_t n)
{
	if (r->body_len < n)
		return 0;
	if (!r->body_spooled)
		return memcmp(r->body, p, n) == 0;
	char b[16];
	return n <= sizeof b && pread(r->body_fd, b, n, 0) == (ssize_t)n && memcmp(b, p, n) == 0;
}

/* ---- responses ---- */

static const char *csp =
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/* The JSON body; from GZIP_MIN_BYTES on gzip-compressed when the client
 * takes it (and Vary: Accept-Encoding either way). */
static struct MHD_Response *json_response(req_t *r)
{
	char *s = json_dumps(r->out, JSON_COMPACT | JSON_REAL_PRECISION(15));  /* 0.1, not 0.10000000000000001 */
	if (s == NULL)
		s = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"cannot encode reply\",\"field\":null}}");
	if (s == NULL)
		return NULL;
	if (r->content_type == NULL)
		r->content_type = "application/json; charset=utf-8";
	size_t len = strlen(s);
	if (len < GZIP_MIN_BYTES)
		return MHD_create_response_from_buffer(len, s, MHD_RESPMEM_MUST_FREE);
	reply_header(r, "Vary", "Accept-Encoding");
	size_t zlen = 0;
	char *z = coding_pick(req_header(r, "Accept-Encoding"), 1, 0) == CODING_GZIP ? gzip_compress(s, len, &zlen) : NULL;
	if (z == NULL)
		return MHD_create_response_from_buffer(len, s, MHD_RESPMEM_MUST_FREE);
	free(s);
	reply_header(r, "Content-Encoding", "gzip");
	return MHD_create_response_from_buffer(zlen, z, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result send_reply(struct MHD_Connection *c, req_t *r)
{
	struct MHD_Response *resp;
	if (r->fd >= 0) {
		resp = MHD_create_response_from_fd64(r->fd_size, r->fd);
		r->fd = -1;  /* the response owns it now */
	} else if (r->out) {
		resp = json_response(r);
	} else if (r->text_static) {
		resp = MHD_create_response_from_buffer(r->text_len, r->text, MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(r->text_len, r->text ? r->text : (char *)"",
		                                       MHD_RESPMEM_MUST_COPY);
	}
	if (resp == NULL)
		return MHD_NO;
	if (r->content_type)
		MHD_add_response_header(resp, "Content-Type", r->content_type);
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	if (server_cfg.secure_cookies)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	for (struct header *h = r->headers; h; h = h->next)
		MHD_add_response_header(resp, h->name, h->value);
	if (r->out)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Answer now, before the body (if any) is read: the library closes the
 * connection after the answer, and conn.c lingers so that the client
 * reads the answer rather than a reset. */
static enum MHD_Result answer_early(struct MHD_Connection *c, struct ctx *x)
{
	conn_linger(track_of(c));
	conn_phase(track_of(c), CONN_BUSY);
	metrics_record(x->req.route_index, x->req.status, now_mono() - x->t0);
	return send_reply(c, &x->req);
}

static enum MHD_Result reject(struct MHD_Connection *c, struct ctx *x)
{
	req_t *r = &x->req;
	reply_error(r, x->reject_status, x->reject_code, NULL, "%s", x->reject_msg);
	if (x->reject_status == 429 || x->reject_status == 503)
		reply_header(r, "Retry-After", "10");
	metrics_record(-1, r->status, now_mono() - x->t0);
	return send_reply(c, r);
}

static const char *peer_address(struct MHD_Connection *c, arena_t *a, const char *xff)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	return client_address(a, ci ? ci->client_addr : NULL, xff);
}

/* The caller may send a body on this route: its limit, the upload slot,
 * and where the body goes.  0 to go on, or the status of the answer. */
static int body_terms(struct ctx *x, struct MHD_Connection *c, int chunked, const char *cl)
{
	req_t *r = &x->req;
	x->limit = server_cfg.max_body;
	if (r->route && r->route->max_body && (r->admitted || r->route->max_body < x->limit))
		x->limit = r->route->max_body;
	unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
	if (declared > x->limit) {
		reject_with(x, 413, "body_too_large", "the request body is larger than the server accepts");
		return 413;
	}
	if (!chunked && declared == 0)
		return 0;
	if (route_is_upload(r->route) && r->user) {
		int st = upload_acquire(r->user->id, server_cfg.max_uploads_per_user, server_cfg.max_uploads);
		if (st == 429)
			reject_with(x, 429, "too_many_uploads", "you have uploads running; wait until they are received");
		else if (st)
			reject_with(x, 503, "busy", "too many uploads are running; try again shortly");
		if (st)
			return st;
		x->upload_slot = 1;
		x->spool = 1;
	}
	conn_phase(track_of(c), CONN_BODY);
	return 0;
}

/* The first callback: the head has arrived, no body byte has been read. */
static enum MHD_Result on_head(struct MHD_Connection *c, struct ctx *x, const char *method, const char *version)
{
	req_t *r = &x->req;
	x->started = 1;
	conn_phase(track_of(c), CONN_BUSY);
	r->method = arena_strdup(r->arena, method);
	struct hdr_scan *s = calloc(1, sizeof *s);
	if (s == NULL)
		return MHD_NO;
	buf_init(&s->xff);
	check_framing(x, c, method, version, s);
	r->ip = peer_address(c, r->arena, s->xff.len ? arena_strndup(r->arena, s->xff.data, s->xff.len) : NULL);
	buf_free(&s->xff);
	free(s);
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
	int body = te != NULL || (cl && strtoull(cl, NULL, 10) > 0);
	/* Malformed requests are answered now, before any body is read. */
	if (x->reject_status) {
		conn_linger(track_of(c));
		return reject(c, x);
	}
	router_match(r);
	/* A caller the route does not admit is answered now: at once when a
	 * body follows (then the connection closes), else on the last
	 * callback (the connection is kept alive). */
	if (!router_admit(r) && body)
		return answer_early(c, x);
	if (r->status == 0 && body && body_terms(x, c, te != NULL, cl)) {
		conn_linger(track_of(c));
		return reject(c, x);
	}
	return MHD_YES;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int spool_start(struct ctx *x)
{
	char *path;
	x->fd = tmpfile_make(x->req.arena, "zoneops-upload", &path);
	if (x->fd < 0)
		return -1;
	unlink(path);
	if (x->body.len && write_all(x->fd, x->body.data, x->body.len) < 0)
		return -1;
	buf_free(&x->body);
	return 0;
}

/* A piece of the body.  A response cannot be queued while a body is
 * arriving: a body that outgrows the limit (chunked, no Content-Length)
 * is read and dropped, and answered 413 when it ends (or the connection
 * is closed past DRAIN_MAX). */
static enum MHD_Result on_body(struct MHD_Connection *c, struct ctx *x, const char *data, size_t n)
{
	conn_body_bytes(track_of(c), n);
	if (!x->reject_status && x->got + n > x->limit) {
		reject_with(x, 413, "body_too_large", "the request body is larger than the server accepts");
		buf_free(&x->body);
	}
	if (x->reject_status) {
		x->dropped += n;
		return x->dropped > DRAIN_MAX ? MHD_NO : MHD_YES;
	}
	x->got += n;
	if (x->fd < 0 && x->spool && x->body.len + n > UPLOAD_SPOOL_AT && spool_start(x) < 0) {
		reject_with(x, 503, "no_space", "the server cannot store the upload now");
		return MHD_YES;
	}
	if (x->fd >= 0 ? write_all(x->fd, data, n) < 0 : buf_append(&x->body, data, n) < 0) {
		reject_with(x, 503, "out_of_memory", "the server cannot take the request body now");
		buf_free(&x->body);
	}
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)cls, (void)url;
	struct ctx *x = *con_cls;
	if (x == NULL)
		return MHD_NO;
	req_t *r = &x->req;
	if (!x->started)
		return on_head(c, x, method, version);
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		return on_body(c, x, upload, n);
	}
	conn_phase(track_of(c), CONN_BUSY);
	if (x->reject_status)
		return reject(c, x);
	if (r->status == 0) {   /* else refused at the head */
		r->body = x->fd >= 0 ? NULL : x->body.data;
		r->body_len = x->got;
		r->body_spooled = x->fd >= 0;
		r->body_fd = x->fd;
		router_dispatch(r);
	}
	metrics_record(r->route_index, r->status, now_mono() - x->t0);
	return send_reply(c, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)toe;
	struct ctx *x = *con_cls;
	conn_phase(track_of(c), CONN_HEAD);
	if (x == NULL)
		return;
	if (x->upload_slot && x->req.user)
		upload_release(x->req.user->id);
	if (x->req.json)
		json_decref(x->req.json);
	if (x->req.out)
		json_decref(x->req.out);
	if (x->req.fd >= 0)
		close(x->req.fd);
	if (x->fd >= 0)
		close(x->fd);
	buf_free(&x->body);
	arena_free(x->req.arena);
	free(x);
	*con_cls = NULL;
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	vfprintf(stderr, fmt, ap);
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int parse_listen(const char *s, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	const char *colon = strrchr(s, ':');
	if (colon == NULL)
		return -1;
	char host[64];
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof host)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return -1;
	sa->sin_port = htons((uint16_t)port);
	if (hl == 0 || strcmp(host, "*") == 0)
		sa->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (strcmp(host, "localhost") == 0)
		sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -1;
	return 0;
}

/* ---- /metrics on its own address (--metrics-listen) ---- */

static enum MHD_Result on_metrics(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)cls, (void)version, (void)upload;
	if (*con_cls == NULL) {
		*con_cls = c;   /* answer on the last callback (keep-alive) */
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;   /* bodies are read and dropped */
		return MHD_YES;
	}
	req_t r = { .arena = arena_new(), .conn = c, .fd = -1, .body_fd = -1, .route_index = -1, .method = method, .path = url };
	if (strcmp(url, "/metrics") != 0)
		reply_error(&r, 404, "not_found", NULL, "only /metrics is served here");
	else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		reply_error(&r, 405, "method_not_allowed", NULL, "%s is not allowed here; allowed: GET", method);
	else
		api_metrics(&r);
	enum MHD_Result ret = send_reply(c, &r);
	json_decref(r.out);
	arena_free(r.arena);
	return ret;
}

static struct MHD_Daemon *metrics_start(void)
{
	struct sockaddr_in sa;
	if (parse_listen(server_cfg.metrics_listen, &sa) < 0) {
		fprintf(stderr, "zoneops: bad --metrics-listen address '%s' (want HOST:PORT)\n", server_cfg.metrics_listen);
		return NULL;
	}
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_metrics, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_CONNECTION_LIMIT, 16u,
		MHD_OPTION_CONNECTION_TIMEOUT, 10u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
		MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "zoneops: cannot listen on %s for /metrics\n", server_cfg.metrics_listen);
		return NULL;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "zoneops: metrics on http://%s:%u/metrics\n", inet_ntoa(sa.sin_addr),
	        di ? di->port : ntohs(sa.sin_port));
	return d;
}

/* ---- running and stopping ---- */

/* After the stop was asked, whatever still runs has STOP_GRACE_SEC. */
static void *stop_watchdog(void *arg)
{
	(void)arg;
	sleep(STOP_GRACE_SEC);
	fprintf(stderr, "zoneops: work still running %d s after the stop; exiting now\n", STOP_GRACE_SEC);
	_exit(1);
	return NULL;
}

static struct MHD_Daemon *daemon_start(struct sockaddr_in *sa, unsigned threads)
{
	/* One thread: the daemon's own polling thread serves, and the pool
	 * option is left out (the library warns about a pool of 0 or 1); the
	 * slot then repeats the connection limit, which takes the same type. */
	return MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO,
		0, NULL, NULL, on_request, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)sa,
		threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_CONNECTION_LIMIT,
		threads > 1 ? threads : server_cfg.max_conns,
		MHD_OPTION_CONNECTION_LIMIT, server_cfg.max_conns,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, server_cfg.per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, server_cfg.idle_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),  /* headers; zeroed per request */
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
		MHD_OPTION_STRICT_FOR_CLIENT, 1,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
		MHD_OPTION_END);
}

int server_run(void)
{
	struct sockaddr_in sa;
	if (parse_listen(server_cfg.listen, &sa) < 0) {
		fprintf(stderr, "zoneops: bad --listen address '%s' (want HOST:PORT)\n", server_cfg.listen);
		return 2;
	}
	unsigned threads = server_cfg.threads;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	layout_check = strcmp(MHD_get_version(), "0.9.75") == 0;
	if (!layout_check)
		fprintf(stderr, "zoneops: libmicrohttpd %s: the check of bare LF and NUL bytes in request heads is off "
		        "(it knows the buffer layout of 0.9.75 only)\n", MHD_get_version());
	static_init(server_cfg.webroot);
	struct sigaction act = { .sa_handler = on_signal };
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (conn_start() < 0)
		return 1;
	struct MHD_Daemon *d = daemon_start(&sa, threads), *md = NULL;
	if (d == NULL)
		fprintf(stderr, "zoneops: cannot listen on %s (in use? not permitted?)\n", server_cfg.listen);
	if (d && server_cfg.metrics_listen && (md = metrics_start()) == NULL) {
		MHD_stop_daemon(d);
		d = NULL;
	}
	if (d == NULL) {
		conn_stop();
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "zoneops: serving on http://%s:%u/ (%u threads)\n",
	        inet_ntoa(sa.sin_addr), di ? di->port : ntohs(sa.sin_port), threads);
	fflush(stderr);
	while (!stopping)
		pause();
	fprintf(stderr, "zoneops: stopping\n");
	pthread_t wd;
	if (pthread_create(&wd, NULL, stop_watchdog, NULL) == 0)
		pthread_detach(wd);
	if (md)
		MHD_stop_daemon(md);
	MHD_stop_daemon(d);
	conn_stop();
	return 0;
}
