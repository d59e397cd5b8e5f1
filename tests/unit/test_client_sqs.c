/* test_client_sqs — libstratus service calls (st_call, st_sqs_*) against a
 * fake node, and the CLI's option -> request-document mapping
 * (cli_sqs_build, cli_shorthand_parse) without any server.
 *
 * The fake node is an nng REP socket served by one thread: it decodes each
 * Request, records its SERVICE_CALL op (service, action, input, context)
 * and answers with the scripted output or service error, optionally after
 * holding the request (a long poll), or with ServiceUnavailable (a leader
 * that lost its leadership while holding a long poll). Each test states
 * the property it checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_globals.h"
#include "cli_paging.h"
#include "cli_shorthand.h"
#include "cli_sqs.h"
#include "stratus.h"
#include "wire.h"
#include "wire_auth.h"

/* ---- the fake node ------------------------------------------------------- */

#define FAKE_MAX_LOG 64

struct fake_call {
	uint64_t seq;
	enum wire_op_type type;
	char service[80];
	char action[80];
	char *input; /* NUL-terminated copy */
	size_t context_len;
	uint32_t waited_ms;
	int sig; /* -1 unsigned, 1 verifies with fake.secret, 0 does not */
};

struct fake {
	nng_socket sock;
	char url[64];
	pthread_t thread;
	atomic_bool stop;

	pthread_mutex_t mu;
	/* the script: an output document, or a service error */
	const char *output; /* NULL = empty output bytes */
	uint32_t code;
	const char *error_name, *error_message;
	unsigned hold_ms; /* sleep before answering */
	/* answer this many more requests ServiceUnavailable (after hold_ms) */
	unsigned fail_first;
	const char *secret; /* checks signatures when set */
	/* the log */
	struct fake_call log[FAKE_MAX_LOG];
	size_t n_log;
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;

	while (!atomic_load(&f->stop)) {
		nng_msg *msg;
		int rv = nng_recvmsg(f->sock, &msg, 0);
		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0)
			break;
		struct wire_request req;
		rv = wire_request_decode(nng_msg_body(msg), nng_msg_len(msg),
					 &req);
		assert_int_equal(rv, 0);
		pthread_mutex_lock(&f->mu);
		int sig =
		    req.signature == NULL ? -1
		    : f->secret != NULL &&
			    wire_auth_verify(nng_msg_body(msg),
					     nng_msg_len(msg), f->secret) == 0
			? 1
			: 0;
		pthread_mutex_unlock(&f->mu);
		assert_int_equal(req.n_ops, 1);

		pthread_mutex_lock(&f->mu);
		const struct wire_op *op = &req.ops[0];
		if (f->n_log < FAKE_MAX_LOG) {
			struct fake_call *l = &f->log[f->n_log++];
			l->seq = req.seq;
			l->type = op->type;
			snprintf(l->service, sizeof l->service, "%s",
				 op->service);
			snprintf(l->action, sizeof l->action, "%s", op->action);
			l->input = malloc(op->input_len + 1);
			memcpy(l->input, op->input, op->input_len);
			l->input[op->input_len] = '\0';
			l->context_len = op->context_len;
			l->waited_ms = req.waited_ms;
			l->sig = sig;
		}
		struct wire_result res = {.code = f->code};
		if (f->code != 0) {
			res.error_name = f->error_name;
			res.error_message = f->error_message;
		} else if (f->output != NULL) {
			res.output = (const uint8_t *)f->output;
			res.output_len = strlen(f->output);
		}
		unsigned hold = f->hold_ms;
		struct wire_response resp = {.results = &res, .n_results = 1};
		uint8_t *buf;
		size_t len;
		if (f->fail_first > 0) {
			f->fail_first--;
			assert_int_equal(
			    wire_response_encode_error(
				WIRE_ERR_UNAVAILABLE,
				"leadership moved while waiting: retry", 0, "",
				&buf, &len),
			    0);
		} else
			assert_int_equal(
			    wire_response_encode(&resp, &buf, &len), 0);
		pthread_mutex_unlock(&f->mu);
		wire_request_release(&req); /* points into msg */
		nng_msg_free(msg);
		if (hold > 0)
			usleep(hold * 1000u);
		nng_send(f->sock, buf, len, 0);
		free(buf);
	}
	return NULL;
}

static void fake_start(struct fake *f)
{
	nng_listener l;
	int port = 0;

	memset(f, 0, sizeof *f);
	pthread_mutex_init(&f->mu, NULL);
	assert_int_equal(nng_rep0_open(&f->sock), 0);
	assert_int_equal(nng_socket_set_ms(f->sock, NNG_OPT_RECVTIMEO, 50), 0);
	assert_int_equal(nng_listener_create(&l, f->sock, "tcp://127.0.0.1:0"),
			 0);
	assert_int_equal(nng_listener_start(l, 0), 0);
	assert_int_equal(nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port),
			 0);
	snprintf(f->url, sizeof f->url, "tcp://127.0.0.1:%d", port);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(struct fake *f)
{
	atomic_store(&f->stop, true);
	pthread_join(f->thread, NULL);
	nng_close(f->sock);
	for (size_t i = 0; i < f->n_log; i++)
		free(f->log[i].input);
	pthread_mutex_destroy(&f->mu);
}

static void fake_script(struct fake *f, const char *output, uint32_t code,
			const char *name, const char *message)
{
	pthread_mutex_lock(&f->mu);
	f->output = output;
	f->code = code;
	f->error_name = name;
	f->error_message = message;
	pthread_mutex_unlock(&f->mu);
}

static size_t fake_n_log(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	size_t n = f->n_log;
	pthread_mutex_unlock(&f->mu);
	return n;
}

static const struct fake_call *fake_last(struct fake *f)
{
	assert_true(fake_n_log(f) > 0);
	return &f->log[fake_n_log(f) - 1];
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const st_options fast = {.request_timeout_ms = 2000,
				.connect_timeout_ms = 300,
				.retry_deadline_ms = 5000,
				.status_timeout_ms = 300,
				.backoff_base_ms = 5,
				.backoff_max_ms = 20};

/* Compare two JSON texts as documents. */
static void assert_json_equal(const char *a, const char *b)
{
	json_t *ja = json_loads(a, JSON_DECODE_ANY, NULL);
	json_t *jb = json_loads(b, JSON_DECODE_ANY, NULL);
	assert_non_null(ja);
	assert_non_null(jb);
	if (!json_equal(ja, jb))
		fail_msg("JSON differs:\n  got      %s\n  expected %s", a, b);
	json_decref(ja);
	json_decref(jb);
}

/* ---- st_call ---------------------------------------------------------------
 */

/* The input reaches the server byte for byte as ONE SERVICE_CALL op with
 * service "sqs", the action, and an empty context; the output document
 * comes back as a NUL-terminated copy; each st_sqs_* wrapper names its
 * AWS action. */
static void test_call_round_trip(void **state)
{
	struct fake f;
	st_error err;
	char *out;
	const char *in = "{\"QueueUrl\": \"http://q/000000000000/orders\", "
			 "\"MessageBody\": \"h\\u00e9llo\"}";

	fake_start(&f);
	fake_script(&f, "{\"MessageId\":\"m-1\",\"MD5OfMessageBody\":\"x\"}", 0,
		    NULL, NULL);
	st_client *c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);

	assert_int_equal(st_call(c, "sqs", "SendMessage", in, &out, &err), 0);
	assert_string_equal(
	    out, "{\"MessageId\":\"m-1\",\"MD5OfMessageBody\":\"x\"}");
	st_free(out);
	const struct fake_call *l = fake_last(&f);
	assert_int_equal(l->type, WIRE_OP_SERVICE_CALL);
	assert_string_equal(l->service, "sqs");
	assert_string_equal(l->action, "SendMessage");
	assert_string_equal(l->input, in);
	assert_int_equal(l->context_len, 0);

	/* The wrappers: one table, the right action each. */
	struct {
		int (*fn)(st_client *, const char *, char **, st_error *);
		const char *action;
	} w[] = {
	    {st_sqs_create_queue, "CreateQueue"},
	    {st_sqs_delete_queue, "DeleteQueue"},
	    {st_sqs_get_queue_url, "GetQueueUrl"},
	    {st_sqs_list_queues, "ListQueues"},
	    {st_sqs_get_queue_attributes, "GetQueueAttributes"},
	    {st_sqs_set_queue_attributes, "SetQueueAttributes"},
	    {st_sqs_purge_queue, "PurgeQueue"},
	    {st_sqs_tag_queue, "TagQueue"},
	    {st_sqs_untag_queue, "UntagQueue"},
	    {st_sqs_list_queue_tags, "ListQueueTags"},
	    {st_sqs_send_message, "SendMessage"},
	    {st_sqs_send_message_batch, "SendMessageBatch"},
	    {st_sqs_receive_message, "ReceiveMessage"},
	    {st_sqs_delete_message, "DeleteMessage"},
	    {st_sqs_delete_message_batch, "DeleteMessageBatch"},
	    {st_sqs_change_message_visibility, "ChangeMessageVisibility"},
	    {st_sqs_change_message_visibility_batch,
	     "ChangeMessageVisibilityBatch"},
	    {st_sqs_list_dead_letter_source_queues,
	     "ListDeadLetterSourceQueues"},
	    {st_sqs_start_message_move_task, "StartMessageMoveTask"},
	    {st_sqs_list_message_move_tasks, "ListMessageMoveTasks"},
	    {st_sqs_cancel_message_move_task, "CancelMessageMoveTask"},
	};
	fake_script(&f, NULL, 0, NULL, NULL); /* empty output */
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
		assert_int_equal(w[i].fn(c, "{\"QueueUrl\":\"u\"}", &out, &err),
				 0);
		assert_string_equal(out, "{}"); /* empty output -> {} */
		st_free(out);
		assert_string_equal(fake_last(&f)->action, w[i].action);
		assert_string_equal(fake_last(&f)->service, "sqs");
	}
	/* NULL input is an empty document. */
	assert_int_equal(st_sqs_list_queues(c, NULL, &out, &err), 0);
	st_free(out);
	assert_string_equal(fake_last(&f)->input, "{}");
	st_client_free(c);
	fake_stop(&f);
}

/* A service error is ST_ERR_SERVICE with AWS's error code as the name and
 * the service's message verbatim; no output. */
static void test_call_service_error(void **state)
{
	struct fake f;
	st_error err;
	char *out = (char *)"sentinel";

	fake_start(&f);
	fake_script(&f, NULL, WIRE_ERR_SERVICE, "QueueDoesNotExist",
		    "The specified queue does not exist.");
	st_client *c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);
	assert_int_equal(
	    st_sqs_get_queue_url(c, "{\"QueueName\":\"nope\"}", &out, &err),
	    ST_ERR_SERVICE);
	assert_null(out);
	assert_int_equal(err.code, ST_ERR_SERVICE);
	assert_string_equal(err.name, "QueueDoesNotExist");
	assert_string_equal(err.message, "The specified queue does not exist.");
	assert_int_equal(fake_n_log(&f), 1); /* not retried */

	/* A node-level error (no such action) keeps its code and says
	 * which call failed. */
	fake_script(&f, NULL, WIRE_ERR_UNKNOWN_OP, "InvalidAction",
		    "no action Frobnicate");
	assert_int_equal(st_call(c, "sqs", "Frobnicate", "{}", &out, &err),
			 ST_ERR_UNKNOWN_OP);
	assert_string_equal(err.name, "InvalidAction");
	assert_non_null(strstr(err.message, "sqs Frobnicate"));
	st_client_free(c);
	fake_stop(&f);
}

/* Bad arguments are refused before anything is sent, with clear errors. */
static void test_call_bad_arguments(void **state)
{
	struct fake f;
	st_error err;
	char *out;

	fake_start(&f);
	st_client *c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);
	assert_int_equal(
	    st_call(c, "sqs", "SendMessage", "{not json", &out, &err),
	    ST_ERR_INVALID_PARAM);
	assert_non_null(strstr(err.message, "not JSON"));
	assert_null(out);
	assert_int_equal(st_call(c, "sqs", "SendMessage", "[1]", &out, &err),
			 ST_ERR_INVALID_PARAM);
	assert_non_null(strstr(err.message, "not a JSON object"));
	assert_int_equal(st_call(c, "", "SendMessage", "{}", &out, &err),
			 ST_ERR_MISSING_PARAM);
	assert_int_equal(st_call(c, "sqs", NULL, "{}", &out, &err),
			 ST_ERR_MISSING_PARAM);
	char longname[100];
	memset(longname, 'A', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(st_call(c, "sqs", longname, "{}", &out, &err),
			 ST_ERR_INVALID_PARAM);
	assert_int_equal(st_call(c, "sqs", "ListQueues", "{}", NULL, &err),
			 ST_ERR_MISSING_PARAM);
	assert_int_equal(st_sqs_send(c, "u", "\xff\xfe", 2, NULL, &err),
			 ST_ERR_INVALID_PARAM);
	assert_int_equal(fake_n_log(&f), 0);
	/* One call, so the client is connected when freed (closing an nng
	 * 1.5.2 socket mid-dial can leak the dialer's buffers). */
	assert_int_equal(st_sqs_list_queues(c, "{}", &out, &err), 0);
	st_free(out);
	st_client_free(c);
	fake_stop(&f);
}

struct async_result {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int code;
	char output[256];
};

static void async_cb(void *arg, const st_error *err, const char *output)
{
	struct async_result *r = arg;
	pthread_mutex_lock(&r->mu);
	r->code = err != NULL ? err->code : 0;
	if (output != NULL)
		snprintf(r->output, sizeof r->output, "%s", output);
	r->done = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void async_wait(struct async_result *r)
{
	pthread_mutex_lock(&r->mu);
	while (!r->done)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

/* st_call_async: the callback gets the output once; a service error
 * reaches it with its code; a refused submission never calls back. */
static void test_call_async(void **state)
{
	struct fake f;
	st_error err;
	struct async_result r = {.mu = PTHREAD_MUTEX_INITIALIZER,
				 .cv = PTHREAD_COND_INITIALIZER};

	fake_start(&f);
	fake_script(&f, "{\"QueueUrls\":[\"u1\"]}", 0, NULL, NULL);
	st_client *c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);
	assert_int_equal(
	    st_call_async(c, "sqs", "ListQueues", "{}", async_cb, &r), 0);
	async_wait(&r);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.output, "{\"QueueUrls\":[\"u1\"]}");

	fake_script(&f, NULL, WIRE_ERR_SERVICE, "PurgeQueueInProgress", "soon");
	r.done = false;
	r.output[0] = '\0';
	assert_int_equal(st_call_async(c, "sqs", "PurgeQueue",
				       "{\"QueueUrl\":\"u\"}", async_cb, &r),
			 0);
	async_wait(&r);
	assert_int_equal(r.code, ST_ERR_SERVICE);
	assert_string_equal(r.output, "");
	assert_int_equal(
	    st_call_async(c, "sqs", "PurgeQueue", "nope", async_cb, &r),
	    ST_ERR_INVALID_PARAM);
	st_client_free(c);
	fake_stop(&f);
}

/* A ReceiveMessage long poll the server holds longer than
 * request_timeout_ms (but within WaitTimeSeconds) does not time out
 * client-side: one attempt, success. The same hold on another action is
 * a timeout and a retry (the control). */
static void test_long_poll_not_timed_out(void **state)
{
	struct fake f;
	st_error err;
	char *out;
	st_options o = fast;
	o.request_timeout_ms = 300;
	o.retry_deadline_ms = 800;

	fake_start(&f);
	fake_script(&f, "{\"Messages\":[]}", 0, NULL, NULL);
	st_client *c = st_client_new(f.url, &o, &err);
	assert_non_null(c);
	pthread_mutex_lock(&f.mu);
	f.hold_ms = 1200;
	pthread_mutex_unlock(&f.mu);

	int64_t t0 = now_ms();
	assert_int_equal(st_sqs_receive_message(c,
						"{\"QueueUrl\":\"u\","
						"\"WaitTimeSeconds\":2}",
						&out, &err),
			 0);
	assert_true(now_ms() - t0 >= 1100);
	assert_int_equal(fake_n_log(&f), 1);
	st_free(out);

	/* Control: ListQueues is not held, so 1.2 s is a timeout. */
	assert_int_equal(st_sqs_list_queues(c, "{}", &out, &err),
			 ST_ERR_TIMEOUT);
	assert_null(out);
	assert_true(fake_n_log(&f) >= 2);
	st_client_free(c);
	fake_stop(&f);
}

/* A long poll the server gave up on after holding it (a leader that lost
 * its leadership: ServiceUnavailable) is retried with the same seq and
 * ops, plus waited_ms — how long the caller has waited already — so the
 * next leader waits only for the rest; the retry's bytes are signed again
 * with the call's key (the client's, or a per-call key as the HTTP front
 * door passes, borrowed only while submitting) and verify. The first
 * attempt says nothing (waited_ms 0), and a retried call that is not held
 * is resent unchanged. */
static void test_long_poll_retry_carries_waited(void **state)
{
	static const char *secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
	static const char *in = "{\"QueueUrl\":\"u\",\"WaitTimeSeconds\":5}";
	struct fake f;
	st_error err;
	char *out;
	st_options o = fast;
	o.access_key_id = "AKIAEXAMPLE";
	o.secret_access_key = secret;

	(void)state;
	fake_start(&f);
	fake_script(&f, "{}", 0, NULL, NULL);
	pthread_mutex_lock(&f.mu);
	f.secret = secret;
	f.hold_ms = 600;
	f.fail_first = 1;
	pthread_mutex_unlock(&f.mu);
	st_client *c = st_client_new(f.url, &o, &err);
	assert_non_null(c);

	/* Signed with the client's key. */
	assert_int_equal(st_sqs_receive_message(c, in, &out, &err), 0);
	st_free(out);
	assert_int_equal(fake_n_log(&f), 2);
	assert_int_equal(f.log[0].waited_ms, 0);
	assert_int_equal(f.log[0].sig, 1);
	assert_true(f.log[1].seq == f.log[0].seq);
	assert_string_equal(f.log[1].input, in);
	assert_true(f.log[1].waited_ms >= 600 && f.log[1].waited_ms < 5000);
	assert_int_equal(f.log[1].sig, 1);

	/* A per-call key (the HTTP front door's): the retry verifies too. */
	{
		struct async_result r = {.mu = PTHREAD_MUTEX_INITIALIZER,
					 .cv = PTHREAD_COND_INITIALIZER};
		char key[64], sec[64];
		snprintf(key, sizeof key, "AKIAOTHER");
		snprintf(sec, sizeof sec, "%s", "other-secret");
		st_call_params p = {.service = "sqs",
				    .action = "ReceiveMessage",
				    .input_json = in,
				    .access_key_id = key,
				    .secret_access_key = sec};
		pthread_mutex_lock(&f.mu);
		f.secret = "other-secret";
		f.fail_first = 1;
		pthread_mutex_unlock(&f.mu);
		assert_int_equal(st_call_with(c, &p, async_cb, &r), 0);
		memset(sec, 'x', sizeof sec - 1); /* borrowed only until here */
		async_wait(&r);
		assert_int_equal(r.code, 0);
		assert_int_equal(fake_n_log(&f), 4);
		assert_int_equal(f.log[2].sig, 1);
		assert_true(f.log[3].seq == f.log[2].seq);
		assert_true(f.log[3].waited_ms >= 600);
		assert_int_equal(f.log[3].sig, 1);
	}

	/* Not held: the retry is the same request, nothing added. */
	pthread_mutex_lock(&f.mu);
	f.secret = secret;
	f.hold_ms = 100;
	f.fail_first = 1;
	pthread_mutex_unlock(&f.mu);
	assert_int_equal(st_sqs_list_queues(c, "{}", &out, &err), 0);
	st_free(out);
	assert_int_equal(fake_n_log(&f), 6);
	assert_true(f.log[5].seq == f.log[4].seq);
	assert_int_equal(f.log[4].waited_ms, 0);
	assert_int_equal(f.log[5].waited_ms, 0);
	assert_int_equal(f.log[5].sig, 1);
	st_client_free(c);

	/* Unsigned: the same, without a signature. */
	c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);
	pthread_mutex_lock(&f.mu);
	f.hold_ms = 600;
	f.fail_first = 1;
	pthread_mutex_unlock(&f.mu);
	assert_int_equal(st_sqs_receive_message(c, in, &out, &err), 0);
	st_free(out);
	assert_int_equal(fake_n_log(&f), 8);
	assert_int_equal(f.log[7].sig, -1);
	assert_true(f.log[7].seq == f.log[6].seq);
	assert_true(f.log[7].waited_ms >= 600);
	st_client_free(c);
	fake_stop(&f);
}

/* The typed conveniences send the right documents and pick the fields
 * out of the responses. */
static void test_typed(void **state)
{
	struct fake f;
	st_error err;
	char *id;

	fake_start(&f);
	st_client *c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);

	fake_script(&f, "{\"MessageId\":\"m-7\",\"MD5OfMessageBody\":\"d\"}", 0,
		    NULL, NULL);
	assert_int_equal(
	    st_sqs_send(c, "http://q/1/a", "hi \"x\"", 6, &id, &err), 0);
	assert_string_equal(id, "m-7");
	st_free(id);
	assert_json_equal(fake_last(&f)->input,
			  "{\"QueueUrl\":\"http://q/1/a\","
			  "\"MessageBody\":\"hi \\\"x\\\"\"}");

	fake_script(&f,
		    "{\"Messages\":[{\"MessageId\":\"m-1\",\"ReceiptHandle\":"
		    "\"rh-1\",\"MD5OfBody\":\"5d\",\"Body\":\"one\"},"
		    "{\"MessageId\":\"m-2\",\"ReceiptHandle\":\"rh-2\","
		    "\"Body\":\"two\"}]}",
		    0, NULL, NULL);
	st_sqs_message *m;
	size_t n;
	assert_int_equal(
	    st_sqs_receive(c, "http://q/1/a", 10, 0, -1, &m, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].message_id, "m-1");
	assert_string_equal(m[0].receipt_handle, "rh-1");
	assert_string_equal(m[0].body, "one");
	assert_int_equal(m[0].body_len, 3);
	assert_string_equal(m[0].md5_of_body, "5d");
	assert_string_equal(m[1].body, "two");
	st_sqs_messages_free(m, n);
	assert_json_equal(fake_last(&f)->input,
			  "{\"QueueUrl\":\"http://q/1/a\","
			  "\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":0}");

	fake_script(&f, "{}", 0, NULL, NULL);
	assert_int_equal(
	    st_sqs_receive(c, "http://q/1/a", 1, -1, -1, &m, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(m);

	assert_int_equal(st_sqs_delete(c, "http://q/1/a", "rh-1", &err), 0);
	assert_json_equal(fake_last(&f)->input,
			  "{\"QueueUrl\":\"http://q/1/a\","
			  "\"ReceiptHandle\":\"rh-1\"}");
	assert_string_equal(fake_last(&f)->action, "DeleteMessage");
	st_client_free(c);
	fake_stop(&f);
}

/* ---- the CLI mapping ------------------------------------------------------
 */

/* Build op's document from a NULL-terminated argument list; returns the
 * compact JSON (static buffer) or "ERROR <Name>: <message>". */
static const char *build(const char *op_name, const char **queue_name, ...)
{
	static char result[2048];
	char *argv[32];
	int argc = 0;
	va_list ap;

	va_start(ap, queue_name);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL;)
		argv[argc++] = (char *)a;
	va_end(ap);
	const struct cli_sqs_op *op = cli_sqs_find(op_name);
	assert_non_null(op);
	json_t *doc;
	const char *qn;
	struct cli_sqs_error e;
	if (cli_sqs_build(op, argc, argv, &doc, &qn, &e) != 0) {
		snprintf(result, sizeof result, "ERROR %s: %s", e.name,
			 e.message);
		return result;
	}
	if (queue_name != NULL)
		*queue_name = qn;
	char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(result, sizeof result, "%s", s);
	free(s);
	json_decref(doc);
	return result;
}

/* Options map to AWS members: strings, integers, shorthand and JSON maps,
 * space- and comma-separated lists, structure lists. */
static void test_cli_mapping(void **state)
{
	assert_string_equal(
	    build("create-queue", NULL, "--queue-name", "orders",
		  "--attributes", "VisibilityTimeout=60,DelaySeconds=5",
		  "--tags", "team=core", NULL),
	    "{\"Attributes\":{\"DelaySeconds\":\"5\",\"VisibilityTimeout\":"
	    "\"60\"},\"QueueName\":\"orders\",\"tags\":{\"team\":\"core\"}}");
	/* JSON map; a quoted shorthand value keeps its commas. */
	assert_string_equal(
	    build("set-queue-attributes", NULL, "--queue-url", "u",
		  "--attributes",
		  "{\"RedrivePolicy\":\"{\\\"maxReceiveCount\\\":\\\"5\\\"}\"}",
		  NULL),
	    "{\"Attributes\":{\"RedrivePolicy\":\"{\\\"maxReceiveCount\\\":"
	    "\\\"5\\\"}\"},\"QueueUrl\":\"u\"}");
	assert_string_equal(build("tag-queue", NULL, "--queue-url", "u",
				  "--tags", "a=\"x,y\",b=2", NULL),
			    "{\"QueueUrl\":\"u\",\"Tags\":{\"a\":\"x,y\","
			    "\"b\":\"2\"}}");
	assert_string_equal(
	    build("send-message", NULL, "--queue-url", "u", "--message-body",
		  "hello world", "--delay-seconds", "10",
		  "--message-attributes",
		  "color={DataType=String,StringValue=red},n={DataType=Number,"
		  "StringValue=3}",
		  "--message-group-id=g1", NULL),
	    "{\"DelaySeconds\":10,\"MessageAttributes\":{\"color\":{"
	    "\"DataType\":\"String\",\"StringValue\":\"red\"},\"n\":{"
	    "\"DataType\":\"Number\",\"StringValue\":\"3\"}},"
	    "\"MessageBody\":\"hello world\",\"MessageGroupId\":\"g1\","
	    "\"QueueUrl\":\"u\"}");
	/* A body that looks like an option value form stays a string. */
	assert_string_equal(build("send-message", NULL, "--queue-url", "u",
				  "--message-body", "{\"a\":1}", NULL),
			    "{\"MessageBody\":\"{\\\"a\\\":1}\",\"QueueUrl\":"
			    "\"u\"}");
	/* Lists: several arguments, commas, or JSON. */
	assert_string_equal(build("receive-message", NULL, "--queue-url", "u",
				  "--attribute-names", "All", "SentTimestamp",
				  "--message-attribute-names", "a,b.*",
				  "--max-number-of-messages", "10",
				  "--wait-time-seconds", "20", NULL),
			    "{\"AttributeNames\":[\"All\",\"SentTimestamp\"],"
			    "\"MaxNumberOfMessages\":10,"
			    "\"MessageAttributeNames\":[\"a\",\"b.*\"],"
			    "\"QueueUrl\":\"u\",\"WaitTimeSeconds\":20}");
	assert_string_equal(build("untag-queue", NULL, "--queue-url", "u",
				  "--tag-keys", "[\"k1\",\"k2\"]", NULL),
			    "{\"QueueUrl\":\"u\",\"TagKeys\":[\"k1\",\"k2\"]}");
	/* Structure lists: one shorthand per argument (integers where the
	 * member is one), or a JSON array. */
	assert_string_equal(
	    build("send-message-batch", NULL, "--queue-url", "u", "--entries",
		  "Id=1,MessageBody=a b", "Id=2,MessageBody=c,DelaySeconds=4",
		  NULL),
	    "{\"Entries\":[{\"Id\":\"1\",\"MessageBody\":\"a b\"},{"
	    "\"DelaySeconds\":4,\"Id\":\"2\",\"MessageBody\":\"c\"}],"
	    "\"QueueUrl\":\"u\"}");
	assert_string_equal(
	    build("change-message-visibility-batch", NULL, "--queue-url", "u",
		  "--entries",
		  "[{\"Id\":\"1\",\"ReceiptHandle\":\"r\","
		  "\"VisibilityTimeout\":0}]",
		  NULL),
	    "{\"Entries\":[{\"Id\":\"1\",\"ReceiptHandle\":\"r\","
	    "\"VisibilityTimeout\":0}],\"QueueUrl\":\"u\"}");
	assert_string_equal(build("get-queue-url", NULL, "--queue-name", "q",
				  "--queue-owner-aws-account-id",
				  "000000000000", NULL),
			    "{\"QueueName\":\"q\",\"QueueOwnerAWSAccountId\":"
			    "\"000000000000\"}");
	assert_string_equal(build("list-queues", NULL, NULL), "{}");
	assert_string_equal(build("start-message-move-task", NULL,
				  "--source-arn", "arn:aws:sqs:r:1:dlq",
				  "--max-number-of-messages-per-second", "50",
				  NULL),
			    "{\"MaxNumberOfMessagesPerSecond\":50,"
			    "\"SourceArn\":\"arn:aws:sqs:r:1:dlq\"}");
}

/* --cli-input-json is the whole document; options override its members;
 * --queue-name stands for --queue-url (resolved by the caller); file://
 * reads a value from a file. */
static void test_cli_input_json_and_queue_name(void **state)
{
	const char *qn = NULL;

	assert_string_equal(
	    build("send-message", NULL, "--cli-input-json",
		  "{\"QueueUrl\":\"u\",\"MessageBody\":\"a\","
		  "\"DelaySeconds\":3}",
		  "--message-body", "b", NULL),
	    "{\"DelaySeconds\":3,\"MessageBody\":\"b\",\"QueueUrl\":\"u\"}");
	assert_string_equal(build("delete-message", &qn, "--queue-name",
				  "orders", "--receipt-handle", "rh", NULL),
			    "{\"ReceiptHandle\":\"rh\"}");
	assert_non_null(qn);
	assert_string_equal(qn, "orders");

	char path[] = "/tmp/test_client_sqs_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *body = "from a file, with = and {}";
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
	char arg[64];
	snprintf(arg, sizeof arg, "file://%s", path);
	assert_string_equal(build("send-message", NULL, "--queue-url", "u",
				  "--message-body", arg, NULL),
			    "{\"MessageBody\":\"from a file, with = and {}\","
			    "\"QueueUrl\":\"u\"}");
	unlink(path);
}

/* Bad options and values are usage errors with a clear message naming
 * the option. */
static void test_cli_errors(void **state)
{
	const struct {
		const char *expect; /* prefix of the result */
		const char *args[8];
	} cases[] = {
	    {"ERROR InvalidParameterValue: unknown option '--bogus' for "
	     "send-message",
	     {"--queue-url", "u", "--message-body", "b", "--bogus", "1"}},
	    {"ERROR MissingParameter: --message-body is required",
	     {"--queue-url", "u"}},
	    {"ERROR MissingParameter: --queue-url (or --queue-name) is "
	     "required",
	     {"--message-body", "b"}},
	    {"ERROR InvalidParameterValue: --delay-seconds: 'ten' is not an "
	     "integer",
	     {"--queue-url", "u", "--message-body", "b", "--delay-seconds",
	      "ten"}},
	    {"ERROR MissingParameter: --message-body needs a value",
	     {"--queue-url", "u", "--message-body"}},
	    {"ERROR MissingParameter: --queue-url needs a value",
	     {"--queue-url", "--message-body", "b"}},
	    {"ERROR InvalidParameterValue: --message-attributes: bad "
	     "shorthand",
	     {"--queue-url", "u", "--message-body", "b", "--message-attributes",
	      "a={DataType=String"}},
	    {"ERROR InvalidParameterValue: --message-attributes: expected a "
	     "map of structures",
	     {"--queue-url", "u", "--message-body", "b", "--message-attributes",
	      "a=b"}},
	    {"ERROR InvalidParameterValue: --message-attributes: invalid "
	     "JSON",
	     {"--queue-url", "u", "--message-body", "b", "--message-attributes",
	      "{\"a\":"}},
	    {"ERROR InvalidParameterValue: --cli-input-json: unknown member "
	     "'Bogus'",
	     {"--cli-input-json", "{\"QueueUrl\":\"u\",\"Bogus\":1}"}},
	    {"ERROR InvalidParameterValue: --cli-input-json: DelaySeconds: "
	     "expected an integer",
	     {"--cli-input-json",
	      "{\"QueueUrl\":\"u\",\"MessageBody\":\"b\",\"DelaySeconds\":"
	      "\"5\"}"}},
	    {"ERROR InvalidParameterValue: give --queue-url or --queue-name",
	     {"--queue-url", "u", "--queue-name", "q", "--message-body", "b"}},
	    {"ERROR InvalidParameterValue: --message-body given twice",
	     {"--queue-url", "u", "--message-body", "a", "--message-body",
	      "b"}},
	    {"ERROR InvalidParameterValue: unexpected argument 'stray'",
	     {"--queue-url", "u", "--message-body", "b", "stray"}},
	    {"ERROR InvalidParameterValue: --message-body: cannot read",
	     {"--queue-url", "u", "--message-body", "file:///nonexistent/x"}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *const *a = cases[i].args;
		const char *got = build("send-message", NULL, a[0], a[1], a[2],
					a[3], a[4], a[5], a[6], a[7], NULL);
		if (strncmp(got, cases[i].expect, strlen(cases[i].expect)) != 0)
			fail_msg("case %zu:\n  got      %s\n  expected %s...",
				 i, got, cases[i].expect);
	}
	/* Options of other operations are not accepted. */
	assert_string_equal(
	    build("list-queues", NULL, "--queue-url", "u", NULL),
	    "ERROR InvalidParameterValue: unknown option "
	    "'--queue-url' for list-queues");
	/* --queue-name is not an alias where the operation has its own. */
	assert_string_equal(build("get-queue-url", NULL, "--queue-name", "q",
				  "--queue-name", "r", NULL),
			    "ERROR InvalidParameterValue: --queue-name given "
			    "twice");
	assert_string_equal(
	    build("change-message-visibility", NULL, "--queue-url", "u",
		  "--receipt-handle", "r", "--visibility-timeout", "-5x", NULL),
	    "ERROR InvalidParameterValue: --visibility-timeout: "
	    "'-5x' is not an integer");
}

static st_client *test_client_fn(void *ctx, int *status)
{
	return ctx;
}

/* Run a command line argv[0..argc) after "stratus" as the CLI's main does
 * for `stratus sqs`: the global options taken out wherever they are, then
 * cli_sqs_main on what follows "sqs"; stdout and stderr captured into
 * out/err. */
static int run_argv(st_client *c, char *out, size_t out_size, char *errb,
		    size_t err_size, int argc, char **argv)
{
	struct cli_globals g;

	FILE *fo = tmpfile(), *fe = tmpfile();
	assert_non_null(fo);
	assert_non_null(fe);
	fflush(stdout);
	fflush(stderr);
	int saved_out = dup(1), saved_err = dup(2);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	cli_globals_take(&g, &argc, argv);
	assert_true(argc >= 2);
	assert_string_equal(argv[1], "sqs");
	int status = cli_sqs_main(test_client_fn, c, argc - 2, argv + 2, &g);
	cli_globals_free(&g);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	rewind(fo);
	rewind(fe);
	size_t n = fread(out, 1, out_size - 1, fo);
	out[n] = '\0';
	n = fread(errb, 1, err_size - 1, fe);
	errb[n] = '\0';
	fclose(fo);
	fclose(fe);
	return status;
}

/* argv = "stratus", then `sqs` when with_sqs, then the NULL-terminated
 * arguments in ap. */
static int run_va(st_client *c, char *out, size_t out_size, char *errb,
		  size_t err_size, bool with_sqs, va_list ap)
{
	char *argv[32] = {"stratus", "sqs"};
	int argc = with_sqs ? 2 : 1;

	for (const char *a; (a = va_arg(ap, const char *)) != NULL;)
		argv[argc++] = (char *)a;
	argv[argc] = NULL;
	return run_argv(c, out, out_size, errb, err_size, argc, argv);
}

/* `stratus sqs ARGS...` (NULL-terminated). */
static int run_cli(st_client *c, char *out, size_t out_size, char *errb,
		   size_t err_size, ...)
{
	va_list ap;
	int status;

	va_start(ap, err_size);
	status = run_va(c, out, out_size, errb, err_size, true, ap);
	va_end(ap);
	return status;
}

/* `stratus ARGS...` (NULL-terminated): global options may come first. */
static int run_line(st_client *c, char *out, size_t out_size, char *errb,
		    size_t err_size, ...)
{
	va_list ap;
	int status;

	va_start(ap, err_size);
	status = run_va(c, out, out_size, errb, err_size, false, ap);
	va_end(ap);
	return status;
}

/* The CLI end to end against the fake: --queue-name is resolved with
 * GetQueueUrl first; the response document is printed with a 4-space
 * indent; an empty response prints nothing; a service error is an Error
 * object on stderr with exit status 254; a usage error sends nothing and
 * exits 252; no answer exits 255 (the AWS CLI v2's return codes). */
static void test_cli_run(void **state)
{
	struct fake f;
	st_error err;
	char out[4096], errb[4096];

	fake_start(&f);
	st_client *c = st_client_new(f.url, &fast, &err);
	assert_non_null(c);

	fake_script(&f, "{\"QueueUrl\":\"http://h/000000000000/orders\"}", 0,
		    NULL, NULL);
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "purge-queue", "--queue-name", "orders", NULL),
			 0);
	assert_int_equal(fake_n_log(&f), 2);
	assert_string_equal(f.log[0].action, "GetQueueUrl");
	assert_json_equal(f.log[0].input, "{\"QueueName\":\"orders\"}");
	assert_string_equal(f.log[1].action, "PurgeQueue");
	assert_json_equal(f.log[1].input,
			  "{\"QueueUrl\":\"http://h/000000000000/orders\"}");
	assert_string_equal(out, "{\n    \"QueueUrl\": "
				 "\"http://h/000000000000/orders\"\n}\n");
	assert_string_equal(errb, "");

	fake_script(&f, "{}", 0, NULL, NULL);
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "delete-message", "--queue-url", "u",
				 "--receipt-handle", "rh", NULL),
			 0);
	assert_string_equal(out, "");

	fake_script(&f, NULL, WIRE_ERR_SERVICE, "QueueDoesNotExist",
		    "The specified queue does not exist.");
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "get-queue-url", "--queue-name", "nope", NULL),
			 254);
	assert_string_equal(out, "");
	json_t *e = json_loads(errb, 0, NULL);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(e, "Error"), "Name")),
			    "QueueDoesNotExist");
	json_decref(e);

	size_t before = fake_n_log(&f);
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "send-message", "--queue-url", "u", NULL),
			 252);
	assert_non_null(strstr(errb, "--message-body is required"));
	assert_int_equal(fake_n_log(&f), before);
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "no-such-operation", NULL),
			 252);
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "list-queues", "--output", "yaml", NULL),
			 252);
	assert_int_equal(fake_n_log(&f), before);

	/* --output text: the AWS CLI's tab-separated lines. */
	fake_script(&f,
		    "{\"Messages\":[{\"Body\":\"hi\",\"MessageId\":\"m1\","
		    "\"Attributes\":{\"SentTimestamp\":\"5\"}},"
		    "{\"Body\":\"yo\",\"MD5OfBody\":\"x\",\"MessageId\":"
		    "\"m2\"}]}",
		    0, NULL, NULL);
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "receive-message", "--output", "text",
				 "--queue-url", "u", NULL),
			 0);
	assert_string_equal(out, "MESSAGES\thi\t\tm1\n"
				 "ATTRIBUTES\t5\n"
				 "MESSAGES\tyo\tx\tm2\n");
	fake_script(&f, "{\"QueueUrls\":[\"a\",\"b\"],\"NextToken\":\"t\"}", 0,
		    NULL, NULL);
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "list-queues", "--output=text",
				 "--no-paginate", NULL),
			 0);
	assert_string_equal(out, "t\nQUEUEURLS\ta\tb\n");
	/* --max-results turns paging off too (as in aws). */
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "list-queues", "--max-results", "2", "--query",
				 "QueueUrls[-1]", NULL),
			 0);
	assert_string_equal(out, "\"b\"\n");
	/* A server repeating its NextToken is not followed forever. */
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "list-queues", "--page-size", "2", NULL),
			 255);
	assert_non_null(strstr(errb, "same NextToken twice"));
	/* --query: applied before the format; a bad one is a usage error
	 * (252) found before any call; paging options only where they
	 * apply. */
	before = fake_n_log(&f);
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "list-queues", "--query", "QueueUrls[", NULL),
			 252);
	assert_non_null(strstr(errb, "Bad value for --query"));
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "get-queue-url", "--queue-name", "q",
				 "--max-items", "1", NULL),
			 252);
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "list-queues", "--no-paginate", "--max-items",
				 "1", NULL),
			 252);
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "list-queues", "--page-size", "0", NULL),
			 252);
	assert_int_equal(fake_n_log(&f), before);
	fake_script(&f, "{\"QueueUrls\":[\"a\",\"b\"]}", 0, NULL, NULL);
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "list-queues", "--query",
				 "{n: length(QueueUrls), f: QueueUrls[0]}",
				 "--output", "text", NULL),
			 0);
	assert_string_equal(out, "a\t2\n");
	assert_int_equal(run_cli(c, out, sizeof out, errb, sizeof errb,
				 "list-queues", "--query", "abs(QueueUrls)",
				 NULL),
			 255);
	assert_non_null(strstr(errb, "invalid type"));

	/* The global options anywhere on the line, before the command too
	 * (as aws): the same request and output wherever they are. */
	fake_script(&f, "{\"QueueUrls\":[\"a\",\"b\"],\"NextToken\":\"t\"}", 0,
		    NULL, NULL);
	char first[4096];
	assert_int_equal(run_cli(c, first, sizeof first, errb, sizeof errb,
				 "list-queues", "--no-paginate", "--query",
				 "QueueUrls[0]", "--output", "text", NULL),
			 0);
	assert_string_equal(first, "a\n");
	assert_json_equal(fake_last(&f)->input, "{}");
	before = fake_n_log(&f);
	assert_int_equal(run_line(c, out, sizeof out, errb, sizeof errb,
				  "--query", "QueueUrls[0]", "--output", "text",
				  "--no-paginate", "sqs", "list-queues", NULL),
			 0);
	assert_string_equal(out, first);
	assert_string_equal(errb, "");
	assert_int_equal(run_line(c, out, sizeof out, errb, sizeof errb,
				  "--output=text", "sqs", "--no-paginate",
				  "list-queues", "--query=QueueUrls[0]", NULL),
			 0);
	assert_string_equal(out, first);
	assert_int_equal(fake_n_log(&f), before + 2);
	assert_json_equal(fake_last(&f)->input, "{}");
	/* --no-paginate is global in aws: accepted (and moot) where the
	 * operation does not page. */
	assert_int_equal(run_line(c, out, sizeof out, errb, sizeof errb,
				  "--no-paginate", "sqs", "get-queue-url",
				  "--queue-name", "q", "--query", "NextToken",
				  NULL),
			 0);
	assert_string_equal(out, "\"t\"\n");
	/* Malformed global options before the command: usage errors (252)
	 * found before any call, like after the operation. */
	before = fake_n_log(&f);
	assert_int_equal(run_line(c, out, sizeof out, errb, sizeof errb,
				  "--query", "QueueUrls[", "sqs", "list-queues",
				  NULL),
			 252);
	assert_non_null(strstr(errb, "Bad value for --query"));
	assert_non_null(strstr(errb, "stratus sqs list-queues --help"));
	assert_int_equal(run_line(c, out, sizeof out, errb, sizeof errb,
				  "--output", "yaml", "sqs", "list-queues",
				  NULL),
			 252);
	assert_int_equal(run_line(c, out, sizeof out, errb, sizeof errb,
				  "--timeout-ms", "soon", "sqs", "list-queues",
				  NULL),
			 252);
	assert_non_null(strstr(errb, "--timeout-ms"));
	assert_int_equal(run_line(c, out, sizeof out, errb, sizeof errb,
				  "--no-paginate", "sqs", "list-queues",
				  "--max-items", "1", NULL),
			 252);
	assert_int_equal(run_line(c, out, sizeof out, errb, sizeof errb, "sqs",
				  "list-queues", "--query", NULL),
			 252);
	assert_non_null(strstr(errb, "MissingParameter"));
	assert_int_equal(fake_n_log(&f), before);

	/* No answer at all: 255. */
	fake_stop(&f);
	assert_int_equal(
	    run_cli(c, out, sizeof out, errb, sizeof errb, "list-queues", NULL),
	    255);
	st_client_free(c);
}

/* A fake paginated server: queues q00..q(n-1); NextToken is the index of
 * the first one not returned, as a string, when MaxResults cut the list. */
struct fake_pages {
	int n;
	int calls;
};

static int fake_fetch(void *ctx, json_t *req, json_t **page)
{
	struct fake_pages *fp = ctx;
	json_t *tok = json_object_get(req, "NextToken");
	json_t *max = json_object_get(req, "MaxResults");
	int from = tok ? atoi(json_string_value(tok)) : 0;
	int lim = max ? (int)json_integer_value(max) : 1000;
	json_t *urls = json_array();
	int i;
	char name[16];

	fp->calls++;
	for (i = from; i < fp->n && i - from < lim; i++) {
		snprintf(name, sizeof name, "q%02d", i);
		json_array_append_new(urls, json_string(name));
	}
	*page = json_pack("{s:o,s:s}", "QueueUrls", urls, "Other", "x");
	if (i < fp->n) {
		snprintf(name, sizeof name, "%d", i);
		json_object_set_new(*page, "NextToken", json_string(name));
	}
	return 0;
}

/* Run one paged command; returns the merged document (owned) and the
 * resume token (owned, or NULL). */
static json_t *paged(struct fake_pages *fp, long long page_size,
		     long long max_items, const char *start, char **resume)
{
	struct cli_paging pg = {false, max_items, page_size, start};
	json_t *in = json_object(), *pages;
	assert_int_equal(cli_paging_run(&pg, "QueueUrls", in, fake_fetch, fp,
					&pages, resume),
			 0);
	json_decref(in);
	json_t *full = cli_paging_merge(pages, "QueueUrls", *resume);
	json_decref(pages);
	assert_non_null(full);
	return full;
}

/* Paging: all pages merged with the first page's other members and no
 * NextToken; --max-items stops there and its token resumes exactly after
 * the last item printed, whatever the page size of the resumed command;
 * walking the whole list in chunks gives every item once, in order. */
static void test_cli_paging(void **state)
{
	struct fake_pages fp = {25, 0};
	char *resume;
	(void)state;

	json_t *full = paged(&fp, 7, 0, NULL, &resume);
	assert_null(resume);
	assert_int_equal(fp.calls, 4);
	assert_int_equal(json_array_size(json_object_get(full, "QueueUrls")),
			 25);
	assert_string_equal(json_string_value(json_object_get(full, "Other")),
			    "x");
	assert_null(json_object_get(full, "NextToken"));
	json_decref(full);

	for (long long chunk = 1; chunk <= 26; chunk += 4) {
		for (long long ps = 1; ps <= 9; ps += 3) {
			char *start = NULL;
			int seen = 0;
			do {
				full = paged(&fp, ps + (seen % 2), chunk, start,
					     &resume);
				json_t *urls =
				    json_object_get(full, "QueueUrls");
				size_t i;
				json_t *u;
				json_array_foreach(urls, i, u)
				{
					char want[16];
					snprintf(want, sizeof want, "q%02d",
						 seen++);
					assert_string_equal(
					    json_string_value(u), want);
				}
				if (resume != NULL)
					assert_string_equal(
					    json_string_value(json_object_get(
						full, "NextToken")),
					    resume);
				json_decref(full);
				free(start);
				start = resume;
			} while (start != NULL);
			assert_int_equal(seen, 25);
		}
	}

	char *nt;
	long long skip;
	char msg[160];
	char *t = cli_paging_token_encode("abc", 3);
	assert_int_equal(
	    cli_paging_token_decode(t, &nt, &skip, msg, sizeof msg), 0);
	assert_string_equal(nt, "abc");
	assert_int_equal(skip, 3);
	free(nt);
	free(t);
	assert_int_equal(
	    cli_paging_token_decode("!!", &nt, &skip, msg, sizeof msg), -1);
	assert_int_equal(
	    cli_paging_token_decode("e30=", &nt, &skip, msg, sizeof msg),
	    0); /* {} : from the start */
	assert_null(nt);
}

/* The shorthand parser: nesting, lists, quotes, integer keys, errors. */
static void test_shorthand(void **state)
{
	const char *int_keys[] = {"DelaySeconds", NULL};
	char err[256];
	struct {
		const char *in, *out; /* out NULL: an error */
	} cases[] = {
	    {"a=1", "{\"a\":\"1\"}"},
	    {"a=1,b=two words", "{\"a\":\"1\",\"b\":\"two words\"}"},
	    {"a={b=c,d={e=f}}", "{\"a\":{\"b\":\"c\",\"d\":{\"e\":\"f\"}}}"},
	    {"a=[x,y],b=z", "{\"a\":[\"x\",\"y\"],\"b\":\"z\"}"},
	    {"a=x,y,z,b=w", "{\"a\":[\"x\",\"y\",\"z\"],\"b\":\"w\"}"},
	    {"a={L=x,y}", "{\"a\":{\"L\":[\"x\",\"y\"]}}"},
	    {"a=\"q,=}\",b='s\"t'", "{\"a\":\"q,=}\",\"b\":\"s\\\"t\"}"},
	    {"a=\"e\\\"sc\"", "{\"a\":\"e\\\"sc\"}"},
	    {"DelaySeconds=7,Id=7", "{\"DelaySeconds\":7,\"Id\":\"7\"}"},
	    {"DelaySeconds=x", "{\"DelaySeconds\":\"x\"}"},
	    {"a=", "{\"a\":\"\"}"},
	    {"a={}", "{\"a\":{}}"},
	    {"", NULL},
	    {"a", NULL},
	    {"=b", NULL},
	    {"a={b=c", NULL},
	    {"a=\"open", NULL},
	    {"a={b=c}x", NULL},
	    {"a=[x", NULL},
	    {"a={{{{{{{{{{{{{{{{{{{{b=c}}}}}}}}}}}}}}}}}}}}", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *j =
		    cli_shorthand_parse(cases[i].in, int_keys, err, sizeof err);
		if (cases[i].out == NULL) {
			if (j != NULL)
				fail_msg("case %zu '%s' parsed", i,
					 cases[i].in);
			assert_true(strlen(err) > 0);
			continue;
		}
		if (j == NULL)
			fail_msg("case %zu '%s': %s", i, cases[i].in, err);
		char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		if (strcmp(s, cases[i].out) != 0)
			fail_msg("case %zu '%s':\n  got      %s\n  expected %s",
				 i, cases[i].in, s, cases[i].out);
		free(s);
		json_decref(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_call_round_trip),
	    cmocka_unit_test(test_call_service_error),
	    cmocka_unit_test(test_call_bad_arguments),
	    cmocka_unit_test(test_call_async),
	    cmocka_unit_test(test_long_poll_not_timed_out),
	    cmocka_unit_test(test_long_poll_retry_carries_waited),
	    cmocka_unit_test(test_typed),
	    cmocka_unit_test(test_cli_mapping),
	    cmocka_unit_test(test_cli_input_json_and_queue_name),
	    cmocka_unit_test(test_cli_errors),
	    cmocka_unit_test(test_cli_run),
	    cmocka_unit_test(test_cli_paging),
	    cmocka_unit_test(test_shorthand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
