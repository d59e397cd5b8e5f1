"""The SQS round trip through boto3 — run as a child process by
test_http_boto3.py with the Python under test (Debian's /usr/bin/python3
with boto3 1.26: the Query protocol; a newer boto3: AWS JSON 1.0).

    PYTHON boto3_roundtrip.py --prefix P URL_FOLLOWER URL_LEADER URL_FOLLOWER2

Prints one line per step, then a JSON summary line "RESULT {...}" with the
protocol botocore used and the list of failed checks; exit status 0 when
every check passed, 1 otherwise (2: the script itself broke).

Depends on boto3/botocore only (and the standard library).
"""
import argparse
import hashlib
import json
import os
import struct
import sys
import threading
import time
import traceback
import urllib.parse

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

failures = []


def log(msg):
    print(msg, flush=True)


def expect(cond, msg):
    if not cond:
        failures.append(msg)
        log(f"CHECK FAILED: {msg}")
    return bool(cond)


class Stop(Exception):
    pass


def check(cond, msg):
    if not expect(cond, msg):
        raise Stop(msg)


def md5_hex(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.md5(data).hexdigest()


def md5_of_attributes(attrs):
    out = b""
    for name in sorted(attrs, key=lambda n: n.encode("utf-8")):
        a = attrs[name]
        n = name.encode("utf-8")
        t = a["DataType"].encode("utf-8")
        out += struct.pack(">I", len(n)) + n + struct.pack(">I", len(t)) + t
        if a.get("BinaryValue") is not None:
            v = a["BinaryValue"]
            out += b"\x02" + struct.pack(">I", len(v)) + v
        else:
            v = a["StringValue"].encode("utf-8")
            out += b"\x01" + struct.pack(">I", len(v)) + v
    return hashlib.md5(out).hexdigest()


def qpath(url):
    """Queue URLs name the host the caller used: compare their paths."""
    return urllib.parse.urlsplit(url).path


def R(r):
    """A response without its ResponseMetadata (for messages)."""
    return {k: v for k, v in r.items() if k != "ResponseMetadata"} if isinstance(r, dict) else r


def error_code(fn, *a, **kw):
    """Call fn; return (ClientError code, HTTP status) or (None, None) if it succeeded."""
    try:
        fn(*a, **kw)
    except ClientError as e:
        return (e.response.get("Error", {}).get("Code"),
                e.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
    return None, None


def receive_all(sqs, url, want, what, rounds=20, **kw):
    got = {}
    for _ in range(rounds):
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2, **kw)
        for m in r.get("Messages", []):
            got[m["MessageId"]] = m
        if len(got) >= want:
            break
    check(len(got) >= want, f"{what}: received {len(got)} of {want} messages")
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True)
    ap.add_argument("urls", nargs=3)
    args = ap.parse_args()
    P = args.prefix
    cfg = Config(region_name="us-east-1", retries={"max_attempts": 3, "mode": "standard"},
                 read_timeout=60, connect_timeout=20)
    # f1, f2: followers; ld: the leader (at the time the parent looked).
    # The key to sign with: STRATUS_TEST_KEY_ID / STRATUS_TEST_SECRET (a cluster
    # with access keys), else any key (an open cluster).
    kid = os.environ.get("STRATUS_TEST_KEY_ID", "x")
    secret = os.environ.get("STRATUS_TEST_SECRET", "x")
    f1, ld, f2 = (boto3.client("sqs", endpoint_url=u, aws_access_key_id=kid,
                               aws_secret_access_key=secret, config=cfg) for u in args.urls)
    proto = f1.meta.service_model.protocol
    log(f"boto3 {boto3.__version__}, botocore {botocore.__version__}, protocol {proto}")

    try:
        run(P, f1, ld, f2)
    except Stop:
        pass
    print("RESULT " + json.dumps({"protocol": proto, "botocore": botocore.__version__,
                                  "failures": failures}), flush=True)
    sys.exit(1 if failures else 0)


def run(P, f1, ld, f2):
    # -- queues, attributes, tags ---------------------------------------------------
    r = f1.create_queue(QueueName=P + "std", Attributes={"VisibilityTimeout": "30"},
                        tags={"env": "test"})
    url = r["QueueUrl"]
    check(url.endswith("/" + P + "std"), f"create_queue: {R(r)}")
    log(f"queue url {url}")
    for c in (f1, ld, f2):
        got = c.get_queue_url(QueueName=P + "std")["QueueUrl"]
        expect(qpath(got) == qpath(url), f"get_queue_url: {got}, expected {url}")
    r = f2.list_queues(QueueNamePrefix=P)
    check(qpath(url) in [qpath(u) for u in r.get("QueueUrls", [])], f"list_queues: {R(r)}")
    a = f1.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    expect(a.get("VisibilityTimeout") == "30", f"VisibilityTimeout: {a}")
    expect(a.get("ApproximateNumberOfMessages") == "0", f"new queue: {a}")
    expect(a.get("QueueArn", "").endswith(":" + P + "std"), f"QueueArn: {a}")
    f2.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "40",
                                                      "DelaySeconds": "0"})
    a = ld.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    expect(a == {"VisibilityTimeout": "40"}, f"after set_queue_attributes: {a}")
    f1.tag_queue(QueueUrl=url, Tags={"team": "b"})
    t = f2.list_queue_tags(QueueUrl=url).get("Tags", {})
    expect(t == {"env": "test", "team": "b"}, f"list_queue_tags: {t}")
    f2.untag_queue(QueueUrl=url, TagKeys=["env"])
    t = f1.list_queue_tags(QueueUrl=url).get("Tags", {})
    expect(t == {"team": "b"}, f"list_queue_tags after untag: {t}")
    log("queues, attributes, tags: done")

    # -- send / receive with attributes ---------------------------------------------
    mattrs = {"color": {"DataType": "String", "StringValue": "blue"},
              "count": {"DataType": "Number", "StringValue": "-7.5"},
              "raw": {"DataType": "Binary", "BinaryValue": bytes(range(256))},
              "tag": {"DataType": "Binary.jpeg", "BinaryValue": b"\xff\xd8\xff"},
              "xml": {"DataType": "String", "StringValue": '<a href="x">&amp; ]]> \'q\' \t\r\n</a>'}}
    text = "boto3 says hi: ünïcode, <tags> & ampersands\r\n"
    r = f1.send_message(QueueUrl=url, MessageBody=text, MessageAttributes=mattrs)
    mid = r["MessageId"]
    expect(r.get("MD5OfMessageBody") == md5_hex(text), f"MD5OfMessageBody: {R(r)}")
    expect(r.get("MD5OfMessageAttributes") == md5_of_attributes(mattrs),
           f"MD5OfMessageAttributes {r.get('MD5OfMessageAttributes')}, "
           f"expected {md5_of_attributes(mattrs)}")
    got = receive_all(f2, url, 1, "receive with attributes", AttributeNames=["All"],
                      MessageAttributeNames=["All"])
    check(mid in got, f"received {list(got)}, expected {mid}")
    m = got[mid]
    expect(m["Body"] == text, f"Body {m['Body']!r}")
    expect(m.get("MD5OfBody") == md5_hex(text), f"MD5OfBody {m.get('MD5OfBody')}")
    expect(m.get("MD5OfMessageAttributes") == md5_of_attributes(mattrs),
           f"MD5OfMessageAttributes on receive: {m.get('MD5OfMessageAttributes')}")
    ma = m.get("MessageAttributes", {})
    expect(set(ma) == set(mattrs), f"attribute names {sorted(ma)}")
    expect(ma.get("raw", {}).get("BinaryValue") == bytes(range(256)),
           f"binary attribute raw: {ma.get('raw')!r}"[:300])
    expect(ma.get("tag", {}).get("DataType") == "Binary.jpeg"
           and ma.get("tag", {}).get("BinaryValue") == b"\xff\xd8\xff", f"attribute tag: {ma.get('tag')}")
    expect(ma.get("count", {}).get("StringValue") == "-7.5", f"attribute count: {ma.get('count')}")
    expect(ma.get("xml", {}).get("StringValue") == mattrs["xml"]["StringValue"],
           f"attribute with XML-special characters: {ma.get('xml')}")
    sa = m.get("Attributes", {})
    for k in ("SenderId", "SentTimestamp", "ApproximateReceiveCount",
              "ApproximateFirstReceiveTimestamp"):
        expect(k in sa, f"AttributeNames=['All'] lacks {k}: {sa}")
    # Only the attributes asked for.
    f1.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                 VisibilityTimeout=0)
    got = receive_all(ld, url, 1, "receive asking for attribute 'color' only",
                      MessageAttributeNames=["color"])
    m = got[mid]
    expect(set(m.get("MessageAttributes", {})) == {"color"},
           f"MessageAttributeNames=['color'] returned {sorted(m.get('MessageAttributes', {}))}")
    f2.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    log("send/receive with attributes: done")

    # -- system attributes, a 1 MiB body, characters SQS refuses -------------------
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    sysattrs = {"AWSTraceHeader": {"DataType": "String", "StringValue": trace}}
    r = f2.send_message(QueueUrl=url, MessageBody="traced", MessageSystemAttributes=sysattrs)
    expect(r.get("MD5OfMessageSystemAttributes") == md5_of_attributes(sysattrs),
           f"MD5OfMessageSystemAttributes {r.get('MD5OfMessageSystemAttributes')}, "
           f"expected {md5_of_attributes(sysattrs)}")
    traced_id = r["MessageId"]
    big = "a" * (1048576 - 6) + "😀ü"  # exactly 1 MiB of UTF-8 (the largest message)
    assert len(big.encode()) == 1048576
    r = f1.send_message(QueueUrl=url, MessageBody=big)
    expect(r.get("MD5OfMessageBody") == md5_hex(big), "MD5OfMessageBody of a 1 MiB body")
    big_id = r["MessageId"]
    code, status = error_code(f1.send_message, QueueUrl=url, MessageBody=big + "c")
    expect(code in ("InvalidParameterValue", "InvalidParameterValueException"),
           f"a body of 1 MiB + 1 byte: code {code} (HTTP {status})")
    code, status = error_code(ld.send_message, QueueUrl=url, MessageBody="bad \x01 char")
    expect(code in ("InvalidMessageContents",), f"a body with U+0001: code {code} (HTTP {status})")
    odd = "tab\t nl\n cr\r 𝄞 \ufffd \ue000 \u00a0 ]]> &amp; <![CDATA["
    r = f2.send_message(QueueUrl=url, MessageBody=odd)
    odd_id = r["MessageId"]
    got = receive_all(ld, url, 3, "receive the traced, 1 MiB and odd messages",
                      AttributeNames=["All"])
    for mid_, want in ((traced_id, "traced"), (big_id, big), (odd_id, odd)):
        m = got.get(mid_)
        if not expect(m is not None, f"message {mid_} not received"):
            continue
        expect(m["Body"] == want, f"body of {mid_} differs ({len(m['Body'])} chars, "
                                  f"expected {len(want)}): {m['Body'][:80]!r}")
        expect(m.get("MD5OfBody") == md5_hex(want), f"MD5OfBody of {mid_}")
        f1.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    if traced_id in got:
        expect(got[traced_id].get("Attributes", {}).get("AWSTraceHeader") == trace,
               f"AWSTraceHeader on receive: {got[traced_id].get('Attributes')}")
    log("system attributes, 1 MiB and odd bodies: done")

    # -- batches ------------------------------------------------------------------------
    entries = [{"Id": f"b{k}", "MessageBody": f"batch {k}"} for k in range(4)]
    entries[2]["MessageAttributes"] = {"bin": {"DataType": "Binary", "BinaryValue": b"\x00"}}
    r = f2.send_message_batch(QueueUrl=url, Entries=entries)
    ok = {e["Id"]: e for e in r.get("Successful", [])}
    check(set(ok) == {"b0", "b1", "b2", "b3"} and not r.get("Failed"), f"send_message_batch: {R(r)}")
    for e in entries:
        expect(ok[e["Id"]].get("MD5OfMessageBody") == md5_hex(e["MessageBody"]),
               f"batch MD5 {ok[e['Id']]}")
    expect(ok["b2"].get("MD5OfMessageAttributes") == md5_of_attributes(entries[2]["MessageAttributes"]),
           f"batch b2 MD5OfMessageAttributes {ok['b2']}")
    # One entry rejected (Id repeated is a request error; an oversize body is per entry).
    code, status = error_code(f1.send_message_batch, QueueUrl=url,
                              Entries=[{"Id": "x", "MessageBody": "a"}, {"Id": "x", "MessageBody": "b"}])
    expect(code in ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct"),
           f"send_message_batch with repeated Ids: {code} (HTTP {status})")
    got = receive_all(ld, url, 4, "receive the batch", MessageAttributeNames=["All"])
    check(sorted(m["Body"] for m in got.values()) == [f"batch {k}" for k in range(4)],
          f"batch bodies: {sorted(m['Body'] for m in got.values())}")
    r = f1.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": f"v{k}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
        for k, m in enumerate(got.values())])
    expect(len(r.get("Successful", [])) == 4 and not r.get("Failed"),
           f"change_message_visibility_batch: {R(r)}")
    got = receive_all(f2, url, 4, "receive after change_message_visibility_batch")
    r = f1.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": f"d{k}", "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(got.values())])
    check(len(r.get("Successful", [])) == 4 and not r.get("Failed"), f"delete_message_batch: {R(r)}")
    r = f2.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    check(not r.get("Messages"), f"deleted messages came back: {R(r)}")
    log("batches: done")

    # -- long poll ------------------------------------------------------------------------
    r = f1.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    check(not r.get("Messages"), f"long poll on an empty queue: {R(r)}")
    res = {}

    def poll():
        try:
            res["r"] = f2.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        except Exception as e:  # reported below
            res["e"] = e
    th = threading.Thread(target=poll)
    th.start()
    time.sleep(3)
    ld.send_message(QueueUrl=url, MessageBody="while polling")
    th.join(90)
    check(not th.is_alive(), "a 20 s long poll did not return within 90 s")
    check("e" not in res, f"long poll failed: {res.get('e')!r}")
    msgs = res["r"].get("Messages", [])
    check([m["Body"] for m in msgs] == ["while polling"], f"long poll returned {msgs}")
    f1.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
    log("long poll: done")

    # -- FIFO ------------------------------------------------------------------------------
    furl = f2.create_queue(QueueName=P + "q.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    ids = []
    for k, c in zip(range(6), (f1, ld, f2, f1, ld, f2)):
        r = c.send_message(QueueUrl=furl, MessageBody=f"f{k}", MessageGroupId="A" if k % 2 else "B")
        expect(r.get("SequenceNumber"), f"FIFO send without SequenceNumber: {R(r)}")
        ids.append(r["MessageId"])
    r = f1.send_message(QueueUrl=furl, MessageBody="f0", MessageGroupId="B")  # content dedup
    expect(r["MessageId"] == ids[0], f"content-based dedup: MessageId {r['MessageId']}, "
                                     f"expected {ids[0]}")
    code, _ = error_code(f1.send_message, QueueUrl=furl, MessageBody="no group")
    expect(code in ("MissingParameter", "InvalidParameterValue"),
           f"FIFO send without MessageGroupId: {code}")
    seen = []
    for _ in range(20):
        r = f2.receive_message(QueueUrl=furl, MaxNumberOfMessages=10, WaitTimeSeconds=2,
                               AttributeNames=["MessageGroupId", "SequenceNumber"])
        for m in r.get("Messages", []):
            seen.append((m["Attributes"].get("MessageGroupId"), m["Body"]))
            ld.delete_message(QueueUrl=furl, ReceiptHandle=m["ReceiptHandle"])
        if len(seen) >= 6:
            break
    a_order = [b for g, b in seen if g == "A"]
    b_order = [b for g, b in seen if g == "B"]
    check(a_order == ["f1", "f3", "f5"] and b_order == ["f0", "f2", "f4"],
          f"FIFO per-group order: A {a_order}, B {b_order} (all: {seen})")
    log("FIFO: done")

    # -- DLQ redrive ------------------------------------------------------------------------
    dlq = f1.create_queue(QueueName=P + "dlq")["QueueUrl"]
    arn = ld.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = f2.create_queue(QueueName=P + "src", Attributes={
        "VisibilityTimeout": "0",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 1})})["QueueUrl"]
    sid = f1.send_message(QueueUrl=src, MessageBody="poison pill")["MessageId"]
    moved, receives = None, 0
    for _ in range(30):
        receives += len(f2.receive_message(QueueUrl=src, WaitTimeSeconds=1).get("Messages", []))
        ms = f1.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", [])
        if ms:
            moved = ms[0]
            break
    check(moved is not None, f"not moved to the DLQ ({receives} receives from the source)")
    expect(receives == 1, f"{receives} receives from the source before the move (expected 1)")
    expect(moved["Body"] == "poison pill" and moved["MessageId"] == sid, f"DLQ message {moved}")
    r = ld.list_dead_letter_source_queues(QueueUrl=dlq)
    expect([qpath(u) for u in r.get("queueUrls", [])] == [qpath(src)],
           f"list_dead_letter_source_queues: {R(r)}")
    log("DLQ: done")
    if hasattr(ld, "start_message_move_task"):  # botocore >= 1.31.x
        # Redrive back to the source (StartMessageMoveTask, no destination).
        # (A DLQ only while some queue names it: raise the count rather than
        # dropping the policy, so the message is receivable once back.)
        f2.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": arn, "maxReceiveCount": 10})})
        f1.change_message_visibility(QueueUrl=dlq, ReceiptHandle=moved["ReceiptHandle"],
                                     VisibilityTimeout=0)
        r = f1.start_message_move_task(SourceArn=arn)
        expect(r.get("TaskHandle"), f"start_message_move_task: {R(r)}")
        status = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            res = f2.list_message_move_tasks(SourceArn=arn).get("Results", [])
            status = res[0].get("Status") if res else None
            if status == "COMPLETED":
                break
            time.sleep(0.5)
        expect(status == "COMPLETED", f"list_message_move_tasks: {res}")
        back = receive_all(ld, src, 1, "the message moved back to its source queue")
        expect([m["Body"] for m in back.values()] == ["poison pill"],
               f"moved back: {[m['Body'] for m in back.values()]}")
        log("message move task: done")

    # -- purge ---------------------------------------------------------------------------------
    f1.send_message_batch(QueueUrl=url, Entries=[{"Id": str(k), "MessageBody": "p"} for k in range(5)])
    f2.purge_queue(QueueUrl=url)
    deadline = time.monotonic() + 60
    while True:
        n = f1.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"]["ApproximateNumberOfMessages"]
        if n == "0" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(n == "0", f"ApproximateNumberOfMessages {n} after purge_queue")
    r = ld.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    expect(not r.get("Messages"), f"purged messages received: {R(r)}")
    log("purge: done")

    # -- errors --------------------------------------------------------------------------------
    for c in (f1, ld):
        code, status = error_code(c.get_queue_url, QueueName=P + "missing")
        expect(code in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"),
               f"get_queue_url of a missing queue: code {code}")
        expect(status == 400, f"get_queue_url of a missing queue: HTTP {status}")
    code, _ = error_code(f2.send_message, QueueUrl=url.rsplit("/", 1)[0] + "/" + P + "nope",
                         MessageBody="x")
    expect(code in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"),
           f"send_message to a missing queue: code {code}")
    code, _ = error_code(f1.receive_message, QueueUrl=url, WaitTimeSeconds=21)
    expect(code in ("InvalidParameterValue", "InvalidParameterValueException"),
           f"receive_message WaitTimeSeconds=21: code {code}")
    code, _ = error_code(f1.get_queue_attributes, QueueUrl=url, AttributeNames=["NoSuchAttr"])
    expect(code in ("InvalidAttributeName",), f"get_queue_attributes NoSuchAttr: code {code}")
    code, _ = error_code(f2.delete_message, QueueUrl=url, ReceiptHandle="garbage")
    expect(code in ("ReceiptHandleIsInvalid",), f"delete_message with a garbage handle: code {code}")
    log("errors: done")

    # -- delete ----------------------------------------------------------------------------------
    for q in (url, furl, dlq, src):
        f1.delete_queue(QueueUrl=q)
    deadline = time.monotonic() + 30
    while f2.list_queues(QueueNamePrefix=P).get("QueueUrls") and time.monotonic() < deadline:
        time.sleep(0.5)
    expect(not f2.list_queues(QueueNamePrefix=P).get("QueueUrls"), "queues listed after delete_queue")
    log("delete: done")


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception:
        traceback.print_exc()
        print("RESULT " + json.dumps({"protocol": None, "failures": failures + [
            "unexpected exception: " + traceback.format_exc(limit=3).strip().splitlines()[-1]]}),
              flush=True)
        sys.exit(2)
