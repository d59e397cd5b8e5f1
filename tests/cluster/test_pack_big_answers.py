#!/usr/bin/env python3
"""Packed calls whose answers do not fit one message.

Property: one client with 40 concurrent gets of a 1 MB value (libstratus
packs them; their answers together are ~40 MB, a message holds 4 MiB)
gets every value, whole, before its 20 s retry deadline: a node answers
the calls that do not fit with "send it alone" and the client sends those
alone (before: the pack's answer could not be encoded, was never sent,
and every call timed out while the node lost a request slot each time).
Then the cluster still serves ordinary writes and replicas converge.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, run_test  # noqa: E402

BIG = os.environ.get("STRATUS_BIG_ANSWERS") or os.path.join(
    os.environ.get("STRATUS_BUILD_DIR", "build"), "tests", "cluster", "big_answers")


def body(c):
    c.wait_leader()
    for n in (12, 40):
        p = subprocess.run([BIG, c.endpoints(), str(n)], capture_output=True,
                           text=True, timeout=120)
        log(f"{n} gets: {p.stdout.strip()} {p.stderr.strip()[-300:]}")
        check(p.returncode == 0, f"{n} concurrent 1 MB gets: {p.stdout} {p.stderr[-500:]}")
    rc, _, err = c.cli("kv", "put", "after", "v")
    check(rc == 0, f"a write after the big gets: {err}")
    c.converged()


if __name__ == "__main__":
    run_test("pack_big_answers", __doc__, body)
