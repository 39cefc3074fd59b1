/*
 * test_head.c -- the request head checks and the client address (http/head.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "http/server_int.h"

/* A head as libmicrohttpd 0.9.75 leaves it in its buffer: the separators
 * it consumed are NULs.  buf holds the bytes; the fields point into it. */
struct fake {
	char buf[256];
	size_t size;
	const char *method, *uri, *version;
	size_t uri_len;
	struct head_field f[8];
	int n;
};

/* Build from a template where '|' stands for a NUL the library wrote and
 * '~' for a NUL byte that was in the request itself. */
static void build(struct fake *h, const char *tpl)
{
	memset(h, 0, sizeof *h);
	h->size = strlen(tpl);
	for (size_t i = 0; i < h->size; i++)
		h->buf[i] = (tpl[i] == '|' || tpl[i] == '~') ? '\0' : tpl[i];
	h->method = h->buf;
	h->uri = h->method + strlen(h->method) + 1;
	h->uri_len = strlen(h->uri);
	h->version = h->uri + h->uri_len + 1;
}

static void field(struct fake *h, const char *key, const char *val)
{
	const char *k = NULL;
	for (size_t i = 0; i + strlen(key) <= h->size; i++)
		if (memcmp(h->buf + i, key, strlen(key)) == 0 && h->buf[i + strlen(key)] == '\0') {
			k = h->buf + i;
			break;
		}
	assert_non_null(k);
	const char *v = k + strlen(key) + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	h->f[h->n++] = (struct head_field){ k, v, strlen(key), strlen(val) };
	assert_memory_equal(v, val, strlen(val));
}

static int ok(struct fake *h)
{
	return head_layout_ok(h->method, h->size, h->uri, h->uri_len, h->version, h->f, h->n);
}

static void test_layout_well_formed(void **state)
{
	(void)state;
	struct fake h;
	build(&h, "GET|/x?a=1|HTTP/1.1||Host| a||X-E|||X-T|\tt  ||||");
	field(&h, "Host", "a");
	field(&h, "X-E", "");
	field(&h, "X-T", "t  ");
	assert_true(ok(&h));
	/* no headers (HTTP/1.0), blank line left as CRLF */
	build(&h, "GET|/|HTTP/1.0||\r\n");
	assert_true(ok(&h));
}

static void test_layout_refused(void **state)
{
	(void)state;
	struct fake h;
	/* bare LF after a header: one NUL where CRLF leaves two */
	build(&h, "GET|/x|HTTP/1.1||Host| a|X-A| b||||");
	field(&h, "Host", "a");
	field(&h, "X-A", "b");
	assert_false(ok(&h));
	/* bare LF after the request line */
	build(&h, "GET|/x|HTTP/1.1|Host| a||||");
	field(&h, "Host", "a");
	assert_false(ok(&h));
	/* a NUL inside a value hides the rest of the line */
	build(&h, "GET|/x|HTTP/1.1||X-A| ab~cd||Host| a||||");
	field(&h, "X-A", "ab");
	field(&h, "Host", "a");
	assert_false(ok(&h));
	/* ... also at the end of the last value */
	build(&h, "GET|/x|HTTP/1.1||X-A| ab~||||");
	field(&h, "X-A", "ab");
	assert_false(ok(&h));
	/* a NUL in the request line: the URI the callback saw is shorter */
	build(&h, "GET|/x~y|HTTP/1.1||||");
	h.version = h.uri + 5;
	assert_false(ok(&h));
	/* a header missing from the parsed list (folded into another) */
	build(&h, "GET|/x|HTTP/1.1||Host| a|| b||||");
	field(&h, "Host", "a");
	assert_false(ok(&h));
	/* the head's size does not end at the blank line */
	build(&h, "GET|/x|HTTP/1.1||Host| a||||");
	field(&h, "Host", "a");
	h.size += 1;
	assert_false(ok(&h));
}

static void test_token_and_args(void **state)
{
	(void)state;
	assert_true(head_token("Transfer-Encoding", 17));
	assert_false(head_token("Transfer-Encoding ", 18));
	assert_false(head_token("X A", 3));
	assert_false(head_token("X\tA", 3));
	assert_false(head_token("", 0));
	assert_int_equal(head_query_args("/x"), 0);
	assert_int_equal(head_query_args("/x?"), 0);
	assert_int_equal(head_query_args("/x?a=1"), 1);
	assert_int_equal(head_query_args("/x?a=1&b&c="), 3);
}

static const char *from(arena_t *a, const char *peer, const char *xff)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	assert_int_equal(inet_pton(AF_INET, peer, &sa.sin_addr), 1);
	return client_address(a, (struct sockaddr *)&sa, xff);
}

static void test_client_address(void **state)
{
	(void)state;
	arena_t *a = arena_new();
	/* no trusted proxy yet: X-Forwarded-For is ignored */
	assert_string_equal(from(a, "192.0.2.1", "203.0.113.9"), "192.0.2.1");
	assert_int_equal(server_trust_proxy("10.0.0.0/8"), 0);
	assert_int_equal(server_trust_proxy("192.0.2.1"), 0);
	assert_int_equal(server_trust_proxy("2001:db8::/32"), 0);
	assert_int_equal(server_trust_proxy("10.0.0.0/33"), -1);
	assert_int_equal(server_trust_proxy("nonsense"), -1);
	assert_int_equal(server_trust_proxy("10.0.0.0/"), -1);
	/* an untrusted peer: its own address, whatever it claims */
	assert_string_equal(from(a, "198.51.100.5", "203.0.113.9"), "198.51.100.5");
	/* a trusted peer: the right-most address that is not a trusted proxy */
	assert_string_equal(from(a, "10.1.2.3", "203.0.113.9"), "203.0.113.9");
	assert_string_equal(from(a, "10.1.2.3", "1.1.1.1, 203.0.113.9, 10.9.9.9"), "203.0.113.9");
	assert_string_equal(from(a, "192.0.2.1", " 2001:db9::1 ,2001:db8::5"), "2001:db9::1");
	/* every hop trusted: the left-most */
	assert_string_equal(from(a, "10.1.2.3", "10.2.2.2,10.3.3.3"), "10.2.2.2");
	/* garbage stops the walk at the last good hop */
	assert_string_equal(from(a, "10.1.2.3", "203.0.113.9, junk"), "10.1.2.3");
	assert_string_equal(from(a, "10.1.2.3", NULL), "10.1.2.3");
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_well_formed),
		cmocka_unit_test(test_layout_refused),
		cmocka_unit_test(test_token_and_args),
		cmocka_unit_test(test_client_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
