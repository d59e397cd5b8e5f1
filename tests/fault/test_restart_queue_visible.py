#!/usr/bin/env python3
"""An existing queue never "does not exist", even right after a leader
election on a freshly restarted cluster.

Property: in each of several rounds (8) a queue is created, 8 senders
call SendMessage on it (while 8 kv writers make the log long), every node
of the 3-node cluster is SIGKILLed and restarted, and probes call
SendMessage on each node alone from before the restart until 2 s after a
leader is back; no call is ever answered QueueDoesNotExist (a new leader
must not validate a request against a state that has not yet applied the
committed log — the queue's creation among it). Afterwards the replicas
converge and no acknowledged kv write is lost.

Found by the fault suite (test_fault_schedule, a ReceiveMessage answered
QueueDoesNotExist after a whole-cluster kill); this test makes the window
(between a restarted node's election and the application of its log) as
likely to be hit as it can, by restarting everything repeatedly under load.
"""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
import harness  # noqa: E402
from harness import check, expect, log, measure, run_test, wait_until  # noqa: E402

SQS_WORKLOAD = os.environ.get("STRATUS_SQS_WORKLOAD") or os.path.join(
    harness.BUILD_DIR, "tests", "cluster", "sqs_workload")
ROUNDS = int(os.environ.get("STRATUS_RESTART_ROUNDS") or 8)
KV_WRITES = int(os.environ.get("STRATUS_RESTART_KV_WRITES") or 8000)


def read_log(path):
    out = []
    with open(path) as f:
        for line in f:
            if line.endswith("\n"):
                parts = line.rstrip("\n").split(" ", 2)
                out.append((parts[0], parts[1] if len(parts) > 1 else "",
                            parts[2] if len(parts) > 2 else ""))
    return out


def probe(c, node, url, stop, out):
    """SendMessage to node alone until stop is set; appends the error of
    every call answered QueueDoesNotExist to out."""
    while not stop.is_set():
        rc, _, err = c.cli("sqs", "send-message", "--queue-url", url, "--message-body",
                           "probe", timeout_ms=1500, endpoints=c.client_address(node))
        if rc != 0 and "QueueDoesNotExist" in err:
            # Wall-clock time, to line up with the node logs' "raft:
            # candidate -> leader" and "leader ready" lines.
            out.append(time.strftime("%H:%M:%S", time.gmtime())
                       + f".{int(time.time() * 1000) % 1000:03d}Z node {node}: {err[:120]}")
        if rc != 0:
            time.sleep(0.02)


def body(c):
    exe = os.path.join(c.bin, "tests", "cluster", "sqs_workload")
    shutil.copy2(SQS_WORKLOAD, exe)
    c.wait_leader(timeout=30)
    # A long log makes the window wide: a restarted node applies the
    # entries after its last snapshot only once it has learnt the commit
    # index (as leader: once an entry of its own term commits). The queue
    # of each round is created after the last snapshot (threshold 8192
    # entries by default), so only that application makes it known.
    kv = harness.Workload(c, writers=8)
    kv.wait_acks(KV_WRITES, 600, f"{KV_WRITES} kv writes (a long log)")
    missing, failed, acked, probes = [], [], 0, []
    for r in range(ROUNDS):
        rc, out, err = c.cli("sqs", "create-queue", "--queue-name", f"restart-visible-{r}",
                             timeout_ms=15000)
        check(rc == 0, f"create-queue: {err}")
        url = out["QueueUrl"]
        send_log = os.path.join(c.tmp, f"send-{r}.log")
        p = subprocess.Popen([exe, "send", "--endpoints", c.endpoints(), "--queue-url", url,
                              "--log", send_log, "--senders", "8", "--prefix", f"rv{r}"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)

        def acks():
            try:
                return sum(1 for k, _, _ in read_log(send_log) if k == "a")
            except FileNotFoundError:
                return 0
        try:
            wait_until(lambda: acks() >= 20, 60, "the senders to get going")
            for i in c.members():
                c.kill(i)
            # Probes: SendMessage to each node alone, in a tight loop, from
            # before the restart until well after it: whichever is elected
            # gets requests from its first moments as leader.
            stop_probes = threading.Event()
            threads = [threading.Thread(target=probe, args=(c, i, url, stop_probes, probes))
                       for i in c.members()]
            for t in threads:
                t.start()
            try:
                for i in c.members():
                    c.start(i)
                lid, _ = c.wait_leader(timeout=60)
                time.sleep(2)
            finally:
                stop_probes.set()
                for t in threads:
                    t.join()
            n = acks()
            wait_until(lambda: acks() >= n + 50, 60,
                       f"sends to resume after whole-cluster restart {r + 1}")
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        entries = read_log(send_log)
        f = [(b, e) for k, b, e in entries if k == "f"]
        m = [(b, e) for b, e in f if e.startswith("QueueDoesNotExist")]
        failed += f
        missing += m
        acked += sum(1 for k, _, _ in entries if k == "a")
        log(f"restart {r + 1}/{ROUNDS}: node {lid} leads; {acked} sends acknowledged in all; "
            f"this round {len(m)} answered QueueDoesNotExist")
    kv.stop()
    measure("sends_acknowledged", acked)
    measure("sends_failed", len(failed))
    measure("sends_answered_queue_does_not_exist", len(missing))
    measure("probes_answered_queue_does_not_exist", len(probes))
    expect(not probes,
           f"{len(probes)} probe SendMessage call(s) on an existing queue were answered "
           f"QueueDoesNotExist right after a whole-cluster restart (broker bug: a newly elected "
           f"leader runs the service's prepare against a state that has not applied the "
           f"committed log yet), e.g. {probes[:3]}" if probes else "")
    expect(not missing,
           f"{len(missing)} SendMessage call(s) on an existing queue were answered "
           f"QueueDoesNotExist after a whole-cluster restart (broker bug: a newly elected "
           f"leader runs the service's prepare against a state that has not applied the "
           f"committed log yet; e.g. {missing[0][0]}: {missing[0][1][:200]})"
           if missing else "")
    other = [(b, e) for b, e in failed if not e.startswith("QueueDoesNotExist")]
    if other:
        log(f"{len(other)} other failed sends (unknown outcome), e.g. {other[0]}")
    if probes:
        for i in c.members():
            for line in c.node_log(i).splitlines():
                if "-> leader" in line or "leader ready" in line:
                    log(f"node {i} log: {line.strip()}")
    c.converged(timeout=90)
    c.verify_acked(c.wait_leader()[0], [kv])


if __name__ == "__main__":
    run_test("restart_queue_visible",
             __doc__.split("Property: ", 1)[1].split("\n\n")[0].strip().replace("\n", " "),
             body)
