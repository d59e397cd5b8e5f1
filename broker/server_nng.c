/* server_nng — server.h's transport for tls+tcp:// addresses: nng's REP
 * socket (with nng's TLS). A pool of nng contexts, each with its own aio,
 * receives requests concurrently; nng threads only push a received request
 * onto a locked queue and uv_async_send; the loop thread drains the queue
 * and calls the handler. A held request occupies its context, so the pool
 * bounds the requests in flight. */
#include "server_int.h"

#include <pthread.h>

#include <nng/protocol/reqrep0/rep.h>
#include <nng/transport/tcp/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

enum { SLOT_RECV, SLOT_LOOP, SLOT_SEND, SLOT_DEAD };

struct nng_server;

struct nng_slot {
	struct server_slot base; /* base.srv: its nng_server */
	nng_ctx ctx;
	nng_aio *aio;
	nng_msg *msg;	       /* the request while the loop holds it */
	int state;	       /* SLOT_RECV, SLOT_LOOP, SLOT_SEND */
	struct nng_slot *next; /* ready queue link */
};

struct nng_server {
	struct server base;
	nng_socket sock;
	nng_listener listener;
	uv_async_t async;
	pthread_mutex_t mu;
	struct nng_slot *ready_head, *ready_tail; /* received, for the loop */
	struct nng_slot *slots;
	size_t n_slots;
	server_request_cb cb;
	void *cb_ctx;
	unsigned max_connections;
	int connections; /* updated on nng threads under mu */
	int closing;
};

static struct nng_server *slot_server(struct nng_slot *slot)
{
	return (struct nng_server *)slot->base.srv;
}

static void slot_recv(struct nng_slot *slot)
{
	slot->state = SLOT_RECV;
	nng_ctx_recv(slot->ctx, slot->aio);
}

/* nng thread: a receive or a send completed. */
static void slot_aio_cb(void *arg)
{
	struct nng_slot *slot = arg;
	struct nng_server *s = slot_server(slot);
	int rv = nng_aio_result(slot->aio);

	if (slot->state == SLOT_SEND) {
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(slot->aio));
		}
		if (rv == NNG_ECLOSED || s->closing) {
			slot->state = SLOT_DEAD;
			return;
		}
		slot_recv(slot);
		return;
	}
	if (rv != 0) {
		if (rv == NNG_ECLOSED || s->closing) {
			slot->state = SLOT_DEAD;
			return;
		}
		slot_recv(slot); /* e.g. a pipe closed mid-receive */
		return;
	}
	slot->msg = nng_aio_get_msg(slot->aio);
	slot->state = SLOT_LOOP;
	slot->next = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->ready_tail) {
		s->ready_tail->next = slot;
	} else {
		s->ready_head = slot;
	}
	s->ready_tail = slot;
	pthread_mutex_unlock(&s->mu);
	uv_async_send(&s->async);
}

/* Loop thread: drain every received request. */
static void async_cb(uv_async_t *async)
{
	struct nng_server *s = async->data;
	struct nng_slot *slot, *next;

	pthread_mutex_lock(&s->mu);
	slot = s->ready_head;
	s->ready_head = s->ready_tail = NULL;
	pthread_mutex_unlock(&s->mu);
	for (; slot != NULL; slot = next) {
		next = slot->next;
		s->cb(s->cb_ctx, &slot->base, nng_msg_body(slot->msg),
		      nng_msg_len(slot->msg));
	}
}

/* nng thread: keep the number of client connections bounded. */
static void pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct nng_server *s = arg;
	int over = 0;

	pthread_mutex_lock(&s->mu);
	if (ev == NNG_PIPE_EV_ADD_PRE) {
		if ((unsigned)s->connections >= s->max_connections) {
			over = 1;
		} else {
			s->connections++;
		}
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		s->connections--;
	}
	pthread_mutex_unlock(&s->mu);
	if (over) {
		/* Closed in ADD_PRE: the socket never sees the pipe and no
		 * further events fire for it. */
		log_warn("client connections: limit %u reached, refusing one",
			 s->max_connections);
		nng_pipe_close(p);
	}
}

/* Create and start the listener. */
static int listen_at(struct nng_server *s, const char *address,
		     nng_tls_config *tls)
{
	int rv;

	if ((rv = nng_listener_create(&s->listener, s->sock, address)) != 0 ||
	    (tls != NULL && strncmp(address, "tls+tcp://", 10) == 0 &&
	     (rv = nng_listener_set_ptr(s->listener, NNG_OPT_TLS_CONFIG,
					tls)) != 0) ||
	    (rv = nng_listener_start(s->listener, 0)) != 0) {
		return rv;
	}
	return 0;
}

static const struct server_ops nng_ops;

static void nng_server_free(struct server *base)
{
	struct nng_server *s = (struct nng_server *)base;
	size_t i;

	for (i = 0; i < s->n_slots; i++) {
		if (s->slots[i].msg) {
			nng_msg_free(s->slots[i].msg);
		}
		nng_aio_free(s->slots[i].aio);
	}
	free(s->slots);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static void nng_server_stop(struct server *base)
{
	struct nng_server *s = (struct nng_server *)base;
	size_t i;

	s->closing = 1;
	nng_close(s->sock);
	for (i = 0; i < s->n_slots; i++) {
		nng_aio_stop(s->slots[i].aio);
	}
	if (!uv_is_closing((uv_handle_t *)&s->async)) {
		uv_close((uv_handle_t *)&s->async, NULL);
	}
}

struct server *server_nng_start(uv_loop_t *loop, const char *address,
				nng_tls_config *tls, size_t max_request_bytes,
				unsigned max_connections, server_request_cb cb,
				void *cb_ctx, char *errmsg, size_t errmsg_size)
{
	struct nng_server *s = calloc(1, sizeof *s);
	size_t i;
	int rv;

	if (s == NULL) {
		snprintf(errmsg, errmsg_size, "client socket: out of memory");
		return NULL;
	}
	s->base.ops = &nng_ops;
	s->cb = cb;
	s->cb_ctx = cb_ctx;
	s->max_connections = max_connections;
	pthread_mutex_init(&s->mu, NULL);
	if ((rv = nng_rep0_open(&s->sock)) != 0) {
		snprintf(errmsg, errmsg_size, "open client socket: %s",
			 nng_strerror(rv));
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, max_request_bytes);
	nng_socket_set_bool(s->sock, NNG_OPT_TCP_NODELAY, true);
	nng_pipe_notify(s->sock, NNG_PIPE_EV_ADD_PRE, pipe_cb, s);
	nng_pipe_notify(s->sock, NNG_PIPE_EV_REM_POST, pipe_cb, s);
	s->slots = calloc(SERVER_POOL_SIZE, sizeof *s->slots);
	if (s->slots == NULL) {
		snprintf(errmsg, errmsg_size, "client socket: out of memory");
		goto err_after_open;
	}
	for (i = 0; i < SERVER_POOL_SIZE; i++) {
		struct nng_slot *slot = &s->slots[i];
		slot->base.srv = &s->base;
		if (nng_ctx_open(&slot->ctx, s->sock) != 0 ||
		    nng_aio_alloc(&slot->aio, slot_aio_cb, slot) != 0) {
			snprintf(errmsg, errmsg_size,
				 "client socket: cannot allocate contexts");
			goto err_after_open;
		}
		s->n_slots++;
	}
	if ((rv = listen_at(s, address, tls)) != 0) {
		snprintf(errmsg, errmsg_size, "listen on %s: %s", address,
			 nng_strerror(rv));
		goto err_after_open;
	}
	/* No context receives before this, so the handle exists before any
	 * nng thread can signal it. */
	uv_async_init(loop, &s->async, async_cb);
	s->async.data = s;
	for (i = 0; i < s->n_slots; i++) {
		slot_recv(&s->slots[i]);
	}
	return &s->base;

err_after_open:
	s->closing = 1;
	nng_close(s->sock);
	nng_server_free(&s->base);
	return NULL;
}

static int nng_reply_write(struct server_slot *base, size_t len,
			   void (*write)(void *ctx, uint8_t *body), void *ctx)
{
	struct nng_slot *slot = (struct nng_slot *)base;
	nng_msg *msg = slot->msg;

	if (slot_server(slot)->closing) {
		return 0; /* free releases the held message */
	}
	/* Reuse the request message: its header carries the REP backtrace. */
	nng_msg_clear(msg);
	if (nng_msg_realloc(msg, len) != 0) {
		return -1;
	}
	write(ctx, nng_msg_body(msg));
	slot->msg = NULL;
	slot->state = SLOT_SEND;
	nng_aio_set_msg(slot->aio, msg);
	nng_ctx_send(slot->ctx, slot->aio);
	return 0;
}

/* No memory for the answer: drop the request (its client times out and
 * retries) and take the next one. */
static void nng_drop(struct server_slot *base)
{
	struct nng_slot *slot = (struct nng_slot *)base;

	if (slot_server(slot)->closing) {
		return;
	}
	nng_msg_free(slot->msg);
	slot->msg = NULL;
	slot_recv(slot);
}

static const struct server_ops nng_ops = {
    .reply_write = nng_reply_write,
    .drop = nng_drop,
    .stop = nng_server_stop,
    .free = nng_server_free,
};
