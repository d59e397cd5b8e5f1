#!/usr/bin/env python3
"""Clock jumps and skew on one node do not move the cluster's time.

Property: while one node's wall clock is stepped by an hour (forward or
back; the node leading or becoming the leader), state-machine time — the
time SQS visibility timeouts, delays, retention and deduplication windows
run on — keeps following real time within a few seconds: a message in
flight for 60 s is not redelivered after the leader's clock jumps +1 h or
a +1 h node takes over, a message whose 3 s visibility timeout ran out is
redelivered after the leader's clock jumps -1 h or a -1 h node takes over,
delayed messages arrive on time, SentTimestamp is within 5 s of real time;
a follower whose clock is an hour off when a peer restarts still reaches
that peer once it leads (nng times its reconnects by the wall clock) and
keeps up; a node skewed by more than 15 minutes refuses signed requests
(SignatureDoesNotMatch) while the others serve them; replicas converge.

How: tests/fault/clockshim.c (LD_PRELOAD) adds an offset, read from a
file per node id, to CLOCK_REALTIME, gettimeofday and time of the nodes;
the test rewrites the files while the nodes run. Before the fix
(broker/leader_clock.c) the leader stamped batches with its raw wall
clock and apply kept the maximum: a forward jump expired every visibility
timeout at once, a backward one froze state-machine time for an hour.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
import harness  # noqa: E402
from harness import check, expect, log, measure, run_test, wait_until  # noqa: E402

SHIM = os.environ.get("STRATUS_CLOCKSHIM") or os.path.join(
    harness.BUILD_DIR, "tests", "fault", "libclockshim.so")
HOUR_MS = 3600 * 1000
CLOCK_DIR = tempfile.mkdtemp(prefix="stratus-clock-")
# Which cases run (1-6; default all), e.g. STRATUS_CLOCK_CASES=5.
CASES = {int(x) for x in (os.environ.get("STRATUS_CLOCK_CASES") or "1,2,3,4,5,6").split(",")}


def set_offset(node, ms):
    """Step node's wall clock to real time + ms (the shim rereads within
    20 ms)."""
    path = os.path.join(CLOCK_DIR, f"clock-{node}")
    with open(path + ".tmp", "w") as f:
        f.write(f"{ms}\n")
    os.replace(path + ".tmp", path)
    log(f"node {node}: wall clock offset {ms / 1000:+.0f} s")
    time.sleep(0.1)


class Sqs:
    def __init__(self, c):
        self.c = c

    def call(self, *args, endpoints=None, timeout_ms=15000):
        """stratus sqs ARGS; the output document ({} when empty, as for a
        receive that got nothing)."""
        cmd = [self.c.bins["stratus"], "--endpoints", endpoints or self.c.endpoints(),
               "--timeout-ms", str(timeout_ms), "sqs", *args]
        p = subprocess.run(cmd, env=self.c.env, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout_ms / 1000 + 30)
        check(p.returncode == 0, f"sqs {args[0]}: {p.stderr.strip()}")
        return json.loads(p.stdout) if p.stdout.strip() else {}

    def queue(self, name):
        return self.call("create-queue", "--queue-name", name)["QueueUrl"]

    def send(self, url, body, delay=0):
        self.call("send-message", "--queue-url", url, "--message-body", body,
                  "--delay-seconds", str(delay))

    def receive(self, url, visibility, wait=0):
        out = self.call("receive-message", "--queue-url", url, "--max-number-of-messages", "10",
                        "--visibility-timeout", str(visibility), "--wait-time-seconds", str(wait),
                        "--attribute-names", "All")
        return out.get("Messages", [])


def sent_skew_ms(msgs):
    """The largest |SentTimestamp - real time now| over msgs (ms)."""
    now = time.time() * 1000
    return max((abs(int(m["Attributes"]["SentTimestamp"]) - now) for m in msgs), default=0)


def probe_time(sqs, url, what):
    """Send and receive one message; check its SentTimestamp (state-machine
    time at the send) is within 5 s of real time."""
    body = f"probe-{time.monotonic_ns()}"
    sqs.send(url, body)
    msgs = []
    wait_until(lambda: msgs.extend(m for m in sqs.receive(url, 30, wait=1)
                                   if m["Body"] == body) or msgs, 10, f"the probe ({what})")
    skew = sent_skew_ms(msgs)
    measure(f"state_machine_time_offset_{what}", round(skew / 1000, 1), "s")
    expect(skew < 5000, f"{what}: state-machine time is {skew / 1000:.0f} s away from "
           f"real time (SentTimestamp of a message just sent)")


def in_flight_stays(sqs, url, body, what, secs=4):
    """A message received with a 60 s visibility timeout must stay
    invisible for the next secs seconds."""
    t = time.monotonic()
    while time.monotonic() - t < secs:
        got = [m for m in sqs.receive(url, 60, wait=1) if m["Body"] == body]
        if got:
            expect(False, f"{what}: a message received with VisibilityTimeout 60 was "
                   f"delivered again after {time.monotonic() - t:.1f} s (the clock jump "
                   f"expired its visibility timeout)")
            return


def comes_back(sqs, url, body, what, within=15):
    """A message received with a 3 s visibility timeout must be delivered
    again within `within` seconds."""
    t = time.monotonic()
    while time.monotonic() - t < within:
        if any(m["Body"] == body for m in sqs.receive(url, 3, wait=1)):
            measure(f"redelivered_after_{what}", round(time.monotonic() - t, 1), "s")
            return
    expect(False, f"{what}: a message whose 3 s visibility timeout ran out was not "
           f"delivered again within {within} s (state-machine time stopped)")


def receive_one(sqs, url, body, visibility):
    got = []
    wait_until(lambda: got.extend(m for m in sqs.receive(url, visibility, wait=1)
                                  if m["Body"] == body) or got, 15, f"to receive {body}")


def body(c):
    sqs = Sqs(c)
    lid, _ = c.wait_leader(timeout=30)
    url = sqs.queue("clock")
    probe_time(sqs, url, "start")

    if CASES & {1, 2}:
        leader_jumps(c, sqs, url, lid)
    if CASES & {3, 4}:
        new_leader_skewed(c, sqs, url, lid)
    if 5 in CASES:
        reconnect_after_step(c)
    if 6 in CASES:
        signatures(c)
    for i in c.members():
        set_offset(i, 0)
    c.converged(timeout=60)


def leader_jumps(c, sqs, url, lid):
    # 1. The leader's clock jumps forward an hour.
    sqs.send(url, "fwd")
    receive_one(sqs, url, "fwd", 60)
    sqs.send(url, "fwd-delayed", delay=30)
    set_offset(lid, HOUR_MS)
    sqs.send(url, "after-fwd-jump")  # batches stamped after the jump
    in_flight_stays(sqs, url, "fwd", "leader's clock +1 h")
    expect(not any(m["Body"] == "fwd-delayed" for m in sqs.receive(url, 60, wait=1)),
           "leader's clock +1 h: a message sent with DelaySeconds 30 became visible at once")
    probe_time(sqs, url, "leader_plus_1h")

    # 2. ... and back (an hour behind real time now).
    sqs.send(url, "back")
    receive_one(sqs, url, "back", 3)
    set_offset(lid, -HOUR_MS)
    comes_back(sqs, url, "back", "leader_clock_minus_1h")
    sqs.send(url, "back-delayed", delay=2)
    t = time.monotonic()
    got = []
    try:
        wait_until(lambda: got.extend(m for m in sqs.receive(url, 30, wait=1)
                                      if m["Body"] == "back-delayed") or got, 15,
                   "a message with DelaySeconds 2")
        measure("delay_2s_delivered_after", round(time.monotonic() - t, 1), "s")
    except harness.TestFailure as e:
        expect(False, f"leader's clock -1 h: {e} (state-machine time stopped)")
    probe_time(sqs, url, "leader_minus_1h")
    set_offset(lid, 0)


def new_leader_skewed(c, sqs, url, lid):
    # 3. A node an hour ahead becomes the leader.
    others = [i for i in c.members() if i != lid]
    fast, slow = others[0], others[1]
    sqs.send(url, "newfast")
    receive_one(sqs, url, "newfast", 60)
    set_offset(fast, HOUR_MS)
    time.sleep(1)  # it applies batches of the current term meanwhile
    c.transfer_leader(fast)
    sqs.send(url, "after-transfer-fast")
    in_flight_stays(sqs, url, "newfast", "a node with its clock +1 h became the leader")
    probe_time(sqs, url, "new_leader_plus_1h")

    # 4. A node an hour behind becomes the leader.
    sqs.send(url, "newslow")
    receive_one(sqs, url, "newslow", 3)
    set_offset(slow, -HOUR_MS)
    time.sleep(1)
    c.transfer_leader(slow)
    comes_back(sqs, url, "newslow", "new_leader_clock_minus_1h")
    probe_time(sqs, url, "new_leader_minus_1h")

    set_offset(slow, 0)
    set_offset(fast, 0)


def reconnect_after_step(c):
    """5. nng 1.5.2 (Debian) times everything, the PUSH dialers' reconnect
    back-off included, with CLOCK_REALTIME. Through the shim, a node whose
    clock reads an hour ahead arms timers an hour late against the
    kernel's clock — what a real step back by an hour does to timers
    armed before it. Here: follower f (clock +1 h) loses its connection to
    p (killed, restarted); p then leads; f must connect to p again and
    keep up (broker: nraft redials a PUSH socket that has had no
    connection for 2 s, on the monotonic clock; before, f stayed without
    a connection to p for the hour)."""
    lid, _ = c.wait_leader(timeout=20)
    f, p = [i for i in c.members() if i != lid]
    # f must have a connection to p to lose: it dials p when it first
    # sends to it (answering p as leader).
    c.transfer_leader(p)
    time.sleep(0.5)
    c.transfer_leader(lid)
    set_offset(f, HOUR_MS)
    c.kill(p)
    time.sleep(1.0)
    c.start(p)
    set_offset(f, 0)  # the reconnect timer armed meanwhile stays late
    c.transfer_leader(p)
    kv = harness.Workload(c, writers=2)
    kv.wait_acks(300, 60, f"300 kv writes with node {p} leading")
    rp = harness.node_ports(c.base, p)[0]

    def connected():
        out = subprocess.run(["ss", "-Htnp", f"dport = :{rp}"], capture_output=True,
                             text=True).stdout
        return f"pid={c.pid(f)}," in out
    t = time.monotonic()
    try:
        wait_until(connected, 10,
                   f"node {f} (a follower of {p} now) to connect to node {p}'s raft port")
        measure("reconnected_after", round(time.monotonic() - t, 1), "s")
    except harness.TestFailure as e:
        expect(False, f"{e} (nng's reconnect timer of node {f}, armed while its clock read "
               f"an hour ahead, waits an hour against the real clock)")
    t = time.monotonic()
    target = c.node_view(p)["applied_index"]
    try:
        wait_until(lambda: (c.node_view(f) or {}).get("applied_index", 0) >= target, 15,
                   f"node {f} to apply index {target}, applied by leader {p}")
        measure("follower_caught_up_after", round(time.monotonic() - t, 1), "s")
    except harness.TestFailure as e:
        expect(False, f"node {f} (its nng reconnect timer to node {p} late by an hour) "
               f"did not keep up with leader {p}: {e}")
    kv.stop()
    c.verify_acked(c.wait_leader()[0], [kv])


def signatures(c):
    # 6. Signed requests on a node skewed by more than 15 minutes: that
    # node refuses them (it cannot tell a replay from a skew), the others
    # serve them.
    lid, _ = c.wait_leader(timeout=20)
    fast = next(i for i in c.members() if i != lid)
    set_offset(fast, HOUR_MS)
    rc, out, err = c.cli("auth", "create-key", timeout_ms=15000)
    check(rc == 0, f"auth create-key: {err}")
    key = out["AccessKey"]
    c.env["STRATUS_ACCESS_KEY_ID"] = key["AccessKeyId"]
    c.env["STRATUS_SECRET_ACCESS_KEY"] = key["SecretAccessKey"]
    # (Until node `fast` has applied the new key it is an open cluster to
    # it, and it redirects to the leader: try for a few seconds.)
    t = time.monotonic()
    while True:
        rc, _, err = c.cli("kv", "put", "signed", "x", timeout_ms=5000,
                           endpoints=c.client_address(fast))
        if rc != 0 or time.monotonic() - t > 5:
            break
        time.sleep(0.2)
    expect(rc != 0 and "SignatureDoesNotMatch" in err,
           f"a node 1 h ahead accepted a request signed now (or failed otherwise): {rc} {err}")
    rc, _, err = c.cli("kv", "put", "signed", "x", timeout_ms=10000,
                       endpoints=c.client_address(lid))
    expect(rc == 0, f"a signed request to a node with a good clock failed: {err}")
    set_offset(fast, 0)


def main():
    if not os.path.exists(SHIM):
        print(f"FAIL: {SHIM} is missing (build first)", flush=True)
        sys.exit(1)
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = {
        "LD_PRELOAD": SHIM,
        "STRATUS_CLOCK_OFFSET_FILE": os.path.join(CLOCK_DIR, "clock-{id}"),
        # ASan wants to come first in the preload list; the shim only
        # forwards to the next clock_gettime (ASan's interceptor).
        "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0",
    }
    try:
        run_test("clock_jump",
                 __doc__.split("Property: ", 1)[1].split("\n\n")[0].strip().replace("\n", " "),
                 body, env=env)
    finally:
        shutil.rmtree(CLOCK_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
