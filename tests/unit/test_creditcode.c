/*
 * test_creditcode.c -- the unified social credit code (GB 32100-2015):
 * real codes of well-known companies are accepted, what people type is
 * normalised, and every malformed variant is refused with its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* Real codes; each passes both check characters (a random 18-character
 * string does so with probability 1/341). */
static const char *const REAL[][2] = {
	{ "914403001922038216", "华为技术有限公司" },
	{ "91440300708461136T", "深圳市腾讯计算机系统有限公司" },
	{ "91330100799655058B", "阿里巴巴（中国）有限公司" },
	{ "91110000802100433B", "北京百度网讯科技有限公司" },
	{ "91110108551385082Q", "小米科技有限责任公司" },
	{ "91440300192317458F", "比亚迪股份有限公司" },
	{ "91520000214434146R", "贵州茅台酒股份有限公司" },
	{ "91350100M000100Y43", "the example of GB 32100-2015" },
	{ "91320691MA1MXK3P7G", "a code of the zone (320691)" },
};
#define NREAL (sizeof REAL / sizeof REAL[0])

/* The last error, kept so that reason and detail can point into it. */
static err_t last;

/* Normalise in; return rc, the reason param ("" when valid) and the
 * English message as the detail. */
static int norm(const char *in, char out[80], const char **reason, const char **detail)
{
	err_clear(&last);
	int rc = credit_code_normalise(in, out, 80, &last);
	*reason = rc == 0 ? "" : err_get_param(&last, "reason");
	*detail = last.message;
	if (rc != 0 && (*reason == NULL || last.status != 422 || strcmp(last.code, "invalid_credit_code") != 0 ||
	                strcmp(last.field, "credit_code") != 0))
		fail_msg("\"%s\": not a 422 invalid_credit_code on credit_code with a reason", in);
	return rc;
}

static void expect_reason(const char *in, const char *reason, const char *in_detail)
{
	char out[80];
	const char *r, *d;
	int rc = norm(in, out, &r, &d);
	if (rc != -1 || strcmp(r, reason) != 0)
		fail_msg("\"%s\": expected %s, got rc %d reason \"%s\" (%s)", in, reason, rc, r ? r : "", d ? d : "");
	if (d == NULL || strlen(d) < 10)
		fail_msg("\"%s\": no detail", in);
	if (in_detail && strstr(d, in_detail) == NULL)
		fail_msg("\"%s\": detail \"%s\" does not say \"%s\"", in, d, in_detail);
	/* the browser says the same in Chinese from the params */
	static const char *const need[][3] = {
		{ "length", "length", NULL }, { "character", "position", "char" }, { "checksum", "expected", "actual" },
	};
	for (size_t i = 0; i < 3; i++)
		if (strcmp(reason, need[i][0]) == 0)
			for (int k = 1; k < 3; k++)
				if (need[i][k] && err_get_param(&last, need[i][k]) == NULL)
					fail_msg("\"%s\": no param %s", in, need[i][k]);
}

static void test_real_codes(void **state)
{
	(void)state;
	for (size_t i = 0; i < NREAL; i++) {
		char out[80];
		const char *r, *d;
		if (!credit_code_check(REAL[i][0]))
			fail_msg("credit_code_check refused %s (%s)", REAL[i][0], REAL[i][1]);
		if (norm(REAL[i][0], out, &r, &d) != 0)
			fail_msg("normalise refused %s (%s): %s", REAL[i][0], REAL[i][1], d);
		assert_string_equal(out, REAL[i][0]);
	}
}

/* Full-width ASCII, lower case and surrounding spaces (incl. U+3000). */
static void test_normalisation(void **state)
{
	(void)state;
	static const char *const typed[] = {
		"91350100m000100y43",
		"  91350100M000100Y43  ",
		"\t91350100M000100Y43\r\n",
		"\xe3\x80\x80" "91350100M000100Y43" "\xe3\x80\x80",                         /* U+3000 */
		"\xef\xbc\x99\xef\xbc\x91\xef\xbc\x93\xef\xbc\x95\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90\xef\xbc\x90"
		"\xef\xbc\xad\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90\xef\xbc\x90\xef\xbc\xb9"
		"\xef\xbc\x94\xef\xbc\x93",                                                   /* ９１３５…Ｙ４３ */
		"\xe3\x80\x80 91350100\xef\xbd\x8d" "000100\xef\xbd\x99" "43 \xe3\x80\x80",  /* ｍ ｙ: full-width lower */
	};
	for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
		char out[80];
		const char *r, *d;
		if (norm(typed[i], out, &r, &d) != 0)
			fail_msg("refused typed form %zu \"%s\": %s", i, typed[i], d);
		assert_string_equal(out, "91350100M000100Y43");
	}
	/* normalise never needs more than 19 bytes for a valid code */
	char small[19];
	assert_int_equal(credit_code_normalise(" 91350100m000100y43 ", small, sizeof small, NULL), 0);
	assert_string_equal(small, "91350100M000100Y43");
}

static void test_length(void **state)
{
	(void)state;
	expect_reason("", "length", NULL);
	expect_reason("   ", "length", NULL);
	expect_reason("\xe3\x80\x80", "length", NULL);
	expect_reason("91350100M000100Y4", "length", "17");
	expect_reason("91350100M000100Y430", "length", "19");
	expect_reason("9135 0100M000100Y43", "length", "19");   /* a space inside counts */
	expect_reason("91350100M000100Y43910000802100433B91350100M000100Y43910000802100433B91350100M000100Y43",
	              "length", NULL);
	expect_reason("\xef\xbc\x99", "length", "1");             /* one full-width digit */
	/* NULL input and NULL out parameters are safe */
	err_t e;
	assert_int_equal(credit_code_normalise(NULL, NULL, 0, &e), -1);
	assert_string_equal(err_get_param(&e, "reason"), "length");
	assert_string_equal(err_get_param(&e, "length"), "0");
	assert_int_equal(credit_code_normalise("x", NULL, 0, NULL), -1);
}

static void test_character(void **state)
{
	(void)state;
	/* I, O, S, V, Z are not used, at any position */
	const char *good = "91350100M000100Y43";
	const char letters[] = "IOSVZ";
	for (int p = 8; p < 18; p++)
		for (int k = 0; k < 5; k++) {
			char c[19], want[48];
			memcpy(c, good, 19);
			c[p] = letters[k];
			snprintf(want, sizeof want, "character %d '%c'", p + 1, letters[k]);
			expect_reason(c, "character", want);
		}
	expect_reason("91350100M000100Y4\xe4\xb8\x80", "character", "character 18 '\xe4\xb8\x80'");  /* 一 */
	expect_reason("91350100M000-00Y43", "character", "character 13 '-'");
	expect_reason("91350100M000\xe3\x80\x80" "00Y43", "character", "character 13");       /* U+3000 inside */
	expect_reason("91350100M000\x01" "00Y43", "character", "U+0001");
	expect_reason("B1320691MA1MXK3P7E", "character", "character 1 'B'");   /* no authority B */
	expect_reason("96320691MA1MXK3P71", "character", "character 2 '6'");   /* no type 6 */
	expect_reason("913206A1MA1MXK3P70", "character", "character 7 'A'");   /* the division is digits */
	/* lower-case i is folded to I first, and then refused as I */
	expect_reason("91350100i000100Y43", "character", "character 9 'I'");
	/* a stray byte (not UTF-8) is a character, not a crash */
	expect_reason("91350100M000100Y4\xff", "character", "character 18");
}

static void test_checksum(void **state)
{
	(void)state;
	expect_reason("91350100M000100Y44", "checksum", "character 18");
	expect_reason("91350100M000100Y4X", "checksum", "character 18");
	expect_reason("91320691MA1MXK3P7H", "checksum", "character 18");
	expect_reason("91320691MA1MXK3P8K", "checksum", "character 17");   /* the organisation check digit */
	expect_reason("91350100M000010Y43", "checksum", NULL);             /* transposed digits */
	expect_reason("914403001922038261", "checksum", NULL);
	/* a checksum failure still gives the normalised code */
	char out[80];
	const char *r, *d;
	assert_int_equal(norm(" 91350100m000100y44 ", out, &r, &d), -1);
	assert_string_equal(r, "checksum");
	assert_string_equal(out, "91350100M000100Y44");
	assert_non_null(strstr(d, "'3'"));   /* says what the check character should be */
	assert_string_equal(err_get_param(&last, "expected"), "3");
	assert_string_equal(err_get_param(&last, "actual"), "4");
	assert_string_equal(err_get_param(&last, "position"), "18");
}

/* Every single substitution and every swap of two adjacent different
 * characters of a real code is caught (31 is prime, the weights differ). */
static void test_every_single_error(void **state)
{
	(void)state;
	const char *alpha = CREDIT_CODE_ALPHABET;
	for (size_t i = 0; i < NREAL; i++) {
		const char *code = REAL[i][0];
		for (int p = 0; p < 18; p++) {
			for (const char *a = alpha; *a; a++) {
				if (*a == code[p])
					continue;
				char c[19];
				memcpy(c, code, 19);
				c[p] = *a;
				if (credit_code_check(c))
					fail_msg("substitution %s -> %s accepted", code, c);
				char out[80];
				const char *r, *d;
				assert_int_equal(norm(c, out, &r, &d), -1);
				if (strcmp(r, "checksum") != 0 && strcmp(r, "character") != 0)
					fail_msg("%s: reason %s", c, r);
			}
			if (p < 17 && code[p] != code[p + 1]) {
				char c[19];
				memcpy(c, code, 19);
				c[p] = code[p + 1];
				c[p + 1] = code[p];
				if (credit_code_check(c))
					fail_msg("swap at %d %s -> %s accepted", p + 1, code, c);
			}
		}
	}
}

/* credit_code_complete() makes valid codes (what the demo uses). */
static void test_complete(void **state)
{
	(void)state;
	const char *alpha = CREDIT_CODE_ALPHABET;
	srand(20261127);
	for (int n = 0; n < 2000; n++) {
		char c[19];
		memcpy(c, "91320691", 8);
		for (int i = 8; i < 16; i++)
			c[i] = alpha[rand() % 31];
		credit_code_complete(c);
		assert_int_equal(strlen(c), 18);
		if (!credit_code_check(c))
			fail_msg("completed code %s is not valid", c);
		char out[80];
		const char *r, *d;
		assert_int_equal(norm(c, out, &r, &d), 0);
	}
	/* and reproduces the check characters of the real codes */
	for (size_t i = 0; i < NREAL; i++) {
		char c[19];
		memcpy(c, REAL[i][0], 16);
		credit_code_complete(c);
		assert_string_equal(c, REAL[i][0]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_codes),
		cmocka_unit_test(test_normalisation),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_character),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_every_single_error),
		cmocka_unit_test(test_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
