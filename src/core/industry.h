/*
 * industry.h -- the national industry classification GB/T 4754-2017
 * (国民经济行业分类, with 第1号修改单 of 2019), all 1,970 codes.
 *
 * The table is generated (scripts/gen_industries.c) from the reference file
 * docs/reference/gbt4754-2017.csv into src/core/industry_data.c and
 * compiled into the binary: no loading, no database table, the same on
 * every store.  Codes carry the 门类 letter in front of the digits, as the
 * registry writes them: "C" (门类, level 1), "C38" (大类, 2), "C384" (中类,
 * 3), "C3841" (小类, 4).
 */
#ifndef ZONEOPS_INDUSTRY_H
#define ZONEOPS_INDUSTRY_H

#include <stddef.h>

#include "core.h"

typedef struct {
	const char *code;    /* "C3841" */
	int level;           /* 1 门类, 2 大类, 3 中类, 4 小类 */
	const char *name;    /* "锂离子电池制造" */
	const char *parent;  /* "C384"; "" for a 门类 */
} industry_t;

extern const industry_t INDUSTRY_TABLE[];   /* sorted by code */
extern const size_t INDUSTRY_COUNT;

/* The entry of code (exact, upper case as stored), or NULL. */
const industry_t *industry_find(const char *code);
/* How many codes the table has at level (1..4); 0 for another level. */
size_t industry_count(int level);
/* Normalise a code someone typed, in place (the letter upper case,
 * full-width characters folded), and return its entry, or NULL when the
 * classification has no such code. */
const industry_t *industry_lookup(char *code);
/* For a GB/T 4754-2011 code that the 2017 revision dropped by renumbering:
 * the 2017 codes that replace it ("I6511-I6519"); else NULL.  The reference
 * file has no 2011 table: only the renumberings its notes name are known. */
const char *industry_renumbered(const char *code);
/* What every writer of an industry code checks: normalise code in place
 * (industry_lookup) and return 0 when the classification has it; else -1
 * with err set to 422 invalid, field industry, a message naming the code,
 * and the params value (the code), reason (unknown_industry, or renumbered
 * with now: the 2017 codes that replace a 2011 one). */
int industry_check(char *code, err_t *err);
/* industry_check for a code that is not to be written over (a request's
 * field): "" for none (NULL or empty), the table's own code (static) when
 * the classification has it, else NULL with err as industry_check. */
const char *industry_code(const char *code, err_t *err);

#endif
