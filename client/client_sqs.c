/* client_sqs — the SQS calls of libstratus.
 *
 * Every SQS action is a thin wrapper of st_call(c, "sqs", "<Action>", ...),
 * generated from one table (SQS_ACTIONS) so that the list of actions is
 * written once; stratus.h declares each with its documentation. The typed
 * conveniences (st_sqs_send, st_sqs_receive, st_sqs_delete) build the
 * request document with jansson and pick the fields a C user wants out
 * of the response; the documents are printed and parsed with jsondoc
 * (proto/jsondoc.h: bulk string scans — a received message's body is
 * most of its bytes). */
#include "client_int.h"
#include "jsondoc.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

/* X(function suffix, AWS action) for every SQS action. */
#define SQS_ACTIONS(X)                                                         \
	X(create_queue, CreateQueue)                                           \
	X(delete_queue, DeleteQueue)                                           \
	X(get_queue_url, GetQueueUrl)                                          \
	X(list_queues, ListQueues)                                             \
	X(get_queue_attributes, GetQueueAttributes)                            \
	X(set_queue_attributes, SetQueueAttributes)                            \
	X(purge_queue, PurgeQueue)                                             \
	X(tag_queue, TagQueue)                                                 \
	X(untag_queue, UntagQueue)                                             \
	X(list_queue_tags, ListQueueTags)                                      \
	X(send_message, SendMessage)                                           \
	X(send_message_batch, SendMessageBatch)                                \
	X(receive_message, ReceiveMessage)                                     \
	X(delete_message, DeleteMessage)                                       \
	X(delete_message_batch, DeleteMessageBatch)                            \
	X(change_message_visibility, ChangeMessageVisibility)                  \
	X(change_message_visibility_batch, ChangeMessageVisibilityBatch)       \
	X(list_dead_letter_source_queues, ListDeadLetterSourceQueues)          \
	X(start_message_move_task, StartMessageMoveTask)                       \
	X(list_message_move_tasks, ListMessageMoveTasks)                       \
	X(cancel_message_move_task, CancelMessageMoveTask)

#define SQS_WRAPPER(fn, action)                                                \
	int st_sqs_##fn(st_client *c, const char *input_json,                  \
			char **output_json, st_error *err)                     \
	{                                                                      \
		return st_call(c, "sqs", #action, input_json, output_json,     \
			       err);                                           \
	}
SQS_ACTIONS(SQS_WRAPPER)
#undef SQS_WRAPPER

/* ---- typed conveniences -------------------------------------------------- */

/* Run action with the document j (taken: released here); *out is the
 * parsed response (owned, json_decref) when out is not NULL. */
static int sqs_json_call(st_client *c, const char *action, json_t *j,
			 json_t **out, st_error *err)
{
	char *in, *text = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	in = j != NULL ? jsondoc_dump(j, NULL) : NULL;
	json_decref(j);
	if (in == NULL)
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "sqs %s: cannot build the request (an "
				  "argument is not UTF-8, or out of memory)",
				  action);
	rc = st_call(c, "sqs", action, in, &text, err);
	free(in);
	if (rc != 0)
		return rc;
	if (out != NULL && (*out = jsondoc_parse(text, strlen(text))) == NULL)
		rc = st_err_set(err, ST_ERR_MALFORMED, NULL,
				"sqs %s: response is not a JSON document",
				action);
	st_free(text);
	return rc;
}

static int check_str(const char *s, const char *which, st_error *err,
		     const char *what)
{
	if (s == NULL || *s == '\0')
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL, "%s: no %s",
				  what, which);
	return 0;
}

int st_sqs_send(st_client *c, const char *queue_url, const void *body,
		size_t body_len, char **message_id, st_error *err)
{
	const char *what = "sqs SendMessage";
	json_t *out, *jbody;
	int rc;

	if (message_id != NULL)
		*message_id = NULL;
	if ((rc = check_str(queue_url, "queue URL", err, what)) != 0)
		return rc;
	if (body == NULL && body_len > 0)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: body is NULL", what);
	/* json_stringn refuses invalid UTF-8 (and returns NULL). */
	if ((jbody = json_stringn(body_len > 0 ? body : "", body_len)) == NULL)
		return st_err_set(err, ST_ERR_INVALID_PARAM, NULL,
				  "%s: body is not valid UTF-8 text", what);
	json_t *in =
	    json_pack("{s:s,s:o}", "QueueUrl", queue_url, "MessageBody", jbody);
	if ((rc = sqs_json_call(c, "SendMessage", in, &out, err)) != 0)
		return rc;
	const char *id = json_string_value(json_object_get(out, "MessageId"));
	if (id == NULL)
		rc = st_err_set(err, ST_ERR_MALFORMED, NULL,
				"%s: response has no MessageId", what);
	else if (message_id != NULL && (*message_id = strdup(id)) == NULL)
		rc = st_err_set(err, ST_ERR_INTERNAL, NULL, "%s: out of memory",
				what);
	json_decref(out);
	return rc;
}

void st_sqs_messages_free(st_sqs_message *messages, size_t n_messages)
{
	if (messages == NULL)
		return;
	for (size_t i = 0; i < n_messages; i++) {
		free(messages[i].message_id);
		free(messages[i].receipt_handle);
		free(messages[i].body);
		free(messages[i].md5_of_body);
	}
	free(messages);
}

/* Copy one response message; false when a field is missing or out of
 * memory (m is then partly filled: free it with the array). */
static bool message_from(st_sqs_message *m, const json_t *j)
{
	const char *id = json_string_value(json_object_get(j, "MessageId"));
	const char *rh = json_string_value(json_object_get(j, "ReceiptHandle"));
	json_t *body = json_object_get(j, "Body");
	const char *md5 = json_string_value(json_object_get(j, "MD5OfBody"));

	if (id == NULL || rh == NULL || !json_is_string(body))
		return false;
	m->body_len = json_string_length(body);
	m->message_id = strdup(id);
	m->receipt_handle = strdup(rh);
	m->md5_of_body = strdup(md5 != NULL ? md5 : "");
	if ((m->body = malloc(m->body_len + 1)) != NULL) {
		memcpy(m->body, json_string_value(body), m->body_len);
		m->body[m->body_len] = '\0';
	}
	return m->message_id != NULL && m->receipt_handle != NULL &&
	       m->md5_of_body != NULL && m->body != NULL;
}

int st_sqs_receive(st_client *c, const char *queue_url, unsigned max_messages,
		   int wait_seconds, int visibility_timeout_s,
		   st_sqs_message **messages, size_t *n_messages, st_error *err)
{
	const char *what = "sqs ReceiveMessage";
	json_t *out;
	int rc;

	if (messages == NULL || n_messages == NULL)
		return st_err_set(err, ST_ERR_MISSING_PARAM, NULL,
				  "%s: NULL output argument", what);
	*messages = NULL;
	*n_messages = 0;
	if ((rc = check_str(queue_url, "queue URL", err, what)) != 0)
		return rc;
	json_t *in =
	    json_pack("{s:s,s:I}", "QueueUrl", queue_url, "MaxNumberOfMessages",
		      (json_int_t)(max_messages ? max_messages : 1));
	if (in != NULL && wait_seconds >= 0)
		json_object_set_new(in, "WaitTimeSeconds",
				    json_integer(wait_seconds));
	if (in != NULL && visibility_timeout_s >= 0)
		json_object_set_new(in, "VisibilityTimeout",
				    json_integer(visibility_timeout_s));
	if ((rc = sqs_json_call(c, "ReceiveMessage", in, &out, err)) != 0)
		return rc;
	json_t *list = json_object_get(out, "Messages");
	size_t n = json_array_size(list);
	if (n == 0) {
		json_decref(out);
		return 0;
	}
	st_sqs_message *m = calloc(n, sizeof *m);
	if (m == NULL) {
		json_decref(out);
		return st_err_set(err, ST_ERR_INTERNAL, NULL,
				  "%s: out of memory", what);
	}
	for (size_t i = 0; i < n; i++) {
		if (!message_from(&m[i], json_array_get(list, i))) {
			st_sqs_messages_free(m, n);
			json_decref(out);
			return st_err_set(err, ST_ERR_MALFORMED, NULL,
					  "%s: message %zu of %zu lacks "
					  "MessageId, ReceiptHandle or Body "
					  "(or out of memory)",
					  what, i + 1, n);
		}
	}
	json_decref(out);
	*messages = m;
	*n_messages = n;
	return 0;
}

int st_sqs_delete(st_client *c, const char *queue_url,
		  const char *receipt_handle, st_error *err)
{
	const char *what = "sqs DeleteMessage";
	int rc;

	if ((rc = check_str(queue_url, "queue URL", err, what)) != 0 ||
	    (rc = check_str(receipt_handle, "receipt handle", err, what)) != 0)
		return rc;
	return sqs_json_call(c, "DeleteMessage",
			     json_pack("{s:s,s:s}", "QueueUrl", queue_url,
				       "ReceiptHandle", receipt_handle),
			     NULL, err);
}
