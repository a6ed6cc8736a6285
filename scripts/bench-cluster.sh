#!/usr/bin/env bash
# Runs one chatbot-loadgen scenario against N fresh release instances sharing one PostgreSQL
# database and a private Redis (docs/scaling.md), with --base listing every instance.
# Usage: scripts/bench-cluster.sh N <loadgen scenario and flags>
#   REDIS_DOWN_AT=8 REDIS_UP_AT=14: stop Redis 8 s after `relay-probe` starts probing, start it
#   again at 14 s (the probe's clock: compare with its `missed` and `recoveredAtMs`).
# Build first: cargo build --release --bin chatbot --bin chatbot-loadgen
set -euo pipefail
R=${CARGO_TARGET_DIR:-$HOME/.cache/chatbot-socket/target}/release
count=$1; shift
dir=$(mktemp -d); redis_port=6391; db=chatbot_bench_$$
export CHATBOT_REGISTRATIONS_PER_IP=100000 CHATBOT_SEND_RATE=1000000 CHATBOT_EVENTS_PER_SECOND=100000 CHATBOT_SOCKETS_PER_USER=10000 RUST_LOG=${RUST_LOG:-warn} LOG_FORMAT=json JWT_SECRET=bench-secret-bench-secret-bench-secret-01
export REDIS_URL=redis://127.0.0.1:$redis_port CHATBOT_REDIS_PREFIX=bench$$:
redis() { # starts it and waits until it answers (a previous one may still be releasing the port)
  for _ in $(seq 50); do
    redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --pidfile $dir/redis.pid --logfile $dir/redis.log
    for _ in $(seq 20); do redis-cli -p $redis_port ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  done
  echo "bench-cluster: redis-server did not start on port $redis_port (see $dir/redis.log)" >&2; exit 1
}
redis_stop() { local pid; pid=$(cat $dir/redis.pid 2>/dev/null) || return 0; kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done; rm -f $dir/redis.pid; }
redis
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db${PG_URL_PARAMS-?sslmode=disable}
pids=(); bases=()
for i in $(seq 0 $((count - 1))); do
  port=$((3950 + i))
  LISTEN_ADDR=127.0.0.1:$port $R/chatbot > $dir/server$i.log 2>&1 & pids+=($!)
  bases+=("http://127.0.0.1:$port")
  for _ in $(seq 50); do curl -sf 127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
done
list=$(IFS=,; echo "${bases[*]}")
if [ -n "${REDIS_DOWN_AT:-}" ]; then
  ( until grep -q "loadgen: probing" $dir/loadgen.err 2>/dev/null; do sleep 0.01; done
    sleep "$REDIS_DOWN_AT"; redis_stop; echo "bench-cluster: Redis stopped at ${REDIS_DOWN_AT}s" >&2
    sleep $((REDIS_UP_AT - REDIS_DOWN_AT)); redis; echo "bench-cluster: Redis started at ${REDIS_UP_AT}s" >&2 ) &
fi
$R/chatbot-loadgen --base "$list" "$@" 2> >(tee $dir/loadgen.err >&2) || true
kill "${pids[@]}"; wait "${pids[@]}" || true
redis_stop
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE $db WITH (FORCE)"
rm -rf $dir
