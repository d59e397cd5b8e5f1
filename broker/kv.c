/* kv — see kv.h. */
#include "kv.h"

#include <stdlib.h>
#include <string.h>

#include "u64map.h"

static uint64_t entry_digest(const char *key, const uint8_t *value, size_t len)
{
	uint64_t h =
	    u64_hash_bytes(key, strlen(key) + 1, 0xcbf29ce484222325ULL);
	return u64_mix(u64_hash_bytes(value, len, h));
}

/* Height from the key's hash: deterministic, geometric with p = 1/4. */
static int level_of(const char *key)
{
	uint64_t h =
	    u64_mix(u64_hash_bytes(key, strlen(key), 0x9e3779b97f4a7c15ULL));
	int level = 1;

	while (level < KV_MAX_LEVEL && (h & 3) == 0) {
		level++;
		h >>= 2;
	}
	return level;
}

int kv_init(struct kv_store *s, struct defer_list *defer)
{
	memset(s, 0, sizeof *s);
	s->defer = defer;
	s->head = calloc(1, sizeof *s->head +
				KV_MAX_LEVEL * sizeof(struct kv_entry *));
	if (s->head == NULL) {
		return -1;
	}
	s->head->level = KV_MAX_LEVEL;
	return 0;
}

/* Keys and values may be in a snapshot capture: release them through the
 * store's defer list. */
static void entry_free(struct kv_store *s, struct kv_entry *e)
{
	defer_free(s->defer, e->key);
	defer_free(s->defer, e->value);
	free(e);
}

void kv_free(struct kv_store *s)
{
	struct kv_entry *e, *next;

	if (s->head == NULL) {
		return;
	}
	for (e = s->head->next[0]; e != NULL; e = next) {
		next = e->next[0];
		entry_free(s, e);
	}
	free(s->head);
	memset(s, 0, sizeof *s);
}

/* Fill update[] with, per level, the last entry whose key < key. */
static struct kv_entry *find(const struct kv_store *s, const char *key,
			     struct kv_entry **update)
{
	struct kv_entry *x = s->head;
	int i;

	for (i = KV_MAX_LEVEL - 1; i >= 0; i--) {
		while (x->next[i] != NULL && strcmp(x->next[i]->key, key) < 0) {
			x = x->next[i];
		}
		if (update) {
			update[i] = x;
		}
	}
	return x->next[0];
}

int kv_put(struct kv_store *s, const char *key, const uint8_t *value,
	   size_t value_len)
{
	struct kv_entry *update[KV_MAX_LEVEL];
	struct kv_entry *e = find(s, key, update);
	uint8_t *copy = malloc(value_len ? value_len : 1);
	int i;

	if (copy == NULL) {
		return -1;
	}
	memcpy(copy, value, value_len);
	if (e != NULL && strcmp(e->key, key) == 0) {
		s->digest -= entry_digest(e->key, e->value, e->value_len);
		s->bytes -= e->value_len;
		defer_free(s->defer, e->value);
		e->value = copy;
		e->value_len = value_len;
	} else {
		int level = level_of(key);
		e = calloc(1, sizeof *e + (size_t)level * sizeof e);
		if (e == NULL || (e->key = strdup(key)) == NULL) {
			free(e);
			free(copy);
			return -1;
		}
		e->value = copy;
		e->value_len = value_len;
		e->level = level;
		for (i = 0; i < level; i++) {
			e->next[i] = update[i]->next[i];
			update[i]->next[i] = e;
		}
		s->count++;
		s->bytes += strlen(key);
	}
	s->bytes += value_len;
	s->digest += entry_digest(e->key, e->value, e->value_len);
	return 0;
}

int kv_delete(struct kv_store *s, const char *key)
{
	struct kv_entry *update[KV_MAX_LEVEL];
	struct kv_entry *e = find(s, key, update);
	int i;

	if (e == NULL || strcmp(e->key, key) != 0) {
		return 0;
	}
	for (i = 0; i < e->level; i++) {
		update[i]->next[i] = e->next[i];
	}
	s->count--;
	s->bytes -= strlen(e->key) + e->value_len;
	s->digest -= entry_digest(e->key, e->value, e->value_len);
	entry_free(s, e);
	return 1;
}

const struct kv_entry *kv_get(const struct kv_store *s, const char *key)
{
	const struct kv_entry *e = find(s, key, NULL);

	return e != NULL && strcmp(e->key, key) == 0 ? e : NULL;
}

const struct kv_entry *kv_first_after(const struct kv_store *s,
				      const char *after)
{
	const struct kv_entry *e = find(s, after, NULL);

	if (e != NULL && strcmp(e->key, after) == 0) {
		e = e->next[0];
	}
	return e;
}

int kv_validate(const struct wire_op *op, struct wire_result *res)
{
	if (op->type == WIRE_OP_KV_LIST) {
		if (op->limit > KV_LIST_MAX_LIMIT) {
			wire_result_set_error(
			    res, WIRE_ERR_INVALID_PARAM,
			    "limit must be between 1 and 1000");
			return -1;
		}
		return 0;
	}
	if (op->key == NULL || op->key[0] == '\0') {
		wire_result_set_error(res, WIRE_ERR_MISSING_PARAM,
				      "key must not be empty");
		return -1;
	}
	if (strlen(op->key) > WIRE_MAX_KEY_BYTES) {
		wire_result_set_error(res, WIRE_ERR_INVALID_PARAM,
				      "key is longer than 1024 bytes");
		return -1;
	}
	if (op->type == WIRE_OP_KV_PUT &&
	    op->value_len > WIRE_MAX_VALUE_BYTES) {
		wire_result_set_error(res, WIRE_ERR_TOO_LARGE,
				      "value is larger than 1048576 bytes");
		return -1;
	}
	return 0;
}

void kv_apply(struct kv_store *s, const struct wire_op *op,
	      struct wire_result *res)
{
	if (kv_validate(op, res) != 0) {
		return;
	}
	switch (op->type) {
	case WIRE_OP_KV_PUT:
		if (kv_put(s, op->key, op->value, op->value_len) != 0) {
			/* Out of memory is the only failure; every replica
			 * with the same budget fails alike. */
			wire_result_set_error(res, WIRE_ERR_OVER_LIMIT,
					      "state machine out of memory");
		}
		break;
	case WIRE_OP_KV_DELETE:
		kv_delete(s, op->key);
		break;
	default:
		wire_result_set_error(res, WIRE_ERR_UNKNOWN_OP,
				      "not a key-value write");
	}
}

void kv_read(const struct kv_store *s, const struct wire_op *op,
	     struct wire_result *res, struct wire_kv_item **items)
{
	const struct kv_entry *e;
	size_t limit, n = 0, prefix_len, bytes = 0;

	*items = NULL;
	if (kv_validate(op, res) != 0) {
		return;
	}
	if (op->type == WIRE_OP_KV_GET) {
		e = kv_get(s, op->key);
		if (e == NULL) {
			wire_result_set_error(res, WIRE_ERR_NOT_FOUND,
					      "no such key");
			return;
		}
		res->found = true;
		res->value = e->value;
		res->value_len = e->value_len;
		return;
	}
	if (op->type != WIRE_OP_KV_LIST) {
		wire_result_set_error(res, WIRE_ERR_UNKNOWN_OP,
				      "not a key-value read");
		return;
	}
	limit = op->limit ? op->limit : KV_LIST_DEFAULT_LIMIT;
	prefix_len = op->prefix ? strlen(op->prefix) : 0;
	/* Start at the later of the prefix and the page token. */
	if (op->start_after && op->start_after[0] != '\0' &&
	    (prefix_len == 0 || strcmp(op->start_after, op->prefix) >= 0)) {
		e = kv_first_after(s, op->start_after);
	} else if (prefix_len > 0) {
		e = find(s, op->prefix, NULL);
	} else {
		e = s->head->next[0];
	}
	*items = malloc((limit + 1) * sizeof **items);
	if (*items == NULL) {
		wire_result_set_error(res, WIRE_ERR_INTERNAL, "out of memory");
		return;
	}
	for (; e != NULL; e = e->next[0]) {
		if (prefix_len > 0 &&
		    strncmp(e->key, op->prefix, prefix_len) != 0) {
			break;
		}
		/* A page stops at limit keys or KV_LIST_MAX_BYTES (at least
		 * one key), so every page fits in one response. */
		if (n == limit ||
		    (n > 0 && bytes + strlen(e->key) + e->value_len >
				  KV_LIST_MAX_BYTES)) {
			res->next_token = (*items)[n - 1].key;
			break;
		}
		bytes += strlen(e->key) + e->value_len;
		(*items)[n].key = e->key;
		(*items)[n].value = e->value;
		(*items)[n].value_len = e->value_len;
		n++;
	}
	res->items = *items;
	res->n_items = n;
}
