/* creditcode.c -- placeholder until implemented: handlers answer 501. */
#include "service.h"

#include <string.h>

int credit_code_normalise(const char *in, char *out, size_t outlen, const char **reason, const char **detail)
{
	(void)in;
	(void)out;
	(void)outlen;
	(void)reason;
	(void)detail;
	return -1;
}

