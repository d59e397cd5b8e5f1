#!/bin/sh
# run-target.sh TARGET SECONDS NEW_CORPUS_DIR SEED_DIR — run one libFuzzer
# target for SECONDS; new interesting inputs go to NEW_CORPUS_DIR. A crash
# leaves its input as crash-* in the current directory and fails the test:
# copy it into SEED_DIR to keep it as a regression input.
set -e
target=$1 seconds=$2 out=$3 seeds=$4
mkdir -p "$out"
exec "$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
	-print_final_stats=1 -timeout=10 -error_exitcode=1 "$out" "$seeds"
