/* test_core.c -- arena, buffer, UTF-8, percent-decoding, HTML escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static void test_arena(void **state)
{
	(void)state;
	arena_t *a = arena_new();
	char *s = arena_strdup(a, "首席服务员");
	assert_string_equal(s, "首席服务员");
	assert_null(arena_strdup(a, NULL));
	/* many small and a few large allocations, all aligned and zeroed */
	for (int i = 0; i < 2000; i++) {
		unsigned char *p = arena_alloc(a, (size_t)(i % 97) + 1);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (int k = 0; k < (i % 97) + 1; k++)
			assert_int_equal(p[k], 0);
		memset(p, 0xab, (size_t)(i % 97) + 1);
	}
	char *big = arena_alloc(a, 100000);
	big[99999] = 1;
	assert_string_equal(arena_printf(a, "%s-%d", "亩均", 42), "亩均-42");
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	assert_string_equal(s, "首席服务员");  /* earlier data intact */
	arena_free(a);
}

static void test_buf(void **state)
{
	(void)state;
	buf_t b;
	buf_init(&b);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i), 0);
	assert_int_equal(b.len, strlen(b.data));
	assert_true(strncmp(b.data, "0,1,2,", 6) == 0);
	char *s = buf_steal(&b);
	assert_null(b.data);
	free(s);
	buf_puts(&b, "");
	assert_string_equal(b.data, "");
	buf_free(&b);
}

static void test_utf8(void **state)
{
	(void)state;
	static const struct { const char *s; int ok; } cases[] = {
		{ "plain ascii", 1 },
		{ "开发区 zone", 1 },
		{ "\xF0\x9F\x98\x80", 1 },           /* U+1F600 */
		{ "\xC0\xAF", 0 },                   /* overlong '/' */
		{ "\xE0\x80\xAF", 0 },               /* overlong 3-byte */
		{ "\xED\xA0\x80", 0 },               /* surrogate */
		{ "\xF4\x90\x80\x80", 0 },           /* > U+10FFFF */
		{ "\xE5\xBC", 0 },                   /* truncated */
		{ "\x80", 0 },                       /* lone continuation */
		{ "\xFF", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].ok);
	assert_int_equal(utf8_len("开发区ab"), 5);
}

static void test_pct_decode(void **state)
{
	(void)state;
	arena_t *a = arena_new();
	size_t n;
	assert_string_equal(pct_decode(a, "/a%20b", &n), "/a b");
	char *z = pct_decode(a, "/a%00b", &n);
	assert_int_equal(n, 4);
	assert_int_equal(z[2], '\0');
	assert_null(pct_decode(a, "/a%2", &n));
	assert_null(pct_decode(a, "/a%zz", &n));
	assert_null(pct_decode(a, "%", &n));
	assert_string_equal(pct_decode(a, "%E5%BC%80", &n), "开");
	arena_free(a);
}

static void test_html_escape(void **state)
{
	(void)state;
	arena_t *a = arena_new();
	assert_string_equal(html_escape(a, "\"&'<>"), "&quot;&amp;&#39;&lt;&gt;");
	assert_string_equal(html_escape(a, "南通<b>"), "南通&lt;b&gt;");
	assert_string_equal(html_escape(a, NULL), "");
	assert_true(has_ctl("a\x01"));
	assert_false(has_ctl("a\tb"));
	assert_true(has_ctl("a\x7f"));
	char hex[7];
	hex_encode(hex, (const unsigned char *)"\x00\xff\x10", 3);
	assert_string_equal(hex, "00ff10");
	arena_free(a);
}


/* Search grams: characters and adjacent pairs, packed, sorted, unique;
 * a pair differs from every character and from the pair reversed. */
static void test_grams(void **state)
{
	(void)state;
	int64_t g[64];
	assert_int_equal(text_grams("", g), 0);
	assert_int_equal(text_grams("a", g), 1);
	assert_int_equal(g[0], 'a');
	/* 南通南通: 南, 通, 南通, 通南 */
	size_t n = text_grams("南通南通", g);
	assert_int_equal(n, 4);
	for (size_t i = 1; i < n; i++)
		assert_true(g[i - 1] < g[i]);
	int64_t nan = text_gram_of("南"), tong = text_gram_of("通");
	assert_int_equal(nan, 0x5357);
	assert_int_equal(tong, 0x901a);
	int64_t nt = text_gram_of("南通"), tn = text_gram_of("通南");
	assert_int_not_equal(nt, tn);
	assert_true(nt > 0x10ffff && tn > 0x10ffff);
	int found = 0;
	for (size_t i = 0; i < n; i++)
		found += g[i] == nan || g[i] == tong || g[i] == nt || g[i] == tn;
	assert_int_equal(found, 4);
	/* the first two characters only; full-width and ASCII differ */
	assert_int_equal(text_gram_of("南通市"), nt);
	assert_int_not_equal(text_gram_of("１"), text_gram_of("1"));
	assert_int_equal(text_gram_of(""), -1);
	/* a stray byte is a character of its own, never a code point */
	assert_int_equal(text_grams("\xff", g), 1);
	assert_int_equal(g[0], 0x110000 + 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_pct_decode),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_grams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
