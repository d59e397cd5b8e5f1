/* stratusd — one Stratus broker node. Parses the configuration, runs the
 * node's loop until a clean shutdown (SIGTERM / SIGINT). Exit status 0 after
 * a clean stop, 1 on a start-up error, 2 on a configuration error. A node
 * that left raft because its log could not be written (disk full) execs
 * itself again once its data dir has room (node.h, reexec). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "config.h"
#include "log.h"
#include "node.h"

/* LeakSanitizer (sanitized builds only), two known third-party leaks:
 * - h2o keeps freed pool chunks and socket buffers in per-thread recycle
 *   lists; when the HTTP thread exits they are unreachable by design (a
 *   cache, not a leak). Anything else h2o allocates is still reported.
 * - nng 1.5.2 can leak a context and the request message of a send that
 *   is cancelled while its socket closes (fixed upstream after 1.5.2:
 *   "SP pipe_send leaks message if aio is canceled", #1713); the HTTP
 *   layer's internal client closes with requests in flight at shutdown
 *   (seen once in four CI runs), and the raft transport closes PUSH
 *   sockets with packs still queued (at shutdown, or redialing a peer
 *   that stayed unreachable; seen in CI). Only allocations made by the
 *   functions that build those messages are suppressed. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:h2o_mem_alloc_recycle\n"
	       "leak:call_attempt_locked\n"
	       "leak:call_send_locked\n"
	       "leak:pack_send_locked\n"
	       "leak:peerAppend\n";
}

/* Exec this program again with the same arguments and environment (the
 * node left raft after a failed log write and its disk has room again).
 * Every descriptor but stdin/out/err is closed on exec: the raft socket,
 * segment files and loop handles of the abandoned raft instance. Returns
 * only if exec fails. */
static void restart(char **argv)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			int fd = atoi(e->d_name);
			if (fd > 2 && fd != dirfd(d)) {
				fcntl(fd, F_SETFD, FD_CLOEXEC);
			}
		}
		closedir(d);
	}
	log_info("restarting (exec %s)", argv[0]);
	fflush(NULL);
	execv("/proc/self/exe", argv);
	log_error("cannot restart: exec /proc/self/exe: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	static struct config cfg;
	static struct node node;
	char errmsg[CONFIG_ERRMSG_SIZE];
	bool help = false;
	uv_loop_t *loop = uv_default_loop();
	int rv;

	config_defaults(&cfg);
	if (config_parse_args(&cfg, argc - 1, argv + 1, &help, errmsg,
			      sizeof errmsg) != 0) {
		fprintf(stderr, "stratusd: %s\n(see stratusd --help)\n",
			errmsg);
		return 2;
	}
	if (help) {
		fputs(config_usage(), stdout);
		return 0;
	}
	if (config_validate(&cfg, errmsg, sizeof errmsg) != 0) {
		fprintf(stderr, "stratusd: %s\n", errmsg);
		return 2;
	}
	log_setup(cfg.log_level, (unsigned long long)cfg.node_id);
	signal(SIGPIPE, SIG_IGN);
	/* Snapshots wait for a child they fork (fsm.c): an inherited
	 * SIGCHLD=SIG_IGN would have the kernel reap it first. */
	signal(SIGCHLD, SIG_DFL);
	rv = node_start(&node, loop, &cfg);
	if (rv != 0) {
		log_error("cannot start: %s", node.errmsg);
	}
	uv_run(loop, UV_RUN_DEFAULT);
	rv = rv != 0 ? 1 : node.exit_code;
	if (node.disk_failed) {
		/* Raft was abandoned after a failed log write (node.h): it
		 * cannot be closed, so neither can the loop. What is on disk
		 * is consistent, as after a SIGKILL. */
		if (node.reexec) {
			restart(argv);
			return 1;
		}
		log_info("stopped (raft abandoned after a failed log write)");
		fflush(NULL);
		_exit(rv);
	}
	node_free(&node);
	uv_loop_close(loop);
	log_info("stopped");
	return rv;
}
