/* link_sp — link.h's transport for tcp:// endpoints: nng's REQ wire (SP
 * over TCP, raft/sp_tcp.h) spoken by one epoll thread per client.
 *
 * The wire: after the 8-byte handshakes (ours REQ, the node's REP) every
 * message is a 64-bit big-endian length and that many bytes; a request
 * starts with its id (32 bits, big endian, top bit set) and the reply
 * carries the same id first.
 *
 * Everything pending is under the loop's one mutex: per link, the frames
 * waiting to be written (out queue) and the exchanges sent and awaiting
 * their reply (an id table); for the loop, a heap of the pending
 * exchanges' deadlines. An exchange is QUEUED (its frame not yet begun:
 * waiting for a connection or behind other frames), then SENT from the
 * moment its frame's first byte is written, until its reply, its
 * deadline, the loss of the connection or a cancel ends it.
 *
 * Threads: link_xchg_start writes the frame itself when the connection is
 * open and nothing is queued before it (the common case: no hand-off to
 * send); the rest — resolving (without the mutex), connecting, greeting,
 * reading, writing what is left, deadlines, redials — is the loop
 * thread's, which also runs every
 * callback, without the mutex held (the engine takes its own lock in
 * them, and takes it before ours when starting exchanges). Only the loop
 * thread reads a socket or closes one; frames a callback starts may be
 * written meanwhile by whoever holds the mutex.
 *
 * A connection that fails (refused, reset, EOF, a protocol error, a reply
 * over max_reply, no handshake within SP_HANDSHAKE_MS) ends its SENT
 * exchanges with LINK_LOST and drops a half-written frame; QUEUED ones
 * wait for the next connection, made 50 ms later, then 100, ... up to 1 s
 * apart while it fails (nng's dialer does the same). */
#include "link_int.h"
#include "sp_tcp.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define ID_BYTES	 4
#define ID_TABLE	 256 /* buckets, a power of two */
#define REDIAL_MIN_MS	 50
#define REDIAL_MAX_MS	 1000
#define MAX_EVENTS	 64
#define MAX_WRITE_FRAMES 64  /* frames per writev */
#define MAX_SLEEP_MS	 100 /* while anything is pending */
#define MAX_DIALS	 64  /* links dialed per turn */
#define MAX_HOST	 256
#define MAX_PORT	 32

enum sp_xchg_state { SPX_IDLE, SPX_QUEUED, SPX_SENT, SPX_ENDING };

enum sp_conn_state {
	CONN_IDLE,	 /* never dialed */
	CONN_RESOLVING,	 /* the loop resolves the address (without mu) */
	CONN_CONNECTING, /* connect() in progress */
	CONN_GREETING,	 /* connected, waiting for the node's handshake */
	CONN_OPEN,
	CONN_WAIT /* failed; redial at redial_at */
};

/* A request on the wire: length, id, body. */
struct link_frame {
	struct link_frame *next;
	struct link_xchg *x; /* until its first byte is written */
	size_t len, off;
	uint8_t data[];
};

struct sp_link {
	struct link_loop *loop;
	struct sp_link *next; /* loop->links */
	char host[MAX_HOST], port[MAX_PORT];
	size_t max_reply;
	int fd;
	size_t addr_next; /* the resolved address to dial next */
	enum sp_conn_state state;
	bool want_out;	     /* EPOLLOUT armed */
	int64_t conn_due_ms; /* CONNECTING/GREETING: give up then */
	int64_t redial_at_ms;
	unsigned redial_ms;
	atomic_bool was_connected, open;
	struct link_frame *out_head, *out_tail;
	struct link_xchg *sent[ID_TABLE];
	uint32_t next_id;
	struct sp_rbuf in; /* the loop thread's */
};

struct link_loop {
	pthread_mutex_t mu;
	pthread_t thread;
	bool started, stopping;
	int epfd, evfd;
	struct sp_link *links;
	/* Pending exchanges by due_ms (a binary min-heap). */
	struct link_xchg **heap;
	size_t heap_n, heap_cap;
	/* Ended by a cancel, waiting for the loop to run their callbacks
	 * (linked through sp.hnext). */
	struct link_xchg *ended;
	/* The loop sleeps until then (INT64_MAX: no deadline; 0: awake). */
	int64_t sleep_until_ms;
};

/* ---- the deadline heap --------------------------------------------------- */

static void heap_set(struct link_loop *loop, size_t i, struct link_xchg *x)
{
	loop->heap[i] = x;
	x->sp.heap_idx = i;
}

static void heap_up(struct link_loop *loop, size_t i)
{
	struct link_xchg *x = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (loop->heap[parent]->sp.due_ms <= x->sp.due_ms) {
			break;
		}
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, x);
}

static void heap_down(struct link_loop *loop, size_t i)
{
	struct link_xchg *x = loop->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= loop->heap_n) {
			break;
		}
		if (child + 1 < loop->heap_n &&
		    loop->heap[child + 1]->sp.due_ms <
			loop->heap[child]->sp.due_ms) {
			child++;
		}
		if (x->sp.due_ms <= loop->heap[child]->sp.due_ms) {
			break;
		}
		heap_set(loop, i, loop->heap[child]);
		i = child;
	}
	heap_set(loop, i, x);
}

static int heap_push(struct link_loop *loop, struct link_xchg *x)
{
	if (loop->heap_n == loop->heap_cap) {
		size_t cap = loop->heap_cap ? 2 * loop->heap_cap : 64;
		struct link_xchg **h = realloc(loop->heap, cap * sizeof *h);
		if (h == NULL) {
			return -1;
		}
		loop->heap = h;
		loop->heap_cap = cap;
	}
	heap_set(loop, loop->heap_n++, x);
	heap_up(loop, loop->heap_n - 1);
	return 0;
}

static void heap_remove(struct link_loop *loop, struct link_xchg *x)
{
	size_t i = x->sp.heap_idx;
	struct link_xchg *last = loop->heap[--loop->heap_n];

	if (i == loop->heap_n) {
		return;
	}
	heap_set(loop, i, last);
	heap_up(loop, i);
	heap_down(loop, last->sp.heap_idx);
}

/* x's deadline changed. */
static void heap_update(struct link_loop *loop, struct link_xchg *x)
{
	heap_up(loop, x->sp.heap_idx);
	heap_down(loop, x->sp.heap_idx);
}

/* ---- pending exchanges --------------------------------------------------- */

/* Wake the loop if it sleeps past due_ms (or for a cancel: 0). Under mu. */
static void loop_wake_locked(struct link_loop *loop, int64_t due_ms)
{
	uint64_t one = 1;

	if (loop->sleep_until_ms != 0 && due_ms < loop->sleep_until_ms) {
		loop->sleep_until_ms = due_ms > 0 ? due_ms : 1;
		if (write(loop->evfd, &one, sizeof one) < 0) {
			/* The counter is full: the loop is awake anyway. */
		}
	}
}

static struct link_xchg **sent_slot(struct sp_link *l, uint32_t id)
{
	return &l->sent[id & (ID_TABLE - 1)];
}

/* Take the sent exchange with this id out of the table (NULL: none —
 * it ended already). Under mu. */
static struct link_xchg *sent_take(struct sp_link *l, uint32_t id)
{
	for (struct link_xchg **p = sent_slot(l, id); *p != NULL;
	     p = &(*p)->sp.hnext) {
		if ((*p)->sp.id == id) {
			struct link_xchg *x = *p;
			*p = x->sp.hnext;
			x->sp.hnext = NULL;
			return x;
		}
	}
	return NULL;
}

static void out_unlink(struct sp_link *l, struct link_frame *f)
{
	struct link_frame **p = &l->out_head, *prev = NULL;

	while (*p != f) {
		prev = *p;
		p = &(*p)->next;
	}
	*p = f->next;
	if (l->out_tail == f) {
		l->out_tail = prev;
	}
	free(f);
}

/* Take x out of everything it is pending in; the caller ends it. Under
 * mu. */
static void xchg_detach_locked(struct link_xchg *x)
{
	struct sp_link *l = x->sp.link;

	if (x->sp.state == SPX_QUEUED) {
		out_unlink(l, x->sp.frame);
		x->sp.frame = NULL;
	} else if (x->sp.state == SPX_SENT) {
		sent_take(l, x->sp.id);
	}
	heap_remove(l->loop, x);
	x->sp.state = SPX_ENDING;
}

/* An ended exchange, for the loop to run its callback (linked through
 * hnext; the callback runs without mu). */
struct ended_list {
	struct link_xchg *head, *tail;
};

static void ended_add(struct ended_list *e, struct link_xchg *x,
		      enum link_result result, const char *why)
{
	x->sp.result = result;
	x->sp.why = why;
	x->sp.hnext = NULL;
	if (e->tail != NULL) {
		e->tail->sp.hnext = x;
	} else {
		e->head = x;
	}
	e->tail = x;
}

static void ended_run(struct ended_list *e)
{
	struct link_xchg *x = e->head, *next;

	for (; x != NULL; x = next) {
		next = x->sp.hnext;
		x->sp.hnext = NULL;
		/* x may be started again inside its callback (its state,
		 * SPX_ENDING, makes a cancel a no-op until then). */
		x->cb(x->arg, x, (enum link_result)x->sp.result, x->sp.why,
		      NULL, 0);
	}
	e->head = e->tail = NULL;
}

/* The frame at the head started going out: its exchange is sent, and
 * waits for its reply from now on. Under mu. */
static void frame_begun_locked(struct sp_link *l, struct link_frame *f,
			       int64_t now)
{
	struct link_xchg *x = f->x;
	struct link_xchg **slot;

	if (x == NULL) {
		return;
	}
	f->x = NULL;
	x->sp.frame = NULL;
	x->sp.state = SPX_SENT;
	slot = sent_slot(l, x->sp.id);
	x->sp.hnext = *slot;
	*slot = x;
	x->sp.due_ms = now + (int64_t)x->sp.reply_ms;
	if (x->sp.due_ms > x->sp.end_ms) {
		x->sp.due_ms = x->sp.end_ms;
	}
	heap_update(l->loop, x);
}

/* ---- the connection ------------------------------------------------------ */

static void set_events_locked(struct sp_link *l, bool out)
{
	struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0),
				 .data.ptr = l};

	if (l->want_out != out) {
		l->want_out = out;
		epoll_ctl(l->loop->epfd, EPOLL_CTL_MOD, l->fd, &ev);
	}
}

/* Write queued frames while the socket takes them. 0, or -1: a write
 * failed (EPOLLOUT stays armed: the loop tries again and fails the
 * connection). Under mu, OPEN. */
static int out_flush_locked(struct sp_link *l)
{
	int64_t now = link_now_ms();

	while (l->out_head != NULL) {
		struct iovec iov[MAX_WRITE_FRAMES];
		struct link_frame *f = l->out_head;
		int n = 0;
		ssize_t w;

		for (; f != NULL && n < MAX_WRITE_FRAMES; f = f->next, n++) {
			iov[n].iov_base = f->data + f->off;
			iov[n].iov_len = f->len - f->off;
		}
		struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
		w = sendmsg(l->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			break;
		}
		if (w < 0) {
			/* The loop's next EPOLLOUT retries, and fails the
			 * connection if it still cannot write. */
			set_events_locked(l, true);
			return -1;
		}
		while (w > 0) {
			f = l->out_head;
			size_t take = f->len - f->off;
			frame_begun_locked(l, f, now);
			if ((size_t)w < take) {
				f->off += (size_t)w;
				break;
			}
			w -= (ssize_t)take;
			l->out_head = f->next;
			if (l->out_head == NULL) {
				l->out_tail = NULL;
			}
			free(f);
		}
	}
	set_events_locked(l, l->out_head != NULL);
	return 0;
}

/* Close the connection; end its sent exchanges (LINK_LOST); redial
 * later. Under mu, loop thread. */
static void conn_fail_locked(struct sp_link *l, const char *why,
			     struct ended_list *ended)
{
	struct link_loop *loop = l->loop;
	struct link_frame *f;

	if (l->fd >= 0) {
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, l->fd, NULL);
		close(l->fd);
		l->fd = -1;
		if (l->state != CONN_OPEN) {
			l->addr_next++; /* that address did not work */
		}
	}
	l->want_out = false;
	atomic_store(&l->open, false);
	l->in.len = 0;
	for (size_t b = 0; b < ID_TABLE; b++) {
		while (l->sent[b] != NULL) {
			struct link_xchg *x = l->sent[b];
			l->sent[b] = x->sp.hnext;
			heap_remove(loop, x);
			x->sp.state = SPX_ENDING;
			ended_add(ended, x, LINK_LOST, why);
		}
	}
	/* A frame begun on this connection cannot go on the next one. */
	while ((f = l->out_head) != NULL && (f->off > 0 || f->x == NULL)) {
		l->out_head = f->next;
		free(f);
	}
	if (l->out_head == NULL) {
		l->out_tail = NULL;
	}
	l->state = CONN_WAIT;
	l->redial_at_ms = link_now_ms() + l->redial_ms;
	l->redial_ms =
	    l->redial_ms * 2 > REDIAL_MAX_MS ? REDIAL_MAX_MS : l->redial_ms * 2;
}

/* Resolve the link's address: its addresses (freeaddrinfo them), or NULL.
 * Loop thread, NOT under mu (a name may take the resolver seconds; the
 * link is CONN_RESOLVING meanwhile, which nobody else changes). */
static struct addrinfo *conn_resolve(const struct sp_link *l)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG};
	struct addrinfo *ai = NULL;

	if (getaddrinfo(l->host, l->port, &hints, &ai) != 0) {
		return NULL;
	}
	return ai;
}

/* Start connecting to one of ai's addresses: from the one after the last
 * that failed (a name may resolve to an address nobody listens on first,
 * as localhost's ::1), on to the next that takes a non-blocking connect.
 * Under mu, loop thread, CONN_RESOLVING. */
static void conn_dial_locked(struct sp_link *l, const struct addrinfo *ai,
			     struct ended_list *ended)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = l};
	const char *why = "cannot resolve the address";
	int one = 1;

	size_t n = 0;

	l->state = CONN_CONNECTING;
	l->conn_due_ms = link_now_ms() + SP_HANDSHAKE_MS;
	for (const struct addrinfo *a = ai; a != NULL; a = a->ai_next) {
		n++;
	}
	for (size_t k = 0; k < n; k++) {
		const struct addrinfo *a = ai;
		l->addr_next %= n;
		for (size_t skip = l->addr_next; skip > 0; skip--) {
			a = a->ai_next;
		}
		l->fd = socket(a->ai_family,
			       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (l->fd >= 0) {
			setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof one);
			if (connect(l->fd, a->ai_addr, a->ai_addrlen) == 0 ||
			    errno == EINPROGRESS) {
				break;
			}
		}
		why = strerror(errno);
		if (l->fd >= 0) {
			close(l->fd);
			l->fd = -1;
		}
		l->addr_next++;
	}
	if (l->fd < 0) {
		conn_fail_locked(l, why, ended);
		return;
	}
	l->want_out = true;
	if (epoll_ctl(l->loop->epfd, EPOLL_CTL_ADD, l->fd, &ev) != 0) {
		conn_fail_locked(l, strerror(errno), ended);
	}
}

/* Connected (or failed to): send our handshake, wait for the node's. */
static void conn_connected_locked(struct sp_link *l, struct ended_list *ended)
{
	uint8_t hs[SP_HANDSHAKE_BYTES];
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
		err = errno;
	}
	if (err != 0) {
		conn_fail_locked(l, strerror(err), ended);
		return;
	}
	sp_handshake(hs, SP_PROTO_REQ);
	if (send(l->fd, hs, sizeof hs, MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)sizeof hs) {
		conn_fail_locked(l, "handshake not sent", ended);
		return;
	}
	l->state = CONN_GREETING;
	set_events_locked(l, false);
}

/* Frames of an open connection in l->in: hand each reply to its exchange.
 * The bytes stay put while the callbacks run (only this thread reads).
 * -1: a protocol error (why set). Loop thread, not under mu. */
static int conn_take_frames(struct sp_link *l, const char **why)
{
	struct link_loop *loop = l->loop;
	size_t off = 0;
	int rc = 0;

	for (;;) {
		const uint8_t *p = l->in.data + off;
		size_t have = l->in.len - off;
		uint64_t frame;

		if (have < SP_LENGTH_BYTES) {
			break;
		}
		frame = sp_get_be64(p);
		if (frame < ID_BYTES || frame - ID_BYTES > l->max_reply) {
			*why = frame < ID_BYTES ? "malformed reply"
						: "reply too large";
			rc = -1;
			break;
		}
		if (have - SP_LENGTH_BYTES < frame) {
			break;
		}
		uint32_t word = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
				(uint32_t)p[10] << 8 | p[11];
		if (!(word & 0x80000000u)) {
			*why = "malformed reply";
			rc = -1;
			break;
		}
		pthread_mutex_lock(&loop->mu);
		struct link_xchg *x = sent_take(l, word & 0x7fffffffu);
		if (x != NULL) {
			heap_remove(loop, x);
			x->sp.state = SPX_IDLE;
		}
		pthread_mutex_unlock(&loop->mu);
		if (x != NULL) {
			x->cb(x->arg, x, LINK_OK, NULL,
			      p + SP_LENGTH_BYTES + ID_BYTES,
			      (size_t)frame - ID_BYTES);
		}
		off += SP_LENGTH_BYTES + (size_t)frame;
	}
	if (off > 0) {
		sp_rbuf_consume(&l->in, off);
	}
	return rc;
}

/* The socket is readable: read what is there, take the handshake and the
 * replies. Loop thread, not under mu. */
static void conn_read(struct sp_link *l, struct ended_list *ended)
{
	struct link_loop *loop = l->loop;
	const char *why = NULL;

	for (int reads = 0; reads < 16; reads++) {
		bool framed = l->state == CONN_OPEN;
		ssize_t r;

		if (sp_rbuf_reserve(&l->in, framed, l->max_reply + ID_BYTES) !=
		    0) {
			why = "out of memory";
			break;
		}
		r = recv(l->fd, l->in.data + l->in.len, l->in.cap - l->in.len,
			 MSG_DONTWAIT);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		}
		if (r <= 0) {
			why = r == 0 ? "Connection shutdown" : strerror(errno);
			break;
		}
		l->in.len += (size_t)r;
		if (l->state == CONN_GREETING) {
			if (l->in.len < SP_HANDSHAKE_BYTES) {
				continue;
			}
			if (!sp_handshake_is(l->in.data, SP_PROTO_REP)) {
				why = "Protocol error";
				break;
			}
			sp_rbuf_consume(&l->in, SP_HANDSHAKE_BYTES);
			pthread_mutex_lock(&loop->mu);
			l->state = CONN_OPEN;
			l->redial_ms = REDIAL_MIN_MS;
			atomic_store(&l->was_connected, true);
			atomic_store(&l->open, true);
			out_flush_locked(l);
			pthread_mutex_unlock(&loop->mu);
		}
		if (conn_take_frames(l, &why) != 0) {
			break;
		}
		if ((size_t)r < SP_READ_CHUNK) {
			return; /* most likely drained */
		}
	}
	if (why != NULL) {
		pthread_mutex_lock(&loop->mu);
		conn_fail_locked(l, why, ended);
		pthread_mutex_unlock(&loop->mu);
	}
}

static void conn_event(struct sp_link *l, uint32_t events,
		       struct ended_list *ended)
{
	struct link_loop *loop = l->loop;

	pthread_mutex_lock(&loop->mu);
	if (l->state == CONN_CONNECTING) {
		conn_connected_locked(l, ended);
		pthread_mutex_unlock(&loop->mu);
		return;
	}
	pthread_mutex_unlock(&loop->mu);
	/* Read first: replies that came before a reset are still answers. */
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		conn_read(l, ended);
	}
	pthread_mutex_lock(&loop->mu);
	if (l->state == CONN_OPEN && (events & EPOLLOUT) &&
	    out_flush_locked(l) != 0) {
		conn_fail_locked(l, "Connection reset by peer", ended);
	}
	pthread_mutex_unlock(&loop->mu);
}

/* ---- the loop ------------------------------------------------------------ */

/* End the exchanges and handshakes whose deadlines passed; put the links
 * due to dial in dial[] (at most max; the others are next time), marked
 * CONN_RESOLVING. Under mu. Returns how many to dial. */
static size_t loop_timers_locked(struct link_loop *loop, int64_t now,
				 struct ended_list *ended,
				 struct sp_link **dial, size_t max)
{
	size_t n = 0;

	while (loop->heap_n > 0 && loop->heap[0]->sp.due_ms <= now) {
		struct link_xchg *x = loop->heap[0];
		bool queued = x->sp.state == SPX_QUEUED;
		xchg_detach_locked(x);
		ended_add(ended, x, queued ? LINK_NOT_CONNECTED : LINK_TIMEOUT,
			  NULL);
	}
	for (struct sp_link *l = loop->links; l != NULL; l = l->next) {
		if ((l->state == CONN_CONNECTING ||
		     l->state == CONN_GREETING) &&
		    l->conn_due_ms <= now) {
			conn_fail_locked(l, "no handshake", ended);
		}
		if (l->state == CONN_WAIT && l->redial_at_ms <= now &&
		    n < max) {
			l->state = CONN_RESOLVING;
			dial[n++] = l;
		}
	}
	while (loop->ended != NULL) {
		struct link_xchg *x = loop->ended;
		loop->ended = x->sp.hnext;
		ended_add(ended, x, (enum link_result)x->sp.result, x->sp.why);
	}
	return n;
}

/* When the loop must wake next: the earliest deadline or redial, or
 * INT64_MAX. Anything pending: at least every MAX_SLEEP_MS, so that
 * starting an exchange due later than that (nearly all: connect and reply
 * timeouts are longer) never needs to wake the loop. Under mu. */
static int64_t loop_next_locked(struct link_loop *loop, int64_t now)
{
	int64_t next = INT64_MAX;

	if (loop->ended != NULL) {
		return now;
	}
	if (loop->heap_n > 0) {
		next = loop->heap[0]->sp.due_ms;
		if (next > now + MAX_SLEEP_MS) {
			next = now + MAX_SLEEP_MS;
		}
	}
	for (struct sp_link *l = loop->links; l != NULL; l = l->next) {
		if ((l->state == CONN_CONNECTING ||
		     l->state == CONN_GREETING) &&
		    l->conn_due_ms < next) {
			next = l->conn_due_ms;
		}
		if (l->state == CONN_WAIT && l->redial_at_ms < next) {
			next = l->redial_at_ms;
		}
	}
	return next;
}

/* One turn: deadlines, dials (resolving without mu), then sleep until an
 * event or the next deadline and handle the events — so replies that
 * arrived are read before the next turn's deadlines end anything. */
static void *loop_main(void *arg)
{
	struct link_loop *loop = arg;
	struct epoll_event evs[MAX_EVENTS];
	struct sp_link *dial[MAX_DIALS];
	struct ended_list ended = {0};

	for (;;) {
		int64_t now = link_now_ms(), next;
		int timeout = -1, n;
		size_t n_dial;

		pthread_mutex_lock(&loop->mu);
		if (loop->stopping) {
			pthread_mutex_unlock(&loop->mu);
			break;
		}
		n_dial = loop_timers_locked(loop, now, &ended, dial, MAX_DIALS);
		pthread_mutex_unlock(&loop->mu);
		ended_run(&ended);
		for (size_t i = 0; i < n_dial; i++) {
			struct addrinfo *ai = conn_resolve(dial[i]);
			pthread_mutex_lock(&loop->mu);
			conn_dial_locked(dial[i], ai, &ended);
			pthread_mutex_unlock(&loop->mu);
			if (ai != NULL) {
				freeaddrinfo(ai);
			}
			ended_run(&ended); /* nothing was sent: empty */
		}

		pthread_mutex_lock(&loop->mu);
		now = link_now_ms();
		next = loop_next_locked(loop, now);
		loop->sleep_until_ms = next > now ? next : 0;
		if (next != INT64_MAX) {
			timeout = next <= now	       ? 0
				  : next - now > 60000 ? 60000
						       : (int)(next - now) + 1;
		}
		pthread_mutex_unlock(&loop->mu);

		n = epoll_wait(loop->epfd, evs, MAX_EVENTS, timeout);
		pthread_mutex_lock(&loop->mu);
		loop->sleep_until_ms = 0;
		pthread_mutex_unlock(&loop->mu);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				uint64_t v;
				if (read(loop->evfd, &v, sizeof v) < 0) {
					/* nothing to drain */
				}
				continue;
			}
			conn_event(evs[i].data.ptr, evs[i].events, &ended);
			ended_run(&ended);
		}
	}
	return NULL;
}

struct link_loop *link_loop_new(void)
{
	struct link_loop *loop = calloc(1, sizeof *loop);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

	if (loop == NULL) {
		return NULL;
	}
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	loop->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->epfd < 0 || loop->evfd < 0 ||
	    epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->evfd, &ev) != 0) {
		if (loop->epfd >= 0) {
			close(loop->epfd);
		}
		if (loop->evfd >= 0) {
			close(loop->evfd);
		}
		free(loop);
		return NULL;
	}
	pthread_mutex_init(&loop->mu, NULL);
	return loop;
}

/* Start the thread with every signal blocked: signals are the
 * application's threads' business. Under mu. 0 or -1. */
static int loop_start_locked(struct link_loop *loop)
{
	sigset_t all, old;

	if (loop->started) {
		return 0;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rv = pthread_create(&loop->thread, NULL, loop_main, loop);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv != 0) {
		return -1;
	}
	loop->started = true;
	return 0;
}

void link_loop_stop(struct link_loop *loop)
{
	uint64_t one = 1;
	bool join;

	if (loop == NULL) {
		return;
	}
	pthread_mutex_lock(&loop->mu);
	loop->stopping = true;
	join = loop->started;
	loop->started = false;
	if (write(loop->evfd, &one, sizeof one) < 0) {
		/* full: it wakes anyway */
	}
	pthread_mutex_unlock(&loop->mu);
	if (join) {
		pthread_join(loop->thread, NULL);
	}
}

void link_loop_free(struct link_loop *loop)
{
	if (loop == NULL) {
		return;
	}
	link_loop_stop(loop);
	close(loop->epfd);
	close(loop->evfd);
	pthread_mutex_destroy(&loop->mu);
	free(loop->heap);
	free(loop);
}

/* ---- links --------------------------------------------------------------- */

struct sp_link *sp_link_new(struct link_loop *loop, const char *url,
			    size_t max_reply, const char **why,
			    bool *bad_address)
{
	struct sp_link *l;

	if (loop == NULL) {
		*why = "out of memory";
		return NULL;
	}
	if ((l = calloc(1, sizeof *l)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	if (sp_tcp_split(url, l->host, sizeof l->host, l->port,
			 sizeof l->port) != 0 ||
	    l->host[0] == '\0' || l->port[0] == '\0') {
		free(l);
		*why = "Address invalid";
		*bad_address = true;
		return NULL;
	}
	l->loop = loop;
	l->fd = -1;
	/* Room for the id and the length in size_t arithmetic. */
	l->max_reply = max_reply < SIZE_MAX / 2 ? max_reply : SIZE_MAX / 2;
	l->redial_ms = REDIAL_MIN_MS;
	pthread_mutex_lock(&loop->mu);
	if (loop->stopping || loop_start_locked(loop) != 0) {
		pthread_mutex_unlock(&loop->mu);
		free(l);
		*why = "cannot start the I/O thread";
		return NULL;
	}
	l->next = loop->links;
	loop->links = l;
	pthread_mutex_unlock(&loop->mu);
	return l;
}

void sp_link_free(struct sp_link *l)
{
	struct link_loop *loop = l->loop;
	struct ended_list none = {0};

	pthread_mutex_lock(&loop->mu);
	for (struct sp_link **p = &loop->links; *p != NULL; p = &(*p)->next) {
		if (*p == l) {
			*p = l->next;
			break;
		}
	}
	conn_fail_locked(l, "closed", &none); /* nothing is pending */
	while (l->out_head != NULL) {
		struct link_frame *f = l->out_head;
		l->out_head = f->next;
		free(f);
	}
	pthread_mutex_unlock(&loop->mu);
	sp_rbuf_free(&l->in);
	free(l);
}

int sp_xchg_start(struct sp_link *l, struct link_xchg *x, const uint8_t *req,
		  size_t len, unsigned connect_ms, unsigned reply_ms,
		  int64_t end_ms)
{
	struct link_loop *loop = l->loop;
	struct link_frame *f =
	    malloc(sizeof *f + SP_LENGTH_BYTES + ID_BYTES + len);
	int64_t now = link_now_ms();

	if (f == NULL) {
		return -1;
	}
	pthread_mutex_lock(&loop->mu);
	if (loop->stopping) {
		pthread_mutex_unlock(&loop->mu);
		free(f);
		return -1;
	}
	x->sp.link = l;
	x->sp.id = l->next_id++ & 0x7fffffffu;
	x->sp.frame = f;
	x->sp.hnext = NULL;
	x->sp.reply_ms = reply_ms;
	x->sp.end_ms = end_ms;
	x->sp.due_ms = now + (int64_t)connect_ms;
	if (x->sp.due_ms > end_ms) {
		x->sp.due_ms = end_ms;
	}
	if (heap_push(loop, x) != 0) {
		pthread_mutex_unlock(&loop->mu);
		free(f);
		return -1;
	}
	x->sp.state = SPX_QUEUED;
	f->next = NULL;
	f->x = x;
	f->off = 0;
	f->len = SP_LENGTH_BYTES + ID_BYTES + len;
	sp_put_be64(f->data, ID_BYTES + len);
	uint32_t word = x->sp.id | 0x80000000u;
	f->data[8] = (uint8_t)(word >> 24);
	f->data[9] = (uint8_t)(word >> 16);
	f->data[10] = (uint8_t)(word >> 8);
	f->data[11] = (uint8_t)word;
	memcpy(f->data + SP_LENGTH_BYTES + ID_BYTES, req, len);
	if (l->out_tail != NULL) {
		l->out_tail->next = f;
	} else {
		l->out_head = f;
	}
	l->out_tail = f;

	if (l->state == CONN_OPEN && l->out_head == f) {
		/* A write error is the loop's to handle (EPOLLOUT). */
		out_flush_locked(l);
	} else if (l->state == CONN_IDLE) {
		/* The loop dials: resolving a name may block. */
		l->state = CONN_WAIT;
		l->redial_at_ms = now;
	}
	loop_wake_locked(loop,
			 l->state == CONN_WAIT && l->redial_at_ms < x->sp.due_ms
			     ? l->redial_at_ms
			     : x->sp.due_ms);
	pthread_mutex_unlock(&loop->mu);
	return 0;
}

void sp_xchg_cancel(struct link_xchg *x)
{
	struct sp_link *l = x->sp.link;
	struct link_loop *loop;

	if (l == NULL) {
		return;
	}
	loop = l->loop;
	pthread_mutex_lock(&loop->mu);
	if (x->sp.state == SPX_QUEUED || x->sp.state == SPX_SENT) {
		xchg_detach_locked(x);
		x->sp.result = LINK_CANCELED;
		x->sp.why = "Operation canceled";
		x->sp.hnext = loop->ended;
		loop->ended = x;
		loop_wake_locked(loop, 0);
	}
	pthread_mutex_unlock(&loop->mu);
}

bool sp_link_lost(struct sp_link *l)
{
	return atomic_load(&l->was_connected) && !atomic_load(&l->open);
}
