#!/usr/bin/env bash
# Benchmark: pgbench select-only (-S), 8 clients, simple and prepared
# protocol, directly against the emulator's private PostgreSQL vs through the
# emulator (TLS verify-full + IAM token + every DSQL rule on), in one run.
# Prints both TPS and the ratio (target >= 0.7x), and the emulator's memory
# per idle client connection (RSS delta over N idle connections).
#
# For scale, the same workload also runs through PgBouncer (session mode, no
# rules; skipped when pgbouncer is not installed), once in plaintext and once
# with the same TLS verify-full the emulator's clients use: the cost of one
# proxy hop on this machine, which the emulator cannot go below. CPU per
# transaction (utime+stime of the proxy process) is printed for each proxy;
# unlike TPS it does not depend on how many cores pgbench and PostgreSQL
# share.
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

PGBOUNCER="${PGBOUNCER:-$(command -v pgbouncer || echo /usr/sbin/pgbouncer)}"

WORK="$(mktemp -d /tmp/bench-emulator.XXXXXX)"
chmod 755 "$WORK"
DATA="$WORK/emu"
cleanup() {
  [[ -f "$WORK/run/pgbouncer.pid" ]] && kill "$(cat "$WORK/run/pgbouncer.pid")" 2>/dev/null || true
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

# PgBouncer refuses to run as root: use the postgres account then.
as_pg() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
BOUNCER_PID=""
if [[ -x "$PGBOUNCER" ]]; then
  BOUNCER_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  mkdir -p "$WORK/run"
  # The emulator's own server certificate, so TLS clients verify the same name.
  cp "$DATA/server.pem" "$DATA/server-key.pem" "$WORK/run/"
  [[ $EUID -eq 0 ]] && chown -R postgres "$WORK/run"
  cat >"$WORK/pgbouncer.ini" <<INI
[databases]
postgres = host=127.0.0.1 port=$PG_PORT dbname=postgres user=admin password=$INTERNAL_PW
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = session
client_tls_sslmode = allow
client_tls_cert_file = $WORK/run/server.pem
client_tls_key_file = $WORK/run/server-key.pem
logfile = $WORK/run/pgbouncer.log
pidfile = $WORK/run/pgbouncer.pid
INI
  echo '"admin" ""' >"$WORK/userlist.txt"
  chmod 644 "$WORK/pgbouncer.ini" "$WORK/userlist.txt"
  as_pg "$PGBOUNCER" -d "$WORK/pgbouncer.ini" >/dev/null
  for _ in $(seq 1 50); do [[ -s "$WORK/run/pgbouncer.pid" ]] && break; sleep 0.1; done
  BOUNCER_PID="$(cat "$WORK/run/pgbouncer.pid" 2>/dev/null || true)"
fi
bounced() { PGSSLMODE=disable pgbench -h 127.0.0.1 -p "$BOUNCER_PORT" -U admin "$@" postgres; }
bounced_tls() {
  PGSSLMODE=verify-full PGSSLROOTCERT="$CA" PGHOSTADDR=127.0.0.1 \
    pgbench -h "$HOSTNAME_" -p "$BOUNCER_PORT" -U admin "$@" postgres
}

direct() { PGPASSWORD="$INTERNAL_PW" PGSSLMODE=disable pgbench -h 127.0.0.1 -p "$PG_PORT" -U admin "$@" postgres; }
emulated() {
  PGPASSWORD="$TOKEN" PGSSLMODE=verify-full PGSSLROOTCERT="$CA" PGHOSTADDR=127.0.0.1 \
    pgbench -h "$HOSTNAME_" -p "$PORT" -U admin "$@" postgres
}
tps() { awk '/^tps = / { print $3; exit }'; }
txns() { awk '/^number of transactions actually processed:/ { print $NF; exit }'; }
# CPU time (utime+stime, clock ticks) of a proxy process: its cost per
# transaction does not depend on how loaded the machine is, unlike TPS.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
# Runs pgbench through a proxy: "TPS CPU-µs-per-transaction".
measure() { # pid, client function, pgbench args...
  local pid="$1" client="$2"; shift 2
  local c0 c1 out n
  c0="$(cpu_ticks "$pid")"
  out="$("$client" "$@" 2>/dev/null)"
  c1="$(cpu_ticks "$pid")"
  n="$(txns <<<"$out")"
  echo "$(tps <<<"$out") $(( (c1 - c0) * TICK_US / (${n:-0} > 0 ? n : 1) ))"
}
ratio() { python3 -c "print(f'{$1 / $2:.2f}x' if $2 else '-')"; }

echo "binary:   $BIN"
echo "server:   $(PGPASSWORD="$INTERNAL_PW" psql -XAtq -h 127.0.0.1 -p "$PG_PORT" -U postgres postgres -c 'SHOW server_version') on 127.0.0.1:$PG_PORT; emulator on 127.0.0.1:$PORT (TLS, IAM token)"
echo "workload: pgbench -S -c $CLIENTS -j 2 -T $DURATION, scale $SCALE"
[[ -n "$BOUNCER_PID" ]] || echo "pgbouncer: not installed ($PGBOUNCER); its reference rows are skipped"
row() { # protocol, path, TPS, direct TPS, CPU/txn
  printf '%-9s %-28s %9.0f %7s %9s\n' "$1" "$2" "$3" "$(ratio "$3" "$4")" "$5"
}
printf '%-9s %-28s %9s %7s %9s\n' protocol path TPS ratio CPU/txn
for mode in simple prepared; do
  args=(-n -S -c "$CLIENTS" -j 2 -T "$DURATION" -M "$mode")
  d="$(direct "${args[@]}" 2>/dev/null | tps)"
  row "$mode" "direct" "$d" "$d" "-"
  read -r e ecpu < <(measure "$EMU_PID" emulated "${args[@]}")
  row "$mode" "emulator (TLS, token, rules)" "$e" "$d" "$ecpu us"
  if [[ -n "$BOUNCER_PID" ]]; then
    read -r b bcpu < <(measure "$BOUNCER_PID" bounced "${args[@]}")
    row "$mode" "pgbouncer (plaintext)" "$b" "$d" "$bcpu us"
    read -r b bcpu < <(measure "$BOUNCER_PID" bounced_tls "${args[@]}")
    row "$mode" "pgbouncer (TLS)" "$b" "$d" "$bcpu us"
  fi
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
