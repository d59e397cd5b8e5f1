/* sqs_snap — the SQS state's snapshot, restore and digest.
 *
 * Snapshot format: one compact JSON document (UTF-8), written message by
 * message into a growing buffer (no whole-state JSON tree on snapshot):
 *   {"v":1,
 *    "deleted":[[name,at_ms],...],
 *    "queues":[{"name","fifo","url","created","modified","purge","clock",
 *               "next_seq","cfg":[vis,ret,max,delay,wait,cbd,scope_group,
 *               per_group,redrive|null,allow|null],"tags":{...},
 *               "msgs":[[seq,id,body,attrs|null,md5attrs,group|null,
 *                        dedup|null,trace|null,sent,first_recv,visible_at,
 *                        receive_count,pending,inflight,nonce_hex],...],
 *               "ready":[seq,...],        (standard: available order)
 *               "gready":[group,...],     (FIFO: ready-group order)
 *               "dedups":[[key,id,seq,at_ms],...],
 *               "attempts":[[attempt_id,at_ms,nonce_hex,[seq,...]],...]},
 *              ...]}
 * Queues in name order, messages in send order. Restore parses it into a
 * fresh state, checks every field's type, length and range and every
 * cross-reference, and swaps it in only when all of it is valid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqs_int.h"

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom) {
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1) {
			cap *= 2;
		}
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* Append a JSON value and release it. */
static void putj(struct buf *b, json_t *v)
{
	char *s;

	if (v == NULL) {
		b->oom = true;
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_decref(v);
	if (s == NULL) {
		b->oom = true;
		return;
	}
	puts_(b, s);
	free(s);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *msg_json(const struct sqs_msg *m)
{
	char nonce[33];

	sqs_hex(m->nonce, 16, nonce);
	return json_pack(
	    "[I,s,s%,O?,s,o,o,o,I,I,I,I,b,b,s]", (json_int_t)m->seq, m->id,
	    m->body, m->body_len, m->attrs, m->md5_attrs,
	    str_or_null(m->group_id), str_or_null(m->dedup_id),
	    str_or_null(m->trace_header), (json_int_t)m->sent_ms,
	    (json_int_t)m->first_receive_ms, (json_int_t)m->visible_at_ms,
	    (json_int_t)m->receive_count, m->pending, m->inflight, nonce);
}

static void queue_put(struct buf *b, const struct sqs_queue *q)
{
	const struct sqs_msg *m;
	const struct sqs_group *g;
	const struct sqs_dedup *d;
	const struct sqs_attempt *a;
	bool first;

	putj(b, json_pack("s", "")); /* placeholder removed below */
	b->len -= 2;
	puts_(b, "{\"name\":");
	putj(b, json_string(q->name));
	puts_(b, ",\"fifo\":");
	puts_(b, q->fifo ? "true" : "false");
	puts_(b, ",\"url\":");
	putj(b, json_string(q->url));
	puts_(b, ",\"t\":");
	putj(b,
	     json_pack("[I,I,I,I,I]", (json_int_t)q->created_ms,
		       (json_int_t)q->modified_ms, (json_int_t)q->last_purge_ms,
		       (json_int_t)q->clock_ms, (json_int_t)q->next_seq));
	puts_(b, ",\"cfg\":");
	putj(b, json_pack("[i,i,i,i,i,b,b,b,o,o]", q->cfg.visibility_timeout_s,
			  q->cfg.retention_s, q->cfg.max_message_bytes,
			  q->cfg.delay_s, q->cfg.receive_wait_s,
			  q->cfg.content_dedup, q->cfg.dedup_scope_group,
			  q->cfg.throughput_per_group,
			  str_or_null(q->cfg.redrive_policy),
			  str_or_null(q->cfg.redrive_allow_policy)));
	puts_(b, ",\"tags\":");
	putj(b, json_incref(q->tags));
	puts_(b, ",\"msgs\":[");
	for (m = q->head, first = true; m != NULL; m = m->next, first = false) {
		if (!first) {
			puts_(b, ",");
		}
		putj(b, msg_json(m));
	}
	puts_(b, "],\"ready\":[");
	for (m = q->rhead, first = true; m != NULL;
	     m = m->rnext, first = false) {
		char n[24];

		snprintf(n, sizeof(n), "%s%llu", first ? "" : ",",
			 (unsigned long long)m->seq);
		puts_(b, n);
	}
	puts_(b, "],\"gready\":[");
	for (g = q->ghead, first = true; g != NULL;
	     g = g->gnext, first = false) {
		if (!first) {
			puts_(b, ",");
		}
		putj(b, json_string(g->id));
	}
	puts_(b, "],\"dedups\":[");
	for (d = q->dhead, first = true; d != NULL;
	     d = d->next, first = false) {
		if (!first) {
			puts_(b, ",");
		}
		putj(b, json_pack("[s,s,I,I]", d->key, d->id,
				  (json_int_t)d->seq, (json_int_t)d->at_ms));
	}
	puts_(b, "],\"attempts\":[");
	for (a = q->ahead, first = true; a != NULL;
	     a = a->next, first = false) {
		json_t *seqs = json_array();
		char nonce[33];
		size_t i;

		for (i = 0; i < a->n; i++) {
			json_array_append_new(
			    seqs, json_integer((json_int_t)a->seqs[i]));
		}
		sqs_hex(a->nonce, 16, nonce);
		if (!first) {
			puts_(b, ",");
		}
		putj(b, json_pack("[s,I,s,o]", a->id, (json_int_t)a->at_ms,
				  nonce, seqs));
	}
	puts_(b, "]}");
}

int sqs_snapshot(const void *state, uint8_t **out, size_t *len)
{
	const struct sqs_state *st = state;
	struct buf b = {0};
	size_t i;

	puts_(&b, "{\"v\":1,\"deleted\":[");
	for (i = 0; i < st->n_deleted; i++) {
		if (i > 0) {
			puts_(&b, ",");
		}
		putj(&b, json_pack("[s,I]", st->deleted[i].name,
				   (json_int_t)st->deleted[i].at_ms));
	}
	puts_(&b, "],\"queues\":[");
	for (i = 0; i < st->n_queues; i++) {
		if (i > 0) {
			puts_(&b, ",");
		}
		queue_put(&b, st->queues[i]);
	}
	puts_(&b, "]}");
	if (b.oom) {
		free(b.p);
		return -1;
	}
	*out = (uint8_t *)b.p;
	*len = b.len;
	return 0;
}

/* ---------------- restore ---------------- */

static bool u64_of(const json_t *v, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		return false;
	}
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static bool opt_str(const json_t *v, size_t max, char **out)
{
	*out = NULL;
	if (json_is_null(v)) {
		return true;
	}
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		return false;
	}
	*out = strdup(json_string_value(v));
	return *out != NULL;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > SQS_NAME_MAX) {
		return false;
	}
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.')) {
			return false;
		}
	}
	return true;
}

static int msg_restore(struct sqs_queue *q, const json_t *a)
{
	struct sqs_msg *m;
	uint64_t rc;
	const char *id, *md5a, *nonce;
	const json_t *attrs;

	if (!json_is_array(a) || json_array_size(a) != 15) {
		return -1;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return -1;
	}
	id = json_string_value(json_array_get(a, 1));
	md5a = json_string_value(json_array_get(a, 4));
	nonce = json_string_value(json_array_get(a, 14));
	attrs = json_array_get(a, 3);
	if (!u64_of(json_array_get(a, 0), &m->seq) || m->seq == 0 ||
	    m->seq >= q->next_seq || u64map_get(&q->by_seq, m->seq) != NULL ||
	    id == NULL || strlen(id) != 36 ||
	    !json_is_string(json_array_get(a, 2)) ||
	    json_string_length(json_array_get(a, 2)) == 0 ||
	    json_string_length(json_array_get(a, 2)) > 1048576 ||
	    !(json_is_null(attrs) || json_is_object(attrs)) || md5a == NULL ||
	    !(strlen(md5a) == 0 || strlen(md5a) == 32) ||
	    !u64_of(json_array_get(a, 8), &m->sent_ms) ||
	    !u64_of(json_array_get(a, 9), &m->first_receive_ms) ||
	    !u64_of(json_array_get(a, 10), &m->visible_at_ms) ||
	    !u64_of(json_array_get(a, 11), &rc) || rc > UINT32_MAX ||
	    !json_is_boolean(json_array_get(a, 12)) ||
	    !json_is_boolean(json_array_get(a, 13)) || nonce == NULL ||
	    strlen(nonce) != 32 || sqs_unhex(nonce, 16, m->nonce) != 0) {
		free(m);
		return -1;
	}
	memcpy(m->id, id, 37);
	memcpy(m->md5_attrs, md5a, strlen(md5a) + 1);
	m->receive_count = (uint32_t)rc;
	m->pending = json_is_true(json_array_get(a, 12));
	m->inflight = json_is_true(json_array_get(a, 13));
	m->body_len = json_string_length(json_array_get(a, 2));
	m->body = malloc(m->body_len + 1);
	if (m->body == NULL) {
		free(m);
		return -1;
	}
	memcpy(m->body, json_string_value(json_array_get(a, 2)),
	       m->body_len + 1);
	sqs_md5_hex(m->body, m->body_len, m->md5_body);
	if (json_is_object(attrs)) {
		json_t *norm = NULL;
		char md5[33];
		size_t size = 0;
		struct service_result r = {0};

		/* Re-validate: the attributes and their MD5 must agree. */
		if (sqs_msg_attrs_check(attrs, "MessageAttributes", &norm, md5,
					&size, &r) != 0 ||
		    strcmp(md5, m->md5_attrs) != 0) {
			json_decref(norm);
			sqs_msg_free(m);
			return -1;
		}
		m->attrs = norm;
	} else if (m->md5_attrs[0] != '\0') {
		sqs_msg_free(m);
		return -1;
	}
	if (!opt_str(json_array_get(a, 5), SQS_GROUP_MAX, &m->group_id) ||
	    !opt_str(json_array_get(a, 6), SQS_DEDUP_MAX, &m->dedup_id) ||
	    !opt_str(json_array_get(a, 7), 4096, &m->trace_header) ||
	    (m->inflight && !m->pending) ||
	    (m->inflight && m->first_receive_ms == 0) ||
	    (q->fifo && m->group_id == NULL) || sqs_msg_insert(q, m) != 0) {
		sqs_msg_free(m);
		return -1;
	}
	return 0;
}

static struct sqs_queue *queue_restore(struct sqs_state *st, const json_t *o)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *url = json_string_value(json_object_get(o, "url"));
	const json_t *t = json_object_get(o, "t");
	const json_t *cfg = json_object_get(o, "cfg");
	const json_t *tags = json_object_get(o, "tags");
	const json_t *msgs = json_object_get(o, "msgs");
	const json_t *ready = json_object_get(o, "ready");
	const json_t *gready = json_object_get(o, "gready");
	const json_t *dedups = json_object_get(o, "dedups");
	const json_t *fifo = json_object_get(o, "fifo");
	const json_t *attempts = json_object_get(o, "attempts");
	struct sqs_queue *q;
	uint64_t v[5], c[5];
	size_t i;
	const json_t *x;
	json_t *attrs;
	struct service_result r = {0};
	uint64_t *seqs = NULL;
	const char **ids = NULL;

	if (name == NULL || !name_ok(name) || url == NULL ||
	    strlen(url) > 1024 || !json_is_boolean(fifo) || !json_is_array(t) ||
	    json_array_size(t) != 5 || !json_is_array(cfg) ||
	    json_array_size(cfg) != 10 || !json_is_object(tags) ||
	    json_object_size(tags) > 50 || !json_is_array(msgs) ||
	    !json_is_array(ready) || !json_is_array(gready) ||
	    !json_is_array(dedups) || !json_is_array(attempts)) {
		return NULL;
	}
	for (i = 0; i < 5; i++) {
		if (!u64_of(json_array_get(t, i), &v[i]) ||
		    !u64_of(json_array_get(cfg, i), &c[i])) {
			return NULL;
		}
	}
	q = sqs_queue_alloc(name, json_is_true(fifo));
	if (q == NULL) {
		return NULL;
	}
	q->url = strdup(url);
	q->created_ms = v[0];
	q->modified_ms = v[1];
	q->last_purge_ms = v[2];
	q->clock_ms = v[3];
	q->next_seq = v[4];
	/* The configuration goes through the same rules as
	 * SetQueueAttributes (the redrive target must exist: queues are
	 * restored in two passes, see sqs_restore). */
	attrs = json_pack("{s:I,s:I,s:I,s:I,s:I}", "VisibilityTimeout",
			  (json_int_t)c[0], "MessageRetentionPeriod",
			  (json_int_t)c[1], "MaximumMessageSize",
			  (json_int_t)c[2], "DelaySeconds", (json_int_t)c[3],
			  "ReceiveMessageWaitTimeSeconds", (json_int_t)c[4]);
	if (q->fifo) {
		json_object_set_new(
		    attrs, "ContentBasedDeduplication",
		    json_boolean(json_is_true(json_array_get(cfg, 5))));
		json_object_set_new(
		    attrs, "DeduplicationScope",
		    json_string(json_is_true(json_array_get(cfg, 6))
				    ? "messageGroup"
				    : "queue"));
		json_object_set_new(
		    attrs, "FifoThroughputLimit",
		    json_string(json_is_true(json_array_get(cfg, 7))
				    ? "perMessageGroupId"
				    : "perQueue"));
	}
	if (q->url == NULL ||
	    sqs_qcfg_set(st, &q->cfg, q->fifo, true, attrs, name, &r) != 0) {
		json_decref(attrs);
		goto bad;
	}
	json_decref(attrs);
	json_array_foreach(tags, i, x){}
	{
		const char *k;
		json_t *tv;

		json_object_foreach((json_t *)tags, k, tv)
		{
			if (!json_is_string(tv)) {
				goto bad;
			}
		}
	}
	json_object_update(q->tags, (json_t *)tags);
	json_array_foreach(msgs, i, x)
	{
		if (msg_restore(q, x) != 0) {
			goto bad;
		}
	}
	if (!q->fifo) {
		seqs = malloc((json_array_size(ready) + 1) * sizeof(*seqs));
		if (seqs == NULL) {
			goto bad;
		}
		json_array_foreach(ready, i, x)
		{
			if (!u64_of(x, &seqs[i])) {
				goto bad;
			}
		}
		if (sqs_ready_restore(q, seqs, json_array_size(ready)) != 0) {
			goto bad;
		}
	} else {
		ids = malloc((json_array_size(gready) + 1) * sizeof(*ids));
		if (ids == NULL || json_array_size(ready) != 0) {
			goto bad;
		}
		json_array_foreach(gready, i, x)
		{
			if ((ids[i] = json_string_value(x)) == NULL) {
				goto bad;
			}
		}
		if (sqs_gready_restore(q, ids, json_array_size(gready)) != 0) {
			goto bad;
		}
	}
	json_array_foreach(dedups, i, x)
	{
		const char *key = json_string_value(json_array_get(x, 0));
		const char *id = json_string_value(json_array_get(x, 1));
		uint64_t seq, at;

		if (!q->fifo || json_array_size(x) != 4 || key == NULL ||
		    strlen(key) > SQS_GROUP_MAX + SQS_DEDUP_MAX + 1 ||
		    id == NULL || strlen(id) != 36 ||
		    !u64_of(json_array_get(x, 2), &seq) ||
		    !u64_of(json_array_get(x, 3), &at) ||
		    sqs_dedup_find(q, key) != NULL ||
		    sqs_dedup_add(q, key, id, seq, at) != 0) {
			goto bad;
		}
	}
	json_array_foreach(attempts, i, x)
	{
		const char *id = json_string_value(json_array_get(x, 0));
		const char *nonce = json_string_value(json_array_get(x, 2));
		const json_t *sl = json_array_get(x, 3), *y;
		uint64_t at, aseqs[SQS_BATCH_MAX];
		uint8_t nb[16];
		size_t k;

		if (!q->fifo || json_array_size(x) != 4 || id == NULL ||
		    !sqs_attempt_id_ok(id) ||
		    !u64_of(json_array_get(x, 1), &at) || nonce == NULL ||
		    strlen(nonce) != 32 || sqs_unhex(nonce, 16, nb) != 0 ||
		    !json_is_array(sl) || json_array_size(sl) > SQS_BATCH_MAX) {
			goto bad;
		}
		json_array_foreach(sl, k, y)
		{
			if (!u64_of(y, &aseqs[k])) {
				goto bad;
			}
		}
		if (sqs_attempt_add(q, id, at, nb, aseqs,
				    json_array_size(sl)) != 0) {
			goto bad;
		}
	}
	free(seqs);
	free(ids);
	return q;
bad:
	free(seqs);
	free(ids);
	sqs_queue_free(q);
	return NULL;
}

/* The redrive policies reference other queues: applied in a second pass
 * once all queues exist. */
static int policies_restore(struct sqs_state *st, const json_t *queues)
{
	size_t i;
	const json_t *o;

	json_array_foreach(queues, i, o)
	{
		const json_t *cfg = json_object_get(o, "cfg");
		struct sqs_queue *q = st->queues[i];
		json_t *attrs = json_object();
		struct service_result r = {0};
		const json_t *rp = json_array_get(cfg, 8);
		const json_t *ap = json_array_get(cfg, 9);
		int rc;

		if ((!json_is_null(rp) && !json_is_string(rp)) ||
		    (!json_is_null(ap) && !json_is_string(ap))) {
			json_decref(attrs);
			return -1;
		}
		if (json_is_string(ap)) {
			json_object_set(attrs, "RedriveAllowPolicy",
					(json_t *)ap);
		}
		rc = sqs_qcfg_set(st, &q->cfg, q->fifo, false, attrs, q->name,
				  &r);
		json_object_clear(attrs);
		json_decref(attrs);
		if (rc != 0) {
			return -1;
		}
	}
	json_array_foreach(queues, i, o)
	{
		const json_t *rp = json_array_get(json_object_get(o, "cfg"), 8);

		if (json_is_string(rp) &&
		    sqs_redrive_restore(st, &st->queues[i]->cfg,
					json_string_value(rp)) != 0) {
			return -1;
		}
	}
	return 0;
}

int sqs_restore(void *state, const uint8_t *buf, size_t len)
{
	struct sqs_state *st = state, tmp = {0};
	json_t *doc, *deleted, *queues, *x;
	size_t i;

	if (buf == NULL || len == 0) {
		return -1;
	}
	doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	deleted = json_object_get(doc, "deleted");
	queues = json_object_get(doc, "queues");
	if (!json_is_object(doc) ||
	    json_integer_value(json_object_get(doc, "v")) != 1 ||
	    !json_is_array(deleted) || !json_is_array(queues)) {
		json_decref(doc);
		return -1;
	}
	tmp.env = st->env;
	json_array_foreach(deleted, i, x)
	{
		const char *name = json_string_value(json_array_get(x, 0));
		uint64_t at;

		if (json_array_size(x) != 2 || name == NULL || !name_ok(name) ||
		    !u64_of(json_array_get(x, 1), &at)) {
			goto bad;
		}
		if (tmp.n_deleted == tmp.cap_deleted) {
			size_t cap = tmp.cap_deleted ? tmp.cap_deleted * 2 : 8;
			struct sqs_deleted *d =
			    realloc(tmp.deleted, cap * sizeof(*d));

			if (d == NULL) {
				goto bad;
			}
			tmp.deleted = d;
			tmp.cap_deleted = cap;
		}
		snprintf(tmp.deleted[tmp.n_deleted].name,
			 sizeof(tmp.deleted->name), "%s", name);
		tmp.deleted[tmp.n_deleted++].at_ms = at;
	}
	json_array_foreach(queues, i, x)
	{
		struct sqs_queue *q = queue_restore(&tmp, x);

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
	if (policies_restore(&tmp, queues) != 0) {
		goto bad;
	}
	json_decref(doc);
	sqs_state_clear(st);
	*st = tmp;
	return 0;
bad:
	json_decref(doc);
	sqs_state_clear(&tmp);
	return -1;
}

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
	char *a = m->attrs ? json_dumps(m->attrs, JSON_COMPACT | JSON_SORT_KEYS)
			   : NULL;

	h = hu(m->seq, h);
	h = hs(m->id, h);
	h = u64_hash_bytes(m->body, m->body_len, h);
	h = hs(a, h);
	free(a);
	h = hs(m->group_id, h);
	h = hs(m->dedup_id, h);
	h = hs(m->trace_header, h);
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
