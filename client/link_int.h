/* link_int — the two implementations behind link.h (link.c picks one per
 * address). Same contracts as link.h's functions of the same names. */
#ifndef STRATUS_LINK_INT_H
#define STRATUS_LINK_INT_H

#include "link.h"

struct sp_link;
struct req_link;

struct link {
	struct sp_link *sp;   /* tcp:// */
	struct req_link *req; /* everything else (nng) */
};

struct sp_link *sp_link_new(struct link_loop *loop, const char *url,
			    size_t max_reply, const char **why,
			    bool *bad_address);
void sp_link_free(struct sp_link *l);
int sp_xchg_start(struct sp_link *l, struct link_xchg *x, const uint8_t *req,
		  size_t len, unsigned connect_ms, unsigned reply_ms,
		  int64_t end_ms);
void sp_xchg_cancel(struct link_xchg *x);
bool sp_link_lost(struct sp_link *l);

struct req_link *req_link_new(const char *url, nng_tls_config *tls,
			      size_t max_reply, const char **why,
			      bool *bad_address);
void req_link_free(struct req_link *l);
int req_xchg_start(struct req_link *l, struct link_xchg *x, const uint8_t *req,
		   size_t len, unsigned connect_ms, unsigned reply_ms,
		   int64_t end_ms);
void req_xchg_cancel(struct link_xchg *x);
void req_xchg_fini(struct link_xchg *x);
bool req_link_lost(struct req_link *l);

#endif
