#!/usr/bin/env bash
# cluster.sh — run a local Stratus cluster on 127.0.0.1 for development and
# tests: start, stop, kill, pause, add and remove nodes.
#
# Usage: deploy/cluster.sh COMMAND [ARGS]   (from any directory)
#
#   up [N]          build if needed, start N nodes (default 3), wait for a
#                   leader, print the endpoints (as shell comments + exports)
#   down [--wipe]   stop every node (SIGTERM, then SIGKILL); --wipe also
#                   deletes the cluster directory
#   status          stratus cluster status (JSON)
#   leader          the index of the node that leads (exit 1 if none)
#   env             export lines for STRATUS_ENDPOINTS/STRATUS_HTTP_ENDPOINTS
#                   (eval "$(deploy/cluster.sh env)")
#   ps              each node's process state
#   kill I          SIGKILL node I
#   stop I          SIGTERM node I and wait for it to exit
#   start I         start node I again with the flags it last started with
#                   (a node never started before: a bootstrap member if
#                   I <= N, else a joining node with --join)
#   pause I         SIGSTOP node I
#   resume I        SIGCONT node I
#   add I           start node I with --join and add it to the cluster
#   remove I        remove node I from the cluster, then stop it
#   wipe I          stop node I and delete its data
#   rebuild I       rebuild node I from its peers after data loss or
#                   corruption: remove it from the cluster, delete its
#                   data, add it again (a wiped voter must rejoin as a new
#                   member; see docs/ARCHITECTURE.md)
#   logs I [-f]     print (or follow) node I's log
#
# Environment:
#   STRATUS_BUILD_DIR      build directory (default: build; relative to the
#                          repository root)
#   STRATUS_CLUSTER_DIR    cluster state (default: .cluster; relative to the
#                          repository root)
#   STRATUS_BASE_PORT      node i listens on BASE+10*i (raft), +1 (client),
#                          +2 (http); default 7100. Recorded by `up`.
#   STRATUS_ELECTION_TIMEOUT_MS, STRATUS_HEARTBEAT_TIMEOUT_MS
#                          passed to stratusd when set
#   STRATUS_NODE_ARGS      extra stratusd flags (split on whitespace)
#   STRATUS_TLS            1 at `up`: make a cluster CA and node certificates
#                          under DIR/tls (deploy/make-certs.sh); every
#                          listener uses TLS (raft: mutual, tls+tcp://;
#                          clients: tls+tcp://; HTTPS); `env` then prints
#                          those endpoints and STRATUS_CA / AWS_CA_BUNDLE.
#                          Recorded by `up` (the tls/ dir).
#   STRATUS_UP_TIMEOUT     seconds to wait for a leader/membership (20)
#   STRATUS_NODE_GID_BASE  tests: run node I with group id BASE+I (setpriv;
#                          needs root), so nftables rules can tell the
#                          nodes' sockets apart (tests/fault/netfault.py)
#   STRATUS_STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL (10)
#
# Layout of the cluster directory:
#   nodes            N, the size of the bootstrap cluster
#   base_port        the base port the cluster was started with
#   nodeI/data       node I's --data-dir
#   nodeI/log        its stdout and stderr (appended across restarts)
#   nodeI/pid        its pid while it runs
#   nodeI/args       the flags it was started with (NUL-separated)
#   nodeI/removed    present after `remove I`: left out of the endpoints
#   tls/             with STRATUS_TLS=1: ca.pem, nodeI.pem/.key
set -euo pipefail

PROG=${0##*/}
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
HOST=127.0.0.1
MAX_NODES=16 # CONFIG_MAX_PEERS: the most --peer flags stratusd takes
MAX_INDEX=99

die() {
	echo "$PROG: $*" >&2
	exit 1
}

warn() {
	echo "$PROG: $*" >&2
}

# An absolute path: relative ones are taken from the repository root.
abs_path() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$ROOT/$1" ;;
	esac
}

is_uint() {
	[[ $1 =~ ^[0-9]+$ ]]
}

BUILD=$(abs_path "${STRATUS_BUILD_DIR:-build}")
DIR=$(abs_path "${STRATUS_CLUSTER_DIR:-.cluster}")
STRATUSD=$BUILD/broker/stratusd
CLI=$BUILD/client/stratus
UP_TIMEOUT=${STRATUS_UP_TIMEOUT:-20}
STOP_TIMEOUT=${STRATUS_STOP_TIMEOUT:-10}
is_uint "$UP_TIMEOUT" || die "STRATUS_UP_TIMEOUT must be a number of seconds"
is_uint "$STOP_TIMEOUT" || die "STRATUS_STOP_TIMEOUT must be a number of seconds"

# The base port: the one recorded by `up` wins, so that later commands
# agree with the running cluster whatever the environment says.
base_port() {
	local recorded=
	if [[ -f $DIR/base_port ]]; then
		recorded=$(<"$DIR/base_port")
		if [[ -n ${STRATUS_BASE_PORT:-} && $STRATUS_BASE_PORT != "$recorded" ]]; then
			warn "the cluster in $DIR uses base port $recorded (ignoring STRATUS_BASE_PORT=$STRATUS_BASE_PORT)"
		fi
		printf '%s\n' "$recorded"
	else
		printf '%s\n' "${STRATUS_BASE_PORT:-7100}"
	fi
}

check_base_port() {
	local base=$1
	is_uint "$base" || die "STRATUS_BASE_PORT must be a port number (got '$base')"
	((base >= 1024 && base + 10 * MAX_INDEX + 2 <= 65535)) ||
		die "STRATUS_BASE_PORT must be between 1024 and $((65535 - 10 * MAX_INDEX - 2)) (got $base)"
}

raft_port() { echo $((BASE + 10 * $1)); }
client_port() { echo $((BASE + 10 * $1 + 1)); }
http_port() { echo $((BASE + 10 * $1 + 2)); }
tls_on() { [[ -f $DIR/tls/ca.pem ]]; }
nng_scheme() { if tls_on; then echo tls+tcp; else echo tcp; fi; }
raft_addr() { echo "$(nng_scheme)://$HOST:$(raft_port "$1")"; }
client_addr() { echo "$(nng_scheme)://$HOST:$(client_port "$1")"; }
http_addr() { echo "$HOST:$(http_port "$1")"; }

node_dir() { echo "$DIR/node$1"; }

# The size of the bootstrap cluster, from `up`.
cluster_size() {
	[[ -f $DIR/nodes ]] || die "no cluster in $DIR (run: $PROG up)"
	local n
	n=$(<"$DIR/nodes")
	is_uint "$n" || die "$DIR/nodes is corrupt (expected a number, got '$n')"
	echo "$n"
}

# Every node this cluster directory knows: 1..N and any node started
# later, in order.
all_nodes() {
	local n i d
	n=$(cluster_size)
	{
		for ((i = 1; i <= n; i++)); do echo "$i"; done
		for d in "$DIR"/node*; do
			[[ -d $d ]] || continue
			i=${d##*/node}
			is_uint "$i" && ((i > n)) && [[ -f $d/args ]] && echo "$i"
		done
	} | sort -n -u
}

# The nodes that are members as far as we know (not removed).
member_nodes() {
	local i
	for i in $(all_nodes); do
		[[ -f $(node_dir "$i")/removed ]] || echo "$i"
	done
}

join_by_comma() {
	local IFS=,
	echo "$*"
}

endpoints() {
	local i list=()
	for i in $(member_nodes); do list+=("$(client_addr "$i")"); done
	join_by_comma "${list[@]}"
}

http_scheme() { if tls_on; then echo https; else echo http; fi; }

http_endpoints() {
	local i list=() scheme
	scheme=$(http_scheme)
	for i in $(member_nodes); do list+=("$scheme://$(http_addr "$i")"); done
	join_by_comma "${list[@]}"
}

check_index() {
	local i=${1:-}
	[[ -n $i ]] || die "missing node index (1..$MAX_INDEX)"
	if ! is_uint "$i" || ((10#$i < 1 || 10#$i > MAX_INDEX)); then
		die "node index must be 1..$MAX_INDEX (got '$i')"
	fi
}

# The state letter of a process from /proc (R, S, D, T, Z, ...), or nothing.
proc_state() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	echo "${stat%% *}"
}

# The pid of node I if its process is alive (running or stopped), else fail.
# A pid file left by a dead node, or a reused pid, does not count.
node_pid() {
	local f pid state
	f=$(node_dir "$1")/pid
	[[ -f $f ]] || return 1
	pid=$(<"$f")
	is_uint "$pid" || return 1
	state=$(proc_state "$pid")
	[[ -n $state && $state != Z && $state != X ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q stratusd || return 1
	echo "$pid"
}

# Wait up to $2 seconds for pid $1 to exit.
wait_exit() {
	local pid=$1 deadline=$((SECONDS + $2)) state
	while :; do
		state=$(proc_state "$pid")
		[[ -z $state || $state == Z || $state == X ]] && return 0
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

port_in_use() {
	[[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]
}

# The flags of node I. Bootstrap members list every bootstrap node with
# --peer; a joining node gets --join and its own addresses only.
node_args() {
	local i=$1 mode=$2 n j args=()
	args=(--id "$i" --data-dir "$(node_dir "$i")/data"
		--raft-address "$(raft_addr "$i")"
		--client-address "$(client_addr "$i")"
		--http-address "$(http_addr "$i")")
	if [[ $mode == join ]]; then
		args+=(--join)
	else
		n=$(cluster_size)
		for ((j = 1; j <= n; j++)); do
			args+=(--peer "$j=$(raft_addr "$j"),$(client_addr "$j"),$(http_addr "$j")")
		done
	fi
	if [[ -n ${STRATUS_ELECTION_TIMEOUT_MS:-} ]]; then
		args+=(--election-timeout-ms "$STRATUS_ELECTION_TIMEOUT_MS")
	fi
	if [[ -n ${STRATUS_HEARTBEAT_TIMEOUT_MS:-} ]]; then
		args+=(--heartbeat-timeout-ms "$STRATUS_HEARTBEAT_TIMEOUT_MS")
	fi
	if tls_on; then
		[[ -f $DIR/tls/node$i.pem ]] ||
			"$ROOT/deploy/make-certs.sh" "$DIR/tls" "node$i" >&2
		args+=(--tls-ca "$DIR/tls/ca.pem"
			--tls-cert "$DIR/tls/node$i.pem"
			--tls-key "$DIR/tls/node$i.key"
			--http-tls-cert "$DIR/tls/node$i.pem"
			--http-tls-key "$DIR/tls/node$i.key")
	fi
	if [[ -n ${STRATUS_NODE_ARGS:-} ]]; then
		local extra
		read -r -a extra <<<"$STRATUS_NODE_ARGS"
		args+=("${extra[@]}")
	fi
	printf '%s\0' "${args[@]}"
}

need_binaries() {
	[[ -x $STRATUSD ]] || die "no $STRATUSD (build first: meson setup $BUILD && ninja -C $BUILD)"
	[[ -x $CLI ]] || die "no $CLI (build first: meson setup $BUILD && ninja -C $BUILD)"
}

build() {
	if [[ ! -d $BUILD ]]; then
		echo "# $PROG: meson setup $BUILD" >&2
		(cd "$ROOT" && meson setup "$BUILD") >&2 || die "meson setup failed"
	fi
	# A build dir without build.ninja holds prebuilt binaries: use them.
	if [[ -f $BUILD/build.ninja ]]; then
		ninja -C "$BUILD" >&2 || die "build failed (ninja -C $BUILD)"
	fi
	need_binaries
}

log_tail() {
	local log
	log=$(node_dir "$1")/log
	if [[ -s $log ]]; then
		echo "--- $log since the last start:" >&2
		tac "$log" | sed '/^=== .*: starting node/q' | tac | tail -n 30 >&2
		echo "---" >&2
	fi
}

# A node just killed can hold its sockets for a moment after its main
# thread is gone (its other threads are still exiting): wait up to 10 s.
check_ports_free() {
	local i=$1 p deadline=$((SECONDS + 10))
	for p in "$(raft_port "$i")" "$(client_port "$i")" "$(http_port "$i")"; do
		while port_in_use "$p"; do
			((SECONDS < deadline)) ||
				die "node $i: port $p is in use (another cluster? set STRATUS_BASE_PORT)"
			sleep 0.1
		done
	done
}

# Start node I with the flags in nodeI/args. Fails if it is running, a
# port is taken, or it exits at once.
launch() {
	local i=$1 d pid args=()
	d=$(node_dir "$i")
	if pid=$(node_pid "$i"); then
		die "node $i is already running (pid $pid)"
	fi
	need_binaries
	check_ports_free "$i"
	mapfile -d '' -t args <"$d/args"
	mkdir -p "$d/data"
	{
		echo "=== $(date '+%F %T') $PROG: starting node $i"
		printf '=== %s' "$STRATUSD"
		printf ' %s' "${args[@]}"
		echo
	} >>"$d/log"
	# setsid: the node outlives this script and ignores the terminal's
	# ^C and hangup. In a script `&` does not make a process group leader,
	# so setsid execs in place and $! is stratusd's own pid.
	local as=()
	if [[ -n ${STRATUS_NODE_GID_BASE:-} ]]; then
		as=(setpriv --regid "$((STRATUS_NODE_GID_BASE + i))" --clear-groups)
	fi
	setsid "${as[@]}" "$STRATUSD" "${args[@]}" </dev/null >>"$d/log" 2>&1 &
	pid=$!
	echo "$pid" >"$d/pid"
	sleep 0.2
	if ! node_pid "$i" >/dev/null; then
		wait "$pid" 2>/dev/null || true
		rm -f "$d/pid"
		log_tail "$i"
		die "node $i exited at once (log: $d/log)"
	fi
}

# Write node I's flags (mode: bootstrap or join), then start it.
launch_new() {
	local i=$1 mode=$2 d
	d=$(node_dir "$i")
	mkdir -p "$d"
	node_args "$i" "$mode" >"$d/args"
	launch "$i"
}

# Send SIGTERM (and SIGCONT, so a paused node sees it), wait, then SIGKILL.
stop_pids() {
	local pid left=()
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null || true
		kill -CONT "$pid" 2>/dev/null || true
	done
	local deadline=$((SECONDS + STOP_TIMEOUT))
	for pid in "$@"; do
		wait_exit "$pid" $((deadline > SECONDS ? deadline - SECONDS : 0)) ||
			left+=("$pid")
	done
	for pid in "${left[@]}"; do
		warn "pid $pid did not exit ${STOP_TIMEOUT}s after SIGTERM: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		wait_exit "$pid" 5 || warn "pid $pid survived SIGKILL"
	done
}

stop_node() {
	local i=$1 pid
	if pid=$(node_pid "$i"); then
		stop_pids "$pid"
		echo "# node $i stopped" >&2
	fi
	rm -f "$(node_dir "$i")/pid"
}

# The CLI against the member endpoints; output as the CLI writes it.
cli() {
	need_binaries
	local eps
	eps=$(endpoints)
	[[ -n $eps ]] || die "no member nodes to talk to"
	if tls_on; then
		STRATUS_CA=$DIR/tls/ca.pem timeout 10 "$CLI" --endpoints "$eps" "$@"
		return
	fi
	timeout 10 "$CLI" --endpoints "$eps" "$@"
}

# The leader's index from `stratus cluster status` JSON on stdin: LeaderId,
# or else the node whose Role is leader.
parse_leader() {
	python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
if not isinstance(d, dict):
    sys.exit(1)
lid = d.get("LeaderId") or 0
if not lid:
    for n in d.get("Nodes") or []:
        if isinstance(n, dict) and str(n.get("Role", "")).lower() == "leader":
            lid = n.get("Id") or 0
            break
if not isinstance(lid, int) or lid <= 0:
    sys.exit(1)
print(lid)
'
}

# Exit 0 if node $1 is in the member list of `stratus cluster status` JSON on
# stdin, 1 if not, 2 if the JSON is not what we expect.
parse_has_node() {
	python3 -c '
import json, sys
want = int(sys.argv[1])
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(2)
if not isinstance(d, dict) or not isinstance(d.get("Nodes"), list):
    sys.exit(2)
ids = [n.get("Id") for n in d["Nodes"] if isinstance(n, dict)]
sys.exit(0 if want in ids else 1)
' "$1"
}

current_leader() {
	local out
	out=$(cli cluster status 2>/dev/null) || return 1
	parse_leader <<<"$out"
}

print_endpoints() {
	local i pid state
	echo "# cluster in $DIR"
	for i in $(member_nodes); do
		state=stopped
		if pid=$(node_pid "$i"); then state="pid $pid"; fi
		printf '#   node %s: raft %s  client %s  http %s://%s  (%s)\n' \
			"$i" "$(raft_addr "$i")" "$(client_addr "$i")" "$(http_scheme)" "$(http_addr "$i")" "$state"
	done
	cmd_env
}

up_failed() {
	local rc=$? i pid pids=()
	trap - EXIT
	for i in $(all_nodes); do
		if pid=$(node_pid "$i"); then pids+=("$pid"); fi
	done
	if ((${#pids[@]} > 0)); then
		warn "stopping the ${#pids[@]} node(s) this 'up' started"
		stop_pids "${pids[@]}"
	fi
	rm -f "$DIR"/node*/pid
	exit "$rc"
}

cmd_up() {
	local n=${1:-3} i pid old leader deadline
	if ! is_uint "$n" || ((10#$n < 1 || 10#$n > MAX_NODES)); then
		die "up: the number of nodes must be 1..$MAX_NODES (got '$n')"
	fi
	n=$((10#$n))
	BASE=$(base_port)
	check_base_port "$BASE"
	if [[ -f $DIR/nodes ]]; then
		for i in $(all_nodes); do
			if pid=$(node_pid "$i"); then
				die "node $i is already running (pid $pid) in $DIR (run: $PROG down)"
			fi
		done
		old=$(<"$DIR/nodes")
		if [[ $old != "$n" ]] && compgen -G "$DIR/node*/data" >/dev/null; then
			die "$DIR holds data of a $old-node cluster (run: $PROG up $old, or $PROG down --wipe)"
		fi
	fi
	build
	for ((i = 1; i <= n; i++)); do
		check_ports_free "$i"
	done
	mkdir -p "$DIR"
	echo "$n" >"$DIR/nodes"
	echo "$BASE" >"$DIR/base_port"
	if [[ ${STRATUS_TLS:-0} == 1 ]] && ! tls_on; then
		local certs=()
		for ((i = 1; i <= n; i++)); do certs+=("node$i"); done
		"$ROOT/deploy/make-certs.sh" "$DIR/tls" "${certs[@]}" >&2 ||
			die "cannot make TLS certificates"
	fi
	# A failed `up` leaves nothing running (the logs stay).
	trap up_failed EXIT
	for ((i = 1; i <= n; i++)); do
		launch_new "$i" bootstrap
	done
	deadline=$((SECONDS + UP_TIMEOUT))
	until leader=$(current_leader); do
		for ((i = 1; i <= n; i++)); do
			if ! node_pid "$i" >/dev/null; then
				log_tail "$i"
				die "node $i died while waiting for a leader (log: $(node_dir "$i")/log)"
			fi
		done
		if ((SECONDS >= deadline)); then
			cli cluster status >&2 || true
			die "no leader after ${UP_TIMEOUT}s (logs: $DIR/node*/log)"
		fi
		sleep 0.3
	done
	trap - EXIT
	echo "# $n nodes up, leader: node $leader"
	print_endpoints
}

cmd_down() {
	local wipe=false i pid pids=() d
	case ${1:-} in
	"") ;;
	--wipe) wipe=true ;;
	*) die "down: unknown option '$1' (only --wipe)" ;;
	esac
	if [[ -d $DIR ]]; then
		for d in "$DIR"/node*; do
			[[ -d $d ]] || continue
			i=${d##*/node}
			is_uint "$i" || continue
			if pid=$(node_pid "$i"); then pids+=("$pid"); fi
		done
		if ((${#pids[@]} > 0)); then
			stop_pids "${pids[@]}"
		fi
		rm -f "$DIR"/node*/pid
	fi
	echo "# stopped ${#pids[@]} node(s)" >&2
	if $wipe && [[ -d $DIR ]]; then
		# Only what this script creates: never rm -rf a directory that a
		# mistyped STRATUS_CLUSTER_DIR points at.
		for d in "$DIR"/node*; do
			[[ -d $d ]] && is_uint "${d##*/node}" && rm -rf -- "$d"
		done
		rm -f -- "$DIR/nodes" "$DIR/base_port"
		if [[ -f $DIR/tls/ca.pem ]]; then rm -rf -- "$DIR/tls"; fi
		rmdir -- "$DIR" 2>/dev/null || warn "left $DIR in place: it holds files this script did not create"
		echo "# wiped $DIR" >&2
	fi
}

cmd_status() {
	cli cluster status
}

cmd_leader() {
	local out
	out=$(cli cluster status) || die "cluster status failed"
	parse_leader <<<"$out" || die "no leader"
}

cmd_env() {
	echo "export STRATUS_ENDPOINTS=$(endpoints)"
	echo "export STRATUS_HTTP_ENDPOINTS=$(http_endpoints)"
	if tls_on; then
		echo "export STRATUS_CA=$DIR/tls/ca.pem"
		echo "export AWS_CA_BUNDLE=$DIR/tls/ca.pem"
	fi
}

cmd_ps() {
	local i pid state
	for i in $(all_nodes); do
		if pid=$(node_pid "$i"); then
			state=$(proc_state "$pid")
			[[ $state == T ]] && state=paused || state=running
			printf 'node %s: %s (pid %s)' "$i" "$state" "$pid"
		else
			printf 'node %s: stopped' "$i"
		fi
		[[ -f $(node_dir "$i")/removed ]] && printf ' (removed)'
		echo
	done
}

running_pid() {
	local pid
	pid=$(node_pid "$1") || die "node $1 is not running"
	echo "$pid"
}

cmd_kill() {
	local pid
	pid=$(running_pid "$1")
	kill -KILL "$pid"
	wait_exit "$pid" 5 || die "node $1 (pid $pid) survived SIGKILL"
	rm -f "$(node_dir "$1")/pid"
	echo "# node $1 killed" >&2
}

cmd_stop() {
	running_pid "$1" >/dev/null
	stop_node "$1"
}

cmd_start() {
	local i=$1 d n
	d=$(node_dir "$i")
	n=$(cluster_size)
	if [[ -f $d/args ]]; then
		launch "$i"
	elif ((i <= n)); then
		launch_new "$i" bootstrap
	else
		launch_new "$i" join
	fi
	echo "# node $i started (pid $(node_pid "$i"))" >&2
}

cmd_pause() {
	local pid
	pid=$(running_pid "$1")
	kill -STOP "$pid"
	echo "# node $1 paused" >&2
}

cmd_resume() {
	local pid
	pid=$(running_pid "$1")
	kill -CONT "$pid"
	echo "# node $1 resumed" >&2
}

# Wait for `stratus cluster status` to list (want=0) or not list (want=1)
# node I, running ACTION between tries until it does.
wait_membership() {
	local i=$1 want=$2 deadline=$((SECONDS + UP_TIMEOUT)) out rc
	shift 2
	# Ask first, then look: a status answered by a node that has not yet
	# applied a previous change (a remove just before this add) would
	# otherwise make the change look done before it was ever asked for.
	while :; do
		"$@" >/dev/null 2>&1 || true
		rc=2
		if out=$(cli cluster status 2>/dev/null); then
			parse_has_node "$i" <<<"$out" && rc=0 || rc=$?
		fi
		((rc == want)) && return 0
		((SECONDS < deadline)) || return 1
		sleep 0.5
	done
}

cmd_add() {
	local i=$1 d err
	d=$(node_dir "$i")
	cluster_size >/dev/null
	if node_pid "$i" >/dev/null; then
		die "node $i is already running"
	fi
	rm -f "$d/removed"
	launch_new "$i" join
	# Retry: right after a failover there may be no leader to ask.
	if ! wait_membership "$i" 0 cli cluster add-node --id "$i" \
		--raft-address "$(raft_addr "$i")" \
		--client-address "$(client_addr "$i")" \
		--http-address "$(http_addr "$i")"; then
		err=$(cli cluster add-node --id "$i" --raft-address "$(raft_addr "$i")" \
			--client-address "$(client_addr "$i")" \
			--http-address "$(http_addr "$i")" 2>&1) || true
		die "node $i was not added within ${UP_TIMEOUT}s (it is running; last answer: ${err:-none})"
	fi
	echo "# node $i added" >&2
}

cmd_remove() {
	local i=$1 err
	cluster_size >/dev/null
	if ! wait_membership "$i" 1 cli cluster remove-node --id "$i"; then
		err=$(cli cluster remove-node --id "$i" 2>&1) || true
		die "node $i was not removed within ${UP_TIMEOUT}s (last answer: ${err:-none})"
	fi
	touch "$(node_dir "$i")/removed"
	stop_node "$i"
	echo "# node $i removed" >&2
}

cmd_wipe() {
	local d
	d=$(node_dir "$1")
	stop_node "$1"
	rm -rf -- "$d/data"
	echo "# node $1 wiped ($d/data)" >&2
}

# Rebuild node I from its peers after its data was lost or damaged: take it
# out of the configuration (the leader forgets what it knew of its log —
# raft assumes a voter never loses acknowledged entries, so a wiped node
# must come back as a new member), delete its data, add it again.
cmd_rebuild() {
	local i=$1
	stop_node "$i"
	cmd_remove "$i"
	rm -rf -- "$(node_dir "$i")/data"
	cmd_add "$i"
	echo "# node $i rebuilt from its peers" >&2
}

cmd_logs() {
	local log
	log=$(node_dir "$1")/log
	[[ -f $log ]] || die "node $1 has no log ($log)"
	case ${2:-} in
	"") cat -- "$log" ;;
	-f) tail -n +1 -f -- "$log" ;;
	*) die "logs: unknown option '$2' (only -f)" ;;
	esac
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

main() {
	local cmd=${1:-}
	[[ -n $cmd ]] || {
		usage >&2
		exit 2
	}
	shift
	case $cmd in
	up)
		(($# <= 1)) || die "usage: $PROG up [N]"
		cmd_up "$@"
		return
		;;
	down)
		(($# <= 1)) || die "usage: $PROG down [--wipe]"
		cmd_down "$@"
		return
		;;
	-h | --help | help)
		usage
		return
		;;
	esac
	BASE=$(base_port)
	case $cmd in
	status | leader | env | ps)
		(($# == 0)) || die "usage: $PROG $cmd"
		cluster_size >/dev/null
		"cmd_$cmd"
		;;
	kill | stop | start | pause | resume | add | remove | wipe | rebuild)
		(($# == 1)) || die "usage: $PROG $cmd I"
		check_index "$1"
		cluster_size >/dev/null
		"cmd_$cmd" $((10#$1))
		;;
	logs)
		(($# >= 1 && $# <= 2)) || die "usage: $PROG logs I [-f]"
		check_index "$1"
		cmd_logs $((10#$1)) "${2:-}"
		;;
	*)
		die "unknown command '$cmd' (see: $PROG help)"
		;;
	esac
}

main "$@"
