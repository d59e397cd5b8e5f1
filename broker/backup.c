/* backup — see backup.h. */
#include "backup.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <uv.h>

#include "backup_file.h"
#include "clock.h"
#include "log.h"
#include "node.h"

/* A BACKUP_BEGIN waiting for its barrier. */
struct backup_pending {
	struct raft_barrier req;
	struct node_call *call;
};

static void capture_clear(struct backup_capture *c)
{
	free(c->file);
	memset(c, 0, sizeof *c);
}

void backup_store_free(struct backup_store *s)
{
	for (size_t i = 0; i < BACKUP_MAX_CAPTURES; i++) {
		capture_clear(&s->slots[i]);
	}
}

/* Drop captures nobody has read for BACKUP_IDLE_MS. */
static void expire(struct backup_store *s, uint64_t now)
{
	for (size_t i = 0; i < BACKUP_MAX_CAPTURES; i++) {
		struct backup_capture *c = &s->slots[i];
		if (c->id != 0 && c->last_used_ms + BACKUP_IDLE_MS < now) {
			log_info("backup %016llx: dropped, unread for %u s",
				 (unsigned long long)c->id,
				 BACKUP_IDLE_MS / 1000);
			capture_clear(c);
		}
	}
}

/* A free slot, else the least recently used one, emptied. */
static struct backup_capture *slot_for_new(struct backup_store *s)
{
	struct backup_capture *lru = &s->slots[0];

	for (size_t i = 0; i < BACKUP_MAX_CAPTURES; i++) {
		if (s->slots[i].id == 0) {
			return &s->slots[i];
		}
		if (s->slots[i].last_used_ms < lru->last_used_ms) {
			lru = &s->slots[i];
		}
	}
	log_warn("backup %016llx: dropped unfinished for a new backup",
		 (unsigned long long)lru->id);
	capture_clear(lru);
	return lru;
}

static struct backup_capture *find(struct backup_store *s, uint64_t id)
{
	for (size_t i = 0; id != 0 && i < BACKUP_MAX_CAPTURES; i++) {
		if (s->slots[i].id == id) {
			return &s->slots[i];
		}
	}
	return NULL;
}

static uint64_t new_id(void)
{
	static uint64_t fallback;
	uint64_t id = 0;

	if (getrandom(&id, sizeof id, GRND_NONBLOCK) != sizeof id) {
		id = clock_wall_ms() ^ (++fallback << 40);
	}
	return id != 0 ? id : 1;
}

/* Reply with one result carrying info (and a piece of the file). */
static void reply_info(struct node_call *call,
		       const struct wire_backup_info *info,
		       const uint8_t *piece, size_t piece_len)
{
	struct wire_result result;

	memset(&result, 0, sizeof result);
	result.has_backup = true;
	result.backup = *info;
	result.value = piece;
	result.value_len = piece_len;
	node_call_result(call, &result);
}

/* A capture being serialized on a worker thread. */
struct backup_work {
	uv_work_t req;
	struct node_call *call;
	struct fsm_capture *capture; /* pinned state; released on the loop */
	struct backup_header h;
	uint64_t started_ms;
	uint64_t loop_ms; /* of it on the loop thread (the capture) */
	/* worker output */
	int rv;
	uint8_t *file;
	size_t len;
};

/* Worker thread: reads only the capture. */
static void work_cb(uv_work_t *req)
{
	struct backup_work *w = req->data;
	void *snap;
	size_t snap_len;

	w->rv = fsm_capture_encode(w->capture, malloc, &snap, &snap_len);
	if (w->rv != 0) {
		return;
	}
	w->rv = backup_file_build(&w->h, snap, snap_len, &w->file, &w->len);
	free(snap);
}

/* Loop thread: release the capture, keep the file, answer. */
static void after_work_cb(uv_work_t *req, int status)
{
	struct backup_work *w = req->data;
	struct node_call *call = w->call;
	struct node *n = call->n;
	struct backup_capture *c;
	uint64_t now = clock_wall_ms();

	fsm_capture_release(&n->fsm, w->capture);
	if (status != 0 || w->rv != 0) {
		free(w->file);
		free(w);
		node_call_error(call, WIRE_ERR_INTERNAL,
				"cannot serialize the state: out of memory or "
				"over 1 GiB");
		return;
	}
	expire(&n->backups, now);
	c = slot_for_new(&n->backups);
	c->id = new_id();
	c->file = w->file;
	c->len = w->len;
	c->last_used_ms = now;
	c->info.backup_id = c->id;
	c->info.applied_index = w->h.applied_index;
	c->info.term = w->h.term;
	c->info.total_bytes = c->len;
	c->info.content_digest = w->h.content_digest;
	c->info.node_id = n->cfg->node_id;
	log_info("backup %016llx: captured index %llu (term %llu), %zu bytes "
		 "in %llu ms (%llu ms on the loop)",
		 (unsigned long long)c->id,
		 (unsigned long long)w->h.applied_index,
		 (unsigned long long)w->h.term, c->len,
		 (unsigned long long)(now - w->started_ms),
		 (unsigned long long)w->loop_ms);
	free(w);
	reply_info(call, &c->info, NULL, 0);
}

static void barrier_done(struct raft_barrier *req, int status)
{
	struct backup_pending *p = req->data;
	struct node_call *call = p->call;
	struct node *n = call->n;
	struct backup_work *w;

	free(p);
	if (status != 0 || n->stopping || raft_state(&n->raft) != RAFT_LEADER) {
		node_call_error(call, WIRE_ERR_UNAVAILABLE,
				"leadership changed while the backup started: "
				"retry");
		return;
	}
	uint64_t t0 = clock_wall_ms();
	w = calloc(1, sizeof *w);
	if (w == NULL || fsm_capture(&n->fsm, &w->capture) != 0) {
		free(w);
		node_call_error(call, WIRE_ERR_INTERNAL,
				"cannot capture the state: out of memory");
		return;
	}
	/* Everything committed before the request has applied, and nothing
	 * else runs on the loop until we return: the capture is the state at
	 * this index. */
	w->call = call;
	w->started_ms = t0;
	w->loop_ms = clock_wall_ms() - t0;
	w->h.applied_index = raft_last_applied(&n->raft);
	w->h.term = n->raft.current_term;
	w->h.created_ms = w->started_ms;
	w->h.content_digest = fsm_content_digest(&n->fsm);
	w->req.data = w;
	if (uv_queue_work(n->loop, &w->req, work_cb, after_work_cb) != 0) {
		fsm_capture_release(&n->fsm, w->capture);
		free(w);
		node_call_error(call, WIRE_ERR_INTERNAL,
				"cannot start serializing the state");
	}
}

void backup_begin(struct node_call *call)
{
	struct node *n = call->n;
	struct backup_pending *p = calloc(1, sizeof *p);
	int rv;

	if (p == NULL) {
		node_call_error(call, WIRE_ERR_INTERNAL, "out of memory");
		return;
	}
	p->call = call;
	p->req.data = p;
	rv = raft_barrier(&n->raft, &p->req, barrier_done);
	if (rv != 0) {
		free(p);
		node_call_error(call,
				rv == RAFT_NOTLEADER ? WIRE_ERR_NOT_LEADER
						     : WIRE_ERR_UNAVAILABLE,
				"cannot start a backup now: retry");
	}
}

void backup_read(struct node_call *call)
{
	struct node *n = call->n;
	const struct wire_op *op = &call->req.ops[0];
	struct backup_capture *c;
	size_t max = WIRE_MAX_BACKUP_CHUNK_BYTES, piece;
	uint64_t now = clock_wall_ms();

	expire(&n->backups, now);
	c = find(&n->backups, op->backup_id);
	if (c == NULL) {
		node_call_error(call, WIRE_ERR_NOT_FOUND,
				"this node holds no such backup (it expired, "
				"was read to the end, or the node restarted): "
				"take the backup again");
		return;
	}
	if (op->offset > c->len) {
		node_call_error(call, WIRE_ERR_INVALID_PARAM,
				"offset past the end of the backup");
		return;
	}
	if (op->max_bytes != 0 && op->max_bytes < max) {
		max = op->max_bytes;
	}
	piece = c->len - (size_t)op->offset;
	if (piece > max) {
		piece = max;
	}
	c->last_used_ms = now;
	bool at_end = op->offset == c->len;
	reply_info(call, &c->info, c->file + op->offset, piece); /* frees op */
	if (at_end) {
		log_info("backup %016llx: read to the end, released",
			 (unsigned long long)c->id);
		capture_clear(c);
	}
}
