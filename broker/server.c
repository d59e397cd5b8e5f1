/* server — see server.h: the transport is chosen by the address; the rest
 * forwards to it. */
#include "server_int.h"

#include <string.h>

struct server *server_start(uv_loop_t *loop, const char *address,
			    nng_tls_config *tls, size_t max_request_bytes,
			    unsigned max_connections, server_request_cb cb,
			    void *cb_ctx, char *errmsg, size_t errmsg_size)
{
	if (strncmp(address, "tcp://", 6) == 0) {
		return server_tcp_start(loop, address, max_request_bytes,
					max_connections, cb, cb_ctx, errmsg,
					errmsg_size);
	}
	return server_nng_start(loop, address, tls, max_request_bytes,
				max_connections, cb, cb_ctx, errmsg,
				errmsg_size);
}

int server_reply_write(struct server_slot *slot, size_t len,
		       void (*write)(void *ctx, uint8_t *body), void *ctx)
{
	return slot->srv->ops->reply_write(slot, len, write, ctx);
}

struct reply_bytes {
	const uint8_t *data;
	size_t len;
};

static void copy_reply(void *ctx, uint8_t *body)
{
	const struct reply_bytes *r = ctx;

	if (r->len > 0) {
		memcpy(body, r->data, r->len);
	}
}

void server_reply(struct server_slot *slot, const uint8_t *response, size_t len)
{
	struct reply_bytes r = {response, len};

	if (server_reply_write(slot, len, copy_reply, &r) != 0) {
		server_drop(slot);
	}
}

void server_drop(struct server_slot *slot)
{
	slot->srv->ops->drop(slot);
}

void server_stop(struct server *s)
{
	s->ops->stop(s);
}

void server_free(struct server *s)
{
	s->ops->free(s);
}
