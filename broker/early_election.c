/* early_election — see early_election.h. */
#include "early_election.h"

#include "log.h"
#include "nraft_io.h"

/* This node's place among the voters other than @lost, by id: 0 = first. */
static unsigned voter_rank(const struct raft *r, raft_id lost)
{
	unsigned rank = 0;

	for (unsigned i = 0; i < r->configuration.n; i++) {
		const struct raft_server *s = &r->configuration.servers[i];
		if (s->role == RAFT_VOTER && s->id != lost && s->id < r->id) {
			rank++;
		}
	}
	return rank;
}

static bool is_voter(const struct raft *r)
{
	for (unsigned i = 0; i < r->configuration.n; i++) {
		if (r->configuration.servers[i].id == r->id) {
			return r->configuration.servers[i].role == RAFT_VOTER;
		}
	}
	return false;
}

static void timer_cb(uv_timer_t *t)
{
	struct early_election *e = t->data;
	nraft_io_tick(e->raft->io);
}

void early_election_init(struct early_election *e, uv_loop_t *loop,
			 struct raft *raft, unsigned stagger_ms)
{
	e->raft = raft;
	e->stagger_ms = stagger_ms > 0 ? stagger_ms : 1;
	e->started = 0;
	uv_timer_init(loop, &e->timer); /* cannot fail */
	e->timer.data = e;
}

void early_election_peer_lost(void *arg, raft_id id)
{
	struct early_election *e = arg;
	struct raft *r = e->raft;
	raft_id leader = 0;
	const char *address = NULL;
	raft_time now, due_in, timeout;

	if (raft_state(r) != RAFT_FOLLOWER) {
		return;
	}
	raft_leader(r, &leader, &address);
	if (leader != id || !is_voter(r)) {
		return;
	}
	due_in = (raft_time)voter_rank(r, id) * e->stagger_ms;
	timeout = r->follower_state.randomized_election_timeout;
	now = r->io->time(r->io);
	r->follower_state.current_leader.id = 0;
	if (due_in < timeout) {
		/* expires when now' - start >= timeout, i.e. at now + due_in */
		raft_time start =
		    now + due_in >= timeout ? now + due_in - timeout : 0;
		if (start < r->election_timer_start) {
			r->election_timer_start = start;
		}
	}
	e->started++;
	log_info("leader %llu's connections closed: election timer expires "
		 "in %llu ms",
		 (unsigned long long)id, (unsigned long long)due_in);
	uv_timer_start(&e->timer, timer_cb, due_in, 0);
}

void early_election_close(struct early_election *e)
{
	uv_timer_stop(&e->timer);
	uv_close((uv_handle_t *)&e->timer, NULL);
}
