/*
 * geojson.c -- the outline of a plot: a GeoJSON (RFC 7946) Polygon or
 * MultiPolygon in geographic degrees (WGS 84, EPSG:4326, or the zone's
 * CGCS2000, EPSG:4490 -- both longitude, latitude), checked before it is
 * stored: every position two or three numbers with the longitude in
 * [-180, 180] and the latitude in [-90, 90], every ring closed (first ==
 * last) with at least 4 positions and at most GEOJSON_MAX_RING positions,
 * and no outer ring crossing or touching itself.
 *
 * The self-intersection test compares every pair of the outer ring's
 * segments (O(n^2), after a bounding-box filter) with orientation
 * predicates that are exact on doubles: a fast floating-point estimate
 * with an error bound, and when that cannot decide, the determinant as an
 * exact sum of doubles (Shewchuk's expansions; products exact through
 * fma).  Exact unless a coordinate difference underflows (below about
 * 1e-150 degrees).  Adjacent segments may share only their common
 * endpoint; consecutive repeated positions are skipped.
 */
#include "land/land.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- exact orientation ---- */

struct pt {
	double x, y;
};

static void two_sum(double a, double b, double *s, double *e)
{
	double x = a + b, bv = x - a, av = x - bv;
	*s = x;
	*e = (a - av) + (b - bv);
}

static void two_prod(double a, double b, double *p, double *e)
{
	double x = a * b;
	*p = x;
	*e = fma(a, b, -x);
}

/* Add b to the nonoverlapping expansion e[0..*n) (smallest first). */
static void grow(double *e, int *n, double b)
{
	double q = b;
	int k = 0;
	for (int i = 0; i < *n; i++) {
		double h;
		two_sum(q, e[i], &q, &h);
		if (h != 0.0)
			e[k++] = h;
	}
	if (q != 0.0 || k == 0)
		e[k++] = q;
	*n = k;
}

/* The sign of (a - c) x (b - c) computed exactly. */
static int orient_exact(struct pt a, struct pt b, struct pt c)
{
	double d[4][2];   /* a.x-c.x, b.y-c.y, a.y-c.y, b.x-c.x, each as hi + lo */
	two_sum(a.x, -c.x, &d[0][0], &d[0][1]);
	two_sum(b.y, -c.y, &d[1][0], &d[1][1]);
	two_sum(a.y, -c.y, &d[2][0], &d[2][1]);
	two_sum(b.x, -c.x, &d[3][0], &d[3][1]);
	double e[32];
	int n = 0;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			double p, q;
			two_prod(d[0][i], d[1][j], &p, &q);
			grow(e, &n, p);
			grow(e, &n, q);
			two_prod(d[2][i], d[3][j], &p, &q);
			grow(e, &n, -p);
			grow(e, &n, -q);
		}
	double top = e[n - 1];   /* the largest component gives the sign */
	return top > 0 ? 1 : top < 0 ? -1 : 0;
}

/* 1 left turn (counter-clockwise), -1 right turn, 0 collinear. */
static int orient(struct pt a, struct pt b, struct pt c)
{
	double l = (a.x - c.x) * (b.y - c.y), r = (a.y - c.y) * (b.x - c.x);
	double det = l - r, sum = fabs(l) + fabs(r);
	double bound = (3.0 + 16.0 * 1.1102230246251565e-16) * 1.1102230246251565e-16 * sum;
	if (det > bound)
		return 1;
	if (-det > bound)
		return -1;
	return orient_exact(a, b, c);
}

static int pt_eq(struct pt a, struct pt b)
{
	return a.x == b.x && a.y == b.y;
}

/* p collinear with segment a-b: is it on the segment? (exact comparisons) */
static int on_segment(struct pt a, struct pt b, struct pt p)
{
	return fmin(a.x, b.x) <= p.x && p.x <= fmax(a.x, b.x) && fmin(a.y, b.y) <= p.y && p.y <= fmax(a.y, b.y);
}

/* Do the closed segments a-b and c-d have a point in common? */
static int seg_intersect(struct pt a, struct pt b, struct pt c, struct pt d)
{
	if (fmax(a.x, b.x) < fmin(c.x, d.x) || fmax(c.x, d.x) < fmin(a.x, b.x) || fmax(a.y, b.y) < fmin(c.y, d.y) ||
	    fmax(c.y, d.y) < fmin(a.y, b.y))
		return 0;
	int o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
	if (o1 * o2 < 0 && o3 * o4 < 0)
		return 1;
	return (o1 == 0 && on_segment(a, b, c)) || (o2 == 0 && on_segment(a, b, d)) || (o3 == 0 && on_segment(c, d, a)) ||
	       (o4 == 0 && on_segment(c, d, b));
}

/* Segments p-s and s-q (s shared, p != s != q): do they overlap beyond s?
 * Only when collinear and p, q lie on the same side of s. */
static int adjacent_overlap(struct pt p, struct pt s, struct pt q)
{
	if (orient(p, s, q) != 0)
		return 0;
	if (p.x != s.x)
		return (p.x > s.x) == (q.x > s.x);
	return (p.y > s.y) == (q.y > s.y);
}

/* ---- structure ---- */

static int bad(err_t *err, const char *reason, int poly, int ring, int pos, const char *fmt, const char *what)
{
	err_set(err, 422, "invalid_geometry", "geometry", fmt, what);
	err_param(err, "reason", "%s", reason);
	if (poly >= 0)
		err_param(err, "polygon", "%d", poly);
	if (ring >= 0)
		err_param(err, "ring", "%d", ring);
	if (pos >= 0)
		err_param(err, "position", "%d", pos);
	return -1;
}

/* Where, for messages: "ring 0 of polygon 2" (poly -1: a Polygon's). */
static const char *where(char *buf, size_t n, int poly, int ring)
{
	if (poly >= 0)
		snprintf(buf, n, "ring %d of polygon %d", ring, poly);
	else
		snprintf(buf, n, "ring %d", ring);
	return buf;
}

/* Read position j of ring into *p.  0, or -1 (not 2-3 numbers in range). */
static int position(const json_t *ring, size_t j, struct pt *p)
{
	const json_t *v = json_array_get(ring, j);
	size_t k = json_array_size(v);
	if (!json_is_array(v) || k < 2 || k > 3)
		return -1;
	for (size_t i = 0; i < k; i++)
		if (!json_is_number(json_array_get(v, i)))
			return -1;
	p->x = json_number_value(json_array_get(v, 0));
	p->y = json_number_value(json_array_get(v, 1));
	return isfinite(p->x) && isfinite(p->y) && p->x >= -180.0 && p->x <= 180.0 && p->y >= -90.0 && p->y <= 90.0 ? 0 : -1;
}

/* The outer ring crosses or touches itself?  pts: the ring without
 * consecutive repeats (closed: pts[n-1] == pts[0]), idx their positions in
 * the file.  Returns the position of the first offending segment, or -1. */
static int ring_crosses(const struct pt *pts, const int *idx, int n)
{
	int m = n - 1;   /* segments i: pts[i]-pts[i+1] */
	for (int i = 0; i < m; i++)
		for (int j = i + 1; j < m; j++) {
			int adj_next = j == i + 1, adj_wrap = i == 0 && j == m - 1;
			int hit;
			if (adj_next && adj_wrap)   /* a ring of 2 segments: degenerate */
				hit = 1;
			else if (adj_next)
				hit = adjacent_overlap(pts[i], pts[j], pts[j + 1]);
			else if (adj_wrap)
				hit = adjacent_overlap(pts[1], pts[0], pts[m - 1]);
			else
				hit = seg_intersect(pts[i], pts[i + 1], pts[j], pts[j + 1]);
			if (hit)
				return idx[j];
		}
	return -1;
}

/* One ring of polygon poly (-1: the geometry is a Polygon). */
static int check_ring(const json_t *ring, int poly, int r, int outer, err_t *err)
{
	char w[64];
	size_t n = json_array_size(ring);
	if (!json_is_array(ring))
		return bad(err, "bad_structure", poly, r, -1, "%s is not an array of positions", where(w, sizeof w, poly, r));
	if (n > GEOJSON_MAX_RING)
		return bad(err, "too_many_positions", poly, r, -1, "%s has more than " GEOJSON_MAX_RING_TEXT " positions",
		           where(w, sizeof w, poly, r));
	if (n < 4)
		return bad(err, "too_few_positions", poly, r, -1, "%s has fewer than 4 positions", where(w, sizeof w, poly, r));
	struct pt *pts = malloc(n * sizeof *pts);
	int *idx = malloc(n * sizeof *idx);
	if (pts == NULL || idx == NULL) {
		free(pts);
		free(idx);
		return err_set(err, 500, "too_large", "geometry", "out of memory");
	}
	int k = 0, rc = 0;
	for (size_t j = 0; j < n && rc == 0; j++) {
		struct pt p;
		if (position(ring, j, &p) < 0) {
			rc = bad(err, "bad_coordinates", poly, r, (int)j,
			         "%s: a position is not [longitude, latitude] in degrees (-180..180, -90..90)",
			         where(w, sizeof w, poly, r));
			break;
		}
		if (k == 0 || !pt_eq(p, pts[k - 1])) {
			pts[k] = p;
			idx[k++] = (int)j;
		}
	}
	if (rc == 0 && !pt_eq(pts[0], pts[k - 1]))
		rc = bad(err, "ring_open", poly, r, (int)n - 1, "%s is open: its last position is not its first",
		         where(w, sizeof w, poly, r));
	else if (rc == 0 && k < 4)
		rc = bad(err, "too_few_positions", poly, r, -1, "%s has fewer than 4 distinct consecutive positions",
		         where(w, sizeof w, poly, r));
	int at;
	if (rc == 0 && outer && (at = ring_crosses(pts, idx, k)) >= 0)
		rc = bad(err, "self_intersection", poly, r, at, "%s crosses or touches itself", where(w, sizeof w, poly, r));
	free(pts);
	free(idx);
	return rc;
}

static int check_polygon(const json_t *rings, int poly, size_t *total, err_t *err)
{
	if (!json_is_array(rings) || json_array_size(rings) == 0)
		return bad(err, "bad_structure", poly, -1, -1, "%s", poly >= 0 ? "a polygon is not an array of rings"
		                                                                 : "the coordinates are not an array of rings");
	size_t i;
	const json_t *ring;
	json_array_foreach(rings, i, ring) {
		*total += json_array_size(ring);
		if (*total > GEOJSON_MAX_TOTAL)
			return bad(err, "too_many_positions", poly, (int)i, -1,
			           "the geometry has more than %s positions in all", GEOJSON_MAX_TOTAL_TEXT);
		if (check_ring(ring, poly, (int)i, i == 0, err) < 0)
			return -1;
	}
	return 0;
}

int geojson_check(const json_t *geom, err_t *err)
{
	const char *type = json_string_value(json_object_get(geom, "type"));
	const json_t *c = json_object_get(geom, "coordinates");
	if (!json_is_object(geom) || type == NULL || (strcmp(type, "Polygon") != 0 && strcmp(type, "MultiPolygon") != 0))
		return bad(err, "not_polygon", -1, -1, -1, "%s", "the geometry is not a GeoJSON Polygon or MultiPolygon");
	size_t total = 0;
	if (strcmp(type, "Polygon") == 0)
		return check_polygon(c, -1, &total, err);
	if (!json_is_array(c) || json_array_size(c) == 0)
		return bad(err, "bad_structure", -1, -1, -1, "%s", "the coordinates are not an array of polygons");
	size_t i;
	const json_t *p;
	json_array_foreach(c, i, p)
		if (check_polygon(p, (int)i, &total, err) < 0)
			return -1;
	return 0;
}

char *geojson_store_text(const json_t *geom)
{
	json_t *o = json_pack("{s:O s:O}", "type", json_object_get(geom, "type"), "coordinates",
	                      json_object_get(geom, "coordinates"));
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

const char *geojson_crs(const char *s)
{
	static const char *const w84[] = { "EPSG:4326", "4326", "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:OGC:1.3:CRS84",
	                                   "CRS84", "WGS84", "WGS 84", NULL };
	static const char *const cgcs[] = { "EPSG:4490", "4490", "urn:ogc:def:crs:EPSG::4490", "CGCS2000", "CGCS 2000", NULL };
	if (s == NULL)
		return NULL;
	for (int i = 0; w84[i]; i++)
		if (strcasecmp(s, w84[i]) == 0)
			return "EPSG:4326";
	for (int i = 0; cgcs[i]; i++)
		if (strcasecmp(s, cgcs[i]) == 0)
			return "EPSG:4490";
	return NULL;
}
