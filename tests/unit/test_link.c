/* test_link — libstratus's tcp:// link (client/link_sp.c) against a raw
 * SP-over-TCP REP peer played by the test itself: replies matched by id
 * in any order, a lost connection, redial, the timeouts, cancel, a reply
 * over the limit and a peer that is not a REP socket. (The engine on top
 * of it is test_client's, against nng's own REP sockets.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "link.h"
#include "sp_tcp.h"

#define WAIT_MS 5000 /* for what must happen (a hang guard, not a timing) */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the peer ------------------------------------------------------------ */

static int peer_listen(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, ms) == 1;
}

/* Accept one connection (or -1 after WAIT_MS). */
static int peer_accept(int lfd)
{
	return readable(lfd, WAIT_MS) ? accept(lfd, NULL, NULL) : -1;
}

/* Read exactly len bytes: 0, or -1 (closed or WAIT_MS passed). */
static int read_exact(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		if (!readable(fd, WAIT_MS)) {
			return -1;
		}
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);
		if (n <= 0) {
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

/* Take the client's REQ handshake and answer with proto's. */
static void peer_greet(int fd, uint16_t proto)
{
	uint8_t hs[SP_HANDSHAKE_BYTES], ours[SP_HANDSHAKE_BYTES];

	assert_int_equal(read_exact(fd, hs, sizeof hs), 0);
	assert_true(sp_handshake_is(hs, SP_PROTO_REQ));
	sp_handshake(ours, proto);
	assert_int_equal(send(fd, ours, sizeof ours, 0), (ssize_t)sizeof ours);
}

/* One request: its id word (top bit set) and body (NUL-terminated copy). */
static void peer_request(int fd, uint32_t *word, char *body, size_t size)
{
	uint8_t len[SP_LENGTH_BYTES], w[4];
	uint64_t n;

	assert_int_equal(read_exact(fd, len, sizeof len), 0);
	n = sp_get_be64(len);
	assert_true(n >= 4 && n - 4 < size);
	assert_int_equal(read_exact(fd, w, sizeof w), 0);
	*word = (uint32_t)w[0] << 24 | (uint32_t)w[1] << 16 |
		(uint32_t)w[2] << 8 | w[3];
	assert_true(*word & 0x80000000u);
	assert_int_equal(read_exact(fd, body, (size_t)n - 4), 0);
	body[n - 4] = '\0';
}

static void peer_reply(int fd, uint32_t word, const void *body, size_t len)
{
	uint8_t *f = malloc(SP_LENGTH_BYTES + 4 + len);

	sp_put_be64(f, 4 + len);
	f[8] = (uint8_t)(word >> 24);
	f[9] = (uint8_t)(word >> 16);
	f[10] = (uint8_t)(word >> 8);
	f[11] = (uint8_t)word;
	memcpy(f + 12, body, len);
	assert_int_equal(send(fd, f, SP_LENGTH_BYTES + 4 + len, 0),
			 (ssize_t)(SP_LENGTH_BYTES + 4 + len));
	free(f);
}

/* ---- exchanges and their outcomes ---------------------------------------- */

struct outcome {
	struct link_xchg x;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int calls; /* callbacks run */
	enum link_result result;
	char reply[2048];
	size_t len;
};

static void outcome_cb(void *arg, struct link_xchg *x, enum link_result result,
		       const char *why, const uint8_t *reply, size_t len)
{
	struct outcome *o = arg;

	(void)x;
	(void)why;
	pthread_mutex_lock(&o->mu);
	o->calls++;
	o->result = result;
	o->len = len < sizeof o->reply ? len : sizeof o->reply;
	if (len > 0) {
		memcpy(o->reply, reply, o->len);
	}
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

static struct outcome *outcome_new(void)
{
	struct outcome *o = calloc(1, sizeof *o);

	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	o->x.cb = outcome_cb;
	o->x.arg = o;
	return o;
}

/* Wait for the callback (at most WAIT_MS); returns its result. */
static enum link_result outcome_wait(struct outcome *o)
{
	int64_t end = now_ms() + WAIT_MS;

	pthread_mutex_lock(&o->mu);
	while (o->calls == 0 && now_ms() < end) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&o->cv, &o->mu, &ts);
	}
	assert_int_equal(o->calls, 1);
	o->calls = 0;
	pthread_mutex_unlock(&o->mu);
	return o->result;
}

static void outcome_free(struct outcome *o)
{
	link_xchg_fini(&o->x);
	pthread_cond_destroy(&o->cv);
	pthread_mutex_destroy(&o->mu);
	free(o);
}

static void start(struct link *l, struct outcome *o, const char *body,
		  unsigned connect_ms, unsigned reply_ms)
{
	assert_int_equal(link_xchg_start(l, &o->x, (const uint8_t *)body,
					 strlen(body), connect_ms, reply_ms,
					 now_ms() + 60000),
			 0);
}

struct fixture {
	struct link_loop *loop;
	struct link *link;
	int lfd, port;
};

static struct fixture *fixture_new(size_t max_reply)
{
	struct fixture *f = calloc(1, sizeof *f);
	const char *why = NULL;
	bool bad = true;
	char url[64];

	f->lfd = peer_listen(&f->port);
	snprintf(url, sizeof url, "tcp://127.0.0.1:%d", f->port);
	assert_non_null(f->loop = link_loop_new());
	f->link = link_new(f->loop, url, NULL, max_reply, &why, &bad);
	assert_non_null(f->link);
	assert_false(bad);
	return f;
}

static void fixture_free(struct fixture *f)
{
	link_loop_stop(f->loop);
	link_free(f->link);
	link_loop_free(f->loop);
	close(f->lfd);
	free(f);
}

/* Start an exchange on the fixture's link and take it at the peer, on a
 * connection it accepts and greets as REP: returns that connection, and
 * the request's id word. */
static int start_and_take(struct fixture *f, struct outcome *o,
			  const char *body, unsigned reply_ms, uint32_t *word)
{
	char got[64];
	int fd;

	start(f->link, o, body, 2000, reply_ms);
	assert_true((fd = peer_accept(f->lfd)) >= 0);
	peer_greet(fd, SP_PROTO_REP);
	peer_request(fd, word, got, sizeof got);
	assert_string_equal(got, body);
	return fd;
}

/* ---- tests --------------------------------------------------------------- */

/* Replies answered in reverse order reach the exchanges that sent their
 * ids, with their bodies; the request carries the body as given. */
static void test_replies_by_id(void **state)
{
	struct fixture *f = fixture_new(1 << 20);
	struct outcome *o[3];
	const char *bodies[3] = {"one", "two", "three"};
	uint32_t words[3];
	char got[3][64];
	int fd;

	(void)state;
	for (int i = 0; i < 3; i++) {
		o[i] = outcome_new();
		start(f->link, o[i], bodies[i], 2000, 5000);
	}
	assert_true((fd = peer_accept(f->lfd)) >= 0);
	peer_greet(fd, SP_PROTO_REP);
	for (int i = 0; i < 3; i++) {
		peer_request(fd, &words[i], got[i], sizeof got[i]);
		assert_string_equal(got[i], bodies[i]);
	}
	assert_true(words[0] != words[1] && words[1] != words[2]);
	for (int i = 2; i >= 0; i--) {
		char answer[64];
		snprintf(answer, sizeof answer, "re:%s", got[i]);
		peer_reply(fd, words[i], answer, strlen(answer));
	}
	for (int i = 0; i < 3; i++) {
		char want[64];
		assert_int_equal(outcome_wait(o[i]), LINK_OK);
		snprintf(want, sizeof want, "re:%s", bodies[i]);
		assert_int_equal(o[i]->len, strlen(want));
		assert_memory_equal(o[i]->reply, want, o[i]->len);
	}
	assert_false(link_lost(f->link));
	close(fd);
	for (int i = 0; i < 3; i++) {
		outcome_free(o[i]);
	}
	fixture_free(f);
}

/* A connection closed while an exchange waits for its reply ends it
 * LINK_LOST, the link reports itself lost, and the next exchange redials
 * and gets its reply on the new connection. */
static void test_lost_then_redial(void **state)
{
	struct fixture *f = fixture_new(1 << 20);
	struct outcome *o = outcome_new();
	uint32_t word;
	int fd;

	(void)state;
	fd = start_and_take(f, o, "first", 5000, &word);
	close(fd);
	assert_int_equal(outcome_wait(o), LINK_LOST);
	assert_true(link_lost(f->link));

	fd = start_and_take(f, o, "second", 5000, &word);
	peer_reply(fd, word, "ok", 2);
	assert_int_equal(outcome_wait(o), LINK_OK);
	assert_false(link_lost(f->link));
	close(fd);
	outcome_free(o);
	fixture_free(f);
}

/* Nobody listening: the exchange ends LINK_NOT_CONNECTED (not sent). */
static void test_not_connected(void **state)
{
	struct fixture *f = fixture_new(1 << 20);
	struct outcome *o = outcome_new();

	(void)state;
	close(f->lfd); /* the port refuses from now on */
	f->lfd = -1;
	start(f->link, o, "nobody", 200, 5000);
	assert_int_equal(outcome_wait(o), LINK_NOT_CONNECTED);
	outcome_free(o);
	fixture_free(f);
}

/* Sent and never answered: LINK_TIMEOUT after reply_ms; a reply that
 * comes later is dropped, and the connection still serves the next. */
static void test_reply_timeout(void **state)
{
	struct fixture *f = fixture_new(1 << 20);
	struct outcome *o = outcome_new();
	uint32_t word, late;
	char body[64];
	int fd;

	(void)state;
	fd = start_and_take(f, o, "slow", 200, &late);
	assert_int_equal(outcome_wait(o), LINK_TIMEOUT);
	peer_reply(fd, late, "late", 4);

	start(f->link, o, "next", 2000, 5000);
	peer_request(fd, &word, body, sizeof body);
	assert_true(word != late);
	peer_reply(fd, word, "fresh", 5);
	assert_int_equal(outcome_wait(o), LINK_OK);
	assert_memory_equal(o->reply, "fresh", 5);
	close(fd);
	outcome_free(o);
	fixture_free(f);
}

/* A cancelled exchange ends LINK_CANCELED, exactly once. */
static void test_cancel(void **state)
{
	struct fixture *f = fixture_new(1 << 20);
	struct outcome *o = outcome_new();
	uint32_t word;
	int fd;

	(void)state;
	fd = start_and_take(f, o, "held", 30000, &word);
	link_xchg_cancel(&o->x);
	assert_int_equal(outcome_wait(o), LINK_CANCELED);
	link_xchg_cancel(&o->x); /* ended: a no-op */
	peer_reply(fd, word, "after", 5);
	usleep(100 * 1000);
	pthread_mutex_lock(&o->mu);
	assert_int_equal(o->calls, 0);
	pthread_mutex_unlock(&o->mu);
	close(fd);
	outcome_free(o);
	fixture_free(f);
}

/* A reply over max_reply drops the connection: LINK_LOST. */
static void test_reply_too_large(void **state)
{
	struct fixture *f = fixture_new(100);
	struct outcome *o = outcome_new();
	static char big[1000];
	uint32_t word;
	int fd;

	(void)state;
	memset(big, 'x', sizeof big);
	fd = start_and_take(f, o, "big", 5000, &word);
	peer_reply(fd, word, big, sizeof big);
	assert_int_equal(outcome_wait(o), LINK_LOST);
	close(fd);
	outcome_free(o);
	fixture_free(f);
}

/* A peer that is not a REP socket (its handshake says PULL): no request
 * goes out on that connection; the exchange ends LINK_NOT_CONNECTED. */
static void test_wrong_peer(void **state)
{
	struct fixture *f = fixture_new(1 << 20);
	struct outcome *o = outcome_new();
	uint8_t byte;
	int fd;

	(void)state;
	start(f->link, o, "hello", 300, 5000);
	assert_true((fd = peer_accept(f->lfd)) >= 0);
	peer_greet(fd, SP_PROTO_PULL);
	/* The client closes without sending a frame. */
	assert_int_equal(read_exact(fd, &byte, 1), -1);
	assert_int_equal(outcome_wait(o), LINK_NOT_CONNECTED);
	close(fd);
	outcome_free(o);
	fixture_free(f);
}

/* A name is resolved (by the I/O thread, without the link's lock) and
 * dialed. (Trying a name's next address after its first one refuses is
 * not covered: localhost has one address on the test machines.) */
static void test_name_resolves(void **state)
{
	struct outcome *o = outcome_new();
	struct link_loop *loop = link_loop_new();
	const char *why = NULL;
	bool bad = true;
	struct link *l;
	uint32_t word;
	char url[64], body[64];
	int lfd, port, fd;

	(void)state;
	lfd = peer_listen(&port);
	snprintf(url, sizeof url, "tcp://localhost:%d", port);
	assert_non_null(l = link_new(loop, url, NULL, 1024, &why, &bad));
	start(l, o, "by name", 3000, 5000);
	assert_true((fd = peer_accept(lfd)) >= 0);
	peer_greet(fd, SP_PROTO_REP);
	peer_request(fd, &word, body, sizeof body);
	assert_string_equal(body, "by name");
	peer_reply(fd, word, "ok", 2);
	assert_int_equal(outcome_wait(o), LINK_OK);
	close(fd);
	close(lfd);
	link_loop_stop(loop);
	link_free(l);
	link_loop_free(loop);
	outcome_free(o);
}

/* Addresses a tcp:// link cannot take are refused up front. */
static void test_bad_address(void **state)
{
	struct link_loop *loop = link_loop_new();
	const char *why = NULL;
	bool bad = false;

	(void)state;
	assert_null(link_new(loop, "tcp://nohostport", NULL, 1024, &why, &bad));
	assert_non_null(why);
	assert_true(bad);
	bad = false;
	assert_null(link_new(loop, "tcp://:5000", NULL, 1024, &why, &bad));
	assert_true(bad);
	link_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replies_by_id),
	    cmocka_unit_test(test_lost_then_redial),
	    cmocka_unit_test(test_not_connected),
	    cmocka_unit_test(test_reply_timeout),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_reply_too_large),
	    cmocka_unit_test(test_wrong_peer),
	    cmocka_unit_test(test_name_resolves),
	    cmocka_unit_test(test_bad_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
