"""Crash durability, short: clients post, the hub is killed with SIGKILL, restarted on the
same database; every acknowledged post is there once, with its event, and replays on resume.
The long version is `python bench/crash.py --rounds N`."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("crash", Path(__file__).resolve().parent.parent / "bench" / "crash.py")
crash = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(crash)


def test_sigkill_loses_no_acknowledged_post(tmp_path):
    rounds, verified, problems = crash.run_rounds(rounds=3, clients=4, seed=7, db=tmp_path / "crash.db")
    assert problems == []
    assert rounds == 3 and verified > 0
    print(f"crash: {rounds} rounds, {verified} acknowledged posts verified")
