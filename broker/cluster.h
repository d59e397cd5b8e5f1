/* cluster — membership and status: the operations a node answers about the
 * cluster itself rather than about replicated data.
 *
 * Status is answered by the node that receives it: its own raft view in
 * full, plus every member of the raft configuration with its addresses and
 * voter role (and, on the leader, how far each follower's log has come).
 *
 * Membership changes run on the leader, one raft configuration change at a
 * time: add-node first replicates the new node's addresses (so every node
 * can point clients at it), then adds it as a spare, promotes it to standby
 * (it starts receiving the log) and, unless asked not to, to voter once it
 * has caught up; remove-node and transfer-leader map onto raft directly.
 * Loop thread only. */
#ifndef STRATUS_CLUSTER_H
#define STRATUS_CLUSTER_H

#include "node.h"

/* Answer a CLUSTER_STATUS request. */
void cluster_status(struct node_call *call);

/* Run a membership operation (ADD_NODE, ASSIGN_NODE, REMOVE_NODE,
 * TRANSFER_LEADER); the caller checked that this node leads. */
void cluster_admin(struct node_call *call);

/* Make sure the replicated node registry knows every bootstrap peer's
 * addresses (from this node's configuration), so that nodes that joined
 * later can point clients at any member. Leader only; on becoming ready. */
void cluster_register_peers(struct node *n);

/* The raft role names. */
const char *cluster_state_name(int raft_state);
const char *cluster_voter_role_name(int role);

#endif
