/* key_model.h — the plain model the map tests (test_u64map, test_seq_index)
 * check their map against: an unordered array of keys and values, found
 * by a linear scan; and their random numbers. Define KEY_MODEL_MAX (the
 * most keys at once) before including it. */
#ifndef STRATUS_TEST_KEY_MODEL_H
#define STRATUS_TEST_KEY_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "u64map.h"

struct model {
	uint64_t keys[KEY_MODEL_MAX];
	void *values[KEY_MODEL_MAX];
	size_t n;
};

/* The index of key, or md->n when absent. */
static inline size_t model_find(const struct model *md, uint64_t key)
{
	for (size_t i = 0; i < md->n; i++) {
		if (md->keys[i] == key) {
			return i;
		}
	}
	return md->n;
}

/* Remove the member at i (the last one takes its place). */
static inline void model_del(struct model *md, size_t i)
{
	md->keys[i] = md->keys[md->n - 1];
	md->values[i] = md->values[md->n - 1];
	md->n--;
}

static inline uint64_t rng(uint64_t *s)
{
	*s = u64_mix(*s + 0x9e3779b97f4a7c15ULL);
	return *s;
}

#endif
