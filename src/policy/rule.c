/*
 * rule.c -- the rule language of policies (docs/rules.md, policy.h): exact
 * decimal numbers, the lexer and parser that point at the character at
 * fault, the evaluator (Kleene's three-valued logic), explanations with
 * the enterprise's own values, normalised and plain-language text.
 *
 * No SQL and no HTTP: facts come from the caller's callback, errors leave
 * as an err_t.  Every input is bounded: RULE_MAX_BYTES of source, parser
 * recursion by RULE_MAX_DEPTH, the tree by RULE_MAX_NODES; the evaluator
 * and the renderers visit each node a bounded number of times.
 */
#include "policy.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ====================================================================
 * Exact decimal numbers: value x 10^12 in a 128-bit integer, |value| <
 * 10^24.  Magnitudes are worked on unsigned; products and quotients are
 * rounded half away from zero at the 12th decimal.
 * ==================================================================== */
typedef rule_i128 i128;
__extension__ typedef unsigned __int128 u128;

#define P12 1000000000000ULL
#define SCALE ((u128)P12)
#define INT_LIMIT ((u128)P12 * P12)          /* 10^24: bound of the magnitude in scaled units / 10^12 */
#define NUM_LIMIT ((u128)P12 * P12 * P12)    /* 10^36: every scaled magnitude is below it */

static const uint64_t pow10u[13] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, P12
};

static u128 mag(i128 v)
{
	return v < 0 ? -(u128)v : (u128)v;
}

static int num_ok(struct rule_num n)
{
	return mag(n.v) < NUM_LIMIT;
}

static int num_make(u128 m, int neg, struct rule_num *out)
{
	if (m >= NUM_LIMIT)
		return -1;
	out->v = neg ? -(i128)m : (i128)m;
	return 0;
}

/* m / d rounded half away from zero (d > 0). */
static u128 div_round(u128 m, u128 d)
{
	u128 q = m / d, r = m % d;
	return r >= d - r ? q + 1 : q;
}

struct rule_num rule_num_int(int64_t i)
{
	struct rule_num n = { (i128)i * (i128)P12 };
	return n;
}

int rule_num_cmp(struct rule_num a, struct rule_num b)
{
	return a.v < b.v ? -1 : a.v > b.v;
}

int rule_num_add(struct rule_num a, struct rule_num b, struct rule_num *out)
{
	if (!num_ok(a) || !num_ok(b))
		return -1;
	i128 s = a.v + b.v;
	return num_make(mag(s), s < 0, out);
}

int rule_num_sub(struct rule_num a, struct rule_num b, struct rule_num *out)
{
	if (!num_ok(a) || !num_ok(b))
		return -1;
	i128 s = a.v - b.v;
	return num_make(mag(s), s < 0, out);
}

/* A*B/S with A = a1 S + a0, B = b1 S + b0: a1 b1 S + a1 b0 + a0 b1 are
 * whole, only a0 b0 / S has a fraction, so rounding it rounds the product. */
int rule_num_mul(struct rule_num a, struct rule_num b, struct rule_num *out)
{
	if (!num_ok(a) || !num_ok(b))
		return -1;
	u128 A = mag(a.v), B = mag(b.v);
	u128 a1 = A / SCALE, a0 = A % SCALE, b1 = B / SCALE, b0 = B % SCALE, hi;
	if (__builtin_mul_overflow(a1, b1, &hi) || hi >= INT_LIMIT)
		return -1;
	u128 m = hi * SCALE + a1 * b0 + a0 * b1 + div_round(a0 * b0, SCALE);
	return num_make(m, (a.v < 0) != (b.v < 0), out);
}

/* A*S/B rounded: directly while A*S fits, else by long division, twelve
 * decimal digits and the remainder for the rounding. */
int rule_num_div(struct rule_num a, struct rule_num b, struct rule_num *out)
{
	if (!num_ok(a) || !num_ok(b) || b.v == 0)
		return -1;
	u128 A = mag(a.v), B = mag(b.v), m;
	if (A < INT_LIMIT * 100) {
		m = div_round(A * SCALE, B);
	} else {
		u128 q = A / B, r = A % B;
		if (q >= INT_LIMIT)
			return -1;
		m = q;
		for (int i = 0; i < RULE_NUM_DECIMALS; i++) {
			r *= 10;
			m = m * 10 + r / B;
			r %= B;
		}
		if (r >= B - r)
			m++;
	}
	return num_make(m, (a.v < 0) != (b.v < 0), out);
}

int rule_num_round(struct rule_num n, int decimals, struct rule_num *out)
{
	if (!num_ok(n) || decimals < 0 || decimals > RULE_NUM_DECIMALS)
		return -1;
	u128 unit = pow10u[RULE_NUM_DECIMALS - decimals];
	return num_make(div_round(mag(n.v), unit) * unit, n.v < 0, out);
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Digit k of the digits of [ib,ie) followed by [fb,fe); 0 outside. */
static int digit_at(const char *s, long k, long ni, size_t ib, size_t fb, long len)
{
	if (k < 0 || k >= len)
		return 0;
	return k < ni ? s[ib + (size_t)k] - '0' : s[fb + (size_t)(k - ni)] - '0';
}

/* s[0..n): [sign] digits [. digits] [e [sign] digits].  *inexact: nonzero
 * digits beyond the 12th decimal were rounded away.  0 or -1. */
static int num_parse_n(const char *s, size_t n, struct rule_num *out, int *inexact)
{
	size_t i = 0;
	int neg = 0;
	*inexact = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	size_t ib = i;
	while (i < n && is_digit(s[i]))
		i++;
	size_t ie = i, fb = i, fe = i;
	if (i < n && s[i] == '.') {
		fb = ++i;
		while (i < n && is_digit(s[i]))
			i++;
		fe = i;
	}
	if (ie == ib && fe == fb)
		return -1;
	long e = 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		int eneg = 0;
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		size_t eb = i;
		while (i < n && is_digit(s[i])) {
			if (e < 100000)
				e = e * 10 + (s[i] - '0');
			i++;
		}
		if (i == eb || e > 400)
			return -1;
		e = eneg ? -e : e;
	}
	if (i != n)
		return -1;
	long ni = (long)(ie - ib), len = ni + (long)(fe - fb), point = ni + e;
	u128 ip = 0, fp = 0;
	for (long k = 0; k < point; k++) {
		ip = ip * 10 + (u128)digit_at(s, k, ni, ib, fb, len);
		if (ip >= INT_LIMIT)
			return -1;
	}
	for (long k = point; k < point + RULE_NUM_DECIMALS; k++)
		fp = fp * 10 + (u128)digit_at(s, k, ni, ib, fb, len);
	for (long k = point + RULE_NUM_DECIMALS; k < len; k++)
		if (digit_at(s, k, ni, ib, fb, len) != 0)
			*inexact = 1;
	u128 m = ip * SCALE + fp;
	if (digit_at(s, point + RULE_NUM_DECIMALS, ni, ib, fb, len) >= 5)
		m++;
	return num_make(m, neg, out);
}

int rule_num_parse(const char *s, struct rule_num *out)
{
	if (s == NULL)
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	int inexact;
	return num_parse_n(s, n, out, &inexact);
}

int rule_num_from_double(double d, struct rule_num *out)
{
	if (!isfinite(d) || fabs(d) >= 1e24)
		return -1;
	char b[64];
	snprintf(b, sizeof b, "%.15g", d);
	int inexact;
	return num_parse_n(b, strlen(b), out, &inexact);
}

double rule_num_to_double(struct rule_num n)
{
	return (double)(n.v / (i128)P12) + (double)(n.v % (i128)P12) / 1e12;
}

static size_t u128_text(u128 v, char *out)
{
	char t[48];
	size_t n = 0;
	do {
		t[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = t[n - 1 - i];
	out[n] = '\0';
	return n;
}

void rule_num_format_fixed(struct rule_num n, int decimals, char out[RULE_NUM_LEN])
{
	if (decimals < 0)
		decimals = 0;
	if (decimals > RULE_NUM_DECIMALS)
		decimals = RULE_NUM_DECIMALS;
	u128 m = mag(n.v);
	char *p = out;
	if (n.v < 0)
		*p++ = '-';
	p += u128_text(m / SCALE, p);
	if (decimals > 0) {
		char f[24];
		snprintf(f, sizeof f, "%012llu", (unsigned long long)(m % SCALE));
		*p++ = '.';
		memcpy(p, f, (size_t)decimals);
		p += decimals;
	}
	*p = '\0';
}

void rule_num_format(struct rule_num n, char out[RULE_NUM_LEN])
{
	rule_num_format_fixed(n, RULE_NUM_DECIMALS, out);
	size_t l = strlen(out);
	while (out[l - 1] == '0')
		out[--l] = '\0';
	if (out[l - 1] == '.')
		out[--l] = '\0';
	if (strcmp(out, "-0") == 0)
		strcpy(out, "0");
}

/* ====================================================================
 * Names: the built-in facts, the registry fields, keywords, functions
 * ==================================================================== */
#define WAN_ZH "万元"
#define WAN_EN "×10k yuan"
const struct rule_fact_def rule_builtin_facts[] = {
	{ "revenue",       RULE_T_NUM,  "营业收入",     "revenue",                WAN_ZH,   WAN_EN },
	{ "tax_paid",      RULE_T_NUM,  "纳税额",       "tax paid",               WAN_ZH,   WAN_EN },
	{ "rd_spending",   RULE_T_NUM,  "研发投入",     "R&D spending",           WAN_ZH,   WAN_EN },
	{ "output_value",  RULE_T_NUM,  "产值",         "output value",           WAN_ZH,   WAN_EN },
	{ "value_added",   RULE_T_NUM,  "增加值",       "value added",            WAN_ZH,   WAN_EN },
	{ "employees",     RULE_T_NUM,  "从业人数",     "employees",              "人",     "persons" },
	{ "new_employees", RULE_T_NUM,  "新增就业人数", "new employees",          "人",     "persons" },
	{ "energy_tce",    RULE_T_NUM,  "综合能耗",     "energy use",             "吨标煤", "tce" },
	{ "emissions_t",   RULE_T_NUM,  "排放量",       "emissions",              "吨",     "t" },
	{ "exports",       RULE_T_NUM,  "出口额",       "exports",                "万美元", "×10k USD" },
	{ "high_tech",     RULE_T_BOOL, "高新技术企业", "a high-tech enterprise", NULL,     NULL },
	{ "listed",        RULE_T_BOOL, "上市企业",     "a listed company",       NULL,     NULL },
};
const size_t rule_builtin_nfacts = sizeof rule_builtin_facts / sizeof rule_builtin_facts[0];

enum { REG_INDUSTRY, REG_STREET, REG_KEY, REG_FOUNDED, REG_LAND, NREG };
static const struct rule_fact_def registry_defs[NREG] = {
	{ "industry",     RULE_T_STR,  "行业代码", "industry code",    NULL, NULL },
	{ "street",       RULE_T_STR,  "所在街道", "street",           NULL, NULL },
	{ "key",          RULE_T_BOOL, "重点企业", "a key enterprise", NULL, NULL },
	{ "founded_year", RULE_T_NUM,  "成立年份", "year founded",     NULL, NULL },
	{ "land_mu",      RULE_T_NUM,  "用地面积", "land",             "亩", "mu" },
};

enum fn { F_MIN, F_MAX, F_ABS, F_ROUND, F_PREFIX, NFN };
static const char *const fn_names[NFN] = { "min", "max", "abs", "round", "prefix" };
static const char *const keywords[] = { "and", "or", "not", "in", "true", "false", "year" };
#define NKEYWORDS (sizeof keywords / sizeof keywords[0])

static int registry_find(const char *name)
{
	for (int i = 0; i < NREG; i++)
		if (strcmp(registry_defs[i].name, name) == 0)
			return i;
	return -1;
}

static int fn_find(const char *name)
{
	for (int i = 0; i < NFN; i++)
		if (strcmp(fn_names[i], name) == 0)
			return i;
	return -1;
}

static const struct rule_fact_def *fact_find(const struct rule_facts *known, const char *name)
{
	const struct rule_fact_def *d = known ? known->defs : rule_builtin_facts;
	size_t n = known ? known->n : rule_builtin_nfacts;
	for (size_t i = 0; i < n; i++)
		if (d[i].name && strcmp(d[i].name, name) == 0)
			return &d[i];
	return NULL;
}

int rule_fact_name_ok(const char *name, err_t *err)
{
	size_t n = name ? strlen(name) : 0;
	int ok = n >= 1 && n <= RULE_NAME_MAX && name[0] >= 'a' && name[0] <= 'z';
	for (size_t i = 0; ok && i < n; i++)
		ok = (name[i] >= 'a' && name[i] <= 'z') || is_digit(name[i]) || name[i] == '_';
	if (!ok) {
		err_set(err, 422, "invalid", "name",
		        "a fact name is 1 to %d lower-case letters, digits and '_', starting with a letter",
		        RULE_NAME_MAX);
		err_param(err, "reason", "syntax");
		return -1;
	}
	int reserved = registry_find(name) >= 0 || fn_find(name) >= 0;
	for (size_t i = 0; i < NKEYWORDS; i++)
		reserved |= strcmp(keywords[i], name) == 0;
	if (reserved) {
		err_set(err, 422, "invalid", "name", "'%s' is a word of the rule language", name);
		err_param(err, "reason", "reserved");
		err_param(err, "value", "%s", name);
		return -1;
	}
	return 0;
}

/* ====================================================================
 * The tree and the rule
 * ==================================================================== */
enum op {
	N_NUM, N_STR, N_BOOL, N_YEAR, N_REF,
	N_NEG, N_ADD, N_SUB, N_MUL, N_DIV,
	N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE,
	N_AND, N_OR, N_NOT, N_IN, N_NOTIN,
	N_MIN, N_MAX, N_ABS, N_ROUND, N_PREFIX
};

struct node {
	unsigned char op, type;
	int line, col;              /* of the node's first character */
	int nk;
	struct node **k;
	struct rule_num num;        /* N_NUM */
	const char *str;            /* N_STR */
	int ival;                   /* N_BOOL value, N_REF reference, N_ROUND digits */
};

struct rule {
	arena_t *a;
	enum rule_kind kind;
	struct node *root;
	struct node **clauses;
	size_t nclauses, nnodes, nrefs;
	struct rule_ref refs[RULE_MAX_REFS];
	signed char reg[RULE_MAX_REFS];   /* a registry field's REG_ number, or -1 */
};

/* Precedence, loosest first; a leaf or call is PR_PRIMARY. */
enum { PR_OR = 1, PR_AND, PR_NOT, PR_CMP, PR_ADD, PR_MUL, PR_NEG, PR_PRIMARY };

static int prec_of(const struct node *n)
{
	switch (n->op) {
	case N_OR: return PR_OR;
	case N_AND: return PR_AND;
	case N_NOT: return PR_NOT;
	case N_EQ: case N_NE: case N_LT: case N_LE: case N_GT: case N_GE: case N_IN: case N_NOTIN:
		return PR_CMP;
	case N_ADD: case N_SUB: return PR_ADD;
	case N_MUL: case N_DIV: return PR_MUL;
	case N_NEG: return PR_NEG;
	default: return PR_PRIMARY;
	}
}

static int is_leaf(const struct node *n)
{
	return n->op <= N_REF;
}

/* ====================================================================
 * The lexer: code points, columns in characters, full-width folded
 * ==================================================================== */
enum tok {
	T_END, T_NUM, T_STR, T_ID, T_WORD, T_LP, T_RP, T_LB, T_RB, T_COMMA,
	T_PLUS, T_MINUS, T_STAR, T_SLASH, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
	T_AND, T_OR, T_NOT, T_IN, T_TRUE, T_FALSE, T_YEAR
};

#define TOK_TEXT 64
struct token {
	enum tok t;
	int line, col;
	char text[TOK_TEXT + 8];    /* as written (folded); cut on a character boundary */
	struct rule_num num;        /* T_NUM */
	int integer;                /* T_NUM written without a point */
	char *str;                  /* T_STR: the content */
};

struct parser {
	const char *src;
	size_t n, pos;
	int line, col;
	struct token tok;
	char prev[TOK_TEXT + 8];    /* the last token consumed, for "after 'and'" */
	arena_t *a;
	rule_t *r;
	const struct rule_facts *known;
	const char *field;
	err_t *err;
	int failed, depth;
};

/* The first error wins; every parse function returns NULL after one. */
static void *fail(struct parser *p, int line, int col, const char *reason, const char *expected,
                  const char *found, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void *fail(struct parser *p, int line, int col, const char *reason, const char *expected,
                  const char *found, const char *fmt, ...)
{
	if (p->failed)
		return NULL;
	p->failed = 1;
	p->tok.t = T_END;
	va_list ap;
	va_start(ap, fmt);
	char msg[sizeof p->err->message];
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	err_set(p->err, 422, "syntax", p->field, "%s", msg);
	p->err->line = line;
	err_param(p->err, "column", "%d", col);
	err_param(p->err, "reason", "%s", reason);
	if (expected)
		err_param(p->err, "expected", "%s", expected);
	if (found)
		err_param(p->err, "found", "%s", found);
	return NULL;
}

/* A limit: too_deep or too_complex at the current token. */
static void *fail_limit(struct parser *p, const char *code, const char *reason, int max, const char *what)
{
	if (p->failed)
		return NULL;
	p->failed = 1;
	err_set(p->err, 422, code, p->field, "the rule is too %s: more than %d %s",
	        strcmp(code, "too_deep") == 0 ? "deeply nested" : "complex", max, what);
	p->err->line = p->tok.line;
	err_param(p->err, "column", "%d", p->tok.col);
	err_param(p->err, "max", "%d", max);
	if (reason)
		err_param(p->err, "reason", "%s", reason);
	p->tok.t = T_END;
	return NULL;
}

/* The code point at byte i of valid UTF-8 (0 at the end), its length in *len. */
static uint32_t cp_at(const char *src, size_t n, size_t i, size_t *len)
{
	const unsigned char *s = (const unsigned char *)src;
	if (i >= n) {
		*len = 0;
		return 0;
	}
	unsigned c = s[i];
	if (c < 0x80) {
		*len = 1;
		return c;
	}
	size_t l = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	uint32_t cp = c & (l == 4 ? 0x07 : l == 3 ? 0x0F : 0x1F);
	for (size_t k = 1; k < l; k++)
		cp = (cp << 6) | (s[i + k] & 0x3F);
	*len = l;
	return cp;
}

/* Full-width ASCII and the wide spaces read as ASCII outside strings. */
static uint32_t fold_cp(uint32_t c)
{
	if (c >= 0xFF01 && c <= 0xFF5E)
		return c - 0xFEE0;
	if (c == 0x3000 || c == 0xA0 || c == 0xFEFF)
		return ' ';
	return c;
}

/* The folded code point at the current position. */
static uint32_t cur(const struct parser *p, size_t *len)
{
	return fold_cp(cp_at(p->src, p->n, p->pos, len));
}

static uint32_t peek_after(const struct parser *p, size_t len)
{
	size_t l2;
	return fold_cp(cp_at(p->src, p->n, p->pos + len, &l2));
}

static void adv(struct parser *p, size_t len)
{
	p->pos += len;
	p->col++;
}

static int id_start(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Letters of other scripts: a name written in Chinese is read as one word
 * so that the error can name it (and suggest the fact with that label). */
static int word_cp(uint32_t c)
{
	return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x370 && c <= 0x52F) ||
	       (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}

/* Append the source bytes [from, to) to t->text, cut at TOK_TEXT bytes on
 * a character boundary. */
static void tok_text(struct token *t, const char *src, size_t from, size_t to)
{
	size_t n = to - from;
	if (n > TOK_TEXT) {
		n = TOK_TEXT;
		while (n > 0 && ((unsigned char)src[from + n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(t->text, src + from, n);
	t->text[n] = '\0';
}

static void put_cp(char *out, size_t *n, size_t cap, uint32_t c)
{
	if (*n + 1 < cap && c < 0x80)
		out[(*n)++] = (char)c;
	out[*n] = '\0';
}

static void skip_space(struct parser *p)
{
	for (;;) {
		size_t l;
		uint32_t c = cur(p, &l);
		if (c == '\n' || c == '\r') {
			p->pos += l;
			if (c == '\r' && p->pos < p->n && p->src[p->pos] == '\n')
				p->pos++;
			p->line++;
			p->col = 1;
		} else if (c == ' ' || c == '\t' || c == '\v' || c == '\f') {
			adv(p, l);
		} else if (c == '#') {
			while (p->pos < p->n && p->src[p->pos] != '\n' && p->src[p->pos] != '\r') {
				cp_at(p->src, p->n, p->pos, &l);
				adv(p, l);
			}
		} else {
			return;
		}
	}
}

static void lex_number(struct parser *p, struct token *t)
{
	size_t n = 0, l;
	int dot = 0, over = 0;
	char b[TOK_TEXT + 8];
	for (;;) {
		uint32_t c = cur(p, &l);
		if (c == '.' && !dot) {
			if (!is_digit((int)peek_after(p, l))) {
				put_cp(b, &n, sizeof b, '.');
				fail(p, p->line, p->col + 1, "number", "digits", b,
				     "expected a digit after the decimal point of '%s'", b);
				return;
			}
			dot = 1;
		} else if (!is_digit((int)c)) {
			break;
		}
		if (n >= TOK_TEXT)
			over = 1;
		put_cp(b, &n, sizeof b, c);
		adv(p, l);
	}
	snprintf(t->text, sizeof t->text, "%s", b);
	int inexact = 0;
	if (over || num_parse_n(b, n, &t->num, &inexact) < 0)
		fail(p, t->line, t->col, "number", NULL, t->text,
		     "the number '%s' is too large (numbers are below 10^24)", t->text);
	else if (inexact)
		fail(p, t->line, t->col, "number", NULL, t->text,
		     "the number '%s' has more than %d decimals", t->text, RULE_NUM_DECIMALS);
	t->integer = !dot;
	t->t = T_NUM;
}

static void lex_ident(struct parser *p, struct token *t)
{
	size_t n = 0, l;
	for (;;) {
		uint32_t c = cur(p, &l);
		if (!id_start(c) && !is_digit((int)c))
			break;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		put_cp(t->text, &n, TOK_TEXT + 1, c);
		adv(p, l);
	}
	static const enum tok kw[NKEYWORDS] = { T_AND, T_OR, T_NOT, T_IN, T_TRUE, T_FALSE, T_YEAR };
	t->t = T_ID;
	for (size_t i = 0; i < NKEYWORDS; i++)
		if (strcmp(t->text, keywords[i]) == 0)
			t->t = kw[i];
}

static int is_close_quote(uint32_t c)
{
	return c == '"' || c == 0xFF02 || c == 0x201D;
}

/* "..." (or ＂...＂, “...”): a backslash takes the next character as is.
 * Scanned once for the end and the length, then copied. */
static void lex_string(struct parser *p, struct token *t)
{
	size_t l, start = p->pos, len = 0;
	int line = p->line, col = p->col;
	cp_at(p->src, p->n, p->pos, &l);
	adv(p, l);
	size_t body = p->pos;
	for (;;) {
		uint32_t c = cp_at(p->src, p->n, p->pos, &l);
		if (c == 0 || c == '\n' || c == '\r') {
			tok_text(t, p->src, start, p->pos);
			fail(p, line, col, "string", "\"", t->text,
			     "the string that starts here is not closed: end it with '\"' on the same line");
			return;
		}
		if (is_close_quote(c))
			break;
		if (c == '\\' && p->pos + 1 < p->n && p->src[p->pos + 1] != '\n' && p->src[p->pos + 1] != '\r') {
			adv(p, 1);
			c = cp_at(p->src, p->n, p->pos, &l);
		}
		if (c < 0x20 && c != '\t') {
			fail(p, p->line, p->col, "character", NULL, NULL,
			     "a control character cannot be part of a string");
			return;
		}
		len += l;
		adv(p, l);
	}
	size_t end = p->pos;
	adv(p, l);
	char *s = arena_alloc(p->a, len + 1);
	size_t j = 0;
	for (size_t i = body; i < end; i++) {
		if (p->src[i] == '\\')
			i++;
		s[j++] = p->src[i];
	}
	s[j] = '\0';
	t->str = s;
	tok_text(t, p->src, start, p->pos);
	t->t = T_STR;
}

/* Operators typed as in other languages: point at the character at fault
 * and say what to write. */
static int lex_wrong_operator(struct parser *p, uint32_t c, uint32_t c2)
{
	static const struct { uint32_t c, c2; int at2; const char *found, *want; } w[] = {
		{ '=', '=', 1, "==", "=" }, { '=', '>', 0, "=>", ">=" }, { '=', '<', 0, "=<", "<=" },
		{ '<', '>', 0, "<>", "!=" }, { '&', '&', 0, "&&", "and" }, { '|', '|', 0, "||", "or" },
		{ '&', 0, 0, "&", "and" }, { '|', 0, 0, "|", "or" }, { '!', 0, 0, "!", "not" },
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
		if (w[i].c != c || (w[i].c2 && w[i].c2 != c2) || (c == '!' && c2 == '='))
			continue;
		fail(p, p->line, p->col + w[i].at2, "operator", w[i].want, w[i].found,
		     "'%s' is not an operator of the rule language: write '%s'", w[i].found, w[i].want);
		return 1;
	}
	return 0;
}

static int lex_operator(struct parser *p, struct token *t, uint32_t c, size_t l)
{
	static const struct { uint32_t c, c2; enum tok t; } ops[] = {
		{ '!', '=', T_NE }, { '<', '=', T_LE }, { '>', '=', T_GE },
		{ '(', 0, T_LP }, { ')', 0, T_RP }, { '[', 0, T_LB }, { ']', 0, T_RB }, { ',', 0, T_COMMA },
		{ '+', 0, T_PLUS }, { '-', 0, T_MINUS }, { '*', 0, T_STAR }, { '/', 0, T_SLASH },
		{ '=', 0, T_EQ }, { '<', 0, T_LT }, { '>', 0, T_GT },
		{ 0x2265, 0, T_GE }, { 0x2264, 0, T_LE }, { 0x2260, 0, T_NE },
	};
	uint32_t c2 = peek_after(p, l);
	if (lex_wrong_operator(p, c, c2))
		return 1;
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (ops[i].c != c || (ops[i].c2 && ops[i].c2 != c2))
			continue;
		size_t start = p->pos, l2;
		adv(p, l);
		if (ops[i].c2) {
			cp_at(p->src, p->n, p->pos, &l2);
			adv(p, l2);
		}
		t->t = ops[i].t;
		tok_text(t, p->src, start, p->pos);
		if (c >= 0x80)   /* ≥ ≤ ≠: the text names the ASCII form */
			snprintf(t->text, sizeof t->text, "%s", t->t == T_GE ? ">=" : t->t == T_LE ? "<=" : "!=");
		else if (t->text[0] & 0x80)  /* full-width: its ASCII form */
			snprintf(t->text, sizeof t->text, "%c%s", (char)c, ops[i].c2 ? "=" : "");
		return 1;
	}
	return 0;
}

static void lex_other(struct parser *p, struct token *t, uint32_t c, size_t l)
{
	if (lex_operator(p, t, c, l) || p->failed)
		return;
	if (word_cp(c)) {
		size_t start = p->pos;
		while (word_cp(cur(p, &l)))
			adv(p, l);
		t->t = T_WORD;
		tok_text(t, p->src, start, p->pos);
		return;
	}
	char ch[8] = "";
	size_t rl;
	cp_at(p->src, p->n, p->pos, &rl);
	memcpy(ch, p->src + p->pos, rl);
	ch[rl] = '\0';
	if (c == '\'' || c == 0x2018 || c == 0x2019)
		fail(p, p->line, p->col, "character", "\"", ch, "strings are written in double quotes: \"C27\"");
	else if (c == 0x3001)
		fail(p, p->line, p->col, "character", ",", ch, "'、' cannot separate items: write ','");
	else if (c < 0x20 || c == 0x7F)
		fail(p, p->line, p->col, "character", NULL, NULL, "a control character cannot be part of a rule");
	else
		fail(p, p->line, p->col, "character", NULL, ch, "the character '%s' has no meaning in a rule", ch);
}

/* Read the next token into p->tok (T_END at the end or after an error). */
static void next(struct parser *p)
{
	struct token *t = &p->tok;
	snprintf(p->prev, sizeof p->prev, "%s", t->text);
	if (p->failed)
		return;
	skip_space(p);
	memset(t, 0, sizeof *t);
	t->line = p->line;
	t->col = p->col;
	size_t l;
	uint32_t raw = cp_at(p->src, p->n, p->pos, &l), c = fold_cp(raw);
	if (c == 0)
		t->t = T_END;
	else if (is_digit((int)c))
		lex_number(p, t);
	else if (id_start(c))
		lex_ident(p, t);
	else if (c == '"' || raw == 0x201C)
		lex_string(p, t);
	else
		lex_other(p, t, c, l);
	if (p->failed)
		t->t = T_END;
}

/* ====================================================================
 * The parser: recursive descent, one function per level of precedence,
 * types checked as the tree is built
 * ==================================================================== */
static const char *const type_names[] = { "", "number", "boolean", "string" };
static const char *const type_a[] = { "", "a number", "a condition (true or false)", "a string" };

static struct node *p_or(struct parser *p);

static struct node *node_new(struct parser *p, int op, int type, int line, int col)
{
	if (p->failed)
		return NULL;
	if (++p->r->nnodes > RULE_MAX_NODES)
		return fail_limit(p, "too_complex", "nodes", RULE_MAX_NODES, "values and operators");
	struct node *n = arena_alloc(p->a, sizeof *n);
	n->op = (unsigned char)op;
	n->type = (unsigned char)type;
	n->line = line;
	n->col = col;
	return n;
}

static struct node *node_kids(struct parser *p, int op, int type, int line, int col, int nk,
                              struct node *k0, struct node *k1)
{
	struct node *n = node_new(p, op, type, line, col);
	if (n == NULL)
		return NULL;
	n->k = arena_alloc(p->a, 2 * sizeof *n->k);
	n->k[0] = k0;
	n->k[1] = k1;
	n->nk = nk;
	return n;
}

struct vec {
	struct node **v;
	int n, cap;
};

static void vec_push(struct parser *p, struct vec *x, struct node *n)
{
	if (x->n == x->cap) {
		int cap = x->cap ? x->cap * 2 : 4;
		struct node **v = arena_alloc(p->a, (size_t)cap * sizeof *v);
		if (x->n)
			memcpy(v, x->v, (size_t)x->n * sizeof *v);
		x->v = v;
		x->cap = cap;
	}
	x->v[x->n++] = n;
}

static int enter(struct parser *p)
{
	if (++p->depth > RULE_MAX_DEPTH) {
		fail_limit(p, "too_deep", NULL, RULE_MAX_DEPTH, "levels of nesting");
		return 0;
	}
	return 1;
}

/* "expected WHAT, found X" at the current token. */
static void *expected(struct parser *p, const char *param, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void *expected(struct parser *p, const char *param, const char *fmt, ...)
{
	char what[160], found[TOK_TEXT + 16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (p->tok.t == T_END)
		snprintf(found, sizeof found, "the end of the rule");
	else
		snprintf(found, sizeof found, "'%s'", p->tok.text);
	return fail(p, p->tok.line, p->tok.col, "expected", param, p->tok.t == T_END ? "end" : p->tok.text,
	            "expected %s, found %s", what, found);
}

/* n must be of type want; ctx names what takes it ("'and'", "min"). */
static int want_type(struct parser *p, const struct node *n, int want, const char *ctx)
{
	if (n == NULL)
		return 0;
	if (n->type == want)
		return 1;
	fail(p, n->line, n->col, "type", type_names[want], type_names[n->type], "%s takes %s, not %s", ctx,
	     type_a[want], type_a[n->type]);
	return 0;
}

/* Optimal string alignment distance (edits and swaps of neighbours). */
static int osa(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > TOK_TEXT || m > TOK_TEXT)
		return 1000;
	int r0[TOK_TEXT + 1], r1[TOK_TEXT + 1], r2[TOK_TEXT + 1];
	for (size_t j = 0; j <= m; j++)
		r1[j] = (int)j;
	for (size_t i = 1; i <= n; i++) {
		r2[0] = (int)i;
		for (size_t j = 1; j <= m; j++) {
			int v = r1[j - 1] + (a[i - 1] != b[j - 1]);
			if (r1[j] + 1 < v)
				v = r1[j] + 1;
			if (r2[j - 1] + 1 < v)
				v = r2[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && r0[j - 2] + 1 < v)
				v = r0[j - 2] + 1;
			r2[j] = v;
		}
		memcpy(r0, r1, sizeof r0);
		memcpy(r1, r2, sizeof r1);
	}
	return r1[m];
}

struct best {
	const char *name;
	int d;
};

static void try_name(struct best *b, const char *name, const char *cand)
{
	int d = cand ? osa(name, cand) : 1000;
	if (d < b->d) {
		b->d = d;
		b->name = cand;
	}
}

/* The closest known name within 1 edit (2 from 5 letters), or NULL. */
static const char *suggest(const struct parser *p, const char *name, int functions_only)
{
	struct best b = { NULL, 1000 };
	for (int i = 0; i < NFN; i++)
		try_name(&b, name, fn_names[i]);
	if (!functions_only) {
		const struct rule_fact_def *d = p->known ? p->known->defs : rule_builtin_facts;
		size_t n = p->known ? p->known->n : rule_builtin_nfacts;
		for (size_t i = 0; i < n; i++)
			try_name(&b, name, d[i].name);
		for (int i = 0; i < NREG; i++)
			try_name(&b, name, registry_defs[i].name);
		for (size_t i = 0; i < NKEYWORDS; i++)
			try_name(&b, name, keywords[i]);
	}
	int len = (int)strlen(name);
	return b.d <= (len >= 5 ? 2 : 1) && b.d < len ? b.name : NULL;
}

static struct node *unknown_name(struct parser *p, const struct token *id)
{
	const char *s = suggest(p, id->text, 0);
	if (s)
		return fail(p, id->line, id->col, "unknown_fact", s, id->text,
		            "unknown fact '%s': did you mean '%s'?", id->text, s);
	return fail(p, id->line, id->col, "unknown_fact", NULL, id->text, "unknown fact '%s'", id->text);
}

static const char *label_match(const struct rule_fact_def *d, const char *w)
{
	const char *l = d->label_zh;
	if (l == NULL || d->name == NULL || *l == '\0')
		return NULL;
	if (strcmp(l, w) == 0 || (strlen(w) >= 6 && (strstr(l, w) || strstr(w, l))))
		return d->name;
	return NULL;
}

/* A name in Chinese (or another script): say which fact has that label. */
static struct node *p_word(struct parser *p)
{
	const struct token *w = &p->tok;
	const char *s = NULL;
	const struct rule_fact_def *d = p->known ? p->known->defs : rule_builtin_facts;
	size_t n = p->known ? p->known->n : rule_builtin_nfacts;
	for (size_t i = 0; i < n && !s; i++)
		s = label_match(&d[i], w->text);
	for (int i = 0; i < NREG && !s; i++)
		s = label_match(&registry_defs[i], w->text);
	if (s)
		return fail(p, w->line, w->col, "unknown_fact", s, w->text,
		            "unknown fact '%s': did you mean '%s'?", w->text, s);
	return fail(p, w->line, w->col, "unknown_fact", NULL, w->text,
	            "unknown fact '%s': names are written in ASCII letters, such as rd_spending", w->text);
}

static struct node *ref_node(struct parser *p, const struct token *id, const char *name,
                             enum rule_type type, int registry, int relative, int year)
{
	rule_t *r = p->r;
	size_t i;
	for (i = 0; i < r->nrefs; i++) {
		const struct rule_ref *f = &r->refs[i];
		if (strcmp(f->name, name) == 0 && f->registry == registry && f->relative == relative &&
		    f->year == year)
			break;
	}
	if (i == r->nrefs) {
		if (r->nrefs >= RULE_MAX_REFS)
			return fail_limit(p, "too_complex", "facts", RULE_MAX_REFS, "different facts and fields");
		r->reg[r->nrefs] = (signed char)(registry ? registry_find(name) : -1);
		struct rule_ref *f = &r->refs[r->nrefs++];
		f->name = arena_strdup(p->a, name);
		f->type = type;
		f->registry = registry;
		f->relative = relative;
		f->year = year;
	}
	struct node *n = node_new(p, N_REF, type, id->line, id->col);
	if (n)
		n->ival = (int)i;
	return n;
}

/* After '[': 2024 | year | year - N | year + N, then ']'.  1 or 0. */
static int p_year(struct parser *p, int *relative, int *year)
{
	struct token *t = &p->tok;
	next(p);
	if (t->t == T_NUM) {
		if (!t->integer || rule_num_cmp(t->num, rule_num_int(DATE_YEAR_MIN)) < 0 ||
		    rule_num_cmp(t->num, rule_num_int(DATE_YEAR_MAX)) > 0)
			return fail(p, t->line, t->col, "year", NULL, t->text, "'%s' is not a year from %d to %d",
			            t->text, DATE_YEAR_MIN, DATE_YEAR_MAX) != NULL;
		*relative = 0;
		*year = (int)(t->num.v / (i128)P12);
		next(p);
	} else if (t->t == T_YEAR) {
		*relative = 1;
		*year = 0;
		next(p);
		if (t->t == T_PLUS || t->t == T_MINUS) {
			int sign = t->t == T_MINUS ? -1 : 1;
			next(p);
			if (t->t != T_NUM)
				return expected(p, "number", "a number of years after 'year%c'", sign < 0 ? '-' : '+') != NULL;
			if (!t->integer || rule_num_cmp(t->num, rule_num_int(100)) > 0)
				return fail(p, t->line, t->col, "year", NULL, t->text,
				            "the number of years in [ ] is a whole number up to 100, not '%s'", t->text) != NULL;
			*year = sign * (int)(t->num.v / (i128)P12);
			next(p);
		}
	} else {
		return expected(p, "year", "a year (2024, year, year-1) after '['") != NULL;
	}
	if (t->t != T_RB)
		return expected(p, "]", "']' after the year") != NULL;
	next(p);
	return 1;
}

static struct node *p_call(struct parser *p, int f, const struct token *id)
{
	static const int amin[NFN] = { 2, 2, 1, 2, 2 }, amax[NFN] = { RULE_MAX_NODES, RULE_MAX_NODES, 1, 2, 2 };
	static const int ops[NFN] = { N_MIN, N_MAX, N_ABS, N_ROUND, N_PREFIX };
	if (!enter(p))
		return NULL;
	next(p);                    /* ( */
	struct vec v = { 0 };
	while (v.n > 0 || p->tok.t != T_RP) {   /* after a ',' an argument must follow */
		struct node *a = p_or(p);
		if (a == NULL)
			return NULL;
		if (v.n == amax[f])
			return fail(p, a->line, a->col, "arguments", amax[f] == 1 ? "1" : "2", NULL,
			            "%s takes %d argument%s: this one is too many", id->text, amax[f], amax[f] > 1 ? "s" : "");
		vec_push(p, &v, a);
		if (p->tok.t == T_RP)
			break;
		if (p->tok.t != T_COMMA)
			return expected(p, ")", "')' after the arguments of %s", id->text);
		next(p);
	}
	if (v.n < amin[f]) {
		char want[16], got[16];
		snprintf(want, sizeof want, "%d", amin[f]);
		snprintf(got, sizeof got, "%d", v.n);
		return fail(p, p->tok.line, p->tok.col, "arguments", want, got, "%s takes %s%d argument%s, found %d",
		            id->text, amax[f] > amin[f] ? "at least " : "", amin[f], amin[f] > 1 ? "s" : "", v.n);
	}
	next(p);                    /* ) */
	p->depth--;
	int want = f == F_PREFIX ? RULE_T_STR : RULE_T_NUM;
	for (int i = 0; i < v.n; i++)
		if (!want_type(p, v.v[i], want, id->text))
			return NULL;
	struct node *n = node_new(p, ops[f], f == F_PREFIX ? RULE_T_BOOL : RULE_T_NUM, id->line, id->col);
	if (n == NULL)
		return NULL;
	n->k = v.v;
	n->nk = v.n;
	if (f == F_ROUND) {
		const struct node *d = v.v[1];
		if (d->op != N_NUM || d->num.v < 0 || d->num.v > (i128)RULE_NUM_DECIMALS * (i128)P12 ||
		    d->num.v % (i128)P12 != 0)
			return fail(p, d->line, d->col, "number", NULL, NULL,
			            "the decimals of round are a whole number from 0 to %d", RULE_NUM_DECIMALS);
		n->ival = (int)(d->num.v / (i128)P12);
		n->nk = 1;
	}
	return n;
}

/* A name: a function call, a registry field, a fact with its year. */
static struct node *p_name(struct parser *p)
{
	struct token id = p->tok;
	next(p);
	int f = fn_find(id.text);
	if (f >= 0) {
		if (p->tok.t != T_LP)
			return expected(p, "(", "'(' after %s", id.text);
		return p_call(p, f, &id);
	}
	int reg = registry_find(id.text);
	const struct rule_fact_def *def = reg >= 0 ? NULL : fact_find(p->known, id.text);
	if (p->tok.t == T_LP) {
		if (reg >= 0 || def)
			return fail(p, p->tok.line, p->tok.col, "expected", reg >= 0 ? NULL : "[", "(",
			            "'%s' is a %s, not a function%s", id.text, reg >= 0 ? "registry field" : "fact",
			            reg >= 0 ? "" : ": its year goes in [ ], as in tax_paid[2024]");
		const char *s = suggest(p, id.text, 1);
		if (s)
			return fail(p, id.line, id.col, "unknown_function", s, id.text,
			            "unknown function '%s': did you mean '%s'?", id.text, s);
		return fail(p, id.line, id.col, "unknown_function", NULL, id.text,
		            "unknown function '%s': the functions are min, max, abs, round and prefix", id.text);
	}
	if (reg >= 0) {
		if (p->tok.t == T_LB)
			return fail(p, p->tok.line, p->tok.col, "year", NULL, "[",
			            "'%s' is a field of the registry and has no year", id.text);
		return ref_node(p, &id, registry_defs[reg].name, registry_defs[reg].type, 1, 0, 0);
	}
	if (def == NULL)
		return unknown_name(p, &id);
	int relative = 1, year = 0;
	if (p->tok.t == T_LB && !p_year(p, &relative, &year))
		return NULL;
	return ref_node(p, &id, def->name, def->type == RULE_T_BOOL ? RULE_T_BOOL : RULE_T_NUM, 0, relative, year);
}

static struct node *p_group(struct parser *p)
{
	int line = p->tok.line, col = p->tok.col;
	if (!enter(p))
		return NULL;
	next(p);
	struct node *e = p_or(p);
	if (e == NULL)
		return NULL;
	if (p->tok.t != T_RP)
		return expected(p, ")", "')' to close the '(' of line %d, column %d", line, col);
	p->depth--;
	next(p);
	return e;
}

static struct node *p_primary(struct parser *p)
{
	struct token *t = &p->tok;
	struct node *n = NULL;
	switch (t->t) {
	case T_NUM:
		if ((n = node_new(p, N_NUM, RULE_T_NUM, t->line, t->col)))
			n->num = t->num;
		break;
	case T_STR:
		if ((n = node_new(p, N_STR, RULE_T_STR, t->line, t->col)))
			n->str = t->str;
		break;
	case T_TRUE:
	case T_FALSE:
		if ((n = node_new(p, N_BOOL, RULE_T_BOOL, t->line, t->col)))
			n->ival = t->t == T_TRUE;
		break;
	case T_YEAR:
		n = node_new(p, N_YEAR, RULE_T_NUM, t->line, t->col);
		break;
	case T_LP:
		return p_group(p);
	case T_ID:
		return p_name(p);
	case T_WORD:
		return p_word(p);
	default:
		if (p->prev[0])
			return expected(p, "value", "a value after '%s'", p->prev);
		return expected(p, "value", "a value");
	}
	next(p);
	if (n && n->op == N_YEAR && p->tok.t == T_LB)
		return fail(p, p->tok.line, p->tok.col, "year", NULL, "[",
		            "'year' is the year evaluated; a fact takes it in [ ], as in tax_paid[year-1]");
	return n;
}

static struct node *p_unary(struct parser *p)
{
	if (p->tok.t != T_MINUS)
		return p_primary(p);
	int line = p->tok.line, col = p->tok.col;
	next(p);
	if (!enter(p))
		return NULL;
	struct node *k = p_unary(p);
	p->depth--;
	if (!want_type(p, k, RULE_T_NUM, "'-'"))
		return NULL;
	if (k->op == N_NUM) {
		k->num.v = -k->num.v;
		k->line = line;
		k->col = col;
		return k;
	}
	return node_kids(p, N_NEG, RULE_T_NUM, line, col, 1, k, NULL);
}

/* level 0: + and -, level 1: * and /; left-associative. */
static struct node *p_arith(struct parser *p, int level)
{
	struct node *l = level == 0 ? p_arith(p, 1) : p_unary(p);
	while (l) {
		enum tok t = p->tok.t;
		int op = level == 0 ? (t == T_PLUS ? N_ADD : t == T_MINUS ? N_SUB : -1)
		                    : (t == T_STAR ? N_MUL : t == T_SLASH ? N_DIV : -1);
		if (op < 0)
			break;
		char ctx[16];
		snprintf(ctx, sizeof ctx, "'%.8s'", p->tok.text);
		if (!want_type(p, l, RULE_T_NUM, ctx))
			return NULL;
		next(p);
		struct node *r = level == 0 ? p_arith(p, 1) : p_unary(p);
		if (!want_type(p, r, RULE_T_NUM, ctx))
			return NULL;
		l = node_kids(p, op, RULE_T_NUM, l->line, l->col, 2, l, r);
	}
	return l;
}

/* One literal of an in-list, of the type of the left side. */
static struct node *p_item(struct parser *p, int type)
{
	int line = p->tok.line, col = p->tok.col, neg = 0;
	struct node *n;
	if (p->tok.t == T_MINUS) {
		neg = 1;
		next(p);
	}
	if (p->tok.t == T_NUM) {
		if ((n = node_new(p, N_NUM, RULE_T_NUM, line, col)))
			n->num.v = neg ? -p->tok.num.v : p->tok.num.v;
	} else if (p->tok.t == T_STR && !neg) {
		if ((n = node_new(p, N_STR, RULE_T_STR, line, col)))
			n->str = p->tok.str;
	} else {
		return expected(p, "value", "a number or a string in double quotes in the list after 'in'");
	}
	next(p);
	if (n && n->type != type)
		return fail(p, line, col, "type", type_names[type], type_names[n->type],
		            "the list's items must be %s like the left side of 'in', not %s", type_a[type], type_a[n->type]);
	return n;
}

static struct node *p_in(struct parser *p, struct node *x)
{
	int op = N_IN;
	if (p->tok.t == T_NOT) {
		next(p);
		if (p->tok.t != T_IN)
			return expected(p, "in", "'in' after 'not'");
		op = N_NOTIN;
	}
	next(p);
	if (x->type == RULE_T_BOOL)
		return fail(p, x->line, x->col, "type", "number", "boolean",
		            "'in' takes a number or a string on its left, not %s", type_a[RULE_T_BOOL]);
	if (p->tok.t != T_LP)
		return expected(p, "(", "'(' and a list of values after 'in'");
	int line = p->tok.line, col = p->tok.col;
	next(p);
	struct vec v = { 0 };
	vec_push(p, &v, x);
	for (;;) {
		struct node *item = p_item(p, x->type);
		if (item == NULL)
			return NULL;
		vec_push(p, &v, item);
		if (p->tok.t == T_RP)
			break;
		if (p->tok.t != T_COMMA)
			return expected(p, ")", "',' or ')' in the list opened at line %d, column %d", line, col);
		next(p);
	}
	next(p);
	struct node *n = node_new(p, op, RULE_T_BOOL, x->line, x->col);
	if (n) {
		n->k = v.v;
		n->nk = v.n;
	}
	return n;
}

static int is01(const struct node *n)
{
	return n->op == N_NUM && (n->num.v == 0 || n->num.v == (i128)P12);
}

static struct node *p_cmp(struct parser *p)
{
	static const struct { enum tok t; int op; } ops[] = {
		{ T_EQ, N_EQ }, { T_NE, N_NE }, { T_LT, N_LT }, { T_LE, N_LE }, { T_GT, N_GT }, { T_GE, N_GE },
	};
	struct node *l = p_arith(p, 0), *n = NULL;
	if (l == NULL)
		return NULL;
	size_t i = 0;
	while (i < 6 && ops[i].t != p->tok.t)
		i++;
	if (i < 6) {
		char ctx[16];
		snprintf(ctx, sizeof ctx, "'%.8s'", p->tok.text);
		next(p);
		struct node *r = p_arith(p, 0);
		if (r == NULL)
			return NULL;
		if (ops[i].op == N_EQ || ops[i].op == N_NE) {
			/* a yes/no value may be compared with 0 and 1 */
			struct node *lit = l->type == RULE_T_BOOL && is01(r) ? r : r->type == RULE_T_BOOL && is01(l) ? l : NULL;
			if (lit) {
				lit->op = N_BOOL;
				lit->type = RULE_T_BOOL;
				lit->ival = lit->num.v != 0;
			}
			if (r->type != l->type)
				return fail(p, r->line, r->col, "type", type_names[l->type], type_names[r->type],
				            "%s compares values of one type: %s with %s", ctx, type_a[l->type], type_a[r->type]);
		} else if (!want_type(p, l, RULE_T_NUM, ctx) || !want_type(p, r, RULE_T_NUM, ctx)) {
			return NULL;
		}
		n = node_kids(p, ops[i].op, RULE_T_BOOL, l->line, l->col, 2, l, r);
	} else if (p->tok.t == T_IN || p->tok.t == T_NOT) {
		n = p_in(p, l);
	} else {
		return l;
	}
	for (i = 0; n && i < 6; i++)
		if (ops[i].t == p->tok.t || p->tok.t == T_IN)
			return fail(p, p->tok.line, p->tok.col, "chained", NULL, p->tok.text,
			            "comparisons do not chain: write 'a < b and b < c'");
	return n;
}

static struct node *p_not(struct parser *p)
{
	if (p->tok.t != T_NOT)
		return p_cmp(p);
	int line = p->tok.line, col = p->tok.col;
	next(p);
	if (!enter(p))
		return NULL;
	struct node *k = p_not(p);
	p->depth--;
	if (!want_type(p, k, RULE_T_BOOL, "'not'"))
		return NULL;
	return node_kids(p, N_NOT, RULE_T_BOOL, line, col, 1, k, NULL);
}

/* and-chains (op N_AND) or or-chains (N_OR): one n-ary node, flattened. */
static struct node *p_logic(struct parser *p, int op)
{
	enum tok t = op == N_OR ? T_OR : T_AND;
	const char *name = op == N_OR ? "'or'" : "'and'";
	struct node *first = op == N_OR ? p_logic(p, N_AND) : p_not(p), *k = first;
	if (first == NULL || p->tok.t != t)
		return first;
	struct vec v = { 0 };
	for (;;) {
		if (!want_type(p, k, RULE_T_BOOL, name))
			return NULL;
		if (k->op == op)
			for (int i = 0; i < k->nk; i++)
				vec_push(p, &v, k->k[i]);
		else
			vec_push(p, &v, k);
		if (p->tok.t != t)
			break;
		next(p);
		if ((k = op == N_OR ? p_logic(p, N_AND) : p_not(p)) == NULL)
			return NULL;
	}
	struct node *n = node_new(p, op, RULE_T_BOOL, first->line, first->col);
	if (n) {
		n->k = v.v;
		n->nk = v.n;
	}
	return n;
}

static struct node *p_or(struct parser *p)
{
	return p_logic(p, N_OR);
}

/* What follows a complete rule. */
static void trailing(struct parser *p)
{
	const struct token *t = &p->tok;
	if (t->t == T_WORD && (strcmp(t->text, "万") == 0 || strcmp(t->text, "万元") == 0 ||
	                       strcmp(t->text, "元") == 0 || strcmp(t->text, "人") == 0))
		fail(p, t->line, t->col, "expected", "operator", t->text,
		     "numbers are written without a unit (amounts are in 万元): remove '%s'", t->text);
	else if (t->t == T_RP)
		fail(p, t->line, t->col, "expected", "end", ")", "this ')' closes no '('");
	else
		expected(p, "operator", "an operator or the end of the rule");
}

/* Byte offset of the first invalid UTF-8 sequence of s[0..n), or n. */
static size_t utf8_bad_at(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = (unsigned char)s[i];
		size_t l = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		if (i + l > n || !utf8_valid(s + i, l))
			return i;
		i += l;
	}
	return n;
}

/* Line and column (in characters) of byte off. */
static void pos_of(const char *s, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || (c == '\r' && s[i + 1] != '\n')) {
			(*line)++;
			*col = 1;
		} else if (c != '\r' && (c & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static int check_root(struct parser *p, struct node *root)
{
	rule_t *r = p->r;
	int want = r->kind == RULE_CONDITION ? RULE_T_BOOL : RULE_T_NUM;
	if (root->type != want) {
		fail(p, root->line, root->col, "type", type_names[want], type_names[root->type],
		     r->kind == RULE_CONDITION ? "a condition must be true or false, and this is %s"
		                               : "a benefit must be a number (an amount in 万元), and this is %s",
		     type_a[root->type]);
		return 0;
	}
	r->root = root;
	if (r->kind != RULE_CONDITION)
		return 1;
	if (root->op == N_AND) {
		r->clauses = root->k;
		r->nclauses = (size_t)root->nk;
	} else {
		r->clauses = arena_alloc(p->a, sizeof *r->clauses);
		r->clauses[0] = root;
		r->nclauses = 1;
	}
	if (r->nclauses > RULE_MAX_CLAUSES) {
		p->tok.line = root->k[RULE_MAX_CLAUSES]->line;
		p->tok.col = root->k[RULE_MAX_CLAUSES]->col;
		fail_limit(p, "too_complex", "clauses", RULE_MAX_CLAUSES, "conditions joined by 'and'");
		return 0;
	}
	return 1;
}

rule_t *rule_parse(const char *src, enum rule_kind kind, const struct rule_facts *known,
                   const char *field, err_t *err)
{
	err_t local;
	if (err == NULL)
		err = &local;
	if (src == NULL)
		src = "";
	if (kind != RULE_CONDITION && kind != RULE_BENEFIT) {
		err_set(err, 500, "internal", field, "rule_parse: no such kind of rule");
		return NULL;
	}
	size_t n = strnlen(src, RULE_MAX_BYTES + 1);
	if (n > RULE_MAX_BYTES) {
		err_set(err, 422, "too_long", field, "the rule is longer than %d bytes", RULE_MAX_BYTES);
		err_param(err, "max", "%d", RULE_MAX_BYTES);
		return NULL;
	}
	size_t bad = utf8_bad_at(src, n);
	if (bad < n) {
		int line, col;
		pos_of(src, bad, &line, &col);
		err_set(err, 422, "syntax", field, "the text is not valid UTF-8");
		err->line = line;
		err_param(err, "column", "%d", col);
		err_param(err, "reason", "encoding");
		return NULL;
	}
	arena_t *a = arena_new();
	rule_t *r = arena_alloc(a, sizeof *r);
	r->a = a;
	r->kind = kind;
	struct parser P = { .src = src, .n = n, .line = 1, .col = 1, .a = a, .r = r,
	                    .known = known, .field = field, .err = err };
	struct parser *p = &P;
	next(p);
	if (p->tok.t == T_END)
		fail(p, p->tok.line, p->tok.col, "empty", "value", "end", "the rule is empty");
	struct node *root = p->failed ? NULL : p_or(p);
	if (root && p->tok.t != T_END)
		trailing(p);
	if (root && !p->failed)
		check_root(p, root);
	if (p->failed) {
		arena_free(a);
		return NULL;
	}
	return r;
}

void rule_free(rule_t *r)
{
	if (r)
		arena_free(r->a);
}

enum rule_kind rule_kind(const rule_t *r)
{
	return r->kind;
}

size_t rule_nnodes(const rule_t *r)
{
	return r->nnodes;
}

const struct rule_ref *rule_refs(const rule_t *r, size_t *n)
{
	*n = r->nrefs;
	return r->refs;
}

int rule_ref_year(const struct rule_ref *ref, int year)
{
	if (ref->registry)
		return 0;
	return ref->relative ? year + ref->year : ref->year;
}

/* ====================================================================
 * Evaluation: each node returns the set of reasons it is unknown (bit i:
 * reference i missing; RULE_WHY_UNDEFINED), 0 when its value is known.
 * A known result drops the reasons of its operands, so the missing facts
 * reported are those that leave the result open.
 * ==================================================================== */
enum { S_NONE = 0, S_FOUND, S_MISSING, S_BAD };

struct ev {
	const rule_t *r;
	const struct rule_env *env;
	struct rule_result *res;
	int failed;
};

union val {
	int b;
	struct rule_num n;
	const char *s;
};

static void fetch_registry(const struct rule_registry *g, int reg, struct rule_result *res, size_t i)
{
	struct rule_fetched_ *f = &res->fetched_[i];
	switch (reg) {
	case REG_INDUSTRY:
	case REG_STREET:
		f->s = reg == REG_INDUSTRY ? g->industry : g->street;
		f->state = f->s ? S_FOUND : S_MISSING;
		break;
	case REG_KEY:
		f->b = (signed char)g->key;
		f->state = g->key == 0 || g->key == 1 ? S_FOUND : S_MISSING;
		break;
	case REG_FOUNDED:
		f->num = rule_num_int(g->founded_year);
		f->state = g->founded_year ? S_FOUND : S_MISSING;
		break;
	default:
		f->num = g->land_mu;
		f->state = !g->land_mu_known ? S_MISSING : num_ok(g->land_mu) ? S_FOUND : S_BAD;
		break;
	}
}

/* Reference i, fetched at most once per evaluation. */
static uint64_t fetch(struct ev *e, int i, union val *v)
{
	struct rule_result *res = e->res;
	const struct rule_ref *ref = &e->r->refs[i];
	struct rule_fetched_ *f = &res->fetched_[i];
	if (f->state == S_NONE) {
		if (ref->registry) {
			fetch_registry(&e->env->reg, e->r->reg[i], res, (size_t)i);
		} else if (e->env->fact == NULL) {
			f->state = S_MISSING;
		} else {
			struct rule_num x = { 0 };
			int rc = e->env->fact(e->env->ud, (size_t)i, ref->name, rule_ref_year(ref, e->env->year), &x);
			if (rc < 0)
				e->failed = 1;
			f->state = rc < 0 || (rc == RULE_FOUND && !num_ok(x)) ? S_BAD : rc == RULE_FOUND ? S_FOUND : S_MISSING;
			f->num = x;
			f->b = x.v != 0;
		}
	}
	if (f->state == S_MISSING)
		return (uint64_t)1 << i;
	if (f->state == S_BAD)
		return RULE_WHY_UNDEFINED;
	if (ref->type == RULE_T_NUM)
		v->n = f->num;
	else if (ref->type == RULE_T_BOOL)
		v->b = f->b != 0;
	else
		v->s = f->s;
	return 0;
}

static uint64_t ev_node(struct ev *e, const struct node *n, union val *out);

static uint64_t ev_logic(struct ev *e, const struct node *n, union val *out)
{
	uint64_t why = 0;
	int decides = n->op == N_AND ? 0 : 1;   /* false decides an and, true an or */
	for (int i = 0; i < n->nk; i++) {
		union val v;
		uint64_t w = ev_node(e, n->k[i], &v);
		if (!w && v.b == decides) {
			out->b = decides;
			return 0;
		}
		why |= w;
	}
	out->b = !decides;
	return why;
}

static uint64_t ev_arith(struct ev *e, const struct node *n, union val *out)
{
	union val a, b;
	uint64_t w = ev_node(e, n->k[0], &a);
	w |= ev_node(e, n->k[1], &b);
	if (w)
		return w;
	int rc = n->op == N_ADD ? rule_num_add(a.n, b.n, &out->n)
	       : n->op == N_SUB ? rule_num_sub(a.n, b.n, &out->n)
	       : n->op == N_MUL ? rule_num_mul(a.n, b.n, &out->n)
	                        : rule_num_div(a.n, b.n, &out->n);
	return rc < 0 ? RULE_WHY_UNDEFINED : 0;
}

static int cmp_vals(int type, const union val *a, const union val *b)
{
	if (type == RULE_T_NUM)
		return rule_num_cmp(a->n, b->n);
	if (type == RULE_T_STR) {
		int c = strcmp(a->s, b->s);
		return c < 0 ? -1 : c > 0;
	}
	return a->b - b->b;
}

static uint64_t ev_cmp(struct ev *e, const struct node *n, union val *out)
{
	union val a, b;
	uint64_t w = ev_node(e, n->k[0], &a);
	w |= ev_node(e, n->k[1], &b);
	if (w)
		return w;
	int c = cmp_vals(n->k[0]->type, &a, &b);
	switch (n->op) {
	case N_EQ: out->b = c == 0; break;
	case N_NE: out->b = c != 0; break;
	case N_LT: out->b = c < 0; break;
	case N_LE: out->b = c <= 0; break;
	case N_GT: out->b = c > 0; break;
	default: out->b = c >= 0; break;
	}
	return 0;
}

static uint64_t ev_in(struct ev *e, const struct node *n, union val *out)
{
	union val x, item;
	uint64_t w = ev_node(e, n->k[0], &x);
	if (w)
		return w;
	int found = 0;
	for (int i = 1; i < n->nk && !found; i++) {
		if (n->k[i]->type == RULE_T_NUM)
			item.n = n->k[i]->num;
		else
			item.s = n->k[i]->str;
		found = cmp_vals(n->k[0]->type, &x, &item) == 0;
	}
	out->b = found != (n->op == N_NOTIN);
	return 0;
}

static uint64_t ev_fn(struct ev *e, const struct node *n, union val *out)
{
	union val a = { 0 }, b = { 0 };
	uint64_t w = 0;
	switch (n->op) {
	case N_MIN:
	case N_MAX:
		for (int i = 0; i < n->nk; i++) {
			w |= ev_node(e, n->k[i], &b);
			if (!w && (i == 0 || (rule_num_cmp(b.n, a.n) < 0) == (n->op == N_MIN)))
				a = b;
		}
		out->n = a.n;
		return w;
	case N_PREFIX:
		w = ev_node(e, n->k[0], &a);
		w |= ev_node(e, n->k[1], &b);
		if (!w)
			out->b = strncmp(a.s, b.s, strlen(b.s)) == 0;
		return w;
	default:                    /* N_ABS, N_ROUND, N_NEG */
		if ((w = ev_node(e, n->k[0], &a)) != 0)
			return w;
		if (n->op == N_ROUND)
			return rule_num_round(a.n, n->ival, &out->n) < 0 ? RULE_WHY_UNDEFINED : 0;
		out->n.v = n->op == N_NEG || a.n.v < 0 ? -a.n.v : a.n.v;
		return 0;
	}
}

static uint64_t ev_node(struct ev *e, const struct node *n, union val *out)
{
	switch (n->op) {
	case N_NUM: out->n = n->num; return 0;
	case N_STR: out->s = n->str; return 0;
	case N_BOOL: out->b = n->ival; return 0;
	case N_YEAR: out->n = rule_num_int(e->env->year); return 0;
	case N_REF: return fetch(e, n->ival, out);
	case N_ADD: case N_SUB: case N_MUL: case N_DIV: return ev_arith(e, n, out);
	case N_EQ: case N_NE: case N_LT: case N_LE: case N_GT: case N_GE: return ev_cmp(e, n, out);
	case N_AND: case N_OR: return ev_logic(e, n, out);
	case N_IN: case N_NOTIN: return ev_in(e, n, out);
	case N_NOT: {
		uint64_t w = ev_node(e, n->k[0], out);
		if (!w)
			out->b = !out->b;
		return w;
	}
	default: return ev_fn(e, n, out);
	}
}

size_t rule_missing_of(const rule_t *r, int year, uint64_t why, struct rule_missing out[RULE_MAX_REFS])
{
	size_t n = 0;
	for (size_t i = 0; i < r->nrefs; i++) {
		if (!(why & ((uint64_t)1 << i)))
			continue;
		struct rule_missing m = { r->refs[i].name, rule_ref_year(&r->refs[i], year) };
		size_t j = 0;
		while (j < n && !(out[j].year == m.year && strcmp(out[j].name, m.name) == 0))
			j++;
		if (j == n)
			out[n++] = m;
	}
	return n;
}

void rule_missing_format(const struct rule_missing *m, char out[RULE_MISSING_LEN])
{
	if (m->year)
		snprintf(out, RULE_MISSING_LEN, "%.*s[%d]", RULE_NAME_MAX, m->name, m->year);
	else
		snprintf(out, RULE_MISSING_LEN, "%.*s", RULE_NAME_MAX, m->name);
}

static int eval_into(struct ev *e)
{
	const rule_t *r = e->r;
	struct rule_result *res = e->res;
	res->nmissing = res->nclauses = 0;
	res->near = -1;
	res->undefined = 0;
	res->text = res->value = NULL;
	res->num.v = res->amount.v = 0;
	for (size_t i = 0; i < r->nrefs; i++)
		res->fetched_[i].state = S_NONE;
	uint64_t why = 0;
	union val v;
	if (r->kind == RULE_CONDITION) {
		int nfalse = 0, nunknown = 0;
		for (size_t i = 0; i < r->nclauses; i++) {
			struct rule_clause *c = &res->clauses[i];
			c->why = ev_node(e, r->clauses[i], &v);
			c->result = c->why ? RULE_UNKNOWN : v.b ? RULE_TRUE : RULE_FALSE;
			c->text = c->value = NULL;
			if (c->why) {
				nunknown++;
				why |= c->why;
			} else if (!v.b) {
				nfalse++;
				res->near = (int)i;
			}
		}
		res->nclauses = r->nclauses;
		res->result = nfalse ? RULE_FALSE : nunknown ? RULE_UNKNOWN : RULE_TRUE;
		if (nfalse)
			why = 0;
		if (nfalse != 1 || nunknown)
			res->near = -1;
	} else {
		why = ev_node(e, r->root, &v);
		if (!why && rule_num_round(v.n, 2, &res->amount) < 0)
			why = RULE_WHY_UNDEFINED;
		if (!why)
			res->num = v.n;
		res->result = why ? RULE_UNKNOWN : RULE_TRUE;
	}
	res->undefined = (why & RULE_WHY_UNDEFINED) != 0;
	res->nmissing = rule_missing_of(r, e->env->year, why, res->missing);
	return e->failed ? -1 : 0;
}

int rule_eval(const rule_t *r, const struct rule_env *env, struct rule_result *res)
{
	struct ev e = { r, env, res, 0 };
	return eval_into(&e);
}

/* ====================================================================
 * Text: the normalised source, with years resolved, and with values
 * ==================================================================== */
struct out {
	buf_t *b;
	int oom;
};

static void put(struct out *o, const char *s)
{
	if (!o->oom && buf_puts(o->b, s) < 0)
		o->oom = 1;
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct out *o, const char *fmt, ...)
{
	char b[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	put(o, b);
}

static void put_num(struct out *o, struct rule_num n)
{
	char b[RULE_NUM_LEN];
	rule_num_format(n, b);
	put(o, b);
}

/* "..." with \ before \, " and the other closing quotes (＂ ”); byte-wise,
 * so that any string is safe. */
static void put_quoted(struct out *o, const char *s, const char *open, const char *close)
{
	put(o, open);
	size_t n = strlen(s), from = 0;
	for (size_t i = 0; i < n; i++) {
		size_t q = s[i] == '\\' || s[i] == '"' ? 1
		         : i + 3 <= n && (memcmp(s + i, "\xEF\xBC\x82", 3) == 0 || memcmp(s + i, "\xE2\x80\x9D", 3) == 0) ? 3 : 0;
		if (q == 0 || o->oom)
			continue;
		if (buf_append(o->b, s + from, i - from) < 0 || buf_puts(o->b, "\\") < 0)
			o->oom = 1;
		from = i;
		i += q - 1;
	}
	if (!o->oom && buf_append(o->b, s + from, n - from) < 0)
		o->oom = 1;
	put(o, close);
}

enum rmode { R_SOURCE, R_YEAR, R_VALUE };
struct rend {
	struct out o;
	enum rmode mode;
	const rule_t *r;
	int year;
	struct ev *ev;              /* R_VALUE */
};

static const char *op_text(int op, int sym)
{
	static const char *const ascii[] = { "+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">=" };
	static const char *const symbol[] = { "+", "-", "×", "÷", "=", "≠", "<", "≤", ">", "≥" };
	unsigned i = (unsigned)op - N_ADD;
	if (i < sizeof ascii / sizeof ascii[0])
		return (sym ? symbol : ascii)[i];
	return op == N_AND ? "and" : op == N_OR ? "or" : op == N_NOTIN ? "not in" : "in";
}

static void r_node(struct rend *R, const struct node *n, int minp);

/* The value of n with the enterprise's data: a number, true/false, a
 * string, or ? when unknown. */
static void r_value(struct rend *R, const struct node *n)
{
	union val v;
	if (ev_node(R->ev, n, &v))
		put(&R->o, "?");
	else if (n->type == RULE_T_NUM)
		put_num(&R->o, v.n);
	else if (n->type == RULE_T_BOOL)
		put(&R->o, v.b ? "true" : "false");
	else
		put_quoted(&R->o, v.s, "\"", "\"");
}

static void r_leaf(struct rend *R, const struct node *n)
{
	if (R->mode == R_VALUE && (n->op == N_REF || n->op == N_YEAR)) {
		r_value(R, n);
		return;
	}
	const struct rule_ref *f = n->op == N_REF ? &R->r->refs[n->ival] : NULL;
	switch (n->op) {
	case N_NUM: put_num(&R->o, n->num); break;
	case N_STR: put_quoted(&R->o, n->str, "\"", "\""); break;
	case N_BOOL: put(&R->o, n->ival ? "true" : "false"); break;
	case N_YEAR:
		if (R->mode == R_SOURCE)
			put(&R->o, "year");
		else
			putf(&R->o, "%d", R->year);
		break;
	default:
		put(&R->o, f->name);
		if (f->registry)
			break;
		if (R->mode != R_SOURCE || !f->relative)
			putf(&R->o, "[%d]", rule_ref_year(f, R->year));
		else if (f->year)
			putf(&R->o, "[year%+d]", f->year);
		break;
	}
}

/* A side of a comparison: with values, a compound side shows its result. */
static void r_side(struct rend *R, const struct node *s)
{
	if (R->mode != R_VALUE || is_leaf(s)) {
		r_node(R, s, PR_ADD);
		return;
	}
	put(&R->o, "(");
	r_node(R, s, 0);
	put(&R->o, " = ");
	r_value(R, s);
	put(&R->o, ")");
}

static void r_node(struct rend *R, const struct node *n, int minp)
{
	static const char *const fn[] = { "min", "max", "abs", "round", "prefix" };
	int paren = prec_of(n) < minp, sym = R->mode == R_VALUE;
	if (paren)
		put(&R->o, "(");
	switch (n->op) {
	case N_AND: case N_OR:
		for (int i = 0; i < n->nk; i++) {
			if (i)
				putf(&R->o, " %s ", op_text(n->op, sym));
			r_node(R, n->k[i], PR_NOT);
		}
		break;
	case N_NOT:
		put(&R->o, "not ");
		r_node(R, n->k[0], PR_NOT);
		break;
	case N_EQ: case N_NE: case N_LT: case N_LE: case N_GT: case N_GE:
		r_side(R, n->k[0]);
		putf(&R->o, " %s ", op_text(n->op, sym));
		r_side(R, n->k[1]);
		break;
	case N_IN: case N_NOTIN:
		r_side(R, n->k[0]);
		putf(&R->o, " %s (", op_text(n->op, sym));
		for (int i = 1; i < n->nk; i++) {
			if (i > 1)
				put(&R->o, ", ");
			r_leaf(R, n->k[i]);
		}
		put(&R->o, ")");
		break;
	case N_ADD: case N_SUB: case N_MUL: case N_DIV:
		r_node(R, n->k[0], prec_of(n));
		putf(&R->o, " %s ", op_text(n->op, sym));
		r_node(R, n->k[1], prec_of(n) + 1);
		break;
	case N_NEG:
		put(&R->o, "-");
		r_node(R, n->k[0], PR_NEG);
		break;
	case N_MIN: case N_MAX: case N_ABS: case N_ROUND: case N_PREFIX:
		putf(&R->o, "%s(", fn[n->op - N_MIN]);
		for (int i = 0; i < n->nk; i++) {
			if (i)
				put(&R->o, ", ");
			r_node(R, n->k[i], 0);
		}
		if (n->op == N_ROUND)
			putf(&R->o, ", %d", n->ival);
		put(&R->o, ")");
		break;
	default:
		r_leaf(R, n);
		break;
	}
	if (paren)
		put(&R->o, ")");
}

static const struct node *pick(const rule_t *r, int clause)
{
	if (clause == -1)
		return r->root;
	if (clause < 0 || (size_t)clause >= r->nclauses)
		return NULL;
	return r->clauses[clause];
}

int rule_format(const rule_t *r, int clause, int year, buf_t *out)
{
	const struct node *n = pick(r, clause);
	if (n == NULL)
		return -1;
	struct rend R = { { out, 0 }, year ? R_YEAR : R_SOURCE, r, year, NULL };
	r_node(&R, n, 0);
	return R.o.oom ? -1 : 0;
}

/* Render n into the (emptied) buffer and copy it into a. */
static const char *render_dup(struct rend *R, const struct node *n, arena_t *a)
{
	buf_t *b = R->o.b;
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
	r_node(R, n, 0);
	return arena_strndup(a, b->data ? b->data : "", b->len);
}

int rule_explain(const rule_t *r, const struct rule_env *env, struct rule_result *res, arena_t *a)
{
	struct ev e = { r, env, res, 0 };
	int rc = eval_into(&e);
	buf_t b;
	buf_init(&b);
	struct rend text = { { &b, 0 }, R_YEAR, r, env->year, NULL };
	struct rend value = { { &b, 0 }, R_VALUE, r, env->year, &e };
	res->text = render_dup(&text, r->root, a);
	res->value = render_dup(&value, r->root, a);
	for (size_t i = 0; i < res->nclauses; i++) {
		res->clauses[i].text = render_dup(&text, r->clauses[i], a);
		res->clauses[i].value = render_dup(&value, r->clauses[i], a);
	}
	buf_free(&b);
	return rc < 0 || e.failed || text.o.oom || value.o.oom ? -1 : 0;
}

/* ====================================================================
 * Plain language: labels and units from the caller's fact definitions,
 * years as 上一年度 / (previous year), the top-level 'and' as "，且".
 * ==================================================================== */
struct plain {
	struct out o;
	int zh;
	const struct rule_facts *facts;
	const rule_t *r;
	int year;
};

static const struct rule_fact_def *ref_def(const struct plain *P, const struct rule_ref *f)
{
	if (f->registry) {
		int i = registry_find(f->name);
		return i >= 0 ? &registry_defs[i] : NULL;
	}
	const struct rule_fact_def *d = P->facts ? fact_find(P->facts, f->name) : NULL;
	return d ? d : fact_find(NULL, f->name);
}

static const char *ref_label(const struct plain *P, const struct rule_ref *f)
{
	const struct rule_fact_def *d = ref_def(P, f);
	const char *l = d ? (P->zh ? d->label_zh : d->label_en) : NULL;
	return l && *l ? l : f->name;
}

static const char *ref_unit(const struct plain *P, const struct rule_ref *f)
{
	const struct rule_fact_def *d = ref_def(P, f);
	const char *u = d ? (P->zh ? d->unit_zh : d->unit_en) : NULL;
	return u && *u ? u : NULL;
}

/* The year of a fact: before the label in Chinese, after it in English. */
static void pl_when(struct plain *P, const struct rule_ref *f)
{
	if (f->registry)
		return;
	int k = f->year, zh = P->zh;
	if (!f->relative || P->year)
		putf(&P->o, zh ? "%d年" : " (%d)", rule_ref_year(f, P->year));
	else if (k == 0)
		put(&P->o, zh ? "本年度" : " (this year)");
	else if (k == -1)
		put(&P->o, zh ? "上一年度" : " (previous year)");
	else if (k == 1)
		put(&P->o, zh ? "下一年度" : " (next year)");
	else
		putf(&P->o, zh ? "%d年%s" : " (%d years %s)", k < 0 ? -k : k,
		     zh ? (k < 0 ? "前" : "后") : (k < 0 ? "earlier" : "later"));
}

static void pl_ref(struct plain *P, const struct rule_ref *f, int neg)
{
	if (f->type == RULE_T_BOOL) {     /* 本年度为高新技术企业 / is a key enterprise */
		if (P->zh) {
			pl_when(P, f);
			put(&P->o, neg ? "不是" : "为");
			put(&P->o, ref_label(P, f));
		} else {
			put(&P->o, neg ? "is not " : "is ");
			put(&P->o, ref_label(P, f));
			pl_when(P, f);
		}
		return;
	}
	if (P->zh)
		pl_when(P, f);
	put(&P->o, ref_label(P, f));
	if (!P->zh)
		pl_when(P, f);
}

static int lit_only(const struct node *n)
{
	if (n->op == N_REF || n->op == N_YEAR)
		return 0;
	for (int i = 0; i < n->nk; i++)
		if (!lit_only(n->k[i]))
			return 0;
	return 1;
}

/* The unit of a number: a fact's, kept by + - min max abs round and by *
 * or / with a plain number. */
static const char *unit_of(const struct plain *P, const struct node *n)
{
	const char *u = NULL;
	switch (n->op) {
	case N_REF:
		return n->type == RULE_T_NUM ? ref_unit(P, &P->r->refs[n->ival]) : NULL;
	case N_NEG: case N_ABS: case N_ROUND:
		return unit_of(P, n->k[0]);
	case N_ADD: case N_SUB: case N_MIN: case N_MAX:
		for (int i = 0; i < n->nk; i++) {
			if (lit_only(n->k[i]))
				continue;
			const char *ku = unit_of(P, n->k[i]);
			if (ku == NULL || (u && strcmp(u, ku) != 0))
				return NULL;
			u = ku;
		}
		return u;
	case N_MUL:
		return lit_only(n->k[0]) ? unit_of(P, n->k[1]) : lit_only(n->k[1]) ? unit_of(P, n->k[0]) : NULL;
	case N_DIV:
		return lit_only(n->k[1]) ? unit_of(P, n->k[0]) : NULL;
	default:
		return NULL;
	}
}

/* Phrases for functions are grouped inside arithmetic, except the Chinese
 * postfix ones (…的绝对值, …（四舍五入…）). */
static int pl_prec(const struct plain *P, const struct node *n)
{
	if (P->zh && (n->op == N_ABS || n->op == N_ROUND))
		return PR_PRIMARY;
	return n->op >= N_MIN ? PR_CMP : prec_of(n);
}

static void pl_node(struct plain *P, const struct node *n, int minp, const char *unit);

/* A condition, or its negation. */
static void pl_cond(struct plain *P, const struct node *n, int neg)
{
	if (n->op == N_REF && n->type == RULE_T_BOOL) {
		pl_ref(P, &P->r->refs[n->ival], neg);
	} else if (neg && n->op == N_NOT) {
		pl_cond(P, n->k[0], 0);
	} else if (neg) {
		put(&P->o, P->zh ? "并非（" : "not (");
		pl_node(P, n, 0, NULL);
		put(&P->o, P->zh ? "）" : ")");
	} else {
		pl_node(P, n, 0, NULL);
	}
}

static void pl_cmp(struct plain *P, const struct node *n)
{
	const struct node *a = n->k[0], *b = n->k[1];
	if ((n->op == N_EQ || n->op == N_NE) && a->type == RULE_T_BOOL) {
		const struct node *lit = b->op == N_BOOL ? b : a->op == N_BOOL ? a : NULL;
		if (lit) {   /* high_tech = true: as a condition */
			pl_cond(P, lit == b ? a : b, (lit->ival == 0) != (n->op == N_NE));
			return;
		}
	}
	pl_node(P, a, a->type == RULE_T_BOOL ? PR_ADD : PR_CMP, unit_of(P, b));
	putf(&P->o, " %s ", op_text(n->op, 1));
	pl_node(P, b, b->type == RULE_T_BOOL ? PR_ADD : PR_CMP, unit_of(P, a));
}

static void pl_in(struct plain *P, const struct node *n)
{
	const char *u = unit_of(P, n->k[0]);
	pl_node(P, n->k[0], PR_CMP, NULL);
	if (P->zh)
		put(&P->o, n->op == N_IN ? "为" : "不为");
	else
		put(&P->o, n->op == N_IN ? " is one of " : " is none of ");
	for (int i = 1; i < n->nk; i++) {
		if (i > 1)
			put(&P->o, P->zh ? "、" : ", ");
		pl_node(P, n->k[i], 0, u);
	}
	if (P->zh)
		put(&P->o, "之一");
}

/* unit: the unit of n's value known from around it (a benefit is in 万元),
 * or NULL; plain numbers in n get it. */
static void pl_fn(struct plain *P, const struct node *n, const char *unit)
{
	const char *u = unit ? unit : unit_of(P, n);
	int zh = P->zh, two = n->nk == 2, lo = n->op == N_MIN;
	switch (n->op) {
	case N_MIN: case N_MAX:
		if (!zh)
			putf(&P->o, "the %s of ", two ? (lo ? "smaller" : "larger") : (lo ? "smallest" : "largest"));
		for (int i = 0; i < n->nk; i++) {
			if (i)
				put(&P->o, zh ? (two ? " 与 " : "、") : i == n->nk - 1 ? " and " : ", ");
			pl_node(P, n->k[i], PR_ADD, u);
		}
		if (zh)
			putf(&P->o, " 中的%s", two ? (lo ? "较小者" : "较大者") : (lo ? "最小者" : "最大者"));
		break;
	case N_ABS:
		if (!zh)
			put(&P->o, "the absolute value of ");
		pl_node(P, n->k[0], PR_PRIMARY, unit);
		if (zh)
			put(&P->o, "的绝对值");
		break;
	case N_ROUND:
		pl_node(P, n->k[0], PR_PRIMARY, unit);
		putf(&P->o, zh ? "（四舍五入保留%d位小数）" : " rounded to %d decimals", n->ival);
		break;
	default:                    /* N_PREFIX */
		pl_node(P, n->k[0], PR_PRIMARY, NULL);
		put(&P->o, zh ? "以" : " starts with ");
		pl_node(P, n->k[1], PR_PRIMARY, NULL);
		if (zh)
			put(&P->o, "开头");
		break;
	}
}

static void pl_node(struct plain *P, const struct node *n, int minp, const char *unit)
{
	static const char *const ar[] = { " + ", " − ", " × ", " ÷ " };
	int zh = P->zh, paren = pl_prec(P, n) < minp;
	if (paren)
		put(&P->o, zh ? "（" : "(");
	switch (n->op) {
	case N_NUM:
		put_num(&P->o, n->num);
		if (unit)
			putf(&P->o, zh ? "%s" : " %s", unit);
		break;
	case N_STR: put_quoted(&P->o, n->str, zh ? "“" : "\"", zh ? "”" : "\""); break;
	case N_BOOL: put(&P->o, n->ival ? (zh ? "是" : "yes") : (zh ? "否" : "no")); break;
	case N_YEAR:
		if (P->year)
			putf(&P->o, "%d", P->year);
		else
			put(&P->o, zh ? "当年" : "the year");
		break;
	case N_REF: pl_ref(P, &P->r->refs[n->ival], 0); break;
	case N_NEG:
		put(&P->o, "−");
		pl_node(P, n->k[0], PR_NEG, unit);
		break;
	case N_ADD: case N_SUB: case N_MUL: case N_DIV: {
		/* a sum's terms share its unit; a product's factors may not (a rate) */
		int add = n->op <= N_SUB;
		pl_node(P, n->k[0], prec_of(n), add ? (unit ? unit : unit_of(P, n->k[1])) : NULL);
		put(&P->o, ar[n->op - N_ADD]);
		pl_node(P, n->k[1], prec_of(n) + 1, add ? (unit ? unit : unit_of(P, n->k[0])) : NULL);
		break;
	}
	case N_EQ: case N_NE: case N_LT: case N_LE: case N_GT: case N_GE: pl_cmp(P, n); break;
	case N_AND: case N_OR:
		for (int i = 0; i < n->nk; i++) {
			if (i)
				put(&P->o, n->op == N_AND ? (zh ? "，且" : ", and ") : (zh ? "，或" : ", or "));
			pl_node(P, n->k[i], PR_NOT, NULL);
		}
		break;
	case N_NOT: pl_cond(P, n->k[0], 1); break;
	case N_IN: case N_NOTIN: pl_in(P, n); break;
	default: pl_fn(P, n, unit); break;
	}
	if (paren)
		put(&P->o, zh ? "）" : ")");
}

int rule_to_text(const rule_t *r, int clause, enum rule_lang lang, const struct rule_facts *facts,
                 int year, buf_t *out)
{
	const struct node *n = pick(r, clause);
	if (n == NULL)
		return -1;
	struct plain P = { { out, 0 }, lang != RULE_EN, facts, r, year };
	pl_node(&P, n, 0, r->kind == RULE_BENEFIT && clause == -1 ? (P.zh ? WAN_ZH : WAN_EN) : NULL);
	return P.o.oom ? -1 : 0;
}
