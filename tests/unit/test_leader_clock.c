/* Unit tests for broker/leader_clock.c: the leader's batch clock follows
 * monotonic time, not steps of the wall clock, and never goes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "leader_clock.h"

#define T0   1800000000000ull /* some wall time, ms */
#define HOUR 3600000ull

/* A wall-clock step of the leader moves its time by 1% of the elapsed
 * time at most, in both directions. */
static void test_wall_steps_are_slewed(void **state)
{
	struct leader_clock lc;
	uint64_t v;

	(void)state;
	leader_clock_start(&lc, 1, NULL, 0, T0, 1000);
	assert_int_equal(leader_clock_read(&lc, 0, T0, 1000), T0);
	/* +1 h step; 10 s of real time later: at most 100 ms ahead. */
	v = leader_clock_read(&lc, 0, T0 + HOUR + 10000, 11000);
	assert_true(v >= T0 + 10000 && v <= T0 + 10100);
	/* -1 h step: time still advances (at 99% speed at least). */
	v = leader_clock_read(&lc, 0, T0 - HOUR + 20000, 21000);
	assert_true(v >= T0 + 10000 + 9900);
	assert_true(v <= T0 + 20100);
}

/* The state machine ahead of the leader (an earlier leader's stamps):
 * time continues from there instead of freezing. */
static void test_floor_continues(void **state)
{
	struct leader_clock lc;
	uint64_t v;

	(void)state;
	leader_clock_start(&lc, 2, NULL, T0 + HOUR, T0, 0);
	assert_int_equal(leader_clock_read(&lc, T0 + HOUR, T0, 0), T0 + HOUR);
	v = leader_clock_read(&lc, T0 + HOUR, T0 + 5000, 5000);
	assert_true(v >= T0 + HOUR + 4950 && v <= T0 + HOUR + 5000);
}

/* A new leader with a live reference starts from it, not from its own
 * (skewed) wall clock; without one it takes its wall clock. */
static void test_start_from_reference(void **state)
{
	struct leader_clock lc;
	struct leader_clock_ref ref = {true, T0, 500};

	(void)state;
	leader_clock_start(&lc, 3, &ref, T0, T0 + HOUR, 1500);
	assert_int_equal(leader_clock_read(&lc, T0, T0 + HOUR, 1500),
			 T0 + 1000);
	ref.valid = false;
	leader_clock_start(&lc, 4, &ref, T0, T0 + HOUR, 1500);
	assert_int_equal(leader_clock_read(&lc, T0, T0 + HOUR, 1500),
			 T0 + HOUR);
}

/* Never backwards, even when the monotonic input does. */
static void test_non_decreasing(void **state)
{
	struct leader_clock lc;
	uint64_t prev = 0, v, mono = 0;
	int i;

	(void)state;
	leader_clock_start(&lc, 1, NULL, 0, T0, 0);
	for (i = 0; i < 1000; i++) {
		uint64_t wall = T0 + (i % 7 == 0 ? -HOUR : HOUR) + mono;
		mono += (i % 5 == 0) ? 0 : 37;
		v = leader_clock_read(&lc, 0, wall, i == 500 ? 3 : mono);
		assert_true(v >= prev);
		prev = v;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wall_steps_are_slewed),
	    cmocka_unit_test(test_floor_continues),
	    cmocka_unit_test(test_start_from_reference),
	    cmocka_unit_test(test_non_decreasing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
