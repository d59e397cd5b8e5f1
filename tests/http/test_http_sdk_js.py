#!/usr/bin/env python3
"""The unmodified AWS SDK for JavaScript v3 (@aws-sdk/client-sqs, pinned in
tests/http/sdk-js/package.json; AWS JSON 1.0) against a 3-node cluster's
HTTP endpoints, auth off.

Property: SQSClient({endpoint: NODE}) completes the round trip whether NODE
is the leader or a follower (tests/http/sdk-js/roundtrip.mjs): CreateQueue,
GetQueueUrl, ListQueues, Set/GetQueueAttributes, TagQueue/ListQueueTags;
SendMessage with String/Number/Binary/custom attributes (the SDK validates
MD5OfMessageBody, the script MD5OfMessageAttributes), ReceiveMessage with
MessageAttributeNames/AttributeNames ['All'] (binary values byte for byte),
ChangeMessageVisibility(Batch), DeleteMessage; SendMessageBatch and
DeleteMessageBatch; long polls (empty queue; a message sent during the
poll is returned); UntagQueue; DLQ redrive with maxReceiveCount=1 and
ListDeadLetterSourceQueues; a FIFO queue's order and deduplication; PurgeQueue; a
missing queue is an error named QueueDoesNotExist with HTTP 400;
MaxNumberOfMessages=11 is InvalidParameterValue(Exception); DeleteQueue.
All nodes stay up and converge.
"""
import filecmp
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httptest import (SDK_JS_DIR, SDK_JS_SRC, TestFailure, check, check_http_endpoints_env,  # noqa: E402
                      clean_env, end_checks, ensure_node, expect, http_url, log, roles, run,
                      wait_http)
from harness import run_test  # noqa: E402

FILES = ("package.json", "package-lock.json", "roundtrip.mjs")


def install_sdk():
    """npm install the pinned SDK into SDK_JS_DIR (once; again when
    package.json changes). Returns the directory holding roundtrip.mjs."""
    ensure_node()
    d = SDK_JS_DIR
    os.makedirs(d, exist_ok=True)
    changed = False
    if os.path.realpath(d) != os.path.realpath(SDK_JS_SRC):
        for f in FILES:
            src, dst = os.path.join(SDK_JS_SRC, f), os.path.join(d, f)
            if not os.path.exists(src):
                continue
            if not (os.path.exists(dst) and filecmp.cmp(src, dst, shallow=False)):
                if f != "roundtrip.mjs":
                    changed = True
                shutil.copy2(src, dst)
    marker = os.path.join(d, "node_modules", "@aws-sdk", "client-sqs", "package.json")
    if changed or not os.path.exists(marker):
        log(f"npm install in {d}")
        rc, out, err = _npm(d)
        check(rc == 0, f"npm install in {d} failed (status {rc}):\n{out[-2000:]}\n{err[-3000:]}")
    check(os.path.exists(marker), f"@aws-sdk/client-sqs not installed in {d}")
    with open(marker) as f:
        log(f"@aws-sdk/client-sqs {json.load(f).get('version')} in {d}")
    return d


def _npm(d):
    try:
        p = subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=d,
                           env=clean_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        raise TestFailure(f"npm install in {d}: no result within 900 s")
    return p.returncode, p.stdout, p.stderr


def body(c):
    d = install_sdk()
    leader, followers = roles(c)
    log(f"leader: node {leader}; followers: {followers}")
    wait_http(c)
    check_http_endpoints_env(c)
    urls = [http_url(c, followers[0]), http_url(c, leader), http_url(c, followers[-1])]
    rc, out, err = run(["node", os.path.join(d, "roundtrip.mjs"), "js-", *urls],
                       env=clean_env({"NODE_NO_WARNINGS": "1"}), timeout=600)
    result = None
    for line in out.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
        else:
            log(f"  | {line}")
    if err.strip():
        log("  stderr: " + err.strip()[-3000:])
    if result is None:
        raise TestFailure(f"roundtrip.mjs: no RESULT line (status {rc})")
    for f in result.get("failures", []):
        expect(False, f"[@aws-sdk/client-sqs] {f}")
    expect(rc == 0 or result.get("failures"), f"roundtrip.mjs: status {rc}")
    end_checks(c)


if __name__ == "__main__":
    run_test("http_sdk_js", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
