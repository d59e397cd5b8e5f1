/* sqs_attr — queue attribute rules (names, ranges, defaults, the
 * redrive policies, GetQueueAttributes output) and message attribute rules
 * (names, data types, values, and MD5OfMessageAttributes exactly as AWS
 * computes it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sqs_int.h"

void sqs_qcfg_default(struct sqs_qcfg *c)
{
	memset(c, 0, sizeof(*c));
	c->visibility_timeout_s = 30;
	c->retention_s = 345600;
	c->max_message_bytes = 1048576;
	/* New queues get SSE-SQS, as in AWS since 2022. */
	c->sse_sqs = true;
}

void sqs_qcfg_free(struct sqs_qcfg *c)
{
	free(c->redrive_policy);
	free(c->redrive_allow_policy);
	free(c->policy);
	free(c->kms_key_id);
	c->redrive_policy = NULL;
	c->redrive_allow_policy = NULL;
	c->policy = NULL;
	c->kms_key_id = NULL;
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src != NULL && (*dst = strdup(src)) == NULL) {
		return -1;
	}
	return 0;
}

int sqs_qcfg_copy(struct sqs_qcfg *dst, const struct sqs_qcfg *src)
{
	*dst = *src;
	if (dup_opt(&dst->redrive_policy, src->redrive_policy) != 0 ||
	    dup_opt(&dst->redrive_allow_policy, src->redrive_allow_policy) !=
		0 ||
	    dup_opt(&dst->policy, src->policy) != 0 ||
	    dup_opt(&dst->kms_key_id, src->kms_key_id) != 0) {
		sqs_qcfg_free(dst);
		return -1;
	}
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	return strcmp(a, b) == 0;
}

bool sqs_qcfg_equal(const struct sqs_qcfg *a, const struct sqs_qcfg *b)
{
	return a->visibility_timeout_s == b->visibility_timeout_s &&
	       a->retention_s == b->retention_s &&
	       a->max_message_bytes == b->max_message_bytes &&
	       a->delay_s == b->delay_s &&
	       a->receive_wait_s == b->receive_wait_s &&
	       a->content_dedup == b->content_dedup &&
	       a->dedup_scope_group == b->dedup_scope_group &&
	       a->throughput_per_group == b->throughput_per_group &&
	       str_eq(a->redrive_policy, b->redrive_policy) &&
	       str_eq(a->redrive_allow_policy, b->redrive_allow_policy) &&
	       str_eq(a->policy, b->policy) &&
	       str_eq(a->kms_key_id, b->kms_key_id) &&
	       a->kms_reuse_s == b->kms_reuse_s && a->sse_sqs == b->sse_sqs;
}

static int bad_value(struct service_result *r, const char *name)
{
	return sqs_err(r, "InvalidAttributeValue",
		       "Invalid value for the parameter %s.", name);
}

/* An attribute value as an integer in [lo, hi]. */
static int attr_int(const json_t *v, const char *name, uint32_t lo, uint32_t hi,
		    uint32_t *out, struct service_result *r)
{
	long long x;

	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		if (*s == '\0' || strlen(s) > 12) {
			return bad_value(r, name);
		}
		x = strtoll(s, &end, 10);
		if (*end != '\0') {
			return bad_value(r, name);
		}
	} else {
		return bad_value(r, name);
	}
	if (x < lo || x > hi) {
		return bad_value(r, name);
	}
	*out = (uint32_t)x;
	return 0;
}

static int attr_bool(const json_t *v, const char *name, bool *out,
		     struct service_result *r)
{
	const char *s = json_string_value(v);

	if (json_is_boolean(v)) {
		*out = json_is_true(v);
	} else if (s != NULL && strcasecmp(s, "true") == 0) {
		*out = true;
	} else if (s != NULL && strcasecmp(s, "false") == 0) {
		*out = false;
	} else {
		return bad_value(r, name);
	}
	return 0;
}

/* "arn:aws:sqs:<region>:<account>:<name>" of a queue of ours -> name. */
int sqs_arn_name(const struct sqs_state *st, const char *arn, char *name)
{
	char prefix[160];
	size_t pl, n;

	snprintf(prefix, sizeof(prefix), "arn:aws:sqs:%s:%s:", st->env.region,
		 st->env.account_id);
	pl = strlen(prefix);
	if (strncmp(arn, prefix, pl) != 0) {
		return -1;
	}
	n = strlen(arn + pl);
	if (n == 0 || n > SQS_NAME_MAX) {
		return -1;
	}
	memcpy(name, arn + pl, n + 1);
	return 0;
}

static int redrive_policy(struct sqs_state *st, struct sqs_qcfg *c, bool fifo,
			  const char *self, const char *s,
			  struct service_result *r)
{
	json_t *doc, *arn_v, *max_v;
	char name[SQS_NAME_MAX + 1];
	uint32_t max;
	struct sqs_queue *dlq;
	char canon[400];

	if (*s == '\0') {
		free(c->redrive_policy);
		c->redrive_policy = NULL;
		c->dlq_name[0] = '\0';
		c->max_receive_count = 0;
		return 0;
	}
	doc = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	arn_v = json_object_get(doc, "deadLetterTargetArn");
	max_v = json_object_get(doc, "maxReceiveCount");
	if (!json_is_object(doc) || !json_is_string(arn_v) || max_v == NULL) {
		json_decref(doc);
		return sqs_err(r, "InvalidParameterValue",
			       "Value %.200s for parameter RedrivePolicy is "
			       "invalid. Reason: Redrive policy is not a "
			       "valid JSON map with deadLetterTargetArn and "
			       "maxReceiveCount.",
			       s);
	}
	if (attr_int(max_v, "RedrivePolicy", 1, 1000, &max, r) != 0) {
		json_decref(doc);
		sqs_err(r, "InvalidParameterValue",
			"Value for parameter RedrivePolicy is invalid. "
			"Reason: Invalid value for maxReceiveCount: must be "
			"an integer from 1 to 1000.");
		return -1;
	}
	if (sqs_arn_name(st, json_string_value(arn_v), name) != 0 ||
	    (dlq = sqs_queue_find(st, name)) == NULL) {
		json_decref(doc);
		return sqs_err(r, "InvalidParameterValue",
			       "Value for parameter RedrivePolicy is "
			       "invalid. Reason: Dead letter target does "
			       "not exist.");
	}
	json_decref(doc);
	if (dlq->fifo != fifo) {
		return sqs_err(r, "InvalidParameterValue",
			       "Value for parameter RedrivePolicy is "
			       "invalid. Reason: Dead-letter queue must be "
			       "of the same type as the source queue.");
	}
	if (strcmp(name, self) == 0) {
		return sqs_err(r, "InvalidParameterValue",
			       "Value for parameter RedrivePolicy is "
			       "invalid. Reason: A queue cannot be its own "
			       "dead-letter queue.");
	}
	/* RedriveAllowPolicy of the target. */
	if (dlq->cfg.redrive_allow_policy != NULL) {
		json_t *ap = json_loads(dlq->cfg.redrive_allow_policy, 0, NULL);
		const char *perm =
		    json_string_value(json_object_get(ap, "redrivePermission"));
		bool ok = true;

		if (perm != NULL && strcmp(perm, "denyAll") == 0) {
			ok = false;
		} else if (perm != NULL && strcmp(perm, "byQueue") == 0) {
			char me[200];
			size_t i;
			json_t *a;

			sqs_queue_arn(st, self, me, sizeof(me));
			ok = false;
			json_array_foreach(
			    json_object_get(ap, "sourceQueueArns"), i, a)
			{
				ok = ok || str_eq(json_string_value(a), me);
			}
		}
		json_decref(ap);
		if (!ok) {
			return sqs_err(r, "InvalidParameterValue",
				       "Value for parameter RedrivePolicy is "
				       "invalid. Reason: The dead-letter "
				       "queue's RedriveAllowPolicy does not "
				       "allow this source queue.");
		}
	}
	snprintf(canon, sizeof(canon),
		 "{\"deadLetterTargetArn\":\"arn:aws:sqs:%s:%s:%s\","
		 "\"maxReceiveCount\":%u}",
		 st->env.region, st->env.account_id, name, max);
	free(c->redrive_policy);
	c->redrive_policy = strdup(canon);
	snprintf(c->dlq_name, sizeof(c->dlq_name), "%s", name);
	c->max_receive_count = max;
	return 0;
}

int sqs_redrive_restore(const struct sqs_state *st, struct sqs_qcfg *c,
			const char *s)
{
	json_t *doc = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	const char *arn =
	    json_string_value(json_object_get(doc, "deadLetterTargetArn"));
	json_t *max = json_object_get(doc, "maxReceiveCount");
	char name[SQS_NAME_MAX + 1];

	/* The target may have been deleted since: only the form is checked. */
	if (arn == NULL || sqs_arn_name(st, arn, name) != 0 ||
	    !json_is_integer(max) || json_integer_value(max) < 1 ||
	    json_integer_value(max) > 1000 || json_object_size(doc) != 2) {
		json_decref(doc);
		return -1;
	}
	free(c->redrive_policy);
	c->redrive_policy = strdup(s);
	snprintf(c->dlq_name, sizeof(c->dlq_name), "%s", name);
	c->max_receive_count = (uint32_t)json_integer_value(max);
	json_decref(doc);
	return c->redrive_policy != NULL ? 0 : -1;
}

static int redrive_allow(struct sqs_state *st, struct sqs_qcfg *c,
			 const char *s, struct service_result *r)
{
	json_t *doc, *perm_v, *arns, *a, *canon;
	const char *perm;
	size_t i;

	if (*s == '\0') {
		free(c->redrive_allow_policy);
		c->redrive_allow_policy = NULL;
		return 0;
	}
	doc = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	perm_v = json_object_get(doc, "redrivePermission");
	perm = json_string_value(perm_v);
	arns = json_object_get(doc, "sourceQueueArns");
	if (!json_is_object(doc) || perm == NULL ||
	    (strcmp(perm, "allowAll") != 0 && strcmp(perm, "denyAll") != 0 &&
	     strcmp(perm, "byQueue") != 0) ||
	    (arns != NULL && !json_is_array(arns)) ||
	    (strcmp(perm, "byQueue") == 0 &&
	     (json_array_size(arns) < 1 || json_array_size(arns) > 10)) ||
	    (strcmp(perm, "byQueue") != 0 && json_array_size(arns) > 0)) {
		json_decref(doc);
		return sqs_err(r, "InvalidParameterValue",
			       "Value for parameter RedriveAllowPolicy is "
			       "invalid.");
	}
	json_array_foreach(arns, i, a)
	{
		char name[SQS_NAME_MAX + 1];

		if (!json_is_string(a) ||
		    sqs_arn_name(st, json_string_value(a), name) != 0) {
			json_decref(doc);
			return sqs_err(r, "InvalidParameterValue",
				       "Value for parameter "
				       "RedriveAllowPolicy is invalid. "
				       "Reason: invalid source queue ARN.");
		}
	}
	canon = json_pack("{s:s}", "redrivePermission", perm);
	if (arns != NULL && json_array_size(arns) > 0) {
		json_object_set(canon, "sourceQueueArns", arns);
	}
	free(c->redrive_allow_policy);
	c->redrive_allow_policy =
	    json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(canon);
	json_decref(doc);
	return 0;
}

/* Largest Policy document we store (AWS bounds it too; 20 KiB here). */
#define SQS_POLICY_MAX 20480
/* Longest KmsMasterKeyId (a key id, alias, or key / alias ARN). */
#define SQS_KMS_KEY_MAX 2048

/* Policy: "" removes it; otherwise a JSON object with a Statement (an
 * object or a list), at most SQS_POLICY_MAX bytes. Stored as given. No
 * IAM evaluates it here. */
static int policy_set(struct sqs_qcfg *c, const json_t *v,
		      struct service_result *r)
{
	const char *s = json_string_value(v);
	json_t *doc, *stmt;
	json_error_t jerr;
	bool good;

	if (s == NULL || strlen(s) > SQS_POLICY_MAX) {
		return bad_value(r, "Policy");
	}
	if (*s == '\0') {
		free(c->policy);
		c->policy = NULL;
		return 0;
	}
	doc = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);
	stmt = json_object_get(doc, "Statement");
	good = json_is_object(doc) &&
	       (json_is_object(stmt) ||
		(json_is_array(stmt) && json_array_size(stmt) > 0));
	json_decref(doc);
	if (!good) {
		return sqs_err(r, "InvalidAttributeValue",
			       "Invalid value for the parameter Policy. "
			       "Reason: the policy must be a JSON object "
			       "with a Statement.");
	}
	free(c->policy);
	c->policy = strdup(s);
	return c->policy == NULL ? sqs_err(r, "InternalError", "out of memory")
				 : 0;
}

/* KmsMasterKeyId: "" removes it; otherwise printable ASCII, at most
 * SQS_KMS_KEY_MAX characters. Not checked against any KMS. */
static int kms_key_set(struct sqs_qcfg *c, const json_t *v,
		       struct service_result *r)
{
	const char *s = json_string_value(v), *p;

	if (s == NULL || strlen(s) > SQS_KMS_KEY_MAX) {
		return bad_value(r, "KmsMasterKeyId");
	}
	for (p = s; *p != '\0'; p++) {
		if (*p < '!' || *p > '~') {
			return bad_value(r, "KmsMasterKeyId");
		}
	}
	free(c->kms_key_id);
	c->kms_key_id = NULL;
	if (*s != '\0' && (c->kms_key_id = strdup(s)) == NULL) {
		return sqs_err(r, "InternalError", "out of memory");
	}
	return 0;
}

static const char *const fifo_only[] = {
    "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"};

int sqs_qcfg_set(struct sqs_state *st, struct sqs_qcfg *c, bool fifo,
		 bool creating, const json_t *attrs, const char *self_name,
		 struct service_result *r)
{
	const char *k;
	json_t *v;
	size_t i;
	bool kms_given = false, sse_given = false;

	json_object_foreach((json_t *)attrs, k, v)
	{
		const char *s = json_string_value(v);
		int rc = 0;

		for (i = 0; i < 3; i++) {
			if (!fifo && strcmp(k, fifo_only[i]) == 0) {
				return sqs_err(r, "InvalidAttributeName",
					       "Unknown Attribute %s.", k);
			}
		}
		if (strcmp(k, "VisibilityTimeout") == 0) {
			rc = attr_int(v, k, 0, SQS_MAX_VISIBILITY_S,
				      &c->visibility_timeout_s, r);
		} else if (strcmp(k, "MessageRetentionPeriod") == 0) {
			rc = attr_int(v, k, 60, 1209600, &c->retention_s, r);
		} else if (strcmp(k, "MaximumMessageSize") == 0) {
			rc = attr_int(v, k, 1024, 1048576,
				      &c->max_message_bytes, r);
		} else if (strcmp(k, "DelaySeconds") == 0) {
			rc = attr_int(v, k, 0, 900, &c->delay_s, r);
		} else if (strcmp(k, "ReceiveMessageWaitTimeSeconds") == 0) {
			rc = attr_int(v, k, 0, 20, &c->receive_wait_s, r);
		} else if (strcmp(k, "FifoQueue") == 0) {
			if (!creating) {
				return sqs_err(r, "InvalidAttributeName",
					       "Unknown Attribute FifoQueue.");
			}
		} else if (strcmp(k, "ContentBasedDeduplication") == 0) {
			rc = attr_bool(v, k, &c->content_dedup, r);
		} else if (strcmp(k, "DeduplicationScope") == 0) {
			if (s != NULL && strcmp(s, "messageGroup") == 0) {
				c->dedup_scope_group = true;
			} else if (s != NULL && strcmp(s, "queue") == 0) {
				c->dedup_scope_group = false;
			} else {
				rc = bad_value(r, k);
			}
		} else if (strcmp(k, "FifoThroughputLimit") == 0) {
			if (s != NULL && strcmp(s, "perMessageGroupId") == 0) {
				c->throughput_per_group = true;
			} else if (s != NULL && strcmp(s, "perQueue") == 0) {
				c->throughput_per_group = false;
			} else {
				rc = bad_value(r, k);
			}
		} else if (strcmp(k, "RedrivePolicy") == 0) {
			rc = s == NULL
				 ? bad_value(r, k)
				 : redrive_policy(st, c, fifo, self_name, s, r);
		} else if (strcmp(k, "RedriveAllowPolicy") == 0) {
			rc = s == NULL ? bad_value(r, k)
				       : redrive_allow(st, c, s, r);
		} else if (strcmp(k, "Policy") == 0) {
			rc = policy_set(c, v, r);
		} else if (strcmp(k, "KmsMasterKeyId") == 0) {
			rc = kms_key_set(c, v, r);
			kms_given = true;
		} else if (strcmp(k, "KmsDataKeyReusePeriodSeconds") == 0) {
			rc = attr_int(v, k, 60, 86400, &c->kms_reuse_s, r);
		} else if (strcmp(k, "SqsManagedSseEnabled") == 0) {
			rc = attr_bool(v, k, &c->sse_sqs, r);
			sse_given = true;
		} else {
			return sqs_err(r, "InvalidAttributeName",
				       "Unknown Attribute %s.", k);
		}
		if (rc != 0) {
			return -1;
		}
	}
	/* One kind of server-side encryption at a time: choosing one turns
	 * the other off; asking for both at once is an error. */
	if (kms_given && sse_given && c->kms_key_id != NULL && c->sse_sqs) {
		return sqs_err(r, "InvalidAttributeValue",
			       "Invalid value for the parameter "
			       "SqsManagedSseEnabled. Reason: SSE-SQS and "
			       "SSE-KMS (KmsMasterKeyId) cannot both be "
			       "enabled.");
	}
	if (kms_given && c->kms_key_id != NULL) {
		c->sse_sqs = false;
	} else if (sse_given && c->sse_sqs) {
		free(c->kms_key_id);
		c->kms_key_id = NULL;
	}
	if (c->throughput_per_group && !c->dedup_scope_group) {
		return sqs_err(r, "InvalidAttributeValue",
			       "Invalid value for the parameter "
			       "FifoThroughputLimit. Reason: "
			       "perMessageGroupId requires DeduplicationScope "
			       "messageGroup.");
	}
	return 0;
}

bool sqs_attr_selected(const json_t *names, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(names, i, v)
	{
		const char *s = json_string_value(v);

		if (s != NULL &&
		    (strcmp(s, "All") == 0 || strcmp(s, name) == 0)) {
			return true;
		}
	}
	return false;
}

static const char *const queue_attr_names[] = {
    "All",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
    "ContentBasedDeduplication",
    "CreatedTimestamp",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "LastModifiedTimestamp",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "Policy",
    "QueueArn",
    "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
};

static void put_u64(json_t *o, const char *k, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	json_object_set_new(o, k, json_string(b));
}

json_t *sqs_queue_attrs(struct sqs_state *st, struct sqs_queue *q,
			const json_t *names, uint64_t now_ms,
			struct service_result *r)
{
	json_t *o, *v;
	size_t i, j, vis, nvis, del;
	char arn[200];

	if (names != NULL && !json_is_array(names)) {
		sqs_err(r, "InvalidParameterValue",
			"AttributeNames must be a list.");
		return NULL;
	}
	json_array_foreach(names, i, v)
	{
		const char *s = json_string_value(v);
		bool known = false;

		for (j = 0; s != NULL && j < sizeof(queue_attr_names) /
						 sizeof(queue_attr_names[0]);
		     j++) {
			known = known || strcmp(s, queue_attr_names[j]) == 0;
		}
		if (!known) {
			sqs_err(r, "InvalidAttributeName",
				"Unknown Attribute %.100s.", s ? s : "");
			return NULL;
		}
	}
	sqs_queue_counts(q, now_ms, &vis, &nvis, &del);
	sqs_queue_arn(st, q->name, arn, sizeof(arn));
	o = json_object();
	/* Insertion order is the sorted name order: stable bytes. */
#define SEL(n) sqs_attr_selected(names, n)
	if (SEL("ApproximateNumberOfMessages"))
		put_u64(o, "ApproximateNumberOfMessages", vis);
	if (SEL("ApproximateNumberOfMessagesDelayed"))
		put_u64(o, "ApproximateNumberOfMessagesDelayed", del);
	if (SEL("ApproximateNumberOfMessagesNotVisible"))
		put_u64(o, "ApproximateNumberOfMessagesNotVisible", nvis);
	if (q->fifo && SEL("ContentBasedDeduplication"))
		json_object_set_new(
		    o, "ContentBasedDeduplication",
		    json_string(q->cfg.content_dedup ? "true" : "false"));
	if (SEL("CreatedTimestamp"))
		put_u64(o, "CreatedTimestamp", q->created_ms / 1000);
	if (q->fifo && SEL("DeduplicationScope"))
		json_object_set_new(o, "DeduplicationScope",
				    json_string(q->cfg.dedup_scope_group
						    ? "messageGroup"
						    : "queue"));
	if (SEL("DelaySeconds"))
		put_u64(o, "DelaySeconds", q->cfg.delay_s);
	if (q->fifo && SEL("FifoQueue"))
		json_object_set_new(o, "FifoQueue", json_string("true"));
	if (q->fifo && SEL("FifoThroughputLimit"))
		json_object_set_new(o, "FifoThroughputLimit",
				    json_string(q->cfg.throughput_per_group
						    ? "perMessageGroupId"
						    : "perQueue"));
	if (q->cfg.kms_key_id != NULL && SEL("KmsDataKeyReusePeriodSeconds"))
		put_u64(o, "KmsDataKeyReusePeriodSeconds",
			q->cfg.kms_reuse_s ? q->cfg.kms_reuse_s : 300);
	if (q->cfg.kms_key_id != NULL && SEL("KmsMasterKeyId"))
		json_object_set_new(o, "KmsMasterKeyId",
				    json_string(q->cfg.kms_key_id));
	if (SEL("LastModifiedTimestamp"))
		put_u64(o, "LastModifiedTimestamp", q->modified_ms / 1000);
	if (SEL("MaximumMessageSize"))
		put_u64(o, "MaximumMessageSize", q->cfg.max_message_bytes);
	if (SEL("MessageRetentionPeriod"))
		put_u64(o, "MessageRetentionPeriod", q->cfg.retention_s);
	if (q->cfg.policy != NULL && SEL("Policy"))
		json_object_set_new(o, "Policy", json_string(q->cfg.policy));
	if (SEL("QueueArn"))
		json_object_set_new(o, "QueueArn", json_string(arn));
	if (SEL("ReceiveMessageWaitTimeSeconds"))
		put_u64(o, "ReceiveMessageWaitTimeSeconds",
			q->cfg.receive_wait_s);
	if (q->cfg.redrive_allow_policy && SEL("RedriveAllowPolicy"))
		json_object_set_new(o, "RedriveAllowPolicy",
				    json_string(q->cfg.redrive_allow_policy));
	if (q->cfg.redrive_policy && SEL("RedrivePolicy"))
		json_object_set_new(o, "RedrivePolicy",
				    json_string(q->cfg.redrive_policy));
	if (SEL("SqsManagedSseEnabled"))
		json_object_set_new(
		    o, "SqsManagedSseEnabled",
		    json_string(q->cfg.sse_sqs ? "true" : "false"));
	if (SEL("VisibilityTimeout"))
		put_u64(o, "VisibilityTimeout", q->cfg.visibility_timeout_s);
#undef SEL
	return o;
}

/* ---------------- message attributes ---------------- */

static bool attr_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 256 || s[0] == '.' || s[n - 1] == '.' ||
	    strncasecmp(s, "aws.", 4) == 0 ||
	    strncasecmp(s, "amazon.", 7) == 0) {
		return false;
	}
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.')) {
			return false;
		}
		if (c == '.' && s[i + 1] == '.') {
			return false;
		}
	}
	return true;
}

/* A Number value: optional sign, digits with an optional fraction, an
 * optional exponent; at most 38 significant digits. */
static bool number_ok(const char *s)
{
	size_t digits = 0;

	if (*s == '+' || *s == '-') {
		s++;
	}
	while (*s >= '0' && *s <= '9') {
		s++, digits++;
	}
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			s++, digits++;
		}
	}
	if (digits == 0 || digits > 38) {
		return false;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-') {
			s++;
		}
		if (!(*s >= '0' && *s <= '9')) {
			return false;
		}
		while (*s >= '0' && *s <= '9') {
			s++;
		}
	}
	return *s == '\0';
}

static void md5_lp(struct sqs_md5 *c, const void *p, size_t n)
{
	uint8_t be[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16),
			 (uint8_t)(n >> 8), (uint8_t)n};

	sqs_md5_update(c, be, 4);
	sqs_md5_update(c, p, n);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sqs_msg_attrs_check(const json_t *attrs, const char *field, json_t **out,
			char md5[33], size_t *size_out,
			struct service_result *r)
{
	const char *names[10];
	const char *k;
	json_t *v, *norm;
	size_t n = 0, i;
	struct sqs_md5 c;
	uint8_t d[16];

	*out = NULL;
	md5[0] = '\0';
	if (attrs == NULL || json_is_null(attrs)) {
		return 0;
	}
	if (!json_is_object(attrs)) {
		return sqs_err(r, "InvalidParameterValue", "%s must be a map.",
			       field);
	}
	if (json_object_size(attrs) == 0) {
		return 0;
	}
	if (json_object_size(attrs) > 10) {
		return sqs_err(r, "InvalidParameterValue",
			       "Number of message attributes [%zu] exceeds the "
			       "allowed maximum [10].",
			       json_object_size(attrs));
	}
	json_object_foreach((json_t *)attrs, k, v)
	{
		names[n++] = k;
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	norm = json_object();
	sqs_md5_init(&c);
	for (i = 0; i < n; i++) {
		const json_t *a = json_object_get(attrs, names[i]);
		const char *type =
		    json_string_value(json_object_get(a, "DataType"));
		const char *sv =
		    json_string_value(json_object_get(a, "StringValue"));
		const char *bv =
		    json_string_value(json_object_get(a, "BinaryValue"));
		bool binary;
		json_t *na;

		if (!attr_name_ok(names[i])) {
			json_decref(norm);
			return sqs_err(r, "InvalidParameterValue",
				       "Message attribute name '%.256s' is "
				       "invalid.",
				       names[i]);
		}
		if (!json_is_object(a) || type == NULL) {
			json_decref(norm);
			return sqs_err(r, "InvalidParameterValue",
				       "The message attribute '%.256s' must "
				       "contain non-empty DataType.",
				       names[i]);
		}
		binary = strncmp(type, "Binary", 6) == 0 &&
			 (type[6] == '\0' || type[6] == '.');
		if (strlen(type) > 256 ||
		    !(binary ||
		      (strncmp(type, "String", 6) == 0 &&
		       (type[6] == '\0' || (type[6] == '.' && type[7]))) ||
		      (strncmp(type, "Number", 6) == 0 &&
		       (type[6] == '\0' || (type[6] == '.' && type[7])))) ||
		    (binary && type[6] == '.' && type[7] == '\0')) {
			json_decref(norm);
			return sqs_err(r, "InvalidParameterValue",
				       "The message attribute '%.256s' has an "
				       "invalid message attribute type, the "
				       "set of supported type prefixes is "
				       "Binary, Number, and String.",
				       names[i]);
		}
		md5_lp(&c, names[i], strlen(names[i]));
		md5_lp(&c, type, strlen(type));
		if (binary) {
			size_t blen;
			uint8_t *raw;

			if (bv == NULL ||
			    (raw = sqs_base64_decode(bv, strlen(bv), &blen)) ==
				NULL ||
			    blen == 0) {
				if (bv != NULL && *bv != '\0') {
					/* decoded to nothing */
				}
				json_decref(norm);
				return sqs_err(r, "InvalidParameterValue",
					       "The message attribute "
					       "'%.256s' with type 'Binary' "
					       "must use field 'Binary'.",
					       names[i]);
			}
			sqs_md5_update(&c, (const uint8_t[]){2}, 1);
			md5_lp(&c, raw, blen);
			free(raw);
			*size_out += blen;
			na = json_pack("{s:s,s:s}", "DataType", type,
				       "BinaryValue", bv);
		} else {
			if (sv == NULL || *sv == '\0') {
				json_decref(norm);
				return sqs_err(r, "InvalidParameterValue",
					       "The message attribute "
					       "'%.256s' must contain "
					       "non-empty message attribute "
					       "value for message attribute "
					       "type '%.256s'.",
					       names[i], type);
			}
			if (strncmp(type, "Number", 6) == 0 && !number_ok(sv)) {
				json_decref(norm);
				return sqs_err(
				    r, "InvalidParameterValue",
				    "Can't cast the value of message "
				    "(user) attribute '%.256s' to a "
				    "number.",
				    names[i]);
			}
			sqs_md5_update(&c, (const uint8_t[]){1}, 1);
			md5_lp(&c, sv, strlen(sv));
			*size_out += strlen(sv);
			na = json_pack("{s:s,s:s}", "DataType", type,
				       "StringValue", sv);
		}
		*size_out += strlen(names[i]) + strlen(type);
		json_object_set_new(norm, names[i], na);
	}
	sqs_md5_final(&c, d);
	sqs_hex(d, 16, md5);
	*out = norm;
	return 0;
}
