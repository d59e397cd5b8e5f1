/* link_nng — link.h's transport for addresses other than tcp://
 * (tls+tcp://, ipc://): an nng REQ socket, one context per exchange. An
 * exchange is a send (waiting at most connect_ms for a connection) and
 * then a receive, driven by the exchange's own aio on nng's threads.
 *
 * Cancel: the link's mutex orders a cancel against the send's callback
 * arming the receive, so a cancel never misses an exchange between its
 * two halves. */
#include "link_int.h"

#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct req_link {
	nng_socket sock;
	nng_dialer dialer;
	pthread_mutex_t mu; /* exchanges' pending/canceled flags */
	/* Live connections, from nng's pipe events. */
	atomic_int pipes;
	atomic_bool was_connected;
	/* Dialing starts at the first exchange, not at link_new: a
	 * short-lived client (the CLI) then never leaves half-made
	 * connections at nodes it did not need — nng 1.5.2's TLS listener
	 * can stall after many of those. */
	atomic_bool dialing;
};

/* nng thread: count the link's live connections. */
static void pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct req_link *l = arg;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(&l->pipes, 1);
		atomic_store(&l->was_connected, true);
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		atomic_fetch_sub(&l->pipes, 1);
	}
}

struct req_link *req_link_new(const char *url, nng_tls_config *tls,
			      size_t max_reply, const char **why,
			      bool *bad_address)
{
	struct req_link *l = calloc(1, sizeof *l);
	int rv;

	if (l == NULL) {
		*why = "out of memory";
		return NULL;
	}
	if ((rv = nng_req0_open(&l->sock)) != 0) {
		free(l);
		*why = nng_strerror(rv);
		return NULL;
	}
	pthread_mutex_init(&l->mu, NULL);
	/* The engine retries itself (on the next endpoint, with backoff): a
	 * lost connection must fail the exchange now (NNG_ECONNRESET), not
	 * resend on this socket after nng's 60 s default. */
	nng_socket_set_ms(l->sock, NNG_OPT_REQ_RESENDTIME,
			  NNG_DURATION_INFINITE);
	nng_socket_set_size(l->sock, NNG_OPT_RECVMAXSZ, max_reply);
	nng_socket_set_ms(l->sock, NNG_OPT_RECONNMINT, 50);
	nng_socket_set_ms(l->sock, NNG_OPT_RECONNMAXT, 1000);
	nng_pipe_notify(l->sock, NNG_PIPE_EV_ADD_POST, pipe_cb, l);
	nng_pipe_notify(l->sock, NNG_PIPE_EV_REM_POST, pipe_cb, l);
	if ((rv = nng_dialer_create(&l->dialer, l->sock, url)) != 0) {
		*why = nng_strerror(rv);
		*bad_address = rv != NNG_ENOMEM;
		req_link_free(l);
		return NULL;
	}
	/* Options a transport lacks (TCP_NODELAY on ipc://) are not errors. */
	nng_dialer_set_bool(l->dialer, NNG_OPT_TCP_NODELAY, true);
	nng_dialer_set_size(l->dialer, NNG_OPT_RECVMAXSZ, max_reply);
	nng_dialer_set_ms(l->dialer, NNG_OPT_RECONNMINT, 50);
	nng_dialer_set_ms(l->dialer, NNG_OPT_RECONNMAXT, 1000);
	if (strncmp(url, "tls+tcp://", 10) == 0 &&
	    (tls == NULL || (rv = nng_dialer_set_ptr(
				 l->dialer, NNG_OPT_TLS_CONFIG, tls)) != 0)) {
		*why = tls == NULL ? "TLS endpoint without a CA "
				     "(st_options.tls_ca_file, STRATUS_CA)"
				   : nng_strerror(rv);
		*bad_address = true;
		req_link_free(l);
		return NULL;
	}
	return l;
}

void req_link_free(struct req_link *l)
{
	if (l == NULL) {
		return;
	}
	nng_close(l->sock); /* also closes the dialer */
	pthread_mutex_destroy(&l->mu);
	free(l);
}

bool req_link_lost(struct req_link *l)
{
	return atomic_load(&l->was_connected) && atomic_load(&l->pipes) == 0;
}

/* End the exchange: close its context, then the callback. */
static void xchg_end(struct link_xchg *x, enum link_result result,
		     const char *why, nng_msg *reply)
{
	struct req_link *l = x->nng.link;

	pthread_mutex_lock(&l->mu);
	x->nng.pending = false;
	pthread_mutex_unlock(&l->mu);
	if (x->nng.ctx_open) {
		nng_ctx_close(x->nng.ctx);
		x->nng.ctx_open = false;
	}
	x->cb(x->arg, x, result, why, reply ? nng_msg_body(reply) : NULL,
	      reply ? nng_msg_len(reply) : 0);
	if (reply != NULL) {
		nng_msg_free(reply);
	}
}

static enum link_result canceled_or(int rv, enum link_result other)
{
	return rv == NNG_ECANCELED || rv == NNG_ECLOSED ? LINK_CANCELED : other;
}

static void xchg_cb(void *arg)
{
	struct link_xchg *x = arg;
	struct req_link *l = x->nng.link;
	int rv = nng_aio_result(x->nng.aio);
	nng_msg *msg;

	if (!x->nng.receiving) {
		if (rv != 0) {
			/* A failed send leaves the message with us. */
			if ((msg = nng_aio_get_msg(x->nng.aio)) != NULL) {
				nng_aio_set_msg(x->nng.aio, NULL);
				nng_msg_free(msg);
			}
			xchg_end(x,
				 rv == NNG_ETIMEDOUT
				     ? LINK_NOT_CONNECTED
				     : canceled_or(rv, LINK_SEND_FAILED),
				 nng_strerror(rv), NULL);
			return;
		}
		pthread_mutex_lock(&l->mu);
		if (x->nng.canceled) {
			pthread_mutex_unlock(&l->mu);
			xchg_end(x, LINK_CANCELED, nng_strerror(NNG_ECANCELED),
				 NULL);
			return;
		}
		int64_t left = x->nng.end_ms - link_now_ms();
		x->nng.receiving = true;
		nng_aio_set_timeout(
		    x->nng.aio, (nng_duration)(left < 0 ? 0
					       : left < (int64_t)x->nng.reply_ms
						   ? left
						   : x->nng.reply_ms));
		nng_ctx_recv(x->nng.ctx, x->nng.aio);
		pthread_mutex_unlock(&l->mu);
		return;
	}
	if (rv != 0 || (msg = nng_aio_get_msg(x->nng.aio)) == NULL) {
		xchg_end(x,
			 rv == 0 || rv == NNG_ETIMEDOUT
			     ? LINK_TIMEOUT
			     : canceled_or(rv, LINK_LOST),
			 nng_strerror(rv != 0 ? rv : NNG_ETIMEDOUT), NULL);
		return;
	}
	nng_aio_set_msg(x->nng.aio, NULL);
	xchg_end(x, LINK_OK, NULL, msg);
}

int req_xchg_start(struct req_link *l, struct link_xchg *x, const uint8_t *req,
		   size_t len, unsigned connect_ms, unsigned reply_ms,
		   int64_t end_ms)
{
	nng_msg *msg = NULL;
	int64_t left = end_ms - link_now_ms();

	if (x->nng.aio == NULL && nng_aio_alloc(&x->nng.aio, xchg_cb, x) != 0) {
		return -1;
	}
	if (nng_msg_alloc(&msg, len) != 0) {
		return -1;
	}
	memcpy(nng_msg_body(msg), req, len);
	if (nng_ctx_open(&x->nng.ctx, l->sock) != 0) {
		nng_msg_free(msg);
		return -1;
	}
	if (!atomic_exchange(&l->dialing, true)) {
		nng_dialer_start(l->dialer, NNG_FLAG_NONBLOCK);
	}
	x->nng.ctx_open = true;
	x->nng.link = l;
	x->nng.receiving = false;
	x->nng.reply_ms = reply_ms;
	x->nng.end_ms = end_ms;
	pthread_mutex_lock(&l->mu);
	x->nng.canceled = false;
	x->nng.pending = true;
	pthread_mutex_unlock(&l->mu);
	nng_aio_set_msg(x->nng.aio, msg);
	if (left < 0) {
		left = 0;
	}
	nng_aio_set_timeout(
	    x->nng.aio,
	    (nng_duration)(left < (int64_t)connect_ms ? left : connect_ms));
	nng_ctx_send(x->nng.ctx, x->nng.aio);
	return 0;
}

void req_xchg_cancel(struct link_xchg *x)
{
	struct req_link *l = x->nng.link;

	if (l == NULL) {
		return;
	}
	pthread_mutex_lock(&l->mu);
	if (x->nng.pending) {
		x->nng.canceled = true;
		nng_aio_cancel(x->nng.aio);
	}
	pthread_mutex_unlock(&l->mu);
}

void req_xchg_fini(struct link_xchg *x)
{
	if (x->nng.aio != NULL) {
		nng_aio_free(x->nng.aio); /* waits for its last callback */
		x->nng.aio = NULL;
	}
}
