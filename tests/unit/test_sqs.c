/* Unit tests of the SQS service (broker/sqs*.c) through its service.h
 * interface: queues, attributes, messages, visibility with simulated time,
 * FIFO, dead-letter queues, digests (MD5/SHA-256 vectors), determinism,
 * snapshots (round trip and hostile input) and a model-based property
 * test of a standard queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsondoc.h"
#include "sqs.h"
#include "sqs_int.h"

#define URL "http://n1:7003/000000000000/"
#define T0  1700000000000ULL

struct wakes {
	int n;
	char last[SERVICE_WAIT_KEY_SIZE];
	unsigned last_count; /* waiters the last wake asked for, 0 = all */
};

static void wake_cb(void *ctx, const char *key, unsigned count)
{
	struct wakes *w = ctx;

	w->n++;
	w->last_count = count;
	snprintf(w->last, sizeof(w->last), "%s", key);
}

struct fx {
	struct service *svc;
	struct wakes wakes;
	struct service_result r;
	json_t *out;
	json_t *ctx;	    /* the last write's context */
	uint64_t seed;	    /* deterministic "random" contexts when nonzero */
	uint32_t waited_ms; /* what prepare is told the caller waited */
	unsigned renders_checked; /* check_render calls */
	json_t *stored;		  /* the last write's stored output */
};

static struct service *new_svc(struct wakes *w)
{
	struct service_env env = {.region = "us-east-1",
				  .account_id = "000000000000",
				  .wake = wake_cb,
				  .wake_ctx = w};
	struct service *s = sqs_service_new(&env);

	assert_non_null(s);
	assert_string_equal(s->name, "sqs");
	return s;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->svc = new_svc(&f->wakes);
	*state = f;
	return 0;
}

static void fx_reset(struct fx *f)
{
	json_decref(f->out);
	json_decref(f->ctx);
	json_decref(f->stored);
	f->out = NULL;
	f->ctx = NULL;
	f->stored = NULL;
	memset(&f->r, 0, sizeof(f->r));
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fx_reset(f);
	f->svc->destroy(f->svc);
	free(f);
	return 0;
}

/* Replace random values prepare made by ones derived from f->seed, so two
 * services can be fed the same contexts (what the log does). */
static void derandomize(struct fx *f, json_t *ctx)
{
	json_t *ids = json_object_get(ctx, "MessageIds");
	size_t i;
	char b[64];

	if (f->seed == 0) {
		return;
	}
	for (i = 0; i < json_array_size(ids); i++) {
		f->seed = u64_mix(f->seed + 1);
		snprintf(b, sizeof(b), "%08llx-0000-4000-8000-%012llx",
			 (unsigned long long)(f->seed >> 32),
			 (unsigned long long)(f->seed & 0xffffffffffffULL));
		json_array_set_new(ids, i, json_string(b));
	}
	if (json_object_get(ctx, "ReceiptNonce")) {
		f->seed = u64_mix(f->seed + 1);
		snprintf(b, sizeof(b), "%016llx%016llx",
			 (unsigned long long)f->seed,
			 (unsigned long long)u64_mix(f->seed));
		json_object_set_new(ctx, "ReceiptNonce", json_string(b));
	}
}

/* The printed form of r's output (jsondoc_dump's, which the node sends):
 * an output_text must be exactly that form of the document it holds. Also
 * turns an output_text into r->output, for the tests to look into. */
static char *output_printed(struct service_result *r)
{
	char *text;

	if (r->output_text != NULL) {
		assert_null(r->output);
		r->output =
		    jsondoc_parse(r->output_text, strlen(r->output_text));
		assert_non_null(r->output);
		text = jsondoc_dump(r->output, NULL);
		assert_string_equal(text, r->output_text);
		free(r->output_text);
		r->output_text = NULL;
		return text;
	}
	return r->output != NULL ? jsondoc_dump(r->output, NULL) : NULL;
}

/* Every stored output (service.h) renders back to the output apply gave,
 * byte for byte, as long as nothing changed in between. */
static void check_render(struct fx *f, uint64_t now)
{
	struct service_result rr = {0};
	char *a, *b;

	assert_non_null(f->svc->render);
	assert_int_equal(f->svc->render(f->svc->state, f->r.stored, now, &rr),
			 SERVICE_OK);
	a = output_printed(&f->r);
	b = output_printed(&rr);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(rr.output);
	f->stored = f->r.stored;
	f->r.stored = NULL;
	f->renders_checked++;
}

static enum service_status call_ex(struct fx *f, const char *action,
				   const char *input, uint64_t now,
				   const char *extra_ctx)
{
	json_error_t err;
	json_t *in = json_loads(input, 0, &err);
	enum service_status st;
	enum service_action_kind k = f->svc->action_kind(action);

	if (in == NULL) {
		fail_msg("bad test json: %s: %s", input, err.text);
	}
	fx_reset(f);
	f->ctx = json_pack("{s:s}", "Endpoint", "http://n1:7003");
	if (extra_ctx != NULL) {
		json_t *x = json_loads(extra_ctx, 0, NULL);

		json_object_update(f->ctx, x);
		json_decref(x);
	}
	if (k == SERVICE_ACTION_READ) {
		st =
		    f->svc->read(f->svc->state, action, in, f->ctx, now, &f->r);
	} else {
		assert_int_equal(k, SERVICE_ACTION_WRITE);
		st = f->svc->prepare(f->svc->state, action, in, f->ctx, now,
				     f->waited_ms, &f->r);
		if (st == SERVICE_OK) {
			derandomize(f, f->ctx);
			st = f->svc->apply(f->svc->state, action, in, f->ctx,
					   now, &f->r);
		}
		if (f->r.stored != NULL) {
			check_render(f, now);
		}
	}
	free(output_printed(&f->r));
	f->out = f->r.output;
	json_decref(in);
	return st;
}

static enum service_status call(struct fx *f, const char *action,
				const char *input, uint64_t now)
{
	return call_ex(f, action, input, now, NULL);
}

static void ok(struct fx *f, const char *action, const char *input,
	       uint64_t now)
{
	enum service_status st = call(f, action, input, now);

	if (st != SERVICE_OK) {
		fail_msg("%s %s: %d %s %s", action, input, st,
			 f->r.error_code ? f->r.error_code : "",
			 f->r.error_message);
	}
	assert_non_null(f->out);
}

static void err(struct fx *f, const char *action, const char *input,
		uint64_t now, const char *code)
{
	enum service_status st = call(f, action, input, now);

	if (st != SERVICE_ERROR || strcmp(f->r.error_code, code) != 0) {
		fail_msg("%s %s: want %s, got %d %s %s", action, input, code,
			 st, f->r.error_code ? f->r.error_code : "(none)",
			 f->r.error_message);
	}
}

static const char *sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	if (s == NULL) {
		fail_msg("no string %s", k);
		return ""; /* not reached (cmocka does not say so to GCC) */
	}
	return s;
}

static const char *qattr(struct fx *f, const char *q, const char *name,
			 uint64_t now)
{
	static char buf[512];
	char in[256];

	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "%s\",\"AttributeNames\":[\"%s\"]}", q,
		 name);
	ok(f, "GetQueueAttributes", in, now);
	snprintf(buf, sizeof(buf), "%s",
		 sget(json_object_get(f->out, "Attributes"), name));
	return buf;
}

static void send_body(struct fx *f, const char *q, const char *body,
		      uint64_t now)
{
	char in[512];

	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "%s\",\"MessageBody\":\"%s\"}", q,
		 body);
	ok(f, "SendMessage", in, now);
}

/* Receive up to max; returns the Messages array (borrowed from f->out). */
static json_t *recv_n(struct fx *f, const char *q, int max, uint64_t now)
{
	char in[512];
	json_t *m;

	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "%s\",\"MaxNumberOfMessages\":%d,"
		 "\"AttributeNames\":[\"All\"]}",
		 q, max);
	ok(f, "ReceiveMessage", in, now);
	m = json_object_get(f->out, "Messages");
	return m;
}

/* ---------------- digests ---------------- */

/* sqs_unhex: both cases, every digit, nothing else (receipt handles). */
static void test_unhex(void **state)
{
	uint8_t out[11];
	char bad[3] = "00";
	int c;

	(void)state;
	assert_int_equal(sqs_unhex("0123456789abcdefABCDEF", 11, out), 0);
	assert_memory_equal(out, "\x01\x23\x45\x67\x89\xab\xcd\xef\xAB\xCD\xEF",
			    11);
	for (c = 1; c < 256; c++) {
		bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F');

		bad[0] = (char)c;
		assert_int_equal(sqs_unhex(bad, 1, out), digit ? 0 : -1);
		bad[0] = '0';
		bad[1] = (char)c;
		assert_int_equal(sqs_unhex(bad, 1, out), digit ? 0 : -1);
		bad[1] = '0';
	}
}

static void test_md5_sha(void **state)
{
	char h[65];
	struct service_result r = {0};
	json_t *a, *norm;
	size_t size = 0;

	(void)state;
	sqs_md5_hex("", 0, h);
	assert_string_equal(h, "d41d8cd98f00b204e9800998ecf8427e");
	sqs_md5_hex("hello", 5, h);
	assert_string_equal(h, "5d41402abc4b2a76b9719d911017c592");
	sqs_md5_hex("The quick brown fox jumps over the lazy dog", 43, h);
	assert_string_equal(h, "9e107d9d372bb6826bd81d3542a419d6");
	sqs_sha256_hex("abc", 3, h);
	assert_string_equal(
	    h,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sqs_sha256_hex("", 0, h);
	assert_string_equal(
	    h,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sqs_sha256_hex(
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	assert_string_equal(
	    h,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* MD5OfMessageAttributes vectors published with AWS SDK-checked
	 * implementations. */
	a = json_loads("{\"SellerName\":{\"DataType\":\"String\","
		       "\"StringValue\":\"Example Store\"}}",
		       0, NULL);
	assert_int_equal(
	    sqs_msg_attrs_check(a, "MessageAttributes", &norm, h, &size, &r),
	    0);
	assert_string_equal(h, "cd28f3b68aeee4b2eac9c66f2f694b58");
	json_decref(a);
	json_decref(norm);
	a = json_loads("{\"ordinal\":{\"DataType\":\"Number\",\"StringValue\":"
		       "\"1\"},\"category\":{\"DataType\":\"String\","
		       "\"StringValue\":\"test\"}}",
		       0, NULL);
	assert_int_equal(
	    sqs_msg_attrs_check(a, "MessageAttributes", &norm, h, &size, &r),
	    0);
	assert_string_equal(h, "d21ae90c49061e927f57df5f5d72be1f");
	json_decref(a);
	json_decref(norm);
}

static void test_base64(void **state)
{
	size_t n;
	uint8_t *b;

	(void)state;
	b = sqs_base64_decode("aGVsbG8=", 8, &n);
	assert_non_null(b);
	assert_int_equal(n, 5);
	assert_memory_equal(b, "hello", 5);
	free(b);
	assert_null(sqs_base64_decode("aGVsbG8", 7, &n));
	assert_null(sqs_base64_decode("a=Vs", 4, &n));
	assert_null(sqs_base64_decode("aG!s", 4, &n));
}

/* ---------------- queues ---------------- */

static void test_create_queue(void **state)
{
	struct fx *f = *state;

	ok(f, "CreateQueue", "{\"QueueName\":\"orders\"}", T0);
	assert_string_equal(sget(f->out, "QueueUrl"), URL "orders");
	/* Idempotent with the same attributes, error with others. */
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"orders\",\"Attributes\":{\"VisibilityTimeout\":"
	   "\"30\"}}",
	   T0 + 1);
	err(f, "CreateQueue",
	    "{\"QueueName\":\"orders\",\"Attributes\":{\"VisibilityTimeout\":"
	    "\"31\"}}",
	    T0 + 1, "QueueAlreadyExists");
	err(f, "CreateQueue", "{}", T0, "MissingParameter");
	err(f, "CreateQueue", "{\"QueueName\":\"bad name\"}", T0,
	    "InvalidParameterValue");
	err(f, "CreateQueue", "{\"QueueName\":\"\"}", T0,
	    "InvalidParameterValue");
	{
		char in[200], name[82];

		memset(name, 'a', 81);
		name[81] = '\0';
		snprintf(in, sizeof(in), "{\"QueueName\":\"%s\"}", name);
		err(f, "CreateQueue", in, T0, "InvalidParameterValue");
		name[80] = '\0';
		snprintf(in, sizeof(in), "{\"QueueName\":\"%s\"}", name);
		ok(f, "CreateQueue", in, T0);
	}
	/* .fifo iff FifoQueue=true. */
	err(f, "CreateQueue", "{\"QueueName\":\"x.fifo\"}", T0,
	    "InvalidParameterValue");
	err(f, "CreateQueue",
	    "{\"QueueName\":\"x\",\"Attributes\":{\"FifoQueue\":\"true\"}}", T0,
	    "InvalidParameterValue");
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"x.fifo\",\"Attributes\":{\"FifoQueue\":\"true\"}}",
	   T0);
	/* Attribute ranges. */
	err(f, "CreateQueue",
	    "{\"QueueName\":\"y\",\"Attributes\":{\"VisibilityTimeout\":"
	    "\"43201\"}}",
	    T0, "InvalidAttributeValue");
	err(f, "CreateQueue",
	    "{\"QueueName\":\"y\",\"Attributes\":{\"MessageRetentionPeriod\":"
	    "59}}",
	    T0, "InvalidAttributeValue");
	err(f, "CreateQueue",
	    "{\"QueueName\":\"y\",\"Attributes\":{\"MaximumMessageSize\":"
	    "\"1023\"}}",
	    T0, "InvalidAttributeValue");
	err(f, "CreateQueue",
	    "{\"QueueName\":\"y\",\"Attributes\":{\"DelaySeconds\":\"901\"}}",
	    T0, "InvalidAttributeValue");
	err(f, "CreateQueue",
	    "{\"QueueName\":\"y\",\"Attributes\":{"
	    "\"ReceiveMessageWaitTimeSeconds\":\"21\"}}",
	    T0, "InvalidAttributeValue");
	err(f, "CreateQueue",
	    "{\"QueueName\":\"y\",\"Attributes\":{\"Bogus\":\"1\"}}", T0,
	    "InvalidAttributeName");
	err(f, "CreateQueue",
	    "{\"QueueName\":\"y\",\"Attributes\":{"
	    "\"ContentBasedDeduplication\":\"true\"}}",
	    T0, "InvalidAttributeName");
	err(f, "CreateQueue",
	    "{\"QueueName\":\"z.fifo\",\"Attributes\":{\"FifoQueue\":\"true\","
	    "\"FifoThroughputLimit\":\"perMessageGroupId\"}}",
	    T0, "InvalidAttributeValue");
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"z.fifo\",\"Attributes\":{\"FifoQueue\":\"true\","
	   "\"FifoThroughputLimit\":\"perMessageGroupId\","
	   "\"DeduplicationScope\":\"messageGroup\"}}",
	   T0);
}

static void test_delete_get_list(void **state)
{
	struct fx *f = *state;
	json_t *urls;

	ok(f, "CreateQueue", "{\"QueueName\":\"a1\"}", T0);
	ok(f, "CreateQueue", "{\"QueueName\":\"a2\"}", T0);
	ok(f, "CreateQueue", "{\"QueueName\":\"b1\"}", T0);
	ok(f, "GetQueueUrl", "{\"QueueName\":\"a2\"}", T0);
	assert_string_equal(sget(f->out, "QueueUrl"), URL "a2");
	err(f, "GetQueueUrl", "{\"QueueName\":\"nope\"}", T0,
	    "QueueDoesNotExist");
	ok(f, "ListQueues", "{}", T0);
	assert_int_equal(json_array_size(json_object_get(f->out, "QueueUrls")),
			 3);
	ok(f, "ListQueues", "{\"QueueNamePrefix\":\"a\"}", T0);
	urls = json_object_get(f->out, "QueueUrls");
	assert_int_equal(json_array_size(urls), 2);
	assert_string_equal(json_string_value(json_array_get(urls, 0)),
			    URL "a1");
	ok(f, "ListQueues", "{\"MaxResults\":2}", T0);
	assert_int_equal(json_array_size(json_object_get(f->out, "QueueUrls")),
			 2);
	{
		char in[200];

		snprintf(in, sizeof(in),
			 "{\"MaxResults\":\"2\",\"NextToken\":\"%s\"}",
			 sget(f->out, "NextToken"));
		ok(f, "ListQueues", in, T0);
	}
	urls = json_object_get(f->out, "QueueUrls");
	assert_int_equal(json_array_size(urls), 1);
	assert_string_equal(json_string_value(json_array_get(urls, 0)),
			    URL "b1");
	assert_null(json_object_get(f->out, "NextToken"));
	err(f, "ListQueues", "{\"MaxResults\":0}", T0, "InvalidParameterValue");
	err(f, "ListQueues", "{\"MaxResults\":1001}", T0,
	    "InvalidParameterValue");
	ok(f, "ListQueues", "{\"QueueNamePrefix\":\"zz\"}", T0);
	assert_null(json_object_get(f->out, "QueueUrls"));
	/* Delete; the name is blocked for 60 s. A URL with another host
	 * routes by /account/name. */
	ok(f, "DeleteQueue",
	   "{\"QueueUrl\":\"http://other:1/000000000000/a1\"}", T0);
	err(f, "GetQueueUrl", "{\"QueueName\":\"a1\"}", T0,
	    "QueueDoesNotExist");
	err(f, "DeleteQueue", "{\"QueueUrl\":\"" URL "a1\"}", T0,
	    "QueueDoesNotExist");
	err(f, "DeleteQueue", "{\"QueueUrl\":\"http://x/111111111111/a2\"}", T0,
	    "QueueDoesNotExist");
	err(f, "DeleteQueue", "{}", T0, "MissingParameter");
	err(f, "CreateQueue", "{\"QueueName\":\"a1\"}", T0 + 59999,
	    "QueueDeletedRecently");
	ok(f, "CreateQueue", "{\"QueueName\":\"a1\"}", T0 + 60000);
}

/* Each queue's msg_bytes (kept by insert / unlink) equals the sum of its
 * messages' sizes: the memory budget's count does not drift. */
static void check_msg_bytes(struct fx *f)
{
	const struct sqs_state *st = f->svc->state;
	size_t i;

	for (i = 0; i < st->n_queues; i++) {
		const struct sqs_queue *q = st->queues[i];
		const struct sqs_msg *m;
		size_t sum = 0;

		for (m = q->head; m != NULL; m = m->next) {
			sum += sqs_msg_size(m);
		}
		assert_int_equal(q->msg_bytes, sum);
	}
}

/* state_bytes follows messages in and out, with their attributes; only
 * the writes that add data count as growing (the memory budget refuses
 * those, never deletes or receives). */
static void test_state_bytes(void **state)
{
	struct fx *f = *state;
	char in[4096], body[2001];
	size_t empty, full;
	json_t *m;
	uint8_t *buf;
	size_t len;
	static const struct {
		const char *action;
		bool grows;
	} kinds[] = {
	    {"CreateQueue", true},
	    {"SendMessage", true},
	    {"SendMessageBatch", true},
	    {"SetQueueAttributes", true},
	    {"TagQueue", true},
	    {"ReceiveMessage", false},
	    {"DeleteMessage", false},
	    {"DeleteMessageBatch", false},
	    {"ChangeMessageVisibility", false},
	    {"PurgeQueue", false},
	    {"DeleteQueue", false},
	    {"UntagQueue", false},
	    {"StartMessageMoveTask", false},
	    {"CancelMessageMoveTask", false},
	};
	size_t i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		assert_int_equal(f->svc->action_grows(kinds[i].action),
				 kinds[i].grows);
	}
	ok(f, "CreateQueue", "{\"QueueName\":\"b\"}", T0);
	empty = f->svc->state_bytes(f->svc->state);
	assert_true(empty > 0);
	memset(body, 'x', 2000);
	body[2000] = '\0';
	snprintf(in, sizeof in,
		 "{\"QueueUrl\":\"" URL "b\",\"MessageBody\":\"%s\","
		 "\"MessageAttributes\":{\"color\":{\"DataType\":\"String\","
		 "\"StringValue\":\"%.500s\"}}}",
		 body, body);
	ok(f, "SendMessage", in, T0);
	ok(f, "SendMessage", in, T0);
	full = f->svc->state_bytes(f->svc->state);
	assert_true(full >= empty + 2 * 2500);
	check_msg_bytes(f);
	/* A snapshot round trip counts the same. */
	assert_int_equal(f->svc->snapshot(f->svc->state, &buf, &len), 0);
	assert_int_equal(f->svc->restore(f->svc->state, buf, len), 0);
	free(buf);
	assert_int_equal(f->svc->state_bytes(f->svc->state), full);
	m = recv_n(f, "b", 10, T0 + 1);
	assert_int_equal(json_array_size(m), 2);
	snprintf(in, sizeof in,
		 "{\"QueueUrl\":\"" URL "b\",\"ReceiptHandle\":\"%s\"}",
		 sget(json_array_get(m, 0), "ReceiptHandle"));
	ok(f, "DeleteMessage", in, T0 + 2);
	assert_true(f->svc->state_bytes(f->svc->state) < full);
	check_msg_bytes(f);
	ok(f, "PurgeQueue", "{\"QueueUrl\":\"" URL "b\"}", T0 + 3);
	assert_int_equal(f->svc->state_bytes(f->svc->state), empty);
	check_msg_bytes(f);
}

/* SetQueueAttributes on queue "e" with one attributes object (JSON). */
static enum service_status set_e(struct fx *f, const char *attrs, uint64_t now)
{
	char in[1024];

	snprintf(in, sizeof in, "{\"QueueUrl\":\"" URL "e\",\"Attributes\":%s}",
		 attrs);
	return call(f, "SetQueueAttributes", in, now);
}

static json_t *all_attrs(struct fx *f, const char *q, uint64_t now)
{
	char in[256];

	snprintf(in, sizeof in,
		 "{\"QueueUrl\":\"" URL "%s\",\"AttributeNames\":[\"All\"]}",
		 q);
	ok(f, "GetQueueAttributes", in, now);
	return json_object_get(f->out, "Attributes");
}

/* Policy, KmsMasterKeyId, KmsDataKeyReusePeriodSeconds and
 * SqsManagedSseEnabled are validated, stored, returned, compared by
 * CreateQueue and kept by snapshots. */
static void test_sse_policy_attrs(void **state)
{
	struct fx *f = *state;
	static const char policy[] =
	    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
	    "\"Allow\",\"Principal\":\"*\",\"Action\":\"sqs:SendMessage\","
	    "\"Resource\":\"arn:aws:sqs:us-east-1:000000000000:e\"}]}";
	json_t *a, *pol;
	char *pj;
	uint8_t *buf;
	size_t len;
	uint64_t d;
	char in[1024];

	ok(f, "CreateQueue", "{\"QueueName\":\"e\"}", T0);
	a = all_attrs(f, "e", T0);
	assert_string_equal(sget(a, "SqsManagedSseEnabled"), "true");
	assert_null(json_object_get(a, "KmsMasterKeyId"));
	assert_null(json_object_get(a, "KmsDataKeyReusePeriodSeconds"));
	assert_null(json_object_get(a, "Policy"));

	/* SSE-KMS: the key is stored, the reuse period defaults to 300,
	 * SSE-SQS goes off. */
	assert_int_equal(set_e(f, "{\"KmsMasterKeyId\":\"alias/aws/sqs\"}", T0),
			 SERVICE_OK);
	a = all_attrs(f, "e", T0);
	assert_string_equal(sget(a, "KmsMasterKeyId"), "alias/aws/sqs");
	assert_string_equal(sget(a, "KmsDataKeyReusePeriodSeconds"), "300");
	assert_string_equal(sget(a, "SqsManagedSseEnabled"), "false");
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "e\",\"Attributes\":{"
	    "\"KmsDataKeyReusePeriodSeconds\":\"59\"}}",
	    T0, "InvalidAttributeValue");
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "e\",\"Attributes\":{"
	    "\"KmsDataKeyReusePeriodSeconds\":\"86401\"}}",
	    T0, "InvalidAttributeValue");
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "e\",\"Attributes\":{"
	    "\"KmsDataKeyReusePeriodSeconds\":\"soon\"}}",
	    T0, "InvalidAttributeValue");
	assert_int_equal(
	    set_e(f, "{\"KmsDataKeyReusePeriodSeconds\":\"86400\"}", T0 + 1),
	    SERVICE_OK);
	assert_string_equal(
	    sget(all_attrs(f, "e", T0 + 1), "KmsDataKeyReusePeriodSeconds"),
	    "86400");
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "e\",\"Attributes\":{"
	    "\"KmsMasterKeyId\":\"k\",\"SqsManagedSseEnabled\":\"true\"}}",
	    T0, "InvalidAttributeValue");
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "e\",\"Attributes\":{"
	    "\"SqsManagedSseEnabled\":\"maybe\"}}",
	    T0, "InvalidAttributeValue");
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "e\",\"Attributes\":{"
	    "\"KmsMasterKeyId\":\"bad key\"}}",
	    T0, "InvalidAttributeValue");
	/* The failed requests changed nothing. */
	assert_string_equal(sget(all_attrs(f, "e", T0 + 1), "KmsMasterKeyId"),
			    "alias/aws/sqs");
	/* Back to SSE-SQS: the KMS key goes. */
	assert_int_equal(
	    set_e(f, "{\"SqsManagedSseEnabled\":\"true\"}", T0 + 2),
	    SERVICE_OK);
	a = all_attrs(f, "e", T0 + 2);
	assert_string_equal(sget(a, "SqsManagedSseEnabled"), "true");
	assert_null(json_object_get(a, "KmsMasterKeyId"));
	assert_int_equal(set_e(f, "{\"SqsManagedSseEnabled\":false}", T0 + 2),
			 SERVICE_OK);
	assert_string_equal(
	    sget(all_attrs(f, "e", T0 + 2), "SqsManagedSseEnabled"), "false");

	/* Policy: a JSON object with a Statement, returned as given. */
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "e\",\"Attributes\":{"
	    "\"Policy\":\"not json\"}}",
	    T0, "InvalidAttributeValue");
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "e\",\"Attributes\":{\"Policy\":\"{}\"}}",
	    T0, "InvalidAttributeValue");
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "e\",\"Attributes\":{\"Policy\":"
	    "\"[1]\"}}",
	    T0, "InvalidAttributeValue");
	pol = json_pack("{s:s,s:{s:s}}", "QueueUrl", URL "e", "Attributes",
			"Policy", policy);
	pj = json_dumps(pol, JSON_COMPACT);
	ok(f, "SetQueueAttributes", pj, T0 + 3);
	assert_string_equal(sget(all_attrs(f, "e", T0 + 3), "Policy"), policy);
	snprintf(in, sizeof in,
		 "{\"QueueUrl\":\"" URL "e\",\"AttributeNames\":[\"Policy\"]}");
	ok(f, "GetQueueAttributes", in, T0 + 3);
	assert_int_equal(
	    json_object_size(json_object_get(f->out, "Attributes")), 1);
	/* CreateQueue of an existing name compares these too. */
	err(f, "CreateQueue",
	    "{\"QueueName\":\"e\",\"Attributes\":{\"SqsManagedSseEnabled\":"
	    "\"false\"}}",
	    T0 + 4, "QueueAlreadyExists");
	/* A new queue with a KMS key gets no SSE-SQS. */
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"k\",\"Attributes\":{\"KmsMasterKeyId\":"
	   "\"arn:aws:kms:us-east-1:000000000000:key/1234\","
	   "\"KmsDataKeyReusePeriodSeconds\":\"60\"}}",
	   T0 + 4);
	a = all_attrs(f, "k", T0 + 4);
	assert_string_equal(sget(a, "SqsManagedSseEnabled"), "false");
	assert_string_equal(sget(a, "KmsDataKeyReusePeriodSeconds"), "60");
	/* Snapshots keep them. */
	d = f->svc->digest(f->svc->state);
	assert_int_equal(f->svc->snapshot(f->svc->state, &buf, &len), 0);
	assert_memory_equal(buf, "SQS3", 4);
	assert_int_equal(f->svc->restore(f->svc->state, buf, len), 0);
	free(buf);
	assert_true(f->svc->digest(f->svc->state) == d);
	assert_string_equal(sget(all_attrs(f, "e", T0 + 5), "Policy"), policy);
	assert_string_equal(
	    sget(all_attrs(f, "k", T0 + 5), "KmsDataKeyReusePeriodSeconds"),
	    "60");
	/* "" removes a Policy. */
	json_object_set_new(json_object_get(pol, "Attributes"), "Policy",
			    json_string(""));
	free(pj);
	pj = json_dumps(pol, JSON_COMPACT);
	ok(f, "SetQueueAttributes", pj, T0 + 6);
	assert_null(json_object_get(all_attrs(f, "e", T0 + 6), "Policy"));
	free(pj);
	json_decref(pol);
}

/* An SQS2 snapshot (before these attributes were stored) restores, and
 * its queues read SqsManagedSseEnabled false, as they did then. */
static void test_sse_old_snapshot(void **state)
{
	struct fx *f = *state;
	uint8_t *buf;
	size_t len, off, url_len;

	ok(f, "CreateQueue", "{\"QueueName\":\"e\"}", T0);
	assert_int_equal(f->svc->snapshot(f->svc->state, &buf, &len), 0);
	/* "SQS3", 0 deleted, 1 queue, name "e", fifo, url, 5 u64, 5 u32,
	 * 3 u8, no redrive policies: then the 7 bytes SQS3 added. */
	off = 4 + 4 + 4 + (4 + 1) + 1;
	url_len = buf[off] | (size_t)buf[off + 1] << 8;
	off += 4 + url_len + 5 * 8 + 5 * 4 + 3 + 1 + 1;
	assert_int_equal(buf[off], 0);	   /* no policy */
	assert_int_equal(buf[off + 1], 0); /* no KMS key */
	assert_int_equal(buf[off + 6], 1); /* SSE-SQS */
	memmove(buf + off, buf + off + 7, len - off - 7);
	memcpy(buf, "SQS2", 4);
	assert_int_equal(f->svc->restore(f->svc->state, buf, len - 7), 0);
	free(buf);
	assert_string_equal(
	    sget(all_attrs(f, "e", T0 + 1), "SqsManagedSseEnabled"), "false");
}

static void test_attributes(void **state)
{
	struct fx *f = *state;
	json_t *a;

	ok(f, "CreateQueue", "{\"QueueName\":\"q\"}", T0);
	ok(f, "GetQueueAttributes",
	   "{\"QueueUrl\":\"" URL "q\",\"AttributeNames\":[\"All\"]}", T0);
	a = json_object_get(f->out, "Attributes");
	assert_string_equal(sget(a, "VisibilityTimeout"), "30");
	assert_string_equal(sget(a, "MessageRetentionPeriod"), "345600");
	assert_string_equal(sget(a, "MaximumMessageSize"), "1048576");
	assert_string_equal(sget(a, "DelaySeconds"), "0");
	assert_string_equal(sget(a, "ReceiveMessageWaitTimeSeconds"), "0");
	assert_string_equal(sget(a, "ApproximateNumberOfMessages"), "0");
	assert_string_equal(sget(a, "ApproximateNumberOfMessagesNotVisible"),
			    "0");
	assert_string_equal(sget(a, "ApproximateNumberOfMessagesDelayed"), "0");
	assert_string_equal(sget(a, "QueueArn"),
			    "arn:aws:sqs:us-east-1:000000000000:q");
	assert_string_equal(sget(a, "CreatedTimestamp"), "1700000000");
	assert_string_equal(sget(a, "LastModifiedTimestamp"), "1700000000");
	assert_null(json_object_get(a, "FifoQueue"));
	assert_null(json_object_get(a, "RedrivePolicy"));
	ok(f, "GetQueueAttributes", "{\"QueueUrl\":\"" URL "q\"}", T0);
	assert_null(json_object_get(f->out, "Attributes"));
	err(f, "GetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "q\",\"AttributeNames\":[\"Nope\"]}", T0,
	    "InvalidAttributeName");
	ok(f, "SetQueueAttributes",
	   "{\"QueueUrl\":\"" URL "q\",\"Attributes\":{\"VisibilityTimeout\":"
	   "\"60\",\"DelaySeconds\":5}}",
	   T0 + 5000);
	assert_string_equal(qattr(f, "q", "VisibilityTimeout", T0), "60");
	assert_string_equal(qattr(f, "q", "DelaySeconds", T0), "5");
	assert_string_equal(qattr(f, "q", "LastModifiedTimestamp", T0),
			    "1700000005");
	/* All or nothing. */
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "q\",\"Attributes\":{\"VisibilityTimeout\":"
	    "\"10\",\"DelaySeconds\":\"1000\"}}",
	    T0, "InvalidAttributeValue");
	assert_string_equal(qattr(f, "q", "VisibilityTimeout", T0), "60");
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL "q\",\"Attributes\":{\"FifoQueue\":"
	    "\"true\"}}",
	    T0, "InvalidAttributeName");
	err(f, "SetQueueAttributes", "{\"QueueUrl\":\"" URL "q\"}", T0,
	    "MissingParameter");
}

static void test_tags_purge(void **state)
{
	struct fx *f = *state;
	json_t *t;

	ok(f, "CreateQueue", "{\"QueueName\":\"q\",\"tags\":{\"team\":\"a\"}}",
	   T0);
	ok(f, "TagQueue",
	   "{\"QueueUrl\":\"" URL "q\",\"Tags\":{\"env\":\"prod\",\"team\":"
	   "\"b\"}}",
	   T0);
	ok(f, "ListQueueTags", "{\"QueueUrl\":\"" URL "q\"}", T0);
	t = json_object_get(f->out, "Tags");
	assert_string_equal(sget(t, "team"), "b");
	assert_string_equal(sget(t, "env"), "prod");
	ok(f, "UntagQueue",
	   "{\"QueueUrl\":\"" URL "q\",\"TagKeys\":[\"team\"]}", T0);
	ok(f, "ListQueueTags", "{\"QueueUrl\":\"" URL "q\"}", T0);
	t = json_object_get(f->out, "Tags");
	assert_int_equal(json_object_size(t), 1);
	err(f, "TagQueue", "{\"QueueUrl\":\"" URL "q\"}", T0,
	    "MissingParameter");
	send_body(f, "q", "a", T0);
	send_body(f, "q", "b", T0);
	assert_string_equal(qattr(f, "q", "ApproximateNumberOfMessages", T0),
			    "2");
	ok(f, "PurgeQueue", "{\"QueueUrl\":\"" URL "q\"}", T0);
	assert_string_equal(qattr(f, "q", "ApproximateNumberOfMessages", T0),
			    "0");
	err(f, "PurgeQueue", "{\"QueueUrl\":\"" URL "q\"}", T0 + 59999,
	    "PurgeQueueInProgress");
	ok(f, "PurgeQueue", "{\"QueueUrl\":\"" URL "q\"}", T0 + 60000);
}

/* ---------------- messages ---------------- */

static void test_send_receive_delete(void **state)
{
	struct fx *f = *state;
	json_t *m, *msg;
	char handle[128], in[512], id[64];

	ok(f, "CreateQueue", "{\"QueueName\":\"q\"}", T0);
	ok(f, "SendMessage",
	   "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"hello\","
	   "\"MessageAttributes\":{\"SellerName\":{\"DataType\":\"String\","
	   "\"StringValue\":\"Example Store\"}}}",
	   T0);
	assert_string_equal(sget(f->out, "MD5OfMessageBody"),
			    "5d41402abc4b2a76b9719d911017c592");
	assert_string_equal(sget(f->out, "MD5OfMessageAttributes"),
			    "cd28f3b68aeee4b2eac9c66f2f694b58");
	assert_null(json_object_get(f->out, "SequenceNumber"));
	assert_int_equal(strlen(sget(f->out, "MessageId")), 36);
	snprintf(id, sizeof(id), "%s", sget(f->out, "MessageId"));
	/* a version 4 UUID: 8-4-4-4-12 lowercase hex */
	for (int k = 0; k < 36; k++) {
		if (k == 8 || k == 13 || k == 18 || k == 23) {
			assert_int_equal(id[k], '-');
		} else {
			assert_non_null(strchr("0123456789abcdef", id[k]));
		}
	}
	assert_int_equal(id[14], '4');
	assert_non_null(strchr("89ab", id[19]));
	assert_int_equal(f->wakes.n, 1);
	assert_string_equal(f->wakes.last, "sqs:000000000000/q");
	ok(f, "ReceiveMessage",
	   "{\"QueueUrl\":\"" URL "q\",\"AttributeNames\":[\"All\"],"
	   "\"MessageAttributeNames\":[\"All\"]}",
	   T0 + 1000);
	m = json_object_get(f->out, "Messages");
	assert_int_equal(json_array_size(m), 1);
	msg = json_array_get(m, 0);
	assert_string_equal(sget(msg, "Body"), "hello");
	assert_string_equal(sget(msg, "MessageId"), id);
	assert_string_equal(sget(msg, "MD5OfBody"),
			    "5d41402abc4b2a76b9719d911017c592");
	assert_string_equal(sget(msg, "MD5OfMessageAttributes"),
			    "cd28f3b68aeee4b2eac9c66f2f694b58");
	assert_string_equal(
	    sget(json_object_get(json_object_get(msg, "MessageAttributes"),
				 "SellerName"),
		 "StringValue"),
	    "Example Store");
	assert_string_equal(
	    sget(json_object_get(msg, "Attributes"), "ApproximateReceiveCount"),
	    "1");
	assert_string_equal(
	    sget(json_object_get(msg, "Attributes"), "SentTimestamp"),
	    "1700000000000");
	assert_string_equal(sget(json_object_get(msg, "Attributes"),
				 "ApproximateFirstReceiveTimestamp"),
			    "1700000001000");
	assert_non_null(
	    json_object_get(json_object_get(msg, "Attributes"), "SenderId"));
	snprintf(handle, sizeof(handle), "%s", sget(msg, "ReceiptHandle"));
	/* In flight: nothing to receive; counts. */
	m = recv_n(f, "q", 10, T0 + 2000);
	assert_null(m);
	assert_string_equal(
	    qattr(f, "q", "ApproximateNumberOfMessagesNotVisible", T0 + 2000),
	    "1");
	assert_string_equal(
	    qattr(f, "q", "ApproximateNumberOfMessages", T0 + 2000), "0");
	/* Visible again after 30 s; the old handle no longer deletes. */
	assert_string_equal(
	    qattr(f, "q", "ApproximateNumberOfMessages", T0 + 31000), "1");
	m = recv_n(f, "q", 10, T0 + 31000);
	assert_int_equal(json_array_size(m), 1);
	assert_string_equal(
	    sget(json_object_get(json_array_get(m, 0), "Attributes"),
		 "ApproximateReceiveCount"),
	    "2");
	assert_string_not_equal(sget(json_array_get(m, 0), "ReceiptHandle"),
				handle);
	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "q\",\"ReceiptHandle\":\"%s\"}",
		 handle);
	ok(f, "DeleteMessage", in, T0 + 32000); /* stale: silent no-op */
	assert_string_equal(
	    qattr(f, "q", "ApproximateNumberOfMessagesNotVisible", T0 + 32000),
	    "1");
	m = recv_n(f, "q", 10, T0 + 62000);
	snprintf(handle, sizeof(handle), "%s",
		 sget(json_array_get(m, 0), "ReceiptHandle"));
	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "q\",\"ReceiptHandle\":\"%s\"}",
		 handle);
	ok(f, "DeleteMessage", in, T0 + 63000);
	ok(f, "DeleteMessage", in, T0 + 63000); /* again: still fine */
	assert_null(recv_n(f, "q", 10, T0 + 200000));
	assert_string_equal(
	    qattr(f, "q", "ApproximateNumberOfMessagesNotVisible", T0 + 200000),
	    "0");
	err(f, "DeleteMessage",
	    "{\"QueueUrl\":\"" URL "q\",\"ReceiptHandle\":\"garbage\"}", T0,
	    "ReceiptHandleIsInvalid");
	err(f, "DeleteMessage", "{\"QueueUrl\":\"" URL "q\"}", T0,
	    "MissingParameter");
}

/* A SendMessage's MD5 is its MessageBody's, whatever else its document
 * carries: a stray Entries array once gave its first body's MD5, which
 * apply then stored (and receives reported) for this message. */
static void test_send_md5_is_its_body(void **state)
{
	struct fx *f = *state;
	json_t *msgs;

	ok(f, "CreateQueue", "{\"QueueName\":\"q\"}", T0);
	ok(f, "SendMessage",
	   "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"hello\","
	   "\"Entries\":[{\"Id\":\"a\",\"MessageBody\":\"other\"}]}",
	   T0);
	assert_string_equal(sget(f->out, "MD5OfMessageBody"),
			    "5d41402abc4b2a76b9719d911017c592");
	ok(f, "ReceiveMessage", "{\"QueueUrl\":\"" URL "q\"}", T0);
	msgs = json_object_get(f->out, "Messages");
	assert_int_equal(json_array_size(msgs), 1);
	assert_string_equal(sget(json_array_get(msgs, 0), "Body"), "hello");
	assert_string_equal(sget(json_array_get(msgs, 0), "MD5OfBody"),
			    "5d41402abc4b2a76b9719d911017c592");
}

#define FORTY "0123456789abcdefghijklmnopqrstuvwxyz.,;:"

static void test_send_validation(void **state)
{
	struct fx *f = *state;

	ok(f, "CreateQueue",
	   "{\"QueueName\":\"q\",\"Attributes\":{\"MaximumMessageSize\":"
	   "\"1024\"}}",
	   T0);
	err(f, "SendMessage", "{\"QueueUrl\":\"" URL "q\"}", T0,
	    "MissingParameter");
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"a\\u0001b\"}", T0,
	    "InvalidMessageContents");
	/* Past the first 16 bytes (the printable-ASCII fast path), after
	 * allowed non-ASCII characters: still checked. */
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"" FORTY
	    "\\u00e9" FORTY "\\u0002\"}",
	    T0, "InvalidMessageContents");
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"" FORTY
	    "\\ud83d\\ude00" FORTY "\\ufffe" FORTY "\"}",
	    T0, "InvalidMessageContents");
	ok(f, "SendMessage",
	   "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"" FORTY
	   "\\u00e9\\t" FORTY "\\ud83d\\ude00\\r\\n" FORTY "\\ufffd\"}",
	   T0);
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"a\",\"DelaySeconds\":"
	    "901}",
	    T0, "InvalidParameterValue");
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"a\","
	    "\"MessageDeduplicationId\":\"x\"}",
	    T0, "InvalidParameterValue");
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"a\","
	    "\"MessageAttributes\":{\"AWS.x\":{\"DataType\":\"String\","
	    "\"StringValue\":\"v\"}}}",
	    T0, "InvalidParameterValue");
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"a\","
	    "\"MessageAttributes\":{\"n\":{\"DataType\":\"Number\","
	    "\"StringValue\":\"abc\"}}}",
	    T0, "InvalidParameterValue");
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"a\","
	    "\"MessageAttributes\":{\"n\":{\"DataType\":\"Float\","
	    "\"StringValue\":\"1\"}}}",
	    T0, "InvalidParameterValue");
	ok(f, "SendMessage",
	   "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"a\","
	   "\"MessageAttributes\":{\"n\":{\"DataType\":\"Number.int\","
	   "\"StringValue\":\"-1.5e3\"},\"b\":{\"DataType\":\"Binary\","
	   "\"BinaryValue\":\"aGVsbG8=\"}},\"MessageSystemAttributes\":{"
	   "\"AWSTraceHeader\":{\"DataType\":\"String\",\"StringValue\":"
	   "\"Root=1\"}}}",
	   T0);
	assert_int_equal(strlen(sget(f->out, "MD5OfMessageAttributes")), 32);
	assert_int_equal(strlen(sget(f->out, "MD5OfMessageSystemAttributes")),
			 32);
	{
		/* 11 attributes */
		char in[2048];
		int i, o;

		o = snprintf(in, sizeof(in),
			     "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"a\","
			     "\"MessageAttributes\":{");
		for (i = 0; i < 11; i++) {
			o += snprintf(in + o, sizeof(in) - (size_t)o,
				      "%s\"a%d\":{\"DataType\":\"String\","
				      "\"StringValue\":\"v\"}",
				      i ? "," : "", i);
		}
		snprintf(in + o, sizeof(in) - (size_t)o, "}}");
		err(f, "SendMessage", in, T0, "InvalidParameterValue");
		/* body over MaximumMessageSize */
		o = snprintf(in, sizeof(in),
			     "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"");
		memset(in + o, 'x', 1025);
		snprintf(in + o + 1025, sizeof(in) - (size_t)o - 1025, "\"}");
		err(f, "SendMessage", in, T0, "InvalidParameterValue");
	}
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "nope\",\"MessageBody\":\"a\"}", T0,
	    "QueueDoesNotExist");
	err(f, "ReceiveMessage",
	    "{\"QueueUrl\":\"" URL "q\",\"MaxNumberOfMessages\":11}", T0,
	    "InvalidParameterValue");
	err(f, "ReceiveMessage",
	    "{\"QueueUrl\":\"" URL "q\",\"WaitTimeSeconds\":21}", T0,
	    "InvalidParameterValue");
}

static void test_batches(void **state)
{
	struct fx *f = *state;
	json_t *m, *ok_, *failed;
	char in[4096];
	int i, o;

	ok(f, "CreateQueue", "{\"QueueName\":\"q\"}", T0);
	err(f, "SendMessageBatch", "{\"QueueUrl\":\"" URL "q\",\"Entries\":[]}",
	    T0, "EmptyBatchRequest");
	err(f, "SendMessageBatch", "{\"QueueUrl\":\"" URL "q\"}", T0,
	    "MissingParameter");
	err(f, "SendMessageBatch",
	    "{\"QueueUrl\":\"" URL "q\",\"Entries\":[{\"Id\":\"a\","
	    "\"MessageBody\":\"x\"},{\"Id\":\"a\",\"MessageBody\":\"y\"}]}",
	    T0, "BatchEntryIdsNotDistinct");
	err(f, "SendMessageBatch",
	    "{\"QueueUrl\":\"" URL "q\",\"Entries\":[{\"Id\":\"a b\","
	    "\"MessageBody\":\"x\"}]}",
	    T0, "InvalidBatchEntryId");
	o = snprintf(in, sizeof(in),
		     "{\"QueueUrl\":\"" URL "q\",\"Entries\":[");
	for (i = 0; i < 11; i++) {
		o += snprintf(in + o, sizeof(in) - (size_t)o,
			      "%s{\"Id\":\"e%d\",\"MessageBody\":\"m%d\"}",
			      i ? "," : "", i, i);
	}
	snprintf(in + o, sizeof(in) - (size_t)o, "]}");
	err(f, "SendMessageBatch", in, T0, "TooManyEntriesInBatchRequest");
	ok(f, "SendMessageBatch",
	   "{\"QueueUrl\":\"" URL "q\",\"Entries\":[{\"Id\":\"a\","
	   "\"MessageBody\":\"one\"},{\"Id\":\"b\",\"MessageBody\":\"\"},"
	   "{\"Id\":\"c\",\"MessageBody\":\"three\",\"DelaySeconds\":\"0\"}]}",
	   T0);
	ok_ = json_object_get(f->out, "Successful");
	failed = json_object_get(f->out, "Failed");
	assert_int_equal(json_array_size(ok_), 2);
	assert_int_equal(json_array_size(failed), 1);
	assert_string_equal(sget(json_array_get(failed, 0), "Id"), "b");
	assert_string_equal(sget(json_array_get(failed, 0), "Code"),
			    "InvalidParameterValue");
	assert_true(json_is_true(
	    json_object_get(json_array_get(failed, 0), "SenderFault")));
	assert_string_equal(sget(json_array_get(ok_, 1), "MD5OfMessageBody"),
			    "35d6d33467aae9a2e3dccb4b6b027878");
	m = recv_n(f, "q", 10, T0);
	assert_int_equal(json_array_size(m), 2);
	assert_string_equal(sget(json_array_get(m, 0), "Body"), "one");
	assert_string_equal(sget(json_array_get(m, 1), "Body"), "three");
	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "q\",\"Entries\":[{\"Id\":\"x\","
		 "\"ReceiptHandle\":\"%s\",\"VisibilityTimeout\":0},{\"Id\":"
		 "\"y\",\"ReceiptHandle\":\"bad\",\"VisibilityTimeout\":0}]}",
		 sget(json_array_get(m, 0), "ReceiptHandle"));
	{
		char del[4096], del2[4096];

		snprintf(del, sizeof(del),
			 "{\"QueueUrl\":\"" URL
			 "q\",\"Entries\":[{\"Id\":\"x\","
			 "\"ReceiptHandle\":\"%s\"}]}",
			 sget(json_array_get(m, 1), "ReceiptHandle"));
		/* Failures and successes mixed, in entry order within each
		 * list (the answer is printed, not built: the harness checks
		 * it is the document's canonical form). A deleted message's
		 * handle still succeeds. */
		snprintf(del2, sizeof(del2),
			 "{\"QueueUrl\":\"" URL
			 "q\",\"Entries\":[{\"Id\":\"p\",\"ReceiptHandle\":"
			 "\"bad\"},{\"Id\":\"q\",\"ReceiptHandle\":\"%s\"},"
			 "{\"Id\":\"r\",\"ReceiptHandle\":\"worse\"}]}",
			 sget(json_array_get(m, 1), "ReceiptHandle"));
		ok(f, "ChangeMessageVisibilityBatch", in, T0 + 1);
		assert_int_equal(
		    json_array_size(json_object_get(f->out, "Successful")), 1);
		assert_string_equal(
		    sget(json_array_get(json_object_get(f->out, "Failed"), 0),
			 "Code"),
		    "ReceiptHandleIsInvalid");
		ok(f, "DeleteMessageBatch", del, T0 + 1);
		assert_int_equal(
		    json_array_size(json_object_get(f->out, "Successful")), 1);
		ok(f, "DeleteMessageBatch", del2, T0 + 1);
		ok_ = json_object_get(f->out, "Successful");
		failed = json_object_get(f->out, "Failed");
		assert_int_equal(json_array_size(ok_), 1);
		assert_string_equal(sget(json_array_get(ok_, 0), "Id"), "q");
		assert_int_equal(json_array_size(failed), 2);
		assert_string_equal(sget(json_array_get(failed, 0), "Id"), "p");
		assert_string_equal(sget(json_array_get(failed, 1), "Id"), "r");
		assert_string_equal(sget(json_array_get(failed, 1), "Code"),
				    "ReceiptHandleIsInvalid");
	}
	m = recv_n(f, "q", 10, T0 + 2);
	assert_int_equal(json_array_size(m), 1);
	assert_string_equal(sget(json_array_get(m, 0), "Body"), "one");
}

static void test_visibility(void **state)
{
	struct fx *f = *state;
	json_t *m;
	char h[128], in[512];

	ok(f, "CreateQueue", "{\"QueueName\":\"q\"}", T0);
	send_body(f, "q", "v", T0);
	m = recv_n(f, "q", 1, T0);
	snprintf(h, sizeof(h), "%s",
		 sget(json_array_get(m, 0), "ReceiptHandle"));
	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "q\",\"ReceiptHandle\":\"%s\","
		 "\"VisibilityTimeout\":100}",
		 h);
	ok(f, "ChangeMessageVisibility", in, T0 + 10000);
	assert_null(recv_n(f, "q", 1, T0 + 100000));
	assert_non_null(recv_n(f, "q", 1, T0 + 110000));
	/* The new handle; beyond 12 h from first receive fails. */
	snprintf(h, sizeof(h), "%s",
		 sget(json_array_get(json_object_get(f->out, "Messages"), 0),
		      "ReceiptHandle"));
	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "q\",\"ReceiptHandle\":\"%s\","
		 "\"VisibilityTimeout\":43200}",
		 h);
	err(f, "ChangeMessageVisibility", in, T0 + 120000,
	    "InvalidParameterValue");
	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "q\",\"ReceiptHandle\":\"%s\","
		 "\"VisibilityTimeout\":43201}",
		 h);
	err(f, "ChangeMessageVisibility", in, T0 + 120000,
	    "InvalidParameterValue");
	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "q\",\"ReceiptHandle\":\"%s\"}", h);
	err(f, "ChangeMessageVisibility", in, T0 + 120000, "MissingParameter");
	/* Visibility 0: available at once, and waiters are woken. */
	f->wakes.n = 0;
	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "q\",\"ReceiptHandle\":\"%s\","
		 "\"VisibilityTimeout\":0}",
		 h);
	ok(f, "ChangeMessageVisibility", in, T0 + 120000);
	assert_int_equal(f->wakes.n, 1);
	err(f, "ChangeMessageVisibility", in, T0 + 120000,
	    "MessageNotInflight");
	/* Receive override of the visibility timeout. */
	ok(f, "ReceiveMessage",
	   "{\"QueueUrl\":\"" URL "q\",\"VisibilityTimeout\":\"5\"}",
	   T0 + 120000);
	assert_null(recv_n(f, "q", 1, T0 + 124999));
	assert_non_null(recv_n(f, "q", 1, T0 + 125000));
}

static void test_delay_retention_longpoll(void **state)
{
	struct fx *f = *state;
	enum service_status st;

	ok(f, "CreateQueue",
	   "{\"QueueName\":\"q\",\"Attributes\":{\"MessageRetentionPeriod\":"
	   "\"60\"}}",
	   T0);
	ok(f, "SendMessage",
	   "{\"QueueUrl\":\"" URL "q\",\"MessageBody\":\"d\",\"DelaySeconds\":"
	   "10}",
	   T0);
	assert_string_equal(
	    qattr(f, "q", "ApproximateNumberOfMessagesDelayed", T0), "1");
	assert_null(recv_n(f, "q", 1, T0 + 9999));
	/* Long poll: wait, waking when the delay ends. */
	st = call(f, "ReceiveMessage",
		  "{\"QueueUrl\":\"" URL "q\",\"WaitTimeSeconds\":20}",
		  T0 + 1000);
	assert_int_equal(st, SERVICE_WAIT);
	assert_string_equal(f->r.wait_key, "sqs:000000000000/q");
	assert_int_equal(f->r.wake_at_ms, T0 + 10000);
	/* The re-proposed command at the wake time gets the message. */
	{
		json_t *in = json_loads("{\"QueueUrl\":\"" URL "q\","
					"\"WaitTimeSeconds\":20}",
					0, NULL);
		json_t *ctx = json_incref(f->ctx);
		struct service_result r = {0};

		st = f->svc->apply(f->svc->state, "ReceiveMessage", in, ctx,
				   T0 + 10000, &r);
		assert_int_equal(st, SERVICE_OK);
		free(output_printed(&r));
		assert_int_equal(
		    json_array_size(json_object_get(r.output, "Messages")), 1);
		json_decref(r.output);
		json_decref(r.stored);
		/* Nothing left: waits until the deadline, then answers. */
		memset(&r, 0, sizeof(r));
		st = f->svc->apply(f->svc->state, "ReceiveMessage", in, ctx,
				   T0 + 12000, &r);
		assert_int_equal(st, SERVICE_WAIT);
		assert_int_equal(r.wake_at_ms, T0 + 21000);
		memset(&r, 0, sizeof(r));
		st = f->svc->apply(f->svc->state, "ReceiveMessage", in, ctx,
				   T0 + 21000, &r);
		assert_int_equal(st, SERVICE_OK);
		assert_null(json_object_get(r.output, "Messages"));
		json_decref(r.output);
		json_decref(in);
		json_decref(ctx);
	}
	/* final: true answers at once. */
	st = call_ex(f, "ReceiveMessage",
		     "{\"QueueUrl\":\"" URL "q\",\"WaitTimeSeconds\":20}",
		     T0 + 13000, "{\"final\":true}");
	assert_int_equal(st, SERVICE_OK);
	/* Retention: gone after 60 s from the send (even in flight). */
	send_body(f, "q", "r", T0 + 20000);
	assert_string_equal(
	    qattr(f, "q", "ApproximateNumberOfMessages", T0 + 79999), "1");
	assert_string_equal(
	    qattr(f, "q", "ApproximateNumberOfMessages", T0 + 80000), "0");
	assert_null(recv_n(f, "q", 10, T0 + 80000));
	/* Queue default delay. */
	ok(f, "SetQueueAttributes",
	   "{\"QueueUrl\":\"" URL "q\",\"Attributes\":{\"DelaySeconds\":"
	   "\"5\"}}",
	   T0 + 90000);
	send_body(f, "q", "x", T0 + 90000);
	assert_null(recv_n(f, "q", 10, T0 + 94999));
	assert_non_null(recv_n(f, "q", 10, T0 + 95000));
}

/* A long poll retried after a failover (prepare told the caller already
 * waited waited_ms) waits only for what is left of WaitTimeSeconds, or of
 * the queue's ReceiveMessageWaitTimeSeconds, and is answered at once —
 * empty, or with what is there — when nothing is left. */
static void test_longpoll_retry_waits_what_is_left(void **state)
{
	struct fx *f = *state;
	enum service_status st;
	const char *in10 = "{\"QueueUrl\":\"" URL "q\",\"WaitTimeSeconds\":10}";

	ok(f, "CreateQueue", "{\"QueueName\":\"q\"}", T0);
	/* A first attempt: the whole wait. */
	st = call(f, "ReceiveMessage", in10, T0 + 1000);
	assert_int_equal(st, SERVICE_WAIT);
	assert_int_equal(f->r.wake_at_ms, T0 + 11000);
	/* A retry 4 s into the call: 6 s left. */
	f->waited_ms = 4000;
	st = call(f, "ReceiveMessage", in10, T0 + 5000);
	assert_int_equal(st, SERVICE_WAIT);
	assert_int_equal(f->r.wake_at_ms, T0 + 11000);
	assert_int_equal(
	    json_integer_value(json_object_get(f->ctx, "WaitUntilMs")),
	    T0 + 11000);
	/* ... which ends the wait at that deadline. */
	{
		json_t *in = json_loads(in10, 0, NULL);
		struct service_result r = {0};

		st = f->svc->apply(f->svc->state, "ReceiveMessage", in, f->ctx,
				   T0 + 11000, &r);
		assert_int_equal(st, SERVICE_OK);
		assert_null(json_object_get(r.output, "Messages"));
		json_decref(r.output);
		json_decref(in);
	}
	/* Nothing left (exactly, or long past): answered at once. */
	f->waited_ms = 10000;
	st = call(f, "ReceiveMessage", in10, T0 + 12000);
	assert_int_equal(st, SERVICE_OK);
	assert_null(json_object_get(f->ctx, "WaitUntilMs"));
	assert_null(json_object_get(f->out, "Messages"));
	f->waited_ms = UINT32_MAX;
	st = call(f, "ReceiveMessage", in10, T0 + 12000);
	assert_int_equal(st, SERVICE_OK);
	assert_null(json_object_get(f->out, "Messages"));
	/* ... with the messages that are there. */
	send_body(f, "q", "m", T0 + 13000);
	f->waited_ms = 15000;
	st = call(f, "ReceiveMessage", in10, T0 + 14000);
	assert_int_equal(st, SERVICE_OK);
	assert_int_equal(json_array_size(json_object_get(f->out, "Messages")),
			 1);
	/* The queue's default wait (no WaitTimeSeconds) is shortened too. */
	f->waited_ms = 0;
	ok(f, "SetQueueAttributes",
	   "{\"QueueUrl\":\"" URL "q\",\"Attributes\":{"
	   "\"ReceiveMessageWaitTimeSeconds\":\"5\",\"VisibilityTimeout\":"
	   "\"600\"}}",
	   T0 + 15000);
	f->waited_ms = 2000;
	st = call(f, "ReceiveMessage", "{\"QueueUrl\":\"" URL "q\"}",
		  T0 + 16000);
	assert_int_equal(st, SERVICE_WAIT);
	assert_int_equal(f->r.wake_at_ms, T0 + 19000);
	f->waited_ms = 0;
}

/* ---------------- FIFO ---------------- */

static void send_fifo(struct fx *f, const char *q, const char *body,
		      const char *group, const char *dedup, uint64_t now)
{
	char in[512];

	if (dedup != NULL) {
		snprintf(in, sizeof(in),
			 "{\"QueueUrl\":\"" URL "%s\",\"MessageBody\":\"%s\","
			 "\"MessageGroupId\":\"%s\","
			 "\"MessageDeduplicationId\":\"%s\"}",
			 q, body, group, dedup);
	} else {
		snprintf(in, sizeof(in),
			 "{\"QueueUrl\":\"" URL "%s\",\"MessageBody\":\"%s\","
			 "\"MessageGroupId\":\"%s\"}",
			 q, body, group);
	}
	ok(f, "SendMessage", in, now);
}

static void delete_msg(struct fx *f, const char *q, const json_t *msg,
		       uint64_t now)
{
	char in[512];

	snprintf(in, sizeof(in),
		 "{\"QueueUrl\":\"" URL "%s\",\"ReceiptHandle\":\"%s\"}", q,
		 sget(msg, "ReceiptHandle"));
	ok(f, "DeleteMessage", in, now);
}

/* Wakes are counted: as many waiters as messages became available, and a
 * receive that leaves messages passes the wake on; deleting a FIFO message
 * in flight unblocks its group. */
static void test_wake_counts(void **state)
{
	struct fx *f = *state;
	json_t *m;

	ok(f, "CreateQueue", "{\"QueueName\":\"w\"}", T0);
	f->wakes.n = 0;
	ok(f, "SendMessageBatch",
	   "{\"QueueUrl\":\"" URL "w\",\"Entries\":["
	   "{\"Id\":\"a\",\"MessageBody\":\"1\"},"
	   "{\"Id\":\"b\",\"MessageBody\":\"2\"},"
	   "{\"Id\":\"c\",\"MessageBody\":\"3\"},"
	   "{\"Id\":\"d\",\"MessageBody\":\"4\",\"DelaySeconds\":5}]}",
	   T0);
	assert_int_equal(f->wakes.n, 1);
	assert_int_equal(f->wakes.last_count, 3); /* the delayed one waits */
	m = recv_n(f, "w", 1, T0 + 1);
	assert_int_equal(json_array_size(m), 1);
	assert_int_equal(f->wakes.n, 2);
	assert_int_equal(f->wakes.last_count, 2); /* two left for others */
	m = recv_n(f, "w", 10, T0 + 2);
	assert_int_equal(json_array_size(m), 2);
	assert_int_equal(f->wakes.n, 3);
	assert_int_equal(f->wakes.last_count, 0); /* nothing left */

	ok(f, "CreateQueue",
	   "{\"QueueName\":\"wf.fifo\",\"Attributes\":{\"FifoQueue\":"
	   "\"true\"}}",
	   T0);
	send_fifo(f, "wf.fifo", "a1", "A", "1", T0);
	send_fifo(f, "wf.fifo", "a2", "A", "2", T0);
	assert_int_equal(f->wakes.last_count, 1);
	m = recv_n(f, "wf.fifo", 1, T0 + 1);
	assert_int_equal(json_array_size(m), 1);
	assert_string_equal(sget(json_array_get(m, 0), "Body"), "a1");
	assert_int_equal(f->wakes.last_count, 0); /* group A is blocked */
	f->wakes.n = 0;
	/* a2 is blocked behind a1 in flight; deleting a1 frees it */
	delete_msg(f, "wf.fifo", json_array_get(m, 0), T0 + 2);
	assert_int_equal(f->wakes.n, 1);
	assert_int_equal(f->wakes.last_count, 1);
	assert_string_equal(f->wakes.last, "sqs:000000000000/wf.fifo");
	m = recv_n(f, "wf.fifo", 10, T0 + 3);
	assert_int_equal(json_array_size(m), 1);
	assert_string_equal(sget(json_array_get(m, 0), "Body"), "a2");
}

/* prepare's hints (service.h, "Long polls"): a send names the waiters it
 * will serve; a long poll that apply would only park waits from prepare,
 * its context complete. */
static void test_prepare_hints(void **state)
{
	struct fx *f = *state;

	ok(f, "CreateQueue", "{\"QueueName\":\"h\"}", T0);
	assert_int_equal(call(f, "ReceiveMessage",
			      "{\"QueueUrl\":\"" URL "h\","
			      "\"WaitTimeSeconds\":5}",
			      T0 + 10),
			 SERVICE_WAIT);
	assert_string_equal(f->r.wait_key, "sqs:000000000000/h");
	assert_int_equal(f->r.wake_at_ms, T0 + 10 + 5000);
	assert_int_equal(
	    json_integer_value(json_object_get(f->ctx, "WaitUntilMs")),
	    T0 + 10 + 5000);
	assert_non_null(json_object_get(f->ctx, "ReceiptNonce"));
	/* without a wait it is an empty answer, through the log */
	assert_int_equal(
	    call(f, "ReceiveMessage", "{\"QueueUrl\":\"" URL "h\"}", T0 + 10),
	    SERVICE_OK);
	ok(f, "SendMessageBatch",
	   "{\"QueueUrl\":\"" URL "h\",\"Entries\":["
	   "{\"Id\":\"a\",\"MessageBody\":\"1\"},"
	   "{\"Id\":\"b\",\"MessageBody\":\"2\",\"DelaySeconds\":3},"
	   "{\"Id\":\"c\",\"MessageBody\":\"3\",\"DelaySeconds\":0}]}",
	   T0 + 20);
	assert_int_equal(f->r.wakes, 2);
	assert_string_equal(f->r.wait_key, "sqs:000000000000/h");
	/* something available: the long poll goes through the log */
	assert_int_equal(call(f, "ReceiveMessage",
			      "{\"QueueUrl\":\"" URL "h\","
			      "\"WaitTimeSeconds\":5,"
			      "\"MaxNumberOfMessages\":10}",
			      T0 + 30),
			 SERVICE_OK);
	assert_int_equal(json_array_size(json_object_get(f->out, "Messages")),
			 2);
	/* only the delayed one is left: wait until it is due */
	assert_int_equal(call(f, "ReceiveMessage",
			      "{\"QueueUrl\":\"" URL "h\","
			      "\"WaitTimeSeconds\":5}",
			      T0 + 40),
			 SERVICE_WAIT);
	assert_int_equal(f->r.wake_at_ms, T0 + 20 + 3000);
	/* a queue with a default delay: its sends serve nobody at once */
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"hd\",\"Attributes\":{\"DelaySeconds\":\"2\"}}",
	   T0);
	ok(f, "SendMessage",
	   "{\"QueueUrl\":\"" URL "hd\",\"MessageBody\":\"x\"}", T0 + 50);
	assert_int_equal(f->r.wakes, 0);
}

static void test_fifo(void **state)
{
	struct fx *f = *state;
	json_t *m;
	char id1[64], seq1[64], seq2[64];
	char *held;

	ok(f, "CreateQueue",
	   "{\"QueueName\":\"f.fifo\",\"Attributes\":{\"FifoQueue\":\"true\"}}",
	   T0);
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "f.fifo\",\"MessageBody\":"
	    "\"a\",\"MessageDeduplicationId\":\"d\"}",
	    T0, "MissingParameter");
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "f.fifo\",\"MessageBody\":\"a\","
	    "\"MessageGroupId\":\"g\"}",
	    T0, "InvalidParameterValue"); /* no dedup id, no CBD */
	err(f, "SendMessage",
	    "{\"QueueUrl\":\"" URL "f.fifo\",\"MessageBody\":\"a\","
	    "\"MessageGroupId\":\"g\",\"MessageDeduplicationId\":\"d\","
	    "\"DelaySeconds\":1}",
	    T0, "InvalidParameterValue");
	send_fifo(f, "f.fifo", "a1", "A", "1", T0);
	snprintf(id1, sizeof(id1), "%s", sget(f->out, "MessageId"));
	snprintf(seq1, sizeof(seq1), "%s", sget(f->out, "SequenceNumber"));
	/* "1" then the queue's counter in 20 zero-padded digits. */
	assert_int_equal(strlen(seq1), 21);
	assert_int_equal(strspn(seq1, "0123456789"), 21);
	assert_int_equal(seq1[0], '1');
	send_fifo(f, "f.fifo", "a2", "A", "2", T0 + 1);
	snprintf(seq2, sizeof(seq2), "%s", sget(f->out, "SequenceNumber"));
	assert_true(strlen(seq2) == strlen(seq1) && strcmp(seq2, seq1) > 0);
	/* Duplicate within 5 min: accepted, original id, not enqueued. */
	send_fifo(f, "f.fifo", "a1-again", "A", "1", T0 + 2);
	assert_string_equal(sget(f->out, "MessageId"), id1);
	send_fifo(f, "f.fifo", "b1", "B", "3", T0 + 3);
	send_fifo(f, "f.fifo", "a3", "A", "4", T0 + 4);
	assert_string_equal(
	    qattr(f, "f.fifo", "ApproximateNumberOfMessages", T0 + 5), "4");
	/* One receive: group A in order, as many as it can. */
	m = recv_n(f, "f.fifo", 10, T0 + 10);
	assert_true(json_array_size(m) >= 3);
	assert_string_equal(sget(json_array_get(m, 0), "Body"), "a1");
	assert_string_equal(sget(json_array_get(m, 1), "Body"), "a2");
	assert_string_equal(sget(json_array_get(m, 2), "Body"), "a3");
	assert_string_equal(
	    sget(json_object_get(json_array_get(m, 0), "Attributes"),
		 "MessageGroupId"),
	    "A");
	assert_string_equal(
	    sget(json_object_get(json_array_get(m, 0), "Attributes"),
		 "SequenceNumber"),
	    seq1);
	assert_string_equal(
	    sget(json_object_get(json_array_get(m, 0), "Attributes"),
		 "MessageDeduplicationId"),
	    "1");
	/* Group A blocked while in flight. */
	held = json_dumps(m, 0);
	ok(f, "SendMessage",
	   "{\"QueueUrl\":\"" URL "f.fifo\",\"MessageBody\":\"a4\","
	   "\"MessageGroupId\":\"A\",\"MessageDeduplicationId\":\"5\"}",
	   T0 + 11);
	m = recv_n(f, "f.fifo", 10, T0 + 12);
	if (m != NULL) {
		size_t i;

		for (i = 0; i < json_array_size(m); i++) {
			assert_string_equal(
			    sget(json_object_get(json_array_get(m, i),
						 "Attributes"),
				 "MessageGroupId"),
			    "B");
		}
	}
	/* Delete a1 only: a2 still in flight, group still blocked. */
	{
		json_t *h = json_loads(held, 0, NULL);

		delete_msg(f, "f.fifo", json_array_get(h, 0), T0 + 13);
		m = recv_n(f, "f.fifo", 10, T0 + 14);
		assert_null(m);
		/* After the visibility timeout, a2 comes back first. */
		m = recv_n(f, "f.fifo", 10, T0 + 10 + 30000);
		assert_non_null(m);
		{
			/* Group A in order (group B may come first). */
			char seen[64] = "";
			size_t i;

			for (i = 0; i < json_array_size(m); i++) {
				strcat(seen,
				       sget(json_array_get(m, i), "Body"));
				strcat(seen, ",");
			}
			assert_true(strstr(seen, "a2,a3,a4,") != NULL);
			assert_true(strstr(seen, "b1,") != NULL);
		}
		json_decref(h);
	}
	free(held);
	/* After 5 minutes the dedup id may be reused. */
	send_fifo(f, "f.fifo", "a1-new", "A", "1", T0 + 300001);
	assert_string_not_equal(sget(f->out, "MessageId"), id1);
}

static void test_fifo_content_dedup(void **state)
{
	struct fx *f = *state;
	char id[64];
	json_t *m;

	ok(f, "CreateQueue",
	   "{\"QueueName\":\"c.fifo\",\"Attributes\":{\"FifoQueue\":\"true\","
	   "\"ContentBasedDeduplication\":\"true\"}}",
	   T0);
	send_fifo(f, "c.fifo", "same", "g", NULL, T0);
	snprintf(id, sizeof(id), "%s", sget(f->out, "MessageId"));
	send_fifo(f, "c.fifo", "same", "h", NULL, T0 + 1);
	assert_string_equal(sget(f->out, "MessageId"), id);
	m = recv_n(f, "c.fifo", 10, T0 + 2);
	assert_int_equal(json_array_size(m), 1);
	/* Dedup scope messageGroup: same body in another group is new. */
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"s.fifo\",\"Attributes\":{\"FifoQueue\":\"true\","
	   "\"ContentBasedDeduplication\":\"true\",\"DeduplicationScope\":"
	   "\"messageGroup\"}}",
	   T0);
	send_fifo(f, "s.fifo", "same", "g", NULL, T0);
	send_fifo(f, "s.fifo", "same", "h", NULL, T0);
	send_fifo(f, "s.fifo", "same", "h", NULL, T0);
	assert_string_equal(
	    qattr(f, "s.fifo", "ApproximateNumberOfMessages", T0), "2");
}

static void test_fifo_attempt_id(void **state)
{
	struct fx *f = *state;
	char first[4096];
	char *again;
	uint8_t *buf;
	size_t len;

	f->seed = 5;
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"a.fifo\",\"Attributes\":{\"FifoQueue\":\"true\","
	   "\"ContentBasedDeduplication\":\"true\"}}",
	   T0);
	send_fifo(f, "a.fifo", "x1", "g", NULL, T0);
	send_fifo(f, "a.fifo", "x2", "g", NULL, T0);
	send_fifo(f, "a.fifo", "y1", "h", NULL, T0);
	ok(f, "ReceiveMessage",
	   "{\"QueueUrl\":\"" URL "a.fifo\",\"MaxNumberOfMessages\":2,"
	   "\"ReceiveRequestAttemptId\":\"try-1\"}",
	   T0 + 1);
	again = json_dumps(f->out, JSON_COMPACT);
	snprintf(first, sizeof(first), "%s", again);
	free(again);
	assert_int_equal(json_array_size(json_object_get(f->out, "Messages")),
			 2);
	/* The retry returns the same messages and handles. */
	ok(f, "ReceiveMessage",
	   "{\"QueueUrl\":\"" URL "a.fifo\",\"MaxNumberOfMessages\":2,"
	   "\"ReceiveRequestAttemptId\":\"try-1\"}",
	   T0 + 2);
	again = json_dumps(f->out, JSON_COMPACT);
	assert_string_equal(again, first);
	free(again);
	/* It survives a snapshot. */
	assert_int_equal(f->svc->snapshot(f->svc->state, &buf, &len), 0);
	assert_int_equal(f->svc->restore(f->svc->state, buf, len), 0);
	free(buf);
	ok(f, "ReceiveMessage",
	   "{\"QueueUrl\":\"" URL "a.fifo\",\"MaxNumberOfMessages\":2,"
	   "\"ReceiveRequestAttemptId\":\"try-1\"}",
	   T0 + 3);
	again = json_dumps(f->out, JSON_COMPACT);
	assert_string_equal(again, first);
	free(again);
	/* Another attempt id receives anew: y1 (group g is in flight). */
	ok(f, "ReceiveMessage",
	   "{\"QueueUrl\":\"" URL "a.fifo\",\"MaxNumberOfMessages\":2,"
	   "\"ReceiveRequestAttemptId\":\"try-2\"}",
	   T0 + 4);
	assert_string_equal(
	    sget(json_array_get(json_object_get(f->out, "Messages"), 0),
		 "Body"),
	    "y1");
	err(f, "ReceiveMessage",
	    "{\"QueueUrl\":\"" URL "a.fifo\",\"ReceiveRequestAttemptId\":"
	    "\"\"}",
	    T0 + 4, "InvalidParameterValue");
}

/* ---------------- dead-letter queues ---------------- */

static void test_dlq(void **state)
{
	struct fx *f = *state;
	json_t *m;

	ok(f, "CreateQueue", "{\"QueueName\":\"dlq\"}", T0);
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"ffq.fifo\",\"Attributes\":{"
	   "\"FifoQueue\":\"true\"}}",
	   T0);
	err(f, "CreateQueue",
	    "{\"QueueName\":\"src\",\"Attributes\":{\"RedrivePolicy\":"
	    "\"{\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:us-east-1:"
	    "000000000000:nope\\\",\\\"maxReceiveCount\\\":2}\"}}",
	    T0, "InvalidParameterValue");
	err(f, "CreateQueue",
	    "{\"QueueName\":\"src\",\"Attributes\":{\"RedrivePolicy\":"
	    "\"{\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:us-east-1:"
	    "000000000000:ffq.fifo\\\",\\\"maxReceiveCount\\\":2}\"}}",
	    T0, "InvalidParameterValue");
	err(f, "CreateQueue",
	    "{\"QueueName\":\"src\",\"Attributes\":{\"RedrivePolicy\":"
	    "\"{\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:us-east-1:"
	    "000000000000:dlq\\\",\\\"maxReceiveCount\\\":1001}\"}}",
	    T0, "InvalidParameterValue");
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"src\",\"Attributes\":{\"VisibilityTimeout\":\"1\","
	   "\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:"
	   "us-east-1:000000000000:dlq\\\",\\\"maxReceiveCount\\\":\\\"2\\\"}"
	   "\"}}",
	   T0);
	assert_string_equal(qattr(f, "src", "RedrivePolicy", T0),
			    "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:"
			    "000000000000:dlq\",\"maxReceiveCount\":2}");
	ok(f, "ListDeadLetterSourceQueues", "{\"QueueUrl\":\"" URL "dlq\"}",
	   T0);
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(f->out, "queueUrls"), 0)),
			    URL "src");
	send_body(f, "src", "poison", T0);
	assert_non_null(recv_n(f, "src", 1, T0));
	assert_non_null(recv_n(f, "src", 1, T0 + 1000));
	/* Third receive would exceed maxReceiveCount 2: moved. */
	assert_null(recv_n(f, "src", 1, T0 + 2000));
	m = recv_n(f, "dlq", 1, T0 + 2000);
	assert_int_equal(json_array_size(m), 1);
	assert_string_equal(sget(json_array_get(m, 0), "Body"), "poison");
	/* RedriveAllowPolicy denyAll on the target blocks new sources. */
	ok(f, "SetQueueAttributes",
	   "{\"QueueUrl\":\"" URL
	   "dlq\",\"Attributes\":{\"RedriveAllowPolicy\":"
	   "\"{\\\"redrivePermission\\\":\\\"denyAll\\\"}\"}}",
	   T0);
	err(f, "CreateQueue",
	    "{\"QueueName\":\"src2\",\"Attributes\":{\"RedrivePolicy\":"
	    "\"{\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:us-east-1:"
	    "000000000000:dlq\\\",\\\"maxReceiveCount\\\":2}\"}}",
	    T0, "InvalidParameterValue");
	err(f, "SetQueueAttributes",
	    "{\"QueueUrl\":\"" URL
	    "dlq\",\"Attributes\":{\"RedriveAllowPolicy\":"
	    "\"{\\\"redrivePermission\\\":\\\"byQueue\\\"}\"}}",
	    T0, "InvalidParameterValue");
	/* Removing the policy. */
	ok(f, "SetQueueAttributes",
	   "{\"QueueUrl\":\"" URL "src\",\"Attributes\":{\"RedrivePolicy\":"
	   "\"\"}}",
	   T0);
	ok(f, "ListDeadLetterSourceQueues", "{\"QueueUrl\":\"" URL "dlq\"}",
	   T0);
	assert_int_equal(json_array_size(json_object_get(f->out, "queueUrls")),
			 0);
}

/* ---------------- determinism, snapshots ---------------- */

/* A mixed workload on f (deterministic contexts). Returns the
 * concatenated output bytes. */
static char *workload(struct fx *f, uint64_t t, int rounds)
{
	size_t cap = 1 << 16, len = 0;
	char *all = malloc(cap);
	int i;

	all[0] = '\0';
	for (i = 0; i < rounds; i++) {
		char in[512];
		enum service_status st;
		json_t *m;
		char *s;

		snprintf(in, sizeof(in),
			 "{\"QueueUrl\":\"" URL "w\",\"MessageBody\":\"m%d\","
			 "\"MessageAttributes\":{\"k\":{\"DataType\":"
			 "\"Number\",\"StringValue\":\"%d\"}}}",
			 i, i);
		call(f, "SendMessage", in, t + (uint64_t)i * 700);
		snprintf(in, sizeof(in),
			 "{\"QueueUrl\":\"" URL "w.fifo\",\"MessageBody\":"
			 "\"f%d\",\"MessageGroupId\":\"g%d\","
			 "\"MessageDeduplicationId\":\"%d\"}",
			 i, i % 3, i / 2);
		call(f, "SendMessage", in, t + (uint64_t)i * 700);
		st =
		    call(f, "ReceiveMessage",
			 "{\"QueueUrl\":\"" URL "w\",\"MaxNumberOfMessages\":3,"
			 "\"VisibilityTimeout\":2,\"AttributeNames\":[\"All\"],"
			 "\"MessageAttributeNames\":[\"All\"]}",
			 t + (uint64_t)i * 700 + 1);
		assert_int_equal(st, SERVICE_OK);
		m = json_object_get(f->out, "Messages");
		if (i % 3 == 0 && json_array_size(m) > 0) {
			delete_msg(f, "w", json_array_get(m, 0),
				   t + (uint64_t)i * 700 + 2);
		}
		call(f, "ReceiveMessage",
		     "{\"QueueUrl\":\"" URL "w.fifo\",\"MaxNumberOfMessages\":"
		     "2,\"VisibilityTimeout\":1,\"AttributeNames\":[\"All\"]}",
		     t + (uint64_t)i * 700 + 3);
		s = f->out ? json_dumps(f->out, JSON_COMPACT) : strdup("-");
		while (len + strlen(s) + 2 > cap) {
			cap *= 2;
			all = realloc(all, cap);
		}
		memcpy(all + len, s, strlen(s) + 1);
		len += strlen(s);
		free(s);
	}
	return all;
}

static void make_w(struct fx *f)
{
	ok(f, "CreateQueue", "{\"QueueName\":\"w\"}", T0);
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"w.fifo\",\"Attributes\":{\"FifoQueue\":\"true\"}}",
	   T0);
	ok(f, "CreateQueue", "{\"QueueName\":\"wd\"}", T0);
	ok(f, "SetQueueAttributes",
	   "{\"QueueUrl\":\"" URL "w\",\"Attributes\":{\"RedrivePolicy\":"
	   "\"{\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:us-east-1:"
	   "000000000000:wd\\\",\\\"maxReceiveCount\\\":3}\"}}",
	   T0);
}

static void test_determinism(void **state)
{
	struct fx *a = *state, b = {0};
	char *oa, *ob;

	b.svc = new_svc(&b.wakes);
	a->seed = b.seed = 42;
	make_w(a);
	make_w(&b);
	oa = workload(a, T0 + 1000, 60);
	ob = workload(&b, T0 + 1000, 60);
	assert_string_equal(oa, ob);
	assert_true(strlen(oa) > 1000);
	assert_true(a->svc->digest(a->svc->state) ==
		    b.svc->digest(b.svc->state));
	free(oa);
	free(ob);
	/* Different histories, different digests. */
	send_body(&b, "w", "extra", T0 + 100000);
	assert_true(a->svc->digest(a->svc->state) !=
		    b.svc->digest(b.svc->state));
	fx_reset(&b);
	b.svc->destroy(b.svc);
}

static void test_snapshot_roundtrip(void **state)
{
	struct fx *a = *state, b = {0};
	uint8_t *buf, *buf2;
	size_t len, len2;
	char *oa, *ob;

	b.svc = new_svc(&b.wakes);
	a->seed = 7;
	make_w(a);
	free(workload(a, T0 + 1000, 40));
	ok(a, "TagQueue", "{\"QueueUrl\":\"" URL "w\",\"Tags\":{\"x\":\"y\"}}",
	   T0 + 50000);
	ok(a, "DeleteQueue", "{\"QueueUrl\":\"" URL "wd\"}", T0 + 50000);
	assert_int_equal(a->svc->snapshot(a->svc->state, &buf, &len), 0);
	assert_int_equal(b.svc->restore(b.svc->state, buf, len), 0);
	assert_true(a->svc->digest(a->svc->state) ==
		    b.svc->digest(b.svc->state));
	assert_int_equal(b.svc->snapshot(b.svc->state, &buf2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	free(buf2);
	/* Behaviour continues identically. */
	b.seed = a->seed;
	oa = workload(a, T0 + 60000, 30);
	ob = workload(&b, T0 + 60000, 30);
	assert_string_equal(oa, ob);
	assert_true(a->svc->digest(a->svc->state) ==
		    b.svc->digest(b.svc->state));
	err(&b, "CreateQueue", "{\"QueueName\":\"wd\"}", T0 + 100000,
	    "QueueDeletedRecently");
	free(oa);
	free(ob);
	free(buf);
	fx_reset(&b);
	b.svc->destroy(b.svc);
}

static void test_restore_garbage(void **state)
{
	struct fx *a = *state, b = {0};
	uint8_t *buf, *mut;
	size_t len, i;
	uint64_t d0, seed = 1;

	b.svc = new_svc(&b.wakes);
	a->seed = 9;
	make_w(a);
	free(workload(a, T0 + 1000, 8));
	assert_int_equal(a->svc->snapshot(a->svc->state, &buf, &len), 0);
	ok(&b, "CreateQueue", "{\"QueueName\":\"keep\"}", T0);
	d0 = b.svc->digest(b.svc->state);
	/* Every truncation fails and leaves the state alone. */
	for (i = 0; i < len; i++) {
		assert_int_equal(b.svc->restore(b.svc->state, buf, i), -1);
	}
	assert_true(b.svc->digest(b.svc->state) == d0);
	/* Random byte mutations: never crash; failures change nothing. */
	mut = malloc(len);
	for (i = 0; i < 20000; i++) {
		size_t k;

		memcpy(mut, buf, len);
		for (k = 0; k < 1 + i % 4; k++) {
			seed = u64_mix(seed + i);
			mut[seed % len] = (uint8_t)(seed >> 32);
		}
		if (b.svc->restore(b.svc->state, mut, len) != 0) {
			assert_true(b.svc->digest(b.svc->state) == d0);
		} else {
			/* Accepted: it is a valid state; put ours back. */
			struct fx c = {0};

			b.svc->destroy(b.svc);
			b.svc = new_svc(&b.wakes);
			ok(&b, "CreateQueue", "{\"QueueName\":\"keep\"}", T0);
			(void)c;
		}
	}
	free(mut);
	/* Hostile counts and lengths. */
	{
		static const struct {
			const char *p;
			size_t n;
		} bad[] = {
		    {"SQS1\xff\xff\xff\xff", 8},
		    {"SQS1\0\0\0\0\xff\xff\xff\xff", 12},
		    {"SQS1\0\0\0\0\x01\0\0\0\xff\xff\xff\x7f", 16},
		    {"SQS1\0\0\0\0\x01\0\0\0\x01\0\0\0q\x05", 18},
		    {"SQS1\0\0\0\0\0\0\0\0junk", 16},
		    {"SQS9\0\0\0\0\0\0\0\0", 12},
		    {"SQS2\0\0\0\0\0\0\0\0x", 13},
		    {"{\"v\":1}", 7},
		    {"", 0},
		};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_equal(
			    b.svc->restore(b.svc->state,
					   (const uint8_t *)bad[i].p, bad[i].n),
			    -1);
		}
		assert_true(b.svc->digest(b.svc->state) == d0);
		/* The empty state is valid, in both versions. */
		assert_int_equal(
		    b.svc->restore(b.svc->state,
				   (const uint8_t *)"SQS1\0\0\0\0\0\0\0\0", 12),
		    0);
		assert_int_equal(
		    b.svc->restore(b.svc->state,
				   (const uint8_t *)"SQS2\0\0\0\0\0\0\0\0", 12),
		    0);
		assert_int_equal(
		    b.svc->restore(b.svc->state,
				   (const uint8_t *)"SQS3\0\0\0\0\0\0\0\0", 12),
		    0);
	}
	free(buf);
	fx_reset(&b);
	b.svc->destroy(b.svc);
}

/* ---------------- model-based property test ---------------- */

#define MODEL_MAX 4000

struct model_msg {
	char body[16];
	uint64_t visible_at; /* pending until then */
	bool pending, inflight, deleted;
	uint32_t count;
	char handle[SQS_HANDLE_LEN + 1];
};

struct model {
	struct model_msg m[MODEL_MAX];
	int n;
	int ready[MODEL_MAX * 40];
	int nready, rhead;
	char handles[MODEL_MAX * 3][SQS_HANDLE_LEN + 1]; /* every handle seen */
	int nhandles;
};

static int due_cmp(const void *a, const void *b, void *ctx)
{
	return 0;
}

static void model_advance(struct model *md, uint64_t now)
{
	/* Due pending messages join the ready list by (visible_at, seq). */
	for (;;) {
		int best = -1, i;

		for (i = 0; i < md->n; i++) {
			struct model_msg *x = &md->m[i];

			if (!x->deleted && x->pending && x->visible_at <= now &&
			    (best < 0 ||
			     x->visible_at < md->m[best].visible_at)) {
				best = i;
			}
		}
		if (best < 0) {
			return;
		}
		md->m[best].pending = false;
		md->m[best].inflight = false;
		md->ready[md->nready++] = best;
	}
}

static int model_pop_ready(struct model *md)
{
	while (md->rhead < md->nready) {
		int i = md->ready[md->rhead++];

		if (!md->m[i].deleted && !md->m[i].pending) {
			return i;
		}
	}
	return -1;
}

static void test_model(void **state)
{
	struct fx *f = *state;
	struct model *md = calloc(1, sizeof(*md));
	uint64_t now = T0, rnd = 12345;
	int step, received = 0, deleted = 0, changed = 0;

	(void)due_cmp;
	f->seed = 3;
	ok(f, "CreateQueue", "{\"QueueName\":\"m\"}", T0);
	for (step = 0; step < 2500 && md->n < MODEL_MAX - 1 &&
		       md->nready < MODEL_MAX * 40 - MODEL_MAX;
	     step++) {
		int op;
		char in[512];

		rnd = u64_mix(rnd + (uint64_t)step);
		op = (int)(rnd % 100);
		now += (rnd >> 8) % 3000;
		if (op < 35) {
			int d = (int)((rnd >> 20) % 4) - 1; /* -1: none */
			struct model_msg *x = &md->m[md->n];

			snprintf(x->body, sizeof(x->body), "b%d", md->n);
			if (d > 0) {
				snprintf(in, sizeof(in),
					 "{\"QueueUrl\":\"" URL "m\","
					 "\"MessageBody\":\"%s\","
					 "\"DelaySeconds\":%d}",
					 x->body, d);
			} else {
				snprintf(in, sizeof(in),
					 "{\"QueueUrl\":\"" URL "m\","
					 "\"MessageBody\":\"%s\"}",
					 x->body);
			}
			model_advance(md, now);
			ok(f, "SendMessage", in, now);
			if (d > 0) {
				x->pending = true;
				x->visible_at = now + (uint64_t)d * 1000;
			} else {
				md->ready[md->nready++] = md->n;
			}
			md->n++;
		} else if (op < 65) {
			int max = 1 + (int)((rnd >> 20) % 10);
			int vt = (int)((rnd >> 30) % 8);
			json_t *got;
			size_t k;

			snprintf(in, sizeof(in),
				 "{\"QueueUrl\":\"" URL "m\","
				 "\"MaxNumberOfMessages\":%d,"
				 "\"VisibilityTimeout\":%d}",
				 max, vt);
			model_advance(md, now);
			ok(f, "ReceiveMessage", in, now);
			got = json_object_get(f->out, "Messages");
			for (k = 0; k < (size_t)max; k++) {
				int i = model_pop_ready(md);
				const json_t *gm = json_array_get(got, k);

				if (i < 0) {
					assert_null(gm);
					break;
				}
				assert_non_null(gm);
				assert_string_equal(sget(gm, "Body"),
						    md->m[i].body);
				md->m[i].pending = md->m[i].inflight = true;
				md->m[i].visible_at = now + (uint64_t)vt * 1000;
				md->m[i].count++;
				snprintf(md->m[i].handle,
					 sizeof(md->m[i].handle), "%s",
					 sget(gm, "ReceiptHandle"));
				memcpy(md->handles[md->nhandles++ %
						   (MODEL_MAX * 3)],
				       md->m[i].handle, SQS_HANDLE_LEN + 1);
			}
			assert_int_equal(json_array_size(got), k);
			received += (int)k;
		} else if (op < 85 && md->nhandles > 0) {
			/* Mostly recent handles (live), sometimes any. */
			uint64_t span =
			    op % 4 == 0
				? (uint64_t)md->nhandles
				: (uint64_t)(md->nhandles < 12 ? md->nhandles
							       : 12);
			const char *h =
			    md->handles[(md->nhandles - 1 -
					 (int)((rnd >> 20) % span)) %
					(MODEL_MAX * 3)];
			int i;
			bool vis = op >= 78;
			int t = (int)((rnd >> 40) % 3);

			model_advance(md, now);
			for (i = 0; i < md->n; i++) {
				if (!md->m[i].deleted &&
				    strcmp(md->m[i].handle, h) == 0) {
					break;
				}
			}
			if (!vis) {
				snprintf(in, sizeof(in),
					 "{\"QueueUrl\":\"" URL "m\","
					 "\"ReceiptHandle\":\"%s\"}",
					 h);
				ok(f, "DeleteMessage", in, now);
				if (i < md->n) {
					md->m[i].deleted = true;
					deleted++;
				}
			} else {
				snprintf(in, sizeof(in),
					 "{\"QueueUrl\":\"" URL "m\","
					 "\"ReceiptHandle\":\"%s\","
					 "\"VisibilityTimeout\":%d}",
					 h, t);
				if (i == md->n) {
					err(f, "ChangeMessageVisibility", in,
					    now, "InvalidParameterValue");
				} else if (!md->m[i].inflight) {
					err(f, "ChangeMessageVisibility", in,
					    now, "MessageNotInflight");
				} else {
					ok(f, "ChangeMessageVisibility", in,
					   now);
					changed++;
					if (t == 0) {
						md->m[i].pending = false;
						md->m[i].inflight = false;
						md->ready[md->nready++] = i;
					} else {
						md->m[i].visible_at =
						    now + (uint64_t)t * 1000;
					}
				}
			}
		} else {
			/* Counts as of now (reads advance nothing). */
			int i, vis = 0, nvis = 0, del = 0;
			char want[32];

			for (i = 0; i < md->n; i++) {
				struct model_msg *x = &md->m[i];

				if (x->deleted) {
					continue;
				}
				if (!x->pending || x->visible_at <= now) {
					vis++;
				} else if (x->inflight) {
					nvis++;
				} else {
					del++;
				}
			}
			snprintf(want, sizeof(want), "%d", vis);
			assert_string_equal(
			    qattr(f, "m", "ApproximateNumberOfMessages", now),
			    want);
			snprintf(want, sizeof(want), "%d", nvis);
			assert_string_equal(
			    qattr(f, "m",
				  "ApproximateNumberOfMessagesNotVisible", now),
			    want);
			snprintf(want, sizeof(want), "%d", del);
			assert_string_equal(
			    qattr(f, "m", "ApproximateNumberOfMessagesDelayed",
				  now),
			    want);
		}
	}
	/* The run exercised every path. */
	assert_true(received > 500);
	assert_true(deleted > 100);
	assert_true(changed > 10);
	check_msg_bytes(f);
	free(md);
}

/* Scale: many messages, receive/delete stay cheap. */
static void test_scale_overlimit(void **state)
{
	struct fx *f = *state;
	int i, got = 0;
	char in[4096];

	ok(f, "CreateQueue",
	   "{\"QueueName\":\"big.fifo\",\"Attributes\":{\"FifoQueue\":\"true\","
	   "\"ContentBasedDeduplication\":\"true\"}}",
	   T0);
	for (i = 0; i < 2001; i++) {
		int o = snprintf(in, sizeof(in),
				 "{\"QueueUrl\":\"" URL "big.fifo\","
				 "\"Entries\":[");
		int k;

		for (k = 0; k < 10; k++) {
			o += snprintf(in + o, sizeof(in) - (size_t)o,
				      "%s{\"Id\":\"e%d\",\"MessageBody\":"
				      "\"%d-%d\",\"MessageGroupId\":\"g%d\"}",
				      k ? "," : "", k, i, k, i * 10 + k);
		}
		snprintf(in + o, sizeof(in) - (size_t)o, "]}");
		ok(f, "SendMessageBatch", in, T0);
		assert_int_equal(
		    json_array_size(json_object_get(f->out, "Successful")), 10);
	}
	assert_string_equal(
	    qattr(f, "big.fifo", "ApproximateNumberOfMessages", T0), "20010");
	/* 20,000 in flight is the FIFO limit. */
	for (;;) {
		enum service_status st = call(
		    f, "ReceiveMessage",
		    "{\"QueueUrl\":\"" URL "big.fifo\",\"MaxNumberOfMessages\":"
		    "10}",
		    T0 + 1);

		if (st != SERVICE_OK) {
			assert_string_equal(f->r.error_code, "OverLimit");
			break;
		}
		got +=
		    (int)json_array_size(json_object_get(f->out, "Messages"));
		assert_true(got <= 20000);
	}
	assert_int_equal(got, 20000);
}

static void test_fifo_delay_no_block(void **state)
{
	struct fx *f = *state;
	json_t *m;

	ok(f, "CreateQueue",
	   "{\"QueueName\":\"d.fifo\",\"Attributes\":{\"FifoQueue\":"
	   "\"true\",\"DelaySeconds\":\"60\"}}",
	   T0);
	send_fifo(f, "d.fifo", "late", "g", "1", T0);
	ok(f, "SetQueueAttributes",
	   "{\"QueueUrl\":\"" URL "d.fifo\",\"Attributes\":{"
	   "\"DelaySeconds\":\"0\"}}",
	   T0);
	send_fifo(f, "d.fifo", "now", "g", "2", T0 + 1);
	/* The delayed message does not block its group. */
	m = recv_n(f, "d.fifo", 10, T0 + 2);
	assert_int_equal(json_array_size(m), 1);
	assert_string_equal(sget(json_array_get(m, 0), "Body"), "now");
	delete_msg(f, "d.fifo", json_array_get(m, 0), T0 + 3);
	assert_null(recv_n(f, "d.fifo", 10, T0 + 59999));
	m = recv_n(f, "d.fifo", 10, T0 + 60000);
	assert_int_equal(json_array_size(m), 1);
	assert_string_equal(sget(json_array_get(m, 0), "Body"), "late");
}

/* The leader's tick (service.h): collect the steps it emits at now and
 * apply them (after the tick: it must not see its own changes). Returns
 * the number of steps and sets *next to the time it asked for. */
struct steps {
	json_t *list; /* [[action, input], ...] */
};

static void collect_step(void *ctx, const char *service, const char *action,
			 const json_t *input)
{
	struct steps *s = ctx;

	assert_string_equal(service, "sqs");
	json_array_append_new(s->list,
			      json_pack("[s,O]", action, (json_t *)input));
}

static size_t tick_at(struct fx *f, uint64_t now, uint64_t *next)
{
	struct steps s = {json_array()};
	uint64_t at = f->svc->tick(f->svc->state, now, collect_step, &s);
	size_t i, n = json_array_size(s.list);

	for (i = 0; i < n; i++) {
		json_t *st = json_array_get(s.list, i);
		const char *action = json_string_value(json_array_get(st, 0));
		json_t *ctx = json_object();

		assert_int_equal(f->svc->action_kind(action),
				 SERVICE_ACTION_INTERNAL);
		fx_reset(f);
		assert_int_equal(f->svc->apply(f->svc->state, action,
					       json_array_get(st, 1), ctx, now,
					       &f->r),
				 SERVICE_OK);
		json_decref(f->r.output);
		f->r.output = NULL;
		json_decref(ctx);
	}
	json_decref(s.list);
	if (next != NULL) {
		*next = at;
	}
	return n;
}

/* The newest task of queue q ("dl" unless told) as ListMessageMoveTasks
 * shows it (borrowed from f->out). */
static json_t *newest_task(struct fx *f, const char *q, uint64_t now)
{
	char in[256];

	snprintf(in, sizeof in,
		 "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:%s\"}",
		 q);
	ok(f, "ListMessageMoveTasks", in, now);
	return json_array_get(json_object_get(f->out, "Results"), 0);
}

static json_int_t iget(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v)) {
		fail_msg("no integer %s", k);
	}
	return json_integer_value(v);
}

/* A DLQ "dl" (of "src") holding n messages sent to it directly, and an
 * empty "other". */
static void move_fixture(struct fx *f, int n)
{
	char body[32];
	int i;

	ok(f, "CreateQueue", "{\"QueueName\":\"dl\"}", T0);
	ok(f, "CreateQueue", "{\"QueueName\":\"other\"}", T0);
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"src\",\"Attributes\":{\"RedrivePolicy\":\"{"
	   "\\\"deadLetterTargetArn\\\":\\\"arn:aws:sqs:us-east-1:"
	   "000000000000:dl\\\",\\\"maxReceiveCount\\\":1}\"}}",
	   T0);
	for (i = 0; i < n; i++) {
		snprintf(body, sizeof body, "m%d", i);
		send_body(f, "dl", body, T0);
	}
}

static void test_move_tasks(void **state)
{
	struct fx *f = *state;
	json_t *m, *res, *t;
	uint8_t *buf;
	size_t len;
	uint64_t d;

	ok(f, "CreateQueue", "{\"QueueName\":\"dl\"}", T0);
	ok(f, "CreateQueue", "{\"QueueName\":\"other\"}", T0);
	ok(f, "CreateQueue",
	   "{\"QueueName\":\"src\",\"Attributes\":{\"VisibilityTimeout\":"
	   "\"0\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"arn:"
	   "aws:sqs:us-east-1:000000000000:dl\\\",\\\"maxReceiveCount\\\":1}\"}"
	   "}",
	   T0);
	send_body(f, "src", "p1", T0);
	send_body(f, "src", "p2", T0);
	assert_int_equal(json_array_size(recv_n(f, "src", 10, T0)), 2);
	/* Second receive moves both to the DLQ. */
	assert_null(recv_n(f, "src", 10, T0 + 1));
	assert_string_equal(
	    qattr(f, "dl", "ApproximateNumberOfMessages", T0 + 1), "2");
	err(f, "StartMessageMoveTask",
	    "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:other\"}",
	    T0 + 2, "InvalidParameterValue");
	err(f, "StartMessageMoveTask",
	    "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:nope\"}",
	    T0 + 2, "ResourceNotFoundException");
	err(f, "StartMessageMoveTask", "{}", T0 + 2, "MissingParameter");
	err(f, "StartMessageMoveTask",
	    "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:dl\","
	    "\"MaxNumberOfMessagesPerSecond\":501}",
	    T0 + 2, "InvalidParameterValue");
	/* Back to the origin, with a fresh receive count — over time, not
	 * inside the start. */
	f->wakes.n = 0;
	ok(f, "StartMessageMoveTask",
	   "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:dl\","
	   "\"MaxNumberOfMessagesPerSecond\":50}",
	   T0 + 3);
	assert_int_equal(strlen(sget(f->out, "TaskHandle")), 32);
	assert_string_equal(
	    qattr(f, "dl", "ApproximateNumberOfMessages", T0 + 3), "2");
	t = newest_task(f, "dl", T0 + 3);
	assert_string_equal(sget(t, "Status"), "RUNNING");
	assert_int_equal(strlen(sget(t, "TaskHandle")), 32);
	assert_int_equal(iget(t, "ApproximateNumberOfMessagesToMove"), 2);
	assert_int_equal(iget(t, "ApproximateNumberOfMessagesMoved"), 0);
	assert_int_equal(iget(t, "MaxNumberOfMessagesPerSecond"), 50);
	/* 50/s: one message per 20 ms; a second later both have moved. */
	assert_int_equal(tick_at(f, T0 + 1003, NULL), 1);
	assert_string_equal(
	    qattr(f, "dl", "ApproximateNumberOfMessages", T0 + 1003), "0");
	m = recv_n(f, "src", 10, T0 + 1004);
	assert_int_equal(json_array_size(m), 2);
	assert_string_equal(
	    sget(json_object_get(json_array_get(m, 0), "Attributes"),
		 "ApproximateReceiveCount"),
	    "1");
	ok(f, "ListMessageMoveTasks",
	   "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:dl\","
	   "\"MaxResults\":10}",
	   T0 + 1005);
	res = json_object_get(f->out, "Results");
	assert_int_equal(json_array_size(res), 1);
	assert_string_equal(sget(json_array_get(res, 0), "Status"),
			    "COMPLETED");
	assert_null(json_object_get(json_array_get(res, 0), "TaskHandle"));
	assert_int_equal(
	    iget(json_array_get(res, 0), "ApproximateNumberOfMessagesMoved"),
	    2);
	/* Nothing runs: the tick emits nothing and asks for nothing. */
	assert_int_equal(tick_at(f, T0 + 1006, &d), 0);
	assert_true(d == 0);
	/* To an explicit destination. */
	assert_null(recv_n(f, "src", 10, T0 + 1005)); /* to the DLQ again */
	ok(f, "StartMessageMoveTask",
	   "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:dl\","
	   "\"DestinationArn\":\"arn:aws:sqs:us-east-1:000000000000:other\"}",
	   T0 + 1006);
	assert_int_equal(tick_at(f, T0 + 1006, NULL), 1);
	assert_string_equal(
	    qattr(f, "other", "ApproximateNumberOfMessages", T0 + 1006), "2");
	err(f, "CancelMessageMoveTask", "{\"TaskHandle\":\"x\"}", T0 + 1007,
	    "ResourceNotFoundException");
	/* Tasks and origins survive a snapshot. */
	d = f->svc->digest(f->svc->state);
	assert_int_equal(f->svc->snapshot(f->svc->state, &buf, &len), 0);
	assert_int_equal(f->svc->restore(f->svc->state, buf, len), 0);
	free(buf);
	assert_true(f->svc->digest(f->svc->state) == d);
	ok(f, "ListMessageMoveTasks",
	   "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:dl\","
	   "\"MaxResults\":10}",
	   T0 + 1008);
	assert_int_equal(json_array_size(json_object_get(f->out, "Results")),
			 2);
}

/* MaxNumberOfMessagesPerSecond paces a task; one running task per source;
 * repeated steps move nothing extra; cancel stops it; a restored replica
 * (a new leader) continues it. */
static void test_move_pacing(void **state)
{
	struct fx *f = *state;
	struct service *other;
	struct wakes w2 = {0};
	json_t *t;
	char handle[33], in[128];
	uint64_t now, next = 0, moved_before;
	uint8_t *buf;
	size_t len;
	int i;

	move_fixture(f, 100);
	ok(f, "StartMessageMoveTask",
	   "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:dl\","
	   "\"DestinationArn\":\"arn:aws:sqs:us-east-1:000000000000:other\","
	   "\"MaxNumberOfMessagesPerSecond\":10}",
	   T0);
	snprintf(handle, sizeof handle, "%s", sget(f->out, "TaskHandle"));
	err(f, "StartMessageMoveTask",
	    "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:dl\"}", T0,
	    "InvalidParameterValue");
	/* Two seconds of ticks every 50 ms: at most 10 per second. */
	for (now = T0; now <= T0 + 2000; now += 50) {
		tick_at(f, now, &next);
		assert_true(next > now && next <= now + 1000);
		t = newest_task(f, "dl", now);
		assert_true(iget(t, "ApproximateNumberOfMessagesMoved") <=
			    (json_int_t)(10 * (now - T0) / 1000));
	}
	t = newest_task(f, "dl", now);
	assert_int_equal(iget(t, "ApproximateNumberOfMessagesMoved"), 20);
	assert_string_equal(sget(t, "Status"), "RUNNING");
	assert_int_equal(iget(t, "ApproximateNumberOfMessagesToMove"), 100);
	assert_string_equal(
	    qattr(f, "other", "ApproximateNumberOfMessages", now), "20");
	/* The same step again at the same time (a retry, an old leader's
	 * leftover) moves nothing more. */
	snprintf(in, sizeof in,
		 "{\"SourceQueue\":\"dl\",\"TaskHandle\":\"%s\"}", handle);
	{
		json_t *step = json_loads(in, 0, NULL), *ctx = json_object();

		fx_reset(f);
		assert_int_equal(f->svc->apply(f->svc->state,
					       "AdvanceMessageMoveTask", step,
					       ctx, now - 50, &f->r),
				 SERVICE_OK);
		json_decref(f->r.output);
		f->r.output = NULL;
		json_decref(step);
		json_decref(ctx);
	}
	assert_int_equal(
	    iget(newest_task(f, "dl", now), "ApproximateNumberOfMessagesMoved"),
	    20);
	/* A long gap (no leader for a while) gives at most one second's
	 * worth at once, not a burst. */
	now += 60000;
	tick_at(f, now, NULL);
	assert_int_equal(
	    iget(newest_task(f, "dl", now), "ApproximateNumberOfMessagesMoved"),
	    30);
	/* A replica restored from a snapshot (what a new leader has)
	 * continues the task from where it was. */
	assert_int_equal(f->svc->snapshot(f->svc->state, &buf, &len), 0);
	other = new_svc(&w2);
	assert_int_equal(other->restore(other->state, buf, len), 0);
	free(buf);
	assert_true(other->digest(other->state) ==
		    f->svc->digest(f->svc->state));
	other->destroy(other);
	/* Clients cannot send the leader's steps: prepare refuses them
	 * (and the node refuses INTERNAL actions before that). */
	{
		json_t *step = json_loads(in, 0, NULL), *ctx = json_object();

		fx_reset(f);
		assert_int_equal(f->svc->prepare(f->svc->state,
						 "AdvanceMessageMoveTask", step,
						 ctx, now, 0, &f->r),
				 SERVICE_ERROR);
		assert_string_equal(f->r.error_code, "InvalidAction");
		json_decref(step);
		json_decref(ctx);
	}
	/* Cancel stops it; what moved stays moved. */
	snprintf(in, sizeof in, "{\"TaskHandle\":\"%s\"}", handle);
	ok(f, "CancelMessageMoveTask", in, now + 1);
	assert_int_equal(iget(f->out, "ApproximateNumberOfMessagesMoved"), 30);
	t = newest_task(f, "dl", now + 1);
	assert_string_equal(sget(t, "Status"), "CANCELLED");
	assert_null(json_object_get(t, "TaskHandle"));
	err(f, "CancelMessageMoveTask", in, now + 2,
	    "ResourceNotFoundException");
	moved_before = 30;
	for (i = 0; i < 20; i++) {
		assert_int_equal(tick_at(f, now + 100 * (uint64_t)i, NULL), 0);
	}
	assert_string_equal(
	    qattr(f, "other", "ApproximateNumberOfMessages", now + 3000), "30");
	assert_string_equal(
	    qattr(f, "dl", "ApproximateNumberOfMessages", now + 3000), "70");
	(void)moved_before;
	/* A new task may start once none runs; without a rate it moves in
	 * chunks and completes. */
	ok(f, "StartMessageMoveTask",
	   "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:dl\","
	   "\"DestinationArn\":\"arn:aws:sqs:us-east-1:000000000000:other\"}",
	   now + 3000);
	assert_null(json_object_get(newest_task(f, "dl", now + 3000),
				    "MaxNumberOfMessagesPerSecond"));
	assert_int_equal(tick_at(f, now + 3000, NULL), 1);
	t = newest_task(f, "dl", now + 3000);
	assert_string_equal(sget(t, "Status"), "COMPLETED");
	assert_int_equal(iget(t, "ApproximateNumberOfMessagesMoved"), 70);
	assert_int_equal(iget(t, "ApproximateNumberOfMessagesToMove"), 70);
	check_msg_bytes(f);
}

/* Without a rate a task moves SQS_MOVE_CHUNK (500) per step; a task whose
 * destination queue is deleted fails with a reason. */
static void test_move_chunks_and_failure(void **state)
{
	struct fx *f = *state;
	json_t *t;
	uint64_t now = T0;

	move_fixture(f, 1200);
	ok(f, "StartMessageMoveTask",
	   "{\"SourceArn\":\"arn:aws:sqs:us-east-1:000000000000:dl\","
	   "\"DestinationArn\":\"arn:aws:sqs:us-east-1:000000000000:other\"}",
	   now);
	assert_int_equal(tick_at(f, now, NULL), 1);
	/* the next step no sooner than 100 ms later */
	assert_int_equal(tick_at(f, now + 50, NULL), 0);
	assert_int_equal(
	    iget(newest_task(f, "dl", now), "ApproximateNumberOfMessagesMoved"),
	    500);
	assert_int_equal(tick_at(f, now + 100, NULL), 1);
	assert_int_equal(
	    iget(newest_task(f, "dl", now), "ApproximateNumberOfMessagesMoved"),
	    1000);
	ok(f, "DeleteQueue", "{\"QueueUrl\":\"" URL "other\"}", now + 150);
	assert_int_equal(tick_at(f, now + 200, NULL), 1);
	t = newest_task(f, "dl", now + 200);
	assert_string_equal(sget(t, "Status"), "FAILED");
	assert_non_null(strstr(sget(t, "FailureReason"), "NonExistentQueue"));
	assert_string_equal(
	    qattr(f, "dl", "ApproximateNumberOfMessages", now + 200), "200");
}

/* Prepare rejects what apply would reject (nothing enters the log), and
 * apply alone still rejects it identically. */
static void test_prepare_rejects(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *action, *input, *code;
	} cases[] = {
	    {"CreateQueue", "{\"QueueName\":\"bad name\"}",
	     "InvalidParameterValue"},
	    {"CreateQueue",
	     "{\"QueueName\":\"q\",\"Attributes\":{\"VisibilityTimeout\":"
	     "\"31\"}}",
	     "QueueAlreadyExists"},
	    {"SendMessage", "{\"QueueUrl\":\"" URL "q\"}", "MissingParameter"},
	    {"SendMessage",
	     "{\"QueueUrl\":\"" URL "nope\",\"MessageBody\":\"x\"}",
	     "QueueDoesNotExist"},
	    {"SendMessageBatch", "{\"QueueUrl\":\"" URL "q\",\"Entries\":[]}",
	     "EmptyBatchRequest"},
	    {"DeleteMessage",
	     "{\"QueueUrl\":\"" URL "q\",\"ReceiptHandle\":\"zz\"}",
	     "ReceiptHandleIsInvalid"},
	    {"ReceiveMessage",
	     "{\"QueueUrl\":\"" URL "q\",\"MaxNumberOfMessages\":0}",
	     "InvalidParameterValue"},
	};
	size_t i;

	ok(f, "CreateQueue", "{\"QueueName\":\"q\"}", T0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *in = json_loads(cases[i].input, 0, NULL);
		json_t *ctx = json_pack(
		    "{s:s,s:[s],s:s}", "Endpoint", "http://e", "MessageIds",
		    "00000000-0000-4000-8000-000000000000", "ReceiptNonce",
		    "000102030405060708090a0b0c0d0e0f");
		json_t *pctx = json_object();
		struct service_result r = {0};

		assert_int_equal(f->svc->prepare(f->svc->state, cases[i].action,
						 in, pctx, T0, 0, &r),
				 SERVICE_ERROR);
		assert_string_equal(r.error_code, cases[i].code);
		memset(&r, 0, sizeof(r));
		assert_int_equal(f->svc->apply(f->svc->state, cases[i].action,
					       in, ctx, T0, &r),
				 SERVICE_ERROR);
		assert_string_equal(r.error_code, cases[i].code);
		json_decref(in);
		json_decref(ctx);
		json_decref(pctx);
	}
	assert_string_equal(qattr(f, "q", "ApproximateNumberOfMessages", T0),
			    "0");
}

/* A receive's answer is printed directly (sqs_receive.c, message_out);
 * call_ex checks it is exactly jsondoc_dump's form of the document it
 * holds. Here with every member a message can have: all system
 * attributes of a FIFO queue, a trace header, selected message
 * attributes, and a body with characters JSON escapes. */
static void test_receive_answer_printed(void **state)
{
	struct fx *f = *state;
	const json_t *m, *a;

	ok(f, "CreateQueue",
	   "{\"QueueName\":\"p.fifo\",\"Attributes\":{\"FifoQueue\":"
	   "\"true\"}}",
	   T0);
	ok(f, "SendMessage",
	   "{\"QueueUrl\":\"" URL "p.fifo\","
	   "\"MessageBody\":\"q\\\" b\\\\ n\\n t\\t r\\r \\u00e9 \\u2603\","
	   "\"MessageGroupId\":\"g\",\"MessageDeduplicationId\":\"d\","
	   "\"MessageAttributes\":{\"k\":{\"DataType\":\"String\","
	   "\"StringValue\":\"v\"},\"z\":{\"DataType\":\"Number\","
	   "\"StringValue\":\"1\"}},\"MessageSystemAttributes\":{"
	   "\"AWSTraceHeader\":{\"DataType\":\"String\",\"StringValue\":"
	   "\"Root=1\"}}}",
	   T0);
	ok(f, "ReceiveMessage",
	   "{\"QueueUrl\":\"" URL "p.fifo\",\"AttributeNames\":[\"All\"],"
	   "\"MessageAttributeNames\":[\"k\"]}",
	   T0 + 1000);
	m = json_array_get(json_object_get(f->out, "Messages"), 0);
	assert_non_null(m);
	assert_string_equal(sget(m, "Body"),
			    "q\" b\\ n\n t\t r\r \xc3\xa9 \xe2\x98\x83");
	a = json_object_get(m, "Attributes");
	assert_string_equal(sget(a, "AWSTraceHeader"), "Root=1");
	assert_string_equal(sget(a, "MessageGroupId"), "g");
	assert_string_equal(sget(a, "MessageDeduplicationId"), "d");
	assert_string_equal(sget(a, "ApproximateReceiveCount"), "1");
	assert_non_null(json_object_get(a, "SequenceNumber"));
	assert_non_null(json_object_get(a, "SentTimestamp"));
	assert_non_null(json_object_get(a, "SenderId"));
	assert_non_null(json_object_get(a, "ApproximateFirstReceiveTimestamp"));
	assert_int_equal(json_object_size(a), 8);
	assert_int_equal(
	    json_object_size(json_object_get(m, "MessageAttributes")), 1);
	assert_int_equal(strlen(sget(m, "MD5OfMessageAttributes")), 32);
	assert_int_equal(f->renders_checked, 1);
	/* Without any selection: no Attributes, no MessageAttributes. */
	ok(f, "SendMessage",
	   "{\"QueueUrl\":\"" URL "p.fifo\",\"MessageBody\":\"two\","
	   "\"MessageGroupId\":\"h\",\"MessageDeduplicationId\":\"e\"}",
	   T0 + 2000);
	ok(f, "ReceiveMessage", "{\"QueueUrl\":\"" URL "p.fifo\"}", T0 + 3000);
	m = json_array_get(json_object_get(f->out, "Messages"), 0);
	assert_string_equal(sget(m, "Body"), "two");
	assert_null(json_object_get(m, "Attributes"));
	assert_null(json_object_get(m, "MessageAttributes"));
	assert_int_equal(json_object_size(m), 4);
}

/* ReceiveMessage's stored output (service.h, "Stored outputs"): a replica
 * that did not propose the receive keeps only which messages it took;
 * rendering it gives the same answer while they stay in flight under that
 * receive, and leaves out what has moved on. */
static json_t *render_now(struct fx *f, const json_t *stored, uint64_t now)
{
	struct service_result r = {0};

	assert_int_equal(f->svc->render(f->svc->state, stored, now, &r),
			 SERVICE_OK);
	free(output_printed(&r));
	return r.output;
}

static void test_receive_stored_render(void **state)
{
	struct fx *f = *state;
	const char *in =
	    "{\"QueueUrl\":\"" URL "st\",\"MaxNumberOfMessages\":10,"
	    "\"AttributeNames\":[\"All\"],"
	    "\"MessageAttributeNames\":[\"All\"]}";
	json_t *msgs, *stored, *out, *req;
	struct service_result r = {0};
	char del[512];

	ok(f, "CreateQueue", "{\"QueueName\":\"st\"}", T0);
	send_body(f, "st", "one", T0);
	ok(f, "SendMessage",
	   "{\"QueueUrl\":\"" URL "st\",\"MessageBody\":\"two\","
	   "\"MessageAttributes\":{\"k\":{\"DataType\":\"String\","
	   "\"StringValue\":\"v\"}}}",
	   T0);
	send_body(f, "st", "three", T0);
	/* call_ex checks that the render equals the answer. */
	ok(f, "ReceiveMessage", in, T0 + 1000);
	assert_int_equal(f->renders_checked, 1);
	msgs = json_object_get(f->out, "Messages");
	assert_int_equal(json_array_size(msgs), 3);
	stored = json_incref(f->stored);
	/* Small: no bodies. */
	{
		char *t = json_dumps(stored, JSON_COMPACT);
		assert_null(strstr(t, "three"));
		free(t);
	}
	/* One deleted: left out. */
	snprintf(del, sizeof del,
		 "{\"QueueUrl\":\"" URL "st\",\"ReceiptHandle\":\"%s\"}",
		 sget(json_array_get(msgs, 0), "ReceiptHandle"));
	ok(f, "DeleteMessage", del, T0 + 2000);
	out = render_now(f, stored, T0 + 2000);
	msgs = json_object_get(out, "Messages");
	assert_int_equal(json_array_size(msgs), 2);
	assert_string_equal(sget(json_array_get(msgs, 0), "Body"), "two");
	assert_non_null(
	    json_object_get(json_array_get(msgs, 0), "MessageAttributes"));
	json_decref(out);
	/* Visible again and received by someone else: stale, left out. */
	ok(f, "ReceiveMessage", in, T0 + 32000);
	assert_int_equal(json_array_size(json_object_get(f->out, "Messages")),
			 2);
	out = render_now(f, stored, T0 + 32000);
	assert_null(json_object_get(out, "Messages"));
	json_decref(out);
	json_decref(stored);
	/* A replica that did not propose it builds no output at all. */
	send_body(f, "st", "four", T0 + 33000);
	req = json_loads(in, 0, NULL);
	fx_reset(f);
	f->ctx = json_pack("{s:s}", "Endpoint", "http://n1:7003");
	assert_int_equal(f->svc->prepare(f->svc->state, "ReceiveMessage", req,
					 f->ctx, T0 + 34000, 0, &r),
			 SERVICE_OK);
	r.output_unneeded = true;
	assert_int_equal(f->svc->apply(f->svc->state, "ReceiveMessage", req,
				       f->ctx, T0 + 34000, &r),
			 SERVICE_OK);
	assert_null(r.output);
	assert_null(r.output_text);
	assert_non_null(r.stored);
	out = render_now(f, r.stored, T0 + 34000);
	msgs = json_object_get(out, "Messages");
	assert_int_equal(json_array_size(msgs), 1);
	assert_string_equal(sget(json_array_get(msgs, 0), "Body"), "four");
	json_decref(out);
	json_decref(r.stored);
	json_decref(req);
	/* A queue deleted since: its error. */
	{
		json_t *bad = json_pack(
		    "{s:s,s:s,s:[i]}", "QueueUrl", URL "gone", "ReceiptNonce",
		    "00000000000000000000000000000000", "Seqs", 1);
		struct service_result e = {0};

		assert_int_equal(f->svc->render(f->svc->state, bad, T0, &e),
				 SERVICE_ERROR);
		assert_string_equal(e.error_code, "QueueDoesNotExist");
		json_decref(bad);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unhex),
	    cmocka_unit_test(test_md5_sha),
	    cmocka_unit_test(test_base64),
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	    T(test_create_queue),
	    T(test_delete_get_list),
	    T(test_attributes),
	    T(test_tags_purge),
	    T(test_send_receive_delete),
	    T(test_receive_stored_render),
	    T(test_receive_answer_printed),
	    T(test_send_md5_is_its_body),
	    T(test_send_validation),
	    T(test_batches),
	    T(test_visibility),
	    T(test_delay_retention_longpoll),
	    T(test_longpoll_retry_waits_what_is_left),
	    T(test_fifo),
	    T(test_wake_counts),
	    T(test_prepare_hints),
	    T(test_fifo_content_dedup),
	    T(test_fifo_attempt_id),
	    T(test_fifo_delay_no_block),
	    T(test_dlq),
	    T(test_sse_policy_attrs),
	    T(test_state_bytes),
	    T(test_sse_old_snapshot),
	    T(test_move_tasks),
	    T(test_move_pacing),
	    T(test_move_chunks_and_failure),
	    T(test_prepare_rejects),
	    T(test_determinism),
	    T(test_snapshot_roundtrip),
	    T(test_restore_garbage),
	    T(test_model),
	    T(test_scale_overlimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
