/* aio_defer — io_destroy(2) off the loop thread.
 *
 * raft_uv (libraft 0.15) writes each log segment through a Linux AIO
 * context of its own and destroys that context with io_destroy(2) when the
 * segment is full (every segment_bytes of log: every few seconds under
 * load, and at every snapshot, which closes the open segment). The kernel
 * waits an RCU grace period inside io_destroy — ~30 ms on our machines —
 * and raft_uv calls it on the loop thread: each rollover stopped the node,
 * leader or follower, for that long, which was most of the paced latency
 * tail (p99 ~10-30 ms at 1,000 msgs/s).
 *
 * raft_uv makes the call through syscall(2) (its own io_destroy is not
 * exported), so this file defines syscall() for the process: io_destroy
 * is handed to a short-lived detached thread and reported done at once;
 * every other call goes to libc's syscall() unchanged. Deferring is safe:
 * raft_uv destroys a context only after its last write completed, and
 * nothing reads the context afterwards (the kernel unmaps its ring when
 * the destroy runs). If no thread can be started, the call runs here. */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "interpose.h"
#include "nraft_io.h"

typedef long (*syscall_fn)(long number, ...);

static syscall_fn real_syscall;
static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;

static void resolve(void)
{
	real_syscall = (syscall_fn)interpose_next("syscall");
}

static void *destroy_main(void *arg)
{
	real_syscall(SYS_io_destroy, (long)(uintptr_t)arg);
	return NULL;
}

/* Start a detached thread running io_destroy(ctx). 0, or -1. */
static int destroy_later(long ctx)
{
	pthread_attr_t attr;
	pthread_t t;
	int rv;

	if (pthread_attr_init(&attr) != 0) {
		return -1;
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	rv = pthread_create(&t, &attr, destroy_main, (void *)(uintptr_t)ctx);
	pthread_attr_destroy(&attr);
	return rv == 0 ? 0 : -1;
}

long syscall(long number, ...)
{
	long a[6];
	va_list ap;

	/* syscall(2) takes at most six arguments; reading six whatever the
	 * caller passed is what libc's own syscall() does too. */
	va_start(ap, number);
	for (int i = 0; i < 6; i++) {
		a[i] = va_arg(ap, long);
	}
	va_end(ap);
	pthread_once(&resolve_once, resolve);
	if (number == SYS_io_destroy && destroy_later(a[0]) == 0) {
		return 0;
	}
	return real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

void nraft_aio_defer_link(void)
{
}
