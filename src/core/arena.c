/*
 * arena.c -- per-request bump allocator.  Blocks are chained; a request's
 * whole arena is freed once, in the request-completed callback.
 */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct block {
	struct block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

struct arena {
	struct block *head;
};

#define BLOCK_MIN 8192

arena_t *arena_new(void)
{
	arena_t *a = calloc(1, sizeof *a);
	if (a == NULL)
		abort();
	return a;
}

void arena_free(arena_t *a)
{
	if (a == NULL)
		return;
	struct block *b = a->head;
	while (b) {
		struct block *n = b->next;
		free(b);
		b = n;
	}
	free(a);
}

void *arena_alloc(arena_t *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	struct block *b = a->head;
	if (b == NULL || b->size - b->used < n) {
		size_t sz = n > BLOCK_MIN ? n : BLOCK_MIN;
		struct block *nb = malloc(sizeof *nb + sz);
		if (nb == NULL)
			abort();
		nb->size = sz;
		nb->used = 0;
		if (b && n > BLOCK_MIN / 2 && b->size - b->used >= BLOCK_MIN / 4) {
			/* big one-off: keep the current block in front for small allocs */
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			a->head = nb;
		}
		b = nb;
	}
	void *p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
	if (s == NULL)
		return NULL;
	char *d = arena_alloc(a, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *arena_strdup(arena_t *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(arena_t *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		return arena_strdup(a, "");
	}
	char *s = arena_alloc(a, (size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return s;
}
