/* sqs_move — message move tasks (DLQ redrive): StartMessageMoveTask,
 * ListMessageMoveTasks, CancelMessageMoveTask. A task moves the messages
 * available in a dead-letter queue to DestinationArn, or each back to the
 * queue it was dead-lettered from, with a fresh receive count. To stay
 * deterministic without timers in the state machine a task runs to
 * completion inside the apply that starts it (MaxNumberOfMessagesPerSecond
 * is validated and reported, not used as a pace), so it is COMPLETED when
 * listed and cancelling finds nothing running. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqs_int.h"

void sqs_task_push(struct sqs_queue *q, const struct sqs_task *t)
{
	if (q->n_tasks == SQS_TASKS_KEPT) {
		free(q->tasks[SQS_TASKS_KEPT - 1].dest_arn);
		q->n_tasks--;
	}
	memmove(q->tasks + 1, q->tasks, q->n_tasks * sizeof(q->tasks[0]));
	q->tasks[0] = *t;
	q->n_tasks++;
}

void sqs_tasks_free(struct sqs_queue *q)
{
	size_t i;

	for (i = 0; i < q->n_tasks; i++) {
		free(q->tasks[i].dest_arn);
	}
	q->n_tasks = 0;
}

static struct sqs_queue *queue_by_arn(struct sqs_state *st, const char *arn)
{
	char name[SQS_NAME_MAX + 1];

	if (arn == NULL || sqs_arn_name(st, arn, name) != 0) {
		return NULL;
	}
	return sqs_queue_find(st, name);
}

/* Whether some queue names q as its dead-letter queue. */
static bool is_dlq(const struct sqs_state *st, const struct sqs_queue *q)
{
	size_t i;

	for (i = 0; i < st->n_queues; i++) {
		if (strcmp(st->queues[i]->cfg.dlq_name, q->name) == 0) {
			return true;
		}
	}
	return false;
}

/* Move available m from src to dst as a new message of dst. */
static int move_one(struct sqs_queue *src, struct sqs_queue *dst,
		    struct sqs_msg *m)
{
	sqs_msg_unlink(src, m);
	m->seq = dst->next_seq++;
	m->receive_count = 0;
	m->first_receive_ms = 0;
	m->pending = m->inflight = false;
	if (sqs_msg_insert(dst, m) != 0) {
		sqs_msg_free(m);
		return -1;
	}
	return 0;
}

enum service_status sqs_start_move(struct sqs_state *st, const json_t *in,
				   const json_t *ctx, uint64_t now,
				   struct service_result *r)
{
	const char *src_arn =
	    json_string_value(json_object_get(in, "SourceArn"));
	const char *dst_arn =
	    json_string_value(json_object_get(in, "DestinationArn"));
	const char *handle =
	    json_string_value(json_object_get(ctx, "TaskHandle"));
	struct sqs_queue *src, *dst = NULL;
	struct sqs_task t = {0};
	struct sqs_msg *m, *next;
	int64_t rate = 0;
	int has_rate;

	if (json_object_get(in, "SourceArn") == NULL) {
		sqs_err(r, "MissingParameter",
			"The request must contain the parameter SourceArn.");
		return SERVICE_ERROR;
	}
	has_rate =
	    sqs_get_int(in, "MaxNumberOfMessagesPerSecond", 1, 500, &rate, r);
	if (has_rate < 0) {
		return SERVICE_ERROR;
	}
	if (handle == NULL || strlen(handle) != 32) {
		sqs_err(r, "InternalError",
			"The context carries no task handle.");
		r->sender_fault = false;
		return SERVICE_ERROR;
	}
	src = queue_by_arn(st, src_arn);
	if (src == NULL) {
		sqs_err(r, "ResourceNotFoundException",
			"The resource that you specified for the SourceArn "
			"parameter doesn't exist.");
		return SERVICE_ERROR;
	}
	if (!is_dlq(st, src)) {
		sqs_err(r, "InvalidParameterValue",
			"Source queue must be configured as a Dead Letter "
			"Queue.");
		return SERVICE_ERROR;
	}
	if (dst_arn != NULL) {
		dst = queue_by_arn(st, dst_arn);
		if (dst == NULL) {
			sqs_err(r, "ResourceNotFoundException",
				"The resource that you specified for the "
				"DestinationArn parameter doesn't exist.");
			return SERVICE_ERROR;
		}
		if (dst == src || dst->fifo != src->fifo) {
			sqs_err(r, "InvalidParameterValue",
				"Destination queue must be another queue of "
				"the same type as the source queue.");
			return SERVICE_ERROR;
		}
	}
	sqs_queue_advance(src, now);
	memcpy(t.handle, handle, 33);
	t.dest_arn = dst_arn ? strdup(dst_arn) : NULL;
	t.rate = has_rate ? (uint32_t)rate : 0;
	t.started_ms = now;
	/* The available messages, in send order (FIFO: group order kept). */
	for (m = src->head; m != NULL; m = next) {
		struct sqs_queue *to = dst;

		next = m->next;
		if (m->pending) {
			continue;
		}
		t.to_move++;
		if (to == NULL && m->origin != NULL) {
			to = sqs_queue_find(st, m->origin);
			if (to != NULL &&
			    (to == src || to->fifo != src->fifo)) {
				to = NULL;
			}
		}
		if (to == NULL) {
			continue; /* its origin is gone: it stays */
		}
		sqs_queue_advance(to, now);
		if (move_one(src, to, m) == 0) {
			t.moved++;
			sqs_wake(st, to);
		}
	}
	sqs_task_push(src, &t);
	r->output = json_pack("{s:s}", "TaskHandle", handle);
	return SERVICE_OK;
}

enum service_status sqs_list_moves(struct sqs_state *st, const json_t *in,
				   struct service_result *r)
{
	const char *src_arn =
	    json_string_value(json_object_get(in, "SourceArn"));
	struct sqs_queue *src;
	int64_t max = 1;
	json_t *results;
	size_t i;

	if (json_object_get(in, "SourceArn") == NULL) {
		sqs_err(r, "MissingParameter",
			"The request must contain the parameter SourceArn.");
		return SERVICE_ERROR;
	}
	if (sqs_get_int(in, "MaxResults", 1, 10, &max, r) < 0) {
		return SERVICE_ERROR;
	}
	src = queue_by_arn(st, src_arn);
	if (src == NULL) {
		sqs_err(r, "ResourceNotFoundException",
			"The resource that you specified for the SourceArn "
			"parameter doesn't exist.");
		return SERVICE_ERROR;
	}
	results = json_array();
	for (i = 0; i < src->n_tasks && (int64_t)i < max; i++) {
		const struct sqs_task *t = &src->tasks[i];
		json_t *o = json_pack(
		    "{s:I,s:I,s:s,s:I,s:s}", "ApproximateNumberOfMessagesMoved",
		    (json_int_t)t->moved, "ApproximateNumberOfMessagesToMove",
		    (json_int_t)t->to_move, "SourceArn", src_arn,
		    "StartedTimestamp", (json_int_t)t->started_ms, "Status",
		    "COMPLETED");

		if (t->dest_arn != NULL) {
			json_object_set_new(o, "DestinationArn",
					    json_string(t->dest_arn));
		}
		if (t->rate != 0) {
			json_object_set_new(o, "MaxNumberOfMessagesPerSecond",
					    json_integer(t->rate));
		}
		json_array_append_new(results, o);
	}
	r->output = json_pack("{s:o}", "Results", results);
	return SERVICE_OK;
}

enum service_status sqs_cancel_move(struct sqs_state *st, const json_t *in,
				    struct service_result *r)
{
	(void)st;
	if (json_object_get(in, "TaskHandle") == NULL) {
		sqs_err(r, "MissingParameter",
			"The request must contain the parameter TaskHandle.");
		return SERVICE_ERROR;
	}
	/* Tasks complete when started: none is ever running. */
	sqs_err(r, "ResourceNotFoundException",
		"The task does not exist or is not running.");
	return SERVICE_ERROR;
}
