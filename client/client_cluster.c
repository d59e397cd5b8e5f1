/* client_cluster — cluster administration calls of libstratus.
 *
 * Membership changes (add, assign, remove, transfer leadership) are
 * ordinary calls routed to the leader. Status is different: CLUSTER_STATUS
 * is answered by whichever node receives it, so st_node_status pins the
 * call to one endpoint (one attempt, short timeout), and st_cluster_status
 * gets the member list once (from the leader when it can) and then asks
 * every member for its own view, in parallel, so that a node the leader
 * cannot see — or that cannot see the leader — shows up as it really is. */
#include "client_int.h"

#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s, bool *oom)
{
	char *d = strdup(s != NULL ? s : "");
	if (d == NULL)
		*oom = true;
	return d;
}

static void node_info_clear(st_node_info *n)
{
	free(n->raft_address);
	free(n->client_address);
	free(n->http_address);
	free(n->role);
	free(n->voter_role);
	memset(n, 0, sizeof *n);
}

void st_cluster_status_free(st_cluster_view *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_nodes; i++)
		node_info_clear(&s->nodes[i]);
	free(s->nodes);
	free(s);
}

/* Owned copy of one wire node status; false when out of memory. */
static bool node_info_from(st_node_info *o, const struct wire_node_status *s)
{
	bool oom = false;

	memset(o, 0, sizeof *o);
	o->id = s->addr.id;
	o->raft_address = dup_str(s->addr.raft_address, &oom);
	o->client_address = dup_str(s->addr.client_address, &oom);
	o->http_address = dup_str(s->addr.http_address, &oom);
	o->role = dup_str(s->role, &oom);
	o->voter_role = dup_str(s->voter_role, &oom);
	o->reachable = s->reachable;
	o->term = s->term;
	o->commit_index = s->commit_index;
	o->applied_index = s->applied_index;
	o->last_index = s->last_index;
	o->leader_id = s->leader_id;
	o->digest = s->digest;
	o->content_digest = s->content_digest;
	o->match_index = s->match_index;
	o->lag = -1;
	if (oom)
		node_info_clear(o);
	return !oom;
}

/* ---- one node ------------------------------------------------------------ */

struct status_wait {
	struct sync_wait w;
	st_cluster_view *status; /* owned on success */
};

static void status_post(void *arg, const st_error *err,
			const struct wire_response *resp)
{
	struct status_wait *sw = arg;
	st_error e;

	if (err != NULL) {
		sync_wait_post(&sw->w, err);
		return;
	}
	const struct wire_result *r = &resp->results[0];
	if (r->code != ST_OK) {
		st_err_from_result(&e, "cluster status", r);
		sync_wait_post(&sw->w, &e);
		return;
	}
	if (r->n_nodes == 0) {
		st_err_set(&e, ST_ERR_MALFORMED, NULL,
			   "cluster status: reply lists no nodes");
		sync_wait_post(&sw->w, &e);
		return;
	}
	st_cluster_view *s = calloc(1, sizeof *s);
	if (s == NULL ||
	    (s->nodes = calloc(r->n_nodes, sizeof *s->nodes)) == NULL) {
		free(s);
		goto oom;
	}
	for (size_t i = 0; i < r->n_nodes; i++) {
		if (!node_info_from(&s->nodes[i], &r->nodes[i])) {
			st_cluster_status_free(s);
			goto oom;
		}
		s->n_nodes++;
	}
	s->leader_id = r->nodes[0].leader_id != 0 ? r->nodes[0].leader_id
						  : resp->leader_id;
	sw->status = s;
	sync_wait_post(&sw->w, NULL);
	return;
oom:
	st_err_set(&e, ST_ERR_INTERNAL, NULL, "cluster status: out of memory");
	sync_wait_post(&sw->w, &e);
}

/* Submit a CLUSTER_STATUS: pinned to endpoint, or routed (NULL). */
static int status_submit(st_client *c, const char *endpoint,
			 struct status_wait *sw, st_error *err)
{
	struct wire_op op = {.type = WIRE_OP_CLUSTER_STATUS};
	struct call_args a = {.what =
				  endpoint ? "node status" : "cluster status",
			      .ops = &op,
			      .n_ops = 1,
			      .kind = CALL_KIND_RAW,
			      .cb.raw = status_post,
			      .arg = sw,
			      .sync = true,
			      .endpoint = endpoint};
	sw->status = NULL;
	sync_wait_init(&sw->w);
	int rc = call_submit(c, &a, err);
	if (rc != 0)
		sem_destroy(&sw->w.done);
	return rc;
}

/* Wait for a submitted status; returns its code. */
static int status_wait_finish(struct status_wait *sw, st_error *err)
{
	int rc = sync_wait_finish(&sw->w, err);
	if (rc != 0) {
		st_cluster_status_free(sw->status);
		sw->status = NULL;
	}
	return rc;
}

int st_node_status(st_client *c, const char *endpoint, st_cluster_view **status,
		   st_error *err)
{
	struct status_wait sw;
	int rc;

	if (c == NULL || endpoint == NULL || *endpoint == '\0' ||
	    status == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "node status: no client, endpoint or output");
	*status = NULL;
	if ((rc = client_sync_guard(err, "node status")) != 0 ||
	    (rc = status_submit(c, endpoint, &sw, err)) != 0 ||
	    (rc = status_wait_finish(&sw, err)) != 0)
		return rc;
	*status = sw.status;
	return 0;
}

/* ---- the whole cluster --------------------------------------------------- */

static int cmp_node_id(const void *a, const void *b)
{
	const st_node_info *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The member list: the routed answer, replaced by the leader's own answer
 * when the routed one came from a follower that knows the leader (only the
 * leader knows match indexes). Returns owned. */
static int cluster_members(st_client *c, st_cluster_view **out, st_error *err)
{
	struct status_wait sw;
	int rc;

	if ((rc = status_submit(c, NULL, &sw, err)) != 0 ||
	    (rc = status_wait_finish(&sw, err)) != 0)
		return rc;
	st_cluster_view *view = sw.status;
	if (view->leader_id == 0) {
		/* The answering node knows no leader (a node that is still
		 * joining, or one cut off): its member list may be just
		 * itself. Ask the other endpoints for a better view. */
		char *urls[64];
		size_t n = client_endpoints(c, urls, 64);
		for (size_t i = 0; i < n; i++) {
			if (view->leader_id == 0 &&
			    status_submit(c, urls[i], &sw, NULL) == 0 &&
			    status_wait_finish(&sw, NULL) == 0) {
				if (sw.status->leader_id != 0) {
					st_cluster_status_free(view);
					view = sw.status;
				} else {
					st_cluster_status_free(sw.status);
				}
			}
			free(urls[i]);
		}
	}
	if (strcmp(view->nodes[0].role, "leader") != 0 &&
	    view->leader_id != 0) {
		for (size_t i = 1; i < view->n_nodes; i++) {
			const st_node_info *m = &view->nodes[i];
			if (m->id != view->leader_id ||
			    *m->client_address == '\0')
				continue;
			if (status_submit(c, m->client_address, &sw, NULL) ==
				0 &&
			    status_wait_finish(&sw, NULL) == 0) {
				if (strcmp(sw.status->nodes[0].role,
					   "leader") == 0) {
					st_cluster_status_free(view);
					view = sw.status;
				} else {
					st_cluster_status_free(sw.status);
				}
			}
			break;
		}
	}
	*out = view;
	return 0;
}

/* Move src's strings into dst (dst's freed). */
static void node_info_move(st_node_info *dst, st_node_info *src)
{
	node_info_clear(dst);
	*dst = *src;
	memset(src, 0, sizeof *src);
}

int st_cluster_status(st_client *c, st_cluster_view **status, st_error *err)
{
	st_cluster_view *view = NULL;
	struct status_wait *q = NULL;
	bool *asked = NULL;
	int rc;

	if (c == NULL || status == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "cluster status: no client or output");
	*status = NULL;
	if ((rc = client_sync_guard(err, "cluster status")) != 0 ||
	    (rc = cluster_members(c, &view, err)) != 0)
		return rc;
	bool view_is_leader = strcmp(view->nodes[0].role, "leader") == 0;

	/* Ask every member directly, all at once. */
	size_t n = view->n_nodes;
	q = calloc(n, sizeof *q);
	asked = calloc(n, sizeof *asked);
	if (q == NULL || asked == NULL) {
		rc = st_err_set(err, ST_ERR_INTERNAL, NULL,
				"cluster status: out of memory");
		goto err_after_view;
	}
	for (size_t i = 0; i < n; i++)
		if (*view->nodes[i].client_address != '\0')
			asked[i] =
			    status_submit(c, view->nodes[i].client_address,
					  &q[i], NULL) == 0;
	for (size_t i = 0; i < n; i++) {
		st_node_info *m = &view->nodes[i];
		uint64_t match = view_is_leader ? m->match_index : 0;
		char *voter_role = m->voter_role;
		bool answered =
		    asked[i] && status_wait_finish(&q[i], NULL) == 0;

		if (answered) {
			/* The node's own view, but the leader's word on its
			 * log (match) and on its voter role when it has none.
			 */
			st_node_info *own = &q[i].status->nodes[0];
			uint64_t id = m->id;
			m->voter_role = NULL;
			node_info_move(m, own);
			if (m->id == 0)
				m->id = id;
			if (*m->voter_role == '\0' ||
			    strcmp(m->voter_role, "none") == 0) {
				free(m->voter_role);
				m->voter_role = voter_role;
			} else {
				free(voter_role);
			}
			m->reachable = true;
			st_cluster_status_free(q[i].status);
		} else {
			char *role = strdup("unreachable");
			if (role == NULL) {
				rc =
				    st_err_set(err, ST_ERR_INTERNAL, NULL,
					       "cluster status: out of memory");
				/* Collect the answers still pending. */
				for (size_t j = i + 1; j < n; j++)
					if (asked[j] && status_wait_finish(
							    &q[j], NULL) == 0)
						st_cluster_status_free(
						    q[j].status);
				goto err_after_view;
			}
			free(m->role);
			m->role = role;
			m->reachable = false;
			m->term = m->commit_index = m->applied_index = 0;
			m->last_index = m->leader_id = m->digest = 0;
		}
		m->match_index = match;
	}

	/* The leader: a node that says it leads (highest term wins), else
	 * the member list's answer. */
	const st_node_info *leader = NULL;
	for (size_t i = 0; i < n; i++) {
		const st_node_info *m = &view->nodes[i];
		if (m->reachable && strcmp(m->role, "leader") == 0 &&
		    (leader == NULL || m->term > leader->term))
			leader = m;
	}
	if (leader != NULL)
		view->leader_id = leader->id;
	for (size_t i = 0; i < n && leader != NULL; i++) {
		st_node_info *m = &view->nodes[i];
		uint64_t at = m->reachable ? m->applied_index : m->match_index;
		if (!m->reachable && m->match_index == 0)
			continue; /* unknown */
		m->lag = leader->last_index > at
			     ? (int64_t)(leader->last_index - at)
			     : 0;
	}
	qsort(view->nodes, n, sizeof *view->nodes, cmp_node_id);
	free(q);
	free(asked);
	*status = view;
	return 0;

err_after_view:
	free(q);
	free(asked);
	st_cluster_status_free(view);
	return rc;
}

/* ---- membership ---------------------------------------------------------- */

static void done_post(void *arg, const st_error *err)
{
	sync_wait_post(arg, err);
}

static int admin_call(st_client *c, const char *what, const struct wire_op *op,
		      st_error *err)
{
	struct sync_wait w;
	int rc;

	if (c == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: no client", what);
	if ((rc = client_sync_guard(err, what)) != 0)
		return rc;
	struct call_args a = {.what = what,
			      .ops = op,
			      .n_ops = 1,
			      .kind = CALL_KIND_DONE,
			      .cb.done = done_post,
			      .arg = &w,
			      .sync = true};
	sync_wait_init(&w);
	if ((rc = call_submit(c, &a, err)) != 0) {
		sem_destroy(&w.done);
		return rc;
	}
	return sync_wait_finish(&w, err);
}

int st_cluster_add_node(st_client *c, uint64_t id, const char *raft_address,
			const char *client_address, const char *http_address,
			bool voter, st_error *err)
{
	if (id == 0)
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "add node: id must be positive");
	if (raft_address == NULL || *raft_address == '\0' ||
	    client_address == NULL || *client_address == '\0')
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "add node %llu: raft and client addresses "
				  "are required",
				  (unsigned long long)id);
	struct wire_op op = {
	    .type = WIRE_OP_ADD_NODE,
	    .node = {.id = id,
		     .raft_address = raft_address,
		     .client_address = client_address,
		     .http_address = http_address ? http_address : ""},
	    .voter = voter};
	return admin_call(c, "add node", &op, err);
}

int st_cluster_assign_node(st_client *c, uint64_t id, enum st_voter_role role,
			   st_error *err)
{
	if (id == 0 || (role != ST_ROLE_STANDBY && role != ST_ROLE_VOTER &&
			role != ST_ROLE_SPARE))
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "assign node: bad id or role");
	struct wire_op op = {
	    .type = WIRE_OP_ASSIGN_NODE, .node_id = id, .role = role};
	return admin_call(c, "assign node", &op, err);
}

int st_cluster_remove_node(st_client *c, uint64_t id, st_error *err)
{
	if (id == 0)
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "remove node: id must be positive");
	struct wire_op op = {.type = WIRE_OP_REMOVE_NODE, .node_id = id};
	return admin_call(c, "remove node", &op, err);
}

int st_cluster_transfer_leader(st_client *c, uint64_t id, st_error *err)
{
	struct wire_op op = {.type = WIRE_OP_TRANSFER_LEADER, .node_id = id};
	return admin_call(c, "transfer leader", &op, err);
}
