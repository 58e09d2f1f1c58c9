# Sourced by scripts/test.sh: makes sure a PostgreSQL 15 server with PostGIS is running (exports
# ONEMAP_TEST_POSTGRES_URL, a database where the tests may create databases) and a Redis server.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_debian_packages() {  # names of missing Debian packages
  [ "$#" -gt 0 ] || return 0
  echo "安装 / installing Debian packages: $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p "$1" >/dev/null 2>&1; }

ensure_postgres() {
  local port="${ONEMAP_TEST_PG_PORT:-5432}" bin=/usr/lib/postgresql/15/bin
  if [ -n "${ONEMAP_TEST_POSTGRES_URL:-}" ]; then return 0; fi
  if ! pg_ready "$port" && [ -d /etc/postgresql/15/main ] && command -v pg_ctlcluster >/dev/null; then
    as_root pg_ctlcluster --skip-systemctl-redirect 15 main start || true
  fi
  if ! pg_ready "$port"; then
    # No server of the machine's own: start a private one as a non-root user on a free port.
    port=55432
    local data="$PWD/var/pgtest"
    run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown -R postgres "$data"
    [ -f "$data/PG_VERSION" ] || run_pg "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
    pg_ready "$port" || run_pg "$bin/pg_ctl" -D "$data" -o "-p $port -k /tmp" -l "$data/server.log" -w start >/dev/null
  fi
  export ONEMAP_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:${port}/postgres"
  psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "SELECT 1" >/dev/null
}

ensure_redis() {  # the tile cache's optional Redis tier is tested against a real server
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/onemap-test-redis.log
  for _ in 1 2 3 4 5 6 7 8 9 10; do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "Redis 未能启动 / Redis did not start" >&2; return 1
}
