/*
 * creditcode.c -- the unified social credit code (统一社会信用代码,
 * GB 32100-2015) and the organisation code inside it (组织机构代码,
 * GB 11714-1997).
 *
 * A code has 18 characters from "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I,
 * O, S, V, Z):
 *   1      registration authority (1-9, A, N, Y)
 *   2      type of the organisation within that authority (1-5, 9)
 *   3-8    administrative division code (6 digits)
 *   9-17   organisation code: 8 characters and its check digit (mod 11,
 *          weights 3 7 9 10 5 8 4 2; 10 is written X, 11 is written 0)
 *   18     check character of the first 17 (mod 31, weights 3^i mod 31)
 *
 * credit_code_normalise() folds what people type (surrounding spaces incl.
 * the ideographic space U+3000, full-width letters and digits, lower case)
 * and says precisely what is wrong, in Chinese and English.
 */
#include "core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char CC_ALPHABET[] = CREDIT_CODE_ALPHABET;
static const int CC_WEIGHTS[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
static const int ORG_WEIGHTS[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };

/* Value of c in the GB 32100 alphabet, -1 when not in it. */
static int cc_value(char c)
{
	if (c == '\0')
		return -1;
	const char *p = strchr(CC_ALPHABET, c);
	return p ? (int)(p - CC_ALPHABET) : -1;
}

/* Value of c in GB 11714 (0-9, A=10 … Z=35), -1 otherwise. */
static int org_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return -1;
}

/* Check digit of an 8-character organisation code body. */
static char org_check_char(const char *body)
{
	int sum = 0;
	for (int i = 0; i < 8; i++)
		sum += org_value(body[i]) * ORG_WEIGHTS[i];
	int c = 11 - sum % 11;
	return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

/* Check character of the first 17 characters of a credit code. */
static char cc_check_char(const char *code17)
{
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += cc_value(code17[i]) * CC_WEIGHTS[i];
	int c = 31 - sum % 31;
	return CC_ALPHABET[c == 31 ? 0 : c];
}

void credit_code_complete(char code[19])
{
	code[16] = org_check_char(code + 8);
	code[17] = cc_check_char(code);
	code[18] = '\0';
}

/* Registration authorities (position 1) and types (position 2). */
#define CC_AUTHORITIES "123456789ANY"
#define CC_TYPES "123459"

/* The first structural problem of an 18-character code: its 0-based
 * position, or -1 when every character is acceptable. */
static int first_bad_char(const char *code)
{
	for (int i = 0; i < 18; i++)
		if (cc_value(code[i]) < 0)
			return i;
	if (strchr(CC_AUTHORITIES, code[0]) == NULL)
		return 0;
	if (strchr(CC_TYPES, code[1]) == NULL)
		return 1;
	for (int i = 2; i < 8; i++)
		if (code[i] < '0' || code[i] > '9')
			return i;
	return -1;
}

int credit_code_check(const char *code)
{
	if (code == NULL)
		return 0;
	size_t n = 0;
	while (n < 19 && code[n])
		n++;
	if (n != 18 || first_bad_char(code) >= 0)
		return 0;
	return code[16] == org_check_char(code + 8) && code[17] == cc_check_char(code);
}

/* ---- normalisation ---- */

/* Decode one UTF-8 sequence at s; returns its length (>= 1) and the code
 * point in *cp (U+FFFD for a malformed byte, which then counts as one). */
static int utf8_next(const unsigned char *s, unsigned *cp)
{
	unsigned c = s[0];
	int n;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, c &= 0x07;
	else {
		*cp = 0xfffd;
		return 1;
	}
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = c << 6 | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

static int utf8_put(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int is_space(unsigned cp)
{
	return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0x3000;
}

/* The longest input looked at: anything longer is a length problem. */
#define CC_MAXCP 64

/* How to show the character cp in a message. */
static void show_char(unsigned cp, char out[16])
{
	if (cp < 0x20 || cp == 0x7f || cp == 0xfffd || (cp >= 0x80 && cp < 0xa0))
		snprintf(out, 16, "U+%04X", cp);
	else {
		int n = utf8_put(cp, out);
		out[n] = '\0';
	}
}

/* The error of a code: 422 invalid_credit_code on field credit_code with
 * the params reason (length | character | checksum) and what it found. */
static int cc_fail(err_t *err, const char *reason, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cc_fail(err_t *err, const char *reason, const char *fmt, ...)
{
	if (err == NULL)
		return -1;
	err_set(err, 422, "invalid_credit_code", "credit_code", "%s", "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	err_param(err, "reason", "%s", reason);
	return -1;
}

/* A bad character at 0-based position i: why it is refused (the param
 * "hint": excluded, space, alnum, authority, type, division). */
static int bad_char(err_t *err, int i, unsigned cp, const char *hint)
{
	char shown[16];
	show_char(cp, shown);
	static const struct { const char *hint, *why; } WHY[] = {
		{ "excluded", "I, O, S, V and Z are not used" },
		{ "space", "no spaces inside the code" },
		{ "alnum", "only digits and capital letters" },
		{ "authority", "character 1 is the registration authority: 1-9, A, N or Y" },
		{ "type", "character 2 is the organisation type: 1-5 or 9" },
		{ "division", "characters 3-8 are the division code, digits only" },
	};
	const char *why = "";
	for (size_t k = 0; k < sizeof WHY / sizeof WHY[0]; k++)
		if (strcmp(WHY[k].hint, hint) == 0)
			why = WHY[k].why;
	cc_fail(err, "character", "character %d '%s' is not allowed (%s)", i + 1, shown, why);
	err_param(err, "position", "%d", i + 1);
	err_param(err, "char", "%s", shown);
	err_param(err, "hint", "%s", hint);
	return -1;
}

int credit_code_normalise(const char *in, char *out, size_t outlen, err_t *err)
{
	if (out && outlen)
		out[0] = '\0';
	if (in == NULL)
		in = "";

	/* decode, fold, and find the trimmed range */
	unsigned cps[CC_MAXCP + 1];
	int n = 0, too_long = 0;
	const unsigned char *p = (const unsigned char *)in;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80))
		p += *p == 0xe3 ? 3 : 1;
	while (*p) {
		unsigned cp;
		p += utf8_next(p, &cp);
		if (cp >= 0xff01 && cp <= 0xff5e)
			cp -= 0xfee0;   /* full-width ASCII to half-width */
		if (cp >= 'a' && cp <= 'z')
			cp -= 'a' - 'A';
		if (n < CC_MAXCP)
			cps[n++] = cp;
		else if (!is_space(cp))
			too_long = 1;
	}
	while (n > 0 && is_space(cps[n - 1]))
		n--;

	/* the normalised text into out (as much as fits) */
	if (out && outlen) {
		char tmp[CC_MAXCP * 4 + 1];
		size_t k = 0;
		for (int i = 0; i < n; i++)
			k += (size_t)utf8_put(cps[i], tmp + k);
		tmp[k] = '\0';
		snprintf(out, outlen, "%s", tmp);
	}

	if (too_long || n != 18) {
		if (too_long)
			cc_fail(err, "length", "a credit code has 18 characters; this one has more than %d", CC_MAXCP);
		else if (n == 0)
			cc_fail(err, "length", "the credit code is empty; it has 18 characters");
		else
			cc_fail(err, "length", "a credit code has 18 characters, this one has %d", n);
		if (err)
			err_param(err, "length", too_long ? ">%d" : "%d", too_long ? CC_MAXCP : n);
		return -1;
	}

	char code[19];
	for (int i = 0; i < 18; i++) {
		if (cps[i] >= 0x80 || cc_value((char)cps[i]) < 0) {
			unsigned c = cps[i];
			return bad_char(err, i, c, c == 'I' || c == 'O' || c == 'S' || c == 'V' || c == 'Z' ? "excluded"
			                           : is_space(c) ? "space" : "alnum");
		}
		code[i] = (char)cps[i];
	}
	code[18] = '\0';
	int bad = first_bad_char(code);
	if (bad >= 0)
		return bad_char(err, bad, (unsigned char)code[bad], bad == 0 ? "authority" : bad == 1 ? "type" : "division");
	char org = org_check_char(code + 8), cc = cc_check_char(code);
	int pos = code[16] != org ? 17 : code[17] != cc ? 18 : 0;
	if (pos) {
		char want = pos == 17 ? org : cc, got = code[pos - 1];
		cc_fail(err, "checksum", pos == 17 ? "the organisation code check digit (character 17) should be '%c', not '%c'"
		                                   : "the check character (character 18) should be '%c', not '%c'", want, got);
		if (err) {
			err_param(err, "position", "%d", pos);
			err_param(err, "expected", "%c", want);
			err_param(err, "actual", "%c", got);
		}
		return -1;
	}
	return 0;
}
