/* wire — the codec between the plain structs of wire.h and the protobuf-c
 * types generated from stratus.proto.
 *
 * The hot path's codecs are written by hand in wire_hot.c: the Request and
 * CommandBatch decoders (no copies of bytes fields), the Request and
 * CommandBatch encoders and a pack's answer. The other decoders here
 * unpack with protobuf-c (which copies every string and bytes field into
 * its own allocations) and then point the plain structs into that unpacked
 * message: nothing is copied twice. The decoded object owns the unpacked
 * message through priv_ and the plain arrays it built (results, items,
 * nodes, kv, sessions); the release functions free both.
 *
 * The other encoders build protobuf-c structs that borrow the caller's
 * strings and bytes (no copies), size the message, and pack it into one
 * buffer. */
#include "wire.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "stratus.pb-c.h"

/* Where empty bytes fields point after decoding, so that users may pass
 * them to memcpy() and friends (which forbid NULL even with length 0). */
static const uint8_t empty_bytes[1];

/* Allocates n zeroed elements of *p's type into p (NULL when n == 0).
 * Evaluates to true on success. */
#define ALLOC_ARRAY(p, n)                                                      \
	((n) == 0 ? ((p) = NULL, true)                                         \
		  : (((p) = calloc((n), sizeof *(p))) != NULL))

const char *wire_code_name(uint32_t code)
{
	static const char *const names[] = {
	    [WIRE_OK] = "OK",
	    [WIRE_ERR_NOT_LEADER] = "NotLeader",
	    [WIRE_ERR_MALFORMED] = "SerializationException",
	    [WIRE_ERR_UNKNOWN_OP] = "InvalidAction",
	    [WIRE_ERR_TOO_LARGE] = "RequestEntityTooLarge",
	    [WIRE_ERR_NOT_FOUND] = "ResourceNotFoundException",
	    [WIRE_ERR_UNAVAILABLE] = "ServiceUnavailable",
	    [WIRE_ERR_INTERNAL] = "InternalFailure",
	    [WIRE_ERR_OVER_LIMIT] = "OverLimit",
	    [WIRE_ERR_INVALID_PARAM] = "InvalidParameterValue",
	    [WIRE_ERR_MISSING_PARAM] = "MissingParameter",
	    [WIRE_ERR_TIMEOUT] = "RequestTimeout",
	    [WIRE_ERR_CONNECTION] = "ConnectionFailure",
	    [WIRE_ERR_SESSION_EXPIRED] = "SessionExpired",
	    [WIRE_ERR_SERVICE] = "ServiceError",
	    [WIRE_ERR_ACCESS_DENIED] = "AccessDenied",
	    [WIRE_ERR_WOULD_WAIT] = "WouldWait",
	};

	if (code < sizeof names / sizeof *names && names[code] != NULL) {
		return names[code];
	}
	return "UnknownError";
}

bool wire_op_is_write(enum wire_op_type type)
{
	switch (type) {
	case WIRE_OP_KV_PUT:
	case WIRE_OP_KV_DELETE:
	case WIRE_OP_SET_NODE_ADDR:
	case WIRE_OP_SERVICE_CALL: /* the broker asks the service which
				    * actions are reads */
	case WIRE_OP_RESTORE_BEGIN:
	case WIRE_OP_RESTORE_CHUNK:
	case WIRE_OP_RESTORE_COMMIT:
		return true;
	default:
		/* Reads, and membership changes the node makes itself
		 * through raft's own configuration entries. */
		return false;
	}
}

/* ---- shared helpers ------------------------------------------------------ */

/* protobuf-c allocator that records running out of memory in *data (a bool),
 * so that decoders can tell "malformed" from "no memory": protobuf-c returns
 * NULL for both. */
static void *pb_alloc(void *data, size_t size)
{
	void *p = malloc(size != 0 ? size : 1);

	if (p == NULL) {
		*(bool *)data = true;
	}
	return p;
}

static void pb_free(void *data, void *p)
{
	(void)data;
	free(p);
}

/* Unpacks buf[0..len) as a message of type desc into *out (owned; free with
 * protobuf_c_message_free_unpacked(*out, NULL), which also uses free()).
 * Returns 0, WIRE_ERR_MALFORMED or WIRE_ERR_INTERNAL. */
static int unpack(const ProtobufCMessageDescriptor *desc, const void *buf,
		  size_t len, ProtobufCMessage **out)
{
	bool oom = false;
	ProtobufCAllocator allocator = {pb_alloc, pb_free, &oom};
	ProtobufCMessage *m;

	*out = NULL;
	if (buf == NULL) {
		if (len != 0) {
			return WIRE_ERR_MALFORMED;
		}
		buf = empty_bytes;
	}
	m = protobuf_c_message_unpack(desc, &allocator, len, buf);
	if (m == NULL) {
		return oom ? WIRE_ERR_INTERNAL : WIRE_ERR_MALFORMED;
	}
	*out = m;
	return 0;
}

/* A decoded string: never NULL. */
static const char *str_out(const char *s)
{
	return s != NULL ? s : "";
}

/* A string to encode: NULL and "" are both absent in proto3. protobuf-c's
 * fields are not const, but packing only reads them. */
static char *str_in(const char *s)
{
	return (char *)(s != NULL ? s : "");
}

static void bytes_out(const ProtobufCBinaryData *bd, const uint8_t **data,
		      size_t *len)
{
	*data = bd->data != NULL ? bd->data : empty_bytes;
	*len = bd->data != NULL ? bd->len : 0;
}

/* Points bd at data[0..len) (borrowed). Returns 0 or WIRE_ERR_INVALID_PARAM
 * for NULL data with a nonzero length. */
static int bytes_in(const uint8_t *data, size_t len, ProtobufCBinaryData *bd)
{
	if (data == NULL && len != 0) {
		return WIRE_ERR_INVALID_PARAM;
	}
	bd->data = (uint8_t *)(len != 0 ? data : NULL);
	bd->len = len;
	return 0;
}

/* A repeated bytes field as wire_bytes (an array of *out, borrowed data;
 * NULL when n == 0). 0, or WIRE_ERR_INTERNAL. */
static int bytes_array_out(ProtobufCBinaryData *const arr, size_t n,
			   struct wire_bytes **out)
{
	struct wire_bytes *a = NULL;
	size_t i;

	if (!ALLOC_ARRAY(a, n)) {
		return WIRE_ERR_INTERNAL;
	}
	for (i = 0; i < n; i++) {
		bytes_out(&arr[i], &a[i].data, &a[i].len);
	}
	*out = a;
	return 0;
}

/* The reverse: *out (malloc'd, free it; NULL when n == 0) points at b's
 * data. 0, WIRE_ERR_INVALID_PARAM or WIRE_ERR_INTERNAL. */
static int bytes_array_in(const struct wire_bytes *b, size_t n,
			  ProtobufCBinaryData **out)
{
	ProtobufCBinaryData *a = NULL;
	size_t i;

	*out = NULL;
	if (b == NULL && n != 0) {
		return WIRE_ERR_INVALID_PARAM;
	}
	if (!ALLOC_ARRAY(a, n)) {
		return WIRE_ERR_INTERNAL;
	}
	for (i = 0; i < n; i++) {
		if (bytes_in(b[i].data, b[i].len, &a[i]) != 0) {
			free(a);
			return WIRE_ERR_INVALID_PARAM;
		}
	}
	*out = a;
	return 0;
}

/* m may be NULL (absent): then all fields are zero / "". */
static void node_addr_out(const Stratus__NodeAddr *m, struct wire_node_addr *a)
{
	a->id = m != NULL ? m->id : 0;
	a->raft_address = str_out(m != NULL ? m->raft_address : NULL);
	a->client_address = str_out(m != NULL ? m->client_address : NULL);
	a->http_address = str_out(m != NULL ? m->http_address : NULL);
}

static void node_addr_in(const struct wire_node_addr *a, Stratus__NodeAddr *m)
{
	*m = (Stratus__NodeAddr)STRATUS__NODE_ADDR__INIT;
	m->id = a->id;
	m->raft_address = str_in(a->raft_address);
	m->client_address = str_in(a->client_address);
	m->http_address = str_in(a->http_address);
}

/* Packs m into a buffer from alloc (NULL = malloc) holding `header` spare
 * bytes followed by the packed message; the packed size goes in *len. The
 * buffer is at least 1 byte, so it is never NULL on success. Returns 0,
 * WIRE_ERR_TOO_LARGE (packed size > max) or WIRE_ERR_INTERNAL. */
static int pack_into(const ProtobufCMessage *m, size_t max, size_t header,
		     void *(*alloc)(size_t), uint8_t **buf, size_t *len)
{
	size_t size = protobuf_c_message_get_packed_size(m);
	size_t total = header + size;
	uint8_t *out;

	if (size > max) {
		return WIRE_ERR_TOO_LARGE;
	}
	out = (alloc != NULL ? alloc : malloc)(total != 0 ? total : 1);
	if (out == NULL) {
		return WIRE_ERR_INTERNAL;
	}
	if (protobuf_c_message_pack(m, out + header) != size) {
		/* Cannot happen: get_packed_size and pack walk the same
		 * message. Fail rather than hand out a short buffer (a
		 * buffer from alloc leaks: we have no matching free). */
		if (alloc == NULL) {
			free(out);
		}
		return WIRE_ERR_INTERNAL;
	}
	*buf = out;
	*len = size;
	return 0;
}

/* ---- request ------------------------------------------------------------- */

int wire_request_append_waited(uint8_t **buf, size_t *len, uint32_t waited_ms)
{
	Stratus__Request m = STRATUS__REQUEST__INIT;
	size_t add;
	uint8_t *grown;

	/* A message holding only waited_ms encodes as exactly that field
	 * (tag and varint; nothing when 0), and fields may come in any
	 * order: appended, it becomes part of the request. */
	m.waited_ms = waited_ms;
	add = protobuf_c_message_get_packed_size(&m.base);
	if (add == 0) {
		return 0;
	}
	grown = realloc(*buf, *len + add);
	if (grown == NULL) {
		return WIRE_ERR_INTERNAL;
	}
	protobuf_c_message_pack(&m.base, grown + *len);
	*buf = grown;
	*len += add;
	return 0;
}

/* ---- response ------------------------------------------------------------ */

static void node_status_out(const Stratus__NodeStatus *m,
			    struct wire_node_status *n)
{
	node_addr_out(m->addr, &n->addr);
	n->role = str_out(m->role);
	n->voter_role = str_out(m->voter_role);
	n->term = m->term;
	n->commit_index = m->commit_index;
	n->applied_index = m->applied_index;
	n->last_index = m->last_index;
	n->match_index = m->match_index;
	n->leader_id = m->leader_id;
	n->digest = m->digest;
	n->content_digest = m->content_digest;
	n->reachable = m->reachable != 0;
}

/* Fills res from m, allocating its items and nodes arrays. Returns 0 or
 * WIRE_ERR_INTERNAL (res then holds what was allocated so far). */
static int result_out(const Stratus__Result *m, struct wire_result *res)
{
	size_t i;

	res->code = m->code;
	res->error_name = str_out(m->error_name);
	res->error_message = str_out(m->error_message);
	res->found = m->found != 0;
	bytes_out(&m->value, &res->value, &res->value_len);
	bytes_out(&m->output, &res->output, &res->output_len);
	bytes_out(&m->stored, &res->stored, &res->stored_len);
	res->stored_service = str_out(m->stored_service);
	res->next_token = str_out(m->next_token);
	if (m->backup != NULL) {
		res->has_backup = true;
		res->backup.backup_id = m->backup->backup_id;
		res->backup.applied_index = m->backup->applied_index;
		res->backup.term = m->backup->term;
		res->backup.total_bytes = m->backup->total_bytes;
		res->backup.content_digest = m->backup->content_digest;
		res->backup.node_id = m->backup->node_id;
	}
	if (!ALLOC_ARRAY(res->items, m->n_items)) {
		return WIRE_ERR_INTERNAL;
	}
	res->n_items = m->n_items;
	for (i = 0; i < m->n_items; i++) {
		res->items[i].key = str_out(m->items[i]->key);
		bytes_out(&m->items[i]->value, &res->items[i].value,
			  &res->items[i].value_len);
	}
	if (!ALLOC_ARRAY(res->nodes, m->n_nodes)) {
		return WIRE_ERR_INTERNAL;
	}
	res->n_nodes = m->n_nodes;
	for (i = 0; i < m->n_nodes; i++) {
		node_status_out(m->nodes[i], &res->nodes[i]);
	}
	return 0;
}

int wire_response_decode(const void *buf, size_t len, struct wire_response *out)
{
	struct wire_response r = {0};
	Stratus__Response *m;
	ProtobufCMessage *msg;
	size_t i;
	int rv;

	memset(out, 0, sizeof *out);
	if (len > WIRE_MAX_REQUEST_BYTES) {
		return WIRE_ERR_MALFORMED;
	}
	rv = unpack(&stratus__response__descriptor, buf, len, &msg);
	if (rv != 0) {
		return rv;
	}
	m = (Stratus__Response *)msg;
	r.priv_ = m;
	r.code = m->code;
	r.error_name = str_out(m->error_name);
	r.error_message = str_out(m->error_message);
	r.leader_id = m->leader_id;
	r.leader_address = str_out(m->leader_address);
	if (!ALLOC_ARRAY(r.results, m->n_results)) {
		rv = WIRE_ERR_INTERNAL;
		goto err_after_unpack;
	}
	r.n_results = m->n_results;
	for (i = 0; i < m->n_results; i++) {
		rv = result_out(m->results[i], &r.results[i]);
		if (rv != 0) {
			goto err_after_unpack;
		}
	}
	if (m->n_packed > WIRE_MAX_PACKED) {
		rv = WIRE_ERR_MALFORMED;
		goto err_after_unpack;
	}
	rv = bytes_array_out(m->packed, m->n_packed,
			     (struct wire_bytes **)&r.packed);
	if (rv != 0) {
		goto err_after_unpack;
	}
	r.n_packed = m->n_packed;
	*out = r;
	return 0;

err_after_unpack:
	wire_response_release(&r);
	return rv;
}

void wire_response_release(struct wire_response *r)
{
	size_t i;

	if (r == NULL || r->priv_ == NULL) {
		return;
	}
	for (i = 0; i < r->n_results && r->results != NULL; i++) {
		free(r->results[i].items);
		free(r->results[i].nodes);
	}
	free(r->results);
	free((void *)r->packed);
	protobuf_c_message_free_unpacked(r->priv_, NULL);
	memset(r, 0, sizeof *r);
}

/* A NodeStatus to encode with the NodeAddr it points to. */
struct node_status_msg {
	Stratus__NodeStatus status;
	Stratus__NodeAddr addr;
};

/* The protobuf-c side of one response being encoded: every array is one
 * allocation shared by all results (each result points at its slice). */
struct response_msgs {
	Stratus__Result *results;
	Stratus__BackupInfo *backups; /* one per result */
	Stratus__Result **result_ptrs;
	Stratus__KvItem *items;
	Stratus__KvItem **item_ptrs;
	struct node_status_msg *nodes;
	Stratus__NodeStatus **node_ptrs;
};

static void response_msgs_free(struct response_msgs *a)
{
	free(a->results);
	free(a->backups);
	free(a->result_ptrs);
	free(a->items);
	free(a->item_ptrs);
	free(a->nodes);
	free(a->node_ptrs);
}

/* Builds m (and a) from r, borrowing r's data. Returns 0,
 * WIRE_ERR_INVALID_PARAM or WIRE_ERR_INTERNAL; free a in any case. */
static int response_in(const struct wire_response *r, Stratus__Response *m,
		       struct response_msgs *a)
{
	size_t i, j, n_items = 0, n_nodes = 0, item = 0, node = 0;

	if (r->results == NULL && r->n_results != 0) {
		return WIRE_ERR_INVALID_PARAM;
	}
	for (i = 0; i < r->n_results; i++) {
		const struct wire_result *res = &r->results[i];
		if ((res->items == NULL && res->n_items != 0) ||
		    (res->nodes == NULL && res->n_nodes != 0) ||
		    n_items + res->n_items < n_items ||
		    n_nodes + res->n_nodes < n_nodes) {
			return WIRE_ERR_INVALID_PARAM;
		}
		n_items += res->n_items;
		n_nodes += res->n_nodes;
	}
	if (!ALLOC_ARRAY(a->results, r->n_results) ||
	    !ALLOC_ARRAY(a->backups, r->n_results) ||
	    !ALLOC_ARRAY(a->result_ptrs, r->n_results) ||
	    !ALLOC_ARRAY(a->items, n_items) ||
	    !ALLOC_ARRAY(a->item_ptrs, n_items) ||
	    !ALLOC_ARRAY(a->nodes, n_nodes) ||
	    !ALLOC_ARRAY(a->node_ptrs, n_nodes)) {
		return WIRE_ERR_INTERNAL;
	}

	*m = (Stratus__Response)STRATUS__RESPONSE__INIT;
	m->code = r->code;
	m->error_name = str_in(r->error_name);
	m->error_message = str_in(r->error_message);
	m->leader_id = r->leader_id;
	m->leader_address = str_in(r->leader_address);
	m->n_results = r->n_results;
	m->results = a->result_ptrs;
	for (i = 0; i < r->n_results; i++) {
		const struct wire_result *res = &r->results[i];
		Stratus__Result *rm = &a->results[i];

		*rm = (Stratus__Result)STRATUS__RESULT__INIT;
		a->result_ptrs[i] = rm;
		rm->code = res->code;
		rm->error_name = str_in(res->error_name);
		rm->error_message = str_in(res->error_message);
		rm->found = res->found;
		if (bytes_in(res->value, res->value_len, &rm->value) != 0 ||
		    bytes_in(res->output, res->output_len, &rm->output) != 0 ||
		    bytes_in(res->stored, res->stored_len, &rm->stored) != 0) {
			return WIRE_ERR_INVALID_PARAM;
		}
		rm->stored_service = str_in(res->stored_service);
		rm->next_token = str_in(res->next_token);
		if (res->has_backup) {
			Stratus__BackupInfo *bm = &a->backups[i];
			*bm = (Stratus__BackupInfo)STRATUS__BACKUP_INFO__INIT;
			bm->backup_id = res->backup.backup_id;
			bm->applied_index = res->backup.applied_index;
			bm->term = res->backup.term;
			bm->total_bytes = res->backup.total_bytes;
			bm->content_digest = res->backup.content_digest;
			bm->node_id = res->backup.node_id;
			rm->backup = bm;
		}
		rm->n_items = res->n_items;
		rm->items = res->n_items != 0 ? &a->item_ptrs[item] : NULL;
		for (j = 0; j < res->n_items; j++, item++) {
			Stratus__KvItem *im = &a->items[item];
			*im = (Stratus__KvItem)STRATUS__KV_ITEM__INIT;
			a->item_ptrs[item] = im;
			im->key = str_in(res->items[j].key);
			if (bytes_in(res->items[j].value,
				     res->items[j].value_len,
				     &im->value) != 0) {
				return WIRE_ERR_INVALID_PARAM;
			}
		}
		rm->n_nodes = res->n_nodes;
		rm->nodes = res->n_nodes != 0 ? &a->node_ptrs[node] : NULL;
		for (j = 0; j < res->n_nodes; j++, node++) {
			const struct wire_node_status *ns = &res->nodes[j];
			struct node_status_msg *nm = &a->nodes[node];

			nm->status =
			    (Stratus__NodeStatus)STRATUS__NODE_STATUS__INIT;
			node_addr_in(&ns->addr, &nm->addr);
			nm->status.addr = &nm->addr;
			nm->status.role = str_in(ns->role);
			nm->status.voter_role = str_in(ns->voter_role);
			nm->status.term = ns->term;
			nm->status.commit_index = ns->commit_index;
			nm->status.applied_index = ns->applied_index;
			nm->status.last_index = ns->last_index;
			nm->status.match_index = ns->match_index;
			nm->status.leader_id = ns->leader_id;
			nm->status.digest = ns->digest;
			nm->status.content_digest = ns->content_digest;
			nm->status.reachable = ns->reachable;
			a->node_ptrs[node] = &nm->status;
		}
	}
	return 0;
}

int wire_response_encode_pbc(const struct wire_response *r, uint8_t **buf,
			     size_t *len)
{
	Stratus__Response m;
	struct response_msgs a = {0};
	ProtobufCBinaryData *packed = NULL;
	int rv;

	rv = response_in(r, &m, &a);
	if (rv == 0 && r->n_packed > WIRE_MAX_PACKED) {
		rv = WIRE_ERR_TOO_LARGE;
	}
	if (rv == 0) {
		rv = bytes_array_in(r->packed, r->n_packed, &packed);
	}
	if (rv == 0) {
		m.n_packed = r->n_packed;
		m.packed = packed;
		rv = pack_into(&m.base, WIRE_MAX_REQUEST_BYTES, 0, NULL, buf,
			       len);
	}
	free(packed);
	response_msgs_free(&a);
	return rv;
}

void wire_response_unavailable(const uint8_t **buf, size_t *len)
{
	/* Response.code (field 1, varint) = WIRE_ERR_UNAVAILABLE. */
	static const uint8_t bytes[] = {0x08, WIRE_ERR_UNAVAILABLE};

	*buf = bytes;
	*len = sizeof bytes;
}

int wire_response_encode_error(uint32_t code, const char *message,
			       uint64_t leader_id, const char *leader_address,
			       uint8_t **buf, size_t *len)
{
	struct wire_response r = {0};

	r.code = code;
	r.error_name = wire_code_name(code);
	r.error_message = message;
	r.leader_id = leader_id;
	r.leader_address = leader_address;
	return wire_response_encode(&r, buf, len);
}

/* ---- snapshot ------------------------------------------------------------ */

int wire_snapshot_decode(const void *buf, size_t len, struct wire_snapshot *out)
{
	struct wire_snapshot s = {0};
	Stratus__Snapshot *m;
	ProtobufCMessage *msg;
	size_t i, j;
	int rv;

	memset(out, 0, sizeof *out);
	if (len > WIRE_MAX_SNAPSHOT_BYTES) {
		return WIRE_ERR_MALFORMED;
	}
	rv = unpack(&stratus__snapshot__descriptor, buf, len, &msg);
	if (rv != 0) {
		return rv;
	}
	m = (Stratus__Snapshot *)msg;
	s.priv_ = m;
	s.version = m->version;
	s.last_time_ms = m->last_time_ms;
	if (!ALLOC_ARRAY(s.kv, m->n_kv) ||
	    !ALLOC_ARRAY(s.sessions, m->n_sessions) ||
	    !ALLOC_ARRAY(s.nodes, m->n_nodes) ||
	    !ALLOC_ARRAY(s.services, m->n_services)) {
		goto err_nomem;
	}
	s.n_kv = m->n_kv;
	s.n_sessions = m->n_sessions;
	s.n_nodes = m->n_nodes;
	s.n_services = m->n_services;
	for (i = 0; i < m->n_services; i++) {
		s.services[i].name = str_out(m->services[i]->name);
		bytes_out(&m->services[i]->data, &s.services[i].data,
			  &s.services[i].len);
	}
	for (i = 0; i < m->n_kv; i++) {
		s.kv[i].key = str_out(m->kv[i]->key);
		bytes_out(&m->kv[i]->value, &s.kv[i].value, &s.kv[i].value_len);
	}
	for (i = 0; i < m->n_sessions; i++) {
		const Stratus__Session *sm = m->sessions[i];
		struct wire_session *ws = &s.sessions[i];

		ws->client_id = sm->client_id;
		ws->last_active_ms = sm->last_active_ms;
		ws->seq_floor = sm->seq_floor;
		if (!ALLOC_ARRAY(ws->results, sm->n_results)) {
			goto err_nomem;
		}
		ws->n_results = sm->n_results;
		for (j = 0; j < sm->n_results; j++) {
			ws->results[j].seq = sm->results[j]->seq;
			bytes_out(&sm->results[j]->results,
				  &ws->results[j].response,
				  &ws->results[j].response_len);
		}
	}
	for (i = 0; i < m->n_nodes; i++) {
		node_addr_out(m->nodes[i], &s.nodes[i]);
	}
	s.restore_data = empty_bytes;
	if (m->restore != NULL) {
		s.restore_id = m->restore->restore_id;
		s.restore_total_bytes = m->restore->total_bytes;
		s.restore_force = m->restore->force != 0;
		bytes_out(&m->restore->data, &s.restore_data, &s.restore_len);
		/* A staging never holds more than it announced. */
		if (s.restore_id == 0 ||
		    s.restore_len > s.restore_total_bytes) {
			wire_snapshot_release(&s);
			return WIRE_ERR_MALFORMED;
		}
	}
	*out = s;
	return 0;

err_nomem:
	wire_snapshot_release(&s);
	return WIRE_ERR_INTERNAL;
}

void wire_snapshot_release(struct wire_snapshot *s)
{
	size_t i;

	if (s == NULL || s->priv_ == NULL) {
		return;
	}
	for (i = 0; i < s->n_sessions && s->sessions != NULL; i++) {
		free(s->sessions[i].results);
	}
	free(s->kv);
	free(s->sessions);
	free(s->nodes);
	free(s->services);
	protobuf_c_message_free_unpacked(s->priv_, NULL);
	memset(s, 0, sizeof *s);
}

/* The protobuf-c side of one snapshot being encoded; session results are
 * one array shared by all sessions (each points at its slice). */
struct snapshot_msgs {
	Stratus__RestoreStaging restore;
	Stratus__KvItem *kv;
	Stratus__KvItem **kv_ptrs;
	Stratus__Session *sessions;
	Stratus__Session **session_ptrs;
	Stratus__SessionResult *results;
	Stratus__SessionResult **result_ptrs;
	Stratus__NodeAddr *nodes;
	Stratus__NodeAddr **node_ptrs;
	Stratus__ServiceState *services;
	Stratus__ServiceState **service_ptrs;
};

static void snapshot_msgs_free(struct snapshot_msgs *a)
{
	free(a->kv);
	free(a->kv_ptrs);
	free(a->sessions);
	free(a->session_ptrs);
	free(a->results);
	free(a->result_ptrs);
	free(a->nodes);
	free(a->node_ptrs);
	free(a->services);
	free(a->service_ptrs);
}

/* Builds m (and a) from s, borrowing s's data. Returns 0,
 * WIRE_ERR_INVALID_PARAM or WIRE_ERR_INTERNAL; free a in any case. */
static int snapshot_in(const struct wire_snapshot *s, Stratus__Snapshot *m,
		       struct snapshot_msgs *a)
{
	size_t i, j, n_results = 0, result = 0;

	if ((s->kv == NULL && s->n_kv != 0) ||
	    (s->sessions == NULL && s->n_sessions != 0) ||
	    (s->nodes == NULL && s->n_nodes != 0) ||
	    (s->services == NULL && s->n_services != 0)) {
		return WIRE_ERR_INVALID_PARAM;
	}
	for (i = 0; i < s->n_sessions; i++) {
		const struct wire_session *ws = &s->sessions[i];
		if ((ws->results == NULL && ws->n_results != 0) ||
		    n_results + ws->n_results < n_results) {
			return WIRE_ERR_INVALID_PARAM;
		}
		n_results += ws->n_results;
	}
	if (!ALLOC_ARRAY(a->kv, s->n_kv) || !ALLOC_ARRAY(a->kv_ptrs, s->n_kv) ||
	    !ALLOC_ARRAY(a->sessions, s->n_sessions) ||
	    !ALLOC_ARRAY(a->session_ptrs, s->n_sessions) ||
	    !ALLOC_ARRAY(a->results, n_results) ||
	    !ALLOC_ARRAY(a->result_ptrs, n_results) ||
	    !ALLOC_ARRAY(a->nodes, s->n_nodes) ||
	    !ALLOC_ARRAY(a->node_ptrs, s->n_nodes) ||
	    !ALLOC_ARRAY(a->services, s->n_services) ||
	    !ALLOC_ARRAY(a->service_ptrs, s->n_services)) {
		return WIRE_ERR_INTERNAL;
	}

	*m = (Stratus__Snapshot)STRATUS__SNAPSHOT__INIT;
	m->version = s->version;
	m->last_time_ms = s->last_time_ms;
	m->n_kv = s->n_kv;
	m->kv = a->kv_ptrs;
	for (i = 0; i < s->n_kv; i++) {
		a->kv[i] = (Stratus__KvItem)STRATUS__KV_ITEM__INIT;
		a->kv[i].key = str_in(s->kv[i].key);
		if (bytes_in(s->kv[i].value, s->kv[i].value_len,
			     &a->kv[i].value) != 0) {
			return WIRE_ERR_INVALID_PARAM;
		}
		a->kv_ptrs[i] = &a->kv[i];
	}
	m->n_sessions = s->n_sessions;
	m->sessions = a->session_ptrs;
	for (i = 0; i < s->n_sessions; i++) {
		const struct wire_session *ws = &s->sessions[i];
		Stratus__Session *sm = &a->sessions[i];

		*sm = (Stratus__Session)STRATUS__SESSION__INIT;
		sm->client_id = ws->client_id;
		sm->last_active_ms = ws->last_active_ms;
		sm->seq_floor = ws->seq_floor;
		sm->n_results = ws->n_results;
		sm->results =
		    ws->n_results != 0 ? &a->result_ptrs[result] : NULL;
		for (j = 0; j < ws->n_results; j++, result++) {
			Stratus__SessionResult *rm = &a->results[result];
			*rm = (Stratus__SessionResult)
			    STRATUS__SESSION_RESULT__INIT;
			rm->seq = ws->results[j].seq;
			if (bytes_in(ws->results[j].response,
				     ws->results[j].response_len,
				     &rm->results) != 0) {
				return WIRE_ERR_INVALID_PARAM;
			}
			a->result_ptrs[result] = rm;
		}
		a->session_ptrs[i] = sm;
	}
	m->n_nodes = s->n_nodes;
	m->nodes = a->node_ptrs;
	for (i = 0; i < s->n_nodes; i++) {
		node_addr_in(&s->nodes[i], &a->nodes[i]);
		a->node_ptrs[i] = &a->nodes[i];
	}
	m->n_services = s->n_services;
	m->services = a->service_ptrs;
	for (i = 0; i < s->n_services; i++) {
		a->services[i] =
		    (Stratus__ServiceState)STRATUS__SERVICE_STATE__INIT;
		a->services[i].name = str_in(s->services[i].name);
		if (bytes_in(s->services[i].data, s->services[i].len,
			     &a->services[i].data) != 0) {
			return WIRE_ERR_INVALID_PARAM;
		}
		a->service_ptrs[i] = &a->services[i];
	}
	if (s->restore_id != 0) {
		a->restore =
		    (Stratus__RestoreStaging)STRATUS__RESTORE_STAGING__INIT;
		a->restore.restore_id = s->restore_id;
		a->restore.total_bytes = s->restore_total_bytes;
		a->restore.force = s->restore_force;
		if (bytes_in(s->restore_data, s->restore_len,
			     &a->restore.data) != 0) {
			return WIRE_ERR_INVALID_PARAM;
		}
		m->restore = &a->restore;
	}
	return 0;
}

int wire_snapshot_encode(const struct wire_snapshot *s, void *(*alloc)(size_t),
			 void **buf, size_t *len)
{
	Stratus__Snapshot m;
	struct snapshot_msgs a = {0};
	uint8_t *out;
	int rv;

	rv = snapshot_in(s, &m, &a);
	if (rv == 0) {
		rv = pack_into(&m.base, WIRE_MAX_SNAPSHOT_BYTES, 0, alloc, &out,
			       len);
	}
	if (rv == 0) {
		*buf = out;
	}
	snapshot_msgs_free(&a);
	return rv;
}
