#!/usr/bin/env python3
"""The leader isolated in the kernel (nftables) under a recorded kv + SQS
workload.

Property: when every raft packet between the leader and the other two
nodes is dropped by the kernel (netfault.py: nftables rules on the
loopback, matched by the nodes' group ids and raft ports; client traffic
untouched) while history_workload runs, the two others elect a new leader,
the old leader steps down (it can no longer reach a majority), the
majority keeps acknowledging operations, its applied index moves on while
the old leader's stands still; after the rules are removed every replica
converges to one state digest and the history passes check_history.py (kv
linearizable per key, no acknowledged write or message lost, no delivery
after an acknowledged delete or within a visibility timeout, FIFO order
and deduplication).

Skipped (exit 77) when nft is not usable here (not root, no nf_tables).
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import check, expect, log, measure, run_test, wait_until  # noqa: E402
import check_history  # noqa: E402
import netfault  # noqa: E402
import test_fault_schedule as fs  # noqa: E402  (HistoryRun)

ISOLATE_S = float(os.environ.get("STRATUS_KPART_SECONDS") or 10)
GID_BASE = netfault.gid_base()


def role(c, i):
    v = c.node_view(i, timeout_ms=500)
    return (v["role"], v["term"], v["applied_index"]) if v else (None, 0, 0)


def body(c):
    nft = netfault.Nft("kpart", lambda i: harness.node_ports(c.base, i)[0],
                       lambda i: GID_BASE + i)
    try:
        lid, _ = c.wait_leader(timeout=30)
        others = [i for i in c.members() if i != lid]
        wl = fs.HistoryRun(c, "kpart", seed=4242)
        c.workloads_extra = [wl]
        wait_until(wl.ready, 90, "history_workload to create its queues")
        wait_until(lambda: wl.records() >= 300, 60, "the workload to get going")
        _, term0, _ = role(c, lid)
        nft.isolate(lid, c.members())
        t0 = time.monotonic()
        log(f"node {lid} (leader, term {term0}) isolated in the kernel:\n"
            + nft.rules_text().strip())
        new = {}

        def elected():
            for i in others:
                r, term, _ = role(c, i)
                if r == "leader" and term > term0:
                    new["id"] = i
                    return True
            return False
        wait_until(elected, 20, "the majority to elect a new leader", interval=0.1)
        measure("new_leader_elected_after", round(time.monotonic() - t0, 2), "s")
        wait_until(lambda: role(c, lid)[0] != "leader", 20,
                   f"the isolated node {lid} to step down", interval=0.1)
        measure("old_leader_stepped_down_after", round(time.monotonic() - t0, 2), "s")
        n = wl.records()
        _, _, old_applied = role(c, lid)
        _, _, new_applied = role(c, new["id"])
        wait_until(lambda: wl.records() >= n + 200, 30,
                   "the workload to make progress through the majority")
        time.sleep(max(0.0, ISOLATE_S - (time.monotonic() - t0)))
        _, _, old_applied2 = role(c, lid)
        _, _, new_applied2 = role(c, new["id"])
        measure("majority_applied_during_isolation", new_applied2 - new_applied, "entries")
        measure("isolated_applied_during_isolation", old_applied2 - old_applied, "entries")
        check(new_applied2 > new_applied, "the majority applied nothing while node "
              f"{lid} was isolated")
        expect(old_applied2 == old_applied,
               f"the isolated node {lid} applied {old_applied2 - old_applied} entries "
               f"while cut off (the rules did not isolate it)")
        nft.heal()
        log(f"healed after {time.monotonic() - t0:.1f} s")
        c.converged(timeout=90)
        n = wl.records()
        wait_until(lambda: wl.records() >= n + 100, 60,
                   "the workload to make progress after healing")
        s = wl.stop()
        log(f"workload stopped: {s}")
        wl.drain()
        c.converged(timeout=90)
        h = check_history.History.load([wl.path])
        rep = check_history.check(h)
        print(rep.text(), flush=True)
        measure("ops", rep.stats.get("ops", 0))
        measure("info_ops", rep.stats.get("info", 0))
        check(not rep.anomalies, f"{len(rep.anomalies)} anomalies ({', '.join(rep.kinds())})")
    finally:
        nft.close()
        for w in getattr(c, "workloads_extra", []):
            w.kill()


if __name__ == "__main__":
    reason = netfault.usable()
    if reason is not None:
        print(f"SKIP: kernel partitions need nftables: {reason}", flush=True)
        sys.exit(77)
    run_test("kernel_partition",
             __doc__.split("Property: ", 1)[1].split("\n\n")[0].strip().replace("\n", " "),
             body, env={"STRATUS_NODE_GID_BASE": str(GID_BASE)})
