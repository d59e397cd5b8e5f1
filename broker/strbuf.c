/* strbuf — see strbuf.h. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct strbuf *b, size_t more)
{
	size_t cap;
	char *d;

	if (b->oom) {
		return false;
	}
	if (b->len + more + 1 <= b->cap) {
		return true;
	}
	cap = b->cap > 0 ? b->cap : 256;
	while (cap < b->len + more + 1) {
		cap *= 2;
	}
	if ((d = realloc(b->data, cap)) == NULL) {
		b->oom = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

void strbuf_put(struct strbuf *b, const void *s, size_t n)
{
	if (!reserve(b, n)) {
		return;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_put(b, s, strlen(s));
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n)) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void strbuf_release(struct strbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}
