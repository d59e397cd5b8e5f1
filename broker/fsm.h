/* fsm — the replicated state machine: applies raft entries (command
 * batches) deterministically, answers reads, takes and restores snapshots,
 * and computes the state digest that tests compare across replicas.
 *
 * An entry is a CommandBatch (proto/wire.h): the leader's clock, the
 * proposer and its batch nonce, and serialized commands. For each command
 * apply checks the client session (exactly-once), runs each op through its
 * service (kv, cluster registry; later SQS, SNS, ...), encodes one Response
 * per command and records it in the session table. When this node proposed
 * the batch, each Response is also handed to result_cb so the front door can
 * answer the waiting client.
 *
 * Determinism: apply reads no clock and no randomness; time is the batch's
 * leader_time_ms, kept monotonic (max of all batches so far). Loop thread
 * only. */
#ifndef STRATUS_FSM_H
#define STRATUS_FSM_H

#include <raft.h>
#include <stddef.h>
#include <stdint.h>

#include "kv.h"
#include "leader_clock.h"
#include "service.h"
#include "session.h"
#include "wire.h"

#define FSM_SNAPSHOT_VERSION 1

struct fsm_capture;

/* Called during apply for every command of a batch this node proposed:
 * index is the command's position in the batch; response is borrowed. */
typedef void (*fsm_result_cb)(void *ctx, uint64_t nonce, size_t index,
			      const uint8_t *response, size_t len);

/* Called during apply when a command of a batch this node proposed is a
 * long poll that must wait (service SERVICE_WAIT): nothing was recorded;
 * propose the same command again when wait_key is woken or at wake_at_ms. */
typedef void (*fsm_wait_cb)(void *ctx, uint64_t nonce, size_t index,
			    const char *wait_key, uint64_t wake_at_ms);

#define FSM_MAX_SERVICES 8

/* A restore being received through the log (broker/fsm_restore.c): the
 * backup file's bytes so far. Replicated state: part of raft snapshots
 * and of the digest. data grows by replacement (a new buffer, the old one
 * deferred), never in place below len, so a snapshot capture may read
 * data[0..len) from a worker while chunks keep arriving. */
struct fsm_restore_staging {
	uint64_t id; /* 0: no restore in progress */
	uint64_t total_bytes;
	bool force;
	uint8_t *data; /* owned; cap bytes */
	size_t len, cap;
};

/* One member of the node registry: addresses of every node, replicated so
 * that any node can tell clients where the leader's client endpoint is. */
struct fsm_node {
	uint64_t id;
	char *raft_address, *client_address, *http_address; /* owned */
};

struct fsm {
	struct raft_fsm raft_fsm; /* raft's view; data points back here */
	uint64_t node_id;
	uint64_t time_ms; /* state-machine time (monotonic) */
	uint64_t applied_batches;
	uint64_t applied_commands;
	/* Moving average of applied entries' sizes, bytes (node.c sizes
	 * the snapshot threshold from it). */
	double entry_bytes_avg;
	/* Snapshots of a smaller state (fsm_state_bytes) serialize on the
	 * loop thread instead of a forked child (fsm.c; tests set 0). */
	size_t fork_min_state_bytes;
	/* snapshots this node took / installed, and the last one's size */
	uint64_t snapshots_taken, snapshots_restored, last_snapshot_bytes;
	struct kv_store kv;
	struct session_table sessions;
	struct fsm_node *nodes;
	size_t n_nodes;
	fsm_result_cb result_cb;
	fsm_wait_cb wait_cb;			    /* may be NULL */
	void *result_ctx;			    /* for both callbacks */
	struct service *services[FSM_MAX_SERVICES]; /* owned */
	size_t n_services;
	struct defer_list defer;     /* frees parked during a snapshot */
	struct fsm_capture *capture; /* snapshot being serialized, or NULL */
	struct fsm_restore_staging restore;
	/* Node-local, not replicated: the raft this fsm belongs to (borrowed;
	 * NULL in tests) and the state-machine time of the last batch
	 * applied while this node was in that batch's term, with the
	 * monotonic time of that apply — the reference a new leader's clock
	 * continues from (leader_clock.h). */
	const struct raft *raft;
	struct leader_clock_ref live;
};

/* 0, or -1 when out of memory. */
int fsm_init(struct fsm *f, uint64_t node_id, fsm_result_cb cb, void *ctx);
void fsm_close(struct fsm *f);

/* Apply one raft entry payload. Returns 0; a malformed entry is logged and
 * skipped (identically on every replica). */
int fsm_apply_entry(struct fsm *f, const void *buf, size_t len);

/* Register a service (takes ownership; destroyed by fsm_close). Before
 * anything is applied. 0, or -1 when the table is full. */
int fsm_add_service(struct fsm *f, struct service *svc);

/* The service called name, or NULL. */
struct service *fsm_find_service(const struct fsm *f, const char *name);

/* A response recorded in a session (session_check), as its client must
 * see it: stored outputs rendered by their services (service.h, "Stored
 * outputs"). Returns rec itself when nothing needs rendering, else a
 * malloc'd encoding that *owned also points to (free it); NULL when out
 * of memory. *out_len: the returned bytes' length. */
const uint8_t *fsm_render_stored(const struct fsm *f, const uint8_t *rec,
				 size_t len, uint8_t **owned, size_t *out_len);

/* Does op change replicated state (go through the log)? Service calls ask
 * their service; unknown services/actions count as writes (apply rejects
 * them identically everywhere). */
bool fsm_op_is_write(const struct fsm *f, const struct wire_op *op);

/* What the leader's half of a service call gave (fsm_prepare_call). */
struct fsm_prepared {
	/* SERVICE_OK, SERVICE_WAIT or SERVICE_ERROR */
	enum service_status status;
	/* wakes, wait_key, wake_at_ms; error_code and error_message on
	 * SERVICE_ERROR. Its output is already freed. */
	struct service_result result;
	bool ahead;    /* a write the service wants in the ahead lane */
	char *context; /* the call's context document (malloc'd; the caller
			* frees it); NULL on SERVICE_ERROR */
	size_t context_len;
};

/* The leader's half of service call op, against this (the leader's)
 * state: parse its input, give it its context — "Endpoint" (op->endpoint
 * when it is a valid http(s) URL, else default_endpoint) and, for a
 * write, whatever the service's prepare adds (ids, receipt handles) at
 * leader_time_ms, after the call waited waited_ms. The same for every
 * caller (the node's front door, the apply benchmark), so that the
 * commands they make are the commands the log carries. 0 (see
 * out->status), WIRE_ERR_MALFORMED (the input is not a JSON object or the
 * service is unknown) or WIRE_ERR_INTERNAL (out of memory). */
int fsm_prepare_call(const struct fsm *f, const struct wire_op *op,
		     const char *default_endpoint, bool write,
		     uint64_t leader_time_ms, uint32_t waited_ms,
		     struct fsm_prepared *out);

/* Serialize snapshots on the loop thread instead of a worker (for a
 * raft_io without async_work, such as raft's test fixture). Before
 * raft_init. */
void fsm_use_sync_snapshots(struct fsm *f);

/* Answer a read-only request against the current state. Returns 0 and a
 * malloc'd serialized Response in *response. */
int fsm_read(const struct fsm *f, const struct wire_request *req,
	     uint8_t **response, size_t *len);

/* Serialize / restore the whole state. Snapshot buffers come from alloc.
 * (raft takes snapshots through the asynchronous path in fsm.c; this
 * synchronous one is for tests and tools.) */
int fsm_snapshot(struct fsm *f, void *(*alloc)(size_t), void **buf,
		 size_t *len);
int fsm_restore(struct fsm *f, const void *buf, size_t len);

/* The same snapshot in two halves, for serializing off the loop thread
 * (backup.c): fsm_capture (loop thread; cheap for kv and sessions —
 * pointers into the live state, which then defers its frees — while
 * services serialize in a forked child, fsm.c) returns an owned capture,
 * 0 or -1 when out of memory; fsm_capture_encode waits for that child,
 * reads only the capture and may run on any thread, once (errors as
 * wire_snapshot_encode, or -1); fsm_capture_release (loop thread) frees
 * it. */
int fsm_capture(struct fsm *f, struct fsm_capture **out);
int fsm_capture_encode(struct fsm_capture *c, void *(*alloc)(size_t),
		       void **buf, size_t *len);
void fsm_capture_release(struct fsm *f, struct fsm_capture *c);

/* Order-independent digest of the whole replicated state. */
uint64_t fsm_digest(const struct fsm *f);

/* Digest of the user data only: the kv namespace and every service's
 * state — not sessions, the node registry, the clock or a staged restore,
 * which differ between a cluster and one restored from its backup. A
 * backup records it; a restored cluster reports the same value. */
uint64_t fsm_content_digest(const struct fsm *f);

/* Does the state hold user data (kv keys, or data of a service whose
 * holds_data says so)? A restore into such a state needs force. */
bool fsm_holds_data(const struct fsm *f);

/* Apply a RESTORE_BEGIN / RESTORE_CHUNK / RESTORE_COMMIT op
 * (fsm_restore.c): fills res; its error message is written into msg
 * (msg_size bytes), which must outlive res. Deterministic; aborts only when
 * out of memory (like every apply). */
void fsm_restore_apply(struct fsm *f, const struct wire_op *op,
		       struct wire_result *res, char *msg, size_t msg_size);

/* Drop a staged restore (fsm_restore.c). */
void fsm_restore_staging_drop(struct fsm *f);

/* The registry entry for id, or NULL. */
const struct fsm_node *fsm_find_node(const struct fsm *f, uint64_t id);

/* Approximate bytes of replicated data held in memory: kv keys and
 * values (plus per-entry overhead) and each service's state_bytes. For
 * the leader's memory budget and /metrics; never used by apply. The
 * sessions' stored responses (f->sessions.bytes) are not counted: they
 * are the exactly-once cache, bounded by its own window and expiry, and
 * counting them would make draining impossible — a ReceiveMessage
 * response holds its bodies until its session expires (15 min). */
size_t fsm_state_bytes(const struct fsm *f);

/* How much a write op may grow the state: 0 for one that does not add
 * data (deletes, receives, internal ops), else an estimate (kv: key and
 * value; a service call: its request document). */
size_t fsm_op_growth(const struct fsm *f, const struct wire_op *op);

/* Validate a write op before proposing it (same rules apply uses). Fills
 * res and returns non-zero when invalid. */
int fsm_validate(const struct fsm *f, const struct wire_op *op,
		 struct wire_result *res);

#endif
