#!/usr/bin/env bash
# install-deps.sh — install the Debian (bookworm) packages Stratus needs to
# build, test and run its local cluster. Installs only what is missing, so it
# is quick and silent when everything is there; runs `apt-get update` only
# when something has to be installed. Run as root, or as a user with sudo.
set -euo pipefail

PROG=${0##*/}

PACKAGES=(
	gcc libc6-dev pkg-config # compiler, headers, .pc lookups
	meson ninja-build
	cmake # meson finds nng through its CMake config (Debian ships no nng.pc)
	libnng-dev libprotobuf-c-dev protobuf-c-compiler libraft-dev
	liblz4-dev libuv1-dev libjansson-dev
	libjemalloc-dev # stratusd's allocator in non-sanitized builds
	libh2o-dev libssl-dev # HTTP front door; HMAC/SHA-256 for request signing
	libcmocka-dev # unit tests
	clang libclang-rt-14-dev # libFuzzer targets (tests/run-fuzz.sh)
	python3       # deploy/cluster.sh parses `stratus cluster status`
	procps        # ps, pgrep
	iproute2      # ss: deploy/cluster.sh checks ports are free
	openssl       # deploy/make-certs.sh (STRATUS_TLS=1 clusters)
	curl          # the quick start's demo and /metrics checks
	nftables      # tests/fault: kernel-level partitions (netfault.py)
	gdb           # tests: backtraces of a process that hung
)

die() {
	echo "$PROG: $*" >&2
	exit 1
}

command -v dpkg-query >/dev/null 2>&1 ||
	die "dpkg-query not found: this script is for Debian (bookworm)"

installed() {
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

missing=()
for p in "${PACKAGES[@]}"; do
	installed "$p" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "$PROG: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi

if ((EUID == 0)); then
	SUDO=()
elif command -v sudo >/dev/null 2>&1; then
	SUDO=(sudo)
else
	die "missing: ${missing[*]}; run as root (or install sudo)"
fi

echo "$PROG: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${missing[@]}"

# Say so if apt-get "succeeded" without installing something.
still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
((${#still[@]} == 0)) || die "still missing after apt-get: ${still[*]}"
echo "$PROG: done"
