/* history_workload — the fault suite's workload: it records a HISTORY of
 * every operation it performs, for tests/fault/check_history.py.
 *
 *   history_workload run --endpoints E --history FILE --run ID
 *                    [--chains 6] [--keys 5] [--seed S] [--vt-min 5]
 *                    [--vt-max 10] [--request-timeout-ms 1000]
 *                    [--deadline-ms 10000] [--stop-grace-ms 5000]
 *     N client chains run random operations until SIGTERM/SIGINT, each
 *     strictly sequential (the next operation is submitted from the
 *     previous one's callback, libstratus async API):
 *       kv    read / write (put of a unique value) of keys h/<run>/k<j>
 *       SQS   on queues hist-<run> (standard) and hist-<run>.fifo:
 *             SendMessage of a unique body (FIFO: group g0..g3, dedup id
 *             = the body; sometimes a resend of a recent dedup id with a
 *             new body, which must be deduplicated), ReceiveMessage
 *             (VisibilityTimeout vt-min..vt-max, WaitTimeSeconds 0 or 1,
 *             1-3 messages, all attributes), then DeleteMessage of what
 *             was received (mostly; some are left to come back).
 *             With --batch N (default 0: off), one send in N is a
 *             SendMessageBatch of 2-4 entries (FIFO entries as above,
 *             so one batch may repeat a deduplication id) and one delete
 *             in N of two or more received messages a DeleteMessageBatch
 *             of all of them; recorded as send_batch / delete_batch
 *             with per-entry results (check_history.py checks each entry
 *             as a send / delete).
 *   history_workload drain --endpoints E --history FILE --run ID
 *                    [--visible-by-ns T] [--idle-ms 4000] [--p 100]
 *     Receives (VisibilityTimeout 2) + deletes (with --batch N > 0: one
 *     DeleteMessageBatch per receive of two or more) on both queues until
 *     neither returned anything for idle-ms and CLOCK_MONOTONIC has
 *     passed T (the test passes the time by which everything the workload
 *     left in flight is visible again: its exit + the longest visibility
 *     timeout + slack), logging the same records; then one
 *     {"event":"drained"} record per queue. Exit 1 after 180 s without
 *     finishing (no drained records: the checker then does not judge
 *     loss).
 *
 * History records (JSON lines, appended and flushed one by one, so a
 * SIGKILLed runner leaves a usable history; times are CLOCK_MONOTONIC ns):
 *   {"p":C,"op":"write","args":{...},"t0":NS}      before the call is made
 *   {"p":C,"t1":NS,"type":"ok|fail|info","result":{...}}   on completion
 * "fail" only when the request certainly had no effect (the server or the
 * library rejected it: validation, unknown queue, ...); timeouts,
 * connection failures, "unavailable" after the retry deadline are "info".
 *
 * Exit status: 0 after a normal stop, 1 when the client, the queues or
 * the history could not be made, 2 on a usage error.
 *
 * Threads: callbacks run on libstratus's nng threads; the history file,
 * the shared resend ring and the chain states are guarded by one mutex
 * (held through each callback). Signals only set a flag the main thread
 * polls. */
#include "stratus.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHAINS  64
#define MAX_KEYS    64
#define MAX_RECV    3  /* messages per workload receive */
#define MAX_BATCH   4  /* entries per SendMessageBatch */
#define RESEND_RING 16 /* recent FIFO dedup ids a resend picks from */
#define N_GROUPS    4
#define QUEUE_STD   0
#define QUEUE_FIFO  1

static const char *const queue_names[2] = {"std", "fifo"};

static volatile sig_atomic_t got_signal;

static void on_signal(int signo)
{
	got_signal = signo;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A message received and not yet deleted by its chain. */
struct held {
	int queue;
	char *id;     /* owned */
	char *handle; /* owned */
};

struct workload;

/* One client chain. Touched only under wl->mu. */
struct chain {
	struct workload *wl;
	unsigned id;
	uint64_t n;   /* operations started */
	uint64_t rng; /* xorshift64 state */
	bool busy;    /* an operation is in flight */
	int queue;    /* queue of the SQS op in flight */
	int vt;	      /* VisibilityTimeout of the receive in flight */
	struct held held[MAX_RECV];
	unsigned n_held;
};

struct resend {
	char dedup[128];
	char group[8];
};

struct workload {
	st_client *client;
	const char *run;
	char *queue_url[2]; /* owned */
	unsigned n_keys;
	int vt_min, vt_max;
	FILE *hist;
	bool hist_failed;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a chain went idle */
	bool stopping;
	unsigned busy;
	struct chain chains[MAX_CHAINS];
	unsigned n_chains;
	struct resend ring[RESEND_RING];
	unsigned ring_n; /* entries written so far (ring index = n % size) */
	unsigned batch_every; /* one send/delete in N is a batch; 0 = never */
	uint64_t n_ok, n_fail, n_info;
};

static uint64_t rnd(struct chain *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static unsigned rnd_below(struct chain *c, unsigned n)
{
	return (unsigned)(rnd(c) % n);
}

/* Append one record (takes ownership of rec) and flush. Under wl->mu. */
static void hist_write(struct workload *wl, json_t *rec)
{
	char *s = json_dumps(rec, JSON_COMPACT);

	json_decref(rec);
	if (s == NULL || fputs(s, wl->hist) < 0 || fputc('\n', wl->hist) < 0 ||
	    fflush(wl->hist) != 0) {
		wl->hist_failed = true;
	}
	free(s);
}

/* The invocation record; args: owned by the call. Under wl->mu. */
static void log_invoke(struct workload *wl, unsigned p, const char *op,
		       json_t *args)
{
	hist_write(wl,
		   json_pack("{s:I, s:s, s:o, s:I}", "p", (json_int_t)p, "op",
			     op, "args", args, "t0", (json_int_t)now_ns()));
}

/* Whether an error certainly means "not applied". */
static bool definite_failure(const st_error *err)
{
	switch (err->code) {
	case ST_ERR_MALFORMED:
	case ST_ERR_UNKNOWN_OP:
	case ST_ERR_TOO_LARGE:
	case ST_ERR_NOT_FOUND:
	case ST_ERR_INVALID_PARAM:
	case ST_ERR_MISSING_PARAM:
	case ST_ERR_ACCESS_DENIED:
	case ST_ERR_SERVICE:
		return true;
	default: /* timeout, connection, unavailable, internal, ... */
		return false;
	}
}

/* The completion record; result: owned by the call (NULL: {}). err NULL
 * means ok. Under wl->mu. */
static void log_complete(struct workload *wl, unsigned p, const st_error *err,
			 json_t *result)
{
	const char *type = "ok";

	if (err != NULL) {
		type = definite_failure(err) ? "fail" : "info";
		json_decref(result);
		result = json_pack("{s:s, s:s, s:i}", "error", err->name,
				   "message", err->message, "code", err->code);
	} else if (result == NULL) {
		result = json_object();
	}
	if (err == NULL) {
		wl->n_ok++;
	} else if (definite_failure(err)) {
		wl->n_fail++;
	} else {
		wl->n_info++;
	}
	hist_write(wl, json_pack("{s:I, s:I, s:s, s:o}", "p", (json_int_t)p,
				 "t1", (json_int_t)now_ns(), "type", type,
				 "result", result));
}

static void chain_next(struct chain *c);

static void put_done(void *arg, const st_error *err)
{
	struct chain *c = arg;

	pthread_mutex_lock(&c->wl->mu);
	log_complete(c->wl, c->id, err, NULL);
	chain_next(c);
	pthread_mutex_unlock(&c->wl->mu);
}

static void get_done(void *arg, const st_error *err, const void *value,
		     size_t value_len, bool found)
{
	struct chain *c = arg;
	json_t *res = NULL;

	pthread_mutex_lock(&c->wl->mu);
	if (err == NULL) {
		res = json_pack("{s:o}", "value",
				found ? json_stringn(value, value_len)
				      : json_null());
	}
	log_complete(c->wl, c->id, err, res);
	chain_next(c);
	pthread_mutex_unlock(&c->wl->mu);
}

/* A string member of o, or NULL (borrowed from o). */
static const char *str_member(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static void send_done(void *arg, const st_error *err, const char *out)
{
	struct chain *c = arg;
	json_t *res = NULL;

	pthread_mutex_lock(&c->wl->mu);
	if (err == NULL) {
		json_t *d = json_loads(out, 0, NULL);
		const char *id = str_member(d, "MessageId");
		const char *seq = str_member(d, "SequenceNumber");

		res = json_pack("{s:s?}", "id", id);
		if (seq != NULL) {
			json_object_set_new(res, "seq", json_string(seq));
		}
		json_decref(d);
	}
	log_complete(c->wl, c->id, err, res);
	chain_next(c);
	pthread_mutex_unlock(&c->wl->mu);
}

/* The history's form of a received message; remembers its handle (up to
 * MAX_RECV) when hold. */
static json_t *message_record(struct chain *c, const json_t *m, bool hold)
{
	const json_t *a = json_object_get(m, "Attributes");
	const char *id = str_member(m, "MessageId");
	const char *h = str_member(m, "ReceiptHandle");
	json_t *r = json_pack("{s:s?, s:s?, s:s?}", "id", id, "body",
			      str_member(m, "Body"), "handle", h);
	static const char *const attrs[][2] = {
	    {"MessageGroupId", "group"},
	    {"SequenceNumber", "seq"},
	    {"MessageDeduplicationId", "dedup"},
	    {"ApproximateReceiveCount", "count"}};

	for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
		const char *v = str_member(a, attrs[i][0]);
		if (v != NULL) {
			json_object_set_new(r, attrs[i][1], json_string(v));
		}
	}
	if (hold && id != NULL && h != NULL && c->n_held < MAX_RECV) {
		struct held *x = &c->held[c->n_held++];
		x->queue = c->queue;
		x->id = strdup(id);
		x->handle = strdup(h);
		if (x->id == NULL || x->handle == NULL) {
			free(x->id);
			free(x->handle);
			c->n_held--;
		}
	}
	return r;
}

/* A batch answer {Successful: [{Id, MessageId?, SequenceNumber?}],
 * Failed: [{Id, Code}]} as the history's {entries: [{eid, id?, seq?} |
 * {eid, error}]}. Returns a new reference. */
static json_t *batch_record(const char *out)
{
	json_t *d = json_loads(out, 0, NULL), *entries = json_array(), *e;
	size_t i;

	json_array_foreach(json_object_get(d, "Successful"), i, e)
	{
		json_t *r = json_pack("{s:s?}", "eid", str_member(e, "Id"));
		const char *id = str_member(e, "MessageId");
		const char *seq = str_member(e, "SequenceNumber");
		if (id != NULL) {
			json_object_set_new(r, "id", json_string(id));
		}
		if (seq != NULL) {
			json_object_set_new(r, "seq", json_string(seq));
		}
		json_array_append_new(entries, r);
	}
	json_array_foreach(json_object_get(d, "Failed"), i, e)
	{
		const char *code = str_member(e, "Code");
		json_array_append_new(entries,
				      json_pack("{s:s?, s:s}", "eid",
						str_member(e, "Id"), "error",
						code ? code : "unknown"));
	}
	json_decref(d);
	return json_pack("{s:o}", "entries", entries);
}

static void batch_done(void *arg, const st_error *err, const char *out)
{
	struct chain *c = arg;

	pthread_mutex_lock(&c->wl->mu);
	log_complete(c->wl, c->id, err, err == NULL ? batch_record(out) : NULL);
	chain_next(c);
	pthread_mutex_unlock(&c->wl->mu);
}

static void receive_done(void *arg, const st_error *err, const char *out)
{
	struct chain *c = arg;
	json_t *res = NULL;

	pthread_mutex_lock(&c->wl->mu);
	if (err == NULL) {
		json_t *d = json_loads(out, 0, NULL);
		json_t *msgs = json_array(), *m;
		size_t i;

		json_array_foreach(json_object_get(d, "Messages"), i, m)
		{
			/* Some are left undeleted (one in 10; one in 20
			 * for FIFO, where one blocks its group): they come
			 * back after their visibility timeout. */
			bool hold =
			    rnd_below(c, c->queue == QUEUE_FIFO ? 20 : 10) != 0;
			json_array_append_new(msgs, message_record(c, m, hold));
		}
		res = json_pack("{s:o}", "messages", msgs);
		json_decref(d);
	}
	log_complete(c->wl, c->id, err, res);
	chain_next(c);
	pthread_mutex_unlock(&c->wl->mu);
}

static void delete_done(void *arg, const st_error *err, const char *out)
{
	struct chain *c = arg;

	(void)out;
	pthread_mutex_lock(&c->wl->mu);
	log_complete(c->wl, c->id, err, NULL);
	chain_next(c);
	pthread_mutex_unlock(&c->wl->mu);
}

/* Submit an SQS action; args (owned) is the history's view of it. Returns
 * the submission's code. Under wl->mu. */
static int sqs_submit(struct chain *c, const char *op, json_t *args,
		      const char *action, json_t *input, st_call_cb cb)
{
	char *in = json_dumps(input, JSON_COMPACT);
	int rc;

	json_decref(input);
	log_invoke(c->wl, c->id, op, args);
	rc = in ? st_call_async(c->wl->client, "sqs", action, in, cb, c)
		: ST_ERR_INTERNAL;
	free(in);
	return rc;
}

/* Group and deduplication id of a FIFO send of body: a random group and
 * dedup id = body, or (one in five) a resend of a recent dedup id in its
 * group. Sets them in args (the history's view) and in (the request or
 * batch entry). Under wl->mu. */
static void fifo_ids(struct chain *c, const char *body, json_t *args,
		     json_t *in)
{
	struct workload *wl = c->wl;
	char group[8];
	const char *dedup = body;

	snprintf(group, sizeof group, "g%u", rnd_below(c, N_GROUPS));
	if (wl->ring_n > 0 && rnd_below(c, 5) == 0) {
		unsigned n =
		    wl->ring_n < RESEND_RING ? wl->ring_n : RESEND_RING;
		struct resend *r = &wl->ring[rnd_below(c, n)];
		dedup = r->dedup;
		snprintf(group, sizeof group, "%s", r->group);
		json_object_set_new(args, "resend", json_true());
	} else {
		struct resend *r = &wl->ring[wl->ring_n++ % RESEND_RING];
		snprintf(r->dedup, sizeof r->dedup, "%s", body);
		snprintf(r->group, sizeof r->group, "%s", group);
	}
	json_object_set_new(args, "group", json_string(group));
	json_object_set_new(args, "dedup", json_string(dedup));
	json_object_set_new(in, "MessageGroupId", json_string(group));
	json_object_set_new(in, "MessageDeduplicationId", json_string(dedup));
}

/* SendMessageBatch of 2..MAX_BATCH entries with unique bodies
 * <base>-<k>. Returns the submission's code. Under wl->mu. */
static int submit_send_batch(struct chain *c, int q, const char *base)
{
	struct workload *wl = c->wl;
	unsigned n = 2 + rnd_below(c, MAX_BATCH - 1);
	json_t *hist = json_array(), *req = json_array();

	for (unsigned k = 0; k < n; k++) {
		char body[160], eid[16];
		json_t *a, *e;

		snprintf(body, sizeof body, "%s-%u", base, k);
		snprintf(eid, sizeof eid, "e%u", k);
		a = json_pack("{s:s, s:s}", "eid", eid, "body", body);
		e = json_pack("{s:s, s:s}", "Id", eid, "MessageBody", body);
		if (q == QUEUE_FIFO) {
			fifo_ids(c, body, a, e);
		}
		json_array_append_new(hist, a);
		json_array_append_new(req, e);
	}
	return sqs_submit(
	    c, "send_batch",
	    json_pack("{s:s, s:o}", "queue", queue_names[q], "entries", hist),
	    "SendMessageBatch",
	    json_pack("{s:s, s:o}", "QueueUrl", wl->queue_url[q], "Entries",
		      req),
	    batch_done);
}

/* DeleteMessageBatch of every held message (one receive's: one queue).
 * Returns the submission's code. Under wl->mu. */
static int submit_delete_batch(struct chain *c)
{
	struct workload *wl = c->wl;
	json_t *hist = json_array(), *req = json_array();
	int q = c->held[0].queue;

	for (unsigned k = 0; k < c->n_held; k++) {
		struct held *h = &c->held[k];
		char eid[16];

		snprintf(eid, sizeof eid, "e%u", k);
		json_array_append_new(hist, json_pack("{s:s, s:s, s:s}", "eid",
						      eid, "id", h->id,
						      "handle", h->handle));
		json_array_append_new(req,
				      json_pack("{s:s, s:s}", "Id", eid,
						"ReceiptHandle", h->handle));
		free(h->id);
		free(h->handle);
	}
	c->n_held = 0;
	c->queue = q;
	return sqs_submit(
	    c, "delete_batch",
	    json_pack("{s:s, s:o}", "queue", queue_names[q], "entries", hist),
	    "DeleteMessageBatch",
	    json_pack("{s:s, s:o}", "QueueUrl", wl->queue_url[q], "Entries",
		      req),
	    batch_done);
}

/* Start the chain's next operation, or retire it. Under wl->mu. */
static void chain_next(struct chain *c)
{
	struct workload *wl = c->wl;
	char key[128], value[128];
	int rc;

	for (;;) {
		unsigned pick;

		if (wl->stopping || wl->hist_failed) {
			c->busy = false;
			wl->busy--;
			pthread_cond_broadcast(&wl->cv);
			return;
		}
		c->n++;
		if (c->n_held >= 2 && wl->batch_every > 0 &&
		    rnd_below(c, wl->batch_every) == 0) {
			rc = submit_delete_batch(c);
			goto submitted;
		}
		if (c->n_held > 0) {
			/* Delete what the last receive returned. */
			struct held *h = &c->held[--c->n_held];
			c->queue = h->queue;
			rc = sqs_submit(c, "delete",
					json_pack("{s:s, s:s, s:s}", "queue",
						  queue_names[h->queue], "id",
						  h->id, "handle", h->handle),
					"DeleteMessage",
					json_pack("{s:s, s:s}", "QueueUrl",
						  wl->queue_url[h->queue],
						  "ReceiptHandle", h->handle),
					delete_done);
			free(h->id);
			free(h->handle);
			goto submitted;
		}
		pick = rnd_below(c, 100);
		if (pick < 40) {
			unsigned k = rnd_below(c, wl->n_keys);
			snprintf(key, sizeof key, "h/%s/k%u", wl->run, k);
			if (pick < 20) {
				log_invoke(wl, c->id, "read",
					   json_pack("{s:s}", "key", key));
				rc = st_kv_get_async(wl->client, key, get_done,
						     c);
			} else {
				snprintf(value, sizeof value, "%u-%" PRIu64,
					 c->id, c->n);
				log_invoke(wl, c->id, "write",
					   json_pack("{s:s, s:s}", "key", key,
						     "value", value));
				rc =
				    st_kv_put_async(wl->client, key, value,
						    strlen(value), put_done, c);
			}
		} else if (pick < 70) {
			/* SendMessage: standard or FIFO (some resends). */
			int q = pick < 55 ? QUEUE_STD : QUEUE_FIFO;
			json_t *args, *in;

			c->queue = q;
			snprintf(value, sizeof value, "%s-%u-%" PRIu64, wl->run,
				 c->id, c->n);
			args = json_pack("{s:s, s:s}", "queue", queue_names[q],
					 "body", value);
			in = json_pack("{s:s, s:s}", "QueueUrl",
				       wl->queue_url[q], "MessageBody", value);
			if (wl->batch_every > 0 &&
			    rnd_below(c, wl->batch_every) == 0) {
				json_decref(args);
				json_decref(in);
				rc = submit_send_batch(c, q, value);
				goto submitted;
			}
			if (q == QUEUE_FIFO) {
				fifo_ids(c, value, args, in);
			}
			rc = sqs_submit(c, "send", args, "SendMessage", in,
					send_done);
		} else {
			int q = pick < 85 ? QUEUE_STD : QUEUE_FIFO;
			int max = 1 + (int)rnd_below(c, MAX_RECV);
			/* Mostly no wait: a FIFO queue whose groups are all
			 * held by in-flight messages answers a long poll only
			 * at its end, and chains parked in long polls would
			 * not see the faults. */
			int wait = rnd_below(c, 4) == 0;

			c->queue = q;
			c->vt = wl->vt_min +
				(int)rnd_below(
				    c, (unsigned)(wl->vt_max - wl->vt_min + 1));
			rc = sqs_submit(
			    c, "receive",
			    json_pack("{s:s, s:i, s:i, s:i}", "queue",
				      queue_names[q], "max", max, "vt", c->vt,
				      "wait", wait),
			    "ReceiveMessage",
			    json_pack("{s:s, s:i, s:i, s:i, s:[s]}", "QueueUrl",
				      wl->queue_url[q], "MaxNumberOfMessages",
				      max, "VisibilityTimeout", c->vt,
				      "WaitTimeSeconds", wait, "AttributeNames",
				      "All"),
			    receive_done);
		}
	submitted:
		if (rc == ST_OK) {
			return;
		}
		/* Not accepted: the callback will not run and nothing was
		 * sent. */
		{
			st_error e = {.code = rc};
			snprintf(e.name, sizeof e.name, "%s", st_code_name(rc));
			snprintf(e.message, sizeof e.message, "not submitted");
			/* Never sent: certainly not applied. */
			e.code = ST_ERR_INVALID_PARAM;
			log_complete(wl, c->id, &e, NULL);
		}
		if (rc == ST_ERR_CONNECTION) {
			wl->stopping = true; /* the client is closing */
		}
	}
}

/* Create (or look up: CreateQueue is idempotent) the two queues, retrying
 * through failovers. Returns 0 or -1. */
static int make_queues(struct workload *wl, int64_t deadline_ns)
{
	for (int q = 0; q < 2; q++) {
		char name[128], in[512];

		snprintf(name, sizeof name, "hist-%s%s", wl->run,
			 q == QUEUE_FIFO ? ".fifo" : "");
		if (q == QUEUE_FIFO) {
			snprintf(in, sizeof in,
				 "{\"QueueName\":\"%s\",\"Attributes\":"
				 "{\"FifoQueue\":\"true\"}}",
				 name);
		} else {
			snprintf(in, sizeof in, "{\"QueueName\":\"%s\"}", name);
		}
		for (;;) {
			char *out = NULL;
			st_error err;

			if (st_call(wl->client, "sqs", "CreateQueue", in, &out,
				    &err) == 0) {
				json_t *d = json_loads(out, 0, NULL);
				const char *url = str_member(d, "QueueUrl");
				wl->queue_url[q] = url ? strdup(url) : NULL;
				json_decref(d);
				st_free(out);
				if (wl->queue_url[q] == NULL) {
					fprintf(stderr,
						"history_workload: CreateQueue "
						"%s: no QueueUrl\n",
						name);
					return -1;
				}
				break;
			}
			if (now_ns() > deadline_ns || got_signal) {
				fprintf(stderr,
					"history_workload: CreateQueue %s: "
					"%s: %s\n",
					name, err.name, err.message);
				return -1;
			}
			usleep(200000);
		}
	}
	return 0;
}

static void wait_cv(struct workload *wl, int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ms * 1000000L;
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&wl->cv, &wl->mu, &ts);
}

static int run_chains(struct workload *wl, uint64_t seed, int64_t grace_ms)
{
	int64_t grace_end;

	pthread_mutex_lock(&wl->mu);
	for (unsigned k = 0; k < wl->n_chains; k++) {
		struct chain *c = &wl->chains[k];
		c->wl = wl;
		c->id = k;
		c->rng = (seed + 1) * 0x9e3779b97f4a7c15ull ^
			 (k + 1) * 0xbf58476d1ce4e5b9ull;
		c->rng = c->rng ? c->rng : 1;
		c->busy = true;
		wl->busy++;
		chain_next(c);
	}
	while (wl->busy > 0 && !got_signal) {
		wait_cv(wl, 50);
	}
	wl->stopping = true;
	/* Let operations in flight finish (their outcome is worth knowing);
	 * st_client_free fails the rest (then they are "info"). */
	grace_end = now_ns() + grace_ms * 1000000;
	while (wl->busy > 0 && now_ns() < grace_end) {
		wait_cv(wl, 20);
	}
	pthread_mutex_unlock(&wl->mu);
	return 0;
}

/* One synchronous SQS call logged as an operation of process p. */
static int drain_call(struct workload *wl, unsigned p, const char *op,
		      json_t *args, const char *action, json_t *input,
		      json_t **out_doc)
{
	char *in = json_dumps(input, JSON_COMPACT), *out = NULL;
	st_error err;
	int rc;

	json_decref(input);
	pthread_mutex_lock(&wl->mu);
	log_invoke(wl, p, op, args);
	pthread_mutex_unlock(&wl->mu);
	rc = st_call(wl->client, "sqs", action, in, &out, &err);
	free(in);
	*out_doc = rc == 0 ? json_loads(out, 0, NULL) : NULL;
	st_free(out);
	if (rc != 0) {
		pthread_mutex_lock(&wl->mu);
		log_complete(wl, p, &err, NULL);
		pthread_mutex_unlock(&wl->mu);
	}
	return rc;
}

/* The drain's DeleteMessageBatch of every message of a receive's answer
 * doc (borrowed), logged as a delete_batch of process p. */
static void drain_delete_batch(struct workload *wl, unsigned p, int q,
			       const json_t *doc)
{
	json_t *hist = json_array(), *req = json_array(), *m, *dd;
	size_t i;

	json_array_foreach(json_object_get(doc, "Messages"), i, m)
	{
		char eid[24];
		const char *id = str_member(m, "MessageId");
		const char *h = str_member(m, "ReceiptHandle");

		snprintf(eid, sizeof eid, "e%zu", i);
		json_array_append_new(hist,
				      json_pack("{s:s, s:s?, s:s?}", "eid", eid,
						"id", id, "handle", h));
		json_array_append_new(req, json_pack("{s:s, s:s?}", "Id", eid,
						     "ReceiptHandle", h));
	}
	if (drain_call(wl, p, "delete_batch",
		       json_pack("{s:s, s:o}", "queue", queue_names[q],
				 "entries", hist),
		       "DeleteMessageBatch",
		       json_pack("{s:s, s:o}", "QueueUrl", wl->queue_url[q],
				 "Entries", req),
		       &dd) == 0) {
		char *out = json_dumps(dd, JSON_COMPACT);
		json_t *res = out != NULL ? batch_record(out) : NULL;

		free(out);
		json_decref(dd);
		pthread_mutex_lock(&wl->mu);
		log_complete(wl, p, NULL, res);
		pthread_mutex_unlock(&wl->mu);
	}
}

/* Receive + delete on both queues until idle_ms passed with every
 * receive answered and empty. Returns 0, or -1 at the deadline. */
static int run_drain(struct workload *wl, unsigned p, int64_t idle_ms,
		     int64_t visible_by_ns, int64_t deadline_ns)
{
	struct chain c = {.wl = wl, .id = p};
	int64_t quiet_since = now_ns();
	/* Short: a message whose delete failed comes back within idle_ms. */
	const int vt = 2;

	while (now_ns() - quiet_since < idle_ms * 1000000 ||
	       now_ns() < visible_by_ns) {
		if (now_ns() > deadline_ns || got_signal) {
			return -1;
		}
		for (int q = 0; q < 2; q++) {
			json_t *doc, *m, *msgs;
			size_t i;

			c.queue = q;
			if (drain_call(wl, p, "receive",
				       json_pack("{s:s, s:i, s:i, s:i}",
						 "queue", queue_names[q], "max",
						 10, "vt", vt, "wait", 1),
				       "ReceiveMessage",
				       json_pack("{s:s, s:i, s:i, s:i, s:[s]}",
						 "QueueUrl", wl->queue_url[q],
						 "MaxNumberOfMessages", 10,
						 "VisibilityTimeout", vt,
						 "WaitTimeSeconds", 1,
						 "AttributeNames", "All"),
				       &doc) != 0) {
				quiet_since = now_ns(); /* not a quiet period */
				usleep(200000);
				continue;
			}
			msgs = json_array();
			json_array_foreach(json_object_get(doc, "Messages"), i,
					   m)
			{
				json_array_append_new(
				    msgs, message_record(&c, m, false));
			}
			if (json_array_size(msgs) > 0) {
				quiet_since = now_ns();
			}
			pthread_mutex_lock(&wl->mu);
			log_complete(wl, p, NULL,
				     json_pack("{s:o}", "messages", msgs));
			pthread_mutex_unlock(&wl->mu);
			if (wl->batch_every > 0 &&
			    json_array_size(json_object_get(doc, "Messages")) >=
				2) {
				drain_delete_batch(wl, p, q, doc);
				json_decref(doc);
				continue;
			}
			json_array_foreach(json_object_get(doc, "Messages"), i,
					   m)
			{
				json_t *dd;
				const char *h = str_member(m, "ReceiptHandle");

				if (drain_call(
					wl, p, "delete",
					json_pack("{s:s, s:s?, s:s?}", "queue",
						  queue_names[q], "id",
						  str_member(m, "MessageId"),
						  "handle", h),
					"DeleteMessage",
					json_pack("{s:s, s:s?}", "QueueUrl",
						  wl->queue_url[q],
						  "ReceiptHandle", h),
					&dd) == 0) {
					json_decref(dd);
					pthread_mutex_lock(&wl->mu);
					log_complete(wl, p, NULL, NULL);
					pthread_mutex_unlock(&wl->mu);
				}
			}
			json_decref(doc);
		}
	}
	pthread_mutex_lock(&wl->mu);
	for (int q = 0; q < 2; q++) {
		hist_write(wl, json_pack("{s:I, s:s, s:s, s:I}", "p",
					 (json_int_t)p, "event", "drained",
					 "queue", queue_names[q], "t0",
					 (json_int_t)now_ns()));
	}
	pthread_mutex_unlock(&wl->mu);
	return 0;
}

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-') {
		return false;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max) {
		return false;
	}
	*out = v;
	return true;
}

static int usage(void)
{
	fputs("usage: history_workload run|drain --endpoints E --history F "
	      "--run ID [--chains N] [--keys K] [--seed S] [--vt-min S] "
	      "[--vt-max S] [--request-timeout-ms N] [--deadline-ms N] "
	      "[--stop-grace-ms N] [--idle-ms N] [--visible-by-ns T] "
	      "[--p N] [--batch N]\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static struct workload wl;
	const char *endpoints = getenv("STRATUS_ENDPOINTS");
	const char *hist_path = NULL, *mode;
	uint64_t chains = 6, keys = 5, seed = 1, vt_min = 5, vt_max = 10;
	uint64_t request_timeout_ms = 1000, deadline_ms = 0, grace_ms = 5000;
	uint64_t idle_ms = 4000, p = 100, visible_by_ns = 0, batch_every = 0;
	st_options opts;
	st_error err;
	struct sigaction sa;
	int status = 0;

	if (argc < 2) {
		return usage();
	}
	mode = argv[1];
	if (strcmp(mode, "run") != 0 && strcmp(mode, "drain") != 0) {
		return usage();
	}
	for (int a = 2; a < argc; a += 2) {
		const char *name = argv[a],
			   *val = a + 1 < argc ? argv[a + 1] : NULL;
		bool ok = true;

		if (val == NULL) {
			return usage();
		}
		if (strcmp(name, "--endpoints") == 0) {
			endpoints = val;
		} else if (strcmp(name, "--history") == 0) {
			hist_path = val;
		} else if (strcmp(name, "--run") == 0) {
			wl.run = val;
			ok = *val != '\0' && strlen(val) < 40 &&
			     strspn(val, "abcdefghijklmnopqrstuvwxyz"
					 "0123456789") == strlen(val);
		} else if (strcmp(name, "--chains") == 0) {
			ok = parse_uint(val, MAX_CHAINS, &chains) && chains > 0;
		} else if (strcmp(name, "--keys") == 0) {
			ok = parse_uint(val, MAX_KEYS, &keys) && keys > 0;
		} else if (strcmp(name, "--seed") == 0) {
			ok = parse_uint(val, UINT64_MAX, &seed);
		} else if (strcmp(name, "--vt-min") == 0) {
			ok = parse_uint(val, 3600, &vt_min);
		} else if (strcmp(name, "--vt-max") == 0) {
			ok = parse_uint(val, 3600, &vt_max);
		} else if (strcmp(name, "--request-timeout-ms") == 0) {
			ok = parse_uint(val, 600000, &request_timeout_ms) &&
			     request_timeout_ms > 0;
		} else if (strcmp(name, "--deadline-ms") == 0) {
			ok = parse_uint(val, 3600000, &deadline_ms);
		} else if (strcmp(name, "--stop-grace-ms") == 0) {
			ok = parse_uint(val, 600000, &grace_ms);
		} else if (strcmp(name, "--idle-ms") == 0) {
			ok = parse_uint(val, 3600000, &idle_ms);
		} else if (strcmp(name, "--visible-by-ns") == 0) {
			ok = parse_uint(val, INT64_MAX, &visible_by_ns);
		} else if (strcmp(name, "--p") == 0) {
			ok = parse_uint(val, 1000000, &p);
		} else if (strcmp(name, "--batch") == 0) {
			ok = parse_uint(val, 1000, &batch_every);
		} else {
			return usage();
		}
		if (!ok) {
			fprintf(stderr,
				"history_workload: %s: bad value '%s'\n", name,
				val);
			return 2;
		}
	}
	if (hist_path == NULL || wl.run == NULL || endpoints == NULL ||
	    *endpoints == '\0' || vt_min > vt_max) {
		return usage();
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	wl.n_chains = (unsigned)chains;
	wl.n_keys = (unsigned)keys;
	wl.vt_min = (int)vt_min;
	wl.vt_max = (int)vt_max;
	wl.batch_every = (unsigned)batch_every;
	pthread_mutex_init(&wl.mu, NULL);
	pthread_cond_init(&wl.cv, NULL);
	wl.hist = fopen(hist_path, "a");
	if (wl.hist == NULL) {
		fprintf(stderr, "history_workload: open %s: %s\n", hist_path,
			strerror(errno));
		status = 1;
		goto out_after_init;
	}
	memset(&opts, 0, sizeof opts);
	opts.request_timeout_ms = (unsigned)request_timeout_ms;
	/* Under faults an operation should end (as "info") rather than wait
	 * for the cluster for long: more, shorter operations make a denser
	 * history. The drain waits longer. */
	opts.retry_deadline_ms = (unsigned)(deadline_ms ? deadline_ms
					    : strcmp(mode, "run") == 0 ? 10000
								       : 30000);
	opts.backoff_base_ms = 20;
	opts.backoff_max_ms = 200;
	wl.client = st_client_new(endpoints, &opts, &err);
	if (wl.client == NULL) {
		fprintf(stderr, "history_workload: connect %s: %s: %s\n",
			endpoints, err.name, err.message);
		status = 1;
		goto out_after_hist;
	}
	if (make_queues(&wl, now_ns() + 60 * 1000000000ll) != 0) {
		status = 1;
		goto out_after_client;
	}
	if (strcmp(mode, "run") == 0) {
		printf("READY\n");
		fflush(stdout);
		run_chains(&wl, seed, (int64_t)grace_ms);
	} else if (run_drain(&wl, (unsigned)p, (int64_t)idle_ms,
			     (int64_t)visible_by_ns,
			     now_ns() + 180 * 1000000000ll) != 0) {
		fprintf(stderr, "history_workload: drain did not finish\n");
		status = 1;
	}

out_after_client:
	/* Outstanding calls complete with ST_ERR_CONNECTION ("info"). */
	st_client_free(wl.client);
	printf("SUMMARY {\"ok\":%" PRIu64 ",\"fail\":%" PRIu64
	       ",\"info\":%" PRIu64 ",\"history_failed\":%s}\n",
	       wl.n_ok, wl.n_fail, wl.n_info,
	       wl.hist_failed ? "true" : "false");
	fflush(stdout);
	if (wl.hist_failed) {
		fprintf(stderr, "history_workload: writing %s failed\n",
			hist_path);
		status = 1;
	}
	for (int q = 0; q < 2; q++) {
		free(wl.queue_url[q]);
	}
out_after_hist:
	if (fclose(wl.hist) != 0) {
		status = 1;
	}
out_after_init:
	pthread_cond_destroy(&wl.cv);
	pthread_mutex_destroy(&wl.mu);
	return status;
}
