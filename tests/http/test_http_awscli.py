#!/usr/bin/env python3
"""The unmodified Debian AWS CLI (2.9, SQS over the AWS Query protocol)
against a 3-node cluster's HTTP endpoints, auth off.

Property: `aws --endpoint-url http://NODE sqs ...` works for every SQS
operation whether NODE is the leader or a follower (a follower forwards):
create-queue (with attributes and tags) / get-queue-url / list-queues /
get- and set-queue-attributes / tag-queue / list-queue-tags / untag-queue /
delete-queue; send-message with String, Number and Binary message attributes
(MD5OfMessageBody and MD5OfMessageAttributes exactly as AWS computes them)
and receive-message returning them; send-message-batch,
delete-message-batch, change-message-visibility(-batch) (visibility 0 makes
a message receivable again); a FIFO queue keeps a group's order and drops a
duplicate deduplication id; a long poll on an empty queue
(--wait-time-seconds 2) returns no message, and one running while a message
is sent returns that message; a RedrivePolicy with maxReceiveCount=1 moves a
message received twice to the dead-letter queue (which then lists its
source queue); purge-queue empties a queue; list-queues pages with NextToken
(--page-size, --max-items/--starting-token); a missing queue is exit status
254 with AWS.SimpleQueueService.NonExistentQueue (or QueueDoesNotExist) on
stderr. All nodes stay up and converge.
"""
import base64
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httptest import (AWS_ENV_NOAUTH, TestFailure, check, check_http_endpoints_env,  # noqa: E402
                      clean_env, end_checks, ensure_awscli, expect, http_url, log,
                      md5_hex, md5_of_attributes, qpath, qpaths, roles, run, wait_http,
                      wait_until)
from harness import run_test  # noqa: E402

P = "cli-"  # queue name prefix


class Aws:
    """`aws --endpoint-url URL --output json sqs ...` with auth-off credentials."""

    def __init__(self, c, aws, env_extra=None):
        self.c = c
        self.aws = aws
        self.env = clean_env(dict(AWS_ENV_NOAUTH, **(env_extra or {})))

    def raw(self, node, *args, timeout=120):
        cmd = [self.aws, "--endpoint-url", http_url(self.c, node), "--output", "json",
               "--cli-read-timeout", "60", "--cli-connect-timeout", "20", "sqs", *args]
        rc, out, err = run(cmd, env=self.env, timeout=timeout)
        doc = None
        if out.strip():
            try:
                doc = json.loads(out)
            except ValueError:
                raise TestFailure(f"aws sqs {' '.join(args)[:200]} (node {node}): stdout is not "
                                  f"JSON: {out[:300]!r}")
        return rc, doc, err.strip()

    def ok(self, node, *args, **kw):
        rc, doc, err = self.raw(node, *args, **kw)
        check(rc == 0, f"aws sqs {' '.join(args)[:300]} (node {node}): exit status {rc}: {err[-1500:]}")
        return doc or {}

    def popen(self, node, *args):
        cmd = [self.aws, "--endpoint-url", http_url(self.c, node), "--output", "json",
               "--cli-read-timeout", "60", "sqs", *args]
        return subprocess.Popen(cmd, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def attrs_of(a, node, url, *names):
    return a.ok(node, "get-queue-attributes", "--queue-url", url,
                "--attribute-names", *(names or ("All",))).get("Attributes", {})


def receive_all(a, node, url, want, what, extra=(), rounds=20):
    """Receive until `want` messages came (deduplicated by MessageId)."""
    got = {}
    for _ in range(rounds):
        out = a.ok(node, "receive-message", "--queue-url", url, "--max-number-of-messages", "10",
                   "--wait-time-seconds", "2", *extra)
        for m in out.get("Messages", []):
            got[m["MessageId"]] = m
        if len(got) >= want:
            break
    check(len(got) >= want, f"{what}: received {len(got)} of {want} messages")
    return got


def body(c):
    aws = ensure_awscli()
    leader, followers = roles(c)
    f1, f2 = followers[0], followers[-1]
    log(f"leader: node {leader}; followers: {followers}")
    wait_http(c)
    check_http_endpoints_env(c)
    a = Aws(c, aws)

    # -- create / get-url / list / attributes / tags, through a follower ----------
    out = a.ok(f1, "create-queue", "--queue-name", P + "std",
               "--attributes", "VisibilityTimeout=30,DelaySeconds=0",
               "--tags", "env=test")
    url = out.get("QueueUrl")
    check(isinstance(url, str) and url.endswith("/" + P + "std"), f"create-queue: {out}")
    log(f"queue url: {url}")
    again = a.ok(leader, "create-queue", "--queue-name", P + "std",
                 "--attributes", "VisibilityTimeout=30,DelaySeconds=0")
    expect(url.startswith(http_url(c, f1) + "/"),
           f"create-queue on node {f1} returned {url}: not a URL of the node the client used")
    expect(qpath(again.get("QueueUrl")) == qpath(url),
           f"create-queue again (same attributes): {again}, expected {url}")
    for n in (f1, leader, f2):
        out = a.ok(n, "get-queue-url", "--queue-name", P + "std")
        expect(out.get("QueueUrl") == http_url(c, n) + qpath(url), f"get-queue-url on node {n}: {out}")
    out = a.ok(f2, "list-queues", "--queue-name-prefix", P)
    check(qpath(url) in qpaths(out.get("QueueUrls")), f"list-queues --queue-name-prefix {P}: {out}")

    at = attrs_of(a, f1, url)
    expect(at.get("VisibilityTimeout") == "30", f"VisibilityTimeout after create: {at}")
    expect(at.get("ApproximateNumberOfMessages") == "0", f"new queue not empty: {at}")
    expect(str(at.get("QueueArn", "")).endswith(":" + P + "std"), f"QueueArn: {at}")
    a.ok(f1, "set-queue-attributes", "--queue-url", url,
         "--attributes", "VisibilityTimeout=45,MaximumMessageSize=262144")
    at = attrs_of(a, f2, url, "VisibilityTimeout", "MaximumMessageSize")
    expect(at.get("VisibilityTimeout") == "45" and at.get("MaximumMessageSize") == "262144",
           f"attributes after set-queue-attributes: {at}")
    a.ok(f1, "set-queue-attributes", "--queue-url", url, "--attributes", "VisibilityTimeout=30")

    a.ok(f2, "tag-queue", "--queue-url", url, "--tags", "team=a,cost=1")
    tags = a.ok(f1, "list-queue-tags", "--queue-url", url).get("Tags", {})
    expect(tags == {"env": "test", "team": "a", "cost": "1"}, f"list-queue-tags: {tags}")
    a.ok(f1, "untag-queue", "--queue-url", url, "--tag-keys", "env", "cost")
    tags = a.ok(leader, "list-queue-tags", "--queue-url", url).get("Tags", {})
    expect(tags == {"team": "a"}, f"list-queue-tags after untag-queue env cost: {tags}")

    # -- send / receive with message attributes (the CLI checks nothing; we do) -----
    mattrs = {"color": {"DataType": "String", "StringValue": "red"},
              "n": {"DataType": "Number", "StringValue": "42"},
              "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"},
              "uni.code_x": {"DataType": "String.custom", "StringValue": "kïnd ✓"}}
    cli_attrs = {k: ({"DataType": v["DataType"],
                      "BinaryValue": base64.b64encode(v["BinaryValue"]).decode()}
                     if "BinaryValue" in v else v) for k, v in mattrs.items()}
    text = "hello from the aws cli — ünïcode & <xml> chars\n\ttab"
    out = a.ok(f1, "send-message", "--queue-url", url, "--message-body", text,
               "--message-attributes", json.dumps(cli_attrs))
    check("MessageId" in out, f"send-message: {out}")
    expect(out.get("MD5OfMessageBody") == md5_hex(text),
           f"send-message MD5OfMessageBody {out.get('MD5OfMessageBody')}, expected {md5_hex(text)}")
    expect(out.get("MD5OfMessageAttributes") == md5_of_attributes(mattrs),
           f"send-message MD5OfMessageAttributes {out.get('MD5OfMessageAttributes')}, "
           f"expected {md5_of_attributes(mattrs)}")
    mid = out["MessageId"]

    got = receive_all(a, f2, url, 1, "receive-message with attributes",
                      ("--message-attribute-names", "All", "--attribute-names", "All"))
    check(mid in got, f"received {list(got)}, expected message {mid}")
    m = got[mid]
    expect(m.get("Body") == text, f"Body {m.get('Body')!r}, expected {text!r}")
    expect(m.get("MD5OfBody") == md5_hex(text), f"MD5OfBody {m.get('MD5OfBody')}")
    expect(m.get("MD5OfMessageAttributes") == md5_of_attributes(mattrs),
           f"MD5OfMessageAttributes {m.get('MD5OfMessageAttributes')} on receive")
    ma = m.get("MessageAttributes", {})
    expect(set(ma) == set(mattrs), f"MessageAttributes names {sorted(ma)}")
    expect(ma.get("color", {}).get("StringValue") == "red", f"attribute color: {ma.get('color')}")
    expect(ma.get("n", {}).get("DataType") == "Number" and ma.get("n", {}).get("StringValue") == "42",
           f"attribute n: {ma.get('n')}")
    expect(ma.get("blob", {}).get("BinaryValue") == base64.b64encode(b"\x00\x01\xfe\xff").decode(),
           f"attribute blob: {ma.get('blob')}")
    expect(ma.get("uni.code_x", {}).get("StringValue") == "kïnd ✓", f"attribute uni.code_x: {ma.get('uni.code_x')}")
    sa = m.get("Attributes", {})
    for k in ("SenderId", "SentTimestamp", "ApproximateReceiveCount",
              "ApproximateFirstReceiveTimestamp"):
        expect(k in sa, f"receive --attribute-names All lacks {k}: {sa}")
    expect(sa.get("ApproximateReceiveCount") == "1", f"ApproximateReceiveCount: {sa}")

    # change-message-visibility to 0: receivable again at once.
    a.ok(leader, "change-message-visibility", "--queue-url", url,
         "--receipt-handle", m["ReceiptHandle"], "--visibility-timeout", "0")
    got = receive_all(a, f1, url, 1, "receive after change-message-visibility 0")
    check(mid in got, f"after change-message-visibility 0: received {list(got)}")
    rc, out, err = a.raw(f1, "delete-message", "--queue-url", url,
                         "--receipt-handle", got[mid]["ReceiptHandle"])
    check(rc == 0 and out is None, f"delete-message: status {rc}, output {out}, {err[-500:]}")

    # -- batches ------------------------------------------------------------------------
    entries = [{"Id": f"e{k}", "MessageBody": f"batch body {k}"} for k in range(3)]
    entries[1]["MessageAttributes"] = {"k": {"DataType": "String", "StringValue": "v"}}
    out = a.ok(f2, "send-message-batch", "--queue-url", url, "--entries", json.dumps(entries))
    ok_ids = {e["Id"]: e for e in out.get("Successful", [])}
    check(set(ok_ids) == {"e0", "e1", "e2"} and not out.get("Failed"),
          f"send-message-batch: {out}")
    for e in entries:
        s = ok_ids[e["Id"]]
        expect(s.get("MD5OfMessageBody") == md5_hex(e["MessageBody"]), f"batch entry MD5: {s}")
    expect(ok_ids["e1"].get("MD5OfMessageAttributes") ==
           md5_of_attributes(entries[1]["MessageAttributes"]), f"batch entry e1 attr MD5: {ok_ids['e1']}")
    got = receive_all(a, leader, url, 3, "receive the batch", ("--message-attribute-names", "All"))
    bodies = sorted(m["Body"] for m in got.values())
    check(bodies == [e["MessageBody"] for e in entries], f"batch bodies received: {bodies}")
    vis = [{"Id": f"v{k}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
           for k, m in enumerate(got.values())]
    out = a.ok(f1, "change-message-visibility-batch", "--queue-url", url, "--entries", json.dumps(vis))
    expect(len(out.get("Successful", [])) == 3 and not out.get("Failed"),
           f"change-message-visibility-batch: {out}")
    got = receive_all(a, f2, url, 3, "receive after change-message-visibility-batch 0")
    dels = [{"Id": f"d{k}", "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(got.values())]
    out = a.ok(f1, "delete-message-batch", "--queue-url", url, "--entries", json.dumps(dels))
    check(len(out.get("Successful", [])) == 3 and not out.get("Failed"),
          f"delete-message-batch: {out}")
    out = a.ok(f2, "receive-message", "--queue-url", url, "--wait-time-seconds", "1")
    check(not out.get("Messages"), f"a deleted message came back: {out}")

    # -- long poll --------------------------------------------------------------------------
    out = a.ok(f1, "receive-message", "--queue-url", url, "--wait-time-seconds", "2")
    check(not out.get("Messages"), f"long poll on an empty queue returned {out}")
    p = a.popen(f2, "receive-message", "--queue-url", url, "--wait-time-seconds", "20")
    time.sleep(3)
    a.ok(leader, "send-message", "--queue-url", url, "--message-body", "during the long poll")
    try:
        lp_out, lp_err = p.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise TestFailure("a long poll (--wait-time-seconds 20) did not return within 90 s")
    check(p.returncode == 0, f"long poll: exit status {p.returncode}: {lp_err[-1000:]}")
    msgs = json.loads(lp_out).get("Messages", []) if lp_out.strip() else []
    check([m["Body"] for m in msgs] == ["during the long poll"],
          f"a long poll running while a message was sent returned {msgs}")
    a.ok(f2, "delete-message", "--queue-url", url, "--receipt-handle", msgs[0]["ReceiptHandle"])

    # -- FIFO ------------------------------------------------------------------------------
    out = a.ok(f2, "create-queue", "--queue-name", P + "order.fifo",
               "--attributes", "FifoQueue=true,ContentBasedDeduplication=false")
    furl = out.get("QueueUrl", "")
    check(furl.endswith("/" + P + "order.fifo"), f"create-queue FIFO: {out}")
    fat = attrs_of(a, f1, furl, "FifoQueue", "ContentBasedDeduplication")
    expect(fat.get("FifoQueue") == "true", f"FIFO queue attributes: {fat}")
    seqs = []
    first_ids = {}
    for k, node in zip(range(5), (f1, leader, f2, f1, leader)):
        out = a.ok(node, "send-message", "--queue-url", furl, "--message-body", f"fifo {k}",
                   "--message-group-id", "g1", "--message-deduplication-id", f"d{k}")
        check("MessageId" in out, f"FIFO send-message: {out}")
        expect(out.get("SequenceNumber"), f"FIFO send-message without SequenceNumber: {out}")
        seqs.append(int(out.get("SequenceNumber") or 0))
        first_ids[k] = out["MessageId"]
    expect(seqs == sorted(seqs) and len(set(seqs)) == 5, f"FIFO sequence numbers: {seqs}")
    dup = a.ok(f2, "send-message", "--queue-url", furl, "--message-body", "fifo 1 again",
               "--message-group-id", "g1", "--message-deduplication-id", "d1")
    expect(dup.get("MessageId") == first_ids[1],
           f"duplicate dedup id: MessageId {dup.get('MessageId')}, expected the first's {first_ids[1]}")
    order = []
    for _ in range(20):
        out = a.ok(f1, "receive-message", "--queue-url", furl, "--max-number-of-messages", "10",
                   "--wait-time-seconds", "2", "--attribute-names", "All")
        ms = out.get("Messages", [])
        for m in ms:
            order.append(m["Body"])
            expect(m.get("Attributes", {}).get("MessageGroupId") == "g1", f"FIFO message attrs: {m}")
            a.ok(leader, "delete-message", "--queue-url", furl, "--receipt-handle", m["ReceiptHandle"])
        if len(order) >= 5:
            break
    check(order == [f"fifo {k}" for k in range(5)], f"FIFO order received: {order}")
    out = a.ok(f2, "receive-message", "--queue-url", furl, "--wait-time-seconds", "1")
    check(not out.get("Messages"), f"the duplicate was delivered: {out}")

    # -- dead-letter queue -------------------------------------------------------------------
    out = a.ok(f1, "create-queue", "--queue-name", P + "dlq")
    dlq = out["QueueUrl"]
    dlq_arn = attrs_of(a, f2, dlq, "QueueArn").get("QueueArn")
    check(dlq_arn, f"DLQ QueueArn: {dlq_arn}")
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})
    out = a.ok(f2, "create-queue", "--queue-name", P + "src",
               "--attributes", json.dumps({"VisibilityTimeout": "0", "RedrivePolicy": policy}))
    src = out["QueueUrl"]
    rp = attrs_of(a, leader, src, "RedrivePolicy").get("RedrivePolicy")
    try:
        rpd = json.loads(rp)
    except (TypeError, ValueError):
        rpd = None
    expect(isinstance(rpd, dict) and rpd.get("deadLetterTargetArn") == dlq_arn
           and str(rpd.get("maxReceiveCount")) == "1", f"RedrivePolicy read back: {rp!r}")
    sent = a.ok(f1, "send-message", "--queue-url", src, "--message-body", "poison")["MessageId"]
    receives = 0
    moved = None
    for _ in range(30):
        out = a.ok(f2, "receive-message", "--queue-url", src, "--wait-time-seconds", "1")
        receives += len(out.get("Messages", []))
        out = a.ok(f1, "receive-message", "--queue-url", dlq, "--wait-time-seconds", "1",
                   "--attribute-names", "All")
        if out.get("Messages"):
            moved = out["Messages"][0]
            break
    check(moved is not None, f"the message was not moved to the DLQ (received {receives} times "
                             f"from the source queue)")
    expect(receives == 1, f"received {receives} times from the source before it moved "
                          f"(maxReceiveCount=1: expected 1)")
    expect(moved.get("Body") == "poison" and moved.get("MessageId") == sent,
           f"DLQ message: {moved}, expected body 'poison', MessageId {sent}")
    out = a.ok(leader, "list-dead-letter-source-queues", "--queue-url", dlq)
    expect(qpaths(out.get("queueUrls") or out.get("QueueUrls")) == [qpath(src)],
           f"list-dead-letter-source-queues: {out}, expected [{src}]")

    # -- purge ---------------------------------------------------------------------------------
    for k in range(3):
        a.ok(f1, "send-message", "--queue-url", url, "--message-body", f"to purge {k}")
    wait_until(lambda: attrs_of(a, f2, url, "ApproximateNumberOfMessages")
               .get("ApproximateNumberOfMessages") == "3", 30, "3 messages before the purge",
               interval=0.5)
    rc, out, err = a.raw(f2, "purge-queue", "--queue-url", url)
    check(rc == 0, f"purge-queue: status {rc}: {err[-800:]}")
    wait_until(lambda: attrs_of(a, f1, url, "ApproximateNumberOfMessages")
               .get("ApproximateNumberOfMessages") == "0", 60, "the queue to be empty after purge",
               interval=0.5)
    out = a.ok(leader, "receive-message", "--queue-url", url, "--wait-time-seconds", "1")
    check(not out.get("Messages"), f"a purged message was received: {out}")

    # -- list-queues pagination (NextToken through the Query protocol) ---------------------------
    pages = [P + f"page-{k}" for k in range(5)]
    for k, name in enumerate(pages):
        a.ok((f1, leader, f2)[k % 3], "create-queue", "--queue-name", name)
    out = a.ok(f2, "list-queues", "--queue-name-prefix", P + "page-", "--page-size", "2")
    expect(qpaths(out.get("QueueUrls")) == sorted("/000000000000/" + n for n in pages),
           f"list-queues --page-size 2 (the CLI follows NextToken): {out}")
    out = a.ok(f1, "list-queues", "--queue-name-prefix", P + "page-", "--max-items", "3")
    expect(len(out.get("QueueUrls", [])) == 3 and out.get("NextToken"),
           f"list-queues --max-items 3: {out} (expected 3 URLs and a NextToken)")
    if out.get("NextToken"):
        rest = a.ok(leader, "list-queues", "--queue-name-prefix", P + "page-",
                    "--starting-token", out["NextToken"])
        expect(sorted(qpaths(out.get("QueueUrls")) + qpaths(rest.get("QueueUrls"))) ==
               sorted("/000000000000/" + n for n in pages),
               f"list-queues pages: {out.get('QueueUrls')} then {rest.get('QueueUrls')}")
    for k, name in enumerate(pages):
        a.ok((f1, leader, f2)[k % 3], "delete-queue", "--queue-url",
             http_url(c, (f1, leader, f2)[k % 3]) + "/000000000000/" + name)

    # -- errors --------------------------------------------------------------------------------
    for n in (f1, leader):
        rc, out, err = a.raw(n, "get-queue-url", "--queue-name", P + "missing")
        check(rc == 254, f"get-queue-url of a missing queue on node {n}: exit status {rc} "
                         f"(expected 254), stderr {err[-500:]!r}")
        check("AWS.SimpleQueueService.NonExistentQueue" in err or "QueueDoesNotExist" in err,
              f"get-queue-url of a missing queue on node {n}: stderr {err[-500:]!r}")
    missing_url = url.rsplit("/", 1)[0] + "/" + P + "missing"
    rc, out, err = a.raw(f2, "send-message", "--queue-url", missing_url, "--message-body", "x")
    expect(rc == 254 and ("NonExistentQueue" in err or "QueueDoesNotExist" in err),
           f"send-message to a missing queue: status {rc}, stderr {err[-500:]!r}")
    rc, out, err = a.raw(f1, "create-queue", "--queue-name", "bad name!")
    expect(rc == 254 and ("InvalidParameterValue" in err or "InvalidAttributeName" in err
                          or "InvalidParameter" in err),
           f"create-queue with an invalid name: status {rc}, stderr {err[-500:]!r}")

    # -- delete-queue ------------------------------------------------------------------------------
    for q in (url, furl, src, dlq):
        rc, out, err = a.raw(f1 if q != dlq else leader, "delete-queue", "--queue-url", q)
        check(rc == 0 and out is None, f"delete-queue {q}: status {rc}, output {out}, {err[-500:]}")
    wait_until(lambda: not a.ok(f2, "list-queues", "--queue-name-prefix", P).get("QueueUrls"),
               30, "list-queues to list no queue after delete-queue", interval=0.5)
    rc, out, err = a.raw(leader, "get-queue-url", "--queue-name", P + "std")
    expect(rc == 254, f"get-queue-url after delete-queue: status {rc}, {out}")
    end_checks(c)


if __name__ == "__main__":
    run_test("http_awscli", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
