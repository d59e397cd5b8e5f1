/* test_client — libstratus against fake nodes.
 *
 * A fake node is an nng REP socket on tcp://127.0.0.1:<ephemeral port>,
 * served by one thread that decodes each Request with wire_request_decode,
 * logs (client_id, seq, ops) and answers per its script: a tiny KV store,
 * NOT_LEADER naming another node, UNAVAILABLE a few times first, silence,
 * garbage, or a CLUSTER_STATUS view. Each test states the property it
 * checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/util/platform.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stratus.h"
#include "wire.h"

/* ---- the fake node ------------------------------------------------------- */

enum fake_mode {
	FAKE_KV,	 /* answer like a leader with a KV store */
	FAKE_NOT_LEADER, /* NOT_LEADER with leader_address */
	FAKE_SILENT,	 /* receive, never answer */
	FAKE_GARBAGE,	 /* answer bytes that are not a Response */
	FAKE_NO_RESULTS	 /* answer OK with no results */
};

struct fake_log {
	uint64_t client_id;
	uint64_t seq;
	uint64_t seq_floor;
	size_t n_ops;
	enum wire_op_type type; /* of ops[0] */
};

struct fake_kv {
	char *key;
	uint8_t *value;
	size_t len;
};

#define FAKE_MAX_STATUS 4

struct fake {
	nng_socket sock;
	char url[64];
	pthread_t thread;
	atomic_bool stop;
	enum fake_mode mode;
	atomic_int unavailable_first; /* UNAVAILABLE to this many first */
	char leader_address[64];      /* FAKE_NOT_LEADER ("" = unknown) */
	/* CLUSTER_STATUS answer (any mode but SILENT/GARBAGE). */
	struct wire_node_status status[FAKE_MAX_STATUS];
	size_t n_status;

	/* Packs: how many arrived; with would_wait_packed every packed call
	 * is answered WouldWait (as a node answers a packed long poll). */
	atomic_int n_packs;
	atomic_bool would_wait_packed;
	/* FAKE_KV: requests whose first op has this key (or, a service
	 * call, this action) are never answered (a call stuck retrying, a
	 * long poll held). */
	char silent_key[16];

	pthread_mutex_t mu; /* log and kv */
	struct fake_log *log;
	size_t n_log, cap_log;
	struct fake_kv *kv;
	size_t n_kv, cap_kv;
};

static struct fake_kv *kv_find(struct fake *f, const char *key)
{
	for (size_t i = 0; i < f->n_kv; i++)
		if (strcmp(f->kv[i].key, key) == 0)
			return &f->kv[i];
	return NULL;
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fake_kv *)a)->key,
		      ((const struct fake_kv *)b)->key);
}

/* Answer one op of a KV-mode request. items: scratch for KV_LIST (freed by
 * the caller). */
static void fake_kv_op(struct fake *f, const struct wire_op *op,
		       struct wire_result *r, struct wire_kv_item **items)
{
	struct fake_kv *e;

	memset(r, 0, sizeof *r);
	switch (op->type) {
	case WIRE_OP_KV_PUT:
		if ((e = kv_find(f, op->key)) == NULL) {
			if (f->n_kv == f->cap_kv) {
				f->cap_kv = f->cap_kv ? 2 * f->cap_kv : 64;
				f->kv =
				    realloc(f->kv, f->cap_kv * sizeof *f->kv);
			}
			e = &f->kv[f->n_kv++];
			e->key = strdup(op->key);
		} else {
			free(e->value);
		}
		e->value = malloc(op->value_len + 1);
		memcpy(e->value, op->value, op->value_len);
		e->len = op->value_len;
		break;
	case WIRE_OP_KV_GET:
		if ((e = kv_find(f, op->key)) == NULL) {
			r->code = WIRE_ERR_NOT_FOUND;
			r->error_name = "ResourceNotFoundException";
			r->error_message = "no such key";
		} else {
			r->found = true;
			r->value = e->value;
			r->value_len = e->len;
		}
		break;
	case WIRE_OP_KV_DELETE:
		if ((e = kv_find(f, op->key)) != NULL) {
			free(e->key);
			free(e->value);
			*e = f->kv[--f->n_kv];
		}
		break;
	case WIRE_OP_KV_LIST: {
		uint32_t limit = op->limit ? op->limit : 1000;
		qsort(f->kv, f->n_kv, sizeof *f->kv, kv_cmp);
		*items = calloc(f->n_kv + 1, sizeof **items);
		for (size_t i = 0; i < f->n_kv; i++) {
			e = &f->kv[i];
			if (strncmp(e->key, op->prefix, strlen(op->prefix)) !=
				0 ||
			    strcmp(e->key, op->start_after) <= 0)
				continue;
			if (r->n_items == limit) {
				r->next_token = (*items)[limit - 1].key;
				break;
			}
			(*items)[r->n_items].key = e->key;
			(*items)[r->n_items].value = e->value;
			(*items)[r->n_items].value_len = e->len;
			r->n_items++;
		}
		r->items = *items;
		break;
	}
	case WIRE_OP_CLUSTER_STATUS:
		r->nodes = f->status;
		r->n_nodes = f->n_status;
		break;
	default:
		break; /* admin ops: OK */
	}
}

static void fake_answer(struct fake *f, const struct wire_request *req,
			uint8_t **buf, size_t *len)
{
	struct wire_response resp = {0};
	struct wire_result results[16];
	struct wire_kv_item *items[16] = {0};
	bool status_only =
	    req->n_ops == 1 && req->ops[0].type == WIRE_OP_CLUSTER_STATUS;

	if (!status_only && atomic_load(&f->unavailable_first) > 0) {
		atomic_fetch_sub(&f->unavailable_first, 1);
		assert_int_equal(
		    wire_response_encode_error(WIRE_ERR_UNAVAILABLE,
					       "try later", 0, "", buf, len),
		    0);
		return;
	}
	if (!status_only && f->mode == FAKE_NOT_LEADER) {
		assert_int_equal(wire_response_encode_error(
				     WIRE_ERR_NOT_LEADER, "not the leader", 2,
				     f->leader_address, buf, len),
				 0);
		return;
	}
	if (f->mode == FAKE_NO_RESULTS) {
		assert_int_equal(wire_response_encode(&resp, buf, len), 0);
		return;
	}
	assert_true(req->n_ops <= 16);
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < req->n_ops; i++)
		fake_kv_op(f, &req->ops[i], &results[i], &items[i]);
	resp.results = results;
	resp.n_results = req->n_ops;
	assert_int_equal(wire_response_encode(&resp, buf, len), 0);
	pthread_mutex_unlock(&f->mu);
	for (size_t i = 0; i < req->n_ops; i++)
		free(items[i]);
}

static void fake_handle(struct fake *f, const uint8_t *data, size_t size,
			bool packed, uint8_t **buf, size_t *len);

/* A pack: each packed request answered on its own, in order. */
static void fake_pack(struct fake *f, const struct wire_request *req,
		      uint8_t **buf, size_t *len)
{
	struct wire_bytes answers[WIRE_MAX_PACKED];
	struct wire_response resp = {0};

	atomic_fetch_add(&f->n_packs, 1);
	for (size_t i = 0; i < req->n_packed; i++) {
		uint8_t *b = NULL;
		size_t l = 0;
		fake_handle(f, req->packed[i].data, req->packed[i].len, true,
			    &b, &l);
		answers[i].data = b;
		answers[i].len = l;
	}
	resp.packed = answers;
	resp.n_packed = req->n_packed;
	assert_int_equal(wire_response_encode(&resp, buf, len), 0);
	for (size_t i = 0; i < req->n_packed; i++)
		free((void *)answers[i].data);
}

/* One request's answer (*buf NULL: none). */
static void fake_handle(struct fake *f, const uint8_t *data, size_t size,
			bool packed, uint8_t **buf, size_t *len)
{
	struct wire_request req;
	int rv = wire_request_decode(data, size, &req);

	assert_int_equal(rv, 0);
	if (req.n_packed > 0) {
		assert_false(packed);
		fake_pack(f, &req, buf, len);
		wire_request_release(&req);
		return;
	}
	if (packed && atomic_load(&f->would_wait_packed)) {
		assert_int_equal(wire_response_encode_error(WIRE_ERR_WOULD_WAIT,
							    "alone", 0, "", buf,
							    len),
				 0);
		wire_request_release(&req);
		return;
	}
	pthread_mutex_lock(&f->mu);
	if (f->n_log == f->cap_log) {
		f->cap_log = f->cap_log ? 2 * f->cap_log : 64;
		f->log = realloc(f->log, f->cap_log * sizeof *f->log);
	}
	f->log[f->n_log++] = (struct fake_log){
	    .client_id = req.client_id,
	    .seq = req.seq,
	    .seq_floor = req.seq_floor,
	    .n_ops = req.n_ops,
	    .type = req.n_ops ? req.ops[0].type : WIRE_OP_NONE};
	pthread_mutex_unlock(&f->mu);

	if (f->silent_key[0] != '\0' && req.n_ops > 0 &&
	    ((req.ops[0].key != NULL &&
	      strcmp(req.ops[0].key, f->silent_key) == 0) ||
	     (req.ops[0].action != NULL &&
	      strcmp(req.ops[0].action, f->silent_key) == 0))) {
		wire_request_release(&req);
		return;
	}
	switch (f->mode) {
	case FAKE_SILENT:
		break;
	case FAKE_GARBAGE:
		*buf = malloc(16);
		memset(*buf, 0xff, 16);
		*len = 16;
		break;
	default:
		fake_answer(f, &req, buf, len);
		break;
	}
	wire_request_release(&req);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;

	while (!atomic_load(&f->stop)) {
		nng_msg *msg;
		int rv = nng_recvmsg(f->sock, &msg, 0);
		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0)
			break;

		uint8_t *buf = NULL;
		size_t len = 0;
		fake_handle(f, nng_msg_body(msg), nng_msg_len(msg), false, &buf,
			    &len);
		nng_msg_free(msg);
		if (buf != NULL) {
			nng_send(f->sock, buf, len, 0);
			free(buf);
		}
	}
	return NULL;
}

static void fake_start(struct fake *f, enum fake_mode mode)
{
	nng_listener l;
	int port = 0;

	memset(f, 0, sizeof *f);
	f->mode = mode;
	pthread_mutex_init(&f->mu, NULL);
	assert_int_equal(nng_rep0_open(&f->sock), 0);
	assert_int_equal(nng_socket_set_ms(f->sock, NNG_OPT_RECVTIMEO, 50), 0);
	assert_int_equal(nng_listener_create(&l, f->sock, "tcp://127.0.0.1:0"),
			 0);
	assert_int_equal(nng_listener_start(l, 0), 0);
	assert_int_equal(nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port),
			 0);
	snprintf(f->url, sizeof f->url, "tcp://127.0.0.1:%d", port);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
	atomic_store(&f->stop, true);
	pthread_join(f->thread, NULL);
	nng_close(f->sock);
	for (size_t i = 0; i < f->n_kv; i++) {
		free(f->kv[i].key);
		free(f->kv[i].value);
	}
	free(f->kv);
	free(f->log);
	pthread_mutex_destroy(&f->mu);
}

static size_t fake_n_log(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	size_t n = f->n_log;
	pthread_mutex_unlock(&f->mu);
	return n;
}

/* An address where nothing listens. */
static void closed_url(char *url, size_t size)
{
	struct fake f;
	fake_start(&f, FAKE_SILENT);
	snprintf(url, size, "%s", f.url);
	fake_stop(&f);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Short timings so failure paths finish in well under a second. */
static const st_options fast = {.request_timeout_ms = 2000,
				.connect_timeout_ms = 300,
				.retry_deadline_ms = 5000,
				.status_timeout_ms = 300,
				.backoff_base_ms = 5,
				.backoff_max_ms = 20};

/* ---- tests --------------------------------------------------------------- */

/* Put, get, list (with paging), put-many and delete round-trip through one
 * node; every request carries the client's one client_id and a fresh seq. */
static void test_kv_round_trip(void **state)
{
	struct fake f;
	st_error err;
	fake_start(&f, FAKE_KV);
	st_client *c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);

	assert_int_equal(st_kv_put(c, "k1", "one", 3, &err), 0);
	assert_int_equal(st_kv_put(c, "k2", "\x00\xff", 2, &err), 0);
	assert_int_equal(st_kv_put(c, "k3", NULL, 0, &err), 0);
	assert_int_equal(st_kv_put(c, "other", "x", 1, &err), 0);

	void *value;
	size_t len;
	bool found;
	assert_int_equal(st_kv_get(c, "k2", &value, &len, &found, &err), 0);
	assert_true(found);
	assert_int_equal(len, 2);
	assert_memory_equal(value, "\x00\xff", 2);
	st_free(value);
	assert_int_equal(st_kv_get(c, "k3", &value, &len, &found, &err), 0);
	assert_true(found);
	assert_int_equal(len, 0);
	st_free(value);
	assert_int_equal(st_kv_get(c, "nope", &value, &len, &found, &err), 0);
	assert_false(found);
	assert_null(value);

	st_kv_item *items;
	size_t n;
	char *token;
	assert_int_equal(st_kv_list(c, "k", NULL, 2, &items, &n, &token, &err),
			 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].key, "k1");
	assert_string_equal(items[0].value, "one");
	assert_string_equal(items[1].key, "k2");
	assert_non_null(token);
	st_kv_items_free(items, n);
	char *first = token;
	assert_int_equal(st_kv_list(c, "k", first, 2, &items, &n, &token, &err),
			 0);
	st_free(first);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].key, "k3");
	assert_null(token);
	st_kv_items_free(items, n);

	const char *keys[] = {"m1", "m2", "m3"};
	const void *vals[] = {"a", "b", "c"};
	size_t lens[] = {1, 1, 1};
	size_t before = fake_n_log(&f);
	assert_int_equal(st_kv_put_many(c, keys, vals, lens, 3, &err), 0);
	assert_int_equal(fake_n_log(&f), before + 1); /* one request */
	assert_int_equal(f.log[before].n_ops, 3);

	assert_int_equal(st_kv_delete(c, "k1", &err), 0);
	assert_int_equal(st_kv_get(c, "k1", &value, &len, &found, &err), 0);
	assert_false(found);

	assert_int_equal(st_kv_put(c, "", "x", 1, &err), ST_ERR_MISSING_PARAM);
	assert_string_equal(err.name, "MissingParameter");

	for (size_t i = 1; i < f.n_log; i++) {
		assert_int_equal(f.log[i].client_id, f.log[0].client_id);
		assert_true(f.log[i].seq > f.log[i - 1].seq);
	}
	assert_true(f.log[0].client_id != 0);
	st_client_free(c);
	fake_stop(&f);
}

/* A follower's NOT_LEADER with an address sends the same request (same
 * seq) to the named leader, and later requests go there directly. */
static void test_not_leader_redirect(void **state)
{
	struct fake follower, leader;
	st_error err;
	fake_start(&leader, FAKE_KV);
	fake_start(&follower, FAKE_NOT_LEADER);
	snprintf(follower.leader_address, sizeof follower.leader_address, "%s",
		 leader.url);

	st_client *c = st_client_new(follower.url, &fast, &err);
	assert_non_null(c);
	assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
	assert_int_equal(fake_n_log(&follower), 1);
	assert_int_equal(fake_n_log(&leader), 1);
	assert_int_equal(leader.log[0].seq, follower.log[0].seq);
	assert_int_equal(leader.log[0].client_id, follower.log[0].client_id);

	void *value;
	size_t len;
	bool found;
	assert_int_equal(st_kv_get(c, "k", &value, &len, &found, &err), 0);
	assert_true(found);
	st_free(value);
	assert_int_equal(fake_n_log(&follower), 1); /* not asked again */
	assert_int_equal(fake_n_log(&leader), 2);
	st_client_free(c);
	fake_stop(&follower);
	fake_stop(&leader);
}

/* NOT_LEADER without an address: the client tries the other endpoints and
 * finds the leader (whichever endpoint it started at). */
static void test_not_leader_unknown(void **state)
{
	struct fake follower, leader;
	char eps[160];
	st_error err;
	fake_start(&leader, FAKE_KV);
	fake_start(&follower, FAKE_NOT_LEADER);
	snprintf(eps, sizeof eps, "%s, %s", follower.url, leader.url);

	for (int round = 0; round < 4; round++) {
		st_client *c = st_client_new(eps, &fast, &err);
		assert_non_null(c);
		assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
		st_client_free(c);
	}
	assert_true(fake_n_log(&leader) == 4);
	fake_stop(&follower);
	fake_stop(&leader);
}

/* After a node's connection is lost, a follower's NOT_LEADER naming that
 * node (a stale hint: right after a leader dies its followers still name
 * it for a moment) is not followed: the call goes on to the next endpoint
 * at once. Following it would wait for a connection there (up to 100 ms,
 * DEAD_CONNECT_MS) and, with this client's 90 ms budget, fail. */
static void test_stale_hint_to_lost_node(void **state)
{
	struct fake dead, follower, leader;
	st_options opt = fast;
	st_client *c = NULL;
	char eps[240];
	st_error err;

	opt.retry_deadline_ms = 90;
	fake_start(&dead, FAKE_KV);
	fake_start(&follower, FAKE_NOT_LEADER);
	fake_start(&leader, FAKE_KV);
	snprintf(follower.leader_address, sizeof follower.leader_address, "%s",
		 dead.url);
	snprintf(eps, sizeof eps, "%s, %s, %s", dead.url, follower.url,
		 leader.url);
	/* A client that talked to dead (it starts at a random endpoint;
	 * the follower sends it to dead). */
	for (int i = 0; i < 50 && c == NULL; i++) {
		size_t before = fake_n_log(&dead);
		assert_non_null(c = st_client_new(eps, &opt, &err));
		assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
		if (fake_n_log(&dead) == before) {
			st_client_free(c);
			c = NULL;
		}
	}
	assert_non_null(c);
	fake_stop(&dead); /* its connection closes */
	usleep(200 * 1000);

	size_t at_leader = fake_n_log(&leader);
	assert_int_equal(st_kv_put(c, "k", "w", 1, &err), 0);
	assert_int_equal(fake_n_log(&leader), at_leader + 1);
	st_client_free(c);
	fake_stop(&follower);
	fake_stop(&leader);
}

/* UNAVAILABLE is retried with the SAME (client_id, seq) until it succeeds;
 * the next request gets the next seq. */
static void test_unavailable_retry_same_seq(void **state)
{
	struct fake f;
	st_error err;
	fake_start(&f, FAKE_KV);
	atomic_store(&f.unavailable_first, 3);
	st_client *c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);

	assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
	assert_int_equal(fake_n_log(&f), 4);
	for (size_t i = 1; i < 4; i++) {
		assert_int_equal(f.log[i].seq, f.log[0].seq);
		assert_int_equal(f.log[i].client_id, f.log[0].client_id);
	}
	assert_int_equal(st_kv_put(c, "k", "w", 1, &err), 0);
	assert_int_equal(fake_n_log(&f), 5);
	assert_int_equal(f.log[4].seq, f.log[0].seq + 1);
	assert_int_equal(f.log[4].client_id, f.log[0].client_id);
	st_client_free(c);
	fake_stop(&f);
}

/* A node that never answers: the call fails with ST_ERR_TIMEOUT once the
 * retry deadline has passed (not much later), having retried with one
 * seq. */
static void test_timeout(void **state)
{
	struct fake f;
	st_error err;
	st_options o = fast;
	o.request_timeout_ms = 150;
	o.retry_deadline_ms = 600;
	fake_start(&f, FAKE_SILENT);
	st_client *c = st_client_new(f.url, &o, &err);
	assert_non_null(c);

	int64_t t0 = now_ms();
	assert_int_equal(st_kv_put(c, "k", "v", 1, &err), ST_ERR_TIMEOUT);
	int64_t took = now_ms() - t0;
	assert_string_equal(err.name, "RequestTimeout");
	assert_non_null(strstr(err.message, "kv put"));
	assert_true(took >= 300 && took < 2000);
	assert_true(fake_n_log(&f) >= 2);
	for (size_t i = 1; i < f.n_log; i++)
		assert_int_equal(f.log[i].seq, f.log[0].seq);
	st_client_free(c);
	fake_stop(&f);
}

/* Nothing listening: ST_ERR_CONNECTION within the deadline. */
static void test_connection_refused(void **state)
{
	char url[64];
	st_error err;
	st_options o = fast;
	o.connect_timeout_ms = 100;
	o.retry_deadline_ms = 500;
	closed_url(url, sizeof url);
	st_client *c = st_client_new(url, &o, &err);
	assert_non_null(c);
	int64_t t0 = now_ms();
	assert_int_equal(st_kv_put(c, "k", "v", 1, &err), ST_ERR_CONNECTION);
	assert_string_equal(err.name, "ConnectionFailure");
	assert_true(now_ms() - t0 < 2000);
	st_client_free(c);
}

struct async_count {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ok, failed, total;
	int last_code;
};

static void async_done(void *arg, const st_error *err)
{
	struct async_count *a = arg;
	pthread_mutex_lock(&a->mu);
	if (err == NULL) {
		a->ok++;
	} else {
		a->failed++;
		a->last_code = err->code;
	}
	a->total++;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

static void async_wait(struct async_count *a, int n)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 30;
	pthread_mutex_lock(&a->mu);
	while (a->total < n)
		if (pthread_cond_timedwait(&a->cv, &a->mu, &deadline) != 0)
			break;
	pthread_mutex_unlock(&a->mu);
}

/* 1000 async puts outstanding at once on one connection all complete, each
 * with its own seq; then with max_inflight 8, submitters wait for slots
 * and all 200 complete too. */
static void test_async_many(void **state)
{
	struct fake f;
	st_error err;
	struct async_count a = {.mu = PTHREAD_MUTEX_INITIALIZER,
				.cv = PTHREAD_COND_INITIALIZER};
	fake_start(&f, FAKE_KV);
	st_client *c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);
	for (int i = 0; i < 1000; i++) {
		char key[32];
		snprintf(key, sizeof key, "key-%04d", i);
		assert_int_equal(
		    st_kv_put_async(c, key, key, strlen(key), async_done, &a),
		    0);
	}
	async_wait(&a, 1000);
	assert_int_equal(a.ok, 1000);
	assert_int_equal(a.failed, 0);
	assert_int_equal(fake_n_log(&f), 1000);
	assert_int_equal(f.n_kv, 1000);
	/* With that many in flight most went in packs, each call with its
	 * own seq (1..1000, each once). */
	assert_true(atomic_load(&f.n_packs) > 0);
	assert_true(atomic_load(&f.n_packs) < 1000);
	{
		bool seen[1001] = {false};
		for (size_t i = 0; i < f.n_log; i++) {
			assert_true(f.log[i].seq >= 1 && f.log[i].seq <= 1000);
			assert_false(seen[f.log[i].seq]);
			seen[f.log[i].seq] = true;
		}
	}
	st_client_free(c);

	st_options o = fast;
	o.max_inflight = 8;
	memset(&a, 0, sizeof a);
	pthread_mutex_init(&a.mu, NULL);
	pthread_cond_init(&a.cv, NULL);
	c = st_client_new(f.url, &o, &err);
	assert_non_null(c);
	for (int i = 0; i < 200; i++)
		assert_int_equal(
		    st_kv_put_async(c, "k", "v", 1, async_done, &a), 0);
	async_wait(&a, 200);
	assert_int_equal(a.ok, 200);
	st_client_free(c);
	fake_stop(&f);
}

/* A node answers WouldWait for a packed call it would park: the client
 * sends that call again on its own, and it completes. */
static void test_pack_would_wait(void **state)
{
	struct fake f;
	st_error err;
	struct async_count a = {.mu = PTHREAD_MUTEX_INITIALIZER,
				.cv = PTHREAD_COND_INITIALIZER};
	(void)state;
	fake_start(&f, FAKE_KV);
	atomic_store(&f.would_wait_packed, true);
	st_client *c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);
	for (int i = 0; i < 300; i++) {
		char key[32];
		snprintf(key, sizeof key, "key-%04d", i);
		assert_int_equal(
		    st_kv_put_async(c, key, key, strlen(key), async_done, &a),
		    0);
	}
	async_wait(&a, 300);
	assert_int_equal(a.ok, 300);
	assert_int_equal(a.failed, 0);
	assert_true(atomic_load(&f.n_packs) > 0);
	assert_int_equal(f.n_kv, 300); /* every call applied, alone */
	st_client_free(c);
	fake_stop(&f);
}

/* Nodes that take requests of at most 4 KiB drop a connection that brings
 * a bigger pack: the calls in it go alone to that node from then on — and
 * only to it; with three such nodes each call ends up alone everywhere and
 * completes (a client that forgot all but the last such node would pack
 * them again at the first one, and so on until the deadline). */
static void test_pack_refused_as_too_large(void **state)
{
	struct fake f[3];
	st_error err;
	struct async_count a = {.mu = PTHREAD_MUTEX_INITIALIZER,
				.cv = PTHREAD_COND_INITIALIZER};
	char urls[256], value[1024];
	(void)state;

	for (int i = 0; i < 3; i++) {
		fake_start(&f[i], FAKE_KV);
		assert_int_equal(
		    nng_socket_set_size(f[i].sock, NNG_OPT_RECVMAXSZ, 4096), 0);
	}
	snprintf(urls, sizeof urls, "%s,%s,%s", f[0].url, f[1].url, f[2].url);
	memset(value, 'v', sizeof value);
	st_client *c = st_client_new(urls, &fast, &err);
	assert_non_null(c);
	for (int i = 0; i < 100; i++) {
		char key[32];
		snprintf(key, sizeof key, "key-%04d", i);
		assert_int_equal(st_kv_put_async(c, key, value, sizeof value,
						 async_done, &a),
				 0);
	}
	async_wait(&a, 100);
	assert_int_equal(a.failed, 0);
	assert_int_equal(a.ok, 100);
	/* Every key reached a node. Some may have reached two: a call sent
	 * alone can lose its answer when its connection is dropped for
	 * another call's too-large pack, and the retry goes elsewhere (a
	 * cluster answers it from the session; these fakes do not share
	 * one). */
	for (int i = 0; i < 100; i++) {
		char key[32];
		bool found = false;
		snprintf(key, sizeof key, "key-%04d", i);
		for (int k = 0; k < 3; k++)
			found = found || kv_find(&f[k], key) != NULL;
		assert_true(found);
	}
	assert_true(f[0].n_kv + f[1].n_kv + f[2].n_kv >= 100);
	st_client_free(c);
	for (int i = 0; i < 3; i++)
		fake_stop(&f[i]);
}

/* Garbage, or an OK reply without results, is an error, not a crash. */
static void test_bad_replies(void **state)
{
	struct fake f;
	st_error err;

	fake_start(&f, FAKE_GARBAGE);
	st_client *c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);
	assert_int_equal(st_kv_put(c, "k", "v", 1, &err), ST_ERR_MALFORMED);
	assert_string_equal(err.name, "SerializationException");
	st_client_free(c);
	fake_stop(&f);

	fake_start(&f, FAKE_NO_RESULTS);
	c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);
	void *value;
	size_t len;
	bool found;
	assert_int_equal(st_kv_get(c, "k", &value, &len, &found, &err),
			 ST_ERR_MALFORMED);
	assert_null(value);
	st_client_free(c);
	fake_stop(&f);
}

static void sync_inside_done(void *arg, const st_error *err)
{
	st_client *c = ((void **)arg)[0];
	struct async_count *a = ((void **)arg)[1];
	st_error inner;
	/* Must refuse instead of blocking a library thread. */
	int rc = st_kv_put(c, "k", "v", 1, &inner);
	pthread_mutex_lock(&a->mu);
	a->last_code = rc;
	pthread_mutex_unlock(&a->mu);
	async_done(a, err);
}

/* Closing with requests outstanding completes each with ST_ERR_CONNECTION;
 * a full client with fail_when_full refuses with ST_ERR_OVER_LIMIT; a sync
 * call from a callback is refused. */
static void test_limits_and_close(void **state)
{
	struct fake f;
	st_error err;
	struct async_count a = {.mu = PTHREAD_MUTEX_INITIALIZER,
				.cv = PTHREAD_COND_INITIALIZER};
	st_options o = fast;
	o.max_inflight = 20;
	o.fail_when_full = true;

	fake_start(&f, FAKE_SILENT);
	st_client *c = st_client_new(f.url, &o, &err);
	assert_non_null(c);
	for (int i = 0; i < 20; i++)
		assert_int_equal(
		    st_kv_put_async(c, "k", "v", 1, async_done, &a), 0);
	assert_int_equal(st_kv_put_async(c, "k", "v", 1, async_done, &a),
			 ST_ERR_OVER_LIMIT);
	st_client_free(c);
	assert_int_equal(a.total, 20);
	assert_int_equal(a.failed, 20);
	assert_int_equal(a.last_code, ST_ERR_CONNECTION);
	fake_stop(&f);

	fake_start(&f, FAKE_KV);
	c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);
	memset(&a, 0, sizeof a);
	pthread_mutex_init(&a.mu, NULL);
	pthread_cond_init(&a.cv, NULL);
	void *args[2] = {c, &a};
	assert_int_equal(
	    st_kv_put_async(c, "k", "v", 1, sync_inside_done, args), 0);
	async_wait(&a, 1);
	assert_int_equal(a.ok, 1);
	assert_int_equal(a.last_code, ST_ERR_INVALID_PARAM);
	st_client_free(c);
	fake_stop(&f);

	assert_null(st_client_new("", NULL, &err));
	assert_int_equal(err.code, ST_ERR_MISSING_PARAM);
	assert_null(st_client_new("bogus://x", NULL, &err));
	assert_int_equal(err.code, ST_ERR_INVALID_PARAM);
}

/* The seqs of a client's unfinished calls span fewer than 2048 (the
 * leader remembers 4096 per client): a call stuck retrying holds new
 * calls back — fail_when_full refuses them — so its retries are never
 * answered SessionExpired. */
static void test_seq_span(void **state)
{
	struct fake f;
	st_error err;
	struct async_count a = {.mu = PTHREAD_MUTEX_INITIALIZER,
				.cv = PTHREAD_COND_INITIALIZER};
	st_options o = fast;
	uint64_t lo = UINT64_MAX, hi = 0;

	(void)state;
	o.max_inflight = 4096;
	o.fail_when_full = true;
	o.request_timeout_ms = 300;
	o.retry_deadline_ms = 60000;
	fake_start(&f, FAKE_KV);
	snprintf(f.silent_key, sizeof f.silent_key, "stuck");
	st_client *c = st_client_new(f.url, &o, &err);
	assert_non_null(c);
	assert_int_equal(st_kv_put_async(c, "stuck", "v", 1, async_done, &a),
			 0);
	for (int i = 0; i < 2047; i++)
		assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
	assert_int_equal(st_kv_put_async(c, "k", "v", 1, async_done, &a),
			 ST_ERR_OVER_LIMIT);
	st_client_free(c);
	assert_int_equal(a.total, 1);
	assert_int_equal(a.last_code, ST_ERR_CONNECTION);
	pthread_mutex_lock(&f.mu);
	for (size_t i = 0; i < f.n_log; i++) {
		lo = f.log[i].seq < lo ? f.log[i].seq : lo;
		hi = f.log[i].seq > hi ? f.log[i].seq : hi;
	}
	pthread_mutex_unlock(&f.mu);
	assert_true(hi - lo < 2048);
	assert_int_equal(hi - lo, 2047);
	fake_stop(&f);
}

/* Every request says the lowest seq still awaiting its answer
 * (Request.seq_floor; the leader drops the answers below it): its own when
 * all before are answered; an unanswered call's, long polls included. */
static void svc_ignored(void *arg, const st_error *err, const char *out)
{
	(void)arg;
	(void)err;
	(void)out;
}

/* The seq that held the floor of c's requests in f's log: every request
 * of c with a seq below it claimed its own seq, every later one it. */
static void assert_floor_held_by(struct fake *f, uint64_t client_id,
				 uint64_t holder)
{
	size_t n = 0;

	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n_log; i++) {
		if (f->log[i].client_id != client_id)
			continue;
		n++;
		if (f->log[i].seq < holder)
			assert_int_equal(f->log[i].seq_floor, f->log[i].seq);
		else
			assert_int_equal(f->log[i].seq_floor, holder);
	}
	pthread_mutex_unlock(&f->mu);
	assert_true(n >= 5);
}

/* The last request the fake logged. */
static struct fake_log fake_last(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	struct fake_log last = f->log[f->n_log - 1];
	pthread_mutex_unlock(&f->mu);
	return last;
}

static void test_seq_floor(void **state)
{
	struct fake f;
	st_error err;
	st_options o = fast;
	struct async_count a = {.mu = PTHREAD_MUTEX_INITIALIZER,
				.cv = PTHREAD_COND_INITIALIZER};
	st_call_params p = {.service = "sqs",
			    .action = "ReceiveMessage",
			    .input_json = "{\"QueueUrl\":\"q\","
					  "\"WaitTimeSeconds\":20}"};
	uint64_t id;

	(void)state;
	o.retry_deadline_ms = 60000;
	fake_start(&f, FAKE_KV);

	/* A call stuck retrying. */
	snprintf(f.silent_key, sizeof f.silent_key, "stuck");
	st_client *c = st_client_new(f.url, &o, &err);
	assert_non_null(c);
	for (int i = 0; i < 3; i++)
		assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
	assert_int_equal(st_kv_put_async(c, "stuck", "v", 1, async_done, &a),
			 0);
	while (fake_n_log(&f) < 4)
		nng_msleep(1);
	uint64_t stuck = fake_last(&f).seq;
	for (int i = 0; i < 3; i++)
		assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
	id = f.log[0].client_id;
	st_client_free(c);
	assert_floor_held_by(&f, id, stuck);

	/* A long poll held by the server (not counted in the seq span). */
	snprintf(f.silent_key, sizeof f.silent_key, "ReceiveMessage");
	size_t first = fake_n_log(&f);
	c = st_client_new(f.url, &o, &err);
	assert_non_null(c);
	for (int i = 0; i < 3; i++)
		assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
	assert_int_equal(st_call_with(c, &p, svc_ignored, NULL), 0);
	while (fake_n_log(&f) < first + 4)
		nng_msleep(1);
	uint64_t held = fake_last(&f).seq;
	for (int i = 0; i < 3; i++)
		assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
	pthread_mutex_lock(&f.mu);
	id = f.log[first].client_id;
	pthread_mutex_unlock(&f.mu);
	st_client_free(c);
	assert_floor_held_by(&f, id, held);
	fake_stop(&f);
}

/* st_call_cb counting into a struct async_count. */
static void svc_counted(void *arg, const st_error *err, const char *out)
{
	(void)out;
	async_done(arg, err);
}

/* Held long polls leave the floor when they end, in any order: A (older,
 * WaitTimeSeconds 2) and B (WaitTimeSeconds 1) are never answered; B gives
 * up first and the floor stays at A; once A gives up too, a request claims
 * its own seq again. */
static void test_seq_floor_released(void **state)
{
	struct fake f;
	st_error err;
	st_options o = fast;
	struct async_count a = {.mu = PTHREAD_MUTEX_INITIALIZER,
				.cv = PTHREAD_COND_INITIALIZER};
	st_call_params pa = {.service = "sqs",
			     .action = "ReceiveMessage",
			     .input_json = "{\"QueueUrl\":\"q\","
					   "\"WaitTimeSeconds\":2}"};
	st_call_params pb = pa;
	struct fake_log last;
	uint64_t seq_a, seq_b;

	(void)state;
	pb.input_json = "{\"QueueUrl\":\"q\",\"WaitTimeSeconds\":1}";
	o.request_timeout_ms = 200;
	o.retry_deadline_ms = 300;
	fake_start(&f, FAKE_KV);
	snprintf(f.silent_key, sizeof f.silent_key, "ReceiveMessage");
	st_client *c = st_client_new(f.url, &o, &err);
	assert_non_null(c);
	assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
	assert_int_equal(st_call_with(c, &pa, svc_counted, &a), 0);
	while (fake_n_log(&f) < 2)
		nng_msleep(1);
	seq_a = fake_last(&f).seq;
	assert_int_equal(st_call_with(c, &pb, svc_counted, &a), 0);
	while (fake_n_log(&f) < 3)
		nng_msleep(1);
	last = fake_last(&f);
	seq_b = last.seq;
	assert_true(seq_b > seq_a);
	assert_int_equal(last.seq_floor, seq_a);

	assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
	assert_int_equal(fake_last(&f).seq_floor, seq_a); /* both held */

	async_wait(&a, 1); /* B gave up */
	assert_int_equal(a.total, 1);
	assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
	assert_int_equal(fake_last(&f).seq_floor, seq_a); /* A still held */

	async_wait(&a, 2); /* A gave up */
	assert_int_equal(a.total, 2);
	assert_int_equal(a.failed, 2);
	assert_int_equal(st_kv_put(c, "k", "v", 1, &err), 0);
	last = fake_last(&f);
	assert_true(last.seq > seq_b);
	assert_int_equal(last.seq_floor, last.seq); /* nothing held */
	st_client_free(c);
	fake_stop(&f);
}

static struct wire_node_status node_status(uint64_t id, const char *role,
					   const char *client_address,
					   uint64_t applied, uint64_t match)
{
	return (struct wire_node_status){
	    .addr = {.id = id,
		     .raft_address = "tcp://127.0.0.1:1",
		     .client_address = client_address,
		     .http_address = "127.0.0.1:2"},
	    .role = role,
	    .voter_role = "voter",
	    .term = 3,
	    .commit_index = applied,
	    .applied_index = applied,
	    .last_index = applied,
	    .match_index = match,
	    .leader_id = 1,
	    .digest = 0x0123abcd0123abcdull,
	    .reachable = true};
}

/* Cluster status asks a follower for the members, prefers the leader's
 * list, asks each member itself: the leader and the follower report their
 * own state, the member nobody can reach is "unreachable", and lag is the
 * leader's last index minus each node's applied (or match) index. */
static void test_cluster_status(void **state)
{
	struct fake a, b;
	char dead[64];
	st_error err;

	closed_url(dead, sizeof dead);
	fake_start(&a, FAKE_KV);
	fake_start(&b, FAKE_NOT_LEADER);
	a.status[0] = node_status(1, "leader", a.url, 10, 10);
	a.status[1] = node_status(2, "unknown", b.url, 0, 8);
	a.status[2] = node_status(3, "unknown", dead, 0, 5);
	a.n_status = 3;
	b.status[0] = node_status(2, "follower", b.url, 9, 0);
	b.status[1] = node_status(1, "unknown", a.url, 0, 0);
	b.status[2] = node_status(3, "unknown", dead, 0, 0);
	b.n_status = 3;

	st_client *c = st_client_new(b.url, &fast, &err);
	assert_non_null(c);
	st_cluster_view *v;
	assert_int_equal(st_cluster_status(c, &v, &err), 0);
	assert_int_equal(v->leader_id, 1);
	assert_int_equal(v->n_nodes, 3);
	assert_int_equal(v->nodes[0].id, 1);
	assert_string_equal(v->nodes[0].role, "leader");
	assert_true(v->nodes[0].reachable);
	assert_int_equal(v->nodes[0].lag, 0);
	assert_int_equal(v->nodes[1].id, 2);
	assert_string_equal(v->nodes[1].role, "follower");
	assert_int_equal(v->nodes[1].applied_index, 9);
	assert_int_equal(v->nodes[1].lag, 1);
	assert_int_equal(v->nodes[1].match_index, 8);
	assert_int_equal(v->nodes[2].id, 3);
	assert_string_equal(v->nodes[2].role, "unreachable");
	assert_false(v->nodes[2].reachable);
	assert_string_equal(v->nodes[2].client_address, dead);
	assert_int_equal(v->nodes[2].lag, 5);
	st_cluster_status_free(v);

	/* One node, no redirect. */
	assert_int_equal(st_node_status(c, b.url, &v, &err), 0);
	assert_int_equal(v->nodes[0].id, 2);
	assert_int_equal(v->leader_id, 1);
	st_cluster_status_free(v);
	assert_int_equal(st_node_status(c, dead, &v, &err), ST_ERR_CONNECTION);
	assert_null(v);

	st_client_free(c);
	fake_stop(&a);
	fake_stop(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kv_round_trip),
	    cmocka_unit_test(test_not_leader_redirect),
	    cmocka_unit_test(test_not_leader_unknown),
	    cmocka_unit_test(test_stale_hint_to_lost_node),
	    cmocka_unit_test(test_unavailable_retry_same_seq),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_connection_refused),
	    cmocka_unit_test(test_async_many),
	    cmocka_unit_test(test_pack_would_wait),
	    cmocka_unit_test(test_pack_refused_as_too_large),
	    cmocka_unit_test(test_bad_replies),
	    cmocka_unit_test(test_limits_and_close),
	    cmocka_unit_test(test_seq_span),
	    cmocka_unit_test(test_seq_floor),
	    cmocka_unit_test(test_seq_floor_released),
	    cmocka_unit_test(test_cluster_status),
	};
	/* Unbuffered: a test killed by meson's timeout still shows which
	 * one hung. */
	setvbuf(stdout, NULL, _IONBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
