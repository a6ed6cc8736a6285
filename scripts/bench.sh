#!/usr/bin/env bash
# Runs one chatbot-loadgen scenario against a fresh release server on a fresh database.
# Usage: scripts/bench.sh sqlite|postgres <loadgen scenario and flags>
# Build first: cargo build --release --bin chatbot --bin chatbot-loadgen
# RUST_LOG sets the server's log filter (default warn); SERVER_LOG=path keeps the server's log.
set -euo pipefail
R=${CARGO_TARGET_DIR:-$HOME/.cache/chatbot-socket/target}/release
backend=$1; shift
dir=$(mktemp -d); port=3950
# Access tokens outlast a long run (`soak`): the server disconnects a socket whose token expired,
# and the load generator, unlike the web app, does not refresh and reconnect.
export CHATBOT_ACCESS_TOKEN_TTL=${CHATBOT_ACCESS_TOKEN_TTL:-12h}
# Connections up to the fd limit here (20,000), for `connect --sockets 19000`.
export CHATBOT_MAX_CONNECTIONS=${CHATBOT_MAX_CONNECTIONS:-19900}
export CHATBOT_REGISTRATIONS_PER_IP=100000 CHATBOT_SEND_RATE=1000000 CHATBOT_EVENTS_PER_SECOND=100000 CHATBOT_SOCKETS_PER_USER=10000 LISTEN_ADDR=127.0.0.1:$port RUST_LOG=${RUST_LOG:-warn} LOG_FORMAT=json JWT_SECRET=bench-secret-bench-secret-bench-secret-01
# Answers without limits, for `chat` and `soak`: the loadgen's mock model (its --upstream
# default) is the OpenAI-compatible provider; the other scenarios' rooms have the assistant off.
export CHATBOT_LLM_CONCURRENCY=100000 CHATBOT_LLM_PER_USER_CONCURRENCY=100000 CHATBOT_LLM_QUEUE_PER_USER=100000 CHATBOT_LLM_QUEUE_PER_ROOM=100000
case " $* " in
  *" chat "*|*" soak "*) export OPENAI_BASE_URL=http://127.0.0.1:3960/v1 OPENAI_MODEL=loadgen-mock ;;
esac
if [ "$backend" = postgres ]; then
  db=chatbot_bench_$$; psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
  # Loopback: no TLS (it only costs here, and sqlx 0.9.0's TLS writes stall; docs/storage.md).
  # PG_URL_PARAMS overrides, e.g. PG_URL_PARAMS=?sslmode=require.
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$db${PG_URL_PARAMS-?sslmode=disable}
else
  export DATABASE_URL=sqlite://$dir/chatbot.db
fi
$R/chatbot > $dir/server.log 2>&1 & pid=$!
for _ in $(seq 50); do curl -sf 127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
$R/chatbot-loadgen --base http://127.0.0.1:$port "$@" || true
kill $pid; wait $pid || true
[ "$backend" = postgres ] && psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE $db WITH (FORCE)"
[ -n "${SERVER_LOG:-}" ] && cp $dir/server.log "$SERVER_LOG"
rm -rf $dir
