/* u64map — see u64map.h. Linear probing with backward-shift deletion. */
#include "u64map.h"

#include <stdlib.h>

void u64map_init(struct u64map *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}

void u64map_free(struct u64map *m)
{
	free(m->slots);
	u64map_init(m);
}

static size_t slot_of(const struct u64map *m, uint64_t key)
{
	return (size_t)u64_mix(key) & (m->cap - 1);
}

void *u64map_get(const struct u64map *m, uint64_t key)
{
	size_t i;

	if (m->cap == 0 || key == 0) {
		return NULL;
	}
	for (i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key) {
			return m->slots[i].value;
		}
		if (m->slots[i].key == 0) {
			return NULL;
		}
	}
}

static int grow(struct u64map *m)
{
	struct u64map old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 16;
	m->slots = calloc(m->cap, sizeof *m->slots);
	if (m->slots == NULL) {
		*m = old;
		return -1;
	}
	m->len = 0;
	for (i = 0; i < old.cap; i++) {
		if (old.slots[i].key != 0) {
			u64map_put(m, old.slots[i].key, old.slots[i].value);
		}
	}
	free(old.slots);
	return 0;
}

int u64map_put(struct u64map *m, uint64_t key, void *value)
{
	size_t i;

	if ((m->len + 1) * 4 > m->cap * 3 && grow(m) != 0) {
		return -1;
	}
	for (i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key) {
			m->slots[i].value = value;
			return 0;
		}
		if (m->slots[i].key == 0) {
			m->slots[i].key = key;
			m->slots[i].value = value;
			m->len++;
			return 0;
		}
	}
}

void *u64map_del(struct u64map *m, uint64_t key)
{
	size_t i, j, home;
	void *value;

	if (m->cap == 0 || key == 0) {
		return NULL;
	}
	for (i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key) {
			break;
		}
		if (m->slots[i].key == 0) {
			return NULL;
		}
	}
	value = m->slots[i].value;
	m->len--;
	/* Backward shift: move later members of the probe run into the hole. */
	for (j = (i + 1) & (m->cap - 1); m->slots[j].key != 0;
	     j = (j + 1) & (m->cap - 1)) {
		home = slot_of(m, m->slots[j].key);
		if (((j - home) & (m->cap - 1)) >= ((j - i) & (m->cap - 1))) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = 0;
	m->slots[i].value = NULL;
	return value;
}
