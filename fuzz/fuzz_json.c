/*
 * fuzz_json.c -- libFuzzer target for a request's JSON body check
 * (http/router.c body_json: jansson with duplicate keys refused, depth 8,
 * integers within +-2^53).  A refusal is a 400 with a code; what is
 * accepted dumps and is accepted again as an equal value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/core.h"
#include "http/server_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	err_t err;
	json_t *j = body_json((const char *)data, size, &err);
	if (j == NULL) {
		if (err.status != 400 || err.code == NULL || err.code[0] == '\0')
			abort();
		return 0;
	}
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s == NULL)
		abort();
	err_t err2;
	json_t *k = body_json(s, strlen(s), &err2);
	if (k == NULL || !json_equal(j, k))
		abort();
	json_decref(k);
	free(s);
	json_decref(j);
	return 0;
}
