/* sqs_digest — an order-independent digest of the SQS state: per message
 * and per queue hashes are mixed and summed, so equal states give equal
 * digests whatever the order of their lists. Covers everything a snapshot
 * carries except the order of the ready lists. */
#include <stdlib.h>
#include <string.h>

#include "jsondoc.h"
#include "sqs_int.h"

/* ---------------- digest ---------------- */

static uint64_t hs(const char *s, uint64_t h)
{
	if (s == NULL) {
		return u64_mix(h ^ 0x5bd1e995);
	}
	return u64_hash_bytes(s, strlen(s) + 1, h);
}

static uint64_t hu(uint64_t v, uint64_t h)
{
	return u64_hash_bytes(&v, sizeof(v), h);
}

static uint64_t msg_digest(const struct sqs_msg *m)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char *a = m->attrs ? jsondoc_dump(m->attrs, NULL) : NULL;

	h = hu(m->seq, h);
	h = hs(m->id, h);
	/* The body through its MD5 (computed at send): 1 GB of bodies is
	 * not rehashed byte by byte. */
	h = hs(m->md5_body, hu(m->body_len, h));
	h = hs(a, h);
	free(a);
	h = hs(m->group_id, h);
	h = hs(m->dedup_id, h);
	h = hs(m->trace_header, h);
	h = hs(m->origin, h);
	h = hu(m->sent_ms, h);
	h = hu(m->first_receive_ms, h);
	h = hu(m->pending ? m->visible_at_ms : 0, h);
	h = hu(m->receive_count, h);
	h = hu((uint64_t)m->pending << 1 | m->inflight, h);
	h = u64_hash_bytes(m->nonce, 16, h);
	return u64_mix(h);
}

static uint64_t queue_digest(const struct sqs_queue *q)
{
	uint64_t h = 0xcbf29ce484222325ULL, sum = 0;
	const struct sqs_msg *m;
	const struct sqs_dedup *d;
	const struct sqs_attempt *a;
	char *tags = json_dumps(q->tags, JSON_COMPACT | JSON_SORT_KEYS);

	h = hs(q->name, h);
	h = hs(q->url, h);
	h = hs(tags, h);
	free(tags);
	h = hu(q->fifo, h);
	h = hu(q->created_ms, h);
	h = hu(q->modified_ms, h);
	h = hu(q->last_purge_ms, h);
	h = hu(q->next_seq, h);
	h = hu(q->cfg.visibility_timeout_s, h);
	h = hu(q->cfg.retention_s, h);
	h = hu(q->cfg.max_message_bytes, h);
	h = hu(q->cfg.delay_s, h);
	h = hu(q->cfg.receive_wait_s, h);
	h = hu((uint64_t)q->cfg.content_dedup << 2 |
		   (uint64_t)q->cfg.dedup_scope_group << 1 |
		   q->cfg.throughput_per_group,
	       h);
	h = hs(q->cfg.redrive_policy, h);
	h = hs(q->cfg.redrive_allow_policy, h);
	h = hs(q->cfg.policy, hs(q->cfg.kms_key_id, h));
	h = hu(q->cfg.kms_reuse_s, hu(q->cfg.sse_sqs, h));
	for (m = q->head; m != NULL; m = m->next) {
		sum += msg_digest(m);
	}
	for (d = q->dhead; d != NULL; d = d->next) {
		sum +=
		    u64_mix(hu(d->at_ms, hu(d->seq, hs(d->id, hs(d->key, 7)))));
	}
	for (a = q->ahead; a != NULL; a = a->next) {
		uint64_t ah = hu(a->at_ms, hs(a->id, 13));
		size_t i;

		ah = u64_hash_bytes(a->nonce, 16, ah);
		for (i = 0; i < a->n; i++) {
			ah = hu(a->seqs[i], ah);
		}
		sum += u64_mix(ah);
	}
	for (size_t i = 0; i < q->n_tasks; i++) {
		const struct sqs_task *t = &q->tasks[i];

		h = hs(t->handle, h);
		h = hs(t->dest_arn, h);
		h = hu(t->rate,
		       hu(t->moved, hu(t->to_move, hu(t->started_ms, h))));
		h = hu(t->status, hu(t->horizon_seq, hu(t->cursor_seq, h)));
		h = hu(t->tat_us, hu(t->last_step_ms, hs(t->failure, h)));
	}
	return u64_mix(hu(sum, h));
}

uint64_t sqs_digest(const void *state)
{
	const struct sqs_state *st = state;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < st->n_queues; i++) {
		sum += queue_digest(st->queues[i]);
	}
	for (i = 0; i < st->n_deleted; i++) {
		sum += u64_mix(
		    hu(st->deleted[i].at_ms, hs(st->deleted[i].name, 11)));
	}
	return u64_mix(sum ^ 0x5157u);
}
