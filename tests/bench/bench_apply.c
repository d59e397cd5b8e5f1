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
 * fsm_apply_entry:
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
#include "jsondoc.h"
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

/* One command as the leader makes it (node.c prepare_service_call):
 * prepare on the proposer's state fills the context. */
static void make_command(const char *action, const char *input, uint64_t client,
			 struct wire_bytes *out)
{
	struct service *svc = fsm_find_service(&leader.fsm, "sqs");
	struct service_result r;
	struct wire_op op = {.type = WIRE_OP_SERVICE_CALL,
			     .service = "sqs",
			     .action = action,
			     .input = (const uint8_t *)input,
			     .input_len = strlen(input),
			     .endpoint = ""};
	struct wire_request req = {.client_id = client, .ops = &op, .n_ops = 1};
	json_t *in = jsondoc_parse(input, strlen(input));
	json_t *context = json_object();
	char *text;
	uint8_t *buf;

	memset(&r, 0, sizeof r);
	json_object_set_new(context, "Endpoint", json_string(ENDPOINT));
	if (in == NULL || svc->prepare(svc->state, action, in, context,
				       clock_ms, 0, &r) != SERVICE_OK) {
		fprintf(stderr, "%s: %s\n", action,
			r.error_message[0] ? r.error_message : "bad input");
		die("prepare refused a command");
	}
	json_decref(r.output);
	free(r.output_text);
	json_decref(in);
	text = jsondoc_dump(context, NULL);
	json_decref(context);
	op.context = (const uint8_t *)text;
	op.context_len = strlen(text);
	req.seq = ++seqs[client];
	req.seq_floor = req.seq; /* every earlier answer arrived */
	if (text == NULL || wire_request_encode(&req, &buf, &out->len) != 0) {
		die("out of memory");
	}
	out->data = buf;
	free(text);
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
	struct role *roles[2] = {&leader, &follower};
	const char *names[2] = {"leader", "follower"};

	for (int i = 0; i < 2; i++) {
		printf("RESULT bench=apply phase=%s role=%s n=%zu "
		       "ns_per_msg=%.0f\n",
		       phase, names[i], msgs,
		       (double)roles[i]->cpu_ns / (double)msgs);
		roles[i]->cpu_ns = 0;
	}
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

int main(int argc, char **argv)
{
	static const struct service_env env = {"us-east-1", "000000000000",
					       NULL, NULL, NULL};
	size_t n = 100000, batch = 32, body_bytes = 1024, i, k;
	struct wire_bytes *cmds;
	char *body, *input, url[256];
	json_t *doc;

	for (int a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--n")) {
			n = strtoul(argv[a + 1], NULL, 10);
		} else if (!strcmp(argv[a], "--batch")) {
			batch = strtoul(argv[a + 1], NULL, 10);
		} else if (!strcmp(argv[a], "--body")) {
			body_bytes = strtoul(argv[a + 1], NULL, 10);
		} else {
			die("usage: stratus-bench-apply [--n N] [--batch B] "
			    "[--body BYTES]");
		}
	}
	if (n < 10 || batch < 1 || body_bytes < 40 || body_bytes > 262144) {
		die("need --n >= 10, --batch >= 1, 40 <= --body <= 262144");
	}
	role_init(&leader, 1, &env);
	role_init(&follower, 2, &env);
	cmds = calloc(batch, sizeof *cmds);
	answers.json = calloc(batch, sizeof *answers.json);
	answers.raw = calloc(batch, sizeof *answers.raw);
	answers.n = batch;
	body = malloc(body_bytes + 1);
	input = malloc(body_bytes + 1024);
	if (cmds == NULL || answers.json == NULL || answers.raw == NULL ||
	    body == NULL || input == NULL) {
		die("out of memory");
	}

	make_command("CreateQueue", "{\"QueueName\":\"bench\"}", 1, &cmds[0]);
	apply_entry(cmds, 1);
	doc = json_loads(answers.json[0], 0, NULL);
	snprintf(url, sizeof url, "%s",
		 json_string_value(json_object_get(doc, "QueueUrl")));
	json_decref(doc);
	leader.cpu_ns = follower.cpu_ns = 0;

	/* send: bodies as stratus-bench sqs makes them */
	for (i = 0; i < n; i += k) {
		for (k = 0; k < batch && i + k < n; k++) {
			int h =
			    snprintf(body, body_bytes + 1,
				     "%016zx %016" PRIx64 " ", i + k, clock_ms);
			memset(body + h, 'x', body_bytes - (size_t)h);
			body[body_bytes] = '\0';
			snprintf(input, body_bytes + 1024,
				 "{\"QueueUrl\":\"%s\",\"MessageBody\":\"%s\"}",
				 url, body);
			make_command("SendMessage", input,
				     1 + (i + k) % CLIENTS, &cmds[k]);
		}
		apply_entry(cmds, k);
	}
	report("send", n);

	/* receive 10 at a time, then delete what each receive got */
	{
		size_t n_recv = (n + 9) / 10, r, got = 0;
		char **handles = calloc(n_recv * 10, sizeof *handles);

		if (handles == NULL) {
			die("out of memory");
		}
		snprintf(input, body_bytes + 1024,
			 "{\"QueueUrl\":\"%s\",\"MaxNumberOfMessages\":10}",
			 url);
		for (r = 0; r < n_recv; r += k) {
			for (k = 0; k < batch && r + k < n_recv; k++) {
				make_command("ReceiveMessage", input,
					     1 + (r + k) % CLIENTS, &cmds[k]);
			}
			apply_entry(cmds, k);
			for (size_t j = 0; j < k; j++) {
				json_t *out =
				    json_loads(answers.json[j], 0, NULL);
				json_t *msgs = json_object_get(out, "Messages");

				for (size_t m = 0; m < json_array_size(msgs);
				     m++) {
					handles[got++] = strdup(
					    json_string_value(json_object_get(
						json_array_get(msgs, m),
						"ReceiptHandle")));
				}
				json_decref(out);
			}
		}
		if (got != n) {
			fprintf(stderr, "received %zu of %zu\n", got, n);
			die("not every message was received");
		}
		report("receive", n);

		for (r = 0; r < n_recv; r += k) {
			for (k = 0; k < batch && r + k < n_recv; k++) {
				json_t *in = json_object(), *es = json_array();

				json_object_set_new(in, "QueueUrl",
						    json_string(url));
				for (size_t m = (r + k) * 10;
				     m < (r + k + 1) * 10 && m < got; m++) {
					char id[8];

					snprintf(id, sizeof id, "%zu", m % 10);
					json_array_append_new(
					    es, json_pack("{s:s,s:s}", "Id", id,
							  "ReceiptHandle",
							  handles[m]));
				}
				json_object_set_new(in, "Entries", es);
				{
					char *text =
					    json_dumps(in, JSON_COMPACT);

					make_command("DeleteMessageBatch", text,
						     1 + (r + k) % CLIENTS,
						     &cmds[k]);
					free(text);
				}
				json_decref(in);
			}
			apply_entry(cmds, k);
			for (size_t j = 0; j < k; j++) {
				json_t *out =
				    json_loads(answers.json[j], 0, NULL);

				if (json_array_size(json_object_get(
					out, "Successful")) == 0 ||
				    json_array_size(
					json_object_get(out, "Failed")) != 0) {
					die("a delete failed");
				}
				json_decref(out);
			}
		}
		report("delete", n);
		for (r = 0; r < got; r++) {
			free(handles[r]);
		}
		free(handles);
	}
	for (i = 0; i < answers.n; i++) {
		free(answers.json[i]);
	}
	fsm_close(&leader.fsm);
	fsm_close(&follower.fsm);
	free(answers.json);
	free(answers.raw);
	free(cmds);
	free(body);
	free(input);
	return 0;
}
