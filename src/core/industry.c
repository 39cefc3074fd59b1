/*
 * industry.c -- look-ups in the GB/T 4754-2017 table (industry.h).
 */
#include "industry.h"

#include <stdlib.h>
#include <string.h>

static int cmp_code(const void *key, const void *elem)
{
	return strcmp(key, ((const industry_t *)elem)->code);
}

const industry_t *industry_find(const char *code)
{
	if (!code || !*code)
		return NULL;
	return bsearch(code, INDUSTRY_TABLE, INDUSTRY_COUNT, sizeof INDUSTRY_TABLE[0], cmp_code);
}

size_t industry_count(int level)
{
	size_t n = 0;
	for (size_t i = 0; i < INDUSTRY_COUNT; i++)
		n += INDUSTRY_TABLE[i].level == level;
	return n;
}

const industry_t *industry_lookup(char *code)
{
	if (!code)
		return NULL;
	text_fold_fullwidth(code);
	if (code[0] >= 'a' && code[0] <= 'z')
		code[0] = (char)(code[0] - 'a' + 'A');
	return industry_find(code);
}

/* 2011 codes that 2017 renumbered (docs/reference/gbt4754-2017.md). */
static const struct {
	const char *code2011, *now;
} RENUMBERED[] = {
	{ "I6510", "I6511-I6519" },   /* 2011 软件开发, divided in 2017 */
};

const char *industry_renumbered(const char *code)
{
	for (size_t i = 0; code && i < sizeof RENUMBERED / sizeof RENUMBERED[0]; i++)
		if (!strcmp(code, RENUMBERED[i].code2011))
			return RENUMBERED[i].now;
	return NULL;
}

int industry_check(char *code, err_t *err)
{
	if (industry_lookup(code))
		return 0;
	const char *now = industry_renumbered(code);
	if (now)
		return err_set(err, 422, "invalid", "industry", "industry %.16s is a GB/T 4754-2011 code that the 2017"
		               " revision renumbered: now %s", code, now),
		       err_param(err, "reason", "renumbered"), err_param(err, "value", "%s", code),
		       err_param(err, "now", "%s", now);
	return err_set(err, 422, "invalid", "industry", "GB/T 4754-2017 has no industry code %.16s (codes look like"
	               " C, C38, C384 or C3841)", code),
	       err_param(err, "reason", "unknown_industry"), err_param(err, "value", "%s", code);
}

const char *industry_code(const char *code, err_t *err)
{
	if (code == NULL || *code == '\0')
		return "";
	char *c = strdup(code);
	if (c == NULL)
		return err_set(err, 500, "internal", NULL, "out of memory"), NULL;
	const char *out = industry_check(c, err) == 0 ? industry_find(c)->code : NULL;
	free(c);
	return out;
}
