/* server_tcp — server.h's transport for tcp:// addresses: the SP REP wire,
 * read and written by the loop thread itself.
 *
 * The wire is the one nng's REQ sockets speak over TCP (SP over TCP): each
 * side first sends 8 bytes {0, 'S', 'P', 0, protocol (16 bits, big
 * endian), 0, 0} — ours REP (0x31), the peer's must be REQ (0x30); then
 * every message is a 64-bit big-endian length and that many bytes. A
 * request starts with its backtrace: 32-bit big-endian words, the last one
 * (the request id) with its top bit set — one word from a direct client,
 * more through devices (at most 8, nng's default TTL). The answer is the
 * same backtrace followed by the response.
 *
 * Lifecycle of a connection: GREETING (our handshake sent, theirs awaited;
 * closed after SP_HANDSHAKE_MS) -> OPEN (frames parsed as they arrive)
 * -> closed (any protocol error, a frame over max_request_bytes, EOF, or
 * server_stop). A connection's memory lives until its close callback has
 * run and nothing references it: each request held by the handler, each
 * write in flight and the flush list hold a reference.
 *
 * Batching: answers are queued on their connection and written at the end
 * of the loop iteration (uv_check, and uv_prepare for answers made outside
 * the I/O phase), all of one connection's in one writev. libuv runs the
 * prepare handles started last first: node.c starts its own prepare (which
 * answers long polls) after server_start, so those answers leave in the
 * same turn.
 *
 * Backpressure: no further frame is taken from any connection while
 * SERVER_POOL_SIZE requests are held or SERVER_MAX_UNSENT bytes of answers
 * wait for their clients to read them, nor from a connection with more
 * than CONN_MAX_UNSENT unread. Such a connection is "paused" (not read);
 * when a request is answered or answer bytes leave, the flush resumes the
 * paused connections, round-robin from where the last resume stopped, and
 * never from inside a handler (no re-entrance). */
#include "server_int.h"

#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sp_tcp.h"

#define SP_MAX_HOPS	  8
#define CONN_MAX_UNSENT	  (8u * 1024 * 1024)
#define SERVER_MAX_UNSENT ((size_t)256 * 1024 * 1024)
#define FLUSH_MAX_BUFS	  64

struct tcp_server;

/* One answer waiting to be written: frame length, backtrace, response. */
struct out_buf {
	struct out_buf *next;
	size_t len;
	uint8_t data[];
};

struct tcp_conn {
	uv_tcp_t tcp;
	struct tcp_server *srv;
	struct tcp_conn *prev, *next; /* srv->conns, while open */
	struct tcp_conn *flush_next;  /* srv->flush, while queued */
	unsigned refs;		      /* see the file comment */
	bool greeted;		      /* their handshake arrived */
	bool closing;		      /* uv_close called */
	bool paused; /* not read (see the file comment); else read while open */
	bool queued; /* on srv->flush */
	uint64_t opened_ms;
	uv_write_t hello;  /* our handshake's write */
	struct sp_rbuf in; /* bytes read and not yet taken as frames */
	struct out_buf *out_head, *out_tail; /* answers not yet written */
	size_t unsent; /* their bytes + writes in flight */
};

struct tcp_slot {
	struct server_slot base;
	struct tcp_conn *conn;
	struct tcp_slot *prev, *next; /* srv->held */
	size_t hdr_len;
	uint8_t hdr[SP_MAX_HOPS * 4];
	size_t body_len;
	uint8_t body[]; /* the request, borrowed by the handler */
};

/* One writev in flight: the answers it carries are freed when it ends. */
struct write_req {
	uv_write_t req;
	struct tcp_conn *conn;
	struct out_buf *bufs;
	size_t bytes;
};

struct tcp_server {
	struct server base;
	uv_loop_t *loop;
	uv_tcp_t listener;
	uv_timer_t sweep; /* closes connections stuck in GREETING */
	uv_prepare_t flush_prepare;
	uv_check_t flush_check;
	struct tcp_conn *conns;	 /* open connections */
	struct tcp_conn *cursor; /* where the next resume starts (NULL: head) */
	unsigned n_paused;	 /* open connections paused */
	size_t unsent;		 /* all connections' */
	struct tcp_conn *flush;	 /* connections with answers to write */
	struct tcp_slot *held;	 /* requests not yet answered */
	size_t n_held;
	bool resume;  /* a stalled connection may take frames again */
	bool closing; /* server_stop ran */
	size_t max_request_bytes;
	unsigned max_connections, connections;
	uv_tcp_t refuser; /* accepts and closes when out of memory */
	bool refuser_busy;
	server_request_cb cb;
	void *cb_ctx;
};

static const struct server_ops tcp_ops;

static void conn_unref(struct tcp_conn *c)
{
	if (--c->refs == 0) {
		sp_rbuf_free(&c->in);
		free(c);
	}
}

static void free_outs(struct out_buf *b)
{
	while (b != NULL) {
		struct out_buf *next = b->next;
		free(b);
		b = next;
	}
}

/* Some request was answered or some answer bytes left: paused connections
 * may be able to take frames again (flush_all looks). */
static void note_progress(struct tcp_server *s)
{
	if (s->n_paused > 0) {
		s->resume = true;
	}
}

/* bytes of c's answers are written (or dropped). */
static void unsent_done(struct tcp_conn *c, size_t bytes)
{
	c->unsent -= bytes;
	c->srv->unsent -= bytes;
	note_progress(c->srv);
}

static void conn_close_cb(uv_handle_t *h)
{
	struct tcp_conn *c = h->data;
	struct out_buf *b;
	size_t bytes = 0;

	for (b = c->out_head; b != NULL; b = b->next) {
		bytes += b->len;
	}
	unsent_done(c, bytes);
	free_outs(c->out_head);
	c->out_head = c->out_tail = NULL;
	conn_unref(c); /* the open reference */
}

static void conn_close(struct tcp_conn *c)
{
	struct tcp_server *s = c->srv;

	if (c->closing) {
		return;
	}
	c->closing = true;
	if (c->paused) {
		c->paused = false;
		s->n_paused--;
	}
	if (s->cursor == c) {
		s->cursor = c->next;
	}
	if (c->prev) {
		c->prev->next = c->next;
	} else {
		s->conns = c->next;
	}
	if (c->next) {
		c->next->prev = c->prev;
	}
	s->connections--;
	uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

/* May c take its next frame now? */
static bool conn_may_take(const struct tcp_conn *c)
{
	const struct tcp_server *s = c->srv;

	return !c->closing && s->n_held < SERVER_POOL_SIZE &&
	       s->unsent <= SERVER_MAX_UNSENT && c->unsent <= CONN_MAX_UNSENT;
}

static void conn_pause(struct tcp_conn *c)
{
	if (!c->paused) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->paused = true;
		c->srv->n_paused++;
	}
}

/* Hand one complete request (the bytes after the length) to the handler.
 * 0, or -1: garbage, close the connection. */
static int take_request(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
	struct tcp_server *s = c->srv;
	struct tcp_slot *slot;
	size_t hdr_len = 0;

	/* The backtrace ends with the word whose top bit is set. */
	for (;;) {
		if (hdr_len + 4 > len || hdr_len == sizeof slot->hdr) {
			return -1;
		}
		hdr_len += 4;
		if (msg[hdr_len - 4] & 0x80) {
			break;
		}
	}
	slot = malloc(sizeof *slot + (len - hdr_len));
	if (slot == NULL) {
		log_error("client request: out of memory, dropped");
		return 0; /* the client times out and retries */
	}
	slot->base.srv = &s->base;
	slot->conn = c;
	c->refs++;
	slot->hdr_len = hdr_len;
	memcpy(slot->hdr, msg, hdr_len);
	slot->body_len = len - hdr_len;
	memcpy(slot->body, msg + hdr_len, slot->body_len);
	slot->prev = NULL;
	slot->next = s->held;
	if (s->held) {
		s->held->prev = slot;
	}
	s->held = slot;
	s->n_held++;
	s->cb(s->cb_ctx, &slot->base, slot->body, slot->body_len);
	return 0;
}

/* Take the frames buffered on c while it may. Stops reading when it may
 * not (the flush resumes it). */
static void conn_take_frames(struct tcp_conn *c)
{
	struct tcp_server *s = c->srv;
	size_t off = 0;

	if (!c->greeted) {
		if (c->in.len < SP_HANDSHAKE_BYTES) {
			return;
		}
		if (!sp_handshake_is(c->in.data, SP_PROTO_REQ)) {
			conn_close(c);
			return;
		}
		c->greeted = true;
		off = SP_HANDSHAKE_BYTES;
	}
	while (c->in.len - off >= 8) {
		uint64_t frame = sp_get_be64(c->in.data + off);
		if (frame > s->max_request_bytes) {
			log_warn("client request of %llu bytes over the limit "
				 "(%zu): connection closed",
				 (unsigned long long)frame,
				 s->max_request_bytes);
			conn_close(c);
			return;
		}
		if (c->in.len - off - 8 < frame) {
			break;
		}
		if (!conn_may_take(c)) {
			break;
		}
		if (take_request(c, c->in.data + off + 8, (size_t)frame) != 0) {
			conn_close(c);
			return;
		}
		off += 8 + (size_t)frame;
		if (c->closing) {
			return; /* the handler stopped the server */
		}
	}
	if (off > 0) {
		sp_rbuf_consume(&c->in, off);
	}
	if (!conn_may_take(c) && !c->closing) {
		conn_pause(c);
	}
}

static void conn_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct tcp_conn *c = h->data;

	(void)suggested;
	if (sp_rbuf_reserve(&c->in, c->greeted, c->srv->max_request_bytes) !=
	    0) {
		*buf = uv_buf_init(NULL, 0); /* read_cb gets UV_ENOBUFS */
		return;
	}
	*buf = uv_buf_init((char *)c->in.data + c->in.len,
			   (unsigned)(c->in.cap - c->in.len));
}

static void conn_read_cb(uv_stream_t *stream, ssize_t nread,
			 const uv_buf_t *buf)
{
	struct tcp_conn *c = stream->data;

	(void)buf;
	if (nread < 0) {
		if (nread != UV_EOF) {
			log_debug("client connection: %s",
				  uv_strerror((int)nread));
		}
		conn_close(c);
		return;
	}
	c->in.len += (size_t)nread;
	conn_take_frames(c);
}

static void queue_flush(struct tcp_conn *c)
{
	if (!c->queued) {
		c->queued = true;
		c->refs++;
		c->flush_next = c->srv->flush;
		c->srv->flush = c;
	}
}

static void write_cb(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct tcp_conn *c = w->conn;

	unsent_done(c, w->bytes);
	free_outs(w->bufs);
	free(w);
	if (status != 0) {
		conn_close(c);
	}
	conn_unref(c);
}

/* Write every queued answer of c: what the socket takes now leaves at once,
 * the rest through libuv's write queue (in order: uv_try_write refuses
 * while that queue is not empty). */
static void conn_flush(struct tcp_conn *c)
{
	while (c->out_head != NULL && !c->closing) {
		uv_stream_t *stream = (uv_stream_t *)&c->tcp;
		uv_buf_t bufs[FLUSH_MAX_BUFS];
		struct out_buf *b, *batch, *last = NULL;
		struct write_req *w;
		size_t total = 0, written;
		unsigned n = 0, i = 0;
		int rv;

		for (b = c->out_head; b != NULL && n < FLUSH_MAX_BUFS;
		     b = b->next) {
			bufs[n].base = (char *)b->data;
			bufs[n++].len = b->len;
			total += b->len;
			last = b;
		}
		batch = c->out_head;
		c->out_head = last->next;
		last->next = NULL;
		if (c->out_head == NULL) {
			c->out_tail = NULL;
		}
		rv = uv_try_write(stream, bufs, n);
		if (rv < 0 && rv != UV_EAGAIN) {
			goto err_after_detach;
		}
		written = rv > 0 ? (size_t)rv : 0;
		if (written == total) {
			unsent_done(c, total);
			free_outs(batch);
			continue;
		}
		while (written >= bufs[i].len) {
			written -= bufs[i].len;
			i++;
		}
		bufs[i].base += written;
		bufs[i].len -= written;
		if ((w = malloc(sizeof *w)) == NULL) {
			goto err_after_detach;
		}
		w->conn = c;
		w->bufs = batch;
		w->bytes = total;
		if (uv_write(&w->req, stream, bufs + i, n - i, write_cb) != 0) {
			free(w);
			goto err_after_detach;
		}
		c->refs++;
		continue;

	err_after_detach:
		/* The client sees its connection close and retries. */
		unsent_done(c, total);
		free_outs(batch);
		conn_close(c);
		return;
	}
}

/* Write the answers of every connection that has some. */
static void flush_queued(struct tcp_server *s)
{
	struct tcp_conn *c;

	while ((c = s->flush) != NULL) {
		s->flush = c->flush_next;
		c->queued = false;
		conn_flush(c);
		conn_unref(c);
	}
}

/* Let paused connections that may take frames again do so: their buffered
 * frames first, then reading. Round-robin: a walk that stops because the
 * pool filled up starts at the next connection the next time. */
static void resume_paused(struct tcp_server *s)
{
	struct tcp_conn *c = s->cursor ? s->cursor : s->conns, *next;
	unsigned steps = s->connections;

	s->resume = false;
	s->cursor = NULL;
	while (c != NULL && steps-- > 0 && !s->closing) {
		next = c->next ? c->next : s->conns;
		if (c->paused && conn_may_take(c)) {
			c->refs++;
			conn_take_frames(c);
			if (!c->closing && conn_may_take(c)) {
				c->paused = false;
				s->n_paused--;
				if (uv_read_start((uv_stream_t *)&c->tcp,
						  conn_alloc_cb,
						  conn_read_cb) != 0) {
					conn_close(c);
				}
			}
			/* If c closed meanwhile it is unlinked, but its
			 * next is still where the walk goes on. */
			next = c->next ? c->next : s->conns;
			conn_unref(c);
			if (s->n_held >= SERVER_POOL_SIZE) {
				s->cursor = next;
				return;
			}
		}
		c = next;
	}
}

/* The loop is about to wait, or has run this iteration's I/O callbacks:
 * write what was answered, and let paused connections take frames again
 * if they may (writing can free them, taking frames can answer more). */
static void flush_all(struct tcp_server *s)
{
	int pass;

	for (pass = 0; pass < 4; pass++) {
		if (s->resume) {
			resume_paused(s);
		}
		flush_queued(s);
		if (!s->resume) {
			break;
		}
	}
}

static void flush_prepare_cb(uv_prepare_t *h)
{
	flush_all(h->data);
}

static void flush_check_cb(uv_check_t *h)
{
	flush_all(h->data);
}

/* The request is answered or dropped: it no longer counts. */
static void slot_release(struct tcp_slot *slot)
{
	struct tcp_server *s = (struct tcp_server *)slot->base.srv;

	if (slot->prev) {
		slot->prev->next = slot->next;
	} else {
		s->held = slot->next;
	}
	if (slot->next) {
		slot->next->prev = slot->prev;
	}
	s->n_held--;
	note_progress(s);
	conn_unref(slot->conn);
	free(slot);
}

static int tcp_reply_write(struct server_slot *base, size_t len,
			   void (*write)(void *ctx, uint8_t *body), void *ctx)
{
	struct tcp_slot *slot = (struct tcp_slot *)base;
	struct tcp_server *s = (struct tcp_server *)base->srv;
	struct tcp_conn *c = slot->conn;
	size_t frame = slot->hdr_len + len;
	struct out_buf *b;

	if (s->closing) {
		return 0; /* server_free releases the slot */
	}
	if (!c->closing) {
		if ((b = malloc(sizeof *b + 8 + frame)) == NULL) {
			return -1;
		}
		sp_put_be64(b->data, frame);
		memcpy(b->data + 8, slot->hdr, slot->hdr_len);
		write(ctx, b->data + 8 + slot->hdr_len);
		b->len = 8 + frame;
		b->next = NULL;
		if (c->out_tail) {
			c->out_tail->next = b;
		} else {
			c->out_head = b;
		}
		c->out_tail = b;
		c->unsent += b->len;
		s->unsent += b->len;
		queue_flush(c);
	}
	slot_release(slot);
	return 0;
}

static void tcp_drop(struct server_slot *base)
{
	if (!((struct tcp_server *)base->srv)->closing) {
		slot_release((struct tcp_slot *)base);
	}
}

/* Every second: close connections that have not completed the handshake
 * in SP_HANDSHAKE_MS (nng's own limit), so that stalled ones cannot hold
 * the connection budget. */
static void sweep_cb(uv_timer_t *t)
{
	struct tcp_server *s = t->data;
	uint64_t now = uv_now(s->loop);
	struct tcp_conn *c, *next;

	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		if (!c->greeted && now - c->opened_ms >= SP_HANDSHAKE_MS) {
			conn_close(c);
		}
	}
}

static void refuser_closed_cb(uv_handle_t *h)
{
	((struct tcp_server *)h->data)->refuser_busy = false;
}

static void accept_cb(uv_stream_t *listener, int status)
{
	static const uint8_t hello[SP_HANDSHAKE_BYTES] = {
	    0, 'S', 'P', 0, 0, SP_PROTO_REP, 0, 0};
	struct tcp_server *s = listener->data;
	struct tcp_conn *c;
	uv_buf_t buf = uv_buf_init((char *)hello, sizeof hello);

	if (status != 0) {
		log_warn("client connection: %s", uv_strerror(status));
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		/* libuv stops listening until we accept: accept it into the
		 * spare handle, and close it. */
		log_warn("client connection: out of memory, refused");
		if (!s->refuser_busy) {
			s->refuser_busy = true;
			uv_tcp_init(s->loop, &s->refuser);
			s->refuser.data = s;
			uv_accept(listener, (uv_stream_t *)&s->refuser);
			uv_close((uv_handle_t *)&s->refuser, refuser_closed_cb);
		}
		return;
	}
	c->srv = s;
	c->refs = 1;
	c->opened_ms = uv_now(s->loop);
	uv_tcp_init(s->loop, &c->tcp);
	c->tcp.data = c;
	if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
		uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
		return;
	}
	c->next = s->conns;
	if (s->conns) {
		s->conns->prev = c;
	}
	s->conns = c;
	s->connections++;
	if (s->connections > s->max_connections) {
		log_warn("client connections: limit %u reached, refusing one",
			 s->max_connections);
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	/* No callback: a failed write shows on the read side too. */
	if (uv_write(&c->hello, (uv_stream_t *)&c->tcp, &buf, 1, NULL) != 0) {
		conn_close(c);
		return;
	}
	if (uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb,
			  conn_read_cb) != 0) {
		conn_close(c); /* the handshake write ends cancelled */
	}
}

static void listener_closed_cb(uv_handle_t *h)
{
	free(h->data);
}

struct server *server_tcp_start(uv_loop_t *loop, const char *address,
				size_t max_request_bytes,
				unsigned max_connections, server_request_cb cb,
				void *cb_ctx, char *errmsg, size_t errmsg_size)
{
	struct sockaddr_storage sa;
	struct tcp_server *s;
	int rv;

	if (sp_tcp_resolve_listen(address, &sa, errmsg, errmsg_size) != 0) {
		return NULL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		snprintf(errmsg, errmsg_size, "client socket: out of memory");
		return NULL;
	}
	s->base.ops = &tcp_ops;
	s->loop = loop;
	s->max_request_bytes = max_request_bytes;
	s->max_connections = max_connections;
	s->cb = cb;
	s->cb_ctx = cb_ctx;
	uv_tcp_init(loop, &s->listener);
	s->listener.data = s;
	if ((rv = uv_tcp_bind(&s->listener, (struct sockaddr *)&sa, 0)) != 0 ||
	    (rv = uv_listen((uv_stream_t *)&s->listener, 1024, accept_cb)) !=
		0) {
		snprintf(errmsg, errmsg_size, "listen on %s: %s", address,
			 uv_strerror(rv));
		/* Freed when the loop runs the close (the node's start
		 * failure path runs the loop to close raft). */
		uv_close((uv_handle_t *)&s->listener, listener_closed_cb);
		return NULL;
	}
	uv_timer_init(loop, &s->sweep);
	s->sweep.data = s;
	uv_timer_start(&s->sweep, sweep_cb, 1000, 1000);
	uv_prepare_init(loop, &s->flush_prepare);
	s->flush_prepare.data = s;
	uv_prepare_start(&s->flush_prepare, flush_prepare_cb);
	uv_check_init(loop, &s->flush_check);
	s->flush_check.data = s;
	uv_check_start(&s->flush_check, flush_check_cb);
	return &s->base;
}

static void tcp_stop(struct server *base)
{
	struct tcp_server *s = (struct tcp_server *)base;

	if (s->closing) {
		return;
	}
	s->closing = true;
	/* What was answered before the stop (node.c fails queued requests,
	 * sends "not leader" hints, then stops) goes to the kernel now. */
	flush_queued(s);
	while (s->conns != NULL) {
		conn_close(s->conns);
	}
	uv_close((uv_handle_t *)&s->listener, NULL);
	uv_close((uv_handle_t *)&s->sweep, NULL);
	uv_close((uv_handle_t *)&s->flush_prepare, NULL);
	uv_close((uv_handle_t *)&s->flush_check, NULL);
}

static void tcp_free(struct server *base)
{
	struct tcp_server *s = (struct tcp_server *)base;
	struct tcp_conn *c;

	while ((c = s->flush) != NULL) {
		s->flush = c->flush_next;
		conn_unref(c);
	}
	while (s->held != NULL) {
		slot_release(s->held);
	}
	free(s);
}

static const struct server_ops tcp_ops = {
    .reply_write = tcp_reply_write,
    .drop = tcp_drop,
    .stop = tcp_stop,
    .free = tcp_free,
};
