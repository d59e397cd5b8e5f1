#!/usr/bin/env python3
"""TLS on every listener (STRATUS_TLS=1 deploy/cluster.sh up).

Property: a cluster whose raft, client and HTTP listeners all use TLS
(certificates from deploy/make-certs.sh) elects a leader, serves the CLI
(with the cluster CA) and HTTPS (at a follower, forwarded over TLS to the
leader), survives a leader SIGKILL with every acknowledged write intact and
converges; a client without the CA, a plaintext client, and a raft peer
without a certificate signed by the cluster CA are all refused.
"""
import os
import socket
import ssl
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, measure, node_ports, run_test  # noqa: E402

KEYS = 20


def put_all(c, prefix, n):
    acked = []
    for k in range(n):
        rc, _, err = c.cli("kv", "put", f"{prefix}/{k}", f"v{k}")
        check(rc == 0, f"kv put {prefix}/{k} over TLS failed: {err}")
        acked.append(f"{prefix}/{k}")
    return acked


def tls_peer_kept(c, port, with_cert):
    """Open a TLS connection to a raft port; True if the node keeps it
    open (no EOF within 3 s after the handshake)."""
    ctx = ssl.create_default_context(cafile=c.env["STRATUS_CA"])
    ctx.check_hostname = False
    if with_cert:
        tls = os.path.join(c.dir, "tls")
        ctx.load_cert_chain(os.path.join(tls, "node1.pem"), os.path.join(tls, "node1.key"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    except (ssl.SSLError, OSError):
        return False
    try:
        s.settimeout(3)
        return s.recv(1) != b""
    except socket.timeout:
        return True
    except (ssl.SSLError, OSError):
        return False
    finally:
        s.close()


def body(c):
    leader, _ = c.wait_leader()
    acked = put_all(c, "before", KEYS)

    # HTTPS at a follower: decoded there, forwarded to the leader over TLS.
    follower = next(i for i in c.members() if i != leader)
    url = f"https://127.0.0.1:{node_ports(c.base, follower)[2]}/"
    ctx = ssl.create_default_context(cafile=c.env["STRATUS_CA"])
    req = urllib.request.Request(url, data=b"Action=CreateQueue&QueueName=tls-q", method="POST")
    with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
        text = r.read().decode()
    check(r.status == 200 and "https://127.0.0.1" in text, f"HTTPS CreateQueue: {r.status} {text}")

    # Leader SIGKILL: the others elect over mutual TLS.
    t = time.monotonic()
    c.kill(leader)
    new_leader, _ = c.wait_leader(exclude=(leader,))
    measure("tls_failover_ms", round((time.monotonic() - t) * 1000), "ms")
    acked += put_all(c, "after", KEYS)
    c.start(leader)
    c.converged()
    for key in acked:
        rc, out, err = c.cli("kv", "get", key)
        check(rc == 0 and out and out.get("Value"), f"acknowledged {key} lost: {err}")
    log(f"{len(acked)} acknowledged writes present after the failover")

    # Refusals.
    env_ca = c.env.pop("STRATUS_CA")
    try:
        rc, _, err = c.cli("kv", "get", "before/0", timeout_ms=3000)
        check(rc != 0 and "CA" in err, f"a client without the CA was served: {rc} {err}")
        plain = ",".join(a.replace("tls+tcp://", "tcp://") for a in c.endpoints().split(","))
        rc, _, err = c.cli("kv", "get", "before/0", timeout_ms=3000, endpoints=plain)
        check(rc != 0, "a plaintext client was served by a TLS listener")
    finally:
        c.env["STRATUS_CA"] = env_ca
    raft_port = node_ports(c.base, new_leader)[0]
    check(not tls_peer_kept(c, raft_port, with_cert=False),
          "the raft listener kept a TLS connection without a client certificate")
    check(tls_peer_kept(c, raft_port, with_cert=True),
          "the raft listener refused a certificate signed by the cluster CA")


if __name__ == "__main__":
    run_test("tls", __doc__.strip().splitlines()[2], body, env={"STRATUS_TLS": "1"})
