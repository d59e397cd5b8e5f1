/* node — see node.h. */
#include "node.h"

#include "auth.h"
#include "wire_auth.h"
#include "clock.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "log.h"
#include "pack.h"
#include "services.h"
#include "nraft_io.h"

/* How long a stopping leader waits for a successor before closing anyway. */
#define NODE_STOP_TRANSFER_MS 2000
/* Largest HTTP request body (413 beyond): a 1 MiB SQS batch, form-encoded
 * or JSON-escaped, with room to spare; the decoded call must still fit the
 * native limit. */
#define NODE_HTTP_MAX_BODY_BYTES (8u * 1024 * 1024)

/* How long the raft network drains before raft closes (see finish_stop). */
#define NODE_QUIESCE_MS 100
/* raft_uv's segment size when the configuration leaves it at 0. */
#define NODE_DEFAULT_SEGMENT_BYTES (8u * 1024 * 1024)
/* How long a leader's log writes must stay slower than slow_disk_ms before
 * it hands leadership over, and the least time between two such hand-overs
 * (ms). */
#define NODE_SLOW_DISK_HOLD_MS	2000
#define NODE_SLOW_DISK_RETRY_MS 10000
/* The write latency only counts if a write completed this recently (ms). */
#define NODE_SLOW_DISK_FRESH_MS 1000
/* How often a node whose disk filled up checks for free space again. */
#define NODE_SPACE_POLL_MS 1000

const char *node_client_address(const struct node *n, uint64_t id)
{
	const struct fsm_node *fn = fsm_find_node(&n->fsm, id);
	const struct config_peer *p;

	if (fn != NULL) {
		return fn->client_address;
	}
	p = config_find_peer(n->cfg, id);
	if (p != NULL) {
		return p->client_address;
	}
	if (id == n->cfg->node_id) {
		return n->cfg->client_address;
	}
	return "";
}

static void call_free(struct node_call *call)
{
	wire_request_release(&call->req);
	free(call->command);
	free(call->context);
	free(call);
}

void node_call_reply(struct node_call *call, const uint8_t *response,
		     size_t len)
{
	if (call->pack != NULL) {
		pack_answer(call->pack, call->pack_index, response, len);
	} else if (call->slot != NULL) {
		server_reply(call->slot, response, len);
	}
	call_free(call);
}

void node_call_error(struct node_call *call, uint32_t code, const char *message)
{
	struct node *n = call->n;
	raft_id leader_id = 0;
	const char *leader_raft = NULL;
	uint8_t *buf;
	size_t len;

	raft_leader(&n->raft, &leader_id, &leader_raft);
	if (wire_response_encode_error(
		code, message, leader_id,
		leader_id ? node_client_address(n, leader_id) : NULL, &buf,
		&len) != 0) {
		/* Out of memory: a static ServiceUnavailable, which the
		 * client retries (a pack must complete; a slot must be
		 * freed). */
		const uint8_t *b;
		wire_response_unavailable(&b, &len);
		node_call_reply(call, b, len);
		return;
	}
	node_call_reply(call, buf, len);
	free(buf);
}

void node_call_result(struct node_call *call, const struct wire_result *result)
{
	struct wire_response resp;
	uint8_t *buf;
	size_t len;

	memset(&resp, 0, sizeof resp);
	resp.results = (struct wire_result *)result;
	resp.n_results = 1;
	if (wire_response_encode(&resp, &buf, &len) != 0) {
		node_call_error(call, WIRE_ERR_INTERNAL, "out of memory");
		return;
	}
	node_call_reply(call, buf, len);
	free(buf);
}

void node_call_ok(struct node_call *call)
{
	struct wire_result result;

	memset(&result, 0, sizeof result);
	node_call_result(call, &result);
}

/* commit_done_cb for client requests. */
static void call_committed(void *arg, uint32_t code, const char *message,
			   const uint8_t *response, size_t len)
{
	struct node_call *call = arg;

	if (code != WIRE_OK) {
		node_call_error(call, code, message);
		return;
	}
	node_call_reply(call, response, len);
}

enum request_kind {
	KIND_WRITE,
	KIND_READ,
	KIND_STATUS,
	KIND_ADMIN,
	KIND_TEST,
	KIND_BACKUP_BEGIN, /* leader: barrier, capture (backup.h) */
	KIND_BACKUP_READ   /* any node: from its own captures */
};

/* Classify a request; 0, or an error code with *message. */
static uint32_t classify(const struct fsm *f, const struct wire_request *req,
			 enum request_kind *kind, const char **message)
{
	bool writes = false, reads = false;
	struct wire_result res;
	size_t i;

	if (req->n_ops == 0) {
		*message = "the request carries no operation";
		return WIRE_ERR_MISSING_PARAM;
	}
	for (i = 0; i < req->n_ops; i++) {
		switch (req->ops[i].type) {
		case WIRE_OP_CLUSTER_STATUS:
		case WIRE_OP_ADD_NODE:
		case WIRE_OP_ASSIGN_NODE:
		case WIRE_OP_REMOVE_NODE:
		case WIRE_OP_TRANSFER_LEADER:
			if (req->n_ops != 1) {
				*message =
				    "cluster operations must be sent alone";
				return WIRE_ERR_INVALID_PARAM;
			}
			*kind = req->ops[i].type == WIRE_OP_CLUSTER_STATUS
				    ? KIND_STATUS
				    : KIND_ADMIN;
			return WIRE_OK;
		case WIRE_OP_NONE:
		case WIRE_OP__COUNT:
		case WIRE_OP_SET_NODE_ADDR: /* internal: only add-node sends it
					     */
			*message = "unknown operation";
			return WIRE_ERR_UNKNOWN_OP;
		case WIRE_OP_DEBUG_DROP:
			if (req->n_ops != 1) {
				*message = "test hooks must be sent alone";
				return WIRE_ERR_INVALID_PARAM;
			}
			*kind = KIND_TEST;
			return WIRE_OK;
		case WIRE_OP_BACKUP_BEGIN:
		case WIRE_OP_BACKUP_READ:
			if (req->n_ops != 1) {
				*message = "backup operations must be sent "
					   "alone";
				return WIRE_ERR_INVALID_PARAM;
			}
			*kind = req->ops[i].type == WIRE_OP_BACKUP_BEGIN
				    ? KIND_BACKUP_BEGIN
				    : KIND_BACKUP_READ;
			return WIRE_OK;
		case WIRE_OP_SERVICE_CALL:
			/* One action per request: a service call gets its
			 * leader context, and a long poll waits, alone. */
			if (req->n_ops != 1) {
				*message = "a service call must be sent alone";
				return WIRE_ERR_INVALID_PARAM;
			}
			break;
		default:
			break;
		}
		memset(&res, 0, sizeof res);
		if (fsm_validate(f, &req->ops[i], &res) != 0) {
			*message = res.error_message;
			return res.code;
		}
		if (req->ops[i].type == WIRE_OP_SERVICE_CALL &&
		    fsm_find_service(f, req->ops[i].service)
			    ->action_kind(req->ops[i].action) ==
			SERVICE_ACTION_INTERNAL) {
			/* the leader's own steps (ticker.h), never a
			 * client's */
			*message = "unknown action";
			return WIRE_ERR_UNKNOWN_OP;
		}
		if (fsm_op_is_write(f, &req->ops[i])) {
			writes = true;
		} else {
			reads = true;
		}
	}
	if (writes && reads) {
		*message = "reads and writes cannot share a request";
		return WIRE_ERR_INVALID_PARAM;
	}
	*kind = writes ? KIND_WRITE : KIND_READ;
	return WIRE_OK;
}

/* Answer with one failed result: a service's own error. */
static void reply_service_error(struct node_call *call, const char *code,
				const char *message)
{
	struct wire_result result;

	memset(&result, 0, sizeof result);
	result.code = WIRE_ERR_SERVICE;
	result.error_name = code != NULL ? code : "InternalFailure";
	result.error_message = message;
	node_call_result(call, &result);
}

/* The memory budget (issue "limits"): a write that would grow the
 * replicated state beyond n->state_budget_bytes is refused here, on the
 * leader before proposing — never in apply, which must stay deterministic
 * (the budget is a node setting and the size an estimate). Writes that do
 * not add data (deletes, receives, purges) still pass, so consumers can
 * drain an over-full cluster back under its budget. true once the call has
 * been answered (refused). */
static bool refuse_over_budget(struct node_call *call)
{
	struct node *n = call->n;
	size_t growth = 0, used, i;
	char msg[256];

	for (i = 0; i < call->req.n_ops; i++) {
		growth += fsm_op_growth(&n->fsm, &call->req.ops[i]);
	}
	if (growth == 0) {
		return false;
	}
	used = fsm_state_bytes(&n->fsm);
	if (used + growth <= n->state_budget_bytes) {
		return false;
	}
	n->budget_refusals++;
	snprintf(msg, sizeof msg,
		 "the replicated state is at its memory budget (%zu of %zu "
		 "bytes used): delete data (or receive and delete messages) "
		 "first",
		 used, n->state_budget_bytes);
	if (call->req.ops[0].type == WIRE_OP_SERVICE_CALL) {
		/* AWS's error for an exceeded limit (403 over HTTP) */
		reply_service_error(call, "OverLimit", msg);
	} else {
		node_call_error(call, WIRE_ERR_OVER_LIMIT, msg);
	}
	return true;
}

/* The budget when none is configured: a quarter of physical memory (the
 * state is held once, a snapshot serializes a copy of it, and the log and
 * buffers need room too), at least 64 MiB. */
static size_t default_state_budget(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	uint64_t total =
	    pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
	uint64_t budget = total / 4;

	if (budget < 64u * 1024 * 1024) {
		budget = 64u * 1024 * 1024;
	}
	return budget > SIZE_MAX ? SIZE_MAX : (size_t)budget;
}

/* Give a service call its leader context (fsm_prepare_call). A write is
 * re-encoded into call->command; a read's op points at the context. 0, or
 * -1 once the call has been answered (invalid input, or the service said
 * no). */
static int prepare_service_call(struct node_call *call, bool write)
{
	struct node *n = call->n;
	struct wire_op *op = &call->req.ops[0];
	struct fsm_prepared p;
	int rv;

	rv = fsm_prepare_call(&n->fsm, op, n->service_endpoint, write,
			      commit_leader_time(&n->commit),
			      call->req.waited_ms, &p);
	if (rv != 0) {
		node_call_error(call, (uint32_t)rv,
				rv == WIRE_ERR_MALFORMED
				    ? "the request document is not a JSON "
				      "object"
				    : "out of memory");
		return -1;
	}
	if (write) {
		call->lane = p.ahead ? COMMIT_AHEAD : COMMIT_NORMAL;
	}
	/* p.result.wait_key: whom the write serves (fuse_n > 0), or what it
	 * waits for (SERVICE_WAIT) */
	call->fuse_n = p.status == SERVICE_OK ? p.result.wakes : 0;
	call->park = p.status == SERVICE_WAIT;
	call->wake_at_ms = p.result.wake_at_ms;
	if (call->fuse_n > 0 || call->park) {
		memcpy(call->wait_key, p.result.wait_key,
		       sizeof call->wait_key);
	}
	if (p.status == SERVICE_ERROR) {
		reply_service_error(call, p.result.error_code,
				    p.result.error_message);
		return -1;
	}
	free(call->context);
	call->context = p.context;
	op->endpoint = ""; /* in the context now */
	op->context = (const uint8_t *)p.context;
	op->context_len = p.context_len;
	if (write) {
		free(call->command);
		call->command = NULL;
		/* Used up by prepare; the log need not carry it. */
		call->req.waited_ms = 0;
		if (wire_request_encode(&call->req, &call->command,
					&call->command_len) != 0) {
			node_call_error(call, WIRE_ERR_INTERNAL,
					"out of memory");
			return -1;
		}
	}
	return 0;
}

/* commit_wait_cb: a long poll with nothing to return yet. */
static void call_waits(void *arg, const char *wait_key, uint64_t wake_at_ms)
{
	struct node_call *call = arg;

	if (call->pack != NULL) {
		/* Waiting would hold the whole pack's answer back. */
		node_call_error(call, WIRE_ERR_WOULD_WAIT,
				"a long poll cannot wait inside a pack: send "
				"it alone");
		return;
	}
	log_debug("long poll %p parked on %s until %llu", (void *)call,
		  wait_key, (unsigned long long)wake_at_ms);
	if (call->n->stopping || longpoll_park(&call->n->longpoll, call,
					       wait_key, wake_at_ms) != 0) {
		node_call_error(call, WIRE_ERR_UNAVAILABLE,
				"cannot wait: retry");
	}
}

/* longpoll_take's callback: propose a parked long poll right behind the
 * write that will serve it — the same lane, so the same entry or a later
 * one (longpoll.h, "Fusing"). */
static void call_fuse(struct node_call *call)
{
	struct node *n = call->n;

	if (commit_submit_call(&n->commit, COMMIT_NORMAL, call->command,
			       call->command_len, call_committed, call_waits,
			       call) != 0) {
		node_call_error(call, WIRE_ERR_OVER_LIMIT, "out of memory");
	}
}

/* longpoll_retry_cb: propose the parked command again. */
static void call_retry(struct node_call *call)
{
	struct node *n = call->n;

	log_debug("long poll %p proposed again", (void *)call);
	if (raft_state(&n->raft) != RAFT_LEADER) {
		node_call_error(call, WIRE_ERR_NOT_LEADER, "not the leader");
		return;
	}
	if (commit_submit_call(&n->commit, call->lane, call->command,
			       call->command_len, call_committed, call_waits,
			       call) != 0) {
		node_call_error(call, WIRE_ERR_OVER_LIMIT, "out of memory");
	}
}

/* longpoll fail: leadership moved or the node stops. */
static void call_unavailable(struct node_call *call)
{
	node_call_error(call, WIRE_ERR_UNAVAILABLE,
			"leadership moved while waiting: retry");
}

/* service_env wake: from apply, on every node; only the leader has
 * waiters. */
static void service_wake(void *ctx, const char *wait_key, unsigned count)
{
	struct node *n = ctx;

	longpoll_wake(&n->longpoll, wait_key, count);
}

/* service_env schedule_tick: from apply, on every node; the ticker acts
 * only while this node is a ready leader. */
static void service_schedule_tick(void *ctx, uint64_t at_ms)
{
	struct node *n = ctx;

	ticker_schedule(&n->ticker, at_ms);
}

/* Test-only commands, answered by the receiving node. */
static void run_test_hook(struct node_call *call)
{
	struct node *n = call->n;
	const struct wire_op *op = &call->req.ops[0];
	size_t i;

	if (!n->cfg->enable_test_hooks) {
		node_call_error(
		    call, WIRE_ERR_UNKNOWN_OP,
		    "test hooks are disabled (--enable-test-hooks)");
		return;
	}
	for (i = 0; i < op->n_peers; i++) {
		if (op->peers[i] == n->cfg->node_id ||
		    nraft_io_set_drop(&n->io, op->peers[i], op->drop) != 0) {
			node_call_error(call, WIRE_ERR_INVALID_PARAM,
					"cannot drop traffic of that peer");
			return;
		}
	}
	log_warn("test hook: %s raft traffic with %zu peer(s)",
		 op->drop ? "dropping" : "restoring", op->n_peers);
	node_call_ok(call);
}

/* Answer an authentication failure: AccessDenied with AWS's code. */
static void reply_access_denied(struct node_call *call, const char *aws_code,
				const char *message)
{
	struct wire_response resp = {.code = WIRE_ERR_ACCESS_DENIED,
				     .error_name = aws_code,
				     .error_message = message};
	uint8_t *buf;
	size_t len;

	if (wire_response_encode(&resp, &buf, &len) != 0) {
		const uint8_t *b; /* out of memory */
		wire_response_unavailable(&b, &len);
		node_call_reply(call, b, len);
		return;
	}
	node_call_reply(call, buf, len);
	free(buf);
}

/* With access keys configured, a request must be signed by one of them
 * (wire_auth.h); cluster status stays open (health checks, cluster.sh).
 * true, or false once the call has been answered. */
static bool request_authenticated(struct node_call *call, const uint8_t *body,
				  size_t len)
{
	struct node *n = call->n;
	struct service *auth = fsm_find_service(&n->fsm, "auth");
	const struct wire_request *r = &call->req;
	char secret[SIGV4_SECRET_SIZE];
	uint64_t now = clock_wall_ms();

	if (auth == NULL || auth_key_count(auth) == 0) {
		return true;
	}
	if (r->signature == NULL || r->access_key_id == NULL ||
	    *r->access_key_id == '\0') {
		reply_access_denied(call, "MissingAuthenticationToken",
				    "Request is missing Authentication Token "
				    "(this cluster has access keys: sign "
				    "requests with one of them)");
		return false;
	}
	if (auth_lookup_secret(auth, r->access_key_id, secret) != 0) {
		reply_access_denied(call, "InvalidClientTokenId",
				    "The security token included in the "
				    "request is invalid.");
		return false;
	}
	bool ok = wire_auth_verify(body, len, secret) == 0;
	explicit_bzero(secret, sizeof secret);
	if (!ok) {
		reply_access_denied(call, "SignatureDoesNotMatch",
				    "The request signature we calculated does "
				    "not match the signature you provided.");
		return false;
	}
	if (r->signed_at_ms + WIRE_AUTH_MAX_SKEW_MS < now ||
	    r->signed_at_ms > now + WIRE_AUTH_MAX_SKEW_MS) {
		reply_access_denied(call, "SignatureDoesNotMatch",
				    "Signature expired: the request was "
				    "signed more than 15 minutes from the "
				    "server's time.");
		return false;
	}
	return true;
}

static void handle_request(struct node_call *call, const uint8_t *body,
			   size_t len);
static bool settle_needed(struct node *n, const struct node_call *call);
static void settle_park(struct node_call *call);
static void dispatch_request(struct node_call *call);

/* A pack (pack.h): each packed request becomes a call of its own. */
static void handle_pack(struct node_call *outer)
{
	struct node *n = outer->n;
	struct pack *p;
	size_t i;

	if (outer->pack != NULL) {
		node_call_error(outer, WIRE_ERR_MALFORMED,
				"a pack cannot hold packs");
		return;
	}
	if ((p = pack_new(outer->slot, &outer->req)) == NULL) {
		node_call_error(outer, WIRE_ERR_OVER_LIMIT, "out of memory");
		return;
	}
	outer->slot = NULL; /* the pack answers it */
	call_free(outer);
	for (i = 0; i < pack_size(p); i++) {
		const struct wire_bytes *b = pack_request(p, i);
		struct node_call *call = calloc(1, sizeof *call);

		if (call == NULL) {
			pack_answer(p, i, NULL, 0);
			continue;
		}
		call->n = n;
		call->pack = p;
		call->pack_index = i;
		handle_request(call, b->data, b->len);
	}
	pack_dispatched(p);
}

/* server_request_cb: one client request, on the loop thread. */
static void on_request(void *ctx, struct server_slot *slot, const uint8_t *body,
		       size_t len)
{
	struct node_call *call = calloc(1, sizeof *call);

	if (call == NULL) {
		log_error("request: out of memory");
		server_drop(slot); /* the client times out and retries */
		return;
	}
	call->n = ctx;
	call->slot = slot;
	handle_request(call, body, len);
}

/* One request (body borrowed until the call is answered), alone or from a
 * pack; call has n and where to answer set. */
static void handle_request(struct node_call *call, const uint8_t *body,
			   size_t len)
{
	struct node *n = call->n;
	enum request_kind kind = KIND_READ;
	const char *message = NULL;
	uint32_t code;

	if (wire_request_decode(body, len, &call->req) != 0) {
		node_call_error(call, WIRE_ERR_MALFORMED,
				"the request is not a valid Request message");
		return;
	}
	if (n->disk_failed) {
		/* Raft is closed or closing (even cluster status would read
		 * freed raft state): the client moves on to another node. */
		char msg[400];
		snprintf(
		    msg, sizeof msg,
		    "node %llu cannot write its raft log (%s); it restarts "
		    "by itself once its data dir has space again: retry "
		    "another node",
		    (unsigned long long)n->cfg->node_id, n->disk_errmsg);
		node_call_error(call, WIRE_ERR_UNAVAILABLE, msg);
		return;
	}
	if (call->req.n_packed > 0) {
		handle_pack(call);
		return;
	}
	code = classify(&n->fsm, &call->req, &kind, &message);
	if (code != WIRE_OK) {
		node_call_error(call, code, message);
		return;
	}
	if (kind != KIND_STATUS && !request_authenticated(call, body, len)) {
		return; /* answered */
	}
	if (n->stopping) {
		node_call_error(call, WIRE_ERR_UNAVAILABLE,
				"node shutting down");
		return;
	}
	if (kind == KIND_STATUS) {
		cluster_status(call);
		return;
	}
	if (kind == KIND_TEST) {
		run_test_hook(call);
		return;
	}
	if (kind == KIND_BACKUP_READ) {
		backup_read(call);
		return;
	}
	call->kind = (int)kind;
	call->body = body;
	call->body_len = len;
	if (settle_needed(n, call)) {
		settle_park(call);
		return;
	}
	dispatch_request(call);
}

/* Settling. Right after a leader dies the cluster has no leader for a few
 * milliseconds (early_election.h), and a new leader serves service calls
 * only once it has applied the whole log (its term's barrier). A request
 * arriving then waits here, for at most an election timeout, instead of
 * being answered "not the leader" without a hint or "retry": the client would
 * back off and lose far more than the election takes. It is dispatched as
 * soon as this node leads and is ready, or answered "not the leader" with
 * the new leader's address as soon as one is known. Checked every loop turn
 * (prepare_cb; raft's tick wakes the loop every heartbeat timeout). */
static bool settle_needed(struct node *n, const struct node_call *call)
{
	raft_id leader = 0;
	const char *address = NULL;

	if (raft_state(&n->raft) == RAFT_LEADER) {
		return !n->leader_ready && call->kind == KIND_WRITE &&
		       call->req.ops[0].type == WIRE_OP_SERVICE_CALL;
	}
	raft_leader(&n->raft, &leader, &address);
	return leader == 0;
}

static void settle_park(struct node_call *call)
{
	struct node *n = call->n;

	call->settle_until_ms = uv_now(n->loop) + n->cfg->election_timeout_ms;
	call->settle_next = n->settling;
	n->settling = call;
	n->settle_parked++;
}

/* Dispatch or answer the settled calls; all of them if @all (the node
 * stops or cannot write). */
static void settle_run(struct node *n, bool all)
{
	struct node_call **pp = &n->settling;
	uint64_t now = uv_now(n->loop);

	while (*pp != NULL) {
		struct node_call *call = *pp;
		bool due = all || now >= call->settle_until_ms;

		if (!due && settle_needed(n, call)) {
			pp = &call->settle_next;
			continue;
		}
		*pp = call->settle_next;
		call->settle_next = NULL;
		if (all) {
			node_call_error(call, WIRE_ERR_UNAVAILABLE,
					n->stopping ? "node shutting down"
						    : "node cannot write");
		} else {
			dispatch_request(call);
		}
	}
}

/* A retry of a write this leader has applied already (its (client_id, seq)
 * recorded): answer with the recorded response now. Apply would answer the
 * same, but prepare runs first and could refuse it for a state that has
 * moved on, or park it: a long poll whose answer was lost on the way would
 * wait out its whole wait for the messages it already took. The record is
 * applied, so committed: a deposed leader answers correctly too. A seq
 * below its client's floor (a stale copy of a request the client gave up
 * on) is refused here as apply would refuse it — floors only rise — so a
 * stale long poll does not park first. */
static bool answer_duplicate(struct node_call *call)
{
	struct node *n = call->n;
	const uint8_t *stored, *out;
	uint8_t *owned;
	size_t len;

	if (call->req.client_id == 0 || call->req.seq == 0) {
		return false;
	}
	switch (session_check(&n->fsm.sessions, call->req.client_id,
			      call->req.seq, &stored, &len)) {
	case SESSION_NEW:
		return false;
	case SESSION_EXPIRED:
		node_call_error(call, WIRE_ERR_SESSION_EXPIRED,
				"sequence number too old to deduplicate");
		return true;
	case SESSION_DUPLICATE:
		break;
	}
	n->duplicates_answered++;
	out = fsm_render_stored(&n->fsm, stored, len, &owned, &len);
	if (out != NULL) {
		node_call_reply(call, out, len);
	} else {
		node_call_error(call, WIRE_ERR_OVER_LIMIT, "out of memory");
	}
	free(owned);
	return true;
}

/* A classified, authenticated request that needs the leader (body
 * borrowed until the call is answered). */
static void dispatch_request(struct node_call *call)
{
	struct node *n = call->n;
	const uint8_t *body = call->body;
	size_t len = call->body_len;
	int rv;

	if (raft_state(&n->raft) != RAFT_LEADER) {
		node_call_error(call, WIRE_ERR_NOT_LEADER, "not the leader");
		return;
	}
	switch ((enum request_kind)call->kind) {
	case KIND_ADMIN:
		cluster_admin(call);
		return;
	case KIND_BACKUP_BEGIN:
		backup_begin(call);
		return;
	case KIND_WRITE:
		if (answer_duplicate(call)) {
			return; /* answered */
		}
		if (refuse_over_budget(call)) {
			return; /* answered */
		}
		if (call->req.ops[0].type == WIRE_OP_SERVICE_CALL) {
			/* A new leader has not necessarily applied every
			 * committed entry until its term's barrier applies:
			 * prepare would validate against an old state (a
			 * queue created just before the election would not
			 * exist yet). The client retries shortly. */
			if (!n->leader_ready) {
				node_call_error(call, WIRE_ERR_UNAVAILABLE,
						"new leader still applying the "
						"log; retry");
				return;
			}
			if (prepare_service_call(call, true) != 0) {
				return; /* answered */
			}
			if (call->park) {
				call_waits(call, call->wait_key,
					   call->wake_at_ms);
				return;
			}
			rv = commit_submit_call(
			    &n->commit, call->lane, call->command,
			    call->command_len, call_committed, call_waits,
			    call);
			if (rv == 0 && call->fuse_n > 0 &&
			    call->lane == COMMIT_NORMAL) {
				longpoll_take(&n->longpoll, call->wait_key,
					      call->fuse_n, call_fuse);
			}
			break;
		}
		/* A Request is a Command: forward its bytes unchanged. */
		rv = commit_submit_write(&n->commit, body, len, call_committed,
					 call);
		break;
	default:
		if (call->req.ops[0].type == WIRE_OP_SERVICE_CALL &&
		    prepare_service_call(call, false) != 0) {
			return; /* answered */
		}
		rv = commit_submit_read(&n->commit, &call->req, call_committed,
					call);
		break;
	}
	if (rv != 0) {
		node_call_error(call, WIRE_ERR_OVER_LIMIT, "out of memory");
		return;
	}
	if (n->commit.inflight < n->commit.max_inflight) {
		commit_flush(&n->commit);
	}
}

static void barrier_cb(struct raft_barrier *req, int status)
{
	struct node *n = req->data;

	if (status == 0 && raft_state(&n->raft) == RAFT_LEADER &&
	    n->raft.current_term == n->barrier_term) {
		n->leader_ready = true;
		log_info("leader ready in term %llu (applied %llu)",
			 (unsigned long long)n->barrier_term,
			 (unsigned long long)raft_last_applied(&n->raft));
		cluster_register_peers(n);
		ticker_set_leading(&n->ticker, !n->stopping);
	}
}

uint64_t node_disk_resume_bytes(const struct node *n)
{
	uint64_t segment = n->cfg->segment_bytes != 0
			       ? n->cfg->segment_bytes
			       : NODE_DEFAULT_SEGMENT_BYTES;
	return 4 * segment + 2 * (uint64_t)n->fsm.last_snapshot_bytes;
}

/* Free bytes in the data dir's file system for this process, or -1. */
static int64_t data_dir_free_bytes(const struct node *n)
{
	struct statvfs st;

	if (statvfs(n->cfg->data_dir, &st) != 0) {
		return -1;
	}
	return (int64_t)((uint64_t)st.f_bavail * st.f_frsize);
}

/* The disk has room again: restart the process (main() execs itself once
 * the loop has stopped), so raft starts over from what is on disk — the
 * one state libraft 0.15 is consistent with after a failed write. */
static void space_timer_cb(uv_timer_t *t)
{
	struct node *n = t->data;
	int64_t free_bytes = data_dir_free_bytes(n);

	if (free_bytes < 0 ||
	    (uint64_t)free_bytes < node_disk_resume_bytes(n)) {
		return;
	}
	log_info("data dir %s has %lld MiB free again: restarting the node",
		 n->cfg->data_dir, (long long)(free_bytes >> 20));
	uv_timer_stop(t);
	n->reexec = true;
	node_stop(n);
}

/* nraft_disk_failed_cb: from inside raft_uv's completion; only records. */
static void on_disk_failed(void *arg, int status, const char *errmsg)
{
	struct node *n = arg;

	if (n->disk_failed) {
		return;
	}
	n->disk_failed = true;
	snprintf(n->disk_errmsg, sizeof n->disk_errmsg, "%s: %s",
		 status == RAFT_NOSPACE ? "disk full" : "disk write failed",
		 errmsg);
	log_error("raft log write in %s failed: %s; this node leaves raft "
		  "now (the others keep serving; its log on disk stays "
		  "intact) and restarts by itself once the data dir has %llu "
		  "MiB free",
		  n->cfg->data_dir, n->disk_errmsg,
		  (unsigned long long)(node_disk_resume_bytes(n) >> 20));
}

/* First loop turn after a failed log write: answer what is queued and
 * wait for space. Raft stays open but isolated (nraft_io drops its traffic,
 * so a leader's followers elect another leader; this one steps down after
 * an election timeout without contact, failing its in-flight entries,
 * whose clients retry elsewhere with the same seq). */
static void disk_leave_raft(struct node *n)
{
	if (n->disk_waiting || n->stopping) {
		return;
	}
	n->disk_waiting = true;
	commit_fail_queued(&n->commit, WIRE_ERR_UNAVAILABLE, n->disk_errmsg);
	longpoll_fail_all(&n->longpoll, call_unavailable);
	uv_timer_start(&n->space_timer, space_timer_cb, NODE_SPACE_POLL_MS,
		       NODE_SPACE_POLL_MS);
}

/* Stop a node whose raft is abandoned (disk failure): close the client
 * and HTTP listeners, then stop the loop without closing raft (see
 * nraft_io_set_disk_failed_cb); main() exits or execs itself. */
static void disk_stop(struct node *n)
{
	commit_fail_queued(&n->commit, WIRE_ERR_UNAVAILABLE, n->disk_errmsg);
	longpoll_fail_all(&n->longpoll, call_unavailable);
	http_stop(n->http);
	n->http = NULL;
	if (n->server != NULL) {
		server_stop(n->server);
	}
	uv_stop(n->loop);
}

static void slow_disk_transfer_cb(struct raft_transfer *req)
{
	struct node *n = req->data;
	raft_id id = 0;
	const char *address = NULL;

	n->slow_transfer_busy = false;
	raft_leader(&n->raft, &id, &address);
	log_info("slow disk: leadership %s (leader now %llu)",
		 id != 0 && id != n->cfg->node_id
		     ? "handed over"
		     : "hand-over did not complete",
		 (unsigned long long)id);
}

/* A leader whose own log writes are slow holds every client back when
 * they block the loop (raft_uv submits its writes from the loop thread on
 * file systems with non-blocking AIO: measured 10 acks/s with 200 ms per
 * write, against 1,600 with a fast disk), and raft 0.15 never moves
 * leadership for that by itself. So it hands leadership to the most
 * up-to-date follower once its smoothed write latency has stayed above
 * slow_disk_ms for NODE_SLOW_DISK_HOLD_MS. Loop thread, leader only. */
static void check_slow_disk(struct node *n)
{
	uint64_t now = uv_hrtime() / 1000000, age_ms;
	double ms = nraft_io_append_latency_ms(&n->io, &age_ms);
	int rv;

	/* A stale average does not count: after a SIGSTOP, say, one late
	 * write leaves it high while an idle leader writes nothing more. */
	if (n->cfg->slow_disk_ms == 0 || ms <= n->cfg->slow_disk_ms ||
	    age_ms > NODE_SLOW_DISK_FRESH_MS || n->raft.configuration.n < 2) {
		n->slow_since_ms = 0;
		return;
	}
	if (n->slow_since_ms == 0) {
		n->slow_since_ms = now;
		return;
	}
	if (now - n->slow_since_ms < NODE_SLOW_DISK_HOLD_MS ||
	    n->slow_transfer_busy ||
	    (n->slow_transfer_at_ms != 0 &&
	     now - n->slow_transfer_at_ms < NODE_SLOW_DISK_RETRY_MS)) {
		return;
	}
	n->slow_transfer_at_ms = now;
	n->slow_transfer.data = n;
	rv = raft_transfer(&n->raft, &n->slow_transfer, 0,
			   slow_disk_transfer_cb);
	if (rv != 0) {
		log_warn("slow disk: log writes take %.0f ms (limit %u ms); "
			 "cannot hand leadership over: %s",
			 ms, n->cfg->slow_disk_ms, raft_strerror(rv));
		return;
	}
	n->slow_transfer_busy = true;
	n->slow_disk_transfers++;
	log_warn("slow disk: log writes in %s take %.0f ms (limit %u ms, for "
		 "%u s): handing leadership to a follower",
		 n->cfg->data_dir, ms, n->cfg->slow_disk_ms,
		 NODE_SLOW_DISK_HOLD_MS / 1000);
}

/* Each loop turn: notice leadership changes, flush the group commit. */
/* Entries between snapshots: snapshot_threshold, but fewer when entries
 * are large, so that about snapshot_log_bytes of log lie between two
 * snapshots (raft keeps that log in memory; under load one entry carries
 * a hundred 1 KiB messages), and never fewer than the trailing entries.
 * Small entries (light load) thus snapshot rarely — every snapshot costs
 * a fork and a file write and fsync that slow the log's writes (the
 * paced latency tail) — and large ones often enough to bound memory. */
unsigned node_snapshot_threshold(const struct config *cfg,
				 double entry_bytes_avg)
{
	unsigned want = cfg->snapshot_threshold;

	if (cfg->snapshot_log_bytes > 0 && entry_bytes_avg >= 1) {
		double fit = (double)cfg->snapshot_log_bytes / entry_bytes_avg;
		if (fit < want) {
			want = (unsigned)fit;
		}
	}
	/* Nodes snapshot at different points of the log: writing a snapshot
	 * (and its fsync) slows a node's log writes for a while, and if all
	 * three did it at once every commit waited (paced p999 ~50 ms); one
	 * at a time, the other two still make a majority (~13-20 ms). */
	want -= want / 8 * (unsigned)(cfg->node_id % 4);
	if (want < cfg->snapshot_trailing) {
		want = cfg->snapshot_trailing;
	}
	return want < 1 ? 1 : want;
}

static void size_snapshots(struct node *n)
{
	unsigned want = node_snapshot_threshold(n->cfg, n->fsm.entry_bytes_avg);

	if (want != n->snapshot_threshold) {
		n->snapshot_threshold = want;
		raft_set_snapshot_threshold(&n->raft, want);
	}
}

static void prepare_cb(uv_prepare_t *handle)
{
	struct node *n = handle->data;
	int state = raft_state(&n->raft);

	if (n->disk_failed || n->stopping) {
		settle_run(n, true);
	}
	if (n->disk_failed) {
		disk_leave_raft(n);
		return; /* propose nothing more, issue no barrier */
	}

	if (state != n->last_state) {
		log_info("raft: %s -> %s (term %llu)",
			 cluster_state_name(n->last_state),
			 cluster_state_name(state),
			 (unsigned long long)n->raft.current_term);
		if (state == RAFT_LEADER || n->last_state == RAFT_LEADER) {
			n->leader_changes++;
		}
		n->last_state = state;
		n->leader_ready = false;
		ticker_set_leading(&n->ticker, false);
		n->slow_since_ms = 0;
		if (state != RAFT_LEADER) {
			longpoll_fail_all(&n->longpoll, call_unavailable);
		}
	}
	/* raft 0.15 appends no no-op entry on election: a barrier commits an
	 * entry of this term, after which everything earlier has applied. */
	if (state == RAFT_LEADER && n->barrier_term != n->raft.current_term &&
	    !n->stopping) {
		n->barrier_term = n->raft.current_term;
		n->barrier.data = n;
		if (raft_barrier(&n->raft, &n->barrier, barrier_cb) != 0) {
			n->barrier_term = 0; /* try again next turn */
		}
	}
	if (state == RAFT_LEADER && n->leader_ready && !n->stopping) {
		check_slow_disk(n);
	}
	if (n->settling != NULL) {
		settle_run(n, false);
	}
	longpoll_run(&n->longpoll);
	size_snapshots(n);
	commit_flush(&n->commit);
}

static void node_raft_closed(struct raft *r)
{
	struct node *n = r->data;

	n->raft_closed = true;
	nraft_io_close(&n->io);
	commit_close(&n->commit);
	log_info("raft closed; applied index %llu",
		 (unsigned long long)r->last_applied);
}

static void close_handles(struct node *n)
{
	longpoll_close(&n->longpoll);
	ticker_close(&n->ticker);
	early_election_close(&n->early_election);
	uv_close((uv_handle_t *)&n->prepare, NULL);
	uv_close((uv_handle_t *)&n->stop_timer, NULL);
	if (n->space_timer_inited) {
		uv_close((uv_handle_t *)&n->space_timer, NULL);
		n->space_timer_inited = false;
	}
	if (!uv_is_closing((uv_handle_t *)&n->sigterm)) {
		uv_close((uv_handle_t *)&n->sigterm, NULL);
		uv_close((uv_handle_t *)&n->sigint, NULL);
	}
}

/* Last step of the shutdown: close raft (fails in-flight applies — their
 * clients retry with the same seq elsewhere — and waits for pending disk
 * writes). */
static void close_raft_cb(uv_timer_t *t)
{
	struct node *n = t->data;

	close_handles(n);
	raft_close(&n->raft, node_raft_closed);
}

/* Second half of the shutdown: no more client traffic, quiesce the raft
 * network, then close raft. nng 1.5.2's nng_close() of the PULL socket can
 * hang if a peer's message is half-received at that moment, so first drop
 * all peer traffic and let in-flight messages drain for a moment. */
static void finish_stop(struct node *n)
{
	unsigned i;

	if (n->finishing) {
		return;
	}
	n->finishing = true;
	uv_timer_stop(&n->stop_timer);
	commit_fail_queued(&n->commit, WIRE_ERR_UNAVAILABLE,
			   "node shutting down");
	longpoll_fail_all(&n->longpoll, call_unavailable);
	settle_run(n, true);
	ticker_set_leading(&n->ticker, false);
	http_stop(n->http);
	n->http = NULL;
	if (n->server != NULL) {
		server_stop(n->server);
	}
	for (i = 0; i < n->raft.configuration.n; i++) {
		raft_id id = n->raft.configuration.servers[i].id;
		if (id != n->cfg->node_id) {
			nraft_io_set_drop(&n->io, id, true);
		}
	}
	uv_timer_start(&n->stop_timer, close_raft_cb, NODE_QUIESCE_MS, 0);
}

static void stop_timer_cb(uv_timer_t *t)
{
	struct node *n = t->data;

	log_warn("leadership hand-over timed out; closing anyway");
	finish_stop(n);
}

static void stop_transfer_cb(struct raft_transfer *req)
{
	struct node *n = req->data;
	raft_id id = 0;
	const char *address = NULL;

	raft_leader(&n->raft, &id, &address);
	if (id != 0 && id != n->cfg->node_id) {
		log_info("leadership handed over to node %llu",
			 (unsigned long long)id);
	} else {
		log_info("leadership hand-over did not complete");
	}
	finish_stop(n);
}

void node_stop(struct node *n)
{
	int rv;

	if (n->stopping) {
		return;
	}
	n->stopping = true;
	log_info("stopping");
	if (n->disk_failed) {
		disk_stop(n);
		return;
	}
	/* A leader that leaves hands over first, so clients see a new
	 * leader within a round trip instead of an election timeout. */
	if (raft_state(&n->raft) == RAFT_LEADER &&
	    n->raft.configuration.n > 1) {
		n->stop_transfer.data = n;
		rv = raft_transfer(&n->raft, &n->stop_transfer, 0,
				   stop_transfer_cb);
		if (rv == 0) {
			uv_timer_start(&n->stop_timer, stop_timer_cb,
				       NODE_STOP_TRANSFER_MS, 0);
			return;
		}
		log_warn("leadership transfer: %s", raft_strerror(rv));
	}
	finish_stop(n);
}

static void signal_cb(uv_signal_t *handle, int signum)
{
	struct node *n = handle->data;

	log_info("signal %d", signum);
	node_stop(n);
}

/* Bootstrap a fresh data dir with the configured peers, all voters. */
static int bootstrap(struct node *n)
{
	struct raft_configuration conf;
	size_t i;
	int rv;

	raft_configuration_init(&conf);
	for (i = 0; i < n->cfg->n_peers; i++) {
		rv = raft_configuration_add(&conf, n->cfg->peers[i].id,
					    n->cfg->peers[i].raft_address,
					    RAFT_VOTER);
		if (rv != 0) {
			raft_configuration_close(&conf);
			return rv;
		}
	}
	rv = raft_bootstrap(&n->raft, &conf);
	raft_configuration_close(&conf);
	if (rv == RAFT_CANTBOOTSTRAP) {
		return 0; /* existing data: restart from it */
	}
	if (rv == 0) {
		log_info("bootstrapped a %zu-node cluster", n->cfg->n_peers);
	}
	return rv;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
	char buf[1024];
	size_t i, len = strlen(path);

	if (len == 0 || len >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];
			buf[i] = '\0';
			if (mkdir(buf, 0750) != 0 && errno != EEXIST) {
				return -1;
			}
			buf[i] = c;
		}
	}
	return 0;
}

/* A client address this host can dial: a wildcard listen address
 * becomes the loopback one. */
static void dialable(const char *address, char *out, size_t size)
{
	const char *wild[] = {"tcp://0.0.0.0:", "tcp://[::]:",
			      "tls+tcp://0.0.0.0:", "tls+tcp://[::]:"};
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(wild[i]);
		if (strncmp(address, wild[i], n) == 0) {
			snprintf(out, size, "%s127.0.0.1:%s",
				 i < 2 ? "tcp://" : "tls+tcp://", address + n);
			return;
		}
	}
	snprintf(out, size, "%s", address);
}

/* The HTTP front door: its internal client starts at this node and knows
 * the bootstrap peers; it follows the leader from there. */
static int start_http(struct node *n)
{
	const struct config *cfg = n->cfg;
	char endpoints[CONFIG_MAX_PEERS * (CONFIG_ADDR_MAX + 1) + 1] = "";
	char addr[CONFIG_ADDR_MAX];
	size_t len;

	dialable(cfg->client_address, addr, sizeof addr);
	len = (size_t)snprintf(endpoints, sizeof endpoints, "%s", addr);
	for (size_t i = 0; i < cfg->n_peers && len < sizeof endpoints; i++) {
		if (cfg->peers[i].id == cfg->node_id ||
		    cfg->peers[i].client_address[0] == '\0') {
			continue;
		}
		dialable(cfg->peers[i].client_address, addr, sizeof addr);
		len += (size_t)snprintf(endpoints + len, sizeof endpoints - len,
					",%s", addr);
	}
	struct http_config hc = {
	    .address = cfg->http_address,
	    .cluster_endpoints = endpoints,
	    .max_body_bytes = NODE_HTTP_MAX_BODY_BYTES,
	    .tls_cert =
		cfg->http_tls_cert[0] != '\0' ? cfg->http_tls_cert : NULL,
	    .tls_key = cfg->http_tls_key,
	    .cluster_ca = cfg->tls_ca[0] != '\0' ? cfg->tls_ca : NULL,
	    .cluster_cert = cfg->tls_cert[0] != '\0' ? cfg->tls_cert : NULL,
	    .cluster_key = cfg->tls_key[0] != '\0' ? cfg->tls_key : NULL,
	    .auth = fsm_find_service(&n->fsm, "auth"),
	    .node_loop = n->loop,
	    .local = node_http_page,
	    .local_ctx = n};
	return http_start(&n->http, &hc, n->errmsg, sizeof n->errmsg);
}

/* longpoll's clock: parked calls' deadlines are leader time. */
static uint64_t leader_now(void *arg)
{
	struct node *n = arg;

	return commit_leader_time(&n->commit);
}

int node_start(struct node *n, uv_loop_t *loop, const struct config *cfg)
{
	struct nraft_options opts;
	int rv;

	memset(n, 0, sizeof *n);
	n->cfg = cfg;
	n->loop = loop;
	n->last_state = RAFT_UNAVAILABLE;
	n->state_budget_bytes = cfg->max_state_bytes != 0
				    ? cfg->max_state_bytes
				    : default_state_budget();
	snprintf(n->service_endpoint, sizeof n->service_endpoint, "%s://%s",
		 cfg->http_tls_cert[0] != '\0' ? "https" : "http",
		 cfg->http_address[0] != '\0' ? cfg->http_address
					      : "localhost");
	n->service_env.region = cfg->region;
	n->service_env.account_id = cfg->account_id;
	n->service_env.wake = service_wake;
	n->service_env.wake_ctx = n;
	n->service_env.schedule_tick = service_schedule_tick;
	longpoll_init(&n->longpoll, loop, call_retry);
	ticker_init(&n->ticker, loop, &n->fsm, &n->commit);
	longpoll_set_clock(&n->longpoll, leader_now, n);
	if (fsm_init(&n->fsm, cfg->node_id, commit_on_result, &n->commit) !=
		0 ||
	    services_register(&n->fsm, &n->service_env) != 0) {
		snprintf(n->errmsg, sizeof n->errmsg,
			 "state machine: out of memory");
		return -1;
	}
	n->fsm.wait_cb = commit_on_wait;
	if (make_dirs(cfg->data_dir) != 0) {
		snprintf(n->errmsg, sizeof n->errmsg,
			 "data dir %s: cannot create: %s", cfg->data_dir,
			 strerror(errno));
		goto err_after_fsm;
	}
	if (node_tls_init(&n->tls, cfg, n->errmsg, sizeof n->errmsg) != 0) {
		goto err_after_fsm;
	}
	nraft_options_init(&opts);
	opts.tls_listen = n->tls.peer_server;
	opts.tls_dial = n->tls.peer_client;
	/* An entry is at most one batch; leave room for the framing. */
	if (opts.max_message_bytes < cfg->max_batch_bytes + 1024 * 1024) {
		opts.max_message_bytes = cfg->max_batch_bytes + 1024 * 1024;
	}
	opts.segment_bytes = cfg->segment_bytes;
	if (nraft_io_init(&n->io, loop, cfg->data_dir, &opts, n->errmsg,
			  sizeof n->errmsg) != 0) {
		goto err_after_fsm;
	}
	rv = raft_init(&n->raft, &n->io, &n->fsm.raft_fsm, cfg->node_id,
		       cfg->raft_address);
	if (rv != 0) {
		snprintf(n->errmsg, sizeof n->errmsg, "raft init: %s",
			 raft_errmsg(&n->raft));
		goto err_after_io;
	}
	n->raft.data = n;
	n->fsm.raft = &n->raft; /* live reference for leader_clock */
	raft_set_election_timeout(&n->raft, cfg->election_timeout_ms);
	raft_set_heartbeat_timeout(&n->raft, cfg->heartbeat_timeout_ms);
	/* 0.15 retries a dropped InstallSnapshot only after this timeout. */
	raft_set_install_snapshot_timeout(&n->raft,
					  cfg->install_snapshot_timeout_ms);
	raft_set_snapshot_threshold(&n->raft, cfg->snapshot_threshold);
	n->snapshot_threshold = cfg->snapshot_threshold;
	raft_set_snapshot_trailing(&n->raft, cfg->snapshot_trailing);
	raft_set_pre_vote(&n->raft, true);
	early_election_init(&n->early_election, loop, &n->raft,
			    cfg->heartbeat_timeout_ms / 2);
	nraft_io_set_peer_lost_cb(&n->io, early_election_peer_lost,
				  &n->early_election);
	commit_init(&n->commit, &n->raft, &n->fsm, cfg->node_id, cfg);
	if (!cfg->join && (rv = bootstrap(n)) != 0) {
		snprintf(n->errmsg, sizeof n->errmsg, "bootstrap: %s",
			 raft_strerror(rv));
		goto err_after_raft;
	}
	rv = raft_start(&n->raft);
	if (rv != 0) {
		snprintf(n->errmsg, sizeof n->errmsg, "start raft in %s: %s%s",
			 cfg->data_dir, raft_errmsg(&n->raft),
			 rv == RAFT_CORRUPT
			     ? " — the data dir is damaged; rebuild this node "
			       "from its peers: stratus cluster remove-node, "
			       "empty the data dir, start it with --join, "
			       "stratus cluster add-node (locally: "
			       "deploy/cluster.sh rebuild I)"
			     : "");
		goto err_after_raft;
	}
	n->server =
	    server_start(loop, cfg->client_address, n->tls.client_server,
			 cfg->max_request_bytes, cfg->max_connections,
			 on_request, n, n->errmsg, sizeof n->errmsg);
	if (n->server == NULL) {
		/* raft is running: shut it down through the normal path. */
		n->stopping = true;
		uv_prepare_init(loop, &n->prepare);
		uv_timer_init(loop, &n->stop_timer);
		uv_signal_init(loop, &n->sigterm);
		uv_signal_init(loop, &n->sigint);
		close_handles(n);
		n->exit_code = 1;
		raft_close(&n->raft, node_raft_closed);
		return -1;
	}
	uv_prepare_init(loop, &n->prepare);
	n->prepare.data = n;
	uv_prepare_start(&n->prepare, prepare_cb);
	uv_timer_init(loop, &n->stop_timer);
	n->stop_timer.data = n;
	uv_timer_init(loop, &n->space_timer);
	n->space_timer.data = n;
	n->space_timer_inited = true;
	nraft_io_set_disk_failed_cb(&n->io, on_disk_failed, n);
	uv_signal_init(loop, &n->sigterm);
	n->sigterm.data = n;
	uv_signal_start(&n->sigterm, signal_cb, SIGTERM);
	uv_signal_init(loop, &n->sigint);
	n->sigint.data = n;
	uv_signal_start(&n->sigint, signal_cb, SIGINT);
	if (cfg->http_address[0] != '\0' && start_http(n) != 0) {
		log_error("%s", n->errmsg);
		n->exit_code = 1;
		node_stop(n);
		return 0; /* stopping through the normal path */
	}
	log_info("serving clients at %s, http at %s, raft at %s, data in %s",
		 cfg->client_address,
		 cfg->http_address[0] != '\0' ? cfg->http_address : "(none)",
		 cfg->raft_address, cfg->data_dir);
	return 0;

err_after_raft:
	/* raft_init succeeded: closing it closes the io too. */
	n->exit_code = 1;
	raft_close(&n->raft, node_raft_closed);
	return -2;
err_after_io:
	nraft_io_close(&n->io);
err_after_fsm:
	return -1; /* node_free releases the state machine */
}

void node_free(struct node *n)
{
	if (n->server != NULL) {
		server_free(n->server);
	}
	fsm_close(&n->fsm);
	backup_store_free(&n->backups);
	node_tls_close(&n->tls);
}
