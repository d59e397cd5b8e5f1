#!/usr/bin/env python3
"""A long poll keeps its WaitTimeSeconds across a leader SIGKILL.

Property: on a cluster with an access key (every request signed), two
ReceiveMessage long polls with WaitTimeSeconds 10 on empty queues — one
through libstratus (every node as endpoint), one over HTTP (AWS JSON 1.0,
SigV4) to a follower that forwards it — are in progress when the leader is
SIGKILLed about 4 s after they were made. Each returns 200 / success with
no messages within 12 s of when it was made (not 10 s again after the
failover, ~15 s), and not before 9 s (the wait was shortened by what the
caller had waited, not dropped); then the same client's next
SendMessage and ReceiveMessage succeed on the new leader (the receive
returns the message just sent). The survivors converge.
"""
import datetime
import hashlib
import hmac
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (BUILD_DIR, TestFailure, check, expect, log,  # noqa: E402
                     measure, node_ports, run_test, wait_until)

SQS_WORKLOAD = os.environ.get("STRATUS_SQS_WORKLOAD") or os.path.join(
    BUILD_DIR, "tests", "cluster", "sqs_workload")
WAIT_S = 10          # WaitTimeSeconds of both long polls
KILL_AFTER_S = 4     # when the leader is killed, from the calls' start
# How late a long poll may return: the server answers at the deadline with
# one more raft round, plus the client's reply path (ASan, 2 busy CPUs).
# Without the fix it is ~KILL_AFTER_S + the election + WAIT_S.
MARGIN_S = 2.0
EARLY_S = 1.0        # clock rounding between the client and the leaders


# ---- SigV4 (stdlib; the server's verifier is checked against botocore) ----

def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sigv4_headers(host, key, body, target):
    """Headers of a SigV4-signed AWS JSON 1.0 POST / to host."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    h = {"content-type": "application/x-amz-json-1.0", "host": host,
         "x-amz-date": amz_date, "x-amz-target": target}
    names = sorted(h)
    canonical = "\n".join(["POST", "/", "", "".join(f"{n}:{h[n]}\n" for n in names),
                           ";".join(names), hashlib.sha256(body.encode()).hexdigest()])
    scope = f"{date}/us-east-1/sqs/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    k = _hmac(("AWS4" + key[1]).encode(), date)
    for part in ("us-east-1", "sqs", "aws4_request"):
        k = _hmac(k, part)
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    h["authorization"] = (f"AWS4-HMAC-SHA256 Credential={key[0]}/{scope}, "
                          f"SignedHeaders={';'.join(names)}, Signature={sig}")
    return h


def http_json(c, node, key, action, doc, timeout=60):
    """A signed AWS JSON 1.0 call to node's HTTP port; (status, parsed body)."""
    port = node_ports(c.base, node)[2]
    body = json.dumps(doc)
    headers = sigv4_headers(f"127.0.0.1:{port}", key, body, f"AmazonSQS.{action}")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        r = conn.getresponse()
        data = r.read().decode("utf-8", "replace")
    finally:
        conn.close()
    try:
        return r.status, json.loads(data) if data.strip() else {}
    except ValueError:
        return r.status, data


# ---- the test ------------------------------------------------------------------

def body(c):
    exe = os.path.join(c.bin, "tests", "cluster", "sqs_workload")
    shutil.copy2(SQS_WORKLOAD, exe)
    lp = None
    try:
        lp = run(c, exe)
    finally:
        if lp is not None and lp.poll() is None:
            lp.kill()
            lp.wait()


def sqs(c, *args, timeout_ms=15000):
    rc, out, err = c.cli("sqs", *args, timeout_ms=timeout_ms)
    check(rc == 0, f"stratus sqs {' '.join(args)}: status {rc}: {err[:500]}")
    return out or {}


def fields(text, tag):
    """The key=value fields of the output line that starts with tag."""
    line = text.split(tag + " ", 1)[1].split("\n", 1)[0]
    return dict(kv.split("=", 1) for kv in line.split())


def run(c, exe):
    leader, _ = c.wait_leader()
    follower = next(i for i in c.members() if i != leader)
    log(f"leader: node {leader}; HTTP long poll through follower {follower}")

    # An access key: from here on every request must be signed.
    rc, out, err = c.cli("auth", "create-key")
    check(rc == 0, f"stratus auth create-key: status {rc}: {err[:500]}")
    key = (out["AccessKey"]["AccessKeyId"], out["AccessKey"]["SecretAccessKey"])
    c.env["STRATUS_ACCESS_KEY_ID"], c.env["STRATUS_SECRET_ACCESS_KEY"] = key
    native_url = sqs(c, "create-queue", "--queue-name", "lp-native")["QueueUrl"]
    http_url = sqs(c, "create-queue", "--queue-name", "lp-http")["QueueUrl"]
    wait_until(lambda: http_json(c, follower, key, "GetQueueUrl",
                                 {"QueueName": "lp-http"}, timeout=10)[0] == 200,
               30, f"node {follower}'s HTTP endpoint to answer signed calls")

    # The two long polls.
    out_path = os.path.join(c.tmp, "longpoll.out")
    with open(out_path, "wb") as o, open(out_path + ".err", "wb") as e:
        lp = subprocess.Popen([exe, "longpoll", "--endpoints", c.endpoints(),
                               "--queue-url", native_url, "--wait", str(WAIT_S)],
                              stdout=o, stderr=e, stdin=subprocess.DEVNULL, env=c.env)

    def text():
        with open(out_path) as f:
            return f.read()

    res = {}

    def http_poll():
        t0 = time.monotonic()
        try:
            res["recv"] = http_json(c, follower, key, "ReceiveMessage",
                                    {"QueueUrl": http_url, "WaitTimeSeconds": WAIT_S,
                                     "MaxNumberOfMessages": 10})
        except OSError as ex:
            res["recv"] = (None, repr(ex))
        res["recv_s"] = time.monotonic() - t0

    wait_until(lambda: "START" in text(), 10, "the native long poll to start")
    t_start = time.monotonic()
    th = threading.Thread(target=http_poll, daemon=True)
    th.start()

    time.sleep(max(0.0, t_start + KILL_AFTER_S - time.monotonic()))
    check("RECV" not in text(), f"the native long poll returned before the kill: {text()}")
    check("recv" not in res, f"the HTTP long poll returned before the kill: {res}")
    log(f"SIGKILL leader node {leader}, {time.monotonic() - t_start:.1f} s into the long polls")
    c.kill(leader)

    th.join(WAIT_S + 30)
    check(not th.is_alive(), "the HTTP long poll never returned")
    wait_until(lambda: "AGAIN" in text(), WAIT_S + 40,
               "the native long poll and the calls after it to finish")
    lp.wait(30)
    out = text()
    log("native client: " + " | ".join(out.strip().split("\n")[1:]))

    # Native: returned, empty, within the caller's wait.
    recv = fields(out, "RECV")
    native_s = int(recv["ms"]) / 1000
    measure("native_long_poll_returned_after_ms", int(recv["ms"]), "ms")
    expect(recv["rc"] == "0" and recv["n"] == "0",
           f"native long poll: rc {recv['rc']} ({recv['err']}), {recv['n']} messages")
    expect(WAIT_S - EARLY_S <= native_s <= WAIT_S + MARGIN_S,
           f"native long poll returned after {native_s:.2f} s; WaitTimeSeconds is {WAIT_S} "
           f"(allowed {WAIT_S - EARLY_S}..{WAIT_S + MARGIN_S} s)")
    nxt, again = fields(out, "NEXT"), fields(out, "AGAIN")
    expect(nxt["rc"] == "0", f"native SendMessage after the long poll: {nxt}")
    expect(again["rc"] == "0" and again["body"] == "after-longpoll",
           f"native ReceiveMessage after the long poll: {again}")

    # HTTP: the same through the follower's internal client.
    st, doc = res["recv"]
    http_s = res["recv_s"]
    measure("http_long_poll_returned_after_ms", round(http_s * 1000), "ms")
    expect(st == 200 and isinstance(doc, dict) and not doc.get("Messages"),
           f"HTTP long poll: HTTP {st} {str(doc)[:300]}")
    expect(WAIT_S - EARLY_S <= http_s <= WAIT_S + MARGIN_S,
           f"HTTP long poll returned after {http_s:.2f} s; WaitTimeSeconds is {WAIT_S} "
           f"(allowed {WAIT_S - EARLY_S}..{WAIT_S + MARGIN_S} s)")
    st, doc = http_json(c, follower, key, "SendMessage",
                        {"QueueUrl": http_url, "MessageBody": "after-http"})
    expect(st == 200 and isinstance(doc, dict) and doc.get("MessageId"),
           f"HTTP SendMessage after the long poll: HTTP {st} {str(doc)[:300]}")
    st, doc = http_json(c, follower, key, "ReceiveMessage",
                        {"QueueUrl": http_url, "WaitTimeSeconds": 2})
    bodies = [m.get("Body") for m in (doc.get("Messages") or [])] if isinstance(doc, dict) else []
    expect(st == 200 and bodies == ["after-http"],
           f"HTTP ReceiveMessage after the long poll: HTTP {st} {str(doc)[:300]}")

    c.converged()
    return lp


if __name__ == "__main__":
    try:
        run_test("sqs_longpoll_failover",
                 __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
    except TestFailure as e:  # raised outside body (harness set-up)
        print(f"FAIL: {e}", flush=True)
        sys.exit(1)
