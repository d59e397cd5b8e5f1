#!/usr/bin/env python3
"""Unmodified boto3 against a 3-node cluster's HTTP endpoints, auth off:
Debian's python3-boto3 1.26 (the AWS Query protocol) and, when the
default `python3` has a newer boto3 (botocore >= 1.31: AWS JSON 1.0), that
one too.

Property: boto3.client("sqs", endpoint_url=NODE) works for the whole SQS
round trip whether NODE is the leader or a follower (tests/http/
boto3_roundtrip.py, run as a child with each Python): create/get-url/list/
get- and set-attributes/tag/untag/delete queues; send_message with String,
Number, Binary and custom-type attributes returns AWS's MD5OfMessageBody and
MD5OfMessageAttributes, and receive_message (AttributeNames=['All'],
MessageAttributeNames=['All'] or a subset) returns the body, the binary
values byte for byte and the system attributes; MessageSystemAttributes
(AWSTraceHeader) with AWS's MD5OfMessageSystemAttributes; a body of exactly
1 MiB (emoji included) round-trips and 1 MiB + 1 byte is
InvalidParameterValue; U+0001 is InvalidMessageContents while tabs, CRs,
astral characters and XML-looking text round-trip unchanged; send/delete/
change-visibility batches; long polls (empty queue, message sent during the
poll); FIFO per-group order and content-based deduplication; DLQ redrive
with maxReceiveCount=1 (and, with the newer boto3, StartMessageMoveTask back
to the source, COMPLETED in ListMessageMoveTasks); purge_queue; errors as ClientError with AWS's codes
(NonExistentQueue / QueueDoesNotExist, BatchEntryIdsNotDistinct,
InvalidParameterValue, InvalidAttributeName, ReceiptHandleIsInvalid). All
nodes stay up and converge.
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httptest import (HERE, SYSTEM_PYTHON, TestFailure, check_http_endpoints_env,  # noqa: E402
                      clean_env, end_checks, ensure_system_boto3, expect, http_url, log, roles,
                      python_botocore_version, run, version_tuple, wait_http)
from harness import run_test  # noqa: E402

CHILD = os.path.join(HERE, "boto3_roundtrip.py")
# botocore switched SQS from the Query protocol to AWS JSON 1.0 in 1.31.x.
JSON_BOTOCORE = (1, 31, 0)


def new_python():
    """A Python whose boto3 speaks JSON 1.0, or None."""
    cand = os.environ.get("STRATUS_NEW_PYTHON") or shutil.which("python3")
    if not cand or os.path.realpath(cand) == os.path.realpath(SYSTEM_PYTHON):
        return None, None
    v = python_botocore_version(cand)
    if v is None or version_tuple(v) < JSON_BOTOCORE:
        return None, v
    return cand, v


def run_child(c, python, prefix, urls, want_protocol):
    env = clean_env({"AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "1"})
    log(f"running boto3_roundtrip.py with {python} (prefix {prefix})")
    rc, out, err = run([python, CHILD, "--prefix", prefix, *urls], env=env, timeout=600)
    for line in out.splitlines():
        if not line.startswith("RESULT "):
            log(f"  | {line}")
    result = None
    for line in out.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
    if result is None:
        raise TestFailure(f"{python} boto3_roundtrip.py: no RESULT (status {rc}); "
                          f"stderr:\n{err[-3000:]}")
    if err.strip() and rc != 0:
        log(f"  stderr: {err.strip()[-3000:]}")
    expect(want_protocol is None or result.get("protocol") in (want_protocol, None),
           f"{python}: botocore {result.get('botocore')} used protocol {result.get('protocol')}, "
           f"expected {want_protocol}")
    for f in result.get("failures", []):
        expect(False, f"[{python}, botocore {result.get('botocore')}, {result.get('protocol')}] {f}")
    expect(rc == 0 or result.get("failures"), f"{python} boto3_roundtrip.py: status {rc}")
    return rc == 0


def body(c):
    ensure_system_boto3()
    leader, followers = roles(c)
    log(f"leader: node {leader}; followers: {followers}")
    wait_http(c)
    check_http_endpoints_env(c)
    urls = [http_url(c, followers[0]), http_url(c, leader), http_url(c, followers[-1])]

    run_child(c, SYSTEM_PYTHON, "b3q-", urls, "query")

    py, v = new_python()
    if py is None:
        log(f"no newer boto3 on PATH (python3's botocore: {v}): the JSON 1.0 part is skipped")
    else:
        log(f"{py}: botocore {v} (AWS JSON 1.0)")
        run_child(c, py, "b3j-", urls, "json" if version_tuple(v) >= (1, 34, 0) else None)
    end_checks(c)


if __name__ == "__main__":
    run_test("http_boto3", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
