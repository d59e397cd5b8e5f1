#!/usr/bin/env python3
"""SQS message move tasks run over time, paced, across a leader failover.

Property: start-message-move-task with --max-number-of-messages-per-second
10 on a dead-letter queue holding 40 messages returns at once with the task
RUNNING (list-message-move-tasks shows its TaskHandle,
ApproximateNumberOfMessagesToMove 40 and a moved count that never exceeds
10 per elapsed second plus one second's burst); only one task runs per
source queue (a second start is InvalidParameterValue); the leader is
SIGKILLed mid-task and the new leader continues it to COMPLETED with all 40
messages in the destination, none left in the source and none duplicated;
a second task at 1 message/s is stopped by cancel-message-move-task
(CANCELLED, nothing moves afterwards); the leader's internal step action
(AdvanceMessageMoveTask) sent by a client over HTTP is refused as
InvalidAction; every replica converges to one state digest, the killed
node included once restarted.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (TestFailure, check, expect, log, measure, node_ports,  # noqa: E402
                     run_test, wait_until)
from test_sqs_cli import ok, sqs  # noqa: E402

ARN = "arn:aws:sqs:us-east-1:000000000000:"


def newest_task(c, src):
    out = ok(c, "list-message-move-tasks", "--source-arn", ARN + src)
    res = (out or {}).get("Results", [])
    check(res, f"list-message-move-tasks {src}: no task: {out}")
    return res[0]


def count(c, q):
    out = ok(c, "get-queue-attributes", "--queue-name", q, "--attribute-names",
             "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
    a = out["Attributes"]
    return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])


def fill(c, q, n, tag):
    for k in range(0, n, 10):
        entries = [f"Id={i},MessageBody={tag}-{i}" for i in range(k, min(n, k + 10))]
        out = ok(c, "send-message-batch", "--queue-name", q, "--entries", *entries)
        check(len(out.get("Successful", [])) == len(entries), f"send-message-batch: {out}")


def body(c):
    lid, _ = c.wait_leader()
    for q in ("dl", "dest"):
        ok(c, "create-queue", "--queue-name", q)
    ok(c, "create-queue", "--queue-name", "src", "--attributes",
       '{"RedrivePolicy": "{\\"deadLetterTargetArn\\":\\"' + ARN +
       'dl\\",\\"maxReceiveCount\\":\\"3\\"}"}')
    fill(c, "dl", 40, "m")

    t0 = time.monotonic()
    out = ok(c, "start-message-move-task", "--source-arn", ARN + "dl",
             "--destination-arn", ARN + "dest",
             "--max-number-of-messages-per-second", "10")
    handle = out.get("TaskHandle")
    check(handle, f"start-message-move-task: {out}")
    task = newest_task(c, "dl")
    check(task["Status"] == "RUNNING" and task.get("TaskHandle") == handle,
          f"just started: {task}")
    expect(task.get("ApproximateNumberOfMessagesToMove") == 40, f"to move: {task}")
    rc, _, err = sqs(c, "start-message-move-task", "--source-arn", ARN + "dl")
    check(rc != 0 and isinstance(err, dict) and err.get("Name") == "InvalidParameterValue",
          f"a second running task on dl: status {rc}, {err}")

    time.sleep(1.5)
    task = newest_task(c, "dl")
    elapsed = time.monotonic() - t0
    moved = task.get("ApproximateNumberOfMessagesMoved", 0)
    log(f"after {elapsed:.1f} s: {moved} moved")
    check(0 < moved <= 10 * (elapsed + 1), f"pacing: {moved} moved after {elapsed:.1f} s")
    check(task["Status"] == "RUNNING", f"finished too early: {task}")

    log(f"killing leader {lid} mid-task")
    c.kill(lid)
    new, _ = c.wait_leader(exclude=(lid,))
    log(f"new leader {new}")
    res = {}

    def done():
        try:
            t = newest_task(c, "dl")
        except TestFailure:
            return False
        res["t"] = t
        return t["Status"] != "RUNNING"
    wait_until(done, 30, "the move task to finish on the new leader", interval=0.5)
    took = time.monotonic() - t0
    measure("move_40_at_10_per_s_took_ms", round(took * 1000), "ms")
    task = res["t"]
    check(task["Status"] == "COMPLETED", f"after failover: {task}")
    check(task.get("ApproximateNumberOfMessagesMoved") == 40, f"moved: {task}")
    expect(took >= 2.5, f"40 messages at 10/s moved in {took:.1f} s")
    check(count(c, "dest") == 40 and count(c, "dl") == 0,
          f"dest {count(c, 'dest')}, dl {count(c, 'dl')} (want 40, 0)")

    # Cancel stops a running task.
    fill(c, "dl", 20, "n")
    out = ok(c, "start-message-move-task", "--source-arn", ARN + "dl",
             "--destination-arn", ARN + "dest",
             "--max-number-of-messages-per-second", "1")
    handle = out["TaskHandle"]
    time.sleep(1.5)
    out = ok(c, "cancel-message-move-task", "--task-handle", handle)
    moved = out.get("ApproximateNumberOfMessagesMoved")
    check(moved is not None and moved <= 4, f"cancel-message-move-task: {out}")
    time.sleep(1.5)
    task = newest_task(c, "dl")
    check(task["Status"] == "CANCELLED" and task["ApproximateNumberOfMessagesMoved"] == moved,
          f"after cancel: {task}")
    check(count(c, "dl") == 20 - moved, f"dl after cancel: {count(c, 'dl')}")
    rc, _, err = sqs(c, "cancel-message-move-task", "--task-handle", handle)
    check(rc != 0 and isinstance(err, dict) and err.get("Name") == "ResourceNotFoundException",
          f"cancelling a cancelled task: status {rc}, {err}")

    # Clients cannot send the leader's steps (an INTERNAL action).
    _, _, http = node_ports(c.base, new)
    req = urllib.request.Request(
        f"http://127.0.0.1:{http}/", method="POST",
        data=json.dumps({"SourceQueue": "dl", "TaskHandle": handle}).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0",
                 "X-Amz-Target": "AmazonSQS.AdvanceMessageMoveTask"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raise TestFailure(f"AdvanceMessageMoveTask over HTTP answered {r.status}: {r.read()[:200]}")
    except urllib.error.HTTPError as e:
        body = e.read().decode(errors="replace")
        check(e.code == 400 and "InvalidAction" in body,
              f"AdvanceMessageMoveTask over HTTP: {e.code} {body[:200]}")

    c.start(lid)
    c.converged(expect=c.members(), timeout=40)


if __name__ == "__main__":
    run_test("sqs_move", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
