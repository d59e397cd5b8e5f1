/* node — one Stratus broker node: the libuv loop thread that owns raft, the
 * state machine and the leader's group commit, and the native front door
 * that feeds them.
 *
 * Lifecycle: node_start() (load or bootstrap raft from the data dir, listen)
 * → serving → node_stop() on SIGTERM/SIGINT (hand leadership over if this
 * node leads, answer every waiting client, close raft — which flushes the
 * log — then close the sockets) → the loop runs out and node_free().
 * Everything acknowledged to a client is in a majority's fsynced log before
 * the acknowledgement, so a SIGKILL loses nothing acknowledged either.
 *
 * Requests are routed by kind: writes (replicated commands) and reads go
 * through the leader's group commit; cluster status is answered by the
 * receiving node; membership changes (add / assign / remove a node,
 * transfer leadership) are run by the leader through raft's configuration
 * changes. Loop thread only, except node_request_stop(). */
#ifndef STRATUS_NODE_H
#define STRATUS_NODE_H

#include <raft.h>
#include <stdbool.h>
#include <uv.h>

#include "backup.h"
#include "commit.h"
#include "config.h"
#include "fsm.h"
#include "http.h"
#include "metrics.h"
#include "longpoll.h"
#include "ticker.h"
#include "early_election.h"
#include "server.h"
#include "tls.h"
#include "service.h"

struct node {
	const struct config *cfg; /* borrowed; outlives the node */
	uv_loop_t *loop;
	struct raft_io io;
	struct raft raft;
	struct fsm fsm;
	struct commit commit;
	struct node_tls tls; /* nng TLS configurations (tls+tcp://) */
	struct server *server; /* the native front door, once started */
	struct http_server *http; /* NULL without an http_address */
	struct longpoll longpoll; /* parked long polls (leader) */
	struct ticker ticker;	  /* services' leader-driven steps */
	struct early_election early_election; /* on a dead leader */
	struct node_call *settling;   /* waiting for a leader (node.c) */
	uint64_t settle_parked;	      /* calls that waited there */
	uint64_t duplicates_answered; /* retries answered from the sessions */
	unsigned snapshot_threshold;  /* raft's, as size_snapshots set it */
	struct backup_store backups;  /* captures being read (backup.h) */
	struct service_env service_env;
	char service_endpoint[300]; /* "http://<http address>" */
	uv_prepare_t prepare;	    /* each loop turn: leadership, flush */
	uv_signal_t sigterm, sigint;
	uv_timer_t stop_timer; /* bounds the leadership hand-over */
	struct raft_barrier barrier;
	struct raft_transfer stop_transfer;
	struct raft_transfer handover; /* a leader asked to remove itself */
	raft_term barrier_term;	       /* term whose barrier was issued */
	bool leader_ready;	       /* barrier of this term applied */
	uint64_t leader_changes;
	/* Memory budget of the replicated state (config max_state_bytes,
	 * resolved) and the writes refused for it. */
	size_t state_budget_bytes;
	uint64_t budget_refusals;
	int last_state;
	bool stopping;
	bool finishing; /* finish_stop ran */
	bool raft_closed;
	/* A raft log write failed (disk full): raft is abandoned, isolated
	 * and never closed (nraft_io.h), clients are told so, and once the
	 * data dir has room again the process execs itself (main.c) and
	 * starts over from its data dir. */
	bool disk_failed;
	bool disk_waiting;	/* polling for free space */
	char disk_errmsg[256];	/* what failed, for clients and the log */
	uv_timer_t space_timer; /* polls the data dir's free space */
	bool space_timer_inited;
	bool reexec; /* main() execs itself again after the loop */
	/* slow disk (check_slow_disk in node.c); times from uv_hrtime, ms */
	uint64_t slow_since_ms;	      /* log writes slow since (0: not) */
	uint64_t slow_transfer_at_ms; /* last hand-over for a slow disk */
	bool slow_transfer_busy;
	struct raft_transfer slow_transfer;
	uint64_t slow_disk_transfers; /* hand-overs for a slow disk */
	int exit_code;
	char errmsg[1536];
};

/* One client request while the node works on it. Owned by the node from
 * arrival to the reply; node_call_reply / node_call_error free it. */
struct node_call {
	struct node *n;
	struct server_slot *slot; /* NULL for the node's own commands */
	struct pack *pack;	  /* or: answered into this pack (pack.h) */
	size_t pack_index;
	struct wire_request req; /* decoded; borrows from the slot's message */
	/* membership operations */
	struct raft_change change;
	struct raft_transfer transfer;
	int phase;
	/* The command proposed for this call when it is not the request's
	 * own bytes (an internal command, a service call with its context):
	 * owned. */
	uint8_t *command;
	size_t command_len;
	char *context;		  /* a service call's context JSON (owned) */
	enum commit_lane_id lane; /* a service write's (commit.h) */
	/* waiting for the cluster to settle (node.c, "Settling") */
	int kind; /* its request_kind */
	const uint8_t *body;
	size_t body_len;
	uint64_t settle_until_ms; /* uv_now() */
	struct node_call *settle_next;
	/* What a write's prepare said (service.h, "Long polls"): applying it
	 * serves fuse_n waiters of wait_key (propose them right behind it);
	 * or it would only wait for wait_key (park it without proposing) */
	unsigned fuse_n;
	bool park;
	uint64_t wake_at_ms;
	char wait_key[SERVICE_WAIT_KEY_SIZE];
};

/* Fill a local HTTP page (/healthz, /readyz, /metrics) from this node's
 * state (node_pages.c; http_local_fn, loop thread). */
void node_http_page(void *ctx, struct http_local *job);

/* Answer the call with a serialized Response and free it. */
void node_call_reply(struct node_call *call, const uint8_t *response,
		     size_t len);
/* Answer with an envelope error (adds the leader hint) and free it. */
void node_call_error(struct node_call *call, uint32_t code,
		     const char *message);
/* Answer with one result and free it. */
void node_call_result(struct node_call *call, const struct wire_result *result);
/* Answer with a single empty success result and free it. */
void node_call_ok(struct node_call *call);

/* Entries between snapshots for entries of entry_bytes_avg bytes on
 * average (0: unknown): snapshot_threshold, fewer when entries are large
 * (about snapshot_log_bytes of log between snapshots), less 1/8 for each
 * of node_id % 4 (nodes snapshot at different points), never fewer than
 * snapshot_trailing (node.c). */
unsigned node_snapshot_threshold(const struct config *cfg,
				 double entry_bytes_avg);

/* The client address of node id (registry, else configuration), or "". */
const char *node_client_address(const struct node *n, uint64_t id);

/* Start the node on loop. 0, or -1 with n->errmsg. */
int node_start(struct node *n, uv_loop_t *loop, const struct config *cfg);

/* Free bytes the data dir needs before a node whose disk filled up
 * restarts: raft_uv's current segment and its pool of two prepared ones,
 * plus room for a snapshot. */
uint64_t node_disk_resume_bytes(const struct node *n);

/* Begin a clean shutdown (idempotent). Loop thread. */
void node_stop(struct node *n);

/* Release memory once uv_run has returned. */
void node_free(struct node *n);

#endif
