/* bench_sqs — `stratus-bench sqs`: the ../shared/peers queue workload
 * against the SQS service of a running cluster, with the peers' phases and
 * RESULT key names so that one table holds Stratus, RabbitMQ and NATS.
 *
 *   stratus-bench sqs [--phase all|produce|consume|mixed|paced|failover]
 *       [--endpoints E] [--cluster-script PATH] [--n N] [--producers P]
 *       [--consumers C] [--receivers K] [--window W] [--mixed-secs S]
 *       [--rate R]
 *       [--fail-secs S] [--kill-at S] [--drain-idle S] [--queue NAME]
 *   (environment defaults, as the peers' run-all.sh: N, MIXED_SECS,
 *    LOWRATE, FAIL_SECS, KILL_AT)
 *
 * Workload (the peers'): 1 KiB bodies; P producers, each with up to W
 * unacknowledged SendMessage calls (st_call_async); C consumers, each a
 * client with K ReceiveMessage calls outstanding (default 26, so up to 260
 * messages requested at once — the peers' consumers prefetch 256;
 * MaxNumberOfMessages 10, WaitTimeSeconds 1), each answer followed by a
 * DeleteMessageBatch of what it got (at most 4 deletes outstanding per
 * receive call, like the peers' batched acks) and the next receive. SQS
 * bodies are text, so the body starts "<id hex16> <send time ns hex16> "
 * and is padded with 'x' to 1024 bytes.
 *
 * Phases: produce (N acknowledged sends: rate), consume (receive + delete
 * all of them: rate), mixed (producers and consumers for S seconds:
 * prod_rate, e2e_rate, send-to-receive latency percentiles), paced (mixed
 * at R msgs/s in total: the latency floor), failover (mixed on a fresh
 * queue; kill-at seconds in, the leader — found with `cluster.sh leader`
 * and `cluster.sh ps` — gets SIGKILL; producers stop at fail-secs; then
 * everything is drained and compared: recovery_ms = kill -> first
 * acknowledgement of a send issued after the kill, lost_confirmed =
 * acknowledged sends never received (must be 0), dup_deliveries; the
 * killed node is started again afterwards). After each phase: the
 * client's CPU (phase=clientcpu) and, for a local cluster, the nodes' CPU
 * per message (phase=nodecpu; see cpu_mark).
 *
 * Threads: one st_client and one thread per producer and consumer (one
 * connection set each, as the peers' clients have). Callbacks run on
 * libstratus threads: a send's touches atomics and its producer's window
 * (mutex + condvar, woken once per refill); a receive's records the
 * messages and sends the delete and the next receive itself (see
 * "consumers"). */
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "jsondoc.h"
#include "stratus.h"

#define MSG_SIZE	1024
#define MAX_IDS		(1u << 24) /* ids per run (bitmaps) */
#define MAX_THREADS	64
#define DELETE_WINDOW	4 /* outstanding DeleteMessageBatch per consumer */
#define SEND_JSON_BYTES 2048

struct sqs_opts {
	const char *endpoints;
	const char *cluster_script;
	const char *phase;
	const char *queue;
	long n;
	int producers, consumers, receivers, window;
	double mixed_s, rate, fail_s, kill_at_s, drain_idle_s, timeout_s;
};

/* ---- run state (one phase at a time) ----------------------------------- */

static struct sqs_opts O;
static char g_queue_url[512];
static _Atomic uint64_t *bm_confirmed, *bm_consumed;
static atomic_uint_fast64_t g_next_id;
static atomic_int_fast64_t g_tickets; /* produce: sends left to issue */
static atomic_uint_fast64_t g_published, g_confirmed, g_failed, g_consumed,
    g_consumed_unique, g_dups, g_win_consumed, g_recv_errors, g_del_errors;
static atomic_bool g_stop_prod, g_stop_cons;
static uint64_t g_t_start, g_t_end_window;
static double g_rate; /* total msgs/s the producers are paced to; 0 = unpaced */
static _Atomic uint64_t g_last_confirm_ns, g_last_consume_ns;
static _Atomic uint64_t g_t_kill, g_first_confirm_after_kill,
    g_first_any_confirm_after_kill, g_last_confirm_before_kill;
static char g_first_error[600];
static atomic_flag g_first_error_set = ATOMIC_FLAG_INIT;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until_ns(uint64_t due)
{
	uint64_t n = now_ns();

	if (due > n) {
		struct timespec ts = {(time_t)((due - n) / 1000000000ull),
				      (long)((due - n) % 1000000000ull)};
		nanosleep(&ts, NULL);
	}
}

static void note_error(const char *what, const st_error *err)
{
	if (!atomic_flag_test_and_set(&g_first_error_set)) {
		snprintf(g_first_error, sizeof g_first_error, "%s: %s: %s",
			 what, err ? err->name : "?", err ? err->message : "");
		fprintf(stderr, "stratus-bench sqs: first failure: %s\n",
			g_first_error);
	}
}

/* Set bit id; true if it was clear. */
static bool bm_set(_Atomic uint64_t *bm, uint64_t id)
{
	uint64_t bit = 1ull << (id & 63);

	if (id >= MAX_IDS) {
		return false;
	}
	return !(atomic_fetch_or(&bm[id >> 6], bit) & bit);
}

static void amax(_Atomic uint64_t *p, uint64_t v)
{
	uint64_t o = atomic_load(p);

	while (v > o && !atomic_compare_exchange_weak(p, &o, v)) {
	}
}

static void amin_nz(_Atomic uint64_t *p, uint64_t v)
{
	uint64_t o = atomic_load(p);

	while ((o == 0 || v < o) && !atomic_compare_exchange_weak(p, &o, v)) {
	}
}

static void reset_state(void)
{
	memset((void *)bm_confirmed, 0, MAX_IDS / 8);
	memset((void *)bm_consumed, 0, MAX_IDS / 8);
	atomic_store(&g_next_id, 0);
	atomic_store(&g_published, 0);
	atomic_store(&g_confirmed, 0);
	atomic_store(&g_failed, 0);
	atomic_store(&g_consumed, 0);
	atomic_store(&g_consumed_unique, 0);
	atomic_store(&g_dups, 0);
	atomic_store(&g_win_consumed, 0);
	atomic_store(&g_recv_errors, 0);
	atomic_store(&g_del_errors, 0);
	atomic_store(&g_stop_prod, false);
	atomic_store(&g_stop_cons, false);
	atomic_store(&g_last_confirm_ns, 0);
	atomic_store(&g_last_consume_ns, 0);
	atomic_store(&g_t_kill, 0);
	atomic_store(&g_first_confirm_after_kill, 0);
	atomic_store(&g_first_any_confirm_after_kill, 0);
	atomic_store(&g_last_confirm_before_kill, 0);
	g_t_end_window = 0;
}

/* ---- latency samples (one vector per consumer) ------------------------- */

/* STRATUS_BENCH_SLOW_MS: print each message of a paced run slower than
 * this (to see whether a latency tail comes in bursts). 0 = off. Paced
 * runs only: in an unpaced mixed run nearly every message is slower, and
 * its ~1 M lines (~100 MB) reached the disk ~30 s later (the kernel's dirty
 * expiry) — in the middle of the paced phase, where the nodes' log writes
 * queued behind them for 50-70 ms (BENCHMARKS.md, session 14). */
static uint64_t g_slow_ns;

struct lvec {
	uint32_t *us;
	size_t n, cap;
};

static void lvec_push(struct lvec *l, uint64_t ns)
{
	uint64_t us = ns / 1000;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 65536;
		uint32_t *v = realloc(l->us, cap * sizeof *v);
		if (v == NULL) {
			return; /* drop the sample rather than the run */
		}
		l->us = v;
		l->cap = cap;
	}
	l->us[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Merge the vectors; p[0..3] = p50, p99, p999, max in ms (-1: none). */
static void lat_report(struct lvec *ls, int k, double p[4])
{
	size_t tot = 0, o = 0;
	uint32_t *all;
	int i;

	p[0] = p[1] = p[2] = p[3] = -1;
	for (i = 0; i < k; i++) {
		tot += ls[i].n;
	}
	if (tot == 0 || (all = malloc(tot * sizeof *all)) == NULL) {
		return;
	}
	for (i = 0; i < k; i++) {
		memcpy(all + o, ls[i].us, ls[i].n * sizeof *all);
		o += ls[i].n;
	}
	qsort(all, tot, sizeof *all, cmp_u32);
	p[0] = all[(size_t)((double)tot * 0.50)] / 1000.0;
	p[1] = all[(size_t)((double)tot * 0.99)] / 1000.0;
	p[2] = all[(size_t)((double)tot * 0.999)] / 1000.0;
	p[3] = all[tot - 1] / 1000.0;
	free(all);
}

/* ---- clients ----------------------------------------------------------- */

static st_client *new_client(unsigned inflight)
{
	st_options so = {0};
	st_error err;
	st_client *c;

	so.max_inflight = inflight;
	/* A request stuck on a dead leader is retried on the next node after
	 * this long (the existing failover bench uses the same value). */
	so.request_timeout_ms = 1000;
	so.retry_deadline_ms = 60000;
	c = st_client_new(O.endpoints, &so, &err);
	if (c == NULL) {
		fprintf(stderr, "stratus-bench sqs: client: %s: %s\n", err.name,
			err.message);
	}
	return c;
}

/* ---- producers --------------------------------------------------------- */

struct producer {
	int idx;
	st_client *client;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int outstanding;
};

struct send_req {
	struct producer *p;
	uint64_t id, sent_ns;
};

static void on_confirm(uint64_t id, uint64_t sent_ns)
{
	uint64_t t = now_ns(), tk = atomic_load(&g_t_kill);

	if (bm_set(bm_confirmed, id)) {
		atomic_fetch_add(&g_confirmed, 1);
	}
	amax(&g_last_confirm_ns, t);
	if (tk != 0) {
		amin_nz(&g_first_any_confirm_after_kill, t);
		if (sent_ns > tk) {
			amin_nz(&g_first_confirm_after_kill, t);
		}
	} else {
		amax(&g_last_confirm_before_kill, t);
	}
}

/* Sends a producer whose window was full sends at once when it wakes. */
static int window_refill(void)
{
	return O.window >= 16 ? O.window / 8 : 1;
}

/* st_call_cb of SendMessage (library thread). */
static void send_done(void *arg, const st_error *err, const char *output)
{
	struct send_req *r = arg;
	struct producer *p = r->p;

	(void)output;
	if (err == NULL) {
		on_confirm(r->id, r->sent_ns);
	} else {
		atomic_fetch_add(&g_failed, 1);
		note_error("SendMessage", err);
	}
	free(r);
	pthread_mutex_lock(&p->mu);
	p->outstanding--;
	/* A full window waits for a refill's worth of room, not one slot
	 * per acknowledgement: one wake-up of the producer per refill, as
	 * the peers' producers read their confirms in bunches. */
	if (p->outstanding <= O.window - window_refill()) {
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
}

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	double per_rate = g_rate > 0 ? g_rate / O.producers : 0;
	uint64_t t0 = now_ns(), k = 0;
	char *json = malloc(SEND_JSON_BYTES);
	int head;

	head = snprintf(json, SEND_JSON_BYTES,
			"{\"QueueUrl\":\"%s\",\"MessageBody\":\"", g_queue_url);
	memset(json + head, 'x', MSG_SIZE);
	strcpy(json + head + MSG_SIZE, "\"}");
	while (!atomic_load(&g_stop_prod)) {
		struct send_req *r;
		char stamp[40];
		if (atomic_fetch_sub(&g_tickets, 1) <= 0) {
			break;
		}
		if (per_rate > 0) {
			sleep_until_ns(
			    t0 + (uint64_t)((double)k++ * 1e9 / per_rate));
		}
		pthread_mutex_lock(&p->mu);
		while (p->outstanding >= O.window &&
		       !atomic_load(&g_stop_prod)) {
			pthread_cond_wait(&p->cv, &p->mu);
		}
		p->outstanding++;
		pthread_mutex_unlock(&p->mu);
		if (atomic_load(&g_stop_prod)) {
			pthread_mutex_lock(&p->mu);
			p->outstanding--;
			pthread_mutex_unlock(&p->mu);
			break;
		}
		r = malloc(sizeof *r);
		r->p = p;
		r->id = atomic_fetch_add(&g_next_id, 1);
		r->sent_ns = now_ns();
		snprintf(stamp, sizeof stamp, "%016" PRIx64 " %016" PRIx64 " ",
			 r->id, r->sent_ns);
		memcpy(json + head, stamp, 34);
		if (st_call_async(p->client, "sqs", "SendMessage", json,
				  send_done, r) != 0) {
			free(r);
			atomic_fetch_add(&g_failed, 1);
			pthread_mutex_lock(&p->mu);
			p->outstanding--;
			pthread_mutex_unlock(&p->mu);
			continue;
		}
		atomic_fetch_add(&g_published, 1);
	}
	/* Every send ends acknowledged or failed (the library's deadline). */
	pthread_mutex_lock(&p->mu);
	while (p->outstanding > 0) {
		pthread_cond_wait(&p->cv, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	free(json);
	return NULL;
}

/* ---- consumers ---------------------------------------------------------
 * A consumer is one client that keeps K ReceiveMessage calls outstanding
 * (st_call_async). Each answer is recorded and its DeleteMessageBatch sent
 * from the callback, which then sends the next ReceiveMessage: like the
 * peers' consumers, a consumer is one thread's worth of work, not K threads
 * blocked in st_call (104 of them woke once per call and took a quarter of
 * this 2-core machine, which the nodes share). What a callback must not
 * wait for goes to the consumer's own thread, in the order a blocking
 * receive loop would have done it: a delete while DELETE_WINDOW deletes
 * per receive call are outstanding — and that call's next receive after
 * it, so deletes hold receives back as before — and a call the library
 * refuses from a callback (OverLimit: it would have to wait, e.g. while a
 * call still retrying after a failover holds the oldest seq). A failed
 * receive is sent again after a 20 ms pause. */

struct pending_delete {
	struct pending_delete *next;
	char *json;
};

struct consumer {
	int idx;
	st_client *client;
	struct lvec lat;
	char recv_json[700];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int receives; /* outstanding ReceiveMessage calls */
	int deletes;  /* outstanding DeleteMessageBatch calls */
	int deferred; /* receives the thread sends once no delete waits */
	int retries;  /* failed receives to send again after a pause */
	struct pending_delete *waiting, *waiting_tail; /* deletes, FIFO */
};

static void on_consume(const char *body, size_t len, struct consumer *c)
{
	uint64_t id = UINT64_MAX, t = 0, now = now_ns(), we;

	if (len >= 34) {
		id = strtoull(body, NULL, 16);
		t = strtoull(body + 17, NULL, 16);
	}
	atomic_fetch_add(&g_consumed, 1);
	amax(&g_last_consume_ns, now);
	if (bm_set(bm_consumed, id)) {
		atomic_fetch_add(&g_consumed_unique, 1);
	} else {
		atomic_fetch_add(&g_dups, 1);
	}
	we = g_t_end_window;
	if (we != 0 && now <= we && t >= g_t_start) {
		atomic_fetch_add(&g_win_consumed, 1);
		if (g_slow_ns != 0 && g_rate > 0 && now - t >= g_slow_ns) {
			fprintf(stderr,
				"stratus-bench sqs: slow: sent at t=%.3f s "
				"(CLOCK_MONOTONIC %.6f s), received after "
				"%.1f ms\n",
				(double)(t - g_t_start) / 1e9, (double)t / 1e9,
				(double)(now - t) / 1e6);
		}
		pthread_mutex_lock(&c->mu);
		lvec_push(&c->lat, now - t);
		pthread_mutex_unlock(&c->mu);
	}
}

/* Whether the consumer's thread has something to do. Caller holds mu. */
static bool consumer_work_locked(const struct consumer *c)
{
	return (c->waiting != NULL &&
		c->deletes < DELETE_WINDOW * O.receivers) ||
	       (c->deferred > 0 && c->waiting == NULL) || c->retries > 0 ||
	       atomic_load(&g_stop_cons);
}

static void delete_done(void *arg, const st_error *err, const char *output)
{
	struct consumer *c = arg;

	if (err != NULL) {
		atomic_fetch_add(&g_del_errors, 1);
		note_error("DeleteMessageBatch", err);
	} else if (output != NULL && strstr(output, "\"Failed\":[{") != NULL) {
		atomic_fetch_add(&g_del_errors, 1);
	}
	pthread_mutex_lock(&c->mu);
	c->deletes--;
	if (consumer_work_locked(c)) {
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
}

/* Leave a delete (json, taken) to the consumer's thread. Caller holds
 * c->mu. */
static void delete_park_locked(struct consumer *c, char *json)
{
	struct pending_delete *pd = malloc(sizeof *pd);

	if (pd == NULL) {
		free(json);
		atomic_fetch_add(&g_del_errors, 1);
		return;
	}
	pd->json = json;
	pd->next = NULL;
	if (c->waiting_tail != NULL) {
		c->waiting_tail->next = pd;
	} else {
		c->waiting = pd;
	}
	c->waiting_tail = pd;
	pthread_cond_signal(&c->cv);
}

/* Send a DeleteMessageBatch counted in c->deletes; json is taken. Returns
 * false when it was left to the consumer's thread instead (refused from a
 * callback). */
static bool delete_send(struct consumer *c, char *json)
{
	st_error err = {.name = "refused by the library"};
	int rc = st_call_async(c->client, "sqs", "DeleteMessageBatch", json,
			       delete_done, c);

	if (rc == ST_ERR_OVER_LIMIT) {
		pthread_mutex_lock(&c->mu);
		c->deletes--;
		delete_park_locked(c, json);
		pthread_mutex_unlock(&c->mu);
		return false;
	}
	free(json);
	if (rc != 0) {
		atomic_fetch_add(&g_del_errors, 1);
		note_error("DeleteMessageBatch", &err);
		pthread_mutex_lock(&c->mu);
		c->deletes--;
		if (consumer_work_locked(c)) {
			pthread_cond_signal(&c->cv);
		}
		pthread_mutex_unlock(&c->mu);
	}
	return true;
}

/* Delete now, or leave it to the consumer's thread (window full, or
 * refused): false then. */
static bool delete_submit(struct consumer *c, char *json)
{
	pthread_mutex_lock(&c->mu);
	if (c->waiting == NULL && c->deletes < DELETE_WINDOW * O.receivers) {
		c->deletes++;
		pthread_mutex_unlock(&c->mu);
		return delete_send(c, json);
	}
	delete_park_locked(c, json);
	pthread_mutex_unlock(&c->mu);
	return false;
}

/* One received message: its body and receipt handle (borrowed from the
 * answer). */
struct got {
	const char *body, *handle;
	size_t body_len, handle_len;
};

#define MAX_RECEIVED 10 /* MaxNumberOfMessages */

/* The DeleteMessageBatch input for the n received messages, written
 * directly with jsondoc's writer (malloc'd): building it as a jansson
 * document and printing it was ~15% of a consumer's CPU, which the peers'
 * consumers (an AMQP ack, a NATS ack) do not spend, and the consumers
 * share the machine with the nodes. NULL when out of memory. */
static char *delete_batch_json(const struct got *got, size_t n)
{
	struct jsondoc_out o = {0};
	char id[24];
	size_t i;

	JSONDOC_OUT_LIT(&o, "{\"QueueUrl\":");
	jsondoc_out_string(&o, g_queue_url, strlen(g_queue_url));
	JSONDOC_OUT_LIT(&o, ",\"Entries\":[");
	for (i = 0; i < n; i++) {
		int k = snprintf(id, sizeof id, "%s{\"Id\":\"%zu\"",
				 i > 0 ? "," : "", i);
		jsondoc_out_raw(&o, id, (size_t)k);
		JSONDOC_OUT_LIT(&o, ",\"ReceiptHandle\":");
		jsondoc_out_string(&o, got[i].handle, got[i].handle_len);
		JSONDOC_OUT_LIT(&o, "}");
	}
	JSONDOC_OUT_LIT(&o, "]}");
	return jsondoc_out_finish(&o, NULL);
}

/* The string value of the next key (given with its quotes, colon and
 * the value's opening quote) at or after *p: 1, 0 when there is none, -1
 * when it holds an escape. */
static int next_plain_value(const char **p, const char *key, const char **v,
			    size_t *len)
{
	const char *k = strstr(*p, key), *s, *e;

	if (k == NULL) {
		return 0;
	}
	s = k + strlen(key);
	if ((e = strchr(s, '"')) == NULL || memchr(s, '\\', (size_t)(e - s))) {
		return -1;
	}
	*v = s;
	*len = (size_t)(e - s);
	*p = e + 1;
	return 1;
}

/* The messages of a ReceiveMessage answer, found in its text without
 * building a document (a jansson parse of ten 1 KiB messages was most of
 * a consumer's CPU): the nodes print each message's keys sorted, so
 * "Body" comes before "ReceiptHandle", and the bench's bodies and the
 * handles need no escapes. -1 when the answer is not like that; the
 * caller then parses it. */
static int scan_answer(const char *out, struct got *got)
{
	const char *p = out, *body;
	size_t body_len;
	int n = 0, rc;

	while ((rc = next_plain_value(&p, "\"Body\":\"", &body, &body_len)) >
	       0) {
		if (n == MAX_RECEIVED ||
		    next_plain_value(&p, "\"ReceiptHandle\":\"", &got[n].handle,
				     &got[n].handle_len) <= 0) {
			return -1;
		}
		got[n].body = body;
		got[n].body_len = body_len;
		n++;
	}
	return rc < 0 || strstr(p, "\"ReceiptHandle\":\"") != NULL ? -1 : n;
}

/* The messages of a ReceiveMessage answer, parsed (*doc holds them). */
static int parse_answer(const char *out, struct got *got, json_t **doc)
{
	json_t *msgs, *m;
	size_t i;

	*doc = jsondoc_parse(out, strlen(out));
	msgs = *doc ? json_object_get(*doc, "Messages") : NULL;
	if (json_array_size(msgs) > MAX_RECEIVED) {
		return -1;
	}
	json_array_foreach(msgs, i, m)
	{
		const json_t *b = json_object_get(m, "Body");
		const json_t *h = json_object_get(m, "ReceiptHandle");
		got[i].body = json_string_value(b) ? json_string_value(b) : "";
		got[i].body_len = json_string_length(b);
		got[i].handle =
		    json_string_value(h) ? json_string_value(h) : "";
		got[i].handle_len = json_string_length(h);
	}
	return (int)json_array_size(msgs);
}

/* Record the messages of a ReceiveMessage answer and delete them; false
 * when the delete was left to the consumer's thread. */
static bool consume_answer(struct consumer *c, const char *out)
{
	struct got got[MAX_RECEIVED];
	json_t *doc = NULL;
	char *del_json;
	int i, n = scan_answer(out, got);

	if (n < 0) {
		n = parse_answer(out, got, &doc);
	}
	if (n <= 0) {
		if (n < 0) {
			atomic_fetch_add(&g_recv_errors, 1);
		}
		json_decref(doc);
		return true;
	}
	for (i = 0; i < n; i++) {
		on_consume(got[i].body, got[i].body_len, c);
	}
	del_json = delete_batch_json(got, (size_t)n);
	json_decref(doc);
	if (del_json == NULL) {
		atomic_fetch_add(&g_del_errors, 1);
		return true;
	}
	return delete_submit(c, del_json);
}

static void receive_done(void *arg, const st_error *err, const char *output);

/* Send a ReceiveMessage already counted in c->receives. Refused from a
 * callback: the consumer's thread sends it; refused otherwise: sent again
 * after a pause. */
static void receive_send(struct consumer *c)
{
	int rc = st_call_async(c->client, "sqs", "ReceiveMessage", c->recv_json,
			       receive_done, c);

	if (rc == 0) {
		return;
	}
	pthread_mutex_lock(&c->mu);
	c->receives--;
	if (rc == ST_ERR_OVER_LIMIT) {
		c->deferred++;
	} else {
		st_error err = {.name = "refused by the library"};
		atomic_fetch_add(&g_recv_errors, 1);
		note_error("ReceiveMessage", &err);
		c->retries++;
	}
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static void receive_done(void *arg, const st_error *err, const char *output)
{
	struct consumer *c = arg;
	bool deleted = true, again;

	if (err != NULL) {
		atomic_fetch_add(&g_recv_errors, 1);
		note_error("ReceiveMessage", err);
	} else {
		deleted = consume_answer(c, output);
	}
	pthread_mutex_lock(&c->mu);
	again = !atomic_load(&g_stop_cons) && err == NULL && deleted;
	if (!again) {
		/* Stopping: done. Failed: again after a pause. Its delete
		 * parked: again after that delete. */
		bool stop = atomic_load(&g_stop_cons);

		c->receives--;
		c->retries += !stop && err != NULL;
		c->deferred += !stop && err == NULL;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	if (again) {
		receive_send(c);
	}
}

/* Send n receives (counted here). Caller holds c->mu; released meanwhile. */
static void receives_send_locked(struct consumer *c, int n)
{
	c->receives += n;
	pthread_mutex_unlock(&c->mu);
	while (n-- > 0) {
		receive_send(c);
	}
	pthread_mutex_lock(&c->mu);
}

/* A consumer's thread: starts its receive calls, then sends what the
 * callbacks left to it until the stop, and waits for every call. */
static void *consumer_main(void *arg)
{
	struct consumer *c = arg;

	snprintf(c->recv_json, sizeof c->recv_json,
		 "{\"QueueUrl\":\"%s\",\"MaxNumberOfMessages\":10,"
		 "\"WaitTimeSeconds\":1}",
		 g_queue_url);
	pthread_mutex_lock(&c->mu);
	receives_send_locked(c, O.receivers);
	for (;;) {
		bool stop = atomic_load(&g_stop_cons);

		if (c->waiting != NULL &&
		    c->deletes < DELETE_WINDOW * O.receivers) {
			struct pending_delete *pd = c->waiting;
			if ((c->waiting = pd->next) == NULL) {
				c->waiting_tail = NULL;
			}
			c->deletes++;
			pthread_mutex_unlock(&c->mu);
			delete_send(c, pd->json);
			free(pd);
			pthread_mutex_lock(&c->mu);
		} else if (c->deferred > 0 && c->waiting == NULL) {
			int n = c->deferred;
			c->deferred = 0;
			if (!stop) {
				receives_send_locked(c, n);
			}
		} else if (c->retries > 0) {
			int n = c->retries;
			c->retries = 0;
			pthread_mutex_unlock(&c->mu);
			usleep(20000);
			pthread_mutex_lock(&c->mu);
			if (!atomic_load(&g_stop_cons)) {
				receives_send_locked(c, n);
			}
		} else if (stop && c->receives == 0 && c->deletes == 0 &&
			   c->waiting == NULL) {
			break;
		} else {
			pthread_cond_wait(&c->cv, &c->mu);
		}
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* ---- queue setup and inspection --------------------------------------- */

static st_client *g_admin;

/* Create the queue (idempotent) and purge nothing: each phase that needs
 * an empty queue gets a fresh name. */
static int create_queue(const char *name, const char *attrs_json)
{
	char in[512], *out = NULL;
	st_error err;
	json_t *doc;

	snprintf(in, sizeof in, "{\"QueueName\":\"%s\"%s%s}", name,
		 attrs_json ? ",\"Attributes\":" : "",
		 attrs_json ? attrs_json : "");
	if (st_call(g_admin, "sqs", "CreateQueue", in, &out, &err) != 0) {
		fprintf(stderr, "stratus-bench sqs: CreateQueue %s: %s: %s\n",
			name, err.name, err.message);
		return -1;
	}
	doc = json_loads(out, 0, NULL);
	st_free(out);
	if (doc == NULL || !json_is_string(json_object_get(doc, "QueueUrl"))) {
		json_decref(doc);
		fprintf(stderr,
			"stratus-bench sqs: CreateQueue: no QueueUrl\n");
		return -1;
	}
	snprintf(g_queue_url, sizeof g_queue_url, "%s",
		 json_string_value(json_object_get(doc, "QueueUrl")));
	json_decref(doc);
	return 0;
}

/* Messages left (visible + in flight + delayed), -1 unknown. */
static int64_t remaining(void)
{
	char in[700], *out = NULL;
	st_error err;
	json_t *doc, *a;
	int64_t n = 0;
	const char *names[] = {"ApproximateNumberOfMessages",
			       "ApproximateNumberOfMessagesNotVisible",
			       "ApproximateNumberOfMessagesDelayed"};
	size_t i;

	snprintf(in, sizeof in,
		 "{\"QueueUrl\":\"%s\",\"AttributeNames\":[\"All\"]}",
		 g_queue_url);
	if (st_call(g_admin, "sqs", "GetQueueAttributes", in, &out, &err) !=
	    0) {
		return -1;
	}
	doc = json_loads(out, 0, NULL);
	st_free(out);
	a = doc ? json_object_get(doc, "Attributes") : NULL;
	if (a == NULL) {
		json_decref(doc);
		return -1;
	}
	for (i = 0; i < 3; i++) {
		const char *v = json_string_value(json_object_get(a, names[i]));
		n += v ? strtoll(v, NULL, 10) : 0;
	}
	json_decref(doc);
	return n;
}

/* ---- threads ----------------------------------------------------------- */

static struct producer g_prod[MAX_THREADS];
static struct consumer g_cons[MAX_THREADS];
static pthread_t g_pt[MAX_THREADS], g_ct[MAX_THREADS];

static int start_producers(void)
{
	int i;

	for (i = 0; i < O.producers; i++) {
		struct producer *p = &g_prod[i];
		p->idx = i;
		p->outstanding = 0;
		p->client = new_client((unsigned)O.window + 16);
		if (p->client == NULL) {
			return -1;
		}
		pthread_mutex_init(&p->mu, NULL);
		pthread_cond_init(&p->cv, NULL);
		pthread_create(&g_pt[i], NULL, producer_main, p);
	}
	return 0;
}

static void join_producers(void)
{
	int i;

	for (i = 0; i < O.producers; i++) {
		/* Wake a producer waiting for a window slot to see the stop. */
		pthread_mutex_lock(&g_prod[i].mu);
		pthread_cond_broadcast(&g_prod[i].cv);
		pthread_mutex_unlock(&g_prod[i].mu);
		pthread_join(g_pt[i], NULL);
		st_client_free(g_prod[i].client);
		pthread_mutex_destroy(&g_prod[i].mu);
		pthread_cond_destroy(&g_prod[i].cv);
	}
}

static int start_consumers(void)
{
	int i;

	for (i = 0; i < O.consumers; i++) {
		struct consumer *c = &g_cons[i];
		c->idx = i;
		c->receives = c->deletes = c->deferred = c->retries = 0;
		c->waiting = c->waiting_tail = NULL;
		c->lat.n = 0;
		c->client = new_client(
		    (unsigned)((DELETE_WINDOW + 1) * O.receivers + 4));
		if (c->client == NULL) {
			return -1;
		}
		pthread_mutex_init(&c->mu, NULL);
		pthread_cond_init(&c->cv, NULL);
		pthread_create(&g_ct[i], NULL, consumer_main, c);
	}
	return 0;
}

static void join_consumers(void)
{
	int i;

	atomic_store(&g_stop_cons, true);
	for (i = 0; i < O.consumers; i++) {
		pthread_mutex_lock(&g_cons[i].mu);
		pthread_cond_broadcast(&g_cons[i].cv);
		pthread_mutex_unlock(&g_cons[i].mu);
	}
	for (i = 0; i < O.consumers; i++) {
		pthread_join(g_ct[i], NULL);
		st_client_free(g_cons[i].client);
		pthread_mutex_destroy(&g_cons[i].mu);
		pthread_cond_destroy(&g_cons[i].cv);
	}
}

/* Let consumers run until expect_unique ids are consumed, or nothing came
 * for idle_s and the queue reports nothing left, or hard_s passed. */
static void wait_consumers(uint64_t expect_unique, double idle_s, double hard_s)
{
	uint64_t t0 = now_ns();

	for (;;) {
		uint64_t n, last;
		usleep(5000);
		n = now_ns();
		if (expect_unique &&
		    atomic_load(&g_consumed_unique) >= expect_unique) {
			break;
		}
		if ((double)(n - t0) / 1e9 > hard_s) {
			fprintf(stderr,
				"stratus-bench sqs: drain hit the hard "
				"limit (%.0f s)\n",
				hard_s);
			break;
		}
		last = atomic_load(&g_last_consume_ns);
		if (last < t0) {
			last = t0;
		}
		if ((double)(n - last) / 1e9 > idle_s) {
			int64_t left = remaining();
			if (left <= 0) {
				break;
			}
			/* In flight messages come back after their
			 * visibility timeout: keep draining. */
			usleep(500000);
		}
	}
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int cluster_sh(const char *args, char *out, size_t out_size);

/* CPU time at a phase's start: the client's (getrusage) and each local
 * node's, from /proc/PID/stat of the pids `cluster.sh ps` lists (none
 * when that fails: a cluster elsewhere). A node's CPU per message is far
 * less noisy on a shared machine than the rate, and the followers' share
 * shows what apply costs. */
#define MAX_NODES 16

struct cpu_mark {
	double client_s;
	int n_nodes;
	long pid[MAX_NODES];
	double node_s[MAX_NODES];
};

/* utime + stime of pid in seconds, or -1 (gone). */
static double proc_cpu_s(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	size_t n;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL) {
		return -1;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after "pid (comm) ": state is field 3, utime 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
		   &st) != 2) {
		return -1;
	}
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void cpu_mark_take(struct cpu_mark *m)
{
	char out[4096];
	const char *at = out;

	memset(m, 0, sizeof *m);
	if (cluster_sh("ps 2>/dev/null", out, sizeof out) != 0) {
		out[0] = '\0';
	}
	while (m->n_nodes < MAX_NODES &&
	       (at = strstr(at, "running (pid ")) != NULL) {
		long pid = strtol(at + strlen("running (pid "), NULL, 10);
		double s = proc_cpu_s(pid);

		at++;
		if (pid > 0 && s >= 0) {
			m->pid[m->n_nodes] = pid;
			m->node_s[m->n_nodes++] = s;
		}
	}
	m->client_s = cpu_s();
}

/* The phase's CPU lines: the client's, and (with local nodes, msgs > 0)
 * the nodes' per message: all of them together and the busiest one (the
 * leader, as a rule). */
static void report_cpu(const char *phase, const struct cpu_mark *m0,
		       uint64_t t0, uint64_t msgs)
{
	double wall = (double)(now_ns() - t0) / 1e9,
	       cpu = cpu_s() - m0->client_s, total = 0, busiest = 0;
	int i, n = 0;

	printf("RESULT peer=stratus phase=clientcpu mode=%s cpu_s=%.2f "
	       "wall_s=%.2f cores_used=%.2f\n",
	       phase, cpu, wall, wall > 0 ? cpu / wall : 0);
	for (i = 0; i < m0->n_nodes; i++) {
		double s = proc_cpu_s(m0->pid[i]);

		if (s >= 0) {
			total += s - m0->node_s[i];
			busiest = s - m0->node_s[i] > busiest
				      ? s - m0->node_s[i]
				      : busiest;
			n++;
		}
	}
	if (n > 0 && msgs > 0) {
		printf("RESULT peer=stratus phase=nodecpu mode=%s nodes=%d "
		       "cpu_s=%.2f us_per_msg=%.1f busiest_us_per_msg=%.1f "
		       "others_us_per_msg=%.1f\n",
		       phase, n, total, total * 1e6 / (double)msgs,
		       busiest * 1e6 / (double)msgs,
		       n > 1 ? (total - busiest) * 1e6 / (double)msgs /
				   (double)(n - 1)
			     : 0.0);
	}
	fflush(stdout);
}

/* ---- phases ------------------------------------------------------------ */

static int phase_produce(void)
{
	struct cpu_mark m0;
	double secs;

	cpu_mark_take(&m0);
	reset_state();
	atomic_store(&g_tickets, O.n);
	g_t_start = now_ns();
	if (start_producers() != 0) {
		return -1;
	}
	join_producers();
	secs = (double)(atomic_load(&g_last_confirm_ns) - g_t_start) / 1e9;
	printf("RESULT peer=stratus phase=produce n=%ld producers=%d "
	       "window=%d published=%" PRIuFAST64 " confirmed=%" PRIuFAST64
	       " failed=%" PRIuFAST64 " secs=%.3f rate=%.0f\n",
	       O.n, O.producers, O.window, atomic_load(&g_published),
	       atomic_load(&g_confirmed), atomic_load(&g_failed), secs,
	       secs > 0 ? (double)atomic_load(&g_confirmed) / secs : 0);
	report_cpu("produce", &m0, g_t_start, atomic_load(&g_confirmed));
	return 0;
}

static int phase_consume(void)
{
	struct cpu_mark m0;
	double secs;

	cpu_mark_take(&m0);
	/* produce left the ids in bm_confirmed; keep them, reset the rest */
	atomic_store(&g_consumed, 0);
	atomic_store(&g_consumed_unique, 0);
	atomic_store(&g_dups, 0);
	memset((void *)bm_consumed, 0, MAX_IDS / 8);
	g_t_end_window = 0;
	atomic_store(&g_stop_cons, false);
	g_t_start = now_ns();
	if (start_consumers() != 0) {
		return -1;
	}
	wait_consumers((uint64_t)O.n, O.drain_idle_s, O.timeout_s);
	join_consumers();
	secs = (double)(atomic_load(&g_last_consume_ns) - g_t_start) / 1e9;
	printf("RESULT peer=stratus phase=consume n=%ld consumers=%d "
	       "prefetch=%d consumed=%" PRIuFAST64 " unique=%" PRIuFAST64
	       " dups=%" PRIuFAST64 " reconnects=0 recv_errors=%" PRIuFAST64
	       " delete_errors=%" PRIuFAST64 " secs=%.3f rate=%.0f\n",
	       O.n, O.consumers, 10 * O.receivers, atomic_load(&g_consumed),
	       atomic_load(&g_consumed_unique), atomic_load(&g_dups),
	       atomic_load(&g_recv_errors), atomic_load(&g_del_errors), secs,
	       secs > 0 ? (double)atomic_load(&g_consumed_unique) / secs : 0);
	report_cpu("consume", &m0, g_t_start, atomic_load(&g_consumed_unique));
	return 0;
}

static int phase_mixed(double rate)
{
	struct cpu_mark m0;
	double p[4];
	uint64_t conf_at_end, win;

	cpu_mark_take(&m0);
	reset_state();
	g_rate = rate;
	atomic_store(&g_tickets, INT64_MAX / 2);
	g_t_start = now_ns();
	g_t_end_window = g_t_start + (uint64_t)(O.mixed_s * 1e9);
	if (start_consumers() != 0 || start_producers() != 0) {
		return -1;
	}
	sleep_until_ns(g_t_end_window);
	atomic_store(&g_stop_prod, true);
	conf_at_end = atomic_load(&g_confirmed);
	join_producers();
	wait_consumers(atomic_load(&g_confirmed), 2.0, 60);
	join_consumers();
	g_rate = 0;
	{
		struct lvec ls[MAX_THREADS];
		int i;
		for (i = 0; i < O.consumers; i++) {
			ls[i] = g_cons[i].lat;
		}
		lat_report(ls, O.consumers, p);
	}
	win = atomic_load(&g_win_consumed);
	printf("RESULT peer=stratus phase=mixed secs=%.0f producers=%d "
	       "consumers=%d window=%d target_rate=%.0f "
	       "confirmed_in_window=%" PRIu64 " consumed_in_window=%" PRIu64
	       " prod_rate=%.0f e2e_rate=%.0f "
	       "rate=%.0f lat_p50_ms=%.2f lat_p99_ms=%.2f lat_p999_ms=%.2f "
	       "lat_max_ms=%.2f drained_total=%" PRIuFAST64
	       " confirmed_total=%" PRIuFAST64 " dups=%" PRIuFAST64
	       " failed=%" PRIuFAST64 " reconnects=0\n",
	       O.mixed_s, O.producers, O.consumers, O.window, rate, conf_at_end,
	       win, (double)conf_at_end / O.mixed_s, (double)win / O.mixed_s,
	       (double)win / O.mixed_s, p[0], p[1], p[2], p[3],
	       atomic_load(&g_consumed_unique), atomic_load(&g_confirmed),
	       atomic_load(&g_dups), atomic_load(&g_failed));
	report_cpu(rate > 0 ? "paced" : "mixed", &m0, g_t_start,
		   atomic_load(&g_consumed_unique));
	return 0;
}

/* Run a cluster.sh command; its stdout (first 4 KiB) into out. 0 or -1. */
static int cluster_sh(const char *args, char *out, size_t out_size)
{
	char cmd[1024];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof cmd, "%s %s", O.cluster_script, args);
	p = popen(cmd, "r");
	if (p == NULL) {
		return -1;
	}
	if (out != NULL && out_size > 0) {
		n = fread(out, 1, out_size - 1, p);
		out[n] = '\0';
	}
	while (fread(cmd, 1, sizeof cmd, p) > 0) {
	}
	return pclose(p) == 0 ? 0 : -1;
}

/* The leader's node index and pid (from cluster.sh leader and ps). */
static int find_leader(long *node, long *pid)
{
	char out[4096], *line, key[64];

	if (cluster_sh("leader", out, sizeof out) != 0) {
		return -1;
	}
	*node = strtol(out, NULL, 10);
	if (*node <= 0 || cluster_sh("ps", out, sizeof out) != 0) {
		return -1;
	}
	snprintf(key, sizeof key, "node %ld: running (pid ", *node);
	line = strstr(out, key);
	if (line == NULL) {
		return -1;
	}
	*pid = strtol(line + strlen(key), NULL, 10);
	return *pid > 0 ? 0 : -1;
}

static int phase_failover(void)
{
	struct cpu_mark m0;
	double prod_s;
	long node = -1, pid = -1;
	uint64_t kill_due, lost = 0, extra = 0, confirmed = 0, w, tk, fc, fa,
			   lc;
	int tick;
	char cmd[64];

	cpu_mark_take(&m0);
	reset_state();
	atomic_store(&g_tickets, INT64_MAX / 2);
	g_t_start = now_ns();
	kill_due = g_t_start + (uint64_t)(O.kill_at_s * 1e9);
	if (start_consumers() != 0 || start_producers() != 0) {
		return -1;
	}
	for (tick = 1; tick <= (int)(O.fail_s * 2); tick++) {
		uint64_t due = g_t_start + (uint64_t)tick * 500000000ull;
		if (node < 0 && kill_due < due) {
			/* find the leader just before the kill is due */
			sleep_until_ns(kill_due > 400000000ull
					   ? kill_due - 400000000ull
					   : kill_due);
			if (find_leader(&node, &pid) != 0) {
				fprintf(stderr, "stratus-bench sqs: no leader "
						"to kill\n");
				node = 0;
			} else {
				sleep_until_ns(kill_due);
				struct timespec wall;
				atomic_store(&g_t_kill, now_ns());
				kill((pid_t)pid, SIGKILL);
				clock_gettime(CLOCK_REALTIME, &wall);
				fprintf(stderr,
					"stratus-bench sqs: SIGKILL node %ld "
					"(pid %ld) at wall %lld.%03ld, "
					"t=%.3f s\n",
					node, pid, (long long)wall.tv_sec,
					wall.tv_nsec / 1000000,
					(double)(atomic_load(&g_t_kill) -
						 g_t_start) /
					    1e9);
			}
		}
		sleep_until_ns(due);
		fprintf(stderr,
			"stratus-bench sqs: t=%4.1fs published=%" PRIuFAST64
			" confirmed=%" PRIuFAST64 " failed=%" PRIuFAST64
			" consumed=%" PRIuFAST64 "\n",
			tick / 2.0, atomic_load(&g_published),
			atomic_load(&g_confirmed), atomic_load(&g_failed),
			atomic_load(&g_consumed));
	}
	atomic_store(&g_stop_prod, true);
	join_producers();
	prod_s = (double)(now_ns() - g_t_start) / 1e9;
	fprintf(stderr, "stratus-bench sqs: producers done, draining\n");
	wait_consumers(0, O.drain_idle_s, O.timeout_s);
	join_consumers();
	for (w = 0; w < MAX_IDS / 64; w++) {
		uint64_t c = atomic_load(&bm_confirmed[w]);
		uint64_t d = atomic_load(&bm_consumed[w]);
		confirmed += (uint64_t)__builtin_popcountll(c);
		lost += (uint64_t)__builtin_popcountll(c & ~d);
		extra += (uint64_t)__builtin_popcountll(d & ~c);
	}
	tk = atomic_load(&g_t_kill);
	fc = atomic_load(&g_first_confirm_after_kill);
	fa = atomic_load(&g_first_any_confirm_after_kill);
	lc = atomic_load(&g_last_confirm_before_kill);
	printf("RESULT peer=stratus phase=failover kill_pid=%ld "
	       "killed_node=%ld recovery_ms=%.1f first_ack_ms=%.1f "
	       "confirm_gap_ms=%.1f "
	       "published=%" PRIuFAST64 " confirmed=%" PRIu64
	       " failed_or_unconfirmed=%" PRIu64 " consumed_unique=%" PRIuFAST64
	       " lost_confirmed=%" PRIu64 " unconfirmed_but_delivered=%" PRIu64
	       " dup_deliveries=%" PRIuFAST64 " duplicates=%" PRIuFAST64
	       " nacked=%" PRIuFAST64 " dropped_unacked=0 reconnects=0 "
	       "prod_secs=%.1f left=%" PRId64 "\n",
	       pid, node, fc && tk ? (double)(fc - tk) / 1e6 : -1.0,
	       fa && tk ? (double)(fa - tk) / 1e6 : -1.0,
	       fc && lc ? (double)(fc - lc) / 1e6 : -1.0,
	       atomic_load(&g_published), confirmed,
	       atomic_load(&g_published) - confirmed,
	       atomic_load(&g_consumed_unique), lost, extra,
	       atomic_load(&g_dups), atomic_load(&g_dups),
	       atomic_load(&g_failed), prod_s, remaining());
	/* No node line: the leader was killed and started again. */
	report_cpu("failover", &m0, g_t_start, 0);
	if (node > 0) {
		/* bring the cluster back to full strength */
		snprintf(cmd, sizeof cmd, "start %ld >&2", node);
		for (tick = 0; tick < 20 && cluster_sh(cmd, NULL, 0) != 0;
		     tick++) {
			sleep(1);
		}
	}
	return lost == 0 ? 0 : 1;
}

/* ---- entry ------------------------------------------------------------- */

static double env_num(const char *name, double def)
{
	const char *v = getenv(name);

	return v && *v ? strtod(v, NULL) : def;
}

static void sqs_usage(void)
{
	fputs("usage: stratus-bench sqs [--phase all|produce|consume|mixed|"
	      "paced|failover] [--endpoints E] [--cluster-script PATH] "
	      "[--n N] [--producers P] [--consumers C] [--receivers K] "
	      "[--window W] "
	      "[--mixed-secs S] [--rate R] [--fail-secs S] [--kill-at S] "
	      "[--drain-idle S] [--timeout S] [--queue NAME]\n"
	      "  environment defaults: N MIXED_SECS LOWRATE FAIL_SECS "
	      "KILL_AT\n",
	      stderr);
}

int bench_sqs_main(int argc, char **argv)
{
	char qname[80];
	bool all;
	int i, rc = 0;

	g_slow_ns = (uint64_t)(env_num("STRATUS_BENCH_SLOW_MS", 0) * 1e6);
	O = (struct sqs_opts){
	    .endpoints = getenv("STRATUS_ENDPOINTS"),
	    .cluster_script = "deploy/cluster.sh",
	    .phase = "all",
	    .queue = "bench",
	    .n = (long)env_num("N", 50000),
	    .producers = 4,
	    .consumers = 4,
	    .receivers = (int)env_num("RECEIVERS", 26),
	    .window = 256,
	    .mixed_s = env_num("MIXED_SECS", 20),
	    .rate = env_num("LOWRATE", 1000),
	    .fail_s = env_num("FAIL_SECS", 20),
	    .kill_at_s = env_num("KILL_AT", 5),
	    .drain_idle_s = 5,
	    .timeout_s = 180,
	};
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL) {
			sqs_usage();
			return 2;
		}
		if (!strcmp(a, "--endpoints")) {
			O.endpoints = v;
		} else if (!strcmp(a, "--cluster-script")) {
			O.cluster_script = v;
		} else if (!strcmp(a, "--phase")) {
			O.phase = v;
		} else if (!strcmp(a, "--queue")) {
			O.queue = v;
		} else if (!strcmp(a, "--n")) {
			O.n = strtol(v, NULL, 10);
		} else if (!strcmp(a, "--producers")) {
			O.producers = atoi(v);
		} else if (!strcmp(a, "--consumers")) {
			O.consumers = atoi(v);
		} else if (!strcmp(a, "--receivers")) {
			O.receivers = atoi(v);
		} else if (!strcmp(a, "--window")) {
			O.window = atoi(v);
		} else if (!strcmp(a, "--mixed-secs")) {
			O.mixed_s = strtod(v, NULL);
		} else if (!strcmp(a, "--rate")) {
			O.rate = strtod(v, NULL);
		} else if (!strcmp(a, "--fail-secs")) {
			O.fail_s = strtod(v, NULL);
		} else if (!strcmp(a, "--kill-at")) {
			O.kill_at_s = strtod(v, NULL);
		} else if (!strcmp(a, "--drain-idle")) {
			O.drain_idle_s = strtod(v, NULL);
		} else if (!strcmp(a, "--timeout")) {
			O.timeout_s = strtod(v, NULL);
		} else {
			sqs_usage();
			return 2;
		}
		i++;
	}
	if (O.endpoints == NULL) {
		O.endpoints = "tcp://127.0.0.1:7111,tcp://127.0.0.1:7121,"
			      "tcp://127.0.0.1:7131";
	}
	if (O.producers < 1 || O.producers > MAX_THREADS || O.consumers < 1 ||
	    O.consumers > MAX_THREADS || O.receivers < 1 ||
	    O.receivers > MAX_THREADS || O.window < 1 || O.n < 1 ||
	    O.n >= (long)MAX_IDS || O.mixed_s <= 0) {
		sqs_usage();
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	bm_confirmed = calloc(MAX_IDS / 64, sizeof *bm_confirmed);
	bm_consumed = calloc(MAX_IDS / 64, sizeof *bm_consumed);
	g_admin = new_client(16);
	if (bm_confirmed == NULL || bm_consumed == NULL || g_admin == NULL) {
		return 1;
	}
	all = !strcmp(O.phase, "all");
	/* Every run uses fresh queues (name + time), so no phase sees
	 * another run's leftovers. */
	snprintf(qname, sizeof qname, "%s-%ld", O.queue, (long)time(NULL));
	if (all || !strcmp(O.phase, "produce") || !strcmp(O.phase, "consume")) {
		if (create_queue(qname, NULL) != 0) {
			return 1;
		}
		if (all || !strcmp(O.phase, "produce")) {
			rc |= phase_produce();
		}
		if (all || !strcmp(O.phase, "consume")) {
			if (!all) {
				/* consume alone: fill the queue first */
				phase_produce();
			}
			rc |= phase_consume();
		}
	}
	if (all || !strcmp(O.phase, "mixed")) {
		snprintf(qname, sizeof qname, "%s-mixed-%ld", O.queue,
			 (long)time(NULL));
		rc |= create_queue(qname, NULL) ?: phase_mixed(0);
	}
	if (all || !strcmp(O.phase, "paced")) {
		snprintf(qname, sizeof qname, "%s-paced-%ld", O.queue,
			 (long)time(NULL));
		rc |= create_queue(qname, NULL) ?: phase_mixed(O.rate);
	}
	if (all || !strcmp(O.phase, "failover")) {
		/* A message whose ReceiveMessage answer was lost in the
		 * failover is invisible until its visibility timeout: 5 s
		 * keeps the drain short. */
		snprintf(qname, sizeof qname, "%s-failover-%ld", O.queue,
			 (long)time(NULL));
		rc |= create_queue(qname, "{\"VisibilityTimeout\":\"5\"}")
			  ?: phase_failover();
	}
	st_client_free(g_admin);
	free((void *)bm_confirmed);
	free((void *)bm_consumed);
	return rc ? 1 : 0;
}
