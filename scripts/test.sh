#!/usr/bin/env bash
# Run the test suite from a fresh checkout, in two labelled runs:
#   [1/2] SQLite      every test (python -m pytest)
#   [2/2] PostgreSQL  the REST and WebSocket tests again on a throwaway PostgreSQL
#                     (AGENTHQ_TEST_DB=postgres; docs/scale-out.md)
# Usage: scripts/test.sh [--sqlite-only | --postgres-only] [--no-setup] [PYTEST ARGS...]
# Pytest arguments go to both runs (e.g. -x, -k word). Test paths among them replace each run's
# own selection: `scripts/test.sh tests/test_posts.py` runs that file on SQLite, then on
# PostgreSQL. Whole runs spread over AGENTHQ_TEST_WORKERS pytest-xdist workers (4: most tests
# wait on sockets and processes, so even 2 cores keep 4 busy); a run of given paths is serial
# unless AGENTHQ_TEST_WORKERS is set. Before the runs it makes .venv and installs what the
# tests need; as root on Debian it also installs the system packages the browser and scale-out
# tests use (chromium, redis-server, and postgresql unless one is in /usr/lib/postgresql);
# otherwise it tells you which are missing. --no-setup skips all that and uses .venv as it is (reruns).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=(sqlite postgres)
setup=1
args=()
for arg in "$@"; do
  case "$arg" in
    --sqlite-only) runs=(sqlite) ;;
    --postgres-only) runs=(postgres) ;;
    --no-setup) setup=0 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$arg") ;;
  esac
done
paths=()
for arg in "${args[@]+"${args[@]}"}"; do
  [[ "$arg" != -* && -e "${arg%%::*}" ]] && paths+=("$arg")
done

PG_TESTS=(
  tests/test_smoke.py tests/test_auth.py tests/test_org.py tests/test_agents.py tests/test_channels.py
  tests/test_posts.py tests/test_search.py tests/test_activity.py tests/test_errors.py tests/test_tokens.py
  tests/test_cross_tenant.py tests/test_isolation.py tests/test_hostile_input.py tests/test_rate_limits.py
  tests/test_ws_smoke.py tests/test_ws_connect.py tests/test_ws_contract.py tests/test_ws_events.py
  tests/test_ws_messages.py tests/test_ws_limits.py tests/test_ws_presence.py tests/test_ws_resume.py
  # Search, feed and insights (PostgreSQL full-text), and webhooks' leases and log retention.
  tests/test_search_operators.py tests/test_search_unified.py tests/test_feed.py tests/test_insights.py
  tests/test_webhooks.py tests/test_webhook_retention.py
  # Group commit, DMs, notifications, claims and invites, whose SQL differs by engine.
  tests/test_group_commit.py tests/test_dms.py tests/test_notifications.py tests/test_task_claims.py
  tests/test_task_notifications.py tests/test_task_search.py tests/test_web_invites.py
  # GET /channels read from the database (no kept rows on PostgreSQL) and one-hop token checks.
  tests/test_channel_listing.py
  # An @channel's notifications written and framed in bulk.
  tests/test_notifications_fanout.py
)

step() { printf '\n==> %s\n' "$*"; }

need=()
[ $setup = 0 ] || [ -x /usr/bin/chromium ] || need+=(chromium)
[ $setup = 0 ] || command -v redis-server >/dev/null || need+=(redis-server)
[ $setup = 0 ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing system packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

if [ $setup = 1 ]; then
  step "setting up .venv (pip install -e '.[dev,scale]')"
  [ -d .venv ] || python3 -m venv .venv
  . .venv/bin/activate
  pip install -q --disable-pip-version-check -e '.[dev,scale]'
else
  . .venv/bin/activate
fi

workers=${AGENTHQ_TEST_WORKERS:-$([ ${#paths[@]} -gt 0 ] && echo 0 || echo 4)}
parallel=()
[ "$workers" != 0 ] && parallel=(-n "$workers" --dist loadscope)

total=${#runs[@]}
n=0
failed=()
for run in "${runs[@]}"; do
  n=$((n + 1))
  if [ "$run" = sqlite ]; then
    label="SQLite"
    selection=()
    env=()
  else
    label="PostgreSQL"
    selection=("${PG_TESTS[@]}")
    env=(AGENTHQ_TEST_DB=postgres)
  fi
  # Paths given on the command line replace the run's own selection.
  [ ${#paths[@]} -gt 0 ] && selection=()
  step "[$n/$total] $label: python -m pytest ${parallel[*]:+${parallel[*]} }${selection[*]:+(${#selection[@]} files) }${args[*]-}"
  started=$SECONDS
  # Pytest's own progress line: one dot per test, the percentage done at the end of each line.
  if env ${env[@]+"${env[@]}"} python -m pytest ${parallel[@]+"${parallel[@]}"} ${selection[@]+"${selection[@]}"} ${args[@]+"${args[@]}"}; then
    step "[$n/$total] $label: passed in $((SECONDS - started)) s"
  else
    status=$?
    step "[$n/$total] $label: FAILED (pytest exit status $status) after $((SECONDS - started)) s"
    failed+=("$label")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  step "failed: ${failed[*]}"
  exit 1
fi
step "all passed: ${runs[*]}"
