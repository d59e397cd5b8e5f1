/* server — the native front door: protobuf requests over the SP REQ/REP
 * wire that nng's REQ sockets (libstratus) speak.
 *
 * Two transports behind one API, chosen by the listen address:
 *  - tcp://  (server_tcp.c) the loop reads and writes the sockets itself
 *    (libuv): a request reaches the handler in the same loop iteration that
 *    read it, and every answer of an iteration to one connection leaves in
 *    one write. No thread hand-offs: on a 2-core machine shared by three
 *    nodes each hop is a wake-up that costs latency (BENCHMARKS.md).
 *  - tls+tcp://  (server_nng.c) nng's REP socket with its TLS: a pool of
 *    contexts receives on nng threads, which queue requests for the loop
 *    (uv_async_send).
 * The handler answers each request exactly once, now or later, with
 * server_reply() — a request held for a while (a write waiting for its raft
 * entry) counts against a bound on the requests in flight on this node
 * (SERVER_POOL_SIZE): over it, no further requests are read (backpressure),
 * and a held request never blocks the others.
 *
 * Limits: a request larger than max_request_bytes gets its connection
 * closed; connections beyond max_connections are closed on arrival; a
 * client that does not read its answers is not read either (tcp://); bytes
 * that are not the SP protocol get the connection closed, as does a
 * connection that has not completed the SP handshake within 10 s. */
#ifndef STRATUS_SERVER_H
#define STRATUS_SERVER_H

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SERVER_POOL_SIZE 1024

struct server;
struct server_slot; /* one request, from arrival to its answer */

/* Called on the loop thread for each request. body is borrowed until
 * server_reply() for this slot. */
typedef void (*server_request_cb)(void *ctx, struct server_slot *slot,
				  const uint8_t *body, size_t len);

/* Listen at address (tcp://HOST:PORT or tls+tcp://HOST:PORT; tls is the
 * listener's config for the latter). Loop thread. Returns owned (stop,
 * then free), or NULL with errmsg — then the loop must still run to
 * release a listener that failed (it is closed through the loop). */
struct server *server_start(uv_loop_t *loop, const char *address,
			    nng_tls_config *tls, size_t max_request_bytes,
			    unsigned max_connections, server_request_cb cb,
			    void *cb_ctx, char *errmsg, size_t errmsg_size);

/* Answer a request (copies response). Loop thread; exactly once per slot.
 * With no memory for the answer the request is dropped (its client times
 * out and retries). */
void server_reply(struct server_slot *slot, const uint8_t *response,
		  size_t len);

/* Answer a request with len bytes that write(ctx, body) puts straight into
 * the reply (a big answer assembled from parts, without a buffer of its own
 * to copy). 0, or -1 when no memory for len bytes: the slot is then still
 * unanswered. Loop thread; exactly once per slot. */
int server_reply_write(struct server_slot *slot, size_t len,
		       void (*write)(void *ctx, uint8_t *body), void *ctx);

/* Drop a request unanswered (no memory to handle it): its client times out
 * and retries. Loop thread; instead of an answer. */
void server_drop(struct server_slot *slot);

/* Stop listening and close every connection; requests still held are
 * dropped (their clients time out and retry) and server_reply() becomes a
 * no-op. Loop thread. */
void server_stop(struct server *s);

/* Release everything once the loop has run the close callbacks of the
 * handles server_stop closed (nothing can call server_reply() any more). */
void server_free(struct server *s);

#endif
