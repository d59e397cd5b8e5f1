/* Unit tests of the loop-driven native front door (broker/server_tcp.c):
 * interop with nng's REQ sockets (what libstratus speaks), the SP wire's
 * edge cases from raw sockets, answers out of order, backpressure at
 * SERVER_POOL_SIZE held requests, the connection limit, a client gone while
 * its request is held, and stopping with requests held (LSan checks that
 * nothing leaks).
 *
 * Single-threaded on our side: the test drives the loop with
 * uv_run(UV_RUN_NOWAIT) while it waits for bytes on its raw sockets (nng's
 * own threads drive the REQ side). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <uv.h>

#include "server.h"
#include "sp_test.h"

#define MAX_REQUEST 4096
#define MAX_HELD    2048

static uv_loop_t loop;
static struct server *srv;
static int port;
static char address[64];

/* The handler: "hold" requests are kept for the test to answer; others
 * are answered at once with "re:" + the body. */
static struct server_slot *held[MAX_HELD];
static char held_body[MAX_HELD][64];
static int n_held, n_requests;

static void on_request(void *ctx, struct server_slot *slot, const uint8_t *body,
		       size_t len)
{
	char reply[MAX_REQUEST + 3];

	(void)ctx;
	n_requests++;
	if (len >= 4 && memcmp(body, "hold", 4) == 0) {
		assert_true(n_held < MAX_HELD);
		snprintf(held_body[n_held], sizeof held_body[n_held], "%.*s",
			 (int)len, (const char *)body);
		held[n_held++] = slot;
		return;
	}
	memcpy(reply, "re:", 3);
	memcpy(reply + 3, body, len);
	server_reply(slot, (const uint8_t *)reply, len + 3);
}

static void answer_held(void)
{
	int i;

	/* Last first: answers leave in any order. */
	for (i = n_held - 1; i >= 0; i--) {
		char reply[80];
		int n = snprintf(reply, sizeof reply, "re:%s", held_body[i]);
		server_reply(held[i], (const uint8_t *)reply, (size_t)n);
	}
	n_held = 0;
}

static void start(unsigned max_connections)
{
	char errmsg[256];

	uv_loop_init(&loop);
	port = free_port();
	snprintf(address, sizeof address, "tcp://127.0.0.1:%d", port);
	srv = server_start(&loop, address, NULL, MAX_REQUEST, max_connections,
			   on_request, NULL, errmsg, sizeof errmsg);
	assert_non_null(srv);
	n_held = n_requests = 0;
}

static void stop(void)
{
	server_stop(srv);
	uv_run(&loop, UV_RUN_DEFAULT); /* the close callbacks */
	server_free(srv);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static int dial(void)
{
	return raw_dial(port);
}

/* Dial, exchange handshakes (checking the server's). rcvbuf: as for
 * raw_dial_rcvbuf. */
static int dial_sp_rcvbuf(int rcvbuf)
{
	int fd = raw_dial_rcvbuf(port, rcvbuf);

	send_handshake(fd, SP_PROTO_REQ);
	expect_handshake(&loop, fd, SP_PROTO_REP, 2000);
	return fd;
}

static int dial_sp(void)
{
	return dial_sp_rcvbuf(0);
}

/* A frame: length, backtrace words, body. Returns its size. */
static size_t frame(uint8_t *out, const uint32_t *words, int n_words,
		    const char *body)
{
	size_t blen = strlen(body), off = 8;
	int i;

	sp_put_be64(out, (uint64_t)n_words * 4 + blen);
	for (i = 0; i < n_words; i++) {
		uint32_t w = htonl(words[i]);
		memcpy(out + off, &w, 4);
		off += 4;
	}
	memcpy(out + off, body, blen);
	return off + blen;
}

/* Read one answer frame; check its backtrace and body. */
static void expect_answer(int fd, const uint32_t *words, int n_words,
			  const char *body)
{
	uint8_t want[256], got[256];
	size_t len = frame(want, words, n_words, body);

	assert_true(len <= sizeof got);
	assert_int_equal(recv_exact(&loop, fd, got, len, 3000), 0);
	assert_memory_equal(got, want, len);
}

/* Many requests at once through nng's REQ contexts (libstratus's way);
 * every other one held and answered later, last first: each reply reaches
 * its own request. */
#define NNG_CALLS 64
static atomic_int nng_done;

static void nng_call_cb(void *arg)
{
	(void)arg;
	atomic_fetch_add(&nng_done, 1);
}

static void test_nng_req_interop(void **state)
{
	nng_socket sock;
	nng_ctx ctx[NNG_CALLS];
	nng_aio *aio[NNG_CALLS];
	int i;

	(void)state;
	start(16);
	assert_int_equal(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	assert_int_equal(nng_dial(sock, address, NULL, NNG_FLAG_NONBLOCK), 0);
	atomic_store(&nng_done, 0);
	for (i = 0; i < NNG_CALLS; i++) {
		nng_msg *m;
		char body[32];
		int n = snprintf(body, sizeof body, "%s%d",
				 i % 2 ? "hold" : "now", i);
		assert_int_equal(nng_ctx_open(&ctx[i], sock), 0);
		assert_int_equal(nng_aio_alloc(&aio[i], nng_call_cb, NULL), 0);
		assert_int_equal(nng_msg_alloc(&m, 0), 0);
		assert_int_equal(nng_msg_append(m, body, (size_t)n), 0);
		nng_aio_set_msg(aio[i], m);
		nng_aio_set_timeout(aio[i], 5000);
		nng_ctx_send(ctx[i], aio[i]);
	}
	/* Sends complete, then every context waits for its reply. */
	WAIT_FOR(&loop, atomic_load(&nng_done) >= NNG_CALLS, 5000);
	assert_int_equal(atomic_load(&nng_done), NNG_CALLS);
	atomic_store(&nng_done, 0);
	for (i = 0; i < NNG_CALLS; i++) {
		assert_int_equal(nng_aio_result(aio[i]), 0);
		nng_ctx_recv(ctx[i], aio[i]);
	}
	WAIT_FOR(&loop,
		 n_held >= NNG_CALLS / 2 &&
		     atomic_load(&nng_done) >= NNG_CALLS / 2,
		 5000);
	assert_int_equal(n_held, NNG_CALLS / 2);
	answer_held();
	WAIT_FOR(&loop, atomic_load(&nng_done) >= NNG_CALLS, 5000);
	assert_int_equal(atomic_load(&nng_done), NNG_CALLS);
	for (i = 0; i < NNG_CALLS; i++) {
		char want[40];
		nng_msg *m;
		int n = snprintf(want, sizeof want, "re:%s%d",
				 i % 2 ? "hold" : "now", i);
		assert_int_equal(nng_aio_result(aio[i]), 0);
		m = nng_aio_get_msg(aio[i]);
		assert_int_equal(nng_msg_len(m), (size_t)n);
		assert_memory_equal(nng_msg_body(m), want, (size_t)n);
		nng_msg_free(m);
		nng_aio_free(aio[i]);
		nng_ctx_close(ctx[i]);
	}
	nng_close(sock);
	stop();
}

/* Frames split byte by byte, several in one write, a two-word backtrace
 * (a device's hop then the request id): all answered, in order, with
 * their backtraces. */
static void test_framing(void **state)
{
	const uint32_t id1[] = {0x80000001u}, id2[] = {0x80000002u},
		       hop[] = {0x00000007u, 0x80000003u};
	uint8_t buf[512];
	size_t len, i;
	int fd;

	(void)state;
	start(16);
	fd = dial();
	/* The handshake and a frame, one byte at a time. */
	sp_handshake(buf, SP_PROTO_REQ);
	len = 8 + frame(buf + 8, id1, 1, "ping");
	for (i = 0; i < len; i++) {
		send_all(fd, buf + i, 1);
		pump(&loop, 1);
	}
	assert_int_equal(recv_exact(&loop, fd, buf, 8, 2000),
			 0); /* its hello */
	expect_answer(fd, id1, 1, "re:ping");
	/* Two frames in one write, the second with two backtrace words. */
	len = frame(buf, id2, 1, "a");
	len += frame(buf + len, hop, 2, "b");
	send_all(fd, buf, len);
	expect_answer(fd, id2, 1, "re:a");
	expect_answer(fd, hop, 2, "re:b");
	/* An empty body is a request like any other. */
	len = frame(buf, id1, 1, "");
	send_all(fd, buf, len);
	expect_answer(fd, id1, 1, "re:");
	close(fd);
	stop();
}

/* Bytes that are not the SP REQ protocol get the connection closed and
 * never reach the handler; the server goes on serving others. */
static void test_bad_input_closes(void **state)
{
	static const uint8_t not_sp[8] = {'G', 'E', 'T', ' ',
					  '/', ' ', 'H', 'T'};
	const uint32_t no_id[8] = {1, 2, 3, 4, 5, 6, 7, 8},
		       id[] = {0x80000009u};
	uint8_t buf[MAX_REQUEST + 64];
	int fd;

	(void)state;
	start(16);
	/* Not an SP handshake. */
	fd = dial();
	send_all(fd, not_sp, sizeof not_sp);
	assert_true(closed_by_peer(&loop, fd, 2000));
	close(fd);
	/* SP, but a REP talking to a REP. */
	fd = dial();
	send_handshake(fd, SP_PROTO_REP);
	assert_true(closed_by_peer(&loop, fd, 2000));
	close(fd);
	/* A backtrace with no request id (no word with its top bit set in
	 * the 8 words allowed). */
	fd = dial_sp();
	send_all(fd, buf, frame(buf, no_id, 8, "x"));
	assert_true(closed_by_peer(&loop, fd, 2000));
	close(fd);
	/* Shorter than one word. */
	fd = dial_sp();
	sp_put_be64(buf, 2);
	buf[8] = 0x80;
	buf[9] = 0;
	send_all(fd, buf, 10);
	assert_true(closed_by_peer(&loop, fd, 2000));
	close(fd);
	/* Over max_request_bytes: closed from the length alone. */
	fd = dial_sp();
	sp_put_be64(buf, MAX_REQUEST + 1);
	send_all(fd, buf, 8);
	assert_true(closed_by_peer(&loop, fd, 2000));
	close(fd);
	assert_int_equal(n_requests, 0);
	/* Exactly at the limit is served. */
	fd = dial_sp();
	memset(buf + 12, 'z', MAX_REQUEST - 4);
	sp_put_be64(buf, MAX_REQUEST);
	buf[8] = 0x80;
	buf[9] = buf[10] = 0;
	buf[11] = 9;
	send_all(fd, buf, 8 + MAX_REQUEST);
	assert_int_equal(
	    recv_exact(&loop, fd, buf, 8 + 4 + 3 + MAX_REQUEST - 4, 3000), 0);
	assert_memory_equal(buf + 8, "\x80\x00\x00\x09re:zz", 9);
	close(fd);
	/* And a fresh client after all that. */
	fd = dial_sp();
	send_all(fd, buf, frame(buf, id, 1, "ok"));
	expect_answer(fd, id, 1, "re:ok");
	close(fd);
	stop();
}

/* SERVER_POOL_SIZE requests held: no further frame is taken (from any
 * connection) until some are answered; then the rest are served. */
static void test_backpressure(void **state)
{
	const int extra = 10, total = SERVER_POOL_SIZE + extra;
	uint8_t *buf = malloc((size_t)total * 32), one[64];
	uint32_t id;
	size_t len = 0;
	int fd, fd2, i;

	(void)state;
	assert_non_null(buf);
	start(16);
	fd = dial_sp();
	for (i = 0; i < total; i++) {
		char body[16];
		id = 0x80000000u | (uint32_t)i;
		snprintf(body, sizeof body, "hold%d", i);
		len += frame(buf + len, &id, 1, body);
	}
	send_all(fd, buf, len);
	pump(&loop, 300);
	assert_int_equal(n_held, SERVER_POOL_SIZE);
	/* Another connection waits too. */
	fd2 = dial_sp();
	id = 0x80000000u;
	send_all(fd2, one, frame(one, &id, 1, "other"));
	pump(&loop, 100);
	assert_int_equal(n_requests, SERVER_POOL_SIZE);
	/* Answering frees the pool: everything else arrives. */
	answer_held();
	pump(&loop, 300);
	assert_int_equal(n_requests, total + 1);
	expect_answer(fd2, &id, 1, "re:other");
	answer_held();
	/* Every request answered once, each with its own id. */
	memset(buf, 0, (size_t)total);
	for (i = 0; i < total; i++) {
		uint8_t hdr[12];
		char want[20];
		uint32_t got;
		assert_int_equal(recv_exact(&loop, fd, hdr, 12, 3000), 0);
		len = (size_t)hdr[7] - 4; /* short bodies */
		got = ((uint32_t)hdr[8] << 24 | (uint32_t)hdr[9] << 16 |
		       (uint32_t)hdr[10] << 8 | hdr[11]) &
		      0x7fffffffu;
		assert_true(got < (uint32_t)total && !buf[got]);
		buf[got] = 1;
		assert_int_equal(recv_exact(&loop, fd, one, len, 3000), 0);
		snprintf(want, sizeof want, "re:hold%u", got);
		assert_int_equal(len, strlen(want));
		assert_memory_equal(one, want, len);
	}
	close(fd);
	close(fd2);
	free(buf);
	stop();
}

/* A client that sends and does not read its answers: once CONN_MAX_UNSENT
 * (8 MiB) of answers wait for it, the server stops reading it (so its
 * memory stays bounded); when the client reads, everything is served. */
static void test_unread_answers_pause(void **state)
{
	const int total = 6000; /* ~24 MiB of answers */
	const size_t body = 4000;
	uint8_t *buf = malloc((size_t)total * (8 + 4 + body)), *ans;
	size_t len = 0, sent = 0, got = 0, want;
	uint64_t idle_since, end;
	int fd, i, paused_at;

	(void)state;
	assert_non_null(buf);
	start(16);
	/* A small receive buffer: the kernel must not absorb the answers
	 * (loopback autotuning would take up to tcp_rmem's 32 MiB). */
	fd = dial_sp_rcvbuf(64 * 1024);
	for (i = 0; i < total; i++) {
		uint32_t id = htonl(0x80000000u | (uint32_t)i);
		sp_put_be64(buf + len, 4 + body);
		memcpy(buf + len + 8, &id, 4);
		memset(buf + len + 12, 'a' + i % 26, body);
		len += 12 + body;
	}
	/* Send until the server stops taking bytes for half a second. */
	idle_since = now_ms();
	while (sent < len && now_ms() - idle_since < 500) {
		ssize_t n = send(fd, buf + sent, len - sent, MSG_DONTWAIT);
		if (n > 0) {
			sent += (size_t)n;
			idle_since = now_ms();
		}
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(100);
	}
	/* The server stopped reading: the client could not send it all, and
	 * no further request is taken while the answers stay unread. */
	assert_true(sent < len);
	paused_at = n_requests;
	pump(&loop, 300);
	assert_int_equal(n_requests, paused_at);
	assert_true(n_requests >= 1000); /* it did serve for a while */
	/* Read the answers (and send the rest): all of them arrive. */
	want = (size_t)total * (12 + 3 + body);
	ans = malloc(64 * 1024);
	assert_non_null(ans);
	end = now_ms() + 20000;
	while (got < want && now_ms() < end) {
		ssize_t n;
		if (sent < len &&
		    (n = send(fd, buf + sent, len - sent, MSG_DONTWAIT)) > 0) {
			sent += (size_t)n;
		}
		n = recv(fd, ans, 64 * 1024, MSG_DONTWAIT);
		if (n > 0) {
			got += (size_t)n;
		}
		uv_run(&loop, UV_RUN_NOWAIT);
	}
	assert_int_equal(got, want);
	assert_int_equal(n_requests, total);
	free(ans);
	close(fd);
	free(buf);
	stop();
}

/* Connections beyond max_connections are closed on arrival; the ones
 * within are served. */
static void test_connection_limit(void **state)
{
	const uint32_t id[] = {0x80000001u};
	uint8_t buf[64];
	int a, b, c;

	(void)state;
	start(2);
	a = dial_sp();
	b = dial_sp();
	c = dial();
	assert_true(closed_by_peer(&loop, c, 2000));
	send_all(b, buf, frame(buf, id, 1, "b"));
	expect_answer(b, id, 1, "re:b");
	close(c);
	/* A closed one frees its place. */
	close(a);
	pump(&loop, 50);
	c = dial_sp();
	send_all(c, buf, frame(buf, id, 1, "c"));
	expect_answer(c, id, 1, "re:c");
	close(b);
	close(c);
	stop();
}

/* A client that leaves while its request is held: the late answer goes
 * nowhere and nothing breaks; stopping with requests still held releases
 * them (LSan). */
static void test_gone_client_and_stop_while_held(void **state)
{
	const uint32_t id[] = {0x80000001u};
	uint8_t buf[64];
	int fd;

	(void)state;
	start(16);
	fd = dial_sp();
	send_all(fd, buf, frame(buf, id, 1, "hold-gone"));
	pump(&loop, 50);
	assert_int_equal(n_held, 1);
	close(fd);
	pump(&loop, 50);
	answer_held(); /* its connection is closed */
	pump(&loop, 50);
	fd = dial_sp();
	send_all(fd, buf, frame(buf, id, 1, "hold-at-stop"));
	pump(&loop, 50);
	assert_int_equal(n_held, 1);
	stop(); /* frees the held request */
	n_held = 0;
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nng_req_interop),
	    cmocka_unit_test(test_framing),
	    cmocka_unit_test(test_bad_input_closes),
	    cmocka_unit_test(test_backpressure),
	    cmocka_unit_test(test_unread_answers_pause),
	    cmocka_unit_test(test_connection_limit),
	    cmocka_unit_test(test_gone_client_and_stop_while_held),
	};

	signal(SIGPIPE, SIG_IGN); /* as stratusd does: writes to a closed
				   * client fail with EPIPE instead */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
