/* file.c -- reading a whole file (the CLI's imports). */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

char *file_read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL)
		return NULL;
	buf_t b;
	buf_init(&b);
	char chunk[65536];
	size_t n;
	int bad = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (buf_append(&b, chunk, n) < 0) {
			bad = 1;
			break;
		}
	if (ferror(f))
		bad = 1;
	if (f != stdin)
		fclose(f);
	if (bad) {
		buf_free(&b);
		errno = errno ? errno : ENOMEM;
		return NULL;
	}
	*len = b.len;
	return buf_steal(&b);
}
