#!/usr/bin/env python3
"""SendMessage over HTTP (Query and JSON 1.0, spread over every node, so
mostly forwarded by followers) while the leader is SIGKILLed.

Property: every SendMessage answered 200 survives the failover exactly
once: after the old leader restarts, receiving everything (through a
follower's HTTP endpoint) returns each acknowledged body once, with the
MessageId its send returned; no body is received twice and none that was
never sent; sends made after the kill through the surviving nodes succeed
again (the followers find the new leader); a failed send is answered with
an AWS error document (5xx/4xx) or a closed connection, never a hang past
the client's 60 s timeout. All nodes converge afterwards.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httptest import (check, end_checks, expect, json_call, log, query, roles,  # noqa: E402
                      wait_http, wait_until, xml_error, xml_field)
from harness import run_test  # noqa: E402

WRITERS = 6


def body(c):
    leader, followers = roles(c)
    nodes = [leader] + followers
    log(f"leader: node {leader}; followers: {followers}")
    wait_http(c)
    st, _, doc = json_call(c, followers[0], "CreateQueue", {
        "QueueName": "failover", "Attributes": {"VisibilityTimeout": "600"}})
    check(st == 200, f"CreateQueue: HTTP {st} {doc}")
    url = doc["QueueUrl"]

    lock = threading.Lock()
    acked = {}       # body -> MessageId
    attempted = set()
    failures = []    # (node, what)
    hung = []
    killed_at = [None]
    acked_after_kill = [0]
    stop = threading.Event()

    def writer(w):
        i = 0
        while not stop.is_set():
            n = nodes[(w + i) % len(nodes)]
            text = f"w{w}-{i}"
            i += 1
            with lock:
                attempted.add(text)
            t0 = time.monotonic()
            try:
                if i % 2:
                    st, _, d = query(c, n, {"Action": "SendMessage", "QueueUrl": url,
                                            "MessageBody": text}, timeout=60)
                    mid = xml_field(d, "MessageId") if st == 200 else None
                    err = None if st == 200 else (xml_error(d) or d[:200])
                else:
                    st, _, d = json_call(c, n, "SendMessage", {"QueueUrl": url, "MessageBody": text},
                                         timeout=60)
                    mid = d.get("MessageId") if st == 200 and isinstance(d, dict) else None
                    err = None if st == 200 else str(d)[:200]
                with lock:
                    if st == 200 and mid:
                        acked[text] = mid
                        if killed_at[0] is not None and t0 > killed_at[0]:
                            acked_after_kill[0] += 1
                    else:
                        failures.append((n, f"HTTP {st}: {err}"))
            except TimeoutError:
                with lock:
                    hung.append((n, text))
            except OSError as e:
                with lock:
                    failures.append((n, repr(e)))
                time.sleep(0.05)

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(WRITERS)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acked) >= 100, 60, "100 acknowledged sends before the kill", interval=0.1)
    log(f"{len(acked)} sends acknowledged; SIGKILL the leader, node {leader}")
    killed_at[0] = time.monotonic()
    c.kill(leader)
    wait_until(lambda: acked_after_kill[0] >= 100, 90,
               "100 sends acknowledged after the kill (through the surviving nodes)", interval=0.2)
    stop.set()
    for t in threads:
        t.join(120)
    check(not any(t.is_alive() for t in threads), "a writer never returned")
    log(f"sends: {len(attempted)} attempted, {len(acked)} acknowledged "
        f"({acked_after_kill[0]} after the kill), {len(failures)} failed, {len(hung)} hung")
    kinds = {}
    for n, what in failures:
        kinds.setdefault(what.split(":")[0] if what.startswith("HTTP") else what[:60], set()).add(n)
    log(f"failure kinds (by node): { {k: sorted(v) for k, v in kinds.items()} }")
    expect(not hung, f"{len(hung)} sends hung past the client's 60 s timeout: {hung[:5]}")
    survivors = set(followers)
    expect(not any(n in survivors and "HTTP 5" not in what and "HTTP 4" not in what
                   and "Connection" not in what and "RemoteDisconnected" not in what
                   for n, what in failures),
           f"unexpected failure kinds from surviving nodes: "
           f"{[f for f in failures if f[0] in survivors][:5]}")

    c.start(leader)
    new_leader, _ = c.wait_leader(timeout=30)
    wait_http(c)
    log(f"node {leader} restarted; leader now node {new_leader}")

    received = {}
    dups = []
    reader = [n for n in nodes if n != new_leader][0]
    empty_rounds = 0
    while empty_rounds < 3:
        st, _, d = json_call(c, reader, "ReceiveMessage", {
            "QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 2}, timeout=60)
        check(st == 200, f"ReceiveMessage after the failover: HTTP {st} {d}")
        ms = d.get("Messages", [])
        empty_rounds = 0 if ms else empty_rounds + 1
        for m in ms:
            if m["Body"] in received:
                dups.append((m["Body"], received[m["Body"]], m["MessageId"]))
            received[m["Body"]] = m["MessageId"]
    lost = sorted(b for b in acked if b not in received)
    wrong_id = sorted(b for b in acked if b in received and received[b] != acked[b])
    unknown = sorted(b for b in received if b not in attempted)
    log(f"received {len(received)} distinct bodies ({len(received) - len(acked)} beyond the "
        f"acknowledged ones, from failed sends that took effect)")
    check(not lost, f"{len(lost)} acknowledged sends lost: {lost[:10]}")
    check(not dups, f"{len(dups)} bodies received twice (body, first id, second id): {dups[:10]}")
    expect(not wrong_id, f"{len(wrong_id)} received with another MessageId than their send's: "
                         f"{[(b, acked[b], received[b]) for b in wrong_id[:5]]}")
    expect(not unknown, f"bodies never sent were received: {unknown[:10]}")
    end_checks(c)


if __name__ == "__main__":
    run_test("http_failover", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
