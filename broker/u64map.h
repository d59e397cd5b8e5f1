/* u64map — an open-addressing hash map from a non-zero uint64 key to a
 * pointer. Used for sessions (client id), pending batches (nonce) and other
 * id-keyed tables on the loop thread. Not thread-safe. Key 0 is reserved. */
#ifndef STRATUS_U64MAP_H
#define STRATUS_U64MAP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct u64map_slot {
	uint64_t key; /* 0 = empty */
	void *value;
};

struct u64map {
	struct u64map_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t len;
};

/* 64-bit mixer (splitmix64 finalizer); also used for digests. */
static inline uint64_t u64_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* FNV-1a style running hash of bytes, seeded; mix the result before use. */
static inline uint64_t u64_hash_bytes(const void *data, size_t len, uint64_t h)
{
	const uint8_t *p = data;
	size_t i;

	/* Eight bytes a step (digests hash whole stored responses: a
	 * ReceiveMessage answer is ~10 KiB), then the tail byte by byte. */
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	for (i = 0; i < len; i++) {
		h = (h ^ p[i]) * 0x100000001b3ULL;
	}
	return h;
}

void u64map_init(struct u64map *m);
void u64map_free(struct u64map *m);
/* The value for key, or NULL. */
void *u64map_get(const struct u64map *m, uint64_t key);
/* Insert or replace. Returns 0, or -1 when out of memory. */
int u64map_put(struct u64map *m, uint64_t key, void *value);
/* Remove key; returns the old value or NULL. */
void *u64map_del(struct u64map *m, uint64_t key);

/* Iterate: for (size_t i = 0; i < m.cap; i++) if (m.slots[i].key) ... */

#endif
