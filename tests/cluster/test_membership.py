#!/usr/bin/env python3
"""Membership changes under write load.

Property: while 4 writers run, a 3-node cluster can grow and shrink without
losing availability or data: node 4 is added (cluster.sh add 4) and
becomes a voter that catches up; node 1 is made leader and then removed
(the leader removing itself hands leadership over and the removal
completes); leadership is transferred explicitly to node 4. Writes keep
being acknowledged after every step and none fails (their count is
printed); afterwards every acknowledged write is present and nodes 2, 3, 4
converge, with node 1 no longer a member.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workload, check, expect, log, measure, run_test, wait_until  # noqa: E402

PROGRESS = 200  # acks that must follow each step


def progress(wl, step):
    t = time.monotonic()
    wl.wait_acks(wl.acked() + PROGRESS, 20, f"{PROGRESS} more acks after {step}")
    log(f"writes continue after {step} ({PROGRESS} acks in "
        f"{(time.monotonic() - t) * 1000:.0f} ms)")


def body(c):
    c.wait_leader()
    wl = Workload(c, writers=4, deadline_ms=20000)
    wl.wait_acks(500, 30)

    # Add node 4: a voter once caught up.
    t = time.monotonic()
    c.add(4)
    added_ms = (time.monotonic() - t) * 1000

    seen = {}

    def voter():
        st = c.status()
        e = c.entry(st, 4)
        seen["st"] = st
        return e is not None and e.get("VoterRole") == "voter" and e.get("Reachable")
    try:
        wait_until(voter, 30, "node 4 to be listed as a voter")
    except Exception:
        st = seen.get("st") or {}
        nodes = [(n.get("Id"), n.get("Role"), n.get("VoterRole")) for n in st.get("Nodes", [])]
        added = [i for i in (1, 2, 3) if "node 4 added" in c.node_log(i)]
        check(False, f"node 4 is not a voter 30 s after `cluster.sh add 4` returned success; "
                     f"status (id, role, voter role): {nodes}, leader {st.get('LeaderId')}; "
                     f"nodes that logged 'node 4 added': {added or 'none'}")
    measure("add_node4_until_voter_ms", round((time.monotonic() - t) * 1000), "ms")
    log(f"cluster.sh add 4 took {added_ms:.0f} ms; status lists node 4 as a voter")
    leader, _ = c.wait_leader()
    target = c.node_view(leader)["commit_index"]
    wait_until(lambda: (c.node_view(4) or {}).get("applied_index", 0) >= target, 30,
               f"node 4 to apply up to index {target}")
    measure("node4_caught_up_ms", round((time.monotonic() - t) * 1000), "ms")
    progress(wl, "adding node 4")

    # A client that knows only the new node (a follower now) must be led
    # to the leader: NotLeader carries the leader's client address.
    if c.node_view(4)["role"] != "leader":
        rc, _, err = c.cli("kv", "put", "membership/via-node4", "x",
                           endpoints=c.client_address(4), timeout_ms=5000)
        expect(rc == 0, f"a client that knows only node 4 (a follower) cannot write: {err}")

    # Remove node 1 while it leads: the hard case.
    c.transfer_leader(1)
    progress(wl, "moving leadership to node 1")
    t = time.monotonic()
    c.remove(1)
    measure("remove_leader_node1_ms", round((time.monotonic() - t) * 1000), "ms")
    check(c.pid(1) is None, "node 1 still runs after cluster.sh remove 1")
    new, st = c.wait_leader()
    check(c.entry(st, 1) is None, f"status still lists node 1: {st}")
    log(f"node 1 removed; node {new} leads")
    progress(wl, "removing node 1")

    # An explicit transfer to the newcomer.
    measure("transfer_to_node4_ms", round(c.transfer_leader(4)), "ms")
    progress(wl, "transferring leadership to node 4")

    s = wl.stop()
    measure("workload_acked", s["acked"])
    measure("workload_failed_writes", s["failed"] + s["submit_errors"])
    measure("workload_max_ack_latency_ms", s["max_latency_ms"], "ms")
    check(s["failed"] + s["submit_errors"] == 0,
          f"{s['failed'] + s['submit_errors']} writes failed during the membership changes "
          f"(last error: {s['last_error']})")

    c.verify_acked(4, [wl])
    # The operator's view through the new leader: every member reachable.
    st = c.status()
    seen = {n["Id"]: (n.get("Reachable"), n.get("ClientAddress")) for n in st["Nodes"]}
    expect(all(seen.get(i, (False,))[0] for i in (2, 3, 4)),
           f"with node 4 leading, `stratus cluster status` cannot reach every member: "
           f"{{id: (reachable, client address)}} = {seen}")
    _, _, _ = c.converged(expect=[2, 3, 4])
    ids = sorted(n["Id"] for n in st["Nodes"])
    check(ids == [2, 3, 4], f"members are {ids}, expected [2, 3, 4]")
    views = {i: c.node_view(i) for i in ids}
    roles = {i: v and v["voter_role"] for i, v in views.items()}
    check(all(r == "voter" for r in roles.values()), f"not all members are voters: {roles}")
    log(f"members {ids}, all voters")


if __name__ == "__main__":
    run_test("membership", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
