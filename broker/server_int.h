/* server_int — what the two transports of server.h share: each embeds
 * struct server and struct server_slot first and fills in its ops. */
#ifndef STRATUS_SERVER_INT_H
#define STRATUS_SERVER_INT_H

#include "server.h"

struct server_ops {
	int (*reply_write)(struct server_slot *slot, size_t len,
			   void (*write)(void *ctx, uint8_t *body), void *ctx);
	/* Drop an unanswered request (no memory for its answer). */
	void (*drop)(struct server_slot *slot);
	void (*stop)(struct server *s);
	void (*free)(struct server *s);
};

struct server {
	const struct server_ops *ops;
};

struct server_slot {
	struct server *srv;
};

/* Each transport's server_start (arguments as there). */
struct server *server_tcp_start(uv_loop_t *loop, const char *address,
				size_t max_request_bytes,
				unsigned max_connections, server_request_cb cb,
				void *cb_ctx, char *errmsg, size_t errmsg_size);
struct server *server_nng_start(uv_loop_t *loop, const char *address,
				nng_tls_config *tls, size_t max_request_bytes,
				unsigned max_connections, server_request_cb cb,
				void *cb_ctx, char *errmsg, size_t errmsg_size);

#endif
