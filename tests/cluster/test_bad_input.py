#!/usr/bin/env python3
"""Hostile input on the native client port.

Property: a bad client never hurts the cluster. With nodes started with
--max-request-bytes 65536, against the leader and a follower: garbage
bytes get a SerializationException reply (or the connection closed); an
Op with no operation set, or one this build does not know, gets
InvalidAction; an internal-only op (SetNodeAddr) is refused with
InvalidAction; an empty request gets MissingParameter; random blobs never
succeed; a request over the size limit gets the connection closed and no
reply (one just under it is served); raw TCP junk that is not an SP
handshake gets the connection closed; connections that send half an SP
header and stall are closed by the node in time. Meanwhile and afterwards
a normal client is served (a workload runs throughout without a failed
write), every node process is still alive, nothing acknowledged is lost
and the replicas converge.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workload, check, expect, log, measure, run_test  # noqa: E402

MAX_REQUEST = 65536
NODE_ARGS = f"--max-request-bytes {MAX_REQUEST}"
HALF_OPEN = 20          # stalled half-handshake connections per node
HALF_OPEN_CLOSE_S = 20  # they must be closed by then (nng's handshake timeout is 10 s)

# Requests built by hand (protobuf): Request.ops = field 3.
EMPTY_OP = "1a00"                  # ops: [Op{}]
UNKNOWN_OP = "1a03980601"          # ops: [Op{field 99: 1}]
EMPTY_REQUEST = ""                 # no ops at all
GARBAGE = "ffffffffffffffffffffffff"  # an invalid tag and varint


def set_node_addr_hex(node_id, raft, client):
    """ops: [Op{set_node_addr(25): {node: NodeAddr{id, raft, client}}}]."""
    def varint(v):
        out = b""
        while v >= 0x80:
            out += bytes([(v & 0x7F) | 0x80])
            v >>= 7
        return out + bytes([v])

    def ld(field, b):
        return varint(field << 3 | 2) + varint(len(b)) + b
    node = varint(1 << 3) + varint(node_id) + ld(2, raft.encode()) + ld(3, client.encode())
    return ld(3, ld(25, ld(1, node))).hex()


def code_of(kind, r):
    """The error name of a reply (envelope, else the first result)."""
    if kind != "reply":
        return kind.upper()
    if r["code"] != 0:
        return r["error_name"]
    if r["results"] and r["results"][0]["code"] != 0:
        return r["results"][0]["error_name"]
    return "OK"


def closed_within(sock, seconds):
    """Seconds until the peer closed sock (EOF or reset), or None."""
    t = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - t < seconds:
        try:
            data = sock.recv(4096)
            if not data:
                return time.monotonic() - t
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - t
    return None


def body(c):
    leader, _ = c.wait_leader()
    follower = next(i for i in c.members() if i != leader)
    wl = Workload(c, writers=2)
    wl.wait_acks(200, 30)
    all_stalled = []

    for node, role in ((leader, "leader"), (follower, "follower")):
        addr = c.client_address(node)
        port = int(addr.rsplit(":", 1)[1])

        def raw(*args, timeout_ms=2000):
            kind, r = c.raw(addr, *args, timeout_ms=timeout_ms)
            return kind, r, code_of(kind, r)

        kind, r, name = raw("--hex", GARBAGE)
        check(name in ("SerializationException", "NO_REPLY"),
              f"{role}: garbage bytes got {name}: {r}")
        log(f"{role} node {node}: garbage bytes -> {name}")

        for what, hexes, want in (("an Op with no operation set", EMPTY_OP, "InvalidAction"),
                                  ("an Op with an unknown operation", UNKNOWN_OP, "InvalidAction"),
                                  ("an empty request", EMPTY_REQUEST, "MissingParameter")):
            kind, r, name = raw("--hex", hexes)
            check(name == want, f"{role}: {what} got {name}, expected {want}: {r}")
            log(f"{role} node {node}: {what} -> {name}")

        # The node registry is internal: a client must not rewrite it
        # (it would misdirect every client's leader redirects).
        evil = set_node_addr_hex(leader, "tcp://127.0.0.1:9", "tcp://127.0.0.1:9")
        kind, r, name = raw("--hex", evil)
        check(name == "InvalidAction", f"{role}: a client's SetNodeAddr got {name}: {r}")
        log(f"{role} node {node}: a client's SetNodeAddr -> {name}")

        bad = 0
        for seed in range(1, 21):
            size = [1, 7, 64, 333, 4096][seed % 5]
            kind, r, name = raw("--random", str(size), "--seed", str(seed))
            if name == "OK":
                bad += 1
                log(f"{role}: random blob (seed {seed}, {size} bytes) was accepted: {r}")
        check(bad == 0, f"{role}: {bad} random blobs were accepted as valid requests")
        log(f"{role} node {node}: 20 random blobs -> all refused")

        kind, r, name = raw("--size", str(MAX_REQUEST - 1024))
        want = "OK" if role == "leader" else "NotLeader"
        check(name == want, f"{role}: a request of {MAX_REQUEST - 1024} bytes (under the limit) "
                            f"got {name}, expected {want}: {r}")
        t = time.monotonic()
        kind, r, name = raw("--size", str(2 * MAX_REQUEST), timeout_ms=5000)
        check(kind == "no_reply", f"{role}: a request of {2 * MAX_REQUEST} bytes (over the "
                                  f"{MAX_REQUEST} limit) got a reply: {r}")
        check(r.get("connection_closed"),
              f"{role}: the node did not close the connection of an oversized request: {r}")
        measure(f"{role}_oversize_closed_ms", round((time.monotonic() - t) * 1000), "ms")
        log(f"{role} node {node}: {MAX_REQUEST - 1024} bytes -> {want}; "
            f"{2 * MAX_REQUEST} bytes -> connection closed, no reply")

        # Raw TCP junk (not an SP handshake).
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(os.urandom(4096))
        closed = closed_within(s, 10)
        s.close()
        check(closed is not None, f"{role}: a TCP connection sending junk was not closed in 10 s")
        measure(f"{role}_junk_tcp_closed_ms", round(closed * 1000), "ms")

        # Half an SP header, then nothing: these must not block anyone.
        stalled = []
        t_open = time.monotonic()
        for _ in range(HALF_OPEN):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"\x00SP\x00")
            stalled.append(s)
        rc, _, err = c.cli("kv", "put", f"bad-input/{role}", "ok", timeout_ms=10000)
        check(rc == 0, f"a normal client was not served while {HALF_OPEN} half-open "
                       f"connections stalled on the {role}: {err}")
        kind, r, name = raw("--hex", EMPTY_OP)
        check(name == "InvalidAction",
              f"{role}: a new connection was not served while {HALF_OPEN} others stalled: {name}")
        log(f"{role} node {node}: {HALF_OPEN} stalled half-handshakes; other clients still served")
        all_stalled.append((role, stalled, t_open))

    # The stalled connections (opened on both nodes) must be closed by the
    # nodes, not held forever.
    for role, stalled, t_open in all_stalled:
        times = [closed_within(s, max(0.1, HALF_OPEN_CLOSE_S - (time.monotonic() - t_open)))
                 for s in stalled]
        for s in stalled:
            s.close()
        open_left = sum(1 for x in times if x is None)
        if open_left == 0:
            measure(f"{role}_stalled_handshakes_closed_after_s",
                    round(time.monotonic() - t_open, 1), "s")
        expect(open_left == 0, f"{role}: {open_left} of {HALF_OPEN} connections that sent half "
                               f"an SP header were still open after {HALF_OPEN_CLOSE_S} s")

    states = c.ps()
    check(all(states.get(i) == "running" for i in c.members()),
          f"a node is not running after the bad input: {states}")
    rc, out, err = c.cli("kv", "get", "bad-input/leader")
    check(rc == 0 and out.get("Value") == "ok", f"a normal read failed afterwards: {err}")
    wl.wait_acks(wl.acked() + 200, 20, "200 more acks after the bad input")
    s = wl.stop()
    measure("workload_acked", s["acked"])
    measure("workload_failed_writes", s["failed"] + s["submit_errors"])
    check(s["failed"] + s["submit_errors"] == 0,
          f"{s['failed'] + s['submit_errors']} normal writes failed during the bad input "
          f"(last error: {s['last_error']})")
    leader, _ = c.wait_leader()
    c.verify_acked(leader, [wl])
    c.converged()
    log(f"all nodes running: {states}")


if __name__ == "__main__":
    run_test("bad_input", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "),
             body, node_args=NODE_ARGS)
