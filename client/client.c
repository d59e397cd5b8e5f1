/* client — libstratus's request engine: endpoints, calls, leader discovery
 * and retries.
 *
 * It owns one link (link.h: a connection, made by the client's own I/O
 * thread for tcp://, by nng for tls+tcp://) per known endpoint (a node's
 * client address) and the "calls" in flight. A call is one encoded Request
 * with a fixed (client_id, seq); every attempt sends those same bytes as
 * one exchange on the chosen endpoint's link, so many calls share one
 * connection, and the leader's (client_id, seq) dedup makes retrying a write
 * safe. A call is a small state machine:
 *
 *   SENT --reply--> (done | redirect | retry)
 *     |
 *     +--timeout/error--> BACKOFF --slept--> SENT (next endpoint)
 *   DONE: a zero sleep that completes the call off the submitting thread.
 *
 * Threads: exchange callbacks run on the link's thread (the I/O thread or
 * nng's), sleeps' on nng's. Every operation is started while holding
 * client->mu and after checking client->closing, so st_client_free can
 * cancel all of them under the same lock and know that no new one starts.
 * Callbacks never run inside call_submit. client->mu protects the
 * endpoint table, the active and free lists and the counters; endpoints
 * are only added, never removed, until the client is freed.
 *
 * Long polls: a call the server may hold (hold_ms > 0: SQS ReceiveMessage
 * with a wait) keeps its (client_id, seq) and ops on every attempt too,
 * but a retry is not the same bytes: it carries waited_ms, the time since
 * the call was made on our monotonic clock (proto: Request.waited_ms),
 * appended to the first attempt's unsigned bytes and signed again
 * (call_message_locked). A retry after a failover reaches a new leader
 * that knows nothing of the old one's wait; with waited_ms it waits only
 * for what is left (a caller asking for 20 s gets its answer within about
 * 20 s, as from AWS, not 20 s plus the failover plus 20 s), and the seq
 * still finds a response the old leader recorded. Other calls are never
 * re-encoded. Only a first attempt may go in a pack (below): the pack
 * carries req as it is.
 *
 * Packing: with PACK_AFTER messages already in flight to an endpoint, a
 * new attempt there does not send its own message; it waits in the
 * endpoint's outbox, and the next message to finish there sends the
 * whole outbox as one pack (a Request whose `packed` holds the calls'
 * Requests, unchanged; broker/pack.h). Each call keeps its seq, signature
 * and retries; only the transport is shared: one message, one wake-up
 * of the node's loop for up to PACK_MAX_CALLS calls. A lone caller never
 * waits (nothing is in flight), and a busy one waits at most for one
 * round trip it would have queued behind anyway. Long polls are packed
 * too (under load they answer at once); one the server would park is
 * answered WouldWait and sent again on its own, and a long poll's own
 * message (hold_ms > 0) never counts as in flight, so it cannot hold an
 * outbox back. */
#include "client_int.h"
#include "link.h"
#include "wire_auth.h"

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static_assert((int)ST_OK == (int)WIRE_OK, "st/wire codes");
static_assert((int)ST_ERR_NOT_LEADER == (int)WIRE_ERR_NOT_LEADER,
	      "st/wire codes");
static_assert((int)ST_ERR_MALFORMED == (int)WIRE_ERR_MALFORMED,
	      "st/wire codes");
static_assert((int)ST_ERR_UNKNOWN_OP == (int)WIRE_ERR_UNKNOWN_OP,
	      "st/wire codes");
static_assert((int)ST_ERR_TOO_LARGE == (int)WIRE_ERR_TOO_LARGE,
	      "st/wire codes");
static_assert((int)ST_ERR_NOT_FOUND == (int)WIRE_ERR_NOT_FOUND,
	      "st/wire codes");
static_assert((int)ST_ERR_UNAVAILABLE == (int)WIRE_ERR_UNAVAILABLE,
	      "st/wire codes");
static_assert((int)ST_ERR_INTERNAL == (int)WIRE_ERR_INTERNAL, "st/wire codes");
static_assert((int)ST_ERR_OVER_LIMIT == (int)WIRE_ERR_OVER_LIMIT,
	      "st/wire codes");
static_assert((int)ST_ERR_INVALID_PARAM == (int)WIRE_ERR_INVALID_PARAM,
	      "st/wire codes");
static_assert((int)ST_ERR_MISSING_PARAM == (int)WIRE_ERR_MISSING_PARAM,
	      "st/wire codes");
static_assert((int)ST_ERR_TIMEOUT == (int)WIRE_ERR_TIMEOUT, "st/wire codes");
static_assert((int)ST_ERR_CONNECTION == (int)WIRE_ERR_CONNECTION,
	      "st/wire codes");
static_assert((int)ST_ERR_SERVICE == (int)WIRE_ERR_SERVICE, "st/wire codes");
static_assert((int)ST_ERR_ACCESS_DENIED == (int)WIRE_ERR_ACCESS_DENIED,
	      "st/wire codes");
static_assert((int)ST_ERR_SESSION_EXPIRED == (int)WIRE_ERR_SESSION_EXPIRED,
	      "st/wire codes");
static_assert((int)ST_MAX_KEY_BYTES == (int)WIRE_MAX_KEY_BYTES,
	      "st/wire limits");
static_assert((int)ST_MAX_VALUE_BYTES == (int)WIRE_MAX_VALUE_BYTES,
	      "st/wire limits");
static_assert((int)ST_MAX_OPS_PER_REQUEST == (int)WIRE_MAX_OPS_PER_REQUEST,
	      "st/wire limits");
static_assert((int)ST_MAX_REQUEST_BYTES == (int)WIRE_MAX_REQUEST_BYTES,
	      "st/wire limits");

#define MAX_ENDPOINTS 64
static_assert(MAX_ENDPOINTS <= 64, "call.alone_at is a 64-bit mask");
#define MAX_URL_BYTES 512
/* Hops without backoff when a follower names the leader: the hint can be
 * stale during an election, so do not bounce between two nodes forever. */
#define MAX_FREE_REDIRECTS 2

struct endpoint {
	char *url;
	/* Its transport (link.h). An endpoint that was connected and lost
	 * its connection (link_lost) is most likely a dead node, so an
	 * attempt there waits only DEAD_CONNECT_MS for a connection instead of
	 * connect_timeout_ms (a follower's stale leader hint right after the
	 * leader died sends us there). */
	struct link *link;
	atomic_bool no_packs; /* the node answered a pack as unknown */
	/* Packing (see the top), under client->mu: messages sent here and
	 * not yet finished (long polls excluded), and the calls waiting to
	 * go in the next pack. */
	unsigned msgs_inflight;
	struct call *outbox_head, *outbox_tail;
	size_t outbox_n, outbox_bytes;
};

/* Packing thresholds (see the top). */
#define PACK_AFTER	   2
#define PACK_MAX_CALLS	   128
#define PACK_MAX_BYTES	   (256u * 1024)
#define PACK_MAX_CALL_SIZE (64u * 1024)

/* Connect wait at an endpoint that lost its connection (see above). */
#define DEAD_CONNECT_MS 100

enum call_state {
	CALL_IDLE,    /* in the free pool */
	CALL_SENT,    /* its exchange is pending (link.h) */
	CALL_BACKOFF, /* nng_sleep_aio armed, then the next attempt */
	CALL_DONE,    /* zero sleep armed, then complete with call->err */
	CALL_QUEUED,  /* in its endpoint's outbox (no I/O armed) */
	CALL_PACKED   /* in a pack in flight (the pack's aio is armed) */
};

/* A pack in flight: one message carrying several calls. */
struct pack {
	st_client *c;
	struct pack *next; /* every pack of the client (c->packs) */
	struct link_xchg x;
	bool busy; /* in flight (else free for the next pack) */
	size_t ep;
	unsigned timeout_ms; /* the longest of its calls' */
	int64_t deadline_ms; /* the earliest of its calls' */
	struct call **calls;
	size_t n_calls;
};

/* The most sequence numbers unfinished calls may span (st_client). At
 * most half the leader's session window, so even a retry of the oldest
 * is remembered. */
#define SEQ_SPAN 2048

struct call {
	st_client *c;
	uint64_t seq;	  /* its Request.seq */
	bool seq_tracked; /* counted in the client's seq span */
	struct call *held_prev, *held_next; /* c->held, when not tracked */
	struct call *prev, *next; /* active list; next also links the pool */
	struct link_xchg x;	  /* its own message's exchange */
	/* Backoff and deferred completion: an nng sleep, allocated once per
	 * pooled call. */
	nng_aio *timer;
	enum call_state state;
	const char *what; /* what_buf */
	char what_buf[CALL_WHAT_BYTES];
	/* The encoded (and signed) Request, owned; the bytes of every
	 * attempt, except retries of a held call (see the top). */
	uint8_t *req;
	size_t req_len;
	/* Held calls: the length of req before its signature, and the
	 * signing secret (owned, wiped when freed; NULL: unsigned), to sign
	 * a retry's bytes again. */
	size_t req_base_len;
	char *secret;
	size_t n_ops;
	size_t ep; /* index in c->eps of the current attempt */
	bool pinned;
	unsigned timeout_ms;	  /* per attempt, send to reply */
	struct call *outbox_next; /* CALL_QUEUED: its endpoint's outbox */
	bool counted; /* its own message counts in the endpoint's in flight */
	bool alone;   /* never packed (answered WouldWait in a pack) */
	/* Endpoints (bit i: eps[i]; MAX_ENDPOINTS is 64) where a pack holding
	 * the call lost its connection, maybe refused as too large: the call
	 * is not packed for them again. */
	uint64_t alone_at;
	unsigned hold_ms;
	unsigned connect_ms; /* per attempt, waiting for a connection */
	int64_t start_ms, deadline_ms;
	unsigned attempts;  /* attempts started */
	unsigned backoffs;  /* backoff steps taken (the exponent) */
	unsigned free_hops; /* redirects/hops since the last backoff */
	int last_class;	    /* ST_ERR_TIMEOUT or ST_ERR_CONNECTION */
	char detail[400];   /* the last failure, without the "what: " */
	st_error err;	    /* last failure, or the final error in DONE */
	enum call_kind kind;
	union call_cb cb;
	void *arg;
};

struct st_client {
	st_options opt;		/* defaults applied */
	nng_tls_config *tls;	/* for tls+tcp:// endpoints, or NULL */
	struct link_loop *loop; /* the tcp:// links' I/O thread */
	uint64_t client_id;
	/* Sequence numbers (under mu). The leader remembers the answers of
	 * a client's last 4096 seqs (broker/session.h, SESSION_WINDOW) and
	 * answers an older one SessionExpired: a call retried after a
	 * failover while thousands of newer ones went through would fail.
	 * So the seqs of unfinished calls span at most SEQ_SPAN: a new call
	 * waits (like for a slot) while the oldest unfinished one is
	 * SEQ_SPAN behind. Long polls (hold_ms) are not counted: one may
	 * wait 20 s while the client sends on, and a parked long poll has
	 * no record to lose anyway until it is answered. seq_done marks
	 * finished (or uncounted) seqs in [seq_floor, next_seq), indexed
	 * seq % SEQ_SPAN.
	 * Every request tells the leader the lowest seq still awaiting its
	 * answer, long polls included (Request.seq_floor), so it can drop
	 * the answers below (broker/session.h, "The floor"): the smaller of
	 * seq_floor and the first of held, the unfinished long polls in seq
	 * order. A long poll's seq is marked finished only once it is in
	 * held, so no request in between can claim a floor above it. */
	uint64_t next_seq;
	uint64_t seq_floor; /* the oldest unfinished seq (next_seq: none) */
	uint8_t seq_done[SEQ_SPAN];
	struct call *held, *held_last;
	atomic_size_t preferred; /* endpoint index to start new calls at */
	pthread_mutex_t mu;
	pthread_cond_t slot_cv; /* n_inflight dropped, or closing */
	pthread_cond_t idle_cv; /* n_active reached 0 */
	struct endpoint *eps[MAX_ENDPOINTS];
	size_t n_eps;
	bool closing;
	unsigned n_inflight; /* slots held: submitted, callback not yet run */
	unsigned n_active;   /* calls alive, callback included */
	struct call *active;
	struct call *pool;
	struct pack *packs; /* all packs (those not busy are free) */
};

static __thread bool tls_in_callback;

/* ---- small helpers ------------------------------------------------------- */

static unsigned min_u(int64_t a, int64_t b)
{
	int64_t m = a < b ? a : b;
	return m < 0 ? 0 : (unsigned)m;
}

/* Wipe and free a copy of a secret (NULL is a no-op). */
static void secret_free(char *secret)
{
	if (secret == NULL)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

/* The names travel on the wire: one table, in proto/wire.c. */
size_t client_endpoints(st_client *c, char **urls, size_t max)
{
	size_t i, n = 0;

	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->n_eps && n < max; i++) {
		if ((urls[n] = strdup(c->eps[i]->url)) != NULL)
			n++;
	}
	pthread_mutex_unlock(&c->mu);
	return n;
}

const char *st_code_name(int code)
{
	return code < 0 ? "UnknownError" : wire_code_name((uint32_t)code);
}

int st_err_set(st_error *err, int code, const char *name, const char *fmt, ...)
{
	if (err == NULL)
		return code;
	err->code = code;
	snprintf(err->name, sizeof err->name, "%s",
		 name != NULL && *name != '\0' ? name : st_code_name(code));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return code;
}

void st_err_from_result(st_error *err, const char *what,
			const struct wire_result *r)
{
	st_err_set(err, (int)r->code, r->error_name, "%s: %s", what,
		   *r->error_message != '\0' ? r->error_message
					     : st_code_name((int)r->code));
}

bool client_in_callback(void)
{
	return tls_in_callback;
}

int client_sync_guard(st_error *err, const char *what)
{
	if (!tls_in_callback)
		return 0;
	return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
			  "%s: synchronous call from a libstratus callback "
			  "(it would block a library thread)",
			  what);
}

int check_key(const char *key, st_error *err, const char *what)
{
	if (key == NULL || *key == '\0')
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: key is empty", what);
	if (strlen(key) > ST_MAX_KEY_BYTES)
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "%s: key is %zu bytes (max %d)", what,
				  strlen(key), ST_MAX_KEY_BYTES);
	return 0;
}

void sync_wait_init(struct sync_wait *w)
{
	sem_init(&w->done, 0, 0);
	w->rc = 0;
	memset(&w->err, 0, sizeof w->err);
}

void sync_wait_post(struct sync_wait *w, const st_error *err)
{
	if (err != NULL) {
		w->err = *err;
		w->rc = err->code;
	}
	sem_post(&w->done);
}

int sync_wait_finish(struct sync_wait *w, st_error *err)
{
	while (sem_wait(&w->done) != 0 && errno == EINTR)
		;
	sem_destroy(&w->done);
	if (w->rc != 0 && err != NULL)
		*err = w->err;
	return w->rc;
}

void st_free(void *p)
{
	free(p);
}

/* ---- endpoints ----------------------------------------------------------- */

static void endpoint_free(struct endpoint *ep)
{
	if (ep == NULL)
		return;
	link_free(ep->link);
	free(ep->url);
	free(ep);
}

/* An endpoint that was connected and has lost its connection: most
 * likely a dead node. */
static bool endpoint_lost(struct endpoint *ep)
{
	return link_lost(ep->link);
}

/* An endpoint for url; its link dials from the first attempt on it (a
 * node that is down is not an error). Returns owned, or NULL with err:
 * ST_ERR_INVALID_PARAM (an address no transport takes), ST_ERR_INTERNAL. */
static struct endpoint *endpoint_open(st_client *c, const char *url,
				      st_error *err)
{
	struct endpoint *ep = calloc(1, sizeof *ep);
	const char *why = "out of memory";
	bool bad_address = false;

	if (ep == NULL || (ep->url = strdup(url)) == NULL) {
		free(ep);
		st_err_set(err, ST_ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	if ((ep->link = link_new(c->loop, url, c->tls, c->opt.max_reply_bytes,
				 &why, &bad_address)) == NULL) {
		st_err_set(err,
			   bad_address ? ST_ERR_INVALID_PARAM : ST_ERR_INTERNAL,
			   NULL, "endpoint '%s': %s", url, why);
		endpoint_free(ep);
		return NULL;
	}
	return ep;
}

/* The index of url in the table, adding it if new. Caller holds c->mu.
 * -1 with err: ST_ERR_OVER_LIMIT (table full), or endpoint_open's. */
static int endpoint_find_or_add_locked(st_client *c, const char *url,
				       st_error *err)
{
	for (size_t i = 0; i < c->n_eps; i++)
		if (strcmp(c->eps[i]->url, url) == 0)
			return (int)i;
	if (c->n_eps == MAX_ENDPOINTS) {
		st_err_set(err, ST_ERR_OVER_LIMIT, NULL,
			   "endpoint '%s': already %d endpoints", url,
			   MAX_ENDPOINTS);
		return -1;
	}
	struct endpoint *ep = endpoint_open(c, url, err);
	if (ep == NULL)
		return -1;
	c->eps[c->n_eps] = ep;
	return (int)c->n_eps++;
}

/* ---- calls --------------------------------------------------------------- */

static void call_xchg_done(void *arg, struct link_xchg *x,
			   enum link_result result, const char *why,
			   const uint8_t *reply, size_t len);
static void call_timer_cb(void *arg);

static const char *call_url(const struct call *call)
{
	/* eps[i] never changes once set; call->ep was read under the lock. */
	return call->c->eps[call->ep]->url;
}

/* Turn a successful reply into the kind's callback: per-op errors become
 * the callback's error. */
static void call_deliver_reply(struct call *call,
			       const struct wire_response *resp)
{
	const struct wire_result *r = &resp->results[0];
	st_error rerr;

	switch (call->kind) {
	case CALL_KIND_DONE:
		for (size_t i = 0; i < resp->n_results; i++) {
			r = &resp->results[i];
			if (r->code == ST_OK)
				continue;
			char what[64];
			snprintf(what, sizeof what, "%s: item %zu of %zu",
				 call->what, i + 1, resp->n_results);
			st_err_from_result(
			    &rerr, resp->n_results == 1 ? call->what : what, r);
			call->cb.done(call->arg, &rerr);
			return;
		}
		call->cb.done(call->arg, NULL);
		return;
	case CALL_KIND_GET:
		if (r->code == ST_OK && r->found)
			call->cb.get(call->arg, NULL, r->value, r->value_len,
				     true);
		else if (r->code == ST_OK || r->code == ST_ERR_NOT_FOUND)
			call->cb.get(call->arg, NULL, NULL, 0, false);
		else {
			st_err_from_result(&rerr, call->what, r);
			call->cb.get(call->arg, &rerr, NULL, 0, false);
		}
		return;
	case CALL_KIND_LIST: {
		st_kv_item *items = NULL;
		if (r->code != ST_OK) {
			st_err_from_result(&rerr, call->what, r);
			call->cb.list(call->arg, &rerr, NULL, 0, NULL);
			return;
		}
		if (r->n_items > 0 &&
		    (items = calloc(r->n_items, sizeof *items)) == NULL) {
			st_err_set(&rerr, ST_ERR_INTERNAL, NULL,
				   "%s: out of memory", call->what);
			call->cb.list(call->arg, &rerr, NULL, 0, NULL);
			return;
		}
		for (size_t i = 0; i < r->n_items; i++) {
			items[i].key = r->items[i].key;
			items[i].value = r->items[i].value;
			items[i].value_len = r->items[i].value_len;
		}
		call->cb.list(call->arg, NULL, items, r->n_items,
			      *r->next_token != '\0' ? r->next_token : NULL);
		free(items);
		return;
	}
	case CALL_KIND_RAW:
		call->cb.raw(call->arg, NULL, resp);
		return;
	}
}

/* seq's call is done: advance the floor past every finished seq; wake
 * the calls waiting for it to move (slot_cv). Under mu. */
static void seq_finish_locked(st_client *c, uint64_t seq)
{
	bool moved = false;

	c->seq_done[seq % SEQ_SPAN] = 1;
	while (c->seq_floor < c->next_seq &&
	       c->seq_done[c->seq_floor % SEQ_SPAN]) {
		c->seq_done[c->seq_floor % SEQ_SPAN] = 0;
		c->seq_floor++;
		moved = true;
	}
	if (moved) {
		pthread_cond_broadcast(&c->slot_cv);
	}
}

/* Put a long poll's call in c->held, in seq order (it is nearly always the
 * newest), then stop counting its seq in the span. Under mu. */
static void held_add_locked(st_client *c, struct call *call)
{
	struct call *after = c->held_last;

	while (after != NULL && after->seq > call->seq) {
		after = after->held_prev;
	}
	call->held_prev = after;
	call->held_next = after != NULL ? after->held_next : c->held;
	if (call->held_next != NULL) {
		call->held_next->held_prev = call;
	} else {
		c->held_last = call;
	}
	if (after != NULL) {
		after->held_next = call;
	} else {
		c->held = call;
	}
	seq_finish_locked(c, call->seq);
}

static void held_remove_locked(st_client *c, struct call *call)
{
	if (call->held_prev != NULL) {
		call->held_prev->held_next = call->held_next;
	} else {
		c->held = call->held_next;
	}
	if (call->held_next != NULL) {
		call->held_next->held_prev = call->held_prev;
	} else {
		c->held_last = call->held_prev;
	}
	call->held_prev = call->held_next = NULL;
}

/* The lowest seq still awaiting its answer. Under mu. */
static uint64_t answer_floor_locked(const st_client *c)
{
	if (c->held != NULL && c->held->seq < c->seq_floor) {
		return c->held->seq;
	}
	return c->seq_floor;
}

/* Hand the result (err, or the decoded reply) to the callback, then
 * recycle the call. Not under mu. */
static void call_finish(struct call *call, const st_error *err,
			const struct wire_response *resp)
{
	st_client *c = call->c;

	pthread_mutex_lock(&c->mu);
	c->n_inflight--;
	if (call->seq_tracked) {
		seq_finish_locked(c, call->seq);
	} else {
		held_remove_locked(c, call);
	}
	pthread_cond_signal(&c->slot_cv);
	pthread_mutex_unlock(&c->mu);

	tls_in_callback = true;
	if (err == NULL) {
		call_deliver_reply(call, resp);
	} else {
		switch (call->kind) {
		case CALL_KIND_DONE:
			call->cb.done(call->arg, err);
			break;
		case CALL_KIND_GET:
			call->cb.get(call->arg, err, NULL, 0, false);
			break;
		case CALL_KIND_LIST:
			call->cb.list(call->arg, err, NULL, 0, NULL);
			break;
		case CALL_KIND_RAW:
			call->cb.raw(call->arg, err, NULL);
			break;
		}
	}
	tls_in_callback = false;

	free(call->req);
	call->req = NULL;
	secret_free(call->secret);
	call->secret = NULL;
	call->state = CALL_IDLE;
	pthread_mutex_lock(&c->mu);
	if (call->prev != NULL)
		call->prev->next = call->next;
	else
		c->active = call->next;
	if (call->next != NULL)
		call->next->prev = call->prev;
	call->prev = NULL;
	call->next = c->pool;
	c->pool = call;
	if (--c->n_active == 0)
		pthread_cond_broadcast(&c->idle_cv);
	pthread_mutex_unlock(&c->mu);
	/* The call may be reused by another thread from here on. */
}

/* Complete the call with call->err from an nng thread, never inside the
 * caller (which may be call_submit). Caller holds c->mu. */
static void call_defer_locked(struct call *call)
{
	call->state = CALL_DONE;
	nng_sleep_aio(0, call->timer);
}

/* The retry budget is spent: fail with the class of the last failure. */
static void call_give_up_locked(struct call *call)
{
	int code = call->last_class != 0 ? call->last_class : ST_ERR_TIMEOUT;

	st_err_set(&call->err, code, NULL,
		   "%s: gave up after %lld ms and %u attempts; last error: %s",
		   call->what, (long long)(link_now_ms() - call->start_ms),
		   call->attempts, call->detail);
	call_defer_locked(call);
}

/* ---- packing (see the top) ------------------------------------------------
 */

static void call_send_locked(struct call *call);
static void pack_xchg_done(void *arg, struct link_xchg *x,
			   enum link_result result, const char *why,
			   const uint8_t *reply, size_t len);

static bool call_packable(const struct call *call)
{
	/* A held call's retries go alone: their bytes are made per attempt
	 * (call_message_locked), a pack would carry the first attempt's,
	 * whose wait the server would start over (answered WouldWait, then
	 * sent alone anyway). */
	return !call->alone && !(call->alone_at >> call->ep & 1) &&
	       !call->pinned && !(call->hold_ms > 0 && call->attempts > 1) &&
	       call->req_len <= PACK_MAX_CALL_SIZE &&
	       !atomic_load(&call->c->eps[call->ep]->no_packs);
}

/* A pack to fill: an idle one, or a new one; NULL when out of memory.
 * Caller holds c->mu. */
static struct pack *pack_get_locked(st_client *c)
{
	struct pack *p;

	for (p = c->packs; p != NULL; p = p->next)
		if (!p->busy)
			return p;
	if ((p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	if ((p->calls = calloc(PACK_MAX_CALLS, sizeof *p->calls)) == NULL) {
		free(p);
		return NULL;
	}
	p->c = c;
	p->x.cb = pack_xchg_done;
	p->x.arg = p;
	p->next = c->packs;
	c->packs = p;
	return p;
}

static struct call *outbox_pop_locked(struct endpoint *ep)
{
	struct call *call = ep->outbox_head;

	ep->outbox_head = call->outbox_next;
	if (ep->outbox_head == NULL)
		ep->outbox_tail = NULL;
	ep->outbox_n--;
	ep->outbox_bytes -= call->req_len;
	call->outbox_next = NULL;
	return call;
}

/* Send up to PACK_MAX_CALLS / PACK_MAX_BYTES of endpoint i's outbox as one
 * pack. Caller holds c->mu; the outbox is not empty. */
static void pack_send_locked(st_client *c, size_t i)
{
	struct endpoint *ep = c->eps[i];
	struct wire_bytes reqs[PACK_MAX_CALLS];
	struct wire_request req = {0};
	struct pack *p = pack_get_locked(c);
	unsigned connect_ms = c->opt.connect_timeout_ms;
	int64_t now = link_now_ms(), left = 0;
	uint8_t *buf = NULL;
	size_t len = 0, bytes = 0, k;

	if (p == NULL) {
		/* Out of memory: still make progress, one call at a time. */
		call_send_locked(outbox_pop_locked(ep));
		return;
	}
	p->n_calls = 0;
	p->timeout_ms = 0;
	p->deadline_ms = INT64_MAX;
	while (ep->outbox_n > 0 && p->n_calls < PACK_MAX_CALLS &&
	       (p->n_calls == 0 ||
		bytes + ep->outbox_head->req_len <= PACK_MAX_BYTES)) {
		struct call *call = outbox_pop_locked(ep);
		int64_t call_left = call->deadline_ms - now;

		if (call_left <= 0) {
			call_give_up_locked(call);
			continue;
		}
		reqs[p->n_calls].data = call->req;
		reqs[p->n_calls].len = call->req_len;
		p->calls[p->n_calls++] = call;
		bytes += call->req_len;
		call->state = CALL_PACKED;
		if (call->timeout_ms > p->timeout_ms)
			p->timeout_ms = call->timeout_ms;
		if (call->deadline_ms < p->deadline_ms)
			p->deadline_ms = call->deadline_ms;
	}
	if (p->n_calls == 0)
		return;
	req.packed = reqs;
	req.n_packed = p->n_calls;
	if (endpoint_lost(ep) && connect_ms > DEAD_CONNECT_MS)
		connect_ms = DEAD_CONNECT_MS;
	/* No call waits past its deadline (the earliest in the pack). */
	left = p->deadline_ms - now;
	p->ep = i;
	p->busy = true;
	ep->msgs_inflight++;
	if (wire_request_encode(&req, &buf, &len) != 0 ||
	    link_xchg_start(ep->link, &p->x, buf, len, min_u(connect_ms, left),
			    p->timeout_ms, p->deadline_ms) != 0) {
		/* Out of memory. */
		free(buf);
		ep->msgs_inflight--;
		p->busy = false;
		for (k = 0; k < p->n_calls; k++) {
			st_err_set(&p->calls[k]->err, ST_ERR_INTERNAL, NULL,
				   "%s: cannot send a pack", p->calls[k]->what);
			call_defer_locked(p->calls[k]);
		}
		p->n_calls = 0;
		return;
	}
	free(buf);
}

/* Send endpoint i's outbox: packs, or a lone call on its own. Caller
 * holds c->mu. */
static void outbox_flush_locked(st_client *c, size_t i)
{
	struct endpoint *ep = c->eps[i];

	while (ep->outbox_n > 0) {
		if (c->closing) {
			struct call *call = outbox_pop_locked(ep);
			st_err_set(&call->err, ST_ERR_CONNECTION, NULL,
				   "%s: client is closing", call->what);
			call_defer_locked(call);
		} else if (ep->outbox_n == 1) {
			call_send_locked(outbox_pop_locked(ep));
		} else {
			pack_send_locked(c, i);
		}
	}
}

/* Queue call for the next pack to its endpoint. Caller holds c->mu. */
static void outbox_push_locked(st_client *c, struct call *call)
{
	struct endpoint *ep = c->eps[call->ep];

	call->state = CALL_QUEUED;
	call->outbox_next = NULL;
	if (ep->outbox_tail != NULL)
		ep->outbox_tail->outbox_next = call;
	else
		ep->outbox_head = call;
	ep->outbox_tail = call;
	ep->outbox_n++;
	ep->outbox_bytes += call->req_len;
	if (ep->outbox_n >= PACK_MAX_CALLS ||
	    ep->outbox_bytes >= PACK_MAX_BYTES)
		outbox_flush_locked(c, call->ep);
}

/* A message to endpoint i finished (answered or failed): send what waited
 * for it. Caller holds c->mu. */
static void endpoint_msg_done_locked(st_client *c, size_t i)
{
	struct endpoint *ep = c->eps[i];

	ep->msgs_inflight--;
	if (ep->outbox_n > 0)
		outbox_flush_locked(c, i);
}

/* The call's own message finished. Not under mu. */
static void call_msg_done(struct call *call)
{
	st_client *c = call->c;

	if (!call->counted)
		return;
	pthread_mutex_lock(&c->mu);
	call->counted = false;
	endpoint_msg_done_locked(c, call->ep);
	pthread_mutex_unlock(&c->mu);
}

/* Start the next attempt on call->ep. Caller holds c->mu. Any failure
 * completes the call (deferred). */
static void call_attempt_locked(struct call *call)
{
	st_client *c = call->c;
	int64_t left = call->deadline_ms - link_now_ms();

	if (c->closing) {
		st_err_set(&call->err, ST_ERR_CONNECTION, NULL,
			   "%s: client is closing", call->what);
		call_defer_locked(call);
		return;
	}
	if (left <= 0) {
		call_give_up_locked(call);
		return;
	}
	call->attempts++;
	if (call_packable(call) &&
	    c->eps[call->ep]->msgs_inflight >= PACK_AFTER) {
		outbox_push_locked(c, call);
		return;
	}
	call_send_locked(call);
}

/* This attempt's message (see "Long polls" at the top): the call's bytes,
 * or, for a retry of a held call, its unsigned bytes with waited_ms (the
 * time since the call was made) appended and signed again; the server
 * then holds it at most hold_ms - waited_ms, and so does the attempt's
 * reply timeout. waited_ms is measured here, when the attempt is handed to
 * its link: a send that first waits for a connection (at most connect_ms)
 * and the trip to the node make the server's deadline that much later,
 * which the hold's grace (client_service.c) covers. The signing time stays
 * the first attempt's, as for every retry. *owned is what to free after
 * the send (NULL: the bytes are call->req). Caller holds c->mu. 0, or -1
 * when out of memory. */
static int call_message_locked(struct call *call, const uint8_t **msg,
			       size_t *len, uint8_t **owned)
{
	st_client *c = call->c;
	int64_t waited = link_now_ms() - call->start_ms;
	uint8_t *buf;

	*owned = NULL;
	if (call->hold_ms == 0 || call->attempts <= 1 || waited <= 0) {
		*msg = call->req;
		*len = call->req_len;
		return 0;
	}
	if (waited > UINT32_MAX)
		waited = UINT32_MAX;
	call->timeout_ms =
	    c->opt.request_timeout_ms + (waited < (int64_t)call->hold_ms
					     ? call->hold_ms - (unsigned)waited
					     : 0);
	if ((buf = malloc(call->req_base_len)) == NULL)
		return -1;
	memcpy(buf, call->req, call->req_base_len);
	*len = call->req_base_len;
	if (wire_request_append_waited(&buf, len, (uint32_t)waited) != 0 ||
	    (call->secret != NULL &&
	     wire_auth_sign(&buf, len, call->secret) != 0)) {
		free(buf);
		return -1;
	}
	*msg = *owned = buf;
	return 0;
}

/* Send the call's own message to call->ep. Caller holds c->mu. Any
 * failure completes the call (deferred). */
static void call_send_locked(struct call *call)
{
	st_client *c = call->c;
	struct endpoint *ep = c->eps[call->ep];
	int64_t left = call->deadline_ms - link_now_ms();
	unsigned connect_ms = call->connect_ms;
	const uint8_t *msg;
	uint8_t *owned;
	size_t len;
	int rv;

	if (left <= 0) {
		call_give_up_locked(call);
		return;
	}
	if (endpoint_lost(ep) && connect_ms > DEAD_CONNECT_MS)
		connect_ms = DEAD_CONNECT_MS;
	call->state = CALL_SENT;
	if (call->hold_ms == 0) {
		call->counted = true;
		ep->msgs_inflight++;
	}
	if ((rv = call_message_locked(call, &msg, &len, &owned)) == 0)
		rv = link_xchg_start(ep->link, &call->x, msg, len,
				     min_u(connect_ms, left), call->timeout_ms,
				     call->deadline_ms);
	free(owned);
	if (rv != 0) {
		if (call->counted) {
			call->counted = false;
			ep->msgs_inflight--;
		}
		st_err_set(&call->err, ST_ERR_INTERNAL, NULL,
			   "%s: out of memory", call->what);
		call_defer_locked(call);
	}
}

/* Where new calls start: the preferred endpoint, unless it lost its
 * connections and another has not (that one then becomes the preferred).
 * Caller holds c->mu. */
static size_t preferred_locked(st_client *c)
{
	size_t pref = atomic_load(&c->preferred);

	if (!endpoint_lost(c->eps[pref]))
		return pref;
	for (size_t k = 1; k < c->n_eps; k++) {
		size_t i = (pref + k) % c->n_eps;
		if (!endpoint_lost(c->eps[i])) {
			atomic_compare_exchange_strong(&c->preferred, &pref, i);
			return i;
		}
	}
	return pref;
}

/* The endpoint after from, skipping those whose connection was lost
 * (most likely dead nodes) unless all others are. Caller holds c->mu. */
static size_t next_endpoint_locked(st_client *c, size_t from)
{
	for (size_t k = 1; k < c->n_eps; k++) {
		size_t i = (from + k) % c->n_eps;
		if (!endpoint_lost(c->eps[i]))
			return i;
	}
	return (from + 1) % c->n_eps;
}

/* Sleep (exponential backoff with jitter), then attempt on call->ep.
 * Caller holds c->mu. */
static void call_backoff_locked(struct call *call)
{
	st_client *c = call->c;
	unsigned shift = call->backoffs < 16 ? call->backoffs : 16;
	uint64_t step = (uint64_t)c->opt.backoff_base_ms << shift;
	if (step > c->opt.backoff_max_ms)
		step = c->opt.backoff_max_ms;
	unsigned delay = (unsigned)(step / 2 + nng_random() % (step / 2 + 1));

	call->backoffs++;
	call->free_hops = 0;
	if (c->closing || call->deadline_ms - link_now_ms() <= (int64_t)delay) {
		if (c->closing)
			st_err_set(&call->err, ST_ERR_CONNECTION, NULL,
				   "%s: client is closing", call->what);
		else {
			call_give_up_locked(call);
			return;
		}
		call_defer_locked(call);
		return;
	}
	call->state = CALL_BACKOFF;
	nng_sleep_aio((nng_duration)delay, call->timer);
}

/* The attempt failed in a way worth retrying elsewhere: err is formatted
 * from fmt, with code; class (ST_ERR_TIMEOUT or ST_ERR_CONNECTION) is what
 * the call fails with if the deadline passes. Not under mu. */
static void call_retry(struct call *call, int code, int class, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));
static void call_retry(struct call *call, int code, int class, const char *fmt,
		       ...)
{
	st_client *c = call->c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call->detail, sizeof call->detail, fmt, ap);
	va_end(ap);
	st_err_set(&call->err, code, NULL, "%s: %s", call->what, call->detail);
	call->last_class = class;
	if (call->pinned) {
		call_finish(call, &call->err, NULL);
		return;
	}

	pthread_mutex_lock(&c->mu);
	/* Move on: to the endpoint other calls now prefer if it changed
	 * meanwhile, else to the next one (and make that the preferred). */
	size_t from = call->ep;
	size_t pref = preferred_locked(c);
	if (pref != from) {
		call->ep = pref;
	} else {
		call->ep = next_endpoint_locked(c, from);
		atomic_compare_exchange_strong(&c->preferred, &pref, call->ep);
	}
	/* A connection that closed (or never came) most likely means a dead
	 * node — its process exited and the kernel closed its sockets: try
	 * each other endpoint once at once, as for a redirect without a hint,
	 * then back off. A node that is electing holds the call until there
	 * is a leader (node.c, "Settling"), so this does not spin. */
	if (class == ST_ERR_CONNECTION && call->ep != from &&
	    call->free_hops++ + 1 < c->n_eps) {
		call_attempt_locked(call);
		pthread_mutex_unlock(&c->mu);
		return;
	}
	call_backoff_locked(call);
	pthread_mutex_unlock(&c->mu);
}

/* A follower answered NOT_LEADER: go to the leader it names, or to the
 * next endpoint. Not under mu. */
static void call_redirect(struct call *call, uint64_t leader_id,
			  const char *leader_address)
{
	st_client *c = call->c;
	int idx = -1;
	size_t from = call->ep;

	pthread_mutex_lock(&c->mu);
	if (*leader_address != '\0' && strlen(leader_address) < MAX_URL_BYTES &&
	    !c->closing)
		idx = endpoint_find_or_add_locked(c, leader_address, NULL);
	snprintf(call->detail, sizeof call->detail,
		 "%s: not the leader (leader %llu at '%s')", c->eps[from]->url,
		 (unsigned long long)leader_id, leader_address);
	st_err_set(&call->err, ST_ERR_NOT_LEADER, NULL, "%s: %s", call->what,
		   call->detail);
	/* Still no leader when the deadline passes: an election that never
	 * ends looks like a timeout to the caller. */
	call->last_class = ST_ERR_TIMEOUT;
	/* A hint naming a node whose connection we lost is stale (right
	 * after a leader dies its followers still name it for a moment):
	 * going there would wait DEAD_CONNECT_MS for nothing. */
	if (idx >= 0 && (size_t)idx != from && !endpoint_lost(c->eps[idx])) {
		call->ep = (size_t)idx;
		atomic_store(&c->preferred, call->ep);
		if (call->free_hops++ < MAX_FREE_REDIRECTS) {
			call_attempt_locked(call);
			pthread_mutex_unlock(&c->mu);
			return;
		}
	} else {
		/* No (usable) hint: ask each endpoint once without delay,
		 * then back off and go round again. */
		call->ep = next_endpoint_locked(c, from);
		if (call->free_hops++ + 1 < c->n_eps) {
			call_attempt_locked(call);
			pthread_mutex_unlock(&c->mu);
			return;
		}
	}
	call_backoff_locked(call);
	pthread_mutex_unlock(&c->mu);
}

/* A reply arrived (borrowed bytes: its own message, or its place in a
 * pack's). Not under mu. */
static void call_reply(struct call *call, const uint8_t *data, size_t len)
{
	struct wire_response resp;
	int rv;

	rv = wire_response_decode(data, len, &resp);
	if (rv != 0) {
		/* MALFORMED: garbage from the node; INTERNAL: out of memory. */
		st_err_set(&call->err,
			   rv == WIRE_ERR_INTERNAL ? ST_ERR_INTERNAL
						   : ST_ERR_MALFORMED,
			   NULL, "%s: %s: undecodable reply (%zu bytes): %s",
			   call->what, call_url(call), len,
			   wire_code_name((uint32_t)rv));
		call_finish(call, &call->err, NULL);
		return;
	}
	switch (resp.code) {
	case WIRE_OK:
		if (resp.n_results != call->n_ops) {
			st_err_set(&call->err, ST_ERR_MALFORMED, NULL,
				   "%s: %s: reply has %zu results for %zu ops",
				   call->what, call_url(call), resp.n_results,
				   call->n_ops);
			call_finish(call, &call->err, NULL);
			break;
		}
		if (!call->pinned)
			atomic_store(&call->c->preferred, call->ep);
		call_finish(call, NULL, &resp);
		break;
	case WIRE_ERR_NOT_LEADER:
		if (call->pinned)
			goto envelope_error;
		call_redirect(call, resp.leader_id, resp.leader_address);
		break;
	case WIRE_ERR_WOULD_WAIT:
		if (call->alone)
			goto envelope_error; /* only a packed call gets it */
		call->alone = true;
		pthread_mutex_lock(&call->c->mu);
		call_attempt_locked(call);
		pthread_mutex_unlock(&call->c->mu);
		break;
	case WIRE_ERR_UNAVAILABLE:
		call_retry(call, ST_ERR_UNAVAILABLE, ST_ERR_TIMEOUT,
			   "%s: %s: %s", call_url(call),
			   *resp.error_name ? resp.error_name
					    : st_code_name(ST_ERR_UNAVAILABLE),
			   resp.error_message);
		break;
	default:
	envelope_error:
		st_err_set(&call->err, (int)resp.code, resp.error_name,
			   "%s: %s: %s", call->what, call_url(call),
			   *resp.error_message != '\0'
			       ? resp.error_message
			       : st_code_name((int)resp.code));
		call_finish(call, &call->err, NULL);
		break;
	}
	wire_response_release(&resp);
}

/* The call's own exchange ended (a library thread). */
static void call_xchg_done(void *arg, struct link_xchg *x,
			   enum link_result result, const char *why,
			   const uint8_t *reply, size_t len)
{
	struct call *call = arg;

	(void)x;
	assert(call->state == CALL_SENT);
	call_msg_done(call);
	switch (result) {
	case LINK_OK:
		call_reply(call, reply, len);
		return;
	case LINK_NOT_CONNECTED:
		call_retry(call, ST_ERR_CONNECTION, ST_ERR_CONNECTION,
			   "%s: not connected within %u ms", call_url(call),
			   call->connect_ms);
		return;
	case LINK_SEND_FAILED:
	case LINK_CANCELED:
		call_retry(call, ST_ERR_CONNECTION, ST_ERR_CONNECTION,
			   "%s: send: %s", call_url(call), why);
		return;
	case LINK_TIMEOUT:
		call_retry(call, ST_ERR_TIMEOUT, ST_ERR_TIMEOUT,
			   "%s: no reply within %u ms", call_url(call),
			   call->timeout_ms);
		return;
	case LINK_LOST:
		call_retry(call, ST_ERR_CONNECTION, ST_ERR_CONNECTION, "%s: %s",
			   call_url(call), why);
		return;
	}
}

static void call_timer_cb(void *arg)
{
	struct call *call = arg;
	st_client *c = call->c;

	switch (call->state) {
	case CALL_BACKOFF:
		/* Slept, or cancelled by st_client_free (attempt sees
		 * closing). */
		pthread_mutex_lock(&c->mu);
		call_attempt_locked(call);
		pthread_mutex_unlock(&c->mu);
		return;
	case CALL_DONE:
		call_finish(call, &call->err, NULL);
		return;
	default:
		break;
	}
	assert(!"timer callback in a state without a timer");
}

/* The pack's message finished: it no longer counts as in flight, and
 * its calls are the caller's to finish (p->calls stays valid until
 * pack_release). Not under mu. */
static void pack_io_done(struct pack *p)
{
	st_client *c = p->c;

	pthread_mutex_lock(&c->mu);
	endpoint_msg_done_locked(c, p->ep);
	pthread_mutex_unlock(&c->mu);
}

static void pack_release(struct pack *p)
{
	pthread_mutex_lock(&p->c->mu);
	p->n_calls = 0;
	p->busy = false;
	pthread_mutex_unlock(&p->c->mu);
}

/* The pack's exchange failed: every call retries as if its own message
 * had failed. */
static void pack_fail(struct pack *p, enum link_result result, const char *why)
{
	const char *url = p->c->eps[p->ep]->url;
	size_t i;

	pack_io_done(p);
	for (i = 0; i < p->n_calls; i++) {
		struct call *call = p->calls[i];
		switch (result) {
		case LINK_NOT_CONNECTED:
			call_retry(call, ST_ERR_CONNECTION, ST_ERR_CONNECTION,
				   "%s: not connected within %u ms", url,
				   call->connect_ms);
			break;
		case LINK_TIMEOUT:
			call_retry(call, ST_ERR_TIMEOUT, ST_ERR_TIMEOUT,
				   "%s: no reply within %u ms", url,
				   p->timeout_ms);
			break;
		case LINK_LOST:
			/* A connection lost while waiting may be the node
			 * refusing a message this large (its max request
			 * size): its calls go alone to that node from now
			 * on. */
			call->alone_at |= (uint64_t)1 << p->ep;
			call_retry(call, ST_ERR_CONNECTION, ST_ERR_CONNECTION,
				   "%s: receive: %s", url, why);
			break;
		default:
			call_retry(call, ST_ERR_CONNECTION, ST_ERR_CONNECTION,
				   "%s: send: %s", url, why);
			break;
		}
	}
	pack_release(p);
}

/* The pack's answer arrived: each call gets its own Response. */
static void pack_reply(struct pack *p, const uint8_t *data, size_t len)
{
	struct wire_response resp;
	size_t i;
	int rv = wire_response_decode(data, len, &resp);

	/* A node that does not know packs (an older version) sees a request
	 * without operations: send to it alone from now on. */
	bool unknown = rv == 0 && (resp.code == WIRE_ERR_MISSING_PARAM ||
				   resp.code == WIRE_ERR_UNKNOWN_OP ||
				   resp.code == WIRE_ERR_MALFORMED);

	pack_io_done(p);
	if (unknown)
		atomic_store(&p->c->eps[p->ep]->no_packs, true);
	for (i = 0; i < p->n_calls; i++) {
		struct call *call = p->calls[i];
		if (unknown) {
			call->alone = true;
			pthread_mutex_lock(&p->c->mu);
			call_attempt_locked(call);
			pthread_mutex_unlock(&p->c->mu);
		} else if (rv == 0 && resp.code != WIRE_OK)
			/* An envelope error for the whole pack (NotLeader,
			 * ServiceUnavailable): the same for each call. */
			call_reply(call, data, len);
		else if (rv != 0 || resp.n_packed != p->n_calls)
			call_retry(call, ST_ERR_UNAVAILABLE, ST_ERR_TIMEOUT,
				   "%s: unusable pack answer (%zu bytes)",
				   call_url(call), len);
		else
			call_reply(call, resp.packed[i].data,
				   resp.packed[i].len);
	}
	wire_response_release(&resp);
	pack_release(p);
}

/* The pack's exchange ended (a library thread). */
static void pack_xchg_done(void *arg, struct link_xchg *x,
			   enum link_result result, const char *why,
			   const uint8_t *reply, size_t len)
{
	struct pack *p = arg;

	(void)x;
	if (result == LINK_OK)
		pack_reply(p, reply, len);
	else
		pack_fail(p, result, why);
}

/* Unix time, ms (request signatures carry it). */
static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int call_submit(st_client *c, const struct call_args *a, st_error *err)
{
	struct wire_request req = {.client_id = c->client_id,
				   .ops = (struct wire_op *)a->ops,
				   .n_ops = a->n_ops};
	struct call *call;
	uint8_t *buf = NULL;
	size_t len = 0, base_len;
	/* Pinned calls (one attempt, status_timeout_ms) are never held. */
	unsigned hold_ms = a->endpoint != NULL ? 0 : a->hold_ms;
	char *held_secret = NULL;
	int rc;

	/* Take a slot first, then the seq: a request that waited for a slot
	 * must not carry a seq older than those sent meanwhile. */
	pthread_mutex_lock(&c->mu);
	for (;;) {
		if (c->closing) {
			pthread_mutex_unlock(&c->mu);
			return st_err_set(err, ST_ERR_CONNECTION, NULL,
					  "%s: client is closing", a->what);
		}
		if (c->n_inflight < c->opt.max_inflight &&
		    c->next_seq - c->seq_floor < SEQ_SPAN)
			break;
		if (tls_in_callback || (!a->sync && c->opt.fail_when_full)) {
			bool span = c->n_inflight < c->opt.max_inflight;

			pthread_mutex_unlock(&c->mu);
			if (span) {
				return st_err_set(
				    err, ST_ERR_OVER_LIMIT, NULL,
				    "%s: a call %d requests older is still "
				    "unfinished",
				    a->what, SEQ_SPAN);
			}
			return st_err_set(err, ST_ERR_OVER_LIMIT, NULL,
					  "%s: %u requests in flight", a->what,
					  c->opt.max_inflight);
		}
		pthread_cond_wait(&c->slot_cv, &c->mu);
	}
	c->n_inflight++;
	c->n_active++;
	req.seq = c->next_seq++;
	req.seq_floor = answer_floor_locked(c); /* <= req.seq: unfinished */
	pthread_mutex_unlock(&c->mu);

	const char *key_id = a->access_key_id, *secret = a->secret_access_key;
	if (key_id == NULL || secret == NULL) {
		key_id = c->opt.access_key_id;
		secret = c->opt.secret_access_key;
	}
	if (key_id != NULL && secret != NULL) {
		req.access_key_id = key_id;
		req.signed_at_ms = wall_ms();
	}
	if ((rc = wire_request_encode(&req, &buf, &len)) != 0) {
		/* TOO_LARGE, INVALID_PARAM, UNKNOWN_OP or INTERNAL (oom). */
		rc = st_err_set(err, rc, NULL, "%s: encode request: %s",
				a->what, wire_code_name((uint32_t)rc));
		goto err_after_slot;
	}
	base_len = len;
	if (req.access_key_id != NULL &&
	    (wire_auth_sign(&buf, &len, secret) != 0 ||
	     (hold_ms > 0 && (held_secret = strdup(secret)) == NULL))) {
		rc = st_err_set(err, ST_ERR_INTERNAL, NULL,
				"%s: out of memory signing the request",
				a->what);
		goto err_after_encode;
	}
	/* A held call's retries carry waited_ms too: they must fit. */
	if (len + (hold_ms > 0 ? WIRE_WAITED_FIELD_MAX_BYTES : 0) >
	    ST_MAX_REQUEST_BYTES) {
		rc = st_err_set(err, ST_ERR_TOO_LARGE, NULL,
				"%s: request is %zu bytes (max %u)", a->what,
				len, ST_MAX_REQUEST_BYTES);
		goto err_after_encode;
	}

	pthread_mutex_lock(&c->mu);
	int ep = 0;
	if (a->endpoint != NULL) {
		if (strlen(a->endpoint) >= MAX_URL_BYTES) {
			rc = st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
					"%s: endpoint address too long",
					a->what);
			goto err_after_lock;
		}
		if ((ep = endpoint_find_or_add_locked(c, a->endpoint, err)) <
		    0) {
			rc = err != NULL ? err->code : ST_ERR_INVALID_PARAM;
			goto err_after_lock;
		}
	} else {
		ep = (int)preferred_locked(c);
	}
	if ((call = c->pool) != NULL) {
		c->pool = call->next;
	} else {
		if ((call = calloc(1, sizeof *call)) == NULL ||
		    nng_aio_alloc(&call->timer, call_timer_cb, call) != 0) {
			free(call);
			rc = st_err_set(err, ST_ERR_INTERNAL, NULL,
					"%s: out of memory", a->what);
			goto err_after_lock;
		}
		call->c = c;
		call->x.cb = call_xchg_done;
		call->x.arg = call;
	}
	call->prev = NULL;
	call->next = c->active;
	if (c->active != NULL)
		c->active->prev = call;
	c->active = call;

	snprintf(call->what_buf, sizeof call->what_buf, "%s", a->what);
	call->what = call->what_buf;
	call->req = buf;
	call->req_len = len;
	call->req_base_len = base_len;
	call->secret = held_secret;
	call->n_ops = a->n_ops;
	call->ep = (size_t)ep;
	call->pinned = a->endpoint != NULL;
	call->hold_ms = hold_ms;
	call->counted = false;
	call->alone = false;
	call->alone_at = 0;
	call->timeout_ms = call->pinned ? c->opt.status_timeout_ms
					: c->opt.request_timeout_ms + hold_ms;
	call->connect_ms =
	    call->pinned ? c->opt.status_timeout_ms : c->opt.connect_timeout_ms;
	call->start_ms = link_now_ms();
	call->deadline_ms = call->start_ms +
			    (call->pinned ? c->opt.status_timeout_ms
					  : c->opt.retry_deadline_ms + hold_ms);
	call->attempts = call->backoffs = call->free_hops = 0;
	call->last_class = 0;
	call->detail[0] = '\0';
	memset(&call->err, 0, sizeof call->err);
	call->seq = req.seq;
	call->seq_tracked = hold_ms == 0;
	if (!call->seq_tracked) {
		held_add_locked(c, call); /* no longer counted in the span */
	}
	call->kind = a->kind;
	call->cb = a->cb;
	call->arg = a->arg;
	call_attempt_locked(call);
	pthread_mutex_unlock(&c->mu);
	return 0;

err_after_lock:
	pthread_mutex_unlock(&c->mu);
err_after_encode:
	secret_free(held_secret);
	free(buf);
err_after_slot:
	pthread_mutex_lock(&c->mu);
	c->n_inflight--;
	seq_finish_locked(c, req.seq);
	pthread_cond_signal(&c->slot_cv);
	if (--c->n_active == 0)
		pthread_cond_broadcast(&c->idle_cv);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* ---- the client ---------------------------------------------------------- */

/* Copy the options, defaults applied. Strings are copied: 0, or -1 when
 * out of memory. */
static int options_apply(st_options *o, const st_options *in)
{
	if (in != NULL)
		*o = *in;
	else
		memset(o, 0, sizeof *o);
	if (o->access_key_id == NULL || o->secret_access_key == NULL) {
		o->access_key_id = o->secret_access_key = NULL;
	} else {
		char *id = strdup(o->access_key_id);
		char *secret = strdup(o->secret_access_key);
		o->access_key_id = id;
		o->secret_access_key = secret;
		if (id == NULL || secret == NULL) {
			free(id);
			free(secret);
			o->access_key_id = o->secret_access_key = NULL;
			return -1;
		}
	}
	if (o->request_timeout_ms == 0)
		o->request_timeout_ms = 5000;
	if (o->connect_timeout_ms == 0)
		o->connect_timeout_ms = 1000;
	if (o->connect_timeout_ms > o->request_timeout_ms)
		o->connect_timeout_ms = o->request_timeout_ms;
	if (o->retry_deadline_ms == 0)
		o->retry_deadline_ms = 30000;
	if (o->status_timeout_ms == 0)
		o->status_timeout_ms = 1000;
	if (o->backoff_base_ms == 0)
		o->backoff_base_ms = 50;
	if (o->backoff_max_ms == 0)
		o->backoff_max_ms = 200;
	if (o->backoff_max_ms < o->backoff_base_ms)
		o->backoff_max_ms = o->backoff_base_ms;
	if (o->max_inflight == 0)
		o->max_inflight = 1024;
	if (o->max_reply_bytes == 0)
		o->max_reply_bytes = 16u * 1024 * 1024;
	return 0;
}

/* A file's contents, NUL-terminated (PEM), or NULL. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
	    len < 1024 * 1024 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len + 1)) != NULL) {
		if (fread(buf, 1, (size_t)len, f) == (size_t)len) {
			buf[len] = '\0';
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static int tls_own_cert(nng_tls_config *cfg, const char *cert_file,
			const char *key_file)
{
	char *cert = read_text(cert_file), *key = read_text(key_file);
	int rv = cert == NULL || key == NULL
		     ? NNG_ENOENT
		     : nng_tls_config_own_cert(cfg, cert, key, NULL);
	free(cert);
	free(key);
	return rv;
}

/* A client-mode TLS configuration from the options' PEM files (none when
 * no CA is given). 0, or an error code with err. */
static int tls_setup(st_client *c, const st_options *o, st_error *err)
{
	int rv;

	if (o->tls_ca_file == NULL || *o->tls_ca_file == '\0')
		return 0;
	if ((o->tls_cert_file == NULL) != (o->tls_key_file == NULL))
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "TLS: a client certificate needs its key "
				  "(tls_cert_file and tls_key_file)");
	if ((rv = nng_tls_config_alloc(&c->tls, NNG_TLS_MODE_CLIENT)) != 0)
		return st_err_set(err, ST_ERR_INTERNAL, NULL, "TLS: %s",
				  nng_strerror(rv));
	if ((rv = nng_tls_config_ca_file(c->tls, o->tls_ca_file)) != 0 ||
	    (rv = nng_tls_config_auth_mode(c->tls,
					   NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
	    (o->tls_cert_file != NULL &&
	     (rv = tls_own_cert(c->tls, o->tls_cert_file, o->tls_key_file)) !=
		 0)) {
		nng_tls_config_free(c->tls);
		c->tls = NULL;
		return st_err_set(
		    err, ST_ERR_INVALID_PARAM, NULL, "TLS: CA %s%s%s: %s",
		    o->tls_ca_file,
		    o->tls_cert_file != NULL ? ", certificate " : "",
		    o->tls_cert_file != NULL ? o->tls_cert_file : "",
		    nng_strerror(rv));
	}
	return 0;
}

static uint64_t random_u64(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
		v = ((uint64_t)nng_random() << 32) ^ nng_random() ^
		    (uint64_t)link_now_ms();
	return v;
}

st_client *st_client_new(const char *endpoints, const st_options *opts,
			 st_error *err)
{
	st_client *c;
	char *list, *save = NULL;

	if (endpoints == NULL || *endpoints == '\0') {
		st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
			   "no endpoints given");
		return NULL;
	}
	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (list = strdup(endpoints)) == NULL) {
		free(c);
		st_err_set(err, ST_ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	if (options_apply(&c->opt, opts) != 0) {
		free(list);
		free(c);
		st_err_set(err, ST_ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	c->opt.tls_ca_file = c->opt.tls_cert_file = c->opt.tls_key_file =
	    NULL; /* borrowed: read now, by tls_setup */
	if (opts != NULL && tls_setup(c, opts, err) != 0) {
		free((char *)c->opt.access_key_id);
		free((char *)c->opt.secret_access_key);
		free(list);
		free(c);
		return NULL;
	}
	if ((c->loop = link_loop_new()) == NULL) {
		if (c->tls != NULL)
			nng_tls_config_free(c->tls);
		free((char *)c->opt.access_key_id);
		free((char *)c->opt.secret_access_key);
		free(list);
		free(c);
		st_err_set(err, ST_ERR_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->slot_cv, NULL);
	pthread_cond_init(&c->idle_cv, NULL);
	do
		c->client_id = random_u64();
	while (c->client_id == 0); /* 0 means "no session" on the wire */
	c->next_seq = c->seq_floor = 1;

	for (char *tok = strtok_r(list, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		size_t n = strlen(tok);
		while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
			tok[--n] = '\0';
		if (n == 0)
			continue;
		if (n >= MAX_URL_BYTES) {
			st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				   "endpoint address too long (%zu bytes)", n);
			goto err_after_init;
		}
		if (endpoint_find_or_add_locked(c, tok, err) < 0)
			goto err_after_init;
	}
	if (c->n_eps == 0) {
		st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
			   "no endpoints given");
		goto err_after_init;
	}
	atomic_init(&c->preferred, (size_t)(random_u64() % c->n_eps));
	free(list);
	return c;

err_after_init:
	free(list);
	st_client_free(c);
	return NULL;
}

void st_client_free(st_client *c)
{
	if (c == NULL)
		return;
	assert(!tls_in_callback && "st_client_free from a callback");

	pthread_mutex_lock(&c->mu);
	c->closing = true;
	pthread_cond_broadcast(&c->slot_cv);
	/* Pending exchanges end LINK_CANCELED and sleeps NNG_ECANCELED; idle
	 * calls see closing when they next take the lock. */
	for (struct call *call = c->active; call != NULL; call = call->next) {
		link_xchg_cancel(&call->x);
		nng_aio_cancel(call->timer);
	}
	for (struct pack *p = c->packs; p != NULL; p = p->next)
		link_xchg_cancel(&p->x);
	for (size_t i = 0; i < c->n_eps; i++)
		outbox_flush_locked(c, i); /* fails them: closing */
	while (c->n_active > 0)
		pthread_cond_wait(&c->idle_cv, &c->mu);
	pthread_mutex_unlock(&c->mu);

	/* No callback runs after these. */
	link_loop_stop(c->loop);
	while (c->packs != NULL) {
		struct pack *p = c->packs;
		c->packs = p->next;
		link_xchg_fini(&p->x);
		free(p->calls);
		free(p);
	}
	while (c->pool != NULL) {
		struct call *call = c->pool;
		c->pool = call->next;
		link_xchg_fini(&call->x);
		nng_aio_free(call->timer); /* waits for its last callback */
		free(call);
	}
	for (size_t i = 0; i < c->n_eps; i++)
		endpoint_free(c->eps[i]);
	link_loop_free(c->loop);
	pthread_cond_destroy(&c->idle_cv);
	pthread_cond_destroy(&c->slot_cv);
	pthread_mutex_destroy(&c->mu);
	free((char *)c->opt.access_key_id);
	free((char *)c->opt.secret_access_key);
	if (c->tls != NULL)
		nng_tls_config_free(c->tls);
	free(c);
}
