#!/usr/bin/env bash
# Benchmark: the proxy engine's overhead. pgbench select-only (-S), 8
# clients, simple and prepared protocol, directly against a private
# PostgreSQL vs through the pass-through proxy example (trust auth, forward
# everything, session pool), in one run. Prints both TPS and the ratio.
#
#   scripts/bench/proxy.sh
#   DURATION=30 CLIENTS=8 SCALE=10 scripts/bench/proxy.sh
#   PROFILE=dev scripts/bench/proxy.sh      # debug build (faster to build)
#
# The example starts its own PostgreSQL on a free port and stops it (by PID)
# when its stdin closes; nothing is killed by name.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${DURATION:-15}"
CLIENTS="${CLIENTS:-8}"
SCALE="${SCALE:-10}"
PROFILE="${PROFILE:-release}"
command -v pgbench >/dev/null || { echo "error: pgbench not found; run scripts/bootstrap.sh (postgresql-client)" >&2; exit 1; }

(cd "$ROOT" && cargo build -q --profile "$PROFILE" -p proxy --example passthrough)
DIR="$PROFILE"; [[ "$PROFILE" == dev ]] && DIR=debug
BIN="$ROOT/target/$DIR/examples/passthrough"

WORK="$(mktemp -d /tmp/bench-proxy.XXXXXX)"
mkfifo "$WORK/stdin"
PROXY_PID=""
cleanup() {
  exec 3>&- 2>/dev/null || true          # closing stdin stops the proxy and its PostgreSQL
  [[ -n "$PROXY_PID" ]] && wait "$PROXY_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" --private-postgres <"$WORK/stdin" >"$WORK/ports" 2>"$WORK/log" &
PROXY_PID=$!
exec 3>"$WORK/stdin"
for _ in $(seq 1 600); do
  grep -q '^proxy_port=' "$WORK/ports" 2>/dev/null && break
  kill -0 "$PROXY_PID" 2>/dev/null || { echo "error: passthrough exited:" >&2; cat "$WORK/log" >&2; exit 1; }
  sleep 0.1
done
PG_PORT="$(sed -n 's/^upstream_port=//p' "$WORK/ports")"
PORT="$(sed -n 's/^proxy_port=//p' "$WORK/ports")"
[[ -n "$PORT" ]] || { echo "error: passthrough did not report its port" >&2; exit 1; }

pgbench -q -i -s "$SCALE" -h 127.0.0.1 -p "$PG_PORT" -U postgres postgres >/dev/null 2>&1
run() { PGSSLMODE=disable pgbench -n -S -c "$CLIENTS" -j 2 -T "$DURATION" -h 127.0.0.1 -U postgres "$@" postgres 2>/dev/null; }
tps() { awk '/^tps = / { print $3; exit }'; }

echo "binary:   $BIN ($PROFILE)"
echo "server:   PostgreSQL $(psql -XAtq -h 127.0.0.1 -p "$PG_PORT" -U postgres postgres -c 'SHOW server_version') on 127.0.0.1:$PG_PORT; proxy on 127.0.0.1:$PORT"
echo "workload: pgbench -S -c $CLIENTS -j 2 -T $DURATION, scale $SCALE"
printf '%-10s %14s %14s %8s\n' protocol "direct TPS" "proxy TPS" ratio
for mode in simple prepared; do
  d="$(run -p "$PG_PORT" -M "$mode" | tps)"
  p="$(run -p "$PORT" -M "$mode" | tps)"
  printf '%-10s %14.0f %14.0f %7.2fx\n' "$mode" "$d" "$p" "$(python3 -c "print($p / $d)")"
done
