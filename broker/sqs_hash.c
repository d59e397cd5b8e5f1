/* sqs_hash — the digests SQS exposes: MD5 (RFC 1321) for MD5OfMessageBody
 * and MD5OfMessageAttributes, SHA-256 (RFC 6234) for content-based
 * deduplication; plus base64 decoding of Binary attribute values and hex.
 * Written here to avoid a crypto dependency; none of it is for secrecy. */
#include <stdlib.h>
#include <string.h>

#include "sqs_int.h"

/* ---------------- MD5 ---------------- */

static uint32_t rol32(uint32_t x, int c)
{
	return (x << c) | (x >> (32 - c));
}

static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
    0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
    0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
    0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
    0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
    0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
    0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
    0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
/* The message word each step reads (RFC 1321, 3.4). */
static const uint8_t md5_g[64] = {
    0, 1, 2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
    1, 6, 11, 0,  5,  10, 15, 4,  9,  14, 3,  8,  13, 2,  7,  12,
    5, 8, 11, 14, 1,  4,  7,  10, 13, 0,  3,  6,  9,  12, 15, 2,
    0, 7, 14, 5,  12, 3,  10, 1,  8,  15, 6,  13, 4,  11, 2,  9};

#define MD5_F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define MD5_G(x, y, z) (((x) & (z)) | ((y) & ~(z)))
#define MD5_H(x, y, z) ((x) ^ (y) ^ (z))
#define MD5_I(x, y, z) ((y) ^ ((x) | ~(z)))
/* One step: a = b + ((a + fn(b, c, d) + w[g] + k) <<< r). */
#define MD5_STEP(fn, a, b, c, d, i, r)                                       \
	(a) = (b) + rol32((a) + fn((b), (c), (d)) + w[md5_g[i]] + md5_k[i], \
			  (r))

/* Four steps at a time, so every rotation is a constant (this is the
 * hot loop of SendMessage: an MD5 of every body). */
static void md5_block(uint32_t s[4], const uint8_t *p)
{
	uint32_t w[16], a = s[0], b = s[1], c = s[2], d = s[3];
	int i;

	for (i = 0; i < 16; i++) {
		w[i] = (uint32_t)p[i * 4] | (uint32_t)p[i * 4 + 1] << 8 |
		       (uint32_t)p[i * 4 + 2] << 16 |
		       (uint32_t)p[i * 4 + 3] << 24;
	}
	for (i = 0; i < 16; i += 4) {
		MD5_STEP(MD5_F, a, b, c, d, i, 7);
		MD5_STEP(MD5_F, d, a, b, c, i + 1, 12);
		MD5_STEP(MD5_F, c, d, a, b, i + 2, 17);
		MD5_STEP(MD5_F, b, c, d, a, i + 3, 22);
	}
	for (i = 16; i < 32; i += 4) {
		MD5_STEP(MD5_G, a, b, c, d, i, 5);
		MD5_STEP(MD5_G, d, a, b, c, i + 1, 9);
		MD5_STEP(MD5_G, c, d, a, b, i + 2, 14);
		MD5_STEP(MD5_G, b, c, d, a, i + 3, 20);
	}
	for (i = 32; i < 48; i += 4) {
		MD5_STEP(MD5_H, a, b, c, d, i, 4);
		MD5_STEP(MD5_H, d, a, b, c, i + 1, 11);
		MD5_STEP(MD5_H, c, d, a, b, i + 2, 16);
		MD5_STEP(MD5_H, b, c, d, a, i + 3, 23);
	}
	for (i = 48; i < 64; i += 4) {
		MD5_STEP(MD5_I, a, b, c, d, i, 6);
		MD5_STEP(MD5_I, d, a, b, c, i + 1, 10);
		MD5_STEP(MD5_I, c, d, a, b, i + 2, 15);
		MD5_STEP(MD5_I, b, c, d, a, i + 3, 21);
	}
	s[0] += a;
	s[1] += b;
	s[2] += c;
	s[3] += d;
}

void sqs_md5_init(struct sqs_md5 *c)
{
	c->s[0] = 0x67452301;
	c->s[1] = 0xefcdab89;
	c->s[2] = 0x98badcfe;
	c->s[3] = 0x10325476;
	c->n = 0;
}

void sqs_md5_update(struct sqs_md5 *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t have = (size_t)(c->n % 64);

	c->n += len;
	while (len > 0) {
		size_t take = 64 - have;

		if (take > len) {
			take = len;
		}
		memcpy(c->buf + have, p, take);
		have += take;
		p += take;
		len -= take;
		if (have == 64) {
			md5_block(c->s, c->buf);
			have = 0;
		}
	}
}

void sqs_md5_final(struct sqs_md5 *c, uint8_t out[16])
{
	uint64_t bits = c->n * 8;
	uint8_t pad[72] = {0x80};
	size_t have = (size_t)(c->n % 64);
	size_t padlen = have < 56 ? 56 - have : 120 - have;
	uint8_t lenb[8];
	int i;

	for (i = 0; i < 8; i++) {
		lenb[i] = (uint8_t)(bits >> (8 * i));
	}
	sqs_md5_update(c, pad, padlen);
	sqs_md5_update(c, lenb, 8);
	for (i = 0; i < 4; i++) {
		out[i * 4] = (uint8_t)c->s[i];
		out[i * 4 + 1] = (uint8_t)(c->s[i] >> 8);
		out[i * 4 + 2] = (uint8_t)(c->s[i] >> 16);
		out[i * 4 + 3] = (uint8_t)(c->s[i] >> 24);
	}
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

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

int sqs_unhex(const char *s, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			return -1;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
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

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror32(uint32_t x, int c)
{
	return (x >> c) | (x << (32 - c));
}

static void sha_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, k;
	int i;

	for (i = 0; i < 16; i++) {
		w[i] = (uint32_t)p[i * 4] << 24 | (uint32_t)p[i * 4 + 1] << 16 |
		       (uint32_t)p[i * 4 + 2] << 8 | (uint32_t)p[i * 4 + 3];
	}
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
			      (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
	k = h[7];
	for (i = 0; i < 64; i++) {
		uint32_t S1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = k + S1 + ch + sha_k[i] + w[i];
		uint32_t S0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
		uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = S0 + mj;

		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void sqs_sha256_hex(const void *data, size_t len, char out[65])
{
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	const uint8_t *p = data;
	uint8_t last[128] = {0};
	size_t rest, full = len / 64 * 64, lastlen;
	uint64_t bits = (uint64_t)len * 8;
	uint8_t d[32];
	int i;

	for (rest = 0; rest < full; rest += 64) {
		sha_block(h, p + rest);
	}
	rest = len - full;
	memcpy(last, p + full, rest);
	last[rest] = 0x80;
	lastlen = rest < 56 ? 64 : 128;
	for (i = 0; i < 8; i++) {
		last[lastlen - 1 - i] = (uint8_t)(bits >> (8 * i));
	}
	sha_block(h, last);
	if (lastlen == 128) {
		sha_block(h, last + 64);
	}
	for (i = 0; i < 8; i++) {
		d[i * 4] = (uint8_t)(h[i] >> 24);
		d[i * 4 + 1] = (uint8_t)(h[i] >> 16);
		d[i * 4 + 2] = (uint8_t)(h[i] >> 8);
		d[i * 4 + 3] = (uint8_t)h[i];
	}
	sqs_hex(d, 32, out);
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
