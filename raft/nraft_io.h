/* nraft_io: a libraft 0.15 `struct raft_io` with raft_uv storage and the SP
 * pipeline wire (nng's PUSH/PULL over TCP) as its network.
 *
 * Durable storage (load, bootstrap, recover, set_term, set_vote, append,
 * truncate, snapshot_put/get, async_work, time, random, the tick timer) is
 * delegated to an inner raft_uv instance whose transport is a stub, so we
 * keep raft_uv's segment files, checksums, direct/async I/O and lz4 snapshot
 * files. The network: one listener (PULL) at this node's raft address, one
 * dialer (PUSH) per peer, opened lazily. For tcp:// addresses the loop
 * speaks the wire itself (nraft_tcp.h); for tls+tcp:// nng's PUSH/PULL
 * sockets do, with nng's TLS. Either talks to the other. Messages to one
 * peer are packed into one message per loop iteration (flushed from a
 * uv_prepare_t, or early once a pack grows large). The module owns the
 * sockets, the libuv handles it creates, the inner raft_uv and the per-peer
 * state.
 *
 * Signals: ignore SIGPIPE in the process (libuv writes to sockets without
 * MSG_NOSIGNAL).
 *
 * Threads: every function here, and every callback into raft, runs on the
 * loop thread. nng's own threads (tls+tcp:// only) touch an atomic pipe
 * counter per peer.
 *
 * Lifecycle:
 *
 *     struct raft_io io; struct raft raft;
 *     nraft_io_init(&io, loop, dir, &opts, errmsg, sizeof errmsg);
 *     raft_init(&raft, &io, &fsm, id, "tcp://10.0.0.1:7101");  // binds
 *     ... raft_bootstrap / raft_start ...
 *     raft_close(&raft, close_cb);   // close_cb calls nraft_io_close(&io)
 *
 * If raft_init fails (or is never called), call nraft_io_close() directly.
 *
 * Shutdown caveat (nng 1.5.2, tls+tcp:// only): nng_close() of the PULL
 * socket can hang forever if a message from a peer is half received at that
 * moment (a tcp transport race fixed in nng 1.8). io->close calls nng_close()
 * on the loop thread. Before raft_close(), stop the traffic:
 * nraft_io_set_drop() every peer here (and, in tests, this node on the peers),
 * run the loop ~100 ms, then close. A process that is exiting anyway may skip
 * raft_close().
 *
 * What the caller (the broker) must set on the raft instance, because
 * libraft 0.15 gets these wrong by default and they are not an I/O concern:
 * - raft_set_pre_vote(r, true): a node rejoining after a partition must not
 *   depose the leader with an inflated term.
 * - issue raft_barrier() when becoming leader, before serving reads or
 *   running leader services (0.15 appends no no-op entry on election).
 * - raft_set_install_snapshot_timeout() well below the 30 s default: a
 *   follower busy with its own snapshot drops InstallSnapshot (RAFT_BUSY)
 *   and the leader only retries after this timeout.
 * - keep every log entry below nraft_io_max_entry_bytes() and every snapshot
 *   below max_message_bytes (see struct nraft_options).
 * - raft_apply() with n > 1 buffers gives one callback (first entry's
 *   result): put a batch of commands in one entry instead. */
#ifndef NRAFT_IO_H
#define NRAFT_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <raft.h>
#include <uv.h>

/* Tunables. Fill with nraft_options_init() and change what you need. */
struct nraft_options {
	/* Largest message (pack) sent or accepted, in bytes (default 64 MiB).
	 * The receiving side closes a connection that announces more (nng:
	 * NNG_OPT_RECVMAXSZ). On the send side AppendEntries are cut to fit
	 * (fewer entries per message); a single entry or snapshot that cannot
	 * fit fails with RAFT_TOOBIG in its send callback. All nodes must
	 * agree. */
	size_t max_message_bytes;

	/* A pack is sent as soon as it reaches this many bytes instead of
	 * waiting for the end of the loop iteration (default 1 MiB). */
	size_t pack_flush_bytes;

	/* Packs queued per peer (nng: NNG_OPT_SENDBUF of its PUSH socket)
	 * while its connection is busy or down (default 16). A full queue fails
	 * the pack with RAFT_NOCONNECTION. */
	int send_buffer_packs;

	/* Budget of bytes handed to the network for one peer since a message
	 * from it last arrived (every raft request gets a response, so a live
	 * peer keeps resetting it). A pack that would exceed it fails at once
	 * with RAFT_NOCONNECTION instead of queueing behind a stalled peer.
	 * With a connection up the budget is max_unanswered_bytes (default 16
	 * MiB), and one pack of any size is allowed when nothing is
	 * outstanding; without one it is unconnected_bytes (default 64 KiB:
	 * votes and heartbeats for a peer that is still starting). So a dead or
	 * stopped peer pins at most about max_unanswered_bytes +
	 * max_message_bytes. */
	size_t max_unanswered_bytes;
	size_t unconnected_bytes;

	/* tls+tcp://: most nng messages read per wakeup of the receive poll
	 * handle, so one busy peer cannot starve the loop (default 256).
	 * (tcp:// delivers what one read of a connection brought.) */
	unsigned recv_batch;

	/* A peer counts as reachable if a message from it arrived within this
	 * many milliseconds (default 1000). */
	unsigned peer_timeout_ms;

	/* Reconnect back-off bounds of the dialers, ms (default 20
	 * and 500). */
	unsigned reconnect_min_ms;
	unsigned reconnect_max_ms;

	/* A dialer without a connection for this long (ms, measured on
	 * the loop's monotonic clock; default 2000; 0 = never) is closed and
	 * dialed afresh at the next send (for tcp:// this also bounds a
	 * connect or handshake that hangs). nng 1.5.2 as Debian builds it times
	 * its reconnect back-off with CLOCK_REALTIME, so after the wall clock
	 * steps back by X a pending reconnect waits X longer: a node could
	 * not send to a restarted peer for that long (RELIABILITY.md). */
	unsigned redial_ms;

	/* lz4-compress snapshot files (raft_uv_set_snapshot_compression();
	 * default true). */
	bool snapshot_compression;

	/* Identity of the cluster, sent in every pack; packs with another id
	 * are dropped on arrival (default 0). Protects a node from messages of
	 * another cluster that reach its address, e.g. after a port is reused.
	 * All nodes of a cluster must agree. */
	uint64_t cluster_id;

	/* TLS for tls+tcp:// addresses (NULL: none; the caller keeps them
	 * alive while the io lives): the PULL listener's and the PUSH
	 * dialers' nng TLS configurations. */
	struct nng_tls_config *tls_listen;
	struct nng_tls_config *tls_dial;

	/* Size of raft_uv's open segment files, bytes; 0 keeps raft_uv's 8 MiB
	 * default (raft_uv_set_segment_size()). */
	size_t segment_bytes;
};

/* Counters for metrics and tests. Monotonic since nraft_io_init(). */
struct nraft_io_stats {
	uint64_t packs_sent;	    /* packs handed to a peer's dialer. */
	uint64_t messages_sent;	    /* raft messages in those packs. */
	uint64_t send_failures;	    /* raft messages reported as not sent. */
	uint64_t truncated_appends; /* AppendEntries cut to fit the size cap. */
	uint64_t packs_received;    /* packs received. */
	uint64_t messages_received; /* raft messages handed to raft. */
	uint64_t
	    malformed;	  /* packs with an undecodable frame (rest skipped). */
	uint64_t dropped; /* messages dropped by nraft_io_set_drop(). */
	uint64_t foreign; /* packs dropped for a wrong cluster_id. */
	uint64_t redials; /* PUSH sockets closed after redial_ms unconnected. */
	/* Ticks that restarted a follower's election timer and TimeoutNow
	 * messages dropped while raft stored a snapshot (raft 0.15 crashes
	 * when a follower becomes candidate then: see nraft_io.c). */
	uint64_t elections_held;
	/* Successful AppendEntries results a leader got while its last
	 * stored entry was of an earlier term, cut below that entry (raft
	 * 0.15 would commit it by counting replicas: see nraft_io.c
	 * clipOldTermResult()). */
	uint64_t old_term_results_clipped;
};

/* Fill @opts with the defaults documented above. */
void nraft_options_init(struct nraft_options *opts);

/* Set up @io for use with raft_init(). @opts may be NULL (defaults) and is
 * copied. @data_dir must exist and is copied. No socket is opened and no
 * libuv handle is created until raft_init() calls io->init, which listens at
 * the address given to raft_init().
 *
 * io->init (via raft_init) returns RAFT_DUPLICATEADDRESS if the address is
 * in use, RAFT_INVALID if it cannot be parsed, RAFT_NOMEM, RAFT_IOERR, or the
 * error of raft_uv's own init; raft_errmsg() then says which step failed.
 *
 * Errors of this function (details in @errmsg, may be NULL): RAFT_INVALID
 * (bad option), RAFT_NOMEM, RAFT_NAMETOOLONG (data_dir too long for raft_uv).
 * On error nothing needs freeing. */
int nraft_io_init(struct raft_io *io, struct uv_loop_s *loop,
		  const char *data_dir, const struct nraft_options *opts,
		  char *errmsg, size_t errmsg_size);

/* Release everything nraft_io_init() allocated. Call from the raft_close()
 * callback, or directly if raft_init() failed or was never called. Must not
 * be called while raft_close() is still in progress. */
void nraft_io_close(struct raft_io *io);

/* True if a message from @id arrived within peer_timeout_ms, the PUSH
 * connection to it is up and it is not dropped by nraft_io_set_drop().
 * Meaningful on the leader, which hears from every follower on each
 * heartbeat; a follower only hears from the leader, so other followers read
 * as unreachable there. */
bool nraft_io_peer_reachable(struct raft_io *io, raft_id id);

/* Test hook for partitions: while @drop is true, every message to @peer is
 * reported as RAFT_NOCONNECTION and every message from @peer is discarded
 * on arrival. Returns RAFT_NOMEM if the peer entry cannot be created. */
int nraft_io_set_drop(struct raft_io *io, raft_id peer, bool drop);

/* A log write failed (called once, from raft_uv's completion, before raft
 * sees the failure; @errmsg is raft_uv's message, e.g. "create segment
 * open-7: not enough space to allocate 1048576 bytes", borrowed). Do not
 * call raft from here. */
typedef void (*nraft_disk_failed_cb)(void *arg, int status, const char *errmsg);

/* Be told when a log write fails. libraft 0.15 cannot continue safely after
 * one (see nraft_io.c, appendDone), so from that moment on the io refuses
 * every append (RAFT_IOERR), keeps every append result from raft, and drops
 * every raft message in and out. The raft instance is then abandoned: the
 * owner must not raft_close() it (raft would free entries it believes are
 * still being written) but restart the process from the data dir. */
void nraft_io_set_disk_failed_cb(struct raft_io *io, nraft_disk_failed_cb cb,
				 void *arg);

/* The last connection to peer @id closed (its process died, or the network
 * dropped it) and has not come back: called on the loop thread, soon after.
 * Do not close the io from here. */
typedef void (*nraft_peer_lost_cb)(void *arg, raft_id id);

/* Be told when a peer's connections are all gone (see nraft_peer_lost_cb).
 * Only peers this node sends to are watched — a follower sends to its
 * leader, a leader to every follower. */
void nraft_io_set_peer_lost_cb(struct raft_io *io, nraft_peer_lost_cb cb,
			       void *arg);

/* Does nothing; referencing it links aio_defer.c, which moves raft_uv's
 * io_destroy(2) calls (~30 ms each, at every segment rollover) off the
 * calling thread (see there). */
void nraft_aio_defer_link(void);

/* Does nothing; referencing it links prealloc.c, which makes raft_uv's
 * segment preallocation write zeros, so log writes need no thread pool
 * hand-off (see there). */
void nraft_prealloc_link(void);

/* Run raft's tick now (it also runs every heartbeat timeout), e.g. right
 * after a timer was made to expire. Loop thread; not from raft callbacks. */
void nraft_io_tick(struct raft_io *io);

/* True once a log write has failed; its raft code and message (borrowed,
 * valid while the io lives) if the pointers are not NULL. */
bool nraft_io_disk_failed(struct raft_io *io, int *status, const char **errmsg);

/* Smoothed latency of this node's log writes, ms: from raft asking for an
 * append to raft_uv reporting it durable (exponential average, weight 1/4
 * per write; 0 before the first). Not updated while no write happens, so
 * *age_ms (if not NULL) says how long ago the last write completed
 * (UINT64_MAX: never). */
double nraft_io_append_latency_ms(struct raft_io *io, uint64_t *age_ms);

/* Largest entry payload, in bytes, that fits one AppendEntries under the
 * max_message_bytes cap. Larger entries can never be replicated. */
size_t nraft_io_max_entry_bytes(struct raft_io *io);

/* Copy the counters of @io into @stats. */
void nraft_io_get_stats(struct raft_io *io, struct nraft_io_stats *stats);

#endif /* NRAFT_IO_H */
