/* Unit tests of raft's loop-driven SP pipeline transport (raft/nraft_tcp.c):
 * interop with nng's PUSH and PULL sockets in both directions (messages of
 * 0 B to 5 MiB, intact and in order), queueing while the peer is not
 * listening and the max_queued cap, the link going down and up again,
 * backpressure from a peer that does not read, the wire's edge cases from
 * raw sockets (bad handshakes on either side, oversized frames, frames
 * split byte by byte or packed in one write), closing with messages
 * queued and connections open (LSan checks that nothing leaks, and no
 * callback may run after a close), closing and sending from inside the
 * callbacks, messages in flight dropped with their connection, bad
 * addresses, and our dialer to our listener (by name).
 *
 * Single-threaded on our side: the test drives the loop with
 * uv_run(UV_RUN_NOWAIT) in bounded waits while it reads its raw sockets
 * or polls nng (nng's own threads drive nng's sockets). Each test has its
 * own loop, and ends by checking that uv_loop_close succeeds (no handle
 * left behind). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <uv.h>

#include "nraft_tcp.h"
#include "sp_test.h"

#define WAIT_MS	   5000	 /* Any single wait; ASan makes things slow. */
#define BIG_MS	   20000 /* Waits that move tens of MiB. */
#define KIB	   1024u
#define MIB	   (1024u * 1024u)
#define MAX_FRAMES 1024

static uv_loop_t loop;
static char address[64];

/* --- time and the loop ---------------------------------------------------- */

static void loop_start(void)
{
	assert_int_equal(uv_loop_init(&loop), 0);
}

/* Everything was closed by the test: the loop must wind down by itself
 * (closing handles' callbacks) and close without UV_EBUSY. */
static void loop_finish(void)
{
	WAIT_FOR(&loop, !uv_loop_alive(&loop), WAIT_MS);
	assert_false(uv_loop_alive(&loop));
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* --- addresses and raw sockets -------------------------------------------- */

static int set_address(int port)
{
	snprintf(address, sizeof address, "tcp://127.0.0.1:%d", port);
	return port;
}

/* A raw listening socket on 127.0.0.1 (non-blocking accept); rcvbuf: the
 * receive buffer its connections inherit (fixed, no autotuning), or 0. */
static int raw_listen(int rcvbuf, int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (rcvbuf > 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

/* Accept a connection while running the loop: its fd, or -1 on timeout. */
static int raw_accept(int lfd, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd >= 0) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof one);
			return fd;
		}
		if (now_ms() > end) {
			return -1;
		}
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(100);
	}
}

/* Nothing readable on fd right now (and not closed). */
static bool nothing_to_read(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);

	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* --- message contents ----------------------------------------------------- */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Byte i of the body seeded by seed: differs between seeds and along the
 * body (no short period, so a dropped or repeated chunk shows). */
static uint8_t pattern(uint32_t seed, size_t i)
{
	uint32_t x = seed * 2654435761u + (uint32_t)i * 40503u;

	x ^= x >> 13;
	x *= 0x5bd1e995u;
	x ^= x >> 15;
	return (uint8_t)(x ^ (uint32_t)(i >> 16));
}

/* A body: its seed in the first 4 bytes (when it has 4), the pattern in
 * the rest. */
static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		p[i] = pattern(seed, i);
	}
	if (len >= 4) {
		put_be32(p, seed);
	}
}

/* Is p[0..len) the body fill(len, seed) made? */
static bool body_is(const uint8_t *p, size_t len, uint32_t seed)
{
	size_t i = 0;

	if (len >= 4) {
		if (get_be32(p) != seed) {
			return false;
		}
		i = 4;
	}
	for (; i < len; i++) {
		if (p[i] != pattern(seed, i)) {
			return false;
		}
	}
	return true;
}

static nng_msg *make_msg(size_t len, uint32_t seed)
{
	nng_msg *m;

	assert_int_equal(nng_msg_alloc(&m, len), 0);
	fill(nng_msg_body(m), len, seed);
	return m;
}

static nng_msg *text_msg(const char *s)
{
	nng_msg *m;

	assert_int_equal(nng_msg_alloc(&m, 0), 0);
	assert_int_equal(nng_msg_append(m, s, strlen(s)), 0);
	return m;
}

/* --- callbacks ------------------------------------------------------------ */

/* What the listener delivered (copies). */
struct frames {
	int n;
	uint8_t *data[MAX_FRAMES];
	size_t len[MAX_FRAMES];
	int overflow;
};

static struct frames got;

/* Called after a frame is recorded (a test's reentrancy), or NULL. */
static void (*frame_hook)(void);

static void on_frame(void *arg, const uint8_t *data, size_t len)
{
	struct frames *f = arg;

	if (f != &got) {
		got.overflow = 1000000; /* wrong arg: fails every count */
		return;
	}
	if (f->n >= MAX_FRAMES) {
		f->overflow++;
		return;
	}
	f->data[f->n] = malloc(len > 0 ? len : 1);
	if (len > 0) {
		memcpy(f->data[f->n], data, len);
	}
	f->len[f->n] = len;
	f->n++;
	if (frame_hook != NULL) {
		frame_hook();
	}
}

static void frames_reset(void)
{
	int i;

	for (i = 0; i < got.n; i++) {
		free(got.data[i]);
	}
	memset(&got, 0, sizeof got);
	frame_hook = NULL;
}

static void expect_frame_text(int i, const char *s)
{
	assert_true(i < got.n);
	assert_int_equal(got.len[i], strlen(s));
	assert_memory_equal(got.data[i], s, strlen(s));
}

static void expect_frame_body(int i, size_t len, uint32_t seed)
{
	assert_true(i < got.n);
	assert_int_equal(got.len[i], len);
	assert_true(body_is(got.data[i], len, seed));
}

/* A dialer's link events. */
struct link {
	int ups, downs, events;
	bool up;
	int double_up; /* up reported while already up */
	int bad_arg;
};

static struct link link_state;

/* Called after a link event is recorded (a test's reentrancy), or NULL. */
static void (*link_hook)(bool up);

static void on_link(void *arg, bool up)
{
	struct link *k = arg;

	if (k != &link_state) {
		link_state.bad_arg++;
		return;
	}
	if (up) {
		if (k->up) {
			k->double_up++;
		}
		k->ups++;
	} else {
		k->downs++;
	}
	k->up = up;
	k->events++;
	if (link_hook != NULL) {
		link_hook(up);
	}
}

static void link_reset(void)
{
	memset(&link_state, 0, sizeof link_state);
	link_hook = NULL;
}

static void on_closed(void *arg)
{
	(*(int *)arg)++;
}

/* --- nng helpers ---------------------------------------------------------- */

static void on_aio(void *arg)
{
	atomic_fetch_add((atomic_int *)arg, 1);
}

/* Send m on each of n PUSH sockets at once (m[i] on socks[i]) and run the
 * loop until every send is taken by its socket. */
static void push_send_n(nng_socket *socks, nng_msg **m, int n)
{
	static atomic_int done; /* static: outlives a failed wait */
	nng_aio *aio[4];
	int i;

	assert_true(n <= 4);
	atomic_store(&done, 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(nng_aio_alloc(&aio[i], on_aio, &done), 0);
		nng_aio_set_msg(aio[i], m[i]);
		nng_aio_set_timeout(aio[i], BIG_MS);
		nng_send_aio(socks[i], aio[i]);
	}
	WAIT_FOR(&loop, atomic_load(&done) == n, BIG_MS);
	assert_int_equal(atomic_load(&done), n);
	for (i = 0; i < n; i++) {
		assert_int_equal(nng_aio_result(aio[i]), 0);
		nng_aio_free(aio[i]);
	}
}

static void push_send(nng_socket s, nng_msg *m)
{
	push_send_n(&s, &m, 1);
}

static nng_socket push_open(void)
{
	nng_socket s;

	assert_int_equal(nng_push0_open(&s), 0);
	nng_socket_set_ms(s, NNG_OPT_RECONNMINT, 10);
	nng_socket_set_ms(s, NNG_OPT_RECONNMAXT, 50);
	assert_int_equal(nng_dial(s, address, NULL, NNG_FLAG_NONBLOCK), 0);
	return s;
}

static nng_socket pull_open(void)
{
	nng_socket s;

	assert_int_equal(nng_pull0_open(&s), 0);
	assert_int_equal(nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 0), 0);
	assert_int_equal(nng_listen(s, address, NULL, 0), 0);
	return s;
}

/* A message from a PULL socket while running the loop, or NULL on
 * timeout. */
static nng_msg *pull_recv(nng_socket s, unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	nng_msg *m;

	for (;;) {
		int rv = nng_recvmsg(s, &m, NNG_FLAG_NONBLOCK);
		if (rv == 0) {
			return m;
		}
		assert_int_equal(rv, NNG_EAGAIN);
		if (now_ms() > end) {
			return NULL;
		}
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(100);
	}
}

static void expect_pull_body(nng_socket s, size_t len, uint32_t seed)
{
	nng_msg *m = pull_recv(s, BIG_MS);

	assert_non_null(m);
	assert_int_equal(nng_msg_len(m), len);
	assert_true(body_is(nng_msg_body(m), len, seed));
	nng_msg_free(m);
}

static void expect_pull_text(nng_socket s, const char *text)
{
	nng_msg *m = pull_recv(s, WAIT_MS);

	assert_non_null(m);
	assert_int_equal(nng_msg_len(m), strlen(text));
	assert_memory_equal(nng_msg_body(m), text, strlen(text));
	nng_msg_free(m);
}

/* Nothing more arrives at s (after running the loop a while). */
static void expect_pull_nothing(nng_socket s)
{
	nng_msg *m;

	pump(&loop, 100);
	assert_int_equal(nng_recvmsg(s, &m, NNG_FLAG_NONBLOCK), NNG_EAGAIN);
}

/* --- our side ------------------------------------------------------------- */

static struct nraft_tcp_listener *listen_at(size_t max_frame)
{
	struct nraft_tcp_listener *l = NULL;
	char errmsg[256] = "";

	assert_int_equal(nraft_tcp_listen(&loop, address, max_frame, on_frame,
					  &got, &l, errmsg, sizeof errmsg),
			 0);
	assert_non_null(l);
	return l;
}

/* After a close call: its callback (counting in *closed) did not run
 * inside the call; it runs once, and only once. */
static void expect_closed_once(const int *closed)
{
	assert_int_equal(*closed, 0); /* no callback inside a call */
	WAIT_FOR(&loop, *closed > 0, WAIT_MS);
	assert_int_equal(*closed, 1);
	pump(&loop, 20);
	assert_int_equal(*closed, 1);
}

static void listener_close_wait(struct nraft_tcp_listener *l)
{
	int closed = 0, n = got.n;

	nraft_tcp_listener_close(l, on_closed, &closed);
	expect_closed_once(&closed);
	assert_int_equal(got.n, n); /* no frame after close */
}

static struct nraft_tcp_dialer *dial_at(const char *addr, unsigned max_queued)
{
	struct nraft_tcp_dialer *d = nraft_tcp_dial(
	    &loop, addr, 10, 50, max_queued, on_link, &link_state);

	assert_non_null(d);
	assert_int_equal(link_state.events, 0); /* no callback inside a call */
	return d;
}

static void dialer_close_wait(struct nraft_tcp_dialer *d)
{
	int closed = 0, events = link_state.events;

	nraft_tcp_dialer_close(d, on_closed, &closed);
	expect_closed_once(&closed);
	/* No link callback after close (not even a "down"). */
	assert_int_equal(link_state.events, events);
	assert_int_equal(link_state.bad_arg, 0);
	assert_int_equal(link_state.double_up, 0);
}

static void send_ok(struct nraft_tcp_dialer *d, nng_msg *m)
{
	assert_int_equal(nraft_tcp_send(d, m), 0);
}

/* Send, running the loop while the dialer's queue is full. */
static void send_patiently(struct nraft_tcp_dialer *d, nng_msg *m)
{
	uint64_t end = now_ms() + BIG_MS;

	while (nraft_tcp_send(d, m) != 0) {
		if (now_ms() > end) {
			nng_msg_free(m);
			fail_msg("the dialer never took the message");
		}
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(100);
	}
}

/* A frame: 8-byte big-endian length, body. Returns its size. */
static size_t frame(uint8_t *out, const void *body, size_t len)
{
	sp_put_be64(out, len);
	memcpy(out + 8, body, len);
	return 8 + len;
}

/* ===========================================================================
 * 1. nng PUSH -> our listener.
 */

/* 0 B, 1 B, 100 KiB and 5 MiB from one PUSH socket arrive intact and in
 * order; then two PUSH sockets sending at once both deliver everything,
 * each in its own order. */
static void test_nng_push_to_listener(void **state)
{
	static const size_t sizes[] = {0, 1, 100 * KIB, 5 * MIB};
	struct nraft_tcp_listener *l;
	nng_socket push[2];
	int i, k, seen[2];

	(void)state;
	loop_start();
	frames_reset();
	set_address(free_port());
	l = listen_at(8 * MIB);
	push[0] = push_open();
	for (i = 0; i < 4; i++) {
		push_send(push[0], make_msg(sizes[i], 100 + (uint32_t)i));
	}
	WAIT_FOR(&loop, got.n >= 4, BIG_MS);
	pump(&loop, 100);
	assert_int_equal(got.n, 4);
	assert_int_equal(got.overflow, 0);
	for (i = 0; i < 4; i++) {
		expect_frame_body(i, sizes[i], 100 + (uint32_t)i);
	}
	/* The 1-byte bodies of different seeds differ: order is checked. */
	assert_true(pattern(101, 0) != pattern(100, 0));

	/* Two sockets at once: seeds 1000+k from the first, 2000+k from the
	 * second, sizes from 4 B to ~300 KiB. */
	frames_reset();
	push[1] = push_open();
	for (k = 0; k < 30; k++) {
		size_t len = 4 + ((size_t)k * 10007) % (300 * KIB);
		nng_msg *m[2] = {make_msg(len, 1000 + (uint32_t)k),
				 make_msg(len + 1, 2000 + (uint32_t)k)};
		push_send_n(push, m, 2);
	}
	WAIT_FOR(&loop, got.n >= 60, BIG_MS);
	pump(&loop, 100);
	assert_int_equal(got.n, 60);
	seen[0] = seen[1] = 0;
	for (i = 0; i < got.n; i++) {
		uint32_t seed;
		int s;
		assert_true(got.len[i] >= 4);
		seed = get_be32(got.data[i]);
		s = seed >= 2000 ? 1 : 0;
		/* Each socket's messages in its order, none lost or doubled. */
		assert_int_equal(seed, (uint32_t)(1000 * (s + 1) + seen[s]));
		assert_int_equal(got.len[i],
				 4 + ((size_t)seen[s] * 10007) % (300 * KIB) +
				     (size_t)s);
		assert_true(body_is(got.data[i], got.len[i], seed));
		seen[s]++;
	}
	assert_int_equal(seen[0], 30);
	assert_int_equal(seen[1], 30);
	nng_close(push[0]);
	nng_close(push[1]);
	listener_close_wait(l);
	frames_reset();
	loop_finish();
}

/* ===========================================================================
 * 2. Our dialer -> nng PULL.
 */

static void test_dialer_to_nng_pull(void **state)
{
	static const size_t sizes[] = {0, 1, 100 * KIB, 5 * MIB};
	struct nraft_tcp_dialer *d;
	nng_socket pull;
	int i;

	(void)state;
	loop_start();
	link_reset();
	set_address(free_port());
	pull = pull_open();
	d = dial_at(address, 64);
	WAIT_FOR(&loop, link_state.ups > 0, WAIT_MS);
	assert_int_equal(link_state.ups, 1);
	assert_int_equal(link_state.downs, 0);
	assert_true(link_state.up);
	for (i = 0; i < 4; i++) {
		send_ok(d, make_msg(sizes[i], 200 + (uint32_t)i));
	}
	/* A burst of small ones behind the big one, without running the
	 * loop: all queued (64 allowed). */
	for (i = 0; i < 50; i++) {
		send_ok(d, make_msg(16 + (size_t)i, 300 + (uint32_t)i));
	}
	for (i = 0; i < 4; i++) {
		expect_pull_body(pull, sizes[i], 200 + (uint32_t)i);
	}
	for (i = 0; i < 50; i++) {
		expect_pull_body(pull, 16 + (size_t)i, 300 + (uint32_t)i);
	}
	expect_pull_nothing(pull);
	assert_int_equal(link_state.ups, 1);
	assert_int_equal(link_state.downs, 0);
	assert_int_equal(link_state.double_up, 0);
	assert_int_equal(link_state.bad_arg, 0);
	dialer_close_wait(d);
	nng_close(pull);
	loop_finish();
}

/* ===========================================================================
 * 3. Dialing before anyone listens: retries, queues up to max_queued.
 */

#define MAXQ 8

static void test_dial_before_listen(void **state)
{
	struct nraft_tcp_dialer *d;
	nng_socket pull;
	nng_msg *extra;
	int i;

	(void)state;
	loop_start();
	link_reset();
	set_address(free_port());
	d = dial_at(address, MAXQ);
	pump(&loop, 300); /* several failed attempts (10..50 ms back-off) */
	assert_int_equal(link_state.ups, 0);
	for (i = 0; i < MAXQ; i++) {
		send_ok(d, make_msg(10 + (size_t)i * 1000, 400 + (uint32_t)i));
	}
	/* The cap: refused, and the caller still owns it. */
	extra = make_msg(10, 499);
	assert_int_equal(nraft_tcp_send(d, extra), -1);
	nng_msg_free(extra);
	pump(&loop, 200);
	assert_int_equal(link_state.ups, 0);
	/* Someone listens at last: the dialer finds it and delivers the
	 * queue, in order. */
	pull = pull_open();
	WAIT_FOR(&loop, link_state.ups > 0, WAIT_MS);
	assert_int_equal(link_state.ups, 1);
	assert_true(link_state.up);
	for (i = 0; i < MAXQ; i++) {
		expect_pull_body(pull, 10 + (size_t)i * 1000,
				 400 + (uint32_t)i);
	}
	expect_pull_nothing(pull);
	/* The cap is on messages outstanding, not in total. */
	for (i = 0; i < 5 * MAXQ; i++) {
		send_patiently(d, make_msg(100, 500 + (uint32_t)i));
	}
	for (i = 0; i < 5 * MAXQ; i++) {
		expect_pull_body(pull, 100, 500 + (uint32_t)i);
	}
	expect_pull_nothing(pull);
	assert_int_equal(link_state.ups, 1);
	assert_int_equal(link_state.downs, 0);
	dialer_close_wait(d);
	nng_close(pull);
	loop_finish();
}

/* ===========================================================================
 * 4. The link goes down and comes up again.
 */

static void test_link_down_up(void **state)
{
	struct nraft_tcp_dialer *d;
	nng_socket pull;
	int round;

	(void)state;
	loop_start();
	link_reset();
	set_address(free_port());
	pull = pull_open();
	d = dial_at(address, 16);
	WAIT_FOR(&loop, link_state.ups > 0, WAIT_MS);
	assert_int_equal(link_state.ups, 1);
	send_ok(d, text_msg("first"));
	expect_pull_text(pull, "first");
	for (round = 1; round <= 2; round++) {
		char text[32];
		/* The peer goes away: down, once. */
		nng_close(pull);
		WAIT_FOR(&loop, link_state.downs >= round, WAIT_MS);
		assert_int_equal(link_state.downs, round);
		assert_int_equal(link_state.ups, round);
		assert_false(link_state.up);
		/* Sent while down: queued for the next connection. */
		snprintf(text, sizeof text, "while-down-%d", round);
		send_ok(d, text_msg(text));
		pump(&loop, 100);
		assert_int_equal(link_state.ups, round);
		/* A new peer at the same address: up again. */
		pull = pull_open();
		WAIT_FOR(&loop, link_state.ups > round, WAIT_MS);
		assert_int_equal(link_state.ups, round + 1);
		assert_true(link_state.up);
		send_ok(d, text_msg("after-up"));
		expect_pull_text(pull, text);
		expect_pull_text(pull, "after-up");
		expect_pull_nothing(pull);
	}
	assert_int_equal(link_state.downs, 2);
	assert_int_equal(link_state.double_up, 0);
	dialer_close_wait(d);
	nng_close(pull);
	loop_finish();
}

/* ===========================================================================
 * 5. Backpressure from a peer that does not read.
 */

#define BP_MAXQ 4
#define BP_MAX	64 /* far more than kernel buffers + BP_MAXQ can hold */

/* A raw PULL peer: accept the dialer's connection, check its handshake
 * and answer as PULL; the dialer reports up. */
static int raw_pull_accept(int lfd)
{
	int fd = raw_accept(lfd, WAIT_MS), ups = link_state.ups;

	assert_true(fd >= 0);
	expect_handshake(&loop, fd, SP_PROTO_PUSH, WAIT_MS);
	/* Not up before the peer's handshake arrives. */
	pump(&loop, 50);
	assert_int_equal(link_state.ups, ups);
	send_handshake(fd, SP_PROTO_PULL);
	WAIT_FOR(&loop, link_state.ups > ups, WAIT_MS);
	assert_int_equal(link_state.ups, ups + 1);
	return fd;
}

/* Our dialer (max_queued BP_MAXQ) to a raw PULL peer whose connection has
 * a small receive buffer (64 KiB, fixed): the peer's listening socket in
 * *lfd, the accepted connection (link up) in *fd. */
static struct nraft_tcp_dialer *dial_raw_pull(int *lfd, int *fd)
{
	struct nraft_tcp_dialer *d;
	int port;

	*lfd = raw_listen(64 * KIB, &port);
	set_address(port);
	d = dial_at(address, BP_MAXQ);
	*fd = raw_pull_accept(*lfd);
	return d;
}

/* Send 1 MiB messages (seeds seed, seed + 1, ...) to a peer that does not
 * read, running the loop runs times after each, until the dialer refuses
 * one (freed here) or BP_MAX + 1 are taken. Returns how many it took: at
 * most BP_MAX when one was refused. */
static int send_until_refused(struct nraft_tcp_dialer *d, uint32_t seed,
			      int runs)
{
	int accepted = 0, i;

	while (accepted <= BP_MAX) {
		nng_msg *m = make_msg(MIB, seed + (uint32_t)accepted);
		if (nraft_tcp_send(d, m) != 0) {
			nng_msg_free(m);
			break;
		}
		accepted++;
		for (i = 0; i < runs; i++) {
			uv_run(&loop, UV_RUN_NOWAIT);
		}
	}
	return accepted;
}

/* Read a frame on a raw PULL peer's connection (running the loop): len
 * bytes, the body fill(len, seed) made. */
static void expect_raw_body(int fd, size_t len, uint32_t seed, unsigned ms)
{
	uint8_t hdr[SP_LENGTH_BYTES], *body = malloc(len > 0 ? len : 1);

	assert_non_null(body);
	assert_int_equal(recv_exact(&loop, fd, hdr, sizeof hdr, ms), 0);
	assert_int_equal(sp_get_be64(hdr), len);
	assert_int_equal(recv_exact(&loop, fd, body, len, ms), 0);
	assert_true(body_is(body, len, seed));
	free(body);
}

/* Read a frame on a raw PULL peer's connection (running the loop): text. */
static void expect_raw_text(int fd, const char *text)
{
	uint8_t hdr[SP_LENGTH_BYTES], body[64];
	size_t len = strlen(text);

	assert_true(len <= sizeof body);
	assert_int_equal(recv_exact(&loop, fd, hdr, sizeof hdr, WAIT_MS), 0);
	assert_int_equal(sp_get_be64(hdr), len);
	assert_int_equal(recv_exact(&loop, fd, body, len, WAIT_MS), 0);
	assert_memory_equal(body, text, len);
}

static void test_backpressure(void **state)
{
	struct nraft_tcp_dialer *d;
	int lfd, fd, accepted, i;
	nng_msg *m;

	(void)state;
	loop_start();
	link_reset();
	d = dial_raw_pull(&lfd, &fd);
	/* Send 1 MiB messages, running the loop between them, until the
	 * dialer refuses one. */
	accepted = send_until_refused(d, 600, 20);
	assert_true(accepted <= BP_MAX); /* one was refused */
	assert_true(accepted >= BP_MAXQ);
	/* Still refused while the peer does not read. */
	pump(&loop, 300);
	m = make_msg(10, 999);
	assert_int_equal(nraft_tcp_send(d, m), -1);
	nng_msg_free(m);
	/* The peer reads: every accepted message, whole and in order. */
	for (i = 0; i < accepted; i++) {
		expect_raw_body(fd, MIB, 600 + (uint32_t)i, BIG_MS);
	}
	pump(&loop, 100);
	assert_true(nothing_to_read(fd));
	/* And it takes messages again. */
	send_patiently(d, text_msg("again"));
	expect_raw_text(fd, "again");
	assert_int_equal(link_state.ups, 1);
	assert_int_equal(link_state.downs, 0);
	dialer_close_wait(d);
	assert_true(closed_by_peer(&loop, fd, WAIT_MS));
	close(fd);
	close(lfd);
	loop_finish();
}

/* The dialer checks its peer's handshake: a PUSH (or garbage) answering
 * gets the connection closed and no "up"; it tries again and a PULL gets
 * it. */
static void test_dialer_checks_handshake(void **state)
{
	static const uint8_t garbage[8] = {'H', 'T', 'T', 'P',
					   '/', '1', '.', '1'};
	struct nraft_tcp_dialer *d;
	uint8_t hs[8], buf[32];
	int lfd, fd, port, i;

	(void)state;
	loop_start();
	link_reset();
	lfd = raw_listen(0, &port);
	set_address(port);
	d = dial_at(address, 8);
	send_ok(d, text_msg("queued"));
	/* A PUSH answering a PUSH. */
	fd = raw_accept(lfd, WAIT_MS);
	assert_true(fd >= 0);
	send_handshake(fd, SP_PROTO_PUSH);
	assert_true(closed_by_peer(&loop, fd, WAIT_MS));
	close(fd);
	assert_int_equal(link_state.ups, 0);
	/* Not SP at all. */
	fd = raw_accept(lfd, WAIT_MS);
	assert_true(fd >= 0);
	send_all(fd, garbage, 8);
	assert_true(closed_by_peer(&loop, fd, WAIT_MS));
	close(fd);
	assert_int_equal(link_state.ups, 0);
	/* A PULL whose handshake comes one byte at a time: up only once it
	 * is whole, then the queued message arrives. */
	fd = raw_accept(lfd, WAIT_MS);
	assert_true(fd >= 0);
	assert_int_equal(recv_exact(&loop, fd, buf, 8, WAIT_MS), 0);
	sp_handshake(hs, SP_PROTO_PULL);
	for (i = 0; i < 8; i++) {
		pump(&loop, 5);
		assert_int_equal(link_state.ups, 0);
		send_all(fd, hs + i, 1);
	}
	WAIT_FOR(&loop, link_state.ups > 0, WAIT_MS);
	assert_int_equal(link_state.ups, 1);
	expect_raw_text(fd, "queued");
	/* Bytes after the handshake (a PULL never sends any) are ignored,
	 * as nng's PUSH discards them. */
	send_all(fd, "junk", 4);
	pump(&loop, 50);
	send_ok(d, text_msg("more"));
	expect_raw_text(fd, "more");
	assert_int_equal(link_state.ups, 1);
	assert_int_equal(link_state.downs, 0);
	dialer_close_wait(d);
	close(fd);
	close(lfd);
	loop_finish();
}

/* ===========================================================================
 * 6. The listener and bad input.
 */

#define SMALL_MAX 1024

static void test_listener_bad_input(void **state)
{
	static const uint8_t garbage[8] = {'G', 'E', 'T', ' ',
					   '/', ' ', 'H', 'T'};
	struct nraft_tcp_listener *l;
	uint8_t *buf = malloc(4 * SMALL_MAX), *big;
	size_t len, i;
	nng_socket push;
	int fd, port;

	(void)state;
	assert_non_null(buf);
	loop_start();
	frames_reset();
	port = set_address(free_port());
	l = listen_at(SMALL_MAX);
	/* A REQ instead of a PUSH, then a well-formed frame: closed, and the
	 * frame never delivered. */
	fd = raw_dial(port);
	sp_handshake(buf, SP_PROTO_REQ);
	len = 8 + frame(buf + 8, "req", 3);
	send_all(fd, buf, len);
	assert_true(closed_by_peer(&loop, fd, WAIT_MS));
	close(fd);
	/* Not SP. */
	fd = raw_dial(port);
	send_all(fd, garbage, 8);
	assert_true(closed_by_peer(&loop, fd, WAIT_MS));
	close(fd);
	/* A good handshake, then a frame one byte over max_frame: closed
	 * from the length alone. */
	fd = raw_dial(port);
	sp_handshake(buf, SP_PROTO_PUSH);
	sp_put_be64(buf + 8, SMALL_MAX + 1);
	memset(buf + 16, 'x', 100);
	send_all(fd, buf, 16 + 100);
	assert_true(closed_by_peer(&loop, fd, WAIT_MS));
	close(fd);
	/* A huge length (top bit set): closed too. */
	fd = raw_dial(port);
	sp_handshake(buf, SP_PROTO_PUSH);
	sp_put_be64(buf + 8, UINT64_MAX);
	send_all(fd, buf, 16);
	assert_true(closed_by_peer(&loop, fd, WAIT_MS));
	close(fd);
	/* A peer gone in the middle of a frame: nothing delivered. */
	fd = raw_dial(port);
	sp_handshake(buf, SP_PROTO_PUSH);
	len = 8 + frame(buf + 8, "cut short", 9);
	send_all(fd, buf, len - 1);
	pump(&loop, 50);
	close(fd);
	pump(&loop, 50);
	assert_int_equal(got.n, 0);

	/* A good PUSH peer: the listener answers as PULL; the handshake and
	 * a frame sent one byte at a time arrive. */
	fd = raw_dial(port);
	sp_handshake(buf, SP_PROTO_PUSH);
	len = 8 + frame(buf + 8, "ping", 4);
	for (i = 0; i < len; i++) {
		send_all(fd, buf + i, 1);
		pump(&loop, 1);
	}
	expect_handshake(&loop, fd, SP_PROTO_PULL, WAIT_MS);
	WAIT_FOR(&loop, got.n >= 1, WAIT_MS);
	assert_int_equal(got.n, 1);
	expect_frame_text(0, "ping");
	/* Four frames in one write: "a", "bc", exactly max_frame bytes, and
	 * an empty one. */
	big = malloc(SMALL_MAX);
	assert_non_null(big);
	fill(big, SMALL_MAX, 77);
	len = frame(buf, "a", 1);
	len += frame(buf + len, "bc", 2);
	len += frame(buf + len, big, SMALL_MAX);
	len += frame(buf + len, "", 0);
	send_all(fd, buf, len);
	WAIT_FOR(&loop, got.n >= 5, WAIT_MS);
	pump(&loop, 50);
	assert_int_equal(got.n, 5);
	expect_frame_text(1, "a");
	expect_frame_text(2, "bc");
	expect_frame_body(3, SMALL_MAX, 77);
	assert_int_equal(got.len[4], 0);
	/* A frame split across writes at every awkward place: inside the
	 * length, right after it, inside the body. */
	len = frame(buf, "split-frame", 11);
	send_all(fd, buf, 3);
	pump(&loop, 5);
	send_all(fd, buf + 3, 5);
	pump(&loop, 5);
	send_all(fd, buf + 8, 4);
	pump(&loop, 5);
	assert_int_equal(got.n, 5); /* not before it is whole */
	send_all(fd, buf + 12, len - 12);
	WAIT_FOR(&loop, got.n >= 6, WAIT_MS);
	assert_int_equal(got.n, 6);
	expect_frame_text(5, "split-frame");
	/* The connection stays open. */
	assert_true(nothing_to_read(fd));
	close(fd);
	/* After all that, an nng PUSH still gets through. */
	push = push_open();
	push_send(push, text_msg("still here"));
	WAIT_FOR(&loop, got.n >= 7, WAIT_MS);
	pump(&loop, 50);
	assert_int_equal(got.n, 7);
	expect_frame_text(6, "still here");
	assert_int_equal(got.overflow, 0);
	nng_close(push);
	listener_close_wait(l);
	frames_reset();
	free(big);
	free(buf);
	loop_finish();
}

/* ===========================================================================
 * 7. Close paths.
 */

/* Closing a dialer with a full queue nobody will take (nothing listens),
 * one that is still resolving its address, and one just created. */
static void test_dialer_close_queued(void **state)
{
	struct nraft_tcp_dialer *d;
	char local[64];
	int i;

	(void)state;
	loop_start();
	link_reset();
	set_address(free_port());
	d = dial_at(address, MAXQ);
	pump(&loop, 100);
	for (i = 0; i < MAXQ; i++) {
		send_ok(d, make_msg(i % 2 ? MIB : 10, 700 + (uint32_t)i));
	}
	pump(&loop, 100);
	dialer_close_wait(d); /* LSan: the queued messages are freed */
	assert_int_equal(link_state.events, 0);

	/* Closed at once, before the loop ran (a name to resolve, messages
	 * queued). */
	snprintf(local, sizeof local, "tcp://localhost:%d", free_port());
	d = dial_at(local, MAXQ);
	send_ok(d, make_msg(100, 710));
	send_ok(d, make_msg(200, 711));
	dialer_close_wait(d);
	d = dial_at(address, MAXQ);
	dialer_close_wait(d);
	assert_int_equal(link_state.events, 0);
	loop_finish();
}

/* Closing a dialer whose peer does not read, with a message half written
 * and others queued; and one that is up and idle: no "down" reported. */
static void test_dialer_close_unread(void **state)
{
	struct nraft_tcp_dialer *d;
	int lfd, fd;
	nng_socket pull;

	(void)state;
	loop_start();
	link_reset();
	d = dial_raw_pull(&lfd, &fd);
	assert_true(send_until_refused(d, 800, 1) <= BP_MAX);
	dialer_close_wait(d);
	assert_int_equal(link_state.downs, 0);
	assert_true(closed_by_peer(&loop, fd, BIG_MS));
	close(fd);
	close(lfd);

	/* Up and idle. */
	link_reset();
	set_address(free_port());
	pull = pull_open();
	d = dial_at(address, 8);
	WAIT_FOR(&loop, link_state.ups > 0, WAIT_MS);
	assert_int_equal(link_state.ups, 1);
	send_ok(d, text_msg("last"));
	expect_pull_text(pull, "last");
	dialer_close_wait(d);
	assert_int_equal(link_state.downs, 0);
	nng_close(pull);
	loop_finish();
}

/* Closing a listener with connections open: an nng PUSH, a raw one that
 * sent nothing, one in the middle of a frame, and one whose whole frame
 * is waiting in the kernel when close is called (it must not be
 * delivered). Then closing one that never ran. */
static void test_listener_close_with_connections(void **state)
{
	struct nraft_tcp_listener *l;
	nng_socket push;
	uint8_t buf[64], hs[8];
	int port, quiet, mid, late;
	size_t len;

	(void)state;
	loop_start();
	frames_reset();
	port = set_address(free_port());
	l = listen_at(SMALL_MAX);
	push = push_open();
	push_send(push, text_msg("from nng"));
	WAIT_FOR(&loop, got.n >= 1, WAIT_MS);
	assert_int_equal(got.n, 1);
	expect_frame_text(0, "from nng");
	quiet = raw_dial(port);
	mid = raw_dial(port);
	sp_handshake(buf, SP_PROTO_PUSH);
	len = 8 + frame(buf + 8, "middle", 6);
	send_all(mid, buf, len - 3);
	late = raw_dial(port);
	send_all(late, buf, 8);
	assert_int_equal(recv_exact(&loop, late, hs, 8, WAIT_MS), 0);
	assert_int_equal(recv_exact(&loop, mid, hs, 8, WAIT_MS), 0);
	pump(&loop, 50);
	assert_int_equal(got.n, 1);
	/* The late frame is in the kernel, not yet read: close before the
	 * loop runs again. */
	send_all(late, buf + 8, frame(buf + 8, "late", 4));
	listener_close_wait(l); /* checks got.n did not move */
	assert_true(closed_by_peer(&loop, quiet, WAIT_MS));
	assert_true(closed_by_peer(&loop, mid, WAIT_MS));
	assert_true(closed_by_peer(&loop, late, WAIT_MS));
	pump(&loop, 50);
	assert_int_equal(got.n, 1);
	close(quiet);
	close(mid);
	close(late);
	nng_close(push);

	/* Closed at once. */
	set_address(free_port());
	l = listen_at(SMALL_MAX);
	listener_close_wait(l);
	frames_reset();
	loop_finish();
}

/* ===========================================================================
 * 8. Addresses, and our dialer to our listener.
 */

static void test_addresses(void **state)
{
	static const char *not_tcp[] = {"tls+tcp://127.0.0.1:1",
					"ipc:///tmp/nraft_tcp_test",
					"inproc://nraft", "tcp:/127.0.0.1:1"};
	struct nraft_tcp_listener *l, *l2 = NULL;
	struct nraft_tcp_dialer *d;
	char errmsg[256], first[64];
	size_t i;
	int rv, fd, port;

	(void)state;
	loop_start();
	link_reset();
	frames_reset();
	for (i = 0; i < sizeof not_tcp / sizeof not_tcp[0]; i++) {
		assert_null(nraft_tcp_dial(&loop, not_tcp[i], 10, 50, 8,
					   on_link, &link_state));
	}
	/* A port another listener of ours holds. */
	set_address(free_port());
	snprintf(first, sizeof first, "%s", address);
	l = listen_at(SMALL_MAX);
	errmsg[0] = '\0';
	rv = nraft_tcp_listen(&loop, address, SMALL_MAX, on_frame, &got, &l2,
			      errmsg, sizeof errmsg);
	assert_int_equal(rv, UV_EADDRINUSE);
	assert_true(errmsg[0] != '\0');
	/* A port a plain socket listens on. */
	fd = raw_listen(0, &port);
	set_address(port);
	errmsg[0] = '\0';
	rv = nraft_tcp_listen(&loop, address, SMALL_MAX, on_frame, &got, &l2,
			      errmsg, sizeof errmsg);
	assert_int_equal(rv, UV_EADDRINUSE);
	assert_true(errmsg[0] != '\0');
	close(fd);
	/* Not tcp://. */
	errmsg[0] = '\0';
	rv = nraft_tcp_listen(&loop, "tls+tcp://127.0.0.1:1", SMALL_MAX,
			      on_frame, &got, &l2, errmsg, sizeof errmsg);
	assert_true(rv < 0);
	assert_true(errmsg[0] != '\0');
	/* The first listener still works (our dialer to it: the loop on
	 * both sides). */
	d = dial_at(first, 8);
	send_ok(d, text_msg("still listening"));
	WAIT_FOR(&loop, got.n >= 1, WAIT_MS);
	assert_int_equal(got.n, 1);
	expect_frame_text(0, "still listening");
	assert_int_equal(link_state.ups, 1);
	dialer_close_wait(d);
	listener_close_wait(l);
	frames_reset();
	loop_finish(); /* the failed listens left no handle behind */
}

/* Our dialer to our listener, by name when "localhost" resolves to
 * 127.0.0.1 first (it is resolved asynchronously): a few hundred messages
 * of many sizes, with the dialer's queue kept full. */
static bool localhost_is_v4_first(void)
{
	struct addrinfo hints, *res;
	bool ok;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", "1", &hints, &res) != 0) {
		return false;
	}
	ok = res->ai_family == AF_INET &&
	     ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr ==
		 htonl(INADDR_LOOPBACK);
	freeaddrinfo(res);
	return ok;
}

static void test_dialer_to_listener(void **state)
{
	struct nraft_tcp_listener *l;
	struct nraft_tcp_dialer *d;
	char by_name[64];
	int port, i;
	const int n = 300;

	(void)state;
	loop_start();
	link_reset();
	frames_reset();
	port = set_address(free_port());
	l = listen_at(MIB);
	if (localhost_is_v4_first()) {
		snprintf(by_name, sizeof by_name, "tcp://localhost:%d", port);
	} else {
		snprintf(by_name, sizeof by_name, "%s", address);
	}
	d = dial_at(by_name, 8);
	for (i = 0; i < n; i++) {
		send_patiently(d, make_msg(((size_t)i * 7919) % (200 * KIB),
					   900 + (uint32_t)i));
	}
	WAIT_FOR(&loop, got.n >= n, BIG_MS);
	pump(&loop, 50);
	assert_int_equal(got.n, n);
	for (i = 0; i < n; i++) {
		expect_frame_body(i, ((size_t)i * 7919) % (200 * KIB),
				  900 + (uint32_t)i);
	}
	assert_int_equal(link_state.ups, 1);
	assert_int_equal(link_state.downs, 0);
	/* The listener goes away: the dialer sees its link go down. */
	listener_close_wait(l);
	WAIT_FOR(&loop, link_state.downs > 0, WAIT_MS);
	assert_int_equal(link_state.downs, 1);
	dialer_close_wait(d);
	frames_reset();
	loop_finish();
}

/* ===========================================================================
 * 9. Reentrancy and losing a connection with messages in flight.
 */

static struct nraft_tcp_dialer *hook_dialer;
static struct nraft_tcp_listener *hook_listener;
static int hook_rv, hook_closed;

static void send_on_up(bool up)
{
	if (up) {
		nng_msg *m = text_msg("sent-in-up-cb");
		hook_rv = nraft_tcp_send(hook_dialer, m);
		if (hook_rv != 0) {
			nng_msg_free(m);
		}
	}
}

/* A message sent from the link callback, when the link comes up, goes
 * after those that waited for it ("in order"). */
static void test_send_in_up_callback_keeps_order(void **state)
{
	struct nraft_tcp_dialer *d;
	nng_socket pull;

	(void)state;
	loop_start();
	link_reset();
	set_address(free_port());
	pull = pull_open();
	d = dial_at(address, 8);
	hook_dialer = d;
	hook_rv = -2;
	link_hook = send_on_up;
	/* Not up yet (the loop has not run): both wait. */
	send_ok(d, text_msg("queued-1"));
	send_ok(d, text_msg("queued-2"));
	WAIT_FOR(&loop, link_state.ups > 0, WAIT_MS);
	assert_int_equal(link_state.ups, 1);
	assert_int_equal(hook_rv, 0);
	expect_pull_text(pull, "queued-1");
	expect_pull_text(pull, "queued-2");
	expect_pull_text(pull, "sent-in-up-cb");
	expect_pull_nothing(pull);
	link_hook = NULL;
	dialer_close_wait(d);
	nng_close(pull);
	loop_finish();
}

/* The peer goes away while megabytes wait for it: the messages in flight
 * are dropped with the connection (the cap counts them no more), and the
 * next connection starts at a frame boundary with the messages sent
 * since. */
static void test_down_drops_in_flight(void **state)
{
	struct nraft_tcp_dialer *d;
	int lfd, fd, accepted, i;
	nng_msg *m;

	(void)state;
	loop_start();
	link_reset();
	d = dial_raw_pull(&lfd, &fd);
	accepted = send_until_refused(d, 1100, 20);
	assert_true(accepted <= BP_MAX);
	assert_true(accepted >= BP_MAXQ);
	/* Gone with unread bytes (a reset). */
	close(fd);
	WAIT_FOR(&loop, link_state.downs > 0, WAIT_MS);
	assert_int_equal(link_state.downs, 1);
	assert_false(link_state.up);
	/* The full cap is free again, and only the cap. */
	for (i = 0; i < BP_MAXQ; i++) {
		send_ok(d, make_msg(1000, 1200 + (uint32_t)i));
	}
	m = make_msg(1000, 1299);
	assert_int_equal(nraft_tcp_send(d, m), -1);
	nng_msg_free(m);
	/* A new peer gets exactly those, whole. */
	fd = raw_pull_accept(lfd);
	for (i = 0; i < BP_MAXQ; i++) {
		expect_raw_body(fd, 1000, 1200 + (uint32_t)i, WAIT_MS);
	}
	pump(&loop, 100);
	assert_true(nothing_to_read(fd));
	assert_int_equal(link_state.ups, 2);
	assert_int_equal(link_state.double_up, 0);
	dialer_close_wait(d);
	assert_true(closed_by_peer(&loop, fd, WAIT_MS));
	close(fd);
	close(lfd);
	loop_finish();
}

static void close_listener_on_frame(void)
{
	nraft_tcp_listener_close(hook_listener, on_closed, &hook_closed);
	frame_hook = NULL;
}

static void close_dialer_on_up(bool up)
{
	if (up) {
		nraft_tcp_dialer_close(hook_dialer, on_closed, &hook_closed);
		link_hook = NULL;
	}
}

/* Closing from inside a callback: a listener from its frame callback
 * (the next frame, already read, is not delivered), a dialer from its
 * link callback (the messages waiting for the link are dropped, not
 * sent). */
static void test_close_from_callbacks(void **state)
{
	uint8_t buf[64];
	nng_socket pull;
	size_t len;
	int fd, port;

	(void)state;
	loop_start();
	frames_reset();
	port = set_address(free_port());
	hook_listener = listen_at(SMALL_MAX);
	hook_closed = 0;
	frame_hook = close_listener_on_frame;
	fd = raw_dial(port);
	sp_handshake(buf, SP_PROTO_PUSH);
	len = 8 + frame(buf + 8, "one", 3);
	len += frame(buf + len, "two", 3);
	send_all(fd, buf, len);
	WAIT_FOR(&loop, hook_closed > 0, WAIT_MS);
	assert_int_equal(hook_closed, 1);
	pump(&loop, 20);
	assert_int_equal(got.n, 1);
	expect_frame_text(0, "one");
	assert_true(closed_by_peer(&loop, fd, WAIT_MS));
	close(fd);
	frames_reset();

	link_reset();
	set_address(free_port());
	pull = pull_open();
	hook_dialer = dial_at(address, 8);
	hook_closed = 0;
	link_hook = close_dialer_on_up;
	send_ok(hook_dialer, text_msg("never"));
	send_ok(hook_dialer, make_msg(MIB, 1300));
	WAIT_FOR(&loop, hook_closed > 0, WAIT_MS);
	assert_int_equal(hook_closed, 1);
	assert_int_equal(link_state.events, 1);
	expect_pull_nothing(pull);
	assert_int_equal(link_state.events, 1);
	nng_close(pull);
	loop_finish();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nng_push_to_listener),
	    cmocka_unit_test(test_dialer_to_nng_pull),
	    cmocka_unit_test(test_dial_before_listen),
	    cmocka_unit_test(test_link_down_up),
	    cmocka_unit_test(test_backpressure),
	    cmocka_unit_test(test_dialer_checks_handshake),
	    cmocka_unit_test(test_listener_bad_input),
	    cmocka_unit_test(test_dialer_close_queued),
	    cmocka_unit_test(test_dialer_close_unread),
	    cmocka_unit_test(test_listener_close_with_connections),
	    cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_dialer_to_listener),
	    cmocka_unit_test(test_send_in_up_callback_keeps_order),
	    cmocka_unit_test(test_down_drops_in_flight),
	    cmocka_unit_test(test_close_from_callbacks),
	};

	signal(SIGPIPE, SIG_IGN); /* as stratusd does: writes to a closed
				   * peer fail with EPIPE instead */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
