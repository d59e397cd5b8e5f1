#!/usr/bin/env python3
"""Which thread makes the raft log's writes.

Property: where the data dir's file system takes O_DIRECT writes with
RWF_NOWAIT (ext4, xfs), every node submits its log writes from its loop
thread (raft_uv's kernel AIO path), not through libuv's thread pool (a
thread hand-off there and back per write). raft_uv picks the path once, at
start, from a probe file it unlinks and then writes through the descriptor
it kept; our unlink() interposer (raft/trash.c) used to truncate that probe
under it, which sent about half the nodes to the thread pool for good.

Seen per thread: /proc/PID/task/TID/io's write_bytes counts the direct I/O a
thread submitted. In the AIO path the loop thread's grows with the log; in
the thread-pool path the pool threads make the log writes and the loop
thread writes only raft's small metadata files (measured with the old
trash.c: 24 KiB against ~14 MB; that bug hit a node at random, so this
failed 2 of 3 runs with it). Skipped (exit 77) where the
file system takes no O_DIRECT or RWF_NOWAIT write, or the kernel keeps no
per-thread I/O counts.
"""
import mmap
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestSkipped, Workload, check, log, measure, run_test  # noqa: E402

WRITERS = 4
ITERATIONS = 500  # per writer: 2,000 writes
LOOP_BYTES_AT_LEAST = 1 << 20  # the log of 2,000 writes: several MiB


def direct_nowait_works(directory):
    """Does a 4 KiB O_DIRECT write with RWF_NOWAIT | RWF_DSYNC into an
    already written file succeed here (raft_uv's probe, in short)?"""
    path = os.path.join(directory, "direct-nowait-probe")
    fd = -1
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.pwrite(fd, b"\0" * 65536, 0)
        os.fsync(fd)
        os.close(fd)
        fd = os.open(path, os.O_RDWR | os.O_DIRECT)
        buf = mmap.mmap(-1, 4096)
        # A plain direct write first drops the page cache's copy of the
        # block (a NOWAIT write would refuse to wait for that).
        os.pwritev(fd, [buf], 0, os.RWF_DSYNC)
        os.pwritev(fd, [buf], 0, os.RWF_NOWAIT | os.RWF_DSYNC)
        return True
    except (OSError, AttributeError) as e:
        log(f"O_DIRECT + RWF_NOWAIT write in {directory}: {e}")
        return False
    finally:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(path)
        except OSError:
            pass


def write_bytes(pid, tid):
    with open(f"/proc/{pid}/task/{tid}/io") as f:
        for line in f:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    raise OSError(f"no write_bytes in /proc/{pid}/task/{tid}/io")


def body(c):
    if not direct_nowait_works(c.tmp):
        raise TestSkipped("this file system takes no O_DIRECT + RWF_NOWAIT write: "
                          "raft_uv uses its thread pool here, as it should")
    c.wait_leader()
    if not os.path.exists(f"/proc/{c.pid(1)}/task/{c.pid(1)}/io"):
        raise TestSkipped("no per-thread I/O accounting in this kernel")
    wl = Workload(c, writers=WRITERS, max_writes=ITERATIONS)
    s = wl.wait_exit(120)
    check(s["acked_unique"] > 0, "no write acknowledged")
    c.converged()
    for i in c.members():
        pid = c.pid(i)
        check(pid is not None, f"node {i} is not running")
        loop = write_bytes(pid, pid)  # stratusd runs its loop on main()'s thread
        others = sum(write_bytes(pid, int(t)) for t in os.listdir(f"/proc/{pid}/task")
                     if int(t) != pid)
        measure(f"node{i}_loop_thread_write_bytes", loop, "B")
        measure(f"node{i}_other_threads_write_bytes", others, "B")
        check(loop >= LOOP_BYTES_AT_LEAST,
              f"node {i}'s loop thread wrote {loop} bytes for {s['acked_unique']} "
              f"acknowledged writes (other threads: {others}): its log writes go "
              f"through libuv's thread pool, not the kernel's AIO")


if __name__ == "__main__":
    run_test("log_write_path",
             "every node submits its raft log writes from its loop thread (kernel AIO), "
             "not through libuv's thread pool, where the file system allows it",
             body)
