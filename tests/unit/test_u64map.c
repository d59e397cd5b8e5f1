/* u64map: random operation sequences against a plain array model, with the
 * key shapes a map may see — consecutive numbers, runs far apart, and
 * random 64-bit keys (client ids, hashes) — through growth and
 * backward-shift deletion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "u64map.h"

#define KEY_MODEL_MAX 20000
#include "key_model.h"

/* The next key of the given shape. */
static uint64_t next_key(uint64_t *s, int shape, uint64_t *seq)
{
	switch (shape) {
	case 0:
		return ++*seq; /* consecutive */
	case 1:
		*seq += 1 + rng(s) % 3; /* nearly consecutive */
		return *seq;
	case 2: /* a new run far away */
		*seq += 1000000 + rng(s) % 100000;
		return *seq;
	default:
		return rng(s) | 1;
	}
}

static void run(uint64_t seed, unsigned ops)
{
	struct u64map m;
	struct model *md = calloc(1, sizeof *md);
	uint64_t s = seed, seq = 0;

	assert_non_null(md);
	u64map_init(&m);
	for (unsigned op = 0; op < ops; op++) {
		uint64_t r = rng(&s) % 100;

		if (r < 55 && md->n < KEY_MODEL_MAX) {
			uint64_t k = next_key(
			    &s, (int)(rng(&s) % 8 < 5 ? 0 : rng(&s) % 4), &seq);
			void *v = (void *)(uintptr_t)(op + 1);
			size_t i = model_find(md, k);

			assert_int_equal(u64map_put(&m, k, v), 0);
			if (i == md->n) {
				md->keys[md->n++] = k;
			}
			md->values[i] = v;
		} else if (r < 85 && md->n > 0) {
			/* Delete, mostly the oldest (a queue's head). */
			size_t i = rng(&s) % 4 == 0 ? rng(&s) % md->n : 0;

			assert_ptr_equal(u64map_del(&m, md->keys[i]),
					 md->values[i]);
			model_del(md, i);
			/* Keep the oldest first for the next head delete. */
			if (i == 0 && md->n > 1) {
				size_t lo = 0;
				for (size_t j = 1; j < md->n; j++) {
					if (md->keys[j] < md->keys[lo]) {
						lo = j;
					}
				}
				uint64_t tk = md->keys[0];
				void *tv = md->values[0];
				md->keys[0] = md->keys[lo];
				md->values[0] = md->values[lo];
				md->keys[lo] = tk;
				md->values[lo] = tv;
			}
		} else {
			/* Look up a present key and an absent one. */
			if (md->n > 0) {
				size_t i = rng(&s) % md->n;
				assert_ptr_equal(u64map_get(&m, md->keys[i]),
						 md->values[i]);
			}
			uint64_t k = seq + 1 + rng(&s) % 1000;
			if (model_find(md, k) == md->n) {
				assert_null(u64map_get(&m, k));
				assert_null(u64map_del(&m, k));
			}
		}
		assert_int_equal(m.len, md->n);
	}
	for (size_t i = 0; i < md->n; i++) {
		assert_ptr_equal(u64map_get(&m, md->keys[i]), md->values[i]);
	}
	assert_null(u64map_get(&m, 0));
	u64map_free(&m);
	free(md);
}

static void test_against_model(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		run(seed, 20000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
