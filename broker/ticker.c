/* ticker — see ticker.h. A step is a ServiceCall command with an empty
 * context and client id 0 (no session: its result is recorded nowhere and
 * only counted here). */
#include "ticker.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "wire.h"
#include "jsondoc.h"

/* One proposed step: owns its command bytes until it completes. */
struct ticker_step {
	struct ticker *t;
	uint8_t *command;
	size_t len;
};

static void timer_cb(uv_timer_t *h)
{
	ticker_run(h->data);
}

/* Arm the timer for due_ms when a round may run. */
static void rearm(struct ticker *t)
{
	uint64_t now;

	if (t->closed) {
		return;
	}
	if (!t->leading || t->inflight > 0 || t->due_ms == 0) {
		uv_timer_stop(&t->timer);
		return;
	}
	now = commit_leader_time(t->commit);
	uv_timer_start(&t->timer, timer_cb,
		       t->due_ms > now ? t->due_ms - now : 0, 0);
}

void ticker_init(struct ticker *t, uv_loop_t *loop, struct fsm *fsm,
		 struct commit *commit)
{
	memset(t, 0, sizeof *t);
	uv_timer_init(loop, &t->timer);
	t->timer.data = t;
	t->fsm = fsm;
	t->commit = commit;
}

void ticker_close(struct ticker *t)
{
	t->closed = true;
	t->leading = false;
	uv_close((uv_handle_t *)&t->timer, NULL);
}

void ticker_set_leading(struct ticker *t, bool leading)
{
	t->leading = leading;
	if (leading) {
		t->due_ms = 1; /* a round at once: continue work in progress */
	}
	rearm(t);
}

void ticker_schedule(struct ticker *t, uint64_t at_ms)
{
	if (at_ms == 0) {
		at_ms = 1;
	}
	if (t->due_ms == 0 || at_ms < t->due_ms) {
		t->due_ms = at_ms;
		rearm(t);
	}
}

/* commit_done_cb of a step (possibly from inside apply: never propose
 * here, only re-arm). */
static void step_done(void *arg, uint32_t code, const char *message,
		      const uint8_t *response, size_t len)
{
	struct ticker_step *s = arg;
	struct ticker *t = s->t;

	(void)response;
	(void)len;
	if (code != WIRE_OK) {
		t->failed_steps++;
		log_debug("service step not applied: %s", message);
	}
	free(s->command);
	free(s);
	t->inflight--;
	if (t->inflight == 0) {
		rearm(t);
	}
}

/* service_emit_fn: propose one step. */
static void emit(void *ctx, const char *service, const char *action,
		 const json_t *input)
{
	struct ticker *t = ctx;
	struct ticker_step *s = calloc(1, sizeof *s);
	char *text = jsondoc_dump(input, NULL);
	struct wire_op op;
	struct wire_request cmd;

	if (s == NULL || text == NULL) {
		goto err_after_alloc;
	}
	memset(&op, 0, sizeof op);
	op.type = WIRE_OP_SERVICE_CALL;
	op.service = service;
	op.action = action;
	op.input = (const uint8_t *)text;
	op.input_len = strlen(text);
	op.context = (const uint8_t *)"";
	op.context_len = 0;
	op.endpoint = "";
	memset(&cmd, 0, sizeof cmd);
	cmd.ops = &op;
	cmd.n_ops = 1;
	s->t = t;
	if (wire_request_encode(&cmd, &s->command, &s->len) != 0 ||
	    commit_submit_write(t->commit, s->command, s->len, step_done, s) !=
		0) {
		goto err_after_alloc;
	}
	free(text);
	t->inflight++;
	t->steps++;
	return;

err_after_alloc:
	log_warn("%s %s: cannot propose a step: out of memory", service,
		 action);
	if (s != NULL) {
		free(s->command);
	}
	free(s);
	free(text);
	/* try again in a second */
	if (t->due_ms == 0) {
		t->due_ms = commit_leader_time(t->commit) + 1000;
	}
}

void ticker_run(struct ticker *t)
{
	uint64_t now = commit_leader_time(t->commit), next = 0;
	size_t i;

	if (t->closed || !t->leading || t->inflight > 0) {
		return;
	}
	t->due_ms = 0;
	t->rounds++;
	for (i = 0; i < t->fsm->n_services; i++) {
		struct service *svc = t->fsm->services[i];
		uint64_t at;

		if (svc->tick == NULL) {
			continue;
		}
		at = svc->tick(svc->state, now, emit, t);
		if (at != 0 && (next == 0 || at < next)) {
			next = at;
		}
	}
	if (next != 0 && (t->due_ms == 0 || next < t->due_ms)) {
		t->due_ms = next;
	}
	/* The steps are proposed by the node's next flush (each loop turn);
	 * the next round waits for them to complete. */
	rearm(t);
}
