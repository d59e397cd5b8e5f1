/* cluster — see cluster.h. */
#include "cluster.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nraft_io.h"

enum admin_phase { PHASE_REGISTER, PHASE_ADD, PHASE_STANDBY, PHASE_VOTER };

const char *cluster_state_name(int raft_state)
{
	switch (raft_state) {
	case RAFT_FOLLOWER:
		return "follower";
	case RAFT_CANDIDATE:
		return "candidate";
	case RAFT_LEADER:
		return "leader";
	default:
		return "unavailable";
	}
}

const char *cluster_voter_role_name(int role)
{
	switch (role) {
	case RAFT_VOTER:
		return "voter";
	case RAFT_STANDBY:
		return "standby";
	case RAFT_SPARE:
		return "spare";
	default:
		return "unknown";
	}
}

static void fill_addr(const struct node *n, uint64_t id,
		      const char *raft_address, struct wire_node_addr *a)
{
	const struct fsm_node *fn = fsm_find_node(&n->fsm, id);
	const struct config_peer *p = config_find_peer(n->cfg, id);

	a->id = id;
	a->raft_address = raft_address;
	a->client_address = node_client_address(n, id);
	a->http_address = fn			  ? fn->http_address
			  : p			  ? p->http_address
			  : id == n->cfg->node_id ? n->cfg->http_address
						  : "";
}

void cluster_status(struct node_call *call)
{
	struct node *n = call->n;
	struct raft *r = &n->raft;
	const struct raft_configuration *conf = &r->configuration;
	struct wire_node_status *nodes;
	struct wire_result result;
	struct wire_response resp;
	raft_id leader_id = 0;
	const char *leader_address = NULL;
	bool self_in_conf = false;
	uint8_t *buf;
	size_t i, k = 1, len;
	int rv;

	nodes = calloc(conf->n + 1, sizeof *nodes);
	if (nodes == NULL) {
		node_call_error(call, WIRE_ERR_INTERNAL, "out of memory");
		return;
	}
	raft_leader(r, &leader_id, &leader_address);
	/* nodes[0]: this node, in full. */
	fill_addr(n, n->cfg->node_id, n->cfg->raft_address, &nodes[0].addr);
	nodes[0].role = cluster_state_name(raft_state(r));
	nodes[0].voter_role = "none";
	nodes[0].term = r->current_term;
	nodes[0].commit_index = r->commit_index;
	nodes[0].applied_index = raft_last_applied(r);
	nodes[0].last_index = r->last_stored;
	nodes[0].leader_id = leader_id;
	nodes[0].digest = fsm_digest(&n->fsm);
	nodes[0].content_digest = fsm_content_digest(&n->fsm);
	nodes[0].reachable = true;
	for (i = 0; i < conf->n; i++) {
		const struct raft_server *s = &conf->servers[i];
		struct wire_node_status *ns;
		if (s->id == n->cfg->node_id) {
			nodes[0].voter_role = cluster_voter_role_name(s->role);
			self_in_conf = true;
			if (raft_state(r) == RAFT_LEADER) {
				nodes[0].match_index = r->last_stored;
			}
			continue;
		}
		ns = &nodes[k++];
		fill_addr(n, s->id, s->address, &ns->addr);
		ns->role = "unknown";
		ns->voter_role = cluster_voter_role_name(s->role);
		ns->leader_id = leader_id;
		ns->reachable = nraft_io_peer_reachable(&n->io, s->id);
		if (raft_state(r) == RAFT_LEADER &&
		    r->leader_state.progress != NULL) {
			ns->match_index =
			    r->leader_state.progress[i].match_index;
		}
	}
	(void)self_in_conf;
	memset(&result, 0, sizeof result);
	result.nodes = nodes;
	result.n_nodes = k;
	memset(&resp, 0, sizeof resp);
	resp.leader_id = leader_id;
	resp.leader_address =
	    leader_id ? node_client_address(n, leader_id) : "";
	resp.results = &result;
	resp.n_results = 1;
	rv = wire_response_encode(&resp, &buf, &len);
	free(nodes);
	if (rv != 0) {
		node_call_error(call, WIRE_ERR_INTERNAL, "out of memory");
		return;
	}
	node_call_reply(call, buf, len);
	free(buf);
}

static const struct raft_server *find_server(const struct raft *r, uint64_t id)
{
	unsigned i;

	for (i = 0; i < r->configuration.n; i++) {
		if (r->configuration.servers[i].id == id) {
			return &r->configuration.servers[i];
		}
	}
	return NULL;
}

static uint32_t raft_code(int rv)
{
	switch (rv) {
	case RAFT_NOTLEADER:
	case RAFT_LEADERSHIPLOST:
		return WIRE_ERR_NOT_LEADER;
	case RAFT_BADID:
	case RAFT_NOTFOUND:
		return WIRE_ERR_NOT_FOUND;
	case RAFT_DUPLICATEID:
	case RAFT_DUPLICATEADDRESS:
	case RAFT_BADROLE:
	case RAFT_INVALID:
		return WIRE_ERR_INVALID_PARAM;
	case RAFT_NOMEM:
		return WIRE_ERR_OVER_LIMIT;
	default:
		return WIRE_ERR_UNAVAILABLE; /* e.g. RAFT_CANTCHANGE: busy */
	}
}

static void admin_step(struct node_call *call);

static void change_cb(struct raft_change *req, int status)
{
	struct node_call *call = req->data;

	if (status != 0) {
		log_warn("membership change for node %llu: %s",
			 (unsigned long long)call->req.ops[0].node.id,
			 raft_strerror(status));
		node_call_error(call, raft_code(status), raft_strerror(status));
		return;
	}
	call->phase++;
	admin_step(call);
}

static void registered_cb(void *arg, uint32_t code, const char *message,
			  const uint8_t *response, size_t len)
{
	struct node_call *call = arg;
	struct wire_response resp;

	if (code != WIRE_OK) {
		node_call_error(call, code, message);
		return;
	}
	if (wire_response_decode(response, len, &resp) == 0) {
		code = resp.n_results == 1 ? resp.results[0].code
					   : WIRE_ERR_INTERNAL;
		wire_response_release(&resp);
	} else {
		code = WIRE_ERR_INTERNAL;
	}
	if (code != WIRE_OK) {
		node_call_error(call, code,
				"cannot record the node's addresses");
		return;
	}
	call->phase = PHASE_ADD;
	admin_step(call);
}

/* Replicate the new node's addresses as an internal command. */
static int register_addresses(struct node_call *call)
{
	struct wire_op op;
	struct wire_request cmd;

	memset(&op, 0, sizeof op);
	op.type = WIRE_OP_SET_NODE_ADDR;
	op.node = call->req.ops[0].node;
	memset(&cmd, 0, sizeof cmd);
	cmd.ops = &op;
	cmd.n_ops = 1;
	if (wire_request_encode(&cmd, &call->command, &call->command_len) !=
	    0) {
		return -1;
	}
	if (commit_submit_write(&call->n->commit, call->command,
				call->command_len, registered_cb, call) != 0) {
		return -1;
	}
	return 0; /* proposed by the node's next flush (each loop turn) */
}

/* Advance an add-node: register, add as spare, standby, voter. */
static void admin_step(struct node_call *call)
{
	struct node *n = call->n;
	const struct wire_op *op = &call->req.ops[0];
	const struct raft_server *s;
	int rv = 0;

	call->change.data = call;
	switch (call->phase) {
	case PHASE_REGISTER:
		if (register_addresses(call) != 0) {
			node_call_error(call, WIRE_ERR_OVER_LIMIT,
					"out of memory");
		}
		return;
	case PHASE_ADD:
		s = find_server(&n->raft, op->node.id);
		if (s != NULL) {
			/* Already a member (a retried add): just promote. */
			call->phase =
			    s->role == RAFT_SPARE ? PHASE_STANDBY : PHASE_VOTER;
			if (s->role == RAFT_VOTER ||
			    (s->role == RAFT_STANDBY && !op->voter)) {
				node_call_ok(call);
				return;
			}
			admin_step(call);
			return;
		}
		rv = raft_add(&n->raft, &call->change, op->node.id,
			      op->node.raft_address, change_cb);
		break;
	case PHASE_STANDBY:
		rv = raft_assign(&n->raft, &call->change, op->node.id,
				 RAFT_STANDBY, change_cb);
		break;
	case PHASE_VOTER:
		if (!op->voter) {
			node_call_ok(call);
			return;
		}
		rv = raft_assign(&n->raft, &call->change, op->node.id,
				 RAFT_VOTER, change_cb);
		break;
	default:
		log_info("membership change for node %llu done",
			 (unsigned long long)(op->type == WIRE_OP_ADD_NODE
						  ? op->node.id
						  : op->node_id));
		node_call_ok(call);
		return;
	}
	if (rv != 0) {
		node_call_error(call, raft_code(rv), raft_errmsg(&n->raft));
	}
}

/* An internal registry command in flight (owns its bytes). */
struct registration {
	uint8_t *command;
	size_t len;
};

static void registration_done(void *arg, uint32_t code, const char *message,
			      const uint8_t *response, size_t len)
{
	struct registration *r = arg;

	if (code != WIRE_OK) {
		log_warn("node registry: %s", message ? message : "failed");
	}
	free(r->command);
	free(r);
}

static bool same_addr(const struct fsm_node *fn, const struct config_peer *p)
{
	return fn != NULL && strcmp(fn->raft_address, p->raft_address) == 0 &&
	       strcmp(fn->client_address, p->client_address) == 0 &&
	       strcmp(fn->http_address, p->http_address) == 0;
}

void cluster_register_peers(struct node *n)
{
	size_t i;

	for (i = 0; i < n->cfg->n_peers; i++) {
		const struct config_peer *p = &n->cfg->peers[i];
		struct registration *r;
		struct wire_op op;
		struct wire_request cmd;

		if (same_addr(fsm_find_node(&n->fsm, p->id), p)) {
			continue;
		}
		memset(&op, 0, sizeof op);
		op.type = WIRE_OP_SET_NODE_ADDR;
		op.node.id = p->id;
		op.node.raft_address = p->raft_address;
		op.node.client_address = p->client_address;
		op.node.http_address = p->http_address;
		memset(&cmd, 0, sizeof cmd);
		cmd.ops = &op;
		cmd.n_ops = 1;
		r = calloc(1, sizeof *r);
		if (r == NULL ||
		    wire_request_encode(&cmd, &r->command, &r->len) != 0 ||
		    commit_submit_write(&n->commit, r->command, r->len,
					registration_done, r) != 0) {
			if (r != NULL) {
				free(r->command);
			}
			free(r);
			log_warn("node registry: out of memory");
			return;
		}
	}
	/* proposed by the node's next flush (each loop turn): this runs
	 * from raft's barrier callback */
}

static void transfer_cb(struct raft_transfer *req)
{
	struct node_call *call = req->data;
	raft_id id = 0;
	const char *address = NULL;

	raft_leader(&call->n->raft, &id, &address);
	if (id == 0 || id == call->n->cfg->node_id) {
		node_call_error(call, WIRE_ERR_UNAVAILABLE,
				"leadership transfer did not complete");
		return;
	}
	log_info("leadership transferred to node %llu", (unsigned long long)id);
	node_call_ok(call);
}

void cluster_admin(struct node_call *call)
{
	struct node *n = call->n;
	const struct wire_op *op = &call->req.ops[0];
	int rv;

	call->change.data = call;
	switch (op->type) {
	case WIRE_OP_ADD_NODE:
		if (op->node.id == 0 || op->node.raft_address[0] == '\0' ||
		    op->node.client_address[0] == '\0') {
			node_call_error(call, WIRE_ERR_MISSING_PARAM,
					"node id, raft address and client "
					"address are required");
			return;
		}
		call->phase = PHASE_REGISTER;
		admin_step(call);
		return;
	case WIRE_OP_ASSIGN_NODE:
		if (op->role > RAFT_SPARE) {
			node_call_error(
			    call, WIRE_ERR_INVALID_PARAM,
			    "role must be 0 (standby), 1 (voter) or 2 (spare)");
			return;
		}
		call->phase = 99; /* done after this change */
		rv = raft_assign(&n->raft, &call->change, op->node_id,
				 (int)op->role, change_cb);
		break;
	case WIRE_OP_REMOVE_NODE:
		if (find_server(&n->raft, op->node_id) == NULL) {
			node_call_error(call, WIRE_ERR_NOT_FOUND,
					"no such node in the cluster");
			return;
		}
		if (op->node_id == n->cfg->node_id) {
			/* Hand leadership over first; the client's retry
			 * reaches the new leader, which removes this node. */
			rv = raft_transfer(&n->raft, &n->handover, 0, NULL);
			node_call_error(call,
					rv == 0 ? WIRE_ERR_NOT_LEADER
						: WIRE_ERR_UNAVAILABLE,
					"the leader cannot remove itself: "
					"leadership is moving, retry");
			return;
		}
		call->phase = 99;
		rv = raft_remove(&n->raft, &call->change, op->node_id,
				 change_cb);
		break;
	case WIRE_OP_TRANSFER_LEADER:
		if (op->node_id == n->cfg->node_id) {
			node_call_ok(call); /* already leads */
			return;
		}
		call->transfer.data = call;
		rv = raft_transfer(&n->raft, &call->transfer, op->node_id,
				   transfer_cb);
		break;
	default:
		node_call_error(call, WIRE_ERR_UNKNOWN_OP, "unknown operation");
		return;
	}
	if (rv != 0) {
		node_call_error(call, raft_code(rv), raft_errmsg(&n->raft));
	}
}
