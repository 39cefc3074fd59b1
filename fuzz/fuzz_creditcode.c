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
	const char *reason, *detail;
	if (credit_code_normalise(s, out, sizeof out, &reason, &detail) == 0) {
		if (!credit_code_check(out) || strlen(out) != 18)
			abort();
		if (credit_code_normalise(out, again, sizeof again, &reason, &detail) != 0 || strcmp(out, again) != 0)
			abort();
	} else if (reason == NULL || detail == NULL || *reason == '\0') {
		abort();
	}
	credit_code_check(s);
	free(s);
	return 0;
}
