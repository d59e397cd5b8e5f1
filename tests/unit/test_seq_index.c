/* seq_index: random operation sequences against a plain array model, in
 * the shapes SQS's by_seq sees — keys put in increasing order and deleted
 * mostly oldest first — and the ones that must not break it: members left
 * behind for long stretches, jumps far ahead, old keys put again below the
 * window, whole drains. After every step: the same answers as the model,
 * the same length, and the ring's bound (at most 8 slots per member, 64 at
 * least). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "seq_index.h"

#define KEY_MODEL_MAX 6000
#include "key_model.h"

static size_t model_oldest(const struct model *md)
{
	size_t lo = 0;

	for (size_t j = 1; j < md->n; j++) {
		if (md->keys[j] < md->keys[lo]) {
			lo = j;
		}
	}
	return lo;
}

static void check_bound(const struct seq_index *x)
{
	assert_true(x->cap <= 64 || x->ring_len * 8 >= x->cap);
}

static void put(struct seq_index *x, struct model *md, uint64_t k, void *v)
{
	size_t i = model_find(md, k);

	assert_int_equal(seq_index_put(x, k, v), 0);
	if (i == md->n) {
		md->keys[md->n++] = k;
	}
	md->values[i] = v;
}

/* stragglers: how often a delete spares the oldest; jumps: per mille of
 * puts that jump far ahead. */
static void run(uint64_t seed, unsigned ops, unsigned stragglers,
		unsigned jumps)
{
	struct seq_index x;
	struct model *md = calloc(1, sizeof *md);
	uint64_t s = seed, seq = 0;

	assert_non_null(md);
	seq_index_init(&x);
	for (unsigned op = 0; op < ops; op++) {
		uint64_t r = rng(&s) % 100;
		void *v = (void *)(uintptr_t)(op + 1);

		if (r < 50 && md->n < KEY_MODEL_MAX) {
			if (rng(&s) % 1000 < jumps) {
				seq += 100000 + rng(&s) % 100000;
			}
			put(&x, md, ++seq, v);
		} else if (r < 53 && seq > 0) {
			/* An old key again (deleted or not), or a present
			 * one replaced. */
			put(&x, md, 1 + rng(&s) % seq, v);
		} else if (r < 88 && md->n > 0) {
			size_t i = model_oldest(md);

			if (rng(&s) % 100 < stragglers) {
				i = rng(&s) % md->n;
			}
			assert_ptr_equal(seq_index_del(&x, md->keys[i]),
					 md->values[i]);
			model_del(md, i);
		} else if (r < 89) {
			/* Drain everything, oldest first. */
			while (md->n > 0) {
				size_t i = model_oldest(md);
				assert_ptr_equal(seq_index_del(&x, md->keys[i]),
						 md->values[i]);
				model_del(md, i);
				check_bound(&x);
			}
		} else {
			/* A present key, and keys absent below, in and past
			 * the window. */
			uint64_t k;
			if (md->n > 0) {
				size_t i = rng(&s) % md->n;
				assert_ptr_equal(seq_index_get(&x, md->keys[i]),
						 md->values[i]);
			}
			for (int j = 0; j < 3; j++) {
				k = j == 0   ? 1 + rng(&s) % (seq + 1)
				    : j == 1 ? seq + 1 + rng(&s) % 100
					     : seq + 1 + rng(&s) % 10000000;
				if (model_find(md, k) == md->n) {
					assert_null(seq_index_get(&x, k));
					assert_null(seq_index_del(&x, k));
				}
			}
		}
		assert_int_equal(seq_index_len(&x), md->n);
		check_bound(&x);
	}
	for (size_t i = 0; i < md->n; i++) {
		assert_ptr_equal(seq_index_get(&x, md->keys[i]), md->values[i]);
	}
	assert_null(seq_index_get(&x, 0));
	seq_index_free(&x);
	free(md);
}

/* Oldest first only: the ring alone serves (nothing in far). */
static void test_in_order(void **state)
{
	struct seq_index x;
	uint64_t k;

	(void)state;
	seq_index_init(&x);
	for (k = 1; k <= 100000; k++) {
		assert_int_equal(seq_index_put(&x, k, (void *)(uintptr_t)k), 0);
		if (k > 500) {
			assert_ptr_equal(seq_index_del(&x, k - 500),
					 (void *)(uintptr_t)(k - 500));
		}
	}
	assert_int_equal(seq_index_len(&x), 500);
	assert_int_equal(x.far.len, 0);
	assert_true(x.cap <= 1024);
	for (k = 99501; k <= 100000; k++) {
		assert_ptr_equal(seq_index_get(&x, k), (void *)(uintptr_t)k);
	}
	assert_null(seq_index_get(&x, 99500));
	seq_index_free(&x);
}

/* One member left behind while a million pass: it moves to far, the ring
 * stays small, and it is still found and deleted. */
static void test_straggler(void **state)
{
	struct seq_index x;
	uint64_t k;

	(void)state;
	seq_index_init(&x);
	for (k = 1; k <= 1000000; k++) {
		assert_int_equal(seq_index_put(&x, k, (void *)(uintptr_t)k), 0);
		if (k > 100 && k - 100 != 7) {
			seq_index_del(&x, k - 100);
		}
	}
	assert_true(x.cap <= 1024);
	assert_int_equal(x.far.len, 1);
	assert_ptr_equal(seq_index_get(&x, 7), (void *)(uintptr_t)7);
	assert_ptr_equal(seq_index_del(&x, 7), (void *)(uintptr_t)7);
	assert_int_equal(seq_index_len(&x), 100);
	seq_index_free(&x);
}

static void test_against_model(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 12; seed++) {
		run(seed, 30000, (unsigned)(seed % 4) * 10, 0);
		run(seed + 100, 30000, 20, (unsigned)(seed % 3) * 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_order),
	    cmocka_unit_test(test_straggler),
	    cmocka_unit_test(test_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
