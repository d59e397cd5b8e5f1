/* sqs_snap — the SQS state's snapshot and restore (digest: sqs_digest.c).
 *
 * Snapshot format: our own length-prefixed binary, little-endian.
 *   str   = u32 length + bytes          opt = u8 present (0/1) + str
 *   "SQS1"
 *   u32 n_deleted  { str name, u64 at_ms }
 *   u32 n_queues   (name order) {
 *     str name, u8 fifo, str url,
 *     u64 created_ms, modified_ms, last_purge_ms, clock_ms, next_seq,
 *     u32 visibility, retention, max_size, delay, receive_wait,
 *     u8 content_dedup, dedup_scope_group, throughput_per_group,
 *     opt redrive_policy, opt redrive_allow_policy,
 *     SQS3: opt policy, opt kms_key_id, u32 kms_reuse_s, u8 sse_sqs,
 *     str tags (JSON),
 *     u64 n_msgs (send order) {
 *       u64 seq, 36 bytes message id, str body, opt attributes (JSON),
 *       str md5_attrs, opt group, opt dedup, opt trace, opt origin,
 *       u64 sent_ms, first_receive_ms, visible_at_ms, u32 receive_count,
 *       u8 flags (1 pending, 2 in flight), 16 bytes receipt nonce }
 *     u64 n_ready { u64 seq }            standard: available order
 *     u32 n_ready_groups { str group }   FIFO: ready-group order
 *     u64 n_dedups { str key, 36 bytes id, u64 seq, u64 at_ms }
 *     u32 n_attempts { str id, u64 at_ms, 16 bytes nonce, u8 n,
 *                      u64 seq[n] }
 *     u32 n_tasks (<= 10, newest first) { 32 bytes handle,
 *                      opt destination ARN, u32 rate, u64 moved,
 *                      u64 to_move, u64 started_ms,
 *                      SQS2: u8 status, u64 horizon_seq, cursor_seq,
 *                      tat_us, last_step_ms, opt failure } }
 * Versions: "SQS2" added the task progress fields (tasks that move over
 * time), "SQS3" the stored Policy / KMS / SSE attributes. Restore reads
 * the older ones too (SQS1 tasks completed when started; before SQS3 the
 * SSE attributes were not kept and SqsManagedSseEnabled read false);
 * snapshots are written in the newest version only, so a node must not be
 * downgraded past the version its peers write.
 * Restore reads into a fresh state, checks every length against the bytes
 * left and its own limit, every value's range and every cross-reference
 * (the same rules as the actions), and swaps the state in only when all
 * of it is valid; otherwise the old state stays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsondoc.h"
#include "sqs_int.h"

/* The version snapshots are written in (see above). */
#define SQS_SNAP_MAGIC "SQS3"

/* ---------------- writer ---------------- */

struct wr {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void w_raw(struct wr *w, const void *s, size_t n)
{
	if (w->oom) {
		return;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 65536;
		uint8_t *p;

		while (cap < w->len + n) {
			cap *= 2;
		}
		p = realloc(w->p, cap);
		if (p == NULL) {
			w->oom = true;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void w_u64(struct wr *w, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(v >> (8 * i));
	}
	w_raw(w, b, 8);
}

static void w_u32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			(uint8_t)(v >> 24)};

	w_raw(w, b, 4);
}

static void w_u8(struct wr *w, uint8_t v)
{
	w_raw(w, &v, 1);
}

static void w_str(struct wr *w, const char *s, size_t n)
{
	w_u32(w, (uint32_t)n);
	w_raw(w, s, n);
}

static void w_cstr(struct wr *w, const char *s)
{
	w_str(w, s, strlen(s));
}

static void w_opt(struct wr *w, const char *s)
{
	w_u8(w, s != NULL);
	if (s != NULL) {
		w_cstr(w, s);
	}
}

static void w_json(struct wr *w, const json_t *v)
{
	char *s = v ? jsondoc_dump(v, NULL) : NULL;

	if (v != NULL && s == NULL) {
		w->oom = true;
		return;
	}
	w_opt(w, s);
	free(s);
}

static void queue_put(struct wr *w, const struct sqs_queue *q)
{
	const struct sqs_msg *m;
	const struct sqs_group *g;
	const struct sqs_dedup *d;
	const struct sqs_attempt *a;
	uint64_t n;
	uint32_t n32;
	size_t i;

	w_cstr(w, q->name);
	w_u8(w, q->fifo);
	w_cstr(w, q->url);
	w_u64(w, q->created_ms);
	w_u64(w, q->modified_ms);
	w_u64(w, q->last_purge_ms);
	w_u64(w, q->clock_ms);
	w_u64(w, q->next_seq);
	w_u32(w, q->cfg.visibility_timeout_s);
	w_u32(w, q->cfg.retention_s);
	w_u32(w, q->cfg.max_message_bytes);
	w_u32(w, q->cfg.delay_s);
	w_u32(w, q->cfg.receive_wait_s);
	w_u8(w, q->cfg.content_dedup);
	w_u8(w, q->cfg.dedup_scope_group);
	w_u8(w, q->cfg.throughput_per_group);
	w_opt(w, q->cfg.redrive_policy);
	w_opt(w, q->cfg.redrive_allow_policy);
	w_opt(w, q->cfg.policy);
	w_opt(w, q->cfg.kms_key_id);
	w_u32(w, q->cfg.kms_reuse_s);
	w_u8(w, q->cfg.sse_sqs);
	{
		char *t = json_dumps(q->tags, JSON_COMPACT | JSON_SORT_KEYS);

		if (t == NULL) {
			w->oom = true;
			return;
		}
		w_cstr(w, t);
		free(t);
	}
	w_u64(w, q->n_msgs);
	for (m = q->head; m != NULL; m = m->next) {
		w_u64(w, m->seq);
		w_raw(w, m->id, 36);
		w_str(w, m->body, m->body_len);
		w_json(w, m->attrs);
		w_cstr(w, m->md5_attrs);
		w_opt(w, m->group_id);
		w_opt(w, m->dedup_id);
		w_opt(w, m->trace_header);
		w_opt(w, m->origin);
		w_u64(w, m->sent_ms);
		w_u64(w, m->first_receive_ms);
		w_u64(w, m->visible_at_ms);
		w_u32(w, m->receive_count);
		w_u8(w, (uint8_t)(m->pending | m->inflight << 1));
		w_raw(w, m->nonce, 16);
	}
	for (n = 0, m = q->rhead; m != NULL; m = m->rnext) {
		n++;
	}
	w_u64(w, n);
	for (m = q->rhead; m != NULL; m = m->rnext) {
		w_u64(w, m->seq);
	}
	for (n32 = 0, g = q->ghead; g != NULL; g = g->gnext) {
		n32++;
	}
	w_u32(w, n32);
	for (g = q->ghead; g != NULL; g = g->gnext) {
		w_cstr(w, g->id);
	}
	for (n = 0, d = q->dhead; d != NULL; d = d->next) {
		n++;
	}
	w_u64(w, n);
	for (d = q->dhead; d != NULL; d = d->next) {
		w_cstr(w, d->key);
		w_raw(w, d->id, 36);
		w_u64(w, d->seq);
		w_u64(w, d->at_ms);
	}
	for (n32 = 0, a = q->ahead; a != NULL; a = a->next) {
		n32++;
	}
	w_u32(w, n32);
	for (a = q->ahead; a != NULL; a = a->next) {
		w_cstr(w, a->id);
		w_u64(w, a->at_ms);
		w_raw(w, a->nonce, 16);
		w_u8(w, (uint8_t)a->n);
		for (i = 0; i < a->n; i++) {
			w_u64(w, a->seqs[i]);
		}
	}
	w_u32(w, (uint32_t)q->n_tasks);
	for (i = 0; i < q->n_tasks; i++) {
		const struct sqs_task *t = &q->tasks[i];

		w_raw(w, t->handle, 32);
		w_opt(w, t->dest_arn);
		w_u32(w, t->rate);
		w_u64(w, t->moved);
		w_u64(w, t->to_move);
		w_u64(w, t->started_ms);
		w_u8(w, t->status);
		w_u64(w, t->horizon_seq);
		w_u64(w, t->cursor_seq);
		w_u64(w, t->tat_us);
		w_u64(w, t->last_step_ms);
		w_opt(w, t->failure);
	}
}

int sqs_snapshot(const void *state, uint8_t **out, size_t *len)
{
	const struct sqs_state *st = state;
	struct wr w = {0};
	size_t i;

	/* Size the buffer once: bodies dominate (1e6 x 1 KiB = 1.1 GB), and
	 * growing by doubling would copy it several times on the loop. */
	{
		size_t est = 4096;

		for (i = 0; i < st->n_queues; i++) {
			const struct sqs_msg *m;

			for (m = st->queues[i]->head; m != NULL; m = m->next) {
				est += m->body_len + 160;
			}
		}
		w.p = malloc(est);
		w.cap = w.p != NULL ? est : 0;
	}
	w_raw(&w, SQS_SNAP_MAGIC, 4);
	w_u32(&w, (uint32_t)st->n_deleted);
	for (i = 0; i < st->n_deleted; i++) {
		w_cstr(&w, st->deleted[i].name);
		w_u64(&w, st->deleted[i].at_ms);
	}
	w_u32(&w, (uint32_t)st->n_queues);
	for (i = 0; i < st->n_queues; i++) {
		queue_put(&w, st->queues[i]);
	}
	if (w.oom) {
		free(w.p);
		return -1;
	}
	*out = w.p;
	*len = w.len;
	return 0;
}

/* ---------------- reader ---------------- */

struct rd {
	const uint8_t *p, *end;
	bool bad;
	int version; /* 1 = "SQS1", 2 = "SQS2", 3 = "SQS3" */
};

static const uint8_t *r_raw(struct rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	return p;
}

static uint64_t r_u64(struct rd *r)
{
	const uint8_t *b = r_raw(r, 8);
	uint64_t v = 0;
	int i;

	for (i = 7; b != NULL && i >= 0; i--) {
		v = v << 8 | b[i];
	}
	return v;
}

static uint32_t r_u32(struct rd *r)
{
	const uint8_t *b = r_raw(r, 4);

	return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		       (uint32_t)b[3] << 24
		 : 0;
}

static uint8_t r_u8(struct rd *r)
{
	const uint8_t *b = r_raw(r, 1);

	return b ? *b : 0;
}

static bool r_bool(struct rd *r, bool *out)
{
	uint8_t v = r_u8(r);

	if (v > 1) {
		r->bad = true;
	}
	*out = v == 1;
	return !r->bad;
}

/* A string of at most max bytes without NUL, where it lies in the
 * snapshot (not NUL-terminated), or NULL with r->bad set. */
static const char *r_view(struct rd *r, size_t max, size_t *len_out)
{
	uint32_t n = r_u32(r);
	const uint8_t *b;

	if (r->bad || n > max) {
		r->bad = true;
		return NULL;
	}
	b = r_raw(r, n);
	if (b == NULL || memchr(b, 0, n) != NULL) {
		r->bad = true;
		return NULL;
	}
	*len_out = n;
	return (const char *)b;
}

/* The same as a malloc'd C string (or NULL with r->bad set). */
static char *r_str(struct rd *r, size_t max, size_t *len_out)
{
	size_t n = 0;
	const char *b = r_view(r, max, &n);
	char *s;

	if (b == NULL || (s = malloc(n + 1)) == NULL) {
		r->bad = true;
		return NULL;
	}
	memcpy(s, b, n);
	s[n] = '\0';
	if (len_out != NULL) {
		*len_out = n;
	}
	return s;
}

/* Optional string: *out NULL when absent. false when malformed. */
static bool r_opt(struct rd *r, size_t max, char **out)
{
	bool present;

	*out = NULL;
	if (!r_bool(r, &present)) {
		return false;
	}
	if (present) {
		*out = r_str(r, max, NULL);
	}
	return !r->bad;
}

/* Read into a fixed buffer of exactly n bytes + NUL. */
static bool r_fixed(struct rd *r, char *out, size_t n)
{
	const uint8_t *b = r_raw(r, n);

	if (b == NULL || memchr(b, 0, n) != NULL) {
		r->bad = true;
		return false;
	}
	memcpy(out, b, n);
	out[n] = '\0';
	return true;
}

static bool name_ok(const char *s)
{
	return sqs_queue_name_ok(s);
}

static int msg_restore(struct sqs_queue *q, struct rd *r)
{
	struct sqs_msg *m;
	char *attrs = NULL, *md5a = NULL, id[37] = "";
	const char *body;
	const uint8_t *nonce;
	uint64_t seq;
	size_t body_len = 0;
	uint8_t flags;

	seq = r_u64(r);
	r_fixed(r, id, 36);
	body = r_view(r, 1048576, &body_len);
	if (body == NULL || (m = sqs_msg_alloc(body, body_len)) == NULL) {
		r->bad = true;
		return -1;
	}
	m->seq = seq;
	memcpy(m->id, id, sizeof(id));
	r_opt(r, 65536, &attrs);
	md5a = r_str(r, 32, NULL);
	r_opt(r, SQS_GROUP_MAX, &m->group_id);
	r_opt(r, SQS_DEDUP_MAX, &m->dedup_id);
	r_opt(r, 4096, &m->trace_header);
	r_opt(r, SQS_NAME_MAX, &m->origin);
	m->sent_ms = r_u64(r);
	m->first_receive_ms = r_u64(r);
	m->visible_at_ms = r_u64(r);
	m->receive_count = r_u32(r);
	flags = r_u8(r);
	nonce = r_raw(r, 16);
	if (r->bad || m->seq == 0 || m->seq >= q->next_seq ||
	    seq_index_get(&q->by_seq, m->seq) != NULL || m->body_len == 0 ||
	    (strlen(md5a) != 0 && strlen(md5a) != 32) || flags > 3 ||
	    (flags == 2) || ((flags & 2) && m->first_receive_ms == 0) ||
	    (q->fifo && m->group_id == NULL) ||
	    (m->origin != NULL && !sqs_queue_name_ok(m->origin))) {
		goto bad;
	}
	m->pending = flags & 1;
	m->inflight = (flags & 2) != 0;
	memcpy(m->nonce, nonce, 16);
	memcpy(m->md5_attrs, md5a, strlen(md5a) + 1);
	sqs_md5_hex(m->body, m->body_len, m->md5_body);
	if (attrs != NULL) {
		json_t *doc = json_loads(attrs, JSON_REJECT_DUPLICATES, NULL);
		json_t *norm = NULL;
		char md5[33];
		size_t size = 0;
		struct service_result res = {0};

		/* Re-validate: the attributes and their MD5 must agree. */
		if (!json_is_object(doc) || json_object_size(doc) == 0 ||
		    sqs_msg_attrs_check(doc, "MessageAttributes", &norm, md5,
					&size, &res) != 0 ||
		    strcmp(md5, m->md5_attrs) != 0) {
			json_decref(doc);
			json_decref(norm);
			goto bad;
		}
		json_decref(doc);
		m->attrs = norm;
	} else if (m->md5_attrs[0] != '\0') {
		goto bad;
	}
	if (sqs_msg_insert(q, m) != 0) {
		goto bad;
	}
	free(attrs);
	free(md5a);
	return 0;
bad:
	r->bad = true;
	free(attrs);
	free(md5a);
	sqs_msg_free(m);
	return -1;
}

static struct sqs_queue *queue_restore(struct sqs_state *st, struct rd *r)
{
	char *name = r_str(r, SQS_NAME_MAX, NULL), *s = NULL, *allow = NULL;
	char *tags = NULL, *redrive = NULL, *policy = NULL, *kms = NULL;
	uint32_t kms_reuse = 0;
	bool sse = false;
	struct sqs_queue *q = NULL;
	struct service_result res = {0};
	json_t *attrs = NULL, *tdoc = NULL;
	uint64_t n, i, *seqs = NULL;
	uint32_t n32, c[5];
	bool fifo, b[3];

	if (name == NULL || !name_ok(name) || !r_bool(r, &fifo)) {
		goto bad;
	}
	q = sqs_queue_alloc(name, fifo);
	if (q == NULL || (q->url = r_str(r, 1024, NULL)) == NULL) {
		goto bad;
	}
	q->created_ms = r_u64(r);
	q->modified_ms = r_u64(r);
	q->last_purge_ms = r_u64(r);
	q->clock_ms = r_u64(r);
	q->next_seq = r_u64(r);
	for (i = 0; i < 5; i++) {
		c[i] = r_u32(r);
	}
	for (i = 0; i < 3; i++) {
		r_bool(r, &b[i]);
	}
	if (!r_opt(r, 4096, &redrive) || !r_opt(r, 65536, &allow)) {
		goto bad;
	}
	if (r->version >= 3) {
		if (!r_opt(r, 65536, &policy) || !r_opt(r, 4096, &kms)) {
			goto bad;
		}
		kms_reuse = r_u32(r);
		if (!r_bool(r, &sse)) {
			goto bad;
		}
	}
	if ((tags = r_str(r, 65536, NULL)) == NULL) {
		goto bad;
	}
	/* The configuration goes through the SetQueueAttributes rules. */
	attrs = json_pack("{s:i,s:i,s:i,s:i,s:i}", "VisibilityTimeout", c[0],
			  "MessageRetentionPeriod", c[1], "MaximumMessageSize",
			  c[2], "DelaySeconds", c[3],
			  "ReceiveMessageWaitTimeSeconds", c[4]);
	if (fifo) {
		json_object_set_new(attrs, "ContentBasedDeduplication",
				    json_boolean(b[0]));
		json_object_set_new(
		    attrs, "DeduplicationScope",
		    json_string(b[1] ? "messageGroup" : "queue"));
		json_object_set_new(
		    attrs, "FifoThroughputLimit",
		    json_string(b[2] ? "perMessageGroupId" : "perQueue"));
	} else if (b[0] || b[1] || b[2]) {
		goto bad;
	}
	if (allow != NULL) {
		json_object_set_new(attrs, "RedriveAllowPolicy",
				    json_string(allow));
	}
	/* Before SQS3 these were not stored, and SqsManagedSseEnabled was
	 * reported false: old queues keep that. */
	if (policy != NULL) {
		json_object_set_new(attrs, "Policy", json_string(policy));
	}
	if (kms != NULL) {
		json_object_set_new(attrs, "KmsMasterKeyId", json_string(kms));
	}
	if (kms_reuse != 0) {
		json_object_set_new(attrs, "KmsDataKeyReusePeriodSeconds",
				    json_integer(kms_reuse));
	}
	if (kms == NULL) {
		json_object_set_new(attrs, "SqsManagedSseEnabled",
				    json_boolean(sse));
	} else if (sse) {
		goto bad; /* never both */
	}
	if (sqs_qcfg_set(st, &q->cfg, fifo, true, attrs, name, &res) != 0 ||
	    (redrive != NULL &&
	     sqs_redrive_restore(st, &q->cfg, redrive) != 0)) {
		goto bad;
	}
	tdoc = json_loads(tags, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(tdoc) || json_object_size(tdoc) > 50) {
		goto bad;
	}
	{
		const char *k;
		json_t *v;

		json_object_foreach(tdoc, k, v)
		{
			if (!json_is_string(v)) {
				goto bad;
			}
		}
	}
	json_object_update(q->tags, tdoc);
	n = r_u64(r);
	for (i = 0; i < n && !r->bad; i++) {
		if (msg_restore(q, r) != 0) {
			goto bad;
		}
	}
	n = r_u64(r);
	if (r->bad || n > q->n_msgs || (fifo && n != 0)) {
		goto bad;
	}
	seqs = malloc((size_t)(n + 1) * sizeof(*seqs));
	if (seqs == NULL) {
		goto bad;
	}
	for (i = 0; i < n; i++) {
		seqs[i] = r_u64(r);
	}
	if (r->bad || (!fifo && sqs_ready_restore(q, seqs, (size_t)n) != 0)) {
		goto bad;
	}
	n32 = r_u32(r);
	if (r->bad || (!fifo && n32 != 0) ||
	    n32 > (size_t)(r->end - r->p) / 4) {
		goto bad;
	}
	if (fifo) {
		char **ids = calloc((size_t)n32 + 1, sizeof(*ids));
		int rc = ids == NULL ? -1 : 0;

		for (i = 0; rc == 0 && i < n32; i++) {
			ids[i] = r_str(r, SQS_GROUP_MAX, NULL);
			rc = ids[i] == NULL ? -1 : 0;
		}
		if (rc == 0) {
			rc = sqs_gready_restore(q, (const char *const *)ids,
						n32);
		}
		for (i = 0; ids != NULL && i < n32; i++) {
			free(ids[i]);
		}
		free(ids);
		if (rc != 0) {
			goto bad;
		}
	}
	n = r_u64(r);
	if (r->bad || (!fifo && n != 0)) {
		goto bad;
	}
	for (i = 0; i < n; i++) {
		char id[37];
		char *key = r_str(r, SQS_GROUP_MAX + SQS_DEDUP_MAX + 1, NULL);
		uint64_t seq, at;
		int rc;

		r_fixed(r, id, 36);
		seq = r_u64(r);
		at = r_u64(r);
		rc = r->bad || sqs_dedup_find(q, key) != NULL ||
			     sqs_dedup_add(q, key, id, seq, at) != 0
			 ? -1
			 : 0;
		free(key);
		if (rc != 0) {
			goto bad;
		}
	}
	n32 = r_u32(r);
	if (r->bad || (!fifo && n32 != 0)) {
		goto bad;
	}
	for (i = 0; i < n32; i++) {
		char *id = r_str(r, 128, NULL);
		uint64_t at = r_u64(r), aseqs[SQS_BATCH_MAX];
		const uint8_t *nonce = r_raw(r, 16);
		uint8_t k, an = r_u8(r);
		int rc;

		if (an > SQS_BATCH_MAX) {
			r->bad = true;
		}
		for (k = 0; !r->bad && k < an; k++) {
			aseqs[k] = r_u64(r);
		}
		rc = r->bad || !sqs_attempt_id_ok(id) ||
			     sqs_attempt_add(q, id, at, nonce, aseqs, an) != 0
			 ? -1
			 : 0;
		free(id);
		if (rc != 0) {
			goto bad;
		}
	}
	n32 = r_u32(r);
	if (r->bad || n32 > SQS_TASKS_KEPT) {
		goto bad;
	}
	for (i = 0; i < n32; i++) {
		struct sqs_task t = {0};

		r_fixed(r, t.handle, 32);
		r_opt(r, 300, &t.dest_arn);
		t.rate = r_u32(r);
		t.moved = r_u64(r);
		t.to_move = r_u64(r);
		t.started_ms = r_u64(r);
		t.status = SQS_TASK_COMPLETED;
		if (r->version >= 2) {
			t.status = r_u8(r);
			t.horizon_seq = r_u64(r);
			t.cursor_seq = r_u64(r);
			t.tat_us = r_u64(r);
			t.last_step_ms = r_u64(r);
			r_opt(r, 512, &t.failure);
		}
		t.handle[32] = '\0';
		if (r->bad || t.rate > 500 || t.status > SQS_TASK_FAILED ||
		    (t.status == SQS_TASK_RUNNING &&
		     (i != 0 || t.horizon_seq > q->next_seq))) {
			sqs_task_free(&t);
			goto bad;
		}
		q->tasks[q->n_tasks++] = t;
	}
	free(name);
	free(s);
	free(allow);
	free(redrive);
	free(policy);
	free(kms);
	free(tags);
	free(seqs);
	json_decref(attrs);
	json_decref(tdoc);
	return q;
bad:
	r->bad = true;
	free(name);
	free(s);
	free(allow);
	free(redrive);
	free(policy);
	free(kms);
	free(tags);
	free(seqs);
	json_decref(attrs);
	json_decref(tdoc);
	sqs_queue_free(q);
	return NULL;
}

int sqs_restore(void *state, const uint8_t *buf, size_t len)
{
	struct sqs_state *st = state, tmp = {0};
	struct rd r = {buf, buf + len, false, 0};
	const uint8_t *magic = r_raw(&r, 4);
	uint32_t n, i;

	if (buf == NULL || magic == NULL) {
		return -1;
	}
	if (memcmp(magic, "SQS1", 4) == 0) {
		r.version = 1;
	} else if (memcmp(magic, "SQS2", 4) == 0) {
		r.version = 2;
	} else if (memcmp(magic, "SQS3", 4) == 0) {
		r.version = 3;
	} else {
		return -1;
	}
	tmp.env = st->env;
	n = r_u32(&r);
	if (r.bad || n > (size_t)(r.end - r.p) / 12) {
		return -1;
	}
	tmp.deleted = calloc((size_t)n + 1, sizeof(*tmp.deleted));
	tmp.cap_deleted = (size_t)n + 1;
	if (tmp.deleted == NULL) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		char *name = r_str(&r, SQS_NAME_MAX, NULL);

		if (name == NULL || !name_ok(name)) {
			free(name);
			goto bad;
		}
		memcpy(tmp.deleted[i].name, name, strlen(name) + 1);
		free(name);
		tmp.deleted[i].at_ms = r_u64(&r);
		tmp.n_deleted++;
	}
	n = r_u32(&r);
	for (i = 0; i < n && !r.bad; i++) {
		struct sqs_queue *q = queue_restore(&tmp, &r);

		/* Name order is required (the registry is sorted). */
		if (q == NULL ||
		    (tmp.n_queues > 0 &&
		     strcmp(tmp.queues[tmp.n_queues - 1]->name, q->name) >=
			 0) ||
		    sqs_state_insert(&tmp, q) != 0) {
			sqs_queue_free(q);
			goto bad;
		}
	}
	if (r.bad || r.p != r.end) {
		goto bad;
	}
	sqs_state_clear(st);
	*st = tmp;
	return 0;
bad:
	sqs_state_clear(&tmp);
	return -1;
}
