/* slowdisk — an LD_PRELOAD shim that makes one stratusd's disk slow, for the
 * fault tests (tests/fault/test_slow_disk.py).
 *
 * raft_uv 0.15 writes its log with Linux kernel AIO: io_submit() through
 * libc's syscall() (no libc wrapper exists), from its thread pool or, when
 * the file system takes non-blocking AIO, from the loop thread; segment
 * files are opened O_DSYNC, so the write is the durable one. Metadata
 * (term, vote) and snapshots are written with write() + fsync() /
 * fdatasync(). This shim interposes syscall(), fsync() and fdatasync() and
 * sleeps before each io_submit, fsync and fdatasync for the delay written
 * in the control file, so every durable write of the process takes that
 * much longer, on whichever thread issues it (a blocked caller, as with a
 * slow device whose queue is full).
 *
 * Environment: STRATUS_SLOWDISK_CONTROL=FILE — a decimal number of
 * milliseconds (0 or a missing file: no delay), re-read at most every
 * 100 ms, so the delay can be changed while the process runs. Only a
 * process named stratusd is affected (the variable is inherited by the
 * scripts that start it). FILE.count receives the number of delayed calls
 * so far, so a test can see that the delay really applies. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RECHECK_MS 100

static atomic_int active = -1; /* -1: not decided yet */
static atomic_long delay_cached_ms;
static atomic_long checked_at_ms = -RECHECK_MS;
static atomic_long delayed_calls;

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *control_path(void)
{
	int a = atomic_load(&active);
	if (a < 0) {
		const char *p = getenv("STRATUS_SLOWDISK_CONTROL");
		a = p != NULL && *p != '\0' &&
		    strcmp(program_invocation_short_name, "stratusd") == 0;
		atomic_store(&active, a);
	}
	return a ? getenv("STRATUS_SLOWDISK_CONTROL") : NULL;
}

/* The current delay in ms (0: none). */
static long current_delay_ms(void)
{
	const char *path = control_path();
	long now, ms = 0;
	char buf[32];
	ssize_t n;
	int fd;

	if (path == NULL) {
		return 0;
	}
	now = now_ms();
	if (now - atomic_load(&checked_at_ms) < RECHECK_MS) {
		return atomic_load(&delay_cached_ms);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			ms = strtol(buf, NULL, 10);
		}
	}
	if (ms < 0 || ms > 60000) {
		ms = 0;
	}
	atomic_store(&delay_cached_ms, ms);
	atomic_store(&checked_at_ms, now);
	return ms;
}

static void record(void)
{
	char path[4096], buf[32];
	long count = atomic_fetch_add(&delayed_calls, 1) + 1;
	int fd, len;

	if (snprintf(path, sizeof path, "%s.count", control_path()) >=
	    (int)sizeof path) {
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		return;
	}
	len = snprintf(buf, sizeof buf, "%ld\n", count);
	if (write(fd, buf, (size_t)len) < 0) {
		/* nothing to do: the count is informational */
	}
	close(fd);
}

static void maybe_delay(void)
{
	int saved = errno;
	long ms = current_delay_ms();

	if (ms > 0) {
		struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
		}
		record();
	}
	errno = saved;
}

/* Forwards six argument words whatever the call takes: what every
 * syscall() interposer does on x86-64 and aarch64 (the extra words are
 * register contents the kernel ignores). */
long syscall(long number, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;

	va_start(ap, number);
	for (int i = 0; i < 6; i++) {
		a[i] = va_arg(ap, long);
	}
	va_end(ap);
	if (real == NULL) {
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	}
	if (number == SYS_io_submit) {
		maybe_delay();
	}
	return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int fsync(int fd)
{
	static int (*real)(int);
	if (real == NULL) {
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	}
	maybe_delay();
	return real(fd);
}

int fdatasync(int fd)
{
	static int (*real)(int);
	if (real == NULL) {
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	}
	maybe_delay();
	return real(fd);
}
