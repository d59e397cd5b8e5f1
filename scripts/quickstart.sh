#!/usr/bin/env bash
# quickstart.sh — the README's first command: install what is missing,
# build, start a local 3-node cluster and show a short demo (replicated
# writes, a leader failover, nothing lost). Leaves the cluster running;
# stop it with `deploy/cluster.sh down`.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"
build=${STRATUS_BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build"
export STRATUS_BUILD_DIR=$build

deploy/cluster.sh down >/dev/null 2>&1 || true
eval "$(deploy/cluster.sh up 3)"
stratus() { "$top/$build/client/stratus" "$@"; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "cluster status (3 nodes, one leader)"
stratus cluster status
step "replicated writes: stratus kv put"
for k in alpha beta gamma; do stratus kv put "demo/$k" "value of $k" >/dev/null; done
stratus kv list --prefix demo/
leader=$(deploy/cluster.sh leader)
step "SIGKILL the leader (node $leader); the others elect a new one"
deploy/cluster.sh kill "$leader"
t0=$(date +%s%N)
stratus kv put demo/after-failover "written while node $leader is down"
t1=$(date +%s%N)
echo "write acknowledged $(( (t1 - t0) / 1000000 )) ms after the kill"
stratus kv get demo/alpha
step "restart node $leader: it catches up from the others"
deploy/cluster.sh start "$leader"
sleep 1
stratus cluster status
step "SQS over HTTP (AWS Query protocol, as the AWS CLI/SDKs send it) at a follower"
follower=1; [ "$(deploy/cluster.sh leader)" = 1 ] && follower=2
http="http://127.0.0.1:$(( ${STRATUS_BASE_PORT:-7100} + 10 * follower + 2 ))"
curl -sS -X POST "$http/" -d Action=CreateQueue -d QueueName=demo; echo
curl -sS -X POST "$http/" -d Action=SendMessage \
	--data-urlencode "QueueUrl=$http/000000000000/demo" \
	--data-urlencode "MessageBody=hello over HTTP"; echo
step "...received through the native protocol"
stratus sqs receive-message --queue-name demo
cat <<TXT

The cluster is running (data in .cluster/). Try:
  eval "\$(deploy/cluster.sh env)"; $build/client/stratus kv list
  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws --region us-east-1 \\
      --endpoint-url $http sqs list-queues      # apt-get install awscli
  curl $http/metrics
  deploy/cluster.sh status | kill 2 | start 2 | add 4 | down
TXT
