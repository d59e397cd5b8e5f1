/* sqs_workload — the SQS side of the cluster tests, on libstratus: one
 * long-lived client per role, so that a test sees what one SDK client sees
 * across a leader failure.
 *
 *   sqs_workload send --endpoints E --queue-url U --log F [--senders S]
 *                [--fifo --groups G] [--prefix P]
 *     S sender threads (standard queue) or G group threads (FIFO: group
 *     "g<j>", MessageDeduplicationId = body), each strictly sequential
 *     (one SendMessage in flight), until SIGTERM. Bodies are unique:
 *     "<prefix>-<thread>-<k>". Log lines, flushed one by one:
 *       s <body>            before the send
 *       a <body> <msg id>   the send was acknowledged
 *       f <body> <error>    the call failed (fate unknown)
 *   sqs_workload longpoll --endpoints E --queue-url U --wait S
 *     Prints "START", then one ReceiveMessage (WaitTimeSeconds S), then
 *     "RECV rc=<code> ms=<elapsed> n=<messages> err=<name>", then the next
 *     call (a SendMessage of body "after-longpoll") and "NEXT rc=.. ms=..",
 *     then a ReceiveMessage (WaitTimeSeconds 2) and "AGAIN rc=.. ms=.. n=..
 *     body=<first body>".
 *   sqs_workload drain --endpoints E --queue-url U --log F [--idle-ms T]
 *     ReceiveMessage (10, WaitTimeSeconds 1) + DeleteMessageBatch until
 *     nothing arrived for T ms; logs "r <body> <msg id>" in receipt order.
 *
 * Requests are signed when STRATUS_ACCESS_KEY_ID and
 * STRATUS_SECRET_ACCESS_KEY are set (as the CLI does).
 *
 * Exit: 0, 1 (client or log could not be made), 2 (usage). */
#include "stratus.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64

static volatile sig_atomic_t stopping;
static const char *endpoints, *queue_url, *log_path, *prefix = "m";
static int senders = 4, groups = 0, wait_s = 20, idle_ms = 3000;
static bool fifo;
static FILE *logf;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static st_client *client;

static void on_signal(int signo)
{
	(void)signo;
	stopping = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_line(const char *kind, const char *a, const char *b)
{
	pthread_mutex_lock(&log_mu);
	fprintf(logf, "%s %s %s\n", kind, a, b ? b : "");
	fflush(logf);
	pthread_mutex_unlock(&log_mu);
}

/* The value of a string member of a JSON document (owned copy) or NULL. */
static char *json_member(const char *doc, const char *name)
{
	json_t *d = json_loads(doc, 0, NULL);
	const char *v = d ? json_string_value(json_object_get(d, name)) : NULL;
	char *r = v ? strdup(v) : NULL;

	json_decref(d);
	return r;
}

static void *sender_main(void *arg)
{
	int idx = (int)(intptr_t)arg;
	uint64_t k;

	for (k = 1; !stopping; k++) {
		char body[128], *in, *out = NULL, *id;
		json_t *req;
		st_error err;

		snprintf(body, sizeof body, "%s-%d-%llu", prefix, idx,
			 (unsigned long long)k);
		req = json_pack("{s:s, s:s}", "QueueUrl", queue_url,
				"MessageBody", body);
		if (fifo) {
			char group[16];
			snprintf(group, sizeof group, "g%d", idx);
			json_object_set_new(req, "MessageGroupId",
					    json_string(group));
			json_object_set_new(req, "MessageDeduplicationId",
					    json_string(body));
		}
		in = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		log_line("s", body, NULL);
		if (st_call(client, "sqs", "SendMessage", in, &out, &err) ==
		    0) {
			id = json_member(out, "MessageId");
			log_line("a", body, id ? id : "?");
			free(id);
			st_free(out);
		} else {
			char e[600];
			snprintf(e, sizeof e, "%s:%s", err.name, err.message);
			for (char *p = e; *p; p++) {
				if (*p == ' ' || *p == '\n') {
					*p = '_';
				}
			}
			log_line("f", body, e);
		}
		free(in);
	}
	return NULL;
}

static int run_send(void)
{
	pthread_t t[MAX_THREADS];
	int n = fifo ? groups : senders, i;

	if (n < 1 || n > MAX_THREADS) {
		return 2;
	}
	for (i = 0; i < n; i++) {
		pthread_create(&t[i], NULL, sender_main, (void *)(intptr_t)i);
	}
	for (i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
	}
	return 0;
}

static int run_longpoll(void)
{
	char in[1024], *out = NULL;
	st_error err;
	int64_t t0;
	int rc;
	size_t n = 0;

	snprintf(in, sizeof in,
		 "{\"QueueUrl\":\"%s\",\"MaxNumberOfMessages\":10,"
		 "\"WaitTimeSeconds\":%d}",
		 queue_url, wait_s);
	printf("START\n");
	fflush(stdout);
	t0 = now_ms();
	rc = st_call(client, "sqs", "ReceiveMessage", in, &out, &err);
	if (rc == 0) {
		json_t *d = json_loads(out, 0, NULL);
		n = json_array_size(json_object_get(d, "Messages"));
		json_decref(d);
		st_free(out);
	}
	printf("RECV rc=%d ms=%lld n=%zu err=%s\n", rc,
	       (long long)(now_ms() - t0), n, rc ? err.name : "-");
	fflush(stdout);
	snprintf(in, sizeof in,
		 "{\"QueueUrl\":\"%s\",\"MessageBody\":\"after-longpoll\"}",
		 queue_url);
	t0 = now_ms();
	rc = st_call(client, "sqs", "SendMessage", in, &out, &err);
	if (rc == 0) {
		st_free(out);
	}
	printf("NEXT rc=%d ms=%lld err=%s\n", rc, (long long)(now_ms() - t0),
	       rc ? err.name : "-");
	fflush(stdout);
	snprintf(in, sizeof in,
		 "{\"QueueUrl\":\"%s\",\"MaxNumberOfMessages\":10,"
		 "\"WaitTimeSeconds\":2}",
		 queue_url);
	t0 = now_ms();
	rc = st_call(client, "sqs", "ReceiveMessage", in, &out, &err);
	n = 0;
	char first[64] = "-";
	if (rc == 0) {
		json_t *d = json_loads(out, 0, NULL);
		json_t *msgs = json_object_get(d, "Messages");
		const char *b = json_string_value(
		    json_object_get(json_array_get(msgs, 0), "Body"));
		n = json_array_size(msgs);
		if (b != NULL) {
			snprintf(first, sizeof first, "%s", b);
		}
		json_decref(d);
		st_free(out);
	}
	printf("AGAIN rc=%d ms=%lld n=%zu body=%s err=%s\n", rc,
	       (long long)(now_ms() - t0), n, first, rc ? err.name : "-");
	fflush(stdout);
	return 0;
}

static int run_drain(void)
{
	char in[1024];
	int64_t last = now_ms();

	snprintf(in, sizeof in,
		 "{\"QueueUrl\":\"%s\",\"MaxNumberOfMessages\":10,"
		 "\"WaitTimeSeconds\":1}",
		 queue_url);
	while (!stopping && now_ms() - last < idle_ms) {
		char *out = NULL, *del_in;
		st_error err;
		json_t *d, *msgs, *m, *entries;
		size_t i;

		if (st_call(client, "sqs", "ReceiveMessage", in, &out, &err) !=
		    0) {
			fprintf(stderr, "drain: receive: %s: %s\n", err.name,
				err.message);
			usleep(100000);
			continue;
		}
		d = json_loads(out, 0, NULL);
		st_free(out);
		msgs = json_object_get(d, "Messages");
		if (json_array_size(msgs) == 0) {
			json_decref(d);
			continue;
		}
		last = now_ms();
		entries = json_array();
		json_array_foreach(msgs, i, m)
		{
			char id[24];
			log_line(
			    "r", json_string_value(json_object_get(m, "Body")),
			    json_string_value(json_object_get(m, "MessageId")));
			snprintf(id, sizeof id, "e%zu", i);
			json_array_append_new(
			    entries,
			    json_pack("{s:s, s:O}", "Id", id, "ReceiptHandle",
				      json_object_get(m, "ReceiptHandle")));
		}
		json_decref(d);
		d = json_pack("{s:s, s:o}", "QueueUrl", queue_url, "Entries",
			      entries);
		del_in = json_dumps(d, JSON_COMPACT);
		json_decref(d);
		if (st_call(client, "sqs", "DeleteMessageBatch", del_in, &out,
			    &err) != 0) {
			fprintf(stderr, "drain: delete: %s: %s\n", err.name,
				err.message);
		} else {
			st_free(out);
		}
		free(del_in);
	}
	return 0;
}

static int usage(void)
{
	fputs("usage: sqs_workload send|longpoll|drain --endpoints E "
	      "--queue-url U [--log F] [--senders S] [--fifo --groups G] "
	      "[--prefix P] [--wait S] [--idle-ms T]\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	st_options so = {0};
	st_error err;
	const char *mode;
	int i, rc;

	if (argc < 2) {
		return usage();
	}
	mode = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--fifo")) {
			fifo = true;
			continue;
		}
		if (v == NULL) {
			return usage();
		}
		if (!strcmp(a, "--endpoints")) {
			endpoints = v;
		} else if (!strcmp(a, "--queue-url")) {
			queue_url = v;
		} else if (!strcmp(a, "--log")) {
			log_path = v;
		} else if (!strcmp(a, "--senders")) {
			senders = atoi(v);
		} else if (!strcmp(a, "--groups")) {
			groups = atoi(v);
		} else if (!strcmp(a, "--prefix")) {
			prefix = v;
		} else if (!strcmp(a, "--wait")) {
			wait_s = atoi(v);
		} else if (!strcmp(a, "--idle-ms")) {
			idle_ms = atoi(v);
		} else {
			return usage();
		}
		i++;
	}
	if (endpoints == NULL || queue_url == NULL) {
		return usage();
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	logf = stdout;
	if (log_path != NULL && (logf = fopen(log_path, "a")) == NULL) {
		perror(log_path);
		return 1;
	}
	/* Short attempts, a long budget: a call stuck on the killed leader
	 * moves on after 1 s and keeps retrying through the election. */
	so.request_timeout_ms = 1000;
	so.retry_deadline_ms = 30000;
	so.access_key_id = getenv("STRATUS_ACCESS_KEY_ID");
	so.secret_access_key = getenv("STRATUS_SECRET_ACCESS_KEY");
	client = st_client_new(endpoints, &so, &err);
	if (client == NULL) {
		fprintf(stderr, "sqs_workload: %s: %s\n", err.name,
			err.message);
		return 1;
	}
	if (!strcmp(mode, "send")) {
		rc = run_send();
	} else if (!strcmp(mode, "longpoll")) {
		rc = run_longpoll();
	} else if (!strcmp(mode, "drain")) {
		rc = run_drain();
	} else {
		rc = usage();
	}
	st_client_free(client);
	if (logf != stdout) {
		fclose(logf);
	}
	return rc;
}
