#!/usr/bin/env python3
"""A rolling restart under load.

Property: with a write workload running the whole time, every node is
restarted in turn (SIGTERM, start again, wait until it has caught up —
followers first, the leader last, so leadership moves once), the
workload keeps getting acknowledgements across every restart, every
acknowledged write is present afterwards and the replicas converge.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workload, check, log, measure, run_test, wait_until  # noqa: E402


def wait_caught_up(c, i, timeout=90):
    """Wait until node i has applied everything the leader had committed
    when it came back (the workload keeps writing, so the replicas are
    never equal at one instant)."""
    leader, _ = c.wait_leader()
    target = c.node_view(leader)["commit_index"]

    def pred():
        v = c.node_view(i)
        return v is not None and v["applied_index"] >= target
    wait_until(pred, timeout, f"node {i} to apply up to index {target}")


def body(c):
    leader, _ = c.wait_leader()
    order = [i for i in c.members() if i != leader] + [leader]
    log(f"restart order: {order} (leader node {leader} last)")
    wl = Workload(c, writers=4)
    wl.wait_acks(200, 60)
    for i in order:
        before = wl.acked()
        t = time.monotonic()
        c.stop(i)
        c.start(i)
        wait_caught_up(c, i)
        ms = round((time.monotonic() - t) * 1000)
        measure(f"node{i}_restart_to_caught_up_ms", ms, "ms")
        # The workload must keep going through each restart.
        wl.wait_acks(wl.acked() + 100, 60)
        log(f"node {i} restarted and caught up in {ms} ms; workload acks "
            f"{before} -> {wl.acked()}")
    summary = wl.stop()
    check(summary["acked_unique"] > 0, "no write acknowledged")
    leader, _ = c.wait_leader()
    c.verify_acked(leader, [wl])
    c.converged(expect=c.members())


if __name__ == "__main__":
    run_test("rolling_restart",
             __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
