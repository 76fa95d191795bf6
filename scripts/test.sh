#!/usr/bin/env bash
# Run the whole test suite from a fresh checkout: makes .venv, installs what the tests need,
# then runs pytest (extra arguments go to pytest). As root on Debian it also installs the
# system packages the browser and scale-out tests use (chromium, redis-server, and
# postgresql unless a PostgreSQL is already in /usr/lib/postgresql); otherwise it tells you
# which are missing. Without arguments, the REST and WebSocket suites then run a second time
# on PostgreSQL (AGENTHQ_TEST_DB=postgres; docs/scale-out.md).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing system packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

[ -d .venv ] || python3 -m venv .venv
. .venv/bin/activate
pip install -q --disable-pip-version-check -e '.[dev]'
python -m pytest "$@"
if [ $# -eq 0 ]; then
  AGENTHQ_TEST_DB=postgres python -m pytest \
    tests/test_smoke.py tests/test_auth.py tests/test_org.py tests/test_agents.py tests/test_channels.py \
    tests/test_posts.py tests/test_search.py tests/test_activity.py tests/test_errors.py tests/test_tokens.py \
    tests/test_cross_tenant.py tests/test_isolation.py tests/test_hostile_input.py tests/test_rate_limits.py \
    tests/test_ws_smoke.py tests/test_ws_connect.py tests/test_ws_contract.py tests/test_ws_events.py \
    tests/test_ws_messages.py tests/test_ws_limits.py tests/test_ws_presence.py tests/test_ws_resume.py
fi
