/* trash — see trash.h. */
#include "trash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "interpose.h"

#define TRASH_CHUNK	   (1 << 20)
#define TRASH_PAUSE_FACTOR 3
#define TRASH_MAX_DIRS	   16
/* With less free space on the filesystem: plain unlinks, no pauses in
 * the trash — space first. */
#define TRASH_HURRY_BELOW_BYTES (1ull << 30)

typedef int (*unlink_fn)(const char *);

static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;
static unlink_fn real_unlink;

/* Registration and the thread's start and stop (held across the join). */
static pthread_mutex_t lifecycle_mu = PTHREAD_MUTEX_INITIALIZER;

/* Everything below. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake; /* moved, stop (monotonic clock) */
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER; /* pass ended */
static char *dirs[TRASH_MAX_DIRS];
static size_t n_dirs;
static bool running, stopping;
static pthread_t thread;
static uint64_t moved; /* files moved in, dirs registered: work to see */
static uint64_t seen;  /* moved, as of the thread's current/last pass */
static bool in_pass;
static char working[PATH_MAX]; /* the dir the thread is in; "" none */
static uint64_t counter;       /* unique trash names */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void resolve(void)
{
	pthread_condattr_t attr;

	real_unlink = (unlink_fn)interpose_next("unlink");
	counter = now_ns(); /* names unlike an earlier run's leftovers */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &attr);
	pthread_condattr_destroy(&attr);
}

/* Is the filesystem of vfs short of space (no trash, no pauses)? */
static bool space_short(const struct statvfs *vfs)
{
	return (uint64_t)vfs->f_bavail * vfs->f_frsize <
	       TRASH_HURRY_BELOW_BYTES;
}

/* Is name one of the files raft_uv removes once it no longer reads them:
 * a log segment ("open-N", "FIRST-LAST") or a snapshot ("snapshot-...")?
 * Only those go to the trash. raft_uv also unlinks its I/O capability
 * probe (".probe") right after creating it and then writes through the
 * descriptor it keeps: truncated under it by the thread, the probe's
 * RWF_NOWAIT write became an extending one and failed with EAGAIN now and
 * then, and raft_uv then ran that node's log writes through libuv's thread
 * pool for good (two thread hand-offs per append). */
static bool segment_or_snapshot(const char *name)
{
	return strncmp(name, "open-", 5) == 0 ||
	       strncmp(name, "snapshot-", 9) == 0 ||
	       (name[0] >= '0' && name[0] <= '9' && strchr(name, '-') != NULL);
}

/* The registered dir path is in (directly) as a segment or snapshot, or
 * -1. Under mu. */
static int dir_of(const char *path)
{
	size_t i, len;

	for (i = 0; i < n_dirs; i++) {
		len = strlen(dirs[i]);
		if (strncmp(path, dirs[i], len) == 0 && path[len] == '/' &&
		    strchr(path + len + 1, '/') == NULL &&
		    segment_or_snapshot(path + len + 1)) {
			return (int)i;
		}
	}
	return -1;
}

/* The index of the registered dir spelled dir[0..len), or -1. Under mu. */
static int dir_index(const char *dir, size_t len)
{
	for (size_t i = 0; i < n_dirs; i++) {
		if (strlen(dirs[i]) == len && strncmp(dirs[i], dir, len) == 0) {
			return (int)i;
		}
	}
	return -1;
}

static bool registered(const char *dir)
{
	return dir_index(dir, strlen(dir)) >= 0;
}

/* Move path into its dir's trash. true when path is in a registered dir
 * and the move decided the outcome (*rv: unlink's return, errno set). */
static bool trash_move(const char *path, int *rv)
{
	char to[PATH_MAX];
	struct stat st;
	struct statvfs vfs;
	int i, n = -1;

	pthread_mutex_lock(&mu);
	i = dir_of(path);
	if (i >= 0) {
		n = snprintf(to, sizeof to, "%s/%s/%llu-%s", dirs[i],
			     TRASH_SUBDIR, (unsigned long long)counter++,
			     path + strlen(dirs[i]) + 1);
	}
	pthread_mutex_unlock(&mu);
	if (i < 0 || n < 0 || (size_t)n >= sizeof to) {
		return false;
	}
	/* Only regular files (unlink refuses a directory: let it), and
	 * only while space is not short (then the space is wanted now). */
	if (lstat(path, &st) == 0 &&
	    (!S_ISREG(st.st_mode) ||
	     (statvfs(path, &vfs) == 0 && space_short(&vfs)))) {
		return false;
	}
	if (rename(path, to) != 0) {
		if (errno == ENOENT || errno == EISDIR || errno == ENOTDIR) {
			*rv = -1; /* what unlink says too */
			return true;
		}
		return false; /* the trash is unusable: unlink it */
	}
	pthread_mutex_lock(&mu);
	moved++;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&mu);
	*rv = 0;
	return true;
}

int stratus_unlink(const char *path) __asm__("unlink");

int stratus_unlink(const char *path)
{
	int rv;

	pthread_once(&resolve_once, resolve);
	if (path != NULL && trash_move(path, &rv)) {
		return rv;
	}
	return real_unlink(path);
}

/* Sleep ns unless stopping, or dir unregistered. Under mu. true: go on. */
static bool pause_locked(const char *dir, uint64_t ns)
{
	uint64_t until = now_ns() + ns;
	struct timespec ts = {.tv_sec = (time_t)(until / 1000000000u),
			      .tv_nsec = (long)(until % 1000000000u)};

	while (!stopping && registered(dir) && now_ns() < until) {
		if (pthread_cond_timedwait(&wake, &mu, &ts) == ETIMEDOUT) {
			break;
		}
	}
	return !stopping && registered(dir);
}

/* Delete path, a file in dir's trash: truncate it a chunk at a time, each
 * step synced and followed by a pause, then unlink it. Stops early (the
 * file stays) when dir is unregistered. Called with mu held; releases it
 * while working. */
static void delete_paced_locked(const char *dir, const char *path)
{
	struct stat st;
	off_t size = 0;
	uint64_t t0;
	bool go_on = true;
	int fd;

	pthread_mutex_unlock(&mu);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		size = st.st_size;
	}
	while (size > 0 && go_on) {
		size = size > TRASH_CHUNK ? size - TRASH_CHUNK : 0;
		t0 = now_ns();
		if (ftruncate(fd, size) != 0 || fsync(fd) != 0) {
			break; /* unlink it at once */
		}
		uint64_t took = now_ns() - t0;
		struct statvfs vfs;
		if (fstatvfs(fd, &vfs) == 0 && space_short(&vfs)) {
			took = 0;
		}
		pthread_mutex_lock(&mu);
		go_on = pause_locked(dir, took * TRASH_PAUSE_FACTOR);
		pthread_mutex_unlock(&mu);
	}
	if (fd >= 0) {
		close(fd);
	}
	if (go_on) {
		real_unlink(path);
	}
	pthread_mutex_lock(&mu);
}

/* Empty dir's trash. Under mu (released while working). */
static void empty_dir_locked(const char *dir)
{
	char trash[PATH_MAX], path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if ((size_t)snprintf(trash, sizeof trash, "%s/%s", dir, TRASH_SUBDIR) >=
	    sizeof trash) {
		return; /* registration checked the length */
	}
	pthread_mutex_unlock(&mu);
	d = opendir(trash);
	pthread_mutex_lock(&mu);
	if (d == NULL) {
		return;
	}
	while (!stopping && registered(dir)) {
		pthread_mutex_unlock(&mu);
		e = readdir(d);
		pthread_mutex_lock(&mu);
		if (e == NULL) {
			break;
		}
		if (strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0 ||
		    (size_t)snprintf(path, sizeof path, "%s/%s", trash,
				     e->d_name) >= sizeof path) {
			continue;
		}
		delete_paced_locked(dir, path);
	}
	pthread_mutex_unlock(&mu);
	closedir(d);
	pthread_mutex_lock(&mu);
}

static void *trash_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (!stopping) {
		if (seen == moved) {
			in_pass = false;
			pthread_cond_broadcast(&idle_cv);
			pthread_cond_wait(&wake, &mu);
			continue;
		}
		in_pass = true;
		seen = moved;
		for (size_t i = 0; i < n_dirs && !stopping; i++) {
			snprintf(working, sizeof working, "%s", dirs[i]);
			empty_dir_locked(working);
			working[0] = '\0';
			pthread_cond_broadcast(&idle_cv);
		}
	}
	in_pass = false;
	pthread_cond_broadcast(&idle_cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

int trash_register(const char *dir)
{
	char trash[PATH_MAX];
	struct stat st;
	size_t len = strlen(dir);
	char *copy;
	int rv = 0;

	pthread_once(&resolve_once, resolve);
	while (len > 1 && dir[len - 1] == '/') {
		len--;
	}
	if ((size_t)snprintf(trash, sizeof trash, "%.*s/%s", (int)len, dir,
			     TRASH_SUBDIR) >= sizeof trash) {
		return ENAMETOOLONG;
	}
	if (mkdir(trash, 0700) != 0 &&
	    (errno != EEXIST || stat(trash, &st) != 0 ||
	     !S_ISDIR(st.st_mode))) {
		return errno == EEXIST ? ENOTDIR : errno;
	}
	if ((copy = strndup(dir, len)) == NULL) {
		return ENOMEM;
	}
	pthread_mutex_lock(&lifecycle_mu);
	pthread_mutex_lock(&mu);
	if (registered(copy)) {
		free(copy); /* once is enough */
	} else if (n_dirs == TRASH_MAX_DIRS) {
		free(copy);
		rv = EMFILE;
	} else {
		dirs[n_dirs++] = copy;
		moved++; /* empty what an earlier run left */
		pthread_cond_signal(&wake);
	}
	pthread_mutex_unlock(&mu);
	if (rv == 0 && !running) {
		rv = pthread_create(&thread, NULL, trash_main, NULL);
		pthread_mutex_lock(&mu);
		running = rv == 0;
		if (rv != 0) { /* no thread: no routing either */
			for (size_t i = 0; i < n_dirs; i++) {
				free(dirs[i]);
			}
			n_dirs = 0;
		}
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_unlock(&lifecycle_mu);
	return rv;
}

void trash_unregister(const char *dir)
{
	size_t len = strlen(dir);
	bool last;
	int i;

	pthread_once(&resolve_once, resolve);
	while (len > 1 && dir[len - 1] == '/') {
		len--;
	}
	pthread_mutex_lock(&lifecycle_mu);
	pthread_mutex_lock(&mu);
	if ((i = dir_index(dir, len)) >= 0) {
		free(dirs[i]);
		dirs[i] = dirs[--n_dirs];
		moved++; /* a pass under way may skip the one moved */
	}
	pthread_cond_broadcast(&wake); /* a pause in it ends */
	while (strlen(working) == len && strncmp(working, dir, len) == 0) {
		pthread_cond_wait(&idle_cv, &mu);
	}
	last = n_dirs == 0 && running;
	if (last) {
		stopping = true;
		pthread_cond_broadcast(&wake);
	}
	pthread_mutex_unlock(&mu);
	if (last) {
		pthread_join(thread, NULL);
		pthread_mutex_lock(&mu);
		running = stopping = false;
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_unlock(&lifecycle_mu);
}

bool trash_wait_empty(unsigned timeout_ms)
{
	uint64_t until = now_ns() + (uint64_t)timeout_ms * 1000000u;
	struct timespec ts;
	bool empty;

	/* idle_cv runs on the realtime clock: poll it in short waits. */
	pthread_once(&resolve_once, resolve);
	pthread_mutex_lock(&mu);
	while (!(empty = !running || (!in_pass && seen == moved)) &&
	       now_ns() < until) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&idle_cv, &mu, &ts);
	}
	pthread_mutex_unlock(&mu);
	return empty;
}
