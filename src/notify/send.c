/*
 * send.c -- the senders: WeCom and DingTalk group robots, generic webhooks
 * and e-mail over SMTP, through libcurl, with the outbound safety of issue
 * 13 on every request.
 *
 * Safety: a target is parsed by libcurl's URL API (curl_url) only, and the
 * parsed handle itself is what libcurl connects to (CURLOPT_CURLU), so the
 * host that was checked is the host that is reached.  Robots and webhooks
 * must be http or https to a host of notify.allowed_hosts (exact,
 * case-insensitive; the host of smtp.url is always allowed), without user
 * info; e-mail goes through smtp.url only (smtp:// with STARTTLS required,
 * or smtps://).  Every request: the protocols limited, no redirect followed
 * (a 3xx is a failure), connect 5 s / total 15 s, at most 64 KiB of answer
 * read, no signals, $ZONEOPS_CA_FILE trusted as well (CURLOPT_CAINFO; the
 * system's CA directory, libcurl's CA path, stays), and no proxy: a proxy
 * from the environment (http_proxy, ...) set for something else would carry
 * the robots' keys and every notice to a host notify.allowed_hosts never
 * named, so it is switched off.  Errors name a URL without its query (the
 * robots' keys and tokens live there) and never a secret.
 *
 * Every HTTP request carries X-Zoneops-Event: m->event_id (the robots ignore
 * it; a webhook, or a receiver standing in for a robot, drops repeats by it).
 */
#include "notify.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ANSWER_MAX   (64 * 1024)   /* bytes of an answer read at most */
#define CONNECT_MS   5000
#define TOTAL_MS     15000
#define TARGET_MAX   2048          /* bytes of a robot's or webhook's URL */
#define ADDRESS_MAX  254           /* bytes of an e-mail address (RFC 5321 path) */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_ok;

static void init_libs(void)
{
	init_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK && sodium_init() >= 0;
}

static int libs_ready(void)
{
	pthread_once(&init_once, init_libs);
	return init_ok;
}

/* ---- checking targets ---- */

/* 1 when host equals one of the comma-separated names of list (spaces around
 * a name ignored, case-insensitive, IPv6 with or without brackets). */
static int host_in_list(const char *list, const char *host)
{
	size_t hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']')
		host++, hl -= 2;
	for (const char *p = list ? list : ""; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *e = p;
		while (*e && *e != ',')
			e++;
		const char *b = p, *z = e;
		while (z > b && z[-1] == ' ')
			z--;
		if (z - b >= 2 && *b == '[' && z[-1] == ']')
			b++, z--;
		if ((size_t)(z - b) == hl && hl > 0 && strncasecmp(b, host, hl) == 0)
			return 1;
		p = e;
	}
	return 0;
}

/* A part of a parsed URL (curl_free it), or NULL when it has none. */
static char *url_part(CURLU *u, CURLUPart part)
{
	char *v = NULL;
	if (curl_url_get(u, part, &v, 0) != CURLUE_OK)
		return NULL;
	return v;
}

/* The host of smtp.url, or NULL (curl_free it). */
static char *smtp_host(const struct notify_conf *c)
{
	if (!c->smtp_url || !*c->smtp_url)
		return NULL;
	CURLU *u = curl_url();
	char *h = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, c->smtp_url, 0) == CURLUE_OK)
		h = url_part(u, CURLUPART_HOST);
	curl_url_cleanup(u);
	return h;
}

static int host_allowed(const struct notify_conf *c, const char *host)
{
	if (host_in_list(c->allowed_hosts, host))
		return 1;
	char *sh = smtp_host(c);
	int ok = sh && host_in_list(sh, host);
	curl_free(sh);
	return ok;
}

static int bad_target(err_t *err, const char *reason, const char *name, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int bad_target(err_t *err, const char *reason, const char *name, const char *value, const char *fmt, ...)
{
	if (err == NULL)
		return -1;
	char msg[sizeof err->message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	err_set(err, 422, "invalid_target", "target", "%s", msg);
	err_param(err, "reason", "%s", reason);
	if (name)
		err_param(err, name, "%s", value ? value : "");
	return -1;
}

/* An e-mail address: one @ with something on both sides, no spaces, control
 * characters, <>, commas or semicolons, at most 254 bytes. */
static int address_ok(const char *a)
{
	size_t n = strlen(a);
	const char *at = strchr(a, '@');
	if (n == 0 || n > ADDRESS_MAX || !at || at == a || !at[1] || strchr(at + 1, '@'))
		return 0;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>,;\"\\()", *p))
			return 0;
	return 1;
}

/* Parse target into a new CURLU (the caller frees it) and check it; NULL
 * with err when it may not be used. */
static CURLU *web_target(const struct notify_conf *c, const char *target, err_t *err)
{
	if (strlen(target) > TARGET_MAX) {
		bad_target(err, "length", "max", "2048", "the address is longer than %d bytes", TARGET_MAX);
		return NULL;
	}
	CURLU *u = curl_url();
	if (u == NULL) {
		err_set(err, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	char *scheme = NULL, *host = NULL, *user = NULL;
	int ok = 0;
	if (curl_url_set(u, CURLUPART_URL, target, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		bad_target(err, "url", NULL, NULL, "the target is not a URL: write it as https://host/path");
	else if (!(scheme = url_part(u, CURLUPART_SCHEME)) ||
	         (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		bad_target(err, "scheme", "scheme", scheme, "the target's scheme '%s' is not allowed: use https:// (or http://)",
		           scheme ? scheme : "");
	else if ((user = url_part(u, CURLUPART_USER)) != NULL)
		bad_target(err, "userinfo", NULL, NULL, "the target carries a user name before '@': remove it, "
		           "the host is what follows the '@'");
	else if (!(host = url_part(u, CURLUPART_HOST)) || !*host)
		bad_target(err, "host", "host", "", "the target has no host");
	else if (!host_allowed(c, host))
		bad_target(err, "host", "host", host, "the host '%s' is not in notify.allowed_hosts: ask an administrator "
		           "to add it, or use an allowed host", host);
	else
		ok = 1;
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	if (!ok) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

int notify_target_check(const struct notify_conf *c, const char *kind, const char *target, err_t *err)
{
	if (!libs_ready())
		return err_set(err, 500, "internal", NULL, "libcurl failed to start");
	if (!kind || (strcmp(kind, "wecom") != 0 && strcmp(kind, "dingtalk") != 0 && strcmp(kind, "webhook") != 0 &&
	              strcmp(kind, "email") != 0))
		return bad_target(err, "kind", "kind", kind, "unknown channel kind '%s': use wecom, dingtalk, webhook or email",
		                  kind ? kind : "");
	if (!target || !*target)
		return bad_target(err, "empty", NULL, NULL, "the target is empty: give the robot's or webhook's URL, "
		                  "or an e-mail address");
	if (strcmp(kind, "email") == 0) {
		if (!address_ok(target))
			return bad_target(err, "address", NULL, NULL, "the target is not an e-mail address: write it as "
			                  "name@example.com (one @, no spaces or <>, at most 254 bytes)");
		return 0;
	}
	CURLU *u = web_target(c, target, err);
	curl_url_cleanup(u);
	return u ? 0 : -1;
}

/* ---- signatures ---- */

static void hmac_sha256(const char *key, const void *data, size_t len, unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, data, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof st);
}

char *notify_dingtalk_sign(const char *secret, int64_t timestamp_ms)
{
	if (!secret || !libs_ready())
		return NULL;
	char *msg = NULL;
	int n = asprintf(&msg, "%lld\n%s", (long long)timestamp_ms, secret);
	if (n < 0)
		return NULL;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	hmac_sha256(secret, msg, (size_t)n, mac);
	sodium_memzero(msg, (size_t)n);
	free(msg);
	char b64[sodium_base64_ENCODED_LEN(sizeof mac, sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
	char *esc = curl_easy_escape(NULL, b64, 0);
	char *out = esc ? strdup(esc) : NULL;
	curl_free(esc);
	return out;
}

char *notify_webhook_sign(const char *secret, const char *body, size_t len)
{
	if (!secret || !body || !libs_ready())
		return NULL;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	hmac_sha256(secret, body, len, mac);
	char *out = malloc(7 + 2 * sizeof mac + 1);
	if (out) {
		memcpy(out, "sha256=", 7);
		sodium_bin2hex(out + 7, 2 * sizeof mac + 1, mac, sizeof mac);
	}
	return out;
}

/* ---- one request ---- */

struct answer {
	char *buf;
	size_t len;
	int over;             /* more than ANSWER_MAX came */
};

static size_t on_answer(char *p, size_t sz, size_t nmemb, void *ud)
{
	struct answer *a = ud;
	size_t n = sz * nmemb;
	if (a->len + n > ANSWER_MAX) {
		a->over = 1;
		return 0;   /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	char *b = realloc(a->buf, a->len + n + 1);
	if (b == NULL)
		return 0;
	memcpy(b + a->len, p, n);
	a->len += n;
	b[a->len] = '\0';
	a->buf = b;
	return n;
}

/* A new formatted string, or NULL. */
static char *vdupf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *vdupf(const char *fmt, va_list ap)
{
	char *s = NULL;
	return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vdupf(fmt, ap);
	va_end(ap);
	return s;
}

static void set_error(struct notify_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct notify_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->error, sizeof res->error, fmt, ap);
	va_end(ap);
}

/* Take out of s every "?query" (up to the next space) and every occurrence
 * of secret: an error must not carry a robot's key or a password. */
static void scrub(char *s, const char *secret)
{
	for (char *q; (q = strchr(s, '?')) != NULL;) {
		char *e = q;
		while (*e && *e != ' ')
			e++;
		memmove(q, e, strlen(e) + 1);
	}
	size_t sl = secret ? strlen(secret) : 0;
	for (char *q; sl >= 4 && (q = strstr(s, secret)) != NULL;)
		memmove(q, q + sl, strlen(q + sl) + 1);
}

/* The settings every request shares. */
static void common_opts(CURL *h, const struct notify_conf *c, const char *protocols, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)TOTAL_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");          /* no proxy from the environment (see the top) */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "zoneops-notify");
	if (c->ca_file && *c->ca_file)   /* the system's CAs stay trusted through the CA path */
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
}

/* Why a transfer failed, into res (short; notify_send scrubs it). */
static void transfer_error(struct notify_result *res, CURLcode rc, const char *errbuf, const struct answer *a)
{
	if (a && a->over)
		set_error(res, "answer larger than %d KiB, not read", ANSWER_MAX / 1024);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		set_error(res, "timed out (%s)", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else
		set_error(res, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

/* POST body (JSON) to u with X-Zoneops-Event and, when sig is not NULL,
 * X-Zoneops-Signature; the answer in *a.  0 when a 2xx came back. */
static int http_post(const struct notify_conf *c, CURLU *u, const char *event_id, const char *sig, const char *body,
                     struct answer *a, struct notify_result *res)
{
	if (event_id && strpbrk(event_id, "\r\n")) {
		set_error(res, "bad event id");
		return -1;
	}
	CURL *h = curl_easy_init();
	char *ev = event_id ? dupf("X-Zoneops-Event: %s", event_id) : NULL;
	char *sg = sig ? dupf("X-Zoneops-Signature: %s", sig) : NULL;
	struct curl_slist *hd = NULL, *t;
	if (h == NULL || (event_id && !ev) || (sig && !sg)) {
		set_error(res, "out of memory");
		curl_easy_cleanup(h);
		free(ev);
		free(sg);
		return -1;
	}
	const char *lines[] = { "Content-Type: application/json", "Expect:", ev, sg };
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (lines[i] && (t = curl_slist_append(hd, lines[i])) != NULL)
			hd = t;
	char errbuf[CURL_ERROR_SIZE] = "";
	common_opts(h, c, "http,https", errbuf);
	curl_easy_setopt(h, CURLOPT_CURLU, u);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ANSWER_MAX);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	res->http_status = (int)status;
	int out = -1;
	if (rc == CURLE_FILESIZE_EXCEEDED)
		a->over = 1;
	if (rc != CURLE_OK)
		transfer_error(res, rc, errbuf, a);
	else if (status >= 300 && status < 400)
		set_error(res, "redirect not followed (HTTP %ld)", status);
	else if (status < 200 || status >= 300)
		set_error(res, "HTTP %ld", status);
	else
		out = 0;
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	free(ev);
	free(sg);
	return out;
}

/* A robot's answer: {"errcode":0,...} is success, else errmsg is the error. */
static int robot_answer(const struct answer *a, struct notify_result *res)
{
	json_error_t je;
	json_t *j = a->buf ? json_loadb(a->buf, a->len, 0, &je) : NULL;
	json_t *code = json_object_get(j, "errcode");
	int out = -1;
	if (!json_is_integer(code))
		set_error(res, "the robot's answer has no errcode");
	else if (json_integer_value(code) != 0)
		set_error(res, "errcode %lld: %s", (long long)json_integer_value(code),
		          json_string_value(json_object_get(j, "errmsg")) ? json_string_value(json_object_get(j, "errmsg")) : "");
	else
		out = 0;
	json_decref(j);
	return out;
}

/* ---- the kinds ---- */

static int send_robot(const struct notify_conf *c, const struct notify_dest *d, const struct notify_msg *m,
                      int64_t now_ms, CURLU *u, struct notify_result *res)
{
	int ding = strcmp(d->kind, "dingtalk") == 0;
	json_t *body = ding ? json_pack("{s:s, s:{s:s, s:s}}", "msgtype", "markdown", "markdown", "title",
	                                m->title ? m->title : "", "text", m->markdown ? m->markdown : "")
	                    : json_pack("{s:s, s:{s:s}}", "msgtype", "markdown", "markdown", "content",
	                                m->markdown ? m->markdown : "");
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	char *sign = NULL, *query = NULL;
	int rc = -1;
	if (text == NULL)
		set_error(res, "out of memory");
	else if (ding && d->secret && *d->secret &&
	         (!(sign = notify_dingtalk_sign(d->secret, now_ms)) ||
	          !(query = dupf("timestamp=%lld&sign=%s", (long long)now_ms, sign)) ||
	          curl_url_set(u, CURLUPART_QUERY, query, CURLU_APPENDQUERY) != CURLUE_OK))
		set_error(res, "could not sign the request");
	else {
		struct answer a = { 0 };
		rc = http_post(c, u, m->event_id, NULL, text, &a, res);
		if (rc == 0)
			rc = robot_answer(&a, res);
		free(a.buf);
	}
	free(text);
	free(sign);
	free(query);
	return rc;
}

static int send_webhook(const struct notify_conf *c, const struct notify_dest *d, const struct notify_msg *m,
                        CURLU *u, struct notify_result *res)
{
	const char *body = m->json ? m->json : "{}";
	char *sig = d->secret && *d->secret ? notify_webhook_sign(d->secret, body, strlen(body)) : NULL;
	if (d->secret && *d->secret && sig == NULL) {
		set_error(res, "could not sign the request");
		return -1;
	}
	struct answer a = { 0 };
	int rc = http_post(c, u, m->event_id, sig, body, &a, res);
	free(a.buf);
	free(sig);
	return rc;
}

/* ---- e-mail ---- */

struct upload {
	const char *p;
	size_t left;
};

static size_t on_upload(char *buf, size_t sz, size_t nmemb, void *ud)
{
	struct upload *up = ud;
	size_t n = sz * nmemb < up->left ? sz * nmemb : up->left;
	memcpy(buf, up->p, n);
	up->p += n;
	up->left -= n;
	return n;
}

/* Append s (len bytes) to the growing string *buf; -1 out of memory. */
static int put(char **buf, size_t *len, const char *s, size_t n)
{
	char *b = realloc(*buf, *len + n + 1);
	if (b == NULL)
		return -1;
	memcpy(b + *len, s, n);
	*len += n;
	b[*len] = '\0';
	*buf = b;
	return 0;
}

static int putf(char **buf, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int putf(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vdupf(fmt, ap);
	va_end(ap);
	int rc = s ? put(buf, len, s, strlen(s)) : -1;
	free(s);
	return rc;
}

/* base64 of s[0..n) in lines of at most `line` (<= 76) characters, each
 * ending in CRLF. */
static int put_base64(char **buf, size_t *len, const unsigned char *s, size_t n, size_t line)
{
	size_t chunk = line / 4 * 3;     /* bytes that make one full line */
	for (size_t i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;
		char b64[sodium_base64_ENCODED_LEN(57, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(b64, sizeof b64, s + i, k, sodium_base64_VARIANT_ORIGINAL);
		if (put(buf, len, b64, strlen(b64)) < 0 || put(buf, len, "\r\n", 2) < 0)
			return -1;
	}
	return 0;
}

/* The Subject header, RFC 2047: encoded words of at most 39 bytes of UTF-8
 * (not cut inside a character), one a line, folded. */
static int put_subject(char **buf, size_t *len, const char *title)
{
	size_t n = strlen(title);
	if (put(buf, len, "Subject:", 8) < 0 || (n == 0 && put(buf, len, " ", 1) < 0))
		return -1;
	for (size_t i = 0; i < n;) {
		size_t k = n - i < 39 ? n - i : 39;   /* 52 base64 characters: lines of <= 76 */
		while (k > 1 && i + k < n && ((unsigned char)title[i + k] & 0xC0) == 0x80)
			k--;                     /* do not cut a UTF-8 character */
		char b64[sodium_base64_ENCODED_LEN(39, sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(b64, sizeof b64, (const unsigned char *)title + i, k, sodium_base64_VARIANT_ORIGINAL);
		if (putf(buf, len, "%s=?UTF-8?B?%s?=", i ? "\r\n " : " ", b64) < 0)
			return -1;
		i += k;
	}
	return put(buf, len, "\r\n", 2);
}

/* "Sun, 06 Dec 2026 14:03:00 +0000" of unix time t (no locale). */
static void rfc5322_date(int64_t t, char out[40])
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday % 7], tm.tm_mday, mo[tm.tm_mon % 12],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The whole message (malloc'd, CRLF lines), or NULL. */
static char *mail_message(const char *from, const char *to, const struct notify_msg *m, int64_t now_ms)
{
	char *b = NULL, date[40], rnd[9];
	size_t n = 0;
	uint32_t r = randombytes_random();
	snprintf(rnd, sizeof rnd, "%08x", (unsigned)r);
	rfc5322_date(now_ms / 1000, date);
	const char *text = m->text ? m->text : "";
	if (putf(&b, &n, "From: %s\r\nTo: %s\r\n", from, to) < 0 || put_subject(&b, &n, m->title ? m->title : "") < 0 ||
	    putf(&b, &n, "Date: %s\r\nMessage-ID: <%s.%lld.%s@zoneops>\r\nX-Zoneops-Event: %s\r\nMIME-Version: 1.0\r\n"
	         "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
	         date, m->event_id, (long long)now_ms, rnd, m->event_id) < 0 ||
	    put_base64(&b, &n, (const unsigned char *)text, strlen(text), 76) < 0) {
		free(b);
		return NULL;
	}
	return b;
}

/* smtp.url parsed and checked into a new CURLU, or NULL with res->error. */
static CURLU *smtp_target(const struct notify_conf *c, struct notify_result *res)
{
	if (!c->smtp_url || !*c->smtp_url) {
		set_error(res, "smtp.url is not set");
		return NULL;
	}
	CURLU *u = curl_url();
	char *scheme = NULL;
	if (!u || curl_url_set(u, CURLUPART_URL, c->smtp_url, 0) != CURLUE_OK)
		set_error(res, "smtp.url is not a URL");
	else if (!(scheme = url_part(u, CURLUPART_SCHEME)) || (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0))
		set_error(res, "smtp.url must be smtp:// (STARTTLS) or smtps://");
	curl_free(scheme);
	if (res->error[0]) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

static int send_email(const struct notify_conf *c, const struct notify_dest *d, const struct notify_msg *m,
                      int64_t now_ms, struct notify_result *res)
{
	const char *from = c->smtp_from ? c->smtp_from : "";
	if (!address_ok(from)) {
		set_error(res, "smtp.from is not an e-mail address");
		return -1;
	}
	if (m->event_id && strpbrk(m->event_id, "\r\n")) {
		set_error(res, "bad event id");
		return -1;
	}
	CURLU *u = smtp_target(c, res);
	if (u == NULL)
		return -1;
	char *msg = mail_message(from, d->target, m, now_ms);
	char *mfrom = dupf("<%s>", from), *rcpt = dupf("<%s>", d->target);
	CURL *h = curl_easy_init();
	struct curl_slist *to = rcpt ? curl_slist_append(NULL, rcpt) : NULL;
	if (!msg || !h || !mfrom || !to) {
		set_error(res, "out of memory");
		curl_slist_free_all(to);
		curl_url_cleanup(u);
		curl_easy_cleanup(h);
		free(mfrom);
		free(rcpt);
		free(msg);
		return -1;
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	struct upload up = { msg, strlen(msg) };
	common_opts(h, c, "smtp,smtps", errbuf);
	curl_easy_setopt(h, CURLOPT_CURLU, u);
	curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (c->smtp_user && *c->smtp_user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password ? c->smtp_password : "");
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, mfrom);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, on_upload);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.left);
	CURLcode rc = curl_easy_perform(h);
	if (rc != CURLE_OK)
		transfer_error(res, rc, errbuf, NULL);
	curl_slist_free_all(to);
	curl_easy_cleanup(h);
	curl_url_cleanup(u);
	free(mfrom);
	free(rcpt);
	free(msg);
	return rc == CURLE_OK ? 0 : -1;
}

int notify_send(const struct notify_conf *c, const struct notify_dest *d, const struct notify_msg *m,
                int64_t now_ms, struct notify_result *res)
{
	memset(res, 0, sizeof *res);
	double t0 = now_mono();
	err_t err;
	err_clear(&err);
	int rc = -1;
	if (!libs_ready())
		set_error(res, "libcurl failed to start");
	else if (notify_target_check(c, d->kind, d->target, &err) < 0)
		set_error(res, "%s", err.message);
	else if (strcmp(d->kind, "email") == 0)
		rc = send_email(c, d, m, now_ms, res);
	else {
		CURLU *u = web_target(c, d->target, &err);
		if (u == NULL)
			set_error(res, "%s", err.message);
		else if (strcmp(d->kind, "webhook") == 0)
			rc = send_webhook(c, d, m, u, res);
		else
			rc = send_robot(c, d, m, now_ms, u, res);
		curl_url_cleanup(u);
	}
	/* a robot's errmsg or libcurl's message might echo a URL or a secret */
	scrub(res->error, d->secret);
	scrub(res->error, c->smtp_password);
	res->ms = (int)((now_mono() - t0) * 1000 + 0.5);
	return rc;
}
