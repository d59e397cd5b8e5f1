#!/usr/bin/env python3
"""SQS replication promises across a leader SIGKILL.

Property: while a standard-queue sender (4 threads) and a FIFO sender (4
message groups, MessageDeduplicationId = body) run and a long poll is
parked, the leader of a 3-node cluster is SIGKILLed. Then: every
acknowledged send (standard and FIFO) is received by a drain on the new
leader, and nothing is received that was never sent; within each FIFO group
messages arrive in send order and exactly once; a MessageDeduplicationId
used before the kill, sent again after it, returns the original MessageId
and is not delivered twice; of 20 messages received (visibility timeout 30
s) before the kill, the 10 deleted never reappear and the 10 kept are not
received again before their visibility timeout ends, and are received again
after it; the long poll that was parked on the old leader returns (empty,
with messages, or with an error) and the same client's next call succeeds
on the new leader; the survivors, and then all three nodes once the killed
one has restarted, converge to one applied index and digest.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (BUILD_DIR, TestFailure, check, expect, log,  # noqa: E402
                     measure, run_test, wait_until)

SQS_WORKLOAD = os.environ.get("STRATUS_SQS_WORKLOAD") or os.path.join(
    BUILD_DIR, "tests", "cluster", "sqs_workload")
# Visibility timeout of the received-not-deleted messages (the check needs
# receives that end before it; 30 s leaves room under ASan).
VIS_S = 30
LONG_POLL_S = 15     # WaitTimeSeconds of the parked long poll
LIVENESS_BOUND_S = 20


def sqs(c, *args, timeout_ms=15000, endpoints=None):
    """`stratus sqs ARGS` (endpoints: default every member); returns the
    output document ({} when the CLI prints nothing, as aws does for an
    empty answer)."""
    cmd = [c.bins["stratus"], "--endpoints", endpoints or c.endpoints(),
           "--timeout-ms", str(timeout_ms), "sqs", *args]
    try:
        p = subprocess.run(cmd, env=c.env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout_ms / 1000 + 60)
    except subprocess.TimeoutExpired:
        raise TestFailure(f"stratus sqs {args[0]}: hung")
    check(p.returncode == 0, f"stratus sqs {' '.join(args)}: status {p.returncode}: "
          f"{p.stderr.strip()[:500]}")
    try:
        return json.loads(p.stdout) if p.stdout.strip() else {}
    except ValueError:
        raise TestFailure(f"stratus sqs {args[0]}: output is not JSON: {p.stdout[:300]!r}")


def read_log(path):
    """[(kind, body, rest)] of a sqs_workload log (complete lines only)."""
    rows = []
    try:
        with open(path) as f:
            for line in f:
                if not line.endswith("\n"):
                    break
                parts = line.rstrip("\n").split(" ", 2)
                rows.append((parts[0], parts[1] if len(parts) > 1 else "",
                             parts[2] if len(parts) > 2 else ""))
    except FileNotFoundError:
        pass
    return rows


def acked(path):
    return [(b, mid) for k, b, mid in read_log(path) if k == "a"]


class Proc:
    """A sqs_workload process."""

    def __init__(self, c, exe, mode, url, *args, name):
        self.out = os.path.join(c.tmp, f"sqs-{name}.out")
        self.err = os.path.join(c.tmp, f"sqs-{name}.err")
        self.log = os.path.join(c.tmp, f"sqs-{name}.log")
        cmd = [exe, mode, "--endpoints", c.endpoints(), "--queue-url", url,
               "--log", self.log, *args]
        with open(self.out, "wb") as o, open(self.err, "wb") as e:
            self.p = subprocess.Popen(cmd, stdout=o, stderr=e, stdin=subprocess.DEVNULL)
        self.name = name

    def text(self):
        with open(self.out) as f:
            return f.read()

    def stop(self, timeout=40):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise TestFailure(f"sqs_workload {self.name} did not stop {timeout} s after SIGTERM")
        check(self.p.returncode == 0, f"sqs_workload {self.name} exited with "
              f"{self.p.returncode}: {open(self.err).read()[-2000:]}")

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def body(c):
    # The helper runs from the test's private copy, next to libstratus.
    exe = os.path.join(c.bin, "tests", "cluster", "sqs_workload")
    shutil.copy2(SQS_WORKLOAD, exe)
    procs = []
    try:
        run(c, exe, procs)
    finally:
        for p in procs:
            p.kill()


def create(c, name, attrs=None):
    args = ["create-queue", "--queue-name", name]
    if attrs:
        args += ["--attributes", json.dumps(attrs)]
    return sqs(c, *args)["QueueUrl"]


def receive(c, url, n=10, wait=1, vis=None, endpoints=None):
    args = ["receive-message", "--queue-url", url, "--max-number-of-messages", str(n),
            "--wait-time-seconds", str(wait)]
    if vis is not None:
        args += ["--visibility-timeout", str(vis)]
    return sqs(c, *args, timeout_ms=30000, endpoints=endpoints).get("Messages", [])


def run(c, exe, procs):
    old, _ = c.wait_leader()
    log(f"leader: node {old}")
    std = create(c, "fo-std")
    fifo = create(c, "fo-order.fifo", {"FifoQueue": "true"})
    vis = create(c, "fo-vis")
    poll = create(c, "fo-poll")

    # 20 messages received with a VIS_S visibility timeout; 10 deleted.
    for j in range(2):
        entries = [{"Id": f"e{i}", "MessageBody": f"vis-{j * 10 + i}"} for i in range(10)]
        out = sqs(c, "send-message-batch", "--queue-url", vis, "--entries", json.dumps(entries))
        check(len(out.get("Successful", [])) == 10, f"send-message-batch: {out}")
    held, deleted = {}, {}
    t_first_recv = None
    got = {}
    deadline = time.monotonic() + 20
    while len(got) < 20 and time.monotonic() < deadline:
        t = time.monotonic()
        msgs = receive(c, vis, vis=VIS_S)
        if msgs and t_first_recv is None:
            t_first_recv = t
        for m in msgs:
            got[m["Body"]] = m["ReceiptHandle"]
    t_last_recv = time.monotonic()
    check(len(got) == 20, f"received {len(got)} of the 20 visibility messages")
    for i, (b, h) in enumerate(sorted(got.items())):
        (deleted if i % 2 == 0 else held)[b] = h
    entries = [{"Id": f"d{i}", "ReceiptHandle": h} for i, h in enumerate(deleted.values())]
    out = sqs(c, "delete-message-batch", "--queue-url", vis, "--entries", json.dumps(entries))
    check(len(out.get("Successful", [])) == 10, f"delete-message-batch: {out}")

    # A deduplication id used before the kill (resent after it).
    pre = sqs(c, "send-message", "--queue-url", fifo, "--message-body", "pre-dedup",
              "--message-group-id", "gx", "--message-deduplication-id", "pre-dedup")
    check("MessageId" in pre, f"send-message: {pre}")

    # The workload, and a long poll parked on the leader.
    wstd = Proc(c, exe, "send", std, "--senders", "4", "--prefix", "s", name="std")
    procs.append(wstd)
    wfifo = Proc(c, exe, "send", fifo, "--fifo", "--groups", "4", "--prefix", "f", name="fifo")
    procs.append(wfifo)
    lp = Proc(c, exe, "longpoll", poll, "--wait", str(LONG_POLL_S), name="longpoll")
    procs.append(lp)
    wait_until(lambda: "START" in lp.text(), 10, "the long poll to start")
    wait_until(lambda: len(acked(wstd.log)) >= 100 and len(acked(wfifo.log)) >= 100, 30,
               "100 acknowledged sends on each queue")
    v = c.node_view(old)
    check(v and v["role"] == "leader", f"node {old} no longer leads before the kill: {v}")
    check("RECV" not in lp.text(), f"the long poll returned before the kill: {lp.text()}")

    log(f"SIGKILL leader node {old}")
    t_kill = time.monotonic()
    c.kill(old)
    acks_at_kill = (len(acked(wstd.log)), len(acked(wfifo.log)))
    fifo_before = acked(wfifo.log)

    new = None
    while new is None and time.monotonic() < t_kill + LIVENESS_BOUND_S:
        for i in c.members():
            if i != old:
                nv = c.node_view(i, timeout_ms=300)
                if nv and nv["role"] == "leader":
                    new = i
        time.sleep(0.02)
    check(new is not None, f"no new leader within {LIVENESS_BOUND_S} s")
    measure("new_leader_elected_after_kill_ms", round((time.monotonic() - t_kill) * 1000), "ms")
    wait_until(lambda: len(acked(wstd.log)) > acks_at_kill[0] + 8
               and len(acked(wfifo.log)) > acks_at_kill[1] + 8,
               LIVENESS_BOUND_S, "sends to be acknowledged again after the kill")
    measure("sends_resumed_after_kill_ms", round((time.monotonic() - t_kill) * 1000), "ms")
    log(f"new leader: node {new}")

    # Not before the visibility timeout: none of the 20 is received by a
    # receive that ends before the first of them could be visible again
    # (receives with VisibilityTimeout 0 disturb nothing). Asked of the
    # survivors only, so a CLI process does not spend its time on the dead
    # node.
    live = ",".join(c.client_address(i) for i in c.members() if i != old)
    early, checked = [], 0
    while time.monotonic() < t_kill + 5:
        bodies = [m["Body"] for m in receive(c, vis, wait=1, vis=0, endpoints=live)]
        if time.monotonic() < t_first_recv + VIS_S:
            checked += 1
            early += bodies
    measure("visibility_checks_before_timeout", checked)
    check(checked > 0, "no receive finished on the new leader before the visibility "
          "timeout ended (the failover or the CLI was too slow to check)")
    expect(not early, f"received before their visibility timeout ended: {sorted(early)}")

    # Deduplication across the failover: the ids of acked sends from before
    # the kill, sent again on the new leader.
    again = sqs(c, "send-message", "--queue-url", fifo, "--message-body", "pre-dedup-again",
                "--message-group-id", "gx", "--message-deduplication-id", "pre-dedup")
    expect(again.get("MessageId") == pre["MessageId"],
           f"dedup id sent again after the failover: MessageId {again.get('MessageId')}, "
           f"the original was {pre['MessageId']}")
    b0, mid0 = fifo_before[0]
    again = sqs(c, "send-message", "--queue-url", fifo, "--message-body", "dup-" + b0,
                "--message-group-id", "g" + b0.split("-")[1], "--message-deduplication-id", b0)
    expect(again.get("MessageId") == mid0,
           f"dedup id {b0} sent again after the failover: MessageId {again.get('MessageId')}, "
           f"the original was {mid0}")

    # The long poll returned; the same client's next call succeeded.
    wait_until(lambda: "NEXT" in lp.text(), LONG_POLL_S + 20,
               "the long poll parked on the old leader to return and the next call to finish")
    lp.stop()
    text = lp.text()
    log("long poll client: " + " | ".join(text.split("\n")[1:3]))
    recv = dict(kv.split("=", 1) for kv in text.split("RECV ", 1)[1].split("\n", 1)[0].split())
    nxt = dict(kv.split("=", 1) for kv in text.split("NEXT ", 1)[1].split("\n", 1)[0].split())
    measure("long_poll_returned_after_ms", int(recv["ms"]), "ms")
    expect(nxt["rc"] == "0", f"the call after the long poll failed: {text}")

    time.sleep(1)
    wstd.stop()
    wfifo.stop()

    # Received-not-deleted messages come back after their timeout.
    wait_until(lambda: time.monotonic() > t_last_recv + VIS_S + 0.5, VIS_S + 5,
               "the visibility timeout to end")
    back = {}
    deadline = time.monotonic() + 15
    while set(back) != set(held) and time.monotonic() < deadline:
        for m in receive(c, vis, wait=1):
            back[m["Body"]] = True
    expect(set(back) == set(held),
           f"after the visibility timeout: got {sorted(back)}, expected the kept {sorted(held)}")
    expect(not set(back) & set(deleted), f"deleted messages reappeared: {sorted(set(back) & set(deleted))}")

    # Drain both queues on the new leader and compare with the ack logs.
    for url, name in ((std, "std"), (fifo, "fifo")):
        d = Proc(c, exe, "drain", url, "--idle-ms", "3000", name=f"drain-{name}")
        procs.append(d)
        d.p.wait(120)
        check(d.p.returncode == 0, f"drain {name}: {open(d.err).read()[-2000:]}")
        got = [b for k, b, _ in read_log(d.log) if k == "r"]
        w = wstd if name == "std" else wfifo
        rows = read_log(w.log)
        sent = {b for k, b, _ in rows if k == "s"}
        ack = {b for k, b, _ in rows if k == "a"}
        failed = sum(1 for k, _, _ in rows if k == "f")
        counts = {}
        for b in got:
            counts[b] = counts.get(b, 0) + 1
        lost = sorted(ack - set(counts))
        phantom = sorted(b for b in counts if b not in sent and not b.startswith(("pre-", "dup-")))
        dups = sum(n - 1 for n in counts.values())
        measure(f"{name}_acked", len(ack))
        measure(f"{name}_failed_sends", failed)
        measure(f"{name}_lost_acked", len(lost))
        measure(f"{name}_duplicates", dups)
        expect(not lost, f"{name}: {len(lost)} acknowledged sends never received: {lost[:10]}")
        expect(not phantom, f"{name}: received messages never sent: {phantom[:10]}")
        if name == "fifo":
            expect(dups == 0, f"fifo: {dups} duplicate deliveries")
            expect(counts.get("pre-dedup") == 1 and "pre-dedup-again" not in counts
                   and "dup-" + b0 not in counts,
                   f"fifo dedup across the failover: pre-dedup x{counts.get('pre-dedup')}, "
                   f"pre-dedup-again x{counts.get('pre-dedup-again')}, dup-{b0} x{counts.get('dup-' + b0)}")
            last = {}
            bad = []
            for b in got:
                if not b.startswith("f-"):
                    continue
                _, g, k = b.split("-")
                if int(k) <= last.get(g, 0):
                    bad.append(f"group g{g}: {k} after {last[g]}")
                last[g] = int(k)
            expect(not bad, f"fifo order broken: {bad[:10]}")
            log(f"fifo: {len(got)} received, order held in {len(last)} groups")

    c.converged()
    t = time.monotonic()
    c.start(old)
    c.converged(expect=c.members(), timeout=40)
    measure("restarted_node_caught_up_ms", round((time.monotonic() - t) * 1000), "ms")


if __name__ == "__main__":
    run_test("sqs_failover", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
