/* commit — see commit.h. */
#include "commit.h"

#include <uv.h>
#include "clock.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "log.h"

#define COMMIT_LZ4_THRESHOLD 4096
/* Entries in flight the ahead lane may use beyond max_inflight. */
#define COMMIT_AHEAD_SLOTS 4
/* Ahead entries in a row after which a waiting normal one goes first. */
#define COMMIT_AHEAD_BURST 4

int commit_init(struct commit *c, struct raft *raft, struct fsm *fsm,
		uint64_t node_id, const struct config *cfg)
{
	memset(c, 0, sizeof *c);
	c->raft = raft;
	c->fsm = fsm;
	c->node_id = node_id;
	c->max_batch_commands = cfg->max_batch_commands;
	c->max_batch_bytes = cfg->max_batch_bytes;
	c->lz4_threshold = COMMIT_LZ4_THRESHOLD;
	c->max_inflight = 8;
	u64map_init(&c->proposed);
	/* Nonces only need to differ from this node's earlier incarnations. */
	if (getrandom(&c->next_nonce, sizeof c->next_nonce, 0) !=
	    sizeof c->next_nonce) {
		c->next_nonce = clock_wall_ms() << 20;
	}
	c->next_nonce |= 1;
	return 0;
}

uint64_t commit_leader_time(struct commit *c)
{
	uint64_t wall = clock_wall_ms(), mono = clock_mono_ms();
	uint64_t term = c->raft->current_term;

	if (c->clock.term != term) {
		leader_clock_start(&c->clock, term, &c->fsm->live,
				   c->fsm->time_ms, wall, mono);
	}
	return leader_clock_read(&c->clock, c->fsm->time_ms, wall, mono);
}

static void item_done(struct commit_item *it, uint32_t code,
		      const char *message, const uint8_t *response, size_t len)
{
	commit_done_cb cb = it->cb;

	if (cb != NULL) {
		it->cb = NULL;
		cb(it->arg, code, message, response, len);
	}
}

static void batch_free(struct commit_batch *b)
{
	free(b->writes);
	free(b->reads);
	free(b);
}

static void batch_fail(struct commit_batch *b, uint32_t write_code,
		       uint32_t read_code, const char *message)
{
	size_t i;

	for (i = 0; i < b->n_writes; i++) {
		item_done(&b->writes[i], write_code, message, NULL, 0);
	}
	for (i = 0; i < b->n_reads; i++) {
		item_done(&b->reads[i], read_code, message, NULL, 0);
	}
}

void commit_fail_queued(struct commit *c, uint32_t code, const char *message)
{
	struct commit_batch *b;
	size_t i;

	for (i = 0; i < 2; i++) {
		while ((b = c->lanes[i].head) != NULL) {
			c->lanes[i].head = b->next;
			batch_fail(b, code, code, message);
			batch_free(b);
		}
		c->lanes[i].tail = NULL;
	}
}

void commit_close(struct commit *c)
{
	commit_fail_queued(c, WIRE_ERR_UNAVAILABLE, "node shutting down");
	u64map_free(&c->proposed);
}

/* The lane's open batch that can take one more item of len bytes. */
static struct commit_batch *open_batch(struct commit *c,
				       enum commit_lane_id lane, size_t len)
{
	struct commit_lane *l = &c->lanes[lane];
	struct commit_batch *b = l->tail;

	if (b == NULL || b->n_writes + b->n_reads >= c->max_batch_commands ||
	    (b->n_writes > 0 && b->bytes + len > c->max_batch_bytes)) {
		b = calloc(1, sizeof *b);
		if (b == NULL) {
			return NULL;
		}
		b->c = c;
		if (l->tail) {
			l->tail->next = b;
		} else {
			l->head = b;
		}
		l->tail = b;
	}
	return b;
}

static struct commit_item *push_item(struct commit_item **arr, size_t *n,
				     size_t *cap)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct commit_item *a = realloc(*arr, ncap * sizeof *a);
		if (a == NULL) {
			return NULL;
		}
		*arr = a;
		*cap = ncap;
	}
	return &(*arr)[(*n)++];
}

int commit_submit_write(struct commit *c, const uint8_t *body, size_t len,
			commit_done_cb cb, void *arg)
{
	return commit_submit_call(c, COMMIT_NORMAL, body, len, cb, NULL, arg);
}

int commit_submit_call(struct commit *c, enum commit_lane_id lane,
		       const uint8_t *body, size_t len, commit_done_cb cb,
		       commit_wait_cb wait, void *arg)
{
	struct commit_batch *b = open_batch(c, lane, len);
	struct commit_item *it;

	if (b == NULL || (it = push_item(&b->writes, &b->n_writes,
					 &b->cap_writes)) == NULL) {
		return -1;
	}
	it->cb = cb;
	it->wait = wait;
	it->arg = arg;
	it->body = body;
	it->len = len;
	it->read = NULL;
	b->bytes += len;
	return 0;
}

int commit_submit_read(struct commit *c, const struct wire_request *req,
		       commit_done_cb cb, void *arg)
{
	struct commit_batch *b = open_batch(c, COMMIT_AHEAD, 0);
	struct commit_item *it;

	if (b == NULL ||
	    (it = push_item(&b->reads, &b->n_reads, &b->cap_reads)) == NULL) {
		return -1;
	}
	it->cb = cb;
	it->wait = NULL;
	it->arg = arg;
	it->body = NULL;
	it->len = 0;
	it->read = req;
	return 0;
}

void commit_on_result(void *ctx, uint64_t nonce, size_t index,
		      const uint8_t *response, size_t len)
{
	struct commit *c = ctx;
	struct commit_batch *b = u64map_get(&c->proposed, nonce);

	if (b == NULL || index >= b->n_writes) {
		return; /* proposed by an earlier incarnation of this node */
	}
	item_done(&b->writes[index], WIRE_OK, NULL, response, len);
}

void commit_on_wait(void *ctx, uint64_t nonce, size_t index,
		    const char *wait_key, uint64_t wake_at_ms)
{
	struct commit *c = ctx;
	struct commit_batch *b = u64map_get(&c->proposed, nonce);
	struct commit_item *it;

	if (b == NULL || index >= b->n_writes || b->writes[index].cb == NULL) {
		return;
	}
	it = &b->writes[index];
	if (it->wait == NULL) {
		item_done(it, WIRE_ERR_INTERNAL, "this call cannot wait", NULL,
			  0);
		return;
	}
	it->cb = NULL;
	it->wait(it->arg, wait_key, wake_at_ms);
}

static void answer_reads(struct commit *c, struct commit_batch *b)
{
	uint8_t *resp;
	size_t i, len;

	for (i = 0; i < b->n_reads; i++) {
		if (fsm_read(c->fsm, b->reads[i].read, &resp, &len) != 0) {
			item_done(&b->reads[i], WIRE_ERR_INTERNAL,
				  "out of memory", NULL, 0);
			continue;
		}
		item_done(&b->reads[i], WIRE_OK, NULL, resp, len);
		free(resp);
	}
}

static void apply_cb(struct raft_apply *req, int status, void *result)
{
	struct commit_batch *b = req->data;
	struct commit *c = b->c;

	u64map_del(&c->proposed, b->nonce);
	c->inflight--;
	if (status == 0) {
		c->stats.latency_ms_sum +=
		    (uv_hrtime() - b->proposed_ns) / 1000000;
		metrics_histogram_observe(
		    &c->stats.latency,
		    (double)(uv_hrtime() - b->proposed_ns) / 1e9);
		answer_reads(c, b);
		/* Every write was answered during apply; anything left means
		 * the entry did not decode (cannot happen for our own). */
		batch_fail(b, WIRE_ERR_INTERNAL, WIRE_ERR_INTERNAL,
			   "command produced no result");
	} else {
		/* Leadership lost or shutting down: the entry may still
		 * commit under the next leader, so writes must be retried
		 * with the same seq (deduplicated), reads elsewhere. */
		c->stats.failed_batches++;
		batch_fail(b, WIRE_ERR_UNAVAILABLE, WIRE_ERR_NOT_LEADER,
			   raft_strerror(status));
	}
	batch_free(b);
	/* No commit_flush here: proposing from inside raft's callback is
	 * unsafe while raft steps down (it fails these requests from its
	 * step-down path, and raft_apply then crashed libraft 0.15). The
	 * node flushes every loop turn, before the loop waits again. */
}

static int propose(struct commit *c, struct commit_batch *b)
{
	struct wire_batch wb;
	struct wire_bytes *cmds = NULL;
	struct raft_buffer buf;
	void *data;
	size_t i, len;
	int rv;

	memset(&wb, 0, sizeof wb);
	if (b->n_writes > 0) {
		cmds = malloc(b->n_writes * sizeof *cmds);
		if (cmds == NULL) {
			return RAFT_NOMEM;
		}
		for (i = 0; i < b->n_writes; i++) {
			cmds[i].data = b->writes[i].body;
			cmds[i].len = b->writes[i].len;
		}
	}
	b->nonce = c->next_nonce++;
	b->proposed_at_ms = commit_leader_time(c);
	b->proposed_ns = uv_hrtime();
	wb.leader_time_ms = b->proposed_at_ms;
	wb.term = c->raft->current_term;
	wb.leader_id = c->node_id;
	wb.nonce = b->nonce;
	wb.commands = cmds;
	wb.n_commands = b->n_writes;
	rv = wire_batch_encode(&wb, c->lz4_threshold, raft_malloc, &data, &len);
	free(cmds);
	if (rv != 0) {
		return RAFT_NOMEM;
	}
	buf.base = data;
	buf.len = len;
	b->req.data = b;
	if (u64map_put(&c->proposed, b->nonce, b) != 0) {
		raft_free(data);
		return RAFT_NOMEM;
	}
	rv = raft_apply(c->raft, &b->req, &buf, 1, apply_cb);
	if (rv != 0) {
		u64map_del(&c->proposed, b->nonce);
		raft_free(data);
		return rv;
	}
	c->inflight++;
	c->stats.batches++;
	c->stats.commands += b->n_writes;
	return 0;
}

void commit_flush(struct commit *c)
{
	struct commit_batch *b;
	int rv;

	struct commit_lane *l;

	if ((c->lanes[0].head != NULL || c->lanes[1].head != NULL) &&
	    raft_state(c->raft) != RAFT_LEADER) {
		commit_fail_queued(c, WIRE_ERR_NOT_LEADER, "not the leader");
		return;
	}
	for (;;) {
		/* The ahead lane may also use COMMIT_AHEAD_SLOTS entries of
		 * its own: a consumer does not wait for a slot behind entries
		 * full of sends. But after COMMIT_AHEAD_BURST ahead entries
		 * in a row a waiting normal one goes first, so a stream of
		 * receives cannot starve writes (membership changes, sends). */
		bool normal_due = c->lanes[COMMIT_NORMAL].head != NULL &&
				  c->ahead_run >= COMMIT_AHEAD_BURST &&
				  c->inflight < c->max_inflight;
		if (c->lanes[COMMIT_AHEAD].head != NULL && !normal_due &&
		    c->inflight < c->max_inflight + COMMIT_AHEAD_SLOTS) {
			l = &c->lanes[COMMIT_AHEAD];
			c->ahead_run++;
		} else if (c->inflight < c->max_inflight) {
			l = &c->lanes[COMMIT_NORMAL];
			c->ahead_run = 0;
		} else {
			break;
		}
		if ((b = l->head) == NULL) {
			break;
		}
		l->head = b->next;
		if (l->head == NULL) {
			l->tail = NULL;
		}
		b->next = NULL;
		rv = propose(c, b);
		if (rv != 0) {
			log_warn("propose a batch of %zu: %s", b->n_writes,
				 raft_strerror(rv));
			batch_fail(b,
				   rv == RAFT_NOTLEADER ? WIRE_ERR_NOT_LEADER
							: WIRE_ERR_UNAVAILABLE,
				   WIRE_ERR_NOT_LEADER, raft_strerror(rv));
			batch_free(b);
		}
	}
}

size_t commit_pending(const struct commit *c)
{
	const struct commit_batch *b;
	size_t i, n = 0;

	for (i = 0; i < 2; i++) {
		for (b = c->lanes[i].head; b != NULL; b = b->next) {
			n += b->n_writes + b->n_reads;
		}
	}
	return n + c->proposed.len;
}
