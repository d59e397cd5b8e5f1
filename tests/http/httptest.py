"""httptest — what the HTTP front-door tests share, on top of
tests/cluster/harness.py (cluster lifecycle, ports, teardown, logs on
failure): the nodes' HTTP URLs, leader/follower picking, raw HTTP requests
(Query and JSON 1.0), AWS's MD5 of message attributes, and installing the
unmodified clients the tests drive (Debian awscli / python3-boto3, npm).

Paths come from the environment that tests/http/meson.build sets:
  STRATUS_AWSCLI          the AWS CLI to drive (default /usr/bin/aws, Debian 2.9)
  STRATUS_SYSTEM_PYTHON   the Python with Debian's boto3 1.26 (default /usr/bin/python3)
  STRATUS_NEW_PYTHON      a Python with a newer boto3 (JSON 1.0; default: `python3`
                          on PATH, used only if its botocore is >= 1.31)
  STRATUS_SDK_JS_DIR      where @aws-sdk/client-sqs is npm-installed (default
                          tests/http/sdk-js, whose node_modules is gitignored)
Run by hand (after ninja):
    STRATUS_BUILD_DIR=build-httptest python3 tests/http/test_http_awscli.py

Python 3 standard library only (the clients under test run as children).
"""

import hashlib
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import weakref

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
import harness  # noqa: E402
from harness import TestFailure, check, expect, log, node_ports, wait_until  # noqa: E402,F401

AWSCLI = os.environ.get("STRATUS_AWSCLI") or "/usr/bin/aws"
SYSTEM_PYTHON = os.environ.get("STRATUS_SYSTEM_PYTHON") or "/usr/bin/python3"
SDK_JS_DIR = os.environ.get("STRATUS_SDK_JS_DIR") or os.path.join(HERE, "sdk-js")
SDK_JS_SRC = os.path.join(HERE, "sdk-js")

QUERY_VERSION = "2012-11-05"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
JSON10 = "application/x-amz-json-1.0"

# Environment for the AWS clients while auth is off: any key (the server
# accepts unsigned and, with no keys configured, any signed request).
AWS_ENV_NOAUTH = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                  "AWS_DEFAULT_REGION": "us-east-1"}


# ---- the cluster's HTTP side -------------------------------------------------

def http_port(c, i):
    return node_ports(c.base, i)[2]


def http_url(c, i):
    """Node i's HTTP endpoint, as `cluster.sh env` prints it."""
    return f"http://127.0.0.1:{http_port(c, i)}"


def roles(c, timeout=30):
    """(leader, [followers]) of a healthy cluster (every member answering)."""
    lid, st = c.wait_leader(timeout=timeout)
    followers = [i for i in c.members() if i != lid]
    return lid, followers


def wait_http(c, nodes=None, timeout=60):
    """Wait until every node's HTTP port answers /healthz with 200 (the HTTP
    server may start a moment after raft)."""
    for i in nodes or c.members():
        def up(i=i):
            try:
                st, _, _ = request(c, i, "GET", "/healthz", timeout=5)
                return st == 200
            except OSError:
                return False
        wait_until(up, timeout, f"node {i}'s HTTP endpoint ({http_url(c, i)}/healthz) to answer 200",
                   interval=0.2)


def cluster_sh_env(c):
    """`cluster.sh env` as a dict (STRATUS_ENDPOINTS, STRATUS_HTTP_ENDPOINTS)."""
    out = c.sh("env").stdout
    res = {}
    for line in out.splitlines():
        if line.startswith("export "):
            k, _, v = line[len("export "):].partition("=")
            res[k] = v
    return res


def check_http_endpoints_env(c):
    """cluster.sh env names every member's HTTP endpoint as these tests compute it."""
    env = cluster_sh_env(c)
    want = ",".join(http_url(c, i) for i in c.members())
    expect(env.get("STRATUS_HTTP_ENDPOINTS") == want,
           f"cluster.sh env: STRATUS_HTTP_ENDPOINTS={env.get('STRATUS_HTTP_ENDPOINTS')!r}, "
           f"expected {want!r}")


# ---- raw HTTP ------------------------------------------------------------------

def request(c, node, method, path, body=b"", headers=None, timeout=30):
    """One HTTP/1.1 request to node's HTTP port; (status, {lower header: value}, body bytes)."""
    if isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPConnection("127.0.0.1", http_port(c, node), timeout=timeout)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def query(c, node, params, path="/", headers=None, timeout=30):
    """A Query-protocol POST (form-encoded; Version added); (status, headers, text)."""
    p = dict(params)
    p.setdefault("Version", QUERY_VERSION)
    h = {"Content-Type": FORM}
    h.update(headers or {})
    st, hd, body = request(c, node, "POST", path, urllib.parse.urlencode(p), h, timeout)
    return st, hd, body.decode("utf-8", "replace")


def json_call(c, node, action, doc, headers=None, timeout=30, raw_body=None):
    """An AWS JSON 1.0 call (X-Amz-Target: AmazonSQS.ACTION); (status, headers,
    parsed body or the raw text when it is not JSON)."""
    h = {"Content-Type": JSON10, "X-Amz-Target": f"AmazonSQS.{action}"}
    h.update(headers or {})
    body = raw_body if raw_body is not None else json.dumps(doc)
    st, hd, data = request(c, node, "POST", "/", body, h, timeout)
    text = data.decode("utf-8", "replace")
    try:
        return st, hd, json.loads(text) if text.strip() else {}
    except ValueError:
        return st, hd, text


def qpath(url):
    """The path of a queue URL ('/000000000000/name'): queue URLs name the
    host the caller used, so the same queue has one URL per node."""
    return urllib.parse.urlsplit(url or "").path


def qpaths(urls):
    return sorted(qpath(u) for u in urls or [])


def xml_field(text, tag):
    """The text of the first <tag>...</tag> in an XML document, or None
    (namespace-agnostic, for small checks)."""
    import xml.etree.ElementTree as ET
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == tag:
            return el.text or ""
    return None


def xml_error(text):
    """(Type, Code, Message) of an <ErrorResponse>, or None."""
    import xml.etree.ElementTree as ET
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    if root.tag.rsplit("}", 1)[-1] != "ErrorResponse":
        return None
    return xml_field(text, "Type"), xml_field(text, "Code"), xml_field(text, "Message")


def json_error_type(doc):
    """The short error name of a JSON-protocol error body
    ('com.amazonaws.sqs#QueueDoesNotExist' -> 'QueueDoesNotExist'), or None."""
    if not isinstance(doc, dict):
        return None
    t = doc.get("__type") or doc.get("code")
    return t.rsplit("#", 1)[-1] if isinstance(t, str) else None


# ---- raw sockets -----------------------------------------------------------------

def connect(c, node, timeout=30):
    s = socket.create_connection(("127.0.0.1", http_port(c, node)), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


_leftover = weakref.WeakKeyDictionary()  # socket -> bytes received past a response


def read_response(s, timeout=30):
    """Read one HTTP/1.1 response from socket s: (status, {lower header: value},
    body bytes, closed) — closed when the server closed the connection after it.
    Handles Content-Length, chunked, and close-delimited bodies; interim 1xx
    responses are returned as they come (call again for the final one).
    status is None when the connection closed (or reset) before a status line."""
    s.settimeout(timeout)
    buf = _leftover.pop(s, b"")  # bytes read past the previous response
    deadline = time.monotonic() + timeout

    def more():
        nonlocal buf
        if time.monotonic() > deadline:
            raise socket.timeout("response not complete in time")
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            d = b""
        if d:
            buf += d
        return bool(d)

    while b"\r\n\r\n" not in buf:
        if not more():
            return None, {}, buf, True
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else -1
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    buf = rest
    if 100 <= status < 200:
        _leftover[s] = buf
        return status, hdrs, b"", False
    closed = False
    if "content-length" in hdrs:
        n = int(hdrs["content-length"])
        while len(buf) < n:
            if not more():
                closed = True
                break
        body, _leftover[s] = buf[:n], buf[n:]
    elif hdrs.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            while b"\r\n" not in buf:
                if not more():
                    return status, hdrs, body, True
            size_line, _, buf = buf.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(buf) < size + 2:
                if not more():
                    return status, hdrs, body + buf, True
            body += buf[:size]
            buf = buf[size + 2:]
            if size == 0:
                _leftover[s] = buf
                break
    else:
        while more():
            pass
        body, closed = buf, True
    if hdrs.get("connection", "").lower() == "close":
        closed = True
    return status, hdrs, body, closed


def closed_by_peer(s, timeout):
    """Wait up to timeout s for the server to close s (EOF or reset); returns
    (closed, data the server sent meanwhile)."""
    s.settimeout(1.0)
    got = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True, got
        if not d:
            return True, got
        got += d
    return False, got


# ---- AWS's MD5s ----------------------------------------------------------------------

def md5_hex(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.md5(data).hexdigest()


def md5_of_attributes(attrs):
    """MD5OfMessageAttributes as AWS computes it: for each attribute by name
    (sorted by UTF-8 bytes): len+name, len+DataType, transport byte (1 =
    String/Number, 2 = Binary), len+value; lengths 4-byte big-endian.
    attrs: {name: {"DataType", "StringValue" | "BinaryValue" (bytes)}}."""
    out = b""
    for name in sorted(attrs, key=lambda n: n.encode("utf-8")):
        a = attrs[name]
        n = name.encode("utf-8")
        t = a["DataType"].encode("utf-8")
        out += struct.pack(">I", len(n)) + n + struct.pack(">I", len(t)) + t
        if "BinaryValue" in a and a.get("BinaryValue") is not None:
            v = a["BinaryValue"]
            out += b"\x02" + struct.pack(">I", len(v)) + v
        else:
            v = a["StringValue"].encode("utf-8")
            out += b"\x01" + struct.pack(">I", len(v)) + v
    return hashlib.md5(out).hexdigest()


# ---- installing the clients ---------------------------------------------------------

def apt_install(*packages):
    """apt-get install -y PACKAGES (as scripts/install-deps.sh does); raise on failure."""
    log(f"installing {' '.join(packages)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    for args in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends",
                                         *packages]):
        p = subprocess.run(sudo + args, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=600)
        if p.returncode != 0:
            raise TestFailure(f"{' '.join(args)} failed (status {p.returncode}):\n{p.stdout[-3000:]}")


def ensure_awscli():
    if not os.access(AWSCLI, os.X_OK):
        apt_install("awscli")
    check(os.access(AWSCLI, os.X_OK), f"{AWSCLI} missing after installing awscli")
    p = subprocess.run([AWSCLI, "--version"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    log(f"aws: {p.stdout.strip()}")
    return AWSCLI


def python_botocore_version(python):
    """botocore's version under that Python, or None if it does not import."""
    try:
        p = subprocess.run([python, "-c", "import boto3, botocore; print(botocore.__version__)"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    except OSError:
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def ensure_system_boto3():
    if python_botocore_version(SYSTEM_PYTHON) is None:
        apt_install("python3-boto3")
    v = python_botocore_version(SYSTEM_PYTHON)
    check(v is not None, f"boto3 does not import under {SYSTEM_PYTHON} after installing python3-boto3")
    log(f"{SYSTEM_PYTHON}: botocore {v}")
    return v


def ensure_node():
    if not (shutil.which("node") and shutil.which("npm")):
        apt_install("nodejs", "npm")
    check(shutil.which("node") and shutil.which("npm"), "node/npm missing after apt-get install")
    p = subprocess.run(["node", "--version"], stdout=subprocess.PIPE, text=True, timeout=60)
    log(f"node {p.stdout.strip()}")


def version_tuple(v):
    out = []
    for part in v.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits or 0))
    return tuple(out)


# ---- running clients ----------------------------------------------------------------

def run(cmd, env=None, timeout=120, input=None):
    """Run a client process; (status, stdout, stderr). Fails the test if it hangs."""
    try:
        p = subprocess.run(cmd, env=env, input=input,
                           stdin=None if input is not None else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TestFailure(f"{' '.join(cmd)[:300]}: no answer within {timeout} s")
    return p.returncode, p.stdout, p.stderr


def clean_env(extra=None):
    """os.environ without any AWS/Stratus credential or endpoint variable,
    plus extra."""
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("AWS_") or k in ("STRATUS_ACCESS_KEY_ID",
                                                 "STRATUS_SECRET_ACCESS_KEY",
                                                 "STRATUS_ENDPOINTS"))}
    env["AWS_CONFIG_FILE"] = "/dev/null"
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
    env["AWS_PAGER"] = ""
    env.update(extra or {})
    return env


def end_checks(c):
    """Every node is still running and the replicas converge."""
    alive = c.alive()
    check(alive == c.nodes(), f"nodes alive at the end: {alive}, expected {c.nodes()}")
    ps = c.ps()
    check(all(v == "running" for v in ps.values()), f"cluster.sh ps at the end: {ps}")
    c.converged(expect=c.members(), timeout=60)
