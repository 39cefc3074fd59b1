/*
 * fuzz_date.c -- libFuzzer target for core's date and time parsers: every
 * parser on any text; what one accepts must format and parse back to the
 * same value.
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
	int64_t d, t;
	int y, m;
	char out[DATE_LEN], mo[MONTH_LEN], dt[DATETIME_LEN];
	if (date_parse(s, &d) == DATE_OK) {
		date_format(d, out);
		if (strcmp(out, s) != 0)
			abort();
	}
	if (date_parse_loose(s, &d) == DATE_OK) {
		date_format(d, out);
		int64_t back;
		if (date_parse(out, &back) != DATE_OK || back != d)
			abort();
	}
	if (month_parse(s, &y, &m) == DATE_OK) {
		month_format(y, m, mo);
		if (strcmp(mo, s) != 0)
			abort();
	}
	month_parse_loose(s, &y, &m);
	if (datetime_parse(s, &t) == 0) {
		datetime_format(t, dt);
		int64_t back;
		if (datetime_parse(dt, &back) != 0 || back != t)
			abort();
	}
	clock_parse(s, &t);
	if (size >= sizeof(double)) {
		double v;
		memcpy(&v, data, sizeof v);
		if (date_from_serial(v, data[0] & 1, &d) == DATE_OK) {
			int yy;
			date_to_civil(d, &yy, NULL, NULL);
			if (yy < DATE_YEAR_MIN || yy > DATE_YEAR_MAX)
				abort();
		}
	}
	free(s);
	return 0;
}
