/* ticker — runs the services' leader-driven work (service.h, "tick").
 *
 * On the leader, once its term's barrier has applied, the ticker calls
 * every service's tick when a time a service asked for has come (its
 * tick's return value, or env->schedule_tick from apply) and proposes the
 * steps it emits as commands of the node's own (no client session) through
 * the group commit. The next round waits until every step of the previous
 * one has completed (applied, or failed because leadership moved), so a
 * service never sees its own steps pile up. A follower keeps only the
 * earliest time asked for; when it becomes a ready leader it ticks at once,
 * so work in progress continues after a failover. Loop thread only. */
#ifndef STRATUS_TICKER_H
#define STRATUS_TICKER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "commit.h"
#include "fsm.h"

struct ticker {
	uv_timer_t timer;
	struct fsm *fsm;       /* borrowed */
	struct commit *commit; /* borrowed */
	uint64_t due_ms;       /* leader time; 0 = nothing asked for */
	unsigned inflight;     /* steps proposed and not yet completed */
	bool leading;	       /* a ready leader: may tick */
	bool closed;
	uint64_t rounds, steps, failed_steps; /* counters */
};

void ticker_init(struct ticker *t, uv_loop_t *loop, struct fsm *fsm,
		 struct commit *commit);
/* Close the timer handle; later completions of steps only count. */
void ticker_close(struct ticker *t);

/* The node became a ready leader (true: tick now) or stopped leading. */
void ticker_set_leading(struct ticker *t, bool leading);

/* Ask for a round at or after at_ms (leader time, commit_leader_time;
 * 0 = now). Safe from
 * apply (only arms the timer). */
void ticker_schedule(struct ticker *t, uint64_t at_ms);

/* One round now, as the timer does (tests call it directly). */
void ticker_run(struct ticker *t);

#endif
