#!/usr/bin/env python3
"""A leader frozen by SIGSTOP, then thawed.

Property: when the leader of a 3-node cluster is frozen (SIGSTOP) while 4
writers run, the others elect a new leader and writes continue (times
printed; liveness bound 20 s); when the old leader is thawed (SIGCONT) it
steps down to follower in the new term; no acknowledged write is lost and
no counter ever goes backwards — every read of a counter, during and after
the pause, is at least the value acknowledged before the read began and at
least the previous read (so no old or retried write was applied after a
newer one), and a read that reached the old leader while it was frozen is
not answered from its stale state; all replicas converge.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workload, check, log, measure, run_test, wait_until  # noqa: E402

LIVENESS_BOUND_S = 20


class CounterWatch:
    """Successive reads of the workload's counters must never go down."""

    def __init__(self, c, wl):
        self.c, self.wl, self.seen, self.reads = c, wl, {}, 0

    def sample(self, when, via):
        acked = {k: v["acked"] for k, v in self.wl.ack_log().counters.items()}
        values = self.c.kv_list(f"c/{self.wl.run}/", endpoints=self.c.client_address(via))
        sent = {k: v["sent"] for k, v in self.wl.ack_log().counters.items()}
        problems = []
        for key, floor in acked.items():
            got = values.get(key)
            v = int(got) if got is not None else 0
            if v < floor:
                problems.append(f"{key} = {v} < {floor} acknowledged before the read")
            if v < self.seen.get(key, 0):
                problems.append(f"{key} = {v} went back from {self.seen[key]} read earlier")
            if v > sent.get(key, 0):
                problems.append(f"{key} = {v} > {sent.get(key, 0)}, the highest value sent")
            self.seen[key] = max(self.seen.get(key, 0), v)
        check(not problems, f"counter read {when}: " + "; ".join(problems))
        self.reads += 1
        log(f"counters {when}: {sorted(self.seen.values())} (monotonic, >= acked)")


def body(c):
    old, _ = c.wait_leader()
    old_term = c.node_view(old)["term"]
    log(f"leader: node {old} (term {old_term})")
    wl = Workload(c, writers=4)
    wl.wait_acks(1000, 30)
    watch = CounterWatch(c, wl)
    watch.sample("before the pause", old)

    log(f"SIGSTOP leader node {old}")
    t0 = time.monotonic()
    c.pause(old)
    acks_at_pause = wl.acked()
    others = [i for i in c.members() if i != old]
    new = elected_ms = resumed_ms = None
    deadline = t0 + LIVENESS_BOUND_S
    while time.monotonic() < deadline and (elected_ms is None or resumed_ms is None):
        if resumed_ms is None and wl.acked() > acks_at_pause + wl.writers:
            resumed_ms = (time.monotonic() - t0) * 1000
        if elected_ms is None:
            for i in others:
                v = c.node_view(i, timeout_ms=300)
                if v and v["role"] == "leader":
                    new, elected_ms = i, (time.monotonic() - t0) * 1000
                    break
        time.sleep(0.02)
    check(elected_ms is not None, f"no new leader within {LIVENESS_BOUND_S} s of the pause")
    check(resumed_ms is not None, f"writes did not resume within {LIVENESS_BOUND_S} s of the pause")
    measure("new_leader_elected_after_pause_ms", round(elected_ms), "ms")
    measure("writes_resumed_after_pause_ms", round(resumed_ms), "ms")
    new_term = c.node_view(new)["term"]
    log(f"new leader: node {new} (term {new_term})")
    wl.wait_acks(wl.acked() + 1000, 30, "1000 more acks on the new leader")
    watch.sample(f"with node {new} leading and node {old} frozen", new)

    # A read sent to the frozen old leader waits in its socket; when it
    # thaws, it must not answer from its stale state: either an error
    # (NotLeader / unavailable) or a value at least what was acked before.
    probe_key = f"c/{wl.run}/0"
    probe_floor = wl.ack_log().counters.get(probe_key, {"acked": 0})["acked"]
    probe = c.raw_start(c.client_address(old), "--get", probe_key, timeout_ms=5000)
    time.sleep(0.2)  # let it connect at the kernel level and send

    log(f"SIGCONT node {old}")
    t1 = time.monotonic()
    c.resume(old)

    def stepped_down():
        v = c.node_view(old, timeout_ms=300)
        return v if v and v["role"] == "follower" and v["term"] >= new_term and v["leader_id"] not in (0, old) else None
    v = wait_until(stepped_down, 20, f"node {old} to step down to follower")
    measure("old_leader_stepped_down_after_resume_ms", round((time.monotonic() - t1) * 1000), "ms")
    log(f"node {old} is a follower in term {v['term']} (leader: node {v['leader_id']})")
    kind, r = c.raw_finish(probe)
    if kind == "reply" and r["code"] == 0 and r["results"] and r["results"][0]["code"] == 0:
        got = int(r["results"][0].get("value", "0"))
        check(got >= probe_floor, f"stale read: the thawed old leader answered {probe_key} = "
                                  f"{got}, but {probe_floor} was acknowledged before the read")
        log(f"read sent to the frozen leader answered {got} (>= {probe_floor} acked before)")
    else:
        what = (f"{r.get('error_name') or r['results'][0]['error_name']}" if kind == "reply"
                else kind)
        log(f"read sent to the frozen leader was refused after it thawed: {what}")
    wl.wait_acks(wl.acked() + 500, 30, "500 more acks after the old leader resumed")
    watch.sample(f"after node {old} resumed", v["leader_id"])

    s = wl.stop()
    measure("workload_acked", s["acked"])
    measure("workload_failed_writes", s["failed"] + s["submit_errors"])
    measure("workload_max_ack_latency_ms", s["max_latency_ms"], "ms")
    watch.sample("after the workload stopped", v["leader_id"])

    c.verify_acked(v["leader_id"], [wl])
    c.converged()
    c.verify_acked(old, [wl])
    c.converged()


if __name__ == "__main__":
    run_test("pause_leader", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
