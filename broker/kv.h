/* kv — the replicated key-value namespace: the first command family of the
 * state machine, used by tests and the benchmark and later for cluster-wide
 * settings.
 *
 * The store is an ordered map (a skip list whose node heights come from a
 * hash of the key, so every replica builds the same shape) so that list can
 * page through a prefix in key order. It keeps an order-independent digest
 * of its content, updated on every change. */
#ifndef STRATUS_KV_H
#define STRATUS_KV_H

#include <stddef.h>
#include <stdint.h>

#include "defer.h"
#include "wire.h"

#define KV_MAX_LEVEL	      24
#define KV_LIST_DEFAULT_LIMIT 1000
#define KV_LIST_MAX_LIMIT     1000
#define KV_LIST_MAX_BYTES     (2u * 1024 * 1024) /* keys + values per page */

struct kv_entry {
	char *key;	/* owned, NUL-terminated */
	uint8_t *value; /* owned */
	size_t value_len;
	int level;
	struct kv_entry *next[]; /* level pointers */
};

struct kv_store {
	struct kv_entry *head; /* sentinel with KV_MAX_LEVEL pointers */
	size_t count;
	size_t bytes; /* keys + values */
	uint64_t digest;
	struct defer_list *defer; /* where released keys/values go */
};

/* defer: borrowed, may be NULL (free at once). */
int kv_init(struct kv_store *s, struct defer_list *defer);
void kv_free(struct kv_store *s);
/* Insert or replace (copies key and value). 0 or -1 when out of memory. */
int kv_put(struct kv_store *s, const char *key, const uint8_t *value,
	   size_t value_len);
/* Remove key; 1 if it existed, 0 if not. */
int kv_delete(struct kv_store *s, const char *key);
/* The entry for key or NULL (borrowed until the store changes). */
const struct kv_entry *kv_get(const struct kv_store *s, const char *key);
/* The first entry with key > after (after "" = the first entry). */
const struct kv_entry *kv_first_after(const struct kv_store *s,
				      const char *after);

/* Validation shared by the front door (before proposing) and apply. Fills
 * a result error and returns non-zero when the op is invalid. */
int kv_validate(const struct wire_op *op, struct wire_result *res);

/* Apply a write op (KV_PUT / KV_DELETE) to the store; fills res. */
void kv_apply(struct kv_store *s, const struct wire_op *op,
	      struct wire_result *res);

/* Answer a read op (KV_GET / KV_LIST). res borrows from the store and from
 * *items (malloc'd, caller frees after encoding). */
void kv_read(const struct kv_store *s, const struct wire_op *op,
	     struct wire_result *res, struct wire_kv_item **items);

#endif
