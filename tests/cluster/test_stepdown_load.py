#!/usr/bin/env python3
"""Leaders stepping down again and again under a deep request queue.

Property: with 64 concurrent writers keeping the leader's group-commit
queue full, freezing the leader for 1 s and thawing it, five times in a
row, never crashes a node (every node process stays alive; a regression
test for a libraft crash when the commit queue proposed from inside raft's
step-down callbacks), writes keep being acknowledged after every round, no
acknowledged write is lost, no counter goes backwards, and all replicas
converge.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workload, check, log, measure, run_test  # noqa: E402

ROUNDS = 5


def body(c):
    c.wait_leader()
    wl = Workload(c, writers=64)
    wl.wait_acks(2000, 30)
    members = c.members()
    for r in range(1, ROUNDS + 1):
        leader, _ = c.wait_leader()
        log(f"round {r}: freeze leader node {leader} for 1 s")
        c.pause(leader)
        time.sleep(1.0)
        c.resume(leader)
        time.sleep(0.3)
        dead = [i for i in members if i not in c.alive()]
        check(not dead, f"round {r}: node(s) {dead} died after leader node {leader} stepped down")
        wl.wait_acks(wl.acked() + 500, 30, f"500 more acks after round {r}")
    s = wl.stop()
    measure("workload_acked", s["acked"])
    measure("workload_failed_writes", s["failed"] + s["submit_errors"])
    leader, _ = c.wait_leader()
    c.verify_acked(leader, [wl])
    c.converged()


if __name__ == "__main__":
    run_test("stepdown_load", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
