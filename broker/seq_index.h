/* seq_index — a map from sequence numbers (non-zero uint64 keys, handed
 * out in increasing order) to pointers, for keys used in nearly key order:
 * SQS's by_seq, where a queue stores each message under its next sequence
 * number and most messages are received and deleted oldest first.
 *
 * Members live in a ring indexed by key: the window [base, base + cap) of
 * keys, one pointer per key, so neighbouring keys share a cache line and a
 * lookup is one load (a hash map put every key on a line of its own: a
 * delete's lookup missed cache and TLB in a table of tens of MiB).
 * Deleting the oldest member slides base forward. A member left behind (a
 * message nobody deletes while thousands after it come and go) would
 * stretch the window without bound, so when a new key does not fit:
 * fewer than half of the slots hold members -> the oldest members move to
 * an ordinary u64map (far) and the window slides past them; else the ring
 * doubles. A ring with members in less than an eighth of its slots is
 * halved the same way (its oldest members to far if the window must
 * shrink). So the ring has at most 8 slots per member (64 at least),
 * whatever the pattern, each step costs O(1) amortized, and keys below
 * base live in far. Key 0 is reserved. Not thread-safe. */
#ifndef STRATUS_SEQ_INDEX_H
#define STRATUS_SEQ_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "u64map.h"

struct seq_index {
	void **ring;	   /* cap slots: key k at ring[k & (cap - 1)] */
	size_t cap;	   /* power of two, or 0 */
	uint64_t base;	   /* ring members' keys are in [base, base + cap) */
	uint64_t top;	   /* the highest key put in the ring so far */
	size_t ring_len;   /* members in the ring */
	struct u64map far; /* members with keys below base */
};

void seq_index_init(struct seq_index *x);
void seq_index_free(struct seq_index *x);
/* The value for key, or NULL. */
void *seq_index_get(const struct seq_index *x, uint64_t key);
/* Insert or replace (value not NULL). Returns 0, or -1 when out of memory
 * (nothing changed). */
int seq_index_put(struct seq_index *x, uint64_t key, void *value);
/* Remove key; returns the old value or NULL. */
void *seq_index_del(struct seq_index *x, uint64_t key);

static inline size_t seq_index_len(const struct seq_index *x)
{
	return x->ring_len + x->far.len;
}

#endif
