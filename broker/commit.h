/* commit — the leader's group commit.
 *
 * Client writes are queued into batches; a batch becomes ONE raft entry (a
 * CommandBatch carrying the leader's clock, this node's id and a nonce),
 * proposed while fewer than max_inflight entries are in flight, so under
 * load many requests share one entry and one fsync. The state machine hands
 * each command's Response back through commit_on_result() (matched by
 * nonce and position); the raft apply callback then finishes the batch.
 *
 * Reads ride on batches too: a read waits for the next batch proposed after
 * it arrived (an empty one if need be) and is answered from the state once
 * that batch has applied, which proves this node still led after the read
 * arrived — reads are linearizable without leases.
 *
 * Two lanes: writes that hand out or retire queued work (a service's
 * "ahead" actions: receiving, deleting) and reads are proposed before
 * ordinary writes, so a consumer is not queued behind a flood of sends
 * — they were submitted concurrently, so no client can tell the order.
 *
 * Every submitted item gets exactly one completion: the Response, or an
 * envelope error (NotLeader before proposing; ServiceUnavailable when an
 * entry's fate is unknown — retrying with the same seq is safe because the
 * state machine deduplicates). Loop thread only. */
#ifndef STRATUS_COMMIT_H
#define STRATUS_COMMIT_H

#include <raft.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fsm.h"
#include "leader_clock.h"
#include "metrics.h"
#include "u64map.h"
#include "wire.h"

/* code == WIRE_OK: response/len is the serialized Response (borrowed);
 * otherwise an envelope error with message and no response. */
typedef void (*commit_done_cb)(void *arg, uint32_t code, const char *message,
			       const uint8_t *response, size_t len);

/* A long poll must wait (see fsm_wait_cb): the item is finished from the
 * commit's point of view; its owner proposes the command again later. */
typedef void (*commit_wait_cb)(void *arg, const char *wait_key,
			       uint64_t wake_at_ms);

struct commit_item {
	commit_done_cb cb;   /* NULL once completed */
	commit_wait_cb wait; /* may be NULL: waiting is then an error */
	void *arg;
	const uint8_t *body; /* writes: serialized Command, borrowed */
	size_t len;
	const struct wire_request *read; /* reads: borrowed */
};

struct commit_batch {
	struct raft_apply req;
	struct commit *c;
	uint64_t nonce;
	uint64_t proposed_at_ms;    /* leader time stamped on the entry */
	uint64_t proposed_ns;	    /* monotonic, for the latency histogram */
	struct commit_item *writes; /* index = position in the entry */
	size_t n_writes, cap_writes;
	struct commit_item *reads;
	size_t n_reads, cap_reads;
	size_t bytes;
	struct commit_batch *next; /* queue link (not yet proposed) */
};

struct commit_stats {
	uint64_t batches;  /* entries proposed */
	uint64_t commands; /* writes proposed */
	uint64_t failed_batches;
	uint64_t latency_ms_sum;	  /* propose -> applied */
	struct metrics_histogram latency; /* propose -> applied, per batch */
};

struct commit {
	struct raft *raft;
	struct fsm *fsm;
	uint64_t node_id;
	size_t max_batch_commands;
	size_t max_batch_bytes;
	size_t lz4_threshold;
	unsigned max_inflight;
	unsigned inflight;
	/* Queued batches per lane (COMMIT_AHEAD proposed first); each tail is
	 * open. */
	struct commit_lane {
		struct commit_batch *head, *tail;
	} lanes[2];
	unsigned ahead_run;	/* ahead entries proposed in a row */
	struct u64map proposed; /* nonce -> batch */
	uint64_t next_nonce;
	struct commit_stats stats;
	struct leader_clock clock; /* batch stamps (leader_clock.h) */
};

int commit_init(struct commit *c, struct raft *raft, struct fsm *fsm,
		uint64_t node_id, const struct config *cfg);
/* Completes every queued item with UNAVAILABLE. Proposed batches must have
 * been finished by raft (call after raft_close's callback). */
void commit_close(struct commit *c);

/* Queue a write (serialized Command; borrowed until cb). 0, or -1 when out
 * of memory (cb not called). */
int commit_submit_write(struct commit *c, const uint8_t *body, size_t len,
			commit_done_cb cb, void *arg);
enum commit_lane_id { COMMIT_NORMAL = 0, COMMIT_AHEAD = 1 };

/* Like commit_submit_write, for a command that may have to wait (a
 * service call), in the given lane: exactly one of cb and wait is
 * called. */
int commit_submit_call(struct commit *c, enum commit_lane_id lane,
		       const uint8_t *body, size_t len, commit_done_cb cb,
		       commit_wait_cb wait, void *arg);

/* Queue a read-only request (borrowed until cb). 0 or -1 as above. */
int commit_submit_read(struct commit *c, const struct wire_request *req,
		       commit_done_cb cb, void *arg);

/* Propose queued batches while fewer than max_inflight are in flight. When
 * this node is not the leader, completes queued items with NotLeader.
 * Never from inside a raft callback (apply, barrier, change): raft_apply
 * from there is unsafe while raft steps down. */
void commit_flush(struct commit *c);

/* Complete every queued (not yet proposed) item with this error. */
void commit_fail_queued(struct commit *c, uint32_t code, const char *message);

/* The fsm_result_cb: route a command's Response to its waiting item. */
void commit_on_result(void *ctx, uint64_t nonce, size_t index,
		      const uint8_t *response, size_t len);

/* The fsm_wait_cb: route a long poll's wait to its item. */
void commit_on_wait(void *ctx, uint64_t nonce, size_t index,
		    const char *wait_key, uint64_t wake_at_ms);

/* Number of items queued or in flight. */
size_t commit_pending(const struct commit *c);

/* The leader's time now (leader_clock.h), started afresh in each term this
 * node leads: what batches are stamped with, and the "now" of prepare and
 * of long-poll deadlines. Loop thread only. */
uint64_t commit_leader_time(struct commit *c);

#endif
