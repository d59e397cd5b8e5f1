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
 * it through the PLT): for a range past the end of a regular file (a new
 * segment) it writes the range with zeros and makes them durable, which
 * allocates the space as fallocate would — an error such as ENOSPC is returned
 * the same way — and leaves written extents, into which NOWAIT writes go
 * straight through. raft_uv relies on preallocated space reading as zeros (it
 * finds the end of an open segment that way): zeros are what is written.
 * The zeros are written with O_DIRECT (through a second descriptor when
 * raft_uv's is not direct), 256 KiB at a time: a buffered 8 MiB flushed
 * at once would hold up the node's own log writes, and O_DIRECT log
 * writes over dirty cached pages would have to flush them first. The
 * cost: each segment is written twice (once with zeros, on the thread
 * pool, ahead of use). */

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "nraft_io.h"

#define ZERO_CHUNK (256 * 1024)
#define ALIGN	   4096

static int write_zeros(int fd, off_t offset, off_t len, bool direct)
{
	void *buf;
	int rv = 0;

	if (posix_memalign(&buf, ALIGN, ZERO_CHUNK) != 0) {
		return ENOMEM;
	}
	memset(buf, 0, ZERO_CHUNK);
	while (len > 0) {
		size_t n = len < ZERO_CHUNK ? (size_t)len : ZERO_CHUNK;
		ssize_t w = pwrite(fd, buf, n, offset);

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
	if (rv == 0 && !direct) {
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
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

int stratus_posix_fallocate(int fd, off_t offset, off_t len)
{
	int flags = fcntl(fd, F_GETFL), dfd, rv;
	struct stat st;
	char path[64];

	if (flags < 0) {
		return errno;
	}
	if (offset < 0 || len <= 0) {
		return EINVAL;
	}
	if (fstat(fd, &st) != 0) {
		return errno;
	}
	/* Zeros only past the end of the file (raft_uv's case: a new, empty
	 * segment): posix_fallocate keeps what a file holds. Anything else,
	 * and what O_DIRECT cannot write, the kernel allocates. */
	if (!S_ISREG(st.st_mode) || offset < st.st_size ||
	    offset % ALIGN != 0 || len % ALIGN != 0) {
		return fallocate(fd, 0, offset, len) == 0 ? 0 : errno;
	}
	if ((flags & O_DIRECT) != 0) {
		return write_zeros(fd, offset, len, true);
	}
	/* Write the zeros with O_DIRECT through a second descriptor of the
	 * same file: a buffered 8 MiB written back at once would hold up the
	 * log writes of the node for its whole flush. */
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	dfd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
	if (dfd < 0) {
		return write_zeros(fd, offset, len, false);
	}
	rv = write_zeros(dfd, offset, len, true);
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
