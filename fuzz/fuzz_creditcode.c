/*
 * fuzz_creditcode.c -- libFuzzer target for the GB 32100 credit-code
 * normaliser: any bytes in, never a crash; what it accepts passes the
 * checker, and normalising an accepted code again gives itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	char out[80], again[80];
	err_t e;
	if (credit_code_normalise(s, out, sizeof out, &e) == 0) {
		if (!credit_code_check(out) || strlen(out) != 18)
			abort();
		if (credit_code_normalise(out, again, sizeof again, &e) != 0 || strcmp(out, again) != 0)
			abort();
	} else if (err_get_param(&e, "reason") == NULL || e.message[0] == '\0' || e.status != 422) {
		abort();
	}
	credit_code_check(s);
	free(s);
	return 0;
}
