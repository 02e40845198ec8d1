#!/usr/bin/env bash
# Benchmark: the gateway next to PostgreSQL direct and PgBouncer (session
# mode), one run, same PostgreSQL (password auth, scram-sha-256):
#   - pgbench -S (select-only) and the default TPC-B-like script, 8 and 64
#     clients: TPS of each, gateway/PgBouncer ratio;
#   - added p50 latency over direct (pgbench per-transaction log, -S, 1 and 8
#     clients);
#   - warm-reservoir connect-to-first-query p99 vs a cold TLS + IAM token
#     connect (crates/gateway/examples/connect_latency.rs, emulator upstream);
#   - gateway RSS with 1,000 idle clients.
#
#   scripts/bench/gateway.sh                          # debug binary
#   BIN=target/release/dsql-deploy DURATION=30 scripts/bench/gateway.sh
#   SCALE=10 IDLE=1000 scripts/bench/gateway.sh
#   GATEWAY_WORKERS=1 ...                             # [gateway] worker_threads
#
# Everything runs on 127.0.0.1 free ports in a temp dir and is stopped by PID.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${DURATION:-10}"
SCALE="${SCALE:-10}"
IDLE="${IDLE:-1000}"
BIN="${BIN:-}"
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
PGBOUNCER="${PGBOUNCER:-/usr/sbin/pgbouncer}"
if [[ -z "$BIN" ]]; then
  (cd "$ROOT" && cargo build -q -p dsql-deploy-cli)
  BIN="$ROOT/target/debug/dsql-deploy"
fi
for tool in pgbench psql "$PGBIN/initdb" "$PGBIN/pg_ctl" "$PGBOUNCER"; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found; run scripts/bootstrap.sh" >&2; exit 1; }
done

WORK="$(mktemp -d /tmp/bench-gateway.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
# PostgreSQL and PgBouncer refuse to run as root: use the postgres account then.
as_pg() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [[ -f "$WORK/run/pgbouncer.pid" ]] && kill "$(cat "$WORK/run/pgbouncer.pid")" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f "$WORK/pg/postmaster.pid" ]] && as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PW="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
export BENCH_PG_PASSWORD="$PW" PGPASSWORD="$PW"
PG_PORT="$(free_port)"; BOUNCER_PORT="$(free_port)"; GW_PORT="$(free_port)"; METRICS_PORT="$(free_port)"

# --- PostgreSQL (scram-sha-256) -------------------------------------------
echo "$PW" >"$WORK/pwfile"; chmod 644 "$WORK/pwfile"
# Server-owned files live in run/ (owned by the server's account).
mkdir -p "$WORK/pg" "$WORK/run"; chmod 700 "$WORK/pg"
[[ $EUID -eq 0 ]] && chown postgres "$WORK/pg" "$WORK/run"
as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=scram-sha-256 --pwfile="$WORK/pwfile" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/run/pg.log" -w \
  -o "-p $PG_PORT -k $WORK/run -c listen_addresses=127.0.0.1 -c max_connections=2200 -c shared_buffers=128MB -c fsync=off" start >/dev/null
pgbench -q -i -s "$SCALE" -h 127.0.0.1 -p "$PG_PORT" -U postgres postgres >/dev/null 2>&1

# --- PgBouncer, session mode ----------------------------------------------
cat >"$WORK/pgbouncer.ini" <<INI
[databases]
postgres = host=127.0.0.1 port=$PG_PORT dbname=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $WORK/userlist.txt
pool_mode = session
max_client_conn = 2000
default_pool_size = 1100
logfile = $WORK/run/pgbouncer.log
pidfile = $WORK/run/pgbouncer.pid
INI
echo "\"postgres\" \"$PW\"" >"$WORK/userlist.txt"
chmod 644 "$WORK/pgbouncer.ini" "$WORK/userlist.txt"
as_pg "$PGBOUNCER" "$WORK/pgbouncer.ini" >/dev/null 2>&1 &
PIDS+=($!)

# --- the gateway (password upstream, SCRAM clients like PgBouncer) --------
cat >"$WORK/gateway.toml" <<TOML
[gateway]
${GATEWAY_WORKERS:+worker_threads = $GATEWAY_WORKERS}
reservoir_target = 64
max_connections_per_identity = 1100
[[gateway.users]]
name = "postgres"
password_env = "BENCH_PG_PASSWORD"
TOML
"$BIN" -q --config "$WORK/gateway.toml" gateway --listen "127.0.0.1:$GW_PORT" --metrics-listen "127.0.0.1:$METRICS_PORT" \
  --cluster-endpoint 127.0.0.1 --upstream-port "$PG_PORT" --sslmode disable \
  --upstream-auth password --upstream-password-env BENCH_PG_PASSWORD --client-auth scram \
  --warm postgres@postgres >"$WORK/gateway.out" 2>&1 &
GW_PID=$!
PIDS+=("$GW_PID")
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$METRICS_PORT/readyz" >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p "$BOUNCER_PORT" && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$METRICS_PORT/readyz" >/dev/null || { echo "error: gateway not ready"; cat "$WORK/gateway.out"; exit 1; }
# Let the reservoir warm up to its target (64) before measuring.
for _ in $(seq 1 300); do
  idle="$(curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" | awk '/^dsql_gateway_reservoir_idle / { print $2 }')"
  [[ "${idle:-0}" -ge 64 ]] && break
  sleep 0.2
done

if [[ -n "${HOLD:-}" ]]; then # debugging: keep the set-up running
  echo "HOLD: pg $PG_PORT pgbouncer $BOUNCER_PORT gateway $GW_PORT metrics $METRICS_PORT work $WORK"; sleep "$HOLD"
fi
tps() { awk '/^tps = / { print $3; exit }'; }
# CPU time (utime+stime, clock ticks) of a proxy process: per transaction it
# does not depend on how many cores pgbench and PostgreSQL share, unlike TPS.
cpu_ticks() { if [[ -n "$1" ]]; then awk '{ print $14 + $15 }' "/proc/$1/stat"; else echo 0; fi; }
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
run() { # port, proxy pid ("" for direct), extra args... -> "TPS CPU-µs-per-transaction"
  local port="$1" pid="$2"; shift 2
  local out n c0 c1
  c0="$(cpu_ticks "$pid")"
  pgbench -n -h 127.0.0.1 -p "$port" -U postgres -j 2 -T "$DURATION" "$@" postgres >"$WORK/pgbench.out" 2>"$WORK/pgbench.err" || true
  c1="$(cpu_ticks "$pid")"
  out="$(tps <"$WORK/pgbench.out")"
  n="$(awk '/^number of transactions actually processed:/ { print $NF; exit }' "$WORK/pgbench.out")"
  if [[ -z "$out" ]]; then
    echo "pgbench against port $port failed: $(tail -n 3 "$WORK/pgbench.err" "$WORK/pgbench.out" | tr '\n' ' ')" >&2
    out=0
  fi
  echo "$out $(( (c1 - c0) * TICK_US / (${n:-0} > 0 ? n : 1) ))"
}
BOUNCER_PID="$(cat "$WORK/run/pgbouncer.pid")"
echo "binary:   $BIN (gateway worker threads: ${GATEWAY_WORKERS:-one per CPU})"
echo "server:   PostgreSQL $(psql -XAtq -h 127.0.0.1 -p "$PG_PORT" -U postgres postgres -c 'SHOW server_version') scale $SCALE; PgBouncer $("$PGBOUNCER" --version | head -1 | awk '{print $2}') session mode; ${DURATION}s per run"
echo "          (CPU/txn: the proxy process's CPU time per transaction)"
printf '%-12s %8s %11s | %10s %8s | %10s %8s | %7s\n' workload clients "direct TPS" pgbouncer "CPU/txn" gateway "CPU/txn" "gw/pgb"
for script in select-only tpcb; do
  for clients in 8 64; do
    args=(-c "$clients"); [[ $script == select-only ]] && args+=(-S)
    read -r d _ < <(run "$PG_PORT" "" "${args[@]}")
    read -r b bcpu < <(run "$BOUNCER_PORT" "$BOUNCER_PID" "${args[@]}")
    read -r g gcpu < <(run "$GW_PORT" "$GW_PID" "${args[@]}")
    printf '%-12s %8s %11.0f | %10.0f %5s us | %10.0f %5s us | %6.2fx\n' "$script" "$clients" "$d" "$b" "$bcpu" "$g" "$gcpu" \
      "$(python3 -c "print($g / $b if $b else 0)")"
  done
done

# Added p50 latency: per-transaction latencies (µs) from pgbench's log. One
# client shows what a hop adds to a request; 8 clients on a small machine add
# the wait for a core (pgbench, PostgreSQL and the proxy share them).
p50() { # port, prefix, clients
  (cd "$WORK" && pgbench -n -S -c "$3" -j "$(( $3 < 2 ? 1 : 2 ))" -T "$DURATION" -l --log-prefix="$2" \
    -h 127.0.0.1 -p "$1" -U postgres postgres >/dev/null 2>&1)
  cat "$WORK/$2".* | awk '{ print $3 }' | sort -n | awk '{ a[NR] = $1 } END { print a[int(NR * 0.5)] }'
  rm -f "$WORK/$2".*
}
for clients in 1 8; do
  ld="$(p50 "$PG_PORT" direct "$clients")"; lb="$(p50 "$BOUNCER_PORT" bouncer "$clients")"
  lg="$(p50 "$GW_PORT" gateway "$clients")"
  echo "p50 latency (-S, $clients client(s)): direct ${ld} µs, pgbouncer ${lb} µs (+$((lb - ld))), gateway ${lg} µs (+$((lg - ld)))"
done

# Connect-to-first-query: warm reservoir vs cold TLS + IAM token (emulator).
(cd "$ROOT" && cargo run -q ${CARGO_RUN_ARGS:-} -p gateway --example connect_latency 2>/dev/null) || echo "connect latency: example failed"

# RSS with IDLE idle clients (established connections to the gateway port).
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$GW_PID/status"; }
established() { ss -Htn state established "( sport = :$GW_PORT )" | wc -l; }
echo '\sleep 60 s' >"$WORK/idle.sql"
before="$(rss)"
pgbench -n -f "$WORK/idle.sql" -c "$IDLE" -j 2 -t 1 -h 127.0.0.1 -p "$GW_PORT" -U postgres postgres >/dev/null 2>&1 &
BENCH=$!
PIDS+=("$BENCH")
for _ in $(seq 1 240); do
  [[ "$(established)" -ge "$IDLE" ]] && break
  sleep 0.5
done
open="$(established)"; sleep 1; during="$(rss)"
kill "$BENCH" 2>/dev/null || true; wait "$BENCH" 2>/dev/null || true
echo "idle:     $open idle clients: gateway RSS ${before} kB -> ${during} kB ($(( (during - before) / (open > 0 ? open : 1) )) kB per client session)"
