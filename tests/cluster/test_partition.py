#!/usr/bin/env python3
"""The leader cut off from the rest by a network partition, then healed.

Property: when the raft traffic between the leader of a 3-node cluster and
both followers is dropped in both directions (nodes started with
--enable-test-hooks; the nng transport drops the messages) while 4 writers
run, the majority side elects a new leader and writes continue (times
printed; liveness bound 20 s), and the isolated old leader acknowledges
nothing (a write sent to it alone is not acknowledged); after healing, the
old leader steps down and catches up; no acknowledged write is lost, no
counter goes backwards, and all replicas converge.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workload, check, log, measure, run_test, wait_until  # noqa: E402

LIVENESS_BOUND_S = 20


def drop(c, node, peers, on=True):
    kind, r = c.raw(c.client_address(node), "--drop" if on else "--undrop",
                    ",".join(str(p) for p in peers))
    check(kind == "reply" and r["code"] == 0 and r["results"] and r["results"][0]["code"] == 0,
          f"test hook on node {node}: {kind} {r}")


def body(c):
    old, _ = c.wait_leader()
    others = [i for i in c.members() if i != old]
    log(f"leader: node {old}; followers {others}")
    wl = Workload(c, writers=4)
    wl.wait_acks(1000, 30)

    log(f"partition: node {old} | nodes {others}")
    t0 = time.monotonic()
    drop(c, old, others)
    for i in others:
        drop(c, i, [old])
    acks_at_cut = wl.acked()
    new = elected_ms = resumed_ms = None
    deadline = t0 + LIVENESS_BOUND_S
    while time.monotonic() < deadline and (elected_ms is None or resumed_ms is None):
        if resumed_ms is None and wl.acked() > acks_at_cut + wl.writers:
            resumed_ms = (time.monotonic() - t0) * 1000
        if elected_ms is None:
            for i in others:
                v = c.node_view(i, timeout_ms=300)
                if v and v["role"] == "leader":
                    new, elected_ms = i, (time.monotonic() - t0) * 1000
                    break
        time.sleep(0.02)
    check(elected_ms is not None, f"no leader on the majority side within {LIVENESS_BOUND_S} s")
    check(resumed_ms is not None, f"writes did not resume within {LIVENESS_BOUND_S} s")
    measure("new_leader_elected_after_partition_ms", round(elected_ms), "ms")
    measure("writes_resumed_after_partition_ms", round(resumed_ms), "ms")

    # The minority side must not acknowledge a write: a put sent to the
    # old leader alone either fails or times out.
    rc, out, err = c.cli("kv", "put", "partition/minority", "x", timeout_ms=3000,
                         endpoints=c.client_address(old))
    if rc == 0:
        # Only acceptable if the write really is in the majority's log
        # (the client was redirected to the new leader).
        got = c.kv_list("partition/")
        check(got.get("partition/minority") == "x",
              "the isolated old leader acknowledged a write the majority does not have")
        log("the write sent to the old leader was redirected to the new leader")
    else:
        log(f"a write sent to the isolated old leader was not acknowledged: {err.strip()[:120]}")
    wl.wait_acks(wl.acked() + 1000, 30, "1000 more acks on the majority side")

    log("heal the partition")
    t1 = time.monotonic()
    drop(c, old, others, on=False)
    for i in others:
        drop(c, i, [old], on=False)

    def stepped_down():
        v = c.node_view(old, timeout_ms=300)
        return v if v and v["role"] == "follower" and v["leader_id"] not in (0, old) else None
    v = wait_until(stepped_down, 20, f"node {old} to follow the new leader")
    measure("old_leader_follows_after_heal_ms", round((time.monotonic() - t1) * 1000), "ms")
    wl.wait_acks(wl.acked() + 500, 30, "500 more acks after healing")
    s = wl.stop()
    measure("workload_acked", s["acked"])
    measure("workload_failed_writes", s["failed"] + s["submit_errors"])
    c.verify_acked(v["leader_id"], [wl])
    c.converged()
    c.verify_acked(old, [wl])
    c.converged()


if __name__ == "__main__":
    run_test("partition", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body,
             node_args="--enable-test-hooks")
