/*
 * err.c -- the one error type (see core.h): filling it, its named
 * parameters, and the bounded list an import collects its bad rows in.
 */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Cut s (NUL-terminated, at most n-1 bytes) back to a whole UTF-8 character. */
static void utf8_cut(char *s)
{
	size_t n = strlen(s);
	if (n == 0)
		return;
	size_t i = n;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	if (n - (i - 1) < want)
		s[i - 1] = '\0';
}

int err_set(err_t *e, int status, const char *code, const char *field, const char *fmt, ...)
{
	if (e == NULL)
		return -1;
	e->status = status;
	e->code = code;
	e->field = field;
	e->line = 0;
	e->nparams = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	utf8_cut(e->message);
	return -1;
}

int err_param(err_t *e, const char *name, const char *fmt, ...)
{
	if (e == NULL || e->nparams >= ERR_MAX_PARAMS)
		return -1;
	int i = e->nparams++;
	e->params[i].name = name;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->params[i].value, sizeof e->params[i].value, fmt, ap);
	va_end(ap);
	utf8_cut(e->params[i].value);
	return -1;
}

const char *err_get_param(const err_t *e, const char *name)
{
	for (int i = 0; e && i < e->nparams; i++)
		if (strcmp(e->params[i].name, name) == 0)
			return e->params[i].value;
	return NULL;
}

void err_clear(err_t *e)
{
	memset(e, 0, sizeof *e);
}

void err_list_add(err_list_t *l, const err_t *e)
{
	l->total++;
	if (l->n >= ERR_LIST_KEEP)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		err_t *p = realloc(l->items, cap * sizeof *p);
		if (p == NULL)
			return;   /* counted, not kept */
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n++] = *e;
}

void err_list_free(err_list_t *l)
{
	free(l->items);
	memset(l, 0, sizeof *l);
}
