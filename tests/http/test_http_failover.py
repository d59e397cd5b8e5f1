#!/usr/bin/env python3
"""SQS over HTTP (Query and JSON 1.0, spread over every node, so mostly
forwarded by followers) while the leader is SIGKILLed, twice.

Property: every SendMessage answered 200 survives exactly once: after the
killed nodes restart, receiving everything (through a follower's HTTP
endpoint) returns each acknowledged body once, with the MessageId its send
returned, and no body that was never sent; FIFO senders that retry a failed
send with the same MessageDeduplicationId until it is acknowledged get
each message exactly once and in order; sends made after each kill through
the surviving nodes succeed again (the followers find the new leader);
long polls running across the kills return (200, or an AWS error document,
or a closed connection from the killed node) and never hang past the
client's 60 s timeout; consumers receiving (VisibilityTimeout 600) and
deleting through every node across the kills never get a message twice,
and what they and a final drain see accounts for the prefilled messages
(up to 3 per failed receive); a failed send is answered with an AWS error document
or a closed connection, never a hang. All nodes converge afterwards.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httptest import (check, end_checks, expect, json_call, log, query, roles,  # noqa: E402
                      wait_http, wait_until, xml_error, xml_field)
from harness import run_test  # noqa: E402

STD_WRITERS = 4
FIFO_WRITERS = 2
POLLERS = 6
CONSUMERS = 4
PREFILL = 1200
ROUNDS = 2


def send(c, n, url, text, i, extra=None):
    """SendMessage through node n, Query or JSON by i; (MessageId or None, error)."""
    extra = extra or {}
    if i % 2:
        st, _, d = query(c, n, dict({"Action": "SendMessage", "QueueUrl": url, "MessageBody": text},
                                    **extra), timeout=60)
        return (xml_field(d, "MessageId"), None) if st == 200 else (None, f"HTTP {st}: "
                                                                          f"{xml_error(d) or d[:200]}")
    st, _, d = json_call(c, n, "SendMessage", dict({"QueueUrl": url, "MessageBody": text}, **extra),
                         timeout=60)
    ok = st == 200 and isinstance(d, dict)
    return (d.get("MessageId"), None) if ok else (None, f"HTTP {st}: {str(d)[:200]}")


def body(c):
    leader, followers = roles(c)
    nodes = [leader] + followers
    log(f"leader: node {leader}; followers: {followers}")
    wait_http(c)
    urls = {}
    for name, attrs in (("failover", {"VisibilityTimeout": "600"}),
                        ("failover.fifo", {"VisibilityTimeout": "600", "FifoQueue": "true"}),
                        ("failover-empty", {}),
                        ("failover-consume", {"VisibilityTimeout": "600"})):
        st, _, doc = json_call(c, followers[0], "CreateQueue", {"QueueName": name, "Attributes": attrs})
        check(st == 200, f"CreateQueue {name}: HTTP {st} {doc}")
        urls[name] = doc["QueueUrl"]

    for b in range(PREFILL // 10):
        st, _, doc = json_call(c, nodes[b % 3], "SendMessageBatch", {
            "QueueUrl": urls["failover-consume"],
            "Entries": [{"Id": str(k), "MessageBody": f"c{b * 10 + k}"} for k in range(10)]})
        check(st == 200 and len(doc.get("Successful", [])) == 10, f"SendMessageBatch: HTTP {st} {doc}")

    lock = threading.Lock()
    consumed = {}      # body -> MessageId, from ReceiveMessage (visibility 600)
    consumed_dups = []
    failed_receives = [0]
    acked = {}         # body -> MessageId (standard queue)
    attempted = set()
    fifo_acked = {w: [] for w in range(FIFO_WRITERS)}
    failures = []      # (node, what)
    hung = []
    polls = {"ok": 0, "error": [], "closed": 0}
    state = {"killed_at": None, "after_kill": 0}
    stop = threading.Event()

    def note(n, text, err):
        with lock:
            failures.append((n, err))

    def std_writer(w):
        i = 0
        while not stop.is_set():
            n = nodes[(w + i) % len(nodes)]
            text = f"w{w}-{i}"
            i += 1
            with lock:
                attempted.add(text)
            t0 = time.monotonic()
            try:
                mid, err = send(c, n, urls["failover"], text, i)
                with lock:
                    if mid:
                        acked[text] = mid
                        if state["killed_at"] is not None and t0 > state["killed_at"]:
                            state["after_kill"] += 1
                    else:
                        failures.append((n, err))
            except TimeoutError:
                with lock:
                    hung.append((n, text))
            except OSError as e:
                note(n, text, repr(e))
                time.sleep(0.05)

    def fifo_writer(w):
        i = 0
        while not stop.is_set():
            text = f"f{w}-{i}"
            deadline = time.monotonic() + 90
            k = 0
            while time.monotonic() < deadline:  # retry with the same dedup id until acked
                n = nodes[(w + i + k) % len(nodes)]
                k += 1
                try:
                    mid, err = send(c, n, urls["failover.fifo"], text, i + k,
                                    {"MessageGroupId": f"g{w}", "MessageDeduplicationId": text})
                except TimeoutError:
                    with lock:
                        hung.append((n, text))
                    continue
                except OSError as e:
                    mid, err = None, repr(e)
                if mid:
                    with lock:
                        fifo_acked[w].append(text)
                    break
                note(n, text, err)
                time.sleep(0.1)
            else:
                with lock:
                    failures.append((None, f"FIFO send {text} not acknowledged in 90 s of retries"))
                return
            i += 1

    def poller(p):
        while not stop.is_set():
            n = nodes[p % len(nodes)]
            try:
                if p % 2:
                    st, _, d = json_call(c, n, "ReceiveMessage", {"QueueUrl": urls["failover-empty"],
                                                                  "WaitTimeSeconds": 10}, timeout=60)
                    ok = st == 200 or (st >= 400 and isinstance(d, dict) and "__type" in d)
                else:
                    st, _, d = query(c, n, {"Action": "ReceiveMessage", "QueueUrl": urls["failover-empty"],
                                            "WaitTimeSeconds": "10"}, timeout=60)
                    ok = st == 200 or (st >= 400 and xml_error(d) is not None)
                with lock:
                    if st == 200:
                        polls["ok"] += 1
                    elif not ok:
                        polls["error"].append((n, st, str(d)[:200]))
            except TimeoutError:
                with lock:
                    hung.append((n, "long poll"))
            except OSError:
                with lock:
                    polls["closed"] += 1
                time.sleep(0.2)

    def consumer(k):
        i = 0
        while not stop.is_set():
            n = nodes[(k + i) % len(nodes)]
            i += 1
            try:
                st, _, d = json_call(c, n, "ReceiveMessage", {
                    "QueueUrl": urls["failover-consume"], "MaxNumberOfMessages": 3,
                    "VisibilityTimeout": 600, "WaitTimeSeconds": 1}, timeout=60)
            except TimeoutError:
                with lock:
                    hung.append((n, "consumer receive"))
                continue
            except OSError:
                with lock:
                    failed_receives[0] += 1
                time.sleep(0.1)
                continue
            if st != 200:
                with lock:
                    failed_receives[0] += 1
                continue
            for m in d.get("Messages", []):
                with lock:
                    if m["Body"] in consumed:
                        consumed_dups.append((m["Body"], consumed[m["Body"]], m["MessageId"], n))
                    consumed[m["Body"]] = m["MessageId"]
                try:  # delete through another node; a failed delete is fine (visibility 600)
                    json_call(c, nodes[(k + i + 1) % len(nodes)], "DeleteMessage", {
                        "QueueUrl": urls["failover-consume"], "ReceiptHandle": m["ReceiptHandle"]},
                              timeout=60)
                except OSError:
                    pass
            time.sleep(0.1)  # paced, so that consuming spans the kills

    threads = ([threading.Thread(target=consumer, args=(k,), daemon=True) for k in range(CONSUMERS)]
               + [threading.Thread(target=std_writer, args=(w,), daemon=True) for w in range(STD_WRITERS)]
               + [threading.Thread(target=fifo_writer, args=(w,), daemon=True)
                  for w in range(FIFO_WRITERS)]
               + [threading.Thread(target=poller, args=(p,), daemon=True) for p in range(POLLERS)])
    for t in threads:
        t.start()
    wait_until(lambda: len(acked) >= 100, 60, "100 acknowledged sends before the first kill",
               interval=0.1)
    current = leader
    for r in range(ROUNDS):
        with lock:
            state["killed_at"] = time.monotonic()
            state["after_kill"] = 0
        log(f"round {r + 1}: {len(acked)} sends acknowledged, {len(consumed)} prefilled messages "
            f"consumed; SIGKILL the leader, node {current}")
        c.kill(current)
        wait_until(lambda: state["after_kill"] >= 100, 90,
                   f"100 sends acknowledged after killing node {current}", interval=0.2)
        c.start(current)
        current, _ = c.wait_leader(timeout=30)
        wait_http(c)
        log(f"round {r + 1}: restarted; the leader is node {current}")
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join(150)
    check(not any(t.is_alive() for t in threads), "a client thread never returned")
    log(f"standard sends: {len(attempted)} attempted, {len(acked)} acknowledged; FIFO sends "
        f"acknowledged: { {w: len(v) for w, v in fifo_acked.items()} }; {len(failures)} failed "
        f"attempts; long polls: {polls['ok']} answered 200, {polls['closed']} connections closed, "
        f"{len(polls['error'])} other answers; {len(hung)} hung")
    kinds = {}
    for n, what in failures:
        kinds.setdefault(what[:70], set()).add(n)
    log(f"failure kinds (by node): { {k: sorted(map(str, v)) for k, v in kinds.items()} }")
    expect(not hung, f"{len(hung)} requests hung past the client's 60 s timeout: {hung[:5]}")
    expect(not polls["error"], f"long polls answered without an AWS error document: "
                               f"{polls['error'][:5]}")
    expect(not any(n is None for n, _ in failures),
           f"FIFO sends never acknowledged: {[w for n, w in failures if n is None][:5]}")

    # -- what the queues hold ------------------------------------------------------------------
    reader = [n for n in nodes if n != current][0]

    def drain(url, fifo):
        got = []
        empty_rounds = 0
        while empty_rounds < 3:
            st, _, d = json_call(c, reader, "ReceiveMessage", {
                "QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 2,
                "AttributeNames": ["MessageGroupId"]}, timeout=60)
            check(st == 200, f"ReceiveMessage after the failovers: HTTP {st} {d}")
            ms = d.get("Messages", [])
            empty_rounds = 0 if ms else empty_rounds + 1
            for m in ms:
                got.append(m)
                if fifo:  # the next of a group only once this one is deleted
                    json_call(c, reader, "DeleteMessage", {"QueueUrl": url,
                                                           "ReceiptHandle": m["ReceiptHandle"]})
        return got

    received = {}
    dups = []
    for m in drain(urls["failover"], False):
        if m["Body"] in received:
            dups.append((m["Body"], received[m["Body"]], m["MessageId"]))
        received[m["Body"]] = m["MessageId"]
    lost = sorted(b for b in acked if b not in received)
    wrong_id = sorted(b for b in acked if b in received and received[b] != acked[b])
    unknown = sorted(b for b in received if b not in attempted)
    log(f"standard queue: received {len(received)} distinct bodies ({len(received) - len(acked)} "
        f"from failed sends that took effect)")
    check(not lost, f"{len(lost)} acknowledged sends lost: {lost[:10]}")
    check(not dups, f"{len(dups)} bodies received twice (body, first id, second id): {dups[:10]}")
    expect(not wrong_id, f"{len(wrong_id)} received with another MessageId than their send's: "
                         f"{[(b, acked[b], received[b]) for b in wrong_id[:5]]}")
    expect(not unknown, f"bodies never sent were received: {unknown[:10]}")

    rest = drain(urls["failover-consume"], False)
    rest_bodies = [m["Body"] for m in rest]
    all_bodies = list(consumed) + rest_bodies
    log(f"consumers: {len(consumed)} messages received during the kills ({failed_receives[0]} "
        f"failed receive attempts), {len(rest)} left afterwards, of {PREFILL}")
    check(not consumed_dups, f"{len(consumed_dups)} messages delivered twice within their 600 s "
                             f"visibility (body, first id, second id, node): {consumed_dups[:5]}")
    check(len(set(all_bodies)) == len(all_bodies),
          f"messages received during the kills were received again afterwards: "
          f"{sorted(set(consumed) & set(rest_bodies))[:10]}")
    expect(set(all_bodies) <= {f"c{k}" for k in range(PREFILL)}, "unknown bodies in failover-consume")
    expect(len(all_bodies) >= PREFILL - 3 * failed_receives[0],
           f"only {len(all_bodies)} of {PREFILL} prefilled messages seen, with {failed_receives[0]} "
           f"failed receives (at most 3 messages each may be in flight unseen)")

    fifo = drain(urls["failover.fifo"], True)
    for w in range(FIFO_WRITERS):
        bodies = [m["Body"] for m in fifo if m.get("Attributes", {}).get("MessageGroupId") == f"g{w}"]
        # The writer's last message may have been sent (and taken effect) without its ack.
        want = fifo_acked[w]
        check(bodies[:len(want)] == want and len(bodies) <= len(want) + 1,
              f"FIFO group g{w}: received {len(bodies)} messages, acknowledged {len(want)}; first "
              f"difference at {next((k for k, (a, b) in enumerate(zip(bodies, want)) if a != b), None)}"
              f": received {bodies[:8]}... expected {want[:8]}...")
    log(f"FIFO: {len(fifo)} messages, each group in order, no duplicate")
    end_checks(c)


if __name__ == "__main__":
    run_test("http_failover", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
