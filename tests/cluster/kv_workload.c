/* kv_workload — a write workload for the cluster tests, on libstratus's
 * async API.
 *
 * W writer chains run until SIGTERM/SIGINT, --duration or --max-writes.
 * Each chain is strictly sequential (the next write is submitted from the
 * previous one's callback) and, for i = 1, 2, ..., writes
 *   (a) the unique key  u/<run>/<writer>/<i>  = "<i>", then
 *   (b) its counter key c/<run>/<writer>      = "<i>" (overwritten).
 * The ack log (--ack-log) gets one line per event, appended and flushed
 * before the chain moves on:
 *   s <counter key> <i>   before the counter write is SENT (the highest i
 *                         that may ever be applied to that key)
 *   u <unique key>        the unique write was ACKNOWLEDGED
 *   c <counter key> <i>   the counter write was ACKNOWLEDGED
 * A write whose call fails (deadline, connection, server error) is not
 * logged: its fate is unknown. The tests then check that every acked
 * unique key exists with its value and that every counter holds a value
 * in [last acked i, last sent i].
 *
 * On exit it prints one line: "SUMMARY {json}" with the counts.
 * Exit status: 0 after a normal stop (write failures are data, not an
 * error), 1 if the client could not be created or the log not written,
 * 2 on a usage error.
 *
 * Threads: callbacks run on libstratus's nng threads; the log, the counters
 * and the chain states are guarded by one mutex. Signals only set a flag
 * that the main thread polls. */
#include "stratus.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define MAX_WRITERS 256
#define KEY_BYTES   256

static volatile sig_atomic_t got_signal;

static void on_signal(int signo)
{
	got_signal = signo;
}

struct workload;

/* One writer chain. */
struct writer {
	struct workload *wl;
	unsigned id;
	uint64_t i;	 /* the current iteration, from 1 */
	bool counter;	 /* the current write is the counter write */
	bool busy;	 /* a write is in flight (callback pending) */
	bool parked;	 /* its write waits for the main thread to send it */
	int64_t sent_ms; /* when the in-flight write was submitted */
	char key[KEY_BYTES];
	char value[32];
};

struct workload {
	st_client *client;
	const char *run;
	uint64_t max_writes; /* iterations per writer; 0 = unbounded */
	FILE *log;
	bool log_failed;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a chain went idle */
	bool stopping;
	unsigned busy;	 /* chains with a write in flight (or parked) */
	unsigned parked; /* chains waiting for the main thread */
	struct writer writers[MAX_WRITERS];
	unsigned n_writers;
	/* counters (under mu) */
	uint64_t acked_unique, acked_counter, failed, submit_errors;
	int64_t max_latency_ms;
	char last_error[1024]; /* name + key + message, truncated */
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append one line to the ack log and flush it. Under wl->mu. */
static void log_line(struct workload *wl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void log_line(struct workload *wl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(wl->log, fmt, ap) < 0 || fflush(wl->log) != 0) {
		wl->log_failed = true;
	}
	va_end(ap);
}

static void put_done(void *arg, const st_error *err);

/* A write the library did not accept (rc): count it and move the chain to
 * its next write. Under wl->mu. */
static void writer_skip(struct writer *w, int rc)
{
	struct workload *wl = w->wl;

	wl->submit_errors++;
	snprintf(wl->last_error, sizeof wl->last_error, "submit %s: %s", w->key,
		 st_code_name(rc));
	if (w->counter) {
		w->i++;
	}
	w->counter = !w->counter;
	if (rc == ST_ERR_CONNECTION) {
		wl->stopping = true; /* the client is closing */
	}
}

/* Prepare the writer's next write (key, value, the "s" line of a counter
 * write), or retire the chain and return false. Under wl->mu. */
static bool writer_prepare(struct writer *w)
{
	struct workload *wl = w->wl;

	if (wl->stopping || wl->log_failed ||
	    (wl->max_writes > 0 && w->i > wl->max_writes)) {
		w->busy = false;
		wl->busy--;
		pthread_cond_broadcast(&wl->cv);
		return false;
	}
	if (w->counter) {
		snprintf(w->key, sizeof w->key, "c/%s/%u", wl->run, w->id);
		/* Recorded before sending: a write may apply even if we
		 * never learn it did. */
		log_line(wl, "s %s %" PRIu64 "\n", w->key, w->i);
	} else {
		snprintf(w->key, sizeof w->key, "u/%s/%u/%" PRIu64, wl->run,
			 w->id, w->i);
	}
	snprintf(w->value, sizeof w->value, "%" PRIu64, w->i);
	return true;
}

static int writer_send(struct writer *w)
{
	w->sent_ms = now_ms();
	return st_kv_put_async(w->wl->client, w->key, w->value,
			       strlen(w->value), put_done, w);
}

/* Submit the writer's next write, or retire the chain. Under wl->mu. */
static void writer_next(struct writer *w)
{
	struct workload *wl = w->wl;
	int rc;

	while (writer_prepare(w)) {
		rc = writer_send(w);
		if (rc == ST_OK) {
			return;
		}
		if (rc == ST_ERR_OVER_LIMIT) {
			/* From a callback the library cannot wait for a slot
			 * (e.g. a call still retrying after a failover holds
			 * the oldest seq it may have unfinished): the main
			 * thread sends this write, waiting. Skipping it here
			 * instead spun this callback under mu — holding every
			 * other callback, and the one that would free the
			 * slot, back (a 30 s stall in CI's stepdown_load). */
			w->parked = true;
			wl->parked++;
			pthread_cond_broadcast(&wl->cv);
			return;
		}
		/* Not accepted: the callback will not run. Count it as a
		 * failure and move on (no client-side retry loop here: the
		 * library has already retried a failed call). */
		writer_skip(w, rc);
	}
}

/* Main thread: send the parked chains' writes, waiting for slots outside
 * mu (the callbacks that free them need it); retire them when stopping.
 * Under wl->mu. */
static void send_parked(struct workload *wl)
{
	unsigned k;

	for (k = 0; k < wl->n_writers && wl->parked > 0; k++) {
		struct writer *w = &wl->writers[k];
		bool ready;

		if (!w->parked) {
			continue;
		}
		w->parked = false;
		wl->parked--;
		/* Its write is prepared; when stopping, retire it instead. */
		ready = wl->stopping ? writer_prepare(w) : true;
		while (ready) {
			int rc;

			pthread_mutex_unlock(&wl->mu);
			rc = writer_send(w);
			pthread_mutex_lock(&wl->mu);
			if (rc == ST_OK) {
				break;
			}
			writer_skip(w, rc);
			ready = writer_prepare(w);
		}
	}
}

/* st_done_cb: a write finished (library thread). */
static void put_done(void *arg, const st_error *err)
{
	struct writer *w = arg;
	struct workload *wl = w->wl;
	int64_t latency;

	pthread_mutex_lock(&wl->mu);
	latency = now_ms() - w->sent_ms;
	if (err == NULL) {
		if (latency > wl->max_latency_ms) {
			wl->max_latency_ms = latency;
		}
		if (w->counter) {
			log_line(wl, "c %s %" PRIu64 "\n", w->key, w->i);
			wl->acked_counter++;
		} else {
			log_line(wl, "u %s\n", w->key);
			wl->acked_unique++;
		}
	} else {
		wl->failed++;
		snprintf(wl->last_error, sizeof wl->last_error, "%s %s: %s",
			 err->name, w->key, err->message);
		if (!wl->stopping) {
			fprintf(stderr,
				"kv_workload: write %s failed after %" PRId64
				" ms: %s: %s\n",
				w->key, latency, err->name, err->message);
		}
	}
	if (w->counter) {
		w->i++;
	}
	w->counter = !w->counter;
	writer_next(w);
	pthread_mutex_unlock(&wl->mu);
}

/* The JSON string of s, for the summary (keys and messages are ASCII; be
 * safe anyway). */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			fprintf(f, "\\%c", ch);
		} else if (ch < 0x20 || ch >= 0x7f) {
			fprintf(f, "\\u%04x", ch);
		} else {
			fputc(ch, f);
		}
	}
	fputc('"', f);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kv_workload --ack-log FILE [options]\n"
		"  --endpoints A,B,C        node client addresses (default: "
		"$STRATUS_ENDPOINTS)\n"
		"  --writers W              writer chains (default 4, max %d)\n"
		"  --run ID                 key namespace (default: random)\n"
		"  --duration S             stop after S seconds (default: "
		"until SIGTERM/SIGINT)\n"
		"  --max-writes N           iterations per writer (default: "
		"unbounded)\n"
		"  --request-timeout-ms N   one attempt (default 1000)\n"
		"  --deadline-ms N          one write, retries included "
		"(default 15000)\n"
		"  --stop-grace-ms N        on stop, wait this long for "
		"writes in flight (default 3000)\n",
		MAX_WRITERS);
}

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-') {
		return false;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max) {
		return false;
	}
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	static struct workload wl;
	const char *endpoints = getenv("STRATUS_ENDPOINTS");
	const char *ack_log = NULL;
	const char *run = NULL;
	char run_buf[32];
	uint64_t writers = 4, duration_s = 0, max_writes = 0;
	uint64_t request_timeout_ms = 1000, deadline_ms = 15000;
	uint64_t grace_ms = 3000;
	st_options opts;
	st_error err;
	struct sigaction sa;
	int64_t start, stop_at = 0, grace_end;
	int status = 0;
	unsigned k;

	for (int a = 1; a < argc; a++) {
		const char *name = argv[a];
		const char *val = a + 1 < argc ? argv[a + 1] : NULL;
		bool ok = true;

		if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (val == NULL) {
			fprintf(stderr, "kv_workload: %s: missing value\n",
				name);
			return 2;
		}
		a++;
		if (strcmp(name, "--endpoints") == 0) {
			endpoints = val;
		} else if (strcmp(name, "--ack-log") == 0) {
			ack_log = val;
		} else if (strcmp(name, "--run") == 0) {
			run = val;
			ok = *val != '\0' && strlen(val) < 64 &&
			     strpbrk(val, "/ \t\n") == NULL;
		} else if (strcmp(name, "--writers") == 0) {
			ok = parse_uint(val, MAX_WRITERS, &writers) &&
			     writers > 0;
		} else if (strcmp(name, "--duration") == 0) {
			ok = parse_uint(val, 86400, &duration_s);
		} else if (strcmp(name, "--max-writes") == 0) {
			ok = parse_uint(val, UINT64_MAX / 2, &max_writes);
		} else if (strcmp(name, "--request-timeout-ms") == 0) {
			ok = parse_uint(val, 600000, &request_timeout_ms) &&
			     request_timeout_ms > 0;
		} else if (strcmp(name, "--deadline-ms") == 0) {
			ok = parse_uint(val, 3600000, &deadline_ms) &&
			     deadline_ms > 0;
		} else if (strcmp(name, "--stop-grace-ms") == 0) {
			ok = parse_uint(val, 600000, &grace_ms);
		} else {
			fprintf(stderr, "kv_workload: unknown option %s\n",
				name);
			usage(stderr);
			return 2;
		}
		if (!ok) {
			fprintf(stderr, "kv_workload: %s: bad value '%s'\n",
				name, val);
			return 2;
		}
	}
	if (ack_log == NULL || endpoints == NULL || *endpoints == '\0') {
		fprintf(stderr, "kv_workload: --ack-log and --endpoints (or "
				"STRATUS_ENDPOINTS) are required\n");
		usage(stderr);
		return 2;
	}
	if (run == NULL) {
		uint32_t r = 0;
		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
			r = (uint32_t)now_ms() ^ (uint32_t)getpid();
		}
		snprintf(run_buf, sizeof run_buf, "%08" PRIx32, r);
		run = run_buf;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	wl.run = run;
	wl.max_writes = max_writes;
	wl.n_writers = (unsigned)writers;
	pthread_mutex_init(&wl.mu, NULL);
	pthread_cond_init(&wl.cv, NULL);
	wl.log = fopen(ack_log, "a");
	if (wl.log == NULL) {
		fprintf(stderr, "kv_workload: open %s: %s\n", ack_log,
			strerror(errno));
		status = 1;
		goto out_after_init;
	}
	memset(&opts, 0, sizeof opts);
	opts.request_timeout_ms = (unsigned)request_timeout_ms;
	opts.retry_deadline_ms = (unsigned)deadline_ms;
	/* Failovers here take hundreds of ms: keep the backoff short so a
	 * stall measured by the tests is the cluster's, not ours. */
	opts.backoff_base_ms = 20;
	opts.backoff_max_ms = 200;
	wl.client = st_client_new(endpoints, &opts, &err);
	if (wl.client == NULL) {
		fprintf(stderr, "kv_workload: connect %s: %s: %s\n", endpoints,
			err.name, err.message);
		status = 1;
		goto out_after_log;
	}

	start = now_ms();
	if (duration_s > 0) {
		stop_at = start + (int64_t)duration_s * 1000;
	}
	pthread_mutex_lock(&wl.mu);
	for (k = 0; k < wl.n_writers; k++) {
		struct writer *w = &wl.writers[k];
		w->wl = &wl;
		w->id = k;
		w->i = 1;
		w->busy = true;
		wl.busy++;
		writer_next(w);
	}
	/* Run until a signal, the duration, or every chain finished. */
	while (wl.busy > 0 && !got_signal &&
	       (stop_at == 0 || now_ms() < stop_at)) {
		struct timespec ts;
		if (wl.parked > 0) {
			send_parked(&wl);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&wl.cv, &wl.mu, &ts);
	}
	wl.stopping = true;
	/* Let writes in flight finish (their outcome is worth knowing),
	 * within the grace period; st_client_free fails the rest. */
	grace_end = now_ms() + (int64_t)grace_ms;
	while (wl.busy > 0 && now_ms() < grace_end) {
		struct timespec ts;
		send_parked(&wl); /* retires parked chains */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&wl.cv, &wl.mu, &ts);
	}
	pthread_mutex_unlock(&wl.mu);
	/* Outstanding calls complete with ST_ERR_CONNECTION (not acked). */
	st_client_free(wl.client);

	pthread_mutex_lock(&wl.mu);
	printf("SUMMARY {\"run\":");
	json_str(stdout, run);
	printf(",\"writers\":%u,\"elapsed_ms\":%" PRId64 ",\"acked\":%" PRIu64
	       ",\"acked_unique\":%" PRIu64 ",\"acked_counter\":%" PRIu64
	       ",\"failed\":%" PRIu64 ",\"submit_errors\":%" PRIu64
	       ",\"max_latency_ms\":%" PRId64
	       ",\"signal\":%d,\"log_failed\":%s,\"last_error\":",
	       wl.n_writers, now_ms() - start,
	       wl.acked_unique + wl.acked_counter, wl.acked_unique,
	       wl.acked_counter, wl.failed, wl.submit_errors, wl.max_latency_ms,
	       (int)got_signal, wl.log_failed ? "true" : "false");
	json_str(stdout, wl.last_error);
	printf("}\n");
	fflush(stdout);
	if (wl.log_failed) {
		fprintf(stderr, "kv_workload: writing %s failed\n", ack_log);
		status = 1;
	}
	pthread_mutex_unlock(&wl.mu);

out_after_log:
	if (fclose(wl.log) != 0) {
		status = 1;
	}
out_after_init:
	pthread_cond_destroy(&wl.cv);
	pthread_mutex_destroy(&wl.mu);
	return status;
}
