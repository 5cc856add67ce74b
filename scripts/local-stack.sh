#!/usr/bin/env bash
# local-stack.sh start|stop|status|env — PostgreSQL 15 and Redis 7 (AOF on) as plain processes on
# loopback, with their data under the git-ignored .run/ of the repository.
#
#   start   returns only when both accept connections; idempotent (prints the env if running)
#   stop    returns only when both processes are gone
#   status  prints the env and exits 0 if both run, else exits 1
#   env     prints `export ...` lines for a shell: eval "$(scripts/local-stack.sh env)"
#   pg-stop / pg-start   stop or restart PostgreSQL alone (same data, same port), for tests of a
#           database outage; Redis keeps running
#
# The env file .run/stack.env holds NTF_DATABASE_URL, NTF_REDIS_URL and the PIDs; the tests read it.
# Works as root (postgres runs as the `postgres` system user through runuser) and as a normal user.
# Knobs: NTF_PG_PORT (default 25432), NTF_REDIS_PORT (default 26379) — a busy port is skipped upward.
# The defaults sit below the kernel's ephemeral range (32768-60999), where an outgoing
# connection can hold a port that looks free and make the bind fail.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=${NTF_RUN_DIR:-$ROOT/.run}
ENV_FILE=$RUN/stack.env
PG_USER=ntf
PG_PASSWORD=ntf
PG_DB=ntf

log() { printf '[local-stack] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/15/bin $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV); do
    [[ -x $d/initdb && -x $d/pg_ctl ]] && { echo "$d"; return 0; }
  done
  return 1
}

as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Alive and not a zombie (a daemon re-parented to a slow reaper lingers as a zombie).
alive() {
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
  local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $st != Z* ]]
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while port_busy "$p"; do p=$((p + 1)); done; echo "$p"; }
wait_gone() { local _; for _ in $(seq 400); do alive "$1" || return 0; sleep 0.05; done; return 1; }

load_env() { [[ -f $ENV_FILE ]] && source "$ENV_FILE"; }

running() { load_env && alive "${NTF_PG_PID:-}" && alive "${NTF_REDIS_PID:-}"; }

print_env() { sed 's/^/export /' "$ENV_FILE"; }

# PostgreSQL refuses to run as root and must reach its data directory; when the repository is
# not traversable by the postgres user (e.g. under /root), the data lives in /tmp instead.
pg_data_parent() {
  if [[ $(id -u) -ne 0 ]] || runuser -u postgres -- test -x "$RUN"; then echo "$RUN/pg"; return; fi
  local d; d=$(mktemp -d /tmp/ntf-pg.XXXXXX); chmod 755 "$d"; ln -sfn "$d" "$RUN/pg-link"
  echo "$d"
}

cmd_start() {
  if running; then log "already running"; print_env; return 0; fi
  [[ -f $ENV_FILE ]] && { log "stale state, cleaning up"; cmd_stop >/dev/null 2>&1 || true; }
  local bindir; bindir=$(pg_bindir) || die "PostgreSQL server binaries not found (run scripts/install-deps.sh)"
  command -v redis-server >/dev/null || die "redis-server not found (run scripts/install-deps.sh)"
  if [[ $(id -u) -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi
  # A fresh stack each start, like PostgreSQL below: no AOF left over from an earlier run.
  rm -rf "$RUN/redis"; mkdir -p "$RUN/redis"
  chmod 755 "$RUN"
  local pgdir; pgdir=$(pg_data_parent)
  rm -rf "$pgdir"; mkdir -p "$pgdir"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$pgdir"
  local pg_port redis_port
  pg_port=$(free_port "${NTF_PG_PORT:-25432}")
  redis_port=$(free_port "${NTF_REDIS_PORT:-26379}")

  printf '%s\n' "$PG_PASSWORD" > "$pgdir/.pw"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$pgdir/.pw"
  as_pg "$bindir/initdb" -D "$pgdir/data" -U "$PG_USER" --pwfile="$pgdir/.pw" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync \
    > "$pgdir/initdb.log" 2>&1 || { cat "$pgdir/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pgdir/.pw"
  # Another stack (a parallel test, a benchmark) may take the port between the check and the
  # bind: then try the next free port, a few times.
  local attempt
  for attempt in 1 2 3 4 5; do
    rm -f "$pgdir/postgres.log"
    as_pg "$bindir/pg_ctl" -D "$pgdir/data" -l "$pgdir/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pgdir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start > /dev/null && break
    grep -q "Address already in use" "$pgdir/postgres.log" && ((attempt < 5)) \
      || { cat "$pgdir/postgres.log" >&2; die "postgres failed to start"; }
    pg_port=$(free_port $((pg_port + 1)))
  done
  local pg_pid; pg_pid=$(head -1 "$pgdir/data/postmaster.pid")
  # Recorded now so that `stop` also cleans up a start that fails later (Redis).
  printf 'NTF_PG_PID=%s\nNTF_PG_DATA=%s\nNTF_PG_BINDIR=%s\n' "$pg_pid" "$pgdir/data" "$bindir" \
    > "$ENV_FILE"
  as_pg "$bindir/psql" -h "$pgdir" -p "$pg_port" -U "$PG_USER" -d postgres -qAt \
    -c "CREATE DATABASE $PG_DB" > /dev/null

  local _ up=0
  for attempt in 1 2 3 4 5; do
    rm -f "$RUN/redis/redis.pid"; : > "$RUN/redis/redis.log"
    redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$RUN/redis" \
      --pidfile "$RUN/redis/redis.pid" --logfile "$RUN/redis/redis.log" --daemonize yes \
      --save '' --appendonly yes --appendfsync everysec || die "redis-server failed"
    for _ in $(seq 200); do
      [[ -s $RUN/redis/redis.pid ]] && alive "$(cat "$RUN/redis/redis.pid")" \
        && [[ $(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null) == PONG ]] && { up=1; break; }
      grep -q "Address already in use" "$RUN/redis/redis.log" && break
      sleep 0.05
    done
    ((up)) && break
    grep -q "Address already in use" "$RUN/redis/redis.log" && ((attempt < 5)) \
      || { cat "$RUN/redis/redis.log" >&2; die "redis did not come up"; }
    redis_port=$(free_port $((redis_port + 1)))
  done
  local redis_pid; redis_pid=$(cat "$RUN/redis/redis.pid")

  cat > "$ENV_FILE" <<EOT
NTF_DATABASE_URL=postgresql://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${pg_port}/${PG_DB}
NTF_REDIS_URL=redis://127.0.0.1:${redis_port}/0
NTF_PG_PID=${pg_pid}
NTF_PG_DATA=${pgdir}/data
NTF_PG_BINDIR=${bindir}
NTF_REDIS_PID=${redis_pid}
EOT
  PGPASSWORD=$PG_PASSWORD psql "postgresql://${PG_USER}@127.0.0.1:${pg_port}/${PG_DB}" -qAt -c 'select 1' >/dev/null \
    || die "postgres does not accept TCP connections"
  log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port, Redis $(redis-server --version | sed -E 's/.*v=([0-9.]+).*/\1/') on 127.0.0.1:$redis_port (AOF on)"
  print_env
}

cmd_stop() {
  load_env || { log "not running"; return 0; }
  local pg=${NTF_PG_PID:-} rd=${NTF_REDIS_PID:-}
  if alive "$pg"; then kill -INT "$pg"; fi    # fast shutdown
  if alive "$rd"; then kill -TERM "$rd"; fi   # clean shutdown (AOF flushed)
  wait_gone "$pg" || { log "postgres $pg still alive, SIGQUIT"; kill -QUIT "$pg" 2>/dev/null || true; wait_gone "$pg" || true; }
  wait_gone "$rd" || { log "redis $rd still alive, SIGKILL"; kill -KILL "$rd" 2>/dev/null || true; wait_gone "$rd" || true; }
  alive "$pg" && die "postgres $pg did not stop"
  alive "$rd" && die "redis $rd did not stop"
  if [[ -L $RUN/pg-link ]]; then rm -rf "$(readlink "$RUN/pg-link")" "$RUN/pg-link"; fi
  rm -f "$ENV_FILE"
  log "stopped"
}

cmd_pg_stop() {
  load_env || die "not running"
  as_pg "$NTF_PG_BINDIR/pg_ctl" -D "$NTF_PG_DATA" -m fast -w stop >/dev/null
  log "PostgreSQL stopped"
}

cmd_pg_start() {
  load_env || die "not running"
  local port; port=$(sed -E 's|.*:([0-9]+)/.*|\1|' <<<"$NTF_DATABASE_URL")
  as_pg "$NTF_PG_BINDIR/pg_ctl" -D "$NTF_PG_DATA" -l "$NTF_PG_DATA/../postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $(dirname "$NTF_PG_DATA") -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || die "postgres failed to start"
  local pid; pid=$(head -1 "$NTF_PG_DATA/postmaster.pid")
  sed -i "s/^NTF_PG_PID=.*/NTF_PG_PID=$pid/" "$ENV_FILE"
  log "PostgreSQL started again (pid $pid)"
}

cmd_status() {
  if running; then print_env; else log "not running"; return 1; fi
}

case ${1:-status} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) running && print_env ;;
  pg-stop) cmd_pg_stop ;;
  pg-start) cmd_pg_start ;;
  *) echo "usage: $0 start|stop|status|env|pg-stop|pg-start" >&2; exit 2 ;;
esac
