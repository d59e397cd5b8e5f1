/* link — one endpoint's request/reply transport, for the engine
 * (client.c): hand it a request's bytes, get back the reply or why there
 * is none. Two implementations behind one interface:
 *
 *   tcp://      link_sp.c: the SP-over-TCP wire of nng's REQ sockets,
 *               spoken by the client's own I/O thread (one epoll loop per
 *               st_client). A request is written by the thread that
 *               starts it when the connection is idle, and its reply is
 *               read and handed to the engine by the I/O thread: one
 *               thread hand-off per round trip, where nng passes a
 *               request and its reply through several of its threads
 *               (~100 us of every round trip on a 2-core machine, see
 *               BENCHMARKS.md).
 *   others      link_nng.c: an nng REQ socket (tls+tcp://, and whatever
 *               else nng dials), one context per exchange.
 *
 * Both keep one connection per endpoint (many exchanges share it), dial
 * from the first exchange on and redial after a loss (50 ms, doubling to
 * 1 s), and never resend on their own: an exchange whose connection is
 * lost fails, and the engine retries where it sees fit.
 *
 * An exchange (struct link_xchg, owned by the caller, reusable once its
 * callback has run) ends exactly once, in its callback, on a library
 * thread and never inside link_xchg_start. The callback may start
 * exchanges (on any link). Deadlines are CLOCK_MONOTONIC milliseconds. */
#ifndef STRATUS_LINK_H
#define STRATUS_LINK_H

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum link_result {
	LINK_OK,	    /* the reply (borrowed for the callback) */
	LINK_NOT_CONNECTED, /* no connection within connect_ms: not sent */
	LINK_SEND_FAILED,   /* not sent: why */
	LINK_TIMEOUT,	    /* sent; no reply within reply_ms */
	LINK_LOST,	    /* sent; the connection was lost (why) */
	LINK_CANCELED	    /* link_xchg_cancel, or the client is closing */
};

struct link_xchg;
typedef void (*link_done_cb)(void *arg, struct link_xchg *x,
			     enum link_result result, const char *why,
			     const uint8_t *reply, size_t len);

struct link_frame;

/* One exchange. The fields below the callback are the links' own. */
struct link_xchg {
	link_done_cb cb;
	void *arg;
	/* link_sp.c: pending (queued or sent) under the loop's lock. */
	struct {
		struct sp_link *link;
		int state;		  /* enum sp_xchg_state */
		uint32_t id;		  /* request id (top bit clear) */
		struct link_frame *frame; /* queued, not yet started */
		struct link_xchg *hnext;  /* sent: the link's id table */
		size_t heap_idx;	  /* in the loop's deadline heap */
		int64_t due_ms;		  /* the deadline of this phase */
		int64_t end_ms;		  /* the exchange's deadline */
		unsigned reply_ms;
		int result;	 /* ended, for the loop to report */
		const char *why; /* with result */
	} sp;
	/* link_nng.c: send then receive on a context of the socket. */
	struct {
		nng_aio *aio;
		nng_ctx ctx;
		bool ctx_open;
		bool receiving;
		bool pending, canceled; /* under the link's mutex */
		struct req_link *link;
		unsigned reply_ms;
		int64_t end_ms;
	} nng;
};

struct link;
struct link_loop;

/* The I/O thread of a client's tcp:// links; started with the first of
 * them. NULL when out of memory. */
struct link_loop *link_loop_new(void);
/* Stop the thread (no callback runs after it). No exchange may be
 * pending. Then free the links, then the loop. */
void link_loop_stop(struct link_loop *loop);
void link_loop_free(struct link_loop *loop);

/* A link to url: tcp:// ones on loop, others on nng (tls: the client's
 * TLS configuration or NULL; max_reply: larger replies drop the
 * connection). NULL with why (static text) and *bad_address: true when
 * the address is not one a transport takes, false when out of memory (or
 * threads). No connection is made yet. */
struct link *link_new(struct link_loop *loop, const char *url,
		      nng_tls_config *tls, size_t max_reply, const char **why,
		      bool *bad_address);
/* Close the connection. No exchange may be pending; a tcp:// link's loop
 * must be stopped. */
void link_free(struct link *l);

/* Start an exchange: the request's bytes (copied), how long it may wait
 * for a connection, then for its reply once sent, and a deadline for
 * both. 0, or -1 when out of memory (the callback will not run). */
int link_xchg_start(struct link *l, struct link_xchg *x, const uint8_t *req,
		    size_t len, unsigned connect_ms, unsigned reply_ms,
		    int64_t end_ms);

/* End a pending exchange with LINK_CANCELED (its callback still runs, on a
 * library thread); a no-op if it already ended or is ending. */
void link_xchg_cancel(struct link_xchg *x);

/* Free what an idle exchange holds (nng's aio); it may be started again. */
void link_xchg_fini(struct link_xchg *x);

/* CLOCK_MONOTONIC, ms: the clock of every deadline above. */
int64_t link_now_ms(void);

/* The endpoint was connected and has no connection now: most likely a
 * dead node. */
bool link_lost(struct link *l);

#endif
