/* defer — see defer.h. */
#include "defer.h"

#include <stdlib.h>

#include "log.h"

void defer_free(struct defer_list *d, void *p)
{
	if (p == NULL) {
		return;
	}
	if (d == NULL || d->pins == 0) {
		free(p);
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		void **ptrs = realloc(d->ptrs, cap * sizeof *ptrs);
		if (ptrs == NULL) {
			log_error("snapshot: out of memory parking a buffer");
			abort();
		}
		d->ptrs = ptrs;
		d->cap = cap;
	}
	d->ptrs[d->n++] = p;
}

void defer_pin(struct defer_list *d)
{
	d->pins++;
}

void defer_unpin(struct defer_list *d)
{
	size_t i;

	if (--d->pins > 0) {
		return;
	}
	for (i = 0; i < d->n; i++) {
		free(d->ptrs[i]);
	}
	free(d->ptrs);
	d->ptrs = NULL;
	d->n = d->cap = 0;
}
