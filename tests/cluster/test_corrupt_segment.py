#!/usr/bin/env python3
"""A corrupted log segment is detected at start-up; the node is rebuilt.

Property: when a byte in the middle of one of a stopped follower's closed
raft segment files is flipped, the node refuses to start, with a message
that names the damaged file and the damage (raft_uv's checksums; raft_uv's
auto-recovery, which would silently delete the damaged segment and all
later ones, is off), instead of serving from a damaged log;
`cluster.sh rebuild` (remove it from the configuration, delete its data,
add it back as a new member) rebuilds it from its peers, after which it
converges and every acknowledged write is present.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workload, check, log, run_test, wait_until  # noqa: E402


def closed_segments(c, i):
    d = os.path.join(c.node_dir(i), "data")
    return [os.path.join(d, n) for n in os.listdir(d) if re.fullmatch(r"\d+-\d+", n)]


def body(c):
    leader, _ = c.wait_leader()
    victim = next(i for i in c.members() if i != leader)
    wl = Workload(c, writers=4, max_writes=1500)
    wl.wait_exit(120)
    c.converged()
    c.stop(victim)  # a clean stop closes the open segment
    segs = closed_segments(c, victim)
    check(segs, f"node {victim} has no closed segment file to corrupt")
    seg = max(segs, key=os.path.getsize)
    size = os.path.getsize(seg)
    with open(seg, "r+b") as f:
        f.seek(size // 2)
        b = f.read(1)
        f.seek(size // 2)
        f.write(bytes([b[0] ^ 0xFF]))
    log(f"flipped byte {size // 2} of {os.path.basename(seg)} ({size} bytes) on node {victim}")

    # libraft 0.15 leaks the entries it had loaded when a segment fails
    # to load (uv_segment.c: "TODO: release memory"); suppress that for
    # this one failing start only.
    supp = os.path.join(c.tmp, "lsan-libraft.supp")
    with open(supp, "w") as f:
        f.write("leak:libraft.so\nleak:call_attempt_locked\n")
    prev = c.env.get("LSAN_OPTIONS")
    c.env["LSAN_OPTIONS"] = f"suppressions={supp}:print_suppressions=0"
    try:
        c.sh("start", str(victim), check=False)
        wait_until(lambda: c.pid(victim) is None, 60, f"node {victim} to refuse to start")
    finally:
        if prev is None:
            del c.env["LSAN_OPTIONS"]
        else:
            c.env["LSAN_OPTIONS"] = prev
    text = c.node_log_since_start(victim)
    line = next((l for l in text.splitlines() if "cannot start" in l), "")
    log(f"node {victim} said: {line.strip()}")
    check(line, f"node {victim} exited without a 'cannot start' message")
    check(re.search(r"checksum", line) and os.path.basename(seg) in line,
          f"the start-up message does not name the file and the damage: {line}")

    t = time.monotonic()
    c.sh("rebuild", str(victim))
    c.converged(expect=c.members(), timeout=60)
    log(f"node {victim} rebuilt from its peers in {(time.monotonic() - t) * 1000:.0f} ms")
    c.verify_acked(victim, [wl])


if __name__ == "__main__":
    run_test("corrupt_segment",
             __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
