#!/usr/bin/env bash
# Benchmark: install the whole Temporal DSQL schema on a local PostgreSQL
# with `dsql-deploy schema` (create-database + setup-schema -v 0 +
# update-schema -s dsql/v12/temporal), each run on a fresh database.
# Prints every run's wall time, then min and median. Target: <= 5 s.
#
#   scripts/bench/schema.sh                # debug binary, 5 runs
#   RUNS=10 BIN=target/release/dsql-deploy scripts/bench/schema.sh
#
# Starts its own PostgreSQL (initdb/pg_ctl as the `postgres` OS user when run
# as root) in a temporary directory on a free 127.0.0.1 port and stops it on
# exit, by its data directory (pg_ctl stop), never by name.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUNS="${RUNS:-5}"
BIN="${BIN:-}"
if [[ -z "$BIN" ]]; then
  (cd "$ROOT" && cargo build -q -p dsql-deploy-cli)
  BIN="$ROOT/target/debug/dsql-deploy"
fi
[[ -x "$BIN" ]] || { echo "error: $BIN is not an executable; build it or set BIN" >&2; exit 1; }

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
[[ -x "$PG_BIN/initdb" ]] || { echo "error: PostgreSQL server binaries not found; run scripts/bootstrap.sh or set PG_BIN" >&2; exit 1; }

WORK="$(mktemp -d /tmp/bench-schema.XXXXXX)"
chmod 755 "$WORK"
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [[ $(id -u) -eq 0 ]]; then chown postgres "$WORK"; fi

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

as_pg "$PG_BIN/initdb" -D "$WORK/data" -U postgres -A trust >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=on" start >/dev/null

schema() { "$BIN" -q schema --ep 127.0.0.1 -p "$PORT" -u postgres --sslmode disable "$@" >/dev/null; }

echo "binary: $BIN"
echo "server: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
echo "runs:   $RUNS (create-database + setup-schema -v 0 + update-schema -s dsql/v12/temporal)"

# one warm-up run (page cache, binary load), not counted
schema --db warmup create-database
schema --db warmup setup-schema -v 0
schema --db warmup update-schema -s dsql/v12/temporal

times=()
for i in $(seq 1 "$RUNS"); do
  start=$(date +%s%N)
  schema --db "bench_$i" create-database
  schema --db "bench_$i" setup-schema -v 0
  schema --db "bench_$i" update-schema -s dsql/v12/temporal
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  tables=$("$PG_BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d "bench_$i" -XAtc \
    "SELECT count(*) FROM information_schema.tables WHERE table_schema='public'")
  version=$("$PG_BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d "bench_$i" -XAtc "SELECT curr_version FROM schema_version")
  printf 'run %2d: %6d ms  (%s tables, version %s)\n' "$i" "$ms" "$tables" "$version"
done

sorted=($(printf '%s\n' "${times[@]}" | sort -n))
n=${#sorted[@]}
if (( n % 2 )); then median=${sorted[$((n / 2))]}; else median=$(( (sorted[n / 2 - 1] + sorted[n / 2]) / 2 )); fi
echo "wall:   min ${sorted[0]} ms, median ${median} ms, max ${sorted[$((n - 1))]} ms (target <= 5000 ms)"
