/* defer — frees that wait while a snapshot is being serialized.
 *
 * A snapshot is captured on the loop thread as arrays of pointers into the
 * live state (keys, values, stored responses) and serialized on a worker
 * thread while the loop keeps applying entries. That is safe because the
 * state never writes into those buffers — a change allocates a new buffer —
 * and because, while a capture is pinned, buffers the state lets go of are
 * not freed but parked here until the capture is released. */
#ifndef STRATUS_DEFER_H
#define STRATUS_DEFER_H

#include <stddef.h>

struct defer_list {
	void **ptrs;
	size_t n, cap;
	int pins; /* captures in progress */
};

/* free(p) now, or later when a capture is pinned. NULL is a no-op. Aborts
 * if it can neither free nor park (out of memory while pinned): freeing
 * would corrupt the snapshot being written. d may be NULL (free now). */
void defer_free(struct defer_list *d, void *p);

void defer_pin(struct defer_list *d);
/* Unpin; the last unpin frees everything parked. */
void defer_unpin(struct defer_list *d);

#endif
