/* longpoll — see longpoll.h. A plain list: the waiters are bounded by the
 * front door's context pool (SERVER_POOL_SIZE). */
#include "longpoll.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void unlink_waiter(struct longpoll *lp, struct longpoll_waiter *w)
{
	if (w->prev) {
		w->prev->next = w->next;
	} else {
		lp->head = w->next;
	}
	if (w->next) {
		w->next->prev = w->prev;
	} else {
		lp->tail = w->prev;
	}
	lp->n_waiting--;
}

static void rearm(struct longpoll *lp);

static uint64_t lp_now(struct longpoll *lp)
{
	return lp->now_ms != NULL ? lp->now_ms(lp->now_arg) : clock_wall_ms();
}

void longpoll_set_clock(struct longpoll *lp, uint64_t (*now_ms)(void *arg),
			void *arg)
{
	lp->now_ms = now_ms;
	lp->now_arg = arg;
}

static void timer_cb(uv_timer_t *t)
{
	longpoll_tick(t->data);
}

void longpoll_tick(struct longpoll *lp)
{
	struct longpoll_waiter *w;
	uint64_t now = lp_now(lp);

	for (w = lp->head; w != NULL; w = w->next) {
		if (!w->due && w->wake_at_ms != 0 && w->wake_at_ms <= now) {
			w->due = true;
			lp->any_due = true;
			lp->timed_out++;
		}
	}
	/* The timer runs on libuv's monotonic millisecond clock, deadlines
	 * are leader-time milliseconds: the two round differently, so the
	 * timer can fire a moment before any deadline is due. Then nothing
	 * runs and the timer must be armed again — it used to be left
	 * unarmed, and such a long poll waited for its client's timeout
	 * (~11 s) instead of its WaitTimeSeconds. */
	if (lp->any_due) {
		longpoll_run(lp);
	} else {
		rearm(lp);
	}
}

static void rearm(struct longpoll *lp)
{
	struct longpoll_waiter *w;
	uint64_t earliest = 0, now = lp_now(lp);

	for (w = lp->head; w != NULL; w = w->next) {
		if (!w->due && w->wake_at_ms != 0 &&
		    (earliest == 0 || w->wake_at_ms < earliest)) {
			earliest = w->wake_at_ms;
		}
	}
	if (earliest == 0) {
		uv_timer_stop(&lp->timer);
	} else {
		uv_timer_start(&lp->timer, timer_cb,
			       earliest > now ? earliest - now : 0, 0);
	}
}

void longpoll_init(struct longpoll *lp, uv_loop_t *loop,
		   longpoll_retry_cb retry)
{
	memset(lp, 0, sizeof *lp);
	uv_timer_init(loop, &lp->timer);
	lp->timer.data = lp;
	lp->retry = retry;
}

void longpoll_close(struct longpoll *lp)
{
	free(lp->wakes);
	lp->wakes = NULL;
	lp->n_wakes = lp->cap_wakes = 0;
	uv_close((uv_handle_t *)&lp->timer, NULL);
}

int longpoll_park(struct longpoll *lp, struct node_call *call, const char *key,
		  uint64_t wake_at_ms)
{
	struct longpoll_waiter *w = calloc(1, sizeof *w);

	if (w == NULL) {
		return -1;
	}
	w->lp = lp;
	w->call = call;
	strncpy(w->key, key, sizeof w->key - 1);
	w->wake_at_ms = wake_at_ms;
	w->next = lp->head;
	if (lp->head) {
		lp->head->prev = w;
	} else {
		lp->tail = w;
	}
	lp->head = w;
	lp->n_waiting++;
	lp->parked++;
	rearm(lp);
	return 0;
}

/* Mark up to n of key's oldest waiters that are not due yet due. */
static void mark_due(struct longpoll *lp, const char *key, unsigned n)
{
	struct longpoll_waiter *w;
	unsigned woken = 0;

	for (w = lp->tail; w != NULL && woken < n; w = w->prev) {
		if (!w->due && strcmp(w->key, key) == 0) {
			w->due = true;
			lp->any_due = true;
			lp->woken++;
			woken++;
		}
	}
}

void longpoll_wake(struct longpoll *lp, const char *key, unsigned n)
{
	size_t i;

	if (lp->head == NULL) {
		return; /* a follower, or nobody waits: nothing to remember */
	}
	for (i = 0; i < lp->n_wakes; i++) {
		if (strcmp(lp->wakes[i].key, key) == 0) {
			lp->wakes[i].n = n;
			lp->any_due = true;
			return;
		}
	}
	if (lp->n_wakes == lp->cap_wakes) {
		size_t cap = lp->cap_wakes ? lp->cap_wakes * 2 : 8;
		struct longpoll_wake *a = realloc(lp->wakes, cap * sizeof *a);
		if (a == NULL) {
			mark_due(lp, key, SERVICE_WAKE_ALL);
			return;
		}
		lp->wakes = a;
		lp->cap_wakes = cap;
	}
	snprintf(lp->wakes[lp->n_wakes].key, sizeof lp->wakes->key, "%s", key);
	lp->wakes[lp->n_wakes].n = n;
	lp->n_wakes++;
	lp->any_due = true;
}

unsigned longpoll_take(struct longpoll *lp, const char *key, unsigned n,
		       void (*take)(struct node_call *call))
{
	struct longpoll_waiter *w, *prev;
	unsigned taken = 0;

	for (w = lp->tail; w != NULL && taken < n; w = prev) {
		prev = w->prev;
		if (!w->due && strcmp(w->key, key) == 0) {
			unlink_waiter(lp, w);
			lp->fused++;
			taken++;
			take(w->call);
			free(w);
		}
	}
	if (taken > 0) {
		rearm(lp);
	}
	return taken;
}

void longpoll_run(struct longpoll *lp)
{
	struct longpoll_waiter *w, *next;

	if (!lp->any_due) {
		return;
	}
	lp->any_due = false;
	for (size_t i = 0; i < lp->n_wakes; i++) {
		mark_due(lp, lp->wakes[i].key, lp->wakes[i].n);
	}
	lp->n_wakes = 0;
	for (w = lp->head; w != NULL; w = next) {
		next = w->next;
		if (!w->due) {
			continue;
		}
		unlink_waiter(lp, w);
		lp->retry(w->call);
		free(w);
	}
	rearm(lp);
}

void longpoll_fail_all(struct longpoll *lp,
		       void (*fail)(struct node_call *call))
{
	struct longpoll_waiter *w;

	while ((w = lp->head) != NULL) {
		unlink_waiter(lp, w);
		fail(w->call);
		free(w);
	}
	uv_timer_stop(&lp->timer);
	lp->any_due = false;
	lp->n_wakes = 0;
}
