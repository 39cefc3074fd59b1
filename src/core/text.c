/* text.c -- UTF-8 validation, percent-decoding, HTML escaping, clocks. */
#include "core.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		unsigned need, min;
		uint32_t cp;
		if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; min = 0x80; }
		else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; min = 0x800; }
		else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; min = 0x10000; }
		else return 0;  /* continuation byte, C0/C1 overlong lead, > F4 */
		if (i + need >= n)
			return 0;  /* truncated sequence */
		for (unsigned k = 1; k <= need; k++) {
			unsigned cc = s[i + k];
			if ((cc & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (cc & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

size_t utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

char *pct_decode(arena_t *a, const char *s, size_t *len)
{
	size_t n = strlen(s), j = 0;
	char *out = arena_alloc(a, n + 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				return NULL;
			int h = hexval((unsigned char)s[i + 1]), l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return NULL;
			out[j++] = (char)(h * 16 + l);
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	if (len)
		*len = j;
	return out;
}

char *html_escape(arena_t *a, const char *s)
{
	if (s == NULL)
		return arena_strdup(a, "");
	size_t n = 0;
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '&': n += 5; break;
		case '<': case '>': n += 4; break;
		case '"': case '\'': n += 6; break;
		default: n++;
		}
	}
	char *out = arena_alloc(a, n + 1), *o = out;
	for (const char *p = s; *p; p++) {
		const char *r = NULL;
		switch (*p) {
		case '&': r = "&amp;"; break;
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&#39;"; break;
		}
		if (r) {
			size_t k = strlen(r);
			memcpy(o, r, k);
			o += k;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

void hex_encode(char *out, const unsigned char *in, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int has_ctl(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 1;
	}
	return 0;
}

size_t text_space_len(const unsigned char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f')
		return 1;
	if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	if (s[0] == 0xC2 && s[1] == 0xA0)
		return 2;
	if (s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
		return 3;
	return 0;
}

void text_trim_into(const char *s, char *out, size_t outlen)
{
	out[0] = '\0';
	if (s == NULL)
		return;
	const unsigned char *p = (const unsigned char *)s;
	size_t n;
	while ((n = text_space_len(p)) > 0)
		p += n;
	const unsigned char *end = p + strlen((const char *)p), *last = p;
	for (const unsigned char *q = p; q < end;) {
		n = text_space_len(q);
		if (n == 0) {
			q++;
			while (q < end && (*q & 0xC0) == 0x80)
				q++;
			last = q;
		} else
			q += n;
	}
	size_t len = (size_t)(last - p);
	if (len >= outlen) {
		len = outlen - 1;
		while (len > 0 && (p[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(out, p, len);
	out[len] = '\0';
}

int text_is_blank(const char *s)
{
	if (s == NULL)
		return 1;
	const unsigned char *p = (const unsigned char *)s;
	size_t n;
	while ((n = text_space_len(p)) > 0)
		p += n;
	return *p == '\0';
}

void text_fold_fullwidth(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = r;
	while (*r) {
		if (r[0] == 0xEF && (r[1] == 0xBC || r[1] == 0xBD) && r[2]) {
			unsigned cp = ((r[0] & 0x0Fu) << 12) | ((r[1] & 0x3Fu) << 6) | (r[2] & 0x3Fu);
			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				*w++ = (unsigned char)(cp - 0xFF01 + 0x21);
				r += 3;
				continue;
			}
		}
		if (r[0] == 0xE3 && r[1] == 0x80 && r[2] == 0x80) {
			*w++ = ' ';
			r += 3;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

int text_ok(const char *s, size_t max_chars, int multiline)
{
	if (s == NULL)
		return 1;
	if (!utf8_valid(s, strlen(s)) || utf8_len(s) > max_chars)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(*p == '\t' || (multiline && (*p == '\n' || *p == '\r')))) || *p == 0x7f)
			return 0;
	return 1;
}

/* ---- search grams ---- */

/* The character at s (advancing *s): its code point, or 0x110000 + the
 * byte for a byte that starts no valid sequence. */
static int64_t gram_char(const unsigned char **sp)
{
	const unsigned char *s = *sp;
	unsigned c = s[0];
	size_t need = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : 0;
	if (c >= 0x80 && need > 0 && utf8_valid((const char *)s, need + 1)) {
		uint32_t cp = c & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07);
		for (size_t k = 1; k <= need; k++)
			cp = (cp << 6) | (s[k] & 0x3F);
		*sp = s + need + 1;
		return cp;
	}
	*sp = s + 1;
	return c < 0x80 ? (int64_t)c : 0x110000 + (int64_t)c;
}

static int64_t gram_pair(int64_t a, int64_t b)
{
	return ((a + 1) << 21) | b;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

size_t text_grams(const char *s, int64_t *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	int64_t prev = -1;
	while (*p) {
		int64_t c = gram_char(&p);
		out[n++] = c;
		if (prev >= 0)
			out[n++] = gram_pair(prev, c);
		prev = c;
	}
	if (n == 0)
		return 0;
	qsort(out, n, sizeof *out, cmp_i64);
	size_t k = 1;
	for (size_t i = 1; i < n; i++)
		if (out[i] != out[k - 1])
			out[k++] = out[i];
	return k;
}

int64_t text_gram_of(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	if (*p == '\0')
		return -1;
	int64_t a = gram_char(&p);
	return *p ? gram_pair(a, gram_char(&p)) : a;
}
