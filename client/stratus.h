/* stratus.h — libstratus, the C client of a Stratus cluster.
 *
 * This is the one public header of the library. It speaks the native
 * protocol (protobuf over nng REQ/REP) to the nodes' client addresses, finds
 * the leader by itself, and retries a request — with the same sequence
 * number, so the leader answers it once — across timeouts, failovers and
 * "unavailable" answers until a per-call deadline.
 *
 * Errors. Every call returns 0 or an ST_ERR_* code; the synchronous calls
 * also fill a caller-provided st_error (may be NULL) with the code, the
 * AWS-style error name ("ResourceNotFoundException", ...) and a message that
 * says where the failure happened. The codes have the values the server
 * puts on the wire, so a server error reaches you unchanged. Retries
 * inside one call reuse its sequence number, so the leader applies a write
 * at most once; but a write that fails with ST_ERR_TIMEOUT or
 * ST_ERR_CONNECTION may or may not have been applied, and calling again is a
 * new request.
 *
 * Threads. An st_client may be used from any number of threads at once:
 * every function except st_client_free is thread-safe. Async callbacks run
 * on a library thread (an nng worker), never inside the call that submitted
 * them, exactly once per accepted request. A callback must not block: a
 * synchronous call made from inside a callback fails at once with
 * ST_ERR_INVALID_PARAM instead of deadlocking, and an async call made from a
 * callback never waits for an in-flight slot (it returns ST_ERR_OVER_LIMIT
 * when none is free). st_client_free must be called once, from a thread that
 * is not a callback, after every other call on the client has returned; it
 * waits for outstanding async requests, which complete with
 * ST_ERR_CONNECTION ("client is closing").
 *
 * Ownership is stated per function: "borrows" means the library reads the
 * argument only during the call; "returns owned" means free it with the
 * function named. */
#ifndef STRATUS_H
#define STRATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes. Same values as the wire protocol; never renumbered. */
enum st_code {
	ST_OK = 0,
	ST_ERR_NOT_LEADER = 1,	   /* "NotLeader" (followed internally) */
	ST_ERR_MALFORMED = 2,	   /* "SerializationException" */
	ST_ERR_UNKNOWN_OP = 3,	   /* "InvalidAction" */
	ST_ERR_TOO_LARGE = 4,	   /* "RequestEntityTooLarge" */
	ST_ERR_NOT_FOUND = 5,	   /* "ResourceNotFoundException" */
	ST_ERR_UNAVAILABLE = 6,	   /* "ServiceUnavailable" */
	ST_ERR_INTERNAL = 7,	   /* "InternalFailure" */
	ST_ERR_OVER_LIMIT = 8,	   /* "OverLimit" */
	ST_ERR_INVALID_PARAM = 9,  /* "InvalidParameterValue" */
	ST_ERR_MISSING_PARAM = 10, /* "MissingParameter" */
	ST_ERR_TIMEOUT = 11,	   /* "RequestTimeout": no answer in time */
	ST_ERR_CONNECTION = 12,	   /* "ConnectionFailure": no node reachable */
	ST_ERR_SESSION_EXPIRED = 13, /* "SessionExpired" */
	ST_ERR_ACCESS_DENIED = 15,   /* unsigned or badly signed request;
				      * st_error.name is AWS's code
				      * ("InvalidClientTokenId", ...) */
	ST_ERR_SERVICE = 14 /* a service's own error; st_error.name is AWS's
			     * code ("QueueDoesNotExist", ...) */
};

/* Limits the server enforces; checked before sending. */
#define ST_MAX_KEY_BYTES       1024
#define ST_MAX_VALUE_BYTES     (1024u * 1024)
#define ST_MAX_OPS_PER_REQUEST 1024 /* st_kv_put_many */
#define ST_MAX_REQUEST_BYTES   (4u * 1024 * 1024)

/* An error: code (enum st_code), its AWS-style name, and a message. */
typedef struct st_error {
	int code;
	char name[64];
	char message[512];
} st_error;

/* The AWS-style name of a code; never NULL. */
const char *st_code_name(int code);

/* Client options. Zero-initialize and set what you need: every field left
 * 0 (or false) takes its default. */
typedef struct st_options {
	/* One attempt, from sending the request to its reply. Default 5000. */
	unsigned request_timeout_ms;
	/* How long an attempt waits for a connection to the chosen node before
	 * it counts as a connection failure and the next node is tried.
	 * Default 1000 (capped at request_timeout_ms). */
	unsigned connect_timeout_ms;
	/* Total time one call may take, retries and backoff included; the call
	 * then fails with ST_ERR_TIMEOUT, or ST_ERR_CONNECTION when the last
	 * failure was a connection failure. Default 30000. */
	unsigned retry_deadline_ms;
	/* Timeout of st_node_status and of each per-node query of
	 * st_cluster_status (no retries). Default 1000. */
	unsigned status_timeout_ms;
	/* Retry backoff: exponential from base, capped at max, with jitter (a
	 * random delay between half and all of the step). Defaults 50, 200:
	 * during an election a call asks again at least every 200 ms, so it
	 * finds the new leader soon after there is one. */
	unsigned backoff_base_ms;
	unsigned backoff_max_ms;
	/* Most async requests outstanding at once (sync calls count too).
	 * Default 1024. */
	unsigned max_inflight;
	/* When max_inflight requests are outstanding, an async call waits for a
	 * slot (false, the default) or returns ST_ERR_OVER_LIMIT (true).
	 * Synchronous calls always wait. */
	bool fail_when_full;
	/* Largest reply accepted from a node, bytes. Default 16 MiB. */
	size_t max_reply_bytes;
	/* An access key of the cluster (`stratus auth create-key`) to sign
	 * every request with; both NULL: requests go unsigned, which a
	 * cluster with access keys refuses (ST_ERR_ACCESS_DENIED). Copied. */
	const char *access_key_id;
	const char *secret_access_key;
	/* TLS for tls+tcp:// endpoints: the cluster CA that signed the nodes'
	 * certificates (PEM file; required for tls+tcp://), and a client
	 * certificate and key where the cluster requires one (PEM files; both
	 * or neither). Read at st_client_new. */
	const char *tls_ca_file;
	const char *tls_cert_file;
	const char *tls_key_file;
} st_options;

typedef struct st_client st_client;

/* Connect to a cluster. endpoints: comma-separated node client addresses
 * ("tcp://10.0.0.1:7111,tcp://10.0.0.2:7111", or tls+tcp:// with
 * tls_ca_file); a node is dialed in the background when a call first needs
 * it, so a node that is down is not an error here. opts: NULL for
 * the defaults (borrowed). Returns the client, or NULL with err filled:
 * ST_ERR_MISSING_PARAM (no endpoint), ST_ERR_INVALID_PARAM (an address nng
 * cannot parse, too many endpoints), ST_ERR_INTERNAL (out of memory). */
st_client *st_client_new(const char *endpoints, const st_options *opts,
			 st_error *err);

/* Close the client: outstanding async requests complete with
 * ST_ERR_CONNECTION, their callbacks run, then everything is freed. Not from
 * a callback; NULL is a no-op. */
void st_client_free(st_client *c);

/* Free memory the library returned (st_kv_get's value, st_kv_list's
 * next_token, st_call's output). NULL is a no-op. */
void st_free(void *p);

/* ---- key-value, synchronous ---------------------------------------------
 * key: a NUL-terminated string, 1..ST_MAX_KEY_BYTES bytes (borrowed).
 * Errors common to all: ST_ERR_MISSING_PARAM / ST_ERR_INVALID_PARAM (bad
 * arguments), ST_ERR_TOO_LARGE, ST_ERR_TIMEOUT, ST_ERR_CONNECTION,
 * ST_ERR_MALFORMED (a reply that could not be decoded), and whatever the
 * server answers. */

/* Store value (value_len bytes, borrowed; may be NULL when value_len is 0)
 * under key. */
int st_kv_put(st_client *c, const char *key, const void *value,
	      size_t value_len, st_error *err);

/* Read key. On success *found says whether it exists; if so, *value is
 * returned owned (free with st_free; NUL-terminated for convenience, the
 * terminator not counted in *value_len), else *value is NULL and
 * *value_len 0. A missing key is not an error here. */
int st_kv_get(st_client *c, const char *key, void **value, size_t *value_len,
	      bool *found, st_error *err);

/* Delete key. */
int st_kv_delete(st_client *c, const char *key, st_error *err);

/* One key-value pair. Keys are NUL-terminated; so are values returned by
 * st_kv_list (not counted in value_len), but not those an st_list_cb
 * borrows. */
typedef struct st_kv_item {
	const char *key;
	const void *value;
	size_t value_len;
} st_kv_item;

/* List keys in order, starting after start_after (NULL or "" = from the
 * beginning; pass a previous next_token to continue), with prefix (NULL or
 * "" = all), at most limit items (0 = server default). Returns owned
 * *items (free with st_kv_items_free; NULL when *n_items is 0) and owned
 * *next_token (free with st_free), NULL when there are no more keys. */
int st_kv_list(st_client *c, const char *prefix, const char *start_after,
	       uint32_t limit, st_kv_item **items, size_t *n_items,
	       char **next_token, st_error *err);
void st_kv_items_free(st_kv_item *items, size_t n_items);

/* Store n pairs in ONE request (one raft entry on the server): keys[i],
 * values[i], value_lens[i] (all borrowed), n in 1..ST_MAX_OPS_PER_REQUEST.
 * The ops are applied together; on a per-op failure the call fails with
 * the first one's code, message "kv put-many: item I of N: ...". */
int st_kv_put_many(st_client *c, const char *const *keys,
		   const void *const *values, const size_t *value_lens,
		   size_t n, st_error *err);

/* ---- key-value, asynchronous --------------------------------------------
 * Same arguments and checks as the sync calls (everything borrowed only
 * during the call). Returns 0 when the request was accepted — cb then runs
 * exactly once, later, on a library thread — or an error code, and cb never
 * runs: ST_ERR_MISSING_PARAM / ST_ERR_INVALID_PARAM / ST_ERR_TOO_LARGE (bad
 * arguments), ST_ERR_OVER_LIMIT (the call would have to wait — no in-flight
 * slot, or an unfinished call 2048 sequence numbers older, e.g. one still
 * retrying through a failover — and fail_when_full is set, or it was made
 * from a callback, which must not block: hand such a call to a thread of
 * your own, which may wait, rather than retrying it in the callback),
 * ST_ERR_CONNECTION (client closing), ST_ERR_INTERNAL (out of memory).
 *
 * Callbacks get err == NULL on success; everything they are passed is
 * borrowed for the duration of the callback only. */
typedef void (*st_done_cb)(void *arg, const st_error *err);
typedef void (*st_get_cb)(void *arg, const st_error *err, const void *value,
			  size_t value_len, bool found);
typedef void (*st_list_cb)(void *arg, const st_error *err,
			   const st_kv_item *items, size_t n_items,
			   const char *next_token /* NULL = no more */);

int st_kv_put_async(st_client *c, const char *key, const void *value,
		    size_t value_len, st_done_cb cb, void *arg);
int st_kv_get_async(st_client *c, const char *key, st_get_cb cb, void *arg);
int st_kv_delete_async(st_client *c, const char *key, st_done_cb cb, void *arg);
int st_kv_list_async(st_client *c, const char *prefix, const char *start_after,
		     uint32_t limit, st_list_cb cb, void *arg);
int st_kv_put_many_async(st_client *c, const char *const *keys,
			 const void *const *values, const size_t *value_lens,
			 size_t n, st_done_cb cb, void *arg);

/* ---- AWS-compatible services (generic) ------------------------------------
 * A service call sends one action of a service ("sqs", "SendMessage") with
 * the action's AWS JSON request document — the document AWS's JSON
 * protocol uses, e.g. {"QueueUrl": "...", "MessageBody": "hi"} — and gets
 * the AWS JSON response document back. Calls go to the leader and are
 * retried with one sequence number like writes, so a retry is applied at
 * most once.
 *
 * Per-attempt timeout: an action the server may hold (SQS ReceiveMessage
 * long polls) gets request_timeout_ms PLUS the time it may be held, and
 * the retry deadline grows by the same amount, so a long poll never times
 * out client-side. For ReceiveMessage that is WaitTimeSeconds from the
 * input when it is an integer in 0..ST_SQS_MAX_WAIT_SECONDS, else (absent:
 * the queue's ReceiveMessageWaitTimeSeconds applies) ST_SQS_MAX_WAIT_SECONDS.
 * A long poll retried at another node (the leader died or lost its
 * leadership while holding it) tells that node how long the call has
 * waited, so it waits only for the rest: the call still returns within its
 * WaitTimeSeconds (plus a commit), measured from when it was made.
 *
 * Errors: ST_ERR_MISSING_PARAM (no client, service or action; NULL output
 * pointer), ST_ERR_INVALID_PARAM (a name over 64 bytes, an input that is
 * not a JSON object), ST_ERR_TOO_LARGE, the transport errors of every call
 * (ST_ERR_TIMEOUT, ST_ERR_CONNECTION, ST_ERR_MALFORMED, ...), errors the
 * node answers itself (ST_ERR_UNKNOWN_OP: no such service or action), and
 * ST_ERR_SERVICE: the service refused the request; then st_error.name is
 * AWS's error code ("QueueDoesNotExist", "InvalidParameterValue", ...) and
 * st_error.message the service's message verbatim (no prefix), as AWS
 * would word it. */

#define ST_SQS_MAX_WAIT_SECONDS 20 /* ReceiveMessage WaitTimeSeconds max */

/* Call service's action with input_json (borrowed; NULL or "" means {}).
 * On success *output_json is the response document, returned owned (free
 * with st_free; "{}" for an empty response); on error it is NULL. */
int st_call(st_client *c, const char *service, const char *action,
	    const char *input_json, char **output_json, st_error *err);

/* Async: output_json (borrowed for the callback only, NUL-terminated) is
 * the response document when err is NULL, else NULL. */
typedef void (*st_call_cb)(void *arg, const st_error *err,
			   const char *output_json);

/* Same checks as st_call; returns 0 when accepted (cb then runs exactly
 * once, later, on a library thread), or an error code and cb never runs
 * (see the async key-value calls). */
int st_call_async(st_client *c, const char *service, const char *action,
		  const char *input_json, st_call_cb cb, void *arg);

/* A service call with its optional parts: for front doors that call on
 * behalf of someone else (the HTTP layer). */
typedef struct st_call_params {
	const char *service;
	const char *action;
	const char *input_json; /* NULL or "" means {} */
	/* URL base the caller reached the cluster at ("http://lb:7102"), for
	 * queue URLs in outputs; NULL: the serving node's HTTP address. */
	const char *endpoint;
	/* Sign with this key instead of the client's (both or neither). */
	const char *access_key_id;
	const char *secret_access_key;
} st_call_params;

/* st_call_async with params (borrowed for the call only). */
int st_call_with(st_client *c, const st_call_params *p, st_call_cb cb,
		 void *arg);

/* ---- SQS ------------------------------------------------------------------
 * One function per SQS action: st_call(c, "sqs", "<Action>", ...), with
 * the same arguments, ownership and errors. input_json is the action's
 * AWS request document; *output_json its AWS response document (owned,
 * free with st_free). The members are AWS's (see the SQS API reference);
 * e.g. st_sqs_send_message(c, "{\"QueueUrl\":\"...\",\"MessageBody\":"
 * "\"hi\"}", &out, &err) sets out to {"MessageId":"...",
 * "MD5OfMessageBody":"..."}. For async use st_call_async(c, "sqs",
 * "SendMessage", ...). */

/* Queues. */
int st_sqs_create_queue(st_client *c, const char *input_json,
			char **output_json, st_error *err);
int st_sqs_delete_queue(st_client *c, const char *input_json,
			char **output_json, st_error *err);
int st_sqs_get_queue_url(st_client *c, const char *input_json,
			 char **output_json, st_error *err);
int st_sqs_list_queues(st_client *c, const char *input_json, char **output_json,
		       st_error *err);
int st_sqs_get_queue_attributes(st_client *c, const char *input_json,
				char **output_json, st_error *err);
int st_sqs_set_queue_attributes(st_client *c, const char *input_json,
				char **output_json, st_error *err);
int st_sqs_purge_queue(st_client *c, const char *input_json, char **output_json,
		       st_error *err);
int st_sqs_tag_queue(st_client *c, const char *input_json, char **output_json,
		     st_error *err);
int st_sqs_untag_queue(st_client *c, const char *input_json, char **output_json,
		       st_error *err);
int st_sqs_list_queue_tags(st_client *c, const char *input_json,
			   char **output_json, st_error *err);
/* Messages. st_sqs_receive_message may be held by the server up to
 * WaitTimeSeconds (see "Per-attempt timeout" above). */
int st_sqs_send_message(st_client *c, const char *input_json,
			char **output_json, st_error *err);
int st_sqs_send_message_batch(st_client *c, const char *input_json,
			      char **output_json, st_error *err);
int st_sqs_receive_message(st_client *c, const char *input_json,
			   char **output_json, st_error *err);
int st_sqs_delete_message(st_client *c, const char *input_json,
			  char **output_json, st_error *err);
int st_sqs_delete_message_batch(st_client *c, const char *input_json,
				char **output_json, st_error *err);
int st_sqs_change_message_visibility(st_client *c, const char *input_json,
				     char **output_json, st_error *err);
int st_sqs_change_message_visibility_batch(st_client *c, const char *input_json,
					   char **output_json, st_error *err);
/* Dead-letter queues and redrive. */
int st_sqs_list_dead_letter_source_queues(st_client *c, const char *input_json,
					  char **output_json, st_error *err);
int st_sqs_start_message_move_task(st_client *c, const char *input_json,
				   char **output_json, st_error *err);
int st_sqs_list_message_move_tasks(st_client *c, const char *input_json,
				   char **output_json, st_error *err);
int st_sqs_cancel_message_move_task(st_client *c, const char *input_json,
				    char **output_json, st_error *err);

/* Typed conveniences for C users (built on the calls above). */

/* Send body (body_len bytes, borrowed; must be valid UTF-8 — SQS bodies
 * are text — else ST_ERR_INVALID_PARAM) to queue_url. *message_id (may be
 * NULL if not wanted) is returned owned (free with st_free). */
int st_sqs_send(st_client *c, const char *queue_url, const void *body,
		size_t body_len, char **message_id, st_error *err);

/* One received message; every string owned by the array, NUL-terminated
 * (body_len does not count the terminator). */
typedef struct st_sqs_message {
	char *message_id;
	char *receipt_handle;
	char *body;
	size_t body_len;
	char *md5_of_body;
} st_sqs_message;

/* Receive up to max_messages (1..10; 0 = 1) from queue_url, waiting up to
 * wait_seconds (0..ST_SQS_MAX_WAIT_SECONDS; -1 = the queue's
 * ReceiveMessageWaitTimeSeconds) for the first; visibility_timeout_s -1 =
 * the queue's. Returns owned *messages (free with st_sqs_messages_free;
 * NULL when *n_messages is 0 — no message is not an error). */
int st_sqs_receive(st_client *c, const char *queue_url, unsigned max_messages,
		   int wait_seconds, int visibility_timeout_s,
		   st_sqs_message **messages, size_t *n_messages,
		   st_error *err);
void st_sqs_messages_free(st_sqs_message *messages, size_t n_messages);

/* Delete the message received with receipt_handle. */
int st_sqs_delete(st_client *c, const char *queue_url,
		  const char *receipt_handle, st_error *err);

/* ---- cluster administration ---------------------------------------------- */

/* One node as seen by a status query. Strings are never NULL ("" when
 * unknown). */
typedef struct st_node_info {
	uint64_t id;
	char *raft_address;
	char *client_address;
	char *http_address; /* "host:port" */
	/* leader | follower | candidate | spare | standby | unavailable, or
	 * "unreachable" when st_cluster_status could not ask the node. */
	char *role;
	char *voter_role; /* voter | standby | spare */
	bool reachable;	  /* the fields below come from the node itself */
	uint64_t term;
	uint64_t commit_index;
	uint64_t applied_index;
	uint64_t last_index;
	uint64_t leader_id; /* the node's view; 0 = none known */
	uint64_t digest;    /* state digest at applied_index */
	/* digest of the user data only (kv + services; not sessions,
	 * membership or the clock): equal on a cluster restored from a
	 * backup and in that backup (st_backup_info) */
	uint64_t content_digest;
	uint64_t
	    match_index; /* the leader's view of this node's log; 0 = unknown */
	/* leader's last index - this node's applied index (or match index
	 * when unreachable); -1 when unknown. */
	int64_t lag;
} st_node_info;

typedef struct st_cluster_view {
	uint64_t leader_id; /* 0 = no leader known */
	st_node_info *nodes;
	size_t n_nodes;
} st_cluster_view;

/* The whole cluster: asks the endpoints for the member list (preferring the
 * leader's), then asks EVERY member's client address directly, in
 * parallel, with status_timeout_ms each. Members that do not answer are
 * listed with reachable false and role "unreachable". Nodes are sorted by
 * id. Returns owned *status (free with st_cluster_status_free). Errors:
 * ST_ERR_TIMEOUT / ST_ERR_CONNECTION when no endpoint answers the first
 * question. Members' client addresses join the client's endpoint set. */
int st_cluster_status(st_client *c, st_cluster_view **status, st_error *err);

/* Ask one node (endpoint: its client address, borrowed; joins the endpoint
 * set) for its status: one attempt, no redirect, status_timeout_ms.
 * (*status)->nodes[0] is that node's own full status; the other entries are
 * the members it knows, with partial information. leader_id is the node's
 * view. Returns owned *status (free with st_cluster_status_free). */
int st_node_status(st_client *c, const char *endpoint, st_cluster_view **status,
		   st_error *err);

void st_cluster_status_free(st_cluster_view *status);

/* Add node id (addresses borrowed; http_address may be NULL) as a spare;
 * when voter, the leader promotes it once it has caught up. */
int st_cluster_add_node(st_client *c, uint64_t id, const char *raft_address,
			const char *client_address, const char *http_address,
			bool voter, st_error *err);

/* Raft roles for st_cluster_assign_node (values as in raft.h). */
enum st_voter_role {
	ST_ROLE_STANDBY = 0,
	ST_ROLE_VOTER = 1,
	ST_ROLE_SPARE = 2
};

/* Change a member's raft role. */
int st_cluster_assign_node(st_client *c, uint64_t id, enum st_voter_role role,
			   st_error *err);

/* Remove node id from the cluster. */
int st_cluster_remove_node(st_client *c, uint64_t id, st_error *err);

/* Ask the leader to hand leadership to node id (0 = let raft choose). */
int st_cluster_transfer_leader(st_client *c, uint64_t id, st_error *err);

/* ---- backup and restore -------------------------------------------------- */

/* What a backup reflects. */
typedef struct st_backup_info {
	uint64_t applied_index;	 /* raft index the state was captured at */
	uint64_t term;		 /* the capturing leader's term */
	uint64_t total_bytes;	 /* the backup file, header included */
	uint64_t content_digest; /* kv + services (st_node_info) */
	uint64_t created_ms;	 /* capturing node's wall clock; 0 unknown */
	uint64_t node_id;	 /* the node that captured it; 0 unknown */
} st_backup_info;

/* Take an online backup of the whole replicated state (kv namespace,
 * service states such as SQS queues and messages and access keys, client
 * sessions), consistent at one applied index: everything acknowledged
 * before the call is in it. The leader captures it after a barrier; the
 * file is then read from that node in pieces and checked (size, SHA-256).
 * Starts over (up to 3 times) when the capturing node loses it (a restart
 * or a leadership change that moved the client). Returns an owned *file
 * of *file_len bytes (free with st_free) — the backup file format of
 * README.md — and *info (may be NULL). Errors: those of any call, and
 * ST_ERR_MALFORMED when the received file does not check out. */
int st_admin_backup(st_client *c, void **file, size_t *file_len,
		    st_backup_info *info, st_error *err);

/* Check a backup file (borrowed): magic, format version, sizes, checksum.
 * 0 and *info (may be NULL), or ST_ERR_INVALID_PARAM named "InvalidBackup"
 * with a message saying what is wrong ("checksum mismatch: the file is
 * damaged", "truncated: ..."). No client needed. */
int st_backup_check(const void *file, size_t file_len, st_backup_info *info,
		    st_error *err);

/* Restore a backup (file borrowed) into the cluster, replacing its whole
 * replicated state except its own membership: the file is checked, sent
 * through the raft log in pieces of at most 1 MiB and swapped in by a
 * final command, on every node at once; nothing is visible before that.
 * Refused with ST_ERR_INVALID_PARAM named "ClusterNotEmpty" when the
 * cluster holds kv keys or queues, unless force. Access keys are replaced
 * by the backup's too (sign later calls with a key of the backup).
 * *restored (may be NULL): the header's index and term, and the content
 * digest the cluster reports after the restore (equal to the backup's).
 * Errors: "InvalidBackup" (the file, or what the cluster received, does
 * not check out), those of any call. */
int st_admin_restore(st_client *c, const void *file, size_t file_len,
		     bool force, st_backup_info *restored, st_error *err);

#ifdef __cplusplus
}
#endif

#endif
