/* wire_auth — signing native-protocol requests with the cluster's access
 * keys (the same keys HTTP clients sign SigV4 with).
 *
 * A signed request is an ordinary encoded Request whose access_key_id and
 * signed_at_ms fields are set, followed by one more field: signature (16),
 * HMAC-SHA256(secret, every byte before it). Appending a field to an
 * encoded protobuf message is still a valid message, so the signature
 * covers exactly the bytes the server decodes, with no canonical
 * re-encoding on either side. The server accepts a request only if its
 * last 35 bytes are that field, the key is known, the HMAC matches
 * (constant-time), and signed_at_ms is within WIRE_AUTH_MAX_SKEW_MS of its
 * clock; retries resend the same bytes (the session's seq makes a replay
 * harmless: it gets the stored answer), except a long poll's, which add
 * waited_ms to the unsigned bytes and are signed again (client.c). */
#ifndef STRATUS_WIRE_AUTH_H
#define STRATUS_WIRE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_AUTH_SIG_BYTES	32
#define WIRE_AUTH_TRAILER_BYTES (3 + WIRE_AUTH_SIG_BYTES) /* tag, len, HMAC */
#define WIRE_AUTH_MAX_SKEW_MS	(15ull * 60 * 1000)

/* Append the signature field to an encoded request (realloc's *buf).
 * 0, or -1 when out of memory (*buf unchanged). */
int wire_auth_sign(uint8_t **buf, size_t *len, const char *secret);

/* Check the signature trailer of an encoded request with secret: 0 when
 * it is present and right, -1 otherwise. */
int wire_auth_verify(const uint8_t *buf, size_t len, const char *secret);

#endif
