/* sqs_message — the message actions but receive: SendMessage(Batch)
 * (validation, FIFO deduplication), DeleteMessage(Batch),
 * ChangeMessageVisibility(Batch). Message ids come from the context. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsondoc.h"
#include "sqs_int.h"

/* An error of one entry (batch) or of the request. */
struct entry_err {
	const char *code;
	char msg[SERVICE_ERRMSG_SIZE];
};

static int fail(struct service_result *r, struct entry_err *e)
{
	e->code = r->error_code;
	snprintf(e->msg, sizeof(e->msg), "%s", r->error_message);
	return -1;
}

/* Characters AWS allows in a body: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD
 * #x10000-#x10FFFF. s is UTF-8 (jansson validated the encoding). */
static bool body_chars_ok(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + n;

	while (p < end) {
		uint32_t c;
		int k;

		/* Printable ASCII, the usual body, 16 bytes at a time. */
		p += jsondoc_ascii_run((const char *)p, (size_t)(end - p));
		if (p == end) {
			break;
		}
		if (*p < 0x80) {
			c = *p, k = 1;
		} else if ((*p & 0xe0) == 0xc0) {
			c = *p & 0x1f, k = 2;
		} else if ((*p & 0xf0) == 0xe0) {
			c = *p & 0x0f, k = 3;
		} else {
			c = *p & 0x07, k = 4;
		}
		if (p + k > end) {
			return false;
		}
		for (int i = 1; i < k; i++) {
			c = c << 6 | (p[i] & 0x3f);
		}
		p += k;
		if (!(c == 9 || c == 10 || c == 13 ||
		      (c >= 0x20 && c <= 0xd7ff) ||
		      (c >= 0xe000 && c <= 0xfffd) ||
		      (c >= 0x10000 && c <= 0x10ffff))) {
			return false;
		}
	}
	return true;
}

/* MessageGroupId / MessageDeduplicationId: 1-128 of alphanumerics and
 * punctuation. */
static bool token_ok(const char *s)
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

void sqs_seq_str(uint64_t seq, char out[32])
{
	/* "1" and seq in 20 digits, zero-padded: 21 digits, increasing with
	 * seq (AWS's are 20+ digits). Written by hand: every FIFO send and
	 * receive on every node. */
	int i;

	out[0] = '1';
	for (i = 20; i >= 1; i--) {
		out[i] = (char)('0' + seq % 10);
		seq /= 10;
	}
	out[21] = '\0';
}

/* Send one message (entry of a batch or the whole request). On success
 * fills out (borrowed object) with the response fields. */
/* md5: the body's MD5 in hex as prepare computed it (the context's
 * BodyMD5s), or NULL to compute it here. */
static int send_one(struct sqs_state *st, struct sqs_queue *q, const json_t *in,
		    const char *msg_id, const char *md5, uint64_t now,
		    json_t *out, bool *woke, bool dry, struct entry_err *e)
{
	struct service_result r = {0};
	const json_t *body_v = json_object_get(in, "MessageBody");
	const char *group =
	    json_string_value(json_object_get(in, "MessageGroupId"));
	const char *dedup =
	    json_string_value(json_object_get(in, "MessageDeduplicationId"));
	const json_t *sys = json_object_get(in, "MessageSystemAttributes");
	json_t *attrs = NULL, *sys_norm = NULL;
	char md5_attrs[33], md5_sys[33], sha[65], seqs[32];
	size_t size = 0, sys_size = 0;
	int64_t delay = q->cfg.delay_s;
	int has_delay;
	const char *trace = NULL;
	struct sqs_msg *m;
	char *dkey = NULL;

	(void)st;
	if (body_v == NULL) {
		sqs_err(&r, "MissingParameter",
			"The request must contain the parameter MessageBody.");
		return fail(&r, e);
	}
	if (!json_is_string(body_v) || json_string_length(body_v) == 0) {
		sqs_err(&r, "InvalidParameterValue",
			"Value for parameter MessageBody is invalid. Reason: "
			"Message must be at least one character.");
		return fail(&r, e);
	}
	if (!body_chars_ok(json_string_value(body_v),
			   json_string_length(body_v))) {
		sqs_err(&r, "InvalidMessageContents",
			"Invalid characters found. Valid unicode characters "
			"are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to "
			"#xFFFD | #x10000 to #x10FFFF");
		return fail(&r, e);
	}
	has_delay = sqs_get_int(in, "DelaySeconds", 0, 900, &delay, &r);
	if (has_delay < 0) {
		return fail(&r, e);
	}
	if (q->fifo && has_delay > 0) {
		sqs_err(&r, "InvalidParameterValue",
			"Value %lld for parameter DelaySeconds is invalid. "
			"Reason: The request include parameter that is not "
			"valid for this queue type.",
			(long long)delay);
		return fail(&r, e);
	}
	if (sqs_msg_attrs_check(json_object_get(in, "MessageAttributes"),
				"MessageAttributes", &attrs, md5_attrs, &size,
				&r) != 0) {
		return fail(&r, e);
	}
	if (sys != NULL) {
		const char *k;
		json_t *v;

		if (sqs_msg_attrs_check(sys, "MessageSystemAttributes",
					&sys_norm, md5_sys, &sys_size,
					&r) != 0) {
			json_decref(attrs);
			return fail(&r, e);
		}
		json_object_foreach(sys_norm, k, v)
		{
			if (strcmp(k, "AWSTraceHeader") != 0 ||
			    !json_is_string(
				json_object_get(v, "StringValue"))) {
				json_decref(attrs);
				json_decref(sys_norm);
				sqs_err(
				    &r, "InvalidParameterValue",
				    "Message system attribute name '%.200s' "
				    "is invalid.",
				    k);
				return fail(&r, e);
			}
			trace = json_string_value(
			    json_object_get(v, "StringValue"));
		}
	}
	size += json_string_length(body_v);
	if (size > q->cfg.max_message_bytes) {
		json_decref(attrs);
		json_decref(sys_norm);
		sqs_err(&r, "InvalidParameterValue",
			"One or more parameters are invalid. Reason: Message "
			"must be shorter than %u bytes.",
			q->cfg.max_message_bytes);
		return fail(&r, e);
	}
	if (q->fifo) {
		if (group == NULL) {
			sqs_err(&r, "MissingParameter",
				"The request must contain the parameter "
				"MessageGroupId.");
		} else if (!token_ok(group)) {
			sqs_err(&r, "InvalidParameterValue",
				"Value %.128s for parameter MessageGroupId is "
				"invalid.",
				group);
		} else if (dedup != NULL && !token_ok(dedup)) {
			sqs_err(&r, "InvalidParameterValue",
				"Value for parameter MessageDeduplicationId is "
				"invalid.");
		} else if (dedup == NULL && !q->cfg.content_dedup) {
			sqs_err(&r, "InvalidParameterValue",
				"The queue should either have "
				"ContentBasedDeduplication enabled or "
				"MessageDeduplicationId provided explicitly");
		}
	} else if (dedup != NULL) {
		sqs_err(&r, "InvalidParameterValue",
			"The request include parameter MessageDeduplicationId "
			"that is not valid for this queue type");
	} else if (group != NULL && !token_ok(group)) {
		sqs_err(&r, "InvalidParameterValue",
			"Value for parameter MessageGroupId is invalid.");
	}
	if (r.error_code != NULL) {
		json_decref(attrs);
		json_decref(sys_norm);
		return fail(&r, e);
	}
	if (dry) {
		json_decref(attrs);
		json_decref(sys_norm);
		return 0;
	}
	if (q->fifo) {
		struct sqs_dedup *d;
		size_t kl;

		if (dedup == NULL) {
			sqs_sha256_hex(json_string_value(body_v),
				       json_string_length(body_v), sha);
			dedup = sha;
		}
		kl = strlen(group) + strlen(dedup) + 2;
		dkey = malloc(kl);
		snprintf(dkey, kl, "%s\n%s",
			 q->cfg.dedup_scope_group ? group : "", dedup);
		d = sqs_dedup_find(q, dkey);
		if (d != NULL) {
			/* Accepted, not enqueued again: the original id. */
			sqs_seq_str(d->seq, seqs);
			json_object_set_new(out, "MessageId",
					    json_string(d->id));
			json_object_set_new(
			    out, "MD5OfMessageBody",
			    json_string("")); /* replaced below */
			free(dkey);
			dkey = NULL;
			m = NULL;
			goto answer;
		}
	}
	m = sqs_msg_alloc(json_string_value(body_v),
			  json_string_length(body_v));
	if (m == NULL) {
		goto oom;
	}
	m->seq = q->next_seq++;
	/* A UUID (the callers checked its 36 characters); no snprintf here,
	 * which cost ~4% of a follower in the produce benchmark. */
	memcpy(m->id, msg_id, strnlen(msg_id, sizeof(m->id) - 1));
	m->attrs = attrs;
	attrs = NULL;
	if (md5 != NULL && strlen(md5) == 32) {
		memcpy(m->md5_body, md5, 33);
	} else {
		sqs_md5_hex(m->body, m->body_len, m->md5_body);
	}
	memcpy(m->md5_attrs, md5_attrs, sizeof(md5_attrs));
	m->group_id = group ? strdup(group) : NULL;
	m->dedup_id = q->fifo ? strdup(dedup) : NULL;
	m->trace_header = trace ? strdup(trace) : NULL;
	m->sent_ms = now;
	if (delay > 0) {
		m->pending = true;
		m->visible_at_ms = now + (uint64_t)delay * 1000;
	}
	if (sqs_msg_insert(q, m) != 0) {
		sqs_msg_free(m);
		goto oom;
	}
	q->n_sent++;
	if (dkey != NULL) {
		sqs_dedup_add(q, dkey, m->id, m->seq, now);
		free(dkey);
		dkey = NULL;
	}
	if (!m->pending) {
		*woke = true;
	}
	if (q->fifo) {
		sqs_seq_str(m->seq, seqs);
	}
	json_object_set_new(out, "MessageId", json_string(m->id));
answer : {
	char md5_body[33];

	if (m != NULL) {
		memcpy(md5_body, m->md5_body, sizeof md5_body);
	} else if (md5 != NULL && strlen(md5) == 32) {
		memcpy(md5_body, md5, sizeof md5_body);
	} else {
		sqs_md5_hex(json_string_value(body_v),
			    json_string_length(body_v), md5_body);
	}
	json_object_set_new(out, "MD5OfMessageBody", json_string(md5_body));
}
	if (md5_attrs[0] != '\0') {
		json_object_set_new(out, "MD5OfMessageAttributes",
				    json_string(md5_attrs));
	}
	if (sys_norm != NULL) {
		json_object_set_new(out, "MD5OfMessageSystemAttributes",
				    json_string(md5_sys));
	}
	if (q->fifo) {
		json_object_set_new(out, "SequenceNumber", json_string(seqs));
	}
	json_decref(attrs);
	json_decref(sys_norm);
	return 0;
oom:
	free(dkey);
	json_decref(attrs);
	json_decref(sys_norm);
	e->code = "InternalError";
	snprintf(e->msg, sizeof(e->msg), "out of memory");
	return -1;
}

/* Batch Entries: present, 1-10, ids valid and distinct. */
static int batch_check(const json_t *in, struct service_result *r)
{
	const json_t *entries = json_object_get(in, "Entries");
	const char *ids[SQS_BATCH_MAX]; /* checked so far */
	size_t i, j, n;

	if (entries == NULL) {
		return sqs_err(r, "MissingParameter",
			       "The request must contain the parameter "
			       "Entries.");
	}
	if (!json_is_array(entries)) {
		return sqs_err(r, "InvalidParameterValue",
			       "Entries must be a list.");
	}
	n = json_array_size(entries);
	if (n == 0) {
		return sqs_err(r, "EmptyBatchRequest",
			       "There should be at least one "
			       "SendMessageBatchRequestEntry in the request.");
	}
	if (n > SQS_BATCH_MAX) {
		return sqs_err(r, "TooManyEntriesInBatchRequest",
			       "Maximum number of entries per request are 10. "
			       "You have sent %zu.",
			       n);
	}
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(entries, i);
		const char *id = json_string_value(json_object_get(e, "Id"));
		size_t k, len;

		if (!json_is_object(e) || id == NULL) {
			return sqs_err(r, "MissingParameter",
				       "The request must contain the "
				       "parameter Entries.%zu.Id.",
				       i + 1);
		}
		len = strlen(id);
		for (k = 0; k < len; k++) {
			char c = id[k];

			if (!((c >= 'a' && c <= 'z') ||
			      (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_')) {
				break;
			}
		}
		if (len == 0 || len > 80 || k < len) {
			return sqs_err(r, "InvalidBatchEntryId",
				       "A batch entry id can only contain "
				       "alphanumeric characters, hyphens and "
				       "underscores. It can be at most 80 "
				       "letters long.");
		}
		ids[i] = id;
		for (j = 0; j < i; j++) {
			if (strcmp(id, ids[j]) == 0) {
				return sqs_err(r, "BatchEntryIdsNotDistinct",
					       "Id %s repeated.", id);
			}
		}
	}
	return 0;
}

static json_t *failed_entry(const char *id, const struct entry_err *e)
{
	return json_pack("{s:s,s:b,s:s,s:s}", "Id", id, "SenderFault",
			 strcmp(e->code, "InternalError") != 0, "Code", e->code,
			 "Message", e->msg);
}

enum service_status sqs_send(struct sqs_state *st, const json_t *in,
			     const json_t *ctx, uint64_t now,
			     struct service_result *r, bool batch)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);
	const json_t *ids = json_object_get(ctx, "MessageIds");
	const json_t *md5s = json_object_get(ctx, "BodyMD5s");
	const json_t *entries;
	json_t *ok, *failed;
	struct entry_err e;
	bool woke = false;
	size_t i, total = 0;

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	sqs_queue_advance(q, now);
	if (!batch) {
		const char *id = json_string_value(json_array_get(ids, 0));
		json_t *out;

		if (id == NULL || strlen(id) != 36) {
			sqs_err(r, "InternalError",
				"The context carries no message id.");
			r->sender_fault = false;
			return SERVICE_ERROR;
		}
		out = json_object();
		if (send_one(st, q, in, id,
			     json_string_value(json_array_get(md5s, 0)), now,
			     out, &woke, false, &e) != 0) {
			json_decref(out);
			r->error_code = e.code;
			r->sender_fault = strcmp(e.code, "InternalError") != 0;
			snprintf(r->error_message, sizeof(r->error_message),
				 "%s", e.msg);
			return SERVICE_ERROR;
		}
		if (woke) {
			sqs_wake(st, q);
		}
		r->output = out;
		return SERVICE_OK;
	}
	if (batch_check(in, r) != 0) {
		return SERVICE_ERROR;
	}
	entries = json_object_get(in, "Entries");
	for (i = 0; i < json_array_size(entries); i++) {
		const json_t *b =
		    json_object_get(json_array_get(entries, i), "MessageBody");
		const json_t *a = json_object_get(json_array_get(entries, i),
						  "MessageAttributes");
		const char *k;
		json_t *v;

		total += json_string_length(b);
		json_object_foreach((json_t *)a, k, v)
		{
			total +=
			    strlen(k) +
			    json_string_length(json_object_get(v, "DataType")) +
			    json_string_length(
				json_object_get(v, "StringValue")) +
			    json_string_length(
				json_object_get(v, "BinaryValue")) *
				3 / 4;
		}
	}
	if (total > SQS_BATCH_BYTES_MAX) {
		sqs_err(r, "BatchRequestTooLong",
			"Batch requests cannot be longer than 1048576 bytes. "
			"You have sent %zu bytes.",
			total);
		return SERVICE_ERROR;
	}
	if (json_array_size(ids) != json_array_size(entries)) {
		sqs_err(r, "InternalError",
			"The context carries no message ids.");
		r->sender_fault = false;
		return SERVICE_ERROR;
	}
	ok = json_array();
	failed = json_array();
	for (i = 0; i < json_array_size(entries); i++) {
		const json_t *entry = json_array_get(entries, i);
		const char *eid =
		    json_string_value(json_object_get(entry, "Id"));
		const char *mid = json_string_value(json_array_get(ids, i));
		json_t *out = json_pack("{s:s}", "Id", eid);

		if (mid == NULL || strlen(mid) != 36) {
			e.code = "InternalError";
			snprintf(e.msg, sizeof(e.msg), "no message id");
			json_array_append_new(failed, failed_entry(eid, &e));
			json_decref(out);
		} else if (send_one(st, q, entry, mid,
				    json_string_value(json_array_get(md5s, i)),
				    now, out, &woke, false, &e) != 0) {
			json_array_append_new(failed, failed_entry(eid, &e));
			json_decref(out);
		} else {
			json_array_append_new(ok, out);
		}
	}
	if (woke) {
		sqs_wake(st, q);
	}
	r->output = json_pack("{s:o,s:o}", "Successful", ok, "Failed", failed);
	return SERVICE_OK;
}

/* ---------------- delete / change visibility ---------------- */

/* Parse a receipt handle. -1 when malformed. */
static int handle_parse(const char *h, uint64_t *seq, uint8_t nonce[16])
{
	uint8_t b[8];
	int i;

	if (h == NULL || strlen(h) != SQS_HANDLE_LEN ||
	    sqs_unhex(h, 8, b) != 0 || sqs_unhex(h + 16, 16, nonce) != 0) {
		return -1;
	}
	*seq = 0;
	for (i = 0; i < 8; i++) {
		*seq = *seq << 8 | b[i];
	}
	return 0;
}

static int handle_get(const json_t *in, uint64_t *seq, uint8_t nonce[16],
		      struct service_result *r)
{
	const json_t *v = json_object_get(in, "ReceiptHandle");

	if (v == NULL) {
		return sqs_err(r, "MissingParameter",
			       "The request must contain the parameter "
			       "ReceiptHandle.");
	}
	if (handle_parse(json_string_value(v), seq, nonce) != 0) {
		return sqs_err(r, "ReceiptHandleIsInvalid",
			       "The input receipt handle \"%.100s\" is not a "
			       "valid receipt handle.",
			       json_string_value(v) ? json_string_value(v)
						    : "");
	}
	return 0;
}

static int delete_one(struct sqs_state *st, struct sqs_queue *q,
		      const json_t *in, struct service_result *r)
{
	uint64_t seq;
	uint8_t nonce[16];
	struct sqs_msg *m;

	if (handle_get(in, &seq, nonce, r) != 0) {
		return -1;
	}
	m = seq_index_get(&q->by_seq, seq);
	/* Gone already or an older handle: succeeds, as in AWS. */
	if (m != NULL && memcmp(m->nonce, nonce, 16) == 0) {
		/* A FIFO message in flight blocks its group: its deletion
		 * may make the next one available. */
		bool unblocks = q->fifo && m->inflight;

		sqs_msg_remove(q, m);
		q->n_deleted++;
		if (unblocks) {
			sqs_wake(st, q);
		}
	}
	return 0;
}

static int change_one(struct sqs_state *st, struct sqs_queue *q,
		      const json_t *in, struct service_result *r)
{
	uint64_t seq, at;
	uint8_t nonce[16];
	struct sqs_msg *m;
	int64_t vt;
	int has;

	if (handle_get(in, &seq, nonce, r) != 0) {
		return -1;
	}
	has = sqs_get_int(in, "VisibilityTimeout", 0, SQS_MAX_VISIBILITY_S, &vt,
			  r);
	if (has < 0) {
		return -1;
	}
	if (has == 0) {
		return sqs_err(r, "MissingParameter",
			       "The request must contain the parameter "
			       "VisibilityTimeout.");
	}
	m = seq_index_get(&q->by_seq, seq);
	if (m == NULL || memcmp(m->nonce, nonce, 16) != 0) {
		return sqs_err(
		    r, "InvalidParameterValue",
		    "Value %s for parameter ReceiptHandle is "
		    "invalid. Reason: The receipt handle has "
		    "expired.",
		    json_string_value(json_object_get(in, "ReceiptHandle")));
	}
	if (!m->inflight) {
		return sqs_err(r, "MessageNotInflight",
			       "Message does not exist or is not available "
			       "for visibility timeout change.");
	}
	at = q->clock_ms + (uint64_t)vt * 1000;
	if (at > m->first_receive_ms + (uint64_t)SQS_MAX_VISIBILITY_S * 1000) {
		return sqs_err(r, "InvalidParameterValue",
			       "Value %lld for parameter VisibilityTimeout is "
			       "invalid. Reason: Total VisibilityTimeout for "
			       "the message is beyond the limit [43200 "
			       "seconds]",
			       (long long)vt);
	}
	sqs_msg_set_visible_at(q, m, at);
	if (vt == 0) {
		sqs_wake(st, q);
	}
	return 0;
}

/* Delete or change the visibility of each entry; the answer is printed
 * directly (as jsondoc_dump would print it: "Failed" before
 * "Successful"), not built as a document: a consumer's DeleteMessageBatch
 * is applied, and its answer kept for retries, on every node. Out of
 * memory the answer is {} (the entries are done: never an error after a
 * change), and a failed entry whose failure cannot be built is left out
 * of both lists (as before). */
static enum service_status batch_run(struct sqs_state *st, struct sqs_queue *q,
				     const json_t *in, struct service_result *r,
				     bool change)
{
	const json_t *entries = json_object_get(in, "Entries");
	json_t *failed[SQS_BATCH_MAX] = {0};
	bool bad[SQS_BATCH_MAX] = {0}; /* failed (its entry NULL when OOM) */
	struct jsondoc_out o = {0};
	size_t i, n = json_array_size(entries);
	const char *sep = "";

	n = n < SQS_BATCH_MAX ? n : SQS_BATCH_MAX; /* batch_check's limit */
	for (i = 0; i < n; i++) {
		const json_t *entry = json_array_get(entries, i);
		struct service_result er = {0};
		int rc = change ? change_one(st, q, entry, &er)
				: delete_one(st, q, entry, &er);

		if (rc != 0) {
			struct entry_err e = {.code = er.error_code};

			snprintf(e.msg, sizeof(e.msg), "%s", er.error_message);
			bad[i] = true;
			failed[i] = failed_entry(
			    json_string_value(json_object_get(entry, "Id")),
			    &e);
		}
	}
	JSONDOC_OUT_LIT(&o, "{\"Failed\":[");
	for (i = 0; i < n; i++) {
		if (failed[i] != NULL) {
			jsondoc_out_raw(&o, sep, strlen(sep));
			jsondoc_out_value(&o, failed[i]);
			json_decref(failed[i]);
			sep = ",";
		}
	}
	JSONDOC_OUT_LIT(&o, "],\"Successful\":[");
	sep = "";
	for (i = 0; i < n; i++) {
		if (!bad[i]) {
			const char *id = json_string_value(
			    json_object_get(json_array_get(entries, i), "Id"));

			jsondoc_out_raw(&o, sep, strlen(sep));
			JSONDOC_OUT_LIT(&o, "{\"Id\":");
			jsondoc_out_string(&o, id, strlen(id));
			JSONDOC_OUT_LIT(&o, "}");
			sep = ",";
		}
	}
	JSONDOC_OUT_LIT(&o, "]}");
	r->output_text = jsondoc_out_finish(&o, NULL);
	return SERVICE_OK;
}

enum service_status sqs_delete(struct sqs_state *st, const json_t *in,
			       uint64_t now, struct service_result *r,
			       bool batch)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	sqs_queue_advance(q, now);
	if (batch) {
		if (batch_check(in, r) != 0) {
			return SERVICE_ERROR;
		}
		return batch_run(st, q, in, r, false);
	}
	if (delete_one(st, q, in, r) != 0) {
		return SERVICE_ERROR;
	}
	r->output = json_object();
	return SERVICE_OK;
}

enum service_status sqs_change_vis(struct sqs_state *st, const json_t *in,
				   uint64_t now, struct service_result *r,
				   bool batch)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	sqs_queue_advance(q, now);
	if (batch) {
		if (batch_check(in, r) != 0) {
			return SERVICE_ERROR;
		}
		return batch_run(st, q, in, r, true);
	}
	if (change_one(st, q, in, r) != 0) {
		return SERVICE_ERROR;
	}
	r->output = json_object();
	return SERVICE_OK;
}

enum service_status sqs_message_precheck(struct sqs_state *st,
					 struct sqs_queue *q,
					 const char *action, const json_t *in,
					 struct service_result *r)
{
	uint64_t seq;
	uint8_t nonce[16];
	int64_t v;

	if (strcmp(action, "SendMessage") == 0) {
		struct entry_err e;
		bool woke = false;

		if (send_one(st, q, in, NULL, NULL, 0, NULL, &woke, true, &e) !=
		    0) {
			r->error_code = e.code;
			r->sender_fault = strcmp(e.code, "InternalError") != 0;
			snprintf(r->error_message, sizeof(r->error_message),
				 "%s", e.msg);
			return SERVICE_ERROR;
		}
	} else if (strcmp(action, "SendMessageBatch") == 0 ||
		   strcmp(action, "DeleteMessageBatch") == 0 ||
		   strcmp(action, "ChangeMessageVisibilityBatch") == 0) {
		if (batch_check(in, r) != 0) {
			return SERVICE_ERROR;
		}
	} else if (strcmp(action, "DeleteMessage") == 0) {
		if (handle_get(in, &seq, nonce, r) != 0) {
			return SERVICE_ERROR;
		}
	} else if (strcmp(action, "ChangeMessageVisibility") == 0) {
		int has;

		if (handle_get(in, &seq, nonce, r) != 0) {
			return SERVICE_ERROR;
		}
		has = sqs_get_int(in, "VisibilityTimeout", 0,
				  SQS_MAX_VISIBILITY_S, &v, r);
		if (has < 0) {
			return SERVICE_ERROR;
		}
		if (has == 0) {
			sqs_err(r, "MissingParameter",
				"The request must contain the parameter "
				"VisibilityTimeout.");
			return SERVICE_ERROR;
		}
	} else if (strcmp(action, "ReceiveMessage") == 0) {
		if (sqs_get_int(in, "MaxNumberOfMessages", 1, 10, &v, r) < 0 ||
		    sqs_get_int(in, "VisibilityTimeout", 0,
				SQS_MAX_VISIBILITY_S, &v, r) < 0) {
			return SERVICE_ERROR;
		}
	}
	return SERVICE_OK;
}
