#!/usr/bin/env bash
# Makes sure the services the tests use are up on 127.0.0.1: PostgreSQL (5432) and Redis (6379).
# Starts them when installed but stopped; fails with a clear message when they are missing.
# Tests never skip for want of a service, so this check is the place a missing one shows.
set -euo pipefail

PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name port
  for _ in $(seq 1 50); do
    if listening "$2"; then return 0; fi
    sleep 0.2
  done
  echo "error: $1 did not start listening on 127.0.0.1:$2" >&2
  return 1
}

if listening "$PG_PORT"; then
  echo "PostgreSQL: up on 127.0.0.1:$PG_PORT"
elif command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "PostgreSQL: starting"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  wait_for PostgreSQL "$PG_PORT"
else
  cat >&2 <<MSG
error: PostgreSQL is not running on 127.0.0.1:$PG_PORT and is not installed.
  The test suite runs every storage test against PostgreSQL as well as SQLite.
  Install it (Debian/Ubuntu: apt-get install -y postgresql) with trust auth for user postgres
  on 127.0.0.1, or point TEST_POSTGRES_URL at a server where that user may create databases.
MSG
  [ -n "${TEST_POSTGRES_URL:-}" ] || exit 1
fi

if listening "$REDIS_PORT"; then
  echo "Redis: up on 127.0.0.1:$REDIS_PORT"
elif command -v redis-server >/dev/null 2>&1; then
  echo "Redis: starting"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no
  wait_for Redis "$REDIS_PORT"
else
  cat >&2 <<MSG
error: Redis is not running on 127.0.0.1:$REDIS_PORT and is not installed
  (Debian/Ubuntu: apt-get install -y redis-server).
MSG
  exit 1
fi
