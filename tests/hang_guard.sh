#!/usr/bin/env bash
# hang_guard.sh SECONDS PROGRAM [ARGS...] — run a test program; if it is
# still running after SECONDS, print every thread's backtrace (gdb) to
# stderr and kill it. meson's own timeout only sends SIGTERM, which loses
# where a rare hang was (the unit suite's test_client hung once in CI,
# 2026-11-28, and did not again in 100 runs), so the unit tests run under
# this with a limit below meson's.
limit=$1
shift
"$@" &
pid=$!
trap 'kill -KILL $pid 2>/dev/null; exit 143' TERM INT
end=$((SECONDS + limit))
while kill -0 "$pid" 2>/dev/null; do
  if [ "$SECONDS" -ge "$end" ]; then
    echo "hang_guard: $1 still running after $limit s; every thread:" >&2
    gdb -p "$pid" -batch -nx -ex "thread apply all bt" >&2 2>&1 </dev/null
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    exit 124
  fi
  sleep 0.1
done
wait "$pid"
