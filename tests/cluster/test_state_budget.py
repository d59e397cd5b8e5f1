#!/usr/bin/env python3
"""The replicated state's memory budget refuses growth, not draining.

Property: on a 3-node cluster started with --max-state-bytes 300000,
SQS send-message of 8 KiB bodies succeeds until the state reaches the
budget and is then refused with AWS's OverLimit error (non-zero exit, the
message names the budget), as is a kv put (OverLimit); while over budget,
receive-message and delete-message still work and drain the queue, a kv
delete works; once drained, sends succeed again; /metrics on the leader
reports stratus_state_budget_bytes 300000, stratus_state_bytes and a
non-zero stratus_state_budget_refusals_total; every replica converges to
one digest (the refusals happened before the log: nothing diverged).
"""
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, measure, node_ports, run_test  # noqa: E402
from test_sqs_cli import ok, sqs  # noqa: E402

BUDGET = 300000
BODY = "x" * 8192


def metrics(c, node):
    _, _, http = node_ports(c.base, node)
    with urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("stratus_state_"):
            k, v = line.split()
            out[k] = float(v)
    return out


def body(c):
    lid, _ = c.wait_leader()
    ok(c, "create-queue", "--queue-name", "full")
    rc, _, err = c.cli("kv", "put", "small", "v")
    check(rc == 0, f"kv put before the budget is reached: {err}")

    sent = 0
    refused = None
    for _ in range(100):
        rc, out, err = sqs(c, "send-message", "--queue-name", "full", "--message-body", BODY)
        if rc != 0:
            refused = err
            break
        sent += 1
    measure("messages_sent_before_budget", sent)
    check(refused is not None, f"{sent} sends of 8 KiB never hit a 300000-byte budget")
    check(isinstance(refused, dict) and refused.get("Name") == "OverLimit"
          and "budget" in refused.get("Message", ""),
          f"send over the budget: {refused}")
    check(20 <= sent <= 40, f"{sent} messages of 8 KiB fit a 300000-byte budget")
    rc, _, err = c.cli("kv", "put", "big", "y" * 8192)
    check(rc != 0 and "OverLimit" in str(err), f"kv put over the budget: status {rc}, {err}")

    m = metrics(c, lid)
    log(f"metrics: {m}")
    check(m.get("stratus_state_budget_bytes") == BUDGET, f"budget metric: {m}")
    check(BUDGET - 9000 <= m.get("stratus_state_bytes", 0) <= BUDGET,
          f"state bytes at the budget: {m}")
    check(m.get("stratus_state_budget_refusals_total", 0) >= 2, f"refusals: {m}")

    # Draining works while over the budget.
    rc, _, err = c.cli("kv", "delete", "small")
    check(rc == 0, f"kv delete over the budget: {err}")
    drained = 0
    for _ in range(40):
        out = ok(c, "receive-message", "--queue-name", "full",
                 "--max-number-of-messages", "10")
        msgs = (out or {}).get("Messages", [])
        if not msgs:
            break
        for msg in msgs:
            ok(c, "delete-message", "--queue-name", "full",
               "--receipt-handle", msg["ReceiptHandle"])
            drained += 1
    check(drained == sent, f"drained {drained} of {sent}")
    ok(c, "send-message", "--queue-name", "full", "--message-body", BODY)
    rc, _, err = c.cli("kv", "put", "big", "y" * 8192)
    check(rc == 0, f"kv put after draining: {err}")
    c.converged(expect=c.members())


if __name__ == "__main__":
    run_test("state_budget", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body,
             node_args=f"--max-state-bytes {BUDGET}")
