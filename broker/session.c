/* session — see session.h. */
#include "session.h"

#include <stdlib.h>
#include <string.h>

static uint64_t slot_digest(uint64_t client_id, uint64_t seq,
			    const uint8_t *data, size_t len)
{
	return u64_mix(u64_hash_bytes(data, len, client_id ^ u64_mix(seq)));
}

void session_table_init(struct session_table *t, struct defer_list *defer)
{
	memset(t, 0, sizeof *t);
	t->defer = defer;
	u64map_init(&t->by_client);
}

static void lru_unlink(struct session_table *t, struct session *s)
{
	if (s->lru_prev) {
		s->lru_prev->lru_next = s->lru_next;
	} else {
		t->lru_head = s->lru_next;
	}
	if (s->lru_next) {
		s->lru_next->lru_prev = s->lru_prev;
	} else {
		t->lru_tail = s->lru_prev;
	}
	s->lru_prev = s->lru_next = NULL;
}

static void lru_append(struct session_table *t, struct session *s)
{
	s->lru_prev = t->lru_tail;
	s->lru_next = NULL;
	if (t->lru_tail) {
		t->lru_tail->lru_next = s;
	} else {
		t->lru_head = s;
	}
	t->lru_tail = s;
}

static void slot_clear(struct session_table *t, struct session_slot *slot)
{
	if (slot->seq == 0) {
		return;
	}
	t->digest -= slot->digest;
	t->n_responses--;
	t->bytes -= slot->response_len;
	defer_free(t->defer, slot->response);
	memset(slot, 0, sizeof *slot);
}

static void session_destroy(struct session_table *t, struct session *s)
{
	size_t i;

	t->digest -= s->floor_digest;
	for (i = 0; i < s->cap; i++) {
		slot_clear(t, &s->ring[i]);
	}
	free(s->ring);
	free(s);
}

void session_table_free(struct session_table *t)
{
	struct session *s, *next;

	for (s = t->lru_head; s != NULL; s = next) {
		next = s->lru_next;
		session_destroy(t, s);
	}
	u64map_free(&t->by_client);
	session_table_init(t, t->defer);
}

/* The lowest seq s may hold a record of: below its floor the client has
 * its answers; below the window a retry is SessionExpired anyway. Keeping
 * exactly the records in [records_low, max_seq] makes a session's records
 * a function of the commands applied — not of the ring's capacity history,
 * which snapshots do not carry, nor of the order an import replays them. */
static uint64_t records_low(const struct session *s)
{
	uint64_t window =
	    s->max_seq >= SESSION_WINDOW ? s->max_seq - SESSION_WINDOW + 1 : 0;

	return s->floor > window ? s->floor : window;
}

enum session_check session_check(const struct session_table *t,
				 uint64_t client_id, uint64_t seq,
				 const uint8_t **response, size_t *len)
{
	const struct session *s = u64map_get(&t->by_client, client_id);
	const struct session_slot *slot;

	if (s == NULL) {
		return SESSION_NEW;
	}
	/* Before the ring: a session whose ring could not be allocated
	 * (out of memory) still has its floor and window. */
	if (seq < records_low(s)) {
		return SESSION_EXPIRED;
	}
	if (s->cap == 0) {
		return SESSION_NEW;
	}
	slot = &s->ring[seq & (s->cap - 1)];
	if (slot->seq == seq) {
		*response = slot->response;
		*len = slot->response_len;
		return SESSION_DUPLICATE;
	}
	return SESSION_NEW;
}

/* Double the ring, re-placing the retained slots. */
static int ring_grow(struct session *s)
{
	size_t cap = s->cap ? s->cap * 2 : 8, i;
	struct session_slot *ring = calloc(cap, sizeof *ring);

	if (ring == NULL) {
		return -1;
	}
	for (i = 0; i < s->cap; i++) {
		if (s->ring[i].seq != 0) {
			ring[s->ring[i].seq & (cap - 1)] = s->ring[i];
		}
	}
	free(s->ring);
	s->ring = ring;
	s->cap = cap;
	return 0;
}

/* Drop s's records below `to`; none exists below `from`. */
static void drop_below(struct session_table *t, struct session *s,
		       uint64_t from, uint64_t to)
{
	uint64_t q;
	size_t i;

	if (to <= from || s->cap == 0) {
		return;
	}
	if (to - from < s->cap) {
		for (q = from; q < to; q++) {
			if (s->ring[q & (s->cap - 1)].seq == q) {
				slot_clear(t, &s->ring[q & (s->cap - 1)]);
			}
		}
	} else {
		for (i = 0; i < s->cap; i++) {
			if (s->ring[i].seq < to) {
				slot_clear(t, &s->ring[i]); /* no-op if empty */
			}
		}
	}
}

/* Raise s's floor (its records are dropped by the caller). */
static void floor_raise(struct session_table *t, struct session *s,
			uint64_t floor)
{
	if (floor <= s->floor) {
		return;
	}
	t->digest -= s->floor_digest;
	s->floor = floor;
	s->floor_digest = u64_mix(s->client_id ^ u64_mix(floor ^ 0xf100d));
	t->digest += s->floor_digest;
}

int session_record(struct session_table *t, uint64_t client_id, uint64_t seq,
		   uint64_t floor, uint8_t *response, size_t len,
		   uint64_t now_ms)
{
	struct session *s = u64map_get(&t->by_client, client_id);
	struct session_slot *slot;
	uint64_t low;

	if (seq == 0 || client_id == 0 || (s != NULL && seq < records_low(s))) {
		/* 0 marks an empty slot / no session: nothing to record;
		 * below the floor or the window: answered already or
		 * SessionExpired (session_check). */
		free(response);
		return -1;
	}
	if (s == NULL) {
		s = calloc(1, sizeof *s);
		if (s == NULL || u64map_put(&t->by_client, client_id, s) != 0) {
			free(s);
			free(response);
			return -1;
		}
		s->client_id = client_id;
	} else {
		lru_unlink(t, s);
	}
	s->last_active_ms = now_ms;
	lru_append(t, s);
	low = records_low(s);
	if (seq > s->max_seq) {
		s->max_seq = seq;
	}
	floor_raise(t, s, floor < seq ? floor : seq);
	drop_below(t, s, low, records_low(s));
	if (s->cap == 0 && ring_grow(s) != 0) {
		free(response);
		return -1;
	}
	/* Grow while the slot holds another seq (every record is in the
	 * window, so a ring of SESSION_WINDOW slots holds them all). */
	for (;;) {
		slot = &s->ring[seq & (s->cap - 1)];
		if (slot->seq == 0 || slot->seq == seq ||
		    s->cap >= SESSION_WINDOW) {
			break;
		}
		if (ring_grow(s) != 0) {
			break; /* overwrite: loses only an old dedup record */
		}
	}
	slot_clear(t, slot);
	slot->seq = seq;
	slot->response = response;
	slot->response_len = len;
	slot->digest = slot_digest(client_id, seq, response, len);
	t->digest += slot->digest;
	t->n_responses++;
	t->bytes += len;
	return 0;
}

void session_expire(struct session_table *t, uint64_t now_ms)
{
	struct session *s;

	if (now_ms < SESSION_TTL_MS) {
		return;
	}
	while ((s = t->lru_head) != NULL &&
	       s->last_active_ms < now_ms - SESSION_TTL_MS) {
		lru_unlink(t, s);
		u64map_del(&t->by_client, s->client_id);
		session_destroy(t, s);
	}
}

int session_export(const struct session_table *t, struct wire_session **out,
		   size_t *n)
{
	struct wire_session *arr;
	const struct session *s;
	size_t i = 0, j, k;

	*out = NULL;
	*n = 0;
	if (t->by_client.len == 0) {
		return 0;
	}
	arr = calloc(t->by_client.len, sizeof *arr);
	if (arr == NULL) {
		return -1;
	}
	for (s = t->lru_head; s != NULL; s = s->lru_next, i++) {
		arr[i].client_id = s->client_id;
		arr[i].last_active_ms = s->last_active_ms;
		arr[i].seq_floor = s->floor;
		arr[i].results =
		    calloc(s->cap ? s->cap : 1, sizeof *arr[i].results);
		if (arr[i].results == NULL) {
			session_export_free(arr, i + 1);
			return -1;
		}
		for (j = 0, k = 0; j < s->cap; j++) {
			if (s->ring[j].seq == 0) {
				continue;
			}
			arr[i].results[k].seq = s->ring[j].seq;
			arr[i].results[k].response = s->ring[j].response;
			arr[i].results[k].response_len =
			    s->ring[j].response_len;
			k++;
		}
		arr[i].n_results = k;
	}
	*out = arr;
	*n = i;
	return 0;
}

void session_export_free(struct wire_session *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(s[i].results);
	}
	free(s);
}

int session_import(struct session_table *t, const struct wire_session *s,
		   size_t n)
{
	size_t i, j;
	uint8_t *copy;

	session_table_free(t);
	/* Snapshots list sessions least recently active first, so recording
	 * in order rebuilds the same LRU order. A session's records come in
	 * ring order, not seq order: one recorded before a higher seq raises
	 * the window is dropped by that record (session_record moves the
	 * window as apply does); one already below it — also an
	 * out-of-window record an older build kept — is skipped here. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < s[i].n_results; j++) {
			const struct wire_session_result *r = &s[i].results[j];
			struct session *have =
			    u64map_get(&t->by_client, s[i].client_id);

			if (have != NULL && r->seq < records_low(have)) {
				continue; /* out of the window by now */
			}
			copy = malloc(r->response_len ? r->response_len : 1);
			if (copy == NULL) {
				return -1;
			}
			memcpy(copy, r->response, r->response_len);
			if (session_record(
				t, s[i].client_id, r->seq, s[i].seq_floor, copy,
				r->response_len, s[i].last_active_ms) != 0) {
				return -1;
			}
		}
	}
	return 0;
}
