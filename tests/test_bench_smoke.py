"""The benchmark suite's scripts run end to end at tiny sizes (bench/run.py's TINY settings):
a hub process, the load generators, the table. It proves the scripts work; it measures and
asserts nothing about speed (benchmarks print numbers, they are never timed assertions)."""

import importlib.util
import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
# By path, under its own name: the repository's top-level run.py is also "run".
_spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
bench_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_run)

# fan-out and the connect storm need Node (and npm to install `ws`);
# `python bench/run.py --tiny --only fanout storm` runs those. latency and idle build the C load
# client (bench/wsload.c) with gcc.
SMOKE = ["latency", "idle", "rest", "resume", "startup", "slow"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for the hub's CPU and memory")
def test_bench_scripts_run_at_tiny_sizes():
    rows = bench_run.run(bench_run.TINY, only=SMOKE)
    assert {row.benchmark.split(",")[0].split(":")[0] for row in rows} >= {
        "POST /posts", "resume", "start-up", f"slow reader among {bench_run.TINY['slow']['subscribers']} @ 50/s"}
    for row in rows:
        assert math.isfinite(row.median) and row.median > 0, row.cells()
    table = bench_run.table(rows)
    assert table.count("\n") == len(rows) + 1


def test_tiny_settings_cover_every_benchmark():
    assert set(bench_run.TINY) == set(bench_run.FULL) == set(bench_run.QUICK) == set(bench_run.ORDER)
