#!/usr/bin/env python3
"""Access keys and SigV4 on the HTTP front door and the native protocol.

Property: with no access keys, unsigned HTTP requests (Query and JSON 1.0)
and the unsigned native CLI are served. Once `stratus auth create-key` has
made a key, every node rejects unsigned requests with an AWS error document
(XML for Query, JSON with __type for JSON 1.0, HTTP 4xx); the Debian AWS CLI
signing with a key works through leader and followers; a wrong secret is
SignatureDoesNotMatch, an unknown key id InvalidClientTokenId, a malformed
Authorization header IncompleteSignature (all exit status 254 from the CLI);
a request signed by botocore's SigV4Auth is accepted, the same signed 20
minutes ago is rejected (SignatureDoesNotMatch "Signature expired" /
RequestExpired / RequestTimeTooSkewed), and one whose body was changed after
signing is SignatureDoesNotMatch; a URL presigned by SigV4QueryAuth works,
and is rejected once expired or altered. boto3 (1.26 Query; a newer one, JSON 1.0) and @aws-sdk/client-sqs complete
their whole round trips signing with a key, through followers and the
leader. The native CLI without credentials is rejected, and works with STRATUS_ACCESS_KEY_ID/STRATUS_SECRET_ACCESS_KEY or
(fallback) AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY. `stratus auth
list-keys` lists the keys and never a secret. After `stratus auth delete-key`
that key is rejected (InvalidClientTokenId) while the other still works;
with every key deleted, unsigned requests are served again. All nodes stay
up and converge.
"""
import json
import os
import random
import string
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httptest import (FORM, HERE, JSON10, QUERY_VERSION, SYSTEM_PYTHON,  # noqa: E402
                      TestFailure, check, clean_env, end_checks, ensure_awscli,
                      ensure_system_boto3, expect, http_port, http_url, json_call,
                      json_error_type, log, qpath, qpaths, query, request, roles, run, wait_http,
                      wait_until, xml_error, xml_field)
from harness import run_test  # noqa: E402
import test_http_boto3  # noqa: E402
import test_http_sdk_js  # noqa: E402

SIGNER = os.path.join(HERE, "sigv4_sign.py")
LIST = {"Action": "ListQueues", "Version": QUERY_VERSION}
AUTH_CODES = {"MissingAuthenticationToken", "MissingAuthenticationTokenException",
              "IncompleteSignature", "IncompleteSignatureException", "InvalidClientTokenId",
              "AccessDenied", "AccessDeniedException", "UnrecognizedClientException",
              "MissingAuthenticationToken"}


# ---- the native CLI -----------------------------------------------------------------

def stratus(c, creds, *args, timeout=30):
    """`stratus ARGS` with only the credentials in creds (a dict of env vars);
    (status, stdout JSON or None, stderr text)."""
    cmd = [c.bins["stratus"], "--endpoints", c.endpoints(), "--timeout-ms", "10000", *args]
    rc, out, err = run(cmd, env=clean_env(creds), timeout=timeout)
    doc = None
    if out.strip():
        try:
            doc = json.loads(out)
        except ValueError:
            raise TestFailure(f"stratus {' '.join(args)}: stdout is not JSON: {out[:300]!r}")
    return rc, doc, err.strip(), out


def stratus_creds(key):
    return {"STRATUS_ACCESS_KEY_ID": key[0], "STRATUS_SECRET_ACCESS_KEY": key[1]}


def create_key(c, creds):
    rc, doc, err, _ = stratus(c, creds, "auth", "create-key")
    check(rc == 0, f"stratus auth create-key: status {rc}: {err[-800:]}")
    ak = (doc or {}).get("AccessKey", {})
    check(ak.get("AccessKeyId") and ak.get("SecretAccessKey"), f"auth create-key output: {doc}")
    expect(ak["AccessKeyId"].startswith("AKIA") and len(ak["AccessKeyId"]) == 20,
           f"AccessKeyId {ak['AccessKeyId']!r} (expected AKIA + 16 characters)")
    expect(len(ak["SecretAccessKey"]) == 40, "SecretAccessKey is not 40 characters")
    expect(ak.get("Status") == "Active", f"create-key Status: {ak.get('Status')}")
    log(f"created access key {ak['AccessKeyId']}")
    return ak["AccessKeyId"], ak["SecretAccessKey"]


# ---- the AWS CLI -----------------------------------------------------------------------

def aws(c, awscli, node, key, *args):
    env = clean_env({"AWS_ACCESS_KEY_ID": key[0], "AWS_SECRET_ACCESS_KEY": key[1],
                     "AWS_DEFAULT_REGION": "us-east-1"})
    rc, out, err = run([awscli, "--endpoint-url", http_url(c, node), "--output", "json",
                        "--cli-read-timeout", "60", "sqs", *args], env=env, timeout=120)
    try:
        doc = json.loads(out) if out.strip() else {}
    except ValueError:
        doc = out
    return rc, doc, err.strip()


# ---- raw signed requests ------------------------------------------------------------------

def sign(c, node, key, body, headers, age_seconds=0, method="POST", path="/", presign=None):
    spec = {"method": method, "url": f"http://127.0.0.1:{http_port(c, node)}{path}",
            "headers": headers, "body": body, "access_key_id": key[0],
            "secret_access_key": key[1], "region": "us-east-1", "service": "sqs",
            "age_seconds": age_seconds, "presign": presign}
    rc, out, err = run([SYSTEM_PYTHON, SIGNER], env=clean_env(), input=json.dumps(spec), timeout=60)
    check(rc == 0, f"sigv4_sign.py failed: {err[-1500:]}")
    doc = json.loads(out)
    return doc["url"] if presign else doc["headers"]


def presigned_get(c, node, key, params, expires=300, age_seconds=0, tamper=None):
    """GET of a URL presigned by botocore's SigV4QueryAuth (X-Amz-Signature in
    the query); tamper(url) may change the URL after signing."""
    path = "/?" + "&".join(f"{k}={v}" for k, v in params.items())
    url = sign(c, node, key, "", {}, age_seconds, method="GET", path=path, presign=expires)
    if tamper:
        url = tamper(url)
    rest = url.split("/", 3)[3]
    st, hd, data = request(c, node, "GET", "/" + rest)
    return st, data.decode("utf-8", "replace")


def signed_query(c, node, key, params, age_seconds=0, tamper=None):
    """A Query POST signed by botocore; tamper: a different body sent after signing."""
    body = "&".join(f"{k}={v}" for k, v in params.items())
    h = sign(c, node, key, body, {"Content-Type": FORM}, age_seconds)
    st, hd, data = request(c, node, "POST", "/", tamper if tamper is not None else body, h)
    return st, data.decode("utf-8", "replace")


def signed_json(c, node, key, action, doc, tamper=None):
    body = json.dumps(doc)
    h = sign(c, node, key, body, {"Content-Type": JSON10, "X-Amz-Target": f"AmazonSQS.{action}"})
    st, hd, data = request(c, node, "POST", "/", tamper if tamper is not None else body, h)
    text = data.decode("utf-8", "replace")
    try:
        return st, hd, json.loads(text)
    except ValueError:
        return st, hd, text


def query_rejected(st, text, codes, what):
    """A 4xx Query-protocol ErrorResponse with one of codes."""
    e = xml_error(text)
    check(e is not None, f"{what}: HTTP {st}, not an XML ErrorResponse: {text[:400]!r}")
    log(f"  {what}: HTTP {st} {e[1]}: {e[2]}")
    expect(400 <= st < 500, f"{what}: HTTP {st} (expected 4xx), error {e}")
    expect(e[1] in codes, f"{what}: error code {e[1]!r} (expected one of {sorted(codes)}); {e}")
    return e


def unsigned_rejected(c, node):
    st, _, text = query(c, node, LIST)
    return st != 200 and xml_error(text) is not None


def random_key_id():
    return "AKIA" + "".join(random.choice(string.ascii_uppercase + "234567") for _ in range(16))


def body(c):
    awscli = ensure_awscli()
    ensure_system_boto3()
    leader, followers = roles(c)
    f1, f2 = followers[0], followers[-1]
    log(f"leader: node {leader}; followers: {followers}")
    wait_http(c)
    nodes = [f1, leader, f2]

    # -- no keys: unsigned is fine ------------------------------------------------------
    for n in nodes:
        st, _, text = query(c, n, LIST)
        check(st == 200 and xml_field(text, "ListQueuesResult") is not None,
              f"no keys: unsigned ListQueues (Query) on node {n}: HTTP {st} {text[:300]!r}")
        st, _, doc = json_call(c, n, "ListQueues", {})
        check(st == 200 and isinstance(doc, dict), f"no keys: unsigned ListQueues (JSON) on node {n}: "
                                                   f"HTTP {st} {str(doc)[:300]!r}")
    st, _, text = query(c, f1, {"Action": "CreateQueue", "QueueName": "auth-q"})
    check(st == 200, f"no keys: unsigned CreateQueue: HTTP {st} {text[:300]!r}")
    qurl = xml_field(text, "QueueUrl")
    rc, doc, err, _ = stratus(c, {}, "sqs", "list-queues")
    check(rc == 0 and qpath(qurl) in qpaths((doc or {}).get("QueueUrls")),
          f"no keys: unsigned native sqs list-queues: status {rc}, {doc}, {err[-300:]}")
    rc, doc, err, _ = stratus(c, {}, "auth", "list-keys")
    check(rc == 0, f"stratus auth list-keys: status {rc}: {err[-500:]}")
    expect((doc or {}).get("AccessKeyMetadata") == [], f"list-keys with no keys: {doc}")

    # -- the first key switches auth on -----------------------------------------------------
    k1 = create_key(c, {})
    for n in nodes:
        wait_until(lambda n=n: unsigned_rejected(c, n), 20,
                   f"node {n} to reject unsigned requests once a key exists", interval=0.2)
    k2 = create_key(c, stratus_creds(k1))  # a signed native request
    c.env.update(stratus_creds(k2))  # the harness's own CLI calls sign from now on

    for n in nodes:
        st, _, text = query(c, n, LIST)
        query_rejected(st, text, AUTH_CODES, f"unsigned Query ListQueues on node {n}")
        st, hd, doc = json_call(c, n, "ListQueues", {})
        expect(400 <= st < 500 and json_error_type(doc) in AUTH_CODES,
               f"unsigned JSON ListQueues on node {n}: HTTP {st}, body {str(doc)[:300]!r} "
               f"(expected 4xx with __type one of {sorted(AUTH_CODES)})")
    st, _, text = query(c, f1, {"Action": "SendMessage", "QueueUrl": qurl, "MessageBody": "x"})
    query_rejected(st, text, AUTH_CODES, "unsigned SendMessage")

    # -- the AWS CLI with keys -----------------------------------------------------------------
    for n, k in ((f1, k1), (leader, k2), (f2, k1)):
        rc, doc, err = aws(c, awscli, n, k, "list-queues")
        check(rc == 0 and qpath(qurl) in qpaths(doc.get("QueueUrls")),
              f"aws sqs list-queues signed with {k[0]} on node {n}: status {rc}, {doc}, {err[-500:]}")
    rc, doc, err = aws(c, awscli, f2, k2, "send-message", "--queue-url", qurl,
                       "--message-body", "signed")
    check(rc == 0 and "MessageId" in doc, f"signed send-message: status {rc}, {doc}, {err[-500:]}")
    rc, doc, err = aws(c, awscli, f1, k1, "receive-message", "--queue-url", qurl,
                       "--wait-time-seconds", "5")
    check(rc == 0 and [m["Body"] for m in doc.get("Messages", [])] == ["signed"],
          f"signed receive-message: status {rc}, {doc}, {err[-500:]}")
    rc, doc, err = aws(c, awscli, leader, k2, "delete-message", "--queue-url", qurl,
                       "--receipt-handle", doc["Messages"][0]["ReceiptHandle"])
    check(rc == 0, f"signed delete-message: status {rc}: {err[-500:]}")

    for n in (f1, leader):
        rc, doc, err = aws(c, awscli, n, (k1[0], k1[1][:-1] + ("A" if k1[1][-1] != "A" else "B")),
                           "list-queues")
        check(rc == 254 and "SignatureDoesNotMatch" in err,
              f"aws with a wrong secret on node {n}: status {rc}, stderr {err[-500:]!r} "
              f"(expected 254, SignatureDoesNotMatch)")
        rc, doc, err = aws(c, awscli, n, (random_key_id(), k1[1]), "list-queues")
        check(rc == 254 and "InvalidClientTokenId" in err,
              f"aws with an unknown key id on node {n}: status {rc}, stderr {err[-500:]!r} "
              f"(expected 254, InvalidClientTokenId)")
    rc, doc, err = aws(c, awscli, f2, ("x", "x"), "list-queues")
    expect(rc == 254 and "InvalidClientTokenId" in err,
           f"aws with key id 'x' once keys exist: status {rc}, stderr {err[-300:]!r}")

    # -- raw requests signed by botocore's SigV4Auth ------------------------------------------
    for n in (f1, leader):
        st, text = signed_query(c, n, k1, LIST)
        check(st == 200 and xml_field(text, "ListQueuesResult") is not None,
              f"SigV4Auth-signed ListQueues on node {n}: HTTP {st} {text[:400]!r}")
        st, _, doc = signed_json(c, n, k2, "ListQueues", {})
        check(st == 200 and qpath(qurl) in qpaths((doc or {}).get("QueueUrls")),
              f"SigV4Auth-signed JSON ListQueues on node {n}: HTTP {st} {str(doc)[:400]!r}")
    for n in (f2, leader):
        st, text = signed_query(c, n, k1, LIST, age_seconds=20 * 60)
        e = query_rejected(st, text, {"SignatureDoesNotMatch", "RequestExpired",
                                      "RequestTimeTooSkewed", "InvalidSignatureException"},
                           f"a request signed 20 minutes ago, node {n}")
        if e[1] == "SignatureDoesNotMatch":
            expect("expired" in (e[2] or "").lower(),
                   f"stale request: SignatureDoesNotMatch message {e[2]!r} does not say it expired")
        st, text = signed_query(c, n, k1, LIST,
                                tamper=f"Action=ListQueues&QueueNamePrefix=zz&Version={QUERY_VERSION}")
        query_rejected(st, text, {"SignatureDoesNotMatch"}, f"a body changed after signing, node {n}")
        st, text = signed_query(c, n, (random_key_id(), "s" * 40), LIST)
        query_rejected(st, text, {"InvalidClientTokenId"}, f"a raw request by an unknown key, node {n}")
    # Presigned URLs (SigV4QueryAuth): valid, expired, altered.
    for n in (f1, leader):
        st, text = presigned_get(c, n, k2, LIST)
        check(st == 200 and xml_field(text, "ListQueuesResult") is not None,
              f"a presigned ListQueues URL on node {n}: HTTP {st} {text[:400]!r}")
    st, text = presigned_get(c, f2, k2, LIST, expires=60, age_seconds=20 * 60)
    query_rejected(st, text, {"SignatureDoesNotMatch", "RequestExpired", "AccessDenied",
                              "ExpiredToken"}, "a presigned URL that expired 19 minutes ago")
    st, text = presigned_get(c, f2, k2, LIST,
                             tamper=lambda u: u.replace("Action=ListQueues",
                                                        "Action=ListQueues&QueueNamePrefix=a"))
    query_rejected(st, text, {"SignatureDoesNotMatch"}, "a presigned URL with a parameter added")
    st, hd, doc = signed_json(c, f1, k1, "ListQueues", {}, tamper=json.dumps({"QueueNamePrefix": "z"}))
    expect(400 <= st < 500 and json_error_type(doc) in ("SignatureDoesNotMatch",
                                                         "InvalidSignatureException"),
           f"JSON body changed after signing: HTTP {st}, {str(doc)[:300]!r}")
    st, _, text = query(c, f1, LIST, headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=garbage", "X-Amz-Date": "20260101T000000Z"})
    query_rejected(st, text, {"IncompleteSignature"}, "a malformed Authorization header")

    # -- the native CLI -------------------------------------------------------------------------
    rc, doc, err, _ = stratus(c, {}, "sqs", "list-queues")
    check(rc != 0, f"native sqs list-queues without credentials succeeded once keys exist: {doc}")
    log(f"native CLI without credentials: status {rc}, {err[-300:]}")
    rc, doc, err, _ = stratus(c, stratus_creds(k1), "sqs", "list-queues")
    check(rc == 0 and qpath(qurl) in qpaths((doc or {}).get("QueueUrls")),
          f"native sqs list-queues with STRATUS_ACCESS_KEY_ID: status {rc}, {doc}, {err[-500:]}")
    rc, doc, err, _ = stratus(c, {"AWS_ACCESS_KEY_ID": k2[0], "AWS_SECRET_ACCESS_KEY": k2[1]},
                              "sqs", "send-message", "--queue-url", qurl, "--message-body", "native")
    check(rc == 0, f"native send-message with AWS_ACCESS_KEY_ID (fallback): status {rc}, {err[-500:]}")
    rc, doc, err, _ = stratus(c, {"STRATUS_ACCESS_KEY_ID": k1[0],
                                  "STRATUS_SECRET_ACCESS_KEY": "wrong" * 8}, "sqs", "list-queues")
    check(rc != 0, "native sqs list-queues with a wrong secret succeeded")
    rc, doc, err, _ = stratus(c, {"STRATUS_ACCESS_KEY_ID": k1[0], "STRATUS_SECRET_ACCESS_KEY": k1[1],
                                  "AWS_ACCESS_KEY_ID": "AKIAWRONG", "AWS_SECRET_ACCESS_KEY": "x"},
                              "kv", "put", "auth-test", "v")
    check(rc == 0, f"STRATUS_* credentials must win over AWS_*: kv put failed: {err[-500:]}")

    # -- whole SDK round trips, signed (Query and JSON 1.0, through followers) ------------------
    urls = [http_url(c, f1), http_url(c, leader), http_url(c, f2)]
    signed = {"STRATUS_TEST_KEY_ID": k2[0], "STRATUS_TEST_SECRET": k2[1]}
    pythons = [(SYSTEM_PYTHON, "a3q-")]
    newpy, _ = test_http_boto3.new_python()
    if newpy:
        pythons.append((newpy, "a3j-"))
    for py, prefix in pythons:
        rc, out, err = run([py, os.path.join(HERE, "boto3_roundtrip.py"), "--prefix", prefix, *urls],
                           env=clean_env(dict(signed, AWS_DEFAULT_REGION="us-east-1")), timeout=600)
        res = [line for line in out.splitlines() if line.startswith("RESULT ")]
        check(rc == 0, f"boto3_roundtrip.py signed with {k2[0]} ({py}): status {rc}: "
                       f"{(res or [out[-1500:]])[-1]} {err[-1500:]}")
        log(f"boto3_roundtrip.py signed with a key ({py}): passed")
    d = test_http_sdk_js.install_sdk()
    rc, out, err = run(["node", os.path.join(d, "roundtrip.mjs"), "ajs-", *urls],
                       env=clean_env(dict(signed, NODE_NO_WARNINGS="1")), timeout=600)
    res = [line for line in out.splitlines() if line.startswith("RESULT ")]
    check(rc == 0, f"roundtrip.mjs signed with {k2[0]}: status {rc}: {(res or [out[-1500:]])[-1]} "
                   f"{err[-1500:]}")
    log("roundtrip.mjs signed with a key: passed")

    rc, doc, err, out = stratus(c, stratus_creds(k2), "auth", "list-keys")
    check(rc == 0, f"auth list-keys: status {rc}: {err[-500:]}")
    ids = sorted(k.get("AccessKeyId") for k in (doc or {}).get("AccessKeyMetadata", []))
    check(ids == sorted([k1[0], k2[0]]), f"auth list-keys: {ids}, expected {sorted([k1[0], k2[0]])}")
    check(k1[1] not in out and k2[1] not in out and "SecretAccessKey" not in out,
          "auth list-keys prints a secret")
    for node in c.nodes():
        logtext = c.node_log(node)
        expect(k1[1] not in logtext and k2[1] not in logtext, f"node {node}'s log contains a secret")

    # -- delete-key ---------------------------------------------------------------------------------
    rc, doc, err, _ = stratus(c, stratus_creds(k2), "auth", "delete-key", "--access-key-id", k1[0])
    check(rc == 0, f"auth delete-key {k1[0]}: status {rc}: {err[-500:]}")
    for n in nodes:
        wait_until(lambda n=n: signed_query(c, n, k1, LIST)[0] != 200, 20,
                   f"node {n} to reject the deleted key {k1[0]}", interval=0.2)
        st, text = signed_query(c, n, k1, LIST)
        query_rejected(st, text, {"InvalidClientTokenId"}, f"the deleted key on node {n}")
        st, text = signed_query(c, n, k2, LIST)
        check(st == 200, f"the remaining key on node {n}: HTTP {st} {text[:300]!r}")
    rc, doc, err = aws(c, awscli, f1, k1, "list-queues")
    check(rc == 254 and "InvalidClientTokenId" in err,
          f"aws with the deleted key: status {rc}, stderr {err[-300:]!r}")
    rc, doc, err, _ = stratus(c, stratus_creds(k1), "sqs", "list-queues")
    check(rc != 0, "native CLI with the deleted key succeeded")
    rc, doc, err, _ = stratus(c, stratus_creds(k2), "auth", "delete-key", "--access-key-id", k1[0])
    expect(rc != 0 and "NoSuchEntity" in err, f"deleting a deleted key: status {rc}, {err[-300:]}")
    rc, doc, err, _ = stratus(c, stratus_creds(k2), "auth", "list-keys")
    ids = [k.get("AccessKeyId") for k in (doc or {}).get("AccessKeyMetadata", [])]
    expect(ids == [k2[0]], f"auth list-keys after delete-key: {ids}")

    # -- the last key deleted: open again ---------------------------------------------------------------
    rc, doc, err, _ = stratus(c, stratus_creds(k2), "auth", "delete-key", "--access-key-id", k2[0])
    check(rc == 0, f"auth delete-key {k2[0]} (the last one): status {rc}: {err[-500:]}")
    for k in ("STRATUS_ACCESS_KEY_ID", "STRATUS_SECRET_ACCESS_KEY"):
        c.env.pop(k, None)
    for n in nodes:
        wait_until(lambda n=n: query(c, n, LIST)[0] == 200, 20,
                   f"node {n} to accept unsigned requests once no key is left", interval=0.2)
    rc, doc, err, _ = stratus(c, {}, "sqs", "list-queues")
    check(rc == 0, f"unsigned native CLI once no key is left: status {rc}: {err[-500:]}")
    end_checks(c)


if __name__ == "__main__":
    run_test("http_auth", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
