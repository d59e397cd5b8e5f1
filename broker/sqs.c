/* sqs — the SQS service object: action table and dispatch (prepare, apply,
 * read), queue lifecycle (CreateQueue, DeleteQueue, GetQueueUrl,
 * ListQueues, PurgeQueue, tags, attributes, ListDeadLetterSourceQueues)
 * and the queue registry, a name-sorted array so that every iteration is
 * deterministic. Messages live in sqs_message.c, attribute rules in
 * sqs_attr.c, snapshots in sqs_snap.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sqs.h"
#include "sqs_int.h"

int sqs_err(struct service_result *r, const char *code, const char *fmt, ...)
{
	va_list ap;

	r->error_code = code;
	r->sender_fault = true;
	va_start(ap, fmt);
	vsnprintf(r->error_message, sizeof(r->error_message), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *endpoint_of(const json_t *ctx)
{
	const char *e = json_string_value(json_object_get(ctx, "Endpoint"));

	return e != NULL && *e != '\0' ? e : "http://localhost";
}

/* The queue's URL as the node that took the request writes it. */
static json_t *queue_url(const struct sqs_state *st, const json_t *ctx,
			 const char *name)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s/%s/%s", endpoint_of(ctx),
		 st->env.account_id, name);
	return json_string(buf);
}

void sqs_queue_arn(const struct sqs_state *st, const char *name, char *out,
		   size_t n)
{
	snprintf(out, n, "arn:aws:sqs:%s:%s:%s", st->env.region,
		 st->env.account_id, name);
}

void sqs_wake(struct sqs_state *st, const struct sqs_queue *q)
{
	char key[SERVICE_WAIT_KEY_SIZE];

	if (st->env.wake == NULL) {
		return;
	}
	snprintf(key, sizeof(key), "sqs:%s/%s", st->env.account_id, q->name);
	st->env.wake(st->env.wake_ctx, key);
}

int sqs_get_int(const json_t *input, const char *key, int64_t lo, int64_t hi,
		int64_t *out, struct service_result *r)
{
	const json_t *v = json_object_get(input, key);
	int64_t x;

	if (v == NULL || json_is_null(v)) {
		return 0;
	}
	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		long long ll;

		if (*s == '\0' || strlen(s) > 20) {
			goto bad;
		}
		ll = strtoll(s, &end, 10);
		if (*end != '\0') {
			goto bad;
		}
		x = ll;
	} else {
		goto bad;
	}
	if (x < lo || x > hi) {
		sqs_err(r, "InvalidParameterValue",
			"Value %lld for parameter %s is invalid. Reason: must "
			"be between %lld and %lld.",
			(long long)x, key, (long long)lo, (long long)hi);
		return -1;
	}
	*out = x;
	return 1;
bad:
	sqs_err(r, "InvalidParameterValue",
		"Value for parameter %s is invalid. Reason: not an integer.",
		key);
	return -1;
}

/* ---------------- registry ---------------- */

static size_t queue_pos(const struct sqs_state *st, const char *name,
			bool *found)
{
	size_t lo = 0, hi = st->n_queues;

	*found = false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(st->queues[mid]->name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

struct sqs_queue *sqs_queue_find(const struct sqs_state *st, const char *name)
{
	bool found;
	size_t i = queue_pos(st, name, &found);

	return found ? st->queues[i] : NULL;
}

int sqs_state_insert(struct sqs_state *st, struct sqs_queue *q)
{
	bool found;
	size_t i = queue_pos(st, q->name, &found);

	if (found) {
		return -1;
	}
	if (st->n_queues == st->cap_queues) {
		size_t cap = st->cap_queues ? st->cap_queues * 2 : 16;
		struct sqs_queue **n = realloc(st->queues, cap * sizeof(*n));

		if (n == NULL) {
			return -1;
		}
		st->queues = n;
		st->cap_queues = cap;
	}
	memmove(st->queues + i + 1, st->queues + i,
		(st->n_queues - i) * sizeof(*st->queues));
	st->queues[i] = q;
	st->n_queues++;
	return 0;
}

static void state_remove(struct sqs_state *st, struct sqs_queue *q)
{
	bool found;
	size_t i = queue_pos(st, q->name, &found);

	if (found) {
		memmove(st->queues + i, st->queues + i + 1,
			(st->n_queues - i - 1) * sizeof(*st->queues));
		st->n_queues--;
	}
}

void sqs_state_clear(struct sqs_state *st)
{
	size_t i;

	for (i = 0; i < st->n_queues; i++) {
		sqs_queue_free(st->queues[i]);
	}
	free(st->queues);
	free(st->deleted);
	st->queues = NULL;
	st->deleted = NULL;
	st->n_queues = st->cap_queues = 0;
	st->n_deleted = st->cap_deleted = 0;
}

struct sqs_queue *sqs_queue_alloc(const char *name, bool fifo)
{
	struct sqs_queue *q = calloc(1, sizeof(*q));

	if (q == NULL) {
		return NULL;
	}
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->fifo = fifo;
	q->tags = json_object();
	q->next_seq = 1;
	sqs_qcfg_default(&q->cfg);
	u64map_init(&q->by_seq);
	u64map_init(&q->groups);
	u64map_init(&q->dedups);
	u64map_init(&q->attempts);
	if (q->tags == NULL) {
		free(q);
		return NULL;
	}
	return q;
}

void sqs_queue_free(struct sqs_queue *q)
{
	if (q == NULL) {
		return;
	}
	sqs_queue_purge(q);
	while (q->dhead != NULL) {
		struct sqs_dedup *d = q->dhead;

		q->dhead = d->next;
		free(d->key);
		free(d);
	}
	u64map_free(&q->by_seq);
	u64map_free(&q->groups);
	u64map_free(&q->dedups);
	sqs_attempts_free(q);
	u64map_free(&q->attempts);
	free(q->heap);
	free(q->url);
	json_decref(q->tags);
	sqs_qcfg_free(&q->cfg);
	free(q);
}

/* Forget names deleted more than 60 s ago. */
static void prune_deleted(struct sqs_state *st, uint64_t now)
{
	size_t i, o = 0;

	for (i = 0; i < st->n_deleted; i++) {
		if (st->deleted[i].at_ms + SQS_DELETED_REUSE_MS > now) {
			st->deleted[o++] = st->deleted[i];
		}
	}
	st->n_deleted = o;
}

/* ---------------- names and URLs ---------------- */

static bool name_chars_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_')) {
			return false;
		}
	}
	return true;
}

static bool is_fifo_name(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".fifo") == 0;
}

/* Whether name is a valid queue name (standard or .fifo). */
static bool queue_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SQS_NAME_MAX) {
		return false;
	}
	if (is_fifo_name(name)) {
		n -= 5;
	}
	return name_chars_ok(name, n);
}

struct sqs_queue *sqs_queue_by_url(struct sqs_state *st, const json_t *input,
				   struct service_result *r)
{
	const json_t *v = json_object_get(input, "QueueUrl");
	const char *url, *last, *acct;
	char name[SQS_NAME_MAX + 1];
	size_t ln, la;
	struct sqs_queue *q;

	if (v == NULL) {
		sqs_err(r, "MissingParameter",
			"The request must contain the parameter QueueUrl.");
		return NULL;
	}
	url = json_string_value(v);
	if (url == NULL) {
		sqs_err(r, "InvalidParameterValue",
			"Value for parameter QueueUrl is invalid.");
		return NULL;
	}
	/* Route by the last two path segments: /<account>/<name>. */
	ln = strlen(url);
	while (ln > 0 && url[ln - 1] == '/') {
		ln--;
	}
	last = url + ln;
	while (last > url && last[-1] != '/') {
		last--;
	}
	acct = last > url ? last - 1 : url;
	while (acct > url && acct[-1] != '/') {
		acct--;
	}
	la = (size_t)(last - acct) - (last > acct ? 1 : 0);
	if ((size_t)(url + ln - last) > SQS_NAME_MAX ||
	    la != strlen(st->env.account_id) ||
	    strncmp(acct, st->env.account_id, la) != 0) {
		goto missing;
	}
	memcpy(name, last, (size_t)(url + ln - last));
	name[url + ln - last] = '\0';
	q = sqs_queue_find(st, name);
	if (q != NULL) {
		return q;
	}
missing:
	sqs_err(r, "QueueDoesNotExist",
		"The specified queue does not exist.");
	return NULL;
}

/* ---------------- queue actions ---------------- */

static int get_name(const json_t *in, struct service_result *r,
		    const char **name)
{
	const json_t *v = json_object_get(in, "QueueName");

	if (v == NULL) {
		return sqs_err(r, "MissingParameter",
			       "The request must contain the parameter "
			       "QueueName.");
	}
	*name = json_string_value(v);
	if (*name == NULL) {
		return sqs_err(r, "InvalidParameterValue",
			       "Value for parameter QueueName is invalid.");
	}
	return 0;
}

static int tags_check(const json_t *tags, size_t existing,
		      struct service_result *r)
{
	const char *k;
	const json_t *v;

	if (!json_is_object(tags)) {
		return sqs_err(r, "InvalidParameterValue",
			       "Tags must be a map of strings.");
	}
	if (existing + json_object_size(tags) > 50) {
		return sqs_err(r, "InvalidParameterValue",
			       "Too many tags added for queue (max 50).");
	}
	json_object_foreach ((json_t *)tags, k, v) {
		if (!json_is_string(v) || strlen(k) == 0 || strlen(k) > 128 ||
		    json_string_length(v) > 256) {
			return sqs_err(r, "InvalidParameterValue",
				       "Tag key must be 1-128 characters and "
				       "value at most 256.");
		}
	}
	return 0;
}

static enum service_status create_queue(struct sqs_state *st,
					const json_t *in, const json_t *ctx,
					uint64_t now, struct service_result *r)
{
	const char *name;
	const json_t *attrs = json_object_get(in, "Attributes");
	const json_t *tags = json_object_get(in, "tags");
	const json_t *fifo_v;
	struct sqs_queue *q, *old;
	bool fifo = false;
	size_t i;
	char buf[512];

	if (tags == NULL) {
		tags = json_object_get(in, "Tags");
	}
	if (get_name(in, r, &name) != 0) {
		return SERVICE_ERROR;
	}
	if (!queue_name_ok(name)) {
		sqs_err(r, "InvalidParameterValue",
			"Can only include alphanumeric characters, hyphens, or "
			"underscores. 1 to 80 in length");
		return SERVICE_ERROR;
	}
	if (attrs != NULL && !json_is_object(attrs)) {
		sqs_err(r, "InvalidParameterValue",
			"Attributes must be a map.");
		return SERVICE_ERROR;
	}
	fifo_v = json_object_get(attrs, "FifoQueue");
	if (fifo_v != NULL) {
		const char *s = json_string_value(fifo_v);

		if (json_is_true(fifo_v) || (s && strcmp(s, "true") == 0)) {
			fifo = true;
		} else if (!(json_is_false(fifo_v) ||
			     (s && strcmp(s, "false") == 0))) {
			sqs_err(r, "InvalidAttributeValue",
				"Invalid value for the parameter FifoQueue.");
			return SERVICE_ERROR;
		}
	}
	if (fifo != is_fifo_name(name)) {
		sqs_err(r, "InvalidParameterValue",
			fifo ? "The name of a FIFO queue can only include "
			       "alphanumeric characters, hyphens, or "
			       "underscores, must end with .fifo suffix and "
			       "be 1 to 80 in length."
			     : "Can only include alphanumeric characters, "
			       "hyphens, or underscores. 1 to 80 in length");
		return SERVICE_ERROR;
	}
	if (tags != NULL && tags_check(tags, 0, r) != 0) {
		return SERVICE_ERROR;
	}
	q = sqs_queue_alloc(name, fifo);
	if (q == NULL) {
		sqs_err(r, "InternalError", "out of memory");
		r->sender_fault = false;
		return SERVICE_ERROR;
	}
	if (attrs != NULL &&
	    sqs_qcfg_set(st, &q->cfg, fifo, true, attrs, name, r) != 0) {
		sqs_queue_free(q);
		return SERVICE_ERROR;
	}
	old = sqs_queue_find(st, name);
	if (old != NULL) {
		bool same = old->fifo == fifo && sqs_qcfg_equal(&old->cfg, &q->cfg);

		sqs_queue_free(q);
		if (!same) {
			sqs_err(r, "QueueAlreadyExists",
				"A queue already exists with the same name and "
				"a different value for attribute(s).");
			return SERVICE_ERROR;
		}
		r->output = json_pack("{s:o}", "QueueUrl",
				      queue_url(st, ctx, old->name));
		return SERVICE_OK;
	}
	prune_deleted(st, now);
	for (i = 0; i < st->n_deleted; i++) {
		if (strcmp(st->deleted[i].name, name) == 0) {
			sqs_queue_free(q);
			sqs_err(r, "QueueDeletedRecently",
				"You must wait 60 seconds after deleting a "
				"queue before you can create another with the "
				"same name.");
			return SERVICE_ERROR;
		}
	}
	snprintf(buf, sizeof(buf), "%s/%s/%s", endpoint_of(ctx),
		 st->env.account_id, name);
	q->url = strdup(buf);
	q->created_ms = q->modified_ms = q->clock_ms = now;
	if (tags != NULL) {
		json_object_update(q->tags, (json_t *)tags);
	}
	if (q->url == NULL || sqs_state_insert(st, q) != 0) {
		sqs_queue_free(q);
		sqs_err(r, "InternalError", "out of memory");
		r->sender_fault = false;
		return SERVICE_ERROR;
	}
	r->output = json_pack("{s:o}", "QueueUrl", queue_url(st, ctx, q->name));
	return SERVICE_OK;
}

static enum service_status delete_queue(struct sqs_state *st,
					const json_t *in, uint64_t now,
					struct service_result *r)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	prune_deleted(st, now);
	if (st->n_deleted == st->cap_deleted) {
		size_t cap = st->cap_deleted ? st->cap_deleted * 2 : 8;
		struct sqs_deleted *d =
		    realloc(st->deleted, cap * sizeof(*d));

		if (d == NULL) {
			sqs_err(r, "InternalError", "out of memory");
			r->sender_fault = false;
			return SERVICE_ERROR;
		}
		st->deleted = d;
		st->cap_deleted = cap;
	}
	snprintf(st->deleted[st->n_deleted].name, sizeof(st->deleted->name),
		 "%s", q->name);
	st->deleted[st->n_deleted].at_ms = now;
	st->n_deleted++;
	/* Waiters on the queue answer (it is gone). */
	sqs_wake(st, q);
	state_remove(st, q);
	sqs_queue_free(q);
	r->output = json_object();
	return SERVICE_OK;
}

static enum service_status get_queue_url(struct sqs_state *st,
					 const json_t *in, const json_t *ctx,
					 struct service_result *r)
{
	const char *name, *owner;
	struct sqs_queue *q;

	if (get_name(in, r, &name) != 0) {
		return SERVICE_ERROR;
	}
	owner = json_string_value(
	    json_object_get(in, "QueueOwnerAWSAccountId"));
	q = sqs_queue_find(st, name);
	if (q == NULL ||
	    (owner != NULL && strcmp(owner, st->env.account_id) != 0)) {
		sqs_err(r, "QueueDoesNotExist",
			"The specified queue does not exist.");
		return SERVICE_ERROR;
	}
	r->output = json_pack("{s:o}", "QueueUrl", queue_url(st, ctx, q->name));
	return SERVICE_OK;
}

/* ListQueues and ListDeadLetterSourceQueues share paging: NextToken is the
 * name of the first queue not yet returned. */
static enum service_status list_queues(struct sqs_state *st, const json_t *in,
				       const json_t *ctx, const char *dlq_name,
				       struct service_result *r)
{
	const char *prefix =
	    json_string_value(json_object_get(in, "QueueNamePrefix"));
	const char *token = json_string_value(json_object_get(in, "NextToken"));
	int64_t max = 1000;
	int has_max = sqs_get_int(in, "MaxResults", 1, 1000, &max, r);
	json_t *urls, *out;
	size_t i = 0, n = 0;
	bool found;

	if (has_max < 0) {
		return SERVICE_ERROR;
	}
	if (token != NULL) {
		if (!queue_name_ok(token)) {
			sqs_err(r, "InvalidParameterValue",
				"Invalid NextToken value.");
			return SERVICE_ERROR;
		}
		i = queue_pos(st, token, &found);
	}
	urls = json_array();
	out = json_object();
	for (; i < st->n_queues; i++) {
		struct sqs_queue *q = st->queues[i];

		if (prefix != NULL &&
		    strncmp(q->name, prefix, strlen(prefix)) != 0) {
			continue;
		}
		if (dlq_name != NULL &&
		    strcmp(q->cfg.dlq_name, dlq_name) != 0) {
			continue;
		}
		if ((int64_t)n == max) {
			if (has_max) {
				json_object_set_new(out, "NextToken",
						    json_string(q->name));
			}
			break;
		}
		json_array_append_new(urls, queue_url(st, ctx, q->name));
		n++;
	}
	if (n > 0 || dlq_name != NULL) {
		json_object_set_new(out, dlq_name ? "queueUrls" : "QueueUrls",
				    urls);
	} else {
		json_decref(urls);
	}
	r->output = out;
	return SERVICE_OK;
}

static enum service_status purge_queue(struct sqs_state *st, const json_t *in,
				       uint64_t now, struct service_result *r)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	if (q->last_purge_ms != 0 &&
	    now < q->last_purge_ms + SQS_PURGE_INTERVAL_MS) {
		sqs_err(r, "PurgeQueueInProgress",
			"Only one PurgeQueue operation on %s is allowed every "
			"60 seconds.",
			q->name);
		return SERVICE_ERROR;
	}
	q->last_purge_ms = now;
	sqs_queue_purge(q);
	r->output = json_object();
	return SERVICE_OK;
}

static enum service_status tag_queue(struct sqs_state *st, const json_t *in,
				     bool untag, struct service_result *r)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);
	const json_t *v;
	size_t i;

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	if (!untag) {
		json_t *tags = json_object_get(in, "Tags");
		const char *k;
		json_t *t;
		size_t added = 0;

		if (tags == NULL) {
			sqs_err(r, "MissingParameter",
				"The request must contain the parameter Tags.");
			return SERVICE_ERROR;
		}
		if (json_is_object(tags)) {
			json_object_foreach (tags, k, t) {
				added += json_object_get(q->tags, k) == NULL;
			}
		}
		if (tags_check(tags, json_object_size(q->tags) +
					 added - json_object_size(tags),
			       r) != 0) {
			return SERVICE_ERROR;
		}
		json_object_update(q->tags, tags);
	} else {
		const json_t *keys = json_object_get(in, "TagKeys");

		if (keys == NULL) {
			sqs_err(r, "MissingParameter",
				"The request must contain the parameter "
				"TagKeys.");
			return SERVICE_ERROR;
		}
		if (!json_is_array(keys)) {
			sqs_err(r, "InvalidParameterValue",
				"TagKeys must be a list.");
			return SERVICE_ERROR;
		}
		json_array_foreach (keys, i, v) {
			if (!json_is_string(v)) {
				sqs_err(r, "InvalidParameterValue",
					"TagKeys must be strings.");
				return SERVICE_ERROR;
			}
		}
		json_array_foreach (keys, i, v) {
			json_object_del(q->tags, json_string_value(v));
		}
	}
	r->output = json_object();
	return SERVICE_OK;
}

static enum service_status list_tags(struct sqs_state *st, const json_t *in,
				     struct service_result *r)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);
	json_t *out;

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	out = json_object();
	if (json_object_size(q->tags) > 0) {
		/* Sorted keys: the same bytes everywhere. */
		const char **keys =
		    malloc(json_object_size(q->tags) * sizeof(*keys));
		json_t *tags = json_object();
		const char *k;
		json_t *v;
		size_t n = 0, i;

		json_object_foreach (q->tags, k, v) {
			keys[n++] = k;
		}
		qsort(keys, n, sizeof(*keys),
		      (int (*)(const void *, const void *))strcmp);
		for (i = 0; i < n; i++) {
			json_object_set(tags, keys[i],
					json_object_get(q->tags, keys[i]));
		}
		free(keys);
		json_object_set_new(out, "Tags", tags);
	}
	r->output = out;
	return SERVICE_OK;
}

static enum service_status set_attrs(struct sqs_state *st, const json_t *in,
				     uint64_t now, struct service_result *r)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);
	const json_t *attrs = json_object_get(in, "Attributes");
	struct sqs_qcfg cfg;

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	if (attrs == NULL) {
		sqs_err(r, "MissingParameter",
			"The request must contain the parameter Attributes.");
		return SERVICE_ERROR;
	}
	if (!json_is_object(attrs)) {
		sqs_err(r, "InvalidParameterValue",
			"Attributes must be a map.");
		return SERVICE_ERROR;
	}
	/* Validate on a copy: all or nothing. */
	cfg = q->cfg;
	cfg.redrive_policy =
	    q->cfg.redrive_policy ? strdup(q->cfg.redrive_policy) : NULL;
	cfg.redrive_allow_policy = q->cfg.redrive_allow_policy
				       ? strdup(q->cfg.redrive_allow_policy)
				       : NULL;
	if (sqs_qcfg_set(st, &cfg, q->fifo, false, attrs, q->name, r) != 0) {
		sqs_qcfg_free(&cfg);
		return SERVICE_ERROR;
	}
	sqs_qcfg_free(&q->cfg);
	q->cfg = cfg;
	q->modified_ms = now;
	/* A shorter retention or delay may change what is available. */
	if (sqs_queue_advance(q, now)) {
		sqs_wake(st, q);
	}
	r->output = json_object();
	return SERVICE_OK;
}

static enum service_status get_attrs(struct sqs_state *st, const json_t *in,
				     uint64_t now, struct service_result *r)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);
	json_t *attrs, *out;

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	attrs = sqs_queue_attrs(st, q, json_object_get(in, "AttributeNames"),
				now, r);
	if (attrs == NULL) {
		return SERVICE_ERROR;
	}
	out = json_object();
	if (json_object_size(attrs) > 0) {
		json_object_set_new(out, "Attributes", attrs);
	} else {
		json_decref(attrs);
	}
	r->output = out;
	return SERVICE_OK;
}

static enum service_status list_dlq_sources(struct sqs_state *st,
					    const json_t *in,
					    const json_t *ctx,
					    struct service_result *r)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	return list_queues(st, in, ctx, q->name, r);
}

/* ---------------- dispatch ---------------- */

struct action {
	const char *name;
	enum service_action_kind kind;
};

static const struct action actions[] = {
    {"CreateQueue", SERVICE_ACTION_WRITE},
    {"DeleteQueue", SERVICE_ACTION_WRITE},
    {"GetQueueUrl", SERVICE_ACTION_READ},
    {"ListQueues", SERVICE_ACTION_READ},
    {"GetQueueAttributes", SERVICE_ACTION_READ},
    {"SetQueueAttributes", SERVICE_ACTION_WRITE},
    {"TagQueue", SERVICE_ACTION_WRITE},
    {"UntagQueue", SERVICE_ACTION_WRITE},
    {"ListQueueTags", SERVICE_ACTION_READ},
    {"PurgeQueue", SERVICE_ACTION_WRITE},
    {"ListDeadLetterSourceQueues", SERVICE_ACTION_READ},
    {"SendMessage", SERVICE_ACTION_WRITE},
    {"SendMessageBatch", SERVICE_ACTION_WRITE},
    {"ReceiveMessage", SERVICE_ACTION_WRITE},
    {"DeleteMessage", SERVICE_ACTION_WRITE},
    {"DeleteMessageBatch", SERVICE_ACTION_WRITE},
    {"ChangeMessageVisibility", SERVICE_ACTION_WRITE},
    {"ChangeMessageVisibilityBatch", SERVICE_ACTION_WRITE},
};

static enum service_action_kind action_kind(const char *action)
{
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(actions[i].name, action) == 0) {
			return actions[i].kind;
		}
	}
	return SERVICE_ACTION_UNKNOWN;
}

static void random_hex(char *out, size_t nbytes)
{
	uint8_t b[32];
	size_t got = 0;

	while (got < nbytes) {
		ssize_t k = getrandom(b + got, nbytes - got, 0);

		if (k > 0) {
			got += (size_t)k;
		}
	}
	sqs_hex(b, nbytes, out);
}

static json_t *random_uuid(void)
{
	char h[33], u[37];

	random_hex(h, 16);
	h[12] = '4';                               /* version 4 */
	h[16] = "89ab"[(h[16] > '9' ? h[16] - 'a' + 10 : h[16] - '0') & 3];
	snprintf(u, sizeof(u), "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
		 h + 16, h + 20);
	return json_string(u);
}

static enum service_status prepare(void *state, const char *action,
				   const json_t *input, json_t *context,
				   uint64_t now_ms,
				   struct service_result *result)
{
	struct sqs_state *st = state;
	struct sqs_queue *q = NULL;

	if (action_kind(action) != SERVICE_ACTION_WRITE) {
		sqs_err(result, "InvalidAction",
			"The action %s is not valid for this endpoint.",
			action);
		return SERVICE_ERROR;
	}
	if (!json_is_object(input)) {
		sqs_err(result, "InvalidParameterValue",
			"The request must be a JSON object.");
		return SERVICE_ERROR;
	}
	if (strcmp(action, "CreateQueue") != 0) {
		q = sqs_queue_by_url(st, input, result);
		if (q == NULL) {
			return SERVICE_ERROR;
		}
	}
	if (strcmp(action, "SendMessage") == 0 ||
	    strcmp(action, "SendMessageBatch") == 0) {
		const json_t *e = json_object_get(input, "Entries");
		size_t n = strcmp(action, "SendMessage") == 0
			       ? 1
			       : json_array_size(e);
		json_t *ids = json_array();
		size_t i;

		if (n > SQS_BATCH_MAX) {
			n = SQS_BATCH_MAX;
		}
		for (i = 0; i < n; i++) {
			json_array_append_new(ids, random_uuid());
		}
		json_object_set_new(context, "MessageIds", ids);
	} else if (strcmp(action, "ReceiveMessage") == 0) {
		char nonce[65];
		int64_t wait = q->cfg.receive_wait_s;

		random_hex(nonce, 16);
		json_object_set_new(context, "ReceiptNonce",
				    json_string(nonce));
		if (sqs_get_int(input, "WaitTimeSeconds", 0, 20, &wait,
				result) < 0) {
			return SERVICE_ERROR;
		}
		if (wait > 0) {
			json_object_set_new(
			    context, "WaitUntilMs",
			    json_integer((json_int_t)(now_ms +
						      (uint64_t)wait * 1000)));
		}
	}
	return SERVICE_OK;
}

static enum service_status apply(void *state, const char *action,
				 const json_t *in, const json_t *ctx,
				 uint64_t now, struct service_result *r)
{
	struct sqs_state *st = state;

	if (!json_is_object(in)) {
		sqs_err(r, "InvalidParameterValue",
			"The request must be a JSON object.");
		return SERVICE_ERROR;
	}
	if (strcmp(action, "CreateQueue") == 0) {
		return create_queue(st, in, ctx, now, r);
	}
	if (strcmp(action, "DeleteQueue") == 0) {
		return delete_queue(st, in, now, r);
	}
	if (strcmp(action, "SetQueueAttributes") == 0) {
		return set_attrs(st, in, now, r);
	}
	if (strcmp(action, "TagQueue") == 0) {
		return tag_queue(st, in, false, r);
	}
	if (strcmp(action, "UntagQueue") == 0) {
		return tag_queue(st, in, true, r);
	}
	if (strcmp(action, "PurgeQueue") == 0) {
		return purge_queue(st, in, now, r);
	}
	if (strcmp(action, "SendMessage") == 0) {
		return sqs_send(st, in, ctx, now, r, false);
	}
	if (strcmp(action, "SendMessageBatch") == 0) {
		return sqs_send(st, in, ctx, now, r, true);
	}
	if (strcmp(action, "ReceiveMessage") == 0) {
		return sqs_receive(st, in, ctx, now, r);
	}
	if (strcmp(action, "DeleteMessage") == 0) {
		return sqs_delete(st, in, now, r, false);
	}
	if (strcmp(action, "DeleteMessageBatch") == 0) {
		return sqs_delete(st, in, now, r, true);
	}
	if (strcmp(action, "ChangeMessageVisibility") == 0) {
		return sqs_change_vis(st, in, now, r, false);
	}
	if (strcmp(action, "ChangeMessageVisibilityBatch") == 0) {
		return sqs_change_vis(st, in, now, r, true);
	}
	sqs_err(r, "InvalidAction",
		"The action %s is not valid for this endpoint.", action);
	return SERVICE_ERROR;
}

static enum service_status read_action(void *state, const char *action,
				       const json_t *in, const json_t *ctx,
				       uint64_t now,
				       struct service_result *r)
{
	struct sqs_state *st = state;

	if (!json_is_object(in)) {
		sqs_err(r, "InvalidParameterValue",
			"The request must be a JSON object.");
		return SERVICE_ERROR;
	}
	if (strcmp(action, "GetQueueUrl") == 0) {
		return get_queue_url(st, in, ctx, r);
	}
	if (strcmp(action, "ListQueues") == 0) {
		return list_queues(st, in, ctx, NULL, r);
	}
	if (strcmp(action, "GetQueueAttributes") == 0) {
		return get_attrs(st, in, now, r);
	}
	if (strcmp(action, "ListQueueTags") == 0) {
		return list_tags(st, in, r);
	}
	if (strcmp(action, "ListDeadLetterSourceQueues") == 0) {
		return list_dlq_sources(st, in, ctx, r);
	}
	sqs_err(r, "InvalidAction",
		"The action %s is not valid for this endpoint.", action);
	return SERVICE_ERROR;
}

static void destroy(struct service *svc)
{
	struct sqs_state *st;

	if (svc == NULL) {
		return;
	}
	st = svc->state;
	sqs_state_clear(st);
	free(st);
	free(svc);
}

struct service *sqs_service_new(const struct service_env *env)
{
	struct service *svc = calloc(1, sizeof(*svc));
	struct sqs_state *st = calloc(1, sizeof(*st));

	if (svc == NULL || st == NULL) {
		free(svc);
		free(st);
		return NULL;
	}
	st->env = *env;
	if (st->env.region == NULL) {
		st->env.region = "us-east-1";
	}
	if (st->env.account_id == NULL) {
		st->env.account_id = "000000000000";
	}
	svc->name = "sqs";
	svc->state = st;
	svc->action_kind = action_kind;
	svc->prepare = prepare;
	svc->apply = apply;
	svc->read = read_action;
	svc->snapshot = sqs_snapshot;
	svc->restore = sqs_restore;
	svc->digest = sqs_digest;
	svc->destroy = destroy;
	return svc;
}
