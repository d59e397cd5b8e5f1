#!/usr/bin/env python3
"""check_history — checks a history recorded by history_workload.

A history is a file of JSON lines. Each client chain ("process", p) is
strictly sequential, so a completion belongs to the last invocation of the
same p:
  invocation  {"p": 3, "op": "write", "args": {...}, "t0": ns}
  completion  {"p": 3, "t1": ns, "type": "ok"|"fail"|"info", "result": {...}}
  event       {"p": 9, "event": "drained", "queue": "std", "t0": ns}
t0/t1 are CLOCK_MONOTONIC nanoseconds (one clock for every process of the
machine, so several writers may append to one history). An invocation
without a completion (the writer was killed) is "info": it may or may not
have taken effect. "fail" means it certainly did not. A torn last line is
ignored.

Operations (args -> ok result):
  read     {key}                          -> {value: str | null}
  write    {key, value}                   -> {}
  send     {queue, body, group?, dedup?, resend?} -> {id, seq?}
  receive  {queue, max, vt, wait}         -> {messages: [{id, body, handle,
                                              group?, dedup?, seq?, count?}]}
  delete   {queue, id, handle}            -> {}
  send_batch   {queue, entries: [{eid, body, group?, dedup?, resend?}]}
               -> {entries: [{eid, id, seq?} | {eid, error}]}
  delete_batch {queue, entries: [{eid, id, handle}]}
               -> {entries: [{eid} | {eid, error}]}
  A batch is checked as one send / delete per entry, each with the batch's
  invocation and completion times: an entry listed with an error failed
  (definitely: SQS reports an entry as failed only when it was not
  applied); an entry missing from an ok answer is an anomaly
  (batch-entry-unanswered); a failed or unknown batch makes every entry
  failed or unknown. FIFO: the sequence numbers of one batch's
  successful entries increase in entry order (AWS enqueues a batch in
  order; fifo-batch-order), except entries that may have been answered
  by deduplication: resends, and originals whose dedup id another send
  used before the batch ended.

What is checked:
  kv   each key is a linearizable register (initially absent). The search
       is Wing & Gong's with Lowe's memoization of (linearized set, state),
       per key (P-compositionality). Writes carry unique values, which
       allows two exact reductions first: an "info" write nobody read can
       be left out (linearizing it last is the same as never), and one that
       was read must linearize before the earliest-ending read of its value.
  sqs  (per queue) every acknowledged send is received (when the history
       holds a final drain of that queue: event "drained"); a message id
       always carries the same body; no delivery begins after a definite
       acknowledged delete of the message completed (definite: the delete
       ended before the receipt handle could have gone stale, i.e. before
       the visibility timeout of the receive that produced it could expire);
       no redelivery before the visibility timeout of the previous delivery
       could expire; FIFO: within a group first deliveries follow sequence
       numbers (a message is never first delivered strictly before an
       earlier message of its group), one receive returns a group in order,
       sequence numbers of sends respect real time, every acknowledged send
       with one deduplication id gets one message id (within the 5-minute
       window) and at most one message per deduplication id is ever
       delivered; nothing is delivered that was not sent or whose send
       failed; no operation is told that the queue (created before the
       workload began, never deleted) does not exist.

Usage: check_history.py HISTORY... [--json]   (exit 0: no anomaly, 1:
anomalies, 2: unreadable history). Python 3 standard library only.
"""

import json
import sys
from collections import defaultdict

INF = float("inf")
# Slack for comparing our CLOCK_MONOTONIC stamps with the leader's
# millisecond CLOCK_REALTIME stamps the broker uses for visibility.
CLOCK_SLACK_NS = 1_000_000_000
DEDUP_WINDOW_NS = 240 * 1_000_000_000  # AWS: 5 minutes; keep clear of it


class Op:
    __slots__ = ("idx", "p", "f", "args", "t0", "t1", "type", "result")

    def __init__(self, idx, p, f, args, t0):
        self.idx, self.p, self.f, self.args, self.t0 = idx, p, f, args, t0
        self.t1, self.type, self.result = INF, "info", None

    def brief(self):
        t1 = "inf" if self.t1 == INF else f"{self.t1 / 1e9:.3f}"
        res = self.result
        if self.f == "receive" and self.type == "ok" and res:
            res = {"messages": [{k: m.get(k) for k in ("id", "body", "group", "seq")}
                                for m in res.get("messages", [])]}
        return (f"#{self.idx} p{self.p} {self.f} {json.dumps(self.args, sort_keys=True)} "
                f"[{self.t0 / 1e9:.3f}, {t1}] {self.type} {json.dumps(res, sort_keys=True)}")

    def __repr__(self):
        return self.brief()


class History:
    def __init__(self):
        self.ops = []
        self.events = []
        self.torn = 0
        self.batches = {}  # send_batch / delete_batch: how many
        self.unanswered = []  # batch entries an ok answer did not mention
        self.send_batches = []  # per send_batch: its entries' ok sends

    @classmethod
    def from_records(cls, records):
        h = cls()
        pending = {}
        for rec in records:
            p = rec.get("p")
            if "event" in rec:
                h.events.append(rec)
            elif "op" in rec:
                # An earlier invocation of p left pending never completed
                # (stays "info").
                op = Op(len(h.ops), p, rec["op"], rec.get("args") or {}, rec["t0"])
                h.ops.append(op)
                pending[p] = op
            elif "type" in rec:
                op = pending.pop(p, None)
                if op is None:
                    raise ValueError(f"completion without invocation: {rec}")
                op.t1 = rec["t1"]
                op.type = rec["type"]
                op.result = rec.get("result")
                if op.type == "info":
                    op.t1 = INF
            else:
                raise ValueError(f"unknown record: {rec}")
        h._expand_batches()
        return h

    def _expand_batches(self):
        """Replace each send_batch / delete_batch by one send / delete
        per entry (same p, t0, t1), renumbering the ops."""
        out = []
        for op in self.ops:
            single = {"send_batch": "send", "delete_batch": "delete"}.get(op.f)
            if single is None:
                out.append(op)
                continue
            self.batches[op.f] = self.batches.get(op.f, 0) + 1
            group = []
            answers = {}
            if op.type == "ok":
                for e in (op.result or {}).get("entries", []):
                    answers[e.get("eid")] = e
            for e in op.args.get("entries", []):
                args = {k: v for k, v in e.items() if k != "eid"}
                args["queue"] = op.args.get("queue")
                x = Op(0, op.p, single, args, op.t0)
                x.t1, x.type = op.t1, op.type
                x.result = op.result if op.type != "ok" else None
                if op.type == "ok":
                    a = answers.get(e.get("eid"))
                    if a is None:
                        x.type, x.t1 = "info", INF
                        self.unanswered.append(x)
                    elif "error" in a:
                        x.type, x.result = "fail", {"error": a["error"]}
                    else:
                        x.result = {k: v for k, v in a.items() if k != "eid"}
                        group.append(x)
                out.append(x)
            if single == "send":
                self.send_batches.append(group)
        for i, op in enumerate(out):
            op.idx = i
        self.ops = out

    @classmethod
    def load(cls, paths):
        records = []
        torn = 0
        for path in paths:
            with open(path, "rb") as f:
                data = f.read()
            lines = data.split(b"\n")
            if lines and lines[-1] != b"":
                torn += 1  # torn last line: the writer was killed
            for line in lines[:-1]:
                if line.strip():
                    records.append(json.loads(line))
        # Several files (or writers) append independently: order by time,
        # invocations before completions of one process keep their order.
        if len(paths) > 1:
            records.sort(key=lambda r: (r.get("t0", r.get("t1", 0))))
        h = cls.from_records(records)
        h.torn = torn
        return h


class Report:
    def __init__(self):
        self.anomalies = []  # (kind, message, [ops])
        self.notes = []
        self.stats = {}

    def anomaly(self, kind, msg, ops=()):
        self.anomalies.append((kind, msg, list(ops)))

    def kinds(self):
        return sorted({k for k, _, _ in self.anomalies})

    def text(self, max_ops=12):
        out = []
        s = self.stats
        out.append(f"history: {s.get('ops', 0)} ops ({s.get('ok', 0)} ok, {s.get('fail', 0)} "
                   f"fail, {s.get('info', 0)} info); by op: "
                   + ", ".join(f"{k}={v}" for k, v in sorted(s.get("by_op", {}).items())))
        for n in self.notes:
            out.append(f"note: {n}")
        if not self.anomalies:
            out.append("no anomalies")
        for kind, msg, ops in self.anomalies:
            out.append(f"ANOMALY {kind}: {msg}")
            for op in ops[:max_ops]:
                out.append(f"    {op.brief()}")
            if len(ops) > max_ops:
                out.append(f"    ... {len(ops) - max_ops} more")
        return "\n".join(out)


# ---- kv: linearizable registers ---------------------------------------------

class _Entry:
    __slots__ = ("op", "call", "match", "prev", "next", "t")

    def __init__(self, op, call, t):
        self.op, self.call, self.t = op, call, t
        self.match = self.prev = self.next = None


def _wgl(ops, init=None):
    """Wing & Gong / Lowe search. ops: list of (id, kind, value, t0, t1)
    with kind 'w' or 'r'. Returns (True, None) or (False, info)."""
    n = len(ops)
    if n == 0:
        return True, None
    events = []
    for i, (oid, kind, val, t0, t1) in enumerate(ops):
        c = _Entry(i, True, t0)
        r = _Entry(i, False, t1)
        c.match = r
        events.append((t0, 0, c))
        # Returns sort after calls at equal times: touching ops overlap.
        events.append((t1, 1, r))
    events.sort(key=lambda e: (e[0], e[1]))
    head = _Entry(None, True, -INF)
    prev = head
    for _, _, e in events:
        prev.next = e
        e.prev = prev
        prev = e

    def lift(c):
        c.prev.next = c.next
        if c.next:
            c.next.prev = c.prev
        r = c.match
        r.prev.next = r.next
        if r.next:
            r.next.prev = r.prev

    def unlift(c):
        r = c.match
        r.prev.next = r
        if r.next:
            r.next.prev = r
        c.prev.next = c
        if c.next:
            c.next.prev = c

    state = init
    linearized = 0
    cache = set()
    stack = []
    entry = head.next
    best = (-1, None, None)  # (depth, stuck op index, states seen there)
    while head.next is not None:
        if entry.call:
            i = entry.op
            _, kind, val, _, _ = ops[i]
            if kind == "w":
                ok, new = True, val
            else:
                ok, new = (val == state), state
            if ok:
                lin2 = linearized | (1 << i)
                key = (lin2, new)
                if key not in cache:
                    cache.add(key)
                    stack.append((entry, state))
                    state, linearized = new, lin2
                    lift(entry)
                    entry = head.next
                    continue
            entry = entry.next
        else:
            # A return: its op must have been linearized already. Backtrack.
            if len(stack) > best[0]:
                best = (len(stack), entry.op, state)
            if not stack:
                return False, best
            entry, state = stack.pop()
            linearized &= ~(1 << entry.op)
            unlift(entry)
            entry = entry.next
    return True, None


def check_kv(h, rep):
    by_key = defaultdict(list)
    for op in h.ops:
        if op.f in ("read", "write"):
            by_key[op.args.get("key")].append(op)
    total = 0
    for key in sorted(by_key, key=str):
        ops = by_key[key]
        writes = {}
        for op in ops:
            if op.f == "write":
                v = op.args.get("value")
                if v in writes:
                    rep.anomaly("kv-duplicate-write", f"key {key}: value {v!r} written twice "
                                "(the workload's values must be unique)", [writes[v], op])
                writes[v] = op
        reads = [op for op in ops if op.f == "read" and op.type == "ok"]
        observed_end = {}
        bad = False
        for r in reads:
            v = (r.result or {}).get("value")
            if v is None:
                continue
            w = writes.get(v)
            if w is None:
                rep.anomaly("kv-phantom-read", f"key {key}: read {v!r}, which no one wrote", [r])
                bad = True
            elif w.type == "fail":
                rep.anomaly("kv-read-of-failed-write",
                            f"key {key}: read {v!r}, whose write failed (definitely not applied)",
                            [w, r])
                bad = True
            elif r.t1 < w.t0:
                rep.anomaly("kv-read-before-write",
                            f"key {key}: read {v!r} ended before its write began", [w, r])
                bad = True
            else:
                observed_end[v] = min(observed_end.get(v, INF), r.t1)
        if bad:
            continue
        model = []
        src = []
        for op in ops:
            if op.f == "write":
                v = op.args.get("value")
                if op.type == "ok":
                    t1 = op.t1
                elif op.type == "info" and v in observed_end:
                    t1 = observed_end[v]
                else:
                    continue  # failed, or unknown and never observed
                model.append((op.idx, "w", v, op.t0, t1))
                src.append(op)
            elif op.type == "ok":
                model.append((op.idx, "r", (op.result or {}).get("value"), op.t0, op.t1))
                src.append(op)
        total += len(model)
        ok, info = _wgl(model)
        if not ok:
            depth, stuck, state = info
            op = src[stuck]
            around = [o for o in src if o.t0 <= op.t1 and o.t1 >= op.t0 and o is not op]
            around.sort(key=lambda o: o.t0)
            # The writes that completed last before the stuck op began.
            before = sorted((o for o in src if o.f == "write" and o.t1 < op.t0),
                            key=lambda o: o.t1)[-3:]
            rep.anomaly("kv-not-linearizable",
                        f"key {key}: no linearization of its {len(model)} ops; the search "
                        f"got furthest ({depth} ops linearized, register = {state!r}) and then "
                        f"could not place op #{op.idx}; shown: that op, the last writes that "
                        f"completed before it began, and the ops concurrent with it",
                        [op] + before + around)
    rep.stats["kv_keys"] = len(by_key)
    rep.stats["kv_ops_checked"] = total


# ---- SQS --------------------------------------------------------------------

def _seq(x):
    try:
        return int(x)
    except (TypeError, ValueError):
        return None


def check_sqs(h, rep, queue):
    sends = [op for op in h.ops if op.f == "send" and op.args.get("queue") == queue]
    recvs = [op for op in h.ops if op.f == "receive" and op.args.get("queue") == queue]
    dels = [op for op in h.ops if op.f == "delete" and op.args.get("queue") == queue]
    if not (sends or recvs or dels):
        return
    drained = any(e.get("event") == "drained" and e.get("queue") == queue for e in h.events)
    # The workload creates its queues before its first operation and never
    # deletes them: "does not exist" is a stale answer (e.g. a node that
    # has not applied the creation yet answering for the leader).
    gone = [op for op in sends + recvs + dels if op.type != "ok"
            and (op.result or {}).get("error") in ("QueueDoesNotExist",
                                                   "AWS.SimpleQueueService.NonExistentQueue")]
    if gone:
        rep.anomaly("sqs-queue-missing", f"queue {queue}: {len(gone)} operation(s) answered "
                    "that the queue does not exist; it was created before the workload "
                    "started and never deleted", gone)
    fifo = any(op.args.get("group") for op in sends)

    send_by_body = {}
    for op in sends:
        send_by_body[op.args.get("body")] = op
    # Deliveries: message id -> [(receive op, message)]
    deliv = defaultdict(list)
    handle_src = {}
    for r in recvs:
        if r.type != "ok":
            continue
        msgs = (r.result or {}).get("messages") or []
        last_seq = {}
        for m in msgs:
            deliv[m.get("id")].append((r, m))
            handle_src[m.get("handle")] = (r, m)
            if fifo:
                g, s = m.get("group"), _seq(m.get("seq"))
                if g is not None and s is not None:
                    if g in last_seq and s <= last_seq[g]:
                        rep.anomaly("fifo-order-within-receive",
                                    f"queue {queue}: one receive returned group {g} out of "
                                    f"order ({last_seq[g]} then {s})", [r])
                    last_seq[g] = s
    rep.stats[f"{queue}_messages_delivered"] = len(deliv)

    # Bodies: delivered bodies were sent, and not by a failed send; one
    # message id, one body.
    for mid, ds in deliv.items():
        bodies = {m.get("body") for _, m in ds}
        if len(bodies) > 1:
            rep.anomaly("sqs-id-bodies", f"queue {queue}: message {mid} delivered with "
                        f"different bodies {sorted(map(str, bodies))}", [r for r, _ in ds])
        for b in bodies:
            s = send_by_body.get(b)
            if s is None:
                rep.anomaly("sqs-phantom-message", f"queue {queue}: message {mid} body {b!r} "
                            "was never sent", [r for r, _ in ds])
            elif s.type == "fail":
                rep.anomaly("sqs-delivered-failed-send", f"queue {queue}: message {mid} body "
                            f"{b!r} delivered but its send failed", [s] + [r for r, _ in ds])
            elif s.args.get("resend"):
                # Enqueued although the original send with its dedup id had
                # been acknowledged (so it was applied) shortly before.
                orig = [o for o in sends if o.args.get("dedup") == s.args.get("dedup")
                        and not o.args.get("resend") and o.type == "ok"
                        and o.t1 < s.t0 and s.t0 - o.t0 < DEDUP_WINDOW_NS]
                if orig:
                    rep.anomaly("fifo-dedup-double-delivery",
                                f"queue {queue}: the resend {b!r} of dedup id "
                                f"{s.args.get('dedup')} was enqueued and delivered although "
                                "the original send had been acknowledged",
                                orig[:1] + [s] + [r for r, _ in ds])

    # Lost acknowledged sends.
    if drained:
        lost = [op for op in sends if op.type == "ok"
                and (op.result or {}).get("id") not in deliv]
        if lost:
            rep.anomaly("sqs-lost-message", f"queue {queue}: {len(lost)} acknowledged send(s) "
                        "never received (the queue was drained at the end)", lost)
    else:
        rep.notes.append(f"queue {queue}: no final drain recorded; lost messages not checked")

    # Redelivery before the previous delivery's visibility could expire.
    for mid, ds in deliv.items():
        if len(ds) < 2:
            continue
        for i in range(len(ds)):
            for j in range(i + 1, len(ds)):
                (r1, m1), (r2, m2) = ds[i], ds[j]
                if r1 is r2:
                    rep.anomaly("sqs-duplicate-in-receive",
                                f"queue {queue}: message {mid} twice in one receive", [r1])
                    continue
                vt1 = r1.args.get("vt", 0) * 1e9
                vt2 = r2.args.get("vt", 0) * 1e9
                # r1 first needs r2 to end after r1 began + vt1; or r2 first.
                can12 = r2.t1 + CLOCK_SLACK_NS >= r1.t0 + vt1
                can21 = r1.t1 + CLOCK_SLACK_NS >= r2.t0 + vt2
                if not (can12 or can21):
                    rep.anomaly("sqs-redelivered-while-invisible",
                                f"queue {queue}: message {mid} delivered twice within the "
                                f"visibility timeout ({vt1 / 1e9:g} s / {vt2 / 1e9:g} s)",
                                [r1, r2])

    # Deliveries after a definite acknowledged delete.
    for d in dels:
        if d.type != "ok":
            continue
        src = handle_src.get(d.args.get("handle"))
        if src is None:
            continue
        r, m = src
        vt = r.args.get("vt", 0) * 1e9
        if d.t1 >= r.t0 + vt - CLOCK_SLACK_NS:
            continue  # the handle may have gone stale: the delete may be a no-op
        after = [r2 for r2, _ in deliv.get(m.get("id"), []) if r2.t0 > d.t1]
        if after:
            rep.anomaly("sqs-delivered-after-delete",
                        f"queue {queue}: message {m.get('id')} delivered after an "
                        "acknowledged delete of its current receipt handle", [r, d] + after)

    if not fifo:
        return
    # FIFO: first deliveries per group in sequence order.
    first = {}  # message id -> (t0 of first delivery start, t1 min end, seq, group, op)
    for mid, ds in deliv.items():
        s = _seq(ds[0][1].get("seq"))
        g = ds[0][1].get("group")
        if s is None or g is None:
            rep.anomaly("fifo-missing-attributes", f"queue {queue}: message {mid} delivered "
                        "without SequenceNumber/MessageGroupId", [ds[0][0]])
            continue
        start = min(ds, key=lambda d: d[0].t0)
        end = min(ds, key=lambda d: d[0].t1)
        first[mid] = (start[0].t0, end[0].t1, s, g, start[0], end[0])
    groups = defaultdict(list)
    for mid, v in first.items():
        groups[v[3]].append((v[2], mid, v))
    for g, items in groups.items():
        items.sort()
        best = None  # the earlier-sequence message whose first delivery began latest
        for s, mid, v in items:
            if best is not None and v[1] < best[2][0]:
                rep.anomaly("fifo-reorder",
                            f"queue {queue} group {g}: message {mid} (seq {s}) was delivered "
                            f"before message {best[1]} (seq {best[0]}) was first delivered",
                            [best[2][4], v[5]])
            if best is None or v[0] > best[2][0]:
                best = (s, mid, v)
    # Sequence numbers of fresh acknowledged sends respect real time.
    fresh = sorted((op for op in sends if op.type == "ok" and not op.args.get("resend")
                    and _seq((op.result or {}).get("seq")) is not None), key=lambda o: o.t1)
    by_t0 = sorted(fresh, key=lambda o: o.t0)
    k, top = 0, None
    for b in by_t0:
        while k < len(fresh) and fresh[k].t1 < b.t0:
            if top is None or _seq(fresh[k].result["seq"]) > _seq(top.result["seq"]):
                top = fresh[k]
            k += 1
        if top is not None and _seq(b.result["seq"]) <= _seq(top.result["seq"]):
            rep.anomaly("fifo-send-order", f"queue {queue}: send #{b.idx} began after send "
                        f"#{top.idx} was acknowledged but got a lower sequence number", [top, b])
    # Deduplication: one message id per dedup id among acknowledged sends
    # close in time, and at most one distinct message delivered per dedup id.
    by_dedup = defaultdict(list)
    for op in sends:
        if op.args.get("dedup"):
            by_dedup[op.args["dedup"]].append(op)
    check_batch_order(h, rep, queue, by_dedup)
    for dd, ops in by_dedup.items():
        oks = [op for op in ops if op.type == "ok"]
        ids = {(op.result or {}).get("id") for op in oks}
        if len(ids) > 1 and max(o.t1 for o in oks) - min(o.t0 for o in ops) < DEDUP_WINDOW_NS:
            rep.anomaly("fifo-dedup-ids", f"queue {queue}: dedup id {dd} acknowledged with "
                        f"{len(ids)} different message ids", oks)
    delivered_by_dedup = defaultdict(set)
    for mid, ds in deliv.items():
        dd = ds[0][1].get("dedup")
        if dd is not None:
            delivered_by_dedup[dd].add(mid)
    for dd, mids in delivered_by_dedup.items():
        if len(mids) > 1:
            rep.anomaly("fifo-dedup-double-delivery", f"queue {queue}: dedup id {dd} delivered "
                        f"as {len(mids)} different messages {sorted(mids)}",
                        [r for mid in mids for r, _ in deliv[mid]])


def check_batch_order(h, rep, queue, by_dedup):
    """fifo-batch-order for queue's SendMessageBatch calls; by_dedup: its
    sends by deduplication id."""
    # A resend of an earlier deduplication id is answered with the earlier
    # message's id and sequence number: not ordered. So is an original
    # whose dedup id another process resent concurrently (the workload's
    # resend ring offers a dedup id as soon as its send begins), when the
    # resend was applied first. Another entry of the same batch (same
    # process and invocation) is applied after x, or is itself the resend.
    def maybe_deduplicated(x):
        return x.args.get("resend") or any(
            (o.p, o.t0) != (x.p, x.t0) and o.type != "fail" and o.t0 < x.t1
            for o in by_dedup.get(x.args.get("dedup"), ()))

    for group in h.send_batches:
        if not group or group[0].args.get("queue") != queue:
            continue
        seqs = [(int(x.result["seq"]), x) for x in group
                if x.result.get("seq") is not None and not maybe_deduplicated(x)]
        if any(a[0] >= b[0] for a, b in zip(seqs, seqs[1:])):
            rep.anomaly("fifo-batch-order", "a FIFO SendMessageBatch's sequence numbers do "
                        "not increase in entry order", [x for _, x in seqs])


def check(h):
    rep = Report()
    by_op = defaultdict(int)
    counts = defaultdict(int)
    for op in h.ops:
        by_op[op.f] += 1
        counts[op.type] += 1
    rep.stats.update({"ops": len(h.ops), "ok": counts["ok"], "fail": counts["fail"],
                      "info": counts["info"], "by_op": dict(by_op)})
    if h.torn:
        rep.notes.append(f"{h.torn} torn last line(s) ignored (a writer was killed)")
    rep.stats["batches"] = dict(h.batches)
    if h.batches:
        rep.notes.append("batches (checked per entry): "
                         + ", ".join(f"{k}={v}" for k, v in sorted(h.batches.items())))
    if h.unanswered:
        rep.anomaly("batch-entry-unanswered",
                    f"{len(h.unanswered)} entries of successful batch calls are neither in "
                    f"Successful nor in Failed", h.unanswered)
    check_kv(h, rep)
    queues = sorted({op.args.get("queue") for op in h.ops
                     if op.f in ("send", "receive", "delete")}, key=str)
    for q in queues:
        check_sqs(h, rep, q)
    return rep


def check_file(*paths):
    return check(History.load(list(paths)))


def main(argv):
    paths = [a for a in argv[1:] if not a.startswith("--")]
    if not paths:
        print(__doc__.strip().split("\n\n")[-1], file=sys.stderr)
        return 2
    try:
        h = History.load(paths)
    except (OSError, ValueError) as e:
        print(f"check_history: {e}", file=sys.stderr)
        return 2
    rep = check(h)
    if "--json" in argv:
        print(json.dumps({"stats": rep.stats, "notes": rep.notes,
                          "anomalies": [{"kind": k, "message": m,
                                         "ops": [o.brief() for o in ops]}
                                        for k, m, ops in rep.anomalies]}, indent=1))
    else:
        print(rep.text())
    return 1 if rep.anomalies else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
