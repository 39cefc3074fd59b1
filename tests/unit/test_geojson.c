/*
 * test_geojson.c -- a plot's outline: GeoJSON Polygon or MultiPolygon in
 * geographic degrees, closed rings of at least 4 positions, an outer ring
 * that neither crosses nor touches itself; every refusal says why and
 * where (reason, ring, position).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "land/land.h"

static err_t last;

/* Check text; "" when valid, else the reason (also checking the error's
 * code, field and status). */
static const char *check(const char *text)
{
	json_error_t je;
	json_t *g = json_loads(text, 0, &je);
	if (g == NULL)
		fail_msg("bad test JSON %s: %s", text, je.text);
	err_clear(&last);
	int rc = geojson_check(g, &last);
	json_decref(g);
	if (rc == 0)
		return "";
	if (last.status != 422 || strcmp(last.code, "invalid_geometry") != 0 || strcmp(last.field, "geometry") != 0 ||
	    last.message[0] == '\0')
		fail_msg("%s: not a 422 invalid_geometry on geometry", text);
	const char *r = err_get_param(&last, "reason");
	return r ? r : "(no reason)";
}

static void expect(const char *text, const char *reason)
{
	const char *got = check(text);
	if (strcmp(got, reason) != 0)
		fail_msg("%s: expected \"%s\", got \"%s\" (%s)", text, reason, got, last.message);
}

static void expect_at(const char *text, const char *reason, const char *ring, const char *pos)
{
	expect(text, reason);
	const char *r = err_get_param(&last, "ring"), *p = err_get_param(&last, "position");
	if (ring && (r == NULL || strcmp(r, ring) != 0))
		fail_msg("%s: ring %s expected, got %s", text, ring, r ? r : "none");
	if (pos && (p == NULL || strcmp(p, pos) != 0))
		fail_msg("%s: position %s expected, got %s", text, pos, p ? p : "none");
}

#define SQUARE "[[120.95,31.95],[120.96,31.95],[120.96,31.96],[120.95,31.96],[120.95,31.95]]"

static void test_square(void **s)
{
	(void)s;
	expect("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "]}", "");
	/* clockwise, integers, an altitude, a repeated position */
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,1],[1,1],[1,0],[0,0]]]}", "");
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0,5],[1,0,5],[1,1,5],[0,1,5],[0,0,5]]]}", "");
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,0],[1,1],[0,1],[0,0]]]}", "");
	/* a triangle: 4 positions */
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,1],[0,0]]]}", "");
}

static void test_bow_tie(void **s)
{
	(void)s;
	expect_at("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}", "self_intersection", "0",
	          NULL);
	/* a spike back along the previous segment */
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[2,0],[1,0],[1,1],[0,0]]]}", "self_intersection");
	/* all on one line */
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[2,0],[0,0]]]}", "self_intersection");
	/* a crossing only 1e-12 degrees deep: the exact predicate sees it */
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[2,0],[2,2],[1,-1e-12],[0,2],[0,0]]]}",
	       "self_intersection");
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[2,0],[2,2],[1,1e-12],[0,2],[0,0]]]}", "");
}

static void test_touching_vertex(void **s)
{
	(void)s;
	/* the outer ring comes back to one of its vertices: touching itself */
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[2,0],[1,1],[2,2],[0,2],[1,1],[0,0]]]}", "self_intersection");
	/* a vertex on another segment */
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,0],[4,4],[2,0],[0,4],[0,0]]]}", "self_intersection");
	/* two polygons of a MultiPolygon touching at a vertex: fine */
	expect("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],"
	       "[[[1,1],[2,1],[2,2],[1,2],[1,1]]]]}", "");
	/* a hole touching its outer ring at a vertex: fine (only outer rings are checked) */
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[0,0],[1,2],[2,1],[0,0]]]}", "");
}

static void test_open_and_short(void **s)
{
	(void)s;
	expect_at("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0.5]]]}", "ring_open", "0", "4");
	expect_at("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}", "too_few_positions", "0", NULL);
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,0],[0,0]]]}", "too_few_positions");
	expect("{\"type\":\"Polygon\",\"coordinates\":[]}", "bad_structure");
	expect("{\"type\":\"Polygon\",\"coordinates\":[[]]}", "too_few_positions");
	expect("{\"type\":\"Polygon\"}", "bad_structure");
	/* the hole is open */
	expect_at("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,1],[2,2],[1,2]]]}",
	          "ring_open", "1", "3");
}

static void test_not_polygon(void **s)
{
	(void)s;
	expect("{\"type\":\"Point\",\"coordinates\":[120.95,31.95]}", "not_polygon");
	expect("{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}", "not_polygon");
	expect("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "]}}", "not_polygon");
	expect("[1,2]", "not_polygon");
	expect("{\"type\":\"polygon\",\"coordinates\":[" SQUARE "]}", "not_polygon");
}

static void test_multipolygon(void **s)
{
	(void)s;
	expect("{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE "],[[[121,32],[121.01,32],[121.01,32.01],[121,32]]]]}",
	       "");
	/* the second polygon's outer ring crosses itself */
	expect("{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE "],[[[0,0],[1,1],[1,0],[0,1],[0,0]]]]}",
	       "self_intersection");
	if (strcmp(err_get_param(&last, "polygon"), "1") != 0)
		fail_msg("polygon 1 expected");
	expect("{\"type\":\"MultiPolygon\",\"coordinates\":[]}", "bad_structure");
}

static void test_hole(void **s)
{
	(void)s;
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[1,2],[2,2],[2,1],[1,1]]]}", "");
}

static void test_coordinates(void **s)
{
	(void)s;
	expect_at("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[181,0],[1,1],[0,0]]]}", "bad_coordinates", "0", "1");
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,-90.5],[1,1],[0,0]]]}", "bad_coordinates");
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[\"1\",0],[1,1],[0,0]]]}", "bad_coordinates");
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1],[1,1],[0,0]]]}", "bad_coordinates");
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0,0,0],[1,1],[0,0]]]}", "bad_coordinates");
	expect("{\"type\":\"Polygon\",\"coordinates\":[[[-180,-90],[180,-90],[180,90],[-180,-90]]]}", "");
}

static void test_too_many(void **s)
{
	(void)s;
	/* a circle of GEOJSON_MAX_RING positions passes (and quickly), one more does not */
	for (int n = GEOJSON_MAX_RING; n <= GEOJSON_MAX_RING + 1; n++) {
		json_t *ring = json_array();
		for (int i = 0; i < n - 1; i++) {
			double a = 2 * 3.14159265358979 * i / (n - 1);
			json_array_append_new(ring, json_pack("[f,f]", 121 + 0.01 * __builtin_cos(a), 32 + 0.01 * __builtin_sin(a)));
		}
		json_array_append(ring, json_array_get(ring, 0));
		json_t *g = json_pack("{s:s s:[o]}", "type", "Polygon", "coordinates", ring);
		err_clear(&last);
		int rc = geojson_check(g, &last);
		json_decref(g);
		if (n == GEOJSON_MAX_RING && rc != 0)
			fail_msg("%d positions refused: %s", n, last.message);
		if (n > GEOJSON_MAX_RING && (rc == 0 || strcmp(err_get_param(&last, "reason"), "too_many_positions") != 0))
			fail_msg("%d positions not refused as too_many_positions", n);
	}
}

static void test_crs(void **s)
{
	(void)s;
	assert_string_equal(geojson_crs("EPSG:4326"), "EPSG:4326");
	assert_string_equal(geojson_crs("urn:ogc:def:crs:OGC:1.3:CRS84"), "EPSG:4326");
	assert_string_equal(geojson_crs("cgcs2000"), "EPSG:4490");
	assert_string_equal(geojson_crs("urn:ogc:def:crs:EPSG::4490"), "EPSG:4490");
	assert_null(geojson_crs("EPSG:3857"));
	json_t *g = json_loads("{\"type\":\"Polygon\",\"bbox\":[0,0,1,1],\"coordinates\":[[[0,0],[1,0],[0,1],[0,0]]]}", 0, NULL);
	char *t = geojson_store_text(g);
	assert_string_equal(t, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,1],[0,0]]]}");
	free(t);
	json_decref(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_square),        cmocka_unit_test(test_bow_tie),
		cmocka_unit_test(test_touching_vertex), cmocka_unit_test(test_open_and_short),
		cmocka_unit_test(test_not_polygon),   cmocka_unit_test(test_multipolygon),
		cmocka_unit_test(test_hole),          cmocka_unit_test(test_coordinates),
		cmocka_unit_test(test_too_many),      cmocka_unit_test(test_crs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
