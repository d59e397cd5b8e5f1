#!/usr/bin/env python3
"""A seeded random schedule of faults under a recorded workload, then a
history check.

Property: while history_workload runs (6 chains: kv reads and unique
writes on 5 contended keys; SQS standard and FIFO sends — FIFO with 4
groups and deduplication ids, some resent — receives, deletes, a quarter
of the sends and deletes as SendMessageBatch / DeleteMessageBatch) against a
3-node cluster (nodes started with --enable-test-hooks), and a seeded
random schedule of faults is applied — SIGKILL + restart of a node (the
leader or any), SIGSTOP/SIGCONT, a node isolated by dropping its raft
traffic (the leader cut from the majority, or any node), a partial
partition between two nodes (a quarter of the faults with one node's
wall clock stepped by ±10 min or ±1 h at the same time) — each either in the nng transport (drop
hook) or in the kernel (nftables rules dropping the raft packets:
kisolate, kpartial; when nft is usable) — leader transfer — then, after healing
everything and draining the queues: the kv history is linearizable per
key, every acknowledged send was received, nothing was delivered after an
acknowledged delete or again within its visibility timeout, FIFO groups
were delivered in order and deduplicated sends delivered once
(check_history.py), and all replicas converge to the same state digest.

Environment:
  STRATUS_FAULT_SEED=N       replay: the same schedules (same faults in the
                             same order, same timing offsets, same workload
                             random choices); printed as SEED=N at the start
  STRATUS_FAULT_SECONDS=S    total fault time (default 120), split into
                             schedules of about 40 s (each: its own
                             workload run, history, drain and check)
  STRATUS_FAULT_SCHEDULES=K  override the number of schedules
  STRATUS_FAULT_ONLY=k       run only schedule k of the seed (a replay of
                             the schedule a failure names)
  STRATUS_FAULT_ARTIFACTS=D  where a failing schedule's history is copied
                             (default BUILD/fault-artifacts)
  STRATUS_FAULT_BATCH=N      one SQS send / delete in N is a
                             SendMessageBatch / DeleteMessageBatch (default
                             4; 0: none, the workload of older seeds)
  STRATUS_FAULT_CLOCK=0      no clock steps (by default a quarter of the
                             faults other than killall also step one
                             node's wall clock by ±10 min or ±1 h for
                             their duration, through tests/fault/clockshim)
  STRATUS_FAULT_KERNEL=0     never use nftables (isolate/partial only
                             through the drop hook); by default half of
                             them are done in the kernel when nft is
                             usable (root, nf_tables)
Run by hand: STRATUS_BUILD_DIR=build-fault python3 tests/fault/test_fault_schedule.py
"""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import netfault  # noqa: E402
from harness import TestFailure, check, log, measure, run_test, wait_until  # noqa: E402
import check_history  # noqa: E402

HISTORY_WORKLOAD = os.environ.get("STRATUS_HISTORY_WORKLOAD") or os.path.join(
    harness.BUILD_DIR, "tests", "fault", "history_workload")

SEED = int(os.environ.get("STRATUS_FAULT_SEED") or random.SystemRandom().randrange(1, 1 << 31))
TOTAL_S = float(os.environ.get("STRATUS_FAULT_SECONDS") or 120)
N_SCHEDULES = int(os.environ.get("STRATUS_FAULT_SCHEDULES") or max(1, round(TOTAL_S / 40)))
ARTIFACTS = os.environ.get("STRATUS_FAULT_ARTIFACTS") or os.path.join(
    harness.BUILD_DIR, "fault-artifacts")

VT_MAX_S = 10
BATCH_EVERY = int(os.environ.get("STRATUS_FAULT_BATCH") or 4)
# killall (every node SIGKILLed at once, then restarted) is rarer: it
# stops the whole cluster.
# pause2 (two nodes SIGSTOPped: no majority) makes operations time out
# with unknown outcomes.
FAULT_KINDS = ["kill", "kill", "pause", "pause", "isolate", "isolate", "partial", "partial",
               "transfer", "transfer", "killall", "pause2"]
TARGETS = ["leader", "any"]
# Kernel-level partitions (netfault.py): an isolate or partial fault is
# done with nftables instead of the drop hook with probability 1/2, drawn
# from a separate random stream so that a seed's schedule (kinds, targets,
# timing) is the same with and without them.
NFT_REASON = ("STRATUS_FAULT_KERNEL=0" if os.environ.get("STRATUS_FAULT_KERNEL") == "0"
              else netfault.usable())

GID_BASE = netfault.gid_base()  # node i runs with group id GID_BASE + i

totals = {"faults": {}, "ops": 0, "ok": 0, "fail": 0, "info": 0, "anomalies": 0}


# Clock steps (clockshim.c, LD_PRELOAD): with probability 1/4 a fault
# other than killall also steps one node's wall clock for its duration —
# a skewed node may be elected meanwhile. Again a separate random stream.
# Not with killall: a node elected right after a whole-cluster restart
# takes its own wall clock as cluster time (RELIABILITY.md, by design).
CLOCKSHIM = os.environ.get("STRATUS_CLOCKSHIM") or os.path.join(
    harness.BUILD_DIR, "tests", "fault", "libclockshim.so")
CLOCK_REASON = ("STRATUS_FAULT_CLOCK=0" if os.environ.get("STRATUS_FAULT_CLOCK") == "0"
                else None if os.path.exists(CLOCKSHIM) else f"no {CLOCKSHIM}")
CLOCK_STEPS_MS = [-3600_000, -600_000, 600_000, 3600_000]
CLOCK_DIR = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"stratus-fault-clock-{os.getpid()}")

# ---- the schedule -----------------------------------------------------------

def make_schedule(seed, k, seconds, n_nodes=3):
    """The k-th schedule of a seed: [(offset_s, kind, target, peer, dur_s,
    clock)] where clock is None or (node, step_ms).
    Deterministic in (seed, k, seconds); target 'leader' is whoever leads
    when the fault starts, otherwise a node id."""
    rng = random.Random(f"stratus-fault/{seed}/{k}")
    krng = random.Random(f"stratus-fault-kernel/{seed}/{k}")
    crng = random.Random(f"stratus-fault-clock/{seed}/{k}")
    out = []
    t = rng.uniform(2.0, 4.0)
    while t < seconds:
        kind = rng.choice(FAULT_KINDS)
        who = rng.choice(TARGETS)
        node = rng.randint(1, n_nodes)
        peer = rng.choice([i for i in range(1, n_nodes + 1) if i != node])
        dur = 0.0 if kind == "transfer" else round(rng.uniform(1.5, 8.0), 2)
        if kind in ("isolate", "partial") and krng.random() < 0.5 and NFT_REASON is None:
            kind = "k" + kind
        clock = None
        if crng.random() < 0.25 and kind not in ("killall", "transfer") and CLOCK_REASON is None:
            clock = (crng.randint(1, n_nodes), crng.choice(CLOCK_STEPS_MS))
        out.append((round(t, 2), kind, "leader" if who == "leader" else node, peer, dur,
                    clock))
        t += dur + rng.uniform(0.5, 4.0)
    return out


# ---- cluster helpers ----------------------------------------------------------

def drop(c, node, peers, on=True, seconds=60):
    """Test hook on node: drop (or stop dropping) raft traffic with peers.
    Retried while the node (re)starts: after a killall the three nodes
    load their logs at once, and under the sanitizer build on 2 cores one
    was seen still not serving 12 s after its start (CI, seed
    1523037324)."""
    arg = ",".join(str(p) for p in peers)
    last = None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kind, r = c.raw(c.client_address(node), "--drop" if on else "--undrop", arg,
                        timeout_ms=1000)
        if kind == "reply" and r["code"] == 0 and r["results"] and r["results"][0]["code"] == 0:
            return
        last = (kind, r)
        time.sleep(0.25)
    raise TestFailure(f"test hook {'drop' if on else 'undrop'} {arg} on node {node}: {last}")


def set_clock(node, ms):
    path = os.path.join(CLOCK_DIR, f"clock-{node}")
    with open(path + ".tmp", "w") as f:
        f.write(f"{ms}\n")
    os.replace(path + ".tmp", path)


def current_leader(c, paused=()):
    """The leader as the running, unpaused nodes see themselves (highest
    term), or None."""
    best = None
    for i in c.members():
        if i in paused or c.pid(i) is None:
            continue
        v = c.node_view(i, timeout_ms=500)
        if v and v["role"] == "leader" and (best is None or v["term"] > best[1]):
            best = (i, v["term"])
    return best[0] if best else None


class Faults:
    """Applies and heals faults; remembers what is broken so heal_all()
    can undo everything."""

    def __init__(self, c, nft=None):
        self.c = c
        self.nft = nft  # netfault.Nft, or None
        self.killed = set()
        self.paused = set()
        self.dropped = set()  # (node, peer): node drops traffic with peer
        self.clocks = set()  # nodes whose wall clock is stepped
        self.count = {}

    def _count(self, name):
        self.count[name] = self.count.get(name, 0) + 1
        totals["faults"][name] = totals["faults"].get(name, 0) + 1

    def resolve(self, target):
        if target != "leader":
            return target
        lid = current_leader(self.c, self.paused)
        if lid is None:  # no leader right now: any node will do
            lid = 1
        return lid

    def start(self, kind, target, peer):
        """Start one fault; returns a description, and what heal() undoes."""
        c = self.c
        node = self.resolve(target)
        label = f"{kind}({'leader=' if target == 'leader' else ''}{node})"
        if kind == "kill":
            c.kill(node)
            self.killed.add(node)
        elif kind == "killall":
            label = "killall"
            for i in c.members():
                c.kill(i)
                self.killed.add(i)
        elif kind == "pause":
            c.pause(node)
            self.paused.add(node)
        elif kind == "pause2":
            if peer == node:
                peer = next(i for i in c.members() if i != node)
            label = f"pause2({node},{peer})"
            for i in (node, peer):
                c.pause(i)
                self.paused.add(i)
        elif kind == "isolate":
            others = [i for i in c.members() if i != node]
            drop(c, node, others)
            self.dropped.update((node, o) for o in others)
            for o in others:
                drop(c, o, [node])
                self.dropped.add((o, node))
        elif kind == "partial":
            if peer == node:
                peer = next(i for i in c.members() if i != node)
            label = f"partial({node}-{peer})"
            drop(c, node, [peer])
            drop(c, peer, [node])
            self.dropped.update({(node, peer), (peer, node)})
        elif kind == "kisolate":
            self.nft.isolate(node, c.members())
        elif kind == "kpartial":
            if peer == node:
                peer = next(i for i in c.members() if i != node)
            label = f"kpartial({node}-{peer})"
            self.nft.cut(node, peer)
        elif kind == "transfer":
            to = peer if peer != node else next(i for i in c.members() if i != node)
            lid = self.resolve("leader")
            to = to if to != lid else next(i for i in c.members() if i not in (lid,))
            label = f"transfer({lid}->{to})"
            c.cli("cluster", "transfer-leader", "--id", str(to), timeout_ms=5000)
        self._count(kind if kind == "killall" else
                    f"{kind}:{'leader' if target == 'leader' else 'node'}")
        return label

    def step_clock(self, node, ms):
        """Step node's wall clock by ms (clockshim rereads within 20 ms)."""
        set_clock(node, ms)
        self.clocks.add(node)
        self._count("clock")
        return f"clock({node},{ms // 1000:+d}s)"

    def heal_all(self):
        c = self.c
        for i in sorted(self.clocks):
            set_clock(i, 0)
        self.clocks.clear()
        for i in sorted(self.paused):
            c.resume(i)
        self.paused.clear()
        for i in sorted(self.killed):
            c.start(i)
        self.killed.clear()
        by_node = {}
        for node, peer in self.dropped:
            by_node.setdefault(node, set()).add(peer)
        for node, peers in sorted(by_node.items()):
            drop(c, node, sorted(peers), on=False)
        self.dropped.clear()
        if self.nft is not None:
            self.nft.heal()


# ---- the workload -------------------------------------------------------------

class HistoryRun:
    def __init__(self, c, run, seed):
        self.c = c
        self.run = run
        self.path = os.path.join(c.tmp, f"history-{run}.jsonl")
        self.out = os.path.join(c.tmp, f"history-{run}.out")
        self.err = os.path.join(c.tmp, f"history-{run}.err")
        self.bin = os.path.join(c.bin, "tests", "fault", "history_workload")
        if not os.path.exists(self.bin):
            os.makedirs(os.path.dirname(self.bin), exist_ok=True)
            shutil.copy2(HISTORY_WORKLOAD, self.bin)
        args = [self.bin, "run", "--endpoints", c.endpoints(), "--history", self.path,
                "--run", run, "--seed", str(seed), "--chains", "6", "--keys", "5",
                "--vt-min", "5", "--vt-max", str(VT_MAX_S),
                # Short per-operation deadline: an operation caught in a
                # fault ends as "info" (unknown outcome) rather than being
                # retried through it, which the checker must then handle.
                "--deadline-ms", "3000", "--batch", str(BATCH_EVERY)]
        with open(self.out, "wb") as o, open(self.err, "wb") as e:
            self.proc = subprocess.Popen(args, stdout=o, stderr=e, stdin=subprocess.DEVNULL)
        self.exited_ns = None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def ready(self):
        with open(self.out) as f:
            return "READY" in f.read()

    def records(self):
        try:
            with open(self.path, "rb") as f:
                return f.read().count(b"\n")
        except FileNotFoundError:
            return 0

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TestFailure(f"SEED={SEED}: history_workload {self.run} did not stop "
                              f"{timeout} s after SIGTERM")
        self.exited_ns = time.monotonic_ns()
        with open(self.out) as f:
            out = f.read()
        check(self.proc.returncode == 0,
              f"SEED={SEED}: history_workload {self.run} exited {self.proc.returncode}: "
              f"{out[-500:]} {open(self.err).read()[-2000:]}")
        m = re.search(r"^SUMMARY (\{.*\})$", out, re.M)
        return json.loads(m.group(1)) if m else {}

    def drain(self):
        # Anything the workload received and left undeleted (or received
        # in an operation whose outcome it never learned) is visible again
        # VT_MAX_S after the workload exited, plus slack for a request
        # still in the raft pipeline then.
        visible_by = self.exited_ns + (VT_MAX_S + 4) * 1_000_000_000
        p = subprocess.run([self.bin, "drain", "--endpoints", self.c.endpoints(),
                            "--history", self.path, "--run", self.run,
                            "--visible-by-ns", str(visible_by), "--idle-ms", "4000",
                            "--p", "100", "--batch", str(BATCH_EVERY)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=300)
        check(p.returncode == 0, f"SEED={SEED}: drain of run {self.run} failed "
              f"({p.returncode}): {p.stdout[-500:]} {p.stderr[-2000:]}")


# ---- one schedule -------------------------------------------------------------

def run_schedule(c, k, seconds):
    sched = make_schedule(SEED, k, seconds, n_nodes=len(c.members()))
    run = f"s{SEED}x{k}"
    log(f"schedule {k}: {seconds:g} s, {len(sched)} faults: "
        + ", ".join(f"{t:g}s {kind}/{tgt}" + (f"/{peer}" if kind in ('partial', 'kpartial',
                                                                     'transfer')
                                              else "") + (f" {d:g}s" if d else "")
                    + (f" +clock({clk[0]},{clk[1] // 1000:+d}s)" if clk else "")
                    for t, kind, tgt, peer, d, clk in sched))
    wl = HistoryRun(c, run, seed=SEED * 131 + k)
    c.workloads_extra = getattr(c, "workloads_extra", []) + [wl]
    wait_until(wl.ready, 90, f"history_workload {run} to create its queues")
    wait_until(lambda: wl.records() >= 200, 60, "the workload to get going")
    faults = Faults(c, getattr(c, "nft", None))
    t_start = time.monotonic()
    try:
        for off, kind, target, peer, dur, clock in sched:
            now = time.monotonic() - t_start
            if off > now:
                time.sleep(off - now)
            label = ""
            if clock:
                label = faults.step_clock(*clock) + " + "
            label += faults.start(kind, target, peer)
            log(f"  +{time.monotonic() - t_start:6.2f}s {label}"
                + (f" for {dur:g} s" if dur else ""))
            if dur:
                end = t_start + off + dur
                time.sleep(max(0.0, end - time.monotonic()))
                faults.heal_all()
                log(f"  +{time.monotonic() - t_start:6.2f}s healed")
        left = t_start + seconds - time.monotonic()
        if left > 0:
            time.sleep(left)
    finally:
        faults.heal_all()
    log(f"schedule {k}: faults over; {wl.records()} history records so far")
    c.converged(timeout=90)
    n = wl.records()
    wait_until(lambda: wl.records() >= n + 100, 60,
               "the workload to make progress after healing")
    s = wl.stop()
    log(f"workload {run} stopped: {s}")
    wl.drain()
    log(f"queues of run {run} drained")
    applied, digest, _ = c.converged(timeout=90)
    h = check_history.History.load([wl.path])
    rep = check_history.check(h)
    print(rep.text(), flush=True)
    errors = {}
    for op in h.ops:
        if op.type != "ok":
            name = f"{op.f}:{op.type}:{(op.result or {}).get('error', 'no completion')}"
            errors[name] = errors.get(name, 0) + 1
    if errors:
        log("not ok operations: " + ", ".join(f"{k}={v}" for k, v in sorted(errors.items())))
    st = rep.stats
    for key in ("ops", "ok", "fail", "info"):
        totals[key] += st.get(key, 0)
    totals["anomalies"] += len(rep.anomalies)
    measure(f"schedule{k}_ops", st.get("ops", 0))
    measure(f"schedule{k}_info_ops", st.get("info", 0))
    if rep.anomalies:
        os.makedirs(ARTIFACTS, exist_ok=True)
        dest = os.path.join(ARTIFACTS, f"history-seed{SEED}-schedule{k}.jsonl")
        shutil.copy2(wl.path, dest)
        raise TestFailure(
            f"SEED={SEED} schedule {k}: {len(rep.anomalies)} anomalies "
            f"({', '.join(rep.kinds())}); history kept at {dest}; replay with "
            f"STRATUS_FAULT_SEED={SEED} STRATUS_FAULT_SECONDS={TOTAL_S:g} "
            f"STRATUS_FAULT_SCHEDULES={N_SCHEDULES} STRATUS_FAULT_ONLY={k}")
    c.faults_seen = getattr(c, "faults_seen", 0) + sum(faults.count.values())


def body(c):
    print(f"SEED={SEED}", flush=True)
    log(f"SEED={SEED}: {N_SCHEDULES} schedule(s), {TOTAL_S:g} s of faults in all "
        f"(replay: STRATUS_FAULT_SEED={SEED} STRATUS_FAULT_SECONDS={TOTAL_S:g})")
    check(os.access(HISTORY_WORKLOAD, os.X_OK), f"{HISTORY_WORKLOAD} is missing (build first)")
    c.wait_leader(timeout=30)
    if NFT_REASON is None:
        c.nft = netfault.Nft("fault", lambda i: harness.node_ports(c.base, i)[0],
                             lambda i: GID_BASE + i)
        log(f"kernel partitions: nftables table inet {c.nft.table}")
    else:
        log(f"kernel partitions off: {NFT_REASON}")
    try:
        only = os.environ.get("STRATUS_FAULT_ONLY")
        for k in range(N_SCHEDULES):
            if only is None or int(only) == k:
                run_schedule(c, k, TOTAL_S / N_SCHEDULES)
    except TestFailure as e:
        if f"SEED={SEED}" not in str(e):
            raise TestFailure(f"SEED={SEED}: {e}")
        raise
    finally:
        if getattr(c, "nft", None) is not None:
            c.nft.close()
        for wl in getattr(c, "workloads_extra", []):
            wl.kill()
        log("FAULTS " + json.dumps(totals["faults"], sort_keys=True))
        log(f"TOTALS ops={totals['ops']} ok={totals['ok']} fail={totals['fail']} "
            f"info={totals['info']} anomalies={totals['anomalies']} seed={SEED}")


def main():
    env = {}
    if NFT_REASON is None:
        env["STRATUS_NODE_GID_BASE"] = str(GID_BASE)
    if CLOCK_REASON is None:
        os.makedirs(CLOCK_DIR, exist_ok=True)
        asan = os.environ.get("ASAN_OPTIONS", "")
        env.update({
            "LD_PRELOAD": CLOCKSHIM,
            "STRATUS_CLOCK_OFFSET_FILE": os.path.join(CLOCK_DIR, "clock-{id}"),
            # ASan wants to be first in the preload list; the shim only
            # forwards to the next clock_gettime.
            "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0",
        })
    try:
        run_test("fault_schedule", __doc__.split("Property: ", 1)[1].split("\n\n")[0]
                 .strip().replace("\n", " "), body, node_args="--enable-test-hooks", env=env)
    finally:
        shutil.rmtree(CLOCK_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
