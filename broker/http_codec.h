/* http_codec — one codec per AWS protocol family, in front of the same
 * service calls the native protocol makes.
 *
 * The HTTP layer (http.c) owns sockets, threads, authentication and
 * forwarding; a codec only translates documents: an HTTP request into
 * (service, action, AWS JSON input document), and a service's JSON output
 * document or error into the HTTP response its protocol expects. A service
 * implements each action once (service.h); adding SNS (Query), EventBridge
 * (JSON 1.1) or Lambda (REST-JSON) means adding a model or a codec here,
 * never a second implementation of an action.
 *
 * Codecs are pure functions of their arguments (no I/O, no globals but
 * const tables), so they run on the HTTP thread and are unit-tested
 * without sockets. */
#ifndef STRATUS_HTTP_CODEC_H
#define STRATUS_HTTP_CODEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define HTTP_CODEC_NAME_SIZE 64
#define HTTP_CODEC_MSG_SIZE  512

/* What the codec needs of an HTTP request (all borrowed). */
struct http_request_view {
	const char *method; /* "POST" */
	size_t method_len;
	const char *path; /* "/000000000000/orders" (without the query) */
	size_t path_len;
	const char *query; /* raw query string without '?', may be empty */
	size_t query_len;
	const char *content_type; /* NULL when absent */
	size_t content_type_len;
	const char *amz_target; /* X-Amz-Target, NULL when absent */
	size_t amz_target_len;
	const char *body;
	size_t body_len;
};

/* A decoded call: what to send to the cluster. */
struct http_call_doc {
	char service[HTTP_CODEC_NAME_SIZE]; /* "sqs" */
	char action[HTTP_CODEC_NAME_SIZE];  /* "SendMessage" */
	json_t *input;			    /* owned: the AWS JSON request */
};

/* A request the codec refuses: AWS's error code for the JSON protocols
 * ("InvalidAction", "MissingAction", "MalformedQueryString",
 * "SerializationException", ...; static string), a message, and the HTTP
 * status (400 unless said otherwise). */
struct http_codec_error {
	const char *code;
	char message[HTTP_CODEC_MSG_SIZE];
	int status;
};

/* An HTTP response to send. body is malloc'd (the caller frees it). */
#define HTTP_REPLY_MAX_HEADERS 2
struct http_reply {
	int status;
	const char *content_type; /* static */
	char *body;
	size_t body_len;
	struct {
		const char *name; /* static */
		char value[HTTP_CODEC_MSG_SIZE];
	} headers[HTTP_REPLY_MAX_HEADERS];
	int n_headers;
};

/* ---- AWS Query protocol (form-encoded POST, XML responses) ----------------
 * http_query.c with the service models of sqs_query_model.c. */

/* 0 and *call filled (call->input a new object), or -1 and *err filled. */
int query_decode(const struct http_request_view *req,
		 struct http_call_doc *call, struct http_codec_error *err);

/* The XML response of a successful call: output is the service's JSON
 * response document. 0, or -1 when out of memory. */
int query_encode_output(const char *service, const char *action,
			const json_t *output, const char *request_id,
			struct http_reply *reply);

/* The XML error response: code is the service's JSON-protocol error code
 * ("QueueDoesNotExist"); the codec maps it to the Query code
 * ("AWS.SimpleQueueService.NonExistentQueue") and its HTTP status.
 * 0, or -1 when out of memory. */
int query_encode_error(const char *service, const char *code,
		       const char *message, bool sender_fault,
		       const char *request_id, struct http_reply *reply);

/* The Query-protocol error code and HTTP status of a JSON-protocol error
 * code of service (the code itself and 400 when the model has no mapping;
 * a few internal codes map to 500/503). Never NULL. Also used by the JSON
 * codec for the x-amzn-query-error header. */
const char *query_error_code(const char *service, const char *code,
			     int *http_status);

/* ---- AWS JSON 1.0 / 1.1 (X-Amz-Target) ------------------------------------
 * http_json.c. */

/* Does this request carry an X-Amz-Target of a known service? */
bool json_protocol_matches(const struct http_request_view *req);
int json_protocol_decode(const struct http_request_view *req,
			 struct http_call_doc *call,
			 struct http_codec_error *err);
/* output_json: the service's response document, passed through. */
int json_protocol_encode_output(const char *service, const char *output_json,
				size_t len, struct http_reply *reply);
int json_protocol_encode_error(const char *service, const char *code,
			       const char *message, bool sender_fault,
			       struct http_reply *reply);

void http_reply_release(struct http_reply *reply);

#endif
