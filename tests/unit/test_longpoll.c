/* Unit tests of the leader's parked long polls (broker/longpoll.c) on a
 * real libuv loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "clock.h"
#include "longpoll.h"

static struct longpoll lp;
static int retried;
static uint64_t retried_at, parked_at;
static uv_timer_t start, guard;

static void retry_cb(struct node_call *call)
{
	(void)call;
	retried++;
	retried_at = clock_wall_ms();
	uv_stop(start.loop);
}

/* Park, then let the one-shot timer "fire" before the deadline (libuv's
 * monotonic milliseconds and the wall-clock deadline round differently):
 * nothing is due yet, so the timer must be armed again. */
static void start_cb(uv_timer_t *t)
{
	(void)t;
	parked_at = clock_wall_ms();
	assert_int_equal(
	    longpoll_park(&lp, (struct node_call *)&lp, "k", parked_at + 50),
	    0);
	uv_timer_stop(&lp.timer); /* what libuv does when it fires */
	longpoll_tick(&lp);
}

static void guard_cb(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static void close_cb(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h)) {
		uv_close(h, NULL);
	}
}

static void run_until_retried(uv_loop_t *loop)
{
	uv_timer_init(loop, &start);
	uv_timer_init(loop, &guard);
	uv_timer_start(&start, start_cb, 0, 0);
	uv_timer_start(&guard, guard_cb, 3000, 0);
	uv_run(loop, UV_RUN_DEFAULT);
}

static void test_timer_firing_before_the_deadline(void **state)
{
	uv_loop_t loop;
	(void)state;

	uv_loop_init(&loop);
	retried = 0;
	longpoll_init(&lp, &loop, retry_cb);
	run_until_retried(&loop);
	/* Retried once, at (not before) its deadline, and not seconds late
	 * (the timer used to stay unarmed after an early fire). */
	assert_int_equal(retried, 1);
	assert_true(retried_at >= parked_at + 50);
	assert_true(retried_at < parked_at + 1000);
	assert_int_equal(lp.n_waiting, 0);
	longpoll_close(&lp);
	uv_walk(&loop, close_cb, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void count_cb(struct node_call *call)
{
	(void)call;
	retried++;
}

static void fail_cb(struct node_call *call)
{
	(void)call;
	retried += 100;
}

static void test_wake_and_fail_all(void **state)
{
	uv_loop_t loop;
	int a, b;
	(void)state;

	uv_loop_init(&loop);
	retried = 0;
	longpoll_init(&lp, &loop, count_cb);
	assert_int_equal(longpoll_park(&lp, (struct node_call *)&a, "q1", 0),
			 0);
	assert_int_equal(longpoll_park(&lp, (struct node_call *)&b, "q2", 0),
			 0);
	/* A wake marks only its key; the retry happens on the next run. */
	longpoll_wake(&lp, "q1", SERVICE_WAKE_ALL);
	assert_int_equal(retried, 0);
	longpoll_run(&lp);
	assert_int_equal(retried, 1);
	assert_int_equal(lp.n_waiting, 1);
	/* Leadership lost: every parked call is handed to fail. */
	longpoll_fail_all(&lp, fail_cb);
	assert_int_equal(retried, 101);
	assert_int_equal(lp.n_waiting, 0);
	longpoll_close(&lp);
	uv_walk(&loop, close_cb, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* A counted wake retries that many waiters of the key, oldest first, at the
 * next run. */
static void test_wake_counted(void **state)
{
	uv_loop_t loop;
	int a, b, c, d;
	(void)state;

	uv_loop_init(&loop);
	retried = 0;
	longpoll_init(&lp, &loop, count_cb);
	longpoll_park(&lp, (struct node_call *)&a, "q", 0);
	longpoll_park(&lp, (struct node_call *)&b, "other", 0);
	longpoll_park(&lp, (struct node_call *)&c, "q", 0);
	longpoll_park(&lp, (struct node_call *)&d, "q", 0);
	longpoll_wake(&lp, "q", 2);
	longpoll_run(&lp);
	assert_int_equal(retried, 2);
	assert_int_equal(lp.n_waiting, 2);
	/* a and c went (the oldest two of "q"); b and d wait */
	assert_ptr_equal(lp.head->call, (struct node_call *)&d);
	assert_ptr_equal(lp.tail->call, (struct node_call *)&b);
	/* more than there are: every waiter of the key */
	longpoll_wake(&lp, "q", 5);
	longpoll_run(&lp);
	assert_int_equal(retried, 3);
	assert_ptr_equal(lp.head->call, (struct node_call *)&b);
	assert_ptr_equal(lp.tail->call, (struct node_call *)&b);
	/* the latest count of a key before the run holds: a send said 1,
	 * a receive in the same entry took it and said 0 */
	longpoll_wake(&lp, "other", 1);
	longpoll_wake(&lp, "other", 0);
	longpoll_run(&lp);
	assert_int_equal(retried, 3);
	/* taking: off the list at once, to the callback, oldest first */
	longpoll_park(&lp, (struct node_call *)&a, "q", 0);
	longpoll_park(&lp, (struct node_call *)&c, "q", 0);
	assert_int_equal(longpoll_take(&lp, "q", 1, count_cb), 1);
	assert_int_equal(retried, 4);
	assert_int_equal(lp.n_waiting, 2);
	assert_ptr_equal(lp.head->call, (struct node_call *)&c);
	assert_int_equal(longpoll_take(&lp, "q", 5, count_cb), 1);
	assert_int_equal(longpoll_take(&lp, "none", 5, count_cb), 0);
	assert_int_equal(lp.fused, 2);
	longpoll_fail_all(&lp, fail_cb);
	assert_null(lp.head);
	assert_null(lp.tail);
	longpoll_close(&lp);
	uv_walk(&loop, close_cb, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timer_firing_before_the_deadline),
	    cmocka_unit_test(test_wake_and_fail_all),
	    cmocka_unit_test(test_wake_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
