/* sp_tcp — what every loop-driven speaker of nng's SP-over-TCP wire needs:
 * the 8-byte handshake, 64-bit big-endian frame lengths and tcp://
 * address parsing. Used by the raft transport (nraft_tcp.c) and the
 * broker's client door (broker/server_tcp.c).
 *
 * The wire: each side first sends {0, 'S', 'P', 0, protocol (16 bits, big
 * endian), 0, 0} and checks that the peer's protocol is the one it pairs
 * with; then every message is a 64-bit big-endian length and that many
 * bytes. */
#ifndef NRAFT_SP_TCP_H
#define NRAFT_SP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#define SP_HANDSHAKE_BYTES 8
#define SP_HANDSHAKE_MS	   10000 /* nng's limit for the peer's handshake */
#define SP_LENGTH_BYTES	   8
#define SP_PROTO_PUSH	   0x50
#define SP_PROTO_PULL	   0x51
#define SP_PROTO_REQ	   0x30
#define SP_PROTO_REP	   0x31

static inline void sp_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(v >> (56 - 8 * i));
	}
}

static inline uint64_t sp_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++) {
		v = v << 8 | p[i];
	}
	return v;
}

/* Our handshake, announcing @proto. */
static inline void sp_handshake(uint8_t out[SP_HANDSHAKE_BYTES], uint16_t proto)
{
	const uint8_t h[SP_HANDSHAKE_BYTES] = {
	    0, 'S', 'P', 0, (uint8_t)(proto >> 8), (uint8_t)proto, 0, 0};
	for (int i = 0; i < SP_HANDSHAKE_BYTES; i++) {
		out[i] = h[i];
	}
}

/* Is @in the handshake of a peer speaking @proto? */
static inline bool sp_handshake_is(const uint8_t in[SP_HANDSHAKE_BYTES],
				   uint16_t proto)
{
	uint8_t want[SP_HANDSHAKE_BYTES];
	sp_handshake(want, proto);
	for (int i = 0; i < SP_HANDSHAKE_BYTES; i++) {
		if (in[i] != want[i]) {
			return false;
		}
	}
	return true;
}

/* Bytes read from a connection and not yet taken as frames. */
struct sp_rbuf {
	uint8_t *data;
	size_t len, cap;
};

#define SP_READ_CHUNK (64u * 1024)

/* Room for the next read, [data + len, data + cap): SP_READ_CHUNK more
 * bytes, or the whole frame at the head when its length is known (@framed:
 * the handshake is taken) and at most @max_frame, so a big frame arrives in
 * one buffer. 0, or -1 when out of memory. */
int sp_rbuf_reserve(struct sp_rbuf *b, bool framed, size_t max_frame);

/* The first @n bytes are taken. A big buffer left empty is given back. */
void sp_rbuf_consume(struct sp_rbuf *b, size_t n);

void sp_rbuf_free(struct sp_rbuf *b);

/* Split "tcp://HOST:PORT" into HOST (brackets of [v6] removed; empty or
 * "*" gives "") and PORT. 0, or -1 if it is not such an address. */
int sp_tcp_split(const char *address, char *host, size_t host_size, char *port,
		 size_t port_size);

/* Resolve a tcp:// address to listen on (blocking getaddrinfo: for start
 * up only). 0, or -1 with @errmsg filled. */
int sp_tcp_resolve_listen(const char *address, struct sockaddr_storage *sa,
			  char *errmsg, size_t errmsg_size);

#endif
