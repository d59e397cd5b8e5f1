/* longpoll — the leader's parked long polls.
 *
 * A service call that must wait (service.h, SERVICE_WAIT: e.g. an SQS
 * ReceiveMessage with WaitTimeSeconds and an empty queue) is parked here
 * with its wait key and the latest time to retry. It is proposed again —
 * the same command bytes, so exactly-once still holds — when the state
 * machine wakes its key (a message arrived) or at that time, whichever
 * comes first. Wakes arrive during apply; retries run on the next loop
 * turn (longpoll_run), never inside apply.
 *
 * A wake says how many messages are available now; the run retries that
 * many waiters, oldest first — not every waiter of the key, which made one
 * message propose a hundred receives that found nothing. Several wakes of
 * a key before the run: the latest count holds (a send said 1, a receive
 * in the same entry took it and said 0: nobody is retried). Fusing: a
 * write that will make messages available takes that many waiters along
 * (longpoll_take) so their receives are proposed right behind it, in the
 * same entry — one commit round from send to delivery instead of two. When this
 * node stops leading, every parked call is answered ServiceUnavailable and its
 * client retries at the new leader, telling it how long it has waited
 * (Request.waited_ms), so the wait is not started over. Loop thread only. */
#ifndef STRATUS_LONGPOLL_H
#define STRATUS_LONGPOLL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "service.h"

struct node_call;

struct longpoll_waiter {
	struct longpoll *lp;
	struct node_call *call;
	char key[SERVICE_WAIT_KEY_SIZE];
	uint64_t wake_at_ms; /* leader time (longpoll_set_clock) */
	bool due;	     /* woken: retry on the next run */
	struct longpoll_waiter *prev, *next;
};

/* Propose the call again (it owns its command bytes). */
typedef void (*longpoll_retry_cb)(struct node_call *call);

/* Wakes since the last run: the latest count per key. */
struct longpoll_wake {
	char key[SERVICE_WAIT_KEY_SIZE];
	unsigned n;
};

struct longpoll {
	uv_timer_t timer;	      /* fires at the earliest wake_at_ms */
	struct longpoll_waiter *head; /* newest first */
	struct longpoll_waiter *tail; /* oldest */
	size_t n_waiting;
	bool any_due;
	struct longpoll_wake *wakes; /* owned array */
	size_t n_wakes, cap_wakes;
	longpoll_retry_cb retry;
	uint64_t (*now_ms)(void *arg); /* deadlines' clock; default wall */
	void *now_arg;
	uint64_t parked, woken, timed_out, fused; /* counters */
};

void longpoll_init(struct longpoll *lp, uv_loop_t *loop,
		   longpoll_retry_cb retry);
/* Measure deadlines with now_ms(arg) — the leader's time, the clock the
 * state machine's wake times are in — instead of the wall clock. */
void longpoll_set_clock(struct longpoll *lp, uint64_t (*now_ms)(void *arg),
			void *arg);
/* Close the timer handle (after longpoll_fail_all). */
void longpoll_close(struct longpoll *lp);

/* Park call until key is woken or wake_at_ms (longpoll's clock, ms; 0 = only
 * when woken). 0, or -1 when out of memory (the caller answers). */
int longpoll_park(struct longpoll *lp, struct node_call *call, const char *key,
		  uint64_t wake_at_ms);

/* @n messages of key are available now (SERVICE_WAKE_ALL: every waiter):
 * the next run retries that many of its waiters, oldest first. Safe during
 * apply. Out of memory: every waiter of the key is retried. */
void longpoll_wake(struct longpoll *lp, const char *key, unsigned n);

/* Take up to @n of key's oldest waiters off the list now and hand each to
 * @take (which proposes it). Returns how many were taken. */
unsigned longpoll_take(struct longpoll *lp, const char *key, unsigned n,
		       void (*take)(struct node_call *call));

/* What the timer does when it fires: mark the waiters whose deadline has
 * passed, retry them, re-arm for the rest. (Tests call it directly.) */
void longpoll_tick(struct longpoll *lp);

/* Retry the due waiters. Each loop turn. */
void longpoll_run(struct longpoll *lp);

/* Hand every parked call to fail (e.g. answer ServiceUnavailable). */
void longpoll_fail_all(struct longpoll *lp,
		       void (*fail)(struct node_call *call));

#endif
