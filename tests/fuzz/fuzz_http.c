/* libFuzzer target: what the HTTP front door parses from the outside —
 * AWS Query bodies (query_decode), JSON 1.0 requests (json_protocol_decode),
 * Query XML encoding of arbitrary JSON documents (query_encode_output), and
 * SigV4 headers (sigv4_verify). The first byte picks the parser; the rest
 * is its input. Every input must end in a result or a clear error, never a
 * crash, a leak or undefined behaviour. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_codec.h"
#include "sigv4.h"

static const char *const actions[] = {
    "SendMessage",	  "ReceiveMessage",	  "SendMessageBatch",
    "GetQueueAttributes", "ListQueues",		  "DeleteMessageBatch",
    "ListQueueTags",	  "ListMessageMoveTasks", "CreateQueue"};

static int lookup(void *ctx, const char *id, char secret[SIGV4_SECRET_SIZE])
{
	(void)ctx;
	if (strcmp(id, "AKIDEXAMPLE") != 0)
		return -1;
	strcpy(secret, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
	return 0;
}

static void fuzz_query(const char *d, size_t n)
{
	struct http_request_view v = {.method = "POST",
				      .method_len = 4,
				      .path = "/",
				      .path_len = 1,
				      .body = d,
				      .body_len = n};
	struct http_call_doc call;
	struct http_codec_error err;
	struct http_reply reply;

	if (query_decode(&v, &call, &err) == 0) {
		/* Feed the decoded document back through the encoder. */
		if (query_encode_output(call.service, call.action, call.input,
					"rid", &reply) == 0)
			http_reply_release(&reply);
		json_decref(call.input);
	}
	/* The same bytes as a URL query string. */
	v.body = "";
	v.body_len = 0;
	v.method = "GET";
	v.method_len = 3;
	v.query = d;
	v.query_len = n;
	if (query_decode(&v, &call, &err) == 0)
		json_decref(call.input);
}

static void fuzz_json(const char *d, size_t n)
{
	const char *nl = memchr(d, '\n', n);
	size_t tlen = nl != NULL ? (size_t)(nl - d) : n;
	struct http_request_view v = {.method = "POST",
				      .method_len = 4,
				      .path = "/",
				      .path_len = 1,
				      .amz_target = d,
				      .amz_target_len = tlen,
				      .body = nl != NULL ? nl + 1 : "",
				      .body_len =
					  nl != NULL ? n - tlen - 1 : 0};
	struct http_call_doc call;
	struct http_codec_error err;

	if (json_protocol_decode(&v, &call, &err) == 0)
		json_decref(call.input);
}

static void fuzz_encode(const char *d, size_t n)
{
	struct http_reply reply;
	json_t *doc;

	if (n == 0)
		return;
	doc = json_loadb(d + 1, n - 1, 0, NULL);
	if (doc == NULL)
		return;
	if (query_encode_output(
		"sqs",
		actions[(uint8_t)d[0] % (sizeof actions / sizeof *actions)],
		doc, "rid", &reply) == 0)
		http_reply_release(&reply);
	json_decref(doc);
}

/* "name: value" lines; a blank line, then the body. */
static void fuzz_sigv4(const char *d, size_t n)
{
	struct sigv4_header h[32];
	struct sigv4_outcome out;
	size_t nh = 0, i = 0;

	while (i < n && nh < 32) {
		const char *line = d + i;
		const char *end = memchr(line, '\n', n - i);
		size_t len = end != NULL ? (size_t)(end - line) : n - i;
		i += len + 1;
		if (len == 0)
			break;
		const char *colon = memchr(line, ':', len);
		if (colon == NULL)
			continue;
		size_t vlen = len - (size_t)(colon - line) - 1;
		h[nh++] = (struct sigv4_header){line, (size_t)(colon - line),
						colon + 1, vlen};
	}
	if (i > n)
		i = n;
	struct sigv4_request r = {.method = "POST",
				  .method_len = 4,
				  .path = "/q",
				  .path_len = 2,
				  .query = "a=b&c",
				  .query_len = 5,
				  .headers = h,
				  .n_headers = nh,
				  .body = (const uint8_t *)d + i,
				  .body_len = n - i};
	sigv4_verify(&r, 1795770000000ull, lookup, NULL, &out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data + 1;

	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_query(d, size - 1);
		break;
	case 1:
		fuzz_json(d, size - 1);
		break;
	case 2:
		fuzz_encode(d, size - 1);
		break;
	default:
		fuzz_sigv4(d, size - 1);
		break;
	}
	return 0;
}
