#!/usr/bin/env bash
# Run the whole test suite from a fresh checkout: makes .venv, installs what the tests need,
# then runs pytest (extra arguments go to pytest). As root on Debian it also installs the
# system packages the browser tests use; otherwise it tells you which are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
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
exec python -m pytest "$@"
