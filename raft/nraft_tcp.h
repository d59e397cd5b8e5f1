/* nraft_tcp — raft's network for tcp:// addresses, driven by the loop:
 * nng's SP pipeline wire (PUSH dials, PULL listens; see sp_tcp.h), spoken
 * by libuv handles on the loop thread instead of nng's threads. nraft_io
 * uses it for tcp:// and nng for tls+tcp://; the wire is the same, so a
 * node on either talks to a node on the other.
 *
 * Why: with nng every raft message crossed two thread hand-offs on each
 * side (loop -> nng task thread -> socket, and socket -> nng poller ->
 * task thread -> RECVFD -> loop); at paced load that was ~0.4 ms of a
 * 0.64 ms leader -> follower -> leader round trip (BENCHMARKS.md,
 * session 11). Here a pack leaves in the loop iteration that built it and
 * a received pack reaches raft in the iteration that read it.
 *
 * Everything runs on the loop thread; no callback runs inside a call of
 * this API. */
#ifndef NRAFT_TCP_H
#define NRAFT_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>
#include <uv.h>

/* --- listening (PULL) ---------------------------------------------------- */

struct nraft_tcp_listener;

/* One whole message from some peer. @data is valid during the call. */
typedef void (*nraft_tcp_frame_cb)(void *arg, const uint8_t *data, size_t len);

/* Listen at the tcp:// @address. A connection that does not complete the
 * handshake as a PUSH peer within 10 s, sends garbage, or announces a
 * message over @max_frame bytes is closed. 0, or a negative libuv error
 * (UV_EADDRINUSE, ...) with @errmsg filled. */
int nraft_tcp_listen(uv_loop_t *loop, const char *address, size_t max_frame,
		     nraft_tcp_frame_cb cb, void *arg,
		     struct nraft_tcp_listener **out, char *errmsg,
		     size_t errmsg_size);

/* Stop: no callback after this returns. @closed(arg) runs once every
 * handle is closed and the memory is freed. */
void nraft_tcp_listener_close(struct nraft_tcp_listener *l,
			      void (*closed)(void *arg), void *arg);

/* --- dialing (PUSH) ------------------------------------------------------ */

struct nraft_tcp_dialer;

/* The connection came up (handshake done) or went down. */
typedef void (*nraft_tcp_link_cb)(void *arg, bool up);

/* Start connecting to the tcp:// @address in the background (resolving
 * names asynchronously), reconnecting after a failure or a close with a
 * back-off from @reconnect_min_ms doubling up to @reconnect_max_ms. There
 * is no connect or handshake timeout (nraft_io closes a dialer that stays
 * down for redial_ms and dials afresh).
 * @max_queued: messages accepted while earlier ones are not yet taken by
 * the kernel (or the connection is not up). NULL when out of memory or
 * @address is not tcp://. */
struct nraft_tcp_dialer *nraft_tcp_dial(uv_loop_t *loop, const char *address,
					unsigned reconnect_min_ms,
					unsigned reconnect_max_ms,
					unsigned max_queued,
					nraft_tcp_link_cb cb, void *arg);

/* Send @msg's body as one message, in order. 0: the dialer owns @msg (it
 * is freed once written, or dropped with the connection it was queued
 * on). -1: @max_queued reached or out of memory; the caller keeps @msg. */
int nraft_tcp_send(struct nraft_tcp_dialer *d, nng_msg *msg);

/* Stop: queued messages are dropped, no callback after this returns.
 * @closed(arg) runs once every handle is closed and the memory is freed. */
void nraft_tcp_dialer_close(struct nraft_tcp_dialer *d,
			    void (*closed)(void *arg), void *arg);

#endif
