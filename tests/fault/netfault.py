"""netfault — real network partitions between the nodes of a local test
cluster, in the kernel, with nftables.

Every node of a test cluster listens on 127.0.0.1, so addresses cannot
tell nodes apart; ports and socket owners can. A cluster started with
STRATUS_NODE_GID_BASE=G (deploy/cluster.sh) runs node i with group id G+i,
and the rules match on that (`meta skgid`) and on raft ports:

  cut X <-> Y:   packets from X's sockets to Y's raft port, and from Y's
                 sockets to X's raft port, are dropped (both directions of
                 raft traffic: each node pushes to the other's listener);
  isolate X:     cut X from every other node, and also drop what X's
                 listener sends (its replies on the connections the
                 others dialed).

Packets are dropped, not rejected: connections stay open and stall, as on
a real network that loses a link (TCP retransmits once the rules go). The
client ports are never touched: clients still reach every node.

Rules live in one table of their own per test process
(`inet stratus_<name>_<pid>`), and every rule names both a port of this
cluster and a group id of its nodes, so tests of other clusters running at
the same time are not affected (not even by a table left behind). The
table is deleted by close(), at exit and on SIGTERM through the harness's
teardown path (always call close() in a finally); a new Nft also deletes
tables left by test processes that no longer exist (SIGKILLed).

Needs root and a kernel with nf_tables; usable() says why not.
Python 3 standard library only.
"""
import atexit
import os
import shutil
import subprocess

GID_BASE_DEFAULT = 3_000_000


def gid_base():
    """Group ids for this test process's nodes: G+1..G+n (no /etc/group
    entries needed)."""
    return GID_BASE_DEFAULT + (os.getpid() % 100_000) * 20


def _nft(*args, check=True, input_text=None):
    p = subprocess.run(["nft", *args], input=input_text, capture_output=True, text=True,
                       timeout=10)
    if check and p.returncode != 0:
        raise RuntimeError(f"nft {' '.join(args)}: {p.stderr.strip() or p.returncode}")
    return p


def usable():
    """None when nft can add and delete a table here, else the reason."""
    if shutil.which("nft") is None:
        return "nft not found (install the Debian package nftables: scripts/install-deps.sh)"
    if os.geteuid() != 0:
        return "not root: nftables rules need CAP_NET_ADMIN"
    name = f"stratus_probe_{os.getpid()}"
    try:
        p = _nft("add", "table", "inet", name, check=False)
        if p.returncode != 0:
            return f"nft cannot add a table (no nf_tables in this kernel/container?): " \
                   f"{p.stderr.strip()}"
        _nft("delete", "table", "inet", name, check=False)
    except (OSError, subprocess.SubprocessError) as e:
        return f"nft failed: {e}"
    return None


def _remove_stale_tables():
    """Delete stratus_<name>_<pid> tables whose test process is gone."""
    p = _nft("list", "tables", check=False)
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[0] != "table" or not parts[2].startswith("stratus_"):
            continue
        pid = parts[2].rsplit("_", 1)[-1]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            _nft("delete", "table", parts[1], parts[2], check=False)


class Nft:
    """The nftables table of one test cluster."""

    def __init__(self, name, raft_port, gid):
        """raft_port(i) and gid(i): node i's raft port and group id."""
        self.table = f"stratus_{name}_{os.getpid()}"
        self.raft_port = raft_port
        self.gid = gid
        self.cuts = set()  # frozenset({x, y}) pairs cut
        self.isolated = set()
        self.open = False
        _remove_stale_tables()
        _nft("add", "table", "inet", self.table)
        self.open = True
        atexit.register(self.close)
        _nft("add", "chain", "inet", self.table, "out",
             "{ type filter hook output priority 0 ; policy accept ; }")

    def _rules(self, rules):
        text = "".join(f"add rule inet {self.table} out {r}\n" for r in rules)
        _nft("-f", "-", input_text=text)

    def cut(self, x, y):
        """Drop raft traffic between nodes x and y, both directions."""
        rx, ry = self.raft_port(x), self.raft_port(y)
        self._rules([f"meta skgid {self.gid(x)} tcp dport {ry} drop",
                     f"meta skgid {self.gid(y)} tcp dport {rx} drop"])
        self.cuts.add(frozenset((x, y)))

    def isolate(self, x, members):
        """Cut x from every other member; drop everything on x's raft port."""
        for y in members:
            if y != x:
                self.cut(x, y)
        rx = self.raft_port(x)
        self._rules([f"meta skgid {self.gid(x)} tcp sport {rx} drop"])
        self.isolated.add(x)

    def heal(self):
        """Remove every rule (the table stays for the next fault)."""
        if self.open:
            _nft("flush", "chain", "inet", self.table, "out")
        self.cuts.clear()
        self.isolated.clear()

    def rules_text(self):
        return _nft("list", "table", "inet", self.table, check=False).stdout

    def close(self):
        """Delete the table (idempotent)."""
        if self.open:
            self.open = False
            _nft("delete", "table", "inet", self.table, check=False)
