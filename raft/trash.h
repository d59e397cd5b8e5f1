/* trash — raft_uv's file removals, paced.
 *
 * After each snapshot raft_uv unlinks the log segments the snapshot
 * covers: after a busy minute that is hundreds of MiB per node, freed in
 * one go. On a filesystem mounted with online discard (ext4 -o discard,
 * the test machines) the freed blocks are trimmed at the next journal
 * commit, and every node's log writes on that device wait behind it.
 * Measured (BENCHMARKS.md, session 13): at 1,000 msgs/s after a full
 * benchmark, each node's first snapshot delayed 25-30 consecutive messages
 * by 2-8 ms; with the removals moved aside, 5-20.
 *
 * So this file defines unlink() for the process (libuv's uv_fs_unlink,
 * which raft_uv calls, finds it first). A removal of a log segment or a
 * snapshot (by its name: "open-N", "FIRST-LAST", "snapshot-...") directly
 * in a registered data directory becomes a rename into <dir>/trash
 * (atomic, as unlink; the name is gone from raft_uv's directory when it
 * returns, and raft_uv's directory fsync makes that durable), and a thread
 * deletes what is in the trash: it truncates each file 1 MiB at a time, syncing each
 * step and then sleeping TRASH_PAUSE_FACTOR times as long as the step
 * took, so freeing takes at most a quarter of the device's time (no
 * pauses, and removals stay plain unlinks, while the filesystem has under
 * 1 GiB free: space first). Only regular files go to the trash. Unlike
 * after a plain unlink, a descriptor still open on a removed file sees it
 * shrink: raft_uv removes only segments and snapshots it no longer reads
 * (the two newest snapshots are kept, and a snapshot being sent is read
 * into memory first); its other removals (the I/O probe it writes after
 * unlinking it, metadata, temporary files) stay plain unlinks. Files
 * left in a trash (a crash, or a close before the thread got to them) are
 * deleted when the directory is registered again. Every other path is
 * unlinked as before. Thread-safe. */
#ifndef STRATUS_TRASH_H
#define STRATUS_TRASH_H

#include <stdbool.h>

#define TRASH_SUBDIR "trash"

/* Route removals in dir (raft_uv's data directory, spelled as raft_uv is
 * given it) through its trash; empty what an earlier run left there. 0,
 * or an errno (the trash cannot be made: removals stay plain unlinks). */
int trash_register(const char *dir);

/* Stop routing dir's removals; what is left in its trash stays there for
 * the next registration. Returns once the thread no longer works on it. */
void trash_unregister(const char *dir);

/* Wait (tests) until the thread has handled every file moved so far —
 * deleted it, or failed to (it is then left in the trash for the next
 * registration); false after timeout_ms. */
bool trash_wait_empty(unsigned timeout_ms);

#endif
