/* wire_auth — see wire_auth.h. */
#include "wire_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

/* Field 16, wire type 2 (length-delimited): varint (16 << 3) | 2. */
static const uint8_t trailer_head[3] = {0x82, 0x01, WIRE_AUTH_SIG_BYTES};

static int mac(const uint8_t *buf, size_t len, const char *secret,
	       uint8_t out[WIRE_AUTH_SIG_BYTES])
{
	unsigned int out_len = 0;

	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), buf, len, out,
		 &out_len) == NULL ||
	    out_len != WIRE_AUTH_SIG_BYTES) {
		return -1;
	}
	return 0;
}

int wire_auth_sign(uint8_t **buf, size_t *len, const char *secret)
{
	uint8_t sig[WIRE_AUTH_SIG_BYTES];
	uint8_t *b;

	if (mac(*buf, *len, secret, sig) != 0) {
		return -1;
	}
	b = realloc(*buf, *len + WIRE_AUTH_TRAILER_BYTES);
	if (b == NULL) {
		return -1;
	}
	memcpy(b + *len, trailer_head, sizeof trailer_head);
	memcpy(b + *len + sizeof trailer_head, sig, sizeof sig);
	*buf = b;
	*len += WIRE_AUTH_TRAILER_BYTES;
	return 0;
}

int wire_auth_verify(const uint8_t *buf, size_t len, const char *secret)
{
	uint8_t sig[WIRE_AUTH_SIG_BYTES];
	size_t signed_len;

	if (buf == NULL || len < WIRE_AUTH_TRAILER_BYTES) {
		return -1;
	}
	signed_len = len - WIRE_AUTH_TRAILER_BYTES;
	if (memcmp(buf + signed_len, trailer_head, sizeof trailer_head) != 0 ||
	    mac(buf, signed_len, secret, sig) != 0) {
		return -1;
	}
	return CRYPTO_memcmp(sig, buf + signed_len + sizeof trailer_head,
			     sizeof sig) == 0
		   ? 0
		   : -1;
}
