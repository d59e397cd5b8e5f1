/* raft/trash.c: unlink() of a log segment or snapshot directly in a
 * registered directory moves it into <dir>/trash at once (gone from dir,
 * unlink's return and errno) and the trash thread deletes it later; every
 * other path (other names, such as raft_uv's I/O probe) is a plain unlink;
 * leftovers are emptied at registration; unregistering stops the routing and
 * the thread. uv_fs_unlink (raft_uv's way in) finds it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cmocka.h>

#include "trash.h"

static char root[] = "/tmp/stratus-trash-XXXXXX";

/* A file of size bytes at dir/name. */
static void make_file(const char *dir, const char *name, size_t size)
{
	char path[512];
	static char block[65536];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	for (size_t done = 0; done < size;) {
		size_t n =
		    size - done < sizeof block ? size - done : sizeof block;
		assert_int_equal(write(fd, block, n), (ssize_t)n);
		done += n;
	}
	close(fd);
}

static bool exists(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* Entries in dir/trash: all of them (name NULL), or those of files
 * removed as name ("<counter>-<name>"); -1 without a trash. */
static int trash_entries(const char *dir, const char *name)
{
	char path[512];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof path, "%s/%s", dir, TRASH_SUBDIR);
	d = opendir(path);
	if (d == NULL) {
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		const char *dash = strchr(e->d_name, '-');
		if (name == NULL) {
			n += e->d_name[0] != '.';
		} else {
			n += dash != NULL && strcmp(dash + 1, name) == 0;
		}
	}
	closedir(d);
	return n;
}

static int trash_count(const char *dir)
{
	return trash_entries(dir, NULL);
}

static bool in_trash(const char *dir, const char *name)
{
	return trash_entries(dir, name) > 0;
}

static int setup(void **state)
{
	char cmd[128];
	(void)state;

	strcpy(root, "/tmp/stratus-trash-XXXXXX");
	if (mkdtemp(root) == NULL) {
		return -1;
	}
	snprintf(cmd, sizeof cmd, "mkdir -p %s/data %s/other", root, root);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;

	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_routes_registered_dir(void **state)
{
	char data[256], other[256], sub[256], trash[300];
	uv_fs_t req;
	(void)state;

	snprintf(data, sizeof data, "%s/data", root);
	snprintf(other, sizeof other, "%s/other", root);
	snprintf(sub, sizeof sub, "%s/data/sub", root);
	assert_int_equal(mkdir(sub, 0755), 0);
	/* Leftovers of an earlier run are emptied at registration. */
	snprintf(trash, sizeof trash, "%s/%s", data, TRASH_SUBDIR);
	assert_int_equal(mkdir(trash, 0700), 0);
	make_file(data, "trash/7-old", 3 << 20);
	/* A trailing slash names the same directory. */
	char slashed[260];
	snprintf(slashed, sizeof slashed, "%s/", data);
	assert_int_equal(trash_register(slashed), 0);
	assert_int_equal(trash_register(data), 0); /* twice: once */

	make_file(data, "0000000000000001-0000000000000100", 5 << 20);
	make_file(data, "snapshot-1-100-5", 1000);
	make_file(data, ".probe", 4096);
	make_file(data, "metadata1", 10);
	make_file(other, "plain", 10);
	make_file(sub, "nested", 10);

	/* Descriptors kept open show what became of the files: truncated to
	 * 0 by the trash thread, then unlinked (a plain unlink leaves the
	 * size alone). */
	char path[512];
	struct stat st;
	snprintf(path, sizeof path, "%s/0000000000000001-0000000000000100",
		 data);
	int seg_fd = open(path, O_RDONLY);
	assert_true(seg_fd >= 0);
	assert_int_equal(unlink(path), 0);
	assert_false(exists(data, "0000000000000001-0000000000000100"));
	/* As raft_uv removes: libuv's uv_fs_unlink. */
	snprintf(path, sizeof path, "%s/snapshot-1-100-5", data);
	int snap_fd = open(path, O_RDONLY);
	assert_true(snap_fd >= 0);
	assert_int_equal(uv_fs_unlink(NULL, &req, path, NULL), 0);
	uv_fs_req_cleanup(&req);
	assert_false(exists(data, "snapshot-1-100-5"));
	/* raft_uv's I/O probe: unlinked right after it is made, then
	 * written through the descriptor raft_uv keeps. A plain unlink,
	 * never truncated under that descriptor (as it was in the trash:
	 * raft_uv's RWF_NOWAIT probe then failed now and then). Other names
	 * (metadata) are plain too. */
	snprintf(path, sizeof path, "%s/.probe", data);
	int probe_fd = open(path, O_WRONLY);
	assert_true(probe_fd >= 0);
	assert_int_equal(unlink(path), 0);
	assert_false(exists(data, ".probe"));
	assert_false(in_trash(data, ".probe"));
	snprintf(path, sizeof path, "%s/metadata1", data);
	assert_int_equal(unlink(path), 0);
	assert_false(exists(data, "metadata1"));
	assert_false(in_trash(data, "metadata1"));
	/* A missing file: unlink's answer. */
	snprintf(path, sizeof path, "%s/5-6", data);
	errno = 0;
	assert_int_equal(unlink(path), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(uv_fs_unlink(NULL, &req, path, NULL), UV_ENOENT);
	uv_fs_req_cleanup(&req);
	/* The directory itself, a directory in it, other dirs, subdirs:
	 * plain. */
	errno = 0;
	assert_int_equal(unlink(data), -1);
	assert_int_equal(errno, EISDIR);
	errno = 0;
	assert_int_equal(unlink(sub), -1);
	assert_int_equal(errno, EISDIR);
	assert_true(exists(data, "sub"));
	snprintf(path, sizeof path, "%s/plain", other);
	int plain_fd = open(path, O_RDONLY);
	assert_true(plain_fd >= 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(fstat(plain_fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(st.st_size, 10);
	close(plain_fd);
	snprintf(path, sizeof path, "%s/nested", sub);
	assert_int_equal(unlink(path), 0);
	assert_false(exists(sub, "nested"));
	assert_false(exists(other, "plain"));

	/* The thread deletes everything in the trash (leftover included). */
	assert_true(trash_wait_empty(30000));
	assert_int_equal(trash_count(data), 0);
	assert_true(exists(data, "sub"));
	assert_int_equal(fstat(seg_fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(fstat(snap_fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(st.st_size, 0);
	close(seg_fd);
	close(snap_fd);
	assert_int_equal(pwrite(probe_fd, "p", 1, 0), 1);
	assert_int_equal(fstat(probe_fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(st.st_size, 4096);
	close(probe_fd);

	trash_unregister(data);
	/* Unregistered: plain unlinks again. */
	make_file(data, "after", 10);
	snprintf(path, sizeof path, "%s/after", data);
	assert_int_equal(unlink(path), 0);
	assert_false(exists(data, "after"));
	assert_int_equal(trash_count(data), 0);
	assert_true(trash_wait_empty(0)); /* no thread: nothing to wait for */
}

/* Several directories at once; unregistering one mid-deletion leaves its
 * file for the next registration and stops only its routing. */
static void test_two_dirs_and_unregister(void **state)
{
	char a[256], b[256], path[512];
	(void)state;

	snprintf(a, sizeof a, "%s/data", root);
	snprintf(b, sizeof b, "%s/other", root);
	assert_int_equal(trash_register(a), 0);
	assert_int_equal(trash_register(b), 0);
	make_file(a, "1-64", 64 << 20);
	make_file(b, "open-1", 1 << 20);
	snprintf(path, sizeof path, "%s/1-64", a);
	assert_int_equal(unlink(path), 0);
	trash_unregister(a); /* at once, whatever the thread is doing */
	snprintf(path, sizeof path, "%s/open-1", b);
	assert_int_equal(unlink(path), 0);
	assert_true(trash_wait_empty(30000));
	assert_int_equal(trash_count(b), 0);
	/* 1-64 is deleted by a's next registration, or still there. */
	assert_true(trash_count(a) <= 1);
	assert_int_equal(trash_register(a), 0);
	assert_true(trash_wait_empty(60000));
	assert_int_equal(trash_count(a), 0);
	trash_unregister(b);
	trash_unregister(a);
	trash_unregister(a); /* not registered: nothing */
}

/* A path that is not a directory where the trash should go: refused,
 * removals stay plain. */
static void test_register_errors(void **state)
{
	char bad[256], path[512];
	(void)state;

	snprintf(bad, sizeof bad, "%s/other", root);
	make_file(bad, "trash", 1); /* a file named like the trash dir */
	assert_int_equal(trash_register(bad), ENOTDIR);
	make_file(bad, "z", 1);
	snprintf(path, sizeof path, "%s/z", bad);
	assert_int_equal(unlink(path), 0);
	assert_false(exists(bad, "z"));
	snprintf(path, sizeof path, "%s/missing/dir", root);
	assert_int_equal(trash_register(path), ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_routes_registered_dir, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_two_dirs_and_unregister, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_register_errors, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
