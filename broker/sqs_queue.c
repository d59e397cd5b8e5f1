/* sqs_queue — the message store of one queue: the all-messages list (send
 * order, for retention), the by-sequence map (receipt handles), the ready
 * list of a standard queue, FIFO groups and their ready list, and a binary
 * min-heap of pending messages (delayed or in flight) keyed by
 * (visible_at_ms, seq). Time is applied lazily: sqs_queue_advance moves
 * what came due at now_ms. Every operation is O(1) or O(log n). */
#include <stdlib.h>
#include <string.h>

#include "sqs_int.h"

/* ---------------- heap ---------------- */

/* The key is kept in the slot: sifting compares slots of one array
 * instead of reading each message (a delete of an in-flight message
 * sifts through ~log2(in flight) levels). */
static bool heap_less(const struct sqs_heap_slot *a,
		      const struct sqs_heap_slot *b)
{
	return a->at_ms < b->at_ms || (a->at_ms == b->at_ms && a->seq < b->seq);
}

static void heap_set(struct sqs_queue *q, size_t i, struct sqs_heap_slot e)
{
	q->heap[i] = e;
	e.m->heap_idx = i;
}

static void heap_up(struct sqs_queue *q, size_t i)
{
	struct sqs_heap_slot e = q->heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!heap_less(&e, &q->heap[p])) {
			break;
		}
		heap_set(q, i, q->heap[p]);
		i = p;
	}
	heap_set(q, i, e);
}

static void heap_down(struct sqs_queue *q, size_t i)
{
	struct sqs_heap_slot e = q->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, c;

		if (l >= q->heap_len) {
			break;
		}
		c = l;
		if (l + 1 < q->heap_len &&
		    heap_less(&q->heap[l + 1], &q->heap[l])) {
			c = l + 1;
		}
		if (!heap_less(&q->heap[c], &e)) {
			break;
		}
		heap_set(q, i, q->heap[c]);
		i = c;
	}
	heap_set(q, i, e);
}

static int heap_push(struct sqs_queue *q, struct sqs_msg *m)
{
	if (q->heap_len == q->heap_cap) {
		size_t cap = q->heap_cap ? q->heap_cap * 2 : 64;
		struct sqs_heap_slot *h = realloc(q->heap, cap * sizeof(*h));

		if (h == NULL) {
			return -1;
		}
		q->heap = h;
		q->heap_cap = cap;
	}
	heap_set(q, q->heap_len++,
		 (struct sqs_heap_slot){m->visible_at_ms, m->seq, m});
	heap_up(q, m->heap_idx);
	return 0;
}

static void heap_remove(struct sqs_queue *q, struct sqs_msg *m)
{
	size_t i = m->heap_idx;
	struct sqs_heap_slot last = q->heap[--q->heap_len];

	if (i < q->heap_len) {
		heap_set(q, i, last);
		heap_up(q, i);
		heap_down(q, last.m->heap_idx);
	}
}

/* ---------------- groups ---------------- */

static uint64_t str_hash(const char *s)
{
	uint64_t h =
	    u64_mix(u64_hash_bytes(s, strlen(s), 0xcbf29ce484222325ULL));

	return h ? h : 1;
}

struct sqs_group *sqs_group_get(struct sqs_queue *q, const char *id,
				bool create)
{
	uint64_t h = str_hash(id);
	struct sqs_group *first = u64map_get(&q->groups, h), *g;

	for (g = first; g != NULL; g = g->hnext) {
		if (strcmp(g->id, id) == 0) {
			return g;
		}
	}
	if (!create) {
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL || (g->id = strdup(id)) == NULL) {
		free(g);
		return NULL;
	}
	g->hash = h;
	g->hnext = first;
	if (u64map_put(&q->groups, h, g) != 0) {
		free(g->id);
		free(g);
		return NULL;
	}
	return g;
}

static void group_unready(struct sqs_queue *q, struct sqs_group *g)
{
	if (!g->in_ready) {
		return;
	}
	if (g->gprev) {
		g->gprev->gnext = g->gnext;
	} else {
		q->ghead = g->gnext;
	}
	if (g->gnext) {
		g->gnext->gprev = g->gprev;
	} else {
		q->gtail = g->gprev;
	}
	g->gprev = g->gnext = NULL;
	g->in_ready = false;
}

static void group_free(struct sqs_queue *q, struct sqs_group *g)
{
	struct sqs_group *first = u64map_get(&q->groups, g->hash), **pp;

	group_unready(q, g);
	if (first == g) {
		if (g->hnext) {
			u64map_put(&q->groups, g->hash, g->hnext);
		} else {
			u64map_del(&q->groups, g->hash);
		}
	} else {
		for (pp = &first->hnext; *pp != g; pp = &(*pp)->hnext) {
		}
		*pp = g->hnext;
	}
	free(g->id);
	free(g);
}

bool sqs_group_eligible(const struct sqs_group *g)
{
	const struct sqs_msg *m;

	if (g->inflight != 0) {
		return false;
	}
	/* Nothing in flight: pending messages are delayed ones, which do not
	 * block the messages after them. */
	for (m = g->head; m != NULL && m->pending; m = m->rnext) {
	}
	return m != NULL;
}

/* Put g on the ready-group list if it can be received from. */
static void group_maybe_ready(struct sqs_queue *q, struct sqs_group *g)
{
	if (g->in_ready || !sqs_group_eligible(g)) {
		return;
	}
	g->gprev = q->gtail;
	g->gnext = NULL;
	if (q->gtail) {
		q->gtail->gnext = g;
	} else {
		q->ghead = g;
	}
	q->gtail = g;
	g->in_ready = true;
}

struct sqs_group *sqs_group_pop_ready(struct sqs_queue *q)
{
	struct sqs_group *g = q->ghead;

	if (g != NULL) {
		group_unready(q, g);
	}
	return g;
}

/* ---------------- messages ---------------- */

struct sqs_msg *sqs_msg_alloc(const char *body, size_t body_len)
{
	struct sqs_msg *m = malloc(sizeof(*m) + body_len + 1);

	if (m == NULL) {
		return NULL;
	}
	/* Not calloc: the body is copied over at once. */
	memset(m, 0, sizeof(*m));
	m->body_len = body_len;
	memcpy(m->body, body, body_len);
	m->body[body_len] = '\0';
	return m;
}

void sqs_msg_free(struct sqs_msg *m)
{
	if (m == NULL) {
		return;
	}
	json_decref(m->attrs);
	free(m->group_id);
	free(m->dedup_id);
	free(m->trace_header);
	free(m->origin);
	free(m);
}

static void ready_append(struct sqs_queue *q, struct sqs_msg *m)
{
	m->rprev = q->rtail;
	m->rnext = NULL;
	if (q->rtail) {
		q->rtail->rnext = m;
	} else {
		q->rhead = m;
	}
	q->rtail = m;
}

/* Unlink m from a ready list (the queue's, or a FIFO group's). */
static void list_unlink(struct sqs_msg **head, struct sqs_msg **tail,
			struct sqs_msg *m)
{
	if (m->rprev) {
		m->rprev->rnext = m->rnext;
	} else {
		*head = m->rnext;
	}
	if (m->rnext) {
		m->rnext->rprev = m->rprev;
	} else {
		*tail = m->rprev;
	}
	m->rprev = m->rnext = NULL;
}

static void ready_unlink(struct sqs_queue *q, struct sqs_msg *m)
{
	list_unlink(&q->rhead, &q->rtail, m);
}

static void group_unlink(struct sqs_group *g, struct sqs_msg *m)
{
	list_unlink(&g->head, &g->tail, m);
}

/* Overhead counted per JSON value and per queue (allocator and jansson
 * bookkeeping, roughly). */
#define SQS_JSON_OVERHEAD  64
#define SQS_QUEUE_OVERHEAD 4096

static size_t opt_len(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

size_t sqs_msg_size(const struct sqs_msg *m)
{
	size_t n = sizeof(*m) + m->body_len + 1 + opt_len(m->group_id) +
		   opt_len(m->dedup_id) + opt_len(m->trace_header) +
		   opt_len(m->origin);
	const char *k, *f;
	json_t *v, *x;

	json_object_foreach(m->attrs, k, v)
	{
		n += strlen(k) + SQS_JSON_OVERHEAD;
		json_object_foreach(v, f, x)
		{
			n += SQS_JSON_OVERHEAD +
			     (json_is_string(x) ? json_string_length(x) : 0);
		}
	}
	return n;
}

size_t sqs_state_bytes(const void *state)
{
	const struct sqs_state *st = state;
	size_t i, n = 0;

	for (i = 0; i < st->n_queues; i++) {
		const struct sqs_queue *q = st->queues[i];

		n += SQS_QUEUE_OVERHEAD + q->msg_bytes;
		if (q->cfg.policy != NULL) {
			n += strlen(q->cfg.policy);
		}
	}
	return n;
}

int sqs_msg_insert(struct sqs_queue *q, struct sqs_msg *m)
{
	if (seq_index_put(&q->by_seq, m->seq, m) != 0) {
		return -1;
	}
	if (q->fifo) {
		struct sqs_group *g =
		    sqs_group_get(q, m->group_id ? m->group_id : "", true);

		if (g == NULL) {
			seq_index_del(&q->by_seq, m->seq);
			return -1;
		}
		m->group = g;
		m->rprev = g->tail;
		m->rnext = NULL;
		if (g->tail) {
			g->tail->rnext = m;
		} else {
			g->head = m;
		}
		g->tail = m;
		if (m->inflight) {
			g->inflight++;
		}
	}
	if (m->pending && heap_push(q, m) != 0) {
		/* Out of memory: deliver it now rather than lose it. */
		m->pending = false;
		m->inflight = false;
	}
	m->prev = q->tail;
	m->next = NULL;
	if (q->tail) {
		q->tail->next = m;
	} else {
		q->head = m;
	}
	q->tail = m;
	q->n_msgs++;
	q->msg_bytes += sqs_msg_size(m);
	if (m->pending) {
		if (m->inflight) {
			q->n_inflight++;
		} else {
			q->n_delayed++;
		}
	} else if (q->fifo) {
		group_maybe_ready(q, m->group);
	} else {
		ready_append(q, m);
	}
	return 0;
}

/* Take m out of every structure of q (not freed). */
void sqs_msg_unlink(struct sqs_queue *q, struct sqs_msg *m)
{
	seq_index_del(&q->by_seq, m->seq);
	if (m->prev) {
		m->prev->next = m->next;
	} else {
		q->head = m->next;
	}
	if (m->next) {
		m->next->prev = m->prev;
	} else {
		q->tail = m->prev;
	}
	m->prev = m->next = NULL;
	q->n_msgs--;
	q->msg_bytes -= sqs_msg_size(m);
	if (m->pending) {
		heap_remove(q, m);
		if (m->inflight) {
			q->n_inflight--;
		} else {
			q->n_delayed--;
		}
	}
	if (q->fifo) {
		struct sqs_group *g = m->group;

		if (m->inflight) {
			g->inflight--;
		}
		group_unlink(g, m);
		m->group = NULL;
		if (g->head == NULL) {
			group_free(q, g);
		} else {
			group_maybe_ready(q, g);
		}
	} else if (!m->pending) {
		ready_unlink(q, m);
	}
	m->pending = false;
	m->inflight = false;
}

void sqs_msg_remove(struct sqs_queue *q, struct sqs_msg *m)
{
	sqs_msg_unlink(q, m);
	sqs_msg_free(m);
}

/* A pending message's time came (or was forced): it is available. */
static void make_available(struct sqs_queue *q, struct sqs_msg *m)
{
	heap_remove(q, m);
	m->pending = false;
	if (m->inflight) {
		m->inflight = false;
		q->n_inflight--;
		if (q->fifo) {
			m->group->inflight--;
		}
	} else {
		q->n_delayed--;
	}
	if (q->fifo) {
		group_maybe_ready(q, m->group);
	} else {
		ready_append(q, m);
	}
}

void sqs_msg_set_visible_at(struct sqs_queue *q, struct sqs_msg *m,
			    uint64_t at_ms)
{
	if (at_ms <= q->clock_ms && m->pending) {
		make_available(q, m);
		return;
	}
	m->visible_at_ms = at_ms;
	q->heap[m->heap_idx].at_ms = at_ms;
	heap_up(q, m->heap_idx);
	heap_down(q, m->heap_idx);
}

int sqs_msg_take(struct sqs_queue *q, struct sqs_msg *m, uint64_t visible_at,
		 const uint8_t nonce[16], uint64_t now)
{
	/* m is available: on the ready list (standard) or its group's. */
	if (!q->fifo) {
		ready_unlink(q, m);
	}
	m->visible_at_ms = visible_at;
	if (heap_push(q, m) != 0) {
		if (!q->fifo) {
			ready_append(q, m);
		}
		return -1;
	}
	m->pending = true;
	m->inflight = true;
	q->n_inflight++;
	if (q->fifo) {
		m->group->inflight++;
	}
	m->receive_count++;
	q->n_received++;
	if (m->first_receive_ms == 0) {
		m->first_receive_ms = now;
	}
	memcpy(m->nonce, nonce, 16);
	return 0;
}

static uint64_t retention_ms(const struct sqs_queue *q)
{
	return (uint64_t)q->cfg.retention_s * 1000;
}

bool sqs_msg_expired(const struct sqs_queue *q, const struct sqs_msg *m,
		     uint64_t now)
{
	return m->sent_ms + retention_ms(q) <= now;
}

bool sqs_queue_advance(struct sqs_queue *q, uint64_t now)
{
	bool any = false;

	if (now < q->clock_ms) {
		now = q->clock_ms; /* a new leader's clock may lag */
	}
	q->clock_ms = now;
	while (q->head != NULL && sqs_msg_expired(q, q->head, now)) {
		sqs_msg_remove(q, q->head);
	}
	while (q->heap_len > 0 && q->heap[0].at_ms <= now) {
		make_available(q, q->heap[0].m);
		any = true;
	}
	while (q->dhead != NULL &&
	       q->dhead->at_ms + SQS_DEDUP_WINDOW_MS <= now) {
		struct sqs_dedup *d = q->dhead;

		sqs_dedup_remove(q, d);
	}
	sqs_attempts_expire(q, now);
	return any;
}

/* Heap entries due at now, split by kind (depth-first, pruned). */
static void count_due(const struct sqs_queue *q, size_t i, uint64_t now,
		      size_t *inflight, size_t *delayed)
{
	while (i < q->heap_len && q->heap[i].at_ms <= now) {
		if (q->heap[i].m->inflight) {
			(*inflight)++;
		} else {
			(*delayed)++;
		}
		count_due(q, 2 * i + 2, now, inflight, delayed);
		i = 2 * i + 1;
	}
}

void sqs_queue_counts(const struct sqs_queue *q, uint64_t now, size_t *visible,
		      size_t *not_visible, size_t *delayed)
{
	size_t due_inflight = 0, due_delayed = 0;
	const struct sqs_msg *m;

	if (now < q->clock_ms) {
		now = q->clock_ms;
	}
	count_due(q, 0, now, &due_inflight, &due_delayed);
	*not_visible = q->n_inflight - due_inflight;
	*delayed = q->n_delayed - due_delayed;
	*visible = q->n_msgs - *not_visible - *delayed;
	for (m = q->head; m != NULL && sqs_msg_expired(q, m, now);
	     m = m->next) {
		if (!m->pending || m->visible_at_ms <= now) {
			(*visible)--;
		} else if (m->inflight) {
			(*not_visible)--;
		} else {
			(*delayed)--;
		}
	}
}

uint64_t sqs_queue_next_due(const struct sqs_queue *q)
{
	return q->heap_len > 0 ? q->heap[0].at_ms : 0;
}

unsigned sqs_queue_available(const struct sqs_queue *q)
{
	const struct sqs_group *g;
	unsigned n = 0;

	if (!q->fifo) {
		/* not pending = on the ready list (expired ones included
		 * until a receive meets them: a few waiters too many) */
		size_t ready = q->n_msgs - q->n_inflight - q->n_delayed;
		return ready < SERVICE_WAKE_ALL ? (unsigned)ready
						: SERVICE_WAKE_ALL - 1;
	}
	/* one receive serves one group */
	for (g = q->ghead; g != NULL && n < 64; g = g->gnext) {
		n++;
	}
	return n;
}

void sqs_queue_purge(struct sqs_queue *q)
{
	while (q->head != NULL) {
		sqs_msg_remove(q, q->head);
	}
}

/* ---------------- deduplication ---------------- */

struct sqs_dedup *sqs_dedup_find(struct sqs_queue *q, const char *key)
{
	struct sqs_dedup *d;

	for (d = u64map_get(&q->dedups, str_hash(key)); d != NULL;
	     d = d->hnext) {
		if (strcmp(d->key, key) == 0) {
			return d;
		}
	}
	return NULL;
}

int sqs_dedup_add(struct sqs_queue *q, const char *key, const char *id,
		  uint64_t seq, uint64_t at_ms)
{
	struct sqs_dedup *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->key = strdup(key)) == NULL) {
		free(d);
		return -1;
	}
	d->hash = str_hash(key);
	memcpy(d->id, id, sizeof(d->id));
	d->seq = seq;
	d->at_ms = at_ms;
	d->hnext = u64map_get(&q->dedups, d->hash);
	if (u64map_put(&q->dedups, d->hash, d) != 0) {
		free(d->key);
		free(d);
		return -1;
	}
	d->prev = q->dtail;
	if (q->dtail) {
		q->dtail->next = d;
	} else {
		q->dhead = d;
	}
	q->dtail = d;
	return 0;
}

void sqs_dedup_remove(struct sqs_queue *q, struct sqs_dedup *d)
{
	struct sqs_dedup *first = u64map_get(&q->dedups, d->hash), **pp;

	if (first == d) {
		if (d->hnext) {
			u64map_put(&q->dedups, d->hash, d->hnext);
		} else {
			u64map_del(&q->dedups, d->hash);
		}
	} else {
		for (pp = &first->hnext; *pp != d; pp = &(*pp)->hnext) {
		}
		*pp = d->hnext;
	}
	if (d->prev) {
		d->prev->next = d->next;
	} else {
		q->dhead = d->next;
	}
	if (d->next) {
		d->next->prev = d->prev;
	} else {
		q->dtail = d->prev;
	}
	free(d->key);
	free(d);
}

/* ---------------- restore helpers ---------------- */

int sqs_ready_restore(struct sqs_queue *q, const uint64_t *seqs, size_t n)
{
	size_t avail = 0, i;
	struct sqs_msg *m;

	for (m = q->rhead; m != NULL; m = m->rnext) {
		avail++;
	}
	if (avail != n) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		m = seq_index_get(&q->by_seq, seqs[i]);
		if (m == NULL || m->pending) {
			return -1;
		}
	}
	/* Every seq is an available message and the count matches; reject
	 * repeats by unlinking as we go. */
	while (q->rhead != NULL) {
		ready_unlink(q, q->rhead);
	}
	for (i = 0; i < n; i++) {
		m = seq_index_get(&q->by_seq, seqs[i]);
		if (m->rprev != NULL || m->rnext != NULL || q->rhead == m) {
			return -1;
		}
		ready_append(q, m);
	}
	return 0;
}

int sqs_gready_restore(struct sqs_queue *q, const char *const *ids, size_t n)
{
	size_t i;

	while (q->ghead != NULL) {
		group_unready(q, q->ghead);
	}
	for (i = 0; i < n; i++) {
		struct sqs_group *g = sqs_group_get(q, ids[i], false);

		if (g == NULL || g->in_ready) {
			return -1;
		}
		g->gprev = q->gtail;
		g->gnext = NULL;
		if (q->gtail) {
			q->gtail->gnext = g;
		} else {
			q->ghead = g;
		}
		q->gtail = g;
		g->in_ready = true;
	}
	return 0;
}
