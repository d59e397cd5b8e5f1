#!/usr/bin/env python3
"""Online backup of one cluster, restore into a new one.

Property: `stratus admin snapshot` taken while a write workload runs holds
everything acknowledged before it started — kv keys, SQS queues (standard
and FIFO) with their messages, a message in flight still in flight (and
deletable with the receipt handle the first cluster gave out); a damaged
backup file is refused before anything is sent; `stratus admin restore`
refuses a cluster that holds data and, on an empty fresh cluster —
even with its leader SIGKILLed in the middle of the restore — leaves
every node with the backup's content digest and one state digest; the
restored cluster serves new writes and keeps all of it across a restart
of every node.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Cluster, AckLog, TestFailure, Workload, check, log,  # noqa: E402
                     measure, run_test, wait_until)

N_KV_WRITES = 100     # per writer, 4 writers: the kv data before the backup
N_BIG = 100           # 100 KiB values: the backup spans ~10 restore chunks
BIG_BYTES = 100 * 1024
N_MESSAGES = 30       # standard queue
N_FIFO = 6


def cli_json(c, *args, timeout_ms=20000, ok=True, env=None):
    """stratus ARGS on cluster c: (status, JSON or None, error text). Empty
    output (some SQS actions) is None. env: extra environment."""
    cmd = [c.bins["stratus"], "--endpoints", c.endpoints(), "--timeout-ms",
           str(timeout_ms), *args]
    p = subprocess.run(cmd, env={**c.env, **(env or {})}, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout_ms / 1000 + 30)
    out = json.loads(p.stdout) if p.stdout.strip() else None
    err = p.stderr.strip()
    if ok:
        check(p.returncode == 0, f"stratus {' '.join(args)[:200]}: status {p.returncode}: {err}")
    return p.returncode, out, err


def error_name(err):
    try:
        return json.loads(err)["Error"]["Name"]
    except (ValueError, KeyError, TypeError):
        return None


def content_digests(c):
    """{node id: ContentDigest} from `stratus cluster status` (each node
    asked directly); None for a node that did not answer."""
    _, st, _ = cli_json(c, "cluster", "status", timeout_ms=5000)
    return {n["Id"]: n.get("ContentDigest") for n in st["Nodes"]}


def queue_attrs(c, name):
    _, out, _ = cli_json(c, "sqs", "get-queue-attributes", "--queue-name", name,
                         "--attribute-names", "All")
    return out["Attributes"]


def receive_all(c, name, max_rounds=40):
    """Bodies of every visible message (received with a long visibility
    timeout, so each comes once)."""
    bodies = []
    for _ in range(max_rounds):
        _, out, _ = cli_json(c, "sqs", "receive-message", "--queue-name", name,
                             "--max-number-of-messages", "10", "--visibility-timeout", "600")
        msgs = (out or {}).get("Messages", [])
        if not msgs:
            break
        bodies += [m["Body"] for m in msgs]
    return bodies


def populate(c1):
    """kv keys (a finished workload and big values), a standard queue with
    messages, one of them in flight, and a FIFO queue. Returns what must be
    in the backup."""
    wl1 = Workload(c1, writers=4, max_writes=N_KV_WRITES)
    s = wl1.wait_exit(120)
    check(s["acked_unique"] > 0, "no kv write acknowledged")
    big = {}
    for i in range(N_BIG):
        key = f"big/{i:02d}"
        value = (f"{i:02d}" * (BIG_BYTES // 2))
        cli_json(c1, "kv", "put", key, value)
        big[key] = value
    cli_json(c1, "sqs", "create-queue", "--queue-name", "orders")
    cli_json(c1, "sqs", "create-queue", "--queue-name", "jobs.fifo",
             "--attributes", "FifoQueue=true,ContentBasedDeduplication=true")
    bodies = [f"order-{i}" for i in range(N_MESSAGES)]
    for i in range(0, N_MESSAGES, 10):
        entries = [{"Id": str(k), "MessageBody": bodies[k]} for k in range(i, i + 10)]
        _, out, _ = cli_json(c1, "sqs", "send-message-batch", "--queue-name", "orders",
                             "--entries", json.dumps(entries))
        check(len(out.get("Successful", [])) == 10, f"send-message-batch: {out}")
    for i in range(N_FIFO):
        cli_json(c1, "sqs", "send-message", "--queue-name", "jobs.fifo",
                 "--message-body", f"job-{i}", "--message-group-id", "g")
    # One message in flight for 10 minutes: it must stay invisible after
    # the restore, and its receipt handle must still delete it.
    _, out, _ = cli_json(c1, "sqs", "receive-message", "--queue-name", "orders",
                         "--visibility-timeout", "600")
    check(out and len(out.get("Messages", [])) == 1, f"receive: {out}")
    inflight = out["Messages"][0]
    log(f"populated: {s['acked_unique']} workload keys, {N_BIG} big values, "
        f"{N_MESSAGES} + {N_FIFO} messages, '{inflight['Body']}' in flight")
    return {"wl1": wl1, "big": big, "bodies": bodies, "inflight": inflight}


def check_restored(c2, want, wl2_acked, backup_digest):
    """Everything acknowledged before the backup is in c2."""
    leader, _ = c2.wait_leader()
    c2.verify_acked(leader, [want["wl1"]])
    # The running workload's writes acknowledged before the backup began.
    have_u = c2.kv_list(f"u/{want['wl2'].run}/")
    have_c = c2.kv_list(f"c/{want['wl2'].run}/")
    missing = [k for k, v in wl2_acked.unique.items() if have_u.get(k) != v]
    check(not missing, f"{len(missing)} of {len(wl2_acked.unique)} keys acknowledged before "
                       f"the backup are missing or wrong, e.g. {missing[:5]}")
    for key, cnt in wl2_acked.counters.items():
        got = have_c.get(key)
        check(cnt["acked"] == 0 or (got is not None and int(got) >= cnt["acked"]),
              f"counter {key} = {got}, acknowledged {cnt['acked']} before the backup")
    log(f"all {len(wl2_acked.unique)} keys and {len(wl2_acked.counters)} counters the "
        f"running workload had acknowledged before the backup are restored")
    big = c2.kv_list("big/")
    check(big == want["big"], f"big values: {len(big)} of {len(want['big'])} restored intact")
    # SQS: queues, visible and in-flight messages.
    _, out, _ = cli_json(c2, "sqs", "list-queues")
    names = sorted(u.rsplit("/", 1)[1] for u in out.get("QueueUrls", []))
    check(names == ["jobs.fifo", "orders"], f"queues after restore: {names}")
    attrs = queue_attrs(c2, "orders")
    check(attrs["ApproximateNumberOfMessages"] == str(N_MESSAGES - 1) and
          attrs["ApproximateNumberOfMessagesNotVisible"] == "1",
          f"orders after restore: {attrs['ApproximateNumberOfMessages']} visible, "
          f"{attrs['ApproximateNumberOfMessagesNotVisible']} in flight; expected "
          f"{N_MESSAGES - 1} and 1")
    check(queue_attrs(c2, "jobs.fifo").get("FifoQueue") == "true", "jobs.fifo lost FifoQueue")
    # Content digests before anything below changes the state.
    digests = content_digests(c2)
    check(set(digests.values()) == {backup_digest},
          f"content digests after restore {digests}, backup {backup_digest}")
    log(f"every node's content digest is the backup's ({backup_digest})")
    bodies = receive_all(c2, "orders")
    expect_bodies = sorted(b for b in want["bodies"] if b != want["inflight"]["Body"])
    check(sorted(bodies) == expect_bodies,
          f"orders: received {len(bodies)} bodies, expected the {len(expect_bodies)} "
          f"not in flight; missing {sorted(set(expect_bodies) - set(bodies))[:5]}")
    fifo = receive_all(c2, "jobs.fifo")
    check(fifo == [f"job-{i}" for i in range(N_FIFO)],
          f"jobs.fifo after restore: {fifo}, expected every job in send order")
    # The in-flight message: the receipt handle from the first cluster.
    cli_json(c2, "sqs", "delete-message", "--queue-name", "orders",
             "--receipt-handle", want["inflight"]["ReceiptHandle"])
    attrs = queue_attrs(c2, "orders")
    check(attrs["ApproximateNumberOfMessagesNotVisible"] == str(N_MESSAGES - 1),
          f"after deleting the in-flight message by its old handle: {attrs}")


def body(c1):
    c1.wait_leader()
    want = populate(c1)
    tmp = c1.tmp
    path = os.path.join(tmp, "backup.stratus")

    # Backup under a running write workload.
    wl2 = Workload(c1, writers=2)
    want["wl2"] = wl2
    wl2.wait_acks(200, 60)
    # Whatever is in the ack log now was acknowledged before the backup.
    shutil.copy(wl2.ack_path, path + ".acks")
    t = time.monotonic()
    _, info, _ = cli_json(c1, "admin", "snapshot", "--out", path, timeout_ms=60000)
    backup_ms = (time.monotonic() - t) * 1000
    acks_during = wl2.acked()
    s2 = wl2.stop()
    check(s2["acked"] > 0, "the workload acknowledged nothing")
    wl2_acked = AckLog(path + ".acks")
    check(os.path.getsize(path) == info["Bytes"], f"file size {os.path.getsize(path)}, "
                                                  f"reported {info['Bytes']}")
    measure("backup_ms", round(backup_ms), "ms")
    measure("backup_bytes", info["Bytes"], "B")
    log(f"backup: index {info['AppliedIndex']} term {info['Term']}, content digest "
        f"{info['ContentDigest']}; {len(wl2_acked.unique)} workload keys acked before, "
        f"{acks_during} acks by the time it returned")
    _, v, _ = cli_json(c1, "admin", "verify", "--in", path)
    check(v["ContentDigest"] == info["ContentDigest"] and v["AppliedIndex"] == info["AppliedIndex"],
          f"verify disagrees with snapshot: {v} vs {info}")

    # A damaged copy is refused by verify and by restore (before sending).
    bad = path + ".damaged"
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[len(data) // 2] ^= 0x10
    with open(bad, "wb") as f:
        f.write(data)
    rc, _, err = cli_json(c1, "admin", "verify", "--in", bad, ok=False)
    check(rc == 1 and error_name(err) == "InvalidBackup" and "checksum mismatch" in err,
          f"verify of a damaged file: status {rc}, {err}")
    with open(bad, "wb") as f:
        f.write(bytes(data[:len(data) - 100]))
    rc, _, err = cli_json(c1, "admin", "verify", "--in", bad, ok=False)
    check(rc == 1 and "truncated" in err, f"verify of a truncated file: status {rc}, {err}")

    # With access keys, backups are authenticated like every request.
    _, key, _ = cli_json(c1, "auth", "create-key")
    signed = {"STRATUS_ACCESS_KEY_ID": key["AccessKey"]["AccessKeyId"],
              "STRATUS_SECRET_ACCESS_KEY": key["AccessKey"]["SecretAccessKey"]}
    rc, _, err = cli_json(c1, "admin", "snapshot", "--out", path + ".unsigned", ok=False)
    check(rc == 1 and error_name(err) == "MissingAuthenticationToken"
          and not os.path.exists(path + ".unsigned"),
          f"an unsigned backup of a cluster with keys: status {rc}, {err}")
    _, signed_info, _ = cli_json(c1, "admin", "snapshot", "--out", path + ".signed", env=signed)
    check(signed_info["AppliedIndex"] > info["AppliedIndex"],
          f"signed backup: {signed_info}")
    log("with access keys: an unsigned backup is refused, a signed one taken")

    # A second, fresh cluster (its own directory and ports).
    c2 = Cluster(nodes=3, name="backup-restore-target")
    ok = False
    try:
        c2.up()
        restore_into(c2, want, path, bad, info, wl2_acked)
        ok = True
    finally:
        c2.sh("down", timeout=90, check=False)
        reports = c2.sanitizer_reports()
        if not ok or reports:
            print("----- target cluster -----", file=sys.stderr)
            c2.dump_logs()
        c2.teardown()
    check(not reports, "sanitizer reports in the target's node logs:\n  "
                       + "\n  ".join(reports[:40]))


def restore_into(c2, want, path, bad, info, wl2_acked):
    c2.wait_leader()
    rc, _, err = cli_json(c2, "admin", "restore", "--in", bad, ok=False)
    check(rc == 1 and error_name(err) == "InvalidBackup", f"restore of a damaged file: {err}")
    # Not empty: refused; emptied again: accepted.
    cli_json(c2, "kv", "put", "mine", "x")
    rc, _, err = cli_json(c2, "admin", "restore", "--in", path, ok=False)
    check(rc == 1 and error_name(err) == "ClusterNotEmpty",
          f"restore into a cluster holding data: status {rc}, {err}")
    check(c2.kv_list("mine") == {"mine": "x"}, "a refused restore changed the cluster")
    cli_json(c2, "kv", "delete", "mine")

    # Restore, with the target's leader SIGKILLed in the middle: as soon as
    # it has applied the restore's first command (its log says so), while
    # the ~10 chunks of 1 MiB are still to come.
    leader, _ = c2.wait_leader()
    leader_pid = c2.pid(leader)
    cmd = [c2.bins["stratus"], "--endpoints", c2.endpoints(), "--timeout-ms", "60000",
           "admin", "restore", "--in", path]
    t = time.monotonic()
    p = subprocess.Popen(cmd, env=c2.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    wait_until(lambda: p.poll() is not None or "receiving a backup" in c2.node_log(leader),
               30, "the restore to begin", interval=0.005)
    killed_mid = p.poll() is None
    os.kill(leader_pid, signal.SIGKILL)
    wait_until(lambda: c2.pid(leader) is None, 10, f"node {leader} to die")
    log(f"SIGKILLed the target's leader (node {leader}) "
        + ("in the middle of the restore" if killed_mid else "AFTER the restore had finished"))
    out, err = p.communicate(timeout=120)
    restore_ms = (time.monotonic() - t) * 1000
    check(p.returncode == 0, f"restore: status {p.returncode}: {err.strip()}")
    check(killed_mid, "the restore finished before the leader could be killed; the "
                      "leader-failure case was not exercised")
    r = json.loads(out)
    measure("restore_ms_with_leader_kill", round(restore_ms), "ms")
    check(r["ContentDigest"] == info["ContentDigest"],
          f"restored content digest {r['ContentDigest']}, backup {info['ContentDigest']}")
    c2.start(leader)
    c2.converged()
    check_restored(c2, want, wl2_acked, info["ContentDigest"])

    # New writes, then a restart of every node keeps it all.
    cli_json(c2, "kv", "put", "after-restore", "yes")
    cli_json(c2, "sqs", "send-message", "--queue-name", "orders", "--message-body", "new")
    _, digest_before, _ = c2.converged()
    content_before = content_digests(c2)
    c2.stop_all()
    for i in c2.members():
        c2.start(i)
    c2.wait_leader(timeout=30)
    _, digest_after, _ = c2.converged()
    check(digest_after == digest_before, f"restart changed the state digest: "
                                         f"{digest_before} -> {digest_after}")
    check(content_digests(c2) == content_before, "restart changed the content digests")
    check(c2.kv_list("after-restore") == {"after-restore": "yes"}, "write after restore lost")
    check(len(c2.kv_list("big/")) == N_BIG, "big values lost across the restart")
    log("the restored cluster kept everything across a restart of every node")


if __name__ == "__main__":
    run_test("backup_restore", __doc__.split("Property: ", 1)[1].strip().replace("\n", " "), body)
