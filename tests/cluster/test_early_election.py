#!/usr/bin/env python3
"""Early election when the leader's process dies.

Property: with an election timeout of 4 s, SIGKILLing the leader of a
3-node cluster under write load still gets a new leader serving writes
within 3 s — before any election timeout could have expired, so only the
followers seeing the dead leader's connections close can have started the
election (broker/early_election.h); a follower counts it in
stratus_raft_early_elections_total. No acknowledged write is lost. A
follower that merely loses and regains its connection to a live leader
(here: a follower restart makes the leader's connections to it close) does
not disturb the leader: same leader, same term.
"""
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workload, check, log, measure, node_ports, run_test  # noqa: E402

ELECTION_MS = 4000
BOUND_S = 3.0


def early_elections(c, node):
    _, _, http = node_ports(c.base, node)
    with urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("stratus_raft_early_elections_total "):
                return float(line.split()[1])
    raise AssertionError("no stratus_raft_early_elections_total in /metrics")


def body(c):
    old, _ = c.wait_leader(timeout=40)
    term = c.node_view(old)["term"]
    log(f"leader: node {old} (term {term})")

    # A follower restarts: the leader's connections to it close and come
    # back; the leader is alive, so nothing changes.
    follower = next(i for i in c.members() if i != old)
    c.stop(follower)
    c.start(follower)
    c.converged(expect=c.members(), timeout=40)
    v = c.node_view(old)
    check(v["role"] == "leader" and v["term"] == term,
          f"a follower's restart disturbed the leader: {v}")

    wl = Workload(c, writers=4)
    wl.wait_acks(500, 30)
    log(f"SIGKILL leader node {old}")
    t0 = time.monotonic()
    c.kill(old)
    acks_at_kill = wl.acked()
    survivors = [i for i in c.members() if i != old]
    new = None
    while time.monotonic() - t0 < BOUND_S and new is None:
        for i in survivors:
            v = c.node_view(i, timeout_ms=300)
            if v and v["role"] == "leader":
                new = i
                break
        time.sleep(0.01)
    elected_ms = (time.monotonic() - t0) * 1000
    check(new is not None,
          f"no new leader within {BOUND_S} s of the kill (election timeout "
          f"{ELECTION_MS} ms): the early election did not happen")
    measure("new_leader_elected_after_kill_ms", round(elected_ms), "ms")
    check(sum(early_elections(c, i) for i in survivors) >= 1,
          "no survivor counted an early election")
    wl.wait_acks(acks_at_kill + 500, 30, "500 acks on the new leader")
    s = wl.stop()
    check(s["acked"] > 0, "the workload got no write acknowledged")
    c.verify_acked(new, [wl])
    c.start(old)
    c.converged(expect=c.members(), timeout=40)
    c.verify_acked(old, [wl])


if __name__ == "__main__":
    run_test("early_election", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "),
             body, env={"STRATUS_ELECTION_TIMEOUT_MS": str(ELECTION_MS),
                        "STRATUS_HEARTBEAT_TIMEOUT_MS": "100",
                        "STRATUS_UP_TIMEOUT": "60"})
