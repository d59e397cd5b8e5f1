/* sp_tcp — tcp:// address parsing for the SP-over-TCP speakers (see
 * sp_tcp.h). */
#include "sp_tcp.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sp_rbuf_reserve(struct sp_rbuf *b, bool framed, size_t max_frame)
{
	size_t want = b->len + SP_READ_CHUNK;
	uint8_t *data;

	if (framed && b->len >= SP_LENGTH_BYTES) {
		uint64_t frame = sp_get_be64(b->data);
		if (frame <= max_frame && SP_LENGTH_BYTES + frame > want) {
			want = SP_LENGTH_BYTES + (size_t)frame;
		}
	}
	if (want <= b->cap) {
		return 0;
	}
	if ((data = realloc(b->data, want)) == NULL) {
		return -1;
	}
	b->data = data;
	b->cap = want;
	return 0;
}

void sp_rbuf_consume(struct sp_rbuf *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	if (b->len == 0 && b->cap > 4 * SP_READ_CHUNK) {
		sp_rbuf_free(b);
	}
}

void sp_rbuf_free(struct sp_rbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int sp_tcp_split(const char *address, char *host, size_t host_size, char *port,
		 size_t port_size)
{
	const char *hp, *colon;
	size_t hl, pl;

	if (strncmp(address, "tcp://", 6) != 0) {
		return -1;
	}
	hp = address + 6;
	colon = strrchr(hp, ':');
	if (colon == NULL || colon[1] == '\0' ||
	    (hl = (size_t)(colon - hp)) >= host_size ||
	    (pl = strlen(colon + 1)) >= port_size) {
		return -1;
	}
	memcpy(host, hp, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	if (strcmp(host, "*") == 0) {
		host[0] = '\0';
	}
	memcpy(port, colon + 1, pl + 1);
	return 0;
}

int sp_tcp_resolve_listen(const char *address, struct sockaddr_storage *sa,
			  char *errmsg, size_t errmsg_size)
{
	char host[256], port[32];
	struct addrinfo hints, *res;
	int rv;

	if (sp_tcp_split(address, host, sizeof host, port, sizeof port) != 0) {
		snprintf(errmsg, errmsg_size, "bad address %s", address);
		return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rv = getaddrinfo(host[0] == '\0' ? NULL : host, port, &hints, &res);
	if (rv != 0) {
		snprintf(errmsg, errmsg_size, "listen on %s: %s", address,
			 gai_strerror(rv));
		return -1;
	}
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}
