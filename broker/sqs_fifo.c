/* sqs_fifo — ReceiveRequestAttemptId for FIFO queues: a receive repeated
 * with the same attempt id within five minutes (a retry after a lost
 * answer) returns the same messages and receipt handles while they are
 * still in flight under that receive, instead of receiving again. The
 * attempts of a queue are a hash map (lookup) plus a time-ordered list
 * (expiry, snapshots). */
#include <stdlib.h>
#include <string.h>

#include "sqs_int.h"

#define ATTEMPT_WINDOW_MS (5 * 60 * 1000ULL)

static uint64_t key_hash(const char *s)
{
	uint64_t h =
	    u64_mix(u64_hash_bytes(s, strlen(s), 0x84222325cbf29ce4ULL));

	return h ? h : 1;
}

struct sqs_attempt *sqs_attempt_find(struct sqs_queue *q, const char *id)
{
	struct sqs_attempt *a;

	for (a = u64map_get(&q->attempts, key_hash(id)); a != NULL;
	     a = a->hnext) {
		if (strcmp(a->id, id) == 0) {
			return a;
		}
	}
	return NULL;
}

int sqs_attempt_add(struct sqs_queue *q, const char *id, uint64_t at_ms,
		    const uint8_t nonce[16], const uint64_t *seqs, size_t n)
{
	struct sqs_attempt *a;

	if (n > SQS_BATCH_MAX || sqs_attempt_find(q, id) != NULL) {
		return -1;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL || (a->id = strdup(id)) == NULL) {
		free(a);
		return -1;
	}
	a->hash = key_hash(id);
	a->at_ms = at_ms;
	memcpy(a->nonce, nonce, 16);
	memcpy(a->seqs, seqs, n * sizeof(*seqs));
	a->n = n;
	a->hnext = u64map_get(&q->attempts, a->hash);
	if (u64map_put(&q->attempts, a->hash, a) != 0) {
		free(a->id);
		free(a);
		return -1;
	}
	a->prev = q->atail;
	if (q->atail) {
		q->atail->next = a;
	} else {
		q->ahead = a;
	}
	q->atail = a;
	return 0;
}

void sqs_attempt_remove(struct sqs_queue *q, struct sqs_attempt *a)
{
	struct sqs_attempt *first = u64map_get(&q->attempts, a->hash), **pp;

	if (first == a) {
		if (a->hnext) {
			u64map_put(&q->attempts, a->hash, a->hnext);
		} else {
			u64map_del(&q->attempts, a->hash);
		}
	} else {
		for (pp = &first->hnext; *pp != a; pp = &(*pp)->hnext) {
		}
		*pp = a->hnext;
	}
	if (a->prev) {
		a->prev->next = a->next;
	} else {
		q->ahead = a->next;
	}
	if (a->next) {
		a->next->prev = a->prev;
	} else {
		q->atail = a->prev;
	}
	free(a->id);
	free(a);
}

void sqs_attempts_expire(struct sqs_queue *q, uint64_t now)
{
	while (q->ahead != NULL && q->ahead->at_ms + ATTEMPT_WINDOW_MS <= now) {
		sqs_attempt_remove(q, q->ahead);
	}
}

void sqs_attempts_free(struct sqs_queue *q)
{
	while (q->ahead != NULL) {
		sqs_attempt_remove(q, q->ahead);
	}
}

bool sqs_attempt_id_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 128) {
		return false;
	}
	for (i = 0; i < n; i++) {
		if (s[i] < 0x21 || s[i] > 0x7e) {
			return false;
		}
	}
	return true;
}
