/* node_pages — a node's operations pages, served by the HTTP layer and
 * filled here on the loop thread (http_local_fn):
 *   /healthz  200 while the loop runs (the answer itself is the proof);
 *   /readyz   200 when this node knows a leader and has applied everything
 *             it knows to be committed (a leader: once its term's barrier
 *             applied), else 503 with the reason;
 *   /metrics  Prometheus text: raft, group commit, snapshots, the
 *             services' own families, the HTTP layer's requests. */
#include "node.h"

#include <string.h>

#include "cluster.h"
#include "nraft_io.h"

static bool node_ready(struct node *n, const char **why)
{
	raft_id leader = 0;
	const char *address = NULL;
	int state = raft_state(&n->raft);

	if (n->disk_failed) {
		*why = n->disk_errmsg;
		return false;
	}
	if (n->stopping) {
		*why = "stopping";
		return false;
	}
	raft_leader(&n->raft, &leader, &address);
	if (leader == 0) {
		*why = "no known leader";
		return false;
	}
	if (state == RAFT_LEADER) {
		*why = "leader has not yet applied its term's first entry";
		return n->leader_ready;
	}
	if (state != RAFT_FOLLOWER) {
		*why = "not a voter or follower";
		return false;
	}
	*why = "still applying committed entries";
	return raft_last_applied(&n->raft) >= n->raft.commit_index;
}

static void gauge(struct strbuf *b, const char *name, const char *help,
		  double v)
{
	metrics_family(b, name, "gauge", help);
	metrics_sample(b, name, v, NULL);
}

static void counter(struct strbuf *b, const char *name, const char *help,
		    double v)
{
	metrics_family(b, name, "counter", help);
	metrics_sample(b, name, v, NULL);
}

static void write_metrics(struct node *n, struct strbuf *b)
{
	static const int states[] = {RAFT_UNAVAILABLE, RAFT_FOLLOWER,
				     RAFT_CANDIDATE, RAFT_LEADER};
	int state = raft_state(&n->raft);
	raft_id leader = 0;
	const char *address = NULL;
	const char *why;
	struct nraft_io_stats io_stats;
	size_t i;

	raft_leader(&n->raft, &leader, &address);
	metrics_family(b, "stratus_raft_role", "gauge",
		       "1 for this node's current raft role.");
	for (i = 0; i < sizeof states / sizeof *states; i++) {
		metrics_sample(b, "stratus_raft_role",
			       states[i] == state ? 1 : 0, "role",
			       cluster_state_name(states[i]), NULL);
	}
	gauge(b, "stratus_node_id", "This node's id.", (double)n->cfg->node_id);
	gauge(b, "stratus_raft_leader_id",
	      "The leader this node knows (0: none).", (double)leader);
	gauge(b, "stratus_raft_term", "Current raft term.",
	      (double)n->raft.current_term);
	gauge(b, "stratus_raft_commit_index",
	      "Highest log index known committed.",
	      (double)n->raft.commit_index);
	gauge(b, "stratus_raft_applied_index", "Highest log index applied.",
	      (double)raft_last_applied(&n->raft));
	gauge(b, "stratus_raft_last_index", "Highest log index stored.",
	      (double)raft_last_index(&n->raft));
	gauge(b, "stratus_ready", "1 when /readyz answers 200.",
	      node_ready(n, &why) ? 1 : 0);
	gauge(b, "stratus_disk_failed",
	      "1 after a raft log write failed (disk full): the node has left "
	      "raft and restarts once its data dir has room.",
	      n->disk_failed ? 1 : 0);
	gauge(b, "stratus_raft_append_latency_seconds",
	      "Smoothed time this node's raft log writes take.",
	      nraft_io_append_latency_ms(&n->io, NULL) / 1000.0);
	counter(b, "stratus_slow_disk_transfers_total",
		"Times this node handed leadership over because its log "
		"writes were slower than slow_disk_ms.",
		(double)n->slow_disk_transfers);
	counter(b, "stratus_raft_leader_changes_total",
		"Times this node became or stopped being the leader.",
		(double)n->leader_changes);
	counter(b, "stratus_raft_early_elections_total",
		"Times this follower saw its leader's connections close and "
		"let its election timer expire early.",
		(double)n->early_election.started);
	counter(b, "stratus_longpoll_parked_total",
		"Long polls parked on this leader (again after each retry "
		"that found nothing).",
		(double)n->longpoll.parked);
	counter(b, "stratus_longpoll_woken_total",
		"Parked long polls retried because something arrived.",
		(double)n->longpoll.woken);
	counter(b, "stratus_longpoll_timed_out_total",
		"Parked long polls retried at their deadline or when a "
		"message's delay or visibility timeout ended.",
		(double)n->longpoll.timed_out);
	counter(b, "stratus_longpoll_fused_total",
		"Parked long polls proposed right behind the send that "
		"serves them, in the same entry.",
		(double)n->longpoll.fused);
	counter(b, "stratus_duplicates_answered_total",
		"Retried writes answered at once with their recorded response "
		"(already applied).",
		(double)n->duplicates_answered);
	counter(b, "stratus_settled_requests_total",
		"Requests that arrived while there was no leader (or the new "
		"one was not ready) and waited for it.",
		(double)n->settle_parked);
	counter(b, "stratus_fsm_applied_batches_total",
		"Raft entries applied by the state machine.",
		(double)n->fsm.applied_batches);
	counter(b, "stratus_fsm_applied_commands_total",
		"Commands applied by the state machine.",
		(double)n->fsm.applied_commands);
	counter(b, "stratus_snapshots_taken_total", "Snapshots this node took.",
		(double)n->fsm.snapshots_taken);
	counter(b, "stratus_snapshots_restored_total",
		"Snapshots this node installed (from disk or the leader).",
		(double)n->fsm.snapshots_restored);
	nraft_io_get_stats(&n->io, &io_stats);
	counter(b, "stratus_raft_elections_held_total",
		"Election timeouts (and leadership transfers to this node) "
		"held back while it stored a snapshot.",
		(double)io_stats.elections_held);
	gauge(b, "stratus_snapshot_bytes", "Size of the last snapshot.",
	      (double)n->fsm.last_snapshot_bytes);
	gauge(b, "stratus_state_bytes",
	      "Approximate memory held by the replicated data (kv, queues, "
	      "messages).",
	      (double)fsm_state_bytes(&n->fsm));
	gauge(b, "stratus_state_budget_bytes",
	      "Memory budget of the replicated state (--max-state-bytes): the "
	      "leader refuses growing writes beyond it.",
	      (double)n->state_budget_bytes);
	gauge(b, "stratus_session_bytes",
	      "Responses kept for exactly-once retries (not in the budget: "
	      "bounded by the session window and expiry).",
	      (double)n->fsm.sessions.bytes);
	counter(b, "stratus_state_budget_refusals_total",
		"Writes this node refused as leader because the state was at "
		"its memory budget.",
		(double)n->budget_refusals);
	counter(b, "stratus_commit_batches_total",
		"Raft entries this node proposed as leader.",
		(double)n->commit.stats.batches);
	counter(b, "stratus_commit_commands_total",
		"Writes this node proposed as leader.",
		(double)n->commit.stats.commands);
	counter(b, "stratus_commit_failed_batches_total",
		"Proposed entries that failed (leadership lost).",
		(double)n->commit.stats.failed_batches);
	metrics_histogram_write(
	    b, "stratus_commit_latency_seconds",
	    "Time from proposing a batch to applying it (leader).",
	    &n->commit.stats.latency);
	for (i = 0; i < n->fsm.n_services; i++) {
		const struct service *svc = n->fsm.services[i];
		if (svc->metrics != NULL) {
			svc->metrics(svc->state, b);
		}
	}
	if (n->http != NULL) {
		http_write_metrics(n->http, b);
	}
}

void node_http_page(void *ctx, struct http_local *job)
{
	struct node *n = ctx;
	const char *why = "";

	switch (job->page) {
	case HTTP_PAGE_HEALTHZ:
		job->status = 200;
		strbuf_printf(&job->body, "ok\n");
		break;
	case HTTP_PAGE_READYZ:
		if (node_ready(n, &why)) {
			job->status = 200;
			strbuf_printf(&job->body, "ready\n");
		} else {
			job->status = 503;
			strbuf_printf(&job->body, "not ready: %s\n", why);
		}
		break;
	case HTTP_PAGE_METRICS:
		job->status = 200;
		write_metrics(n, &job->body);
		break;
	}
}
