/* kv_example — libstratus in a nutshell: connect, put, get, list, and 100
 * async puts completed by a callback (which runs on a library thread). */
#include <stratus.h>

#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static atomic_int done, failed;

static void put_done(void *arg, const st_error *err)
{
	if (err != NULL) {
		fprintf(stderr, "put %s: %s: %s\n", (const char *)arg,
			err->name, err->message);
		atomic_fetch_add(&failed, 1);
	}
	atomic_fetch_add(&done, 1);
}

int main(int argc, char **argv)
{
	st_error err;
	st_client *c = st_client_new(
	    argc > 1 ? argv[1] : "tcp://127.0.0.1:7111", NULL, &err);
	void *value;
	size_t len, n;
	bool found;
	st_kv_item *items;
	char *next;

	if (c == NULL || st_kv_put(c, "greeting", "hello", 5, &err) != 0 ||
	    st_kv_get(c, "greeting", &value, &len, &found, &err) != 0 ||
	    st_kv_list(c, "", NULL, 10, &items, &n, &next, &err) != 0) {
		fprintf(stderr, "%s: %s\n", err.name, err.message);
		st_client_free(c);
		return 1;
	}
	printf("greeting = %.*s; first %zu keys:", (int)len, (char *)value, n);
	for (size_t i = 0; i < n; i++)
		printf(" %s", items[i].key);
	printf("%s\n", next ? " ..." : "");
	st_free(value);
	st_free(next);
	st_kv_items_free(items, n);

	/* The value is copied at once; the callback runs exactly once for
	 * every put that was accepted (returned 0). */
	for (int i = 0; i < 100; i++)
		if (st_kv_put_async(c, "counter", &i, sizeof i, put_done,
				    "counter") != 0)
			put_done("counter", &(st_error){.name = "Rejected"});
	while (atomic_load(&done) < 100)
		usleep(1000);
	printf("100 async puts, %d failed\n", atomic_load(&failed));
	st_client_free(c);
	return atomic_load(&failed) != 0;
}
