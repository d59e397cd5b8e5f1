/* raft/prealloc.c: posix_fallocate as raft_uv calls it leaves the range
 * zeroed and *written* (no unwritten extents, which make raft_uv's
 * RWF_NOWAIT log writes fail over to the thread pool), for descriptors
 * with and without O_DIRECT, and reports errors as posix_fallocate does. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "nraft_io.h"

#define SIZE (1024 * 1024)

static char dir[] = "/tmp/stratus-prealloc-XXXXXX";

/* How many extents of fd are still unwritten; -1 when the filesystem
 * cannot tell (FIEMAP unsupported). */
static int unwritten_extents(int fd)
{
	size_t sz = sizeof(struct fiemap) + 64 * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, sz);
	int n = 0;

	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = 64;
	if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0) {
		free(fm);
		return -1;
	}
	for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
		if (fm->fm_extents[i].fe_flags & FIEMAP_EXTENT_UNWRITTEN) {
			n++;
		}
	}
	free(fm);
	return n;
}

static void check_file(int fd)
{
	struct stat st;
	char *buf = malloc(SIZE);
	char *zeros = calloc(1, SIZE);

	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, SIZE);
	assert_int_equal(pread(fd, buf, SIZE, 0), SIZE);
	assert_memory_equal(buf, zeros, SIZE);
	if (unwritten_extents(fd) >= 0) {
		assert_int_equal(unwritten_extents(fd), 0);
	}
	free(buf);
	free(zeros);
}

static void test_buffered_fd(void **state)
{
	char path[sizeof dir + 16];
	int fd;

	(void)state;
	nraft_prealloc_link();
	snprintf(path, sizeof path, "%s/a", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(posix_fallocate(fd, 0, SIZE), 0);
	check_file(fd);
	close(fd);
	unlink(path);
}

static void test_direct_fd(void **state)
{
	char path[sizeof dir + 16];
	int fd;

	(void)state;
	snprintf(path, sizeof path, "%s/b", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_DIRECT, 0600);
	if (fd < 0 && errno == EINVAL) {
		skip(); /* no O_DIRECT on this filesystem */
	}
	assert_true(fd >= 0);
	assert_int_equal(posix_fallocate(fd, 0, SIZE), 0);
	close(fd);
	fd = open(path, O_RDONLY);
	check_file(fd);
	close(fd);
	unlink(path);
}

/* A range over data the file holds keeps the data (posix_fallocate's
 * promise), and the file grows to cover the rest. */
static void test_keeps_data(void **state)
{
	char path[sizeof dir + 16], buf[8192];
	struct stat st;
	int fd;

	(void)state;
	snprintf(path, sizeof path, "%s/d", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	memset(buf, 'x', sizeof buf);
	assert_int_equal(pwrite(fd, buf, sizeof buf, 0), (ssize_t)sizeof buf);
	assert_int_equal(posix_fallocate(fd, 0, 4 * 8192), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 4 * 8192);
	memset(buf, 0, sizeof buf);
	assert_int_equal(pread(fd, buf, sizeof buf, 0), (ssize_t)sizeof buf);
	for (size_t i = 0; i < sizeof buf; i++) {
		assert_int_equal(buf[i], 'x');
	}
	close(fd);
	unlink(path);
}

static void test_errors(void **state)
{
	char path[sizeof dir + 16];
	int fd;

	(void)state;
	assert_int_equal(posix_fallocate(-1, 0, SIZE), EBADF);
	snprintf(path, sizeof path, "%s/c", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(posix_fallocate(fd, 0, 0), EINVAL);
	/* Unaligned: allocated by the kernel, still the right size. */
	assert_int_equal(posix_fallocate(fd, 0, 1000), 0);
	{
		struct stat st;
		assert_int_equal(fstat(fd, &st), 0);
		assert_int_equal(st.st_size, 1000);
	}
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buffered_fd),
	    cmocka_unit_test(test_direct_fd),
	    cmocka_unit_test(test_keeps_data),
	    cmocka_unit_test(test_errors),
	};
	int rv;

	if (mkdtemp(dir) == NULL) {
		return 1;
	}
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rv;
}
