"""harness — what the cluster tests share: a local Stratus cluster driven
through deploy/cluster.sh, the kv_workload and raw_request helpers, and
the checks every test ends with (nothing acknowledged lost, replicas
converged).

Everything a test starts lives in a private temporary directory and on a
private range of free ports, and is torn down (`cluster.sh down --wipe`)
whatever happens: normal exit, failure, exception, SIGTERM from meson's
timeout. On failure the node logs are printed first.

Paths come from the environment that tests/cluster/meson.build sets
(STRATUS_BUILD_DIR, STRATUS_SOURCE_DIR, STRATUS_KV_WORKLOAD,
STRATUS_RAW_REQUEST), so the scripts use the binaries of the build
directory that runs them (plain or sanitized). Each test copies them into
its private directory first and points cluster.sh there (see
snapshot_binaries), so it runs what was built, even if the shared checkout
changes meanwhile. Run by hand (after ninja):
    STRATUS_BUILD_DIR=build-cl python3 tests/cluster/test_leader_kill.py
Set STRATUS_KEEP_CLUSTER=1 to keep the cluster directory (logs, data,
ack logs) for a post-mortem; it is still stopped.

Python 3 standard library only.
"""

import atexit
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("STRATUS_SOURCE_DIR") or os.path.normpath(
    os.path.join(HERE, "..", ".."))


def _build_dir():
    d = os.environ.get("STRATUS_BUILD_DIR") or "build"
    # Same rule as cluster.sh: relative to the repository root.
    return d if os.path.isabs(d) else os.path.join(SOURCE_DIR, d)


BUILD_DIR = _build_dir()
CLUSTER_SH = os.path.join(SOURCE_DIR, "deploy", "cluster.sh")
STRATUSD = os.path.join(BUILD_DIR, "broker", "stratusd")
CLI = os.path.join(BUILD_DIR, "client", "stratus")
LIBSTRATUS = os.path.join(BUILD_DIR, "client", "libstratus.so")
KV_WORKLOAD = os.environ.get("STRATUS_KV_WORKLOAD") or os.path.join(
    BUILD_DIR, "tests", "cluster", "kv_workload")
RAW_REQUEST = os.environ.get("STRATUS_RAW_REQUEST") or os.path.join(
    BUILD_DIR, "tests", "cluster", "raw_request")


def snapshot_binaries(dest):
    """Copy the binaries under test into dest, in the build dir's layout
    (the RUNPATHs are $ORIGIN-relative: the CLI finds libstratus.so next to
    it, kv_workload in ../../client). cluster.sh treats a directory without
    build.ninja as prebuilt binaries and does not run ninja, so a test uses
    exactly what was built before it started — not whatever a concurrent
    edit of the shared checkout makes `cluster.sh up` rebuild mid-suite.
    Returns {name: path}."""
    layout = {"stratusd": (STRATUSD, "broker"), "stratus": (CLI, "client"),
              "libstratus.so": (LIBSTRATUS, "client"),
              "kv_workload": (KV_WORKLOAD, "tests/cluster"),
              "raw_request": (RAW_REQUEST, "tests/cluster")}
    paths = {}
    for name, (src, sub) in layout.items():
        d = os.path.join(dest, sub)
        os.makedirs(d, exist_ok=True)
        paths[name] = os.path.join(d, name)
        shutil.copy2(src, paths[name])
    return paths

# Raft timings for every test cluster (cluster.sh turns them into
# --election-timeout-ms / --heartbeat-timeout-ms).
ELECTION_TIMEOUT_MS = 300
HEARTBEAT_TIMEOUT_MS = 50

# A Request carrying one ClusterStatus op: Request.ops(3) = Op{cluster_status(20) = {}}.
STATUS_REQUEST_HEX = "1a03a20100"

# Lines in node logs that mean a sanitizer or a crash report.
SANITIZER_RE = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer|ThreadSanitizer)|"
    r"runtime error:|SUMMARY: (Address|Undefined|Leak)Sanitizer")

_T0 = time.monotonic()


class TestSkipped(Exception):
    """The property cannot be checked here (say why): run_test exits 77,
    which meson counts as skipped."""


class TestFailure(Exception):
    """A property did not hold (or the cluster could not be driven)."""


def log(msg):
    print(f"[{time.monotonic() - _T0:7.2f}s] {msg}", flush=True)


_measures = []


def measure(name, value, unit=""):
    """Print and remember one measured number (listed again at the end)."""
    _measures.append((name, value, unit))
    log(f"MEASURE {name} = {value}{(' ' + unit) if unit else ''}")


def check(cond, msg):
    """A property that must hold for the test to go on."""
    if not cond:
        raise TestFailure(msg)


_soft_failures = []


def expect(cond, msg):
    """A property whose failure does not stop the test: it is printed now,
    the test goes on (later checks stay meaningful), and fails at the end."""
    if not cond:
        _soft_failures.append(msg)
        log(f"CHECK FAILED: {msg}")
    return bool(cond)


def wait_until(pred, timeout, what, interval=0.05):
    """Poll pred() until it returns something truthy; return that. Raise
    TestFailure after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TestFailure(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


# ---- ports -----------------------------------------------------------------

def _listening_ports():
    ports = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 3 and parts[3] == "0A":  # TCP_LISTEN
                ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


def _bindable(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def node_ports(base, i):
    """raft, client, http port of node i (cluster.sh's layout)."""
    return base + 10 * i, base + 10 * i + 1, base + 10 * i + 2


def pick_base_port(max_index=9):
    """A base port in 20000-60000 whose node ports (nodes 1..max_index) are
    free and outside the kernel's ephemeral range (outgoing connections
    must not take them between now and the nodes' listen)."""
    lo, hi = _ephemeral_range()
    rng = random.Random(os.getpid() ^ time.time_ns())
    span = 10 * max_index + 3
    for _ in range(500):
        base = rng.randrange(20000, 60000 - span)
        ports = [p for i in range(1, max_index + 1) for p in node_ports(base, i)]
        if any(lo <= p <= hi for p in ports):
            continue
        listening = _listening_ports()
        if any(p in listening for p in ports):
            continue
        if all(_bindable(p) for p in ports):
            return base
    raise TestFailure("no free port range found in 20000-60000")


# ---- ack logs --------------------------------------------------------------

class AckLog:
    """A parsed kv_workload ack log.

    unique:   {key: expected value} for every acknowledged unique write
    counters: {key: {"acked": last acked i (0 = none), "sent": highest i sent}}
    """

    def __init__(self, path):
        self.unique = {}
        self.counters = {}
        with open(path) as f:
            for line in f:
                if not line.endswith("\n"):
                    break  # a torn last line: the writer was killed
                parts = line.split()
                if parts[0] == "u" and len(parts) == 2:
                    self.unique[parts[1]] = parts[1].rsplit("/", 1)[1]
                elif parts[0] in ("c", "s") and len(parts) == 3:
                    c = self.counters.setdefault(parts[1], {"acked": 0, "sent": 0})
                    field = "acked" if parts[0] == "c" else "sent"
                    c[field] = max(c[field], int(parts[2]))
                else:
                    raise TestFailure(f"{path}: bad ack log line {line!r}")


# ---- the workload ----------------------------------------------------------

def thread_stacks(pid):
    """Every thread's backtrace of a live process (gdb), for the report of a
    process that hung; a note if gdb cannot tell."""
    try:
        r = subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx",
                            "-ex", "thread apply all bt"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"(no backtrace: {e})"
    lines = [l for l in r.stdout.splitlines() if l.startswith(("#", "Thread "))]
    return "\n".join(lines) or r.stdout[-4000:]


class Workload:
    """A running kv_workload process and its ack log."""

    def __init__(self, cluster, writers=4, run=None, max_writes=None,
                 request_timeout_ms=1000, deadline_ms=15000):
        self.cluster = cluster
        self.writers = writers
        self.run = run or "r%06x" % random.randrange(1 << 24)
        self.ack_path = os.path.join(cluster.tmp, f"ack-{self.run}.log")
        self.out_path = os.path.join(cluster.tmp, f"workload-{self.run}.out")
        self.err_path = os.path.join(cluster.tmp, f"workload-{self.run}.err")
        self._off = 0
        self._count = 0
        self._partial = b""
        self.summary = None
        args = [cluster.bins["kv_workload"], "--endpoints", cluster.endpoints(),
                "--ack-log", self.ack_path, "--writers", str(writers),
                "--run", self.run,
                "--request-timeout-ms", str(request_timeout_ms),
                "--deadline-ms", str(deadline_ms)]
        if max_writes is not None:
            args += ["--max-writes", str(max_writes)]
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(args, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL)
        cluster.workloads.append(self)
        log(f"workload {self.run}: {writers} writers started (pid {self.proc.pid})"
            + (f", {max_writes} iterations each" if max_writes else ""))

    def acked(self):
        """Acknowledged writes so far (reads the log incrementally)."""
        try:
            with open(self.ack_path, "rb") as f:
                f.seek(self._off)
                data = f.read()
        except FileNotFoundError:
            return 0
        self._off += len(data)
        data = self._partial + data
        lines = data.split(b"\n")
        self._partial = lines.pop()
        self._count += sum(1 for l in lines if l[:2] in (b"u ", b"c "))
        return self._count

    def wait_acks(self, n, timeout, what=None):
        wait_until(lambda: self.acked() >= n, timeout,
                   what or f"{n} acknowledged writes from workload {self.run}")
        return self.acked()

    def running(self):
        return self.proc.poll() is None

    def _finish(self):
        rc = self.proc.returncode
        with open(self.out_path) as f:
            out = f.read()
        m = re.search(r"^SUMMARY (\{.*\})$", out, re.M)
        if rc != 0 or m is None:
            with open(self.err_path) as f:
                err = f.read()
            raise TestFailure(f"workload {self.run} exited with status {rc}\n"
                              f"stdout: {out[-2000:]}\nstderr: {err[-4000:]}")
        self.summary = json.loads(m.group(1))
        s = self.summary
        log(f"workload {self.run}: {s['acked']} acked "
            f"({s['acked_unique']} unique, {s['acked_counter']} counter), "
            f"{s['failed']} failed, {s['submit_errors']} not submitted, "
            f"max ack latency {s['max_latency_ms']} ms, {s['elapsed_ms']} ms")
        if s["failed"]:
            log(f"workload {self.run}: last error: {s['last_error']}")
        return s

    def stop(self, timeout=40):
        """SIGTERM, wait, check the exit status; return the summary."""
        if self.summary is not None:
            return self.summary
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise TestFailure(f"workload {self.run} did not stop {timeout} s after SIGTERM")
        return self._finish()

    def wait_exit(self, timeout):
        """For --max-writes runs: wait for the workload to finish."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"workload {self.run} did not finish within {timeout} s "
                              f"({self.acked()} acks so far)")
        return self._finish()

    def kill(self):
        if self.running():
            self.proc.kill()
            self.proc.wait()

    def ack_log(self):
        return AckLog(self.ack_path)


# ---- the cluster -----------------------------------------------------------

class Cluster:
    """A local cluster in a private directory on private ports."""

    def __init__(self, nodes=3, node_args="", name="cluster", env=None):
        self.n = nodes
        self.tmp = tempfile.mkdtemp(prefix=f"stratus-{name}-")
        self.dir = os.path.join(self.tmp, "cluster")
        self.base = pick_base_port()
        self.node_args = node_args
        self.bin = os.path.join(self.tmp, "bin")
        self.bins = snapshot_binaries(self.bin)
        self.env = dict(os.environ)
        self.env.pop("STRATUS_ENDPOINTS", None)
        self.env.update({
            "STRATUS_BUILD_DIR": self.bin,
            "STRATUS_CLUSTER_DIR": self.dir,
            "STRATUS_BASE_PORT": str(self.base),
            "STRATUS_ELECTION_TIMEOUT_MS": str(ELECTION_TIMEOUT_MS),
            "STRATUS_HEARTBEAT_TIMEOUT_MS": str(HEARTBEAT_TIMEOUT_MS),
            "STRATUS_NODE_ARGS": node_args,
            "STRATUS_UP_TIMEOUT": "30",
        })
        self.env.update(env or {})
        self.tls = self.env.get("STRATUS_TLS") == "1"
        if self.tls:
            # cluster.sh makes the CA under the cluster dir at `up`.
            self.env["STRATUS_CA"] = os.path.join(self.dir, "tls", "ca.pem")
        self.workloads = []
        self._torn_down = False
        atexit.register(self.teardown)

    # -- cluster.sh ---------------------------------------------------------

    def sh(self, *args, timeout=120, check=True):
        """Run deploy/cluster.sh ARGS; returns the CompletedProcess."""
        t = time.monotonic()
        try:
            p = subprocess.run([CLUSTER_SH, *args], env=self.env, timeout=timeout,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"cluster.sh {' '.join(args)}: no answer within {timeout} s")
        ms = (time.monotonic() - t) * 1000
        if check and p.returncode != 0:
            raise TestFailure(f"cluster.sh {' '.join(args)} failed (status {p.returncode}, "
                              f"{ms:.0f} ms):\n{p.stderr.strip()}")
        return p

    def up(self):
        t = time.monotonic()
        self.sh("up", str(self.n))
        log(f"cluster up: {self.n} nodes, base port {self.base}, dir {self.dir}"
            + (f", node args '{self.node_args}'" if self.node_args else "")
            + f" ({(time.monotonic() - t) * 1000:.0f} ms)")

    def node_dir(self, i):
        return os.path.join(self.dir, f"node{i}")

    def nodes(self):
        """Every node this cluster directory knows (cluster.sh's all_nodes)."""
        ids = set(range(1, self.n + 1))
        if os.path.isdir(self.dir):
            for d in os.listdir(self.dir):
                m = re.fullmatch(r"node(\d+)", d)
                if m and os.path.exists(os.path.join(self.dir, d, "args")):
                    ids.add(int(m.group(1)))
        return sorted(ids)

    def members(self):
        """Nodes not removed (cluster.sh's member_nodes)."""
        return [i for i in self.nodes()
                if not os.path.exists(os.path.join(self.node_dir(i), "removed"))]

    def client_address(self, i):
        scheme = "tls+tcp" if self.tls else "tcp"
        return f"{scheme}://127.0.0.1:{node_ports(self.base, i)[1]}"

    def endpoints(self):
        return ",".join(self.client_address(i) for i in self.members())

    def pid(self, i):
        """Node i's pid if its process is alive (running or stopped)."""
        try:
            with open(os.path.join(self.node_dir(i), "pid")) as f:
                pid = int(f.read().strip())
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, ValueError, IndexError):
            return None
        return None if state in ("Z", "X") else pid

    def alive(self):
        return [i for i in self.nodes() if self.pid(i) is not None]

    def kill(self, i):
        self.sh("kill", str(i))

    def stop(self, i):
        self.sh("stop", str(i))

    def start(self, i):
        # `cluster.sh kill` returns once the killed process is a zombie,
        # but a multi-threaded stratusd can keep its listening sockets a
        # little longer while its other threads exit; `start` right away
        # then fails with "port in use". Wait for the ports to be free.
        ports = node_ports(self.base, i)
        wait_until(lambda: not (set(ports) & _listening_ports()), 10,
                   f"node {i}'s ports to be free")
        self.sh("start", str(i))

    def pause(self, i):
        self.sh("pause", str(i))

    def resume(self, i):
        self.sh("resume", str(i))

    def add(self, i):
        self.sh("add", str(i))

    def remove(self, i):
        self.sh("remove", str(i))

    def wipe(self, i):
        self.sh("wipe", str(i))

    def stop_all(self):
        """SIGTERM every node at once (cluster.sh down, data kept)."""
        self.sh("down")

    def ps(self):
        """{node: 'running' | 'paused' | 'stopped'} from cluster.sh ps."""
        out = self.sh("ps").stdout
        res = {}
        for line in out.splitlines():
            m = re.match(r"node (\d+): (\w+)", line)
            if m:
                res[int(m.group(1))] = m.group(2)
        return res

    def node_log(self, i):
        try:
            with open(os.path.join(self.node_dir(i), "log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def node_log_since_start(self, i):
        text = self.node_log(i)
        k = text.rfind("cluster.sh: starting node")
        return text[text.rfind("\n", 0, k) + 1:] if k >= 0 else text

    # -- the CLI --------------------------------------------------------------

    def cli(self, *args, timeout_ms=10000, endpoints=None):
        """Run `stratus ARGS`; returns (status, stdout JSON or None, stderr)."""
        cmd = [self.bins["stratus"], "--endpoints", endpoints or self.endpoints(),
               "--timeout-ms", str(timeout_ms), *args]
        p = subprocess.Popen(cmd, env=self.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            stdout, stderr = p.communicate(timeout=timeout_ms / 1000 + 30)
        except subprocess.TimeoutExpired:
            stacks = thread_stacks(p.pid)
            p.kill()
            p.communicate()
            raise TestFailure(f"stratus {' '.join(args)}: hung past its --timeout-ms "
                              f"{timeout_ms}; its threads:\n{stacks}")
        out = None
        err = stderr.strip()
        try:
            e = json.loads(err)["Error"]
            err = f"{e['Name']}: {e['Message']}"
        except (ValueError, KeyError, TypeError):
            pass
        if p.returncode == 0:
            try:
                out = json.loads(stdout)
            except ValueError:
                raise TestFailure(f"stratus {' '.join(args)}: output is not JSON: {stdout[:500]!r}")
        return p.returncode, out, err

    def status(self, timeout_ms=3000):
        """`stratus cluster status` as a dict, or None."""
        rc, out, _ = self.cli("cluster", "status", timeout_ms=timeout_ms)
        return out if rc == 0 else None

    @staticmethod
    def leader_of(st):
        """The leader in a status: a reachable node that reports the leader
        role (the highest term wins if a stale one still says so)."""
        if not st:
            return None
        best = None
        for n in st.get("Nodes", []):
            if n.get("Reachable") and n.get("Role") == "leader":
                if best is None or n.get("Term", 0) > best.get("Term", 0):
                    best = n
        return best["Id"] if best else None

    @staticmethod
    def entry(st, i):
        for n in (st or {}).get("Nodes", []):
            if n.get("Id") == i:
                return n
        return None

    def wait_leader(self, timeout=20, exclude=()):
        """Wait for a leader (not in exclude); returns (id, status)."""
        res = {}

        def pred():
            st = self.status()
            lid = self.leader_of(st)
            if lid and lid not in exclude:
                res["v"] = (lid, st)
                return True
            return False
        wait_until(pred, timeout, "a leader" + (f" other than {list(exclude)}" if exclude else ""))
        return res["v"]

    # -- one node, directly ---------------------------------------------------

    def raw_start(self, address, *args, timeout_ms=2000):
        """Start raw_request in the background; finish with raw_finish()."""
        cmd = [self.bins["raw_request"], "--address", address, "--timeout-ms", str(timeout_ms),
               *args]
        p = subprocess.Popen(cmd, env=self.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        p.stratus_args = args
        p.stratus_timeout = timeout_ms / 1000 + 30
        return p

    @staticmethod
    def raw_finish(p):
        """('reply', dict) | ('no_reply', dict) | ('undecodable', dict) |
        ('no_connect', dict) from a raw_request process."""
        try:
            out, err = p.communicate(timeout=p.stratus_timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise TestFailure(f"raw_request {' '.join(p.stratus_args)} hung")
        if p.returncode != 0:
            raise TestFailure(f"raw_request {' '.join(p.stratus_args)}: status "
                              f"{p.returncode}: {err.strip()}")
        line = out.strip()
        for tag, kind in (("NO_REPLY", "no_reply"), ("UNDECODABLE_REPLY", "undecodable"),
                          ("NO_CONNECT", "no_connect")):
            if line.startswith(tag):
                return kind, json.loads(line[len(tag):].strip() or "{}")
        return "reply", json.loads(line)

    def raw(self, address, *args, timeout_ms=2000):
        """Send one raw request to address (raw_request); see raw_finish."""
        return self.raw_finish(self.raw_start(address, *args, timeout_ms=timeout_ms))

    def node_view(self, i, timeout_ms=500):
        """Node i's own status (role, term, applied_index, digest, leader_id),
        asked of that node alone; None if it does not answer."""
        kind, r = self.raw(self.client_address(i), "--hex", STATUS_REQUEST_HEX,
                           timeout_ms=timeout_ms)
        if kind != "reply" or r["code"] != 0 or not r["results"] or not r["results"][0].get("nodes"):
            return None
        return r["results"][0]["nodes"][0]

    # -- leadership -------------------------------------------------------------

    def transfer_leader(self, target, timeout=20):
        """Make node target the leader (stratus cluster transfer-leader,
        retried); returns the time it took in ms."""
        t = time.monotonic()

        def pred():
            v = self.node_view(target)
            if v and v["role"] == "leader":
                return True
            self.cli("cluster", "transfer-leader", "--id", str(target), timeout_ms=5000)
            v = self.node_view(target)
            return bool(v and v["role"] == "leader")
        wait_until(pred, timeout, f"node {target} to become the leader", interval=0.2)
        ms = (time.monotonic() - t) * 1000
        log(f"node {target} leads ({ms:.0f} ms)")
        return ms

    # -- reads and checks -------------------------------------------------------

    def kv_list(self, prefix, timeout_ms=20000, endpoints=None):
        """{key: value} of every key under prefix (a leader read)."""
        rc, out, err = self.cli("kv", "list", "--prefix", prefix, timeout_ms=timeout_ms,
                                endpoints=endpoints)
        if rc != 0:
            raise TestFailure(f"kv list --prefix {prefix}: {err}")
        return {it["Key"]: it.get("Value", it.get("ValueBase64")) for it in out.get("Items", [])}

    def read_on(self, node, prefixes, attempts=4):
        """Read the prefixes with node as the leader throughout (checked
        before and after by asking the node itself: same term, still
        leader). Returns ({prefix: {key: value}}, term)."""
        for _ in range(attempts):
            self.transfer_leader(node)
            before = self.node_view(node)
            data = {p: self.kv_list(p) for p in prefixes}
            after = self.node_view(node)
            if (before and after and before["role"] == "leader" and after["role"] == "leader"
                    and before["term"] == after["term"]):
                return data, after["term"]
            log(f"leadership moved while reading on node {node}; reading again")
        raise TestFailure(f"could not keep node {node} leading long enough to read")

    def verify_acked(self, node, workloads):
        """Every acknowledged write of the workloads is visible with node
        leading: each acked unique key exists with its value, and each
        counter's value v satisfies last acked i <= v <= highest i sent (lower:
        an acked write lost or an old write applied again; higher: a value
        nobody wrote)."""
        prefixes = []
        logs = []
        for w in workloads:
            prefixes += [f"u/{w.run}/", f"c/{w.run}/"]
            logs.append(w.ack_log())
        data, term = self.read_on(node, prefixes)
        problems = []
        n_unique = n_counters = 0
        for w, al in zip(workloads, logs):
            have_u = data[f"u/{w.run}/"]
            have_c = data[f"c/{w.run}/"]
            for key, want in al.unique.items():
                n_unique += 1
                got = have_u.get(key)
                if got is None:
                    problems.append(f"acked key {key} is missing")
                elif got != want:
                    problems.append(f"acked key {key} = {got!r}, expected {want!r}")
            for key, c in al.counters.items():
                n_counters += 1
                got = have_c.get(key)
                if got is None:
                    if c["acked"] > 0:
                        problems.append(f"counter {key} is missing (acked up to {c['acked']})")
                    continue
                try:
                    v = int(got)
                except ValueError:
                    problems.append(f"counter {key} = {got!r} is not a number")
                    continue
                if v < c["acked"]:
                    problems.append(f"counter {key} = {v} went backwards: acked {c['acked']}")
                elif v > c["sent"]:
                    problems.append(f"counter {key} = {v} but the highest value sent is {c['sent']}")
            extra = set(have_u) - set(al.unique)
            # Unacked writes may exist (fate unknown) but only from this run
            # and never beyond what each writer sent.
            for key in extra:
                parts = key.split("/")
                counter = f"c/{w.run}/{parts[2]}"
                sent = al.counters.get(counter, {"sent": 0})["sent"]
                if int(parts[3]) > sent + 1:
                    problems.append(f"key {key} exists but was never sent")
        if problems:
            missing = sum(1 for p in problems if p.startswith("acked key") and p.endswith("missing"))
            shown = "\n  ".join(problems[:10])
            raise TestFailure(f"on node {node} (leader, term {term}): {len(problems)} problem(s) "
                              f"with acknowledged writes ({missing} of {n_unique} acked unique "
                              f"keys missing, {n_counters} counters checked):\n  {shown}")
        log(f"node {node} (leader, term {term}): all {n_unique} acked unique keys present "
            f"with their values; {n_counters} counters within [last acked, last sent]")
        return n_unique, n_counters

    def converged(self, expect=None, timeout=30):
        """Wait until every node in expect (default: every live member)
        answers, one of them leads, and all report the same applied index —
        the leader's last log index — and the same state digest. Each node
        is asked directly (raw ClusterStatus to its client address), so this
        does not depend on what any one node knows about the others.
        Returns (applied_index, digest, ms)."""
        t = time.monotonic()
        last = {}

        def pred():
            want = expect if expect is not None else [i for i in self.members()
                                                      if self.pid(i) is not None]
            views = {i: self.node_view(i) for i in want}
            last["views"] = views
            if any(v is None for v in views.values()):
                return False
            leaders = [v for v in views.values() if v["role"] == "leader"]
            if not leaders:
                return False
            applied = {v["applied_index"] for v in views.values()}
            # Everything in the leader's log applied: right after a restart
            # every node is still at its snapshot's index (the same on all,
            # with the same digest) until the new leader's first commit.
            if applied != {leaders[0].get("last_index")}:
                return False
            digests = {v["digest"] for v in views.values()}
            if len(applied) == 1 and len(digests) == 1:
                return (applied.pop(), digests.pop(), want)
            return False
        try:
            applied, digest, want = wait_until(pred, timeout, "the replicas to converge",
                                               interval=0.1)
        except TestFailure:
            summary = {i: (v and (v["role"], v["applied_index"], v["digest"]))
                       for i, v in (last.get("views") or {}).items()}
            raise TestFailure(f"replicas did not converge within {timeout} s; last views "
                              f"{{node: (role, applied, digest) or None}}: {summary}")
        ms = (time.monotonic() - t) * 1000
        log(f"converged: nodes {want} at applied index {applied}, digest {digest} ({ms:.0f} ms)")
        return applied, digest, ms

    # -- teardown -----------------------------------------------------------------

    def sanitizer_reports(self):
        """Sanitizer reports in the node logs: each matching line with the
        stack frames that follow it (up to 8)."""
        found = []
        for i in self.nodes():
            lines = self.node_log(i).splitlines()
            for k, line in enumerate(lines):
                if SANITIZER_RE.search(line):
                    found.append(f"node {i}: {line.strip()}")
                    for extra in lines[k + 1:k + 12]:
                        if re.match(r"\s*#\d+ |Direct leak|Indirect leak", extra):
                            found.append(f"node {i}:     {extra.strip()}")
        return found

    def dump_logs(self, lines=60):
        for i in self.nodes():
            text = self.node_log(i).splitlines()
            print(f"----- node {i} log (last {lines} of {len(text)} lines) -----", file=sys.stderr)
            for l in text[-lines:]:
                print(l, file=sys.stderr)
        for w in self.workloads:
            try:
                with open(w.err_path) as f:
                    err = f.read().splitlines()
            except OSError:
                err = []
            if err:
                print(f"----- workload {w.run} stderr (last 20 lines) -----", file=sys.stderr)
                for l in err[-20:]:
                    print(l, file=sys.stderr)
        sys.stderr.flush()

    def teardown(self):
        if self._torn_down:
            return
        self._torn_down = True
        for w in self.workloads:
            w.kill()
        keep = bool(os.environ.get("STRATUS_KEEP_CLUSTER"))
        self.sh("down", *([] if keep else ["--wipe"]), timeout=90, check=False)
        if keep:
            log(f"kept {self.tmp} (STRATUS_KEEP_CLUSTER)")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _on_signal(signo, frame):
    raise KeyboardInterrupt(f"signal {signo}")


def run_test(name, prop, body, nodes=3, node_args="", env=None, setup=None,
             cleanup=None):
    """Run body(cluster) against a fresh cluster; print the property, the
    measurements and PASS/FAIL; exit 0 or 1. Always tears down.
    setup(cluster), if given, runs before the cluster starts (e.g. to mount
    a file system at a node's data dir); cleanup(cluster) runs whatever
    happens, once every node has stopped and before the cluster directory
    is deleted (e.g. to unmount it)."""
    signal.signal(signal.SIGTERM, _on_signal)
    print(f"TEST {name}\nPROPERTY: {prop}", flush=True)
    for path in (STRATUSD, CLI, LIBSTRATUS, KV_WORKLOAD, RAW_REQUEST):
        if not os.access(path, os.X_OK):
            print(f"FAIL: {path} is missing (build first: ninja -C {BUILD_DIR})", flush=True)
            sys.exit(1)
    ok = False
    skipped = False
    c = None
    try:
        c = Cluster(nodes=nodes, node_args=node_args, name=name, env=env)
        if setup is not None:
            setup(c)
        c.up()
        body(c)
        ok = True
    except TestSkipped as e:
        print(f"SKIP: {e}", flush=True)
        ok = skipped = True
    except TestFailure as e:
        print(f"FAIL: {e}", flush=True)
    except KeyboardInterrupt as e:
        print(f"FAIL: interrupted ({e})", flush=True)
    except Exception:
        print("FAIL: unexpected error in the test itself:", flush=True)
        traceback.print_exc()
        sys.stdout.flush()
    finally:
        for msg in _soft_failures:
            print(f"FAIL: {msg}", flush=True)
        if _soft_failures:
            ok = False
        if c is not None:
            for w in c.workloads:
                w.kill()
            # Stop the nodes cleanly first: sanitizer leak reports appear
            # at exit, in the logs.
            try:
                c.sh("down", timeout=90, check=False)
            except TestFailure as e:
                print(f"FAIL: {e}", flush=True)
                ok = False
            reports = c.sanitizer_reports()
            if reports:
                print("FAIL: sanitizer reports in node logs:\n  " + "\n  ".join(reports[:40]),
                      flush=True)
                ok = False
            if not ok:
                c.dump_logs()
            if cleanup is not None:
                try:
                    cleanup(c)
                except Exception:
                    print("FAIL: cleanup:", flush=True)
                    traceback.print_exc()
                    ok = False
            c.teardown()
    if _measures:
        print("MEASUREMENTS: " + ", ".join(f"{n}={v}{u and ' ' + u}" for n, v, u in _measures))
    if skipped and ok:
        print("SKIP " + name, flush=True)
        sys.exit(77)
    print(("PASS " if ok else "FAIL ") + name, flush=True)
    sys.exit(0 if ok else 1)
