/* prealloc — raft_uv's log segments preallocated by writing zeros, so its
 * log writes complete in the kernel instead of on a thread pool.
 *
 * raft_uv (libraft 0.15) prepares each log segment ahead of use with
 * posix_fallocate(3), then writes entries into it with Linux AIO,
 * O_DIRECT and RWF_DSYNC, first trying RWF_NOWAIT. On ext4, fallocate
 * leaves the space as "unwritten" extents; a NOWAIT write into them fails
 * with EAGAIN (the extents must be converted, which may block), and
 * raft_uv then redoes the write on libuv's thread pool: a hand-off to a
 * pool thread and back for every write. Measured on a follower under load:
 * 84% of log writes took that path, and raft_uv writes one request at a
 * time, so every append waited one or two of those round trips (append
 * latency p50 2.5–3.7 ms for writes the device completes in ~0.2 ms).
 *
 * So this file defines posix_fallocate() for the process (libraft calls
 * it through the PLT). It calls libc's, so allocation and its failures
 * (ENOSPC) are exactly as before; then, for space past the old end of a
 * regular file (a new segment) on a filesystem that takes O_DIRECT, it
 * writes that space with zeros (O_DIRECT, through a second descriptor if
 * raft_uv's is not direct; 256 KiB at a time; synced), which leaves
 * written extents, into which NOWAIT writes go straight through. raft_uv
 * relies on preallocated space reading as zeros: zeros are written. The
 * cost: each segment is written twice (once with zeros, on the thread
 * pool, ahead of use).
 *
 * Paced: after each chunk the thread sleeps ZERO_PAUSE_FACTOR times as
 * long as the chunk's write took, so zeroing takes at most a quarter of
 * the device's time. Unpaced, the 8 MiB of a new segment went out as fast
 * as the device took it (6 ms here) at every segment rollover, and the
 * log writes queued behind it: at 1,000 msgs/s every rollover (each
 * ~4.3 s) delayed ~16 consecutive messages by 2-5 ms, most of the paced
 * benchmark's p99 (BENCHMARKS.md, session 12). raft_uv prepares segments
 * two ahead of use, so a slower preparation does not hold up the log. */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "interpose.h"
#include "nraft_io.h"

#define ZERO_CHUNK	  (256 * 1024)
#define ZERO_PAUSE_FACTOR 3
#define ALIGN		  4096

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pause_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
			      .tv_nsec = (long)(ns % 1000000000u)};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* Write [offset, offset + len) of fd (O_DIRECT, aligned) with zeros and
 * sync it. 0 or an errno. */
static int write_zeros(int fd, off_t offset, off_t len)
{
	void *buf;
	int rv = 0;

	if (posix_memalign(&buf, ALIGN, ZERO_CHUNK) != 0) {
		return ENOMEM;
	}
	memset(buf, 0, ZERO_CHUNK);
	while (len > 0) {
		size_t n = len < ZERO_CHUNK ? (size_t)len : ZERO_CHUNK;
		uint64_t started = monotonic_ns();
		ssize_t w = pwrite(fd, buf, n, offset);

		pause_ns((monotonic_ns() - started) * ZERO_PAUSE_FACTOR);

		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			rv = errno;
			break;
		}
		if (w == 0) {
			rv = EIO;
			break;
		}
		offset += w;
		len -= w;
	}
	free(buf);
	if (rv == 0 && fdatasync(fd) != 0) {
		rv = errno;
	}
	return rv;
}

/* libraft imports the name posix_fallocate, and code built with 64-bit
 * off_t (ours) calls posix_fallocate64: define both (off_t is 64 bits
 * either way on the 64-bit targets we build for). */
int stratus_posix_fallocate(int fd, off_t offset,
			    off_t len) __asm__("posix_fallocate");
int stratus_posix_fallocate64(int fd, off_t offset,
			      off_t len) __asm__("posix_fallocate64");

typedef int (*fallocate_fn)(int, off_t, off_t);

static fallocate_fn real_fallocate;
static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;

static void resolve(void)
{
	real_fallocate = (fallocate_fn)interpose_next("posix_fallocate64");
}

int stratus_posix_fallocate(int fd, off_t offset, off_t len)
{
	struct stat st;
	char path[64];
	int flags, dfd, rv;

	pthread_once(&resolve_once, resolve);
	/* Allocation and its failures (ENOSPC, ...) are libc's, unchanged:
	 * what follows only turns the new space into written extents. */
	if (fstat(fd, &st) != 0 || (flags = fcntl(fd, F_GETFL)) < 0) {
		return real_fallocate(fd, offset, len);
	}
	rv = real_fallocate(fd, offset, len);
	/* Zeros only over space past the old end of a regular file (raft_uv's
	 * case: a new, empty segment), and only where O_DIRECT works (raft_uv
	 * uses its AIO path only there; tmpfs, say, has neither). */
	if (rv != 0 || !S_ISREG(st.st_mode) || offset < st.st_size ||
	    offset % ALIGN != 0 || len % ALIGN != 0) {
		return rv;
	}
	if ((flags & O_DIRECT) != 0) {
		return write_zeros(fd, offset, len);
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	dfd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
	if (dfd < 0) {
		return 0; /* allocated; no O_DIRECT here */
	}
	rv = write_zeros(dfd, offset, len);
	close(dfd);
	return rv;
}

int stratus_posix_fallocate64(int fd, off_t offset, off_t len)
{
	return stratus_posix_fallocate(fd, offset, len);
}

void nraft_prealloc_link(void)
{
}
