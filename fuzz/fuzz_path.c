/*
 * fuzz_path.c -- libFuzzer target for the request line's path: the
 * percent-decoder, the UTF-8 check, the route matcher over the real route
 * table, the query-argument count and the header-name check.  What the
 * decoder accepts must re-encode and decode to the same bytes; a matched
 * route's parameters are non-empty segments without '/'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "http/http.h"
#include "http/server_int.h"

static const char *const methods[] = { "GET", "POST", "PATCH", "PUT", "DELETE", "HEAD" };

static void check_decoded(arena_t *a, const char *s, const char *d, size_t n)
{
	if (n > strlen(s))
		abort();
	/* every byte as %XX decodes back to the same bytes */
	char *enc = arena_alloc(a, n * 3 + 1);
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		enc[3 * i] = '%';
		enc[3 * i + 1] = hex[c >> 4];
		enc[3 * i + 2] = hex[c & 15];
	}
	enc[3 * n] = '\0';
	size_t m = 0;
	char *back = pct_decode(a, enc, &m);
	if (back == NULL || m != n || memcmp(back, d, n) != 0)
		abort();
}

static void check_route(arena_t *a, const char *method, const char *path)
{
	req_t r;
	memset(&r, 0, sizeof r);
	r.arena = a;
	r.method = method;
	r.path = path;
	router_match(&r);
	if (r.route == NULL)
		return;
	if (r.nparams < 0 || r.nparams > REQ_MAX_PARAMS)
		abort();
	for (int i = 0; i < r.nparams; i++)
		if (r.params[i] == NULL || r.params[i][0] == '\0' || strchr(r.params[i], '/'))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const char *method = methods[data[0] % (sizeof methods / sizeof methods[0])];
	char *s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	arena_t *a = arena_new();
	size_t n = 0;
	char *d = pct_decode(a, s, &n);
	if (d != NULL) {
		check_decoded(a, s, d, n);
		if (memchr(d, '\0', n) == NULL && utf8_valid(d, n))
			check_route(a, method, d);
	}
	if (head_query_args(s) > strlen(s) + 1)
		abort();
	(void)head_token(s, strlen(s));
	arena_free(a);
	free(s);
	return 0;
}
