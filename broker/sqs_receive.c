/* sqs_receive — ReceiveMessage: standard and FIFO receives, long polls
 * (SERVICE_WAIT with the queue's wait key and the earliest due time),
 * dead-letter moves, ReceiveRequestAttemptId retries, and the message
 * document a receive returns. The receipt nonce and the long-poll deadline
 * come from the context. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsondoc.h"
#include "sqs_int.h"

/* ---------------- receive ---------------- */

/* The system attributes a receive can return, in the order the answer
 * lists them (sorted, as jsondoc_dump prints keys). */
enum system_attr {
	SA_TRACE_HEADER,
	SA_FIRST_RECEIVE,
	SA_RECEIVE_COUNT,
	SA_DEDUP_ID,
	SA_GROUP_ID,
	SA_SENDER_ID,
	SA_SENT,
	SA_SEQUENCE_NUMBER,
	SYSTEM_ATTRS
};

static const char *const system_attr_names[SYSTEM_ATTRS] = {
    "AWSTraceHeader",	       "ApproximateFirstReceiveTimestamp",
    "ApproximateReceiveCount", "MessageDeduplicationId",
    "MessageGroupId",	       "SenderId",
    "SentTimestamp",	       "SequenceNumber"};

/* What a receive request selects, worked out once for all its messages. */
struct selection {
	bool system[SYSTEM_ATTRS];
	const json_t *message_attrs; /* MessageAttributeNames, or NULL */
};

static void selection_init(struct selection *sel, const json_t *in)
{
	const json_t *an = json_object_get(in, "AttributeNames");
	const json_t *sn = json_object_get(in, "MessageSystemAttributeNames");
	int i;

	for (i = 0; i < SYSTEM_ATTRS; i++) {
		sel->system[i] = sqs_attr_selected(an, system_attr_names[i]) ||
				 sqs_attr_selected(sn, system_attr_names[i]);
	}
	sel->message_attrs = json_object_get(in, "MessageAttributeNames");
}

/* One "name":"value" member of a received message's Attributes (every
 * value is a string); the first opens the object. */
static void put_attr(struct jsondoc_out *o, bool *first, enum system_attr a,
		     const char *v)
{
	const char *name = system_attr_names[a];

	if (*first) {
		JSONDOC_OUT_LIT(o, "\"Attributes\":{\"");
	} else {
		JSONDOC_OUT_LIT(o, ",\"");
	}
	jsondoc_out_raw(o, name, strlen(name));
	JSONDOC_OUT_LIT(o, "\":");
	jsondoc_out_string(o, v, strlen(v));
	*first = false;
}

static void put_attr_num(struct jsondoc_out *o, bool *first, enum system_attr a,
			 uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	put_attr(o, first, a, b);
}

/* Whether attribute name matches a MessageAttributeNames entry. */
static bool attr_wanted(const json_t *names, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(names, i, v)
	{
		const char *s = json_string_value(v);
		size_t n;

		if (s == NULL) {
			continue;
		}
		n = strlen(s);
		if (strcmp(s, "All") == 0 || strcmp(s, ".*") == 0 ||
		    strcmp(s, name) == 0 ||
		    (n > 2 && strcmp(s + n - 2, ".*") == 0 &&
		     strncmp(s, name, n - 1) == 0)) {
			return true;
		}
	}
	return false;
}

/* Write one received message as jsondoc_dump would print its document
 * (keys sorted), without building it: the answers of receives are most of
 * the leader's output in a consume, and building then printing jansson
 * documents of ten 1 KiB bodies was ~15% of its CPU. */
static void message_out(struct jsondoc_out *o, const struct sqs_queue *q,
			const struct sqs_msg *m, const struct selection *sel)
{
	const bool *want = sel->system;
	json_t *norm = NULL;
	char handle[SQS_HANDLE_LEN + 1], seqs[32], md5_attrs[33];
	uint8_t hb[8];
	bool first = true;
	int i;

	for (i = 0; i < 8; i++) {
		hb[i] = (uint8_t)(m->seq >> (56 - 8 * i));
	}
	sqs_hex(hb, 8, handle);
	sqs_hex(m->nonce, 16, handle + 16);
	if (m->attrs != NULL && sel->message_attrs != NULL) {
		json_t *picked = json_object();
		const char *k;
		json_t *v;
		size_t size = 0;
		struct service_result r = {0};

		json_object_foreach(m->attrs, k, v)
		{
			if (attr_wanted(sel->message_attrs, k)) {
				json_object_set(picked, k, v);
			}
		}
		if (json_object_size(picked) == 0 ||
		    sqs_msg_attrs_check(picked, "MessageAttributes", &norm,
					md5_attrs, &size, &r) != 0) {
			norm = NULL;
		}
		json_decref(picked);
	}

	JSONDOC_OUT_LIT(o, "{");
	/* Attributes, in sorted order; only when one is selected. */
	if (m->trace_header && want[SA_TRACE_HEADER]) {
		put_attr(o, &first, SA_TRACE_HEADER, m->trace_header);
	}
	if (want[SA_FIRST_RECEIVE]) {
		put_attr_num(o, &first, SA_FIRST_RECEIVE, m->first_receive_ms);
	}
	if (want[SA_RECEIVE_COUNT]) {
		put_attr_num(o, &first, SA_RECEIVE_COUNT, m->receive_count);
	}
	if (m->dedup_id && want[SA_DEDUP_ID]) {
		put_attr(o, &first, SA_DEDUP_ID, m->dedup_id);
	}
	if (m->group_id && want[SA_GROUP_ID]) {
		put_attr(o, &first, SA_GROUP_ID, m->group_id);
	}
	if (want[SA_SENDER_ID]) {
		put_attr(o, &first, SA_SENDER_ID, "AIDAIENQZJOLO23YVJ4VO");
	}
	if (want[SA_SENT]) {
		put_attr_num(o, &first, SA_SENT, m->sent_ms);
	}
	if (q->fifo && want[SA_SEQUENCE_NUMBER]) {
		sqs_seq_str(m->seq, seqs);
		put_attr(o, &first, SA_SEQUENCE_NUMBER, seqs);
	}
	if (!first) {
		JSONDOC_OUT_LIT(o, "},");
	}
	/* The strings were checked when the message was sent. */
	JSONDOC_OUT_LIT(o, "\"Body\":");
	jsondoc_out_string(o, m->body, m->body_len);
	JSONDOC_OUT_LIT(o, ",\"MD5OfBody\":");
	jsondoc_out_string(o, m->md5_body, 32);
	if (norm != NULL) {
		JSONDOC_OUT_LIT(o, ",\"MD5OfMessageAttributes\":");
		jsondoc_out_string(o, md5_attrs, 32);
		JSONDOC_OUT_LIT(o, ",\"MessageAttributes\":");
		jsondoc_out_value(o, norm);
		json_decref(norm);
	}
	JSONDOC_OUT_LIT(o, ",\"MessageId\":");
	jsondoc_out_string(o, m->id, strlen(m->id));
	JSONDOC_OUT_LIT(o, ",\"ReceiptHandle\":");
	jsondoc_out_string(o, handle, SQS_HANDLE_LEN);
	JSONDOC_OUT_LIT(o, "}");
}

/* The answer of a receive that took ms[0..n): {"Messages":[...]}, or {}
 * when n is 0, printed (service_result.output_text); NULL when out of
 * memory — then the node sends {}: apply has changed the state by then and
 * every replica must record the same result (the stored form still names
 * the messages taken, so a retry renders them), not an error only this
 * node would give. */
static char *messages_answer(const struct sqs_queue *q,
			     const struct sqs_msg *const *ms, size_t n,
			     const json_t *in)
{
	struct jsondoc_out o = {0};
	struct selection sel;
	size_t i, len;

	if (n == 0) {
		return strdup("{}");
	}
	selection_init(&sel, in);
	/* Bodies plus what every message carries besides (ids, handle,
	 * digests, a few attributes): the document grows once. */
	for (i = 0, len = 16; i < n; i++) {
		len += ms[i]->body_len + 512;
	}
	jsondoc_out_reserve(&o, len);
	JSONDOC_OUT_LIT(&o, "{\"Messages\":[");
	for (i = 0; i < n; i++) {
		if (i > 0) {
			JSONDOC_OUT_LIT(&o, ",");
		}
		message_out(&o, q, ms[i], &sel);
	}
	JSONDOC_OUT_LIT(&o, "]}");
	return jsondoc_out_finish(&o, NULL);
}

/* Move m from q to its dead-letter queue. Returns false when there is no
 * dead-letter queue (m stays). */
static bool move_to_dlq(struct sqs_state *st, struct sqs_queue *q,
			struct sqs_msg *m, uint64_t now)
{
	struct sqs_queue *dlq = sqs_queue_find(st, q->cfg.dlq_name);

	if (dlq == NULL || dlq == q || dlq->fifo != q->fifo) {
		return false;
	}
	sqs_queue_advance(dlq, now);
	sqs_msg_unlink(q, m);
	free(m->origin);
	m->origin = strdup(q->name); /* for a redrive back (move tasks) */
	m->seq = dlq->next_seq++;
	if (dlq->fifo) {
		m->sent_ms = now; /* FIFO DLQs restart the retention clock */
	}
	if (sqs_msg_insert(dlq, m) != 0) {
		sqs_msg_free(m);
		return true;
	}
	sqs_wake(st, dlq);
	return true;
}

/* Validate a list-of-strings field. */
static int names_check(const json_t *in, const char *key,
		       struct service_result *r)
{
	const json_t *v = json_object_get(in, key), *x;
	size_t i;

	if (v == NULL) {
		return 0;
	}
	if (!json_is_array(v)) {
		return sqs_err(r, "InvalidParameterValue", "%s must be a list.",
			       key);
	}
	json_array_foreach(v, i, x)
	{
		if (!json_is_string(x)) {
			return sqs_err(r, "InvalidParameterValue",
				       "%s must be a list of strings.", key);
		}
	}
	return 0;
}

/* Those of q that one receive took (seqs, under receipt nonce), in order,
 * into ms, leaving out any no longer in flight under that receive
 * (deleted, or received again since). Returns how many. */
static size_t taken_still(const struct sqs_queue *q, const uint8_t nonce[16],
			  const uint64_t *seqs, size_t n,
			  const struct sqs_msg *ms[SQS_BATCH_MAX])
{
	size_t i, k = 0;

	for (i = 0; i < n && k < SQS_BATCH_MAX; i++) {
		const struct sqs_msg *m = seq_index_get(&q->by_seq, seqs[i]);

		if (m != NULL && m->inflight &&
		    memcmp(m->nonce, nonce, 16) == 0) {
			ms[k++] = m;
		}
	}
	return k;
}

/* The stored form of a receive's answer (service.h, "Stored outputs"):
 * the request's queue and attribute selections, the receipt nonce and
 * the sequence numbers taken — ~100 bytes instead of ten bodies. */
static json_t *receive_stored(const json_t *in, const char *nonce_hex,
			      const uint64_t *seqs, size_t n)
{
	static const char *const keep[] = {"QueueUrl", "AttributeNames",
					   "MessageSystemAttributeNames",
					   "MessageAttributeNames"};
	json_t *doc = json_object(), *a = json_array();
	size_t i;

	for (i = 0; i < sizeof keep / sizeof *keep; i++) {
		json_t *v = json_object_get(in, keep[i]);

		if (v != NULL) {
			json_object_set(doc, keep[i], v);
		}
	}
	for (i = 0; i < n; i++) {
		json_array_append_new(a, json_integer((json_int_t)seqs[i]));
	}
	json_object_set_new(doc, "ReceiptNonce", json_string(nonce_hex));
	json_object_set_new(doc, "Seqs", a);
	return doc;
}

enum service_status sqs_receive_render(struct sqs_state *st,
				       const json_t *stored,
				       struct service_result *r)
{
	const struct sqs_queue *q = sqs_queue_by_url(st, stored, r);
	const char *nonce_hex =
	    json_string_value(json_object_get(stored, "ReceiptNonce"));
	const json_t *a = json_object_get(stored, "Seqs");
	uint64_t seqs[SQS_BATCH_MAX];
	const struct sqs_msg *taken[SQS_BATCH_MAX];
	uint8_t nonce[16];
	size_t i, n = json_array_size(a);

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	if (nonce_hex == NULL || strlen(nonce_hex) != 32 ||
	    sqs_unhex(nonce_hex, 16, nonce) != 0 || n > SQS_BATCH_MAX) {
		sqs_err(r, "InternalError", "A recorded answer is damaged.");
		r->sender_fault = false;
		return SERVICE_ERROR;
	}
	for (i = 0; i < n; i++) {
		seqs[i] = (uint64_t)json_integer_value(json_array_get(a, i));
	}
	n = taken_still(q, nonce, seqs, n, taken);
	r->output_text = messages_answer(q, taken, n, stored);
	return SERVICE_OK;
}

enum service_status sqs_receive(struct sqs_state *st, const json_t *in,
				const json_t *ctx, uint64_t now,
				struct service_result *r)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);
	int64_t max = 1, vt, wait = 0;
	const char *nonce_hex =
	    json_string_value(json_object_get(ctx, "ReceiptNonce"));
	uint8_t nonce[16];
	size_t limit;
	uint64_t visible_at;
	bool at_limit = false;
	const char *attempt_id =
	    json_string_value(json_object_get(in, "ReceiveRequestAttemptId"));
	struct sqs_msg *taken[SQS_BATCH_MAX];
	uint64_t seqs[SQS_BATCH_MAX];
	size_t i, n = 0;

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	vt = q->cfg.visibility_timeout_s;
	if (sqs_get_int(in, "MaxNumberOfMessages", 1, 10, &max, r) < 0 ||
	    sqs_get_int(in, "VisibilityTimeout", 0, SQS_MAX_VISIBILITY_S, &vt,
			r) < 0 ||
	    sqs_get_int(in, "WaitTimeSeconds", 0, 20, &wait, r) < 0 ||
	    names_check(in, "AttributeNames", r) != 0 ||
	    names_check(in, "MessageSystemAttributeNames", r) != 0 ||
	    names_check(in, "MessageAttributeNames", r) != 0) {
		return SERVICE_ERROR;
	}
	if (nonce_hex == NULL || strlen(nonce_hex) != 32 ||
	    sqs_unhex(nonce_hex, 16, nonce) != 0) {
		sqs_err(r, "InternalError",
			"The context carries no receipt nonce.");
		r->sender_fault = false;
		return SERVICE_ERROR;
	}
	sqs_queue_advance(q, now);
	now = q->clock_ms;
	visible_at = now + (uint64_t)vt * 1000;
	if (q->fifo && attempt_id != NULL) {
		struct sqs_attempt *a;

		if (!sqs_attempt_id_ok(attempt_id)) {
			sqs_err(r, "InvalidParameterValue",
				"Value for parameter ReceiveRequestAttemptId "
				"is invalid.");
			return SERVICE_ERROR;
		}
		a = sqs_attempt_find(q, attempt_id);
		if (a != NULL) {
			/* A retry: the same messages and handles while
			 * they are still in flight under that receive. */
			const struct sqs_msg *again[SQS_BATCH_MAX];
			size_t k =
			    taken_still(q, a->nonce, a->seqs, a->n, again);

			if (k > 0) {
				r->output_text =
				    messages_answer(q, again, k, in);
				return SERVICE_OK;
			}
			sqs_attempt_remove(q, a);
		}
	}
	limit = q->fifo ? SQS_INFLIGHT_FIFO : SQS_INFLIGHT_STD;
	while ((int64_t)n < max) {
		struct sqs_msg *m;

		if (q->n_inflight >= limit) {
			at_limit = true;
			break;
		}
		if (!q->fifo) {
			m = q->rhead;
			if (m == NULL) {
				break;
			}
		} else {
			struct sqs_group *g = q->ghead;

			if (g == NULL) {
				break;
			}
			/* Off the ready list first: once a message is in
			 * flight the group is blocked; removals below put it
			 * back if it is still eligible. */
			sqs_group_pop_ready(q);
			if (!sqs_group_eligible(g)) {
				continue;
			}
			m = g->head;
			/* Take as many of this group as fit, in order;
			 * delayed messages are skipped, not waited for. */
			while (m != NULL && (int64_t)n < max &&
			       q->n_inflight < limit) {
				struct sqs_msg *next = m->rnext;

				if (m->pending) {
					/* delayed, or just taken */
				} else if (sqs_msg_expired(q, m, now)) {
					sqs_msg_remove(q, m);
				} else if (q->cfg.max_receive_count &&
					   m->receive_count >=
					       q->cfg.max_receive_count &&
					   move_to_dlq(st, q, m, now)) {
				} else if (sqs_msg_take(q, m, visible_at, nonce,
							now) == 0) {
					taken[n++] = m;
				} else {
					break;
				}
				m = next;
			}
			continue;
		}
		if (sqs_msg_expired(q, m, now)) {
			sqs_msg_remove(q, m);
			continue;
		}
		if (q->cfg.max_receive_count &&
		    m->receive_count >= q->cfg.max_receive_count &&
		    move_to_dlq(st, q, m, now)) {
			continue;
		}
		if (sqs_msg_take(q, m, visible_at, nonce, now) != 0) {
			break;
		}
		taken[n++] = m;
	}
	if (n == 0) {
		json_t *until = json_object_get(ctx, "WaitUntilMs");
		uint64_t deadline = json_is_integer(until)
					? (uint64_t)json_integer_value(until)
					: 0;

		if (at_limit) {
			sqs_err(r, "OverLimit",
				"Too many messages in flight (limit %zu).",
				limit);
			return SERVICE_ERROR;
		}
		if (deadline > now &&
		    !json_is_true(json_object_get(ctx, "final"))) {
			uint64_t due = sqs_queue_next_due(q);

			sqs_wait_key(st, q, r->wait_key, sizeof(r->wait_key));
			r->wake_at_ms =
			    due != 0 && due < deadline ? due : deadline;
			return SERVICE_WAIT;
		}
		r->output = json_object();
		return SERVICE_OK;
	}
	for (i = 0; i < n; i++) {
		seqs[i] = taken[i]->seq;
	}
	if (q->fifo && attempt_id != NULL) {
		sqs_attempt_add(q, attempt_id, now, nonce, seqs, n);
	}
	/* Wakes are counted (sqs_wake): what is left now, for as many
	 * waiters (none if this receive, fused behind a send, took it). */
	sqs_wake(st, q);
	r->stored = receive_stored(in, nonce_hex, seqs, n);
	if (!r->output_unneeded) {
		r->output_text = messages_answer(
		    q, (const struct sqs_msg *const *)taken, n, in);
	}
	return SERVICE_OK;
}
