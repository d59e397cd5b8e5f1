/* leader_clock — see leader_clock.h. */
#include "leader_clock.h"

#include <string.h>

void leader_clock_start(struct leader_clock *lc, uint64_t term,
			const struct leader_clock_ref *ref, uint64_t floor_ms,
			uint64_t wall_ms, uint64_t mono_ms)
{
	uint64_t anchor = wall_ms;

	if (ref != NULL && ref->valid && mono_ms >= ref->mono_ms) {
		anchor = ref->time_ms + (mono_ms - ref->mono_ms);
	}
	if (anchor < floor_ms) {
		anchor = floor_ms;
	}
	memset(lc, 0, sizeof *lc);
	lc->term = term;
	lc->base_ms = anchor;
	lc->base_mono_ms = mono_ms;
	lc->last_mono_ms = mono_ms;
	lc->last_ms = anchor;
}

uint64_t leader_clock_read(struct leader_clock *lc, uint64_t floor_ms,
			   uint64_t wall_ms, uint64_t mono_ms)
{
	uint64_t elapsed, step, raw, v;
	int64_t target;

	if (mono_ms < lc->last_mono_ms) {
		mono_ms = lc->last_mono_ms; /* not monotonic? hold still */
	}
	elapsed = mono_ms - lc->base_mono_ms;
	raw = lc->base_ms + elapsed;
	/* Move the slew toward the wall clock by at most 1% of the time
	 * since the last read. */
	step = (mono_ms - lc->last_mono_ms) / LEADER_CLOCK_SLEW_DIV;
	target = (int64_t)(wall_ms - raw); /* wall - raw, two's complement */
	if (target > lc->slew_ms) {
		lc->slew_ms += (uint64_t)(target - lc->slew_ms) < step
				   ? target - lc->slew_ms
				   : (int64_t)step;
	} else if (target < lc->slew_ms) {
		lc->slew_ms -= (uint64_t)(lc->slew_ms - target) < step
				   ? lc->slew_ms - target
				   : (int64_t)step;
	}
	lc->last_mono_ms = mono_ms;
	v = raw + (uint64_t)lc->slew_ms;
	if (v < floor_ms) {
		/* The state machine is ahead (an earlier leader's stamps):
		 * continue from there instead of freezing time. */
		lc->base_ms += floor_ms - v;
		v = floor_ms;
	}
	if (v < lc->last_ms) {
		v = lc->last_ms;
	}
	lc->last_ms = v;
	return v;
}
