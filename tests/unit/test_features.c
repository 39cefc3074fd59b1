/*
 * test_features.c -- a GeoJSON FeatureCollection read as a table
 * (src/table/features.c): the header from the properties in the order
 * first seen, "geometry" first and "crs" last when named, a row per
 * feature at line index + 1, the cells as text, and the file errors
 * naming the feature.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/table.h"

#define MAXROWS 8
struct rows {
	int n;
	int64_t line[MAXROWS];
	int ncells[MAXROWS];
	char cells[MAXROWS][8][160];   /* "(null)" for an absent cell */
};

static int on_row(void *ud, int64_t line, int ncells, const char *const *cells)
{
	struct rows *r = ud;
	if (r->n >= MAXROWS)
		return 1;
	r->line[r->n] = line;
	r->ncells[r->n] = ncells;
	for (int i = 0; i < ncells && i < 8; i++)
		snprintf(r->cells[r->n][i], sizeof r->cells[0][0], "%s", cells[i] ? cells[i] : "(null)");
	r->n++;
	return 0;
}

/* Open text (format NULL: detected) and read it into r; the error of
 * either step in *err.  0 or -1. */
static int read_text(const char *text, const char *format, struct rows *r, err_t *err)
{
	memset(r, 0, sizeof *r);
	struct table_src src = { .fd = -1, .data = text, .len = strlen(text) };
	table_t *t = table_open(&src, format, NULL, err);
	if (t == NULL)
		return -1;
	assert_string_equal(table_format(t), "geojson");
	int rc = table_read(t, on_row, r, err);
	table_close(t);
	return rc;
}

static void test_rows(void **s)
{
	(void)s;
	const char *fc = " \n{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:4490\"}},"
	                 "\"features\":[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},"
	                 "\"properties\":{\"code\":\"A\",\"area_mu\":30.5,\"users\":[{\"x\":1}],\"ok\":true}},"
	                 "{\"type\":\"Feature\",\"geometry\":null,\"properties\":{\"name\":\"二\",\"code\":\"B\",\"area_mu\":7,"
	                 "\"crs\":\"EPSG:4326\",\"n\":null}}]}";
	struct rows r;
	err_t e;
	assert_int_equal(read_text(fc, NULL, &r, &e), 0);
	assert_int_equal(r.n, 3);
	/* header: geometry, the properties as first seen, crs */
	assert_int_equal(r.line[0], 0);
	assert_int_equal(r.ncells[0], 8);
	const char *h[] = { "geometry", "code", "area_mu", "users", "ok", "name", "n", "crs" };
	for (int i = 0; i < 8; i++)
		assert_string_equal(r.cells[0][i], h[i]);
	assert_int_equal(r.line[1], 1);
	assert_string_equal(r.cells[1][0], "{\"type\":\"Point\",\"coordinates\":[1,2]}");
	assert_string_equal(r.cells[1][1], "A");
	assert_string_equal(r.cells[1][2], "30.5");
	assert_string_equal(r.cells[1][3], "[{\"x\":1}]");
	assert_string_equal(r.cells[1][4], "true");
	assert_string_equal(r.cells[1][5], "(null)");
	assert_string_equal(r.cells[1][7], "EPSG:4490");   /* the collection's */
	assert_int_equal(r.line[2], 2);
	assert_string_equal(r.cells[2][0], "(null)");
	assert_string_equal(r.cells[2][2], "7");
	assert_string_equal(r.cells[2][5], "二");
	assert_string_equal(r.cells[2][6], "(null)");
	assert_string_equal(r.cells[2][7], "EPSG:4326");   /* its own */
}

static void expect_file_error(const char *text, const char *format, const char *code, int64_t line, const char *feature)
{
	struct rows r;
	err_t e;
	err_clear(&e);
	assert_int_equal(read_text(text, format, &r, &e), -1);
	if (strcmp(e.code, code) != 0 || e.line != line || e.status != 422 || strcmp(e.field, "file") != 0)
		fail_msg("%s: expected %s at line %lld, got %s at %lld (%s)", text, code, (long long)line, e.code,
		         (long long)e.line, e.message);
	const char *f = err_get_param(&e, "feature");
	if (feature && (f == NULL || strcmp(f, feature) != 0))
		fail_msg("%s: feature %s expected, got %s", text, feature, f ? f : "none");
}

static void test_errors(void **s)
{
	(void)s;
	expect_file_error("{\"type\":\"Feature\",\"properties\":{}}", NULL, "bad_format", 0, NULL);
	expect_file_error("{\"type\":\"FeatureCollection\"}", NULL, "bad_format", 0, NULL);
	expect_file_error("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\"},7]}", NULL, "bad_feature", 2, "1");
	expect_file_error("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":[1]}]}", NULL,
	                  "bad_feature", 1, "0");
	expect_file_error("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"geometry\":1}}]}",
	                  NULL, "bad_feature", 1, "0");
	expect_file_error("{\"type\":\"FeatureCollection\",\n\"features\":[", NULL, "bad_json", 2, NULL);
	expect_file_error("{\"a\":1,\"a\":2}", NULL, "bad_json", 1, NULL);
	expect_file_error("code,area\nA,1\n", "geojson", "bad_json", 1, NULL);
	/* a feature beyond the cell limit */
	size_t n = TABLE_MAX_CELL_BYTES + 100;
	char *big = malloc(n + 200);
	strcpy(big, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{}},"
	            "{\"type\":\"Feature\",\"properties\":{\"note\":\"");
	size_t k = strlen(big);
	memset(big + k, 'x', n);
	strcpy(big + k + n, "\"}}]}");
	expect_file_error(big, NULL, "too_large", 2, "1");
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
