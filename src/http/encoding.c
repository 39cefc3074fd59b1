/*
 * encoding.c -- content codings: which of identity, gzip and br a client
 * takes (Accept-Encoding with its q-values, RFC 9110 12.5.3), and gzip
 * compression of an answer (zlib) for the JSON bodies made per request.
 * The static files carry their gzip and brotli variants from the build
 * (scripts/build-web.sh); nothing here compresses them.
 */
#include "server_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* The q-value at s ("0.5", "1", "0.125") in thousandths; -1 when it is not one. */
static int parse_q(const char *s, size_t n)
{
	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	int q = (s[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (s[1] != '.' || n > 5)
		return -1;
	int scale = 100;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/* One element of the list, [s, s+n): its coding (trimmed) and its q
 * (1000 when none is given); 0 when the element is malformed. */
static int parse_element(const char *s, size_t n, const char **name, size_t *name_len, int *q)
{
	while (n && is_ows(*s))
		s++, n--;
	while (n && is_ows(s[n - 1]))
		n--;
	const char *semi = memchr(s, ';', n);
	size_t tn = semi ? (size_t)(semi - s) : n;
	while (tn && is_ows(s[tn - 1]))
		tn--;
	*name = s;
	*name_len = tn;
	*q = 1000;
	if (tn == 0)
		return 0;
	while (semi) {   /* parameters: only q counts */
		const char *p = semi + 1, *end = s + n;
		const char *next = memchr(p, ';', (size_t)(end - p));
		const char *pe = next ? next : end;
		while (p < pe && is_ows(*p))
			p++;
		const char *ve = pe;
		while (ve > p && is_ows(ve[-1]))
			ve--;
		if (ve - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			*q = parse_q(p + 2, (size_t)(ve - p - 2));
			if (*q < 0)
				return 0;
		}
		semi = next;
	}
	return 1;
}

/* The q of coding in the header ae, in thousandths: its own entry, else
 * that of "*", else 0 -- but identity, when the header names neither, is
 * acceptable last (1: below any coding the client lists). */
static int coding_q(const char *ae, const char *coding)
{
	int own = -1, star = -1;
	size_t cl = strlen(coding);
	for (const char *s = ae; *s;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		const char *name;
		size_t nl;
		int q;
		if (parse_element(s, n, &name, &nl, &q)) {
			if (nl == cl && strncasecmp(name, coding, cl) == 0)
				own = own < q ? q : own;
			else if (nl == 1 && name[0] == '*')
				star = star < q ? q : star;
		}
		if (!comma)
			break;
		s = comma + 1;
	}
	if (own >= 0)
		return own;
	if (star >= 0)
		return star;
	return strcmp(coding, "identity") == 0 ? 1 : 0;
}

enum coding coding_pick(const char *ae, int have_gzip, int have_br)
{
	if (ae == NULL || (!have_gzip && !have_br))
		return CODING_IDENTITY;
	int qi = coding_q(ae, "identity");
	int qg = have_gzip ? coding_q(ae, "gzip") : 0;
	int qb = have_br ? coding_q(ae, "br") : 0;
	/* the highest q wins; on a tie br, then gzip (smaller), then identity */
	if (qb > 0 && qb >= qg && qb >= qi)
		return CODING_BR;
	if (qg > 0 && qg >= qi)
		return CODING_GZIP;
	return CODING_IDENTITY;
}

char *gzip_compress(const char *in, size_t len, size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	uLong cap = deflateBound(&z, (uLong)len);
	char *out = malloc(cap);
	if (out == NULL) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}
