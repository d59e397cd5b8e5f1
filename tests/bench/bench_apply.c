/* bench_apply — `stratus-bench-apply`: the CPU one replica spends applying
 * the SQS benchmark's commands, without a cluster, a network or a disk.
 *
 *   stratus-bench-apply [--n N] [--batch B] [--body BYTES]
 *
 * The commands are made as the leader makes them: the SQS service's
 * prepare fills the context (as node.c prepare_service_call does), the
 * Request is encoded with it, and B commands go in one entry
 * (wire_batch_encode, LZ4 past 4 KiB as commit.c). Each entry is applied
 * to two state machines: the proposer's (node 1, which renders every
 * answer, as the leader does) and a follower's (node 2, stored forms only).
 * Phases, as `stratus-bench sqs`: send N messages of BYTES (SendMessage;
 * bodies padded with 'x' like the cluster benchmark's), receive them 10 at
 * a time (ReceiveMessage), delete them 10 at a time (DeleteMessageBatch).
 *
 * Prints per phase and role the thread CPU time per message around
 * fsm_apply_entry (role leader, follower), and around making the commands
 * (role prepare: parsing the request, the service's prepare, the context
 * and the Request encoded — the leader's work before proposing):
 *   RESULT bench=apply phase=send role=leader n=... ns_per_msg=...
 * The work is the same on every run, so under `valgrind --tool=callgrind`
 * two builds compare by instruction counts — which the cluster benchmark,
 * with its ±15 % between runs on a shared machine, cannot do for a change
 * of a few percent. Not part of the test suite. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsm.h"
#include "service.h"
#include "services.h"
#include "wire.h"

#define LZ4_THRESHOLD 4096 /* commit.c COMMIT_LZ4_THRESHOLD */
#define ENDPOINT      "http://127.0.0.1:7112"
#define CLIENTS	      4

struct role {
	struct fsm fsm;
	uint64_t cpu_ns; /* in fsm_apply_entry, this phase */
};

/* The answers the proposer gave for the entry being applied: copied
 * during apply (as the leader copies each into its client's reply),
 * decoded after it. */
struct answers {
	struct wire_bytes *raw; /* each command's Response */
	char **json;		/* its output document, or NULL */
	size_t n;
};

static struct role leader, follower;
static uint64_t prepare_ns; /* making the commands (the leader's prepare) */
static struct answers answers;
static uint64_t clock_ms = 1700000000000ull;
static uint64_t nonce = 1;
static uint64_t seqs[CLIENTS + 1];

static uint64_t cpu_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "stratus-bench-apply: %s\n", what);
	exit(1);
}

/* fsm_result_cb of the proposer. */
static void on_result(void *ctx, uint64_t batch_nonce, size_t index,
		      const uint8_t *response, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);

	(void)ctx;
	(void)batch_nonce;
	if (index >= answers.n || copy == NULL) {
		die("an answer out of place");
	}
	memcpy(copy, response, len);
	answers.raw[index].data = copy;
	answers.raw[index].len = len;
}

/* Each answer's output document (after the entry applied). */
static void answers_decode(size_t n)
{
	struct wire_response r;

	for (size_t i = 0; i < n; i++) {
		if (wire_response_decode(answers.raw[i].data,
					 answers.raw[i].len, &r) != 0) {
			die("undecodable answer");
		}
		if (r.n_results != 1 || r.results[0].code != WIRE_OK ||
		    r.results[0].output == NULL) {
			fprintf(stderr, "answer %zu: %s: %s\n", i,
				r.n_results == 1 ? r.results[0].error_name
						 : "?",
				r.n_results == 1 ? r.results[0].error_message
						 : "?");
			die("a command failed");
		}
		answers.json[i] = strndup((const char *)r.results[0].output,
					  r.results[0].output_len);
		wire_response_release(&r);
		free((void *)answers.raw[i].data);
		answers.raw[i].data = NULL;
	}
}

/* One command as the leader makes it (fsm_prepare_call, as the node's
 * front door calls it): prepare on the proposer's state fills the
 * context. */
static void make_command(const char *action, const char *input, uint64_t client,
			 struct wire_bytes *out)
{
	struct wire_op op = {.type = WIRE_OP_SERVICE_CALL,
			     .service = "sqs",
			     .action = action,
			     .input = (const uint8_t *)input,
			     .input_len = strlen(input),
			     .endpoint = ""};
	struct wire_request req = {.client_id = client, .ops = &op, .n_ops = 1};
	uint64_t t0 = cpu_now_ns();
	struct fsm_prepared p;
	uint8_t *buf;

	if (fsm_prepare_call(&leader.fsm, &op, ENDPOINT, true, clock_ms, 0,
			     &p) != 0 ||
	    p.status != SERVICE_OK) {
		fprintf(stderr, "%s: %s\n", action,
			p.result.error_message[0] ? p.result.error_message
						  : "bad input");
		die("prepare refused a command");
	}
	op.context = (const uint8_t *)p.context;
	op.context_len = p.context_len;
	req.seq = ++seqs[client];
	req.seq_floor = req.seq; /* every earlier answer arrived */
	if (wire_request_encode(&req, &buf, &out->len) != 0) {
		die("out of memory");
	}
	out->data = buf;
	free(p.context);
	prepare_ns += cpu_now_ns() - t0;
}

static void apply_to(struct role *role, const void *entry, size_t len)
{
	uint64_t t0 = cpu_now_ns();

	if (fsm_apply_entry(&role->fsm, entry, len) != 0) {
		die("apply failed");
	}
	role->cpu_ns += cpu_now_ns() - t0;
}

/* One entry of the commands [0, n) (freed here), applied by both roles;
 * the proposer's answers land in answers.json[0, n). */
static void apply_entry(struct wire_bytes *cmds, size_t n)
{
	struct wire_batch b = {.leader_time_ms = clock_ms++,
			       .leader_id = 1,
			       .nonce = nonce++,
			       .term = 1,
			       .commands = cmds,
			       .n_commands = n};
	void *buf;
	size_t len, i;

	for (i = 0; i < answers.n; i++) {
		free(answers.json[i]);
		answers.json[i] = NULL;
	}
	if (wire_batch_encode(&b, LZ4_THRESHOLD, NULL, &buf, &len) != 0) {
		die("cannot encode an entry");
	}
	apply_to(&leader, buf, len);
	apply_to(&follower, buf, len);
	free(buf);
	answers_decode(n);
	for (i = 0; i < n; i++) {
		free((void *)cmds[i].data);
	}
}

static void report(const char *phase, size_t msgs)
{
	uint64_t ns[3] = {prepare_ns, leader.cpu_ns, follower.cpu_ns};
	const char *names[3] = {"prepare", "leader", "follower"};

	for (int i = 0; i < 3; i++) {
		printf("RESULT bench=apply phase=%s role=%s n=%zu "
		       "ns_per_msg=%.0f\n",
		       phase, names[i], msgs, (double)ns[i] / (double)msgs);
	}
	prepare_ns = leader.cpu_ns = follower.cpu_ns = 0;
	fflush(stdout);
}

static void role_init(struct role *r, uint64_t node_id,
		      const struct service_env *env)
{
	if (fsm_init(&r->fsm, node_id, node_id == 1 ? on_result : NULL, NULL) !=
		0 ||
	    services_register(&r->fsm, env) != 0) {
		die("cannot make a state machine");
	}
	r->fsm.fork_min_state_bytes = SIZE_MAX; /* never fork here */
}

/* What the phases share. */
struct run {
	size_t n, batch, body_bytes;
	char url[256];
	struct wire_bytes *cmds; /* batch of them */
	char **handles;		 /* receipt handles, message i at [i] */
	size_t got;
};

/* Commands make(run, i, &cmd) for i in [0, count), batch per entry; after
 * each entry, check(run, first, k) reads the answers. */
static void run_commands(struct run *run, size_t count,
			 void (*make)(struct run *, size_t,
				      struct wire_bytes *),
			 void (*check)(struct run *, size_t, size_t))
{
	size_t i, k;

	for (i = 0; i < count; i += k) {
		for (k = 0; k < run->batch && i + k < count; k++) {
			make(run, i + k, &run->cmds[k]);
		}
		apply_entry(run->cmds, k);
		if (check != NULL) {
			check(run, i, k);
		}
	}
}

/* SendMessage i: a body as stratus-bench sqs makes them. */
static void make_send(struct run *run, size_t i, struct wire_bytes *cmd)
{
	size_t cap = run->body_bytes + 1024;
	char *body = malloc(run->body_bytes + 1), *input = malloc(cap);
	int h;

	if (body == NULL || input == NULL) {
		die("out of memory");
	}
	h = snprintf(body, run->body_bytes + 1, "%016zx %016" PRIx64 " ", i,
		     clock_ms);
	memset(body + h, 'x', run->body_bytes - (size_t)h);
	body[run->body_bytes] = '\0';
	snprintf(input, cap, "{\"QueueUrl\":\"%s\",\"MessageBody\":\"%s\"}",
		 run->url, body);
	make_command("SendMessage", input, 1 + i % CLIENTS, cmd);
	free(body);
	free(input);
}

static void make_receive(struct run *run, size_t i, struct wire_bytes *cmd)
{
	char input[512];

	snprintf(input, sizeof input,
		 "{\"QueueUrl\":\"%s\",\"MaxNumberOfMessages\":10}", run->url);
	make_command("ReceiveMessage", input, 1 + i % CLIENTS, cmd);
}

/* The receipt handles the receives [first, first + k) got. */
static void check_receive(struct run *run, size_t first, size_t k)
{
	(void)first;
	for (size_t j = 0; j < k; j++) {
		json_t *out = json_loads(answers.json[j], 0, NULL);
		json_t *msgs = json_object_get(out, "Messages");

		for (size_t m = 0; m < json_array_size(msgs); m++) {
			const char *h = json_string_value(json_object_get(
			    json_array_get(msgs, m), "ReceiptHandle"));

			if (h == NULL || run->got >= run->n) {
				die("an unexpected receive answer");
			}
			run->handles[run->got++] = strdup(h);
		}
		json_decref(out);
	}
}

/* DeleteMessageBatch i: the handles receive i got. */
static void make_delete(struct run *run, size_t i, struct wire_bytes *cmd)
{
	json_t *in = json_object(), *es = json_array();
	char *text;

	json_object_set_new(in, "QueueUrl", json_string(run->url));
	for (size_t m = i * 10; m < (i + 1) * 10 && m < run->got; m++) {
		char id[8];

		snprintf(id, sizeof id, "%zu", m % 10);
		json_array_append_new(es, json_pack("{s:s,s:s}", "Id", id,
						    "ReceiptHandle",
						    run->handles[m]));
	}
	json_object_set_new(in, "Entries", es);
	text = json_dumps(in, JSON_COMPACT);
	json_decref(in);
	if (text == NULL) {
		die("out of memory");
	}
	make_command("DeleteMessageBatch", text, 1 + i % CLIENTS, cmd);
	free(text);
}

static void check_delete(struct run *run, size_t first, size_t k)
{
	(void)run;
	(void)first;
	for (size_t j = 0; j < k; j++) {
		json_t *out = json_loads(answers.json[j], 0, NULL);

		if (json_array_size(json_object_get(out, "Successful")) == 0 ||
		    json_array_size(json_object_get(out, "Failed")) != 0) {
			die("a delete failed");
		}
		json_decref(out);
	}
}

static void usage(void)
{
	die("usage: stratus-bench-apply [--n N] [--batch B] [--body BYTES] "
	    "(N >= 10, B >= 1, 40 <= BYTES <= 262144)");
}

int main(int argc, char **argv)
{
	static const struct service_env env = {"us-east-1", "000000000000",
					       NULL, NULL, NULL};
	struct run run = {.n = 100000, .batch = 32, .body_bytes = 1024};
	size_t i;
	json_t *doc;

	for (int a = 1; a < argc; a += 2) {
		size_t *v = !strcmp(argv[a], "--n")	  ? &run.n
			    : !strcmp(argv[a], "--batch") ? &run.batch
			    : !strcmp(argv[a], "--body")  ? &run.body_bytes
							  : NULL;
		if (v == NULL || a + 1 >= argc) {
			usage();
		}
		*v = strtoul(argv[a + 1], NULL, 10);
	}
	if (run.n < 10 || run.batch < 1 || run.body_bytes < 40 ||
	    run.body_bytes > 262144) {
		usage();
	}
	role_init(&leader, 1, &env);
	role_init(&follower, 2, &env);
	run.cmds = calloc(run.batch, sizeof *run.cmds);
	run.handles = calloc(run.n, sizeof *run.handles);
	answers.json = calloc(run.batch, sizeof *answers.json);
	answers.raw = calloc(run.batch, sizeof *answers.raw);
	answers.n = run.batch;
	if (run.cmds == NULL || run.handles == NULL || answers.json == NULL ||
	    answers.raw == NULL) {
		die("out of memory");
	}

	make_command("CreateQueue", "{\"QueueName\":\"bench\"}", 1,
		     &run.cmds[0]);
	apply_entry(run.cmds, 1);
	doc = json_loads(answers.json[0], 0, NULL);
	snprintf(run.url, sizeof run.url, "%s",
		 json_string_value(json_object_get(doc, "QueueUrl")));
	json_decref(doc);
	prepare_ns = leader.cpu_ns = follower.cpu_ns = 0;

	run_commands(&run, run.n, make_send, NULL);
	report("send", run.n);
	run_commands(&run, (run.n + 9) / 10, make_receive, check_receive);
	if (run.got != run.n) {
		fprintf(stderr, "received %zu of %zu\n", run.got, run.n);
		die("not every message was received");
	}
	report("receive", run.n);
	run_commands(&run, (run.n + 9) / 10, make_delete, check_delete);
	report("delete", run.n);

	for (i = 0; i < run.got; i++) {
		free(run.handles[i]);
	}
	for (i = 0; i < answers.n; i++) {
		free(answers.json[i]);
	}
	fsm_close(&leader.fsm);
	fsm_close(&follower.fsm);
	free(answers.json);
	free(answers.raw);
	free(run.handles);
	free(run.cmds);
	return 0;
}
