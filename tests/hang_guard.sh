#!/usr/bin/env bash
# hang_guard.sh SECONDS PROGRAM [ARGS...] — run a test program; if it is
# still running after SECONDS, print every thread's backtrace (gdb) to
# stderr and kill it. meson's own timeout only sends SIGTERM, which loses
# where a rare hang was (the unit suite's test_client hung once in CI,
# 2026-11-28, and did not again in 100 runs), so the unit tests run under
# this with a limit below meson's.
#
# HANG_GUARD_SECONDS overrides the limit (e.g. for slow valgrind runs);
# 0 runs the program directly (exec), without a guard. gdb must be allowed
# to attach to the test (root, or Yama ptrace_scope 0); when it is not,
# its error is printed instead of the backtraces.
limit=${HANG_GUARD_SECONDS:-$1}
shift
if [ "$limit" = 0 ]; then
  exec "$@"
fi
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; exit 143' TERM INT
"$@" &
pid=$!
end=$((SECONDS + limit))
while kill -0 "$pid" 2>/dev/null; do
  if [ "$SECONDS" -ge "$end" ]; then
    echo "hang_guard: $1 still running after $limit s; every thread:" >&2
    timeout 15 gdb -p "$pid" -batch -nx -ex "thread apply all bt" \
      >&2 2>&1 </dev/null
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    exit 124
  fi
  sleep 0.1
done
wait "$pid"
rc=$?
# Died of a signal (e.g. SIGABRT from a sanitizer): die of the same one,
# so meson reports the signal as it would without the guard.
if [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
  trap - TERM INT
  sig=$((rc - 128))
  trap - "$sig" 2>/dev/null
  kill -s "$sig" $$
fi
exit "$rc"
