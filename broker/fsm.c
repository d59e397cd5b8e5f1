/* fsm — see fsm.h. */
#include "fsm.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backup_file.h"
#include "jsondoc.h"
#include "clock.h"
#include "log.h"

/* A snapshot child that has not finished after this long is stopped
 * (SIGALRM) and the snapshot fails (raft tries again later). */
#define FSM_SNAPSHOT_CHILD_MAX_S 600
#define FSM_SNAPSHOT_CHILD_NICE	 10
/* Services whose state is smaller serialize on the loop thread (~1 ms per
 * MiB): cheaper than fork(), whose page-table copy costs by the process's
 * size, not the state's (measured after a benchmark: fork 5-6 ms, the
 * ~250 KiB state serialized in the loop in 0.1-0.2 ms). */
#define FSM_FORK_MIN_STATE_BYTES (1u << 20)

/* AddressSanitizer (GCC 12's libasan) does not make its allocator safe
 * across fork(): a child could block forever on a lock another thread
 * held. Sanitized builds serialize services on the loop thread. */
#if defined(__SANITIZE_ADDRESS__)
#define FSM_FORK_UNSAFE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FSM_FORK_UNSAFE 1
#endif
#endif
#ifndef FSM_FORK_UNSAFE
#define FSM_FORK_UNSAFE 0
#endif

static int fsm_raft_apply(struct raft_fsm *rf, const struct raft_buffer *buf,
			  void **result)
{
	*result = NULL;
	return fsm_apply_entry(rf->data, buf->base, buf->len);
}

/* Snapshots (raft fsm version 3): capture on the loop thread (pointer
 * arrays, cheap), serialize on a worker thread while the loop keeps
 * applying, finalize (free) on the loop thread. See defer.h for why the
 * worker may read the live buffers.
 *
 * Services serialize their own state (service.h), which is large (every
 * queued message) and was a stall of the loop thread (~1 s per GiB). The
 * capture therefore forks: the child, a frozen copy of the state made by
 * the kernel's copy-on-write, runs every service's snapshot() into a
 * memfd and exits; the worker thread waits for it and reads the memfd.
 * The loop thread pays only for fork() (page tables: ~10 ms per GiB). If
 * fork fails, or the state is small (fork_min_state_bytes), the services
 * serialize on the loop thread. */
struct fsm_capture {
	struct wire_snapshot s;
	struct wire_service_state services[FSM_MAX_SERVICES]; /* data owned */
	size_t n_services_forked; /* serialized by the child, not yet read */
	pid_t child;		  /* 0: none */
	int memfd;		  /* the child's output; -1: none */
};

static int capture_take(struct fsm *f, struct fsm_capture **out);
static int capture_encode(struct fsm_capture *c, void *(*alloc)(size_t),
			  void **buf, size_t *len);
static void capture_release(struct fsm *f, struct fsm_capture *c);

static int fsm_raft_snapshot_async(struct raft_fsm *rf,
				   struct raft_buffer *bufs[],
				   unsigned *n_bufs);

static int fsm_raft_snapshot(struct raft_fsm *rf, struct raft_buffer *bufs[],
			     unsigned *n_bufs)
{
	struct fsm *f = rf->data;

	*bufs = NULL;
	*n_bufs = 0;
	if (f->capture != NULL) {
		return RAFT_BUSY;
	}
	uint64_t t0 = clock_mono_us();
	if (capture_take(f, &f->capture) != 0) {
		return RAFT_NOMEM;
	}
	log_info("snapshot: state captured in %.1f ms (%s)",
		 (double)(clock_mono_us() - t0) / 1000.0,
		 f->capture->child != 0 ? "forked" : "in the loop");
	if (rf->snapshot_async == NULL) {
		/* Synchronous mode (an io without async_work): serialize
		 * now; finalize frees as usual. */
		return fsm_raft_snapshot_async(rf, bufs, n_bufs);
	}
	return 0;
}

/* Worker thread: reads only the capture. */
static int fsm_raft_snapshot_async(struct raft_fsm *rf,
				   struct raft_buffer *bufs[], unsigned *n_bufs)
{
	struct fsm *f = rf->data;
	struct raft_buffer *b = raft_malloc(sizeof *b);
	void *data;
	size_t len;

	if (b == NULL) {
		return RAFT_NOMEM;
	}
	if (capture_encode(f->capture, raft_malloc, &data, &len) != 0) {
		raft_free(b);
		return RAFT_NOMEM;
	}
	b->base = data;
	b->len = len;
	*bufs = b;
	*n_bufs = 1;
	return 0;
}

static int fsm_raft_snapshot_finalize(struct raft_fsm *rf,
				      struct raft_buffer *bufs[],
				      unsigned *n_bufs)
{
	struct fsm *f = rf->data;
	unsigned i;
	uint64_t t0 = clock_mono_us();

	if (*bufs != NULL) {
		f->snapshots_taken++;
		f->last_snapshot_bytes = 0;
		for (i = 0; i < *n_bufs; i++) {
			f->last_snapshot_bytes += (*bufs)[i].len;
			raft_free((*bufs)[i].base);
		}
		raft_free(*bufs);
	}
	*bufs = NULL;
	*n_bufs = 0;
	if (f->capture != NULL) {
		capture_release(f, f->capture);
		f->capture = NULL;
	}
	log_info("snapshot: %llu bytes, released in %.1f ms",
		 (unsigned long long)f->last_snapshot_bytes,
		 (double)(clock_mono_us() - t0) / 1000.0);
	return 0;
}

/* On success the FSM owns buf->base. */
static int fsm_raft_restore(struct raft_fsm *rf, struct raft_buffer *buf)
{
	int rv = fsm_restore(rf->data, buf->base, buf->len);

	if (rv != 0) {
		return RAFT_CORRUPT;
	}
	((struct fsm *)rf->data)->snapshots_restored++;
	((struct fsm *)rf->data)->last_snapshot_bytes = buf->len;
	raft_free(buf->base);
	return 0;
}

int fsm_init(struct fsm *f, uint64_t node_id, fsm_result_cb cb, void *ctx)
{
	memset(f, 0, sizeof *f);
	f->node_id = node_id;
	f->fork_min_state_bytes = FSM_FORK_MIN_STATE_BYTES;
	f->result_cb = cb;
	f->result_ctx = ctx;
	if (kv_init(&f->kv, &f->defer) != 0) {
		return -1;
	}
	session_table_init(&f->sessions, &f->defer);
	f->raft_fsm.version = 3;
	f->raft_fsm.data = f;
	f->raft_fsm.apply = fsm_raft_apply;
	f->raft_fsm.snapshot = fsm_raft_snapshot;
	f->raft_fsm.snapshot_async = fsm_raft_snapshot_async;
	f->raft_fsm.snapshot_finalize = fsm_raft_snapshot_finalize;
	f->raft_fsm.restore = fsm_raft_restore;
	return 0;
}

static void nodes_free(struct fsm *f)
{
	size_t i;

	for (i = 0; i < f->n_nodes; i++) {
		defer_free(&f->defer, f->nodes[i].raft_address);
		defer_free(&f->defer, f->nodes[i].client_address);
		defer_free(&f->defer, f->nodes[i].http_address);
	}
	free(f->nodes);
	f->nodes = NULL;
	f->n_nodes = 0;
}

void fsm_close(struct fsm *f)
{
	if (f->capture != NULL) {
		capture_release(f, f->capture);
		f->capture = NULL;
	}
	fsm_restore_staging_drop(f);
	kv_free(&f->kv);
	session_table_free(&f->sessions);
	nodes_free(f);
	while (f->n_services > 0) {
		struct service *svc = f->services[--f->n_services];
		svc->destroy(svc);
	}
}

void fsm_use_sync_snapshots(struct fsm *f)
{
	f->raft_fsm.version = 2;
	f->raft_fsm.snapshot_async = NULL;
}

const struct fsm_node *fsm_find_node(const struct fsm *f, uint64_t id)
{
	size_t i;

	for (i = 0; i < f->n_nodes; i++) {
		if (f->nodes[i].id == id) {
			return &f->nodes[i];
		}
	}
	return NULL;
}

/* Insert or update a registry entry; keeps the array sorted by id. */
static int node_upsert(struct fsm *f, const struct wire_node_addr *a)
{
	struct fsm_node *n = (struct fsm_node *)fsm_find_node(f, a->id);
	struct fsm_node fresh = {a->id, strdup(a->raft_address),
				 strdup(a->client_address),
				 strdup(a->http_address)};
	size_t i;

	if (!fresh.raft_address || !fresh.client_address ||
	    !fresh.http_address) {
		goto err_after_dup;
	}
	if (n != NULL) {
		defer_free(&f->defer, n->raft_address);
		defer_free(&f->defer, n->client_address);
		defer_free(&f->defer, n->http_address);
		*n = fresh;
		return 0;
	}
	n = realloc(f->nodes, (f->n_nodes + 1) * sizeof *n);
	if (n == NULL) {
		goto err_after_dup;
	}
	f->nodes = n;
	for (i = f->n_nodes; i > 0 && f->nodes[i - 1].id > a->id; i--) {
		f->nodes[i] = f->nodes[i - 1];
	}
	f->nodes[i] = fresh;
	f->n_nodes++;
	return 0;

err_after_dup:
	free(fresh.raft_address);
	free(fresh.client_address);
	free(fresh.http_address);
	return -1;
}

int fsm_add_service(struct fsm *f, struct service *svc)
{
	if (f->n_services == FSM_MAX_SERVICES) {
		return -1;
	}
	f->services[f->n_services++] = svc;
	return 0;
}

struct service *fsm_find_service(const struct fsm *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n_services; i++) {
		if (strcmp(f->services[i]->name, name) == 0) {
			return f->services[i];
		}
	}
	return NULL;
}

/* Is a caller's endpoint ("http://lb.example:7102") fit for URLs in
 * outputs: http(s)://, then printable characters without spaces, quotes,
 * backslashes, '<' or '>'? */
static bool endpoint_ok(const char *e)
{
	if (e == NULL ||
	    (strncmp(e, "http://", 7) != 0 && strncmp(e, "https://", 8) != 0))
		return false;
	for (; *e != '\0'; e++) {
		if (*e <= ' ' || *e > '~' || *e == '"' || *e == '<' ||
		    *e == '>' || *e == '\\')
			return false;
	}
	return true;
}

int fsm_prepare_call(const struct fsm *f, const struct wire_op *op,
		     const char *default_endpoint, bool write,
		     uint64_t leader_time_ms, uint32_t waited_ms,
		     struct fsm_prepared *out)
{
	struct service *svc = fsm_find_service(f, op->service);
	json_t *input, *context;

	memset(out, 0, sizeof *out);
	out->status = SERVICE_OK;
	if (svc == NULL) {
		return WIRE_ERR_MALFORMED;
	}
	input = jsondoc_parse((const char *)op->input, op->input_len);
	if (input == NULL || !json_is_object(input)) {
		json_decref(input);
		return WIRE_ERR_MALFORMED;
	}
	context = json_object();
	if (context == NULL ||
	    json_object_set_new(context, "Endpoint",
				json_string(endpoint_ok(op->endpoint)
						? op->endpoint
						: default_endpoint)) != 0) {
		json_decref(context);
		json_decref(input);
		return WIRE_ERR_INTERNAL;
	}
	if (write) {
		out->ahead =
		    svc->action_ahead != NULL && svc->action_ahead(op->action);
		out->status =
		    svc->prepare(svc->state, op->action, input, context,
				 leader_time_ms, waited_ms, &out->result);
	}
	json_decref(out->result.output);
	out->result.output = NULL;
	free(out->result.output_text);
	out->result.output_text = NULL;
	json_decref(input);
	if (out->status != SERVICE_ERROR) {
		out->context = jsondoc_dump(context, &out->context_len);
	}
	json_decref(context);
	if (out->status != SERVICE_ERROR && out->context == NULL) {
		return WIRE_ERR_INTERNAL;
	}
	return 0;
}

bool fsm_op_is_write(const struct fsm *f, const struct wire_op *op)
{
	struct service *svc;

	if (op->type != WIRE_OP_SERVICE_CALL) {
		return wire_op_is_write(op->type);
	}
	svc = fsm_find_service(f, op->service);
	return svc == NULL ||
	       svc->action_kind(op->action) != SERVICE_ACTION_READ;
}

/* Per kv entry: skip-list node and allocator overhead, roughly. */
#define FSM_KV_ENTRY_OVERHEAD 96

size_t fsm_state_bytes(const struct fsm *f)
{
	size_t n = f->kv.bytes + f->kv.count * FSM_KV_ENTRY_OVERHEAD;
	size_t i;

	for (i = 0; i < f->n_services; i++) {
		const struct service *svc = f->services[i];

		if (svc->state_bytes != NULL) {
			n += svc->state_bytes(svc->state);
		}
	}
	return n;
}

size_t fsm_op_growth(const struct fsm *f, const struct wire_op *op)
{
	struct service *svc;

	switch (op->type) {
	case WIRE_OP_KV_PUT:
		return (op->key ? strlen(op->key) : 0) + op->value_len +
		       FSM_KV_ENTRY_OVERHEAD;
	case WIRE_OP_SERVICE_CALL:
		svc = fsm_find_service(f, op->service);
		if (svc == NULL || !fsm_op_is_write(f, op) ||
		    (svc->action_grows != NULL &&
		     !svc->action_grows(op->action))) {
			return 0;
		}
		return op->input_len + 1;
	default:
		return 0;
	}
}

int fsm_validate(const struct fsm *f, const struct wire_op *op,
		 struct wire_result *res)
{
	struct service *svc;

	switch (op->type) {
	case WIRE_OP_SERVICE_CALL:
		svc = fsm_find_service(f, op->service);
		if (svc == NULL) {
			wire_result_set_error(res, WIRE_ERR_UNKNOWN_OP,
					      "unknown service");
			return -1;
		}
		if (svc->action_kind(op->action) == SERVICE_ACTION_UNKNOWN) {
			wire_result_set_error(res, WIRE_ERR_UNKNOWN_OP,
					      "unknown action");
			return -1;
		}
		return 0;
	case WIRE_OP_KV_PUT:
	case WIRE_OP_KV_DELETE:
	case WIRE_OP_KV_GET:
	case WIRE_OP_KV_LIST:
		return kv_validate(op, res);
	case WIRE_OP_RESTORE_BEGIN:
	case WIRE_OP_RESTORE_CHUNK:
	case WIRE_OP_RESTORE_COMMIT:
		if (op->backup_id == 0) {
			wire_result_set_error(res, WIRE_ERR_MISSING_PARAM,
					      "a restore needs a non-zero id");
			return -1;
		}
		if (op->type == WIRE_OP_RESTORE_BEGIN &&
		    (op->total_bytes < BACKUP_FILE_HEADER_BYTES ||
		     op->total_bytes > BACKUP_FILE_MAX_BYTES)) {
			wire_result_set_error(
			    res, WIRE_ERR_INVALID_PARAM,
			    "a backup's size must be between its header "
			    "size and 1 GiB");
			return -1;
		}
		if (op->type == WIRE_OP_RESTORE_CHUNK &&
		    (op->data_len == 0 ||
		     op->data_len > WIRE_MAX_BACKUP_CHUNK_BYTES)) {
			wire_result_set_error(res, WIRE_ERR_INVALID_PARAM,
					      "a restore chunk holds 1 byte to "
					      "1 MiB");
			return -1;
		}
		return 0;
	case WIRE_OP_SET_NODE_ADDR:
		if (op->node.id == 0 || op->node.raft_address[0] == '\0' ||
		    op->node.client_address[0] == '\0') {
			wire_result_set_error(
			    res, WIRE_ERR_MISSING_PARAM,
			    "node id, raft and client addresses are required");
			return -1;
		}
		return 0;
	default:
		wire_result_set_error(res, WIRE_ERR_UNKNOWN_OP,
				      "unknown operation");
		return -1;
	}
}

/* Per-op memory a result borrows until the response is encoded. */
struct op_scratch {
	char *output; /* owned JSON text */
	char *stored; /* owned JSON text: the stored form (service.h) */
	char message[SERVICE_ERRMSG_SIZE];
	bool wait;
	char wait_key[SERVICE_WAIT_KEY_SIZE];
	uint64_t wake_at_ms;
};

/* A replica that cannot apply an entry the others apply would diverge;
 * stopping is the only safe answer (the entry is replayed on restart). */
static void fsm_out_of_memory(const char *what)
{
	log_error("apply: out of memory trying to %s; stopping the node", what);
	abort();
}

/* Turn what a service produced into res (borrowing from sc). */
static void service_result_to_wire(enum service_status st,
				   const struct service *svc,
				   struct service_result *r,
				   struct wire_result *res,
				   struct op_scratch *sc)
{
	switch (st) {
	case SERVICE_OK:
		/* Sorted, compact: the same bytes on every replica. */
		if (r->stored != NULL) {
			sc->stored = jsondoc_dump(r->stored, NULL);
			if (sc->stored == NULL) {
				fsm_out_of_memory("encode a stored output");
			}
			res->stored_service = svc->name;
			res->stored = (const uint8_t *)sc->stored;
			res->stored_len = strlen(sc->stored);
			if (r->output == NULL && r->output_text == NULL &&
			    r->output_unneeded) {
				break;
			}
		}
		if (r->output_text != NULL) {
			sc->output = r->output_text;
			r->output_text = NULL;
		} else if (r->output != NULL) {
			sc->output = jsondoc_dump(r->output, NULL);
		} else {
			sc->output = strdup("{}");
		}
		if (sc->output == NULL) {
			fsm_out_of_memory("encode a service response");
		}
		res->output = (const uint8_t *)sc->output;
		res->output_len = strlen(sc->output);
		break;
	case SERVICE_WAIT:
		sc->wait = true;
		snprintf(sc->wait_key, sizeof sc->wait_key, "%s", r->wait_key);
		sc->wake_at_ms = r->wake_at_ms;
		break;
	default:
		snprintf(sc->message, sizeof sc->message, "%s",
			 r->error_message);
		res->code = WIRE_ERR_SERVICE;
		res->error_name =
		    r->error_code != NULL ? r->error_code : "InternalFailure";
		res->error_message = sc->message;
		break;
	}
	json_decref(r->output);
	r->output = NULL;
	free(r->output_text);
	r->output_text = NULL;
	json_decref(r->stored);
	r->stored = NULL;
}

/* Parse a JSON object from bytes ("" = empty object); NULL if invalid. */
static json_t *load_object(const uint8_t *data, size_t len)
{
	json_t *v;

	if (len == 0) {
		return json_object();
	}
	v = jsondoc_parse((const char *)data, len);
	if (v != NULL && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* Run a service call (apply for writes, read for reads); fills res.
 * output_wanted: whether this node sends the output (it proposed the
 * command, or it answers a read); else a service may give only a stored
 * form. */
static void run_service_call(const struct fsm *f, const struct wire_op *op,
			     bool write, bool output_wanted,
			     struct wire_result *res, struct op_scratch *sc)
{
	struct service *svc = fsm_find_service(f, op->service);
	struct service_result r;
	enum service_status st;
	json_t *input, *context = NULL;

	memset(&r, 0, sizeof r);
	input = load_object(op->input, op->input_len);
	if (input == NULL) {
		wire_result_set_error(res, WIRE_ERR_MALFORMED,
				      "the request document is not a JSON "
				      "object");
		return;
	}
	context = load_object(op->context, op->context_len);
	if (context == NULL) {
		json_decref(input);
		wire_result_set_error(res, WIRE_ERR_MALFORMED,
				      "the call context is not a JSON object");
		return;
	}
	if (write) {
		r.output_unneeded = !output_wanted;
		st = svc->apply(svc->state, op->action, input, context,
				f->time_ms, &r);
	} else {
		st = svc->read(svc->state, op->action, input, context,
			       f->time_ms, &r);
		if (st == SERVICE_WAIT) {
			st = SERVICE_ERROR;
			r.error_code = "InternalFailure";
			snprintf(r.error_message, sizeof r.error_message,
				 "a read cannot wait");
		}
	}
	service_result_to_wire(st, svc, &r, res, sc);
	json_decref(input);
	json_decref(context);
}

/* Apply one write op; fills res. */
static void apply_op(struct fsm *f, const struct wire_op *op,
		     bool output_wanted, struct wire_result *res,
		     struct op_scratch *sc)
{
	if (fsm_validate(f, op, res) != 0) {
		return;
	}
	switch (op->type) {
	case WIRE_OP_SERVICE_CALL:
		if (!fsm_op_is_write(f, op)) {
			wire_result_set_error(
			    res, WIRE_ERR_INVALID_PARAM,
			    "read operations cannot be batched with writes");
			break;
		}
		run_service_call(f, op, true, output_wanted, res, sc);
		break;
	case WIRE_OP_KV_PUT:
	case WIRE_OP_KV_DELETE:
		kv_apply(&f->kv, op, res);
		break;
	case WIRE_OP_SET_NODE_ADDR:
		if (node_upsert(f, &op->node) != 0) {
			wire_result_set_error(res, WIRE_ERR_OVER_LIMIT,
					      "state machine out of memory");
		}
		break;
	case WIRE_OP_RESTORE_BEGIN:
	case WIRE_OP_RESTORE_CHUNK:
	case WIRE_OP_RESTORE_COMMIT:
		fsm_restore_apply(f, op, res, sc->message, sizeof sc->message);
		break;
	default:
		wire_result_set_error(
		    res, WIRE_ERR_INVALID_PARAM,
		    "read operations cannot be batched with writes");
	}
}

/* Whether this node proposed batch b and so answers its commands. */
static bool proposed_here(const struct fsm *f, const struct wire_batch *b)
{
	return b->leader_id == f->node_id && f->result_cb != NULL;
}

static void deliver(struct fsm *f, const struct wire_batch *b, size_t index,
		    const uint8_t *response, size_t len)
{
	if (proposed_here(f, b)) {
		f->result_cb(f->result_ctx, b->nonce, index, response, len);
	}
}

static void deliver_error(struct fsm *f, const struct wire_batch *b,
			  size_t index, uint32_t code, const char *message)
{
	uint8_t *buf;
	size_t len;

	if (wire_response_encode_error(code, message, 0, NULL, &buf, &len) ==
	    0) {
		deliver(f, b, index, buf, len);
		free(buf);
	}
}

/* Whether any result of resp carries a stored form (service.h). */
static bool has_stored(const struct wire_response *resp)
{
	for (size_t i = 0; i < resp->n_results; i++) {
		if (resp->results[i].stored_len > 0) {
			return true;
		}
	}
	return false;
}

/* Encode resp, the results of command cmd of batch b, send it if this
 * node proposed it, and record it in cmd's session. What is recorded
 * holds each result's stored form in place of its output (service.h,
 * "Stored outputs"); what is sent, the output. 0, or -1 out of memory. */
static int record_and_deliver(struct fsm *f, const struct wire_batch *b,
			      size_t index, const struct wire_request *cmd,
			      struct wire_response *resp)
{
	bool record = cmd->client_id != 0 && cmd->seq != 0,
	     any_stored = has_stored(resp);
	uint8_t *buf;
	size_t len, i;

	if (any_stored && proposed_here(f, b)) {
		struct wire_result *sent =
		    calloc(resp->n_results, sizeof *sent);
		struct wire_response r = *resp;
		int rv;

		if (sent == NULL) {
			return -1;
		}
		for (i = 0; i < resp->n_results; i++) {
			sent[i] = resp->results[i];
			sent[i].stored_service = NULL;
			sent[i].stored = NULL;
			sent[i].stored_len = 0;
		}
		r.results = sent;
		rv = wire_response_encode(&r, &buf, &len);
		free(sent);
		if (rv != 0) {
			return -1;
		}
		deliver(f, b, index, buf, len);
		free(buf);
	}
	if (!any_stored || record) {
		for (i = 0; i < resp->n_results; i++) {
			if (resp->results[i].stored_len > 0) {
				resp->results[i].output = NULL;
				resp->results[i].output_len = 0;
			}
		}
		if (wire_response_encode(resp, &buf, &len) != 0) {
			return -1;
		}
		if (!any_stored) {
			deliver(f, b, index, buf, len);
		}
		if (record) {
			session_record(&f->sessions, cmd->client_id, cmd->seq,
				       cmd->seq_floor, buf, len, f->time_ms);
		} else {
			free(buf);
		}
	}
	return 0;
}

const uint8_t *fsm_render_stored(const struct fsm *f, const uint8_t *rec,
				 size_t len, uint8_t **owned, size_t *out_len)
{
	struct wire_response resp;
	struct op_scratch *scratch = NULL;
	size_t i;
	int rv;

	*owned = NULL;
	*out_len = len;
	if (wire_response_decode(rec, len, &resp) != 0) {
		return rec; /* not ours to judge: sent as recorded */
	}
	if (!has_stored(&resp)) {
		wire_response_release(&resp);
		return rec;
	}
	scratch = calloc(resp.n_results, sizeof *scratch);
	if (scratch == NULL) {
		wire_response_release(&resp);
		return NULL;
	}
	for (i = 0; i < resp.n_results; i++) {
		struct wire_result *res = &resp.results[i];
		struct service *svc;
		struct service_result r;
		enum service_status st;
		json_t *doc;

		if (res->stored_len == 0) {
			continue;
		}
		svc = fsm_find_service(f, res->stored_service);
		doc = load_object(res->stored, res->stored_len);
		memset(&r, 0, sizeof r);
		if (svc == NULL || svc->render == NULL || doc == NULL) {
			st = SERVICE_ERROR;
			r.error_code = "InternalFailure";
			snprintf(r.error_message, sizeof r.error_message,
				 "a recorded answer cannot be rendered");
		} else {
			st = svc->render(svc->state, doc, f->time_ms, &r);
		}
		json_decref(doc);
		res->stored_service = NULL;
		res->stored = NULL;
		res->stored_len = 0;
		service_result_to_wire(st == SERVICE_WAIT ? SERVICE_ERROR : st,
				       svc, &r, res, &scratch[i]);
	}
	rv = wire_response_encode(&resp, owned, out_len);
	for (i = 0; i < resp.n_results; i++) {
		free(scratch[i].output);
		free(scratch[i].stored);
	}
	free(scratch);
	wire_response_release(&resp);
	return rv == 0 ? *owned : NULL;
}

/* Apply one serialized command of batch b. */
static void apply_command(struct fsm *f, const struct wire_batch *b,
			  size_t index)
{
	struct wire_request cmd;
	struct wire_result results_stack[8], *results = results_stack;
	struct op_scratch scratch_stack[8], *scratch = scratch_stack;
	struct wire_response resp;
	const uint8_t *stored;
	bool proposer = proposed_here(f, b);
	size_t len, i;
	int rv;

	rv = wire_request_decode(b->commands[index].data,
				 b->commands[index].len, &cmd);
	if (rv == WIRE_ERR_INTERNAL) {
		fsm_out_of_memory("decode a command");
	}
	if (rv != 0) {
		deliver_error(f, b, index, WIRE_ERR_MALFORMED,
			      "malformed command");
		return;
	}
	if (cmd.client_id != 0 && cmd.seq != 0) {
		switch (session_check(&f->sessions, cmd.client_id, cmd.seq,
				      &stored, &len)) {
		case SESSION_DUPLICATE:
			if (proposer) {
				uint8_t *owned = NULL;
				const uint8_t *out = fsm_render_stored(
				    f, stored, len, &owned, &len);
				if (out != NULL) {
					deliver(f, b, index, out, len);
				} else {
					deliver_error(f, b, index,
						      WIRE_ERR_OVER_LIMIT,
						      "out of memory");
				}
				free(owned);
			}
			goto out;
		case SESSION_EXPIRED:
			deliver_error(f, b, index, WIRE_ERR_SESSION_EXPIRED,
				      "sequence number too old to deduplicate");
			goto out;
		case SESSION_NEW:
			break;
		}
	}
	if (cmd.n_ops > sizeof results_stack / sizeof *results) {
		results = calloc(cmd.n_ops, sizeof *results);
		scratch = calloc(cmd.n_ops, sizeof *scratch);
		if (results == NULL || scratch == NULL) {
			fsm_out_of_memory("apply a command");
		}
	} else {
		memset(results, 0, sizeof results_stack);
		memset(scratch, 0, sizeof scratch_stack);
	}
	for (i = 0; i < cmd.n_ops; i++) {
		apply_op(f, &cmd.ops[i], proposer, &results[i], &scratch[i]);
	}
	if (cmd.n_ops == 1 && scratch[0].wait) {
		/* A long poll with nothing to return yet: record nothing;
		 * the proposer parks it and proposes it again later. */
		if (b->leader_id == f->node_id && f->wait_cb != NULL) {
			f->wait_cb(f->result_ctx, b->nonce, index,
				   scratch[0].wait_key, scratch[0].wake_at_ms);
		}
		goto out_after_results;
	}
	for (i = 0; i < cmd.n_ops; i++) {
		if (scratch[i].wait) {
			wire_result_set_error(&results[i],
					      WIRE_ERR_INVALID_PARAM,
					      "a long poll must be sent alone");
		}
	}
	f->applied_commands++;
	memset(&resp, 0, sizeof resp);
	resp.results = results;
	resp.n_results = cmd.n_ops;
	if (record_and_deliver(f, b, index, &cmd, &resp) != 0) {
		log_error("apply: cannot encode a response: out of memory");
	}
out_after_results:
	for (i = 0; i < cmd.n_ops; i++) {
		free(scratch[i].output);
		free(scratch[i].stored);
	}
	if (scratch != scratch_stack) {
		free(scratch);
	}
	if (results != results_stack) {
		free(results);
	}
out:
	wire_request_release(&cmd);
}

int fsm_apply_entry(struct fsm *f, const void *buf, size_t len)
{
	struct wire_batch b;
	size_t i;

	f->entry_bytes_avg =
	    f->entry_bytes_avg == 0
		? (double)len
		: f->entry_bytes_avg * 0.99 + (double)len * 0.01;
	int rv = wire_batch_decode(buf, len, &b);

	if (rv == WIRE_ERR_INTERNAL) {
		fsm_out_of_memory("decode an entry");
	}
	if (rv != 0) {
		log_error("apply: skipping a malformed entry of %zu bytes",
			  len);
		return 0;
	}
	if (b.leader_time_ms > f->time_ms) {
		f->time_ms = b.leader_time_ms;
	}
	/* Local bookkeeping for leader_clock, not replicated state: the one
	 * clock read of apply, and it changes nothing that is. */
	if (f->raft != NULL && b.term != 0 && b.term == f->raft->current_term) {
		f->live.valid = true;
		f->live.time_ms = f->time_ms;
		f->live.mono_ms = clock_mono_ms();
	}
	session_expire(&f->sessions, f->time_ms);
	for (i = 0; i < b.n_commands; i++) {
		apply_command(f, &b, i);
	}
	f->applied_batches++;
	wire_batch_release(&b);
	return 0;
}

int fsm_read(const struct fsm *f, const struct wire_request *req,
	     uint8_t **response, size_t *len)
{
	struct wire_result *results =
	    calloc(req->n_ops ? req->n_ops : 1, sizeof *results);
	struct wire_kv_item **items =
	    calloc(req->n_ops ? req->n_ops : 1, sizeof *items);
	struct op_scratch *scratch =
	    calloc(req->n_ops ? req->n_ops : 1, sizeof *scratch);
	struct wire_response resp;
	size_t i;
	int rv = -1;

	if (results == NULL || items == NULL || scratch == NULL) {
		goto out;
	}
	for (i = 0; i < req->n_ops; i++) {
		const struct wire_op *op = &req->ops[i];
		if (op->type == WIRE_OP_KV_GET || op->type == WIRE_OP_KV_LIST) {
			kv_read(&f->kv, op, &results[i], &items[i]);
		} else if (op->type == WIRE_OP_SERVICE_CALL &&
			   fsm_validate(f, op, &results[i]) == 0 &&
			   !fsm_op_is_write(f, op)) {
			run_service_call(f, op, false, true, &results[i],
					 &scratch[i]);
		} else if (results[i].code != WIRE_OK) {
			/* fsm_validate said why */
		} else {
			wire_result_set_error(
			    &results[i], WIRE_ERR_INVALID_PARAM,
			    "write operations cannot be batched with reads");
		}
	}
	memset(&resp, 0, sizeof resp);
	resp.results = results;
	resp.n_results = req->n_ops;
	rv = wire_response_encode(&resp, response, len);
	if (rv == WIRE_ERR_TOO_LARGE) {
		rv = wire_response_encode_error(
		    WIRE_ERR_TOO_LARGE,
		    "the response would exceed 4 MiB: read fewer keys per "
		    "request",
		    0, NULL, response, len);
	}
out:
	if (items != NULL) {
		for (i = 0; i < req->n_ops; i++) {
			free(items[i]);
		}
	}
	if (scratch != NULL) {
		for (i = 0; i < req->n_ops; i++) {
			free(scratch[i].output);
		}
	}
	free(scratch);
	free(items);
	free(results);
	return rv;
}

/* write(2) all of it. 0 or -1. */
static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* In the child: every service's state into fd, as (u64 length, bytes)
 * in service order; the exit status says whether all went well. */
static void __attribute__((noreturn))
child_write_services(const struct fsm *f, int fd, pid_t parent)
{
	size_t i;

	/* Hold nothing of the node's but the output: its listening sockets
	 * must close with it (a restarted node could not bind them), and die
	 * with it. */
	if (fd > 3) {
		close_range(3, (unsigned)fd - 1, 0);
	}
	close_range((unsigned)fd + 1, ~0u, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) {
		_exit(3); /* the node died before the line above */
	}
	alarm(FSM_SNAPSHOT_CHILD_MAX_S); /* never hang forever */
	/* Yield the CPU to the nodes' loops: the child takes ~0.1 s of CPU
	 * per 12 MB of state, and on a 2-core machine each node's snapshot
	 * delayed commits by up to ~10 ms. 10 nicer, a woken loop thread
	 * preempts it sooner; it still gets ~10% of a busy core. Measured
	 * once (BENCHMARKS.md, session 12): the delays' peak ~10 -> ~7.5 ms,
	 * the bursts no shorter — a weak effect. */
	if (nice(FSM_SNAPSHOT_CHILD_NICE) == -1) {
		/* refused: the child keeps the node's priority */
	}
	for (i = 0; i < f->n_services; i++) {
		const struct service *svc = f->services[i];
		uint8_t *data = NULL;
		size_t len = 0;
		uint64_t len64;

		if (svc->snapshot(svc->state, &data, &len) != 0) {
			_exit(1);
		}
		len64 = len;
		if (write_all(fd, &len64, sizeof len64) != 0 ||
		    write_all(fd, data, len) != 0) {
			_exit(2);
		}
		free(data);
	}
	_exit(0);
}

/* Fork a child to serialize the services (see struct fsm_capture). 0, or
 * -1 when no child could be started. */
static int capture_fork(struct fsm *f, struct fsm_capture *c)
{
	int fd;
	pid_t pid, parent;
	size_t i;

	/* fsm_state_bytes leaves out what services keep beside their
	 * messages (SQS FIFO deduplication records): the last snapshot's
	 * size says how large the serialized state really was. */
	if (f->n_services == 0 || FSM_FORK_UNSAFE ||
	    (fsm_state_bytes(f) < f->fork_min_state_bytes &&
	     f->last_snapshot_bytes < f->fork_min_state_bytes)) {
		return -1;
	}
	fd = memfd_create("stratus-snapshot", MFD_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		log_warn("snapshot: fork: %s; serializing in the loop",
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (pid == 0) {
		child_write_services(f, fd, parent);
	}
	c->child = pid;
	c->memfd = fd;
	for (i = 0; i < f->n_services; i++) {
		c->services[i].name = f->services[i]->name;
	}
	c->n_services_forked = f->n_services;
	return 0;
}

/* Worker thread: wait for the child and read what it wrote into the
 * capture's service buffers. 0, or -1. */
static int capture_collect(struct fsm_capture *c)
{
	int status;
	off_t off = 0;
	size_t i;

	if (c->child <= 0) {
		return 0;
	}
	while (waitpid(c->child, &status, 0) < 0) {
		if (errno != EINTR) {
			c->child = 0; /* gone (ECHILD): never signal its pid */
			return -1;
		}
	}
	c->child = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		return -1;
	}
	for (i = 0; i < c->n_services_forked; i++) {
		uint64_t len;
		uint8_t *data;

		if (pread(c->memfd, &len, sizeof len, off) != sizeof len ||
		    len > SIZE_MAX - 1 ||
		    (data = malloc(len ? len : 1)) == NULL) {
			return -1;
		}
		off += (off_t)sizeof len;
		for (size_t got = 0; got < len;) {
			ssize_t r = pread(c->memfd, data + got, len - got, off);
			if (r <= 0) {
				free(data);
				return -1;
			}
			got += (size_t)r;
			off += r;
		}
		c->services[i].data = data;
		c->services[i].len = len;
		c->s.n_services++;
	}
	c->n_services_forked = 0;
	close(c->memfd); /* its pages are copied: free them now */
	c->memfd = -1;
	return 0;
}

static int capture_take(struct fsm *f, struct fsm_capture **out)
{
	struct fsm_capture *c = calloc(1, sizeof *c);
	struct wire_snapshot *s;
	const struct kv_entry *e;
	size_t i = 0;

	if (c == NULL) {
		return -1;
	}
	s = &c->s;
	s->version = FSM_SNAPSHOT_VERSION;
	s->last_time_ms = f->time_ms;
	s->kv = malloc((f->kv.count ? f->kv.count : 1) * sizeof *s->kv);
	s->nodes = malloc((f->n_nodes ? f->n_nodes : 1) * sizeof *s->nodes);
	if (s->kv == NULL || s->nodes == NULL ||
	    session_export(&f->sessions, &s->sessions, &s->n_sessions) != 0) {
		free(s->kv);
		free(s->nodes);
		free(c);
		return -1;
	}
	for (e = f->kv.head->next[0]; e != NULL; e = e->next[0], i++) {
		s->kv[i].key = e->key;
		s->kv[i].value = e->value;
		s->kv[i].value_len = e->value_len;
	}
	s->n_kv = i;
	for (i = 0; i < f->n_nodes; i++) {
		s->nodes[i].id = f->nodes[i].id;
		s->nodes[i].raft_address = f->nodes[i].raft_address;
		s->nodes[i].client_address = f->nodes[i].client_address;
		s->nodes[i].http_address = f->nodes[i].http_address;
	}
	s->n_nodes = f->n_nodes;
	/* The staging only grows by replacement (fsm.h): data[0..len) stays
	 * valid and unchanged while the capture is pinned. */
	s->restore_id = f->restore.id;
	s->restore_total_bytes = f->restore.total_bytes;
	s->restore_force = f->restore.force;
	s->restore_data = f->restore.data;
	s->restore_len = f->restore.len;
	s->services = c->services;
	c->memfd = -1;
	if (capture_fork(f, c) == 0) {
		defer_pin(&f->defer);
		*out = c;
		return 0;
	}
	/* No child: services serialize on the loop thread, into buffers of
	 * their own (a copy, so the worker may read them while the state
	 * moves on). */
	for (i = 0; i < f->n_services; i++) {
		const struct service *svc = f->services[i];
		uint8_t *data = NULL;
		size_t len = 0;
		if (svc->snapshot(svc->state, &data, &len) != 0) {
			log_error("snapshot of service %s failed", svc->name);
			defer_pin(&f->defer); /* balanced by the release */
			capture_release(f, c);
			return -1;
		}
		c->services[i].name = svc->name;
		c->services[i].data = data;
		c->services[i].len = len;
		s->n_services++;
	}
	defer_pin(&f->defer);
	*out = c;
	return 0;
}

static int capture_encode(struct fsm_capture *c, void *(*alloc)(size_t),
			  void **buf, size_t *len)
{
	if (capture_collect(c) != 0) {
		return -1;
	}
	return wire_snapshot_encode(&c->s, alloc, buf, len);
}

static void capture_release(struct fsm *f, struct fsm_capture *c)
{
	size_t i;

	if (c->child > 0) {
		int status;
		kill(c->child, SIGKILL);
		while (waitpid(c->child, &status, 0) < 0 && errno == EINTR) {
		}
	}
	if (c->memfd >= 0) {
		close(c->memfd);
	}

	for (i = 0; i < c->s.n_services; i++) {
		free((void *)c->services[i].data);
	}
	session_export_free(c->s.sessions, c->s.n_sessions);
	free(c->s.kv);
	free(c->s.nodes);
	free(c);
	defer_unpin(&f->defer);
}

int fsm_capture(struct fsm *f, struct fsm_capture **out)
{
	return capture_take(f, out);
}

int fsm_capture_encode(struct fsm_capture *c, void *(*alloc)(size_t),
		       void **buf, size_t *len)
{
	return capture_encode(c, alloc, buf, len);
}

void fsm_capture_release(struct fsm *f, struct fsm_capture *c)
{
	capture_release(f, c);
}

int fsm_snapshot(struct fsm *f, void *(*alloc)(size_t), void **buf, size_t *len)
{
	struct fsm_capture *c;
	int rv;

	if (capture_take(f, &c) != 0) {
		return -1;
	}
	rv = capture_encode(c, alloc, buf, len);
	capture_release(f, c);
	return rv;
}

int fsm_restore(struct fsm *f, const void *buf, size_t len)
{
	struct wire_snapshot s;
	struct kv_store kv;
	size_t i;

	if (wire_snapshot_decode(buf, len, &s) != 0) {
		log_error("restore: malformed snapshot of %zu bytes", len);
		return -1;
	}
	if (s.version != FSM_SNAPSHOT_VERSION) {
		log_error("restore: unsupported snapshot version %u",
			  s.version);
		goto err_after_decode;
	}
	if (kv_init(&kv, &f->defer) != 0) {
		goto err_after_decode;
	}
	for (i = 0; i < s.n_kv; i++) {
		if (kv_put(&kv, s.kv[i].key, s.kv[i].value,
			   s.kv[i].value_len) != 0) {
			kv_free(&kv);
			goto err_after_decode;
		}
	}
	kv_free(&f->kv);
	f->kv = kv;
	if (session_import(&f->sessions, s.sessions, s.n_sessions) != 0) {
		goto err_after_decode;
	}
	nodes_free(f);
	for (i = 0; i < s.n_nodes; i++) {
		if (node_upsert(f, &s.nodes[i]) != 0) {
			goto err_after_decode;
		}
	}
	for (i = 0; i < s.n_services; i++) {
		struct service *svc = fsm_find_service(f, s.services[i].name);
		if (svc == NULL) {
			log_error("restore: snapshot has state of an unknown "
				  "service %s",
				  s.services[i].name);
			goto err_after_decode;
		}
		if (svc->restore(svc->state, s.services[i].data,
				 s.services[i].len) != 0) {
			log_error("restore: service %s refused its state",
				  svc->name);
			goto err_after_decode;
		}
	}
	fsm_restore_staging_drop(f);
	if (s.restore_id != 0) {
		f->restore.data = malloc(s.restore_len ? s.restore_len : 1);
		if (f->restore.data == NULL) {
			goto err_after_decode;
		}
		memcpy(f->restore.data, s.restore_data, s.restore_len);
		f->restore.id = s.restore_id;
		f->restore.total_bytes = s.restore_total_bytes;
		f->restore.force = s.restore_force;
		f->restore.len = f->restore.cap = s.restore_len;
	}
	f->time_ms = s.last_time_ms;
	wire_snapshot_release(&s);
	return 0;

err_after_decode:
	wire_snapshot_release(&s);
	return -1;
}

uint64_t fsm_content_digest(const struct fsm *f)
{
	uint64_t h = u64_mix(f->kv.digest);
	size_t i;

	for (i = 0; i < f->n_services; i++) {
		const struct service *svc = f->services[i];
		h ^= u64_mix(svc->digest(svc->state) +
			     u64_hash_bytes(svc->name, strlen(svc->name), i));
	}
	return h;
}

bool fsm_holds_data(const struct fsm *f)
{
	size_t i;

	if (f->kv.count > 0) {
		return true;
	}
	for (i = 0; i < f->n_services; i++) {
		const struct service *svc = f->services[i];
		if (svc->holds_data != NULL && svc->holds_data(svc->state)) {
			return true;
		}
	}
	return false;
}

uint64_t fsm_digest(const struct fsm *f)
{
	uint64_t h = fsm_content_digest(f) ^ u64_mix(f->sessions.digest + 1);
	size_t i;

	if (f->restore.id != 0) {
		/* Its bytes are the log's; hashing them on every status
		 * would cost too much. */
		h ^= u64_mix(f->restore.id ^ u64_mix(f->restore.len) ^
			     u64_mix(f->restore.total_bytes + 2));
	}

	for (i = 0; i < f->n_nodes; i++) {
		const struct fsm_node *n = &f->nodes[i];
		uint64_t nh = u64_hash_bytes(n->raft_address,
					     strlen(n->raft_address), n->id);
		nh = u64_hash_bytes(n->client_address,
				    strlen(n->client_address), nh);
		nh = u64_hash_bytes(n->http_address, strlen(n->http_address),
				    nh);
		h ^= u64_mix(nh);
	}
	return u64_mix(h ^ f->time_ms);
}
