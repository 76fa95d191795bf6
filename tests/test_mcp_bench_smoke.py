"""bench/mcp_wait.py runs end to end at a tiny size (it measures; this only proves it runs)."""

import re
import subprocess
import sys

from tests.support import ROOT


def test_the_hub_wait_benchmark_runs():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "mcp_wait.py"), "--posts", "3", "--transport", "http"],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"hub_wait post→return over http .* p50 [\d.]+ ms  p99 [\d.]+ ms", done.stdout), done.stdout
