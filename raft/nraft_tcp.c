/* nraft_tcp — raft's tcp:// network on the loop (see nraft_tcp.h).
 *
 * Listener: each accepted connection sends our PULL handshake, waits for a
 * PUSH one (closed after SP_HANDSHAKE_MS without), then cuts its bytes into
 * frames (a 64-bit big-endian length and the message) and hands each whole
 * frame to the callback straight from the read buffer, in the read callback
 * that completed it. A frame announced over max_frame closes the
 * connection before any of it is buffered.
 *
 * Dialer: one connection at a time. Connecting -> our PUSH handshake sent,
 * the peer's PULL handshake awaited -> up (link callback) -> closed on EOF,
 * error or garbage handshake (link callback if it was up) -> a reconnect
 * timer with back-off. The peer never sends anything after its handshake;
 * reading on stays the way a closed peer is noticed at once. Messages sent
 * while the connection is not up wait in `pending` (they go out when one
 * comes up, even after failed attempts); once up, a message is written at
 * once (uv_try_write, the rest through uv_write, which keeps the order),
 * and dropped if its connection dies before the kernel took it all.
 * max_queued bounds pending plus partly written messages.
 *
 * Lifetimes: a listener or dialer counts its open libuv handles and
 * requests (`busy`); after *_close, the last of them to end calls the
 * owner's closed callback and frees the object. A connection is freed in
 * its close callback: libuv ends its write and connect requests before
 * that. */
#include "nraft_tcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_tcp.h"

#define KEEPALIVE_S 30

/* --- listener ------------------------------------------------------------ */

struct lconn {
	uv_tcp_t tcp;
	struct nraft_tcp_listener *l;
	struct lconn *prev, *next;
	bool greeted; /* their handshake arrived */
	bool closing;
	uint64_t opened_ms;
	uv_write_t hello;
	struct sp_rbuf in; /* bytes read and not yet delivered */
};

struct nraft_tcp_listener {
	uv_loop_t *loop;
	uv_tcp_t tcp;
	uv_timer_t sweep; /* closes connections stuck before the handshake */
	struct lconn *conns;
	size_t max_frame;
	nraft_tcp_frame_cb cb;
	void *arg;
	bool closing;
	unsigned busy;	  /* handles not yet closed (listener, sweep, conns,
			     refuser) */
	uv_tcp_t refuser; /* accepts and closes when out of memory */
	bool refuser_busy;
	void (*closed)(void *arg);
	void *closed_arg;
};

static const uint8_t pull_hello[SP_HANDSHAKE_BYTES] = {
    0, 'S', 'P', 0, 0, SP_PROTO_PULL, 0, 0};
static const uint8_t push_hello[SP_HANDSHAKE_BYTES] = {
    0, 'S', 'P', 0, 0, SP_PROTO_PUSH, 0, 0};

/* A connection (either side) is open: options, our handshake, reading.
 * 0, or a libuv error (the caller closes it). */
static int connStart(uv_tcp_t *tcp, uv_write_t *hello_req,
		     const uint8_t hello[SP_HANDSHAKE_BYTES],
		     uv_alloc_cb alloc_cb, uv_read_cb read_cb)
{
	uv_buf_t buf = uv_buf_init((char *)hello, SP_HANDSHAKE_BYTES);
	int rv;

	uv_tcp_nodelay(tcp, 1);
	uv_tcp_keepalive(tcp, 1, KEEPALIVE_S);
	/* No callback: a failed write shows on the read side too. */
	if ((rv = uv_write(hello_req, (uv_stream_t *)tcp, &buf, 1, NULL)) !=
	    0) {
		return rv;
	}
	return uv_read_start((uv_stream_t *)tcp, alloc_cb, read_cb);
}

static void listenerRelease(struct nraft_tcp_listener *l)
{
	if (--l->busy == 0 && l->closing) {
		if (l->closed != NULL) {
			l->closed(l->closed_arg);
		}
		free(l);
	}
}

static void listenerHandleClosed(uv_handle_t *h)
{
	listenerRelease(h->data);
}

static void refuserClosed(uv_handle_t *h)
{
	struct nraft_tcp_listener *l = h->data;

	l->refuser_busy = false;
	listenerRelease(l);
}

static void lconnClosed(uv_handle_t *h)
{
	struct lconn *c = h->data;
	struct nraft_tcp_listener *l = c->l;

	sp_rbuf_free(&c->in);
	free(c);
	listenerRelease(l);
}

static void lconnClose(struct lconn *c)
{
	struct nraft_tcp_listener *l = c->l;

	if (c->closing) {
		return;
	}
	c->closing = true;
	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else {
		l->conns = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
	uv_close((uv_handle_t *)&c->tcp, lconnClosed);
}

/* Deliver every whole frame buffered on @c. */
static void lconnDeliver(struct lconn *c)
{
	struct nraft_tcp_listener *l = c->l;
	struct sp_rbuf *in = &c->in;
	size_t off = 0;

	if (!c->greeted) {
		if (in->len < SP_HANDSHAKE_BYTES) {
			return;
		}
		if (!sp_handshake_is(in->data, SP_PROTO_PUSH)) {
			lconnClose(c);
			return;
		}
		c->greeted = true;
		off = SP_HANDSHAKE_BYTES;
	}
	while (in->len - off >= SP_LENGTH_BYTES) {
		uint64_t frame = sp_get_be64(in->data + off);
		if (frame > l->max_frame) {
			lconnClose(c);
			return;
		}
		if (in->len - off - SP_LENGTH_BYTES < frame) {
			break;
		}
		l->cb(l->arg, in->data + off + SP_LENGTH_BYTES, (size_t)frame);
		off += SP_LENGTH_BYTES + (size_t)frame;
		if (c->closing) {
			return; /* the callback closed the listener */
		}
	}
	if (off > 0) {
		sp_rbuf_consume(in, off);
	}
}

static void lconnAlloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct lconn *c = h->data;

	(void)suggested;
	if (sp_rbuf_reserve(&c->in, c->greeted, c->l->max_frame) != 0) {
		*buf = uv_buf_init(NULL, 0); /* read gets UV_ENOBUFS */
		return;
	}
	*buf = uv_buf_init((char *)c->in.data + c->in.len,
			   (unsigned)(c->in.cap - c->in.len));
}

static void lconnRead(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct lconn *c = stream->data;

	(void)buf;
	if (nread < 0) {
		lconnClose(c);
		return;
	}
	c->in.len += (size_t)nread;
	lconnDeliver(c);
}

static void listenerAccept(uv_stream_t *server, int status)
{
	struct nraft_tcp_listener *l = server->data;
	struct lconn *c;

	if (status != 0 || l->closing) {
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		/* libuv stops listening until we accept: accept into the
		 * spare handle and close it (the peer's dialer retries). */
		if (!l->refuser_busy) {
			l->refuser_busy = true;
			l->busy++;
			uv_tcp_init(l->loop, &l->refuser);
			l->refuser.data = l;
			uv_accept(server, (uv_stream_t *)&l->refuser);
			uv_close((uv_handle_t *)&l->refuser, refuserClosed);
		}
		return;
	}
	c->l = l;
	c->opened_ms = uv_now(l->loop);
	uv_tcp_init(l->loop, &c->tcp);
	c->tcp.data = c;
	l->busy++;
	c->next = l->conns;
	if (l->conns != NULL) {
		l->conns->prev = c;
	}
	l->conns = c;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		lconnClose(c);
		return;
	}
	if (connStart(&c->tcp, &c->hello, pull_hello, lconnAlloc, lconnRead) !=
	    0) {
		lconnClose(c);
	}
}

static void listenerSweep(uv_timer_t *t)
{
	struct nraft_tcp_listener *l = t->data;
	uint64_t now = uv_now(l->loop);
	struct lconn *c, *next;

	for (c = l->conns; c != NULL; c = next) {
		next = c->next;
		if (!c->greeted && now - c->opened_ms >= SP_HANDSHAKE_MS) {
			lconnClose(c);
		}
	}
}

int nraft_tcp_listen(uv_loop_t *loop, const char *address, size_t max_frame,
		     nraft_tcp_frame_cb cb, void *arg,
		     struct nraft_tcp_listener **out, char *errmsg,
		     size_t errmsg_size)
{
	struct sockaddr_storage sa;
	struct nraft_tcp_listener *l;
	int rv;

	if (sp_tcp_resolve_listen(address, &sa, errmsg, errmsg_size) != 0) {
		return UV_EINVAL;
	}
	if ((l = calloc(1, sizeof *l)) == NULL) {
		snprintf(errmsg, errmsg_size, "out of memory");
		return UV_ENOMEM;
	}
	l->loop = loop;
	l->max_frame = max_frame;
	l->cb = cb;
	l->arg = arg;
	uv_tcp_init(loop, &l->tcp);
	l->tcp.data = l;
	l->busy = 1;
	if ((rv = uv_tcp_bind(&l->tcp, (struct sockaddr *)&sa, 0)) != 0 ||
	    (rv = uv_listen((uv_stream_t *)&l->tcp, 128, listenerAccept)) !=
		0) {
		snprintf(errmsg, errmsg_size, "listen on %s: %s", address,
			 uv_strerror(rv));
		l->closing = true; /* freed by the close, no callback */
		uv_close((uv_handle_t *)&l->tcp, listenerHandleClosed);
		return rv;
	}
	uv_timer_init(loop, &l->sweep);
	l->sweep.data = l;
	l->busy++;
	uv_timer_start(&l->sweep, listenerSweep, 1000, 1000);
	*out = l;
	return 0;
}

void nraft_tcp_listener_close(struct nraft_tcp_listener *l,
			      void (*closed)(void *arg), void *arg)
{
	l->closing = true;
	l->closed = closed;
	l->closed_arg = arg;
	while (l->conns != NULL) {
		lconnClose(l->conns);
	}
	uv_close((uv_handle_t *)&l->tcp, listenerHandleClosed);
	uv_close((uv_handle_t *)&l->sweep, listenerHandleClosed);
}

/* --- dialer -------------------------------------------------------------- */

/* One message: in `pending` until a connection is up, then in flight
 * until the kernel took all of it. */
struct dmsg {
	uv_write_t req;
	struct dmsg *next;
	struct dconn *conn; /* the connection it was written on */
	nng_msg *msg;
	uint8_t len[SP_LENGTH_BYTES];
};

struct dconn {
	uv_tcp_t tcp;
	struct nraft_tcp_dialer *d;
	uv_connect_t connect;
	uv_write_t hello;
	uint8_t got[SP_HANDSHAKE_BYTES]; /* their handshake, as it arrives */
	size_t n_got;
	uint8_t sink[256]; /* what a peer sends after it: ignored */
	bool up;
	bool closing;
};

struct nraft_tcp_dialer {
	uv_loop_t *loop;
	char host[256];
	char port[32];
	struct sockaddr_storage sa; /* resolved, if `resolved` */
	bool resolved; /* again only after a connection attempt failed */
	uv_getaddrinfo_t gai;
	bool resolving; /* gai in libuv's thread pool */
	uv_timer_t retry;
	struct dconn *conn; /* NULL while waiting to retry */
	struct dmsg *pending, *pending_tail;
	unsigned queued, max_queued; /* pending + partly written */
	unsigned backoff_ms, min_ms, max_ms;
	nraft_tcp_link_cb cb;
	void *arg;
	bool closing;
	unsigned busy; /* retry timer, resolve in progress, conn */
	void (*closed)(void *arg);
	void *closed_arg;
};

static void dialerAttempt(struct nraft_tcp_dialer *d);

static void dialerRelease(struct nraft_tcp_dialer *d)
{
	if (--d->busy == 0 && d->closing) {
		if (d->closed != NULL) {
			d->closed(d->closed_arg);
		}
		free(d);
	}
}

static void dmsgFree(struct nraft_tcp_dialer *d, struct dmsg *m)
{
	d->queued--;
	nng_msg_free(m->msg);
	free(m);
}

static void dialerRetryClosed(uv_handle_t *h)
{
	dialerRelease(h->data);
}

static void dialerRetryCb(uv_timer_t *t)
{
	dialerAttempt(t->data);
}

/* Try again after the back-off, which doubles up to max_ms. */
static void dialerScheduleRetry(struct nraft_tcp_dialer *d)
{
	unsigned delay = d->backoff_ms;

	d->backoff_ms = delay * 2 < d->max_ms ? delay * 2 : d->max_ms;
	uv_timer_start(&d->retry, dialerRetryCb, delay, 0);
}

static void dconnClosed(uv_handle_t *h)
{
	struct dconn *c = h->data;
	struct nraft_tcp_dialer *d = c->d;
	bool was_up = c->up;

	if (!was_up) {
		d->resolved = false; /* the name may have moved */
	}
	d->conn = NULL;
	free(c);
	if (!d->closing) {
		if (was_up) {
			d->cb(d->arg, false);
		}
		if (!d->closing) { /* the callback may have closed us */
			dialerScheduleRetry(d);
		}
	}
	dialerRelease(d);
}

static void dconnClose(struct dconn *c)
{
	if (!c->closing) {
		c->closing = true;
		uv_close((uv_handle_t *)&c->tcp, dconnClosed);
	}
}

static void dmsgWritten(uv_write_t *req, int status)
{
	struct dmsg *m = (struct dmsg *)req;
	struct dconn *c = m->conn;

	if (status != 0) {
		dconnClose(c);
	}
	dmsgFree(c->d, m);
}

/* Write @m on the connection, which is up. */
static void dconnWrite(struct dconn *c, struct dmsg *m)
{
	uv_buf_t bufs[2];
	size_t total, written;
	int rv, i = 0;

	m->conn = c;
	bufs[0] = uv_buf_init((char *)m->len, sizeof m->len);
	bufs[1] =
	    uv_buf_init(nng_msg_body(m->msg), (unsigned)nng_msg_len(m->msg));
	total = bufs[0].len + bufs[1].len;
	rv = uv_try_write((uv_stream_t *)&c->tcp, bufs, 2);
	if (rv < 0 && rv != UV_EAGAIN) {
		goto fail;
	}
	written = rv > 0 ? (size_t)rv : 0;
	if (written == total) {
		dmsgFree(c->d, m);
		return;
	}
	while (written >= bufs[i].len) {
		written -= bufs[i].len;
		i++;
	}
	bufs[i].base += written;
	bufs[i].len -= written;
	if (uv_write(&m->req, (uv_stream_t *)&c->tcp, bufs + i,
		     (unsigned)(2 - i), dmsgWritten) == 0) {
		return;
	}
fail:
	dmsgFree(c->d, m);
	dconnClose(c);
}

static void dconnAlloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct dconn *c = h->data;

	(void)suggested;
	if (c->n_got < sizeof c->got) {
		*buf = uv_buf_init((char *)c->got + c->n_got,
				   (unsigned)(sizeof c->got - c->n_got));
	} else {
		*buf = uv_buf_init((char *)c->sink, sizeof c->sink);
	}
}

static void dconnRead(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct dconn *c = stream->data;
	struct nraft_tcp_dialer *d = c->d;
	struct dmsg *m;

	(void)buf;
	if (nread < 0) {
		dconnClose(c);
		return;
	}
	if (c->up || c->n_got + (size_t)nread < sizeof c->got) {
		c->n_got += c->up ? 0 : (size_t)nread;
		return;
	}
	c->n_got = sizeof c->got;
	if (!sp_handshake_is(c->got, SP_PROTO_PULL)) {
		dconnClose(c);
		return;
	}
	c->up = true;
	d->backoff_ms = d->min_ms;
	d->cb(d->arg, true);
	/* What waited for a connection goes out now, in order. */
	while (!d->closing && !c->closing && (m = d->pending) != NULL) {
		d->pending = m->next;
		if (d->pending == NULL) {
			d->pending_tail = NULL;
		}
		dconnWrite(c, m);
	}
}

static void dconnConnected(uv_connect_t *req, int status)
{
	struct dconn *c = req->data;

	if (status != 0 || c->closing) {
		dconnClose(c);
		return;
	}
	if (connStart(&c->tcp, &c->hello, push_hello, dconnAlloc, dconnRead) !=
	    0) {
		dconnClose(c);
	}
}

/* Connect to d->sa. */
static void dialerConnect(struct nraft_tcp_dialer *d)
{
	struct dconn *c = calloc(1, sizeof *c);

	if (c == NULL) {
		dialerScheduleRetry(d);
		return;
	}
	c->d = d;
	uv_tcp_init(d->loop, &c->tcp);
	c->tcp.data = c;
	c->connect.data = c;
	d->conn = c;
	d->busy++;
	if (uv_tcp_connect(&c->connect, &c->tcp, (struct sockaddr *)&d->sa,
			   dconnConnected) != 0) {
		dconnClose(c);
	}
}

static void dialerResolved(uv_getaddrinfo_t *req, int status,
			   struct addrinfo *res)
{
	struct nraft_tcp_dialer *d = req->data;

	d->resolving = false;
	if (status == 0 && !d->closing) {
		memcpy(&d->sa, res->ai_addr, res->ai_addrlen);
		d->resolved = true;
		dialerConnect(d);
	} else if (!d->closing) {
		dialerScheduleRetry(d);
	}
	uv_freeaddrinfo(res);
	dialerRelease(d);
}

/* One connection attempt: numeric hosts at once, names through libuv's
 * thread pool — once, and again after an attempt that failed (a name may
 * move; a down peer does not keep a pool thread resolving). */
static void dialerAttempt(struct nraft_tcp_dialer *d)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&d->sa;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&d->sa;
	struct addrinfo hints;
	int port = atoi(d->port);

	if (d->resolved) {
		dialerConnect(d);
		return;
	}
	memset(&d->sa, 0, sizeof d->sa);
	if (uv_ip4_addr(d->host, port, a4) == 0 ||
	    uv_ip6_addr(d->host, port, a6) == 0) {
		dialerConnect(d);
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	d->gai.data = d;
	if (uv_getaddrinfo(d->loop, &d->gai, dialerResolved, d->host, d->port,
			   &hints) != 0) {
		dialerScheduleRetry(d);
		return;
	}
	d->resolving = true;
	d->busy++;
}

struct nraft_tcp_dialer *nraft_tcp_dial(uv_loop_t *loop, const char *address,
					unsigned reconnect_min_ms,
					unsigned reconnect_max_ms,
					unsigned max_queued,
					nraft_tcp_link_cb cb, void *arg)
{
	struct nraft_tcp_dialer *d = calloc(1, sizeof *d);

	if (d == NULL) {
		return NULL;
	}
	if (sp_tcp_split(address, d->host, sizeof d->host, d->port,
			 sizeof d->port) != 0 ||
	    d->host[0] == '\0') {
		free(d);
		return NULL;
	}
	d->loop = loop;
	d->max_queued = max_queued;
	d->min_ms = reconnect_min_ms > 0 ? reconnect_min_ms : 1;
	d->max_ms = reconnect_max_ms > d->min_ms ? reconnect_max_ms : d->min_ms;
	d->backoff_ms = d->min_ms;
	d->cb = cb;
	d->arg = arg;
	uv_timer_init(loop, &d->retry);
	d->retry.data = d;
	d->busy = 1;
	dialerAttempt(d);
	return d;
}

int nraft_tcp_send(struct nraft_tcp_dialer *d, nng_msg *msg)
{
	struct dmsg *m;

	if (d->queued >= d->max_queued || (m = malloc(sizeof *m)) == NULL) {
		return -1;
	}
	m->msg = msg;
	m->next = NULL;
	sp_put_be64(m->len, nng_msg_len(msg));
	d->queued++;
	/* Behind what waits for the link (the link callback may send). */
	if (d->pending == NULL && d->conn != NULL && d->conn->up &&
	    !d->conn->closing) {
		dconnWrite(d->conn, m);
		return 0;
	}
	if (d->pending_tail != NULL) {
		d->pending_tail->next = m;
	} else {
		d->pending = m;
	}
	d->pending_tail = m;
	return 0;
}

void nraft_tcp_dialer_close(struct nraft_tcp_dialer *d,
			    void (*closed)(void *arg), void *arg)
{
	struct dmsg *m;

	d->closing = true;
	d->closed = closed;
	d->closed_arg = arg;
	while ((m = d->pending) != NULL) {
		d->pending = m->next;
		dmsgFree(d, m);
	}
	d->pending_tail = NULL;
	if (d->conn != NULL) {
		dconnClose(d->conn);
	}
	if (d->resolving) {
		uv_cancel((uv_req_t *)&d->gai); /* or it just ends */
	}
	uv_close((uv_handle_t *)&d->retry, dialerRetryClosed);
}
