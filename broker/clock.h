/* clock — the leader's wall clock in milliseconds. Only the leader reads
 * it (to stamp batches, prepare service calls, time long polls); apply
 * never does — it uses the batch's leader_time_ms. */
#ifndef STRATUS_CLOCK_H
#define STRATUS_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif
