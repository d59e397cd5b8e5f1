/* cli_sqs — `stratus sqs OPERATION`: the operation table, the generic
 * option -> request-document mapping, and running one operation (see
 * cli_sqs.h). Option values take the AWS CLI's forms; `file://PATH` as a
 * value reads the value from PATH, as the AWS CLI does. */
#include "cli_sqs.h"
#include "cli_text.h"

#include "cli_globals.h"
#include "cli_json.h"
#include "cli_paging.h"
#include "cli_shorthand.h"
#include "jmespath.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest file:// value read (bytes): the largest request. */
#define MAX_FILE_BYTES ST_MAX_REQUEST_BYTES

/* Members of request structures (batch entries) that are integers, for
 * the shorthand ("Id=1,DelaySeconds=5"). */
static const char *const struct_int_keys[] = {"DelaySeconds",
					      "VisibilityTimeout", NULL};

#define QUEUE_URL                                                              \
	{                                                                      \
		"queue-url", NULL, CLI_T_STRING, true,                         \
		    "the queue's URL (or --queue-name NAME)"                   \
	}
#define ENTRIES(what)                                                          \
	{                                                                      \
		"entries", NULL, CLI_T_STRUCT_LIST, true,                      \
		    "up to 10 " what                                           \
		    " entries: a JSON array, or one Id=..,.. per "             \
		    "argument"                                                 \
	}

static const struct cli_sqs_op sqs_ops[] = {
    {"create-queue",
     "CreateQueue",
     "Create a queue (a name ending in .fifo with FifoQueue=true: FIFO).",
     {{"queue-name", NULL, CLI_T_STRING, true, "the queue's name"},
      {"attributes", NULL, CLI_T_STRING_MAP, false,
       "queue attributes: VisibilityTimeout=30,DelaySeconds=0,..."},
      {"tags", "tags", CLI_T_STRING_MAP, false, "tags: Key=Value,..."}}},
    {"delete-queue",
     "DeleteQueue",
     "Delete a queue and its messages.",
     {QUEUE_URL}},
    {"get-queue-url",
     "GetQueueUrl",
     "The URL of a queue.",
     {{"queue-name", NULL, CLI_T_STRING, true, "the queue's name"},
      {"queue-owner-aws-account-id", "QueueOwnerAWSAccountId", CLI_T_STRING,
       false, "the owning account"}}},
    {"list-queues",
     "ListQueues",
     "List queue URLs.",
     {{"queue-name-prefix", NULL, CLI_T_STRING, false,
       "only queues whose names start with this"},
      {"next-token", NULL, CLI_T_STRING, false,
       "continue after a previous NextToken"},
      {"max-results", NULL, CLI_T_INTEGER, false,
       "at most N URLs (1-1000), then a NextToken"}},
     "QueueUrls"},
    {"get-queue-attributes",
     "GetQueueAttributes",
     "Read queue attributes.",
     {QUEUE_URL,
      {"attribute-names", NULL, CLI_T_STRING_LIST, false,
       "All, or attribute names"}}},
    {"set-queue-attributes",
     "SetQueueAttributes",
     "Change queue attributes.",
     {QUEUE_URL,
      {"attributes", NULL, CLI_T_STRING_MAP, true,
       "Name=Value,... or a JSON object of strings"}}},
    {"purge-queue",
     "PurgeQueue",
     "Delete every message of a queue.",
     {QUEUE_URL}},
    {"tag-queue",
     "TagQueue",
     "Add or change tags of a queue.",
     {QUEUE_URL, {"tags", NULL, CLI_T_STRING_MAP, true, "Key=Value,..."}}},
    {"untag-queue",
     "UntagQueue",
     "Remove tags from a queue.",
     {QUEUE_URL,
      {"tag-keys", NULL, CLI_T_STRING_LIST, true, "the tag keys to remove"}}},
    {"list-queue-tags", "ListQueueTags", "The tags of a queue.", {QUEUE_URL}},
    {"send-message",
     "SendMessage",
     "Send a message.",
     {QUEUE_URL,
      {"message-body", NULL, CLI_T_STRING, true, "the message text"},
      {"delay-seconds", NULL, CLI_T_INTEGER, false,
       "deliver after N s (0-900)"},
      {"message-attributes", NULL, CLI_T_STRUCT_MAP, false,
       "Name={DataType=String,StringValue=v},... or JSON"},
      {"message-system-attributes", NULL, CLI_T_STRUCT_MAP, false,
       "AWSTraceHeader={DataType=String,StringValue=v} or JSON"},
      {"message-deduplication-id", NULL, CLI_T_STRING, false,
       "FIFO: deduplication id"},
      {"message-group-id", NULL, CLI_T_STRING, false, "FIFO: group id"}}},
    {"send-message-batch",
     "SendMessageBatch",
     "Send up to 10 messages.",
     {QUEUE_URL, ENTRIES("Id=..,MessageBody=..")}},
    {"receive-message",
     "ReceiveMessage",
     "Receive messages (long poll with --wait-time-seconds).",
     {QUEUE_URL,
      {"attribute-names", NULL, CLI_T_STRING_LIST, false,
       "system attributes to return (All, SentTimestamp, ...)"},
      {"message-system-attribute-names", NULL, CLI_T_STRING_LIST, false,
       "system attributes to return (All, SentTimestamp, ...)"},
      {"message-attribute-names", NULL, CLI_T_STRING_LIST, false,
       "message attributes to return (All, names, prefix.*)"},
      {"max-number-of-messages", NULL, CLI_T_INTEGER, false,
       "at most N messages (1-10, default 1)"},
      {"visibility-timeout", NULL, CLI_T_INTEGER, false,
       "hide the messages for N s (default: the queue's)"},
      {"wait-time-seconds", NULL, CLI_T_INTEGER, false,
       "wait up to N s (0-20) for a message"},
      {"receive-request-attempt-id", NULL, CLI_T_STRING, false,
       "FIFO: retry token"}}},
    {"delete-message",
     "DeleteMessage",
     "Delete a received message.",
     {QUEUE_URL,
      {"receipt-handle", NULL, CLI_T_STRING, true,
       "the ReceiptHandle of the receive"}}},
    {"delete-message-batch",
     "DeleteMessageBatch",
     "Delete up to 10 received messages.",
     {QUEUE_URL, ENTRIES("Id=..,ReceiptHandle=..")}},
    {"change-message-visibility",
     "ChangeMessageVisibility",
     "Change how long a received message stays hidden.",
     {QUEUE_URL,
      {"receipt-handle", NULL, CLI_T_STRING, true,
       "the ReceiptHandle of the receive"},
      {"visibility-timeout", NULL, CLI_T_INTEGER, true,
       "N s from now (0-43200)"}}},
    {"change-message-visibility-batch",
     "ChangeMessageVisibilityBatch",
     "Change the visibility of up to 10 received messages.",
     {QUEUE_URL, ENTRIES("Id=..,ReceiptHandle=..,VisibilityTimeout=..")}},
    {"list-dead-letter-source-queues",
     "ListDeadLetterSourceQueues",
     "Queues whose dead-letter queue this is.",
     {QUEUE_URL,
      {"next-token", NULL, CLI_T_STRING, false,
       "continue after a previous NextToken"},
      {"max-results", NULL, CLI_T_INTEGER, false, "at most N URLs (1-1000)"}},
     "queueUrls"},
    {"start-message-move-task",
     "StartMessageMoveTask",
     "Move messages from a dead-letter queue back (redrive).",
     {{"source-arn", NULL, CLI_T_STRING, true, "the dead-letter queue's ARN"},
      {"destination-arn", NULL, CLI_T_STRING, false,
       "where to (default: each message's source queue)"},
      {"max-number-of-messages-per-second", NULL, CLI_T_INTEGER, false,
       "rate limit (1-500)"}}},
    {"list-message-move-tasks",
     "ListMessageMoveTasks",
     "The move tasks of a dead-letter queue.",
     {{"source-arn", NULL, CLI_T_STRING, true, "the dead-letter queue's ARN"},
      {"max-results", NULL, CLI_T_INTEGER, false, "at most N tasks (1-10)"}}},
    {"cancel-message-move-task",
     "CancelMessageMoveTask",
     "Cancel a running move task.",
     {{"task-handle", NULL, CLI_T_STRING, true,
       "the TaskHandle StartMessageMoveTask returned"}}},
    {0},
};

const struct cli_sqs_op *cli_sqs_find(const char *name)
{
	for (const struct cli_sqs_op *op = sqs_ops; op->name; op++)
		if (strcmp(op->name, name) == 0)
			return op;
	return NULL;
}

/* ---- helpers ------------------------------------------------------------- */

static int fail(struct cli_sqs_error *e, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct cli_sqs_error *e, const char *name, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->name, sizeof e->name, "%s", name);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	return -1;
}

/* "queue-url" -> "QueueUrl" (out_size bytes). */
static void pascal(const char *option, char *out, size_t out_size)
{
	size_t n = 0;
	bool up = true;

	for (const char *p = option; *p != '\0' && n + 1 < out_size; p++) {
		if (*p == '-') {
			up = true;
			continue;
		}
		out[n++] = up ? (char)toupper((unsigned char)*p) : *p;
		up = false;
	}
	out[n] = '\0';
}

static void member_name(const struct cli_member *m, char *out, size_t out_size)
{
	if (m->member != NULL)
		snprintf(out, out_size, "%s", m->member);
	else
		pascal(m->option, out, out_size);
}

static bool has_member(const struct cli_sqs_op *op, const char *member)
{
	char name[96];

	for (const struct cli_member *m = op->members; m->option; m++) {
		member_name(m, name, sizeof name);
		if (strcmp(name, member) == 0)
			return true;
	}
	return false;
}

/* An operation that takes a queue URL accepts --queue-name instead. */
static bool takes_queue_name_alias(const struct cli_sqs_op *op)
{
	return has_member(op, "QueueUrl") && !has_member(op, "QueueName");
}

/* The text of a value: the argument, or the content of file://PATH.
 * Returns owned, or NULL with e filled. */
static char *value_text(const char *option, const char *arg,
			struct cli_sqs_error *e)
{
	if (strncmp(arg, "file://", 7) != 0) {
		char *t = strdup(arg);
		if (t == NULL)
			fail(e, "InternalFailure", "out of memory");
		return t;
	}
	const char *path = arg + 7;
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fail(e, "InvalidParameterValue", "--%s: cannot read '%s': %s",
		     option, path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(MAX_FILE_BYTES + 1);
	size_t n = buf != NULL ? fread(buf, 1, MAX_FILE_BYTES + 1, f) : 0;
	bool bad = ferror(f) != 0;
	fclose(f);
	if (buf == NULL || bad || n > MAX_FILE_BYTES) {
		free(buf);
		fail(e, "InvalidParameterValue",
		     "--%s: cannot read '%s' (or it is over %u bytes)", option,
		     path, MAX_FILE_BYTES);
		return NULL;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		free(buf);
		fail(e, "InvalidParameterValue",
		     "--%s: '%s' contains NUL bytes", option, path);
		return NULL;
	}
	return buf;
}

static json_t *parse_json(const char *option, const char *text,
			  struct cli_sqs_error *e)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);

	if (j == NULL)
		fail(e, "InvalidParameterValue",
		     "--%s: invalid JSON: %s (line %d column %d)", option,
		     jerr.text, jerr.line, jerr.column);
	return j;
}

static const char *type_word(enum cli_type t)
{
	switch (t) {
	case CLI_T_STRING:
		return "a string";
	case CLI_T_INTEGER:
		return "an integer";
	case CLI_T_BOOLEAN:
		return "true or false";
	case CLI_T_STRING_LIST:
		return "a list of strings";
	case CLI_T_STRING_MAP:
		return "a map of strings";
	case CLI_T_STRUCT_MAP:
		return "a map of structures";
	case CLI_T_STRUCT_LIST:
		return "a list of structures";
	case CLI_T_JSON:
		return "JSON";
	}
	return "?";
}

/* Do all members of the array or object v satisfy is (json_is_string,
 * json_is_object)? */
static bool all_members(json_t *v, int (*is)(const json_t *))
{
	const char *k;
	size_t i;
	json_t *x;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (!is(x))
				return false;
		}
		return true;
	}
	json_object_foreach(v, k, x)
	{
		if (!is(x))
			return false;
	}
	return true;
}

static int is_string(const json_t *v)
{
	return json_is_string(v);
}

static int is_object(const json_t *v)
{
	return json_is_object(v);
}

/* Does the JSON value v have the shape of type t? */
static bool json_fits(enum cli_type t, json_t *v)
{
	switch (t) {
	case CLI_T_STRING:
		return json_is_string(v);
	case CLI_T_INTEGER:
		return json_is_integer(v);
	case CLI_T_BOOLEAN:
		return json_is_boolean(v);
	case CLI_T_STRING_LIST:
		return json_is_array(v) && all_members(v, is_string);
	case CLI_T_STRING_MAP:
		return json_is_object(v) && all_members(v, is_string);
	case CLI_T_STRUCT_MAP:
		return json_is_object(v) && all_members(v, is_object);
	case CLI_T_STRUCT_LIST:
		return json_is_array(v) && all_members(v, is_object);
	case CLI_T_JSON:
		return true;
	}
	return false;
}

static json_t *expect_fits(const struct cli_member *m, json_t *v,
			   struct cli_sqs_error *e)
{
	if (v == NULL || json_fits(m->type, v))
		return v;
	json_decref(v);
	fail(e, "InvalidParameterValue", "--%s: expected %s%s", m->option,
	     type_word(m->type),
	     m->type == CLI_T_STRING_MAP
		 ? " (values are strings: \"60\", not 60; quote values with "
		   "commas or braces, or use JSON)"
		 : "");
	return NULL;
}

/* Split text at commas into strings appended to list. */
static int append_split(json_t *list, const char *option, const char *text,
			struct cli_sqs_error *e)
{
	const char *p = text;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		json_t *s = json_stringn(p, n);
		if (s == NULL || json_array_append_new(list, s) != 0)
			return fail(e, "InvalidParameterValue",
				    "--%s: value is not valid UTF-8", option);
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* The JSON value of member m from its n argument texts (n >= 1; list
 * types may have several). NULL with e filled. */
static json_t *convert(const struct cli_member *m, char **texts, int n,
		       struct cli_sqs_error *e)
{
	const char *t = texts[0];
	char sherr[256];
	json_t *v;

	switch (m->type) {
	case CLI_T_STRING:
		if ((v = json_string(t)) == NULL)
			fail(e, "InvalidParameterValue",
			     "--%s: value is not valid UTF-8", m->option);
		return v;
	case CLI_T_INTEGER: {
		char *end;
		errno = 0;
		long long x = strtoll(t, &end, 10);
		if (*t == '\0' || *end != '\0' || errno != 0) {
			fail(e, "InvalidParameterValue",
			     "--%s: '%s' is not an integer", m->option, t);
			return NULL;
		}
		return json_integer(x);
	}
	case CLI_T_BOOLEAN:
		if (strcasecmp(t, "true") == 0)
			return json_true();
		if (strcasecmp(t, "false") == 0)
			return json_false();
		fail(e, "InvalidParameterValue",
		     "--%s: '%s' is not true or false", m->option, t);
		return NULL;
	case CLI_T_STRING_LIST:
		if (n == 1 && t[0] == '[')
			return expect_fits(m, parse_json(m->option, t, e), e);
		if ((v = json_array()) == NULL) {
			fail(e, "InternalFailure", "out of memory");
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			if (append_split(v, m->option, texts[i], e) != 0) {
				json_decref(v);
				return NULL;
			}
		}
		return v;
	case CLI_T_STRING_MAP:
	case CLI_T_STRUCT_MAP:
		if (t[0] == '{')
			return expect_fits(m, parse_json(m->option, t, e), e);
		v = cli_shorthand_parse(
		    t, m->type == CLI_T_STRUCT_MAP ? struct_int_keys : NULL,
		    sherr, sizeof sherr);
		if (v == NULL) {
			fail(e, "InvalidParameterValue",
			     "--%s: bad shorthand (Key=Value,...): %s",
			     m->option, sherr);
			return NULL;
		}
		return expect_fits(m, v, e);
	case CLI_T_STRUCT_LIST:
		if (n == 1 && t[0] == '[')
			return expect_fits(m, parse_json(m->option, t, e), e);
		if ((v = json_array()) == NULL) {
			fail(e, "InternalFailure", "out of memory");
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			json_t *item;
			if (texts[i][0] == '{') {
				item = parse_json(m->option, texts[i], e);
			} else if ((item = cli_shorthand_parse(
					texts[i], struct_int_keys, sherr,
					sizeof sherr)) == NULL) {
				fail(e, "InvalidParameterValue",
				     "--%s: item %d: bad shorthand "
				     "(Key=Value,...): %s",
				     m->option, i + 1, sherr);
			}
			if (item == NULL) {
				json_decref(v);
				return NULL;
			}
			if (!json_is_object(item) ||
			    json_array_append_new(v, item) != 0) {
				if (!json_is_object(item))
					json_decref(item);
				json_decref(v);
				fail(e, "InvalidParameterValue",
				     "--%s: item %d is not a structure",
				     m->option, i + 1);
				return NULL;
			}
		}
		return v;
	case CLI_T_JSON:
		return parse_json(m->option, t, e);
	}
	return NULL;
}

static bool is_list_type(enum cli_type t)
{
	return t == CLI_T_STRING_LIST || t == CLI_T_STRUCT_LIST;
}

/* Check a --cli-input-json document against op's members (unknown
 * members and wrong shapes are errors, as with the AWS CLI). */
static int check_input_doc(const struct cli_sqs_op *op, json_t *doc,
			   struct cli_sqs_error *e)
{
	const char *key;
	json_t *v;
	char name[96];

	if (!json_is_object(doc))
		return fail(e, "InvalidParameterValue",
			    "--cli-input-json: expected a JSON object");
	json_object_foreach(doc, key, v)
	{
		const struct cli_member *m = op->members;
		for (; m->option; m++) {
			member_name(m, name, sizeof name);
			if (strcmp(name, key) == 0)
				break;
		}
		if (m->option == NULL)
			return fail(e, "InvalidParameterValue",
				    "--cli-input-json: unknown member '%s' "
				    "for %s",
				    key, op->name);
		if (!json_fits(m->type, v))
			return fail(e, "InvalidParameterValue",
				    "--cli-input-json: %s: expected %s", key,
				    type_word(m->type));
	}
	return 0;
}

/* ---- the mapping --------------------------------------------------------- */

int cli_sqs_build(const struct cli_sqs_op *op, int argc, char *const *argv,
		  json_t **input, const char **queue_name,
		  struct cli_sqs_error *e)
{
	json_t *doc = NULL, *opts = json_object();
	bool alias = takes_queue_name_alias(op);
	char name[96];
	int rc = -1;

	*input = NULL;
	*queue_name = NULL;
	if (opts == NULL)
		return fail(e, "InternalFailure", "out of memory");
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			fail(e, "InvalidParameterValue",
			     "unexpected argument '%s'", arg);
			goto out;
		}
		const char *opt = arg + 2, *eq = strchr(opt, '=');
		size_t olen = eq ? (size_t)(eq - opt) : strlen(opt);
		const struct cli_member *m = op->members;
		for (; m->option; m++)
			if (strlen(m->option) == olen &&
			    strncmp(m->option, opt, olen) == 0)
				break;
		bool is_input =
		    olen == 14 && strncmp(opt, "cli-input-json", 14) == 0;
		bool is_qname =
		    alias && olen == 10 && strncmp(opt, "queue-name", 10) == 0;
		if (m->option == NULL && !is_input && !is_qname) {
			fail(e, "InvalidParameterValue",
			     "unknown option '--%.*s' for %s", (int)olen, opt,
			     op->name);
			goto out;
		}
		/* The values: "--opt=V", or the next argument, or (lists)
		 * every argument up to the next option. */
		char *const *vals = NULL;
		const char *inline_val[1];
		int n = 0;
		if (eq != NULL) {
			inline_val[0] = eq + 1;
			vals = (char *const *)inline_val;
			n = 1;
		} else {
			vals = argv + i + 1;
			while (i + 1 + n < argc &&
			       strncmp(argv[i + 1 + n], "--", 2) != 0 &&
			       (n == 0 || (m->option && is_list_type(m->type))))
				n++;
			i += n;
		}
		if (n == 0) {
			fail(e, "MissingParameter", "--%.*s needs a value",
			     (int)olen, opt);
			goto out;
		}
		char *texts[n];
		memset(texts, 0, sizeof texts);
		json_t *v = NULL;
		bool ok = true;
		for (int k = 0; k < n && ok; k++)
			ok = (texts[k] = value_text(
				  m->option ? m->option
					    : (is_input ? "cli-input-json"
							: "queue-name"),
				  vals[k], e)) != NULL;
		if (ok && is_input) {
			if (doc != NULL) {
				fail(e, "InvalidParameterValue",
				     "--cli-input-json given twice");
			} else if ((doc = parse_json("cli-input-json", texts[0],
						     e)) != NULL &&
				   check_input_doc(op, doc, e) != 0) {
				json_decref(doc);
				doc = NULL;
			}
			ok = doc != NULL;
		} else if (ok && is_qname) {
			if (*queue_name != NULL) {
				fail(e, "InvalidParameterValue",
				     "--queue-name given twice");
				ok = false;
			} else {
				/* Borrowed from argv (file:// not applied: a
				 * queue name is never a file). */
				*queue_name = vals[0];
			}
		} else if (ok) {
			member_name(m, name, sizeof name);
			if (json_object_get(opts, name) != NULL) {
				fail(e, "InvalidParameterValue",
				     "--%s given twice", m->option);
				ok = false;
			} else if ((v = convert(m, texts, n, e)) == NULL ||
				   json_object_set_new(opts, name, v) != 0) {
				ok = false;
			}
		}
		for (int k = 0; k < n; k++)
			free(texts[k]);
		if (!ok)
			goto out;
	}

	/* Options override --cli-input-json, member by member. */
	if (doc == NULL && (doc = json_object()) == NULL) {
		fail(e, "InternalFailure", "out of memory");
		goto out;
	}
	if (json_object_update(doc, opts) != 0) {
		fail(e, "InternalFailure", "out of memory");
		goto out;
	}
	if (*queue_name != NULL && json_object_get(doc, "QueueUrl") != NULL) {
		fail(e, "InvalidParameterValue",
		     "give --queue-url or --queue-name, not both");
		goto out;
	}
	for (const struct cli_member *m = op->members; m->option; m++) {
		member_name(m, name, sizeof name);
		if (!m->required || json_object_get(doc, name) != NULL)
			continue;
		if (strcmp(name, "QueueUrl") == 0 && *queue_name != NULL)
			continue;
		if (strcmp(name, "QueueUrl") == 0 && alias)
			fail(e, "MissingParameter",
			     "--queue-url (or --queue-name) is required");
		else
			fail(e, "MissingParameter", "--%s is required",
			     m->option);
		goto out;
	}
	*input = doc;
	doc = NULL;
	rc = 0;
out:
	if (rc != 0)
		*queue_name = NULL;
	json_decref(doc);
	json_decref(opts);
	return rc;
}

/* ---- help ---------------------------------------------------------------- */

static const char *type_metavar(enum cli_type t)
{
	switch (t) {
	case CLI_T_STRING:
		return "S";
	case CLI_T_INTEGER:
		return "N";
	case CLI_T_BOOLEAN:
		return "true|false";
	case CLI_T_STRING_LIST:
		return "S [S ...]";
	case CLI_T_STRING_MAP:
		return "K=V,...|JSON";
	case CLI_T_STRUCT_MAP:
		return "K={k=v,..},...|JSON";
	case CLI_T_STRUCT_LIST:
		return "k=v,.. [k=v,.. ...]|JSON";
	case CLI_T_JSON:
		return "JSON";
	}
	return "?";
}

static void help_ops(FILE *f)
{
	fprintf(f, "usage: stratus sqs OPERATION [OPTIONS]\n\n"
		   "Amazon SQS-compatible queues; operations and options "
		   "as in 'aws sqs'.\n\nOperations:\n");
	for (const struct cli_sqs_op *op = sqs_ops; op->name; op++)
		fprintf(f, "  %-32s %s\n", op->name, op->summary);
	fprintf(
	    f, "\nSee 'stratus sqs OPERATION --help' for its options.\n"
	       "Output: the response document as JSON, or the AWS CLI's text "
	       "format with\n--output text (nothing when it is empty); "
	       "errors: {\"Error\":{\"Name\",\"Message\"}}\non stderr, "
	       "exit status 254 for an error the cluster answered, 252 for a "
	       "usage\nerror, 255 otherwise (no answer), as the AWS CLI v2.\n");
}

static void help_op(FILE *f, const struct cli_sqs_op *op)
{
	char name[96], flag[96];

	fprintf(f, "usage: stratus sqs %s", op->name);
	for (const struct cli_member *m = op->members; m->option; m++)
		fprintf(f, " %s--%s%s", m->required ? "" : "[", m->option,
			m->required ? "" : "]");
	fprintf(f, " [--cli-input-json JSON]\n\n%s (SQS %s)\n\nOptions:\n",
		op->summary, op->action);
	for (const struct cli_member *m = op->members; m->option; m++) {
		member_name(m, name, sizeof name);
		snprintf(flag, sizeof flag, "--%s %s", m->option,
			 type_metavar(m->type));
		if (strlen(flag) > 30)
			fprintf(f, "  %s\n  %-30s", flag, "");
		else
			fprintf(f, "  %-30s", flag);
		fprintf(f, " %s: %s%s\n", name, m->help,
			m->required ? " (required)" : "");
	}
	if (takes_queue_name_alias(op))
		fprintf(f, "  %-30s %s\n", "--queue-name S",
			"instead of --queue-url: resolved with GetQueueUrl");
	fprintf(f, "  %-30s %s\n", "--cli-input-json JSON",
		"the request document; options override its members");
	fprintf(f, "  %-30s %s\n", "--generate-cli-skeleton",
		"print a template for --cli-input-json and exit");
	if (op->page_result != NULL)
		fprintf(f,
			"\nPaginated: all pages are fetched and merged "
			"unless --no-paginate (or\n--next-token / "
			"--max-results) is given.\n"
			"  %-30s %s\n  %-30s %s\n  %-30s %s\n  %-30s %s\n",
			"--no-paginate", "only the first page, as returned",
			"--page-size N", "MaxResults of each call",
			"--max-items N",
			"stop after N items; prints a NextToken",
			"--starting-token T", "resume from that NextToken");
	fprintf(f,
		"\nA value 'file://PATH' is read from PATH. Global "
		"options (anywhere on the line,\nbefore 'sqs' too): "
		"--output json|text, --query JMESPATH, --no-paginate,\n"
		"--endpoints A,B,C, --timeout-ms N (see 'stratus --help').\n");
}

/* ---- running ------------------------------------------------------------- */

/* Print err and return its exit status: the cluster's own answers
 * (service errors, refusals, access denied) are 254 like the AWS CLI's
 * service errors; no answer at all (timeout, no node reachable) or a local
 * failure 255. */
static int fail_err(const st_error *err)
{
	cli_json_fail_err(err);
	switch (err->code) {
	case ST_ERR_TIMEOUT:
	case ST_ERR_CONNECTION:
	case ST_ERR_INTERNAL:
		return CLI_SQS_EXIT_OTHER;
	default:
		return CLI_SQS_EXIT_SERVICE;
	}
}

/* Resolve a queue name to its URL with GetQueueUrl and set QueueUrl. */
static int resolve_queue_url(st_client *c, const char *queue_name,
			     json_t *input)
{
	char *in, *out = NULL;
	st_error err;
	json_error_t jerr;

	json_t *req = json_pack("{s:s}", "QueueName", queue_name);
	if (req == NULL)
		return cli_json_fail("InvalidParameterValue",
				     "--queue-name: not valid UTF-8");
	in = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (in == NULL)
		return cli_json_fail("InternalFailure", "out of memory");
	int rc = st_sqs_get_queue_url(c, in, &out, &err);
	free(in);
	if (rc != 0)
		return fail_err(&err);
	json_t *resp = json_loads(out, 0, &jerr);
	st_free(out);
	json_t *url = json_object_get(resp, "QueueUrl");
	if (!json_is_string(url)) {
		json_decref(resp);
		return cli_json_fail("SerializationException",
				     "GetQueueUrl for --queue-name '%s': no "
				     "QueueUrl in the response",
				     queue_name);
	}
	json_object_set(input, "QueueUrl", url);
	json_decref(resp);
	return 0;
}

/* How the response is shown: the AWS CLI's global options (cli_globals)
 * and the paging options of this operation. */
struct cli_out {
	bool text;		      /* --output text */
	const char *query_src;	      /* --query (borrowed from argv) */
	const struct jmespath *query; /* compiled --query (borrowed); NULL */
	struct cli_paging paging;     /* paginated operations */
	const char *paging_arg;	      /* the first paging option given */
};

/* One call of op with input (borrowed): 0 with *doc owned, else an exit
 * status (the error printed). */
static int call_op(st_client *c, const struct cli_sqs_op *op, json_t *input,
		   json_t **doc)
{
	st_error err;
	char *in, *out = NULL;
	json_error_t jerr;

	if ((in = json_dumps(input, JSON_COMPACT)) == NULL)
		return cli_json_fail("InternalFailure", "out of memory");
	int rc = st_call(c, "sqs", op->action, in, &out, &err);
	free(in);
	if (rc != 0)
		return fail_err(&err);
	*doc = json_loads(out, JSON_DECODE_ANY, &jerr);
	st_free(out);
	if (*doc == NULL)
		return cli_json_fail("SerializationException",
				     "sqs %s: the response is not JSON: %s",
				     op->action, jerr.text);
	return 0;
}

/* Print doc (taken) as o says: --query first, then the format. Like aws,
 * a result that is an empty object prints nothing in JSON. */
static int print_doc(json_t *doc, const struct cli_out *o)
{
	if (o->query != NULL) {
		char msg[JMESPATH_ERRMSG_SIZE];
		json_t *r;
		int rc = jmespath_search(o->query, doc, &r, msg, sizeof msg);
		json_decref(doc);
		if (rc != 0) {
			cli_json_fail("InvalidQuery", "--query %s: %s",
				      o->query_src, msg);
			return CLI_SQS_EXIT_OTHER;
		}
		doc = r;
	}
	if (json_is_object(doc) && json_object_size(doc) == 0) {
		json_decref(doc);
		return CLI_EXIT_OK;
	}
	if (o->text) {
		cli_text_write(doc, stdout);
		json_decref(doc);
		return fflush(stdout) == 0
			   ? CLI_EXIT_OK
			   : cli_json_fail("InternalFailure",
					   "write stdout failed");
	}
	return cli_json_print_indent(doc, 4);
}

struct page_ctx {
	st_client *c;
	const struct cli_sqs_op *op;
};

static int fetch_page(void *ctx, json_t *request, json_t **page)
{
	struct page_ctx *pc = ctx;
	int status = call_op(pc->c, pc->op, request, page);
	if (status == 0 && !json_is_object(*page)) {
		json_decref(*page);
		return cli_json_fail("SerializationException",
				     "sqs %s: the response is not an object",
				     pc->op->action);
	}
	return status;
}

/* All the pages of a paginated operation, printed like aws: in JSON one
 * merged document; in text each page on its own (--query applied to
 * each), then a NEXTTOKEN line when --max-items stopped early. */
static int run_paged(st_client *c, const struct cli_sqs_op *op, json_t *input,
		     const struct cli_out *o)
{
	struct page_ctx pc = {c, op};
	json_t *pages, *page;
	char *resume;
	size_t i;
	int status = cli_paging_run(&o->paging, op->page_result, input,
				    fetch_page, &pc, &pages, &resume);
	if (status != 0)
		return status;
	if (!o->text) {
		json_t *full = cli_paging_merge(pages, op->page_result, resume);
		json_decref(pages);
		free(resume);
		if (full == NULL)
			return cli_json_fail("InternalFailure",
					     "out of memory");
		return print_doc(full, o);
	}
	json_array_foreach(pages, i, page)
	{
		if ((status = print_doc(json_incref(page), o)) != 0)
			break;
	}
	json_decref(pages);
	if (status == 0 && resume != NULL) {
		/* As aws: a document of its own, --query applied too. */
		json_t *t =
		    json_pack("{s:{s:s}}", "NextToken", "NextToken", resume);
		status = t ? print_doc(t, o)
			   : cli_json_fail("InternalFailure", "out of memory");
	}
	free(resume);
	return status;
}

/* Paging is on unless the operation has none, --no-paginate, or the
 * request sets the server's own paging members (--next-token,
 * --max-results), as in the AWS CLI. */
static bool paginates(const struct cli_sqs_op *op, const json_t *input,
		      const struct cli_out *o)
{
	return op->page_result != NULL && !o->paging.no_paginate &&
	       json_object_get(input, "NextToken") == NULL &&
	       json_object_get(input, "MaxResults") == NULL;
}

static int run_op(const struct cli_sqs_op *op, cli_client_fn client, void *ctx,
		  json_t *input, const char *queue_name,
		  const struct cli_out *o)
{
	int status = 0;
	json_t *doc;

	st_client *c = client(ctx, &status);
	if (c == NULL)
		return status;
	if (queue_name != NULL &&
	    (status = resolve_queue_url(c, queue_name, input)) != 0)
		return status;
	if (paginates(op, input, o))
		return run_paged(c, op, input, o);
	if ((status = call_op(c, op, input, &doc)) != 0)
		return status;
	return print_doc(doc, o);
}

/* A positive integer option value; false if v is not one. */
static bool parse_count(const char *v, long long *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n <= 0)
		return false;
	*out = n;
	return true;
}

/* Take the paging options of a paginated op (--max-items,
 * --starting-token, --page-size; cli_paging.h) out of argv (in place;
 * *argc shrinks); for any other op they stay, and are unknown options. 0
 * with o->paging and o->paging_arg set, or -1 with e filled: no value, a
 * count that is not a positive integer. */
static int take_paging(const struct cli_sqs_op *op, int *argc, char **argv,
		       struct cli_out *o, struct cli_sqs_error *e)
{
	static const char *const names[] = {"--max-items", "--starting-token",
					    "--page-size"};
	int i, o_argc = 1;

	for (i = 1; i < *argc; i++) {
		const char *v = NULL;
		int which = -1;

		for (int k = 0; k < 3 && op->page_result != NULL; k++) {
			size_t n = strlen(names[k]);
			if (strncmp(argv[i], names[k], n) == 0 &&
			    (argv[i][n] == '\0' || argv[i][n] == '=')) {
				which = k;
				v = argv[i][n] == '=' ? argv[i] + n + 1 : NULL;
				break;
			}
		}
		if (which < 0) {
			argv[o_argc++] = argv[i];
			continue;
		}
		if (v == NULL) {
			if (i + 1 >= *argc)
				return fail(e, "MissingParameter",
					    "%s: expected a value",
					    names[which]);
			v = argv[++i];
		}
		if (o->paging_arg == NULL)
			o->paging_arg = names[which];
		if (which == 1) {
			o->paging.starting_token = v;
		} else if (!parse_count(v, which == 0 ? &o->paging.max_items
						      : &o->paging.page_size)) {
			return fail(e, "InvalidParameterValue",
				    "%s: '%.100s' is not a positive integer",
				    names[which], v);
		}
	}
	*argc = o_argc;
	return 0;
}

/* --generate-cli-skeleton: a request document with every member and a
 * placeholder of its type, to fill in and pass to --cli-input-json. */
static int print_skeleton(const struct cli_sqs_op *op)
{
	json_t *doc = json_object();
	char name[96];

	for (const struct cli_member *m = op->members; doc && m->option; m++) {
		json_t *v = NULL;
		switch (m->type) {
		case CLI_T_STRING:
			v = json_string("");
			break;
		case CLI_T_INTEGER:
			v = json_integer(0);
			break;
		case CLI_T_BOOLEAN:
			v = json_true();
			break;
		case CLI_T_STRING_LIST:
			v = json_pack("[s]", "");
			break;
		case CLI_T_STRING_MAP:
			v = json_pack("{s:s}", "KeyName", "");
			break;
		case CLI_T_STRUCT_MAP:
			v = json_pack("{s:{}}", "KeyName");
			break;
		case CLI_T_STRUCT_LIST:
			v = json_pack("[{}]");
			break;
		case CLI_T_JSON:
			v = json_object();
			break;
		}
		member_name(m, name, sizeof name);
		json_object_set_new(doc, name, v);
	}
	return cli_json_print_indent(doc, 4);
}

/* The AWS CLI v2's exit statuses (cli_sqs.h) from the CLI's own: usage
 * errors 252, other failures 255; 254 (service) passes through. */
static int aws_status(int status)
{
	switch (status) {
	case CLI_EXIT_OK:
		return CLI_EXIT_OK;
	case CLI_EXIT_USAGE:
		return CLI_SQS_EXIT_USAGE;
	case CLI_SQS_EXIT_SERVICE:
	case CLI_SQS_EXIT_OTHER:
		return status;
	default:
		return CLI_SQS_EXIT_OTHER;
	}
}

static int sqs_main(cli_client_fn client, void *ctx, int argc, char **argv,
		    const struct cli_globals *g);

int cli_sqs_main(cli_client_fn client, void *ctx, int argc, char **argv,
		 const struct cli_globals *g)
{
	return aws_status(sqs_main(client, ctx, argc, argv, g));
}

static int sqs_main(cli_client_fn client, void *ctx, int argc, char **argv,
		    const struct cli_globals *g)
{
	const struct cli_sqs_op *op = argc >= 1 ? cli_sqs_find(argv[0]) : NULL;
	char help_cmd[96];

	snprintf(help_cmd, sizeof help_cmd, "sqs %s%s", op ? op->name : "",
		 op ? " " : "");
	/* A malformed global option, wherever it was on the line. */
	if (g->error.name[0] != '\0')
		return cli_json_usage(g->error.name, help_cmd, "%s",
				      g->error.message);
	if (argc < 1 || strcmp(argv[0], "help") == 0) {
		help_ops(g->help || argc >= 1 ? stdout : stderr);
		return g->help || argc >= 1 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	if (op == NULL)
		return cli_json_usage("InvalidAction", "sqs ",
				      "unknown operation 'sqs %s'", argv[0]);
	if (g->help) {
		help_op(stdout, op);
		return CLI_EXIT_OK;
	}
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--generate-cli-skeleton") == 0)
			return print_skeleton(op);

	json_t *input;
	const char *queue_name;
	struct cli_sqs_error e;
	struct cli_out o = {.text = g->text,
			    .query_src = g->query_src,
			    .query = g->query,
			    .paging = {.no_paginate = g->no_paginate}};
	if (take_paging(op, &argc, argv, &o, &e) != 0 ||
	    cli_sqs_build(op, argc - 1, argv + 1, &input, &queue_name, &e) != 0)
		return cli_json_usage(e.name, help_cmd, "%s", e.message);
	/* As aws: paging options make no sense when paging is off. */
	if (o.paging_arg != NULL &&
	    (o.paging.no_paginate || !paginates(op, input, &o))) {
		json_decref(input);
		return cli_json_usage(
		    "InvalidParameterValue", help_cmd,
		    "Cannot specify --no-paginate (or --next-token, "
		    "--max-results) along with pagination arguments: %s",
		    o.paging_arg);
	}
	int status = run_op(op, client, ctx, input, queue_name, &o);
	json_decref(input);
	return status;
}
