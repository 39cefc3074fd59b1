/*
 * head.c -- the request head as libmicrohttpd leaves it, and the client's
 * address.
 *
 * Framing shapes that libmicrohttpd 0.9.75 lets through whatever its
 * MHD_OPTION_STRICT_FOR_CLIENT: it ends lines at a bare LF, reads a header
 * value only up to a NUL byte (the rest of the line is lost, not refused),
 * joins an obsolete folded line to the header name, and keeps whitespace
 * before the colon in the name ("Transfer-Encoding " is then no
 * Transfer-Encoding and the chunked body is read as the next request).
 * None of these can be seen in the parsed values, but all of them can in
 * the library's read buffer: it parses the head in place, writing a NUL
 * over each separator it consumes (the space after the method and after
 * the URI, the colon, CR and LF), and hands out pointers into that buffer
 * in the order of the head, with the head's size.  head_layout_ok() walks
 * the head along those pointers and accepts it only when every byte
 * between them is such a NUL, the whitespace after a colon, or the final
 * blank line: a bare LF leaves one NUL where CRLF leaves two, a NUL byte
 * in a value hides the rest of its line between the value and the next
 * header, a folded line moves the header name elsewhere.  The layout was
 * read off 0.9.75 (Debian 12); server.c applies the check only to the
 * versions it was read off and says so at start otherwise.
 *
 * The client's address: the peer's, or behind a trusted proxy (--trusted-
 * proxy CIDR) the right-most X-Forwarded-For address that is not itself a
 * trusted proxy.
 */
#include "server_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* ---- the head ---- */

/* p[0..1] are the two NULs the library left of a CRLF. */
static int crlf_at(const char *p, const char *end)
{
	return end - p >= 2 && p[0] == '\0' && p[1] == '\0';
}

int head_layout_ok(const char *method, size_t head_size, const char *uri, size_t uri_len, const char *version,
                   const struct head_field *f, int n)
{
	const char *end = method + head_size;
	/* method NUL uri NUL version CRLF */
	const char *p = method + strnlen(method, head_size);
	if (p >= end || uri != p + 1)
		return 0;
	p = uri + uri_len;
	if (p >= end || *p != '\0' || version != p + 1)
		return 0;
	p = version + strnlen(version, (size_t)(end - version));
	if (!crlf_at(p, end))
		return 0;
	p += 2;
	/* name NUL [SP HTAB]* value CRLF, in order */
	for (int i = 0; i < n; i++) {
		if (f[i].key != p || f[i].klen == 0 || (size_t)(end - p) <= f[i].klen)
			return 0;
		p += f[i].klen;
		if (*p++ != '\0')
			return 0;
		while (p < end && p < f[i].val && (*p == ' ' || *p == '\t'))
			p++;
		if (p != f[i].val || (size_t)(end - p) < f[i].vlen)
			return 0;
		p += f[i].vlen;
		if (!crlf_at(p, end))
			return 0;
		p += 2;
	}
	/* the blank line, as the library left it */
	return end - p == 2 && (p[0] == '\0' || p[0] == '\r') && (p[1] == '\0' || p[1] == '\n');
}

int head_token(const char *s, size_t n)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr(extra, c))))
			return 0;
	}
	return 1;
}

size_t head_query_args(const char *uri)
{
	const char *q = strchr(uri, '?');
	if (q == NULL || q[1] == '\0')
		return 0;
	size_t n = 1;
	for (q++; *q; q++)
		if (*q == '&')
			n++;
	return n;
}

/* ---- trusted proxies ---- */

struct net {
	int family;
	unsigned char addr[16];
	int bits;
};

#define MAX_PROXIES 32
static struct net proxies[MAX_PROXIES];
static int nproxies;

/* Parse an address into n (no prefix): 0, -1. */
static int parse_addr(const char *s, size_t len, struct net *n)
{
	char buf[INET6_ADDRSTRLEN + 1];
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(n, 0, sizeof *n);
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		n->bits = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = AF_INET6;
		n->bits = 128;
		return 0;
	}
	return -1;
}

int server_trust_proxy(const char *cidr)
{
	if (nproxies == MAX_PROXIES)
		return -1;
	const char *slash = strchr(cidr, '/');
	struct net n;
	if (parse_addr(cidr, slash ? (size_t)(slash - cidr) : strlen(cidr), &n) < 0)
		return -1;
	if (slash) {
		char *e;
		long bits = strtol(slash + 1, &e, 10);
		if (*e || e == slash + 1 || bits < 0 || bits > n.bits)
			return -1;
		n.bits = (int)bits;
	}
	proxies[nproxies++] = n;
	return 0;
}

static int in_net(const struct net *a, const struct net *net)
{
	if (a->family != net->family)
		return 0;
	int full = net->bits / 8, rest = net->bits % 8;
	if (memcmp(a->addr, net->addr, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a->addr[full] & mask) == (net->addr[full] & mask);
}

static int trusted(const struct net *a)
{
	for (int i = 0; i < nproxies; i++)
		if (in_net(a, &proxies[i]))
			return 1;
	return 0;
}

static const char *addr_text(arena_t *a, const struct net *n)
{
	char buf[INET6_ADDRSTRLEN];
	if (inet_ntop(n->family, n->addr, buf, sizeof buf) == NULL)
		return "?";
	return arena_strdup(a, buf);
}

static int peer_net(const struct sockaddr *sa, struct net *n)
{
	memset(n, 0, sizeof *n);
	if (sa && sa->sa_family == AF_INET) {
		n->family = AF_INET;
		n->bits = 32;
		memcpy(n->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa && sa->sa_family == AF_INET6) {
		n->family = AF_INET6;
		n->bits = 128;
		memcpy(n->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

const char *client_address(arena_t *a, const struct sockaddr *peer, const char *xff)
{
	struct net cur;
	if (peer_net(peer, &cur) < 0)
		return "?";
	if (!nproxies || !xff || !trusted(&cur))
		return addr_text(a, &cur);
	/* right to left: each hop that is a trusted proxy passes on the
	 * address it was given; the first that is not is the client */
	const char *end = xff + strlen(xff);
	while (end > xff && trusted(&cur)) {
		const char *start = end;
		while (start > xff && start[-1] != ',')
			start--;
		const char *s = start, *e = end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		struct net n;
		if (parse_addr(s, (size_t)(e - s), &n) < 0)
			break;   /* not an address: the last good hop stands */
		cur = n;
		end = start > xff ? start - 1 : xff;
	}
	return addr_text(a, &cur);
}
