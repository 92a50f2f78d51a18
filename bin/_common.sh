# Shared by bin/up and bin/test: make the machine ready, idempotently.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

ensure_postgres() {
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then return; fi
  log "starting Postgres"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && return; sleep 1; done
  echo "Postgres is not reachable on 127.0.0.1:5432" >&2; exit 1
}

# Redis is where REDIS_URL says (default redis://127.0.0.1:6379/0). A local one is
# started only when that host is loopback; a remote one must already be up.
redis_ping() {
  local tls=()
  [ "$REDIS_SCHEME" = rediss ] && tls=(--tls)
  [ "$(redis-cli "${tls[@]}" -u "$REDIS_URL_CHECKED" ping 2>/dev/null)" = PONG ]
}

ensure_redis() {
  REDIS_URL_CHECKED="${REDIS_URL:-redis://127.0.0.1:6379/0}"
  REDIS_SCHEME="${REDIS_URL_CHECKED%%://*}"
  local hostport="${REDIS_URL_CHECKED#*://}"
  hostport="${hostport%%/*}"
  hostport="${hostport%%\?*}"
  hostport="${hostport##*@}"
  local host port
  if [[ "$hostport" == \[* ]]; then  # [::1]:6379
    host="${hostport%%]*}"; host="${host#[}"
    port="${hostport##*]}"; port="${port#:}"
  else
    host="${hostport%%:*}"
    port="${hostport#"$host"}"; port="${port#:}"
  fi
  port="${port:-6379}"
  if redis_ping; then return; fi
  case "$host" in
    127.0.0.1|localhost|::1) ;;
    *) echo "Redis is not reachable at $host:$port (REDIS_URL); start it there or fix REDIS_URL" >&2
       exit 1 ;;
  esac
  log "starting Redis on 127.0.0.1:$port"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis_ping && return; sleep 1; done
  echo "Redis is not reachable at $host:$port (REDIS_URL)" >&2; exit 1
}

ensure_venv() {
  local stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
  if [ -f "$stamp" ]; then return; fi
  log "installing Arcadia and its dependencies into .venv"
  [ -x "$PY" ] || python3 -m venv "$VENV"
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet -e "$ROOT[dev]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
}

# Debian's chromium for the browser tests; Playwright never downloads a browser here.
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  log "installing Debian's chromium for the browser tests"
  if [ "$(id -u)" -ne 0 ]; then
    echo "chromium is missing and only root can apt-get install it; browser tests will be skipped" >&2
    return
  fi
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "could not install chromium; browser tests will be skipped" >&2
}

# With DATABASE_MIGRATE_URL set, the two roles (README, "Database roles"): creates the
# database and both roles if missing and grants, idempotently, as the local superuser
# (DATABASE_SUPERUSER_URL, else postgres@ DATABASE_URL's host).
ensure_db_roles() {
  [ -n "${DATABASE_MIGRATE_URL:-}" ] || return 0
  "$PY" "$ROOT/manage.py" setup_db_roles
}

ensure_database() {
  if [ -n "${DATABASE_MIGRATE_URL:-}" ]; then ensure_db_roles; return; fi
  local url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/arcadia}"
  "$PY" - "$url" <<'PYEOF'
import sys
import dj_database_url
import psycopg
from psycopg import sql

cfg = dj_database_url.parse(sys.argv[1])
conninfo = dict(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432,
                user=cfg["USER"] or "postgres", password=cfg["PASSWORD"] or None, dbname="postgres")
with psycopg.connect(**conninfo, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
        print(f"created database {cfg['NAME']}")
PYEOF
}
