#!/usr/bin/env python3
"""A node whose disk fills up leaves raft cleanly and comes back by itself.

Property: node 1's data dir is a small tmpfs (32 MiB, raft segments of
1 MiB). While a kv workload writes through every node, the tmpfs is kept
full (a filler file topped up as raft_uv frees space), first with node 1
a follower, then with node 1 the leader. Each time: node 1 does not
crash; it logs one clear "disk full" error line (no repetition); a client
asking node 1 gets ServiceUnavailable naming the full disk, and /readyz
and /metrics (stratus_disk_failed 1) say so; the two healthy nodes keep
acknowledging writes (a new leader is elected when node 1 led); once the
filler is deleted node 1 restarts itself (same pid: it execs itself) from
its data dir without any manual step and catches up with the leader. At
the end the three replicas converge to one state digest and every
acknowledged write is present.

Needs root (a tmpfs mount); skipped with the reason otherwise.
"""
import os
import re
import shutil
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from harness import Workload, check, expect, log, measure, run_test, wait_until  # noqa: E402
from diskfault import SmallDisk, skip  # noqa: E402

NODE = 1
DISK_MB = 32
FULL_SECONDS = float(os.environ.get("STRATUS_DISK_FULL_SECONDS") or 8)
NODE_ARGS = ("--segment-bytes 1048576 --max-batch-bytes 262144 "
             "--max-request-bytes 262144")
disk = {}


def setup(c):
    d = SmallDisk(os.path.join(c.node_dir(NODE), "data"), DISK_MB)
    d.mount()
    disk["d"] = d


def cleanup(c):
    d = disk.get("d")
    if d is not None:
        d.stop_filling()
        if os.environ.get("STRATUS_KEEP_CLUSTER"):
            # The tmpfs goes with the unmount: keep a copy to replay.
            shutil.copytree(d.path, d.path + ".saved", dirs_exist_ok=True)
        d.umount()


def http_get(c, path):
    port = harness.node_ports(c.base, NODE)[2]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return None, str(e)


def error_lines(c):
    return [l for l in c.node_log(NODE).splitlines() if "raft log write" in l]


def full_phase(c, wl, role):
    d = disk["d"]
    pid = c.pid(NODE)
    errors_before = len(error_lines(c))
    taken = d.start_filling()
    t0 = time.monotonic()
    log(f"node {NODE} ({role}): disk full ({taken >> 20} MiB taken by the filler)")
    wait_until(lambda: len(error_lines(c)) > errors_before, 60,
               f"node {NODE} to report its failed log write")
    detect_ms = (time.monotonic() - t0) * 1000
    line = error_lines(c)[-1]
    log(f"node {NODE} said: {line[line.index('error:'):][:300]}")
    check("disk full" in line, f"the error line does not say 'disk full': {line}")
    measure(f"{role}_write_failure_after_fill_ms", round(detect_ms))

    # A client asking node 1 alone gets a clear error.
    kind, r = c.raw(c.client_address(NODE), "--hex", harness.STATUS_REQUEST_HEX)
    check(kind == "reply" and r.get("code") != 0,
          f"node {NODE} answered a request normally with a full disk: {kind} {r}")
    msg = f"{r.get('error_name', '')} {r.get('error_message', '')}"
    log(f"node {NODE} answers: code {r.get('code')} {msg[:200]}")
    expect("disk full" in msg, f"node {NODE}'s answer does not mention the full disk: {msg}")
    status, body = http_get(c, "/readyz")
    expect(status == 503 and "disk full" in body, f"/readyz: {status} {body[:200]}")
    status, body = http_get(c, "/metrics")
    expect(status == 200 and re.search(r"^stratus_disk_failed 1$", body, re.M),
           f"/metrics lacks stratus_disk_failed 1 ({status})")

    # The other two keep serving.
    leader, _ = c.wait_leader(timeout=20, exclude=(NODE,))
    a0 = wl.acked()
    t1 = time.monotonic()
    time.sleep(FULL_SECONDS)
    rate = (wl.acked() - a0) / (time.monotonic() - t1)
    measure(f"{role}_acks_per_s_while_full", round(rate))
    check(rate > 10, f"only {rate:.1f} acks/s while node {NODE}'s disk was full")
    check(c.pid(NODE) == pid, f"node {NODE} exited (pid {pid} gone)")
    n_err = len(error_lines(c)) - errors_before
    check(n_err == 1, f"{n_err} 'raft log write' error lines, expected one")

    # Space comes back: node 1 restarts by itself and catches up.
    d.stop_filling()
    t2 = time.monotonic()
    log(f"filler deleted; node 2/3 leader is node {leader}")
    wait_until(lambda: "restarting (exec" in c.node_log(NODE).split(line, 1)[1], 30,
               f"node {NODE} to restart itself")
    check(c.pid(NODE) == pid, f"node {NODE}'s process changed (pid {pid} gone)")
    # Caught up (the workload still runs, so "equal" is "has reached what
    # the leader had applied once node 1 answered again").
    v = wait_until(lambda: c.node_view(NODE), 30, f"node {NODE} to answer again")
    target = c.node_view(leader)["applied_index"]
    wait_until(lambda: (c.node_view(NODE) or {}).get("applied_index", 0) >= target, 60,
               f"node {NODE} to apply up to {target}")
    measure(f"{role}_caught_up_after_space_ms", round((time.monotonic() - t2) * 1000))
    log(f"node {NODE} is back ({v['role']}) and has applied {target}")


def body(c):
    leader, _ = c.wait_leader()
    if leader == NODE:
        c.transfer_leader(2)
    wl = Workload(c, writers=4)
    wl.wait_acks(200, 60)
    full_phase(c, wl, "follower")

    c.transfer_leader(NODE)
    full_phase(c, wl, "leader")

    s = wl.stop()
    check(s["failed"] == 0, f"{s['failed']} writes failed: {s.get('last_error')}")
    c.converged(timeout=60)
    c.verify_acked(2, [wl])


if __name__ == "__main__":
    if os.geteuid() != 0:
        skip("mounting a small file system needs root")
    run_test("disk_full", __doc__.split("Property: ", 1)[1].split("\n\n")[0].replace("\n", " "),
             body, node_args=NODE_ARGS, setup=setup, cleanup=cleanup)
