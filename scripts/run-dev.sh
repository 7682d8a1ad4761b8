#!/usr/bin/env bash
# The development server with a background worker beside it (`manage.py db_worker`, which
# builds the bulk exports). Ctrl-C stops both; so does the server stopping for any reason.
# Usage: scripts/run-dev.sh [ADDRESS:PORT]   (PY names the Python, default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
address=${1:-127.0.0.1:8000}

# The worker gets a process group of its own (setsid): Ctrl-C in the terminal reaches it only
# through stop() below, which lets it finish the export it is building. It does not reload on
# code changes (a reload would kill an export half built): restart `make run` to pick them up.
setsid "$PY" manage.py db_worker --no-reload --no-startup-delay &
worker=$!
echo "run-dev: worker started (process group $worker); the server follows"

stop() {
  trap - EXIT INT TERM
  if kill -0 "$worker" 2>/dev/null; then
    echo "run-dev: stopping the worker"
    # SIGTERM: the worker finishes the export it is building, then exits. Wait up to 10 s.
    kill -TERM -- "-$worker" 2>/dev/null || true
    for _ in $(seq 1 20); do
      kill -0 "$worker" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$worker" 2>/dev/null; then
      echo "run-dev: the worker is still busy: stopped (its export is left running; start it again)"
      kill -KILL -- "-$worker" 2>/dev/null || true
    fi
    wait "$worker" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

"$PY" manage.py runserver "$address"
