#!/usr/bin/env python3
"""A retried write is answered with its recorded response, at once.

Property: a ReceiveMessage with WaitTimeSeconds=20 that took a message,
sent again with the same (client_id, seq) — a client retrying after the
answer was lost — gets the same message and receipt handle right away,
although the queue is now empty: the leader answers it from the applied
session records before prepare (which would park a long poll on an empty
queue for its whole wait). A new sequence number on the empty queue with
WaitTimeSeconds=1 is answered empty. stratus_duplicates_answered_total
counts the retry. A long poll whose seq is below its client's floor (a
stale copy of a request the client gave up on) is refused SessionExpired
at once, not parked for its wait first.
"""
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, node_ports, run_test  # noqa: E402
from test_sqs_cli import ok  # noqa: E402


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, payload):
    """A length-delimited protobuf field."""
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def receive_request(client_id, seq, queue_url, wait_s, floor=0):
    doc = json.dumps({"QueueUrl": queue_url, "WaitTimeSeconds": wait_s,
                      "VisibilityTimeout": 120}).encode()
    call = field(1, b"sqs") + field(2, b"ReceiveMessage") + field(3, doc)
    op = field(30, call)                      # Op.service_call
    req = (varint(1 << 3) + varint(client_id) + varint(2 << 3) + varint(seq)
           + field(3, op))                    # Request.client_id, seq, ops
    if floor:
        req += varint(4 << 3) + varint(floor)  # Request.seq_floor
    return req.hex()


def messages(reply):
    check(reply["code"] == 0 and reply["results"] and reply["results"][0]["code"] == 0,
          f"the receive failed: {reply}")
    return json.loads(reply["results"][0].get("output") or "{}").get("Messages", [])


def counter(c, node, name):
    _, _, http = node_ports(c.base, node)
    with urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    raise AssertionError(f"no {name} in /metrics")


def body(c):
    lid, _ = c.wait_leader()
    url = ok(c, "create-queue", "--queue-name", "retry")["QueueUrl"]
    ok(c, "send-message", "--queue-url", url, "--message-body", "only one")
    addr = c.client_address(lid)
    req = receive_request(0x5EED0001, 7, url, 20)

    kind, first = c.raw(addr, "--hex", req, timeout_ms=25000)
    check(kind == "reply", f"no answer to the first receive: {first}")
    m1 = messages(first)
    check(len(m1) == 1 and m1[0]["Body"] == "only one", f"first receive: {m1}")

    # The same request again (the queue is empty now, the message in
    # flight): must not wait 20 s for nothing, must not take anything new.
    kind, again = c.raw(addr, "--hex", req, timeout_ms=10000)
    check(kind == "reply",
          f"the retry was not answered within 10 s (parked as a new long poll?): {again}")
    m2 = messages(again)
    check(m2 == m1, f"the retry's answer differs from the recorded one:\n{m1}\n{m2}")
    log(f"retry answered in {again['elapsed_ms']} ms with the recorded message")
    check(counter(c, lid, "stratus_duplicates_answered_total") >= 1,
          "stratus_duplicates_answered_total did not count the retry")

    kind, fresh = c.raw(addr, "--hex", receive_request(0x5EED0001, 8, url, 1),
                        timeout_ms=10000)
    check(kind == "reply" and messages(fresh) == [],
          f"a new receive on the empty queue: {fresh}")

    # The client moves its floor to 20; a late copy of seq 15 (never
    # applied) is below it: refused at once, not parked for 20 s.
    kind, moved = c.raw(addr, "--hex",
                        receive_request(0x5EED0001, 20, url, 1, floor=20),
                        timeout_ms=10000)
    check(kind == "reply" and messages(moved) == [],
          f"a receive raising the floor: {moved}")
    kind, stale = c.raw(addr, "--hex", receive_request(0x5EED0001, 15, url, 20),
                        timeout_ms=10000)
    check(kind == "reply" and stale.get("error_name") == "SessionExpired",
          f"a long poll below the floor was not refused at once: {stale}")
    log(f"below-floor long poll refused in {stale['elapsed_ms']} ms")


if __name__ == "__main__":
    run_test("sqs_retry_answered", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "),
             body)
