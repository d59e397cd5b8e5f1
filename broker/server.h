/* server — the native front door: protobuf requests over nng REQ/REP.
 *
 * One REP socket listens at the node's client address. A pool of nng
 * contexts, each with its own aio, receives requests concurrently; nng
 * threads only push a received request onto a locked queue and
 * uv_async_send; the loop thread drains the queue and calls the handler.
 * The handler answers each request exactly once, now or later, with
 * server_reply() — a request held for a while (a write waiting for its raft
 * entry) occupies one context, so the pool size bounds the requests in
 * flight on this node (backpressure), and a held request never blocks the
 * others.
 *
 * Limits: requests larger than max_request_bytes are dropped by nng and the
 * connection closed (NNG_OPT_RECVMAXSZ); connections beyond max_connections
 * are closed on arrival. Garbage that is not the SP protocol never reaches
 * us (nng closes the connection). */
#ifndef STRATUS_SERVER_H
#define STRATUS_SERVER_H

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SERVER_POOL_SIZE 1024

struct server;
struct server_slot;

/* Called on the loop thread for each request. body is borrowed until
 * server_reply() for this slot. */
typedef void (*server_request_cb)(void *ctx, struct server_slot *slot,
				  const uint8_t *body, size_t len);

struct server_slot {
	struct server *srv;
	nng_ctx ctx;
	nng_aio *aio;
	nng_msg *msg;		  /* the request while the loop holds it */
	int state;		  /* SLOT_RECV, SLOT_LOOP, SLOT_SEND */
	struct server_slot *next; /* ready queue link */
};

struct server {
	nng_socket sock;
	nng_listener listener;
	char address[300];
	nng_tls_config *tls; /* the listener's, or NULL */
	uv_async_t async;
	pthread_mutex_t mu;
	struct server_slot *ready_head,
	    *ready_tail; /* received, for the loop */
	struct server_slot *slots;
	size_t n_slots;
	server_request_cb cb;
	void *cb_ctx;
	unsigned max_connections;
	int connections; /* updated on nng threads under mu */
	int closing;
};

/* Listen at address (tcp://host:port). Loop thread. 0 or -1 with errmsg. */
int server_start(struct server *s, uv_loop_t *loop, const char *address,
		 nng_tls_config *tls, /* for tls+tcp://, or NULL */
		 size_t max_request_bytes, unsigned max_connections,
		 server_request_cb cb, void *cb_ctx, char *errmsg,
		 size_t errmsg_size);

/* Answer a request (copies response). Loop thread; exactly once per slot. */
void server_reply(struct server_slot *slot, const uint8_t *response,
		  size_t len);

/* Answer a request with len bytes that write(ctx, body) puts straight into
 * the reply message (a big answer assembled from parts, without a buffer
 * of its own to copy). 0, or -1 when the message cannot grow to len: the
 * slot is then still unanswered. Loop thread; exactly once per slot. */
int server_reply_write(struct server_slot *slot, size_t len,
		       void (*write)(void *ctx, uint8_t *body), void *ctx);

/* Stop listening; requests still held are dropped (their clients time out
 * and retry) and server_reply() becomes a no-op. Loop thread. */
void server_stop(struct server *s);

/* Release the slots once nothing can call server_reply() any more (after
 * the loop has closed the async handle). */
void server_free(struct server *s);

#endif
