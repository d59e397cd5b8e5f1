#!/usr/bin/env python3
"""Operations endpoints of every node's HTTP server: /healthz, /readyz,
/metrics.

Property: /healthz answers 200 on every node; /readyz answers 200 on every
node of a healthy cluster, turns non-200 (still answering) on a node that
lost the majority (the other two SIGSTOPped) while its /healthz stays 200
and SQS requests to it (Query and JSON) get 5xx ServiceUnavailable rather
than hanging,
and is 200 everywhere again once they resume. /metrics is Prometheus text
format 0.0.4 (every sample line `name{labels} value`, HELP/TYPE at most once
per family and before its samples, histogram buckets cumulative with +Inf
equal to _count) and exports the families in METRICS below: raft role (the
leader says leader), term (equal on all nodes), commit and applied index,
a commit-latency histogram, leader changes, snapshot count and size,
per-queue depth / in-flight / delayed (exactly 2 / 1 / 1 on every node after
sending 3 messages, receiving 1 and sending 1 delayed) and sends / receives /
deletes, HTTP requests by code and protocol (200 and 4xx codes, both the
Query and the JSON protocol seen). All nodes stay up and converge.
"""
import math
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httptest import (TestFailure, check, end_checks, expect, json_call, json_error_type,  # noqa: E402
                      log, query, request, roles, wait_http, wait_until, xml_error)
from harness import run_test  # noqa: E402

# ---- the metric families this test expects (as broker/node_pages.c, sqs_metrics.c
# and http.c export them; adjust here if they are renamed) ----
METRICS = {
    "raft_role": "stratus_raft_role",                   # gauge; {role="leader"} 1, or a number
    "raft_term": "stratus_raft_term",                   # gauge
    "raft_commit_index": "stratus_raft_commit_index",   # gauge
    "raft_applied_index": "stratus_raft_applied_index",  # gauge
    "commit_latency": "stratus_commit_latency_seconds",  # histogram
    "leader_changes": "stratus_raft_leader_changes_total",    # counter
    "snapshots": "stratus_snapshots_taken_total",             # counter
    "snapshots_restored": "stratus_snapshots_restored_total",  # counter
    "snapshot_size": "stratus_snapshot_bytes",               # gauge
    "queue_depth": "stratus_sqs_messages_visible",            # gauge {queue}
    "queue_in_flight": "stratus_sqs_messages_inflight",          # gauge {queue}
    "queue_delayed": "stratus_sqs_messages_delayed",            # gauge {queue}
    "queue_sends": "stratus_sqs_messages_sent_total",          # counter {queue}
    "queue_receives": "stratus_sqs_messages_received_total",   # counter {queue}
    "queue_deletes": "stratus_sqs_messages_deleted_total",     # counter {queue}
    "http_requests": "stratus_http_requests_total",             # counter {code, protocol}
}
QUEUE_LABEL = "queue"          # the label naming the queue in the per-queue families
HTTP_CODE_LABEL = "code"
HTTP_PROTOCOL_LABEL = "protocol"
ROLE_LABEL = "role"

QUEUE = "ops-depth"

SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?$")
LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_value(s):
    if s in ("+Inf", "Inf"):
        return math.inf
    if s == "-Inf":
        return -math.inf
    if s == "NaN":
        return math.nan
    return float(s)  # ValueError if malformed


def parse_labels(s, where):
    labels = {}
    pos = 0
    s = s or ""
    while pos < len(s):
        m = LABEL_RE.match(s, pos)
        if not m:
            raise TestFailure(f"{where}: malformed labels {s!r} at {pos}")
        name, val = m.group(1), m.group(2)
        if name in labels:
            raise TestFailure(f"{where}: label {name} repeated")
        labels[name] = re.sub(r"\\(.)", lambda x: {"n": "\n"}.get(x.group(1), x.group(1)), val)
        pos = m.end()
    return labels


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[:-len(suffix)]) in ("histogram", "summary"):
            return name[:-len(suffix)]
    return name


def parse_metrics(text, node):
    """Check the exposition format; return ({family: type}, [(name, labels, value)])."""
    where = f"node {node} /metrics"
    types, helps, seen_samples = {}, {}, set()
    samples = []
    check(text.endswith("\n"), f"{where}: does not end with a newline")
    for k, line in enumerate(text.split("\n")[:-1], 1):
        at = f"{where} line {k}"
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                fam = parts[2]
                check(re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", fam), f"{at}: bad name {fam!r}")
                if parts[1] == "TYPE":
                    check(len(parts) == 4 and parts[3].strip() in TYPES, f"{at}: bad TYPE line {line!r}")
                    check(fam not in types, f"{at}: second TYPE line for {fam}")
                    check(fam not in seen_samples, f"{at}: TYPE for {fam} after its samples")
                    types[fam] = parts[3].strip()
                else:
                    check(fam not in helps, f"{at}: second HELP line for {fam}")
                    helps[fam] = parts[3] if len(parts) == 4 else ""
            continue
        m = SAMPLE_RE.match(line)
        check(m, f"{at}: not `name{{labels}} value`: {line!r}")
        name, labels, value = m.group(1), parse_labels(m.group(2), at), m.group(3)
        try:
            v = parse_value(value)
        except ValueError:
            raise TestFailure(f"{at}: value {value!r} is not a number")
        seen_samples.add(family_of(name, types))
        samples.append((name, labels, v))
    # Histograms: cumulative buckets, +Inf == _count, per label set.
    for fam, t in types.items():
        if t != "histogram":
            continue
        series = {}
        for name, labels, v in samples:
            if name == fam + "_bucket":
                check("le" in labels, f"{where}: {fam}_bucket without le")
                key = tuple(sorted((a, b) for a, b in labels.items() if a != "le"))
                series.setdefault(key, {})["b" + labels["le"]] = v
            elif name in (fam + "_count", fam + "_sum"):
                key = tuple(sorted(labels.items()))
                series.setdefault(key, {})[name[len(fam):]] = v
        for key, s in series.items():
            buckets = sorted(((parse_value(b[1:]), v) for b, v in s.items() if b.startswith("b")))
            check(buckets and buckets[-1][0] == math.inf, f"{where}: {fam}{dict(key)} has no +Inf bucket")
            counts = [v for _, v in buckets]
            check(counts == sorted(counts), f"{where}: {fam}{dict(key)} buckets not cumulative: {buckets}")
            check("_count" in s and "_sum" in s, f"{where}: {fam}{dict(key)} lacks _sum/_count")
            check(s["_count"] == counts[-1], f"{where}: {fam}{dict(key)} _count {s['_count']} != "
                                            f"+Inf bucket {counts[-1]}")
    return types, samples


def scrape(c, node):
    st, hd, body = request(c, node, "GET", "/metrics", timeout=30)
    check(st == 200, f"node {node} /metrics: HTTP {st}")
    ct = hd.get("content-type", "")
    expect(ct.startswith("text/plain") and "0.0.4" in ct,
           f"node {node} /metrics Content-Type {ct!r} (expected text/plain; version=0.0.4)")
    return parse_metrics(body.decode("utf-8"), node)


def values(samples, name, **labels):
    return [v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items())]


def one(samples, name, **labels):
    vs = values(samples, name, **labels)
    return vs[0] if len(vs) == 1 else None


def status(c, node, path):
    try:
        return request(c, node, "GET", path, timeout=10)[0]
    except OSError as e:
        return f"no answer ({e.__class__.__name__})"


def role_of(samples):
    """'leader' / other string from the role family, or its number."""
    fam = METRICS["raft_role"]
    for n, l, v in samples:
        if n == fam and ROLE_LABEL in l and v == 1:
            return l[ROLE_LABEL]
    return one(samples, fam)


def body(c):
    leader, followers = roles(c)
    nodes = [leader] + followers
    log(f"leader: node {leader}; followers: {followers}")
    wait_http(c)

    # -- health and readiness --------------------------------------------------------
    for n in nodes:
        check(status(c, n, "/healthz") == 200, f"node {n} /healthz: {status(c, n, '/healthz')}")
        wait_until(lambda n=n: status(c, n, "/readyz") == 200, 30, f"node {n} /readyz to be 200",
                   interval=0.2)

    # -- traffic for the per-queue and HTTP families ---------------------------------------
    st, _, doc = json_call(c, followers[0], "CreateQueue", {"QueueName": QUEUE})
    check(st == 200 and "QueueUrl" in doc, f"CreateQueue (JSON): HTTP {st} {doc}")
    url = doc["QueueUrl"]
    for k in range(3):
        st, _, text = query(c, followers[-1], {"Action": "SendMessage", "QueueUrl": url,
                                               "MessageBody": f"m{k}"})
        check(st == 200, f"SendMessage (Query): HTTP {st} {text[:300]}")
    st, _, doc = json_call(c, leader, "SendMessage", {"QueueUrl": url, "MessageBody": "later",
                                                      "DelaySeconds": 600})
    check(st == 200, f"SendMessage DelaySeconds=600 (JSON): HTTP {st} {doc}")
    st, _, doc = json_call(c, followers[0], "ReceiveMessage", {"QueueUrl": url, "VisibilityTimeout": 600,
                                                               "WaitTimeSeconds": 5})
    check(st == 200 and len(doc.get("Messages", [])) == 1, f"ReceiveMessage: HTTP {st} {doc}")
    st, _, doc = json_call(c, leader, "SendMessage", {"QueueUrl": url, "MessageBody": "gone"})
    st, _, doc2 = json_call(c, leader, "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10,
                                                          "VisibilityTimeout": 0})
    for m in doc2.get("Messages", []):
        if m["Body"] == "gone":
            json_call(c, leader, "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]})
    st, _, _ = json_call(c, followers[-1], "GetQueueUrl", {"QueueName": "ops-missing"})
    expect(st == 400, f"GetQueueUrl of a missing queue (JSON): HTTP {st}")
    st, _, _ = query(c, followers[0], {"Action": "GetQueueUrl", "QueueName": "ops-missing"})
    expect(st == 400, f"GetQueueUrl of a missing queue (Query): HTTP {st}")

    # -- /metrics ----------------------------------------------------------------------------
    scraped = {n: scrape(c, n) for n in nodes}
    for n, (types, samples) in scraped.items():
        fams = set(types) | {family_of(s[0], types) for s in samples}
        missing = [f"{k} ({v})" for k, v in METRICS.items()
                   if v not in fams and not k.startswith("queue_")]
        expect(not missing, f"node {n} /metrics lacks: {', '.join(missing)}; it has: "
                            f"{', '.join(sorted(fams))[:1500]}")
        expect(types.get(METRICS["commit_latency"]) == "histogram",
               f"node {n}: {METRICS['commit_latency']} has TYPE {types.get(METRICS['commit_latency'])}")
        for k in ("raft_applied_index", "raft_commit_index", "raft_term"):
            v = one(samples, METRICS[k])
            expect(v is not None and v >= 1, f"node {n}: {METRICS[k]} = {values(samples, METRICS[k])}")
    terms = {n: one(s, METRICS["raft_term"]) for n, (_, s) in scraped.items()}
    expect(len(set(terms.values())) == 1, f"raft term differs between nodes: {terms}")
    roles_seen = {n: role_of(s) for n, (_, s) in scraped.items()}
    log(f"raft role per node from /metrics: {roles_seen}")
    if isinstance(roles_seen[leader], str):
        expect(roles_seen[leader] == "leader" and all(roles_seen[f] == "follower" for f in followers),
               f"raft role from /metrics: {roles_seen} (leader is node {leader})")
    else:
        expect(roles_seen[leader] is not None and all(roles_seen[f] != roles_seen[leader]
                                                      for f in followers),
               f"raft role from /metrics: {roles_seen} (leader is node {leader})")
    _, ls = scraped[leader]
    expect(sum(values(ls, METRICS["commit_latency"] + "_count")) > 0,
           f"leader: commit latency histogram is empty after writes")

    http_codes = set()
    protocols = set()
    for n, (_, s) in scraped.items():
        for name, l, v in s:
            if name == METRICS["http_requests"] and v > 0:
                http_codes.add(l.get(HTTP_CODE_LABEL))
                protocols.add(l.get(HTTP_PROTOCOL_LABEL))
    log(f"http requests: codes {sorted(map(str, http_codes))}, protocols {sorted(map(str, protocols))}")
    expect("200" in http_codes and any(str(x).startswith("4") for x in http_codes),
           f"{METRICS['http_requests']}: codes seen {http_codes} (expected 200 and a 4xx)")
    expect(len(protocols - {None}) >= 2,
           f"{METRICS['http_requests']}: protocols seen {protocols} (expected Query and JSON)")

    # Per-queue gauges: 3 sent + 1 delayed, 1 received (in flight), "gone" deleted.
    want = {"queue_depth": 2, "queue_in_flight": 1, "queue_delayed": 1}
    last = {}

    def queue_ok():
        ok = True
        for n in nodes:
            _, s = scrape(c, n)
            got = {k: one(s, METRICS[k], **{QUEUE_LABEL: QUEUE}) for k in want}
            last[n] = got
            if n == leader:
                last["counters"] = {k: one(s, METRICS[k], **{QUEUE_LABEL: QUEUE})
                                    for k in ("queue_sends", "queue_receives", "queue_deletes")}
            ok = ok and got == want
        return ok
    try:
        wait_until(queue_ok, 30, "per-queue gauges on every node", interval=0.5)
    except TestFailure:
        expect(False, f"/metrics for queue {QUEUE} per node: "
                      f"{ {n: last.get(n) for n in nodes} }, expected {want} on every node")
    cnt = last.get("counters", {})
    log(f"per-queue counters for {QUEUE}: {cnt}")
    expect((cnt.get("queue_sends") or 0) >= 5 and (cnt.get("queue_receives") or 0) >= 2
           and (cnt.get("queue_deletes") or 0) >= 1,
           f"per-queue counters for {QUEUE}: {cnt} (expected sends >= 5, receives >= 2, deletes >= 1)")

    # -- readiness without a majority -----------------------------------------------------------
    lone = followers[0]
    others = [n for n in nodes if n != lone]
    log(f"pausing nodes {others}: node {lone} loses the majority")
    for n in others:
        c.pause(n)
    try:
        wait_until(lambda: status(c, lone, "/readyz") not in (200,), 30,
                   f"node {lone} /readyz to turn non-200 without a majority", interval=0.5)
        r = status(c, lone, "/readyz")
        check(isinstance(r, int), f"node {lone} /readyz did not answer without a majority: {r}")
        log(f"node {lone} /readyz without a majority: {r}")
        for _ in range(3):
            h = status(c, lone, "/healthz")
            check(h == 200, f"node {lone} /healthz without a majority: {h}")
        _, s = scrape(c, lone)
        log(f"node {lone} role without a majority: {role_of(s)}")
        # SQS requests to it are answered with an AWS error (no hang) — concurrently.
        answers = {}

        def ask(proto):
            try:
                if proto == "query":
                    st, hd, text = query(c, lone, {"Action": "ListQueues"}, timeout=120)
                    e = xml_error(text)
                    answers[proto] = (st, e[1] if e else text[:200])
                else:
                    st, hd, doc = json_call(c, lone, "SendMessage", {"QueueUrl": url, "MessageBody": "x"},
                                            timeout=120)
                    answers[proto] = (st, json_error_type(doc) or str(doc)[:200])
            except OSError as e:
                answers[proto] = (None, repr(e))
        ts = [threading.Thread(target=ask, args=(p,)) for p in ("query", "json")]
        for t in ts:
            t.start()
        for t in ts:
            t.join(150)
        log(f"node {lone} without a majority answers SQS requests with: {answers}")
        for proto in ("query", "json"):
            st, code = answers.get(proto, (None, "no answer"))
            expect(st is not None and st >= 500 and code == "ServiceUnavailable",
                   f"{proto} request to node {lone} without a majority: HTTP {st} {code} "
                   f"(expected 503 ServiceUnavailable, not a hang)")
    finally:
        for n in others:
            c.resume(n)
    for n in nodes:
        wait_until(lambda n=n: status(c, n, "/readyz") == 200, 60,
                   f"node {n} /readyz to be 200 again after resume", interval=0.5)
    end_checks(c)


if __name__ == "__main__":
    run_test("http_ops", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
