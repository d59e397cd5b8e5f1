#!/usr/bin/env bash
# Build the libFuzzer targets with clang (+ ASan/UBSan) and run each for
# FUZZ_SECONDS (default 20). Longer runs: FUZZ_SECONDS=3600 tests/run-fuzz.sh
# Ends with "N passed, N failed" like tests/run-all.sh.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${FUZZ_BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-20}
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dfuzz_seconds="$seconds" >"$top/$build.setup.log" 2>&1 \
    || { cat "$top/$build.setup.log"; echo "0 passed, 1 failed"; exit 1; }
else
  meson configure "$build" -Dfuzz_seconds="$seconds" >/dev/null
fi
ninja -C "$build" || { echo "0 passed, 1 failed"; exit 1; }
meson test -C "$build" --suite fuzz --print-errorlogs --num-processes 1
status=$?
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    if line.strip():
        r = json.loads(line).get("result")
        p, f = (p + 1, f) if r == "OK" else (p, f + 1)
print(f"{p} passed, {f} failed")
PY
exit $status
