#!/usr/bin/env python3
"""A leader with a slow disk: the cluster keeps acknowledging, loses nothing.

Property: node 1 runs with the slowdisk shim (LD_PRELOAD, slowdisk.c:
every io_submit / fsync / fdatasync of the process sleeps first) and
leads a 3-node cluster (--slow-disk-ms 100) under a kv workload. With its
durable writes delayed by 200 ms each (set at run time; the shim reports
delayed writes), node 1 hands leadership to a follower within a few
seconds (it logs why) and the cluster keeps acknowledging at a rate near
the one before (at least a third of it); once the delay is removed all
three replicas converge to one state digest and every acknowledged write
is present.
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import Workload, check, log, measure, run_test, wait_until  # noqa: E402
from diskfault import set_disk_delay  # noqa: E402

NODE = 1
DELAY_MS = int(os.environ.get("STRATUS_SLOW_DISK_MS") or 200)
SLOW_SECONDS = float(os.environ.get("STRATUS_SLOW_DISK_SECONDS") or 15)
SHIM = os.environ.get("STRATUS_SLOWDISK_SO") or os.path.join(
    harness.BUILD_DIR, "tests", "fault", "libslowdisk.so")


def start_slow(c, control):
    """Restart node 1 with the shim preloaded (only node 1: the others keep
    the suite's environment)."""
    c.stop(NODE)
    env = dict(c.env)
    env["LD_PRELOAD"] = SHIM
    env["STRATUS_SLOWDISK_CONTROL"] = control
    # A sanitized stratusd wants its runtime first in the library list;
    # the shim interposes nothing ASan intercepts.
    env["ASAN_OPTIONS"] = ":".join(
        x for x in (env.get("ASAN_OPTIONS"), "verify_asan_link_order=0") if x)
    wait_until(lambda: not (set(harness.node_ports(c.base, NODE)) & harness._listening_ports()),
               10, f"node {NODE}'s ports to be free")
    p = subprocess.run([harness.CLUSTER_SH, "start", str(NODE)], env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    check(p.returncode == 0, f"cluster.sh start {NODE} with the shim: {p.stderr.strip()}")
    with open(f"/proc/{c.pid(NODE)}/maps") as f:
        check("slowdisk" in f.read(), f"the shim is not loaded in node {NODE}")


def delayed_count(control):
    try:
        with open(control + ".count") as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def acks_per_s(wl, seconds):
    a0, t0 = wl.acked(), time.monotonic()
    time.sleep(seconds)
    return (wl.acked() - a0) / (time.monotonic() - t0)


def body(c):
    check(os.access(SHIM, os.R_OK), f"{SHIM} is missing (build first)")
    control = os.path.join(c.tmp, "slowdisk-node1")
    set_disk_delay(control, 0)
    c.wait_leader()
    start_slow(c, control)
    c.converged(timeout=30)
    c.transfer_leader(NODE)

    wl = Workload(c, writers=4)
    wl.wait_acks(200, 60)
    base = acks_per_s(wl, 4)
    measure("acks_per_s_before", round(base))

    set_disk_delay(control, DELAY_MS)
    log(f"node {NODE}'s durable writes now take {DELAY_MS} ms more")
    d0 = delayed_count(control)
    a0, t0 = wl.acked(), time.monotonic()
    moved_to, _ = c.wait_leader(timeout=30, exclude=(NODE,))
    moved_s = time.monotonic() - t0
    measure("leadership_moved_after_s", round(moved_s, 1))
    measure("acks_per_s_until_moved", round((wl.acked() - a0) / moved_s))
    # Either node 1 hands leadership over itself (and says why), or — its
    # loop stalled by writes submitted from it (raft_uv's AIO on ext4) —
    # its followers miss heartbeats and elect another leader first (seen
    # in CI: moved after 1.2 s, before the 2 s hand-over threshold). Both
    # keep the cluster serving; an unexplained move is a failure.
    logs = c.node_log(NODE).splitlines()
    line = next((l for l in logs if "slow disk:" in l), "")
    if not line:
        line = next((l for l in logs if "leader -> follower" in l), "")
    log(f"node {NODE} said: {line[:200]}")
    check(line, f"node {NODE} did not log why leadership moved")
    slow = acks_per_s(wl, max(SLOW_SECONDS - moved_s, 5))
    n_delayed = delayed_count(control) - d0
    measure("acks_per_s_slow_after_move", round(slow))
    measure("delayed_writes", n_delayed)
    lid = c.leader_of(c.status(timeout_ms=2000))
    log(f"leader now: node {lid}")
    check(n_delayed > 0, f"the shim delayed no write of node {NODE}")
    check(lid != NODE, f"node {NODE} (slow disk) leads again")
    check(slow > base / 3, f"only {slow:.1f} acks/s with node {NODE}'s disk slow "
          f"(before: {base:.1f})")

    set_disk_delay(control, 0)
    log("delay removed")
    after = acks_per_s(wl, 3)
    measure("acks_per_s_after", round(after))
    s = wl.stop()
    measure("max_ack_latency_ms", s["max_latency_ms"])
    check(s["failed"] == 0, f"{s['failed']} writes failed: {s.get('last_error')}")
    _, _, ms = c.converged(timeout=60)
    c.verify_acked(2, [wl])


if __name__ == "__main__":
    run_test("slow_disk", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body,
             node_args="--slow-disk-ms 100")
