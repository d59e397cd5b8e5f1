/* link — picks the transport of an address (see link.h). */
#include "link_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t link_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct link *link_new(struct link_loop *loop, const char *url,
		      nng_tls_config *tls, size_t max_reply, const char **why,
		      bool *bad_address)
{
	struct link *l = calloc(1, sizeof *l);

	*bad_address = false;
	if (l == NULL) {
		*why = "out of memory";
		return NULL;
	}
	if (strncmp(url, "tcp://", 6) == 0) {
		l->sp = sp_link_new(loop, url, max_reply, why, bad_address);
	} else {
		l->req = req_link_new(url, tls, max_reply, why, bad_address);
	}
	if (l->sp == NULL && l->req == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

void link_free(struct link *l)
{
	if (l == NULL) {
		return;
	}
	if (l->sp != NULL) {
		sp_link_free(l->sp);
	} else {
		req_link_free(l->req);
	}
	free(l);
}

int link_xchg_start(struct link *l, struct link_xchg *x, const uint8_t *req,
		    size_t len, unsigned connect_ms, unsigned reply_ms,
		    int64_t end_ms)
{
	if (l->sp != NULL) {
		return sp_xchg_start(l->sp, x, req, len, connect_ms, reply_ms,
				     end_ms);
	}
	return req_xchg_start(l->req, x, req, len, connect_ms, reply_ms,
			      end_ms);
}

void link_xchg_cancel(struct link_xchg *x)
{
	/* Each side checks whether the exchange is pending on it. */
	sp_xchg_cancel(x);
	req_xchg_cancel(x);
}

void link_xchg_fini(struct link_xchg *x)
{
	req_xchg_fini(x);
}

bool link_lost(struct link *l)
{
	return l->sp != NULL ? sp_link_lost(l->sp) : req_link_lost(l->req);
}
