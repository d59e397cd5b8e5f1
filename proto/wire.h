/* wire — the Stratus wire schema as plain C structs, and their codecs.
 *
 * This is the only module that touches the protobuf-c types generated from
 * proto/stratus.proto. Everything else (broker, client, tests) works with the
 * structs below.
 *
 * Ownership: a *decoded* object (request, response, command, batch,
 * snapshot) borrows every string and byte pointer from an internal buffer it
 * owns; release it with the matching wire_*_release(), after which those
 * pointers are invalid. Exception, for speed (wire_hot.c): a decoded
 * request's and batch's *bytes* fields (inputs, contexts, values, data,
 * signature, packed requests, commands) point into the buffer it was
 * decoded from, which must stay unchanged while they are used (its strings
 * are copies, as everywhere). An object you fill in to *encode* only
 * borrows your pointers for the duration of the call. Strings are
 * NUL-terminated; a missing string field decodes as "" (never NULL); a missing
 * bytes field decodes as a non-NULL pointer with length 0. On encode, NULL
 * strings and empty bytes are simply absent. Releasing a zeroed object, one
 * whose decode failed (decoders leave *out zeroed on error), or one you filled
 * in yourself (priv_ == NULL) does nothing.
 *
 * Errors: decoders return 0, WIRE_ERR_MALFORMED (truncated, garbage, or
 * fields out of bounds — never an abort) or WIRE_ERR_INTERNAL (out of
 * memory: not the input's fault, so a replica applying the log must not
 * treat it like a malformed command). Encoders return 0, WIRE_ERR_INTERNAL
 * (out of memory), WIRE_ERR_TOO_LARGE (the result would exceed the bound its
 * decoder enforces), WIRE_ERR_UNKNOWN_OP (op type outside enum
 * wire_op_type) or WIRE_ERR_INVALID_PARAM (a NULL array or data pointer with
 * a nonzero count or length). */
#ifndef STRATUS_WIRE_H
#define STRATUS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes carried in Response.code / Result.code. The public client
 * header mirrors these values as ST_ERR_*; never renumber. */
enum wire_code {
	WIRE_OK = 0,
	WIRE_ERR_NOT_LEADER = 1,    /* "NotLeader": retry at leader_address */
	WIRE_ERR_MALFORMED = 2,	    /* "SerializationException" */
	WIRE_ERR_UNKNOWN_OP = 3,    /* "InvalidAction" */
	WIRE_ERR_TOO_LARGE = 4,	    /* "RequestEntityTooLarge" */
	WIRE_ERR_NOT_FOUND = 5,	    /* "ResourceNotFoundException" */
	WIRE_ERR_UNAVAILABLE = 6,   /* "ServiceUnavailable": retry (same seq) */
	WIRE_ERR_INTERNAL = 7,	    /* "InternalFailure" */
	WIRE_ERR_OVER_LIMIT = 8,    /* "OverLimit" */
	WIRE_ERR_INVALID_PARAM = 9, /* "InvalidParameterValue" */
	WIRE_ERR_MISSING_PARAM = 10, /* "MissingParameter" */
	WIRE_ERR_TIMEOUT = 11,	     /* "RequestTimeout" (client side) */
	WIRE_ERR_CONNECTION = 12,    /* "ConnectionFailure" (client side) */
	/* "SessionExpired": seq too old to dedup */
	WIRE_ERR_SESSION_EXPIRED = 13,
	/* "ServiceError" as a code; error_name carries the service's own
	 * AWS error code ("QueueDoesNotExist", ...) */
	WIRE_ERR_SERVICE = 14,
	/* "AccessDenied" as a code; error_name carries AWS's code
	 * ("MissingAuthenticationToken", "InvalidClientTokenId",
	 * "SignatureDoesNotMatch") */
	WIRE_ERR_ACCESS_DENIED = 15,
	/* "WouldWait": a packed call that would long-poll, or whose answer
	 * does not fit its pack; the client sends it again on its own (same
	 * seq). Never reaches applications. */
	WIRE_ERR_WOULD_WAIT = 16
};

/* The AWS-style name of a code ("NotLeader", "InvalidAction", ...; "OK" for
 * 0, "UnknownError" for codes not in enum wire_code); never NULL. */
const char *wire_code_name(uint32_t code);

/* Largest native request / response we accept (bytes). Raft entries and
 * snapshots have their own bounds (WIRE_MAX_BATCH_BYTES,
 * WIRE_MAX_SNAPSHOT_BYTES). */
#define WIRE_MAX_REQUEST_BYTES	 (4u * 1024 * 1024)
#define WIRE_MAX_OPS_PER_REQUEST 1024
#define WIRE_MAX_KEY_BYTES	 1024
#define WIRE_MAX_VALUE_BYTES	 (1024u * 1024)
#define WIRE_MAX_NAME_BYTES	 64  /* service and action names */
#define WIRE_MAX_ENDPOINT_BYTES	 256 /* ServiceCall.endpoint */
/* Largest piece of a backup in one BackupRead answer or RestoreChunk
 * (bytes): well inside a request, a response and a raft entry. */
#define WIRE_MAX_BACKUP_CHUNK_BYTES (1024u * 1024)

enum wire_op_type {
	WIRE_OP_NONE = 0,
	WIRE_OP_KV_PUT,
	WIRE_OP_KV_GET,
	WIRE_OP_KV_DELETE,
	WIRE_OP_KV_LIST,
	WIRE_OP_CLUSTER_STATUS,
	WIRE_OP_ADD_NODE,
	WIRE_OP_ASSIGN_NODE,
	WIRE_OP_REMOVE_NODE,
	WIRE_OP_TRANSFER_LEADER,
	WIRE_OP_SET_NODE_ADDR,
	WIRE_OP_SERVICE_CALL,
	WIRE_OP_DEBUG_DROP,
	WIRE_OP_BACKUP_BEGIN,	/* capture the state (leader, node-local) */
	WIRE_OP_BACKUP_READ,	/* a piece of a capture (the capturing node) */
	WIRE_OP_RESTORE_BEGIN,	/* replicated: start staging a backup */
	WIRE_OP_RESTORE_CHUNK,	/* replicated: append to the staging */
	WIRE_OP_RESTORE_COMMIT, /* replicated: swap the staged state in */
	WIRE_OP__COUNT
};

/* Raft roles as in raft.h (RAFT_STANDBY 0, RAFT_VOTER 1, RAFT_SPARE 2). */
struct wire_node_addr {
	uint64_t id;
	const char *raft_address;   /* "tcp://host:port" */
	const char *client_address; /* native protocol, "tcp://host:port" */
	const char *http_address;   /* "host:port", may be "" */
};

/* One operation; which fields matter depends on type. */
struct wire_op {
	enum wire_op_type type;
	/* KV_PUT, KV_GET, KV_DELETE */
	const char *key;
	const uint8_t *value; /* KV_PUT */
	size_t value_len;
	/* KV_LIST */
	const char *prefix;
	const char *start_after;
	uint32_t limit; /* 0 = server default */
	/* ADD_NODE, SET_NODE_ADDR */
	struct wire_node_addr node;
	bool voter; /* ADD_NODE: promote to voter once caught up */
	/* ASSIGN_NODE, REMOVE_NODE, TRANSFER_LEADER */
	uint64_t node_id;
	uint32_t role; /* ASSIGN_NODE */
	/* SERVICE_CALL: service ("sqs"), AWS action name, the AWS JSON
	 * request document, and the leader-made context (JSON, may be
	 * empty). */
	const char *service;
	const char *action;
	const uint8_t *input;
	size_t input_len;
	const uint8_t *context;
	size_t context_len;
	const char *endpoint; /* URL base for outputs; "" = the node's */
	/* DEBUG_DROP: peers whose raft traffic to drop (or stop dropping) */
	const uint64_t *peers;
	size_t n_peers;
	bool drop;
	/* BACKUP_READ: backup_id, offset, max_bytes (0 = the most allowed);
	 * RESTORE_*: backup_id is the restore id; RESTORE_BEGIN: total_bytes
	 * (the backup file's size), force; RESTORE_CHUNK: offset, data (at
	 * most WIRE_MAX_BACKUP_CHUNK_BYTES). */
	uint64_t backup_id;
	uint64_t offset;
	uint32_t max_bytes;
	uint64_t total_bytes;
	bool force;
	const uint8_t *data;
	size_t data_len;
};

/* A byte string inside a message: a serialized Command (== serialized
 * Request) inside a batch; a packed Request or Response. */
struct wire_bytes {
	const uint8_t *data;
	size_t len;
};

/* Most Requests one pack may carry. */
#define WIRE_MAX_PACKED 256

/* True for ops that change replicated state (go through the raft log). */
bool wire_op_is_write(enum wire_op_type type);

/* A native-protocol request; also the shape of a replicated Command
 * (client_id/seq/ops share field numbers). */
struct wire_request {
	uint64_t client_id; /* 0 = no session (no dedup) */
	uint64_t seq;
	/* The lowest seq whose answer the client still awaits; 0: not said
	 * (stratus.proto: Request.seq_floor). */
	uint64_t seq_floor;
	struct wire_op *ops;
	size_t n_ops;
	/* Signing (see wire_auth.h): encode writes the key id and time;
	 * wire_auth_sign appends the signature. Decoded: signature is the
	 * 32-byte HMAC or NULL when the request is unsigned. */
	const char *access_key_id; /* "" / NULL: unsigned */
	uint64_t signed_at_ms;
	const uint8_t *signature;
	size_t signature_len;
	/* How long the caller had already waited for this call when this
	 * attempt was sent, ms (stratus.proto: Request.waited_ms); 0 on a
	 * first attempt. Only a long poll's deadline uses it. */
	uint32_t waited_ms;
	/* A pack: up to WIRE_MAX_PACKED encoded Requests and nothing else
	 * (no ops, no session, unsigned); the answer is a Response whose
	 * packed holds their encoded Responses in the same order. */
	const struct wire_bytes *packed;
	size_t n_packed;
	void *priv_; /* decoded: owned protobuf object */
};

int wire_request_decode(const void *buf, size_t len, struct wire_request *out);
void wire_request_release(struct wire_request *r);
/* Returns a malloc'd buffer in *buf (free with free()). */
int wire_request_encode(const struct wire_request *r, uint8_t **buf,
			size_t *len);
/* Append the field waited_ms (when not 0) to an encoded Request that is not
 * signed yet and has no waited_ms of its own; sign after it (wire_auth.h:
 * the signature stays the last field). This is how a client retries a long
 * poll with the same (client_id, seq) and ops without encoding the ops
 * again. realloc's *buf; 0, or WIRE_ERR_INTERNAL when out of memory (*buf
 * and *len unchanged). */
int wire_request_append_waited(uint8_t **buf, size_t *len, uint32_t waited_ms);
/* The most bytes wire_request_append_waited adds (tag, 5-byte varint). */
#define WIRE_WAITED_FIELD_MAX_BYTES 6

struct wire_kv_item {
	const char *key;
	const uint8_t *value;
	size_t value_len;
};

struct wire_node_status {
	struct wire_node_addr addr;
	const char *role;	/* leader|follower|candidate|unavailable */
	const char *voter_role; /* voter|standby|spare */
	uint64_t term;
	uint64_t commit_index;
	uint64_t applied_index;
	uint64_t last_index;
	uint64_t match_index; /* leader's view; 0 if unknown */
	uint64_t leader_id;
	uint64_t digest;
	uint64_t content_digest; /* kv + services only (fsm.h) */
	bool reachable;
};

/* What a backup reflects (BACKUP_BEGIN / BACKUP_READ results, and the
 * RESTORE_COMMIT result: the restored state's). */
struct wire_backup_info {
	uint64_t backup_id;
	uint64_t applied_index;
	uint64_t term;
	uint64_t total_bytes; /* the backup file, header included */
	uint64_t content_digest;
	uint64_t node_id; /* the node holding the capture */
};

/* The result of one op. */
struct wire_result {
	uint32_t code; /* enum wire_code */
	const char *error_name;
	const char *error_message;
	bool found; /* KV_GET */
	const uint8_t *value;
	size_t value_len;
	struct wire_kv_item *items; /* KV_LIST */
	size_t n_items;
	const char *next_token;
	struct wire_node_status *nodes; /* CLUSTER_STATUS */
	size_t n_nodes;
	const uint8_t *output; /* SERVICE_CALL: AWS JSON response document */
	size_t output_len;
	/* SERVICE_CALL inside the state machine: the stored form of output
	 * and the service that renders it (service.h); stored_len 0: none. */
	const char *stored_service;
	const uint8_t *stored;
	size_t stored_len;
	/* BACKUP_BEGIN, BACKUP_READ (its piece is value/value_len),
	 * RESTORE_COMMIT */
	bool has_backup;
	struct wire_backup_info backup;
};

/* Set res to an error result named after its code. message is borrowed. */
static inline void wire_result_set_error(struct wire_result *res, uint32_t code,
					 const char *message)
{
	res->code = code;
	res->error_name = wire_code_name(code);
	res->error_message = message;
}

struct wire_response {
	uint32_t code; /* envelope error, enum wire_code */
	const char *error_name;
	const char *error_message;
	uint64_t leader_id;
	const char *leader_address;
	struct wire_result *results;
	size_t n_results;
	const struct wire_bytes *packed; /* a pack's answers (see request) */
	size_t n_packed;
	void *priv_;
};

int wire_response_decode(const void *buf, size_t len,
			 struct wire_response *out);
void wire_response_release(struct wire_response *r);
int wire_response_encode(const struct wire_response *r, uint8_t **buf,
			 size_t *len);
/* The same encoding through protobuf-c, for every shape: what
 * wire_response_encode (hand-written, wire_hot.c) uses for results with KV
 * items, node statuses or backup information; tests compare the two. */
int wire_response_encode_pbc(const struct wire_response *r, uint8_t **buf,
			     size_t *len);
/* A pack's answer — a Response holding only packed[0..n) — encoded into
 * a buffer the caller provides (e.g. the reply message itself), so that
 * big answers are copied once: its exact size (the same bytes as
 * wire_response_encode), then the bytes. */
size_t wire_pack_response_size(const struct wire_bytes *packed, size_t n);
void wire_pack_response_write(const struct wire_bytes *packed, size_t n,
			      uint8_t *out);
/* A static encoded ServiceUnavailable envelope (no message): what a node
 * answers when it cannot even encode an error (out of memory). */
void wire_response_unavailable(const uint8_t **buf, size_t *len);

/* Convenience: encode an envelope error with no results. */
int wire_response_encode_error(uint32_t code, const char *message,
			       uint64_t leader_id, const char *leader_address,
			       uint8_t **buf, size_t *len);

/* ---- replicated log -------------------------------------------------- */

struct wire_batch {
	uint64_t leader_time_ms;
	uint64_t leader_id;
	uint64_t nonce;
	uint64_t term; /* proposer's raft term; 0 = unknown (older entry) */
	struct wire_bytes *commands;
	size_t n_commands;
	void *priv_;
};

/* Entry header (8 bytes): format byte, number of zero padding bytes at the
 * end of the entry (0-7), two zero bytes, the raw (uncompressed) payload
 * size as 4 bytes little-endian. Entries are padded to a multiple of 8
 * bytes: libraft 0.15's segment reader mis-parses entries of other sizes
 * (it pads on write but not when summing lengths on read), which loses the
 * log on restart. */
#define WIRE_BATCH_HEADER_BYTES 8
#define WIRE_BATCH_PLAIN	0
#define WIRE_BATCH_LZ4		1
/* Largest raw (uncompressed) CommandBatch payload (bytes); the encoder
 * refuses larger batches with WIRE_ERR_TOO_LARGE, the decoder rejects them. */
#define WIRE_MAX_BATCH_BYTES (256u * 1024 * 1024)

/* Entry layout: the 8-byte header above + payload (a serialized
 * CommandBatch, maybe lz4-compressed) + zero padding to a multiple of 8.
 * Payloads of at least lz4_threshold bytes are compressed when that makes them
 * smaller (SIZE_MAX: never compress). alloc allocates the returned buffer (e.g.
 * raft_malloc) and is called at most once, with the exact size;
 * NULL = malloc. */
int wire_batch_encode(const struct wire_batch *b, size_t lz4_threshold,
		      void *(*alloc)(size_t), void **buf, size_t *len);
int wire_batch_decode(const void *buf, size_t len, struct wire_batch *out);
void wire_batch_release(struct wire_batch *b);

/* ---- snapshot ---------------------------------------------------------- */

struct wire_session_result {
	uint64_t seq;
	const uint8_t *response; /* serialized Response */
	size_t response_len;
};

struct wire_session {
	uint64_t client_id;
	uint64_t last_active_ms;
	struct wire_session_result *results;
	size_t n_results;
	uint64_t seq_floor; /* every seq below: answered (session.h) */
};

/* A service's state in its own encoding (broker/service.h). */
struct wire_service_state {
	const char *name;
	const uint8_t *data;
	size_t len;
};

struct wire_snapshot {
	uint32_t version;
	uint64_t last_time_ms;
	struct wire_kv_item *kv;
	size_t n_kv;
	struct wire_session *sessions;
	size_t n_sessions;
	struct wire_node_addr *nodes;
	size_t n_nodes;
	struct wire_service_state *services;
	size_t n_services;
	/* A restore being staged (restore_id 0: none): the backup file's
	 * size and the bytes received so far. */
	uint64_t restore_id;
	uint64_t restore_total_bytes;
	bool restore_force;
	const uint8_t *restore_data;
	size_t restore_len;
	void *priv_;
};

/* Largest snapshot (bytes) the encoder writes and the decoder reads. */
#define WIRE_MAX_SNAPSHOT_BYTES (1024u * 1024 * 1024)

/* Snapshots are written/read as one buffer; raft_uv compresses it. alloc as
 * for wire_batch_encode (called once, exact size; NULL = malloc). */
int wire_snapshot_encode(const struct wire_snapshot *s, void *(*alloc)(size_t),
			 void **buf, size_t *len);
int wire_snapshot_decode(const void *buf, size_t len,
			 struct wire_snapshot *out);
void wire_snapshot_release(struct wire_snapshot *s);

#endif
