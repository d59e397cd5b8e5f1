/* nraft_io: composite raft_io — raft_uv for storage, the SP pipeline wire
 * (PUSH/PULL) for the network (see nraft_io.h for the contract).
 *
 * Storage calls go straight to an inner raft_uv whose transport is a stub;
 * we call the inner start so its tick timer drives raft (wrapped to pass the
 * outer io, since raft reads io->data), but nothing ever reaches raft_uv's
 * own send/recv. Sending encodes each raft_message (it lives on raft's
 * stack) into the per-peer pack, an nng message; a uv_prepare_t hands every
 * pack to its peer's sender once per loop iteration and then fires the send
 * callbacks, so callbacks never run inside send(). Two senders and
 * receivers speak the same wire: for tcp:// addresses nraft_tcp.c, on the
 * loop itself; for tls+tcp:// nng's PUSH/PULL sockets, whose PULL side we
 * watch through NNG_OPT_RECVFD with a uv_poll_t and drain with
 * non-blocking nng_recvmsg(). Each received pack is decoded and handed to
 * raft, which owns the decoded entries/snapshot from then on.
 *
 * Close sequence: io->close cancels queued packs, closes our libuv handles
 * and the nng sockets, and starts closing the inner raft_uv. Once raft_uv
 * reports closed (see innerCloseCb() for a 0.15 bug we work around) and all
 * our handles are closed, the pending send callbacks fire, then raft's close
 * callback. */
#include "nraft_io.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <raft/uv.h>

#include "nraft_codec.h"
#include "nraft_tcp.h"
#include "trash.h"

/* How many times one prepare callback alternates "flush packs" and "fire
 * send callbacks" (callbacks may send again). Anything still queued after
 * that goes out on the next loop iteration. */
#define PREPARE_ROUNDS 4

/* Initial capacity reserved for a new pack, bytes. */
#define PACK_INITIAL_BYTES 4096

/* Smallest max_message_bytes accepted: must hold the AppendEntries overhead
 * (longest address) with room to spare. */
#define MIN_MESSAGE_BYTES (64 * 1024)

/* A send request whose outcome is known, waiting for its callback. Only
 * requests with a callback are kept: raft may free one without a callback
 * at any time after io->send returns (libraft 0.15's leadership transfer
 * sends TimeoutNow from the raft_transfer without a callback, and calls the
 * transfer's own callback, which frees it, without waiting for the send). */
struct sendDone {
	struct raft_io_send *req; /* Borrowed from raft; NULL: no callback. */
	int status;		  /* 0 or RAFT_NOCONNECTION/TOOBIG/CANCELED. */
};

/* Everything we know about one other server, keyed by raft id. */
struct peer {
	raft_id id;
	char *address;	 /* Owned copy; NULL until the first send. */
	nng_socket push; /* tls+tcp://: dialed at address. */
	struct nraft_tcp_dialer *dialer; /* tcp://: dialing address. */
	bool push_open;			 /* push or dialer is open */
	atomic_int pipes; /* Connected pipes; nng threads write it. */
	atomic_bool lost; /* The last pipe closed; not yet reported. */
	struct nraft *n;
	/* A new connection came up (nng thread): what was handed to an
	 * earlier one will never be answered — the peer may be a new
	 * process — so the unanswered budget starts over. */
	atomic_bool new_pipe;
	bool drop;	       /* nraft_io_set_drop() test hook. */
	uint64_t last_recv_ms; /* uv_now() of its last message; 0 = never. */
	uint64_t unconnected_since_ms; /* uv_now() since when push_open has
					  had no pipe; 0 = not so. */
	uint64_t unanswered_bytes;     /* Sent to it since its last message. */
	nng_msg *pack; /* Pack being built, owned; NULL if none. */
	struct raft_io_send *
	    *reqs; /* Requests encoded in pack (owned array). */
	unsigned n_reqs;
	unsigned cap_reqs;
};

/* The implementation object behind io->impl. */
struct nraft {
	struct raft_io *io;   /* Outer io, the one raft holds. */
	struct raft_io inner; /* raft_uv; inner.data points back here. */
	struct raft_uv_transport stub; /* Do-nothing transport for raft_uv. */
	struct uv_loop_s *loop;
	struct nraft_options opts;
	raft_id id;
	char *data_dir;	 /* Owned; its removals go through trash.h. */
	char *address;	 /* Own address, owned; set by io->init. */
	nng_socket pull; /* tls+tcp://: bound at address; iff pull_open. */
	bool pull_open;
	struct nraft_tcp_listener *listener; /* tcp://: at address. */
	uv_poll_t poll;	       /* Readability of NNG_OPT_RECVFD. */
	uv_prepare_t prepare;  /* Flushes packs before each poll. */
	uv_timer_t closer;     /* Never started: closing it defers the
				  end of io->close by one loop turn. */
	uv_async_t lost_async; /* Woken by an nng thread when a peer's last
				  connection closes. */
	bool poll_inited;
	bool prepare_inited;
	bool lost_async_inited;
	nraft_peer_lost_cb lost_cb;
	void *lost_cb_arg;
	bool closer_inited;
	unsigned open_handles;	 /* Inited handles, listener and dialers
				    not yet closed. */
	bool inner_inited;	 /* inner.init succeeded: must close it. */
	bool inner_closed;	 /* raft_uv's close callback fired. */
	raft_io_tick_cb tick_cb; /* From io->start. */
	raft_io_recv_cb recv_cb; /* From io->start. */
	struct peer **peers;	 /* Owned array of owned peers. */
	unsigned n_peers;
	struct sendDone *done; /* Callbacks to fire, owned array. */
	size_t n_done;
	size_t cap_done;
	size_t n_queued; /* Requests inside packs (all peers). */
	bool closing;
	raft_io_close_cb close_cb; /* From io->close. */
	bool free_on_last_handle;  /* nraft_io_close() ran before a handle
				      from a failed io->init was closed. */
	struct nraft_io_stats stats;
	char recv_errmsg[RAFT_ERRMSG_BUF_SIZE]; /* Last receive-side problem. */
	/* A log write failed (see nraft_io_disk_failed()): from then on no
	 * append reaches raft_uv and no raft message goes in or out. */
	bool disk_failed;
	int disk_status; /* The failed write's raft code. */
	char disk_errmsg[RAFT_ERRMSG_BUF_SIZE];
	nraft_disk_failed_cb disk_cb;
	void *disk_cb_arg;
	double append_ewma_ms;	 /* Smoothed append latency (submit -> done). */
	raft_term stored_term;	 /* Term of the last entry stored (this
				    process; 0 before its first append). */
	uint64_t append_done_ns; /* uv_hrtime() of the last append done. */
};

/* One append on its way through raft_uv: raft's request and callback, kept
 * so the result can be seen before raft sees it. */
struct appendWrap {
	struct raft_io_append inner; /* What raft_uv gets. */
	struct raft_io_append *outer;
	raft_io_append_cb cb;
	struct nraft *n;
	uint64_t started_ns; /* uv_hrtime() when raft asked for the write. */
	raft_term last_term; /* Term of the last entry written. */
};

void nraft_options_init(struct nraft_options *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->max_message_bytes = 64u * 1024 * 1024;
	opts->pack_flush_bytes = 1024 * 1024;
	opts->send_buffer_packs = 16;
	opts->max_unanswered_bytes = 16 * 1024 * 1024;
	opts->unconnected_bytes = 64 * 1024;
	opts->recv_batch = 256;
	opts->peer_timeout_ms = 1000;
	opts->reconnect_min_ms = 20;
	opts->reconnect_max_ms = 500;
	opts->redial_ms = 2000;
	opts->snapshot_compression = true;
	opts->segment_bytes = 0;
}

/* Map an nng error from socket setup to a raft code. */
static int fromNng(int rv)
{
	switch (rv) {
	case 0:
		return 0;
	case NNG_ENOMEM:
		return RAFT_NOMEM;
	case NNG_EADDRINUSE:
		return RAFT_DUPLICATEADDRESS;
	case NNG_EADDRINVAL:
	case NNG_ENOTSUP:
	case NNG_EINVAL:
		return RAFT_INVALID;
	default:
		return RAFT_IOERR;
	}
}

/* Copy the inner raft_uv's error message to the outer io, where raft reads
 * it. Returns @rv. */
static int innerResult(struct nraft *n, int rv)
{
	if (rv != 0) {
		memcpy(n->io->errmsg, n->inner.errmsg, sizeof n->io->errmsg);
	}
	return rv;
}

/* --- stub transport: raft_uv never gets to use the network -------------- */

static int stubInit(struct raft_uv_transport *t, raft_id id,
		    const char *address)
{
	(void)t;
	(void)id;
	(void)address;
	return 0;
}

/* Called by raft_uv's start; we never accept connections for it. */
static int stubListen(struct raft_uv_transport *t, raft_uv_accept_cb cb)
{
	(void)t;
	(void)cb;
	return 0;
}

/* Only raft_uv's send would call this, and we never route sends there. */
static int stubConnect(struct raft_uv_transport *t, struct raft_uv_connect *req,
		       raft_id id, const char *address, raft_uv_connect_cb cb)
{
	(void)t;
	(void)req;
	(void)id;
	(void)address;
	(void)cb;
	return RAFT_NOCONNECTION;
}

/* Nothing to release; raft_uv tolerates the callback firing right away. */
static void stubClose(struct raft_uv_transport *t,
		      raft_uv_transport_close_cb cb)
{
	cb(t);
}

/* --- peers --------------------------------------------------------------- */

static struct peer *peerFind(struct nraft *n, raft_id id)
{
	for (unsigned i = 0; i < n->n_peers; i++) {
		if (n->peers[i]->id == id) {
			return n->peers[i];
		}
	}
	return NULL;
}

/* Find or create the peer @id. Returns NULL when out of memory. */
static struct peer *peerGet(struct nraft *n, raft_id id)
{
	struct peer *p = peerFind(n, id);
	struct peer **peers;
	if (p != NULL) {
		return p;
	}
	p = calloc(1, sizeof *p);
	if (p == NULL) {
		return NULL;
	}
	peers = realloc(n->peers, (n->n_peers + 1) * sizeof *peers);
	if (peers == NULL) {
		free(p);
		return NULL;
	}
	p->id = id;
	p->n = n;
	atomic_init(&p->pipes, 0);
	atomic_init(&p->lost, false);
	n->peers = peers;
	n->peers[n->n_peers++] = p;
	return p;
}

/* nng thread: keep a count of connected pipes. REM_POST fires exactly for
 * the pipes that saw ADD_PRE, so counting those two stays balanced. When the
 * last one closes, the loop hears of it at once (lostAsyncCb): a peer whose
 * process died closes its connections, and a follower that loses its
 * leader's need not wait out the election timeout (see
 * nraft_io_set_peer_lost_cb). The async handle outlives every PUSH socket:
 * ioClose closes the sockets first. */
static void peerPipeCb(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
	struct peer *p = arg;
	(void)pipe;
	if (ev == NNG_PIPE_EV_ADD_PRE) {
		atomic_fetch_add(&p->pipes, 1);
		atomic_store(&p->new_pipe, true);
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		if (atomic_fetch_sub(&p->pipes, 1) == 1 &&
		    p->n->lost_async_inited) {
			atomic_store(&p->lost, true);
			uv_async_send(&p->n->lost_async);
		}
	}
}

/* The tcp:// dialer's counterpart of peerPipeCb (on the loop thread). */
static void peerLinkCb(void *arg, bool up)
{
	struct peer *p = arg;

	if (up) {
		atomic_store(&p->pipes, 1);
		atomic_store(&p->new_pipe, true);
	} else if (atomic_exchange(&p->pipes, 0) == 1 &&
		   p->n->lost_async_inited) {
		atomic_store(&p->lost, true);
		uv_async_send(&p->n->lost_async);
	}
}

static void handlesRelease(struct nraft *n);

/* A listener or dialer finished closing. */
static void childClosed(void *arg)
{
	handlesRelease(arg);
}

/* Loop thread: report the peers whose last connection closed and that
 * have not reconnected meanwhile. */
static void lostAsyncCb(uv_async_t *handle)
{
	struct nraft *n = handle->data;

	for (unsigned i = 0; i < n->n_peers; i++) {
		struct peer *p = n->peers[i];
		if (atomic_exchange(&p->lost, false) &&
		    atomic_load(&p->pipes) == 0 && n->lost_cb != NULL &&
		    !n->closing) {
			n->lost_cb(n->lost_cb_arg, p->id);
		}
	}
}

/* Set a TCP option on a dialer; other transports do not know it. */
static int dialerSetBool(nng_dialer d, const char *opt, bool value)
{
	int rv = nng_dialer_set_bool(d, opt, value);
	return rv == NNG_ENOTSUP ? 0 : rv;
}

/* Start dialing p->address in the background: nraft_tcp for tcp://, else
 * an nng PUSH socket. Returns an nng error. */
static int peerOpen(struct nraft *n, struct peer *p)
{
	nng_dialer dialer;
	int rv;

	if (strncmp(p->address, "tcp://", 6) == 0) {
		p->dialer = nraft_tcp_dial(
		    n->loop, p->address, n->opts.reconnect_min_ms,
		    n->opts.reconnect_max_ms,
		    (unsigned)n->opts.send_buffer_packs, peerLinkCb, p);
		if (p->dialer == NULL) {
			return NNG_EADDRINVAL; /* or out of memory */
		}
		n->open_handles++;
		p->push_open = true;
		return 0;
	}
	rv = nng_push0_open(&p->push);
	if (rv != 0) {
		return rv;
	}
	if ((rv = nng_socket_set_int(p->push, NNG_OPT_SENDBUF,
				     n->opts.send_buffer_packs)) != 0 ||
	    (rv = nng_pipe_notify(p->push, NNG_PIPE_EV_ADD_PRE, peerPipeCb,
				  p)) != 0 ||
	    (rv = nng_pipe_notify(p->push, NNG_PIPE_EV_REM_POST, peerPipeCb,
				  p)) != 0 ||
	    (rv = nng_dialer_create(&dialer, p->push, p->address)) != 0 ||
	    (rv = nng_dialer_set_ms(dialer, NNG_OPT_RECONNMINT,
				    (nng_duration)n->opts.reconnect_min_ms)) !=
		0 ||
	    (rv = nng_dialer_set_ms(dialer, NNG_OPT_RECONNMAXT,
				    (nng_duration)n->opts.reconnect_max_ms)) !=
		0 ||
	    (rv = dialerSetBool(dialer, NNG_OPT_TCP_NODELAY, true)) != 0 ||
	    (rv = dialerSetBool(dialer, NNG_OPT_TCP_KEEPALIVE, true)) != 0 ||
	    (n->opts.tls_dial != NULL &&
	     strncmp(p->address, "tls+tcp://", 10) == 0 &&
	     (rv = nng_dialer_set_ptr(dialer, NNG_OPT_TLS_CONFIG,
				      n->opts.tls_dial)) != 0) ||
	    (rv = nng_dialer_start(dialer, NNG_FLAG_NONBLOCK)) != 0) {
		nng_close(p->push);
		return rv;
	}
	p->push_open = true;
	return 0;
}

/* Close the PUSH socket or the dialer, if any. Neither calls back into
 * @p afterwards (nng_close() returns after the last pipe callback), so @p
 * may be freed then. */
static void peerCloseSocket(struct peer *p)
{
	if (!p->push_open) {
		return;
	}
	if (p->dialer != NULL) {
		nraft_tcp_dialer_close(p->dialer, childClosed, p->n);
		p->dialer = NULL;
		peerLinkCb(p, false); /* as nng's pipe callback would */
	} else {
		nng_close(p->push);
	}
	p->push_open = false;
}

/* Point @p at @address (raft may move a server id to a new address).
 * Returns RAFT_NOMEM, else 0. */
static int peerSetAddress(struct peer *p, const char *address)
{
	char *copy;
	if (p->address != NULL && strcmp(p->address, address) == 0) {
		return 0;
	}
	copy = strdup(address);
	if (copy == NULL) {
		return RAFT_NOMEM;
	}
	peerCloseSocket(p);
	free(p->address);
	p->address = copy;
	return 0;
}

/* Make sure n->done can take every queued request plus one more, so moving
 * requests there later never needs memory. */
static int reserveDone(struct nraft *n)
{
	size_t need = n->n_done + n->n_queued + 1;
	struct sendDone *done;
	size_t cap;
	if (need <= n->cap_done) {
		return 0;
	}
	cap = n->cap_done > 0 ? n->cap_done * 2 : 64;
	while (cap < need) {
		cap *= 2;
	}
	done = realloc(n->done, cap * sizeof *done);
	if (done == NULL) {
		return RAFT_NOMEM;
	}
	n->done = done;
	n->cap_done = cap;
	return 0;
}

/* Record the outcome of @req; its callback fires from the prepare handle
 * (or during close). Capacity was reserved by reserveDone(). */
static void pushDone(struct nraft *n, struct raft_io_send *req, int status)
{
	assert(n->n_done < n->cap_done);
	n->done[n->n_done].req = req;
	n->done[n->n_done].status = status;
	n->n_done++;
	if (status != 0) {
		n->stats.send_failures++;
	}
}

/* Whether a pack of @len bytes fits the budget of bytes sent to @p since we
 * last heard from it (see max_unanswered_bytes in nraft_io.h). */
static bool peerMayQueue(struct nraft *n, struct peer *p, size_t len)
{
	bool connected = atomic_load(&p->pipes) > 0;
	size_t budget = connected ? n->opts.max_unanswered_bytes
				  : n->opts.unconnected_bytes;
	/* Without this a leader that filled the budget towards a dead
	 * follower never sent its restarted process anything again (a
	 * follower only answers), and the follower stayed behind for good. */
	if (atomic_exchange(&p->new_pipe, false)) {
		p->unanswered_bytes = 0;
	}
	if (connected && p->unanswered_bytes == 0) {
		return true;
	}
	return p->unanswered_bytes + len <= budget;
}

/* Hand the pack of @p to nng, or discard it, and queue the callbacks of the
 * requests in it. Never blocks: a peer that is down or backed up fails the
 * pack with RAFT_NOCONNECTION, and raft retries later. */
static void peerFlush(struct nraft *n, struct peer *p, int status)
{
	size_t len;
	if (p->pack == NULL) {
		return;
	}
	len = nng_msg_len(p->pack);
	if (status == 0 && (p->drop || !p->push_open)) {
		status = RAFT_NOCONNECTION;
	}
	/* nng queues what a peer does not read (and, without a connection,
	 * until it reconnects): bound what a silent peer can pin. */
	if (status == 0 && !peerMayQueue(n, p, len)) {
		status = RAFT_NOCONNECTION;
	}
	if (status == 0 &&
	    (p->dialer != NULL
		 ? nraft_tcp_send(p->dialer, p->pack)
		 : nng_sendmsg(p->push, p->pack, NNG_FLAG_NONBLOCK)) != 0) {
		status = RAFT_NOCONNECTION; /* The send buffer is full. */
	}
	if (status == 0) {
		p->unanswered_bytes += len;
		n->stats.packs_sent++;
		n->stats.messages_sent += p->n_reqs;
	} else {
		nng_msg_free(p->pack);
	}
	p->pack = NULL;
	for (unsigned i = 0; i < p->n_reqs; i++) {
		pushDone(n, p->reqs[i], status);
	}
	n->n_queued -= p->n_reqs;
	p->n_reqs = 0;
}

static void flushAll(struct nraft *n)
{
	for (unsigned i = 0; i < n->n_peers; i++) {
		peerFlush(n, n->peers[i], 0);
	}
}

/* Fire queued send callbacks. A callback may send again, which appends to
 * n->done; the index loop picks those up too. */
static void fireDone(struct nraft *n)
{
	for (size_t i = 0; i < n->n_done; i++) {
		struct sendDone d = n->done[i];
		if (d.req != NULL) {
			d.req->cb(d.req, d.status);
		}
	}
	n->n_done = 0;
}

/* --- sending ------------------------------------------------------------ */

/* Size the frame for @m, cutting AppendEntries to fit the message cap.
 * @m is our private copy of raft's message. Returns RAFT_TOOBIG if even a
 * single entry (or the snapshot) cannot fit, RAFT_INVALID if unencodable. */
static int frameSizeCapped(struct nraft *n, struct raft_message *m,
			   size_t *size)
{
	size_t budget =
	    n->opts.max_message_bytes - NRAFT_CODEC_PACK_HEADER_BYTES;
	struct raft_append_entries *ae = &m->append_entries;
	unsigned n_entries;
	unsigned k;
	int rv;

	if (m->type == RAFT_IO_APPEND_ENTRIES) {
		/* A follower in 0.15 commits min(leader_commit, last_stored);
		 * if its log has a stale tail past the entries we send
		 * (possible when we cut the batch, or when probing), that could
		 * commit the stale entries. Figure 3.1 says min(leaderCommit,
		 * index of last new entry): enforce that on the sender side. */
		raft_index last_sent = ae->prev_log_index + ae->n_entries;
		if (ae->leader_commit > last_sent) {
			ae->leader_commit = last_sent;
		}
	}
	rv = nraft_codec_frame_size(n->id, n->address, m, size);
	if (rv != 0 && rv != RAFT_TOOBIG) {
		return rv;
	}
	if (rv == 0 && *size <= budget) {
		return 0;
	}
	if (m->type != RAFT_IO_APPEND_ENTRIES || ae->n_entries == 0) {
		return RAFT_TOOBIG;
	}

	/* Keep the longest prefix of entries that fits. Raft copes: the
	 * follower acknowledges what it got and the leader sends the rest. */
	n_entries = ae->n_entries;
	ae->n_entries = 0;
	rv = nraft_codec_frame_size(n->id, n->address, m, size);
	if (rv != 0) {
		return rv;
	}
	for (k = 0; k < n_entries; k++) {
		size_t add =
		    NRAFT_CODEC_ENTRY_HEADER_BYTES + ae->entries[k].buf.len;
		if (add > budget - *size) {
			break;
		}
		*size += add;
	}
	if (k == 0) {
		return RAFT_TOOBIG;
	}
	ae->n_entries = k;
	if (ae->leader_commit > ae->prev_log_index + k) {
		ae->leader_commit = ae->prev_log_index + k;
	}
	n->stats.truncated_appends++;
	return 0;
}

/* Encode @m at the end of the pack of @p and remember @req. Returns
 * RAFT_NOMEM (nothing changed except possibly an empty new pack). */
static int peerAppend(struct nraft *n, struct peer *p,
		      const struct raft_message *m, size_t frame_size,
		      struct raft_io_send *req)
{
	size_t len;
	size_t cap;
	if (p->pack == NULL) {
		if (nng_msg_alloc(&p->pack, NRAFT_CODEC_PACK_HEADER_BYTES) !=
		    0) {
			p->pack = NULL;
			return RAFT_NOMEM;
		}
		nraft_codec_pack_begin(nng_msg_body(p->pack),
				       n->opts.cluster_id);
	}
	if (p->n_reqs == p->cap_reqs) {
		unsigned new_cap = p->cap_reqs > 0 ? p->cap_reqs * 2 : 16;
		struct raft_io_send **reqs =
		    realloc(p->reqs, new_cap * sizeof *reqs);
		if (reqs == NULL) {
			return RAFT_NOMEM;
		}
		p->reqs = reqs;
		p->cap_reqs = new_cap;
	}
	len = nng_msg_len(p->pack);
	cap = nng_msg_capacity(p->pack);
	if (cap < len + frame_size) {
		/* Grow geometrically so a pack of many small messages is not
		 * reallocated per message. */
		size_t want =
		    cap * 2 > PACK_INITIAL_BYTES ? cap * 2 : PACK_INITIAL_BYTES;
		if (want > n->opts.max_message_bytes) {
			want = n->opts.max_message_bytes;
		}
		if (want < len + frame_size) {
			want = len + frame_size;
		}
		if (nng_msg_reserve(p->pack, want) != 0) {
			return RAFT_NOMEM;
		}
	}
	/* Within capacity: only moves the length, no copy, cannot fail. */
	if (nng_msg_realloc(p->pack, len + frame_size) != 0) {
		return RAFT_NOMEM;
	}
	nraft_codec_frame_encode(n->id, n->address, m,
				 (uint8_t *)nng_msg_body(p->pack) + len,
				 frame_size);
	p->reqs[p->n_reqs++] = req;
	n->n_queued++;
	return 0;
}

/* Implementation of raft_io->send. Synchronous errors are only RAFT_NOMEM
 * (raft 0.15 turns other send errors on its receive path into shutting the
 * node down); everything else is reported through the callback. */
static int ioSend(struct raft_io *io, struct raft_io_send *req,
		  const struct raft_message *message, raft_io_send_cb cb)
{
	struct nraft *n = io->impl;
	struct raft_message m = *message; /* Ours to trim. */
	struct peer *p;
	size_t frame_size;
	/* What we keep of @req: nothing when it has no callback (see struct
	 * sendDone). */
	struct raft_io_send *kept = cb != NULL ? req : NULL;
	int rv;

	assert(!n->closing);
	req->cb = cb;

	if (reserveDone(n) != 0) {
		return RAFT_NOMEM;
	}
	p = peerGet(n, message->server_id);
	if (p == NULL) {
		return RAFT_NOMEM;
	}
	if (p->drop || n->disk_failed) {
		n->stats.dropped++;
		pushDone(n, kept, RAFT_NOCONNECTION);
		return 0;
	}
	if (message->server_address == NULL ||
	    message->server_address[0] == '\0') {
		pushDone(n, kept, RAFT_NOCONNECTION);
		return 0;
	}
	if (peerSetAddress(p, message->server_address) != 0) {
		return RAFT_NOMEM;
	}
	if (!p->push_open && peerOpen(n, p) != 0) {
		/* Unparseable address or out of resources: raft will retry. */
		pushDone(n, kept, RAFT_NOCONNECTION);
		return 0;
	}

	rv = frameSizeCapped(n, &m, &frame_size);
	if (rv != 0) {
		pushDone(n, kept, rv);
		return 0;
	}
	if (p->pack != NULL &&
	    nng_msg_len(p->pack) + frame_size > n->opts.max_message_bytes) {
		peerFlush(n, p, 0);
	}
	rv = peerAppend(n, p, &m, frame_size, kept);
	if (rv != 0) {
		return rv;
	}
	if (nng_msg_len(p->pack) >= n->opts.pack_flush_bytes) {
		peerFlush(n, p, 0);
	}
	return 0;
}

/* Once per loop iteration, just before libuv polls. */
static void prepareCb(uv_prepare_t *handle)
{
	struct nraft *n = handle->data;
	for (int round = 0; round < PREPARE_ROUNDS && !n->closing; round++) {
		flushAll(n);
		if (n->n_done == 0) {
			break;
		}
		fireDone(n);
	}
}

/* The struct raft driving this io: raft_init sets the outer io's data to
 * it. The workarounds below read (and raftTick() writes) its public
 * fields; NULL before raft_init. */
static struct raft *raftOf(const struct nraft *n)
{
	return n->io->data;
}

/* --- elections while a snapshot is stored ------------------------------ */

/* raft 0.15 bug (canonical/raft#343; fixed upstream after 0.15 by
 * 4fbd3c0): a follower whose election timer runs out while it stores a
 * snapshot (one the leader sent takes as long as raft_uv's barrier behind
 * the log writes in flight, then the write) becomes candidate; when the
 * store completes, installSnapshotCb restores it anyway and answers "the
 * leader" through follower_state, which in a candidate is candidate_state
 * (a union): raft sends to the address 0x100 (in_pre_vote) and the node
 * crashes. Seen in CI on a node catching up after a restart.
 *
 * As upstream does, a follower does not start an election while raft has a
 * snapshot put in flight (r->snapshot.put.data, set for a received snapshot
 * and for raft's own): every tick restarts its election timer, and a
 * TimeoutNow (a leadership transfer to us) is dropped, as if lost. */
static bool electionHeld(struct nraft *n)
{
	const struct raft *r = raftOf(n);
	return r != NULL && r->state == RAFT_FOLLOWER &&
	       r->snapshot.put.data != NULL;
}

/* --- commits of entries from earlier terms ------------------------------ */

/* raft 0.15 bug (fixed upstream after 0.15 by 524f735): a leader commits
 * entries of earlier terms by counting replicas. On each successful
 * AppendEntries result it commits its last stored entry once a majority
 * holds it, whatever that entry's term — and right after an election that
 * is an entry of an earlier term, until the leader has stored one of its
 * own. Raft forbids exactly this (Figure 8 of the paper: such an entry can
 * still be overwritten by a leader elected later; 3 nodes and two leader
 * crashes suffice), and an entry applied, answered and later overwritten
 * is an acknowledged write lost.
 *
 * So while the last entry a leader stored is of an earlier term, the
 * successful AppendEntries results it receives claim at most the entry
 * before that one: raft still hears from the follower (no step-down for
 * lack of contact) but never counts a majority for an old-term entry.
 * Once the leader has stored its own first entry (the broker proposes a
 * barrier on election) results pass unchanged, and counting replicas of
 * that entry commits everything before it, as Raft says. stored_term is
 * kept by appendDone(); a leader of term T cannot have stored an entry of
 * term T other than its own. */
static void clipOldTermResult(struct nraft *n, struct raft_message *m)
{
	const struct raft *r = raftOf(n);
	struct raft_append_entries_result *res = &m->append_entries_result;

	if (m->type == RAFT_IO_APPEND_ENTRIES_RESULT && res->rejected == 0 &&
	    r != NULL && r->state == RAFT_LEADER &&
	    n->stored_term < r->current_term && r->last_stored > 0 &&
	    res->last_log_index >= r->last_stored) {
		res->last_log_index = r->last_stored - 1;
		n->stats.old_term_results_clipped++;
	}
}

/* --- receiving ---------------------------------------------------------- */

/* Hand every message of one received pack to raft. */
static void deliverPack(struct nraft *n, const void *data, size_t len)
{
	struct nraft_codec_pack pack;
	struct raft_message m;
	char *errmsg = n->recv_errmsg;
	size_t errmsg_size = sizeof n->recv_errmsg;

	if (nraft_codec_pack_open(&pack, data, len, errmsg, errmsg_size) != 0) {
		n->stats.malformed++;
		return;
	}
	if (pack.cluster_id != n->opts.cluster_id) {
		snprintf(errmsg, errmsg_size,
			 "pack from cluster %llu, expected %llu",
			 (unsigned long long)pack.cluster_id,
			 (unsigned long long)n->opts.cluster_id);
		n->stats.foreign++;
		return;
	}
	while (nraft_codec_pack_more(&pack) && !n->closing) {
		struct peer *p;
		int rv = nraft_codec_pack_next(&pack, &m, errmsg, errmsg_size);
		if (rv != 0) {
			/* The sender is broken or hostile: skip the rest of the
			 * pack. RAFT_NOMEM lands here too; raft will resend. */
			n->stats.malformed++;
			return;
		}
		p = peerFind(n, m.server_id);
		if ((p != NULL && p->drop) || n->disk_failed) {
			nraft_codec_message_release(&m);
			n->stats.dropped++;
			continue;
		}
		if (p != NULL) {
			p->last_recv_ms = uv_now(n->loop);
			p->unanswered_bytes = 0;
		}
		if (m.type == RAFT_IO_TIMEOUT_NOW && electionHeld(n)) {
			n->stats.elections_held++;
			continue; /* See electionHeld(). */
		}
		clipOldTermResult(n, &m);
		n->stats.messages_received++;
		/* raft owns entries/batch and snapshot data+conf from here on;
		 * m.server_address points into data and is copied by raft. */
		n->recv_cb(n->io, &m);
	}
}

/* The PULL socket has messages: drain a bounded number. The fd stays
 * readable while nng holds more, so the rest comes on the next iteration. */
static void pollCb(uv_poll_t *handle, int status, int events)
{
	struct nraft *n = handle->data;
	(void)events;
	if (status < 0) {
		snprintf(n->recv_errmsg, sizeof n->recv_errmsg, "poll: %s",
			 uv_strerror(status));
		return;
	}
	for (unsigned i = 0; i < n->opts.recv_batch && !n->closing; i++) {
		nng_msg *msg;
		if (nng_recvmsg(n->pull, &msg, NNG_FLAG_NONBLOCK) != 0) {
			break; /* NNG_EAGAIN: drained. */
		}
		n->stats.packs_received++;
		deliverPack(n, nng_msg_body(msg), nng_msg_len(msg));
		nng_msg_free(msg);
	}
}

/* A pack from the tcp:// listener. */
static void listenerFrameCb(void *arg, const uint8_t *data, size_t len)
{
	struct nraft *n = arg;

	/* Before io->start there is no raft to hand it to (raft resends). */
	if (!n->closing && n->recv_cb != NULL) {
		n->stats.packs_received++;
		deliverPack(n, data, len);
	}
}

/* --- lifecycle ---------------------------------------------------------- */

/* raft_uv is closed: its removals need no trash any more. */
static void nraftTrashRelease(struct nraft *n)
{
	if (n->data_dir != NULL) {
		trash_unregister(n->data_dir);
		free(n->data_dir);
		n->data_dir = NULL;
	}
}

static void nraftFree(struct nraft *n)
{
	for (unsigned i = 0; i < n->n_peers; i++) {
		struct peer *p = n->peers[i];
		assert(p->dialer == NULL); /* it would call back into n */
		peerCloseSocket(p);
		assert(p->pack == NULL);
		free(p->reqs);
		free(p->address);
		free(p);
	}
	free(n->peers);
	free(n->done);
	free(n->address);
	free(n->data_dir);
	free(n);
}

/* Close the PUSH sockets that stayed without a connection for
 * opts.redial_ms; the next send dials afresh (see redial_ms in nraft_io.h:
 * nng's own reconnect timer may be late by a wall-clock step). */
static void peersRedial(struct nraft *n)
{
	uint64_t now = uv_now(n->loop);

	if (n->opts.redial_ms == 0) {
		return;
	}
	for (unsigned i = 0; i < n->n_peers; i++) {
		struct peer *p = n->peers[i];
		if (!p->push_open || atomic_load(&p->pipes) > 0) {
			p->unconnected_since_ms = 0;
		} else if (p->unconnected_since_ms == 0) {
			p->unconnected_since_ms = now;
		} else if (now - p->unconnected_since_ms >= n->opts.redial_ms) {
			peerFlush(n, p, RAFT_NOCONNECTION);
			peerCloseSocket(p);
			p->unconnected_since_ms = 0;
			n->stats.redials++;
		}
	}
}

/* The one way raft's tick is called. */
static void raftTick(struct nraft *n)
{
	if (electionHeld(n)) {
		raftOf(n)->election_timer_start = n->io->time(n->io);
		n->stats.elections_held++;
	}
	n->tick_cb(n->io);
}

static void innerTickCb(struct raft_io *inner)
{
	struct nraft *n = inner->data;
	peersRedial(n);
	raftTick(n);
}

/* All our handles are closed, raft_uv included: fire the remaining send
 * callbacks (raft frees its requests there), then raft's close callback,
 * from which the user may call nraft_io_close(). */
static void closeFinish(struct nraft *n)
{
	fireDone(n);
	n->close_cb(n->io);
}

static void handleCloseCb(uv_handle_t *handle)
{
	handlesRelease(handle->data);
}

static void handlesRelease(struct nraft *n)
{
	assert(n->open_handles > 0);
	n->open_handles--;
	if (n->open_handles > 0) {
		return;
	}
	if (n->closing) {
		closeFinish(n);
	} else if (n->free_on_last_handle) {
		nraftFree(n);
	}
}

/* raft_uv 0.15 can fire its close callback too early: a segment writer
 * leaves append_segments before its libuv handles finish closing, and libuv
 * runs close callbacks last-in first-out, so the tick timer's close
 * callback may see "nothing pending" and fire, and the writer's later close
 * callback calls it again on the same (by then freed) object. So ignore
 * repeats, and wait one more loop turn (closing our closer handle) before
 * anything is freed; the writer's close callbacks run within that turn. */
static void innerCloseCb(struct raft_io *inner)
{
	struct nraft *n = inner->data;
	if (n->inner_closed) {
		return;
	}
	n->inner_closed = true;
	uv_close((uv_handle_t *)&n->closer, handleCloseCb);
	n->closer_inited = false;
}

/* Set a TCP option on the listener; other transports do not know it. */
static int listenerSetBool(nng_listener l, const char *opt, bool value)
{
	int rv = nng_listener_set_bool(l, opt, value);
	return rv == NNG_ENOTSUP ? 0 : rv;
}

/* Create and start the PULL socket's listener at @address (TLS for a
 * tls+tcp:// address). Returns an nng error. */
static int pullListenerStart(struct nraft *n, const char *address)
{
	nng_listener listener;
	int rv;

	if ((rv = nng_listener_create(&listener, n->pull, address)) != 0) {
		return rv;
	}
	if ((rv = nng_listener_set_size(listener, NNG_OPT_RECVMAXSZ,
					n->opts.max_message_bytes)) != 0 ||
	    (rv = listenerSetBool(listener, NNG_OPT_TCP_NODELAY, true)) != 0 ||
	    (rv = listenerSetBool(listener, NNG_OPT_TCP_KEEPALIVE, true)) !=
		0 ||
	    (n->opts.tls_listen != NULL &&
	     strncmp(address, "tls+tcp://", 10) == 0 &&
	     (rv = nng_listener_set_ptr(listener, NNG_OPT_TLS_CONFIG,
					n->opts.tls_listen)) != 0) ||
	    (rv = nng_listener_start(listener, 0)) != 0) {
		nng_listener_close(listener);
		return rv;
	}
	return 0;
}

/* Open the PULL socket, bind it at @address and return its readiness fd.
 * On failure the socket is closed and io->errmsg says which step failed. */
static int pullListen(struct nraft *n, const char *address, int *fd)
{
	const char *step;
	int rv;

	step = "open pull socket";
	rv = nng_pull0_open(&n->pull);
	if (rv != 0) {
		goto err;
	}
	step = "configure socket";
	if ((rv = nng_socket_set_size(n->pull, NNG_OPT_RECVMAXSZ,
				      n->opts.max_message_bytes)) != 0) {
		goto err_after_open;
	}
	step = "listen";
	if ((rv = pullListenerStart(n, address)) != 0) {
		goto err_after_open;
	}
	step = "get recv fd";
	if ((rv = nng_socket_get_int(n->pull, NNG_OPT_RECVFD, fd)) != 0) {
		goto err_after_open;
	}
	n->pull_open = true;
	return 0;

err_after_open:
	nng_close(n->pull);
err:
	snprintf(n->io->errmsg, sizeof n->io->errmsg, "%s %s: %s", step,
		 address, nng_strerror(rv));
	return fromNng(rv);
}

/* Start receiving at @address: the tcp:// listener, or the nng PULL socket
 * and the poll handle on its readiness fd. On failure nothing is left
 * open but what closes asynchronously, and io->errmsg says why. */
static int receiverOpen(struct nraft *n, const char *address)
{
	int fd;
	int rv;

	if (strncmp(address, "tcp://", 6) == 0) {
		rv = nraft_tcp_listen(n->loop, address,
				      n->opts.max_message_bytes,
				      listenerFrameCb, n, &n->listener,
				      n->io->errmsg, sizeof n->io->errmsg);
		if (rv != 0) {
			return rv == UV_EADDRINUSE ? RAFT_DUPLICATEADDRESS
			       : rv == UV_EINVAL   ? RAFT_INVALID
			       : rv == UV_ENOMEM   ? RAFT_NOMEM
						   : RAFT_IOERR;
		}
		n->open_handles++;
		return 0;
	}
	rv = pullListen(n, address, &fd);
	if (rv != 0) {
		return rv;
	}
	rv = uv_poll_init(n->loop, &n->poll, fd);
	if (rv != 0) {
		snprintf(n->io->errmsg, sizeof n->io->errmsg, "poll init: %s",
			 uv_strerror(rv));
		nng_close(n->pull);
		n->pull_open = false;
		return RAFT_IOERR;
	}
	n->poll.data = n;
	n->poll_inited = true;
	n->open_handles++;
	return 0;
}

/* Stop receiving. uv_close() removes the fd from the poller at once, so
 * the PULL socket (which owns that fd) can be closed right after. */
static void receiverClose(struct nraft *n)
{
	if (n->listener != NULL) {
		nraft_tcp_listener_close(n->listener, childClosed, n);
		n->listener = NULL;
	}
	if (n->poll_inited) {
		uv_close((uv_handle_t *)&n->poll, handleCloseCb);
		n->poll_inited = false;
	}
	if (n->pull_open) {
		nng_close(n->pull);
		n->pull_open = false;
	}
}

/* Implementation of raft_io->init: start receiving at @address and
 * initialize the inner raft_uv. Order matters: the only step that leaves
 * something needing an asynchronous close on failure is the receiver (the
 * listener or the poll handle), and raft_uv's init (which creates its
 * timer as its last, infallible step) runs after it. */
static int ioInit(struct raft_io *io, raft_id id, const char *address)
{
	struct nraft *n = io->impl;
	size_t address_len = strlen(address);
	int rv;

	n->id = id;
	if (address_len == 0 || address_len > NRAFT_CODEC_MAX_ADDRESS_BYTES) {
		snprintf(io->errmsg, sizeof io->errmsg,
			 "address length %zu invalid", address_len);
		return RAFT_INVALID;
	}
	n->address = strdup(address);
	if (n->address == NULL) {
		snprintf(io->errmsg, sizeof io->errmsg, "out of memory");
		return RAFT_NOMEM;
	}

	rv = receiverOpen(n, address);
	if (rv != 0) {
		goto err_after_address;
	}
	rv = n->inner.init(&n->inner, id, address);
	if (rv != 0) {
		innerResult(n, rv);
		receiverClose(n);
		goto err_after_address;
	}
	n->inner_inited = true;

	uv_prepare_init(n->loop, &n->prepare); /* Cannot fail. */
	n->prepare.data = n;
	n->prepare_inited = true;
	n->open_handles++;
	uv_timer_init(n->loop, &n->closer); /* Cannot fail. */
	n->closer.data = n;
	n->closer_inited = true;
	n->open_handles++;
	if (uv_async_init(n->loop, &n->lost_async, lostAsyncCb) == 0) {
		/* Without it, a lost leader costs an election timeout. */
		n->lost_async.data = n;
		n->lost_async_inited = true;
		n->open_handles++;
	}
	return 0;

err_after_address:
	free(n->address);
	n->address = NULL;
	return rv;
}

/* Implementation of raft_io->start. */
static int ioStart(struct raft_io *io, unsigned msecs, raft_io_tick_cb tick,
		   raft_io_recv_cb recv)
{
	struct nraft *n = io->impl;
	int rv;

	n->tick_cb = tick;
	n->recv_cb = recv;
	/* raft_uv's start runs its tick timer (we forward ticks with the outer
	 * io) and calls the stub's listen. Its recv callback can never fire:
	 * the stub transport accepts nothing. */
	rv = n->inner.start(&n->inner, msecs, innerTickCb, NULL);
	if (rv != 0) {
		return innerResult(n, rv);
	}
	rv = n->poll_inited ? uv_poll_start(&n->poll, UV_READABLE, pollCb) : 0;
	if (rv != 0) {
		snprintf(io->errmsg, sizeof io->errmsg, "poll start: %s",
			 uv_strerror(rv));
		return RAFT_IOERR;
	}
	uv_prepare_start(&n->prepare, prepareCb);
	return 0;
}

/* Implementation of raft_io->close. */
static void ioClose(struct raft_io *io, raft_io_close_cb cb)
{
	struct nraft *n = io->impl;

	assert(!n->closing);
	n->closing = true;
	n->close_cb = cb;

	for (unsigned i = 0; i < n->n_peers; i++) {
		peerFlush(n, n->peers[i], RAFT_CANCELED);
	}
	receiverClose(n);
	if (n->prepare_inited) {
		uv_close((uv_handle_t *)&n->prepare, handleCloseCb);
		n->prepare_inited = false;
	}
	for (unsigned i = 0; i < n->n_peers; i++) {
		peerCloseSocket(n->peers[i]);
	}
	/* After the sockets: their pipe callbacks may wake it until then. */
	if (n->lost_async_inited) {
		uv_close((uv_handle_t *)&n->lost_async, handleCloseCb);
		n->lost_async_inited = false;
	}
	/* Start raft_uv's close now, from the caller's loop phase: it cancels
	 * pending appends (their callbacks run inside raft_close) and ends in
	 * innerCloseCb(). */
	if (n->inner_inited) {
		n->inner.close(&n->inner, innerCloseCb);
	} else {
		n->inner_closed = true; /* Unreachable via raft: init failed. */
		if (n->open_handles == 0) {
			closeFinish(n);
		}
	}
}

/* --- storage: straight to raft_uv -------------------------------------- */

static int ioLoad(struct raft_io *io, raft_term *term, raft_id *voted_for,
		  struct raft_snapshot **snapshot, raft_index *start_index,
		  struct raft_entry *entries[], size_t *n_entries)
{
	struct nraft *n = io->impl;
	return innerResult(n,
			   n->inner.load(&n->inner, term, voted_for, snapshot,
					 start_index, entries, n_entries));
}

static int ioBootstrap(struct raft_io *io,
		       const struct raft_configuration *conf)
{
	struct nraft *n = io->impl;
	return innerResult(n, n->inner.bootstrap(&n->inner, conf));
}

static int ioRecover(struct raft_io *io, const struct raft_configuration *conf)
{
	struct nraft *n = io->impl;
	return innerResult(n, n->inner.recover(&n->inner, conf));
}

static int ioSetTerm(struct raft_io *io, raft_term term)
{
	struct nraft *n = io->impl;
	return innerResult(n, n->inner.set_term(&n->inner, term));
}

static int ioSetVote(struct raft_io *io, raft_id server_id)
{
	struct nraft *n = io->impl;
	return innerResult(n, n->inner.set_vote(&n->inner, server_id));
}

static void appendDone(struct raft_io_append *req, int status)
{
	struct appendWrap *w = req->data;
	struct raft_io_append *outer = w->outer;
	raft_io_append_cb cb = w->cb;
	struct nraft *n = w->n;

	if (status == 0) {
		/* raft_uv completes appends in order: this is now the term of
		 * the last stored entry (see clipOldTermResult()). */
		n->stored_term = w->last_term;
		/* Wall time, not uv_now(): a write can block the loop. */
		n->append_done_ns = uv_hrtime();
		double ms = (double)(n->append_done_ns - w->started_ns) / 1e6;
		n->append_ewma_ms = n->append_ewma_ms * 0.75 + ms * 0.25;
	}
	free(w);
	if (n->disk_failed) {
		return; /* raft is abandoned: see below */
	}
	/* RAFT_CANCELED: raft_uv is closing, nothing went wrong on disk. */
	if (status != 0 && status != RAFT_CANCELED) {
		/* libraft 0.15 cannot go on after a failed log write: a
		 * follower keeps the entries in memory while raft_uv rolls its
		 * next index back, so its next append is written at the wrong
		 * index (a corrupt log); a leader truncates its in-memory log
		 * once per failed request, and when several fail together the
		 * second truncation runs past the end of the log and crashes
		 * (seen: SEGV in refsDecr); it would also reuse indexes that
		 * followers may already hold. So the node leaves raft at once:
		 * this failure and every later append result are kept from
		 * raft, no append reaches raft_uv any more, no raft message
		 * goes in or out (a leader's followers elect another), and
		 * the owner is told. It must not call raft_close() (raft would
		 * free entries it still counts as in flight); it restarts the
		 * process from the data dir, which holds a consistent log
		 * (what raft_uv wrote, as after a SIGKILL). */
		n->disk_failed = true;
		n->disk_status = status;
		snprintf(n->disk_errmsg, sizeof n->disk_errmsg, "%s",
			 n->inner.errmsg[0] != '\0' ? n->inner.errmsg
						    : raft_strerror(status));
		if (n->disk_cb != NULL) {
			n->disk_cb(n->disk_cb_arg, status, n->disk_errmsg);
		}
		return;
	}
	cb(outer, status);
}

static int ioAppend(struct raft_io *io, struct raft_io_append *req,
		    const struct raft_entry entries[], unsigned n_entries,
		    raft_io_append_cb cb)
{
	struct nraft *n = io->impl;
	struct appendWrap *w;
	int rv;

	if (n->disk_failed) {
		snprintf(io->errmsg, sizeof io->errmsg,
			 "an earlier log write failed: %.200s", n->disk_errmsg);
		return RAFT_IOERR;
	}
	w = malloc(sizeof *w);
	if (w == NULL) {
		return RAFT_NOMEM;
	}
	w->outer = req;
	w->cb = cb;
	w->n = n;
	w->started_ns = uv_hrtime();
	w->last_term = n_entries > 0 ? entries[n_entries - 1].term : 0;
	w->inner.data = w;
	rv = n->inner.append(&n->inner, &w->inner, entries, n_entries,
			     appendDone);
	if (rv != 0) {
		free(w);
	}
	return innerResult(n, rv);
}

static int ioTruncate(struct raft_io *io, raft_index index)
{
	struct nraft *n = io->impl;
	return innerResult(n, n->inner.truncate(&n->inner, index));
}

/* One snapshot put on its way through raft_uv.
 *
 * raft 0.15 leak (fixed upstream after 0.15 by 2a38d3d): when raft
 * discards a snapshot it received — the node closed while storing it, or
 * the store failed — installSnapshotCb frees the data but not the array
 * of buffers around it (16 bytes; LeakSanitizer reports it when a test
 * stops a node mid-install). We note that array when raft stores a
 * received snapshot (its put request's data is not the struct raft, as it
 * is for raft's own snapshots) and free it after raft's callback in those
 * two cases; on success raft frees it itself. (A state machine that
 * refuses the snapshot still leaks it: that node cannot go on anyway.) */
struct snapshotPutWrap {
	struct raft_io_snapshot_put inner; /* What raft_uv gets. */
	struct raft_io_snapshot_put *outer;
	raft_io_snapshot_put_cb cb;
	struct raft_buffer *received_bufs; /* NULL for raft's own snapshot. */
	struct nraft *n;
};

static void snapshotPutDone(struct raft_io_snapshot_put *req, int status)
{
	struct snapshotPutWrap *w = req->data;
	const struct raft *r = raftOf(w->n);
	struct raft_buffer *discarded = NULL;

	if (w->received_bufs != NULL &&
	    (status != 0 || r->state == RAFT_UNAVAILABLE)) {
		discarded = w->received_bufs;
	}
	w->cb(w->outer, status);
	raft_free(discarded);
	free(w);
}

static int ioSnapshotPut(struct raft_io *io, unsigned trailing,
			 struct raft_io_snapshot_put *req,
			 const struct raft_snapshot *snapshot,
			 raft_io_snapshot_put_cb cb)
{
	struct nraft *n = io->impl;
	struct snapshotPutWrap *w = malloc(sizeof *w);
	int rv;

	if (w == NULL) {
		return RAFT_NOMEM;
	}
	w->outer = req;
	w->cb = cb;
	w->n = n;
	w->received_bufs = req->data != raftOf(n) ? snapshot->bufs : NULL;
	w->inner.data = w;
	rv = n->inner.snapshot_put(&n->inner, trailing, &w->inner, snapshot,
				   snapshotPutDone);
	if (rv != 0) {
		free(w);
	}
	return innerResult(n, rv);
}

static int ioSnapshotGet(struct raft_io *io, struct raft_io_snapshot_get *req,
			 raft_io_snapshot_get_cb cb)
{
	struct nraft *n = io->impl;
	return innerResult(n, n->inner.snapshot_get(&n->inner, req, cb));
}

static raft_time ioTime(struct raft_io *io)
{
	struct nraft *n = io->impl;
	return n->inner.time(&n->inner);
}

static int ioRandom(struct raft_io *io, int min, int max)
{
	struct nraft *n = io->impl;
	return n->inner.random(&n->inner, min, max);
}

static int ioAsyncWork(struct raft_io *io, struct raft_io_async_work *req,
		       raft_io_async_work_cb cb)
{
	struct nraft *n = io->impl;
	return innerResult(n, n->inner.async_work(&n->inner, req, cb));
}

/* --- public ------------------------------------------------------------- */

int nraft_io_init(struct raft_io *io, struct uv_loop_s *loop,
		  const char *data_dir, const struct nraft_options *opts,
		  char *errmsg, size_t errmsg_size)
{
	struct nraft *n;
	int rv;

	nraft_aio_defer_link();
	nraft_prealloc_link();
	if (errmsg != NULL && errmsg_size > 0) {
		errmsg[0] = '\0';
	}
	n = calloc(1, sizeof *n);
	if (n == NULL) {
		if (errmsg != NULL) {
			snprintf(errmsg, errmsg_size, "out of memory");
		}
		return RAFT_NOMEM;
	}
	if (opts != NULL) {
		n->opts = *opts;
	} else {
		nraft_options_init(&n->opts);
	}
	if (n->opts.max_message_bytes < MIN_MESSAGE_BYTES ||
	    n->opts.pack_flush_bytes == 0 || n->opts.send_buffer_packs < 1 ||
	    n->opts.send_buffer_packs > 8192 || n->opts.recv_batch == 0) {
		if (errmsg != NULL) {
			snprintf(errmsg, errmsg_size,
				 "invalid options (max_message_bytes >= %d, "
				 "send_buffer_packs 1..8192, recv_batch >= 1)",
				 MIN_MESSAGE_BYTES);
		}
		free(n);
		return RAFT_INVALID;
	}
	n->loop = loop;
	n->io = io;

	n->stub.init = stubInit;
	n->stub.listen = stubListen;
	n->stub.connect = stubConnect;
	n->stub.close = stubClose;
	n->inner.data = n; /* raft_uv_init() keeps data. */
	/* Paced removals (trash.h); without a trash they are plain. */
	if ((n->data_dir = strdup(data_dir)) != NULL &&
	    trash_register(data_dir) != 0) {
		free(n->data_dir);
		n->data_dir = NULL;
	}
	rv = raft_uv_init(&n->inner, loop, data_dir, &n->stub);
	if (rv != 0) {
		if (errmsg != NULL) {
			snprintf(errmsg, errmsg_size, "raft_uv init: %s",
				 n->inner.errmsg);
		}
		nraftTrashRelease(n);
		free(n);
		return rv;
	}
	if (raft_uv_set_snapshot_compression(
		&n->inner, n->opts.snapshot_compression) != 0) {
		if (errmsg != NULL) {
			snprintf(errmsg, errmsg_size,
				 "libraft built without lz4");
		}
		raft_uv_close(&n->inner);
		nraftTrashRelease(n);
		free(n);
		return RAFT_INVALID;
	}
	if (n->opts.segment_bytes > 0) {
		raft_uv_set_segment_size(&n->inner, n->opts.segment_bytes);
	}
	/* raft_uv's "auto recovery" answers a checksum mismatch by deleting
	 * the damaged segment and every later one, then starting anyway: a
	 * node could silently drop entries it acknowledged as part of a
	 * majority. Refuse to start instead (RAFT_CORRUPT with the file
	 * named); the operator wipes the node and it rejoins from a
	 * snapshot of its peers. */
	raft_uv_set_auto_recovery(&n->inner, false);

	memset(io, 0, sizeof *io);
	io->version = 2; /* async_work is implemented. */
	io->impl = n;
	io->init = ioInit;
	io->close = ioClose;
	io->load = ioLoad;
	io->start = ioStart;
	io->bootstrap = ioBootstrap;
	io->recover = ioRecover;
	io->set_term = ioSetTerm;
	io->set_vote = ioSetVote;
	io->send = ioSend;
	io->append = ioAppend;
	io->truncate = ioTruncate;
	io->snapshot_put = ioSnapshotPut;
	io->snapshot_get = ioSnapshotGet;
	io->time = ioTime;
	io->random = ioRandom;
	io->async_work = ioAsyncWork;
	return 0;
}

void nraft_io_close(struct raft_io *io)
{
	struct nraft *n = io->impl;
	if (n == NULL) {
		return;
	}
	/* raft_close() must have completed if io->init succeeded. */
	assert(!n->inner_inited || n->closing);
	io->impl = NULL;
	raft_uv_close(&n->inner);
	nraftTrashRelease(n);
	if (n->pull_open) {
		nng_close(n->pull);
		n->pull_open = false;
	}
	if (n->open_handles > 0) {
		/* A failed io->init is still closing its poll handle. */
		n->free_on_last_handle = true;
		return;
	}
	nraftFree(n);
}

bool nraft_io_peer_reachable(struct raft_io *io, raft_id id)
{
	struct nraft *n = io->impl;
	struct peer *p = peerFind(n, id);
	if (p == NULL || p->drop || !p->push_open ||
	    atomic_load(&p->pipes) <= 0 || p->last_recv_ms == 0) {
		return false;
	}
	return uv_now(n->loop) - p->last_recv_ms <= n->opts.peer_timeout_ms;
}

int nraft_io_set_drop(struct raft_io *io, raft_id peer, bool drop)
{
	struct nraft *n = io->impl;
	struct peer *p = peerGet(n, peer);
	if (p == NULL) {
		return RAFT_NOMEM;
	}
	p->drop = drop;
	return 0;
}

void nraft_io_set_disk_failed_cb(struct raft_io *io, nraft_disk_failed_cb cb,
				 void *arg)
{
	struct nraft *n = io->impl;
	n->disk_cb = cb;
	n->disk_cb_arg = arg;
}

void nraft_io_set_peer_lost_cb(struct raft_io *io, nraft_peer_lost_cb cb,
			       void *arg)
{
	struct nraft *n = io->impl;
	n->lost_cb = cb;
	n->lost_cb_arg = arg;
}

void nraft_io_tick(struct raft_io *io)
{
	struct nraft *n = io->impl;
	if (n->tick_cb != NULL && !n->closing) {
		raftTick(n);
	}
}

bool nraft_io_disk_failed(struct raft_io *io, int *status, const char **errmsg)
{
	struct nraft *n = io->impl;
	if (status != NULL) {
		*status = n->disk_status;
	}
	if (errmsg != NULL) {
		*errmsg = n->disk_errmsg;
	}
	return n->disk_failed;
}

double nraft_io_append_latency_ms(struct raft_io *io, uint64_t *age_ms)
{
	struct nraft *n = io->impl;
	if (age_ms != NULL) {
		*age_ms = n->append_done_ns == 0
			      ? UINT64_MAX
			      : (uv_hrtime() - n->append_done_ns) / 1000000;
	}
	return n->append_ewma_ms;
}

size_t nraft_io_max_entry_bytes(struct raft_io *io)
{
	struct nraft *n = io->impl;
	size_t overhead = NRAFT_CODEC_PACK_HEADER_BYTES +
			  NRAFT_CODEC_APPEND_OVERHEAD_BYTES +
			  NRAFT_CODEC_ENTRY_HEADER_BYTES;
	return n->opts.max_message_bytes - overhead;
}

void nraft_io_get_stats(struct raft_io *io, struct nraft_io_stats *stats)
{
	struct nraft *n = io->impl;
	*stats = n->stats;
}
