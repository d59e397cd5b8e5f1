/* service — the seam every AWS-compatible service (SQS now; SNS,
 * EventBridge, Lambda, Step Functions later) plugs into.
 *
 * A service implements each AWS action exactly once, against the action's
 * AWS JSON request and response documents (the shapes AWS's JSON protocols
 * use: {"QueueName": "orders", "Attributes": {...}}). Every front door —
 * the native protocol, the CLI, and later HTTP Query / JSON — converts to
 * and from those documents; none reimplements an action.
 *
 * Life of a write (an action that changes state):
 *   1. prepare — on the leader, before proposing: cheap validation against
 *      the current state, and every leader-made value (message ids, receipt
 *      handles, random choices, the endpoint used in queue URLs) written
 *      into the context object. A request it rejects is answered at once
 *      and never enters the log.
 *   2. apply — on every node, from the log: deterministic. Reads nothing
 *      but its arguments and the state (time is now_ms, the batch's clock;
 *      randomness comes from the context). Same log, same state, same
 *      output bytes on every node — outputs are stored for exactly-once
 *      retries and are part of the replicated state's digest.
 * A read (an action that changes nothing) is answered by `read` on the
 * leader once a batch proposed after its arrival has applied.
 *
 * The context always holds "Endpoint": the URL base of the node that took
 * the request ("http://10.0.0.1:7003"), for queue URLs in outputs; prepare
 * adds its own values next to it.
 *
 * Long polls: apply may answer SERVICE_WAIT (e.g. ReceiveMessage with
 * WaitTimeSeconds and nothing to return). Nothing is recorded; the leader
 * parks the request and proposes the same command again when the service
 * signals its wait key through env->wake (from apply: a message became
 * available) or at wake_at_ms. The deadline is the service's business:
 * prepare records it in the context (e.g. "WaitUntilMs": now + wait -
 * waited_ms, so a call retried at a new leader after a failover waits only
 * for what is left of its caller's wait), and
 * apply answers normally (e.g. with no messages) once now_ms has reached
 * it, so wake_at_ms must never be later than that deadline. prepare may
 * answer SERVICE_WAIT too (wait_key, wake_at_ms; the context complete):
 * apply would only park it, so the leader parks it without a log entry and
 * proposes it once woken. A write's prepare may also say whom applying it
 * will serve (service_result.wakes): those waiters are proposed right
 * behind it, in the same entry — a send reaches a waiting receive in one
 * commit round.
 *
 * Stored outputs: outputs are kept for retries on every node, but a
 * big one (ReceiveMessage: ten message bodies) costs every replica its
 * building, storing, hashing and snapshotting, while only the node that
 * proposed the command sends it. So apply may also give a compact stored
 * form (service_result.stored: e.g. which messages a receive took, under
 * which receipt nonce) from which the service's render rebuilds the same
 * output later, from the state of then. The state machine then records
 * the stored form, and asks apply for the output (output_unneeded unset)
 * only on the proposing node. render must rebuild the output byte for
 * byte while nothing it names has changed since (a retry of a lost
 * answer: nothing has); what has moved on since (a message whose
 * visibility ran out and was received again) it leaves out, as its
 * handle is stale anyway.
 *
 * Leader-driven work (tick): some services make progress over time with no
 * client request to carry it — SQS message move tasks move at most
 * MaxNumberOfMessagesPerSecond; later SNS delivery retries, EventBridge
 * schedules, Lambda event-source polling. State changes only through the
 * log, so the leader proposes the steps as commands of its own:
 *   - apply asks for a tick through env->schedule_tick (e.g. a task was
 *     started) — on every node; only a leader acts on it;
 *   - tick runs on the leader only (once its term's barrier has applied,
 *     so it sees every committed entry), on the loop thread, never inside
 *     apply. It reads the state without changing it and emits each step as
 *     an action of kind SERVICE_ACTION_INTERNAL with its input document;
 *     the node proposes each as a command without a client session;
 *   - apply makes the change, deterministically, from the state and the
 *     batch's clock alone: a step proposed twice (a retry, the leftovers of
 *     an old leader) must be harmless — e.g. the rate limit is enforced by
 *     apply from state-machine time, not by when steps were proposed;
 *   - the next tick runs at the time tick returned (or when scheduled
 *     again), and not before the steps it emitted have applied.
 * After a failover the new leader ticks once its barrier applies, so work
 * in progress continues from the replicated state. Clients cannot call an
 * INTERNAL action (the node refuses it as an unknown action).
 *
 * All functions run on the loop thread. */
#ifndef STRATUS_SERVICE_H
#define STRATUS_SERVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;

#define SERVICE_ERRMSG_SIZE   512
#define SERVICE_WAIT_KEY_SIZE 200
#define SERVICE_WAKE_ALL      UINT32_MAX

enum service_status {
	SERVICE_OK,    /* result.output is the response document */
	SERVICE_ERROR, /* result.error_code / error_message */
	SERVICE_WAIT   /* long poll: retry later (see above) */
};

enum service_action_kind {
	SERVICE_ACTION_UNKNOWN = 0, /* not an action of this service */
	SERVICE_ACTION_READ,
	SERVICE_ACTION_WRITE,
	/* A step the node proposes for the service's tick (see above);
	 * applied like a write, refused from clients. */
	SERVICE_ACTION_INTERNAL
};

/* A service's action table: each action's name and kind, whether a
 * write goes ahead of the others in the group commit (commit.h): actions
 * that hand out or retire queued work (receive, delete), whose latency a
 * flood of producers' writes must not set; and whether it may grow the
 * replicated state (a write that adds data: refused on the leader while
 * the state is over its memory budget; deletes, receives and the like
 * stay allowed, so consumers can drain it). Tables name the flags
 * (.grows_state = true) where a positional value could be misread. */
struct service_action {
	const char *name;
	enum service_action_kind kind;
	bool ahead;
	bool grows_state;
};

/* The kind of action in table (n entries); UNKNOWN when absent
 * (services.c). Every service's action_kind is this over its table. */
enum service_action_kind service_action_find(const struct service_action *table,
					     size_t n, const char *action);
/* The action's ahead flag (false when absent). */
bool service_action_ahead(const struct service_action *table, size_t n,
			  const char *action);
/* Whether action (in table) grows the state (false when absent). */
bool service_action_grows(const struct service_action *table, size_t n,
			  const char *action);

/* What an action produced. Zero it before a call. */
struct service_result {
	json_t *output; /* SERVICE_OK: new reference, the caller owns it */
	/* SERVICE_OK, instead of output: the document already printed as
	 * jsondoc_dump prints it (malloc'd, the caller frees it) — for large
	 * answers on hot paths, written with jsondoc_out (e.g. received
	 * messages). */
	char *output_text;
	/* SERVICE_ERROR: AWS's error code for the JSON protocol
	 * ("QueueDoesNotExist", "InvalidParameterValue", ...; a static
	 * string), a message, and whether the caller (Sender) or the service
	 * (Receiver) is at fault. */
	const char *error_code;
	char error_message[SERVICE_ERRMSG_SIZE];
	bool sender_fault;
	/* SERVICE_WAIT: what to wait for (e.g. "sqs:000000000000/orders")
	 * and the latest time to retry anyway (0 = only when woken). */
	char wait_key[SERVICE_WAIT_KEY_SIZE];
	uint64_t wake_at_ms;
	/* prepare of a write, optionally: applying it will let @wakes
	 * waiters of wait_key be served (a send to a queue). The node then
	 * proposes that many parked waiters right behind the write, in the
	 * same entry (longpoll_take). */
	unsigned wakes;
	/* apply, SERVICE_OK, optionally: the stored form of output (see
	 * "Stored outputs"; new reference, the caller owns it). */
	json_t *stored;
	/* Set by the caller of apply: only a stored form is kept, so a
	 * service that sets stored may leave output NULL. */
	bool output_unneeded;
};

/* What the node gives a service. */
struct service_env {
	const char *region;	/* "us-east-1" */
	const char *account_id; /* "000000000000" */
	/* Called from apply when what waiters of wait_key (as in
	 * service_result) wait for changed: @n is how many of them can be
	 * served now (messages available), SERVICE_WAKE_ALL for every one
	 * (the queue is gone). The node retries that many waiters, oldest
	 * first (longpoll.h): a message must not wake a hundred receives that
	 * then find nothing. May be NULL. */
	void (*wake)(void *ctx, const char *wait_key, unsigned n);
	void *wake_ctx;
	/* Called from apply when the service wants its tick run by the
	 * leader at or after at_ms (wall clock; 0 = as soon as possible).
	 * Every node calls it; followers ignore it. May be NULL. ctx is
	 * wake_ctx. */
	void (*schedule_tick)(void *ctx, uint64_t at_ms);
};

/* How tick hands the node a step to propose: action (INTERNAL) and its
 * input document, both borrowed for the call. */
typedef void (*service_emit_fn)(void *emit_ctx, const char *service,
				const char *action, const json_t *input);

struct service {
	const char *name; /* "sqs": ServiceCall.service */
	void *state;
	/* Which kind of action this is (unknown actions: UNKNOWN). */
	enum service_action_kind (*action_kind)(const char *action);
	/* Optional (NULL: never): whether a write goes ahead (see struct
	 * service_action). */
	bool (*action_ahead)(const char *action);
	/* Leader only, before proposing a write. input: the request document
	 * (borrowed); context: an empty object to fill (borrowed). waited_ms:
	 * how long the caller had already waited for this call when this
	 * attempt was sent (Request.waited_ms: a client's retry after a
	 * failover; 0 otherwise; hostile, any value): a long poll waits
	 * only for what is left of the caller's wait, i.e. its deadline is
	 * now_ms + wait - waited_ms, and a call whose wait is over is
	 * answered at once. */
	enum service_status (*prepare)(void *state, const char *action,
				       const json_t *input, json_t *context,
				       uint64_t now_ms, uint32_t waited_ms,
				       struct service_result *result);
	/* Apply a write (every node, from the log). */
	enum service_status (*apply)(void *state, const char *action,
				     const json_t *input, const json_t *context,
				     uint64_t now_ms,
				     struct service_result *result);
	/* Optional (NULL: apply never sets stored): rebuild the output
	 * from a stored form apply gave (see "Stored outputs"). */
	enum service_status (*render)(void *state, const json_t *stored,
				      uint64_t now_ms,
				      struct service_result *result);
	/* Answer a read (leader). context carries what the node knows that
	 * the state does not, as for apply ("Endpoint" for queue URLs). */
	enum service_status (*read)(void *state, const char *action,
				    const json_t *input, const json_t *context,
				    uint64_t now_ms,
				    struct service_result *result);
	/* Serialize the whole state (malloc'd buffer) / replace it with a
	 * serialized one. 0, or -1 (restore: the state is left unchanged).
	 * snapshot usually runs in a child process forked by the loop thread
	 * (fsm.c): it may allocate, but must not take locks that other
	 * threads may hold, nor log. */
	int (*snapshot)(const void *state, uint8_t **buf, size_t *len);
	int (*restore)(void *state, const uint8_t *buf, size_t len);
	/* Order-independent digest of the state (equal states, equal
	 * digests). */
	uint64_t (*digest)(const void *state);
	/* Optional (NULL = never): does the state hold user data (queues,
	 * topics, ...) that a restore must not silently replace? A cluster
	 * whose services all say no counts as empty for `stratus admin
	 * restore` (access keys, say, are configuration, not data). */
	bool (*holds_data)(const void *state);
	/* Optional (NULL): append the service's Prometheus metric families
	 * (metrics.h) to b, for /metrics. */
	void (*metrics)(const void *state, struct strbuf *b);
	/* Optional (NULL = every write may): whether a write action may grow
	 * the state (see struct service_action). */
	bool (*action_grows)(const char *action);
	/* Optional (NULL = 0): approximate bytes the state holds (message
	 * bodies, attributes, per-object overhead), for the node's memory
	 * budget and /metrics. Cheap: called for each growing write. */
	size_t (*state_bytes)(const void *state);
	/* Optional (NULL): leader-driven work (see above). Emits the steps
	 * due at now_ms through emit; returns the wall-clock ms to tick
	 * again (0 = only when scheduled). Must not change the state. */
	uint64_t (*tick)(void *state, uint64_t now_ms, service_emit_fn emit,
			 void *emit_ctx);
	void (*destroy)(struct service *svc);
};

#endif
