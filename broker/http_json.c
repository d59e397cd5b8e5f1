/* http_json — the AWS JSON 1.0 / 1.1 protocol codec (see http_codec.h).
 *
 * X-Amz-Target "<prefix>.<Action>" names the service and action; the body
 * is the action's JSON request document as the service takes it, and the
 * service's JSON response document is the body of the answer, unchanged.
 * Errors are {"__type": "<error namespace>#<Code>", "message": ...} with
 * the status and, for services AWS made "query compatible" (SQS), the
 * x-amzn-query-error header "<Query code>;Sender|Receiver" that current
 * SDKs read to report the same error codes as the Query protocol. */
#include "jsondoc.h"
#include "http_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_service {
	const char *target_prefix;   /* "AmazonSQS" */
	const char *service;	     /* "sqs" */
	const char *error_namespace; /* "com.amazonaws.sqs" */
	const char *content_type;    /* JSON 1.0 or 1.1 */
	bool query_compatible;
};

static const struct json_service services[] = {
    {"AmazonSQS", "sqs", "com.amazonaws.sqs", "application/x-amz-json-1.0",
     true},
};

static const struct json_service *
by_target(const char *t, size_t len, const char **action, size_t *action_len)
{
	const char *dot = memchr(t, '.', len);
	size_t i;

	if (dot == NULL) {
		return NULL;
	}
	for (i = 0; i < sizeof services / sizeof *services; i++) {
		size_t n = strlen(services[i].target_prefix);
		if ((size_t)(dot - t) == n &&
		    memcmp(t, services[i].target_prefix, n) == 0) {
			*action = dot + 1;
			*action_len = len - n - 1;
			return &services[i];
		}
	}
	return NULL;
}

static const struct json_service *by_name(const char *service)
{
	size_t i;

	for (i = 0; i < sizeof services / sizeof *services; i++) {
		if (strcmp(services[i].service, service) == 0) {
			return &services[i];
		}
	}
	return &services[0];
}

bool json_protocol_matches(const struct http_request_view *req)
{
	return req->amz_target != NULL;
}

static int refuse(struct http_codec_error *err, const char *code,
		  const char *fmt, const char *arg)
{
	err->code = code;
	err->status = 400;
	snprintf(err->message, sizeof err->message, fmt, arg);
	return -1;
}

int json_protocol_decode(const struct http_request_view *req,
			 struct http_call_doc *call,
			 struct http_codec_error *err)
{
	const struct json_service *svc;
	const char *action = NULL;
	size_t action_len = 0, i;
	json_error_t jerr;
	json_t *input;

	memset(call, 0, sizeof *call);
	svc = by_target(req->amz_target, req->amz_target_len, &action,
			&action_len);
	if (svc == NULL || action_len == 0 ||
	    action_len >= sizeof call->action) {
		return refuse(err, "UnknownOperationException", "%s",
			      "The X-Amz-Target header does not name "
			      "an operation of this endpoint.");
	}
	for (i = 0; i < action_len; i++) {
		char c = action[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9'))) {
			return refuse(err, "UnknownOperationException", "%s",
				      "The X-Amz-Target header does not name "
				      "an operation of this endpoint.");
		}
	}
	if (req->body_len == 0) {
		input = json_object();
	} else {
		input = jsondoc_parse(req->body, req->body_len);
		if (input == NULL &&
		    (input = json_loadb(req->body, req->body_len,
					JSON_REJECT_DUPLICATES, &jerr)) != NULL) {
			/* Only jansson says where it is wrong; the two agree
			 * on what is (jsondoc.h). */
			json_decref(input);
			input = NULL;
			snprintf(jerr.text, sizeof jerr.text, "%s",
				 "invalid document");
		}
		if (input == NULL) {
			return refuse(err, "SerializationException",
				      "The request body is not valid JSON: "
				      "%s",
				      jerr.text);
		}
		if (!json_is_object(input)) {
			json_decref(input);
			return refuse(err, "SerializationException", "%s",
				      "The request body is not a JSON object.");
		}
	}
	if (input == NULL) {
		err->code = "InternalFailure";
		err->status = 500;
		snprintf(err->message, sizeof err->message, "out of memory");
		return -1;
	}
	snprintf(call->service, sizeof call->service, "%s", svc->service);
	memcpy(call->action, action, action_len);
	call->action[action_len] = '\0';
	call->input = input;
	return 0;
}

int json_protocol_encode_output(const char *service, const char *output_json,
				size_t len, struct http_reply *reply)
{
	memset(reply, 0, sizeof *reply);
	reply->status = 200;
	reply->content_type = by_name(service)->content_type;
	if ((reply->body = malloc(len + 1)) == NULL) {
		return -1;
	}
	memcpy(reply->body, output_json, len);
	reply->body[len] = '\0';
	reply->body_len = len;
	return 0;
}

int json_protocol_encode_error(const char *service, const char *code,
			       const char *message, bool sender_fault,
			       struct http_reply *reply)
{
	const struct json_service *svc = by_name(service);
	char type[HTTP_CODEC_MSG_SIZE];
	int status = 400;
	const char *query_code = query_error_code(service, code, &status);
	json_t *doc;

	memset(reply, 0, sizeof *reply);
	/* Protocol-level errors live in the coral namespace, as AWS's. */
	if (strcmp(code, "UnknownOperationException") == 0 ||
	    strcmp(code, "SerializationException") == 0) {
		snprintf(type, sizeof type, "com.amazon.coral.service#%s",
			 code);
	} else {
		snprintf(type, sizeof type, "%s#%s", svc->error_namespace,
			 code);
	}
	doc = json_pack("{s:s, s:s}", "__type", type, "message",
			message != NULL ? message : "");
	if (doc == NULL) {
		return -1;
	}
	reply->body = jsondoc_dump(doc, NULL);
	json_decref(doc);
	if (reply->body == NULL) {
		return -1;
	}
	reply->body_len = strlen(reply->body);
	reply->status = status;
	reply->content_type = svc->content_type;
	if (svc->query_compatible) {
		reply->headers[0].name = "x-amzn-query-error";
		snprintf(reply->headers[0].value,
			 sizeof reply->headers[0].value, "%s;%s", query_code,
			 sender_fault && status < 500 ? "Sender" : "Receiver");
		reply->n_headers = 1;
	}
	return 0;
}
