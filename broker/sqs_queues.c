/* sqs_queues — the queue actions: CreateQueue, DeleteQueue, GetQueueUrl,
 * ListQueues, ListDeadLetterSourceQueues, PurgeQueue, TagQueue,
 * UntagQueue, ListQueueTags, GetQueueAttributes, SetQueueAttributes. Each
 * is deterministic (apply) or read-only (read); dispatch is in sqs.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqs_int.h"

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
	json_object_foreach((json_t *)tags, k, v)
	{
		if (!json_is_string(v) || strlen(k) == 0 || strlen(k) > 128 ||
		    json_string_length(v) > 256) {
			return sqs_err(r, "InvalidParameterValue",
				       "Tag key must be 1-128 characters and "
				       "value at most 256.");
		}
	}
	return 0;
}

enum service_status sqs_create_queue(struct sqs_state *st, const json_t *in,
				     const json_t *ctx, uint64_t now, bool dry,
				     struct service_result *r)
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
	if (!sqs_queue_name_ok(name)) {
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
	if (fifo != sqs_is_fifo_name(name)) {
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
		bool same =
		    old->fifo == fifo && sqs_qcfg_equal(&old->cfg, &q->cfg);

		sqs_queue_free(q);
		if (!same) {
			sqs_err(r, "QueueAlreadyExists",
				"A queue already exists with the same name and "
				"a different value for attribute(s).");
			return SERVICE_ERROR;
		}
		if (dry) {
			return SERVICE_OK;
		}
		r->output = json_pack("{s:o}", "QueueUrl",
				      sqs_queue_url(st, ctx, old->name));
		return SERVICE_OK;
	}
	if (!dry) {
		sqs_prune_deleted(st, now);
	}
	for (i = 0; i < st->n_deleted; i++) {
		if (strcmp(st->deleted[i].name, name) == 0 &&
		    st->deleted[i].at_ms + SQS_DELETED_REUSE_MS > now) {
			sqs_queue_free(q);
			sqs_err(r, "QueueDeletedRecently",
				"You must wait 60 seconds after deleting a "
				"queue before you can create another with the "
				"same name.");
			return SERVICE_ERROR;
		}
	}
	if (dry) {
		sqs_queue_free(q);
		return SERVICE_OK;
	}
	snprintf(buf, sizeof(buf), "%s/%s/%s", sqs_endpoint_of(ctx),
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
	r->output =
	    json_pack("{s:o}", "QueueUrl", sqs_queue_url(st, ctx, q->name));
	return SERVICE_OK;
}

enum service_status sqs_delete_queue(struct sqs_state *st, const json_t *in,
				     uint64_t now, struct service_result *r)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	sqs_prune_deleted(st, now);
	if (st->n_deleted == st->cap_deleted) {
		size_t cap = st->cap_deleted ? st->cap_deleted * 2 : 8;
		struct sqs_deleted *d = realloc(st->deleted, cap * sizeof(*d));

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
	sqs_wake_all(st, q);
	sqs_state_remove(st, q);
	sqs_queue_free(q);
	r->output = json_object();
	return SERVICE_OK;
}

enum service_status sqs_get_queue_url(struct sqs_state *st, const json_t *in,
				      const json_t *ctx,
				      struct service_result *r)
{
	const char *name, *owner;
	struct sqs_queue *q;

	if (get_name(in, r, &name) != 0) {
		return SERVICE_ERROR;
	}
	owner =
	    json_string_value(json_object_get(in, "QueueOwnerAWSAccountId"));
	q = sqs_queue_find(st, name);
	if (q == NULL ||
	    (owner != NULL && strcmp(owner, st->env.account_id) != 0)) {
		sqs_err(r, "QueueDoesNotExist",
			"The specified queue does not exist.");
		return SERVICE_ERROR;
	}
	r->output =
	    json_pack("{s:o}", "QueueUrl", sqs_queue_url(st, ctx, q->name));
	return SERVICE_OK;
}

/* ListQueues and ListDeadLetterSourceQueues share paging: NextToken is the
 * name of the first queue not yet returned. */
enum service_status sqs_list_queues(struct sqs_state *st, const json_t *in,
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
		if (!sqs_queue_name_ok(token)) {
			sqs_err(r, "InvalidParameterValue",
				"Invalid NextToken value.");
			return SERVICE_ERROR;
		}
		i = sqs_queue_pos(st, token, &found);
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
		json_array_append_new(urls, sqs_queue_url(st, ctx, q->name));
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

enum service_status sqs_purge_queue(struct sqs_state *st, const json_t *in,
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

enum service_status sqs_tag_queue(struct sqs_state *st, const json_t *in,
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
			json_object_foreach(tags, k, t)
			{
				added += json_object_get(q->tags, k) == NULL;
			}
		}
		if (tags_check(tags,
			       json_object_size(q->tags) + added -
				   json_object_size(tags),
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
		json_array_foreach(keys, i, v)
		{
			if (!json_is_string(v)) {
				sqs_err(r, "InvalidParameterValue",
					"TagKeys must be strings.");
				return SERVICE_ERROR;
			}
		}
		json_array_foreach(keys, i, v)
		{
			json_object_del(q->tags, json_string_value(v));
		}
	}
	r->output = json_object();
	return SERVICE_OK;
}

enum service_status sqs_list_tags(struct sqs_state *st, const json_t *in,
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

		json_object_foreach(q->tags, k, v)
		{
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

enum service_status sqs_set_attrs(struct sqs_state *st, const json_t *in,
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
	if (sqs_qcfg_copy(&cfg, &q->cfg) != 0) {
		sqs_err(r, "InternalError", "out of memory");
		r->sender_fault = false;
		return SERVICE_ERROR;
	}
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

enum service_status sqs_get_attrs(struct sqs_state *st, const json_t *in,
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

enum service_status sqs_list_dlq_sources(struct sqs_state *st, const json_t *in,
					 const json_t *ctx,
					 struct service_result *r)
{
	struct sqs_queue *q = sqs_queue_by_url(st, in, r);

	if (q == NULL) {
		return SERVICE_ERROR;
	}
	return sqs_list_queues(st, in, ctx, q->name, r);
}
