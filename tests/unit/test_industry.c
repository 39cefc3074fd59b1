/*
 * test_industry.c -- the GB/T 4754-2017 table compiled into the binary
 * agrees with the reference file docs/reference/gbt4754-2017.csv (read
 * here with libcsv, independently of the generator): the same count at
 * each level (the standard's totals 20 / 97 / 473 / 1,380), every code with
 * its name, level and parent; and look-ups of what people type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/industry.h"

#ifndef REFERENCE
#define REFERENCE "docs/reference/gbt4754-2017.csv"
#endif

typedef struct {
	char f[4][256];
	int nf;
	long rows;             /* data rows read */
	size_t per_level[5];
	int mismatches;
} ref_t;

static void on_field(void *s, size_t len, void *ud)
{
	ref_t *r = ud;
	if (r->nf < 4) {
		size_t n = len < 255 ? len : 255;
		memcpy(r->f[r->nf], s, n);
		r->f[r->nf][n] = 0;
	}
	r->nf++;
}

static void on_record(int c, void *ud)
{
	(void)c;
	ref_t *r = ud;
	if (r->nf == 4 && strcmp(r->f[0], "code") != 0) {
		int level = atoi(r->f[1]);
		if (level >= 1 && level <= 4)
			r->per_level[level]++;
		r->rows++;
		const industry_t *e = industry_find(r->f[0]);
		if (!e || e->level != level || strcmp(e->name, r->f[2]) || strcmp(e->parent, r->f[3])) {
			if (r->mismatches++ < 5)
				print_message("not in the table as in the file: %s %s\n", r->f[0], r->f[2]);
		}
	}
	r->nf = 0;
}

static void read_reference(ref_t *r)
{
	memset(r, 0, sizeof *r);
	FILE *f = fopen(REFERENCE, "rb");
	assert_non_null(f);
	struct csv_parser p;
	assert_int_equal(csv_init(&p, CSV_STRICT | CSV_APPEND_NULL), 0);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		assert_int_equal(csv_parse(&p, buf, n, on_field, on_record, r), n);
	csv_fini(&p, on_field, on_record, r);
	csv_free(&p);
	fclose(f);
}

static void table_matches_reference(void **state)
{
	(void)state;
	ref_t r;
	read_reference(&r);
	/* the standard's own totals, as the reference's notes state them */
	assert_int_equal(r.per_level[1], 20);
	assert_int_equal(r.per_level[2], 97);
	assert_int_equal(r.per_level[3], 473);
	assert_int_equal(r.per_level[4], 1380);
	for (int l = 1; l <= 4; l++)
		assert_int_equal(industry_count(l), r.per_level[l]);
	assert_int_equal(INDUSTRY_COUNT, (size_t)r.rows);
	assert_int_equal(r.mismatches, 0);
}

static void every_parent_is_one_level_up(void **state)
{
	(void)state;
	for (size_t i = 0; i < INDUSTRY_COUNT; i++) {
		const industry_t *e = &INDUSTRY_TABLE[i];
		if (e->level == 1) {
			assert_string_equal(e->parent, "");
			continue;
		}
		const industry_t *p = industry_find(e->parent);
		assert_non_null(p);
		assert_int_equal(p->level, e->level - 1);
		assert_int_equal(strncmp(e->code, p->code, strlen(p->code)), 0);
	}
}

static void lookups(void **state)
{
	(void)state;
	char a[16] = "c3841";
	const industry_t *e = industry_lookup(a);
	assert_non_null(e);
	assert_string_equal(e->name, "锂离子电池制造");
	assert_string_equal(a, "C3841");
	char b[16] = "Ｉ６５";   /* full-width, as typed in a Chinese input method */
	e = industry_lookup(b);
	assert_non_null(e);
	assert_string_equal(e->code, "I65");
	assert_string_equal(e->name, "软件和信息技术服务业");
	char c[16] = "C9999", d[16] = "", x[16] = "C3";
	assert_null(industry_lookup(c));
	assert_null(industry_lookup(d));
	assert_null(industry_lookup(x));
	assert_null(industry_lookup(NULL));
	/* a 2011 code the 2017 revision divided */
	char s[16] = "I6510";
	assert_null(industry_lookup(s));
	assert_string_equal(industry_renumbered("I6510"), "I6511-I6519");
	assert_null(industry_renumbered("C3841"));
}

/* industry_code: the table's own code for a code typed loosely, "" for none,
 * NULL with the error of industry_check for an unknown or renumbered one. */
static void codes_of_records(void **state)
{
	(void)state;
	err_t e;
	const char *c = industry_code("ｃ３８４１", &e);
	assert_non_null(c);
	assert_string_equal(c, "C3841");
	assert_ptr_equal(c, industry_find("C3841")->code);
	assert_string_equal(industry_code("", &e), "");
	assert_string_equal(industry_code(NULL, &e), "");
	assert_null(industry_code("新能源", &e));
	assert_int_equal(e.status, 422);
	assert_string_equal(e.field, "industry");
	assert_string_equal(err_get_param(&e, "reason"), "unknown_industry");
	assert_string_equal(err_get_param(&e, "value"), "新能源");
	assert_null(industry_code("I6510", &e));
	assert_string_equal(err_get_param(&e, "reason"), "renumbered");
	assert_string_equal(err_get_param(&e, "now"), "I6511-I6519");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_matches_reference),
		cmocka_unit_test(every_parent_is_one_level_up),
		cmocka_unit_test(lookups),
		cmocka_unit_test(codes_of_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
