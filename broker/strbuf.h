/* strbuf — a growable NUL-terminated text buffer, the one the broker's
 * text producers share (Prometheus metrics, Query XML, SigV4 canonical
 * requests). An append that cannot allocate sets oom and makes every later
 * append a no-op, so a producer checks once at the end. Not thread-safe. */
#ifndef STRATUS_STRBUF_H
#define STRATUS_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *data; /* NUL-terminated once anything was appended; malloc'd */
	size_t len, cap;
	bool oom;
};

void strbuf_put(struct strbuf *b, const void *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Free the text and reset b. */
void strbuf_release(struct strbuf *b);

#endif
