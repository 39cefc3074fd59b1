/*
 * fuzz_ics.c -- libFuzzer target for the iCalendar holiday-feed reader
 * (src/admin/ics.c): any bytes in, never a crash; an accepted file gives
 * distinct days of the year asked for, each with a note that is valid
 * text of at most ICS_NOTE_CHARS characters; a refused one is 422
 * invalid_ics naming a line (or the empty file).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ics_days d;
	err_t e;
	err_clear(&e);
	int year = 2027;
	if (ics_days((const char *)data, size, year, &d, &e) == 0) {
		if (d.n < 0 || d.n > ICS_MAX_DAYS)
			abort();
		for (int i = 0; i < d.n; i++) {
			int y;
			date_to_civil(d.d[i].day, &y, NULL, NULL);
			if (y != year || (d.d[i].workday != 0 && d.d[i].workday != 1) || d.d[i].line < 1)
				abort();
			if (!text_ok(d.d[i].note, ICS_NOTE_CHARS, 0) && d.d[i].note[0] != '\0')
				abort();
			for (int j = 0; j < i; j++)
				if (d.d[j].day == d.d[i].day)
					abort();
		}
	} else if (e.status != 422 || strcmp(e.code, "invalid_ics") != 0 || e.message[0] == '\0' ||
	           (e.line < 1 && size > 0 && size <= ICS_MAX_BYTES && strstr(e.message, "empty") == NULL)) {
		abort();
	}
	return 0;
}
