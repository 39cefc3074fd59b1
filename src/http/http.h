/*
 * http.h -- the request/response contract between the HTTP server and the
 * handlers.
 *
 * Owns: req_t (one per request, with its arena), reply builders, the route
 * table type and the route permissions (sets of auth.h's role bits).  Only
 * server.c includes <microhttpd.h>; handlers see a req_t and nothing of
 * the library.
 *
 * Anatomy of a request: server.c receives its head and rejects bad framing;
 * router.c matches the route table (routes.c), resolves the caller (auth)
 * and checks the route's permission and CSRF (router_admit) -- all before
 * any body byte is read, so that a caller who may not call the route is
 * answered at once and costs no memory; server.c then collects the body
 * (a large upload into a temporary file) within the limit and deadline
 * that apply to this caller, and router_dispatch() parses the JSON body,
 * wraps writes in a transaction that also writes the audit row, and calls
 * the handler.  The handler calls exactly one reply_* function.
 */
#ifndef ZONEOPS_HTTP_H
#define ZONEOPS_HTTP_H

#include <jansson.h>
#include <stdint.h>

#include "auth/auth.h"
#include "core/core.h"
#include "store/store.h"

/* A route's permission: the role bits (auth.h) it admits. */
#define P_PUBLIC 0                  /* no login needed */
#define P_ANY    ROLE_ALL           /* any logged-in user */
#define P_STAFF  ROLE_STAFF         /* any logged-in user but an enterprise */
#define P_ADMIN  ROLE_ADMIN

/* The session cookie (its value is auth's session token). */
#define SESSION_COOKIE "zo_session"

/* Route flags. */
enum {
	R_NOTX = 1 << 0,     /* a write that manages its own transaction and audit */
	R_NOCSRF = 1 << 1,   /* cookie writes without CSRF token (login only) */
	R_RAW = 1 << 2,      /* body is not JSON (uploads) */
	R_PREFIX = 1 << 3,   /* path is a prefix ending in '/' */
	R_PWCHANGE = 1 << 4, /* open to a user who must change its password first */
};

/* A route that is R_RAW with its own max_body is an upload: its limit
 * applies only to callers it admits, the uploads running at once are
 * capped (server_cfg.max_uploads, max_uploads_per_user), and a body of
 * more than UPLOAD_SPOOL_AT bytes goes to a temporary file (req_t's
 * body_fd), not to memory. */
#define UPLOAD_SPOOL_AT (256u << 10)
#define route_is_upload(rt) ((rt) != NULL && ((rt)->flags & R_RAW) && (rt)->max_body)

typedef struct req req_t;
typedef void (*handler_fn)(req_t *r);

struct route {
	const char *method;
	const char *path;      /* "/api/v1/users/{id}" */
	handler_fn handler;
	int perm;              /* role bits allowed; P_PUBLIC for everyone */
	int flags;
	size_t max_body;       /* 0: the server default */
};

struct header {
	const char *name, *value;
	struct header *next;
};

struct late_audit;

#define REQ_MAX_PARAMS 4

struct req {
	arena_t *arena;
	void *conn;                 /* the library's connection (server.c only) */
	const char *method;
	const char *path;           /* percent-decoded, valid UTF-8 */
	const char *ip;
	const char *body;           /* the body in memory, or NULL when body_spooled */
	size_t body_len;            /* its size, in memory or in the file */
	int body_spooled;           /* 1: the body is in the file body_fd (an
	                               unlinked temporary file, read it with
	                               pread; the server closes it) */
	int body_fd;
	json_t *json;               /* parsed body or NULL; owned by the request */
	db_t *db;
	const struct route *route;
	int route_index;
	const char *params[REQ_MAX_PARAMS];
	int nparams;
	/* caller */
	user_t *user;               /* NULL when not logged in */
	int via_cookie;
	const char *csrf;           /* the session's CSRF token */
	int admitted;               /* router_admit() let the request in */
	/* response */
	int status;
	json_t *out;                /* JSON body; owned */
	char *text;                 /* or a raw body (arena) */
	size_t text_len;
	int text_static;            /* 1: text lives as long as the server (static
	                               files in memory): sent without a copy */
	const char *content_type;
	int fd;                     /* or a file to send (static files); -1 */
	uint64_t fd_size;
	struct header *headers;
	/* audit (set by write handlers) */
	const char *audit_action;   /* default: "METHOD route" */
	const char *audit_entity;
	const char *audit_id;
	const char *audit_detail;
	struct late_audit *late;    /* rows written after the transaction */
};

/* ---- request accessors (server.c) ---- */
const char *req_header(req_t *r, const char *name);
const char *req_query(req_t *r, const char *name);
const char *req_cookie(req_t *r, const char *name);
/* Path parameter i parsed as a positive id, or 0 when it is not one. */
int64_t req_param_id(req_t *r, int i);
/* limit/offset from the query string with defaults and bounds; on bad
 * values replies 422 and returns -1. */
int req_paging(req_t *r, int64_t *limit, int64_t *offset);
/* Optional query parameters, strictly parsed; each replies 422 and returns
 * -1 on a bad value.  Absent: id 0, bool -1, int dflt. */
int req_query_id(req_t *r, const char *name, int64_t *out);
int req_query_bool(req_t *r, const char *name, int64_t *out);
/* 1 when the body starts with p[0..n) (in memory or in its file). */
int req_body_starts(req_t *r, const void *p, size_t n);
/* "%q%" with % _ \ escaped, for "lower(col) LIKE lower($1) ESCAPE '\'";
 * NULL when q is NULL or empty. */
const char *like_pattern(req_t *r, const char *q);
int req_query_int(req_t *r, const char *name, int64_t dflt, int64_t lo, int64_t hi, int64_t *out);

/* ---- replies (reply.c) ---- */
void reply_json(req_t *r, int status, json_t *body);          /* steals body */
void reply_error(req_t *r, int status, const char *code, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Reply with e: its status (500 when it has none), {"error":{"code",
 * "message","field","line"?,"params"?}}. */
void reply_err(req_t *r, const err_t *e);
/* The "error" object of e. */
json_t *err_json(const err_t *e);
void reply_text(req_t *r, int status, const char *type, char *text, size_t len); /* text in arena */
void reply_header(req_t *r, const char *name, const char *value);
/* 500 with the database's message logged (not shown to the client);
 * DB_BUSY becomes 503 "busy", DB_CONSTRAINT 409 "conflict". */
void reply_db_error(req_t *r, int rc, const char *what);
/* The list envelope: {"items":[...],"total":N,"limit":L,"offset":O}. */
void reply_list(req_t *r, json_t *items, int64_t total, int64_t limit, int64_t offset);

/* ---- downloads (reply.c) ---- */
/* A new empty temporary file in $TMPDIR (else /tmp) named PREFIX-XXXXXX:
 * its descriptor (close-on-exec), its name in *path (arena a); -1 with
 * errno when it cannot be created.  The one place zoneops makes one. */
int tmpfile_make(arena_t *a, const char *prefix, char **path);
/* For a download built in a file by a library that wants a path
 * (libxlsxwriter): a new empty temporary file's name, or NULL after
 * replying 500.  Hand it to reply_file(), or unlink it on failure. */
char *reply_tmpfile(req_t *r, const char *prefix);
/* Send a download: the file at path (opened, then unlinked: a
 * reply_tmpfile()), or with path NULL data[0..len) from memory (copied).
 * Content-Type type; Content-Disposition: attachment with filename as an
 * ASCII fallback and as filename*=UTF-8''... (RFC 5987) for any name;
 * Cache-Control: no-store.  Extra headers: reply_header() before or after.
 * 500 when the file cannot be opened. */
void reply_file(req_t *r, const char *type, const char *filename, const char *path, const char *data, size_t len);

/* ---- JSON body helpers (reply.c) ---- */
/* The body as an object, or NULL after replying 400. */
json_t *req_object(req_t *r);
/* Field readers: return 1 when present and valid, 0 when absent, -1 after
 * replying 422 (wrong type).  Strings are trimmed copies in the arena. */
int body_str(req_t *r, json_t *o, const char *key, const char **out);
int body_int(req_t *r, json_t *o, const char *key, int64_t *out);
int body_bool(req_t *r, json_t *o, const char *key, int *out);
/* 1 after replying 422 unknown_field when o has a key not in allowed
 * (NULL-terminated). */
int body_unknown_field(req_t *r, json_t *o, const char *const *allowed);

/* Row → JSON: one object from the current row, column names as keys.
 * types has one letter per column: i integer, s text, b boolean (0/1),
 * d double.  NULL columns become null whatever their letter. */
json_t *row_json(db_stmt_t *st, const char *types);
/* Every row of sql (one parameter $1 = id) as row_json() objects in an
 * array; NULL on a database error. */
json_t *rows_json_by_id(db_t *db, const char *sql, int64_t id, const char *types);

/* ---- the route table (routes.c) and router (router.c) ---- */
extern const struct route routes[];
extern const int nroutes;
/* 1 when a caller of role_bit (0: nobody logged in) may call rt. */
int route_permits(const struct route *rt, int role_bit);
/* The same for the route op names ("POST /api/v1/requests", as in /me's
 * permissions); 0 when there is no such route.  For other front doors to
 * the same operations (Open311). */
int route_permits_op(const char *op, int role_bit);
/* Find r's route from method and path (sets r->route, r->params). */
void router_match(req_t *r);
/* At the head, before any body byte: resolve the caller and check the
 * matched route's permission and CSRF.  1 when the request may go on (or
 * has no route: 404/405 come from router_dispatch); 0 after replying
 * 401/403 (with an audit row) or 500/503. */
int router_admit(req_t *r);
/* Dispatch a fully received request: sets r->status and the response
 * (admits it first when router_admit() was not called). */
void router_dispatch(req_t *r);
/* An audit row written when the request's transaction has ended,
 * committed or rolled back, in a short transaction of its own: for what
 * must be kept although the handler's writes are not (refusals, failed
 * logins).  user and ip are the request's ("(anonymous)" when nobody is
 * logged in).  A request with such a row gets no other refusal row from
 * the router. */
void req_audit_later(req_t *r, const char *action, const char *entity, const char *entity_id, int status,
                     const char *detail);

/* ---- metrics (metrics.c) ---- */
void metrics_record(int route_index, int status, double seconds);
void api_metrics(req_t *r);

/* ---- static files (static.c) ---- */
void static_init(const char *webroot);
void static_serve(req_t *r);

/* ---- server (server.c) ---- */
struct server_config {
	const char *listen;         /* "127.0.0.1:8080" */
	const char *webroot;
	unsigned threads;           /* 0: number of cores */
	unsigned max_conns;
	unsigned per_ip;
	unsigned idle_timeout;      /* seconds */
	unsigned header_timeout;    /* seconds to receive a request's headers */
	unsigned body_timeout;      /* seconds to receive a request's body (0: none) */
	unsigned body_min_rate;     /* bytes a second a body averages after BODY_GRACE_SEC (0: none) */
	size_t max_body;            /* the limit of routes without their own, and of
	                               callers an upload route does not admit */
	unsigned max_uploads;       /* large uploads at once, in all ... */
	unsigned max_uploads_per_user;  /* ... and per caller */
	const char *metrics_listen; /* HOST:PORT serving /metrics alone, unauthenticated; NULL: none */
	int secure_cookies;         /* Secure cookie and Strict-Transport-Security */
};
extern struct server_config server_cfg;
/* --trusted-proxy: a CIDR ("10.0.0.0/8", "::1/128") or an address whose
 * X-Forwarded-For is believed.  0, -1 when it is not one. */
int server_trust_proxy(const char *cidr);
/* Serve until SIGINT/SIGTERM.  Returns 0 on a clean stop.  Work that
 * still runs then has STOP_GRACE_SEC to end before the process exits. */
#define STOP_GRACE_SEC 3
int server_run(void);
/* 1 once SIGTERM/SIGINT asked the server to stop: long work (imports)
 * polls it and gives up (never set outside `serve`). */
int server_stopping(void);

#endif
