/* seq_index — see seq_index.h. */
#include "seq_index.h"

#include <stdbool.h>
#include <stdlib.h>

#define SEQ_INDEX_MIN_CAP 64

void seq_index_init(struct seq_index *x)
{
	x->ring = NULL;
	x->cap = 0;
	x->base = 0;
	x->top = 0;
	x->ring_len = 0;
	u64map_init(&x->far);
}

void seq_index_free(struct seq_index *x)
{
	free(x->ring);
	u64map_free(&x->far);
	seq_index_init(x);
}

static bool in_ring(const struct seq_index *x, uint64_t key)
{
	return x->cap != 0 && key >= x->base && key - x->base < x->cap;
}

static void **slot(const struct seq_index *x, uint64_t key)
{
	return &x->ring[key & (x->cap - 1)];
}

void *seq_index_get(const struct seq_index *x, uint64_t key)
{
	if (in_ring(x, key)) {
		return *slot(x, key);
	}
	return key < x->base ? u64map_get(&x->far, key) : NULL;
}

/* Slide base over empty slots, up to limit at most. */
static void skip_empty(struct seq_index *x, uint64_t limit)
{
	if (x->ring_len == 0) {
		x->base = limit > x->base ? limit : x->base;
		return;
	}
	while (x->base < limit && *slot(x, x->base) == NULL) {
		x->base++;
	}
}

/* Lay the ring out again with new_cap slots, its window ending at need
 * (new base = need - new_cap + 1 when that is above base): members below
 * the new base move to far. -1 when out of memory (nothing changed). */
static int relayout(struct seq_index *x, size_t new_cap, uint64_t need)
{
	uint64_t nb = x->base, k;
	void **ring = calloc(new_cap, sizeof *ring);
	int rc = 0;

	if (ring == NULL) {
		return -1;
	}
	if (need >= new_cap && need - new_cap + 1 > nb) {
		nb = need - new_cap + 1;
	}
	/* Into far first: a failure there undoes only far. */
	for (k = x->base; k < nb && k - x->base < x->cap; k++) {
		void *v = *slot(x, k);
		if (v != NULL && u64map_put(&x->far, k, v) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc != 0) {
		uint64_t j;
		for (j = x->base; j < k; j++) {
			if (*slot(x, j) != NULL) {
				u64map_del(&x->far, j);
			}
		}
		free(ring);
		return -1;
	}
	for (k = x->base; k - x->base < x->cap; k++) {
		void *v = *slot(x, k);
		if (v == NULL) {
			continue;
		}
		if (k < nb) {
			x->ring_len--;
		} else {
			ring[k & (new_cap - 1)] = v;
		}
	}
	free(x->ring);
	x->ring = ring;
	x->cap = new_cap;
	x->base = nb;
	return 0;
}

/* Halve the ring while an eighth of it or less holds members (the window
 * ending at need). Out of memory it stays as it is. */
static void shrink_to_fit(struct seq_index *x, uint64_t need)
{
	while (x->cap > SEQ_INDEX_MIN_CAP && x->ring_len * 8 < x->cap &&
	       relayout(x, x->cap / 2, need) == 0) {
	}
}

int seq_index_put(struct seq_index *x, uint64_t key, void *value)
{
	void **s;

	if (x->cap == 0) {
		if ((x->ring = calloc(SEQ_INDEX_MIN_CAP, sizeof *x->ring)) ==
		    NULL) {
			return -1;
		}
		x->cap = SEQ_INDEX_MIN_CAP;
		x->base = key;
	}
	if (key < x->base) {
		return u64map_put(&x->far, key, value);
	}
	if (key - x->base >= x->cap) {
		skip_empty(x, key - x->cap + 1);
	}
	if (key - x->base >= x->cap) {
		/* Dense enough: double; else slide past the oldest. */
		size_t cap =
		    (x->ring_len + 1) * 2 > x->cap ? x->cap * 2 : x->cap;
		if (relayout(x, cap, key) != 0) {
			return -1;
		}
		shrink_to_fit(x, key);
	}
	s = slot(x, key);
	if (*s == NULL) {
		x->ring_len++;
	}
	*s = value;
	if (key > x->top) {
		x->top = key;
	}
	return 0;
}

void *seq_index_del(struct seq_index *x, uint64_t key)
{
	void **s, *v;

	if (!in_ring(x, key)) {
		return key < x->base ? u64map_del(&x->far, key) : NULL;
	}
	s = slot(x, key);
	if ((v = *s) == NULL) {
		return NULL;
	}
	*s = NULL;
	x->ring_len--;
	if (key == x->base) {
		skip_empty(x, x->top + 1);
	}
	shrink_to_fit(x, x->top);
	return v;
}
