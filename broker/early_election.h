/* early_election — a follower stands for election as soon as its leader's
 * process is gone, instead of after an election timeout.
 *
 * Raft notices a dead leader only by silence: a follower starts an election
 * once an election timeout (randomized in [T, 2T)) passes without a message,
 * and with pre-vote (which we use) the other followers reject it until they
 * too have gone a full timeout without the leader, since they still "have a
 * leader" (raft 0.15: follower_state.current_leader.id != 0). A killed
 * process, though, is visible at once: the kernel closes its sockets, so
 * every follower sees its connection to the leader close (nraft_io's peer
 * lost callback). Then each follower
 *   1. forgets the leader — it will grant votes from now on, and
 *   2. makes its election timer expire after rank × stagger_ms, where rank
 *      is its place among the remaining voters ordered by id: the first
 *      one stands alone, and if its log is behind (so the others refuse it)
 *      the next one stands stagger_ms later and wins.
 * Elections are always safe in Raft; this only changes when one starts. If
 * the leader is in fact alive (a connection reset), the other followers and
 * the leader still refuse the pre-vote and the next heartbeat makes this
 * node a follower again: no term changes, no disruption.
 *
 * It writes two fields of raft 0.15's public struct raft (election_timer_start
 * and follower_state.current_leader.id) because 0.15 has no call for it. */
#ifndef STRATUS_EARLY_ELECTION_H
#define STRATUS_EARLY_ELECTION_H

#include <stdint.h>

#include <raft.h>
#include <uv.h>

struct early_election {
	struct raft *raft;
	uv_timer_t timer; /* runs raft's tick when the timer is due */
	unsigned stagger_ms;
	uint64_t started; /* early elections set off (metrics) */
};

/* Set up; stagger_ms as above (0 is taken as 1). Cannot fail. */
void early_election_init(struct early_election *e, uv_loop_t *loop,
			 struct raft *raft, unsigned stagger_ms);

/* nraft_peer_lost_cb: @arg is the early_election. */
void early_election_peer_lost(void *arg, raft_id id);

/* Close the timer handle (with the node's other handles). */
void early_election_close(struct early_election *e);

#endif
