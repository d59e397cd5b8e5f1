/* client_kv — the key-value calls of libstratus, async and sync.
 *
 * Each async call checks its arguments, builds the wire ops and submits
 * one call to the engine (client.c). Each sync call is its async twin plus
 * a sync_wait: the callback copies what the caller keeps (a value, a list)
 * into owned memory and posts the semaphore. */
#include "client_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_value(const void *value, size_t value_len, st_error *err,
		       const char *what)
{
	if (value == NULL && value_len > 0)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: value is NULL", what);
	if (value_len > ST_MAX_VALUE_BYTES)
		return st_err_set(err, ST_ERR_TOO_LARGE, NULL,
				  "%s: value is %zu bytes (max %u)", what,
				  value_len, ST_MAX_VALUE_BYTES);
	return 0;
}

static int check_client(st_client *c, st_error *err, const char *what)
{
	if (c == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: no client", what);
	return 0;
}

/* ---- async --------------------------------------------------------------- */

static int put_submit(st_client *c, const char *key, const void *value,
		      size_t value_len, st_done_cb cb, void *arg, bool sync,
		      st_error *err)
{
	const char *what = "kv put";
	int rc;

	if ((rc = check_client(c, err, what)) != 0 ||
	    (rc = check_key(key, err, what)) != 0 ||
	    (rc = check_value(value, value_len, err, what)) != 0)
		return rc;
	if (cb == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: no callback", what);
	struct wire_op op = {.type = WIRE_OP_KV_PUT,
			     .key = key,
			     .value = value_len > 0 ? value : (const void *)"",
			     .value_len = value_len};
	struct call_args a = {.what = what,
			      .ops = &op,
			      .n_ops = 1,
			      .kind = CALL_KIND_DONE,
			      .cb.done = cb,
			      .arg = arg,
			      .sync = sync};
	return call_submit(c, &a, err);
}

int st_kv_put_async(st_client *c, const char *key, const void *value,
		    size_t value_len, st_done_cb cb, void *arg)
{
	return put_submit(c, key, value, value_len, cb, arg, false, NULL);
}

static int get_submit(st_client *c, const char *key, st_get_cb cb, void *arg,
		      bool sync, st_error *err)
{
	const char *what = "kv get";
	int rc;

	if ((rc = check_client(c, err, what)) != 0 ||
	    (rc = check_key(key, err, what)) != 0)
		return rc;
	if (cb == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: no callback", what);
	struct wire_op op = {.type = WIRE_OP_KV_GET, .key = key};
	struct call_args a = {.what = what,
			      .ops = &op,
			      .n_ops = 1,
			      .kind = CALL_KIND_GET,
			      .cb.get = cb,
			      .arg = arg,
			      .sync = sync};
	return call_submit(c, &a, err);
}

int st_kv_get_async(st_client *c, const char *key, st_get_cb cb, void *arg)
{
	return get_submit(c, key, cb, arg, false, NULL);
}

static int delete_submit(st_client *c, const char *key, st_done_cb cb,
			 void *arg, bool sync, st_error *err)
{
	const char *what = "kv delete";
	int rc;

	if ((rc = check_client(c, err, what)) != 0 ||
	    (rc = check_key(key, err, what)) != 0)
		return rc;
	if (cb == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: no callback", what);
	struct wire_op op = {.type = WIRE_OP_KV_DELETE, .key = key};
	struct call_args a = {.what = what,
			      .ops = &op,
			      .n_ops = 1,
			      .kind = CALL_KIND_DONE,
			      .cb.done = cb,
			      .arg = arg,
			      .sync = sync};
	return call_submit(c, &a, err);
}

int st_kv_delete_async(st_client *c, const char *key, st_done_cb cb, void *arg)
{
	return delete_submit(c, key, cb, arg, false, NULL);
}

static int list_submit(st_client *c, const char *prefix,
		       const char *start_after, uint32_t limit, st_list_cb cb,
		       void *arg, bool sync, st_error *err)
{
	const char *what = "kv list";
	int rc;

	if ((rc = check_client(c, err, what)) != 0)
		return rc;
	if (cb == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: no callback", what);
	prefix = prefix != NULL ? prefix : "";
	start_after = start_after != NULL ? start_after : "";
	if (strlen(prefix) > ST_MAX_KEY_BYTES ||
	    strlen(start_after) > ST_MAX_KEY_BYTES)
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "%s: prefix or start key over %d bytes", what,
				  ST_MAX_KEY_BYTES);
	struct wire_op op = {.type = WIRE_OP_KV_LIST,
			     .prefix = prefix,
			     .start_after = start_after,
			     .limit = limit};
	struct call_args a = {.what = what,
			      .ops = &op,
			      .n_ops = 1,
			      .kind = CALL_KIND_LIST,
			      .cb.list = cb,
			      .arg = arg,
			      .sync = sync};
	return call_submit(c, &a, err);
}

int st_kv_list_async(st_client *c, const char *prefix, const char *start_after,
		     uint32_t limit, st_list_cb cb, void *arg)
{
	return list_submit(c, prefix, start_after, limit, cb, arg, false, NULL);
}

static int put_many_submit(st_client *c, const char *const *keys,
			   const void *const *values, const size_t *value_lens,
			   size_t n, st_done_cb cb, void *arg, bool sync,
			   st_error *err)
{
	const char *what = "kv put-many";
	struct wire_op *ops;
	int rc;

	if ((rc = check_client(c, err, what)) != 0)
		return rc;
	if (cb == NULL || keys == NULL || values == NULL ||
	    value_lens == NULL || n == 0)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: no callback, keys or values", what);
	if (n > ST_MAX_OPS_PER_REQUEST)
		return st_err_set(err, ST_ERR_TOO_LARGE, NULL,
				  "%s: %zu items (max %d)", what, n,
				  ST_MAX_OPS_PER_REQUEST);
	if ((ops = calloc(n, sizeof *ops)) == NULL)
		return st_err_set(err, ST_ERR_INTERNAL, NULL,
				  "%s: out of memory", what);
	for (size_t i = 0; i < n; i++) {
		char item[64];
		snprintf(item, sizeof item, "%s: item %zu", what, i + 1);
		if ((rc = check_key(keys[i], err, item)) != 0 ||
		    (rc = check_value(values[i], value_lens[i], err, item)) !=
			0) {
			free(ops);
			return rc;
		}
		ops[i].type = WIRE_OP_KV_PUT;
		ops[i].key = keys[i];
		ops[i].value = value_lens[i] > 0 ? values[i] : (const void *)"";
		ops[i].value_len = value_lens[i];
	}
	struct call_args a = {.what = what,
			      .ops = ops,
			      .n_ops = n,
			      .kind = CALL_KIND_DONE,
			      .cb.done = cb,
			      .arg = arg,
			      .sync = sync};
	rc = call_submit(c, &a, err);
	free(ops);
	return rc;
}

int st_kv_put_many_async(st_client *c, const char *const *keys,
			 const void *const *values, const size_t *value_lens,
			 size_t n, st_done_cb cb, void *arg)
{
	return put_many_submit(c, keys, values, value_lens, n, cb, arg, false,
			       NULL);
}

/* ---- sync ---------------------------------------------------------------- */

static void done_post(void *arg, const st_error *err)
{
	sync_wait_post(arg, err);
}

int st_kv_put(st_client *c, const char *key, const void *value,
	      size_t value_len, st_error *err)
{
	struct sync_wait w;
	int rc;

	if ((rc = client_sync_guard(err, "kv put")) != 0)
		return rc;
	sync_wait_init(&w);
	if ((rc = put_submit(c, key, value, value_len, done_post, &w, true,
			     err)) != 0) {
		sem_destroy(&w.done);
		return rc;
	}
	return sync_wait_finish(&w, err);
}

int st_kv_delete(st_client *c, const char *key, st_error *err)
{
	struct sync_wait w;
	int rc;

	if ((rc = client_sync_guard(err, "kv delete")) != 0)
		return rc;
	sync_wait_init(&w);
	if ((rc = delete_submit(c, key, done_post, &w, true, err)) != 0) {
		sem_destroy(&w.done);
		return rc;
	}
	return sync_wait_finish(&w, err);
}

int st_kv_put_many(st_client *c, const char *const *keys,
		   const void *const *values, const size_t *value_lens,
		   size_t n, st_error *err)
{
	struct sync_wait w;
	int rc;

	if ((rc = client_sync_guard(err, "kv put-many")) != 0)
		return rc;
	sync_wait_init(&w);
	if ((rc = put_many_submit(c, keys, values, value_lens, n, done_post, &w,
				  true, err)) != 0) {
		sem_destroy(&w.done);
		return rc;
	}
	return sync_wait_finish(&w, err);
}

struct get_wait {
	struct sync_wait w;
	void *value;
	size_t value_len;
	bool found;
};

static void get_post(void *arg, const st_error *err, const void *value,
		     size_t value_len, bool found)
{
	struct get_wait *g = arg;
	st_error oom;

	if (err == NULL && found) {
		if ((g->value = malloc(value_len + 1)) == NULL) {
			st_err_set(&oom, ST_ERR_INTERNAL, NULL,
				   "kv get: out of memory (%zu bytes)",
				   value_len);
			sync_wait_post(&g->w, &oom);
			return;
		}
		if (value_len > 0)
			memcpy(g->value, value, value_len);
		((char *)g->value)[value_len] = '\0';
		g->value_len = value_len;
		g->found = true;
	}
	sync_wait_post(&g->w, err);
}

int st_kv_get(st_client *c, const char *key, void **value, size_t *value_len,
	      bool *found, st_error *err)
{
	struct get_wait g = {0};
	int rc;

	if (value == NULL || value_len == NULL || found == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "kv get: NULL output argument");
	*value = NULL;
	*value_len = 0;
	*found = false;
	if ((rc = client_sync_guard(err, "kv get")) != 0)
		return rc;
	sync_wait_init(&g.w);
	if ((rc = get_submit(c, key, get_post, &g, true, err)) != 0) {
		sem_destroy(&g.w.done);
		return rc;
	}
	if ((rc = sync_wait_finish(&g.w, err)) != 0) {
		free(g.value);
		return rc;
	}
	*value = g.value;
	*value_len = g.value_len;
	*found = g.found;
	return 0;
}

struct list_wait {
	struct sync_wait w;
	st_kv_item *items;
	size_t n_items;
	char *next_token;
};

/* Copy items into one block: the array, then each key and value
 * NUL-terminated, so st_kv_items_free is a single free. */
static st_kv_item *items_copy(const st_kv_item *items, size_t n)
{
	size_t total = n * sizeof(st_kv_item);
	for (size_t i = 0; i < n; i++)
		total += strlen(items[i].key) + 1 + items[i].value_len + 1;
	st_kv_item *out = malloc(total);
	if (out == NULL)
		return NULL;
	char *p = (char *)(out + n);
	for (size_t i = 0; i < n; i++) {
		size_t klen = strlen(items[i].key);
		memcpy(p, items[i].key, klen + 1);
		out[i].key = p;
		p += klen + 1;
		if (items[i].value_len > 0)
			memcpy(p, items[i].value, items[i].value_len);
		p[items[i].value_len] = '\0';
		out[i].value = p;
		out[i].value_len = items[i].value_len;
		p += items[i].value_len + 1;
	}
	return out;
}

static void list_post(void *arg, const st_error *err, const st_kv_item *items,
		      size_t n_items, const char *next_token)
{
	struct list_wait *l = arg;
	st_error oom;

	if (err == NULL) {
		if ((n_items > 0 &&
		     (l->items = items_copy(items, n_items)) == NULL) ||
		    (next_token != NULL &&
		     (l->next_token = strdup(next_token)) == NULL)) {
			st_err_set(&oom, ST_ERR_INTERNAL, NULL,
				   "kv list: out of memory (%zu items)",
				   n_items);
			sync_wait_post(&l->w, &oom);
			return;
		}
		l->n_items = n_items;
	}
	sync_wait_post(&l->w, err);
}

int st_kv_list(st_client *c, const char *prefix, const char *start_after,
	       uint32_t limit, st_kv_item **items, size_t *n_items,
	       char **next_token, st_error *err)
{
	struct list_wait l = {0};
	int rc;

	if (items == NULL || n_items == NULL || next_token == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "kv list: NULL output argument");
	*items = NULL;
	*n_items = 0;
	*next_token = NULL;
	if ((rc = client_sync_guard(err, "kv list")) != 0)
		return rc;
	sync_wait_init(&l.w);
	if ((rc = list_submit(c, prefix, start_after, limit, list_post, &l,
			      true, err)) != 0) {
		sem_destroy(&l.w.done);
		return rc;
	}
	if ((rc = sync_wait_finish(&l.w, err)) != 0) {
		free(l.items);
		free(l.next_token);
		return rc;
	}
	*items = l.items;
	*n_items = l.n_items;
	*next_token = l.next_token;
	return 0;
}

void st_kv_items_free(st_kv_item *items, size_t n_items)
{
	(void)n_items; /* one block: see items_copy */
	free(items);
}
