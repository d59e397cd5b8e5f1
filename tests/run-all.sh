#!/usr/bin/env bash
# The whole test suite, as the README's quick start and CI run it:
# install what is missing, build with AddressSanitizer + UBSan, run the
# unit, fsm, cluster, http (unmodified AWS clients; installed here when
# missing) and fault suites, run every fuzz target briefly (clang build,
# tests/run-fuzz.sh), and end with "N passed, N failed".
#
#   tests/run-all.sh                 # everything
#   SUITES="unit fsm" tests/run-all.sh
#   BUILD_DIR=build-asan FUZZ_SECONDS=60 tests/run-all.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${BUILD_DIR:-build-test}
suites=${SUITES:-unit fsm cluster http fault fuzz}

"$top/scripts/install-deps.sh" || { echo "0 passed, 1 failed"; exit 1; }

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debugoptimized >"$top/$build.setup.log" 2>&1 \
    || { cat "$top/$build.setup.log"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C "$build"; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# Sanitizers: fail on any UB report, detect leaks in every test binary.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Known third-party leaks in client processes (see the file).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}

args=()
fuzz=no
for s in $suites; do
  if [ "$s" = fuzz ]; then fuzz=yes; else args+=(--suite "$s"); fi
done
status=0
if [ ${#args[@]} -gt 0 ]; then
  meson test -C "$build" --print-errorlogs --num-processes 1 "${args[@]}"
  status=$?
else
  : >"$build/meson-logs/testlog.json"
fi
fuzz_summary="0 passed, 0 failed"
if [ $fuzz = yes ]; then
  FUZZ_SECONDS=${FUZZ_SECONDS:-15} "$top/tests/run-fuzz.sh" | tee "$build/fuzz.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  fuzz_summary=$(tail -n 1 "$build/fuzz.log")
fi

python3 - "$build/meson-logs/testlog.json" "$fuzz_summary" <<'PY'
import json, re, sys
passed = failed = skipped = 0
m = re.match(r"(\d+) passed, (\d+) failed", sys.argv[2])
if m:
    passed, failed = int(m.group(1)), int(m.group(2))
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError:
    lines = []
failures = []
for line in lines:
    if not line.strip():
        continue
    t = json.loads(line)
    r = t.get("result", "")
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r == "SKIP":
        skipped += 1
    else:
        failed += 1
        failures.append(t)
# CI keeps only the tail of this output: name each failure here, with the
# end of its output, so that a failed run says what failed.
for t in failures:
    print(f"FAILED {t.get('name')} ({t.get('result')}, {t.get('duration', 0):.1f} s); its last lines:")
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    for l in out.splitlines()[-40:]:
        print("  | " + l[:300])
if passed + failed + skipped == 0:
    failed = 1
summary = f"{passed} passed, {failed} failed"
if skipped:
    summary += f", {skipped} skipped"
print(summary)
PY
exit $status
