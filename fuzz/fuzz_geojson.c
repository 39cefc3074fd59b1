/*
 * fuzz_geojson.c -- libFuzzer target for a plot's outline check
 * (land/geojson.c): any JSON in, never a crash; a refusal is a 422
 * invalid_geometry with a reason; what is accepted is accepted again from
 * the text it is stored as.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "land/land.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *g = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (g == NULL)
		return 0;
	err_t e;
	if (geojson_check(g, &e) == 0) {
		char *s = geojson_store_text(g);
		json_t *h = s ? json_loads(s, 0, NULL) : NULL;
		err_t e2;
		if (h == NULL || geojson_check(h, &e2) != 0)
			abort();
		json_decref(h);
		free(s);
	} else if (e.status == 422 && (strcmp(e.code, "invalid_geometry") != 0 || err_get_param(&e, "reason") == NULL)) {
		abort();
	}
	json_decref(g);
	return 0;
}
