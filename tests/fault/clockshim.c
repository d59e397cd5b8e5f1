/* clockshim — test-only LD_PRELOAD library that moves one process's wall
 * clock at run time, to inject clock jumps and skew into a node.
 *
 * CLOCK_REALTIME (and CLOCK_REALTIME_COARSE), gettimeofday() and time()
 * return the real time plus an offset in milliseconds read from a file;
 * CLOCK_MONOTONIC and every other clock are left alone. The file's path is
 * $STRATUS_CLOCK_OFFSET_FILE with "{id}" replaced by the value of the
 * process's `--id` flag (so one environment serves every node of a local
 * cluster: node 2 reads .../clock-2). The file holds one signed decimal
 * number (ms); a missing or unreadable file means 0. It is read again at
 * most every 20 ms of monotonic time, so a test changes a running node's
 * clock by rewriting the file (write a temporary file and rename it).
 *
 * Never part of stratusd: tests/fault/meson.build builds it as a separate
 * shared module. With AddressSanitizer, set
 * ASAN_OPTIONS=verify_asan_link_order=0 (ASan wants to be first in the
 * preload list; this library only forwards to the next definition). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

#define RELOAD_NS (20ll * 1000 * 1000)

static char offset_path[4096];	  /* "" = no file: offset 0 */
static int path_state;		  /* 0 not resolved, 1 resolved */
static int64_t offset_ms;	  /* last value read */
static int64_t next_reload_ns;	  /* monotonic ns of the next read */
static clock_gettime_fn real_cgt; /* next clock_gettime */

static clock_gettime_fn next_clock_gettime(void)
{
	clock_gettime_fn f = __atomic_load_n(&real_cgt, __ATOMIC_ACQUIRE);

	if (f == NULL) {
		f = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
		__atomic_store_n(&real_cgt, f, __ATOMIC_RELEASE);
	}
	return f;
}

/* The value of --id in /proc/self/cmdline into id (empty if none). */
static void own_id(char *id, size_t size)
{
	char buf[8192];
	size_t n, pos = 0;
	FILE *f = fopen("/proc/self/cmdline", "r");
	const char *prev = "";

	id[0] = '\0';
	if (f == NULL) {
		return;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (pos < n) {
		const char *arg = buf + pos;
		if (strcmp(prev, "--id") == 0) {
			snprintf(id, size, "%s", arg);
			return;
		}
		if (strncmp(arg, "--id=", 5) == 0) {
			snprintf(id, size, "%s", arg + 5);
			return;
		}
		prev = arg;
		pos += strlen(arg) + 1;
	}
}

static void resolve_path(void)
{
	const char *tmpl = getenv("STRATUS_CLOCK_OFFSET_FILE");
	const char *mark;
	char id[64];

	offset_path[0] = '\0';
	if (tmpl == NULL || *tmpl == '\0') {
		return;
	}
	mark = strstr(tmpl, "{id}");
	if (mark == NULL) {
		snprintf(offset_path, sizeof offset_path, "%s", tmpl);
		return;
	}
	own_id(id, sizeof id);
	if (id[0] == '\0') {
		return; /* not a node (a client): real time */
	}
	snprintf(offset_path, sizeof offset_path, "%.*s%s%s",
		 (int)(mark - tmpl), tmpl, id, mark + 4);
}

/* The current offset in ms. Races between threads are harmless: each
 * reads the same file and stores a whole int64. */
static int64_t current_offset_ms(void)
{
	struct timespec mono;
	int64_t now_ns;
	clock_gettime_fn cgt = next_clock_gettime();

	if (cgt == NULL || cgt(CLOCK_MONOTONIC, &mono) != 0) {
		return 0;
	}
	now_ns = (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec;
	if (now_ns < __atomic_load_n(&next_reload_ns, __ATOMIC_RELAXED)) {
		return __atomic_load_n(&offset_ms, __ATOMIC_RELAXED);
	}
	if (__atomic_load_n(&path_state, __ATOMIC_ACQUIRE) == 0) {
		resolve_path();
		__atomic_store_n(&path_state, 1, __ATOMIC_RELEASE);
	}
	int64_t v = 0;
	if (offset_path[0] != '\0') {
		FILE *f = fopen(offset_path, "r");
		long long x;
		if (f != NULL) {
			if (fscanf(f, "%lld", &x) == 1) {
				v = x;
			}
			fclose(f);
		}
	}
	__atomic_store_n(&offset_ms, v, __ATOMIC_RELAXED);
	__atomic_store_n(&next_reload_ns, now_ns + RELOAD_NS, __ATOMIC_RELAXED);
	return v;
}

static void add_ms(struct timespec *ts, int64_t ms)
{
	int64_t ns =
	    (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec + ms * 1000000;

	ts->tv_sec = (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
	if (ts->tv_nsec < 0) {
		ts->tv_nsec += 1000000000;
		ts->tv_sec--;
	}
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	clock_gettime_fn cgt = next_clock_gettime();
	int rv;

	if (cgt == NULL) {
		return -1;
	}
	rv = cgt(clk, ts);
	if (rv == 0 &&
	    (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE)) {
		add_ms(ts, current_offset_ms());
	}
	return rv;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		return -1;
	}
	tv->tv_sec = ts.tv_sec; /* glibc declares tv nonnull */
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t time(time_t *out)
{
	struct timespec ts;
	time_t t;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		return (time_t)-1;
	}
	t = ts.tv_sec;
	if (out != NULL) {
		*out = t;
	}
	return t;
}
