/* sqs_hash — the digests SQS exposes: MD5 (RFC 1321) for MD5OfMessageBody
 * and MD5OfMessageAttributes, SHA-256 for content-based deduplication; plus
 * hex and base64 decoding of Binary attribute values. The digests are
 * OpenSSL's (libcrypto is linked for SigV4 anyway): its MD5 takes 1.43 µs
 * per KiB where our own took 1.96 — an MD5 of every body is ~9% of the
 * leader's work in SendMessage — and its SHA-256 a quarter of ours. Its
 * one-call-per-digest functions are deprecated in OpenSSL 3 in favour of
 * EVP, whose per-digest setup would give part of that back. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdlib.h>
#include <string.h>

#include <openssl/md5.h>
#include <openssl/sha.h>

#include "sqs_int.h"

/* ---------------- MD5 ---------------- */

void sqs_md5_init(struct sqs_md5 *c)
{
	MD5_Init(&c->ctx);
}

void sqs_md5_update(struct sqs_md5 *c, const void *data, size_t len)
{
	MD5_Update(&c->ctx, data, len);
}

void sqs_md5_final(struct sqs_md5 *c, uint8_t out[16])
{
	MD5_Final(out, &c->ctx);
}

void sqs_hex(const uint8_t *b, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* 1 + the value of each hex digit (either case); 0 for anything else.
 * Receipt handles are decoded on every node for every delete (48 digits
 * each): a table lookup per digit costs a fraction of a chain of
 * compares. */
static const uint8_t hexval1[256] = {
    ['0'] = 1,	['1'] = 2,  ['2'] = 3,	['3'] = 4,  ['4'] = 5,	['5'] = 6,
    ['6'] = 7,	['7'] = 8,  ['8'] = 9,	['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
    ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

int sqs_unhex(const char *s, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned hi = hexval1[(uint8_t)s[2 * i]],
			 lo = hexval1[(uint8_t)s[2 * i + 1]];

		if (hi == 0 || lo == 0) {
			return -1;
		}
		out[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
	}
	return 0;
}

void sqs_md5_hex(const void *data, size_t len, char out[33])
{
	struct sqs_md5 c;
	uint8_t d[16];

	sqs_md5_init(&c);
	sqs_md5_update(&c, data, len);
	sqs_md5_final(&c, d);
	sqs_hex(d, 16, out);
}

/* ---------------- SHA-256 ---------------- */

void sqs_sha256_hex(const void *data, size_t len, char out[65])
{
	uint8_t d[SHA256_DIGEST_LENGTH];

	SHA256(data, len, d);
	sqs_hex(d, sizeof d, out);
}

/* ---------------- base64 ---------------- */

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	}
	if (c == '+') {
		return 62;
	}
	if (c == '/') {
		return 63;
	}
	return -1;
}

uint8_t *sqs_base64_decode(const char *s, size_t len, size_t *out_len)
{
	uint8_t *out;
	size_t i, o = 0;

	if (len % 4 != 0) {
		return NULL;
	}
	out = malloc(len / 4 * 3 + 1);
	if (out == NULL) {
		return NULL;
	}
	for (i = 0; i < len; i += 4) {
		int v[4], j, pad = 0;

		for (j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == len && j >= 2) {
				v[j] = 0;
				pad++;
			} else if (pad > 0 || (v[j] = b64val(s[i + j])) < 0) {
				free(out);
				return NULL;
			}
		}
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2) {
			out[o++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
		}
		if (pad < 1) {
			out[o++] = (uint8_t)((v[2] & 3) << 6 | v[3]);
		}
	}
	*out_len = o;
	return out;
}
