/* sqs_move — message move tasks (DLQ redrive): StartMessageMoveTask,
 * ListMessageMoveTasks, CancelMessageMoveTask, and the leader's
 * AdvanceMessageMoveTask steps that make a task progress over time.
 *
 * Design. A task lives on its source queue (the DLQ) as replicated state:
 * RUNNING until every message present at its start has been visited, then
 * COMPLETED; CancelMessageMoveTask makes a RUNNING task CANCELLED (what
 * moved stays moved); a task whose DestinationArn queue disappears is
 * FAILED with a FailureReason. Only one task per source queue runs at a
 * time. The moving itself is done by steps the leader proposes from the
 * service's tick (service.h): every SQS_MOVE_STEP_MS at most, a step
 * "advance task H of queue Q" enters the log, and its apply moves what the
 * rate allows at the batch's clock — MaxNumberOfMessagesPerSecond as a
 * token bucket in state-machine time (at most one second's worth of
 * credit), or without a rate SQS_MOVE_CHUNK per step (AWS "optimizes the
 * rate" itself; ours is up to ~5,000 messages/s). Because apply computes
 * the allowance from the state alone, a duplicated or stale step moves
 * nothing extra, and after a failover the new leader's first tick simply
 * continues from the replicated cursor.
 *
 * What a task moves: the messages with a sequence number below the
 * source's next one at the start (those present then), in send order,
 * each as it is reached; a message that is in flight or delayed when
 * reached, or whose origin queue is gone (no DestinationArn), is left in
 * the source. Moved messages get a fresh receive count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqs_int.h"

/* Least time between two steps of one task (state-machine time). */
#define SQS_MOVE_STEP_MS 100
/* Messages per step without a rate; also the cap of any step. */
#define SQS_MOVE_CHUNK 500
/* Messages looked at per step (skipped ones included): bounds an apply. */
#define SQS_MOVE_VISIT_MAX 5000
#define SQS_MOVE_ACTION	   "AdvanceMessageMoveTask"

const char *sqs_task_status_name(uint8_t status)
{
	switch (status) {
	case SQS_TASK_RUNNING:
		return "RUNNING";
	case SQS_TASK_COMPLETED:
		return "COMPLETED";
	case SQS_TASK_CANCELLED:
		return "CANCELLED";
	default:
		return "FAILED";
	}
}

void sqs_task_free(struct sqs_task *t)
{
	free(t->dest_arn);
	free(t->failure);
	t->dest_arn = NULL;
	t->failure = NULL;
}

void sqs_task_push(struct sqs_queue *q, const struct sqs_task *t)
{
	if (q->n_tasks == SQS_TASKS_KEPT) {
		sqs_task_free(&q->tasks[SQS_TASKS_KEPT - 1]);
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
		sqs_task_free(&q->tasks[i]);
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

static struct sqs_task *running_task(struct sqs_queue *q)
{
	size_t i;

	for (i = 0; i < q->n_tasks; i++) {
		if (q->tasks[i].status == SQS_TASK_RUNNING) {
			return &q->tasks[i];
		}
	}
	return NULL;
}

/* The task with this handle (any queue), or NULL. */
static struct sqs_task *task_by_handle(struct sqs_state *st, const char *h,
				       struct sqs_queue **qout)
{
	size_t i, k;

	if (h == NULL || strlen(h) != 32) {
		return NULL;
	}
	for (i = 0; i < st->n_queues; i++) {
		struct sqs_queue *q = st->queues[i];

		for (k = 0; k < q->n_tasks; k++) {
			if (strcmp(q->tasks[k].handle, h) == 0) {
				if (qout != NULL) {
					*qout = q;
				}
				return &q->tasks[k];
			}
		}
	}
	return NULL;
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

/* 1 / MaxNumberOfMessagesPerSecond in microseconds (rounded up). */
static uint64_t interval_us(uint32_t rate)
{
	return (1000000u + rate - 1) / rate;
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
	struct sqs_msg *m;
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
	if (running_task(src) != NULL) {
		sqs_err(r, "InvalidParameterValue",
			"Only one active message movement task is supported "
			"per queue at any given time.");
		return SERVICE_ERROR;
	}
	if (task_by_handle(st, handle, NULL) != NULL) {
		sqs_err(r, "InternalError", "Task handle already in use.");
		r->sender_fault = false;
		return SERVICE_ERROR;
	}
	sqs_queue_advance(src, now);
	memcpy(t.handle, handle, 33);
	t.dest_arn = dst_arn ? strdup(dst_arn) : NULL;
	t.rate = has_rate ? (uint32_t)rate : 0;
	t.started_ms = now;
	t.status = SQS_TASK_RUNNING;
	t.horizon_seq = src->next_seq;
	t.tat_us = now * 1000;
	for (m = src->head; m != NULL; m = m->next) {
		if (!m->pending) {
			t.to_move++;
		}
	}
	if (t.to_move == 0) {
		t.status = SQS_TASK_COMPLETED; /* nothing to move */
	}
	sqs_task_push(src, &t);
	if (t.status == SQS_TASK_RUNNING && st->env.schedule_tick != NULL) {
		st->env.schedule_tick(st->env.wake_ctx, 0);
	}
	r->output = json_pack("{s:s}", "TaskHandle", handle);
	return SERVICE_OK;
}

static void task_fail(struct sqs_task *t, const char *why)
{
	t->status = SQS_TASK_FAILED;
	free(t->failure);
	t->failure = strdup(why);
}

enum service_status sqs_advance_move(struct sqs_state *st, const json_t *in,
				     uint64_t now, struct service_result *r)
{
	const char *qname =
	    json_string_value(json_object_get(in, "SourceQueue"));
	const char *handle =
	    json_string_value(json_object_get(in, "TaskHandle"));
	struct sqs_queue *src = qname ? sqs_queue_find(st, qname) : NULL;
	struct sqs_queue *dst = NULL;
	struct sqs_task *t = NULL;
	struct sqs_msg *m, *next;
	uint64_t budget = SQS_MOVE_CHUNK, now_us = now * 1000, moved = 0;
	size_t i, visited = 0;

	for (i = 0; src != NULL && handle != NULL && i < src->n_tasks; i++) {
		if (strcmp(src->tasks[i].handle, handle) == 0) {
			t = &src->tasks[i];
		}
	}
	/* A stale or repeated step (the task ended, its queue went): a
	 * harmless no-op, identical everywhere. */
	if (t == NULL || t->status != SQS_TASK_RUNNING) {
		r->output = json_object();
		return SERVICE_OK;
	}
	if (t->dest_arn != NULL) {
		dst = queue_by_arn(st, t->dest_arn);
		if (dst == NULL || dst == src || dst->fifo != src->fifo) {
			task_fail(t, "AWS.SimpleQueueService.NonExistentQueue: "
				     "the destination queue does not exist.");
			r->output = json_object();
			return SERVICE_OK;
		}
	}
	if (t->rate != 0) {
		uint64_t iv = interval_us(t->rate);
		/* at most one second's worth of credit */
		uint64_t floor_us = now_us > 1000000 ? now_us - 1000000 : 0;

		if (t->tat_us < floor_us) {
			t->tat_us = floor_us;
		}
		budget = t->tat_us <= now_us ? (now_us - t->tat_us) / iv : 0;
		if (budget > SQS_MOVE_CHUNK) {
			budget = SQS_MOVE_CHUNK;
		}
	}
	sqs_queue_advance(src, now);
	m = t->cursor_seq != 0 ? seq_index_get(&src->by_seq, t->cursor_seq) : NULL;
	if (m == NULL) {
		for (m = src->head; m != NULL && m->seq < t->cursor_seq;
		     m = m->next) {
		}
	}
	for (; m != NULL && m->seq < t->horizon_seq && moved < budget &&
	       visited < SQS_MOVE_VISIT_MAX;
	     m = next) {
		struct sqs_queue *to = dst;

		next = m->next;
		visited++;
		t->cursor_seq = m->seq + 1;
		if (m->pending) {
			continue; /* in flight or delayed: it stays */
		}
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
			moved++;
			sqs_wake(st, to);
		}
	}
	if (m == NULL || m->seq >= t->horizon_seq) {
		t->status = SQS_TASK_COMPLETED;
		t->cursor_seq = t->horizon_seq;
	}
	if (t->rate != 0) {
		t->tat_us += moved * interval_us(t->rate);
	}
	t->moved += moved;
	t->last_step_ms = now;
	r->output = json_object();
	return SERVICE_OK;
}

uint64_t sqs_move_tick(void *state, uint64_t now_ms, service_emit_fn emit,
		       void *emit_ctx)
{
	struct sqs_state *st = state;
	uint64_t next = 0;
	size_t i;

	for (i = 0; i < st->n_queues; i++) {
		struct sqs_queue *q = st->queues[i];
		struct sqs_task *t = running_task(q);
		uint64_t due;

		if (t == NULL) {
			continue;
		}
		due = t->last_step_ms != 0 ? t->last_step_ms + SQS_MOVE_STEP_MS
					   : 0;
		if (t->rate != 0) {
			/* when the bucket holds one message */
			uint64_t one =
			    (t->tat_us + interval_us(t->rate) + 999) / 1000;

			if (one > due) {
				due = one;
			}
		}
		if (due <= now_ms) {
			json_t *in =
			    json_pack("{s:s,s:s}", "SourceQueue", q->name,
				      "TaskHandle", t->handle);

			if (in != NULL) {
				emit(emit_ctx, "sqs", SQS_MOVE_ACTION, in);
				json_decref(in);
			}
			due = now_ms + SQS_MOVE_STEP_MS;
		}
		if (next == 0 || due < next) {
			next = due;
		}
	}
	return next;
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
		    sqs_task_status_name(t->status));

		if (t->status == SQS_TASK_RUNNING) {
			json_object_set_new(o, "TaskHandle",
					    json_string(t->handle));
		}
		if (t->status == SQS_TASK_FAILED && t->failure != NULL) {
			json_object_set_new(o, "FailureReason",
					    json_string(t->failure));
		}
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
				    bool dry, struct service_result *r)
{
	const json_t *h = json_object_get(in, "TaskHandle");
	struct sqs_task *t;

	if (h == NULL) {
		sqs_err(r, "MissingParameter",
			"The request must contain the parameter TaskHandle.");
		return SERVICE_ERROR;
	}
	t = task_by_handle(st, json_string_value(h), NULL);
	if (t == NULL || t->status != SQS_TASK_RUNNING) {
		sqs_err(r, "ResourceNotFoundException",
			"The task does not exist or is not running.");
		return SERVICE_ERROR;
	}
	if (!dry) {
		/* AWS passes through CANCELLING; here the cancel is one
		 * apply, so the task is CANCELLED at once. */
		t->status = SQS_TASK_CANCELLED;
		r->output =
		    json_pack("{s:I}", "ApproximateNumberOfMessagesMoved",
			      (json_int_t)t->moved);
	}
	return SERVICE_OK;
}
