#!/usr/bin/env python3
"""HTTPS on the front door: a cluster started with STRATUS_TLS=1 (cluster
CA and node certificates by deploy/make-certs.sh).

Property: `cluster.sh env` prints https:// endpoints and AWS_CA_BUNDLE;
with that CA every node answers /healthz over TLS and the unmodified
clients work over HTTPS through followers and the leader — the Debian AWS
CLI (create-queue returns an https:// queue URL, send/receive), boto3 1.26
(Query) and a newer boto3 (JSON 1.0) running the whole
boto3_roundtrip.py, and @aws-sdk/client-sqs running roundtrip.mjs
(NODE_EXTRA_CA_CERTS); without the CA the AWS CLI refuses the certificate;
plain HTTP sent to the TLS port gets no HTTP 200 and the node keeps
serving. All nodes stay up and converge.
"""
import json
import os
import socket
import ssl
import sys
import urllib.request

os.environ["STRATUS_TLS"] = "1"  # read by cluster.sh up (the harness passes the environment on)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httptest import (HERE, SYSTEM_PYTHON, check, clean_env, cluster_sh_env, end_checks,  # noqa: E402
                      ensure_awscli, ensure_system_boto3, expect, http_port, log, qpath, roles,
                      run, wait_until)
from harness import run_test  # noqa: E402
import test_http_boto3  # noqa: E402
import test_http_sdk_js  # noqa: E402


def https_url(c, i):
    return f"https://127.0.0.1:{http_port(c, i)}"


def body(c):
    awscli = ensure_awscli()
    ensure_system_boto3()
    leader, followers = roles(c)
    f1, f2 = followers[0], followers[-1]
    log(f"leader: node {leader}; followers: {followers}")
    env = cluster_sh_env(c)
    want = ",".join(https_url(c, i) for i in c.members())
    check(env.get("STRATUS_HTTP_ENDPOINTS") == want,
          f"cluster.sh env with TLS: STRATUS_HTTP_ENDPOINTS={env.get('STRATUS_HTTP_ENDPOINTS')!r}, "
          f"expected {want!r}")
    ca = env.get("AWS_CA_BUNDLE")
    check(ca and os.path.exists(ca), f"cluster.sh env with TLS: AWS_CA_BUNDLE={ca!r}")
    expect(env.get("STRATUS_CA") == ca, f"STRATUS_CA={env.get('STRATUS_CA')!r}, AWS_CA_BUNDLE={ca!r}")
    ctx = ssl.create_default_context(cafile=ca)

    def healthz(i):
        try:
            with urllib.request.urlopen(https_url(c, i) + "/healthz", context=ctx, timeout=5) as r:
                return r.status == 200
        except OSError:
            return False
    for i in c.members():
        wait_until(lambda i=i: healthz(i), 60, f"node {i} /healthz over HTTPS", interval=0.3)

    # -- the AWS CLI ---------------------------------------------------------------------
    aws_env = clean_env({"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                         "AWS_DEFAULT_REGION": "us-east-1", "AWS_CA_BUNDLE": ca})

    def aws(node, *args, env=aws_env):
        rc, out, err = run([awscli, "--endpoint-url", https_url(c, node), "--output", "json",
                            "sqs", *args], env=env, timeout=120)
        try:
            return rc, (json.loads(out) if out.strip() else {}), err.strip()
        except ValueError:
            return rc, out, err.strip()

    rc, out, err = aws(f1, "create-queue", "--queue-name", "tls-q")
    check(rc == 0, f"aws sqs create-queue over HTTPS: status {rc}: {err[-800:]}")
    url = out.get("QueueUrl", "")
    expect(url == https_url(c, f1) + "/000000000000/tls-q", f"queue URL over HTTPS: {url!r}")
    rc, out, err = aws(leader, "send-message", "--queue-url", url, "--message-body", "over tls")
    check(rc == 0, f"send-message over HTTPS: status {rc}: {err[-800:]}")
    rc, out, err = aws(f2, "receive-message", "--queue-url", url, "--wait-time-seconds", "5")
    check(rc == 0 and [m["Body"] for m in out.get("Messages", [])] == ["over tls"],
          f"receive-message over HTTPS: status {rc}, {out}, {err[-500:]}")
    rc, out, err = aws(f2, "list-queues")
    expect(rc == 0 and qpath(url) in [qpath(u) for u in out.get("QueueUrls", [])],
           f"list-queues over HTTPS: {out}")
    no_ca = dict(aws_env)
    no_ca.pop("AWS_CA_BUNDLE")
    rc, out, err = aws(f1, "list-queues", env=no_ca)
    expect(rc != 0 and ("SSL" in err or "CERTIFICATE" in err.upper()),
           f"aws without the cluster CA: status {rc}, stderr {err[-300:]!r} (expected a TLS error)")

    # -- plain HTTP to the TLS port --------------------------------------------------------
    s = socket.create_connection(("127.0.0.1", http_port(c, f1)), timeout=30)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        data = s.recv(4096)
    except OSError:
        data = b""
    s.close()
    expect(not data.startswith(b"HTTP/1.1 200"), f"plain HTTP to the TLS port answered {data[:80]!r}")
    check(healthz(f1), f"node {f1} /healthz over HTTPS after a plain-HTTP request")

    # -- boto3 (both protocols) and the JS SDK, whole round trips over HTTPS -----------------
    urls = [https_url(c, f1), https_url(c, leader), https_url(c, f2)]
    b3env = clean_env({"AWS_DEFAULT_REGION": "us-east-1", "AWS_CA_BUNDLE": ca,
                       "PYTHONDONTWRITEBYTECODE": "1"})
    pythons = [(SYSTEM_PYTHON, "tq-")]
    newpy, v = test_http_boto3.new_python()
    if newpy:
        pythons.append((newpy, "tj-"))
    for py, prefix in pythons:
        rc, out, err = run([py, os.path.join(HERE, "boto3_roundtrip.py"), "--prefix", prefix, *urls],
                           env=b3env, timeout=600)
        result = [line for line in out.splitlines() if line.startswith("RESULT ")]
        expect(rc == 0, f"boto3_roundtrip.py over HTTPS with {py}: status {rc}: "
                        f"{(result or [out[-1500:]])[-1]} {err[-1500:]}")
        log(f"boto3_roundtrip.py over HTTPS with {py}: status {rc}")
    d = test_http_sdk_js.install_sdk()
    rc, out, err = run(["node", os.path.join(d, "roundtrip.mjs"), "tjs-", *urls],
                       env=clean_env({"NODE_EXTRA_CA_CERTS": ca, "NODE_NO_WARNINGS": "1"}),
                       timeout=600)
    result = [line for line in out.splitlines() if line.startswith("RESULT ")]
    expect(rc == 0, f"roundtrip.mjs over HTTPS: status {rc}: {(result or [out[-1500:]])[-1]} "
                    f"{err[-1500:]}")
    log(f"roundtrip.mjs over HTTPS: status {rc}")
    end_checks(c)


if __name__ == "__main__":
    run_test("http_tls", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
