/*
 * server.c -- the only file that includes <microhttpd.h>.
 *
 * Owns: the daemon (epoll, a thread pool sized to the cores, keep-alive),
 * connection limits, the header deadline reaper, framing checks that
 * libmicrohttpd 0.9.75 lets through, body collection with a size limit,
 * security headers, and turning a req_t into a response.
 *
 * Answering: the handler runs on the last callback of a request (never the
 * first), because 0.9.75 adds "Connection: close" to a response queued on
 * the first callback.
 */
#include "http.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct server_config server_cfg = {
	.listen = "127.0.0.1:8080",
	.webroot = "web",
	.max_conns = 1024,
	.per_ip = 256,
	.idle_timeout = 30,
	.header_timeout = 10,
	.max_body = 1 << 20,
};

/* ---- connection tracking for the header deadline ---- */

struct track {
	int fd;
	int busy;            /* a request's headers have arrived */
	int killed;
	double since;        /* when the connection began waiting for headers */
	struct track *prev, *next;
};

static pthread_mutex_t track_mu = PTHREAD_MUTEX_INITIALIZER;
static struct track *track_head;
static volatile sig_atomic_t stopping;

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		struct track *t = calloc(1, sizeof *t);
		if (t == NULL)
			return;
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		t->fd = ci ? ci->connect_fd : -1;
		t->since = now_mono();
		pthread_mutex_lock(&track_mu);
		t->next = track_head;
		if (track_head)
			track_head->prev = t;
		track_head = t;
		pthread_mutex_unlock(&track_mu);
		*socket_ctx = t;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		struct track *t = *socket_ctx;
		if (t == NULL)
			return;
		pthread_mutex_lock(&track_mu);
		if (t->prev)
			t->prev->next = t->next;
		else
			track_head = t->next;
		if (t->next)
			t->next->prev = t->prev;
		pthread_mutex_unlock(&track_mu);
		free(t);
		*socket_ctx = NULL;
	}
}

static struct track *track_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void track_set(struct MHD_Connection *c, int busy)
{
	struct track *t = track_of(c);
	if (t == NULL)
		return;
	pthread_mutex_lock(&track_mu);
	t->busy = busy;
	t->since = now_mono();
	pthread_mutex_unlock(&track_mu);
}

/* Shut down connections that have waited longer than the header deadline
 * for a request's headers (a slow drip or an idle keep-alive). shutdown()
 * does not close the descriptor, so the daemon still owns and frees it. */
static void *reaper(void *arg)
{
	(void)arg;
	while (!stopping) {
		usleep(250 * 1000);
		double now = now_mono();
		pthread_mutex_lock(&track_mu);
		for (struct track *t = track_head; t; t = t->next) {
			if (!t->busy && !t->killed && t->fd >= 0 && now - t->since > server_cfg.header_timeout) {
				shutdown(t->fd, SHUT_RDWR);
				t->killed = 1;
			}
		}
		pthread_mutex_unlock(&track_mu);
	}
	return NULL;
}

/* ---- per-request state ---- */

#define DRAIN_MAX (16u << 20)  /* read and drop an oversized body up to this */

struct ctx {
	req_t req;
	int started;
	int reject_status;
	const char *reject_code, *reject_msg;
	buf_t body;
	size_t limit;
	double t0;
};

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	struct ctx *x = calloc(1, sizeof *x);
	if (x == NULL)
		return NULL;
	x->req.arena = arena_new();
	x->req.conn = c;
	x->req.fd = -1;
	x->req.route_index = -1;
	x->t0 = now_mono();
	buf_init(&x->body);
	/* Decode the raw path ourselves: libmicrohttpd truncates at %00 and
	 * does not check UTF-8. */
	const char *q = strchr(uri, '?');
	char *raw = arena_strndup(x->req.arena, uri, q ? (size_t)(q - uri) : strlen(uri));
	size_t n = 0;
	char *path = pct_decode(x->req.arena, raw, &n);
	if (path == NULL) {
		x->reject_status = 400, x->reject_code = "bad_path", x->reject_msg = "malformed percent-escape in the path";
	} else if (memchr(path, '\0', n)) {
		x->reject_status = 400, x->reject_code = "bad_path", x->reject_msg = "NUL byte in the path";
	} else if (!utf8_valid(path, n)) {
		x->reject_status = 400, x->reject_code = "bad_path", x->reject_msg = "the path is not valid UTF-8";
	} else if (has_ctl(path)) {
		x->reject_status = 400, x->reject_code = "bad_path", x->reject_msg = "control character in the path";
	}
	x->req.path = path ? path : "/";
	return x;
}

struct hdr_scan {
	int content_length, transfer_encoding, host, ctl, bad_utf8;
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct hdr_scan *s = cls;
	(void)kind;
	if (strcasecmp(key, "Content-Length") == 0)
		s->content_length++;
	else if (strcasecmp(key, "Transfer-Encoding") == 0)
		s->transfer_encoding++;
	else if (strcasecmp(key, "Host") == 0)
		s->host++;
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

static void check_framing(struct ctx *x, struct MHD_Connection *c)
{
	struct hdr_scan s = { 0 };
	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, &s);
	if (x->reject_status)
		return;
	if (s.content_length > 1)
		x->reject_status = 400, x->reject_code = "bad_framing", x->reject_msg = "more than one Content-Length header";
	else if (s.content_length && s.transfer_encoding)
		x->reject_status = 400, x->reject_code = "bad_framing", x->reject_msg = "Content-Length together with Transfer-Encoding";
	else if (s.host > 1)
		x->reject_status = 400, x->reject_code = "bad_framing", x->reject_msg = "more than one Host header";
	else if (s.ctl)
		x->reject_status = 400, x->reject_code = "bad_header", x->reject_msg = "control character in a header";
	if (x->reject_status)
		return;
	struct hdr_scan a = { 0 };
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, scan_arg, &a);
	if (a.bad_utf8 || a.ctl)
		x->reject_status = 400, x->reject_code = "bad_query",
		x->reject_msg = "the query string is not valid UTF-8 text";
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

/* ---- responses ---- */

static const char *csp =
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static enum MHD_Result send_reply(struct MHD_Connection *c, req_t *r)
{
	struct MHD_Response *resp;
	if (r->fd >= 0) {
		resp = MHD_create_response_from_fd64(r->fd_size, r->fd);
		r->fd = -1;  /* the response owns it now */
	} else if (r->out) {
		char *s = json_dumps(r->out, JSON_COMPACT | JSON_REAL_PRECISION(15));  /* 0.1, not 0.10000000000000001 */
		if (s == NULL)
			s = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"cannot encode reply\",\"field\":null}}");
		resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
		if (r->content_type == NULL)
			r->content_type = "application/json; charset=utf-8";
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
	for (struct header *h = r->headers; h; h = h->next)
		MHD_add_response_header(resp, h->name, h->value);
	if (r->out)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reject(struct MHD_Connection *c, struct ctx *x, int status, const char *code, const char *msg)
{
	req_t *r = &x->req;
	if (r->out) {
		json_decref(r->out);
		r->out = NULL;
	}
	reply_error(r, status, code, NULL, "%s", msg);
	metrics_record(-1, status, now_mono() - x->t0);
	return send_reply(c, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)cls, (void)url, (void)version;
	struct ctx *x = *con_cls;
	if (x == NULL)
		return MHD_NO;
	req_t *r = &x->req;
	if (!x->started) {
		x->started = 1;
		track_set(c, 1);
		r->method = arena_strdup(r->arena, method);
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		char ip[INET6_ADDRSTRLEN] = "?";
		if (ci && ci->client_addr) {
			const struct sockaddr *sa = ci->client_addr;
			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof ip);
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof ip);
		}
		r->ip = arena_strdup(r->arena, ip);
		check_framing(x, c);
		x->limit = server_cfg.max_body;
		router_match(r);
		if (r->route && r->route->max_body)
			x->limit = r->route->max_body;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		/* Malformed requests are answered now, before any body is read;
		 * the library then closes the connection. */
		if (x->reject_status)
			return reject(c, x, x->reject_status, x->reject_code, x->reject_msg);
		if (cl && strtoull(cl, NULL, 10) > x->limit) {
			x->reject_status = 413, x->reject_code = "body_too_large",
			x->reject_msg = "the request body is larger than the server accepts";
			/* Answering before a modest body is read would close the
			 * socket with unread data, and the client would see a reset
			 * instead of the 413: drain bodies up to DRAIN_MAX first. */
			if (strtoull(cl, NULL, 10) > DRAIN_MAX)
				return reject(c, x, x->reject_status, x->reject_code, x->reject_msg);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		/* A response cannot be queued while a body is arriving: a body
		 * that outgrows the limit (chunked, no Content-Length) is read
		 * and dropped, and answered 413 when it ends. */
		if (x->reject_status || x->body.len + *upload_size > x->limit) {
			*upload_size = 0;
			if (!x->reject_status)
				x->reject_status = 413, x->reject_code = "body_too_large",
				x->reject_msg = "the request body is larger than the server accepts";
			buf_free(&x->body);
			return MHD_YES;
		}
		if (buf_append(&x->body, upload, *upload_size) < 0) {
			*upload_size = 0;
			x->reject_status = 503, x->reject_code = "out_of_memory", x->reject_msg = "the server is out of memory";
			buf_free(&x->body);
			return MHD_YES;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (x->reject_status)
		return reject(c, x, x->reject_status, x->reject_code, x->reject_msg);
	r->body = x->body.data;
	r->body_len = x->body.len;
	router_dispatch(r);
	metrics_record(r->route_index, r->status, now_mono() - x->t0);
	return send_reply(c, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)toe;
	struct ctx *x = *con_cls;
	track_set(c, 0);
	if (x == NULL)
		return;
	if (x->req.json)
		json_decref(x->req.json);
	if (x->req.out)
		json_decref(x->req.out);
	if (x->req.fd >= 0)
		close(x->req.fd);
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
	static_init(server_cfg.webroot);
	struct sigaction act = { .sa_handler = on_signal };
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* One thread: the daemon's own polling thread serves, and the pool
	 * option is left out (the library warns about a pool of 0 or 1); the
	 * slot then repeats the connection limit, which takes the same type. */
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO,
		0, NULL, NULL, on_request, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
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
	if (d == NULL) {
		fprintf(stderr, "zoneops: cannot listen on %s (in use? not permitted?)\n", server_cfg.listen);
		return 1;
	}
	pthread_t rt;
	pthread_create(&rt, NULL, reaper, NULL);
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "zoneops: serving on http://%s:%u/ (%u threads)\n",
	        inet_ntoa(sa.sin_addr), di ? di->port : ntohs(sa.sin_port), threads);
	fflush(stderr);
	while (!stopping)
		pause();
	fprintf(stderr, "zoneops: stopping\n");
	MHD_stop_daemon(d);
	pthread_join(rt, NULL);
	return 0;
}
