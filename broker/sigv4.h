/* sigv4 — verification of AWS Signature Version 4 on HTTP requests.
 *
 * Accepts what AWS's SDKs and CLIs send: the Authorization header
 * (AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/sqs/aws4_request,
 * SignedHeaders=..., Signature=...) with X-Amz-Date (or Date) and, when
 * present, X-Amz-Content-Sha256; and presigned URLs (X-Amz-Algorithm,
 * X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
 * X-Amz-Signature in the query string). The canonical request is built
 * from the request exactly as received (path and query re-encoded the way
 * AWS does for non-S3 services), so nothing upstream may normalise them.
 *
 * Pure: no I/O, no globals; the secret comes from a lookup callback, the
 * time from the caller. Thread-safe. */
#ifndef STRATUS_SIGV4_H
#define STRATUS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIGV4_KEY_ID_SIZE     129
#define SIGV4_SECRET_SIZE     129
#define SIGV4_SCOPE_PART_SIZE 64
#define SIGV4_MSG_SIZE	      512
/* Largest clock difference accepted, as AWS: 15 minutes. */
#define SIGV4_MAX_SKEW_MS (15ull * 60 * 1000)

struct sigv4_header {
	const char *name; /* any case */
	size_t name_len;
	const char *value; /* as received */
	size_t value_len;
};

struct sigv4_request {
	const char *method;
	size_t method_len;
	const char *path; /* as received, without the query */
	size_t path_len;
	const char *query; /* raw, without '?'; may be empty */
	size_t query_len;
	const struct sigv4_header *headers; /* every header received */
	size_t n_headers;
	const uint8_t *body;
	size_t body_len;
};

/* Copy the secret of access_key_id into secret (NUL-terminated): 0, or -1
 * when there is no such (active) key. */
typedef int (*sigv4_lookup_fn)(void *ctx, const char *access_key_id,
			       char secret[SIGV4_SECRET_SIZE]);

enum sigv4_status {
	SIGV4_OK,	/* signed, and the signature is right */
	SIGV4_UNSIGNED, /* no Authorization header, no X-Amz-Signature */
	SIGV4_REJECTED	/* error_code / message / http_status say why */
};

struct sigv4_outcome {
	enum sigv4_status status;
	/* from the credential scope (filled as soon as it parsed) */
	char access_key_id[SIGV4_KEY_ID_SIZE];
	char region[SIGV4_SCOPE_PART_SIZE];
	char service[SIGV4_SCOPE_PART_SIZE];
	/* SIGV4_REJECTED: AWS's error code (static string):
	 * "IncompleteSignature" (header malformed, missing parts),
	 * "InvalidClientTokenId" (unknown access key),
	 * "SignatureDoesNotMatch" (wrong signature; also a request whose
	 * time is too far from now, worded as AWS words it), and the HTTP
	 * status AWS uses for it (400 or 403). */
	const char *error_code;
	char message[SIGV4_MSG_SIZE];
	int http_status;
};

/* Verify r at now_ms (Unix ms). Fills *out; returns out->status. */
enum sigv4_status sigv4_verify(const struct sigv4_request *r, uint64_t now_ms,
			       sigv4_lookup_fn lookup, void *lookup_ctx,
			       struct sigv4_outcome *out);

#endif
