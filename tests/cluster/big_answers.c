/* big_answers — many concurrent calls whose answers are large, from one
 * client (test_pack_big_answers.py).
 *
 *   big_answers ENDPOINTS N
 *
 * Puts a 1 MB value under "big", then issues N asynchronous gets of it at
 * once: under that load libstratus packs them, and their answers together
 * are far larger than one message may be (4 MiB). Prints
 * "gets=N ok=K failed=F" and exits 0 only when every get returned the
 * whole value. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stratus.h"

#define VALUE_BYTES 1000000

static atomic_int done, ok, failed;

static void got(void *arg, const st_error *err, const void *value, size_t len,
		bool found)
{
	(void)arg;
	(void)value;
	if (err != NULL) {
		fprintf(stderr, "get: %s\n", err->message);
		atomic_fetch_add(&failed, 1);
	} else if (found && len == VALUE_BYTES) {
		atomic_fetch_add(&ok, 1);
	} else {
		fprintf(stderr, "get: found %d, %zu bytes\n", found, len);
		atomic_fetch_add(&failed, 1);
	}
	atomic_fetch_add(&done, 1);
}

int main(int argc, char **argv)
{
	st_options o = {0};
	st_error err;
	st_client *c;
	char *v;
	int i, n;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: big_answers ENDPOINTS N\n");
		return 2;
	}
	o.retry_deadline_ms = 20000;
	if ((c = st_client_new(argv[1], &o, &err)) == NULL ||
	    (v = malloc(VALUE_BYTES)) == NULL) {
		fprintf(stderr, "client: %s\n",
			c ? "out of memory" : err.message);
		return 1;
	}
	memset(v, 'x', VALUE_BYTES);
	if (st_kv_put(c, "big", v, VALUE_BYTES, &err) != 0) {
		fprintf(stderr, "put: %s\n", err.message);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (st_kv_get_async(c, "big", got, NULL) != 0) {
			fprintf(stderr, "submit failed\n");
			return 1;
		}
	}
	while (atomic_load(&done) < n) {
		usleep(1000);
	}
	printf("gets=%d ok=%d failed=%d\n", n, atomic_load(&ok),
	       atomic_load(&failed));
	st_client_free(c);
	free(v);
	return atomic_load(&ok) == n ? 0 : 1;
}
