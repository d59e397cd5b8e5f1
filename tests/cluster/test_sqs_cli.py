#!/usr/bin/env python3
"""`stratus sqs` round trip against a real 3-node cluster.

Property: the CLI drives the replicated SQS service with the AWS CLI's
operations, options and output shapes: create-queue returns a QueueUrl that
get-queue-url (and --queue-name in place of --queue-url) resolves to; every
message sent (with shorthand message attributes) is received with its body,
its MessageId and MD5OfBody = MD5(body), and once deleted (delete-message
prints nothing, like aws) is not received again; get-queue-attributes
--attribute-names All reports the queue empty and its QueueArn;
list-queues lists the queue, and no longer once delete-queue has run; a
service error (get-queue-url of a missing queue) is
{"Error":{"Name":"QueueDoesNotExist",...}} on stderr with exit status 254
(the AWS CLI v2's code for a service error; 252 for a usage error); a
long poll longer than the CLI's --timeout-ms (receive-message
--wait-time-seconds 6 with --timeout-ms 2000 on an empty queue) is not cut
short client-side: it returns normally after about 6 s.
"""
import hashlib
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, expect, log, measure, run_test  # noqa: E402

QUEUE = "cli-round-trip"


def sqs(c, *args, timeout_ms=10000):
    """Run `stratus sqs ARGS`; returns (status, stdout JSON or None when
    empty, stderr Error object or the raw stderr)."""
    cmd = [c.bins["stratus"], "--endpoints", c.endpoints(),
           "--timeout-ms", str(timeout_ms), "sqs", *args]
    try:
        p = subprocess.run(cmd, env=c.env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout_ms / 1000 + 60)
    except subprocess.TimeoutExpired:
        raise TestFailure(f"stratus sqs {' '.join(args)}: hung")
    out = None
    if p.stdout.strip():
        try:
            out = json.loads(p.stdout)
        except ValueError:
            raise TestFailure(f"stratus sqs {' '.join(args)}: output is not JSON: {p.stdout[:300]!r}")
    err = p.stderr.strip()
    try:
        err = json.loads(err)["Error"]
    except (ValueError, KeyError, TypeError):
        pass
    return p.returncode, out, err


def ok(c, *args, **kw):
    rc, out, err = sqs(c, *args, **kw)
    check(rc == 0, f"stratus sqs {' '.join(args)}: status {rc}: {err}")
    return out


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def body(c):
    c.wait_leader()

    out = ok(c, "create-queue", "--queue-name", QUEUE,
             "--attributes", "VisibilityTimeout=30,DelaySeconds=0")
    check(isinstance(out, dict) and "QueueUrl" in out, f"create-queue output: {out}")
    url = out["QueueUrl"]
    log(f"queue url: {url}")
    out = ok(c, "get-queue-url", "--queue-name", QUEUE)
    check(out == {"QueueUrl": url}, f"get-queue-url: {out}, expected {url}")

    sent = {}
    for text, via in (("hello, queue", ["--queue-url", url]),
                      ("second message", ["--queue-name", QUEUE])):
        out = ok(c, "send-message", *via, "--message-body", text,
                 "--message-attributes", "color={DataType=String,StringValue=red}")
        check(out and "MessageId" in out, f"send-message output: {out}")
        expect(out.get("MD5OfMessageBody") == md5(text),
               f"MD5OfMessageBody {out.get('MD5OfMessageBody')} != md5({text!r})")
        sent[out["MessageId"]] = text

    received = {}
    deadline = time.monotonic() + 20
    while len(received) < len(sent) and time.monotonic() < deadline:
        out = ok(c, "receive-message", "--queue-url", url,
                 "--max-number-of-messages", "10", "--wait-time-seconds", "2",
                 "--message-attribute-names", "All", timeout_ms=30000)
        for m in (out or {}).get("Messages", []):
            check(m["MessageId"] in sent, f"received an unknown message {m}")
            check(m["Body"] == sent[m["MessageId"]], f"body mismatch: {m}")
            expect(m.get("MD5OfBody") == md5(m["Body"]), f"MD5OfBody mismatch: {m}")
            expect(m.get("MessageAttributes", {}).get("color", {}).get("StringValue") == "red",
                   f"message attribute not returned: {m}")
            received[m["MessageId"]] = m["ReceiptHandle"]
    check(len(received) == len(sent),
          f"received {len(received)} of {len(sent)} messages within 20 s")
    for mid, handle in received.items():
        rc, out, err = sqs(c, "delete-message", "--queue-url", url, "--receipt-handle", handle)
        check(rc == 0, f"delete-message {mid}: status {rc}: {err}")
        expect(out is None, f"delete-message printed {out} (aws prints nothing)")

    out = ok(c, "receive-message", "--queue-url", url, "--wait-time-seconds", "1",
             "--visibility-timeout", "0", timeout_ms=30000)
    check(not (out or {}).get("Messages"), f"a deleted message came back: {out}")

    out = ok(c, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")
    attrs = (out or {}).get("Attributes", {})
    expect(attrs.get("ApproximateNumberOfMessages") == "0",
           f"ApproximateNumberOfMessages after deleting all: {attrs}")
    expect(attrs.get("VisibilityTimeout") == "30", f"VisibilityTimeout: {attrs}")
    expect(str(attrs.get("QueueArn", "")).endswith(":" + QUEUE), f"QueueArn: {attrs}")

    out = ok(c, "list-queues", "--queue-name-prefix", QUEUE[:3])
    check(url in (out or {}).get("QueueUrls", []), f"list-queues lacks {url}: {out}")

    rc, out, err = sqs(c, "get-queue-url", "--queue-name", "no-such-queue")
    check(rc == 254, f"get-queue-url of a missing queue: status {rc} (expected 254)")
    check(isinstance(err, dict) and err.get("Name") == "QueueDoesNotExist",
          f"get-queue-url of a missing queue: stderr {err}")

    rc, out, err = sqs(c, "get-queue-url", "--queue-name")
    check(rc == 252, f"get-queue-url --queue-name without a value: status {rc} (expected 252)")

    # A long poll outlasts the CLI's --timeout-ms without being cut short.
    t = time.monotonic()
    rc, out, err = sqs(c, "receive-message", "--queue-url", url,
                       "--wait-time-seconds", "6", timeout_ms=2000)
    took = time.monotonic() - t
    measure("long_poll_6s_took_ms", round(took * 1000), "ms")
    check(rc == 0, f"receive-message --wait-time-seconds 6 --timeout-ms 2000: status {rc}: {err}")
    expect(5.0 <= took < 15.0, f"a 6 s long poll took {took:.1f} s")

    rc, out, err = sqs(c, "delete-queue", "--queue-url", url)
    check(rc == 0 and out is None, f"delete-queue: status {rc}, output {out}, {err}")
    out = ok(c, "list-queues")
    expect(url not in (out or {}).get("QueueUrls", []), f"deleted queue still listed: {out}")
    c.converged(expect=c.members())


if __name__ == "__main__":
    run_test("sqs_cli", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
