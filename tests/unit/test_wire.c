/* Unit tests for proto/wire: round trips of every message kind, the bounds
 * the decoders enforce, the batch entry header and its lz4 path, and hostile
 * input (every truncation, mutated and random bytes) that must yield an
 * error or a valid object, never a crash. Run under ASan/UBSan in CI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

/* ---- helpers ------------------------------------------------------------- */

/* xorshift64*: a fixed-seed generator so that failures reproduce. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed != 0 ? seed : 1;
}

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static void assert_bytes(const uint8_t *got, size_t got_len, const void *want,
			 size_t want_len)
{
	assert_non_null(got);
	assert_int_equal(got_len, want_len);
	if (want_len != 0) {
		assert_memory_equal(got, want, want_len);
	}
}

static void assert_node_addr(const struct wire_node_addr *got,
			     const struct wire_node_addr *want)
{
	assert_int_equal(got->id, want->id);
	assert_string_equal(got->raft_address, want->raft_address);
	assert_string_equal(got->client_address, want->client_address);
	assert_string_equal(got->http_address, want->http_address);
}

/* Reads every byte a decoded object points to, so that ASan sees any
 * pointer that escaped its buffer. */
static size_t touch_str(const char *s)
{
	assert_non_null(s);
	return strlen(s);
}

static size_t touch_bytes(const uint8_t *p, size_t n)
{
	size_t i, sum = 0;

	assert_non_null(p);
	for (i = 0; i < n; i++) {
		sum += p[i];
	}
	return sum;
}

static size_t touch_node(const struct wire_node_addr *a)
{
	return touch_str(a->raft_address) + touch_str(a->client_address) +
	       touch_str(a->http_address);
}

static size_t touch_request(const struct wire_request *r)
{
	size_t i, sum = 0;

	for (i = 0; i < r->n_ops; i++) {
		const struct wire_op *op = &r->ops[i];
		assert_true(op->type < WIRE_OP__COUNT);
		sum += touch_str(op->key) + touch_str(op->prefix) +
		       touch_str(op->start_after) + touch_node(&op->node) +
		       touch_bytes(op->value, op->value_len);
		assert_true(strlen(op->key) <= WIRE_MAX_KEY_BYTES);
		assert_true(op->value_len <= WIRE_MAX_VALUE_BYTES);
	}
	return sum;
}

static size_t touch_response(const struct wire_response *r)
{
	size_t i, j,
	    sum = touch_str(r->error_name) + touch_str(r->error_message) +
		  touch_str(r->leader_address);

	for (i = 0; i < r->n_results; i++) {
		const struct wire_result *res = &r->results[i];
		sum += touch_str(res->error_name) +
		       touch_str(res->error_message) +
		       touch_str(res->next_token) +
		       touch_bytes(res->value, res->value_len);
		for (j = 0; j < res->n_items; j++) {
			sum += touch_str(res->items[j].key) +
			       touch_bytes(res->items[j].value,
					   res->items[j].value_len);
		}
		for (j = 0; j < res->n_nodes; j++) {
			sum += touch_node(&res->nodes[j].addr) +
			       touch_str(res->nodes[j].role) +
			       touch_str(res->nodes[j].voter_role);
		}
	}
	return sum;
}

static size_t touch_batch(const struct wire_batch *b)
{
	size_t i, sum = 0;

	for (i = 0; i < b->n_commands; i++) {
		sum += touch_bytes(b->commands[i].data, b->commands[i].len);
	}
	return sum;
}

static size_t touch_snapshot(const struct wire_snapshot *s)
{
	size_t i, j, sum = 0;

	for (i = 0; i < s->n_kv; i++) {
		sum += touch_str(s->kv[i].key) +
		       touch_bytes(s->kv[i].value, s->kv[i].value_len);
	}
	for (i = 0; i < s->n_sessions; i++) {
		for (j = 0; j < s->sessions[i].n_results; j++) {
			const struct wire_session_result *r =
			    &s->sessions[i].results[j];
			sum += touch_bytes(r->response, r->response_len);
		}
	}
	for (i = 0; i < s->n_nodes; i++) {
		sum += touch_node(&s->nodes[i]);
	}
	return sum;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] != 0) {
			return false;
		}
	}
	return true;
}

/* Outcomes of decode_all_ways, so that tests can check that hostile input
 * exercised both the error and the success paths. */
static unsigned decoded_ok, decoded_err;

/* Decodes buf with each decoder and checks the outcome is an error that
 * left *out zeroed, or a valid object that is then read and released. */
static void decode_all_ways(const uint8_t *buf, size_t len)
{
	struct wire_request req;
	struct wire_response resp;
	struct wire_batch batch;
	struct wire_snapshot snap;
	int rv, ok = 0;

	memset(&req, 0xa5, sizeof req);
	rv = wire_request_decode(buf, len, &req);
	if (rv == 0) {
		touch_request(&req);
		ok++;
	} else {
		assert_int_equal(rv, WIRE_ERR_MALFORMED);
		assert_true(all_zero(&req, sizeof req));
	}
	wire_request_release(&req);

	memset(&resp, 0xa5, sizeof resp);
	rv = wire_response_decode(buf, len, &resp);
	if (rv == 0) {
		touch_response(&resp);
		ok++;
	} else {
		assert_int_equal(rv, WIRE_ERR_MALFORMED);
		assert_true(all_zero(&resp, sizeof resp));
	}
	wire_response_release(&resp);

	memset(&batch, 0xa5, sizeof batch);
	rv = wire_batch_decode(buf, len, &batch);
	if (rv == 0) {
		touch_batch(&batch);
		ok++;
	} else {
		assert_int_equal(rv, WIRE_ERR_MALFORMED);
		assert_true(all_zero(&batch, sizeof batch));
	}
	wire_batch_release(&batch);

	memset(&snap, 0xa5, sizeof snap);
	rv = wire_snapshot_decode(buf, len, &snap);
	if (rv == 0) {
		touch_snapshot(&snap);
		ok++;
	} else {
		assert_int_equal(rv, WIRE_ERR_MALFORMED);
		assert_true(all_zero(&snap, sizeof snap));
	}
	wire_snapshot_release(&snap);
	decoded_ok += ok;
	decoded_err += 4 - ok;
}

/* Decodes every prefix of buf (into an exactly sized heap copy, so that ASan
 * catches any read past the end) with every decoder. */
static void check_truncations(const uint8_t *buf, size_t len)
{
	size_t cut;

	for (cut = 0; cut <= len; cut++) {
		uint8_t *copy = malloc(cut != 0 ? cut : 1);
		assert_non_null(copy);
		memcpy(copy, buf, cut);
		decode_all_ways(copy, cut);
		free(copy);
	}
}

/* Decodes `rounds` mutations of buf (byte changes, insertions and
 * deletions) with every decoder. */
static void check_mutations(const uint8_t *buf, size_t len, unsigned rounds)
{
	unsigned round;

	for (round = 0; round < rounds; round++) {
		size_t n = len + 8, out_len = len, k, edits;
		uint8_t *copy = malloc(n);

		assert_non_null(copy);
		memcpy(copy, buf, len);
		edits = 1 + rng_next() % 4;
		for (k = 0; k < edits && out_len > 0; k++) {
			size_t at = rng_next() % out_len;
			switch (rng_next() % 4) {
			case 0:
				copy[at] ^= (uint8_t)(1u << (rng_next() % 8));
				break;
			case 1:
				copy[at] = (uint8_t)rng_next();
				break;
			case 2: /* delete */
				memmove(copy + at, copy + at + 1,
					out_len - at - 1);
				out_len--;
				break;
			default: /* insert */
				if (out_len < n) {
					memmove(copy + at + 1, copy + at,
						out_len - at);
					copy[at] = (uint8_t)rng_next();
					out_len++;
				}
				break;
			}
		}
		decode_all_ways(copy, out_len);
		free(copy);
	}
}

/* ---- fixtures ------------------------------------------------------------ */

static const uint8_t value_bytes[] = {0, 1, 2, 0xff, 'v', 0};

/* One op of every type with every field it carries set. */
static void sample_ops(struct wire_op ops[WIRE_OP__COUNT])
{
	memset(ops, 0, sizeof(struct wire_op) * WIRE_OP__COUNT);
	ops[0].type = WIRE_OP_NONE;
	ops[1].type = WIRE_OP_KV_PUT;
	ops[1].key = "users/42";
	ops[1].value = value_bytes;
	ops[1].value_len = sizeof value_bytes;
	ops[2].type = WIRE_OP_KV_GET;
	ops[2].key = "users/43";
	ops[3].type = WIRE_OP_KV_DELETE;
	ops[3].key = "users/44";
	ops[4].type = WIRE_OP_KV_LIST;
	ops[4].prefix = "users/";
	ops[4].start_after = "users/1";
	ops[4].limit = 77;
	ops[5].type = WIRE_OP_CLUSTER_STATUS;
	ops[6].type = WIRE_OP_ADD_NODE;
	ops[6].node = (struct wire_node_addr){
	    4, "tcp://10.0.0.4:7001", "tcp://10.0.0.4:7000", "10.0.0.4:8080"};
	ops[6].voter = true;
	ops[7].type = WIRE_OP_ASSIGN_NODE;
	ops[7].node_id = 5;
	ops[7].role = 2;
	ops[8].type = WIRE_OP_REMOVE_NODE;
	ops[8].node_id = 6;
	ops[9].type = WIRE_OP_TRANSFER_LEADER;
	ops[9].node_id = UINT64_MAX;
	ops[10].type = WIRE_OP_SET_NODE_ADDR;
	ops[10].node =
	    (struct wire_node_addr){7, "tcp://h7:1", "tcp://h7:2", ""};
	ops[11].type = WIRE_OP_SERVICE_CALL;
	ops[11].service = "sqs";
	ops[11].action = "SendMessage";
	ops[11].input = (const uint8_t *)"{\"QueueUrl\":\"q\"}";
	ops[11].input_len = 15;
	ops[11].context = (const uint8_t *)"{\"MessageId\":\"m\"}";
	ops[11].context_len = 17;
	static const uint64_t peers[] = {2, 3};
	ops[12].type = WIRE_OP_DEBUG_DROP;
	ops[12].peers = peers;
	ops[12].n_peers = 2;
	ops[12].drop = true;
}

static void encode_sample_request(uint8_t **buf, size_t *len)
{
	struct wire_op ops[WIRE_OP__COUNT];
	struct wire_request r = {0};

	sample_ops(ops);
	r.client_id = 0x1122334455667788ull;
	r.seq = 99;
	r.seq_floor = 97;
	r.ops = ops;
	r.n_ops = WIRE_OP__COUNT;
	assert_int_equal(wire_request_encode(&r, buf, len), 0);
}

static struct wire_kv_item sample_items[] = {
    {"a", (const uint8_t *)"1", 1},
    {"b", NULL, 0},
    {"c/with/slashes", value_bytes, sizeof value_bytes},
};

static struct wire_node_status sample_nodes[] = {
    {{1, "tcp://n1:1", "tcp://n1:2", "n1:3"},
     "leader",
     "voter",
     5,
     100,
     99,
     101,
     101,
     1,
     0xdeadbeefcafef00dull,
     true},
    {{2, "tcp://n2:1", "tcp://n2:2", ""},
     "unavailable",
     "spare",
     4,
     90,
     80,
     95,
     0,
     0,
     0,
     false},
};

static void sample_response(struct wire_response *r,
			    struct wire_result results[4])
{
	memset(r, 0, sizeof *r);
	memset(results, 0, 4 * sizeof *results);
	results[0].found = true;
	results[0].value = value_bytes;
	results[0].value_len = sizeof value_bytes;
	results[1].items = sample_items;
	results[1].n_items = 3;
	results[1].next_token = "c/with/slashes";
	results[2].nodes = sample_nodes;
	results[2].n_nodes = 2;
	results[3].code = WIRE_ERR_NOT_FOUND;
	results[3].error_name = wire_code_name(WIRE_ERR_NOT_FOUND);
	results[3].error_message = "no such key";
	results[0].output = (const uint8_t *)"{\"MessageId\":\"m-1\"}";
	results[0].output_len = 19;
	r->code = WIRE_ERR_NOT_LEADER;
	r->error_name = "NotLeader";
	r->error_message = "ask node 3";
	r->leader_id = 3;
	r->leader_address = "tcp://n3:2";
	r->results = results;
	r->n_results = 4;
}

static void encode_sample_response(uint8_t **buf, size_t *len)
{
	struct wire_response r;
	struct wire_result results[4];

	sample_response(&r, results);
	assert_int_equal(wire_response_encode(&r, buf, len), 0);
}

static void encode_sample_batch(size_t threshold, void **buf, size_t *len)
{
	struct wire_bytes cmds[3] = {
	    {(const uint8_t *)"first", 5}, {NULL, 0}, {value_bytes, 6}};
	struct wire_batch b = {0};

	b.leader_time_ms = 1700000000123ull;
	b.leader_id = 2;
	b.nonce = 77;
	b.commands = cmds;
	b.n_commands = 3;
	assert_int_equal(wire_batch_encode(&b, threshold, NULL, buf, len), 0);
}

static struct wire_session_result sample_session_results[] = {
    {10, (const uint8_t *)"resp10", 6},
    {11, NULL, 0},
    {12, value_bytes, sizeof value_bytes},
};

static struct wire_service_state sample_services[] = {
    {"sqs", (const uint8_t *)"\x00\x01queue-state", 13},
    {"empty", NULL, 0},
};

static void sample_snapshot(struct wire_snapshot *s,
			    struct wire_session sessions[3],
			    struct wire_node_addr nodes[2])
{
	memset(s, 0, sizeof *s);
	sessions[0] =
	    (struct wire_session){100, 5000, sample_session_results, 2, 7};
	sessions[1] = (struct wire_session){101, 6000, NULL, 0};
	sessions[2] =
	    (struct wire_session){102, 7000, sample_session_results + 2, 1};
	nodes[0] = (struct wire_node_addr){1, "tcp://a:1", "tcp://a:2", "a:3"};
	nodes[1] = (struct wire_node_addr){2, "tcp://b:1", "tcp://b:2", ""};
	s->version = 3;
	s->last_time_ms = 1700000000999ull;
	s->kv = sample_items;
	s->n_kv = 3;
	s->sessions = sessions;
	s->n_sessions = 3;
	s->nodes = nodes;
	s->n_nodes = 2;
	s->services = sample_services;
	s->n_services = 2;
}

/* An allocator standing in for raft_malloc: counts its calls. */
static unsigned counting_allocs;

static void *counting_alloc(size_t size)
{
	counting_allocs++;
	return malloc(size);
}

/* ---- names and classification -------------------------------------------- */

static void test_code_names(void **state)
{
	(void)state;
	assert_string_equal(wire_code_name(WIRE_OK), "OK");
	assert_string_equal(wire_code_name(WIRE_ERR_NOT_LEADER), "NotLeader");
	assert_string_equal(wire_code_name(WIRE_ERR_MALFORMED),
			    "SerializationException");
	assert_string_equal(wire_code_name(WIRE_ERR_UNKNOWN_OP),
			    "InvalidAction");
	assert_string_equal(wire_code_name(WIRE_ERR_TOO_LARGE),
			    "RequestEntityTooLarge");
	assert_string_equal(wire_code_name(WIRE_ERR_NOT_FOUND),
			    "ResourceNotFoundException");
	assert_string_equal(wire_code_name(WIRE_ERR_UNAVAILABLE),
			    "ServiceUnavailable");
	assert_string_equal(wire_code_name(WIRE_ERR_INTERNAL),
			    "InternalFailure");
	assert_string_equal(wire_code_name(WIRE_ERR_OVER_LIMIT), "OverLimit");
	assert_string_equal(wire_code_name(WIRE_ERR_INVALID_PARAM),
			    "InvalidParameterValue");
	assert_string_equal(wire_code_name(WIRE_ERR_MISSING_PARAM),
			    "MissingParameter");
	assert_string_equal(wire_code_name(WIRE_ERR_TIMEOUT), "RequestTimeout");
	assert_string_equal(wire_code_name(WIRE_ERR_CONNECTION),
			    "ConnectionFailure");
	assert_string_equal(wire_code_name(WIRE_ERR_SESSION_EXPIRED),
			    "SessionExpired");
	assert_string_equal(wire_code_name(WIRE_ERR_SERVICE), "ServiceError");
	assert_string_equal(wire_code_name(WIRE_ERR_ACCESS_DENIED),
			    "AccessDenied");
	assert_string_equal(wire_code_name(WIRE_ERR_WOULD_WAIT), "WouldWait");
	assert_string_equal(wire_code_name(17), "UnknownError");
	assert_string_equal(wire_code_name(UINT32_MAX), "UnknownError");
}

static void test_op_is_write(void **state)
{
	int t;

	(void)state;
	for (t = 0; t < WIRE_OP__COUNT; t++) {
		bool want =
		    t == WIRE_OP_KV_PUT || t == WIRE_OP_KV_DELETE ||
		    t == WIRE_OP_SET_NODE_ADDR || t == WIRE_OP_SERVICE_CALL ||
		    t == WIRE_OP_RESTORE_BEGIN || t == WIRE_OP_RESTORE_CHUNK ||
		    t == WIRE_OP_RESTORE_COMMIT;
		assert_int_equal(wire_op_is_write((enum wire_op_type)t), want);
	}
}

/* ---- request ------------------------------------------------------------- */

static void test_request_round_trip(void **state)
{
	struct wire_op want[WIRE_OP__COUNT];
	struct wire_request r;
	uint8_t *buf;
	size_t len, i;

	(void)state;
	sample_ops(want);
	encode_sample_request(&buf, &len);
	assert_int_equal(wire_request_decode(buf, len, &r), 0);
	free(buf);

	assert_int_equal(r.client_id, 0x1122334455667788ull);
	assert_int_equal(r.seq, 99);
	assert_int_equal(r.seq_floor, 97);
	assert_int_equal(r.n_ops, WIRE_OP__COUNT);
	for (i = 0; i < r.n_ops; i++) {
		const struct wire_op *got = &r.ops[i], *w = &want[i];
		struct wire_node_addr empty = {0, "", "", ""};

		assert_int_equal(got->type, w->type);
		assert_string_equal(got->key, w->key ? w->key : "");
		assert_bytes(got->value, got->value_len, w->value,
			     w->value_len);
		assert_string_equal(got->prefix, w->prefix ? w->prefix : "");
		assert_string_equal(got->start_after,
				    w->start_after ? w->start_after : "");
		assert_int_equal(got->limit, w->limit);
		assert_node_addr(&got->node,
				 w->node.raft_address ? &w->node : &empty);
		assert_int_equal(got->voter, w->voter);
		assert_int_equal(got->node_id, w->node_id);
		assert_int_equal(got->role, w->role);
		assert_string_equal(got->service, w->service ? w->service : "");
		assert_string_equal(got->action, w->action ? w->action : "");
		assert_bytes(got->input, got->input_len, w->input,
			     w->input_len);
		assert_bytes(got->context, got->context_len, w->context,
			     w->context_len);
		assert_int_equal(got->n_peers, w->n_peers);
		for (size_t p = 0; p < w->n_peers; p++) {
			assert_int_equal(got->peers[p], w->peers[p]);
		}
		assert_int_equal(got->drop, w->drop);
	}
	wire_request_release(&r);
	assert_true(all_zero(&r, sizeof r));
	wire_request_release(&r); /* twice is harmless */
}

static void test_request_empty(void **state)
{
	struct wire_request in = {0}, r;
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_int_equal(wire_request_encode(&in, &buf, &len), 0);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(wire_request_decode(buf, len, &r), 0);
	assert_int_equal(r.n_ops, 0);
	assert_int_equal(r.client_id, 0);
	wire_request_release(&r);
	free(buf);
	assert_int_equal(wire_request_decode(NULL, 0, &r), 0);
	wire_request_release(&r);
	assert_int_equal(wire_request_decode(NULL, 1, &r), WIRE_ERR_MALFORMED);
}

/* NULL strings and an op with no fields decode as "" / 0, not NULL. */
static void test_request_missing_fields(void **state)
{
	struct wire_op op = {0};
	struct wire_request in = {0}, r;
	uint8_t *buf;
	size_t len;

	(void)state;
	op.type = WIRE_OP_KV_PUT; /* key NULL, value NULL */
	in.ops = &op;
	in.n_ops = 1;
	assert_int_equal(wire_request_encode(&in, &buf, &len), 0);
	assert_int_equal(wire_request_decode(buf, len, &r), 0);
	free(buf);
	assert_int_equal(r.ops[0].type, WIRE_OP_KV_PUT);
	assert_string_equal(r.ops[0].key, "");
	assert_non_null(r.ops[0].value);
	assert_int_equal(r.ops[0].value_len, 0);
	assert_string_equal(r.ops[0].node.raft_address, "");
	wire_request_release(&r);
}

static int encode_one_op(const struct wire_op *op, uint8_t **buf, size_t *len)
{
	struct wire_request in = {0};

	in.ops = (struct wire_op *)op;
	in.n_ops = 1;
	return wire_request_encode(&in, buf, len);
}

static int decode_and_release(const uint8_t *buf, size_t len)
{
	struct wire_request r;
	int rv = wire_request_decode(buf, len, &r);

	wire_request_release(&r);
	return rv;
}

static void test_request_key_value_bounds(void **state)
{
	char *key = malloc(WIRE_MAX_KEY_BYTES + 2);
	uint8_t *value = calloc(1, WIRE_MAX_VALUE_BYTES + 1);
	struct wire_op op;
	uint8_t *buf;
	size_t len;
	int field;

	(void)state;
	assert_non_null(key);
	assert_non_null(value);
	memset(key, 'k', WIRE_MAX_KEY_BYTES + 1);
	key[WIRE_MAX_KEY_BYTES + 1] = '\0';

	/* key, prefix, start_after: the longest allowed, then one more. */
	for (field = 0; field < 3; field++) {
		size_t n;
		for (n = WIRE_MAX_KEY_BYTES; n <= WIRE_MAX_KEY_BYTES + 1; n++) {
			char saved = key[n];
			key[n] = '\0';
			memset(&op, 0, sizeof op);
			op.type = field == 0 ? WIRE_OP_KV_GET : WIRE_OP_KV_LIST;
			if (field == 0) {
				op.key = key;
			} else if (field == 1) {
				op.prefix = key;
			} else {
				op.start_after = key;
			}
			assert_int_equal(encode_one_op(&op, &buf, &len), 0);
			assert_int_equal(
			    decode_and_release(buf, len),
			    n == WIRE_MAX_KEY_BYTES ? 0 : WIRE_ERR_MALFORMED);
			free(buf);
			key[n] = saved;
		}
	}

	memset(&op, 0, sizeof op);
	op.type = WIRE_OP_KV_PUT;
	op.key = "k";
	op.value = value;
	op.value_len = WIRE_MAX_VALUE_BYTES;
	assert_int_equal(encode_one_op(&op, &buf, &len), 0);
	assert_int_equal(decode_and_release(buf, len), 0);
	free(buf);
	op.value_len = WIRE_MAX_VALUE_BYTES + 1;
	assert_int_equal(encode_one_op(&op, &buf, &len), 0);
	assert_int_equal(decode_and_release(buf, len), WIRE_ERR_MALFORMED);
	free(buf);

	free(value);
	free(key);
}

static void test_request_ops_bound(void **state)
{
	struct wire_op *ops = calloc(WIRE_MAX_OPS_PER_REQUEST + 1, sizeof *ops);
	struct wire_request in = {0}, r;
	uint8_t *buf;
	size_t len, i;

	(void)state;
	assert_non_null(ops);
	for (i = 0; i <= WIRE_MAX_OPS_PER_REQUEST; i++) {
		ops[i].type = WIRE_OP_KV_GET;
		ops[i].key = "k";
	}
	in.ops = ops;
	in.n_ops = WIRE_MAX_OPS_PER_REQUEST;
	assert_int_equal(wire_request_encode(&in, &buf, &len), 0);
	assert_int_equal(wire_request_decode(buf, len, &r), 0);
	assert_int_equal(r.n_ops, WIRE_MAX_OPS_PER_REQUEST);
	wire_request_release(&r);
	free(buf);

	in.n_ops = WIRE_MAX_OPS_PER_REQUEST + 1;
	assert_int_equal(wire_request_encode(&in, &buf, &len), 0);
	memset(&r, 0xa5, sizeof r);
	assert_int_equal(wire_request_decode(buf, len, &r), WIRE_ERR_MALFORMED);
	assert_true(all_zero(&r, sizeof r));
	wire_request_release(&r);
	free(buf);
	free(ops);
}

/* A pack carries encoded Requests unchanged, up to WIRE_MAX_PACKED, and
 * nothing of its own; its answer carries encoded Responses. */
static void test_pack_round_trip(void **state)
{
	struct wire_op op = {.type = WIRE_OP_KV_PUT,
			     .key = "k",
			     .value = (const uint8_t *)"v",
			     .value_len = 1};
	struct wire_request inner = {.client_id = 7, .ops = &op, .n_ops = 1};
	struct wire_bytes *parts = calloc(WIRE_MAX_PACKED + 1, sizeof *parts);
	uint8_t *bufs[3], *buf;
	size_t lens[3], len, i;
	struct wire_request pack = {0}, r;
	struct wire_response resp = {0}, rr;

	(void)state;
	assert_non_null(parts);
	for (i = 0; i < 3; i++) {
		inner.seq = i + 1;
		assert_int_equal(
		    wire_request_encode(&inner, &bufs[i], &lens[i]), 0);
	}
	for (i = 0; i <= WIRE_MAX_PACKED; i++) {
		parts[i].data = bufs[i % 3];
		parts[i].len = lens[i % 3];
	}
	pack.packed = parts;
	pack.n_packed = 3;
	assert_int_equal(wire_request_encode(&pack, &buf, &len), 0);
	assert_int_equal(wire_request_decode(buf, len, &r), 0);
	assert_int_equal(r.n_packed, 3);
	assert_int_equal(r.n_ops, 0);
	for (i = 0; i < 3; i++) {
		struct wire_request in;
		assert_int_equal(r.packed[i].len, lens[i]);
		assert_memory_equal(r.packed[i].data, bufs[i], lens[i]);
		assert_int_equal(
		    wire_request_decode(r.packed[i].data, r.packed[i].len, &in),
		    0);
		assert_int_equal(in.seq, i + 1);
		wire_request_release(&in);
	}
	wire_request_release(&r);
	free(buf);

	/* A pack with anything of its own is malformed. */
	pack.ops = &op;
	pack.n_ops = 1;
	assert_int_equal(wire_request_encode(&pack, &buf, &len), 0);
	assert_int_equal(wire_request_decode(buf, len, &r), WIRE_ERR_MALFORMED);
	free(buf);
	pack.ops = NULL;
	pack.n_ops = 0;
	pack.seq = 9;
	assert_int_equal(wire_request_encode(&pack, &buf, &len), 0);
	assert_int_equal(wire_request_decode(buf, len, &r), WIRE_ERR_MALFORMED);
	free(buf);
	pack.seq = 0;
	pack.seq_floor = 9;
	assert_int_equal(wire_request_encode(&pack, &buf, &len), 0);
	assert_int_equal(wire_request_decode(buf, len, &r), WIRE_ERR_MALFORMED);
	free(buf);
	pack.seq_floor = 0;
	pack.waited_ms = 100;
	assert_int_equal(wire_request_encode(&pack, &buf, &len), 0);
	assert_int_equal(wire_request_decode(buf, len, &r), WIRE_ERR_MALFORMED);
	free(buf);
	pack.waited_ms = 0;

	/* At most WIRE_MAX_PACKED. */
	pack.n_packed = WIRE_MAX_PACKED;
	assert_int_equal(wire_request_encode(&pack, &buf, &len), 0);
	assert_int_equal(wire_request_decode(buf, len, &r), 0);
	assert_int_equal(r.n_packed, WIRE_MAX_PACKED);
	wire_request_release(&r);
	free(buf);
	pack.n_packed = WIRE_MAX_PACKED + 1;
	assert_int_equal(wire_request_encode(&pack, &buf, &len),
			 WIRE_ERR_TOO_LARGE);

	/* The answer. */
	resp.packed = parts;
	resp.n_packed = 2;
	assert_int_equal(wire_response_encode(&resp, &buf, &len), 0);
	assert_int_equal(wire_response_decode(buf, len, &rr), 0);
	assert_int_equal(rr.n_packed, 2);
	assert_memory_equal(rr.packed[1].data, bufs[1], lens[1]);
	wire_response_release(&rr);
	free(buf);

	for (i = 0; i < 3; i++)
		free(bufs[i]);
	free(parts);
}

/* Requests larger than WIRE_MAX_REQUEST_BYTES are refused both ways. */
static void test_request_size_bound(void **state)
{
	uint8_t *value = calloc(1, WIRE_MAX_VALUE_BYTES);
	uint8_t *big = calloc(1, WIRE_MAX_REQUEST_BYTES + 1);
	struct wire_op ops[4];
	struct wire_request in = {0}, r;
	uint8_t *buf = NULL;
	size_t len, i;

	(void)state;
	assert_non_null(value);
	assert_non_null(big);
	for (i = 0; i < 4; i++) {
		memset(&ops[i], 0, sizeof ops[i]);
		ops[i].type = WIRE_OP_KV_PUT;
		ops[i].key = "k";
		ops[i].value = value;
		ops[i].value_len = WIRE_MAX_VALUE_BYTES;
	}
	in.ops = ops;
	in.n_ops = 4; /* 4 MiB of values plus framing: just too large */
	assert_int_equal(wire_request_encode(&in, &buf, &len),
			 WIRE_ERR_TOO_LARGE);
	assert_int_equal(
	    wire_request_decode(big, WIRE_MAX_REQUEST_BYTES + 1, &r),
	    WIRE_ERR_MALFORMED);
	assert_true(all_zero(&r, sizeof r));
	free(big);
	free(value);
}

static void test_request_encode_errors(void **state)
{
	struct wire_op op = {0};
	struct wire_request in = {0};
	uint8_t *buf = NULL;
	size_t len;

	(void)state;
	op.type = WIRE_OP__COUNT;
	assert_int_equal(encode_one_op(&op, &buf, &len), WIRE_ERR_UNKNOWN_OP);
	op.type = (enum wire_op_type) - 1;
	assert_int_equal(encode_one_op(&op, &buf, &len), WIRE_ERR_UNKNOWN_OP);
	op.type = WIRE_OP_KV_PUT;
	op.value_len = 3; /* value NULL */
	assert_int_equal(encode_one_op(&op, &buf, &len),
			 WIRE_ERR_INVALID_PARAM);
	in.n_ops = 2; /* ops NULL */
	assert_int_equal(wire_request_encode(&in, &buf, &len),
			 WIRE_ERR_INVALID_PARAM);
	assert_null(buf);
}

/* Hand-made encodings the encoder never produces. */
static void test_request_hostile_shapes(void **state)
{
	/* Request{ops: Op{kv_get: KvGet{key: "a\0b"}}} */
	static const uint8_t nul_key[] = {0x1a, 0x07, 0x12, 0x05, 0x0a,
					  0x03, 'a',  0x00, 'b'};
	/* Request{ops: Op{field 5 (unknown), varint 1}} */
	static const uint8_t unknown_op[] = {0x1a, 0x02, 0x28, 0x01};
	/* Request{seq: 5, field 12 (unknown) "xy"} */
	static const uint8_t unknown_field[] = {0x10, 0x05, 0x62,
						0x02, 'x',  'y'};
	/* Request{field 1 as a group start} */
	static const uint8_t group[] = {0x0b, 0x0c};
	/* Request{ops: length 5 with 1 byte left} */
	static const uint8_t short_op[] = {0x1a, 0x05, 0x00};
	/* tag with field number 0 */
	static const uint8_t zero_tag[] = {0x00, 0x01};
	struct wire_request r;
	uint8_t *flood;
	size_t i, n;

	(void)state;
	assert_int_equal(decode_and_release(nul_key, sizeof nul_key),
			 WIRE_ERR_MALFORMED);
	assert_int_equal(decode_and_release(group, sizeof group),
			 WIRE_ERR_MALFORMED);
	assert_int_equal(decode_and_release(short_op, sizeof short_op),
			 WIRE_ERR_MALFORMED);
	assert_int_equal(decode_and_release(zero_tag, sizeof zero_tag),
			 WIRE_ERR_MALFORMED);

	assert_int_equal(wire_request_decode(unknown_op, sizeof unknown_op, &r),
			 0);
	assert_int_equal(r.n_ops, 1);
	assert_int_equal(r.ops[0].type, WIRE_OP_NONE);
	wire_request_release(&r);

	assert_int_equal(
	    wire_request_decode(unknown_field, sizeof unknown_field, &r), 0);
	assert_int_equal(r.seq, 5);
	wire_request_release(&r);

	/* 100,000 empty unknown fields: far over the field budget, although
	 * well under the size bound. */
	n = 100000;
	flood = malloc(2 * n);
	assert_non_null(flood);
	for (i = 0; i < n; i++) {
		flood[2 * i] = 0x78; /* field 15, varint */
		flood[2 * i + 1] = 0x00;
	}
	assert_int_equal(decode_and_release(flood, 2 * n), WIRE_ERR_MALFORMED);
	/* ...and 100,000 empty ops. */
	for (i = 0; i < n; i++) {
		flood[2 * i] = 0x1a;
	}
	assert_int_equal(decode_and_release(flood, 2 * n), WIRE_ERR_MALFORMED);
	free(flood);
}

/* ---- response ------------------------------------------------------------ */

static void test_response_round_trip(void **state)
{
	struct wire_response want, r;
	struct wire_result results[4];
	uint8_t *buf;
	size_t len, i, j;

	(void)state;
	sample_response(&want, results);
	encode_sample_response(&buf, &len);
	assert_int_equal(wire_response_decode(buf, len, &r), 0);
	free(buf);

	assert_int_equal(r.code, want.code);
	assert_string_equal(r.error_name, want.error_name);
	assert_string_equal(r.error_message, want.error_message);
	assert_int_equal(r.leader_id, want.leader_id);
	assert_string_equal(r.leader_address, want.leader_address);
	assert_int_equal(r.n_results, 4);
	for (i = 0; i < 4; i++) {
		const struct wire_result *g = &r.results[i], *w = &results[i];
		assert_int_equal(g->code, w->code);
		assert_string_equal(g->error_name,
				    w->error_name ? w->error_name : "");
		assert_string_equal(g->error_message,
				    w->error_message ? w->error_message : "");
		assert_int_equal(g->found, w->found);
		assert_bytes(g->value, g->value_len, w->value, w->value_len);
		assert_bytes(g->output, g->output_len, w->output,
			     w->output_len);
		assert_string_equal(g->next_token,
				    w->next_token ? w->next_token : "");
		assert_int_equal(g->n_items, w->n_items);
		for (j = 0; j < g->n_items; j++) {
			assert_string_equal(g->items[j].key, w->items[j].key);
			assert_bytes(g->items[j].value, g->items[j].value_len,
				     w->items[j].value, w->items[j].value_len);
		}
		assert_int_equal(g->n_nodes, w->n_nodes);
		for (j = 0; j < g->n_nodes; j++) {
			const struct wire_node_status *gn = &g->nodes[j];
			const struct wire_node_status *wn = &w->nodes[j];
			assert_node_addr(&gn->addr, &wn->addr);
			assert_string_equal(gn->role, wn->role);
			assert_string_equal(gn->voter_role, wn->voter_role);
			assert_int_equal(gn->term, wn->term);
			assert_int_equal(gn->commit_index, wn->commit_index);
			assert_int_equal(gn->applied_index, wn->applied_index);
			assert_int_equal(gn->last_index, wn->last_index);
			assert_int_equal(gn->match_index, wn->match_index);
			assert_int_equal(gn->leader_id, wn->leader_id);
			assert_int_equal(gn->digest, wn->digest);
			assert_int_equal(gn->reachable, wn->reachable);
		}
	}
	wire_response_release(&r);
	assert_true(all_zero(&r, sizeof r));
}

/* Backup and restore ops and results survive a round trip; a restore
 * chunk over the bound and a staging larger than announced are refused. */
static void test_backup_ops_round_trip(void **state)
{
	static uint8_t big[WIRE_MAX_BACKUP_CHUNK_BYTES + 1];
	const uint8_t piece[] = {1, 2, 3, 0, 5};
	struct wire_op ops[5] = {
	    {.type = WIRE_OP_BACKUP_BEGIN},
	    {.type = WIRE_OP_BACKUP_READ,
	     .backup_id = 0xabcdef0123456789u,
	     .offset = 1u << 30,
	     .max_bytes = 4096},
	    {.type = WIRE_OP_RESTORE_BEGIN,
	     .backup_id = 9,
	     .total_bytes = 123456789,
	     .force = true},
	    {.type = WIRE_OP_RESTORE_CHUNK,
	     .backup_id = 9,
	     .offset = 77,
	     .data = piece,
	     .data_len = sizeof piece},
	    {.type = WIRE_OP_RESTORE_COMMIT, .backup_id = 9}};
	struct wire_request r = {.client_id = 1,
				 .seq = 2,
				 .ops = ops,
				 .n_ops = 5},
			    d;
	struct wire_result res = {.has_backup = true,
				  .backup = {.backup_id = 5,
					     .applied_index = 6,
					     .term = 7,
					     .total_bytes = 8,
					     .content_digest = 9,
					     .node_id = 10},
				  .value = piece,
				  .value_len = sizeof piece};
	struct wire_response resp = {.results = &res, .n_results = 1}, dr;
	uint8_t *buf;
	size_t len;
	(void)state;

	assert_int_equal(wire_request_encode(&r, &buf, &len), 0);
	assert_int_equal(wire_request_decode(buf, len, &d), 0);
	free(buf);
	assert_int_equal(d.n_ops, 5);
	assert_int_equal(d.ops[0].type, WIRE_OP_BACKUP_BEGIN);
	assert_int_equal(d.ops[1].type, WIRE_OP_BACKUP_READ);
	assert_int_equal(d.ops[1].backup_id, 0xabcdef0123456789u);
	assert_int_equal(d.ops[1].offset, 1u << 30);
	assert_int_equal(d.ops[1].max_bytes, 4096);
	assert_int_equal(d.ops[2].type, WIRE_OP_RESTORE_BEGIN);
	assert_int_equal(d.ops[2].total_bytes, 123456789);
	assert_true(d.ops[2].force);
	assert_int_equal(d.ops[3].type, WIRE_OP_RESTORE_CHUNK);
	assert_int_equal(d.ops[3].offset, 77);
	assert_int_equal(d.ops[3].data_len, sizeof piece);
	assert_memory_equal(d.ops[3].data, piece, sizeof piece);
	assert_int_equal(d.ops[4].type, WIRE_OP_RESTORE_COMMIT);
	assert_int_equal(d.ops[4].backup_id, 9);
	assert_true(wire_op_is_write(WIRE_OP_RESTORE_CHUNK));
	assert_false(wire_op_is_write(WIRE_OP_BACKUP_BEGIN));
	wire_request_release(&d);

	assert_int_equal(wire_response_encode(&resp, &buf, &len), 0);
	assert_int_equal(wire_response_decode(buf, len, &dr), 0);
	free(buf);
	assert_true(dr.results[0].has_backup);
	assert_int_equal(dr.results[0].backup.backup_id, 5);
	assert_int_equal(dr.results[0].backup.applied_index, 6);
	assert_int_equal(dr.results[0].backup.term, 7);
	assert_int_equal(dr.results[0].backup.total_bytes, 8);
	assert_int_equal(dr.results[0].backup.content_digest, 9);
	assert_int_equal(dr.results[0].backup.node_id, 10);
	assert_int_equal(dr.results[0].value_len, sizeof piece);
	wire_response_release(&dr);
	res.has_backup = false;
	assert_int_equal(wire_response_encode(&resp, &buf, &len), 0);
	assert_int_equal(wire_response_decode(buf, len, &dr), 0);
	free(buf);
	assert_false(dr.results[0].has_backup);
	wire_response_release(&dr);

	/* A chunk over the bound: the decoder refuses it. */
	ops[3].data = big;
	ops[3].data_len = sizeof big;
	r.ops = &ops[3];
	r.n_ops = 1;
	assert_int_equal(wire_request_encode(&r, &buf, &len), 0);
	assert_int_equal(wire_request_decode(buf, len, &d), WIRE_ERR_MALFORMED);
	free(buf);

	/* A snapshot whose staging holds more than it announced. */
	struct wire_snapshot s = {.version = 1,
				  .restore_id = 3,
				  .restore_total_bytes = 4,
				  .restore_data = piece,
				  .restore_len = sizeof piece},
			     ds;
	void *sbuf;
	assert_int_equal(wire_snapshot_encode(&s, NULL, &sbuf, &len), 0);
	assert_int_equal(wire_snapshot_decode(sbuf, len, &ds),
			 WIRE_ERR_MALFORMED);
	free(sbuf);
	s.restore_total_bytes = 5;
	s.restore_force = true;
	assert_int_equal(wire_snapshot_encode(&s, NULL, &sbuf, &len), 0);
	assert_int_equal(wire_snapshot_decode(sbuf, len, &ds), 0);
	free(sbuf);
	assert_int_equal(ds.restore_id, 3);
	assert_int_equal(ds.restore_total_bytes, 5);
	assert_true(ds.restore_force);
	assert_memory_equal(ds.restore_data, piece, sizeof piece);
	wire_snapshot_release(&ds);
}

static void test_response_encode_error(void **state)
{
	struct wire_response r;
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_int_equal(wire_response_encode_error(WIRE_ERR_NOT_LEADER,
						    "not the leader", 3,
						    "tcp://n3:2", &buf, &len),
			 0);
	assert_int_equal(wire_response_decode(buf, len, &r), 0);
	free(buf);
	assert_int_equal(r.code, WIRE_ERR_NOT_LEADER);
	assert_string_equal(r.error_name, "NotLeader");
	assert_string_equal(r.error_message, "not the leader");
	assert_int_equal(r.leader_id, 3);
	assert_string_equal(r.leader_address, "tcp://n3:2");
	assert_int_equal(r.n_results, 0);
	wire_response_release(&r);

	assert_int_equal(wire_response_encode_error(WIRE_ERR_MALFORMED, NULL, 0,
						    NULL, &buf, &len),
			 0);
	assert_int_equal(wire_response_decode(buf, len, &r), 0);
	free(buf);
	assert_int_equal(r.code, WIRE_ERR_MALFORMED);
	assert_string_equal(r.error_name, "SerializationException");
	assert_string_equal(r.error_message, "");
	assert_string_equal(r.leader_address, "");
	wire_response_release(&r);
}

static void test_response_encode_errors(void **state)
{
	struct wire_response r = {0};
	struct wire_result res = {0};
	uint8_t *buf = NULL;
	size_t len;

	(void)state;
	r.n_results = 1; /* results NULL */
	assert_int_equal(wire_response_encode(&r, &buf, &len),
			 WIRE_ERR_INVALID_PARAM);
	r.results = &res;
	res.n_items = 1; /* items NULL */
	assert_int_equal(wire_response_encode(&r, &buf, &len),
			 WIRE_ERR_INVALID_PARAM);
	res.n_items = 0;
	res.value_len = 1; /* value NULL */
	assert_int_equal(wire_response_encode(&r, &buf, &len),
			 WIRE_ERR_INVALID_PARAM);
	assert_null(buf);
}

/* ---- batch --------------------------------------------------------------- */

static void check_sample_batch(const void *buf, size_t len)
{
	struct wire_batch b;

	assert_int_equal(wire_batch_decode(buf, len, &b), 0);
	assert_int_equal(b.leader_time_ms, 1700000000123ull);
	assert_int_equal(b.leader_id, 2);
	assert_int_equal(b.nonce, 77);
	assert_int_equal(b.n_commands, 3);
	assert_bytes(b.commands[0].data, b.commands[0].len, "first", 5);
	assert_bytes(b.commands[1].data, b.commands[1].len, NULL, 0);
	assert_bytes(b.commands[2].data, b.commands[2].len, value_bytes, 6);
	wire_batch_release(&b);
	assert_true(all_zero(&b, sizeof b));
}

static size_t header_raw_size(const uint8_t *p)
{
	return (size_t)p[4] | (size_t)p[5] << 8 | (size_t)p[6] << 16 |
	       (size_t)p[7] << 24;
}

static void test_batch_plain(void **state)
{
	void *buf;
	size_t len;
	const uint8_t *p;

	(void)state;
	encode_sample_batch(SIZE_MAX, &buf, &len);
	p = buf;
	assert_int_equal(p[0], WIRE_BATCH_PLAIN);
	assert_int_equal(header_raw_size(p),
			 len - WIRE_BATCH_HEADER_BYTES - p[1]);
	/* raft 0.15 needs entries of a multiple of 8 bytes. */
	assert_int_equal(len % 8, 0);
	check_sample_batch(buf, len);
	free(buf);

	/* A tiny batch is left plain even when asked to compress
	 * everything: lz4 would not make it smaller. */
	encode_sample_batch(0, &buf, &len);
	p = buf;
	assert_int_equal(p[0], WIRE_BATCH_PLAIN);
	check_sample_batch(buf, len);
	free(buf);
}

static void test_batch_empty(void **state)
{
	struct wire_batch in = {0}, b;
	void *buf;
	size_t len;

	(void)state;
	assert_int_equal(wire_batch_encode(&in, 0, NULL, &buf, &len), 0);
	assert_int_equal(len, WIRE_BATCH_HEADER_BYTES);
	assert_int_equal(wire_batch_decode(buf, len, &b), 0);
	assert_int_equal(b.n_commands, 0);
	wire_batch_release(&b);
	free(buf);
}

/* A large repetitive batch is compressed, through one call to alloc. */
static void test_batch_lz4(void **state)
{
	enum { N = 200, CMD = 1000 };
	struct wire_bytes *cmds = calloc(N, sizeof *cmds);
	uint8_t *data = malloc(N * CMD);
	struct wire_batch in = {0}, b;
	const uint8_t *p;
	void *buf;
	size_t len, i;

	(void)state;
	assert_non_null(cmds);
	assert_non_null(data);
	for (i = 0; i < N * CMD; i++) {
		data[i] = (uint8_t)("stratus"[i % 7] + i / CMD);
	}
	for (i = 0; i < N; i++) {
		cmds[i].data = data + i * CMD;
		cmds[i].len = CMD;
	}
	in.leader_time_ms = 5;
	in.leader_id = 1;
	in.nonce = 9;
	in.commands = cmds;
	in.n_commands = N;

	counting_allocs = 0;
	assert_int_equal(
	    wire_batch_encode(&in, 1024, counting_alloc, &buf, &len), 0);
	assert_int_equal(counting_allocs, 1);
	p = buf;
	assert_int_equal(p[0], WIRE_BATCH_LZ4);
	assert_int_equal(len % 8, 0);
	assert_true(header_raw_size(p) > N * CMD);
	assert_true(len < header_raw_size(p) / 4);

	assert_int_equal(wire_batch_decode(buf, len, &b), 0);
	assert_int_equal(b.leader_time_ms, 5);
	assert_int_equal(b.leader_id, 1);
	assert_int_equal(b.nonce, 9);
	assert_int_equal(b.n_commands, N);
	for (i = 0; i < N; i++) {
		assert_bytes(b.commands[i].data, b.commands[i].len,
			     data + i * CMD, CMD);
	}
	wire_batch_release(&b);

	/* Every truncation of a compressed entry, and some corruptions. */
	check_truncations(buf, len < 400 ? len : 400);
	check_mutations(buf, len, 300);
	free(buf);

	/* The same batch under the threshold stays plain. */
	assert_int_equal(wire_batch_encode(&in, SIZE_MAX, NULL, &buf, &len), 0);
	p = buf;
	assert_int_equal(p[0], WIRE_BATCH_PLAIN);
	assert_int_equal(len,
			 WIRE_BATCH_HEADER_BYTES + header_raw_size(p) + p[1]);
	free(buf);
	free(data);
	free(cmds);
}

/* Incompressible data above the threshold is stored plain. */
static void test_batch_incompressible(void **state)
{
	enum { SIZE = 64 * 1024 };
	uint8_t *data = malloc(SIZE);
	struct wire_bytes cmd;
	struct wire_batch in = {0};
	void *buf;
	size_t len, i;

	(void)state;
	assert_non_null(data);
	rng_seed(7);
	for (i = 0; i < SIZE; i++) {
		data[i] = (uint8_t)rng_next();
	}
	cmd.data = data;
	cmd.len = SIZE;
	in.commands = &cmd;
	in.n_commands = 1;
	counting_allocs = 0;
	assert_int_equal(wire_batch_encode(&in, 0, counting_alloc, &buf, &len),
			 0);
	assert_int_equal(counting_allocs, 1);
	assert_int_equal(((uint8_t *)buf)[0], WIRE_BATCH_PLAIN);
	assert_int_equal(len, WIRE_BATCH_HEADER_BYTES + header_raw_size(buf) +
				  ((uint8_t *)buf)[1]);
	assert_int_equal(len % 8, 0);
	free(buf);
	free(data);
}

static void test_batch_bad_headers(void **state)
{
	struct wire_batch b;
	void *enc;
	size_t enc_len;
	uint8_t *buf;
	/* lz4 entry claiming 1 MiB from 3 bytes: over the 255:1 bound */
	static const uint8_t bomb[] = {WIRE_BATCH_LZ4, 0x00, 0x00, 0x10,
				       0x00,	       0x1f, 0x00, 0x00};
	/* raw size over WIRE_MAX_BATCH_BYTES */
	static const uint8_t huge[] = {WIRE_BATCH_PLAIN, 0xff, 0xff, 0xff,
				       0xff};
	/* lz4 with an empty payload */
	static const uint8_t empty_lz4[] = {WIRE_BATCH_LZ4, 0, 0, 0, 0};

	(void)state;
	assert_int_equal(wire_batch_decode(NULL, 0, &b), WIRE_ERR_MALFORMED);
	assert_int_equal(wire_batch_decode(bomb, sizeof bomb, &b),
			 WIRE_ERR_MALFORMED);
	assert_int_equal(wire_batch_decode(huge, sizeof huge, &b),
			 WIRE_ERR_MALFORMED);
	assert_int_equal(wire_batch_decode(empty_lz4, sizeof empty_lz4, &b),
			 WIRE_ERR_MALFORMED);

	encode_sample_batch(SIZE_MAX, &enc, &enc_len);
	buf = enc;
	buf[0] = 2; /* unknown format */
	assert_int_equal(wire_batch_decode(buf, enc_len, &b),
			 WIRE_ERR_MALFORMED);
	buf[0] = WIRE_BATCH_PLAIN;
	buf[1]++; /* raw size no longer matches */
	assert_int_equal(wire_batch_decode(buf, enc_len, &b),
			 WIRE_ERR_MALFORMED);
	buf[1]--;
	buf[0] = WIRE_BATCH_LZ4; /* plain payload read as lz4 */
	assert_int_equal(wire_batch_decode(buf, enc_len, &b),
			 WIRE_ERR_MALFORMED);
	assert_true(all_zero(&b, sizeof b));
	wire_batch_release(&b);
	free(enc);
}

static void test_batch_encode_errors(void **state)
{
	struct wire_bytes cmd = {NULL, 4};
	struct wire_batch in = {0};
	void *buf = NULL;
	size_t len;

	(void)state;
	in.n_commands = 1; /* commands NULL */
	assert_int_equal(wire_batch_encode(&in, 0, NULL, &buf, &len),
			 WIRE_ERR_INVALID_PARAM);
	in.commands = &cmd; /* data NULL */
	assert_int_equal(wire_batch_encode(&in, 0, NULL, &buf, &len),
			 WIRE_ERR_INVALID_PARAM);
	assert_null(buf);
}

/* ---- snapshot ------------------------------------------------------------ */

static void test_snapshot_round_trip(void **state)
{
	struct wire_snapshot want, s;
	struct wire_session sessions[3];
	struct wire_node_addr nodes[2];
	void *buf;
	size_t len, i, j;

	(void)state;
	sample_snapshot(&want, sessions, nodes);
	counting_allocs = 0;
	assert_int_equal(
	    wire_snapshot_encode(&want, counting_alloc, &buf, &len), 0);
	assert_int_equal(counting_allocs, 1);
	assert_int_equal(wire_snapshot_decode(buf, len, &s), 0);
	free(buf);

	assert_int_equal(s.version, 3);
	assert_int_equal(s.last_time_ms, 1700000000999ull);
	assert_int_equal(s.n_kv, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(s.kv[i].key, sample_items[i].key);
		assert_bytes(s.kv[i].value, s.kv[i].value_len,
			     sample_items[i].value, sample_items[i].value_len);
	}
	assert_int_equal(s.n_sessions, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(s.sessions[i].client_id,
				 sessions[i].client_id);
		assert_int_equal(s.sessions[i].last_active_ms,
				 sessions[i].last_active_ms);
		assert_int_equal(s.sessions[i].seq_floor,
				 sessions[i].seq_floor);
		assert_int_equal(s.sessions[i].n_results,
				 sessions[i].n_results);
		for (j = 0; j < sessions[i].n_results; j++) {
			const struct wire_session_result *g =
			    &s.sessions[i].results[j];
			const struct wire_session_result *w =
			    &sessions[i].results[j];
			assert_int_equal(g->seq, w->seq);
			assert_bytes(g->response, g->response_len, w->response,
				     w->response_len);
		}
	}
	assert_int_equal(s.n_nodes, 2);
	assert_node_addr(&s.nodes[0], &nodes[0]);
	assert_node_addr(&s.nodes[1], &nodes[1]);
	assert_int_equal(s.n_services, 2);
	assert_string_equal(s.services[0].name, "sqs");
	assert_bytes(s.services[0].data, s.services[0].len,
		     sample_services[0].data, sample_services[0].len);
	assert_string_equal(s.services[1].name, "empty");
	assert_bytes(s.services[1].data, s.services[1].len, NULL, 0);
	wire_snapshot_release(&s);
	assert_true(all_zero(&s, sizeof s));
}

static void test_snapshot_empty(void **state)
{
	struct wire_snapshot in = {0}, s;
	void *buf;
	size_t len;

	(void)state;
	assert_int_equal(wire_snapshot_encode(&in, NULL, &buf, &len), 0);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(wire_snapshot_decode(buf, len, &s), 0);
	assert_int_equal(s.n_kv + s.n_sessions + s.n_nodes, 0);
	wire_snapshot_release(&s);
	free(buf);
}

static void test_snapshot_encode_errors(void **state)
{
	struct wire_snapshot in = {0};
	struct wire_session session = {1, 2, NULL, 1}; /* results NULL */
	void *buf = NULL;
	size_t len;

	(void)state;
	in.n_kv = 1;
	assert_int_equal(wire_snapshot_encode(&in, NULL, &buf, &len),
			 WIRE_ERR_INVALID_PARAM);
	in.n_kv = 0;
	in.sessions = &session;
	in.n_sessions = 1;
	assert_int_equal(wire_snapshot_encode(&in, NULL, &buf, &len),
			 WIRE_ERR_INVALID_PARAM);
	assert_null(buf);
}

/* ---- hostile input ------------------------------------------------------- */

static void test_release_zeroed(void **state)
{
	struct wire_request req = {0};
	struct wire_response resp = {0};
	struct wire_batch batch = {0};
	struct wire_snapshot snap = {0};
	struct wire_op op = {0};

	(void)state;
	wire_request_release(&req);
	wire_response_release(&resp);
	wire_batch_release(&batch);
	wire_snapshot_release(&snap);
	wire_request_release(NULL);
	wire_response_release(NULL);
	wire_batch_release(NULL);
	wire_snapshot_release(NULL);

	/* An object filled in for encoding (priv_ NULL) is left alone. */
	req.ops = &op;
	req.n_ops = 1;
	wire_request_release(&req);
	assert_ptr_equal(req.ops, &op);
}

static void test_truncations(void **state)
{
	uint8_t *buf;
	void *vbuf;
	size_t len;
	struct wire_snapshot snap;
	struct wire_session sessions[3];
	struct wire_node_addr nodes[2];

	(void)state;
	encode_sample_request(&buf, &len);
	check_truncations(buf, len);
	free(buf);
	encode_sample_response(&buf, &len);
	check_truncations(buf, len);
	free(buf);
	encode_sample_batch(SIZE_MAX, &vbuf, &len);
	check_truncations(vbuf, len);
	free(vbuf);
	sample_snapshot(&snap, sessions, nodes);
	assert_int_equal(wire_snapshot_encode(&snap, NULL, &vbuf, &len), 0);
	check_truncations(vbuf, len);
	free(vbuf);
}

static void test_mutations(void **state)
{
	uint8_t *buf;
	void *vbuf;
	size_t len;
	struct wire_snapshot snap;
	struct wire_session sessions[3];
	struct wire_node_addr nodes[2];

	(void)state;
	rng_seed(0x5742a7c5);
	decoded_ok = decoded_err = 0;
	encode_sample_request(&buf, &len);
	check_mutations(buf, len, 5000);
	free(buf);
	encode_sample_response(&buf, &len);
	check_mutations(buf, len, 5000);
	free(buf);
	encode_sample_batch(SIZE_MAX, &vbuf, &len);
	check_mutations(vbuf, len, 5000);
	free(vbuf);
	sample_snapshot(&snap, sessions, nodes);
	assert_int_equal(wire_snapshot_encode(&snap, NULL, &vbuf, &len), 0);
	check_mutations(vbuf, len, 5000);
	free(vbuf);
	print_message("mutations: %u decodes succeeded, %u failed\n",
		      decoded_ok, decoded_err);
	assert_true(decoded_ok > 1000);
	assert_true(decoded_err > 1000);
}

static void test_random_garbage(void **state)
{
	uint8_t buf[600];
	unsigned round;

	(void)state;
	rng_seed(0x123456789abcdefull);
	for (round = 0; round < 20000; round++) {
		size_t len = rng_next() % sizeof buf, i;
		uint8_t *copy;

		for (i = 0; i < len; i++) {
			buf[i] = (uint8_t)rng_next();
		}
		/* Half the time, a plausible batch header. */
		if (round % 2 == 1 && len >= WIRE_BATCH_HEADER_BYTES) {
			size_t raw = rng_next() % 4096;
			buf[0] = (uint8_t)(rng_next() % 2);
			buf[1] = (uint8_t)raw;
			buf[2] = (uint8_t)(raw >> 8);
			buf[3] = buf[4] = 0;
		}
		copy = malloc(len != 0 ? len : 1);
		assert_non_null(copy);
		memcpy(copy, buf, len);
		decode_all_ways(copy, len);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_code_names),
	    cmocka_unit_test(test_op_is_write),
	    cmocka_unit_test(test_request_round_trip),
	    cmocka_unit_test(test_request_empty),
	    cmocka_unit_test(test_request_missing_fields),
	    cmocka_unit_test(test_request_key_value_bounds),
	    cmocka_unit_test(test_request_ops_bound),
	    cmocka_unit_test(test_pack_round_trip),
	    cmocka_unit_test(test_request_size_bound),
	    cmocka_unit_test(test_request_encode_errors),
	    cmocka_unit_test(test_request_hostile_shapes),
	    cmocka_unit_test(test_response_round_trip),
	    cmocka_unit_test(test_backup_ops_round_trip),
	    cmocka_unit_test(test_response_encode_error),
	    cmocka_unit_test(test_response_encode_errors),
	    cmocka_unit_test(test_batch_plain),
	    cmocka_unit_test(test_batch_empty),
	    cmocka_unit_test(test_batch_lz4),
	    cmocka_unit_test(test_batch_incompressible),
	    cmocka_unit_test(test_batch_bad_headers),
	    cmocka_unit_test(test_batch_encode_errors),
	    cmocka_unit_test(test_snapshot_round_trip),
	    cmocka_unit_test(test_snapshot_empty),
	    cmocka_unit_test(test_snapshot_encode_errors),
	    cmocka_unit_test(test_release_zeroed),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_mutations),
	    cmocka_unit_test(test_random_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
