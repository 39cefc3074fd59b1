/*
 * server_int.h -- the HTTP server's own parts, shared by server.c (the only
 * file that sees libmicrohttpd) and the library-free modules beside it:
 *
 *   conn.c  what a connection may cost and how long it may take: the
 *           deadlines of a request's head and body (a reaper thread),
 *           lingering close after an early answer, and the slots of large
 *           uploads;
 *   head.c  the request head as the library leaves it: checks of framing
 *           shapes the library lets through, and the client address
 *           (trusted proxies, X-Forwarded-For);
 *   encoding.c  Accept-Encoding and gzip compression of JSON answers.
 */
#ifndef ZONEOPS_HTTP_SERVER_INT_H
#define ZONEOPS_HTTP_SERVER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http.h"

/* ---- connections (conn.c) ---- */

enum conn_phase {
	CONN_HEAD,     /* waiting for a request's head (new or kept-alive) */
	CONN_BODY,     /* receiving a body: the body deadline runs */
	CONN_BUSY,     /* handling and answering: no deadline */
};

/* The minimum body rate is checked once a body has taken this long. */
#define BODY_GRACE_SEC 5.0

struct track;
/* A new connection on descriptor fd (the library owns it). */
struct track *conn_open(int fd);
/* The library is about to close the connection: forget it, and when
 * conn_linger() was asked keep the socket open a little longer, reading
 * and dropping what the client still sends, so that it reads the answer
 * instead of a reset. */
void conn_closed(struct track *t);
void conn_phase(struct track *t, enum conn_phase ph);
/* n more body bytes arrived. */
void conn_body_bytes(struct track *t, size_t n);
/* Close with lingering (an answer was sent before the body was read). */
void conn_linger(struct track *t);
/* The reaper and the lingering thread: start, stop. */
int conn_start(void);
void conn_stop(void);

/* Large uploads under way: at most per_user for one caller, total in
 * all.  0 when a slot was taken, else the status to answer: 429 (this
 * caller has per_user running) or 503 (total running). */
int upload_acquire(int64_t user_id, unsigned per_user, unsigned total);
void upload_release(int64_t user_id);

/* ---- content codings (encoding.c) ---- */

enum coding { CODING_IDENTITY, CODING_GZIP, CODING_BR };
/* The coding to answer with, given the request's Accept-Encoding (NULL
 * when absent: identity) and the variants there are: the highest q, br
 * before gzip before identity on a tie. */
enum coding coding_pick(const char *ae, int have_gzip, int have_br);
/* A JSON answer is sent gzip-compressed from this size on, when the
 * client takes gzip. */
#define GZIP_MIN_BYTES 1024
/* in[0..len) as a gzip stream (malloc'd, *out_len bytes); NULL on failure. */
char *gzip_compress(const char *in, size_t len, size_t *out_len);

/* ---- the request head (head.c) ---- */

/* One header as the library holds it: pointers into its read buffer. */
struct head_field {
	const char *key, *val;
	size_t klen, vlen;
};
/* The head in the library's read buffer, as libmicrohttpd 0.9.75 leaves
 * it (see head.c): method, raw URI (and its length when the URI callback
 * saw it), version and headers in order, head_size bytes from method.
 * 1 when the bytes between them are only what the library replaced by NUL
 * (the separators, CRLF) -- 0 for a bare LF, a NUL byte, a folded line,
 * or anything else the parsed values do not account for. */
int head_layout_ok(const char *method, size_t head_size, const char *uri, size_t uri_len, const char *version,
                   const struct head_field *f, int n);
/* 1 when s[0..n) is a token (RFC 9110: a header name). */
int head_token(const char *s, size_t n);
/* The number of arguments in the query of a raw URI. */
size_t head_query_args(const char *uri);

/* A request's JSON body checked (router.c): duplicate keys, depth 8,
 * integers within +-2^53.  The value, or NULL with err = 400 and a code
 * (malformed_json, invalid_utf8, duplicate_key, null_character,
 * number_out_of_range, too_deep). */
json_t *body_json(const char *body, size_t len, err_t *err);

/* The client's address: the peer's, or when the peer is a trusted proxy
 * the right-most address of xff (the X-Forwarded-For values joined by
 * ",", may be NULL) that is not itself a trusted proxy.  In a. */
const char *client_address(arena_t *a, const struct sockaddr *peer, const char *xff);

#endif
