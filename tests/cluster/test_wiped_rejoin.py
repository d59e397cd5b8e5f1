#!/usr/bin/env python3
"""A follower that lost its disk rejoins through a snapshot.

Property: with small snapshots (--snapshot-threshold 64
--snapshot-trailing 16), a follower that is stopped, removed from the
configuration and wiped while the others write on and compact their logs
past everything it had, catches up when it is added back (the supported
rebuild: a wiped voter must rejoin as a new member; the leader no longer
has the entries, so only a snapshot can bring it back), converges to the
same applied index and state digest, and — made leader — serves every
acknowledged write.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workload, check, log, measure, run_test  # noqa: E402

NODE_ARGS = "--snapshot-threshold 64 --snapshot-trailing 16"


def log_files(c, i):
    """(first index of the oldest segment file, [snapshot file names]) in
    node i's data dir (raft_uv names: FIRST-LAST, open-N, snapshot-T-I-TS)."""
    d = os.path.join(c.node_dir(i), "data")
    names = os.listdir(d) if os.path.isdir(d) else []
    firsts = [int(m.group(1)) for n in names
              for m in [re.fullmatch(r"(\d+)-(\d+)", n)] if m]
    snaps = sorted(n for n in names if re.fullmatch(r"snapshot-\d+-\d+-\d+", n))
    return (min(firsts) if firsts else None), snaps


def body(c):
    leader, _ = c.wait_leader()
    follower = next(i for i in c.members() if i != leader)
    log(f"leader: node {leader}; the follower to wipe: node {follower}")

    wl1 = Workload(c, writers=4, max_writes=200)
    wl1.wait_exit(60)
    _, _, _ = c.converged()
    v = c.node_view(follower)
    had = v["last_index"]
    log(f"node {follower} had log up to index {had}; stopping and wiping it")
    c.stop(follower)
    c.sh("remove", str(follower))
    c.wipe(follower)
    check(not os.path.exists(os.path.join(c.node_dir(follower), "data")),
          "cluster.sh wipe left the data dir")

    wl2 = Workload(c, writers=4, max_writes=200)
    wl2.wait_exit(60)
    # The live nodes must have compacted away everything the wiped node
    # would need: check the leader's oldest retained entry on disk.
    leader, _ = c.wait_leader()
    first, snaps = log_files(c, leader)
    lv = c.node_view(leader)
    log(f"leader node {leader}: last index {lv['last_index']}, oldest segment starts at "
        f"{first}, snapshots {snaps}")
    check(snaps, f"the leader (node {leader}) took no snapshot")
    check(first is None or first > 1,
          f"the leader still has its log from index {first}: the test would not need a snapshot")
    log(f"the leader's log starts after index {had}, the last the wiped node ever had"
        if first is None or first > had else
        f"the leader's log starts at {first}, within what the wiped node had ({had})")

    t = time.monotonic()
    c.sh("add", str(follower))
    _, digest, _ = c.converged(expect=c.members(), timeout=40)
    measure("wiped_node_caught_up_ms", round((time.monotonic() - t) * 1000), "ms")
    fv = c.node_view(follower)
    _, fsnaps = log_files(c, follower)
    log(f"node {follower} after catching up: applied index {fv['applied_index']} "
        f"(it had {had} before the wipe), snapshot files {fsnaps}")
    lines = [l for l in c.node_log_since_start(follower).splitlines()
             if not l.startswith("===") and re.search(r"snapshot|restor", l, re.I)]
    if lines:
        log(f"node {follower} logged: " + " | ".join(lines[:3]))
    else:
        log(f"node {follower} logs no snapshot/restore line (stratusd does not log "
            f"installs); convergence and the compacted leader log show it came through one")
    check(fsnaps, f"node {follower} has no snapshot file after catching up")

    c.verify_acked(follower, [wl1, wl2])
    c.converged(expect=c.members())


if __name__ == "__main__":
    run_test("wiped_rejoin", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "),
             body, node_args=NODE_ARGS)
