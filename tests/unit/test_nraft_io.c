/* Integration tests for raft/nraft_io: real libraft 0.15 instances in one
 * process on one libuv loop, each with nraft_io over tcp://127.0.0.1 and its
 * own temporary data directory, and a trivial FSM that counts and sums the
 * applied entries. Properties checked:
 * - replicate: every entry applied on the leader is applied on all three
 *   nodes, exactly once, and the nodes close cleanly (uv_loop_close == 0,
 *   no leaks under ASan).
 * - restart: a node reopened from its data dir reloads its whole log and
 *   the restarted cluster converges again.
 * - partition_snapshot: an isolated follower (nraft_io_set_drop) catches up
 *   through InstallSnapshot after the leader compacted its log, and
 *   nraft_io_peer_reachable() tracks the partition.
 * - snapshot_install_stall: a follower whose loop stalls while it stores
 *   the leader's snapshot does not become candidate meanwhile (raft 0.15
 *   would, and then crash) and catches up.
 * - snapshot_install_close: a follower closed while it stores the leader's
 *   snapshot leaks nothing (raft 0.15 would) and catches up once reopened.
 * - old_term_not_committed_by_counting: a re-elected leader does not commit
 *   an entry of an earlier term by counting its replicas (raft 0.15 would)
 *   until it has stored an entry of its own term.
 * - follower_down: a stopped follower's messages are refused rather than
 *   queued, and once restarted on the same address it reconnects and
 *   catches up.
 * - message_cap: with a 64 KiB message cap AppendEntries are cut to fit and
 *   replication still converges.
 * - send_without_callback: a send request without a callback may be freed
 *   by raft as soon as io->send returns (libraft 0.15 does that to a
 *   leadership transfer's TimeoutNow); nraft_io never touches it again,
 *   whether it failed at once or was queued in a pack (ASan checks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nraft_io.h"

#define N_NODES 3
#define WAIT_MS 30000 /* Generous: ASan and busy CI machines are slow. */

/* The counting state machine of one node. */
struct counter {
	uint64_t count; /* Entries applied. */
	uint64_t sum;	/* Sum of their first 8 bytes (little-endian). */
	bool restored;	/* A snapshot was restored into it. */
};

struct node {
	raft_id id;
	char address[64];
	char dir[64];
	struct raft_io io;
	struct raft raft;
	struct raft_fsm fsm;
	struct counter state;
	bool running; /* raft_init succeeded and raft_close not yet done. */
};

struct cluster {
	uv_loop_t loop;
	struct node nodes[N_NODES];
	struct nraft_options opts;
	unsigned snapshot_threshold; /* 0: raft's default. */
	unsigned applied_ok;	     /* raft_apply callbacks with status 0. */
	unsigned applied_err;
};

/* --- FSM ----------------------------------------------------------------- */

static uint64_t le64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++) {
		v |= (uint64_t)b[i] << (8 * i);
	}
	return v;
}

static void putLe64(void *p, uint64_t v)
{
	uint8_t *b = p;
	for (int i = 0; i < 8; i++) {
		b[i] = (uint8_t)(v >> (8 * i));
	}
}

static int fsmApply(struct raft_fsm *fsm, const struct raft_buffer *buf,
		    void **result)
{
	struct counter *s = fsm->data;
	if (buf->len < 8) {
		return RAFT_MALFORMED;
	}
	s->count++;
	s->sum += le64(buf->base);
	*result = NULL;
	return 0;
}

/* Version-1 FSM: raft frees bufs[0].base and bufs after use. */
static int fsmSnapshot(struct raft_fsm *fsm, struct raft_buffer *bufs[],
		       unsigned *n_bufs)
{
	struct counter *s = fsm->data;
	*bufs = raft_malloc(sizeof **bufs);
	if (*bufs == NULL) {
		return RAFT_NOMEM;
	}
	(*bufs)[0].base = raft_malloc(16);
	if ((*bufs)[0].base == NULL) {
		raft_free(*bufs);
		return RAFT_NOMEM;
	}
	(*bufs)[0].len = 16;
	putLe64((*bufs)[0].base, s->count);
	putLe64((uint8_t *)(*bufs)[0].base + 8, s->sum);
	*n_bufs = 1;
	return 0;
}

/* raft 0.15 hands ownership of buf->base to the FSM on restore. */
static int fsmRestore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
	struct counter *s = fsm->data;
	if (buf->len != 16) {
		return RAFT_MALFORMED;
	}
	s->count = le64(buf->base);
	s->sum = le64((uint8_t *)buf->base + 8);
	s->restored = true;
	raft_free(buf->base);
	return 0;
}

/* --- cluster helpers ---------------------------------------------------- */

static unsigned randomPort(void)
{
	return 20000 + (unsigned)(rand() % 40000);
}

static int removeEntry(const char *path, const struct stat *sb, int flag,
		       struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void clusterSetup(struct cluster *c)
{
	memset(c, 0, sizeof *c);
	assert_int_equal(uv_loop_init(&c->loop), 0);
	nraft_options_init(&c->opts);
	c->opts.peer_timeout_ms = 300;
	/* Test processes running side by side reuse each other's ports. */
	c->opts.cluster_id =
	    ((uint64_t)rand() << 32) ^ (uint64_t)rand() ^ (uint64_t)getpid();
	for (unsigned i = 0; i < N_NODES; i++) {
		struct node *n = &c->nodes[i];
		n->id = i + 1;
		strcpy(n->dir, "/tmp/nraft-test-XXXXXX");
		assert_non_null(mkdtemp(n->dir));
		snprintf(n->address, sizeof n->address, "tcp://127.0.0.1:%u",
			 randomPort());
	}
}

/* Create io and raft for node @i. With @new_port, a busy port is replaced by
 * another random one; otherwise (restart) the configured address is kept. */
static void nodeOpen(struct cluster *c, unsigned i, bool new_port)
{
	struct node *n = &c->nodes[i];
	char errmsg[256];
	int rv;

	for (int attempt = 0;; attempt++) {
		rv = nraft_io_init(&n->io, &c->loop, n->dir, &c->opts, errmsg,
				   sizeof errmsg);
		if (rv != 0) {
			fail_msg("nraft_io_init: %s", errmsg);
		}
		n->fsm.version = 1;
		n->fsm.data = &n->state;
		n->fsm.apply = fsmApply;
		n->fsm.snapshot = fsmSnapshot;
		n->fsm.restore = fsmRestore;
		rv = raft_init(&n->raft, &n->io, &n->fsm, n->id, n->address);
		if (rv == 0) {
			break;
		}
		nraft_io_close(&n->io);
		if (rv != RAFT_DUPLICATEADDRESS || attempt >= 20) {
			fail_msg("raft_init %s: %s", n->address,
				 raft_errmsg(&n->raft));
		}
		if (new_port) {
			snprintf(n->address, sizeof n->address,
				 "tcp://127.0.0.1:%u", randomPort());
		} else {
			usleep(100 * 1000); /* Our own old port: wait for it. */
		}
	}
	n->raft.data = n;
	n->running = true;
	raft_set_election_timeout(&n->raft, 500);
	raft_set_heartbeat_timeout(&n->raft, 50);
	raft_set_pre_vote(&n->raft, true);
	raft_set_install_snapshot_timeout(&n->raft, 2000);
	if (c->snapshot_threshold > 0) {
		raft_set_snapshot_threshold(&n->raft, c->snapshot_threshold);
		raft_set_snapshot_trailing(&n->raft, c->snapshot_threshold / 4);
	}
}

static void clusterBootstrapAndStart(struct cluster *c)
{
	struct raft_configuration conf;

	for (unsigned i = 0; i < N_NODES; i++) {
		nodeOpen(c, i, true);
	}
	raft_configuration_init(&conf);
	for (unsigned i = 0; i < N_NODES; i++) {
		assert_int_equal(raft_configuration_add(&conf, c->nodes[i].id,
							c->nodes[i].address,
							RAFT_VOTER),
				 0);
	}
	for (unsigned i = 0; i < N_NODES; i++) {
		assert_int_equal(raft_bootstrap(&c->nodes[i].raft, &conf), 0);
	}
	raft_configuration_close(&conf);
	for (unsigned i = 0; i < N_NODES; i++) {
		assert_int_equal(raft_start(&c->nodes[i].raft), 0);
	}
}

/* Run the loop until @pred holds or WAIT_MS pass; false on timeout. */
static bool runUntil(struct cluster *c,
		     bool (*pred)(struct cluster *c, void *arg), void *arg)
{
	uint64_t deadline;
	uv_update_time(&c->loop);
	deadline = uv_now(&c->loop) + WAIT_MS;
	while (!pred(c, arg)) {
		if (uv_now(&c->loop) > deadline) {
			return false;
		}
		uv_run(&c->loop, UV_RUN_ONCE);
	}
	return true;
}

static void wakeCb(uv_timer_t *timer)
{
	(void)timer;
}

/* Run the loop for @ms milliseconds of wall time. */
static bool timePassed(struct cluster *c, void *arg)
{
	return uv_now(&c->loop) >= *(uint64_t *)arg;
}

static void runFor(struct cluster *c, unsigned ms)
{
	uint64_t until;
	uv_timer_t wake; /* Guarantees a wakeup at the deadline. */
	uv_update_time(&c->loop);
	until = uv_now(&c->loop) + ms;
	uv_timer_init(&c->loop, &wake);
	uv_timer_start(&wake, wakeCb, ms, 0);
	assert_true(runUntil(c, timePassed, &until));
	uv_close((uv_handle_t *)&wake, NULL);
	uv_run(&c->loop, UV_RUN_NOWAIT);
}

static int leaderIndex(struct cluster *c)
{
	int found = -1;
	raft_term term = 0;
	for (unsigned i = 0; i < N_NODES; i++) {
		struct node *n = &c->nodes[i];
		if (n->running && raft_state(&n->raft) == RAFT_LEADER &&
		    n->raft.current_term >= term) {
			found = (int)i;
			term = n->raft.current_term;
		}
	}
	return found;
}

static bool hasLeader(struct cluster *c, void *arg)
{
	(void)arg;
	return leaderIndex(c) >= 0;
}

static int waitLeader(struct cluster *c)
{
	assert_true(runUntil(c, hasLeader, NULL));
	return leaderIndex(c);
}

static void applyCb(struct raft_apply *req, int status, void *result)
{
	struct cluster *c = req->data;
	(void)result;
	if (status == 0) {
		c->applied_ok++;
	} else {
		c->applied_err++;
	}
	free(req);
}

/* Propose entries numbered first..first+count-1 on the leader, @per_call
 * entries per raft_apply(), each entry @size bytes (>= 8). */
static void applyEntries(struct cluster *c, int leader, uint64_t first,
			 unsigned count, unsigned per_call, size_t size)
{
	struct raft *r = &c->nodes[leader].raft;
	struct raft_buffer bufs[64];
	assert_true(per_call <= 64);

	for (unsigned done = 0; done < count;) {
		unsigned k = count - done < per_call ? count - done : per_call;
		struct raft_apply *req = malloc(sizeof *req);
		assert_non_null(req);
		req->data = c;
		for (unsigned j = 0; j < k; j++) {
			bufs[j].len = size;
			bufs[j].base = raft_malloc(size);
			assert_non_null(bufs[j].base);
			memset(bufs[j].base, 0xab, size);
			putLe64(bufs[j].base, first + done + j);
		}
		assert_int_equal(raft_apply(r, req, bufs, k, applyCb), 0);
		done += k;
	}
}

/* arg: pointer to the expected count. */
static bool allApplied(struct cluster *c, void *arg)
{
	uint64_t want = *(uint64_t *)arg;
	for (unsigned i = 0; i < N_NODES; i++) {
		if (c->nodes[i].state.count < want) {
			return false;
		}
	}
	return true;
}

static void assertConverged(struct cluster *c, uint64_t count)
{
	uint64_t sum =
	    count * (count + 1) / 2; /* Entries are numbered 1..count. */
	assert_true(runUntil(c, allApplied, &count));
	for (unsigned i = 0; i < N_NODES; i++) {
		assert_true(c->nodes[i].state.count == count);
		assert_true(c->nodes[i].state.sum == sum);
	}
}

static void closeCb(struct raft *r)
{
	struct node *n = r->data;
	nraft_io_close(&n->io);
	n->running = false;
}

static bool nodeClosed(struct cluster *c, void *arg)
{
	(void)c;
	return !((struct node *)arg)->running;
}

static bool allClosed(struct cluster *c, void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < N_NODES; i++) {
		if (c->nodes[i].running) {
			return false;
		}
	}
	return true;
}

/* nng 1.5.2 can hang in nng_close() if a message is half received on the
 * socket being closed (a tcp transport race fixed in nng 1.8). Stop all
 * traffic to and from the nodes in @mask and let in-flight messages land
 * before closing them. */
static void quiesce(struct cluster *c, unsigned mask)
{
	for (unsigned i = 0; i < N_NODES; i++) {
		for (unsigned j = 0; j < N_NODES; j++) {
			if (i != j && c->nodes[i].running &&
			    (((mask >> i) & 1) || ((mask >> j) & 1))) {
				assert_int_equal(
				    nraft_io_set_drop(&c->nodes[i].io,
						      c->nodes[j].id, true),
				    0);
			}
		}
	}
	runFor(c, 100);
}

/* Close node @i cleanly (its traffic quiesced first), then let the others
 * send to it again, so that they see it down rather than cut off. */
static void nodeStop(struct cluster *c, unsigned i)
{
	quiesce(c, 1u << i);
	raft_close(&c->nodes[i].raft, closeCb);
	assert_true(runUntil(c, nodeClosed, &c->nodes[i]));
	for (unsigned j = 0; j < N_NODES; j++) {
		if (j != i) {
			assert_int_equal(nraft_io_set_drop(&c->nodes[j].io,
							   c->nodes[i].id,
							   false),
					 0);
		}
	}
}

/* Reopen closed node @i from its data dir on its own address and start it;
 * its state machine starts empty (raft replays the log into it). */
static void nodeReopen(struct cluster *c, unsigned i)
{
	memset(&c->nodes[i].state, 0, sizeof c->nodes[i].state);
	nodeOpen(c, i, false);
	assert_int_equal(raft_start(&c->nodes[i].raft), 0);
}

static void clusterStop(struct cluster *c)
{
	quiesce(c, (1u << N_NODES) - 1);
	for (unsigned i = 0; i < N_NODES; i++) {
		if (c->nodes[i].running) {
			raft_close(&c->nodes[i].raft, closeCb);
		}
	}
	assert_true(runUntil(c, allClosed, NULL));
}

static void clusterTeardown(struct cluster *c)
{
	clusterStop(c);
	/* Every handle we or raft_uv created must be gone. */
	uv_run(&c->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&c->loop), 0);
	for (unsigned i = 0; i < N_NODES; i++) {
		nftw(c->nodes[i].dir, removeEntry, 8, FTW_DEPTH | FTW_PHYS);
	}
}

/* --- tests ---------------------------------------------------------------- */

static void test_replicate(void **state)
{
	struct cluster c;
	struct nraft_io_stats stats;
	int leader;
	(void)state;

	clusterSetup(&c);
	clusterBootstrapAndStart(&c);
	leader = waitLeader(&c);
	/* A new leader probes (one AppendEntries per heartbeat) until a
	 * follower answers; after that it pipelines one AppendEntries per
	 * raft_apply(). */
	applyEntries(&c, leader, 1, 40, 8, 64);
	assertConverged(&c, 40);
	/* Then 24 rounds of 5 raft_apply() calls x 8 entries, one loop
	 * iteration apart: several AppendEntries per follower per pack. */
	for (unsigned round = 1; round < 25; round++) {
		applyEntries(&c, leader, 1 + round * 40, 40, 8, 64);
		uv_run(&c.loop, UV_RUN_NOWAIT);
	}
	assertConverged(&c, 1000);
	assert_int_equal(c.applied_ok,
			 125); /* One callback per raft_apply(). */
	assert_int_equal(c.applied_err, 0);

	/* The leader hears from both followers on every heartbeat. */
	for (unsigned i = 0; i < N_NODES; i++) {
		if ((int)i != leader) {
			assert_true(nraft_io_peer_reachable(&c.nodes[leader].io,
							    c.nodes[i].id));
		}
	}
	/* Packing: fewer nng messages than raft messages. */
	nraft_io_get_stats(&c.nodes[leader].io, &stats);
	assert_true(stats.packs_sent > 0);
	assert_true(stats.packs_sent < stats.messages_sent);
	assert_true(stats.malformed == 0);
	clusterTeardown(&c);
}

static void test_restart(void **state)
{
	struct cluster c;
	raft_index last[N_NODES];
	int leader;
	(void)state;

	clusterSetup(&c);
	c.snapshot_threshold = 64; /* Restart loads a snapshot plus a tail. */
	clusterBootstrapAndStart(&c);
	leader = waitLeader(&c);
	applyEntries(&c, leader, 1, 300, 5, 32);
	assertConverged(&c, 300);
	runFor(&c, 200); /* Let followers persist the last commit round. */
	for (unsigned i = 0; i < N_NODES; i++) {
		last[i] = raft_last_index(&c.nodes[i].raft);
	}
	clusterStop(&c);

	for (unsigned i = 0; i < N_NODES; i++) {
		memset(&c.nodes[i].state, 0, sizeof c.nodes[i].state);
		nodeOpen(&c, i, false);
		assert_int_equal(raft_start(&c.nodes[i].raft), 0);
		/* The log was reloaded from disk. */
		assert_true(raft_last_index(&c.nodes[i].raft) == last[i]);
		assert_true(c.nodes[i].state.restored);
	}
	leader = waitLeader(&c);
	applyEntries(&c, leader, 301, 100, 5, 32);
	assertConverged(&c, 400);
	clusterTeardown(&c);
}

static bool peerUnreachable(struct cluster *c, void *arg)
{
	int *pair = arg; /* leader index, peer index */
	return !nraft_io_peer_reachable(&c->nodes[pair[0]].io,
					c->nodes[pair[1]].id);
}

static bool peerReachable(struct cluster *c, void *arg)
{
	return !peerUnreachable(c, arg);
}

static bool countAtLeast(struct cluster *c, void *arg)
{
	int *want = arg; /* node index, count */
	return c->nodes[want[0]].state.count >= (uint64_t)want[1];
}

static bool leaderSnapshotted(struct cluster *c, void *arg)
{
	struct node *n = arg;
	(void)c;
	return n->raft.log.snapshot.last_index > 0;
}

/* Cut node @isolated off from the others in both directions (or heal). */
static void setIsolated(struct cluster *c, int isolated, bool drop)
{
	for (unsigned i = 0; i < N_NODES; i++) {
		if ((int)i != isolated) {
			assert_int_equal(
			    nraft_io_set_drop(&c->nodes[isolated].io,
					      c->nodes[i].id, drop),
			    0);
		}
	}
}

/* With one follower isolated, the majority commits 500 entries and the
 * leader compacts its log (snapshot_threshold 64): the follower can only
 * catch up through InstallSnapshot. Returns the follower's index. */
static int isolateAndCompact(struct cluster *c, int *leader_out)
{
	int leader = waitLeader(c);
	int isolated = (leader + 1) % N_NODES;
	int pair[2] = {leader, isolated};
	int want[2];

	setIsolated(c, isolated, true);
	assert_true(runUntil(c, peerUnreachable, pair));
	applyEntries(c, leader, 1, 500, 10, 16);
	want[0] = leader;
	want[1] = 500;
	assert_true(runUntil(c, countAtLeast, want));
	want[0] = 3 - leader - isolated;
	assert_true(runUntil(c, countAtLeast, want));
	assert_true(c->nodes[isolated].state.count < 500);
	assert_true(runUntil(c, leaderSnapshotted, &c->nodes[leader]));
	*leader_out = leader;
	return isolated;
}

static void test_partition_snapshot(void **state)
{
	struct cluster c;
	int leader;
	int isolated;
	int pair[2];
	(void)state;

	clusterSetup(&c);
	c.snapshot_threshold = 64;
	clusterBootstrapAndStart(&c);
	isolated = isolateAndCompact(&c, &leader);
	assert_int_equal(leaderIndex(&c),
			 leader); /* Pre-vote: no disruption. */

	/* Heal: the follower catches up from a snapshot. */
	setIsolated(&c, isolated, false);
	assertConverged(&c, 500);
	assert_true(c.nodes[isolated].state.restored);
	pair[0] = leader;
	pair[1] = isolated;
	assert_true(runUntil(&c, peerReachable, pair));
	clusterTeardown(&c);
}

/* Watches one node from a uv_check handle (after each poll phase) and acts
 * once, the first time raft there stores a snapshot it received: stalls
 * the whole loop for longer than any election timeout (as a busy node's
 * loop does), or closes that node's raft. */
enum installAction { INSTALL_STALL, INSTALL_CLOSE };

struct installWatch {
	uv_check_t check;
	struct node *node;
	enum installAction action;
	bool acted;
	unsigned candidate_installs; /* Seen candidate with a put in flight. */
};

static void installWatchCb(uv_check_t *check)
{
	struct installWatch *w = check->data;
	struct raft *r = &w->node->raft;
	if (!w->node->running || r->snapshot.put.data == NULL) {
		return;
	}
	if (raft_state(r) == RAFT_CANDIDATE) {
		w->candidate_installs++;
	}
	if (w->acted || raft_state(r) != RAFT_FOLLOWER ||
	    r->snapshot.put.data == r) { /* raft's own snapshot */
		return;
	}
	w->acted = true;
	if (w->action == INSTALL_STALL) {
		usleep(1200 * 1000); /* > 2 x the 500 ms election timeout. */
	} else {
		raft_close(r, closeCb);
	}
}

static void installWatchStart(struct installWatch *w, struct cluster *c,
			      struct node *node, enum installAction action)
{
	memset(w, 0, sizeof *w);
	w->node = node;
	w->action = action;
	w->check.data = w;
	assert_int_equal(uv_check_init(&c->loop, &w->check), 0);
	assert_int_equal(uv_check_start(&w->check, installWatchCb), 0);
}

/* A cluster whose isolated follower (returned) can only catch up through
 * InstallSnapshot, watched by @w, then healed: the install begins. */
static int startInstall(struct cluster *c, struct installWatch *w,
			enum installAction action)
{
	int leader;
	int isolated;

	clusterSetup(c);
	c->snapshot_threshold = 64;
	clusterBootstrapAndStart(c);
	isolated = isolateAndCompact(c, &leader);
	installWatchStart(w, c, &c->nodes[isolated], action);
	setIsolated(c, isolated, false);
	return isolated;
}

/* raft 0.15 turns a follower whose election timer runs out while it stores
 * a received snapshot into a candidate, then crashes it when the store
 * completes (nraft_io.c electionHeld()). Here the loop stalls while the
 * isolated follower stores the leader's snapshot: the follower must not
 * become candidate meanwhile (without the hold: a SEGV in ioSend, or at
 * least candidate_installs > 0), and still catches up. */
static void test_snapshot_install_stall(void **state)
{
	struct cluster c;
	struct installWatch w;
	struct nraft_io_stats stats;
	int isolated;
	(void)state;

	isolated = startInstall(&c, &w, INSTALL_STALL);
	assertConverged(&c, 500);
	assert_true(w.acted);
	assert_int_equal(w.candidate_installs, 0);
	assert_true(c.nodes[isolated].state.restored);
	nraft_io_get_stats(&c.nodes[isolated].io, &stats);
	assert_true(stats.elections_held > 0);
	uv_close((uv_handle_t *)&w.check, NULL);
	clusterTeardown(&c);
}

/* A follower closed while it stores the leader's snapshot: raft 0.15
 * discards the snapshot and leaked its buffer array (nraft_io.c
 * snapshotPutDone(); LeakSanitizer fails this binary without it). Reopened,
 * the follower catches up. */
static void test_snapshot_install_close(void **state)
{
	struct cluster c;
	struct installWatch w;
	int isolated;
	(void)state;

	isolated = startInstall(&c, &w, INSTALL_CLOSE);
	assert_true(runUntil(&c, nodeClosed, &c.nodes[isolated]));
	assert_true(w.acted);
	uv_close((uv_handle_t *)&w.check, NULL);

	nodeReopen(&c, (unsigned)isolated);
	assertConverged(&c, 500);
	clusterTeardown(&c);
}

static bool otherLeader(struct cluster *c, void *arg)
{
	int old = *(int *)arg;
	int l = leaderIndex(c);
	return l >= 0 && l != old;
}

static bool isLeader(struct cluster *c, void *arg)
{
	return leaderIndex(c) == *(int *)arg;
}

static bool followsInTerm(struct cluster *c, void *arg)
{
	int *pair = arg; /* follower index, leader index */
	struct raft *f = &c->nodes[pair[0]].raft;
	return raft_state(f) == RAFT_FOLLOWER &&
	       f->current_term == c->nodes[pair[1]].raft.current_term;
}

/* raft 0.15 commits entries of earlier terms by counting replicas
 * (nraft_io.c oldTermResult()). Node L, cut off while leading, appends
 * entry X that nobody else gets; the others elect M; L rejoins as a
 * follower, keeping X (M sent no conflicting entry); M closes; L is
 * elected again and replicates X to the third node. X is of an earlier
 * term: L must not commit it by counting (nor apply it) until it has
 * stored an entry of its own term — then both commit. */
static void test_old_term_not_committed_by_counting(void **state)
{
	struct cluster c;
	struct nraft_io_stats stats;
	raft_index x_index;
	int l, m;
	int pair[2];
	(void)state;

	clusterSetup(&c);
	clusterBootstrapAndStart(&c);
	l = waitLeader(&c);
	applyEntries(&c, l, 1, 10, 1, 16);
	assertConverged(&c, 10);

	setIsolated(&c, l, true);
	applyEntries(&c, l, 11, 1, 1, 16); /* X: stored on L alone */
	assert_true(runUntil(&c, otherLeader, &l));
	m = leaderIndex(&c);
	x_index = raft_last_index(&c.nodes[l].raft);
	assert_true(c.nodes[l].raft.last_stored == x_index);

	setIsolated(&c, l, false);
	pair[0] = l;
	pair[1] = m;
	assert_true(runUntil(&c, followsInTerm, pair));
	assert_int_equal(raft_last_index(&c.nodes[l].raft), x_index);

	nodeStop(&c, (unsigned)m);
	assert_true(runUntil(&c, isLeader, &l));
	runFor(&c, 1000); /* Many heartbeats: the third node holds X. */
	assert_true(c.nodes[l].raft.commit_index < x_index);
	assert_int_equal(c.nodes[l].state.count, 10);
	nraft_io_get_stats(&c.nodes[l].io, &stats);
	assert_true(stats.old_term_results_clipped > 0);

	/* An entry of L's term: counting its replicas commits X too. */
	applyEntries(&c, l, 12, 1, 1, 16);
	nodeReopen(&c, (unsigned)m);
	assertConverged(&c, 12);
	clusterTeardown(&c);
}

static void test_follower_down(void **state)
{
	struct cluster c;
	struct nraft_io_stats before;
	struct nraft_io_stats after;
	int leader;
	int down;
	int want[2];
	(void)state;

	clusterSetup(&c);
	clusterBootstrapAndStart(&c);
	leader = waitLeader(&c);
	down = (leader + 2) % N_NODES;
	applyEntries(&c, leader, 1, 100, 10, 64);
	assertConverged(&c, 100);

	/* Stop one follower; the other two keep committing. */
	nodeStop(&c, (unsigned)down);
	nraft_io_get_stats(&c.nodes[leader].io, &before);
	applyEntries(&c, leader, 101, 200, 10, 4096);
	want[0] = leader;
	want[1] = 300;
	assert_true(runUntil(&c, countAtLeast, want));
	runFor(&c, 300);
	nraft_io_get_stats(&c.nodes[leader].io, &after);
	/* Messages to the dead node are refused, not queued forever. */
	assert_true(after.send_failures > before.send_failures);
	assert_false(
	    nraft_io_peer_reachable(&c.nodes[leader].io, c.nodes[down].id));

	/* Bring it back on the same address: it reconnects and catches up. */
	nodeReopen(&c, (unsigned)down);
	assertConverged(&c, 300);
	clusterTeardown(&c);
}

static void test_message_cap(void **state)
{
	struct cluster c;
	struct nraft_io_stats stats;
	int leader;
	(void)state;

	clusterSetup(&c);
	c.opts.max_message_bytes = 64 * 1024;
	clusterBootstrapAndStart(&c);
	leader = waitLeader(&c);
	assert_true(nraft_io_max_entry_bytes(&c.nodes[leader].io) > 60000);
	assert_true(nraft_io_max_entry_bytes(&c.nodes[leader].io) < 64 * 1024);
	/* 5 x 20 KB per raft_apply: every such AppendEntries exceeds the cap.
	 */
	applyEntries(&c, leader, 1, 60, 5, 20000);
	assertConverged(&c, 60);
	nraft_io_get_stats(&c.nodes[leader].io, &stats);
	assert_true(stats.truncated_appends > 0);
	clusterTeardown(&c);
}

/* Send a TimeoutNow from the leader's io to @address (of a server that is
 * not in the cluster) without a callback, and free the request at once, as
 * a leadership-transfer callback does. */
static void sendAndFree(struct cluster *c, int leader, const char *address)
{
	struct node *n = &c->nodes[leader];
	struct raft_io_send *req = malloc(sizeof *req);
	struct raft_message m;
	assert_non_null(req);
	memset(&m, 0, sizeof m);
	m.type = RAFT_IO_TIMEOUT_NOW;
	m.server_id = 99;
	m.server_address = address;
	m.timeout_now.term = n->raft.current_term;
	assert_int_equal(n->io.send(&n->io, req, &m, NULL), 0);
	free(req);
}

static void test_send_without_callback(void **state)
{
	struct cluster c;
	char address[64];
	int leader;
	(void)state;

	clusterSetup(&c);
	clusterBootstrapAndStart(&c);
	leader = waitLeader(&c);
	snprintf(address, sizeof address, "tcp://127.0.0.1:%u", randomPort());
	sendAndFree(&c, leader, "");	  /* Fails at once. */
	sendAndFree(&c, leader, address); /* Queued in a pack. */
	runFor(&c, 200);
	applyEntries(&c, leader, 1, 20, 5, 64);
	assertConverged(&c, 20);
	clusterTeardown(&c);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* see nraft_io.h */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replicate),
	    cmocka_unit_test(test_restart),
	    cmocka_unit_test(test_partition_snapshot),
	    cmocka_unit_test(test_snapshot_install_stall),
	    cmocka_unit_test(test_snapshot_install_close),
	    cmocka_unit_test(test_follower_down),
	    cmocka_unit_test(test_old_term_not_committed_by_counting),
	    cmocka_unit_test(test_message_cap),
	    cmocka_unit_test(test_send_without_callback),
	};
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	if (getenv("NRAFT_TEST_FILTER") != NULL) {
		cmocka_set_test_filter(getenv("NRAFT_TEST_FILTER"));
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
