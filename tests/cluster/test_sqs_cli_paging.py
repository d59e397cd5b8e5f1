#!/usr/bin/env python3
"""`stratus sqs` paging and --query against a real 3-node cluster.

Property: list-queues follows NextToken like the AWS CLI v2: with 25 queues
and --page-size 7 all 25 URLs come back in one merged response without a
NextToken; --no-paginate --max-results 7 gives the server's first page with
its NextToken; --max-items 10 gives 10 URLs and a NextToken that
--starting-token (with another page size) resumes from, so that the two
runs together list every queue exactly once, in order; --query filters
the merged response (QueueUrls[?contains(@, `x`)]) in JSON and in text
output; a malformed --query is a usage error (exit 252) and paging
options are refused on an operation without paging (252). The global
options work anywhere on the line, as in the AWS CLI: `stratus --query Q
--output text sqs list-queues ... --endpoints E` prints exactly what
`stratus --endpoints E sqs list-queues ... --query Q --output text` does,
and a malformed --query before `sqs` is still a usage error (252).
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, log, run_test  # noqa: E402

PREFIX = "pg-"
N = 25


def sqs(c, *args, raw=False):
    cmd = [c.bins["stratus"], "--endpoints", c.endpoints(),
           "--timeout-ms", "10000", "sqs", *args]
    p = subprocess.run(cmd, env=c.env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=70)
    if raw:
        return p.returncode, p.stdout, p.stderr
    out = None
    if p.stdout.strip():
        try:
            out = json.loads(p.stdout)
        except ValueError:
            raise TestFailure(f"stratus sqs {' '.join(args)}: not JSON: {p.stdout[:300]!r}")
    return p.returncode, out, p.stderr


def stratus(c, *args):
    """The whole command line as given; the endpoints go last."""
    cmd = [c.bins["stratus"], *args, "--endpoints", c.endpoints(), "--timeout-ms", "10000"]
    p = subprocess.run(cmd, env=c.env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=70)
    return p.returncode, p.stdout, p.stderr


def ok(c, *args):
    rc, out, err = sqs(c, *args)
    check(rc == 0, f"stratus sqs {' '.join(args)}: status {rc}: {err}")
    return out


def body(c):
    c.wait_leader()
    # Every fifth name has an x: pg-x05, pg-x10, ...
    names = [f"{PREFIX}{'x' if i % 5 == 0 else ''}{i:02d}" for i in range(1, N + 1)]
    for n in names:
        ok(c, "create-queue", "--queue-name", n)
    urls = sorted(ok(c, "list-queues", "--queue-name-prefix", PREFIX)["QueueUrls"])
    check(len(urls) == N, f"list-queues: {len(urls)} of {N} queues")

    out = ok(c, "list-queues", "--queue-name-prefix", PREFIX, "--page-size", "7")
    check(out.get("QueueUrls") == urls and "NextToken" not in out,
          f"--page-size 7 merged: {out}")

    out = ok(c, "list-queues", "--queue-name-prefix", PREFIX, "--no-paginate",
             "--max-results", "7")
    check(out["QueueUrls"] == urls[:7] and "NextToken" in out,
          f"--no-paginate --max-results 7: {out}")

    first = ok(c, "list-queues", "--queue-name-prefix", PREFIX, "--page-size", "7",
               "--max-items", "10")
    check(first["QueueUrls"] == urls[:10] and first.get("NextToken"),
          f"--max-items 10: {first}")
    rest = ok(c, "list-queues", "--queue-name-prefix", PREFIX, "--page-size", "4",
              "--starting-token", first["NextToken"])
    check(rest["QueueUrls"] == urls[10:] and "NextToken" not in rest,
          f"--starting-token: {rest['QueueUrls']} != {urls[10:]}")
    log("max-items 10 + starting-token: 25 queues, no duplicates")

    want_x = [u for u in urls if "x" in u.rsplit("/", 1)[1]]
    out = ok(c, "list-queues", "--queue-name-prefix", PREFIX, "--page-size", "7",
             "--query", "QueueUrls[?contains(@, `x`)]")
    check(out == want_x, f"--query filter: {out} != {want_x}")
    rc, text, err = sqs(c, "list-queues", "--queue-name-prefix", PREFIX,
                        "--query", "QueueUrls[?contains(@, `x`)]",
                        "--output", "text", raw=True)
    check(rc == 0 and text.split() == want_x, f"--query --output text: {rc} {text!r} {err}")
    rc, text2, err = stratus(c, "--query", "QueueUrls[?contains(@, `x`)]",
                             "--output", "text", "sqs", "list-queues",
                             "--queue-name-prefix", PREFIX)
    check(rc == 0 and text2 == text, f"globals before sqs: {rc} {text2!r} != {text!r} {err}")
    rc, page, err = stratus(c, "--no-paginate", "sqs", "list-queues", "--queue-name-prefix",
                            PREFIX, "--max-results", "7", "--output", "json")
    check(rc == 0 and json.loads(page)["QueueUrls"] == urls[:7]
          and "NextToken" in json.loads(page), f"--no-paginate before sqs: {rc} {page} {err}")
    rc, _, err = stratus(c, "--query", "QueueUrls[?", "sqs", "list-queues")
    check(rc == 252 and "Bad value for --query" in err, f"bad --query before sqs: {rc} {err}")
    log("global options before the command: same output, same errors")
    out = ok(c, "list-queues", "--queue-name-prefix", PREFIX,
             "--query", "length(QueueUrls)")
    check(out == N, f"--query length(QueueUrls): {out}")

    rc, _, err = sqs(c, "list-queues", "--query", "QueueUrls[?", raw=True)
    check(rc == 252 and "Bad value for --query" in err, f"bad --query: {rc} {err}")
    rc, _, err = sqs(c, "get-queue-url", "--queue-name", names[0], "--max-items", "1",
                     raw=True)
    check(rc == 252, f"--max-items on get-queue-url: {rc} {err}")

    for n in names:
        ok(c, "delete-queue", "--queue-name", n)
    c.converged(expect=c.members())


if __name__ == "__main__":
    run_test("sqs_cli_paging", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
