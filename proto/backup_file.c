/* backup_file — see backup_file.h. */
#include "backup_file.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

/* Bytes of the header the checksum follows (and covers). */
#define HEADER_SUMMED_BYTES                                                    \
	(BACKUP_FILE_HEADER_BYTES - BACKUP_FILE_SHA256_BYTES)

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--) {
		v = v << 8 | p[i];
	}
	return v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--) {
		v = v << 8 | p[i];
	}
	return v;
}

/* SHA-256 of the summed header bytes followed by the payload. */
static int checksum(const uint8_t *header, const uint8_t *payload, size_t len,
		    uint8_t out[BACKUP_FILE_SHA256_BYTES])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int out_len = 0;
	bool ok;

	if (ctx == NULL) {
		return BACKUP_FILE_ERR_NOMEM;
	}
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, header, HEADER_SUMMED_BYTES) == 1 &&
	     (len == 0 || EVP_DigestUpdate(ctx, payload, len) == 1) &&
	     EVP_DigestFinal_ex(ctx, out, &out_len) == 1 &&
	     out_len == BACKUP_FILE_SHA256_BYTES;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : BACKUP_FILE_ERR_NOMEM;
}

int backup_file_build(const struct backup_header *h, const uint8_t *payload,
		      size_t payload_len, uint8_t **file, size_t *file_len)
{
	uint8_t *out;
	int rv;

	if ((uint64_t)payload_len > WIRE_MAX_SNAPSHOT_BYTES) {
		return BACKUP_FILE_ERR_SIZE;
	}
	out = calloc(1, BACKUP_FILE_HEADER_BYTES + payload_len);
	if (out == NULL) {
		return BACKUP_FILE_ERR_NOMEM;
	}
	memcpy(out, BACKUP_FILE_MAGIC, 8);
	put_u32(out + 8, BACKUP_FILE_VERSION);
	put_u32(out + 12, BACKUP_FILE_HEADER_BYTES);
	put_u64(out + 16, h->applied_index);
	put_u64(out + 24, h->term);
	put_u64(out + 32, payload_len);
	put_u64(out + 40, h->created_ms);
	put_u64(out + 48, h->content_digest);
	if (payload_len > 0) {
		memcpy(out + BACKUP_FILE_HEADER_BYTES, payload, payload_len);
	}
	rv = checksum(out, payload, payload_len, out + HEADER_SUMMED_BYTES);
	if (rv != 0) {
		free(out);
		return rv;
	}
	*file = out;
	*file_len = BACKUP_FILE_HEADER_BYTES + payload_len;
	return 0;
}

int backup_file_parse(const uint8_t *buf, size_t len, struct backup_header *h,
		      const uint8_t **payload, char *errmsg, size_t errmsg_size)
{
	uint8_t sum[BACKUP_FILE_SHA256_BYTES];
	uint64_t payload_bytes;
	uint32_t header_bytes;
	int rv;

	memset(h, 0, sizeof *h);
	*payload = NULL;
	if (len < BACKUP_FILE_HEADER_BYTES) {
		if (len >= 8 && memcmp(buf, BACKUP_FILE_MAGIC, 8) != 0) {
			goto bad_magic;
		}
		snprintf(errmsg, errmsg_size,
			 "truncated: %zu bytes, shorter than the %d-byte "
			 "header",
			 len, BACKUP_FILE_HEADER_BYTES);
		return BACKUP_FILE_ERR_TRUNCATED;
	}
	if (memcmp(buf, BACKUP_FILE_MAGIC, 8) != 0) {
		goto bad_magic;
	}
	h->version = get_u32(buf + 8);
	if (h->version != BACKUP_FILE_VERSION) {
		snprintf(errmsg, errmsg_size,
			 "format version %u is not supported (this build "
			 "reads version %d)",
			 h->version, BACKUP_FILE_VERSION);
		return BACKUP_FILE_ERR_VERSION;
	}
	header_bytes = get_u32(buf + 12);
	payload_bytes = get_u64(buf + 32);
	if (header_bytes != BACKUP_FILE_HEADER_BYTES ||
	    payload_bytes > WIRE_MAX_SNAPSHOT_BYTES) {
		snprintf(errmsg, errmsg_size,
			 "corrupt header: header size %u, payload size %llu",
			 header_bytes, (unsigned long long)payload_bytes);
		return BACKUP_FILE_ERR_SIZE;
	}
	if (len - BACKUP_FILE_HEADER_BYTES < payload_bytes) {
		snprintf(errmsg, errmsg_size,
			 "truncated: the header announces %llu payload bytes, "
			 "the file holds %zu",
			 (unsigned long long)payload_bytes,
			 len - BACKUP_FILE_HEADER_BYTES);
		return BACKUP_FILE_ERR_TRUNCATED;
	}
	if (len - BACKUP_FILE_HEADER_BYTES > payload_bytes) {
		snprintf(errmsg, errmsg_size,
			 "%zu unexpected bytes after the %llu payload bytes "
			 "the header announces",
			 len - BACKUP_FILE_HEADER_BYTES - (size_t)payload_bytes,
			 (unsigned long long)payload_bytes);
		return BACKUP_FILE_ERR_SIZE;
	}
	rv = checksum(buf, buf + BACKUP_FILE_HEADER_BYTES,
		      (size_t)payload_bytes, sum);
	if (rv != 0) {
		snprintf(errmsg, errmsg_size, "out of memory");
		return rv;
	}
	if (memcmp(sum, buf + HEADER_SUMMED_BYTES, sizeof sum) != 0) {
		snprintf(errmsg, errmsg_size,
			 "checksum mismatch: the file is damaged");
		return BACKUP_FILE_ERR_CHECKSUM;
	}
	h->applied_index = get_u64(buf + 16);
	h->term = get_u64(buf + 24);
	h->payload_bytes = payload_bytes;
	h->created_ms = get_u64(buf + 40);
	h->content_digest = get_u64(buf + 48);
	*payload = buf + BACKUP_FILE_HEADER_BYTES;
	return 0;

bad_magic:
	snprintf(errmsg, errmsg_size,
		 "not a Stratus backup (the file does not start with \"%s\")",
		 BACKUP_FILE_MAGIC);
	return BACKUP_FILE_ERR_MAGIC;
}
