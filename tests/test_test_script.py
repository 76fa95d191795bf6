"""scripts/test.sh as a contributor runs it: two labelled runs (SQLite, then PostgreSQL), and
arguments that go to both instead of silently skipping the second."""

import os
import subprocess

from tests.support import ROOT


def run_script(*args):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AGENTHQ_", "PYTEST_"))}
    return subprocess.run(["bash", str(ROOT / "scripts" / "test.sh"), *args], capture_output=True, text=True,
                          cwd=ROOT, env=environ, timeout=600)


def test_arguments_go_to_both_labelled_runs():
    result = run_script("--no-setup", "tests/test_smoke.py", "-k", "health")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    sqlite, postgres = out.index("==> [1/2] SQLite: python -m pytest"), out.index("==> [2/2] PostgreSQL")
    assert sqlite < out.index("==> [1/2] SQLite: passed") < postgres < out.index("==> [2/2] PostgreSQL: passed")
    assert "tests/test_smoke.py -k health" in out[postgres:]  # the same arguments, not skipped
    assert out.count(" passed, ") + out.count(" passed in ") >= 2  # pytest's summary line, once per run
    assert out.rstrip().endswith("==> all passed: sqlite postgres")


def test_one_run_only_is_asked_for_by_name():
    result = run_script("--sqlite-only", "--no-setup", "tests/test_smoke.py", "-k", "health")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "==> [1/1] SQLite" in result.stdout and "PostgreSQL" not in result.stdout
    assert "Usage: scripts/test.sh [--sqlite-only | --postgres-only] [--no-setup]" in run_script("--help").stdout
