#!/usr/bin/env bash
# Benchmark: pgbench select-only (-S), 8 clients, simple and prepared
# protocol, directly against the emulator's private PostgreSQL vs through the
# emulator (TLS verify-full + IAM token + every DSQL rule on), in one run.
# Prints both TPS and the ratio (target >= 0.7x), and the emulator's memory
# per idle client connection (RSS delta over N idle connections).
#
#   scripts/bench/emulator.sh                       # debug binary
#   BIN=target/release/dsql-deploy DURATION=30 scripts/bench/emulator.sh
#   SCALE=10 CLIENTS=8 IDLE=200 scripts/bench/emulator.sh
#
# Starts its own emulator in a temporary data dir on free ports and stops it
# on exit (`dsql-deploy emulator stop`), never by process name.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${DURATION:-15}"
CLIENTS="${CLIENTS:-8}"
SCALE="${SCALE:-10}"
IDLE="${IDLE:-200}"
BIN="${BIN:-}"
if [[ -z "$BIN" ]]; then
  (cd "$ROOT" && cargo build -q -p dsql-deploy-cli)
  BIN="$ROOT/target/debug/dsql-deploy"
fi
[[ -x "$BIN" ]] || { echo "error: $BIN is not an executable; build it or set BIN" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "error: pgbench not found; run scripts/bootstrap.sh (postgresql-client)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/bench-emulator.XXXXXX)"
chmod 755 "$WORK"
DATA="$WORK/emu"
cleanup() {
  "$BIN" -q emulator stop --data-dir "$DATA" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export DSQL_DEPLOY_EMULATOR_PORT=0
"$BIN" -q emulator start --data-dir "$DATA" >/dev/null
STATUS="$("$BIN" --output json emulator status --data-dir "$DATA")"
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])" <<<"$STATUS"; }
PORT="$(field port)"; PG_PORT="$(field postgres_port)"; EMU_PID="$(field pid)"
HOSTNAME_="$(field hostname)"; REGION="$(field region)"; CA="$(field ca_file)"
INTERNAL_PW="$(cat "$DATA/internal-password")"
eval "$("$BIN" emulator env --data-dir "$DATA" | grep -E '^export AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)=')"
TOKEN="$(AWS_SESSION_TOKEN= AWS_PROFILE= "$BIN" token --endpoint "$HOSTNAME_" --region "$REGION" --admin --expires-in 3600)"

# Initialise pgbench's tables directly on the private cluster as its
# superuser; dsql.internal=on bypasses the emulator's DSQL triggers there
# (pgbench -i itself is not DSQL-compatible DDL).
PGPASSWORD="$INTERNAL_PW" PGOPTIONS="-c dsql.internal=on" \
  pgbench -q -i -s "$SCALE" -h 127.0.0.1 -p "$PG_PORT" -U postgres postgres >/dev/null 2>&1
PGPASSWORD="$INTERNAL_PW" psql -qX -h 127.0.0.1 -p "$PG_PORT" -U postgres postgres \
  -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO admin" >/dev/null

direct() { PGPASSWORD="$INTERNAL_PW" PGSSLMODE=disable pgbench -h 127.0.0.1 -p "$PG_PORT" -U admin "$@" postgres; }
emulated() {
  PGPASSWORD="$TOKEN" PGSSLMODE=verify-full PGSSLROOTCERT="$CA" PGHOSTADDR=127.0.0.1 \
    pgbench -h "$HOSTNAME_" -p "$PORT" -U admin "$@" postgres
}
tps() { awk '/^tps = / { print $3; exit }'; }
txns() { awk '/^number of transactions actually processed:/ { print $NF; exit }'; }
# CPU time (utime+stime, clock ticks) of the emulator process: its cost per
# transaction does not depend on how loaded the machine is, unlike TPS.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$EMU_PID/stat"; }
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))

echo "binary:   $BIN"
echo "server:   $(PGPASSWORD="$INTERNAL_PW" psql -XAtq -h 127.0.0.1 -p "$PG_PORT" -U postgres postgres -c 'SHOW server_version') on 127.0.0.1:$PG_PORT; emulator on 127.0.0.1:$PORT (TLS, IAM token)"
echo "workload: pgbench -S -c $CLIENTS -j 2 -T $DURATION, scale $SCALE"
printf '%-10s %14s %14s %8s %18s\n' protocol "direct TPS" "emulator TPS" ratio "emulator CPU/txn"
for mode in simple prepared; do
  d="$(direct -n -S -c "$CLIENTS" -j 2 -T "$DURATION" -M "$mode" 2>/dev/null | tps)"
  c0="$(cpu_ticks)"
  out="$(emulated -n -S -c "$CLIENTS" -j 2 -T "$DURATION" -M "$mode" 2>/dev/null)"
  c1="$(cpu_ticks)"
  e="$(tps <<<"$out")"; n="$(txns <<<"$out")"
  printf '%-10s %14.0f %14.0f %7.2fx %15s us\n' "$mode" "$d" "$e" "$(python3 -c "print($e / $d)")" \
    "$(( (c1 - c0) * TICK_US / (n > 0 ? n : 1) ))"
done

# Memory per idle client connection: emulator RSS before vs with IDLE open
# sessions (counted as established TCP connections to the emulator's port).
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$EMU_PID/status"; }
established() { ss -Htn state established "( sport = :$PORT )" | wc -l; }
echo '\sleep 60 s' >"$WORK/idle.sql"
before="$(rss)"
emulated -n -f "$WORK/idle.sql" -c "$IDLE" -j 2 -t 1 >/dev/null 2>&1 &
BENCH=$!
for _ in $(seq 1 120); do
  [[ "$(established)" -ge "$IDLE" ]] && break
  sleep 0.5
done
open="$(established)"
sleep 1
during="$(rss)"
kill "$BENCH" 2>/dev/null || true
wait "$BENCH" 2>/dev/null || true
echo "idle:     $open client connections open: emulator RSS ${before} kB -> ${during} kB, $(( (during - before) / (open > 0 ? open : 1) )) kB per connection"
