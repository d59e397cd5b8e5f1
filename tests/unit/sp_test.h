/* sp_test.h — what the unit tests of our SP-over-TCP speakers
 * (test_server_tcp, test_nraft_tcp) share: the clock, running a libuv loop
 * with uv_run(UV_RUN_NOWAIT) while a raw socket waits, raw sockets on
 * 127.0.0.1, and the SP handshake on them (sp_tcp.h's, as is the frame
 * length's sp_put_be64/sp_get_be64).
 *
 * Single-threaded: whatever waits on a raw socket runs the loop it is given
 * meanwhile, so the code under test on that loop makes progress. Include it
 * after cmocka.h's prerequisites (setjmp.h, stdarg.h, stddef.h). */
#ifndef STRATUS_TEST_SP_TEST_H
#define STRATUS_TEST_SP_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "sp_tcp.h"

/* --- time and the loop ---------------------------------------------------- */

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the loop for ms (whatever happens). */
static inline void pump(uv_loop_t *loop, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(200);
	}
}

/* Run the loop until cond holds or ms pass; the caller then asserts cond. */
#define WAIT_FOR(loop, cond, ms)                                               \
	do {                                                                   \
		uint64_t end_ = now_ms() + (ms);                               \
		while (!(cond) && now_ms() < end_) {                           \
			uv_run((loop), UV_RUN_NOWAIT);                         \
			usleep(100);                                           \
		}                                                              \
	} while (0)

/* --- raw sockets on 127.0.0.1 --------------------------------------------- */

/* A port nobody listens on (right now). */
static inline int free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), p;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	p = ntohs(sa.sin_port);
	close(fd);
	return p;
}

/* Connect to 127.0.0.1:port (the kernel completes it; no loop needed), with
 * TCP_NODELAY. rcvbuf: the socket's receive buffer (fixed, no autotuning),
 * or 0. */
static inline int raw_dial_rcvbuf(int port, int rcvbuf)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (rcvbuf > 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static inline int raw_dial(int port)
{
	return raw_dial_rcvbuf(port, 0);
}

static inline void send_all(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, 0), (ssize_t)len);
}

/* Read exactly len bytes while running the loop: 0, or -1 if the peer
 * closed the connection first, or -2 on timeout. */
static inline int recv_exact(uv_loop_t *loop, int fd, void *buf, size_t len,
			     unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	size_t got = 0;

	while (got < len) {
		ssize_t n =
		    recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			return -1;
		}
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (now_ms() > end) {
			return -2;
		}
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(100);
	}
	return 0;
}

/* Is the connection closed by our peer (within timeout_ms), while running
 * the loop? Bytes that arrive meanwhile are discarded. */
static inline bool closed_by_peer(uv_loop_t *loop, int fd, unsigned timeout_ms)
{
	static char sink[64 * 1024];
	uint64_t end = now_ms() + timeout_ms;

	while (now_ms() <= end) {
		ssize_t n = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			return true;
		}
		if (n > 0) {
			continue;
		}
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(100);
	}
	return false;
}

/* --- the SP handshake ----------------------------------------------------- */

/* Send our handshake, announcing proto (SP_PROTO_*). */
static inline void send_handshake(int fd, uint16_t proto)
{
	uint8_t hs[SP_HANDSHAKE_BYTES];

	sp_handshake(hs, proto);
	send_all(fd, hs, sizeof hs);
}

/* Read the peer's handshake while running the loop, and check that it
 * announces proto. */
static inline void expect_handshake(uv_loop_t *loop, int fd, uint16_t proto,
				    unsigned timeout_ms)
{
	uint8_t hs[SP_HANDSHAKE_BYTES], want[SP_HANDSHAKE_BYTES];

	assert_int_equal(recv_exact(loop, fd, hs, sizeof hs, timeout_ms), 0);
	sp_handshake(want, proto);
	assert_memory_equal(hs, want, sizeof hs);
}

#endif
