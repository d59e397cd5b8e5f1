/* Differential test of proto/wire_hot.c against protobuf-c: its encoders
 * (requests, a pack's answer) byte for byte, and its decoders on random
 * Requests and CommandBatches (every op kind, random fields), the same with
 * unknown fields, concatenated encodings (protobuf's merge rules), ops
 * holding two oneof members, unpacked repeated integers, and random
 * mutations — decoded by both. Where protobuf-c rejects, ours must too;
 * where ours accepts, every field must equal protobuf-c's. Ours may reject
 * more only for the bounds of wire.h (checked here on protobuf-c's result),
 * a NUL inside a string or a field number past 2^29-1 (breaks_format).
 *
 * The one test that sees protobuf-c's generated types outside proto/: it
 * is the reference the hand-written decoders must match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stratus.pb-c.h"
#include "wire.h"

static uint64_t rng_state = 1;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static uint64_t rng_below(uint64_t n)
{
	return rng() % n;
}

/* ---- random requests ----------------------------------------------------- */

struct gen {
	char strs[64][40];
	uint8_t bytes[16][64];
	uint64_t peers[8];
	size_t n_strs, n_bytes;
};

static const char *gen_str(struct gen *g)
{
	char *s = g->strs[g->n_strs++ % 64];
	size_t n = rng_below(4) == 0 ? 0 : 1 + rng_below(30), i;

	for (i = 0; i < n; i++) {
		s[i] = (char)('a' + rng_below(26));
	}
	s[n] = '\0';
	return s;
}

static const uint8_t *gen_bytes(struct gen *g, size_t *len)
{
	uint8_t *b = g->bytes[g->n_bytes++ % 16];
	size_t i;

	*len = rng_below(3) == 0 ? 0 : rng_below(64);
	for (i = 0; i < *len; i++) {
		b[i] = (uint8_t)rng();
	}
	return b;
}

static uint64_t gen_u64(void)
{
	switch (rng_below(4)) {
	case 0:
		return 0;
	case 1:
		return rng_below(300);
	default:
		return rng();
	}
}

static void gen_op(struct gen *g, struct wire_op *op)
{
	static const enum wire_op_type types[] = {
	    WIRE_OP_KV_PUT,	     WIRE_OP_KV_GET,
	    WIRE_OP_KV_DELETE,	     WIRE_OP_KV_LIST,
	    WIRE_OP_CLUSTER_STATUS,  WIRE_OP_ADD_NODE,
	    WIRE_OP_ASSIGN_NODE,     WIRE_OP_REMOVE_NODE,
	    WIRE_OP_TRANSFER_LEADER, WIRE_OP_SET_NODE_ADDR,
	    WIRE_OP_SERVICE_CALL,    WIRE_OP_DEBUG_DROP,
	    WIRE_OP_BACKUP_BEGIN,    WIRE_OP_BACKUP_READ,
	    WIRE_OP_RESTORE_BEGIN,   WIRE_OP_RESTORE_CHUNK,
	    WIRE_OP_RESTORE_COMMIT};
	size_t i;

	memset(op, 0, sizeof *op);
	op->type = types[rng_below(sizeof types / sizeof *types)];
	op->key = gen_str(g);
	op->value = gen_bytes(g, &op->value_len);
	op->prefix = gen_str(g);
	op->start_after = gen_str(g);
	op->limit = (uint32_t)gen_u64();
	op->node.id = gen_u64();
	op->node.raft_address = gen_str(g);
	op->node.client_address = gen_str(g);
	op->node.http_address = gen_str(g);
	op->voter = rng_below(2);
	op->node_id = gen_u64();
	op->role = (uint32_t)gen_u64();
	op->service = gen_str(g);
	op->action = gen_str(g);
	op->input = gen_bytes(g, &op->input_len);
	op->context = gen_bytes(g, &op->context_len);
	op->endpoint = gen_str(g);
	op->n_peers = rng_below(8);
	for (i = 0; i < op->n_peers; i++) {
		g->peers[i] = gen_u64();
	}
	op->peers = g->peers;
	op->drop = rng_below(2);
	op->backup_id = gen_u64();
	op->offset = gen_u64();
	op->max_bytes = (uint32_t)gen_u64();
	op->total_bytes = gen_u64();
	op->force = rng_below(2);
	op->data = gen_bytes(g, &op->data_len);
}

/* A random request (its arrays and strings live in statics until the
 * next call). */
static struct wire_request gen_request_struct(void)
{
	static struct gen g;
	static struct wire_op ops[4];
	static struct wire_bytes packed[3];
	struct wire_request r = {0};
	size_t i;

	g.n_strs = g.n_bytes = 0;
	if (rng_below(5) == 0) {
		r.n_packed = 1 + rng_below(3);
		for (i = 0; i < r.n_packed; i++) {
			packed[i].data = gen_bytes(&g, &packed[i].len);
		}
		r.packed = packed;
	} else {
		r.client_id = gen_u64();
		r.seq = gen_u64();
		r.seq_floor = gen_u64();
		r.waited_ms = (uint32_t)gen_u64();
		r.access_key_id = rng_below(2) ? gen_str(&g) : NULL;
		r.signed_at_ms = gen_u64();
		r.n_ops = rng_below(5);
		for (i = 0; i < r.n_ops; i++) {
			gen_op(&g, &ops[i]);
		}
		r.ops = ops;
	}
	return r;
}

/* A random encoded request (malloc'd). */
static uint8_t *gen_request(size_t *len)
{
	struct wire_request r = gen_request_struct();
	uint8_t *buf;

	assert_int_equal(wire_request_encode(&r, &buf, len), 0);
	if (r.n_packed == 0 && rng_below(3) == 0) {
		/* a signature field (16), as wire_auth appends it */
		uint8_t *b = realloc(buf, *len + 3 + 32);
		assert_non_null(b);
		b[*len] = 0x82; /* tag (16 << 3 | 2) = 130 as a varint */
		b[*len + 1] = 0x01;
		b[*len + 2] = 32;
		memset(b + *len + 3, 0x5a, 32);
		*len += 35;
		buf = b;
	}
	return buf;
}

/* ---- comparison ---------------------------------------------------------- */

static const char *s_or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static void assert_bytes_eq(const ProtobufCBinaryData *want, const uint8_t *got,
			    size_t got_len)
{
	assert_non_null(got);
	assert_int_equal(got_len, want->len);
	if (want->len > 0) {
		assert_memory_equal(got, want->data, want->len);
	}
}

static void assert_addr_eq(const Stratus__NodeAddr *a,
			   const struct wire_node_addr *got)
{
	assert_int_equal(got->id, a != NULL ? a->id : 0);
	assert_string_equal(got->raft_address,
			    s_or_empty(a != NULL ? a->raft_address : NULL));
	assert_string_equal(got->client_address,
			    s_or_empty(a != NULL ? a->client_address : NULL));
	assert_string_equal(got->http_address,
			    s_or_empty(a != NULL ? a->http_address : NULL));
}

static void assert_op_eq(const Stratus__Op *m, const struct wire_op *op)
{
	switch (m->op_case) {
	case STRATUS__OP__OP_KV_PUT:
		assert_int_equal(op->type, WIRE_OP_KV_PUT);
		assert_string_equal(op->key, s_or_empty(m->kv_put->key));
		assert_bytes_eq(&m->kv_put->value, op->value, op->value_len);
		break;
	case STRATUS__OP__OP_KV_GET:
		assert_int_equal(op->type, WIRE_OP_KV_GET);
		assert_string_equal(op->key, s_or_empty(m->kv_get->key));
		break;
	case STRATUS__OP__OP_KV_DELETE:
		assert_int_equal(op->type, WIRE_OP_KV_DELETE);
		assert_string_equal(op->key, s_or_empty(m->kv_delete->key));
		break;
	case STRATUS__OP__OP_KV_LIST:
		assert_int_equal(op->type, WIRE_OP_KV_LIST);
		assert_string_equal(op->prefix, s_or_empty(m->kv_list->prefix));
		assert_string_equal(op->start_after,
				    s_or_empty(m->kv_list->start_after));
		assert_int_equal(op->limit, m->kv_list->limit);
		break;
	case STRATUS__OP__OP_CLUSTER_STATUS:
		assert_int_equal(op->type, WIRE_OP_CLUSTER_STATUS);
		break;
	case STRATUS__OP__OP_ADD_NODE:
		assert_int_equal(op->type, WIRE_OP_ADD_NODE);
		assert_addr_eq(m->add_node->node, &op->node);
		assert_int_equal(op->voter, m->add_node->voter != 0);
		break;
	case STRATUS__OP__OP_ASSIGN_NODE:
		assert_int_equal(op->type, WIRE_OP_ASSIGN_NODE);
		assert_int_equal(op->node_id, m->assign_node->id);
		assert_int_equal(op->role, m->assign_node->role);
		break;
	case STRATUS__OP__OP_REMOVE_NODE:
		assert_int_equal(op->type, WIRE_OP_REMOVE_NODE);
		assert_int_equal(op->node_id, m->remove_node->id);
		break;
	case STRATUS__OP__OP_TRANSFER_LEADER:
		assert_int_equal(op->type, WIRE_OP_TRANSFER_LEADER);
		assert_int_equal(op->node_id, m->transfer_leader->id);
		break;
	case STRATUS__OP__OP_SET_NODE_ADDR:
		assert_int_equal(op->type, WIRE_OP_SET_NODE_ADDR);
		assert_addr_eq(m->set_node_addr->node, &op->node);
		break;
	case STRATUS__OP__OP_SERVICE_CALL:
		assert_int_equal(op->type, WIRE_OP_SERVICE_CALL);
		assert_string_equal(op->service,
				    s_or_empty(m->service_call->service));
		assert_string_equal(op->action,
				    s_or_empty(m->service_call->action));
		assert_bytes_eq(&m->service_call->input, op->input,
				op->input_len);
		assert_bytes_eq(&m->service_call->context, op->context,
				op->context_len);
		assert_string_equal(op->endpoint,
				    s_or_empty(m->service_call->endpoint));
		break;
	case STRATUS__OP__OP_DEBUG_DROP:
		assert_int_equal(op->type, WIRE_OP_DEBUG_DROP);
		assert_int_equal(op->n_peers, m->debug_drop->n_peers);
		if (op->n_peers > 0) {
			assert_memory_equal(op->peers, m->debug_drop->peers,
					    op->n_peers * sizeof *op->peers);
		}
		assert_int_equal(op->drop, m->debug_drop->drop != 0);
		break;
	case STRATUS__OP__OP_BACKUP_BEGIN:
		assert_int_equal(op->type, WIRE_OP_BACKUP_BEGIN);
		break;
	case STRATUS__OP__OP_BACKUP_READ:
		assert_int_equal(op->type, WIRE_OP_BACKUP_READ);
		assert_int_equal(op->backup_id, m->backup_read->backup_id);
		assert_int_equal(op->offset, m->backup_read->offset);
		assert_int_equal(op->max_bytes, m->backup_read->max_bytes);
		break;
	case STRATUS__OP__OP_RESTORE_BEGIN:
		assert_int_equal(op->type, WIRE_OP_RESTORE_BEGIN);
		assert_int_equal(op->backup_id, m->restore_begin->restore_id);
		assert_int_equal(op->total_bytes,
				 m->restore_begin->total_bytes);
		assert_int_equal(op->force, m->restore_begin->force != 0);
		break;
	case STRATUS__OP__OP_RESTORE_CHUNK:
		assert_int_equal(op->type, WIRE_OP_RESTORE_CHUNK);
		assert_int_equal(op->backup_id, m->restore_chunk->restore_id);
		assert_int_equal(op->offset, m->restore_chunk->offset);
		assert_bytes_eq(&m->restore_chunk->data, op->data,
				op->data_len);
		break;
	case STRATUS__OP__OP_RESTORE_COMMIT:
		assert_int_equal(op->type, WIRE_OP_RESTORE_COMMIT);
		assert_int_equal(op->backup_id, m->restore_commit->restore_id);
		break;
	default:
		assert_int_equal(op->type, WIRE_OP_NONE);
		break;
	}
}

static void assert_request_eq(const Stratus__Request *m,
			      const struct wire_request *r)
{
	size_t i;

	assert_int_equal(r->client_id, m->client_id);
	assert_int_equal(r->seq, m->seq);
	assert_int_equal(r->seq_floor, m->seq_floor);
	assert_int_equal(r->waited_ms, m->waited_ms);
	assert_string_equal(r->access_key_id, s_or_empty(m->access_key_id));
	assert_int_equal(r->signed_at_ms, m->signed_at_ms);
	if (m->signature.len > 0) {
		assert_bytes_eq(&m->signature, r->signature, r->signature_len);
	} else {
		assert_null(r->signature);
	}
	assert_int_equal(r->n_ops, m->n_ops);
	for (i = 0; i < m->n_ops; i++) {
		assert_op_eq(m->ops[i], &r->ops[i]);
	}
	assert_int_equal(r->n_packed, m->n_packed);
	for (i = 0; i < m->n_packed; i++) {
		assert_bytes_eq(&m->packed[i], r->packed[i].data,
				r->packed[i].len);
	}
}

/* Whether protobuf-c's m breaks a bound of wire.h that only our decoder
 * knows (so it may reject what protobuf-c accepts). */
static size_t len_of(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

static bool breaks_bounds(const Stratus__Request *m)
{
	size_t i;

	if (m->n_ops > WIRE_MAX_OPS_PER_REQUEST ||
	    m->n_packed > WIRE_MAX_PACKED ||
	    len_of(m->access_key_id) > 2 * WIRE_MAX_NAME_BYTES) {
		return true;
	}
	if (m->n_packed > 0 &&
	    (m->n_ops > 0 || m->client_id != 0 || m->seq != 0 ||
	     m->seq_floor != 0 || m->waited_ms != 0 ||
	     len_of(m->access_key_id) > 0 || m->signature.len > 0)) {
		return true;
	}
	for (i = 0; i < m->n_ops; i++) {
		const Stratus__Op *o = m->ops[i];
		switch (o->op_case) {
		case STRATUS__OP__OP_KV_PUT:
			if (len_of(o->kv_put->key) > WIRE_MAX_KEY_BYTES ||
			    o->kv_put->value.len > WIRE_MAX_VALUE_BYTES) {
				return true;
			}
			break;
		case STRATUS__OP__OP_SERVICE_CALL:
			if (len_of(o->service_call->service) >
				WIRE_MAX_NAME_BYTES ||
			    len_of(o->service_call->action) >
				WIRE_MAX_NAME_BYTES ||
			    len_of(o->service_call->endpoint) >
				WIRE_MAX_ENDPOINT_BYTES) {
				return true;
			}
			break;
		case STRATUS__OP__OP_DEBUG_DROP:
			if (o->debug_drop->n_peers > 64) {
				return true;
			}
			break;
		default:
			break;
		}
	}
	return false;
}

/* The two wire-format rules ours enforces and protobuf-c does not: field
 * numbers are 1 .. 2^29-1 (protobuf-c wraps larger ones) and strings hold
 * no NUL (a C string would silently end there). Walks buf as desc with
 * protobuf-c's descriptors; true when either is broken. */
static bool breaks_format(const ProtobufCMessageDescriptor *desc,
			  const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;

	while (p < end) {
		uint64_t tag = 0, n = 0;
		unsigned shift = 0;
		const ProtobufCFieldDescriptor *f;

		do {
			if (p == end || shift > 63) {
				return false; /* truncated: not our rule */
			}
			tag |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
		} while (*p++ & 0x80);
		if ((tag >> 3) == 0 || (tag >> 3) > 0x1fffffff) {
			return true;
		}
		f = protobuf_c_message_descriptor_get_field(
		    desc, (unsigned)(tag >> 3));
		switch (tag & 7) {
		case 0:
			while (p < end && (*p & 0x80)) {
				p++;
			}
			p++;
			break;
		case 1:
			p += 8;
			break;
		case 5:
			p += 4;
			break;
		case 2:
			shift = 0;
			do {
				if (p == end || shift > 63) {
					return false;
				}
				n |= (uint64_t)(*p & 0x7f) << shift;
				shift += 7;
			} while (*p++ & 0x80);
			if (n > (uint64_t)(end - p)) {
				return false;
			}
			if (f != NULL && f->type == PROTOBUF_C_TYPE_STRING &&
			    memchr(p, 0, (size_t)n) != NULL) {
				return true;
			}
			if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    breaks_format(f->descriptor, p, (size_t)n)) {
				return true;
			}
			p += n;
			break;
		default:
			return false;
		}
	}
	return false;
}

/* Decodes buf both ways and compares. Returns whether ours accepted. */
static bool check_request(const uint8_t *buf, size_t len)
{
	Stratus__Request *m = stratus__request__unpack(NULL, len, buf);
	struct wire_request r;
	int rv = wire_request_decode(buf, len, &r);

	if (rv == 0) {
		assert_non_null(m);
		assert_request_eq(m, &r);
		wire_request_release(&r);
	} else {
		assert_int_equal(rv, WIRE_ERR_MALFORMED);
		if (m != NULL) {
			assert_true(breaks_bounds(m) ||
				    breaks_format(&stratus__request__descriptor,
						  buf, len));
		}
	}
	if (m != NULL) {
		stratus__request__free_unpacked(m, NULL);
	}
	return rv == 0;
}

/* ---- variants ------------------------------------------------------------ */

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n++] = (uint8_t)(v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v != 0);
	return n;
}

/* Appends a random unknown field to buf (realloc'd). */
static uint8_t *add_unknown(uint8_t *buf, size_t *len, uint32_t min_num)
{
	uint8_t *b = realloc(buf, *len + 64);
	uint32_t num = min_num + (uint32_t)rng_below(100);
	size_t n = *len, i, flen;

	assert_non_null(b);
	switch (rng_below(4)) {
	case 0:
		n += put_varint(b + n, (uint64_t)num << 3 | 0);
		n += put_varint(b + n, rng());
		break;
	case 1:
		n += put_varint(b + n, (uint64_t)num << 3 | 1);
		memset(b + n, 7, 8);
		n += 8;
		break;
	case 2:
		n += put_varint(b + n, (uint64_t)num << 3 | 5);
		memset(b + n, 9, 4);
		n += 4;
		break;
	default:
		flen = rng_below(20);
		n += put_varint(b + n, (uint64_t)num << 3 | 2);
		n += put_varint(b + n, flen);
		for (i = 0; i < flen; i++) {
			b[n + i] = (uint8_t)rng();
		}
		n += flen;
	}
	*len = n;
	return b;
}

static void test_requests_match_protobuf_c(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t len;
		uint8_t *buf = gen_request(&len);

		assert_true(check_request(buf, len));
		buf = add_unknown(buf, &len, 18);
		assert_true(check_request(buf, len));
		free(buf);
	}
}

/* Two encodings one after the other are one message: scalars and strings
 * of the second win where it has them, repeated fields accumulate. */
static void test_concatenated_requests(void **state)
{
	(void)state;
	for (int i = 0; i < 5000; i++) {
		size_t a_len, b_len;
		uint8_t *a = gen_request(&a_len), *b = gen_request(&b_len);
		uint8_t *ab = malloc(a_len + b_len);

		memcpy(ab, a, a_len);
		memcpy(ab + a_len, b, b_len);
		check_request(ab, a_len + b_len);
		free(ab);
		free(a);
		free(b);
	}
}

/* An Op given as two encodings run together (two oneof members, or the
 * same twice): the last member wins whole. */
static void test_op_with_two_members(void **state)
{
	struct gen g = {0};
	(void)state;
	for (int i = 0; i < 5000; i++) {
		struct wire_op ops[2];
		struct wire_request one = {0};
		uint8_t *enc[2], *buf, *p;
		size_t enc_len[2], body = 0, k;

		/* each op alone in a request: strip the request's tag and
		 * length to get the Op's encoding */
		for (k = 0; k < 2; k++) {
			gen_op(&g, &ops[k]);
			one.ops = &ops[k];
			one.n_ops = 1;
			assert_int_equal(
			    wire_request_encode(&one, &enc[k], &enc_len[k]), 0);
		}
		buf = malloc(enc_len[0] + enc_len[1] + 16);
		p = buf;
		*p++ = 3 << 3 | 2;
		for (k = 0; k < 2; k++) {
			const uint8_t *q = enc[k] + 1;
			uint64_t n = 0;
			unsigned shift = 0;
			do {
				n |= (uint64_t)(*q & 0x7f) << shift;
				shift += 7;
			} while (*q++ & 0x80);
			enc_len[k] = n;
			enc[k] = memmove(enc[k], q, n);
			body += n;
		}
		p += put_varint(p, body);
		memcpy(p, enc[0], enc_len[0]);
		memcpy(p + enc_len[0], enc[1], enc_len[1]);
		assert_true(check_request(buf, (size_t)(p - buf) + body));
		free(enc[0]);
		free(enc[1]);
		free(buf);
	}
}

/* DebugDrop.peers unpacked (one varint field per peer) and packed, mixed. */
static void test_unpacked_peers(void **state)
{
	/* Request{ops: Op{debug_drop: DebugDrop{peers: 5, peers: [6, 300],
	 * peers: 7, drop: true}}}; Op's tag for field 40 is the varint
	 * 322 = c2 02 */
	static const uint8_t msg[] = {
	    3 << 3 | 2, 14,	    0xc2,	0x02, 11,   1 << 3 | 0,
	    5,		1 << 3 | 2, 3,		6,    0xac, 0x02,
	    1 << 3 | 0, 7,	    2 << 3 | 0, 1};
	struct wire_request r;
	(void)state;

	assert_true(check_request(msg, sizeof msg));
	assert_int_equal(wire_request_decode(msg, sizeof msg, &r), 0);
	assert_int_equal(r.ops[0].n_peers, 4);
	assert_int_equal(r.ops[0].peers[2], 300);
	wire_request_release(&r);
}

/* A known message field given as a varint (found by fuzz_request: the
 * decoder read the absent field's data pointer). */
static void test_message_field_wrong_type(void **state)
{
	/* Request{ops: Op{add_node: AddNode{node (1): varint 5}}}: Op's
	 * tag for field 21 is 0xaa 0x01 */
	static const uint8_t msg[] = {3 << 3 | 2, 5,	      0xaa, 0x01,
				      2,	  1 << 3 | 0, 5};
	struct wire_request r;
	(void)state;

	assert_false(check_request(msg, sizeof msg));
	assert_int_equal(wire_request_decode(msg, sizeof msg, &r),
			 WIRE_ERR_MALFORMED);
}

static void test_mutated_requests(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t len, n = 1 + rng_below(3), k;
		uint8_t *buf = gen_request(&len);

		if (len == 0) {
			free(buf);
			continue;
		}
		for (k = 0; k < n; k++) {
			buf[rng_below(len)] = (uint8_t)rng();
		}
		if (rng_below(4) == 0) {
			len = rng_below(len + 1);
		}
		check_request(buf, len);
		free(buf);
	}
}

/* ---- batches ------------------------------------------------------------- */

static void check_batch(const uint8_t *payload, size_t len)
{
	uint8_t *entry = calloc(1, WIRE_BATCH_HEADER_BYTES + len + 8);
	size_t pad = (8 - len % 8) % 8;
	Stratus__CommandBatch *m =
	    stratus__command_batch__unpack(NULL, len, payload);
	struct wire_batch b;
	int rv;

	entry[0] = WIRE_BATCH_PLAIN;
	entry[1] = (uint8_t)pad;
	entry[4] = (uint8_t)len;
	entry[5] = (uint8_t)(len >> 8);
	entry[6] = (uint8_t)(len >> 16);
	entry[7] = (uint8_t)(len >> 24);
	memcpy(entry + WIRE_BATCH_HEADER_BYTES, payload, len);
	rv = wire_batch_decode(entry, WIRE_BATCH_HEADER_BYTES + len + pad, &b);
	if (rv != 0 && m != NULL) {
		assert_true(breaks_format(&stratus__command_batch__descriptor,
					  payload, len));
	}
	assert_true(rv != 0 || m != NULL);
	if (rv == 0) {
		assert_int_equal(b.leader_time_ms, m->leader_time_ms);
		assert_int_equal(b.leader_id, m->leader_id);
		assert_int_equal(b.nonce, m->nonce);
		assert_int_equal(b.term, m->term);
		assert_int_equal(b.n_commands, m->n_commands);
		for (size_t i = 0; i < m->n_commands; i++) {
			assert_bytes_eq(&m->commands[i], b.commands[i].data,
					b.commands[i].len);
		}
		wire_batch_release(&b);
	}
	if (m != NULL) {
		stratus__command_batch__free_unpacked(m, NULL);
	}
	free(entry);
}

/* wire_batch_encode of m's fields: plain, its payload is protobuf-c's
 * encoding pb[0..len) byte for byte; compressed (threshold 0: LZ4 when it
 * is smaller), it decodes to the same batch. */
static void check_encoder(const Stratus__CommandBatch *m, const uint8_t *pb,
			  size_t len)
{
	struct wire_bytes cmds[4];
	struct wire_batch in = {0}, a, b;
	void *plain, *packed;
	size_t plain_len, packed_len, k;

	for (k = 0; k < m->n_commands; k++) {
		cmds[k].data = m->commands[k].data;
		cmds[k].len = m->commands[k].len;
	}
	in.leader_time_ms = m->leader_time_ms;
	in.leader_id = m->leader_id;
	in.nonce = m->nonce;
	in.term = m->term;
	in.commands = cmds;
	in.n_commands = m->n_commands;
	assert_int_equal(
	    wire_batch_encode(&in, SIZE_MAX, NULL, &plain, &plain_len), 0);
	assert_int_equal(((uint8_t *)plain)[0], WIRE_BATCH_PLAIN);
	assert_int_equal(plain_len % 8, 0);
	assert_true(plain_len >= WIRE_BATCH_HEADER_BYTES + len);
	assert_memory_equal((uint8_t *)plain + WIRE_BATCH_HEADER_BYTES, pb,
			    len);
	assert_int_equal(wire_batch_encode(&in, 0, NULL, &packed, &packed_len),
			 0);
	assert_int_equal(wire_batch_decode(plain, plain_len, &a), 0);
	assert_int_equal(wire_batch_decode(packed, packed_len, &b), 0);
	assert_int_equal(a.n_commands, m->n_commands);
	assert_int_equal(b.n_commands, m->n_commands);
	assert_int_equal(b.nonce, m->nonce);
	assert_int_equal(b.term, m->term);
	for (k = 0; k < m->n_commands; k++) {
		assert_bytes_eq(&m->commands[k], a.commands[k].data,
				a.commands[k].len);
		assert_bytes_eq(&m->commands[k], b.commands[k].data,
				b.commands[k].len);
	}
	wire_batch_release(&b);
	wire_batch_release(&a);
	free(packed);
	free(plain);
}

static void test_batches_match_protobuf_c(void **state)
{
	struct gen g = {0};
	(void)state;
	for (int i = 0; i < 20000; i++) {
		Stratus__CommandBatch m = STRATUS__COMMAND_BATCH__INIT;
		ProtobufCBinaryData cmds[4];
		uint8_t buf[512];
		size_t len, k;

		m.leader_time_ms = gen_u64();
		m.leader_id = gen_u64();
		m.nonce = gen_u64();
		m.term = gen_u64();
		m.n_commands = rng_below(5);
		for (k = 0; k < m.n_commands; k++) {
			cmds[k].data = (uint8_t *)gen_bytes(&g, &cmds[k].len);
		}
		m.commands = cmds;
		len = stratus__command_batch__pack(&m, buf);
		check_encoder(&m, buf, len);
		check_batch(buf, len);
		if (len > 0 && rng_below(2) == 0) {
			buf[rng_below(len)] = (uint8_t)rng();
			len = rng_below(len + 1);
		}
		check_batch(buf, len);
	}
}

/* ---- the request encoder ------------------------------------------------ */

/* Our encoding of a random request decodes (protobuf-c) to the request,
 * and is byte for byte protobuf-c's own canonical encoding of it. */
static void test_request_encoder_matches_protobuf_c(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct wire_request r = gen_request_struct();
		Stratus__Request *m;
		uint8_t *buf, *again;
		size_t len;

		assert_int_equal(wire_request_encode(&r, &buf, &len), 0);
		m = stratus__request__unpack(NULL, len, buf);
		assert_non_null(m);
		if (r.access_key_id == NULL) {
			r.access_key_id = "";
		}
		assert_request_eq(m, &r);
		assert_int_equal(stratus__request__get_packed_size(m), len);
		again = malloc(len + 1);
		stratus__request__pack(m, again);
		if (len > 0) {
			assert_memory_equal(again, buf, len);
		}
		free(again);
		stratus__request__free_unpacked(m, NULL);
		free(buf);
	}
}

/* ---- a pack's answer ----------------------------------------------------- */

/* The hand-written pack answer is byte for byte what protobuf-c encodes
 * for Response{packed}, including empty answers and lengths of 1-3 varint
 * bytes. */
static void test_pack_response_matches_encoder(void **state)
{
	static uint8_t data[40000];
	(void)state;
	for (size_t i = 0; i < sizeof data; i++) {
		data[i] = (uint8_t)rng();
	}
	for (int round = 0; round < 2000; round++) {
		struct wire_bytes answers[8];
		struct wire_response resp = {0};
		size_t n = rng_below(9), size, len, i;
		uint8_t *want, *got;

		for (i = 0; i < n; i++) {
			size_t max = rng_below(4) == 0 ? sizeof data : 200;
			answers[i].len = rng_below(3) == 0 ? 0 : rng_below(max);
			answers[i].data = data;
		}
		resp.packed = answers;
		resp.n_packed = n;
		assert_int_equal(wire_response_encode(&resp, &want, &len), 0);
		size = wire_pack_response_size(answers, n);
		assert_int_equal(size, len);
		got = malloc(size + 1);
		wire_pack_response_write(answers, n, got);
		if (len > 0) {
			assert_memory_equal(got, want, len);
		}
		free(got);
		free(want);
	}
}

/* ---- the response encoder ----------------------------------------------- */

/* A random response: mostly the common shape (codes, strings, bytes,
 * outputs, stored forms), sometimes a result with KV items, node statuses
 * or backup information (the protobuf-c path), sometimes a NULL pointer
 * with a nonzero length, so that errors are compared too. */
static void gen_response(struct gen *g, struct wire_response *r,
			 struct wire_result *res, size_t max_res,
			 struct wire_kv_item *items,
			 struct wire_node_status *ns, struct wire_bytes *packed,
			 size_t max_packed)
{
	size_t i;

	memset(r, 0, sizeof *r);
	r->code = (uint32_t)gen_u64();
	r->error_name = rng_below(3) == 0 ? NULL : gen_str(g);
	r->error_message = rng_below(3) == 0 ? NULL : gen_str(g);
	r->leader_id = gen_u64();
	r->leader_address = rng_below(3) == 0 ? NULL : gen_str(g);
	r->n_results = rng_below(max_res + 1);
	r->results = r->n_results == 0 && rng_below(2) == 0 ? NULL : res;
	for (i = 0; i < r->n_results; i++) {
		struct wire_result *x = &res[i];

		memset(x, 0, sizeof *x);
		x->code = (uint32_t)gen_u64();
		x->error_name = rng_below(2) == 0 ? NULL : gen_str(g);
		x->error_message = rng_below(2) == 0 ? NULL : gen_str(g);
		x->found = rng_below(2) == 0;
		x->value = gen_bytes(g, &x->value_len);
		x->next_token = rng_below(2) == 0 ? NULL : gen_str(g);
		x->output = gen_bytes(g, &x->output_len);
		x->stored_service = rng_below(2) == 0 ? NULL : gen_str(g);
		x->stored = gen_bytes(g, &x->stored_len);
		switch (rng_below(12)) { /* invalid unless the length is 0 */
		case 0:
			x->value = NULL;
			break;
		case 1:
			x->output = NULL;
			break;
		case 2:
			x->stored = NULL;
			break;
		}
		switch (rng_below(12)) {
		case 0:
			items[0].key = gen_str(g);
			items[0].value = gen_bytes(g, &items[0].value_len);
			x->items = items;
			x->n_items = 1;
			break;
		case 1:
			memset(ns, 0, sizeof *ns);
			ns->addr.id = gen_u64();
			ns->role = gen_str(g);
			ns->term = gen_u64();
			ns->reachable = rng_below(2) == 0;
			x->nodes = ns;
			x->n_nodes = 1;
			break;
		case 2:
			x->has_backup = true;
			x->backup.backup_id = gen_u64();
			x->backup.term = gen_u64();
			break;
		}
	}
	r->n_packed = rng_below(20) == 0 ? WIRE_MAX_PACKED + 1
					 : rng_below(max_packed + 1);
	r->packed = packed;
	for (i = 0; i < r->n_packed && i < max_packed; i++) {
		packed[i].data = gen_bytes(g, &packed[i].len);
	}
	if (r->n_packed > 0 && rng_below(10) == 0) {
		r->packed = NULL;
	}
}

/* The hand-written encoder gives protobuf-c's bytes, or its error, for
 * every response (its own shape and the ones it hands over). */
static void test_response_encoder_matches_protobuf_c(void **state)
{
	static struct gen g;
	struct wire_result res[4];
	struct wire_kv_item items[1];
	struct wire_node_status ns[1];
	struct wire_bytes packed[3];
	int hot = 0, errors = 0;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct wire_response r;
		uint8_t *want = NULL, *got = NULL;
		size_t want_len = 0, got_len = 0;
		int want_rv, got_rv;

		gen_response(&g, &r, res, 4, items, ns, packed, 3);
		if (r.n_packed > 3 && r.n_packed <= WIRE_MAX_PACKED) {
			r.n_packed = 3;
		}
		want_rv = wire_response_encode_pbc(&r, &want, &want_len);
		got_rv = wire_response_encode(&r, &got, &got_len);
		assert_int_equal(got_rv, want_rv);
		if (want_rv != 0) {
			errors++;
			continue;
		}
		assert_int_equal(got_len, want_len);
		if (want_len > 0) {
			assert_memory_equal(got, want, want_len);
		}
		hot += r.n_results == 0 ||
		       (res[0].n_items == 0 && res[0].n_nodes == 0);
		free(want);
		free(got);
	}
	/* Both paths and the errors were exercised. */
	assert_true(hot > 1000);
	assert_true(errors > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_requests_match_protobuf_c),
	    cmocka_unit_test(test_concatenated_requests),
	    cmocka_unit_test(test_op_with_two_members),
	    cmocka_unit_test(test_unpacked_peers),
	    cmocka_unit_test(test_message_field_wrong_type),
	    cmocka_unit_test(test_mutated_requests),
	    cmocka_unit_test(test_batches_match_protobuf_c),
	    cmocka_unit_test(test_pack_response_matches_encoder),
	    cmocka_unit_test(test_request_encoder_matches_protobuf_c),
	    cmocka_unit_test(test_response_encoder_matches_protobuf_c),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
