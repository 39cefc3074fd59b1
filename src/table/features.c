/*
 * features.c -- a GeoJSON FeatureCollection (RFC 7946) read as a table:
 * jansson over the whole file (at most TABLE_GEOJSON_MAX bytes, duplicate
 * keys refused), then one header row -- "geometry", "crs" when the
 * collection or a feature names one, and every property name in the order
 * first seen -- and one row per feature, its line the feature's index + 1
 * (the header is line 0).  Cells: the geometry as compact JSON (absent
 * when null), a string property as it is, a number as its shortest text
 * (15 significant digits), true/false, an array or object as compact JSON,
 * null absent; crs the feature's "crs" property, else the collection's
 * (the name of its old-style "crs" member).  Anything but a
 * FeatureCollection of Feature objects, or a feature beyond the readers'
 * limits (TABLE_MAX_CELL_BYTES a cell: an outline of some 40,000
 * positions), is a file error naming the feature.
 */
#include "table_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fc {
	json_t *root;               /* the collection */
	const char *crs;            /* its crs name, or NULL */
	const char **cols;          /* the header */
	int ncols, has_crs;
};

/* Add name to the header unless it is there; -1 when too wide. */
static int add_col(struct fc *f, const char *name)
{
	for (int i = 0; i < f->ncols; i++)
		if (strcmp(f->cols[i], name) == 0)
			return 0;
	if (f->ncols >= TABLE_CSV_MAX_FIELDS)
		return -1;
	f->cols[f->ncols++] = name;
	return 0;
}

static int bad_feature(err_t *err, size_t i, const char *what)
{
	table_fail(err, (int64_t)i + 1, "bad_feature", "feature %zu (line %zu) %s", i, i + 1, what);
	if (err)
		err_param(err, "feature", "%zu", i);
	return -1;
}

/* The header from every feature; each feature checked to be one. */
static int scan(struct fc *f, err_t *err)
{
	const json_t *features = json_object_get(f->root, "features");
	const char *type = json_string_value(json_object_get(f->root, "type"));
	if (type == NULL || strcmp(type, "FeatureCollection") != 0 || !json_is_array(features))
		return table_fail(err, 0, "bad_format", "the file is JSON but not a GeoJSON FeatureCollection");
	f->crs = json_string_value(json_object_get(json_object_get(json_object_get(f->root, "crs"), "properties"), "name"));
	f->cols = calloc(TABLE_CSV_MAX_FIELDS, sizeof *f->cols);
	if (f->cols == NULL)
		return table_fail(err, 0, "too_large", "out of memory");
	f->cols[f->ncols++] = "geometry";
	f->has_crs = f->crs != NULL;
	size_t i;
	const json_t *ft;
	json_array_foreach(features, i, ft) {
		const char *t = json_string_value(json_object_get(ft, "type"));
		const json_t *props = json_object_get(ft, "properties");
		if (!json_is_object(ft) || t == NULL || strcmp(t, "Feature") != 0)
			return bad_feature(err, i, "is not a GeoJSON Feature");
		if (props != NULL && !json_is_null(props) && !json_is_object(props))
			return bad_feature(err, i, "has properties that are not an object");
		const char *k;
		const json_t *v;
		json_object_foreach((json_t *)props, k, v) {
			if (strcmp(k, "geometry") == 0)
				return bad_feature(err, i, "has a property named geometry");
			if (strcmp(k, "crs") == 0)
				f->has_crs = 1;
			else if (add_col(f, k) < 0)
				return table_fail(err, (int64_t)i + 1, "too_wide", "more than %d different properties",
				                  TABLE_CSV_MAX_FIELDS);
		}
	}
	if (f->has_crs && add_col(f, "crs") < 0)
		return table_fail(err, 0, "too_wide", "more than %d different properties", TABLE_CSV_MAX_FIELDS);
	return 0;
}

int features_open(table_t *t, err_t *err)
{
	if (t->size > TABLE_GEOJSON_MAX)
		return table_fail(err, 0, "too_large", "a GeoJSON file is at most %u MiB", TABLE_GEOJSON_MAX >> 20);
	char *data = malloc(t->size ? t->size : 1);
	if (data == NULL)
		return table_fail(err, 0, "too_large", "out of memory");
	uint64_t got = 0;
	long n = 1;
	while (got < t->size && (n = table_src_read(&t->src, got, data + got, t->size - got)) > 0)
		got += (uint64_t)n;
	if (n < 0) {
		free(data);
		return table_fail(err, 0, "bad_file", "the file cannot be read");
	}
	json_error_t je;
	struct fc *f = calloc(1, sizeof *f);
	t->fc = f;
	if (f)
		f->root = json_loadb(data, got, JSON_REJECT_DUPLICATES, &je);
	free(data);
	if (f == NULL)
		return table_fail(err, 0, "too_large", "out of memory");
	if (f->root == NULL)
		return table_fail(err, je.line, "bad_json", "the file is not valid JSON: %s (line %d)", je.text, je.line);
	return scan(f, err);
}

void features_free(table_t *t)
{
	if (t->fc == NULL)
		return;
	json_decref(t->fc->root);
	free(t->fc->cols);
	free(t->fc);
	t->fc = NULL;
}

/* One property as a cell (malloc'd), NULL for null or absent. */
static char *cell(const json_t *v)
{
	char num[40];
	if (v == NULL)
		return NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(num);
	case JSON_REAL:
		snprintf(num, sizeof num, "%.15g", json_real_value(v));
		return strdup(num);
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_OBJECT:
	case JSON_ARRAY:
		return json_dumps(v, JSON_COMPACT);
	default:
		return NULL;
	}
}

int features_rows(table_t *t, table_row_fn fn, void *ud, err_t *err)
{
	struct fc *f = t->fc;
	int rc = fn(ud, 0, f->ncols, f->cols);
	char **cells = calloc((size_t)f->ncols, sizeof *cells);
	if (cells == NULL)
		return table_fail(err, 0, "too_large", "out of memory");
	size_t i;
	const json_t *ft;
	json_array_foreach(json_object_get(f->root, "features"), i, ft) {
		if (rc != 0)
			break;
		const json_t *props = json_object_get(ft, "properties");
		for (int c = 0; c < f->ncols; c++) {
			const char *name = f->cols[c];
			if (c == 0)
				cells[c] = cell(json_object_get(ft, "geometry"));
			else if (strcmp(name, "crs") == 0 && f->has_crs)
				cells[c] = json_is_string(json_object_get(props, "crs")) ? cell(json_object_get(props, "crs"))
				           : f->crs ? strdup(f->crs) : NULL;
			else
				cells[c] = cell(json_object_get(props, name));
		}
		size_t row = 0, big = 0;
		for (int c = 0; c < f->ncols; c++) {
			size_t n = cells[c] ? strlen(cells[c]) : 0;
			row += n;
			big |= n > TABLE_MAX_CELL_BYTES;
		}
		if (big || row > TABLE_MAX_ROW_BYTES) {
			rc = table_fail(err, (int64_t)i + 1, "too_large", "feature %zu (line %zu) is larger than %u MiB", i, i + 1,
			                (big ? TABLE_MAX_CELL_BYTES : TABLE_MAX_ROW_BYTES) >> 20);
			err_param(err, "feature", "%zu", i);
		} else
			rc = fn(ud, (int64_t)i + 1, f->ncols, (const char *const *)cells);
		for (int c = 0; c < f->ncols; c++) {
			free(cells[c]);
			cells[c] = NULL;
		}
	}
	free(cells);
	return rc;
}
