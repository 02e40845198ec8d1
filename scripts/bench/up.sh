#!/usr/bin/env bash
# Benchmark of the main job: one cold `dsql-deploy up` (emulator start +
# schema install + render) and N no-op reruns (target: <= 2 s each), in a
# throw-away workdir and emulator data dir, with the release binary.
#
#   scripts/bench/up.sh [RUNS]          # release build
#   BIN=target/debug/dsql-deploy scripts/bench/up.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-10}
if [[ -z ${BIN:-} ]]; then
  cargo build --release --quiet -p dsql-deploy-cli
  BIN=target/release/dsql-deploy
fi
bin=$(realpath "$BIN")

sandbox=$(mktemp -d /tmp/dsql-deploy-bench-up.XXXXXX)
chmod 755 "$sandbox"   # the emulator's PostgreSQL may run as another OS user
export DSQL_DEPLOY_EMULATOR_DATA_DIR=$sandbox/emulator
export DSQL_DEPLOY_EMULATOR_PORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
cleanup() { (cd "$sandbox" && "$bin" down --purge -f >/dev/null 2>&1) || true; rm -rf "$sandbox"; }
trap cleanup EXIT
cd "$sandbox"

ms() { echo $(( $(date +%s%N) / 1000000 )); }

t0=$(ms); "$bin" up >/dev/null 2>&1; t1=$(ms)
echo "cold up: $((t1 - t0)) ms"

times=()
for _ in $(seq "$runs"); do
  t0=$(ms); "$bin" up >/dev/null 2>&1; t1=$(ms)
  times+=($((t1 - t0)))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
min=$(echo "$sorted" | head -n1)
max=$(echo "$sorted" | tail -n1)
median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
echo "no-op rerun over $runs runs: min ${min} ms, median ${median} ms, max ${max} ms (target <= 2000 ms)"
