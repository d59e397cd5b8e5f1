/* leader_clock — the time a leader stamps on its batches (CommandBatch
 * leader_time_ms, the only clock the state machine sees) and gives to
 * prepare and to its long polls.
 *
 * Stamping the raw wall clock let one node's clock steer the whole
 * cluster: a leader whose clock jumped forward expired every visibility
 * timeout, delay, deduplication window and client session at once; one
 * that jumped back (or a new leader whose clock was behind) froze
 * state-machine time — apply keeps it monotonic — until its clock caught
 * up, so nothing became visible again and deduplication windows grew by
 * the jump (tests/fault/test_clock_jump.py).
 *
 * So a leader's time runs on CLOCK_MONOTONIC from an anchor chosen when
 * it starts leading a term, and follows its wall clock only by slewing:
 * the difference to the wall clock shrinks by at most LEADER_CLOCK_SLEW_DIV
 * -th of the monotonic time elapsed (1%: a step of the wall clock by an
 * hour is absorbed over 100 hours, and durations are never off by more
 * than 1%). The anchor is the best estimate of the cluster's time:
 *   - the state-machine time of the last batch this node applied while it
 *     was in that batch's term (a batch it saw live) plus the monotonic
 *     time since — this node's view of the previous leader's clock;
 *   - without such a batch (this process has only replayed older terms,
 *     e.g. after a whole-cluster restart) the wall clock: a cluster that
 *     was down for a day must move its time on by a day. This is the one
 *     case where a skewed clock still moves cluster time at once (forward;
 *     backward is caught by the floor below).
 * The value never falls below the applied state-machine time (the floor:
 * time continues from it instead of freezing) and never goes back.
 *
 * Determinism: all of this runs on the leader before proposing; apply
 * only reads the replicated stamp (and keeps it monotonic). Pure
 * functions of their arguments; loop thread only. */
#ifndef STRATUS_LEADER_CLOCK_H
#define STRATUS_LEADER_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define LEADER_CLOCK_SLEW_DIV 100 /* slew at most 1/100 of elapsed time */

struct leader_clock {
	uint64_t term;	       /* term started in; 0 = not started */
	uint64_t base_ms;      /* leader time at base_mono_ms, before slew */
	uint64_t base_mono_ms; /* monotonic ms of the anchor */
	int64_t slew_ms;       /* correction toward the wall clock so far */
	uint64_t last_mono_ms; /* monotonic ms of the last read */
	uint64_t last_ms;      /* last value returned */
};

/* A live reference: state-machine time time_ms observed at monotonic
 * mono_ms (valid = false: none). */
struct leader_clock_ref {
	bool valid;
	uint64_t time_ms, mono_ms;
};

/* Start leading term: anchor at ref's estimate when there is one, else at
 * wall_ms; never below floor_ms (the applied state-machine time). */
void leader_clock_start(struct leader_clock *lc, uint64_t term,
			const struct leader_clock_ref *ref, uint64_t floor_ms,
			uint64_t wall_ms, uint64_t mono_ms);

/* The leader's time at monotonic mono_ms (wall_ms: this node's wall clock
 * now; floor_ms: the applied state-machine time). Non-decreasing. */
uint64_t leader_clock_read(struct leader_clock *lc, uint64_t floor_ms,
			   uint64_t wall_ms, uint64_t mono_ms);

#endif
