"""Small helpers shared by the benchmarks run.py drives: a load-generator child process pinned
to the other core that prints one JSON line, CPU time of this process, and a median/min/max
summary of several runs."""

import json
import resource
import statistics
import subprocess
import sys

from hubproc import pinned


def run_child(script, args, core=1, timeout=600):
    """Run `python script --child ARGS` pinned to `core`; return its last stdout line as JSON."""
    child = subprocess.run(pinned([sys.executable, str(script), "--child", *map(str, args)], core),
                           capture_output=True, text=True, timeout=timeout)
    if child.returncode != 0:
        raise RuntimeError(f"{script} child failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def cpu_now():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def summary(values):
    """(median, min, max) of a list of numbers."""
    values = list(values)
    return statistics.median(values), min(values), max(values)
