/* sqs — the SQS service object: the action table and dispatch (prepare,
 * apply, read), the leader-made context values (message ids, receipt
 * nonces, long-poll deadlines), shared helpers (errors, integer inputs,
 * URLs and ARNs, wake keys) and the queue registry — a name-sorted array,
 * so every iteration is deterministic. Queue actions are in sqs_queues.c,
 * messages in sqs_message.c / sqs_receive.c / sqs_queue.c, attribute rules
 * in sqs_attr.c, FIFO receive attempts in sqs_fifo.c, snapshots in
 * sqs_snap.c. */
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

const char *sqs_endpoint_of(const json_t *ctx)
{
	const char *e = json_string_value(json_object_get(ctx, "Endpoint"));

	return e != NULL && *e != '\0' ? e : "http://localhost";
}

/* The queue's URL as the node that took the request writes it. */
json_t *sqs_queue_url(const struct sqs_state *st, const json_t *ctx,
		      const char *name)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s/%s/%s", sqs_endpoint_of(ctx),
		 st->env.account_id, name);
	return json_string(buf);
}

void sqs_queue_arn(const struct sqs_state *st, const char *name, char *out,
		   size_t n)
{
	snprintf(out, n, "arn:aws:sqs:%s:%s:%s", st->env.region,
		 st->env.account_id, name);
}

/* Appends s to key (of size bytes, *at used), truncating as snprintf. */
static void key_put(char *key, size_t size, size_t *at, const char *s)
{
	size_t n = strnlen(s, size - 1 - *at);

	memcpy(key + *at, s, n);
	*at += n;
	key[*at] = '\0';
}

/* "sqs:<account>/<queue>", without snprintf: every send and receive on
 * every node builds it (sqs_wake). */
void sqs_wait_key(const struct sqs_state *st, const struct sqs_queue *q,
		  char *key, size_t size)
{
	size_t at = 0;

	key[0] = '\0';
	key_put(key, size, &at, "sqs:");
	key_put(key, size, &at, st->env.account_id);
	key_put(key, size, &at, "/");
	key_put(key, size, &at, q->name);
}

static void wake_n(struct sqs_state *st, const struct sqs_queue *q, unsigned n)
{
	char key[SERVICE_WAIT_KEY_SIZE];

	if (st->env.wake == NULL) {
		return;
	}
	sqs_wait_key(st, q, key, sizeof key);
	st->env.wake(st->env.wake_ctx, key, n);
}

void sqs_wake(struct sqs_state *st, const struct sqs_queue *q)
{
	wake_n(st, q, sqs_queue_available(q));
}

void sqs_wake_all(struct sqs_state *st, const struct sqs_queue *q)
{
	wake_n(st, q, SERVICE_WAKE_ALL);
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

size_t sqs_queue_pos(const struct sqs_state *st, const char *name, bool *found)
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
	size_t i = sqs_queue_pos(st, name, &found);

	return found ? st->queues[i] : NULL;
}

int sqs_state_insert(struct sqs_state *st, struct sqs_queue *q)
{
	bool found;
	size_t i = sqs_queue_pos(st, q->name, &found);

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

void sqs_state_remove(struct sqs_state *st, struct sqs_queue *q)
{
	bool found;
	size_t i = sqs_queue_pos(st, q->name, &found);

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
	seq_index_init(&q->by_seq);
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
	seq_index_free(&q->by_seq);
	u64map_free(&q->groups);
	u64map_free(&q->dedups);
	sqs_attempts_free(q);
	sqs_tasks_free(q);
	u64map_free(&q->attempts);
	free(q->heap);
	free(q->url);
	json_decref(q->tags);
	sqs_qcfg_free(&q->cfg);
	free(q);
}

/* Forget names deleted more than 60 s ago. */
void sqs_prune_deleted(struct sqs_state *st, uint64_t now)
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

bool sqs_is_fifo_name(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".fifo") == 0;
}

/* Whether name is a valid queue name (standard or .fifo). */
bool sqs_queue_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SQS_NAME_MAX) {
		return false;
	}
	if (sqs_is_fifo_name(name)) {
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
	sqs_err(r, "QueueDoesNotExist", "The specified queue does not exist.");
	return NULL;
}

/* ---------------- dispatch ---------------- */

/* grows_state (true): the writes that add data, refused while the state
 * is over the node's memory budget (node.c). */
static const struct service_action actions[] = {
    {"CreateQueue", SERVICE_ACTION_WRITE, .grows_state = true},
    {"DeleteQueue", SERVICE_ACTION_WRITE},
    {"GetQueueUrl", SERVICE_ACTION_READ},
    {"ListQueues", SERVICE_ACTION_READ},
    {"GetQueueAttributes", SERVICE_ACTION_READ},
    {"SetQueueAttributes", SERVICE_ACTION_WRITE, .grows_state = true},
    {"TagQueue", SERVICE_ACTION_WRITE, .grows_state = true},
    {"UntagQueue", SERVICE_ACTION_WRITE},
    {"ListQueueTags", SERVICE_ACTION_READ},
    {"PurgeQueue", SERVICE_ACTION_WRITE},
    {"ListDeadLetterSourceQueues", SERVICE_ACTION_READ},
    {"SendMessage", SERVICE_ACTION_WRITE, .grows_state = true},
    {"SendMessageBatch", SERVICE_ACTION_WRITE, .grows_state = true},
    {"ReceiveMessage", SERVICE_ACTION_WRITE, .ahead = true},
    {"DeleteMessage", SERVICE_ACTION_WRITE, .ahead = true},
    {"DeleteMessageBatch", SERVICE_ACTION_WRITE, .ahead = true},
    {"ChangeMessageVisibility", SERVICE_ACTION_WRITE, .ahead = true},
    {"ChangeMessageVisibilityBatch", SERVICE_ACTION_WRITE, .ahead = true},
    {"StartMessageMoveTask", SERVICE_ACTION_WRITE},
    {"CancelMessageMoveTask", SERVICE_ACTION_WRITE},
    {"ListMessageMoveTasks", SERVICE_ACTION_READ},
    /* the leader's steps of running move tasks (sqs_move.c) */
    {"AdvanceMessageMoveTask", SERVICE_ACTION_INTERNAL},
};

static enum service_action_kind action_kind(const char *action)
{
	return service_action_find(
	    actions, sizeof(actions) / sizeof(actions[0]), action);
}

static bool action_ahead(const char *action)
{
	return service_action_ahead(
	    actions, sizeof(actions) / sizeof(actions[0]), action);
}

static bool action_grows(const char *action)
{
	return service_action_grows(
	    actions, sizeof(actions) / sizeof(actions[0]), action);
}

/* Leader-made random values (message ids, receipt nonces) come from the
 * kernel's CSPRNG, taken 4 KiB at a time (a getrandom(2) per message id was
 * ~1% of a SendMessage's cost); each byte is handed out once. Loop thread
 * only. */
static uint8_t random_pool[4096];
static size_t random_left;

static void random_bytes(uint8_t *out, size_t n)
{
	if (n > random_left) {
		size_t got = 0;

		while (got < sizeof random_pool) {
			ssize_t k = getrandom(random_pool + got,
					      sizeof random_pool - got, 0);
			if (k > 0) {
				got += (size_t)k;
			}
		}
		random_left = sizeof random_pool;
	}
	memcpy(out, random_pool + sizeof random_pool - random_left, n);
	memset(random_pool + sizeof random_pool - random_left, 0, n);
	random_left -= n;
}

static void random_hex(char *out, size_t nbytes)
{
	uint8_t b[32];

	random_bytes(b, nbytes);
	sqs_hex(b, nbytes, out);
}

static json_t *random_uuid(void)
{
	char h[33], u[37];

	random_hex(h, 16);
	h[12] = '4'; /* version 4 */
	h[16] = "89ab"[(h[16] > '9' ? h[16] - 'a' + 10 : h[16] - '0') & 3];
	/* 8-4-4-4-12 */
	memcpy(u, h, 8);
	u[8] = '-';
	memcpy(u + 9, h + 8, 4);
	u[13] = '-';
	memcpy(u + 14, h + 12, 4);
	u[18] = '-';
	memcpy(u + 19, h + 16, 4);
	u[23] = '-';
	memcpy(u + 24, h + 20, 12);
	return json_stringn_nocheck(u, 36);
}

/* A long poll that apply would only park (nothing available, nothing due,
 * under the in-flight limit, no FIFO attempt id to replay) waits without
 * entering the log: SERVICE_WAIT with its key and time; the node proposes
 * it once woken. Read-only, like all of prepare. */
static enum service_status
receive_would_wait(const struct sqs_state *st, const struct sqs_queue *q,
		   const json_t *input, const json_t *context, uint64_t now_ms,
		   uint64_t until, struct service_result *result)
{
	uint64_t due = sqs_queue_next_due(q);
	size_t limit = q->fifo ? SQS_INFLIGHT_FIFO : SQS_INFLIGHT_STD;

	if (sqs_queue_available(q) > 0 || (due != 0 && due <= now_ms) ||
	    q->n_inflight >= limit ||
	    json_is_true(json_object_get(context, "final")) ||
	    (q->fifo &&
	     json_object_get(input, "ReceiveRequestAttemptId") != NULL)) {
		return SERVICE_OK;
	}
	sqs_wait_key(st, q, result->wait_key, sizeof result->wait_key);
	result->wake_at_ms = due != 0 && due < until ? due : until;
	return SERVICE_WAIT;
}

static enum service_status prepare(void *state, const char *action,
				   const json_t *input, json_t *context,
				   uint64_t now_ms, uint32_t waited_ms,
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
	if (strcmp(action, "StartMessageMoveTask") == 0) {
		char h[33];

		random_hex(h, 16);
		json_object_set_new(context, "TaskHandle", json_string(h));
		return SERVICE_OK;
	}
	if (strcmp(action, "CancelMessageMoveTask") == 0) {
		return sqs_cancel_move(st, input, true, result);
	}
	/* Reject what apply would reject, before it enters the log (apply
	 * checks again: the state may change in between). */
	if (strcmp(action, "CreateQueue") == 0) {
		if (sqs_create_queue(st, input, context, now_ms, true,
				     result) != SERVICE_OK) {
			return SERVICE_ERROR;
		}
	} else {
		q = sqs_queue_by_url(st, input, result);
		if (q == NULL || sqs_message_precheck(st, q, action, input,
						      result) != SERVICE_OK) {
			return SERVICE_ERROR;
		}
	}
	if (strcmp(action, "SendMessage") == 0 ||
	    strcmp(action, "SendMessageBatch") == 0) {
		const json_t *e = json_object_get(input, "Entries");
		bool single = strcmp(action, "SendMessage") == 0;
		size_t n = single ? 1 : json_array_size(e);
		json_t *ids = json_array();
		size_t i;

		if (n > SQS_BATCH_MAX) {
			n = SQS_BATCH_MAX;
		}
		json_t *md5s = json_array();

		for (i = 0; i < n; i++) {
			/* A SendMessage is its own entry (an Entries
			 * array in it is not its business). */
			const json_t *entry =
			    single ? input : json_array_get(e, i);
			const json_t *body =
			    json_object_get(entry, "MessageBody");
			const json_t *delay =
			    json_object_get(entry, "DelaySeconds");
			char md5[33] = "";

			/* One waiter can take it when it is not delayed
			 * (the node proposes it right behind this send; a
			 * wrong guess costs one receive finding nothing). */
			if (delay == NULL
				? q->cfg.delay_s == 0
				: (json_is_integer(delay) &&
				   json_integer_value(delay) == 0) ||
				      (json_is_string(delay) &&
				       strcmp(json_string_value(delay), "0") ==
					   0)) {
				result->wakes++;
			}

			json_array_append_new(ids, random_uuid());
			/* The body's MD5 once, here: apply on every node
			 * takes it from the context. */
			if (json_is_string(body)) {
				sqs_md5_hex(json_string_value(body),
					    json_string_length(body), md5);
			}
			json_array_append_new(md5s, json_string(md5));
		}
		json_object_set_new(context, "MessageIds", ids);
		json_object_set_new(context, "BodyMD5s", md5s);
		if (result->wakes > 0) {
			sqs_wait_key(st, q, result->wait_key,
				     sizeof result->wait_key);
		}
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
		/* The caller's wait started when it made the call: a retry
		 * (after a failover: the old leader's wait was lost with it)
		 * waits only for what is left, and one whose wait is over is
		 * answered at once, as AWS answers within WaitTimeSeconds. */
		if ((uint64_t)wait * 1000 > waited_ms) {
			uint64_t until =
			    now_ms + (uint64_t)wait * 1000 - waited_ms;

			json_object_set_new(context, "WaitUntilMs",
					    json_integer((json_int_t)until));
			return receive_would_wait(st, q, input, context, now_ms,
						  until, result);
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
		return sqs_create_queue(st, in, ctx, now, false, r);
	}
	if (strcmp(action, "DeleteQueue") == 0) {
		return sqs_delete_queue(st, in, now, r);
	}
	if (strcmp(action, "SetQueueAttributes") == 0) {
		return sqs_set_attrs(st, in, now, r);
	}
	if (strcmp(action, "TagQueue") == 0) {
		return sqs_tag_queue(st, in, false, r);
	}
	if (strcmp(action, "UntagQueue") == 0) {
		return sqs_tag_queue(st, in, true, r);
	}
	if (strcmp(action, "PurgeQueue") == 0) {
		return sqs_purge_queue(st, in, now, r);
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
	if (strcmp(action, "StartMessageMoveTask") == 0) {
		return sqs_start_move(st, in, ctx, now, r);
	}
	if (strcmp(action, "CancelMessageMoveTask") == 0) {
		return sqs_cancel_move(st, in, false, r);
	}
	if (strcmp(action, "AdvanceMessageMoveTask") == 0) {
		return sqs_advance_move(st, in, now, r);
	}
	sqs_err(r, "InvalidAction",
		"The action %s is not valid for this endpoint.", action);
	return SERVICE_ERROR;
}

/* Stored outputs (service.h): only ReceiveMessage gives one. */
static enum service_status render(void *state, const json_t *stored,
				  uint64_t now_ms, struct service_result *r)
{
	(void)now_ms;
	return sqs_receive_render(state, stored, r);
}

static enum service_status read_action(void *state, const char *action,
				       const json_t *in, const json_t *ctx,
				       uint64_t now, struct service_result *r)
{
	struct sqs_state *st = state;

	if (!json_is_object(in)) {
		sqs_err(r, "InvalidParameterValue",
			"The request must be a JSON object.");
		return SERVICE_ERROR;
	}
	if (strcmp(action, "GetQueueUrl") == 0) {
		return sqs_get_queue_url(st, in, ctx, r);
	}
	if (strcmp(action, "ListQueues") == 0) {
		return sqs_list_queues(st, in, ctx, NULL, r);
	}
	if (strcmp(action, "GetQueueAttributes") == 0) {
		return sqs_get_attrs(st, in, now, r);
	}
	if (strcmp(action, "ListQueueTags") == 0) {
		return sqs_list_tags(st, in, r);
	}
	if (strcmp(action, "ListMessageMoveTasks") == 0) {
		return sqs_list_moves(st, in, r);
	}
	if (strcmp(action, "ListDeadLetterSourceQueues") == 0) {
		return sqs_list_dlq_sources(st, in, ctx, r);
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

/* Any queue (even an empty one) is data a restore must not replace
 * unasked. */
static bool holds_data(const void *state)
{
	const struct sqs_state *st = state;

	return st->n_queues > 0;
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
	svc->action_ahead = action_ahead;
	svc->prepare = prepare;
	svc->apply = apply;
	svc->read = read_action;
	svc->render = render;
	svc->snapshot = sqs_snapshot;
	svc->restore = sqs_restore;
	svc->digest = sqs_digest;
	svc->holds_data = holds_data;
	svc->metrics = sqs_metrics;
	svc->tick = sqs_move_tick;
	svc->action_grows = action_grows;
	svc->state_bytes = sqs_state_bytes;
	svc->destroy = destroy;
	return svc;
}
