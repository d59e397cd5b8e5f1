#!/usr/bin/env python3
"""Leader SIGKILL under write load.

Property: after the leader of a 3-node cluster is SIGKILLed while 4 writers
run, a new leader is elected and serves writes within a liveness bound
(20 s; the measured times are printed); no acknowledged write is lost —
checked on the new leader, and again on the killed node once it has
restarted, caught up and been made leader; all replicas converge to the
same applied index and state digest.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workload, check, log, measure, run_test  # noqa: E402

LIVENESS_BOUND_S = 20


def body(c):
    old, _ = c.wait_leader()
    log(f"leader: node {old}")
    wl = Workload(c, writers=4)
    wl.wait_acks(1000, 30)

    log(f"SIGKILL leader node {old}")
    t0 = time.monotonic()
    c.kill(old)
    killed_ms = (time.monotonic() - t0) * 1000
    acks_at_kill = wl.acked()
    survivors = [i for i in c.members() if i != old]

    # Poll two things: a survivor that leads in its own view (election),
    # and acks that only the new leader can have produced: each writer has
    # at most one write in flight, so more than `writers` acks after the
    # kill means the new leader committed writes.
    new = elected_ms = resumed_ms = None
    deadline = t0 + LIVENESS_BOUND_S
    while time.monotonic() < deadline and (elected_ms is None or resumed_ms is None):
        if resumed_ms is None and wl.acked() > acks_at_kill + wl.writers:
            resumed_ms = (time.monotonic() - t0) * 1000
        if elected_ms is None:
            for i in survivors:
                v = c.node_view(i, timeout_ms=300)
                if v and v["role"] == "leader":
                    new, elected_ms = i, (time.monotonic() - t0) * 1000
                    break
        time.sleep(0.02)
    check(elected_ms is not None, f"no new leader within {LIVENESS_BOUND_S} s of the kill")
    check(resumed_ms is not None,
          f"writes did not resume within {LIVENESS_BOUND_S} s of the kill "
          f"({wl.acked() - acks_at_kill} acks after it)")
    measure("kill_command_ms", round(killed_ms), "ms")
    measure("new_leader_elected_after_kill_ms", round(elected_ms), "ms")
    measure("writes_resumed_after_kill_ms", round(resumed_ms), "ms")
    log(f"new leader: node {new}")

    # Keep writing on the new leader for a while, then stop.
    wl.wait_acks(wl.acked() + 1000, 30, "1000 more acks on the new leader")
    s = wl.stop()
    measure("workload_acked", s["acked"])
    measure("workload_failed_writes", s["failed"] + s["submit_errors"])
    measure("workload_max_ack_latency_ms", s["max_latency_ms"], "ms")
    check(s["acked"] > 0, "the workload got no write acknowledged")

    # Nothing acknowledged lost, on the new leader.
    c.verify_acked(new, [wl])

    # The killed node restarts, catches up, and has everything too.
    t = time.monotonic()
    c.start(old)
    _, digest, _ = c.converged(expect=c.members(), timeout=40)
    measure("restarted_node_caught_up_ms", round((time.monotonic() - t) * 1000), "ms")
    c.verify_acked(old, [wl])
    c.converged(expect=c.members())


if __name__ == "__main__":
    run_test("leader_kill", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
