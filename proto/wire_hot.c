/* wire_hot — the hand-written codecs of the hot path: the decoders of
 * Request (a client's call, a pack of calls, or a replicated Command) and
 * CommandBatch (a raft entry), and the encoders of Request, of a pack's
 * answer, of Response (its common shape) and of CommandBatch (at the end
 * of the file).
 *
 * Every call crosses them several times (the leader decodes a pack, then
 * each call in it, then each command again when applying the entry; every
 * follower decodes every entry and command), and protobuf-c's unpack copies
 * each bytes field into an allocation of its own and allocates each nested
 * message: for a 1 KiB SendMessage that was ~15% of the leader's loop. These
 * decoders read the wire format directly and copy nothing but what C needs:
 * bytes fields (inputs, contexts, packed requests, commands) point into the
 * caller's buffer, which must outlive the decoded object (wire.h); strings
 * are copied, NUL-terminated, into one allocation that also holds the ops
 * and the other arrays.
 *
 * Two passes over the input: the first checks the wire format and bounds
 * (at most REQUEST_FIELD_BUDGET fields, WIRE_MAX_OPS_PER_REQUEST ops; no
 * NUL inside a string) and counts what the second fills in, so the one
 * allocation has the exact size — a 4 MiB request of empty ops costs its
 * ops array, not hundreds of MiB.
 *
 * Semantics are protobuf's (and protobuf-c's, which
 * tests/unit/test_wire_hot.c compares against on random inputs): fields in
 * any order; a scalar or string field given twice keeps the last value; a
 * message field given twice is merged (field by field: a later one
 * overwrites what it gives — where it gives an explicit empty string or a
 * zero, protobuf-c's merge keeps the earlier value; only NodeAddr inside
 * AddNode / SetNodeAddr can differ so, and no encoder writes that);
 * repeated fields accumulate; repeated integers may come packed or not;
 * unknown fields are skipped (an Op with no known oneof member decodes as
 * WIRE_OP_NONE); a known field with the wrong wire type, a truncated
 * field, field number 0 or past 2^29-1 (protobuf-c wraps those) or a group
 * is malformed. Op's oneof: the last member given wins whole, as in
 * protobuf-c (no merging, even of the same member). */
#include <limits.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

/* Where empty bytes fields point, so that users may pass them to memcpy()
 * and friends (which forbid NULL even with length 0). */
static const uint8_t empty_bytes[1];

/* Fields a request may carry in all (top level and nested). A legitimate
 * op uses at most 8 (Op, AddNode, voter, NodeAddr and its 4 fields); the
 * rest is headroom for fields added by newer clients, which are skipped. */
#define REQUEST_FIELD_BUDGET (16u * WIRE_MAX_OPS_PER_REQUEST + 64)

/* Wire types. */
#define WT_VARINT 0
#define WT_I64	  1
#define WT_LEN	  2
#define WT_I32	  5

/* ---- the wire format ----------------------------------------------------- */

struct field {
	uint32_t num;
	uint32_t wt;
	uint64_t v;	     /* WT_VARINT */
	const uint8_t *data; /* WT_LEN */
	size_t len;
};

/* Reads one varint at *p (< end) into *v and advances *p. Returns 0 or -1
 * (truncated, or longer than 10 bytes). */
static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t value = 0;
	unsigned shift;

	for (shift = 0; shift < 70 && *p < end; shift += 7) {
		uint8_t byte = *(*p)++;
		if (shift < 64) {
			value |= (uint64_t)(byte & 0x7f) << shift;
		}
		if ((byte & 0x80) == 0) {
			*v = value;
			return 0;
		}
	}
	return -1;
}

/* Reads the next field of [*p, end) into f. Returns 1, 0 at the end, or -1
 * (malformed). */
static int next_field(const uint8_t **p, const uint8_t *end, struct field *f)
{
	uint64_t tag, n;

	if (*p >= end) {
		return 0;
	}
	if (read_varint(p, end, &tag) != 0 || (tag >> 3) == 0 ||
	    (tag >> 3) > 0x1fffffff) {
		return -1;
	}
	f->num = (uint32_t)(tag >> 3);
	f->wt = (uint32_t)(tag & 7);
	f->data = NULL;
	f->len = 0;
	switch (f->wt) {
	case WT_VARINT:
		return read_varint(p, end, &f->v) == 0 ? 1 : -1;
	case WT_I64:
	case WT_I32:
		n = f->wt == WT_I64 ? 8 : 4;
		break;
	case WT_LEN:
		if (read_varint(p, end, &n) != 0) {
			return -1;
		}
		break;
	default: /* groups (3, 4) are not proto3; 6 and 7 do not exist */
		return -1;
	}
	if (n > (uint64_t)(end - *p)) {
		return -1;
	}
	f->data = *p;
	f->len = (size_t)n;
	*p += n;
	return 1;
}

/* ---- Request ------------------------------------------------------------- */

/* One walk over a request. Pass 1 (fill == false) checks and counts; pass
 * 2 fills r from the space pass 1 sized. */
struct walk {
	bool fill;
	size_t fields_left;
	/* counted in pass 1, used as fill positions in pass 2 */
	size_t n_ops, n_packed, n_peers, str_bytes;
	struct wire_request *r;
	struct wire_op *op; /* pass 2: the op being filled */
	uint64_t *peers;    /* pass 2: next free peer slot */
	char *strs;	    /* pass 2: next free string byte */
};

/* A string field: pass 1 checks it (no NUL) and counts its bytes; pass 2
 * copies it and points *out at the copy. Lengths are bounded on the
 * decoded object (op_check). */
static int take_string(struct walk *w, const struct field *f, const char **out)
{
	if (f->wt != WT_LEN) {
		return -1;
	}
	if (!w->fill) {
		if (memchr(f->data, 0, f->len) != NULL) {
			return -1;
		}
		w->str_bytes += f->len + 1;
		return 0;
	}
	memcpy(w->strs, f->data, f->len);
	w->strs[f->len] = '\0';
	*out = w->strs;
	w->strs += f->len + 1;
	return 0;
}

static int take_bytes(const struct walk *w, const struct field *f,
		      const uint8_t **data, size_t *len)
{
	if (f->wt != WT_LEN) {
		return -1;
	}
	if (w->fill) {
		*data = f->len > 0 ? f->data : empty_bytes;
		*len = f->len;
	}
	return 0;
}

static int take_u64(const struct walk *w, const struct field *f, uint64_t *v)
{
	if (f->wt != WT_VARINT) {
		return -1;
	}
	if (w->fill) {
		*v = f->v;
	}
	return 0;
}

static int take_u32(const struct walk *w, const struct field *f, uint32_t *v)
{
	if (f->wt != WT_VARINT) {
		return -1;
	}
	if (w->fill) {
		*v = (uint32_t)f->v;
	}
	return 0;
}

static int take_bool(const struct walk *w, const struct field *f, bool *v)
{
	if (f->wt != WT_VARINT) {
		return -1;
	}
	if (w->fill) {
		*v = f->v != 0;
	}
	return 0;
}

/* DebugDrop.peers: one varint, or a packed run of them. */
static int take_peers(struct walk *w, const struct field *f)
{
	const uint8_t *p, *end;
	uint64_t v;

	if (f->wt == WT_VARINT) {
		if (w->fill) {
			w->peers[w->op->n_peers++] = f->v;
		} else {
			w->n_peers++;
		}
		return 0;
	}
	if (f->wt != WT_LEN) {
		return -1;
	}
	p = f->data;
	end = f->data + f->len;
	while (p < end) {
		if (read_varint(&p, end, &v) != 0) {
			return -1;
		}
		if (w->fill) {
			w->peers[w->op->n_peers++] = v;
		} else {
			w->n_peers++;
		}
	}
	return 0;
}

/* Calls fn(w, field) for each field of the message in f (a WT_LEN field),
 * charging the field budget. */
typedef int (*field_fn)(struct walk *w, const struct field *f);

static int each_field(struct walk *w, const struct field *msg, field_fn fn)
{
	const uint8_t *p, *end;
	struct field f;
	int rv;

	if (msg->wt != WT_LEN) {
		return -1; /* data and len are only set for WT_LEN */
	}
	p = msg->data;
	end = msg->data + msg->len;
	while ((rv = next_field(&p, end, &f)) == 1) {
		if (w->fields_left == 0) {
			return -1;
		}
		w->fields_left--;
		if (fn(w, &f) != 0) {
			return -1;
		}
	}
	return rv;
}

static int node_addr_field(struct walk *w, const struct field *f)
{
	struct wire_node_addr *a = w->fill ? &w->op->node : NULL;

	switch (f->num) {
	case 1:
		return take_u64(w, f, a != NULL ? &a->id : NULL);
	case 2:
		return take_string(w, f, a != NULL ? &a->raft_address : NULL);
	case 3:
		return take_string(w, f, a != NULL ? &a->client_address : NULL);
	case 4:
		return take_string(w, f, a != NULL ? &a->http_address : NULL);
	default:
		return 0;
	}
}

/* The fields of every Op member, by member: each fills the op being
 * decoded (pass 2) — all members share struct wire_op. */
static int member_field(struct walk *w, const struct field *f)
{
	struct wire_op *op = w->op; /* pass 1: only its type is read */

	switch (op->type) {
	case WIRE_OP_KV_PUT:
		return f->num == 1 ? take_string(w, f, &op->key)
		       : f->num == 2
			   ? take_bytes(w, f, &op->value, &op->value_len)
			   : 0;
	case WIRE_OP_KV_GET:
	case WIRE_OP_KV_DELETE:
		return f->num == 1 ? take_string(w, f, &op->key) : 0;
	case WIRE_OP_KV_LIST:
		return f->num == 1   ? take_string(w, f, &op->prefix)
		       : f->num == 2 ? take_string(w, f, &op->start_after)
		       : f->num == 3 ? take_u32(w, f, &op->limit)
				     : 0;
	case WIRE_OP_ADD_NODE:
		return f->num == 1   ? each_field(w, f, node_addr_field)
		       : f->num == 2 ? take_bool(w, f, &op->voter)
				     : 0;
	case WIRE_OP_ASSIGN_NODE:
		return f->num == 1   ? take_u64(w, f, &op->node_id)
		       : f->num == 2 ? take_u32(w, f, &op->role)
				     : 0;
	case WIRE_OP_REMOVE_NODE:
	case WIRE_OP_TRANSFER_LEADER:
		return f->num == 1 ? take_u64(w, f, &op->node_id) : 0;
	case WIRE_OP_SET_NODE_ADDR:
		return f->num == 1 ? each_field(w, f, node_addr_field) : 0;
	case WIRE_OP_SERVICE_CALL:
		switch (f->num) {
		case 1:
			return take_string(w, f, &op->service);
		case 2:
			return take_string(w, f, &op->action);
		case 3:
			return take_bytes(w, f, &op->input, &op->input_len);
		case 4:
			return take_bytes(w, f, &op->context, &op->context_len);
		case 5:
			return take_string(w, f, &op->endpoint);
		default:
			return 0;
		}
	case WIRE_OP_DEBUG_DROP:
		return f->num == 1   ? take_peers(w, f)
		       : f->num == 2 ? take_bool(w, f, &op->drop)
				     : 0;
	case WIRE_OP_BACKUP_READ:
		return f->num == 1   ? take_u64(w, f, &op->backup_id)
		       : f->num == 2 ? take_u64(w, f, &op->offset)
		       : f->num == 3 ? take_u32(w, f, &op->max_bytes)
				     : 0;
	case WIRE_OP_RESTORE_BEGIN:
		return f->num == 1   ? take_u64(w, f, &op->backup_id)
		       : f->num == 2 ? take_u64(w, f, &op->total_bytes)
		       : f->num == 3 ? take_bool(w, f, &op->force)
				     : 0;
	case WIRE_OP_RESTORE_CHUNK:
		return f->num == 1   ? take_u64(w, f, &op->backup_id)
		       : f->num == 2 ? take_u64(w, f, &op->offset)
		       : f->num == 3
			   ? take_bytes(w, f, &op->data, &op->data_len)
			   : 0;
	case WIRE_OP_RESTORE_COMMIT:
		return f->num == 1 ? take_u64(w, f, &op->backup_id) : 0;
	default: /* CLUSTER_STATUS, BACKUP_BEGIN: no fields */
		return 0;
	}
}

/* An op as the decoder leaves it before its fields: no member, every
 * string "" and every bytes field empty (never NULL). */
static void op_reset(struct wire_op *op, uint64_t *peers)
{
	memset(op, 0, sizeof *op);
	op->type = WIRE_OP_NONE;
	op->key = op->prefix = op->start_after = "";
	op->service = op->action = op->endpoint = "";
	op->node.raft_address = op->node.client_address = "";
	op->node.http_address = "";
	op->value = op->input = op->context = op->data = empty_bytes;
	op->peers = peers;
}

/* Op's oneof: each member's field number (stratus.proto), by op type. */
static const uint32_t member_numbers[WIRE_OP__COUNT] = {
    [WIRE_OP_KV_PUT] = 1,	    [WIRE_OP_KV_GET] = 2,
    [WIRE_OP_KV_DELETE] = 3,	    [WIRE_OP_KV_LIST] = 4,
    [WIRE_OP_CLUSTER_STATUS] = 20,  [WIRE_OP_ADD_NODE] = 21,
    [WIRE_OP_ASSIGN_NODE] = 22,	    [WIRE_OP_REMOVE_NODE] = 23,
    [WIRE_OP_TRANSFER_LEADER] = 24, [WIRE_OP_SET_NODE_ADDR] = 25,
    [WIRE_OP_SERVICE_CALL] = 30,    [WIRE_OP_DEBUG_DROP] = 40,
    [WIRE_OP_BACKUP_BEGIN] = 50,    [WIRE_OP_BACKUP_READ] = 51,
    [WIRE_OP_RESTORE_BEGIN] = 52,   [WIRE_OP_RESTORE_CHUNK] = 53,
    [WIRE_OP_RESTORE_COMMIT] = 54,
};

/* Field number -> member (WIRE_OP_NONE: not a member). */
static enum wire_op_type member_type(uint32_t num)
{
	int t;

	for (t = WIRE_OP_NONE + 1; t < WIRE_OP__COUNT; t++) {
		if (member_numbers[t] == num) {
			return (enum wire_op_type)t;
		}
	}
	return WIRE_OP_NONE;
}

static int op_field(struct walk *w, const struct field *f)
{
	enum wire_op_type type = member_type(f->num);
	struct wire_op pass1;

	if (type == WIRE_OP_NONE) {
		return 0; /* unknown: skipped */
	}
	if (!w->fill) {
		/* member_field only reads the type in pass 1 */
		memset(&pass1, 0, sizeof pass1);
		pass1.type = type;
		w->op = &pass1;
		int rv = each_field(w, f, member_field);
		w->op = NULL;
		return rv;
	}
	op_reset(w->op, w->peers);
	w->op->type = type;
	return each_field(w, f, member_field);
}

/* Bounds of a decoded op that depend on its final fields. */
static int op_check(const struct wire_op *op)
{
	if (op->type == WIRE_OP_SERVICE_CALL &&
	    (strlen(op->service) > WIRE_MAX_NAME_BYTES ||
	     strlen(op->action) > WIRE_MAX_NAME_BYTES ||
	     strlen(op->endpoint) > WIRE_MAX_ENDPOINT_BYTES)) {
		return -1;
	}
	if ((op->type == WIRE_OP_DEBUG_DROP && op->n_peers > 64) ||
	    (op->type == WIRE_OP_RESTORE_CHUNK &&
	     op->data_len > WIRE_MAX_BACKUP_CHUNK_BYTES)) {
		return -1;
	}
	if (strlen(op->key) > WIRE_MAX_KEY_BYTES ||
	    strlen(op->prefix) > WIRE_MAX_KEY_BYTES ||
	    strlen(op->start_after) > WIRE_MAX_KEY_BYTES ||
	    op->value_len > WIRE_MAX_VALUE_BYTES) {
		return -1;
	}
	return 0;
}

static int request_field(struct walk *w, const struct field *f)
{
	struct wire_request *r = w->r; /* NULL in pass 1 */
	struct wire_request none;

	if (r == NULL) {
		memset(&none, 0, sizeof none);
		r = &none;
	}
	switch (f->num) {
	case 1:
		return take_u64(w, f, &r->client_id);
	case 2:
		return take_u64(w, f, &r->seq);
	case 4:
		return take_u64(w, f, &r->seq_floor);
	case 3: /* ops */
		if (f->wt != WT_LEN) {
			return -1;
		}
		if (!w->fill) {
			if (++w->n_ops > WIRE_MAX_OPS_PER_REQUEST) {
				return -1;
			}
			return each_field(w, f, op_field);
		}
		w->op = &r->ops[r->n_ops++];
		op_reset(w->op, w->peers);
		if (each_field(w, f, op_field) != 0) {
			return -1;
		}
		w->peers += w->op->n_peers;
		return op_check(w->op);
	case 13:
		return take_u32(w, f, &r->waited_ms);
	case 14:
		return take_string(w, f, &r->access_key_id);
	case 15:
		return take_u64(w, f, &r->signed_at_ms);
	case 16:
		return take_bytes(w, f, &r->signature, &r->signature_len);
	case 17: /* packed */
		if (f->wt != WT_LEN) {
			return -1;
		}
		if (!w->fill) {
			return ++w->n_packed > WIRE_MAX_PACKED ? -1 : 0;
		}
		{
			struct wire_bytes *b =
			    (struct wire_bytes *)&r->packed[r->n_packed++];
			b->data = f->len > 0 ? f->data : empty_bytes;
			b->len = f->len;
		}
		return 0;
	default:
		return 0;
	}
}

/* Walks the whole request buf[0..len). */
static int walk_request(struct walk *w, const uint8_t *buf, size_t len)
{
	struct field whole = {0, WT_LEN, 0, buf, len};

	return each_field(w, &whole, request_field);
}

int wire_request_decode(const void *buf, size_t len, struct wire_request *out)
{
	struct walk w = {0};
	struct wire_request r = {0};
	size_t ops_bytes, packed_bytes, peers_bytes, total;
	uint8_t *block;

	memset(out, 0, sizeof *out);
	if (len > WIRE_MAX_REQUEST_BYTES || (buf == NULL && len != 0)) {
		return WIRE_ERR_MALFORMED;
	}
	if (buf == NULL) {
		buf = empty_bytes;
	}
	w.fields_left = REQUEST_FIELD_BUDGET;
	if (walk_request(&w, buf, len) != 0) {
		return WIRE_ERR_MALFORMED;
	}

	/* One block: ops, packed, peers, then the strings. */
	ops_bytes = w.n_ops * sizeof *r.ops;
	packed_bytes = w.n_packed * sizeof *r.packed;
	peers_bytes = w.n_peers * sizeof(uint64_t);
	total = ops_bytes + packed_bytes + peers_bytes + w.str_bytes;
	block = malloc(total > 0 ? total : 1);
	if (block == NULL) {
		return WIRE_ERR_INTERNAL;
	}
	r.priv_ = block;
	r.ops = w.n_ops > 0 ? (struct wire_op *)block : NULL;
	r.packed =
	    w.n_packed > 0 ? (struct wire_bytes *)(block + ops_bytes) : NULL;
	r.access_key_id = "";
	w.peers = (uint64_t *)(block + ops_bytes + packed_bytes);
	w.strs = (char *)(block + ops_bytes + packed_bytes + peers_bytes);
	w.fill = true;
	w.fields_left = REQUEST_FIELD_BUDGET;
	w.r = &r;
	if (walk_request(&w, buf, len) != 0) {
		goto malformed;
	}
	if (r.signature != NULL && r.signature_len == 0) {
		r.signature = NULL; /* an empty signature is none */
	}
	if (strlen(r.access_key_id) > WIRE_MAX_NAME_BYTES * 2) {
		goto malformed;
	}
	/* A pack is only a carrier: nothing of its own beside the packed
	 * requests. */
	if (r.n_packed > 0 &&
	    (r.n_ops > 0 || r.client_id != 0 || r.seq != 0 ||
	     r.seq_floor != 0 || r.waited_ms != 0 || *r.access_key_id != '\0' ||
	     r.signature != NULL)) {
		goto malformed;
	}
	*out = r;
	return 0;

malformed:
	free(block);
	return WIRE_ERR_MALFORMED;
}

void wire_request_release(struct wire_request *r)
{
	if (r == NULL || r->priv_ == NULL) {
		return;
	}
	free(r->priv_);
	memset(r, 0, sizeof *r);
}

/* ---- CommandBatch -------------------------------------------------------- */

/* Decodes the CommandBatch payload[0..len) into b (commands point into
 * payload; b->commands is malloc'd). Returns 0, WIRE_ERR_MALFORMED or
 * WIRE_ERR_INTERNAL. */
static int batch_fields(const uint8_t *payload, size_t len,
			struct wire_batch *b)
{
	const uint8_t *p, *end = payload + len;
	struct field f;
	size_t n = 0;
	int rv;

	for (p = payload; (rv = next_field(&p, end, &f)) == 1;) {
		if (f.num == 4) {
			if (f.wt != WT_LEN) {
				return WIRE_ERR_MALFORMED;
			}
			n++;
		} else if (f.num <= 5 && f.wt != WT_VARINT) {
			return WIRE_ERR_MALFORMED;
		}
	}
	if (rv != 0) {
		return WIRE_ERR_MALFORMED;
	}
	if (n > 0 && (b->commands = calloc(n, sizeof *b->commands)) == NULL) {
		return WIRE_ERR_INTERNAL;
	}
	for (p = payload; next_field(&p, end, &f) == 1;) {
		switch (f.num) {
		case 1:
			b->leader_time_ms = f.v;
			break;
		case 2:
			b->leader_id = f.v;
			break;
		case 3:
			b->nonce = f.v;
			break;
		case 4:
			b->commands[b->n_commands].data =
			    f.len > 0 ? f.data : empty_bytes;
			b->commands[b->n_commands++].len = f.len;
			break;
		case 5:
			b->term = f.v;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* What a decoded batch owns: the decompressed payload (NULL for a plain
 * entry, whose commands point into the entry itself). */
struct batch_priv {
	uint8_t *decompressed;
};

int wire_batch_decode(const void *buf, size_t len, struct wire_batch *out)
{
	struct wire_batch b = {0};
	const uint8_t *p = buf;
	const uint8_t *payload;
	struct batch_priv *priv;
	size_t raw_len, payload_len;
	int rv;

	memset(out, 0, sizeof *out);
	if (p == NULL || len < WIRE_BATCH_HEADER_BYTES) {
		return WIRE_ERR_MALFORMED;
	}
	raw_len = (size_t)p[4] | (size_t)p[5] << 8 | (size_t)p[6] << 16 |
		  (size_t)p[7] << 24;
	if (p[1] > 7 || p[1] > len - WIRE_BATCH_HEADER_BYTES || p[2] != 0 ||
	    p[3] != 0) {
		return WIRE_ERR_MALFORMED;
	}
	payload = p + WIRE_BATCH_HEADER_BYTES;
	payload_len = len - WIRE_BATCH_HEADER_BYTES - p[1];
	if (raw_len > WIRE_MAX_BATCH_BYTES) {
		return WIRE_ERR_MALFORMED;
	}
	if ((priv = calloc(1, sizeof *priv)) == NULL) {
		return WIRE_ERR_INTERNAL;
	}
	b.priv_ = priv;
	switch (p[0]) {
	case WIRE_BATCH_PLAIN:
		if (payload_len != raw_len) {
			rv = WIRE_ERR_MALFORMED;
			goto err;
		}
		break;
	case WIRE_BATCH_LZ4:
		/* LZ4 expands at most 255:1; refusing more before
		 * allocating keeps a tiny bogus entry from costing
		 * raw_len bytes of memory. */
		if (payload_len == 0 || payload_len > INT_MAX ||
		    raw_len / 255 > payload_len) {
			rv = WIRE_ERR_MALFORMED;
			goto err;
		}
		priv->decompressed = malloc(raw_len != 0 ? raw_len : 1);
		if (priv->decompressed == NULL) {
			rv = WIRE_ERR_INTERNAL;
			goto err;
		}
		if (LZ4_decompress_safe(
			(const char *)payload, (char *)priv->decompressed,
			(int)payload_len, (int)raw_len) != (int)raw_len) {
			rv = WIRE_ERR_MALFORMED;
			goto err;
		}
		payload = priv->decompressed;
		payload_len = raw_len;
		break;
	default:
		rv = WIRE_ERR_MALFORMED;
		goto err;
	}
	if ((rv = batch_fields(payload, payload_len, &b)) != 0) {
		goto err;
	}
	*out = b;
	return 0;

err:
	wire_batch_release(&b);
	return rv;
}

void wire_batch_release(struct wire_batch *b)
{
	struct batch_priv *priv;

	if (b == NULL || b->priv_ == NULL) {
		return;
	}
	priv = b->priv_;
	free(priv->decompressed);
	free(priv);
	free(b->commands);
	memset(b, 0, sizeof *b);
}

/* ---- a pack's answer ----------------------------------------------------- */

/* Response.packed: field 7, length-delimited (tag 0x3a). */
#define RESPONSE_PACKED_TAG (7u << 3 | WT_LEN)

static size_t varint_size(uint64_t v)
{
	size_t n = 1;

	while (v > 0x7f) {
		v >>= 7;
		n++;
	}
	return n;
}

size_t wire_pack_response_size(const struct wire_bytes *packed, size_t n)
{
	size_t i, size = 0;

	for (i = 0; i < n; i++) {
		size += 1 + varint_size(packed[i].len) + packed[i].len;
	}
	return size;
}

void wire_pack_response_write(const struct wire_bytes *packed, size_t n,
			      uint8_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t v = packed[i].len;

		*out++ = RESPONSE_PACKED_TAG;
		while (v > 0x7f) {
			*out++ = (uint8_t)(v | 0x80);
			v >>= 7;
		}
		*out++ = (uint8_t)v;
		if (packed[i].len > 0) {
			memcpy(out, packed[i].data, packed[i].len);
			out += packed[i].len;
		}
	}
}

/* ---- Request encoder ------------------------------------------------------
 */

/* Writes protobuf's canonical form (what protobuf-c's pack gives: fields by
 * number, proto3 defaults left out, repeated integers packed) — a client
 * encodes every call with it and the leader every command it re-encodes
 * with its context. An emitter counts when out is NULL, writes otherwise;
 * nested messages are sized by a counting run first. */
struct emit {
	uint8_t *out;
	size_t n;
};

static void put_byte(struct emit *e, uint8_t b)
{
	if (e->out != NULL) {
		e->out[e->n] = b;
	}
	e->n++;
}

static void put_varint(struct emit *e, uint64_t v)
{
	while (v > 0x7f) {
		put_byte(e, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	put_byte(e, (uint8_t)v);
}

static void put_raw(struct emit *e, const void *p, size_t len)
{
	if (e->out != NULL && len > 0) {
		memcpy(e->out + e->n, p, len);
	}
	e->n += len;
}

static void put_tag(struct emit *e, uint32_t num, uint32_t wt)
{
	put_varint(e, (uint64_t)num << 3 | wt);
}

/* A uint64/uint32/bool field: absent when 0 (proto3). */
static void put_uint(struct emit *e, uint32_t num, uint64_t v)
{
	if (v != 0) {
		put_tag(e, num, WT_VARINT);
		put_varint(e, v);
	}
}

/* A bytes field (always when repeated: `always`), or a string field
 * (NULL and "" are absent). */
static void put_len(struct emit *e, uint32_t num, const void *p, size_t len,
		    bool always)
{
	if (len > 0 || always) {
		put_tag(e, num, WT_LEN);
		put_varint(e, len);
		put_raw(e, p, len);
	}
}

static void put_str(struct emit *e, uint32_t num, const char *s)
{
	if (s != NULL) {
		put_len(e, num, s, strlen(s), false);
	}
}

static void node_addr_body(struct emit *e, const struct wire_node_addr *a)
{
	put_uint(e, 1, a->id);
	put_str(e, 2, a->raft_address);
	put_str(e, 3, a->client_address);
	put_str(e, 4, a->http_address);
}

/* A nested message: its tag, its size (a counting run of body), then the
 * body. */
typedef void (*body_fn)(struct emit *e, const void *arg);

static void put_message(struct emit *e, uint32_t num, body_fn body,
			const void *arg)
{
	struct emit count = {NULL, 0};

	body(&count, arg);
	put_tag(e, num, WT_LEN);
	put_varint(e, count.n);
	if (e->out == NULL) {
		e->n += count.n; /* counting: the body's size is known */
	} else {
		body(e, arg);
	}
}

static void node_addr_fn(struct emit *e, const void *arg)
{
	node_addr_body(e, arg);
}

/* The member's message body, for each op type (its field number:
 * member_numbers). */
static void member_body(struct emit *e, const void *arg)
{
	const struct wire_op *op = arg;
	size_t i;

	switch (op->type) {
	case WIRE_OP_KV_PUT:
		put_str(e, 1, op->key);
		put_len(e, 2, op->value, op->value_len, false);
		break;
	case WIRE_OP_KV_GET:
	case WIRE_OP_KV_DELETE:
		put_str(e, 1, op->key);
		break;
	case WIRE_OP_KV_LIST:
		put_str(e, 1, op->prefix);
		put_str(e, 2, op->start_after);
		put_uint(e, 3, op->limit);
		break;
	case WIRE_OP_ADD_NODE:
		put_message(e, 1, node_addr_fn, &op->node);
		put_uint(e, 2, op->voter);
		break;
	case WIRE_OP_ASSIGN_NODE:
		put_uint(e, 1, op->node_id);
		put_uint(e, 2, op->role);
		break;
	case WIRE_OP_REMOVE_NODE:
	case WIRE_OP_TRANSFER_LEADER:
		put_uint(e, 1, op->node_id);
		break;
	case WIRE_OP_SET_NODE_ADDR:
		put_message(e, 1, node_addr_fn, &op->node);
		break;
	case WIRE_OP_SERVICE_CALL:
		put_str(e, 1, op->service);
		put_str(e, 2, op->action);
		put_len(e, 3, op->input, op->input_len, false);
		put_len(e, 4, op->context, op->context_len, false);
		put_str(e, 5, op->endpoint);
		break;
	case WIRE_OP_DEBUG_DROP:
		if (op->n_peers > 0) {
			struct emit count = {NULL, 0};
			for (i = 0; i < op->n_peers; i++) {
				put_varint(&count, op->peers[i]);
			}
			put_tag(e, 1, WT_LEN);
			put_varint(e, count.n);
			for (i = 0; i < op->n_peers; i++) {
				put_varint(e, op->peers[i]);
			}
		}
		put_uint(e, 2, op->drop);
		break;
	case WIRE_OP_BACKUP_READ:
		put_uint(e, 1, op->backup_id);
		put_uint(e, 2, op->offset);
		put_uint(e, 3, op->max_bytes);
		break;
	case WIRE_OP_RESTORE_BEGIN:
		put_uint(e, 1, op->backup_id);
		put_uint(e, 2, op->total_bytes);
		put_uint(e, 3, op->force);
		break;
	case WIRE_OP_RESTORE_CHUNK:
		put_uint(e, 1, op->backup_id);
		put_uint(e, 2, op->offset);
		put_len(e, 3, op->data, op->data_len, false);
		break;
	case WIRE_OP_RESTORE_COMMIT:
		put_uint(e, 1, op->backup_id);
		break;
	default: /* CLUSTER_STATUS, BACKUP_BEGIN: empty */
		break;
	}
}

/* Op's oneof: op type -> field number (0: none or not a type). */
static uint32_t member_number(enum wire_op_type type)
{
	return (unsigned)type < WIRE_OP__COUNT ? member_numbers[type] : 0;
}

static void op_body(struct emit *e, const void *arg)
{
	const struct wire_op *op = arg;

	if (op->type != WIRE_OP_NONE) {
		put_message(e, member_number(op->type), member_body, op);
	}
}

static void request_body(struct emit *e, const void *arg)
{
	const struct wire_request *r = arg;
	size_t i;

	put_uint(e, 1, r->client_id);
	put_uint(e, 2, r->seq);
	for (i = 0; i < r->n_ops; i++) {
		put_message(e, 3, op_body, &r->ops[i]);
	}
	put_uint(e, 4, r->seq_floor);
	put_uint(e, 13, r->waited_ms);
	put_str(e, 14, r->access_key_id);
	put_uint(e, 15, r->signed_at_ms);
	for (i = 0; i < r->n_packed; i++) {
		put_len(e, 17, r->packed[i].data, r->packed[i].len, true);
	}
}

/* The pointers encoding reads: a NULL array or data with a nonzero count
 * or length is WIRE_ERR_INVALID_PARAM, an op type outside enum
 * wire_op_type WIRE_ERR_UNKNOWN_OP. */
static int request_check(const struct wire_request *r)
{
	size_t i;

	if ((r->ops == NULL && r->n_ops != 0) ||
	    (r->packed == NULL && r->n_packed != 0)) {
		return WIRE_ERR_INVALID_PARAM;
	}
	if (r->n_packed > WIRE_MAX_PACKED) {
		return WIRE_ERR_TOO_LARGE;
	}
	for (i = 0; i < r->n_packed; i++) {
		if (r->packed[i].data == NULL && r->packed[i].len != 0) {
			return WIRE_ERR_INVALID_PARAM;
		}
	}
	for (i = 0; i < r->n_ops; i++) {
		const struct wire_op *op = &r->ops[i];

		if (op->type != WIRE_OP_NONE && member_number(op->type) == 0) {
			return WIRE_ERR_UNKNOWN_OP;
		}
		if ((op->type == WIRE_OP_KV_PUT && op->value == NULL &&
		     op->value_len != 0) ||
		    (op->type == WIRE_OP_SERVICE_CALL &&
		     ((op->input == NULL && op->input_len != 0) ||
		      (op->context == NULL && op->context_len != 0))) ||
		    (op->type == WIRE_OP_DEBUG_DROP && op->peers == NULL &&
		     op->n_peers != 0) ||
		    (op->type == WIRE_OP_RESTORE_CHUNK && op->data == NULL &&
		     op->data_len != 0)) {
			return WIRE_ERR_INVALID_PARAM;
		}
	}
	return 0;
}

/* A message of at most WIRE_MAX_REQUEST_BYTES written by body: a counting
 * run, then the bytes into a malloc'd buffer of that size (at least 1
 * byte). 0, WIRE_ERR_TOO_LARGE or WIRE_ERR_INTERNAL. */
static int emit_alloc(body_fn body, const void *arg, uint8_t **buf, size_t *len)
{
	struct emit e = {NULL, 0};

	body(&e, arg);
	if (e.n > WIRE_MAX_REQUEST_BYTES) {
		return WIRE_ERR_TOO_LARGE;
	}
	e.out = malloc(e.n > 0 ? e.n : 1);
	if (e.out == NULL) {
		return WIRE_ERR_INTERNAL;
	}
	e.n = 0;
	body(&e, arg);
	*buf = e.out;
	*len = e.n;
	return 0;
}

int wire_request_encode(const struct wire_request *r, uint8_t **buf,
			size_t *len)
{
	int rv = request_check(r);

	return rv != 0 ? rv : emit_alloc(request_body, r, buf, len);
}

/* ---- Response encoder ----------------------------------------------------
 */

/* Every write is answered with an encoded Response on every node (the
 * session record; and the proposer sends one), so protobuf-c's generic
 * pack was ~7% of a follower's CPU in the SQS produce benchmark. This
 * writes the common shape — results of codes, strings, bytes, outputs and
 * stored forms — in the same canonical form; a result with KV items, node
 * statuses or backup information goes through wire_response_encode_pbc.
 * tests/unit/test_wire_hot.c compares the two byte for byte. */

static bool result_is_common(const struct wire_result *res)
{
	return res->n_items == 0 && res->n_nodes == 0 && !res->has_backup;
}

static void result_body(struct emit *e, const void *arg)
{
	const struct wire_result *res = arg;

	put_uint(e, 1, res->code);
	put_str(e, 2, res->error_name);
	put_str(e, 3, res->error_message);
	put_uint(e, 4, res->found);
	put_len(e, 5, res->value, res->value_len, false);
	put_str(e, 7, res->next_token);
	put_len(e, 9, res->output, res->output_len, false);
	put_str(e, 11, res->stored_service);
	put_len(e, 12, res->stored, res->stored_len, false);
}

static void response_body(struct emit *e, const void *arg)
{
	const struct wire_response *r = arg;
	size_t i;

	put_uint(e, 1, r->code);
	put_str(e, 2, r->error_name);
	put_str(e, 3, r->error_message);
	put_uint(e, 4, r->leader_id);
	put_str(e, 5, r->leader_address);
	for (i = 0; i < r->n_results; i++) {
		put_message(e, 6, result_body, &r->results[i]);
	}
	for (i = 0; i < r->n_packed; i++) {
		put_len(e, 7, r->packed[i].data, r->packed[i].len, true);
	}
}

/* The checks of wire_response_encode_pbc, in its order. */
static int response_check(const struct wire_response *r)
{
	size_t i;

	if (r->results == NULL && r->n_results != 0) {
		return WIRE_ERR_INVALID_PARAM;
	}
	for (i = 0; i < r->n_results; i++) {
		const struct wire_result *res = &r->results[i];

		if ((res->value == NULL && res->value_len != 0) ||
		    (res->output == NULL && res->output_len != 0) ||
		    (res->stored == NULL && res->stored_len != 0)) {
			return WIRE_ERR_INVALID_PARAM;
		}
	}
	if (r->n_packed > WIRE_MAX_PACKED) {
		return WIRE_ERR_TOO_LARGE;
	}
	if (r->packed == NULL && r->n_packed != 0) {
		return WIRE_ERR_INVALID_PARAM;
	}
	for (i = 0; i < r->n_packed; i++) {
		if (r->packed[i].data == NULL && r->packed[i].len != 0) {
			return WIRE_ERR_INVALID_PARAM;
		}
	}
	return 0;
}

int wire_response_encode(const struct wire_response *r, uint8_t **buf,
			 size_t *len)
{
	size_t i;
	int rv;

	for (i = 0; r->results != NULL && i < r->n_results; i++) {
		if (!result_is_common(&r->results[i])) {
			return wire_response_encode_pbc(r, buf, len);
		}
	}
	rv = response_check(r);
	return rv != 0 ? rv : emit_alloc(response_body, r, buf, len);
}

/* ---- CommandBatch encoder ------------------------------------------------
 */

static size_t entry_size(size_t body_len)
{
	return (WIRE_BATCH_HEADER_BYTES + body_len + 7) & ~(size_t)7;
}

/* The CommandBatch payload in protobuf's canonical form, as protobuf-c
 * packs it (fields by number, zero scalars left out, every command). */
static void batch_body(struct emit *e, const struct wire_batch *b)
{
	size_t i;

	put_uint(e, 1, b->leader_time_ms);
	put_uint(e, 2, b->leader_id);
	put_uint(e, 3, b->nonce);
	for (i = 0; i < b->n_commands; i++) {
		put_len(e, 4, b->commands[i].data, b->commands[i].len, true);
	}
	put_uint(e, 5, b->term);
}

int wire_batch_encode(const struct wire_batch *b, size_t lz4_threshold,
		      void *(*alloc)(size_t), void **buf, size_t *len)
{
	struct emit e = {NULL, 0};
	uint8_t *raw = NULL, *packed = NULL, *out;
	const uint8_t *body;
	size_t raw_len, body_len, out_len, i;
	int bound, compressed_len = 0, rv;

	if (b->commands == NULL && b->n_commands != 0) {
		return WIRE_ERR_INVALID_PARAM;
	}
	for (i = 0; i < b->n_commands; i++) {
		if (b->commands[i].data == NULL && b->commands[i].len > 0) {
			return WIRE_ERR_INVALID_PARAM;
		}
	}
	batch_body(&e, b);
	raw_len = e.n;
	if (raw_len > WIRE_MAX_BATCH_BYTES) {
		return WIRE_ERR_TOO_LARGE;
	}
	if (alloc == NULL) {
		alloc = malloc;
	}
	if (raw_len == 0 || raw_len < lz4_threshold) {
		/* Plain: straight into the entry. */
		body_len = raw_len;
		out_len = entry_size(body_len);
		if ((out = alloc(out_len)) == NULL) {
			return WIRE_ERR_INTERNAL;
		}
		e.out = out + WIRE_BATCH_HEADER_BYTES;
		e.n = 0;
		batch_body(&e, b);
		out[0] = WIRE_BATCH_PLAIN;
		goto header;
	}
	/* Compressed: from scratch copies, as alloc (e.g. raft_malloc) is
	 * called once, with the final size. */
	bound = LZ4_compressBound((int)raw_len);
	raw = malloc(raw_len);
	packed = malloc((size_t)bound);
	if (raw == NULL || packed == NULL) {
		rv = WIRE_ERR_INTERNAL;
		goto out;
	}
	e.out = raw;
	e.n = 0;
	batch_body(&e, b);
	compressed_len = LZ4_compress_default((const char *)raw, (char *)packed,
					      (int)raw_len, bound);
	if (compressed_len > 0 && (size_t)compressed_len < raw_len) {
		body = packed;
		body_len = (size_t)compressed_len;
	} else {
		body = raw;
		body_len = raw_len;
		compressed_len = 0;
	}
	out_len = entry_size(body_len);
	if ((out = alloc(out_len)) == NULL) {
		rv = WIRE_ERR_INTERNAL;
		goto out;
	}
	out[0] = compressed_len > 0 ? WIRE_BATCH_LZ4 : WIRE_BATCH_PLAIN;
	memcpy(out + WIRE_BATCH_HEADER_BYTES, body, body_len);

header:
	out[1] = (uint8_t)(out_len - WIRE_BATCH_HEADER_BYTES - body_len);
	out[2] = 0;
	out[3] = 0;
	out[4] = (uint8_t)raw_len;
	out[5] = (uint8_t)(raw_len >> 8);
	out[6] = (uint8_t)(raw_len >> 16);
	out[7] = (uint8_t)(raw_len >> 24);
	memset(out + WIRE_BATCH_HEADER_BYTES + body_len, 0,
	       out_len - WIRE_BATCH_HEADER_BYTES - body_len);
	*buf = out;
	*len = out_len;
	rv = 0;
out:
	free(packed);
	free(raw);
	return rv;
}
