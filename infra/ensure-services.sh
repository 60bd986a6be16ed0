#!/usr/bin/env bash
# Makes sure Redis and PostgreSQL answer. If they are installed from Debian packages but stopped,
# starts them (needs root). Exits non-zero with a clear message when it cannot.
set -u
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}

redis_up() {
  if command -v redis-cli >/dev/null; then redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG
  else (exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT") 2>/dev/null; fi
}
pg_up() {
  if command -v pg_isready >/dev/null; then pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
  else (exec 3<>"/dev/tcp/$PG_HOST/$PG_PORT") 2>/dev/null; fi
}

if ! redis_up && command -v redis-server >/dev/null; then
  echo "Redis is not answering on $REDIS_HOST:$REDIS_PORT; starting redis-server"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 50); do redis_up && break; sleep 0.1; done
fi
if ! pg_up && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  echo "PostgreSQL is not answering on $PG_HOST:$PG_PORT; starting the Debian cluster"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 100); do pg_up && break; sleep 0.1; done
fi

ok=0
redis_up && echo "✓ Redis $REDIS_HOST:$REDIS_PORT" || { echo "✗ Redis is not reachable at $REDIS_HOST:$REDIS_PORT"; ok=1; }
pg_up && echo "✓ PostgreSQL $PG_HOST:$PG_PORT" || { echo "✗ PostgreSQL is not reachable at $PG_HOST:$PG_PORT"; ok=1; }
exit $ok
