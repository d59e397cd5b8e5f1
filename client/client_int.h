/* client_int — internals shared by the files of libstratus (not installed).
 *
 * The engine (client.c) runs "calls": one logical request (one encoded
 * wire Request with a fixed client_id/seq) that it sends, retries, redirects
 * and finally completes by invoking the call's callback exactly once, on an
 * nng worker thread. client_kv.c and client_cluster.c build the ops,
 * submit calls, and turn the decoded wire_response into st_* results; their
 * synchronous functions are the async ones plus a semaphore. */
#ifndef STRATUS_CLIENT_INT_H
#define STRATUS_CLIENT_INT_H

#include "stratus.h"
#include "wire.h"

#include <semaphore.h>
#include <stdarg.h>

/* How a call's result reaches its callback. */
enum call_kind {
	CALL_KIND_DONE, /* st_done_cb: every result must be OK */
	CALL_KIND_GET,	/* st_get_cb: results[0] of a KV_GET */
	CALL_KIND_LIST, /* st_list_cb: results[0] of a KV_LIST */
	CALL_KIND_RAW	/* call_raw_cb: the whole response */
};

/* Internal callback: resp is the decoded reply (n_results == the number of
 * ops, envelope code OK) when err is NULL; both borrowed for the call. */
typedef void (*call_raw_cb)(void *arg, const st_error *err,
			    const struct wire_response *resp);

union call_cb {
	st_done_cb done;
	st_get_cb get;
	st_list_cb list;
	call_raw_cb raw;
};

/* What to submit. ops are borrowed during call_submit only. */
struct call_args {
	/* For error messages ("kv put", "sqs SendMessage"); copied (at most
	 * CALL_WHAT_BYTES - 1 bytes kept). */
	const char *what;
	const struct wire_op *ops;
	size_t n_ops;
	enum call_kind kind;
	union call_cb cb;
	void *arg;
	/* true (sync calls): wait for an in-flight slot; false: async, wait
	 * or fail as the options say. Never waits on a callback thread. */
	bool sync;
	/* Non-NULL: send to this endpoint only, one attempt, no redirect,
	 * status_timeout_ms (it joins the endpoint set). */
	const char *endpoint;
	/* How long the server may legitimately hold this request before it
	 * answers (a long poll), ms: added to the per-attempt timeout and to
	 * the retry deadline, so a long poll never times out client-side.
	 * 0 for ordinary calls; ignored for pinned calls. */
	unsigned hold_ms;
	/* Sign with this key instead of the client's (both or neither). */
	const char *access_key_id;
	const char *secret_access_key;
};

#define CALL_WHAT_BYTES 96

/* Submit a call. 0: accepted, the callback will run exactly once, later,
 * on a library thread. Else an ST_ERR_* code with err filled (err may be
 * NULL) and the callback never runs: ST_ERR_OVER_LIMIT (no slot),
 * ST_ERR_CONNECTION (closing), ST_ERR_TOO_LARGE (encoded request over
 * ST_MAX_REQUEST_BYTES), ST_ERR_INVALID_PARAM (bad endpoint),
 * ST_ERR_INTERNAL (out of memory). */
int call_submit(st_client *c, const struct call_args *a, st_error *err);

/* True on a thread that is running a libstratus callback. */
bool client_in_callback(void);

/* Copies of up to max endpoint URLs (free each); returns how many. */
size_t client_endpoints(st_client *c, char **urls, size_t max);

/* Fill err (NULL is a no-op); name NULL or "" means st_code_name(code).
 * Returns code. */
int st_err_set(st_error *err, int code, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The error of a failed result: code, name and "what: message". */
void st_err_from_result(st_error *err, const char *what,
			const struct wire_result *r);

/* Guard for synchronous entry points: ST_ERR_INVALID_PARAM when called
 * from a callback (it would block a library thread), else 0. */
int client_sync_guard(st_error *err, const char *what);

/* A synchronous wait: the callbacks of sync wrappers fill err/rc and post
 * the semaphore. */
struct sync_wait {
	sem_t done;
	int rc;
	st_error err;
};

void sync_wait_init(struct sync_wait *w);
/* Blocks until posted; copies the error out; returns rc. */
int sync_wait_finish(struct sync_wait *w, st_error *err);
/* From a callback: record err (NULL = success) and post. */
void sync_wait_post(struct sync_wait *w, const st_error *err);

/* Validate a key: ST_ERR_MISSING_PARAM (NULL or ""), ST_ERR_INVALID_PARAM
 * (over ST_MAX_KEY_BYTES). */
int check_key(const char *key, st_error *err, const char *what);

#endif
