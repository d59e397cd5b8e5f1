/* stratus-bench — throughput, latency and failover of a running cluster.
 *
 *   stratus-bench core [--endpoints E] [--value-size B] [--concurrency C]
 *                      [--batch K] [--duration S] [--warmup S]
 *   stratus-bench failover [--endpoints E] [--cluster-script PATH]
 *                      [--runs N] [--duration S] [--kill-at S]
 *                      [--concurrency C] [--value-size B]
 *   stratus-bench sqs  [--phase P] ...   (bench_sqs.c: the peers' queue
 *                      workload against SQS)
 *   stratus-bench http [--protocols json,query,native] ...   (bench_http.c:
 *                      SQS over the HTTP front door vs the native protocol)
 *
 * core: C requests outstanding at once through libstratus' async API, each
 * a put of K keys (client batching: one request, one raft entry at most);
 * prints commands/s and per-request latency percentiles.
 *
 * failover: writes unique keys continuously, SIGKILLs the leader (through
 * deploy/cluster.sh, which knows the pids) kill-at seconds in, measures the
 * time from the kill to the first acknowledgement of a write *sent after*
 * the kill, restarts the killed node, then lists every key back and counts
 * acknowledged writes that are missing (must be 0).
 *
 * Every measurement is one line: RESULT key=value ... (machine-readable;
 * the same key names as ../shared/peers). Never part of the test suite. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stratus.h"

struct bench_opts {
	const char *endpoints;
	const char *cluster_script;
	size_t value_size;
	unsigned concurrency;
	unsigned batch;
	double duration_s;
	double warmup_s;
	double kill_at_s;
	unsigned runs;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- latency samples ------------------------------------------------- */

struct samples {
	uint32_t *us;
	size_t cap;
	atomic_size_t n;
};

static void samples_add(struct samples *s, uint64_t us)
{
	size_t i = atomic_fetch_add(&s->n, 1);

	if (i < s->cap) {
		s->us[i] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double percentile_ms(struct samples *s, double p)
{
	size_t n = atomic_load(&s->n);

	if (n > s->cap) {
		n = s->cap;
	}
	if (n == 0) {
		return 0;
	}
	return s->us[(size_t)(p * (double)(n - 1))] / 1000.0;
}

/* ---- core -------------------------------------------------------------- */

struct request {
	struct core *core;
	uint64_t sent_us;
	unsigned n;
};

struct core {
	struct samples lat;
	atomic_int outstanding;
	atomic_uint_fast64_t acked_commands;
	atomic_uint_fast64_t failed;
	atomic_bool measuring;
};

static void core_done(void *arg, const st_error *err)
{
	struct request *r = arg;
	struct core *c = r->core;

	if (err != NULL) {
		if (atomic_fetch_add(&c->failed, 1) == 0) {
			fprintf(stderr,
				"stratus-bench: first failure: %s: %s\n",
				err->name, err->message);
		}
	} else if (atomic_load(&c->measuring)) {
		atomic_fetch_add(&c->acked_commands, r->n);
		samples_add(&c->lat, now_us() - r->sent_us);
	}
	free(r);
	atomic_fetch_sub(&c->outstanding, 1);
}

static int run_core(const struct bench_opts *o)
{
	st_options so = {0};
	st_error err;
	st_client *cl;
	struct core c = {0};
	char **keys = calloc(o->batch, sizeof *keys);
	const void **values = calloc(o->batch, sizeof *values);
	size_t *lens = calloc(o->batch, sizeof *lens);
	char *value = malloc(o->value_size ? o->value_size : 1);
	uint64_t start, measure_start = 0, end, seq = 0;
	unsigned i;

	memset(value, 'v', o->value_size);
	so.max_inflight = o->concurrency;
	cl = st_client_new(o->endpoints, &so, &err);
	if (cl == NULL) {
		fprintf(stderr, "stratus-bench: %s: %s\n", err.name,
			err.message);
		return 1;
	}
	c.lat.cap = 20 * 1000 * 1000;
	c.lat.us = malloc(c.lat.cap * sizeof *c.lat.us);
	for (i = 0; i < o->batch; i++) {
		keys[i] = malloc(48);
		values[i] = value;
		lens[i] = o->value_size;
	}
	start = now_us();
	end = start + (uint64_t)((o->warmup_s + o->duration_s) * 1e6);
	for (;;) {
		uint64_t t = now_us();
		struct request *r;
		if (t >= end) {
			break;
		}
		if (!atomic_load(&c.measuring) &&
		    t >= start + (uint64_t)(o->warmup_s * 1e6)) {
			measure_start = t;
			atomic_store(&c.measuring, true);
		}
		for (i = 0; i < o->batch; i++) {
			snprintf(keys[i], 48, "bench/%016" PRIx64, seq++);
		}
		r = malloc(sizeof *r);
		r->core = &c;
		r->n = o->batch;
		r->sent_us = now_us();
		atomic_fetch_add(&c.outstanding, 1);
		/* Blocks while `concurrency` requests are outstanding. */
		if (st_kv_put_many_async(cl, (const char *const *)keys, values,
					 lens, o->batch, core_done, r) != 0) {
			free(r);
			atomic_fetch_add(&c.failed, 1);
			atomic_fetch_sub(&c.outstanding, 1);
		}
	}
	atomic_store(&c.measuring, false);
	end = now_us();
	while (atomic_load(&c.outstanding) > 0) {
		usleep(1000); /* let the last requests finish, unmeasured */
	}
	st_client_free(cl);
	qsort(c.lat.us,
	      atomic_load(&c.lat.n) < c.lat.cap ? atomic_load(&c.lat.n)
						: c.lat.cap,
	      sizeof *c.lat.us, cmp_u32);
	{
		double secs =
		    measure_start ? (double)(end - measure_start) / 1e6 : 0;
		secs = secs > 0 ? secs : 1e-9;
		uint64_t acked = atomic_load(&c.acked_commands);
		printf("RESULT peer=stratus phase=core value_size=%zu "
		       "concurrency=%u batch=%u rate=%.0f req_rate=%.0f "
		       "lat_p50_ms=%.3f lat_p99_ms=%.3f lat_p999_ms=%.3f "
		       "failed=%" PRIuFAST64 " seconds=%.1f\n",
		       o->value_size, o->concurrency, o->batch,
		       (double)acked / secs, (double)acked / o->batch / secs,
		       percentile_ms(&c.lat, 0.50), percentile_ms(&c.lat, 0.99),
		       percentile_ms(&c.lat, 0.999), atomic_load(&c.failed),
		       secs);
	}
	for (i = 0; i < o->batch; i++) {
		free(keys[i]);
	}
	free(keys);
	free(values);
	free(lens);
	free(value);
	free(c.lat.us);
	return 0;
}

/* ---- failover ---------------------------------------------------------- */

struct failover {
	atomic_int outstanding;
	atomic_uchar *acked; /* per write id */
	size_t cap;
	atomic_uint_fast64_t acked_n, failed_n;
	_Atomic uint64_t kill_us;      /* 0 until the kill */
	_Atomic uint64_t recovered_us; /* first ack of a write sent after it */
};

struct fo_request {
	struct failover *f;
	uint64_t id;
	uint64_t sent_us;
};

static void fo_done(void *arg, const st_error *err)
{
	struct fo_request *r = arg;
	struct failover *f = r->f;
	uint64_t kill = atomic_load(&f->kill_us), zero = 0;

	if (err == NULL) {
		atomic_store(&f->acked[r->id], 1);
		atomic_fetch_add(&f->acked_n, 1);
		if (kill != 0 && r->sent_us > kill) {
			atomic_compare_exchange_strong(&f->recovered_us, &zero,
						       now_us());
		}
	} else {
		atomic_fetch_add(&f->failed_n, 1);
	}
	free(r);
	atomic_fetch_sub(&f->outstanding, 1);
}

/* Run a cluster.sh command; returns its first output line as a number. */
static long script(const struct bench_opts *o, const char *args)
{
	char cmd[1024], line[128] = "";
	FILE *p;

	snprintf(cmd, sizeof cmd, "%s %s", o->cluster_script, args);
	p = popen(cmd, "r");
	if (p == NULL) {
		return -1;
	}
	if (fgets(line, sizeof line, p) == NULL) {
		line[0] = '\0';
	}
	while (fgets(cmd, sizeof cmd, p) != NULL) {
	}
	if (pclose(p) != 0) {
		return -1;
	}
	return strtol(line, NULL, 10);
}

struct list_ctx {
	struct failover *f;
	const char *prefix;
	size_t found;
};

static int verify(st_client *cl, struct failover *f, const char *prefix,
		  uint64_t n_ids, uint64_t *lost)
{
	unsigned char *seen = calloc(n_ids ? n_ids : 1, 1);
	char *token = NULL;
	st_kv_item *items;
	size_t n, i;
	st_error err;
	uint64_t id;

	do {
		if (st_kv_list(cl, prefix, token, 1000, &items, &n, &token,
			       &err) != 0) {
			fprintf(stderr, "verify: %s: %s\n", err.name,
				err.message);
			free(seen);
			return -1;
		}
		for (i = 0; i < n; i++) {
			id = strtoull(items[i].key + strlen(prefix), NULL, 16);
			if (id < n_ids) {
				seen[id] = 1;
			}
		}
		st_kv_items_free(items, n);
	} while (token != NULL);
	*lost = 0;
	for (id = 0; id < n_ids; id++) {
		if (atomic_load(&f->acked[id]) && !seen[id]) {
			(*lost)++;
		}
	}
	free(seen);
	return 0;
}

static int run_failover(const struct bench_opts *o)
{
	unsigned run;
	int rc = 0;

	for (run = 0; run < o->runs; run++) {
		st_options so = {0};
		st_error err;
		st_client *cl;
		struct failover f = {0};
		char prefix[64], key[96], leader_cmd[64];
		char *value = malloc(o->value_size ? o->value_size : 1);
		uint64_t start, end, id = 0, lost = 0;
		long leader;

		memset(value, 'f', o->value_size);
		snprintf(prefix, sizeof prefix, "fo/%ld-%u/", (long)time(NULL),
			 run);
		so.max_inflight = o->concurrency;
		so.request_timeout_ms = 1000;
		cl = st_client_new(o->endpoints, &so, &err);
		if (cl == NULL) {
			fprintf(stderr, "stratus-bench: %s\n", err.message);
			return 1;
		}
		f.cap = 50 * 1000 * 1000;
		f.acked = calloc(f.cap, 1);
		start = now_us();
		end = start + (uint64_t)(o->duration_s * 1e6);
		leader = -1;
		while (now_us() < end && id < f.cap) {
			struct fo_request *r;
			if (leader < 0 &&
			    now_us() >=
				start + (uint64_t)(o->kill_at_s * 1e6)) {
				leader = script(o, "leader");
				if (leader <= 0) {
					fprintf(stderr, "no leader to kill\n");
					rc = 1;
					break;
				}
				snprintf(leader_cmd, sizeof leader_cmd,
					 "kill %ld", leader);
				atomic_store(&f.kill_us, now_us());
				script(o, leader_cmd);
			}
			r = malloc(sizeof *r);
			r->f = &f;
			r->id = id;
			snprintf(key, sizeof key, "%s%012" PRIx64, prefix,
				 id++);
			r->sent_us = now_us();
			atomic_fetch_add(&f.outstanding, 1);
			if (st_kv_put_async(cl, key, value, o->value_size,
					    fo_done, r) != 0) {
				free(r);
				atomic_fetch_add(&f.failed_n, 1);
				atomic_fetch_sub(&f.outstanding, 1);
			}
		}
		while (atomic_load(&f.outstanding) > 0) {
			usleep(1000); /* every write ends acked or failed */
		}
		st_client_free(cl);
		if (leader > 0) {
			snprintf(leader_cmd, sizeof leader_cmd, "start %ld",
				 leader);
			script(o, leader_cmd);
		}
		cl = st_client_new(o->endpoints, NULL, &err);
		if (cl == NULL || verify(cl, &f, prefix, id, &lost) != 0) {
			rc = 1;
		}
		st_client_free(cl);
		{
			uint64_t k = atomic_load(&f.kill_us);
			uint64_t r = atomic_load(&f.recovered_us);
			printf("RESULT peer=stratus phase=failover run=%u "
			       "recovery_ms=%.1f lost_confirmed=%" PRIu64
			       " acked=%" PRIuFAST64 " failed=%" PRIuFAST64
			       " killed_node=%ld\n",
			       run + 1,
			       r && k ? (double)(r - k) / 1000.0 : -1.0, lost,
			       atomic_load(&f.acked_n),
			       atomic_load(&f.failed_n), leader);
			fflush(stdout);
		}
		free(f.acked);
		free(value);
		sleep(2); /* let the restarted node catch up */
	}
	return rc;
}

int bench_sqs_main(int argc, char **argv);  /* bench_sqs.c */
int bench_http_main(int argc, char **argv); /* bench_http.c */

static void usage(void)
{
	fputs("usage: stratus-bench core|failover|sqs|http [--endpoints E] "
	      "[--value-size B] [--concurrency C] [--batch K] [--duration S] "
	      "[--warmup S] [--cluster-script PATH] [--runs N] [--kill-at S]\n",
	      stderr);
}

int main(int argc, char **argv)
{
	struct bench_opts o = {
	    .endpoints = getenv("STRATUS_ENDPOINTS"),
	    .cluster_script = "deploy/cluster.sh",
	    .value_size = 64,
	    .concurrency = 16,
	    .batch = 64,
	    .duration_s = 10,
	    .warmup_s = 2,
	    .kill_at_s = 3,
	    .runs = 5,
	};
	int i;

	if (argc < 2) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "sqs")) {
		return bench_sqs_main(argc - 2, argv + 2);
	}
	if (!strcmp(argv[1], "http")) {
		return bench_http_main(argc - 2, argv + 2);
	}
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL) {
			usage();
			return 2;
		}
		if (!strcmp(a, "--endpoints")) {
			o.endpoints = v;
		} else if (!strcmp(a, "--cluster-script")) {
			o.cluster_script = v;
		} else if (!strcmp(a, "--value-size")) {
			o.value_size = strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--concurrency")) {
			o.concurrency = (unsigned)strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--batch")) {
			o.batch = (unsigned)strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--duration")) {
			o.duration_s = strtod(v, NULL);
		} else if (!strcmp(a, "--warmup")) {
			o.warmup_s = strtod(v, NULL);
		} else if (!strcmp(a, "--kill-at")) {
			o.kill_at_s = strtod(v, NULL);
		} else if (!strcmp(a, "--runs")) {
			o.runs = (unsigned)strtoul(v, NULL, 10);
		} else {
			usage();
			return 2;
		}
		i++;
	}
	if (o.endpoints == NULL) {
		o.endpoints = "tcp://127.0.0.1:7111,tcp://127.0.0.1:7121,"
			      "tcp://127.0.0.1:7131";
	}
	if (o.concurrency == 0 || o.batch == 0 || o.batch > 1024) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "core")) {
		return run_core(&o);
	}
	if (!strcmp(argv[1], "failover")) {
		return run_failover(&o);
	}
	usage();
	return 2;
}
