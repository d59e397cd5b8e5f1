/* Unit tests of the state machine core without raft: command batches,
 * per-command results, session dedup, snapshots, digests, the kv family. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fsm.h"
#include "session.h"
#include "wire.h"

#define NODE_ID 1

/* Results the fsm handed back, as decoded responses. */
struct sink {
	uint64_t nonce[64];
	size_t index[64];
	struct wire_response resp[64];
	size_t n;
	int waits; /* long-poll waits reported */
	uint64_t wait_nonce;
	char wait_key[64];
};

static void sink_cb(void *ctx, uint64_t nonce, size_t index,
		    const uint8_t *response, size_t len)
{
	struct sink *s = ctx;

	assert_true(s->n < 64);
	s->nonce[s->n] = nonce;
	s->index[s->n] = index;
	assert_int_equal(wire_response_decode(response, len, &s->resp[s->n]),
			 0);
	s->n++;
}

static void sink_reset(struct sink *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		wire_response_release(&s->resp[i]);
	}
	s->n = 0;
}

/* Encode one command (client, seq, ops) into a malloc'd buffer. */
static struct wire_bytes command(uint64_t client, uint64_t seq,
				 struct wire_op *ops, size_t n)
{
	struct wire_request r = {
	    .client_id = client, .seq = seq, .ops = ops, .n_ops = n};
	struct wire_bytes b;
	uint8_t *buf;

	assert_int_equal(wire_request_encode(&r, &buf, &b.len), 0);
	b.data = buf;
	return b;
}

static struct wire_op put(const char *key, const char *value)
{
	struct wire_op op = {.type = WIRE_OP_KV_PUT,
			     .key = key,
			     .value = (const uint8_t *)value,
			     .value_len = strlen(value)};
	return op;
}

/* Apply a batch of commands with the given leader clock; frees them. */
static void apply(struct fsm *f, uint64_t time_ms, uint64_t leader,
		  uint64_t nonce, struct wire_bytes *cmds, size_t n)
{
	struct wire_batch b = {.leader_time_ms = time_ms,
			       .leader_id = leader,
			       .nonce = nonce,
			       .commands = cmds,
			       .n_commands = n};
	void *buf;
	size_t len, i;

	assert_int_equal(wire_batch_encode(&b, 64, NULL, &buf, &len), 0);
	assert_int_equal(fsm_apply_entry(f, buf, len), 0);
	free(buf);
	for (i = 0; i < n; i++) {
		free((void *)cmds[i].data);
	}
}

static void put_one(struct fsm *f, uint64_t client, uint64_t seq,
		    const char *key, const char *value, uint64_t time_ms)
{
	struct wire_op op = put(key, value);
	struct wire_bytes c = command(client, seq, &op, 1);

	apply(f, time_ms, 99, 1, &c, 1);
}

static const char *get_value(struct fsm *f, const char *key, char *out,
			     size_t out_size)
{
	const struct kv_entry *e = kv_get(&f->kv, key);

	if (e == NULL) {
		return NULL;
	}
	snprintf(out, out_size, "%.*s", (int)e->value_len,
		 (const char *)e->value);
	return out;
}

static void test_batch_results_per_command(void **state)
{
	struct fsm f;
	struct sink sink = {0};
	struct wire_op a = put("a", "1"), b = put("b", "2"),
		       bad = {.type = WIRE_OP_KV_PUT, .key = ""};
	struct wire_op two[2] = {put("c", "3"), put("d", "4")};
	struct wire_bytes cmds[3];
	(void)state;

	assert_int_equal(fsm_init(&f, NODE_ID, sink_cb, &sink), 0);
	cmds[0] = command(7, 1, &a, 1);
	cmds[1] = command(7, 2, two, 2);
	cmds[2] = command(8, 1, &bad, 1);
	(void)b;
	apply(&f, 1000, NODE_ID, 42, cmds, 3);

	/* One result per command, in order, for this node's batch. */
	assert_int_equal(sink.n, 3);
	assert_int_equal(sink.nonce[0], 42);
	assert_int_equal(sink.index[2], 2);
	assert_int_equal(sink.resp[0].n_results, 1);
	assert_int_equal(sink.resp[0].results[0].code, WIRE_OK);
	assert_int_equal(sink.resp[1].n_results, 2);
	assert_int_equal(sink.resp[2].results[0].code, WIRE_ERR_MISSING_PARAM);
	assert_int_equal(f.kv.count, 3);
	assert_int_equal(f.time_ms, 1000);

	/* A batch proposed by another node applies but reports nothing. */
	sink_reset(&sink);
	put_one(&f, 7, 3, "e", "5", 900);
	assert_int_equal(sink.n, 0);
	assert_int_equal(f.kv.count, 4);
	/* State-machine time never goes backwards. */
	assert_int_equal(f.time_ms, 1000);

	sink_reset(&sink);
	fsm_close(&f);
}

static void test_session_dedup(void **state)
{
	struct fsm f;
	struct sink sink = {0};
	char v[16];
	struct wire_op op;
	struct wire_bytes c;
	(void)state;

	assert_int_equal(fsm_init(&f, NODE_ID, sink_cb, &sink), 0);
	put_one(&f, 1, 1, "k", "first", 10);
	put_one(&f, 2, 1, "k", "second", 20);
	/* Client 1 retries seq 1 (e.g. after a failover): not applied again. */
	op = put("k", "first");
	c = command(1, 1, &op, 1);
	apply(&f, 30, NODE_ID, 5, &c, 1);
	assert_string_equal(get_value(&f, "k", v, sizeof v), "second");
	/* ... but answered with the original response. */
	assert_int_equal(sink.n, 1);
	assert_int_equal(sink.resp[0].results[0].code, WIRE_OK);
	/* Two commands of one batch with the same (client, seq): once. */
	sink_reset(&sink);
	{
		struct wire_op o2 = put("n", "x");
		struct wire_bytes two[2] = {command(3, 9, &o2, 1),
					    command(3, 9, &o2, 1)};
		apply(&f, 40, NODE_ID, 6, two, 2);
	}
	assert_int_equal(sink.n, 2);
	assert_int_equal(f.applied_commands, 3);
	/* seq 0 (like client id 0) means no session: found by fuzzing, a
	 * recorded seq 0 looked like an empty slot and leaked. */
	{
		uint8_t *r = malloc(1);
		assert_int_equal(session_record(&f.sessions, 5, 0, 0, r, 1, 1),
				 -1);
	}
	put_one(&f, 5, 0, "s0", "a", 45);
	put_one(&f, 5, 0, "s0", "b", 46);
	assert_string_equal(get_value(&f, "s0", v, sizeof v), "b");
	/* Client id 0 means no session: every copy applies. */
	put_one(&f, 0, 1, "z", "a", 50);
	put_one(&f, 0, 1, "z", "b", 60);
	assert_string_equal(get_value(&f, "z", v, sizeof v), "b");
	sink_reset(&sink);
	fsm_close(&f);
}

static void test_session_window_and_expiry(void **state)
{
	struct session_table t;
	const uint8_t *resp;
	size_t len;
	uint64_t seq;
	uint8_t *r;
	(void)state;

	session_table_init(&t, NULL);
	for (seq = 1; seq <= SESSION_WINDOW + 10; seq++) {
		r = malloc(1);
		r[0] = (uint8_t)seq;
		assert_int_equal(session_record(&t, 5, seq, 0, r, 1, 100), 0);
	}
	/* Recent seqs are remembered, with their own response. */
	assert_int_equal(session_check(&t, 5, SESSION_WINDOW + 10, &resp, &len),
			 SESSION_DUPLICATE);
	assert_int_equal(resp[0], (uint8_t)(SESSION_WINDOW + 10));
	assert_int_equal(session_check(&t, 5, 20, &resp, &len),
			 SESSION_DUPLICATE);
	/* Older than the window: cannot tell, so say so. */
	assert_int_equal(session_check(&t, 5, 3, &resp, &len), SESSION_EXPIRED);
	/* A new seq is new; an unknown client is new. */
	assert_int_equal(session_check(&t, 5, SESSION_WINDOW + 11, &resp, &len),
			 SESSION_NEW);
	assert_int_equal(session_check(&t, 6, 1, &resp, &len), SESSION_NEW);
	/* Out-of-order seqs within the window are all kept. */
	r = malloc(1);
	assert_int_equal(session_record(&t, 9, 100, 0, r, 1, 200), 0);
	r = malloc(1);
	assert_int_equal(session_record(&t, 9, 60, 0, r, 1, 200), 0);
	assert_int_equal(session_check(&t, 9, 100, &resp, &len),
			 SESSION_DUPLICATE);
	assert_int_equal(session_check(&t, 9, 60, &resp, &len),
			 SESSION_DUPLICATE);
	/* Inactive clients are forgotten after the TTL, active ones kept. */
	session_expire(&t, 150 + SESSION_TTL_MS);
	assert_int_equal(session_check(&t, 5, 20, &resp, &len), SESSION_NEW);
	assert_int_equal(session_check(&t, 9, 60, &resp, &len),
			 SESSION_DUPLICATE);
	session_table_free(&t);
}

/* A command carrying a floor (Request.seq_floor). */
static struct wire_bytes command_floor(uint64_t client, uint64_t seq,
				       uint64_t floor, struct wire_op *op)
{
	struct wire_request r = {.client_id = client,
				 .seq = seq,
				 .seq_floor = floor,
				 .ops = op,
				 .n_ops = 1};
	struct wire_bytes b;
	uint8_t *buf;

	assert_int_equal(wire_request_encode(&r, &buf, &b.len), 0);
	b.data = buf;
	return b;
}

/* Record the 1-byte answer {0} at time 100 (session_record's result). */
static int record_one(struct session_table *t, uint64_t client, uint64_t seq,
		      uint64_t floor)
{
	uint8_t *r = malloc(1);

	assert_non_null(r);
	r[0] = 0;
	return session_record(t, client, seq, floor, r, 1, 100);
}

/* The records kept are exactly those in [max(floor, max_seq -
 * SESSION_WINDOW + 1), max_seq] — a function of the commands applied, so a
 * node restored from a snapshot holds what a node that applied the log
 * holds, whatever its ring's history and the order the import replays
 * the records in (also a snapshot of an older build that kept records
 * out of the window). */
static void test_session_window_exact(void **state)
{
	struct session_table a, b;
	struct wire_session *ex;
	size_t n_ex;
	const uint8_t *resp;
	size_t len;
	uint8_t one = 0;
	const uint64_t high = 2 + SESSION_WINDOW;
	(void)state;

	session_table_init(&a, NULL);
	for (uint64_t seq = 1; seq <= 3; seq++) {
		assert_int_equal(record_one(&a, 5, seq, 0), 0);
	}
	assert_int_equal(record_one(&a, 5, high, 0), 0);
	assert_int_equal(a.n_responses, 2); /* 3 and high */
	assert_int_equal(session_check(&a, 5, 2, &resp, &len), SESSION_EXPIRED);
	assert_int_equal(session_check(&a, 5, 3, &resp, &len),
			 SESSION_DUPLICATE);
	assert_int_equal(record_one(&a, 5, 1, 0), -1); /* out of the window */

	/* Export/import: the same records and digest. */
	assert_int_equal(session_export(&a, &ex, &n_ex), 0);
	session_table_init(&b, NULL);
	assert_int_equal(session_import(&b, ex, n_ex), 0);
	session_export_free(ex, n_ex);
	assert_int_equal(b.n_responses, 2);
	assert_int_equal(b.digest, a.digest);
	session_table_free(&b);

	/* A snapshot listing out-of-window records, in any order. */
	struct wire_session_result stale[] = {
	    {.seq = 1, .response = &one, .response_len = 1},
	    {.seq = high, .response = &one, .response_len = 1},
	    {.seq = 2, .response = &one, .response_len = 1},
	    {.seq = 3, .response = &one, .response_len = 1}};
	struct wire_session old = {.client_id = 5,
				   .last_active_ms = 100,
				   .results = stale,
				   .n_results = 4};
	session_table_init(&b, NULL);
	assert_int_equal(session_import(&b, &old, 1), 0);
	assert_int_equal(b.n_responses, 2);
	assert_int_equal(b.digest, a.digest);
	assert_int_equal(session_check(&b, 5, 1, &resp, &len), SESSION_EXPIRED);
	assert_int_equal(session_check(&b, 5, 3, &resp, &len),
			 SESSION_DUPLICATE);
	session_table_free(&b);
	session_table_free(&a);
}

/* The floor (session.h): answers below it are dropped, a seq below it is
 * never applied again, it only rises, and it is replicated state. */
static void test_session_floor(void **state)
{
	struct session_table t;
	const uint8_t *resp;
	size_t len;
	uint64_t seq, digest;
	(void)state;

	session_table_init(&t, NULL);
	for (seq = 1; seq <= 10; seq++) {
		assert_int_equal(record_one(&t, 5, seq, 0), 0);
	}
	assert_int_equal(t.n_responses, 10);
	digest = t.digest;
	assert_int_equal(record_one(&t, 5, 11, 8), 0);
	assert_int_equal(t.n_responses, 4); /* 8..11 */
	for (seq = 1; seq < 8; seq++) {
		assert_int_equal(session_check(&t, 5, seq, &resp, &len),
				 SESSION_EXPIRED);
	}
	for (seq = 8; seq <= 11; seq++) {
		assert_int_equal(session_check(&t, 5, seq, &resp, &len),
				 SESSION_DUPLICATE);
	}
	assert_int_not_equal(t.digest, digest);
	/* A seq below the floor is not recorded; a floor above the
	 * request's own seq counts as its seq; the floor never falls. */
	assert_int_equal(record_one(&t, 5, 7, 0), -1);
	assert_int_equal(record_one(&t, 5, 12, 1000), 0);
	assert_int_equal(record_one(&t, 5, 13, 3), 0);
	assert_int_equal(t.n_responses, 2);
	assert_int_equal(session_check(&t, 5, 11, &resp, &len),
			 SESSION_EXPIRED);
	assert_int_equal(session_check(&t, 5, 12, &resp, &len),
			 SESSION_DUPLICATE);
	assert_int_equal(session_check(&t, 5, 14, &resp, &len), SESSION_NEW);
	/* A jump past the whole ring clears it too. */
	for (seq = 20; seq < 40; seq++) {
		assert_int_equal(record_one(&t, 6, seq, 20), 0);
	}
	assert_int_equal(record_one(&t, 6, 5000, 5000), 0);
	assert_int_equal(t.n_responses, 3);
	assert_int_equal(session_check(&t, 6, 39, &resp, &len),
			 SESSION_EXPIRED);
	assert_int_equal(session_check(&t, 6, 4999, &resp, &len),
			 SESSION_EXPIRED);
	/* Forgetting a client takes its floor's digest term along. */
	session_expire(&t, 101 + SESSION_TTL_MS);
	assert_int_equal(t.n_responses, 0);
	assert_int_equal(t.digest, 0);
	session_table_free(&t);
}

/* Through the state machine: a stale copy of an answered command arriving
 * after a later command's floor passed it is refused, not applied; the
 * floor survives a snapshot. */
static void test_session_floor_applied(void **state)
{
	struct fsm a, b;
	struct sink sink = {0};
	struct wire_op first = put("k", "first"), second = put("k", "second");
	struct wire_bytes c;
	char v[16];
	void *buf;
	size_t len;
	(void)state;

	assert_int_equal(fsm_init(&a, NODE_ID, sink_cb, &sink), 0);
	c = command_floor(3, 1, 1, &first);
	apply(&a, 10, NODE_ID, 1, &c, 1);
	c = command_floor(3, 2, 2, &second);
	apply(&a, 20, NODE_ID, 2, &c, 1);
	assert_int_equal(a.sessions.n_responses, 1);
	sink_reset(&sink);
	c = command_floor(3, 1, 1, &first);
	apply(&a, 30, NODE_ID, 3, &c, 1);
	assert_string_equal(get_value(&a, "k", v, sizeof v), "second");
	assert_int_equal(sink.n, 1);
	assert_int_equal(sink.resp[0].code, WIRE_ERR_SESSION_EXPIRED);

	assert_int_equal(fsm_snapshot(&a, NULL, &buf, &len), 0);
	assert_int_equal(fsm_init(&b, NODE_ID, sink_cb, &sink), 0);
	assert_int_equal(fsm_restore(&b, buf, len), 0);
	free(buf);
	assert_int_equal(fsm_digest(&a), fsm_digest(&b));
	sink_reset(&sink);
	c = command_floor(3, 1, 1, &first);
	apply(&b, 40, NODE_ID, 4, &c, 1);
	assert_string_equal(get_value(&b, "k", v, sizeof v), "second");
	assert_int_equal(sink.resp[0].code, WIRE_ERR_SESSION_EXPIRED);
	sink_reset(&sink);
	fsm_close(&a);
	fsm_close(&b);
}

static void test_snapshot_round_trip(void **state)
{
	struct fsm a, b;
	struct sink sink = {0};
	struct wire_op reg = {.type = WIRE_OP_SET_NODE_ADDR,
			      .node = {.id = 4,
				       .raft_address = "tcp://127.0.0.1:7140",
				       .client_address = "tcp://127.0.0.1:7141",
				       .http_address = "127.0.0.1:7142"}};
	struct wire_bytes c;
	char key[32], v[16];
	void *buf;
	size_t len;
	int i;
	(void)state;

	assert_int_equal(fsm_init(&a, NODE_ID, NULL, NULL), 0);
	for (i = 0; i < 500; i++) {
		snprintf(key, sizeof key, "key-%03d", i);
		put_one(&a, 11, (uint64_t)i + 1, key, "value", 1000 + i);
	}
	c = command(12, 1, &reg, 1);
	apply(&a, 5000, 2, 3, &c, 1);
	assert_int_equal(fsm_snapshot(&a, NULL, &buf, &len), 0);

	assert_int_equal(fsm_init(&b, 2, sink_cb, &sink), 0);
	put_one(&b, 99, 1, "stale", "gone after restore", 1);
	assert_int_equal(fsm_restore(&b, buf, len), 0);
	free(buf);
	assert_int_equal(fsm_digest(&a), fsm_digest(&b));
	assert_int_equal(b.kv.count, 500);
	assert_null(kv_get(&b.kv, "stale"));
	assert_non_null(fsm_find_node(&b, 4));
	assert_string_equal(fsm_find_node(&b, 4)->client_address,
			    "tcp://127.0.0.1:7141");
	assert_int_equal(b.time_ms, 5000);
	/* Sessions survive: a retry after restore is still deduplicated. */
	{
		struct wire_op op = put("key-000", "changed");
		struct wire_bytes r = command(11, 1, &op, 1);
		apply(&b, 6000, 2, 8, &r, 1);
	}
	assert_string_equal(get_value(&b, "key-000", v, sizeof v), "value");
	assert_int_equal(sink.n, 1);
	assert_int_equal(sink.resp[0].results[0].code, WIRE_OK);
	/* A corrupt snapshot is refused and leaves the state alone. */
	assert_int_not_equal(fsm_restore(&b, "\x08\xff\xff", 3), 0);
	assert_int_equal(b.kv.count, 500);

	sink_reset(&sink);
	fsm_close(&a);
	fsm_close(&b);
}

/* The asynchronous snapshot path: capture, then keep changing the state
 * (overwrite, delete, new sessions) while "the worker" serializes; the
 * snapshot is the state at capture time, and nothing it reads was freed
 * (ASan would say so). */
static void test_async_snapshot_sees_capture_time_state(void **state)
{
	struct fsm a, b;
	struct raft_buffer *bufs = NULL;
	unsigned n_bufs = 0;
	struct wire_op del = {.type = WIRE_OP_KV_DELETE, .key = "k1"};
	struct wire_bytes c;
	uint64_t digest_at_capture;
	char key[16];
	int i;
	(void)state;

	assert_int_equal(fsm_init(&a, 1, NULL, NULL), 0);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof key, "k%d", i);
		put_one(&a, 21, (uint64_t)i + 1, key, "before", 10);
	}
	digest_at_capture = fsm_digest(&a);
	assert_int_equal(a.raft_fsm.snapshot(&a.raft_fsm, &bufs, &n_bufs), 0);
	assert_null(bufs); /* serialization happens in snapshot_async */
	/* A second snapshot while one is in progress is refused. */
	assert_int_equal(a.raft_fsm.snapshot(&a.raft_fsm, &bufs, &n_bufs),
			 RAFT_BUSY);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof key, "k%d", i);
		put_one(&a, 22, (uint64_t)i + 1, key, "after", 20);
	}
	c = command(0, 0, &del, 1);
	apply(&a, 30, 9, 1, &c, 1);
	session_expire(&a.sessions, 10 + SESSION_TTL_MS + 1);
	assert_int_equal(a.raft_fsm.snapshot_async(&a.raft_fsm, &bufs, &n_bufs),
			 0);
	assert_int_equal(n_bufs, 1);
	assert_int_equal(fsm_init(&b, 2, NULL, NULL), 0);
	assert_int_equal(fsm_restore(&b, bufs[0].base, bufs[0].len), 0);
	assert_int_equal(fsm_digest(&b), digest_at_capture);
	assert_int_equal(b.kv.count, 100);
	assert_int_equal(
	    a.raft_fsm.snapshot_finalize(&a.raft_fsm, &bufs, &n_bufs), 0);
	assert_null(a.capture);
	assert_int_equal(a.defer.n, 0);
	fsm_close(&a);
	fsm_close(&b);
}

static void test_digest_tracks_state(void **state)
{
	struct fsm a, b;
	uint64_t d0;
	(void)state;

	assert_int_equal(fsm_init(&a, 1, NULL, NULL), 0);
	assert_int_equal(fsm_init(&b, 2, NULL, NULL), 0);
	d0 = fsm_digest(&a);
	put_one(&a, 0, 0, "x", "1", 10);
	put_one(&b, 0, 0, "x", "1", 10);
	assert_int_not_equal(fsm_digest(&a), d0);
	/* Same log, same digest, whichever node applied it. */
	assert_int_equal(fsm_digest(&a), fsm_digest(&b));
	put_one(&a, 0, 0, "x", "2", 10);
	assert_int_not_equal(fsm_digest(&a), fsm_digest(&b));
	put_one(&b, 0, 0, "x", "2", 10);
	assert_int_equal(fsm_digest(&a), fsm_digest(&b));
	fsm_close(&a);
	fsm_close(&b);
}

static void test_kv_read_and_list(void **state)
{
	struct fsm f;
	struct wire_op get = {.type = WIRE_OP_KV_GET, .key = "b/2"};
	struct wire_op missing = {.type = WIRE_OP_KV_GET, .key = "nope"};
	struct wire_op list = {
	    .type = WIRE_OP_KV_LIST, .prefix = "b/", .limit = 2};
	struct wire_op ops[3] = {get, missing, list};
	struct wire_request req = {.ops = ops, .n_ops = 3};
	struct wire_response resp;
	struct wire_op del = {.type = WIRE_OP_KV_DELETE, .key = "b/1"};
	struct wire_bytes c;
	uint8_t *buf;
	size_t len;
	(void)state;

	assert_int_equal(fsm_init(&f, 1, NULL, NULL), 0);
	put_one(&f, 0, 0, "a", "x", 1);
	put_one(&f, 0, 0, "b/1", "one", 1);
	put_one(&f, 0, 0, "b/2", "two", 1);
	put_one(&f, 0, 0, "b/3", "three", 1);
	put_one(&f, 0, 0, "c", "y", 1);
	assert_int_equal(fsm_read(&f, &req, &buf, &len), 0);
	assert_int_equal(wire_response_decode(buf, len, &resp), 0);
	free(buf);
	assert_int_equal(resp.n_results, 3);
	assert_true(resp.results[0].found);
	assert_memory_equal(resp.results[0].value, "two", 3);
	assert_int_equal(resp.results[1].code, WIRE_ERR_NOT_FOUND);
	assert_string_equal(resp.results[1].error_name,
			    "ResourceNotFoundException");
	assert_int_equal(resp.results[2].n_items, 2);
	assert_string_equal(resp.results[2].items[0].key, "b/1");
	assert_string_equal(resp.results[2].items[1].key, "b/2");
	assert_string_equal(resp.results[2].next_token, "b/2");
	wire_response_release(&resp);

	/* Next page, after deleting b/1. */
	c = command(0, 0, &del, 1);
	apply(&f, 2, 9, 1, &c, 1);
	ops[0] = list;
	ops[0].start_after = "b/2";
	req.n_ops = 1;
	assert_int_equal(fsm_read(&f, &req, &buf, &len), 0);
	assert_int_equal(wire_response_decode(buf, len, &resp), 0);
	free(buf);
	assert_int_equal(resp.results[0].n_items, 1);
	assert_string_equal(resp.results[0].items[0].key, "b/3");
	assert_string_equal(resp.results[0].next_token, "");
	wire_response_release(&resp);
	assert_int_equal(f.kv.count, 4);
	fsm_close(&f);
}

static void test_kv_list_pages_fit_a_response(void **state)
{
	struct fsm f;
	struct wire_op list = {.type = WIRE_OP_KV_LIST};
	struct wire_request req = {.ops = &list, .n_ops = 1};
	struct wire_response resp;
	char *big = malloc(WIRE_MAX_VALUE_BYTES + 1), key[8];
	uint8_t *buf;
	size_t len;
	int i;
	(void)state;

	memset(big, 'b', WIRE_MAX_VALUE_BYTES);
	big[WIRE_MAX_VALUE_BYTES] = '\0';
	assert_int_equal(fsm_init(&f, 1, NULL, NULL), 0);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof key, "big%d", i);
		put_one(&f, 0, 0, key, big, 1);
	}
	/* Five 1 MiB values cannot share one 4 MiB response: a page holds
	 * what fits and says where to continue. */
	assert_int_equal(fsm_read(&f, &req, &buf, &len), 0);
	assert_true(len <= WIRE_MAX_REQUEST_BYTES);
	assert_int_equal(wire_response_decode(buf, len, &resp), 0);
	free(buf);
	assert_int_equal(resp.results[0].code, WIRE_OK);
	assert_true(resp.results[0].n_items >= 1 &&
		    resp.results[0].n_items < 5);
	assert_string_not_equal(resp.results[0].next_token, "");
	wire_response_release(&resp);
	free(big);
	fsm_close(&f);
}

static void test_malformed_entries(void **state)
{
	struct fsm f;
	struct sink sink = {0};
	struct wire_bytes garbage = {(const uint8_t *)"\xff\xff\xff", 3};
	struct wire_batch b = {.leader_time_ms = 5,
			       .leader_id = NODE_ID,
			       .nonce = 2,
			       .commands = &garbage,
			       .n_commands = 1};
	void *buf;
	size_t len;
	(void)state;

	assert_int_equal(fsm_init(&f, NODE_ID, sink_cb, &sink), 0);
	/* A garbage entry is skipped without harm. */
	assert_int_equal(fsm_apply_entry(&f, "\x07garbage", 8), 0);
	assert_int_equal(f.applied_batches, 0);
	/* A garbage command gets an error result, the batch still applies. */
	assert_int_equal(wire_batch_encode(&b, 1 << 20, NULL, &buf, &len), 0);
	assert_int_equal(fsm_apply_entry(&f, buf, len), 0);
	free(buf);
	assert_int_equal(sink.n, 1);
	assert_int_equal(sink.resp[0].code, WIRE_ERR_MALFORMED);
	assert_int_equal(f.applied_batches, 1);
	sink_reset(&sink);
	fsm_close(&f);
}

/* ---- the service seam, with a tiny service ------------------------------ */

/* "counter": Add {"N": n} (write) adds n and returns {"Total", "Nonce"};
 * Get (read) returns {"Total", "Endpoint"}; Take {"Min": m} (write) waits
 * until Total >= m; Fail (write) is an error; Bad is not an action. */
struct counter {
	long total;
	struct service svc;
	const struct service_env *env;
};

static enum service_action_kind counter_kind(const char *action)
{
	if (!strcmp(action, "Get")) {
		return SERVICE_ACTION_READ;
	}
	if (!strcmp(action, "Add") || !strcmp(action, "Take") ||
	    !strcmp(action, "Fail")) {
		return SERVICE_ACTION_WRITE;
	}
	return SERVICE_ACTION_UNKNOWN;
}

static enum service_status counter_prepare(void *state, const char *action,
					   const json_t *input, json_t *context,
					   uint64_t now_ms, uint32_t waited_ms,
					   struct service_result *r)
{
	(void)state;
	(void)waited_ms;
	if (json_object_get(input, "RefuseAtPrepare") != NULL) {
		r->error_code = "CounterRefused";
		snprintf(r->error_message, sizeof r->error_message, "no");
		return SERVICE_ERROR;
	}
	if (!strcmp(action, "Park")) {
		snprintf(r->wait_key, sizeof r->wait_key, "counter");
		r->wake_at_ms = now_ms + 5;
		return SERVICE_WAIT;
	}
	r->output = json_pack("{sb}", "Thrown", 1); /* freed by the caller */
	r->wakes = 2;
	json_object_set_new(context, "Nonce", json_integer(42));
	return SERVICE_OK;
}

static bool counter_ahead(const char *action)
{
	return !strcmp(action, "Ahead");
}

static enum service_status counter_apply(void *state, const char *action,
					 const json_t *input,
					 const json_t *context, uint64_t now_ms,
					 struct service_result *r)
{
	struct counter *c = state;

	(void)now_ms;
	if (!strcmp(action, "Fail")) {
		r->error_code = "CounterFailure";
		snprintf(r->error_message, sizeof r->error_message, "as asked");
		r->sender_fault = true;
		return SERVICE_ERROR;
	}
	if (!strcmp(action, "Take")) {
		if (c->total <
		    json_integer_value(json_object_get(input, "Min"))) {
			snprintf(r->wait_key, sizeof r->wait_key, "counter");
			r->wake_at_ms = 0;
			return SERVICE_WAIT;
		}
		r->output = json_pack("{sI}", "Total", (json_int_t)c->total);
		return SERVICE_OK;
	}
	c->total += (long)json_integer_value(json_object_get(input, "N"));
	if (c->env && c->env->wake) {
		c->env->wake(c->env->wake_ctx, "counter", 0);
	}
	r->output = json_pack("{sIsO}", "Total", (json_int_t)c->total, "Nonce",
			      json_object_get(context, "Nonce"));
	return SERVICE_OK;
}

static enum service_status counter_read(void *state, const char *action,
					const json_t *input,
					const json_t *context, uint64_t now_ms,
					struct service_result *r)
{
	struct counter *c = state;

	(void)action;
	(void)input;
	(void)now_ms;
	r->output = json_pack("{sIsO}", "Total", (json_int_t)c->total,
			      "Endpoint", json_object_get(context, "Endpoint"));
	return SERVICE_OK;
}

static int counter_snapshot(const void *state, uint8_t **buf, size_t *len)
{
	const struct counter *c = state;

	*buf = malloc(sizeof c->total);
	memcpy(*buf, &c->total, sizeof c->total);
	*len = sizeof c->total;
	return 0;
}

static int counter_restore(void *state, const uint8_t *buf, size_t len)
{
	struct counter *c = state;

	if (len != sizeof c->total) {
		return -1;
	}
	memcpy(&c->total, buf, len);
	return 0;
}

static uint64_t counter_digest(const void *state)
{
	return (uint64_t)((const struct counter *)state)->total * 7919;
}

static void counter_destroy(struct service *svc)
{
	free(svc->state);
}

static int wakes;
static void count_wake(void *ctx, const char *key, unsigned n)
{
	(void)ctx;
	(void)n;
	assert_string_equal(key, "counter");
	wakes++;
}
static const struct service_env counter_env = {"us-east-1", "000000000000",
					       count_wake, NULL};

static struct service *counter_new(void)
{
	struct counter *c = calloc(1, sizeof *c);

	c->env = &counter_env;
	c->svc = (struct service){.name = "counter",
				  .state = c,
				  .action_kind = counter_kind,
				  .prepare = counter_prepare,
				  .action_ahead = counter_ahead,
				  .apply = counter_apply,
				  .read = counter_read,
				  .snapshot = counter_snapshot,
				  .restore = counter_restore,
				  .digest = counter_digest,
				  .destroy = counter_destroy};
	return &c->svc;
}

static struct wire_op call_op(const char *action, const char *input,
			      const char *context)
{
	struct wire_op op = {.type = WIRE_OP_SERVICE_CALL,
			     .service = "counter",
			     .action = action,
			     .input = (const uint8_t *)input,
			     .input_len = strlen(input),
			     .context = (const uint8_t *)context,
			     .context_len = context ? strlen(context) : 0};
	return op;
}

/* The wait callback shares the result callback's context (the sink). */
static void wait_cb(void *ctx, uint64_t nonce, size_t index, const char *key,
		    uint64_t wake_at_ms)
{
	struct sink *s = ctx;

	(void)index;
	(void)wake_at_ms;
	s->waits++;
	s->wait_nonce = nonce;
	snprintf(s->wait_key, sizeof s->wait_key, "%s", key);
}

/* The node's own endpoint in test_prepare_call. */
static const char dflt[] = "http://127.0.0.1:9000";

/* fsm_prepare_call of a write at time 100. */
static int prepare_write(struct fsm *f, const struct wire_op *op,
			 struct fsm_prepared *p)
{
	return fsm_prepare_call(f, op, dflt, true, 100, 0, p);
}

/* The leader's half of a call (fsm_prepare_call): the context it makes,
 * what the service's prepare said, and bad input. */
static void test_prepare_call(void **state)
{
	struct fsm f;
	struct sink sink = {0};
	struct wire_op op;
	struct fsm_prepared p;
	(void)state;

	assert_int_equal(fsm_init(&f, NODE_ID, sink_cb, &sink), 0);
	assert_int_equal(fsm_add_service(&f, counter_new()), 0);

	/* A write: the default Endpoint and what prepare added. */
	op = call_op("Add", "{\"N\": 5}", NULL);
	op.endpoint = "";
	assert_int_equal(prepare_write(&f, &op, &p), 0);
	assert_int_equal(p.status, SERVICE_OK);
	assert_string_equal(p.context,
			    "{\"Endpoint\":\"http://127.0.0.1:9000\","
			    "\"Nonce\":42}");
	assert_int_equal(p.context_len, strlen(p.context));
	assert_int_equal(p.result.wakes, 2);
	assert_null(p.result.output);
	assert_false(p.ahead);
	free(p.context);

	/* The client's Endpoint when it is a plain http(s) URL. */
	op.endpoint = "https://sqs.example:8443";
	assert_int_equal(prepare_write(&f, &op, &p), 0);
	assert_non_null(strstr(p.context, "\"https://sqs.example:8443\""));
	free(p.context);
	static const char *bad_endpoints[] = {"ftp://x", "http://a\"b",
					      "http://a b", "http://<x>",
					      "sqs.example"};
	for (size_t i = 0; i < 5; i++) {
		op.endpoint = bad_endpoints[i];
		assert_int_equal(prepare_write(&f, &op, &p), 0);
		assert_non_null(strstr(p.context, dflt));
		free(p.context);
	}
	op.endpoint = NULL;
	assert_int_equal(prepare_write(&f, &op, &p), 0);
	assert_non_null(strstr(p.context, dflt));
	free(p.context);

	/* A read: the Endpoint only, the service's prepare not asked. */
	assert_int_equal(fsm_prepare_call(&f, &op, dflt, false, 100, 0, &p), 0);
	assert_string_equal(p.context,
			    "{\"Endpoint\":\"http://127.0.0.1:9000\"}");
	assert_int_equal(p.result.wakes, 0);
	free(p.context);

	/* The ahead lane, as the service says. */
	op = call_op("Ahead", "{}", NULL);
	assert_int_equal(prepare_write(&f, &op, &p), 0);
	assert_true(p.ahead);
	free(p.context);

	/* A long poll that must wait first. */
	op = call_op("Park", "{}", NULL);
	assert_int_equal(prepare_write(&f, &op, &p), 0);
	assert_int_equal(p.status, SERVICE_WAIT);
	assert_string_equal(p.result.wait_key, "counter");
	assert_int_equal(p.result.wake_at_ms, 105);
	assert_non_null(p.context);
	free(p.context);

	/* The service says no: its error, no context. */
	op = call_op("Add", "{\"RefuseAtPrepare\": true}", NULL);
	assert_int_equal(prepare_write(&f, &op, &p), 0);
	assert_int_equal(p.status, SERVICE_ERROR);
	assert_string_equal(p.result.error_code, "CounterRefused");
	assert_string_equal(p.result.error_message, "no");
	assert_null(p.context);

	/* Not a JSON object, or no such service. */
	static const char *bad_inputs[] = {"[1,2]", "{", "", "\"x\"",
					   "{\"a\":1}x"};
	for (size_t i = 0; i < 5; i++) {
		op = call_op("Add", bad_inputs[i], NULL);
		assert_int_equal(prepare_write(&f, &op, &p),
				 WIRE_ERR_MALFORMED);
		assert_null(p.context);
	}
	op = call_op("Add", "{}", NULL);
	op.service = "nope";
	assert_int_equal(prepare_write(&f, &op, &p), WIRE_ERR_MALFORMED);
	assert_null(p.context);

	fsm_close(&f);
}

static void test_service_calls(void **state)
{
	struct fsm f, g;
	struct sink sink = {0};
	struct wire_op op;
	struct wire_bytes c;
	struct wire_request req;
	struct wire_response resp;
	uint8_t *buf;
	size_t len;
	void *snap;
	size_t snap_len;
	(void)state;

	assert_int_equal(fsm_init(&f, NODE_ID, sink_cb, &sink), 0);
	f.wait_cb = wait_cb;
	assert_int_equal(fsm_add_service(&f, counter_new()), 0);
	assert_non_null(fsm_find_service(&f, "counter"));

	/* A write: output is the service's document, sorted and compact. */
	op = call_op("Add", "{\"N\": 5}", "{\"Nonce\":42}");
	assert_true(fsm_op_is_write(&f, &op));
	c = command(1, 1, &op, 1);
	apply(&f, 10, NODE_ID, 1, &c, 1);
	assert_int_equal(sink.n, 1);
	assert_int_equal(sink.resp[0].results[0].code, WIRE_OK);
	assert_int_equal(sink.resp[0].results[0].output_len, 22);
	assert_memory_equal(sink.resp[0].results[0].output,
			    "{\"Nonce\":42,\"Total\":5}", 22);
	/* Exactly once: a retry gets the same document, no second add. */
	c = command(1, 1, &op, 1);
	apply(&f, 11, NODE_ID, 2, &c, 1);
	assert_memory_equal(sink.resp[1].results[0].output,
			    "{\"Nonce\":42,\"Total\":5}", 22);
	assert_int_equal(wakes, 1);

	/* A service error carries AWS's code as the error name. */
	op = call_op("Fail", "{}", NULL);
	c = command(1, 2, &op, 1);
	apply(&f, 12, NODE_ID, 3, &c, 1);
	assert_int_equal(sink.resp[2].results[0].code, WIRE_ERR_SERVICE);
	assert_string_equal(sink.resp[2].results[0].error_name,
			    "CounterFailure");
	assert_string_equal(sink.resp[2].results[0].error_message, "as asked");

	/* Bad documents, unknown actions and services: errors, no crash. */
	op = call_op("Add", "[1,2]", NULL);
	c = command(1, 3, &op, 1);
	apply(&f, 13, NODE_ID, 4, &c, 1);
	assert_int_equal(sink.resp[3].results[0].code, WIRE_ERR_MALFORMED);
	op = call_op("Bad", "{}", NULL);
	c = command(1, 4, &op, 1);
	apply(&f, 13, NODE_ID, 5, &c, 1);
	assert_int_equal(sink.resp[4].results[0].code, WIRE_ERR_UNKNOWN_OP);
	op = call_op("Add", "{}", NULL);
	op.service = "nope";
	c = command(1, 5, &op, 1);
	apply(&f, 13, NODE_ID, 6, &c, 1);
	assert_int_equal(sink.resp[5].results[0].code, WIRE_ERR_UNKNOWN_OP);

	/* A long poll that must wait: nothing recorded, the proposer told. */
	op = call_op("Take", "{\"Min\": 7}", NULL);
	c = command(2, 1, &op, 1);
	apply(&f, 14, NODE_ID, 7, &c, 1);
	assert_int_equal(sink.n, 6); /* no response */
	assert_int_equal(sink.waits, 1);
	assert_int_equal(sink.wait_nonce, 7);
	assert_string_equal(sink.wait_key, "counter");
	/* ... and the same command, proposed again after more adds, is
	 * applied (it was not recorded as done). */
	op = call_op("Add", "{\"N\": 3}", "{\"Nonce\":1}");
	c = command(1, 6, &op, 1);
	apply(&f, 15, NODE_ID, 8, &c, 1);
	op = call_op("Take", "{\"Min\": 7}", NULL);
	c = command(2, 1, &op, 1);
	apply(&f, 16, NODE_ID, 9, &c, 1);
	assert_int_equal(sink.waits, 1);
	assert_memory_equal(sink.resp[7].results[0].output, "{\"Total\":8}",
			    11);
	/* That long poll retried at a new leader (its answer was lost with
	 * the old one): other bytes — a new context, waited_ms — but the
	 * same (client, seq), so the recorded answer, not a new wait. */
	{
		struct wire_op again =
		    call_op("Take", "{\"Min\": 100}", "{\"WaitUntilMs\":99}");
		struct wire_request r = {.client_id = 2,
					 .seq = 1,
					 .ops = &again,
					 .n_ops = 1,
					 .waited_ms = 4000};
		uint8_t *b;

		assert_int_equal(wire_request_encode(&r, &b, &c.len), 0);
		c.data = b;
		apply(&f, 17, NODE_ID, 10, &c, 1);
		assert_int_equal(sink.n, 9);
		assert_int_equal(sink.waits, 1);
		assert_memory_equal(sink.resp[8].results[0].output,
				    "{\"Total\":8}", 11);
	}

	/* A read, with the node's context. */
	op = call_op("Get", "{}", "{\"Endpoint\":\"http://h:1\"}");
	assert_false(fsm_op_is_write(&f, &op));
	req = (struct wire_request){.ops = &op, .n_ops = 1};
	assert_int_equal(fsm_read(&f, &req, &buf, &len), 0);
	assert_int_equal(wire_response_decode(buf, len, &resp), 0);
	free(buf);
	assert_memory_equal(resp.results[0].output,
			    "{\"Endpoint\":\"http://h:1\",\"Total\":8}", 33);
	wire_response_release(&resp);

	/* Snapshots carry the service's state; digests include it. */
	assert_int_equal(fsm_snapshot(&f, NULL, &snap, &snap_len), 0);
	assert_int_equal(fsm_init(&g, 2, NULL, NULL), 0);
	assert_int_equal(fsm_add_service(&g, counter_new()), 0);
	assert_int_not_equal(fsm_digest(&g), fsm_digest(&f));
	assert_int_equal(fsm_restore(&g, snap, snap_len), 0);
	free(snap);
	assert_int_equal(
	    ((struct counter *)fsm_find_service(&g, "counter")->state)->total,
	    8);
	assert_int_equal(fsm_digest(&g), fsm_digest(&f));
	fsm_close(&g);

	/* The asynchronous path: services serialize in a forked child, so
	 * the snapshot holds the state at capture time even though the
	 * state changes before the worker collects it. */
	{
		struct raft_buffer *bufs = NULL;
		unsigned n_bufs = 0;
		uint64_t digest_at_capture = fsm_digest(&f);

		f.fork_min_state_bytes = 0; /* fork even for this small state */
		assert_int_equal(
		    f.raft_fsm.snapshot(&f.raft_fsm, &bufs, &n_bufs), 0);
		assert_non_null(f.capture);
		op = call_op("Add", "{\"N\": 100}", "{\"Nonce\":2}");
		c = command(1, 7, &op, 1);
		apply(&f, 17, NODE_ID, 10, &c, 1);
		assert_int_equal(
		    ((struct counter *)fsm_find_service(&f, "counter")->state)
			->total,
		    108);
		assert_int_equal(
		    f.raft_fsm.snapshot_async(&f.raft_fsm, &bufs, &n_bufs), 0);
		assert_int_equal(fsm_init(&g, 2, NULL, NULL), 0);
		assert_int_equal(fsm_add_service(&g, counter_new()), 0);
		assert_int_equal(fsm_restore(&g, bufs[0].base, bufs[0].len), 0);
		assert_int_equal(
		    ((struct counter *)fsm_find_service(&g, "counter")->state)
			->total,
		    8);
		assert_int_equal(fsm_digest(&g), digest_at_capture);
		assert_int_equal(
		    f.raft_fsm.snapshot_finalize(&f.raft_fsm, &bufs, &n_bufs),
		    0);
		assert_null(f.capture);
		fsm_close(&g);
	}

	sink_reset(&sink);
	fsm_close(&f);
}

/* The memory budget's inputs: fsm_state_bytes follows kv puts and
 * deletes (and stored responses); fsm_op_growth is positive for a put and
 * a growing service write, 0 for a delete. */
static void test_state_bytes(void **state)
{
	struct fsm f;
	struct sink sink = {0};
	char value[1000];
	struct wire_op del = {.type = WIRE_OP_KV_DELETE, .key = "big"};
	struct wire_op op;
	struct wire_bytes c;
	size_t empty, full;
	(void)state;

	assert_int_equal(fsm_init(&f, NODE_ID, sink_cb, &sink), 0);
	assert_int_equal(fsm_add_service(&f, counter_new()), 0);
	empty = fsm_state_bytes(&f);
	memset(value, 'v', sizeof value - 1);
	value[sizeof value - 1] = '\0';
	op = put("big", value);
	assert_true(fsm_op_growth(&f, &op) >= 3 + 999);
	assert_int_equal(fsm_op_growth(&f, &del), 0);
	put_one(&f, 1, 1, "big", value, 10);
	full = fsm_state_bytes(&f);
	assert_true(full >= empty + 3 + 999);
	c = command(1, 2, &del, 1);
	apply(&f, 11, 99, 2, &c, 1);
	/* the value is gone (stored responses are not counted) */
	assert_int_equal(fsm_state_bytes(&f), empty);
	/* A service write with no action_grows hook may grow the state;
	 * a read does not. */
	op = call_op("Add", "{\"N\": 5}", NULL);
	assert_int_equal(fsm_op_growth(&f, &op), strlen("{\"N\": 5}") + 1);
	sink_reset(&sink);
	fsm_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_results_per_command),
	    cmocka_unit_test(test_session_dedup),
	    cmocka_unit_test(test_session_window_and_expiry),
	    cmocka_unit_test(test_session_window_exact),
	    cmocka_unit_test(test_session_floor),
	    cmocka_unit_test(test_session_floor_applied),
	    cmocka_unit_test(test_snapshot_round_trip),
	    cmocka_unit_test(test_async_snapshot_sees_capture_time_state),
	    cmocka_unit_test(test_digest_tracks_state),
	    cmocka_unit_test(test_kv_read_and_list),
	    cmocka_unit_test(test_kv_list_pages_fit_a_response),
	    cmocka_unit_test(test_malformed_entries),
	    cmocka_unit_test(test_service_calls),
	    cmocka_unit_test(test_prepare_call),
	    cmocka_unit_test(test_state_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
